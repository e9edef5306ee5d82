//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Fuzzes the receiver-side signature checks (include/hookbox/signing/verify.hpp).
//
// Input: a control byte, then header lines `name:value` up to an empty line, then the body. The
// headers and body are verified as received (Standard Webhooks and ObjectStack); then the body, the
// first header's value as an id and a timestamp from the control byte are signed and verified.
//
// Invariants:
// - the same request gives the same result twice; `ec` is set exactly for `bad_secret`; every other
//   failure names the header at fault; `ok` only with a timestamp within the tolerance;
// - `find_header` is the first header of that name, ignoring ASCII case; `parse_unix_seconds`
//   accepts exactly the plain decimal integers that fit in 63 bits, and reads them exactly;
// - what `sign_v1`/`sign_v1a`/`objectstack_signature` sign verifies, under either key of a rotation,
//   and with header names in any case; a changed body, id or signature byte does not (unless the
//   changed v1a signature decodes to the same bytes: base64 ignores the last digit's unused bits).

#include <hookbox/signing/verify.hpp>

#include "input.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace sg = hookbox::signing;
using hookbox::header;

constexpr std::int64_t now = 1779580800; // 2026-05-24T00:00:00Z
constexpr std::chrono::seconds tolerance{300};

struct keys {
    sg::secret symmetric;       // whsec_
    sg::secret other_symmetric; // the key a rotation retires
    sg::secret ed_private;      // whsk_
    sg::secret ed_public;       // whpk_ of ed_private
    sg::secret raw;             // ObjectStack
};

const keys& the_keys() {
    static const keys k = [] {
        keys out;
        std::string seed(32, '\0');
        for (std::size_t i = 0; i < seed.size(); ++i)
            seed[i] = static_cast<char>(7 * i + 1);
        unsigned char pub[sg::ed25519_public_key_size];
        if (!sg::detail::ed25519_public_from_seed(seed, pub))
            hookbox::fuzz::broken("ed25519_public_from_seed");
        std::string pub_bytes(reinterpret_cast<const char*>(pub), sizeof pub);
        out.symmetric = sg::secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        out.other_symmetric = sg::secret::parse("whsec_c2Vjb25kIGtleSBvZiBhIHJvdGF0aW9u");
        out.ed_private = sg::secret::parse("whsk_" + hookbox::detail::base64_encode(seed + pub_bytes));
        out.ed_public = sg::secret::parse("whpk_" + hookbox::detail::base64_encode(pub_bytes));
        out.raw = sg::secret::raw("objectstack secret");
        return out;
    }();
    return k;
}

std::string flip_case(std::string_view s, std::uint8_t pattern) {
    std::string out(s);
    for (std::size_t i = 0; i < out.size(); ++i)
        if ((pattern >> (i % 8)) & 1) {
            char& c = out[i];
            if (c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 32);
            else if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c + 32);
        }
    return out;
}

bool is_header_name(std::string_view field) {
    return field == sg::header_names::webhook_id || field == sg::header_names::webhook_timestamp ||
           field == sg::header_names::webhook_signature;
}

// Verifies twice and checks what holds of any result.
sg::verify_result
check_verify(const std::vector<header>& hs, std::string_view body, std::span<const sg::secret> secrets) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto r = sg::verify(hs, body, secrets, now, tolerance, ec, diag);
    hookbox::error_code ec2;
    hookbox::diagnostics diag2;
    HOOKBOX_FUZZ_CHECK(sg::verify(hs, body, secrets, now, tolerance, ec2, diag2) == r);
    HOOKBOX_FUZZ_CHECK(ec == ec2 && diag.field() == diag2.field() && diag.message() == diag2.message());
    HOOKBOX_FUZZ_CHECK(static_cast<bool>(ec) == (r == sg::verify_result::bad_secret));
    if (r == sg::verify_result::ok) {
        HOOKBOX_FUZZ_CHECK(diag.field().empty());
        const std::string* ts = sg::detail::find_header(hs, sg::header_names::webhook_timestamp);
        HOOKBOX_FUZZ_CHECK(ts && sg::detail::find_header(hs, sg::header_names::webhook_id) &&
                           sg::detail::find_header(hs, sg::header_names::webhook_signature));
        auto t = sg::detail::parse_unix_seconds(*ts);
        HOOKBOX_FUZZ_CHECK(t && *t >= now - tolerance.count() && *t <= now + tolerance.count());
    } else if (r != sg::verify_result::bad_secret) {
        HOOKBOX_FUZZ_CHECK(is_header_name(diag.field()));
        HOOKBOX_FUZZ_CHECK(!diag.message().empty());
    }
    return r;
}

