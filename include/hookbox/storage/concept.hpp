//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_CONCEPT_HPP
#define HOOKBOX_STORAGE_CONCEPT_HPP

/// \file
/// The `outbox_storage` concept: where `basic_outbox` keeps its deliveries.
///
/// A storage stores and moves rows; it does not decide. `basic_outbox` validates requests, makes
/// ids, partition keys and timestamps, computes the outcome of each ack, and hands the storage
/// finished values. What the storage must guarantee is atomicity: dedup, claim, complete, release,
/// redeliver and each step of replay and purge are all-or-nothing, also when called from several
/// threads (or processes) at once.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/validate.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox {

/// What `outbox_storage::claim` takes, already validated and resolved to times.
struct claim_query {
    std::string_view node_id{};
    std::size_t limit = 0;
    /// The time of the claim; claimed rows get `claimed_at = updated_at = now`.
    timestamp now{};
    /// Reap first: every `in_flight` row with `claimed_at < reap_before` (strictly) goes back to
    /// `pending`, from every partition. `now - claim_ttl`.
    timestamp reap_before{};
    /// Only rows with this `partition_key`; unset means every partition.
    std::optional<int> partition{};
};

/// What the outbox adds to a checked `enqueue_request` to make it a new delivery, for the optional
/// `outbox_storage::insert` from a request.
struct new_delivery {
    delivery_id id{};
    int partition_key = 0;
    /// The delivery's `created_at` and `updated_at`.
    timestamp now{};
};

/// Names a claimed row for `outbox_storage::complete`: its id, its fencing token, and (when known) its
/// sequence, which lets a storage find the row without a lookup by id.
struct claim_ref {
    delivery_id id{};
    /// The row's `sequence` as `claim` returned it, or 0 when unknown (the storage then looks up `id`).
    std::uint64_t sequence = 0;
    std::uint64_t claim_token = 0;

    /// The reference to a delivery that `claim` returned.
    static claim_ref for_claimed(const delivery& d) { return claim_ref{d.id, d.sequence, d.claim_token}; }
};

/// What `outbox_storage::complete` applies to an `in_flight` row, computed by the outbox from an
/// attempt result. The storage applies it verbatim, increments `attempts` by one, and clears
/// `claimed_by`, `claimed_at` and `claim_token`.
struct completion {
    /// `success`, `pending` (retry) or `dead`.
    delivery_status status = delivery_status::success;
    std::optional<timestamp> next_retry_at{};
    std::optional<int> response_code{};
    std::optional<std::string> response_body{};
    std::optional<std::string> error{};
    std::chrono::milliseconds duration{0};
    /// `last_attempted_at = updated_at = now`.
    timestamp now{};
    /// The `traceparent` the attempt sent, for its attempt record only (the row keeps the one
    /// given at enqueue).
    std::optional<std::string> traceparent{};
};

/// What `outbox_storage::release` applies to an `in_flight` row that its claimer gives back without
/// sending it (an open circuit breaker, a drain, a per-webhook FIFO wait). Unlike a completion it is
/// not an attempt: `attempts` stays, and no attempt record is written.
struct release_request {
    /// `pending` (to be claimed again, at `next_retry_at`) or `dead`.
    delivery_status status = delivery_status::pending;
    /// Stored as given: unset means claimable at once (when `pending`).
    std::optional<timestamp> next_retry_at{};
    /// Replaces the row's `error` when set; unset keeps the row's error.
    std::optional<std::string> error{};
    /// `updated_at = now`. `basic_outbox::release` sets it from the outbox's clock.
    timestamp now{};
};

