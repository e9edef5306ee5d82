//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_ROW_POOL_HPP
#define HOOKBOX_STORAGE_DETAIL_ROW_POOL_HPP

#include <hookbox/detail/config.hpp>
#include <hookbox/storage/detail/huge_pages.hpp>
#include <hookbox/storage/detail/memory_row.hpp>

#include <cstddef>
#include <new>
#include <vector>

namespace hookbox::detail::mem {

// Rows live at fixed slots in blocks that the storage allocates; a deleted row's slot is reused by
// the next insert. The first block is small (256 rows), so that a small storage stays small; every
// later block takes a 2 MiB huge page.
//
// Indexing and `make` are inline: every enqueue, claim and ack goes through them. Only growing and
// freeing the blocks are out of line.
class row_pool {
public:
    static constexpr std::size_t first_rows = 256;
    static constexpr std::size_t rows_per_block = huge_page / sizeof(row);

    row_pool() = default;
    row_pool(const row_pool&) = delete;
    row_pool& operator=(const row_pool&) = delete;

    // Frees the blocks; the rows in them must have been destroyed already.
    HOOKBOX_DECL ~row_pool();

    row& operator[](slot_t s) noexcept { return *static_cast<row*>(address(s)); }
    const row& operator[](slot_t s) const noexcept { return *static_cast<const row*>(address(s)); }

    // A new, default-constructed row.
    slot_t make() {
        slot_t s;
        if (free_ != no_slot) {
            s = free_;
            free_ = *static_cast<slot_t*>(address(s));
        } else {
            if (used_ == capacity())
                grow();
            s = static_cast<slot_t>(used_++);
        }
        ::new (address(s)) row; // every member has its initialiser; none throws
        return s;
    }

    // Destroys a row made by `make` and keeps its slot for the next one.
    void destroy(slot_t s) noexcept {
        (*this)[s].~row();
        ::new (address(s)) slot_t(free_);
        free_ = s;
    }

private:
    std::size_t capacity() const noexcept {
        return first_ ? first_rows + blocks_.size() * rows_per_block : 0;
    }

    void* address(slot_t s) const noexcept {
        if (s < first_rows)
            return static_cast<unsigned char*>(first_) + std::size_t(s) * sizeof(row);
        std::size_t i = s - first_rows;
        return static_cast<unsigned char*>(blocks_[i / rows_per_block]) + (i % rows_per_block) * sizeof(row);
    }

    // One more block; throws std::length_error when the slots would run out, and std::bad_alloc.
    HOOKBOX_DECL void grow();

    void* first_ = nullptr;
    std::vector<void*> blocks_;
    std::size_t used_ = 0;  // slots handed out at least once
    slot_t free_ = no_slot; // the latest destroyed slot; each free slot holds the next one
};

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/row_pool.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_ROW_POOL_HPP
