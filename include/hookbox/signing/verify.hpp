//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SIGNING_VERIFY_HPP
#define HOOKBOX_SIGNING_VERIFY_HPP

/// \file
/// Receiver-side checks of the signatures `signer.hpp` produces, without I/O: the caller passes
/// the received headers, the raw body and the current time. A failed check is a `verify_result`
/// naming the reason, not an error; errors are reserved for unusable keys or options.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/base64.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/signing/signer.hpp>

#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace hookbox::signing {

/// The outcome of a verification.
enum class verify_result : unsigned char {
    /// A signature matched one of the keys, and the timestamp is within the tolerance.
    ok,
    /// A required header is absent; the diagnostics name it.
    missing_header,
    /// `webhook-timestamp` is not a plain non-negative integer of Unix seconds.
    bad_timestamp,
    /// `webhook-timestamp` is further from now than the tolerance allows (a replay, or skewed clocks).
    timestamp_out_of_tolerance,
    /// No signature in the header matches any key (tampered body, wrong key, empty or truncated
    /// signature, or only unknown versions).
    no_matching_signature,
    /// The keys or options passed are unusable; the `error_code` is set.
    bad_secret,
};

/// `ok`, `missing_header`, `bad_timestamp`, `timestamp_out_of_tolerance`, `no_matching_signature`
/// or `bad_secret`.
constexpr std::string_view to_string(verify_result r) noexcept {
    switch (r) {
    case verify_result::ok:
        return "ok";
    case verify_result::missing_header:
        return "missing_header";
    case verify_result::bad_timestamp:
        return "bad_timestamp";
    case verify_result::timestamp_out_of_tolerance:
        return "timestamp_out_of_tolerance";
    case verify_result::no_matching_signature:
        return "no_matching_signature";
    case verify_result::bad_secret:
        return "bad_secret";
    }
    return "unknown";
}

/// The default timestamp tolerance, each way: five minutes, as in the Standard Webhooks libraries.
inline constexpr std::chrono::seconds default_tolerance{300};

namespace detail {

constexpr bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

// The value of the first header called `name` (ASCII case-insensitive).
HOOKBOX_DECL const std::string* find_header(std::span<const header> headers, std::string_view name) noexcept;

// A plain non-negative decimal integer: digits only, no sign, point, exponent or spaces.
HOOKBOX_DECL std::optional<std::int64_t> parse_unix_seconds(std::string_view text) noexcept;

HOOKBOX_DECL verify_result outcome(diagnostics& diag,
                                   verify_result r,
                                   std::string_view field,
                                   std::string rule);

}  // namespace detail

/// Verifies a Standard Webhooks request.
///
/// Requires the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers (names matched
/// case-insensitively; the first of duplicates counts). The timestamp must be a plain non-negative
/// integer and at most `tolerance` from `now_unix_seconds` either way. The signature header is a
/// space-separated list of `version,signature` entries; unknown versions are skipped; the request
/// passes when any `v1` entry equals the HMAC of a `symmetric` key, or any `v1a` entry is a valid
/// Ed25519 signature under an `ed25519_public` key (or the public half of an `ed25519_private`
/// key). Comparisons are constant-time.
///
/// `secrets` holds every key currently valid (during a rotation, the old and the new one). A
/// result other than `ok` is described in `diag` (its field names the header at fault); `ec` is set
/// only with `verify_result::bad_secret`: `errc::invalid_argument` with field `secrets` (none
/// given), `secrets[i]` (empty or `raw`) or `tolerance` (negative).
HOOKBOX_DECL verify_result verify(std::span<const header> headers,
                                  std::string_view body,
                                  std::span<const secret> secrets,
                                  std::int64_t now_unix_seconds,
                                  std::chrono::seconds tolerance,
                                  error_code& ec,
                                  diagnostics& diag);

/// `verify`; throws `error_with_diagnostics` where the other overload sets `ec` (unusable keys or
/// options). Verification failures are returned, not thrown.
inline verify_result verify(std::span<const header> headers,
                            std::string_view body,
                            std::span<const secret> secrets,
                            std::int64_t now_unix_seconds,
                            std::chrono::seconds tolerance = default_tolerance) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) {
        return verify(headers, body, secrets, now_unix_seconds, tolerance, ec, diag);
    });
}

/// Verifies an ObjectStack-signed request: `X-Objectstack-Signature` (name matched
/// case-insensitively) must equal `sha256=` + lowercase hex HMAC-SHA256(key, body), compared in
/// constant time. `key` must be a `raw` secret. There is no timestamp, so nothing limits replays.
///
/// Results: `ok`, `missing_header`, `no_matching_signature`, or `bad_secret` with `ec` set to
/// `errc::invalid_argument` (field `key`).
HOOKBOX_DECL verify_result verify_objectstack(std::span<const header> headers,
                                              std::string_view body,
                                              const secret& key,
                                              error_code& ec,
                                              diagnostics& diag);

/// `verify_objectstack`; throws `error_with_diagnostics` where the other overload sets `ec`.
inline verify_result
verify_objectstack(std::span<const header> headers, std::string_view body, const secret& key) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return verify_objectstack(headers, body, key, ec, diag); });
}

}  // namespace hookbox::signing

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/signing/impl/verify.ipp>
#endif

#endif  // HOOKBOX_SIGNING_VERIFY_HPP
