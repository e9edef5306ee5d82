//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Endpoint health without sockets: the circuit breaker's closed, open and half-open states, the
// doubling open time, disabling on 410 Gone and after continuous failure, the rate limit's slots,
// the persisted form, and bad parameters.

#include "common/test_common.hpp"

#include <hookbox/dispatch/endpoint_health.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;
using verdict = admission::verdict;
using event_kind = endpoint_event::kind;

// 2026-05-24T00:00:00Z
const timestamp t0 = timestamp(milliseconds(1779580800000));

endpoint_health_params breaker(int threshold = 3) {
    endpoint_health_params p;
    p.failure_threshold = threshold;
    p.open_duration = milliseconds(1000);
    p.max_open_duration = milliseconds(5000);
    p.probe_interval = milliseconds(200);
    p.disable_after = milliseconds(0);
    return p;
}

// Fails `n` requests in a row at `now`; returns the last update.
health_update fail_n(endpoint_health& h, const std::string& id, int n, timestamp now, std::optional<int> status = 503) {
    health_update u;
    for (int i = 0; i < n; ++i) {
        BOOST_TEST_REQUIRE((h.admit(id, now).decision == verdict::send));
        u = h.record(id, status, now);
    }
    return u;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_health_suite)

BOOST_AUTO_TEST_CASE(a_healthy_endpoint_is_admitted_and_a_success_changes_nothing_to_persist) {
    endpoint_health h(breaker());
    auto a = h.admit("wh", t0);
    BOOST_TEST((a.decision == verdict::send));
    auto u = h.record("wh", 200, t0);
    BOOST_TEST(!u.changed);
    BOOST_TEST(!u.event.has_value());
    BOOST_TEST(h.state("wh").healthy());
}

