//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_VALIDATE_HPP
#define HOOKBOX_VALIDATE_HPP

/// \file
/// The rules every request must keep, checked before anything is stored. Each failure sets an
/// `errc` and diagnostics whose `field()` names the field (`url`, `headers[1].name`, `claim_ttl`)
/// and whose `message()` states the rule.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/partition.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hookbox {

/// Column limits, in bytes of UTF-8 (the column lengths of the ObjectStack outbox's
/// `sys_webhook_delivery`).
namespace limits {
inline constexpr std::size_t webhook_id = 64;
inline constexpr std::size_t event_id = 128;
inline constexpr std::size_t event_type = 128;
inline constexpr std::size_t url = 2048;
inline constexpr std::size_t method = 10;
inline constexpr std::size_t secret = 256;
inline constexpr std::size_t node_id = 128;
inline constexpr std::size_t header_name = 256;
inline constexpr std::size_t header_value = 8192;
inline constexpr std::size_t headers = 64;
inline constexpr std::size_t claim_limit = 10000;
inline constexpr std::size_t list_limit = 10000;
/// The largest step of `replay` and `purge` (`outbox_params::replay_batch`, a sweeper's batch size).
inline constexpr std::size_t batch_size = 100000;
}  // namespace limits

namespace detail {

// RFC 9110 tchar.
constexpr bool is_tchar(char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    for (char t : std::string_view("!#$%&'*+-.^_`|~"))
        if (c == t)
            return true;
    return false;
}

constexpr bool is_token(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (!is_tchar(c))
            return false;
    return true;
}

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

// The failures of check_text, out of its way.
[[gnu::noinline, gnu::cold]] inline bool check_text_fail(std::string_view field, std::string_view value,
                                                         std::size_t max, bool required, error_code& ec,
                                                         diagnostics& diag) {
    if (value.empty()) {
        if (!required)
            return true;
        fail(ec, diag, errc::empty_field, std::string(field), std::string(field) + ": must not be empty");
        return false;
    }
    if (value.size() > max) {
        fail(ec, diag, errc::field_too_long, std::string(field),
             std::string(field) + ": must be at most " + std::to_string(max) + " bytes (got " +
                 std::to_string(value.size()) + ")");
        return false;
    }
    fail(ec, diag, errc::invalid_utf8, std::string(field), std::string(field) + ": must be valid UTF-8");
    return false;
}

// Checks a text field: not empty (unless optional), at most `max` bytes, valid UTF-8.
inline bool check_text(std::string_view field, std::string_view value, std::size_t max, bool required,
                       error_code& ec, diagnostics& diag) {
    if (!value.empty() && value.size() <= max && is_valid_utf8(value)) [[likely]]
        return true;
    return check_text_fail(field, value, max, required, ec, diag);
}

// Whether every byte of `s` is visible ASCII (0x21 to 0x7E), eight bytes at a time: a word has a
// byte below 0x21 when subtracting 0x21 from each byte borrows into a byte whose top bit was clear,
// and a byte above 0x7E when adding 1 to each byte sets a top bit (or one was set already). Borrows
// and carries start only at a byte that fails, so neither test reports a word that has none.
inline bool is_visible_ascii(std::string_view s) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    auto bad = [](std::uint64_t w) { return (((w - ones * 0x21) & ~w) | (w + ones) | w) & highs; };
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (bad(w))
            return false;
    }
    for (; i < s.size(); ++i) {
        auto u = static_cast<unsigned char>(s[i]);
        if (u <= 0x20 || u >= 0x7F)
            return false;
    }
    return true;
}

// The bytes a host name may hold: letters, digits, '-', '.', '_' and '~'.
inline constexpr auto host_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                         c == '-' || c == '.' || c == '_' || c == '~';
    return t;
}();

// The bytes that shape an authority: its end ('/', '?', '#'), '@' and ':'; 0 for any other.
inline constexpr std::uint8_t authority_end = 1;
inline constexpr std::uint8_t authority_at = 2;
inline constexpr std::uint8_t authority_colon = 3;
inline constexpr auto authority_bytes = [] {
    std::array<std::uint8_t, 256> t{};
    t['/'] = t['?'] = t['#'] = authority_end;
    t['@'] = authority_at;
    t[':'] = authority_colon;
    return t;
}();

