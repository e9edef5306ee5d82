//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_CLOCK_HPP
#define HOOKBOX_CLOCK_HPP

/// \file
/// The clock requirements of `basic_outbox`, and `manual_clock`, a clock that moves only when told.

#include <hookbox/delivery.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <memory>

namespace hookbox {

/// The clock policy of `basic_outbox`: where every stored time (`created_at`, `claimed_at`,
/// `next_retry_at`, ...) comes from.
///
/// | Expression | Type | Semantics |
/// |---|---|---|
/// | `C::duration` | a `std::chrono::duration` | |
/// | `C::time_point` | a `std::chrono::time_point` | Its epoch is the Unix epoch (as `system_clock`'s), because times are stored as milliseconds since 1970 and compared across processes. |
/// | `c.now()` | `C::time_point` | The current time. Called on the outbox's own copy of the clock, from any thread that calls the outbox: it must be safe to call concurrently. |
///
/// Notation: `c` a `C&`.
///
/// Exemplar:
/// \code
/// struct utc_clock {
///     using duration = std::chrono::milliseconds;
///     using time_point = std::chrono::sys_time<duration>;
///     time_point now() const { return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()); }
/// };
/// \endcode
///
/// Models: `std::chrono::system_clock` (the default), `manual_clock`.
/// `std::chrono::steady_clock` satisfies the syntax but not the epoch requirement: do not use it.
template <class C>
concept outbox_clock = std::copy_constructible<C> && requires(C& c) {
    typename C::duration;
    typename C::time_point;
    { c.now() } -> std::same_as<typename C::time_point>;
    std::chrono::duration_cast<std::chrono::milliseconds>(c.now().time_since_epoch());
};

/// The clock's current time as a `timestamp`.
template <outbox_clock C>
timestamp now_ms(C& clock) {
    return timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()));
}

/// A clock that stands still until `advance` or `set` moves it. Copies share one time, so a test
/// keeps a copy and moves the time of the outbox it handed the other copy to. Thread-safe.
///
/// It starts at 2026-01-01T00:00:00Z, so that stored times look like real ones.
class manual_clock {
public:
    using rep = std::int64_t;
    using period = std::milli;
    using duration = std::chrono::milliseconds;
    using time_point = std::chrono::sys_time<duration>;
    static constexpr bool is_steady = false;

    manual_clock() : now_(std::make_shared<std::atomic<rep>>(1767225600000)) {}

    explicit manual_clock(time_point start) : now_(std::make_shared<std::atomic<rep>>(start.time_since_epoch().count())) {}

    time_point now() const noexcept { return time_point(duration(now_->load(std::memory_order_acquire))); }

    /// Moves the time forward (or back, for a negative `d`).
    void advance(duration d) noexcept { now_->fetch_add(d.count(), std::memory_order_acq_rel); }

    void set(time_point t) noexcept { now_->store(t.time_since_epoch().count(), std::memory_order_release); }

private:
    std::shared_ptr<std::atomic<rep>> now_;
};

}  // namespace hookbox

#endif  // HOOKBOX_CLOCK_HPP
