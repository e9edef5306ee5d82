//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_MIGRATIONS_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_MIGRATIONS_HPP

// Schema plans on SQLite: the stored versions (table hookbox_schema) and the application of each
// migration's steps, with the checks SQLite would make with other words, or not at all.

#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/sqlite/detail/catalog.hpp>
#include <hookbox/engine/sqlite/detail/connection.hpp>
#include <hookbox/engine/detail/sql_text/ddl.hpp>
#include <hookbox/engine/detail/sql_text/dml.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>
#include <hookbox/error.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine::detail::sqlite_impl {

inline std::string op(const migration& m) {
    return "migration " + std::to_string(m.version) + " ('" + m.description + "') on";
}

inline bool table_exists(connection& s, std::string_view name, error_code& ec, diagnostics& diag) {
    stmt_guard g;
    if (!s.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", g, "read the schema of", name,
                   ec, diag))
        return false;
    bind_text(g.get(), 1, name);
    int rc = sqlite3_step(g.get());
    if (rc == SQLITE_ROW)
        return true;
    if (rc != SQLITE_DONE)
        s.fail_db(rc, "read the schema of", name, ec, diag);
    return false;
}

inline int read_version(connection& s, std::string_view name, error_code& ec, diagnostics& diag) {
    if (!table_exists(s, "hookbox_schema", ec, diag))
        return 0;
    stmt_guard g;
    if (!s.prepare("SELECT version FROM hookbox_schema WHERE name = ?1", g, "read the version of", name, ec, diag))
        return 0;
    bind_text(g.get(), 1, name);
    int rc = sqlite3_step(g.get());
    if (rc == SQLITE_ROW)
        return sqlite3_column_int(g.get(), 0);
    if (rc != SQLITE_DONE)
        s.fail_db(rc, "read the version of", name, ec, diag);
    return 0;
}

inline bool write_version(connection& s, std::string_view name, int version, error_code& ec, diagnostics& diag) {
    stmt_guard g;
    if (!s.prepare("INSERT INTO hookbox_schema (name, version) VALUES (?1, ?2) "
                   "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                   g, "migrate", name, ec, diag))
        return false;
    bind_text(g.get(), 1, name);
    sqlite3_bind_int(g.get(), 2, version);
    int rc = sqlite3_step(g.get());
    if (rc != SQLITE_DONE) {
        s.fail_db(rc, "migrate", name, ec, diag);
        return false;
    }
    return true;
}

// The checks of a drop_column step that SQLite would make with other words, or not at all.
inline bool check_drop_column(connection& s, const drop_column& dc, error_code& ec, diagnostics& diag) {
    const table_info* ti = s.load_table(dc.table, ec, diag);
    if (!ti || !check_drop_column_catalog(*ti, dc, ec, diag))
        return false;
    const std::string q = dc.table + "." + dc.column;
    // Indexes that name the column, in their columns or (as the engine writes them, quoted)
    // in their WHERE.
    std::vector<std::pair<std::string, std::string>> indexes;  // name, sql
    {
        stmt_guard g;
        if (!s.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1", g,
                       "migrate", dc.table, ec, diag))
            return false;
        bind_text(g.get(), 1, dc.table);
        int rc;
        while ((rc = sqlite3_step(g.get())) == SQLITE_ROW) {
            auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
            auto* text = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 1));
            indexes.emplace_back(n ? n : "", text ? text : "");
        }
        if (rc != SQLITE_DONE) {
            s.fail_db(rc, "migrate", dc.table, ec, diag);
            return false;
        }
    }
    std::string quoted;
    quote_ident(quoted, dc.column);
    for (const auto& [name, text] : indexes) {
        bool named = false;
        {
            stmt_guard g;
            const char* sql = "SELECT 1 FROM pragma_index_info(?1) WHERE name = ?2";
            if (!s.prepare(sql, g, "migrate", dc.table, ec, diag))
                return false;
            bind_text(g.get(), 1, name);
            bind_text(g.get(), 2, dc.column);
            named = sqlite3_step(g.get()) == SQLITE_ROW;
        }
        auto where = text.find(" WHERE ");
        if (named || (where != std::string::npos && text.find(quoted, where) != std::string::npos))
            return schema_err(ec, diag, dc.table, dc.column,
                                  "drop_column: column '" + q + "' is named by index '" + name +
                                      "'; drop the index first");
    }
    return true;
}

// The checks of a copy_rows step, with the words memory_engine uses.
inline bool check_copy_rows(connection& s, const copy_rows& cr, error_code& ec, diagnostics& diag) {
    const table_info* from = s.load_table(cr.from, ec, diag);
    const table_info* to = from ? s.load_table(cr.to, ec, diag) : nullptr;
    return to && check_copy_rows_catalog(*from, *to, cr, ec, diag);
}

