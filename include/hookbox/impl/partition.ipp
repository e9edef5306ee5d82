//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_PARTITION_IPP
#define HOOKBOX_IMPL_PARTITION_IPP

#include <hookbox/partition.hpp>

#include <cstring>
#include <string>

namespace hookbox {

std::int32_t detail::decode_utf8(std::string_view s, std::size_t& i) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        return -1;
    }
    if (s.size() - i < static_cast<std::size_t>(len))
        return -1;
    for (int k = 1; k < len; ++k) {
        unsigned char b = byte(i + k);
        if ((b & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    i += len;
    return static_cast<std::int32_t>(cp);
}

bool detail::check_count(int count, error_code& ec, diagnostics& diag) {
    if (count <= 0) {
        detail::fail(ec, diag, errc::invalid_partition_count, "partition_count",
                     "partition_count: partition count must be > 0 (got " + std::to_string(count) + ")");
        return false;
    }
    return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
    // Ids, types and URLs are ASCII almost always: test eight bytes at a time for a high bit, and
    // decode only from the first word that has one.
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (w & 0x8080808080808080ULL)
            return detail::for_each_utf16_unit(s.substr(i), [](std::uint32_t) {});
    }
    if (i == s.size())
        return true;
    // The tail: the last eight bytes as one word when there are eight (the ones before the tail are
    // ASCII already), else byte by byte.
    bool ascii = true;
    if (s.size() >= 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + s.size() - 8, 8);
        ascii = (w & 0x8080808080808080ULL) == 0;
    } else {
        unsigned char any = 0;
        for (std::size_t j = i; j < s.size(); ++j)
            any |= static_cast<unsigned char>(s[j]);
        ascii = (any & 0x80) == 0;
    }
    return ascii || detail::for_each_utf16_unit(s.substr(i), [](std::uint32_t) {});
}

std::uint32_t fnv1a32_utf16(std::string_view key, error_code& ec, diagnostics& diag) {
    ec.clear();
    std::uint32_t h = 0x811c9dc5u;
    bool ok = detail::for_each_utf16_unit(key, [&](std::uint32_t unit) {
        h ^= unit;
        h *= 0x01000193u;
    });
    if (!ok) {
        detail::fail(ec, diag, errc::invalid_utf8, "key", "key: partition key is not valid UTF-8");
        return 0;
    }
    return h;
}

int hash_partition(std::string_view key, int count, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!detail::check_count(count, ec, diag))
        return 0;
    std::uint32_t h = fnv1a32_utf16(key, ec, diag);
    if (ec)
        return 0;
    return static_cast<int>(detail::abs_mod(static_cast<std::int32_t>(h), count));
}

int hash_partition(std::string_view key, int count) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return hash_partition(key, count, ec, diag); });
}

int node_offset(std::string_view node_id, int count, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!detail::check_count(count, ec, diag))
        return 0;
    std::uint32_t h = 0;
    bool ok = detail::for_each_utf16_unit(node_id, [&](std::uint32_t unit) { h = h * 31u + unit; });
    if (!ok) {
        detail::fail(ec, diag, errc::invalid_utf8, "node_id", "node_id: node id is not valid UTF-8");
        return 0;
    }
    return static_cast<int>(detail::abs_mod(static_cast<std::int32_t>(h), count));
}

int node_offset(std::string_view node_id, int count) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return node_offset(node_id, count, ec, diag); });
}

}  // namespace hookbox

#endif  // HOOKBOX_IMPL_PARTITION_IPP
