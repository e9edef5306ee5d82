//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_DETAIL_SQL_TEXT_DML_HPP
#define HOOKBOX_ENGINE_DETAIL_SQL_TEXT_DML_HPP

// The SQL the SQLite engine writes for its data statements (WHERE, INSERT), checked against the
// catalog first, so that a statement SQLite would accept with another meaning (a misspelt column,
// a null comparison, a value of the wrong type) fails with a clear error instead.

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/detail/sql_text/catalog.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sql_text {

inline bool schema_err(error_code& ec, diagnostics& diag, std::string_view t, std::string_view c, std::string message) {
    std::string field(t);
    if (!c.empty()) {
        field += '.';
        field += c;
    }
    hookbox::detail::fail(ec, diag, errc::schema_error, std::move(field), std::move(message));
    return false;
}

inline std::string qualified(std::string_view t, std::string_view c) {
    std::string s = "'";
    s += t;
    s += '.';
    s += c;
    s += '\'';
    return s;
}

inline const column_info* find_column(const table_info& ti, std::string_view t, std::string_view c, bool& unknown,
                                      error_code& ec, diagnostics& diag) {
    if (const column_info* ci = ti.column(c))
        return ci;
    unknown = true;
    schema_err(ec, diag, t, c, "table '" + std::string(t) + "' has no column '" + std::string(c) + "'");
    return nullptr;
}

// Checks that column `c` may hold `v` (a value to store when `store`, else an operand).
inline bool check_value(const column_info& c, std::string_view t, const value& v, bool store, error_code& ec,
                        diagnostics& diag) {
    if (v.is_null()) {
        if (!store)
            return schema_err(ec, diag, t, c.name, "a comparison of " + qualified(t, c.name) +
                                                       " with null matches nothing; use is_null or is_not_null");
        if (c.not_null && !c.auto_increment)
            return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " is NOT NULL; it cannot hold null");
        return true;
    }
    if (!engine::detail::type_accepts(c.type, v.type()))
        return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " is " + std::string(to_string(c.type)) +
                                                   " and cannot " + (store ? "hold" : "be compared with") + " a " +
                                                   std::string(to_string(v.type())) + " value");
    if (v.type() == value::kind::real && std::isnan(v.as_real()))  // SQLite would store NULL
        return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " cannot " +
                                                   (store ? "hold" : "be compared with") + " NaN");
    return true;
}

// Writes the SQL condition of `f`, validating it against the table.
inline bool condition_sql(const table_info& ti, std::string_view t, const filter& f, std::string& sql,
                          std::vector<const value*>& binds, bool& unknown, error_code& ec, diagnostics& diag,
                          sql_dialect d = sql_dialect::sqlite) {
    switch (f.type) {
    case filter::kind::all: sql += truth(true, d); return true;
    case filter::kind::compare:
    case filter::kind::in: {
        const column_info* c = find_column(ti, t, f.column, unknown, ec, diag);
        if (!c)
            return false;
        if (c->type == column_type::json)
            return schema_err(ec, diag, t, c->name, "json column " + qualified(t, c->name) +
                                                        " can only be tested with is_null or is_not_null");
        if (f.type == filter::kind::compare) {
            if (!check_value(*c, t, f.operand, false, ec, diag))
                return false;
            quote_ident(sql, c->name);
            sql += ' ';
            sql += to_string(f.op);
            sql += ' ';
            append_param(sql, binds, &f.operand, d);
            return true;
        }
        if (f.values.empty()) {
            sql += truth(false, d);
            return true;
        }
        for (const auto& v : f.values)
            if (!check_value(*c, t, v, false, ec, diag))
                return false;
        quote_ident(sql, c->name);
        sql += " IN (";
        for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i)
                sql += ", ";
            append_param(sql, binds, &f.values[i], d);
        }
        sql += ')';
        return true;
    }
    case filter::kind::is_null:
    case filter::kind::is_not_null: {
        const column_info* c = find_column(ti, t, f.column, unknown, ec, diag);
        if (!c)
            return false;
        quote_ident(sql, c->name);
        sql += f.type == filter::kind::is_null ? " IS NULL" : " IS NOT NULL";
        return true;
    }
    case filter::kind::and_:
    case filter::kind::or_: {
        bool conj = f.type == filter::kind::and_;
        if (f.children.empty()) {
            sql += truth(conj, d);
            return true;
        }
        sql += '(';
        for (std::size_t i = 0; i < f.children.size(); ++i) {
            if (i)
                sql += conj ? " AND " : " OR ";
            if (!condition_sql(ti, t, f.children[i], sql, binds, unknown, ec, diag, d))
                return false;
        }
        sql += ')';
        return true;
    }
    }
    return schema_err(ec, diag, t, {}, "unknown filter kind");
}

inline bool where_sql(const table_info& ti, std::string_view t, const filter& f, std::string& sql,
                      std::vector<const value*>& binds, bool& unknown, error_code& ec, diagnostics& diag,
                      sql_dialect d = sql_dialect::sqlite) {
    if (f.type == filter::kind::all)
        return true;
    sql += " WHERE ";
    return condition_sql(ti, t, f, sql, binds, unknown, ec, diag, d);
}

// Validates a record for insertion: known columns, accepted types, every required column given.
inline bool check_insert(const table_info& ti, std::string_view t, const record& r, bool& unknown, error_code& ec,
                         diagnostics& diag) {
    std::size_t required = 0;
    for (const auto& f : r) {
        const column_info* c = find_column(ti, t, f.name, unknown, ec, diag);
        if (!c || !check_value(*c, t, f.value, true, ec, diag))
            return false;
        required += c->required() ? 1 : 0;
    }
    if (required < ti.required) {
        for (const auto& c : ti.columns)
            if (c.required() && !r.find(c.name))
                return schema_err(ec, diag, t, c.name,
                                  "column " + qualified(t, c.name) +
                                      " is NOT NULL without a default; the record must give it a value");
    }
    return true;
}

inline void insert_sql(std::string_view t, const record& r, std::string& sql, sql_dialect d = sql_dialect::sqlite) {
    sql.assign("INSERT INTO ");
    quote_ident(sql, t);
    if (r.empty()) {
        sql += " DEFAULT VALUES";
        return;
    }
    sql += " (";
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (i)
            sql += ", ";
        quote_ident(sql, r.at(i).name);
    }
    sql += ") VALUES (";
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (i)
            sql += ", ";
        sql += d == sql_dialect::postgresql ? '$' : '?';
        append_number(sql, i + 1);
    }
    sql += ')';
}

inline bool same_columns(const record& a, const record& b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a.at(i).name != b.at(i).name)
            return false;
    return true;
}

}  // namespace hookbox::engine::detail::sql_text

#endif  // HOOKBOX_ENGINE_DETAIL_SQL_TEXT_DML_HPP
