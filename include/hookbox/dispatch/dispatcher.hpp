//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DISPATCHER_HPP
#define HOOKBOX_DISPATCH_DISPATCHER_HPP

/// \file
/// `dispatcher`: claims deliveries from an outbox, sends them with an `http_sender`, and acks each
/// attempt's outcome, with many requests in flight, on the user's own `io_context`.
///
/// How it runs:
/// - All of its own state lives on one strand of the executor it is given; storage calls (`claim`,
///   `ack_many`) run on the storage executor it is given (by default the I/O executor itself: give
///   it a `boost::asio::thread_pool`'s executor for SQLite or PostgreSQL, so that the I/O thread
///   never waits for a database). It starts no thread of its own.
/// - It walks the outbox's partitions from its node's offset (the ObjectStack outbox's rotation),
///   claiming up to `batch_size` rows from each while it has room for more requests
///   (`max_in_flight`), all partitions in one `claim_many` (one storage call, one transaction).
///   The room is shared: each partition first takes its share of it, and each round starts its
///   walk after the last partition the previous round took rows from, so a backlog in one
///   partition never holds up the others.
/// - When every partition came back empty it waits for `poll_interval`, or less: `notify()` (or a
///   `wakeup` shared with the outbox's observer) wakes it at once, so an in-process enqueue is sent
///   without a polling delay.
/// - Acks are collected and written in batches (`ack_many`) while earlier batches are being written.
///   A batch the storage fails to take is kept and written again with backoff until it is taken
///   (or its claims turn out lost); every failed step is counted and told to the outbox observer's
///   `on_error`.
/// - A claim never expires under a running request: the constructor refuses a `claim_ttl` that does
///   not exceed `request_timeout` plus the sender's connect timeout plus `ack_margin`, and a
///   delivery's own longer timeout is cut to fit.
/// - One endpoint (webhook id) has at most `max_in_flight_per_endpoint` requests in flight; its
///   further rows wait on the node for its requests to end, and go back to the outbox when they
///   have filled the node's room for `poll_interval`, so that a receiver that never answers does not
///   hold every request slot until its timeouts.
///
/// - With endpoint health (`dispatcher_params::health`), each claimed row is first admitted: a row
///   of an endpoint whose circuit is open, or over its rate limit, is put back (`release`) until it
///   may go, without counting an attempt; a row of a disabled endpoint is made `dead`.
///
/// Several dispatchers (in one process or many) may share one storage: a row is claimed by one
/// claim only, so each delivery is sent once per attempt.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/dispatch/detail/dispatcher_impl.hpp>
#include <hookbox/dispatch/dispatcher_params.hpp>
#include <hookbox/dispatch/dispatcher_stats.hpp>
#include <hookbox/dispatch/retry_policy.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <concepts>
#include <memory>
#include <string>
#include <utility>

namespace hookbox {

/// Claims, sends and acks deliveries of `Outbox` (a `basic_outbox`) through `Sender` (an
/// `http_sender`), deciding each outcome with `Policy` (a `retry_policy`).
///
/// \tparam Executor the executor of the user's I/O context; the dispatcher runs on a strand of it.
/// \tparam TimerClock the clock of its timers (poll interval, drain deadline, write retries): a
/// `std::chrono` clock, or a test's clock with its `boost::asio::wait_traits`.
///
/// Per-webhook FIFO (`per_webhook_fifo`): a webhook never has two requests in flight on one node,
/// and its deliveries are attempted in the order they were claimed (oldest first). Rows of a busy
/// webhook wait on this node (at most `batch_size` per webhook) while other webhooks go on; a
/// waiting row whose claim would expire before its request could finish is given back unsent, with
/// the rows after it: released to `pending` without an attempt, claimable once the request before
/// them can have ended. A stop gives back the waiting rows the same way. Order is of attempts: a
/// delivery scheduled for a retry does not hold back the next one.
///
/// Lifetime: the dispatcher's state is shared by the operations it starts, so the dispatcher may be
/// destroyed at any time, with a run going on or work queued: destroying it stops the run as
/// `cancel()` does (the run drains and completes with `operation_aborted`). The outbox and the
/// sender must outlive every operation (the run's completion included).
///
/// Thread-safety: `notify`, `cancel`, `enable_endpoint`, `disable_endpoint` and `stats` may be
/// called from any thread; the rest from one thread at a time.
template <class Outbox, http_sender Sender, class Executor = boost::asio::any_io_executor,
          retry_policy Policy = default_retry_policy, class TimerClock = std::chrono::steady_clock>
class dispatcher {
    using impl_type = detail::dispatcher_impl<Outbox, Sender, Executor, Policy, TimerClock>;

public:
    using executor_type = boost::asio::strand<Executor>;
    using outbox_type = Outbox;
    using sender_type = Sender;

