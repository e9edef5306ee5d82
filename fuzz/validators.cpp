//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Fuzzes the checks an enqueue request passes before anything is stored
// (include/hookbox/validate.hpp) and the JSON check of payloads (include/hookbox/payload.hpp).
//
// Input: a control byte (timeout, payload kind), then the lines webhook_id, event_id, event_type,
// url, method and secret, then `name:value` header lines up to an empty line, then the payload.
//
// Invariants:
// - `validate_url` and `parse_url` agree; a failure sets `ec` and names the field `url`; what
//   parses has a host (no user information before it), a port in 1..65535 and a target without a
//   fragment, all views into the URL;
//   the URL rebuilt from those fields parses to the same fields; whatever the one-pass reading of
//   the common shape accepts, Boost.URL's reading accepts with the same fields;
// - `validate_header` names `headers[i].name` or `headers[i].value` when it fails, and accepts
//   only a token name and a value without control characters other than tab;
// - `validate(enqueue_request)` fails exactly when one of its fields' checks fails, with `ec` set
//   and the first failing field named, and the message starting with that field;
// - `payload::parse` without a depth limit accepts exactly what the storages' JSON check reads back
//   (`detail::json_is_valid`), and with the default limit only such text (refusing deeper text with
//   `payload_too_deep`); keeps the text byte for byte, and its value written back by
//   `payload::from_json` is valid JSON again and parses to the same value (see same_shape).

#include <hookbox/detail/json_check.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/validate.hpp>

#include "input.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using hookbox::diagnostics;
using hookbox::error_code;
using hookbox::detail::url_fields;

bool same_fields(const url_fields& a, const url_fields& b) {
    return a.tls == b.tls && a.host == b.host && a.bracketed == b.bracketed && a.port == b.port &&
           a.target == b.target;
}

bool within(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_url(std::string_view url) {
    error_code ec;
    diagnostics diag;
    auto parsed = hookbox::detail::parse_url(url, ec, diag);
    error_code ec2;
    diagnostics diag2;
    HOOKBOX_FUZZ_CHECK(hookbox::validate_url(url, ec2, diag2) == parsed.has_value());
    HOOKBOX_FUZZ_CHECK(ec == ec2 && diag.message() == diag2.message());
    if (!parsed) {
        HOOKBOX_FUZZ_CHECK(ec && diag.field() == "url" && diag.message().starts_with("url: "));
        return;
    }
    HOOKBOX_FUZZ_CHECK(!ec);
    const url_fields& f = *parsed;
    HOOKBOX_FUZZ_CHECK(!f.host.empty() && within(f.host, url) && within(f.target, url));
    HOOKBOX_FUZZ_CHECK(f.port >= 1);
    // No user information: nothing before the host is an '@'.
    const std::string_view before_host(url.data(), static_cast<std::size_t>(f.host.data() - url.data()));
    HOOKBOX_FUZZ_CHECK(before_host.find('@') == std::string_view::npos);
    HOOKBOX_FUZZ_CHECK(f.target.find('#') == std::string_view::npos);
    HOOKBOX_FUZZ_CHECK(f.target.empty() || f.target.front() == '/' || f.target.front() == '?');
    HOOKBOX_FUZZ_CHECK(f.tls == hookbox::detail::iequals(url.substr(0, 8), "https://"));
    HOOKBOX_FUZZ_CHECK(url.size() <= hookbox::limits::url && hookbox::detail::is_visible_ascii(url));
    if (f.bracketed)
        HOOKBOX_FUZZ_CHECK(f.host.data() > url.data() && f.host.data()[-1] == '[' &&
                           f.host.data()[f.host.size()] == ']');
    else
        for (char c : f.host)
            HOOKBOX_FUZZ_CHECK(hookbox::detail::host_bytes[static_cast<unsigned char>(c)]);

    // The one-pass reading and Boost.URL's agree on what the first accepts.
    if (auto common = hookbox::detail::parse_common_url(url)) {
        auto full = hookbox::detail::parse_url_rfc3986(url, ec, diag);
        HOOKBOX_FUZZ_CHECK(full.has_value());
        HOOKBOX_FUZZ_CHECK(same_fields(*common, *full));
        HOOKBOX_FUZZ_CHECK(same_fields(*common, f));
    }

    // Rebuilt from its fields, the URL reads the same.
    std::string rebuilt = f.tls ? "https://" : "http://";
    rebuilt += f.bracketed ? "[" + std::string(f.host) + "]" : std::string(f.host);
    rebuilt += ":" + std::to_string(f.port);
    rebuilt += f.target;
    if (rebuilt.size() <= hookbox::limits::url) {
        auto again = hookbox::detail::parse_url(rebuilt, ec, diag);
        HOOKBOX_FUZZ_CHECK(again.has_value());
        HOOKBOX_FUZZ_CHECK(same_fields(*again, f));
    }
}

bool has_control(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F)
            return true;
    }
    return false;
}

