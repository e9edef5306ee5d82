//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The code the documentation quotes about signatures, senders, dispatchers, retry policies,
// endpoint health and Asio. Each `//[name` ... `//]` region is a block of README.md or
// doc/**/*.md (the doc_snippets test keeps them equal).
//
// Most functions run from main.cpp. The two whose region ends in `ioc.run()` with nothing to stop
// it (a dispatcher runs until cancelled) are compiled only: they are in `snippets::compiled_only`.
// Regions that show `#include` lines repeat, inside a function, headers this file includes at the
// top already; their include guards make the repeated lines empty.

#include "snippets.hpp"

#include <hookbox.hpp>
#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/retention/retention_sweeper.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/signing/verify.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace {

using snippets::check;

// ----- doc/signing.md ------------------------------------------------------------------------------

void signing_example() {
    std::int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    std::string body = R"({"order":42})";

    //[signing_example
    using namespace hookbox::signing;
    secret s = secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");   // padded or unpadded base64
    auto headers = signature_headers(scheme::standard_webhooks, std::span(&s, 1),
                                     message{.id = "msg_1", .timestamp = now_s, .body = body});

    // On the receiver, with the request's headers and body as they arrived:
    verify_result r = verify(headers, body, std::span(&s, 1), now_s);   // 300 s tolerance
    //]
    check(headers.size() == 3, "signing: webhook-id, webhook-timestamp, webhook-signature");
    check(r == verify_result::ok, "signing: the receiver verifies the signature");
}

// ----- doc/dispatcher.md ---------------------------------------------------------------------------

void address_policy() {
    //[address_policy
    hookbox::sender_params p;
    p.addresses.allow.push_back(hookbox::http::network::parse("10.20.0.0/16"));   // your webhook network
    p.addresses.deny.push_back(hookbox::http::network::parse("10.20.99.0/24"));   // except this
    auto local = hookbox::http::address_policy::loopback_allowed();               // for tests and demos
    //]
    auto ip = [](const char* text) { return boost::asio::ip::make_address(text); };
    check(p.addresses.permits(ip("10.20.1.1")), "address policy: the allowed block");
    check(!p.addresses.permits(ip("10.20.99.1")), "address policy: the denied block inside it");
    check(!p.addresses.permits(ip("127.0.0.1")), "address policy: loopback refused by default");
    check(local.permits(ip("127.0.0.1")), "address policy: loopback_allowed");
}

// ----- doc/concepts/http_sender.md -----------------------------------------------------------------

//[http_sender_exemplar
// Answers every request with 200 without a network: for tests of code that runs a dispatcher.
class canned_sender {
public:
    using executor_type = boost::asio::any_io_executor;

    explicit canned_sender(executor_type ex) : ex_(std::move(ex)) {}

    executor_type get_executor() const { return ex_; }

    template <class CompletionToken>
    auto async_send(hookbox::outgoing_request req, CompletionToken&& token) {
        return boost::asio::async_initiate<CompletionToken, void(hookbox::error_code, hookbox::send_result)>(
            [this](auto handler, hookbox::outgoing_request r) {
                ++sent_;
                hookbox::send_result res;
                res.http_status = 200;
                res.response_body = "ok " + r.url;
                // Never complete inside async_send: post to the handler's executor.
                auto ex = boost::asio::get_associated_executor(handler, ex_);
                boost::asio::post(ex, [h = std::move(handler), res = std::move(res)]() mutable {
                    std::move(h)(hookbox::error_code(), std::move(res));
                });
            },
            token, std::move(req));
    }

    std::uint64_t sent() const noexcept { return sent_; }

private:
    executor_type ex_;
    std::atomic<std::uint64_t> sent_{0};
};

static_assert(hookbox::http_sender<canned_sender>);
//]

// Cancels `d` once `done()` holds, looking every 5 ms, at most `left` more times.
template <class Dispatcher, class Done>
void cancel_when(std::shared_ptr<boost::asio::steady_timer> timer, Dispatcher& d, Done done, int left = 2000) {
    if (done() || left == 0) {
        d.cancel();
        return;
    }
    timer->expires_after(std::chrono::milliseconds(5));
    timer->async_wait([timer, &d, done, left](boost::system::error_code) { cancel_when(timer, d, done, left - 1); });
}

