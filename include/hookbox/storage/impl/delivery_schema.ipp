//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_DELIVERY_SCHEMA_IPP
#define HOOKBOX_STORAGE_IMPL_DELIVERY_SCHEMA_IPP

#include <hookbox/storage/delivery_schema.hpp>

namespace hookbox {

engine::schema_plan delivery_schema(std::string_view table) {
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
    // Every field named, so that -Wmissing-field-initializers stays quiet.
    auto index = [](std::string name, std::vector<std::string> columns, bool unique) {
        index_def ix;
        ix.name = std::move(name);
        ix.columns = std::move(columns);
        ix.unique = unique;
        return ix;
    };
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
        index(t + "_id", {"id"}, true),
        index(t + "_dedup", {"event_id", "webhook_id"}, true),
        index(t + "_claim", {"status", "partition_key", "next_retry_at"}, false),
        index(t + "_reap", {"status", "claimed_at"}, false),
        index(t + "_webhook", {"webhook_id"}, false),
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
            engine::create_index{t, index(t + "_claim_seq", {"status", "seq"}, false)},
            engine::create_index{t, index(t + "_claim_partition", {"status", "partition_key", "seq"}, false)},
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
    attempts.indexes = {index(at + "_delivery", {"delivery_id"}, false)};
    plan.migrations.push_back(engine::migration{3, "attempt history", {engine::create_table{attempts}}});
    plan.migrations.push_back(engine::migration{
        4,
        "attempt history indexed by the delivery's sequence",
        {
            engine::add_column{at, integer("delivery_seq")},
            engine::create_index{at, index(at + "_dseq", {"delivery_seq"}, false)},
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
    auto partial = [&](std::string name, std::vector<std::string> columns, engine::filter where) {
        index_def ix = index(std::move(name), std::move(columns), false);
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
    plan.migrations.push_back(engine::migration{
        6,
        "trace context: the traceparent of a delivery and of each attempt",
        {
            engine::add_column{t, text("traceparent")},
            engine::add_column{at, text("traceparent")},
        }});
    return plan;
}

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_IMPL_DELIVERY_SCHEMA_IPP