/// The storage policy of `basic_outbox`.
///
/// Notation: `s` an `S&`; `d` a `delivery&&` (a new row: status `pending`, `attempts` 0, id,
/// partition key and times set by the outbox, `sequence` 0); `q` a `const claim_query&`;
/// `id` a `delivery_id`; `ref` a `const claim_ref&`; `c` a `completion&&`; `lo` a
/// `const list_options&`; `now` a `timestamp`; `f` a `const delivery_filter&`; `n` a `std::size_t`
/// (at least 1); `rr` a `const release_request&`; `ec` an `error_code&`; `diag` a `diagnostics&`.
/// Every operation sets `ec` (and `diag`) on failure and then changes nothing.
///
/// A row matches `f` when each field of `f` that is set holds: `status ==`, `webhook_id ==`,
/// `created_at >= created_from`, `created_at < created_before`, `updated_at < updated_before`.
///
/// | Expression | Type | Semantics |
/// |---|---|---|
/// | `s.insert(d, ec, diag)` | `enqueue_result` | If a row with the same `(event_id, webhook_id)` exists, returns its id with `created = false` and changes nothing. Otherwise stores `d`, assigning the next `sequence`, and returns its id with `created = true`. Atomic against concurrent inserts of the same pair. |
/// | `s.claim(q, ec, diag)` | `std::vector<delivery>` | Reaps (see `claim_query::reap_before`), then takes up to `q.limit` `pending` rows with `next_retry_at` unset or `<= q.now` (of `q.partition` only, when set), lowest `sequence` first, and makes them `in_flight` with `claimed_by = q.node_id`, `claimed_at = q.now` and a fresh `claim_token` unique within the storage. Returns them with their secrets. No row is returned to two concurrent claimers. Its cost must not grow with the number of rows that are not claimable. |
/// | `s.insert_many(ds, ec, diag)` | `std::vector<enqueue_result>` | `ds` a `std::vector<delivery>&&`: `insert` for each, in order, as one atomic step (all stored, or on failure none); a pair repeated within `ds` is stored once and its later entries return the first one's id with `created = false`. |
/// | `s.complete(ref, c, ec, diag)` | `void` | If row `ref.id` is `in_flight` with `claim_token == ref.claim_token`, applies `c` and appends one attempt record (`number` one more than the row's highest, `at = c.now`, `outcome = c.status`, `c.response_code`, `c.duration`, `c.error`, `c.traceparent`) in the same atomic step. Otherwise changes nothing and fails: `errc::not_found` for an unknown id (field `id`, message `Delivery row '<id>' not found`), `errc::claim_lost` for any other row (field `claim_token`, message `Delivery row '<id>': the claim was reaped or taken over by another claimer; the ack was discarded`). A non-zero `ref.sequence` that does not belong to `ref.id` is treated as unknown. |
/// | `s.complete_many(refs, cs, ec, diag)` | `std::vector<error_code>` | `refs` a `std::span<const claim_ref>`, `cs` a `std::vector<completion>&&` of the same size: `complete` for each (attempt records included), in one step where the storage can; returns each entry's own error (`not_found`, `claim_lost`, or none). `ec` is set only when the whole batch failed and nothing was applied. |
/// | `s.release(refs, rr, ec, diag)` | `std::vector<error_code>` | For each `refs[i]` whose row is `in_flight` with that claim token: `status = rr.status`, `next_retry_at = rr.next_retry_at`, `error = *rr.error` when set, `updated_at = rr.now`, and `claimed_by`, `claimed_at` and `claim_token` cleared; `attempts`, the last response and the attempt history stay. Each entry's own `not_found` / `claim_lost` as in `complete_many`; one step where the storage can; `ec` only when nothing was applied. |
/// | `s.get(id, ec, diag)` | `std::optional<delivery>` | The row, its secret cleared; `std::nullopt` if there is none. |
/// | `s.list(lo, ec, diag)` | `list_page` | Rows with `sequence > lo.after_sequence`, matching `lo.status` and `lo.webhook_id`, in `sequence` order, at most `lo.limit`, secrets cleared; `next_cursor` set when more may follow. A storage that declares `lists_by_event_and_time` also applies `lo.event_id` (`event_id ==`), `lo.created_from` and `lo.created_before` (as in `f`); for any other, `basic_outbox` applies them itself. |
/// | `s.redeliver(id, now, ec, diag)` | `delivery` | If the row's status is terminal, resets it to `pending` (attempts 0; claimed_by, claimed_at, claim_token, next_retry_at, last_attempted_at, response_code, response_body, error and last_duration cleared; `updated_at = now`) and returns it, secret cleared. `errc::not_found` (field `id`) with the message `Delivery row '<id>' not found`, or `errc::not_eligible` (field `id`) with `Delivery row '<id>' is '<status>', expected one of: success, failed, dead`. |
/// | `s.stats(now, ec, diag)` | `outbox_stats` | Rows per status, and `now - created_at` of the pending row with the lowest `sequence`. |
/// | `s.replay(f, n, now, ec, diag)` | `std::size_t` | Applies the `redeliver` reset (`updated_at = now`) to up to `n` rows that match `f` and are terminal (`success`, `failed`, `dead`), lowest `sequence` first, as one atomic step; their attempt history stays. Returns how many. |
/// | `s.purge(f, n, ec, diag)` | `std::size_t` | Deletes up to `n` rows that match `f` (any status), lowest `sequence` first, with their attempt history, as one atomic step; it stops at the `n`th match, so one step costs the rows it passes over, never the whole table when `n` rows match early. Their `(event_id, webhook_id)` pairs are free again: enqueueing one stores a new row. Returns how many. |
/// | `s.attempts(id, ec, diag)` | `std::vector<attempt_record>` | The row's attempt history, oldest first (a storage may keep only the latest ones; `memory_storage` keeps 100). `errc::not_found` for an unknown id. |
/// | `s.failures(n, ec, diag)` | `std::vector<webhook_failures>` | One entry per webhook that has `dead` rows or `pending` rows with `attempts > 0`: those counts, and the `error` and `updated_at` of its failing row updated last (the highest `sequence` among equal times). Sorted by `dead + retrying` descending, then `webhook_id` ascending (bytewise); at most `n`. |
///
/// Optional members, faster forms of the required ones, used when present (without them the outbox
/// uses the required members):
///
/// | Expression | Type | Semantics |
/// |---|---|---|
/// | `s.claim_many(qs, n, ec, diag)` | `std::vector<std::vector<delivery>>` | `qs` a `std::span<const claim_query>`: `claim` for each query, in order, as one step (one lock, one transaction), each query taking at most its `limit` and at most what is left of `n` rows in all; one entry per query. On failure nothing is claimed. |
/// | `s.insert(std::move(req), nd, ec, diag)` | `enqueue_result` | `req` an `enqueue_request` that passed `validate`, with `method` set, and `nd` a `const new_delivery&`: `insert` of the delivery they describe (`has_secret` when the secret is not empty, `created_at = updated_at = nd.now`, every other field as a new delivery has it), without building it first. |
/// | `s.claim(q, out, ec, diag)` | `void` | `out` a `std::vector<delivery>&`: `claim`, with the claimed deliveries replacing the contents of `out`. The deliveries already in `out` may be reused (assigned to), so that a caller claiming into the same vector again and again allocates little. On failure `out` is left in a valid but unspecified state. |
/// | `s.partition_stats(now, ec, diag)` | `std::vector<partition_depth>` | One entry per partition that has `pending` rows, by ascending partition: how many, and `now - created_at` of its pending row with the lowest `sequence`. Without it, `basic_outbox::partition_stats` pages through `list` of the pending rows. |
/// | `s.count(f, t, ec, diag)` | `std::size_t` | `t` a `bool`: how many rows match `f`, and are terminal (`success`, `failed`, `dead`) when `t`: what `purge(f, …)`, or with `t` `replay(f, …)`, would take if run to the end now. Changes nothing. |
/// | `S::lists_by_event_and_time` | `static constexpr bool`, `true` | `s.list` applies every filter of `list_options`: `event_id`, `created_from` and `created_before` too. Without it, `basic_outbox` pages through `s.list` with the other filters and keeps the rows that match, which reads every row the other filters select. |
///
/// Exemplar: `test/contract/` holds the suite every model passes; `memory_storage.hpp` is the
/// shortest complete model.
///
/// Models: `memory_storage`, `engine_storage<Engine>`.
template <class S>
concept outbox_storage = std::move_constructible<S> &&
    requires(S& s, delivery&& d, std::vector<delivery>&& ds, std::span<const claim_ref> refs,
             std::vector<completion>&& cs, const claim_query& q, delivery_id id, const claim_ref& ref, completion&& c,
             const list_options& lo, timestamp now, const delivery_filter& f, std::size_t n,
             const release_request& rr, error_code& ec, diagnostics& diag) {
        { s.insert(std::move(d), ec, diag) } -> std::same_as<enqueue_result>;
        { s.insert_many(std::move(ds), ec, diag) } -> std::same_as<std::vector<enqueue_result>>;
        { s.claim(q, ec, diag) } -> std::same_as<std::vector<delivery>>;
        { s.complete(ref, std::move(c), ec, diag) } -> std::same_as<void>;
        { s.complete_many(refs, std::move(cs), ec, diag) } -> std::same_as<std::vector<error_code>>;
        { s.get(id, ec, diag) } -> std::same_as<std::optional<delivery>>;
        { s.list(lo, ec, diag) } -> std::same_as<list_page>;
        { s.redeliver(id, now, ec, diag) } -> std::same_as<delivery>;
        { s.stats(now, ec, diag) } -> std::same_as<outbox_stats>;
        { s.replay(f, n, now, ec, diag) } -> std::same_as<std::size_t>;
        { s.purge(f, n, ec, diag) } -> std::same_as<std::size_t>;
        { s.release(refs, rr, ec, diag) } -> std::same_as<std::vector<error_code>>;
        { s.attempts(id, ec, diag) } -> std::same_as<std::vector<attempt_record>>;
        { s.failures(n, ec, diag) } -> std::same_as<std::vector<webhook_failures>>;
    };

