//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_LISTENER_HPP
#define HOOKBOX_ENGINE_POSTGRES_LISTENER_HPP

/// \file
/// `postgres_listener`: wakes dispatchers in this process when any process enqueues into a
/// PostgreSQL outbox, through `LISTEN`/`NOTIFY`. Link with `hookbox::postgres`.

#include <hookbox/detail/async.hpp>
#include <hookbox/detail/default_token.hpp>
#include <hookbox/dispatch/wakeup.hpp>
#include <hookbox/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace hookbox {

/// How a `postgres_listener` connects and what it listens to.
struct postgres_listener_params {
    /// A libpq connection string or URI, as `engine::postgres_params::conninfo`.
    std::string conninfo{};
    /// The channel: `sql_storage<postgres_engine>::notify_channel()` of the outbox.
    std::string channel{};
    /// Woken at each notification, and once after each (re)connection (an enqueue may have come
    /// while nothing listened).
    std::shared_ptr<hookbox::wakeup> wakeup{};
    /// The pause before connecting again after the connection failed or was lost; it doubles up to
    /// `max_reconnect_delay`.
    std::chrono::milliseconds reconnect_delay{100};
    std::chrono::milliseconds max_reconnect_delay{5000};
    /// Called on the listener's strand when a connection fails or is lost (the run goes on).
    std::function<void(error_code, const std::string&)> on_error{};
};

/// What a `postgres_listener` has done.
struct postgres_listener_stats {
    std::uint64_t connects = 0;       // connections that reached LISTEN
    std::uint64_t notifications = 0;  // notifications received
    std::uint64_t errors = 0;         // connections that failed or were lost
};

namespace detail {

template <class Executor>
class listener_impl : public std::enable_shared_from_this<listener_impl<Executor>> {
public:
    using executor_type = boost::asio::strand<Executor>;

    listener_impl(Executor ex, postgres_listener_params p)
        : strand_(boost::asio::make_strand(ex)), params_(std::move(p)), timer_(strand_), socket_(strand_) {}

    ~listener_impl() { close(); }

    const executor_type& get_executor() const noexcept { return strand_; }

    void cancel() {
        boost::asio::post(strand_, [self = this->shared_from_this()] {
            self->stop_ = true;
            self->timer_.cancel();
            boost::system::error_code ignored;
            self->socket_.cancel(ignored);
        });
    }

    postgres_listener_stats stats() const noexcept {
        return {connects_.load(std::memory_order_relaxed), notifications_.load(std::memory_order_relaxed),
                errors_.load(std::memory_order_relaxed)};
    }

    static boost::asio::awaitable<error_code> run(std::shared_ptr<listener_impl> self) {
        co_return co_await self->run_loop();
    }

private:
    using tuple_awaitable = decltype(boost::asio::as_tuple(boost::asio::use_awaitable));

    void close() noexcept {
        if (socket_.is_open()) {
            boost::system::error_code ignored;
            socket_.cancel(ignored);
            (void)socket_.release();  // libpq owns the descriptor
        }
        if (conn_) {
            PQfinish(conn_);
            conn_ = nullptr;
        }
    }

    // Follows the connection's socket, which libpq may change while connecting.
    void watch_socket() {
        int fd = PQsocket(conn_);
        if (socket_.is_open() && socket_.native_handle() == fd)
            return;
        if (socket_.is_open())
            (void)socket_.release();
        if (fd >= 0)
            socket_.assign(fd);
    }

    boost::asio::awaitable<bool> wait(boost::asio::posix::descriptor_base::wait_type w) {
        auto [ec] = co_await socket_.async_wait(w, boost::asio::as_tuple(boost::asio::use_awaitable));
        co_return !ec && !stop_;
    }

    void fail(const std::string& what) {
        errors_.fetch_add(1, std::memory_order_relaxed);
        std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
            msg.pop_back();
        if (params_.on_error)
            params_.on_error(make_error_code(errc::storage_failure), what + ": " + msg);
        close();
    }

    // Connects without blocking the strand, then sends LISTEN; false when it failed or was stopped.
    boost::asio::awaitable<bool> connect() {
        conn_ = PQconnectStart(params_.conninfo.c_str());
        if (!conn_ || PQstatus(conn_) == CONNECTION_BAD) {
            fail("listener connect");
            co_return false;
        }
        PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
        for (PostgresPollingStatusType st = PGRES_POLLING_WRITING;;) {
            if (st == PGRES_POLLING_OK)
                break;
            if (st == PGRES_POLLING_FAILED) {
                fail("listener connect");
                co_return false;
            }
            watch_socket();
            bool ready = co_await wait(st == PGRES_POLLING_READING ? boost::asio::posix::descriptor_base::wait_read
                                                                   : boost::asio::posix::descriptor_base::wait_write);
            if (stop_)
                co_return false;
            (void)ready;
            st = PQconnectPoll(conn_);
        }
        watch_socket();
        PQsetnonblocking(conn_, 1);
        std::string listen = "LISTEN \"";
        for (char c : params_.channel) {
            if (c == '"')
                listen += '"';
            listen += c;
        }
        listen += '"';
        if (!PQsendQuery(conn_, listen.c_str())) {
            fail("listener LISTEN");
            co_return false;
        }
        while (PQflush(conn_) == 1)
            if (!co_await wait(boost::asio::posix::descriptor_base::wait_write))
                co_return false;
        for (;;) {
            if (!PQconsumeInput(conn_)) {
                fail("listener LISTEN");
                co_return false;
            }
            if (PQisBusy(conn_)) {
                if (!co_await wait(boost::asio::posix::descriptor_base::wait_read))
                    co_return false;
                continue;
            }
            PGresult* r = PQgetResult(conn_);
            if (!r)
                break;
            bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
            if (!ok) {
                fail("listener LISTEN");
                co_return false;
            }
        }
        connects_.fetch_add(1, std::memory_order_relaxed);
        co_return true;
    }

