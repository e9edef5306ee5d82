//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// W3C Trace Context: the rules of a `traceparent` at enqueue and at ack, and the header each attempt's
// request carries. The contract suite checks that every storage keeps the values; the HTTP tests
// check what a receiver sees.

#include "common/test_common.hpp"

#include <hookbox/dispatch/request.hpp>
#include <hookbox/validate.hpp>

#include <set>
#include <string>

BOOST_AUTO_TEST_SUITE(trace_context)

using namespace hookbox;

namespace {

const std::string good = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::size_t count_named(const outgoing_request& r, std::string_view name) {
    std::size_t n = 0;
    for (const auto& h : r.headers)
        n += detail::iequals(h.name, name) ? 1 : 0;
    return n;
}

outgoing_request request_for(const delivery& d, signing::scheme s = signing::scheme::none) {
    error_code ec;
    diagnostics diag;
    auto r = build_request(d, s, 1767225600, std::chrono::milliseconds(15000), ec, diag);
    BOOST_TEST_REQUIRE(!ec, diag.message());
    return r;
}

delivery traced(std::optional<std::string> traceparent) {
    delivery d;
    d.id = delivery_id::generate();
    d.url = "https://receiver.example/hook";
    d.method = "POST";
    d.event_type = "order.created";
    d.traceparent = std::move(traceparent);
    return d;
}

}  // namespace