bool check_header(const hookbox::header& h, std::size_t index) {
    error_code ec;
    diagnostics diag;
    bool ok = hookbox::validate_header(h, index, ec, diag);
    const std::string prefix = "headers[" + std::to_string(index) + "]";
    if (!ok) {
        HOOKBOX_FUZZ_CHECK(ec);
        HOOKBOX_FUZZ_CHECK(diag.field() == prefix + ".name" || diag.field() == prefix + ".value");
        HOOKBOX_FUZZ_CHECK(diag.message().starts_with(diag.field() + ": "));
    } else {
        HOOKBOX_FUZZ_CHECK(hookbox::detail::is_token(h.name) && !has_control(h.value));
        HOOKBOX_FUZZ_CHECK(h.name.size() <= hookbox::limits::header_name &&
                           h.value.size() <= hookbox::limits::header_value);
        HOOKBOX_FUZZ_CHECK(!hookbox::detail::iequals(h.name, "host") &&
                           !hookbox::detail::iequals(h.name, "content-length") &&
                           !hookbox::detail::iequals(h.name, "transfer-encoding"));
    }
    return ok;
}

// Equal values, except that two numbers one of which is a double only need to be numbers: Boost.JSON
// reads a long number to the nearest double only approximately, so its text written back may read
// as a neighbouring double.
// `a` was written from `b`, where an infinite double (a number too large for a double) became null.
bool same_shape(const boost::json::value& a, const boost::json::value& b) {
    if (b.is_double() && !std::isfinite(b.get_double()))
        return a.is_null();
    if (a.is_number() && b.is_number() && (a.is_double() || b.is_double()))
        return true;
    if (a.kind() != b.kind())
        return false;
    if (a.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!same_shape(x[i], y[i]))
                return false;
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        if (x.size() != y.size())
            return false;
        for (auto it = x.begin(), jt = y.begin(); it != x.end(); ++it, ++jt)
            if (it->key() != jt->key() || !same_shape(it->value(), jt->value()))
                return false;
        return true;
    }
    return a == b;
}

hookbox::payload check_payload(const std::string& text) {
    error_code ec;
    diagnostics diag;
    auto p = hookbox::payload::parse(text, ec, diag);
    error_code jec;
    const bool readable = hookbox::detail::json_is_valid(text, jec);
    // Without a depth limit, parse accepts exactly what the storages read back; with the default
    // one, it refuses deep text with its own error, and what it accepts is read back.
    error_code unlimited_ec;
    diagnostics unlimited_diag;
    (void)hookbox::payload::parse(text, hookbox::payload_options{.max_depth = std::size_t(-1)}, unlimited_ec,
                                  unlimited_diag);
    HOOKBOX_FUZZ_CHECK(!unlimited_ec == readable);
    HOOKBOX_FUZZ_CHECK(!ec || ec == hookbox::make_error_code(hookbox::errc::payload_too_deep) || !readable);
    if (!ec)
        HOOKBOX_FUZZ_CHECK(readable);
    if (ec) {
        HOOKBOX_FUZZ_CHECK(ec == hookbox::make_error_code(hookbox::errc::invalid_payload) ||
                           ec == hookbox::make_error_code(hookbox::errc::payload_too_deep));
        HOOKBOX_FUZZ_CHECK(diag.field() == "payload" && diag.message().starts_with("payload: "));
        HOOKBOX_FUZZ_CHECK(p == hookbox::payload());
        return p;
    }
    HOOKBOX_FUZZ_CHECK(p.kind() == hookbox::payload_kind::json && p.body() == text &&
                       p.size() == text.size());
    // The value, written back by from_json, is JSON again, and reads as the same value.
    boost::json::value v = p.to_json();
    auto written = hookbox::payload::from_json(v);
    HOOKBOX_FUZZ_CHECK(hookbox::detail::json_is_valid(written.body(), jec));
    auto again = hookbox::payload::parse(std::string(written.body()),
                                         hookbox::payload_options{.max_depth = std::size_t(-1)}, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec);
    HOOKBOX_FUZZ_CHECK(same_shape(again.to_json(), v));
    return p;
}

