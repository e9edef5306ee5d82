//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_ENDPOINT_LINES_HPP
#define HOOKBOX_DISPATCH_DETAIL_ENDPOINT_LINES_HPP

#include <hookbox/delivery.hpp>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox::detail {

// Requests in flight per endpoint (`dispatcher_params::max_in_flight_per_endpoint`), and the rows
// held on this node for endpoints that have their cap in flight. No I/O: the dispatcher passes the
// time of its timer clock in and does what the answers say.
//
// Invariants and why:
// - An endpoint (a webhook id) has at most `per_endpoint` requests in flight, so that one receiver
//   that holds its requests until their timeout holds a bounded share of the node's slots.
// - A row of an endpoint at its cap is held, not put back at once: a busy but healthy endpoint frees
//   a slot within moments, and its held row goes next (`finished`), oldest first.
// - Held rows take room from claims as requests in flight do (the dispatcher counts `held()`), so
//   that the node never claims more than it could send; a row held since `cutoff` is taken out
//   (`evict`) and put back by the dispatcher, which gives the room to other endpoints' rows.
// - Every held row leaves through `finished`, `evict` or `take_all`; none is dropped.
template <class TimePoint> class endpoint_lines {
public:
    explicit endpoint_lines(std::size_t per_endpoint) : cap_(per_endpoint == 0 ? 1 : per_endpoint) {}

    // A claimed row of `d.webhook_id` arrives at `now`: true when it may be sent (it is counted in
    // flight); false when its endpoint has its cap in flight, and the row is held (moved from `d`).
    bool arrive(delivery& d, TimePoint now) {
        auto& e = endpoints_[d.webhook_id];
        if (e.in_flight < cap_) {
            ++e.in_flight;
            return true;
        }
        e.held.push_back({std::move(d), now});
        ++held_;
        return false;
    }

    // A request of `webhook_id` ended: the endpoint's oldest held row, which takes its place in
    // flight; or none, and the place is free.
    std::optional<delivery> finished(const std::string& webhook_id) {
        auto it = endpoints_.find(webhook_id);
        if (it == endpoints_.end())
            return std::nullopt;
        auto& e = it->second;
        if (!e.held.empty()) {
            std::optional<delivery> next(std::move(e.held.front().row));
            e.held.pop_front();
            --held_;
            return next;
        }
        if (e.in_flight > 0 && --e.in_flight == 0)
            endpoints_.erase(it);
        return std::nullopt;
    }

    // Takes out the rows held since `cutoff` or earlier.
    std::vector<delivery> evict(TimePoint cutoff) {
        std::vector<delivery> out;
        for (auto& [id, e] : endpoints_) {
            while (!e.held.empty() && e.held.front().since <= cutoff) {
                out.push_back(std::move(e.held.front().row));
                e.held.pop_front();
                --held_;
            }
        }
        return out;
    }

    // Takes out every held row (the run stops).
    std::vector<delivery> take_all() { return evict(TimePoint::max()); }

    // When the oldest held row was held: `evict` has work once the cutoff reaches it.
    std::optional<TimePoint> oldest() const {
        std::optional<TimePoint> t;
        if (held_ > 0)
            for (const auto& [id, e] : endpoints_)
                if (!e.held.empty() && (!t || e.held.front().since < *t))
                    t = e.held.front().since;
        return t;
    }

    std::size_t held() const noexcept { return held_; }

private:
    struct held_row {
        delivery row;
        TimePoint since;
    };
    struct endpoint {
        std::size_t in_flight = 0;
        std::deque<held_row> held;
    };

    std::size_t cap_;
    std::unordered_map<std::string, endpoint> endpoints_;
    std::size_t held_ = 0;
};

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_DETAIL_ENDPOINT_LINES_HPP
