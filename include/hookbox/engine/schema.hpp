//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SCHEMA_HPP
#define HOOKBOX_ENGINE_SCHEMA_HPP

/// \file
/// Schema declarations for data engines: tables, columns and indexes, and the versioned migrations
/// that create and change them.

#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <set>
#include <string>
#include <variant>
#include <vector>

namespace hookbox::engine {

struct column_def {
    std::string name;
    column_type type = column_type::text;
    bool nullable = true;
    /// An integer primary key that the engine fills on insert when no value is given: strictly
    /// increasing, never reused, starting at 1. At most one per table, and it must be the primary key.
    bool auto_increment = false;
    /// The value an insert stores when it names no value for the column; null means none.
    engine::value default_value;
};

struct index_def {
    /// Unique in the whole database, not just in its table (SQLite's rule): prefix it with the table.
    std::string name;
    std::vector<std::string> columns;
    bool unique = false;
};

struct table_def {
    std::string name;
    std::vector<column_def> columns;
    /// One column, unique and not null.
    std::string primary_key;
    std::vector<index_def> indexes;

    const column_def* column(std::string_view n) const noexcept {
        for (const auto& c : columns)
            if (c.name == n)
                return &c;
        return nullptr;
    }
};

/// Migration steps.
struct create_table {
    table_def table;
};
/// The new column must be nullable or have a default; existing rows take the default.
struct add_column {
    std::string table;
    column_def column;
};
struct create_index {
    std::string table;
    index_def index;
};
struct drop_index {
    std::string table;
    std::string name;
};
using schema_step = std::variant<create_table, add_column, create_index, drop_index>;

/// One version of a schema: the steps that lead to it from the version before.
struct migration {
    int version = 0;
    std::string description;
    std::vector<schema_step> steps;
};

/// The versioned schema of one component (`hookbox.delivery`, ...). Versions run 1, 2, ... n.
/// An engine records the version each component is at, and `migrate` applies the missing ones in
/// order, each in one transaction together with its version bump.
struct schema_plan {
    std::string name;
    std::vector<migration> migrations;

    int latest() const noexcept { return migrations.empty() ? 0 : migrations.back().version; }
};

namespace detail {

inline bool schema_fail(error_code& ec, diagnostics& diag, std::string field, std::string message) {
    ec = make_error_code(errc::schema_error);
    diag.assign(std::move(field), std::move(message));
    return false;
}

inline bool is_identifier(std::string_view s) noexcept {
    if (s.empty() || s.size() > 63)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

/// Checks a table definition on its own: identifiers, one primary key, indexes over known columns.
inline bool check_table(const table_def& t, error_code& ec, diagnostics& diag) {
    if (!is_identifier(t.name))
        return schema_fail(ec, diag, "table", "table name '" + t.name +
                                                   "' must be 1-63 letters, digits or underscores, not starting with a digit");
    if (t.columns.empty())
        return schema_fail(ec, diag, "columns", "table '" + t.name + "' must have at least one column");
    std::set<std::string_view> names;
    int autos = 0;
    for (const auto& c : t.columns) {
        if (!is_identifier(c.name))
            return schema_fail(ec, diag, "columns", "table '" + t.name + "': column name '" + c.name +
                                                        "' must be 1-63 letters, digits or underscores");
        if (!names.insert(c.name).second)
            return schema_fail(ec, diag, "columns", "table '" + t.name + "': column '" + c.name + "' is declared twice");
        if (c.auto_increment) {
            ++autos;
            if (!c.default_value.is_null())
                return schema_fail(ec, diag, "columns", "table '" + t.name + "': auto_increment column '" + c.name +
                                                            "' cannot have a default");
            if (c.type != column_type::integer || c.name != t.primary_key)
                return schema_fail(ec, diag, "columns", "table '" + t.name + "': auto_increment column '" + c.name +
                                                            "' must be the integer primary key");
        }
    }
    if (autos > 1)
        return schema_fail(ec, diag, "columns", "table '" + t.name + "' has more than one auto_increment column");
    if (!t.column(t.primary_key))
        return schema_fail(ec, diag, "primary_key", "table '" + t.name + "': primary key '" + t.primary_key +
                                                        "' is not one of its columns");
    for (const auto& ix : t.indexes) {
        if (!is_identifier(ix.name) || ix.columns.empty())
            return schema_fail(ec, diag, "indexes", "table '" + t.name + "': index '" + ix.name +
                                                        "' needs a valid name and at least one column");
        for (const auto& c : ix.columns)
            if (!t.column(c))
                return schema_fail(ec, diag, "indexes", "table '" + t.name + "': index '" + ix.name +
                                                            "' names unknown column '" + c + "'");
    }
    return true;
}

/// Checks a plan: a dotted name of identifiers, versions 1, 2, ... n, and index names unique across
/// the plan (they share one namespace per database).
inline bool check_plan(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    bool name_ok = !plan.name.empty() && plan.name.size() <= 127;
    for (std::size_t start = 0; name_ok && start <= plan.name.size();) {
        std::size_t dot = plan.name.find('.', start);
        std::size_t end = dot == std::string::npos ? plan.name.size() : dot;
        name_ok = is_identifier(std::string_view(plan.name).substr(start, end - start));
        if (dot == std::string::npos)
            break;
        start = dot + 1;
    }
    if (!name_ok)
        return schema_fail(ec, diag, "name", "schema plan name '" + plan.name +
                                                 "' must be identifiers separated by dots, at most 127 characters");
    std::set<std::string> indexes;
    auto add_index = [&](const std::string& name) {
        if (indexes.insert(name).second)
            return true;
        return schema_fail(ec, diag, "migrations", "schema plan '" + plan.name + "': index '" + name +
                                                       "' is created twice (index names are database-wide)");
    };
    for (std::size_t i = 0; i < plan.migrations.size(); ++i) {
        const auto& m = plan.migrations[i];
        if (m.version != static_cast<int>(i + 1))
            return schema_fail(ec, diag, "migrations", "schema plan '" + plan.name + "': migration " +
                                                           std::to_string(i) + " has version " +
                                                           std::to_string(m.version) + ", expected " +
                                                           std::to_string(i + 1));
        for (const auto& step : m.steps) {
            if (auto* ct = std::get_if<create_table>(&step)) {
                for (const auto& ix : ct->table.indexes)
                    if (!add_index(ix.name))
                        return false;
            } else if (auto* ci = std::get_if<create_index>(&step)) {
                if (!add_index(ci->index.name))
                    return false;
            } else if (auto* di = std::get_if<drop_index>(&step)) {
                indexes.erase(di->name);
            }
        }
    }
    return true;
}

inline void fail_too_new(error_code& ec, diagnostics& diag, const schema_plan& plan, int stored) {
    ec = make_error_code(errc::schema_too_new);
    diag.assign("version", "schema '" + plan.name + "' is at version " + std::to_string(stored) +
                               " in the database, but this program knows versions up to " +
                               std::to_string(plan.latest()));
}

}  // namespace detail

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_SCHEMA_HPP
