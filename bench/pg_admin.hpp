//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_BENCH_PG_ADMIN_HPP
#define HOOKBOX_BENCH_PG_ADMIN_HPP

// What the PostgreSQL benchmarks do beside the outbox, on connections of their own (libpq, no
// hookbox): a fresh schema per run, the server's settings, the rows counted by status, the dead
// tuples of the delivery tables, and a transaction held open.

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hookbox::bench {

// The server of the benchmarks: the first argument when there is one, else the environment
// variable `var`, else the peers' cluster (bench/peers/w3/pg.sh).
inline std::string pg_uri(const char* var, int argc, char** argv, int index) {
    if (argc > index)
        return argv[index];
    if (const char* v = std::getenv(var); v && *v)
        return v;
    return "postgresql://postgres@127.0.0.1:15432/postgres";
}

// `conninfo` with `search_path` set to `schema`, `application_name` set to `app`, and the server
// settings `settings` ("name=value", ...) for its sessions, in the form `conninfo` is written in (a
// URI takes query parameters, keyword/value pairs take more pairs).
inline std::string with_schema(const std::string& conninfo, const std::string& schema, const std::string& app,
                               const std::vector<std::string>& settings = {}) {
    const bool uri = conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
    std::string options = "-csearch_path=" + schema;
    for (const auto& s : settings)
        options += " -c" + s;
    if (!uri)
        return conninfo + " options='" + options + "' application_name=" + app;
    std::string escaped;
    for (char c : options)
        escaped += c == ' ' ? std::string("%20") : c == '=' ? std::string("%3D") : std::string(1, c);
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "options=" + escaped +
           "&application_name=" + app;
}

// One libpq connection that runs text statements and fails loudly.
class pg_admin {
public:
    explicit pg_admin(const std::string& conninfo) : c_(PQconnectdb(conninfo.c_str())) {
        if (PQstatus(c_) != CONNECTION_OK) {
            std::string msg = PQerrorMessage(c_);
            PQfinish(c_);
            throw std::runtime_error("connect: " + msg);
        }
        exec("SET client_min_messages = warning");
    }
    pg_admin(const pg_admin&) = delete;
    pg_admin& operator=(const pg_admin&) = delete;
    ~pg_admin() { PQfinish(c_); }

    // Runs `sql` (one or more statements) and returns the rows of the last one, as text.
    std::vector<std::vector<std::string>> rows(const std::string& sql) {
        PGresult* r = PQexec(c_, sql.c_str());
        auto st = PQresultStatus(r);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            std::string msg = PQresultErrorMessage(r);
            PQclear(r);
            throw std::runtime_error(sql + ": " + msg);
        }
        std::vector<std::vector<std::string>> out;
        for (int i = 0; i < PQntuples(r); ++i) {
            std::vector<std::string> row;
            for (int j = 0; j < PQnfields(r); ++j)
                row.emplace_back(PQgetisnull(r, i, j) ? "" : PQgetvalue(r, i, j));
            out.push_back(std::move(row));
        }
        PQclear(r);
        return out;
    }

    void exec(const std::string& sql) { rows(sql); }

    // The first column of the first row.
    std::string scalar(const std::string& sql) {
        auto r = rows(sql);
        if (r.empty() || r.front().empty())
            throw std::runtime_error(sql + ": no rows");
        return r.front().front();
    }

    long long integer(const std::string& sql) { return std::stoll(scalar(sql)); }

    // Waits until no backend of `app` is left, at most `limit`. A backend flushes its statistics
    // before it leaves pg_stat_activity (PostgreSQL 15: the statistics' exit hook runs before the
    // one that clears the backend's entry), so afterwards pg_stat_user_tables holds its counts.
    void wait_backends_gone(const std::string& app, std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (integer("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'") > 0) {
            if (std::chrono::steady_clock::now() > until)
                throw std::runtime_error("the backends of " + app + " did not exit");
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    PGconn* native() noexcept { return c_; }

private:
    PGconn* c_;
};

// A schema created for one run and dropped with everything in it at the end.
class scoped_schema {
public:
    scoped_schema(pg_admin& admin, std::string name) : admin_(admin), name_(std::move(name)) {
        admin_.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
    }
    scoped_schema(const scoped_schema&) = delete;
    scoped_schema& operator=(const scoped_schema&) = delete;
    ~scoped_schema() {
        try {
            admin_.exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
        } catch (...) {
        }
    }
    const std::string& name() const noexcept { return name_; }

private:
    pg_admin& admin_;
    std::string name_;
};

}  // namespace hookbox::bench

#endif  // HOOKBOX_BENCH_PG_ADMIN_HPP
