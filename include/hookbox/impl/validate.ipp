//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_VALIDATE_IPP
#define HOOKBOX_IMPL_VALIDATE_IPP

#include <hookbox/validate.hpp>

#include <boost/url/host_type.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hookbox {

namespace detail {

bool check_text_fail(std::string_view field,
                     std::string_view value,
                     std::size_t max,
                     bool required,
                     error_code& ec,
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

// RFC 3986's unreserved characters and sub-delimiters, plus what else may follow the authority:
// ':', '@', '/' and '?' (`pchar`, the path's '/', and the query's and fragment's '/' and '?'). '%'
// is not in them: it starts an escape of two hexadecimal digits.
inline constexpr auto target_bytes = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = host_bytes[static_cast<std::size_t>(c)];
    for (char c : std::string_view("!$&'()*+,;=:@/?"))
        t[static_cast<unsigned char>(c)] = true;
    return t;
}();
inline constexpr auto target_other = [] {
    std::array<unsigned char, 256> t{};
    for (std::size_t c = 0; c < 256; ++c)
        t[c] = target_bytes[c] ? 0 : 1;
    return t;
}();

inline std::nullopt_t url_fail(error_code& ec, diagnostics& diag, std::string rule) {
    fail(ec, diag, errc::invalid_url, "url", "url: " + std::move(rule));
    return std::nullopt;
}

// User information (`user:password@`) is refused however it is written: the URL is stored, listed
// and shown as it is, so a password in it would be too.
[[gnu::cold, gnu::noinline]] inline std::nullopt_t userinfo_fail(error_code& ec, diagnostics& diag) {
    return url_fail(ec, diag,
                    "user information (user:password@) is not supported: the URL is stored and shown as "
                    "written; send an Authorization header (or another header) with the credentials instead");
}

inline bool is_escape(std::string_view s, std::size_t percent) noexcept {
    return percent + 2 < s.size() && hex_value(s[percent + 1]) >= 0 && hex_value(s[percent + 2]) >= 0;
}

// 1..65535 in at most five digits (leading zeros allowed, as RFC 3986 allows them).
inline bool is_port(std::string_view digits, std::uint16_t& port) noexcept {
    if (digits.empty() || digits.size() > 5)
        return false;
    unsigned v = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    port = static_cast<std::uint16_t>(v);
    return true;
}

inline std::string_view to_std(boost::core::string_view s) noexcept {
    return {s.data(), s.size()};
}

// A URL that does not start with http:// or https://: why.
[[gnu::cold, gnu::noinline]] inline std::nullopt_t
scheme_fail(std::string_view url, error_code& ec, diagnostics& diag) {
    std::size_t at = url.find("://");
    if (at == std::string_view::npos)
        return url_fail(ec, diag, "must be absolute, starting with http:// or https://");
    return url_fail(ec, diag,
                    "scheme '" + std::string(url.substr(0, std::min<std::size_t>(at, 16))) +
                        "' is not allowed; use http or https");
}

// Why a URL fails, as the rule it breaks. Boost.URL decides whether a URL is well formed; this
// runs only once it said no (or parsed the URL as RFC 3986 does not, see parse_url_rfc3986), and
// looks again at the parts in the order a reader would: user information, host, port, then the
// path, query and fragment.
[[gnu::cold, gnu::noinline]] inline std::nullopt_t
explain_url(std::string_view url, error_code& ec, diagnostics& diag) {
    std::string_view rest = url.substr(url.find("://") + 3);
    std::size_t end = std::min(rest.find_first_of("/?#"), rest.size());
    std::string_view authority = rest.substr(0, end);
    std::string_view after = rest.substr(end);
    std::string_view hostport = authority;
    if (authority.find('@') != std::string_view::npos)
        return userinfo_fail(ec, diag);
    std::string_view host;
    std::string_view port;
    bool has_port = false;
    if (!hostport.empty() && hostport.front() == '[') {
        std::size_t close = hostport.find(']');
        if (close == std::string_view::npos)
            return url_fail(ec, diag, "IPv6 host is missing its closing ']'");
        host = hostport.substr(1, close - 1);
        if (host.find('%') != std::string_view::npos)
            return url_fail(ec, diag, "IPv6 zone ids ([address%25interface]) are not supported");
        for (char c : host)
            if (!(hex_value(c) >= 0 || c == ':' || c == '.'))
                return url_fail(ec, diag, "IPv6 host may contain only hexadecimal digits, ':' and '.'");
        std::string_view tail = hostport.substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':')
                return url_fail(ec, diag, "unexpected characters after the IPv6 host");
            has_port = true;
            port = tail.substr(1);
            if (port.empty())
                return url_fail(ec, diag, "port is empty");
        }
        if (host.empty())
            return url_fail(ec, diag, "must have a host");
        if (!boost::urls::parse_ipv6_address(boost::core::string_view(host.data(), host.size())))
            return url_fail(ec, diag, "the IPv6 host is not an IPv6 address (RFC 4291)");
    } else {
        std::size_t colon = hostport.find(':');
        host = hostport.substr(0, colon);
        if (colon != std::string_view::npos) {
            has_port = true;
            port = hostport.substr(colon + 1);
            if (port.empty())
                return url_fail(ec, diag, "port is empty");
        }
        if (host.find('%') != std::string_view::npos)
            return url_fail(
                ec, diag,
                "host must not be percent-encoded; write it plainly (internationalised names punycoded)");
        for (char c : host)
            if (!host_bytes[static_cast<unsigned char>(c)])
                return url_fail(ec, diag, "host may contain only letters, digits, '-', '.', '_' and '~'");
        if (host.empty())
            return url_fail(ec, diag, "must have a host");
    }
    std::uint16_t value = 0;
    if (has_port && !is_port(port, value))
        return url_fail(ec, diag, "port must be a number in 1..65535");
    bool fragment = false;
    for (std::size_t i = 0; i < after.size(); ++i) {
        const char c = after[i];
        if (c == '%') {
            if (!is_escape(after, i))
                return url_fail(
                    ec, diag, "'%' must start an escape of two hexadecimal digits (write '%' itself as %25)");
            i += 2;
        } else if (c == '#') {
            if (fragment)
                return url_fail(ec, diag,
                                "only one '#' may start the fragment; percent-encode another as %23");
            fragment = true;
        } else if (!target_bytes[static_cast<unsigned char>(c)]) {
            return url_fail(ec, diag,
                            std::string("'") + c +
                                "' is not allowed in a path, query or fragment; percent-encode it");
        }
    }
    return url_fail(ec, diag, "is not a URL as RFC 3986 defines it");
}

