//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Composing hookbox into the io_context you already have.
//
// An order service owns an io_context, run by two threads, on which it already does its own work:
// a periodic job that places orders, and a signal_set that stops the service on SIGINT or SIGTERM.
// Into that io_context it composes hookbox:
//
//   - an outbox (in memory here; an outbox over SQLite is composed the same way),
//   - a beast_sender and a dispatcher on the same executor, the dispatcher woken by each enqueue,
//   - a retention_sweeper that deletes old finished deliveries,
//   - one storage thread on which every blocking outbox call runs, the service's own enqueues
//     included: it makes them through hookbox::async_outbox, which runs each call there and
//     resumes the calling coroutine on its strand,
//
// and a graceful shutdown: each component is cancelled, finishes what it is doing and completes;
// once no work is left, ioc.run() returns by itself in both threads. There is no ioc.stop().
//
// So that it runs anywhere (and as a test), the webhooks go to a receiver on 127.0.0.1, on an
// ephemeral port of the same io_context, standing in for a partner's endpoint. The service places
// --orders N orders (default 20), shuts down once each of their webhooks is delivered (or dead),
// checks the counts and prints "compose: ok". It exits 1 with a message on any failure, or when it
// is not done within --deadline seconds (default 20).
//
// Usage: hookbox_example_compose [--orders N] [--deadline SECONDS] [--url URL] [--secret KEY]
//   --url URL     send the webhooks there instead of to the built-in receiver (for example to
//                 hookbox_example_receiver); loopback addresses are allowed, private ones are not
//   --secret KEY  the whsec_ key that signs them (default: the built-in receiver's)
//
// Which handler runs where:
//
//   threads               executor                    what runs there
//   two, in ioc.run()     the service's strand        the order job, the signal and deadline
//                                                     handlers, shutdown, and the completion handlers
//                                                     of dispatcher.async_run and sweeper.async_run
//                                                     (bound to the strand with bind_executor)
//                         the dispatcher's strand     claiming, one coroutine per request, outcomes,
//                                                     batching acks
//                         the sender's strand         connection pools, connecting, writing, reading
//                         the receiver's strand       the receiver's accept loop and connections
//   one, in a pool        storage_                    every outbox call: enqueue (order job, through
//                                                     async_outbox_), claim and ack_many
//                                                     (dispatcher), purge (sweeper), and so the
//                                                     outbox observer's hooks
//
// Each strand's handlers run one at a time, on whichever of the two threads is free; nothing on
// the I/O threads waits for the storage.

#include <hookbox.hpp>
#include <hookbox/async_outbox.hpp>
#include <hookbox/dispatch/dispatcher.hpp> // link hookbox::http
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/retention/retention_sweeper.hpp>
#include <hookbox/signing/verify.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

// The key the built-in receiver verifies with. Example key: make your own for real use.
const char* const example_secret = "whsec_jopd/5G4LGJh+GJfYAR1xIbQaYtWJFzA";

struct options {
    int orders = 20;
    int deadline_seconds = 20;
    std::string url;  // empty: the built-in receiver
    std::string secret = example_secret;
};

// Reports an exception that ended a coroutine (instead of letting it escape ioc.run()).
void report_exception(const char* what, std::exception_ptr e) {
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::fprintf(stderr, "compose: %s: %s\n", what, x.what());
    }
}

// ---------------------------------------------------------------------------------------------
// The partner's endpoint: a small Beast server on its own strand of the same io_context. It
// verifies each request's signature, counts the distinct webhook-ids it accepted and answers 204.
// (example/receiver/main.cpp is a complete receiver.)

class partner_endpoint {
public:
    partner_endpoint(asio::io_context& ioc, const std::string& secret)
        : strand_(asio::make_strand(ioc)), acceptor_(strand_, {asio::ip::make_address("127.0.0.1"), 0}),
          key_(hookbox::signing::secret::parse(secret)) {}

