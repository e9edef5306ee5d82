//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// A webhook receiver on Boost.Beast that verifies Standard Webhooks signatures with
// hookbox::signing::verify, and processes each message once.
//
// For every POST it reads the body and the webhook-id, webhook-timestamp and webhook-signature
// headers, and answers:
//
//   204  the signature is valid and the message was processed
//   200  the signature is valid and the message had been processed already (a redelivery)
//   400  a webhook header is missing or malformed, or the body is not JSON
//   401  no signature matches a key, or the timestamp is more than 5 minutes from now
//
// Usage:
//   hookbox_example_receiver --port P --secret KEY [--secret KEY]...
//       Serves on 127.0.0.1:P (0: a free port, printed) until SIGINT or SIGTERM, and prints a line
//       per request. KEY is a whsec_ key (HMAC), a whpk_ key (Ed25519 public key) or a whsk_ key;
//       give several during a key rotation.
//   hookbox_example_receiver --self-test
//       Starts the receiver on a free port of 127.0.0.1, delivers 20 signed webhooks to it through
//       an outbox, a beast_sender and a dispatcher, has one of them redelivered, then sends by hand
//       (a plain Beast client) a forged signature, a stale timestamp, a request without the
//       headers and a replay. Checks every answer, and that each of the 20 was verified and
//       processed once. Prints "receiver: ok", or exits 1 with a message.

#include <hookbox.hpp>
#include <hookbox/dispatch/dispatcher.hpp> // link hookbox::http
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/signing/verify.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <set>
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
namespace signing = hookbox::signing;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void report_exception(const char* what, std::exception_ptr e) {
    if (!e)
        return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::fprintf(stderr, "receiver: %s: %s\n", what, x.what());
    }
}

// ---------------------------------------------------------------------------------------------
// The receiver.

// What the receiver answered, by kind. Read from any thread.
struct receiver_counts {
    std::atomic<std::uint64_t> processed{0}, duplicates{0}, bad_requests{0}, unauthorized{0};
};

// An HTTP/1.1 server on 127.0.0.1: the accept loop and every connection run on one strand, so the
// set of accepted webhook-ids needs no lock.
class webhook_receiver {
public:
    webhook_receiver(asio::io_context& ioc, unsigned short port, std::vector<signing::secret> keys, bool log)
        : strand_(asio::make_strand(ioc)), acceptor_(strand_, {asio::ip::make_address("127.0.0.1"), port}),
          keys_(std::move(keys)), log_(log) {}

    void start() {
        asio::co_spawn(strand_, accept(), [](std::exception_ptr e) { report_exception("accept", e); });
    }

    // Closes the listening socket and every connection. Thread-safe.
    void stop() {
        asio::post(strand_, [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            for (auto* stream : open_)
                stream->socket().close(ignored);
        });
    }

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    const receiver_counts& counts() const { return counts_; }

