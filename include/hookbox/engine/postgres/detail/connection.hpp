//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_DETAIL_CONNECTION_HPP
#define HOOKBOX_ENGINE_POSTGRES_DETAIL_CONNECTION_HPP

// One libpq connection of the PostgreSQL engine: statements with text parameters, prepared once per
// connection and kept in a bounded cache, the levels of the transaction open on it, and the mapping
// of the server's SQLSTATE codes to hookbox's errors.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/detail/sql_text/catalog.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>
#include <hookbox/engine/postgres/params.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox::engine::detail::postgres_impl {

using namespace sql_text;

struct result_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

inline bool starts_with(std::string_view s, std::string_view p) noexcept { return s.substr(0, p.size()) == p; }

// The hookbox error for a SQLSTATE (PostgreSQL's Appendix A).
inline errc map_sqlstate(std::string_view st) noexcept {
    if (st == "23505")
        return errc::unique_violation;
    if (starts_with(st, "23") || st == "42P01" || st == "42703" || st == "42804" || st == "42701" || st == "42P07" ||
        st == "42710" || st == "42704" || st == "42P16")
        return errc::schema_error;  // other constraints, unknown or duplicate table, column or object, wrong type
    if (st == "40001" || st == "40P01" || st == "55P03" || st == "57014" || st == "53300" || st == "55006")
        return errc::storage_busy;  // serialization, deadlock, lock wait, statement timeout, connections
    if (st == "25006")
        return errc::read_only;
    if (st == "53100")
        return errc::storage_full;
    if (starts_with(st, "08") || starts_with(st, "57") || starts_with(st, "58") || starts_with(st, "XX") ||
        starts_with(st, "53") || st == "25P02")
        return errc::storage_failure;  // connection, shutdown, system, internal errors
    return errc::invalid_argument;     // syntax, data and other SQL errors
}

// Text-format parameters of one statement, kept alive for its call.
struct params_text {
    std::vector<std::string> owned;
    std::vector<const char*> values;
    std::vector<int> lengths;

    // Fails for what PostgreSQL cannot hold: NaN is fine there, a NUL byte in text is not.
    bool set(std::span<const value* const> binds, std::string_view op, std::string_view table, error_code& ec,
             diagnostics& diag) {
        owned.assign(binds.size(), std::string());
        values.assign(binds.size(), nullptr);
        lengths.assign(binds.size(), 0);
        for (std::size_t i = 0; i < binds.size(); ++i) {
            const value& v = *binds[i];
            std::string& s = owned[i];
            switch (v.type()) {
            case value::kind::null: continue;
            case value::kind::integer: {
                char buf[24];
                auto r = std::to_chars(buf, buf + sizeof buf, v.as_integer());
                s.assign(buf, r.ptr);
                break;
            }
            case value::kind::real: {
                double d = v.as_real();
                if (std::isnan(d)) {
                    s = "NaN";
                } else if (std::isinf(d)) {
                    s = d > 0 ? "Infinity" : "-Infinity";
                } else {
                    char buf[32];
                    auto r = std::to_chars(buf, buf + sizeof buf, d);
                    s.assign(buf, r.ptr);
                }
                break;
            }
            case value::kind::text:
            case value::kind::json:
                if (v.as_text().find('\0') != std::string::npos) {
                    hookbox::detail::fail(ec, diag, errc::invalid_argument, "params",
                                          std::string(op) + (table.empty() ? "" : " ") + std::string(table) +
                                              ": parameter " + std::to_string(i + 1) +
                                              " holds a NUL byte, which PostgreSQL text cannot hold");
                    return false;
                }
                s = v.as_text();
                break;
            }
            values[i] = s.c_str();
            lengths[i] = static_cast<int>(s.size());
        }
        return true;
    }
};

// The value kind of a result column by its type's OID (text format): integers, reals, json, and
// text for everything else.
inline value::kind kind_of_oid(Oid oid) noexcept {
    switch (oid) {
    case 16:  // bool
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
    case 26:  // oid
    case 28:  // xid
        return value::kind::integer;
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
        return value::kind::real;
    case 114:   // json
    case 3802:  // jsonb
        return value::kind::json;
    default: return value::kind::text;
    }
}

// Reads one cell of a text-format result as a cell_view of kind `k` (text views libpq's buffer).
inline cell_view read_cell(const PGresult* r, int row, int col, value::kind k) {
    cell_view c;
    if (PQgetisnull(r, row, col))
        return c;
    const char* p = PQgetvalue(r, row, col);
    std::string_view s(p, static_cast<std::size_t>(PQgetlength(r, row, col)));
    switch (k) {
    case value::kind::integer:
        c.type = value::kind::integer;
        if (s == "t" || s == "f")
            c.integer = s == "t" ? 1 : 0;
        else
            std::from_chars(s.data(), s.data() + s.size(), c.integer);
        return c;
    case value::kind::real:
        c.type = value::kind::real;
        if (s == "NaN")
            c.real = std::nan("");
        else if (s == "Infinity" || s == "-Infinity")
            c.real = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        else
            c.real = std::strtod(std::string(s).c_str(), nullptr);
        return c;
    default:
        c.type = k;
        c.text = s;
        return c;
    }
}

