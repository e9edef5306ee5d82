//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Signing and verification: the ObjectStack outbox's vectors, the Standard Webhooks vectors V1-V3
// and the negative cases of the reference libraries' tests, base64, and secret hygiene.

#include "common/test_common.hpp"

#include <hookbox/detail/base64.hpp>
#include <hookbox/signing/signer.hpp>
#include <hookbox/signing/verify.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace hookbox::signing {
inline std::ostream& boost_test_print_type(std::ostream& os, verify_result r) { return os << to_string(r); }
inline std::ostream& boost_test_print_type(std::ostream& os, secret_kind k) { return os << to_string(k); }
}  // namespace hookbox::signing

BOOST_AUTO_TEST_SUITE(signing)

using namespace hookbox;
using namespace hookbox::signing;
using namespace std::chrono_literals;
using hookbox::detail::base64_decode;
using hookbox::detail::base64_encode;
using hookbox::detail::base64_encoded_size;

namespace {

// Standard Webhooks V1 (python, go, js, ruby, php, csharp tests; svix-server).
const std::string v1_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string v1_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t v1_ts = 1614265330;
const std::string v1_body = R"({"test": 2432232314})";
const std::string v1_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// V2 (rust `test_sign`).
const std::string v2_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const std::string v2_id = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
constexpr std::int64_t v2_ts = 1649367553;
const std::string v2_body = R"({"email":"test@example.com","username":"test_user"})";
const std::string v2_sig = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

// V3 (svix-server `test_asymmetric_key_signing`), with V1's id, timestamp and body.
const std::string v3_secret =
    "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
const std::string v3_public = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
const std::string v3_sig =
    "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";

std::vector<header> sw_headers(std::string id, std::string ts, std::string sig) {
    return {{"webhook-id", std::move(id)}, {"webhook-timestamp", std::move(ts)}, {"webhook-signature", std::move(sig)}};
}

// Verifies with one key, at `now`, with the default tolerance.
verify_result check(const std::vector<header>& headers, std::string_view body, const std::string& key,
                    std::int64_t now) {
    std::vector<secret> keys{secret::parse(key)};
    error_code ec;
    diagnostics diag;
    auto r = verify(headers, body, keys, now, default_tolerance, ec, diag);
    BOOST_TEST(!ec);
    return r;
}

verify_result check_v1(const std::string& sig_header, std::int64_t now = v1_ts) {
    return check(sw_headers(v1_id, std::to_string(v1_ts), sig_header), v1_body, v1_secret, now);
}

}  // namespace

