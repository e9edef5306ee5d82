//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_OUTBOX_HPP
#define HOOKBOX_OUTBOX_HPP

/// \file
/// `basic_outbox<Storage, Clock, Hasher>`: the durable queue of deliveries, and `outbox`, the
/// in-memory one.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/detail/prefetch.hpp>
#include <hookbox/error.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/memory_storage.hpp>
#include <hookbox/validate.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hookbox {

/// Parameters of a `basic_outbox`, fixed at construction.
/// Called by the bulk operations (`replay`, `purge`) after each step, with the rows done so far.
using step_callback = std::function<void(std::size_t done)>;

struct outbox_params {
    /// Partitions that webhook ids hash into (`hash_partition(webhook_id, partition_count)`); every
    /// node sharing the storage must use the same count. Must be > 0. The ObjectStack outbox's
    /// default is 8.
    int partition_count = 8;
    /// Largest payload `enqueue` accepts, in bytes.
    std::size_t max_payload_bytes = 1024 * 1024;
    /// Response bodies are stored truncated to this many bytes (at a UTF-8 boundary).
    std::size_t response_body_limit = 16 * 1024;
    /// Rows per storage step of `replay` and `purge` (each step is one transaction on an engine, so
    /// this bounds how long one holds the write lock). 1 to 100000.
    std::size_t replay_batch = 1000;
};


namespace detail {

// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
inline void truncate_utf8(std::string& s, std::size_t limit) {
    if (s.size() <= limit)
        return;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    s.resize(cut);
}

}  // namespace detail

/// A durable queue of webhook deliveries: `enqueue` stores a delivery (once per
/// `(event_id, webhook_id)`), `claim` hands deliveries to a sender, `ack` records each attempt's
/// outcome (and `release` gives back a claim that will not be attempted), and `list`, `get`,
/// `redeliver`, `replay`, `purge`, `attempts`, `failures` and `stats` serve operations.
///
/// \tparam Storage where rows live; a model of `outbox_storage` (`memory_storage`, ...).
/// \tparam Clock where times come from; a model of `outbox_clock`.
/// \tparam Hasher maps a webhook id to its partition; a model of `partition_hasher`.
/// \tparam Observer told of enqueues, claims, attempts and dead deliveries (`observe/observer.hpp`);
///         `no_observer` costs nothing.
///
/// Every operation comes in two forms: one that reports failure through `error_code&` and
/// `diagnostics&` (which names the field at fault), and one that throws `error_with_diagnostics`.
/// On failure nothing is stored or changed.
///
/// Thread-safety: every member function may be called from several threads at once, provided the
/// storage allows it (every storage hookbox ships does).
template <class Storage, class Clock = std::chrono::system_clock, class Hasher = fnv1a_partition_hasher,
          class Observer = no_observer>
    requires outbox_storage<Storage> && outbox_clock<Clock> && partition_hasher<Hasher>
class basic_outbox {
public:
    using storage_type = Storage;
    using clock_type = Clock;
    using hasher_type = Hasher;
    using observer_type = Observer;

    /// Throws `error_with_diagnostics`: `errc::invalid_partition_count` if
    /// `params.partition_count <= 0`; `errc::invalid_argument` naming `replay_batch` if it is not in
    /// 1..100000.
    explicit basic_outbox(outbox_params params = {}, Storage storage = Storage(), Clock clock = Clock(),
                          Hasher hasher = Hasher(), Observer observer = Observer())
        : params_(params), storage_(std::move(storage)), clock_(std::move(clock)), hasher_(std::move(hasher)),
          observer_(std::move(observer)) {
        error_code ec;
        diagnostics diag;
        if (detail::check_count(params_.partition_count, ec, diag) &&
            check_batch("replay_batch", params_.replay_batch, ec, diag))
            return;
        throw error_with_diagnostics(ec, std::move(diag));
    }

    /// Stores a delivery, unless `(req.event_id, req.webhook_id)` is stored already, in which case
    /// the stored row's id is returned with `created = false` and nothing changes.
    ///
    /// The new row is `pending` and claimable at once, with a fresh random id, `method` defaulted to
    /// `POST`, `partition_key = hasher.partition(webhook_id, partition_count)`, `attempts = 0` and
    /// `created_at = updated_at = now`.
    ///
    /// Errors: the validation errors of `validate(const enqueue_request&, ...)` (the diagnostics name
    /// the field); the storage's errors.
    ///
    /// An rvalue `req` is consumed: its strings and its payload move into the stored row.
    enqueue_result enqueue(enqueue_request&& req, error_code& ec, diagnostics& diag) {
        return enqueue_one(req, ec, diag);
    }

