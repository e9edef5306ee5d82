//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The metrics registry and its Prometheus text: the exact text of a small registry, label escaping,
// the histogram's bucket edges, counts from two threads, the format checked line by line, the
// observer's hooks as the outbox and the dispatcher call them, and the per-partition queue gauges
// (also through the `list` fallback of a storage without `partition_stats`).

#include "common/prometheus_text.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/observe/metrics.hpp>
#include <hookbox/storage/failing_storage.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace hookbox::test {

namespace {

using namespace std::chrono_literals;

attempt_result attempt(attempt_outcome o, std::optional<int> status, std::chrono::milliseconds d) {
    attempt_result r;
    r.outcome = o;
    r.http_status = status;
    r.duration = d;
    return r;
}

std::string value_of(const std::string& text, std::string_view series) {
    return sample_value(text, series).value_or("<absent>");
}

using metered_outbox = basic_outbox<memory_storage, manual_clock, fnv1a_partition_hasher, metrics_observer>;

// A memory storage without the optional `partition_stats` (the member is hidden), whose `list` pages
// hold at most two rows: `basic_outbox::partition_stats` must then walk the pending rows page by page.
struct paged_storage : memory_storage {
    void partition_stats() = delete;

    list_page list(const list_options& lo, error_code& ec, diagnostics& diag) const {
        list_options small = lo;
        small.limit = std::min<std::size_t>(lo.limit, 2);
        return memory_storage::list(small, ec, diag);
    }
};
static_assert(outbox_storage<paged_storage>);
static_assert(!detail::storage_reports_partitions<paged_storage>);
static_assert(detail::storage_reports_partitions<memory_storage>);

claim_options claim_from(int partition, std::size_t limit) {
    claim_options o;
    o.node_id = "node-A";
    o.limit = limit;
    o.claim_ttl = 60s;
    o.partition = partition_ref{partition, 8};
    return o;
}

std::string partition_text(const std::vector<partition_depth>& ps) {
    std::string out;
    for (const auto& p : ps)
        out += std::to_string(p.partition) + ":" + std::to_string(p.pending) + "/" +
               (p.oldest_pending_age ? std::to_string(p.oldest_pending_age->count()) + "ms" : "-") + " ";
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

// The whole text of a small registry, written out by hand from the format's rules.
BOOST_AUTO_TEST_CASE(exposition_of_a_fixed_registry) {
    metrics_registry reg;
    reg.record_enqueue({delivery_id{}, true});
    reg.record_enqueue({delivery_id{}, true});
    reg.record_enqueue({delivery_id{}, false});
    reg.record_attempt(attempt(attempt_outcome::success, 200, 7ms));
    reg.record_attempt(attempt(attempt_outcome::retry, 503, 120ms));
    reg.record_attempt(attempt(attempt_outcome::dead, 410, 3000ms));
    reg.record_attempt(attempt(attempt_outcome::retry, std::nullopt, 45000ms));
    reg.record_dead();
    reg.record_endpoint_event("circuit_opened", "wh-a");
    reg.record_endpoint_event("disabled", "wh-b");
    reg.record_endpoint_event("circuit_opened", "wh-c");
    reg.record_endpoint_event("circuit_closed", "wh-c");
    reg.record_error("claim");
    reg.record_error("health.save");
    reg.record_error("claim");
    std::vector<partition_depth> queue{{0, 2, 1500ms}, {1, 0, std::nullopt}};
    reg.set_queue(queue);

    const std::string expected =
        "# HELP hookbox_enqueued_total Enqueued requests: stored (created) or already stored (deduplicated).\n"
        "# TYPE hookbox_enqueued_total counter\n"
        "hookbox_enqueued_total{result=\"created\"} 2\n"
        "hookbox_enqueued_total{result=\"deduplicated\"} 1\n"
        "# HELP hookbox_attempts_total Acked delivery attempts, by outcome and by the response's status class "
        "(none: no response).\n"
        "# TYPE hookbox_attempts_total counter\n"
        "hookbox_attempts_total{outcome=\"success\",status_class=\"2xx\"} 1\n"
        "hookbox_attempts_total{outcome=\"success\",status_class=\"3xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"success\",status_class=\"4xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"success\",status_class=\"5xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"success\",status_class=\"none\"} 0\n"
        "hookbox_attempts_total{outcome=\"retry\",status_class=\"2xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"retry\",status_class=\"3xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"retry\",status_class=\"4xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"retry\",status_class=\"5xx\"} 1\n"
        "hookbox_attempts_total{outcome=\"retry\",status_class=\"none\"} 1\n"
        "hookbox_attempts_total{outcome=\"dead\",status_class=\"2xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"dead\",status_class=\"3xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"dead\",status_class=\"4xx\"} 1\n"
        "hookbox_attempts_total{outcome=\"dead\",status_class=\"5xx\"} 0\n"
        "hookbox_attempts_total{outcome=\"dead\",status_class=\"none\"} 0\n"
        "# HELP hookbox_dead_letters_total Deliveries made dead by an attempt.\n"
        "# TYPE hookbox_dead_letters_total counter\n"
        "hookbox_dead_letters_total 1\n"
        "# HELP hookbox_attempt_duration_seconds Duration of acked delivery attempts.\n"
        "# TYPE hookbox_attempt_duration_seconds histogram\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.005\"} 0\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.01\"} 1\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.025\"} 1\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.05\"} 1\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.1\"} 1\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.25\"} 2\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"0.5\"} 2\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"1\"} 2\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"2.5\"} 2\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"5\"} 3\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"10\"} 3\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"30\"} 3\n"
        "hookbox_attempt_duration_seconds_bucket{le=\"+Inf\"} 4\n"
        "hookbox_attempt_duration_seconds_sum 48.127\n"
        "hookbox_attempt_duration_seconds_count 4\n"
        "# HELP hookbox_queue_depth Pending deliveries per partition, when last sampled.\n"
        "# TYPE hookbox_queue_depth gauge\n"
        "hookbox_queue_depth{partition=\"0\"} 2\n"
        "hookbox_queue_depth{partition=\"1\"} 0\n"
        "# HELP hookbox_oldest_pending_age_seconds Age of the oldest pending delivery per partition (0 when "
        "none), when last sampled.\n"
        "# TYPE hookbox_oldest_pending_age_seconds gauge\n"
        "hookbox_oldest_pending_age_seconds{partition=\"0\"} 1.5\n"
        "hookbox_oldest_pending_age_seconds{partition=\"1\"} 0\n"
        "# HELP hookbox_endpoints Endpoints whose circuit is open, and endpoints disabled.\n"
        "# TYPE hookbox_endpoints gauge\n"
        "hookbox_endpoints{state=\"circuit_open\"} 1\n"
        "hookbox_endpoints{state=\"disabled\"} 1\n"
        "# HELP hookbox_endpoint_events_total Endpoint health events, by kind.\n"
        "# TYPE hookbox_endpoint_events_total counter\n"
        "hookbox_endpoint_events_total{kind=\"circuit_opened\"} 2\n"
        "hookbox_endpoint_events_total{kind=\"circuit_closed\"} 1\n"
        "hookbox_endpoint_events_total{kind=\"disabled\"} 1\n"
        "hookbox_endpoint_events_total{kind=\"enabled\"} 0\n"
        "# HELP hookbox_errors_total Failed steps of the dispatcher, the sweeper and the auto-enqueuer (storage "
        "calls, refused sends), by step.\n"
        "# TYPE hookbox_errors_total counter\n"
        "hookbox_errors_total{what=\"claim\"} 2\n"
        "hookbox_errors_total{what=\"health.save\"} 1\n";
    const std::string text = reg.to_prometheus();
    BOOST_TEST(text == expected);
    BOOST_TEST(check_exposition(text) == "");

    // write_prometheus appends.
    std::string out = "prefix\n";
    reg.write_prometheus(out);
    BOOST_TEST(out == "prefix\n" + expected);
}

// An empty registry is valid text too: every family with its zeros, no queue samples yet.
BOOST_AUTO_TEST_CASE(empty_registry_is_valid) {
    metrics_registry reg;
    const std::string text = reg.to_prometheus();
    BOOST_TEST(check_exposition(text) == "");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_bucket{le=\"+Inf\"}") == "0");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_sum") == "0");
    BOOST_TEST(text.find("hookbox_queue_depth{") == std::string::npos);
    BOOST_TEST(text.find("# TYPE hookbox_queue_depth gauge\n") != std::string::npos);
    BOOST_TEST(text.find("hookbox_errors_total{") == std::string::npos);
    // The 1xx class appears once an attempt had it.
    BOOST_TEST(text.find("1xx") == std::string::npos);
    reg.record_attempt(attempt(attempt_outcome::retry, 101, 1ms));
    BOOST_TEST(value_of(reg.to_prometheus(), "hookbox_attempts_total{outcome=\"retry\",status_class=\"1xx\"}") == "1");
}

// Label values escape backslash, double quote and line feed, and nothing else.
BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
    metrics_registry reg;
    reg.record_error("a\\b\"c\nd'e{f}=g,h");
    const std::string text = reg.to_prometheus();
    BOOST_TEST(value_of(text, R"(hookbox_errors_total{what="a\\b\"c\nd'e{f}=g,h"})") == "1");
    BOOST_TEST(check_exposition(text) == "");
    // The checker reads the value back unescaped, and refuses a raw line feed or a bad escape.
    BOOST_TEST(check_exposition("# HELP x_total h\n# TYPE x_total counter\nx_total{a=\"1\n2\"} 1\n") != "");
    BOOST_TEST(check_exposition("# HELP x_total h\n# TYPE x_total counter\nx_total{a=\"\\t\"} 1\n") != "");
    BOOST_TEST(check_exposition("# HELP x h\n# TYPE x counter\nx 1\n") != "");  // a counter without _total
    BOOST_TEST(check_exposition("# HELP x_total h\n# TYPE x_total counter\ny_total 1\n") != "");
}