BOOST_AUTO_TEST_CASE(base64_round_trips) {
    struct {
        std::string plain;
        std::string encoded;
    } cases[] = {
        {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("plain '" << c.plain << "'") {
            BOOST_TEST(base64_encode(c.plain) == c.encoded);
            BOOST_TEST(base64_encoded_size(c.plain.size()) == c.encoded.size());
            auto padded = base64_decode(c.encoded);
            BOOST_TEST_REQUIRE(padded.has_value());
            BOOST_TEST(*padded == c.plain);
            std::string unpadded = c.encoded.substr(0, c.encoded.find('='));
            auto decoded = base64_decode(unpadded);
            BOOST_TEST_REQUIRE(decoded.has_value());
            BOOST_TEST(*decoded == c.plain);
        }
    }
    // Every byte value, at every length up to 70 (each remainder mod 3).
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    for (std::size_t n = 0; n <= 70; ++n) {
        std::string plain = all.substr(186, n);  // high bytes included
        plain += all.substr(0, n % 5);
        std::string enc = base64_encode(plain);
        BOOST_TEST(enc.size() % 4 == 0u);
        auto dec = base64_decode(enc);
        BOOST_TEST_REQUIRE(dec.has_value());
        BOOST_TEST(*dec == plain);
    }
    BOOST_TEST(base64_encode(all.substr(250)) == "+vv8/f7/");
}

BOOST_AUTO_TEST_CASE(base64_rejects_invalid_input) {
    for (const std::string& bad : std::vector<std::string>{"Zm9v!", "Zm 9v", "Zm9v\n", "Zm-_", "Zg=", "Z", "Zm9vY", "Zg===", "Z===", "====", "=",
                            "Zm=v", "Zg==Zg==", "Zm9v=", "Zm8=Zm8", std::string("Zm\0v", 4), "Zm9v\xC3\xA9"}) {
        BOOST_TEST_CONTEXT("input '" << bad << "'") { BOOST_TEST(!base64_decode(bad).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(objectstack_vectors) {
    struct {
        std::string secret;
        std::string body;
        std::string expected;
    } cases[] = {
        {"s3cr3t", R"({"a":1})", "sha256=d42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e"},
        {"k", "null", "sha256=1a308af7b654bdc731402f2542e6ddb889e54341dad9f6b64d0cf9e2ebdfaf8e"},
        {"whsec_test",
         R"({"object":"contact","recordId":"c-1","action":"created","timestamp":"2026-05-24T00:00:00.000Z","after":{"id":"c-1"}})",
         "sha256=b3c028bc7f40bdee5ede7d23c0ab63d5778b176d1690ab2e26c975d25ade343a"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("body " << c.body) {
            secret key = secret::raw(c.secret);
            BOOST_TEST(key.kind() == secret_kind::raw);
            BOOST_TEST(objectstack_signature(key, c.body) == c.expected);
            std::vector<header> received{{"x-objectstack-signature", c.expected}};
            BOOST_TEST(verify_objectstack(received, c.body, key) == verify_result::ok);
            BOOST_TEST(verify_objectstack(received, c.body + " ", key) == verify_result::no_matching_signature);
        }
    }
}

BOOST_AUTO_TEST_CASE(objectstack_headers) {
    std::vector<secret> keys{secret::raw("s3cr3t")};
    message msg{.id = "5f0c6e1e-7c1b-4d3f-9a55-0c9c1d1e2f30", .body = R"({"a":1})", .event_type = "order.created",
                .attempt = 3};
    auto hs = signature_headers(scheme::objectstack, keys, msg);
    std::vector<header> expected{
        {"X-Objectstack-Event", "order.created"},
        {"X-Objectstack-Delivery", "5f0c6e1e-7c1b-4d3f-9a55-0c9c1d1e2f30"},
        {"X-Objectstack-Attempt", "3"},
        {"X-Objectstack-Signature", "sha256=d42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e"},
    };
    BOOST_TEST_REQUIRE(hs.size() == expected.size());
    for (std::size_t i = 0; i < hs.size(); ++i) {
        BOOST_TEST(hs[i].name == expected[i].name);
        BOOST_TEST(hs[i].value == expected[i].value);
    }
    BOOST_TEST(verify_objectstack(hs, msg.body, keys[0]) == verify_result::ok);

    // Unsigned: the identifying headers only.
    auto unsigned_hs = signature_headers(scheme::objectstack, {}, msg);
    BOOST_TEST(unsigned_hs.size() == 3u);
    error_code ec;
    diagnostics diag;
    BOOST_TEST(verify_objectstack(unsigned_hs, msg.body, keys[0], ec, diag) == verify_result::missing_header);
    BOOST_TEST(!ec);
    BOOST_TEST(diag.field() == "X-Objectstack-Signature");

    // A wrong secret does not match; a decoded (symmetric) secret is refused.
    BOOST_TEST(verify_objectstack(hs, msg.body, secret::raw("s3cr3T")) == verify_result::no_matching_signature);
    BOOST_TEST(verify_objectstack(hs, msg.body, secret::parse(v1_secret), ec, diag) == verify_result::bad_secret);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "key");
}

BOOST_AUTO_TEST_CASE(scheme_none_adds_nothing) {
    std::vector<secret> keys{secret::parse(v1_secret)};
    BOOST_TEST(signature_headers(scheme::none, keys, message{.id = v1_id, .timestamp = v1_ts, .body = v1_body}).empty());
}

BOOST_AUTO_TEST_CASE(standard_webhooks_v1_vector) {
    secret key = secret::parse(v1_secret);
    BOOST_TEST(key.kind() == secret_kind::symmetric);
    BOOST_TEST(key.bytes().size() == 24u);
    BOOST_TEST(sign_v1(key, v1_id, v1_ts, v1_body) == v1_sig);
    BOOST_TEST(check_v1(v1_sig) == verify_result::ok);

    // Through signature_headers, exactly the three Standard Webhooks headers.
    std::vector<secret> keys{key};
    auto hs = signature_headers(scheme::standard_webhooks, keys,
                                message{.id = v1_id, .timestamp = v1_ts, .body = v1_body});
    BOOST_TEST_REQUIRE(hs.size() == 3u);
    BOOST_TEST(hs[0].name == "webhook-id");
    BOOST_TEST(hs[0].value == v1_id);
    BOOST_TEST(hs[1].name == "webhook-timestamp");
    BOOST_TEST(hs[1].value == "1614265330");
    BOOST_TEST(hs[2].name == "webhook-signature");
    BOOST_TEST(hs[2].value == v1_sig);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts) == verify_result::ok);

    // A changed body or id no longer matches.
    BOOST_TEST(verify(hs, v1_body + " ", keys, v1_ts) == verify_result::no_matching_signature);
    auto other_id = hs;
    other_id[0].value += "x";
    BOOST_TEST(verify(other_id, v1_body, keys, v1_ts) == verify_result::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(standard_webhooks_v2_vector) {
    secret key = secret::parse(v2_secret);
    BOOST_TEST(sign_v1(key, v2_id, v2_ts, v2_body) == v2_sig);
    BOOST_TEST(check(sw_headers(v2_id, std::to_string(v2_ts), v2_sig), v2_body, v2_secret, v2_ts) == verify_result::ok);
    BOOST_TEST(check(sw_headers(v2_id, std::to_string(v2_ts), v2_sig), v2_body, v1_secret, v2_ts) ==
               verify_result::no_matching_signature);
}

// A thread keeps one HMAC context keyed with its latest key: signing with alternating keys, an
// empty key and the same key twice gives every vector, on this thread and on another.
BOOST_AUTO_TEST_CASE(hmac_context_follows_the_key) {
    secret k1 = secret::parse(v1_secret), k2 = secret::parse(v2_secret);
    auto round = [&] {
        for (int i = 0; i < 2; ++i) {
            BOOST_TEST(sign_v1(k1, v1_id, v1_ts, v1_body) == v1_sig);
            BOOST_TEST(sign_v1(k1, v1_id, v1_ts, v1_body) == v1_sig);
            BOOST_TEST(sign_v1(k2, v2_id, v2_ts, v2_body) == v2_sig);
            BOOST_TEST(objectstack_signature(secret::raw("s3cr3t"), R"({"a":1})") ==
                       "sha256=d42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e");
            BOOST_TEST(objectstack_signature(secret::raw("k"), "null") ==
                       "sha256=1a308af7b654bdc731402f2542e6ddb889e54341dad9f6b64d0cf9e2ebdfaf8e");
        }
    };
    round();
    std::thread other(round);
    other.join();
}

BOOST_AUTO_TEST_CASE(standard_webhooks_v3_ed25519_vector) {
    secret sk = secret::parse(v3_secret);
    secret pk = secret::parse(v3_public);
    BOOST_TEST(sk.kind() == secret_kind::ed25519_private);
    BOOST_TEST(pk.kind() == secret_kind::ed25519_public);
    BOOST_TEST(sk.public_key() == pk.bytes());
    BOOST_TEST(sign_v1a(sk, v1_id, v1_ts, v1_body) == v3_sig);

    std::vector<secret> sks{sk};
    auto hs = signature_headers(scheme::standard_webhooks, sks,
                                message{.id = v1_id, .timestamp = v1_ts, .body = v1_body});
    BOOST_TEST_REQUIRE(hs.size() == 3u);
    BOOST_TEST(hs[2].value == v3_sig);

    auto received = sw_headers(v1_id, std::to_string(v1_ts), v3_sig);
    BOOST_TEST(check(received, v1_body, v3_public, v1_ts) == verify_result::ok);
    BOOST_TEST(check(received, v1_body, v3_secret, v1_ts) == verify_result::ok);  // its public half
    BOOST_TEST(check(received, v1_body + "x", v3_public, v1_ts) == verify_result::no_matching_signature);
    // A symmetric key does not verify v1a; a v1a signature under the v1 label does not pass.
    BOOST_TEST(check(received, v1_body, v1_secret, v1_ts) == verify_result::no_matching_signature);
    std::string as_v1 = "v1," + v3_sig.substr(4);
    BOOST_TEST(check(sw_headers(v1_id, std::to_string(v1_ts), as_v1), v1_body, v3_public, v1_ts) ==
               verify_result::no_matching_signature);
    // Altered and truncated v1a signatures fail.
    std::string altered = v3_sig;
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    BOOST_TEST(check(sw_headers(v1_id, std::to_string(v1_ts), altered), v1_body, v3_public, v1_ts) ==
               verify_result::no_matching_signature);
    for (std::string truncated : {std::string("v1a,"), v3_sig.substr(0, 8), v3_sig.substr(0, v3_sig.size() - 4)})
        BOOST_TEST(check(sw_headers(v1_id, std::to_string(v1_ts), truncated), v1_body, v3_public, v1_ts) ==
                   verify_result::no_matching_signature);
    // A public key cannot sign.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(sign_v1a(pk, v1_id, v1_ts, v1_body, ec, diag).empty());
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "key");
    std::vector<secret> pks{pk};
    BOOST_TEST(signature_headers(scheme::standard_webhooks, pks, message{.id = v1_id, .timestamp = v1_ts}, ec, diag)
                   .empty());
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "secrets[0]");
}

BOOST_AUTO_TEST_CASE(v1_negative_cases) {
    BOOST_TEST(check_v1("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=") == verify_result::no_matching_signature);
    BOOST_TEST(check_v1("v1,") == verify_result::no_matching_signature);
    BOOST_TEST(check_v1("v1,dawfeoifkpqwoekfpqoekf") == verify_result::no_matching_signature);
    BOOST_TEST(check_v1("") == verify_result::no_matching_signature);
    BOOST_TEST(check_v1("v2," + v1_sig.substr(3)) == verify_result::no_matching_signature);  // unknown version
    BOOST_TEST(check_v1(v1_sig.substr(3)) == verify_result::no_matching_signature);           // no version
    BOOST_TEST(check_v1(v1_sig.substr(0, v1_sig.size() - 1)) == verify_result::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(multi_signature_header_valid_third) {
    const std::string decoy = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
    std::string header = "v1," + decoy + " v2," + decoy + " " + v1_sig + " v1," + decoy;
    BOOST_TEST(check_v1(header) == verify_result::ok);
    BOOST_TEST(check_v1("v1," + decoy + " v2," + decoy + " v1," + decoy) == verify_result::no_matching_signature);
    // Runs of spaces are tolerated.
    BOOST_TEST(check_v1("  v1," + decoy + "   " + v1_sig + " ") == verify_result::ok);
}

BOOST_AUTO_TEST_CASE(rust_decoys) {
    constexpr std::int64_t now = 1700000000;  // the rust test signs at the current time
    secret key = secret::parse(v2_secret);
    std::string valid = sign_v1(key, v2_id, now, v2_body);
    auto run = [&](const std::string& sig) {
        return check(sw_headers(v2_id, std::to_string(now), sig), v2_body, v2_secret, now);
    };
    const std::string before = "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ= "
                               "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q= ";
    const std::string after = " v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=";
    BOOST_TEST(run(before + valid + after) == verify_result::ok);
    BOOST_TEST(run(valid) == verify_result::ok);
    BOOST_TEST(run(before.substr(0, before.size() - 1) + after) == verify_result::no_matching_signature);
    BOOST_TEST(run("v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=") == verify_result::no_matching_signature);
    BOOST_TEST(run("v1,") == verify_result::no_matching_signature);
    BOOST_TEST(run(valid.substr(0, 8)) == verify_result::no_matching_signature);
    BOOST_TEST(run("v1," + valid.substr(3, 8)) == verify_result::no_matching_signature);
}

BOOST_AUTO_TEST_CASE(secret_forms) {
    secret prefixed = secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    secret bare = secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    BOOST_TEST((prefixed == bare));
    BOOST_TEST(check_v1(v1_sig) == verify_result::ok);
    BOOST_TEST(check(sw_headers(v1_id, std::to_string(v1_ts), v1_sig), v1_body, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                     v1_ts) == verify_result::ok);

    // Unpadded secrets decode like their padded forms (1 and 2 missing '=').
    for (std::string unpadded : {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr"}) {
        std::string padded = unpadded + std::string((4 - unpadded.size() % 4) % 4, '=');
        BOOST_TEST_CONTEXT("secret " << unpadded.size() << " chars") {
            BOOST_TEST(padded.size() - unpadded.size() == (unpadded.size() % 4 == 3 ? 1u : 2u));
            secret a = secret::parse(unpadded);
            secret b = secret::parse(padded);
            secret c = secret::parse("whsec_" + unpadded);
            BOOST_TEST(!a.empty());
            BOOST_TEST((a == b));
            BOOST_TEST((a == c));
            BOOST_TEST(sign_v1(a, v1_id, v1_ts, v1_body) == sign_v1(b, v1_id, v1_ts, v1_body));
        }
    }

    // Empty keys and other malformed secrets are refused, naming the field `secret`.
    for (const std::string& bad : std::vector<std::string>{"", "whsec_", "whsk_", "whpk_", "whsec_!!!!", "whsec_Zg=", "whsec_Z",
                            "whsk_" + v3_public.substr(5), "whpk_" + v3_secret.substr(5), "whsec_ MfKQ9r8G"}) {
        BOOST_TEST_CONTEXT("secret '" << bad << "'") {
            error_code ec;
            diagnostics diag;
            secret s = secret::parse(bad, ec, diag);
            BOOST_TEST(ec == errc::invalid_argument);
            BOOST_TEST(diag.field() == "secret");
            BOOST_TEST(!diag.message().empty());
            BOOST_TEST(s.empty());
            BOOST_CHECK_THROW(secret::parse(bad), error_with_diagnostics);
        }
    }
    // A whsk_ key whose public half is not its seed's.
    std::string seed_and_wrong_public = base64_decode(v3_secret.substr(5)).value();
    seed_and_wrong_public[40] ^= 1;
    error_code ec;
    diagnostics diag;
    (void)secret::parse("whsk_" + base64_encode(seed_and_wrong_public), ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_CHECK_THROW(secret::raw(""), error_with_diagnostics);
}

BOOST_AUTO_TEST_CASE(missing_headers_fail) {
    auto full = sw_headers(v1_id, std::to_string(v1_ts), v1_sig);
    std::vector<secret> keys{secret::parse(v1_secret)};
    for (std::size_t drop = 0; drop < full.size(); ++drop) {
        auto hs = full;
        std::string name = hs[drop].name;
        hs.erase(hs.begin() + static_cast<std::ptrdiff_t>(drop));
        BOOST_TEST_CONTEXT("without " << name) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(verify(hs, v1_body, keys, v1_ts, default_tolerance, ec, diag) == verify_result::missing_header);
            BOOST_TEST(!ec);
            BOOST_TEST(diag.field() == name);
        }
    }
    // Header names are matched case-insensitively.
    std::vector<header> mixed{{"Webhook-Id", v1_id}, {"WEBHOOK-TIMESTAMP", std::to_string(v1_ts)},
                              {"Webhook-Signature", v1_sig}};
    BOOST_TEST(verify(mixed, v1_body, keys, v1_ts) == verify_result::ok);
}

BOOST_AUTO_TEST_CASE(bad_timestamps_fail) {
    std::vector<secret> keys{secret::parse(v1_secret)};
    for (std::string ts : {"hello", "161426533.0", "invalid timestamp", "-161426533", "", " 1614265330",
                           "1614265330 ", "+1614265330", "1614265330e0", "0x1", "99999999999999999999"}) {
        BOOST_TEST_CONTEXT("timestamp '" << ts << "'") {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(verify(sw_headers(v1_id, ts, v1_sig), v1_body, keys, v1_ts, default_tolerance, ec, diag) ==
                       verify_result::bad_timestamp);
            BOOST_TEST(!ec);
            BOOST_TEST(diag.field() == "webhook-timestamp");
        }
    }
    // The signer refuses negative timestamps, which no receiver would accept.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(sign_v1(keys[0], v1_id, -161426533, v1_body, ec, diag).empty());
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "timestamp");
    BOOST_TEST(signature_headers(scheme::standard_webhooks, keys, message{.id = v1_id, .timestamp = -1}, ec, diag)
                   .empty());
    BOOST_TEST(diag.field() == "timestamp");
}

BOOST_AUTO_TEST_CASE(timestamp_tolerance) {
    std::vector<secret> keys{secret::parse(v1_secret)};
    auto hs = sw_headers(v1_id, std::to_string(v1_ts), v1_sig);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts + 300) == verify_result::ok);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts - 300) == verify_result::ok);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts + 301) == verify_result::timestamp_out_of_tolerance);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts - 301) == verify_result::timestamp_out_of_tolerance);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts + 301, 301s) == verify_result::ok);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts + 1, 0s) == verify_result::timestamp_out_of_tolerance);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts, 0s) == verify_result::ok);
    // Extreme clocks do not overflow.
    BOOST_TEST(verify(hs, v1_body, keys, INT64_MIN) == verify_result::timestamp_out_of_tolerance);
    BOOST_TEST(verify(hs, v1_body, keys, INT64_MAX) == verify_result::timestamp_out_of_tolerance);
    // A negative tolerance is the caller's error.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts, -1s, ec, diag) == verify_result::bad_secret);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "tolerance");
}

