//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DELIVERY_ID_HPP
#define HOOKBOX_DELIVERY_ID_HPP

/// \file
/// `delivery_id`: the random UUID v4 that names a delivery. Receivers use it as the idempotency key
/// (it is sent with every attempt), so it is generated once, at enqueue, and never changes.

#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace hookbox {

/// A 128-bit delivery id, held as 16 bytes and written as a canonical lowercase UUID
/// (`8-4-4-4-12` hexadecimal digits). A value type: cheap to copy, compare and hash.
class delivery_id {
public:
    /// The nil id (all zero bits). No generated id is nil.
    constexpr delivery_id() noexcept = default;

    /// Builds an id from its 16 bytes, most significant first.
    explicit constexpr delivery_id(const std::array<std::uint8_t, 16>& bytes) noexcept : bytes_(bytes) {}

    /// A fresh random UUID v4.
    ///
    /// Each thread draws from its own generator, seeded on the thread's first call from the operating
    /// system's random source (`getrandom` on Linux, `arc4random_buf` on the BSDs and macOS) mixed
    /// with the process id, the thread and the time, so ids made by several threads and processes do
    /// not collide in practice. A child process made by `fork()` seeds its generator afresh before it
    /// draws its first id, so a parent and its child never continue the same sequence. Later calls
    /// make no system call. Never throws: when the random source fails, the seed is made of the
    /// other inputs alone.
    ///
    /// Ids are unique, not secret: nothing relies on them being unpredictable.
    [[nodiscard]] HOOKBOX_DECL static delivery_id generate() noexcept;

    /// Parses the canonical form (either letter case).
    /// Errors: `errc::invalid_delivery_id`; the result is then the nil id.
    [[nodiscard]] HOOKBOX_DECL static delivery_id parse(std::string_view text, error_code& ec) noexcept;

    /// Throwing overload of `parse`; throws `error_with_diagnostics` naming the field `id`.
    [[nodiscard]] HOOKBOX_DECL static delivery_id parse(std::string_view text);

    constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

    constexpr bool is_nil() const noexcept {
        for (auto b : bytes_)
            if (b != 0)
                return false;
        return true;
    }

    /// The canonical 36-character lowercase form.
    HOOKBOX_DECL std::string to_string() const;

    /// Writes the 36-character form to `out` (no terminator).
    HOOKBOX_DECL void write(char* out) const noexcept;

    friend constexpr bool operator==(const delivery_id&, const delivery_id&) noexcept = default;
    friend constexpr auto operator<=>(const delivery_id&, const delivery_id&) noexcept = default;

    /// Writes the canonical form.
    friend HOOKBOX_DECL std::ostream& operator<<(std::ostream& os, const delivery_id& id);

private:
    std::array<std::uint8_t, 16> bytes_{};
};

namespace detail {

// The value of a hexadecimal digit (either case), or -1. Inline: validation calls it per character.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace detail

}  // namespace hookbox

// Inline: the memory storage's id index hashes an id on every insert and lookup.
template <> struct std::hash<hookbox::delivery_id> {
    std::size_t operator()(const hookbox::delivery_id& id) const noexcept {
        // The bytes are random already; fold them rather than hash them again.
        std::uint64_t a, b;
        std::memcpy(&a, id.bytes().data(), 8);
        std::memcpy(&b, id.bytes().data() + 8, 8);
        return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
    }
};

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/delivery_id.ipp>
#endif

#endif  // HOOKBOX_DELIVERY_ID_HPP
