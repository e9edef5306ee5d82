//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_BEAST_SENDER_HPP
#define HOOKBOX_HTTP_BEAST_SENDER_HPP

/// \file
/// `beast_sender`: the `http_sender` hookbox ships, on Boost.Beast and OpenSSL (`hookbox::http`
/// target).
///
/// - HTTP/1.1 with keep-alive: one pool of connections per origin (scheme, host, port), at most
///   `sender_params::max_connections_per_origin` of them; requests beyond that wait for a
///   connection, within the connect timeout.
/// - HTTPS with certificate and host-name verification and SNI (OpenSSL).
/// - Time limits: `connect_timeout` covers waiting for a pooled connection, resolving, connecting
///   and the TLS handshake; the request's own `timeout` then covers writing the request and reading
///   the response headers and body. A response whose body does not arrive in time keeps its status
///   (the receiver has answered) and its connection is closed.
/// - The response body is kept up to `response_body_limit` bytes (16 KiB); a longer body is not
///   read further, and its connection is closed rather than drained.
/// - Redirects are never followed: a 3xx is reported as it is.
/// - The address policy (`ssrf_guard.hpp`) is applied to every resolved address, and the
///   connection is made to an address that passed it.
/// - A request that fails on a reused keep-alive connection before any byte of a response arrived
///   (the receiver closed the idle connection) is sent once more on a new connection.
///
/// Thread-safety: all state lives on the sender's strand; `async_send` and `cancel` may be called
/// from any thread. The sender must outlive the operations it started.

#include <hookbox/delivery.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/http/ssrf_guard.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/span.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
    std::uint64_t connections_reused = 0;
};

/// An HTTP/1.1 client for webhooks: pooled keep-alive connections, TLS, time limits, a capped
/// response body and an address guard. A model of `http_sender`. See the file comment for the
/// details of each.
class beast_sender {
public:
    using executor_type = boost::asio::strand<boost::asio::any_io_executor>;

    /// A sender whose HTTPS connections trust the system's certificate store.
    explicit beast_sender(boost::asio::any_io_executor ex, sender_params params = {})
        : owned_tls_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client)),
          tls_(owned_tls_.get()), strand_(boost::asio::make_strand(ex)), params_(std::move(params)) {
        tls_->set_default_verify_paths();
        init();
    }

    /// A sender whose HTTPS connections use `tls` (trust store, client certificate, protocol
    /// versions). Peer verification and host-name checks are switched on for every connection
    /// regardless. `tls` must outlive the sender.
    beast_sender(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls, sender_params params = {})
        : tls_(&tls), strand_(boost::asio::make_strand(ex)), params_(std::move(params)) {
        init();
    }

    beast_sender(const beast_sender&) = delete;
    beast_sender& operator=(const beast_sender&) = delete;

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
                auto ex = boost::asio::get_associated_executor(handler, strand_);
                auto slot = boost::asio::get_associated_cancellation_slot(handler);
                boost::asio::co_spawn(
                    strand_, run(std::move(r)),
                    boost::asio::bind_cancellation_slot(
                        slot, boost::asio::bind_executor(
                                  ex, [h = std::move(handler)](std::exception_ptr e, send_result res) mutable {
                                      if (e) {
                                          res = send_result{};
                                          res.error = "internal error in the sender";
                                      }
                                      std::move(h)(std::move(res));
                                  })));
            },
            token, std::move(req));
    }

    /// Ends every request in progress (they complete with an error) and closes every connection.
    /// Later requests are served normally. Thread-safe.
    void cancel() {
        boost::asio::post(strand_, [this] {
            ++epoch_;
            for (auto& [origin, p] : pools_) {
                for (auto& c : p.idle)
                    close(*c);
                p.open -= p.idle.size();
                p.idle.clear();
                for (auto* t : p.waiters)
                    t->cancel();
                p.waiters.clear();
            }
            for (auto* c : busy_)
                close(*c);
        });
    }