    // The webhook-ids processed. Only once the io_context's threads were joined.
    const std::unordered_set<std::string>& accepted_ids() const { return accepted_; }

private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return; // closed by stop()
            asio::co_spawn(strand_, serve_connection(std::move(socket)),
                           [](std::exception_ptr e) { report_exception("connection", e); });
        }
    }

    // One connection: requests one after the other (keep-alive), a body of at most 1 MiB, and 30 s
    // for each request to arrive.
    asio::awaitable<void> serve_connection(tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        open_.insert(&stream);
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(1024 * 1024);
            stream.expires_after(30s);
            auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (read_ec)
                break; // closed by the peer, too large, too slow, or stop()
            const auto& req = parser.get();
            http::response<http::string_body> res = handle(req);
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [write_ec, write_n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (write_ec || !res.keep_alive())
                break;
        }
        open_.erase(&stream);
    }

    //[handle
    http::response<http::string_body> handle(const http::request<http::string_body>& req) {
        if (req.method() != http::verb::post)
            return answer(req, http::status::method_not_allowed, "POST only");

        // 1. The request's headers, as hookbox::header values (verify matches names
        //    case-insensitively, and reads the first of duplicates).
        std::vector<hookbox::header> headers;
        for (const auto& field : req)
            headers.push_back({std::string(field.name_string()), std::string(field.value())});

        // 2. The signature, over the body exactly as received: check it before parsing the body.
        //    The timestamp must be within default_tolerance (5 minutes) of this machine's clock.
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        auto verdict = signing::verify(headers, req.body(), keys_, unix_now(), signing::default_tolerance, ec, diag);
        switch (verdict) {
        case signing::verify_result::ok:
            break;
        case signing::verify_result::missing_header: // not a webhook request
        case signing::verify_result::bad_timestamp:
            return refuse(req, http::status::bad_request, verdict, diag);
        case signing::verify_result::timestamp_out_of_tolerance: // an old message replayed, or a skewed clock
        case signing::verify_result::no_matching_signature:      // forged, altered, or another key
            return refuse(req, http::status::unauthorized, verdict, diag);
        case signing::verify_result::bad_secret: // our own keys are unusable: a configuration error
            return refuse(req, http::status::internal_server_error, verdict, diag);
        }

        // 3. Deduplicate on webhook-id. The sender sends the same id on every attempt, so a message
        //    whose answer was lost, or that was redelivered, comes again: acknowledge it, but do
        //    not process it twice. Only a verified id counts.
        std::string id(req[signing::header_names::webhook_id]);
        if (accepted_.contains(id)) {
            ++counts_.duplicates;
            log("200 " + id + ": already processed");
            return answer(req, http::status::ok, "already processed");
        }

        // 4. Process, then remember the id. A message that cannot be processed is not remembered:
        //    4xx makes the sender give up, 5xx makes it try again later.
        if (!process(id, req.body())) {
            ++counts_.bad_requests;
            log("400 " + id + ": the body is not JSON");
            return answer(req, http::status::bad_request, "the body is not JSON");
        }
        accepted_.insert(std::move(id));
        return answer(req, http::status::no_content, "");
    }
    //]

    // The application's work. Kept short: a receiver should answer within the sender's timeout
    // (hookbox's default is 15 s), so long work belongs in a queue of its own.
    bool process(const std::string& id, std::string_view body) {
        boost::system::error_code ec;
        boost::json::value event = boost::json::parse(body, ec);
        if (ec)
            return false;
        ++counts_.processed;
        std::string type = "?";
        if (const auto* obj = event.if_object())
            if (const auto* t = obj->if_contains("type"); t && t->is_string())
                type = std::string(t->get_string());
        log("204 " + id + ": processed " + type);
        return true;
    }

    http::response<http::string_body> refuse(const http::request<http::string_body>& req, http::status status,
                                             signing::verify_result verdict, const hookbox::diagnostics& diag) {
        if (status == http::status::unauthorized)
            ++counts_.unauthorized;
        else
            ++counts_.bad_requests;
        // The diagnostics name the header at fault; they never contain a key.
        std::string why = std::string(signing::to_string(verdict)) + ": " + diag.message();
        log(std::to_string(static_cast<int>(status)) + " " + why);
        return answer(req, status, why);
    }

    static http::response<http::string_body> answer(const http::request<http::string_body>& req, http::status status,
                                                    std::string text) {
        http::response<http::string_body> res{status, req.version()};
        if (!text.empty()) {
            res.set(http::field::content_type, "text/plain");
            res.body() = std::move(text) + "\n";
        }
        return res;
    }

    void log(const std::string& line) const {
        if (!log_)
            return;
        std::printf("receiver: %s\n", line.c_str());
        std::fflush(stdout);
    }

    asio::strand<asio::io_context::executor_type> strand_;
    tcp::acceptor acceptor_;
    std::vector<signing::secret> keys_;
    bool log_;
    std::unordered_set<beast::tcp_stream*> open_; // the strand only
    std::unordered_set<std::string> accepted_;    // the strand only
    receiver_counts counts_;
};

