//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The `hookbox` tool's operations on a failing endpoint, run as a subprocess on real SQLite files:
// `endpoints` (list, disable, enable) over the state store a dispatcher keeps in the same file,
// `--dry-run` and `--progress` on replay and purge, and `vacuum`. The first case runs the
// walkthrough of doc/operations.md in order.

#include "common/cli_runner.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/state/state_store.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using namespace std::chrono_literals;

using file_outbox = basic_outbox<sql_storage<engine::sqlite_engine>, manual_clock>;
using file_states = basic_state_store<engine::sqlite_engine, manual_clock>;
using file_health = state_store_health<file_states>;

engine::sqlite_engine open_engine(const std::string& path) {
    engine::sqlite_params p;
    p.path = path;
    return engine::sqlite_engine(p);
}

file_outbox open_outbox(const std::string& path) {
    return file_outbox(outbox_params{}, sql_storage<engine::sqlite_engine>(open_engine(path)),
                       manual_clock());
}

// Claims every claimable row and acks each with `outcome`.
void finish_all(file_outbox& ob, attempt_outcome outcome, std::optional<int> code, std::string error) {
    claim_options o;
    o.node_id = "node-1";
    o.limit = 10000;
    std::vector<ack_entry> acks;
    for (const auto& d : ob.claim(o)) {
        attempt_result r;
        r.outcome = outcome;
        r.http_status = code;
        r.error = error;
        r.duration = 50ms;
        acks.push_back(ack_entry::for_claimed(d, r));
    }
    for (const auto& e : ob.ack_many(acks))
        BOOST_TEST(!e);
}

// A SQLite file where the receiver of wh-pay fails: three of its deliveries are dead after 503s,
// and the dispatcher has kept its endpoint as failing with the circuit open in the state store
// (table plugin_state) of the same file; wh-ok's two deliveries succeeded.
struct failing_endpoint_file {
    temp_dir dir;
    std::string path = dir.file("outbox");

    failing_endpoint_file() {
        file_outbox ob = open_outbox(path);
        for (int i = 0; i < 3; ++i)
            ob.enqueue(make_request("wh-pay", "pay-" + std::to_string(i)));
        finish_all(ob, attempt_outcome::dead, 503, "HTTP 503");
        for (int i = 0; i < 2; ++i)
            ob.enqueue(make_request("wh-ok", "ok-" + std::to_string(i)));
        finish_all(ob, attempt_outcome::success, 200, "");

        manual_clock clock;
        file_states states(open_engine(path), {}, clock);
        endpoint_state st;
        st.consecutive_failures = 5;
        st.failing_since = now_ms(clock);
        st.open_until = now_ms(clock) + 10min;
        st.open_count = 1;
        error_code ec;
        diagnostics diag;
        file_health(states).save("wh-pay", st, ec, diag);
        BOOST_TEST_REQUIRE(!ec, diag.message());
    }

    // The endpoint's entry in the state store, if any.
    std::optional<endpoint_state> kept(const std::string& webhook) {
        file_states states(open_engine(path), {.migrate = false}, manual_clock());
        error_code ec;
        diagnostics diag;
        auto all = file_health(states).load(ec, diag);
        BOOST_TEST_REQUIRE(!ec, diag.message());
        for (auto& [id, st] : all)
            if (id == webhook)
                return st;
        return std::nullopt;
    }

    std::size_t count(delivery_status s, const std::string& webhook) {
        list_options lo;
        lo.status = s;
        lo.webhook_id = webhook;
        lo.limit = 1000;
        return open_outbox(path).list(lo).items.size();
    }
};

std::uintmax_t file_size(const std::string& path) {
    std::uintmax_t n = std::filesystem::file_size(path);
    std::error_code ec;
    if (auto wal = std::filesystem::file_size(path + "-wal", ec); !ec)
        n += wal;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_operations)

