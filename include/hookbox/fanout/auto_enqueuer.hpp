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
/// - It keeps the subscriptions in a cache (a `subscription_index`), loaded from a
///   `subscription_source` by `start`, again every `refresh_interval`, and whenever a data event on
///   the subscriptions object itself (`sys_webhook`) is published (self-heal).
/// - `publish` matches an event against the cache on the publisher's thread (no I/O) and posts one
///   `enqueue` per matching subscription to the storage executor (a one-thread pool it owns, unless
///   one is given), then returns. One failing enqueue does not stop the others.
/// - Failures are counted (`stats`) and reported to `auto_enqueuer_params::on_error`.
///
/// For deliveries that must commit with the record's own change, call `fan_out` (`fan_out.hpp`)
/// inside your transaction instead.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/fan_out.hpp>
#include <hookbox/fanout/subscription.hpp>
#include <hookbox/fanout/subscription_source.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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
    /// A published event could not be fanned out (its payload is not a JSON object).
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
    /// The event id (for `enqueue`), else empty.
    std::string event_id{};
    error_code ec{};
    /// The field at fault, as the diagnostics name it (`url`, `headers[0].value`), or empty.
    std::string field{};
    /// The diagnostics message: the field and the rule it broke, or what failed.
    std::string message{};
};

/// Parameters of an `auto_enqueuer`, fixed at construction.
struct auto_enqueuer_params {
    /// How often the subscriptions are reloaded; zero or less turns the periodic refresh off
    /// (changes are then seen through self-heal and `refresh()` only). The ObjectStack outbox's
    /// default, 60 s.
    std::chrono::milliseconds refresh_interval{60000};
    /// The object whose data events change the subscriptions (the ObjectStack outbox's
    /// `sys_webhook`): its `data.record.*` events refresh the cache and are never fanned out. Not
    /// empty.
    std::string subscriptions_object = std::string(default_subscriptions_object);
    /// Told of every failure after `start`: enqueues, background refreshes, rejected events. Called
    /// on the storage executor, one report at a time per storage thread; it should return quickly,
    /// must not call the enqueuer's `start` or `refresh(ec, diag)` (they wait for a load that may be
    /// the one reporting) nor destroy it; what it throws is ignored.
    std::function<void(const fanout_error&)> on_error{};
};

/// Counters of an `auto_enqueuer` since construction. Read from any thread.
///
/// Each matched delivery ends as exactly one of enqueued, duplicate or failed; when
/// `enqueued + duplicates + failed == matched`, every enqueue posted so far has finished.
struct auto_enqueuer_stats {
    /// Events `publish` accepted (while running), self-heal events included.
    std::uint64_t events = 0;
    /// Deliveries matched: one per (event, matching subscription).
    std::uint64_t matched = 0;
    /// Deliveries stored.
    std::uint64_t enqueued = 0;
    /// Deliveries the outbox had already (`enqueue_result::created == false`): replays.
    std::uint64_t duplicates = 0;
    /// Enqueues that failed (reported to `on_error`).
    std::uint64_t failed = 0;
    /// Events refused because their payload is not a JSON object (reported to `on_error`).
    std::uint64_t rejected = 0;
    /// Loads of the subscriptions that succeeded (the one in `start` included).
    std::uint64_t refreshes = 0;
    /// Loads that failed; the cache kept its previous contents.
    std::uint64_t refresh_failures = 0;
};

