//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
#define HOOKBOX_STORAGE_MEMORY_STORAGE_HPP

/// \file
/// `memory_storage`: an `outbox_storage` that keeps every delivery in this process's memory.

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace hookbox {

namespace detail::mem {
struct memory_state;
}  // namespace detail::mem

/// An `outbox_storage` in this process's memory: nothing survives the process, so it suits tests,
/// caches of work that can be rebuilt, and single-process services that accept that.
///
/// Every operation takes one mutex, so a `memory_storage` may be used from several threads at once.
///
/// Costs do not depend on how many rows exist. Each partition keeps its never-claimed rows in a
/// FIFO (they arrive in sequence order), and rows that come back (retried, reaped, released,
/// redelivered) in a set ordered by sequence, or by `next_retry_at` while they wait; in-flight rows
/// are kept in claim order for reaping; finished rows are in none of these. Enqueue, claiming one
/// row and acking one row cost `O(1)` on the common path and `O(log n)` for rows that came back; a
/// claim over every partition adds `O(p)` for `p` partitions. `list` seeks its cursor in `O(1)` and
/// then walks rows in sequence order, so a filtered `list` costs the rows it passes over.
///
/// The operations walk rows in sequence order and cost the rows they pass over: `replay`, `purge`
/// (a batch stops at its limit) and `failures` (every row). Rows removed from the front of the
/// sequence are skipped in `O(1)`, so a retention sweep that deletes the oldest rows does not rescan
/// them.
///
/// Finished rows stay until `purge` removes them (the retention sweeper calls it), and their dedup
/// entries go with them. Each row keeps its latest 100 attempt records.
///
/// Memory: a row takes about 230 bytes besides its payload and its URL (both taken from the request,
/// not copied) and its other texts longer than 15 bytes. What deliveries share (webhook id, event
/// type, method, headers, secret, timeout) is stored once for all of them. Beyond its first 256
/// rows, rows live in 2 MiB blocks, and large index tables in whole 2 MiB pages, offered to the
/// kernel as huge pages on Linux. A purged row's place is reused by the next enqueue; the blocks are
/// freed when the storage is destroyed, not when rows are purged.
///
/// A moved-from `memory_storage` may only be destroyed or assigned to.
///
/// Each member does what the requirements table of `outbox_storage` (`<hookbox/storage/concept.hpp>`)
/// says, the optional `insert` from a request, `claim` into a vector and `claim_many` included.
class memory_storage {
public:
    /// `list` applies every filter of `list_options` (see `outbox_storage`).
    static constexpr bool lists_by_event_and_time = true;

    /// An empty storage.
    HOOKBOX_DECL memory_storage();

    HOOKBOX_DECL memory_storage(memory_storage&&) noexcept;
    HOOKBOX_DECL memory_storage& operator=(memory_storage&&) noexcept;
    HOOKBOX_DECL ~memory_storage();

    /// Stores `d` unless its `(event_id, webhook_id)` is stored already.
    ///
    /// Errors: `errc::invalid_partition` (field `partition_key`) for a negative partition;
    /// `errc::storage_failure` (field `id`) when another row has `d.id`. Nothing is stored then.
    HOOKBOX_DECL enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag);

    /// The optional `insert` from a checked request: the same row, with no `delivery` built first.
    /// Errors: as the other `insert`.
    HOOKBOX_DECL enqueue_result insert(enqueue_request&& req,
                                       const new_delivery& nd,
                                       error_code& ec,
                                       diagnostics& diag);

    /// `insert` for each delivery, in order, under one lock: all stored, or on failure none.
    /// Errors: as `insert`.
    HOOKBOX_DECL std::vector<enqueue_result>
    insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag);

    /// Reaps, then claims up to `q.limit` rows, lowest sequence first. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL std::vector<delivery>
    claim(const claim_query& q, error_code& ec, diagnostics& diag);

    /// The optional form of `claim` that fills a caller's vector, reusing the deliveries in it.
    HOOKBOX_DECL void
    claim(const claim_query& q, std::vector<delivery>& out, error_code& ec, diagnostics& diag);

    /// `claim` for each query under one lock, at most `max_total` rows in all. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL std::vector<std::vector<delivery>>
    claim_many(std::span<const claim_query> qs, std::size_t max_total, error_code& ec, diagnostics& diag);

    /// Applies an attempt's completion to the row `ref`'s claim holds.
    /// Errors: `errc::not_found` (field `id`), `errc::claim_lost` (field `claim_token`).
    HOOKBOX_DECL void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag);

    /// `complete` for each entry under one lock; each entry's own error is in the result, and `ec`
    /// is never set.
    [[nodiscard]] HOOKBOX_DECL std::vector<error_code> complete_many(std::span<const claim_ref> refs,
                                                                     std::vector<completion>&& cs,
                                                                     error_code& ec,
                                                                     diagnostics& diag);

    /// The row `id`, without its secret; `std::nullopt` when there is none. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL std::optional<delivery>
    get(delivery_id id, error_code& ec, diagnostics& diag) const;

    /// One page of rows in sequence order, without their secrets. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL list_page list(const list_options& lo,
                                              error_code& ec,
                                              diagnostics& diag) const;

    /// A finished row back to `pending`; returns it as `get` would.
    /// Errors: `errc::not_found` (field `id`), `errc::not_eligible` (field `id`) unless the row is
    /// `success`, `failed` or `dead`.
    HOOKBOX_DECL delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag);

    /// Redelivers up to `limit` finished rows that match `f`; returns how many. Never sets `ec`.
    HOOKBOX_DECL std::size_t
    replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics& diag);

    /// How many rows match `f` (and are terminal when `terminal_only`). Never sets `ec`.
    HOOKBOX_DECL std::size_t
    count(const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics& diag) const;

    /// Deletes up to `limit` rows that match `f`, oldest first; returns how many. Never sets `ec`.
    HOOKBOX_DECL std::size_t
    purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag);

    /// Gives claimed rows back without an attempt; each entry's own error is in the result, and
    /// `ec` is never set.
    [[nodiscard]] HOOKBOX_DECL std::vector<error_code>
    release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec, diagnostics& diag);

    /// The row's attempt records, oldest first (at most 100).
    /// Errors: `errc::not_found` (field `id`).
    [[nodiscard]] HOOKBOX_DECL std::vector<attempt_record>
    attempts(delivery_id id, error_code& ec, diagnostics& diag) const;

    /// Failing rows per webhook, most failures first, at most `limit` webhooks. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL std::vector<webhook_failures>
    failures(std::size_t limit, error_code& ec, diagnostics& diag) const;

    /// Rows per status, and the age at `now` of the oldest pending row. Never sets `ec`.
    [[nodiscard]] HOOKBOX_DECL outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) const;

    /// Pending rows per partition that has some, and the age at `now` of each one's oldest. Never
    /// sets `ec`.
    [[nodiscard]] HOOKBOX_DECL std::vector<partition_depth>
    partition_stats(timestamp now, error_code& ec, diagnostics& diag) const;

private:
    std::unique_ptr<detail::mem::memory_state> s_;
};

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/memory_storage.ipp>
#endif

#endif  // HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