std::optional<url_fields> parse_url(std::string_view url, error_code& ec, diagnostics& diag) {
    if (url.empty()) {
        fail(ec, diag, errc::empty_field, "url", "url: must not be empty");
        return std::nullopt;
    }
    if (url.size() > limits::url) {
        fail(ec, diag, errc::field_too_long, "url",
             "url: must be at most " + std::to_string(limits::url) + " bytes (got " +
                 std::to_string(url.size()) + ")");
        return std::nullopt;
    }
    // Visible ASCII only, so no UTF-8 check: any byte of a multi-byte sequence fails here.
    if (!is_visible_ascii(url))
        return url_fail(ec, diag,
                        "must not contain whitespace, control or non-ASCII characters (percent-encode them)");
    if (!iequals(url.substr(0, 7), "http://") && !iequals(url.substr(0, 8), "https://"))
        return scheme_fail(url, ec, diag);
    if (auto common = parse_common_url(url)) [[likely]]
        return common;
    return parse_url_rfc3986(url, ec, diag);
}

std::optional<url_fields> parse_common_url(std::string_view url) noexcept {
    url_fields f;
    f.tls = url[4] != ':';
    f.port = f.tls ? 443 : 80;
    std::size_t i = f.tls ? 8 : 7;
    const std::size_t host_begin = i;
    while (i < url.size() && host_bytes[static_cast<unsigned char>(url[i])])
        ++i;
    if (i == host_begin)
        return std::nullopt;
    f.host = url.substr(host_begin, i - host_begin);
    if (i < url.size() && url[i] == ':') {
        const std::size_t port_begin = ++i;
        while (i < url.size() && url[i] >= '0' && url[i] <= '9')
            ++i;
        if (!is_port(url.substr(port_begin, i - port_begin), f.port))
            return std::nullopt;
    }
    // The path must start with '/' (RFC 3986's path-abempty), or the query or fragment follow at once.
    const std::size_t target_begin = i;
    if (i < url.size() && url[i] != '/' && url[i] != '?' && url[i] != '#')
        return std::nullopt;
    // Eight bytes at a time while none needs a second look (a '%' escape, the '#', or a byte RFC 3986
    // does not allow here): one branch per word instead of one per byte.
    std::size_t target_end = url.size();
    const auto* bytes = reinterpret_cast<const unsigned char*>(url.data());
    while (i < url.size()) {
        if (i + 8 <= url.size()) {
            const unsigned char* w = bytes + i;
            if ((target_other[w[0]] | target_other[w[1]] | target_other[w[2]] | target_other[w[3]] |
                 target_other[w[4]] | target_other[w[5]] | target_other[w[6]] | target_other[w[7]]) == 0) {
                i += 8;
                continue;
            }
        }
        for (const std::size_t stop = std::min(i + 8, url.size()); i < stop; ++i) {
            const char c = url[i];
            if (target_bytes[static_cast<unsigned char>(c)])
                continue;
            if (c == '%' && is_escape(url, i))
                i += 2;
            else if (c == '#' && target_end == url.size())
                target_end = i;
            else
                return std::nullopt;
        }
    }
    f.target = url.substr(target_begin, target_end - target_begin);
    return f;
}

