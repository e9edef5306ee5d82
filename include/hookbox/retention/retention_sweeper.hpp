//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_RETENTION_RETENTION_SWEEPER_HPP
#define HOOKBOX_RETENTION_RETENTION_SWEEPER_HPP

/// \file
/// `retention_sweeper`: deletes finished deliveries once they are old enough, now (`sweep`) or
/// every interval on the user's executor (`async_run`).
///
/// What it deletes: `success` rows whose `updated_at` is older than `success_ttl`, and `dead` rows
/// whose `updated_at` is older than `dead_ttl`, strictly (a row exactly one TTL old stays). `pending`,
/// `in_flight` and `failed` rows are never deleted. Each status is swept with `basic_outbox::purge`
/// in steps of `batch_size` rows, so that no single transaction holds the database for long, however
/// many rows have piled up.
///
/// Several nodes sharing one storage may each run a sweeper: deleting is idempotent, and a row
/// deleted by one node is simply not found by the others.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/error.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace hookbox {

/// How long finished deliveries are kept, and how often the sweeper looks. The ObjectStack
/// outbox's defaults.
struct retention_params {
    /// `success` rows older than this (by `updated_at`) are deleted; 0 keeps them forever. 7 days.
    std::chrono::milliseconds success_ttl{604'800'000};
    /// `dead` rows older than this (by `updated_at`) are deleted; 0 keeps them forever. 30 days.
    std::chrono::milliseconds dead_ttl{2'592'000'000};
    /// Time between sweeps of `async_run`; the first sweep comes one interval after the start.
    /// Greater than 0. 1 hour.
    std::chrono::milliseconds interval{3'600'000};
    /// Rows deleted per step (one transaction on an engine). 1 to 100000.
    std::size_t batch_size = 1000;
};

/// What one sweep did.
struct sweep_result {
    /// `success` rows deleted.
    std::size_t success = 0;
    /// `dead` rows deleted.
    std::size_t dead = 0;
    /// Why the `success` sweep stopped early. `success` then counts the rows deleted by the steps
    /// before the error (each step is atomic), and the `dead` sweep runs all the same.
    error_code success_error{};
    /// Why the `dead` sweep stopped early; `dead` counts the rows deleted before it.
    error_code dead_error{};
    /// The diagnostics of the first error (field and message), empty when there was none.
    hookbox::diagnostics diagnostics{};

    std::size_t total() const noexcept { return success + dead; }
    bool ok() const noexcept { return !success_error && !dead_error; }
};

/// Counters of a `retention_sweeper` since construction. Read from any thread.
struct retention_stats {
    /// Sweeps run by `async_run` (`sweep` called directly is not counted).
    std::uint64_t sweeps = 0;
    std::uint64_t deleted_success = 0;
    std::uint64_t deleted_dead = 0;
    /// Sweeps of one status that ended with an error (up to two per sweep).
    std::uint64_t errors = 0;
};

namespace detail {

// The state and the run of a `retention_sweeper`, shared by the front object and by the work it
// queues (see `detail/async.hpp`).
template <class Outbox, class Executor, class TimerClock>
class sweeper_impl : public std::enable_shared_from_this<sweeper_impl<Outbox, Executor, TimerClock>> {
public:
    using executor_type = boost::asio::strand<Executor>;

    sweeper_impl(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox, retention_params params)
        : strand_(boost::asio::make_strand(ex)), storage_(std::move(storage)), outbox_(outbox), params_(params),
          timer_(strand_) {}

    const executor_type& get_executor() const noexcept { return strand_; }
    const boost::asio::any_io_executor& storage_executor() const noexcept { return storage_; }
    const retention_params& params() const noexcept { return params_; }
    Outbox& outbox() const noexcept { return outbox_; }

    void on_sweep(std::function<void(const sweep_result&)> f) { on_sweep_ = std::move(f); }

    void cancel() {
        boost::asio::post(strand_, [self = this->shared_from_this()] {
            self->stop_ = true;
            self->timer_.cancel();
        });
    }

    retention_stats stats() const noexcept {
        retention_stats s;
        s.sweeps = sweeps_.load(std::memory_order_relaxed);
        s.deleted_success = deleted_success_.load(std::memory_order_relaxed);
        s.deleted_dead = deleted_dead_.load(std::memory_order_relaxed);
        s.errors = errors_.load(std::memory_order_relaxed);
        return s;
    }

    // One sweep, on the calling thread.
    sweep_result sweep(timestamp now) {
        sweep_result r;
        r.success = sweep_status(delivery_status::success, params_.success_ttl, now, r.success_error, r);
        r.dead = sweep_status(delivery_status::dead, params_.dead_ttl, now, r.dead_error, r);
        return r;
    }

