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

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>

#include <array>
#include <string>
#include <string_view>

namespace hookbox {

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
    "claim_token",   "duration_ms"};

/// The payload table of the delivery table named `table`: `<table>_payload` (version 5).
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
inline constexpr std::array<std::string_view, 7> attempt_columns{
    "seq", "delivery_id", "attempted_at", "outcome", "response_code", "duration_ms", "error"};

/// The longest name the plan derives from the table name adds this many characters to it (index
/// `<table>_attempt_delivery`); names are limited to 63 characters.
inline constexpr std::size_t delivery_schema_suffix = 17;

/// The schema plan of the delivery table named `table`. The plan is named `hookbox.<table>`.
inline engine::schema_plan delivery_schema(std::string_view table = "sys_webhook_delivery") {
    using engine::column_def;
    using engine::column_type;
    using engine::index_def;
    const std::string t(table);
    // Every field named, so that -Wmissing-field-initializers stays quiet in users' builds.
    auto column = [](const char* n, column_type type, bool nullable, engine::value def = {}) {
        column_def c;
        c.name = n;
        c.type = type;
        c.nullable = nullable;
        c.default_value = std::move(def);
        return c;
    };
    auto text = [&](const char* n, bool nullable = true) { return column(n, column_type::text, nullable); };
    auto integer = [&](const char* n, bool nullable = true) { return column(n, column_type::integer, nullable); };
    column_def seq = column("seq", column_type::integer, false);
    seq.auto_increment = true;

    engine::table_def v1;
    v1.name = t;
    v1.primary_key = "seq";
    v1.columns = {
        seq,
        text("id", false),
        text("webhook_id", false),
        text("event_id", false),
        text("event_type", false),
        text("url", false),
        text("method"),
        column("headers_json", column_type::json, true),
        text("secret"),
        integer("timeout_ms"),
        column("payload_json", column_type::json, false),
        integer("partition_key", false),
        column("status", column_type::text, false, engine::value("pending")),
        column("attempts", column_type::integer, false, engine::value(0)),
        text("claimed_by"),
        integer("claimed_at"),
        integer("next_retry_at"),
        integer("last_attempted_at"),
        integer("response_code"),
        text("response_body"),
        text("error"),
        integer("created_at", false),
        integer("updated_at", false),
    };
    v1.indexes = {
        index_def{t + "_id", {"id"}, true},
        index_def{t + "_dedup", {"event_id", "webhook_id"}, true},
        index_def{t + "_claim", {"status", "partition_key", "next_retry_at"}, false},
        index_def{t + "_reap", {"status", "claimed_at"}, false},
        index_def{t + "_webhook", {"webhook_id"}, false},
    };

    engine::schema_plan plan;
    plan.name = "hookbox." + t;
    plan.migrations.push_back(engine::migration{1, "the ObjectStack delivery table, ordered by seq", {engine::create_table{v1}}});
    plan.migrations.push_back(engine::migration{
        2,
        "claim tokens, attempt durations, raw payloads; ordered claim indexes",
        {
            engine::add_column{t, column("claim_token", column_type::integer, false, engine::value(0))},
            engine::add_column{t, integer("duration_ms")},
            engine::add_column{t, text("payload_raw")},
            engine::drop_index{t, t + "_claim"},
            engine::create_index{t, index_def{t + "_claim_seq", {"status", "seq"}, false}},
            engine::create_index{t, index_def{t + "_claim_partition", {"status", "partition_key", "seq"}, false}},
        }});

    const std::string at = attempt_table(t);
    engine::table_def attempts;
    attempts.name = at;
    attempts.primary_key = "seq";
    attempts.columns = {
        seq,
        text("delivery_id", false),
        integer("attempted_at", false),
        text("outcome", false),
        integer("response_code"),
        column("duration_ms", column_type::integer, false, engine::value(0)),
        text("error"),
    };
    attempts.indexes = {index_def{at + "_delivery", {"delivery_id"}, false}};
    plan.migrations.push_back(engine::migration{3, "attempt history", {engine::create_table{attempts}}});
    plan.migrations.push_back(engine::migration{
        4,
        "attempt history indexed by the delivery's sequence",
        {
            engine::add_column{at, integer("delivery_seq")},
            engine::create_index{at, index_def{at + "_dseq", {"delivery_seq"}, false}},
            engine::drop_index{at, at + "_delivery"},
        }});

    const std::string pt = payload_table(t);
    engine::table_def payloads;
    payloads.name = pt;
    payloads.primary_key = "seq";
    payloads.columns = {
        integer("seq", false),
        column("payload_json", column_type::json, false),
        text("payload_raw"),
    };
    auto partial = [](std::string name, std::vector<std::string> columns, engine::filter where) {
        index_def ix{std::move(name), std::move(columns), false};
        ix.where = std::move(where);
        return ix;
    };
    using engine::col;
    plan.migrations.push_back(engine::migration{
        5,
        "payloads in a table of their own; partial status indexes",
        {
            engine::create_table{payloads},
            engine::copy_rows{t, pt, {"seq", "payload_json", "payload_raw"}},
            engine::drop_column{t, "payload_json"},
            engine::drop_column{t, "payload_raw"},
            engine::drop_index{t, t + "_claim_seq"},
            engine::drop_index{t, t + "_claim_partition"},
            engine::drop_index{t, t + "_reap"},
            engine::create_index{t, partial(t + "_claim_seq", {"seq"}, col("status") == "pending")},
            engine::create_index{
                t, partial(t + "_claim_partition", {"partition_key", "seq"}, col("status") == "pending")},
            engine::create_index{t, partial(t + "_reap", {"claimed_at"}, col("status") == "in_flight")},
            engine::create_index{t, partial(t + "_failed", {"status", "seq"},
                                            col("status") == "failed" || col("status") == "dead")},
        }});
    return plan;
}

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_DELIVERY_SCHEMA_HPP
