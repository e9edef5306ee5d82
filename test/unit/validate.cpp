//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The validators on their own; the contract suite checks them again through enqueue and claim.

#include "common/test_common.hpp"

#include <hookbox/validate.hpp>

#include <string>

BOOST_AUTO_TEST_SUITE(validation)

using namespace hookbox;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(url_rules) {
    struct {
        const char* name;
        std::string url;
        bool valid;
    } cases[] = {
        {"https", "https://receiver.example/hook", true},
        {"http with port and query", "http://127.0.0.1:18080/hook?x=1#f", true},
        {"upper-case scheme", "HTTPS://receiver.example", true},
        {"IPv6 literal with port", "http://[::1]:8080/hook", true},
        {"userinfo", "https://user:pass@receiver.example/h", false},
        {"user name only", "https://user@receiver.example/h", false},
        {"percent-encoded path", "https://receiver.example/a%20b", true},
        {"max length", "https://receiver.example/" + std::string(2048 - 25, 'a'), true},
        {"too long", "https://receiver.example/" + std::string(2049 - 25, 'a'), false},
        {"relative", "/hook", false},
        {"no scheme", "receiver.example/hook", false},
        {"ftp", "ftp://receiver.example/file", false},
        {"javascript", "javascript://alert(1)", false},
        {"no host", "https:///hook", false},
        {"empty host before port", "https://:443/hook", false},
        {"space", "https://receiver.example/a b", false},
        {"CR LF", "https://receiver.example/\r\nX-Injected: 1", false},
        {"tab", "https://receiver.example/\t", false},
        {"non-ASCII", "https://r\xc3\xa9seau.example/", false},
        {"port 0", "https://receiver.example:0/", false},
        {"port 65536", "https://receiver.example:65536/", false},
        {"port letters", "https://receiver.example:80a/", false},
        {"empty port", "https://receiver.example:/", false},
        {"unclosed IPv6", "http://[::1/hook", false},
        {"IPv6 junk", "http://[::1x]/hook", false},
        {"host with bad char", "https://recei!ver.example/", false},
        {"query right after the host", "https://receiver.example?x=1", true},
        {"fragment right after the host", "https://receiver.example#f", true},
        {"bad port before a query", "https://receiver.example:8o?x=1", false},
        {"'@' in the query, not userinfo", "https://receiver.example?to=a@b", true},
        {"bad host before a fragment", "https://recei!ver#f", false},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            bool ok = validate_url(tc.url, ec, diag);
            BOOST_TEST(ok == tc.valid);
            BOOST_TEST(!ec == tc.valid);
            if (!tc.valid) {
                BOOST_TEST(diag.field() == "url");
                BOOST_TEST(diag.message().rfind("url: ", 0) == 0u);
            }
        }
    }
}

// Each rejected URL gets errc::invalid_url and a message naming the rule it broke; bytes that are
// not visible ASCII are one rule, whether or not they are valid UTF-8.
BOOST_AUTO_TEST_CASE(url_errors_name_the_rule) {
    struct {
        std::string url;
        const char* rule;
    } cases[] = {
        {"ftp://receiver.example/file", "scheme 'ftp' is not allowed; use http or https"},
        {"httpx://receiver.example/", "scheme 'httpx' is not allowed"},
        {"HTTPX://receiver.example/", "scheme 'HTTPX' is not allowed"},
        {"a-very-long-scheme-name://x", "scheme 'a-very-long-sche' is not allowed"},
        {"receiver.example/hook", "must be absolute, starting with http:// or https://"},
        {"http:/receiver.example", "must be absolute"},
        {"https:receiver.example", "must be absolute"},
        {"https://receiver.example/\xff", "must not contain whitespace, control or non-ASCII characters"},
        {"https://receiver.example/\xc3\xa9", "non-ASCII"},
        {"ftp://receiver.example/a b", "must not contain whitespace"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.url) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(!validate_url(tc.url, ec, diag));
            BOOST_TEST(ec == make_error_code(errc::invalid_url));
            BOOST_TEST(diag.field() == "url");
            BOOST_TEST(diag.message().find(tc.rule) != std::string::npos, diag.message());
        }
    }
    for (const char* ok : {"HTTP://receiver.example", "hTtPs://receiver.example/x", "http://a"}) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(validate_url(ok, ec, diag), ok);
    }
}

