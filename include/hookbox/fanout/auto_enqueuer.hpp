//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_AUTO_ENQUEUER_HPP
#define HOOKBOX_FANOUT_AUTO_ENQUEUER_HPP

/// \file
/// `auto_enqueuer`: turns data events into deliveries, one per matching webhook subscription,
/// without making the publisher wait.
///
/// How it runs:
/// - `async_run` keeps the subscriptions in a cache (a `subscription_index`): it loads them from a
///   `subscription_source` at its start, again every `refresh_interval`, and whenever a data event
///   on the subscriptions object itself (`sys_webhook`) is published (self-heal). It runs on the
///   user's executor until `cancel()`, and starts no thread.
/// - `publish` matches an event against the cache on the publisher's thread (no I/O) and posts one
///   `enqueue` per matching subscription to the storage executor, then returns. One failing
///   enqueue does not stop the others. Events published before the first load has succeeded are
///   held, and fanned out as soon as it has.
/// - A stop lets every enqueue already posted finish before the run completes, so that nothing
///   `publish` accepted is lost without a report.
/// - Failures are counted (`stats`) and reported to `auto_enqueuer_params::on_error`.
///
/// For deliveries that must commit with the record's own change, call `fan_out` (`fan_out.hpp`)
/// inside your transaction instead.

#include <hookbox/detail/async.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/auto_enqueuer_params.hpp>
#include <hookbox/fanout/detail/auto_enqueuer_impl.hpp>
#include <hookbox/fanout/fan_out.hpp>
#include <hookbox/fanout/subscription.hpp>
#include <hookbox/fanout/subscription_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <memory>
#include <utility>

namespace hookbox {

/// Fans data events out to the webhook subscriptions of `Source` (a `subscription_source`),
/// enqueueing deliveries in `Outbox` (a `basic_outbox`, or any `fanout_outbox`).
///
/// \tparam Executor the executor of the user's I/O context; the run (its timer and its decisions)
///         runs on a strand of it.
/// \tparam TimerClock the clock of the refresh timer: a `std::chrono` clock, or a test's clock with
///         its `boost::asio::wait_traits`.
///
/// Executors: enqueues, the run's loads of the subscriptions and most `on_error` reports run on
/// the storage executor: by default the I/O executor itself; give it a `boost::asio::thread_pool`'s
/// executor for a database (shared with a dispatcher, if you like), so that the I/O thread never
/// waits for one. With a storage executor of several threads, enqueues run in parallel and the
/// outbox must allow that (every `basic_outbox` does). The enqueuer starts no thread of its own.
///
/// Lifecycle: `async_run` runs until `cancel()`, the enqueuer's destruction, or a cancellation of
/// its slot. `publish` accepts events from the launch of `async_run` until a stop, and refuses them
/// (reporting each) otherwise. A stop lets every enqueue already posted finish before the run
/// completes. The enqueuer may be run again after a run has completed.
///
/// Lifetime: the enqueuer's state is shared by the operations it starts, so the enqueuer may be
/// destroyed at any time: destroying it stops its run as `cancel()` does, and the run completes
/// later, after the enqueues it waits for. The outbox and the source must outlive every run (its
/// completion included) and every `refresh(ec, diag)`; the I/O executor's context must outlive the
/// enqueuer's state.
///
/// Thread-safety: every member function may be called from any thread, `publish` from many at
/// once; moving, assigning and destroying the enqueuer not while another thread calls it.
template <class Outbox, subscription_source Source, class Executor = boost::asio::any_io_executor,
          class TimerClock = std::chrono::steady_clock>
    requires fanout_outbox<Outbox>
class auto_enqueuer {
    using impl_type = detail::auto_enqueuer_impl<Outbox, Source, Executor, TimerClock>;

public:
    using executor_type = boost::asio::strand<Executor>;
    using outbox_type = Outbox;
    using source_type = Source;

    /// An enqueuer whose storage calls (enqueues, the run's loads) run on `ex`, the I/O executor:
    /// no thread is started. Right for an in-memory outbox and source; with a database, prefer the
    /// constructor that takes a storage executor.
    ///
    /// Throws `error_with_diagnostics` (`errc::invalid_argument`, field `subscriptions_object`) for
    /// an empty subscriptions object.
    auto_enqueuer(Executor ex, Outbox& outbox, Source& source, auto_enqueuer_params params = {})
        : auto_enqueuer(ex, boost::asio::any_io_executor(ex), outbox, source, std::move(params)) {}

    /// An enqueuer whose storage calls run on `storage`: for example a `boost::asio::thread_pool`
    /// (shared with a dispatcher, if you like), so that the I/O thread never waits for a database.
    /// Throws as the other constructor.
    auto_enqueuer(Executor ex,
                  boost::asio::any_io_executor storage,
                  Outbox& outbox,
                  Source& source,
                  auto_enqueuer_params params = {}) {
        if (params.subscriptions_object.empty())
            throw error_with_diagnostics(make_error_code(errc::invalid_argument), [] {
                diagnostics d;
                d.assign("subscriptions_object",
                         "subscriptions_object: must name the subscriptions' object (for "
                         "example sys_webhook), not be empty");
                return d;
            }());
        impl_ = std::make_shared<impl_type>(ex, std::move(storage), outbox, source, std::move(params));
    }

    auto_enqueuer(const auto_enqueuer&) = delete;
    auto_enqueuer& operator=(const auto_enqueuer&) = delete;