    /// `enqueue` of a copy of `req`.
    enqueue_result enqueue(const enqueue_request& req, error_code& ec, diagnostics& diag) {
        enqueue_request copy(req);
        return enqueue_one(copy, ec, diag);
    }

    /// Throwing overload of `enqueue`.
    enqueue_result enqueue(enqueue_request&& req) {
        error_code ec;
        diagnostics diag;
        enqueue_result r = enqueue_one(req, ec, diag);
        detail::throw_on_error(ec, diag);
        return r;
    }

    /// Throwing overload of `enqueue`, of a copy of `req`.
    enqueue_result enqueue(const enqueue_request& req) { return enqueue(enqueue_request(req)); }

    /// Enqueues several deliveries as one atomic step: each is validated first (the diagnostics name
    /// `requests[i].<field>`), then all are stored or, on failure, none. Results are in request order;
    /// dedup applies against stored rows and within the batch. On a storage with transactions this
    /// is one transaction, so it is much faster than enqueueing one at a time.
    std::vector<enqueue_result> enqueue_many(std::vector<enqueue_request> reqs, error_code& ec, diagnostics& diag) {
        std::vector<int> partitions(reqs.size());
        for (std::size_t i = 0; i < reqs.size(); ++i) {
            if (!check_request(reqs[i], partitions[i], ec, diag)) {
                diag.assign("requests[" + std::to_string(i) + "]." + diag.field(),
                            "requests[" + std::to_string(i) + "]: " + diag.message());
                return {};
            }
        }
        const timestamp now = now_ms(clock_);
        std::vector<delivery> ds;
        ds.reserve(reqs.size());
        for (std::size_t i = 0; i < reqs.size(); ++i)
            ds.push_back(make_delivery(std::move(reqs[i]), partitions[i], delivery_id::generate(), now));
        auto results = storage_.insert_many(std::move(ds), ec, diag);
        if (!ec)
            for (const auto& r : results)
                detail::notify_enqueue(observer_, r);
        return results;
    }

