//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The `hookbox` command-line tool, run as a subprocess on real SQLite outbox files: its output
// (text and JSON), its exit status, and what it leaves in the database, checked through the library.

#include "common/cli_runner.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace hookbox::test {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

using sqlite_storage = sql_storage<engine::sqlite_engine>;
using file_outbox = basic_outbox<sqlite_storage, manual_clock>;

// ----- running the tool -----

using cli_result = tool_result;

// Runs the tool with exactly these arguments (no shell), stdin from /dev/null, and collects its
// stdout and stderr; `prefix` is a program to run it under (setpriv), if any.
cli_result run_cli(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
    return run_tool(args, prefix);
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

// Parses the tool's stdout as exactly one JSON document.
json::value parse_json(const cli_result& r) {
    error_code ec;
    json::value v = json::parse(r.out, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "stdout is not one JSON document: " << ec.message() << "\n" << r.out);
    return v;
}

std::size_t count_lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::set<std::string> folder_entries(const std::filesystem::path& dir) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        out.insert(e.path().filename().string());
    return out;
}

// ----- the outbox file -----

// Kept out of every output: the signing secret of the first delivery.
constexpr std::string_view secret_text = "whsec_dGhpcy1zZWNyZXQtbXVzdC1uZXZlci1iZS1wcmludGVk";

file_outbox open_outbox(const std::string& path, const std::string& table = "sys_webhook_delivery") {
    engine::sqlite_params p;
    p.path = path;
    sql_storage_params sp;
    sp.table = table;
    return file_outbox(outbox_params{}, sqlite_storage(engine::sqlite_engine(p), sp), manual_clock());
}

// A SQLite outbox file with rows in every status, made through the library with a manual clock
// that starts at 2026-01-01T00:00:00Z and moves one minute per step:
//
// | row | webhook | event | how | status | attempts |
// |---|---|---|---|---|---|
// | a1 | wh-a | evt-1 | signed, Authorization header; success 200 at 00:01 | success | 1 |
// | a2 | wh-a | evt-2 | retry 500 at 00:03, dead 410 at 00:05 | dead | 2 |
// | a3 | wh-a | evt-3 | retry 503 at 00:07, next try at 01:07 | pending | 1 |
// | b1 | wh-b | evt-4 | dead, no response (connect timeout) at 00:09 | dead | 1 |
// | b2 | wh-b | evt-5 | success 204 at 00:11, then set to failed | failed | 1 |
// | b3 | wh-b | evt-6 | claimed at 00:12 | in_flight | 0 |
// | c1 | wh-c | evt-7 | enqueued at 00:13 | pending | 0 |
// | c2 | wh-c | evt-8 | enqueued at 00:14 | pending | 0 |
struct outbox_file {
    temp_dir dir;
    std::string path;
    std::string table;
    delivery_id a1, a2, a3, b1, b2, b3, c1, c2;

    explicit outbox_file(std::string table_name = "sys_webhook_delivery")
        : path(dir.file("outbox")), table(std::move(table_name)) {
        file_outbox ob = open_outbox(path, table);
        manual_clock clock = ob.clock();
        auto step = [&] { clock.advance(1min); };
        auto claim_one = [&] {
            claim_options o;
            o.node_id = "node-1";
            o.limit = 1;
            auto got = ob.claim(o);
            BOOST_REQUIRE_EQUAL(got.size(), 1u);
            return got.front();
        };
        auto result = [](attempt_outcome outcome, std::optional<int> code, std::string error,
                         std::optional<timestamp> next = std::nullopt) {
            attempt_result r;
            r.outcome = outcome;
            r.http_status = code;
            r.error = std::move(error);
            r.duration = 120ms;
            r.next_retry_at = next;
            return r;
        };

        auto signed_request = make_request("wh-a", "evt-1");
        signed_request.secret = std::string(secret_text);
        signed_request.headers = {{"X-Tenant", "t-1"}, {"Authorization", "Bearer tok-0f1e2d"}};
        a1 = ob.enqueue(signed_request).id;
        auto d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::success, 200, ""));

        step();
        a2 = ob.enqueue(make_request("wh-a", "evt-2")).id;
        d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::retry, 500, "HTTP 500", now_ms(clock)));
        step();
        d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::dead, 410, "HTTP 410 Gone"));

        step();
        a3 = ob.enqueue(make_request("wh-a", "evt-3")).id;
        d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::retry, 503, "HTTP 503", now_ms(clock) + 1h));

        step();
        b1 = ob.enqueue(make_request("wh-b", "evt-4")).id;
        d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::dead, std::nullopt, "connect timeout"));

        step();
        b2 = ob.enqueue(make_request("wh-b", "evt-5")).id;
        d = claim_one();
        step();
        ob.ack(d, result(attempt_outcome::success, 204, ""));
        // No operation leads to `failed` (the ObjectStack outbox's schema has it); set it as another program would.
        std::vector<engine::value> params{engine::value(b2.to_string())};
        ob.storage().engine().query("UPDATE " + table + " SET status = 'failed' WHERE id = ?1", params);

        step();
        b3 = ob.enqueue(make_request("wh-b", "evt-6")).id;
        BOOST_REQUIRE(claim_one().id == b3);

        step();
        c1 = ob.enqueue(make_request("wh-c", "evt-7")).id;
        step();
        c2 = ob.enqueue(make_request("wh-c", "evt-8")).id;
    }

    // The rows' statuses, read through the library on a new connection.
    delivery_status status(delivery_id id) {
        auto d = open_outbox(path, table).get(id);
        BOOST_REQUIRE_MESSAGE(d, "row " << id << " is gone");
        return d->status;
    }

    std::optional<delivery> get(delivery_id id) { return open_outbox(path, table).get(id); }

    std::size_t total() { return open_outbox(path, table).stats().total(); }
};

