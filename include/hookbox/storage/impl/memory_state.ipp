//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_MEMORY_STATE_IPP
#define HOOKBOX_STORAGE_IMPL_MEMORY_STATE_IPP

#include <hookbox/storage/detail/memory_state.hpp>

#include <hookbox/detail/prefetch.hpp>
#include <hookbox/storage/detail/slot_list.hpp>

#include <algorithm>
#include <chrono>
#include <string>

namespace hookbox::detail::mem {

memory_state::~memory_state() {
    const std::uint64_t end = all.size();
    for (std::uint64_t seq = all.first_live(); seq <= end; ++seq)
        if (slot_t s = all.at(seq); s != no_slot)
            pool.destroy(s);
}

bool memory_state::matches(const delivery_filter& f, const row& r) const noexcept {
    return (!f.status || r.status == *f.status) && (!f.webhook_id || r.tgt->webhook_id == *f.webhook_id) &&
           (!f.created_from || r.created_at >= to_ms(*f.created_from)) &&
           (!f.created_before || r.created_at < to_ms(*f.created_before)) &&
           (!f.updated_before || r.updated_at < to_ms(*f.updated_before));
}

delivery memory_state::to_delivery(const row& r, bool with_secret) const {
    delivery d;
    fill(d, r, with_secret);
    return d;
}

void memory_state::fill(delivery& d, const row& r, bool with_secret) {
    const target& t = *r.tgt;
    d.id = r.id;
    d.webhook_id = t.webhook_id;
    d.event_id = r.event_id.view();
    d.event_type = t.event_type;
    d.url = r.url;
    d.method = t.method;
    d.headers = t.headers;
    if (with_secret)
        d.secret = t.secret;
    else
        d.secret.clear();
    d.has_secret = r.has(has_secret_flag);
    d.timeout = t.timeout;
    d.payload = detail::payload_access::make(r.body, r.kind);
    d.partition_key = r.partition;
    d.status = r.status;
    d.attempts = r.attempts;
    assign(d.claimed_by, r.claimed_by ? std::optional<std::string_view>(r.claimed_by->text) : std::nullopt);
    d.claimed_at = opt_time(r.claimed_at);
    d.claim_token = r.claim_token;
    d.next_retry_at = opt_time(r.next_retry_at);
    d.last_attempted_at = opt_time(r.last_attempted_at);
    d.response_code = opt_code(r.response_code);
    assign(d.response_body, r.response_body);
    assign(d.error, r.error);
    d.last_duration = opt_duration(r.last_duration);
    if (r.trace)
        assign(d.traceparent, r.trace->given ? std::optional<std::string_view>(*r.trace->given) : std::nullopt);
    else
        d.traceparent.reset();
    d.sequence = r.sequence;
    d.created_at = from_ms(r.created_at);
    d.updated_at = from_ms(r.updated_at);
}

void memory_state::assign(std::optional<std::string>& o, std::optional<std::string_view> v) {
    if (!v)
        o.reset();
    else if (o)
        o->assign(*v);
    else
        o.emplace(*v);
}

void memory_state::assign(std::optional<std::string>& o, const compact_text& v) {
    assign(o, v.has_value() ? std::optional<std::string_view>(v.view()) : std::nullopt);
}

attempt_record memory_state::current_record(const row& r) {
    return attempt_record{r.recorded,
                          from_ms(r.last_attempted_at),
                          r.last_outcome,
                          opt_code(r.response_code),
                          std::chrono::milliseconds(r.last_duration),
                          r.error.to_optional(),
                          r.trace ? r.trace->sent : std::nullopt};
}

void memory_state::archive(row& r) {
    if (!r.has(current_record_flag))
        return;
    if (!r.older)
        r.older = std::make_unique<std::vector<attempt_record>>();
    r.older->push_back(current_record(r));
    r.flags &= static_cast<std::uint8_t>(~current_record_flag);
}

enqueue_result memory_state::insert(const new_row& d, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!check_partition(d.partition, ec, diag))
        return {};
    dedup_key key(d.event_id, d.webhook_id, seed);
    id_key id(d.id);
    std::lock_guard lock(mu);
    if (auto it = dedup.find(key); it != dedup.end())
        return {row_of(*it).id, false};
    if (ids.contains(id)) {
        fail_id_taken(d.id, ec, diag);
        return {};
    }
    return store(d, key.hash, id.hash);
}