// Boost.URL holds URLs to RFC 3986; hookbox adds its own rules on the host (no percent-encoding, no
// zone id, no IPvFuture) and the port. Each failure names the rule.
BOOST_AUTO_TEST_CASE(rfc3986_rules) {
    struct {
        const char* url;
        const char* rule;  // nullptr when valid
    } cases[] = {
        {"https://a@b@receiver.example/", "user information (user:password@) is not supported"},
        {"https://us[er@receiver.example/", "user information (user:password@) is not supported"},
        {"http://[::ffff:192.0.2.1]:8080/", nullptr},
        {"http://[fe80::1%25eth0]/", "IPv6 zone ids"},
        {"http://[v1.fe80::1]/", "IPv6 host may contain only hexadecimal digits"},
        {"http://[1:2:3]/", "is not an IPv6 address"},
        {"http://[::1]x/", "unexpected characters after the IPv6 host"},
        {"http://[]/", "must have a host"},
        {"https://%72eceiver.example/", "host must not be percent-encoded"},
        {"https://recei%zzver.example/", "host must not be percent-encoded"},
        {"https://receiver.example:00080/", nullptr},
        {"https://receiver.example:123456/", "port must be a number in 1..65535"},
        {"https://receiver.example/a%2Fb?x=%41&y=%e2%82%ac", nullptr},
        {"https://receiver.example/p;a=1/q:r@s?t=u+v&w=(x)*!$',/?#f/g?h", nullptr},
        {"https://receiver.example/a|b", "'|' is not allowed in a path, query or fragment"},
        {"https://receiver.example/{id}", "'{' is not allowed"},
        {"https://receiver.example/?q=\\", "'\\' is not allowed"},
        {"https://receiver.example/a%zz", "'%' must start an escape of two hexadecimal digits"},
        {"https://receiver.example/a%2", "'%' must start an escape"},
        {"https://receiver.example/#a#b", "only one '#' may start the fragment"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.url) {
            error_code ec;
            diagnostics diag;
            bool ok = validate_url(tc.url, ec, diag);
            BOOST_TEST(ok == (tc.rule == nullptr), diag.message());
            if (tc.rule) {
                BOOST_TEST(ec == make_error_code(errc::invalid_url));
                BOOST_TEST(diag.field() == "url");
                BOOST_TEST(diag.message().find(tc.rule) != std::string::npos, diag.message());
            }
        }
    }
}

// The common shape is recognised without Boost.URL; whatever it accepts, Boost.URL's parse accepts
// with the same parts.
BOOST_AUTO_TEST_CASE(common_shape_agrees_with_boost_url) {
    for (const char* url :
         {"http://127.0.0.1:18080/hook", "https://receiver.example", "HTTPS://Receiver.Example/a", "http://a",
          "https://receiver.example:443/x/y/z?a=1&b=%2F#frag", "https://receiver.example?q",
          "https://receiver.example#f", "http://h:1/", "http://h:65535",
          "http://h.example/a:b@c!$&'()*+,;=-._~/?x?y#z/?"}) {
        BOOST_TEST_CONTEXT(url) {
            error_code ec;
            diagnostics diag;
            auto fast = detail::parse_common_url(url);
            auto full = detail::parse_url_rfc3986(url, ec, diag);
            BOOST_TEST_REQUIRE(fast.has_value());
            BOOST_TEST_REQUIRE(full.has_value(), diag.message());
            BOOST_TEST(fast->tls == full->tls);
            BOOST_TEST(fast->host == full->host);
            BOOST_TEST(fast->bracketed == full->bracketed);
            BOOST_TEST(fast->port == full->port);
            BOOST_TEST(fast->target == full->target);
        }
    }
    // Shapes it leaves to Boost.URL.
    for (const char* url : {"http://[::1]/", "https://u@receiver.example/", "https://%72.example/", "http://h:/",
                            "http://h:0/", "http://h:80a/", "https://receiver.example/a|b"})
        BOOST_TEST(!detail::parse_common_url(url).has_value(), url);
}

