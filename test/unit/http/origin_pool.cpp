//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The connection bookkeeping of one origin, without sockets or timers: time is passed in.

#include <hookbox/http/detail/origin_pool.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using hookbox::http::detail::failed_exchange;
using hookbox::http::detail::origin_pool_params;
using hookbox::http::detail::pool_clock;
using hookbox::http::detail::pool_connection;
using hookbox::http::detail::pool_request;

// The suite's name is the header's, so the class goes by another one here.
using pool_type = hookbox::http::detail::origin_pool;

const pool_clock::time_point t0 = pool_clock::time_point{} + 1000h;

struct request : pool_request {
    explicit request(pool_clock::time_point deadline = t0 + 10s) { connect_deadline = deadline; }
};
struct connection : pool_connection {};

pool_type make_pool(std::size_t cap, std::chrono::milliseconds idle_timeout = 30s) {
    return pool_type(origin_pool_params{cap, idle_timeout});
}

// A request the pool said to serve on a new connection.
bool opens(const pool_type::step& s, const pool_request& r) {
    return s.request == &r && !s.connection;
}

template <class T> std::vector<const void*> addresses(std::span<T* const> items) {
    return std::vector<const void*>(items.begin(), items.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(origin_pool)

BOOST_AUTO_TEST_CASE(opens_up_to_the_cap_then_queues) {
    auto pool = make_pool(2);
    request r1, r2, r3;
    BOOST_TEST(opens(pool.acquire(r1, t0), r1));
    BOOST_TEST(opens(pool.acquire(r2, t0), r2));
    auto s = pool.acquire(r3, t0);
    BOOST_TEST(!s.request);
    BOOST_TEST(r3.waiting);
    BOOST_TEST(pool.open() == 2u);
    BOOST_TEST(pool.waiting() == 1u);
    BOOST_TEST((pool.next_deadline() == r3.connect_deadline));
}

BOOST_AUTO_TEST_CASE(a_cap_of_zero_counts_as_one) {
    auto pool = make_pool(0);
    request r1, r2;
    BOOST_TEST(opens(pool.acquire(r1, t0), r1));
    BOOST_TEST(!pool.acquire(r2, t0).request);
    BOOST_TEST(pool.open() == 1u);
}

BOOST_AUTO_TEST_CASE(waiting_requests_are_served_oldest_first) {
    auto pool = make_pool(1);
    request r1, r2, r3, r4;
    connection c;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.acquire(r3, t0);
    pool.acquire(r4, t0);
    for (request* next : {&r2, &r3, &r4}) {
        auto s = pool.released(c, t0 + 1s);
        BOOST_TEST(s.request == next);
        BOOST_TEST(s.connection == &c);
        BOOST_TEST(!next->waiting);
    }
    BOOST_TEST(!pool.released(c, t0 + 1s).request);
    BOOST_TEST(c.idle);
    BOOST_TEST(pool.idle() == 1u);
    BOOST_TEST(pool.open() == 1u);
}

BOOST_AUTO_TEST_CASE(an_idle_connection_is_reused_before_a_new_one_is_opened) {
    auto pool = make_pool(2);
    request r1, r2;
    connection c;
    pool.acquire(r1, t0);
    pool.released(c, t0 + 1s);
    auto s = pool.acquire(r2, t0 + 2s);
    BOOST_TEST(s.request == &r2);
    BOOST_TEST(s.connection == &c);
    BOOST_TEST(!c.idle);
    BOOST_TEST(pool.open() == 1u);
    BOOST_TEST(pool.idle() == 0u);
}

BOOST_AUTO_TEST_CASE(the_most_recently_used_idle_connection_goes_first) {
    auto pool = make_pool(2);
    request r1, r2, r3;
    connection older, newer;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.released(older, t0 + 1s);
    pool.released(newer, t0 + 2s);
    BOOST_TEST(pool.acquire(r3, t0 + 3s).connection == &newer);
    BOOST_TEST(older.idle);
}

BOOST_AUTO_TEST_CASE(stale_idle_connections_are_retired_instead_of_reused) {
    auto pool = make_pool(3, 30s);
    request r1, r2, r3, r4;
    connection a, b, c;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.acquire(r3, t0);
    pool.released(a, t0);
    pool.released(b, t0 + 5s);
    pool.released(c, t0 + 20s);
    // At t0 + 35s, `a` and `b` have been idle 30 s or longer; `c` is fresh.
    auto s = pool.acquire(r4, t0 + 35s);
    BOOST_TEST(addresses(s.closed) == (std::vector<const void*>{&a, &b}));
    BOOST_TEST(s.connection == &c);
    BOOST_TEST(a.retired);
    BOOST_TEST(b.retired);
    BOOST_TEST(!a.idle);
    BOOST_TEST(pool.open() == 1u);
    // When every idle connection is stale, a new one is opened in their place.
    pool.released(c, t0 + 36s);
    request r5;
    s = pool.acquire(r5, t0 + 36s + 30s);
    BOOST_TEST(addresses(s.closed) == (std::vector<const void*>{&c}));
    BOOST_TEST(opens(s, r5));
    BOOST_TEST(pool.open() == 1u);
}

BOOST_AUTO_TEST_CASE(a_retired_connection_makes_room_for_the_oldest_waiter) {
    auto pool = make_pool(1);
    request r1, r2, r3;
    connection c;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.acquire(r3, t0);
    auto s = pool.retired(c, t0 + 1s);
    BOOST_TEST(opens(s, r2));
    BOOST_TEST(c.retired);
    BOOST_TEST(pool.open() == 1u);
    BOOST_TEST(pool.waiting() == 1u);
    // Retiring again changes nothing.
    s = pool.retired(c, t0 + 1s);
    BOOST_TEST(!s.request);
    BOOST_TEST(pool.open() == 1u);
    BOOST_TEST(pool.waiting() == 1u);
}

BOOST_AUTO_TEST_CASE(retiring_an_idle_connection_takes_it_off_the_idle_list) {
    auto pool = make_pool(2);
    request r1, r2;
    connection c;
    pool.acquire(r1, t0);
    pool.released(c, t0);
    pool.retired(c, t0 + 1s);
    BOOST_TEST(pool.idle() == 0u);
    BOOST_TEST(pool.open() == 0u);
    BOOST_TEST(opens(pool.acquire(r2, t0 + 2s), r2));
}

BOOST_AUTO_TEST_CASE(a_failed_open_makes_room_for_the_oldest_waiter) {
    auto pool = make_pool(1);
    request r1, r2;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    BOOST_TEST(opens(pool.open_failed(t0 + 1s), r2));
    BOOST_TEST(pool.open() == 1u);
    BOOST_TEST(pool.waiting() == 0u);
    BOOST_TEST(!pool.open_failed(t0 + 2s).request);
    BOOST_TEST(pool.open() == 0u);
}

BOOST_AUTO_TEST_CASE(waiters_out_of_time_expire_instead_of_being_served) {
    auto pool = make_pool(1);
    request r1, late(t0 + 1s), later(t0 + 2s), in_time(t0 + 10s);
    connection c;
    pool.acquire(r1, t0);
    pool.acquire(late, t0);
    pool.acquire(later, t0);
    pool.acquire(in_time, t0);
    auto s = pool.released(c, t0 + 2s);  // a deadline equal to now has passed
    BOOST_TEST(addresses(s.expired) == (std::vector<const void*>{&late, &later}));
    BOOST_TEST(s.request == &in_time);
    BOOST_TEST(!late.waiting);
    // A connection that closes serves no one out of time either.
    request r5(t0 + 3s), r6(t0 + 20s);
    pool.acquire(r5, t0 + 2s);
    pool.acquire(r6, t0 + 2s);
    s = pool.retired(c, t0 + 4s);
    BOOST_TEST(addresses(s.expired) == (std::vector<const void*>{&r5}));
    BOOST_TEST(opens(s, r6));
}

BOOST_AUTO_TEST_CASE(the_timer_expires_waiters_from_the_head_of_the_queue) {
    auto pool = make_pool(1);
    request r1, a(t0 + 1s), b(t0 + 2s);
    pool.acquire(r1, t0);
    pool.acquire(a, t0);
    pool.acquire(b, t0);
    BOOST_TEST((pool.next_deadline() == t0 + 1s));
    BOOST_TEST(pool.expire(t0 + 500ms).expired.empty());
    BOOST_TEST(addresses(pool.expire(t0 + 1s).expired) == (std::vector<const void*>{&a}));
    BOOST_TEST((pool.next_deadline() == t0 + 2s));
    BOOST_TEST(addresses(pool.expire(t0 + 5s).expired) == (std::vector<const void*>{&b}));
    BOOST_TEST(!pool.next_deadline().has_value());
    BOOST_TEST(pool.open() == 1u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_leaves_the_queue) {
    auto pool = make_pool(1);
    request r1, r2, r3;
    connection c;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.acquire(r3, t0);
    BOOST_TEST(pool.cancel(r2));
    BOOST_TEST(!r2.waiting);
    BOOST_TEST(!pool.cancel(r2));
    BOOST_TEST(!pool.cancel(r1));  // being served, not waiting
    auto s = pool.released(c, t0 + 1s);
    BOOST_TEST(s.request == &r3);
    BOOST_TEST(s.expired.empty());
}

BOOST_AUTO_TEST_CASE(take_waiting_empties_the_queue_oldest_first) {
    auto pool = make_pool(1);
    request r1, r2, r3;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    pool.acquire(r3, t0);
    BOOST_TEST(addresses(pool.take_waiting()) == (std::vector<const void*>{&r2, &r3}));
    BOOST_TEST(pool.waiting() == 0u);
    BOOST_TEST(!r2.waiting);
    BOOST_TEST(!pool.next_deadline().has_value());
}

// The retry after a stale keep-alive connection goes on a new connection in the place its stale
// connection held, ahead of the requests that wait, and never on another idle connection (which
// the receiver may have closed as well).
BOOST_AUTO_TEST_CASE(a_stale_retry_takes_its_connections_place_on_a_new_connection) {
    auto pool = make_pool(1);
    request r1, r2;
    connection c;
    pool.acquire(r1, t0);
    pool.acquire(r2, t0);
    auto s = pool.retry(r1, c);
    BOOST_TEST(opens(s, r1));
    BOOST_TEST(c.retired);
    BOOST_TEST(pool.open() == 1u);
    BOOST_TEST(pool.waiting() == 1u);
    BOOST_TEST(r2.waiting);

    auto two = make_pool(2);
    request a, b, x;
    connection busy, idle;
    two.acquire(a, t0);
    two.acquire(b, t0);
    two.released(idle, t0);
    s = two.retry(a, busy);
    BOOST_TEST(opens(s, a));
    BOOST_TEST(idle.idle);
    BOOST_TEST(two.open() == 2u);
    BOOST_TEST(two.idle() == 1u);

    // A stale connection that was retired already: the retry waits at the head of the queue.
    auto full = make_pool(1);
    request f1, f2, f3;
    connection gone;
    full.acquire(f1, t0);
    full.retired(gone, t0);
    full.acquire(f2, t0);  // takes the freed place
    full.acquire(f3, t0);  // waits
    s = full.retry(f1, gone);
    BOOST_TEST(!s.request);
    BOOST_TEST(f1.waiting);
    BOOST_TEST(addresses(full.take_waiting()) == (std::vector<const void*>{&f1, &f3}));
}

BOOST_AUTO_TEST_CASE(send_again_only_after_a_first_failure_on_a_reused_connection_the_peer_closed) {
    for (int bits = 0; bits < 32; ++bits) {
        failed_exchange f{.closed_by_peer = (bits & 1) != 0,
                          .response_started = (bits & 2) != 0,
                          .reused = (bits & 4) != 0,
                          .timed_out = (bits & 8) != 0,
                          .retried = (bits & 16) != 0};
        BOOST_TEST_CONTEXT("closed_by_peer=" << f.closed_by_peer << " response_started=" << f.response_started
                                             << " reused=" << f.reused << " timed_out=" << f.timed_out
                                             << " retried=" << f.retried) {
            bool want = f.closed_by_peer && !f.response_started && f.reused && !f.timed_out && !f.retried;
            BOOST_TEST(hookbox::http::detail::send_again(f) == want);
        }
    }
    static_assert(hookbox::http::detail::send_again({.closed_by_peer = true, .reused = true}));
}

BOOST_AUTO_TEST_SUITE_END()  // origin_pool