// A duration on a bucket's bound falls in that bucket (le is inclusive); one millisecond more falls in
// the next; past the last bound only +Inf counts it. Negative durations count as 0.
BOOST_AUTO_TEST_CASE(histogram_bucket_edges) {
    struct edge {
        std::int64_t ms;
        std::string le;  // the lowest bucket that counts it
    };
    const std::vector<edge> edges{{0, "0.005"},   {5, "0.005"},  {6, "0.01"},     {10, "0.01"},  {11, "0.025"},
                                  {250, "0.25"},  {251, "0.5"},  {1000, "1"},     {1001, "2.5"}, {2500, "2.5"},
                                  {30000, "30"},  {30001, "+Inf"}, {-5, "0.005"}};
    const std::vector<std::string> bounds{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                          "1",     "2.5",  "5",     "10",   "30",  "+Inf"};
    for (const auto& e : edges) {
        BOOST_TEST_CONTEXT("duration " << e.ms << " ms") {
            metrics_registry reg;
            reg.record_attempt(attempt(attempt_outcome::success, 200, std::chrono::milliseconds(e.ms)));
            const std::string text = reg.to_prometheus();
            BOOST_TEST(check_exposition(text) == "");
            auto first = std::find(bounds.begin(), bounds.end(), e.le);
            BOOST_TEST_REQUIRE((first != bounds.end()));
            for (auto it = bounds.begin(); it != bounds.end(); ++it) {
                const std::string series = "hookbox_attempt_duration_seconds_bucket{le=\"" + *it + "\"}";
                BOOST_TEST(value_of(text, series) == (it < first ? "0" : "1"), series);
            }
            BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_count") == "1");
        }
    }
    metrics_registry reg;
    reg.record_attempt(attempt(attempt_outcome::success, 200, 1ms));
    reg.record_attempt(attempt(attempt_outcome::success, 200, 1234ms));
    reg.record_attempt(attempt(attempt_outcome::success, 200, 60000ms));
    BOOST_TEST(value_of(reg.to_prometheus(), "hookbox_attempt_duration_seconds_sum") == "61.235");
}

