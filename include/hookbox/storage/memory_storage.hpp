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
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>

#include <boost/intrusive/set.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

namespace detail::mem {

namespace bi = boost::intrusive;

// normal_link: membership is known from the row's status, so the hooks need no self-checks.
using hook = bi::set_member_hook<bi::link_mode<bi::normal_link>>;

struct row {
    delivery d;
    // In exactly one of: a partition's ready or delayed queue (pending), or the in-flight set
    // (in_flight); in none when the row is finished. Which one follows from d.status and delayed.
    hook queue_hook;
    // In the pending-by-sequence index while pending (for the age of the oldest pending row).
    hook pending_hook;
    // In the all-rows index for the row's whole life (for list paging).
    hook all_hook;
    bool delayed = false;
};

struct by_sequence {
    bool operator()(const row& a, const row& b) const noexcept { return a.d.sequence < b.d.sequence; }
    bool operator()(std::uint64_t a, const row& b) const noexcept { return a < b.d.sequence; }
    bool operator()(const row& a, std::uint64_t b) const noexcept { return a.d.sequence < b; }
};

struct by_retry_time {
    bool operator()(const row& a, const row& b) const noexcept {
        if (*a.d.next_retry_at != *b.d.next_retry_at)
            return *a.d.next_retry_at < *b.d.next_retry_at;
        return a.d.sequence < b.d.sequence;
    }
};

struct by_claim_time {
    bool operator()(const row& a, const row& b) const noexcept {
        if (*a.d.claimed_at != *b.d.claimed_at)
            return *a.d.claimed_at < *b.d.claimed_at;
        return a.d.claim_token < b.d.claim_token;
    }
};

template <class Compare, hook row::*Hook>
using row_index = bi::multiset<row, bi::member_hook<row, hook, Hook>, bi::compare<Compare>,
                               bi::constant_time_size<false>>;

using ready_queue = row_index<by_sequence, &row::queue_hook>;
using delayed_queue = row_index<by_retry_time, &row::queue_hook>;
using inflight_index = row_index<by_claim_time, &row::queue_hook>;
using pending_index = row_index<by_sequence, &row::pending_hook>;
using all_index = row_index<by_sequence, &row::all_hook>;

struct partition_queues {
    ready_queue ready;      // claimable now, lowest sequence first
    delayed_queue delayed;  // waiting for next_retry_at, earliest first
};

// The dedup key views the row's own strings and carries their hash, so that growing the table
// rehashes without touching (cold) rows.
struct dedup_key {
    std::string_view event_id;
    std::string_view webhook_id;
    std::size_t hash;

    dedup_key(std::string_view event, std::string_view webhook) noexcept
        : event_id(event), webhook_id(webhook), hash(compute(event, webhook)) {}

    friend bool operator==(const dedup_key& a, const dedup_key& b) noexcept {
        return a.hash == b.hash && a.event_id == b.event_id && a.webhook_id == b.webhook_id;
    }

    static std::size_t compute(std::string_view event, std::string_view webhook) noexcept {
        std::size_t a = std::hash<std::string_view>{}(event);
        std::size_t b = std::hash<std::string_view>{}(webhook);
        return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    }
};

struct dedup_hash {
    std::size_t operator()(const dedup_key& k) const noexcept { return k.hash; }
};

}  // namespace detail::mem

/// An `outbox_storage` in this process's memory: nothing survives the process, so it suits tests,
/// caches of work that can be rebuilt, and single-process services that accept that.
///
/// Every operation takes one mutex, so a `memory_storage` may be used from several threads at once.
///
/// Costs do not depend on how many rows exist: each partition keeps its claimable rows in a queue
/// ordered by sequence and its retries in a queue ordered by `next_retry_at`; in-flight rows are
/// ordered by claim time for reaping; finished rows are in none of these. Claiming `k` rows costs
/// `O(k log n)` plus `O(p)` for `p` partitions; enqueue and ack cost `O(log n)`. `list` walks rows in
/// sequence order from its cursor, so a filtered `list` costs the rows it passes over.
///
/// Finished rows stay until removed (the retention sweeper does that), and their dedup entries with
/// them.
///
/// A moved-from `memory_storage` may only be destroyed or assigned to.
class memory_storage {
public:
    memory_storage() : s_(std::make_unique<state>()) {}

