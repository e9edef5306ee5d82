//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// beast_sender against a scripted receiver on loopback: every outcome a receiver can produce, each
// classified as the retry policy specifies; keep-alive and the per-origin cap; TLS with a
// certificate the test generates; the address guard; executor and cancellation behaviour; the
// sender's lifetime; the completion tokens. After each failure the same sender still delivers.
//
// Nothing here waits for wall-clock time to pass. Time limits are driven by `stepped_clock`, which
// moves only when a test advances it; the context runs until it is out of work (`ioc.run()`
// returning is then part of the test) or until a condition holds, with no time limit of its own:
// a test that hangs is ended by ctest's timeout.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_certs.hpp"
#include "common/test_common.hpp"

#include <hookbox/http/beast_sender.hpp>
#include <hookbox/http/detail/response_reader.hpp>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hookbox::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

sender_params loopback(std::chrono::milliseconds connect_timeout = 2s) {
    sender_params p;
    p.addresses = http::address_policy::loopback_allowed();
    p.connect_timeout = connect_timeout;
    return p;
}

outgoing_request post(std::string url, std::chrono::milliseconds timeout = 5s) {
    outgoing_request r;
    r.url = std::move(url);
    r.body = payload::parse(R"({"hello":"world"})");
    r.headers = {{"Content-Type", "application/json"}, {"X-Custom", "yes"}};
    r.timeout = timeout;
    return r;
}

// The sender on a steady clock that moves only when a test advances it (`manual_steady_clock`):
// tests advance it by what they need, and only measure differences.
using stepped_clock = manual_steady_clock;
using stepped_sender = basic_beast_sender<asio::any_io_executor, stepped_clock>;

// Runs `ioc` on this thread until `done()` holds, however long that takes.
template <class Done> void run_until_done(asio::io_context& ioc, Done done) {
    BOOST_TEST_REQUIRE(run_until(ioc, done));
}

// What a request completed with.
struct outcome : send_result {
    error_code ec;
};

// A handler that keeps the outcome, and checks that it is called once.
auto record(std::optional<outcome>& out) {
    return [&out](error_code ec, send_result r) {
        BOOST_TEST(!out.has_value(), "the handler is called once");
        out.emplace(outcome{std::move(r), ec});
    };
}

struct fixture {
    asio::io_context ioc;
    scripted_receiver receiver;

    // Sends `r` and runs the context until it is out of work: the request has completed and the
    // sender holds no pending operation.
    template <class Sender> outcome send(Sender& s, outgoing_request r) {
        std::optional<outcome> out;
        s.async_send(std::move(r), record(out));
        ioc.restart();
        ioc.run();
        BOOST_TEST_REQUIRE(out.has_value());
        return std::move(*out);
    }

    // After any failure the sender still works.
    template <class Sender> void still_delivers(Sender& s) {
        scripted_receiver fresh;
        auto r = send(s, post(fresh.url()));
        BOOST_TEST(r.http_status == 200);
        BOOST_TEST(!r.ec, r.ec.message());
    }
};

// An allocator that counts what goes through it.
struct allocation_counts {
    std::size_t allocations = 0;
    std::size_t deallocations = 0;
};

template <class T> struct counting_allocator {
    using value_type = T;
    allocation_counts* counts;

    explicit counting_allocator(allocation_counts* c) noexcept : counts(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : counts(other.counts) {}

    T* allocate(std::size_t n) {
        ++counts->allocations;
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        ++counts->deallocations;
        std::allocator<T>().deallocate(p, n);
    }
    template <class U> bool operator==(const counting_allocator<U>& other) const noexcept {
        return counts == other.counts;
    }
};

attempt_class class_of(const send_result& r) { return r.refused ? attempt_class::permanent : classify(r.http_status); }

}  // namespace

BOOST_AUTO_TEST_SUITE(http_sender)

BOOST_FIXTURE_TEST_CASE(success_with_body_headers_and_keep_alive, fixture) {
    receiver.respond({.status = 200, .headers = {{"X-Reply", "1"}}, .body = "thanks"});
    beast_sender s(ioc.get_executor(), loopback());
    auto r1 = send(s, post(receiver.url("/hook?a=1")));
    auto r2 = send(s, post(receiver.url()));
    BOOST_TEST(!r1.ec);
    BOOST_TEST(r1.http_status == 200);
    BOOST_TEST(r1.response_body == "thanks");
    BOOST_TEST(r1.error.empty());
    BOOST_TEST(class_of(r1) == attempt_class::success);
    BOOST_TEST(r2.http_status == 200);
    auto got = receiver.requests();
    BOOST_TEST_REQUIRE(got.size() == 2u);
    BOOST_TEST(got[0].method == "POST");
    BOOST_TEST(got[0].target == "/hook?a=1");
    BOOST_TEST(got[0].body == R"({"hello":"world"})");
    BOOST_TEST(got[0].header("Host") == "127.0.0.1:" + std::to_string(receiver.port()));
    BOOST_TEST(got[0].header("User-Agent") == "hookbox/" HOOKBOX_VERSION_STRING);
    BOOST_TEST(got[0].header("Content-Length") == "17");
    BOOST_TEST(got[0].header("X-Custom") == "yes");
    // Keep-alive: both requests on one connection.
    BOOST_TEST(got[0].connection == got[1].connection);
    BOOST_TEST(receiver.connection_count() == 1u);
    BOOST_TEST(s.stats().connections_opened == 1u);
    BOOST_TEST(s.stats().connections_reused == 1u);
}

BOOST_FIXTURE_TEST_CASE(redirect_is_not_followed, fixture) {
    receiver.respond({.status = 302, .headers = {{"Location", "/elsewhere"}}, .body = ""});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec);  // a response, whatever its status
    BOOST_TEST(r.http_status == 302);
    BOOST_TEST(class_of(r) == attempt_class::permanent);
    BOOST_TEST(receiver.request_count() == 1u);
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(status_codes_are_classified, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    for (auto [status, want] : std::vector<std::pair<int, attempt_class>>{{201, attempt_class::success},
                                                                          {204, attempt_class::success},
                                                                          {408, attempt_class::retriable},
                                                                          {410, attempt_class::permanent},
                                                                          {400, attempt_class::permanent},
                                                                          {500, attempt_class::retriable},
                                                                          {503, attempt_class::retriable}}) {
        receiver.respond({.status = status, .body = status == 204 ? "" : "b"});
        auto r = send(s, post(receiver.url()));
        BOOST_TEST(!r.ec);
        BOOST_TEST(r.http_status == status);
        BOOST_TEST(class_of(r) == want, "status " << status);
    }
    still_delivers(s);
}

