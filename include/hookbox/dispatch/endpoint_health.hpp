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
    /// The default rate limit of every webhook (unlimited by default).
    rate_limit rate{};
    /// A webhook's own rate limit, when it has one; otherwise `rate` applies.
    std::function<std::optional<rate_limit>(std::string_view webhook_id)> rate_for;

    /// Checks the parameters; `ec` names the field at fault.
    void check(error_code& ec, diagnostics& diag) const {
        ec.clear();
        if (failure_threshold < 0)
            return detail::fail(ec, diag, errc::invalid_argument, "failure_threshold",
                        "failure_threshold must be >= 0 (0 turns the circuit breaker off)");
        if (open_duration.count() <= 0)
            return detail::fail(ec, diag, errc::invalid_argument, "open_duration", "open_duration must be > 0");
        if (probe_interval.count() <= 0)
            return detail::fail(ec, diag, errc::invalid_argument, "probe_interval", "probe_interval must be > 0");
        if (max_open_duration < open_duration)
            return detail::fail(ec, diag, errc::invalid_argument, "max_open_duration",
                        "max_open_duration must be >= open_duration");
        if (disable_after.count() < 0)
            return detail::fail(ec, diag, errc::invalid_argument, "disable_after",
                        "disable_after must be >= 0 (0 never disables)");
        check_rate(rate, "rate", ec, diag);
    }

    static void check_rate(const rate_limit& r, const char* field, error_code& ec, diagnostics& diag) {
        if (!(r.per_second >= 0))
            return detail::fail(ec, diag, errc::invalid_argument, std::string(field) + ".per_second",
                        std::string(field) + ".per_second must be >= 0 (0 is unlimited)");
        if (!(r.burst >= 1))
            return detail::fail(ec, diag, errc::invalid_argument, std::string(field) + ".burst",
                        std::string(field) + ".burst must be >= 1");
    }
};

/// What is kept of one endpoint's health, and persisted between runs.
struct endpoint_state {
    /// Failures since the last success.
    int consecutive_failures = 0;
    /// The first failure after the last success; unset while healthy.
    std::optional<timestamp> failing_since;
    /// While set, the circuit is open: requests wait until this time, then one probe goes.
    std::optional<timestamp> open_until;
    /// How many times in a row the circuit opened (sets how long it stays open).
    int open_count = 0;
    /// A disabled endpoint gets no requests until it is enabled again.
    bool disabled = false;
    std::string disabled_reason;
    std::optional<timestamp> disabled_at;

    bool healthy() const noexcept { return consecutive_failures == 0 && !open_until && !disabled; }

    friend bool operator==(const endpoint_state&, const endpoint_state&) = default;
};

/// The JSON form of an `endpoint_state` (times in milliseconds since the epoch).
inline boost::json::value to_json(const endpoint_state& s) {
    boost::json::object o;
    o["consecutive_failures"] = s.consecutive_failures;
    if (s.failing_since)
        o["failing_since"] = s.failing_since->time_since_epoch().count();
    if (s.open_until)
        o["open_until"] = s.open_until->time_since_epoch().count();
    o["open_count"] = s.open_count;
    o["disabled"] = s.disabled;
    if (s.disabled) {
        o["disabled_reason"] = s.disabled_reason;
        if (s.disabled_at)
            o["disabled_at"] = s.disabled_at->time_since_epoch().count();
    }
    return o;
}

