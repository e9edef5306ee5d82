//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DELIVERY_SCHEMA_HPP
#define HOOKBOX_STORAGE_DELIVERY_SCHEMA_HPP

/// \file
/// The delivery table (`sys_webhook_delivery` by default) as a versioned schema plan for any data
/// engine.
///
/// Version 1 holds the ObjectStack outbox's columns and indexes (unique `(event_id, webhook_id)`,
/// `(status, partition_key, next_retry_at)`, `(status, claimed_at)`, `(webhook_id)`), with `seq`, an
/// auto-increment primary key that orders the rows, and `id` unique.
///
/// Version 2 adds what hookbox records beyond the ObjectStack outbox: `claim_token` (the fencing
/// token of the current claim, 0 when not claimed), `duration_ms` (how long the last attempt took)
/// and `payload_raw` (the body of a non-JSON payload; `payload_json` is then `null`). It replaces the
/// claim index by `(status, seq)` and `(status, partition_key, seq)`, so that a claim walks the
/// pending rows in order and never touches finished ones.
///
/// Version 3 adds the attempt history: a table `<table>_attempt` (`sys_webhook_delivery_attempt`)
/// with one row per ack (`delivery_id`, `attempted_at`, `outcome`, `response_code`, `duration_ms`,
/// `error`), ordered by its own auto-increment `seq` and indexed by `delivery_id`. Rows of the
/// delivery table are kept as they are; their history starts with their next ack.
///
/// Version 4 indexes the history by `delivery_seq`, the delivery row's `seq`, in place of the
/// random `delivery_id`: acks come in roughly `seq` order, so the index grows at its end instead of
/// touching a random page per ack. `engine_storage` fills `delivery_seq` of the records written
/// under version 3 when it migrates the table.
///
/// Version 5 moves the payload out of the delivery row into a table `<table>_payload`
/// (`sys_webhook_delivery_payload`: `seq`, the delivery row's, as its primary key; `payload_json`
/// and `payload_raw`, as before), written once by enqueue and never again: a claim and an ack
/// rewrite a row of about 300 bytes instead of 1.3 KiB for a 1 KiB payload. The migration copies
/// every row's payload and drops the two columns from the delivery table, in one transaction. The
/// status indexes become partial, so that a row enters and leaves them only while it is in the
/// state they serve: `(seq)` and `(partition_key, seq)` of the `pending` rows (the claims),
/// `(claimed_at)` of the `in_flight` rows (the reap), and `(status, seq)` of the `failed` and `dead`
/// rows (lists, counts, replays and failure reports of those); a row on its way from `pending`
/// through `in_flight` to `success` no longer touches an index for the status it leaves behind.
/// `success` rows are read in `seq` order from the table itself.
///
/// Version 6 adds W3C trace context: a nullable `traceparent` column in the delivery table (the
/// one given to `enqueue`) and in the attempt table (the one each attempt sent). Existing rows and
/// records read back untraced.

#include <hookbox/detail/config.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>

#include <array>
#include <string>
#include <string_view>

namespace hookbox {

/// Where a storage over a data engine (`engine_storage`, `sql_storage`) keeps its deliveries.
struct delivery_table_params {
    /// The delivery table; its attempt and payload tables are named after it. Several outboxes may
    /// share one database under different tables. 1 to 46 letters, digits or underscores, not
    /// starting with a digit.
    std::string table = "sys_webhook_delivery";
    /// Migrate the tables to the latest version on construction. Turn off only when another program
    /// owns the schema.
    bool migrate = true;
};

namespace delivery_column {
// Positions in `delivery_columns`, the order in which engine_storage reads a row; the payload's two
// columns follow them, read from the payload table.
enum : std::size_t {
    seq,
    id,
    webhook_id,
    event_id,
    event_type,
    url,
    method,
    headers_json,
    secret,
    timeout_ms,
    partition_key,
    status,
    attempts,
    claimed_by,
    claimed_at,
    next_retry_at,
    last_attempted_at,
    response_code,
    response_body,
    error,
    created_at,
    updated_at,
    claim_token,
    duration_ms,
    traceparent,
    count_,
    payload_json = count_,
    payload_raw,
    with_payload_
};
}  // namespace delivery_column

/// Every column of the delivery table at the latest version, in `delivery_column` order.
inline constexpr std::array<std::string_view, delivery_column::count_> delivery_columns{
    "seq",           "id",         "webhook_id",    "event_id",          "event_type",    "url",
    "method",        "headers_json", "secret",      "timeout_ms",        "partition_key", "status",
    "attempts",      "claimed_by", "claimed_at",    "next_retry_at",     "last_attempted_at",
    "response_code", "response_body", "error",      "created_at",        "updated_at",
    "claim_token",   "duration_ms", "traceparent"};

/// The payload table of the delivery table named `table`: `<table>_payload` (version 5).
/// The columns an enqueue writes in the delivery table, in the order the storages bind them (its
/// payload goes to the payload table).
inline constexpr std::array<std::string_view, 16> insert_columns{
    "id",        "webhook_id", "event_id", "event_type",    "url",    "method",   "headers_json", "secret",
    "timeout_ms", "partition_key", "status", "attempts", "created_at", "updated_at", "claim_token",
    "traceparent"};

inline std::string payload_table(std::string_view table = "sys_webhook_delivery") {
    return std::string(table) + "_payload";
}

/// Every column of the payload table: the delivery row's `seq`, then the payload.
inline constexpr std::array<std::string_view, 3> payload_columns{"seq", "payload_json", "payload_raw"};

/// The attempt-history table of the delivery table named `table`: `<table>_attempt`.
inline std::string attempt_table(std::string_view table = "sys_webhook_delivery") {
    return std::string(table) + "_attempt";
}

/// Every column of the attempt-history table, in the order engine_storage reads them.
inline constexpr std::array<std::string_view, 8> attempt_columns{
    "seq", "delivery_id", "attempted_at", "outcome", "response_code", "duration_ms", "error", "traceparent"};

/// The longest name the plan derives from the table name adds this many characters to it (index
/// `<table>_attempt_delivery`); names are limited to 63 characters.
inline constexpr std::size_t delivery_schema_suffix = 17;

/// The longest delivery table name: 63 characters less `delivery_schema_suffix`, so that every name
/// the plan derives from it stays within 63 (PostgreSQL's limit, kept on SQLite too).
inline constexpr std::size_t max_delivery_table_name = 63 - delivery_schema_suffix;

/// The schema plan of the delivery table named `table`. The plan is named `hookbox.<table>`.
HOOKBOX_DECL engine::schema_plan delivery_schema(std::string_view table = "sys_webhook_delivery");

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/delivery_schema.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DELIVERY_SCHEMA_HPP
