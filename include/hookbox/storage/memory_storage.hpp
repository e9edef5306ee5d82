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

#include <boost/container/small_vector.hpp>
#include <boost/intrusive/list.hpp>
#include <boost/intrusive/set.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hookbox {

namespace detail::mem {

namespace bi = boost::intrusive;

// normal_link: which index holds a row follows from its status (pending: its partition's fresh,
// ready or delayed queue; in_flight: the in-flight list; finished: none), so the hooks need no self-checks.
using list_hook = bi::list_member_hook<bi::link_mode<bi::normal_link>>;
using set_hook = bi::set_member_hook<bi::link_mode<bi::normal_link>>;

struct row {
    delivery d;
    list_hook list_link;   // fresh (per partition) or in_flight
    set_hook set_link;     // ready or delayed (per partition)
    set_hook pending_link; // returned: ready or delayed, ordered by sequence for stats
    // The latest attempts, oldest first. The first is kept inline: most deliveries succeed at
    // their first attempt, and an ack then allocates nothing for its record.
    boost::container::small_vector<attempt_record, 1> history;
};

// How many attempt records a row keeps; older ones are dropped first.
inline constexpr std::size_t history_limit = 100;

// Rows are carved from blocks that the storage owns, and a purged row's slot is reused by the next
// insert, so storing a row costs no call to the allocator on the common path. Blocks grow
// geometrically up to `max_block_bytes`; a block of at least `huge_page` bytes is aligned to it and,
// on Linux, offered to the kernel for transparent huge pages, which makes touching a fresh block
// much cheaper than faulting in its 4 KiB pages one by one.
class row_pool {
public:
    row_pool() = default;
    row_pool(const row_pool&) = delete;
    row_pool& operator=(const row_pool&) = delete;

    // Frees the blocks; the rows in them must have been destroyed already.
    ~row_pool() {
        for (const auto& b : blocks_)
            ::operator delete(b.mem, b.bytes, std::align_val_t(b.align));
    }

    // A new, default-constructed row.
    row* make() {
        void* p;
        if (free_) {
            p = free_;
            free_ = free_->next;
        } else {
            if (left_ == 0)
                grow();
            p = next_;
            next_ += sizeof(row);
            --left_;
        }
        try {
            return ::new (p) row();
        } catch (...) {
            push_free(p);
            throw;
        }
    }

    // Destroys a row made by `make` and keeps its slot for the next one.
    void destroy(row* r) noexcept {
        r->~row();
        push_free(r);
    }

private:
    struct free_slot {
        free_slot* next;
    };
    struct block {
        void* mem;
        std::size_t bytes;
        std::size_t align;
    };

    static constexpr std::size_t huge_page = std::size_t(2) << 20;
    static constexpr std::size_t max_block_bytes = std::size_t(4) << 20;
    static constexpr std::size_t first_block_rows = 16;

    void push_free(void* p) noexcept { free_ = ::new (p) free_slot{free_}; }

