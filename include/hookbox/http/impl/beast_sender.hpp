//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_BEAST_SENDER_HPP
#define HOOKBOX_HTTP_IMPL_BEAST_SENDER_HPP

// The driver of `basic_beast_sender`: sockets, timers and the strand. What to do with a request or
// a connection is the origin pool's decision (`detail/origin_pool.hpp`); this file carries it out.
// The members are defined out of the class so that an explicit instantiation declaration (separate
// compilation) keeps them from being compiled in every translation unit.
//
// Everything here runs on the strand, but `start`, `cancel` and `close`, which the front object
// calls from any thread. Lifetimes:
// - `beast_sender_impl` is shared by the front object and by everything queued on its behalf:
//   posted functions, I/O and timer handlers and connection coroutines each hold a `shared_ptr` to
//   it, so it lives until the last of them has run. The front's destructor posts a cancellation of
//   everything; nothing else refers to the front. The per-operation cancellation handler, which
//   lives in the caller's slot, holds only a `weak_ptr`.
// - An operation is allocated with its handler's allocator in `start` and freed by `complete()`
//   (after its handler has been moved out) or `destroy()`. From `admit` on it is on the `live_`
//   list; before that the posted `admit_fn` owns it. Whatever refers to a live operation (the pool's
//   queue, a connection's `current`, a connection coroutine) is reached only through the impl, so
//   that every live operation ends through `finish`, or in the impl's destructor when the execution
//   context was destroyed with the work pending.
// - A connection is kept alive by its origin's `conns` while it is open and by the `shared_ptr`
//   each pending handler holds.

#include <hookbox/http/beast_sender.hpp>
#include <hookbox/http/detail/origin_pool.hpp>
#include <hookbox/http/detail/request_head.hpp>
#include <hookbox/http/detail/response_reader.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