namespace detail {

// A storage with the optional `insert` from a request.
template <class S>
concept storage_inserts_requests = requires(S& s, enqueue_request&& req, const new_delivery& nd, error_code& ec,
                                            diagnostics& diag) {
    { s.insert(std::move(req), nd, ec, diag) } -> std::same_as<enqueue_result>;
};

// A storage with the optional `claim` into a caller's vector.
template <class S>
concept storage_claims_into = requires(S& s, const claim_query& q, std::vector<delivery>& out, error_code& ec,
                                       diagnostics& diag) {
    { s.claim(q, out, ec, diag) } -> std::same_as<void>;
};

// A storage with the optional `claim_many`.
template <class S>
concept storage_claims_many =
    requires(S& s, std::span<const claim_query> qs, std::size_t n, error_code& ec, diagnostics& diag) {
        { s.claim_many(qs, n, ec, diag) } -> std::same_as<std::vector<std::vector<delivery>>>;
    };
// A storage whose `list` applies `list_options::event_id`, `created_from` and `created_before`.
template <class S>
concept storage_lists_by_event_and_time = requires {
    requires static_cast<bool>(S::lists_by_event_and_time);
};

inline bool list_filters_beyond_storage(const list_options& lo) noexcept {
    return lo.event_id || lo.created_from || lo.created_before;
}

inline bool matches_event_and_time(const list_options& lo, const delivery& d) noexcept {
    return (!lo.event_id || d.event_id == *lo.event_id) &&
           (!lo.created_from || d.created_at >= *lo.created_from) &&
           (!lo.created_before || d.created_at < *lo.created_before);
}

// `list` over a storage without `lists_by_event_and_time`: pages through its `list` with the filters
// it applies, and keeps the rows that match the others, until the page is full or the rows end.
template <class S>
list_page list_by_scan(S& s, const list_options& lo, error_code& ec, diagnostics& diag) {
    list_options inner;
    inner.status = lo.status;
    inner.webhook_id = lo.webhook_id;
    inner.after_sequence = lo.after_sequence;
    inner.limit = lo.limit;
    list_page page;
    for (;;) {
        list_page part = s.list(inner, ec, diag);
        if (ec)
            return {};
        for (auto& d : part.items) {
            if (!matches_event_and_time(lo, d))
                continue;
            page.items.push_back(std::move(d));
            if (page.items.size() == lo.limit) {
                page.next_cursor = page.items.back().sequence;
                return page;
            }
        }
        // Each turn moves the cursor forward, so the walk ends with the storage's rows.
        if (!part.next_cursor || part.items.empty() ||
            (inner.after_sequence && *part.next_cursor <= *inner.after_sequence))
            return page;
        inner.after_sequence = part.next_cursor;
    }
}

// A storage with the optional `count`.
template <class S>
concept storage_counts =
    requires(S& s, const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics& diag) {
        { s.count(f, terminal_only, ec, diag) } -> std::same_as<std::size_t>;
    };

// Whether `d` matches `f` (the rule of the table above).
inline bool filter_matches(const delivery_filter& f, const delivery& d) noexcept {
    return (!f.status || d.status == *f.status) && (!f.webhook_id || d.webhook_id == *f.webhook_id) &&
           (!f.created_from || d.created_at >= *f.created_from) &&
           (!f.created_before || d.created_at < *f.created_before) &&
           (!f.updated_before || d.updated_at < *f.updated_before);
}

// `count` for a storage without it: reads the matching rows a page at a time through `list`.
template <class S>
std::size_t count_by_listing(S& s, const delivery_filter& f, bool terminal_only, error_code& ec,
                             diagnostics& diag) {
    list_options lo;
    lo.status = f.status;
    lo.webhook_id = f.webhook_id;
    lo.limit = 1000;
    std::size_t n = 0;
    for (;;) {
        list_page page = s.list(lo, ec, diag);
        if (ec)
            return 0;
        for (const auto& d : page.items)
            if (filter_matches(f, d) && (!terminal_only || is_terminal(d.status)))
                ++n;
        if (!page.next_cursor || page.items.empty())
            return n;
        lo.after_sequence = page.next_cursor;
    }
}

// A storage with the optional `partition_stats`.
template <class S>
concept storage_reports_partitions = requires(S& s, timestamp now, error_code& ec, diagnostics& diag) {
    { s.partition_stats(now, ec, diag) } -> std::same_as<std::vector<partition_depth>>;
};

// Builds the `partition_stats` answer from pending rows fed in ascending `sequence` order (the
// first row of a partition is its oldest), so that every storage and the fallback agree.
class partition_tally {
public:
    void add(int partition, timestamp created_at, timestamp now) {
        auto [it, first] = entries_.try_emplace(partition);
        it->second.partition = partition;
        if (first)
            it->second.oldest_pending_age = now - created_at;
        ++it->second.pending;
    }