    void grow() {
        std::size_t rows = blocks_.empty() ? first_block_rows : block_rows_ * 2;
        rows = std::min(rows, std::max<std::size_t>(1, max_block_bytes / sizeof(row)));
        std::size_t bytes = rows * sizeof(row);
        std::size_t align = bytes >= huge_page ? huge_page : alignof(row);
        blocks_.reserve(blocks_.size() + 1);
        void* mem = ::operator new(bytes, std::align_val_t(align));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (align == huge_page)
            ::madvise(mem, bytes - bytes % huge_page, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
        blocks_.push_back(block{mem, bytes, align});
        block_rows_ = rows;
        next_ = static_cast<unsigned char*>(mem);
        left_ = rows;
    }

    std::vector<block> blocks_;
    free_slot* free_ = nullptr;
    unsigned char* next_ = nullptr;
    std::size_t left_ = 0;
    std::size_t block_rows_ = 0;
};

// A hint that the cache line at `p` is wanted soon; nothing where the compiler has no such hint.
inline void prefetch_line(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

// Asks for every cache line of a row.
inline void prefetch_row(const row* r) noexcept {
    const char* p = reinterpret_cast<const char*>(r);
    for (std::size_t i = 0; i < sizeof(row); i += 64)
        prefetch_line(p + i);
}

// Asks for the cache lines outside the row that copying `d` reads.
inline void prefetch_outside(const delivery& d) noexcept {
    // The payload's bytes are reached through the allocation that holds its shared count, which a
    // copy increments.
    prefetch_line(d.payload.body().data());
    for (const std::string* t : {&d.webhook_id, &d.event_id, &d.event_type, &d.url, &d.method, &d.secret})
        prefetch_line(t->data());
}

struct by_sequence {
    bool operator()(const row& a, const row& b) const noexcept { return a.d.sequence < b.d.sequence; }
};

struct by_retry_time {
    bool operator()(const row& a, const row& b) const noexcept {
        if (*a.d.next_retry_at != *b.d.next_retry_at)
            return *a.d.next_retry_at < *b.d.next_retry_at;
        return a.d.sequence < b.d.sequence;
    }
};

using row_list = bi::list<row, bi::member_hook<row, list_hook, &row::list_link>, bi::constant_time_size<false>>;

template <class Compare, set_hook row::*Hook>
using row_set = bi::multiset<row, bi::member_hook<row, set_hook, Hook>, bi::compare<Compare>,
                             bi::constant_time_size<false>>;

struct partition_queues {
    row_list fresh;                                 // never claimed, in sequence order
    row_set<by_sequence, &row::set_link> ready;     // came back, claimable now
    row_set<by_retry_time, &row::set_link> delayed; // came back, waiting for next_retry_at

    static constexpr std::uint64_t none = ~std::uint64_t(0);

    // The lowest sequence claimable in this partition, or `none`.
    std::uint64_t head() const noexcept {
        std::uint64_t a = fresh.empty() ? none : fresh.front().d.sequence;
        std::uint64_t b = ready.empty() ? none : ready.begin()->d.sequence;
        return a < b ? a : b;
    }
};

// The dedup key views the row's own strings and carries their hash, so that growing the table
// rehashes without touching (cold) rows.
struct dedup_key {
    std::string_view event_id;
    std::string_view webhook_id;
    std::size_t hash;

    dedup_key(std::string_view event, std::string_view webhook) noexcept
        : event_id(event), webhook_id(webhook), hash(compute(event, webhook)) {}

    dedup_key(std::string_view event, std::string_view webhook, std::size_t h) noexcept
        : event_id(event), webhook_id(webhook), hash(h) {}

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
/// Costs do not depend on how many rows exist. Each partition keeps its never-claimed rows in a
/// FIFO (they arrive in sequence order), and rows that come back (retried, reaped, redelivered) in a
/// set ordered by sequence, or by `next_retry_at` while they wait; in-flight rows are kept in claim
/// order for reaping; finished rows are in none of these. Enqueue, claiming one row and acking one row
/// cost `O(1)` on the common path and `O(log n)` for rows that came back; a claim over every
/// partition adds `O(p)` for `p` partitions. `list` seeks its cursor in `O(1)` and then walks rows in
/// sequence order, so a filtered `list` costs the rows it passes over.
///
/// The operations walk rows in sequence order and cost the rows they pass over: `replay`, `purge`
/// (a batch stops at its limit) and `failures` (every row). Rows removed from the front of the
/// sequence are skipped in `O(1)`, so a retention sweep that deletes the oldest rows does not rescan
/// them.
///
/// Finished rows stay until `purge` removes them (the retention sweeper calls it), and their dedup
/// entries go with them. Each row keeps its latest 100 attempt records.
///
/// Rows live in blocks the storage allocates (growing to 4 MiB each, offered to the kernel as huge
/// pages on Linux); a purged row's place is reused by the next enqueue, and the blocks are freed
/// when the storage is destroyed, not when rows are purged.
///
/// A moved-from `memory_storage` may only be destroyed or assigned to.
class memory_storage {
public:
    memory_storage() : s_(std::make_unique<state>()) {}

    memory_storage(memory_storage&&) noexcept = default;
    memory_storage& operator=(memory_storage&&) noexcept = default;

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!check_new(d, ec, diag))
            return {};
        detail::mem::dedup_key key(d.event_id, d.webhook_id);
        std::lock_guard lock(s_->mu);
        if (auto it = s_->dedup.find(key); it != s_->dedup.end())
            return {it->second->d.id, false};
        auto [slot, fresh] = s_->rows.try_emplace(d.id, nullptr);
        if (!fresh) {
            fail_id_taken(d.id, ec, diag);
            return {};
        }
        return s_->store(std::move(d), key.hash, slot->second);
    }

    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        ec.clear();
        for (const auto& d : ds)
            if (!check_new(d, ec, diag))
                return {};
        std::vector<enqueue_result> out;
        out.reserve(ds.size());
        std::lock_guard lock(s_->mu);
        // Check every id first, so that nothing is stored unless everything can be.
        boost::unordered_flat_map<delivery_id, int, std::hash<delivery_id>> fresh_ids;
        for (const auto& d : ds) {
            if (s_->rows.contains(d.id) || !fresh_ids.emplace(d.id, 0).second) {
                fail_id_taken(d.id, ec, diag);
                return {};
            }
        }
        for (auto& d : ds) {
            detail::mem::dedup_key key(d.event_id, d.webhook_id);
            if (auto it = s_->dedup.find(key); it != s_->dedup.end())
                out.push_back({it->second->d.id, false});
            else
                out.push_back(s_->store(std::move(d), key.hash, s_->rows[d.id]));
        }
        return out;
    }

    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics&) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        return s_->claim(q);
    }

    std::vector<std::vector<delivery>> claim_many(std::span<const claim_query> qs, std::size_t max_total,
                                                  error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<std::vector<delivery>> out;
        out.reserve(qs.size());
        std::lock_guard lock(s_->mu);
        for (claim_query q : qs) {
            q.limit = std::min(q.limit, max_total);
            out.push_back(q.limit == 0 ? std::vector<delivery>() : s_->claim(q));
            max_total -= out.back().size();
        }
        return out;
    }

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        s_->complete(ref, std::move(c), ec, diag);
    }

    std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics ignored;
            s_->complete(refs[i], std::move(cs[i]), out[i], ignored);
        }
        return out;
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
        std::uint64_t start = lo.after_sequence.value_or(0);
        for (std::uint64_t i = start; i < s_->all.size(); ++i) {
            const auto* r = s_->all[i];
            if (r == nullptr)
                continue;
            const delivery& d = r->d;
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

    std::size_t replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics&) {
        ec.clear();
        std::size_t n = 0;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = s_->live_from(); i < s_->all.size() && n < limit; ++i) {
            auto* r = s_->all[i];
            if (!r || !is_terminal(r->d.status) || !detail::matches(f, r->d))
                continue;
            s_->count(r->d.status, -1);
            detail::reset_for_redelivery(r->d, now);
            s_->make_pending(*r);
            ++n;
        }
        return n;
    }

    std::size_t purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics&) {
        ec.clear();
        std::size_t n = 0;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = s_->live_from(); i < s_->all.size() && n < limit; ++i) {
            auto* r = s_->all[i];
            if (!r || !detail::matches(f, r->d))
                continue;
            s_->remove(*r);
            ++n;
        }
        return n;
    }

    std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics ignored;
            detail::mem::row* r = s_->find(refs[i]);
            if (!r) {
                detail::fail_not_found(out[i], ignored, refs[i].id);
                continue;
            }
            if (r->d.status != delivery_status::in_flight || r->d.claim_token != refs[i].claim_token) {
                detail::fail_claim_lost(out[i], ignored, refs[i].id);
                continue;
            }
            s_->in_flight.erase(s_->in_flight.iterator_to(*r));
            s_->count(delivery_status::in_flight, -1);
            detail::apply_release(r->d, rr);
            if (r->d.status == delivery_status::pending)
                s_->make_pending(*r);
            else
                s_->count(r->d.status, +1);
        }
        return out;
    }

    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        auto it = s_->rows.find(id);
        if (it == s_->rows.end()) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        const auto& h = it->second->history;
        return std::vector<attempt_record>(h.begin(), h.end());
    }

    std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics&) const {
        ec.clear();
        detail::failure_tally tally;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = s_->live_from(); i < s_->all.size(); ++i) {
            const auto* r = s_->all[i];
            if (r && detail::is_failing(r->d.status, r->d.attempts))
                tally.add(r->d.webhook_id, r->d.status, r->d.error, r->d.updated_at, r->d.sequence);
        }
        return tally.take(limit);
    }

    outbox_stats stats(timestamp now, error_code& ec, diagnostics&) const {
        ec.clear();
        outbox_stats st;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < delivery_status_count; ++i)
            st.by_status[i] = static_cast<std::size_t>(s_->counts[i]);
        // The oldest pending row heads a fresh queue or the returned-rows index.
        const detail::mem::row* oldest = s_->returned.empty() ? nullptr : &*s_->returned.begin();
        for (const auto& p : s_->partitions)
            if (!p->fresh.empty() && (!oldest || p->fresh.front().d.sequence < oldest->d.sequence))
                oldest = &p->fresh.front();
        if (oldest)
            st.oldest_pending_age = now - oldest->d.created_at;
        return st;
    }

