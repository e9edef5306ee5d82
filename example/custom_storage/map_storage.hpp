//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_EXAMPLE_CUSTOM_STORAGE_MAP_STORAGE_HPP
#define HOOKBOX_EXAMPLE_CUSTOM_STORAGE_MAP_STORAGE_HPP

// map_storage: a storage for `hookbox::basic_outbox`, written from the requirements table of the
// `hookbox::outbox_storage` concept (hookbox/storage/concept.hpp, doc/concepts/outbox_storage.md)
// with nothing but standard containers and one mutex.
//
// It is an example of how to write your own storage, not a replacement for `memory_storage`: it
// favours plain code over speed. Read it top to bottom; the comments explain each choice:
//
//   1. the rows, and the indexes that keep every operation away from rows it does not need;
//   2. atomicity: one mutex, and every change of a row goes "unindex, change, index";
//   3. the claim index, which keeps the cost of `claim` independent of finished and waiting rows;
//   4. fencing: `complete` and `release` act only for the claim token that `claim` handed out;
//   5. dedup: the (event_id, webhook_id) pair is a unique key, freed again by `purge`;
//   6. errors: the not_found / not_eligible / claim_lost texts the table prescribes.
//
// Only public hookbox names are used: the types of delivery.hpp and storage/concept.hpp, the error
// codes and `diagnostics` of error.hpp, and `is_terminal` and `to_string`.

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace example {

// Every hookbox name this file uses, in one place.
using hookbox::attempt_record;
using hookbox::claim_query;
using hookbox::claim_ref;
using hookbox::completion;
using hookbox::delivery;
using hookbox::delivery_filter;
using hookbox::delivery_id;
using hookbox::delivery_status;
using hookbox::diagnostics;
using hookbox::enqueue_result;
using hookbox::errc;
using hookbox::error_code;
using hookbox::list_options;
using hookbox::list_page;
using hookbox::outbox_stats;
using hookbox::release_request;
using hookbox::timestamp;
using hookbox::webhook_failures;

/// An `outbox_storage` over `std::map` and `std::set`, in this process's memory.
///
/// Thread-safety: every operation takes one mutex for its whole duration, so operations are atomic
/// with respect to each other and a `map_storage` may be shared by any number of threads (through
/// one `basic_outbox`).
///
/// Costs, for `n` rows: enqueue, ack, release and redeliver are `O(log n)`. `claim` is
/// `O((r + k) log n)` for `r` rows it reaps or finds due and `k` rows it takes: finished rows,
/// fresh claims and rows waiting for a later retry are never visited. `list`, `replay` and `purge`
/// walk rows in sequence order (only the rows of one status when the filter names one) and stop at
/// their limit; `failures` visits the dead and pending rows; `stats` is `O(1)`.
///
/// Allocation failure (`std::bad_alloc`) is passed on; an operation interrupted by it may leave
/// its row half indexed, so treat it as fatal for the storage.
///
/// A moved-from `map_storage` may only be destroyed or assigned to.
class map_storage {
public:
    /// How many attempt records each row keeps; older ones are dropped first. The table allows a
    /// storage to keep only the latest ones, which bounds the memory of a row retried forever.
    static constexpr std::size_t history_limit = 100;

    /// An empty storage.
    map_storage() : s_(std::make_unique<state>()) {}

    // basic_outbox takes its storage by value, so the concept asks for std::move_constructible. A
    // std::mutex cannot move; the state (mutex included) lives on the heap and the handle moves.
    map_storage(map_storage&&) noexcept = default;
    map_storage& operator=(map_storage&&) noexcept = default;

    // ---------------------------------------------------------------------------------------------
    // enqueue
    // ---------------------------------------------------------------------------------------------

    //[insert
    // The outbox made `d` complete (id, partition key, times, status pending); the storage only
    // deduplicates, numbers and stores it. Under the mutex, "look up the pair, then store" is one
    // step, so two threads inserting the same pair cannot both store it.
    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        if (const row* existing = s_->find_pair(d.event_id, d.webhook_id))
            return {existing->d.id, false};  // a duplicate: nothing changes
        if (s_->by_id.contains(d.id)) {
            fail_id_taken(ec, diag, d.id);
            return {};
        }
        return {s_->add(std::move(d)).d.id, true};
    }
    //]

    // All or none: everything that can fail is checked before the first row is stored. A pair
    // repeated within the batch is stored once, because the first entry is in the dedup index by
    // the time the later ones look.
    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        std::set<delivery_id> ids;
        for (const auto& d : ds) {
            if (s_->by_id.contains(d.id) || !ids.insert(d.id).second) {
                fail_id_taken(ec, diag, d.id);
                return {};
            }
        }
        std::vector<enqueue_result> out;
        out.reserve(ds.size());
        for (auto& d : ds) {
            if (const row* existing = s_->find_pair(d.event_id, d.webhook_id))
                out.push_back({existing->d.id, false});
            else
                out.push_back({s_->add(std::move(d)).d.id, true});
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // claim
    // ---------------------------------------------------------------------------------------------

    //[claim
    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<delivery> out;
        std::lock_guard lock(s_->mu);
        s_->reap(q.reap_before, q.now);  // expired claims, of every partition, back to pending
        s_->promote(q.now);              // retries that are due, to the ready index

        // The claimable rows, lowest sequence first: of every partition, or of one.
        const std::set<std::uint64_t>* ready = &s_->ready;
        if (q.partition) {
            auto it = s_->ready_in.find(*q.partition);
            if (it == s_->ready_in.end())
                return out;  // nothing was ever claimable there
            ready = &it->second;
        }
        while (out.size() < q.limit && !ready->empty()) {
            row& r = s_->rows.at(*ready->begin());
            s_->change(r, [&](delivery& d) {
                d.status = delivery_status::in_flight;
                d.claimed_by = std::string(q.node_id);
                d.claimed_at = q.now;
                d.updated_at = q.now;
                d.claim_token = ++s_->last_token;  // fresh, never 0, unique within the storage
            });
            out.push_back(r.d);  // with its secret: the sender signs with it
        }
        return out;
    }
    //]

    // ---------------------------------------------------------------------------------------------
    // ack and release
    // ---------------------------------------------------------------------------------------------

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        s_->complete(ref, std::move(c), ec, diag);
    }

    // One lock for the batch: the whole batch is one step. Each entry's failure is its own and
    // does not stop the others; `ec` stays clear, since nothing fails for the batch as a whole.
    std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics entry_diag;  // the per-entry code is what the caller gets back
            s_->complete(refs[i], std::move(cs[i]), out[i], entry_diag);
        }
        return out;
    }

    // Gives claims back without an attempt: the same fencing as `complete`, but `attempts`, the last
    // response and the history stay as they are.
    std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics entry_diag;
            row* r = s_->find_claimed(refs[i], out[i], entry_diag);
            if (!r)
                continue;
            s_->change(*r, [&](delivery& d) {
                d.status = rr.status;
                d.next_retry_at = rr.next_retry_at;
                if (rr.error)
                    d.error = *rr.error;
                d.updated_at = rr.now;
                clear_claim(d);
            });
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // reading
    // ---------------------------------------------------------------------------------------------

    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics&) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        const row* r = s_->find(id);
        if (!r)
            return std::nullopt;
        return without_secret(r->d);
    }

    // Pages by sequence: the cursor is the last sequence of the page, so rows inserted or deleted
    // meanwhile never make a page skip or repeat a row.
    list_page list(const list_options& lo, error_code& ec, diagnostics&) const {
        ec.clear();
        list_page page;
        std::lock_guard lock(s_->mu);
        s_->walk(lo.status, lo.after_sequence.value_or(0), [&](const row& r) {
            if (lo.webhook_id && r.d.webhook_id != *lo.webhook_id)
                return true;
            page.items.push_back(without_secret(r.d));
            if (page.items.size() < lo.limit)
                return true;
            page.next_cursor = r.d.sequence;  // the page is full: more may follow
            return false;
        });
        return page;
    }

    // The status index makes counting free, and its pending set is in sequence order, so the oldest
    // pending row (also one waiting for a retry) is its first element.
    outbox_stats stats(timestamp now, error_code& ec, diagnostics&) const {
        ec.clear();
        outbox_stats st;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
            st.by_status[i] = s_->by_status[i].size();
        const auto& pending = s_->rows_in(delivery_status::pending);
        if (!pending.empty())
            st.oldest_pending_age = now - s_->rows.at(*pending.begin()).d.created_at;
        return st;
    }

    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        const row* r = s_->find(id);
        if (!r) {
            fail_not_found(ec, diag, id);
            return {};
        }
        return r->history;
    }

    // Failing rows are `dead` ones and `pending` ones that were attempted; the status index hands
    // us exactly those two sets.
    std::vector<webhook_failures> failures(std::size_t n, error_code& ec, diagnostics&) const {
        ec.clear();
        struct tally {
            webhook_failures f;
            std::uint64_t last_sequence = 0;
        };
        std::map<std::string, tally> by_webhook;  // std::string orders bytewise, as the table asks
        std::lock_guard lock(s_->mu);
        auto count = [&](const delivery& d) {
            tally& t = by_webhook[d.webhook_id];
            t.f.webhook_id = d.webhook_id;
            ++(d.status == delivery_status::dead ? t.f.dead : t.f.retrying);
            // The failing row updated last; among equal times, the one with the higher sequence.
            if (!t.f.last_failed_at || d.updated_at > *t.f.last_failed_at ||
                (d.updated_at == *t.f.last_failed_at && d.sequence > t.last_sequence)) {
                t.f.last_failed_at = d.updated_at;
                t.f.last_error = d.error;
                t.last_sequence = d.sequence;
            }
        };
        for (std::uint64_t seq : s_->rows_in(delivery_status::dead))
            count(s_->rows.at(seq).d);
        for (std::uint64_t seq : s_->rows_in(delivery_status::pending))
            if (const delivery& d = s_->rows.at(seq).d; d.attempts > 0)
                count(d);

        std::vector<webhook_failures> out;
        for (auto& [webhook, t] : by_webhook)
            out.push_back(std::move(t.f));
        // Most failing first; stable, so that equal totals stay in webhook_id order (the map's).
        std::stable_sort(out.begin(), out.end(), [](const webhook_failures& a, const webhook_failures& b) {
            return a.dead + a.retrying > b.dead + b.retrying;
        });
        if (out.size() > n)
            out.resize(n);
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // operations: redeliver, replay, purge
    // ---------------------------------------------------------------------------------------------

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        row* r = s_->find(id);
        if (!r) {
            fail_not_found(ec, diag, id);
            return {};
        }
        if (!hookbox::is_terminal(r->d.status)) {
            fail_not_eligible(ec, diag, id, r->d.status);
            return {};
        }
        s_->change(*r, [&](delivery& d) { reset_for_redelivery(d, now); });
        return without_secret(r->d);
    }

    // `replay` and `purge` first pick their rows and then change them: changing a row moves it
    // between the sets being walked, so the two phases are kept apart. Both happen under one lock,
    // which makes the step atomic.
    std::size_t replay(const delivery_filter& f, std::size_t n, timestamp now, error_code& ec, diagnostics&) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        std::vector<std::uint64_t> picked = s_->pick(f, n, [](const delivery& d) { return hookbox::is_terminal(d.status); });
        for (std::uint64_t seq : picked)
            s_->change(s_->rows.at(seq), [&](delivery& d) { reset_for_redelivery(d, now); });
        return picked.size();  // the attempt history stays
    }

    std::size_t purge(const delivery_filter& f, std::size_t n, error_code& ec, diagnostics&) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        std::vector<std::uint64_t> picked = s_->pick(f, n, [](const delivery&) { return true; });
        for (std::uint64_t seq : picked)
            s_->erase(seq);  // with its history, its id and its dedup pair
        return picked.size();
    }