// The field a full validation must name, from the fields' own checks, in the order it checks them.
std::optional<std::string> first_bad_field(const hookbox::enqueue_request& r, std::size_t max_payload) {
    auto text_ok = [](std::string_view s, std::size_t max) {
        return !s.empty() && s.size() <= max && hookbox::is_valid_utf8(s);
    };
    error_code ec;
    diagnostics diag;
    if (!text_ok(r.webhook_id, hookbox::limits::webhook_id))
        return "webhook_id";
    if (!text_ok(r.event_id, hookbox::limits::event_id))
        return "event_id";
    if (!text_ok(r.event_type, hookbox::limits::event_type))
        return "event_type";
    if (!hookbox::validate_url(r.url, ec, diag))
        return "url";
    if (!r.method.empty() &&
        (r.method.size() > hookbox::limits::method || !hookbox::detail::is_token(r.method)))
        return "method";
    if (r.headers.size() > hookbox::limits::headers)
        return "headers";
    for (std::size_t i = 0; i < r.headers.size(); ++i)
        if (!hookbox::validate_header(r.headers[i], i, ec, diag))
            return diag.field();
    if (r.secret.size() > hookbox::limits::secret)
        return "secret";
    if (r.timeout && r.timeout->count() <= 0)
        return "timeout";
    if (r.payload.size() > max_payload)
        return "payload";
    return std::nullopt;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hookbox::fuzz::input in(data, size);
    const std::uint8_t control = in.byte();

    hookbox::enqueue_request r;
    r.webhook_id = in.until('\n');
    r.event_id = in.until('\n');
    r.event_type = in.until('\n');
    r.url = in.until('\n');
    r.method = in.until('\n');
    r.secret = in.until('\n');
    while (!in.empty() && r.headers.size() < 80) {
        std::string_view line = in.until('\n');
        if (line.empty())
            break;
        std::size_t colon = line.find(':');
        hookbox::header h;
        h.name = line.substr(0, colon);
        if (colon != std::string_view::npos)
            h.value = line.substr(colon + 1);
        r.headers.push_back(std::move(h));
    }
    const std::string payload_text(in.rest());
    static constexpr std::int64_t timeouts[] = {1, 15000, 0, -1, -9223372036854775807 - 1};
    if (control & 8)
        r.timeout = std::chrono::milliseconds(timeouts[(control >> 4) % std::size(timeouts)]);

    check_url(r.url);
    for (std::size_t i = 0; i < r.headers.size(); ++i)
        check_header(r.headers[i], i);
    hookbox::payload p = check_payload(payload_text);
    r.payload = (control & 1) ? hookbox::payload::raw(payload_text) : p;

    const std::size_t max_payload = (control & 2) ? 16 : std::size_t(1) << 20;
    error_code ec;
    diagnostics diag;
    const bool ok = hookbox::validate(r, max_payload, ec, diag);
    auto bad = first_bad_field(r, max_payload);
    HOOKBOX_FUZZ_CHECK(ok == !bad.has_value());
    HOOKBOX_FUZZ_CHECK(ok == !ec);
    if (!ok) {
        HOOKBOX_FUZZ_CHECK(diag.field() == *bad);
        HOOKBOX_FUZZ_CHECK(diag.message().starts_with(diag.field() + ": "));
    }
    return 0;
}