    static boost::asio::awaitable<error_code> run(std::shared_ptr<sweeper_impl> self) {
        co_return co_await self->run_loop();
    }

private:
    std::size_t sweep_status(delivery_status s, std::chrono::milliseconds ttl, timestamp now, error_code& ec,
                             sweep_result& r) {
        if (ttl.count() == 0)
            return 0;
        delivery_filter f;
        f.status = s;
        f.updated_before = now - ttl;
        diagnostics diag;
        std::size_t n = outbox_.purge(f, params_.batch_size, ec, diag);
        if (ec && r.diagnostics.message().empty())
            r.diagnostics = std::move(diag);
        return n;
    }

    boost::asio::awaitable<error_code> run_loop() {
        if (running_)
            co_return make_error_code(boost::asio::error::already_started);
        running_ = true;
        // `stop_` is not cleared here: a `cancel()` that came before this run started stops it.
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        auto stopping = [&] { return stop_ || cs.cancelled() != boost::asio::cancellation_type::none; };
        for (;;) {
            // Checked before and after the wait: a cancellation may arrive during a sweep, when no
            // wait is there to be cancelled.
            if (stopping())
                break;
            timer_.expires_after(params_.interval);
            co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (stopping())
                break;
            // Named, not a temporary inside the co_await expression: g++ 12 mishandles non-trivial
            // temporaries there.
            auto job = [self = this->shared_from_this()] { return self->sweep(now_ms(self->outbox_.clock())); };
            auto sweeping = detail::run_on(storage_, std::move(job));
            sweep_result r = co_await std::move(sweeping);
            sweeps_.fetch_add(1, std::memory_order_relaxed);
            deleted_success_.fetch_add(r.success, std::memory_order_relaxed);
            deleted_dead_.fetch_add(r.dead, std::memory_order_relaxed);
            errors_.fetch_add((r.success_error ? 1 : 0) + (r.dead_error ? 1 : 0), std::memory_order_relaxed);
            if constexpr (requires { outbox_.observer(); }) {
                if (!r.ok())
                    detail::notify_error(outbox_.observer(), r.success_error ? r.success_error : r.dead_error,
                                         r.diagnostics, "sweep");
            }
            if (on_sweep_)
                on_sweep_(r);
        }
        stop_ = false;  // the cancel is spent: a later run starts afresh
        running_ = false;
        co_return make_error_code(boost::asio::error::operation_aborted);
    }

    executor_type strand_;
    boost::asio::any_io_executor storage_;
    Outbox& outbox_;
    retention_params params_;
    std::function<void(const sweep_result&)> on_sweep_;

    // Strand state.
    boost::asio::basic_waitable_timer<TimerClock> timer_;
    bool running_ = false;
    bool stop_ = false;

    std::atomic<std::uint64_t> sweeps_{0}, deleted_success_{0}, deleted_dead_{0}, errors_{0};
};

}  // namespace detail

/// Deletes old finished deliveries of `Outbox` (a `basic_outbox`).
///
/// \tparam Executor the executor of the user's I/O context; the timer runs on a strand of it.
/// \tparam TimerClock the clock of the interval timer: a `std::chrono` clock, or a test's clock
/// with its `boost::asio::wait_traits`.
///
/// The TTL comparison takes its time from the outbox's clock (`outbox.clock()`), so a
/// `manual_clock` drives it in tests; the interval between sweeps is measured by a timer on
/// `TimerClock`. Sweeps block on the storage, so `async_run` runs them on the storage executor it
/// is given (by default the I/O executor itself: give it a `boost::asio::thread_pool`'s executor for
/// a database, so that the I/O thread never waits). It starts no thread of its own.
///
/// Lifetime: the sweeper's state is shared by the operations it starts; destroying the sweeper stops
/// its run as `cancel()` does. The outbox must outlive every operation.
///
/// Thread-safety: `cancel` and `stats` may be called from any thread; `sweep` from any thread (it
/// only calls the outbox, which is thread-safe); the rest from one thread at a time.
template <class Outbox, class Executor = boost::asio::any_io_executor, class TimerClock = std::chrono::steady_clock>
class retention_sweeper {
    using impl_type = detail::sweeper_impl<Outbox, Executor, TimerClock>;

public:
    using executor_type = boost::asio::strand<Executor>;
    using outbox_type = Outbox;

    /// A sweeper whose sweeps run on `ex` (the I/O executor): no thread is started. Throws
    /// `error_with_diagnostics` (see `check`).
    retention_sweeper(Executor ex, Outbox& outbox, retention_params params = {})
        : retention_sweeper(ex, boost::asio::any_io_executor(ex), outbox, params) {}

