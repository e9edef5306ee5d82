//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_DDL_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_DDL_HPP

// The DDL the SQLite engine writes for a schema plan's steps (tables, columns, indexes, partial
// indexes with their predicates as constants), checked before SQLite sees it.

#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/sqlite/detail/catalog.hpp>
#include <hookbox/engine/sqlite/detail/dml.hpp>
#include <hookbox/engine/sqlite/detail/text.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <variant>

namespace hookbox::engine::detail::sqlite_impl {

// Writes a value as an SQL constant: numbers as SQLite reads them back exactly (a real always with
// a point or an exponent, infinities as out-of-range literals), text quoted. Its caller has checked
// that the value is not NaN and holds no NUL byte.
inline void append_constant(std::string& out, const value& v) {
    switch (v.type()) {
    case value::kind::null: out += "NULL"; return;
    case value::kind::integer: out += std::to_string(v.as_integer()); return;
    case value::kind::real: {
        double d = v.as_real();
        if (std::isinf(d)) {
            out += d > 0 ? "9e999" : "-9e999";
            return;
        }
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
        out += text;
        if (text.find_first_of(".eE") == std::string_view::npos)
            out += ".0";
        return;
    }
    case value::kind::text:
    case value::kind::json: quote_text(out, v.as_text()); return;
    }
}

// The DEFAULT of a column: checked against the column's type, then written as a constant.
inline bool literal_sql(std::string& out, std::string_view t, const column_def& c, error_code& ec, diagnostics& diag) {
    const value& v = c.default_value;
    if (!engine::detail::type_accepts(c.type, v.type()))
        return schema_err(ec, diag, t, c.name, "the default of column " + qualified(t, c.name) + " is " +
                                                   std::string(to_string(v.type())) + ", but the column is " +
                                                   std::string(to_string(c.type)));
    if (v.type() == value::kind::real && std::isnan(v.as_real()))
        return schema_err(ec, diag, t, c.name, "the default of column " + qualified(t, c.name) + " is NaN");
    if ((v.type() == value::kind::text || v.type() == value::kind::json) &&
        v.as_text().find('\0') != std::string::npos)
        return schema_err(ec, diag, t, c.name, "the default of column " + qualified(t, c.name) + " contains a NUL byte");
    append_constant(out, v);
    return true;
}

// `"name" TYPE [PRIMARY KEY ...] [NOT NULL] [DEFAULT literal]`.
inline bool column_sql(std::string& out, std::string_view t, const column_def& c, bool primary_key, error_code& ec,
                       diagnostics& diag) {
    quote_ident(out, c.name);
    out += ' ';
    out += declared_type(c.type);
    if (c.auto_increment) {
        if (!c.default_value.is_null())
            return schema_err(ec, diag, t, c.name, "auto_increment column " + qualified(t, c.name) + " takes no default");
        out += " PRIMARY KEY AUTOINCREMENT";
        return true;
    }
    if (primary_key)
        out += " PRIMARY KEY NOT NULL";
    else if (!c.nullable)
        out += " NOT NULL";
    if (!c.default_value.is_null()) {
        out += " DEFAULT ";
        if (!literal_sql(out, t, c, ec, diag))
            return false;
    }
    return true;
}

inline bool create_table_sql(const table_def& td, std::string& out, error_code& ec, diagnostics& diag) {
    if (!check_table(td, ec, diag))
        return false;
    out.assign("CREATE TABLE ");
    quote_ident(out, td.name);
    out += " (";
    for (std::size_t i = 0; i < td.columns.size(); ++i) {
        if (i)
            out += ", ";
        if (!column_sql(out, td.name, td.columns[i], td.columns[i].name == td.primary_key, ec, diag))
            return false;
    }
    out += ')';
    return true;
}

// The WHERE of a partial index, with its operands written as constants: SQLite takes no
// parameters there, and uses the index only for statements whose WHERE implies this text.
inline void predicate_sql(std::string& out, const filter& f) {
    switch (f.type) {
    case filter::kind::all: out += '1'; return;
    case filter::kind::compare:
        quote_ident(out, f.column);
        out += ' ';
        out += to_string(f.op);
        out += ' ';
        append_constant(out, f.operand);
        return;
    case filter::kind::in:
        if (f.values.empty()) {
            out += '0';
            return;
        }
        quote_ident(out, f.column);
        out += " IN (";
        for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i)
                out += ", ";
            append_constant(out, f.values[i]);
        }
        out += ')';
        return;
    case filter::kind::is_null:
    case filter::kind::is_not_null:
        quote_ident(out, f.column);
        out += f.type == filter::kind::is_null ? " IS NULL" : " IS NOT NULL";
        return;
    case filter::kind::and_:
    case filter::kind::or_: {
        bool conj = f.type == filter::kind::and_;
        if (f.children.empty()) {
            out += conj ? '1' : '0';
            return;
        }
        out += '(';
        for (std::size_t i = 0; i < f.children.size(); ++i) {
            if (i)
                out += conj ? " AND " : " OR ";
            predicate_sql(out, f.children[i]);
        }
        out += ')';
        return;
    }
    }
}

