//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_MEMORY_STATE_HPP
#define HOOKBOX_STORAGE_DETAIL_MEMORY_STATE_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/detail/compact_text.hpp>
#include <hookbox/storage/detail/interning.hpp>
#include <hookbox/storage/detail/memory_row.hpp>
#include <hookbox/storage/detail/row_index.hpp>
#include <hookbox/storage/detail/row_pool.hpp>
#include <hookbox/storage/detail/sequence_index.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace hookbox::detail::mem {

// The claimable rows of one partition.
struct partition_queues {
    // Never-claimed rows in sequence order, linked through row::prev/next.
    slot_t fresh_head = no_slot;
    slot_t fresh_tail = no_slot;
    // How many rows the fresh list holds.
    std::size_t fresh_count = 0;
    // Rows that came back and are claimable now, by sequence.
    std::map<std::uint64_t, slot_t> ready;
    // Rows that came back and wait for next_retry_at, by (next_retry_at, sequence).
    std::set<std::tuple<std::int64_t, std::uint64_t, slot_t>> delayed;
};

// The rows of one memory_storage and every index over them. Nothing here locks: memory_storage
// holds `mu` around each call, except `insert`, which takes it itself after the checks that need no
// lock. Every operation that can throw does so before it changes anything, so that a failure (an
// allocation) leaves the rows as they were.
struct memory_state {
    mutable std::mutex mu;
    std::uint64_t seed = seed_from(delivery_id::generate());
    row_pool pool;
    sequence_index all;
    entry_set ids{0, entry_hash_fn{}, entry_equal_fn{&pool}};
    entry_set dedup{0, entry_hash_fn{}, entry_equal_fn{&pool}};
    target_table targets;
    name_table names;
    std::vector<std::unique_ptr<partition_queues>> partitions;
    // In claim order: (claimed_at, claim_token) ascending, so the oldest claim is reaped first.
    slot_t flight_head = no_slot;
    slot_t flight_tail = no_slot;
    // Pending rows that came back (ready or delayed), by sequence.
    std::map<std::uint64_t, slot_t> returned;
    std::uint64_t next_token = 0;
    // Scratch space of claim, kept to save an allocation per call.
    std::vector<slot_t> taken;
    std::vector<std::pair<std::uint64_t, partition_queues*>> heads;
    std::array<std::int64_t, delivery_status_count> counts{};

    memory_state() = default;
    memory_state(const memory_state&) = delete;
    memory_state& operator=(const memory_state&) = delete;

    // Destroys the live rows; the pool frees their blocks after.
    HOOKBOX_DECL ~memory_state();

    static std::uint64_t seed_from(const delivery_id& random) noexcept {
        std::uint64_t v;
        std::memcpy(&v, random.bytes().data(), 8);
        return v;
    }

    const row& row_of(std::uint64_t entry) const noexcept { return pool[entry_slot(entry)]; }

    slot_t find(const delivery_id& id) const noexcept {
        auto it = ids.find(id_key(id));
        return it == ids.end() ? no_slot : entry_slot(*it);
    }

    // By sequence when the caller knows it (an index, no hashing), else by id.
    slot_t find(const claim_ref& ref) const noexcept {
        if (ref.sequence != 0) {
            slot_t s = all.at(ref.sequence);
            return s != no_slot && pool[s].id == ref.id ? s : no_slot;
        }
        return find(ref.id);
    }

    void count(delivery_status s, int delta) noexcept { counts[static_cast<std::size_t>(s)] += delta; }

    partition_queues& partition(int p) {
        while (partitions.size() <= static_cast<std::size_t>(p))
            partitions.push_back(std::make_unique<partition_queues>());
        return *partitions[static_cast<std::size_t>(p)];
    }

    HOOKBOX_DECL bool matches(const delivery_filter& f, const row& r) const noexcept;

    // ----- the row as the API shows it -----

    HOOKBOX_DECL delivery to_delivery(const row& r, bool with_secret) const;

    // Makes `d` the row as the API shows it. Every field is assigned, so `d` may be any earlier
    // delivery: its strings keep their capacity, and a reused `d` needs no allocation.
    HOOKBOX_DECL static void fill(delivery& d, const row& r, bool with_secret);

