//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_BASE64_HPP
#define HOOKBOX_DETAIL_BASE64_HPP

/// \file
/// Base64 with the standard alphabet (RFC 4648 §4): the encoder always pads; the decoder accepts
/// padded and unpadded input and rejects any character outside the alphabet (whitespace included),
/// misplaced or excess `=`, and lengths no encoding can have.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hookbox::detail {

inline constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The value of one base64 digit, or -1 for a character outside the standard alphabet.
constexpr int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/// The length of the padded encoding of `n` bytes.
constexpr std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

/// Appends the padded base64 encoding of `data` (bytes) to `out`.
inline void base64_encode_to(std::string_view data, std::string& out) {
    out.reserve(out.size() + base64_encoded_size(data.size()));
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(data[k])); };
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += base64_alphabet[(v >> 6) & 63];
        out += base64_alphabet[v & 63];
    }
    std::size_t rest = data.size() - i;
    if (rest == 1) {
        unsigned v = byte(i) << 16;
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += "==";
    } else if (rest == 2) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += base64_alphabet[(v >> 18) & 63];
        out += base64_alphabet[(v >> 12) & 63];
        out += base64_alphabet[(v >> 6) & 63];
        out += '=';
    }
}

/// The padded base64 encoding of `data` (bytes).
inline std::string base64_encode(std::string_view data) {
    std::string out;
    base64_encode_to(data, out);
    return out;
}

/// Decodes `text`, padded or unpadded, into bytes. `std::nullopt` when `text` holds a character
/// outside the standard alphabet, an `=` anywhere but in the final padding, padding that does not
/// bring the length to a multiple of 4, or a length that leaves a single digit over (`4k + 1`).
/// Unused low bits of the last digit are ignored, as Python's `base64.b64decode` does.
inline std::optional<std::string> base64_decode(std::string_view text) {
    std::size_t pad = 0;
    while (pad < text.size() && text[text.size() - 1 - pad] == '=')
        ++pad;
    if (pad > 2 || (pad > 0 && text.size() % 4 != 0))
        return std::nullopt;
    std::string_view digits = text.substr(0, text.size() - pad);
    if (digits.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(digits.size() / 4 * 3 + 2);
    unsigned acc = 0;
    int bits = 0;
    for (char c : digits) {
        int v = base64_value(c);
        if (v < 0)
            return std::nullopt;
        acc = ((acc << 6) | static_cast<unsigned>(v)) & 0xFFFFFFu;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFFu);
        }
    }
    return out;
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_BASE64_HPP