    /// Throwing overload of `enqueue_many`.
    std::vector<enqueue_result> enqueue_many(std::vector<enqueue_request> reqs) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return enqueue_many(std::move(reqs), ec, diag); });
    }

    /// Takes up to `opts.limit` claimable deliveries, oldest first, and makes them `in_flight` for
    /// `opts.node_id`. First, every `in_flight` row whose claim is older than `opts.claim_ttl` (in
    /// any partition) goes back to `pending`, and the ack of that old claim will fail.
    ///
    /// Each returned delivery carries its secret and the `claim_token` that `ack` must present.
    /// Its cost does not grow with the number of rows that are not claimable.
    ///
    /// Errors: `errc::empty_field`, `errc::field_too_long` (node_id), `errc::invalid_argument`
    /// (limit, claim_ttl), `errc::invalid_partition`; the storage's errors.
    [[nodiscard]] std::vector<delivery> claim(const claim_options& opts, error_code& ec, diagnostics& diag) {
        std::vector<delivery> rows;
        claim(opts, rows, ec, diag);
        return rows;
    }

    /// `claim`, with the claimed deliveries replacing the contents of `out` (empty on error).
    ///
    /// The deliveries already in `out` are reused where the storage can (`memory_storage` does):
    /// their strings keep their capacity, so a loop that claims into the same vector stops
    /// allocating once its deliveries have held strings as long as the ones it claims.
    void claim(const claim_options& opts, std::vector<delivery>& out, error_code& ec, diagnostics& diag) {
        if (!validate(opts, params_.partition_count, ec, diag)) {
            out.clear();
            return;
        }
        timestamp now = now_ms(clock_);
        claim_query q;
        q.node_id = opts.node_id;
        q.limit = opts.limit;
        q.now = now;
        q.reap_before = now - opts.claim_ttl;
        if (opts.partition)
            q.partition = opts.partition->index;
        if constexpr (detail::storage_claims_into<Storage>)
            storage_.claim(q, out, ec, diag);
        else
            out = storage_.claim(q, ec, diag);
        if (ec) {
            out.clear();
            return;
        }
        detail::notify_claim(observer_, std::span<const delivery>(out));
    }

    /// Throwing overload of `claim` into a caller's vector.
    void claim(const claim_options& opts, std::vector<delivery>& out) {
        error_code ec;
        diagnostics diag;
        claim(opts, out, ec, diag);
        detail::throw_on_error(ec, diag);
    }

    /// Several claims as one step: `claim(opts[i])` for each `i`, in order, in one storage call (one
    /// lock in memory, one transaction in an engine), sharing one clock reading, each taking at
    /// most its `limit` and at most what is left of `max_total` rows in all. One entry per options;
    /// the dispatcher uses it to claim from each of its partitions at once.
    ///
    /// Errors: those of `claim` for the first invalid options (nothing is claimed); the storage's
    /// errors (nothing is claimed). Over a storage without `claim_many` the claims run one after the
    /// other: if one fails after others succeeded, the rows already claimed are returned (fewer
    /// entries than options) and the error is left for a later call.
    [[nodiscard]] std::vector<std::vector<delivery>> claim_many(std::span<const claim_options> opts, std::size_t max_total,
                                                  error_code& ec, diagnostics& diag) {
        ec.clear();
        for (const auto& o : opts)
            if (!validate(o, params_.partition_count, ec, diag))
                return {};
        timestamp now = now_ms(clock_);
        std::vector<claim_query> qs(opts.size());
        for (std::size_t i = 0; i < opts.size(); ++i) {
            qs[i].node_id = opts[i].node_id;
            qs[i].limit = opts[i].limit;
            qs[i].now = now;
            qs[i].reap_before = now - opts[i].claim_ttl;
            if (opts[i].partition)
                qs[i].partition = opts[i].partition->index;
        }
        std::vector<std::vector<delivery>> out;
        if constexpr (detail::storage_claims_many<Storage>) {
            out = storage_.claim_many(qs, max_total, ec, diag);
            if (ec)
                return {};
        } else {
            out.reserve(qs.size());
            std::size_t left = max_total;
            for (auto& q : qs) {
                q.limit = std::min(q.limit, left);
                auto rows = q.limit == 0 ? std::vector<delivery>() : storage_.claim(q, ec, diag);
                left -= rows.size();
                if (ec) {
                    if (out.empty())
                        return {};
                    ec.clear();
                    diag = diagnostics();
                    break;
                }
                out.push_back(std::move(rows));
            }
        }
        for (const auto& rows : out)
            detail::notify_claim(observer_, std::span<const delivery>(rows));
        return out;
    }

    /// Throwing overload of `claim_many`.
    [[nodiscard]] std::vector<std::vector<delivery>> claim_many(std::span<const claim_options> opts, std::size_t max_total) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return claim_many(opts, max_total, ec, diag); });
    }

    /// Throwing overload of `claim`.
    [[nodiscard]] std::vector<delivery> claim(const claim_options& opts) {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return claim(opts, ec, diag); });
    }

    /// Records the outcome of one attempt at a claimed delivery, fenced by its claim token:
    /// `attempts` goes up by one, the claim is released, `response_code`, `response_body`
    /// (truncated to `response_body_limit`), `error` and `last_duration` are recorded, and
    /// `last_attempted_at = updated_at = now`. Then:
    ///
    /// | outcome | status | next_retry_at | error |
    /// |---|---|---|---|
    /// | success | `success` | unset | unset |
    /// | retry | `pending` | `result.next_retry_at` | `result.error` |
    /// | dead | `dead` | unset | `result.error` |
    ///
    /// Errors: `errc::claim_lost` if the claim was reaped or another claimer holds the row now (the
    /// row is left as it is); `errc::not_found`; `errc::invalid_argument` for a result out of range.
    void ack(delivery_id id, std::uint64_t claim_token, attempt_result result, error_code& ec, diagnostics& diag) {
        complete(claim_ref{id, 0, claim_token}, result, ec, diag);
    }

    /// Throwing overload of `ack`.
    void ack(delivery_id id, std::uint64_t claim_token, attempt_result result) {
        error_code ec;
        diagnostics diag;
        complete(claim_ref{id, 0, claim_token}, result, ec, diag);
        detail::throw_on_error(ec, diag);
    }

    /// `ack` for a delivery returned by `claim`: the same, and faster, since the delivery also tells
    /// the storage where its row is.
    void ack(const delivery& d, attempt_result result, error_code& ec, diagnostics& diag) {
        complete(claim_ref{d.id, d.sequence, d.claim_token}, result, ec, diag);
    }

    /// Throwing overload of `ack`.
    void ack(const delivery& d, attempt_result result) {
        error_code ec;
        diagnostics diag;
        complete(claim_ref{d.id, d.sequence, d.claim_token}, result, ec, diag);
        detail::throw_on_error(ec, diag);
    }

    /// Acks several claims in one step (one transaction on a storage that has them), each fenced by
    /// its own claim token as `ack` is. Returns each entry's own error: `errc::claim_lost` or
    /// `errc::not_found` for that entry, which changes nothing for it and does not stop the others.
    /// `ec` is set only when the batch as a whole failed (an invalid result, named
    /// `entries[i].<field>`, or a storage failure), and then nothing was applied.
    [[nodiscard]] std::vector<error_code> ack_many(std::vector<ack_entry> entries, error_code& ec, diagnostics& diag) {
        return ack_span(std::span<ack_entry>(entries), ec, diag);
    }

    /// `ack_many` that leaves `entries` as they are (it copies what it stores), so that a caller can
    /// write the same batch again after the storage failed as a whole (`errc::storage_busy`,
    /// `errc::storage_failure`). The dispatcher keeps and retries its ack batches this way.
    [[nodiscard]] std::vector<error_code> ack_many(std::span<const ack_entry> entries, error_code& ec,
                                                   diagnostics& diag) {
        return ack_span(entries, ec, diag);
    }

    /// Throwing overload of `ack_many`; per-entry errors are returned, not thrown.
    [[nodiscard]] std::vector<error_code> ack_many(std::vector<ack_entry> entries) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return ack_many(std::move(entries), ec, diag); });
    }

