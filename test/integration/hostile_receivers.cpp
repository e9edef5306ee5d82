//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Resource bounds under hostile receivers: beast_sender and the dispatcher against receivers on
// 127.0.0.1 that never finish their headers, trickle a body, stream chunks forever, flood headers,
// send 10 MB bodies, never answer or never accept, all of them at once beside a healthy receiver.
// What stays bounded: the response bytes kept per attempt (the sender's `response_body_limit`), the
// connections per origin (`max_connections_per_origin`, seen from both sides), the requests in
// flight per endpoint (`dispatcher_params::max_in_flight_per_endpoint`) and the process's memory;
// and the healthy receiver keeps its latency.
//
// Every hostile connection is ended by the sender's time limits, which run on `manual_steady_clock`:
// a test holds the hostile receivers open as long as it likes and ends them by advancing the clock.
// The hostile receivers are written here, so that the test knows exactly what they send; each of
// their loops is bounded by a byte count, and each connection by a real-time watchdog (60 s) that
// the sender must beat (`ended_by_watchdog` stays 0). The lines `FIGURE hostile_<name>=<value> <unit>`
// are the measured figures.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/http/beast_sender.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hookbox::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

// ----- the hostile receivers -----

// What a hostile receiver does once it has read a request.
enum class act : unsigned char {
    slow_headers,    // the status line, then one header byte per tick, never ending the header block
    slow_body,       // Content-Length 1 MB, then 8 bytes per tick
    endless_chunks,  // chunked, 1 KiB chunks as fast as the client reads, never the last one
    header_lines,    // the status line, then 4 MB of short header lines (about 200,000 of them)
    header_block,    // the status line, then one header with an 8 MB value
    big_body,        // a 10 MB body with Content-Length
    big_chunked,     // a 10 MB chunked body
    silent,          // nothing: the request is read and never answered
};

constexpr std::size_t ten_mb = 10 * 1024 * 1024;

// What a hostile receiver has seen, from its own side of the sockets.
struct server_counts {
    std::size_t accepted = 0;
    std::size_t open = 0;      // connections open now
    std::size_t max_open = 0;  // the most open at once
    std::size_t requests = 0;  // requests read in full
    std::size_t ended_by_client = 0;
    std::size_t ended_by_watchdog = 0;  // the sender never closed them: a bound it failed to keep
    std::uint64_t bytes_sent = 0;
    std::uint64_t max_bytes_on_one = 0;
};

// A receiver on 127.0.0.1 that reads one request per connection and answers it with `act`, on its
// own thread. Each connection ends when the client closes it, or when the watchdog (`cap`, real
// time) fires; the receiver then counts which of the two it was. The destructor closes everything.
class hostile_receiver {
public:
    explicit hostile_receiver(act a, std::chrono::milliseconds tick = 20ms, std::chrono::seconds cap = 60s)
        : act_(a), tick_(tick), cap_(cap), acceptor_(ioc_) {
        const tcp::endpoint where{asio::ip::make_address_v4("127.0.0.1"), 0};
        acceptor_.open(where.protocol());
        acceptor_.bind(where);
        acceptor_.listen(asio::socket_base::max_listen_connections);
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(ioc_, accept_loop(this), asio::detached);
        thread_ = std::thread([io = &ioc_] { io->run(); });
    }

    hostile_receiver(const hostile_receiver&) = delete;
    hostile_receiver& operator=(const hostile_receiver&) = delete;

    ~hostile_receiver() {
        asio::post(ioc_, [self = this] {
            self->stopping_ = true;
            boost::system::error_code ignored;
            self->acceptor_.close(ignored);
            for (auto& [id, s] : self->sessions_)
                s->close();
        });
        thread_.join();
    }

    unsigned short port() const noexcept { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

    server_counts counts() const {
        std::lock_guard lock(mutex_);
        return counts_;
    }

    // Waits (real time, at most `limit`) until `pred(counts())` holds; true when it does.
    template <class Pred> bool wait(Pred pred, std::chrono::milliseconds limit) const {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return pred(counts_); });
    }