// A status line outside 100..599 is not HTTP: reported as a failed attempt without a status (which
// the outbox records and retries), never as a status an ack would refuse.
BOOST_FIXTURE_TEST_CASE(status_outside_the_http_range_is_a_failure, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    for (int status : {700, 99}) {
        receiver.respond({.status = status, .body = "b"});
        auto r = send(s, post(receiver.url()));
        BOOST_TEST(!r.http_status.has_value(), "status " << status);
        BOOST_TEST((r.ec == boost::beast::http::error::bad_status), r.ec.message());
        BOOST_TEST(r.error == "invalid HTTP status " + std::to_string(status) + " in the response");
        BOOST_TEST(class_of(r) == attempt_class::retriable);
        timestamp now{std::chrono::milliseconds(1767225600000)};
        auto a = default_retry_policy{}.decide(0, std::move(r), now, 0.5);
        BOOST_TEST(a.outcome == attempt_outcome::retry);
        BOOST_TEST(!a.http_status.has_value());
    }
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(too_many_requests_with_retry_after, fixture) {
    receiver.respond({.status = 429, .headers = {{"Retry-After", "7"}}, .body = "slow down"});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec);
    BOOST_TEST(r.http_status == 429);
    BOOST_TEST(r.retry_after == "7");
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    // The default policy waits at least what the receiver asked for.
    default_retry_policy policy;
    timestamp now{std::chrono::milliseconds(1767225600000)};
    auto a = policy.decide(0, std::move(r), now, 0.5);
    BOOST_TEST(a.outcome == attempt_outcome::retry);
    BOOST_TEST((*a.next_retry_at - now == 7000ms));
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(connection_reset, fixture) {
    receiver.respond({.reset = true});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.ec == asio::error::connection_reset, r.ec.message());
    BOOST_TEST(!r.error.empty());
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    still_delivers(s);
}

// The connect never completes; the connect timeout ends it when the clock reaches it.
BOOST_FIXTURE_TEST_CASE(connect_timeout, fixture) {
    blackhole_listener hole;
    stepped_sender s(ioc.get_executor(), loopback(300ms));
    std::optional<outcome> r;
    s.async_send(post(hole.url()), record(r));
    ioc.poll();  // admitted; its connect is under way
    BOOST_TEST(!r.has_value());
    stepped_clock::advance(300ms);
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(!r->http_status.has_value());
    BOOST_TEST(r->ec == asio::error::timed_out, r->ec.message());
    BOOST_TEST(r->error.find("connect timeout after 300ms") != std::string::npos, r->error);
    BOOST_TEST(class_of(*r) == attempt_class::retriable);
    BOOST_TEST((r->duration == 300ms));
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(slow_headers_time_out, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});
    stepped_sender s(ioc.get_executor(), loopback());
    std::optional<outcome> r;
    s.async_send(post(receiver.url(), 200ms), record(r));
    run_until_done(ioc, [&] { return receiver.request_count() == 1; });
    stepped_clock::advance(200ms);
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(!r->http_status.has_value());
    BOOST_TEST(r->ec == asio::error::timed_out, r->ec.message());
    BOOST_TEST(r->error.find("timeout after 200ms") != std::string::npos, r->error);
    BOOST_TEST(class_of(*r) == attempt_class::retriable);
    BOOST_TEST((r->duration == 200ms));
    still_delivers(s);
}

// The receiver answered (its status counts); the body that never arrives is cut off by the
// timeout and the connection is not reused.
BOOST_FIXTURE_TEST_CASE(slow_body_keeps_the_status, fixture) {
    receiver.respond({.status = 200, .body = "late", .body_delay = 1h});
    stepped_sender s(ioc.get_executor(), loopback());
    std::optional<outcome> r;
    s.async_send(post(receiver.url(), 200ms), record(r));
    run_until_done(ioc, [&] { return s.stats().responses == 1; });  // the status is in, not the body
    stepped_clock::advance(200ms);
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(!r->ec, r->ec.message());  // a response arrived
    BOOST_TEST(r->http_status == 200);
    BOOST_TEST(r->response_body.empty());
    BOOST_TEST(class_of(*r) == attempt_class::success);
    BOOST_TEST((r->duration == 200ms));
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200);
    BOOST_TEST(receiver.connection_count() == 2u);
}

BOOST_FIXTURE_TEST_CASE(huge_response_is_capped, fixture) {
    receiver.respond({.status = 200, .body_size = 10 * 1024 * 1024});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(r.http_status == 200);
    BOOST_TEST(r.response_body.size() == 16u * 1024u);
    BOOST_TEST(r.response_body == std::string(16 * 1024, 'x'));
    BOOST_TEST(class_of(r) == attempt_class::success);
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(tls_with_a_trusted_certificate, fixture) {
    auto cert = make_self_signed_cert();
    scripted_receiver tls_receiver(cert);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(cert.cert_pem));
    beast_sender s(ioc.get_executor(), ctx, loopback());
    auto r = send(s, post(tls_receiver.url()));
    BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST(tls_receiver.request_count() == 1u);
}