    void start() {
        asio::co_spawn(strand_, accept(), [](std::exception_ptr e) { report_exception("receiver", e); });
    }

    // Closes the listening socket and every connection, so that no work of the receiver is left
    // in the io_context. Thread-safe.
    void stop() {
        asio::post(strand_, [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            for (auto* stream : open_)
                stream->socket().close(ignored);
        });
    }

    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hooks";
    }
    std::size_t accepted() const { return accepted_.load(); }
    std::size_t rejected() const { return rejected_.load(); }

private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return; // closed by stop()
            asio::co_spawn(strand_, serve(std::move(socket)),
                           [](std::exception_ptr e) { report_exception("receiver connection", e); });
        }
    }

    asio::awaitable<void> serve(asio::ip::tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        open_.insert(&stream);
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [read_ec, read_n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
            if (read_ec)
                break; // the sender closed the connection, or stop()
            http::response<http::string_body> res{answer(req), req.version()};
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [write_ec, write_n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (write_ec || !res.keep_alive())
                break;
        }
        open_.erase(&stream);
    }

    http::status answer(const http::request<http::string_body>& req) {
        std::vector<hookbox::header> headers;
        for (const auto& field : req)
            headers.push_back({std::string(field.name_string()), std::string(field.value())});
        auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
        if (hookbox::signing::verify(headers, req.body(), std::span(&key_, 1), now.count()) !=
            hookbox::signing::verify_result::ok) {
            ++rejected_;
            return http::status::unauthorized;
        }
        if (seen_.insert(std::string(req[hookbox::signing::header_names::webhook_id])).second)
            ++accepted_;
        return http::status::no_content;
    }

    asio::strand<asio::io_context::executor_type> strand_;
    asio::ip::tcp::acceptor acceptor_;
    hookbox::signing::secret key_;
    std::unordered_set<beast::tcp_stream*> open_; // the strand only
    std::unordered_set<std::string> seen_;        // the strand only
    std::atomic<std::size_t> accepted_{0}, rejected_{0};
};

// ---------------------------------------------------------------------------------------------
// The outbox, and its observer.

// Counts the deliveries that are done (delivered, or dead), and calls `on_all` once `target` of
// them are.
struct delivery_count {
    std::atomic<int> done{0};
    int target = 0;
    std::function<void()> on_all;
};

//[observer
// The outbox's observer. Its hooks run on the thread that called the outbox: here always the
// storage thread. notify_on_enqueue wakes the dispatcher when a new delivery is stored; on_attempt
// counts the deliveries that are done: delivered, or dead (not to be tried again).
struct service_observer : hookbox::notify_on_enqueue {
    std::shared_ptr<delivery_count> count;

    void on_attempt(const hookbox::delivery_id&, const hookbox::attempt_result& r) const {
        if (r.outcome != hookbox::attempt_outcome::retry && ++count->done == count->target)
            count->on_all();
    }
};

using service_outbox = hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock,
                                             hookbox::fnv1a_partition_hasher, service_observer>;
using service_dispatcher = hookbox::dispatcher<service_outbox, hookbox::beast_sender>;
using service_sweeper = hookbox::retention_sweeper<service_outbox>;
//]

// ---------------------------------------------------------------------------------------------
// The service.

class order_service {
public:
    //[construct
    order_service(asio::io_context& ioc, options opt)
        : opt_(std::move(opt)),
          outbox_({}, {}, {}, {}, service_observer{{wake_}, count_}),
          strand_(asio::make_strand(ioc)),
          // The order job's outbox calls: each runs on storage_ and completes on the strand.
          async_outbox_(strand_, outbox_, storage_.get_executor()),
          partner_(ioc, opt_.secret),
          // The sender and the dispatcher take the io_context's executor and make strands of it;
          // the dispatcher's storage calls go to storage_, which it shares with the sweeper.
          sender_(ioc.get_executor(), sender_params()),
          dispatcher_(ioc.get_executor(), storage_.get_executor(), outbox_, sender_, dispatcher_params()),
          sweeper_(ioc.get_executor(), storage_.get_executor(), outbox_, retention_params()),
          order_timer_(strand_), deadline_(strand_), signals_(strand_, SIGINT, SIGTERM) {
        count_->target = opt_.orders;
        count_->on_all = [this] { asio::post(strand_, [this] { shutdown("every order's webhook is done"); }); };
    }
    //]

