//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_ROW_INDEX_HPP
#define HOOKBOX_STORAGE_DETAIL_ROW_INDEX_HPP

#include <hookbox/delivery_id.hpp>
#include <hookbox/storage/detail/hasher64.hpp>
#include <hookbox/storage/detail/huge_pages.hpp>
#include <hookbox/storage/detail/interning.hpp>
#include <hookbox/storage/detail/memory_row.hpp>
#include <hookbox/storage/detail/row_pool.hpp>

#include <boost/unordered/unordered_flat_set.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

// The hash indexes of the memory storage: rows by id and by their (event_id, webhook_id) pair. Every
// function here is inline: each enqueue inserts into both, and each lookup by id goes through them.

namespace hookbox::detail::mem {

// The hash indexes hold 8-byte entries: 32 bits of the key's hash beside the row's slot, so that
// growing a table never reads a row, and a lookup reads a row only when those 32 bits match.
inline std::uint64_t make_entry(std::uint32_t h, slot_t s) noexcept {
    return (std::uint64_t(h) << 32) | s;
}
inline slot_t entry_slot(std::uint64_t e) noexcept {
    return static_cast<slot_t>(e);
}
inline std::uint32_t entry_hash(std::uint64_t e) noexcept {
    return static_cast<std::uint32_t>(e >> 32);
}

inline std::uint32_t id_hash32(const delivery_id& id) noexcept {
    return static_cast<std::uint32_t>(std::hash<delivery_id>{}(id) >> 32);
}

struct id_key {
    const delivery_id& id;
    std::uint32_t hash;
    explicit id_key(const delivery_id& i) noexcept : id(i), hash(id_hash32(i)) {}
};

struct dedup_key {
    std::string_view event_id;
    std::string_view webhook_id;
    std::uint32_t hash;

    dedup_key(std::string_view event, std::string_view webhook, std::uint64_t seed) noexcept
        : event_id(event), webhook_id(webhook),
          hash(static_cast<std::uint32_t>(hasher64(seed).add(event).add(webhook).value())) {}
};

struct entry_hash_fn {
    using is_transparent = void;
    std::size_t operator()(std::uint64_t e) const noexcept { return entry_hash(e); }
    std::size_t operator()(const id_key& k) const noexcept { return k.hash; }
    std::size_t operator()(const dedup_key& k) const noexcept { return k.hash; }
};

struct entry_equal_fn {
    using is_transparent = void;
    const row_pool* pool = nullptr;

    bool operator()(std::uint64_t a, std::uint64_t b) const noexcept { return a == b; }
    bool operator()(const id_key& k, std::uint64_t e) const noexcept {
        return entry_hash(e) == k.hash && (*pool)[entry_slot(e)].id == k.id;
    }
    bool operator()(std::uint64_t e, const id_key& k) const noexcept { return (*this)(k, e); }
    bool operator()(const dedup_key& k, std::uint64_t e) const noexcept {
        if (entry_hash(e) != k.hash)
            return false;
        const row& r = (*pool)[entry_slot(e)];
        return r.event_id.view() == k.event_id && r.tgt->webhook_id == k.webhook_id;
    }
    bool operator()(std::uint64_t e, const dedup_key& k) const noexcept { return (*this)(k, e); }
};

using entry_set =
    boost::unordered_flat_set<std::uint64_t, entry_hash_fn, entry_equal_fn, index_allocator<std::uint64_t>>;

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_DETAIL_ROW_INDEX_HPP
