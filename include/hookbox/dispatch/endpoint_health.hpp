//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_ENDPOINT_HEALTH_HPP
#define HOOKBOX_DISPATCH_ENDPOINT_HEALTH_HPP

/// \file
/// Endpoint health, sans-io: a circuit breaker per webhook (closed, open, half-open with one probe),
/// automatic disabling (after a time of continuous failure, or on 410 Gone), and a per-webhook rate
/// limit. The dispatcher asks `admit` before each request and tells `record` each response; the
/// breaker's state is a small value (`endpoint_state`) that the dispatcher persists.
///
/// What counts as a failure: no response (connect error, timeout, reset), 408, 429 and 5xx.
/// A 2xx is a success. Any other answer (400, 404, ...) says the endpoint is up but refused this
/// one request: it neither opens nor closes the circuit. 410 Gone disables the endpoint when
/// `disable_on_gone` is set.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// A rate: at most `per_second` requests per second on average, with bursts of up to `burst`.
struct rate_limit {
    /// Requests per second; 0 means unlimited.
    double per_second = 0;
    /// Requests that may go at once after a quiet period; at least 1.
    double burst = 1;
};

struct endpoint_health_params {
    /// Consecutive failures that open the circuit; 0 turns the breaker off.
    int failure_threshold = 5;
    /// How long an opened circuit stays open before one probe request is let through. Each probe
    /// that fails doubles it, up to `max_open_duration`.
    std::chrono::milliseconds open_duration{30'000};
    std::chrono::milliseconds max_open_duration{3'600'000};
    /// While the probe is in flight, other requests to the endpoint wait this long, then ask again.
    std::chrono::milliseconds probe_interval{1000};
    /// Disable the endpoint after it has failed without a single success for this long; 0 never.
    std::chrono::milliseconds disable_after{std::chrono::hours(24 * 5)};
    /// Disable the endpoint when it answers 410 Gone.
    bool disable_on_gone = true;
    /// How often a dispatcher with an `endpoint_health_store` reads the store again to follow the
    /// disables and enables made there by others (an operator's `hookbox endpoints disable`, another
    /// process); 0 reads it only when a run starts. Not negative.
    std::chrono::milliseconds reload_interval{5000};
    /// The default rate limit of every webhook (unlimited by default).
    rate_limit rate{};
    /// A webhook's own rate limit, when it has one; otherwise `rate` applies.
    std::function<std::optional<rate_limit>(std::string_view webhook_id)> rate_for{};

    /// Checks the parameters; `ec` names the field at fault.
    HOOKBOX_DECL void check(error_code& ec, diagnostics& diag) const;

    /// Checks one rate limit; `field` (for example `"rate"`) prefixes the member named in `diag`.
    HOOKBOX_DECL static void
    check_rate(const rate_limit& r, const char* field, error_code& ec, diagnostics& diag);
};

/// What is kept of one endpoint's health, and persisted between runs.
struct endpoint_state {
    /// Failures since the last success.
    int consecutive_failures = 0;
    /// The first failure after the last success; unset while healthy.
    std::optional<timestamp> failing_since{};
    /// While set, the circuit is open: requests wait until this time, then one probe goes.
    std::optional<timestamp> open_until{};
    /// How many times in a row the circuit opened (sets how long it stays open).
    int open_count = 0;
    /// A disabled endpoint gets no requests until it is enabled again.
    bool disabled = false;
    std::string disabled_reason{};
    std::optional<timestamp> disabled_at{};

    bool healthy() const noexcept { return consecutive_failures == 0 && !open_until && !disabled; }

