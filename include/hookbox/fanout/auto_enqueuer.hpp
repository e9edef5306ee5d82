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

#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/fan_out.hpp>
#include <hookbox/fanout/subscription.hpp>
#include <hookbox/fanout/subscription_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// What an `auto_enqueuer` needs of an outbox: `enqueue` with an error code (every `basic_outbox`).
template <class O>
concept fanout_outbox = requires(O& o, enqueue_request r, error_code& ec, diagnostics& diag) {
    { o.enqueue(std::move(r), ec, diag) } -> std::convertible_to<enqueue_result>;
};

/// Which operation an `on_error` report is about.
enum class fanout_operation : unsigned char {
    /// Enqueueing one delivery failed (`webhook_id`, `webhook_name` and `event_id` say which).
    enqueue,
    /// Loading the subscriptions failed; the previous cache stays in use.
    refresh,
    /// A published event was not fanned out: its payload is not a JSON object
    /// (`errc::invalid_payload`), `publish` refused it (`boost::asio::error::operation_aborted`: no
    /// run was going on, or it was stopping; `boost::asio::error::no_buffer_space`: too many events
    /// held already), or the run stopped before any load of the subscriptions succeeded
    /// (`boost::asio::error::operation_aborted`).
    event,
};

constexpr std::string_view to_string(fanout_operation o) noexcept {
    switch (o) {
    case fanout_operation::enqueue: return "enqueue";
    case fanout_operation::refresh: return "refresh";
    case fanout_operation::event: return "event";
    }
    return "unknown";
}

/// One failure of an `auto_enqueuer`, as `on_error` receives it. Never contains a secret.
struct fanout_error {
    fanout_operation operation = fanout_operation::enqueue;
    /// The subscription (for `enqueue`), else empty.
    std::string webhook_id{};
    /// Its name (its id when it has none), for `enqueue`; else empty.
    std::string webhook_name{};
    /// The event id: for `enqueue`, and for an `event` that would fan out (a `data.record.*`
    /// action on an object); else empty.
    std::string event_id{};
    error_code ec{};
    /// The field at fault, as the diagnostics name it (`url`, `headers[0].value`), or empty.
    std::string field{};
    /// The diagnostics message: the field and the rule it broke, or what failed.
    std::string message{};
};

/// Parameters of an `auto_enqueuer`, fixed at construction.
struct auto_enqueuer_params {
    /// How often the run reloads the subscriptions; zero or less turns the periodic refresh off
    /// (changes are then seen through self-heal and `refresh()` only). The ObjectStack outbox's
    /// default, 60 s.
    std::chrono::milliseconds refresh_interval{60000};
    /// The object whose data events change the subscriptions (the ObjectStack outbox's
    /// `sys_webhook`): its `data.record.*` events refresh the cache and are never fanned out. Not
    /// empty.
    std::string subscriptions_object = std::string(default_subscriptions_object);
    /// Told of every failure: enqueues, loads of the run, rejected, refused and dropped events.
    /// Called on the storage executor, except for an event `publish` refuses, which is reported on
    /// the publisher's thread before `publish` returns; several calls may run at once (several
    /// storage threads, several publishers). It should return quickly and must not destroy the
    /// enqueuer; what it throws is ignored.
    std::function<void(const fanout_error&)> on_error{};
    /// How many events a run holds while no load of the subscriptions has succeeded yet (the run
    /// has just been launched, or its first loads failed and are being retried); `publish` refuses
    /// more, reporting each. 0 refuses every event until the first load. 10000.
    std::size_t max_held_events = 10000;
};