enqueue_result memory_state::store(const new_row& d, std::uint32_t dedup_hash, std::uint32_t id_hash) {
    auto& part = partition(d.partition);
    compact_text event_id(d.event_id);
    std::unique_ptr<row_trace> trace = d.traceparent ? std::make_unique<row_trace>() : nullptr;
    target* t = targets.acquire(d, seed);
    slot_t s;
    try {
        s = pool.make();
    } catch (...) {
        targets.release(t);
        throw;
    }
    row& r = pool[s];
    r.partition = d.partition;
    r.kind = d.payload.kind();
    r.flags = d.has_secret ? has_secret_flag : 0;
    r.id = d.id;
    r.created_at = d.created_at;
    r.updated_at = d.updated_at;
    r.tgt = t;
    r.body = detail::payload_access::take_body(std::move(d.payload));
    r.url = std::move(d.url);
    r.event_id = std::move(event_id);
    if (trace) {
        trace->given = std::move(d.traceparent);
        r.trace = std::move(trace);
    }
    try {
        r.sequence = all.push(s); // dense from 1
        try {
            dedup.insert(make_entry(dedup_hash, s));
            try {
                ids.insert(make_entry(id_hash, s));
            } catch (...) {
                dedup.erase(make_entry(dedup_hash, s));
                throw;
            }
        } catch (...) {
            all.pop();
            throw;
        }
    } catch (...) {
        pool.destroy(s);
        targets.release(t);
        throw;
    }
    link_back(pool, part.fresh_head, part.fresh_tail, s);
    ++part.fresh_count;
    count(delivery_status::pending, +1);
    return {r.id, true};
}

bool memory_state::check_partition(std::int32_t partition, error_code& ec, diagnostics& diag) {
    if (partition < 0) {
        detail::fail(ec, diag, errc::invalid_partition, "partition_key",
                     "partition_key: must not be negative");
        return false;
    }
    return true;
}

void memory_state::fail_id_taken(const delivery_id& id, error_code& ec, diagnostics& diag) {
    detail::fail(ec, diag, errc::storage_failure, "id",
                 "id: delivery id " + id.to_string() + " is already taken by another delivery");
}

void memory_state::enter_returned(slot_t s, std::int64_t next_retry_at) {
    auto& r = pool[s];
    auto& part = partition(r.partition);
    // Keys almost always grow, so an end hint makes these inserts constant time.
    auto back = returned.emplace_hint(returned.end(), r.sequence, s);
    try {
        if (next_retry_at != no_time)
            part.delayed.emplace_hint(part.delayed.end(), next_retry_at, r.sequence, s);
        else
            part.ready.emplace_hint(part.ready.end(), r.sequence, s);
    } catch (...) {
        returned.erase(back);
        throw;
    }
    r.flags = static_cast<std::uint8_t>((r.flags & ~delayed_flag) | returned_flag |
                                        (next_retry_at != no_time ? delayed_flag : 0));
}

void memory_state::leave_pending(slot_t s) noexcept {
    auto& r = pool[s];
    auto& part = *partitions[static_cast<std::size_t>(r.partition)];
    if (!r.has(returned_flag)) {
        --part.fresh_count;
        return unlink(pool, part.fresh_head, part.fresh_tail, s);
    }
    returned.erase(r.sequence);
    if (r.has(delayed_flag))
        part.delayed.erase(std::make_tuple(r.next_retry_at, r.sequence, s));
    else
        part.ready.erase(r.sequence);
    r.flags = static_cast<std::uint8_t>(r.flags & ~(returned_flag | delayed_flag));
}

void memory_state::promote(partition_queues& part, timestamp now) {
    const std::int64_t t = to_ms(now);
    while (!part.delayed.empty() && std::get<0>(*part.delayed.begin()) <= t) {
        auto [at, seq, s] = *part.delayed.begin();
        part.ready.emplace_hint(part.ready.end(), seq, s);
        part.delayed.erase(part.delayed.begin());
        pool[s].flags = static_cast<std::uint8_t>(pool[s].flags & ~delayed_flag);
    }
}

void memory_state::drop_claim(slot_t s) noexcept {
    auto& r = pool[s];
    unlink(pool, flight_head, flight_tail, s);
    if (r.claimed_by)
        --r.claimed_by->refs;
    r.claimed_by = nullptr;
    r.claimed_at = no_time;
    r.claim_token = 0;
}

void memory_state::reap(timestamp reap_before, timestamp now) {
    const std::int64_t before = to_ms(reap_before);
    while (flight_head != no_slot && pool[flight_head].claimed_at < before) {
        slot_t s = flight_head;
        auto& r = pool[s];
        enter_returned(s, r.next_retry_at);
        drop_claim(s);
        r.status = delivery_status::pending;
        r.updated_at = to_ms(now);
        count(delivery_status::in_flight, -1);
        count(delivery_status::pending, +1);
    }
}

