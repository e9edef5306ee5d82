//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SIGNING_IMPL_SIGNER_IPP
#define HOOKBOX_SIGNING_IMPL_SIGNER_IPP

#include <hookbox/signing/signer.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>
#include <memory>
#include <string>

namespace hookbox::signing {

namespace detail {

struct evp_pkey_deleter {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct evp_md_ctx_deleter {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_deleter>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, evp_md_ctx_deleter>;

// One engine per thread, so that no lock guards its context.
hmac_engine& hmac_engine::local() noexcept {
    thread_local hmac_engine engine;
    return engine;
}

hmac_engine::~hmac_engine() {
    forget();
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
}

bool hmac_engine::compute(std::string_view key,
                          std::span<const std::string_view> parts,
                          unsigned char (&out)[32]) noexcept {
    if (!mac_ && !(mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr)))
        return false;
    if (!ctx_ && !(ctx_ = EVP_MAC_CTX_new(mac_)))
        return false;
    bool same = keyed_ && key.size() == key_.size() &&
                (key.empty() || CRYPTO_memcmp(key.data(), key_.data(), key.size()) == 0);
    if (same) {
        if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1)
            return fail();
    } else {
        forget();
        // EVP_MAC_init wants a non-null key pointer even for an empty key.
        static constexpr unsigned char empty_key[1] = {0};
        const unsigned char* k = key.empty() ? empty_key : bytes_of(key);
        char digest[] = "SHA256";
        OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
        if (EVP_MAC_init(ctx_, k, key.size(), params) != 1)
            return fail();
        try {
            key_.assign(key);
        } catch (...) {
            return fail();
        }
        keyed_ = true;
    }
    for (std::string_view p : parts)
        if (!p.empty() && EVP_MAC_update(ctx_, bytes_of(p), p.size()) != 1)
            return fail();
    std::size_t len = 0;
    if (EVP_MAC_final(ctx_, out, &len, sizeof out) != 1 || len != 32)
        return fail();
    return true;
}

bool hmac_engine::fail() noexcept {
    forget();
    EVP_MAC_CTX_free(ctx_);
    ctx_ = nullptr;
    return false;
}

void hmac_engine::forget() noexcept {
    if (!key_.empty())
        OPENSSL_cleanse(key_.data(), key_.size());
    key_.clear();
    keyed_ = false;
}

bool hmac_sha256(std::string_view key, std::string_view msg, unsigned char (&out)[32]) noexcept {
    const std::string_view parts[] = {msg};
    return hmac_engine::local().compute(key, parts, out);
}

bool ed25519_public_from_seed(std::string_view seed, unsigned char (&out)[ed25519_public_key_size]) noexcept {
    pkey_ptr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes_of(seed), seed.size()));
    std::size_t len = ed25519_public_key_size;
    return key && EVP_PKEY_get_raw_public_key(key.get(), out, &len) == 1 && len == ed25519_public_key_size;
}

bool ed25519_sign(std::string_view seed,
                  std::string_view msg,
                  unsigned char (&sig)[ed25519_signature_size]) noexcept {
    pkey_ptr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes_of(seed), seed.size()));
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    std::size_t len = ed25519_signature_size;
    return EVP_DigestSign(ctx.get(), sig, &len, bytes_of(msg), msg.size()) == 1 &&
           len == ed25519_signature_size;
}

bool ed25519_verify(std::string_view pub, std::string_view msg, std::string_view sig) noexcept {
    if (pub.size() != ed25519_public_key_size || sig.size() != ed25519_signature_size)
        return false;
    pkey_ptr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(pub), pub.size()));
    md_ctx_ptr ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), bytes_of(sig), sig.size(), bytes_of(msg), msg.size()) == 1;
}

void append_hex(const unsigned char* p, std::size_t n, std::string& out) {
    constexpr std::string_view digits = "0123456789abcdef";
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0x0F];
    }
}

std::string signed_content(std::string_view msg_id, std::int64_t unix_seconds, std::string_view body) {
    std::string ts = std::to_string(unix_seconds);
    std::string content;
    content.reserve(msg_id.size() + ts.size() + body.size() + 2);
    content.append(msg_id).append(1, '.').append(ts).append(1, '.').append(body);
    return content;
}

bool crypto_fail(error_code& ec, diagnostics& diag, std::string field, std::string_view what) {
    hookbox::detail::fail(ec, diag, errc::invalid_argument, field,
                          field + ": OpenSSL failed to compute the " + std::string(what));
    return false;
}

bool check_header_text(std::string_view field, std::string_view value, error_code& ec, diagnostics& diag) {
    if (value.empty()) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, std::string(field),
                              std::string(field) + ": must not be empty");
        return false;
    }
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7F) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, std::string(field),
                                  std::string(field) +
                                      ": must not contain CR, LF or other control characters");
            return false;
        }
    }
    return true;
}

bool check_timestamp(std::int64_t unix_seconds, error_code& ec, diagnostics& diag) {
    if (unix_seconds < 0) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "timestamp",
                              "timestamp: must be a non-negative number of Unix seconds");
        return false;
    }
    return true;
}