/// Counters of an `auto_enqueuer` since construction. Read from any thread.
///
/// Each matched delivery ends as exactly one of enqueued, duplicate or failed; when
/// `enqueued + duplicates + failed == matched`, every enqueue posted so far has finished. Each
/// event `publish` is given is counted in exactly one of `events` and `refused`.
struct auto_enqueuer_stats {
    /// Events `publish` accepted (while a run was going on), self-heal and held events included.
    std::uint64_t events = 0;
    /// Deliveries matched: one per (event, matching subscription).
    std::uint64_t matched = 0;
    /// Deliveries stored.
    std::uint64_t enqueued = 0;
    /// Deliveries the outbox had already (`enqueue_result::created == false`): replays.
    std::uint64_t duplicates = 0;
    /// Enqueues that failed (reported to `on_error`).
    std::uint64_t failed = 0;
    /// Events not fanned out because their payload is not a JSON object (reported to `on_error`).
    std::uint64_t rejected = 0;
    /// Events `publish` refused: no run was going on, it was stopping, or `max_held_events` were
    /// held already (reported to `on_error`).
    std::uint64_t refused = 0;
    /// Held events given up because the run stopped before any load of the subscriptions
    /// succeeded (reported to `on_error`).
    std::uint64_t dropped = 0;
    /// Loads of the subscriptions that succeeded (`refresh(ec, diag)` included).
    std::uint64_t refreshes = 0;
    /// Loads that failed; the cache kept its previous contents.
    std::uint64_t refresh_failures = 0;
};

