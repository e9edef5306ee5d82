//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_SLOT_LIST_HPP
#define HOOKBOX_STORAGE_DETAIL_SLOT_LIST_HPP

#include <hookbox/storage/detail/memory_row.hpp>
#include <hookbox/storage/detail/row_pool.hpp>

// The intrusive lists of the memory storage (each partition's fresh queue, and the in-flight list),
// linked through row::prev and row::next. A list is its `head` and `tail` slots, both no_slot when
// empty; a row is in at most one list at a time, which is what lets one pair of links serve all of
// them. Inline: enqueue, claim and ack link or unlink a row each.

namespace hookbox::detail::mem {

inline void link_back(row_pool& pool, slot_t& head, slot_t& tail, slot_t s) noexcept {
    auto& r = pool[s];
    r.prev = tail;
    r.next = no_slot;
    if (tail != no_slot)
        pool[tail].next = s;
    else
        head = s;
    tail = s;
}

// Links `s` in before `pos` (no_slot: at the back).
inline void link_before(row_pool& pool, slot_t& head, slot_t& tail, slot_t pos, slot_t s) noexcept {
    if (pos == no_slot)
        return link_back(pool, head, tail, s);
    auto& r = pool[s];
    auto& p = pool[pos];
    r.next = pos;
    r.prev = p.prev;
    if (p.prev != no_slot)
        pool[p.prev].next = s;
    else
        head = s;
    p.prev = s;
}

inline void unlink(row_pool& pool, slot_t& head, slot_t& tail, slot_t s) noexcept {
    auto& r = pool[s];
    if (r.prev != no_slot)
        pool[r.prev].next = r.next;
    else
        head = r.next;
    if (r.next != no_slot)
        pool[r.next].prev = r.prev;
    else
        tail = r.prev;
    r.prev = r.next = no_slot;
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_DETAIL_SLOT_LIST_HPP