// Applies one migration's steps (inside the caller's transaction).
inline bool apply(connection& s, const migration& m, error_code& ec, diagnostics& diag) {
    std::string sql;
    for (const auto& step : m.steps) {
        std::string table;
        if (auto* ct = std::get_if<create_table>(&step)) {
            table = ct->table.name;
            if (!create_table_sql(ct->table, sql, ec, diag) || !s.exec(sql, op(m), table, ec, diag, uncached))
                return false;
            for (const auto& ix : ct->table.indexes)
                if (!index_sql(table, ix, sql, ec, diag) || !s.exec(sql, op(m), table, ec, diag, uncached))
                    return false;
            continue;
        } else if (auto* ac = std::get_if<add_column>(&step)) {
            table = ac->table;
            if (!add_column_sql(*ac, sql, ec, diag))
                return false;
        } else if (auto* ci = std::get_if<create_index>(&step)) {
            // SQLite would take a double-quoted name that is not a column for a string literal
            // and index that constant, so the columns are checked here.
            table = ci->table;
            const table_info* ti = s.load_table(table, ec, diag);
            if (!ti)
                return false;
            for (const auto& c : ci->index.columns)
                if (!ti->column(c))
                    return schema_err(ec, diag, table, c, "index '" + ci->index.name + "' names column " +
                                                                  qualified(table, c) + ", which does not exist");
            auto type_of = [&](std::string_view c) -> std::optional<column_type> {
                if (const column_info* col = ti->column(c))
                    return col->type;
                return std::nullopt;
            };
            if (!engine::detail::check_index_where(table, ci->index, type_of, ec, diag) ||
                !index_sql(ci->table, ci->index, sql, ec, diag))
                return false;
        } else if (auto* dc = std::get_if<drop_column>(&step)) {
            table = dc->table;
            if (!check_drop_column(s, *dc, ec, diag))
                return false;
            sql.assign("ALTER TABLE ");
            quote_ident(sql, dc->table);
            sql += " DROP COLUMN ";
            quote_ident(sql, dc->column);
        } else if (auto* cr = std::get_if<copy_rows>(&step)) {
            table = cr->to;
            if (!check_copy_rows(s, *cr, ec, diag))
                return false;
            std::string cols;
            for (std::size_t i = 0; i < cr->columns.size(); ++i) {
                if (i)
                    cols += ", ";
                quote_ident(cols, cr->columns[i]);
            }
            sql.assign("INSERT INTO ");
            quote_ident(sql, cr->to);
            sql += " (" + cols + ") SELECT " + cols + " FROM ";
            quote_ident(sql, cr->from);
        } else {
            const auto& di = std::get<drop_index>(step);
            table = di.table;
            stmt_guard g;
            if (!s.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1 AND tbl_name = ?2", g,
                           "migrate", table, ec, diag))
                return false;
            bind_text(g.get(), 1, di.name);
            bind_text(g.get(), 2, di.table);
            int rc = sqlite3_step(g.get());
            if (rc == SQLITE_DONE)
                return schema_err(ec, diag, di.table, {}, "drop_index: table '" + di.table + "' has no index '" +
                                                                  di.name + "'");
            if (rc != SQLITE_ROW) {
                s.fail_db(rc, "migrate", table, ec, diag);
                return false;
            }
            sql.assign("DROP INDEX ");
            quote_ident(sql, di.name);
        }
        if (!s.exec(sql, op(m), table, ec, diag, uncached))
            return false;
    }
    return true;
}

// Applies the plan's missing versions up to `up_to`, each in one transaction (a savepoint inside an
// open one) with its version bump, re-reading the stored version inside it so that processes
// migrating one file at once apply each migration once. Returns the version now stored.
inline int migrate(connection& s, const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!engine::detail::check_plan(plan, ec, diag))
        return 0;
    if (up_to < 0 || up_to > plan.latest()) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "version",
                              "migrate to version " + std::to_string(up_to) + " of schema '" + plan.name +
                                  "', which has versions 0 to " + std::to_string(plan.latest()));
        return 0;
    }
    for (const auto& m : plan.migrations)
        for (const auto& step : m.steps)
            if (!check_step(step, ec, diag))
                return 0;
    if (!s.transaction_intact(ec, diag))
        return 0;
    int stored = read_version(s, plan.name, ec, diag);
    if (ec)
        return 0;
    if (stored > plan.latest()) {
        engine::detail::fail_too_new(ec, diag, plan, stored);
        return stored;
    }
    while (stored < up_to) {
        bool outer = false;
        if (!s.op_begin(outer, "migrate", plan.name, ec, diag))
            return stored;
        int now = 0;
        bool ok = s.exec("CREATE TABLE IF NOT EXISTS hookbox_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                         "migrate", plan.name, ec, diag, uncached);
        if (ok) {
            now = read_version(s, plan.name, ec, diag);
            ok = !ec;
        }
        if (ok && now > plan.latest()) {
            engine::detail::fail_too_new(ec, diag, plan, now);
            ok = false;
        }
        if (ok && now < up_to)
            ok = apply(s, plan.migrations[static_cast<std::size_t>(now)], ec, diag) &&
                 write_version(s, plan.name, ++now, ec, diag);
        if (!ok) {
            s.op_rollback(outer);
            s.catalog.clear();
            return ec == make_error_code(errc::schema_too_new) ? now : stored;
        }
        bool committed = s.op_commit(outer, "migrate", plan.name, ec, diag);
        s.catalog.clear();
        if (!committed)
            return stored;
        stored = now;
    }
    return stored;
}

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_MIGRATIONS_HPP
