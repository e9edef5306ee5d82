//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_HASHER64_HPP
#define HOOKBOX_STORAGE_DETAIL_HASHER64_HPP

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace hookbox::detail::mem {

// A 64-bit hash of byte strings, fed field by field. Keys are short (ids, URLs), so it reads eight
// bytes per step; each table applies its own final mixing. The seed is random per storage, so
// that which keys collide cannot be known in advance.
//
// Inline: every enqueue hashes its target and its dedup key with it.
class hasher64 {
public:
    explicit hasher64(std::uint64_t seed) noexcept : h_(seed) {}

    hasher64& add(std::string_view s) noexcept {
        const char* p = s.data();
        std::size_t n = s.size();
        h_ = (h_ ^ (n + 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
        for (; n >= 8; p += 8, n -= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h_ = (h_ ^ w) * 0x94d049bb133111ebULL;
            h_ ^= h_ >> 31;
        }
        if (n != 0) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, n);
            h_ = (h_ ^ w) * 0x94d049bb133111ebULL;
            h_ ^= h_ >> 31;
        }
        return *this;
    }

    hasher64& add(std::uint64_t v) noexcept {
        h_ = (h_ ^ v) * 0xbf58476d1ce4e5b9ULL;
        h_ ^= h_ >> 29;
        return *this;
    }

    std::uint64_t value() const noexcept { return h_ ^ (h_ >> 32); }

private:
    std::uint64_t h_;
};

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_DETAIL_HASHER64_HPP
