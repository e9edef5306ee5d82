//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_DETAIL_MIGRATIONS_HPP
#define HOOKBOX_ENGINE_POSTGRES_DETAIL_MIGRATIONS_HPP

// Schema plans on PostgreSQL: each migration in its own transaction with its version bump, under a
// transaction-scoped advisory lock so that processes migrating one database at once apply each
// migration once.

#include <hookbox/engine/detail/sql_text/ddl.hpp>
#include <hookbox/engine/postgres/detail/session.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/error.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace hookbox::engine::detail::postgres_impl {

// The key of the advisory lock that migrations take (any constant that other programs are
// unlikely to use: "hookbox" in ASCII).
inline constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(29400035286919544)";

inline std::string op(const migration& m) {
    return "migration " + std::to_string(m.version) + " ('" + m.description + "') on";
}

// True when the relation (table or index) `name` exists in the search path.
inline bool relation_exists(connection& c, std::string_view name, error_code& ec, diagnostics& diag) {
    value q(quoted_name(name));
    const value* binds[] = {&q};
    auto r = c.run("SELECT to_regclass($1) IS NOT NULL", binds, "read the schema of", name, ec, diag);
    return r && PQntuples(r.get()) == 1 && *PQgetvalue(r.get(), 0, 0) == 't';
}

inline int read_version(connection& c, std::string_view name, error_code& ec, diagnostics& diag) {
    if (!relation_exists(c, "hookbox_schema", ec, diag))
        return 0;
    value n{std::string(name)};
    const value* binds[] = {&n};
    auto r = c.run("SELECT version FROM hookbox_schema WHERE name = $1", binds, "read the version of", name, ec, diag);
    if (!r || PQntuples(r.get()) == 0)
        return 0;
    return std::atoi(PQgetvalue(r.get(), 0, 0));
}

