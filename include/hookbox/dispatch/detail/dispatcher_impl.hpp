//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_DISPATCHER_IMPL_HPP
#define HOOKBOX_DISPATCH_DETAIL_DISPATCHER_IMPL_HPP

// The state and the run of a `dispatcher`. The front object (`dispatcher.hpp`) holds it by
// `std::shared_ptr`, and so does every piece of work it queues (the run coroutine, the ack, release
// and save writers, each request's completion, posted calls), so destroying the front with work
// queued is safe: the destructor asks for a stop, and the implementation lives until its last
// operation has ended. Everything below runs on the strand unless it says otherwise.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/dispatch/detail/endpoint_lines.hpp>
#include <hookbox/dispatch/detail/fifo.hpp>
#include <hookbox/dispatch/detail/health_sync.hpp>
#include <hookbox/dispatch/detail/request_budget.hpp>
#include <hookbox/dispatch/detail/round.hpp>
#include <hookbox/dispatch/dispatcher_params.hpp>
#include <hookbox/dispatch/dispatcher_stats.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/dispatch/request.hpp>
#include <hookbox/dispatch/wakeup.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/storage/concept.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox::detail {

// A storage failure that may pass if the same call is made again later; any other whole-batch
// error (an invalid result) would fail again.
inline bool worth_retrying(const error_code& ec) noexcept {
    return ec == errc::storage_busy || ec == errc::storage_failure;
}

// The delay before the `n`th retry (from 0) of a storage write that failed: 10 ms, doubling, at most
// `cap` (the poll interval) and at most 5 s.
inline std::chrono::milliseconds storage_retry_delay(unsigned n, std::chrono::milliseconds cap) noexcept {
    auto d = std::chrono::milliseconds(std::int64_t(10) << std::min(n, 16u));
    return std::min({d, std::max(cap, std::chrono::milliseconds(10)), std::chrono::milliseconds(5000)});
}

template <class Outbox, class Sender, class Executor, class Policy, class TimerClock>
class dispatcher_impl : public std::enable_shared_from_this<dispatcher_impl<Outbox, Sender, Executor, Policy, TimerClock>> {
public:
    using executor_type = boost::asio::strand<Executor>;
    using self_ptr = std::shared_ptr<dispatcher_impl>;

    dispatcher_impl(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox, Sender& sender,
                    dispatcher_params params, Policy policy, std::chrono::milliseconds connect_timeout)
        : strand_(boost::asio::make_strand(ex)), outbox_(outbox), sender_(sender), params_(std::move(params)),
          policy_(std::move(policy)),
          budget_{params_.request_timeout, connect_timeout, params_.ack_margin, params_.claim_ttl},
          storage_(std::move(storage)),
          round_(params_.node_id, outbox_.params().partition_count, params_.batch_size, params_.claim_ttl),
          event_timer_(strand_), retry_timer_(strand_), fifo_(params_.batch_size, params_.max_in_flight, budget_),
          lines_(params_.max_in_flight_per_endpoint),
          rng_(std::random_device{}()) {
        if (params_.health)
            health_.emplace(*params_.health);
    }

    const executor_type& get_executor() const noexcept { return strand_; }
    const dispatcher_params& params() const noexcept { return params_; }
    const boost::asio::any_io_executor& storage_executor() const noexcept { return storage_; }

    // Subscribes to the shared wakeup, if any; a notification that comes after the implementation is
    // gone is ignored. Called once, after construction.
    void subscribe() {
        if (params_.wakeup)
            wakeup_id_ = params_.wakeup->subscribe([w = this->weak_from_this()] {
                if (auto self = w.lock())
                    self->notify();
            });
    }

    // The front object is gone: no more wakeups, and a run going on stops (drains). Thread-safe.
    void close() {
        if (params_.wakeup)
            params_.wakeup->unsubscribe(wakeup_id_);
        cancel();
    }

