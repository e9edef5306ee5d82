//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// sqlite_engine on real files: persistence, WAL, migrations across reopen, the statement cache,
// read-only, locked, full and corrupt databases, SQLite's constraint errors, savepoints, attaching
// to a caller's connection and transaction, threads, and native SQL.

#include "common/manual_steady_clock.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/sqlite_engine.hpp>

#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hookbox::engine {

// Printable value kinds for BOOST_TEST (values: common/test_common.hpp).
static std::ostream& boost_test_print_type(std::ostream& os, value::kind k) { return os << to_string(k); }

}  // namespace hookbox::engine

namespace {

namespace fs = std::filesystem;
using namespace hookbox;
using namespace hookbox::engine;
using namespace std::chrono_literals;

static_assert(data_engine<sqlite_engine>);
static_assert(sql_engine<sqlite_engine>);
static_assert(!std::is_copy_constructible_v<sqlite_engine>);
static_assert(std::is_nothrow_move_constructible_v<sqlite_engine>);

using hookbox::test::temp_dir;

sqlite_params file_params(const std::string& path, std::chrono::milliseconds busy = 5000ms) {
    sqlite_params p;
    p.path = path;
    p.busy_timeout = busy;
    return p;
}

column_def column(std::string name, column_type t, bool nullable = true, value def = {}) {
    column_def c;
    c.name = std::move(name);
    c.type = t;
    c.nullable = nullable;
    c.default_value = std::move(def);
    return c;
}

// items v1: an auto-increment key, a unique name, a score, a JSON body and a counter. v2 adds a
// NOT NULL tag with a default.
schema_plan items_plan(int versions = 2) {
    table_def t;
    t.name = "items";
    column_def id = column("id", column_type::integer, false);
    id.auto_increment = true;
    t.columns = {id, column("name", column_type::text, false), column("score", column_type::real),
                 column("body", column_type::json), column("n", column_type::integer, false, 0)};
    t.primary_key = "id";
    t.indexes = {index_def{"ix_items_name", {"name"}, true}, index_def{"ix_items_score", {"score"}, false}};
    schema_plan p;
    p.name = "test.items";
    p.migrations.push_back(migration{1, "create items", {create_table{t}}});
    if (versions >= 2)
        p.migrations.push_back(
            migration{2, "add tag", {add_column{"items", column("tag", column_type::text, false, "none")}}});
    return p;
}

// counters: a text primary key and a value.
schema_plan counters_plan() {
    table_def t;
    t.name = "counters";
    t.columns = {column("name", column_type::text, false), column("value", column_type::integer, false, 0)};
    t.primary_key = "name";
    schema_plan p;
    p.name = "test.counters";
    p.migrations.push_back(migration{1, "create counters", {create_table{t}}});
    return p;
}

record item(std::string name, std::optional<double> score = std::nullopt) {
    record r;
    r.set("name", std::move(name));
    if (score)
        r.set("score", *score);
    return r;
}

template <class Session>
std::size_t count_all(Session& e, const std::string& table) {
    return e.count(table, filter::all());
}

std::int64_t counter_value(sqlite_engine& e, const std::string& name) {
    find_options fo;
    fo.where = col("name") == name;
    auto r = e.find_one("counters", fo);
    return r ? (*r)["value"].as_integer() : -1;
}

std::string single_text(sqlite_engine& e, const std::string& sql) {
    std::string out;
    e.query(sql, {}, [&](std::span<const cell_view> row) {
        out = row[0].type == value::kind::integer ? std::to_string(row[0].integer) : std::string(row[0].text);
    });
    return out;
}

#define CHECK_ERRC(ec, code) BOOST_TEST((ec) == ::hookbox::make_error_code(code), (ec).message() << " / " << diag.message())

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_engine)

BOOST_AUTO_TEST_CASE(memory_database_basics_and_generated_ddl) {
    engine::sqlite_engine e(sqlite_params{});
    BOOST_TEST(e.migrate(items_plan()) == 2);
    BOOST_TEST(e.schema_version("test.items") == 2);
    BOOST_TEST(e.schema_version("unknown.plan") == 0);
    BOOST_TEST(e.migrate(items_plan()) == 2);  // idempotent

    // The DDL: declared types the catalog recognises, AUTOINCREMENT, quoted identifiers, defaults.
    BOOST_TEST(single_text(e, "SELECT sql FROM sqlite_master WHERE name = 'items'") ==
               "CREATE TABLE \"items\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, \"name\" TEXT NOT NULL, "
               "\"score\" REAL, \"body\" JSON_TEXT, \"n\" INTEGER NOT NULL DEFAULT 0, "
               "\"tag\" TEXT NOT NULL DEFAULT 'none')");
    BOOST_TEST(single_text(e, "SELECT sql FROM sqlite_master WHERE name = 'ix_items_name'") ==
               "CREATE UNIQUE INDEX \"ix_items_name\" ON \"items\" (\"name\")");
    BOOST_TEST(single_text(e, "SELECT type FROM pragma_table_info('items') WHERE name = 'body'") == "JSON_TEXT");
    BOOST_TEST(single_text(e, "SELECT journal_mode FROM pragma_journal_mode") == "memory");

    auto a = e.insert("items", item("a", 1.5));
    auto b = e.insert("items", item("b"));
    BOOST_TEST(a == 1);
    BOOST_TEST(b == 2);
    find_options fo;
    fo.order = {order_by{"id"}};
    auto rows = e.find("items", fo);
    BOOST_REQUIRE(rows.size() == 2u);
    // Every column in schema order; defaults applied; types as stored.
    BOOST_REQUIRE(rows[0].size() == 6u);
    BOOST_TEST(rows[0].at(0).name == "id");
    BOOST_TEST(rows[0].at(5).name == "tag");
    BOOST_TEST(rows[0]["name"] == value("a"));
    BOOST_TEST(rows[0]["score"] == value(1.5));
    BOOST_TEST(rows[0]["n"] == value(0));
    BOOST_TEST(rows[0]["tag"] == value("none"));
    BOOST_TEST(rows[1]["score"].is_null());

    // An integer into a real column reads back as a real.
    e.update("items", col("id") == b, {set("score", 3)});
    BOOST_TEST(e.find_one("items", find_options{col("id") == b, {"score"}, {}, 0})->at(0).value == value(3.0));
}

BOOST_AUTO_TEST_CASE(file_database_is_wal_and_persists) {
    temp_dir tmp;
    std::string path = tmp.file("persist.db");
    {
        engine::sqlite_engine e(file_params(path));
        BOOST_TEST(single_text(e, "PRAGMA journal_mode") == "wal");
        BOOST_TEST(single_text(e, "PRAGMA synchronous") == "1");  // NORMAL
        BOOST_TEST(single_text(e, "PRAGMA foreign_keys") == "1");
        BOOST_TEST(e.migrate(items_plan()) == 2);
        std::vector<record> rs = {item("x", 0.25), item("y"), item("z", -7.0)};
        auto ids = e.insert_many("items", rs);
        BOOST_TEST(ids == (std::vector<std::int64_t>{1, 2, 3}), boost::test_tools::per_element());
        BOOST_TEST(e.path() == path);
    }
    BOOST_TEST(fs::exists(path));
    {
        engine::sqlite_engine e(file_params(path));
        BOOST_TEST(e.schema_version("test.items") == 2);
        BOOST_TEST(e.migrate(items_plan()) == 2);
        BOOST_TEST(count_all(e, "items") == 3u);
        find_options fo;
        fo.where = col("name") == "z";
        auto r = e.find_one("items", fo);
        BOOST_REQUIRE(r.has_value());
        BOOST_TEST((*r)["score"] == value(-7.0));
        BOOST_TEST((*r)["id"] == value(3));
    }
}

