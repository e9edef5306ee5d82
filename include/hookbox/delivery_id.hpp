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

#include <hookbox/error.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>

namespace hookbox {

/// A 128-bit delivery id, held as 16 bytes and written as a canonical lowercase UUID
/// (`8-4-4-4-12` hexadecimal digits). A value type: cheap to copy, compare and hash.
class delivery_id {
public:
    /// The nil id (all zero bits). No generated id is nil.
    constexpr delivery_id() noexcept = default;

    /// Builds an id from its 16 bytes, most significant first.
    explicit constexpr delivery_id(const std::array<std::uint8_t, 16>& bytes) noexcept : bytes_(bytes) {}

    /// A fresh random UUID v4. Each thread draws from its own generator, seeded from
    /// `std::random_device`, so ids made by several threads and processes do not collide in practice.
    /// Ids are unique, not secret: nothing relies on them being unpredictable.
    static delivery_id generate() noexcept;

    /// Parses the canonical form (either letter case).
    /// Errors: `errc::invalid_delivery_id`.
    static delivery_id parse(std::string_view text, error_code& ec) noexcept;

    /// Throwing overload of `parse`; throws `error_with_diagnostics`.
    static delivery_id parse(std::string_view text);

    constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

    constexpr bool is_nil() const noexcept {
        for (auto b : bytes_)
            if (b != 0)
                return false;
        return true;
    }

    /// The canonical 36-character lowercase form.
    std::string to_string() const {
        std::string out(36, '-');
        write(out.data());
        return out;
    }

    /// Writes the 36-character form to `out` (no terminator).
    void write(char* out) const noexcept {
        static constexpr char hex[] = "0123456789abcdef";
        int o = 0;
        for (int i = 0; i < 16; ++i) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                out[o++] = '-';
            out[o++] = hex[bytes_[i] >> 4];
            out[o++] = hex[bytes_[i] & 0xF];
        }
    }

    friend constexpr bool operator==(const delivery_id&, const delivery_id&) noexcept = default;
    friend constexpr auto operator<=>(const delivery_id&, const delivery_id&) noexcept = default;

    friend std::ostream& operator<<(std::ostream& os, const delivery_id& id) { return os << id.to_string(); }

private:
    std::array<std::uint8_t, 16> bytes_{};
};

namespace detail {

// xoshiro256**: fast, 256 bits of state, good statistical quality. One per thread.
class id_generator {
public:
    id_generator() noexcept {
        std::random_device rd;
        std::uint64_t seed = (std::uint64_t(rd()) << 32) ^ rd();
        seed ^= std::hash<std::thread::id>{}(std::this_thread::get_id());
        for (auto& s : s_) {
            s = splitmix(seed) ^ ((std::uint64_t(rd()) << 32) | rd());
        }
    }

    std::uint64_t next() noexcept {
        std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static std::uint64_t splitmix(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    std::uint64_t s_[4];
};

inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}  // namespace detail

inline delivery_id delivery_id::generate() noexcept {
    thread_local detail::id_generator gen;
    std::uint64_t hi = gen.next();
    std::uint64_t lo = gen.next();
    std::array<std::uint8_t, 16> b;
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        b[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return delivery_id(b);
}

inline delivery_id delivery_id::parse(std::string_view text, error_code& ec) noexcept {
    ec.clear();
    std::array<std::uint8_t, 16> b{};
    if (text.size() != 36) {
        ec = make_error_code(errc::invalid_delivery_id);
        return {};
    }
    int byte = 0;
    for (std::size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') {
                ec = make_error_code(errc::invalid_delivery_id);
                return {};
            }
            ++i;
            continue;
        }
        int h = detail::hex_value(text[i]);
        int l = detail::hex_value(text[i + 1]);
        if (h < 0 || l < 0) {
            ec = make_error_code(errc::invalid_delivery_id);
            return {};
        }
        b[byte++] = static_cast<std::uint8_t>(h << 4 | l);
        i += 2;
    }
    return delivery_id(b);
}

inline delivery_id delivery_id::parse(std::string_view text) {
    error_code ec;
    delivery_id id = parse(text, ec);
    if (ec) {
        diagnostics diag;
        diag.assign("id", "id: '" + std::string(text.substr(0, 64)) + "' is not a canonical UUID");
        throw error_with_diagnostics(ec, std::move(diag));
    }
    return id;
}

}  // namespace hookbox

template <>
struct std::hash<hookbox::delivery_id> {
    std::size_t operator()(const hookbox::delivery_id& id) const noexcept {
        // The bytes are random already; fold them rather than hash them again.
        std::uint64_t a, b;
        std::memcpy(&a, id.bytes().data(), 8);
        std::memcpy(&b, id.bytes().data() + 8, 8);
        return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
    }
};

#endif  // HOOKBOX_DELIVERY_ID_HPP
