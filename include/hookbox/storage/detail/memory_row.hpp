//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_MEMORY_ROW_HPP
#define HOOKBOX_STORAGE_DETAIL_MEMORY_ROW_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/detail/compact_text.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::detail::mem {

// A row's place in the pool. Indexes refer to rows by slot, in 4 bytes instead of a pointer's 8.
using slot_t = std::uint32_t;
inline constexpr slot_t no_slot = ~slot_t(0);

// Times and durations are kept as milliseconds; these stand for "unset".
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int32_t no_code = std::numeric_limits<std::int32_t>::min();

// How many attempt records a row keeps; older ones are dropped first.
inline constexpr std::size_t history_limit = 100;

inline std::int64_t to_ms(timestamp t) noexcept {
    return t.time_since_epoch().count();
}
inline std::int64_t to_ms(const std::optional<timestamp>& t) noexcept {
    return t ? to_ms(*t) : no_time;
}
inline timestamp from_ms(std::int64_t v) noexcept {
    return timestamp(std::chrono::milliseconds(v));
}
inline std::optional<timestamp> opt_time(std::int64_t v) noexcept {
    return v == no_time ? std::nullopt : std::optional<timestamp>(from_ms(v));
}
inline std::optional<std::chrono::milliseconds> opt_duration(std::int64_t v) noexcept {
    return v == no_time ? std::nullopt : std::optional<std::chrono::milliseconds>(v);
}
inline std::optional<int> opt_code(std::int32_t v) noexcept {
    return v == no_code ? std::nullopt : std::optional<int>(v);
}

// The trace fields of a row, kept apart (and allocated only for a row that has one) so that an
// untraced row pays one pointer: the `traceparent` given at enqueue, and the one the latest
// attempt record holds.
struct row_trace {
    std::optional<std::string> given;
    std::optional<std::string> sent;
};

struct target;    // interning.hpp
struct node_name; // interning.hpp

// Row flags.
enum : std::uint8_t {
    has_secret_flag = 1,
    // A pending row that came back (retried, reaped, released, redelivered): it waits in its
    // partition's ready or delayed set and in `returned`, not in the fresh queue.
    returned_flag = 2,
    // With returned_flag: in the delayed set, until next_retry_at.
    delayed_flag = 4,
    // The last-attempt fields (last_attempted_at, response_code, last_duration, error,
    // last_outcome) are the latest attempt record, numbered `recorded`.
    current_record_flag = 8,
};

// One delivery. The strings it shares with other deliveries are in its target; the history of
// attempts before the latest one is in `older`, allocated only for rows attempted more than once.
struct row {
    // The fresh queue of its partition while pending and never claimed; the in-flight list while
    // in flight. A row is in at most one of them.
    slot_t prev = no_slot;
    slot_t next = no_slot;
    std::int32_t partition = 0;
    delivery_status status = delivery_status::pending;
    delivery_status last_outcome = delivery_status::pending;
    payload_kind kind = payload_kind::json;
    std::uint8_t flags = 0;
    std::uint64_t sequence = 0;
    std::uint64_t claim_token = 0;
    delivery_id id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t claimed_at = no_time;
    std::int64_t next_retry_at = no_time;
    std::int64_t last_attempted_at = no_time;
    std::int64_t last_duration = no_time;
    target* tgt = nullptr;
    node_name* claimed_by = nullptr;
    // Null for the JSON `null` payload (see payload_access).
    std::shared_ptr<const std::string> body;
    std::string url;
    std::int32_t attempts = 0;
    std::int32_t response_code = no_code;
    // The number of the latest attempt record; 0 before the first.
    std::int32_t recorded = 0;
    compact_text event_id;
    compact_text response_body;
    compact_text error;
    std::unique_ptr<std::vector<attempt_record>> older;
    std::unique_ptr<row_trace> trace;

    bool has(std::uint8_t f) const noexcept { return (flags & f) != 0; }
};

// What a new row is made of: the fields of a delivery, or of a checked enqueue request and what the
// outbox adds to it, so that a request needs no `delivery` built on its way in. The strings, the
// headers and the payload are taken from their owner when the row is stored.
struct new_row {
    delivery_id id;
    std::int32_t partition;
    std::int64_t created_at;
    std::int64_t updated_at;
    bool has_secret;
    std::optional<std::chrono::milliseconds> timeout;
    std::string& webhook_id;
    std::string& event_id;
    std::string& event_type;
    std::string& method;
    std::string& secret;
    std::vector<header>& headers;
    std::string& url;
    hookbox::payload& payload;
    std::optional<std::string>& traceparent;

    static new_row of(delivery& d) noexcept {
        return {d.id,
                d.partition_key,
                to_ms(d.created_at),
                to_ms(d.updated_at),
                d.has_secret,
                d.timeout,
                d.webhook_id,
                d.event_id,
                d.event_type,
                d.method,
                d.secret,
                d.headers,
                d.url,
                d.payload,
                d.traceparent};
    }

    static new_row of(enqueue_request& r, const new_delivery& nd) noexcept {
        return {nd.id,     nd.partition_key, to_ms(nd.now), to_ms(nd.now), !r.secret.empty(),
                r.timeout, r.webhook_id,     r.event_id,    r.event_type,  r.method,
                r.secret,  r.headers,        r.url,         r.payload,     r.traceparent};
    }
};

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_DETAIL_MEMORY_ROW_HPP
