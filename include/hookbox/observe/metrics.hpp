//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_OBSERVE_METRICS_HPP
#define HOOKBOX_OBSERVE_METRICS_HPP

/// \file
/// `metrics_registry`, the counters, gauges and histogram of an outbox and its dispatchers, written
/// in the Prometheus text exposition format (version 0.0.4); and `metrics_observer`, the observer
/// (`observe/observer.hpp`) that feeds one.
///
/// | family | type | labels | what it counts |
/// |---|---|---|---|
/// | `hookbox_enqueued_total` | counter | `result`: `created`, `deduplicated` | enqueued requests (`on_enqueue`) |
/// | `hookbox_attempts_total` | counter | `outcome`: `success`, `retry`, `dead`; `status_class`: `2xx` .. `5xx`, `none` (no response) | acked attempts (`on_attempt`) |
/// | `hookbox_dead_letters_total` | counter | | attempts that made their delivery `dead` (`on_dead`) |
/// | `hookbox_attempt_duration_seconds` | histogram | | acked attempts' durations, in `attempt_duration_buckets_ms` |
/// | `hookbox_queue_depth` | gauge | `partition` | `pending` rows per partition, at the last `sample_queue` |
/// | `hookbox_oldest_pending_age_seconds` | gauge | `partition` | age of the partition's oldest `pending` row (0 when none), at the last `sample_queue` |
/// | `hookbox_endpoints` | gauge | `state`: `circuit_open`, `disabled` | endpoints in that state, as told by `on_endpoint_event` |
/// | `hookbox_endpoint_events_total` | counter | `kind`: `circuit_opened`, `circuit_closed`, `disabled`, `enabled` | endpoint events |
/// | `hookbox_errors_total` | counter | `what`: the failed step (`claim`, `ack`, `release`, `health.save`, `send`, ...) | failures told to `on_error` |
///
/// Thread-safety: every member function of `metrics_registry` may be called from several threads
/// at once (counters are atomics; the gauges and the labelled maps share one mutex). It starts no
/// thread and no timer: the queue gauges change only when `sample_queue` (or `scrape`) runs, which
/// is meant to be called when the metrics are scraped.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <array>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox {

/// Upper bounds (inclusive) of the buckets of `hookbox_attempt_duration_seconds`, in milliseconds:
/// 5 ms to 30 s; a last bucket, `+Inf`, takes the rest.
inline constexpr std::array<std::int64_t, 12> attempt_duration_buckets_ms{5,   10,   25,   50,    100,   250,
                                                                          500, 1000, 2500, 5000, 10000, 30000};

/// The metrics of an outbox and its dispatchers (see the file's table). Not copyable: share one
/// through `metrics_observer`, which holds a pointer to it.
class metrics_registry {
public:
    /// At most this many distinct `what` labels of `hookbox_errors_total`; further ones are counted
    /// under `what="other"`.
    static constexpr std::size_t max_error_labels = 64;

    metrics_registry() = default;
    metrics_registry(const metrics_registry&) = delete;
    metrics_registry& operator=(const metrics_registry&) = delete;

    /// Counts an enqueue: `created` or `deduplicated`.
    HOOKBOX_DECL void record_enqueue(const enqueue_result& r) noexcept;

    /// Counts an acked attempt by outcome and status class, and its duration.
    HOOKBOX_DECL void record_attempt(const attempt_result& r) noexcept;

    /// Counts a dead letter.
    HOOKBOX_DECL void record_dead() noexcept;

    /// Counts an endpoint event of kind `kind` (`to_string(endpoint_event::kind)`: `circuit_opened`,
    /// `circuit_closed`, `disabled`, `enabled`; another kind is ignored), and moves the endpoint
    /// between the states of `hookbox_endpoints`: `circuit_opened` puts it in `circuit_open`,
    /// `circuit_closed` takes it out, `disabled` puts it in `disabled`, `enabled` takes it out of
    /// both (enabling closes the circuit).
    HOOKBOX_DECL void record_endpoint_event(std::string_view kind, std::string_view webhook_id) noexcept;

    /// Counts a failed step under its `what`.
    HOOKBOX_DECL void record_error(std::string_view what) noexcept;

    /// Replaces the queue gauges with `depths` (as `basic_outbox::partition_stats` returns them).
    HOOKBOX_DECL void set_queue(std::span<const partition_depth> depths);