inline bool write_version(connection& c, std::string_view name, int version, error_code& ec, diagnostics& diag) {
    value n{std::string(name)};
    value v{static_cast<std::int64_t>(version)};
    const value* binds[] = {&n, &v};
    return c.run("INSERT INTO hookbox_schema (name, version) VALUES ($1, $2) "
                 "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                 binds, "migrate", name, ec, diag) != nullptr;
}

// Fails when an index of the table names the column (in its columns or its WHERE).
inline bool check_drop_column(session& x, const drop_column& dc, error_code& ec, diagnostics& diag) {
    auto ti = x.table(dc.table, true, ec, diag);
    if (!ti || !check_drop_column_catalog(*ti, dc, ec, diag))
        return false;
    value t(quoted_name(dc.table));
    value col(dc.column);
    const value* binds[] = {&t, &col};
    auto r = x.c.run("SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = to_regclass($1) AND "
                     "(EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = $2 AND "
                     "a.attnum = ANY(i.indkey)) OR pg_get_expr(i.indpred, i.indrelid) ~ ('(^|[^A-Za-z0-9_])\"?' || $2 "
                     "|| '\"?($|[^A-Za-z0-9_])'))",
                     binds, "migrate", dc.table, ec, diag, false);
    if (!r)
        return false;
    if (PQntuples(r.get()) > 0)
        return schema_err(ec, diag, dc.table, dc.column,
                          "drop_column: column '" + dc.table + "." + dc.column + "' is named by index '" +
                              PQgetvalue(r.get(), 0, 0) + "'; drop the index first");
    return true;
}

// Applies one migration's steps (inside the caller's transaction).
inline bool apply(session& x, const migration& m, error_code& ec, diagnostics& diag) {
    connection& c = x.c;
    std::string sql;
    for (const auto& step : m.steps) {
        std::string table;
        if (auto* ct = std::get_if<create_table>(&step)) {
            table = ct->table.name;
            if (!create_table_sql(ct->table, sql, ec, diag, pg) || !c.exec(sql, op(m), table, ec, diag))
                return false;
            for (const auto& ix : ct->table.indexes)
                if (!index_sql(table, ix, sql, ec, diag, pg) || !c.exec(sql, op(m), table, ec, diag))
                    return false;
            continue;
        } else if (auto* ac = std::get_if<add_column>(&step)) {
            table = ac->table;
            if (!add_column_sql(*ac, sql, ec, diag, pg))
                return false;
        } else if (auto* ci = std::get_if<create_index>(&step)) {
            table = ci->table;
            auto ti = x.table(table, true, ec, diag);
            if (!ti)
                return false;
            for (const auto& col : ci->index.columns)
                if (!ti->column(col))
                    return schema_err(ec, diag, table, col, "index '" + ci->index.name + "' names column " +
                                                                qualified(table, col) + ", which does not exist");
            auto type_of = [&](std::string_view col) -> std::optional<column_type> {
                if (const column_info* info = ti->column(col))
                    return info->type;
                return std::nullopt;
            };
            if (!engine::detail::check_index_where(table, ci->index, type_of, ec, diag) ||
                !index_sql(ci->table, ci->index, sql, ec, diag, pg))
                return false;
        } else if (auto* dc = std::get_if<drop_column>(&step)) {
            table = dc->table;
            if (!check_drop_column(x, *dc, ec, diag))
                return false;
            sql.assign("ALTER TABLE ");
            quote_ident(sql, dc->table);
            sql += " DROP COLUMN ";
            quote_ident(sql, dc->column);
        } else if (auto* cr = std::get_if<copy_rows>(&step)) {
            table = cr->to;
            auto from = x.table(cr->from, true, ec, diag);
            auto to = from ? x.table(cr->to, true, ec, diag) : nullptr;
            if (!to || !check_copy_rows_catalog(*from, *to, *cr, ec, diag))
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
            if (!c.exec(sql, op(m), table, ec, diag))
                return false;
            // Keys copied into an identity column do not move its sequence: move it past them, so
            // that the next key is new (SQLite's AUTOINCREMENT does this by itself).
            for (const auto& col : to->columns) {
                if (!col.auto_increment)
                    continue;
                sql.assign("SELECT setval(pg_get_serial_sequence('");
                std::string qt = quoted_name(cr->to);
                for (char ch : qt)
                    sql += ch == '\'' ? std::string("''") : std::string(1, ch);
                sql += "', '" + col.name + "'), COALESCE(max(";
                quote_ident(sql, col.name);
                sql += "), 0) + 1, false) FROM ";
                quote_ident(sql, cr->to);
                if (!c.exec(sql, op(m), table, ec, diag))
                    return false;
            }
            continue;
        } else {
            const auto& di = std::get<drop_index>(step);
            table = di.table;
            value ix(quoted_name(di.name));
            value t(quoted_name(di.table));
            const value* binds[] = {&ix, &t};
            auto r = c.run("SELECT 1 FROM pg_index WHERE indexrelid = to_regclass($1) AND indrelid = to_regclass($2)",
                           binds, "migrate", table, ec, diag, false);
            if (!r)
                return false;
            if (PQntuples(r.get()) == 0)
                return schema_err(ec, diag, di.table, {},
                                  "drop_index: table '" + di.table + "' has no index '" + di.name + "'");
            sql.assign("DROP INDEX ");
            quote_ident(sql, di.name);
        }
        if (!c.exec(sql, op(m), table, ec, diag))
            return false;
    }
    return true;
}

// Applies the plan's missing versions up to `up_to`; returns the version now stored.
inline int migrate(session& x, const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
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
    if (!x.c.transaction_intact(ec, diag))
        return 0;
    int stored = read_version(x.c, plan.name, ec, diag);
    if (ec)
        return 0;
    if (stored > plan.latest()) {
        engine::detail::fail_too_new(ec, diag, plan, stored);
        return stored;
    }
    while (stored < up_to) {
        if (!x.op_begin(ec, diag))
            return stored;
        int now = 0;
        bool ok = x.c.exec(migration_lock, "migrate", plan.name, ec, diag) &&
                  x.c.exec("CREATE TABLE IF NOT EXISTS hookbox_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                           "migrate", plan.name, ec, diag) &&
                  x.c.exec(std::string("DO $$ BEGIN IF to_regtype('") + std::string(postgres_json_domain) +
                               "') IS NULL THEN CREATE DOMAIN " + std::string(postgres_json_domain) +
                               " AS text; END IF; END $$",
                           "migrate", plan.name, ec, diag);
        if (ok) {
            now = read_version(x.c, plan.name, ec, diag);
            ok = !ec;
        }
        if (ok && now > plan.latest()) {
            engine::detail::fail_too_new(ec, diag, plan, now);
            ok = false;
        }
        if (ok && now < up_to)
            ok = apply(x, plan.migrations[static_cast<std::size_t>(now)], ec, diag) &&
                 write_version(x.c, plan.name, ++now, ec, diag);
        if (!ok) {
            auto keep_ec = ec;
            auto keep_diag = diag;
            x.op_rollback();
            ec = keep_ec;
            diag = keep_diag;
            x.s.forget_catalog();
            x.c.forget_statements();
            return ec == make_error_code(errc::schema_too_new) ? now : stored;
        }
        bool committed = x.op_commit(ec, diag);
        x.s.forget_catalog();
        x.c.forget_statements();
        if (!committed)
            return stored;
        stored = now;
    }
    return stored;
}

}  // namespace hookbox::engine::detail::postgres_impl

#endif  // HOOKBOX_ENGINE_POSTGRES_DETAIL_MIGRATIONS_HPP
