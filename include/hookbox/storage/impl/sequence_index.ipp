//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_SEQUENCE_INDEX_IPP
#define HOOKBOX_STORAGE_IMPL_SEQUENCE_INDEX_IPP

#include <hookbox/storage/detail/sequence_index.hpp>

namespace hookbox::detail::mem {

std::uint64_t sequence_index::first_live() noexcept {
    while (head_ < size_) {
        auto& c = chunks_[head_ / chunk];
        if (c[head_ % chunk] != no_slot)
            break;
        if (++head_ % chunk == 0)
            c.reset(); // the chunk just passed: every row in it is gone
    }
    return head_ + 1;
}

void sequence_index::add_chunk() {
    chunks_.push_back(std::make_unique_for_overwrite<slot_t[]>(chunk));
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_SEQUENCE_INDEX_IPP