private:
    // The body of both `enqueue` overloads; `req` is consumed.
    enqueue_result enqueue_one(enqueue_request& req, error_code& ec, diagnostics& diag) {
        // The URL's bytes are the caller's and, in a busy producer, not in the cache yet: ask for them
        // now, and make the id and read the clock while they come.
        detail::prefetch(req.url.data());
        const delivery_id id = delivery_id::generate();
        const timestamp now = now_ms(clock_);
        int partition = 0;
        if (!check_request(req, partition, ec, diag))
            return {};
        enqueue_result r;
        if constexpr (detail::storage_inserts_requests<Storage>) {
            if (req.method.empty())
                req.method = default_method;
            r = storage_.insert(std::move(req), new_delivery{id, partition, now}, ec, diag);
        } else {
            r = storage_.insert(make_delivery(std::move(req), partition, id, now), ec, diag);
        }
        if (!ec)
            detail::notify_enqueue(observer_, r);
        return r;
    }

    // Validates `req` and computes its partition.
    bool check_request(const enqueue_request& req, int& partition, error_code& ec, diagnostics& diag) {
        if (!validate(req, params_.max_payload_bytes, ec, diag))
            return false;
        partition = hasher_.partition(req.webhook_id, params_.partition_count, ec, diag);
        if (ec) {
            diag.assign("webhook_id", "webhook_id: " + diag.message());
            return false;
        }
        return true;
    }

    // The method of a request that names none.
    static constexpr std::string_view default_method = "POST";

    // The new row of a checked request, built in place: each field is moved in once. Every field is
    // named, so that -Wmissing-field-initializers stays quiet in users' builds.
    static delivery make_delivery(enqueue_request&& req, int partition, delivery_id id, timestamp now) {
        const bool has_secret = !req.secret.empty();
        return delivery{
            .id = id,
            .webhook_id = std::move(req.webhook_id),
            .event_id = std::move(req.event_id),
            .event_type = std::move(req.event_type),
            .url = std::move(req.url),
            .method = req.method.empty() ? std::string(default_method) : std::move(req.method),
            .headers = std::move(req.headers),
            .secret = std::move(req.secret),
            .has_secret = has_secret,
            .timeout = req.timeout,
            .payload = std::move(req.payload),
            .traceparent = std::move(req.traceparent),
            .partition_key = partition,
            .status = delivery_status::pending,
            .attempts = 0,
            .claimed_by = std::nullopt,
            .claimed_at = std::nullopt,
            .claim_token = 0,
            .next_retry_at = std::nullopt,
            .last_attempted_at = std::nullopt,
            .response_code = std::nullopt,
            .response_body = std::nullopt,
            .error = std::nullopt,
            .last_duration = std::nullopt,
            .sequence = 0,
            .created_at = now,
            .updated_at = now,
        };
    }

    // `ack_many` over entries whose strings it takes (`Entry` not const) or copies.
    template <class Entry>
    std::vector<error_code> ack_span(std::span<Entry> entries, error_code& ec, diagnostics& diag) {
        std::vector<claim_ref> refs;
        std::vector<completion> cs;
        refs.reserve(entries.size());
        cs.reserve(entries.size());
        timestamp now = now_ms(clock_);
        for (std::size_t i = 0; i < entries.size(); ++i) {
            auto& e = entries[i];
            if (!validate(e.result, ec, diag)) {
                diag.assign("entries[" + std::to_string(i) + "]." + diag.field(),
                            "entries[" + std::to_string(i) + "]: " + diag.message());
                return {};
            }
            refs.push_back(claim_ref{e.id, e.sequence, e.claim_token});
            cs.push_back(to_completion(e.result, now));
        }
        auto errors = storage_.complete_many(refs, std::move(cs), ec, diag);
        if constexpr (detail::observes_attempts<Observer>) {
            if (!ec)
                for (std::size_t i = 0; i < entries.size(); ++i)
                    if (!errors[i])
                        detail::notify_attempt(observer_, entries[i].id, entries[i].result);
        }
        return errors;
    }

    // Builds the completion of `result`. It takes the result's strings when it may (a non-const
    // result, and no observer to tell of it after the ack), and copies them otherwise.
    template <class Result>
    completion to_completion(Result& result, timestamp now) const {
        constexpr bool copy = std::is_const_v<Result> || detail::observes_attempts<Observer>;
        completion c;
        switch (result.outcome) {
        case attempt_outcome::success: c.status = delivery_status::success; break;
        case attempt_outcome::retry:
            c.status = delivery_status::pending;
            c.next_retry_at = result.next_retry_at;
            break;
        case attempt_outcome::dead: c.status = delivery_status::dead; break;
        }
        c.response_code = result.http_status;
        if (!result.response_body.empty()) {
            if constexpr (copy) {
                c.response_body = result.response_body;
                detail::truncate_utf8(*c.response_body, params_.response_body_limit);
            } else {
                detail::truncate_utf8(result.response_body, params_.response_body_limit);
                c.response_body = std::move(result.response_body);
            }
        }
        if (result.outcome != attempt_outcome::success && !result.error.empty()) {
            if constexpr (copy)
                c.error = result.error;
            else
                c.error = std::move(result.error);
        }
        c.duration = result.duration;
        c.now = now;
        if (result.traceparent) {
            if constexpr (copy)
                c.traceparent = result.traceparent;
            else
                c.traceparent = std::move(result.traceparent);
        }
        return c;
    }

    void complete(const claim_ref& ref, attempt_result& result, error_code& ec, diagnostics& diag) {
        if (!validate(result, ec, diag))
            return;
        storage_.complete(ref, to_completion(result, now_ms(clock_)), ec, diag);
        if constexpr (detail::observes_attempts<Observer>) {
            if (!ec)
                detail::notify_attempt(observer_, ref.id, result);
        }
    }

