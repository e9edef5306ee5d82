//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_BEAST_SENDER_HPP
#define HOOKBOX_HTTP_BEAST_SENDER_HPP

/// \file
/// `basic_beast_sender` (and `beast_sender`): the `http_sender` hookbox ships, on Boost.Asio,
/// Boost.Beast's HTTP parser and OpenSSL (`hookbox::http` target).
///
/// - HTTP/1.1 with keep-alive: one pool of connections per origin (scheme, host, port), at most
///   `sender_params::max_connections_per_origin` of them. Requests beyond that wait in the
///   origin's queue, in order, within the connect timeout; a connection that finishes a request
///   takes the next waiting one at once.
/// - HTTPS with certificate and host-name verification and SNI (OpenSSL).
/// - Time limits: `connect_timeout` covers waiting for a pooled connection, resolving, connecting
///   and the TLS handshake; the request's own `timeout` then covers writing the request and reading
///   the response headers and body. A response whose body does not arrive in time keeps its status
///   (the receiver has answered) and its connection is closed.
/// - The response body is kept up to `response_body_limit` bytes (16 KiB); a longer body is not
///   read further, and its connection is closed rather than drained.
/// - Redirects are never followed: a 3xx is reported as it is.
/// - The address policy (`address_policy.hpp`) is applied to every resolved address, and the
///   connection is made to an address that passed it.
/// - A request that fails on a reused keep-alive connection before any byte of a response arrived
///   (the receiver closed the idle connection) is sent once more on a new connection.
///
/// The request is written as it is built: the request line, `Host`, `User-Agent` (unless the
/// request has one), the request's headers (a later one replaces an earlier one of the same name),
/// `Content-Length`, then the body, in one gathered write. The response is parsed as it arrives
/// without storing its header fields; only the status, `Retry-After`, the capped body and the
/// keep-alive decision are kept.
///
/// Thread-safety: all state lives on the sender's strand; `async_send` and `cancel` may be called
/// from any thread. The sender must outlive the operations it started.
///
/// \tparam Executor the executor of the I/O context. `boost::asio::io_context::executor_type`
/// avoids the type-erased executor's costs on every operation; `beast_sender` uses
/// `boost::asio::any_io_executor`.

#include <hookbox/delivery.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/http/address_policy.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox {

/// Parameters of a `beast_sender`.
struct sender_params {
    /// Waiting for a pooled connection, resolving, connecting and the TLS handshake, together.
    std::chrono::milliseconds connect_timeout{10000};
    /// Connections to one origin at once (busy and idle); further requests wait for one.
    std::size_t max_connections_per_origin = 32;
    /// An idle keep-alive connection older than this is closed instead of reused.
    std::chrono::milliseconds idle_timeout{30000};
    /// Response bodies are kept up to this many bytes.
    std::size_t response_body_limit = 16 * 1024;
    /// Which addresses may be connected to; by default only globally routable ones.
    http::address_policy addresses;
    /// Sent unless the request has its own `User-Agent`.
    std::string user_agent = "hookbox/" HOOKBOX_VERSION_STRING;
};

/// Counters of a `beast_sender` since construction.
struct sender_stats {
    std::uint64_t requests = 0;
    std::uint64_t connections_opened = 0;
    /// Requests sent on a connection that had served an earlier request.
    std::uint64_t connections_reused = 0;
};

namespace detail::sender_impl {

// Parses a response as it arrives, keeping only what a `send_result` needs: the status,
// `Retry-After` and the body up to `limit` bytes (a longer body stops the parse with
// `body_limit` and sets `capped`).
class response_reader final : public boost::beast::http::basic_parser<false> {
public:
    response_reader(std::string& body, std::size_t limit) : body_(body), limit_(limit) {
        eager(true);
        body_limit(boost::none);
    }

    unsigned status = 0;
    std::optional<std::string> retry_after;
    bool capped = false;

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::system::error_code;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override { status = static_cast<unsigned>(code); }
    void on_field_impl(boost::beast::http::field f, string_view, string_view value, error_code&) override {
        if (f == boost::beast::http::field::retry_after)
            retry_after.emplace(value.data(), value.size());
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view s, error_code& ec) override { return take(s, ec); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code& ec) override { return take(s, ec); }
    void on_finish_impl(error_code&) override {}