private:
    using tcp = boost::asio::ip::tcp;
    using clock = std::chrono::steady_clock;
    using plain_stream = boost::beast::tcp_stream;
    using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
    using request_type = boost::beast::http::request<boost::beast::http::span_body<const char>>;
    template <class T>
    using awaitable = boost::asio::awaitable<T>;

    struct connection {
        std::variant<plain_stream, tls_stream> stream;
        boost::beast::flat_buffer buffer;
        clock::time_point idle_since{};
        std::array<char, 8192> chunk;

        template <class... Args>
        explicit connection(Args&&... args) : stream(std::forward<Args>(args)...) {}

        plain_stream& tcp_layer() noexcept {
            if (auto* p = std::get_if<plain_stream>(&stream))
                return *p;
            return std::get<tls_stream>(stream).next_layer();
        }
    };

    struct pool {
        std::vector<std::unique_ptr<connection>> idle;
        std::size_t open = 0;
        std::list<boost::asio::steady_timer*> waiters;
    };

    struct exchange_outcome {
        bool reusable = false;
        // Failed before any byte of a response: on a reused connection, worth one more try.
        bool stale = false;
    };

    void init() {
        tls_->set_verify_mode(boost::asio::ssl::verify_peer);
        if (params_.max_connections_per_origin == 0)
            params_.max_connections_per_origin = 1;
    }

    static void close(connection& c) noexcept {
        boost::system::error_code ignored;
        c.tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
        c.tcp_layer().socket().close(ignored);
    }

    static std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

    static std::chrono::milliseconds since(clock::time_point start) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
    }

    static bool is_stale_error(const boost::system::error_code& ec) noexcept {
        namespace err = boost::asio::error;
        return ec == boost::beast::http::error::end_of_stream || ec == err::eof || ec == err::connection_reset ||
               ec == err::broken_pipe || ec == boost::asio::ssl::error::stream_truncated;
    }

    awaitable<send_result> run(outgoing_request r) {
        auto start = clock::now();
        requests_.fetch_add(1, std::memory_order_relaxed);
        send_result res;
        auto done = [&] {
            res.duration = since(start);
            return std::move(res);
        };

        error_code ec;
        diagnostics diag;
        auto url = http::parse_url(r.url, ec, diag);
        if (!url) {
            res.error = diag.message();
            res.refused = true;
            co_return done();
        }
        std::string method = r.method.empty() ? std::string("POST") : r.method;
        if (!detail::is_token(method) || method.size() > limits::method) {
            res.error = "method: must be an HTTP method token";
            res.refused = true;
            co_return done();
        }
        for (std::size_t i = 0; i < r.headers.size(); ++i)
            if (!validate_header(r.headers[i], i, ec, diag)) {
                res.error = diag.message();
                res.refused = true;
                co_return done();
            }
        if (r.timeout.count() <= 0) {
            res.error = "timeout: must be greater than 0";
            res.refused = true;
            co_return done();
        }

        request_type req;
        req.version(11);
        req.method_string(method);
        req.target(url->target);
        req.set(boost::beast::http::field::host, url->host_header);
        req.set(boost::beast::http::field::user_agent, params_.user_agent);
        for (const auto& h : r.headers)
            req.set(h.name, h.value);
        std::string_view body = r.body.body();
        req.body() = boost::beast::span<const char>(body.data(), body.size());
        req.keep_alive(true);
        req.prepare_payload();
        bool head = method == "HEAD";

        auto connect_deadline = start + params_.connect_timeout;
        for (int round = 0; round < 2; ++round) {
            bool reused = false;
            auto c = co_await acquire(*url, connect_deadline, reused, res);
            if (!c)
                co_return done();
            auto deadline = clock::now() + r.timeout;
            exchange_outcome o;
            if (auto* s = std::get_if<plain_stream>(&c->stream))
                o = co_await exchange(*s, *c, req, head, deadline, r.timeout, res);
            else
                o = co_await exchange(std::get<tls_stream>(c->stream), *c, req, head, deadline, r.timeout, res);
            release(std::move(c), o.reusable, pools_[url->origin]);
            if (o.stale && reused && round == 0) {
                res = send_result{};
                continue;
            }
            break;
        }
        co_return done();
    }

    // A connection to `u`'s origin: an idle one, or a new one once the pool has room.
    awaitable<std::unique_ptr<connection>> acquire(const http::url_parts& u, clock::time_point deadline,
                                                   bool& reused, send_result& res) {
        pool& p = pools_[u.origin];
        std::uint64_t epoch = epoch_;
        for (;;) {
            while (!p.idle.empty()) {
                auto c = std::move(p.idle.back());
                p.idle.pop_back();
                if (clock::now() - c->idle_since < params_.idle_timeout) {
                    reused = true;
                    reused_.fetch_add(1, std::memory_order_relaxed);
                    busy_.insert(c.get());
                    co_return c;
                }
                close(*c);
                --p.open;
            }
            if (p.open < params_.max_connections_per_origin)
                break;
            boost::asio::steady_timer t(strand_, deadline);
            p.waiters.push_back(&t);
            auto [wec] = co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            p.waiters.remove(&t);
            if (!wec) {
                res.error = "connect timeout after " + ms_text(params_.connect_timeout) +
                            " waiting for a free connection to " + u.origin;
                co_return nullptr;
            }
            if (epoch != epoch_ || (co_await boost::asio::this_coro::cancellation_state).cancelled() !=
                                       boost::asio::cancellation_type::none) {
                res.error = "cancelled";
                co_return nullptr;
            }
        }
        ++p.open;
        auto c = co_await open(u, deadline, res);
        if (!c) {
            --p.open;
            wake_one(p);
            co_return nullptr;
        }
        if (epoch != epoch_) {
            close(*c);
            --p.open;
            res.error = "cancelled";
            co_return nullptr;
        }
        opened_.fetch_add(1, std::memory_order_relaxed);
        busy_.insert(c.get());
        co_return c;
    }

    awaitable<std::unique_ptr<connection>> open(const http::url_parts& u, clock::time_point deadline,
                                                send_result& res) {
        using namespace boost::asio::experimental::awaitable_operators;
        namespace asio = boost::asio;
        std::vector<tcp::endpoint> candidates;
        if (u.literal) {
            candidates.emplace_back(*u.literal, u.port);
        } else {
            tcp::resolver resolver(strand_);
            asio::steady_timer timer(strand_, deadline);
            std::string service = std::to_string(u.port);
            auto which = co_await (resolver.async_resolve(u.host, service,
                                                          asio::as_tuple(asio::use_awaitable)) ||
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
            res.error = "address policy: " + refused + " (from " + u.host +
                        ") is not globally routable and not allow-listed";
            res.refused = true;
            co_return nullptr;
        }

        std::unique_ptr<connection> c;
        if (u.tls)
            c = std::make_unique<connection>(std::in_place_type<tls_stream>, strand_, *tls_);
        else
            c = std::make_unique<connection>(std::in_place_type<plain_stream>, strand_);
        auto& tcp_layer = c->tcp_layer();
        tcp_layer.expires_at(deadline);
        auto [cec, ep] = co_await tcp_layer.async_connect(permitted, asio::as_tuple(asio::use_awaitable));
        if (cec) {
            res.error = cec == boost::beast::error::timeout
                            ? "connect timeout after " + ms_text(params_.connect_timeout) + " to " + u.host_header
                            : "cannot connect to " + u.host_header + ": " + cec.message();
            co_return nullptr;
        }
        boost::system::error_code ignored;
        tcp_layer.socket().set_option(tcp::no_delay(true), ignored);
        if (u.tls) {
            auto& s = std::get<tls_stream>(c->stream);
            if (!u.literal && !SSL_set_tlsext_host_name(s.native_handle(), u.host.c_str())) {
                res.error = "TLS: cannot set the server name for " + u.host;
                co_return nullptr;
            }
            s.set_verify_mode(asio::ssl::verify_peer);
            s.set_verify_callback(asio::ssl::host_name_verification(u.host));
            auto [hec] = co_await s.async_handshake(asio::ssl::stream_base::client,
                                                    asio::as_tuple(asio::use_awaitable));
            if (hec) {
                res.error = hec == boost::beast::error::timeout
                                ? "connect timeout after " + ms_text(params_.connect_timeout) +
                                      " in the TLS handshake with " + u.host_header
                                : "TLS handshake with " + u.host_header + " failed: " + hec.message();
                co_return nullptr;
            }
        }
        tcp_layer.expires_never();
        co_return c;
    }

    template <class Stream>
    awaitable<exchange_outcome> exchange(Stream& s, connection& c, request_type& req, bool head,
                                         clock::time_point deadline, std::chrono::milliseconds timeout,
                                         send_result& res) {
        namespace asio = boost::asio;
        namespace http = boost::beast::http;
        exchange_outcome out;
        auto& tcp_layer = c.tcp_layer();
        auto describe = [&](const boost::system::error_code& ec, std::string_view while_) {
            if (ec == boost::beast::error::timeout)
                return "timeout after " + ms_text(timeout) + " " + std::string(while_);
            return ec.message() + " " + std::string(while_);
        };

        tcp_layer.expires_at(deadline);
        auto [wec, written] = co_await http::async_write(s, req, asio::as_tuple(asio::use_awaitable));
        if (wec) {
            out.stale = is_stale_error(wec);
            res.error = describe(wec, "(sending the request)");
            co_return out;
        }

        http::response_parser<http::buffer_body> p;
        p.body_limit(boost::none);
        if (head)
            p.skip(true);
        c.buffer.clear();
        auto [hec, hn] = co_await http::async_read_header(s, c.buffer, p, asio::as_tuple(asio::use_awaitable));
        if (hec) {
            out.stale = is_stale_error(hec) && hn == 0;
            res.error = describe(hec, "(waiting for the response headers)");
            co_return out;
        }
        const unsigned status = p.get().result_int();
        if (status < 100 || status > 599) {
            // Not an HTTP status: a broken receiver. Reported as no response (a retryable failure),
            // never as a status the outbox would refuse to record; the connection is not reused.
            res.error = "invalid HTTP status " + std::to_string(status) + " in the response";
            co_return out;
        }
        res.http_status = static_cast<int>(status);
        if (auto it = p.get().find(http::field::retry_after); it != p.get().end())
            res.retry_after = std::string(it->value());

        std::string& body = res.response_body;
        const std::size_t limit = params_.response_body_limit;
        while (!p.is_done()) {
            p.get().body().data = c.chunk.data();
            p.get().body().size = c.chunk.size();
            auto [bec, bn] = co_await http::async_read(s, c.buffer, p, asio::as_tuple(asio::use_awaitable));
            if (bec == http::error::need_buffer)
                bec = {};
            std::size_t got = c.chunk.size() - p.get().body().size;
            std::size_t room = limit - body.size();
            body.append(c.chunk.data(), got < room ? got : room);
            if (bec)
                co_return out;  // the status stands; the connection is not reused
            if (got > room)
                co_return out;  // capped: stop reading, close rather than drain
        }
        tcp_layer.expires_never();
        out.reusable = p.keep_alive();
        co_return out;
    }

    void release(std::unique_ptr<connection> c, bool reusable, pool& p) {
        busy_.erase(c.get());
        if (reusable) {
            c->idle_since = clock::now();
            p.idle.push_back(std::move(c));
        } else {
            close(*c);
            --p.open;
        }
        wake_one(p);
    }

    static void wake_one(pool& p) {
        if (!p.waiters.empty()) {
            p.waiters.front()->cancel();
            p.waiters.pop_front();
        }
    }

    std::unique_ptr<boost::asio::ssl::context> owned_tls_;
    boost::asio::ssl::context* tls_;
    executor_type strand_;
    sender_params params_;
    std::unordered_map<std::string, pool> pools_;
    std::unordered_set<connection*> busy_;
    std::uint64_t epoch_ = 0;
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> opened_{0};
    std::atomic<std::uint64_t> reused_{0};
};

static_assert(http_sender<beast_sender>);

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_BEAST_SENDER_HPP
