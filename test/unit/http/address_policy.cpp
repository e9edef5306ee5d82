//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// What a connection takes from a webhook URL. The address rules themselves are checked with the
// sender (integration/http_sender.cpp, address_classification).

#include "common/test_common.hpp"

#include <hookbox/http/address_policy.hpp>

#include <optional>
#include <string>

BOOST_AUTO_TEST_SUITE(address_policy)

using namespace hookbox;

BOOST_AUTO_TEST_CASE(url_parts_of_each_shape) {
    struct {
        const char* url;
        bool tls;
        const char* host;
        int port;
        const char* target;
        const char* host_header;
        const char* origin;
        bool literal;
    } cases[] = {
        {"https://Example.COM", true, "example.com", 443, "/", "example.com", "https://example.com:443",
         false},
        {"http://x.example:80/a?b#c", false, "x.example", 80, "/a?b", "x.example", "http://x.example:80",
         false},
        {"http://x.example:8080/a", false, "x.example", 8080, "/a", "x.example:8080", "http://x.example:8080",
         false},
        {"https://x.example?q=1", true, "x.example", 443, "/?q=1", "x.example", "https://x.example:443",
         false},
        {"https://x.example/a%20b?c=%2F&d=e!f", true, "x.example", 443, "/a%20b?c=%2F&d=e!f", "x.example",
         "https://x.example:443", false},
        {"http://10.0.0.1:8080/", false, "10.0.0.1", 8080, "/", "10.0.0.1:8080", "http://10.0.0.1:8080",
         true},
        {"http://[::1]:8080", false, "::1", 8080, "/", "[::1]:8080", "http://[::1]:8080", true},
        {"https://[2001:DB8::1]/h", true, "2001:db8::1", 443, "/h", "[2001:db8::1]",
         "https://[2001:db8::1]:443", true},
        {"http://[::ffff:1.2.3.4]/", false, "::ffff:1.2.3.4", 80, "/", "[::ffff:1.2.3.4]",
         "http://[::ffff:1.2.3.4]:80", true},
        {"http://x.example:0080/", false, "x.example", 80, "/", "x.example", "http://x.example:80", false},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.url) {
            error_code ec;
            diagnostics diag;
            auto u = http::parse_url(tc.url, ec, diag);
            BOOST_TEST_REQUIRE(u.has_value(), diag.message());
            BOOST_TEST(u->tls == tc.tls);
            BOOST_TEST(u->host == tc.host);
            BOOST_TEST(u->port == tc.port);
            BOOST_TEST(u->target == tc.target);
            BOOST_TEST(u->host_header == tc.host_header);
            BOOST_TEST(u->origin == tc.origin);
            BOOST_TEST(u->literal.has_value() == tc.literal);
        }
    }
}

// The sender refuses what validation refuses, with the same words, and also user information.
BOOST_AUTO_TEST_CASE(refusals_name_the_rule) {
    struct {
        const char* url;
        const char* rule;
    } cases[] = {
        {"https://user@x.example/", "user information (user:password@) is not supported"},
        {"https://user:pw@x.example/", "send an Authorization header"},
        {"http://[fe80::1%25eth0]/", "zone ids"},
        {"https://%78.example/", "host must not be percent-encoded"},
        {"https://x.example/a|b", "'|' is not allowed"},
        {"ftp://x.example/", "scheme 'ftp' is not allowed"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.url) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(!http::parse_url(tc.url, ec, diag).has_value());
            BOOST_TEST(ec == errc::invalid_url);
            BOOST_TEST(diag.field() == "url");
            BOOST_TEST(diag.message().find(tc.rule) != std::string::npos, diag.message());
        }
    }
    BOOST_CHECK_THROW(http::parse_url("https://user@x.example/"), error_with_diagnostics);
}

BOOST_AUTO_TEST_SUITE_END()  // address_policy