// ---------------------------------------------------------------------------------------------
// Serving until SIGINT or SIGTERM.

int serve(unsigned short port, const std::vector<std::string>& key_texts) {
    //[keys
    // Every key currently valid. During a rotation, the old and the new one: a request passes when
    // any of its signatures matches any of them.
    std::vector<signing::secret> keys;
    for (const auto& text : key_texts) {
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        keys.push_back(signing::secret::parse(text, ec, diag)); // whsec_, whpk_ or whsk_
        if (ec) {
            std::fprintf(stderr, "receiver: --secret: %s\n", diag.message().c_str()); // never the key
            return 2;
        }
    }
    //]
    asio::io_context ioc;
    webhook_receiver receiver(ioc, port, std::move(keys), true);
    receiver.start();
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) { receiver.stop(); });
    std::printf("receiver: listening on http://127.0.0.1:%u/ (Ctrl-C stops)\n", receiver.port());
    std::fflush(stdout);
    ioc.run();
    const auto& c = receiver.counts();
    std::printf("receiver: %llu processed, %llu duplicates, %llu unauthorized, %llu bad requests\n",
                static_cast<unsigned long long>(c.processed.load()),
                static_cast<unsigned long long>(c.duplicates.load()),
                static_cast<unsigned long long>(c.unauthorized.load()),
                static_cast<unsigned long long>(c.bad_requests.load()));
    return 0;
}

// ---------------------------------------------------------------------------------------------
// The self-test.

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "receiver: FAILED: %s\n", what.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(1); // threads may still be running
}

void expect(bool ok, const std::string& what) {
    if (!ok)
        fail(what);
}

// Example keys: make your own for real use.
const std::string old_key = "whsec_c898ev7ZEUHib+GqDK/+6uIKU4eu0wsE";   // being rotated out
const std::string new_key = "whsec_pYq10gmEdmvrTIoWLhR3Mrtb/knheR09";   // its replacement
const std::string stranger_key = "whsec_ZFQ9b27Y5ms0nnaKPDeTSrKgqPXf//GE"; // not the receiver's
// An Ed25519 pair: the sender signs with the secret key, the receiver needs only the public one.
const std::string ed25519_secret =
    "whsk_Mb7QxEQO0yLucziPxHY0uI+/uZDTxEbetU7QuZ2/IELmwXOyWPAnTB/rtuUUTiAmo9EPCAq0gEXdiLs140ji2Q==";
const std::string ed25519_public = "whpk_5sFzsljwJ0wf67blFE4gJqPRDwgKtIBF3Yi7NeNI4tk=";

// Counts the dispatcher's attempts (acked), so that the test waits for them without polling.
class attempt_count {
public:
    void add() {
        {
            std::lock_guard lock(mutex_);
            ++n_;
        }
        changed_.notify_all();
    }

    bool wait_for(std::size_t n, std::chrono::seconds limit) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, limit, [&] { return n_ >= n; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::size_t n_ = 0;
};

struct test_observer : hookbox::notify_on_enqueue {
    std::shared_ptr<attempt_count> attempts;
    void on_attempt(const hookbox::delivery_id&, const hookbox::attempt_result&) const { attempts->add(); }
};

using test_outbox = hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock,
                                          hookbox::fnv1a_partition_hasher, test_observer>;

//[by_hand
// A request signed by hand, as any Standard Webhooks sender signs it: webhook-signature is
// "v1," + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")).
http::request<http::string_body> signed_request(const std::string& key, const std::string& id,
                                                std::int64_t timestamp, const std::string& body) {
    http::request<http::string_body> req{http::verb::post, "/hooks", 11};
    req.set(http::field::content_type, "application/json");
    req.set(signing::header_names::webhook_id, id);
    req.set(signing::header_names::webhook_timestamp, std::to_string(timestamp));
    req.set(signing::header_names::webhook_signature, signing::sign_v1(signing::secret::parse(key), id, timestamp, body));
    req.body() = body;
    return req;
}
//]

// Sends `req` with a plain Beast client and returns the answer's status. Bounded: 5 s in all.
asio::awaitable<unsigned> post_by_hand(unsigned short port, http::request<http::string_body> req) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    stream.expires_after(5s);
    const tcp::endpoint receiver(asio::ip::make_address("127.0.0.1"), port);
    co_await stream.async_connect(receiver, asio::use_awaitable);
    req.keep_alive(false);
    req.prepare_payload();
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return res.result_int();
}