// Two threads count at once; no count is lost.
BOOST_AUTO_TEST_CASE(concurrent_counts_are_exact) {
    metrics_registry reg;
    constexpr int per_thread = 20000;
    std::latch start(2);
    auto work = [&reg, &start](int t) {
        start.arrive_and_wait();
        for (int i = 0; i < per_thread; ++i) {
            reg.record_enqueue({delivery_id{}, i % 2 == 0});
            reg.record_attempt(attempt(t == 0 ? attempt_outcome::success : attempt_outcome::retry, t == 0 ? 200 : 503,
                                       std::chrono::milliseconds(i % 3)));
            reg.record_error(i % 2 == 0 ? "claim" : "ack");
            reg.record_endpoint_event(i % 2 == 0 ? "circuit_opened" : "circuit_closed", "wh-" + std::to_string(t));
            if (i % 1000 == 0) {
                std::string scratch;
                reg.write_prometheus(scratch);
            }
        }
    };
    std::thread a(work, 0), b(work, 1);
    a.join();
    b.join();
    const std::string text = reg.to_prometheus();
    BOOST_TEST(check_exposition(text) == "");
    const std::string half = std::to_string(per_thread);
    const std::string all = std::to_string(2 * per_thread);
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"created\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"deduplicated\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"success\",status_class=\"2xx\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"retry\",status_class=\"5xx\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_count") == all);
    // Per thread: 6667 zeros, 6667 ones, 6666 twos (i % 3), so 2 * (6667 + 2 * 6666) ms.
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_sum") == "39.998");
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"claim\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"ack\"}") == half);
    BOOST_TEST(value_of(text, "hookbox_endpoint_events_total{kind=\"circuit_opened\"}") == half);
    // Each thread's last event closed its endpoint's circuit.
    BOOST_TEST(value_of(text, "hookbox_endpoints{state=\"circuit_open\"}") == "0");
}