// A folder that the tool, run with `unprivileged()` in front of it, may read but not write: as
// root, a root-owned folder the tool reads as the user `nobody`; otherwise a folder without write
// permission.
struct read_only_folder {
    std::filesystem::path path;
    explicit read_only_folder(const temp_dir& dir) : path(dir.path() / "ro") {
        namespace fs = std::filesystem;
        fs::create_directory(path);
        fs::permissions(dir.path(), fs::perms(0755));
        fs::permissions(path, fs::perms(0755));
    }
    void seal() const {
        namespace fs = std::filesystem;
        for (const auto& e : fs::directory_iterator(path))
            fs::permissions(e.path(), fs::perms(0644));
        fs::permissions(path, ::geteuid() == 0 ? fs::perms(0755) : fs::perms(0555));
    }
    ~read_only_folder() {
        std::error_code ec;
        std::filesystem::permissions(path, std::filesystem::perms(0755), ec);
    }
    std::vector<std::string> unprivileged() const {
        if (::geteuid() != 0)
            return {};
        return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
    }
};

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(help_and_version_exit_0) {
    auto r = run_cli({"--help"});
    BOOST_TEST(r.status == 0);
    for (std::string_view word :
         {"stats", "list", "show", "redeliver", "replay", "purge", "Exit status", "--json"})
        BOOST_TEST(contains(r.out, word), word);
    BOOST_TEST(r.err.empty());

    for (std::vector<std::string> args :
         {std::vector<std::string>{"help", "purge"}, {"purge", "--help"}, {"-h", "purge"}}) {
        auto p = run_cli(args);
        BOOST_TEST(p.status == 0);
        BOOST_TEST(contains(p.out, "--yes"));
        BOOST_TEST(contains(p.out, "--before TIME"));
    }

    auto v = run_cli({"--version"});
    BOOST_TEST(v.status == 0);
    BOOST_TEST(v.out == "hookbox " HOOKBOX_VERSION_STRING "\n");
    auto vj = run_cli({"--json", "--version"});
    BOOST_TEST(parse_json(vj).at("version").as_string() == HOOKBOX_VERSION_STRING);
}

BOOST_AUTO_TEST_CASE(unknown_command_or_option_is_a_usage_error) {
    auto r = run_cli({"frobnicate", "x.sqlite"});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(contains(r.err, "unknown command 'frobnicate'"));
    BOOST_TEST(r.out.empty());

    auto o = run_cli({"list", "x.sqlite", "--colour"});
    BOOST_TEST(o.status == 2);
    BOOST_TEST(contains(o.err, "unknown option '--colour' for 'list'"));

    auto none = run_cli({});
    BOOST_TEST(none.status == 2);
    BOOST_TEST(contains(none.err, "missing command"));

    auto missing = run_cli({"stats"});
    BOOST_TEST(missing.status == 2);
    BOOST_TEST(contains(missing.err, "missing argument <database>"));

    auto no_value = run_cli({"list", "x.sqlite", "--limit"});
    BOOST_TEST(no_value.status == 2);
    BOOST_TEST(contains(no_value.err, "--limit: needs a value"));
}

BOOST_AUTO_TEST_CASE(missing_file_exits_3_and_is_not_created) {
    temp_dir dir;
    const std::string path = (dir.path() / "absent.sqlite").string();
    for (std::vector<std::string> args : {std::vector<std::string>{"stats", path},
                                          {"purge", path, "--all", "--yes"},
                                          {"redeliver", path, "0b7e8b6a-3c55-4d2e-9a51-1f0e8c2d4b6a"}}) {
        BOOST_TEST_CONTEXT(args.front()) {
            auto r = run_cli(args);
            BOOST_TEST(r.status == 3);
            BOOST_TEST(contains(r.err, "does not exist"));
            BOOST_TEST(contains(r.err, path));
        }
    }
    BOOST_TEST(folder_entries(dir.path()).empty());
}