BOOST_AUTO_TEST_CASE(tuning_pragmas_follow_sqlite_params) {
    temp_dir tmp;
    {
        // Defaults: a 64 MiB page cache, 256 MiB of mmap, temporary data in memory, and SQLite's own
        // automatic checkpoints every 1000 pages (the checkpoint thread is opt-in).
        engine::sqlite_engine e(file_params(tmp.file("defaults.db")));
        BOOST_TEST(single_text(e, "PRAGMA cache_size") == "-65536");
        BOOST_TEST(single_text(e, "PRAGMA mmap_size") == "268435456");
        BOOST_TEST(single_text(e, "PRAGMA temp_store") == "2");  // MEMORY
        BOOST_TEST(single_text(e, "PRAGMA wal_autocheckpoint") == "1000");
    }
    {
        // With the checkpoint thread, checkpoints run there (SQLite's own commit hook is replaced: its
        // pragma reads 0).
        sqlite_params p = file_params(tmp.file("threaded.db"));
        p.background_checkpoint = true;
        engine::sqlite_engine e(p);
        BOOST_TEST(single_text(e, "PRAGMA wal_autocheckpoint") == "0");
    }
    {
        sqlite_params p = file_params(tmp.file("tuned.db"));
        p.cache_size_kib = 1024;
        p.mmap_size = 0;
        p.wal_autocheckpoint = 50;
        p.background_checkpoint = false;
        engine::sqlite_engine e(p);
        BOOST_TEST(single_text(e, "PRAGMA cache_size") == "-1024");
        BOOST_TEST(single_text(e, "PRAGMA mmap_size") == "0");
        BOOST_TEST(single_text(e, "PRAGMA wal_autocheckpoint") == "50");
        BOOST_TEST(e.background_checkpoints() == 0u);
    }
    {
        // wal_autocheckpoint = 0: no automatic checkpoint at all, and no thread.
        sqlite_params p = file_params(tmp.file("manual.db"));
        p.wal_autocheckpoint = 0;
        engine::sqlite_engine e(p);
        BOOST_TEST(single_text(e, "PRAGMA wal_autocheckpoint") == "0");
        e.migrate(items_plan());
        for (int i = 0; i < 20; ++i)
            e.insert("items", item("m" + std::to_string(i)));
        BOOST_TEST(e.background_checkpoints() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(out_of_range_tuning_parameters_name_their_field) {
    temp_dir tmp;
    auto refused = [&](sqlite_params p, const char* field) {
        p.path = tmp.file("refused.db");
        error_code ec;
        diagnostics diag;
        auto e = engine::sqlite_engine::open(p, ec, diag);
        BOOST_TEST(!e.has_value());
        CHECK_ERRC(ec, errc::invalid_argument);
        BOOST_TEST(diag.field() == field);
        BOOST_TEST(diag.message().find(field) != std::string::npos, diag.message());
    };
    sqlite_params p;
    p.cache_size_kib = 63;
    refused(p, "cache_size_kib");
    p.cache_size_kib = std::size_t(INT_MAX) + 1;
    refused(p, "cache_size_kib");
    p = sqlite_params{};
    p.mmap_size = (std::uint64_t(1) << 40) + 1;
    refused(p, "mmap_size");
    p = sqlite_params{};
    p.wal_autocheckpoint = std::uint32_t(INT_MAX) + 1u;
    refused(p, "wal_autocheckpoint");
    BOOST_TEST(!fs::exists(tmp.file("refused.db")));  // refused before anything is opened
}

// The checkpoint thread is opt-in: an engine opened with the default parameters starts no thread,
// and one that asks for it starts exactly one, which stops with the engine.
BOOST_AUTO_TEST_CASE(the_checkpoint_thread_is_started_only_when_asked) {
    temp_dir tmp;
    const std::size_t before = hookbox::test::thread_count();
    {
        engine::sqlite_engine e(file_params(tmp.file("plain.db")));
        BOOST_TEST(hookbox::test::thread_count() == before);
    }
    {
        sqlite_params p = file_params(tmp.file("asked.db"));
        p.background_checkpoint = true;
        engine::sqlite_engine e(p);
        BOOST_TEST(hookbox::test::thread_count() == before + 1);
    }
    BOOST_TEST(hookbox::test::thread_count() == before);
}

BOOST_AUTO_TEST_CASE(background_checkpoints_copy_the_log_and_keep_every_row) {
    temp_dir tmp;
    std::string path = tmp.file("ckpt.db");
    sqlite_params p = file_params(path);
    p.background_checkpoint = true;
    p.wal_autocheckpoint = 4;  // pages
    {
        engine::sqlite_engine e(p);
        e.migrate(items_plan());
        for (int i = 0; i < 200; ++i)
            e.insert("items", item("c" + std::to_string(i), i * 0.5));
        // Each commit past 4 pages wakes the thread; wait (bounded) until it has run once.
        auto deadline = std::chrono::steady_clock::now() + 30s;
        while (e.background_checkpoints() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::yield();
        BOOST_TEST(e.background_checkpoints() > 0u);
        // The log was copied into the database file, which held only its first page before.
        BOOST_TEST(fs::file_size(path) > 4096u);
        BOOST_TEST(count_all(e, "items") == 200u);
    }
    engine::sqlite_engine again(p);
    BOOST_TEST(count_all(again, "items") == 200u);
}

// Writes that never pause leave no moment in which a checkpoint could copy the whole log by itself;
// the background thread makes it start over: a commit after its step writes the log from its
// beginning (the log's header then carries the next checkpoint sequence number).
BOOST_AUTO_TEST_CASE(the_background_thread_makes_the_log_start_over) {
    temp_dir tmp;
    std::string path = tmp.file("restart.db");
    sqlite_params p = file_params(path);
    p.background_checkpoint = true;
    p.wal_autocheckpoint = 4;  // the thread wakes at 4 pages and makes the log start over at 32
    engine::sqlite_engine e(p);
    e.migrate(items_plan());
    auto log_sequence = [&] {
        std::ifstream in(path + "-wal", std::ios::binary);
        unsigned char h[16] = {};
        in.read(reinterpret_cast<char*>(h), sizeof h);
        return (std::uint32_t(h[12]) << 24) | (std::uint32_t(h[13]) << 16) | (std::uint32_t(h[14]) << 8) |
               std::uint32_t(h[15]);
    };
    const std::uint32_t before = log_sequence();
    int written = 0;
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (e.background_restarts() == 0 && written < 100000 && std::chrono::steady_clock::now() < deadline)
        e.insert("items", item("r" + std::to_string(written++)));
    BOOST_TEST(e.background_restarts() > 0u);
    e.insert("items", item("after"));
    BOOST_TEST(log_sequence() > before);
    BOOST_TEST(count_all(e, "items") == std::size_t(written) + 1);
}

BOOST_AUTO_TEST_CASE(reopening_an_older_file_migrates_it) {
    temp_dir tmp;
    std::string path = tmp.file("old.db");
    {
        engine::sqlite_engine e(file_params(path));
        BOOST_TEST(e.migrate(items_plan(1)) == 1);
        e.insert("items", item("old1"));
        e.insert("items", item("old2"));
        // No tag column yet.
        error_code ec;
        diagnostics diag;
        record r = item("new");
        r.set("tag", "t");
        e.insert("items", r, ec, diag);
        CHECK_ERRC(ec, errc::schema_error);
        BOOST_TEST(diag.field() == "items.tag");
    }
    {
        engine::sqlite_engine e(file_params(path));
        BOOST_TEST(e.schema_version("test.items") == 1);
        BOOST_TEST(e.migrate(items_plan(2), 1) == 1);  // stopping at a version already there
        BOOST_TEST(e.migrate(items_plan(2)) == 2);
        BOOST_TEST(e.schema_version("test.items") == 2);
        // The added column's default on the old rows.
        BOOST_TEST(e.count("items", col("tag") == "none") == 2u);
        record r = item("new");
        r.set("tag", "t");
        e.insert("items", r);
        BOOST_TEST(e.count("items", col("tag") == "t") == 1u);
    }
}

BOOST_AUTO_TEST_CASE(a_file_migrated_by_a_newer_plan_is_too_new) {
    temp_dir tmp;
    std::string path = tmp.file("new.db");
    {
        engine::sqlite_engine e(file_params(path));
        BOOST_TEST(e.migrate(items_plan(2)) == 2);
        e.insert("items", item("keep"));
    }
    engine::sqlite_engine e(file_params(path));
    error_code ec;
    diagnostics diag;
    int v = e.migrate(items_plan(1), ec, diag);
    CHECK_ERRC(ec, errc::schema_too_new);
    BOOST_TEST(diag.field() == "version");
    BOOST_TEST(v == 2);
    BOOST_TEST(e.schema_version("test.items") == 2);
    BOOST_TEST(count_all(e, "items") == 1u);

    // Asking for a version the plan does not have is the caller's mistake.
    e.migrate(items_plan(2), 3, ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    // A malformed plan is a schema error, before anything is touched.
    schema_plan bad = items_plan(2);
    bad.migrations[1].version = 5;
    e.migrate(bad, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    // NOT NULL added without a default.
    schema_plan no_default = items_plan(2);
    no_default.migrations.push_back(
        migration{3, "bad", {add_column{"items", column("more", column_type::integer, false)}}});
    e.migrate(no_default, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.field() == "items.more");
    BOOST_TEST(e.schema_version("test.items") == 2);
}

BOOST_AUTO_TEST_CASE(a_failing_migration_changes_nothing) {
    temp_dir tmp;
    engine::sqlite_engine e(file_params(tmp.file("fail.db")));
    schema_plan p = items_plan(1);
    // Version 2 creates a table and then an index over a column that does not exist.
    table_def extra;
    extra.name = "extra";
    extra.columns = {column("k", column_type::text, false)};
    extra.primary_key = "k";
    p.migrations.push_back(
        migration{2, "extra", {create_table{extra}, create_index{"extra", index_def{"ix_extra", {"nope"}, false}}}});
    error_code ec;
    diagnostics diag;
    BOOST_TEST(e.migrate(p, ec, diag) == 1);
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.message().find("nope") != std::string::npos, diag.message());
    BOOST_TEST(e.schema_version("test.items") == 1);
    (void)e.count("extra", filter::all(), ec, diag);  // rolled back with its migration
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.field() == "extra");

    // drop_index of an index that the table does not have.
    schema_plan q = items_plan(2);
    q.migrations.push_back(migration{3, "drop", {drop_index{"items", "ix_not_there"}}});
    BOOST_TEST(e.migrate(q, ec, diag) == 2);
    CHECK_ERRC(ec, errc::schema_error);
    // ... and of one it has.
    q.migrations.back().steps = {drop_index{"items", "ix_items_score"}};
    BOOST_TEST(e.migrate(q) == 3);
    BOOST_TEST(single_text(e, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_items_score'") == "0");
}

BOOST_AUTO_TEST_CASE(json_bytes_survive_a_file_round_trip) {
    temp_dir tmp;
    std::string path = tmp.file("json.db");
    const std::string body = "{ \"a\" : [1, 2.50, 1e3],\n\t\"s\":\"\xc3\xa9\\u00e9\\\"q\\\"\",  \"n\":null }  ";
    {
        engine::sqlite_engine e(file_params(path));
        e.migrate(items_plan());
        record r = item("j");
        r.set("body", value::json(body));
        e.insert("items", r);
        record t = item("plain");
        t.set("body", std::string("[1,2]"));  // text into a json column is stored as JSON text
        e.insert("items", t);
    }
    engine::sqlite_engine e(file_params(path));  // a fresh catalog, read from PRAGMA table_info
    find_options fo;
    fo.where = col("name") == "j";
    fo.fields = {"body", "name"};
    auto r = e.find_one("items", fo);
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->at(0).name == "body");
    BOOST_TEST(r->at(0).value.type() == value::kind::json);
    BOOST_TEST(r->at(0).value.as_text() == body);
    BOOST_TEST(r->at(1).value.type() == value::kind::text);
    fo.where = col("name") == "plain";
    BOOST_TEST(e.find_one("items", fo)->at(0).value == value::json("[1,2]"));
    // Through native SQL the column is reported as json too, with the same bytes.
    std::string seen;
    value::kind kind = value::kind::null;
    std::vector<value> params = {value("j")};
    e.query("SELECT body FROM items WHERE name = ?1", params, [&](std::span<const cell_view> row) {
        kind = row[0].type;
        seen = std::string(row[0].text);
    });
    BOOST_TEST(kind == value::kind::json);
    BOOST_TEST(seen == body);
}

BOOST_AUTO_TEST_CASE(statement_cache_reuses_and_is_bounded) {
    engine::sqlite_engine e(sqlite_params{});
    e.migrate(items_plan());
    for (int i = 0; i < 20; ++i)
        e.insert("items", item("n" + std::to_string(i), i));
    find_options fo;
    fo.where = col("score") >= 3.0 && col("name") != "n5";
    fo.order = {order_by{"score", true}};
    fo.limit = 4;
    BOOST_TEST(e.find("items", fo).size() == 4u);
    std::size_t prepared = e.statements_prepared();
    for (int i = 0; i < 50; ++i) {
        fo.where = col("score") >= double(i % 10) && col("name") != "n5";
        fo.limit = std::size_t(1 + i % 3);  // values and limits are parameters: one statement
        BOOST_TEST(e.find("items", fo).size() == fo.limit);
        e.insert("items", item("m" + std::to_string(i), i));  // the same shape as before
    }
    BOOST_TEST(e.statements_prepared() == prepared + 0u);
    BOOST_TEST(e.statements_cached() <= 64u);

    // A small cache: different statements evict each other, and the bound holds.
    sqlite_params p;
    p.statement_cache_size = 3;
    engine::sqlite_engine small(p);
    small.migrate(items_plan());
    small.insert("items", item("a", 1));
    for (int round = 0; round < 2; ++round) {
        for (std::size_t n = 1; n <= 8; ++n) {
            std::vector<value> names(n, value("a"));
            BOOST_TEST(small.count("items", col("name").in(names)) == 1u);
            BOOST_TEST(small.statements_cached() <= 3u);
        }
    }
    std::size_t before = small.statements_prepared();
    (void)small.count("items", col("name").in({value("a")}));  // evicted long ago: prepared again
    BOOST_TEST(small.statements_prepared() == before + 1);
    before = small.statements_prepared();
    (void)small.count("items", col("name").in({value("a")}));  // the most recent: reused
    BOOST_TEST(small.statements_prepared() == before);

    // No cache at all still works.
    p.statement_cache_size = 0;
    engine::sqlite_engine none(p);
    none.migrate(items_plan());
    none.insert("items", item("a"));
    before = none.statements_prepared();
    BOOST_TEST(none.count("items", filter::all()) == 1u);
    BOOST_TEST(none.count("items", filter::all()) == 1u);
    BOOST_TEST(none.statements_prepared() == before + 2);
    BOOST_TEST(none.statements_cached() == 0u);
}

BOOST_AUTO_TEST_CASE(read_only_open_reads_and_refuses_writes) {
    temp_dir tmp;
    std::string path = tmp.file("ro.db");
    {
        engine::sqlite_engine e(file_params(path));
        e.migrate(items_plan());
        e.insert("items", item("a"));
        e.insert("items", item("b"));
    }
    {
        sqlite_params p = file_params(path);
        p.read_only = true;
        engine::sqlite_engine e(p);
        BOOST_TEST(count_all(e, "items") == 2u);
        BOOST_TEST(e.migrate(items_plan()) == 2);  // nothing to do: fine on a read-only database
        error_code ec;
        diagnostics diag;
        e.insert("items", item("c"), ec, diag);
        CHECK_ERRC(ec, errc::read_only);
        BOOST_TEST(diag.message().find("insert into 'items'") != std::string::npos, diag.message());
        e.update("items", filter::all(), {set("n", 5)}, ec, diag);
        CHECK_ERRC(ec, errc::read_only);
        e.remove("items", filter::all(), ec, diag);
        CHECK_ERRC(ec, errc::read_only);
        std::vector<record> rs = {item("d")};
        e.insert_many("items", rs, ec, diag);
        CHECK_ERRC(ec, errc::read_only);
        schema_plan more = items_plan(2);
        more.migrations.push_back(migration{3, "more", {add_column{"items", column("more", column_type::text)}}});
        e.migrate(more, ec, diag);
        CHECK_ERRC(ec, errc::read_only);
        BOOST_TEST(count_all(e, "items") == 2u);
    }
    engine::sqlite_engine e(file_params(path));
    BOOST_TEST(count_all(e, "items") == 2u);
    BOOST_TEST(e.count("items", col("n") == 0) == 2u);

    // Read-only without the file: cannot open.
    sqlite_params missing = file_params(tmp.file("missing.db"));
    missing.read_only = true;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!engine::sqlite_engine::open(missing, ec, diag).has_value());
    CHECK_ERRC(ec, errc::storage_failure);
    BOOST_TEST(diag.field() == "path");
    BOOST_TEST(diag.message().find("missing.db") != std::string::npos, diag.message());
}

BOOST_AUTO_TEST_CASE(immutable_open_reads_the_file_alone_and_refuses_what_it_would_miss) {
    temp_dir tmp;
    // A name that needs escaping in an SQLite URI.
    std::string path = (tmp.path() / "snap #1?x=%41.db").string();
    {
        engine::sqlite_engine e(file_params(path));
        e.migrate(items_plan());
        e.insert("items", item("a"));
        e.insert("items", item("b"));
    }
    BOOST_REQUIRE(!std::filesystem::exists(path + "-wal"));
    {
        sqlite_params p = file_params(path);
        p.immutable = true;
        engine::sqlite_engine e(p);
        BOOST_TEST(count_all(e, "items") == 2u);
        error_code ec;
        diagnostics diag;
        e.insert("items", item("c"), ec, diag);
        CHECK_ERRC(ec, errc::read_only);
    }
    BOOST_TEST(!std::filesystem::exists(path + "-shm"));  // no lock file: nothing is written beside it

    // Commits still in the log would be missed: refused, naming the field.
    sqlite_params live = file_params(path);
    live.wal_autocheckpoint = 0;
    engine::sqlite_engine writer(live);
    writer.insert("items", item("c"));
    BOOST_REQUIRE(std::filesystem::file_size(path + "-wal") > 0);
    sqlite_params p = file_params(path);
    p.immutable = true;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!engine::sqlite_engine::open(p, ec, diag).has_value());
    CHECK_ERRC(ec, errc::invalid_argument);
    BOOST_TEST(diag.field() == "immutable");
    BOOST_TEST(diag.message().find("-wal' holds") != std::string::npos, diag.message());

    sqlite_params memory;
    memory.immutable = true;
    BOOST_TEST(!engine::sqlite_engine::open(memory, ec, diag).has_value());
    CHECK_ERRC(ec, errc::invalid_argument);
    BOOST_TEST(diag.field() == "immutable");
}

BOOST_AUTO_TEST_CASE(a_locked_file_fails_with_storage_busy_and_loses_nothing) {
    temp_dir tmp;
    std::string path = tmp.file("locked.db");
    engine::sqlite_engine a(file_params(path, 50ms));
    engine::sqlite_engine b(file_params(path));
    a.migrate(items_plan());

    auto held = b.begin();  // BEGIN IMMEDIATE: holds the write lock
    held.insert("items", item("from_b"));
    error_code ec;
    diagnostics diag;
    auto t0 = std::chrono::steady_clock::now();
    a.insert("items", item("from_a"), ec, diag);
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK_ERRC(ec, errc::storage_busy);
    BOOST_TEST(is_retryable(ec));
    BOOST_TEST(waited >= 40ms);
    auto refused = a.begin(ec, diag);  // a transaction cannot start either
    CHECK_ERRC(ec, errc::storage_busy);
    BOOST_TEST(!refused.active());
    BOOST_TEST(count_all(a, "items") == 0u);  // WAL: reads go on, without b's uncommitted row

    held.commit();
    BOOST_TEST(count_all(a, "items") == 1u);
    a.insert("items", item("from_a"));
    BOOST_TEST(count_all(b, "items") == 2u);
    BOOST_TEST(a.count("items", col("name").in({value("from_a"), value("from_b")})) == 2u);
}

BOOST_AUTO_TEST_CASE(a_full_database_fails_with_storage_full_and_keeps_its_rows) {
    temp_dir tmp;
    std::string path = tmp.file("full.db");
    engine::sqlite_engine e(file_params(path));
    e.migrate(items_plan());
    std::int64_t pages = 0;
    e.query("PRAGMA page_count", {}, [&](std::span<const cell_view> row) { pages = row[0].integer; });
    e.query("PRAGMA max_page_count = " + std::to_string(pages + 8));
    const std::string filler(1500, 'x');
    error_code ec;
    diagnostics diag;
    int inserted = 0;
    for (int i = 0; i < 10000; ++i) {
        record r = item("row" + std::to_string(i));
        r.set("body", value::json("\"" + filler + "\""));
        e.insert("items", r, ec, diag);
        if (ec)
            break;
        ++inserted;
    }
    CHECK_ERRC(ec, errc::storage_full);
    BOOST_TEST(diag.field() == "items");
    BOOST_TEST(inserted > 0);
    BOOST_TEST(count_all(e, "items") == std::size_t(inserted));
    for (int i = 0; i < inserted; ++i)
        BOOST_TEST(e.count("items", col("name") == "row" + std::to_string(i)) == 1u);
    // A batch that does not fit is not stored at all.
    std::vector<record> batch;
    for (int i = 0; i < 20; ++i) {
        record r = item("batch" + std::to_string(i));
        r.set("body", value::json("\"" + filler + "\""));
        batch.push_back(r);
    }
    e.insert_many("items", batch, ec, diag);
    CHECK_ERRC(ec, errc::storage_full);
    BOOST_TEST(count_all(e, "items") == std::size_t(inserted));
    // Still works: removes free space for new rows.
    BOOST_TEST(e.remove("items", col("id") <= 3) == 3u);
    BOOST_TEST(count_all(e, "items") == std::size_t(inserted - 3));
    e.insert("items", item("after"));
    BOOST_TEST(count_all(e, "items") == std::size_t(inserted - 2));
}

BOOST_AUTO_TEST_CASE(a_transaction_sqlite_rolled_back_stays_failed_until_rolled_back) {
    temp_dir tmp;
    engine::sqlite_engine e(file_params(tmp.file("full_tx.db")));
    e.migrate(items_plan());
    e.insert("items", item("before"));
    std::int64_t pages = 0;
    e.query("PRAGMA page_count", {}, [&](std::span<const cell_view> row) { pages = row[0].integer; });
    e.query("PRAGMA max_page_count = " + std::to_string(pages + 8));
    const std::string filler(1500, 'x');
    error_code ec;
    diagnostics diag;
    auto outer = e.begin();
    auto inner = outer.begin();  // nested: SQLite's rollback takes both levels
    for (int i = 0; i < 10000 && !ec; ++i) {
        record r = item("tx" + std::to_string(i));
        r.set("body", value::json("\"" + filler + "\""));
        inner.insert("items", r, ec, diag);
    }
    CHECK_ERRC(ec, errc::storage_full);
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) != 0);  // SQLite ended the transaction
    // Nothing runs outside the transaction the caller believes is open: not even a small insert.
    inner.insert("items", item("small"), ec, diag);
    CHECK_ERRC(ec, errc::storage_full);
    BOOST_TEST(diag.field() == "transaction");
    (void)inner.count("items", filter::all(), ec, diag);
    CHECK_ERRC(ec, errc::storage_full);
    inner.commit(ec, diag);
    CHECK_ERRC(ec, errc::storage_full);
    BOOST_TEST(inner.active());
    inner.rollback(ec, diag);  // the inner level
    BOOST_TEST(!ec);
    outer.commit(ec, diag);  // the outer one: still failed
    CHECK_ERRC(ec, errc::storage_full);
    outer.rollback(ec, diag);
    BOOST_TEST(!ec);
    outer.rollback(ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    // Back to normal: only the row from before is there, and small writes fit again.
    BOOST_TEST(count_all(e, "items") == 1u);
    e.insert("items", item("after"));
    BOOST_TEST(count_all(e, "items") == 2u);
}

BOOST_AUTO_TEST_CASE(a_busy_commit_leaves_the_transaction_open) {
    // A rollback journal (not WAL): COMMIT needs every reader gone.
    temp_dir tmp;
    std::string path = tmp.file("busy_commit.db");
    sqlite_params p = file_params(path, 50ms);
    p.wal = false;
    engine::sqlite_engine e(p);
    BOOST_TEST(single_text(e, "PRAGMA journal_mode") == "delete");
    e.migrate(items_plan());
    sqlite3* reader = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &reader, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    auto tx = e.begin();
    tx.insert("items", item("pending_commit"));
    BOOST_REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM items;", nullptr, nullptr, nullptr) == SQLITE_OK);
    error_code ec;
    diagnostics diag;
    tx.commit(ec, diag);
    CHECK_ERRC(ec, errc::storage_busy);
    BOOST_TEST(tx.active());
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) == 0);  // still open
    BOOST_REQUIRE(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    tx.commit(ec, diag);  // the retry succeeds
    BOOST_TEST(!ec, diag.message());
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) != 0);
    int n = -1;
    BOOST_TEST(sqlite3_exec(
                   reader, "SELECT count(*) FROM items",
                   [](void* q, int, char** v, char**) {
                       *static_cast<int*>(q) = std::stoi(v[0]);
                       return 0;
                   },
                   &n, nullptr) == SQLITE_OK);
    BOOST_TEST(n == 1);
    BOOST_TEST(sqlite3_close(reader) == SQLITE_OK);
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_fails_with_storage_failure) {
    temp_dir tmp;
    std::string path = tmp.file("junk.db");
    {
        std::ofstream out(path, std::ios::binary);
        std::mt19937 gen(42);
        for (int i = 0; i < 8192; ++i)
            out.put(static_cast<char>(gen() & 0xff));
    }
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!engine::sqlite_engine::open(file_params(path), ec, diag).has_value());
    CHECK_ERRC(ec, errc::storage_failure);
    BOOST_TEST(diag.message().find("junk.db") != std::string::npos, diag.message());

    for (bool read_only : {true, false}) {
        sqlite_params p = file_params(path);
        p.read_only = read_only;
        p.wal = false;
        try {
            engine::sqlite_engine e(p);
            BOOST_ERROR("opened a file that is not a database");
        } catch (const error_with_diagnostics& ex) {
            BOOST_TEST(ex.code() == make_error_code(errc::storage_failure));
        }
    }
    // A path in a folder that does not exist.
    BOOST_TEST(!engine::sqlite_engine::open(file_params(tmp.file("no/such/dir.db")), ec, diag).has_value());
    CHECK_ERRC(ec, errc::storage_failure);
    BOOST_TEST(diag.field() == "path");
}

