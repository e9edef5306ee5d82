//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_COMPACT_TEXT_IPP
#define HOOKBOX_STORAGE_IMPL_COMPACT_TEXT_IPP

#include <hookbox/storage/detail/compact_text.hpp>

#include <limits>
#include <stdexcept>

namespace hookbox::detail::mem {

std::optional<std::string> compact_text::to_optional() const {
    return has_value() ? std::optional<std::string>(std::string(view())) : std::nullopt;
}

void compact_text::assign_heap(std::string_view s) {
    if (s.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("hookbox: text longer than 4 GiB");
    char* p = new char[s.size()];
    std::memcpy(p, s.data(), s.size());
    auto n = static_cast<std::uint32_t>(s.size());
    std::memcpy(data_, &p, sizeof p);
    std::memcpy(data_ + sizeof p, &n, sizeof n);
    tag_ = heap_tag;
}

void compact_text::free_heap() noexcept {
    char* p;
    std::memcpy(&p, data_, sizeof p);
    delete[] p;
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_COMPACT_TEXT_IPP