inline value to_value(const cell_view& c) {
    switch (c.type) {
    case value::kind::null: return value();
    case value::kind::integer: return value(c.integer);
    case value::kind::real: return value(c.real);
    case value::kind::text: return value(std::string(c.text));
    case value::kind::json: return value::json(std::string(c.text));
    }
    return value();
}

// Statements prepared on one connection, by text, least recently used first out.
class statement_cache {
public:
    explicit statement_cache(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

    struct entry {
        std::string text;
        std::string name;
        int params = 0;
    };

    // The entry for `text`, made most recent; null when not prepared.
    const entry* find(std::string_view text) {
        auto it = index_.find(text);
        if (it == index_.end())
            return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        return &*it->second;
    }

    // Adds an entry; returns the name of one to deallocate first (empty if none).
    std::string add(std::string text, std::string name, int params) {
        std::string evicted;
        if (lru_.size() >= capacity_) {
            evicted = std::move(lru_.back().name);
            index_.erase(std::string_view(lru_.back().text));
            lru_.pop_back();
        }
        lru_.push_front(entry{std::move(text), std::move(name), params});
        index_.emplace(std::string_view(lru_.front().text), lru_.begin());
        return evicted;
    }

    void clear() noexcept {
        index_.clear();
        lru_.clear();
    }

    std::size_t size() const noexcept { return lru_.size(); }

private:
    std::size_t capacity_;
    std::list<entry> lru_;
    std::unordered_map<std::string_view, std::list<entry>::iterator, string_hash, std::equal_to<>> index_;
};

inline void ignore_notice(void*, const char*) {}

// One connection, owned (opened by the engine) or attached (the caller's).
class connection {
public:
    PGconn* conn = nullptr;
    bool owned = false;
    statement_cache cache;
    std::uint64_t next_name = 0;
    // The open levels of the transaction on this connection: false for BEGIN, true for a savepoint.
    std::vector<bool> levels;
    // Set when a statement failed inside the transaction: PostgreSQL then refuses everything but a
    // rollback, so the engine reports this error for every statement and commit until then.
    std::optional<std::pair<error_code, diagnostics>> aborted;
    // The SQLSTATE of the last failure (empty for a failure without one, such as a lost connection).
    std::string last_sqlstate;