BOOST_FIXTURE_TEST_CASE(tls_with_an_untrusted_certificate, fixture) {
    scripted_receiver tls_receiver(make_self_signed_cert());
    beast_sender s(ioc.get_executor(), loopback());  // the system's trust store only
    auto r = send(s, post(tls_receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("TLS handshake") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    BOOST_TEST(tls_receiver.request_count() == 0u);
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(tls_with_a_certificate_for_another_host, fixture) {
    auto cert = make_self_signed_cert_for("wrong.example", {"DNS:wrong.example"});
    scripted_receiver tls_receiver(cert);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(cert.cert_pem));
    beast_sender s(ioc.get_executor(), ctx, loopback());
    auto r = send(s, post(tls_receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("TLS handshake") != std::string::npos, r.error);
    BOOST_TEST(tls_receiver.request_count() == 0u);
}

BOOST_FIXTURE_TEST_CASE(address_guard_refuses_loopback_by_default, fixture) {
    beast_sender s(ioc.get_executor());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::address_not_permitted);
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("127.0.0.1") != std::string::npos, r.error);
    BOOST_TEST(receiver.connection_count() == 0u);
    // A name that resolves to loopback is refused as well: the check is on the address.
    auto named = send(s, post("http://localhost:" + std::to_string(receiver.port()) + "/hook"));
    BOOST_TEST(named.refused);
    BOOST_TEST(named.ec == errc::address_not_permitted);
    BOOST_TEST(receiver.connection_count() == 0u);
}

BOOST_AUTO_TEST_CASE(address_classification) {
    auto a = [](const char* s) { return asio::ip::make_address(s); };
    for (const char* global : {"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"})
        BOOST_TEST(http::is_global(a(global)), global);
    for (const char* local : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                              "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
                              "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "ff02::1"})
        BOOST_TEST(!http::is_global(a(local)), local);
    http::address_policy p;
    p.allow.push_back(http::network::parse("10.0.0.0/8"));
    p.deny.push_back(http::network::parse("10.9.0.0/16"));
    BOOST_TEST(p.permits(a("10.1.1.1")));
    BOOST_TEST(!p.permits(a("10.9.1.1")));
    BOOST_TEST(p.permits(a("8.8.8.8")));
    BOOST_TEST(!p.permits(a("192.168.0.1")));
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!http::network::parse("10.0.0.0/33", ec, diag).has_value());
    BOOST_TEST(diag.field() == "network");
    BOOST_TEST(!http::network::parse("not-an-address", ec, diag).has_value());
    BOOST_TEST(ec == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(url_parts) {
    auto u = std::optional(http::parse_url("HTTPS://Example.COM/a/b?x=1#frag"));
    BOOST_TEST(u->tls);
    BOOST_TEST(u->host == "example.com");
    BOOST_TEST(u->port == 443);
    BOOST_TEST(u->target == "/a/b?x=1");
    BOOST_TEST(u->host_header == "example.com");
    auto v6 = std::optional(http::parse_url("http://[::1]:8080"));
    BOOST_TEST(v6->host == "::1");
    BOOST_TEST(v6->target == "/");
    BOOST_TEST(v6->host_header == "[::1]:8080");
    BOOST_TEST(v6->literal.has_value());
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!http::parse_url("http://user:pw@example.com/", ec, diag).has_value());
    BOOST_TEST(ec == errc::invalid_url);
    BOOST_TEST(diag.field() == "url");
    BOOST_TEST(!http::parse_url("ftp://example.com/", ec, diag).has_value());
}

BOOST_FIXTURE_TEST_CASE(bad_requests_are_refused_before_sending, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    auto bad_header = post(receiver.url());
    bad_header.headers.push_back({"X-Evil", "a\r\nInjected: 1"});
    auto r = send(s, bad_header);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::invalid_header);
    BOOST_TEST(r.error.find("headers[2].value") != std::string::npos, r.error);
    auto framing = post(receiver.url());
    framing.headers.push_back({"Content-Length", "1"});
    r = send(s, framing);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::invalid_header);
    auto bad_url = post("http://user@127.0.0.1/");
    r = send(s, bad_url);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::invalid_url);
    BOOST_TEST(r.error.find("url") != std::string::npos, r.error);
    auto bad_method = post(receiver.url());
    bad_method.method = "PO ST";
    r = send(s, bad_method);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::invalid_method);
    BOOST_TEST(r.error.find("method") != std::string::npos, r.error);
    auto no_time = post(receiver.url(), 0ms);
    r = send(s, no_time);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.ec == errc::invalid_timeout);
    BOOST_TEST(r.error.find("timeout") != std::string::npos, r.error);
    BOOST_TEST(receiver.request_count() == 0u);
}

// Ten requests at once to one origin with a cap of two connections: all delivered, over two.
BOOST_FIXTURE_TEST_CASE(per_origin_connection_cap, fixture) {
    auto p = loopback();
    p.max_connections_per_origin = 2;
    beast_sender s(ioc.get_executor(), p);
    std::vector<outcome> results;
    for (int i = 0; i < 10; ++i)
        s.async_send(post(receiver.url()), [&](error_code ec, send_result r) {
            results.push_back(outcome{std::move(r), ec});
        });
    ioc.run();
    BOOST_TEST_REQUIRE(results.size() == 10u);
    for (const auto& r : results) {
        BOOST_TEST(!r.ec, r.ec.message());
        BOOST_TEST(r.http_status == 200, r.error);
    }
    BOOST_TEST(receiver.connection_count() == 2u);
    BOOST_TEST(s.stats().connections_opened == 2u);
    BOOST_TEST(s.stats().connections_reused == 8u);
}

// The handler runs on its associated executor, never inside async_send.
BOOST_FIXTURE_TEST_CASE(completion_on_the_handlers_executor, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    auto strand = asio::make_strand(ioc);
    bool returned = false, on_strand = false, called = false;
    s.async_send(post(receiver.url()), asio::bind_executor(strand, [&](error_code, send_result) {
                     called = true;
                     on_strand = strand.running_in_this_thread();
                     BOOST_TEST(returned);
                 }));
    returned = true;
    BOOST_TEST(!called);
    ioc.run();
    BOOST_TEST(called);
    BOOST_TEST(on_strand);
    // Even a request refused at once completes later, not inline.
    bool refused_called = false;
    beast_sender guarded(ioc.get_executor());
    guarded.async_send(post(receiver.url()), [&](error_code, send_result) { refused_called = true; });
    BOOST_TEST(!refused_called);
    ioc.restart();
    ioc.run();
    BOOST_TEST(refused_called);
}