BOOST_AUTO_TEST_CASE(sqlite_constraints_map_to_unique_violation_and_schema_error) {
    engine::sqlite_engine e(sqlite_params{});
    e.migrate(items_plan());
    e.migrate(counters_plan());
    e.insert("items", item("a", 1));
    e.insert("items", item("b", 2));
    error_code ec;
    diagnostics diag;

    e.insert("items", item("a"), ec, diag);
    CHECK_ERRC(ec, errc::unique_violation);
    BOOST_TEST(diag.field() == "ix_items_name");
    BOOST_TEST(diag.message().find("UNIQUE constraint failed: items.name") != std::string::npos, diag.message());
    BOOST_TEST(ec != make_error_code(errc::schema_error));

    // An update that would duplicate changes nothing.
    BOOST_TEST(e.update("items", col("name") == "b", {set("name", "a"), set("score", 9.0)}, ec, diag) == 0u);
    CHECK_ERRC(ec, errc::unique_violation);
    BOOST_TEST(e.count("items", col("score") == 9.0) == 0u);

    // Primary keys.
    e.insert("counters", record{{"name", "c"}});
    e.insert("counters", record{{"name", "c"}}, ec, diag);
    CHECK_ERRC(ec, errc::unique_violation);
    BOOST_TEST(diag.field() == "counters.name");
    std::vector<record> batch = {record{{"name", "d"}}, record{{"name", "c"}}, record{{"name", "e"}}};
    BOOST_TEST(e.insert_many("counters", batch, ec, diag).empty());
    CHECK_ERRC(ec, errc::unique_violation);
    BOOST_TEST(count_all(e, "counters") == 1u);  // all or none

    // NOT NULL, caught by the engine ...
    e.insert("items", record{{"score", 1.0}}, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.field() == "items.name");
    e.insert("items", record{{"name", nullptr}}, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.field() == "items.name");
    e.update("items", filter::all(), {set("n", nullptr)}, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    // ... and by SQLite (SQLITE_CONSTRAINT_NOTNULL).
    e.query("INSERT INTO items (name) VALUES (NULL)", {}, [](std::span<const cell_view>) {}, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    BOOST_TEST(diag.field() == "items.name");
    BOOST_TEST(count_all(e, "items") == 2u);

    // Throwing overloads carry the same code.
    try {
        e.insert("items", item("a"));
        BOOST_ERROR("no exception");
    } catch (const error_with_diagnostics& ex) {
        BOOST_TEST(ex.code() == make_error_code(errc::unique_violation));
        BOOST_TEST(ex.get_diagnostics().field() == "ix_items_name");
    }
}

BOOST_AUTO_TEST_CASE(statements_are_checked_against_the_catalog) {
    engine::sqlite_engine e(sqlite_params{});
    e.migrate(items_plan());
    e.insert("items", item("a", 1));
    error_code ec;
    diagnostics diag;
    auto expect = [&](const char* field) {
        CHECK_ERRC(ec, errc::schema_error);
        BOOST_TEST(diag.field() == field);
        ec.clear();
    };
    (void)e.count("nope", filter::all(), ec, diag);
    expect("nope");
    (void)e.find("items", find_options{col("nope") == 1, {}, {}, 0}, ec, diag);
    expect("items.nope");
    (void)e.find("items", find_options{{}, {"name", "nope"}, {}, 0}, ec, diag);
    expect("items.nope");
    (void)e.find("items", find_options{{}, {}, {order_by{"nope"}}, 0}, ec, diag);
    expect("items.nope");
    e.insert("items", record{{"name", 5}}, ec, diag);  // integer into text
    expect("items.name");
    e.insert("items", record{{"name", "x"}, {"n", 1.5}}, ec, diag);  // real into integer
    expect("items.n");
    e.insert("items", record{{"name", "x"}, {"score", "high"}}, ec, diag);  // text into real
    expect("items.score");
    e.insert("items", record{{"name", value::json("\"x\"")}}, ec, diag);  // json into text
    expect("items.name");
    e.insert("items", record{{"name", "x"}, {"score", std::nan("")}}, ec, diag);  // SQLite would store NULL
    expect("items.score");
    (void)e.count("items", col("score") == nullptr, ec, diag);  // null operand
    expect("items.score");
    (void)e.count("items", col("name").in({value("a"), value()}), ec, diag);
    expect("items.name");
    (void)e.count("items", col("body") == "{}", ec, diag);  // json compared
    expect("items.body");
    e.update("items", filter::all(), {add("name", 1)}, ec, diag);  // add to text
    expect("items.name");
    e.update("items", filter::all(), {set("nope", 1)}, ec, diag);
    expect("items.nope");
    e.remove("items", col("n") > "x", ec, diag);
    expect("items.n");
    // Allowed: integer into real, text into json, is_null on json.
    record ok = item("b");
    ok.set("score", 2);
    ok.set("body", "{\"k\":1}");
    e.insert("items", ok);
    BOOST_TEST(e.count("items", col("body").is_not_null()) == 1u);
    BOOST_TEST(e.count("items", col("score") > 1) == 1u);
    BOOST_TEST(count_all(e, "items") == 2u);
}

BOOST_AUTO_TEST_CASE(another_connection_s_migration_is_seen) {
    temp_dir tmp;
    std::string path = tmp.file("stale.db");
    engine::sqlite_engine a(file_params(path));
    engine::sqlite_engine b(file_params(path));
    a.migrate(items_plan(1));
    a.insert("items", item("first"));
    BOOST_TEST(a.find("items", find_options{}).at(0).size() == 5u);  // catalog and SELECT * cached
    b.migrate(items_plan(2));                                         // adds "tag"
    record r = item("second");
    r.set("tag", "t2");
    a.insert("items", r);  // the unknown column makes a read the table again
    auto rows = a.find("items", find_options{filter::all(), {}, {order_by{"id"}}, 0});
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].size() == 6u);
    BOOST_TEST(rows[0]["tag"] == value("none"));
    BOOST_TEST(rows[1]["tag"] == value("t2"));
    b.migrate(counters_plan());
    a.insert("counters", record{{"name", "x"}});  // a table created elsewhere
    BOOST_TEST(count_all(b, "counters") == 1u);
}

