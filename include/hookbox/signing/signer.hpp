//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SIGNING_SIGNER_HPP
#define HOOKBOX_SIGNING_SIGNER_HPP

/// \file
/// Request signing, without I/O: the caller passes the body, the message id and the time, and gets
/// back the header values to send. Two schemes:
///
/// - **Standard Webhooks** (https://www.standardwebhooks.com): the signed content is
///   `{webhook-id}.{webhook-timestamp}.{body}`; `v1,` + base64(HMAC-SHA256(key, content)) for
///   symmetric `whsec_` secrets and `v1a,` + base64(Ed25519 signature) for `whsk_` secret keys.
///   Several secrets (key rotation) give several space-separated signatures in one
///   `webhook-signature` header.
/// - **ObjectStack-compatible**: `X-Objectstack-Signature: sha256=<lowercase hex
///   HMAC-SHA256(secret, body)>`, the secret used as raw bytes, with no timestamp.
///
/// Needs OpenSSL 3's libcrypto (link `hookbox::signing`). Secrets are wiped from memory when a
/// `secret` is destroyed or overwritten, and never appear in diagnostics or printed output.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/base64.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <openssl/crypto.h>
#include <openssl/types.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox::signing {

/// How requests are signed.
enum class scheme : unsigned char {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    standard_webhooks,
    /// The ObjectStack outbox's format: `X-Objectstack-Event`, `X-Objectstack-Delivery`,
    /// `X-Objectstack-Attempt` and, when signed, `X-Objectstack-Signature`.
    objectstack,
    /// No signature and no scheme headers.
    none,
};

/// `standard_webhooks`, `objectstack` or `none`.
constexpr std::string_view to_string(scheme s) noexcept {
    switch (s) {
    case scheme::standard_webhooks:
        return "standard_webhooks";
    case scheme::objectstack:
        return "objectstack";
    case scheme::none:
        return "none";
    }
    return "unknown";
}

/// The header names this library produces and reads. Receivers must match them case-insensitively.
namespace header_names {
inline constexpr std::string_view webhook_id = "webhook-id";
inline constexpr std::string_view webhook_timestamp = "webhook-timestamp";
inline constexpr std::string_view webhook_signature = "webhook-signature";
inline constexpr std::string_view objectstack_event = "X-Objectstack-Event";
inline constexpr std::string_view objectstack_delivery = "X-Objectstack-Delivery";
inline constexpr std::string_view objectstack_attempt = "X-Objectstack-Attempt";
inline constexpr std::string_view objectstack_signature = "X-Objectstack-Signature";
}  // namespace header_names

/// What a `secret` holds.
enum class secret_kind : unsigned char {
    /// A Standard Webhooks HMAC key (`whsec_...`): signs and verifies `v1`.
    symmetric,
    /// A Standard Webhooks Ed25519 secret key (`whsk_...`, 32-byte seed then 32-byte public key):
    /// signs `v1a`, and verifies it with its public half.
    ed25519_private,
    /// A Standard Webhooks Ed25519 public key (`whpk_...`): verifies `v1a` only.
    ed25519_public,
    /// Bytes used as they are: the ObjectStack scheme's HMAC key.
    raw,
};

/// `symmetric`, `ed25519_private`, `ed25519_public` or `raw`.
constexpr std::string_view to_string(secret_kind k) noexcept {
    switch (k) {
    case secret_kind::symmetric:
        return "symmetric";
    case secret_kind::ed25519_private:
        return "ed25519_private";
    case secret_kind::ed25519_public:
        return "ed25519_public";
    case secret_kind::raw:
        return "raw";
    }
    return "unknown";
}

/// Sizes of the Ed25519 keys and signatures.
inline constexpr std::size_t ed25519_seed_size = 32;
inline constexpr std::size_t ed25519_public_key_size = 32;
inline constexpr std::size_t ed25519_signature_size = 64;