std::optional<url_fields> parse_url_rfc3986(std::string_view url, error_code& ec, diagnostics& diag) {
    auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
    if (!parsed)
        return explain_url(url, ec, diag);
    const boost::urls::url_view& u = *parsed;
    // Boost.URL 1.81 lets a path that does not start with '/' follow an authority (boostorg/url#636):
    // it reads "http://h:80a/" as port 80 and path "a/", and "http://a@b@h/" as host "b". RFC 3986's
    // path-abempty does not allow it.
    auto path = u.encoded_path();
    if (!path.empty() && path.front() != '/')
        return explain_url(url, ec, diag);
    url_fields f;
    f.tls = u.scheme_id() == boost::urls::scheme::https;
    f.port = f.tls ? 443 : 80;
    if (u.has_userinfo())
        return userinfo_fail(ec, diag);
    if (u.has_port() && u.port().empty())
        return url_fail(ec, diag, "port is empty");
    switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
        f.host = to_std(u.encoded_host_address());
        f.bracketed = true;
        break;
    case boost::urls::host_type::ipvfuture:
        return url_fail(ec, diag, "IPv6 host may contain only hexadecimal digits, ':' and '.'");
    default:
        f.host = to_std(u.encoded_host());
        if (f.host.find('%') != std::string_view::npos)
            return url_fail(
                ec, diag,
                "host must not be percent-encoded; write it plainly (internationalised names punycoded)");
        for (char c : f.host)
            if (!host_bytes[static_cast<unsigned char>(c)])
                return url_fail(ec, diag, "host may contain only letters, digits, '-', '.', '_' and '~'");
        break;
    }
    if (f.host.empty())
        return url_fail(ec, diag, "must have a host");
    if (u.has_port() && !is_port(to_std(u.port()), f.port))
        return url_fail(ec, diag, "port must be a number in 1..65535");
    f.target = to_std(u.encoded_target());
    return f;
}

}  // namespace detail

bool validate_url(std::string_view url, error_code& ec, diagnostics& diag) {
    return detail::parse_url(url, ec, diag).has_value();
}

