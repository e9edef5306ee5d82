//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_SCRIPTED_RECEIVER_HPP
#define HOOKBOX_TEST_COMMON_SCRIPTED_RECEIVER_HPP

// Local network peers for tests of the HTTP sender.
//
// scripted_receiver: a real HTTP/1.1 server (optionally HTTPS) on 127.0.0.1 that records every
//   request it gets and answers each one as the test scripted: a status, headers and body, slow
//   headers, a slow body, a large streamed body, a TCP reset, or Connection: close. It runs its
//   own io_context on its own thread; the test thread only calls its thread-safe members.
//
// blackhole_listener: a port on 127.0.0.1 whose connect() never completes (SYNs are dropped), for
//   connect-timeout tests.
//
// Needs Boost.Asio/Beast and, for TLS, OpenSSL (-lssl -lcrypto).

#include "test_certs.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hookbox::test {

// One request as the receiver read it.
struct received_request {
    std::string method;
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent
    std::size_t connection = 0;  // 1-based id of the TCP connection it arrived on (keep-alive checks)

    // The first header with this name, compared case-insensitively; "" when absent.
    std::string header(std::string_view name) const {
        for (const auto& [n, v] : headers)
            if (boost::beast::iequals(n, name))
                return v;
        return {};
    }
};

// A receiver's answers held until the test opens the gate (a script calls `wait()`; the receiver's
// one thread then answers nothing else either); the gate opens at the latest when it is
// destroyed, so that the receiver's thread can end.
class gate {
public:
    gate() = default;
    gate(const gate&) = delete;
    gate& operator=(const gate&) = delete;
    ~gate() { open(); }

    void open() {
        std::call_once(opened_, [&] { promise_.set_value(); });
    }
    void wait() const { future_.wait(); }

private:
    std::promise<void> promise_;
    std::shared_future<void> future_ = promise_.get_future().share();
    std::once_flag opened_;
};

// How the receiver answers one request.
struct response_plan {
    int status = 200;
    // Extra response headers, e.g. {"Retry-After", "2"} or {"Location", "..."}. A Content-Length
    // or Connection given here replaces the one the receiver would otherwise write.
    std::vector<std::pair<std::string, std::string>> headers{};
    std::string body = "ok";
    // Wait this long before sending anything (slow headers); also applies before `reset`.
    std::chrono::milliseconds header_delay{0};
    // Send status line and headers (with Content-Length), wait this long, then send the body.
    std::chrono::milliseconds body_delay{0};
    // When > 0: the body is this many 'x' bytes, streamed in 64 KiB writes with Content-Length
    // and never held in memory at once; `body` is ignored.
    std::size_t body_size = 0;
    // Read the request, then abort the connection with a TCP RST (SO_LINGER {1, 0}, close)
    // without answering.
    bool reset = false;
    // Answer with Connection: close and close the connection after the response.
    bool close = false;
    // When not empty: sent as the whole response (status line, headers and body) byte for byte,
    // instead of everything above but `header_delay` and `close` (which then only closes the
    // connection after it).
    std::string raw{};
    // When not empty (and `raw` is empty): sent as the whole response, each part in its own
    // write, with `body_delay` between one part and the next.
    std::vector<std::string> raw_parts{};
};

// An HTTP/1.1 server on 127.0.0.1:<ephemeral port>, HTTPS when constructed with a certificate.
//
// - Every request is recorded (requests(), request_count(), wait_for_requests()) as soon as it
//   has been read in full, before any delay of its plan.
// - By default each request gets response_plan{} (200, body "ok"). respond() sets one plan for
//   all following requests; script() instead computes the plan per request, on the server thread.
//   Whichever of the two was called last is in effect.
// - Connections are kept alive: after a response (unless the plan says close or reset, or the
//   client asked for Connection: close) the next request is read from the same connection.
// - Request bodies up to request_body_limit bytes are accepted.
// - Delays run on asio timers of the server's io_context; no thread sleeps.
// - The destructor closes the listening socket and every open connection (also those idle in
//   keep-alive or in the middle of a delay), waits for the server thread and returns.
class scripted_receiver {
public:
    static constexpr std::size_t request_body_limit = 8 * 1024 * 1024;