// Good and bad values, each bad one refused with errc::invalid_header, the field, and the rule it
// broke.
BOOST_AUTO_TEST_CASE(traceparent_rules) {
    const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736", span = "00f067aa0ba902b7";
    struct {
        const char* name;
        std::string value;
        const char* rule;  // empty: valid
    } cases[] = {
        {"the specification's example", good, ""},
        {"not sampled", "00-" + trace + "-" + span + "-00", ""},
        {"unknown flags are kept", "00-" + trace + "-" + span + "-ff", ""},
        {"a higher version, 55 bytes", "01-" + trace + "-" + span + "-01", ""},
        {"a higher version, longer", "cc-" + trace + "-" + span + "-01-what-the-future-holds", ""},
        {"version ff", "ff-" + trace + "-" + span + "-01", "version ff is invalid"},
        {"all-zero trace-id", "00-" + std::string(32, '0') + "-" + span + "-01", "trace-id must not be all zeros"},
        {"all-zero parent-id", "00-" + trace + "-" + std::string(16, '0') + "-01", "parent-id must not be all zeros"},
        {"uppercase trace-id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + span + "-01",
         "trace-id must be 32 lowercase hex digits"},
        {"uppercase parent-id", "00-" + trace + "-00F067AA0BA902B7-01", "parent-id must be 16 lowercase hex digits"},
        {"uppercase version", "0A-" + trace + "-" + span + "-01", "version must be 2 lowercase hex digits"},
        {"uppercase flags", "00-" + trace + "-" + span + "-0A", "trace-flags must be 2 lowercase hex digits"},
        {"short trace-id", "00-" + trace.substr(1) + "-" + span + "-01", "at least 55 bytes"},
        {"long trace-id", "00-" + trace + "0-" + span + "-01", "separated by '-'"},
        {"short parent-id", "00-" + trace + "-" + span.substr(1) + "-01", "at least 55 bytes"},
        {"long parent-id", "00-" + trace + "-" + span + "0-01", "separated by '-'"},
        {"one flag digit", "00-" + trace + "-" + span + "-1", "at least 55 bytes"},
        {"version 00 with more", good + "-extra", "exactly 55 bytes"},
        {"a higher version followed by a non-dash", "01-" + trace + "-" + span + "-01x", "only with '-'"},
        {"a higher version followed by a space", "01-" + trace + "-" + span + "-01- x", "visible ASCII"},
        {"256 bytes", "01-" + trace + "-" + span + "-01-" + std::string(200, 'a'), ""},
        {"too long", "01-" + trace + "-" + span + "-01-" + std::string(201, 'a'), "at most 256 bytes (got 257)"},
        {"underscores for dashes", "00_" + trace + "_" + span + "_01", "separated by '-'"},
        {"empty", "", "at least 55 bytes"},
        {"non-hex trace-id", "00-" + std::string(31, 'a') + "g-" + span + "-01", "trace-id must be 32 lowercase"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name << ": '" << tc.value << "'") {
            error_code ec;
            diagnostics diag;
            const bool valid = *tc.rule == '\0';
            BOOST_TEST(validate_traceparent(tc.value, ec, diag) == valid);
            if (valid) {
                BOOST_TEST(!ec);
                continue;
            }
            BOOST_TEST(ec == errc::invalid_header);
            BOOST_TEST(diag.field() == "traceparent");
            BOOST_TEST(diag.message().rfind("traceparent: ", 0) == 0u, diag.message());
            BOOST_TEST(diag.message().find(tc.rule) != std::string::npos, diag.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(enqueue_refuses_a_bad_traceparent_and_stores_nothing) {
    outbox ob;
    auto req = test::make_request("wh-1", "evt-1");
    req.traceparent = "00-" + std::string(32, '0') + "-00f067aa0ba902b7-01";
    error_code ec;
    diagnostics diag;
    ob.enqueue(req, ec, diag);
    BOOST_TEST(ec == errc::invalid_header);
    BOOST_TEST(diag.field() == "traceparent");
    BOOST_TEST(ob.stats().total() == 0u);

    // enqueue_many refuses the whole batch.
    auto ok = test::make_request("wh-1", "evt-2");
    ob.enqueue_many({ok, req}, ec, diag);
    BOOST_TEST(ec == errc::invalid_header);
    BOOST_TEST(diag.field().find("traceparent") != std::string::npos, diag.field());
    BOOST_TEST(ob.stats().total() == 0u);

    // A good one is stored as given, and an untraced request stays untraced.
    req.traceparent = good;
    auto id = ob.enqueue(req).id;
    BOOST_TEST(ob.get(id)->traceparent == std::optional<std::string>(good));
    BOOST_TEST(!ob.get(ob.enqueue(ok).id)->traceparent);
}

// The enqueue doc/observability.md shows.
BOOST_AUTO_TEST_CASE(a_traced_enqueue) {
    memory_outbox outbox;
    //[tracing_enqueue
    hookbox::enqueue_request req{.webhook_id = "wh-42", .event_id = "evt-1", .event_type = "order.created",
                                 .url = "https://receiver.example/hooks"};
    req.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";  // the current span's
    auto id = outbox.enqueue(std::move(req)).id;
    //]
    BOOST_TEST(outbox.get(id)->traceparent == std::optional<std::string>(good));
}

BOOST_AUTO_TEST_CASE(ack_refuses_a_bad_traceparent_and_changes_nothing) {
    outbox ob;
    ob.enqueue(test::make_request("wh-1", "evt-1"));
    auto claimed = ob.claim({.node_id = "n"});
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    error_code ec;
    diagnostics diag;
    attempt_result r{.outcome = attempt_outcome::success, .http_status = 200};
    r.traceparent = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
    ob.ack(claimed[0], r, ec, diag);
    BOOST_TEST(ec == errc::invalid_header);
    BOOST_TEST(diag.field() == "traceparent");
    BOOST_TEST(ob.get(claimed[0].id)->status == delivery_status::in_flight);
    BOOST_TEST(ob.attempts(claimed[0].id).empty());
}

// Each request of a traced delivery carries one traceparent: version 00, the delivery's trace id and
// flags, and a span id of its own.
BOOST_AUTO_TEST_CASE(each_request_is_a_new_child_span) {
    const delivery d = traced(good);
    std::set<std::string> spans;
    for (int i = 0; i < 50; ++i) {
        auto r = request_for(d);
        BOOST_TEST_REQUIRE(count_named(r, "traceparent") == 1u);
        auto sent = traceparent_of(r);
        BOOST_TEST_REQUIRE(sent.has_value());
        error_code ec;
        diagnostics diag;
        BOOST_TEST(validate_traceparent(*sent, ec, diag), diag.message());
        BOOST_TEST(sent->substr(0, 3) == "00-");
        BOOST_TEST(sent->substr(3, 32) == good.substr(3, 32));
        BOOST_TEST(sent->substr(53) == "01");
        BOOST_TEST(sent->substr(36, 16) != good.substr(36, 16));
        spans.insert(sent->substr(36, 16));
    }
    BOOST_TEST(spans.size() == 50u);
}

// A parent of a higher version: the child is written in version 00, the only layout hookbox knows,
// with the parent's trace id and flags.
BOOST_AUTO_TEST_CASE(a_higher_version_parent_gets_a_version_00_child) {
    const std::string parent = "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03-future";
    BOOST_TEST(child_traceparent(parent, "1111111111111111") ==
               "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-03");
}

BOOST_AUTO_TEST_CASE(no_traceparent_no_header) {
    for (auto s : {signing::scheme::none, signing::scheme::standard_webhooks, signing::scheme::objectstack}) {
        auto r = request_for(traced(std::nullopt), s);
        BOOST_TEST(count_named(r, "traceparent") == 0u);
        BOOST_TEST(!traceparent_of(r));
    }
}

// The delivery's traceparent wins over a custom header of that name, under every scheme; without
// one, the custom header is sent as given.
BOOST_AUTO_TEST_CASE(the_deliverys_traceparent_replaces_a_custom_header) {
    const std::string custom = "00-11111111111111111111111111111111-2222222222222222-00";
    for (auto s : {signing::scheme::none, signing::scheme::standard_webhooks, signing::scheme::objectstack}) {
        delivery d = traced(good);
        d.headers = {{"TraceParent", custom}, {"X-Tenant", "t-1"}};
        auto r = request_for(d, s);
        BOOST_TEST(count_named(r, "traceparent") == 1u);
        BOOST_TEST(traceparent_of(r)->substr(3, 32) == good.substr(3, 32));
        BOOST_TEST(count_named(r, "X-Tenant") == 1u);

        d.traceparent.reset();
        r = request_for(d, s);
        BOOST_TEST(count_named(r, "traceparent") == 1u);
        BOOST_TEST(traceparent_of(r) == std::optional<std::string>(custom));
    }
}

BOOST_AUTO_TEST_SUITE_END()  // trace_context