BOOST_AUTO_TEST_CASE(rotation_signs_with_every_key) {
    std::vector<secret> both{secret::parse(v1_secret), secret::parse(v2_secret)};
    message msg{.id = v1_id, .timestamp = v1_ts, .body = v1_body};
    auto hs = signature_headers(scheme::standard_webhooks, both, msg);
    BOOST_TEST_REQUIRE(hs.size() == 3u);
    std::string second = sign_v1(both[1], v1_id, v1_ts, v1_body);
    BOOST_TEST(hs[2].value == v1_sig + " " + second);
    for (std::size_t i = 0; i < both.size(); ++i) {
        std::vector<secret> one{both[i]};
        BOOST_TEST(verify(hs, v1_body, one, v1_ts) == verify_result::ok);
    }
    std::vector<secret> unrelated{secret::parse("whsec_" + base64_encode("another key of 24 bytes!"))};
    BOOST_TEST(verify(hs, v1_body, unrelated, v1_ts) == verify_result::no_matching_signature);
    // A receiver holding several keys accepts a request signed with any one of them.
    std::vector<secret> receiver{unrelated[0], both[1]};
    BOOST_TEST(verify(sw_headers(v1_id, std::to_string(v1_ts), second), v1_body, receiver, v1_ts) ==
               verify_result::ok);

    // Mixed symmetric and Ed25519 keys: one v1 and one v1a entry.
    std::vector<secret> mixed{secret::parse(v1_secret), secret::parse(v3_secret)};
    auto mhs = signature_headers(scheme::standard_webhooks, mixed, msg);
    BOOST_TEST_REQUIRE(mhs.size() == 3u);
    BOOST_TEST(mhs[2].value == v1_sig + " " + v3_sig);
    std::vector<secret> pub{secret::parse(v3_public)};
    BOOST_TEST(verify(mhs, v1_body, pub, v1_ts) == verify_result::ok);
}

