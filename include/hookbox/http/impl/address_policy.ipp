//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_ADDRESS_POLICY_IPP
#define HOOKBOX_HTTP_IMPL_ADDRESS_POLICY_IPP

#include <hookbox/http/address_policy.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace hookbox::http {

std::optional<network> network::parse(std::string_view text, error_code& ec, diagnostics& diag) {
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

network network::parse(std::string_view text) {
    error_code ec;
    diagnostics diag;
    auto n = parse(text, ec, diag);
    if (!n)
        throw error_with_diagnostics(ec, std::move(diag));
    return *n;
}

bool network::contains(const boost::asio::ip::address& a) const noexcept {
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

namespace detail {

// The blocks that are not globally reachable (IANA special-purpose registries), as text so that
// the table reads like the registry.
inline const std::vector<network>& special_purpose_blocks() {
    static const std::vector<network> blocks = [] {
        std::vector<network> v;
        for (std::string_view s :
             {"0.0.0.0/8",     "10.0.0.0/8",      "100.64.0.0/10",  "127.0.0.0/8",    "169.254.0.0/16",
              "172.16.0.0/12", "192.0.0.0/24",    "192.0.2.0/24",   "192.88.99.0/24", "192.168.0.0/16",
              "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",    "240.0.0.0/4",
              "::/128",        "::1/128",         "64:ff9b::/96",   "64:ff9b:1::/48", "100::/64",
              "2001::/23",     "2001:db8::/32",   "2002::/16",      "3fff::/20",      "5f00::/16",
              "fc00::/7",      "fe80::/10",       "fec0::/10",      "ff00::/8"})
            v.push_back(network::parse(s));
        return v;
    }();
    return blocks;
}

}  // namespace detail

bool is_global(const boost::asio::ip::address& a) noexcept {
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

bool address_policy::permits(const boost::asio::ip::address& a) const noexcept {
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

address_policy address_policy::loopback_allowed() {
    address_policy p;
    p.allow.push_back(network::parse("127.0.0.0/8"));
    p.allow.push_back(network::parse("::1/128"));
    return p;
}

std::optional<url_parts> parse_url(std::string_view url, error_code& ec, diagnostics& diag) {
    ec.clear();
    auto fields = hookbox::detail::parse_url(url, ec, diag);
    if (!fields)
        return std::nullopt;
    url_parts out;
    out.tls = fields->tls;
    out.port = fields->port;
    out.host.assign(fields->host);
    for (auto& c : out.host)
        c = hookbox::detail::ascii_lower(c);
    boost::system::error_code aec;
    auto a = boost::asio::ip::make_address(out.host, aec);
    if (!aec)
        out.literal = a;
    std::string_view target = fields->target;
    out.target = target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    std::string written_host = fields->bracketed ? "[" + out.host + "]" : out.host;
    bool default_port = out.port == (out.tls ? 443 : 80);
    out.host_header = default_port ? written_host : written_host + ":" + std::to_string(out.port);
    out.origin =
        std::string(out.tls ? "https://" : "http://") + written_host + ":" + std::to_string(out.port);
    return out;
}

url_parts parse_url(std::string_view url) {
    error_code ec;
    diagnostics diag;
    auto u = parse_url(url, ec, diag);
    if (!u)
        throw error_with_diagnostics(ec, std::move(diag));
    return std::move(*u);
}

}  // namespace hookbox::http

#endif  // HOOKBOX_HTTP_IMPL_ADDRESS_POLICY_IPP