// Every URL one byte away from a few valid ones (each visible ASCII byte put in place of, or
// inserted before, each byte after the scheme): the verdict and the parts are Boost.URL's, whether
// or not the common shape took the URL. The last base has a target of several eight-byte words, with
// escapes across their edges.
BOOST_AUTO_TEST_CASE(one_byte_changes_get_boost_urls_verdict) {
    std::size_t common = 0, accepted = 0, refused = 0;
    for (std::string base : {"http://h.example:8080/a/b?c=d#e", "https://[::1]:8443/x?y", "https://u:p@h.example/%41",
                             "http://h.example/abcdef%41ghijklmno?p=%2Fqrstuv#wx"}) {
        std::size_t from = base.find("://") + 3;
        for (std::size_t i = from; i <= base.size(); ++i) {
            for (int b = 0x21; b < 0x7F; ++b) {
                for (bool insert : {false, true}) {
                    if (!insert && i == base.size())
                        continue;
                    std::string url = base;
                    if (insert)
                        url.insert(i, 1, static_cast<char>(b));
                    else
                        url[i] = static_cast<char>(b);
                    BOOST_TEST_CONTEXT(url) {
                        error_code ec, ec2;
                        diagnostics diag, diag2;
                        auto got = detail::parse_url(url, ec, diag);
                        auto full = detail::parse_url_rfc3986(url, ec2, diag2);
                        BOOST_TEST(got.has_value() == full.has_value());
                        if (got && full) {
                            BOOST_TEST(got->host == full->host);
                            BOOST_TEST(got->bracketed == full->bracketed);
                            BOOST_TEST(got->port == full->port);
                            BOOST_TEST(got->target == full->target);
                        } else {
                            BOOST_TEST(diag.message() == diag2.message());
                        }
                        common += detail::parse_common_url(url).has_value() ? 1 : 0;
                        (got ? accepted : refused) += 1;
                    }
                }
            }
        }
    }
    // The walk covers both paths and both verdicts.
    BOOST_TEST(common > 1000u);
    BOOST_TEST(accepted > common);
    BOOST_TEST(refused > 1000u);
}

// A URL with user information is refused, however the user information is written, with a rule
// that sends the credentials to a header; nothing of the password is quoted back.
BOOST_AUTO_TEST_CASE(url_user_information_is_refused) {
    for (const char* url : {"https://user:s3cr3t-pw@receiver.example/hook", "http://user:s3cr3t-pw@127.0.0.1:8080/",
                            "https://s3cr3t-pw@receiver.example", "https://user:s3cr3t-pw@[::1]/hook",
                            "HTTPS://user%40mail:s3cr3t-pw%3A@receiver.example/", "https://:s3cr3t-pw@receiver.example/",
                            "https://@receiver.example/", "https://user:s3cr3t-pw@receiver.example:0/",
                            "https://us{er:s3cr3t-pw@receiver.example/"}) {
        BOOST_TEST_CONTEXT(url) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(!validate_url(url, ec, diag));
            BOOST_TEST(ec == make_error_code(errc::invalid_url));
            BOOST_TEST(diag.field() == "url");
            BOOST_TEST(diag.message().find("url: user information (user:password@) is not supported") == 0u,
                       diag.message());
            BOOST_TEST(diag.message().find("Authorization header") != std::string::npos, diag.message());
            BOOST_TEST(diag.message().find("s3cr3t") == std::string::npos, diag.message());
        }
    }
    // An '@' after the host is not user information.
    for (const char* url : {"https://receiver.example/a@b", "https://receiver.example?to=a@b", "https://receiver.example#@"}) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(validate_url(url, ec, diag), url << ": " << diag.message());
    }
}