    memory_storage(memory_storage&&) noexcept = default;
    memory_storage& operator=(memory_storage&&) noexcept = default;

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (d.partition_key < 0) {
            detail::fail(ec, diag, errc::invalid_partition, "partition_key", "partition_key: must not be negative");
            return {};
        }
        std::lock_guard lock(s_->mu);
        if (auto it = s_->dedup.find(detail::mem::dedup_key{d.event_id, d.webhook_id}); it != s_->dedup.end())
            return {it->second->d.id, false};
        auto owned = std::make_unique<detail::mem::row>();
        auto& r = *owned;
        r.d = std::move(d);
        auto [pos, inserted] = s_->rows.try_emplace(r.d.id, std::move(owned));
        if (!inserted) {
            detail::fail(ec, diag, errc::storage_failure, "id",
                         "id: delivery id " + r.d.id.to_string() + " is already taken by another delivery");
            return {};
        }
        r.d.sequence = ++s_->next_sequence;
        s_->dedup.emplace(detail::mem::dedup_key{r.d.event_id, r.d.webhook_id}, &r);
        s_->all.insert(s_->all.end(), r);
        s_->make_pending(r);
        return {r.d.id, true};
    }

    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<delivery> out;
        std::lock_guard lock(s_->mu);
        s_->reap(q.reap_before, q.now);
        if (q.partition) {
            if (*q.partition < 0 || static_cast<std::size_t>(*q.partition) >= s_->partitions.size())
                return out;
            auto& part = *s_->partitions[*q.partition];
            s_->promote(part, q.now);
            out.reserve(std::min(q.limit, static_cast<std::size_t>(64)));
            while (out.size() < q.limit && !part.ready.empty())
                out.push_back(s_->take(*part.ready.begin(), part, q));
            return out;
        }
        // Every partition: merge the ready queues by sequence, lowest first.
        using head = std::pair<std::uint64_t, detail::mem::partition_queues*>;
        std::vector<head> heap;
        heap.reserve(s_->partitions.size());
        for (auto& p : s_->partitions) {
            s_->promote(*p, q.now);
            if (!p->ready.empty())
                heap.emplace_back(p->ready.begin()->d.sequence, p.get());
        }
        auto later = [](const head& a, const head& b) { return a.first > b.first; };
        std::make_heap(heap.begin(), heap.end(), later);
        out.reserve(std::min(q.limit, static_cast<std::size_t>(256)));
        while (out.size() < q.limit && !heap.empty()) {
            std::pop_heap(heap.begin(), heap.end(), later);
            auto* part = heap.back().second;
            out.push_back(s_->take(*part->ready.begin(), *part, q));
            if (part->ready.empty()) {
                heap.pop_back();
            } else {
                heap.back().first = part->ready.begin()->d.sequence;
                std::push_heap(heap.begin(), heap.end(), later);
            }
        }
        return out;
    }

    void complete(delivery_id id, std::uint64_t token, completion&& c, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        auto it = s_->rows.find(id);
        if (it == s_->rows.end())
            return detail::fail_not_found(ec, diag, id);
        auto& r = *it->second;
        if (r.d.status != delivery_status::in_flight || r.d.claim_token != token)
            return detail::fail_claim_lost(ec, diag, id);
        s_->inflight.erase(s_->inflight.iterator_to(r));
        s_->count(delivery_status::in_flight, -1);
        detail::apply_completion(r.d, std::move(c));
        if (r.d.status == delivery_status::pending)
            s_->make_pending(r);
        else
            s_->count(r.d.status, +1);
    }

    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics&) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        auto it = s_->rows.find(id);
        if (it == s_->rows.end())
            return std::nullopt;
        return redacted(it->second->d);
    }

    list_page list(const list_options& lo, error_code& ec, diagnostics&) const {
        ec.clear();
        list_page page;
        std::lock_guard lock(s_->mu);
        auto it = lo.after_sequence ? s_->all.upper_bound(*lo.after_sequence, detail::mem::by_sequence{})
                                    : s_->all.begin();
        for (; it != s_->all.end(); ++it) {
            const delivery& d = it->d;
            if (lo.status && d.status != *lo.status)
                continue;
            if (lo.webhook_id && d.webhook_id != *lo.webhook_id)
                continue;
            page.items.push_back(redacted(d));
            if (page.items.size() == lo.limit) {
                page.next_cursor = d.sequence;
                break;
            }
        }
        return page;
    }

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        auto it = s_->rows.find(id);
        if (it == s_->rows.end()) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        auto& r = *it->second;
        if (!is_terminal(r.d.status)) {
            detail::fail_not_eligible(ec, diag, id, r.d.status);
            return {};
        }
        s_->count(r.d.status, -1);
        detail::reset_for_redelivery(r.d, now);
        s_->make_pending(r);
        return redacted(r.d);
    }

    outbox_stats stats(timestamp now, error_code& ec, diagnostics&) const {
        ec.clear();
        outbox_stats st;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < delivery_status_count; ++i)
            st.by_status[i] = static_cast<std::size_t>(s_->counts[i]);
        if (!s_->pending.empty())
            st.oldest_pending_age = now - s_->pending.begin()->d.created_at;
        return st;
    }

