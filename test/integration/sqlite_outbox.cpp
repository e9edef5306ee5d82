//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox on real SQLite files: several processes claiming from one file, enqueue inside the
// caller's own transaction, and a read-only, locked or full database.

#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace hookbox::test {

namespace {

using sqlite_storage = sql_storage<engine::sqlite_engine>;
using file_outbox = basic_outbox<sqlite_storage, manual_clock>;

engine::sqlite_engine open_engine(const std::string& path, std::chrono::milliseconds busy = std::chrono::seconds(5),
                                  bool read_only = false) {
    engine::sqlite_params p;
    p.path = path;
    p.busy_timeout = busy;
    p.read_only = read_only;
    return engine::sqlite_engine(p);
}

claim_options claim_all(std::size_t limit = 100) {
    claim_options o;
    o.node_id = "node-A";
    o.limit = limit;
    o.claim_ttl = std::chrono::seconds(60);
    return o;
}

std::vector<enqueue_request> requests(int from, int to) {
    std::vector<enqueue_request> out;
    for (int i = from; i < to; ++i)
        out.push_back(make_request("wh-" + std::to_string(i % 16), "evt-" + std::to_string(i)));
    return out;
}

// A connection of the caller's own, as an application holds one.
struct raw_connection {
    sqlite3* db = nullptr;
    explicit raw_connection(const std::string& path) {
        BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_busy_timeout(db, 5000);
    }
    ~raw_connection() { sqlite3_close(db); }
    void exec(const std::string& sql) {
        char* err = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        std::string msg = err ? err : "";
        sqlite3_free(err);
        BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << msg);
    }
    long long scalar(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        BOOST_REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        long long v = -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_outbox)

BOOST_AUTO_TEST_CASE(four_processes_claim_every_row_exactly_once) {
    temp_dir dir;
    const std::string path = dir.file("shared");
    constexpr int rows = 2000;
    {
        file_outbox ob(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
        auto made = ob.enqueue_many(requests(0, rows));
        BOOST_TEST_REQUIRE(made.size() == std::size_t(rows));
    }
    std::vector<pid_t> pids;
    std::vector<std::string> outputs;
    for (int i = 0; i < 4; ++i) {
        std::string node = "node-" + std::to_string(i);
        outputs.push_back((dir.path() / (node + ".out")).string());
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, outputs.back().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::string program = HOOKBOX_TEST_CLAIMER, file = path, limit = "7";
        std::vector<char*> argv{program.data(), file.data(), node.data(), limit.data(), nullptr};
        pid_t pid = 0;
        int rc = posix_spawn(&pid, HOOKBOX_TEST_CLAIMER, &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        BOOST_REQUIRE_MESSAGE(rc == 0, "posix_spawn failed: " << rc);
        pids.push_back(pid);
    }
    for (pid_t pid : pids) {
        int status = 0;
        BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
        BOOST_TEST(WIFEXITED(status));
        BOOST_TEST(WEXITSTATUS(status) == 0);
    }
    std::map<std::string, int> times_claimed;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        std::ifstream in(outputs[i]);
        int mine = 0;
        for (std::string line; std::getline(in, line);) {
            ++times_claimed[line];
            ++mine;
        }
        BOOST_TEST_MESSAGE("node-" << i << " claimed " << mine << " rows");
    }
    BOOST_TEST(times_claimed.size() == std::size_t(rows));
    int duplicates = 0;
    for (const auto& [id, n] : times_claimed)
        duplicates += n > 1;
    BOOST_TEST(duplicates == 0);
    // Each row was acked once: success with one attempt.
    raw_connection check(path);
    BOOST_TEST(check.scalar("SELECT count(*) FROM sys_webhook_delivery WHERE status = 'success' AND attempts = 1") ==
               rows);
}

BOOST_AUTO_TEST_CASE(enqueue_joins_the_callers_transaction) {
    temp_dir dir;
    const std::string path = dir.file("app");
    // The application's own table, next to the outbox's, on its own connection.
    file_outbox setup(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
    raw_connection app(path);
    app.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)");
    file_outbox in_tx(outbox_params{}, sqlite_storage(engine::sqlite_engine::attach(app.db)), manual_clock());

    // Commit: the order and its delivery land together.
    app.exec("BEGIN IMMEDIATE");
    app.exec("INSERT INTO orders (id, total) VALUES (1, 100)");
    auto created = in_tx.enqueue(make_request("wh-1", "order-1"));
    BOOST_TEST(created.created);
    app.exec("COMMIT");
    BOOST_TEST(setup.get(created.id).has_value());
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery_payload") == 1);
    auto claimed = setup.claim(claim_all());
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == created.id);
    BOOST_TEST(claimed[0].payload.body() == make_request("wh-1", "order-1").payload.body());

    // Rollback: neither the order nor its delivery remains.
    app.exec("BEGIN IMMEDIATE");
    app.exec("INSERT INTO orders (id, total) VALUES (2, 200)");
    auto dropped = in_tx.enqueue(make_request("wh-1", "order-2"));
    BOOST_TEST(dropped.created);
    app.exec("ROLLBACK");
    BOOST_TEST(app.scalar("SELECT count(*) FROM orders") == 1);
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery_payload") == 1);
    BOOST_TEST(!setup.get(dropped.id).has_value());
    BOOST_TEST(setup.list().items.size() == 1u);
    BOOST_TEST(setup.claim(claim_all()).empty());
    // The attached engine left the caller's connection open and usable.
    BOOST_TEST(app.scalar("SELECT total FROM orders WHERE id = 1") == 100);
}

// A delivery row and its payload row are written in one transaction: when the payload cannot be
// written, the row does not stay either, whether the engine opened the transaction or joined the
// caller's.
BOOST_AUTO_TEST_CASE(an_enqueue_whose_payload_cannot_be_written_leaves_no_row) {
    temp_dir dir;
    const std::string path = dir.file("payload");
    file_outbox own(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
    raw_connection app(path);
    app.exec("CREATE TRIGGER no_payloads BEFORE INSERT ON sys_webhook_delivery_payload "
             "BEGIN SELECT RAISE(ABORT, 'payloads refused'); END");
    error_code ec;
    diagnostics diag;
    own.enqueue(make_request("wh-1", "evt-1"), ec, diag);
    BOOST_TEST(ec, "the enqueue did not fail");
    BOOST_TEST(diag.message().find("payloads refused") != std::string::npos, diag.message());
    own.enqueue_many(requests(0, 3), ec, diag);
    BOOST_TEST(ec, "the batch did not fail");
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery") == 0);

    file_outbox in_tx(outbox_params{}, sqlite_storage(engine::sqlite_engine::attach(app.db)), manual_clock());
    app.exec("BEGIN IMMEDIATE");
    in_tx.enqueue(make_request("wh-1", "evt-2"), ec, diag);
    BOOST_TEST(ec, "the enqueue in the caller's transaction did not fail");
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery") == 0);  // inside the open transaction
    app.exec("COMMIT");
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery") == 0);

    // Without the trigger, the same requests go through, each with its payload.
    app.exec("DROP TRIGGER no_payloads");
    BOOST_TEST(own.enqueue(make_request("wh-1", "evt-1")).created);
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery") == 1);
    BOOST_TEST(app.scalar("SELECT count(*) FROM sys_webhook_delivery_payload") == 1);
}

namespace {

std::vector<std::string>* traced = nullptr;

int trace_statement(unsigned, void*, void* stmt, void*) {
    if (traced)
        traced->push_back(sqlite3_sql(static_cast<sqlite3_stmt*>(stmt)));
    return 0;
}

// SQLite's plan for `sql`, one line per step.
std::vector<std::string> plan_of(sqlite3* db, const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    const std::string explain = "EXPLAIN QUERY PLAN " + sql;
    BOOST_REQUIRE_MESSAGE(sqlite3_prepare_v2(db, explain.c_str(), -1, &st, nullptr) == SQLITE_OK,
                          sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW)
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)));
    sqlite3_finalize(st);
    return out;
}

}  // namespace

