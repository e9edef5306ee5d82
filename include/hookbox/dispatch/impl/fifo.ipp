//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_IMPL_FIFO_IPP
#define HOOKBOX_DISPATCH_IMPL_FIFO_IPP

#include <hookbox/dispatch/detail/fifo.hpp>

#include <algorithm>
#include <iterator>
#include <utility>

namespace hookbox::detail {

webhook_fifo::webhook_fifo(std::size_t per_webhook, std::size_t total, request_budget budget)
    : per_webhook_(per_webhook), total_(total), budget_(budget) {}

fifo_arrival webhook_fifo::arrive(delivery& d, timestamp now) {
    auto busy = busy_.find(d.webhook_id);
    if (busy == busy_.end()) {
        busy_.emplace(d.webhook_id, now + budget_.of(d));
        return {fifo_arrival::verdict::launch, {}};
    }
    auto line = waiting_.find(d.webhook_id);
    const std::size_t queued = line == waiting_.end() ? 0 : line->second.size();
    if (queued >= per_webhook_ || waiting_count_ >= total_)
        return {fifo_arrival::verdict::give_back, release_time(d.webhook_id, d, now)};
    if (line == waiting_.end())
        line = waiting_.try_emplace(d.webhook_id).first;
    line->second.push_back(std::move(d));
    ++waiting_count_;
    return {fifo_arrival::verdict::wait, {}};
}

fifo_next webhook_fifo::finished(const std::string& webhook_id, timestamp now, bool stopping) {
    fifo_next out;
    if (auto line = waiting_.find(webhook_id); line != waiting_.end()) {
        auto& q = line->second;
        if (!q.empty()) {
            if (!stopping) {
                delivery next = std::move(q.front());
                q.pop_front();
                --waiting_count_;
                if (budget_.fits_claim(next, now)) {
                    busy_[webhook_id] = now + budget_.of(next);
                    out.next = std::move(next);
                    return out;
                }
                out.released.rows.push_back(std::move(next));
            }
            out.released.rows.insert(out.released.rows.end(), std::make_move_iterator(q.begin()),
                                     std::make_move_iterator(q.end()));
            // Taken while the webhook still counts as busy: the bound of the request that just ended
            // is what another node must wait for.
            out.released.release_at = release_time(webhook_id, out.released.rows.front(), now);
        }
        waiting_count_ -= q.size();
        waiting_.erase(line);
    }
    busy_.erase(webhook_id);
    return out;
}

std::vector<fifo_release> webhook_fifo::stop(timestamp now) {
    std::vector<fifo_release> out;
    for (auto& [webhook_id, q] : waiting_) {
        if (q.empty())
            continue;
        fifo_release r;
        r.release_at = release_time(webhook_id, q.front(), now);
        r.rows.assign(std::make_move_iterator(q.begin()), std::make_move_iterator(q.end()));
        out.push_back(std::move(r));
    }
    waiting_.clear();
    waiting_count_ = 0;
    return out;
}

std::optional<timestamp> webhook_fifo::busy_until(const std::string& webhook_id) const {
    if (auto it = busy_.find(webhook_id); it != busy_.end())
        return it->second;
    return std::nullopt;
}

std::size_t webhook_fifo::waiting(const std::string& webhook_id) const {
    auto it = waiting_.find(webhook_id);
    return it == waiting_.end() ? 0 : it->second.size();
}

timestamp
webhook_fifo::release_time(const std::string& webhook_id, const delivery& first, timestamp now) const {
    // A webhook with waiting rows is always busy; the fallback (the row's own budget from now) keeps
    // a row given back for an idle webhook from becoming claimable before a request could end.
    auto busy = busy_.find(webhook_id);
    timestamp ended = busy != busy_.end() ? busy->second : now + budget_.of(first);
    return std::max(ended, now) + budget_.ack_margin;
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_IMPL_FIFO_IPP