    // `o = v`, into the string `o` already holds when there is one.
    HOOKBOX_DECL static void assign(std::optional<std::string>& o, std::optional<std::string_view> v);
    HOOKBOX_DECL static void assign(std::optional<std::string>& o, const compact_text& v);

    // The latest attempt record, made of the row's last-attempt fields.
    HOOKBOX_DECL static attempt_record current_record(const row& r);

    // Before the last-attempt fields change, their record moves to `older`. The history it
    // shows stays the same, so a later failure in the same step leaves nothing to undo.
    HOOKBOX_DECL static void archive(row& r);

    // ----- enqueue -----

    // Stores `d` unless its (event_id, webhook_id) is taken; its strings are taken only when stored.
    // Takes `mu`.
    HOOKBOX_DECL enqueue_result insert(const new_row& d, error_code& ec, diagnostics& diag);

    // Stores a new row whose id and (event_id, webhook_id) are known to be free. Strong
    // guarantee: if a step throws, nothing of the row stays behind.
    HOOKBOX_DECL enqueue_result store(const new_row& d, std::uint32_t dedup_hash, std::uint32_t id_hash);

    HOOKBOX_DECL static bool check_partition(std::int32_t partition, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL static void fail_id_taken(const delivery_id& id, error_code& ec, diagnostics& diag);

    // ----- rows that come back to pending -----

    // Puts a row that is about to become pending again in the returned index and in its
    // partition's ready set, or its delayed set when it has a retry time. Only these inserts
    // can throw, so callers make them before they change anything else.
    HOOKBOX_DECL void enter_returned(slot_t s, std::int64_t next_retry_at);

    // Takes a pending row out of whichever queue holds it.
    HOOKBOX_DECL void leave_pending(slot_t s) noexcept;

    // Moves rows whose retry time has come from the delayed set to the ready set.
    HOOKBOX_DECL void promote(partition_queues& part, timestamp now);

    // Ends a claim: out of the in-flight list, the node's name let go. The row is still counted
    // as in flight; the caller moves it.
    HOOKBOX_DECL void drop_claim(slot_t s) noexcept;

    HOOKBOX_DECL void reap(timestamp reap_before, timestamp now);

    // Pending rows per partition, and the created_at of each one's lowest-sequence pending row.
    HOOKBOX_DECL std::vector<partition_depth> partition_depths(timestamp now) const;

    // ----- claim -----

    static constexpr std::uint64_t none = ~std::uint64_t(0);
    static constexpr std::uint64_t prefetch_distance = 16;

    // The lowest sequence claimable in a partition, or `none`.
    std::uint64_t head(const partition_queues& part) const noexcept {
        std::uint64_t a = part.fresh_head == no_slot ? none : pool[part.fresh_head].sequence;
        std::uint64_t b = part.ready.empty() ? none : part.ready.begin()->first;
        return a < b ? a : b;
    }

    // The body of `claim`: the claimed deliveries replace the contents of `out`.
    HOOKBOX_DECL void claim(const claim_query& q, std::vector<delivery>& out);

    // Removes the partition's lowest-sequence claimable row and claims it.
    HOOKBOX_DECL slot_t take(partition_queues& part, const claim_query& q, node_name* node);

    // ----- ack, release, redeliver, purge -----

    // The row that `ref`'s claim still holds; no_slot (and the error) when there is no such
    // row, or when the claim was reaped or taken over.
    HOOKBOX_DECL slot_t held(const claim_ref& ref, error_code& ec, diagnostics& diag);

    HOOKBOX_DECL void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag);

    HOOKBOX_DECL void
    release(const claim_ref& ref, const release_request& rr, error_code& ec, diagnostics& diag);

    // Redelivery: a finished row back to pending, its counters and last attempt cleared, its
    // history kept.
    HOOKBOX_DECL void reset(slot_t s, timestamp now);

    // Deletes a row: out of whichever queue its status puts it in, out of the dedup index (so
    // its pair may be enqueued again) and the id index, and back to the pool.
    HOOKBOX_DECL void remove(slot_t s) noexcept;
};

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/memory_state.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_MEMORY_STATE_HPP