void memory_state::claim(const claim_query& q, std::vector<delivery>& out) {
    reap(q.reap_before, q.now);
    node_name* node = names.find_or_add(q.node_id);
    taken.clear();
    if (q.partition) {
        if (*q.partition < 0 || static_cast<std::size_t>(*q.partition) >= partitions.size()) {
            out.clear();
            return;
        }
        auto& part = *partitions[static_cast<std::size_t>(*q.partition)];
        promote(part, q.now);
        while (taken.size() < q.limit && head(part) != none)
            taken.push_back(take(part, q, node));
    } else {
        // Every partition: merge the partitions' queues by sequence, lowest first.
        using entry = std::pair<std::uint64_t, partition_queues*>;
        auto& heap = heads;
        heap.clear();
        for (auto& p : partitions) {
            promote(*p, q.now);
            if (auto h = head(*p); h != none)
                heap.emplace_back(h, p.get());
        }
        auto later = [](const entry& a, const entry& b) { return a.first > b.first; };
        std::make_heap(heap.begin(), heap.end(), later);
        while (taken.size() < q.limit && !heap.empty()) {
            std::pop_heap(heap.begin(), heap.end(), later);
            auto* part = heap.back().second;
            taken.push_back(take(*part, q, node));
            if (auto h = head(*part); h == none) {
                heap.pop_back();
            } else {
                heap.back().first = h;
                std::push_heap(heap.begin(), heap.end(), later);
            }
        }
    }
    // A copy reaches outside the row, to the payload's shared count and the URL's bytes: ask
    // for all of them first, so that the cache misses overlap instead of stalling the copies
    // one after another (measured: better than asking a few rows ahead).
    for (slot_t s : taken) {
        detail::prefetch(pool[s].body.get());
        detail::prefetch(pool[s].url.data());
    }
    out.resize(taken.size());
    for (std::size_t i = 0; i < taken.size(); ++i)
        fill(out[i], pool[taken[i]], true);
}

slot_t memory_state::take(partition_queues& part, const claim_query& q, node_name* node) {
    slot_t s;
    bool fresh_first = part.fresh_head != no_slot &&
                       (part.ready.empty() || pool[part.fresh_head].sequence < part.ready.begin()->first);
    if (fresh_first) {
        s = part.fresh_head;
        unlink(pool, part.fresh_head, part.fresh_tail, s);
        --part.fresh_count;
    } else {
        s = part.ready.begin()->second;
        part.ready.erase(part.ready.begin());
        returned.erase(pool[s].sequence);
        pool[s].flags = static_cast<std::uint8_t>(pool[s].flags & ~returned_flag);
    }
    row& r = pool[s];
    // Claims mostly go in sequence order, and rows are laid out in it: ask for a row a
    // little ahead, so that the walk does not wait for memory at each row.
    if (slot_t ahead = all.at(r.sequence + prefetch_distance); ahead != no_slot) {
        const char* p = reinterpret_cast<const char*>(&pool[ahead]);
        for (std::size_t i = 0; i < sizeof(row); i += 64)
            detail::prefetch(p + i);
    }
    const std::int64_t now = to_ms(q.now);
    count(delivery_status::pending, -1);
    count(delivery_status::in_flight, +1);
    r.status = delivery_status::in_flight;
    r.claimed_by = node;
    ++node->refs;
    r.claimed_at = now;
    r.updated_at = now;
    r.claim_token = ++next_token;
    // Claims come in time order unless the clock stepped back; then walk back to keep order.
    slot_t pos = no_slot; // link in before pos; no_slot is the back
    for (slot_t before = flight_tail; before != no_slot && pool[before].claimed_at > now;
         before = pool[before].prev)
        pos = before;
    link_before(pool, flight_head, flight_tail, pos, s);
    return s;
}

slot_t memory_state::held(const claim_ref& ref, error_code& ec, diagnostics& diag) {
    slot_t s = find(ref);
    if (s == no_slot) {
        detail::fail_not_found(ec, diag, ref.id);
        return no_slot;
    }
    const row& r = pool[s];
    if (r.status != delivery_status::in_flight || r.claim_token != ref.claim_token) {
        detail::fail_claim_lost(ec, diag, ref.id);
        return no_slot;
    }
    return s;
}

