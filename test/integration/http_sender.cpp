//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// beast_sender against a scripted receiver on loopback: every outcome a receiver can produce, each
// classified as the retry policy specifies; keep-alive and the per-origin cap; TLS with a
// certificate the test generates; the address guard; executor and cancellation behaviour. After
// each failure the same sender still delivers.

#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_certs.hpp"
#include "common/test_common.hpp"

#include <hookbox/http/beast_sender.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <optional>
#include <string>
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

struct fixture {
    asio::io_context ioc;
    scripted_receiver receiver;

    send_result send(beast_sender& s, outgoing_request r) {
        std::optional<send_result> out;
        s.async_send(std::move(r), [&](send_result res) { out = std::move(res); });
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
        return std::move(*out);
    }

    // After any failure the sender still works.
    void still_delivers(beast_sender& s) {
        scripted_receiver fresh;
        auto r = send(s, post(fresh.url()));
        BOOST_TEST(r.http_status == 200);
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
    BOOST_TEST(!r.error.empty());
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(connect_timeout, fixture) {
    blackhole_listener hole;
    beast_sender s(ioc.get_executor(), loopback(300ms));
    auto r = send(s, post(hole.url()));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("connect timeout after 300ms") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    BOOST_TEST((r.duration < 3000ms));
    still_delivers(s);
}

BOOST_FIXTURE_TEST_CASE(slow_headers_time_out, fixture) {
    receiver.respond({.status = 200, .header_delay = 5s});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url(), 200ms));
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("timeout after 200ms") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    still_delivers(s);
}

// The receiver answered (its status counts); the body that never arrives is cut off by the
// timeout and the connection is not reused.
BOOST_FIXTURE_TEST_CASE(slow_body_keeps_the_status, fixture) {
    receiver.respond({.status = 200, .body = "late", .body_delay = 5s});
    beast_sender s(ioc.get_executor(), loopback());
    auto r = send(s, post(receiver.url(), 200ms));
    BOOST_TEST(r.http_status == 200);
    BOOST_TEST(r.response_body.empty());
    BOOST_TEST(class_of(r) == attempt_class::success);
    BOOST_TEST((r.duration < 3000ms));
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
    BOOST_TEST(!r.http_status.has_value());
    BOOST_TEST(r.error.find("127.0.0.1") != std::string::npos, r.error);
    BOOST_TEST(receiver.connection_count() == 0u);
    // A name that resolves to loopback is refused as well: the check is on the address.
    auto named = send(s, post("http://localhost:" + std::to_string(receiver.port()) + "/hook"));
    BOOST_TEST(named.refused);
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
    BOOST_TEST(r.error.find("headers[2].value") != std::string::npos, r.error);
    auto framing = post(receiver.url());
    framing.headers.push_back({"Content-Length", "1"});
    r = send(s, framing);
    BOOST_TEST(r.refused);
    auto bad_url = post("http://user@127.0.0.1/");
    r = send(s, bad_url);
    BOOST_TEST(r.refused);
    BOOST_TEST(r.error.find("url") != std::string::npos, r.error);
    BOOST_TEST(receiver.request_count() == 0u);
}

// Ten requests at once to one origin with a cap of two connections: all delivered, over two.
BOOST_FIXTURE_TEST_CASE(per_origin_connection_cap, fixture) {
    receiver.respond({.status = 200, .header_delay = 30ms});
    auto p = loopback();
    p.max_connections_per_origin = 2;
    beast_sender s(ioc.get_executor(), p);
    std::vector<send_result> results;
    for (int i = 0; i < 10; ++i)
        s.async_send(post(receiver.url()), [&](send_result r) { results.push_back(std::move(r)); });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return results.size() == 10; }));
    for (const auto& r : results)
        BOOST_TEST(r.http_status == 200, r.error);
    BOOST_TEST(receiver.connection_count() == 2u);
}

// The handler runs on its associated executor, never inside async_send.
BOOST_FIXTURE_TEST_CASE(completion_on_the_handlers_executor, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    auto strand = asio::make_strand(ioc);
    bool returned = false, on_strand = false, called = false;
    s.async_send(post(receiver.url()), asio::bind_executor(strand, [&](send_result) {
                     called = true;
                     on_strand = strand.running_in_this_thread();
                     BOOST_TEST(returned);
                 }));
    returned = true;
    BOOST_TEST(!called);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return called; }));
    BOOST_TEST(on_strand);
    // Even a request refused at once completes later, not inline.
    bool refused_called = false;
    beast_sender guarded(ioc.get_executor());
    guarded.async_send(post(receiver.url()), [&](send_result) { refused_called = true; });
    BOOST_TEST(!refused_called);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return refused_called; }));
}