/// Fans data events out to the webhook subscriptions of `Source` (a `subscription_source`),
/// enqueueing deliveries in `Outbox` (a `basic_outbox`, or any `fanout_outbox`).
///
/// \tparam Executor the executor of the user's I/O context; the periodic refresh timer runs on a
///         strand of it. Nothing else runs there.
///
/// Executors: enqueues, loads of the subscriptions and `on_error` run on the storage executor (a
/// one-thread `boost::asio::thread_pool` the enqueuer owns, or the executor given to the
/// constructor); with a storage executor of several threads, enqueues run in parallel and the
/// outbox must allow that (every `basic_outbox` does). `start` and `refresh(ec, diag)` load on the
/// caller's thread.
///
/// Lifecycle: `start` loads the subscriptions once and starts listening; `publish` is ignored
/// before `start` and after `stop`. Enqueues that `publish` posted before `stop` still run (the
/// publisher was told they were handed over); the destructor stops and then waits for them, so the
/// storage executor must keep running until it returns. The enqueuer may be started again after
/// `stop`.
///
/// Thread-safety: every member function may be called from any thread, `publish` from many at
/// once. Do not destroy the enqueuer while another thread calls it, nor from the storage
/// executor. The outbox, the source and the I/O executor's context must outlive the enqueuer.
template <class Outbox, subscription_source Source, class Executor = boost::asio::any_io_executor>
    requires fanout_outbox<Outbox>
class auto_enqueuer {
public:
    using executor_type = boost::asio::strand<Executor>;
    using outbox_type = Outbox;
    using source_type = Source;

    /// An enqueuer whose storage calls run on a thread of its own.
    ///
    /// Throws `error_with_diagnostics` (`errc::invalid_argument`, field `subscriptions_object`) for an
    /// empty subscriptions object.
    auto_enqueuer(Executor ex, Outbox& outbox, Source& source, auto_enqueuer_params params = {})
        : auto_enqueuer(construct_tag{}, std::move(ex), std::nullopt, outbox, source, std::move(params)) {}

    /// An enqueuer whose storage calls run on `storage` (for example a `boost::asio::thread_pool`
    /// shared with a dispatcher). `storage` must not be the I/O executor: enqueues block.
    auto_enqueuer(Executor ex,
                  boost::asio::any_io_executor storage,
                  Outbox& outbox,
                  Source& source,
                  auto_enqueuer_params params = {})
        : auto_enqueuer(construct_tag{},
                        std::move(ex),
                        std::optional<boost::asio::any_io_executor>(std::move(storage)),
                        outbox,
                        source,
                        std::move(params)) {}

    auto_enqueuer(const auto_enqueuer&) = delete;
    auto_enqueuer& operator=(const auto_enqueuer&) = delete;

    /// Stops, then waits until every enqueue and load already posted has finished.
    ~auto_enqueuer() {
        stop();
        {
            std::unique_lock lock(st_->mutex);
            st_->idle.wait(lock, [&] { return st_->tasks == 0 && !st_->loading; });
        }
        if (owned_pool_)
            owned_pool_->join();
    }

    /// The strand the refresh timer runs on.
    executor_type get_executor() const noexcept { return st_->strand; }

    /// Loads the subscriptions (on this thread), then accepts events and, when `refresh_interval`
    /// is positive, starts the periodic refresh. Does nothing when already running.
    ///
    /// Errors: the source's, when the load fails; the enqueuer then stays stopped, and `start` may
    /// be called again. (This failure is counted in `refresh_failures`, not sent to `on_error`.)
    void start(error_code& ec, diagnostics& diag) {
        ec.clear();
        {
            std::lock_guard lock(st_->mutex);
            if (st_->running)
                return;
        }
        // Not under `control`: a stop() called from on_error during this load must not wait for it.
        if (!load_now(st_, ec, diag))
            return;
        std::lock_guard control(st_->control);
        std::uint64_t generation = 0;
        {
            std::lock_guard lock(st_->mutex);
            if (st_->running)
                return;
            st_->running = true;
            generation = ++st_->generation;
        }
        if (st_->timer)
            boost::asio::post(st_->strand, [st = st_, generation] { arm(st, generation); });
    }

    /// Throwing overload of `start`; throws `error_with_diagnostics`.
    void start() {
        detail::call_or_throw([&](error_code& ec, diagnostics& diag) { start(ec, diag); });
    }

