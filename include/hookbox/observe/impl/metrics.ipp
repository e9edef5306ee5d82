//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_OBSERVE_IMPL_METRICS_IPP
#define HOOKBOX_OBSERVE_IMPL_METRICS_IPP

#include <hookbox/observe/metrics.hpp>

#include <new>

namespace hookbox {

namespace detail::metrics {

constexpr std::array<std::string_view, 3> outcome_names{"success", "retry", "dead"};
constexpr std::array<std::string_view, 6> status_class_names{"1xx", "2xx", "3xx", "4xx", "5xx", "none"};
constexpr std::array<std::string_view, 4> event_kind_names{"circuit_opened", "circuit_closed", "disabled",
                                                           "enabled"};
constexpr unsigned char circuit_open_bit = 1;
constexpr unsigned char disabled_bit = 2;

inline std::size_t status_class(const std::optional<int>& status) noexcept {
    if (status && *status >= 100 && *status <= 599)
        return static_cast<std::size_t>(*status / 100 - 1);
    return 5;
}

inline void add(std::atomic<std::uint64_t>& a, std::uint64_t n = 1) noexcept {
    a.fetch_add(n, std::memory_order_relaxed);
}

inline std::uint64_t get(const std::atomic<std::uint64_t>& a) noexcept { return a.load(std::memory_order_relaxed); }

inline void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// A label value as the text format wants it: backslash, double quote and line feed escaped.
inline void label_value(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '"': out += "\\\""; break;
        case '\n': out += "\\n"; break;
        default: out += c;
        }
    }
}

// Milliseconds as a decimal number of seconds, without trailing zeros: 1500 is "1.5", 0 is "0".
inline void seconds(std::string& out, std::int64_t ms) {
    if (ms < 0) {
        out += '-';
        ms = -ms;
    }
    out += std::to_string(ms / 1000);
    if (auto frac = ms % 1000; frac != 0) {
        char digits[4] = {static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                          static_cast<char>('0' + frac % 10), 0};
        std::string_view d(digits, 3);
        while (d.back() == '0')
            d.remove_suffix(1);
        out.append(".").append(d);
    }
}

// One sample line: `name{k1="v1",k2="v2"} value` (no braces without labels).
class sample {
public:
    explicit sample(std::string& out) noexcept : out_(out) {}

    sample& name(std::string_view n) {
        out_.append(n);
        first_ = true;
        return *this;
    }
    sample& label(std::string_view key, std::string_view value) {
        out_ += first_ ? '{' : ',';
        first_ = false;
        out_.append(key).append("=\"");
        label_value(out_, value);
        out_ += '"';
        return *this;
    }
    void value(std::string_view v) {
        if (!first_)
            out_ += '}';
        out_.append(" ").append(v).append("\n");
    }
    void value(std::uint64_t v) { value(std::string_view(std::to_string(v))); }
    void seconds_value(std::int64_t ms) {
        std::string v;
        seconds(v, ms);
        value(std::string_view(v));
    }

private:
    std::string& out_;
    bool first_ = true;
};

}  // namespace detail::metrics

void metrics_registry::record_enqueue(const enqueue_result& r) noexcept {
    detail::metrics::add(enqueued_[r.created ? 0 : 1]);
}

void metrics_registry::record_attempt(const attempt_result& r) noexcept {
    namespace m = detail::metrics;
    m::add(attempts_[static_cast<std::size_t>(r.outcome) * status_class_count + m::status_class(r.http_status)]);
    const std::int64_t ms = r.duration.count() < 0 ? 0 : r.duration.count();
    std::size_t b = 0;
    while (b < attempt_duration_buckets_ms.size() && ms > attempt_duration_buckets_ms[b])
        ++b;
    m::add(duration_buckets_[b]);
    m::add(duration_sum_ms_, static_cast<std::uint64_t>(ms));
}

void metrics_registry::record_dead() noexcept { detail::metrics::add(dead_); }

void metrics_registry::record_endpoint_event(std::string_view kind, std::string_view webhook_id) noexcept {
    namespace m = detail::metrics;
    std::size_t k = 0;
    while (k < event_kind_count && m::event_kind_names[k] != kind)
        ++k;
    if (k == event_kind_count)
        return;
    m::add(endpoint_events_[k]);
    std::lock_guard lock(mutex_);
    auto it = endpoint_states_.find(webhook_id);
    unsigned char bits = it == endpoint_states_.end() ? 0 : it->second;
    switch (k) {
    case 0: bits |= m::circuit_open_bit; break;
    case 1: bits &= static_cast<unsigned char>(~m::circuit_open_bit); break;
    case 2: bits |= m::disabled_bit; break;
    default: bits = 0; break;
    }
    if (bits == 0) {
        if (it != endpoint_states_.end())
            endpoint_states_.erase(it);
        return;
    }
    if (it != endpoint_states_.end()) {
        it->second = bits;
        return;
    }
    try {
        endpoint_states_.emplace(std::string(webhook_id), bits);
    } catch (const std::bad_alloc&) {
        // Out of memory: the endpoint's state is not tracked; its events are still counted.
    }
}

