//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The retry policy: the ObjectStack outbox's classification and schedule (with its jitter vectors),
// Retry-After in both forms, clamping, scaling and bad parameters.

#include "common/test_common.hpp"

#include <hookbox/dispatch/retry_policy.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;

// 2026-05-24T00:00:00Z
const timestamp t0 = timestamp(milliseconds(1779580800000));

send_result response(int status, std::optional<std::string> retry_after = std::nullopt) {
    send_result r;
    r.http_status = status;
    r.response_body = "body";
    r.duration = milliseconds(12);
    r.retry_after = std::move(retry_after);
    return r;
}

send_result no_response(std::string error) {
    send_result r;
    r.error = std::move(error);
    r.duration = milliseconds(15000);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(classification_follows_objectstack_and_redirects_are_permanent) {
    for (int s : {200, 201, 204, 299})
        BOOST_TEST(classify(s) == attempt_class::success, s);
    for (int s : {408, 429, 500, 502, 503, 504, 599})
        BOOST_TEST(classify(s) == attempt_class::retriable, s);
    BOOST_TEST(classify(std::nullopt) == attempt_class::retriable);
    for (int s : {100, 199, 300, 301, 302, 304, 307, 308, 400, 401, 403, 404, 409, 410, 422, 499})
        BOOST_TEST(classify(s) == attempt_class::permanent, s);
}

BOOST_AUTO_TEST_CASE(the_schedule_matches_the_objectstack_vectors) {
    default_retry_policy p;
    const std::vector<std::pair<double, std::vector<std::int64_t>>> vectors{
        {0.5, {1000, 10000, 60000, 600000, 3600000, 21600000, 86400000}},
        {0.0, {800, 8000, 48000, 480000, 2880000, 17280000, 69120000}},
        {0.999999, {1199, 11999, 71999, 719999, 4319998, 25919991, 103679965}},
    };
    for (const auto& [u, delays] : vectors) {
        for (int n = 1; n <= 7; ++n) {
            auto d = p.next_delay(n, u);
            BOOST_TEST_REQUIRE(d.has_value());
            BOOST_TEST(d->count() == delays[n - 1], "u=" << u << " n=" << n);
        }
    }
    BOOST_TEST(!p.next_delay(0, 0.5).has_value());
    BOOST_TEST(!p.next_delay(8, 0.5).has_value());
    std::int64_t window = 0;
    for (int n = 1; n <= 7; ++n)
        window += p.next_delay(n, 0.5)->count();
    BOOST_TEST(window == 112271000);  // about 31.2 hours
}

BOOST_AUTO_TEST_CASE(decide_acks_success_dead_and_retry) {
    default_retry_policy p;
    auto ok = p.decide(0, response(200), t0, 0.5);
    BOOST_TEST(ok.outcome == attempt_outcome::success);
    BOOST_TEST(ok.http_status == std::optional<int>(200));
    BOOST_TEST(ok.response_body == "body");
    BOOST_TEST(ok.error.empty());
    BOOST_TEST(ok.duration == milliseconds(12));

    auto gone = p.decide(0, response(410), t0, 0.5);
    BOOST_TEST(gone.outcome == attempt_outcome::dead);
    BOOST_TEST(gone.error == "HTTP 410");
    BOOST_TEST(!gone.next_retry_at.has_value());

    auto moved = p.decide(0, response(301), t0, 0.5);
    BOOST_TEST(moved.outcome == attempt_outcome::dead);
    BOOST_TEST(moved.error == "HTTP 301");

    auto busy = p.decide(0, response(503), t0, 0.5);
    BOOST_TEST(busy.outcome == attempt_outcome::retry);
    BOOST_TEST(busy.error == "HTTP 503");
    BOOST_TEST(busy.next_retry_at == std::optional<timestamp>(t0 + milliseconds(1000)));

    auto third = p.decide(2, response(500), t0, 0.0);
    BOOST_TEST(third.next_retry_at == std::optional<timestamp>(t0 + milliseconds(48000)));

    auto timeout = p.decide(0, no_response("timeout after 15000ms"), t0, 0.5);
    BOOST_TEST(timeout.outcome == attempt_outcome::retry);
    BOOST_TEST(timeout.error == "timeout after 15000ms");
    BOOST_TEST(!timeout.http_status.has_value());

    // The eighth retriable failure is the last: dead with the reason.
    auto last = p.decide(7, response(503), t0, 0.5);
    BOOST_TEST(last.outcome == attempt_outcome::dead);
    BOOST_TEST(last.error == "HTTP 503");
    auto seventh = p.decide(6, response(503), t0, 0.5);
    BOOST_TEST(seventh.outcome == attempt_outcome::retry);
    BOOST_TEST(seventh.next_retry_at == std::optional<timestamp>(t0 + milliseconds(86400000)));
}

BOOST_AUTO_TEST_CASE(http_dates_in_all_three_forms) {
    // RFC 9110's example instant: 1994-11-06T08:49:37Z.
    const timestamp instant = timestamp(milliseconds(784111777000));
    BOOST_TEST(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", t0) == std::optional<timestamp>(instant));
    BOOST_TEST(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", timestamp(milliseconds(800000000000))) ==
               std::optional<timestamp>(instant));
    BOOST_TEST(parse_http_date("Sun Nov  6 08:49:37 1994", t0) == std::optional<timestamp>(instant));
    for (const char* bad : {"", "tomorrow", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
                            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT"})
        BOOST_TEST(!parse_http_date(bad, t0).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(retry_after_in_seconds_or_as_a_date) {
    BOOST_TEST(parse_retry_after("120", t0) == std::optional<milliseconds>(milliseconds(120000)));
    BOOST_TEST(parse_retry_after(" 0 ", t0) == std::optional<milliseconds>(milliseconds(0)));
    BOOST_TEST(parse_retry_after("Sun, 24 May 2026 00:02:00 GMT", t0) == std::optional<milliseconds>(milliseconds(120000)));
    BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t0) == std::optional<milliseconds>(milliseconds(0)));
    BOOST_TEST(parse_retry_after("99999999999999999999", t0).has_value());  // huge, but no overflow
    for (const char* bad : {"", "-5", "1.5", "soon", "12 s"})
        BOOST_TEST(!parse_retry_after(bad, t0).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(retry_after_lengthens_a_retry_and_is_clamped) {
    default_retry_policy p;
    auto asked = p.decide(0, response(429, "120"), t0, 0.5);
    BOOST_TEST(asked.outcome == attempt_outcome::retry);
    BOOST_TEST(asked.next_retry_at == std::optional<timestamp>(t0 + milliseconds(120000)));
    // Shorter than the schedule: the schedule wins.
    auto short_wait = p.decide(3, response(503, "1"), t0, 0.5);
    BOOST_TEST(short_wait.next_retry_at == std::optional<timestamp>(t0 + milliseconds(600000)));
    // An unreadable value is ignored.
    auto junk = p.decide(0, response(503, "later"), t0, 0.5);
    BOOST_TEST(junk.next_retry_at == std::optional<timestamp>(t0 + milliseconds(1000)));
    // A date counts as well.
    auto dated = p.decide(0, response(503, "Sun, 24 May 2026 00:05:00 GMT"), t0, 0.5);
    BOOST_TEST(dated.next_retry_at == std::optional<timestamp>(t0 + milliseconds(300000)));
    // Clamped to retry_after_max.
    retry_params capped;
    capped.retry_after_max = std::chrono::hours(1);
    auto clamp = default_retry_policy(capped).decide(0, response(503, "999999"), t0, 0.5);
    BOOST_TEST(clamp.next_retry_at == std::optional<timestamp>(t0 + std::chrono::hours(1)));
    // Not honoured when turned off.
    retry_params ignore;
    ignore.honour_retry_after = false;
    auto ignored = default_retry_policy(ignore).decide(0, response(429, "120"), t0, 0.5);
    BOOST_TEST(ignored.next_retry_at == std::optional<timestamp>(t0 + milliseconds(1000)));
    // Retry-After never revives a delivery whose retries are used up, nor delays a permanent failure.
    BOOST_TEST(p.decide(7, response(503, "10"), t0, 0.5).outcome == attempt_outcome::dead);
    BOOST_TEST(p.decide(0, response(404, "10"), t0, 0.5).outcome == attempt_outcome::dead);
}

BOOST_AUTO_TEST_CASE(scale_shrinks_the_whole_schedule) {
    retry_params fast;
    fast.scale = 0.001;
    default_retry_policy p(fast);
    BOOST_TEST(p.next_delay(1, 0.5)->count() == 1);
    BOOST_TEST(p.next_delay(7, 0.5)->count() == 86400);
    BOOST_TEST(p.decide(0, response(503), t0, 0.5).next_retry_at == std::optional<timestamp>(t0 + milliseconds(1)));
}

BOOST_AUTO_TEST_CASE(bad_parameters_name_the_field) {
    auto check = [](retry_params p, const std::string& field) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(!default_retry_policy::check(p, ec, diag));
        BOOST_TEST(ec == make_error_code(errc::invalid_argument));
        BOOST_TEST(diag.field() == field);
        BOOST_CHECK_THROW(default_retry_policy{p}, error_with_diagnostics);
    };
    retry_params p;
    p.schedule.clear();
    check(p, "schedule");
    p = {};
    p.schedule[2] = milliseconds(-1);
    check(p, "schedule[2]");
    p = {};
    p.jitter = 1.0;
    check(p, "jitter");
    p = {};
    p.jitter = -0.1;
    check(p, "jitter");
    p = {};
    p.scale = 0;
    check(p, "scale");
    p = {};
    p.retry_after_max = milliseconds(-1);
    check(p, "retry_after_max");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
