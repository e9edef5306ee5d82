//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_AUTO_ENQUEUER_PARAMS_HPP
#define HOOKBOX_FANOUT_AUTO_ENQUEUER_PARAMS_HPP

/// \file
/// What an `auto_enqueuer` takes and reports: the `fanout_outbox` concept, `auto_enqueuer_params`,
/// `fanout_error` (what `on_error` receives) and `auto_enqueuer_stats`.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/fan_out.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace hookbox {

/// What an `auto_enqueuer` needs of an outbox: `enqueue` with an error code (every `basic_outbox`).
template <class O>
concept fanout_outbox = requires(O& o, enqueue_request r, error_code& ec, diagnostics& diag) {
    { o.enqueue(std::move(r), ec, diag) } -> std::convertible_to<enqueue_result>;
};

/// Which operation an `on_error` report is about.
enum class fanout_operation : unsigned char {
    /// Enqueueing one delivery failed (`webhook_id`, `webhook_name` and `event_id` say which).
    enqueue,
    /// Loading the subscriptions failed; the previous cache stays in use.
    refresh,
    /// A published event was not fanned out: its payload is not a JSON object
    /// (`errc::invalid_payload`), `publish` refused it (`boost::asio::error::operation_aborted`: no
    /// run was going on, or it was stopping; `boost::asio::error::no_buffer_space`: too many events
    /// held already), or the run stopped before any load of the subscriptions succeeded
    /// (`boost::asio::error::operation_aborted`).
    event,
};

constexpr std::string_view to_string(fanout_operation o) noexcept {
    switch (o) {
    case fanout_operation::enqueue: return "enqueue";
    case fanout_operation::refresh: return "refresh";
    case fanout_operation::event: return "event";
    }
    return "unknown";
}

/// One failure of an `auto_enqueuer`, as `on_error` receives it. Never contains a secret.
struct fanout_error {
    fanout_operation operation = fanout_operation::enqueue;
    /// The subscription (for `enqueue`), else empty.
    std::string webhook_id{};
    /// Its name (its id when it has none), for `enqueue`; else empty.
    std::string webhook_name{};
    /// The event id: for `enqueue`, and for an `event` that would fan out (a `data.record.*`
    /// action on an object); else empty.
    std::string event_id{};
    error_code ec{};
    /// The field at fault, as the diagnostics name it (`url`, `headers[0].value`), or empty.
    std::string field{};
    /// The diagnostics message: the field and the rule it broke, or what failed.
    std::string message{};
};

/// Parameters of an `auto_enqueuer`, fixed at construction.
struct auto_enqueuer_params {
    /// How often the run reloads the subscriptions; zero or less turns the periodic refresh off
    /// (changes are then seen through self-heal and `refresh()` only). The ObjectStack outbox's
    /// default, 60 s.
    std::chrono::milliseconds refresh_interval{60000};
    /// The object whose data events change the subscriptions (the ObjectStack outbox's
    /// `sys_webhook`): its `data.record.*` events refresh the cache and are never fanned out. Not
    /// empty.
    std::string subscriptions_object = std::string(default_subscriptions_object);
    /// Told of every failure: enqueues, loads of the run, rejected, refused and dropped events.
    /// Called on the storage executor, except for an event `publish` refuses, which is reported on
    /// the publisher's thread before `publish` returns; several calls may run at once (several
    /// storage threads, several publishers). It should return quickly and must not destroy the
    /// enqueuer; what it throws is ignored.
    std::function<void(const fanout_error&)> on_error{};
    /// How many events a run holds while no load of the subscriptions has succeeded yet (the run
    /// has just been launched, or its first loads failed and are being retried); `publish` refuses
    /// more, reporting each. 0 refuses every event until the first load. 10000.
    std::size_t max_held_events = 10000;
};

/// Counters of an `auto_enqueuer` since construction. Read from any thread.
///
/// Each matched delivery ends as exactly one of enqueued, duplicate or failed; when
/// `enqueued + duplicates + failed == matched`, every enqueue posted so far has finished. Each
/// event `publish` is given is counted in exactly one of `events` and `refused`.
struct auto_enqueuer_stats {
    /// Events `publish` accepted (while a run was going on), self-heal and held events included.
    std::uint64_t events = 0;
    /// Deliveries matched: one per (event, matching subscription).
    std::uint64_t matched = 0;
    /// Deliveries stored.
    std::uint64_t enqueued = 0;
    /// Deliveries the outbox had already (`enqueue_result::created == false`): replays.
    std::uint64_t duplicates = 0;
    /// Enqueues that failed (reported to `on_error`).
    std::uint64_t failed = 0;
    /// Events not fanned out because their payload is not a JSON object (reported to `on_error`).
    std::uint64_t rejected = 0;
    /// Events `publish` refused: no run was going on, it was stopping, or `max_held_events` were
    /// held already (reported to `on_error`).
    std::uint64_t refused = 0;
    /// Held events given up because the run stopped before any load of the subscriptions
    /// succeeded (reported to `on_error`).
    std::uint64_t dropped = 0;
    /// Loads of the subscriptions that succeeded (`refresh(ec, diag)` included).
    std::uint64_t refreshes = 0;
    /// Loads that failed; the cache kept its previous contents.
    std::uint64_t refresh_failures = 0;
};

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_AUTO_ENQUEUER_PARAMS_HPP