namespace hookbox::http::detail {

// The state of a `basic_beast_sender`, shared with its outstanding operations.
template <class Executor, class Clock, class WaitTraits>
class beast_sender_impl
    : public std::enable_shared_from_this<beast_sender_impl<Executor, Clock, WaitTraits>> {
public:
    using executor_type = boost::asio::strand<Executor>;

    // `tls` null: an own context that trusts the system's certificate store.
    beast_sender_impl(const Executor& ex, boost::asio::ssl::context* tls, sender_params params);
    ~beast_sender_impl();

    beast_sender_impl(const beast_sender_impl&) = delete;
    beast_sender_impl& operator=(const beast_sender_impl&) = delete;

    const executor_type& get_executor() const noexcept { return strand_; }
    const sender_params& params() const noexcept { return params_; }
    sender_stats stats() const noexcept;

    // From any thread: an `async_send` initiation, `cancel()`, and the front's destruction.
    template <class Handler> void start(Handler&& handler, outgoing_request req);
    void cancel();
    void close();

private:
    using tcp = boost::asio::ip::tcp;
    using time_point = typename Clock::time_point;
    using socket_type = boost::asio::basic_stream_socket<tcp, executor_type>;
    using tls_stream = boost::asio::ssl::stream<socket_type>;
    using timer_type = boost::asio::basic_waitable_timer<Clock, WaitTraits, executor_type>;
    using self_ptr = std::shared_ptr<beast_sender_impl>;
    template <class T> using awaitable = boost::asio::awaitable<T>;

    struct origin;
    struct connection;
    using connection_ptr = std::shared_ptr<connection>;

    // What the cache keeps of a URL: its parts and its origin.
    struct url_entry {
        url_parts parts;
        origin* owner = nullptr;
    };

    // One request, from `async_send` to its completion.
    struct op_base : pool_request {
        outgoing_request req;
        std::shared_ptr<const url_entry> url;
        send_result res;
        error_code ec;  // empty when a response arrived
        time_point start{};
        std::uint64_t epoch = 0;
        std::uint64_t id = 0;  // set when the handler has a cancellation slot
        bool head = false;
        bool reused = false;  // on a connection that served an earlier request
        bool retried = false;  // already sent once more after a stale connection
        bool cancelled = false;
        connection* conn = nullptr;    // while it is being exchanged
        timer_type* opening = nullptr;  // while a connection is being opened for it: its deadline
        op_base* prev = nullptr;       // the `live_` list
        op_base* next = nullptr;

        // Hands `ec` and `res` to the handler (on its executor) and frees the operation.
        virtual void complete() = 0;
        // Frees the operation without calling its handler.
        virtual void destroy() noexcept = 0;

    protected:
        ~op_base() = default;
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

    // An operation with its handler, in memory from the handler's associated allocator.
    template <class Handler> struct op final : op_base {
        using handler_executor = boost::asio::associated_executor_t<Handler, executor_type>;
        using allocator_type = typename std::allocator_traits<
            boost::asio::associated_allocator_t<Handler>>::template rebind_alloc<op>;

        Handler handler;
        tracked_work<handler_executor> work;

        op(Handler&& h, const executor_type& ex)
            : handler(std::move(h)), work(boost::asio::get_associated_executor(handler, ex)) {}

        static op* create(Handler&& h, const executor_type& ex) {
            allocator_type alloc(boost::asio::get_associated_allocator(h));
            op* p = std::allocator_traits<allocator_type>::allocate(alloc, 1);
            try {
                return ::new (static_cast<void*>(p)) op(std::move(h), ex);
            } catch (...) {
                std::allocator_traits<allocator_type>::deallocate(alloc, p, 1);
                throw;
            }
        }

        void complete() override {
            if (this->id != 0)
                boost::asio::get_associated_cancellation_slot(handler).clear();
            // The memory goes back before the handler runs, as Asio's own operations do.
            allocator_type alloc(boost::asio::get_associated_allocator(handler));
            auto h = std::move(handler);
            auto w = std::move(work);
            error_code ec = this->ec;
            send_result r = std::move(this->res);
            this->~op();
            std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
            boost::asio::dispatch(w.get_executor(), boost::asio::append(std::move(h), ec, std::move(r)));
        }

        void destroy() noexcept override {
            allocator_type alloc(boost::asio::get_associated_allocator(handler));
            this->~op();
            std::allocator_traits<allocator_type>::deallocate(alloc, this, 1);
        }
    };

    // The posted start of an operation; owns the operation until `admit` takes it, so that a
    // function destroyed unrun (its execution context destroyed) frees it.
    struct admit_fn {
        self_ptr self;
        op_base* o;
        admit_fn(self_ptr s, op_base* p) noexcept : self(std::move(s)), o(p) {}
        admit_fn(admit_fn&& x) noexcept : self(std::move(x.self)), o(std::exchange(x.o, nullptr)) {}
        admit_fn& operator=(admit_fn&&) = delete;
        ~admit_fn() {
            if (o)
                o->destroy();
        }
        void operator()() { self->admit(std::exchange(o, nullptr)); }
    };

    // The per-operation cancellation handler: ends the request on the strand, if the sender's
    // state still exists. It lives in the caller's slot, which may outlast the state.
    struct cancel_request {
        // Asio's cancellation slot constructs its handler with parentheses.
        cancel_request(std::weak_ptr<beast_sender_impl> s, std::uint64_t i) : self(std::move(s)), id(i) {}
        std::weak_ptr<beast_sender_impl> self;
        std::uint64_t id;
        void operator()(boost::asio::cancellation_type type) {
            if ((type & boost::asio::cancellation_type::terminal) == boost::asio::cancellation_type::none)
                return;
            if (auto s = self.lock()) {
                auto& strand = s->strand_;
                boost::asio::post(strand, [s = std::move(s), id = id] { s->cancel_one(id); });
            }
        }
    };

    struct connection : std::enable_shared_from_this<connection>, pool_connection {
        std::variant<socket_type, tls_stream> stream;
        timer_type timer;
        origin* owner = nullptr;
        op_base* current = nullptr;
        std::string out;  // the request head (and, under TLS, the body)
        std::vector<char> in;
        std::size_t in_begin = 0, in_end = 0;
        std::optional<response_reader> reader;
        time_point deadline{};
        time_point timer_expiry{};
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
        explicit origin(origin_pool_params p) : pool(p) {}
        origin_pool pool;
        std::vector<connection_ptr> conns;  // every open connection, busy or idle
        std::unique_ptr<timer_type> wait_timer;
        pool_clock::time_point wait_expiry{};
        bool wait_armed = false;
    };

    // Registers an operation's connect deadline timer while a connection is opened for it, so
    // that a cancellation can end the wait at once.
    struct opening_scope {
        beast_sender_impl& self;
        op_base& o;
        opening_scope(beast_sender_impl& s, op_base& op, timer_type& t) : self(s), o(op) {
            o.opening = &t;
            self.opening_.push_back(&o);
        }
        opening_scope(const opening_scope&) = delete;
        opening_scope& operator=(const opening_scope&) = delete;
        ~opening_scope() {
            o.opening = nullptr;
            std::erase(self.opening_, &o);
        }
    };

    // The origin pool keeps time on `pool_clock`'s scale; `Clock`'s times map onto it by their
    // distance from `Clock`'s epoch (for `pool_clock` itself, the identity).
    static pool_clock::time_point to_pool(time_point t) noexcept {
        return pool_clock::time_point(std::chrono::duration_cast<pool_clock::duration>(t.time_since_epoch()));
    }
    static time_point from_pool(pool_clock::time_point t) noexcept {
        return time_point(std::chrono::duration_cast<typename Clock::duration>(t.time_since_epoch()));
    }
    static pool_clock::time_point pool_now() { return to_pool(Clock::now()); }

    static std::string ms_text(std::chrono::milliseconds d);
    static bool is_stale_error(const boost::system::error_code& ec) noexcept;
    bool aborted(const op_base& o) const noexcept { return o.cancelled || o.epoch != epoch_; }

    // Admission and the pool.
    void admit(op_base* o);
    std::shared_ptr<const url_entry> lookup(const std::string& url, error_code& ec, diagnostics& diag);
    void acquire(op_base* o);
    void apply(origin& p, const origin_pool::step& s);
    void sync_wait_timer(origin& p);
    void cancel_one(std::uint64_t id);
    void cancel_all();

    // Completion.
    void link(op_base* o) noexcept;
    void unlink(op_base* o) noexcept;
    void finish(op_base* o);
    void fail(op_base* o, error_code ec, std::string error);
    void refuse(op_base* o, error_code ec, std::string error);

    // Connections.
    static void close_socket(connection& c) noexcept;
    void close_retired(origin& p, connection& c);
    void retire(connection& c);
    void release(connection& c);
    awaitable<void> open_for(self_ptr self, op_base* o);
    awaitable<connection_ptr> open(op_base& o);

    // One exchange: write the request, read the response.
    void exchange(connection& c, op_base* o);
    void arm(connection& c, time_point deadline);
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
    std::vector<op_base*> opening_;  // operations a connection is being opened for
    op_base* live_ = nullptr;       // every admitted operation not yet completed
    std::uint64_t epoch_ = 0;
    std::atomic<bool> closed_{false};  // the front object is gone: no new request is admitted
    std::atomic<std::uint64_t> next_id_{0};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> opened_{0};
    std::atomic<std::uint64_t> reused_{0};
    std::atomic<std::uint64_t> responses_{0};
};

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
    c.reader.emplace(o->res.response_body, params_.response_body_limit);
    if (o->head)
        c.reader->skip(true);
    if (c.in_begin == c.in_end)
        c.in_begin = c.in_end = 0;
    if (c.in_begin < c.in_end)
        return parse(c);
    read(c);
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::read(connection& c) {
    if (c.in_end == c.in.size()) {
        if (c.in_begin == 0)
            return broken(c, boost::beast::http::error::header_limit, "(reading the response headers)",
                          false);
        std::copy(c.in.begin() + static_cast<std::ptrdiff_t>(c.in_begin),
                  c.in.begin() + static_cast<std::ptrdiff_t>(c.in_end), c.in.begin());
        c.in_end -= c.in_begin;
        c.in_begin = 0;
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
    if (ec) {
        auto& r = *c.reader;
        if ((ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated) &&
            r.is_header_done() && r.need_eof() && !c.timed_out) {
            boost::system::error_code pec;
            r.put_eof(pec);
            if (!pec)
                return done(c, false);
        }
        return broken(c, ec, "(waiting for the response headers)", is_stale_error(ec));
    }
    parse(c);
}

template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::parse(connection& c) {
    auto& r = *c.reader;
    op_base* o = c.current;
    for (;;) {
        bool header_before = r.is_header_done();
        boost::system::error_code pec;
        std::size_t used = r.put(boost::asio::buffer(c.in.data() + c.in_begin, c.in_end - c.in_begin), pec);
        c.in_begin += used;
        if (!header_before && r.is_header_done()) {
            if (r.status < 100 || r.status > 599) {
                o->ec = boost::beast::http::error::bad_status;
                o->res.error = "invalid HTTP status " + std::to_string(r.status) + " in the response";
                return done(c, false);
            }
            o->res.http_status = static_cast<int>(r.status);
            o->res.retry_after = std::move(r.retry_after);
            responses_.fetch_add(1, std::memory_order_relaxed);
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
template <class Executor, class Clock, class WaitTraits>
void beast_sender_impl<Executor, Clock, WaitTraits>::broken(connection& c,
                                                            boost::system::error_code ec,
                                                            std::string_view while_,
                                                            bool closed_by_peer) {
    op_base* o = c.current;
    if (c.reader && c.reader->is_header_done() && o->res.http_status)
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