BOOST_AUTO_TEST_CASE(the_circuit_opens_at_the_threshold_of_consecutive_failures) {
    endpoint_health h(breaker(3));
    auto u = fail_n(h, "wh", 2, t0);
    BOOST_TEST(u.changed);
    BOOST_TEST(u.state.consecutive_failures == 2);
    BOOST_TEST(!u.event.has_value());
    BOOST_TEST((u.state.failing_since == t0));

    u = fail_n(h, "wh", 1, t0 + milliseconds(10), std::nullopt);  // no response counts as a failure
    BOOST_TEST_REQUIRE(u.event.has_value());
    BOOST_TEST((u.event->type == event_kind::circuit_opened));
    BOOST_TEST(u.event->webhook_id == "wh");
    BOOST_TEST((u.state.open_until == t0 + milliseconds(1010)));
    BOOST_TEST((u.event->open_until == u.state.open_until));

    auto a = h.admit("wh", t0 + milliseconds(500));
    BOOST_TEST((a.decision == verdict::defer));
    BOOST_TEST((a.not_before == t0 + milliseconds(1010)));
    BOOST_TEST(a.reason == "circuit open");
    // Other endpoints are not affected.
    BOOST_TEST((h.admit("other", t0 + milliseconds(500)).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(a_success_resets_the_count_before_the_threshold) {
    endpoint_health h(breaker(3));
    fail_n(h, "wh", 2, t0);
    h.admit("wh", t0);
    auto u = h.record("wh", 204, t0);
    BOOST_TEST(u.changed);
    BOOST_TEST(u.state.healthy());
    fail_n(h, "wh", 2, t0);
    BOOST_TEST(!h.state("wh").open_until.has_value());
}

BOOST_AUTO_TEST_CASE(retriable_statuses_count_and_other_client_errors_are_neutral) {
    endpoint_health h(breaker(3));
    for (int status : {408, 429, 500})
        fail_n(h, "wh", 1, t0, status);
    BOOST_TEST(h.state("wh").open_until.has_value());

    endpoint_health n(breaker(2));
    fail_n(n, "wh", 1, t0, 503);
    for (int status : {400, 401, 404, 422, 301}) {
        n.admit("wh", t0);
        auto u = n.record("wh", status, t0);
        BOOST_TEST(!u.changed);
    }
    BOOST_TEST(n.state("wh").consecutive_failures == 1);
}

BOOST_AUTO_TEST_CASE(after_the_open_time_one_probe_goes_and_the_rest_wait) {
    endpoint_health h(breaker(2));
    fail_n(h, "wh", 2, t0);
    timestamp later = t0 + milliseconds(1000);
    auto probe = h.admit("wh", later);
    BOOST_TEST((probe.decision == verdict::send));
    auto second = h.admit("wh", later);
    BOOST_TEST((second.decision == verdict::defer));
    BOOST_TEST((second.not_before == later + milliseconds(200)));

    auto u = h.record("wh", 200, later);
    BOOST_TEST_REQUIRE(u.event.has_value());
    BOOST_TEST((u.event->type == event_kind::circuit_closed));
    BOOST_TEST(u.state.healthy());
    BOOST_TEST((h.admit("wh", later).decision == verdict::send));
    BOOST_TEST((h.admit("wh", later).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(a_failed_probe_reopens_for_twice_as_long_up_to_the_maximum) {
    endpoint_health h(breaker(1));
    timestamp now = t0;
    auto u = fail_n(h, "wh", 1, now);
    BOOST_TEST((*u.state.open_until == now + milliseconds(1000)));
    for (auto expected : {2000, 4000, 5000, 5000}) {
        now = *u.state.open_until;
        u = fail_n(h, "wh", 1, now);
        BOOST_TEST_REQUIRE(u.event.has_value());
        BOOST_TEST((u.event->type == event_kind::circuit_opened));
        BOOST_TEST((*u.state.open_until - now).count() == expected);
    }
}

BOOST_AUTO_TEST_CASE(abandoning_the_probe_lets_another_one_go) {
    endpoint_health h(breaker(1));
    fail_n(h, "wh", 1, t0);
    timestamp later = t0 + milliseconds(1000);
    BOOST_TEST((h.admit("wh", later).decision == verdict::send));
    BOOST_TEST((h.admit("wh", later).decision == verdict::defer));
    h.abandon("wh");
    BOOST_TEST((h.admit("wh", later).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(gone_disables_the_endpoint_until_it_is_enabled) {
    endpoint_health h(breaker());
    h.admit("wh", t0);
    auto u = h.record("wh", 410, t0);
    BOOST_TEST(u.changed);
    BOOST_TEST_REQUIRE(u.event.has_value());
    BOOST_TEST((u.event->type == event_kind::disabled));
    BOOST_TEST(u.event->reason == "410 Gone");
    BOOST_TEST(u.state.disabled);
    BOOST_TEST((u.state.disabled_at == t0));

    auto a = h.admit("wh", t0 + milliseconds(1));
    BOOST_TEST((a.decision == verdict::refuse));
    BOOST_TEST(a.reason == "endpoint disabled: 410 Gone");
    // A late answer to an earlier request changes nothing.
    BOOST_TEST(!h.record("wh", 200, t0 + milliseconds(2)).changed);
    BOOST_TEST(h.state("wh").disabled);

    auto e = h.enable("wh", t0 + milliseconds(3));
    BOOST_TEST(e.changed);
    BOOST_TEST_REQUIRE(e.event.has_value());
    BOOST_TEST((e.event->type == event_kind::enabled));
    BOOST_TEST((h.admit("wh", t0 + milliseconds(3)).decision == verdict::send));
    BOOST_TEST(!h.enable("wh", t0 + milliseconds(4)).changed);
}

BOOST_AUTO_TEST_CASE(gone_is_neutral_when_disable_on_gone_is_off) {
    auto p = breaker();
    p.disable_on_gone = false;
    endpoint_health h(p);
    h.admit("wh", t0);
    BOOST_TEST(!h.record("wh", 410, t0).changed);
    BOOST_TEST((h.admit("wh", t0).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(continuous_failure_for_disable_after_disables_the_endpoint) {
    auto p = breaker(0);  // the breaker off: only the disable rule acts
    p.disable_after = std::chrono::hours(24 * 5);
    endpoint_health h(p);
    fail_n(h, "wh", 1, t0);
    auto u = fail_n(h, "wh", 1, t0 + std::chrono::hours(24 * 5) - milliseconds(1));
    BOOST_TEST(!u.state.disabled);
    BOOST_TEST(!u.state.open_until.has_value());
    u = fail_n(h, "wh", 1, t0 + std::chrono::hours(24 * 5));
    BOOST_TEST(u.state.disabled);
    BOOST_TEST_REQUIRE(u.event.has_value());
    BOOST_TEST((u.event->type == event_kind::disabled));
    BOOST_TEST(u.event->reason.find("disable_after") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_success_restarts_the_continuous_failure_time) {
    auto p = breaker(0);
    p.disable_after = milliseconds(1000);
    endpoint_health h(p);
    fail_n(h, "wh", 1, t0);
    h.admit("wh", t0 + milliseconds(900));
    h.record("wh", 200, t0 + milliseconds(900));
    auto u = fail_n(h, "wh", 1, t0 + milliseconds(1500));
    BOOST_TEST(!u.state.disabled);
    BOOST_TEST((u.state.failing_since == t0 + milliseconds(1500)));
}

BOOST_AUTO_TEST_CASE(a_manual_disable_refuses_requests) {
    endpoint_health h(breaker());
    auto u = h.disable("wh", t0, "maintenance");
    BOOST_TEST(u.changed);
    BOOST_TEST((h.admit("wh", t0).decision == verdict::refuse));
    BOOST_TEST(!h.disable("wh", t0, "again").changed);
    BOOST_TEST(h.state("wh").disabled_reason == "maintenance");
}

BOOST_AUTO_TEST_CASE(the_rate_limit_spreads_a_backlog_over_future_slots) {
    auto p = breaker();
    p.rate = rate_limit{2.0, 1.0};  // one request per 500 ms
    endpoint_health h(p);
    BOOST_TEST((h.admit("wh", t0).decision == verdict::send));
    auto second = h.admit("wh", t0);
    BOOST_TEST((second.decision == verdict::defer));
    BOOST_TEST((second.not_before == t0 + milliseconds(500)));
    BOOST_TEST(second.reason == "rate limited");
    auto third = h.admit("wh", t0);
    BOOST_TEST((third.not_before == t0 + milliseconds(1000)));

    BOOST_TEST((h.admit("wh", t0 + milliseconds(500)).decision == verdict::send));
    BOOST_TEST((h.admit("wh", t0 + milliseconds(500)).decision == verdict::defer));
    BOOST_TEST((h.admit("wh", t0 + milliseconds(1000)).decision == verdict::send));
    // Other webhooks have their own bucket.
    BOOST_TEST((h.admit("other", t0).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(a_burst_goes_at_once_after_a_quiet_period) {
    auto p = breaker();
    p.rate = rate_limit{10.0, 3.0};
    endpoint_health h(p);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST((h.admit("wh", t0).decision == verdict::send));
    BOOST_TEST((h.admit("wh", t0).decision == verdict::defer));
    // A quiet second refills the burst, and no more.
    timestamp later = t0 + milliseconds(1000);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST((h.admit("wh", later).decision == verdict::send));
    BOOST_TEST((h.admit("wh", later).decision == verdict::defer));
}

BOOST_AUTO_TEST_CASE(a_webhook_can_have_its_own_rate) {
    auto p = breaker();
    p.rate_for = [](std::string_view id) -> std::optional<rate_limit> {
        if (id == "slow")
            return rate_limit{1.0, 1.0};
        return std::nullopt;
    };
    endpoint_health h(p);
    BOOST_TEST((h.admit("slow", t0).decision == verdict::send));
    BOOST_TEST((h.admit("slow", t0).decision == verdict::defer));
    for (int i = 0; i < 100; ++i)
        BOOST_TEST_REQUIRE((h.admit("fast", t0).decision == verdict::send));
}

BOOST_AUTO_TEST_CASE(the_state_round_trips_through_json_and_restores) {
    endpoint_health h(breaker(1));
    fail_n(h, "wh", 1, t0);
    endpoint_state s = h.state("wh");
    error_code ec;
    diagnostics diag;
    auto back = endpoint_state_from_json(boost::json::parse(boost::json::serialize(to_json(s))), ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST((back == s));

    endpoint_health fresh(breaker(1));
    fresh.restore("wh", back);
    BOOST_TEST((fresh.admit("wh", t0).decision == verdict::defer));
    BOOST_TEST(fresh.unhealthy().size() == 1u);

    endpoint_state d;
    d.disabled = true;
    d.disabled_reason = "410 Gone";
    d.disabled_at = t0;
    auto dback = endpoint_state_from_json(to_json(d), ec, diag);
    BOOST_TEST((dback == d));
}

BOOST_AUTO_TEST_CASE(a_corrupt_persisted_state_names_the_member) {
    error_code ec;
    diagnostics diag;
    endpoint_state_from_json(boost::json::parse("[1]"), ec, diag);
    CHECK_ERRC(ec, errc::corrupt_row);
    endpoint_state_from_json(boost::json::parse(R"({"consecutive_failures":"x"})"), ec, diag);
    CHECK_ERRC(ec, errc::corrupt_row);
    BOOST_TEST(diag.field() == "consecutive_failures");
    endpoint_state_from_json(boost::json::parse(R"({"disabled":3})"), ec, diag);
    CHECK_ERRC(ec, errc::corrupt_row);
    BOOST_TEST(diag.field() == "disabled");
}

BOOST_AUTO_TEST_CASE(bad_parameters_name_the_field) {
    auto check = [](endpoint_health_params p, const char* field) {
        error_code ec;
        diagnostics diag;
        p.check(ec, diag);
        CHECK_ERRC(ec, errc::invalid_argument);
        BOOST_TEST(diag.field() == field);
    };
    auto p = breaker();
    p.failure_threshold = -1;
    check(p, "failure_threshold");
    p = breaker();
    p.open_duration = milliseconds(0);
    check(p, "open_duration");
    p = breaker();
    p.probe_interval = milliseconds(0);
    check(p, "probe_interval");
    p = breaker();
    p.max_open_duration = milliseconds(10);
    check(p, "max_open_duration");
    p = breaker();
    p.disable_after = milliseconds(-1);
    check(p, "disable_after");
    p = breaker();
    p.rate = rate_limit{-1, 1};
    check(p, "rate.per_second");
    p = breaker();
    p.rate = rate_limit{5, 0.5};
    check(p, "rate.burst");

    error_code ec;
    diagnostics diag;
    breaker().check(ec, diag);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