    // Adds a partition's count and the `created_at` of its oldest pending row at once.
    void add_counted(int partition, std::size_t pending, timestamp oldest_created_at, timestamp now) {
        partition_depth& e = entries_[partition];
        e.partition = partition;
        e.pending += pending;
        e.oldest_pending_age = now - oldest_created_at;
    }

    std::vector<partition_depth> take() {
        std::vector<partition_depth> out;
        out.reserve(entries_.size());
        for (auto& [p, e] : entries_)
            out.push_back(e);
        entries_.clear();
        return out;
    }

private:
    std::map<int, partition_depth> entries_;
};

// `found` (by ascending partition) with an empty entry added for each partition below `count` that
// it lacks.
inline std::vector<partition_depth> every_partition(std::vector<partition_depth> found, int count) {
    std::vector<partition_depth> out;
    out.reserve(found.size() + static_cast<std::size_t>(count));
    auto it = found.begin();
    for (int p = 0; p < count || it != found.end();) {
        if (it != found.end() && it->partition <= p) {
            p = std::max(p, it->partition + 1);
            out.push_back(std::move(*it++));
        } else {
            out.push_back(partition_depth{.partition = p});
            ++p;
        }
    }
    return out;
}

// The storage's `partition_stats`, or without it a walk of its pending rows through `list`.
template <class S>
std::vector<partition_depth> partition_depths(S& s, timestamp now, error_code& ec, diagnostics& diag) {
    if constexpr (storage_reports_partitions<S>) {
        return s.partition_stats(now, ec, diag);
    } else {
        partition_tally tally;
        list_options lo{.status = delivery_status::pending, .limit = limits::list_limit};
        for (;;) {
            list_page page = s.list(lo, ec, diag);
            if (ec)
                return {};
            for (const delivery& d : page.items)
                tally.add(d.partition_key, d.created_at, now);
            if (!page.next_cursor || page.items.empty())
                return tally.take();
            lo.after_sequence = page.next_cursor;
        }
    }
}

inline void fail_not_found(error_code& ec, diagnostics& diag, const delivery_id& id) {
    fail(ec, diag, errc::not_found, "id", "Delivery row '" + id.to_string() + "' not found");
}

inline void fail_not_eligible(error_code& ec, diagnostics& diag, const delivery_id& id, delivery_status s) {
    fail(ec, diag, errc::not_eligible, "id",
         "Delivery row '" + id.to_string() + "' is '" + std::string(to_string(s)) +
             "', expected one of: success, failed, dead");
}

inline void fail_claim_lost(error_code& ec, diagnostics& diag, const delivery_id& id) {
    fail(ec, diag, errc::claim_lost, "claim_token",
         "Delivery row '" + id.to_string() +
             "': the claim was reaped or taken over by another claimer; the ack was discarded");
}

// The reset `redeliver` applies, shared by every storage so that they agree field for field.
inline void reset_for_redelivery(delivery& d, timestamp now) {
    d.status = delivery_status::pending;
    d.attempts = 0;
    d.claimed_by.reset();
    d.claimed_at.reset();
    d.claim_token = 0;
    d.next_retry_at.reset();
    d.last_attempted_at.reset();
    d.response_code.reset();
    d.response_body.reset();
    d.error.reset();
    d.last_duration.reset();
    d.updated_at = now;
}

// Applies a completion to an in_flight row (the storage has checked the claim token).
inline void apply_completion(delivery& d, completion&& c) {
    d.status = c.status;
    d.attempts += 1;
    d.claimed_by.reset();
    d.claimed_at.reset();
    d.claim_token = 0;
    d.next_retry_at = c.next_retry_at;
    d.response_code = c.response_code;
    d.response_body = std::move(c.response_body);
    d.error = std::move(c.error);
    d.last_duration = c.duration;
    d.last_attempted_at = c.now;
    d.updated_at = c.now;
}

// Returns a claimed row without an attempt (the storage has checked the claim token).
inline void apply_release(delivery& d, const release_request& r) {
    d.status = r.status;
    d.claimed_by.reset();
    d.claimed_at.reset();
    d.claim_token = 0;
    d.next_retry_at = r.next_retry_at;
    if (r.error)
        d.error = r.error;
    d.updated_at = r.now;
}

// True when `d` matches every field of `f` that is set (see the requirements table).
inline bool matches(const delivery_filter& f, const delivery& d) noexcept {
    return (!f.status || d.status == *f.status) && (!f.webhook_id || d.webhook_id == *f.webhook_id) &&
           (!f.created_from || d.created_at >= *f.created_from) &&
           (!f.created_before || d.created_at < *f.created_before) &&
           (!f.updated_before || d.updated_at < *f.updated_before);
}

// A failing row as `failures` counts it: dead, or pending after at least one attempt.
inline bool is_failing(delivery_status s, int attempts) noexcept {
    return s == delivery_status::dead || (s == delivery_status::pending && attempts > 0);
}

// Builds the `failures` answer from failing rows fed in any order, so that every storage counts,
// sorts and breaks ties alike.
class failure_tally {
public:
    void add(std::string_view webhook_id, delivery_status s, const std::optional<std::string>& error,
             timestamp updated_at, std::uint64_t sequence) {
        auto it = entries_.find(webhook_id);
        if (it == entries_.end())
            it = entries_.emplace(std::string(webhook_id), entry{}).first;
        entry& e = it->second;
        if (s == delivery_status::dead)
            ++e.dead;
        else
            ++e.retrying;
        if (!e.last_failed_at || updated_at > *e.last_failed_at ||
            (updated_at == *e.last_failed_at && sequence > e.last_sequence)) {
            e.last_failed_at = updated_at;
            e.last_error = error;
            e.last_sequence = sequence;
        }
    }

    std::vector<webhook_failures> take(std::size_t limit) {
        std::vector<webhook_failures> out;
        out.reserve(entries_.size());
        for (auto& [webhook, e] : entries_)
            out.push_back(webhook_failures{webhook, e.dead, e.retrying, std::move(e.last_error), e.last_failed_at});
        entries_.clear();
        // Stable: equal totals stay in webhook_id order, the map's.
        std::stable_sort(out.begin(), out.end(), [](const webhook_failures& a, const webhook_failures& b) {
            return a.dead + a.retrying > b.dead + b.retrying;
        });
        if (out.size() > limit)
            out.resize(limit);
        return out;
    }

private:
    struct entry {
        std::size_t dead = 0;
        std::size_t retrying = 0;
        std::optional<std::string> last_error{};
        std::optional<timestamp> last_failed_at{};
        std::uint64_t last_sequence = 0;
    };
    std::map<std::string, entry, std::less<>> entries_;
};

}  // namespace detail

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_CONCEPT_HPP