bool check_key(
    const secret& key, secret_kind want, std::string_view field, error_code& ec, diagnostics& diag) {
    std::string f(field);
    if (key.empty()) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, f, f + ": is empty");
        return false;
    }
    if (key.kind() != want) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, f,
                              f + ": a " + std::string(to_string(key.kind())) +
                                  " secret cannot be used here; need a " + std::string(to_string(want)) +
                                  " one");
        return false;
    }
    return true;
}

bool append_v1(const secret& key,
               std::string_view msg_id,
               std::int64_t unix_seconds,
               std::string_view body,
               std::string& out) {
    char ts[24];
    auto ts_end = std::to_chars(ts, ts + sizeof ts, unix_seconds).ptr;
    const std::string_view parts[] = {msg_id, ".",
                                      std::string_view(ts, static_cast<std::size_t>(ts_end - ts)), ".", body};
    unsigned char mac[32];
    if (!hmac_engine::local().compute(key.bytes(), parts, mac))
        return false;
    out += "v1,";
    hookbox::detail::base64_encode_to(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac), out);
    OPENSSL_cleanse(mac, sizeof mac);
    return true;
}

bool append_v1a(const secret& key, std::string_view content, std::string& out) {
    unsigned char sig[ed25519_signature_size];
    if (!ed25519_sign(key.bytes().substr(0, ed25519_seed_size), content, sig))
        return false;
    out += "v1a,";
    hookbox::detail::base64_encode_to(std::string_view(reinterpret_cast<const char*>(sig), sizeof sig), out);
    return true;
}

bool objectstack_value(const secret& key, std::string_view body, std::string& out) {
    unsigned char mac[32];
    if (!hmac_sha256(key.bytes(), body, mac))
        return false;
    out = "sha256=";
    append_hex(mac, sizeof mac, out);
    OPENSSL_cleanse(mac, sizeof mac);
    return true;
}

}  // namespace detail

secret secret::parse(std::string_view text, error_code& ec, diagnostics& diag) {
    detail::clear(ec, diag);
    secret_kind kind = secret_kind::symmetric;
    std::string_view encoded = text;
    std::string_view prefix = "whsec_";
    if (text.starts_with("whsk_")) {
        kind = secret_kind::ed25519_private;
        prefix = "whsk_";
        encoded.remove_prefix(5);
    } else if (text.starts_with("whpk_")) {
        kind = secret_kind::ed25519_public;
        prefix = "whpk_";
        encoded.remove_prefix(5);
    } else if (text.starts_with("whsec_")) {
        encoded.remove_prefix(6);
    }
    auto fail = [&](std::string rule) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "secret", "secret: " + std::move(rule));
        return secret();
    };
    auto decoded = hookbox::detail::base64_decode(encoded);
    if (!decoded)
        return fail("the key after the optional " + std::string(prefix) +
                    " prefix must be base64 (standard alphabet, padding optional)");
    detail::string_wiper wipe_decoded{*decoded};
    if (decoded->empty())
        return fail("the key must not be empty");
    if (kind == secret_kind::ed25519_private) {
        if (decoded->size() != ed25519_seed_size + ed25519_public_key_size)
            return fail("a whsk_ key must decode to 64 bytes (32-byte seed, 32-byte public key), not " +
                        std::to_string(decoded->size()));
        unsigned char pub[ed25519_public_key_size];
        if (!detail::ed25519_public_from_seed(std::string_view(*decoded).substr(0, ed25519_seed_size), pub))
            return fail("OpenSSL could not load the Ed25519 key");
        if (!detail::constant_time_equal(std::string_view(reinterpret_cast<const char*>(pub), sizeof pub),
                                         std::string_view(*decoded).substr(ed25519_seed_size)))
            return fail("the public half of the whsk_ key does not belong to its seed");
    } else if (kind == secret_kind::ed25519_public && decoded->size() != ed25519_public_key_size) {
        return fail("a whpk_ key must decode to 32 bytes, not " + std::to_string(decoded->size()));
    }
    secret s;
    s.kind_ = kind;
    s.bytes_.assign(decoded->begin(), decoded->end());
    return s;
}

secret secret::raw(std::string_view bytes, error_code& ec, diagnostics& diag) {
    detail::clear(ec, diag);
    if (bytes.empty()) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "secret", "secret: must not be empty");
        return secret();
    }
    secret s;
    s.kind_ = secret_kind::raw;
    s.bytes_.assign(bytes.begin(), bytes.end());
    return s;
}

std::string sign_v1(const secret& key,
                    std::string_view msg_id,
                    std::int64_t unix_seconds,
                    std::string_view body,
                    error_code& ec,
                    diagnostics& diag) {
    detail::clear(ec, diag);
    if (!detail::check_key(key, secret_kind::symmetric, "key", ec, diag) ||
        !detail::check_header_text("msg_id", msg_id, ec, diag) ||
        !detail::check_timestamp(unix_seconds, ec, diag))
        return {};
    std::string out;
    if (!detail::append_v1(key, msg_id, unix_seconds, body, out)) {
        detail::crypto_fail(ec, diag, "key", "HMAC-SHA256");
        return {};
    }
    return out;
}