BOOST_AUTO_TEST_CASE(filters_order_and_limits) {
    engine::sqlite_engine e(sqlite_params{});
    e.migrate(items_plan());
    e.insert("items", item("a", 1.0));
    e.insert("items", item("b", 2.0));
    e.insert("items", item("c"));
    e.insert("items", item("d", 4.0));
    auto names = [&](const filter& f) {
        find_options fo;
        fo.where = f;
        fo.fields = {"name"};
        fo.order = {order_by{"name"}};
        std::string out;
        for (const auto& r : e.find("items", fo))
            out += r.at(0).value.as_text();
        return out;
    };
    BOOST_TEST(names(filter::all()) == "abcd");
    BOOST_TEST(names(col("score") == 2.0) == "b");
    BOOST_TEST(names(col("score") != 2.0) == "ad");  // null matches no comparison
    BOOST_TEST(names(col("score") < 2) == "a");
    BOOST_TEST(names(col("score") <= 2) == "ab");
    BOOST_TEST(names(col("score") > 2) == "d");
    BOOST_TEST(names(col("score") >= 2) == "bd");
    BOOST_TEST(names(col("score").is_null()) == "c");
    BOOST_TEST(names(col("score").is_not_null()) == "abd");
    BOOST_TEST(names(col("name").in({value("d"), value("b"), value("z")})) == "bd");
    BOOST_TEST(names(col("name").in({})) == "");
    BOOST_TEST(names((col("score") < 2 || col("score") > 3) && col("name") != "d") == "a");
    BOOST_TEST(names(col("score").is_null() || col("name") == "a") == "ac");
    filter empty_and;
    empty_and.type = filter::kind::and_;
    filter empty_or;
    empty_or.type = filter::kind::or_;
    BOOST_TEST(names(empty_and) == "abcd");
    BOOST_TEST(names(empty_or) == "");
    BOOST_TEST(names(col("name") > "b") == "cd");  // byte order

    // Nulls first ascending, last descending; projection order kept; limit.
    find_options fo;
    fo.fields = {"score", "name"};
    fo.order = {order_by{"score"}};
    auto rows = e.find("items", fo);
    BOOST_REQUIRE(rows.size() == 4u);
    BOOST_TEST(rows[0].at(0).name == "score");
    BOOST_TEST(rows[0].at(1).value == value("c"));
    fo.order = {order_by{"score", true}};
    fo.limit = 2;
    rows = e.find("items", fo);
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0]["name"] == value("d"));
    BOOST_TEST(rows[1]["name"] == value("b"));
    fo.limit = 0;
    BOOST_TEST(e.find("items", fo).back()["name"] == value("c"));
    BOOST_TEST(!e.find_one("items", find_options{col("name") == "zz", {}, {}, 0}).has_value());
}

