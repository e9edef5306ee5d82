//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DELIVERY_HPP
#define HOOKBOX_DELIVERY_HPP

/// \file
/// The model: a delivery and its status, what `enqueue` takes, what `claim` takes, what an attempt
/// reports to `ack`, what `list` and `stats` return, and what the operations (`replay`, `purge`,
/// `attempts`, `failures`) take and return. Plain aggregates; the rules that bind their
/// fields are in `validate.hpp` and are applied by `basic_outbox`.
///
/// Everything here is an aggregate or a `constexpr` function, so this header has no out-of-line part.

#include <hookbox/delivery_id.hpp>
#include <hookbox/error.hpp>
#include <hookbox/payload.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox {

/// A point in time, in milliseconds since the Unix epoch (the unit of every stored time).
using timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

/// Where a delivery is in its life.
///
/// `pending -> in_flight` (claim); `in_flight -> success` (ack success); `in_flight -> pending`
/// (ack retry, or reaped after the claim TTL); `in_flight -> dead` (ack dead);
/// `success | failed | dead -> pending` (redeliver).
enum class delivery_status : unsigned char {
    /// Waiting to be claimed, now or at `next_retry_at`.
    pending,
    /// Claimed by a node; an attempt may be running.
    in_flight,
    /// Delivered: the receiver answered 2xx.
    success,
    /// Given up on for a reason other than the receiver's answer (kept for compatibility with the
    /// ObjectStack outbox's schema; redeliver accepts it).
    failed,
    /// Given up on: a permanent failure, or retries exhausted.
    dead,
};

/// The number of `delivery_status` values.
inline constexpr std::size_t delivery_status_count = 5;

/// The status as stored in the `status` column: `pending`, `in_flight`, `success`, `failed`, `dead`.
[[nodiscard]] constexpr std::string_view to_string(delivery_status s) noexcept {
    constexpr std::array<std::string_view, delivery_status_count> names{"pending", "in_flight", "success",
                                                                        "failed", "dead"};
    return names[static_cast<std::size_t>(s)];
}

/// Parses a stored status; `std::nullopt` for anything else.
[[nodiscard]] constexpr std::optional<delivery_status> parse_delivery_status(std::string_view s) noexcept {
    for (std::size_t i = 0; i < delivery_status_count; ++i)
        if (to_string(static_cast<delivery_status>(i)) == s)
            return static_cast<delivery_status>(i);
    return std::nullopt;
}

/// True for `success`, `failed` and `dead`: the statuses `redeliver` accepts.
[[nodiscard]] constexpr bool is_terminal(delivery_status s) noexcept {
    return s == delivery_status::success || s == delivery_status::failed || s == delivery_status::dead;
}

/// One custom request header.
struct header {
    std::string name{};
    std::string value{};
    friend bool operator==(const header&, const header&) = default;
};

/// What `basic_outbox::enqueue` takes. Required: `webhook_id`, `event_id`, `event_type`, `url`.
struct enqueue_request {
    /// The subscription this delivery belongs to: the dedup and partition key. 1 to 64 bytes.
    std::string webhook_id{};
    /// The origin event. `(event_id, webhook_id)` is unique: enqueueing it again returns the first
    /// row's id. 1 to 128 bytes.
    std::string event_id{};
    /// For example `order.created`. 1 to 128 bytes.
    std::string event_type{};
    /// Absolute `http://` or `https://` URL, at most 2048 bytes. Copied into the row: later changes
    /// to the subscription do not rewrite it.
    std::string url{};
    /// An HTTP method token, at most 10 bytes; empty means `POST`.
    std::string method = "POST";
    /// Custom headers, sent after hookbox's own (they may override them, but not the framing headers).
    std::vector<header> headers{};
    /// Signing secret, at most 256 bytes; empty means unsigned. Never shown by `get` or `list`.
    std::string secret{};
    /// Per-request timeout; unset means the sender's default (15 s).
    std::optional<std::chrono::milliseconds> timeout{};
    /// The body. Default: the JSON `null`.
    hookbox::payload payload{};
    /// The W3C Trace Context `traceparent` of the trace this delivery belongs to (the span that
    /// enqueued it), for example `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`; unset
    /// means untraced. Checked by `validate_traceparent`. Each attempt then sends a `traceparent`
    /// header of the same trace, with a new span id of its own and these flags.
    std::optional<std::string> traceparent{};
};