    explicit scripted_receiver(std::optional<pem_pair> tls = std::nullopt) : acceptor_(ioc_) {
        namespace asio = boost::asio;
        if (tls) {
            tls_.emplace(asio::ssl::context::tls_server);
            tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3);
            tls_->use_certificate_chain(asio::buffer(tls->cert_pem));
            tls_->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
        }
        const asio::ip::tcp::endpoint where{asio::ip::make_address_v4("127.0.0.1"), 0};
        acceptor_.open(where.protocol());
        acceptor_.bind(where);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        port_ = acceptor_.local_endpoint().port();

        asio::co_spawn(ioc_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }

    scripted_receiver(const scripted_receiver&) = delete;
    scripted_receiver& operator=(const scripted_receiver&) = delete;

    ~scripted_receiver() {
        // Everything below runs on the server thread, where the sockets live. Once it has run,
        // every pending operation completes with an error, every coroutine ends and run() returns.
        boost::asio::post(ioc_, [this] {
            stopping_ = true;
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            for (auto& [id, s] : sessions_)
                s->abort();
        });
        thread_.join();
    }

    unsigned short port() const noexcept { return port_; }

    // "http://127.0.0.1:<port><path>", or "https://localhost:<port><path>" with TLS (the test
    // certificate names localhost; "localhost" must resolve to 127.0.0.1, the only address served).
    std::string url(std::string_view path = "/hook") const {
        std::string out = tls_ ? "https://localhost:" : "http://127.0.0.1:";
        out += std::to_string(port_);
        out += path;
        return out;
    }

    // Every following request gets plan `p` (cancels a script()).
    void respond(response_plan p) {
        std::lock_guard lock(mutex_);
        plan_ = std::move(p);
        script_ = nullptr;
    }

    // Every following request gets the plan f returns for it. f runs on the server thread, after
    // the request has been recorded; an exception from f drops the connection without an answer.
    void script(std::function<response_plan(const received_request&)> f) {
        std::lock_guard lock(mutex_);
        script_ = std::move(f);
    }

    // A copy of every request received so far, in arrival order.
    std::vector<received_request> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

    std::size_t request_count() const {
        std::lock_guard lock(mutex_);
        return requests_.size();
    }

    // TCP connections accepted so far (including those whose TLS handshake failed).
    std::size_t connection_count() const {
        std::lock_guard lock(mutex_);
        return connections_;
    }

    // Waits until at least n requests have arrived or `limit` has passed; true in the first case.
    bool wait_for_requests(std::size_t n, std::chrono::milliseconds limit) const {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
    }

private:
    using tcp = boost::asio::ip::tcp;
    using plain_stream = boost::beast::tcp_stream;
    using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    // What the destructor needs of a connection, whatever its stream type.
    struct session_base {
        virtual ~session_base() = default;
        // Closes the socket and cancels the delay timer; server thread only.
        virtual void abort() = 0;
    };

    // One accepted connection: its stream, a timer for the plan's delays, and its id.
    template <class Stream>
    struct session final : session_base {
        session(Stream s, std::size_t connection_id)
            : stream(std::move(s)), timer(stream.get_executor()), id(connection_id) {}

        void abort() override {
            aborted = true;
            timer.cancel();
            boost::beast::get_lowest_layer(stream).close();
        }

        tcp::socket& socket() { return boost::beast::get_lowest_layer(stream).socket(); }

        Stream stream;
        boost::asio::steady_timer timer;
        std::size_t id;
        bool aborted = false;
    };

