//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_REQUEST_HPP
#define HOOKBOX_DISPATCH_REQUEST_HPP

/// \file
/// Sans-io: the HTTP request for one attempt of a delivery, signed under the delivery's scheme.
///
/// The delivery's `secret` text is read according to the scheme:
///
/// | scheme | `secret` | headers, in order |
/// |---|---|---|
/// | `standard_webhooks` | empty (unsigned), or one or more `whsec_`/`whsk_` keys separated by spaces (rotation: each produces a signature) | `Content-Type`, custom headers, `webhook-id`, `webhook-timestamp`, `webhook-signature` |
/// | `objectstack` | empty, or the key's bytes as they are | `Content-Type`, `X-Objectstack-Event`, `-Delivery`, `-Attempt`, custom headers, `X-Objectstack-Signature` |
/// | `none` | ignored | `Content-Type`, custom headers |
///
/// A later header replaces an earlier one of the same name, so a custom header can override
/// `Content-Type` (and, under `objectstack`, the event, delivery and attempt headers, as the
/// ObjectStack outbox allows), but never a signature. The Standard Webhooks headers come last so
/// that a custom header cannot forge them.
///
/// A delivery enqueued with a `traceparent` sends, under every scheme, one `traceparent` header
/// last: version `00`, the delivery's trace id and flags, and a new random span id for each
/// attempt (the attempt is a child span of the one that enqueued it). It replaces a custom header
/// of that name, which is sent as given only by a delivery without a `traceparent`.

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/validate.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hookbox {

/// The keys of a delivery's `secret` text under scheme `s` (see the table above): none for an empty
/// text or the `none` scheme.
///
/// Errors: `errc::invalid_argument` naming `secret` (a key that does not parse; the message never
/// quotes it).
inline std::vector<signing::secret> parse_secrets(std::string_view text, signing::scheme s, error_code& ec,
                                                  diagnostics& diag) {
    ec.clear();
    std::vector<signing::secret> keys;
    if (text.empty() || s == signing::scheme::none)
        return keys;
    if (s == signing::scheme::objectstack) {
        keys.push_back(signing::secret::raw(text, ec, diag));
        return keys;
    }
    std::string_view rest = text;
    while (!rest.empty() && !ec) {
        std::size_t sp = rest.find(' ');
        std::string_view one = rest.substr(0, sp);
        if (!one.empty())
            keys.push_back(signing::secret::parse(one, ec, diag));
        rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    }
    return keys;
}

namespace detail {

// The keys of secret texts, parsed once per distinct text and scheme (most deliveries of a webhook
// share one) and kept in a bounded cache.
class secret_cache {
public:
    // The keys of `text` under `s` (see `parse_secrets`); null with `ec` set when the text does not
    // parse. The pointer is good until the next call.
    const std::vector<signing::secret>* keys_for(const std::string& text, signing::scheme s, error_code& ec,
                                                 diagnostics& diag) {
        static const std::vector<signing::secret> none;
        ec.clear();
        if (text.empty() || s == signing::scheme::none)
            return &none;
        auto& cache = cache_[s == signing::scheme::objectstack ? 1 : 0];
        if (auto it = cache.find(text); it != cache.end())
            return &it->second;
        auto keys = parse_secrets(text, s, ec, diag);
        if (ec)
            return nullptr;
        if (cache.size() >= 1024)
            cache.clear();
        return &cache.emplace(text, std::move(keys)).first->second;
    }

private:
    std::array<std::unordered_map<std::string, std::vector<signing::secret>>, 2> cache_;
};

}  // namespace detail

/// A new span id: 16 lowercase hex digits, not all zeros, from 64 random bits of the generator
/// behind `delivery_id::generate` (seeded per thread from the system's entropy).
inline std::string new_span_id() {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (;;) {
        // A UUID v4 keeps its version and variant in bytes 6 and 8: the span takes the others.
        const auto b = delivery_id::generate().bytes();
        static constexpr std::array<std::size_t, 8> random_bytes{0, 1, 2, 3, 4, 5, 9, 10};
        bool zero = true;
        for (std::size_t i = 0; i < random_bytes.size(); ++i) {
            const unsigned char x = b[random_bytes[i]];
            zero = zero && x == 0;
            out[2 * i] = digits[x >> 4];
            out[2 * i + 1] = digits[x & 0xF];
        }
        if (!zero)
            return out;
    }
}

/// The `traceparent` of a child span of `parent` (a value `validate_traceparent` accepts): version
/// `00`, `parent`'s trace id and flags, and `span_id` (16 lowercase hex digits, not all zeros).
inline std::string child_traceparent(std::string_view parent, std::string_view span_id) {
    std::string out;
    out.reserve(55);
    out.append("00-").append(parent.substr(3, 32)).append("-").append(span_id).append("-").append(parent.substr(53, 2));
    return out;
}

/// The value of the last `traceparent` header of `r` (names compare case-insensitively), which is
/// the one a sender sends; `std::nullopt` when it has none.
inline std::optional<std::string> traceparent_of(const outgoing_request& r) {
    for (auto it = r.headers.rbegin(); it != r.headers.rend(); ++it)
        if (detail::iequals(it->name, "traceparent"))
            return it->value;
    return std::nullopt;
}

/// Builds the request for the next attempt of `d` (attempt number `d.attempts + 1`), made at
/// `unix_seconds`, signed under `s` with `keys` (what `parse_secrets` made of `d.secret`).
/// `default_timeout` applies when the delivery has none.
///
/// Errors: `errc::invalid_argument` naming a key of the wrong kind for the scheme, or the signer's
/// field. Such a delivery can never be sent; the dispatcher marks it dead with the message.
inline outgoing_request build_request(const delivery& d, signing::scheme s, std::span<const signing::secret> keys,
                                      std::int64_t unix_seconds, std::chrono::milliseconds default_timeout,
                                      error_code& ec, diagnostics& diag) {
    ec.clear();
    outgoing_request r;
    r.url = d.url;
    r.method = d.method.empty() ? std::string("POST") : d.method;
    r.body = d.payload;
    r.timeout = d.timeout.value_or(default_timeout);

    signing::message msg;
    char id[36];
    d.id.write(id);
    msg.id = std::string_view(id, sizeof id);
    msg.timestamp = unix_seconds;
    msg.body = d.payload.body();
    msg.event_type = d.event_type;
    msg.attempt = d.attempts + 1;
    auto sig = signing::signature_headers(s, keys, msg, ec, diag);
    if (ec)
        return r;

    r.headers.reserve(d.headers.size() + sig.size() + 2);
    r.headers.push_back({"Content-Type", "application/json"});
    if (s == signing::scheme::objectstack) {
        // The ObjectStack outbox's order: the identifying headers, then the custom ones (which may
        // override them), then the signature (which nothing overrides).
        bool signed_ = sig.size() == 4;
        for (std::size_t i = 0; i < 3 && i < sig.size(); ++i)
            r.headers.push_back(std::move(sig[i]));
        r.headers.insert(r.headers.end(), d.headers.begin(), d.headers.end());
        if (signed_)
            r.headers.push_back(std::move(sig[3]));
    } else {
        r.headers.insert(r.headers.end(), d.headers.begin(), d.headers.end());
        for (auto& h : sig)
            r.headers.push_back(std::move(h));
    }
    if (d.traceparent) {
        std::erase_if(r.headers, [](const header& h) { return detail::iequals(h.name, "traceparent"); });
        r.headers.push_back({"traceparent", child_traceparent(*d.traceparent, new_span_id())});
    }
    return r;
}

/// Builds the request for the next attempt of `d`, parsing `d.secret` under `s` first (see
/// `parse_secrets`).
///
/// Errors: those of `parse_secrets` and of the other overload.
inline outgoing_request build_request(const delivery& d, signing::scheme s, std::int64_t unix_seconds,
                                      std::chrono::milliseconds default_timeout, error_code& ec,
                                      diagnostics& diag) {
    auto keys = parse_secrets(d.secret, s, ec, diag);
    if (ec)
        return {};
    return build_request(d, s, keys, unix_seconds, default_timeout, ec, diag);
}

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_REQUEST_HPP
