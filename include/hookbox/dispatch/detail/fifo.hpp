//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_FIFO_HPP
#define HOOKBOX_DISPATCH_DETAIL_FIFO_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/dispatch/detail/request_budget.hpp>

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hookbox::detail {

// Rows of one webhook that this node gives back unsent, oldest first: released to `pending`
// without an attempt, claimable again at `release_at`.
struct fifo_release {
    std::vector<delivery> rows;
    timestamp release_at{};
};

// What to do with a claimed row (`webhook_fifo::arrive`).
struct fifo_arrival {
    enum class verdict : unsigned char {
        // The webhook was free: send the row now. The webhook is busy until `finished`.
        launch,
        // The webhook is busy: the FIFO holds the row until its turn.
        wait,
        // The webhook is busy and its waiting line (or all of them together) is full: give the row
        // back, claimable at `release_at`.
        give_back,
    };
    verdict decision = verdict::launch;
    timestamp release_at{};
};

// What follows the end of a webhook's attempt (`webhook_fifo::finished`): launch `next` (the
// webhook stays busy), or give back `released.rows`; with neither, the webhook is free.
struct fifo_next {
    std::optional<delivery> next;
    fifo_release released;
};

// Per-webhook FIFO on one node (`dispatcher_params::per_webhook_fifo`): a webhook has at most one
// request in flight here, and its claimed rows are attempted in claim order. No I/O and no clock:
// the dispatcher passes the time in and does what the answers say.
//
// Invariants and why:
// - A webhook is busy from the launch of a row until `finished` for it. Its rows that arrive
//   meanwhile wait here, at most `per_webhook` per webhook (the dispatcher's `batch_size`) and
//   `total` in all (its `max_in_flight`): a waiting row holds its claim without a request slot,
//   and its claim ages while it waits, so the node holds back only a bounded number. A full line
//   gives the row back instead of blocking: rows of other webhooks keep launching.
// - The FIFO owns the waiting rows; every one of them leaves through `finished` (launched or given
//   back) or `stop` (given back). None is dropped: a dropped row would stay claimed by this node
//   until the claim TTL.
// - A waiting row is launched only if its claim outlives the request (`request_budget::fits_claim`);
//   otherwise it is given back with every later row of its webhook, since launching a later one
//   would overtake it.
// - Rows given back become claimable when the webhook's request here can have ended, plus the
//   ack margin (`max(busy_until, now) + ack_margin`), so that another node does not overtake it.
// - Order is of attempts: a retry of a row does not hold back the rows after it.
class webhook_fifo {
public:
    webhook_fifo() = default;

    // Waiting lines of at most `per_webhook` rows each and `total` in all.
    HOOKBOX_DECL webhook_fifo(std::size_t per_webhook, std::size_t total, request_budget budget);

    // A claimed row of `d.webhook_id` arrives at `now`. On `wait` the FIFO has taken `d` (it is
    // left moved-from); otherwise `d` is the caller's to launch or give back.
    HOOKBOX_DECL fifo_arrival arrive(delivery& d, timestamp now);

    // An attempt of `webhook_id` ended at `now`. `stopping`: the run is stopping, so nothing more is
    // launched and the webhook's waiting rows are given back. Frees the webhook unless `next` is set.
    HOOKBOX_DECL fifo_next finished(const std::string& webhook_id, timestamp now, bool stopping);

    // The run stops: every waiting row is given back, one entry per webhook that had any (in no
    // particular order). Requests in flight keep their webhooks busy until `finished`.
    HOOKBOX_DECL std::vector<fifo_release> stop(timestamp now);

    // Whether `webhook_id` has a request in flight, and until when it can run at the latest.
    HOOKBOX_DECL std::optional<timestamp> busy_until(const std::string& webhook_id) const;
    // Rows waiting, for one webhook or in all.
    HOOKBOX_DECL std::size_t waiting(const std::string& webhook_id) const;
    std::size_t waiting() const noexcept { return waiting_count_; }

private:
    // When rows of `webhook_id`, given back at `now`, may be claimed again; `first` is the oldest.
    HOOKBOX_DECL timestamp release_time(const std::string& webhook_id,
                                        const delivery& first,
                                        timestamp now) const;

    std::size_t per_webhook_ = 32;
    std::size_t total_ = 256;
    request_budget budget_;
    // Busy webhooks, with when their request in flight has ended at the latest. A webhook has
    // waiting rows only while it is busy.
    std::unordered_map<std::string, timestamp> busy_;
    std::unordered_map<std::string, std::deque<delivery>> waiting_;
    std::size_t waiting_count_ = 0;
};

}  // namespace hookbox::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/dispatch/impl/fifo.ipp>
#endif

#endif  // HOOKBOX_DISPATCH_DETAIL_FIFO_HPP