BOOST_AUTO_TEST_CASE(caller_errors) {
    std::vector<secret> keys{secret::parse(v1_secret)};
    error_code ec;
    diagnostics diag;
    auto expect = [&](std::string_view field) {
        BOOST_TEST(ec == errc::invalid_argument);
        BOOST_TEST(diag.field() == field);
    };
    BOOST_TEST(signature_headers(scheme::standard_webhooks, keys, message{.id = "", .timestamp = 1}, ec, diag).empty());
    expect("id");
    BOOST_TEST(
        signature_headers(scheme::standard_webhooks, keys, message{.id = "a\r\nX: y", .timestamp = 1}, ec, diag).empty());
    expect("id");
    std::vector<secret> raw{secret::raw("s3cr3t")};
    BOOST_TEST(signature_headers(scheme::standard_webhooks, raw, message{.id = "m", .timestamp = 1}, ec, diag).empty());
    expect("secrets[0]");
    std::vector<secret> with_empty{keys[0], secret()};
    BOOST_TEST(
        signature_headers(scheme::standard_webhooks, with_empty, message{.id = "m", .timestamp = 1}, ec, diag).empty());
    expect("secrets[1]");
    std::vector<secret> two_raw{secret::raw("a"), secret::raw("b")};
    message os{.id = "m", .event_type = "e"};
    BOOST_TEST(signature_headers(scheme::objectstack, two_raw, os, ec, diag).empty());
    expect("secrets");
    BOOST_TEST(signature_headers(scheme::objectstack, keys, os, ec, diag).empty());
    expect("secrets[0]");
    os.attempt = 0;
    BOOST_TEST(signature_headers(scheme::objectstack, raw, os, ec, diag).empty());
    expect("attempt");
    os.attempt = 1;
    os.event_type = "";
    BOOST_TEST(signature_headers(scheme::objectstack, raw, os, ec, diag).empty());
    expect("event_type");
    BOOST_CHECK_THROW(signature_headers(scheme::objectstack, raw, os), error_with_diagnostics);
    BOOST_TEST(objectstack_signature(keys[0], "x", ec, diag).empty());
    expect("key");
    BOOST_TEST(sign_v1(raw[0], "m", 1, "x", ec, diag).empty());
    expect("key");
    BOOST_CHECK_THROW(sign_v1(secret(), "m", 1, "x"), error_with_diagnostics);

    // The verifier needs at least one usable key; a raw one cannot verify Standard Webhooks.
    auto hs = sw_headers(v1_id, std::to_string(v1_ts), v1_sig);
    BOOST_TEST(verify(hs, v1_body, {}, v1_ts, default_tolerance, ec, diag) == verify_result::bad_secret);
    expect("secrets");
    BOOST_TEST(verify(hs, v1_body, raw, v1_ts, default_tolerance, ec, diag) == verify_result::bad_secret);
    expect("secrets[0]");
    BOOST_CHECK_THROW(verify(hs, v1_body, raw, v1_ts), error_with_diagnostics);
    // A verification failure is a result, not an exception, and the next success clears the words.
    BOOST_TEST(verify(hs, v1_body + "x", keys, v1_ts) == verify_result::no_matching_signature);
    BOOST_TEST(verify(hs, v1_body, keys, v1_ts, default_tolerance, ec, diag) == verify_result::ok);
    BOOST_TEST(!ec);
    BOOST_TEST(diag.message().empty());
}

