//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_MANUAL_STEADY_CLOCK_HPP
#define HOOKBOX_TEST_COMMON_MANUAL_STEADY_CLOCK_HPP

// A steady clock for Asio timers whose time moves only when a test says: the `TimerClock` of a
// dispatcher or a retention sweeper in tests of poll intervals, drain deadlines and write retries.
// Its time is process-wide (timers read `now()` statically); `advance` moves it for every timer.
// The wait traits make Asio look at such a timer again every millisecond, so a timer whose expiry
// the clock has passed fires at once, and one whose expiry it has not passed never fires.

#include <boost/asio/wait_traits.hpp>

#include <atomic>
#include <chrono>

namespace hookbox::test {

struct manual_steady_clock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<manual_steady_clock, duration>;
    static constexpr bool is_steady = true;

    static time_point now() noexcept { return time_point(duration(ticks().load(std::memory_order_acquire))); }

    static void advance(duration d) noexcept { ticks().fetch_add(d.count(), std::memory_order_acq_rel); }

private:
    static std::atomic<rep>& ticks() noexcept {
        static std::atomic<rep> t{0};
        return t;
    }
};

}  // namespace hookbox::test

template <>
struct boost::asio::wait_traits<hookbox::test::manual_steady_clock> {
    using clock = hookbox::test::manual_steady_clock;

    static clock::duration to_wait_duration(const clock::duration& d) {
        return d > std::chrono::milliseconds(1) ? std::chrono::milliseconds(1) : d;
    }
    static clock::duration to_wait_duration(const clock::time_point& t) { return to_wait_duration(t - clock::now()); }
};

#endif  // HOOKBOX_TEST_COMMON_MANUAL_STEADY_CLOCK_HPP