public:

    /// The delivery with this id (its secret cleared), or `std::nullopt`.
    [[nodiscard]] std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) const {
        return storage_.get(id, ec, diag);
    }

    /// Throwing overload of `get`.
    [[nodiscard]] std::optional<delivery> get(delivery_id id) const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return get(id, ec, diag); });
    }

    /// One page of deliveries in enqueue order, filtered by status, webhook, event and creation time
    /// (secrets cleared). Pass the page's `next_cursor` as `after_sequence` for the next page.
    ///
    /// Errors: `errc::invalid_argument` (limit, created_before not later than created_from);
    /// `errc::empty_field`, `errc::field_too_long`, `errc::invalid_utf8` (event_id); the storage's errors.
    [[nodiscard]] list_page list(const list_options& opts, error_code& ec, diagnostics& diag) const {
        if (!validate(opts, ec, diag))
            return {};
        if constexpr (!detail::storage_lists_by_event_and_time<Storage>)
            if (detail::list_filters_beyond_storage(opts))
                return detail::list_by_scan(storage_, opts, ec, diag);
        return storage_.list(opts, ec, diag);
    }

    /// Throwing overload of `list`.
    [[nodiscard]] list_page list(const list_options& opts = {}) const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return list(opts, ec, diag); });
    }

    /// Sends a finished delivery again: a `success`, `failed` or `dead` row goes back to `pending`
    /// with `attempts = 0` and its last outcome cleared (url, payload, headers and secret are kept),
    /// and is claimable at once. Returns the row after the reset.
    ///
    /// Errors: `errc::not_found` (`Delivery row '<id>' not found`); `errc::not_eligible`
    /// (`Delivery row '<id>' is '<status>', expected one of: success, failed, dead`).
    delivery redeliver(delivery_id id, error_code& ec, diagnostics& diag) {
        return storage_.redeliver(id, now_ms(clock_), ec, diag);
    }

    /// Throwing overload of `redeliver`.
    delivery redeliver(delivery_id id) {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return redeliver(id, ec, diag); });
    }

    /// Rows per status, and the age of the oldest pending row.
    [[nodiscard]] outbox_stats stats(error_code& ec, diagnostics& diag) const {
        return storage_.stats(now_ms(clock_), ec, diag);
    }

    /// Throwing overload of `stats`.
    [[nodiscard]] outbox_stats stats() const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return stats(ec, diag); });
    }

    /// Each partition's queue: one entry for every partition `0 .. partition_count - 1` (and for any
    /// other partition that holds pending rows, such as those of an earlier partition count), by
    /// ascending partition, with its `pending` rows and the age of the oldest. A storage with the
    /// optional `partition_stats` answers in one call; for another, the pending rows are read
    /// through `list`, a page at a time, so rows that move meanwhile may be missed or counted twice.
    [[nodiscard]] std::vector<partition_depth> partition_stats(error_code& ec, diagnostics& diag) const {
        auto found = detail::partition_depths(storage_, now_ms(clock_), ec, diag);
        if (ec)
            return {};
        return detail::every_partition(std::move(found), params_.partition_count);
    }

    /// Throwing overload of `partition_stats`.
    [[nodiscard]] std::vector<partition_depth> partition_stats() const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return partition_stats(ec, diag); });
    }

    // ----- operations -----

    /// Sends finished deliveries again, in bulk: every `success`, `failed` or `dead` row that matches
    /// `filter` gets the `redeliver` reset (`pending`, `attempts = 0`, last outcome cleared, claimable
    /// at once) and keeps its attempt history, whose numbers go on counting. Rows in other statuses
    /// are never touched. An empty filter replays every finished row.
    ///
    /// Runs in steps of `outbox_params::replay_batch` rows, lowest sequence first, each step atomic,
    /// until a step finds fewer rows; all steps use the time of the call. Returns how many rows were
    /// reset. A row that is sent and finishes again while the replay runs may be replayed a second
    /// time by a later step; set `updated_before` to the time of the call to prevent that.
    ///
    /// Errors: `errc::invalid_argument` naming `status` (not `success`, `failed` or `dead`) or
    /// `created_before` (not later than `created_from`); `errc::empty_field`, `errc::field_too_long`,
    /// `errc::invalid_utf8` (`webhook_id`); the storage's errors. After a storage error the steps
    /// before it stay applied, and their count is returned.
    std::size_t replay(const delivery_filter& filter, error_code& ec, diagnostics& diag) {
        return replay(filter, step_callback{}, ec, diag);
    }

    /// `replay`, calling `on_step` after each step with the number of rows reset so far.
    std::size_t replay(const delivery_filter& filter, const step_callback& on_step, error_code& ec,
                       diagnostics& diag) {
        if (!validate(filter, true, ec, diag))
            return 0;
        const timestamp now = now_ms(clock_);
        std::size_t total = 0;
        for (;;) {
            std::size_t n = storage_.replay(filter, params_.replay_batch, now, ec, diag);
            if (ec)
                return total;
            total += n;
            if (on_step)
                on_step(total);
            if (n < params_.replay_batch)
                return total;
        }
    }

    /// Throwing overload of `replay`.
    std::size_t replay(const delivery_filter& filter) {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return replay(filter, ec, diag); });
    }

    /// Deletes every row that matches `filter`, in any status, with its attempt history. The
    /// `(event_id, webhook_id)` of a deleted row is free again: enqueueing it stores a new delivery.
    /// An empty filter deletes every row, pending and in flight included.
    ///
    /// Runs in steps of `outbox_params::replay_batch` rows, lowest sequence first, each step one
    /// bounded transaction, until a step finds fewer rows. Returns how many rows were deleted. This
    /// is what the retention sweeper calls, with `status` and `updated_before`.
    ///
    /// Errors: as `replay`, but any `status` is allowed; the storage's errors. After a storage error
    /// the steps before it stay applied, and their count is returned.
    std::size_t purge(const delivery_filter& filter, error_code& ec, diagnostics& diag) {
        return purge(filter, params_.replay_batch, ec, diag);
    }

    /// `purge` in steps of `batch_size` rows (1 to 100000; else `errc::invalid_argument` naming
    /// `batch_size`).
    std::size_t purge(const delivery_filter& filter, std::size_t batch_size, error_code& ec, diagnostics& diag) {
        return purge(filter, batch_size, step_callback{}, ec, diag);
    }

    /// `purge` in steps of `batch_size` rows, calling `on_step` after each step with the number of
    /// rows deleted so far.
    std::size_t purge(const delivery_filter& filter, std::size_t batch_size, const step_callback& on_step,
                      error_code& ec, diagnostics& diag) {
        if (!check_batch("batch_size", batch_size, ec, diag) || !validate(filter, false, ec, diag))
            return 0;
        std::size_t total = 0;
        for (;;) {
            std::size_t n = storage_.purge(filter, batch_size, ec, diag);
            if (ec)
                return total;
            total += n;
            if (on_step)
                on_step(total);
            if (n < batch_size)
                return total;
        }
    }

    /// How many rows `purge(filter)` would delete now, or, with `replayable`, how many finished rows
    /// `replay(filter)` would reset; changes nothing (a dry run). One storage query where the storage
    /// counts (`storage_counts`), else a walk over `list` pages.
    ///
    /// Errors: those of `purge`, or of `replay` with `replayable`; the storage's errors.
    [[nodiscard]] std::size_t count(const delivery_filter& filter, bool replayable, error_code& ec,
                                    diagnostics& diag) const {
        if (!validate(filter, replayable, ec, diag))
            return 0;
        if constexpr (detail::storage_counts<Storage>)
            return storage_.count(filter, replayable, ec, diag);
        else
            return detail::count_by_listing(storage_, filter, replayable, ec, diag);
    }

    /// Throwing overload of `count`.
    [[nodiscard]] std::size_t count(const delivery_filter& filter, bool replayable) const {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return count(filter, replayable, ec, diag); });
    }

    /// Throwing overload of `purge`.
    std::size_t purge(const delivery_filter& filter) {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return purge(filter, ec, diag); });
    }

    /// Throwing overload of `purge` with a batch size.
    std::size_t purge(const delivery_filter& filter, std::size_t batch_size) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return purge(filter, batch_size, ec, diag); });
    }

    /// Gives claimed deliveries back without attempting them: for a claimer that will not send
    /// them (an open circuit breaker, a drain, a per-webhook FIFO wait). Each row that is still
    /// `in_flight` under the claim token of `refs[i]` (`claim_ref::for_claimed(d)`) becomes
    /// `r.status` (`pending`, claimable at `r.next_retry_at` or at once, or `dead`), with its claim
    /// cleared, `error` replaced when `r.error` is set, and `updated_at` the outbox clock's now
    /// (`r.now` is ignored). `attempts`, the last response and the attempt history are unchanged:
    /// this is not an attempt. All entries are applied in one step (one transaction on an engine).
    ///
    /// Returns each entry's own error: `errc::not_found` or `errc::claim_lost` (the claim was
    /// reaped or taken over), which changes nothing for it and does not stop the others.
    ///
    /// Errors (`ec`, nothing applied): `errc::invalid_argument` naming `status` (not `pending` or
    /// `dead`) or `next_retry_at` (set with `dead`); the storage's errors.
    [[nodiscard]] std::vector<error_code> release(std::span<const claim_ref> refs, release_request r, error_code& ec,
                                    diagnostics& diag) {
        ec.clear();
        if (r.status != delivery_status::pending && r.status != delivery_status::dead) {
            detail::fail(ec, diag, errc::invalid_argument, "status",
                         "status: a released delivery becomes pending or dead (got '" + std::string(to_string(r.status)) +
                             "')");
            return {};
        }
        if (r.status == delivery_status::dead && r.next_retry_at) {
            detail::fail(ec, diag, errc::invalid_argument, "next_retry_at",
                         "next_retry_at: only a release to pending may set it");
            return {};
        }
        r.now = now_ms(clock_);
        return storage_.release(refs, r, ec, diag);
    }

    /// Throwing overload of `release`; per-entry errors are returned, not thrown.
    [[nodiscard]] std::vector<error_code> release(std::span<const claim_ref> refs, release_request r = {}) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return release(refs, std::move(r), ec, diag); });
    }

    /// The attempts recorded for a delivery, oldest first: one per ack, with its time, outcome,
    /// response code, duration and error. Numbers start at 1 and go on across `redeliver` and
    /// `replay`. `memory_storage` keeps a delivery's latest 100; `engine_storage` keeps all until
    /// the row is purged. `release` and reaping record nothing.
    ///
    /// Errors: `errc::not_found` (`Delivery row '<id>' not found`); the storage's errors.
    [[nodiscard]] std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) const {
        return storage_.attempts(id, ec, diag);
    }

    /// Throwing overload of `attempts`.
    [[nodiscard]] std::vector<attempt_record> attempts(delivery_id id) const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return attempts(id, ec, diag); });
    }

    /// The webhooks that are failing, most failing first: for each webhook with `dead` rows or
    /// `pending` rows that have failed at least once (`retrying`), those counts and the error and
    /// time of its latest failure. Sorted by `dead + retrying` descending, then by `webhook_id`; at
    /// most `limit` (1 to 10000) entries.
    ///
    /// Errors: `errc::invalid_argument` naming `limit`; the storage's errors.
    [[nodiscard]] std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) const {
        ec.clear();
        if (limit == 0 || limit > limits::list_limit) {
            detail::fail(ec, diag, errc::invalid_argument, "limit",
                         "limit: must be in 1.." + std::to_string(limits::list_limit) + " (got " +
                             std::to_string(limit) + ")");
            return {};
        }
        return storage_.failures(limit, ec, diag);
    }

    /// Throwing overload of `failures`.
    [[nodiscard]] std::vector<webhook_failures> failures(std::size_t limit = 20) const {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return failures(limit, ec, diag); });
    }

    const outbox_params& params() const noexcept { return params_; }
    Storage& storage() noexcept { return storage_; }
    const Storage& storage() const noexcept { return storage_; }
    Clock& clock() noexcept { return clock_; }
    const Hasher& hasher() const noexcept { return hasher_; }
    Observer& observer() noexcept { return observer_; }

private:
    static bool check_batch(const char* field, std::size_t n, error_code& ec, diagnostics& diag) {
        if (n >= 1 && n <= limits::batch_size)
            return true;
        detail::fail(ec, diag, errc::invalid_argument, field,
                     std::string(field) + ": must be in 1.." + std::to_string(limits::batch_size) + " (got " +
                         std::to_string(n) + ")");
        return false;
    }

    outbox_params params_;
    mutable Storage storage_;
    mutable Clock clock_;
    Hasher hasher_;
    Observer observer_;
};

/// The in-memory outbox with the system clock and the ObjectStack outbox's partitioning.
using memory_outbox = basic_outbox<memory_storage>;

/// The outbox of the five-line example: `memory_outbox`.
using outbox = memory_outbox;

}  // namespace hookbox

#endif  // HOOKBOX_OUTBOX_HPP
