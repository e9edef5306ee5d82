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

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace hookbox::engine {

struct column_def {
    std::string name{};
    column_type type = column_type::text;
    bool nullable = true;
    /// An integer primary key that the engine fills on insert when no value is given: strictly
    /// increasing, never reused, starting at 1. At most one per table, and it must be the primary key.
    bool auto_increment = false;
    /// The value an insert stores when it names no value for the column; null means none.
    engine::value default_value{};
};

struct index_def {
    /// Unique in the whole database, not just in its table (SQLite's rule): prefix it with the table.
    std::string name{};
    std::vector<std::string> columns{};
    bool unique = false;
    /// Makes the index partial: only the rows for which `where` holds are in it, and a unique
    /// partial index refuses duplicates among those rows only. The default, `filter::all()`, indexes
    /// every row. Operands are constants of the column's type (no null, no NaN, no NUL byte in
    /// text); a json column can only be tested with `is_null` or `is_not_null`. An engine may use
    /// a partial index for a statement whose filter implies `where` (see each engine); which rows a
    /// statement matches never depends on it.
    filter where{};

    bool partial() const noexcept { return where.type != filter::kind::all; }
};

struct table_def {
    std::string name{};
    std::vector<column_def> columns{};
    /// One column, unique and not null.
    std::string primary_key{};
    std::vector<index_def> indexes{};

    const column_def* column(std::string_view n) const noexcept {
        for (const auto& c : columns)
            if (c.name == n)
                return &c;
        return nullptr;
    }
};

/// Migration steps.
struct create_table {
    table_def table{};
};
/// The new column must be nullable or have a default; existing rows take the default.
struct add_column {
    std::string table{};
    column_def column{};
};
struct create_index {
    std::string table{};
    index_def index{};
};
struct drop_index {
    std::string table{};
    std::string name{};
};
/// Removes a column and every value in it. The column must not be the primary key, the table's only
/// column, nor named by an index (in its columns or its `where`): drop such an index first.
struct drop_column {
    std::string table{};
    std::string column{};
};
/// Inserts into table `to` one row per row of table `from`, with the values of `columns` (each a
/// column of both tables, by name; `from`'s type must be one `to`'s column accepts); the other
/// columns of `to` take their defaults, so each must be nullable, have a default, or be
/// `to`'s auto-increment key. A row that would repeat a key of a unique index of `to` fails the
/// migration with `errc::unique_violation`. For moving data within a migration, before a
/// `drop_column`.
struct copy_rows {
    std::string from{};
    std::string to{};
    std::vector<std::string> columns{};
};
using schema_step = std::variant<create_table, add_column, create_index, drop_index, drop_column, copy_rows>;

/// One version of a schema: the steps that lead to it from the version before.
struct migration {
    int version = 0;
    std::string description{};
    std::vector<schema_step> steps{};
};

/// The versioned schema of one component (`hookbox.delivery`, ...). Versions run 1, 2, ... n.
/// An engine records the version each component is at, and `migrate` applies the missing ones in
/// order, each in one transaction together with its version bump.
struct schema_plan {
    std::string name{};
    std::vector<migration> migrations{};

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

// The kind of value a column of type `t` holds (besides null).
constexpr value::kind kind_of(column_type t) noexcept {
    switch (t) {
    case column_type::integer: return value::kind::integer;
    case column_type::real: return value::kind::real;
    case column_type::text: return value::kind::text;
    case column_type::json: return value::kind::json;
    }
    return value::kind::null;
}

// The data_engine typing rule: may a column of type `c` hold (or be compared with) a value of kind `k`?
inline bool type_accepts(column_type c, value::kind k) noexcept {
    switch (k) {
    case value::kind::null: return true;
    case value::kind::integer: return c == column_type::integer || c == column_type::real;
    case value::kind::real: return c == column_type::real;
    case value::kind::text: return c == column_type::text || c == column_type::json;
    case value::kind::json: return c == column_type::json;
    }
    return false;
}

// Checks the `where` of an index over table `table`: every column it names is found by
// `type_of(name)` (which returns the column's type, or nothing for an unknown column), and every
// operand is a constant the column can be compared with. Both engines check predicates here, so
// that they refuse the same ones with the same words.
template <class TypeOf>
bool check_index_where(std::string_view table, const index_def& ix, TypeOf&& type_of, error_code& ec,
                       diagnostics& diag) {
    auto fail = [&](const std::string& why) {
        return schema_fail(ec, diag, "where",
                           "table '" + std::string(table) + "': index '" + ix.name + "': where: " + why);
    };
    auto operand = [&](const std::string& column, column_type type, const value& v) {
        if (v.is_null())
            return fail("column '" + column + "' is compared with null, which matches nothing; use is_null");
        if (!type_accepts(type, v.type()))
            return fail("column '" + column + "' is " + std::string(to_string(type)) +
                        " and cannot be compared with a " + std::string(to_string(v.type())) + " value");
        if (v.type() == value::kind::real && std::isnan(v.as_real()))
            return fail("column '" + column + "' is compared with NaN");
        if ((v.type() == value::kind::text || v.type() == value::kind::json) &&
            v.as_text().find('\0') != std::string::npos)
            return fail("column '" + column + "' is compared with text that contains a NUL byte");
        return true;
    };
    auto walk = [&](auto& self, const filter& f) -> bool {
        switch (f.type) {
        case filter::kind::all: return true;
        case filter::kind::and_:
        case filter::kind::or_:
            for (const auto& c : f.children)
                if (!self(self, c))
                    return false;
            return true;
        case filter::kind::is_null:
        case filter::kind::is_not_null:
        case filter::kind::compare:
        case filter::kind::in: break;
        }
        std::optional<column_type> type = type_of(std::string_view(f.column));
        if (!type)
            return fail("names unknown column '" + f.column + "'");
        if (f.type == filter::kind::is_null || f.type == filter::kind::is_not_null)
            return true;
        if (*type == column_type::json)
            return fail("json column '" + f.column + "' can only be tested with is_null or is_not_null");
        if (f.type == filter::kind::compare)
            return operand(f.column, *type, f.operand);
        for (const auto& v : f.values)
            if (!operand(f.column, *type, v))
                return false;
        return true;
    };
    return walk(walk, ix.where);
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
        auto type_of = [&](std::string_view c) -> std::optional<column_type> {
            if (const column_def* cd = t.column(c))
                return cd->type;
            return std::nullopt;
        };
        if (!check_index_where(t.name, ix, type_of, ec, diag))
            return false;
    }
    return true;
}

// Does filter `f` name column `c` anywhere?
inline bool filter_names(const filter& f, std::string_view c) noexcept {
    if (f.type == filter::kind::and_ || f.type == filter::kind::or_) {
        for (const auto& ch : f.children)
            if (filter_names(ch, c))
                return true;
        return false;
    }
    return f.type != filter::kind::all && f.column == c;
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