// Claims, the reap, replays of dead rows and the failure report read the rows they need through
// the partial indexes of schema version 5, never the whole delivery table: their cost does not grow
// with the rows that are done.
BOOST_AUTO_TEST_CASE(claims_reaps_replays_and_failures_read_through_partial_indexes) {
    temp_dir dir;
    const std::string path = dir.file("plans");
    file_outbox ob(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
    ob.enqueue_many(requests(0, 200));
    std::vector<std::string> statements;
    traced = &statements;
    sqlite3* db = ob.storage().engine().native_handle();
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace_statement, nullptr);
    std::vector<claim_options> per_partition;
    for (int p = 0; p < 8; ++p) {
        auto o = claim_all(5);
        o.partition = partition_ref{p, 8};
        per_partition.push_back(o);
    }
    auto rows = ob.claim_many(per_partition, 40);
    std::vector<ack_entry> acks;
    for (const auto& part : rows)
        for (const auto& d : part)
            acks.push_back(ack_entry::for_claimed(d, attempt_result{.outcome = attempt_outcome::dead,
                                                                    .http_status = 410,
                                                                    .error = "HTTP 410"}));
    (void)ob.ack_many(std::move(acks));
    (void)ob.claim(claim_all(5));
    (void)ob.failures();
    ob.replay(delivery_filter{.status = delivery_status::dead});
    sqlite3_trace_v2(db, 0, nullptr, nullptr);
    traced = nullptr;

    auto uses = [](const std::vector<std::string>& plan, const std::string& index) {
        return std::any_of(plan.begin(), plan.end(),
                           [&](const std::string& step) { return step.find(index) != std::string::npos; });
    };
    std::set<std::string> seen;
    for (const auto& sql : statements) {
        std::string kind;
        if (sql.find("SET status = 'in_flight'") != std::string::npos)
            kind = sql.find("partition_key =") != std::string::npos ? "claim by partition" : "claim";
        else if (sql.find("SET status = 'pending', claimed_by = NULL") != std::string::npos)
            kind = "reap";
        else if (sql.find("SET status = 'pending', attempts = 0") != std::string::npos)
            kind = "replay";
        else if (sql.find("GROUP BY webhook_id") != std::string::npos)
            kind = "failures";
        else
            continue;
        seen.insert(kind);
        auto plan = plan_of(db, sql);
        BOOST_TEST_CONTEXT(kind << ": " << sql) {
            for (const auto& step : plan)
                BOOST_TEST(step != "SCAN sys_webhook_delivery", "a scan of the whole table");
            if (kind == "claim by partition")
                BOOST_TEST(uses(plan, "sys_webhook_delivery_claim_partition"));
            if (kind == "claim")
                BOOST_TEST(uses(plan, "sys_webhook_delivery_claim_seq"));
            if (kind == "reap")
                BOOST_TEST(uses(plan, "sys_webhook_delivery_reap"));
            if (kind == "replay" || kind == "failures")
                BOOST_TEST(uses(plan, "sys_webhook_delivery_failed"));
        }
    }
    BOOST_TEST(seen.size() == 5u);
}

