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

#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hookbox {

namespace detail {

// Decodes one UTF-8 sequence starting at s[i]; returns the code point and advances i, or returns
// -1 for an invalid sequence (overlong, surrogate, out of range, truncated).
HOOKBOX_DECL std::int32_t decode_utf8(std::string_view s, std::size_t& i) noexcept;

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

// True when count > 0; otherwise fails with errc::invalid_partition_count naming `partition_count`.
HOOKBOX_DECL bool check_count(int count, error_code& ec, diagnostics& diag);

}  // namespace detail

/// Returns the valid-UTF-8 check used for every text field: true when `s` is well-formed UTF-8
/// (no overlong forms, no surrogates, nothing above U+10FFFF).
[[nodiscard]] HOOKBOX_DECL bool is_valid_utf8(std::string_view s) noexcept;

/// FNV-1a 32 over the UTF-16 code units of a UTF-8 key, as the ObjectStack outbox's `hashPartition`
/// computes it before the modulo. `"foobar"` gives `0xbf9cf968`, the standard FNV-1a test vector.
///
/// Errors: `errc::invalid_utf8` when the key is not valid UTF-8.
[[nodiscard]] HOOKBOX_DECL std::uint32_t
fnv1a32_utf16(std::string_view key, error_code& ec, diagnostics& diag);

/// The ObjectStack outbox's `hashPartition(key, count)`: the partition in `[0, count)` that a
/// webhook id maps to.
///
/// Errors: `errc::invalid_partition_count` when `count <= 0` (message "partition count must be > 0");
/// `errc::invalid_utf8` when the key is not valid UTF-8.
[[nodiscard]] HOOKBOX_DECL int
hash_partition(std::string_view key, int count, error_code& ec, diagnostics& diag);

/// Throwing overload of `hash_partition`; throws `error_with_diagnostics`.
[[nodiscard]] HOOKBOX_DECL int hash_partition(std::string_view key, int count);

/// Where a node starts its walk over the partitions: Java's `String.hashCode` over the UTF-16 code
/// units of the node id, then `abs` in 64 bits, modulo the count. With 8 partitions `"node-A"` starts
/// at 2 and `"node-B"` at 1, so two nodes begin on different partitions.
///
/// Errors: as `hash_partition`.
[[nodiscard]] HOOKBOX_DECL int
node_offset(std::string_view node_id, int count, error_code& ec, diagnostics& diag);

/// Throwing overload of `node_offset`; throws `error_with_diagnostics`.
[[nodiscard]] HOOKBOX_DECL int node_offset(std::string_view node_id, int count);

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

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/partition.ipp>
#endif

#endif  // HOOKBOX_PARTITION_HPP