    /// A dispatcher whose storage calls run on `ex` (the I/O executor): no thread is started. Right
    /// for `memory_storage`; with a database, prefer the constructor that takes a storage executor.
    /// Throws `error_with_diagnostics` (see `check`).
    dispatcher(Executor ex, Outbox& outbox, Sender& sender, dispatcher_params params = {}, Policy policy = Policy())
        : dispatcher(ex, boost::asio::any_io_executor(ex), outbox, sender, std::move(params), std::move(policy)) {}

    /// A dispatcher whose storage calls run on `storage`: for example a `boost::asio::thread_pool`
    /// (shared by several dispatchers and sweepers, if you like), so that the I/O thread never waits
    /// for a database. Throws `error_with_diagnostics` (see `check`).
    dispatcher(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox, Sender& sender,
               dispatcher_params params = {}, Policy policy = Policy()) {
        error_code ec;
        diagnostics diag;
        if (!check(params, connect_timeout(sender), ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
        impl_ = std::make_shared<impl_type>(ex, std::move(storage), outbox, sender, std::move(params),
                                            std::move(policy), connect_timeout(sender));
        impl_->subscribe();
    }

    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    /// Moves the dispatcher; `other` may then only be destroyed or assigned to.
    dispatcher(dispatcher&& other) noexcept = default;

    /// Stops the run of this dispatcher (as its destructor does) and takes `other`'s.
    dispatcher& operator=(dispatcher&& other) noexcept {
        if (this != &other) {
            if (impl_)
                impl_->close();
            impl_ = std::move(other.impl_);
        }
        return *this;
    }

    /// Stops a run going on, as `cancel()` does; queued work completes later, safely.
    ~dispatcher() {
        if (impl_)
            impl_->close();
    }

    executor_type get_executor() const noexcept { return impl_->get_executor(); }
    const dispatcher_params& params() const noexcept { return impl_->params(); }

    /// Where the storage calls run.
    boost::asio::any_io_executor storage_executor() const noexcept { return impl_->storage_executor(); }

    /// Checks parameters without constructing: what the constructor would throw.
    ///
    /// Errors: `errc::invalid_argument` naming the field (`node_id`, `batch_size`, `max_in_flight`,
    /// `max_in_flight_per_endpoint`, `poll_interval`, `request_timeout`, `claim_ttl`, `drain_timeout`).
    static bool check(const dispatcher_params& p, std::chrono::milliseconds connect_timeout, error_code& ec,
                      diagnostics& diag) {
        ec.clear();
        auto fail = [&](const char* field, std::string rule) {
            detail::fail(ec, diag, errc::invalid_argument, field, std::string(field) + ": " + std::move(rule));
            return false;
        };
        if (p.node_id.empty() || p.node_id.size() > limits::node_id)
            return fail("node_id", "must be 1 to " + std::to_string(limits::node_id) + " bytes");
        if (p.batch_size < 1 || p.batch_size > limits::claim_limit)
            return fail("batch_size", "must be in 1.." + std::to_string(limits::claim_limit));
        if (p.max_in_flight < 1)
            return fail("max_in_flight", "must be at least 1");
        if (p.max_in_flight_per_endpoint < 1)
            return fail("max_in_flight_per_endpoint", "must be at least 1");
        if (p.poll_interval.count() <= 0)
            return fail("poll_interval", "must be greater than 0");
        if (p.request_timeout.count() <= 0)
            return fail("request_timeout", "must be greater than 0");
        if (p.drain_timeout.count() < 0 || p.ack_margin.count() < 0)
            return fail(p.drain_timeout.count() < 0 ? "drain_timeout" : "ack_margin", "must not be negative");
        if (p.health) {
            p.health->check(ec, diag);
            if (ec) {
                diag.assign("health." + diag.field(), "health." + diag.message());
                return false;
            }
        }
        auto needed = p.request_timeout + connect_timeout + p.ack_margin;
        if (p.claim_ttl <= needed)
            return fail("claim_ttl", "must exceed request_timeout + the sender's connect timeout + ack_margin (" +
                                         std::to_string(needed.count()) + "ms), or a claim could expire while " +
                                         "its request is still running and the delivery be sent twice");
        return true;
    }

    /// Runs until `cancel()`, the dispatcher's destruction, or a terminal cancellation of the
    /// token's cancellation slot; then drains: stops claiming, lets requests in flight finish (up to
    /// `drain_timeout`, after which they are cancelled and acked as failed attempts), writes every
    /// ack it can (a write the storage keeps failing is retried until the drain deadline), and
    /// completes.
    ///
    /// \par Handler signature
    /// `void(error_code)`: `boost::asio::error::operation_aborted` after a stop,
    /// `boost::asio::error::already_started` when a run is already going on. Storage errors do not
    /// end the run: they are counted, told to the observer's `on_error`, and the step is tried again.
    ///
    /// \par Executor
    /// The run's work is on `get_executor()`; the handler runs on its associated executor (default:
    /// `get_executor()`), never inside this call, with its associated allocator.
    ///
    /// \par Per-operation cancellation
    /// Terminal cancellation stops the run as `cancel()` does: the run drains, then completes.
    ///
    /// \par Object lifetimes
    /// The run co-owns the dispatcher's state; the outbox and the sender must outlive it.
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<Executor>>
    auto async_run(CompletionToken&& token = CompletionToken()) {
        return detail::async_run(impl_, std::forward<CompletionToken>(token));
    }

    /// Starts a graceful stop (see `async_run`). Thread-safe. A cancel while no run is going on is
    /// kept for the next `async_run`, which then stops at once (after draining nothing) and
    /// completes with `operation_aborted`; the run after that runs normally.
    void cancel() { impl_->cancel(); }

    /// Looks for work now instead of at the end of the poll interval. Thread-safe.
    void notify() { impl_->notify(); }

    /// Enables a disabled endpoint again and closes its circuit (saved to the health store, and told
    /// to the observer). No effect without `dispatcher_params::health`. Thread-safe.
    void enable_endpoint(std::string webhook_id) { impl_->enable_endpoint(std::move(webhook_id)); }

    /// Disables an endpoint by hand: its deliveries are made `dead` unsent until `enable_endpoint`.
    /// No effect without `dispatcher_params::health`. Thread-safe.
    void disable_endpoint(std::string webhook_id, std::string reason) {
        impl_->disable_endpoint(std::move(webhook_id), std::move(reason));
    }

    dispatcher_stats stats() const noexcept { return impl_->stats(); }

private:
    static std::chrono::milliseconds connect_timeout(const Sender& sender) {
        if constexpr (requires {
                          { sender.connect_timeout() } -> std::convertible_to<std::chrono::milliseconds>;
                      })
            return sender.connect_timeout();
        else
            return std::chrono::milliseconds(0);
    }

    std::shared_ptr<impl_type> impl_;
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_DISPATCHER_HPP