sg::verify_result check_objectstack(const std::vector<header>& hs, std::string_view body) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto r = sg::verify_objectstack(hs, body, the_keys().raw, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec);
    HOOKBOX_FUZZ_CHECK(r == sg::verify_result::ok || r == sg::verify_result::missing_header ||
                       r == sg::verify_result::no_matching_signature);
    if (r != sg::verify_result::ok)
        HOOKBOX_FUZZ_CHECK(diag.field() == sg::header_names::objectstack_signature);
    HOOKBOX_FUZZ_CHECK(sg::verify_objectstack(hs, body, the_keys().raw, ec, diag) == r);
    return r;
}

void check_parse_unix_seconds(std::string_view text) {
    auto v = sg::detail::parse_unix_seconds(text);
    bool digits = !text.empty();
    for (char c : text)
        digits = digits && c >= '0' && c <= '9';
    if (!digits) {
        HOOKBOX_FUZZ_CHECK(!v);
        return;
    }
    std::size_t first = text.find_first_not_of('0');
    std::string_view significant = first == std::string_view::npos ? std::string_view() : text.substr(first);
    // INT64_MAX has 19 digits: every 18-digit number fits, no 20-digit one does.
    if (significant.size() <= 18)
        HOOKBOX_FUZZ_CHECK(v.has_value());
    if (significant.size() >= 20)
        HOOKBOX_FUZZ_CHECK(!v.has_value());
    if (v) {
        HOOKBOX_FUZZ_CHECK(*v >= 0);
        HOOKBOX_FUZZ_CHECK(std::to_string(*v) == (significant.empty() ? std::string_view("0") : significant));
    }
}

void check_find_header(const std::vector<header>& hs, std::string_view name) {
    const std::string* got = sg::detail::find_header(hs, name);
    const std::string* want = nullptr;
    for (const header& h : hs)
        if (sg::detail::iequals_ascii(h.name, name)) {
            want = &h.value;
            break;
        }
    HOOKBOX_FUZZ_CHECK(got == want);
}

std::string flipped(std::string_view s, std::size_t at, std::uint8_t mask) {
    std::string out(s);
    if (out.empty())
        out.push_back(static_cast<char>(mask | 1));
    else
        out[at % out.size()] = static_cast<char>(out[at % out.size()] ^ (mask | 1));
    return out;
}

