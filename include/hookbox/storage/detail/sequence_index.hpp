//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_SEQUENCE_INDEX_HPP
#define HOOKBOX_STORAGE_DETAIL_SEQUENCE_INDEX_HPP

#include <hookbox/detail/config.hpp>
#include <hookbox/storage/detail/memory_row.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace hookbox::detail::mem {

// Sequence -> slot, for every sequence handed out: rows are numbered 1, 2, 3, ... in insert order.
// Chunks wholly below the first live row are freed, so a storage whose oldest rows are purged
// does not keep their entries.
//
// `at`, `push`, `pop` and `erase` are inline: enqueue, claim and ack use them per row.
class sequence_index {
public:
    static constexpr std::size_t chunk = 16384;

    std::uint64_t size() const noexcept { return size_; }

    // The slot of `seq`, or no_slot for a removed row or a sequence out of range.
    slot_t at(std::uint64_t seq) const noexcept {
        if (seq == 0 || seq > size_)
            return no_slot;
        const auto& c = chunks_[(seq - 1) / chunk];
        return c ? c[(seq - 1) % chunk] : no_slot;
    }

    // Numbers a new row.
    std::uint64_t push(slot_t s) {
        if (size_ / chunk == chunks_.size())
            add_chunk();
        chunks_[size_ / chunk][size_ % chunk] = s;
        return ++size_;
    }

    // Takes back the latest `push`.
    void pop() noexcept { --size_; }

    void erase(std::uint64_t seq) noexcept { chunks_[(seq - 1) / chunk][(seq - 1) % chunk] = no_slot; }

    // The lowest sequence that may be live (size() + 1 when none is). Advances past removed rows
    // and frees the chunks it leaves behind.
    HOOKBOX_DECL std::uint64_t first_live() noexcept;

private:
    HOOKBOX_DECL void add_chunk();

    std::vector<std::unique_ptr<slot_t[]>> chunks_;
    std::uint64_t size_ = 0;
    std::uint64_t head_ = 0; // no row below sequence head_ + 1 is live
};

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/sequence_index.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_SEQUENCE_INDEX_HPP