    void cancel() {
        boost::asio::post(strand_, [self = this->shared_from_this()] {
            self->stop_ = true;
            self->signal();
            self->retry_timer_.cancel();  // a write waiting to be retried goes now, under the drain deadline
        });
    }

    void notify() {
        if (!notify_pending_.exchange(true, std::memory_order_acq_rel))
            boost::asio::post(strand_, [self = this->shared_from_this()] {
                self->notify_pending_.store(false, std::memory_order_release);
                self->signal();
            });
    }

    void enable_endpoint(std::string webhook_id) {
        boost::asio::post(strand_, [self = this->shared_from_this(), id = std::move(webhook_id)] {
            if (self->health_)
                self->apply_health(id, self->health_->enable(id, now_ms(self->outbox_.clock())));
        });
    }

    void disable_endpoint(std::string webhook_id, std::string reason) {
        boost::asio::post(strand_, [self = this->shared_from_this(), id = std::move(webhook_id),
                                    r = std::move(reason)]() mutable {
            if (self->health_)
                self->apply_health(id, self->health_->disable(id, now_ms(self->outbox_.clock()), std::move(r)));
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
        s.writes_retried = writes_retried_.load(std::memory_order_relaxed);
        s.writes_abandoned = writes_abandoned_.load(std::memory_order_relaxed);
        s.send_refused = send_refused_.load(std::memory_order_relaxed);
        return s;
    }

    // The run: claims and sends until a stop, then drains. Holds `self` for its whole life.
    static boost::asio::awaitable<error_code> run(self_ptr self) { co_return co_await self->run_loop(); }

private:
    template <class T>
    using awaitable = boost::asio::awaitable<T>;
    using timer_type = boost::asio::basic_waitable_timer<TimerClock>;
    using time_point = typename TimerClock::time_point;

    // ----- events -----

    // Wakes the run loop (on the strand). A wake that arrives while the loop is busy is kept.
    void signal() {
        event_pending_ = true;
        event_timer_.cancel();
    }

    // Waits on the strand until `signal()` or `deadline`.
    awaitable<void> wait_event(time_point deadline) {
        if (!event_pending_) {
            event_timer_.expires_at(deadline);
            co_await event_timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        event_pending_ = false;
    }

    // True once the token's cancellation slot was emitted; resets the state so that the drain
    // can go on awaiting.
    static awaitable<bool> take_cancellation() {
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

    // Counts a failed step and tells the observer.
    void report(const error_code& ec, const diagnostics& diag, std::string_view what) {
        storage_errors_.fetch_add(1, std::memory_order_relaxed);
        if constexpr (requires { outbox_.observer(); })
            detail::notify_error(outbox_.observer(), ec, diag, what);
    }

    // ----- the run -----

    awaitable<error_code> run_loop() {
        if (running_)
            co_return make_error_code(boost::asio::error::already_started);
        running_ = true;
        // `stop_` is not cleared here: a `cancel()` that came before this run started stops it.
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        if (health_ && params_.health_store) {
            reload_.start(TimerClock::now(), health_->params().reload_interval);
            co_await read_health(true);
        }

        while (!stop_) {
            if (co_await take_cancellation())
                break;
            if (health_ && params_.health_store && reload_.due(TimerClock::now(), saving_))
                co_await read_health(false);
            evict_held();
            std::size_t room =
                params_.max_in_flight - std::min(params_.max_in_flight, in_flight_ + lines_.held());
            std::vector<claim_options> batch = round_.plan(room);
            bool any = false;
            bool failed = false;
            if (!batch.empty()) {
                // Named, not a temporary inside the co_await expression: g++ 12 mishandles
                // non-trivial temporaries there.
                auto claim = [ob = &outbox_, b = std::move(batch), room] {
                    error_code ec;
                    diagnostics diag;
                    auto rows = ob->claim_many(b, room, ec, diag);
                    return std::make_tuple(std::move(rows), ec, std::move(diag), b.size());
                };
                auto claimed = co_await on_storage(std::move(claim));
                auto& [per_partition, ec, diag, asked] = claimed;
                if (ec) {
                    report(ec, diag, "claim");
                    failed = true;
                } else {
                    failed = per_partition.size() < asked;  // a storage error after some claims
                    claims_.fetch_add(std::min<std::size_t>(per_partition.size(), round_.partitions()),
                                      std::memory_order_relaxed);
                    if (failed)
                        report(make_error_code(errc::storage_failure), diag, "claim");
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
            if (room == 0 || in_flight_ + lines_.held() >= params_.max_in_flight)
                co_await wait_event(lines_.oldest() ? *lines_.oldest() + params_.poll_interval
                                                    : time_point::max());
            else if (!any || failed)
                co_await wait_event(TimerClock::now() + params_.poll_interval);
        }

        // Drain: no more claims; requests in flight finish or are cancelled; every ack is written
        // (writes that keep failing are retried until the drain deadline).
        stop_ = true;
        co_await take_cancellation();
        abandon_waiting();
        const time_point deadline = TimerClock::now() + params_.drain_timeout;
        drain_deadline_ = deadline;
        while (in_flight_ > 0 && TimerClock::now() < deadline) {
            co_await wait_event(deadline);
            co_await take_cancellation();
        }
        if (in_flight_ > 0) {
            if constexpr (requires { sender_.cancel(); })
                sender_.cancel();
            while (in_flight_ > 0) {
                co_await wait_event(time_point::max());
                co_await take_cancellation();
            }
        }
        while (flushing_ || !acks_.empty() || releasing_ || !releases_.empty() || saving_ || !saves_.empty()) {
            co_await wait_event(time_point::max());
            co_await take_cancellation();
        }
        stop_ = false;  // the cancel is spent: a later run starts afresh
        drain_deadline_.reset();
        running_ = false;
        co_return make_error_code(boost::asio::error::operation_aborted);
    }

    // A claimed row: admitted by endpoint health, then the per-webhook FIFO or the endpoint's cap; sent.
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
        } else if (!lines_.arrive(d, TimerClock::now())) {
            return;  // held until the endpoint has a free slot
        }
        launch(std::move(d));
    }

    // After a request of `webhook`: its next held row takes the slot, or is given back if it cannot.
    void next_held(const std::string& webhook) {
        while (auto next = lines_.finished(webhook)) {
            const timestamp now = now_ms(outbox_.clock());
            if (!stop_ && budget_.fits_claim(*next, now))
                return launch(std::move(*next));
            give_back(detail::fifo_release{{std::move(*next)}, now}, now);
        }
    }

    // Held rows that fill the room go back after `poll_interval`, until their endpoint's requests end.
    void evict_held() {
        if (in_flight_ + lines_.held() < params_.max_in_flight)
            return;
        const timestamp now = now_ms(outbox_.clock());
        for (auto& d : lines_.evict(TimerClock::now() - params_.poll_interval)) {
            if (health_)
                health_->abandon(d.webhook_id);
            put_back(d, admission{admission::verdict::defer, now + budget_.of(d), {}});
        }
    }

    // The completion handler of one request: carries its delivery and the implementation.
    struct sent {
        self_ptr self;
        std::optional<std::string> traceparent;  // the header the request carried, for its attempt record
        delivery d;
        send_result refused;
        error_code refused_ec;
        void operator()(error_code ec, send_result r) { self->attempted(d, ec, std::move(r), std::move(traceparent)); }
        void operator()() { self->attempted(d, refused_ec, std::move(refused), std::nullopt); }
    };

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
        if (const auto* keys = keys_.keys_for(d.secret, scheme, ec, diag))
            req = build_request(d, scheme, *keys, unix_seconds, params_.request_timeout, ec, diag);
        if (ec) {
            send_result r;
            r.error = diag.message();
            r.refused = true;
            boost::asio::post(strand_, sent{this->shared_from_this(), std::nullopt, std::move(d), std::move(r), ec});
            return;
        }
        req.timeout = std::min(req.timeout, budget_.max_timeout());
        // The traceparent is read before `d` is moved (braced initialisers run in order).
        sent done{this->shared_from_this(), d.traceparent ? traceparent_of(req) : std::nullopt, std::move(d), {}, {}};
        sender_.async_send(std::move(req), boost::asio::bind_executor(strand_, std::move(done)));
    }

    // Decides the outcome of an attempt of `d` and queues its ack. A request the sender refused
    // before sending it (it never left) is reported: it makes the delivery dead, and its cause (an
    // address the policy forbids, most often) is something the user must see.
    void attempted(delivery& d, const error_code& ec, send_result r, std::optional<std::string> traceparent) {
        attempts_.fetch_add(1, std::memory_order_relaxed);
        if (r.refused) {
            send_refused_.fetch_add(1, std::memory_order_relaxed);
            if constexpr (requires { outbox_.observer(); }) {
                diagnostics diag;
                diag.assign("url", "delivery " + d.id.to_string() + " to webhook '" + d.webhook_id +
                                       "' was refused before sending: " + r.error);
                detail::notify_error(outbox_.observer(), ec ? ec : make_error_code(errc::invalid_url), diag, "send");
            }
        }
        if (health_) {
            // A request that never left (refused by the sender) says nothing of the endpoint.
            if (r.refused)
                health_->abandon(d.webhook_id);
            else
                apply_health(d.webhook_id, health_->record(d.webhook_id, r.http_status, now_ms(outbox_.clock())));
        }
        double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
        attempt_result a = policy_.decide(d.attempts, std::move(r), now_ms(outbox_.clock()), u);
        a.traceparent = std::move(traceparent);
        switch (a.outcome) {
        case attempt_outcome::success: succeeded_.fetch_add(1, std::memory_order_relaxed); break;
        case attempt_outcome::retry: retried_.fetch_add(1, std::memory_order_relaxed); break;
        case attempt_outcome::dead: dead_.fetch_add(1, std::memory_order_relaxed); break;
        }
        queue_ack(ack_entry::for_claimed(d, std::move(a)));
        --in_flight_;
        if (params_.per_webhook_fifo)
            next_of(d.webhook_id);
        else
            next_held(d.webhook_id);
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
        for (auto& d : lines_.take_all())
            give_back(detail::fifo_release{{std::move(d)}, now}, now);
    }

    // ----- writing acks and releases -----

    void queue_ack(ack_entry e) {
        acks_.push_back(std::move(e));
        if (!flushing_) {
            flushing_ = true;
            boost::asio::co_spawn(strand_, flush_acks(this->shared_from_this()), boost::asio::detached);
        }
    }

    // Keeps `failed` (a batch the storage did not take) in front of what was queued since, unless
    // the run is stopping and its drain deadline has passed: then the batch is given up (its claims
    // expire and the rows are sent again). Returns whether to retry.
    template <class Entry>
    bool keep_for_retry(std::vector<Entry>& failed, std::vector<Entry>& queue, std::string_view what) {
        if (failed.empty())
            return false;
        if (stop_ && drain_deadline_ && TimerClock::now() >= *drain_deadline_) {
            writes_abandoned_.fetch_add(failed.size(), std::memory_order_relaxed);
            diagnostics diag;
            diag.assign(std::string(what), std::to_string(failed.size()) + " " + std::string(what) +
                                               " writes given up at the end of the drain: the storage did not " +
                                               "take them in time; their claims will expire and the rows be sent again");
            report(make_error_code(errc::storage_failure), diag,
                   what == "ack" ? std::string_view("ack.abandoned") : std::string_view("release.abandoned"));
            failed.clear();
            return false;
        }
        writes_retried_.fetch_add(1, std::memory_order_relaxed);
        failed.insert(failed.end(), std::make_move_iterator(queue.begin()), std::make_move_iterator(queue.end()));
        queue.swap(failed);
        return true;
    }

    // Waits before writing again a batch the storage did not take: the `n`th delay of
    // `storage_retry_delay`, cut short by the drain deadline.
    awaitable<void> retry_pause(unsigned n) {
        auto until = TimerClock::now() + storage_retry_delay(n, params_.poll_interval);
        if (stop_ && drain_deadline_)
            until = std::min(until, *drain_deadline_);
        retry_timer_.expires_at(until);
        co_await retry_timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }

    // Writes the collected acks in batches until none are left. A batch the storage failed as a
    // whole is kept and written again with backoff until the storage takes it; entries whose claim
    // was lost are dropped (the row was reaped or taken over: its ack must not apply).
    static awaitable<void> flush_acks(self_ptr self) { co_await self->flush_acks_loop(); }

    struct ack_written {
        std::vector<ack_entry> batch;
        std::vector<error_code> errors;
        error_code ec;
        diagnostics diag;
    };

    awaitable<void> flush_acks_loop() {
        unsigned failures = 0;
        while (!acks_.empty()) {
            ack_written w;
            w.batch.swap(acks_);
            auto ack = [ob = &outbox_, w = std::move(w)]() mutable {
                w.errors = ob->ack_many(std::span<const ack_entry>(w.batch), w.ec, w.diag);
                return std::move(w);
            };
            ack_written done = co_await on_storage(std::move(ack));
            std::vector<ack_entry> again;
            if (done.ec) {
                report(done.ec, done.diag, "ack");
                if (worth_retrying(done.ec))
                    again = std::move(done.batch);
            } else {
                for (std::size_t i = 0; i < done.errors.size(); ++i) {
                    const auto& e = done.errors[i];
                    if (e == errc::claim_lost)
                        lost_.fetch_add(1, std::memory_order_relaxed);
                    else if (worth_retrying(e))
                        again.push_back(std::move(done.batch[i]));
                    else if (e) {
                        diagnostics diag;
                        diag.assign("id", "the ack of delivery " + done.batch[i].id.to_string() +
                                              " was not applied: " + e.message());
                        report(e, diag, "ack");
                    }
                }
            }
            if (keep_for_retry(again, acks_, "ack"))
                co_await retry_pause(failures++);
            else
                failures = 0;
        }
        flushing_ = false;
        signal();
    }

    // ----- endpoint health -----

    // Reads the endpoint health kept in the store (on the storage executor): when a run starts it is
    // restored; later (`reload_`) the disables and enables made there by others are followed, unless
    // the read failed (a partial read must not enable what it could not read).
    awaitable<void> read_health(bool at_start) {
        const std::uint64_t epoch = reload_.begin(TimerClock::now());
        auto load = [store = params_.health_store] { return detail::load_health(*store); };
        auto loaded = co_await on_storage(std::move(load));
        if (loaded.ec)
            report(loaded.ec, loaded.diag, "health.load");
        if (at_start) {
            for (auto& [id, st] : loaded.states)
                health_->restore(std::move(id), std::move(st));
        } else if (!loaded.ec && reload_.may_apply(epoch, TimerClock::now())) {
            const timestamp now = now_ms(outbox_.clock());
            for (auto& c : detail::operator_changes(loaded.states, *health_))
                apply_health(c.webhook_id, c.disable ? health_->disable(c.webhook_id, now, std::move(c.reason))
                                                     : health_->enable(c.webhook_id, now));
        }
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
            auto& s = saves_[webhook_id];
            s.decides = s.decides || decides(u);
            s.state = std::move(u.state);
            if (!saving_) {
                saving_ = true;
                boost::asio::co_spawn(strand_, flush_saves(this->shared_from_this()), boost::asio::detached);
            }
        }
    }

    // Writes the latest state of each changed endpoint, one call at a time, until none is left. A
    // state that failed to save is kept (unless a newer one came meanwhile) and saved again later.
    static awaitable<void> flush_saves(self_ptr self) { co_await self->flush_saves_loop(); }

    awaitable<void> flush_saves_loop() {
        unsigned failures = 0;
        while (!saves_.empty()) {
            std::map<std::string, health_save> batch;
            batch.swap(saves_);
            reload_.saving();
            auto save = [store = params_.health_store, b = std::move(batch)]() mutable {
                return save_health(*store, std::move(b));
            };
            auto saved = co_await on_storage(std::move(save));
            if (saved.ec) {
                report(saved.ec, saved.diag, "health.save");
                if (stop_ && drain_deadline_ && TimerClock::now() >= *drain_deadline_)
                    break;
                requeue(saves_, std::move(saved.failed));
                co_await retry_pause(failures++);
            } else {
                failures = 0;
            }
        }
        saves_.clear();
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

    using release_entry = std::pair<claim_ref, release_request>;

    void queue_release(const delivery& d, release_request r) {
        releases_.emplace_back(claim_ref{d.id, d.sequence, d.claim_token}, std::move(r));
        if (!releasing_) {
            releasing_ = true;
            boost::asio::co_spawn(strand_, flush_releases(this->shared_from_this()), boost::asio::detached);
        }
    }

    // Writes the collected releases, one storage call per run of rows that share a release; runs the
    // storage failed are kept and written again with backoff, as acks are.
    static awaitable<void> flush_releases(self_ptr self) { co_await self->flush_releases_loop(); }

    struct release_written {
        std::vector<release_entry> again;
        std::size_t lost = 0;
        error_code ec;
        diagnostics diag;
    };

    awaitable<void> flush_releases_loop() {
        unsigned failures = 0;
        while (!releases_.empty()) {
            std::vector<release_entry> batch;
            batch.swap(releases_);
            auto release = [ob = &outbox_, b = std::move(batch)]() mutable {
                release_written w;
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
                    auto errors = ob->release(refs, b[i].second, ec, diag);
                    for (std::size_t k = i; k < j; ++k) {
                        const error_code& e = ec ? ec : errors[k - i];
                        if (e == errc::claim_lost)
                            ++w.lost;
                        else if (worth_retrying(e))
                            w.again.push_back(std::move(b[k]));
                    }
                    if (ec && !w.ec) {
                        w.ec = ec;
                        w.diag = std::move(diag);
                    }
                    i = j;
                }
                return w;
            };
            release_written done = co_await on_storage(std::move(release));
            lost_.fetch_add(done.lost, std::memory_order_relaxed);
            if (done.ec)
                report(done.ec, done.diag, "release");
            if (keep_for_retry(done.again, releases_, "release"))
                co_await retry_pause(failures++);
            else
                failures = 0;
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
    boost::asio::any_io_executor storage_;
    detail::claim_round round_;
    std::uint64_t wakeup_id_ = 0;

    // Strand state.
    timer_type event_timer_;
    timer_type retry_timer_;
    bool event_pending_ = false;
    bool running_ = false;
    bool stop_ = false;
    std::optional<time_point> drain_deadline_;
    std::size_t in_flight_ = 0;
    std::vector<ack_entry> acks_;
    bool flushing_ = false;
    detail::webhook_fifo fifo_;
    detail::endpoint_lines<time_point> lines_;
    std::minstd_rand rng_;
    std::optional<endpoint_health> health_;
    std::vector<release_entry> releases_;
    bool releasing_ = false;
    std::map<std::string, health_save> saves_;
    bool saving_ = false;
    detail::health_reload<time_point> reload_;
    // Parsed signing keys by secret text: Standard Webhooks, ObjectStack.
    detail::secret_cache keys_;

    std::atomic<bool> notify_pending_{false};
    std::atomic<std::uint64_t> claims_{0}, claimed_{0}, attempts_{0}, succeeded_{0}, retried_{0}, dead_{0}, lost_{0},
        storage_errors_{0}, abandoned_{0}, deferred_{0}, refused_{0}, circuits_opened_{0}, endpoints_disabled_{0},
        writes_retried_{0}, writes_abandoned_{0}, send_refused_{0};
};

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_DETAIL_DISPATCHER_IMPL_HPP
