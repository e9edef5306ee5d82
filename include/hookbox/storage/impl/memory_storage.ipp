//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_MEMORY_STORAGE_IPP
#define HOOKBOX_STORAGE_IMPL_MEMORY_STORAGE_IPP

#include <hookbox/storage/memory_storage.hpp>

#include <hookbox/storage/detail/memory_state.hpp>

#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <utility>

namespace hookbox {

memory_storage::memory_storage() : s_(std::make_unique<detail::mem::memory_state>()) {}

memory_storage::memory_storage(memory_storage&&) noexcept = default;

memory_storage& memory_storage::operator=(memory_storage&&) noexcept = default;

memory_storage::~memory_storage() = default;

enqueue_result memory_storage::insert(delivery&& d, error_code& ec, diagnostics& diag) {
    return s_->insert(detail::mem::new_row::of(d), ec, diag);
}

enqueue_result
memory_storage::insert(enqueue_request&& req, const new_delivery& nd, error_code& ec, diagnostics& diag) {
    return s_->insert(detail::mem::new_row::of(req, nd), ec, diag);
}

std::vector<enqueue_result>
memory_storage::insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
    ec.clear();
    for (const auto& d : ds)
        if (!detail::mem::memory_state::check_partition(d.partition_key, ec, diag))
            return {};
    std::vector<enqueue_result> out;
    out.reserve(ds.size());
    std::lock_guard lock(s_->mu);
    // Check every id first, so that nothing is stored unless everything can be.
    boost::unordered_flat_set<delivery_id, std::hash<delivery_id>> fresh_ids;
    for (const auto& d : ds) {
        if (s_->ids.contains(detail::mem::id_key(d.id)) || !fresh_ids.insert(d.id).second) {
            detail::mem::memory_state::fail_id_taken(d.id, ec, diag);
            return {};
        }
    }
    for (auto& d : ds) {
        detail::mem::dedup_key key(d.event_id, d.webhook_id, s_->seed);
        if (auto it = s_->dedup.find(key); it != s_->dedup.end())
            out.push_back({s_->row_of(*it).id, false});
        else
            out.push_back(s_->store(detail::mem::new_row::of(d), key.hash, detail::mem::id_hash32(d.id)));
    }
    return out;
}

std::vector<delivery> memory_storage::claim(const claim_query& q, error_code& ec, diagnostics& diag) {
    std::vector<delivery> out;
    claim(q, out, ec, diag);
    return out;
}

void memory_storage::claim(const claim_query& q, std::vector<delivery>& out, error_code& ec, diagnostics&) {
    ec.clear();
    std::lock_guard lock(s_->mu);
    s_->claim(q, out);
}

std::vector<std::vector<delivery>> memory_storage::claim_many(std::span<const claim_query> qs,
                                                              std::size_t max_total,
                                                              error_code& ec,
                                                              diagnostics&) {
    ec.clear();
    std::vector<std::vector<delivery>> out;
    out.reserve(qs.size());
    std::lock_guard lock(s_->mu);
    for (claim_query q : qs) {
        q.limit = std::min(q.limit, max_total);
        auto& rows = out.emplace_back();
        if (q.limit != 0)
            s_->claim(q, rows);
        max_total -= out.back().size();
    }
    return out;
}

void memory_storage::complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
    ec.clear();
    std::lock_guard lock(s_->mu);
    s_->complete(ref, std::move(c), ec, diag);
}

std::vector<error_code> memory_storage::complete_many(std::span<const claim_ref> refs,
                                                      std::vector<completion>&& cs,
                                                      error_code& ec,
                                                      diagnostics&) {
    ec.clear();
    std::vector<error_code> out(refs.size());
    std::lock_guard lock(s_->mu);
    for (std::size_t i = 0; i < refs.size(); ++i) {
        diagnostics ignored;
        s_->complete(refs[i], std::move(cs[i]), out[i], ignored);
    }
    return out;
}

std::optional<delivery> memory_storage::get(delivery_id id, error_code& ec, diagnostics&) const {
    ec.clear();
    std::lock_guard lock(s_->mu);
    detail::mem::slot_t s = s_->find(id);
    if (s == detail::mem::no_slot)
        return std::nullopt;
    return s_->to_delivery(s_->pool[s], false);
}

list_page memory_storage::list(const list_options& lo, error_code& ec, diagnostics&) const {
    ec.clear();
    list_page page;
    std::lock_guard lock(s_->mu);
    const std::uint64_t end = s_->all.size();
    for (std::uint64_t seq = std::max(lo.after_sequence.value_or(0) + 1, s_->all.first_live()); seq <= end;
         ++seq) {
        detail::mem::slot_t s = s_->all.at(seq);
        if (s == detail::mem::no_slot)
            continue;
        const auto& r = s_->pool[s];
        if (lo.status && r.status != *lo.status)
            continue;
        if (lo.webhook_id && r.tgt->webhook_id != *lo.webhook_id)
            continue;
        if (lo.event_id && r.event_id.view() != *lo.event_id)
            continue;
        if ((lo.created_from && r.created_at < detail::mem::to_ms(*lo.created_from)) ||
            (lo.created_before && r.created_at >= detail::mem::to_ms(*lo.created_before)))
            continue;
        page.items.push_back(s_->to_delivery(r, false));
        if (page.items.size() == lo.limit) {
            page.next_cursor = r.sequence;
            break;
        }
    }
    return page;
}

