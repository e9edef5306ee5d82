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
///   `ack_many`) run on a separate executor (a one-thread pool it owns, unless one is given), so
///   the I/O thread never waits for a database.
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
/// - A claim never expires under a running request: the constructor refuses a `claim_ttl` that does
///   not exceed `request_timeout` plus the sender's connect timeout plus `ack_margin`, and a
///   delivery's own longer timeout is cut to fit.
///
/// - With endpoint health (`dispatcher_params::health`), each claimed row is first admitted: a row
///   of an endpoint whose circuit is open, or over its rate limit, is put back (`release`) until it
///   may go, without counting an attempt; a row of a disabled endpoint is made `dead`.
///
/// Several dispatchers (in one process or many) may share one storage: a row is claimed by one
/// claim only, so each delivery is sent once per attempt.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/dispatch/detail/fifo.hpp>
#include <hookbox/dispatch/detail/request_budget.hpp>
#include <hookbox/dispatch/detail/round.hpp>
#include <hookbox/dispatch/dispatcher_params.hpp>
#include <hookbox/dispatch/dispatcher_stats.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/dispatch/request.hpp>
#include <hookbox/dispatch/retry_policy.hpp>
#include <hookbox/dispatch/wakeup.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox {

/// Claims, sends and acks deliveries of `Outbox` (a `basic_outbox`) through `Sender` (an
/// `http_sender`), deciding each outcome with `Policy` (a `retry_policy`).
///
/// \tparam Executor the executor of the user's I/O context; the dispatcher runs on a strand of it.
///
/// Per-webhook FIFO (`per_webhook_fifo`): a webhook never has two requests in flight on one node,
/// and its deliveries are attempted in the order they were claimed (oldest first). Rows of a busy
/// webhook wait on this node (at most `batch_size` per webhook) while other webhooks go on; a
/// waiting row whose claim would expire before its request could finish is given back unsent, with
/// the rows after it: released to `pending` without an attempt, claimable once the request before
/// them can have ended. A stop gives back the waiting rows the same way. Order is of attempts: a
/// delivery scheduled for a retry does not hold back the next one.
///
/// Thread-safety: `notify`, `cancel` and `stats` may be called from any thread; the rest from one
/// thread at a time. The dispatcher, its outbox and its sender must outlive `async_run`.
template <class Outbox, http_sender Sender, class Executor = boost::asio::any_io_executor,
          retry_policy Policy = default_retry_policy>
class dispatcher {
public:
    using executor_type = boost::asio::strand<Executor>;
    using outbox_type = Outbox;
    using sender_type = Sender;

    /// A dispatcher whose storage calls run on a thread of its own.
    dispatcher(Executor ex, Outbox& outbox, Sender& sender, dispatcher_params params = {}, Policy policy = Policy())
        : dispatcher(ex, std::nullopt, outbox, sender, std::move(params), std::move(policy)) {}

    /// A dispatcher whose storage calls run on `storage` (for example a `boost::asio::thread_pool`
    /// shared by several dispatchers). `storage` must not be the I/O executor.
    dispatcher(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox, Sender& sender,
               dispatcher_params params = {}, Policy policy = Policy())
        : dispatcher(ex, std::optional<boost::asio::any_io_executor>(std::move(storage)), outbox, sender,
                     std::move(params), std::move(policy)) {}

    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    ~dispatcher() {
        if (params_.wakeup)
            params_.wakeup->unsubscribe(wakeup_id_);
        if (owned_pool_)
            owned_pool_->join();
    }

    executor_type get_executor() const noexcept { return strand_; }
    const dispatcher_params& params() const noexcept { return params_; }

    /// Checks parameters without constructing: what the constructor would throw.
    ///
    /// Errors: `errc::invalid_argument` naming the field (`node_id`, `batch_size`, `max_in_flight`,
    /// `poll_interval`, `request_timeout`, `claim_ttl`, `drain_timeout`).
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

    /// Runs until `cancel()` or until the token's cancellation slot is emitted, then drains:
    /// stops claiming, lets requests in flight finish (up to `drain_timeout`, after which they are
    /// cancelled and acked as failed attempts), writes every ack, and completes with
    /// `void(error_code)`: `boost::asio::error::operation_aborted` after a cancel, or
    /// `boost::asio::error::already_started` when a run is already going on. Storage errors do not
    /// end the run: they are counted and the claim is tried again later.
    template <class CompletionToken>
    auto async_run(CompletionToken&& token) {
        return detail::async_run_on(strand_, [this] { return run(); }, std::forward<CompletionToken>(token));
    }