// Signs (id, ts, body) in both schemes, checks that it verifies, and that a change does not.
void sign_then_verify(
    std::string_view id, std::int64_t ts, std::string_view body, std::uint8_t control, std::size_t at) {
    const keys& k = the_keys();
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    std::string v1 = sg::sign_v1(k.symmetric, id, ts, body, ec, diag);
    if (ec) {
        // Only an id that is empty or holds a control character is refused (ts is never negative).
        HOOKBOX_FUZZ_CHECK(diag.field() == "msg_id");
        bool has_control = id.empty();
        for (char c : id)
            has_control = has_control || (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F;
        HOOKBOX_FUZZ_CHECK(has_control);
        return;
    }
    std::string v1a = sg::sign_v1a(k.ed_private, id, ts, body, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec);
    HOOKBOX_FUZZ_CHECK(v1.starts_with("v1,") && v1a.starts_with("v1a,"));

    const std::string ts_text = std::to_string(ts);
    auto request = [&](std::string_view sig_id, std::string_view signature) {
        return std::vector<header>{
            {flip_case(sg::header_names::webhook_id, control), std::string(sig_id)},
            {flip_case(sg::header_names::webhook_timestamp, control >> 1), ts_text},
            {flip_case(sg::header_names::webhook_signature, control >> 2), std::string(signature)}};
    };
    const bool in_time = ts >= now - tolerance.count() && ts <= now + tolerance.count();
    const auto expect = in_time ? sg::verify_result::ok : sg::verify_result::timestamp_out_of_tolerance;
    const std::array rotation{k.other_symmetric, k.symmetric};
    const std::array ed_keys{k.ed_public};
    const std::array ed_private_keys{k.ed_private};

    auto hs = request(id, v1);
    HOOKBOX_FUZZ_CHECK(check_verify(hs, body, rotation) == expect);
    HOOKBOX_FUZZ_CHECK(check_verify(request(id, "v9,x " + v1a), body, ed_keys) == expect);
    HOOKBOX_FUZZ_CHECK(check_verify(request(id, v1a), body, ed_private_keys) == expect);
    if (!in_time)
        return;

    const auto no_match = sg::verify_result::no_matching_signature;
    const std::string other_body = flipped(body, at, control);
    HOOKBOX_FUZZ_CHECK(check_verify(hs, other_body, rotation) == no_match);
    HOOKBOX_FUZZ_CHECK(check_verify(request(id, v1a), other_body, ed_keys) == no_match);
    const std::string other_id = flipped(id, at, control);
    HOOKBOX_FUZZ_CHECK(check_verify(request(other_id, v1), body, rotation) == no_match);
    HOOKBOX_FUZZ_CHECK(check_verify(request(other_id, v1a), body, ed_keys) == no_match);
    // Only the old key of a rotation: no match.
    HOOKBOX_FUZZ_CHECK(check_verify(hs, body, std::array{k.other_symmetric}) == no_match);

    // A changed byte of the signature value (after `v1,` / `v1a,`).
    std::string bad_v1 = "v1," + flipped(std::string_view(v1).substr(3), at, control);
    HOOKBOX_FUZZ_CHECK(check_verify(request(id, bad_v1), body, rotation) != sg::verify_result::ok);
    std::string bad_v1a_value = flipped(std::string_view(v1a).substr(4), at, control);
    auto r = check_verify(request(id, "v1a," + bad_v1a_value), body, ed_keys);
    if (r == sg::verify_result::ok)
        HOOKBOX_FUZZ_CHECK(hookbox::detail::base64_decode(bad_v1a_value) ==
                           hookbox::detail::base64_decode(std::string_view(v1a).substr(4)));

    // ObjectStack: the HMAC of the body alone.
    std::string os = sg::objectstack_signature(k.raw, body, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec);
    std::vector<header> os_hs{{flip_case(sg::header_names::objectstack_signature, control), os}};
    HOOKBOX_FUZZ_CHECK(check_objectstack(os_hs, body) == sg::verify_result::ok);
    HOOKBOX_FUZZ_CHECK(check_objectstack(os_hs, other_body) == no_match);
    os_hs[0].value = flipped(os, at, control);
    HOOKBOX_FUZZ_CHECK(check_objectstack(os_hs, body) == no_match);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hookbox::fuzz::input in(data, size);
    const std::uint8_t control = in.byte();
    const std::size_t at = in.byte();

    // The received request: header lines up to an empty line, then the body.
    std::vector<header> hs;
    while (!in.empty() && hs.size() < 16) {
        std::string_view line = in.until('\n');
        if (line.empty())
            break;
        std::size_t colon = line.find(':');
        header h;
        h.name = std::string(line.substr(0, colon));
        if (colon != std::string_view::npos)
            h.value = std::string(line.substr(colon + 1));
        hs.push_back(std::move(h));
    }
    const std::string body(in.rest());

    const keys& k = the_keys();
    const std::array all{k.symmetric, k.ed_public};
    check_verify(hs, body, all);
    check_objectstack(hs, body);
    for (const header& h : hs) {
        check_parse_unix_seconds(h.value);
        check_find_header(hs, h.name);
    }
    check_find_header(hs, sg::header_names::webhook_id);

    // Sign what was received, with a timestamp in or out of the tolerance.
    std::string_view id =
        hs.empty() ? std::string_view("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W") : std::string_view(hs[0].value);
    static constexpr std::int64_t offsets[] = {0, 1, -1, 299, -300, 300, 301, -301, 86400, -now};
    std::int64_t ts = now + offsets[control % std::size(offsets)];
    sign_then_verify(id, ts, body, control, at);
    return 0;
}