void http_sender_run() {
    boost::asio::io_context ioc;
    canned_sender sender(ioc.get_executor());

    //[wakeup_share
    auto wake = std::make_shared<hookbox::wakeup>();
    using notified_outbox = hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock,
                                                  hookbox::fnv1a_partition_hasher, hookbox::notify_on_enqueue>;
    notified_outbox outbox({}, {}, {}, {}, hookbox::notify_on_enqueue{wake});
    hookbox::dispatcher<notified_outbox, canned_sender> dispatcher(
        ioc.get_executor(), outbox, sender,
        {.node_id = "node-a", .poll_interval = std::chrono::hours(1), .wakeup = wake});
    //]

    hookbox::error_code run_ec;
    dispatcher.async_run([&](hookbox::error_code ec) { run_ec = ec; });
    // Enqueued once the dispatcher waits: only the wake-up can bring these in before the hour is up.
    boost::asio::post(ioc, [&] {
        for (const char* event : {"evt-1", "evt-2", "evt-3"})
            outbox.enqueue({.webhook_id = "wh-1", .event_id = event, .event_type = "order.created",
                            .url = "https://receiver.example/hooks"});
    });
    cancel_when(std::make_shared<boost::asio::steady_timer>(ioc), dispatcher,
                [&] { return outbox.stats().count(hookbox::delivery_status::success) == 3; });
    ioc.run();
    check(run_ec == boost::asio::error::operation_aborted, "canned_sender: the run ends after cancel()");
    check(sender.sent() == 3, "canned_sender: three requests");
    check(outbox.stats().count(hookbox::delivery_status::success) == 3, "canned_sender: three deliveries");
}

// ----- doc/concepts/retry_policy.md ----------------------------------------------------------------

//[retry_policy_exemplar
// Every retriable failure waits the same `delay`; after `max_attempts` attempts the delivery is dead.
struct fixed_delay_policy {
    std::chrono::milliseconds delay{30000};
    int max_attempts = 5;

    hookbox::attempt_result decide(int attempts_before, hookbox::send_result&& r, hookbox::timestamp now,
                                   double /* u: no jitter here */) const {
        hookbox::attempt_result out;
        out.http_status = r.http_status;
        out.response_body = std::move(r.response_body);
        out.duration = r.duration;
        hookbox::attempt_class c = hookbox::classify(r.http_status);
        if (c == hookbox::attempt_class::success) {
            out.outcome = hookbox::attempt_outcome::success;
            return out;
        }
        out.error = !r.error.empty()   ? std::move(r.error)
                    : r.http_status ? "HTTP " + std::to_string(*r.http_status)
                                    : std::string("no response");
        bool last = attempts_before + 1 >= max_attempts;
        if (c == hookbox::attempt_class::permanent || r.refused || last) {
            out.outcome = hookbox::attempt_outcome::dead;
            return out;
        }
        out.outcome = hookbox::attempt_outcome::retry;
        out.next_retry_at = now + delay;
        return out;
    }
};

static_assert(hookbox::retry_policy<fixed_delay_policy>);
//]

void retry_policy_run() {
    boost::asio::io_context ioc;
    hookbox::outbox outbox;
    hookbox::beast_sender sender(ioc.get_executor());

    //[retry_policy_use
    using fixed_dispatcher = hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender,
                                                 boost::asio::any_io_executor, fixed_delay_policy>;
    fixed_dispatcher dispatcher(ioc.get_executor(), outbox, sender, {.node_id = "node-a"},
                                fixed_delay_policy{.delay = std::chrono::minutes(1), .max_attempts = 3});
    //]

    fixed_delay_policy p{.delay = std::chrono::minutes(1), .max_attempts = 3};
    hookbox::timestamp now{};
    hookbox::send_result unavailable{.http_status = 503};
    auto a = p.decide(0, std::move(unavailable), now, 0.5);
    check(a.outcome == hookbox::attempt_outcome::retry && a.next_retry_at == now + std::chrono::minutes(1),
          "fixed_delay_policy: a 503 is retried after the delay");
    hookbox::send_result again{.http_status = 503};
    check(p.decide(2, std::move(again), now, 0.5).outcome == hookbox::attempt_outcome::dead,
          "fixed_delay_policy: dead after max_attempts");
    hookbox::send_result gone{.http_status = 410};
    check(p.decide(0, std::move(gone), now, 0.5).outcome == hookbox::attempt_outcome::dead,
          "fixed_delay_policy: a 410 is permanent");
}

// ----- doc/concepts/endpoint_health_store.md -------------------------------------------------------

//[health_store_exemplar
// Keeps endpoint health in memory, shared by the dispatchers of one process (lost on exit).
class shared_health_store final : public hookbox::endpoint_health_store {
public:
    std::vector<std::pair<std::string, hookbox::endpoint_state>> load(hookbox::error_code& ec,
                                                                     hookbox::diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        return {states_.begin(), states_.end()};
    }

    void save(const std::string& webhook_id, const hookbox::endpoint_state& s, hookbox::error_code& ec,
              hookbox::diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        if (s.healthy())
            states_.erase(webhook_id);   // nothing to keep
        else
            states_[webhook_id] = s;
    }

private:
    std::mutex mutex_;
    std::map<std::string, hookbox::endpoint_state> states_;
};

static_assert(std::derived_from<shared_health_store, hookbox::endpoint_health_store>);
//]