// doc/operations.md, "A failing endpoint": see it, disable it, fix the receiver, enable it, replay
// its dead letters after a dry run, and see them delivered.
BOOST_AUTO_TEST_CASE(the_failing_endpoint_walkthrough) {
    failing_endpoint_file f;

    // 1. See it.
    auto stats = run_tool({"stats", f.path});
    BOOST_TEST(stats.status == 0, stats.err);
    BOOST_TEST(stats.says("wh-pay"));
    auto listed = run_tool({"endpoints", f.path});
    BOOST_TEST(listed.status == 0, listed.err);
    BOOST_TEST(listed.says("WEBHOOK"));
    BOOST_TEST(listed.says("circuit open"));
    BOOST_TEST(!listed.says("wh-ok"));
    auto j = run_tool({"--json", "endpoints", f.path, "list"}).json();
    BOOST_TEST(j.at("health_kept").as_bool());
    const auto& e = j.at("endpoints").as_array();
    BOOST_TEST_REQUIRE(e.size() == 1u);
    BOOST_TEST(e[0].at("webhook_id").as_string() == "wh-pay");
    BOOST_TEST(e[0].at("state").as_string() == "circuit open");
    BOOST_TEST(e[0].at("consecutive_failures").as_int64() == 5);
    BOOST_TEST(e[0].at("dead").as_int64() == 3);

    // 2. Disable it while the receiver is fixed.
    auto off = run_tool({"endpoints", f.path, "disable", "wh-pay", "--reason", "receiver being fixed"});
    BOOST_TEST(off.status == 0, off.err);
    BOOST_TEST(off.says("disabled wh-pay"));
    BOOST_TEST_REQUIRE(f.kept("wh-pay").has_value());
    BOOST_TEST(f.kept("wh-pay")->disabled);
    BOOST_TEST(f.kept("wh-pay")->disabled_reason == "receiver being fixed");
    BOOST_TEST(f.kept("wh-pay")->consecutive_failures == 5);
    auto now_disabled = run_tool({"endpoints", f.path});
    BOOST_TEST(now_disabled.says("disabled"));
    BOOST_TEST(now_disabled.says("receiver being fixed"));

    // 3. (The receiver is fixed.) 4. Enable it.
    auto on = run_tool({"endpoints", f.path, "enable", "wh-pay"});
    BOOST_TEST(on.status == 0, on.err);
    BOOST_TEST(on.says("enabled wh-pay"));
    BOOST_TEST(!f.kept("wh-pay").has_value());

    // 5. Replay its dead letters, with a dry run first.
    auto dry = run_tool({"replay", f.path, "--webhook", "wh-pay", "--status", "dead", "--dry-run"});
    BOOST_TEST(dry.status == 0, dry.err);
    BOOST_TEST(dry.out == "would replay 3 deliveries (dry run: nothing changed)\n");
    BOOST_TEST(f.count(delivery_status::dead, "wh-pay") == 3u);
    auto replay = run_tool({"replay", f.path, "--webhook", "wh-pay", "--status", "dead"});
    BOOST_TEST(replay.status == 0, replay.err);
    BOOST_TEST(replay.out == "replayed 3 deliveries\n");
    BOOST_TEST(f.count(delivery_status::pending, "wh-pay") == 3u);

    // 6. They arrive (a dispatcher sends them; here the library acks them) and show as success.
    {
        file_outbox ob = open_outbox(f.path);
        finish_all(ob, attempt_outcome::success, 200, "");
    }
    auto arrived = run_tool({"--json", "list", f.path, "--webhook", "wh-pay", "--status", "success"});
    BOOST_TEST(arrived.status == 0, arrived.err);
    BOOST_TEST(arrived.json().at("items").as_array().size() == 3u);
    // As the walkthrough watches them: one frame of `watch --webhook wh-pay`.
    auto watched = run_tool({"--json", "watch", f.path, "--webhook", "wh-pay", "--once"});
    BOOST_TEST(watched.status == 0, watched.err);
    const auto frame = watched.json();
    BOOST_TEST(frame.at("webhook").as_string() == "wh-pay");
    BOOST_TEST(frame.at("failures").as_array().empty());
    BOOST_TEST_REQUIRE(frame.at("latest").as_array().size() >= 3u);
    for (const auto& d : frame.at("latest").as_array()) {
        BOOST_TEST(d.at("webhook_id").as_string() == "wh-pay");
        BOOST_TEST(d.at("status").as_string() == "success");
    }
    auto clear = run_tool({"endpoints", f.path});
    BOOST_TEST(clear.out == "endpoints: none disabled, failing or with dead or retrying rows\n");
}