    /// Stops accepting events and cancels the periodic refresh. Enqueues already posted still run.
    /// Safe to call twice, and before `start`.
    void stop() noexcept {
        std::lock_guard control(st_->control);
        {
            std::lock_guard lock(st_->mutex);
            if (!st_->running)
                return;
            st_->running = false;
            st_->reload = false;
            ++st_->generation;
        }
        if (st_->timer) {
            try {
                boost::asio::post(st_->strand, [st = st_] { st->timer->cancel(); });
            } catch (...) {
                // The timer's handler sees the new generation and does not re-arm.
            }
        }
    }

    /// True between a successful `start` and `stop`.
    bool running() const noexcept {
        std::lock_guard lock(st_->mutex);
        return st_->running;
    }

    /// Hands an event over and returns at once: the number of enqueues posted for it (one per
    /// matching subscription), or 0 when it matched nothing, does not fan out, was a change of the
    /// subscriptions (a refresh is requested instead), or the enqueuer is not running.
    ///
    /// The publisher never waits for storage: matching uses the cache, and each enqueue runs later
    /// on the storage executor. Never throws; failures go to `on_error` and `stats`.
    std::size_t publish(const data_event& e) noexcept {
        try {
            std::shared_ptr<const subscription_index> index;
            {
                std::lock_guard lock(st_->mutex);
                if (!st_->running)
                    return 0;
                index = st_->cache;
            }
            st_->events.fetch_add(1);
            if (is_subscription_change(e, st_->params.subscriptions_object)) {
                request_refresh(st_);
                return 0;
            }
            error_code ec;
            diagnostics diag;
            auto items = detail::fanout::fan_out_items(e, *index, st_->params.subscriptions_object, ec, diag);
            if (ec) {
                fanout_error err;
                err.operation = fanout_operation::event;
                err.ec = ec;
                err.field = diag.field();
                err.message = diag.message();
                post_rejection(st_, std::move(err));
                return 0;
            }
            if (items.empty())
                return 0;
            std::lock_guard lock(st_->mutex);
            if (!st_->running)
                return 0;
            // Counted before any enqueue can finish, so that a finished count never exceeds it.
            st_->matched.fetch_add(items.size());
            std::size_t posted = 0;
            for (auto& i : items) {
                ++st_->tasks;
                try {
                    job j{std::move(i.request), i.subscription->display_name()};
                    boost::asio::post(st_->storage,
                                      [st = st_, j = std::move(j)]() mutable { run_enqueue(st, j); });
                } catch (...) {
                    --st_->tasks;
                    break;
                }
                ++posted;
            }
            st_->matched.fetch_sub(items.size() - posted);
            return posted;
        } catch (...) {
            return 0;
        }
    }

    /// Requests a reload of the subscriptions on the storage executor and returns at once.
    ///
    /// Single-flight: while a load is running, any number of requests add up to one more load,
    /// which starts when the running one ends (so a change made while a load was reading is seen).
    /// A failed load keeps the cache as it was and is reported to `on_error`. Does nothing when the
    /// enqueuer is not running. Never throws.
    void refresh() noexcept {
        try {
            request_refresh(st_);
        } catch (...) {
        }
    }

    /// Reloads the subscriptions on this thread and returns when the new cache is in use: waits for
    /// a load already running, then loads once more. Works whether or not the enqueuer is running.
    ///
    /// Errors: the source's; the cache then stays as it was. (Counted in `refresh_failures`, not sent
    /// to `on_error`.)
    void refresh(error_code& ec, diagnostics& diag) { load_now(st_, ec, diag); }

    /// The subscriptions in use now: a snapshot that later refreshes do not change.
    std::shared_ptr<const subscription_index> subscriptions() const {
        std::lock_guard lock(st_->mutex);
        return st_->cache;
    }

    auto_enqueuer_stats stats() const noexcept {
        auto_enqueuer_stats s;
        s.events = st_->events.load();
        s.matched = st_->matched.load();
        s.enqueued = st_->enqueued.load();
        s.duplicates = st_->duplicates.load();
        s.failed = st_->failed.load();
        s.rejected = st_->rejected.load();
        s.refreshes = st_->refreshes.load();
        s.refresh_failures = st_->refresh_failures.load();
        return s;
    }