private:
    struct state {
        mutable std::mutex mu;
        // Every row by id. The pool holds the rows' memory; the destructor destroys the rows.
        detail::mem::row_pool pool;
        boost::unordered_flat_map<delivery_id, detail::mem::row*, std::hash<delivery_id>> rows;
        boost::unordered_flat_map<detail::mem::dedup_key, detail::mem::row*, detail::mem::dedup_hash> dedup;
        // Every row by sequence: all[sequence - 1]; a removed row leaves a null.
        std::deque<detail::mem::row*> all;
        // No row below all[head] remains (advanced lazily by live_from).
        std::size_t head = 0;
        std::vector<std::unique_ptr<detail::mem::partition_queues>> partitions;
        // In claim order: (claimed_at, claim_token) ascending, so the oldest claim is reaped first.
        detail::mem::row_list in_flight;
        // Pending rows that came back (ready or delayed), by sequence.
        detail::mem::row_set<detail::mem::by_sequence, &detail::mem::row::pending_link> returned;
        std::uint64_t next_token = 0;
        // Scratch space of claim, kept to save an allocation per call.
        std::vector<detail::mem::row*> taken;
        std::vector<std::pair<std::uint64_t, detail::mem::partition_queues*>> heads;
        std::array<std::int64_t, delivery_status_count> counts{};

        ~state() {
            // The intrusive indexes do not own the rows; empty them before the rows go.
            for (auto& p : partitions) {
                p->fresh.clear();
                p->ready.clear();
                p->delayed.clear();
            }
            in_flight.clear();
            returned.clear();
            for (auto& [id, r] : rows)
                pool.destroy(r);
        }

        // The body of `claim`, under the lock.
        std::vector<delivery> claim(const claim_query& q) {
            std::vector<delivery> out;
            reap(q.reap_before, q.now);
            using queues = detail::mem::partition_queues;
            taken.clear();
            if (q.partition) {
                if (*q.partition < 0 || static_cast<std::size_t>(*q.partition) >= partitions.size())
                    return out;
                auto& part = *partitions[*q.partition];
                promote(part, q.now);
                while (taken.size() < q.limit && part.head() != queues::none)
                    taken.push_back(&take(part, q));
            } else {
                // Every partition: merge the partitions' queues by sequence, lowest first.
                using head = std::pair<std::uint64_t, queues*>;
                auto& heap = heads;
                heap.clear();
                for (auto& p : partitions) {
                    promote(*p, q.now);
                    if (auto h = p->head(); h != queues::none)
                        heap.emplace_back(h, p.get());
                }
                auto later = [](const head& a, const head& b) { return a.first > b.first; };
                std::make_heap(heap.begin(), heap.end(), later);
                while (taken.size() < q.limit && !heap.empty()) {
                    std::pop_heap(heap.begin(), heap.end(), later);
                    auto* part = heap.back().second;
                    taken.push_back(&take(*part, q));
                    if (auto h = part->head(); h == queues::none) {
                        heap.pop_back();
                    } else {
                        heap.back().first = h;
                        std::push_heap(heap.begin(), heap.end(), later);
                    }
                }
            }
            // Copying a row reaches memory outside it (the url's and other long strings' bytes, the
            // payload's shared count), scattered over the heap. Touch it for every row first, so that
            // the cache misses overlap instead of stalling the copies one after another.
            for (const auto* r : taken)
                detail::mem::prefetch_outside(r->d);
            out.reserve(taken.size());
            for (const auto* r : taken)
                out.push_back(r->d);
            return out;
        }

        // Stores a new row whose id and (event_id, webhook_id) are known to be free.
        // `slot` is the row's entry in `rows`, made by the caller. Strong guarantee: if a step
        // throws, the row and its entry are gone again.
        enqueue_result store(delivery&& d, std::size_t dedup_hash, detail::mem::row*& slot) {
            const delivery_id id = d.id;
            detail::mem::row* r = nullptr;
            try {
                auto& part = partition(d.partition_key);
                r = pool.make();
                r->d = std::move(d);
                all.push_back(r);
                r->d.sequence = all.size();  // dense from 1, so that all[sequence - 1] is the row
                try {
                    dedup.emplace(detail::mem::dedup_key(r->d.event_id, r->d.webhook_id, dedup_hash), r);
                } catch (...) {
                    all.pop_back();
                    throw;
                }
                part.fresh.push_back(*r);
            } catch (...) {
                if (r)
                    pool.destroy(r);
                rows.erase(id);  // no empty entry may stay behind
                throw;
            }
            slot = r;
            count(delivery_status::pending, +1);
            return {id, true};
        }

        void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
            detail::mem::row* found = find(ref);
            if (!found)
                return detail::fail_not_found(ec, diag, ref.id);
            auto& r = *found;
            if (r.d.status != delivery_status::in_flight || r.d.claim_token != ref.claim_token)
                return detail::fail_claim_lost(ec, diag, ref.id);
            // The only step that can throw comes first, so that a failure leaves the row as it was.
            record_attempt(r, c);
            in_flight.erase(in_flight.iterator_to(r));
            count(delivery_status::in_flight, -1);
            detail::apply_completion(r.d, std::move(c));
            if (r.d.status == delivery_status::pending)
                make_pending(r);
            else
                count(r.d.status, +1);
        }

        // Appends the attempt that `c` completes. Strong guarantee: the record is built before the
        // history changes, and a full history has the capacity for it.
        static void record_attempt(detail::mem::row& r, const completion& c) {
            auto& h = r.history;
            attempt_record a{h.empty() ? 1 : h.back().number + 1, c.now, c.status, c.response_code, c.duration,
                             c.error};
            if (h.size() >= detail::mem::history_limit)
                h.erase(h.begin());
            h.push_back(std::move(a));
        }

        // The first index of `all` that may hold a row.
        std::size_t live_from() {
            while (head < all.size() && all[head] == nullptr)
                ++head;
            return head;
        }

        // Deletes a row: out of whichever queue its status puts it in, out of the dedup index (so
        // its pair may be enqueued again), out of `rows`, and back to the pool.
        void remove(detail::mem::row& r) {
            if (r.d.status == delivery_status::pending)
                unqueue_pending(r);
            else if (r.d.status == delivery_status::in_flight)
                in_flight.erase(in_flight.iterator_to(r));
            count(r.d.status, -1);
            dedup.erase(detail::mem::dedup_key(r.d.event_id, r.d.webhook_id));
            all[r.d.sequence - 1] = nullptr;
            rows.erase(r.d.id);
            pool.destroy(&r);
        }

        // A pending row is in its partition's fresh queue, unless it came back: then it is in
        // `returned` and in the ready or delayed set. The hooks cannot tell, so look it up (by
        // sequence, which is unique).
        void unqueue_pending(detail::mem::row& r) {
            auto& part = partition(r.d.partition_key);
            auto back = returned.find(r);
            if (back == returned.end() || &*back != &r) {
                part.fresh.erase(part.fresh.iterator_to(r));
                return;
            }
            returned.erase(back);
            if (r.d.next_retry_at) {
                auto d = part.delayed.find(r);
                if (d != part.delayed.end() && &*d == &r) {
                    part.delayed.erase(d);
                    return;
                }
            }
            part.ready.erase(part.ready.iterator_to(r));
        }

        // By sequence when the caller knows it (an index, no hashing), else by id.
        detail::mem::row* find(const claim_ref& ref) const {
            if (ref.sequence != 0) {
                if (ref.sequence > all.size())
                    return nullptr;
                detail::mem::row* r = all[ref.sequence - 1];
                return r && r->d.id == ref.id ? r : nullptr;
            }
            auto it = rows.find(ref.id);
            return it == rows.end() ? nullptr : it->second;
        }

        void count(delivery_status s, int delta) noexcept { counts[static_cast<std::size_t>(s)] += delta; }

        detail::mem::partition_queues& partition(int p) {
            while (partitions.size() <= static_cast<std::size_t>(p))
                partitions.push_back(std::make_unique<detail::mem::partition_queues>());
            return *partitions[p];
        }

        // Queues a row that has come back to pending (retry, reap, redeliver): one with a retry
        // time waits in the delayed queue until promote moves it; anything else is claimable now.
        void make_pending(detail::mem::row& r) {
            r.d.status = delivery_status::pending;
            count(delivery_status::pending, +1);
            auto& part = partition(r.d.partition_key);
            // Keys almost always grow, so an end hint makes these inserts constant time.
            if (r.d.next_retry_at) {
                part.delayed.insert(part.delayed.end(), r);
            } else {
                part.ready.insert(part.ready.end(), r);
            }
            returned.insert(returned.end(), r);
        }

        void promote(detail::mem::partition_queues& part, timestamp now) {
            while (!part.delayed.empty() && *part.delayed.begin()->d.next_retry_at <= now) {
                auto& r = *part.delayed.begin();
                part.delayed.erase(part.delayed.begin());
                part.ready.insert(part.ready.end(), r);
            }
        }

        void reap(timestamp reap_before, timestamp now) {
            while (!in_flight.empty() && *in_flight.front().d.claimed_at < reap_before) {
                auto& r = in_flight.front();
                in_flight.pop_front();
                count(delivery_status::in_flight, -1);
                r.d.claimed_by.reset();
                r.d.claimed_at.reset();
                r.d.claim_token = 0;
                r.d.updated_at = now;
                make_pending(r);
            }
        }

        static constexpr std::uint64_t prefetch_distance = 16;

        // Removes the partition's lowest-sequence claimable row and claims it.
        detail::mem::row& take(detail::mem::partition_queues& part, const claim_query& q) {
            detail::mem::row* r;
            bool fresh_first = !part.fresh.empty() &&
                               (part.ready.empty() || part.fresh.front().d.sequence < part.ready.begin()->d.sequence);
            if (fresh_first) {
                r = &part.fresh.front();
                part.fresh.pop_front();
            } else {
                r = &*part.ready.begin();
                part.ready.erase(part.ready.begin());
                returned.erase(returned.iterator_to(*r));
            }
            // Claims mostly go in sequence order, and rows are laid out in it: ask for the rows a
            // little ahead, so that the walk does not wait for memory at each row.
            if (std::uint64_t ahead = r->d.sequence + prefetch_distance; ahead <= all.size())
                if (const auto* next = all[ahead - 1])
                    detail::mem::prefetch_row(next);
            count(delivery_status::pending, -1);
            count(delivery_status::in_flight, +1);
            r->d.status = delivery_status::in_flight;
            r->d.claimed_by.emplace(q.node_id);
            r->d.claimed_at = q.now;
            r->d.updated_at = q.now;
            r->d.claim_token = ++next_token;
            // Claims come in time order unless the clock stepped back; then walk back to keep order.
            auto pos = in_flight.end();
            while (pos != in_flight.begin() && *std::prev(pos)->d.claimed_at > q.now)
                --pos;
            in_flight.insert(pos, *r);
            return *r;
        }
    };

    static bool check_new(const delivery& d, error_code& ec, diagnostics& diag) {
        if (d.partition_key < 0) {
            detail::fail(ec, diag, errc::invalid_partition, "partition_key", "partition_key: must not be negative");
            return false;
        }
        return true;
    }

    static void fail_id_taken(const delivery_id& id, error_code& ec, diagnostics& diag) {
        detail::fail(ec, diag, errc::storage_failure, "id",
                     "id: delivery id " + id.to_string() + " is already taken by another delivery");
    }

    static delivery redacted(const delivery& d) {
        delivery copy = d;
        copy.secret.clear();
        return copy;
    }

    std::unique_ptr<state> s_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