std::string sign_v1a(const secret& key,
                     std::string_view msg_id,
                     std::int64_t unix_seconds,
                     std::string_view body,
                     error_code& ec,
                     diagnostics& diag) {
    detail::clear(ec, diag);
    if (!detail::check_key(key, secret_kind::ed25519_private, "key", ec, diag) ||
        !detail::check_header_text("msg_id", msg_id, ec, diag) ||
        !detail::check_timestamp(unix_seconds, ec, diag))
        return {};
    std::string out;
    if (!detail::append_v1a(key, detail::signed_content(msg_id, unix_seconds, body), out)) {
        detail::crypto_fail(ec, diag, "key", "Ed25519 signature");
        return {};
    }
    return out;
}

std::string
objectstack_signature(const secret& key, std::string_view body, error_code& ec, diagnostics& diag) {
    detail::clear(ec, diag);
    if (!detail::check_key(key, secret_kind::raw, "key", ec, diag))
        return {};
    std::string out;
    if (!detail::objectstack_value(key, body, out)) {
        detail::crypto_fail(ec, diag, "key", "HMAC-SHA256");
        return {};
    }
    return out;
}

std::vector<header> signature_headers(
    scheme s, std::span<const secret> secrets, const message& msg, error_code& ec, diagnostics& diag) {
    detail::clear(ec, diag);
    std::vector<header> out;
    auto secret_field = [](std::size_t i) { return "secrets[" + std::to_string(i) + "]"; };
    switch (s) {
    case scheme::none:
        return out;
    case scheme::standard_webhooks: {
        if (!detail::check_header_text("id", msg.id, ec, diag) ||
            !detail::check_timestamp(msg.timestamp, ec, diag))
            return out;
        for (std::size_t i = 0; i < secrets.size(); ++i) {
            const secret& k = secrets[i];
            if (k.empty() ||
                (k.kind() != secret_kind::symmetric && k.kind() != secret_kind::ed25519_private)) {
                std::string f = secret_field(i);
                hookbox::detail::fail(ec, diag, errc::invalid_argument, f,
                                      f + (k.empty()
                                               ? std::string(": is empty")
                                               : ": a " + std::string(to_string(k.kind())) +
                                                     " secret cannot sign Standard Webhooks; use a whsec_ or "
                                                     "whsk_ key"));
                return out;
            }
        }
        out.reserve(secrets.empty() ? 2 : 3);
        out.push_back({std::string(header_names::webhook_id), std::string(msg.id)});
        out.push_back({std::string(header_names::webhook_timestamp), std::to_string(msg.timestamp)});
        if (secrets.empty())
            return out;
        std::string content;  // built only for Ed25519, which signs it in one piece
        std::string value;
        for (std::size_t i = 0; i < secrets.size(); ++i) {
            if (i != 0)
                value += ' ';
            bool symmetric = secrets[i].kind() == secret_kind::symmetric;
            if (!symmetric && content.empty())
                content = detail::signed_content(msg.id, msg.timestamp, msg.body);
            bool ok = symmetric ? detail::append_v1(secrets[i], msg.id, msg.timestamp, msg.body, value)
                                : detail::append_v1a(secrets[i], content, value);
            if (!ok) {
                out.clear();
                detail::crypto_fail(ec, diag, secret_field(i),
                                    symmetric ? "HMAC-SHA256" : "Ed25519 signature");
                return out;
            }
        }
        out.push_back({std::string(header_names::webhook_signature), std::move(value)});
        return out;
    }
    case scheme::objectstack: {
        if (!detail::check_header_text("id", msg.id, ec, diag) ||
            !detail::check_header_text("event_type", msg.event_type, ec, diag))
            return out;
        if (msg.attempt < 1) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "attempt", "attempt: must be 1 or more");
            return out;
        }
        if (secrets.size() > 1) {
            hookbox::detail::fail(
                ec, diag, errc::invalid_argument, "secrets",
                "secrets: the objectstack scheme carries one signature; pass at most one secret");
            return out;
        }
        if (!secrets.empty() && !detail::check_key(secrets[0], secret_kind::raw, secret_field(0), ec, diag))
            return out;
        out.reserve(4);
        out.push_back({std::string(header_names::objectstack_event), std::string(msg.event_type)});
        out.push_back({std::string(header_names::objectstack_delivery), std::string(msg.id)});
        out.push_back({std::string(header_names::objectstack_attempt), std::to_string(msg.attempt)});
        if (!secrets.empty()) {
            std::string value;
            if (!detail::objectstack_value(secrets[0], msg.body, value)) {
                out.clear();
                detail::crypto_fail(ec, diag, secret_field(0), "HMAC-SHA256");
                return out;
            }
            out.push_back({std::string(header_names::objectstack_signature), std::move(value)});
        }
        return out;
    }
    }
    hookbox::detail::fail(ec, diag, errc::invalid_argument, "scheme", "scheme: unknown value");
    return out;
}

}  // namespace hookbox::signing

#endif  // HOOKBOX_SIGNING_IMPL_SIGNER_IPP