    const auto_enqueuer_params& params() const noexcept { return st_->params; }

private:
    // Everything that work posted to either executor touches. Shared with that work, so that a
    // timer handler running after the enqueuer is gone finds it alive (it then sees `running`
    // false and does nothing). Posted storage work also touches the outbox and the source, which
    // the destructor protects by waiting for `tasks` to reach zero.
    struct state {
        state(Executor ex, Outbox& o, Source& s, auto_enqueuer_params p)
            : outbox(o), source(s), params(std::move(p)), strand(boost::asio::make_strand(ex)) {
            if (params.refresh_interval.count() > 0)
                timer.emplace(strand);
        }

        Outbox& outbox;
        Source& source;
        const auto_enqueuer_params params;
        executor_type strand;
        boost::asio::any_io_executor storage;
        // Touched on the strand only, after construction.
        std::optional<boost::asio::steady_timer> timer;

        // Serialises the ends of start and stop, so that their posts to the strand keep their order.
        std::mutex control;

        mutable std::mutex mutex;
        // Notified when `tasks` reaches zero or a load ends.
        std::condition_variable idle;
        bool running = false;
        // Bumped by start and stop: a timer handler of an older generation does nothing.
        std::uint64_t generation = 0;
        // A load is running (on the storage executor or a caller's thread).
        bool loading = false;
        // A refresh was requested while a load was running: one more load follows it.
        bool reload = false;
        // Work posted to the storage executor and not yet finished.
        std::size_t tasks = 0;
        std::shared_ptr<const subscription_index> cache = std::make_shared<const subscription_index>();

        std::atomic<std::uint64_t> events{0}, matched{0}, enqueued{0}, duplicates{0}, failed{0}, rejected{0},
            refreshes{0}, refresh_failures{0};
    };

    // One delivery to enqueue, and the name to report it under.
    struct job {
        enqueue_request request{};
        std::string webhook_name{};
    };

    struct construct_tag {};

    auto_enqueuer(construct_tag,
                  Executor ex,
                  std::optional<boost::asio::any_io_executor> storage,
                  Outbox& outbox,
                  Source& source,
                  auto_enqueuer_params params) {
        if (params.subscriptions_object.empty())
            throw error_with_diagnostics(make_error_code(errc::invalid_argument), [] {
                diagnostics d;
                d.assign("subscriptions_object",
                         "subscriptions_object: must name the subscriptions' object (for "
                         "example sys_webhook), not be empty");
                return d;
            }());
        st_ = std::make_shared<state>(std::move(ex), outbox, source, std::move(params));
        if (storage) {
            st_->storage = std::move(*storage);
        } else {
            owned_pool_ = std::make_unique<boost::asio::thread_pool>(1);
            st_->storage = owned_pool_->get_executor();
        }
    }

    static void report(state& st, const fanout_error& err) noexcept {
        if (!st.params.on_error)
            return;
        try {
            st.params.on_error(err);
        } catch (...) {
        }
    }

    // Ends one unit of posted work.
    static void finish_task(state& st) {
        std::lock_guard lock(st.mutex);
        if (--st.tasks == 0)
            st.idle.notify_all();
    }

    // On the storage executor. The counter goes up after `on_error`, so that whoever sees the count
    // also sees the report.
    static void run_enqueue(const std::shared_ptr<state>& st, job& j) {
        error_code ec;
        diagnostics diag;
        enqueue_result r;
        std::string event_id = j.request.event_id;
        std::string webhook_id = j.request.webhook_id;
        try {
            r = st->outbox.enqueue(std::move(j.request), ec, diag);
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
            report(*st, err);
            st->failed.fetch_add(1);
        } else if (r.created) {
            st->enqueued.fetch_add(1);
        } else {
            st->duplicates.fetch_add(1);
        }
        finish_task(*st);
    }

