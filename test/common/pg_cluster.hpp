//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_PG_CLUSTER_HPP
#define HOOKBOX_TEST_COMMON_PG_CLUSTER_HPP

// The PostgreSQL server the PostgreSQL tests run against: the throw-away server that
// scripts/pg_cluster.sh starts in the folder named by $HOOKBOX_TEST_PG_DIR (CTest's `postgres`
// fixture starts and stops it), and a fresh schema on it for each engine a test makes, so that
// tests running at the same time in several processes never see each other's tables.

#include <libpq-fe.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace hookbox::test {

// The environment variable that names the server's folder.
inline constexpr const char* pg_dir_variable = "HOOKBOX_TEST_PG_DIR";

// The server's URI, postgresql://postgres@127.0.0.1:PORT/postgres, read from $HOOKBOX_TEST_PG_DIR/uri.
// Throws std::runtime_error, naming the variable and how to set it, when it is unset or the file is
// missing or empty.
inline std::string pg_test_uri() {
    const char* dir = std::getenv(pg_dir_variable);
    if (dir == nullptr || *dir == '\0')
        throw std::runtime_error(std::string(pg_dir_variable) +
                                 " is not set: run the PostgreSQL tests through ctest (its `postgres` fixture "
                                 "starts a server), or run `scripts/pg_cluster.sh start DIR` and set " +
                                 pg_dir_variable + "=DIR");
    const std::filesystem::path file = std::filesystem::path(dir) / "uri";
    std::ifstream in(file);
    std::string uri;
    if (!in || !std::getline(in, uri) || uri.empty())
        throw std::runtime_error(file.string() + " cannot be read (" + pg_dir_variable + "=" + dir +
                                 "): is the server started? `scripts/pg_cluster.sh start " + dir + "` starts it");
    return uri;
}

// A connection for the tests' own statements. Throws std::runtime_error when it cannot connect or
// a statement fails, with the server's message.
class pg_test_connection {
public:
    explicit pg_test_connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str()), &PQfinish) {
        if (!conn_)
            throw std::runtime_error("libpq could not allocate a connection");
        if (PQstatus(conn_.get()) != CONNECTION_OK)
            throw std::runtime_error("cannot connect to " + conninfo + ": " + PQerrorMessage(conn_.get()));
        // Notices (such as "schema ... does not exist, skipping") are not the tests' output.
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    }

    // Runs `sql` (one statement or several) and returns the first column of the last one's rows
    // (NULL as an empty string).
    std::vector<std::string> exec(const std::string& sql) {
        std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn_.get(), sql.c_str()), &PQclear);
        const auto status = PQresultStatus(res.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            throw std::runtime_error("`" + sql + "` failed: " + PQerrorMessage(conn_.get()));
        std::vector<std::string> out;
        if (status == PGRES_TUPLES_OK && PQnfields(res.get()) > 0) {
            for (int i = 0; i < PQntuples(res.get()); ++i)
                out.emplace_back(PQgetvalue(res.get(), i, 0));
        }
        return out;
    }

private:
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

// The name pg_fresh_schema_conninfo gives its next schema: "t_" + the tag (letters, digits and
// underscores, lower case, at most 32) + "_" + this process's id + "_" + a counter.
inline std::string pg_next_schema_name(std::string_view tag) {
    static std::atomic<unsigned> counter{0};
    std::string name = "t_";
    for (char c : tag.substr(0, 32)) {
        const auto u = static_cast<unsigned char>(c);
        name += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_';
    }
    name += "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    return name;
}

// A conninfo (the server's URI with `options=-c search_path=<schema>`) whose connections create and
// find their tables in `schema`, a new and empty schema of that name: one left by an earlier run
// under the same name (a process id comes again) is dropped first, with its tables.
// Throws std::invalid_argument unless `schema` is lower-case letters, digits and underscores.
inline std::string pg_schema_conninfo(const std::string& schema) {
    const bool plain = !schema.empty() && schema.size() <= 63 && !std::isdigit(static_cast<unsigned char>(schema[0])) &&
                       schema.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
    if (!plain)
        throw std::invalid_argument("'" + schema + "' is not a plain schema name");
    const std::string uri = pg_test_uri();
    pg_test_connection(uri).exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    // In a URI the option's value is percent-encoded: "-c search_path=<schema>".
    return uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" + schema;
}

// pg_schema_conninfo on a schema of a name no other test uses (pg_next_schema_name): what each
// factory's make() calls, so that every engine a test makes starts empty.
inline std::string pg_fresh_schema_conninfo(std::string_view tag) {
    return pg_schema_conninfo(pg_next_schema_name(tag));
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_PG_CLUSTER_HPP