BOOST_AUTO_TEST_CASE(a_read_only_database_refuses_writes_and_keeps_its_rows) {
    temp_dir dir;
    const std::string path = dir.file("ro");
    delivery_id id;
    {
        file_outbox ob(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
        id = ob.enqueue(make_request("wh-1", "evt-1")).id;
    }
    file_outbox ro(outbox_params{}, sqlite_storage(open_engine(path, std::chrono::seconds(5), true)), manual_clock());
    error_code ec;
    diagnostics diag;
    ro.enqueue(make_request("wh-1", "evt-2"), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::read_only), ec.message() << ": " << diag.message());
    (void)ro.claim(claim_all(), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::read_only), ec.message() << ": " << diag.message());
    // Reads still work, and nothing was lost or changed.
    auto page = ro.list();
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].id == id);
    BOOST_TEST(page.items[0].status == delivery_status::pending);
}

BOOST_AUTO_TEST_CASE(a_locked_database_reports_busy_and_loses_nothing) {
    temp_dir dir;
    const std::string path = dir.file("locked");
    file_outbox ob(outbox_params{}, sqlite_storage(open_engine(path, std::chrono::milliseconds(50))), manual_clock());
    delivery_id first = ob.enqueue(make_request("wh-1", "evt-1")).id;

    raw_connection other(path);
    other.exec("BEGIN IMMEDIATE");  // another writer holds the write lock
    error_code ec;
    diagnostics diag;
    ob.enqueue(make_request("wh-1", "evt-2"), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::storage_busy), ec.message() << ": " << diag.message());
    BOOST_TEST(is_retryable(ec));
    (void)ob.claim(claim_all(), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::storage_busy), ec.message() << ": " << diag.message());
    // Readers are not blocked in WAL mode.
    BOOST_TEST(ob.list().items.size() == 1u);
    other.exec("COMMIT");

    // Once the lock is gone, the same calls succeed, and the first row is intact.
    BOOST_TEST(ob.enqueue(make_request("wh-1", "evt-2")).created);
    auto claimed = ob.claim(claim_all());
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == first);
}