// cancel() ends a request in progress at once; the sender then serves new requests.
BOOST_FIXTURE_TEST_CASE(cancel_ends_requests_in_progress, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});
    beast_sender s(ioc.get_executor(), loopback());
    std::optional<outcome> r;
    s.async_send(post(receiver.url(), 1h), record(r));
    run_until_done(ioc, [&] { return receiver.request_count() == 1; });
    s.cancel();
    ioc.restart();
    ioc.run();  // returns: the request has ended and its connection is closed
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->ec == asio::error::operation_aborted, r->ec.message());
    BOOST_TEST(!r->http_status.has_value());
    BOOST_TEST(r->error == "cancelled");
    receiver.respond({.status = 200});
    still_delivers(s);
}

// Bodies framed by chunked transfer coding and by the end of the connection are read whole; a
// chunked response keeps its connection for the next request.
BOOST_FIXTURE_TEST_CASE(chunked_and_close_delimited_bodies, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "4\r\nabcd\r\n3;ext=1\r\nefg\r\n0\r\n\r\n"});
    auto chunked = send(s, post(receiver.url()));
    BOOST_TEST(chunked.http_status == 201, chunked.error);
    BOOST_TEST(chunked.response_body == "abcdefg");
    receiver.respond({.close = true, .raw = "HTTP/1.1 202 Accepted\r\nConnection: close\r\n\r\nuntil the end"});
    auto delimited = send(s, post(receiver.url()));
    BOOST_TEST(delimited.http_status == 202, delimited.error);
    BOOST_TEST(delimited.response_body == "until the end");
    BOOST_TEST(receiver.connection_count() == 1u);  // the chunked response kept the connection
    BOOST_TEST(s.stats().connections_reused == 1u);
    still_delivers(s);
}

// A response that is not HTTP ends the attempt with an error naming where it happened.
BOOST_FIXTURE_TEST_CASE(garbage_response_is_an_error, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "SMTP ready\r\n\r\n"});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    const auto& parser_errors =
        boost::beast::http::make_error_code(boost::beast::http::error::bad_version).category();
    BOOST_TEST((r.ec.category() == parser_errors), r.ec.message());  // the parser's own code
    BOOST_TEST(r.error.find("(reading the response headers)") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    still_delivers(s);
}

// ----- interim (1xx) responses, RFC 9110 section 15.2 -----

// An interim response is skipped: the attempt gets the final response's status, Retry-After and
// body (not the interim one's), and the connection is kept for the next request.
BOOST_FIXTURE_TEST_CASE(early_hints_are_skipped, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nRetry-After: 9\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nRetry-After: 5\r\nContent-Length: 4\r\n\r\ndone"});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST(r.response_body == "done");
    BOOST_TEST(r.retry_after == "5");
    BOOST_TEST(r.error.empty());
    BOOST_TEST(class_of(r) == attempt_class::success);
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
    BOOST_TEST(receiver.connection_count() == 1u);
    BOOST_TEST(s.stats().connections_reused == 1u);
    BOOST_TEST(s.stats().responses == 2u);
}

// 100 Continue before a 204, and two 103s before a 201.
BOOST_FIXTURE_TEST_CASE(continue_and_repeated_interim_responses, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(r.http_status == 204, r.error);
    BOOST_TEST(r.response_body.empty());
    receiver.respond({.raw = "HTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\n"
                             "HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\n"
                             "HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\ncreated"});
    auto created = send(s, post(receiver.url()));
    BOOST_TEST(created.http_status == 201, created.error);
    BOOST_TEST(created.response_body == "created");
    BOOST_TEST(receiver.request_count() == 2u);
    BOOST_TEST(receiver.connection_count() == 1u);
}

// The interim response and the final one arrive in pieces, split inside their status lines and
// header blocks.
BOOST_FIXTURE_TEST_CASE(interim_response_split_across_reads, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.body_delay = 5ms,
                      .raw_parts = {"HTTP/1.1 10", "3 Early Hints\r\nLink: </a.js>", "; rel=preload\r\n\r", "\nHTTP/",
                                    "1.1 200 OK\r\nContent-Len", "gth: 2\r\n\r\n", "ok"}});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST(r.response_body == "ok");
    still_delivers(s);
}

// 101 Switching Protocols is a final answer, not an interim one: it is the attempt's status and
// its connection is not used again.
BOOST_FIXTURE_TEST_CASE(switching_protocols_is_final, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.http_status == 101, r.error);
    BOOST_TEST(class_of(r) != attempt_class::success);
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
    BOOST_TEST(receiver.connection_count() == 2u);
}

// Interim responses count toward the header limit: an endless stream of them ends the attempt.
BOOST_FIXTURE_TEST_CASE(endless_interim_responses_end_at_the_header_limit, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    std::string hints;
    for (int i = 0; i < 5000; ++i)  // 135,000 bytes, beyond the 64 KiB limit
        hints += "HTTP/1.1 103 Early Hints\r\n\r\n";
    receiver.respond({.raw = hints});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST((r.ec == boost::beast::http::error::header_limit), r.ec.message());
    BOOST_TEST(r.error.find("(reading the response headers)") != std::string::npos, r.error);
    BOOST_TEST(receiver.request_count() == 1u);
    still_delivers(s);
}

// ----- the header limit -----

// A 10 KB cookie is well within the default limit of 64 KiB.
BOOST_FIXTURE_TEST_CASE(large_header_field_within_the_limit, fixture) {
    receiver.respond({.status = 200, .headers = {{"Set-Cookie", "session=" + std::string(10000, 'c')}},
                      .body = "fine"});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST(r.response_body == "fine");
    BOOST_TEST(r.error.empty());
    BOOST_TEST(receiver.request_count() == 1u);
    // The connection is kept.
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
    BOOST_TEST(receiver.connection_count() == 1u);
}

