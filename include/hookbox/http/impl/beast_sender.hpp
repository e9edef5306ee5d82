//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_BEAST_SENDER_HPP
#define HOOKBOX_HTTP_IMPL_BEAST_SENDER_HPP

// The members of `beast_sender_impl` (`http/detail/beast_sender_impl.hpp`, which says how it works
// and what keeps what alive). They are defined out of the class so that an explicit instantiation
// declaration (separate compilation) keeps them from being compiled in every translation unit.

#include <hookbox/http/detail/beast_sender_impl.hpp>

namespace hookbox::http::detail {

// ----- construction, and what the front object calls from any thread -----

template <class Executor, class Clock, class WaitTraits>
beast_sender_impl<Executor, Clock, WaitTraits>::beast_sender_impl(const Executor& ex,
                                                                  boost::asio::ssl::context* tls,
                                                                  sender_params params)
    : tls_(tls), strand_(boost::asio::make_strand(ex)), params_(std::move(params)) {
    if (!tls_) {
        owned_tls_ = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
        tls_ = owned_tls_.get();
        tls_->set_default_verify_paths();
    }
    tls_->set_verify_mode(boost::asio::ssl::verify_peer);
    if (params_.max_connections_per_origin == 0)
        params_.max_connections_per_origin = 1;
}

// Runs when the last handler holding the state is gone. Normally every operation has completed by
// then; operations still here belong to an execution context destroyed with their work pending,
// whose handlers are destroyed unrun, as Asio destroys its own.
template <class Executor, class Clock, class WaitTraits>
beast_sender_impl<Executor, Clock, WaitTraits>::~beast_sender_impl() {
    while (op_base* o = live_) {
        unlink(o);
        o->destroy();
    }
}

template <class Executor, class Clock, class WaitTraits>
sender_stats beast_sender_impl<Executor, Clock, WaitTraits>::stats() const noexcept {
    return {requests_.load(std::memory_order_relaxed), opened_.load(std::memory_order_relaxed),
            reused_.load(std::memory_order_relaxed), responses_.load(std::memory_order_relaxed)};
}

template <class Executor, class Clock, class WaitTraits>
template <class Handler>
void beast_sender_impl<Executor, Clock, WaitTraits>::start(Handler&& handler, outgoing_request req) {
    using handler_type = std::decay_t<Handler>;
    handler_type h(std::forward<Handler>(handler));
    auto slot = boost::asio::get_associated_cancellation_slot(h);
    op_base* o = op<handler_type>::create(std::move(h), strand_);
    admit_fn fn(this->shared_from_this(), o);
    o->req = std::move(req);
    o->start = Clock::now();
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (slot.is_connected()) {
        o->id = next_id_.fetch_add(1, std::memory_order_relaxed) + 1;
        slot.template emplace<cancel_request>(this->weak_from_this(), o->id);
    }
    boost::asio::post(strand_, std::move(fn));
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::cancel() {
    boost::asio::post(strand_, [self = this->shared_from_this()] { self->cancel_all(); });
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::close() {
    closed_.store(true, std::memory_order_relaxed);
    cancel();
}

template <class Executor, class Clock, class WaitTraits>
std::string beast_sender_impl<Executor, Clock, WaitTraits>::ms_text(std::chrono::milliseconds d) {
    return std::to_string(d.count()) + "ms";
}

template <class Executor, class Clock, class WaitTraits>
bool beast_sender_impl<Executor, Clock, WaitTraits>::is_stale_error(
    const boost::system::error_code& ec) noexcept {
    namespace err = boost::asio::error;
    return ec == err::eof || ec == err::connection_reset || ec == err::broken_pipe ||
           ec == boost::asio::ssl::error::stream_truncated;
}

// ----- admission and the pool -----

// Checks the request and gives it to its origin's pool.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::admit(op_base* o) {
    link(o);
    if (o->id != 0)
        cancellable_.emplace(o->id, o);
    if (closed_.load(std::memory_order_relaxed))
        return fail(o, boost::asio::error::operation_aborted, "cancelled");
    o->epoch = epoch_;
    o->connect_deadline = to_pool(o->start + params_.connect_timeout);
    const outgoing_request& r = o->req;
    error_code ec;
    diagnostics diag;
    o->url = lookup(r.url, ec, diag);
    if (!o->url)
        return refuse(o, ec, diag.message());
    if (r.method.empty())
        o->req.method = "POST";
    if (!hookbox::detail::is_token(o->req.method) || o->req.method.size() > limits::method)
        return refuse(o, errc::invalid_method, "method: must be an HTTP method token");
    for (std::size_t i = 0; i < r.headers.size(); ++i)
        if (!validate_header(r.headers[i], i, ec, diag))
            return refuse(o, ec, diag.message());
    if (r.timeout.count() <= 0)
        return refuse(o, errc::invalid_timeout, "timeout: must be greater than 0");
    o->head = o->req.method == "HEAD";
    acquire(o);
}

// The parsed URL and its origin, from a cache of recent URLs.
template <class Executor, class Clock, class WaitTraits>
auto beast_sender_impl<Executor, Clock, WaitTraits>::lookup(const std::string& url,
                                                            error_code& ec,
                                                            diagnostics& diag)
    -> std::shared_ptr<const url_entry> {
    if (auto it = urls_.find(url); it != urls_.end())
        return it->second;
    auto parts = parse_url(url, ec, diag);
    if (!parts)
        return nullptr;
    auto e = std::make_shared<url_entry>();
    auto [it, added] = pools_.try_emplace(
        parts->origin, origin_pool_params{params_.max_connections_per_origin, params_.idle_timeout});
    e->owner = &it->second;
    e->parts = std::move(*parts);
    if (urls_.size() >= 4096)
        urls_.clear();
    urls_.emplace(url, e);
    return e;
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::acquire(op_base* o) {
    origin& p = *o->url->owner;
    apply(p, p.pool.acquire(*o, pool_now()));
}

// Carries out a step of the pool, in the order the pool asks for: serving the request comes last,
// because it may call the pool again (an open that fails at once), which invalidates the step.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::apply(origin& p, const origin_pool::step& s) {
    for (pool_connection* c : s.closed)
        close_retired(p, static_cast<connection&>(*c));
    for (pool_request* r : s.expired) {
        auto* o = static_cast<op_base*>(r);
        fail(o, boost::asio::error::timed_out,
             "connect timeout after " + ms_text(params_.connect_timeout) +
                 " waiting for a free connection to " + o->url->parts.origin);
    }
    sync_wait_timer(p);
    if (!s.request)
        return;
    auto* o = static_cast<op_base*>(s.request);
    if (s.connection)
        return exchange(static_cast<connection&>(*s.connection), o);
    boost::asio::co_spawn(strand_, open_for(this->shared_from_this(), o), boost::asio::detached);
}

// Keeps the origin's timer set for the oldest waiting request's connect deadline, and unset when
// nothing waits (a pending wait would keep run() going).
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::sync_wait_timer(origin& p) {
    std::optional<pool_clock::time_point> next = p.pool.next_deadline();
    if (!next) {
        if (p.wait_armed) {
            p.wait_armed = false;
            p.wait_timer->cancel();
        }
        return;
    }
    pool_clock::time_point due = *next;
    if (p.wait_armed && p.wait_expiry <= due)
        return;
    if (!p.wait_timer)
        p.wait_timer = std::make_unique<timer_type>(strand_);
    p.wait_armed = true;
    p.wait_expiry = due;
    p.wait_timer->expires_at(from_pool(due));
    p.wait_timer->async_wait([self = this->shared_from_this(), pp = &p, due](boost::system::error_code ec) {
        if (ec || pp->wait_expiry != due)
            return;
        pp->wait_armed = false;
        self->apply(*pp, pp->pool.expire(pool_now()));
    });
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::cancel_one(std::uint64_t id) {
    auto found = cancellable_.find(id);
    if (found == cancellable_.end())
        return;  // already completed
    op_base* o = found->second;
    o->cancelled = true;
    if (o->conn) {
        close_socket(*o->conn);
        return;
    }
    if (o->opening) {
        o->opening->cancel();  // the connection coroutine ends it
        return;
    }
    if (o->url) {
        origin& p = *o->url->owner;
        if (p.pool.cancel(*o)) {
            sync_wait_timer(p);
            return fail(o, boost::asio::error::operation_aborted, "cancelled");
        }
    }
    // Its connection coroutine has not started yet: it notices `cancelled` when it does.
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::cancel_all() {
    ++epoch_;
    for (auto& [name, p] : pools_) {
        auto waiting = p.pool.take_waiting();
        std::vector<op_base*> ops;
        ops.reserve(waiting.size());
        for (pool_request* r : waiting)
            ops.push_back(static_cast<op_base*>(r));
        sync_wait_timer(p);
        for (op_base* o : ops)
            fail(o, boost::asio::error::operation_aborted, "cancelled");
        auto conns = p.conns;  // retiring changes the list
        for (auto& c : conns)
            retire(*c);
    }
    // Connections being opened end at once; each coroutine then sees the new epoch.
    for (op_base* o : opening_)
        o->opening->cancel();
}

// ----- completion -----

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::link(op_base* o) noexcept {
    o->prev = nullptr;
    o->next = live_;
    if (live_)
        live_->prev = o;
    live_ = o;
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::unlink(op_base* o) noexcept {
    if (o->prev)
        o->prev->next = o->next;
    else
        live_ = o->next;
    if (o->next)
        o->next->prev = o->prev;
    o->prev = o->next = nullptr;
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::finish(op_base* o) {
    if (o->id != 0)
        cancellable_.erase(o->id);
    unlink(o);
    o->conn = nullptr;
    o->res.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - o->start);
    o->complete();
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::fail(op_base* o, error_code ec, std::string error) {
    o->ec = ec;
    o->res.error = std::move(error);
    finish(o);
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::refuse(op_base* o, error_code ec, std::string error) {
    o->res.refused = true;
    fail(o, ec, std::move(error));
}

// ----- connections -----

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::close_socket(connection& c) noexcept {
    boost::system::error_code ignored;
    c.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.socket().close(ignored);
}

// The I/O side of a connection the pool has counted out.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::close_retired(origin& p, connection& c) {
    close_socket(c);
    c.timer_armed = false;
    c.timer.cancel();
    // Last: the origin's pointer may be what keeps `c` alive; pending handlers hold their own.
    auto it =
        std::find_if(p.conns.begin(), p.conns.end(), [&](const connection_ptr& x) { return x.get() == &c; });
    if (it != p.conns.end())
        p.conns.erase(it);
}

// Closes `c` for good; its place may go to a waiting request.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::retire(connection& c) {
    if (c.retired)
        return;
    origin& p = *c.owner;
    auto s = p.pool.retired(c, pool_now());
    close_retired(p, c);
    apply(p, s);
}

// A connection whose exchange ended well: the next waiting request, or the idle list.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::release(connection& c) {
    origin& p = *c.owner;
    auto s = p.pool.released(c, pool_now());
    if (c.idle && c.timer_armed) {
        // An idle connection needs no deadline, and a pending wait would keep run() going.
        c.timer_armed = false;
        ++c.timer_generation;
        c.timer.cancel();
    }
    apply(p, s);
}

// Resolves, checks the addresses, connects and (for HTTPS) shakes hands, then sends `o`. `self`
// keeps the state alive while the coroutine is suspended.
template <class Executor, class Clock, class WaitTraits>
auto beast_sender_impl<Executor, Clock, WaitTraits>::open_for(self_ptr self, op_base* o) -> awaitable<void> {
    (void)self;
    origin& p = *o->url->owner;
    connection_ptr c;
    try {
        c = co_await open(*o);
    } catch (const boost::system::system_error& e) {
        o->ec = e.code();
        o->res.error = std::string("internal error in the sender: ") + e.what();
    } catch (const std::bad_alloc&) {
        o->ec = boost::asio::error::no_memory;
        o->res.error = "internal error in the sender: out of memory";
    } catch (const std::exception& e) {
        o->ec = make_error_code(boost::system::errc::state_not_recoverable);
        o->res.error = std::string("internal error in the sender: ") + e.what();
    }
    if (!c) {
        apply(p, p.pool.open_failed(pool_now()));
        finish(o);
        co_return;
    }
    c->owner = &p;
    p.conns.push_back(c);
    opened_.fetch_add(1, std::memory_order_relaxed);
    if (o->epoch != epoch_) {
        retire(*c);
        fail(o, boost::asio::error::operation_aborted, "cancelled");
        co_return;
    }
    if (o->cancelled) {
        fail(o, boost::asio::error::operation_aborted, "cancelled");
        release(*c);
        co_return;
    }
    exchange(*c, o);
}

// A new connection for `o`, or null with `o.ec` and `o.res` saying why. Every wait races the
// connect deadline's timer, which a cancellation also ends (`opening_scope`).
template <class Executor, class Clock, class WaitTraits>
auto beast_sender_impl<Executor, Clock, WaitTraits>::open(op_base& o) -> awaitable<connection_ptr> {
    using namespace boost::asio::experimental::awaitable_operators;
    namespace asio = boost::asio;
    const url_parts& u = o.url->parts;
    send_result& res = o.res;
    auto fail_with = [&](error_code ec, std::string error) {
        o.ec = ec;
        res.error = std::move(error);
        return connection_ptr();
    };
    auto cancelled = [&] { return fail_with(asio::error::operation_aborted, "cancelled"); };
    auto timeout_text = [&](std::string_view while_) {
        return "connect timeout after " + ms_text(params_.connect_timeout) + " " + std::string(while_);
    };
    if (aborted(o))
        co_return cancelled();
    timer_type timer(strand_, from_pool(o.connect_deadline));
    opening_scope scope(*this, o, timer);

    std::vector<tcp::endpoint> candidates;
    if (u.literal) {
        candidates.emplace_back(*u.literal, u.port);
    } else {
        tcp::resolver resolver(strand_);
        std::string service = std::to_string(u.port);
        auto which = co_await (resolver.async_resolve(u.host, service, asio::as_tuple(asio::use_awaitable)) ||
                               timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (aborted(o))
            co_return cancelled();
        if (which.index() == 1)
            co_return fail_with(asio::error::timed_out, timeout_text("resolving " + u.host));
        auto& [rec, results] = std::get<0>(which);
        if (rec)
            co_return fail_with(rec, "cannot resolve " + u.host + ": " + rec.message());
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
        res.refused = true;
        co_return fail_with(errc::address_not_permitted,
                            "address policy: " + refused + " (from " + u.host +
                                ") is not globally routable and not allow-listed");
    }

    connection_ptr c;
    if (u.tls)
        c = std::make_shared<connection>(strand_, std::in_place_type<tls_stream>, strand_, *tls_);
    else
        c = std::make_shared<connection>(strand_, std::in_place_type<socket_type>, strand_);
    c->in.resize(16 * 1024);
    socket_type& sock = c->socket();

    // Each permitted address in turn, all within the deadline.
    boost::system::error_code cec = asio::error::host_not_found;
    for (const auto& ep : permitted) {
        if (sock.is_open()) {
            boost::system::error_code ignored;
            sock.close(ignored);
        }
        auto which = co_await (sock.async_connect(ep, asio::as_tuple(asio::use_awaitable)) ||
                               timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (aborted(o))
            co_return cancelled();
        if (which.index() == 1)
            co_return fail_with(asio::error::timed_out, timeout_text("to " + u.host_header));
        std::tie(cec) = std::get<0>(which);
        if (!cec)
            break;
    }
    if (cec)
        co_return fail_with(cec, "cannot connect to " + u.host_header + ": " + cec.message());
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    if (u.tls) {
        auto& s = std::get<tls_stream>(c->stream);
        if (!u.literal && !SSL_set_tlsext_host_name(s.native_handle(), u.host.c_str()))
            co_return fail_with(asio::error::invalid_argument,
                                "TLS: cannot set the server name for " + u.host);
        s.set_verify_mode(asio::ssl::verify_peer);
        s.set_verify_callback(asio::ssl::host_name_verification(u.host));
        auto which = co_await (
            s.async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable)) ||
            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (aborted(o))
            co_return cancelled();
        if (which.index() == 1)
            co_return fail_with(asio::error::timed_out,
                                timeout_text("in the TLS handshake with " + u.host_header));
        auto [hec] = std::get<0>(which);
        if (hec)
            co_return fail_with(hec, "TLS handshake with " + u.host_header + " failed: " + hec.message());
    }
    co_return c;
}

// ----- one exchange: write the request, read the response -----

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::exchange(connection& c, op_base* o) {
    if (c.served++ > 0) {
        o->reused = true;
        reused_.fetch_add(1, std::memory_order_relaxed);
    }
    c.current = o;
    o->conn = &c;
    c.timed_out = false;
    c.got_bytes = false;
    c.reader.reset();
    // The head is formatted by hand into a buffer the connection keeps, not by Beast's serializer:
    // filling Beast's fields and serializing them took 966 ns a request against 110 ns for this (a
    // 1 KiB body and five headers, Release, best of 7 runs of a million), and with them W2 memory
    // fell from 28,619 to 21,713 deliveries/s, 0.64x to 0.45x the W0 ceiling (medians of
    // `../shared/bench/compare.sh ac8080b w2`, ROUNDS=3; doc/benchmarks.md). Beast's own
    // http::async_write does not compile on these streams in Boost 1.81 either: their executor is a
    // strand of any_io_executor, for which its work guard takes a Networking TS executor.
    write_request_head(c.out, o->req, o->url->parts, params_.user_agent);
    arm(c, Clock::now() + o->req.timeout);

    auto on_written = [self = this->shared_from_this(), conn = c.shared_from_this()](
                          boost::system::error_code ec, std::size_t) { self->written(*conn, ec); };
    std::string_view body = o->req.body.body();
    if (auto* s = std::get_if<socket_type>(&c.stream)) {
        std::array<boost::asio::const_buffer, 2> bufs{boost::asio::buffer(c.out),
                                                      boost::asio::buffer(body.data(), body.size())};
        boost::asio::async_write(*s, bufs, std::move(on_written));
    } else {
        c.out.append(body);
        boost::asio::async_write(std::get<tls_stream>(c.stream), boost::asio::buffer(c.out),
                                 std::move(on_written));
    }
}

// The connection's deadline timer is set once and moved only when it fires (or when a request
// needs an earlier deadline), so that most requests touch no timer at all.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::arm(connection& c, time_point deadline) {
    c.deadline = deadline;
    if (c.timer_armed && c.timer_expiry <= deadline)
        return;
    c.timer_armed = true;
    c.timer_expiry = deadline;
    std::uint64_t gen = ++c.timer_generation;
    c.timer.expires_at(deadline);
    c.timer.async_wait(
        [self = this->shared_from_this(), conn = c.shared_from_this(), gen](boost::system::error_code) {
            connection& k = *conn;
            if (gen != k.timer_generation || k.retired)
                return;
            k.timer_armed = false;
            if (!k.current)
                return;
            if (Clock::now() >= k.deadline) {
                k.timed_out = true;
                close_socket(k);
            } else {
                self->arm(k, k.deadline);
            }
        });
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::written(connection& c, boost::system::error_code ec) {
    op_base* o = c.current;
    if (ec)
        return broken(c, ec, "(sending the request)", is_stale_error(ec));
    c.reader.emplace(o->res.response_body, params_.response_body_limit, params_.response_header_limit, o->head);
    if (c.in_begin == c.in_end)
        c.in_begin = c.in_end = 0;
    if (c.in_begin < c.in_end)
        return parse(c);
    read(c);
}

// The input buffer is full only with bytes the reader could not use yet: a header block (or a
// chunk header) not yet whole. It grows, by doubling, up to what the header limit may still need.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::read(connection& c) {
    if (c.in_end == c.in.size()) {
        if (c.in_begin > 0) {
            std::copy(c.in.begin() + static_cast<std::ptrdiff_t>(c.in_begin),
                      c.in.begin() + static_cast<std::ptrdiff_t>(c.in_end), c.in.begin());
            c.in_end -= c.in_begin;
            c.in_begin = 0;
        } else if (std::size_t room = c.reader->header_room(); room > c.in.size()) {
            c.in.resize(std::min(room, 2 * c.in.size()));
        } else {
            return broken(c, boost::beast::http::error::header_limit, "(reading the response headers)",
                          false);
        }
    }
    auto on_read = [self = this->shared_from_this(), conn = c.shared_from_this()](
                       boost::system::error_code ec, std::size_t n) { self->got(*conn, ec, n); };
    auto buf = boost::asio::buffer(c.in.data() + c.in_end, c.in.size() - c.in_end);
    if (auto* s = std::get_if<socket_type>(&c.stream))
        s->async_read_some(buf, std::move(on_read));
    else
        std::get<tls_stream>(c.stream).async_read_some(buf, std::move(on_read));
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::got(connection& c,
                                                         boost::system::error_code ec,
                                                         std::size_t n) {
    c.in_end += n;
    if (n > 0)
        c.got_bytes = true;
    if (ec)  // after the final status, the end of the stream ends the body (`broken`)
        return broken(c, ec, "(waiting for the response headers)", is_stale_error(ec));
    parse(c);
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::parse(connection& c) {
    using state = response_reader::state;
    auto& r = *c.reader;
    op_base* o = c.current;
    bool status_before = r.has_status();
    c.in_begin += r.put(c.in.data() + c.in_begin, c.in_end - c.in_begin);
    if (!status_before && r.has_status()) {
        o->res.http_status = static_cast<int>(r.status());
        o->res.retry_after = std::move(r.retry_after());
        if (r.truncated())
            o->res.error = "response headers exceeded " + std::to_string(r.header_limit()) +
                           " bytes and were not read";
        responses_.fetch_add(1, std::memory_order_relaxed);
    }
    switch (r.current()) {
    case state::need_more:
        return read(c);
    case state::done:
        return done(c, r.reusable() && c.in_begin == c.in_end);
    case state::failed:
        break;
    }
    if (r.error() == boost::beast::http::error::bad_status) {
        o->ec = r.error();
        o->res.error = "invalid HTTP status " + std::to_string(r.status()) + " in the response";
        return done(c, false);
    }
    broken(c, r.error(), "(reading the response headers)", false);
}

// The exchange failed. Before a status: an error, or (stale) one more try on a new connection.
// After it, the status stands with the body read so far (all of it when the end of the connection
// delimits it), and the connection is closed.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::broken(connection& c,
                                                            boost::system::error_code ec,
                                                            std::string_view while_,
                                                            bool closed_by_peer) {
    op_base* o = c.current;
    if (c.reader && c.reader->has_status())
        return done(c, false);  // the body did not arrive in time: the status stands
    std::chrono::milliseconds timeout = o->req.timeout;
    c.current = nullptr;
    o->conn = nullptr;
    if (aborted(*o)) {
        retire(c);
        fail(o, boost::asio::error::operation_aborted, "cancelled");
    } else if (send_again({.closed_by_peer = closed_by_peer,
                           .response_started = c.got_bytes,
                           .reused = o->reused,
                           .timed_out = c.timed_out,
                           .retried = o->retried})) {
        o->retried = true;
        o->reused = false;
        o->res = send_result{};
        o->ec = {};
        origin& p = *c.owner;
        auto s = p.pool.retry(*o, c);
        close_retired(p, c);
        apply(p, s);
    } else {
        retire(c);
        if (c.timed_out)
            fail(o, boost::asio::error::timed_out,
                 "timeout after " + ms_text(timeout) + " " + std::string(while_));
        else
            fail(o, ec, ec.message() + " " + std::string(while_));
    }
}

// The exchange ended with a response.
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::done(connection& c, bool reusable) {
    op_base* o = c.current;
    c.current = nullptr;
    o->conn = nullptr;
    if (reusable && !c.retired && o->epoch == epoch_) {
        finish(o);
        release(c);
    } else {
        retire(c);
        finish(o);
    }
}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_BEAST_SENDER_HPP