    /// Starts a graceful stop (see `async_run`). Thread-safe. A cancel while no run is going on is
    /// kept for the next `async_run`, which then stops at once (after draining nothing) and
    /// completes with `operation_aborted`; the run after that runs normally.
    void cancel() {
        boost::asio::post(strand_, [this] {
            stop_ = true;
            signal();
        });
    }

    /// Looks for work now instead of at the end of the poll interval. Thread-safe.
    void notify() {
        if (!notify_pending_.exchange(true, std::memory_order_acq_rel))
            boost::asio::post(strand_, [this] {
                notify_pending_.store(false, std::memory_order_release);
                signal();
            });
    }

    /// Enables a disabled endpoint again and closes its circuit (saved to the health store, and told
    /// to the observer). No effect without `dispatcher_params::health`. Thread-safe.
    void enable_endpoint(std::string webhook_id) {
        boost::asio::post(strand_, [this, id = std::move(webhook_id)] {
            if (health_)
                apply_health(id, health_->enable(id, now_ms(outbox_.clock())));
        });
    }

    /// Disables an endpoint by hand: its deliveries are made `dead` unsent until `enable_endpoint`.
    /// No effect without `dispatcher_params::health`. Thread-safe.
    void disable_endpoint(std::string webhook_id, std::string reason) {
        boost::asio::post(strand_, [this, id = std::move(webhook_id), r = std::move(reason)]() mutable {
            if (health_)
                apply_health(id, health_->disable(id, now_ms(outbox_.clock()), std::move(r)));
        });
    }

    dispatcher_stats stats() const noexcept {
        dispatcher_stats s;
        s.claims = claims_.load(std::memory_order_relaxed);
        s.claimed = claimed_.load(std::memory_order_relaxed);
        s.attempts = attempts_.load(std::memory_order_relaxed);
        s.succeeded = succeeded_.load(std::memory_order_relaxed);
        s.retried = retried_.load(std::memory_order_relaxed);
        s.dead = dead_.load(std::memory_order_relaxed);
        s.claims_lost = lost_.load(std::memory_order_relaxed);
        s.storage_errors = storage_errors_.load(std::memory_order_relaxed);
        s.abandoned = abandoned_.load(std::memory_order_relaxed);
        s.deferred = deferred_.load(std::memory_order_relaxed);
        s.refused = refused_.load(std::memory_order_relaxed);
        s.circuits_opened = circuits_opened_.load(std::memory_order_relaxed);
        s.endpoints_disabled = endpoints_disabled_.load(std::memory_order_relaxed);
        return s;
    }

private:
    template <class T>
    using awaitable = boost::asio::awaitable<T>;
    using steady = std::chrono::steady_clock;

