//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_ROW_POOL_IPP
#define HOOKBOX_STORAGE_IMPL_ROW_POOL_IPP

#include <hookbox/storage/detail/row_pool.hpp>

#include <stdexcept>

namespace hookbox::detail::mem {

row_pool::~row_pool() {
    if (first_) {
#if defined(__cpp_sized_deallocation)
        ::operator delete(first_, first_rows * sizeof(row), std::align_val_t(alignof(row)));
#else
        ::operator delete(first_, std::align_val_t(alignof(row)));  // see free_huge
#endif
    }
    for (void* b : blocks_)
        free_huge(b, huge_page);
}

void row_pool::grow() {
    if (!first_) {
        first_ = ::operator new(first_rows * sizeof(row), std::align_val_t(alignof(row)));
        return;
    }
    if (capacity() + rows_per_block >= no_slot)
        throw std::length_error("hookbox: memory_storage holds too many rows");
    blocks_.reserve(blocks_.size() + 1);
    blocks_.push_back(allocate_huge(huge_page));
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_ROW_POOL_IPP