// Bad `endpoints` command lines are usage errors naming the argument or option; a database without
// a state table lists no kept health and refuses a disable.
BOOST_AUTO_TEST_CASE(endpoints_arguments_and_a_database_without_a_state_table) {
    failing_endpoint_file f;
    struct bad {
        std::vector<std::string> args;
        std::string field;
    };
    for (const auto& b : std::vector<bad>{
             {{"endpoints", f.path, "pause", "wh-pay"}, "action"},
             {{"endpoints", f.path, "disable"}, "webhook"},
             {{"endpoints", f.path, "enable", std::string(65, 'w')}, "webhook"},
             {{"endpoints", f.path, "list", "wh-pay"}, "argument"},
             {{"endpoints", f.path, "enable", "wh-pay", "--reason", "x"}, "--reason"},
             {{"endpoints", f.path, "disable", "wh-pay", "--reason", std::string(1025, 'r')}, "--reason"},
             {{"endpoints", f.path, "--state-table", "1bad"}, "--state-table"},
             {{"endpoints", f.path, "disable", "wh-pay", "extra", "more"}, "argument"},
         }) {
        std::vector<std::string> args{"--json"};
        args.insert(args.end(), b.args.begin(), b.args.end());
        auto r = run_tool(args);
        BOOST_TEST(r.status == 2);
        BOOST_TEST(r.json().at("error").at("field").as_string() == b.field);
    }
    BOOST_TEST(f.kept("wh-pay")->disabled == false);

    // Another state table name: none there.
    auto other = run_tool({"--json", "endpoints", f.path, "--state-table", "other_state"});
    BOOST_TEST(other.status == 0, other.err);
    BOOST_TEST(!other.json().at("health_kept").as_bool());
    BOOST_TEST(other.json().at("endpoints").as_array().size() == 1u);  // wh-pay's dead rows
    BOOST_TEST(other.json().at("endpoints").as_array()[0].at("state").as_string() == "healthy");
    auto refused =
        run_tool({"--json", "endpoints", f.path, "disable", "wh-pay", "--state-table", "other_state"});
    BOOST_TEST(refused.status == 3);
    BOOST_TEST(refused.json().at("error").at("code").as_string() == "no_state_table");
    BOOST_TEST(refused.json().at("error").at("field").as_string() == "--state-table");

    // Enabling an endpoint that is not kept changes nothing and says so.
    auto idle = run_tool({"endpoints", f.path, "enable", "wh-ok"});
    BOOST_TEST(idle.status == 0, idle.err);
    BOOST_TEST(idle.says("nothing to enable"));
}

// A dry run counts what purge would delete, needs no --yes, and deletes nothing.
BOOST_AUTO_TEST_CASE(dry_runs_change_nothing) {
    failing_endpoint_file f;
    auto dry = run_tool({"purge", f.path, "--status", "dead", "--dry-run"});
    BOOST_TEST(dry.status == 0, dry.err);
    BOOST_TEST(dry.out == "would purge 3 deliveries (dry run: nothing changed)\n");
    auto all = run_tool({"--json", "purge", f.path, "--dry-run"});
    BOOST_TEST(all.status == 0, all.err);
    BOOST_TEST(all.json().at("would_purge").as_int64() == 5);
    auto replay = run_tool({"--json", "replay", f.path, "--dry-run"});
    BOOST_TEST(replay.json().at("would_replay").as_int64() == 5);
    BOOST_TEST(f.count(delivery_status::dead, "wh-pay") == 3u);
    BOOST_TEST(f.count(delivery_status::success, "wh-ok") == 2u);
    auto vac = run_tool({"--json", "purge", f.path, "--dry-run", "--vacuum"});
    BOOST_TEST(vac.status == 2);
    BOOST_TEST(vac.json().at("error").at("field").as_string() == "--vacuum");
}

