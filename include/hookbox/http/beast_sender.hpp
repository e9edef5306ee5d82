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
///   takes the next waiting one at once, and one that closes makes room for a new connection for it.
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
/// With `HOOKBOX_SEPARATE_COMPILATION`, `basic_beast_sender<boost::asio::any_io_executor>` (that is,
/// `beast_sender`) is instantiated once, in `<hookbox/http/src.hpp>`; other executors are
/// instantiated where they are used.
///
/// \tparam Executor the executor of the I/O context. `boost::asio::io_context::executor_type`
/// avoids the type-erased executor's costs on every operation; `beast_sender` uses
/// `boost::asio::any_io_executor`.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/http/address_policy.hpp>
#include <hookbox/http/detail/origin_pool.hpp>
#include <hookbox/http/detail/response_reader.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/version.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
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
    http::address_policy addresses{};
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

/// An HTTP/1.1 client for webhooks: pooled keep-alive connections, TLS, time limits, a capped
/// response body and an address guard. A model of `http_sender`. See the file comment for the
/// details of each.
template <class Executor = boost::asio::any_io_executor> class basic_beast_sender {
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

    /// Sends `req` and completes with `void(send_result)`.
    ///
    /// \par Preconditions
    /// None: a request the sender cannot send (a URL, method or header it refuses, a timeout that is
    /// not positive, an address the address policy forbids) completes with `refused` set.
    ///
    /// \par Object lifetimes
    /// `req` is moved into the operation. The sender must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(send_result)`.
    ///
    /// \par Executor
    /// The handler runs on its associated executor (the sender's strand when it has none), never
    /// inside this call. The operation's own work runs on the sender's strand.
    ///
    /// \par Per-operation cancellation
    /// Terminal cancellation ends the request, waiting or in progress; it completes with `error`
    /// `"cancelled"` and its connection is closed. Partial and total cancellation are ignored: a
    /// request on the wire cannot be taken back without ending its connection.
    ///
    /// \par Errors
    /// Nothing is thrown for a network failure: a response sets `http_status`, anything else sets
    /// `error` (`connect timeout after ...`, `timeout after ...`, the transport's message).
    ///
    /// \par Thread-safety
    /// May be called from any thread.
    template <class CompletionToken> auto async_send(outgoing_request req, CompletionToken&& token) {
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
        boost::asio::post(strand_, [this] { cancel_all(); });
    }

private:
    using tcp = boost::asio::ip::tcp;
    using clock = http::detail::pool_clock;
    using socket_type = boost::asio::basic_stream_socket<tcp, executor_type>;
    using tls_stream = boost::asio::ssl::stream<socket_type>;
    using timer_type =
        boost::asio::basic_waitable_timer<clock, boost::asio::wait_traits<clock>, executor_type>;
    template <class T> using awaitable = boost::asio::awaitable<T>;

    struct origin;
    struct connection;
    using connection_ptr = std::shared_ptr<connection>;

    // What the cache keeps of a URL: its parts and its origin.
    struct url_entry {
        http::url_parts parts;
        origin* owner = nullptr;
    };

    // One request, from `async_send` to its completion.
    struct op_base : http::detail::pool_request {
        outgoing_request req;
        std::shared_ptr<const url_entry> url;
        send_result res;
        clock::time_point start{};
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
    template <class E, bool = boost::asio::execution::is_executor<E>::value> struct tracked_work {
        using type = std::decay_t<decltype(boost::asio::prefer(
            std::declval<const E&>(), boost::asio::execution::outstanding_work.tracked))>;
        type ex;
        explicit tracked_work(const E& e)
            : ex(boost::asio::prefer(e, boost::asio::execution::outstanding_work.tracked)) {}
        const type& get_executor() const noexcept { return ex; }
    };
    template <class E> struct tracked_work<E, false> {
        boost::asio::executor_work_guard<E> guard;
        explicit tracked_work(const E& e) : guard(e) {}
        E get_executor() const noexcept { return guard.get_executor(); }
    };

    template <class Handler> struct op final : op_base {
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
            boost::asio::dispatch(w.get_executor(), [h = std::move(h), r = std::move(r)]() mutable {
                std::move(h)(std::move(r));
            });
        }
    };

    // The per-operation cancellation handler: ends the request on the strand.
    struct cancel_request {
        // Asio's cancellation slot constructs its handler with parentheses.
        cancel_request(basic_beast_sender* s, std::uint64_t i) : self(s), id(i) {}
        basic_beast_sender* self;
        std::uint64_t id;
        void operator()(boost::asio::cancellation_type type) {
            if ((type & boost::asio::cancellation_type::terminal) == boost::asio::cancellation_type::none)
                return;
            auto* s = self;
            boost::asio::post(s->strand_, [s, id = id] { s->cancel_one(id); });
        }
    };

    struct connection : std::enable_shared_from_this<connection>, http::detail::pool_connection {
        std::variant<socket_type, tls_stream> stream;
        timer_type timer;
        origin* owner = nullptr;
        op_base* current = nullptr;
        std::string out;  // the request head (and, under TLS, the body)
        std::vector<char> in;
        std::size_t in_begin = 0, in_end = 0;
        std::optional<http::detail::response_reader> reader;
        clock::time_point deadline{};
        clock::time_point timer_expiry{};
        std::uint64_t timer_generation = 0;
        std::uint64_t served = 0;  // requests begun on it
        bool timer_armed = false;
        bool timed_out = false;
        bool got_bytes = false;

        template <class... Args>
        connection(const executor_type& ex, Args&&... args)
            : stream(std::forward<Args>(args)...), timer(ex) {}

        socket_type& socket() noexcept {
            if (auto* p = std::get_if<socket_type>(&stream))
                return *p;
            return std::get<tls_stream>(stream).next_layer();
        }
    };

    // One origin: the pool's decisions, and the I/O objects they are about.
    struct origin {
        explicit origin(http::detail::origin_pool_params p) : pool(p) {}
        http::detail::origin_pool pool;
        std::vector<connection_ptr> conns;  // every open connection, busy or idle
        std::unique_ptr<timer_type> wait_timer;
        clock::time_point wait_expiry{};
        bool wait_armed = false;
    };

    void init();
    static std::string ms_text(std::chrono::milliseconds d);
    static bool is_stale_error(const boost::system::error_code& ec) noexcept;

    // Admission and the pool.
    void admit(op_base* o);
    std::shared_ptr<const url_entry> lookup(const std::string& url, error_code& ec, diagnostics& diag);
    void acquire(op_base* o);
    void apply(origin& p, const http::detail::origin_pool::step& s);
    void sync_wait_timer(origin& p);
    void cancel_one(std::uint64_t id);
    void cancel_all();

    // Completion.
    void finish(op_base* o);
    void fail(op_base* o, std::string error);
    void refuse(op_base* o, std::string error);

    // Connections.
    static void close_socket(connection& c) noexcept;
    void close_retired(origin& p, connection& c);
    void retire(connection& c);
    void release(connection& c);
    awaitable<void> open_for(op_base* o);
    awaitable<connection_ptr> open(const http::url_parts& u, clock::time_point deadline, send_result& res);

    // One exchange: write the request, read the response.
    void exchange(connection& c, op_base* o);
    void arm(connection& c, clock::time_point deadline);
    void written(connection& c, boost::system::error_code ec);
    void read(connection& c);
    void got(connection& c, boost::system::error_code ec, std::size_t n);
    void parse(connection& c);
    void broken(connection& c, boost::system::error_code ec, std::string_view while_, bool closed_by_peer);
    void done(connection& c, bool reusable);

    std::unique_ptr<boost::asio::ssl::context> owned_tls_;
    boost::asio::ssl::context* tls_;
    executor_type strand_;
    sender_params params_;
    std::unordered_map<std::string, origin> pools_;
    std::unordered_map<std::string, std::shared_ptr<const url_entry>> urls_;
    std::unordered_map<std::uint64_t, op_base*> cancellable_;
    std::uint64_t epoch_ = 0;
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> opened_{0};
    std::atomic<std::uint64_t> reused_{0};
};

}  // namespace hookbox

#include <hookbox/http/impl/beast_sender.hpp>

namespace hookbox {

#ifdef HOOKBOX_SEPARATE_COMPILATION
// Instantiated once, in <hookbox/http/src.hpp>.
extern template class basic_beast_sender<boost::asio::any_io_executor>;
#endif

/// The sender on a type-erased executor.
using beast_sender = basic_beast_sender<boost::asio::any_io_executor>;

static_assert(http_sender<beast_sender>);

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_BEAST_SENDER_HPP