    void wake() {
        if (params_.wakeup)
            params_.wakeup->notify();
    }

    boost::asio::awaitable<error_code> run_loop() {
        if (running_)
            co_return make_error_code(boost::asio::error::already_started);
        running_ = true;
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        co_await boost::asio::this_coro::reset_cancellation_state(boost::asio::enable_total_cancellation());
        auto cs = co_await boost::asio::this_coro::cancellation_state;
        auto stopping = [&] { return stop_ || cs.cancelled() != boost::asio::cancellation_type::none; };
        auto delay = params_.reconnect_delay;
        while (!stopping()) {
            if (co_await connect()) {
                delay = params_.reconnect_delay;
                wake();  // catch up with what was enqueued while nothing listened
                // Reads notifications until the connection is lost or the run stops.
                while (!stopping()) {
                    bool readable = co_await wait(boost::asio::posix::descriptor_base::wait_read);
                    if (stopping())
                        break;
                    if (!readable || !PQconsumeInput(conn_)) {
                        fail("listener connection lost");
                        break;
                    }
                    std::uint64_t n = 0;
                    while (PGnotify* note = PQnotifies(conn_)) {
                        PQfreemem(note);
                        ++n;
                    }
                    if (n) {
                        notifications_.fetch_add(n, std::memory_order_relaxed);
                        wake();
                    }
                }
            }
            close();
            if (stopping())
                break;
            timer_.expires_after(delay);
            co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            delay = std::min(delay * 2, params_.max_reconnect_delay);
        }
        close();
        stop_ = false;
        running_ = false;
        co_return make_error_code(boost::asio::error::operation_aborted);
    }

    executor_type strand_;
    postgres_listener_params params_;
    boost::asio::steady_timer timer_;
    boost::asio::posix::stream_descriptor socket_;
    PGconn* conn_ = nullptr;
    bool running_ = false;
    bool stop_ = false;
    std::atomic<std::uint64_t> connects_{0}, notifications_{0}, errors_{0};
};

}  // namespace detail

/// Listens on a PostgreSQL channel on a connection of its own and wakes `params.wakeup` (shared
/// with dispatchers' `dispatcher_params::wakeup`) at each notification, so that a dispatcher in
/// this process sends what another process enqueued within milliseconds instead of at its next
/// poll. `sql_storage<postgres_engine>` notifies its channel (`notify_channel()`) from a trigger
/// when rows are inserted, so the notification comes when the enqueuing transaction commits, and
/// never for a rollback. The dispatcher's poll interval stays the fallback.
///
/// The connection is made and read without blocking the executor; when it fails or is lost, the
/// listener connects again after `reconnect_delay` (doubling up to `max_reconnect_delay`), tells
/// `on_error`, and wakes the dispatchers once connected again.
///
/// Lifetime: the state lives in an implementation that the run co-owns: the listener may be
/// destroyed while running (its destructor stops the run as `cancel()` does).
template <class Executor = boost::asio::any_io_executor>
class postgres_listener {
    using impl_type = detail::listener_impl<Executor>;

public:
    using executor_type = boost::asio::strand<Executor>;

    postgres_listener(Executor ex, postgres_listener_params params)
        : impl_(std::make_shared<impl_type>(std::move(ex), std::move(params))) {}

    postgres_listener(postgres_listener&&) noexcept = default;
    postgres_listener& operator=(postgres_listener&& other) noexcept {
        if (this != &other) {
            if (impl_)
                impl_->cancel();
            impl_ = std::move(other.impl_);
        }
        return *this;
    }
    ~postgres_listener() {
        if (impl_)
            impl_->cancel();
    }

    executor_type get_executor() const noexcept { return impl_->get_executor(); }

    /// Listens until `cancel()`, the listener's destruction, or a cancellation of the token's slot.
    ///
    /// \par Handler signature
    /// `void(error_code)`: `boost::asio::error::operation_aborted` after a stop,
    /// `boost::asio::error::already_started` when a run is going on already.
    ///
    /// \par Executor
    /// Everything runs on `get_executor()`; the handler on its associated executor, never inside
    /// this call, with its associated allocator.
    ///
    /// \par Per-operation cancellation
    /// `terminal`, `partial` and `total` all stop the run.
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<Executor>>
    auto async_run(CompletionToken&& token = CompletionToken()) {
        return detail::async_run(impl_, std::forward<CompletionToken>(token));
    }

    /// Stops `async_run`. Thread-safe.
    void cancel() { impl_->cancel(); }

    postgres_listener_stats stats() const noexcept { return impl_->stats(); }

private:
    std::shared_ptr<impl_type> impl_;
};

}  // namespace hookbox

#endif  // HOOKBOX_ENGINE_POSTGRES_LISTENER_HPP