private:
    struct session {
        explicit session(tcp::socket s) : socket(std::move(s)), tick(socket.get_executor()), watchdog(socket.get_executor()) {}
        void close() {
            boost::system::error_code ignored;
            tick.cancel();
            watchdog.cancel();
            socket.close(ignored);
        }
        tcp::socket socket;
        asio::steady_timer tick;
        asio::steady_timer watchdog;
        bool by_watchdog = false;
        std::uint64_t sent = 0;
    };
    using session_ptr = std::shared_ptr<session>;

    static asio::awaitable<void> accept_loop(hostile_receiver* self) {
        for (std::size_t id = 1;; ++id) {
            auto [ec, socket] = co_await self->acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (self->stopping_ || ec == asio::error::operation_aborted)
                co_return;
            if (ec)
                continue;
            auto s = std::make_shared<session>(std::move(socket));
            self->sessions_.emplace(id, s);
            self->update([](server_counts& c) {
                ++c.accepted;
                c.max_open = std::max(c.max_open, ++c.open);
            });
            s->watchdog.expires_after(self->cap_);
            s->watchdog.async_wait([s](boost::system::error_code wec) {
                if (wec)
                    return;
                s->by_watchdog = true;
                boost::system::error_code ignored;
                s->socket.close(ignored);
            });
            asio::co_spawn(self->ioc_, serve(self, s), [self, s, id](std::exception_ptr) {
                s->watchdog.cancel();
                self->sessions_.erase(id);
                self->update([&](server_counts& c) {
                    --c.open;
                    ++(s->by_watchdog ? c.ended_by_watchdog : c.ended_by_client);
                    c.max_bytes_on_one = std::max(c.max_bytes_on_one, s->sent);
                });
            });
        }
    }

    template <class F> void update(F f) {
        {
            std::lock_guard lock(mutex_);
            f(counts_);
        }
        changed_.notify_all();
    }

    // Writes `data`; false once the client is gone (or the watchdog closed the socket).
    static asio::awaitable<bool> put(hostile_receiver* self, session& s, std::string_view data) {
        auto [ec, n] = co_await asio::async_write(s.socket, asio::buffer(data.data(), data.size()),
                                                  asio::as_tuple(asio::use_awaitable));
        s.sent += n;
        self->update([n = n](server_counts& c) { c.bytes_sent += n; });
        co_return !ec;
    }

    static asio::awaitable<bool> pause(session& s, std::chrono::milliseconds d) {
        s.tick.expires_after(d);
        auto [ec] = co_await s.tick.async_wait(asio::as_tuple(asio::use_awaitable));
        co_return !ec && s.socket.is_open();
    }

    // Writes `piece` again and again, `total` bytes in all (the last piece cut short).
    static asio::awaitable<bool> stream(hostile_receiver* self, session& s, std::string_view piece, std::size_t total) {
        for (std::size_t left = total; left > 0;) {
            std::size_t n = std::min(left, piece.size());
            if (!co_await put(self, s, piece.substr(0, n)))
                co_return false;
            left -= n;
        }
        co_return true;
    }

    // Reads a request (headers, then Content-Length bytes of body), answers it as `act_` says, and
    // then waits for the client to close the connection.
    static asio::awaitable<void> serve(hostile_receiver* self, session_ptr sp) {
        session& s = *sp;
        std::string in;
        auto [rec, head] = co_await asio::async_read_until(s.socket, asio::dynamic_buffer(in, 64 * 1024), "\r\n\r\n",
                                                           asio::as_tuple(asio::use_awaitable));
        if (rec)
            co_return;
        std::size_t length = 0;
        if (auto at = in.find("Content-Length: "); at != std::string::npos && at < head)
            length = std::stoul(in.substr(at + 16, 20));
        if (in.size() - head < length) {
            auto [bec, n] = co_await asio::async_read(s.socket, asio::dynamic_buffer(in),
                                                      asio::transfer_exactly(length - (in.size() - head)),
                                                      asio::as_tuple(asio::use_awaitable));
            if (bec)
                co_return;
        }
        self->update([](server_counts& c) { ++c.requests; });

        if (co_await respond(self, s)) {
            // Everything was sent: the client must still close the connection.
            std::array<char, 4096> sink;
            for (;;) {
                auto [ec, n] = co_await s.socket.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
                if (ec)
                    break;
            }
        }
    }

    static asio::awaitable<bool> respond(hostile_receiver* self, session& s) {
        static const std::string filler(64 * 1024, 'x');
        static const std::string chunks = [] {
            std::string piece = "400\r\n" + std::string(1024, 'c') + "\r\n", out;
            while (out.size() + piece.size() <= 64 * 1024)
                out += piece;
            return out;
        }();
        static const std::string lines = [] {
            std::string out;
            for (int i = 0; out.size() < 64 * 1024 - 32; ++i)
                out += "X-Flood-" + std::to_string(i % 10000) + ": 0123456789\r\n";
            return out;
        }();
        static const std::string big_chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
        switch (self->act_) {
        case act::slow_headers:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nX-Slow: "))
                co_return false;
            for (int i = 0; i < 2000; ++i)
                if (!co_await pause(s, self->tick_) || !co_await put(self, s, "a"))
                    co_return false;
            co_return true;
        case act::slow_body:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"))
                co_return false;
            for (int i = 0; i < 2000; ++i)
                if (!co_await pause(s, self->tick_) || !co_await put(self, s, "bbbbbbbb"))
                    co_return false;
            co_return true;
        case act::endless_chunks:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
                co_return false;
            co_return co_await stream(self, s, chunks, std::size_t(1) << 30);  // 1 GiB: never reached
        case act::header_lines:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n") ||
                !co_await stream(self, s, lines, 4 * 1024 * 1024))
                co_return false;
            co_return co_await put(self, s, "\r\n");
        case act::header_block:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Block: ") ||
                !co_await stream(self, s, filler, 8 * 1024 * 1024))
                co_return false;
            co_return co_await put(self, s, "\r\n\r\n");
        case act::big_body:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(ten_mb) + "\r\n\r\n"))
                co_return false;
            co_return co_await stream(self, s, filler, ten_mb);
        case act::big_chunked:
            if (!co_await put(self, s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
                co_return false;
            for (std::size_t i = 0; i < ten_mb / 0x10000; ++i)
                if (!co_await put(self, s, big_chunk))
                    co_return false;
            co_return co_await put(self, s, "0\r\n\r\n");
        case act::silent:
            co_return true;
        }
        co_return true;
    }

    const act act_;
    const std::chrono::milliseconds tick_;
    const std::chrono::seconds cap_;
    asio::io_context ioc_{1};
    tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    bool stopping_ = false;                       // server thread only
    std::map<std::size_t, session_ptr> sessions_;  // server thread only
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    server_counts counts_;
    std::thread thread_;
};