inline bool url_fail(error_code& ec, diagnostics& diag, std::string rule) {
    fail(ec, diag, errc::invalid_url, "url", "url: " + std::move(rule));
    return false;
}

}  // namespace detail

/// Checks that `url` is an absolute `http://` or `https://` URL: a host (a name of letters, digits,
/// `-`, `.`, `_`, `~`, or a bracketed IPv6 literal), an optional port in 1..65535, and nothing but
/// visible ASCII after it (non-ASCII must be percent-encoded, internationalised host names
/// punycoded). Whether the host may be reached is the sender's question, not this one.
///
/// Errors: `errc::empty_field`, `errc::field_too_long`, `errc::invalid_url`.
inline bool validate_url(std::string_view url, error_code& ec, diagnostics& diag) {
    // Visible ASCII only, so no UTF-8 check: any byte of a multi-byte sequence fails here.
    if (url.empty()) {
        detail::fail(ec, diag, errc::empty_field, "url", "url: must not be empty");
        return false;
    }
    if (url.size() > limits::url) {
        detail::fail(ec, diag, errc::field_too_long, "url",
                     "url: must be at most " + std::to_string(limits::url) + " bytes (got " +
                         std::to_string(url.size()) + ")");
        return false;
    }
    if (!detail::is_visible_ascii(url))
        return detail::url_fail(ec, diag,
                                "must not contain whitespace, control or non-ASCII characters "
                                "(percent-encode them)");
    std::size_t scheme_end;
    if (detail::iequals(url.substr(0, 7), "http://"))
        scheme_end = 4;
    else if (detail::iequals(url.substr(0, 8), "https://"))
        scheme_end = 5;
    else if (std::size_t at = url.find("://"); at == std::string_view::npos)
        return detail::url_fail(ec, diag, "must be absolute, starting with http:// or https://");
    else
        return detail::url_fail(ec, diag, "scheme '" + std::string(url.substr(0, std::min<std::size_t>(at, 16))) +
                                              "' is not allowed; use http or https");
    std::string_view rest = url.substr(scheme_end + 3);
    // One pass over the authority, which ends at the path, the query or the fragment: it starts
    // after the last '@' (userinfo), and a name's port after the first ':' that follows.
    std::size_t start = 0;
    std::size_t end = 0;
    std::size_t first_colon = std::string_view::npos;
    for (; end < rest.size(); ++end) {
        const std::uint8_t k = detail::authority_bytes[static_cast<unsigned char>(rest[end])];
        if (k == 0)
            continue;
        if (k == detail::authority_end)
            break;
        if (k == detail::authority_at) {
            start = end + 1;
            first_colon = std::string_view::npos;
        } else if (first_colon == std::string_view::npos) {
            first_colon = end;
        }
    }
    std::string_view authority = rest.substr(start, end - start);
    std::string_view host;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            return detail::url_fail(ec, diag, "IPv6 host is missing its closing ']'");
        host = authority.substr(1, close - 1);
        for (char c : host)
            if (!(detail::hex_value(c) >= 0 || c == ':' || c == '.'))
                return detail::url_fail(ec, diag, "IPv6 host may contain only hexadecimal digits, ':' and '.'");
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                return detail::url_fail(ec, diag, "unexpected characters after the IPv6 host");
            port = after.substr(1);
            if (port.empty())
                return detail::url_fail(ec, diag, "port is empty");
        }
    } else {
        std::size_t colon = first_colon == std::string_view::npos ? first_colon : first_colon - start;
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty())
                return detail::url_fail(ec, diag, "port is empty");
        }
        for (char c : host)
            if (!detail::host_bytes[static_cast<unsigned char>(c)])
                return detail::url_fail(ec, diag, "host may contain only letters, digits, '-', '.', '_' and '~'");
    }
    if (host.empty())
        return detail::url_fail(ec, diag, "must have a host");
    if (!port.empty()) {
        if (port.size() > 5)
            return detail::url_fail(ec, diag, "port must be a number in 1..65535");
        long value = 0;
        for (char c : port) {
            if (c < '0' || c > '9')
                return detail::url_fail(ec, diag, "port must be a number in 1..65535");
            value = value * 10 + (c - '0');
        }
        if (value < 1 || value > 65535)
            return detail::url_fail(ec, diag, "port must be a number in 1..65535");
    }
    return true;
}

