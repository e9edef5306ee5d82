//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_COMPACT_TEXT_HPP
#define HOOKBOX_STORAGE_DETAIL_COMPACT_TEXT_HPP

#include <hookbox/detail/config.hpp>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace hookbox::detail::mem {

// A string of up to 4 GiB, or none (`std::optional<std::string>` in 16 bytes instead of 40):
// up to 15 bytes inside, longer ones on the heap. The bytes are memcpy'd in and out of `data_`, so
// that the pointer and length of the heap case need no alignment and the type stays 16 bytes.
class compact_text {
public:
    compact_text() noexcept = default;

    // Inline: every enqueue makes one (the event id), and event ids fit inside almost always.
    explicit compact_text(std::string_view s) {
        if (s.size() <= inline_capacity) {
            std::memcpy(data_, s.data(), s.size());
            tag_ = static_cast<std::uint8_t>(s.size());
            return;
        }
        assign_heap(s);
    }

    compact_text(compact_text&& o) noexcept : tag_(o.tag_) {
        std::memcpy(data_, o.data_, sizeof data_);
        o.tag_ = null_tag;
    }

    compact_text& operator=(compact_text&& o) noexcept {
        if (this != &o) {
            release();
            std::memcpy(data_, o.data_, sizeof data_);
            tag_ = o.tag_;
            o.tag_ = null_tag;
        }
        return *this;
    }

    compact_text(const compact_text&) = delete;
    compact_text& operator=(const compact_text&) = delete;

    ~compact_text() { release(); }

    bool has_value() const noexcept { return tag_ != null_tag; }

    // The text; empty when there is none. Inline: dedup lookups and claims read it.
    std::string_view view() const noexcept {
        if (tag_ <= inline_capacity)
            return {data_, tag_};
        if (tag_ == heap_tag) {
            const char* p;
            std::uint32_t n;
            std::memcpy(&p, data_, sizeof p);
            std::memcpy(&n, data_ + sizeof p, sizeof n);
            return {p, n};
        }
        return {};
    }

    HOOKBOX_DECL std::optional<std::string> to_optional() const;

    void reset() noexcept { release(); }

private:
    static constexpr std::uint8_t inline_capacity = 15;
    static constexpr std::uint8_t heap_tag = 0xFE;
    static constexpr std::uint8_t null_tag = 0xFF;

    // The case of a text longer than inline_capacity: a heap copy. Throws std::length_error past
    // 4 GiB, and std::bad_alloc; `*this` is unchanged then.
    HOOKBOX_DECL void assign_heap(std::string_view s);

    void release() noexcept {
        if (tag_ == heap_tag)
            free_heap();
        tag_ = null_tag;
    }

    HOOKBOX_DECL void free_heap() noexcept;

    char data_[inline_capacity];
    std::uint8_t tag_ = null_tag;
};

static_assert(sizeof(compact_text) == 16);

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/compact_text.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_COMPACT_TEXT_HPP
