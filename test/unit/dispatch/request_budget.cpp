//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The time a request may take under its claim: the longest timeout a claim can carry, a
// delivery's timeout cut to it, the request's whole budget, and whether a claim outlives a request
// started now.

#include "common/test_common.hpp"

#include <hookbox/dispatch/detail/request_budget.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

// 2026-05-24T00:00:00Z
const timestamp t0 = timestamp(milliseconds(1779580800000));

// request_timeout 15 s, connect_timeout 10 s, ack_margin 5 s, claim_ttl 60 s.
constexpr detail::request_budget budget{15s, 10s, 5s, 60s};

delivery with_timeout(std::optional<milliseconds> timeout, std::optional<timestamp> claimed_at = t0) {
    delivery d;
    d.timeout = timeout;
    d.claimed_at = claimed_at;
    return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(request_budget)

BOOST_AUTO_TEST_CASE(a_claim_carries_at_most_its_ttl_less_the_connection_and_the_ack) {
    BOOST_TEST(budget.max_timeout() == 60s - 10s - 5s - 1ms);
    detail::request_budget no_connect{15s, 0s, 0s, 16s};
    BOOST_TEST(no_connect.max_timeout() == 16s - 1ms);
}

BOOST_AUTO_TEST_CASE(a_request_has_its_own_timeout_or_the_default_cut_to_what_the_claim_carries) {
    struct tc {
        const char* name;
        std::optional<milliseconds> own;
        milliseconds timeout;
    };
    const std::vector<tc> cases{
        {"no timeout of its own: the default", std::nullopt, 15s},
        {"a shorter one of its own", 2s, 2s},
        {"a longer one that still fits", 30s, 30s},
        {"exactly the longest", 45s - 1ms, 45s - 1ms},
        {"longer than the claim carries: cut", 45s, 45s - 1ms},
        {"far longer: cut", 600s, 45s - 1ms},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto d = with_timeout(c.own);
            BOOST_TEST(budget.timeout(d) == c.timeout);
            BOOST_TEST(budget.of(d) == c.timeout + 10s);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_claim_fits_a_request_only_if_it_outlives_it_and_its_ack) {
    // Default timeout: 15 s + 10 s + 5 s = 30 s, so a row claimed at t0 fits until t0 + 30 s
    // exclusive.
    struct tc {
        const char* name;
        std::optional<timestamp> claimed_at;
        std::optional<milliseconds> own;
        milliseconds now_after;
        bool fits;
    };
    const std::vector<tc> cases{
        {"just claimed", t0, std::nullopt, 0s, true},
        {"the last millisecond", t0, std::nullopt, 30s - 1ms, true},
        {"at the boundary: an ack at the expiry may find the row reaped", t0, std::nullopt, 30s, false},
        {"a shorter own timeout waits longer", t0, 1s, 43s, true},
        {"a longer own timeout fits only while fresh", t0, 600s, 0s, true},
        {"a longer own timeout, a millisecond later", t0, 600s, 1ms, false},
        {"never claimed counts as claimed now", std::nullopt, std::nullopt, 100s, true},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(budget.fits_claim(with_timeout(c.own, c.claimed_at), t0 + c.now_after) == c.fits);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