/// A stored delivery, as `claim`, `get` and `list` return it.
struct delivery {
    /// Random UUID v4; the receiver's idempotency key.
    delivery_id id{};
    std::string webhook_id{};
    std::string event_id{};
    std::string event_type{};
    std::string url{};
    std::string method{};
    std::vector<header> headers{};
    /// The signing secret: set in what `claim` returns (the sender needs it), empty in what `get`
    /// and `list` return. `has_secret` tells whether the delivery is signed.
    std::string secret{};
    bool has_secret = false;
    std::optional<std::chrono::milliseconds> timeout{};
    hookbox::payload payload{};
    /// The `traceparent` given to `enqueue`, as it was given; unset for an untraced delivery.
    std::optional<std::string> traceparent{};

    /// The partition, computed at enqueue from `webhook_id` with the outbox's partition count.
    int partition_key = 0;
    delivery_status status = delivery_status::pending;
    /// Completed attempts; incremented by ack, not by claim.
    int attempts = 0;

    /// The claiming node while `in_flight`.
    std::optional<std::string> claimed_by{};
    std::optional<timestamp> claimed_at{};
    /// The fencing token of the current claim; 0 when not `in_flight`. `ack` must present it.
    std::uint64_t claim_token = 0;
    /// Unset means claimable now (when `pending`).
    std::optional<timestamp> next_retry_at{};
    /// When the last attempt was acked.
    std::optional<timestamp> last_attempted_at{};
    /// The HTTP status of the last attempt; unset for transport errors.
    std::optional<int> response_code{};
    /// The last response body, truncated to `outbox_params::response_body_limit` bytes.
    std::optional<std::string> response_body{};
    /// The last error text.
    std::optional<std::string> error{};
    /// How long the last attempt took.
    std::optional<std::chrono::milliseconds> last_duration{};

    /// Position in enqueue order, unique within one storage; claim takes the lowest first, and
    /// `list` pages by it.
    std::uint64_t sequence = 0;
    timestamp created_at{};
    timestamp updated_at{};
};

/// What `enqueue` returns.
struct enqueue_result {
    /// The new row's id, or the existing row's id when `(event_id, webhook_id)` was enqueued before.
    delivery_id id{};
    /// False when the request was a duplicate and nothing was stored.
    bool created = false;
};

/// One partition of a partitioned claim.
struct partition_ref {
    /// In `[0, count)`.
    int index = 0;
    /// Must equal the outbox's `partition_count`.
    int count = 0;
};

/// What `basic_outbox::claim` takes.
struct claim_options {
    /// The claiming node, recorded in `claimed_by`. 1 to 128 bytes.
    std::string node_id{};
    /// At most this many rows, 1 to 10000.
    std::size_t limit = 32;
    /// Visibility timeout: a claim older than this is reaped back to `pending` by the next claim,
    /// and its ack then fails with `errc::claim_lost`. Must exceed the longest request.
    std::chrono::milliseconds claim_ttl{60000};
    /// Only rows of this partition; unset claims from every partition (single-node mode).
    std::optional<partition_ref> partition{};
};

/// How an attempt ended.
enum class attempt_outcome : unsigned char {
    /// Delivered (2xx): the row becomes `success`.
    success,
    /// Failed, to be tried again at `next_retry_at`: the row becomes `pending`.
    retry,
    /// Failed for good: the row becomes `dead`.
    dead,
};

/// What `basic_outbox::ack` takes: the result of one attempt.
struct attempt_result {
    attempt_outcome outcome = attempt_outcome::success;
    /// The response status; unset for transport errors. 100 to 599.
    std::optional<int> http_status{};
    /// The response body; stored truncated, and empty is stored as absent.
    std::string response_body{};
    /// Error text, for failures; empty is stored as absent.
    std::string error{};
    /// How long the attempt took (not negative).
    std::chrono::milliseconds duration{0};
    /// For `retry`: when the row becomes claimable again; unset means at once.
    std::optional<timestamp> next_retry_at{};
    /// The `traceparent` header the attempt sent (a span of the delivery's trace), recorded in the
    /// attempt history; unset when it sent none. Checked by `validate_traceparent`.
    std::optional<std::string> traceparent{};
};

/// One entry of `basic_outbox::ack_many`: which claim, and the outcome of its attempt.
struct ack_entry {
    delivery_id id{};
    /// The row's `sequence` as `claim` returned it (lets the storage find the row without a lookup by
    /// id), or 0.
    std::uint64_t sequence = 0;
    std::uint64_t claim_token = 0;
    attempt_result result{};

