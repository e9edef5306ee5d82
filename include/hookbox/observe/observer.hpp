//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_OBSERVE_OBSERVER_HPP
#define HOOKBOX_OBSERVE_OBSERVER_HPP

/// \file
/// Observer hooks: what `basic_outbox` tells an observer, detected at compile time. An observer
/// defines any subset of the member functions below; the others cost nothing, and `no_observer`
/// (the default) defines none.
///
/// | hook | called |
/// |---|---|
/// | `o.on_enqueue(const enqueue_result&)` | after each stored or deduplicated request (also for each entry of `enqueue_many`) |
/// | `o.on_claim(std::span<const delivery>)` | after a claim that returned rows, with those rows (secrets included: do not log them) |
/// | `o.on_attempt(const delivery_id&, const attempt_result&)` | after each ack that was applied: the attempt's outcome, status, duration and error |
/// | `o.on_dead(const delivery_id&, const attempt_result&)` | after an applied ack that made the delivery `dead` (after `on_attempt`) |
/// | `o.on_endpoint_event(const endpoint_event&)` | called by a dispatcher with endpoint health (on its strand): a circuit opened or closed, an endpoint disabled (410 Gone, continuous failure, by hand) or enabled |
/// | `o.on_error(const error_code&, const diagnostics&, std::string_view what)` | called by the background objects (dispatcher, retention sweeper) on their strand when a step of theirs failed: a storage call (`what` is `"claim"`, `"ack"`, `"release"`, `"health.load"`, `"health.save"`, `"sweep"`), an ack batch given up at the end of a stop (`"ack.abandoned"`, `"release.abandoned"`), or a request the sender refused before sending it (`"send"`: an address the address policy forbids, a URL or header it cannot send; the delivery is then `dead`); by an auto-enqueuer, on its storage executor or the publisher's thread (`"fanout.enqueue"`, `"fanout.load"`, `"fanout.event"`). Without it, such failures are only counted (`stats()`). |
///
/// Hooks run on the calling thread, after the storage call returned, and only for what succeeded
/// (an ack that failed with `claim_lost` is not reported). An outbox used from several threads calls
/// its observer from all of them. A hook must not throw.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>

#include <span>
#include <string_view>

namespace hookbox {

/// The observer that observes nothing.
struct no_observer {};

namespace detail {

template <class O>
void notify_enqueue(O& o, const enqueue_result& r) noexcept {
    if constexpr (requires { o.on_enqueue(r); })
        o.on_enqueue(r);
}

template <class O>
void notify_claim(O& o, std::span<const delivery> rows) noexcept {
    if constexpr (requires { o.on_claim(rows); })
        if (!rows.empty())
            o.on_claim(rows);
}

template <class O>
void notify_attempt(O& o, const delivery_id& id, const attempt_result& r) noexcept {
    if constexpr (requires { o.on_attempt(id, r); })
        o.on_attempt(id, r);
    if constexpr (requires { o.on_dead(id, r); })
        if (r.outcome == attempt_outcome::dead)
            o.on_dead(id, r);
}

// True when the observer wants acks reported, so that the outbox keeps a copy of each result.
// Told by a dispatcher with endpoint health: a circuit opened or closed, an endpoint disabled or
// enabled (`endpoint_event`, from <hookbox/dispatch/endpoint_health.hpp>).
template <class O, class Event>
void notify_endpoint_event(O& o, const Event& e) noexcept {
    if constexpr (requires { o.on_endpoint_event(e); })
        o.on_endpoint_event(e);
}

// Told by a background object: one of its steps failed (see the table above).
template <class O>
void notify_error(O& o, const error_code& ec, const diagnostics& diag, std::string_view what) noexcept {
    if constexpr (requires { o.on_error(ec, diag, what); })
        o.on_error(ec, diag, what);
}

template <class O>
inline constexpr bool observes_attempts = requires(O& o, const delivery_id& id, const attempt_result& r) {
    o.on_attempt(id, r);
} || requires(O& o, const delivery_id& id, const attempt_result& r) { o.on_dead(id, r); };

}  // namespace detail

}  // namespace hookbox

#endif  // HOOKBOX_OBSERVE_OBSERVER_HPP