inline bool index_sql(std::string_view t, const index_def& ix, std::string& out, error_code& ec, diagnostics& diag) {
    if (!is_identifier(t))
        return schema_err(ec, diag, t, {}, "table name '" + std::string(t) + "' is not an identifier");
    if (!is_identifier(ix.name) || ix.columns.empty())
        return schema_err(ec, diag, t, {}, "table '" + std::string(t) + "': index '" + ix.name +
                                               "' needs a valid name and at least one column");
    for (const auto& c : ix.columns)
        if (!is_identifier(c))
            return schema_err(ec, diag, t, c, "table '" + std::string(t) + "': index '" + ix.name +
                                                  "' names an invalid column '" + c + "'");
    out.assign(ix.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    quote_ident(out, ix.name);
    out += " ON ";
    quote_ident(out, t);
    out += " (";
    for (std::size_t i = 0; i < ix.columns.size(); ++i) {
        if (i)
            out += ", ";
        quote_ident(out, ix.columns[i]);
    }
    out += ')';
    if (ix.partial()) {
        out += " WHERE ";
        predicate_sql(out, ix.where);
    }
    return true;
}

inline bool add_column_sql(const add_column& a, std::string& out, error_code& ec, diagnostics& diag) {
    if (!is_identifier(a.table))
        return schema_err(ec, diag, a.table, {}, "table name '" + a.table + "' is not an identifier");
    if (!is_identifier(a.column.name))
        return schema_err(ec, diag, a.table, a.column.name, "table '" + a.table + "': column name '" + a.column.name +
                                                                "' must be 1-63 letters, digits or underscores");
    if (a.column.auto_increment)
        return schema_err(ec, diag, a.table, a.column.name,
                          "column " + qualified(a.table, a.column.name) + " cannot be added as auto_increment");
    if (!a.column.nullable && a.column.default_value.is_null())
        return schema_err(ec, diag, a.table, a.column.name, "added column " + qualified(a.table, a.column.name) +
                                                                " is NOT NULL, so it needs a default for existing rows");
    out.assign("ALTER TABLE ");
    quote_ident(out, a.table);
    out += " ADD COLUMN ";
    return column_sql(out, a.table, a.column, false, ec, diag);
}

// Checks a step without touching the database.
inline bool check_step(const schema_step& step, error_code& ec, diagnostics& diag) {
    std::string scratch;
    if (auto* ct = std::get_if<create_table>(&step))
        return create_table_sql(ct->table, scratch, ec, diag);
    if (auto* ac = std::get_if<add_column>(&step))
        return add_column_sql(*ac, scratch, ec, diag);
    if (auto* ci = std::get_if<create_index>(&step))
        return index_sql(ci->table, ci->index, scratch, ec, diag);
    if (auto* di = std::get_if<drop_index>(&step)) {
        if (!is_identifier(di->table) || !is_identifier(di->name))
            return schema_err(ec, diag, di->table, {}, "drop_index needs a valid table and index name");
        return true;
    }
    if (auto* dc = std::get_if<drop_column>(&step)) {
        if (!is_identifier(dc->table) || !is_identifier(dc->column))
            return schema_err(ec, diag, dc->table, dc->column,
                              "drop_column needs a valid table and column name");
        return true;
    }
    const auto& cr = std::get<copy_rows>(step);
    if (!is_identifier(cr.from) || !is_identifier(cr.to))
        return schema_err(ec, diag, cr.to, {}, "copy_rows needs valid table names");
    for (const auto& c : cr.columns)
        if (!is_identifier(c))
            return schema_err(ec, diag, cr.to, c, "copy_rows from '" + cr.from + "' to '" + cr.to +
                                                      "': column name '" + c + "' is not an identifier");
    return true;
}

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_DDL_HPP
