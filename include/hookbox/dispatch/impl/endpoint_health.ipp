//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_IMPL_ENDPOINT_HEALTH_IPP
#define HOOKBOX_DISPATCH_IMPL_ENDPOINT_HEALTH_IPP

#include <hookbox/dispatch/endpoint_health.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

void endpoint_health_params::check(error_code& ec, diagnostics& diag) const {
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
    if (reload_interval.count() < 0)
        return detail::fail(ec, diag, errc::invalid_argument, "reload_interval",
                            "reload_interval must be >= 0 (0 reads the store only when a run starts)");
    check_rate(rate, "rate", ec, diag);
}

void endpoint_health_params::check_rate(const rate_limit& r,
                                        const char* field,
                                        error_code& ec,
                                        diagnostics& diag) {
    if (!(r.per_second >= 0))
        return detail::fail(ec, diag, errc::invalid_argument, std::string(field) + ".per_second",
                            std::string(field) + ".per_second must be >= 0 (0 is unlimited)");
    if (!(r.burst >= 1))
        return detail::fail(ec, diag, errc::invalid_argument, std::string(field) + ".burst",
                            std::string(field) + ".burst must be >= 1");
}

boost::json::value to_json(const endpoint_state& s) {
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

endpoint_state endpoint_state_from_json(const boost::json::value& v, error_code& ec, diagnostics& diag) {
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
            detail::fail(ec, diag, errc::corrupt_row, name,
                         std::string("endpoint health member '") + name + "' must be an integer");
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
            detail::fail(ec, diag, errc::corrupt_row, "disabled",
                         "endpoint health member 'disabled' must be a boolean");
        else
            s.disabled = p->is_bool() && p->get_bool();
    }
    if (const auto* p = o->if_contains("disabled_reason"); p && p->is_string())
        s.disabled_reason = std::string(p->get_string());
    time("disabled_at", s.disabled_at);
    return ec ? endpoint_state{} : s;
}

admission endpoint_health::admit(std::string_view webhook_id, timestamp now) {
    auto& e = entry(webhook_id);
    if (e.state.disabled)
        return {admission::verdict::refuse, now, "endpoint disabled: " + e.state.disabled_reason};
    if (e.state.open_until) {
        if (now < *e.state.open_until)
            return {admission::verdict::defer, *e.state.open_until, "circuit open"};
        if (e.probing)
            return {admission::verdict::defer, now + params_.probe_interval,
                    "circuit half-open: probe in flight"};
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

health_update
endpoint_health::record(std::string_view webhook_id, std::optional<int> http_status, timestamp now) {
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
            u.event =
                endpoint_event{endpoint_event::kind::circuit_closed, std::string(webhook_id), now, {}, {}};
    } else if (failure) {
        e.state.consecutive_failures += 1;
        if (!e.state.failing_since)
            e.state.failing_since = now;
        if (params_.disable_after.count() > 0 && now - *e.state.failing_since >= params_.disable_after) {
            disable(e, webhook_id, now,
                    "failing continuously since " +
                        std::to_string(e.state.failing_since->time_since_epoch().count()) +
                        " ms (disable_after)",
                    u);
        } else if (params_.failure_threshold > 0 &&
                   (was_probe ||
                    (!e.state.open_until && e.state.consecutive_failures >= params_.failure_threshold))) {
            open(e, webhook_id, now, u);
        }
    }
    u.changed = !(before == e.state);
    u.state = e.state;
    return u;
}

void endpoint_health::abandon(std::string_view webhook_id) {
    if (auto it = entries_.find(webhook_id); it != entries_.end())
        it->second.probing = false;
}

health_update endpoint_health::enable(std::string_view webhook_id, timestamp now) {
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

health_update endpoint_health::disable(std::string_view webhook_id, timestamp now, std::string reason) {
    auto& e = entry(webhook_id);
    health_update u;
    if (!e.state.disabled)
        disable(e, webhook_id, now, std::move(reason), u);
    u.changed = u.event.has_value();
    u.state = e.state;
    return u;
}

void endpoint_health::restore(std::string webhook_id, endpoint_state s) {
    auto& e = entries_[std::move(webhook_id)];
    e.state = std::move(s);
    e.probing = false;
}

endpoint_state endpoint_health::state(std::string_view webhook_id) const {
    if (auto it = entries_.find(webhook_id); it != entries_.end())
        return it->second.state;
    return {};
}

std::vector<std::pair<std::string, endpoint_state>> endpoint_health::unhealthy() const {
    std::vector<std::pair<std::string, endpoint_state>> out;
    for (const auto& [id, e] : entries_)
        if (!e.state.healthy())
            out.emplace_back(id, e.state);
    return out;
}

endpoint_health::slot& endpoint_health::entry(std::string_view webhook_id) {
    auto it = entries_.find(webhook_id);
    if (it == entries_.end())
        it = entries_.emplace(std::string(webhook_id), slot{}).first;
    return it->second;
}

rate_limit endpoint_health::rate_of(std::string_view webhook_id) const {
    if (params_.rate_for)
        if (auto r = params_.rate_for(webhook_id))
            return *r;
    return params_.rate;
}

void endpoint_health::open(slot& e, std::string_view webhook_id, timestamp now, health_update& u) {
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

void endpoint_health::disable(
    slot& e, std::string_view webhook_id, timestamp now, std::string reason, health_update& u) {
    e.state.disabled = true;
    e.state.disabled_reason = std::move(reason);
    e.state.disabled_at = now;
    e.state.open_until.reset();
    u.event = endpoint_event{
        endpoint_event::kind::disabled, std::string(webhook_id), now, e.state.disabled_reason, {}};
}

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_IMPL_ENDPOINT_HEALTH_IPP
