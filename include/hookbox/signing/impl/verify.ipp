//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SIGNING_IMPL_VERIFY_IPP
#define HOOKBOX_SIGNING_IMPL_VERIFY_IPP

#include <hookbox/signing/verify.hpp>

#include <openssl/crypto.h>

#include <charconv>
#include <string>
#include <vector>

namespace hookbox::signing {

namespace detail {

const std::string* find_header(std::span<const header> headers, std::string_view name) noexcept {
    for (const header& h : headers)
        if (iequals_ascii(h.name, name))
            return &h.value;
    return nullptr;
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) noexcept {
    if (text.empty())
        return std::nullopt;
    for (char c : text)
        if (c < '0' || c > '9')
            return std::nullopt;
    std::int64_t v = 0;
    auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (err != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return v;
}

verify_result outcome(diagnostics& diag, verify_result r, std::string_view field, std::string rule) {
    diag.assign(std::string(field), std::string(field) + ": " + std::move(rule));
    return r;
}

}  // namespace detail

verify_result verify(std::span<const header> headers,
                     std::string_view body,
                     std::span<const secret> secrets,
                     std::int64_t now_unix_seconds,
                     std::chrono::seconds tolerance,
                     error_code& ec,
                     diagnostics& diag) {
    detail::clear(ec, diag);
    if (secrets.empty()) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "secrets", "secrets: pass at least one key");
        return verify_result::bad_secret;
    }
    for (std::size_t i = 0; i < secrets.size(); ++i) {
        if (secrets[i].empty() || secrets[i].kind() == secret_kind::raw) {
            std::string f = "secrets[" + std::to_string(i) + "]";
            hookbox::detail::fail(ec, diag, errc::invalid_argument, f,
                                  f + (secrets[i].empty()
                                           ? ": is empty"
                                           : ": a raw secret cannot verify Standard Webhooks; parse "
                                             "it with secret::parse"));
            return verify_result::bad_secret;
        }
    }
    if (tolerance.count() < 0) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "tolerance",
                              "tolerance: must not be negative");
        return verify_result::bad_secret;
    }

    const std::string* id = detail::find_header(headers, header_names::webhook_id);
    const std::string* ts_text = detail::find_header(headers, header_names::webhook_timestamp);
    const std::string* sig = detail::find_header(headers, header_names::webhook_signature);
    for (auto [value, name] :
         {std::pair{id, header_names::webhook_id}, std::pair{ts_text, header_names::webhook_timestamp},
          std::pair{sig, header_names::webhook_signature}})
        if (!value)
            return detail::outcome(diag, verify_result::missing_header, name, "the header is missing");

    auto ts = detail::parse_unix_seconds(*ts_text);
    if (!ts)
        return detail::outcome(diag, verify_result::bad_timestamp, header_names::webhook_timestamp,
                               "must be a non-negative integer number of Unix seconds");
    // Unsigned subtraction of the smaller from the larger is exact for any two int64 values.
    std::uint64_t skew = *ts >= now_unix_seconds
                             ? static_cast<std::uint64_t>(*ts) - static_cast<std::uint64_t>(now_unix_seconds)
                             : static_cast<std::uint64_t>(now_unix_seconds) - static_cast<std::uint64_t>(*ts);
    if (skew > static_cast<std::uint64_t>(tolerance.count()))
        return detail::outcome(
            diag, verify_result::timestamp_out_of_tolerance, header_names::webhook_timestamp,
            "is " + std::to_string(skew) + " seconds " + (*ts > now_unix_seconds ? "ahead" : "behind") +
                "; the tolerance is " + std::to_string(tolerance.count()) + " seconds");

    std::string content = detail::signed_content(*id, *ts, body);
    std::vector<std::string> expected_v1;
    for (const secret& k : secrets) {
        if (k.kind() != secret_kind::symmetric)
            continue;
        unsigned char mac[32];
        if (!detail::hmac_sha256(k.bytes(), content, mac)) {
            detail::crypto_fail(ec, diag, "secrets", "HMAC-SHA256");
            return verify_result::bad_secret;
        }
        expected_v1.push_back(
            hookbox::detail::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac)));
        OPENSSL_cleanse(mac, sizeof mac);
    }

    std::string_view rest = *sig;
    while (!rest.empty()) {
        std::size_t space = rest.find(' ');
        std::string_view entry = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        std::size_t comma = entry.find(',');
        if (comma == std::string_view::npos)
            continue;
        std::string_view version = entry.substr(0, comma);
        std::string_view value = entry.substr(comma + 1);
        if (value.empty())
            continue;
        if (version == "v1") {
            for (const std::string& e : expected_v1)
                if (detail::constant_time_equal(value, e))
                    return verify_result::ok;
        } else if (version == "v1a") {
            auto raw = hookbox::detail::base64_decode(value);
            if (!raw || raw->size() != ed25519_signature_size)
                continue;
            for (const secret& k : secrets)
                if (!k.public_key().empty() && detail::ed25519_verify(k.public_key(), content, *raw))
                    return verify_result::ok;
        }
    }
    return detail::outcome(diag, verify_result::no_matching_signature, header_names::webhook_signature,
                           "no v1 or v1a signature matches any of the keys");
}

verify_result verify_objectstack(std::span<const header> headers,
                                 std::string_view body,
                                 const secret& key,
                                 error_code& ec,
                                 diagnostics& diag) {
    detail::clear(ec, diag);
    if (!detail::check_key(key, secret_kind::raw, "key", ec, diag))
        return verify_result::bad_secret;
    const std::string* got = detail::find_header(headers, header_names::objectstack_signature);
    if (!got)
        return detail::outcome(diag, verify_result::missing_header, header_names::objectstack_signature,
                               "the header is missing");
    std::string expected;
    if (!detail::objectstack_value(key, body, expected)) {
        detail::crypto_fail(ec, diag, "key", "HMAC-SHA256");
        return verify_result::bad_secret;
    }
    if (detail::constant_time_equal(*got, expected))
        return verify_result::ok;
    return detail::outcome(diag, verify_result::no_matching_signature, header_names::objectstack_signature,
                           "does not match sha256=<hex HMAC-SHA256 of the body>");
}

}  // namespace hookbox::signing

#endif  // HOOKBOX_SIGNING_IMPL_VERIFY_IPP