// cancel() ends a request in progress at once; the sender then serves new requests.
BOOST_FIXTURE_TEST_CASE(cancel_ends_requests_in_progress, fixture) {
    receiver.respond({.status = 200, .header_delay = 30s});
    beast_sender s(ioc.get_executor(), loopback());
    std::optional<send_result> r;
    s.async_send(post(receiver.url(), 20s), [&](send_result res) { r = std::move(res); });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    auto before = std::chrono::steady_clock::now();
    s.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return r.has_value(); }, 3000ms));
    BOOST_TEST((std::chrono::steady_clock::now() - before < 2s));
    BOOST_TEST(!r->http_status.has_value());
    BOOST_TEST(!r->error.empty());
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
    BOOST_TEST(r.error.find("(reading the response headers)") != std::string::npos, r.error);
    BOOST_TEST(class_of(r) == attempt_class::retriable);
    still_delivers(s);
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

// With one connection busy for 2 s, a second request waits for it only within the connect timeout.
BOOST_FIXTURE_TEST_CASE(waiting_for_a_connection_times_out, fixture) {
    receiver.respond({.status = 200, .header_delay = 2s});
    auto p = loopback(300ms);
    p.max_connections_per_origin = 1;
    beast_sender s(ioc.get_executor(), p);
    std::optional<send_result> first, second;
    s.async_send(post(receiver.url()), [&](send_result r) { first = std::move(r); });
    s.async_send(post(receiver.url()), [&](send_result r) { second = std::move(r); });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return second.has_value(); }, 1500ms));
    BOOST_TEST(!first.has_value());
    BOOST_TEST(!second->http_status.has_value());
    BOOST_TEST(second->error.find("connect timeout after 300ms waiting for a free connection") != std::string::npos,
               second->error);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first.has_value(); }, 5000ms));
    BOOST_TEST(first->http_status == 200, first->error);
    BOOST_TEST(receiver.request_count() == 1u);
}

// Per-operation cancellation ends a request in progress and one waiting for a connection; the
// others go on.
BOOST_FIXTURE_TEST_CASE(per_operation_cancellation, fixture) {
    receiver.respond({.status = 200, .header_delay = 30s});
    auto p = loopback();
    p.max_connections_per_origin = 1;
    beast_sender s(ioc.get_executor(), p);
    asio::cancellation_signal running_signal, waiting_signal;
    std::optional<send_result> running, waiting;
    s.async_send(post(receiver.url(), 20s), asio::bind_cancellation_slot(running_signal.slot(), [&](send_result r) {
                     running = std::move(r);
                 }));
    s.async_send(post(receiver.url(), 20s), asio::bind_cancellation_slot(waiting_signal.slot(), [&](send_result r) {
                     waiting = std::move(r);
                 }));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    waiting_signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return waiting.has_value(); }, 3000ms));
    BOOST_TEST(waiting->error == "cancelled");
    BOOST_TEST(!running.has_value());
    // A partial cancellation is not honoured; a terminal one is.
    running_signal.emit(asio::cancellation_type::partial);
    running_signal.emit(asio::cancellation_type::terminal);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return running.has_value(); }, 3000ms));
    BOOST_TEST(running->error == "cancelled");
    BOOST_TEST(!running->http_status.has_value());
    BOOST_TEST(receiver.request_count() == 1u);
    receiver.respond({.status = 200});
    auto again = send(s, post(receiver.url()));
    BOOST_TEST(again.http_status == 200, again.error);
}

// Once its requests are done the sender holds no pending operation: run() returns.
BOOST_FIXTURE_TEST_CASE(run_returns_when_requests_are_done, fixture) {
    beast_sender s(ioc.get_executor(), loopback());
    std::optional<send_result> r;
    s.async_send(post(receiver.url()), [&](send_result res) { r = std::move(res); });
    auto before = std::chrono::steady_clock::now();
    ioc.run_for(10s);
    BOOST_TEST(ioc.stopped());  // out of work, not out of time
    BOOST_TEST((std::chrono::steady_clock::now() - before < 5s));
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
        s.async_send(post(receiver.url()), [&](send_result r) { results.push_back(std::move(r)); });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return results.size() == 3; }));
    for (const auto& r : results)
        BOOST_TEST(r.http_status == 200, r.error);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
