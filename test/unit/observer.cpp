//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Observer hooks of basic_outbox: each event reported once, after it happened, only when it
// succeeded; an observer with only some hooks; no observer at all.

#include "common/test_common.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace hookbox::test {

namespace {

struct recording_observer {
    std::vector<std::string> events;

    void on_enqueue(const enqueue_result& r) { events.push_back(r.created ? "enqueue" : "enqueue-dup"); }
    void on_claim(std::span<const delivery> rows) { events.push_back("claim " + std::to_string(rows.size())); }
    void on_attempt(const delivery_id&, const attempt_result& r) {
        const char* outcome = r.outcome == attempt_outcome::success ? "success"
                              : r.outcome == attempt_outcome::retry ? "retry"
                                                                    : "dead";
        events.push_back("attempt " + std::string(outcome) + " " +
                         (r.http_status ? std::to_string(*r.http_status) : "-") + " " + r.error + " " +
                         std::to_string(r.duration.count()) + "ms");
    }
    void on_dead(const delivery_id&, const attempt_result& r) { events.push_back("dead " + r.error); }
};

// Only one hook: the others are not required and cost nothing.
struct dead_counter {
    int dead = 0;
    void on_dead(const delivery_id&, const attempt_result&) { ++dead; }
};

template <class Observer>
using observed_outbox = basic_outbox<memory_storage, manual_clock, fnv1a_partition_hasher, Observer>;

claim_options claim_all() {
    claim_options o;
    o.node_id = "node-A";
    o.limit = 10;
    o.claim_ttl = std::chrono::seconds(60);
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(observer)

BOOST_AUTO_TEST_CASE(every_hook_reports_what_happened_once) {
    manual_clock clock;
    observed_outbox<recording_observer> ob({}, memory_storage(), clock);
    ob.enqueue(make_request("wh-1", "evt-1"));
    ob.enqueue(make_request("wh-1", "evt-1"));
    ob.enqueue_many({make_request("wh-1", "evt-2"), make_request("wh-1", "evt-3")});
    BOOST_TEST(ob.claim(claim_all()).size() == 3u);
    BOOST_TEST(ob.claim(claim_all()).empty());  // an empty claim is not reported

    auto& events = ob.observer().events;
    BOOST_TEST(events == (std::vector<std::string>{"enqueue", "enqueue-dup", "enqueue", "enqueue", "claim 3"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(attempts_and_dead_deliveries_are_reported_after_applied_acks_only) {
    manual_clock clock;
    observed_outbox<recording_observer> ob({}, memory_storage(), clock);
    for (int i = 0; i < 3; ++i)
        ob.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    auto claimed = ob.claim(claim_all());
    BOOST_TEST_REQUIRE(claimed.size() == 3u);
    auto& events = ob.observer().events;
    events.clear();

    ob.ack(claimed[0], attempt_result{.outcome = attempt_outcome::success, .http_status = 200,
                                      .duration = std::chrono::milliseconds(7)});
    attempt_result gone{.outcome = attempt_outcome::dead, .http_status = 410, .error = "HTTP 410",
                        .duration = std::chrono::milliseconds(3)};
    auto acked = ob.ack_many({ack_entry::for_claimed(claimed[1], gone),
                              ack_entry{claimed[2].id, claimed[2].sequence, claimed[2].claim_token + 1, gone}});
    BOOST_TEST_REQUIRE(acked.size() == 2u);
    BOOST_TEST(!acked[0]);
    BOOST_TEST(acked[1] == make_error_code(errc::claim_lost));
    // An ack whose claim is lost is not reported.
    error_code ec;
    diagnostics diag;
    ob.ack(claimed[0], attempt_result{.outcome = attempt_outcome::success, .http_status = 200}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::claim_lost));
    // Nor is one with an invalid result.
    ob.ack(claimed[2], attempt_result{.outcome = attempt_outcome::success, .http_status = 42}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_argument));

    BOOST_TEST(events == (std::vector<std::string>{"attempt success 200  7ms", "attempt dead 410 HTTP 410 3ms",
                                                   "dead HTTP 410"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_observer_may_define_only_some_hooks) {
    manual_clock clock;
    observed_outbox<dead_counter> ob({}, memory_storage(), clock);
    ob.enqueue(make_request("wh-1", "evt-1"));
    ob.enqueue(make_request("wh-1", "evt-2"));
    auto claimed = ob.claim(claim_all());
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    ob.ack(claimed[0], attempt_result{.outcome = attempt_outcome::dead, .http_status = 404, .error = "HTTP 404"});
    ob.ack(claimed[1], attempt_result{.outcome = attempt_outcome::success, .http_status = 200});
    BOOST_TEST(ob.observer().dead == 1);
    static_assert(std::is_empty_v<no_observer>);
    static_assert(!detail::observes_attempts<no_observer>);
    static_assert(detail::observes_attempts<dead_counter>);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