    /// A sweeper whose sweeps run on `storage` (for example the `boost::asio::thread_pool` that a
    /// dispatcher uses for its storage calls).
    retention_sweeper(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox,
                      retention_params params = {}) {
        error_code ec;
        diagnostics diag;
        if (!check(params, ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
        impl_ = std::make_shared<impl_type>(ex, std::move(storage), outbox, params);
    }

    retention_sweeper(const retention_sweeper&) = delete;
    retention_sweeper& operator=(const retention_sweeper&) = delete;

    /// Moves the sweeper; `other` may then only be destroyed or assigned to.
    retention_sweeper(retention_sweeper&&) noexcept = default;

    /// Stops the run of this sweeper (as its destructor does) and takes `other`'s.
    retention_sweeper& operator=(retention_sweeper&& other) noexcept {
        if (this != &other) {
            if (impl_)
                impl_->cancel();
            impl_ = std::move(other.impl_);
        }
        return *this;
    }

    /// Stops a run going on, as `cancel()` does.
    ~retention_sweeper() {
        if (impl_)
            impl_->cancel();
    }

    executor_type get_executor() const noexcept { return impl_->get_executor(); }
    const retention_params& params() const noexcept { return impl_->params(); }

    /// Where the sweeps of `async_run` run.
    boost::asio::any_io_executor storage_executor() const noexcept { return impl_->storage_executor(); }

    /// Checks parameters without constructing: what the constructor would throw.
    ///
    /// Errors: `errc::invalid_argument` naming the field: `success_ttl` or `dead_ttl` (negative),
    /// `interval` (not greater than 0), `batch_size` (not in 1..100000).
    static bool check(const retention_params& p, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto fail = [&](const char* field, std::string rule) {
            detail::fail(ec, diag, errc::invalid_argument, field, std::string(field) + ": " + std::move(rule));
            return false;
        };
        if (p.success_ttl.count() < 0)
            return fail("success_ttl", "must not be negative (0 keeps success rows forever)");
        if (p.dead_ttl.count() < 0)
            return fail("dead_ttl", "must not be negative (0 keeps dead rows forever)");
        if (p.interval.count() <= 0)
            return fail("interval", "must be greater than 0");
        if (p.batch_size < 1 || p.batch_size > limits::batch_size)
            return fail("batch_size", "must be in 1.." + std::to_string(limits::batch_size) + " (got " +
                                          std::to_string(p.batch_size) + ")");
        return true;
    }

    /// One sweep, now, on the calling thread: deletes `success` rows with
    /// `updated_at < now - success_ttl` (unless `success_ttl` is 0), then `dead` rows with
    /// `updated_at < now - dead_ttl` (unless `dead_ttl` is 0), each in steps of `batch_size`.
    /// Storage errors are reported per status in the result and do not stop the other status's
    /// sweep.
    sweep_result sweep(timestamp now) { return impl_->sweep(now); }

    /// `sweep` at the outbox clock's now.
    sweep_result sweep() { return impl_->sweep(now_ms(impl_->outbox().clock())); }

    /// Calls `f` after each sweep of `async_run`, on the sweeper's strand (the storage thread is
    /// not blocked by it, but the next sweep waits for it). Set it before `async_run`.
    void on_sweep(std::function<void(const sweep_result&)> f) { impl_->on_sweep(std::move(f)); }

    /// Sweeps every `interval` until `cancel()`, the sweeper's destruction, or a cancellation of the
    /// token's slot.
    ///
    /// The first sweep comes one full interval after the start, not at once (a fleet of nodes
    /// restarting together does not sweep together). Sweep errors do not end the run: they are
    /// counted in `stats().errors`, told to the outbox observer's `on_error` (`what` `"sweep"`),
    /// passed to `on_sweep`, and the next sweep tries again.
    ///
    /// \par Handler signature
    /// `void(error_code)`: `boost::asio::error::operation_aborted` after a stop,
    /// `boost::asio::error::already_started` when a run is going on already.
    ///
    /// \par Executor
    /// The timer and `on_sweep` run on `get_executor()`; sweeps on the storage executor; the handler
    /// on its associated executor (default: `get_executor()`), never inside this call, with its
    /// associated allocator.
    ///
    /// \par Per-operation cancellation
    /// `terminal`, `partial` and `total` all stop the run; a sweep that is running finishes first
    /// (its steps are atomic, so stopping between them would lose nothing but would report less).
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<Executor>>
    auto async_run(CompletionToken&& token = CompletionToken()) {
        return detail::async_run(impl_, std::forward<CompletionToken>(token));
    }

    /// Stops `async_run` (see there). Thread-safe. A cancel while no run is going on is kept for the
    /// next `async_run`, which then completes at once with `operation_aborted`, without a sweep; the
    /// run after that runs normally.
    void cancel() { impl_->cancel(); }

    retention_stats stats() const noexcept { return impl_->stats(); }

private:
    std::shared_ptr<impl_type> impl_;
};

}  // namespace hookbox

#endif  // HOOKBOX_RETENTION_RETENTION_SWEEPER_HPP
