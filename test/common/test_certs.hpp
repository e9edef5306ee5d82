//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_TEST_CERTS_HPP
#define HOOKBOX_TEST_COMMON_TEST_CERTS_HPP

// Self-signed certificates made at run time, for tests that talk HTTPS to a local receiver.
//
// The certificate is its own issuer and carries basicConstraints CA:TRUE with keyCertSign, so a
// client can trust it directly (ssl::context::add_certificate_authority with cert_pem) and then
// verify the server's host name against its subjectAltName. The key is an ECDSA P-256 key and the
// signature is ECDSA with SHA-256. Everything is returned PEM-encoded.
//
// Needs OpenSSL 3 (libssl/libcrypto); link with -lssl -lcrypto.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::test {

// A certificate and its private key, both PEM text ("-----BEGIN CERTIFICATE-----",
// "-----BEGIN PRIVATE KEY-----" in PKCS#8).
struct pem_pair {
    std::string cert_pem;
    std::string key_pem;
};

namespace certs_detail {

// Owners of the OpenSSL objects used below, each freed with its own function.
struct pkey_free { void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); } };
struct x509_free { void operator()(X509* p) const noexcept { X509_free(p); } };
struct x509_name_free { void operator()(X509_NAME* p) const noexcept { X509_NAME_free(p); } };
struct x509_ext_free { void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); } };
struct bio_free { void operator()(BIO* p) const noexcept { BIO_free(p); } };
struct bn_free { void operator()(BIGNUM* p) const noexcept { BN_free(p); } };

using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;
using x509_ptr = std::unique_ptr<X509, x509_free>;
using x509_name_ptr = std::unique_ptr<X509_NAME, x509_name_free>;
using x509_ext_ptr = std::unique_ptr<X509_EXTENSION, x509_ext_free>;
using bio_ptr = std::unique_ptr<BIO, bio_free>;
using bn_ptr = std::unique_ptr<BIGNUM, bn_free>;

// Throws std::runtime_error naming the step that failed and the oldest queued OpenSSL error,
// and empties OpenSSL's error queue for this thread.
[[noreturn]] inline void fail(std::string_view what) {
    std::string message = "make_self_signed_cert: ";
    message += what;
    if (unsigned long code = ERR_get_error(); code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        message += ": ";
        message += text;
    }
    ERR_clear_error();
    throw std::runtime_error(message);
}

inline void check(bool ok, std::string_view what) {
    if (!ok)
        fail(what);
}

// Adds one X.509v3 extension given in OpenSSL's configuration syntax, e.g.
// (NID_basic_constraints, "critical,CA:TRUE"). The certificate is its own issuer.
inline void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    x509_ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str())};
    check(ext != nullptr, "X509V3_EXT_conf_nid(" + std::string(OBJ_nid2sn(nid)) + "=" + value + ")");
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

// The contents of a memory BIO as a string.
inline std::string drain(BIO* bio) {
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    check(size >= 0 && (size == 0 || data != nullptr), "BIO_get_mem_data");
    return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace certs_detail

// A fresh P-256 key and a self-signed certificate for it, valid from one hour ago to one day
// ahead, with a random 63-bit serial:
//   subject = issuer = CN=<common_name>
//   subjectAltName        = the entries in san_entries joined with ", " (OpenSSL syntax:
//                           "DNS:localhost", "IP:127.0.0.1", ...); left out when empty
//   basicConstraints      = critical, CA:TRUE
//   keyUsage              = critical, digitalSignature, keyCertSign
//   subjectKeyIdentifier  = hash of the public key; authorityKeyIdentifier = the same key id
// For a certificate a client must reject on host name, use e.g. {"DNS:wrong.example"}.
// Throws std::runtime_error when any OpenSSL step fails.
inline pem_pair make_self_signed_cert_for(std::string_view common_name, std::vector<std::string> san_entries) {
    using namespace certs_detail;
    ERR_clear_error();

    pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
    check(key != nullptr, "EVP_PKEY_Q_keygen(EC, P-256)");

    x509_ptr cert{X509_new()};
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), 2) == 1, "X509_set_version");  // 2 means X.509 v3

    // Random positive serial: 8 random bytes with the top bit cleared.
    unsigned char serial_bytes[8];
    check(RAND_bytes(serial_bytes, sizeof serial_bytes) == 1, "RAND_bytes");
    serial_bytes[0] &= 0x7f;
    serial_bytes[0] |= 0x01;  // never zero
    bn_ptr serial{BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr)};
    check(serial != nullptr, "BN_bin2bn");
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "BN_to_ASN1_INTEGER");

    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60) != nullptr, "X509_gmtime_adj(notBefore)");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 60 * 60) != nullptr, "X509_gmtime_adj(notAfter)");

    x509_name_ptr name{X509_NAME_new()};
    check(name != nullptr, "X509_NAME_new");
    check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.data()),
                                     static_cast<int>(common_name.size()), -1, 0) == 1,
          "X509_NAME_add_entry_by_txt(CN)");
    check(X509_set_subject_name(cert.get(), name.get()) == 1, "X509_set_subject_name");
    check(X509_set_issuer_name(cert.get(), name.get()) == 1, "X509_set_issuer_name");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    if (!san_entries.empty()) {
        std::string san;
        for (const auto& entry : san_entries) {
            if (!san.empty())
                san += ", ";
            san += entry;
        }
        add_extension(cert.get(), NID_subject_alt_name, san);
    }
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    // Reads the key id from the subjectKeyIdentifier just added (the certificate is its own issuer).
    add_extension(cert.get(), NID_authority_key_identifier, "keyid:always");

    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    pem_pair out;
    {
        bio_ptr bio{BIO_new(BIO_s_mem())};
        check(bio != nullptr, "BIO_new");
        check(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
        out.cert_pem = drain(bio.get());
    }
    {
        bio_ptr bio{BIO_new(BIO_s_mem())};
        check(bio != nullptr, "BIO_new");
        check(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
              "PEM_write_bio_PrivateKey");
        out.key_pem = drain(bio.get());
    }
    return out;
}

// The usual test certificate: CN=<common_name>, subjectAltName "DNS:localhost, IP:127.0.0.1",
// so it verifies for https://localhost:<port> and https://127.0.0.1:<port>.
inline pem_pair make_self_signed_cert(std::string_view common_name = "localhost") {
    return make_self_signed_cert_for(common_name, {"DNS:localhost", "IP:127.0.0.1"});
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_TEST_CERTS_HPP