BOOST_AUTO_TEST_CASE(update_remove_count_and_keys) {
    engine::sqlite_engine e(sqlite_params{});
    e.migrate(items_plan());
    for (int i = 0; i < 5; ++i)
        e.insert("items", item("k" + std::to_string(i), i));
    BOOST_TEST(e.update("items", col("score") >= 2, {add("n", 10), set("tag", "big")}) == 3u);
    BOOST_TEST(e.update("items", col("score") >= 4, {add("n", -3)}) == 1u);
    BOOST_TEST(e.count("items", col("n") == 10) == 2u);
    BOOST_TEST(e.count("items", col("n") == 7) == 1u);
    BOOST_TEST(e.count("items", col("tag") == "big") == 3u);
    // Matched rows are counted even when nothing changes; no changes counts matches.
    BOOST_TEST(e.update("items", col("tag") == "big", {set("tag", "big")}) == 3u);
    BOOST_TEST(e.update("items", col("tag") == "big", {}) == 3u);
    BOOST_TEST(e.update("items", col("name") == "none", {set("tag", "x")}) == 0u);
    BOOST_TEST(e.remove("items", col("n") == 0) == 2u);
    BOOST_TEST(count_all(e, "items") == 3u);
    // Keys are never reused, even after the highest is removed.
    BOOST_TEST(e.remove("items", col("id") == 5) == 1u);
    BOOST_TEST(e.insert("items", item("again")) == 6);
    // A table without an auto-increment key: insert returns 0.
    e.migrate(counters_plan());
    BOOST_TEST(e.insert("counters", record{{"name", "a"}}) == 0);
    std::vector<record> batch = {record{{"name", "b"}, {"value", 2}}, record{{"value", 3}, {"name", "c"}}};
    BOOST_TEST(e.insert_many("counters", batch) == (std::vector<std::int64_t>{0, 0}), boost::test_tools::per_element());
    BOOST_TEST(counter_value(e, "c") == 3);
    BOOST_TEST(e.insert_many("counters", std::span<const record>{}).empty());
}