// ----- the sender's side -----

using stepped_clock = manual_steady_clock;
using stepped_sender = basic_beast_sender<asio::any_io_executor, stepped_clock>;

constexpr std::size_t per_origin = 4;
constexpr auto request_timeout = 10s;
constexpr auto connect_timeout = 20s;

sender_params hostile_params() {
    sender_params p;
    p.addresses = http::address_policy::loopback_allowed();
    p.max_connections_per_origin = per_origin;
    p.connect_timeout = connect_timeout;
    return p;
}

outgoing_request post(std::string url) {
    outgoing_request r;
    r.url = std::move(url);
    r.body = payload::parse(R"({"hello":"world"})");
    r.timeout = request_timeout;
    return r;
}

struct outcome : send_result {
    error_code ec;
};

// Requests sent to one receiver, and how each ended.
struct batch {
    std::vector<std::optional<outcome>> out;

    void send(stepped_sender& s, const std::string& url, std::size_t n) {
        out.reserve(out.size() + n);  // the handlers below keep indexes, not pointers
        for (std::size_t i = 0; i < n; ++i) {
            out.emplace_back();
            s.async_send(post(url), [this, at = out.size() - 1](error_code ec, send_result r) {
                out[at].emplace(outcome{std::move(r), ec});
            });
        }
    }
    std::size_t done() const {
        return std::size_t(std::count_if(out.begin(), out.end(), [](const auto& o) { return o.has_value(); }));
    }
    bool all_done() const { return done() == out.size(); }
};

// Memory of this process, from /proc/self/status, in KiB.
struct memory_use {
    long rss = 0;
    long hwm = 0;
};

memory_use read_memory() {
    memory_use m;
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            m.rss = std::stol(line.substr(6));
        else if (line.rfind("VmHWM:", 0) == 0)
            m.hwm = std::stol(line.substr(6));
    }
    return m;
}

// Resets VmHWM to the current RSS (Linux: "5" to clear_refs), so that the peak is this test's.
void reset_peak() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
}

void figure(const std::string& name, double value, std::string_view unit) {
    std::ostringstream line;
    line << "FIGURE hostile_" << name << "=" << std::fixed << std::setprecision(unit == "ms" ? 2 : 0) << value << " "
         << unit;
    BOOST_TEST_MESSAGE(line.str());
    std::cout << line.str() << std::endl;
}