void memory_state::complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
    slot_t s = held(ref, ec, diag);
    if (s == no_slot)
        return;
    row& r = pool[s];
    // Every step that can throw comes first, so that a failure leaves the row as it was.
    archive(r);
    compact_text body = c.response_body ? compact_text(*c.response_body) : compact_text();
    compact_text error = c.error ? compact_text(*c.error) : compact_text();
    if (c.traceparent && !r.trace)
        r.trace = std::make_unique<row_trace>();
    const std::int64_t retry_at = to_ms(c.next_retry_at);
    if (c.status == delivery_status::pending)
        enter_returned(s, retry_at);
    drop_claim(s);
    r.status = c.status;
    count(delivery_status::in_flight, -1);
    count(c.status, +1);
    r.attempts += 1;
    r.next_retry_at = retry_at;
    r.response_code = c.response_code ? static_cast<std::int32_t>(*c.response_code) : no_code;
    r.response_body = std::move(body);
    r.error = std::move(error);
    r.last_duration = c.duration.count();
    r.last_attempted_at = to_ms(c.now);
    r.updated_at = r.last_attempted_at;
    r.last_outcome = c.status;
    if (r.trace)
        r.trace->sent = std::move(c.traceparent);
    r.recorded += 1;
    r.flags |= current_record_flag;
    if (r.older && r.older->size() >= history_limit)
        r.older->erase(r.older->begin());
}

void memory_state::release(const claim_ref& ref,
                           const release_request& rr,
                           error_code& ec,
                           diagnostics& diag) {
    slot_t s = held(ref, ec, diag);
    if (s == no_slot)
        return;
    row& r = pool[s];
    compact_text error;
    if (rr.error) {
        archive(r); // the recorded attempt keeps its own error
        error = compact_text(*rr.error);
    }
    const std::int64_t retry_at = to_ms(rr.next_retry_at);
    if (rr.status == delivery_status::pending)
        enter_returned(s, retry_at);
    drop_claim(s);
    r.status = rr.status;
    count(delivery_status::in_flight, -1);
    count(rr.status, +1);
    r.next_retry_at = retry_at;
    if (rr.error)
        r.error = std::move(error);
    r.updated_at = to_ms(rr.now);
}

void memory_state::reset(slot_t s, timestamp now) {
    row& r = pool[s];
    archive(r);
    enter_returned(s, no_time);
    count(r.status, -1);
    count(delivery_status::pending, +1);
    r.status = delivery_status::pending;
    r.attempts = 0;
    r.next_retry_at = no_time;
    r.last_attempted_at = no_time;
    r.response_code = no_code;
    r.response_body.reset();
    r.error.reset();
    r.last_duration = no_time;
    r.updated_at = to_ms(now);
}

std::vector<partition_depth> memory_state::partition_depths(timestamp now) const {
    // A partition's oldest pending row heads its fresh list or is its first in the returned index
    // (which holds every partition's returned rows by sequence): one walk of that index, cut short
    // once each partition with returned rows has been seen.
    std::vector<std::uint64_t> oldest(partitions.size(), none);
    std::vector<slot_t> oldest_slot(partitions.size(), no_slot);
    std::size_t unseen = 0;
    for (std::size_t p = 0; p < partitions.size(); ++p) {
        if (partitions[p]->fresh_head != no_slot) {
            oldest[p] = pool[partitions[p]->fresh_head].sequence;
            oldest_slot[p] = partitions[p]->fresh_head;
        }
        if (!partitions[p]->ready.empty() || !partitions[p]->delayed.empty())
            ++unseen;
    }
    std::vector<bool> seen(partitions.size(), false);
    for (auto it = returned.begin(); unseen > 0 && it != returned.end(); ++it) {
        auto p = static_cast<std::size_t>(pool[it->second].partition);
        if (seen[p])
            continue;
        seen[p] = true;
        --unseen;
        if (it->first < oldest[p]) {
            oldest[p] = it->first;
            oldest_slot[p] = it->second;
        }
    }
    std::vector<partition_depth> out;
    for (std::size_t p = 0; p < partitions.size(); ++p) {
        const auto& part = *partitions[p];
        std::size_t n = part.fresh_count + part.ready.size() + part.delayed.size();
        if (n == 0)
            continue;
        out.push_back(partition_depth{static_cast<int>(p), n, now - from_ms(pool[oldest_slot[p]].created_at)});
    }
    return out;
}

void memory_state::remove(slot_t s) noexcept {
    row& r = pool[s];
    if (r.status == delivery_status::pending)
        leave_pending(s);
    else if (r.status == delivery_status::in_flight)
        drop_claim(s);
    count(r.status, -1);
    dedup.erase(make_entry(dedup_key(r.event_id.view(), r.tgt->webhook_id, seed).hash, s));
    ids.erase(make_entry(id_hash32(r.id), s));
    all.erase(r.sequence);
    targets.release(r.tgt);
    pool.destroy(s);
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_MEMORY_STATE_IPP
