//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_HUGE_PAGES_IPP
#define HOOKBOX_STORAGE_IMPL_HUGE_PAGES_IPP

#include <hookbox/storage/detail/huge_pages.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hookbox::detail::mem {

void* allocate_huge(std::size_t bytes) {
    void* mem = ::operator new(bytes, std::align_val_t(huge_page));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(mem, bytes, MADV_HUGEPAGE); // advice only: failure is harmless
#endif
    return mem;
}

void free_huge(void* mem, std::size_t bytes) noexcept {
#if defined(__cpp_sized_deallocation)
    ::operator delete(mem, bytes, std::align_val_t(huge_page));
#else
    // Clang has no sized deallocation unless asked for (-fsized-deallocation).
    (void)bytes;
    ::operator delete(mem, std::align_val_t(huge_page));
#endif
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_HUGE_PAGES_IPP