// The p-th percentile (0..100) of `v`, nearest rank.
double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * double(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// The sender's connections to ports of 127.0.0.1, seen from its own side: this process's TCP
// sockets whose peer is that port (established; `connecting()` counts those whose connect has not
// completed, whatever the port), sampled after every handler the test runs (or, with `gap`, at most
// once a `gap`). The receivers' own count lags (a receiver sees a close only when its next read or
// write fails); this one does not. A sample allocates nothing, so that it does not weigh on the
// memory figures.
class connection_watch {
public:
    std::chrono::microseconds gap{0};

    void add(unsigned short port) {
        ports_[port] = entry{};
        count();
        ports_[port].base = ports_[port].now;
    }

    void sample() {
        auto t = std::chrono::steady_clock::now();
        if (gap.count() > 0 && t - last_ < gap)
            return;
        last_ = t;
        count();
        for (auto& [port, e] : ports_)
            e.max = std::max(e.max, e.now > e.base ? e.now - e.base : 0);
        connecting_max_ = std::max(connecting_max_, connecting_ > connecting_base_ ? connecting_ - connecting_base_ : 0);
    }

    // Counts connects under way from now on.
    void add_connecting() {
        count();
        connecting_base_ = connecting_;
        connecting_max_ = 0;
    }

    std::size_t max(unsigned short port) const { return ports_.at(port).max; }
    std::size_t connecting() const noexcept { return connecting_max_; }

private:
    struct entry {
        std::size_t base = 0;  // there before the test's requests (a blackhole's own fillers)
        std::size_t now = 0;
        std::size_t max = 0;
    };

    // Walks this process's descriptors (getdents64 into a fixed buffer: no allocation).
    void count() {
        for (auto& [port, e] : ports_)
            e.now = 0;
        connecting_ = 0;
        const int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return;
        for (;;) {
            const long n = ::syscall(SYS_getdents64, dir, listing_.data(), listing_.size());
            if (n <= 0)
                break;
            for (long at = 0; at < n;) {
                const auto* d = reinterpret_cast<const linux_dirent64*>(listing_.data() + at);
                at += d->d_reclen;
                if (d->d_name[0] < '0' || d->d_name[0] > '9')
                    continue;
                const int fd = std::atoi(d->d_name);
                sockaddr_in peer{};
                socklen_t len = sizeof peer;
                if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
                    if (peer.sin_family != AF_INET)
                        continue;
                    if (auto it = ports_.find(ntohs(peer.sin_port)); it != ports_.end())
                        ++it->second.now;
                } else if (errno == ENOTCONN) {
                    tcp_info info{};
                    socklen_t ilen = sizeof info;
                    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &ilen) == 0 && info.tcpi_state == TCP_SYN_SENT)
                        ++connecting_;
                }
            }
        }
        ::close(dir);
    }

    struct linux_dirent64 {
        std::uint64_t d_ino;
        std::int64_t d_off;
        unsigned short d_reclen;
        unsigned char d_type;
        char d_name[1];
    };

    std::map<unsigned short, entry> ports_;
    std::size_t connecting_ = 0, connecting_base_ = 0, connecting_max_ = 0;
    alignas(8) std::array<char, 16384> listing_{};
    std::chrono::steady_clock::time_point last_{};
};

// Runs the sender's context on the test thread, sampling its connections.
struct runner {
    asio::io_context ioc;
    connection_watch watch;

    // Runs the context until `done` holds; fails the test (instead of hanging) after `limit` of
    // real time.
    template <class Done> bool run(Done done, std::chrono::seconds limit = 30s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        run_until(ioc, [&] {
            watch.sample();
            return done() || std::chrono::steady_clock::now() > until;
        });
        return done();
    }
};

struct fixture : runner {
    stepped_sender sender{ioc.get_executor(), hostile_params()};
};

// What the sender kept of a response never exceeds its limit.
void check_kept(const batch& b, std::size_t limit) {
    for (const auto& o : b.out) {
        BOOST_TEST_REQUIRE(o.has_value());
        BOOST_TEST(o->response_body.size() <= limit);
    }
}

// A receiver that holds its connections (slow headers, slow body, silence): `2 * per_origin`
// requests, of which `per_origin` reach it while the rest wait for a connection; nothing ends until
// the clock reaches the request timeout, which ends the first ones and lets the others in, and then
// again. Every connection is ended by the sender.
template <class Check> void held_until_the_timeout(fixture& f, act a, Check check) {
    hostile_receiver h(a);
    f.watch.add(h.port());
    batch b;
    const auto opened = f.sender.stats().connections_opened;
    b.send(f.sender, h.url(), 2 * per_origin);
    BOOST_TEST_REQUIRE(f.run([&] { return h.counts().requests == per_origin; }));
    // A second (real) of trickling: nothing ends before the clock moves, and the other requests
    // wait for a connection.
    BOOST_TEST(!f.run([&] { return b.done() > 0; }, 1s));
    BOOST_TEST(h.counts().accepted == per_origin);
    BOOST_TEST(f.watch.max(h.port()) == per_origin);
    stepped_clock::advance(request_timeout);
    BOOST_TEST_REQUIRE(f.run([&] { return b.done() == per_origin && h.counts().requests == 2 * per_origin; }));
    stepped_clock::advance(request_timeout);
    BOOST_TEST_REQUIRE(f.run([&] { return b.all_done(); }));
    for (const auto& o : b.out)
        check(*o);
    check_kept(b, f.sender.params().response_body_limit);
    BOOST_TEST(h.wait([](const server_counts& c) { return c.open == 0; }, 10s));
    auto c = h.counts();
    BOOST_TEST(c.accepted == 2 * per_origin);
    BOOST_TEST(f.watch.max(h.port()) == per_origin);
    BOOST_TEST(c.ended_by_client == 2 * per_origin);
    BOOST_TEST(c.ended_by_watchdog == 0u);
    BOOST_TEST(f.sender.stats().connections_opened - opened == 2 * per_origin);
}

