//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DISPATCHER_STATS_HPP
#define HOOKBOX_DISPATCH_DISPATCHER_STATS_HPP

/// \file
/// `dispatcher_stats`: the counters `dispatcher::stats()` returns.

#include <cstdint>

namespace hookbox {

/// Counters of a `dispatcher` since construction. Read from any thread.
struct dispatcher_stats {
    /// Partition claims made: one per partition in each round (including those that found nothing).
    std::uint64_t claims = 0;
    /// Rows those claims returned.
    std::uint64_t claimed = 0;
    /// Attempts made: requests that ended (with a response or without), and requests refused
    /// before anything was sent.
    std::uint64_t attempts = 0;
    /// Attempts acked as `success`.
    std::uint64_t succeeded = 0;
    /// Attempts acked as failed, to be tried again.
    std::uint64_t retried = 0;
    /// Attempts acked as failed for good: the delivery is `dead`.
    std::uint64_t dead = 0;
    /// Acks refused because the claim was lost (reaped or taken over): another node owns the row.
    std::uint64_t claims_lost = 0;
    /// Storage steps that failed (claims, ack and release batches, health loads and saves), each
    /// also told to the observer's `on_error`. A failed claim is tried again at the next poll; a
    /// failed ack or release batch is kept and written again (`writes_retried`).
    std::uint64_t storage_errors = 0;
    /// Ack and release batches written again after the storage failed to take them (with backoff:
    /// 10 ms, doubling, at most `poll_interval` and 5 s).
    std::uint64_t writes_retried = 0;
    /// Acks and releases given up because the storage still failed when a stop's drain deadline
    /// passed: their claims expire and the rows are sent again (at least once still holds).
    std::uint64_t writes_abandoned = 0;
    /// Requests the sender refused before sending (an address the address policy forbids, a URL or
    /// header it cannot send, a secret that does not parse): each makes its delivery `dead` and is
    /// told to the observer's `on_error` with `what` `"send"`.
    std::uint64_t send_refused = 0;
    /// Claimed rows given back unsent, to keep a webhook's order (per-webhook FIFO), because the
    /// run stopped, or because they waited for their endpoint's turn until their claim was too old:
    /// released to `pending`, claimable again once the request before them can have ended (request
    /// timeout + connect timeout + ack margin), well before the claim TTL; rows that waited for their
    /// endpoint's turn (`max_in_flight_per_endpoint`), at once.
    std::uint64_t abandoned = 0;
    /// Rows put back unsent because their endpoint's circuit was open or its rate limit reached, or
    /// because they waited for their endpoint's `max_in_flight_per_endpoint` while filling the room.
    std::uint64_t deferred = 0;
    /// Rows made `dead` unsent because their endpoint is disabled.
    std::uint64_t refused = 0;
    /// Endpoint events: circuits opened, endpoints disabled.
    std::uint64_t circuits_opened = 0;
    std::uint64_t endpoints_disabled = 0;
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_DISPATCHER_STATS_HPP
