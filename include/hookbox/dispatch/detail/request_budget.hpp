//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_REQUEST_BUDGET_HPP
#define HOOKBOX_DISPATCH_DETAIL_REQUEST_BUDGET_HPP

#include <hookbox/delivery.hpp>

#include <algorithm>
#include <chrono>

namespace hookbox::detail {

// The time a request may take under its claim. A claim must outlive its request and the ack that
// follows it, or the row is reaped and sent a second time by another claimer while the first
// request is still running. The dispatcher's constructor refuses a claim TTL that does not exceed
// request_timeout + connect_timeout + ack_margin, so a row claimed a moment ago always fits; a row
// that waited on this node (per-webhook FIFO) may no longer, which `fits_claim` answers.
//
// Kept inline: `of` and `max_timeout` run once per request.
struct request_budget {
    // The timeout of deliveries that have none of their own.
    std::chrono::milliseconds request_timeout{15000};
    // The sender's: a request may wait this long for a connection before its own timeout starts.
    std::chrono::milliseconds connect_timeout{0};
    std::chrono::milliseconds ack_margin{5000};
    std::chrono::milliseconds claim_ttl{60000};

    // The longest request timeout a claim can carry; a delivery's own longer timeout is cut to it.
    std::chrono::milliseconds max_timeout() const noexcept {
        return claim_ttl - connect_timeout - ack_margin - std::chrono::milliseconds(1);
    }

    // The timeout `d`'s request is sent with.
    std::chrono::milliseconds timeout(const delivery& d) const noexcept {
        return std::min(d.timeout.value_or(request_timeout), max_timeout());
    }

    // The longest `d`'s request may take, waiting for a connection included: a request started at
    // `t` has ended by `t + of(d)`.
    std::chrono::milliseconds of(const delivery& d) const noexcept { return timeout(d) + connect_timeout; }

    // Whether a request for `d` started at `now` ends, and leaves `ack_margin` for its ack, before
    // `d`'s claim expires (strictly: an ack at the expiry instant may already find the row reaped).
    // A row without `claimed_at` counts as claimed at `now`.
    bool fits_claim(const delivery& d, timestamp now) const noexcept {
        auto age = now - d.claimed_at.value_or(now);
        return age + of(d) + ack_margin < claim_ttl;
    }
};

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_DETAIL_REQUEST_BUDGET_HPP
