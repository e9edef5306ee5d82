//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_STATE_SCHEMA_HPP
#define HOOKBOX_STATE_STATE_SCHEMA_HPP

/// \file
/// `state_schema`: the versioned plan of the plugin state table.

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>

#include <string>
#include <string_view>

namespace hookbox {

/// The schema plan of the state table named `table`, named `hookbox.<table>`.
///
/// Version 1: `id` (integer, auto-increment primary key), `plugin_id`, `scope_kind` (the kind's
/// name), `scope_id` (empty for instance scope, never null), `namespace` (default `'default'`),
/// `state_key` (text, not null), `value_json` (json, not null), `version` (integer, not null,
/// default 1), `updated_at` (integer, milliseconds since the epoch, not null); unique index
/// `<table>_unique_entry_idx` on (plugin_id, scope_kind, scope_id, namespace, state_key) and index
/// `<table>_plugin_scope_idx` on (plugin_id, scope_kind).
inline engine::schema_plan state_schema(std::string_view table = "plugin_state") {
    using engine::column_def;
    using engine::column_type;
    using engine::index_def;
    const std::string t(table);
    auto column = [](const char* n, column_type type, engine::value def = {}) {
        column_def c;
        c.name = n;
        c.type = type;
        c.nullable = false;
        c.default_value = std::move(def);
        return c;
    };
    column_def id = column("id", column_type::integer);
    id.auto_increment = true;

    engine::table_def v1;
    v1.name = t;
    v1.primary_key = "id";
    v1.columns = {
        id,
        column("plugin_id", column_type::text),
        column("scope_kind", column_type::text),
        // Never null: the empty string stands for "no scope id", so that the unique index treats
        // instance-scope keys as equal on every engine (NULLS NOT DISTINCT without engine support).
        column("scope_id", column_type::text, engine::value("")),
        column("namespace", column_type::text, engine::value("default")),
        column("state_key", column_type::text),
        column("value_json", column_type::json),
        column("version", column_type::integer, engine::value(1)),
        column("updated_at", column_type::integer),
    };
    v1.indexes = {
        index_def{t + "_unique_entry_idx",
                  {"plugin_id", "scope_kind", "scope_id", "namespace", "state_key"},
                  true,
                  engine::filter::all()},
        index_def{t + "_plugin_scope_idx", {"plugin_id", "scope_kind"}, false, engine::filter::all()},
    };

    engine::schema_plan plan;
    plan.name = "hookbox." + t;
    plan.migrations.push_back(
        engine::migration{1, "scoped plugin state with versions", {engine::create_table{v1}}});
    return plan;
}

}  // namespace hookbox

#endif  // HOOKBOX_STATE_STATE_SCHEMA_HPP
