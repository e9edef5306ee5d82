//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_CONNECTION_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_CONNECTION_HPP

// One SQLite connection and what the engine keeps beside it: the statement cache, the catalog of
// the tables it has used, and its open transaction levels; and the engine's statements written on
// it. A connection is used by one statement or one transaction at a time (the engine's
// exclusive_use), so it takes no lock of its own.

#include <hookbox/detail/function_ref.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/sqlite/detail/binding.hpp>
#include <hookbox/engine/sqlite/detail/catalog.hpp>
#include <hookbox/engine/detail/sql_text/dml.hpp>
#include <hookbox/engine/sqlite/detail/errors.hpp>
#include <hookbox/engine/sqlite/detail/statement_cache.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>
#include <hookbox/engine/sqlite/params.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox::engine::detail::sqlite_impl {

enum prepare_flags : unsigned { cached = 0, uncached = 1, single_statement = 2 };

using row_callback = hookbox::detail::function_ref<void(std::span<const cell_view>)>;

class connection {
public:
    sqlite3* db = nullptr;
    bool owned = false;
    std::string path;
    statement_cache cache;
    std::unordered_map<std::string, table_info, string_hash, std::equal_to<>> catalog;
    std::vector<bool> levels;  // open transaction levels, outermost first: true = savepoint, false = BEGIN
    std::string sql;                  // scratch: the statement being built
    std::vector<const value*> binds;  // scratch: its parameters
    // Set when SQLite rolled back an open transaction by itself (after SQLITE_FULL, an I/O error, ...):
    // what happened, for every statement until the application ends the transaction.
    std::optional<std::pair<errc, std::string>> aborted;