void health_store_run() {
    boost::asio::io_context ioc;
    hookbox::outbox outbox;
    hookbox::beast_sender sender(ioc.get_executor());

    //[health_store_use
    auto store = std::make_shared<shared_health_store>();
    hookbox::dispatcher_params params{.node_id = "node-a"};
    params.health = hookbox::endpoint_health_params{};   // the circuit breaker, disabling, rate limits
    params.health_store = store;                         // loaded when a run starts, saved on each change
    hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender> dispatcher(ioc.get_executor(), outbox, sender,
                                                                           params);
    //]

    hookbox::error_code ec;
    hookbox::diagnostics diag;
    hookbox::endpoint_state down;
    down.disabled = true;
    down.disabled_reason = "410 Gone";
    store->save("wh-1", down, ec, diag);
    check(!ec && store->load(ec, diag).size() == 1, "shared_health_store: keeps a disabled endpoint");
    store->save("wh-1", hookbox::endpoint_state{}, ec, diag);
    check(!ec && store->load(ec, diag).empty(), "shared_health_store: forgets a healthy one");
}

// ----- doc/asio.md ---------------------------------------------------------------------------------

void asio_compose() {
    //[asio_compose
    boost::asio::io_context ioc;                       // your I/O context: the dispatcher's strand and the sender
    boost::asio::thread_pool storage(1);               // blocking storage calls; never the I/O thread
    hookbox::outbox outbox;
    hookbox::beast_sender sender(ioc.get_executor());
    hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender> dispatcher(
        ioc.get_executor(), storage.get_executor(), outbox, sender, {.node_id = "node-a"});
    hookbox::retention_sweeper<hookbox::outbox> sweeper(ioc.get_executor(), storage.get_executor(), outbox);

    dispatcher.async_run([](hookbox::error_code ec) {
        // operation_aborted: the drain is over and every ack is written. Runs on the dispatcher's strand.
        std::cout << "dispatcher: " << ec.message() << "\n";
    });
    boost::asio::cancellation_signal stop_sweeping;
    sweeper.async_run(boost::asio::bind_cancellation_slot(stop_sweeping.slot(), boost::asio::detached));

    // Later. cancel() is thread-safe; a cancellation signal is not: emit it where it cannot race
    // with its operation, here on the only thread that runs `ioc`.
    dispatcher.cancel();
    boost::asio::post(ioc, [&] { stop_sweeping.emit(boost::asio::cancellation_type::terminal); });
    ioc.run();                                         // returns once both runs are over
    //]
    check(ioc.stopped(), "asio: the run ended after the cancellation signal");
}

using beast_dispatcher = hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender>;

//[asio_coroutine
// Inside a coroutine of your own: as_tuple turns the error code into a value, so the normal end of
// a run (operation_aborted after cancel()) is not thrown as an exception.
boost::asio::awaitable<void> serve(beast_dispatcher& dispatcher) {
    auto [ec] = co_await dispatcher.async_run(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec != boost::asio::error::operation_aborted)
        std::cerr << "dispatcher: " << ec.message() << "\n";
}
//]

void asio_coroutine() {
    boost::asio::io_context ioc;
    hookbox::outbox outbox;
    hookbox::beast_sender sender(ioc.get_executor());
    beast_dispatcher dispatcher(ioc.get_executor(), outbox, sender, {.node_id = "node-a"});
    bool ended = false;
    boost::asio::co_spawn(ioc, serve(dispatcher), [&](std::exception_ptr e) { ended = !e; });
    boost::asio::post(ioc, [&] { dispatcher.cancel(); });
    ioc.run_for(std::chrono::seconds(10));
    check(ended, "asio: the coroutine saw the run end without an exception");
}

}  // namespace

// Compiled, never called: each ends in `ioc.run()` with a dispatcher that runs until cancelled.
namespace snippets::compiled_only {

void readme_dispatcher() {
    hookbox::outbox outbox;

    //[readme_dispatcher
    #include <hookbox/dispatch/dispatcher.hpp>   // link hookbox::http
    #include <hookbox/http/beast_sender.hpp>

    boost::asio::io_context ioc;
    hookbox::beast_sender sender(ioc.get_executor());
    hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender> dispatcher(ioc.get_executor(), outbox, sender,
                                                                           {.node_id = "node-a"});
    dispatcher.async_run([](hookbox::error_code) {});
    ioc.run();   // dispatcher.cancel() drains and ends the run
    //]
}

void dispatcher_setup() {
    //[dispatcher_setup
    #include <hookbox.hpp>
    #include <hookbox/dispatch/dispatcher.hpp>
    #include <hookbox/http/beast_sender.hpp>

    boost::asio::io_context ioc;
    hookbox::outbox outbox;                                  // or an outbox over SQLite
    hookbox::beast_sender sender(ioc.get_executor());        // HTTPS trusts the system's store
    hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender> dispatcher(
        ioc.get_executor(), outbox, sender, {.node_id = "node-a"});

    dispatcher.async_run([](hookbox::error_code) { /* operation_aborted after cancel() */ });
    ioc.run();                                               // dispatcher.cancel() ends it gracefully
    //]
}

}  // namespace snippets::compiled_only

namespace snippets {

void run_http() {
    signing_example();
    address_policy();
    http_sender_run();
    retry_policy_run();
    health_store_run();
    asio_compose();
    asio_coroutine();
}

}  // namespace snippets
