//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_DETAIL_BEAST_SENDER_IMPL_HPP
#define HOOKBOX_HTTP_DETAIL_BEAST_SENDER_IMPL_HPP

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

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_DETAIL_BEAST_SENDER_IMPL_HPP