    /// The entry for a delivery that `claim` returned.
    static ack_entry for_claimed(const delivery& d, attempt_result r) {
        return ack_entry{d.id, d.sequence, d.claim_token, std::move(r)};
    }
};

/// What `basic_outbox::list` takes: filters and a page.
struct list_options {
    /// Only rows in this status.
    std::optional<delivery_status> status{};
    /// Only rows of this webhook.
    std::optional<std::string> webhook_id{};
    /// Only rows of this event (exact match; 1 to 128 bytes of UTF-8, as `enqueue_request::event_id`):
    /// the deliveries of one event, one per webhook it was sent to.
    std::optional<std::string> event_id{};
    /// Only rows with `created_at >= created_from`.
    std::optional<timestamp> created_from{};
    /// Only rows with `created_at < created_before`; must be later than `created_from` when both are set.
    std::optional<timestamp> created_before{};
    /// Only rows after this sequence number: `list_page::next_cursor` of the previous page.
    std::optional<std::uint64_t> after_sequence{};
    /// At most this many rows, 1 to 10000.
    std::size_t limit = 100;
};

/// One page of `list`, in sequence order.
struct list_page {
    std::vector<delivery> items{};
    /// Set when more rows may follow: pass it as `list_options::after_sequence`.
    std::optional<std::uint64_t> next_cursor{};
};

/// Selects deliveries for `replay` and `purge`. Every field that is set must match; a filter with
/// no field set matches every row.
struct delivery_filter {
    /// Only rows in this status (`replay` takes only `success`, `failed` or `dead`).
    std::optional<delivery_status> status{};
    /// Only rows of this webhook. 1 to 64 bytes.
    std::optional<std::string> webhook_id{};
    /// Only rows with `created_at >= created_from`.
    std::optional<timestamp> created_from{};
    /// Only rows with `created_at < created_before`; must be later than `created_from` when both are set.
    std::optional<timestamp> created_before{};
    /// Only rows with `updated_at < updated_before` (strictly: a row updated at exactly this time is
    /// not selected, which is what retention needs).
    std::optional<timestamp> updated_before{};
};

/// One attempt at a delivery, as recorded by `ack`.
struct attempt_record {
    /// 1 for the first attempt after enqueue; keeps counting across redeliveries and replays
    /// (one more than the highest number recorded before).
    int number = 0;
    /// When the attempt was acked.
    timestamp at{};
    /// What the ack made of the row: `success`, `pending` (to be retried) or `dead`.
    delivery_status outcome{};
    /// The response status; unset for transport errors.
    std::optional<int> response_code{};
    /// How long the attempt took.
    std::chrono::milliseconds duration{0};
    /// The error text of a failed attempt.
    std::optional<std::string> error{};
    /// The `traceparent` header the attempt sent: its span id names the attempt's span in the
    /// delivery's trace. Unset when it sent none.
    std::optional<std::string> traceparent{};
};

/// Failing deliveries of one webhook, as `failures` returns them.
struct webhook_failures {
    std::string webhook_id{};
    /// Rows in status `dead`.
    std::size_t dead = 0;
    /// `pending` rows with `attempts > 0`: failed at least once and waiting for a retry.
    std::size_t retrying = 0;
    /// The `error` of the failing row updated last (unset when that row has none).
    std::optional<std::string> last_error{};
    /// The `updated_at` of the failing row updated last.
    std::optional<timestamp> last_failed_at{};
};

/// What `stats` returns.
struct outbox_stats {
    /// Rows per status, indexed by `delivery_status`.
    std::array<std::size_t, delivery_status_count> by_status{};
    /// Age of the oldest `pending` row (by enqueue order); unset when none is pending.
    std::optional<std::chrono::milliseconds> oldest_pending_age{};

    std::size_t count(delivery_status s) const noexcept { return by_status[static_cast<std::size_t>(s)]; }

    std::size_t total() const noexcept {
        std::size_t n = 0;
        for (auto c : by_status)
            n += c;
        return n;
    }
};

/// One partition's queue, as `partition_stats` returns it.
struct partition_depth {
    int partition = 0;
    /// Rows in status `pending` (claimable now, or waiting for their retry time).
    std::size_t pending = 0;
    /// Age of the partition's oldest `pending` row (by enqueue order); unset when none is pending.
    std::optional<std::chrono::milliseconds> oldest_pending_age{};
};

}  // namespace hookbox

#endif  // HOOKBOX_DELIVERY_HPP
