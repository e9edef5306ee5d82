//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_ADDRESS_POLICY_HPP
#define HOOKBOX_HTTP_ADDRESS_POLICY_HPP

/// \file
/// Which addresses a sender may connect to. A webhook URL is chosen by whoever registers the
/// webhook, so a sender that connected wherever a name resolves could be pointed at the database
/// next door or at a cloud metadata service. `beast_sender` resolves the host, keeps only the
/// addresses `address_policy::permits`, and connects to one of those (never resolving again), so
/// a name that changes its answer between the check and the connect gains nothing.
///
/// Also here: `parse_url`, which splits a webhook URL into what a connection needs. It parses the
/// URL as `validate_url` checks it at enqueue (the same function, on Boost.URL), so a URL the
/// outbox accepted is read the same way when it is sent.

#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::http {

/// An address block such as `10.0.0.0/8` or `fd00::/8`.
struct network {
    boost::asio::ip::address address{};
    unsigned prefix = 0;

    /// Parses `<address>/<prefix>` (or a bare address, meaning that one address).
    ///
    /// Errors: `errc::invalid_argument`, field `network`.
    HOOKBOX_DECL static std::optional<network>
    parse(std::string_view text, error_code& ec, diagnostics& diag);

    /// Throwing overload of `parse`.
    HOOKBOX_DECL static network parse(std::string_view text);

    /// True when `a` is inside this block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    HOOKBOX_DECL bool contains(const boost::asio::ip::address& a) const noexcept;
};

/// True when `a` is globally routable: not loopback, private, link-local, shared, documentation,
/// benchmarking, multicast, reserved or otherwise special-purpose (IPv4-mapped addresses are
/// judged as IPv4; of IPv6, only `2000::/3` outside the special blocks is global).
HOOKBOX_DECL bool is_global(const boost::asio::ip::address& a) noexcept;

/// Which resolved addresses a sender may connect to: globally routable ones, plus the blocks in
/// `allow` (for example `127.0.0.0/8` for tests, or a private network the webhooks legitimately
/// live on), minus the blocks in `deny` (which win over both).
struct address_policy {
    std::vector<network> allow{};
    std::vector<network> deny{};
    /// Permit every address (no guard). For trusted, operator-configured URLs only.
    bool allow_all = false;

    /// True when a connection to `a` is allowed.
    HOOKBOX_DECL bool permits(const boost::asio::ip::address& a) const noexcept;

    /// Global addresses and loopback (`127.0.0.0/8`, `::1`): for tests and local receivers.
    HOOKBOX_DECL static address_policy loopback_allowed();
};

/// A webhook URL split into what a connection needs.
struct url_parts {
    bool tls = false;
    /// The host as written, lower-cased, without IPv6 brackets.
    std::string host{};
    std::uint16_t port = 80;
    /// Path and query, never empty (`/` at least); the fragment is dropped.
    std::string target{};
    /// The `Host` header: the host (brackets kept) and the port when it is not the default.
    std::string host_header{};
    /// Scheme, host and port: connections are pooled by this key.
    std::string origin{};
    /// Set when `host` is an IP literal.
    std::optional<boost::asio::ip::address> literal{};
};

/// Splits an absolute `http`/`https` URL, as `validate_url` accepts it. User information in the
/// URL is refused, as at enqueue (a row stored before that rule, or by another writer, may hold it):
/// send credentials as a header.
///
/// Errors: those of `validate_url` (`errc::invalid_url` for user information). The field is `url`.
HOOKBOX_DECL std::optional<url_parts> parse_url(std::string_view url, error_code& ec, diagnostics& diag);

/// Throwing overload of `parse_url`.
HOOKBOX_DECL url_parts parse_url(std::string_view url);

}  // namespace hookbox::http

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/address_policy.ipp>
#endif

#endif  // HOOKBOX_HTTP_ADDRESS_POLICY_HPP