    friend bool operator==(const endpoint_state&, const endpoint_state&) = default;
};

/// The JSON form of an `endpoint_state` (times in milliseconds since the epoch).
HOOKBOX_DECL boost::json::value to_json(const endpoint_state& s);

/// Reads the JSON form of an `endpoint_state`; `errc::corrupt_row` naming the member at fault.
HOOKBOX_DECL endpoint_state endpoint_state_from_json(const boost::json::value& v,
                                                     error_code& ec,
                                                     diagnostics& diag);

/// A change of an endpoint's health worth telling: the observer's `on_endpoint_event` receives it.
struct endpoint_event {
    enum class kind : unsigned char {
        /// Too many failures in a row: requests pause until `open_until`.
        circuit_opened,
        /// A request succeeded after failures: the circuit is closed again.
        circuit_closed,
        /// The endpoint is disabled (`reason` says why): no more requests until it is enabled.
        disabled,
        /// An operator enabled the endpoint again.
        enabled,
    };
    kind type = kind::circuit_opened;
    std::string webhook_id{};
    timestamp at{};
    std::string reason{};
    std::optional<timestamp> open_until{};
};

constexpr std::string_view to_string(endpoint_event::kind k) noexcept {
    switch (k) {
    case endpoint_event::kind::circuit_opened: return "circuit_opened";
    case endpoint_event::kind::circuit_closed: return "circuit_closed";
    case endpoint_event::kind::disabled: return "disabled";
    case endpoint_event::kind::enabled: return "enabled";
    }
    return "unknown";
}

/// The answer to "may this request go now?".
struct admission {
    enum class verdict : unsigned char {
        /// Send it.
        send,
        /// Not now: put it back until `not_before` (an open circuit, or the rate limit).
        defer,
        /// The endpoint is disabled: do not send it.
        refuse,
    };
    verdict decision = verdict::send;
    timestamp not_before{};
    /// Why it was deferred or refused, for the delivery's `error`.
    std::string reason{};
};

/// What `record` changed.
struct health_update {
    /// The persisted state changed: save `state`.
    bool changed = false;
    endpoint_state state{};
    std::optional<endpoint_event> event{};
};

/// Where a dispatcher keeps endpoint health between runs: `load` when a run starts and every
/// `endpoint_health_params::reload_interval`, `update` after each change (from the dispatcher's
/// storage executor, one call at a time). A healthy state may be
/// saved as "nothing to keep". `state_store_health` (`dispatch/health_store.hpp`) keeps it in a
/// `basic_state_store`.
class endpoint_health_store {
public:
    virtual ~endpoint_health_store() = default;
    /// Every endpoint kept as not healthy.
    virtual std::vector<std::pair<std::string, endpoint_state>> load(error_code& ec, diagnostics& diag) = 0;
    virtual void
    save(const std::string& webhook_id, const endpoint_state& s, error_code& ec, diagnostics& diag) = 0;
    /// Saves a state that the dispatcher changed. When `decides` is false the change is only the
    /// circuit's (failures counted, circuit opened or closed), and a store shared with operators
    /// keeps the `disabled` decision it holds rather than the dispatcher's older copy (see
    /// `state_store_health`). The default saves `s` as it is.
    virtual void update(const std::string& webhook_id, const endpoint_state& s, bool decides, error_code& ec,
                        diagnostics& diag) {
        (void)decides;
        save(webhook_id, s, ec, diag);
    }
};

/// The health of every endpoint one dispatcher sends to. Not thread-safe: the dispatcher calls it from
/// its strand. Endpoints are keyed by webhook id.
class endpoint_health {
public:
    explicit endpoint_health(endpoint_health_params params = {}) : params_(std::move(params)) {}

    const endpoint_health_params& params() const noexcept { return params_; }

    /// Whether a request to `webhook_id` may go at `now`. A `send` answer counts against the rate
    /// limit, and in a half-open circuit it is the one probe: later requests are deferred until the
    /// probe's outcome is recorded (or `abandon` is called).
    HOOKBOX_DECL admission admit(std::string_view webhook_id, timestamp now);

    /// Records the answer to a request that `admit` let through: `http_status` unset when no answer
    /// arrived.
    HOOKBOX_DECL health_update record(std::string_view webhook_id,
                                      std::optional<int> http_status,
                                      timestamp now);

    /// Forgets that a probe is in flight (its request was cancelled before an answer).
    HOOKBOX_DECL void abandon(std::string_view webhook_id);

    /// Enables a disabled endpoint and closes its circuit; returns the new state (to persist) and an
    /// `enabled` event when it was disabled or failing.
    HOOKBOX_DECL health_update enable(std::string_view webhook_id, timestamp now);

    /// Disables an endpoint by hand.
    HOOKBOX_DECL health_update disable(std::string_view webhook_id, timestamp now, std::string reason);

    /// Sets an endpoint's state as it was persisted (at start-up).
    HOOKBOX_DECL void restore(std::string webhook_id, endpoint_state s);

    /// The endpoint's state; a healthy default when nothing is known of it.
    HOOKBOX_DECL endpoint_state state(std::string_view webhook_id) const;

    /// Every endpoint that is not healthy, by webhook id.
    HOOKBOX_DECL std::vector<std::pair<std::string, endpoint_state>> unhealthy() const;

private:
    using micro_time = std::chrono::sys_time<std::chrono::microseconds>;

    struct slot {
        endpoint_state state{};
        bool probing = false;
        micro_time next_free{};
        micro_time reserved_until{};
    };

    HOOKBOX_DECL slot& entry(std::string_view webhook_id);

    HOOKBOX_DECL rate_limit rate_of(std::string_view webhook_id) const;

    HOOKBOX_DECL void open(slot& e, std::string_view webhook_id, timestamp now, health_update& u);

    HOOKBOX_DECL void
    disable(slot& e, std::string_view webhook_id, timestamp now, std::string reason, health_update& u);

    endpoint_health_params params_;
    std::map<std::string, slot, std::less<>> entries_;
};

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/dispatch/impl/endpoint_health.ipp>
#endif

#endif  // HOOKBOX_DISPATCH_ENDPOINT_HEALTH_HPP
