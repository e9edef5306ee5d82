//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_HUGE_PAGES_HPP
#define HOOKBOX_STORAGE_DETAIL_HUGE_PAGES_HPP

#include <hookbox/detail/config.hpp>

#include <cstddef>
#include <memory>
#include <new>

namespace hookbox::detail::mem {

// Large, long-lived arrays (row blocks, index tables) are allocated aligned to 2 MiB and, on Linux,
// offered to the kernel for transparent huge pages: touching fresh memory then costs one page fault
// per 2 MiB instead of one per 4 KiB, and page faults are what filling a new storage mostly costs.
inline constexpr std::size_t huge_page = std::size_t(2) << 20;

// `bytes` (a multiple of huge_page) aligned to huge_page; throws std::bad_alloc.
HOOKBOX_DECL void* allocate_huge(std::size_t bytes);

// Frees what allocate_huge(bytes) returned.
HOOKBOX_DECL void free_huge(void* mem, std::size_t bytes) noexcept;

// The allocator of the hash indexes: a table of 256 KiB or more takes whole huge pages (at most
// twice its size in memory, and only once the storage holds some 30000 rows); smaller ones come
// from the ordinary heap.
template <class T> struct index_allocator {
    using value_type = T;
    static constexpr std::size_t large = std::size_t(256) << 10;

    index_allocator() noexcept = default;
    template <class U> index_allocator(const index_allocator<U>&) noexcept {}

    static std::size_t huge_bytes(std::size_t n) noexcept {
        std::size_t bytes = n * sizeof(T);
        return bytes < large ? 0 : (bytes + huge_page - 1) / huge_page * huge_page;
    }

    T* allocate(std::size_t n) {
        if (n > std::size_t(-1) / sizeof(T))
            throw std::bad_array_new_length();
        if (std::size_t b = huge_bytes(n))
            return static_cast<T*>(allocate_huge(b));
        return std::allocator<T>().allocate(n);
    }

    void deallocate(T* p, std::size_t n) noexcept {
        if (std::size_t b = huge_bytes(n))
            free_huge(p, b);
        else
            std::allocator<T>().deallocate(p, n);
    }

    template <class U> bool operator==(const index_allocator<U>&) const noexcept { return true; }
};

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/huge_pages.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_HUGE_PAGES_HPP