    dispatcher(Executor ex, std::optional<boost::asio::any_io_executor> storage, Outbox& outbox, Sender& sender,
               dispatcher_params params, Policy policy)
        : strand_(boost::asio::make_strand(ex)), outbox_(outbox), sender_(sender), params_(std::move(params)),
          policy_(std::move(policy)),
          budget_{params_.request_timeout, connect_timeout(), params_.ack_margin, params_.claim_ttl},
          event_timer_(strand_), fifo_(params_.batch_size, params_.max_in_flight, budget_),
          rng_(std::random_device{}()) {
        error_code ec;
        diagnostics diag;
        if (!check(params_, connect_timeout(), ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
        if (storage) {
            storage_ = *storage;
        } else {
            owned_pool_ = std::make_unique<boost::asio::thread_pool>(1);
            storage_ = owned_pool_->get_executor();
        }
        round_ = detail::claim_round(params_.node_id, outbox_.params().partition_count, params_.batch_size,
                                     params_.claim_ttl);
        if (params_.wakeup)
            wakeup_id_ = params_.wakeup->subscribe([this] { notify(); });
        if (params_.health)
            health_.emplace(*params_.health);
    }

    std::chrono::milliseconds connect_timeout() const {
        if constexpr (requires(const Sender& s) {
                          { s.connect_timeout() } -> std::convertible_to<std::chrono::milliseconds>;
                      })
            return sender_.connect_timeout();
        else
            return std::chrono::milliseconds(0);
    }

    // Wakes the run loop (on the strand). A wake that arrives while the loop is busy is kept.
    void signal() {
        event_pending_ = true;
        event_timer_.cancel();
    }

    // Waits on the strand until `signal()` or `deadline`.
    awaitable<void> wait_event(steady::time_point deadline) {
        if (!event_pending_) {
            event_timer_.expires_at(deadline);
            co_await event_timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        event_pending_ = false;
    }

    // True once the token's cancellation slot was emitted; resets the state so that the drain
    // can go on awaiting.
    awaitable<bool> take_cancellation() {
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() == boost::asio::cancellation_type::none)
            co_return false;
        co_await boost::asio::this_coro::reset_cancellation_state();
        co_return true;
    }

    // Runs `f` on the storage executor and resumes on the strand with its result.
    template <class F>
    awaitable<std::invoke_result_t<F&>> on_storage(F f) {
        return detail::run_on(storage_, std::move(f));
    }

    awaitable<error_code> run() {
        if (running_)
            co_return make_error_code(boost::asio::error::already_started);
        running_ = true;
        // `stop_` is not cleared here: a `cancel()` that came before this run started stops it.
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        if (health_ && params_.health_store)
            co_await load_health();

        while (!stop_) {
            if (co_await take_cancellation())
                break;
            std::size_t room = params_.max_in_flight - in_flight_;
            std::vector<claim_options> batch = round_.plan(room);
            bool any = false;
            bool failed = false;
            if (!batch.empty()) {
                // Named, not a temporary inside the co_await expression: g++ 12 mishandles
                // non-trivial temporaries there.
                auto claim = [this, b = std::move(batch), room] {
                    error_code ec;
                    diagnostics diag;
                    auto rows = outbox_.claim_many(b, room, ec, diag);
                    return std::make_tuple(std::move(rows), ec, b.size());
                };
                auto claimed = co_await on_storage(std::move(claim));
                auto& [per_partition, ec, asked] = claimed;
                if (ec) {
                    storage_errors_.fetch_add(1, std::memory_order_relaxed);
                    failed = true;
                } else {
                    failed = per_partition.size() < asked;  // a storage error after some claims
                    claims_.fetch_add(std::min<std::size_t>(per_partition.size(), round_.partitions()),
                                      std::memory_order_relaxed);
                    if (failed)
                        storage_errors_.fetch_add(1, std::memory_order_relaxed);
                }
                round_.advance(per_partition);
                for (auto& rows : per_partition) {
                    claimed_.fetch_add(rows.size(), std::memory_order_relaxed);
                    any = any || !rows.empty();
                    for (auto& d : rows)
                        start(std::move(d));
                }
            }
            if (stop_)
                break;
            if (in_flight_ >= params_.max_in_flight)
                co_await wait_event(steady::time_point::max());
            else if (!any || failed)
                co_await wait_event(steady::now() + params_.poll_interval);
        }

        // Drain: no more claims; requests in flight finish or are cancelled; every ack is written.
        stop_ = true;
        co_await take_cancellation();
        abandon_waiting();
        auto drain_deadline = steady::now() + params_.drain_timeout;
        while (in_flight_ > 0 && steady::now() < drain_deadline) {
            co_await wait_event(drain_deadline);
            co_await take_cancellation();
        }
        if (in_flight_ > 0) {
            if constexpr (requires { sender_.cancel(); })
                sender_.cancel();
            while (in_flight_ > 0) {
                co_await wait_event(steady::time_point::max());
                co_await take_cancellation();
            }
        }
        while (flushing_ || !acks_.empty() || releasing_ || !releases_.empty() || saving_ || !saves_.empty()) {
            co_await wait_event(steady::time_point::max());
            co_await take_cancellation();
        }
        stop_ = false;  // the cancel is spent: a later run starts afresh
        running_ = false;
        co_return make_error_code(boost::asio::error::operation_aborted);
    }

    // A claimed row: admitted by endpoint health, then through the per-webhook FIFO, then sent.
    void start(delivery d) {
        if (health_) {
            auto a = health_->admit(d.webhook_id, now_ms(outbox_.clock()));
            if (a.decision != admission::verdict::send) {
                put_back(d, std::move(a));
                return;
            }
        }
        if (params_.per_webhook_fifo) {
            const timestamp now = now_ms(outbox_.clock());
            auto a = fifo_.arrive(d, now);
            if (a.decision == detail::fifo_arrival::verdict::wait)
                return;
            if (a.decision == detail::fifo_arrival::verdict::give_back) {
                // Admitted but not sent: a half-open circuit's probe must not wait for it.
                if (health_)
                    health_->abandon(d.webhook_id);
                give_back(d, now, a.release_at);
                return;
            }
        }
        launch(std::move(d));
    }

    // Sends `d`; its outcome comes back to `attempted` on the strand. No coroutine per request: the
    // delivery rides in the completion handler.
    void launch(delivery d) {
        ++in_flight_;
        timestamp started = now_ms(outbox_.clock());
        signing::scheme scheme = params_.scheme_for ? params_.scheme_for(d.webhook_id) : params_.default_scheme;
        error_code ec;
        diagnostics diag;
        auto unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count();
        outgoing_request req;
        if (const auto* keys = keys_for(d.secret, scheme, ec, diag))
            req = build_request(d, scheme, *keys, unix_seconds, params_.request_timeout, ec, diag);
        if (ec) {
            send_result r;
            r.error = diag.message();
            r.refused = true;
            boost::asio::post(strand_, sent{this, std::move(d), std::move(r)});
            return;
        }
        req.timeout = std::min(req.timeout, budget_.max_timeout());
        sender_.async_send(std::move(req), boost::asio::bind_executor(strand_, sent{this, std::move(d), {}}));
    }

    // The keys of a secret text under `s`, parsed once per distinct text (most deliveries of a
    // webhook share one) and kept in a bounded cache; null with `ec` set when the text does not
    // parse. The pointer is good until the next call.
    const std::vector<signing::secret>* keys_for(const std::string& text, signing::scheme s, error_code& ec,
                                                 diagnostics& diag) {
        static const std::vector<signing::secret> none;
        ec.clear();
        if (text.empty() || s == signing::scheme::none)
            return &none;
        auto& cache = keys_[s == signing::scheme::objectstack ? 1 : 0];
        if (auto it = cache.find(text); it != cache.end())
            return &it->second;
        auto keys = parse_secrets(text, s, ec, diag);
        if (ec)
            return nullptr;
        if (cache.size() >= 1024)
            cache.clear();
        return &cache.emplace(text, std::move(keys)).first->second;
    }

    // The completion handler of one request: carries its delivery.
    struct sent {
        dispatcher* self;
        delivery d;
        send_result refused;
        void operator()(error_code, send_result r) { self->attempted(d, std::move(r)); }
        void operator()() { self->attempted(d, std::move(refused)); }
    };

    // Decides the outcome of an attempt of `d` and queues its ack.
    void attempted(delivery& d, send_result r) {
        attempts_.fetch_add(1, std::memory_order_relaxed);
        if (health_) {
            // A request that never left (refused by the sender) says nothing of the endpoint.
            if (r.refused)
                health_->abandon(d.webhook_id);
            else
                apply_health(d.webhook_id, health_->record(d.webhook_id, r.http_status, now_ms(outbox_.clock())));
        }
        double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        attempt_result a = policy_.decide(d.attempts, std::move(r), now_ms(outbox_.clock()), u);
        switch (a.outcome) {
        case attempt_outcome::success: succeeded_.fetch_add(1, std::memory_order_relaxed); break;
        case attempt_outcome::retry: retried_.fetch_add(1, std::memory_order_relaxed); break;
        case attempt_outcome::dead: dead_.fetch_add(1, std::memory_order_relaxed); break;
        }
        queue_ack(ack_entry::for_claimed(d, std::move(a)));
        --in_flight_;
        if (params_.per_webhook_fifo)
            next_of(d.webhook_id);
        signal();
    }

    // Per-webhook FIFO: after an attempt of `webhook`, launch its next waiting row, give back the
    // rows that can no longer go in order, or free it.
    void next_of(const std::string& webhook) {
        const timestamp now = now_ms(outbox_.clock());
        detail::fifo_next n = fifo_.finished(webhook, now, stop_);
        if (n.next) {
            launch(std::move(*n.next));
            return;
        }
        give_back(n.released, now);
    }

    // The run stops: the rows waiting for their webhook's turn go back unsent.
    void abandon_waiting() {
        const timestamp now = now_ms(outbox_.clock());
        for (const auto& r : fifo_.stop(now))
            give_back(r, now);
    }

    void queue_ack(ack_entry e) {
        acks_.push_back(std::move(e));
        if (!flushing_) {
            flushing_ = true;
            boost::asio::co_spawn(strand_, flush(), boost::asio::detached);
        }
    }

    // Writes the collected acks in batches until none are left.
    awaitable<void> flush() {
        while (!acks_.empty()) {
            std::vector<ack_entry> batch;
            batch.swap(acks_);
            auto ack = [this, b = std::move(batch)]() mutable {
                error_code ec;
                diagnostics diag;
                auto errors = outbox_.ack_many(std::move(b), ec, diag);
                return std::make_pair(std::move(errors), ec);
            };
            auto acked = co_await on_storage(std::move(ack));
            auto& [errors, ec] = acked;
            if (ec)
                storage_errors_.fetch_add(1, std::memory_order_relaxed);
            for (const auto& e : errors) {
                if (e == errc::claim_lost)
                    lost_.fetch_add(1, std::memory_order_relaxed);
                else if (e)
                    storage_errors_.fetch_add(1, std::memory_order_relaxed);
            }
        }
        flushing_ = false;
        signal();
    }

    // ----- endpoint health -----

    // Loads the persisted endpoint health (on the storage executor) into `health_`.
    awaitable<void> load_health() {
        auto load = [store = params_.health_store] {
            error_code ec;
            diagnostics diag;
            auto states = store->load(ec, diag);
            return std::make_pair(std::move(states), ec);
        };
        auto loaded = co_await on_storage(std::move(load));
        auto& [states, ec] = loaded;
        if (ec)
            storage_errors_.fetch_add(1, std::memory_order_relaxed);
        for (auto& [id, st] : states)
            health_->restore(std::move(id), std::move(st));
    }

    // Saves a changed endpoint state and tells the observer of an event.
    void apply_health(const std::string& webhook_id, health_update u) {
        if (u.event) {
            if (u.event->type == endpoint_event::kind::circuit_opened)
                circuits_opened_.fetch_add(1, std::memory_order_relaxed);
            else if (u.event->type == endpoint_event::kind::disabled)
                endpoints_disabled_.fetch_add(1, std::memory_order_relaxed);
            if constexpr (requires { outbox_.observer(); })
                detail::notify_endpoint_event(outbox_.observer(), *u.event);
        }
        if (u.changed && params_.health_store) {
            saves_[webhook_id] = std::move(u.state);
            if (!saving_) {
                saving_ = true;
                boost::asio::co_spawn(strand_, flush_saves(), boost::asio::detached);
            }
        }
    }

    // Writes the latest state of each changed endpoint, one call at a time, until none is left.
    awaitable<void> flush_saves() {
        while (!saves_.empty()) {
            std::map<std::string, endpoint_state> batch;
            batch.swap(saves_);
            auto save = [store = params_.health_store, b = std::move(batch)] {
                std::size_t failed = 0;
                for (const auto& [id, st] : b) {
                    error_code ec;
                    diagnostics diag;
                    store->save(id, st, ec, diag);
                    failed += ec ? 1 : 0;
                }
                return failed;
            };
            auto failed = co_await on_storage(std::move(save));
            storage_errors_.fetch_add(failed, std::memory_order_relaxed);
        }
        saving_ = false;
        signal();
    }

    // A claimed row that is not sent now: back to `pending` until `a.not_before`, or `dead` when
    // its endpoint is disabled. No attempt is counted.
    void put_back(const delivery& d, admission a) {
        release_request r;
        r.now = now_ms(outbox_.clock());
        if (a.decision == admission::verdict::refuse) {
            refused_.fetch_add(1, std::memory_order_relaxed);
            r.status = delivery_status::dead;
            r.error = std::move(a.reason);
        } else {
            deferred_.fetch_add(1, std::memory_order_relaxed);
            r.status = delivery_status::pending;
            r.next_retry_at = a.not_before;
        }
        queue_release(d, std::move(r));
    }

    // Releases a claimed row that this node will not send (per-webhook FIFO, stop) to `pending`,
    // claimable at `at` (the FIFO's answer: once the webhook's request in flight here can have
    // ended and been acked, so that another node does not overtake it); no attempt is counted.
    void give_back(const delivery& d, timestamp now, timestamp at) {
        abandoned_.fetch_add(1, std::memory_order_relaxed);
        release_request r;
        r.now = now;
        r.status = delivery_status::pending;
        r.next_retry_at = at;
        queue_release(d, std::move(r));
    }

    // Gives back the rows of one webhook; they were admitted, so a half-open circuit's probe must
    // not wait for them.
    void give_back(const detail::fifo_release& r, timestamp now) {
        if (r.rows.empty())
            return;
        if (health_)
            health_->abandon(r.rows.front().webhook_id);
        for (const auto& d : r.rows)
            give_back(d, now, r.release_at);
    }

    void queue_release(const delivery& d, release_request r) {
        releases_.emplace_back(claim_ref{d.id, d.sequence, d.claim_token}, std::move(r));
        if (!releasing_) {
            releasing_ = true;
            boost::asio::co_spawn(strand_, flush_releases(), boost::asio::detached);
        }
    }

    // Writes the collected releases, one storage call per run of rows that share a release.
    awaitable<void> flush_releases() {
        while (!releases_.empty()) {
            std::vector<std::pair<claim_ref, release_request>> batch;
            batch.swap(releases_);
            auto release = [this, b = std::move(batch)] {
                std::size_t lost = 0, failed = 0;
                std::vector<claim_ref> refs;
                for (std::size_t i = 0; i < b.size();) {
                    std::size_t j = i;
                    refs.clear();
                    while (j < b.size() && b[j].second.status == b[i].second.status &&
                           b[j].second.next_retry_at == b[i].second.next_retry_at &&
                           b[j].second.error == b[i].second.error)
                        refs.push_back(b[j++].first);
                    error_code ec;
                    diagnostics diag;
                    auto errors = outbox_.release(refs, b[i].second, ec, diag);
                    if (ec)
                        failed += refs.size();
                    for (const auto& e : errors) {
                        if (e == errc::claim_lost)
                            ++lost;
                        else if (e)
                            ++failed;
                    }
                    i = j;
                }
                return std::make_pair(lost, failed);
            };
            auto done = co_await on_storage(std::move(release));
            lost_.fetch_add(done.first, std::memory_order_relaxed);
            storage_errors_.fetch_add(done.second, std::memory_order_relaxed);
        }
        releasing_ = false;
        signal();
    }

    executor_type strand_;
    Outbox& outbox_;
    Sender& sender_;
    dispatcher_params params_;
    Policy policy_;
    // The decisions are sans-io (dispatch/detail/); this class drives them with the outbox's clock,
    // the storage calls and the sender, and does what they answer.
    detail::request_budget budget_;
    std::unique_ptr<boost::asio::thread_pool> owned_pool_;
    boost::asio::any_io_executor storage_;
    detail::claim_round round_;
    std::uint64_t wakeup_id_ = 0;

    // Strand state.
    boost::asio::steady_timer event_timer_;
    bool event_pending_ = false;
    bool running_ = false;
    bool stop_ = false;
    std::size_t in_flight_ = 0;
    std::vector<ack_entry> acks_;
    bool flushing_ = false;
    detail::webhook_fifo fifo_;
    std::minstd_rand rng_;
    std::optional<endpoint_health> health_;
    std::vector<std::pair<claim_ref, release_request>> releases_;
    bool releasing_ = false;
    std::map<std::string, endpoint_state> saves_;
    bool saving_ = false;
    // Parsed signing keys by secret text: Standard Webhooks, ObjectStack.
    std::array<std::unordered_map<std::string, std::vector<signing::secret>>, 2> keys_;

    std::atomic<bool> notify_pending_{false};
    std::atomic<std::uint64_t> claims_{0}, claimed_{0}, attempts_{0}, succeeded_{0}, retried_{0}, dead_{0}, lost_{0},
        storage_errors_{0}, abandoned_{0}, deferred_{0}, refused_{0}, circuits_opened_{0}, endpoints_disabled_{0};
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_DISPATCHER_HPP