// A header block beyond the limit after a status line: the status is the attempt's (a 2xx is a
// success, not retried), the headers are not read, and the connection is closed.
BOOST_FIXTURE_TEST_CASE(header_block_beyond_the_limit_is_truncated, fixture) {
    receiver.respond({.raw = "HTTP/1.1 200 OK\r\nRetry-After: 3\r\nX-Big: " + std::string(70000, 'b') +
                             "\r\nContent-Length: 4\r\n\r\nbody"});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.http_status == 200);
    BOOST_TEST(r.error == "response headers exceeded 65536 bytes and were not read");
    BOOST_TEST(r.response_body.empty());
    BOOST_TEST(!r.retry_after.has_value());
    BOOST_TEST(class_of(r) == attempt_class::success);
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(s.stats().responses == 1u);
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
    BOOST_TEST(receiver.connection_count() == 2u);  // the truncated response's connection was closed
}

// The limit is a parameter; a 5xx cut off keeps its status and says why in `error`.
BOOST_FIXTURE_TEST_CASE(header_limit_is_a_parameter, fixture) {
    auto p = loopback();
    p.response_header_limit = 4 * 1024;
    beast_sender s(ioc.get_executor(), p);
    receiver.respond({.status = 200, .headers = {{"X-Pad", std::string(5 * 1024, 'p')}}});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST(r.http_status == 200);
    BOOST_TEST(r.error == "response headers exceeded 4096 bytes and were not read");
    BOOST_TEST(class_of(r) == attempt_class::success);
    receiver.respond({.status = 503, .headers = {{"X-Pad", std::string(5 * 1024, 'p')}}});
    auto unavailable = send(s, post(receiver.url()));
    BOOST_TEST(unavailable.http_status == 503);
    BOOST_TEST(class_of(unavailable) == attempt_class::retriable);
    timestamp now{std::chrono::milliseconds(1767225600000)};
    auto a = default_retry_policy{}.decide(0, std::move(unavailable), now, 0.5);
    BOOST_TEST(a.error == "response headers exceeded 4096 bytes and were not read");
    BOOST_TEST(a.http_status == 503);
    BOOST_TEST(receiver.request_count() == 2u);
    BOOST_TEST(receiver.connection_count() == 2u);
    receiver.respond({.status = 200, .headers = {{"X-Pad", std::string(3 * 1024, 'p')}}});
    auto within = send(s, post(receiver.url()));
    BOOST_TEST(within.http_status == 200, within.error);
    BOOST_TEST(within.error.empty());
}

// Without a complete status line within the limit there is no response: a transport error.
BOOST_FIXTURE_TEST_CASE(no_status_line_within_the_limit_is_an_error, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    receiver.respond({.raw = "HTTP/1.1 200 " + std::string(70000, 'r')});
    auto r = send(s, post(receiver.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST((r.ec == boost::beast::http::error::header_limit), r.ec.message());
    BOOST_TEST(r.error.find("(reading the response headers)") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    BOOST_TEST(receiver.request_count() == 1u);
    still_delivers(s);
}

// The limit is checked when the sender is made.
BOOST_AUTO_TEST_CASE(header_limit_is_validated) {
    asio::io_context ioc;
    auto p = loopback();
    p.response_header_limit = 1023;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!beast_sender::check(p, ec, diag));
    BOOST_TEST((ec == errc::invalid_argument));
    BOOST_TEST(diag.field() == "response_header_limit");
    BOOST_TEST(diag.message() == "response_header_limit: must be 1024 to 16777216 bytes (got 1023)");
    BOOST_CHECK_THROW(beast_sender(ioc.get_executor(), p), error_with_diagnostics);
    p.response_header_limit = 16 * 1024 * 1024 + 1;
    BOOST_TEST(!beast_sender::check(p, ec, diag));
    BOOST_TEST(diag.field() == "response_header_limit");
    p.response_header_limit = 1024;
    BOOST_TEST(beast_sender::check(p, ec, diag));
    BOOST_TEST(!ec);
    BOOST_TEST(sender_params{}.response_header_limit == 64u * 1024u);
}

// The request carries the last of several headers of one name (names compare case-insensitively),
// and a User-Agent of its own replaces the sender's.
BOOST_FIXTURE_TEST_CASE(later_header_replaces_earlier, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    auto req = post(receiver.url());
    req.headers = {{"X-Tag", "first"}, {"User-Agent", "custom/1"}, {"x-tag", "second"}};
    auto r = send(s, req);
    BOOST_TEST(r.http_status == 200, r.error);
    auto got = receiver.requests();
    BOOST_TEST_REQUIRE(got.size() == 1u);
    int tags = 0;
    for (const auto& [name, value] : got[0].headers)
        tags += boost::beast::iequals(name, "X-Tag") ? 1 : 0;
    BOOST_TEST(tags == 1);
    BOOST_TEST(got[0].header("X-Tag") == "second");
    BOOST_TEST(got[0].header("User-Agent") == "custom/1");
}

// With the only connection busy, a second request waits for it only within the connect timeout.
BOOST_FIXTURE_TEST_CASE(waiting_for_a_connection_times_out, fixture) {
    gate hold;
    receiver.script([&hold](const received_request&) {
        hold.wait();
        return response_plan{};
    });
    auto p = loopback(300ms);
    p.max_connections_per_origin = 1;
    stepped_sender s(ioc.get_executor(), p);
    std::optional<outcome> first, second;
    s.async_send(post(receiver.url()), record(first));
    s.async_send(post(receiver.url()), record(second));
    run_until_done(ioc, [&] { return receiver.request_count() == 1; });
    stepped_clock::advance(300ms);
    run_until_done(ioc, [&] { return second.has_value(); });
    BOOST_TEST(!first.has_value());
    BOOST_TEST(!second->http_status.has_value());
    BOOST_TEST(second->ec == asio::error::timed_out, second->ec.message());
    BOOST_TEST(second->error.find("connect timeout after 300ms waiting for a free connection") != std::string::npos,
               second->error);
    BOOST_TEST((second->duration == 300ms));
    hold.open();
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST(first->http_status == 200, first->error);
    BOOST_TEST(!first->ec);
    BOOST_TEST(receiver.request_count() == 1u);
}

// Per-operation cancellation ends a request in progress and one waiting for a connection; the
// others go on.
BOOST_FIXTURE_TEST_CASE(per_operation_cancellation, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});
    auto p = loopback();
    p.max_connections_per_origin = 1;
    beast_sender s(ioc.get_executor(), p);
    asio::cancellation_signal running_signal, waiting_signal;
    std::optional<outcome> running, waiting;
    s.async_send(post(receiver.url(), 1h),
                 asio::bind_cancellation_slot(running_signal.slot(), record(running)));
    s.async_send(post(receiver.url(), 1h),
                 asio::bind_cancellation_slot(waiting_signal.slot(), record(waiting)));
    run_until_done(ioc, [&] { return receiver.request_count() == 1; });
    waiting_signal.emit(asio::cancellation_type::terminal);
    run_until_done(ioc, [&] { return waiting.has_value(); });
    BOOST_TEST(waiting->ec == asio::error::operation_aborted, waiting->ec.message());
    BOOST_TEST(waiting->error == "cancelled");
    BOOST_TEST(!running.has_value());
    // A partial cancellation is not honoured; a terminal one is.
    running_signal.emit(asio::cancellation_type::partial);
    running_signal.emit(asio::cancellation_type::terminal);
    ioc.restart();
    ioc.run();  // returns: the request has ended and its connection is closed
    BOOST_TEST_REQUIRE(running.has_value());
    BOOST_TEST(running->ec == asio::error::operation_aborted, running->ec.message());
    BOOST_TEST(running->error == "cancelled");
    BOOST_TEST(!running->http_status.has_value());
    BOOST_TEST(receiver.request_count() == 1u);
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
}