    void start() {
        partner_.start();

        //[run_dispatcher
        // The handler runs on the service's strand because it is bound to it; unbound, it would run
        // on the dispatcher's strand.
        dispatcher_.async_run(asio::bind_executor(strand_, [this](hookbox::error_code ec) {
            dispatcher_result_ = ec; // operation_aborted: it was cancelled, and has drained
            // No request is in flight any more. Close the sender's idle keep-alive connections,
            // and stop the receiver only now: it had to answer the requests of the drain.
            sender_.cancel();
            partner_.stop();
            finished("dispatcher");
        }));
        //]

        //[run_sweeper
        // Stopped by per-operation cancellation: the run takes the cancellation slot of its
        // handler, and stop_sweeper_.emit() stops it (as sweeper_.cancel() would).
        sweeper_running_ = true;
        auto on_sweeper_done = [this](hookbox::error_code ec) {
            sweeper_result_ = ec;
            sweeper_running_ = false;
            finished("sweeper");
        };
        sweeper_.async_run(
            asio::bind_cancellation_slot(stop_sweeper_.slot(), asio::bind_executor(strand_, on_sweeper_done)));
        //]

        //[own_work
        // The service's own work, and what stops it. The timers and the signal_set were made on the
        // strand, so their handlers run there without bind_executor.
        auto on_orders_done = [this](std::exception_ptr e) {
            if (e) {
                report_exception("order job", e);
                fail("the order job ended with an exception");
            }
            finished("order job");
        };
        asio::co_spawn(strand_, place_orders(), asio::bind_executor(strand_, on_orders_done));
        signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
            if (!ec) {
                interrupted_ = true;
                shutdown(signo == SIGINT ? "SIGINT" : "SIGTERM");
            }
        });
        deadline_.expires_after(std::chrono::seconds(opt_.deadline_seconds));
        deadline_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                fail("not done after " + std::to_string(opt_.deadline_seconds) + " s");
                shutdown("deadline");
            }
        });
        //]
    }

    // After ioc.run() has returned in every thread: prints what happened and checks it.
    int report() {
        const int orders = opt_.orders;
        auto st = dispatcher_.stats();
        auto os = outbox_.stats();
        const std::size_t delivered = os.count(hookbox::delivery_status::success);
        std::printf("compose: %d orders placed, %zu webhooks delivered in %llu attempts (%llu retried, %llu dead)\n",
                    placed_, delivered, static_cast<unsigned long long>(st.attempts),
                    static_cast<unsigned long long>(st.retried), static_cast<unsigned long long>(st.dead));
        if (opt_.url.empty())
            std::printf("compose: the receiver accepted %zu and refused %zu\n", partner_.accepted(),
                        partner_.rejected());
        std::printf("compose: %llu sweeps\n", static_cast<unsigned long long>(sweeper_.stats().sweeps));

        auto check = [this](bool ok, const std::string& what) {
            if (!ok)
                fail(what);
        };
        check(dispatcher_result_ == asio::error::operation_aborted,
              "dispatcher run ended with: " + dispatcher_result_.message());
        check(sweeper_result_ == asio::error::operation_aborted, "sweeper run ended with: " + sweeper_result_.message());
        if (interrupted_ && failure_.empty()) {
            std::printf("compose: interrupted\n");
            return 130;
        }
        check(placed_ == orders, "placed " + std::to_string(placed_) + " orders, expected " + std::to_string(orders));
        check(delivered == static_cast<std::size_t>(orders) && st.succeeded == static_cast<std::uint64_t>(orders),
              "delivered " + std::to_string(delivered) + " webhooks, expected " + std::to_string(orders));
        check(st.dead == 0, std::to_string(st.dead) + " deliveries are dead");
        if (opt_.url.empty())
            check(partner_.accepted() == static_cast<std::size_t>(orders) && partner_.rejected() == 0,
                  "the receiver accepted " + std::to_string(partner_.accepted()) + " webhooks and refused " +
                      std::to_string(partner_.rejected()) + ", expected " + std::to_string(orders) + " and 0");
        if (!failure_.empty())
            return 1;
        std::printf("compose: ok\n");
        return 0;
    }