    /// Moves the enqueuer; `other` may then only be destroyed or assigned to.
    auto_enqueuer(auto_enqueuer&&) noexcept = default;

    /// Stops the run of this enqueuer (as its destructor does) and takes `other`'s.
    auto_enqueuer& operator=(auto_enqueuer&& other) noexcept {
        if (this != &other) {
            if (impl_)
                impl_->cancel();
            impl_ = std::move(other.impl_);
        }
        return *this;
    }

    /// Stops a run going on, as `cancel()` does; the run completes later, after the enqueues it
    /// waits for. Does not wait.
    ~auto_enqueuer() {
        if (impl_)
            impl_->cancel();
    }

    /// The strand the run and its timer run on.
    executor_type get_executor() const noexcept { return impl_->get_executor(); }

    /// Where enqueues and the run's loads run.
    boost::asio::any_io_executor storage_executor() const noexcept { return impl_->storage_executor(); }

    const auto_enqueuer_params& params() const noexcept { return impl_->params(); }

    /// Keeps the subscriptions loaded and fans out published events until `cancel()`, the
    /// enqueuer's destruction, or a terminal cancellation of the token's slot.
    ///
    /// From its launch, `publish` accepts events. The run loads the subscriptions at once, then
    /// again every `refresh_interval`, and on each `refresh()` or self-heal event. Until one load
    /// has succeeded (this run's, an earlier run's, or a `refresh(ec, diag)`), accepted events are
    /// held (up to `max_held_events`) and fanned out as soon as one has. A failed load does not end
    /// the run: it is reported to `on_error` (`fanout_operation::refresh`) and counted in
    /// `refresh_failures`; the previous subscriptions stay in use, and the next load comes one
    /// `refresh_interval` later, or, while no load has succeeded yet, after 100 ms, then twice as
    /// long each time, up to `refresh_interval` (a minute when the periodic refresh is off).
    ///
    /// A stop: `publish` refuses events from then on; events still held get one more load and are
    /// fanned out if it succeeds, else each is reported (`boost::asio::error::operation_aborted`)
    /// and counted in `dropped`; then the run waits for every enqueue it posted (they are short
    /// storage calls) and completes.
    ///
    /// \par Handler signature
    /// `void(error_code)`: `boost::asio::error::operation_aborted` after a stop,
    /// `boost::asio::error::already_started` when a run is going on already.
    ///
    /// \par Executor
    /// The run's timer and decisions are on `get_executor()`; loads and enqueues on the storage
    /// executor; the handler on its associated executor (default: `get_executor()`), never inside
    /// this call, with its associated allocator.
    ///
    /// \par Per-operation cancellation
    /// Terminal cancellation stops the run as `cancel()` does: it then waits for its enqueues and
    /// completes. A load that is running finishes first.
    ///
    /// \par Object lifetimes
    /// The run co-owns the enqueuer's state; the outbox and the source must outlive it.
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<Executor>>
    auto async_run(CompletionToken&& token = CompletionToken()) {
        return detail::async_run(impl_, std::forward<CompletionToken>(token));
    }

    /// Stops `async_run` (see there); `publish` refuses events from the moment this returns.
    /// Thread-safe. A cancel while no run is going on is kept for the next `async_run`, which then
    /// completes at once with `operation_aborted`, without a load; the run after that runs
    /// normally.
    void cancel() noexcept { impl_->cancel(); }

    /// Hands an event over and returns at once: the number of enqueues posted for it (one per
    /// matching subscription), or 0 when it matched nothing, does not fan out, was a change of the
    /// subscriptions (a refresh is requested instead), was held, or was refused.
    ///
    /// While a run is going on and the subscriptions are loaded, matching uses the cache and each
    /// enqueue runs later on the storage executor: the publisher never waits for storage. Before
    /// the first successful load the event is held (see `async_run`). When no run is going on, or
    /// it is stopping, or `max_held_events` are held already, the event is refused: counted in
    /// `refused` and reported to `on_error` (`fanout_operation::event`, with
    /// `boost::asio::error::operation_aborted` or `boost::asio::error::no_buffer_space`) before
    /// `publish` returns. Never throws.
    std::size_t publish(const data_event& e) noexcept { return impl_->publish(e); }

    /// Asks the run for a reload of the subscriptions and returns at once.
    ///
    /// Single-flight: while a load is running, any number of requests add up to one more load,
    /// which starts when the running one ends (so a change made while a load was reading is seen).
    /// A failed load keeps the cache as it was and is reported to `on_error`. When no run is going
    /// on, the next run loads at its start anyway. Never throws.
    void refresh() noexcept { impl_->request_refresh(); }

    /// Reloads the subscriptions on this thread and returns when the new cache is in use: waits for
    /// a load already running, then loads once more. Works whether or not a run is going on;
    /// before `async_run`, it makes the first events fanned out at once instead of held, and a
    /// source that cannot be read is found at start-up.
    ///
    /// Errors: the source's; the cache then stays as it was. (Counted in `refresh_failures`, not
    /// sent to `on_error`.)
    void refresh(error_code& ec, diagnostics& diag) {
        if (!impl_->load_now(ec, diag))
            impl_->count_refresh_failure();
    }

    /// The subscriptions in use now: a snapshot that later refreshes do not change.
    std::shared_ptr<const subscription_index> subscriptions() const { return impl_->subscriptions(); }

    auto_enqueuer_stats stats() const noexcept { return impl_->stats(); }

private:
    std::shared_ptr<impl_type> impl_;
};

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_AUTO_ENQUEUER_HPP
