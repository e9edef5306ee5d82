//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DISPATCHER_PARAMS_HPP
#define HOOKBOX_DISPATCH_DISPATCHER_PARAMS_HPP

/// \file
/// `dispatcher_params`: what a `dispatcher` is constructed with. `dispatcher::check` validates them.

#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/dispatch/wakeup.hpp>
#include <hookbox/signing/signer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hookbox {

/// Parameters of a `dispatcher`, with the ObjectStack outbox's defaults where it has one.
struct dispatcher_params {
    /// This node's name: recorded in `claimed_by` and used for the partition rotation. 1 to 128
    /// bytes. Nodes sharing a storage must have distinct ids.
    std::string node_id = "node-1";
    /// Rows claimed from one partition at a time (the ObjectStack outbox's 32). 1 to 10000.
    std::size_t batch_size = 32;
    /// Requests in flight on this node at once. Hundreds are normal; the sender's per-origin cap
    /// bounds the connections to any one receiver.
    std::size_t max_in_flight = 256;
    /// Requests in flight on this node for one endpoint (webhook id) at once; at least 1. Further
    /// rows of that endpoint are held on the node and sent as its requests end; held rows that fill
    /// the room for longer than `poll_interval` are put back (not attempted) until its requests can
    /// have ended. So a receiver that holds every request until its timeout takes at most this many
    /// of the `max_in_flight` slots, and the others' deliveries do not wait for its timeouts. Without
    /// effect with `per_webhook_fifo` (one per webhook).
    std::size_t max_in_flight_per_endpoint = 64;
    /// How long an idle dispatcher waits before looking again for work enqueued elsewhere (another
    /// process, retries coming due).
    std::chrono::milliseconds poll_interval{500};
    /// The claim's visibility timeout. Must exceed `request_timeout` + the sender's connect timeout
    /// + `ack_margin`.
    std::chrono::milliseconds claim_ttl{60000};
    /// The request timeout of deliveries that have none (the ObjectStack outbox's 15 s).
    std::chrono::milliseconds request_timeout{15000};
    /// Time kept in reserve between the end of a request and its claim's expiry, for the ack.
    std::chrono::milliseconds ack_margin{5000};
    /// After `cancel()`: how long requests in flight may go on before they are cancelled.
    std::chrono::milliseconds drain_timeout{10000};
    /// One request at a time per webhook, in claim order (see `dispatcher`).
    bool per_webhook_fifo = false;
    /// The signature scheme of webhooks that `scheme_for` does not decide.
    signing::scheme default_scheme = signing::scheme::standard_webhooks;
    /// The scheme per webhook id; empty means `default_scheme` for all. Called on the dispatcher's
    /// strand; must not block.
    std::function<signing::scheme(std::string_view webhook_id)> scheme_for{};
    /// When set, `wakeup->notify()` wakes this dispatcher (see `notify_on_enqueue`).
    std::shared_ptr<hookbox::wakeup> wakeup{};
    /// Endpoint health: a circuit breaker per webhook, disabling (410 Gone, continuous failure) and
    /// rate limits (see `endpoint_health`). Unset: every endpoint is always sent to.
    std::optional<endpoint_health_params> health{};
    /// Where endpoint health is kept between runs (for example `state_store_health`): loaded when a
    /// run starts and saved after each change. Unset keeps it in memory only.
    std::shared_ptr<endpoint_health_store> health_store{};
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_DISPATCHER_PARAMS_HPP