namespace detail {

inline const unsigned char* bytes_of(std::string_view s) noexcept {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// Wipes a string holding key material before it is released.
struct string_wiper {
    std::string& s;
    ~string_wiper() {
        if (!s.empty())
            OPENSSL_cleanse(s.data(), s.size());
    }
};

// HMAC-SHA256 on this thread: the algorithm is fetched once, and one context keeps the most recent
// key, re-initialised with it while the key stays the same (most deliveries of a run share a
// secret) and re-keyed otherwise. The key copy is wiped when it changes and at thread exit.
class hmac_engine {
public:
    HOOKBOX_DECL static hmac_engine& local() noexcept;

    hmac_engine(const hmac_engine&) = delete;
    hmac_engine& operator=(const hmac_engine&) = delete;

    HOOKBOX_DECL ~hmac_engine();

    // HMAC-SHA256(key, the concatenation of parts) into out. False only if libcrypto fails.
    HOOKBOX_DECL bool
    compute(std::string_view key, std::span<const std::string_view> parts, unsigned char (&out)[32]) noexcept;

private:
    hmac_engine() = default;

    // Starts over with a fresh context (after an error its state is unknown).
    HOOKBOX_DECL bool fail() noexcept;
    HOOKBOX_DECL void forget() noexcept;

    EVP_MAC* mac_ = nullptr;
    EVP_MAC_CTX* ctx_ = nullptr;
    std::string key_;
    bool keyed_ = false;
};

// HMAC-SHA256(key, msg) into out. False only if libcrypto fails.
HOOKBOX_DECL bool hmac_sha256(std::string_view key, std::string_view msg, unsigned char (&out)[32]) noexcept;

// The public key of an Ed25519 seed. False only if libcrypto fails.
HOOKBOX_DECL bool ed25519_public_from_seed(std::string_view seed,
                                           unsigned char (&out)[ed25519_public_key_size]) noexcept;

// The Ed25519 signature of msg under seed. False only if libcrypto fails.
HOOKBOX_DECL bool ed25519_sign(std::string_view seed,
                               std::string_view msg,
                               unsigned char (&sig)[ed25519_signature_size]) noexcept;

// True when sig is a valid Ed25519 signature of msg under the public key pub.
HOOKBOX_DECL bool ed25519_verify(std::string_view pub, std::string_view msg, std::string_view sig) noexcept;

// Equality of two strings whose contents are secret-dependent, in time independent of where they
// differ. Their lengths are not secret.
inline bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

HOOKBOX_DECL void append_hex(const unsigned char* p, std::size_t n, std::string& out);

// `{id}.{ts}.{body}`: the bytes Standard Webhooks signs.
HOOKBOX_DECL std::string
signed_content(std::string_view msg_id, std::int64_t unix_seconds, std::string_view body);

HOOKBOX_DECL bool crypto_fail(error_code& ec, diagnostics& diag, std::string field, std::string_view what);

// A header value must not contain CR, LF, NUL or another control character.
HOOKBOX_DECL bool
check_header_text(std::string_view field, std::string_view value, error_code& ec, diagnostics& diag);

HOOKBOX_DECL bool check_timestamp(std::int64_t unix_seconds, error_code& ec, diagnostics& diag);

inline void clear(error_code& ec, diagnostics& diag) noexcept {
    ec.clear();
    diag.clear();
}

}  // namespace detail

/// A signing or verification key. Parse Standard Webhooks keys with `secret::parse` and wrap an
/// ObjectStack secret with `secret::raw`. A value type: copies hold their own bytes; every copy
/// wipes its bytes when destroyed or overwritten. A default-constructed `secret` is empty and is
/// refused by every operation.
///
/// Printing a secret shows its kind and size only; parsing errors never quote the text.
class secret {
public:
    secret() = default;
    secret(const secret&) = default;
    secret(secret&&) noexcept = default;
    secret& operator=(const secret& other) {
        if (this != &other) {
            wipe();
            bytes_ = other.bytes_;
            kind_ = other.kind_;
        }
        return *this;
    }
    secret& operator=(secret&& other) noexcept {
        if (this != &other) {
            wipe();
            bytes_ = std::move(other.bytes_);
            kind_ = other.kind_;
        }
        return *this;
    }
    ~secret() { wipe(); }

    /// Parses a Standard Webhooks key:
    ///
    /// - `whsec_<base64>` or plain `<base64>`: a symmetric HMAC key;
    /// - `whsk_<base64 of 64 bytes>`: an Ed25519 secret key, the 32-byte seed then the 32-byte
    ///   public key (which must be the seed's);
    /// - `whpk_<base64 of 32 bytes>`: an Ed25519 public key.
    ///
    /// The base64 uses the standard alphabet, with or without `=` padding. The decoded key must not
    /// be empty.
    ///
    /// Errors: `errc::invalid_argument` (field `secret`); the message never contains the text.
    HOOKBOX_DECL static secret parse(std::string_view text, error_code& ec, diagnostics& diag);