// A receiver that streams (floods, big bodies, endless chunks): every request ends without the
// clock moving, with at most the body limit kept, and the sender closes each connection long
// before the receiver is done.
template <class Check> void streamed_and_cut(fixture& f, act a, Check check) {
    hostile_receiver h(a);
    f.watch.add(h.port());
    batch b;
    b.send(f.sender, h.url(), 2 * per_origin);
    BOOST_TEST_REQUIRE(f.run([&] { return b.all_done(); }));
    for (const auto& o : b.out)
        check(*o);
    check_kept(b, f.sender.params().response_body_limit);
    BOOST_TEST(h.wait([](const server_counts& c) { return c.ended_by_client + c.ended_by_watchdog == 2 * per_origin; }, 20s));
    auto c = h.counts();
    BOOST_TEST(f.watch.max(h.port()) <= per_origin);
    BOOST_TEST(c.accepted == 2 * per_origin);
    BOOST_TEST(c.ended_by_watchdog == 0u);
    BOOST_TEST_MESSAGE("the most sent on one connection: " << c.max_bytes_on_one << " bytes");
}

bool timed_out(const outcome& o) { return o.ec == asio::error::timed_out && !o.http_status; }

// A flood of headers after a status line ends the attempt at the header limit with that status,
// recorded as a truncated response: no transport error, no body, and the reason in `error`.
void flood_check(const outcome& o) {
    BOOST_TEST(!o.ec, o.ec.message());
    BOOST_TEST(o.http_status == 200);
    BOOST_TEST(o.response_body.empty());
    BOOST_TEST(o.error.find("response headers exceeded") != std::string::npos, o.error);
}

void capped_check(const outcome& o) {
    BOOST_TEST(!o.ec, o.ec.message());
    BOOST_TEST(o.http_status == 200);
    BOOST_TEST(o.response_body.size() == sender_params{}.response_body_limit);
}

// ----- the dispatcher's side -----

using test_outbox = basic_outbox<memory_storage, manual_clock>;
// The dispatcher's timers and the sender's time limits both on the stepped clock.
using stepped_dispatcher =
    dispatcher<test_outbox, stepped_sender, asio::any_io_executor, default_retry_policy, stepped_clock>;

enqueue_request delivery_to(const std::string& url, std::string webhook, std::size_t i) {
    enqueue_request q;
    q.webhook_id = std::move(webhook);
    q.event_id = "evt-" + std::to_string(i);
    q.event_type = "order.created";
    q.url = url;
    q.payload = payload::parse(R"({"n":1})");
    return q;
}

dispatcher_params one_node() {
    dispatcher_params p;
    p.node_id = "node-A";
    p.max_in_flight = 256;
    p.poll_interval = 100ms;
    p.request_timeout = request_timeout;
    p.claim_ttl = 60s;
    return p;
}

sender_params dispatcher_sender_params() {
    auto p = hostile_params();
    p.max_connections_per_origin = 32;
    return p;
}

struct dispatcher_fixture : runner {
    manual_clock clock;
    stepped_sender sender{ioc.get_executor(), dispatcher_sender_params()};
    test_outbox ob{[] {
                       outbox_params p;
                       p.partition_count = 1;  // one claim order for every row: the silent ones first
                       return p;
                   }(),
                   memory_storage(), clock};