// A request whose connect hangs is cancelled at once, without waiting for the connect timeout.
BOOST_FIXTURE_TEST_CASE(per_operation_cancellation_while_connecting, fixture) {
    blackhole_listener hole;
    beast_sender s(ioc.get_executor(), loopback(1h));
    asio::cancellation_signal signal;
    std::optional<outcome> r;
    s.async_send(post(hole.url(), 1h), asio::bind_cancellation_slot(signal.slot(), record(r)));
    ioc.poll();  // admitted; its connect is under way
    BOOST_TEST(!r.has_value());
    signal.emit(asio::cancellation_type::terminal);
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->ec == asio::error::operation_aborted, r->ec.message());
    BOOST_TEST(r->error == "cancelled");
    still_delivers(s);
}

// Once its requests are done the sender holds no pending operation: run() returns.
BOOST_FIXTURE_TEST_CASE(run_returns_when_requests_are_done, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    std::optional<outcome> r;
    s.async_send(post(receiver.url()), record(r));
    ioc.run();
    BOOST_TEST(ioc.stopped());
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->http_status == 200, r->error);
}

// The sender on the io_context's own executor type (no type-erased executor).
BOOST_FIXTURE_TEST_CASE(sender_on_a_concrete_executor, fixture) {
    using io_sender = basic_beast_sender<asio::io_context::executor_type>;
    static_assert(hookbox::http_sender<io_sender>);
    io_sender s(ioc.get_executor(), loopback());
    std::vector<send_result> results;
    for (int i = 0; i < 3; ++i)
        s.async_send(post(receiver.url()),
                     [&](error_code, send_result r) { results.push_back(std::move(r)); });
    ioc.run();
    BOOST_TEST_REQUIRE(results.size() == 3u);
    for (const auto& r : results)
        BOOST_TEST(r.http_status == 200, r.error);
}

// ----- lifetime: the sender may go while its requests are in progress -----

// Destroyed with requests on the wire and others waiting for a connection: each completes once,
// with operation_aborted, after the destructor; the connections close and run() returns.
BOOST_FIXTURE_TEST_CASE(destroying_the_sender_aborts_every_request, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});  // never answers
    auto p = loopback(1h);
    p.max_connections_per_origin = 2;
    std::optional<beast_sender> s(std::in_place, ioc.get_executor(), p);
    bool destroyed = false;
    std::vector<int> calls(5, 0);
    std::vector<error_code> codes(5);
    for (std::size_t i = 0; i < 5; ++i)
        s->async_send(post(receiver.url(), 1h), [&, i](error_code ec, send_result r) {
            BOOST_TEST(destroyed, "not inside the destructor");
            ++calls[i];
            codes[i] = ec;
            BOOST_TEST(r.error == "cancelled");
        });
    run_until_done(ioc, [&] { return receiver.request_count() == 2; });  // two sent, three waiting
    s.reset();
    destroyed = true;
    ioc.restart();
    ioc.run();  // returns: nothing of the sender is left on the context
    for (std::size_t i = 0; i < 5; ++i) {
        BOOST_TEST(calls[i] == 1, "request " << i);
        BOOST_TEST(codes[i] == asio::error::operation_aborted, "request " << i << ": " << codes[i].message());
    }
}

// Destroyed before the context ran at all: the request completes with operation_aborted and no
// connection is made.
BOOST_FIXTURE_TEST_CASE(destroying_the_sender_before_the_context_runs, fixture) {
    std::optional<outcome> r;
    {
        beast_sender s(ioc.get_executor(), loopback());
        s.async_send(post(receiver.url()), record(r));
    }
    BOOST_TEST(!r.has_value());
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->ec == asio::error::operation_aborted, r->ec.message());
    BOOST_TEST(receiver.connection_count() == 0u);
}

// cancel(), then the destructor: every request completes once.
BOOST_FIXTURE_TEST_CASE(cancel_then_destroy, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});
    auto p = loopback(1h);
    p.max_connections_per_origin = 1;
    std::optional<beast_sender> s(std::in_place, ioc.get_executor(), p);
    std::vector<std::optional<outcome>> results(3);
    for (auto& r : results)
        s->async_send(post(receiver.url(), 1h), record(r));
    run_until_done(ioc, [&] { return receiver.request_count() == 1; });
    s->cancel();
    s.reset();
    ioc.restart();
    ioc.run();
    for (const auto& r : results) {
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(r->ec == asio::error::operation_aborted, r->ec.message());
    }
}

