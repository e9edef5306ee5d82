//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_IMPL_ROUND_IPP
#define HOOKBOX_DISPATCH_IMPL_ROUND_IPP

#include <hookbox/dispatch/detail/round.hpp>

#include <hookbox/partition.hpp>

#include <algorithm>
#include <utility>

namespace hookbox::detail {

claim_round::claim_round(std::string node_id,
                         int partitions,
                         std::size_t batch_size,
                         std::chrono::milliseconds claim_ttl)
    : node_id_(std::move(node_id)), partitions_(partitions), batch_size_(batch_size), claim_ttl_(claim_ttl) {
    offset_ = node_offset(node_id_, partitions_);
}

std::vector<claim_options> claim_round::plan(std::size_t room) const {
    std::vector<claim_options> batch;
    if (room == 0)
        return batch;
    const auto p = static_cast<std::size_t>(partitions_);
    const std::size_t share = std::min(batch_size_, (room + p - 1) / p);
    const bool top_up = share < batch_size_;
    batch.reserve(top_up ? 2 * p : p);
    for (int pass = 0; pass < (top_up ? 2 : 1); ++pass) {
        for (int step = 0; step < partitions_; ++step) {
            claim_options o;
            o.node_id = node_id_;
            o.limit = pass == 0 ? share : batch_size_ - share;
            o.claim_ttl = claim_ttl_;
            o.partition = partition_ref{(offset_ + cursor_ + step) % partitions_, partitions_};
            batch.push_back(std::move(o));
        }
    }
    return batch;
}

void claim_round::advance(std::span<const std::vector<delivery>> per_partition) noexcept {
    // Entry i is the claim of partition (first + i) % partitions, in either pass: the last one with
    // rows is where the walk stopped being served.
    for (std::size_t i = per_partition.size(); i-- > 0;) {
        if (!per_partition[i].empty()) {
            cursor_ = static_cast<int>((static_cast<std::size_t>(cursor_) + i + 1) % partitions_);
            return;
        }
    }
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_IMPL_ROUND_IPP
