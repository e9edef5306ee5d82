//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_STATE_STATEMENTS_HPP
#define HOOKBOX_STATE_STATE_STATEMENTS_HPP

/// \file
/// `sql::state_statements`: every SQL statement `basic_sql_state_store` runs on the state table
/// (`state_schema.hpp`), in one dialect, with the order of its parameters. Sans-io: built from a
/// dialect and a table name, and tested as strings.
///
/// An entry is addressed by five parameters, the *key*: `plugin_id`, `scope_kind` (its name),
/// `scope_id` (empty for instance scope: the column is never null, so that one unique index treats
/// instance keys as equal on every engine, as PostgreSQL's NULLS NOT DISTINCT would), `namespace`,
/// `state_key`. Rows come back with the columns of `state_schema` in table order (`id`, `plugin_id`,
/// `scope_kind`, `scope_id`, `namespace`, `state_key`, `value_json`, `version`, `updated_at`).
/// PostgreSQL compares and orders the text columns with `COLLATE "C"`: byte by byte, as SQLite
/// does, whatever the database's collation.

#include <hookbox/detail/config.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/state/state_types.hpp>
#include <hookbox/storage/sql/batch.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace hookbox::sql {

/// The statements of one state table, in one dialect.
struct state_statements {
    /// The dialect the texts are written in.
    engine::sql_dialect dialect = engine::sql_dialect::sqlite;
    /// The state table.
    std::string table{};

    /// The entry at a key. Parameters: the key.
    std::string get{};
    /// Creates the entry at version 1, or replaces its value and increments its version, in one
    /// statement; returns the version. Parameters: the key, `value_json`, `updated_at`.
    std::string upsert{};
    /// Creates the entry at version 1 unless there is one; returns the version, or no row when the
    /// entry exists. Parameters: the key, `value_json`, `updated_at`.
    std::string insert_new{};
    /// Replaces the value and increments the version of the entry at a version; returns the new
    /// version, or no row when the entry is absent or at another version. Parameters: the key,
    /// `value_json`, `updated_at`, the expected version.
    std::string update_at_version{};
    /// The version of the entry at a key. Parameters: the key.
    std::string version_of{};
    /// Removes the entry at a key. Parameters: the key.
    std::string erase{};
    /// Removes every entry of a plugin. Parameters: `plugin_id`.
    std::string erase_all{};

    /// A page of `list`, one entry more than `o.limit` (so that the caller knows whether more
    /// follow): the plugin's entries that match `o`, ordered by (scope kind, scope id, namespace,
    /// key) byte by byte, after `o.after` when set, with a key in the range of `o.key_prefix`.
    /// `o` has passed `validate`.
    HOOKBOX_DECL bound_statement list(std::string_view plugin_id, const state_list_options& o) const;

    /// The statements of the state table `table` (an identifier, checked by the caller) in `dialect`.
    HOOKBOX_DECL static state_statements make(engine::sql_dialect dialect, std::string_view table);
};

}  // namespace hookbox::sql

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/state/impl/state_statements.ipp>
#endif

#endif  // HOOKBOX_STATE_STATE_STATEMENTS_HPP