// Destroyed while a connect hangs: the connect is given up at once, not at its timeout.
BOOST_FIXTURE_TEST_CASE(destroying_the_sender_while_connecting, fixture) {
    blackhole_listener hole;
    std::optional<beast_sender> s(std::in_place, ioc.get_executor(), loopback(1h));
    std::optional<outcome> r;
    s->async_send(post(hole.url(), 1h), record(r));
    ioc.poll();  // admitted; its connect is under way
    s.reset();
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->ec == asio::error::operation_aborted, r->ec.message());
}

// The execution context destroyed, unrun, with requests pending after the sender: their handlers
// are destroyed without being called, as Asio destroys its own, and nothing is left behind.
BOOST_FIXTURE_TEST_CASE(destroying_the_context_with_requests_pending, fixture) {
    receiver.respond({.status = 200, .header_delay = 1h});
    auto token = std::make_shared<int>(0);  // held by each handler
    bool called = false;
    {
        asio::io_context local;
        auto p = loopback(1h);
        p.max_connections_per_origin = 1;
        std::optional<beast_sender> s(std::in_place, local.get_executor(), p);
        for (int i = 0; i < 2; ++i)  // one sent, one waiting
            s->async_send(post(receiver.url(), 1h),
                          [&called, token](error_code, send_result) { called = true; });
        run_until_done(local, [&] { return receiver.request_count() == 1; });
        s.reset();
        BOOST_TEST(token.use_count() == 3);
    }
    BOOST_TEST(!called);
    BOOST_TEST(token.use_count() == 1);
}

// ----- completion tokens -----

BOOST_FIXTURE_TEST_CASE(token_use_awaitable, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    std::optional<send_result> got;
    std::optional<error_code> thrown;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            got = co_await s.async_send(post(receiver.url()), asio::use_awaitable);
            try {
                co_await s.async_send(post("http://user@127.0.0.1/"), asio::use_awaitable);
            } catch (const boost::system::system_error& e) {
                thrown = e.code();
            }
        },
        asio::detached);
    ioc.run();
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->http_status == 200, got->error);
    BOOST_TEST_REQUIRE(thrown.has_value());
    BOOST_TEST(*thrown == errc::invalid_url);
}

// A deferred send starts only when launched, and may be launched after the sender is gone.
BOOST_FIXTURE_TEST_CASE(token_deferred, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    auto op = s.async_send(post(receiver.url()), asio::deferred);
    ioc.run();
    BOOST_TEST(s.stats().requests == 0u);
    BOOST_TEST(receiver.request_count() == 0u);
    std::optional<outcome> r;
    std::move(op)(record(r));
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->http_status == 200, r->error);
    BOOST_TEST(s.stats().requests == 1u);

    auto orphan = [&] {
        beast_sender gone(ioc.get_executor(), loopback());
        return gone.async_send(post(receiver.url()), asio::deferred);
    }();
    std::optional<outcome> late;
    std::move(orphan)(record(late));
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(late.has_value());
    BOOST_TEST(late->ec == asio::error::operation_aborted, late->ec.message());
    BOOST_TEST(receiver.request_count() == 1u);
}

// The executor's default completion token is async_send's default token.
BOOST_FIXTURE_TEST_CASE(token_default, fixture) {
    using deferred_by_default = asio::deferred_t::executor_with_default<asio::io_context::executor_type>;
    basic_beast_sender<deferred_by_default> s(deferred_by_default(ioc.get_executor()), loopback());
    auto op = s.async_send(post(receiver.url()));
    std::optional<outcome> r;
    std::move(op)(record(r));
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->http_status == 200, r->error);
}

// use_future, with the context run by another thread; an error code becomes the exception.
BOOST_FIXTURE_TEST_CASE(token_use_future, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    std::future<send_result> ok = s.async_send(post(receiver.url()), asio::use_future);
    std::future<send_result> refused = s.async_send(post("http://user@127.0.0.1/"), asio::use_future);
    std::thread runner([&] { ioc.run(); });
    send_result r = ok.get();
    // The exception is read once the other thread is done: its reference count lives in the
    // uninstrumented C++ runtime, which ThreadSanitizer cannot follow.
    runner.join();
    std::optional<error_code> thrown;
    try {
        refused.get();
    } catch (const boost::system::system_error& e) {
        thrown = e.code();
    }
    BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST_REQUIRE(thrown.has_value());
    BOOST_TEST(*thrown == errc::invalid_url);
}

// The operation's memory comes from the handler's associated allocator, and all of it goes back.
BOOST_FIXTURE_TEST_CASE(token_bind_allocator, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    allocation_counts counts;
    std::optional<outcome> r;
    s.async_send(post(receiver.url()), asio::bind_allocator(counting_allocator<void>(&counts), record(r)));
    ioc.run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->http_status == 200, r->error);
    BOOST_TEST(counts.allocations > 0u);
    BOOST_TEST(counts.deallocations == counts.allocations);
}

// A handler bound to another io_context runs there, when that context runs.
BOOST_FIXTURE_TEST_CASE(token_bind_executor_to_another_context, fixture) {
    asio::io_context other;
    beast_sender s(ioc.get_executor(), loopback());
    bool called = false, on_other = false;
    s.async_send(post(receiver.url()), asio::bind_executor(other, [&](error_code ec, send_result r) {
                     called = true;
                     on_other = other.get_executor().running_in_this_thread();
                     BOOST_TEST(!ec);
                     BOOST_TEST(r.http_status == 200, r.error);
                 }));
    ioc.run();  // the request completes; its handler waits for `other`
    BOOST_TEST(!called);
    other.run();
    BOOST_TEST(called);
    BOOST_TEST(on_other);
}

// ----- the response reader, without sockets -----

// Feeds `bytes` to a reader in pieces of `step` bytes, as a connection would: the bytes it did not
// use are offered again with the next ones; then the end of the stream when `eof`.
struct read_outcome {
    http::detail::response_reader::state state{};
    unsigned status = 0;
    bool has_status = false;
    std::string body;
    std::optional<std::string> retry_after;
    bool truncated = false;
    bool capped = false;
    bool reusable = false;
    error_code error;
    std::size_t interim = 0;
};

