//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Per-webhook FIFO without requests or timers: one request in flight per webhook, attempts in
// claim order, waiting bounded per webhook and in all, a busy webhook never blocking another, rows
// whose claim would expire given back with every later row of their webhook, the give-back times,
// and a stop.

#include "common/test_common.hpp"

#include <hookbox/dispatch/detail/fifo.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;
using verdict = detail::fifo_arrival::verdict;

// 2026-05-24T00:00:00Z
const timestamp t0 = timestamp(milliseconds(1779580800000));

// request_timeout 5 s, connect_timeout 2 s, ack_margin 5 s, claim_ttl 60 s: a request takes 7 s at
// most, and a row may wait 48 s after its claim before it no longer fits.
detail::request_budget budget() {
    return {5s, 2s, 5s, 60s};
}

// Lines of 2 rows per webhook and 3 in all.
detail::webhook_fifo small_fifo() {
    return detail::webhook_fifo(2, 3, budget());
}

delivery row(std::string webhook,
             int n,
             timestamp claimed_at = t0,
             std::optional<milliseconds> timeout = std::nullopt) {
    delivery d;
    d.webhook_id = std::move(webhook);
    d.event_id = "evt-" + std::to_string(n);
    d.sequence = static_cast<std::uint64_t>(n);
    d.claimed_at = claimed_at;
    d.timeout = timeout;
    return d;
}

std::vector<std::string> events(const std::vector<delivery>& rows) {
    std::vector<std::string> out;
    for (const auto& d : rows)
        out.push_back(d.event_id);
    return out;
}

// Arrives `d` and expects `v`.
detail::fifo_arrival arrive(detail::webhook_fifo& f, delivery d, timestamp now, verdict v) {
    const std::string label = d.webhook_id + "/" + d.event_id;
    auto a = f.arrive(d, now);
    BOOST_TEST((a.decision == v), label);
    return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fifo)

