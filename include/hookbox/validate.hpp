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
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/partition.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
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
/// A `traceparent` of a version above `00`, which may be longer than the 55 bytes of version `00`.
inline constexpr std::size_t traceparent = 256;
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

// The failures of check_text, out of its way (cold: a call the compiler keeps off the hot path).
[[gnu::cold]] HOOKBOX_DECL bool check_text_fail(std::string_view field, std::string_view value,
                                                std::size_t max, bool required, error_code& ec,
                                                diagnostics& diag);

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

// The bytes a host name may hold: RFC 3986's unreserved characters (letters, digits, '-', '.', '_',
// '~'). Boost.URL also takes sub-delimiters and percent-encoded bytes in a name; hookbox does not.
inline constexpr auto host_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                         c == '-' || c == '.' || c == '_' || c == '~';
    return t;
}();

// A webhook URL split into what a connection needs: views into the text parsed.
struct url_fields {
    bool tls = false;  // https
    // A name or an IPv4 address as written, or an IPv6 address without its brackets.
    std::string_view host{};
    bool bracketed = false;   // the host is an IPv6 literal
    std::uint16_t port = 80;  // as written, or the scheme's default
    // Path and query as written (possibly empty, or starting with '?'); never the fragment.
    std::string_view target{};
};

// The one parse of a webhook URL, behind both `validate_url` (at enqueue) and `http::parse_url`
// (at send): the checks every URL gets (length, visible ASCII, scheme), then the common shape
// without Boost.URL, and anything else through Boost.URL and hookbox's own rules on its parts.
HOOKBOX_DECL std::optional<url_fields> parse_url(std::string_view url, error_code& ec, diagnostics& diag);

// The common shape, `http[s]://host[:port][/path][?query][#fragment]` with a host of `host_bytes`,
// a port in 1..65535, no user information and nothing outside RFC 3986's `pchar`, '/' and '?' after
// the host, recognised in one pass. Anything else is nullopt: Boost.URL decides it. Expects a URL
// that passed the first checks of `parse_url`; what it accepts, `parse_url_rfc3986` accepts with
// the same fields (the unit tests hold the two to that).
HOOKBOX_DECL std::optional<url_fields> parse_common_url(std::string_view url) noexcept;

// The URL through Boost.URL's `parse_uri`, then hookbox's rules on the parts; a failure names the
// rule broken. Expects a URL that passed the first checks of `parse_url`.
HOOKBOX_DECL std::optional<url_fields>
parse_url_rfc3986(std::string_view url, error_code& ec, diagnostics& diag);

}  // namespace detail

/// Checks that `url` is an absolute `http://` or `https://` URL (RFC 3986, checked by Boost.URL)
/// that hookbox can send to:
///
/// - at most `limits::url` bytes of visible ASCII: non-ASCII must be percent-encoded, internationalised
///   host names punycoded;
/// - a host: a name of letters, digits, `-`, `.`, `_` and `~` (not percent-encoded), an IPv4 address,
///   or an IPv6 address in brackets (without a zone id);
/// - an optional port in 1..65535;
/// - no user information (`user:password@`): a stored URL is kept and shown (by `get`, `list`,
///   `hookbox show`) as it is, so credentials belong in a header (`Authorization`), which the
///   `hookbox` tool redacts;
/// - a path, query and fragment of RFC 3986's characters: anything else (`|`, `{`, a `%` without two
///   hexadecimal digits, a second `#`) must be percent-encoded.
///
/// Whether the host may be reached is the sender's question, not this one.
///
/// Errors: `errc::empty_field`, `errc::field_too_long`, `errc::invalid_url`; the field is `url`.
HOOKBOX_DECL bool validate_url(std::string_view url, error_code& ec, diagnostics& diag);

/// Checks one custom header. `index` is its position, used to name the field (`headers[2].value`).
///
/// The name must be a token and must not be one that frames the request or the connection
/// (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`, `Upgrade`, `TE`,
/// `Trailer`, `Proxy-Connection`): the sender sets those. The value must not contain CR, LF, NUL
/// or any other control character but horizontal tab.
///
/// Errors: `errc::invalid_header`, `errc::field_too_long`.
HOOKBOX_DECL bool validate_header(const header& h, std::size_t index, error_code& ec, diagnostics& diag);

/// Checks a W3C Trace Context (level 1) `traceparent` header value:
/// `<version>-<trace-id>-<parent-id>-<trace-flags>`, each part lowercase hexadecimal: a 2-digit
/// version other than `ff`, a 32-digit trace id and a 16-digit parent id that are not all zeros,
/// and 2-digit flags. Version `00` is exactly those 55 bytes. A higher version is accepted as the
/// specification's forward-compatibility rule asks: its first 55 bytes in the version `00` layout,
/// followed by nothing or by `-` and more visible ASCII, at most `limits::traceparent` bytes in all.
///
/// Errors: `errc::invalid_header`; the field is `field` and the message states the rule broken.
HOOKBOX_DECL bool validate_traceparent(std::string_view value, error_code& ec, diagnostics& diag,
                                       std::string_view field = "traceparent");

/// Checks an enqueue request against every rule of `enqueue_request`'s fields, stopping at the
/// first failure. `max_payload_bytes` bounds `payload.size()`.
HOOKBOX_DECL bool
validate(const enqueue_request& req, std::size_t max_payload_bytes, error_code& ec, diagnostics& diag);

/// Checks claim options for an outbox with `partition_count` partitions.
HOOKBOX_DECL bool validate(const claim_options& opts, int partition_count, error_code& ec, diagnostics& diag);

/// Checks an attempt result: `http_status` in 100..599, `duration` not negative, `next_retry_at` only
/// for a retry, and `traceparent`, when set, as `validate_traceparent` checks it.
HOOKBOX_DECL bool validate(const attempt_result& r, error_code& ec, diagnostics& diag);

/// Checks list options.
HOOKBOX_DECL bool validate(const list_options& opts, error_code& ec, diagnostics& diag);

/// Checks a filter of `replay` (`for_replay`: `status`, when set, must be terminal) or `purge`:
/// `webhook_id` 1 to 64 bytes when set, and `created_from < created_before` when both are set.
HOOKBOX_DECL bool validate(const delivery_filter& f, bool for_replay, error_code& ec, diagnostics& diag);

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/validate.ipp>
#endif

#endif  // HOOKBOX_VALIDATE_HPP
