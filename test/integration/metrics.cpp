//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The metrics of a real run: a memory outbox whose observer is `metrics_observer`, a dispatcher with
// endpoint health, beast_sender, and a scripted receiver on loopback that answers 200, 503 or 410 by
// path. The exposition must count exactly what happened.

#include "common/prometheus_text.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/observe/metrics.hpp>

#include <boost/asio/io_context.hpp>

#include <optional>
#include <string>

namespace hookbox::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using metered_outbox = basic_outbox<memory_storage, manual_clock, fnv1a_partition_hasher, metrics_observer>;
using metered_dispatcher = dispatcher<metered_outbox, beast_sender>;

std::string value_of(const std::string& text, std::string_view series) {
    return sample_value(text, series).value_or("<absent>");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics_e2e)

BOOST_AUTO_TEST_CASE(exposition_counts_a_dispatcher_run) {
    asio::io_context ioc;
    manual_clock clock;
    scripted_receiver receiver;
    receiver.script([](const received_request& r) {
        response_plan p;
        p.status = r.target == "/busy" ? 503 : r.target == "/gone" ? 410 : 200;
        return p;
    });
    sender_params sp;
    sp.addresses = http::address_policy::loopback_allowed();
    sp.connect_timeout = 2s;
    beast_sender sender(ioc.get_executor(), sp);

    metrics_registry registry;
    metered_outbox ob(outbox_params{}, memory_storage(), clock, fnv1a_partition_hasher(), metrics_observer(registry));
    auto enqueue = [&](std::string webhook, std::string event, std::string_view path) {
        enqueue_request q = make_request(std::move(webhook), std::move(event), receiver.url(path));
        return ob.enqueue(std::move(q));
    };
    for (int i = 0; i < 3; ++i)
        enqueue("wh-ok", "evt-" + std::to_string(i), "/ok");
    enqueue("wh-ok", "evt-0", "/ok");  // a duplicate: not stored again
    const delivery_id busy = enqueue("wh-busy", "evt-b", "/busy").id;
    enqueue("wh-gone", "evt-g", "/gone");

    dispatcher_params p;
    p.node_id = "node-A";
    p.poll_interval = 20ms;
    p.request_timeout = 5s;
    p.claim_ttl = 60s;
    endpoint_health_params h;
    h.failure_threshold = 3;
    h.open_duration = 10min;
    h.max_open_duration = 1h;
    h.probe_interval = 1s;
    h.disable_after = 0ms;
    p.health = h;
    metered_dispatcher d(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> result;
    d.async_run([&result](error_code ec) { result = ec; });
    // Three successes, one dead (410), and the 503 acked as a retry (not due again: the clock stays).
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        auto st = ob.stats();
        return st.count(delivery_status::success) == 3 && st.count(delivery_status::dead) == 1 &&
               ob.get(busy)->attempts == 1;
    }));
    d.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return result.has_value(); }));
    BOOST_TEST(receiver.request_count() == 5u);

    clock.advance(4000ms);
    std::string text;
    registry.scrape(ob, text);
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(check_exposition(text) == "");
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"created\"}") == "5");
    BOOST_TEST(value_of(text, "hookbox_enqueued_total{result=\"deduplicated\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"success\",status_class=\"2xx\"}") == "3");
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"retry\",status_class=\"5xx\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempts_total{outcome=\"dead\",status_class=\"4xx\"}") == "1");
    for (const char* outcome : {"success", "retry", "dead"})
        BOOST_TEST(value_of(text, std::string("hookbox_attempts_total{outcome=\"") + outcome +
                                      "\",status_class=\"none\"}") == "0");
    BOOST_TEST(value_of(text, "hookbox_dead_letters_total") == "1");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_count") == "5");
    BOOST_TEST(value_of(text, "hookbox_attempt_duration_seconds_bucket{le=\"+Inf\"}") == "5");
    // 410 Gone disabled the endpoint; the 503 opened no circuit (one failure of three).
    BOOST_TEST(value_of(text, "hookbox_endpoints{state=\"disabled\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_endpoints{state=\"circuit_open\"}") == "0");
    BOOST_TEST(value_of(text, "hookbox_endpoint_events_total{kind=\"disabled\"}") == "1");
    BOOST_TEST(value_of(text, "hookbox_endpoint_events_total{kind=\"circuit_opened\"}") == "0");
    BOOST_TEST(text.find("hookbox_errors_total{") == std::string::npos);
    // The retrying row is the only pending one: in its partition, 4 s old.
    const std::string label = "{partition=\"" + std::to_string(hash_partition("wh-busy", 8)) + "\"}";
    BOOST_TEST(value_of(text, "hookbox_queue_depth" + label) == "1");
    BOOST_TEST(value_of(text, "hookbox_oldest_pending_age_seconds" + label) == "4");
    std::size_t depth_lines = 0;
    for (std::size_t at = text.find("\nhookbox_queue_depth{"); at != std::string::npos;
         at = text.find("\nhookbox_queue_depth{", at + 1))
        ++depth_lines;
    BOOST_TEST(depth_lines == 8u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