/// Checks one custom header. `index` is its position, used to name the field (`headers[2].value`).
///
/// The name must be a token and must not be one that frames the request or the connection
/// (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`, `Upgrade`, `TE`,
/// `Trailer`, `Proxy-Connection`): the sender sets those. The value must not contain CR, LF, NUL
/// or any other control character but horizontal tab.
///
/// Errors: `errc::invalid_header`, `errc::field_too_long`.
inline bool validate_header(const header& h, std::size_t index, error_code& ec, diagnostics& diag) {
    std::string prefix = "headers[" + std::to_string(index) + "]";
    if (!detail::is_token(h.name)) {
        detail::fail(ec, diag, errc::invalid_header, prefix + ".name",
                     prefix + ".name: must be a non-empty token (letters, digits, !#$%&'*+-.^_`|~)");
        return false;
    }
    if (h.name.size() > limits::header_name) {
        detail::fail(ec, diag, errc::field_too_long, prefix + ".name",
                     prefix + ".name: must be at most " + std::to_string(limits::header_name) + " bytes");
        return false;
    }
    for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection", "keep-alive",
                                      "upgrade", "te", "trailer", "proxy-connection"}) {
        if (detail::iequals(h.name, reserved)) {
            detail::fail(ec, diag, errc::invalid_header, prefix + ".name",
                         prefix + ".name: '" + h.name + "' is set by the sender and cannot be overridden");
            return false;
        }
    }
    if (h.value.size() > limits::header_value) {
        detail::fail(ec, diag, errc::field_too_long, prefix + ".value",
                     prefix + ".value: must be at most " + std::to_string(limits::header_value) + " bytes");
        return false;
    }
    for (char c : h.value) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F) {
            detail::fail(ec, diag, errc::invalid_header, prefix + ".value",
                         prefix + ".value: must not contain CR, LF, NUL or other control characters");
            return false;
        }
    }
    return true;
}

/// Checks an enqueue request against every rule of `enqueue_request`'s fields, stopping at the
/// first failure. `max_payload_bytes` bounds `payload.size()`.
inline bool validate(const enqueue_request& req, std::size_t max_payload_bytes, error_code& ec,
                     diagnostics& diag) {
    ec.clear();
    if (!detail::check_text("webhook_id", req.webhook_id, limits::webhook_id, true, ec, diag) ||
        !detail::check_text("event_id", req.event_id, limits::event_id, true, ec, diag) ||
        !detail::check_text("event_type", req.event_type, limits::event_type, true, ec, diag) ||
        !validate_url(req.url, ec, diag))
        return false;
    if (!req.method.empty()) {
        if (req.method.size() > limits::method) {
            detail::fail(ec, diag, errc::field_too_long, "method",
                         "method: must be at most " + std::to_string(limits::method) + " bytes");
            return false;
        }
        if (!detail::is_token(req.method)) {
            detail::fail(ec, diag, errc::invalid_method, "method",
                         "method: must be an HTTP token such as POST (letters, digits, !#$%&'*+-.^_`|~)");
            return false;
        }
    }
    if (req.headers.size() > limits::headers) {
        detail::fail(ec, diag, errc::field_too_long, "headers",
                     "headers: at most " + std::to_string(limits::headers) + " custom headers");
        return false;
    }
    for (std::size_t i = 0; i < req.headers.size(); ++i)
        if (!validate_header(req.headers[i], i, ec, diag))
            return false;
    if (req.secret.size() > limits::secret) {
        // The secret's value is never quoted.
        detail::fail(ec, diag, errc::field_too_long, "secret",
                     "secret: must be at most " + std::to_string(limits::secret) + " bytes");
        return false;
    }
    if (req.timeout && req.timeout->count() <= 0) {
        detail::fail(ec, diag, errc::invalid_timeout, "timeout",
                     "timeout: must be greater than zero (got " + std::to_string(req.timeout->count()) + " ms)");
        return false;
    }
    if (req.payload.size() > max_payload_bytes) {
        detail::fail(ec, diag, errc::payload_too_large, "payload",
                     "payload: " + std::to_string(req.payload.size()) + " bytes exceeds max_payload_bytes (" +
                         std::to_string(max_payload_bytes) + ")");
        return false;
    }
    return true;
}