    std::size_t take(string_view s, error_code& ec) {
        std::size_t room = limit_ - body_.size();
        if (s.size() > room) {
            body_.append(s.data(), room);
            capped = true;
            ec = boost::beast::http::error::body_limit;
            return room;
        }
        body_.append(s.data(), s.size());
        return s.size();
    }

    std::string& body_;
    std::size_t limit_;
};

}  // namespace detail::sender_impl

/// An HTTP/1.1 client for webhooks: pooled keep-alive connections, TLS, time limits, a capped
/// response body and an address guard. A model of `http_sender`. See the file comment for the
/// details of each.
template <class Executor = boost::asio::any_io_executor>
class basic_beast_sender {
public:
    using executor_type = boost::asio::strand<Executor>;

    /// A sender whose HTTPS connections trust the system's certificate store.
    explicit basic_beast_sender(const Executor& ex, sender_params params = {})
        : owned_tls_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client)),
          tls_(owned_tls_.get()), strand_(boost::asio::make_strand(ex)), params_(std::move(params)) {
        tls_->set_default_verify_paths();
        init();
    }

    /// A sender whose HTTPS connections use `tls` (trust store, client certificate, protocol
    /// versions). Peer verification and host-name checks are switched on for every connection
    /// regardless. `tls` must outlive the sender.
    basic_beast_sender(const Executor& ex, boost::asio::ssl::context& tls, sender_params params = {})
        : tls_(&tls), strand_(boost::asio::make_strand(ex)), params_(std::move(params)) {
        init();
    }

    basic_beast_sender(const basic_beast_sender&) = delete;
    basic_beast_sender& operator=(const basic_beast_sender&) = delete;

    executor_type get_executor() const noexcept { return strand_; }
    const sender_params& params() const noexcept { return params_; }
    std::chrono::milliseconds connect_timeout() const noexcept { return params_.connect_timeout; }

    sender_stats stats() const noexcept {
        return {requests_.load(std::memory_order_relaxed), opened_.load(std::memory_order_relaxed),
                reused_.load(std::memory_order_relaxed)};
    }

    /// Sends `req` and completes with `void(send_result)` on the handler's associated executor
    /// (the sender's strand when it has none), never inside this call. Per-operation cancellation
    /// (terminal) ends the request with an error.
    template <class CompletionToken>
    auto async_send(outgoing_request req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(send_result)>(
            [this](auto handler, outgoing_request r) {
                using handler_type = decltype(handler);
                auto* o = new op<handler_type>(std::move(handler), strand_);
                o->req = std::move(r);
                o->start = clock::now();
                requests_.fetch_add(1, std::memory_order_relaxed);
                auto slot = boost::asio::get_associated_cancellation_slot(o->handler);
                if (slot.is_connected()) {
                    o->id = next_id_.fetch_add(1, std::memory_order_relaxed) + 1;
                    slot.template emplace<cancel_request>(this, o->id);
                }
                boost::asio::post(strand_, [this, o] { admit(o); });
            },
            token, std::move(req));
    }

    /// Ends every request in progress and every waiting one (they complete with an error) and
    /// closes every connection. Later requests are served normally. Thread-safe.
    void cancel() {
        boost::asio::post(strand_, [this] {
            ++epoch_;
            for (auto& [origin, p] : pools_) {
                while (!p.waiting.empty()) {
                    op_base* o = p.waiting.front();
                    p.waiting.pop_front();
                    fail(o, "cancelled");
                }
                auto conns = p.conns;  // closing changes the list
                for (auto& c : conns)
                    retire(*c);
                p.idle.clear();
            }
        });
    }

