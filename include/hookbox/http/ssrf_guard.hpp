//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_SSRF_GUARD_HPP
#define HOOKBOX_HTTP_SSRF_GUARD_HPP

/// \file
/// Which addresses a sender may connect to. A webhook URL is chosen by whoever registers the
/// webhook, so a sender that connected wherever a name resolves could be pointed at the database
/// next door or at a cloud metadata service. `beast_sender` resolves the host, keeps only the
/// addresses `address_policy::permits`, and connects to one of those (never resolving again), so
/// a name that changes its answer between the check and the connect gains nothing.
///
/// Also here: `parse_url`, which splits a webhook URL into what a connection needs.

#include <hookbox/error.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::http {

/// An address block such as `10.0.0.0/8` or `fd00::/8`.
struct network {
    boost::asio::ip::address address;
    unsigned prefix = 0;

    /// Parses `<address>/<prefix>` (or a bare address, meaning that one address).
    ///
    /// Errors: `errc::invalid_argument`, field `network`.
    static std::optional<network> parse(std::string_view text, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto fail = [&](std::string rule) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "network", "network: " + std::move(rule));
            return std::nullopt;
        };
        std::string_view addr = text.substr(0, text.find('/'));
        boost::system::error_code aec;
        auto a = boost::asio::ip::make_address(std::string(addr), aec);
        if (aec)
            return fail("'" + std::string(addr.substr(0, 64)) + "' is not an IPv4 or IPv6 address");
        unsigned max = a.is_v4() ? 32 : 128;
        unsigned prefix = max;
        if (addr.size() != text.size()) {
            std::string_view p = text.substr(addr.size() + 1);
            if (p.empty() || p.size() > 3)
                return fail("the prefix length must be a number in 0.." + std::to_string(max));
            prefix = 0;
            for (char c : p) {
                if (c < '0' || c > '9')
                    return fail("the prefix length must be a number in 0.." + std::to_string(max));
                prefix = prefix * 10 + unsigned(c - '0');
            }
            if (prefix > max)
                return fail("the prefix length must be a number in 0.." + std::to_string(max));
        }
        return network{a, prefix};
    }

    /// Throwing overload of `parse`.
    static network parse(std::string_view text) {
        error_code ec;
        diagnostics diag;
        auto n = parse(text, ec, diag);
        if (!n)
            throw error_with_diagnostics(ec, std::move(diag));
        return *n;
    }

    /// True when `a` is inside this block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    bool contains(const boost::asio::ip::address& a) const noexcept {
        auto bytes_of = [](const boost::asio::ip::address& x, std::array<unsigned char, 16>& out) -> unsigned {
            if (x.is_v4()) {
                auto b = x.to_v4().to_bytes();
                std::copy(b.begin(), b.end(), out.begin());
                return 4;
            }
            auto v6 = x.to_v6();
            if (v6.is_v4_mapped()) {
                auto b = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_bytes();
                std::copy(b.begin(), b.end(), out.begin());
                return 4;
            }
            auto b = v6.to_bytes();
            std::copy(b.begin(), b.end(), out.begin());
            return 16;
        };
        std::array<unsigned char, 16> mine{}, theirs{};
        unsigned n = bytes_of(address, mine);
        if (bytes_of(a, theirs) != n)
            return false;
        unsigned full = prefix / 8, rest = prefix % 8;
        for (unsigned i = 0; i < full; ++i)
            if (mine[i] != theirs[i])
                return false;
        if (rest != 0) {
            unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
            if ((mine[full] & mask) != (theirs[full] & mask))
                return false;
        }
        return true;
    }
};

namespace detail {

// The blocks that are not globally reachable (IANA special-purpose registries), as text so that
// the table reads like the registry.
inline const std::vector<network>& special_purpose_blocks() {
    static const std::vector<network> blocks = [] {
        std::vector<network> v;
        for (std::string_view s :
             {"0.0.0.0/8",       "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",     "169.254.0.0/16",
              "172.16.0.0/12",   "192.0.0.0/24",    "192.0.2.0/24",   "192.88.99.0/24",  "192.168.0.0/16",
              "198.18.0.0/15",   "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",     "240.0.0.0/4",
              "::/128",          "::1/128",         "64:ff9b::/96",   "64:ff9b:1::/48",  "100::/64",
              "2001::/23",       "2001:db8::/32",   "2002::/16",      "3fff::/20",       "5f00::/16",
              "fc00::/7",        "fe80::/10",       "fec0::/10",      "ff00::/8"})
            v.push_back(network::parse(s));
        return v;
    }();
    return blocks;
}

}  // namespace detail