BOOST_AUTO_TEST_CASE(secrets_never_in_diagnostics) {
    const std::string marker = "TopSecretMarker";
    auto leaks = [&](const std::string& text) { return text.find(marker) != std::string::npos; };
    auto check_diag = [&](const error_code& ec, const diagnostics& diag) {
        BOOST_TEST(static_cast<bool>(ec));
        BOOST_TEST(!leaks(diag.field()));
        BOOST_TEST(!leaks(diag.message()));
        BOOST_TEST(!leaks(ec.message()));
    };
    error_code ec;
    diagnostics diag;

    // Malformed texts that contain the marker.
    for (std::string bad : {"whsec_" + marker + "!", "whsk_" + marker + "AAAA", "whpk_" + marker + "AA",
                            marker + "=="}) {
        BOOST_TEST_CONTEXT("case " << bad.size()) {
            (void)secret::parse(bad, ec, diag);
            check_diag(ec, diag);
            try {
                (void)secret::parse(bad);
                BOOST_ERROR("no exception");
            } catch (const error_with_diagnostics& e) {
                BOOST_TEST(!leaks(e.what()));
            }
        }
    }

    // Well-formed secrets used wrongly.
    secret sym = secret::parse("whsec_" + base64_encode(marker + marker));
    secret raw = secret::raw(marker);
    (void)objectstack_signature(sym, "body", ec, diag);
    check_diag(ec, diag);
    std::vector<secret> raws{raw};
    (void)signature_headers(scheme::standard_webhooks, raws, message{.id = "m", .timestamp = 1}, ec, diag);
    check_diag(ec, diag);
    (void)verify(sw_headers("m", "1", "v1,x"), "body", raws, 1, default_tolerance, ec, diag);
    check_diag(ec, diag);
    try {
        (void)verify(sw_headers("m", "1", "v1,x"), "body", raws, 1);
        BOOST_ERROR("no exception");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(!leaks(e.what()));
    }

    // A failed verification describes the header, not the key.
    std::vector<secret> syms{sym};
    BOOST_TEST(verify(sw_headers("m", "1", "v1,x"), "body", syms, 1, default_tolerance, ec, diag) ==
               verify_result::no_matching_signature);
    BOOST_TEST(!leaks(diag.message()));
    BOOST_TEST(verify_objectstack(std::vector<header>{{"X-Objectstack-Signature", "sha256=00"}}, "b", raw, ec, diag) ==
               verify_result::no_matching_signature);
    BOOST_TEST(!leaks(diag.message()));

    // Printing shows the kind and size only.
    std::ostringstream os;
    os << raw << ' ' << sym << ' ' << secret();
    BOOST_TEST(!leaks(os.str()));
    BOOST_TEST(os.str() == "secret(raw, 15 bytes) secret(symmetric, 30 bytes) secret(empty)");
}

BOOST_AUTO_TEST_CASE(secret_value_semantics) {
    secret a = secret::parse(v1_secret);
    secret b = a;
    BOOST_TEST((a == b));
    secret c = std::move(b);
    BOOST_TEST((c == a));
    BOOST_TEST(b.empty());  // NOLINT(bugprone-use-after-move): a moved-from secret is empty
    b = c;
    BOOST_TEST((b == a));
    b = secret::parse(v2_secret);
    BOOST_TEST(!(b == a));
    b = std::move(c);
    BOOST_TEST((b == a));
    BOOST_TEST(!(secret::raw(a.bytes()) == a));  // same bytes, different kind
}

BOOST_AUTO_TEST_SUITE_END()