private:
    //[params
    // The sender may connect to loopback: the receiver is on 127.0.0.1. By default only globally
    // routable addresses are allowed (the guard against webhook URLs aimed at your own network).
    static hookbox::sender_params sender_params() {
        hookbox::sender_params p;
        p.addresses = hookbox::http::address_policy::loopback_allowed();
        p.connect_timeout = 2s;
        return p;
    }

    hookbox::dispatcher_params dispatcher_params() const {
        hookbox::dispatcher_params p;
        p.node_id = "orders-1";
        p.wakeup = wake_;        // an enqueue in this process wakes the dispatcher at once, so
        p.poll_interval = 2s;    // polling only finds work from elsewhere, and retries coming due
        p.request_timeout = 2s;
        p.claim_ttl = 15s;       // must exceed request_timeout + connect_timeout + ack_margin (5 s)
        p.drain_timeout = 3s;    // after cancel(), how long requests in flight may go on
        return p;
    }

    // Finished deliveries are kept 7 days (success) and 30 days (dead), the defaults; a sweep every
    // 200 ms rather than every hour, so that even this short run sees a few.
    static hookbox::retention_params retention_params() {
        hookbox::retention_params p;
        p.interval = 200ms;
        return p;
    }
    //]

    //[place_orders
    // The service's own work, on its strand: places an order every 20 ms and enqueues its webhook.
    // async_enqueue runs the blocking enqueue on the storage thread; the coroutine resumes on the
    // strand with the result, and the I/O threads serve other handlers meanwhile.
    asio::awaitable<void> place_orders() {
        const std::string url = opt_.url.empty() ? partner_.url() : opt_.url;
        for (int i = 1; i <= opt_.orders && !stopping_; ++i) {
            order_timer_.expires_after(20ms);
            auto [ec] = co_await order_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec || stopping_)
                break; // cancelled by shutdown()

            hookbox::enqueue_request r;
            r.webhook_id = "wh-partner";
            r.event_id = "order-" + std::to_string(i);
            r.event_type = "order.created";
            r.url = url;
            r.secret = opt_.secret;
            r.payload = hookbox::payload::parse(R"({"type":"order.created","order":)" + std::to_string(i) + "}");
            //[async_enqueue
            // r is moved into the operation; diag is filled when it completes. as_tuple makes an
            // error a value instead of an exception. The observer wakes the dispatcher.
            hookbox::diagnostics diag;
            auto [enqueue_ec, result] =
                co_await async_outbox_.async_enqueue(std::move(r), diag, asio::as_tuple(asio::use_awaitable));
            if (enqueue_ec) {
                fail("enqueue: " + diag.message());
                shutdown("enqueue failed");
                break;
            }
            //]
            if (result.created)
                ++placed_; // not created: this (event_id, webhook_id) was stored already
        }
    }
    //]

    //[shutdown
    // Starts a graceful stop, on the service's strand. Each component finishes what it is doing and
    // completes its run; when nothing is left, ioc.run() returns in both threads.
    void shutdown(std::string_view why) {
        if (stopping_)
            return;
        stopping_ = true;
        std::printf("compose: shutting down: %.*s\n", static_cast<int>(why.size()), why.data());
        order_timer_.cancel(); // the service's own work
        signals_.cancel();
        dispatcher_.cancel(); // no more claims; requests in flight finish; every ack is written
        // Emitted only while the sweeper's run is outstanding: its completion handler runs on this
        // same strand and clears the flag, so the two cannot cross.
        if (sweeper_running_)
            stop_sweeper_.emit(asio::cancellation_type::terminal);
    }

    // A component's run completed. Once all three have, the deadline is the last work left.
    void finished(const char* what) {
        std::printf("compose: %s stopped\n", what);
        if (--running_ == 0)
            deadline_.cancel();
    }
    //]

    void fail(const std::string& what) {
        std::fprintf(stderr, "compose: FAILED: %s\n", what.c_str());
        if (failure_.empty())
            failure_ = what;
    }

    options opt_;

    //[members
    // Members are constructed in this order and destroyed in the reverse order, which gives the
    // lifetimes hookbox needs:
    // - the outbox outlives every call into it: the storage thread's, the dispatcher's, the
    //   sweeper's, and the operations of async_outbox_ (a handle that refers to it);
    // - the sender outlives the dispatcher that sends through it;
    // - storage_ is joined (by its destructor) once the dispatcher and the sweeper are gone, and
    //   before the outbox goes;
    // - the io_context, owned by main(), outlives them all: every I/O object here is destroyed
    //   before it.
    // Each run (dispatcher, sweeper) must also have completed before its object is destroyed:
    // main() destroys the service only after ioc.run() returned, which it does only then.
    std::shared_ptr<hookbox::wakeup> wake_ = std::make_shared<hookbox::wakeup>();
    std::shared_ptr<delivery_count> count_ = std::make_shared<delivery_count>();
    service_outbox outbox_;
    asio::thread_pool storage_{1}; // every blocking outbox call; never an I/O thread
    asio::strand<asio::io_context::executor_type> strand_; // the service's own handlers
    hookbox::async_outbox<service_outbox> async_outbox_;  // outbox_'s calls, on storage_
    partner_endpoint partner_;
    hookbox::beast_sender sender_;
    service_dispatcher dispatcher_;
    service_sweeper sweeper_;
    asio::steady_timer order_timer_;
    asio::steady_timer deadline_;
    asio::signal_set signals_;
    asio::cancellation_signal stop_sweeper_;
    //]

    // The strand only.
    bool stopping_ = false;
    bool interrupted_ = false;
    bool sweeper_running_ = false;
    int running_ = 3; // dispatcher, sweeper, order job
    int placed_ = 0;
    hookbox::error_code dispatcher_result_, sweeper_result_;
    std::string failure_;
};

options parse_options(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--orders" && i + 1 < argc) {
            o.orders = std::atoi(argv[++i]);
        } else if (a == "--deadline" && i + 1 < argc) {
            o.deadline_seconds = std::atoi(argv[++i]);
        } else if (a == "--url" && i + 1 < argc) {
            o.url = argv[++i];
        } else if (a == "--secret" && i + 1 < argc) {
            o.secret = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--orders N] [--deadline SECONDS] [--url URL] [--secret KEY]\n", argv[0]);
            std::exit(2);
        }
    }
    if (o.orders < 1 || o.deadline_seconds < 1) {
        std::fprintf(stderr, "--orders and --deadline must be at least 1\n");
        std::exit(2);
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    const options opt = parse_options(argc, argv);
    try {
        //[run
        asio::io_context ioc(2); // concurrency hint: two threads run it
        order_service service(ioc, opt);
        service.start();

        std::thread second([&ioc] { ioc.run(); });
        ioc.run(); // returns once shutdown() has let every component complete
        second.join();
        //]
        return service.report();
    } catch (const std::exception& e) {
        // Construction errors: a dispatcher or sweeper parameter out of range, a bad secret.
        std::fprintf(stderr, "compose: FAILED: %s\n", e.what());
        return 1;
    }
}