    /// Parses a Standard Webhooks key; throws `error_with_diagnostics` where the other overload
    /// reports an error.
    static secret parse(std::string_view text) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return parse(text, ec, diag); });
    }

    /// Wraps bytes used as they are (the ObjectStack scheme's secret: the text's UTF-8 bytes, no
    /// decoding, so `whsec_test` is the 10-byte key `whsec_test`).
    ///
    /// Errors: `errc::invalid_argument` (field `secret`) when `bytes` is empty.
    HOOKBOX_DECL static secret raw(std::string_view bytes, error_code& ec, diagnostics& diag);

    /// Wraps raw bytes; throws `error_with_diagnostics` when `bytes` is empty.
    static secret raw(std::string_view bytes) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return raw(bytes, ec, diag); });
    }

    /// What the secret holds. Meaningless when `empty()`.
    secret_kind kind() const noexcept { return kind_; }

    /// True for a default-constructed or moved-from secret.
    bool empty() const noexcept { return bytes_.empty(); }

    /// The key bytes, decoded: the HMAC key, the 64 bytes of an Ed25519 secret key, the 32 bytes of
    /// a public key, or the raw bytes.
    std::string_view bytes() const noexcept { return {bytes_.data(), bytes_.size()}; }

    /// The Ed25519 public key (32 bytes) of an `ed25519_private` or `ed25519_public` secret; empty
    /// for the other kinds.
    std::string_view public_key() const noexcept {
        if (kind_ == secret_kind::ed25519_private &&
            bytes_.size() == ed25519_seed_size + ed25519_public_key_size)
            return bytes().substr(ed25519_seed_size);
        if (kind_ == secret_kind::ed25519_public)
            return bytes();
        return {};
    }

    /// Same kind and same bytes, compared in constant time for equal sizes.
    friend bool operator==(const secret& a, const secret& b) noexcept {
        return a.kind_ == b.kind_ && detail::constant_time_equal(a.bytes(), b.bytes());
    }

    /// Prints `secret(<kind>, <n> bytes)`: never the key.
    friend std::ostream& operator<<(std::ostream& os, const secret& s) {
        if (s.empty())
            return os << "secret(empty)";
        return os << "secret(" << to_string(s.kind_) << ", " << s.bytes_.size() << " bytes)";
    }

private:
    void wipe() noexcept {
        if (!bytes_.empty())
            OPENSSL_cleanse(bytes_.data(), bytes_.size());
        bytes_.clear();
    }

    // A vector, not a string: moving it hands over the buffer instead of copying a short key out of
    // a small-string buffer that would then not be wiped.
    std::vector<char> bytes_;
    secret_kind kind_ = secret_kind::symmetric;
};

namespace detail {

HOOKBOX_DECL bool
check_key(const secret& key, secret_kind want, std::string_view field, error_code& ec, diagnostics& diag);

// `v1,<base64 HMAC>` of `{msg_id}.{unix_seconds}.{body}`, appended to out, without copying the body.
HOOKBOX_DECL bool append_v1(const secret& key,
                            std::string_view msg_id,
                            std::int64_t unix_seconds,
                            std::string_view body,
                            std::string& out);

// `v1a,<base64 Ed25519 signature>` of content, appended to out.
HOOKBOX_DECL bool append_v1a(const secret& key, std::string_view content, std::string& out);

// `sha256=<lowercase hex HMAC>` of body.
HOOKBOX_DECL bool objectstack_value(const secret& key, std::string_view body, std::string& out);

}  // namespace detail

/// The Standard Webhooks `v1` signature: `v1,` + base64(HMAC-SHA256(key,
/// `{msg_id}.{unix_seconds}.{body}`)). `key` must be a `symmetric` secret.
///
/// Errors: `errc::invalid_argument` (field `key`, `msg_id` or `timestamp`): an empty or
/// non-symmetric key, an empty `msg_id` or one with control characters, a negative timestamp.
HOOKBOX_DECL std::string sign_v1(const secret& key,
                                 std::string_view msg_id,
                                 std::int64_t unix_seconds,
                                 std::string_view body,
                                 error_code& ec,
                                 diagnostics& diag);

