//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_PREFETCH_HPP
#define HOOKBOX_DETAIL_PREFETCH_HPP

namespace hookbox::detail {

// A hint that the cache line at `p` is wanted soon, so that a miss overlaps with other work; nothing
// where the compiler has no such hint. `p` need not point to a live object: a prefetch never faults.
inline void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_PREFETCH_HPP