namespace detail {

// The delay before the `n`th retry (from 0) of a load while none has succeeded yet: 100 ms,
// doubling, at most `cap`.
inline std::chrono::milliseconds first_load_retry_delay(unsigned n, std::chrono::milliseconds cap) noexcept {
    auto d = std::chrono::milliseconds(std::int64_t(100) << std::min(n, 16u));
    return std::min(d, cap);
}

// The state and the run of an `auto_enqueuer`, shared by the front object and by the work it
// queues (see `detail/async.hpp`): the run coroutine, each enqueue, load and report posted to the
// storage executor, and each wake-up posted to the strand. The outbox and the source are touched
// only by a run's loads and by enqueues posted while a run was going on, which the run waits for,
// and by `refresh(ec, diag)` on its caller's thread.
//
// Where things live: the timer, `reload_` and `event_pending_` on the strand; the acceptance state
// (`active_`, `stop_`, `loaded_`, the cache, the held events) under `mutex_`, because `publish`
// reads it from any thread; `tasks_` and the counters are atomics.
template <class Outbox, class Source, class Executor, class TimerClock>
class auto_enqueuer_impl
    : public std::enable_shared_from_this<auto_enqueuer_impl<Outbox, Source, Executor, TimerClock>> {
public:
    using executor_type = boost::asio::strand<Executor>;
    using self_ptr = std::shared_ptr<auto_enqueuer_impl>;

    auto_enqueuer_impl(Executor ex, boost::asio::any_io_executor storage, Outbox& outbox, Source& source,
                       auto_enqueuer_params params)
        : strand_(boost::asio::make_strand(ex)), storage_(std::move(storage)), outbox_(outbox), source_(source),
          params_(std::move(params)), timer_(strand_) {}

    const executor_type& get_executor() const noexcept { return strand_; }
    const boost::asio::any_io_executor& storage_executor() const noexcept { return storage_; }
    const auto_enqueuer_params& params() const noexcept { return params_; }

    // ----- from any thread -----

    // Stops a run going on, or the next one. `publish` refuses events from here on.
    void cancel() noexcept {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake();
    }

    // Asks the run for one more load; requests made while a load is running add up to one.
    void request_refresh() noexcept {
        if (refresh_pending_.exchange(true, std::memory_order_acq_rel))
            return;
        try {
            boost::asio::post(strand_, [self = this->shared_from_this()] {
                self->refresh_pending_.store(false, std::memory_order_release);
                self->reload_ = true;
                self->signal();
            });
        } catch (...) {
            refresh_pending_.store(false, std::memory_order_release);
        }
    }

    std::size_t publish(const data_event& e) noexcept {
        try {
            const bool change = is_subscription_change(e, params_.subscriptions_object);
            enum class verdict { fan_out, hold, self_heal, refuse_stopped, refuse_full } v;
            std::shared_ptr<const subscription_index> index;
            {
                std::lock_guard lock(mutex_);
                if (!active_ || stop_) {
                    v = verdict::refuse_stopped;
                } else if (change) {
                    v = verdict::self_heal;
                } else if (loaded_) {
                    v = verdict::fan_out;
                    index = cache_;
                    // This event's own task until its enqueues are posted, so that a stop cannot
                    // see no task left in between.
                    tasks_.fetch_add(1);
                } else if (held_.size() < params_.max_held_events) {
                    v = verdict::hold;
                    held_.push_back(e);
                } else {
                    v = verdict::refuse_full;
                }
                if (v != verdict::refuse_stopped && v != verdict::refuse_full)
                    events_.fetch_add(1, std::memory_order_relaxed);
            }
            switch (v) {
            case verdict::fan_out: {
                task_end end{this};
                return fan_out_accepted(e, *index);
            }
            case verdict::self_heal:
                request_refresh();
                return 0;
            case verdict::hold:
                return 0;
            case verdict::refuse_stopped:
                refuse(e, boost::asio::error::operation_aborted,
                       "no run of the auto-enqueuer is going on (async_run was not launched, or the run is "
                       "stopping)");
                return 0;
            case verdict::refuse_full:
                refuse(e, boost::asio::error::no_buffer_space,
                       "the subscriptions are not loaded yet, and max_held_events (" +
                           std::to_string(params_.max_held_events) + ") events are held already");
                return 0;
            }
            return 0;
        } catch (...) {
            return 0;
        }
    }

    // Loads on the calling thread (after a load already running), swaps the cache in, and fans out
    // the events held meanwhile. False, with the source's error, when the load failed.
    bool load_now(error_code& ec, diagnostics& diag) {
        std::shared_ptr<const subscription_index> index;
        std::vector<data_event> held;
        {
            std::lock_guard serial(load_mutex_);
            index = load_index(ec, diag);
            if (!index)
                return false;
            std::lock_guard lock(mutex_);
            cache_ = index;
            loaded_ = true;
            held.swap(held_);
            if (!held.empty())
                tasks_.fetch_add(1);
        }
        refreshes_.fetch_add(1, std::memory_order_relaxed);
        if (!held.empty()) {
            task_end end{this};
            for (const auto& e : held)
                fan_out_accepted(e, *index);
        }
        return true;
    }

    void count_refresh_failure() noexcept { refresh_failures_.fetch_add(1, std::memory_order_relaxed); }

    std::shared_ptr<const subscription_index> subscriptions() const {
        std::lock_guard lock(mutex_);
        return cache_;
    }

    auto_enqueuer_stats stats() const noexcept {
        auto_enqueuer_stats s;
        s.events = events_.load(std::memory_order_relaxed);
        s.matched = matched_.load();
        s.enqueued = enqueued_.load();
        s.duplicates = duplicates_.load();
        s.failed = failed_.load();
        s.rejected = rejected_.load();
        s.refused = refused_.load();
        s.dropped = dropped_.load();
        s.refreshes = refreshes_.load();
        s.refresh_failures = refresh_failures_.load();
        return s;
    }

    // ----- the run -----

    // Called by the initiation of `async_run`, on the thread that launches it (not on the strand):
    // the run claims the enqueuer there, so that `publish` accepts events from the moment
    // `async_run` is launched, and a second launch is refused even before the first run has begun.
    static boost::asio::awaitable<error_code> run(self_ptr self) {
        {
            std::lock_guard lock(self->mutex_);
            if (self->active_)
                return already_running();
            self->active_ = true;
        }
        return run_body(run_claim(std::move(self)));
    }

private:
    template <class T>
    using awaitable = boost::asio::awaitable<T>;
    using timer_type = boost::asio::basic_waitable_timer<TimerClock>;
    using time_point = typename TimerClock::time_point;

    // One delivery to enqueue, and the name to report it under.
    struct job {
        enqueue_request request{};
        std::string webhook_name{};
    };

    // Ends one task when it goes out of scope, however the task ends.
    struct task_end {
        auto_enqueuer_impl* self;
        ~task_end() { self->finish_task(); }
    };

    // A run's claim on `active_`. The run gives it back when it ends; the destructor gives it back
    // when the run's coroutine is destroyed without having ended (its launch failed, or its
    // io_context was destroyed before it ran).
    struct run_claim {
        self_ptr self;
        explicit run_claim(self_ptr s) noexcept : self(std::move(s)) {}
        run_claim(run_claim&& other) noexcept : self(std::move(other.self)) {}
        run_claim& operator=(run_claim&&) = delete;
        ~run_claim() {
            if (self)
                self->end_run();
        }
    };

    static awaitable<error_code> already_running() {
        co_return make_error_code(boost::asio::error::already_started);
    }

    static awaitable<error_code> run_body(run_claim claim) {
        self_ptr self = claim.self;
        co_await self->run_loop();
        // Given back before the completion, so that its handler may launch the next run.
        self_ptr ending = std::move(claim.self);
        ending->end_run();
        co_return make_error_code(boost::asio::error::operation_aborted);
    }

    void end_run() noexcept {
        std::lock_guard lock(mutex_);
        active_ = false;
        stop_ = false;  // the cancel is spent: a later run starts afresh
    }

    awaitable<void> run_loop() {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        // Requests made before the run are met by its first load; a wake-up left over from before
        // would only cost one more look.
        reload_ = false;
        unsigned failures = 0;
        time_point next = TimerClock::now();  // the first load at once
        for (;;) {
            // Checked before each load and after each wait: a stop may come during a load, when no
            // wait is there to be cancelled.
            if (co_await stopping())
                break;
            if (reload_ || TimerClock::now() >= next) {
                reload_ = false;
                bool ok = co_await load();
                failures = ok ? 0 : failures + 1;
                next = next_load(failures);
                continue;
            }
            co_await wait_event(next);
        }

        // The stop. Events held for want of a first load get one more try, then are given up and
        // reported; then the run waits for every task posted while it was going on.
        if (has_held())
            co_await load();
        drop_held();
        draining_.store(true);
        while (tasks_.load() != 0) {
            co_await wait_event(time_point::max());
            co_await stopping();
        }
        draining_.store(false);
    }

    // True once the run is to stop: `cancel()`, or a cancellation of the run's slot (which then
    // stops it as `cancel()` does, and is reset so that the drain can go on waiting).
    awaitable<bool> stopping() {
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() != boost::asio::cancellation_type::none) {
            co_await boost::asio::this_coro::reset_cancellation_state();
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        bool stop;
        {
            std::lock_guard lock(mutex_);
            stop = stop_;
        }
        co_return stop;
    }

    // When the next periodic load is due, after a load that left `failures` failures in a row.
    time_point next_load(unsigned failures) const {
        bool loaded;
        {
            std::lock_guard lock(mutex_);
            loaded = loaded_;
        }
        const auto interval = params_.refresh_interval;
        if (!loaded) {
            auto cap = interval.count() > 0 ? interval : std::chrono::milliseconds(60000);
            auto delay = first_load_retry_delay(failures > 0 ? failures - 1 : 0, cap);
            return TimerClock::now() + std::chrono::duration_cast<typename TimerClock::duration>(delay);
        }
        if (interval.count() <= 0)
            return time_point::max();
        return TimerClock::now() + std::chrono::duration_cast<typename TimerClock::duration>(interval);
    }

    // Waits on the strand until `signal()` or `deadline`.
    awaitable<void> wait_event(time_point deadline) {
        if (!event_pending_) {
            timer_.expires_at(deadline);
            co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        }
        event_pending_ = false;
    }

    // On the strand: wakes the run. A wake that arrives while the run is busy is kept.
    void signal() {
        event_pending_ = true;
        timer_.cancel();
    }

    // From any thread.
    void wake() noexcept {
        try {
            boost::asio::post(strand_, [self = this->shared_from_this()] { self->signal(); });
        } catch (...) {
        }
    }

    // One load on the storage executor; a failure is reported there.
    awaitable<bool> load() {
        auto job = [self = this->shared_from_this()] {
            error_code ec;
            diagnostics diag;
            if (self->load_now(ec, diag))
                return true;
            fanout_error err;
            err.operation = fanout_operation::refresh;
            err.ec = ec;
            err.field = diag.field();
            err.message = diag.message();
            // Counted after the report, so that whoever sees the count also sees the report.
            self->report(err);
            self->count_refresh_failure();
            return false;
        };
        // Named, not a temporary inside the co_await expression: g++ 12 mishandles non-trivial
        // temporaries there.
        auto loading = detail::run_on(storage_, std::move(job));
        co_return co_await std::move(loading);
    }

    // One load of the source, as an index; null (and the source's error) on failure. The caller
    // holds `load_mutex_`.
    std::shared_ptr<const subscription_index> load_index(error_code& ec, diagnostics& diag) {
        ec.clear();
        try {
            std::vector<webhook_subscription> subs = source_.load(ec, diag);
            if (!ec)
                return std::make_shared<const subscription_index>(std::move(subs));
        } catch (const std::exception& ex) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", std::string("loading subscriptions threw: ") + ex.what());
        } catch (...) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", "loading subscriptions threw an exception that is not a std::exception");
        }
        if (!ec)
            ec = make_error_code(errc::storage_failure);
        return nullptr;
    }

    bool has_held() const {
        std::lock_guard lock(mutex_);
        return !held_.empty();
    }

    // The run stops and no load has succeeded: the held events cannot be fanned out.
    void drop_held() {
        std::vector<data_event> held;
        {
            std::lock_guard lock(mutex_);
            held.swap(held_);
        }
        if (held.empty())
            return;
        auto give_up = [held = std::move(held)](auto_enqueuer_impl& self) {
            for (const auto& e : held) {
                self.report(event_error(e, self.params_.subscriptions_object, boost::asio::error::operation_aborted,
                                        "the run stopped before the subscriptions could be loaded"));
                self.dropped_.fetch_add(1, std::memory_order_relaxed);
            }
        };
        post_task(std::move(give_up));
    }

    // Matches an accepted event against `index` and posts its enqueues (or its rejection) to the
    // storage executor. The caller holds a task, so that these are posted before a stop can see no
    // task left.
    std::size_t fan_out_accepted(const data_event& e, const subscription_index& index) {
        error_code ec;
        diagnostics diag;
        auto items = detail::fanout::fan_out_items(e, index, params_.subscriptions_object, ec, diag);
        if (ec) {
            fanout_error err;
            err.operation = fanout_operation::event;
            err.ec = ec;
            err.field = diag.field();
            err.message = diag.message();
            post_task([err = std::move(err)](auto_enqueuer_impl& self) {
                self.report(err);
                self.rejected_.fetch_add(1);
            });
            return 0;
        }
        if (items.empty())
            return 0;
        // Counted before any enqueue can finish, so that a finished count never exceeds it.
        matched_.fetch_add(items.size());
        std::size_t posted = 0;
        for (auto& i : items) {
            job j{std::move(i.request), i.subscription->display_name()};
            if (!post_task([j = std::move(j)](auto_enqueuer_impl& self) mutable { self.run_enqueue(j); }))
                break;
            ++posted;
        }
        matched_.fetch_sub(items.size() - posted);
        return posted;
    }

    // Posts `f(*this)` to the storage executor as a task a stopping run waits for. False when it
    // could not be posted.
    template <class F>
    bool post_task(F f) {
        tasks_.fetch_add(1);
        try {
            boost::asio::post(storage_, [self = this->shared_from_this(), f = std::move(f)]() mutable {
                task_end end{self.get()};
                f(*self);
            });
            return true;
        } catch (...) {
            finish_task();
            return false;
        }
    }

    void finish_task() noexcept {
        if (tasks_.fetch_sub(1) == 1 && draining_.load())
            wake();
    }

    void report(const fanout_error& err) noexcept {
        if (!params_.on_error)
            return;
        try {
            params_.on_error(err);
        } catch (...) {
        }
    }

    // The report of an event that is not fanned out, with its event id when it has one.
    static fanout_error event_error(const data_event& e, std::string_view subscriptions_object, error_code ec,
                                    std::string why) {
        fanout_error err;
        err.operation = fanout_operation::event;
        err.ec = ec;
        if (auto action = fanout_action(e, subscriptions_object)) {
            const boost::json::object none;
            const boost::json::object& payload = e.payload.is_object() ? e.payload.get_object() : none;
            err.event_id = fanout_event_id(e.object, resolve_record_id(payload), action->past, e.timestamp);
        }
        err.message = "event '" + e.type + "' on '" + e.object + "' was not fanned out: " + std::move(why);
        return err;
    }

    // `publish` refuses `e`: reported on the publisher's thread, then counted.
    void refuse(const data_event& e, error_code ec, std::string why) {
        report(event_error(e, params_.subscriptions_object, ec, std::move(why)));
        refused_.fetch_add(1, std::memory_order_relaxed);
    }

    // On the storage executor. The counter goes up after `on_error`, so that whoever sees the count
    // also sees the report.
    void run_enqueue(job& j) {
        error_code ec;
        diagnostics diag;
        enqueue_result r;
        std::string event_id = j.request.event_id;
        std::string webhook_id = j.request.webhook_id;
        try {
            r = outbox_.enqueue(std::move(j.request), ec, diag);
        } catch (const std::exception& ex) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", std::string("enqueue threw: ") + ex.what());
        } catch (...) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", "enqueue threw an exception that is not a std::exception");
        }
        if (ec) {
            fanout_error err;
            err.operation = fanout_operation::enqueue;
            err.webhook_id = std::move(webhook_id);
            err.webhook_name = std::move(j.webhook_name);
            err.event_id = std::move(event_id);
            err.ec = ec;
            err.field = diag.field();
            err.message = diag.message();
            report(err);
            failed_.fetch_add(1);
        } else if (r.created) {
            enqueued_.fetch_add(1);
        } else {
            duplicates_.fetch_add(1);
        }
    }

    executor_type strand_;
    boost::asio::any_io_executor storage_;
    Outbox& outbox_;
    Source& source_;
    const auto_enqueuer_params params_;

    // Strand state.
    timer_type timer_;
    bool event_pending_ = false;
    bool reload_ = false;

    // One load of the source at a time, its cache swapped in before the next begins.
    std::mutex load_mutex_;

    mutable std::mutex mutex_;
    // A run is going on: from the launch of `async_run` until the run ends.
    bool active_ = false;
    // A stop was asked for (kept for the next run when none is going on).
    bool stop_ = false;
    // A load has succeeded: `cache_` holds the subscriptions.
    bool loaded_ = false;
    std::shared_ptr<const subscription_index> cache_ = std::make_shared<const subscription_index>();
    // Events accepted while `loaded_` was false.
    std::vector<data_event> held_;

    // Tasks posted to the storage executor and not yet finished (and events being fanned out).
    std::atomic<std::size_t> tasks_{0};
    // The run waits for `tasks_` to reach zero: the last task wakes it.
    std::atomic<bool> draining_{false};
    std::atomic<bool> refresh_pending_{false};

    std::atomic<std::uint64_t> events_{0}, matched_{0}, enqueued_{0}, duplicates_{0}, failed_{0}, rejected_{0},
        refused_{0}, dropped_{0}, refreshes_{0}, refresh_failures_{0};
};

}  // namespace detail

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
