//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// What the sender adds to a request's own headers, without a socket.

#include "common/test_common.hpp"

#include <hookbox/http/detail/request_head.hpp>

#include <string>
#include <vector>

BOOST_AUTO_TEST_SUITE(request_head)

using namespace hookbox;

BOOST_AUTO_TEST_CASE(a_later_header_of_the_same_name_replaces_an_earlier_one) {
    std::vector<header> headers{
        {"X-Tag", "first"}, {"User-Agent", "custom/1"}, {"x-TAG", "second"}, {"X-Other", "o"}};
    std::vector<bool> replaced;
    for (std::size_t i = 0; i < headers.size(); ++i)
        replaced.push_back(http::detail::is_replaced(headers, i));
    BOOST_TEST(replaced == (std::vector<bool>{true, false, false, false}));
}

BOOST_AUTO_TEST_CASE(content_length_unless_a_bodiless_method_has_no_body) {
    struct {
        const char* method;
        std::size_t size;
        bool stated;
    } cases[] = {
        {"POST", 0, true},   {"PUT", 0, true},      {"PATCH", 0, true},   {"POST", 17, true},
        {"GET", 0, false},   {"HEAD", 0, false},    {"DELETE", 0, false}, {"OPTIONS", 0, false},
        {"TRACE", 0, false}, {"CONNECT", 0, false}, {"DELETE", 3, true},  {"GET", 1, true},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.method << " with " << tc.size << " bytes") {
            BOOST_TEST(http::detail::has_content_length(tc.method, tc.size) == tc.stated);
        }
    }
}

BOOST_AUTO_TEST_CASE(head_in_the_order_it_is_sent) {
    outgoing_request r;
    r.url = "http://x.example:8080/hook?a=1";
    r.body = payload::parse(R"({"a":1})");
    r.headers = {{"Content-Type", "application/json"}, {"X-Tag", "1"}, {"x-tag", "2"}};
    auto u = http::parse_url(r.url);
    std::string out;
    http::detail::write_request_head(out, r, u, "agent/1");
    BOOST_TEST(out == "POST /hook?a=1 HTTP/1.1\r\n"
                      "Host: x.example:8080\r\n"
                      "Content-Type: application/json\r\n"
                      "x-tag: 2\r\n"
                      "User-Agent: agent/1\r\n"
                      "Content-Length: 7\r\n"
                      "\r\n");
    r.method = "GET";
    r.body = payload::raw("");
    r.headers = {{"user-agent", "mine"}};
    http::detail::write_request_head(out, r, u, "agent/1");
    BOOST_TEST(out == "GET /hook?a=1 HTTP/1.1\r\nHost: x.example:8080\r\nuser-agent: mine\r\n\r\n");
}

BOOST_AUTO_TEST_SUITE_END()  // request_head