BOOST_AUTO_TEST_CASE(nested_transactions_are_savepoints) {
    temp_dir tmp;
    engine::sqlite_engine e(file_params(tmp.file("tx.db")));
    e.migrate(items_plan());
    error_code ec;
    diagnostics diag;
    engine::sqlite_transaction none;
    none.commit(ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    none.rollback(ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);

    auto outer = e.begin();
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) == 0);
    outer.insert("items", item("outer"));
    {
        auto inner = outer.begin();
        inner.insert("items", item("inner_rolled_back"));
        BOOST_TEST(count_all(inner, "items") == 2u);
        inner.rollback();
    }
    {
        auto inner = outer.begin();
        inner.insert("items", item("inner_kept"));
        auto deepest = inner.begin();
        deepest.insert("items", item("deepest"));
        deepest.commit();
        inner.commit();
    }
    // A failed statement inside a transaction leaves the transaction usable.
    outer.insert("items", item("outer"), ec, diag);
    CHECK_ERRC(ec, errc::unique_violation);
    std::vector<record> bad = {item("batch_ok"), item("outer")};
    outer.insert_many("items", bad, ec, diag);  // its savepoint rolls back, the transaction goes on
    CHECK_ERRC(ec, errc::unique_violation);
    BOOST_TEST(count_all(outer, "items") == 3u);
    outer.commit();
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) != 0);
    BOOST_TEST(count_all(e, "items") == 3u);
    BOOST_TEST(e.count("items", col("name").in({value("outer"), value("inner_kept"), value("deepest")})) == 3u);

    // The outermost rollback discards everything, nested commits included.
    outer = e.begin();
    outer.insert("items", item("gone1"));
    {
        auto inner = outer.begin();
        inner.insert("items", item("gone2"));
        inner.commit();
    }
    outer.rollback();
    BOOST_TEST(count_all(e, "items") == 3u);

    // The destructor of an active transaction rolls it back.
    {
        auto tx = e.begin(ec, diag);
        BOOST_TEST(!ec);
        tx.insert("items", item("guarded"));
    }
    BOOST_TEST(e.count("items", col("name") == "guarded") == 0u);
    BOOST_TEST(sqlite3_get_autocommit(e.native_handle()) != 0);
    {
        auto tx = e.begin(ec, diag);
        tx.insert("items", item("guarded"));
        tx.commit(ec, diag);
        BOOST_TEST(!ec);
    }
    BOOST_TEST(e.count("items", col("name") == "guarded") == 1u);
}