unsigned send_by_hand(asio::io_context& ioc, unsigned short port, http::request<http::string_body> req) {
    auto sending = post_by_hand(port, std::move(req));
    std::future<unsigned> status = asio::co_spawn(ioc, std::move(sending), asio::use_future);
    if (status.wait_for(10s) != std::future_status::ready)
        fail("no answer to a request sent by hand within 10 s");
    try {
        return status.get();
    } catch (const std::exception& e) {
        fail(std::string("request sent by hand: ") + e.what());
    }
}

int self_test() {
    constexpr std::size_t deliveries = 20;
    const std::chrono::seconds limit = 15s; // for each wait below

    asio::io_context ioc(2);

    //[receiver_keys
    // The receiver knows the new HMAC key (it has moved on from the old one) and the public half
    // of the Ed25519 key.
    webhook_receiver receiver(ioc, 0, {signing::secret::parse(new_key), signing::secret::parse(ed25519_public)},
                              false);
    //]
    receiver.start();
    const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks";

    //[point_dispatcher
    // The sending side: an outbox, a sender allowed to connect to loopback (by default it connects
    // to globally routable addresses only), and a dispatcher woken by each enqueue.
    auto wake = std::make_shared<hookbox::wakeup>();
    auto attempts = std::make_shared<attempt_count>();
    test_outbox outbox({}, {}, {}, {}, test_observer{{wake}, attempts});
    hookbox::sender_params sp;
    sp.addresses = hookbox::http::address_policy::loopback_allowed();
    sp.connect_timeout = 2s;
    hookbox::beast_sender sender(ioc.get_executor(), sp);
    hookbox::dispatcher_params dp;
    dp.wakeup = wake;
    dp.request_timeout = 2s;
    dp.claim_ttl = 15s; // > request_timeout + connect_timeout + ack_margin (5 s)
    hookbox::dispatcher<test_outbox, hookbox::beast_sender> dispatcher(ioc.get_executor(), outbox, sender, dp);
    //]
    std::promise<hookbox::error_code> run_result;
    dispatcher.async_run([&](hookbox::error_code ec) { run_result.set_value(ec); });

    std::thread first([&] { ioc.run(); });
    std::thread second([&] { ioc.run(); });

    // 1. Twenty signed webhooks through the outbox and the dispatcher.
    std::vector<std::string> ids, bodies;
    for (std::size_t i = 0; i < deliveries; ++i) {
        //[rotation
        hookbox::enqueue_request r;
        r.webhook_id = "wh-orders";
        r.event_id = "evt-" + std::to_string(i);
        r.event_type = "order.created";
        r.url = url;
        r.payload = hookbox::payload::parse(R"({"type":"order.created","order":)" + std::to_string(i) + "}");
        if (i % 3 == 0)
            r.secret = new_key;                   // one HMAC signature: v1
        else if (i % 3 == 1)
            r.secret = old_key + " " + new_key;   // during a rotation: two v1 signatures, one per key
        else
            r.secret = ed25519_secret;            // an Ed25519 signature: v1a
        //]
        bodies.emplace_back(r.payload.body());
        ids.push_back(outbox.enqueue(std::move(r)).id.to_string());
    }
    expect(attempts->wait_for(deliveries, limit), "the dispatcher did not deliver the webhooks in time");
    const auto& c = receiver.counts();
    expect(c.processed == deliveries && c.unauthorized == 0 && c.bad_requests == 0,
           "the receiver processed " + std::to_string(c.processed) + " of " + std::to_string(deliveries) +
               " webhooks and refused " + std::to_string(c.unauthorized + c.bad_requests));
    std::printf("receiver: %zu webhooks delivered by the dispatcher, verified and processed\n", deliveries);

    // 2. A redelivery: the same webhook-id again, newly signed. Acknowledged, not processed again.
    outbox.redeliver(hookbox::delivery_id::parse(ids[0]));
    dispatcher.notify(); // claim it now rather than at the next poll
    expect(attempts->wait_for(deliveries + 1, limit), "the redelivery was not attempted in time");
    expect(c.duplicates == 1 && c.processed == deliveries, "the redelivered webhook was processed again");
    std::printf("receiver: a redelivered webhook was acknowledged and not processed again\n");

    // 3. By hand, with a plain Beast client.
    //[checks
    const std::int64_t now = unix_now();
    const std::string body = R"({"type":"order.created","order":99})";
    auto forged = signed_request(stranger_key, "msg_forged", now, body);
    expect(send_by_hand(ioc, receiver.port(), std::move(forged)) == 401, "a forged signature was not refused with 401");
    auto stale = signed_request(new_key, "msg_stale", now - 3 * 3600, body); // three hours old
    expect(send_by_hand(ioc, receiver.port(), std::move(stale)) == 401, "a stale timestamp was not refused with 401");
    http::request<http::string_body> bare{http::verb::post, "/hooks", 11};
    bare.set(http::field::content_type, "application/json");
    bare.body() = body;
    expect(send_by_hand(ioc, receiver.port(), std::move(bare)) == 400, "missing headers were not refused with 400");
    auto replay = signed_request(new_key, ids[1], now, bodies[1]); // an accepted message, once more
    expect(send_by_hand(ioc, receiver.port(), std::move(replay)) == 200, "a replay was not acknowledged with 200");
    //]
    expect(c.unauthorized == 2 && c.bad_requests == 1 && c.duplicates == 2 && c.processed == deliveries,
           "the receiver's counts after the requests by hand are wrong");
    std::printf("receiver: forged 401, stale 401, no headers 400, replay 200 (not processed)\n");

    // 4. A graceful stop: the dispatcher drains and completes; then the sender's idle connections
    //    and the receiver are closed, and the io_context runs out of work.
    dispatcher.cancel();
    auto done = run_result.get_future();
    expect(done.wait_for(limit) == std::future_status::ready, "the dispatcher did not stop in time");
    expect(done.get() == asio::error::operation_aborted, "the dispatcher's run ended with an unexpected error");
    sender.cancel();
    receiver.stop();
    first.join();
    second.join();

    auto st = dispatcher.stats();
    std::set<std::string> expected(ids.begin(), ids.end());
    std::set<std::string> accepted(receiver.accepted_ids().begin(), receiver.accepted_ids().end());
    expect(accepted == expected, "the receiver did not accept exactly the delivered webhook-ids");
    expect(st.succeeded == deliveries + 1 && st.dead == 0 && st.retried == 0,
           "the dispatcher counted " + std::to_string(st.succeeded) + " successes, " + std::to_string(st.dead) +
               " dead and " + std::to_string(st.retried) + " retries");
    std::printf("receiver: ok\n");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    int port = -1;
    bool test = false;
    std::vector<std::string> keys;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--self-test")
            test = true;
        else if (a == "--port" && i + 1 < argc)
            port = std::atoi(argv[++i]);
        else if (a == "--secret" && i + 1 < argc)
            keys.emplace_back(argv[++i]);
        else
            port = -2;
    }
    if (test && port == -1 && keys.empty()) {
        try {
            return self_test();
        } catch (const std::exception& e) {
            fail(e.what());
        }
    }
    if (!test && port >= 0 && port <= 65535 && !keys.empty())
        return serve(static_cast<unsigned short>(port), keys);
    std::fprintf(stderr, "usage: %s --port P --secret KEY [--secret KEY]...\n       %s --self-test\n", argv[0],
                 argv[0]);
    return 2;
}