BOOST_AUTO_TEST_CASE(header_rules) {
    struct {
        const char* name;
        header h;
        errc expected;  // errc{} when valid
        const char* field;
    } cases[] = {
        {"plain", {"X-Trace", "abc 123"}, errc{}, ""},
        {"tab in value", {"X-Trace", "a\tb"}, errc{}, ""},
        {"empty value", {"X-Empty", ""}, errc{}, ""},
        {"empty name", {"", "v"}, errc::invalid_header, "headers[3].name"},
        {"space in name", {"X Trace", "v"}, errc::invalid_header, "headers[3].name"},
        {"colon in name", {"X-Trace:", "v"}, errc::invalid_header, "headers[3].name"},
        {"CR LF in value", {"X-Trace", "a\r\nX-Injected: 1"}, errc::invalid_header, "headers[3].value"},
        {"LF in value", {"X-Trace", "a\nb"}, errc::invalid_header, "headers[3].value"},
        {"NUL in value", {"X-Trace", std::string("a\0b", 3)}, errc::invalid_header, "headers[3].value"},
        {"DEL in value", {"X-Trace", "a\x7f"}, errc::invalid_header, "headers[3].value"},
        {"Content-Length", {"Content-Length", "5"}, errc::invalid_header, "headers[3].name"},
        {"transfer-encoding", {"transfer-encoding", "chunked"}, errc::invalid_header, "headers[3].name"},
        {"Host", {"HOST", "evil.example"}, errc::invalid_header, "headers[3].name"},
        {"long value", {"X-Big", std::string(8193, 'v')}, errc::field_too_long, "headers[3].value"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            bool ok = validate_header(tc.h, 3, ec, diag);
            BOOST_TEST(ok == (tc.expected == errc{}));
            if (tc.expected != errc{}) {
                BOOST_TEST(ec == tc.expected);
                BOOST_TEST(diag.field() == tc.field);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(secrets_are_never_quoted_in_errors) {
    auto req = test::make_request("wh-1", "evt-1");
    req.secret = "whsec_" + std::string(300, 'S');
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!validate(req, 1 << 20, ec, diag));
    BOOST_TEST(ec == errc::field_too_long);
    BOOST_TEST(diag.field() == "secret");
    BOOST_TEST(diag.message().find("SSSS") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(claim_option_rules) {
    struct {
        const char* name;
        claim_options opts;
        errc expected;
        const char* field;
    } cases[] = {
        {"defaults with a node", {.node_id = "n"}, errc{}, ""},
        {"partition in range", {.node_id = "n", .partition = partition_ref{7, 8}}, errc{}, ""},
        {"empty node", {.node_id = ""}, errc::empty_field, "node_id"},
        {"long node", {.node_id = std::string(129, 'n')}, errc::field_too_long, "node_id"},
        {"limit 0", {.node_id = "n", .limit = 0}, errc::invalid_argument, "limit"},
        {"limit too big", {.node_id = "n", .limit = 10001}, errc::invalid_argument, "limit"},
        {"ttl 0", {.node_id = "n", .claim_ttl = 0ms}, errc::invalid_argument, "claim_ttl"},
        {"negative ttl", {.node_id = "n", .claim_ttl = -5ms}, errc::invalid_argument, "claim_ttl"},
        {"index 8 of 8", {.node_id = "n", .partition = partition_ref{8, 8}}, errc::invalid_partition,
         "partition.index"},
        {"negative index", {.node_id = "n", .partition = partition_ref{-1, 8}}, errc::invalid_partition,
         "partition.index"},
        {"other count", {.node_id = "n", .partition = partition_ref{0, 4}}, errc::invalid_partition,
         "partition.count"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            bool ok = validate(tc.opts, 8, ec, diag);
            BOOST_TEST(ok == (tc.expected == errc{}));
            if (tc.expected != errc{}) {
                BOOST_TEST(ec == tc.expected);
                BOOST_TEST(diag.field() == tc.field);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(attempt_result_rules) {
    struct {
        const char* name;
        attempt_result r;
        bool valid;
        const char* field;
    } cases[] = {
        {"success 200", {.outcome = attempt_outcome::success, .http_status = 200}, true, ""},
        {"transport error", {.outcome = attempt_outcome::retry, .error = "reset"}, true, ""},
        {"status 99", {.outcome = attempt_outcome::dead, .http_status = 99}, false, "http_status"},
        {"status 600", {.outcome = attempt_outcome::dead, .http_status = 600}, false, "http_status"},
        {"negative duration", {.outcome = attempt_outcome::success, .duration = -1ms}, false, "duration"},
        {"retry time on success",
         {.outcome = attempt_outcome::success, .next_retry_at = timestamp(1000ms)}, false, "next_retry_at"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(validate(tc.r, ec, diag) == tc.valid);
            if (!tc.valid) {
                BOOST_TEST(ec == errc::invalid_argument);
                BOOST_TEST(diag.field() == tc.field);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ack_rejects_an_out_of_range_result_and_changes_nothing) {
    outbox ob;
    ob.enqueue(test::make_request("wh-1", "evt-1"));
    auto claimed = ob.claim({.node_id = "n"});
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    error_code ec;
    diagnostics diag;
    ob.ack(claimed[0], {.outcome = attempt_outcome::success, .http_status = 42}, ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(ob.get(claimed[0].id)->status == delivery_status::in_flight);
    BOOST_TEST(ob.get(claimed[0].id)->attempts == 0);
}

// The check reads ASCII text eight bytes at a time: a bad or a good sequence after whole words of
// ASCII, or straddling a word, is judged as a byte-by-byte reading would judge it.
BOOST_AUTO_TEST_CASE(utf8_check_after_ascii_words) {
    const std::string ascii8 = "abcdefgh";
    BOOST_TEST(is_valid_utf8(ascii8 + ascii8));
    BOOST_TEST(is_valid_utf8(ascii8 + "x\xc3\xa9"));                       // 2 bytes in the tail
    BOOST_TEST(is_valid_utf8("abcdefg\xe2\x82\xac" + ascii8));            // 3 bytes across a word
    BOOST_TEST(is_valid_utf8(ascii8 + "\xf0\x9f\x98\x80" + ascii8));     // 4 bytes in a word
    BOOST_TEST(!is_valid_utf8(ascii8 + ascii8 + "\xff"));                   // invalid byte after words
    BOOST_TEST(!is_valid_utf8("abcdefg\xc3"));                              // truncated at the end
    BOOST_TEST(!is_valid_utf8(ascii8 + "abcdefg\xc0\xaf"));                // overlong across a word
    BOOST_TEST(!is_valid_utf8(ascii8 + "\xed\xa0\x80"));                  // surrogate
    // Shorter than a word: only the tail is read.
    BOOST_TEST(is_valid_utf8(std::string_view()));
    BOOST_TEST(is_valid_utf8("wh-1"));
    BOOST_TEST(is_valid_utf8("\xc3\xa9"));
    BOOST_TEST(!is_valid_utf8("wh-\xff"));
    BOOST_TEST(!is_valid_utf8("wh-\xc3"));
    BOOST_TEST(is_valid_utf8(ascii8 + "wh-1"));
    BOOST_TEST(!is_valid_utf8(ascii8 + "\xe2\x82"));
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!detail::check_text("event_id", ascii8 + ascii8 + "\x80", 128, true, ec, diag));
    BOOST_TEST(ec == make_error_code(errc::invalid_utf8));
    BOOST_TEST(diag.field() == "event_id");
}

BOOST_AUTO_TEST_SUITE_END()  // validation