    static constexpr auto use_awaitable = boost::asio::use_awaitable;

    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(use_awaitable));
            if (stopping_) {
                boost::system::error_code ignored;
                socket.close(ignored);
                co_return;
            }
            if (ec) {
                if (ec == boost::asio::error::operation_aborted)
                    co_return;
                continue;
            }
            std::size_t id;
            {
                std::lock_guard lock(mutex_);
                id = ++connections_;
            }
            socket.set_option(tcp::no_delay(true), ec);
            if (tls_)
                start(std::make_shared<session<tls_stream>>(tls_stream(plain_stream(std::move(socket)), *tls_), id));
            else
                start(std::make_shared<session<plain_stream>>(plain_stream(std::move(socket)), id));
        }
    }

    template <class Session>
    void start(std::shared_ptr<Session> s) {
        sessions_.emplace(s->id, s);
        boost::asio::co_spawn(ioc_, serve(s), [this, id = s->id](std::exception_ptr) {
            // The connection is over, normally or by error: forget it.
            sessions_.erase(id);
        });
    }

    // Serves one connection until the peer closes it, a plan closes or resets it, or an error.
    template <class Session>
    boost::asio::awaitable<void> serve(std::shared_ptr<Session> s) {
        namespace asio = boost::asio;
        namespace beast = boost::beast;
        namespace http = beast::http;

        if constexpr (std::is_same_v<Session, session<tls_stream>>)
            co_await s->stream.async_handshake(asio::ssl::stream_base::server, use_awaitable);

        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(64 * 1024);
            parser.body_limit(request_body_limit);
            co_await http::async_read(s->stream, buffer, parser, use_awaitable);
            const auto& req = parser.get();

            received_request rec;
            rec.method = std::string(req.method_string());
            rec.target = std::string(req.target());
            rec.body = req.body();
            for (const auto& f : req)
                rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            rec.connection = s->id;

            const response_plan plan = record(std::move(rec));

            if (plan.header_delay.count() > 0)
                co_await delay(*s, plan.header_delay);

            if (plan.reset) {
                boost::system::error_code ignored;
                s->socket().set_option(asio::socket_base::linger(true, 0), ignored);
                s->socket().close(ignored);
                co_return;
            }

            if (!plan.raw.empty() || !plan.raw_parts.empty()) {
                if (!plan.raw.empty())
                    co_await asio::async_write(s->stream, asio::buffer(plan.raw), use_awaitable);
                for (std::size_t i = 0; i < plan.raw_parts.size(); ++i) {
                    if (i > 0 && plan.body_delay.count() > 0)
                        co_await delay(*s, plan.body_delay);
                    co_await asio::async_write(s->stream, asio::buffer(plan.raw_parts[i]), use_awaitable);
                }
                if (plan.close) {
                    co_await close_gracefully(*s);
                    co_return;
                }
                continue;
            }

            const bool keep_alive = !plan.close && req.keep_alive();
            const unsigned status = static_cast<unsigned>(plan.status);
            // 1xx, 204 and 304 responses have no body (and here no Content-Length).
            const bool bodyless = status < 200 || status == 204 || status == 304;
            const std::size_t body_length = bodyless ? 0 : plan.body_size > 0 ? plan.body_size : plan.body.size();

            http::response<http::empty_body> res;
            res.version(req.version());
            res.result(status);
            bool own_length = true, own_connection = true;
            for (const auto& [n, v] : plan.headers) {
                if (beast::iequals(n, "Content-Length"))
                    own_length = false;
                if (beast::iequals(n, "Connection"))
                    own_connection = false;
            }
            if (own_connection)
                res.keep_alive(keep_alive);
            if (own_length && !bodyless)
                res.content_length(body_length);
            for (const auto& [n, v] : plan.headers)
                res.insert(n, v);

            http::response_serializer<http::empty_body> sr{res};
            co_await http::async_write_header(s->stream, sr, use_awaitable);

            if (plan.body_delay.count() > 0)
                co_await delay(*s, plan.body_delay);

            if (!bodyless && plan.body_size > 0) {
                static const std::string chunk(64 * 1024, 'x');
                for (std::size_t left = plan.body_size; left > 0;) {
                    const std::size_t n = std::min(left, chunk.size());
                    co_await asio::async_write(s->stream, asio::buffer(chunk.data(), n), use_awaitable);
                    left -= n;
                }
            } else if (!bodyless && !plan.body.empty()) {
                co_await asio::async_write(s->stream, asio::buffer(plan.body), use_awaitable);
            }

            if (!keep_alive) {
                co_await close_gracefully(*s);
                co_return;
            }
        }
    }

    // Records a request, wakes waiters, and returns the plan for it.
    response_plan record(received_request rec) {
        std::function<response_plan(const received_request&)> script;
        response_plan plan;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(rec);
            script = script_;
            if (!script)
                plan = plan_;
        }
        arrived_.notify_all();
        if (script)
            plan = script(rec);  // outside the lock: the script may call requests() etc.
        return plan;
    }

    // Waits on the connection's timer; throws when the connection was aborted meanwhile.
    template <class Session>
    boost::asio::awaitable<void> delay(Session& s, std::chrono::milliseconds d) {
        if (s.aborted)
            throw boost::system::system_error(boost::asio::error::operation_aborted);
        s.timer.expires_after(d);
        co_await s.timer.async_wait(use_awaitable);
        if (s.aborted)
            throw boost::system::system_error(boost::asio::error::operation_aborted);
    }

    // Ends the connection after a Connection: close response: TLS close_notify (waiting at most
    // a second for the client's), then a TCP FIN.
    template <class Session>
    boost::asio::awaitable<void> close_gracefully(Session& s) {
        if constexpr (std::is_same_v<Session, session<tls_stream>>) {
            boost::beast::get_lowest_layer(s.stream).expires_after(std::chrono::seconds(1));
            co_await s.stream.async_shutdown(boost::asio::as_tuple(use_awaitable));
        }
        boost::system::error_code ignored;
        s.socket().shutdown(tcp::socket::shutdown_send, ignored);
        s.socket().close(ignored);
    }

    // Declared first so that it is destroyed last, after every socket and timer using it.
    boost::asio::io_context ioc_{1};
    std::optional<boost::asio::ssl::context> tls_;
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;

    // Server thread only.
    bool stopping_ = false;
    std::map<std::size_t, std::shared_ptr<session_base>> sessions_;

    // Shared between the threads, under mutex_.
    mutable std::mutex mutex_;
    mutable std::condition_variable arrived_;
    std::vector<received_request> requests_;
    std::size_t connections_ = 0;
    response_plan plan_;
    std::function<response_plan(const received_request&)> script_;

    std::thread thread_;
};