private:
    struct state {
        mutable std::mutex mu;
        // Declared before the indexes so that they are destroyed after them.
        boost::unordered_flat_map<delivery_id, std::unique_ptr<detail::mem::row>, std::hash<delivery_id>> rows;
        boost::unordered_flat_map<detail::mem::dedup_key, detail::mem::row*, detail::mem::dedup_hash> dedup;
        std::vector<std::unique_ptr<detail::mem::partition_queues>> partitions;
        detail::mem::inflight_index inflight;
        detail::mem::pending_index pending;
        detail::mem::all_index all;
        std::uint64_t next_sequence = 0;
        std::uint64_t next_token = 0;
        std::array<std::int64_t, delivery_status_count> counts{};

        ~state() {
            // The indexes do not own the rows; empty them before the rows go.
            for (auto& p : partitions) {
                p->ready.clear();
                p->delayed.clear();
            }
            inflight.clear();
            pending.clear();
            all.clear();
        }

        void count(delivery_status s, int delta) noexcept { counts[static_cast<std::size_t>(s)] += delta; }

        detail::mem::partition_queues& partition(int p) {
            while (partitions.size() <= static_cast<std::size_t>(p))
                partitions.push_back(std::make_unique<detail::mem::partition_queues>());
            return *partitions[p];
        }

        // Queues a row that has just become pending: a retry waits in the delayed queue until its
        // time (promote moves it), anything else is claimable at once.
        void make_pending(detail::mem::row& r) {
            r.d.status = delivery_status::pending;
            count(delivery_status::pending, +1);
            auto& part = partition(r.d.partition_key);
            r.delayed = r.d.next_retry_at.has_value();
            // Keys almost always grow (new rows, retries scheduled later than earlier ones), so an end
            // hint makes these inserts constant time instead of a walk over cold rows.
            if (r.delayed)
                part.delayed.insert(part.delayed.end(), r);
            else
                part.ready.insert(part.ready.end(), r);
            pending.insert(pending.end(), r);
        }

        void promote(detail::mem::partition_queues& part, timestamp now) {
            while (!part.delayed.empty() && *part.delayed.begin()->d.next_retry_at <= now) {
                auto& r = *part.delayed.begin();
                part.delayed.erase(part.delayed.begin());
                r.delayed = false;
                part.ready.insert(part.ready.end(), r);
            }
        }

        void reap(timestamp reap_before, timestamp now) {
            while (!inflight.empty() && *inflight.begin()->d.claimed_at < reap_before) {
                auto& r = *inflight.begin();
                inflight.erase(inflight.begin());
                count(delivery_status::in_flight, -1);
                r.d.claimed_by.reset();
                r.d.claimed_at.reset();
                r.d.claim_token = 0;
                r.d.updated_at = now;
                make_pending(r);
            }
        }

        delivery take(detail::mem::row& r, detail::mem::partition_queues& part, const claim_query& q) {
            part.ready.erase(part.ready.iterator_to(r));
            pending.erase(pending.iterator_to(r));
            count(delivery_status::pending, -1);
            count(delivery_status::in_flight, +1);
            r.d.status = delivery_status::in_flight;
            r.d.claimed_by.emplace(q.node_id);
            r.d.claimed_at = q.now;
            r.d.updated_at = q.now;
            r.d.claim_token = ++next_token;
            inflight.insert(inflight.end(), r);
            return r.d;
        }
    };

    static delivery redacted(const delivery& d) {
        delivery copy = d;
        copy.secret.clear();
        return copy;
    }

    std::unique_ptr<state> s_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