private:
    using tcp = boost::asio::ip::tcp;
    using clock = std::chrono::steady_clock;
    using socket_type = boost::asio::basic_stream_socket<tcp, executor_type>;
    using tls_stream = boost::asio::ssl::stream<socket_type>;
    using timer_type =
        boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;
    template <class T>
    using awaitable = boost::asio::awaitable<T>;

    struct pool;
    struct connection;

    // What the cache keeps of a URL: its parts and its origin's pool.
    struct url_entry {
        http::url_parts parts;
        pool* owner = nullptr;
    };

    // One request, from `async_send` to its completion.
    struct op_base {
        outgoing_request req;
        std::shared_ptr<const url_entry> url;
        send_result res;
        clock::time_point start{};
        clock::time_point connect_deadline{};
        std::uint64_t epoch = 0;
        std::uint64_t id = 0;  // set when the handler has a cancellation slot
        bool head = false;
        bool reused = false;   // on a connection that served an earlier request
        bool retried = false;  // already sent once more after a stale connection
        bool cancelled = false;
        connection* conn = nullptr;  // while it is being exchanged

        virtual ~op_base() = default;
        // Hands `res` to the handler (on its executor) and deletes the operation.
        virtual void complete() = 0;
    };

    // Keeps the handler's executor's context from running out of work while the request runs.
    template <class E, bool = boost::asio::execution::is_executor<E>::value>
    struct tracked_work {
        using type = std::decay_t<decltype(boost::asio::prefer(std::declval<const E&>(),
                                                               boost::asio::execution::outstanding_work.tracked))>;
        type ex;
        explicit tracked_work(const E& e) : ex(boost::asio::prefer(e, boost::asio::execution::outstanding_work.tracked)) {}
        const type& get_executor() const noexcept { return ex; }
    };
    template <class E>
    struct tracked_work<E, false> {
        boost::asio::executor_work_guard<E> guard;
        explicit tracked_work(const E& e) : guard(e) {}
        E get_executor() const noexcept { return guard.get_executor(); }
    };

    template <class Handler>
    struct op final : op_base {
        using handler_executor = boost::asio::associated_executor_t<Handler, executor_type>;
        Handler handler;
        tracked_work<handler_executor> work;

        op(Handler h, const executor_type& ex)
            : handler(std::move(h)), work(boost::asio::get_associated_executor(handler, ex)) {}

        void complete() override {
            if (this->id != 0)
                boost::asio::get_associated_cancellation_slot(handler).clear();
            auto h = std::move(handler);
            auto w = std::move(work);
            auto r = std::move(this->res);
            delete this;
            boost::asio::dispatch(w.get_executor(),
                                  [h = std::move(h), r = std::move(r)]() mutable { std::move(h)(std::move(r)); });
        }
    };

    // The per-operation cancellation handler: ends the request on the strand.
    struct cancel_request {
        basic_beast_sender* self;
        std::uint64_t id;
        void operator()(boost::asio::cancellation_type type) {
            if ((type & boost::asio::cancellation_type::terminal) == boost::asio::cancellation_type::none)
                return;
            auto* s = self;
            boost::asio::post(s->strand_, [s, id = id] { s->cancel_one(id); });
        }
    };

    struct connection : std::enable_shared_from_this<connection> {
        std::variant<socket_type, tls_stream> stream;
        timer_type timer;
        pool* owner = nullptr;
        op_base* current = nullptr;
        std::string out;  // the request head (and, under TLS, the body)
        std::vector<char> in;
        std::size_t in_begin = 0, in_end = 0;
        std::optional<detail::sender_impl::response_reader> reader;
        clock::time_point deadline{};
        clock::time_point timer_expiry{};
        clock::time_point idle_since{};
        std::uint64_t timer_generation = 0;
        std::uint64_t served = 0;  // requests begun on it
        bool timer_armed = false;
        bool timed_out = false;
        bool got_bytes = false;
        bool closed = false;

        template <class... Args>
        connection(const executor_type& ex, Args&&... args) : stream(std::forward<Args>(args)...), timer(ex) {}

        socket_type& socket() noexcept {
            if (auto* p = std::get_if<socket_type>(&stream))
                return *p;
            return std::get<tls_stream>(stream).next_layer();
        }
    };
    using connection_ptr = std::shared_ptr<connection>;

    struct pool {
        std::vector<connection_ptr> conns;  // every open connection, busy or idle
        std::vector<connection*> idle;      // most recently used last
        std::size_t open = 0;               // connections open or being opened
        std::deque<op_base*> waiting;       // requests waiting for a connection, oldest first
        std::unique_ptr<timer_type> wait_timer;
        clock::time_point wait_expiry{};
        bool wait_armed = false;
    };

    void init() {
        tls_->set_verify_mode(boost::asio::ssl::verify_peer);
        if (params_.max_connections_per_origin == 0)
            params_.max_connections_per_origin = 1;
    }

    static std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

    static bool is_stale_error(const boost::system::error_code& ec) noexcept {
        namespace err = boost::asio::error;
        return ec == err::eof || ec == err::connection_reset || ec == err::broken_pipe ||
               ec == boost::asio::ssl::error::stream_truncated;
    }

    // ----- admission -----

    // On the strand: checks the request and gives it a connection, or queues it.
    void admit(op_base* o) {
        if (o->id != 0)
            cancellable_.emplace(o->id, o);
        o->epoch = epoch_;
        o->connect_deadline = o->start + params_.connect_timeout;
        const outgoing_request& r = o->req;
        error_code ec;
        diagnostics diag;
        o->url = lookup(r.url, ec, diag);
        if (!o->url)
            return refuse(o, diag.message());
        if (r.method.empty())
            o->req.method = "POST";
        if (!detail::is_token(o->req.method) || o->req.method.size() > limits::method)
            return refuse(o, "method: must be an HTTP method token");
        for (std::size_t i = 0; i < r.headers.size(); ++i)
            if (!validate_header(r.headers[i], i, ec, diag))
                return refuse(o, diag.message());
        if (r.timeout.count() <= 0)
            return refuse(o, "timeout: must be greater than 0");
        o->head = o->req.method == "HEAD";
        acquire(o);
    }

    // The parsed URL and its pool, from a cache of recent URLs.
    std::shared_ptr<const url_entry> lookup(const std::string& url, error_code& ec, diagnostics& diag) {
        if (auto it = urls_.find(url); it != urls_.end())
            return it->second;
        auto parts = http::parse_url(url, ec, diag);
        if (!parts)
            return nullptr;
        auto e = std::make_shared<url_entry>();
        e->owner = &pools_[parts->origin];
        e->parts = std::move(*parts);
        if (urls_.size() >= 4096)
            urls_.clear();
        urls_.emplace(url, e);
        return e;
    }

    // An idle connection, a new one if the pool has room, or a place in the pool's queue.
    void acquire(op_base* o) {
        pool& p = *o->url->owner;
        while (!p.idle.empty()) {
            connection* c = p.idle.back();
            p.idle.pop_back();
            if (clock::now() - c->idle_since < params_.idle_timeout)
                return exchange(*c, o);
            retire(*c);
        }
        if (p.open < params_.max_connections_per_origin) {
            ++p.open;
            boost::asio::co_spawn(strand_, open_for(o), boost::asio::detached);
            return;
        }
        p.waiting.push_back(o);
        arm_wait(p);
    }

    // Fails waiting requests whose connect deadline has passed; keeps the pool's timer set for the
    // oldest one left.
    void arm_wait(pool& p) {
        if (p.waiting.empty())
            return;
        auto due = p.waiting.front()->connect_deadline;
        if (p.wait_armed && p.wait_expiry <= due)
            return;
        if (!p.wait_timer)
            p.wait_timer = std::make_unique<timer_type>(strand_);
        p.wait_armed = true;
        p.wait_expiry = due;
        p.wait_timer->expires_at(due);
        p.wait_timer->async_wait([this, pp = &p, due](boost::system::error_code ec) {
            if (ec || pp->wait_expiry != due)
                return;
            pp->wait_armed = false;
            auto now = clock::now();
            while (!pp->waiting.empty() && pp->waiting.front()->connect_deadline <= now) {
                op_base* o = pp->waiting.front();
                pp->waiting.pop_front();
                fail(o, "connect timeout after " + ms_text(params_.connect_timeout) +
                            " waiting for a free connection to " + o->url->parts.origin);
            }
            arm_wait(*pp);
        });
    }

    // The next waiting request of `p` that is still in time, or null.
    op_base* next_waiting(pool& p) {
        auto now = clock::now();
        op_base* next = nullptr;
        while (!next && !p.waiting.empty()) {
            op_base* o = p.waiting.front();
            p.waiting.pop_front();
            if (o->connect_deadline > now)
                next = o;
            else
                fail(o, "connect timeout after " + ms_text(params_.connect_timeout) +
                            " waiting for a free connection to " + o->url->parts.origin);
        }
        if (p.waiting.empty() && p.wait_armed) {
            // Nothing left to time; a pending wait would keep run() going.
            p.wait_armed = false;
            p.wait_timer->cancel();
        }
        return next;
    }

    // After a connection left `p`: opens a new one for the oldest waiting request, if any.
    void refill(pool& p) {
        if (p.open >= params_.max_connections_per_origin)
            return;
        if (op_base* o = next_waiting(p)) {
            ++p.open;
            boost::asio::co_spawn(strand_, open_for(o), boost::asio::detached);
        }
    }

    void cancel_one(std::uint64_t id) {
        auto found = cancellable_.find(id);
        if (found == cancellable_.end())
            return;  // already completed
        op_base* o = found->second;
        o->cancelled = true;
        if (o->conn) {
            close_socket(*o->conn);
            return;
        }
        for (auto& [origin, p] : pools_) {
            auto it = std::find(p.waiting.begin(), p.waiting.end(), o);
            if (it != p.waiting.end()) {
                p.waiting.erase(it);
                return fail(o, "cancelled");
            }
        }
        // Being admitted or connected: it notices `cancelled` when that step ends.
    }

    // ----- completion -----

    void finish(op_base* o) {
        if (o->id != 0)
            cancellable_.erase(o->id);
        o->conn = nullptr;
        o->res.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - o->start);
        o->complete();
    }

    void fail(op_base* o, std::string error) {
        o->res.error = std::move(error);
        finish(o);
    }

    void refuse(op_base* o, std::string error) {
        o->res.refused = true;
        fail(o, std::move(error));
    }

    // ----- connections -----

    static void close_socket(connection& c) noexcept {
        boost::system::error_code ignored;
        c.socket().shutdown(tcp::socket::shutdown_both, ignored);
        c.socket().close(ignored);
    }

    // Closes `c` for good and removes it from its pool.
    void retire(connection& c) {
        if (c.closed)
            return;
        c.closed = true;
        close_socket(c);
        c.timer_armed = false;
        c.timer.cancel();
        pool& p = *c.owner;
        std::erase(p.idle, &c);
        --p.open;
        // Last: the pool's pointer may be what keeps `c` alive; pending handlers hold their own.
        auto it = std::find_if(p.conns.begin(), p.conns.end(), [&](const connection_ptr& x) { return x.get() == &c; });
        if (it != p.conns.end())
            p.conns.erase(it);
    }

    // Resolves, checks the addresses, connects and (for HTTPS) shakes hands, then sends `o`.
    awaitable<void> open_for(op_base* o) {
        pool& p = *o->url->owner;
        connection_ptr c;
        try {
            c = co_await open(o->url->parts, o->connect_deadline, o->res);
        } catch (const std::exception&) {
            o->res.error = "internal error in the sender";
        }
        if (!c) {
            --p.open;
            finish(o);
            refill(p);
            co_return;
        }
        c->owner = &p;
        p.conns.push_back(c);
        opened_.fetch_add(1, std::memory_order_relaxed);
        if (o->epoch != epoch_) {
            retire(*c);
            fail(o, "cancelled");
            co_return;
        }
        if (o->cancelled) {
            fail(o, "cancelled");
            release(*c);
            co_return;
        }
        exchange(*c, o);
    }

    awaitable<connection_ptr> open(const http::url_parts& u, clock::time_point deadline, send_result& res) {
        using namespace boost::asio::experimental::awaitable_operators;
        namespace asio = boost::asio;
        std::vector<tcp::endpoint> candidates;
        if (u.literal) {
            candidates.emplace_back(*u.literal, u.port);
        } else {
            tcp::resolver resolver(strand_);
            asio::steady_timer timer(strand_, deadline);
            std::string service = std::to_string(u.port);
            auto which = co_await (resolver.async_resolve(u.host, service, asio::as_tuple(asio::use_awaitable)) ||
                                   timer.async_wait(asio::as_tuple(asio::use_awaitable)));
            if (which.index() == 1) {
                res.error = "connect timeout after " + ms_text(params_.connect_timeout) + " resolving " + u.host;
                co_return nullptr;
            }
            auto& [rec, results] = std::get<0>(which);
            if (rec) {
                res.error = "cannot resolve " + u.host + ": " + rec.message();
                co_return nullptr;
            }
            for (const auto& e : results)
                candidates.push_back(e.endpoint());
        }
        std::vector<tcp::endpoint> permitted;
        std::string refused;
        for (const auto& e : candidates) {
            if (params_.addresses.permits(e.address()))
                permitted.push_back(e);
            else if (refused.empty())
                refused = e.address().to_string();
        }
        if (permitted.empty()) {
            res.error = "address policy: " + refused + " (from " + u.host + ") is not globally routable and not allow-listed";
            res.refused = true;
            co_return nullptr;
        }

        connection_ptr c;
        if (u.tls)
            c = std::make_shared<connection>(strand_, std::in_place_type<tls_stream>, strand_, *tls_);
        else
            c = std::make_shared<connection>(strand_, std::in_place_type<socket_type>, strand_);
        c->in.resize(16 * 1024);
        socket_type& sock = c->socket();

        // Each permitted address in turn, all within the deadline.
        asio::steady_timer timer(strand_, deadline);
        boost::system::error_code cec = asio::error::host_not_found;
        for (const auto& ep : permitted) {
            if (sock.is_open()) {
                boost::system::error_code ignored;
                sock.close(ignored);
            }
            auto which = co_await (sock.async_connect(ep, asio::as_tuple(asio::use_awaitable)) ||
                                   timer.async_wait(asio::as_tuple(asio::use_awaitable)));
            if (which.index() == 1) {
                res.error = "connect timeout after " + ms_text(params_.connect_timeout) + " to " + u.host_header;
                co_return nullptr;
            }
            std::tie(cec) = std::get<0>(which);
            if (!cec)
                break;
        }
        if (cec) {
            res.error = "cannot connect to " + u.host_header + ": " + cec.message();
            co_return nullptr;
        }
        boost::system::error_code ignored;
        sock.set_option(tcp::no_delay(true), ignored);
        if (u.tls) {
            auto& s = std::get<tls_stream>(c->stream);
            if (!u.literal && !SSL_set_tlsext_host_name(s.native_handle(), u.host.c_str())) {
                res.error = "TLS: cannot set the server name for " + u.host;
                co_return nullptr;
            }
            s.set_verify_mode(asio::ssl::verify_peer);
            s.set_verify_callback(asio::ssl::host_name_verification(u.host));
            auto which = co_await (s.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable)) ||
                                   timer.async_wait(asio::as_tuple(asio::use_awaitable)));
            if (which.index() == 1) {
                res.error = "connect timeout after " + ms_text(params_.connect_timeout) +
                            " in the TLS handshake with " + u.host_header;
                co_return nullptr;
            }
            auto [hec] = std::get<0>(which);
            if (hec) {
                res.error = "TLS handshake with " + u.host_header + " failed: " + hec.message();
                co_return nullptr;
            }
        }
        co_return c;
    }

    // A connection whose exchange ended well: the next waiting request, or the idle list.
    void release(connection& c) {
        pool& p = *c.owner;
        if (op_base* next = next_waiting(p))
            return exchange(c, next);
        c.idle_since = clock::now();
        p.idle.push_back(&c);
        if (c.timer_armed) {
            // An idle connection needs no deadline, and a pending wait would keep run() going.
            c.timer_armed = false;
            ++c.timer_generation;
            c.timer.cancel();
        }
    }

    // ----- one exchange: write the request, read the response -----

    void exchange(connection& c, op_base* o) {
        if (c.served++ > 0) {
            o->reused = true;
            reused_.fetch_add(1, std::memory_order_relaxed);
        }
        c.current = o;
        o->conn = &c;
        c.timed_out = false;
        c.got_bytes = false;
        c.reader.reset();
        write_head(c, *o);
        arm(c, clock::now() + o->req.timeout);

        auto self = c.shared_from_this();
        auto on_written = [this, self](boost::system::error_code ec, std::size_t) { written(*self, ec); };
        std::string_view body = o->req.body.body();
        if (auto* s = std::get_if<socket_type>(&c.stream)) {
            std::array<boost::asio::const_buffer, 2> bufs{boost::asio::buffer(c.out),
                                                          boost::asio::buffer(body.data(), body.size())};
            boost::asio::async_write(*s, bufs, std::move(on_written));
        } else {
            c.out.append(body);
            boost::asio::async_write(std::get<tls_stream>(c.stream), boost::asio::buffer(c.out), std::move(on_written));
        }
    }

    // The request line and header; a later header of the same name replaces an earlier one.
    void write_head(connection& c, const op_base& o) {
        const outgoing_request& r = o.req;
        const http::url_parts& u = o.url->parts;
        std::string& out = c.out;
        out.clear();
        out.append(r.method).append(" ").append(u.target).append(" HTTP/1.1\r\nHost: ").append(u.host_header);
        out.append("\r\n");
        auto replaced = [&](std::size_t i) {
            for (std::size_t j = i + 1; j < r.headers.size(); ++j)
                if (detail::iequals(r.headers[j].name, r.headers[i].name))
                    return true;
            return false;
        };
        bool agent = false;
        for (std::size_t i = 0; i < r.headers.size(); ++i) {
            const header& h = r.headers[i];
            if (replaced(i))
                continue;
            agent = agent || detail::iequals(h.name, "User-Agent");
            out.append(h.name).append(": ").append(h.value).append("\r\n");
        }
        if (!agent)
            out.append("User-Agent: ").append(params_.user_agent).append("\r\n");
        std::size_t n = r.body.body().size();
        bool bodiless = r.method == "GET" || r.method == "HEAD" || r.method == "DELETE" || r.method == "OPTIONS" ||
                        r.method == "TRACE" || r.method == "CONNECT";
        if (n > 0 || !bodiless) {
            char digits[24];
            auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
            out.append("Content-Length: ").append(digits, end).append("\r\n");
        }
        out.append("\r\n");
    }

    // The connection's deadline timer is set once and moved only when it fires (or when a request
    // needs an earlier deadline), so that most requests touch no timer at all.
    void arm(connection& c, clock::time_point deadline) {
        c.deadline = deadline;
        if (c.timer_armed && c.timer_expiry <= deadline)
            return;
        c.timer_armed = true;
        c.timer_expiry = deadline;
        std::uint64_t gen = ++c.timer_generation;
        c.timer.expires_at(deadline);
        auto self = c.shared_from_this();
        c.timer.async_wait([this, self, gen](boost::system::error_code) {
            connection& k = *self;
            if (gen != k.timer_generation || k.closed)
                return;
            k.timer_armed = false;
            if (!k.current)
                return;
            if (clock::now() >= k.deadline) {
                k.timed_out = true;
                close_socket(k);
            } else {
                arm(k, k.deadline);
            }
        });
    }

    void written(connection& c, boost::system::error_code ec) {
        op_base* o = c.current;
        if (ec)
            return broken(c, ec, "(sending the request)", is_stale_error(ec));
        c.reader.emplace(o->res.response_body, params_.response_body_limit);
        if (o->head)
            c.reader->skip(true);
        if (c.in_begin == c.in_end)
            c.in_begin = c.in_end = 0;
        if (c.in_begin < c.in_end)
            return parse(c);
        read(c);
    }

    void read(connection& c) {
        if (c.in_end == c.in.size()) {
            if (c.in_begin == 0)
                return broken(c, boost::beast::http::error::header_limit, "(reading the response headers)", false);
            std::copy(c.in.begin() + static_cast<std::ptrdiff_t>(c.in_begin),
                      c.in.begin() + static_cast<std::ptrdiff_t>(c.in_end), c.in.begin());
            c.in_end -= c.in_begin;
            c.in_begin = 0;
        }
        auto self = c.shared_from_this();
        auto on_read = [this, self](boost::system::error_code ec, std::size_t n) { got(*self, ec, n); };
        auto buf = boost::asio::buffer(c.in.data() + c.in_end, c.in.size() - c.in_end);
        if (auto* s = std::get_if<socket_type>(&c.stream))
            s->async_read_some(buf, std::move(on_read));
        else
            std::get<tls_stream>(c.stream).async_read_some(buf, std::move(on_read));
    }

    void got(connection& c, boost::system::error_code ec, std::size_t n) {
        c.in_end += n;
        if (n > 0)
            c.got_bytes = true;
        if (ec) {
            auto& r = *c.reader;
            if ((ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) &&
                r.is_header_done() && r.need_eof() && !c.timed_out) {
                boost::system::error_code pec;
                r.put_eof(pec);
                if (!pec)
                    return done(c, false);
            }
            return broken(c, ec, "(waiting for the response headers)", is_stale_error(ec) && !c.got_bytes);
        }
        parse(c);
    }

    void parse(connection& c) {
        auto& r = *c.reader;
        op_base* o = c.current;
        for (;;) {
            bool header_before = r.is_header_done();
            boost::system::error_code pec;
            std::size_t used = r.put(boost::asio::buffer(c.in.data() + c.in_begin, c.in_end - c.in_begin), pec);
            c.in_begin += used;
            if (!header_before && r.is_header_done()) {
                if (r.status < 100 || r.status > 599) {
                    o->res.error = "invalid HTTP status " + std::to_string(r.status) + " in the response";
                    return done(c, false);
                }
                o->res.http_status = static_cast<int>(r.status);
                o->res.retry_after = std::move(r.retry_after);
            }
            if (pec == boost::beast::http::error::need_more)
                return read(c);
            if (pec) {
                if (r.capped || r.is_header_done())
                    return done(c, false);  // the status stands; the connection is not reused
                return broken(c, pec, "(reading the response headers)", false);
            }
            if (r.is_done())
                return done(c, r.keep_alive() && c.in_begin == c.in_end);
            if (c.in_begin == c.in_end)
                return read(c);
        }
    }

    // The exchange failed. Before a status: an error, or (stale) one more try on a new connection.
    void broken(connection& c, boost::system::error_code ec, std::string_view while_, bool stale) {
        op_base* o = c.current;
        if (c.reader && c.reader->is_header_done() && o->res.http_status)
            return done(c, false);  // the body did not arrive in time: the status stands
        std::chrono::milliseconds timeout = o->req.timeout;
        c.current = nullptr;
        o->conn = nullptr;
        retire(c);
        pool& p = *c.owner;
        if (o->epoch != epoch_ || o->cancelled) {
            fail(o, "cancelled");
        } else if (stale && o->reused && !o->retried && !c.timed_out) {
            o->retried = true;
            o->reused = false;
            o->res = send_result{};
            acquire(o);
        } else {
            o->res.error = c.timed_out ? "timeout after " + ms_text(timeout) + " " + std::string(while_)
                                       : ec.message() + " " + std::string(while_);
            finish(o);
        }
        refill(p);
    }

    // The exchange ended with a response.
    void done(connection& c, bool reusable) {
        op_base* o = c.current;
        c.current = nullptr;
        o->conn = nullptr;
        if (reusable && !c.closed && o->epoch == epoch_) {
            finish(o);
            release(c);
        } else {
            retire(c);
            pool& p = *c.owner;
            finish(o);
            refill(p);
        }
    }

    std::unique_ptr<boost::asio::ssl::context> owned_tls_;
    boost::asio::ssl::context* tls_;
    executor_type strand_;
    sender_params params_;
    std::unordered_map<std::string, pool> pools_;
    std::unordered_map<std::string, std::shared_ptr<const url_entry>> urls_;
    std::unordered_map<std::uint64_t, op_base*> cancellable_;
    std::uint64_t epoch_ = 0;
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> opened_{0};
    std::atomic<std::uint64_t> reused_{0};
};

/// The sender on a type-erased executor.
using beast_sender = basic_beast_sender<boost::asio::any_io_executor>;

static_assert(http_sender<beast_sender>);

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_BEAST_SENDER_HPP