// --progress prints the rows done after each step of 1000 on stderr; without it, and with stderr
// not a terminal, nothing is printed there.
BOOST_AUTO_TEST_CASE(progress_lines_after_each_step) {
    temp_dir dir;
    const std::string path = dir.file("outbox");
    {
        file_outbox ob = open_outbox(path);
        std::vector<enqueue_request> reqs;
        for (int i = 0; i < 2500; ++i)
            reqs.push_back(make_request("wh-" + std::to_string(i % 7), "evt-" + std::to_string(i)));
        ob.enqueue_many(std::move(reqs));
        finish_all(ob, attempt_outcome::dead, 410, "HTTP 410 Gone");
    }
    auto quiet = run_tool({"replay", path, "--status", "dead", "--webhook", "wh-0"});
    BOOST_TEST(quiet.status == 0, quiet.err);
    BOOST_TEST(quiet.err.empty());
    auto r = run_tool({"replay", path, "--status", "dead", "--progress"});
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "replayed 2142 deliveries\n");  // 2500 less wh-0's 358
    BOOST_TEST(r.err == "hookbox: replay: 1000 rows so far\nhookbox: replay: 2000 rows so far\nhookbox: "
                        "replay: 2142 rows so far\n");
    auto p = run_tool({"purge", path, "--all", "--yes", "--progress"});
    BOOST_TEST(p.status == 0, p.err);
    BOOST_TEST(p.err == "hookbox: purge: 1000 rows so far\nhookbox: purge: 2000 rows so far\n"
                        "hookbox: purge: 2500 rows so far\n");
}

// vacuum gives the space of purged rows back: the file shrinks.
BOOST_AUTO_TEST_CASE(a_purged_file_shrinks_with_vacuum) {
    temp_dir dir;
    const std::string path = dir.file("outbox");
    {
        file_outbox ob = open_outbox(path);
        std::vector<enqueue_request> reqs;
        for (int i = 0; i < 400; ++i) {
            auto q = make_request("wh-big", "evt-" + std::to_string(i));
            q.payload =
                payload::parse("{\"blob\":\"" + std::string(8000, static_cast<char>('a' + i % 26)) + "\"}");
            reqs.push_back(std::move(q));
        }
        ob.enqueue_many(std::move(reqs));
    }
    const auto before = file_size(path);
    BOOST_TEST(before > 400u * 8000u);
    auto purge = run_tool({"purge", path, "--all", "--yes"});
    BOOST_TEST(purge.status == 0, purge.err);
    const auto purged = file_size(path);
    BOOST_TEST(purged >= before / 2);  // deleted rows leave free pages in the file
    auto vac = run_tool({"--json", "vacuum", path});
    BOOST_TEST(vac.status == 0, vac.err);
    BOOST_TEST(vac.json().at("vacuumed").as_bool());
    BOOST_TEST(file_size(path) < before / 10);
    BOOST_TEST(open_outbox(path).stats().total() == 0u);

    // purge --vacuum does both.
    {
        file_outbox ob = open_outbox(path);
        std::vector<enqueue_request> reqs;
        for (int i = 0; i < 400; ++i) {
            auto q = make_request("wh-big", "again-" + std::to_string(i));
            q.payload = payload::parse("{\"blob\":\"" + std::string(8000, 'z') + "\"}");
            reqs.push_back(std::move(q));
        }
        ob.enqueue_many(std::move(reqs));
    }
    BOOST_TEST(file_size(path) > 400u * 8000u);
    auto both = run_tool({"purge", path, "--all", "--yes", "--vacuum"});
    BOOST_TEST(both.status == 0, both.err);
    BOOST_TEST(both.out == "purged 400 deliveries\nvacuumed\n");
    BOOST_TEST(file_size(path) < before / 10);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
