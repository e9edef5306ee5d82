//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_DETAIL_AUTO_ENQUEUER_IMPL_HPP
#define HOOKBOX_FANOUT_DETAIL_AUTO_ENQUEUER_IMPL_HPP

// The state and the run of an `auto_enqueuer` (`fanout/auto_enqueuer.hpp`).

#include <hookbox/delivery.hpp>
#include <hookbox/detail/async.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/auto_enqueuer_params.hpp>
#include <hookbox/observe/observer.hpp>
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

    // To `auto_enqueuer_params::on_error`, and to the outbox observer's `on_error` when it has one
    // (`what`: `"fanout.enqueue"`, `"fanout.load"`, `"fanout.event"`).
    void report(const fanout_error& err) noexcept {
        if constexpr (requires { outbox_.observer(); }) {
            try {
                diagnostics diag;
                diag.assign(err.field, err.message);
                const std::string what = "fanout." + std::string(to_string(err.operation));
                detail::notify_error(outbox_.observer(), err.ec, diag, what);
            } catch (...) {
            }
        }
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

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_DETAIL_AUTO_ENQUEUER_IMPL_HPP