    connection(PGconn* c, bool own, std::size_t cache_size) : conn(c), owned(own), cache(cache_size) {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() {
        if (owned && conn)
            PQfinish(conn);
    }

    bool broken() const noexcept { return !conn || PQstatus(conn) != CONNECTION_OK; }

    // Connects as the params say; null with ec set on failure.
    static std::unique_ptr<connection> open(const postgres_params& p, error_code& ec, diagnostics& diag) {
        PGconn* c = PQconnectdb(p.conninfo.c_str());
        if (!c) {
            hookbox::detail::fail(ec, diag, errc::storage_failure, "conninfo", "PostgreSQL: out of memory connecting");
            return nullptr;
        }
        if (PQstatus(c) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(c);
            while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
                msg.pop_back();
            PQfinish(c);
            hookbox::detail::fail(ec, diag, errc::storage_failure, "conninfo", "cannot connect to PostgreSQL: " + msg);
            return nullptr;
        }
        PQsetNoticeProcessor(c, &ignore_notice, nullptr);
        auto out = std::make_unique<connection>(c, true, p.statement_cache_size);
        std::string setup = "SET client_min_messages = warning";
        if (!out->exec(setup, "connect", {}, ec, diag))
            return nullptr;
        if (p.statement_timeout.count() > 0 &&
            !out->exec("SET statement_timeout = " + std::to_string(p.statement_timeout.count()), "connect", {}, ec,
                       diag))
            return nullptr;
        return out;
    }

    bool in_transaction() const noexcept {
        auto s = PQtransactionStatus(conn);
        return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
    }

    // Fails with the error that aborted the open transaction, if one did.
    bool transaction_intact(error_code& ec, diagnostics& diag) const {
        if (!aborted)
            return true;
        ec = aborted->first;
        diag = aborted->second;
        return false;
    }

    // Sets ec and diag from a failed result (or from the connection when there is none).
    void fail_result(const PGresult* r, std::string_view op, std::string_view table, error_code& ec,
                     diagnostics& diag) {
        std::string field(table);
        std::string msg;
        errc e = errc::storage_failure;
        const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        if (state) {
            last_sqlstate = state;
            e = map_sqlstate(state);
            const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            msg = primary ? primary : "";
            const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
            if (detail)
                msg += std::string(" (") + detail + ")";
            const char* column = PQresultErrorField(r, PG_DIAG_COLUMN_NAME);
            const char* tbl = PQresultErrorField(r, PG_DIAG_TABLE_NAME);
            const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
            if (e == errc::unique_violation && constraint)
                field = constraint;
            else if (column && tbl)
                field = std::string(tbl) + "." + column;
            else if (last_sqlstate == "42601")
                field = "sql";
            else if (last_sqlstate == "08P01" || last_sqlstate == "42P02")
                field = "params";
        } else {
            last_sqlstate.clear();
            msg = PQerrorMessage(conn);
            while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
                msg.pop_back();
            if (msg.empty())
                msg = "the connection to the server was lost";
        }
        std::string text = std::string(op);
        if (!table.empty()) {
            text += ' ';
            text += table;
        }
        text += ": ";
        text += msg;
        hookbox::detail::fail(ec, diag, e, std::move(field), std::move(text));
        if (!levels.empty() && in_transaction() && PQtransactionStatus(conn) == PQTRANS_INERROR)
            aborted.emplace(ec, diag);
    }

    // Runs a statement without parameters and without preparing it (DDL, transaction control).
    bool exec(const std::string& sql, std::string_view op, std::string_view table, error_code& ec,
              diagnostics& diag) {
        result_ptr r(PQexec(conn, sql.c_str()));
        auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            return true;
        fail_result(r.get(), op, table, ec, diag);
        return false;
    }

    // Runs a statement with text parameters; prepared and cached unless `cached` is false. Null
    // with ec set on failure; on success a result whose status is COMMAND_OK or TUPLES_OK.
    result_ptr run(std::string_view sql, std::span<const value* const> binds, std::string_view op,
                   std::string_view table, error_code& ec, diagnostics& diag, bool cached = true) {
        params_text pt;
        if (!pt.set(binds, op, table, ec, diag))
            return nullptr;
        const int n = static_cast<int>(binds.size());
        result_ptr r;
        if (!cached) {
            std::string text(sql);
            r.reset(PQexecParams(conn, text.c_str(), n, nullptr, pt.values.data(), pt.lengths.data(), nullptr, 0));
        } else {
            const statement_cache::entry* e = cache.find(sql);
            if (!e && !(e = prepare(sql, op, table, ec, diag)))
                return nullptr;
            if (e->params != n) {
                hookbox::detail::fail(ec, diag, errc::invalid_argument, "params",
                                      std::string(op) + ": the statement has " + std::to_string(e->params) +
                                          " parameters but " + std::to_string(n) + " values were given");
                return nullptr;
            }
            r.reset(PQexecPrepared(conn, e->name.c_str(), n, pt.values.data(), pt.lengths.data(), nullptr, 0));
        }
        auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
            return r;
        fail_result(r.get(), op, table, ec, diag);
        // A plan cached before the schema changed under it: prepare it again next time.
        if (last_sqlstate == "0A000" || last_sqlstate == "26000")
            forget_statements();
        return nullptr;
    }

    // Drops every prepared statement (after DDL, which may change what they return).
    void forget_statements() {
        if (cache.size() == 0)
            return;
        cache.clear();
        if (!aborted && PQtransactionStatus(conn) != PQTRANS_INERROR)
            result_ptr(PQexec(conn, "DEALLOCATE ALL"));
        else
            deallocate_pending = true;
    }

    bool deallocate_pending = false;

private:
    const statement_cache::entry* prepare(std::string_view sql, std::string_view op, std::string_view table,
                                          error_code& ec, diagnostics& diag) {
        if (deallocate_pending && !in_transaction()) {
            result_ptr(PQexec(conn, "DEALLOCATE ALL"));
            deallocate_pending = false;
        }
        std::string name = "hb" + std::to_string(++next_name);
        std::string text(sql);
        result_ptr r(PQprepare(conn, name.c_str(), text.c_str(), 0, nullptr));
        if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            fail_result(r.get(), op, table, ec, diag);
            if (last_sqlstate == "42601" && text.find(';') != std::string::npos)
                diag.assign("sql", diag.message());
            return nullptr;
        }
        result_ptr d(PQdescribePrepared(conn, name.c_str()));
        if (!d || PQresultStatus(d.get()) != PGRES_COMMAND_OK) {
            fail_result(d.get(), op, table, ec, diag);
            return nullptr;
        }
        std::string evicted = cache.add(std::move(text), name, PQnparams(d.get()));
        if (!evicted.empty()) {
            std::string dealloc = "DEALLOCATE " + evicted;
            result_ptr(PQexec(conn, dealloc.c_str()));
        }
        return cache.find(sql);
    }
};

}  // namespace hookbox::engine::detail::postgres_impl

#endif  // HOOKBOX_ENGINE_POSTGRES_DETAIL_CONNECTION_HPP