    connection(sqlite3* d, bool own, std::string p, std::size_t cache_capacity)
        : db(d), owned(own), path(std::move(p)), cache(cache_capacity) {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    ~connection() {
        // Transactions end before the connection goes; should one not have, an attached connection
        // (which lives on) is rolled back to where the engine found it, and an owned one rolls back
        // as it closes.
        if (!owned && !levels.empty() && !sqlite3_get_autocommit(db)) {
            error_code ec;
            diagnostics diag;
            try {
                while (!levels.empty())
                    rollback_level(ec, diag);
            } catch (...) {
            }
        }
        cache.clear();
        if (owned && db)
            sqlite3_close_v2(db);
    }

    // Opens a database as `sqlite_params` says (without its checkpoint thread).
    static std::unique_ptr<connection> open(const sqlite_params& p, error_code& ec, diagnostics& diag);

    // Sets ec and diag from the connection's last error. `op` and `table` name what failed.
    void fail_db(int rc, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        int ext = sqlite3_extended_errcode(db);
        if ((ext & 0xff) != (rc & 0xff))
            ext = rc;
        std::string msg = ((ext & 0xff) == (sqlite3_errcode(db) & 0xff)) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        errc e = map_error(ext, msg);
        std::string field(table);
        if (e == errc::unique_violation) {
            field = unique_index_for(msg);
        } else if (ext == SQLITE_CONSTRAINT_NOTNULL) {
            if (auto p = msg.find("failed: "); p != std::string::npos)
                field = msg.substr(p + 8);
        } else if (e == errc::schema_error && !table.empty()) {
            if (auto it = catalog.find(table); it != catalog.end())
                catalog.erase(it);  // reload on the next statement
        }
        std::string message(op);
        if (!table.empty()) {
            message += " '";
            message += table;
            message += '\'';
        }
        message += " failed: ";
        message += msg;
        message += " (SQLite error ";
        message += std::to_string(ext);
        message += ')';
        if (!levels.empty() && sqlite3_get_autocommit(db) && !aborted)
            aborted.emplace(e, message);
        hookbox::detail::fail(ec, diag, e, std::move(field), std::move(message));
    }

    // False, with the error that ended it, when SQLite rolled back the open transaction by itself:
    // statements must not run outside the transaction the application believes is open.
    bool transaction_intact(error_code& ec, diagnostics& diag) {
        if (levels.empty() || !sqlite3_get_autocommit(db))
            return true;
        errc e = aborted ? aborted->first : errc::storage_failure;
        std::string why = aborted ? aborted->second : std::string("an error");
        hookbox::detail::fail(ec, diag, e, "transaction",
                              "SQLite rolled the transaction back after " + why +
                                  "; nothing in it was kept, and it must be rolled back");
        return false;
    }

    // Hands out the cached statement for `text`, preparing it on a miss.
    bool prepare(std::string_view text, stmt_guard& g, std::string_view op, std::string_view table,
                 error_code& ec, diagnostics& diag, unsigned flags = cached) {
        g.release();
        if (!(flags & uncached)) {
            if (stmt_entry* e = cache.take(text)) {
                g.use(cache, *e);
                return true;
            }
        }
        if (text.size() >= static_cast<std::size_t>(INT_MAX)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                  std::string(op) + ": the statement is too long");
            return false;
        }
        sqlite3_stmt* st = nullptr;
        const char* tail = nullptr;
        bool keep = !(flags & uncached) && cache.keeps(text);
        int rc = sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()), keep ? SQLITE_PREPARE_PERSISTENT : 0,
                                    &st, &tail);
        if (rc != SQLITE_OK) {
            fail_db(rc, op, table, ec, diag);
            sqlite3_finalize(st);
            return false;
        }
        if (!st) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                  std::string(op) + ": the text holds no SQL statement");
            return false;
        }
        if (flags & single_statement) {
            std::string_view rest = text.substr(static_cast<std::size_t>(tail - text.data()));
            if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
                sqlite3_finalize(st);
                hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                      std::string(op) + ": the text holds more than one SQL statement");
                return false;
            }
        }
        cache.prepared.fetch_add(1, std::memory_order_relaxed);
        if (!keep) {
            auto e = std::make_unique<stmt_entry>();
            e->stmt = st;
            g.use_owned(std::move(e));
            return true;
        }
        try {
            g.use(cache, cache.add(text, st));
        } catch (...) {
            sqlite3_finalize(st);
            throw;
        }
        return true;
    }

    // Runs one statement to completion, ignoring rows.
    bool exec(std::string_view text, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag,
              unsigned flags = cached) {
        stmt_guard g;
        if (!prepare(text, g, op, table, ec, diag, flags))
            return false;
        for (;;) {
            int rc = sqlite3_step(g.get());
            if (rc == SQLITE_ROW)
                continue;
            if (rc == SQLITE_DONE)
                return true;
            fail_db(rc, op, table, ec, diag);
            return false;
        }
    }

    bool bind(sqlite3_stmt* st, int i, const value& v, std::string_view op, std::string_view table, error_code& ec,
              diagnostics& diag) {
        int rc = bind_value(st, i, v);
        if (rc == SQLITE_OK)
            return true;
        fail_db(rc, op, table, ec, diag);
        return false;
    }

    bool bind_all(sqlite3_stmt* st, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        for (std::size_t i = 0; i < binds.size(); ++i)
            if (!bind(st, static_cast<int>(i + 1), *binds[i], op, table, ec, diag))
                return false;
        return true;
    }

    // ----- the catalog -----

    const table_info* load_table(std::string_view t, error_code& ec, diagnostics& diag) {
        table_info ti;
        ti.name.assign(t);
        int pk_columns = 0;
        {
            stmt_guard g;
            if (!prepare("SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM pragma_table_info(?1)", g,
                         "read the columns of", t, ec, diag))
                return nullptr;
            bind_text(g.get(), 1, t);
            for (;;) {
                int rc = sqlite3_step(g.get());
                if (rc == SQLITE_DONE)
                    break;
                if (rc != SQLITE_ROW) {
                    fail_db(rc, "read the columns of", t, ec, diag);
                    return nullptr;
                }
                column_info c;
                const char* name = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                const char* decl = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 1));
                c.name = name ? name : "";
                c.type = type_from_declared(decl ? decl : "");
                c.not_null = sqlite3_column_int(g.get(), 2) != 0;
                c.has_default = sqlite3_column_int(g.get(), 3) != 0;
                c.primary_key = sqlite3_column_int(g.get(), 4) != 0;
                pk_columns += c.primary_key ? 1 : 0;
                ti.columns.push_back(std::move(c));
            }
        }
        if (ti.columns.empty()) {
            if (auto it = catalog.find(t); it != catalog.end())
                catalog.erase(it);
            hookbox::detail::fail(ec, diag, errc::schema_error, std::string(t), "no table '" + std::string(t) + "'");
            return nullptr;
        }
        column_info* pk = nullptr;
        for (auto& c : ti.columns)
            if (c.primary_key && pk_columns == 1 && c.type == column_type::integer)
                pk = &c;
        if (pk) {
            // AUTOINCREMENT may only follow INTEGER PRIMARY KEY, so its presence in the table's SQL
            // names the primary key.
            stmt_guard g;
            if (!prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", g, "read the columns of", t,
                         ec, diag))
                return nullptr;
            bind_text(g.get(), 1, t);
            int rc = sqlite3_step(g.get());
            if (rc == SQLITE_ROW) {
                const char* text = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                if (text && icontains(text, "AUTOINCREMENT"))
                    pk->auto_increment = ti.auto_increment = true;
            } else if (rc != SQLITE_DONE) {
                fail_db(rc, "read the columns of", t, ec, diag);
                return nullptr;
            }
        }
        for (const auto& c : ti.columns)
            ti.required += c.required() ? 1 : 0;
        auto it = catalog.find(t);
        if (it != catalog.end())
            it->second = std::move(ti);
        else
            it = catalog.emplace(std::string(t), std::move(ti)).first;
        return &it->second;
    }

    const table_info* table(std::string_view t, bool& fresh, error_code& ec, diagnostics& diag) {
        if (auto it = catalog.find(t); it != catalog.end()) {
            fresh = false;
            return &it->second;
        }
        fresh = true;
        return load_table(t, ec, diag);
    }

    // Finds the table and runs `build(info, unknown)`, which validates a statement against it and
    // writes its SQL; when that fails on an unknown column with a catalog read earlier, reads the
    // table again (another connection may have migrated it) and builds once more.
    template <class Build>
    const table_info* resolve(std::string_view t, Build&& build, error_code& ec, diagnostics& diag) {
        bool fresh = false;
        const table_info* ti = table(t, fresh, ec, diag);
        if (!ti)
            return nullptr;
        bool unknown = false;
        if (build(*ti, unknown))
            return ti;
        if (!unknown || fresh)
            return nullptr;
        ec.clear();
        ti = load_table(t, ec, diag);
        if (!ti)
            return nullptr;
        unknown = false;
        return build(*ti, unknown) ? ti : nullptr;
    }

    // ----- atomic multi-statement operations -----

    // Starts a write transaction for an operation, or a savepoint inside an open one.
    bool op_begin(bool& outer, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        outer = sqlite3_get_autocommit(db) != 0;
        return exec(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT hbop", op, table, ec, diag);
    }

    void op_rollback(bool outer) noexcept {
        if (sqlite3_get_autocommit(db))
            return;  // SQLite rolled it back already (after SQLITE_FULL, an I/O error, ...)
        error_code ec;
        diagnostics diag;
        try {
            if (outer) {
                exec("ROLLBACK", "rollback", {}, ec, diag);
            } else {
                exec("ROLLBACK TO hbop", "rollback", {}, ec, diag);
                exec("RELEASE hbop", "rollback", {}, ec, diag);
            }
        } catch (...) {
        }
    }

    bool op_commit(bool outer, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        if (exec(outer ? "COMMIT" : "RELEASE hbop", op, table, ec, diag))
            return true;
        op_rollback(outer);
        return false;
    }

    // ----- transaction levels -----

    static std::string level_name(std::size_t depth) { return "hb" + std::to_string(depth); }

    // Opens a level: `BEGIN IMMEDIATE` when the connection has no transaction, else a savepoint
    // (nested, or inside the caller's own transaction on an attached connection).
    bool begin_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return false;
        bool savepoint = !levels.empty() || !sqlite3_get_autocommit(db);
        std::string text = savepoint ? "SAVEPOINT " + level_name(levels.size() + 1) : std::string("BEGIN IMMEDIATE");
        if (!exec(text, "begin", {}, ec, diag))
            return false;
        levels.push_back(savepoint);
        return true;
    }

    // Commits the innermost level. A failed commit leaves it open: it may be retried (after
    // storage_busy) or rolled back. When SQLite rolled the transaction back by itself, the error
    // that did it is reported until a rollback ends the level.
    bool commit_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return false;
        bool savepoint = levels.back();
        std::string text = savepoint ? "RELEASE " + level_name(levels.size()) : std::string("COMMIT");
        if (!exec(text, "commit", {}, ec, diag))
            return false;
        end_level();
        return true;
    }

    // Undoes the innermost level and ends it (also when SQLite rolled it back already).
    void rollback_level(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!sqlite3_get_autocommit(db)) {
            if (levels.back()) {
                std::string name = level_name(levels.size());
                if (exec("ROLLBACK TO " + name, "rollback", {}, ec, diag))
                    exec("RELEASE " + name, "rollback", {}, ec, diag);
            } else {
                exec("ROLLBACK", "rollback", {}, ec, diag);
            }
        }
        end_level();
    }

    void end_level() noexcept {
        levels.pop_back();
        if (levels.empty())
            aborted.reset();
    }

    // ----- data statements -----

    std::vector<record> find(std::string_view t, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<record> out;
        if (transaction_intact(ec, diag))
            select(t, fo, fo.limit, out, ec, diag);
        return out;
    }

    /// The first row `find` would return.
    std::optional<record> find_one(std::string_view t, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<record> out;
        if (!transaction_intact(ec, diag) || !select(t, fo, 1, out, ec, diag) || out.empty())
            return std::nullopt;
        return std::move(out.front());
    }

    std::int64_t insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return 0;
        const auto* ti = resolve(
            t,
            [&](const table_info& info, bool& unknown) {
                return check_insert(info, t, r, unknown, ec, diag);
            },
            ec, diag);
        if (!ti)
            return 0;
        bool auto_key = ti->auto_increment;
        insert_sql(t, r, sql);
        stmt_guard g;
        if (!prepare(sql, g, "insert into", t, ec, diag) || !bind_record(g.get(), r, t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_DONE) {
            fail_db(rc, "insert into", t, ec, diag);
            return 0;
        }
        return auto_key ? static_cast<std::int64_t>(sqlite3_last_insert_rowid(db)) : 0;
    }

    std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs, error_code& ec,
                                          diagnostics& diag) {
        ec.clear();
        std::vector<std::int64_t> ids;
        if (!transaction_intact(ec, diag))
            return ids;
        if (rs.empty()) {
            bool fresh = false;
            table(t, fresh, ec, diag);
            return ids;
        }
        ids.reserve(rs.size());
        bool outer = false;
        if (!op_begin(outer, "insert into", t, ec, diag))
            return {};
        stmt_guard g;
        const record* shape = nullptr;
        bool ok = true;
        for (const record& r : rs) {
            const auto* ti = resolve(
                t,
                [&](const table_info& info, bool& unknown) {
                    return check_insert(info, t, r, unknown, ec, diag);
                },
                ec, diag);
            if (!ti) {
                ok = false;
                break;
            }
            if (!shape || !same_columns(*shape, r)) {
                insert_sql(t, r, sql);
                if (!prepare(sql, g, "insert into", t, ec, diag)) {
                    ok = false;
                    break;
                }
                shape = &r;
            } else {
                sqlite3_reset(g.get());
            }
            if (!bind_record(g.get(), r, t, ec, diag)) {
                ok = false;
                break;
            }
            int rc = sqlite3_step(g.get());
            if (rc != SQLITE_DONE) {
                fail_db(rc, "insert into", t, ec, diag);
                ok = false;
                break;
            }
            ids.push_back(ti->auto_increment ? static_cast<std::int64_t>(sqlite3_last_insert_rowid(db)) : 0);
        }
        g.release();
        if (!ok) {
            op_rollback(outer);
            return {};
        }
        if (!op_commit(outer, "insert into", t, ec, diag))
            return {};
        return ids;
    }

    std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch, error_code& ec,
                       diagnostics& diag) {
        if (ch.empty())
            return count(t, f, ec, diag);
        ec.clear();
        if (!transaction_intact(ec, diag))
            return 0;
        auto build = [&](const table_info& ti, bool& unknown) {
            namespace si = detail::sqlite_impl;
            sql.assign("UPDATE ");
            si::quote_ident(sql, t);
            sql += " SET ";
            binds.clear();
            for (std::size_t i = 0; i < ch.size(); ++i) {
                const change& c = ch[i];
                const si::column_info* col = si::find_column(ti, t, c.column, unknown, ec, diag);
                if (!col)
                    return false;
                if (i)
                    sql += ", ";
                si::quote_ident(sql, col->name);
                sql += " = ";
                if (c.type == change::kind::add) {
                    if (col->type != column_type::integer || c.value.type() != value::kind::integer)
                        return si::schema_err(ec, diag, t, col->name,
                                              "add() needs an integer column and an integer; column " +
                                                  si::qualified(t, col->name) + " is " + std::string(to_string(col->type)));
                    si::quote_ident(sql, col->name);
                    sql += " + ";
                } else if (!si::check_value(*col, t, c.value, true, ec, diag)) {
                    return false;
                }
                si::append_param(sql, binds, &c.value);
            }
            return si::where_sql(ti, t, f, sql, binds, unknown, ec, diag);
        };
        if (!resolve(t, build, ec, diag))
            return 0;
        return run_changes(t, "update of", ec, diag);
    }

    std::size_t remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return 0;
        auto build = [&](const table_info& ti, bool& unknown) {
            sql.assign("DELETE FROM ");
            quote_ident(sql, t);
            binds.clear();
            return where_sql(ti, t, f, sql, binds, unknown, ec, diag);
        };
        if (!resolve(t, build, ec, diag))
            return 0;
        return run_changes(t, "remove from", ec, diag);
    }

    /// How many rows match.
    std::size_t count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return 0;
        auto build = [&](const table_info& ti, bool& unknown) {
            sql.assign("SELECT count(*) FROM ");
            quote_ident(sql, t);
            binds.clear();
            return where_sql(ti, t, f, sql, binds, unknown, ec, diag);
        };
        if (!resolve(t, build, ec, diag))
            return 0;
        stmt_guard g;
        if (!prepare(sql, g, "count of", t, ec, diag) || !bind_all(g.get(), "count of", t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_ROW) {
            fail_db(rc, "count of", t, ec, diag);
            return 0;
        }
        return static_cast<std::size_t>(sqlite3_column_int64(g.get(), 0));
    }

    // Runs one SQL statement of the caller's (engine::query).
    std::size_t query(std::string_view sql, std::span<const value> params, row_callback on_row, error_code& ec,
                      diagnostics& diag) {
        ec.clear();
        if (!transaction_intact(ec, diag))
            return 0;
        stmt_guard g;
        if (!prepare(sql, g, "query", {}, ec, diag, single_statement))
            return 0;
        sqlite3_stmt* st = g.get();
        int n = sqlite3_bind_parameter_count(st);
        if (params.size() != static_cast<std::size_t>(n)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "params",
                                  "query has " + std::to_string(n) + " parameters but " + std::to_string(params.size()) +
                                      " values were given");
            return 0;
        }
        for (std::size_t i = 0; i < params.size(); ++i)
            if (!bind(st, static_cast<int>(i + 1), params[i], "query", {}, ec, diag))
                return 0;
        sqlite3_int64 before = sqlite3_total_changes64(db);
        std::vector<cell_view> cells;
        bool meta = false;
        for (;;) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                if (!meta) {
                    g.entry().ensure_meta();
                    cells.resize(g.entry().json.size());
                    meta = true;
                }
                for (std::size_t i = 0; i < cells.size(); ++i)
                    read_cell(st, static_cast<int>(i), g.entry().json[i] != 0, cells[i]);
                on_row(std::span<const cell_view>(cells.data(), cells.size()));
                continue;
            }
            if (rc == SQLITE_DONE)
                break;
            fail_db(rc, "query", {}, ec, diag);
            return 0;
        }
        g.release();
        if (is_ddl(sql))
            catalog.clear();
        return sqlite3_total_changes64(db) != before ? static_cast<std::size_t>(sqlite3_changes64(db)) : 0;
    }

    bool bind_record(sqlite3_stmt* st, const record& r, std::string_view t, error_code& ec, diagnostics& diag) {
        for (std::size_t i = 0; i < r.size(); ++i)
            if (!bind(st, static_cast<int>(i + 1), r.at(i).value, "insert into", t, ec, diag))
                return false;
        return true;
    }

    // Builds, runs and reads a SELECT with the given limit (0: none).
    bool select(std::string_view t, const find_options& fo, std::size_t limit, std::vector<record>& out, error_code& ec,
                diagnostics& diag) {
        namespace si = detail::sqlite_impl;
        value lim(static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX))));
        auto build = [&](const si::table_info& ti, bool& unknown) {
            sql.assign("SELECT ");
            binds.clear();
            if (fo.fields.empty()) {
                sql += '*';
            } else {
                for (std::size_t i = 0; i < fo.fields.size(); ++i) {
                    const si::column_info* c = si::find_column(ti, t, fo.fields[i], unknown, ec, diag);
                    if (!c)
                        return false;
                    if (i)
                        sql += ", ";
                    si::quote_ident(sql, c->name);
                }
            }
            sql += " FROM ";
            si::quote_ident(sql, t);
            if (!si::where_sql(ti, t, fo.where, sql, binds, unknown, ec, diag))
                return false;
            for (std::size_t i = 0; i < fo.order.size(); ++i) {
                const si::column_info* c = si::find_column(ti, t, fo.order[i].column, unknown, ec, diag);
                if (!c)
                    return false;
                sql += i ? ", " : " ORDER BY ";
                si::quote_ident(sql, c->name);
                if (fo.order[i].descending)
                    sql += " DESC";
            }
            if (limit) {
                sql += " LIMIT ";
                si::append_param(sql, binds, &lim);
            }
            return true;
        };
        if (!resolve(t, build, ec, diag))
            return false;
        stmt_guard g;
        if (!prepare(sql, g, "find in", t, ec, diag) || !bind_all(g.get(), "find in", t, ec, diag))
            return false;
        sqlite3_stmt* st = g.get();
        bool meta = false;
        for (;;) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                si::stmt_entry& e = g.entry();
                if (!meta) {
                    e.ensure_meta();
                    meta = true;
                }
                record r;
                r.reserve(e.names.size());
                for (std::size_t i = 0; i < e.names.size(); ++i)
                    r.push_back(e.names[i], si::read_value(st, static_cast<int>(i), e.json[i] != 0));
                out.push_back(std::move(r));
                continue;
            }
            if (rc == SQLITE_DONE)
                return true;
            fail_db(rc, "find in", t, ec, diag);
            out.clear();
            return false;
        }
    }

    // Runs the UPDATE or DELETE in the scratch buffer; returns sqlite3_changes.
    std::size_t run_changes(std::string_view t, std::string_view op, error_code& ec, diagnostics& diag) {
        stmt_guard g;
        if (!prepare(sql, g, op, t, ec, diag) || !bind_all(g.get(), op, t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_DONE) {
            fail_db(rc, op, t, ec, diag);
            return 0;
        }
        return static_cast<std::size_t>(sqlite3_changes64(db));
    }


private:
    // The name of the unique index a "UNIQUE constraint failed: t.a, t.b" message is about, or the
    // message's column list when no declared index matches (a primary key).
    std::string unique_index_for(const std::string& msg) {
        auto p = msg.find("failed: ");
        if (p == std::string::npos)
            return {};
        std::string list = msg.substr(p + 8);
        std::string table;
        std::vector<std::string> cols;
        std::size_t start = 0;
        while (start <= list.size()) {
            std::size_t end = list.find(", ", start);
            std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
            auto dot = item.find('.');
            if (dot == std::string::npos)
                return list;
            table = item.substr(0, dot);
            cols.push_back(item.substr(dot + 1));
            if (end == std::string::npos)
                break;
            start = end + 2;
        }
        error_code ec;
        diagnostics diag;
        std::vector<std::string> candidates;
        {
            stmt_guard g;
            if (!prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND origin = 'c'", g, "", {}, ec,
                         diag))
                return list;
            bind_text(g.get(), 1, table);
            while (sqlite3_step(g.get()) == SQLITE_ROW)
                if (auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0)))
                    candidates.emplace_back(n);
        }
        for (const auto& name : candidates) {
            stmt_guard g;
            if (!prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", g, "", {}, ec, diag))
                return list;
            bind_text(g.get(), 1, name);
            std::vector<std::string> ix;
            while (sqlite3_step(g.get()) == SQLITE_ROW) {
                auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                ix.emplace_back(n ? n : "");
            }
            if (ix == cols)
                return name;
        }
        return list;
    }
};

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_CONNECTION_HPP