/// Reads the JSON form of an `endpoint_state`; `errc::corrupt_row` naming the member at fault.
inline endpoint_state endpoint_state_from_json(const boost::json::value& v, error_code& ec, diagnostics& diag) {
    ec.clear();
    endpoint_state s;
    const auto* o = v.if_object();
    if (!o) {
        detail::fail(ec, diag, errc::corrupt_row, "value", "an endpoint health entry must be a JSON object");
        return s;
    }
    auto integer = [&](const char* name, std::int64_t& out) {
        const auto* p = o->if_contains(name);
        if (!p || p->is_null())
            return false;
        if (!p->is_int64()) {
            detail::fail(ec, diag, errc::corrupt_row, name, std::string("endpoint health member '") + name +
                                                        "' must be an integer");
            return false;
        }
        out = p->get_int64();
        return true;
    };
    auto time = [&](const char* name, std::optional<timestamp>& out) {
        std::int64_t ms = 0;
        if (integer(name, ms))
            out = timestamp(std::chrono::milliseconds(ms));
    };
    std::int64_t n = 0;
    if (integer("consecutive_failures", n))
        s.consecutive_failures = static_cast<int>(std::clamp<std::int64_t>(n, 0, 1'000'000'000));
    time("failing_since", s.failing_since);
    time("open_until", s.open_until);
    if (integer("open_count", n))
        s.open_count = static_cast<int>(std::clamp<std::int64_t>(n, 0, 64));
    if (const auto* p = o->if_contains("disabled")) {
        if (!p->is_bool() && !p->is_null())
            detail::fail(ec, diag, errc::corrupt_row, "disabled", "endpoint health member 'disabled' must be a boolean");
        else
            s.disabled = p->is_bool() && p->get_bool();
    }
    if (const auto* p = o->if_contains("disabled_reason"); p && p->is_string())
        s.disabled_reason = std::string(p->get_string());
    time("disabled_at", s.disabled_at);
    return ec ? endpoint_state{} : s;
}

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
    std::string webhook_id;
    timestamp at{};
    std::string reason;
    std::optional<timestamp> open_until;
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
    std::string reason;
};

/// What `record` changed.
struct health_update {
    /// The persisted state changed: save `state`.
    bool changed = false;
    endpoint_state state;
    std::optional<endpoint_event> event;
};

/// Where a dispatcher keeps endpoint health between runs: `load` when a run starts, `save` after
/// each change (from the dispatcher's storage executor, one call at a time). A healthy state may be
/// saved as "nothing to keep". `state_store_health` (`dispatch/health_store.hpp`) keeps it in a
/// `basic_state_store`.
class endpoint_health_store {
public:
    virtual ~endpoint_health_store() = default;
    /// Every endpoint kept as not healthy.
    virtual std::vector<std::pair<std::string, endpoint_state>> load(error_code& ec, diagnostics& diag) = 0;
    virtual void save(const std::string& webhook_id, const endpoint_state& s, error_code& ec, diagnostics& diag) = 0;
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
    admission admit(std::string_view webhook_id, timestamp now) {
        auto& e = entry(webhook_id);
        if (e.state.disabled)
            return {admission::verdict::refuse, now, "endpoint disabled: " + e.state.disabled_reason};
        if (e.state.open_until) {
            if (now < *e.state.open_until)
                return {admission::verdict::defer, *e.state.open_until, "circuit open"};
            if (e.probing)
                return {admission::verdict::defer, now + params_.probe_interval, "circuit half-open: probe in flight"};
        }
        // The rate limit, as a reservation line: `next_free` is when the next request may go; a
        // deferred request is given its own future slot, so that a backlog comes back spread out.
        rate_limit r = rate_of(webhook_id);
        if (r.per_second > 0) {
            auto interval = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::duration<double>(1.0 / r.per_second));
            auto tolerance = std::chrono::duration_cast<std::chrono::microseconds>(interval * (r.burst - 1));
            auto now_us = std::chrono::time_point_cast<std::chrono::microseconds>(now);
            if (e.next_free < now_us - tolerance)
                e.next_free = now_us - tolerance;
            if (e.next_free > now_us) {
                if (e.reserved_until < e.next_free)
                    e.reserved_until = e.next_free;
                auto slot = e.reserved_until;
                e.reserved_until += interval;
                return {admission::verdict::defer, std::chrono::ceil<std::chrono::milliseconds>(slot),
                        "rate limited"};
            }
            e.next_free += interval;
        }
        if (e.state.open_until)
            e.probing = true;
        return {admission::verdict::send, now, {}};
    }

    /// Records the answer to a request that `admit` let through: `http_status` unset when no answer
    /// arrived.
    health_update record(std::string_view webhook_id, std::optional<int> http_status, timestamp now) {
        auto& e = entry(webhook_id);
        health_update u;
        endpoint_state before = e.state;
        bool was_probe = e.probing;
        e.probing = false;
        bool success = http_status && *http_status >= 200 && *http_status <= 299;
        bool failure = !http_status || *http_status == 408 || *http_status == 429 || *http_status >= 500;
        if (e.state.disabled) {
            // An answer to a request sent before the endpoint was disabled changes nothing.
        } else if (http_status && *http_status == 410 && params_.disable_on_gone) {
            disable(e, webhook_id, now, "410 Gone", u);
        } else if (success) {
            bool was_open = e.state.open_until.has_value();
            e.state.consecutive_failures = 0;
            e.state.failing_since.reset();
            e.state.open_until.reset();
            e.state.open_count = 0;
            if (was_open)
                u.event = endpoint_event{endpoint_event::kind::circuit_closed, std::string(webhook_id), now, {}, {}};
        } else if (failure) {
            e.state.consecutive_failures += 1;
            if (!e.state.failing_since)
                e.state.failing_since = now;
            if (params_.disable_after.count() > 0 && now - *e.state.failing_since >= params_.disable_after) {
                disable(e, webhook_id, now, "failing continuously since " +
                                                std::to_string(e.state.failing_since->time_since_epoch().count()) +
                                                " ms (disable_after)",
                        u);
            } else if (params_.failure_threshold > 0 &&
                       (was_probe || (!e.state.open_until &&
                                      e.state.consecutive_failures >= params_.failure_threshold))) {
                open(e, webhook_id, now, u);
            }
        }
        u.changed = !(before == e.state);
        u.state = e.state;
        return u;
    }

    /// Forgets that a probe is in flight (its request was cancelled before an answer).
    void abandon(std::string_view webhook_id) {
        if (auto it = entries_.find(webhook_id); it != entries_.end())
            it->second.probing = false;
    }

    /// Enables a disabled endpoint and closes its circuit; returns the new state (to persist) and an
    /// `enabled` event when it was disabled or failing.
    health_update enable(std::string_view webhook_id, timestamp now) {
        auto& e = entry(webhook_id);
        health_update u;
        bool was = !e.state.healthy();
        e.state = endpoint_state{};
        e.probing = false;
        u.changed = was;
        if (was)
            u.event = endpoint_event{endpoint_event::kind::enabled, std::string(webhook_id), now, {}, {}};
        return u;
    }

    /// Disables an endpoint by hand.
    health_update disable(std::string_view webhook_id, timestamp now, std::string reason) {
        auto& e = entry(webhook_id);
        health_update u;
        if (!e.state.disabled)
            disable(e, webhook_id, now, std::move(reason), u);
        u.changed = u.event.has_value();
        u.state = e.state;
        return u;
    }

    /// Sets an endpoint's state as it was persisted (at start-up).
    void restore(std::string webhook_id, endpoint_state s) {
        auto& e = entries_[std::move(webhook_id)];
        e.state = std::move(s);
        e.probing = false;
    }

    /// The endpoint's state; a healthy default when nothing is known of it.
    endpoint_state state(std::string_view webhook_id) const {
        if (auto it = entries_.find(webhook_id); it != entries_.end())
            return it->second.state;
        return {};
    }

    /// Every endpoint that is not healthy, by webhook id.
    std::vector<std::pair<std::string, endpoint_state>> unhealthy() const {
        std::vector<std::pair<std::string, endpoint_state>> out;
        for (const auto& [id, e] : entries_)
            if (!e.state.healthy())
                out.emplace_back(id, e.state);
        return out;
    }

private:
    using micro_time = std::chrono::sys_time<std::chrono::microseconds>;

    struct slot {
        endpoint_state state;
        bool probing = false;
        micro_time next_free{};
        micro_time reserved_until{};
    };

    slot& entry(std::string_view webhook_id) {
        auto it = entries_.find(webhook_id);
        if (it == entries_.end())
            it = entries_.emplace(std::string(webhook_id), slot{}).first;
        return it->second;
    }

    rate_limit rate_of(std::string_view webhook_id) const {
        if (params_.rate_for)
            if (auto r = params_.rate_for(webhook_id))
                return *r;
        return params_.rate;
    }

    void open(slot& e, std::string_view webhook_id, timestamp now, health_update& u) {
        auto d = params_.open_duration;
        for (int i = 0; i < e.state.open_count && d < params_.max_open_duration; ++i)
            d *= 2;
        d = std::min(d, params_.max_open_duration);
        e.state.open_count = std::min(e.state.open_count + 1, 64);
        e.state.open_until = now + d;
        u.event = endpoint_event{endpoint_event::kind::circuit_opened, std::string(webhook_id), now,
                                 std::to_string(e.state.consecutive_failures) + " consecutive failures",
                                 e.state.open_until};
    }

    void disable(slot& e, std::string_view webhook_id, timestamp now, std::string reason, health_update& u) {
        e.state.disabled = true;
        e.state.disabled_reason = std::move(reason);
        e.state.disabled_at = now;
        e.state.open_until.reset();
        u.event = endpoint_event{endpoint_event::kind::disabled, std::string(webhook_id), now, e.state.disabled_reason,
                                 {}};
    }

    endpoint_health_params params_;
    std::map<std::string, slot, std::less<>> entries_;
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_ENDPOINT_HEALTH_HPP