    /// Samples `outbox.partition_stats` into the queue gauges. On failure the gauges keep their last
    /// values, the failure is counted under `what="metrics.sample"`, and `ec` and `diag` tell it.
    template <class Outbox>
    void sample_queue(const Outbox& outbox, error_code& ec, diagnostics& diag) {
        auto depths = outbox.partition_stats(ec, diag);
        if (ec) {
            record_error("metrics.sample");
            return;
        }
        set_queue(depths);
    }

    /// `sample_queue`, then `write_prometheus`: what a `GET /metrics` handler calls. A failed sample
    /// is counted (see `sample_queue`) and the rest is written all the same.
    template <class Outbox>
    void scrape(const Outbox& outbox, std::string& out) {
        error_code ec;
        diagnostics diag;
        sample_queue(outbox, ec, diag);
        write_prometheus(out);
    }

    /// Appends every family, in the order of the file's table, in the Prometheus text exposition
    /// format 0.0.4: each family once, with its `# HELP` and `# TYPE` lines; label values escaped
    /// (`\\`, `\"`, `\n`); the histogram's buckets cumulative, ending with `le="+Inf"`, then `_sum`
    /// (seconds) and `_count`. Serve it as `text/plain; version=0.0.4; charset=utf-8`.
    HOOKBOX_DECL void write_prometheus(std::string& out) const;

    /// `write_prometheus` into a new string.
    std::string to_prometheus() const {
        std::string out;
        write_prometheus(out);
        return out;
    }

private:
    static constexpr std::size_t outcome_count = 3;
    // 1xx to 5xx, and none.
    static constexpr std::size_t status_class_count = 6;
    static constexpr std::size_t event_kind_count = 4;

    std::array<std::atomic<std::uint64_t>, 2> enqueued_{};
    std::array<std::atomic<std::uint64_t>, outcome_count * status_class_count> attempts_{};
    std::atomic<std::uint64_t> dead_{0};
    // Per bucket, not cumulative; the last one is +Inf.
    std::array<std::atomic<std::uint64_t>, attempt_duration_buckets_ms.size() + 1> duration_buckets_{};
    std::atomic<std::uint64_t> duration_sum_ms_{0};
    std::array<std::atomic<std::uint64_t>, event_kind_count> endpoint_events_{};

    mutable std::mutex mutex_;
    std::vector<partition_depth> queue_;
    // Endpoints in a state: bit 1 circuit open, bit 2 disabled; none in neither.
    std::map<std::string, unsigned char, std::less<>> endpoint_states_;
    std::map<std::string, std::uint64_t, std::less<>> errors_;
};

/// The observer that feeds a `metrics_registry`: pass it as the outbox's `Observer` (the dispatcher
/// and the retention sweeper tell the outbox's observer). Copies share the registry, which must
/// outlive them; a default-constructed one feeds nothing. To combine it with another observer
/// (`notify_on_enqueue`), derive from both and forward each hook they both define.
struct metrics_observer {
    metrics_registry* registry = nullptr;

    metrics_observer() = default;
    explicit metrics_observer(metrics_registry& r) noexcept : registry(&r) {}

    void on_enqueue(const enqueue_result& r) const noexcept {
        if (registry)
            registry->record_enqueue(r);
    }
    void on_attempt(const delivery_id&, const attempt_result& r) const noexcept {
        if (registry)
            registry->record_attempt(r);
    }
    void on_dead(const delivery_id&, const attempt_result&) const noexcept {
        if (registry)
            registry->record_dead();
    }
    /// `e` an `endpoint_event` (`dispatch/endpoint_health.hpp`).
    template <class Event>
        requires requires(const Event& e) {
            { to_string(e.type) } -> std::convertible_to<std::string_view>;
            { e.webhook_id } -> std::convertible_to<std::string_view>;
        }
    void on_endpoint_event(const Event& e) const noexcept {
        if (registry)
            registry->record_endpoint_event(to_string(e.type), e.webhook_id);
    }
    void on_error(const error_code&, const diagnostics&, std::string_view what) const noexcept {
        if (registry)
            registry->record_error(what);
    }
};

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/observe/impl/metrics.ipp>
#endif

#endif  // HOOKBOX_OBSERVE_METRICS_HPP