// A TCP port on 127.0.0.1 to which connect() hangs until the client gives up.
//
// The listening socket has a backlog of 0 and the listener itself fills its accept queue with
// client connections that are never accepted. Linux then drops further SYNs to the port (with
// the default net.ipv4.tcp_abort_on_overflow = 0), so a client's connect() gets neither an
// answer nor a refusal; the client retransmits its SYN after 1 s, 3 s, ... until its own timeout.
// The constructor checks (TCP_INFO on the listening socket) that the queue is full and throws
// std::runtime_error otherwise.
class blackhole_listener {
public:
    blackhole_listener() {
        try {
            listener_ = socket_or_throw();
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = 0;
            if (::bind(listener_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
                fail("bind");
            if (::listen(listener_, 0) != 0)
                fail("listen");
            socklen_t len = sizeof addr;
            if (::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
                fail("getsockname");
            port_ = ntohs(addr.sin_port);

            // Fill the accept queue: connect clients until the kernel reports it full. One is
            // normally enough (a queue with backlog 0 is full with one connection in it).
            for (int attempt = 0; attempt < 8 && !queue_full(); ++attempt) {
                const int fd = socket_or_throw();
                fillers_.push_back(fd);
                const int flags = ::fcntl(fd, F_GETFL);
                if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
                    fail("fcntl(O_NONBLOCK)");
                if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
                    errno != EINPROGRESS)
                    fail("connect");
                // Wait for the handshake (event wait, at most one second); a filler whose SYN was
                // dropped simply stays pending.
                pollfd p{fd, POLLOUT, 0};
                ::poll(&p, 1, 1000);
            }
            if (!queue_full())
                throw std::runtime_error("blackhole_listener: could not fill the accept queue");
        } catch (...) {
            close_all();
            throw;
        }
    }

    blackhole_listener(const blackhole_listener&) = delete;
    blackhole_listener& operator=(const blackhole_listener&) = delete;
    ~blackhole_listener() { close_all(); }

    unsigned short port() const noexcept { return port_; }

    // "http://127.0.0.1:<port><path>".
    std::string url(std::string_view path = "/hook") const {
        std::string out = "http://127.0.0.1:";
        out += std::to_string(port_);
        out += path;
        return out;
    }

private:
    [[noreturn]] static void fail(const char* what) {
        throw std::runtime_error(std::string("blackhole_listener: ") + what + ": " + std::strerror(errno));
    }

    static int socket_or_throw() {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            fail("socket");
        return fd;
    }

    // For a listening socket Linux reports the accept queue's length in tcpi_unacked and its
    // limit (the backlog) in tcpi_sacked; the kernel drops SYNs once length > limit.
    bool queue_full() const {
        tcp_info info{};
        socklen_t len = sizeof info;
        if (::getsockopt(listener_, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
            fail("getsockopt(TCP_INFO)");
        return info.tcpi_unacked > info.tcpi_sacked;
    }

    void close_all() noexcept {
        for (int fd : fillers_)
            ::close(fd);
        fillers_.clear();
        if (listener_ >= 0)
            ::close(listener_);
        listener_ = -1;
    }

    int listener_ = -1;
    std::vector<int> fillers_;
    unsigned short port_ = 0;
};

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_SCRIPTED_RECEIVER_HPP