BOOST_AUTO_TEST_CASE(a_full_database_reports_full_and_keeps_what_it_had) {
    temp_dir dir;
    const std::string path = dir.file("full");
    file_outbox ob(outbox_params{}, sqlite_storage(open_engine(path)), manual_clock());
    auto& eng = ob.storage().engine();
    std::size_t pages = 0;
    eng.query("PRAGMA page_count", {}, [&](std::span<const engine::cell_view> row) { pages = row[0].integer; });
    eng.query("PRAGMA max_page_count = " + std::to_string(pages + 40), {},
              [](std::span<const engine::cell_view>) {});
    error_code ec;
    diagnostics diag;
    std::size_t stored = 0;
    for (int batch = 0; batch < 1000 && !ec; ++batch) {
        auto r = ob.enqueue_many(requests(batch * 20, batch * 20 + 20), ec, diag);
        if (!ec)
            stored += r.size();
    }
    BOOST_TEST(ec == make_error_code(errc::storage_full), ec.message() << ": " << diag.message());
    BOOST_TEST(stored > 0u);
    // Every batch that succeeded is there.
    auto all = ob.list(list_options{.limit = 10000});
    BOOST_TEST(all.items.size() == stored);
    // A claim rewrites the rows it takes, which grow by the claim's fields, and a page holds some 25
    // of them (schema version 5 keeps payloads apart): on a file with no page left, a claim that
    // must split a page fails like any other write and changes nothing.
    error_code claim_ec;
    diagnostics claim_diag;
    auto on_full = ob.claim(claim_all(5), claim_ec, claim_diag);
    if (claim_ec) {
        BOOST_TEST(claim_ec == make_error_code(errc::storage_full), claim_ec.message());
        BOOST_TEST(on_full.empty());
        BOOST_TEST(ob.stats().count(delivery_status::pending) == stored);
    }
    // With a few pages of room again, the outbox goes on: claim and ack.
    eng.query("PRAGMA max_page_count = " + std::to_string(pages + 44), {},
              [](std::span<const engine::cell_view>) {});
    auto claimed = ob.claim(claim_all(5));
    BOOST_TEST(claimed.size() == 5u);
    for (const auto& d : claimed)
        ob.ack(d, attempt_result{.http_status = 200});
    BOOST_TEST(ob.stats().count(delivery_status::success) == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