delivery memory_storage::redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
    ec.clear();
    std::lock_guard lock(s_->mu);
    detail::mem::slot_t s = s_->find(id);
    if (s == detail::mem::no_slot) {
        detail::fail_not_found(ec, diag, id);
        return {};
    }
    auto& r = s_->pool[s];
    if (!is_terminal(r.status)) {
        detail::fail_not_eligible(ec, diag, id, r.status);
        return {};
    }
    s_->reset(s, now);
    return s_->to_delivery(r, false);
}

std::size_t memory_storage::replay(
    const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics&) {
    ec.clear();
    std::size_t n = 0;
    std::lock_guard lock(s_->mu);
    const std::uint64_t end = s_->all.size();
    for (std::uint64_t seq = s_->all.first_live(); seq <= end && n < limit; ++seq) {
        detail::mem::slot_t s = s_->all.at(seq);
        if (s == detail::mem::no_slot || !is_terminal(s_->pool[s].status) || !s_->matches(f, s_->pool[s]))
            continue;
        s_->reset(s, now);
        ++n;
    }
    return n;
}

std::size_t
memory_storage::count(const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics&) const {
    ec.clear();
    std::size_t n = 0;
    std::lock_guard lock(s_->mu);
    const std::uint64_t end = s_->all.size();
    for (std::uint64_t seq = s_->all.first_live(); seq <= end; ++seq) {
        detail::mem::slot_t s = s_->all.at(seq);
        if (s == detail::mem::no_slot || (terminal_only && !is_terminal(s_->pool[s].status)) ||
            !s_->matches(f, s_->pool[s]))
            continue;
        ++n;
    }
    return n;
}

std::size_t memory_storage::purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics&) {
    ec.clear();
    std::size_t n = 0;
    std::lock_guard lock(s_->mu);
    const std::uint64_t end = s_->all.size();
    for (std::uint64_t seq = s_->all.first_live(); seq <= end && n < limit; ++seq) {
        detail::mem::slot_t s = s_->all.at(seq);
        if (s == detail::mem::no_slot || !s_->matches(f, s_->pool[s]))
            continue;
        s_->remove(s);
        ++n;
    }
    return n;
}

std::vector<error_code> memory_storage::release(std::span<const claim_ref> refs,
                                                const release_request& rr,
                                                error_code& ec,
                                                diagnostics&) {
    ec.clear();
    std::vector<error_code> out(refs.size());
    std::lock_guard lock(s_->mu);
    for (std::size_t i = 0; i < refs.size(); ++i) {
        diagnostics ignored;
        s_->release(refs[i], rr, out[i], ignored);
    }
    return out;
}

std::vector<attempt_record>
memory_storage::attempts(delivery_id id, error_code& ec, diagnostics& diag) const {
    ec.clear();
    std::lock_guard lock(s_->mu);
    detail::mem::slot_t s = s_->find(id);
    if (s == detail::mem::no_slot) {
        detail::fail_not_found(ec, diag, id);
        return {};
    }
    const auto& r = s_->pool[s];
    std::vector<attempt_record> out;
    if (r.older)
        out = *r.older;
    if (r.has(detail::mem::current_record_flag))
        out.push_back(detail::mem::memory_state::current_record(r));
    return out;
}

std::vector<webhook_failures>
memory_storage::failures(std::size_t limit, error_code& ec, diagnostics&) const {
    ec.clear();
    detail::failure_tally tally;
    std::lock_guard lock(s_->mu);
    const std::uint64_t end = s_->all.size();
    for (std::uint64_t seq = s_->all.first_live(); seq <= end; ++seq) {
        detail::mem::slot_t s = s_->all.at(seq);
        if (s == detail::mem::no_slot)
            continue;
        const auto& r = s_->pool[s];
        if (detail::is_failing(r.status, r.attempts))
            tally.add(r.tgt->webhook_id, r.status, r.error.to_optional(), detail::mem::from_ms(r.updated_at),
                      r.sequence);
    }
    return tally.take(limit);
}

outbox_stats memory_storage::stats(timestamp now, error_code& ec, diagnostics&) const {
    ec.clear();
    outbox_stats st;
    std::lock_guard lock(s_->mu);
    for (std::size_t i = 0; i < delivery_status_count; ++i)
        st.by_status[i] = static_cast<std::size_t>(s_->counts[i]);
    // The oldest pending row heads a fresh queue or the returned-rows index.
    std::uint64_t oldest = s_->returned.empty() ? ~std::uint64_t(0) : s_->returned.begin()->first;
    detail::mem::slot_t slot = s_->returned.empty() ? detail::mem::no_slot : s_->returned.begin()->second;
    for (const auto& p : s_->partitions) {
        if (p->fresh_head != detail::mem::no_slot && s_->pool[p->fresh_head].sequence < oldest) {
            oldest = s_->pool[p->fresh_head].sequence;
            slot = p->fresh_head;
        }
    }
    if (slot != detail::mem::no_slot)
        st.oldest_pending_age = now - detail::mem::from_ms(s_->pool[slot].created_at);
    return st;
}

std::vector<partition_depth> memory_storage::partition_stats(timestamp now, error_code& ec, diagnostics&) const {
    ec.clear();
    std::lock_guard lock(s_->mu);
    return s_->partition_depths(now);
}
}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_IMPL_MEMORY_STORAGE_IPP