read_outcome read_in_pieces(std::string_view bytes, std::size_t step, std::size_t header_limit = 64 * 1024,
                            bool eof = false, std::size_t body_limit = 16 * 1024) {
    read_outcome out;
    http::detail::response_reader r(out.body, body_limit, header_limit, false);
    std::string held;
    for (std::size_t at = 0; at < bytes.size() && r.current() == http::detail::response_reader::state::need_more;
         at += step) {
        held.append(bytes.substr(at, step));
        held.erase(0, r.put(held.data(), held.size()));
    }
    if (eof)
        r.put_eof();
    out.state = r.current();
    out.status = r.status();
    out.has_status = r.has_status();
    out.retry_after = r.retry_after();
    out.truncated = r.truncated();
    out.capped = r.capped();
    out.reusable = r.reusable() && held.empty();
    out.error = r.error();
    out.interim = r.interim();
    return out;
}

BOOST_AUTO_TEST_CASE(reader_skips_interim_responses_in_any_pieces) {
    const std::string bytes = "HTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\nRetry-After: 9\r\n\r\n"
                              "HTTP/1.1 100 Continue\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nRetry-After: 5\r\nContent-Length: 4\r\n\r\ndone";
    using state = http::detail::response_reader::state;
    for (std::size_t step = 1; step <= bytes.size(); ++step) {
        auto r = read_in_pieces(bytes, step);
        BOOST_TEST_REQUIRE((r.state == state::done), "step " << step);
        BOOST_TEST(r.status == 200u, "step " << step);
        BOOST_TEST(r.body == "done", "step " << step);
        BOOST_TEST(r.retry_after == "5", "step " << step);
        BOOST_TEST(r.interim == 2u, "step " << step);
        BOOST_TEST(r.reusable, "step " << step);
    }
    // Without the final response there is none.
    auto cut = read_in_pieces("HTTP/1.1 103 Early Hints\r\n\r\n", 1, 64 * 1024, true);
    BOOST_TEST((cut.state == state::failed));
    BOOST_TEST(!cut.has_status);
    BOOST_TEST((cut.error == boost::beast::http::error::partial_message), cut.error.message());
}

BOOST_AUTO_TEST_CASE(reader_reports_switching_protocols_as_final) {
    using state = http::detail::response_reader::state;
    auto r = read_in_pieces("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", 7);
    BOOST_TEST((r.state == state::done));
    BOOST_TEST(r.status == 101u);
    BOOST_TEST(!r.reusable);
}

// The limit covers every header block together, and the same in whatever pieces they arrive.
BOOST_AUTO_TEST_CASE(reader_header_limit_in_any_pieces) {
    using state = http::detail::response_reader::state;
    const std::string big = "HTTP/1.1 202 Accepted\r\nX-Pad: " + std::string(1500, 'p') + "\r\nContent-Length: 2\r\n\r\nok";
    const std::string interim = "HTTP/1.1 103 Early Hints\r\nX-Pad: " + std::string(600, 'p') + "\r\n\r\n";
    const std::string small = "HTTP/1.1 202 Accepted\r\nX-Pad: " + std::string(500, 'p') + "\r\nContent-Length: 2\r\n\r\nok";
    for (std::size_t step : {1u, 2u, 3u, 100u, 1023u, 1024u, 1025u, 5000u}) {
        auto cut = read_in_pieces(big, step, 1024);
        BOOST_TEST((cut.state == state::done), "step " << step);
        BOOST_TEST(cut.status == 202u, "step " << step);
        BOOST_TEST(cut.truncated, "step " << step);
        BOOST_TEST(cut.body.empty(), "step " << step);
        BOOST_TEST(!cut.reusable, "step " << step);
        auto fits = read_in_pieces(small, step, 1024);
        BOOST_TEST((fits.state == state::done), "step " << step);
        BOOST_TEST(!fits.truncated, "step " << step);
        BOOST_TEST(fits.body == "ok", "step " << step);
        // 1,171 header bytes in all: beyond the limit.
        auto both = read_in_pieces(interim + small, step, 1024);
        BOOST_TEST((both.state == state::done), "step " << step);
        BOOST_TEST(both.status == 202u, "step " << step);
        BOOST_TEST(both.truncated, "step " << step);
        auto no_line = read_in_pieces("HTTP/1.1 200 " + std::string(2000, 'r'), step, 1024);
        BOOST_TEST((no_line.state == state::failed), "step " << step);
        BOOST_TEST((no_line.error == boost::beast::http::error::header_limit), "step " << step);
        // An interim response cut off is no final status.
        auto cut_interim = read_in_pieces("HTTP/1.1 103 Early Hints\r\nX-Pad: " + std::string(2000, 'p'), step, 1024);
        BOOST_TEST((cut_interim.state == state::failed), "step " << step);
        BOOST_TEST(!cut_interim.has_status, "step " << step);
    }
}

BOOST_AUTO_TEST_CASE(reader_bodies_and_the_end_of_the_stream) {
    using state = http::detail::response_reader::state;
    auto capped = read_in_pieces("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 3, 1024, false, 4);
    BOOST_TEST((capped.state == state::done));
    BOOST_TEST(capped.body == "0123");
    BOOST_TEST(capped.capped);
    BOOST_TEST(!capped.reusable);
    auto to_eof = read_in_pieces("HTTP/1.1 200 OK\r\n\r\nuntil the end", 4, 1024, true);
    BOOST_TEST((to_eof.state == state::done));
    BOOST_TEST(to_eof.body == "until the end");
    BOOST_TEST(!to_eof.reusable);
    auto short_body = read_in_pieces("HTTP/1.1 500 Oops\r\nContent-Length: 10\r\n\r\nabc", 4, 1024, true);
    BOOST_TEST((short_body.state == state::done));
    BOOST_TEST(short_body.status == 500u);
    BOOST_TEST(short_body.body == "abc");
    auto extra = read_in_pieces("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n", 100);
    BOOST_TEST((extra.state == state::done));
    BOOST_TEST(!extra.reusable);  // bytes after the response
    auto bad = read_in_pieces("HTTP/1.1 700 Odd\r\n\r\n", 5);
    BOOST_TEST((bad.state == state::failed));
    BOOST_TEST((bad.error == boost::beast::http::error::bad_status));
    BOOST_TEST(bad.status == 700u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
