//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_DETAIL_SESSION_HPP
#define HOOKBOX_ENGINE_POSTGRES_DETAIL_SESSION_HPP

// The PostgreSQL engine's statements on one connection: the catalog, transaction levels, the data
// statements of the data_engine concept, native queries, and migrations.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/detail/sql_text/ddl.hpp>
#include <hookbox/engine/detail/sql_text/dml.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/postgres/detail/connection.hpp>
#include <hookbox/engine/postgres/detail/pool.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine::detail::postgres_impl {

inline constexpr sql_dialect pg = sql_dialect::postgresql;

// `"name"` as text, for to_regclass.
inline std::string quoted_name(std::string_view name) {
    std::string q;
    quote_ident(q, name);
    return q;
}

// The table's columns from the catalog (pg_attribute), or null with a schema_error naming the
// table when it does not exist.
inline std::shared_ptr<const table_info> read_table(connection& c, std::string_view t, error_code& ec,
                                                    diagnostics& diag) {
    value name(quoted_name(t));
    const value* binds[] = {&name};
    auto r = c.run("SELECT a.attname, ty.typname, a.attnotnull, a.atthasdef, a.attidentity <> '', "
                   "COALESCE((SELECT true FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary AND "
                   "a.attnum = ANY(i.indkey)), false) "
                   "FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid "
                   "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                   binds, "read the schema of", t, ec, diag);
    if (!r)
        return nullptr;
    int rows = PQntuples(r.get());
    if (rows == 0) {
        schema_err(ec, diag, t, {}, "no table '" + std::string(t) + "'");
        return nullptr;
    }
    auto ti = std::make_shared<table_info>();
    ti->name = std::string(t);
    for (int i = 0; i < rows; ++i) {
        column_info ci;
        ci.name = PQgetvalue(r.get(), i, 0);
        std::string_view type = PQgetvalue(r.get(), i, 1);
        if (type == "int8" || type == "int4" || type == "int2")
            ci.type = column_type::integer;
        else if (type == "float8" || type == "float4" || type == "numeric")
            ci.type = column_type::real;
        else if (type == postgres_json_domain || type == "json" || type == "jsonb")
            ci.type = column_type::json;
        else
            ci.type = column_type::text;
        ci.not_null = *PQgetvalue(r.get(), i, 2) == 't';
        ci.has_default = *PQgetvalue(r.get(), i, 3) == 't';
        ci.auto_increment = *PQgetvalue(r.get(), i, 4) == 't';
        ci.primary_key = *PQgetvalue(r.get(), i, 5) == 't';
        ti->auto_increment = ti->auto_increment || ci.auto_increment;
        ti->required += ci.required() ? 1 : 0;
        ti->columns.push_back(std::move(ci));
    }
    return ti;
}

// One connection and what it shares with the engine: the statements of a session.
struct session {
    shared& s;
    connection& c;
    std::string sql{};
    std::vector<const value*> binds{};

    std::shared_ptr<const table_info> table(std::string_view t, bool fresh, error_code& ec, diagnostics& diag) {
        if (!fresh)
            if (auto ti = s.cached_table(t))
                return ti;
        auto ti = read_table(c, t, ec, diag);
        if (ti)
            s.cache_table(ti);
        return ti;
    }

    // Builds a statement against the table's columns; when it names a column the cached catalog
    // does not know, reads the catalog again (another connection may have added it) and retries.
    template <class Build>
    std::shared_ptr<const table_info> resolve(std::string_view t, Build&& build, error_code& ec, diagnostics& diag) {
        for (bool fresh : {false, true}) {
            auto ti = table(t, fresh, ec, diag);
            if (!ti)
                return nullptr;
            bool unknown = false;
            ec.clear();
            if (build(*ti, unknown))
                return ti;
            if (!unknown)
                return nullptr;
        }
        return nullptr;
    }

    // ----- transaction levels -----

    static std::string level_name(std::size_t depth) { return "hb" + std::to_string(depth); }

    bool begin_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!c.transaction_intact(ec, diag))
            return false;
        bool savepoint = !c.levels.empty() || c.in_transaction();
        std::string text = savepoint ? "SAVEPOINT " + level_name(c.levels.size() + 1) : std::string("BEGIN");
        if (!c.exec(text, "begin", {}, ec, diag))
            return false;
        c.levels.push_back(savepoint);
        return true;
    }

    // Commits the innermost level. A failed commit leaves the level open, for a rollback.
    bool commit_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!c.transaction_intact(ec, diag))
            return false;
        if (PQtransactionStatus(c.conn) == PQTRANS_INERROR) {
            hookbox::detail::fail(ec, diag, errc::storage_failure, "transaction",
                                  "commit: an earlier statement failed, so PostgreSQL has aborted the transaction; "
                                  "roll it back");
            return false;
        }
        bool savepoint = c.levels.back();
        std::string text = savepoint ? "RELEASE " + level_name(c.levels.size()) : std::string("COMMIT");
        if (!c.exec(text, "commit", {}, ec, diag))
            return false;
        end_level();
        return true;
    }

    // Undoes the innermost level and ends it.
    void rollback_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!c.broken() && c.in_transaction()) {
            if (c.levels.back()) {
                std::string name = level_name(c.levels.size());
                if (c.exec("ROLLBACK TO " + name, "rollback", {}, ec, diag))
                    c.exec("RELEASE " + name, "rollback", {}, ec, diag);
            } else {
                c.exec("ROLLBACK", "rollback", {}, ec, diag);
            }
        }
        end_level();
    }

    void end_level() noexcept {
        c.levels.pop_back();
        if (c.levels.empty() || (!c.broken() && PQtransactionStatus(c.conn) != PQTRANS_INERROR))
            c.aborted.reset();
    }

    // An operation of several statements: its own transaction, or a savepoint inside an open one.
    bool op_begin(error_code& ec, diagnostics& diag) { return begin_level(ec, diag); }
    bool op_commit(error_code& ec, diagnostics& diag) {
        if (commit_level(ec, diag))
            return true;
        error_code ignored;
        diagnostics d;
        auto keep_ec = ec;
        auto keep_diag = diag;
        rollback_level(ignored, d);
        ec = keep_ec;
        diag = keep_diag;
        return false;
    }
    void op_rollback() noexcept {
        error_code ignored;
        diagnostics d;
        try {
            rollback_level(ignored, d);
        } catch (...) {
        }
    }

    // Runs one statement of the data_engine concept: inside a transaction, behind a savepoint, so
    // that a failed statement changes nothing and leaves the transaction usable (as the concept
    // requires), where PostgreSQL would abort the whole transaction.
    template <class F>
    auto statement(error_code& ec, diagnostics& diag, F&& f) -> decltype(f()) {
        ec.clear();
        if (!c.transaction_intact(ec, diag))
            return {};
        if (c.levels.empty())
            return f();
        if (!c.exec("SAVEPOINT hb_statement", "begin", {}, ec, diag))
            return {};
        auto r = f();
        if (!ec) {
            if (!c.exec("RELEASE hb_statement", "commit", {}, ec, diag))
                return {};
            return r;
        }
        auto keep_ec = ec;
        auto keep_diag = diag;
        c.aborted.reset();
        error_code ignored;
        diagnostics d;
        if (c.exec("ROLLBACK TO hb_statement", "rollback", {}, ignored, d))
            c.exec("RELEASE hb_statement", "rollback", {}, ignored, d);
        ec = keep_ec;
        diag = keep_diag;
        return {};
    }

    // ----- data statements -----

    std::vector<record> find(std::string_view t, const find_options& fo, std::size_t limit, error_code& ec,
                             diagnostics& diag) {
        return statement(ec, diag, [&] { return select(t, fo, limit, ec, diag); });
    }

    std::vector<record> select(std::string_view t, const find_options& fo, std::size_t limit, error_code& ec,
                               diagnostics& diag) {
        value lim(static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX))));
        auto build = [&](const table_info& ti, bool& unknown) {
            sql.assign("SELECT ");
            binds.clear();
            if (fo.fields.empty()) {
                sql += '*';
            } else {
                for (std::size_t i = 0; i < fo.fields.size(); ++i) {
                    const column_info* col = find_column(ti, t, fo.fields[i], unknown, ec, diag);
                    if (!col)
                        return false;
                    if (i)
                        sql += ", ";
                    quote_ident(sql, col->name);
                }
            }
            sql += " FROM ";
            quote_ident(sql, t);
            if (!where_sql(ti, t, fo.where, sql, binds, unknown, ec, diag, pg))
                return false;
            for (std::size_t i = 0; i < fo.order.size(); ++i) {
                const column_info* col = find_column(ti, t, fo.order[i].column, unknown, ec, diag);
                if (!col)
                    return false;
                sql += i ? ", " : " ORDER BY ";
                quote_ident(sql, col->name);
                // Byte order for text on every database, and nulls first ascending (the concept's
                // order, which is SQLite's), where PostgreSQL puts them last.
                if (col->type == column_type::text)
                    sql += " COLLATE \"C\"";
                sql += fo.order[i].descending ? " DESC NULLS LAST" : " NULLS FIRST";
            }
            if (limit) {
                sql += " LIMIT ";
                append_param(sql, binds, &lim, pg);
            }
            // Inside a transaction the rows read stay locked until it ends, so that a read followed
            // by a write of what was read is exact (as where transactions run one at a time).
            if (!c.levels.empty())
                sql += " FOR UPDATE";
            return true;
        };
        auto ti = resolve(t, build, ec, diag);
        if (!ti)
            return {};
        auto r = c.run(sql, binds, "find in", t, ec, diag);
        if (!r)
            return {};
        const int rows = PQntuples(r.get());
        const int cols = PQnfields(r.get());
        std::vector<std::string> names(static_cast<std::size_t>(cols));
        std::vector<value::kind> kinds(static_cast<std::size_t>(cols));
        for (int j = 0; j < cols; ++j) {
            names[static_cast<std::size_t>(j)] = PQfname(r.get(), j);
            const column_info* col = ti->column(names[static_cast<std::size_t>(j)]);
            kinds[static_cast<std::size_t>(j)] =
                col ? engine::detail::kind_of(col->type) : kind_of_oid(PQftype(r.get(), j));
        }
        std::vector<record> out;
        out.reserve(static_cast<std::size_t>(rows));
        for (int i = 0; i < rows; ++i) {
            record rec;
            rec.reserve(static_cast<std::size_t>(cols));
            for (int j = 0; j < cols; ++j)
                rec.push_back(names[static_cast<std::size_t>(j)],
                              to_value(read_cell(r.get(), i, j, kinds[static_cast<std::size_t>(j)])));
            out.push_back(std::move(rec));
        }
        return out;
    }

    std::int64_t insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag) {
        return statement(ec, diag, [&] { return insert_row(t, r, ec, diag); });
    }

    std::int64_t insert_row(std::string_view t, const record& given, error_code& ec, diagnostics& diag) {
        auto ti = resolve(
            t, [&](const table_info& info, bool& unknown) { return check_insert(info, t, given, unknown, ec, diag); },
            ec, diag);
        if (!ti)
            return 0;
        const column_info* key = nullptr;
        for (const auto& col : ti->columns)
            if (col.auto_increment)
                key = &col;
        // A null key is assigned, as if not given.
        const record* r = &given;
        record without_key;
        const value* explicit_key = nullptr;
        if (key) {
            if (const value* v = given.find(key->name)) {
                if (v->is_null()) {
                    for (std::size_t i = 0; i < given.size(); ++i)
                        if (given.at(i).name != key->name)
                            without_key.push_back(given.at(i).name, given.at(i).value);
                    r = &without_key;
                } else {
                    explicit_key = v;
                }
            }
        }
        insert_sql(t, *r, sql, pg);
        if (key) {
            sql += " RETURNING ";
            quote_ident(sql, key->name);
        }
        binds.clear();
        for (std::size_t i = 0; i < r->size(); ++i)
            binds.push_back(&r->at(i).value);
        auto res = c.run(sql, binds, "insert into", t, ec, diag);
        if (!res)
            return 0;
        if (!key || PQntuples(res.get()) < 1)
            return 0;
        std::int64_t id = std::strtoll(PQgetvalue(res.get(), 0, 0), nullptr, 10);
        if (explicit_key && !bump_sequence(t, key->name, id, ec, diag))
            return 0;
        return id;
    }

    // An explicit key moves the column's sequence past it, so that a later assigned key is new.
    bool bump_sequence(std::string_view t, const std::string& column, std::int64_t id, error_code& ec,
                       diagnostics& diag) {
        value table_name(quoted_name(t));
        value column_name(column);
        value key(id);
        const value* b[] = {&table_name, &column_name, &key};
        return c.run("SELECT setval(s, $3::bigint) FROM pg_get_serial_sequence($1, $2) AS s "
                     "WHERE s IS NOT NULL AND $3::bigint > COALESCE(pg_sequence_last_value(s::regclass), 0)",
                     b, "insert into", t, ec, diag) != nullptr;
    }

    std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs, error_code& ec,
                                          diagnostics& diag) {
        ec.clear();
        if (!c.transaction_intact(ec, diag))
            return {};
        if (rs.empty()) {
            table(t, false, ec, diag);
            return {};
        }
        if (!op_begin(ec, diag))
            return {};
        std::vector<std::int64_t> ids;
        ids.reserve(rs.size());
        for (const record& r : rs) {
            ids.push_back(insert_row(t, r, ec, diag));
            if (ec) {
                auto keep_ec = ec;
                auto keep_diag = diag;
                op_rollback();
                ec = keep_ec;
                diag = keep_diag;
                return {};
            }
        }
        if (!op_commit(ec, diag))
            return {};
        return ids;
    }

    std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch, error_code& ec,
                       diagnostics& diag) {
        if (ch.empty())
            return count(t, f, ec, diag);
        return statement(ec, diag, [&]() -> std::size_t {
            auto build = [&](const table_info& ti, bool& unknown) {
                sql.assign("UPDATE ");
                quote_ident(sql, t);
                sql += " SET ";
                binds.clear();
                for (std::size_t i = 0; i < ch.size(); ++i) {
                    const change& x = ch[i];
                    const column_info* col = find_column(ti, t, x.column, unknown, ec, diag);
                    if (!col)
                        return false;
                    if (i)
                        sql += ", ";
                    quote_ident(sql, col->name);
                    sql += " = ";
                    if (x.type == change::kind::add) {
                        if (col->type != column_type::integer || x.value.type() != value::kind::integer)
                            return schema_err(ec, diag, t, col->name,
                                              "add() needs an integer column and an integer; column " +
                                                  qualified(t, col->name) + " is " + std::string(to_string(col->type)));
                        quote_ident(sql, col->name);
                        sql += " + ";
                    } else if (!check_value(*col, t, x.value, true, ec, diag)) {
                        return false;
                    }
                    append_param(sql, binds, &x.value, pg);
                }
                return where_sql(ti, t, f, sql, binds, unknown, ec, diag, pg);
            };
            if (!resolve(t, build, ec, diag))
                return 0;
            return changes("update of", t, ec, diag);
        });
    }

    std::size_t remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        return statement(ec, diag, [&]() -> std::size_t {
            auto build = [&](const table_info& ti, bool& unknown) {
                sql.assign("DELETE FROM ");
                quote_ident(sql, t);
                binds.clear();
                return where_sql(ti, t, f, sql, binds, unknown, ec, diag, pg);
            };
            if (!resolve(t, build, ec, diag))
                return 0;
            return changes("remove from", t, ec, diag);
        });
    }

    std::size_t count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        return statement(ec, diag, [&]() -> std::size_t {
            auto build = [&](const table_info& ti, bool& unknown) {
                sql.assign("SELECT count(*) FROM ");
                quote_ident(sql, t);
                binds.clear();
                return where_sql(ti, t, f, sql, binds, unknown, ec, diag, pg);
            };
            if (!resolve(t, build, ec, diag))
                return 0;
            auto r = c.run(sql, binds, "count of", t, ec, diag);
            if (!r || PQntuples(r.get()) < 1)
                return 0;
            return static_cast<std::size_t>(std::strtoull(PQgetvalue(r.get(), 0, 0), nullptr, 10));
        });
    }

    // Runs the UPDATE or DELETE in `sql`; returns how many rows it changed.
    std::size_t changes(std::string_view op, std::string_view t, error_code& ec, diagnostics& diag) {
        auto r = c.run(sql, binds, op, t, ec, diag);
        if (!r)
            return 0;
        return static_cast<std::size_t>(std::strtoull(PQcmdTuples(r.get()), nullptr, 10));
    }

    // Runs one SQL statement of the caller's (engine::query).
    template <class OnRow>
    std::size_t query(std::string_view text, std::span<const value> params, OnRow&& on_row, error_code& ec,
                      diagnostics& diag) {
        ec.clear();
        if (!c.transaction_intact(ec, diag))
            return 0;
        binds.clear();
        for (const auto& p : params)
            binds.push_back(&p);
        const bool ddl = is_ddl(text);
        auto r = c.run(text, binds, "query", {}, ec, diag, !ddl);
        if (ddl) {
            s.forget_catalog();
            c.forget_statements();
        }
        if (!r)
            return 0;
        const int rows = PQntuples(r.get());
        const int cols = PQnfields(r.get());
        if (rows > 0) {
            std::vector<value::kind> kinds(static_cast<std::size_t>(cols));
            for (int j = 0; j < cols; ++j)
                kinds[static_cast<std::size_t>(j)] = kind_of_oid(PQftype(r.get(), j));
            std::vector<cell_view> cells(static_cast<std::size_t>(cols));
            for (int i = 0; i < rows; ++i) {
                for (int j = 0; j < cols; ++j)
                    cells[static_cast<std::size_t>(j)] = read_cell(r.get(), i, j, kinds[static_cast<std::size_t>(j)]);
                on_row(std::span<const cell_view>(cells.data(), cells.size()));
            }
        }
        std::string_view status = PQcmdStatus(r.get());
        if (starts_with(status, "INSERT") || starts_with(status, "UPDATE") || starts_with(status, "DELETE") ||
            starts_with(status, "MERGE"))
            return static_cast<std::size_t>(std::strtoull(PQcmdTuples(r.get()), nullptr, 10));
        return 0;
    }
};

}  // namespace hookbox::engine::detail::postgres_impl

#endif  // HOOKBOX_ENGINE_POSTGRES_DETAIL_SESSION_HPP
