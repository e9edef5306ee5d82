//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_ROUND_HPP
#define HOOKBOX_DISPATCH_DETAIL_ROUND_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace hookbox::detail {

// One node's claim rounds over the outbox's partitions: what a round asks `claim_many` for, and
// where the next round starts. No I/O; the dispatcher runs a round whenever it has room.
//
// Fairness: a round asks for `room` rows in all (the storage stops at that total, in the order of
// the claims). Every partition first takes an equal share of the room (rounded up, at most
// `batch_size`); when that share is below `batch_size`, a second pass lets each partition top up
// to `batch_size` with what the others left, in the same order. The walk starts at the node's
// offset (`node_offset`, so that nodes sharing a storage begin on different partitions), and each
// later round starts after the last partition that gave rows in the previous one: when the room is
// small (requests finish a few at a time under load) the partitions take turns instead of the
// first ones taking it all, and a backlog in one partition never starves the others.
class claim_round {
public:
    // One partition, node "node-1"; the dispatcher assigns its own before its first round.
    claim_round() = default;

    // Throws `error_with_diagnostics` when `partitions` is not positive or `node_id` is not valid
    // UTF-8 (from `node_offset`).
    HOOKBOX_DECL claim_round(std::string node_id,
                             int partitions,
                             std::size_t batch_size,
                             std::chrono::milliseconds claim_ttl);

    // The claims of one round for `room` rows in all, in walk order: `partitions()` claims, or
    // twice as many when the fair share is below `batch_size` (the top-up pass). None for a room
    // of 0.
    HOOKBOX_DECL std::vector<claim_options> plan(std::size_t room) const;

    // Moves the walk on after a round: `per_partition` is what `claim_many` returned for the
    // claims of `plan`, in their order (fewer entries when a storage error cut the round short).
    // Nothing returned anything: the next round starts where this one did.
    HOOKBOX_DECL void advance(std::span<const std::vector<delivery>> per_partition) noexcept;

    int partitions() const noexcept { return partitions_; }
    // Where this node's walk started first.
    int offset() const noexcept { return offset_; }
    // The partition the next round's walk starts at.
    int first() const noexcept { return (offset_ + cursor_) % partitions_; }

private:
    std::string node_id_ = "node-1";
    int partitions_ = 1;
    int offset_ = 0;
    int cursor_ = 0;  // where the next walk starts, counted from offset_
    std::size_t batch_size_ = 32;
    std::chrono::milliseconds claim_ttl_{60000};
};

}  // namespace hookbox::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/dispatch/impl/round.ipp>
#endif

#endif  // HOOKBOX_DISPATCH_DETAIL_ROUND_HPP