private:
    //[state
    // A stored delivery and its attempt history, oldest first.
    struct row {
        delivery d;
        std::vector<attempt_record> history;
    };

    // Hashes the dedup key, (event_id, webhook_id).
    struct pair_hash {
        std::size_t operator()(const std::pair<std::string, std::string>& p) const noexcept {
            std::size_t a = std::hash<std::string>{}(p.first);
            std::size_t b = std::hash<std::string>{}(p.second);
            return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
        }
    };

    struct state {
        mutable std::mutex mu;  // guards everything below

        // The table: every row, by sequence. Sequences count up from 1 and are never reused, so
        // this is also enqueue order, the order of claim, list, replay and purge.
        std::map<std::uint64_t, row> rows;
        std::uint64_t last_sequence = 0;
        std::uint64_t last_token = 0;

        // Unique keys, to find a row without a walk.
        std::unordered_map<delivery_id, std::uint64_t> by_id;
        std::unordered_map<std::pair<std::string, std::string>, std::uint64_t, pair_hash> by_pair;

        // Every row's sequence, by status: counts for stats, and a short walk for list, purge and
        // failures when they ask for one status.
        std::array<std::set<std::uint64_t>, hookbox::delivery_status_count> by_status;

        // The claim index. A pending row is in `waiting` while it has a retry time, keyed by that
        // time, and in `ready` (and `ready_in` of its partition) once it is claimable. An in-flight
        // row is in `in_flight`, keyed by its claim time, so that reaping starts at the oldest claim.
        // Finished rows are in none of these, and claim never sees them.
        std::set<std::uint64_t> ready;
        std::map<int, std::set<std::uint64_t>> ready_in;
        std::set<std::pair<timestamp, std::uint64_t>> waiting;
        std::set<std::pair<timestamp, std::uint64_t>> in_flight;
        //]

        //[change
        // Every change to a stored row goes through here: out of the indexes its current status
        // put it in, change, into the indexes of its new status. No index can then disagree with
        // the row it names, whatever `f` does to the status, the retry time or the claim.
        template <class F>
        void change(row& r, F&& f) {
            unindex(r);
            f(r.d);
            index(r);
        }

        void index(const row& r) {
            const std::uint64_t seq = r.d.sequence;
            by_status[slot(r.d.status)].insert(seq);
            if (r.d.status == delivery_status::pending) {
                if (r.d.next_retry_at)
                    waiting.emplace(*r.d.next_retry_at, seq);  // `promote` moves it when due
                else
                    make_ready(r);
            } else if (r.d.status == delivery_status::in_flight) {
                in_flight.emplace(*r.d.claimed_at, seq);
            }
        }

        void unindex(const row& r) {
            const std::uint64_t seq = r.d.sequence;
            by_status[slot(r.d.status)].erase(seq);
            if (r.d.status == delivery_status::pending) {
                // Waiting, or promoted to ready: erasing a key that is not there does nothing.
                if (r.d.next_retry_at)
                    waiting.erase({*r.d.next_retry_at, seq});
                ready.erase(seq);
                if (auto it = ready_in.find(r.d.partition_key); it != ready_in.end())
                    it->second.erase(seq);
            } else if (r.d.status == delivery_status::in_flight) {
                in_flight.erase({*r.d.claimed_at, seq});
            }
        }
        //]

        void make_ready(const row& r) {
            ready.insert(r.d.sequence);
            ready_in[r.d.partition_key].insert(r.d.sequence);
        }

        //[reap
        // Claims older than the TTL (strictly) go back to pending, in every partition. The walk
        // starts at the oldest claim and stops at the first one still fresh.
        void reap(timestamp reap_before, timestamp now) {
            while (!in_flight.empty() && in_flight.begin()->first < reap_before) {
                change(rows.at(in_flight.begin()->second), [&](delivery& d) {
                    d.status = delivery_status::pending;
                    d.updated_at = now;
                    clear_claim(d);  // the old token is dead: its ack gets claim_lost
                });
            }
        }

        // Retries whose time has come become claimable. The walk stops at the first later one.
        void promote(timestamp now) {
            while (!waiting.empty() && waiting.begin()->first <= now) {
                const std::uint64_t seq = waiting.begin()->second;
                waiting.erase(waiting.begin());
                make_ready(rows.at(seq));
            }
        }
        //]

        // Stores a new row (its pair and id known to be free) with the next sequence.
        row& add(delivery&& d) {
            d.sequence = ++last_sequence;
            row& r = rows.emplace(d.sequence, row{std::move(d), {}}).first->second;
            by_id.emplace(r.d.id, r.d.sequence);
            by_pair.emplace(std::pair(r.d.event_id, r.d.webhook_id), r.d.sequence);
            index(r);
            return r;
        }

        // Deletes a row from the table and from every index; its id and pair are free again.
        void erase(std::uint64_t seq) {
            row& r = rows.at(seq);
            unindex(r);
            by_pair.erase(std::pair(r.d.event_id, r.d.webhook_id));
            by_id.erase(r.d.id);
            rows.erase(seq);
        }

        row* find(const delivery_id& id) {
            auto it = by_id.find(id);
            return it == by_id.end() ? nullptr : &rows.at(it->second);
        }

        row* find_pair(const std::string& event_id, const std::string& webhook_id) {
            auto it = by_pair.find(std::pair(event_id, webhook_id));
            return it == by_pair.end() ? nullptr : &rows.at(it->second);
        }

        //[fencing
        // The row that `ref` names, if its claim is still the one `ref` holds; otherwise sets the
        // error and returns null. `ref.sequence` locates the row without the id lookup, but the id
        // decides: a sequence that belongs to another row counts as an unknown id.
        row* find_claimed(const claim_ref& ref, error_code& ec, diagnostics& diag) {
            row* r = nullptr;
            if (ref.sequence != 0) {
                auto it = rows.find(ref.sequence);
                if (it != rows.end() && it->second.d.id == ref.id)
                    r = &it->second;
            } else {
                r = find(ref.id);
            }
            if (!r) {
                fail_not_found(ec, diag, ref.id);
                return nullptr;
            }
            // Acked already, reaped, or reaped and claimed again: the token no longer matches
            // (tokens are never 0 while in flight, and never reused).
            if (r->d.status != delivery_status::in_flight || r->d.claim_token != ref.claim_token) {
                fail_claim_lost(ec, diag, ref.id);
                return nullptr;
            }
            return r;
        }

        void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
            row* r = find_claimed(ref, ec, diag);
            if (!r)
                return;  // nothing changed
            // The attempt record and the row change in the same step (we hold the lock).
            auto& h = r->history;
            h.push_back({h.empty() ? 1 : h.back().number + 1, c.now, c.status, c.response_code, c.duration, c.error,
                         c.traceparent});
            if (h.size() > history_limit)
                h.erase(h.begin());
            change(*r, [&](delivery& d) {
                d.status = c.status;
                d.attempts += 1;
                clear_claim(d);
                d.next_retry_at = c.next_retry_at;
                d.response_code = c.response_code;
                d.response_body = std::move(c.response_body);
                d.error = std::move(c.error);
                d.last_duration = c.duration;
                d.last_attempted_at = c.now;
                d.updated_at = c.now;
            });
        }
        //]

        // Walks rows in sequence order, after `after`: those of one status when `only` is set,
        // else all. Stops when `f` returns false.
        template <class F>
        void walk(std::optional<delivery_status> only, std::uint64_t after, F&& f) const {
            if (only) {
                const auto& seqs = by_status[slot(*only)];
                for (auto it = seqs.upper_bound(after); it != seqs.end(); ++it)
                    if (!f(rows.at(*it)))
                        return;
            } else {
                for (auto it = rows.upper_bound(after); it != rows.end(); ++it)
                    if (!f(it->second))
                        return;
            }
        }

        // The sequences of up to `n` rows that match `f` and `eligible`, lowest first.
        template <class Eligible>
        std::vector<std::uint64_t> pick(const delivery_filter& f, std::size_t n, Eligible eligible) const {
            std::vector<std::uint64_t> out;
            walk(f.status, 0, [&](const row& r) {
                if (eligible(r.d) && matches(f, r.d))
                    out.push_back(r.d.sequence);
                return out.size() < n;
            });
            return out;
        }

        const std::set<std::uint64_t>& rows_in(delivery_status s) const { return by_status[slot(s)]; }
    };

    static std::size_t slot(delivery_status s) noexcept { return static_cast<std::size_t>(s); }

    // A row matches a filter when every field of the filter that is set holds.
    static bool matches(const delivery_filter& f, const delivery& d) noexcept {
        return (!f.status || d.status == *f.status) && (!f.webhook_id || d.webhook_id == *f.webhook_id) &&
               (!f.created_from || d.created_at >= *f.created_from) &&
               (!f.created_before || d.created_at < *f.created_before) &&
               (!f.updated_before || d.updated_at < *f.updated_before);
    }

    static void clear_claim(delivery& d) {
        d.claimed_by.reset();
        d.claimed_at.reset();
        d.claim_token = 0;
    }

    // What `redeliver` and `replay` do to a finished row: pending again, as if never attempted,
    // but with its id, payload, sequence and created_at (and its history, kept beside it).
    static void reset_for_redelivery(delivery& d, timestamp now) {
        d.status = delivery_status::pending;
        d.attempts = 0;
        clear_claim(d);
        d.next_retry_at.reset();
        d.last_attempted_at.reset();
        d.response_code.reset();
        d.response_body.reset();
        d.error.reset();
        d.last_duration.reset();
        d.updated_at = now;
    }

    // `get` and `list` never show a secret; `claim` does, because the sender needs it.
    static delivery without_secret(const delivery& d) {
        delivery copy = d;
        copy.secret.clear();
        return copy;
    }

    //[errors
    // The state errors, in the words of the requirements table. Set the code and the diagnostics
    // together: `field` names what the caller passed that is at fault, `message` is a sentence.
    static void fail_not_found(error_code& ec, diagnostics& diag, const delivery_id& id) {
        ec = hookbox::make_error_code(errc::not_found);
        diag.assign("id", "Delivery row '" + id.to_string() + "' not found");
    }

    static void fail_not_eligible(error_code& ec, diagnostics& diag, const delivery_id& id, delivery_status s) {
        ec = hookbox::make_error_code(errc::not_eligible);
        diag.assign("id", "Delivery row '" + id.to_string() + "' is '" + std::string(hookbox::to_string(s)) +
                              "', expected one of: success, failed, dead");
    }

    static void fail_claim_lost(error_code& ec, diagnostics& diag, const delivery_id& id) {
        ec = hookbox::make_error_code(errc::claim_lost);
        diag.assign("claim_token", "Delivery row '" + id.to_string() +
                                       "': the claim was reaped or taken over by another claimer; the ack was discarded");
    }
    //]

    // Ids are random UUIDs, so this does not happen by chance; refusing keeps `by_id` a unique key.
    static void fail_id_taken(error_code& ec, diagnostics& diag, const delivery_id& id) {
        ec = hookbox::make_error_code(errc::storage_failure);
        diag.assign("id", "id: delivery id " + id.to_string() + " is already taken by another delivery");
    }

    std::unique_ptr<state> s_;
};

//[check
// The concept checks the signatures of all 14 operations; the contract suite checks what they do.
static_assert(hookbox::outbox_storage<map_storage>);
//]

}  // namespace example

#endif  // HOOKBOX_EXAMPLE_CUSTOM_STORAGE_MAP_STORAGE_HPP