/// `sign_v1`; throws `error_with_diagnostics` where the other overload reports an error.
inline std::string
sign_v1(const secret& key, std::string_view msg_id, std::int64_t unix_seconds, std::string_view body) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) {
        return sign_v1(key, msg_id, unix_seconds, body, ec, diag);
    });
}

/// The Standard Webhooks `v1a` signature: `v1a,` + base64(Ed25519 signature of
/// `{msg_id}.{unix_seconds}.{body}`). `key` must be an `ed25519_private` secret (`whsk_`).
///
/// Errors: as `sign_v1`.
HOOKBOX_DECL std::string sign_v1a(const secret& key,
                                  std::string_view msg_id,
                                  std::int64_t unix_seconds,
                                  std::string_view body,
                                  error_code& ec,
                                  diagnostics& diag);

/// `sign_v1a`; throws `error_with_diagnostics` where the other overload reports an error.
inline std::string
sign_v1a(const secret& key, std::string_view msg_id, std::int64_t unix_seconds, std::string_view body) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) {
        return sign_v1a(key, msg_id, unix_seconds, body, ec, diag);
    });
}

/// The ObjectStack signature header value: `sha256=` + lowercase hex HMAC-SHA256(key, body). `key`
/// must be a `raw` secret (`secret::raw`).
///
/// Errors: `errc::invalid_argument` (field `key`) for an empty or non-raw key.
HOOKBOX_DECL std::string
objectstack_signature(const secret& key, std::string_view body, error_code& ec, diagnostics& diag);

/// `objectstack_signature`; throws `error_with_diagnostics` where the other overload reports an error.
inline std::string objectstack_signature(const secret& key, std::string_view body) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return objectstack_signature(key, body, ec, diag); });
}

/// One delivery attempt, as the signer sees it. Views: the caller keeps the strings alive for the
/// call.
struct message {
    /// `webhook-id` / `X-Objectstack-Delivery`: the delivery id, the same on every attempt so that
    /// receivers can deduplicate. Required; no control characters.
    std::string_view id{};
    /// `webhook-timestamp`: when this attempt is made, in Unix seconds; not negative. Unused by the
    /// ObjectStack scheme.
    std::int64_t timestamp = 0;
    /// The exact body bytes that will be sent.
    std::string_view body{};
    /// `X-Objectstack-Event`. Required by the ObjectStack scheme; unused by Standard Webhooks.
    std::string_view event_type{};
    /// `X-Objectstack-Attempt`: the number of the attempt being made, from 1. Unused by Standard
    /// Webhooks.
    int attempt = 1;
};

/// The headers that identify and sign `msg` under `s`, in this order:
///
/// - `standard_webhooks`: `webhook-id`, `webhook-timestamp` and, when `secrets` is not empty,
///   `webhook-signature` with one space-separated `v1,`/`v1a,` entry per secret, in the order
///   given (rotation: sign with the old and the new key until every receiver has the new one).
///   Secrets must be `symmetric` or `ed25519_private`.
/// - `objectstack`: `X-Objectstack-Event`, `X-Objectstack-Delivery`, `X-Objectstack-Attempt` and,
///   when `secrets` holds one (`raw`) secret, `X-Objectstack-Signature`. The ObjectStack
///   outbox sets the first three before the custom headers (which may override them) and the
///   signature after them (which overrides a custom header of the same name); the sender keeps
///   that order.
/// - `none`: no headers; `secrets` is ignored.
///
/// Errors: `errc::invalid_argument`, the field one of `id`, `timestamp`, `event_type`, `attempt`,
/// `secrets` (more than one for `objectstack`) or `secrets[i]` (empty or of the wrong kind).
HOOKBOX_DECL std::vector<header> signature_headers(
    scheme s, std::span<const secret> secrets, const message& msg, error_code& ec, diagnostics& diag);

/// `signature_headers`; throws `error_with_diagnostics` where the other overload reports an error.
inline std::vector<header> signature_headers(scheme s, std::span<const secret> secrets, const message& msg) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return signature_headers(s, secrets, msg, ec, diag); });
}

}  // namespace hookbox::signing

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/signing/impl/signer.ipp>
#endif

#endif  // HOOKBOX_SIGNING_SIGNER_HPP