    std::size_t count(delivery_status s) const { return ob.stats().count(s); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_receivers)

// The status line, then one header byte every 20 ms, forever: the request timeout ends it.
BOOST_FIXTURE_TEST_CASE(slowloris_headers, fixture) {
    held_until_the_timeout(*this, act::slow_headers, [](const outcome& o) {
        BOOST_TEST(timed_out(o), o.ec.message() << " " << o.error);
        BOOST_TEST(o.error.find("timeout after 10000ms") != std::string::npos, o.error);
    });
}

// Content-Length 1 MB, 8 bytes every 20 ms: the status stands, the body is what came in time.
BOOST_FIXTURE_TEST_CASE(slowloris_body, fixture) {
    held_until_the_timeout(*this, act::slow_body, [](const outcome& o) {
        BOOST_TEST(!o.ec, o.ec.message());
        BOOST_TEST(o.http_status == 200);
        BOOST_TEST(o.response_body.find_first_not_of('b') == std::string::npos);
    });
}

// Read the request, say nothing.
BOOST_FIXTURE_TEST_CASE(never_answers, fixture) {
    held_until_the_timeout(*this, act::silent, [](const outcome& o) { BOOST_TEST(timed_out(o), o.error); });
}

// Accept never called and the backlog full: connects hang until the connect timeout, and no more
// than `per_origin` of them are under way at once (the rest wait for a connection).
BOOST_FIXTURE_TEST_CASE(never_accepts, fixture) {
    blackhole_listener hole;
    watch.add_connecting();  // the listener's own pending fillers, if any, do not count
    batch b;
    b.send(sender, hole.url(), 2 * per_origin);
    BOOST_TEST(!run([&] { return b.done() > 0; }, 1s));
    BOOST_TEST(watch.connecting() == per_origin);
    stepped_clock::advance(connect_timeout);
    BOOST_TEST_REQUIRE(run([&] { return b.all_done(); }));
    for (const auto& o : b.out) {
        BOOST_TEST(timed_out(*o), o->error);
        BOOST_TEST(o->error.find("connect timeout after 20000ms") != std::string::npos, o->error);
    }
    BOOST_TEST(sender.stats().connections_opened == 0u);
}

// Chunks forever: the body is cut at the limit and the connection closed.
BOOST_FIXTURE_TEST_CASE(endless_chunked_body, fixture) {
    streamed_and_cut(*this, act::endless_chunks, capped_check);
}

BOOST_FIXTURE_TEST_CASE(ten_megabyte_bodies, fixture) {
    streamed_and_cut(*this, act::big_body, capped_check);
    streamed_and_cut(*this, act::big_chunked, capped_check);
}

// Thousands of header lines, and one header of 8 MB.
BOOST_FIXTURE_TEST_CASE(header_floods, fixture) {
    streamed_and_cut(*this, act::header_lines, flood_check);
    streamed_and_cut(*this, act::header_block, flood_check);
}

// Every hostile receiver at once, beside a healthy one that answers 200 at once. While the hostile
// ones are held open (and big bodies and endless chunks keep coming), each healthy delivery's
// latency is measured in real time; memory is read before and after.
BOOST_FIXTURE_TEST_CASE(all_at_once_beside_a_healthy_receiver, fixture) {
    scripted_receiver healthy;
    healthy.respond({.status = 200, .body = "ok"});
    std::vector<act> held_acts{act::slow_headers, act::slow_body, act::silent};
    std::vector<act> streamed_acts{act::endless_chunks, act::header_lines, act::header_block, act::big_body,
                                   act::big_chunked};
    std::vector<std::unique_ptr<hostile_receiver>> held, streamed;
    for (act a : held_acts)
        held.push_back(std::make_unique<hostile_receiver>(a));
    for (act a : streamed_acts)
        streamed.push_back(std::make_unique<hostile_receiver>(a));
    blackhole_listener hole;
    for (auto* group : {&held, &streamed})
        for (auto& h : *group)
            watch.add(h->port());
    watch.add(healthy.port());
    // Here the connections are sampled once a millisecond at most, so that sampling does not weigh
    // on the latencies; the tests of each receiver alone sample after every handler.
    watch.gap = 1ms;

    {  // warm up: one healthy exchange, so that the baseline includes the sender's own state
        batch warm;
        warm.send(sender, healthy.url(), 1);
        BOOST_TEST_REQUIRE(run([&] { return warm.all_done(); }));
    }
    reset_peak();
    const memory_use before = read_memory();

    std::vector<batch> held_batches(held.size()), streamed_batches(streamed.size());
    batch blackholed;
    for (std::size_t i = 0; i < held.size(); ++i)
        held_batches[i].send(sender, held[i]->url(), 2 * per_origin);
    for (std::size_t i = 0; i < streamed.size(); ++i)
        streamed_batches[i].send(sender, streamed[i]->url(), 2 * per_origin);
    blackholed.send(sender, hole.url(), 2 * per_origin);
    BOOST_TEST_REQUIRE(run([&] {
        for (auto& h : held)
            if (h->counts().requests < per_origin)
                return false;
        return true;
    }));

    // The healthy deliveries, one after the other, while more hostile streams keep coming.
    constexpr std::size_t healthy_n = 200;
    std::vector<double> latency_ms;
    batch good;
    for (std::size_t i = 0; i < healthy_n; ++i) {
        if (i % 20 == 0)
            for (std::size_t k : {std::size_t(0), std::size_t(3), std::size_t(4)})  // endless, 10 MB, 10 MB chunked
                streamed_batches[k].send(sender, streamed[k]->url(), 1);
        const auto t0 = std::chrono::steady_clock::now();
        good.send(sender, healthy.url(), 1);
        BOOST_TEST_REQUIRE(run([&] { return good.all_done(); }));
        latency_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    BOOST_TEST_REQUIRE(run([&] {
        for (auto& b : streamed_batches)
            if (!b.all_done())
                return false;
        return true;
    }));
    const memory_use during = read_memory();

    // The held ones are still held: nothing of theirs ended without the clock.
    for (std::size_t i = 0; i < held.size(); ++i) {
        BOOST_TEST(held_batches[i].done() == 0u);
        BOOST_TEST(held[i]->counts().open == per_origin);
    }
    BOOST_TEST(blackholed.done() == 0u);

    // The time limits end them all.
    stepped_clock::advance(request_timeout);
    BOOST_TEST_REQUIRE(run([&] {
        for (auto& h : held)
            if (h->counts().requests < 2 * per_origin)
                return false;
        return true;
    }));
    stepped_clock::advance(request_timeout);
    BOOST_TEST_REQUIRE(run([&] {
        for (auto& b : held_batches)
            if (!b.all_done())
                return false;
        return blackholed.all_done();
    }));
    const memory_use after = read_memory();

    // Bounds: the bytes kept per attempt, the connections per origin, and every connection ended
    // by the sender.
    const std::size_t limit = sender.params().response_body_limit;
    std::size_t hostile_connections = 0;
    for (auto* group : {&held, &streamed}) {
        for (auto& h : *group) {
            BOOST_TEST(h->wait([](const server_counts& c) { return c.open == 0; }, 20s));
            auto c = h->counts();
            BOOST_TEST(watch.max(h->port()) <= per_origin);
            BOOST_TEST(c.ended_by_watchdog == 0u);
            hostile_connections += c.accepted;
        }
    }
    for (auto* group : {&held_batches, &streamed_batches})
        for (auto& b : *group)
            check_kept(b, limit);
    for (const auto& o : good.out)
        BOOST_TEST(o->http_status == 200);
    for (const auto& o : blackholed.out)
        BOOST_TEST(timed_out(*o));
    BOOST_TEST(sender.stats().connections_opened == hostile_connections + healthy.connection_count());
    BOOST_TEST(healthy.connection_count() == 1u);  // the healthy receiver kept its keep-alive connection
    BOOST_TEST(watch.max(healthy.port()) == 1u);

    // What an unbounded reader would have kept: every body and header block in full.
    std::uint64_t streamed_bytes = 0;
    for (auto& h : streamed)
        streamed_bytes += h->counts().bytes_sent;
    const double p50 = percentile(latency_ms, 50), p99 = percentile(latency_ms, 99);
    figure("healthy_p50", p50, "ms");
    figure("healthy_p99", p99, "ms");
    figure("healthy_max", *std::max_element(latency_ms.begin(), latency_ms.end()), "ms");
    figure("rss_before", double(before.rss), "KiB");
    figure("rss_during", double(during.rss), "KiB");
    figure("rss_after", double(after.rss), "KiB");
    figure("hwm_growth", double(after.hwm - before.hwm), "KiB");
    figure("streamed_bytes_sent", double(streamed_bytes / 1024), "KiB");
    figure("connections", double(hostile_connections), "connections");

    BOOST_TEST(p99 < 250.0);
    // 70 streams of 4 to 10 MB or endless went by: a reader that kept them would have grown by
    // hundreds of MB (the receivers pushed `streamed_bytes_sent` into the sockets before the sender
    // closed them). The sender keeps 16 KiB of each.
    BOOST_TEST(after.hwm - before.hwm < 32 * 1024);
    BOOST_TEST(after.rss - before.rss < 32 * 1024);
}

// One endpoint that never answers, with 300 deliveries ahead of a healthy endpoint's 20 in the
// outbox, and 256 request slots. Without a bound per endpoint the silent one took all 256 slots and
// the healthy deliveries waited for its request timeout (on the clock, which this test does not
// move that far). With it, the silent endpoint has at most `max_in_flight_per_endpoint` (64)
// requests in flight; its other rows wait on the node, and once they have filled the room for
// `poll_interval` they go back to the outbox unattempted, and the healthy deliveries go at once.
BOOST_FIXTURE_TEST_CASE(one_endpoint_cannot_take_every_slot, dispatcher_fixture) {
    hostile_receiver silent(act::silent);
    scripted_receiver healthy;
    watch.add(silent.port());
    constexpr std::size_t silent_n = 300, healthy_n = 20;
    for (std::size_t i = 0; i < silent_n; ++i)
        ob.enqueue(delivery_to(silent.url(), "wh-silent", i));
    for (std::size_t i = 0; i < healthy_n; ++i)
        ob.enqueue(delivery_to(healthy.url(), "wh-healthy", silent_n + i));
    const auto p = one_node();
    BOOST_TEST(p.max_in_flight_per_endpoint == 64u);  // the default
    stepped_dispatcher d(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    d.async_run([&](error_code ec) { done = ec; });

    // The room fills: every slot claimed, the sender's 32 connections to the silent receiver open.
    BOOST_TEST_REQUIRE(run([&] { return d.stats().claimed == p.max_in_flight && silent.counts().requests == 32; }));
    BOOST_TEST(count(delivery_status::success) == 0u);
    // The held rows have filled the room for `poll_interval`: far less than any request timeout.
    const auto t0 = std::chrono::steady_clock::now();
    stepped_clock::advance(p.poll_interval);
    BOOST_TEST(run([&] { return count(delivery_status::success) == healthy_n; }, 20s));
    figure("dispatcher_healthy_all",
           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(), "ms");
    BOOST_TEST(healthy.request_count() == healthy_n);
    // The silent endpoint: at most 64 requests given to the sender, at most 32 connections.
    BOOST_TEST(sender.stats().requests - healthy_n <= p.max_in_flight_per_endpoint);
    BOOST_TEST(watch.max(silent.port()) == 32u);
    BOOST_TEST(d.stats().deferred >= p.max_in_flight - p.max_in_flight_per_endpoint);
    BOOST_TEST(d.stats().attempts == healthy_n);  // nothing of the silent endpoint was attempted yet

    // 26 s later on the outbox's clock, the rows still held for the silent endpoint can no longer
    // finish a request under their claims (26 s + 30 s + the 5 s ack margin > the 60 s claim TTL):
    // when its first requests end at their timeout, those rows are given back unsent, claimable at
    // once, instead of taking the free slots. The stop ends the rest.
    clock.advance(26s);
    const std::size_t held = silent_n - p.max_in_flight;  // claimed after the first held rows went back
    stepped_clock::advance(request_timeout);
    BOOST_TEST_REQUIRE(run([&] { return d.stats().attempts >= healthy_n + 32; }));
    BOOST_TEST(d.stats().abandoned >= held);
    d.cancel();
    ioc.poll();
    stepped_clock::advance(p.drain_timeout);
    BOOST_TEST_REQUIRE(run([&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(count(delivery_status::in_flight) == 0u);
    BOOST_TEST(count(delivery_status::success) == healthy_n);
    BOOST_TEST(silent.wait([](const server_counts& c) { return c.open == 0; }, 20s));
    BOOST_TEST(silent.counts().ended_by_watchdog == 0u);
}

// A busy but healthy endpoint over its cap: its rows wait on the node and go as its requests end,
// none put back, and never more than the cap at once (so never more connections).
BOOST_FIXTURE_TEST_CASE(rows_over_the_cap_wait_for_a_slot, dispatcher_fixture) {
    scripted_receiver healthy;
    watch.add(healthy.port());
    constexpr std::size_t n = 30;
    for (std::size_t i = 0; i < n; ++i)
        ob.enqueue(delivery_to(healthy.url(), "wh-busy", i));
    auto p = one_node();
    p.max_in_flight_per_endpoint = 2;
    stepped_dispatcher d(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    d.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run([&] { return count(delivery_status::success) == n; }));
    BOOST_TEST(d.stats().deferred == 0u);
    BOOST_TEST(d.stats().abandoned == 0u);
    BOOST_TEST(healthy.request_count() == n);
    BOOST_TEST(watch.max(healthy.port()) <= 2u);
    d.cancel();
    BOOST_TEST_REQUIRE(run([&] { return done.has_value(); }));
}

// The bound is checked, naming the field.
BOOST_AUTO_TEST_CASE(max_in_flight_per_endpoint_is_checked) {
    auto p = one_node();
    p.max_in_flight_per_endpoint = 0;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!stepped_dispatcher::check(p, connect_timeout, ec, diag));
    CHECK_ERRC(ec, errc::invalid_argument);
    BOOST_TEST(diag.field() == "max_in_flight_per_endpoint");
    BOOST_TEST(diag.message() == "max_in_flight_per_endpoint: must be at least 1");
    p.max_in_flight_per_endpoint = 1;
    BOOST_TEST(stepped_dispatcher::check(p, connect_timeout, ec, diag));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