/// True when `a` is globally routable: not loopback, private, link-local, shared, documentation,
/// benchmarking, multicast, reserved or otherwise special-purpose (IPv4-mapped addresses are
/// judged as IPv4; of IPv6, only `2000::/3` outside the special blocks is global).
inline bool is_global(const boost::asio::ip::address& a) noexcept {
    for (const auto& n : detail::special_purpose_blocks())
        if (n.contains(a))
            return false;
    if (a.is_v6() && !a.to_v6().is_v4_mapped()) {
        auto b = a.to_v6().to_bytes();
        if ((b[0] & 0xE0) != 0x20)
            return false;
    }
    return true;
}

/// Which resolved addresses a sender may connect to: globally routable ones, plus the blocks in
/// `allow` (for example `127.0.0.0/8` for tests, or a private network the webhooks legitimately
/// live on), minus the blocks in `deny` (which win over both).
struct address_policy {
    std::vector<network> allow;
    std::vector<network> deny;
    /// Permit every address (no guard). For trusted, operator-configured URLs only.
    bool allow_all = false;

    bool permits(const boost::asio::ip::address& a) const noexcept {
        for (const auto& n : deny)
            if (n.contains(a))
                return false;
        if (allow_all || is_global(a))
            return true;
        for (const auto& n : allow)
            if (n.contains(a))
                return true;
        return false;
    }

    /// Global addresses and loopback (`127.0.0.0/8`, `::1`): for tests and local receivers.
    static address_policy loopback_allowed() {
        address_policy p;
        p.allow.push_back(network::parse("127.0.0.0/8"));
        p.allow.push_back(network::parse("::1/128"));
        return p;
    }
};

/// A webhook URL split into what a connection needs.
struct url_parts {
    bool tls = false;
    /// The host as written, without IPv6 brackets.
    std::string host;
    std::uint16_t port = 80;
    /// Path and query, never empty (`/` at least); the fragment is dropped.
    std::string target;
    /// The `Host` header: the host as written (brackets kept) and the port when it is not the default.
    std::string host_header;
    /// Scheme, host and port: connections are pooled by this key.
    std::string origin;
    /// Set when `host` is an IP literal.
    std::optional<boost::asio::ip::address> literal;
};

/// Splits an absolute `http`/`https` URL (as `validate_url` accepts it). User information in the
/// URL is refused: send credentials as a header.
///
/// Errors: those of `validate_url`; `errc::invalid_url` for user information.
inline std::optional<url_parts> parse_url(std::string_view url, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!validate_url(url, ec, diag))
        return std::nullopt;
    url_parts out;
    std::size_t scheme_end = url.find("://");
    out.tls = scheme_end == 5;  // "https"; validate_url allowed only http and https
    out.port = out.tls ? 443 : 80;
    std::string_view rest = url.substr(scheme_end + 3);
    std::size_t auth_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, auth_end);
    std::string_view tail = auth_end == std::string_view::npos ? std::string_view() : rest.substr(auth_end);
    if (authority.find('@') != std::string_view::npos) {
        hookbox::detail::fail(ec, diag, errc::invalid_url, "url",
                     "url: user information (user:password@) is not supported; send an Authorization header");
        return std::nullopt;
    }
    std::string_view host = authority, port;
    if (authority.front() == '[') {
        std::size_t close = authority.find(']');
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size())
            port = authority.substr(close + 2);
    } else if (std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    out.host = std::string(host);
    for (auto& c : out.host)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (!port.empty()) {
        unsigned v = 0;
        for (char c : port)
            v = v * 10 + unsigned(c - '0');
        out.port = static_cast<std::uint16_t>(v);
    }
    boost::system::error_code aec;
    auto a = boost::asio::ip::make_address(out.host, aec);
    if (!aec)
        out.literal = a;
    tail = tail.substr(0, tail.find('#'));
    out.target = tail.empty() || tail.front() != '/' ? "/" + std::string(tail) : std::string(tail);
    bool default_port = out.port == (out.tls ? 443 : 80);
    std::string written_host = authority.front() == '[' ? "[" + out.host + "]" : out.host;
    out.host_header = default_port ? written_host : written_host + ":" + std::to_string(out.port);
    out.origin = std::string(out.tls ? "https://" : "http://") + written_host + ":" + std::to_string(out.port);
    return out;
}

/// Throwing overload of `parse_url`.
inline url_parts parse_url(std::string_view url) {
    error_code ec;
    diagnostics diag;
    auto u = parse_url(url, ec, diag);
    if (!u)
        throw error_with_diagnostics(ec, std::move(diag));
    return std::move(*u);
}

}  // namespace hookbox::http

#endif  // HOOKBOX_HTTP_SSRF_GUARD_HPP
