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

#include "common/run_until.hpp"

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/wait_traits.hpp>

#include <filesystem>

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

namespace hookbox::test {

// Runs the io_context until its timers on manual_steady_clock have been looked at since the last
// `advance`, then runs what is ready: a timer that had expired by then has fired (and what it
// started on this thread has run), and one that had not has not. `poll()` alone would not do: Asio
// looks at its timers only when the system timer it set for the earliest one has gone off.
inline bool run_due_timers(boost::asio::io_context& ioc) {
    boost::asio::basic_waitable_timer<manual_steady_clock> probe(ioc, manual_steady_clock::now());
    bool fired = false;
    probe.async_wait([&](const boost::system::error_code&) { fired = true; });
    if (!run_until(ioc, [&] { return fired; }))
        return false;
    ioc.poll();
    return true;
}

// The threads of this process, as the kernel lists them: a test of "no thread started".
inline std::size_t thread_count() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task"))
        ++n;
    return n;
}

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