// Endpoint states follow the events: enabling clears both states; an unknown kind is ignored.
BOOST_AUTO_TEST_CASE(endpoint_states_follow_the_events) {
    metrics_registry reg;
    auto gauges = [&] {
        const std::string text = reg.to_prometheus();
        return value_of(text, "hookbox_endpoints{state=\"circuit_open\"}") + "/" +
               value_of(text, "hookbox_endpoints{state=\"disabled\"}");
    };
    reg.record_endpoint_event("circuit_opened", "wh-1");
    reg.record_endpoint_event("circuit_opened", "wh-1");  // told twice, counted once
    reg.record_endpoint_event("disabled", "wh-1");
    reg.record_endpoint_event("disabled", "wh-2");
    BOOST_TEST(gauges() == "1/2");
    reg.record_endpoint_event("enabled", "wh-1");
    BOOST_TEST(gauges() == "0/1");
    reg.record_endpoint_event("circuit_closed", "wh-2");  // a disabled endpoint stays disabled
    BOOST_TEST(gauges() == "0/1");
    reg.record_endpoint_event("circuit_exploded", "wh-3");
    BOOST_TEST(gauges() == "0/1");
    const std::string text = reg.to_prometheus();
    BOOST_TEST(text.find("circuit_exploded") == std::string::npos);
    BOOST_TEST(value_of(text, "hookbox_endpoint_events_total{kind=\"circuit_opened\"}") == "2");
    BOOST_TEST(value_of(text, "hookbox_endpoint_events_total{kind=\"enabled\"}") == "1");
}

// The `what` labels are bounded: past the limit, new ones are counted as "other".
BOOST_AUTO_TEST_CASE(error_labels_are_bounded) {
    metrics_registry reg;
    for (std::size_t i = 0; i < metrics_registry::max_error_labels + 10; ++i)
        reg.record_error("step-" + std::to_string(i));
    reg.record_error("step-0");
    const std::string text = reg.to_prometheus();
    BOOST_TEST(check_exposition(text) == "");
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"step-0\"}") == "2");
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"other\"}") == "10");
    BOOST_TEST(!sample_value(text, "hookbox_errors_total{what=\"step-70\"}"));
}