BOOST_AUTO_TEST_CASE(attach_joins_the_callers_transaction) {
    temp_dir tmp;
    std::string path = tmp.file("attach.db");
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
    auto exec = [&](const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); };
    BOOST_REQUIRE(exec("CREATE TABLE app (k TEXT PRIMARY KEY)") == SQLITE_OK);
    {
        auto e = engine::sqlite_engine::attach(db);
        BOOST_TEST(e.native_handle() == db);
        e.migrate(items_plan());

        // The caller's transaction: the engine's insert is part of it and goes with its ROLLBACK.
        BOOST_REQUIRE(exec("BEGIN") == SQLITE_OK);
        BOOST_REQUIRE(exec("INSERT INTO app VALUES ('x')") == SQLITE_OK);
        e.insert("items", item("rolled_back"));
        std::vector<record> rs = {item("rb1"), item("rb2")};
        e.insert_many("items", rs);
        BOOST_TEST(count_all(e, "items") == 3u);
        BOOST_REQUIRE(sqlite3_get_autocommit(db) == 0);  // insert_many used a savepoint, not COMMIT
        BOOST_REQUIRE(exec("ROLLBACK") == SQLITE_OK);
        BOOST_TEST(count_all(e, "items") == 0u);

        // ... and with its COMMIT; the engine's own begin is a savepoint inside it.
        BOOST_REQUIRE(exec("BEGIN") == SQLITE_OK);
        e.insert("items", item("kept"));
        {
            auto tx = e.begin();
            tx.insert("items", item("savepoint_rolled_back"));
            tx.rollback();
            tx = e.begin();
            tx.insert("items", item("savepoint_kept"));
            tx.commit();
        }
        BOOST_TEST(sqlite3_get_autocommit(db) == 0);
        BOOST_REQUIRE(exec("INSERT INTO app VALUES ('y')") == SQLITE_OK);
        BOOST_REQUIRE(exec("COMMIT") == SQLITE_OK);
        BOOST_TEST(count_all(e, "items") == 2u);
        BOOST_TEST(e.count("items", col("name").in({value("kept"), value("savepoint_kept")})) == 2u);
    }
    // The engine is gone, the connection is not: it still works and closes cleanly (no statements left).
    int n = -1;
    BOOST_TEST(sqlite3_exec(
                   db, "SELECT count(*) FROM items",
                   [](void* p, int, char** v, char**) {
                       *static_cast<int*>(p) = std::stoi(v[0]);
                       return 0;
                   },
                   &n, nullptr) == SQLITE_OK);
    BOOST_TEST(n == 2);
    BOOST_TEST(sqlite3_close(db) == SQLITE_OK);
}

BOOST_AUTO_TEST_CASE(threads_share_one_engine) {
    temp_dir tmp;
    engine::sqlite_engine e(file_params(tmp.file("threads.db")));
    e.migrate(items_plan());
    e.migrate(counters_plan());
    e.insert("counters", record{{"name", "c"}});
    constexpr int threads = 4;
    constexpr int rounds = 150;
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < rounds; ++i) {
                error_code ec;
                diagnostics diag;
                e.insert("items", item("t" + std::to_string(t) + "_" + std::to_string(i)), ec, diag);
                if (ec)
                    ++failures;
                // Read, then write what was read plus one: only exact if no other thread interleaves.
                auto tx = e.begin(ec, diag);
                if (ec) {
                    ++failures;
                    continue;
                }
                find_options fo;
                fo.where = col("name") == "c";
                auto row = tx.find_one("counters", fo, ec, diag);
                if (ec || !row) {
                    ++failures;
                    continue;
                }
                std::int64_t v = (*row)["value"].as_integer();
                tx.update("counters", col("name") == "c", {set("value", v + 1)}, ec, diag);
                if (!ec)
                    tx.commit(ec, diag);
                if (ec)
                    ++failures;
            }
        });
    }
    for (auto& th : pool)
        th.join();
    BOOST_TEST(failures.load() == 0);
    BOOST_TEST(count_all(e, "items") == std::size_t(threads * rounds));
    BOOST_TEST(counter_value(e, "c") == threads * rounds);
}

