//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_PARTITION_HPP
#define HOOKBOX_PARTITION_HPP

/// \file
/// Partitioning compatible with the ObjectStack webhook outbox: `hash_partition` places a webhook's
/// deliveries in a partition, `node_offset` picks where a node starts its walk over the partitions,
/// and `partition_hasher` is the policy concept `basic_outbox` takes.
///
/// A C++ node and a TypeScript node given the same key and count agree on the partition: the hash is
/// FNV-1a 32 over the UTF-16 code units of the key (not its UTF-8 bytes), reinterpreted as a signed
/// 32-bit integer, whose absolute value (taken in 64 bits, so that INT32_MIN gives 2^31) is reduced
/// modulo the count.

#include <hookbox/error.hpp>

#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hookbox {

namespace detail {

// Decodes one UTF-8 sequence starting at s[i]; returns the code point and advances i, or returns
// -1 for an invalid sequence (overlong, surrogate, out of range, truncated).
inline std::int32_t decode_utf8(std::string_view s, std::size_t& i) noexcept {
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

// Calls f(unit) for each UTF-16 code unit of the UTF-8 text; false on invalid UTF-8.
template <class F> bool for_each_utf16_unit(std::string_view s, F&& f) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) { // ASCII fast path: the common case for ids
            f(static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])));
            ++i;
            continue;
        }
        std::int32_t cp = decode_utf8(s, i);
        if (cp < 0)
            return false;
        if (cp >= 0x10000) {
            std::uint32_t v = static_cast<std::uint32_t>(cp) - 0x10000;
            f(0xD800 + (v >> 10));
            f(0xDC00 + (v & 0x3FF));
        } else {
            f(static_cast<std::uint32_t>(cp));
        }
    }
    return true;
}

inline std::uint32_t abs_mod(std::int32_t h, int count) noexcept {
    std::int64_t wide = h;
    if (wide < 0)
        wide = -wide;
    return static_cast<std::uint32_t>(wide % count);
}

inline bool check_count(int count, error_code& ec, diagnostics& diag) {
    if (count <= 0) {
        detail::fail(ec, diag, errc::invalid_partition_count, "partition_count",
                     "partition_count: partition count must be > 0 (got " + std::to_string(count) + ")");
        return false;
    }
    return true;
}

} // namespace detail

/// Returns the valid-UTF-8 check used for every text field: true when `s` is well-formed UTF-8
/// (no overlong forms, no surrogates, nothing above U+10FFFF).
inline bool is_valid_utf8(std::string_view s) noexcept {
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

/// FNV-1a 32 over the UTF-16 code units of a UTF-8 key, as the ObjectStack outbox's `hashPartition`
/// computes it before the modulo. `"foobar"` gives `0xbf9cf968`, the standard FNV-1a test vector.
///
/// Errors: `errc::invalid_utf8` when the key is not valid UTF-8.
inline std::uint32_t fnv1a32_utf16(std::string_view key, error_code& ec, diagnostics& diag) {
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

/// The ObjectStack outbox's `hashPartition(key, count)`: the partition in `[0, count)` that a
/// webhook id maps to.
///
/// Errors: `errc::invalid_partition_count` when `count <= 0` (message "partition count must be > 0");
/// `errc::invalid_utf8` when the key is not valid UTF-8.
inline int hash_partition(std::string_view key, int count, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!detail::check_count(count, ec, diag))
        return 0;
    std::uint32_t h = fnv1a32_utf16(key, ec, diag);
    if (ec)
        return 0;
    return static_cast<int>(detail::abs_mod(static_cast<std::int32_t>(h), count));
}

/// Throwing overload of `hash_partition`; throws `error_with_diagnostics`.
inline int hash_partition(std::string_view key, int count) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return hash_partition(key, count, ec, diag); });
}

/// Where a node starts its walk over the partitions: Java's `String.hashCode` over the UTF-16 code
/// units of the node id, then `abs` in 64 bits, modulo the count. With 8 partitions `"node-A"` starts
/// at 2 and `"node-B"` at 1, so two nodes begin on different partitions.
///
/// Errors: as `hash_partition`.
inline int node_offset(std::string_view node_id, int count, error_code& ec, diagnostics& diag) {
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

/// Throwing overload of `node_offset`; throws `error_with_diagnostics`.
inline int node_offset(std::string_view node_id, int count) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return node_offset(node_id, count, ec, diag); });
}

/// The partition-hasher policy of `basic_outbox`.
///
/// | Expression | Type | Semantics |
/// |---|---|---|
/// | `h.partition(key, count, ec, diag)` | `int` | The partition in `[0, count)` for `key`. Pure: the same
/// key and count always give the same partition, on every node. On bad input sets `ec` (and `diag`) and
/// returns 0. |
///
/// Notation: `h` a `const H`, `key` a `std::string_view`, `count` an `int`, `ec` an `error_code&`,
/// `diag` a `diagnostics&`.
///
/// Exemplar:
/// \code
/// struct first_byte_hasher {
///     int partition(std::string_view key, int count, hookbox::error_code& ec, hookbox::diagnostics&) const {
///         ec.clear();
///         return key.empty() ? 0 : static_cast<unsigned char>(key[0]) % count;
///     }
/// };
/// \endcode
///
/// Models: `fnv1a_partition_hasher` (the default, wire-compatible with the ObjectStack outbox).
template <class H>
concept partition_hasher = std::copy_constructible<H> &&
    requires(const H& h, std::string_view key, int count, error_code& ec, diagnostics& diag) {
    { h.partition(key, count, ec, diag) } -> std::same_as<int>;
};

/// The default partition hasher: the ObjectStack outbox's `hashPartition`.
struct fnv1a_partition_hasher {
    int partition(std::string_view key, int count, error_code& ec, diagnostics& diag) const {
        return hash_partition(key, count, ec, diag);
    }
};

} // namespace hookbox

#endif // HOOKBOX_PARTITION_HPP