    static void post_rejection(const std::shared_ptr<state>& st, fanout_error err) {
        std::lock_guard lock(st->mutex);
        if (!st->running)
            return;
        ++st->tasks;
        try {
            boost::asio::post(st->storage, [st, err = std::move(err)] {
                report(*st, err);
                st->rejected.fetch_add(1);
                finish_task(*st);
            });
        } catch (...) {
            --st->tasks;
        }
    }

    // Loads once and swaps the cache in; false (and the source's error) on failure. The caller
    // holds the `loading` flag.
    static bool load_once(state& st, error_code& ec, diagnostics& diag) {
        ec.clear();
        try {
            std::vector<webhook_subscription> subs = st.source.load(ec, diag);
            if (!ec) {
                auto index = std::make_shared<const subscription_index>(std::move(subs));
                {
                    std::lock_guard lock(st.mutex);
                    st.cache = std::move(index);
                }
                st.refreshes.fetch_add(1);
                return true;
            }
        } catch (const std::exception& ex) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", std::string("loading subscriptions threw: ") + ex.what());
        } catch (...) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", "loading subscriptions threw an exception that is not a std::exception");
        }
        if (!ec)
            ec = make_error_code(errc::storage_failure);
        return false;
    }

    // A load on the caller's thread, after any load already running.
    static bool load_now(const std::shared_ptr<state>& st, error_code& ec, diagnostics& diag) {
        {
            std::unique_lock lock(st->mutex);
            st->idle.wait(lock, [&] { return !st->loading; });
            st->loading = true;
        }
        bool ok = load_once(*st, ec, diag);
        if (!ok)
            st->refresh_failures.fetch_add(1);
        std::lock_guard lock(st->mutex);
        st->loading = false;
        // A request that came in meanwhile gets its own load, on the storage executor.
        if (st->reload && st->running) {
            st->reload = false;
            start_loads_locked(st);
        }
        st->idle.notify_all();
        return ok;
    }

    static void request_refresh(const std::shared_ptr<state>& st) {
        std::lock_guard lock(st->mutex);
        if (!st->running)
            return;
        if (st->loading) {
            st->reload = true;
            return;
        }
        start_loads_locked(st);
    }

    // Called with the mutex held and no load running.
    static void start_loads_locked(const std::shared_ptr<state>& st) {
        st->loading = true;
        ++st->tasks;
        try {
            boost::asio::post(st->storage, [st] { run_loads(st); });
        } catch (...) {
            st->loading = false;
            --st->tasks;
        }
    }

    // On the storage executor: loads until no request came in during the last load.
    static void run_loads(const std::shared_ptr<state>& st) {
        for (;;) {
            error_code ec;
            diagnostics diag;
            if (!load_once(*st, ec, diag)) {
                fanout_error err;
                err.operation = fanout_operation::refresh;
                err.ec = ec;
                err.field = diag.field();
                err.message = diag.message();
                report(*st, err);
                st->refresh_failures.fetch_add(1);
            }
            std::lock_guard lock(st->mutex);
            if (st->reload && st->running) {
                st->reload = false;
                continue;
            }
            st->reload = false;
            st->loading = false;
            --st->tasks;
            st->idle.notify_all();
            return;
        }
    }

    // On the strand: waits one interval, requests a refresh, and again, while `generation` is current.
    static void arm(const std::shared_ptr<state>& st, std::uint64_t generation) {
        {
            std::lock_guard lock(st->mutex);
            if (!st->running || st->generation != generation)
                return;
        }
        st->timer->expires_after(st->params.refresh_interval);
        st->timer->async_wait([st, generation](error_code ec) {
            if (ec)
                return;
            request_refresh(st);
            arm(st, generation);
        });
    }

    std::shared_ptr<state> st_;
    std::unique_ptr<boost::asio::thread_pool> owned_pool_;
};

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_AUTO_ENQUEUER_HPP