BOOST_AUTO_TEST_CASE(a_free_webhook_launches_and_is_busy_until_its_request_can_have_ended) {
    struct tc {
        const char* name;
        std::optional<milliseconds> timeout;
        milliseconds busy_for;
    };
    const std::vector<tc> cases{
        {"the default timeout, plus the connect timeout", std::nullopt, 7s},
        {"the delivery's own shorter timeout", 1s, 3s},
        // A longer own timeout is cut to what the claim can carry: 60 s - 2 s - 5 s - 1 ms.
        {"the delivery's own longer timeout, cut", 100s, 60s - 5s - 1ms},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto f = small_fifo();
            BOOST_TEST(!f.busy_until("wh").has_value());
            auto d = row("wh", 1, t0, c.timeout);
            arrive(f, d, t0 + 1s, verdict::launch);
            BOOST_TEST(f.busy_until("wh") == std::optional<timestamp>(t0 + 1s + c.busy_for));
            BOOST_TEST(f.waiting() == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(rows_of_a_busy_webhook_wait_and_are_attempted_in_claim_order) {
    auto f = small_fifo();
    arrive(f, row("wh", 1), t0, verdict::launch);
    arrive(f, row("wh", 2), t0, verdict::wait);
    arrive(f, row("wh", 3), t0, verdict::wait);
    BOOST_TEST(f.waiting("wh") == 2u);
    std::vector<std::string> launched;
    for (int i = 0; i < 2; ++i) {
        auto n = f.finished("wh", t0 + 1s, false);
        BOOST_TEST_REQUIRE(n.next.has_value());
        BOOST_TEST(n.released.rows.empty());
        launched.push_back(n.next->event_id);
    }
    BOOST_TEST(launched == (std::vector<std::string>{"evt-2", "evt-3"}), boost::test_tools::per_element());
    auto n = f.finished("wh", t0 + 2s, false);
    BOOST_TEST(!n.next.has_value());
    BOOST_TEST(n.released.rows.empty());
    BOOST_TEST(!f.busy_until("wh").has_value());
    BOOST_TEST(f.waiting() == 0u);
    // Free again: the next row launches at once.
    arrive(f, row("wh", 4), t0 + 3s, verdict::launch);
}

BOOST_AUTO_TEST_CASE(the_next_row_is_busy_until_its_own_request_can_have_ended) {
    auto f = small_fifo();
    arrive(f, row("wh", 1), t0, verdict::launch);
    arrive(f, row("wh", 2, t0, 1s), t0, verdict::wait);
    auto n = f.finished("wh", t0 + 4s, false);
    BOOST_TEST_REQUIRE(n.next.has_value());
    BOOST_TEST(f.busy_until("wh") == std::optional<timestamp>(t0 + 4s + 1s + 2s));
}

BOOST_AUTO_TEST_CASE(a_busy_webhook_never_blocks_another) {
    auto f = small_fifo();
    arrive(f, row("wh-a", 1), t0, verdict::launch);
    arrive(f, row("wh-a", 2), t0, verdict::wait);
    arrive(f, row("wh-a", 3), t0, verdict::wait);
    arrive(f, row("wh-a", 4), t0, verdict::give_back);  // wh-a's line is full
    arrive(f, row("wh-b", 1), t0, verdict::launch);
    arrive(f, row("wh-b", 2), t0, verdict::wait);    // the last place in all
    arrive(f, row("wh-c", 1), t0, verdict::launch);  // every line is full, and wh-c still goes
    BOOST_TEST(f.waiting() == 3u);
    // wh-b's attempt ending launches wh-b's next row, whatever wh-a is doing.
    auto n = f.finished("wh-b", t0 + 1s, false);
    BOOST_TEST_REQUIRE(n.next.has_value());
    BOOST_TEST(n.next->webhook_id == "wh-b");
    BOOST_TEST(f.waiting("wh-a") == 2u);
}

BOOST_AUTO_TEST_CASE(waiting_is_bounded_per_webhook_and_in_all) {
    struct tc {
        const char* name;
        std::size_t per_webhook;
        std::size_t total;
        std::vector<std::string> arrivals;  // webhook of each row, in claim order
        std::vector<verdict> expected;
    };
    using enum detail::fifo_arrival::verdict;
    const std::vector<tc> cases{
        {"per webhook", 2, 10, {"a", "a", "a", "a", "a"}, {launch, wait, wait, give_back, give_back}},
        {"in all", 5, 2, {"a", "a", "b", "b", "a", "c"}, {launch, wait, launch, wait, give_back, launch}},
        {"a line of one", 1, 1, {"a", "a", "a", "b", "b"}, {launch, wait, give_back, launch, give_back}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            detail::webhook_fifo f(c.per_webhook, c.total, budget());
            std::vector<verdict> got;
            int n = 0;
            for (const auto& webhook : c.arrivals) {
                auto d = row(webhook, ++n);
                got.push_back(f.arrive(d, t0).decision);
            }
            BOOST_TEST_REQUIRE(got.size() == c.expected.size());
            for (std::size_t i = 0; i < got.size(); ++i)
                BOOST_TEST((got[i] == c.expected[i]), "row " << i + 1);
            BOOST_TEST(f.waiting() <= c.total);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_row_given_back_at_arrival_stays_the_callers) {
    auto f = small_fifo();
    arrive(f, row("wh", 1), t0, verdict::launch);
    arrive(f, row("wh", 2), t0, verdict::wait);
    arrive(f, row("wh", 3), t0, verdict::wait);
    auto d = row("wh", 4);
    auto a = f.arrive(d, t0);
    BOOST_TEST((a.decision == verdict::give_back));
    BOOST_TEST(d.event_id == "evt-4");
    BOOST_TEST(d.webhook_id == "wh");
    BOOST_TEST(f.waiting("wh") == 2u);
}

BOOST_AUTO_TEST_CASE(a_waiting_row_whose_claim_would_expire_is_given_back_with_every_later_row) {
    // Claimed at t0: it fits while age + 7 s + 5 s < 60 s, so up to t0 + 48 s exclusive.
    struct tc {
        const char* name;
        milliseconds ended_after;
        bool launched;
    };
    const std::vector<tc> cases{
        {"well within the claim", 10s, true},
        {"the last millisecond that fits", 48s - 1ms, true},
        {"the first millisecond that does not", 48s, false},
        {"long after", 59s, false},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto f = small_fifo();
            arrive(f, row("wh", 1), t0, verdict::launch);
            arrive(f, row("wh", 2, t0), t0, verdict::wait);
            // Claimed later: it would fit, but launching it would overtake row 2.
            arrive(f, row("wh", 3, t0 + 40s), t0 + 40s, verdict::wait);
            auto n = f.finished("wh", t0 + c.ended_after, false);
            if (c.launched) {
                BOOST_TEST_REQUIRE(n.next.has_value());
                BOOST_TEST(n.next->event_id == "evt-2");
                BOOST_TEST(n.released.rows.empty());
                BOOST_TEST(f.waiting("wh") == 1u);
            } else {
                BOOST_TEST(!n.next.has_value());
                BOOST_TEST(events(n.released.rows) == (std::vector<std::string>{"evt-2", "evt-3"}),
                           boost::test_tools::per_element());
                BOOST_TEST(!f.busy_until("wh").has_value());
                BOOST_TEST(f.waiting() == 0u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(give_back_times_are_when_the_webhooks_request_can_have_ended_plus_the_ack_margin) {
    // Row 1 launches at t0 + 1 s: it has ended by t0 + 8 s.
    struct tc {
        const char* name;
        milliseconds at;
        timestamp expected;
    };
    const std::vector<tc> cases{
        {"while the request may still run", 2s, t0 + 8s + 5s},
        {"after its bound has passed", 30s, t0 + 30s + 5s},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            // At arrival, over the line's bound.
            auto f = detail::webhook_fifo(1, 10, budget());
            arrive(f, row("wh", 1), t0 + 1s, verdict::launch);
            arrive(f, row("wh", 2), t0 + 1s, verdict::wait);
            auto a = arrive(f, row("wh", 3), t0 + c.at, verdict::give_back);
            BOOST_TEST(a.release_at == c.expected);
            // At a stop.
            auto stopped = f.stop(t0 + c.at);
            BOOST_TEST_REQUIRE(stopped.size() == 1u);
            BOOST_TEST(stopped[0].release_at == c.expected);
        }
    }
    // When a late row is given back after its webhook's attempt ended, the bound of that attempt
    // still holds: another node must not start before it can have ended.
    auto f = small_fifo();
    arrive(f, row("wh", 1), t0 + 1s, verdict::launch);
    arrive(f, row("wh", 2, t0 - 50s), t0 + 1s, verdict::wait);
    auto n = f.finished("wh", t0 + 3s, false);
    BOOST_TEST_REQUIRE(n.released.rows.size() == 1u);
    BOOST_TEST(n.released.release_at == t0 + 8s + 5s);
}

BOOST_AUTO_TEST_CASE(a_stop_gives_back_every_waiting_row_of_each_webhook) {
    auto f = detail::webhook_fifo(4, 10, budget());
    arrive(f, row("wh-a", 1), t0, verdict::launch);
    arrive(f, row("wh-a", 2), t0, verdict::wait);
    arrive(f, row("wh-a", 3), t0, verdict::wait);
    arrive(f, row("wh-b", 4), t0 + 2s, verdict::launch);
    arrive(f, row("wh-b", 5), t0 + 2s, verdict::wait);
    arrive(f, row("wh-c", 6), t0 + 2s, verdict::launch);  // busy, nothing waiting
    auto stopped = f.stop(t0 + 3s);
    std::sort(stopped.begin(), stopped.end(), [](const auto& x, const auto& y) {
        return x.rows.front().webhook_id < y.rows.front().webhook_id;
    });
    BOOST_TEST_REQUIRE(stopped.size() == 2u);
    BOOST_TEST(events(stopped[0].rows) == (std::vector<std::string>{"evt-2", "evt-3"}),
               boost::test_tools::per_element());
    BOOST_TEST(stopped[0].release_at == t0 + 7s + 5s);
    BOOST_TEST(events(stopped[1].rows) == (std::vector<std::string>{"evt-5"}),
               boost::test_tools::per_element());
    BOOST_TEST(stopped[1].release_at == t0 + 2s + 7s + 5s);
    BOOST_TEST(f.waiting() == 0u);
    // The requests in flight keep their webhooks busy until they end; then nothing follows.
    BOOST_TEST(f.busy_until("wh-a").has_value());
    auto n = f.finished("wh-a", t0 + 4s, true);
    BOOST_TEST(!n.next.has_value());
    BOOST_TEST(n.released.rows.empty());
    BOOST_TEST(!f.busy_until("wh-a").has_value());
    BOOST_TEST(f.stop(t0 + 5s).empty());
}

BOOST_AUTO_TEST_CASE(an_attempt_that_ends_during_a_stop_gives_back_its_webhooks_waiting_rows) {
    // The stop has begun but the waiting rows were not given back yet: the attempt's end must not
    // launch the next row, nor lose the waiting ones.
    auto f = small_fifo();
    arrive(f, row("wh", 1), t0, verdict::launch);
    arrive(f, row("wh", 2), t0, verdict::wait);
    arrive(f, row("wh", 3), t0, verdict::wait);
    auto n = f.finished("wh", t0 + 1s, true);
    BOOST_TEST(!n.next.has_value());
    BOOST_TEST(events(n.released.rows) == (std::vector<std::string>{"evt-2", "evt-3"}),
               boost::test_tools::per_element());
    BOOST_TEST(n.released.release_at == t0 + 7s + 5s);
    BOOST_TEST(!f.busy_until("wh").has_value());
    BOOST_TEST(f.waiting() == 0u);
    BOOST_TEST(f.stop(t0 + 2s).empty());
}

BOOST_AUTO_TEST_CASE(a_given_back_line_frees_its_places_for_other_webhooks) {
    auto f = detail::webhook_fifo(2, 2, budget());
    arrive(f, row("wh-a", 1), t0, verdict::launch);
    arrive(f, row("wh-a", 2), t0, verdict::wait);
    arrive(f, row("wh-a", 3), t0, verdict::wait);
    arrive(f, row("wh-b", 4), t0, verdict::launch);
    arrive(f, row("wh-b", 5), t0, verdict::give_back);
    auto n = f.finished("wh-a", t0 + 50s, false);  // too late: both given back
    BOOST_TEST(n.released.rows.size() == 2u);
    BOOST_TEST(f.waiting() == 0u);
    arrive(f, row("wh-b", 6), t0 + 50s, verdict::wait);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