BOOST_AUTO_TEST_CASE(two_engines_on_one_file_count_exactly) {
    temp_dir tmp;
    std::string path = tmp.file("shared.db");
    {
        engine::sqlite_engine setup(file_params(path));
        setup.migrate(counters_plan());
        setup.insert("counters", record{{"name", "c"}});
    }
    constexpr int rounds = 150;
    constexpr int max_attempts = 100;
    std::atomic<int> gave_up{0};
    auto worker = [&] {
        engine::sqlite_engine e(file_params(path));
        for (int i = 0; i < rounds; ++i) {
            bool done = false;
            for (int attempt = 0; attempt < max_attempts && !done; ++attempt) {
                error_code ec;
                diagnostics diag;
                auto tx = e.begin(ec, diag);
                if (ec)
                    continue;  // storage_busy: the other engine held the lock past the timeout
                find_options fo;
                fo.where = col("name") == "c";
                auto row = tx.find_one("counters", fo, ec, diag);
                if (ec || !row)
                    continue;
                tx.update("counters", col("name") == "c", {set("value", (*row)["value"].as_integer() + 1)}, ec, diag);
                if (ec)
                    continue;
                tx.commit(ec, diag);
                done = !ec;
            }
            if (!done)
                ++gave_up;
        }
    };
    std::thread t1(worker);
    std::thread t2(worker);
    t1.join();
    t2.join();
    BOOST_TEST(gave_up.load() == 0);
    engine::sqlite_engine check(file_params(path));
    BOOST_TEST(counter_value(check, "c") == 2 * rounds);
}

BOOST_AUTO_TEST_CASE(concurrent_migrations_apply_each_version_once) {
    temp_dir tmp;
    std::string path = tmp.file("migrate.db");
    { engine::sqlite_engine init(file_params(path)); }  // the file exists, in WAL mode
    // Version 1 creates a table: applying it twice would fail with "already exists".
    std::atomic<int> errors{0};
    std::vector<int> results(4, -1);
    std::vector<std::thread> pool;
    for (int i = 0; i < 4; ++i) {
        pool.emplace_back([&, i] {
            engine::sqlite_engine e(file_params(path));
            error_code ec;
            diagnostics diag;
            results[std::size_t(i)] = e.migrate(items_plan(), ec, diag);
            if (ec)
                ++errors;
        });
    }
    for (auto& th : pool)
        th.join();
    BOOST_TEST(errors.load() == 0);
    for (int r : results)
        BOOST_TEST(r == 2);
    engine::sqlite_engine e(file_params(path));
    BOOST_TEST(e.schema_version("test.items") == 2);
    BOOST_TEST(single_text(e, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'items'") == "1");
}

BOOST_AUTO_TEST_CASE(native_sql_queries) {
    engine::sqlite_engine e(sqlite_params{});
    BOOST_TEST((e.dialect() == sql_dialect::sqlite));
    e.migrate(counters_plan());
    std::vector<value> params = {value("a"), value(5)};
    BOOST_TEST(e.query("INSERT INTO counters (name, value) VALUES (?1, ?2)", params) == 1u);
    params = {value("b"), value(7)};
    BOOST_TEST(e.query("INSERT INTO counters (name, value) VALUES (?1, ?2)", params) == 1u);
    params = {value("c"), value()};
    error_code ec;
    diagnostics diag;
    e.query("INSERT INTO counters (name, value) VALUES (?1, ?2)", params, [](std::span<const cell_view>) {}, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);  // NOT NULL

    // SELECT: rows through on_row, 0 changes.
    std::vector<std::string> seen;
    std::vector<value> min = {value(0)};
    std::size_t changed = e.query(
        "SELECT name, value, value * 1.5, NULL FROM counters WHERE value > ?1 ORDER BY name", min,
        [&](std::span<const cell_view> row) {
            BOOST_REQUIRE(row.size() == 4u);
            BOOST_TEST(row[0].type == value::kind::text);
            BOOST_TEST(row[1].type == value::kind::integer);
            BOOST_TEST(row[2].type == value::kind::real);
            BOOST_TEST(row[3].is_null());
            seen.push_back(std::string(row[0].text) + "=" + std::to_string(row[1].integer));
        });
    BOOST_TEST(changed == 0u);
    BOOST_TEST(seen == (std::vector<std::string>{"a=5", "b=7"}), boost::test_tools::per_element());

    // UPDATE ... RETURNING: rows and the change count.
    std::vector<std::string> returned;
    std::vector<value> inc = {value(10)};
    changed = e.query("UPDATE counters SET value = value + ?1 RETURNING name, value", inc,
                      [&](std::span<const cell_view> row) {
                          returned.push_back(std::string(row[0].text) + "=" + std::to_string(row[1].integer));
                      });
    BOOST_TEST(changed == 2u);
    std::multiset<std::string> got(returned.begin(), returned.end());
    BOOST_TEST((got == std::multiset<std::string>{"a=15", "b=17"}));
    BOOST_TEST(e.query("DELETE FROM counters WHERE value > 100") == 0u);
    // const std::function, as the sql_engine concept passes it.
    const std::function<void(std::span<const cell_view>)> fn = [&](std::span<const cell_view> row) {
        BOOST_TEST(row[0].integer == 2);
    };
    e.query("SELECT count(*) FROM counters", {}, fn, ec, diag);
    BOOST_TEST(!ec);

    // DDL through query: the catalog follows.
    e.query("ALTER TABLE counters ADD COLUMN note TEXT");
    e.update("counters", col("name") == "a", {set("note", "hi")});
    BOOST_TEST(e.count("counters", col("note") == "hi") == 1u);

    // Mistakes.
    e.query("SELEC 1", {}, fn, ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    e.query("SELECT ?1", {}, fn, ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    BOOST_TEST(diag.field() == "params");
    e.query("SELECT 1; SELECT 2", {}, fn, ec, diag);
    CHECK_ERRC(ec, errc::invalid_argument);
    e.query("SELECT * FROM nope", {}, fn, ec, diag);
    CHECK_ERRC(ec, errc::schema_error);
    // An exception from on_row leaves the engine usable.
    BOOST_CHECK_THROW(e.query("SELECT name FROM counters", {}, [](std::span<const cell_view>) { throw 1; }), int);
    BOOST_TEST(count_all(e, "counters") == 2u);
    // A callback may use the engine, even with the same statement text.
    std::size_t inner = 0;
    e.query("SELECT name FROM counters", {}, [&](std::span<const cell_view>) {
        e.query("SELECT name FROM counters", {}, [&](std::span<const cell_view>) { ++inner; });
    });
    BOOST_TEST(inner == 4u);
}

BOOST_AUTO_TEST_CASE(moves_keep_the_connection) {
    temp_dir tmp;
    std::string path = tmp.file("move.db");
    error_code ec;
    diagnostics diag;
    auto opened = engine::sqlite_engine::open(file_params(path), ec, diag);
    BOOST_REQUIRE(opened.has_value());
    BOOST_TEST(!ec);
    engine::sqlite_engine a = std::move(*opened);
    a.migrate(items_plan());
    a.insert("items", item("a"));
    engine::sqlite_engine b(sqlite_params{});
    b = std::move(a);
    BOOST_TEST(count_all(b, "items") == 1u);
    // Destroying an engine and its open transaction rolls the transaction back.
    {
        engine::sqlite_engine c(file_params(path));
        auto tx = c.begin();
        tx.insert("items", item("uncommitted"));
    }
    BOOST_TEST(count_all(b, "items") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