bool validate_header(const header& h, std::size_t index, error_code& ec, diagnostics& diag) {
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
    for (std::string_view reserved : {"host", "content-length", "transfer-encoding", "connection",
                                      "keep-alive", "upgrade", "te", "trailer", "proxy-connection"}) {
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

namespace detail {

inline bool is_lower_hex(std::string_view s) noexcept {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

inline bool all_zeros(std::string_view s) noexcept { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace detail

bool validate_traceparent(std::string_view v, error_code& ec, diagnostics& diag, std::string_view field) {
    ec.clear();
    auto fail = [&](const std::string& why) {
        std::string f(field);
        detail::fail(ec, diag, errc::invalid_header, f,
                     f + ": " + why +
                         " (W3C traceparent: 00-<32 lowercase hex trace-id>-<16 lowercase hex parent-id>-<2 hex "
                         "flags>)");
        return false;
    };
    constexpr std::size_t size_00 = 55;
    if (v.size() < size_00)
        return fail("must be at least " + std::to_string(size_00) + " bytes (got " + std::to_string(v.size()) + ")");
    if (v.size() > limits::traceparent)
        return fail("must be at most " + std::to_string(limits::traceparent) + " bytes (got " +
                    std::to_string(v.size()) + ")");
    if (v[2] != '-' || v[35] != '-' || v[52] != '-')
        return fail("its parts must be separated by '-' after bytes 2, 35 and 52");
    const std::string_view version = v.substr(0, 2), trace_id = v.substr(3, 32), parent_id = v.substr(36, 16),
                           flags = v.substr(53, 2);
    if (!detail::is_lower_hex(version))
        return fail("the version must be 2 lowercase hex digits");
    if (version == "ff")
        return fail("version ff is invalid");
    if (!detail::is_lower_hex(trace_id))
        return fail("the trace-id must be 32 lowercase hex digits");
    if (detail::all_zeros(trace_id))
        return fail("the trace-id must not be all zeros");
    if (!detail::is_lower_hex(parent_id))
        return fail("the parent-id must be 16 lowercase hex digits");
    if (detail::all_zeros(parent_id))
        return fail("the parent-id must not be all zeros");
    if (!detail::is_lower_hex(flags))
        return fail("the trace-flags must be 2 lowercase hex digits");
    if (v.size() == size_00)
        return true;
    if (version == "00")
        return fail("version 00 must be exactly " + std::to_string(size_00) + " bytes (got " +
                    std::to_string(v.size()) + ")");
    if (v[size_00] != '-' || !detail::is_visible_ascii(v.substr(size_00)))
        return fail("a version above 00 may continue after the flags only with '-' and visible ASCII");
    return true;
}

bool validate(const enqueue_request& req, std::size_t max_payload_bytes, error_code& ec, diagnostics& diag) {
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
                     "timeout: must be greater than zero (got " + std::to_string(req.timeout->count()) +
                         " ms)");
        return false;
    }
    if (req.payload.size() > max_payload_bytes) {
        detail::fail(ec, diag, errc::payload_too_large, "payload",
                     "payload: " + std::to_string(req.payload.size()) + " bytes exceeds max_payload_bytes (" +
                         std::to_string(max_payload_bytes) + ")");
        return false;
    }
    if (req.traceparent && !validate_traceparent(*req.traceparent, ec, diag))
        return false;
    return true;
}

bool validate(const claim_options& opts, int partition_count, error_code& ec, diagnostics& diag) {
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
                             std::to_string(partition_count) + "), got " +
                             std::to_string(opts.partition->count));
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

bool validate(const attempt_result& r, error_code& ec, diagnostics& diag) {
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
    if (r.traceparent && !validate_traceparent(*r.traceparent, ec, diag))
        return false;
    return true;
}

bool validate(const list_options& opts, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (opts.limit == 0 || opts.limit > limits::list_limit) {
        detail::fail(ec, diag, errc::invalid_argument, "limit",
                     "limit: must be in 1.." + std::to_string(limits::list_limit) + " (got " +
                         std::to_string(opts.limit) + ")");
        return false;
    }
    if (opts.event_id && !detail::check_text("event_id", *opts.event_id, limits::event_id, true, ec, diag))
        return false;
    if (opts.created_from && opts.created_before && !(*opts.created_from < *opts.created_before)) {
        detail::fail(
            ec, diag, errc::invalid_argument, "created_before",
            "created_before: must be later than created_from (the range is created_from <= created_at < "
            "created_before)");
        return false;
    }
    return true;
}

bool validate(const delivery_filter& f, bool for_replay, error_code& ec, diagnostics& diag) {
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
        detail::fail(
            ec, diag, errc::invalid_argument, "created_before",
            "created_before: must be later than created_from (the range is created_from <= created_at < "
            "created_before)");
        return false;
    }
    return true;
}

}  // namespace hookbox

#endif  // HOOKBOX_IMPL_VALIDATE_IPP