BOOST_AUTO_TEST_CASE(sqlite_file_without_the_outbox_table_is_refused_and_left_unchanged) {
    temp_dir dir;
    const std::string path = dir.file("other");
    {
        sqlite3* db = nullptr;
        BOOST_REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        BOOST_REQUIRE(sqlite3_exec(db, "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER)", nullptr,
                                   nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    const std::string before = read_file(path);
    const auto entries = folder_entries(dir.path());
    for (std::vector<std::string> args : {std::vector<std::string>{"stats", path},
                                          {"list", path},
                                          {"purge", path, "--all", "--yes"},
                                          {"replay", path, "--all"},
                                          {"redeliver", path, "0b7e8b6a-3c55-4d2e-9a51-1f0e8c2d4b6a"}}) {
        BOOST_TEST_CONTEXT(args.front()) {
            auto r = run_cli(args);
            BOOST_TEST(r.status == 3);
            BOOST_TEST(contains(r.err, "not an outbox database"));
            BOOST_TEST(contains(r.err, "sys_webhook_delivery"));
        }
    }
    BOOST_TEST(read_file(path) == before);
    BOOST_TEST((folder_entries(dir.path()) == entries));
    sqlite3* db = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    BOOST_REQUIRE(sqlite3_prepare_v2(db, "SELECT group_concat(name) FROM sqlite_master", -1, &st, nullptr) ==
                  SQLITE_OK);
    BOOST_REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    BOOST_TEST(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "orders");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

BOOST_AUTO_TEST_CASE(schema_too_old_or_too_new_is_refused_and_not_migrated) {
    temp_dir dir;
    const std::string path = dir.file("versions");
    const auto plan = delivery_schema();
    {
        engine::sqlite_engine e({.path = path});
        e.migrate(plan, plan.latest() - 1);
    }
    auto old = run_cli({"stats", path});
    BOOST_TEST(old.status == 3);
    BOOST_TEST(contains(old.err, "schema version " + std::to_string(plan.latest() - 1)));
    BOOST_TEST(contains(old.err, "never migrates"));
    auto redeliver = run_cli({"--json", "redeliver", path, "0b7e8b6a-3c55-4d2e-9a51-1f0e8c2d4b6a"});
    BOOST_TEST(redeliver.status == 3);
    BOOST_TEST(parse_json(redeliver).at("error").at("code").as_string() == "schema_too_old");
    {
        engine::sqlite_engine e({.path = path});
        BOOST_TEST(e.schema_version(plan.name) == plan.latest() - 1);
        e.migrate(plan);
        std::vector<engine::value> params{engine::value(plan.latest() + 1), engine::value(plan.name)};
        e.query("UPDATE hookbox_schema SET version = ?1 WHERE name = ?2", params);
    }
    auto young = run_cli({"--json", "list", path});
    BOOST_TEST(young.status == 3);
    auto err = parse_json(young).at("error");
    BOOST_TEST(err.at("code").as_string() == "schema_too_new");
    BOOST_TEST(err.at("field").as_string() == "database");
}

// Version 5 moved the payloads out of the delivery table (and version 6 added the traceparent
// columns): a file at version 4 is refused as it is (the tool never migrates), and read once the
// application has migrated it.
BOOST_AUTO_TEST_CASE(a_version_4_file_is_refused_untouched_and_read_once_migrated) {
    temp_dir dir;
    const std::string path = dir.file("v4");
    const auto plan = delivery_schema();
    BOOST_TEST_REQUIRE(plan.latest() == 6);
    const delivery_id id = delivery_id::generate();
    {
        engine::sqlite_engine e({.path = path});
        BOOST_TEST(e.migrate(plan, 4) == 4);
        e.insert("sys_webhook_delivery", engine::record{{"id", id.to_string()},
                                                        {"webhook_id", "wh-a"},
                                                        {"event_id", "evt-1"},
                                                        {"event_type", "order.created"},
                                                        {"url", "https://receiver.example/hook"},
                                                        {"payload_json", engine::value::json(R"({"o":42})")},
                                                        {"partition_key", hash_partition("wh-a", 8)},
                                                        {"status", "dead"},
                                                        {"attempts", 3},
                                                        {"created_at", std::int64_t(1767225600000)},
                                                        {"updated_at", std::int64_t(1767225600000)}});
    }
    const std::string before = read_file(path);
    for (const auto& args : std::vector<std::vector<std::string>>{{"show", path, id.to_string()},
                                                                  {"stats", path},
                                                                  {"replay", path, "--all"},
                                                                  {"purge", path, "--all", "--yes"}}) {
        BOOST_TEST_CONTEXT(args.front()) {
            auto r = run_cli(args);
            BOOST_TEST(r.status == 3);
            BOOST_TEST(contains(r.err, "schema version 4 and this hookbox needs version 6"), r.err);
            BOOST_TEST(contains(r.err, "never migrates"));
        }
    }
    BOOST_TEST(read_file(path) == before);

    { open_outbox(path); }  // the application opens it: the table is migrated to version 6
    auto r = run_cli({"--json", "show", path, id.to_string()});
    BOOST_TEST(r.status == 0, r.err);
    auto d = parse_json(r).at("delivery");
    BOOST_TEST(d.at("status").as_string() == "dead");
    BOOST_TEST(d.at("attempts").as_int64() == 3);
    BOOST_TEST(d.at("payload").at("o").as_int64() == 42);
}

BOOST_AUTO_TEST_CASE(stats_prints_rows_per_status_and_failing_webhooks) {
    outbox_file f;
    auto r = run_cli({"stats", f.path});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(contains(r.out, "pending       3"));
    BOOST_TEST(contains(r.out, "in_flight     1"));
    BOOST_TEST(contains(r.out, "success       1"));
    BOOST_TEST(contains(r.out, "failed        1"));
    BOOST_TEST(contains(r.out, "dead          2"));
    BOOST_TEST(contains(r.out, "total         8"));
    BOOST_TEST(contains(r.out, "oldest pending: "));
    // wh-a: a2 dead, a3 retrying; its latest failure is a3's at 00:07.
    BOOST_TEST(contains(r.out, "wh-a        1         1  2026-01-01T00:07:00.000Z  HTTP 503"));
    BOOST_TEST(contains(r.out, "wh-b        1         0  2026-01-01T00:09:00.000Z  connect timeout"));
    BOOST_TEST(!contains(r.out, "wh-c"));
    BOOST_TEST(r.out.find("wh-a") < r.out.find("wh-b"));
}

BOOST_AUTO_TEST_CASE(stats_json_counts) {
    outbox_file f;
    auto r = run_cli({"--json", "stats", f.path});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.err.empty());
    auto v = parse_json(r);
    const auto& by = v.at("by_status");
    BOOST_TEST(by.at("pending").as_int64() == 3);
    BOOST_TEST(by.at("in_flight").as_int64() == 1);
    BOOST_TEST(by.at("success").as_int64() == 1);
    BOOST_TEST(by.at("failed").as_int64() == 1);
    BOOST_TEST(by.at("dead").as_int64() == 2);
    BOOST_TEST(v.at("total").as_int64() == 8);
    // a3, created at 00:06 of the manual clock; the tool measures with the system clock.
    BOOST_TEST(v.at("oldest_pending_age_ms").as_int64() > 0);
    const auto& failing = v.at("failures").as_array();
    BOOST_REQUIRE_EQUAL(failing.size(), 2u);
    BOOST_TEST(failing[0].at("webhook_id").as_string() == "wh-a");
    BOOST_TEST(failing[0].at("dead").as_int64() == 1);
    BOOST_TEST(failing[0].at("retrying").as_int64() == 1);
    BOOST_TEST(failing[0].at("last_error").as_string() == "HTTP 503");
    BOOST_TEST(failing[0].at("last_failed_at").as_string() == "2026-01-01T00:07:00.000Z");
    BOOST_TEST(failing[1].at("webhook_id").as_string() == "wh-b");

    auto top1 = parse_json(run_cli({"--json", "stats", f.path, "--top", "1"}));
    BOOST_TEST(top1.at("failures").as_array().size() == 1u);
}

BOOST_AUTO_TEST_CASE(list_filters_by_status_and_webhook) {
    outbox_file f;
    auto dead = run_cli({"list", f.path, "--status", "dead"});
    BOOST_TEST(dead.status == 0, dead.err);
    BOOST_TEST(count_lines(dead.out) == 3u);  // the header and two rows
    BOOST_TEST(contains(dead.out, f.a2.to_string() + "  dead         2  wh-a"));
    BOOST_TEST(contains(dead.out, "2026-01-01T00:05:00.000Z  410   HTTP 410 Gone"));
    BOOST_TEST(contains(dead.out, f.b1.to_string() + "  dead         1  wh-b"));
    BOOST_TEST(contains(dead.out, "2026-01-01T00:09:00.000Z  -     connect timeout"));
    BOOST_TEST(!contains(dead.out, "next page:"));

    auto wh_b = parse_json(run_cli({"--json", "list", f.path, "--webhook", "wh-b"}));
    const auto& items = wh_b.at("items").as_array();
    BOOST_REQUIRE_EQUAL(items.size(), 3u);
    BOOST_TEST(items[0].at("id").as_string() == f.b1.to_string());
    BOOST_TEST(items[1].at("status").as_string() == "failed");
    BOOST_TEST(items[2].at("status").as_string() == "in_flight");
    BOOST_TEST(items[2].at("response_code").is_null());
    BOOST_TEST(wh_b.at("next_cursor").is_null());

    auto both = parse_json(run_cli({"--json", "list", f.path, "--webhook=wh-a", "--status=pending"}));
    BOOST_REQUIRE_EQUAL(both.at("items").as_array().size(), 1u);
    BOOST_TEST(both.at("items").at(0).at("id").as_string() == f.a3.to_string());

    auto none = run_cli({"list", f.path, "--webhook", "wh-nobody"});
    BOOST_TEST(none.status == 0);
    BOOST_TEST(none.out == "no deliveries\n");

    auto bad = run_cli({"list", f.path, "--status", "done"});
    BOOST_TEST(bad.status == 2);
    BOOST_TEST(
        contains(bad.err, "--status: 'done' must be one of: pending, in_flight, success, failed, dead"));
}

BOOST_AUTO_TEST_CASE(list_pages_with_after) {
    outbox_file f;
    const std::vector<delivery_id> all{f.a1, f.a2, f.a3, f.b1, f.b2, f.b3, f.c1, f.c2};
    std::vector<std::string> seen;
    std::optional<std::int64_t> cursor;
    int pages = 0;
    do {
        std::vector<std::string> args{"--json", "list", f.path, "--limit", "3"};
        if (cursor) {
            args.push_back("--after");
            args.push_back(std::to_string(*cursor));
        }
        auto r = run_cli(args);
        BOOST_REQUIRE(r.status == 0);
        auto v = parse_json(r);
        for (const auto& item : v.at("items").as_array())
            seen.emplace_back(item.at("id").as_string());
        cursor = v.at("next_cursor").is_null() ? std::nullopt
                                               : std::optional(v.at("next_cursor").to_number<std::int64_t>());
        ++pages;
    } while (cursor && pages < 10);
    BOOST_TEST(pages == 3);
    BOOST_REQUIRE_EQUAL(seen.size(), all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        BOOST_TEST(seen[i] == all[i].to_string());

    // In text, the last line says how to get the next page.
    auto text = run_cli({"list", f.path, "--limit", "2"});
    BOOST_TEST(count_lines(text.out) == 4u);
    BOOST_TEST(contains(text.out, "next page: --after "));
    auto bad = run_cli({"list", f.path, "--after", "-1"});
    BOOST_TEST(bad.status == 2);
    BOOST_TEST(contains(bad.err, "--after"));
}

BOOST_AUTO_TEST_CASE(show_prints_every_field_and_the_history_but_never_the_secret) {
    outbox_file f;
    auto r = run_cli({"show", f.path, f.a2.to_string()});
    BOOST_TEST(r.status == 0, r.err);
    for (std::string_view line :
         {"status            dead", "attempts          2", "webhook_id        wh-a",
          "event_id          evt-2", "url               https://receiver.example/hook",
          "signed            no", "response_code     410", "error             HTTP 410 Gone",
          "last_attempted_at 2026-01-01T00:05:00.000Z", "created_at        2026-01-01T00:02:00.000Z"})
        BOOST_TEST(contains(r.out, line), line);
    BOOST_TEST(contains(r.out, R"({"object":"contact","recordId":"c-1"})"));
    // Two attempts: the retry, then the dead one.
    BOOST_TEST(contains(r.out, "   1  2026-01-01T00:03:00.000Z  pending  500     120 ms  -                 HTTP 500"));
    BOOST_TEST(contains(r.out, "   2  2026-01-01T00:05:00.000Z  dead     410     120 ms  -                 HTTP 410 Gone"));
    BOOST_TEST(contains(r.out, "traceparent       -"));

    auto j = parse_json(run_cli({"--json", "show", f.path, f.a2.to_string()}));
    const auto& d = j.at("delivery");
    BOOST_TEST(d.at("id").as_string() == f.a2.to_string());
    BOOST_TEST(d.at("status").as_string() == "dead");
    BOOST_TEST(d.at("payload").at("recordId").as_string() == "c-1");
    BOOST_TEST(d.at("signed").as_bool() == false);
    const auto& history = j.at("history").as_array();
    BOOST_REQUIRE_EQUAL(history.size(), 2u);
    BOOST_TEST(history[0].at("number").as_int64() == 1);
    BOOST_TEST(history[0].at("outcome").as_string() == "pending");
    BOOST_TEST(history[0].at("response_code").as_int64() == 500);
    BOOST_TEST(history[1].at("outcome").as_string() == "dead");
    BOOST_TEST(history[1].at("at").as_string() == "2026-01-01T00:05:00.000Z");

    // The signed row: it says so, and its secret is in no output of any command.
    std::vector<cli_result> outputs{run_cli({"show", f.path, f.a1.to_string()}),
                                    run_cli({"--json", "show", f.path, f.a1.to_string()}),
                                    run_cli({"list", f.path}), run_cli({"--json", "list", f.path})};
    BOOST_TEST(contains(outputs[0].out, "signed            yes"));
    BOOST_TEST(contains(outputs[0].out, "X-Tenant: t-1"));
    BOOST_TEST(contains(outputs[0].out, "Authorization: <redacted>"));
    BOOST_TEST(parse_json(outputs[1]).at("delivery").at("signed").as_bool());
    for (const auto& o : outputs) {
        BOOST_TEST(o.status == 0);
        BOOST_TEST(!contains(o.out, secret_text));
        BOOST_TEST(!contains(o.err, secret_text));
        BOOST_TEST(!contains(o.out, "tok-0f1e2d"));
    }
}

// A traced delivery: show prints the traceparent it was enqueued with, and each attempt's span id
// (the whole traceparent each attempt sent in --json).
BOOST_AUTO_TEST_CASE(show_prints_the_traceparent_and_each_attempts_span) {
    temp_dir dir;
    const std::string path = dir.file("traced");
    const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const std::string sent = "00-4bf92f3577b34da6a3ce929d0e0e4736-a3ce929d0e0e4736-01";
    delivery_id id;
    {
        file_outbox ob = open_outbox(path);
        auto req = make_request("wh-a", "evt-1");
        req.traceparent = parent;
        id = ob.enqueue(req).id;
        auto claimed = ob.claim(claim_options{.node_id = "node-1"});
        BOOST_REQUIRE_EQUAL(claimed.size(), 1u);
        attempt_result r{.outcome = attempt_outcome::success, .http_status = 200, .duration = 120ms};
        r.traceparent = sent;
        ob.ack(claimed[0], r);
    }
    auto r = run_cli({"show", path, id.to_string()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(contains(r.out, "traceparent       " + parent), r.out);
    BOOST_TEST(contains(r.out, "DURATION  SPAN              ERROR"), r.out);
    BOOST_TEST(contains(r.out, "120 ms  a3ce929d0e0e4736  -"), r.out);
    auto j = parse_json(run_cli({"--json", "show", path, id.to_string()}));
    BOOST_TEST(j.at("delivery").at("traceparent").as_string() == parent);
    BOOST_TEST(j.at("history").at(0).at("traceparent").as_string() == sent);
}

BOOST_AUTO_TEST_CASE(corrupt_row_exits_3_naming_the_column) {
    outbox_file f;
    {
        auto ob = open_outbox(f.path);
        std::vector<engine::value> params{engine::value(f.c1.to_string())};
        ob.storage().engine().query("UPDATE sys_webhook_delivery SET status = 'weird' WHERE id = ?1", params);
    }
    auto r = run_cli({"list", f.path});
    BOOST_TEST(r.status == 3);
    BOOST_TEST(contains(r.err, f.c1.to_string()));
    BOOST_TEST(contains(r.err, "column status"));
    auto j = run_cli({"--json", "show", f.path, f.c1.to_string()});
    BOOST_TEST(j.status == 3);
    BOOST_TEST(parse_json(j).at("error").at("code").as_string() == "corrupt_row");
    // The other rows still show.
    BOOST_TEST(run_cli({"show", f.path, f.a1.to_string()}).status == 0);
}

// Enqueue refuses a URL with user information; a row stored before, or by another writer, is shown
// with the password (or the whole user information, when it is a bare token) replaced by ***.
BOOST_AUTO_TEST_CASE(a_stored_url_with_user_information_is_shown_without_its_password) {
    outbox_file f;
    {
        auto ob = open_outbox(f.path);
        const std::string sql = "UPDATE sys_webhook_delivery SET url = ?1 WHERE id = ?2";
        std::vector<engine::value> with_password{engine::value("https://alice:pa55-w0rd@receiver.example/hook?a=b@c"),
                                                 engine::value(f.a1.to_string())};
        std::vector<engine::value> with_token{engine::value("http://t0ken-xyz@127.0.0.1:8080/hook"),
                                              engine::value(f.a2.to_string())};
        BOOST_TEST(ob.storage().engine().query(sql, with_password) == 1u);
        BOOST_TEST(ob.storage().engine().query(sql, with_token) == 1u);
    }
    auto shown = run_cli({"show", f.path, f.a1.to_string()});
    BOOST_TEST(shown.status == 0, shown.err);
    BOOST_TEST(contains(shown.out, "url               https://alice:***@receiver.example/hook?a=b@c"), shown.out);
    auto token = run_cli({"show", f.path, f.a2.to_string()});
    BOOST_TEST(contains(token.out, "url               http://***@127.0.0.1:8080/hook"), token.out);
    BOOST_TEST(parse_json(run_cli({"--json", "show", f.path, f.a1.to_string()})).at("delivery").at("url").as_string() ==
               "https://alice:***@receiver.example/hook?a=b@c");
    BOOST_TEST(parse_json(run_cli({"--json", "show", f.path, f.a2.to_string()})).at("delivery").at("url").as_string() ==
               "http://***@127.0.0.1:8080/hook");
    std::vector<cli_result> outputs{shown,
                                    token,
                                    run_cli({"--json", "show", f.path, f.a1.to_string()}),
                                    run_cli({"--json", "show", f.path, f.a2.to_string()}),
                                    run_cli({"list", f.path}),
                                    run_cli({"--json", "list", f.path})};
    for (const auto& o : outputs) {
        BOOST_TEST(o.status == 0, o.err);
        for (const char* secret : {"pa55-w0rd", "t0ken-xyz"}) {
            BOOST_TEST(!contains(o.out, secret), o.out);
            BOOST_TEST(!contains(o.err, secret), o.err);
        }
    }
}

// A payload nested deeper than payload::parse allows by default, stored by another writer, is read
// and shown as JSON.
BOOST_AUTO_TEST_CASE(a_deeply_nested_payload_is_shown_as_json) {
    outbox_file f;
    const std::string deep = std::string(200, '[') + "7" + std::string(200, ']');
    {
        auto ob = open_outbox(f.path);
        std::vector<engine::value> params{engine::value::json(deep), engine::value(f.a1.to_string())};
        BOOST_TEST(ob.storage().engine().query("UPDATE sys_webhook_delivery_payload SET payload_json = ?1 WHERE seq = "
                                               "(SELECT seq FROM sys_webhook_delivery WHERE id = ?2)",
                                               params) == 1u);
    }
    auto text = run_cli({"show", f.path, f.a1.to_string()});
    BOOST_TEST(text.status == 0, text.err);
    BOOST_TEST(contains(text.out, "(json, 401 bytes) [[[["), text.out);
    auto j = run_cli({"--json", "show", f.path, f.a1.to_string()});
    BOOST_TEST_REQUIRE(j.status == 0, j.err);
    json::parse_options po;
    po.max_depth = 1000;
    error_code ec;
    const json::value doc = json::parse(j.out, ec, {}, po);
    BOOST_TEST_REQUIRE(!ec, ec.message() << "\n" << j.out);
    const json::value* v = &doc.at("delivery").at("payload");
    int depth = 0;
    while (v->is_array() && v->as_array().size() == 1 && depth < 1000) {
        v = &v->as_array()[0];
        ++depth;
    }
    BOOST_TEST(depth == 200);
    BOOST_TEST(v->is_int64());
    BOOST_TEST(run_cli({"list", f.path}).status == 0);
}

BOOST_AUTO_TEST_CASE(unknown_id_exits_1_naming_it) {
    outbox_file f;
    const std::string unknown = "0b7e8b6a-3c55-4d2e-9a51-1f0e8c2d4b6a";
    for (std::string command : {"show", "redeliver"}) {
        BOOST_TEST_CONTEXT(command) {
            auto r = run_cli({command, f.path, unknown});
            BOOST_TEST(r.status == 1);
            BOOST_TEST(contains(r.err, "Delivery row '" + unknown + "' not found"));
            BOOST_TEST(r.out.empty());
        }
    }
    BOOST_TEST(f.total() == 8u);
}

BOOST_AUTO_TEST_CASE(malformed_id_is_a_usage_error_naming_the_argument) {
    outbox_file f;
    for (std::string command : {"show", "redeliver"}) {
        BOOST_TEST_CONTEXT(command) {
            auto r = run_cli({command, f.path, "not-a-uuid"});
            BOOST_TEST(r.status == 2);
            BOOST_TEST(contains(r.err, "id: 'not-a-uuid' is not a delivery id"));
            auto j = run_cli({"--json", command, f.path, "not-a-uuid"});
            BOOST_TEST(j.status == 2);
            BOOST_TEST(parse_json(j).at("error").at("field").as_string() == "id");
        }
    }
    auto missing = run_cli({"show", f.path});
    BOOST_TEST(missing.status == 2);
    BOOST_TEST(contains(missing.err, "missing argument <id>"));
}

BOOST_AUTO_TEST_CASE(redeliver_resets_a_dead_row_then_refuses_it_while_pending) {
    outbox_file f;
    auto r = run_cli({"redeliver", f.path, f.a2.to_string()});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "redelivered " + f.a2.to_string() + ": status pending\n");
    auto d = f.get(f.a2);
    BOOST_REQUIRE(d);
    BOOST_TEST(d->status == delivery_status::pending);
    BOOST_TEST(d->attempts == 0);

    auto again = run_cli({"redeliver", f.path, f.a2.to_string()});
    BOOST_TEST(again.status == 1);
    BOOST_TEST(contains(again.err, f.a2.to_string()));
    BOOST_TEST(contains(again.err, "'pending'"));
    auto j = run_cli({"--json", "redeliver", f.path, f.b3.to_string()});
    BOOST_TEST(j.status == 1);
    auto err = parse_json(j).at("error");
    BOOST_TEST(err.at("code").as_string() == "not_eligible");
    BOOST_TEST(err.at("field").as_string() == "id");
    BOOST_TEST(f.status(f.b3) == delivery_status::in_flight);
}

BOOST_AUTO_TEST_CASE(replay_by_webhook_status_and_time) {
    outbox_file f;
    auto r = run_cli({"replay", f.path, "--webhook", "wh-a", "--status", "dead"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "replayed 1 delivery\n");
    BOOST_TEST(f.status(f.a2) == delivery_status::pending);
    BOOST_TEST(f.status(f.b1) == delivery_status::dead);
    BOOST_TEST(f.status(f.a1) == delivery_status::success);

    // Every finished row of wh-b (dead and failed); the in-flight one stays as it is.
    auto j = run_cli({"--json", "replay", f.path, "--webhook", "wh-b"});
    BOOST_TEST(j.status == 0, j.err);
    BOOST_TEST(parse_json(j).at("replayed").as_int64() == 2);
    BOOST_TEST(f.status(f.b1) == delivery_status::pending);
    BOOST_TEST(f.status(f.b2) == delivery_status::pending);
    BOOST_TEST(f.status(f.b3) == delivery_status::in_flight);

    // By enqueue time: a1 was enqueued at 00:00, before --until.
    auto t =
        run_cli({"replay", f.path, "--since", "2026-01-01T00:00:00Z", "--until", "2026-01-01T00:01:00.000Z"});
    BOOST_TEST(t.status == 0, t.err);
    BOOST_TEST(t.out == "replayed 1 delivery\n");
    BOOST_TEST(f.status(f.a1) == delivery_status::pending);

    // An age: everything enqueued in the last 100 years, of a webhook with nothing finished.
    auto age = run_cli({"replay", f.path, "--webhook", "wh-c", "--since", "36500d"});
    BOOST_TEST(age.status == 0, age.err);
    BOOST_TEST(age.out == "replayed 0 deliveries\n");

    auto pending = run_cli({"replay", f.path, "--status", "pending"});
    BOOST_TEST(pending.status == 2);
    BOOST_TEST(contains(pending.err, "--status: 'pending' must be one of: success, failed, dead"));
    auto everything = run_cli({"replay", f.path});
    BOOST_TEST(everything.status == 2);
    BOOST_TEST(contains(everything.err, "--all"));
    auto backwards =
        run_cli({"replay", f.path, "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01T00:00:00Z"});
    BOOST_TEST(backwards.status == 2);
    BOOST_TEST(contains(backwards.err, "--until: must be later than --since"));
}

BOOST_AUTO_TEST_CASE(purge_without_yes_deletes_nothing) {
    outbox_file f;
    auto r = run_cli({"purge", f.path, "--status", "dead"});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(contains(r.err, "--yes"));
    auto j = run_cli({"--json", "purge", f.path, "--all"});
    BOOST_TEST(j.status == 2);
    BOOST_TEST(parse_json(j).at("error").at("field").as_string() == "--yes");
    BOOST_TEST(f.total() == 8u);
}

BOOST_AUTO_TEST_CASE(purge_with_yes_deletes_the_matching_rows) {
    outbox_file f;
    auto r = run_cli({"purge", f.path, "--status", "dead", "--yes"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "purged 2 deliveries\n");
    BOOST_TEST(!f.get(f.a2));
    BOOST_TEST(!f.get(f.b1));
    BOOST_TEST(f.total() == 6u);

    // --before compares the last update, strictly: a1 (00:01) goes, a3 (00:07) stays.
    auto j = run_cli(
        {"--json", "purge", f.path, "--before", "2026-01-01T00:07:00Z", "--webhook", "wh-a", "--yes"});
    BOOST_TEST(j.status == 0, j.err);
    BOOST_TEST(parse_json(j).at("purged").as_int64() == 1);
    BOOST_TEST(!f.get(f.a1));
    BOOST_TEST(f.get(f.a3).has_value());

    // Nothing was last updated a hundred years ago.
    auto age = run_cli({"purge", f.path, "--before", "36500d", "--yes"});
    BOOST_TEST(age.status == 0, age.err);
    BOOST_TEST(age.out == "purged 0 deliveries\n");
    BOOST_TEST(f.total() == 5u);
}

BOOST_AUTO_TEST_CASE(purge_with_an_empty_filter_needs_all) {
    outbox_file f;
    auto r = run_cli({"purge", f.path, "--yes"});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(contains(r.err, "--all"));
    BOOST_TEST(f.total() == 8u);
    auto all = run_cli({"purge", f.path, "--yes", "--all"});
    BOOST_TEST(all.status == 0, all.err);
    BOOST_TEST(all.out == "purged 8 deliveries\n");
    BOOST_TEST(f.total() == 0u);
}

BOOST_AUTO_TEST_CASE(bad_time_values_are_usage_errors_naming_the_option) {
    outbox_file f;
    struct bad_case {
        const char* option;
        const char* value;
        const char* rule;
    };
    const bad_case cases[] = {
        {"--since", "yesterday", "expected an ISO-8601 UTC time"},
        {"--since", "7w", "unknown unit"},
        {"--since", "-7d", "expected an ISO-8601 UTC time"},
        {"--until", "2026-05-24T00:00:00", "expected an ISO-8601 UTC time"},
        {"--until", "2026-05-24 00:00:00Z", "expected an ISO-8601 UTC time"},
        {"--until", "2026-05-24T00:00:00.5Z", "expected an ISO-8601 UTC time"},
        {"--since", "2026-13-01T00:00:00Z", "not a valid date"},
        {"--since", "2026-02-30T00:00:00Z", "not a valid date"},
        {"--since", "2026-05-24T24:00:00Z", "not a valid time of day"},
        {"--since", "1234567890d", "too large"},
        {"--before", "", "expected an ISO-8601 UTC time"},
        {"--before", "12", "unknown unit"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.option << " " << c.value) {
            std::vector<std::string> args{std::string(c.option) == "--before" ? "purge" : "replay", f.path,
                                          c.option, c.value};
            if (args.front() == "purge")
                args.push_back("--yes");
            auto r = run_cli(args);
            BOOST_TEST(r.status == 2);
            BOOST_TEST(contains(r.err, std::string(c.option) + ": '" + c.value + "'"), r.err);
            BOOST_TEST(contains(r.err, c.rule), r.err);
        }
    }
    BOOST_TEST(f.total() == 8u);
    BOOST_TEST(f.status(f.a2) == delivery_status::dead);
}

BOOST_AUTO_TEST_CASE(json_errors_are_one_document_on_stdout) {
    outbox_file f;
    const std::string unknown = "0b7e8b6a-3c55-4d2e-9a51-1f0e8c2d4b6a";
    struct json_case {
        std::vector<std::string> args;
        int status;
        const char* code;
        const char* field;
        std::string message_part;
    };
    const json_case cases[] = {
        {{"--json", "show", f.path, unknown}, 1, "not_found", "id", unknown},
        {{"frobnicate", "--json"}, 2, "usage_error", "command", "frobnicate"},
        {{"--json", "list", f.path, "--limit", "0"}, 2, "usage_error", "--limit", "from 1 to 10000"},
        {{"--json", "replay", f.path, "--since", "soon"}, 2, "usage_error", "--since", "ISO-8601"},
        {{"--json", "stats", f.path + ".missing"}, 3, "no_such_file", "database", "does not exist"},
        {{"--json", "--table", "other_table", "stats", f.path},
         3,
         "not_an_outbox",
         "database",
         "other_table"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.args[1]) {
            auto r = run_cli(c.args);
            BOOST_TEST(r.status == c.status);
            BOOST_TEST(r.err.empty(), r.err);
            auto v = parse_json(r);
            BOOST_REQUIRE(v.is_object() && v.as_object().size() == 1u);
            const auto& e = v.at("error");
            BOOST_TEST(e.at("code").as_string() == c.code);
            BOOST_TEST(e.at("field").as_string() == c.field);
            BOOST_TEST(contains(std::string(e.at("message").as_string()), c.message_part));
        }
    }
}

BOOST_AUTO_TEST_CASE(table_option_selects_another_delivery_table) {
    outbox_file f("shop_outbox");
    auto plain = run_cli({"stats", f.path});
    BOOST_TEST(plain.status == 3);
    BOOST_TEST(contains(plain.err, "use --table"));
    auto r = run_cli({"--table", "shop_outbox", "--json", "stats", f.path});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(parse_json(r).at("total").as_int64() == 8);
    auto bad = run_cli({"--table", "shop-outbox", "stats", f.path});
    BOOST_TEST(bad.status == 2);
    BOOST_TEST(contains(bad.err, "--table: 'shop-outbox' must be"));
}

BOOST_AUTO_TEST_CASE(table_option_takes_the_names_the_storage_takes) {
    // The longest name the storage accepts works; one character more is a usage error that says the
    // limit, before the database is opened.
    const std::string longest(max_delivery_table_name, 't');
    outbox_file f(longest);
    auto r = run_cli({"--table", longest, "--json", "stats", f.path});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(parse_json(r).at("total").as_int64() == 8);
    auto over = run_cli({"--table", longest + "t", "stats", f.path});
    BOOST_TEST(over.status == 2);
    BOOST_TEST(contains(over.err, "must be 1 to " + std::to_string(max_delivery_table_name) + " letters"));
}

BOOST_AUTO_TEST_CASE(a_wal_database_in_a_folder_the_user_cannot_write_is_read_as_immutable) {
    // A WAL database closed cleanly (no -wal or -shm file left) in a folder the user may not write:
    // a read-only open cannot create the -shm file SQLite needs for WAL, so only an immutable open reads it.
    temp_dir dir;
    read_only_folder ro(dir);
    const std::string path = (ro.path / "outbox.sqlite").string();
    {
        auto ob = open_outbox(path);
        ob.enqueue(make_request("wh-a", "evt-1"));
        ob.enqueue(make_request("wh-a", "evt-2"));
        ob.enqueue(make_request("wh-b", "evt-3"));
    }
    BOOST_REQUIRE(!file_exists(path + "-wal"));
    {
        std::ifstream in(path, std::ios::binary);
        char header[20] = {};
        in.read(header, sizeof header);
        BOOST_REQUIRE_MESSAGE(header[18] == 2 && header[19] == 2, "the file is not in WAL mode");
    }
    ro.seal();
    for (std::vector<std::string> args : {std::vector<std::string>{"--json", "stats", path},
                                          std::vector<std::string>{"--json", "list", path}}) {
        auto r = run_cli(args, ro.unprivileged());
        BOOST_TEST(r.status == 0, args[1] << ": " << r.err);
        if (args[1] == "stats")
            BOOST_TEST(parse_json(r).at("total").as_int64() == 3);
        else
            BOOST_TEST(parse_json(r).at("items").as_array().size() == 3u);
    }
    BOOST_TEST(!file_exists(path + "-shm"));
    BOOST_TEST(!file_exists(path + "-wal"));
    // A command that writes still needs the folder: it fails, and the file keeps its rows.
    auto w = run_cli({"purge", path, "--all", "--yes"}, ro.unprivileged());
    BOOST_TEST(w.status == 3, w.err);
    BOOST_TEST(open_outbox(path).stats().total() == 3u);
}

BOOST_AUTO_TEST_CASE(a_snapshot_whose_wal_holds_commits_is_read_with_its_shm_file_and_refused_without) {
    // Files copied while a program had commits in its write-ahead log: with the -shm file beside
    // them, a read-only open reads the log too; without it, an immutable open would miss those
    // commits, so the tool refuses and says why.
    temp_dir dir;
    read_only_folder with_shm(dir);
    const std::filesystem::path without_shm_dir = dir.path() / "ro-no-shm";
    std::filesystem::create_directory(without_shm_dir);
    const std::string live = dir.file("live");
    engine::sqlite_params p;
    p.path = live;
    p.wal_autocheckpoint = 0;
    sql_storage_params sp;
    file_outbox ob(outbox_params{}, sqlite_storage(engine::sqlite_engine(p), sp), manual_clock());
    for (int i = 0; i < 5; ++i)
        ob.enqueue(make_request("wh-a", "evt-" + std::to_string(i)));
    BOOST_REQUIRE(std::filesystem::file_size(live + "-wal") > 0);
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::copy_file(live + suffix, (with_shm.path / ("snap.sqlite" + std::string(suffix))).string());
    for (const char* suffix : {"", "-wal"})
        std::filesystem::copy_file(live + suffix, (without_shm_dir / ("snap.sqlite" + std::string(suffix))).string());
    with_shm.seal();
    std::filesystem::permissions(without_shm_dir / "snap.sqlite", std::filesystem::perms(0644));
    std::filesystem::permissions(without_shm_dir / "snap.sqlite-wal", std::filesystem::perms(0644));
    std::filesystem::permissions(without_shm_dir,
                                 ::geteuid() == 0 ? std::filesystem::perms(0755) : std::filesystem::perms(0555));

    auto r = run_cli({"--json", "stats", (with_shm.path / "snap.sqlite").string()}, with_shm.unprivileged());
    BOOST_TEST(r.status == 0, r.err);
    if (r.status == 0)
        BOOST_TEST(parse_json(r).at("total").as_int64() == 5);

    auto refused = run_cli({"stats", (without_shm_dir / "snap.sqlite").string()}, with_shm.unprivileged());
    BOOST_TEST(refused.status == 3, refused.err);
    BOOST_TEST(contains(refused.err, "-wal file holds commits"), refused.err);
    std::filesystem::permissions(without_shm_dir, std::filesystem::perms(0755));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