/// Checks claim options for an outbox with `partition_count` partitions.
inline bool validate(const claim_options& opts, int partition_count, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!detail::check_text("node_id", opts.node_id, limits::node_id, true, ec, diag))
        return false;
    if (opts.limit == 0 || opts.limit > limits::claim_limit) {
        detail::fail(ec, diag, errc::invalid_argument, "limit",
                     "limit: must be in 1.." + std::to_string(limits::claim_limit) + " (got " +
                         std::to_string(opts.limit) + ")");
        return false;
    }
    if (opts.claim_ttl.count() <= 0) {
        detail::fail(ec, diag, errc::invalid_argument, "claim_ttl", "claim_ttl: must be greater than zero");
        return false;
    }
    if (opts.partition) {
        if (opts.partition->count != partition_count) {
            detail::fail(ec, diag, errc::invalid_partition, "partition.count",
                         "partition.count: must equal the outbox's partition_count (" +
                             std::to_string(partition_count) + "), got " + std::to_string(opts.partition->count));
            return false;
        }
        if (opts.partition->index < 0 || opts.partition->index >= partition_count) {
            detail::fail(ec, diag, errc::invalid_partition, "partition.index",
                         "partition.index: must be in [0, " + std::to_string(partition_count) + "), got " +
                             std::to_string(opts.partition->index));
            return false;
        }
    }
    return true;
}

/// Checks an attempt result.
inline bool validate(const attempt_result& r, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (r.http_status && (*r.http_status < 100 || *r.http_status > 599)) {
        detail::fail(ec, diag, errc::invalid_argument, "http_status",
                     "http_status: must be in 100..599 (got " + std::to_string(*r.http_status) + ")");
        return false;
    }
    if (r.duration.count() < 0) {
        detail::fail(ec, diag, errc::invalid_argument, "duration", "duration: must not be negative");
        return false;
    }
    if (r.next_retry_at && r.outcome != attempt_outcome::retry) {
        detail::fail(ec, diag, errc::invalid_argument, "next_retry_at",
                     "next_retry_at: only a retry outcome may set it");
        return false;
    }
    return true;
}

/// Checks list options.
inline bool validate(const list_options& opts, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (opts.limit == 0 || opts.limit > limits::list_limit) {
        detail::fail(ec, diag, errc::invalid_argument, "limit",
                     "limit: must be in 1.." + std::to_string(limits::list_limit) + " (got " +
                         std::to_string(opts.limit) + ")");
        return false;
    }
    return true;
}

/// Checks a filter of `replay` (`for_replay`: `status`, when set, must be terminal) or `purge`:
/// `webhook_id` 1 to 64 bytes when set, and `created_from < created_before` when both are set.
inline bool validate(const delivery_filter& f, bool for_replay, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (for_replay && f.status && !is_terminal(*f.status)) {
        detail::fail(ec, diag, errc::invalid_argument, "status",
                     "status: replay takes success, failed or dead rows only (got '" +
                         std::string(to_string(*f.status)) + "')");
        return false;
    }
    if (f.webhook_id && !detail::check_text("webhook_id", *f.webhook_id, limits::webhook_id, true, ec, diag))
        return false;
    if (f.created_from && f.created_before && !(*f.created_from < *f.created_before)) {
        detail::fail(ec, diag, errc::invalid_argument, "created_before",
                     "created_before: must be later than created_from (the range is created_from <= created_at < "
                     "created_before)");
        return false;
    }
    return true;
}

}  // namespace hookbox

#endif  // HOOKBOX_VALIDATE_HPP