void metrics_registry::record_error(std::string_view what) noexcept {
    std::lock_guard lock(mutex_);
    auto it = errors_.find(what);
    if (it == errors_.end()) {
        try {
            if (errors_.size() >= max_error_labels)
                it = errors_.try_emplace("other", 0).first;
            else
                it = errors_.emplace(std::string(what), 0).first;
        } catch (const std::bad_alloc&) {
            return;
        }
    }
    ++it->second;
}

void metrics_registry::set_queue(std::span<const partition_depth> depths) {
    std::vector<partition_depth> copy(depths.begin(), depths.end());
    std::lock_guard lock(mutex_);
    queue_.swap(copy);
}

void metrics_registry::write_prometheus(std::string& out) const {
    namespace m = detail::metrics;
    m::sample s(out);

    m::family(out, "hookbox_enqueued_total", "counter",
              "Enqueued requests: stored (created) or already stored (deduplicated).");
    s.name("hookbox_enqueued_total").label("result", "created").value(m::get(enqueued_[0]));
    s.name("hookbox_enqueued_total").label("result", "deduplicated").value(m::get(enqueued_[1]));

    m::family(out, "hookbox_attempts_total", "counter",
              "Acked delivery attempts, by outcome and by the response's status class (none: no response).");
    for (std::size_t o = 0; o < outcome_count; ++o) {
        for (std::size_t c = 0; c < status_class_count; ++c) {
            const std::uint64_t n = m::get(attempts_[o * status_class_count + c]);
            if (c == 0 && n == 0)
                continue;  // 1xx is shown once it happened
            s.name("hookbox_attempts_total")
                .label("outcome", m::outcome_names[o])
                .label("status_class", m::status_class_names[c])
                .value(n);
        }
    }

    m::family(out, "hookbox_dead_letters_total", "counter", "Deliveries made dead by an attempt.");
    s.name("hookbox_dead_letters_total").value(m::get(dead_));

    m::family(out, "hookbox_attempt_duration_seconds", "histogram", "Duration of acked delivery attempts.");
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < duration_buckets_.size(); ++b) {
        cumulative += m::get(duration_buckets_[b]);
        std::string le;
        if (b < attempt_duration_buckets_ms.size())
            m::seconds(le, attempt_duration_buckets_ms[b]);
        else
            le = "+Inf";
        s.name("hookbox_attempt_duration_seconds_bucket").label("le", le).value(cumulative);
    }
    s.name("hookbox_attempt_duration_seconds_sum")
        .seconds_value(static_cast<std::int64_t>(m::get(duration_sum_ms_)));
    s.name("hookbox_attempt_duration_seconds_count").value(cumulative);

    std::lock_guard lock(mutex_);
    m::family(out, "hookbox_queue_depth", "gauge", "Pending deliveries per partition, when last sampled.");
    for (const auto& q : queue_)
        s.name("hookbox_queue_depth").label("partition", std::to_string(q.partition)).value(q.pending);
    m::family(out, "hookbox_oldest_pending_age_seconds", "gauge",
              "Age of the oldest pending delivery per partition (0 when none), when last sampled.");
    for (const auto& q : queue_)
        s.name("hookbox_oldest_pending_age_seconds")
            .label("partition", std::to_string(q.partition))
            .seconds_value(q.oldest_pending_age ? q.oldest_pending_age->count() : 0);

    std::uint64_t open = 0, disabled = 0;
    for (const auto& [id, bits] : endpoint_states_) {
        open += (bits & m::circuit_open_bit) ? 1 : 0;
        disabled += (bits & m::disabled_bit) ? 1 : 0;
    }
    m::family(out, "hookbox_endpoints", "gauge", "Endpoints whose circuit is open, and endpoints disabled.");
    s.name("hookbox_endpoints").label("state", "circuit_open").value(open);
    s.name("hookbox_endpoints").label("state", "disabled").value(disabled);

    m::family(out, "hookbox_endpoint_events_total", "counter", "Endpoint health events, by kind.");
    for (std::size_t k = 0; k < event_kind_count; ++k)
        s.name("hookbox_endpoint_events_total")
            .label("kind", m::event_kind_names[k])
            .value(m::get(endpoint_events_[k]));

    m::family(out, "hookbox_errors_total", "counter",
              "Failed steps of the dispatcher, the sweeper and the auto-enqueuer (storage calls, refused sends), "
              "by step.");
    for (const auto& [what, n] : errors_)
        s.name("hookbox_errors_total").label("what", what).value(n);
}

}  // namespace hookbox

#endif  // HOOKBOX_OBSERVE_IMPL_METRICS_IPP