// The observer's hooks as the outbox calls them (enqueue, ack) and as the dispatcher and the sweeper
// do (endpoint events, errors: through the same detection they use); copies share the registry.
BOOST_AUTO_TEST_CASE(observer_feeds_the_registry_from_an_outbox) {
    metrics_registry reg;
    manual_clock clock;
    metered_outbox ob(outbox_params{}, memory_storage(), clock, fnv1a_partition_hasher(), metrics_observer(reg));
    ob.enqueue(make_request("wh-1", "e1"));
    ob.enqueue(make_request("wh-1", "e1"));
    ob.enqueue(make_request("wh-2", "e2"));
    ob.enqueue(make_request("wh-3", "e3"));
    claim_options co;
    co.node_id = "node-A";
    co.limit = 2;
    co.claim_ttl = 60s;
    auto rows = ob.claim(co);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    ob.ack(rows[0], attempt(attempt_outcome::success, 204, 30ms));
    ob.ack(rows[1], attempt(attempt_outcome::dead, 410, 40ms));

    endpoint_event ev;
    ev.type = endpoint_event::kind::disabled;
    ev.webhook_id = "wh-2";
    detail::notify_endpoint_event(ob.observer(), ev);
    detail::notify_error(ob.observer(), make_error_code(errc::storage_failure), diagnostics{}, "ack");

    clock.advance(2500ms);
    std::string text;
    reg.scrape(ob, text);
    BOOST_TEST(check_exposition(text) == "");
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"created\"}") == "3");
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"deduplicated\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"success\",status_class=\"2xx\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"dead\",status_class=\"4xx\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_dead_letters_total") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_bucket{le=\"0.05\"}") == "2");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_bucket{le=\"0.025\"}") == "0");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_sum") == "0.07");
    BOOST_TEST(value_of(text, "hookbox_endpoints{state=\"disabled\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"ack\"}") == "1");
    // One row is left pending, enqueued 2.5 s ago; every one of the 8 partitions has its gauges.
    const int p = hash_partition("wh-3", 8);
    for (int q = 0; q < 8; ++q) {
        const std::string label = "{partition=\"" + std::to_string(q) + "\"}";
        BOOST_TEST(value_of(text, "hookbox_queue_depth" + label) == (q == p ? "1" : "0"));
        BOOST_TEST(value_of(text, "hookbox_oldest_pending_age_seconds" + label) == (q == p ? "2.5" : "0"));
    }

    // A default-constructed observer feeds nothing, and does not fail.
    metrics_observer none;
    none.on_enqueue({delivery_id{}, true});
    none.on_endpoint_event(ev);
    BOOST_TEST(value_of(reg.to_prometheus(), "hookbox_enqueued_total{result=\"created\"}") == "3");
}

// A failed sample keeps the last gauges, is counted, and is told to the caller.
BOOST_AUTO_TEST_CASE(failed_sample_keeps_the_last_gauges) {
    using failing_outbox = basic_outbox<failing_storage<memory_storage>, manual_clock>;
    manual_clock clock;
    failing_storage<memory_storage> storage{memory_storage()};
    auto injector = storage.shared_injector();
    failing_outbox ob(outbox_params{}, std::move(storage), clock);
    ob.enqueue(make_request("wh-1", "e1"));
    metrics_registry reg;
    error_code ec;
    diagnostics diag;
    reg.sample_queue(ob, ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    const std::string label = "{partition=\"" + std::to_string(hash_partition("wh-1", 8)) + "\"}";
    BOOST_TEST(value_of(reg.to_prometheus(), "hookbox_queue_depth" + label) == "1");

    ob.enqueue(make_request("wh-1", "e2"));
    injector->set(fail_plan{1, fault::before});
    reg.sample_queue(ob, ec, diag);
    CHECK_ERRC(ec, errc::storage_failure);
    const std::string text = reg.to_prometheus();
    BOOST_TEST(value_of(text, "hookbox_queue_depth" + label) == "1");
    BOOST_TEST(value_of(text, "hookbox_errors_total{what=\"metrics.sample\"}") == "1");
}

// Without the storage's `partition_stats`, the outbox pages through `list` and finds the same
// answer as the storage's own form over the same history.
BOOST_AUTO_TEST_CASE(partition_stats_fallback_agrees_with_the_storage) {
    manual_clock clock;
    basic_outbox<paged_storage, manual_clock> slow(outbox_params{}, paged_storage(), clock);
    basic_outbox<memory_storage, manual_clock> fast(outbox_params{}, memory_storage(), clock);
    const std::vector<std::string> hooks{"wh-1", "wh-2", "wh-3", "wh-4", "wh-5"};
    for (int round = 0; round < 3; ++round) {
        for (const auto& w : hooks) {
            slow.enqueue(make_request(w, "e" + std::to_string(round)));
            fast.enqueue(make_request(w, "e" + std::to_string(round)));
        }
        clock.advance(1000ms);
    }
    const int p = hash_partition("wh-1", 8);
    auto a = slow.claim(claim_from(p, 1));
    auto b = fast.claim(claim_from(p, 1));
    BOOST_TEST_REQUIRE(a.size() == 1u);
    BOOST_TEST_REQUIRE(b.size() == 1u);
    slow.ack(a[0], attempt(attempt_outcome::retry, 503, 1ms));
    fast.ack(b[0], attempt(attempt_outcome::retry, 503, 1ms));
    clock.advance(500ms);

    auto expected = fast.partition_stats();
    BOOST_TEST(expected.size() == 8u);
    BOOST_TEST(partition_text(slow.partition_stats()) == partition_text(expected));
    std::size_t pending = 0;
    for (const auto& d : expected)
        pending += d.pending;
    BOOST_TEST(pending == 15u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
