//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox on PostgreSQL under PostgreSQL's own faults: connections the server cuts
// (pg_terminate_backend) while idle, under a claim and under an ack; a statement timeout under a row
// lock; a long idle-in-transaction session while the outbox drains; a server restarted while the
// outbox works (a server of the test's own). In each, nothing is lost, nothing is completed twice,
// and the storage keeps working. Last, a dispatcher whose ack is cut sends and acks each delivery
// once. The tests find the engine's server processes by the `application_name` of its conninfo, and
// drive claim TTLs with a manual clock.

#include "common/pg_cluster.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/engine/postgres_engine.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

namespace hookbox::test {
namespace {

using namespace std::chrono_literals;

using pg_engine = engine::postgres_engine;
using pg_storage = sql_storage<pg_engine>;
using pg_outbox = basic_outbox<pg_storage, manual_clock>;

constexpr std::chrono::milliseconds ttl = 60s;

// Waits until `done()` holds, asking again every few milliseconds; fails the test, naming `what`,
// when it still does not hold after `limit`.
template <class Pred>
void wait_until(std::string_view what, Pred&& done, std::chrono::seconds limit = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            BOOST_FAIL("gave up after " << limit.count() << " s waiting for " << what);
        std::this_thread::sleep_for(5ms);
    }
}

// The result of work running on another thread, within `limit`; fails the test, naming `what`,
// when it has not ended by then.
template <class T>
T result_within(std::future<T>& f, std::string_view what, std::chrono::seconds limit = 60s) {
    if (f.wait_for(limit) != std::future_status::ready)
        BOOST_FAIL("gave up after " << limit.count() << " s waiting for " << what);
    return f.get();
}

// An application_name no other engine of any test process uses.
std::string unique_app(std::string_view tag) {
    static std::atomic<unsigned> counter{0};
    return "hb_" + std::string(tag) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

// `conninfo` (a URI) whose connections call themselves `app` in pg_stat_activity.
std::string with_app(const std::string& conninfo, const std::string& app) {
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + "application_name=" + app;
}

// A session of the test's own on the server: a lock holder, an idle transaction, or the observer
// that looks at pg_stat_activity and terminates the engine's server processes.
class session {
public:
    explicit session(const std::string& conninfo) : c_(std::in_place, conninfo) {}

    std::vector<std::string> exec(const std::string& sql) { return c_->exec(sql); }
    std::string one(const std::string& sql) {
        auto rows = c_->exec(sql);
        BOOST_TEST_REQUIRE(rows.size() == 1u, "`" << sql << "` gave " << rows.size() << " rows");
        return rows.front();
    }
    long long number(const std::string& sql) { return std::stoll(one(sql)); }
    // Rolls back what it holds open (so that its locks are gone when this returns, which a
    // disconnection alone does not promise), and disconnects.
    void close() {
        c_->exec("ROLLBACK");
        c_.reset();
    }

private:
    std::optional<pg_test_connection> c_;
};

// How many server processes of `app` there are, in all or in a wait of `wait_type`.
long long backends(session& s, const std::string& app, std::string_view wait_type = {}) {
    std::string sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'";
    if (!wait_type.empty())
        sql += " AND wait_event_type = '" + std::string(wait_type) + "'";
    return s.number(sql);
}

// Terminates every server process of `app` and waits (on the server, up to 10 s) until each has
// exited; returns how many there were.
std::size_t terminate_backends(session& s, const std::string& app) {
    auto killed = s.exec("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = '" +
                         app + "'");
    for (const auto& k : killed)
        BOOST_TEST_REQUIRE(k == "t", "a server process of " << app << " did not exit within 10 s");
    BOOST_TEST(backends(s, app) == 0);
    return killed.size();
}

engine::postgres_params params_for(const std::string& conninfo, const std::string& app, std::size_t pool = 1) {
    engine::postgres_params p;
    p.conninfo = with_app(conninfo, app);
    p.pool_size = pool;
    return p;
}

pg_outbox make_outbox(const engine::postgres_params& p, manual_clock clock, bool migrate = true) {
    sql_storage_params sp;
    sp.migrate = migrate;
    outbox_params op;
    op.partition_count = 4;
    return pg_outbox(op, pg_storage(pg_engine(p), sp), std::move(clock));
}

claim_options claim_opts(std::size_t limit, std::string node = "node-A") {
    claim_options o;
    o.node_id = std::move(node);
    o.limit = limit;
    o.claim_ttl = ttl;
    return o;
}

attempt_result delivered() {
    attempt_result r;
    r.http_status = 200;
    r.duration = 3ms;
    return r;
}

std::vector<ack_entry> entries_for(const std::vector<delivery>& ds) {
    std::vector<ack_entry> out;
    for (const auto& d : ds)
        out.push_back(ack_entry::for_claimed(d, delivered()));
    return out;
}

std::vector<delivery_id> enqueue_n(pg_outbox& ob, int n, std::string_view prefix = "evt") {
    std::vector<enqueue_request> reqs;
    for (int i = 0; i < n; ++i)
        reqs.push_back(make_request("wh-" + std::to_string(i % 7), std::string(prefix) + "-" + std::to_string(i)));
    std::vector<delivery_id> ids;
    for (const auto& r : ob.enqueue_many(std::move(reqs)))
        ids.push_back(r.id);
    return ids;
}

// Each delivery is `success`, acked once, with one attempt record.
void check_completed_once(pg_outbox& ob, const std::vector<delivery_id>& ids) {
    for (const auto& id : ids) {
        auto d = ob.get(id);
        BOOST_TEST_REQUIRE(d.has_value(), "delivery " << id << " is gone");
        BOOST_TEST(d->status == delivery_status::success, id);
        BOOST_TEST(d->attempts == 1, id);
        BOOST_TEST(ob.attempts(id).size() == 1u, id);
    }
}

// The outbox's tables in the conninfo's schema, and the server's observer on them.
struct fixture {
    std::string conninfo = pg_fresh_schema_conninfo("faults");
    session observer{conninfo};
    manual_clock clock;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(postgres_faults)

// ---------------------------------------------------------------------------------------------------
// Connections the server cuts (pg_terminate_backend)
// ---------------------------------------------------------------------------------------------------

// A connection the server closed while it sat idle in the pool (between a claim and its ack) is
// replaced before a statement is sent on it: the ack goes through on a new connection.
BOOST_FIXTURE_TEST_CASE(a_connection_cut_while_idle_is_replaced_before_use, fixture) {
    const std::string app = unique_app("idle");
    auto ob = make_outbox(params_for(conninfo, app), clock);
    auto ids = enqueue_n(ob, 3);
    auto ds = ob.claim(claim_opts(10));
    BOOST_TEST_REQUIRE(ds.size() == 3u);
    const std::size_t opened = ob.storage().engine().connections_opened();

    BOOST_TEST(terminate_backends(observer, app) == 1u);

    error_code ec;
    diagnostics diag;
    ob.ack(ds[0], delivered(), ec, diag);
    BOOST_TEST(!ec, ec.message() << " / " << diag.message());
    BOOST_TEST(ob.storage().engine().connections_opened() == opened + 1);
    auto errors = ob.ack_many(entries_for({ds[1], ds[2]}));
    BOOST_TEST(!errors[0]);
    BOOST_TEST(!errors[1]);
    check_completed_once(ob, ids);
}

// An ack whose connection is cut while its statement runs (it waits for a row lock) fails with a
// storage error and applies nothing of its batch; the same batch written again on the next call
// (on a new connection) applies once.
BOOST_FIXTURE_TEST_CASE(an_ack_cut_under_its_statement_applies_nothing_then_once, fixture) {
    const std::string app = unique_app("ack");
    auto ob = make_outbox(params_for(conninfo, app), clock);
    auto ids = enqueue_n(ob, 2);
    auto ds = ob.claim(claim_opts(10));
    BOOST_TEST_REQUIRE(ds.size() == 2u);
    const auto batch = entries_for(ds);

    std::future<std::pair<error_code, std::string>> ack;
    session holder(conninfo);
    holder.exec("BEGIN");
    holder.exec("SELECT seq FROM sys_webhook_delivery WHERE id = '" + ds[0].id.to_string() + "' FOR UPDATE");
    ack = std::async(std::launch::async, [&] {
        error_code ec;
        diagnostics diag;
        (void)ob.ack_many(std::span<const ack_entry>(batch), ec, diag);
        return std::pair(ec, std::string(diag.message()));
    });
    wait_until("the ack to wait for the row lock", [&] { return backends(observer, app, "Lock") == 1; });
    BOOST_TEST(terminate_backends(observer, app) == 1u);
    auto [ec, message] = result_within(ack, "the cut ack to return");
    BOOST_TEST(ec == make_error_code(errc::storage_failure), ec.message() << " / " << message);
    holder.close();

    for (const auto& d : ds) {
        auto row = ob.get(d.id);
        BOOST_TEST(row->status == delivery_status::in_flight);
        BOOST_TEST(row->attempts == 0);
        BOOST_TEST(ob.attempts(d.id).empty());
    }
    error_code retry_ec;
    diagnostics retry_diag;
    auto errors = ob.ack_many(std::span<const ack_entry>(batch), retry_ec, retry_diag);
    BOOST_TEST_REQUIRE(!retry_ec, retry_ec.message() << " / " << retry_diag.message());
    BOOST_TEST(!errors[0]);
    BOOST_TEST(!errors[1]);
    check_completed_once(ob, ids);
}

// A claim whose connection is cut while it runs (its reap waits for a row lock) fails with a
// storage error and changes nothing: the expired claim it was reaping stays as it was, and the
// next claim (on a new connection) takes every row. The old claim's ack is then refused.
BOOST_FIXTURE_TEST_CASE(a_claim_cut_under_its_statement_loses_nothing, fixture) {
    const std::string app = unique_app("claim");
    auto ob = make_outbox(params_for(conninfo, app), clock);
    auto ids = enqueue_n(ob, 5);
    auto first = ob.claim(claim_opts(1));
    BOOST_TEST_REQUIRE(first.size() == 1u);
    clock.advance(ttl + 1s);  // the first claim has expired: the next claim reaps it

    std::future<std::pair<error_code, std::size_t>> claim;
    session holder(conninfo);
    holder.exec("BEGIN");
    holder.exec("SELECT seq FROM sys_webhook_delivery WHERE id = '" + first[0].id.to_string() + "' FOR UPDATE");
    claim = std::async(std::launch::async, [&] {
        error_code ec;
        diagnostics diag;
        auto got = ob.claim(claim_opts(10), ec, diag);
        return std::pair(ec, got.size());
    });
    wait_until("the claim's reap to wait for the row lock", [&] { return backends(observer, app, "Lock") == 1; });
    BOOST_TEST(terminate_backends(observer, app) == 1u);
    auto [ec, got] = result_within(claim, "the cut claim to return");
    BOOST_TEST(ec == make_error_code(errc::storage_failure), ec.message());
    BOOST_TEST(got == 0u);
    holder.close();

    auto st = ob.stats();
    BOOST_TEST(st.count(delivery_status::in_flight) == 1u);
    BOOST_TEST(st.count(delivery_status::pending) == 4u);
    BOOST_TEST(ob.get(first[0].id)->claim_token == first[0].claim_token);

    auto all = ob.claim(claim_opts(10));
    BOOST_TEST_REQUIRE(all.size() == 5u);
    error_code late;
    diagnostics diag;
    ob.ack(first[0], delivered(), late, diag);
    CHECK_ERRC(late, errc::claim_lost);
    auto errors = ob.ack_many(entries_for(all));
    for (const auto& e : errors)
        BOOST_TEST(!e);
    check_completed_once(ob, ids);
}

// A claimer whose connections are cut after its claim (a node that died) loses nothing: its rows
// come back to another node's claim once the claim TTL has passed, and the first node's late acks
// are refused, so each delivery is completed once.
BOOST_FIXTURE_TEST_CASE(rows_of_a_cut_claimer_come_back_after_the_claim_ttl, fixture) {
    const std::string app_a = unique_app("node_a");
    const std::string app_b = unique_app("node_b");
    auto a = make_outbox(params_for(conninfo, app_a), clock);
    auto b = make_outbox(params_for(conninfo, app_b), clock, false);
    auto ids = enqueue_n(a, 4);
    auto held = a.claim(claim_opts(10, "node-A"));
    BOOST_TEST_REQUIRE(held.size() == 4u);
    BOOST_TEST(terminate_backends(observer, app_a) == 1u);

    BOOST_TEST(b.claim(claim_opts(10, "node-B")).empty());  // still claimed
    clock.advance(ttl + 1s);
    auto taken = b.claim(claim_opts(10, "node-B"));
    BOOST_TEST_REQUIRE(taken.size() == 4u);
    for (const auto& d : taken)
        BOOST_TEST(d.claimed_by == std::optional<std::string>("node-B"));
    auto errors = b.ack_many(entries_for(taken));
    for (const auto& e : errors)
        BOOST_TEST(!e);

    auto late = a.ack_many(entries_for(held));
    for (const auto& e : late)
        BOOST_TEST(e == make_error_code(errc::claim_lost), e.message());
    check_completed_once(a, ids);
}

// ---------------------------------------------------------------------------------------------------
// A statement timeout
// ---------------------------------------------------------------------------------------------------

// With `statement_timeout` set, an ack that waits for a row another session has locked is cancelled
// by the server when the timeout passes: it fails with storage_busy and applies nothing, and its
// connection stays in the pool. Once the lock is released, the same ack applies, once.
BOOST_FIXTURE_TEST_CASE(an_ack_past_the_statement_timeout_fails_busy_and_applies_nothing, fixture) {
    // Migrated by an engine without the timeout (a migration may wait for another process's).
    (void)pg_storage(pg_engine(params_for(conninfo, unique_app("migrate"))));
    const std::string app = unique_app("timeout");
    auto p = params_for(conninfo, app);
    p.statement_timeout = 300ms;
    auto ob = make_outbox(p, clock, false);
    auto ids = enqueue_n(ob, 1);
    auto ds = ob.claim(claim_opts(10));
    BOOST_TEST_REQUIRE(ds.size() == 1u);
    const std::size_t opened = ob.storage().engine().connections_opened();

    std::future<std::pair<error_code, std::chrono::steady_clock::duration>> ack;
    session holder(conninfo);
    holder.exec("BEGIN");
    holder.exec("SELECT seq FROM sys_webhook_delivery WHERE id = '" + ds[0].id.to_string() + "' FOR UPDATE");
    ack = std::async(std::launch::async, [&] {
        const auto start = std::chrono::steady_clock::now();
        error_code ec;
        diagnostics diag;
        ob.ack(ds[0], delivered(), ec, diag);
        return std::pair(ec, std::chrono::steady_clock::now() - start);
    });
    auto [ec, took] = result_within(ack, "the ack to time out on the server");
    BOOST_TEST(ec == make_error_code(errc::storage_busy), ec.message());
    BOOST_TEST(took >= p.statement_timeout);

    // Nothing applied (reads do not wait for the lock).
    auto row = ob.get(ds[0].id);
    BOOST_TEST(row->status == delivery_status::in_flight);
    BOOST_TEST(row->attempts == 0);
    BOOST_TEST(ob.attempts(ds[0].id).empty());
    holder.close();

    ob.ack(ds[0], delivered());
    error_code again;
    diagnostics diag;
    ob.ack(ds[0], delivered(), again, diag);
    CHECK_ERRC(again, errc::claim_lost);
    check_completed_once(ob, ids);
    BOOST_TEST(ob.storage().engine().connections_opened() == opened);
}

// ---------------------------------------------------------------------------------------------------
// A long idle-in-transaction session
// ---------------------------------------------------------------------------------------------------

// The dead row versions of the outbox's tables in the schema, as "table: n" and in all.
std::pair<std::string, long long> dead_tuples(session& s) {
    const std::string where = " FROM pg_stat_user_tables WHERE schemaname = current_schema()";
    return {s.one("SELECT string_agg(relname || ': ' || n_dead_tup, ', ' ORDER BY relname)" + where),
            s.number("SELECT COALESCE(sum(n_dead_tup), 0)" + where)};
}

void vacuum(session& s) {
    for (const char* t : {"sys_webhook_delivery", "sys_webhook_delivery_attempt", "sys_webhook_delivery_payload"})
        s.exec(std::string("VACUUM ") + t);
}

// Claims and acks until a claim comes back empty; returns how many were acked.
std::size_t drain(pg_outbox& ob) {
    std::size_t acked = 0;
    for (;;) {
        auto ds = ob.claim(claim_opts(250));
        if (ds.empty())
            return acked;
        for (const auto& e : ob.ack_many(entries_for(ds)))
            BOOST_TEST_REQUIRE(!e, e.message());
        acked += ds.size();
    }
}

// A session idle in a transaction that holds an xid and locks a few rows: the outbox drains every
// other row (claims skip the locked rows and wait for nothing), and the row versions its claims and
// acks leave behind stay, even through a VACUUM, until the session ends; then a VACUUM removes them.
BOOST_FIXTURE_TEST_CASE(a_long_idle_transaction_blocks_neither_claims_nor_acks, fixture) {
    constexpr int n = 2000;
    constexpr int locked = 5;
    auto p = params_for(conninfo, unique_app("drain"));
    // A claim that waited for the session would fail here rather than hang.
    p.statement_timeout = 20s;
    auto ob = make_outbox(p, clock);
    auto ids = enqueue_n(ob, n);

    session idle(conninfo);
    idle.exec("BEGIN");
    idle.exec("SELECT txid_current()");
    BOOST_TEST_REQUIRE(idle.exec("SELECT seq FROM sys_webhook_delivery ORDER BY seq LIMIT " + std::to_string(locked) +
                                 " FOR UPDATE")
                           .size() == std::size_t(locked));

    BOOST_TEST(drain(ob) == std::size_t(n - locked));
    auto st = ob.stats();
    BOOST_TEST(st.count(delivery_status::success) == std::size_t(n - locked));
    BOOST_TEST(st.count(delivery_status::pending) == std::size_t(locked));

    // The engine's one connection sends its table statistics now, rather than within a second.
    ob.storage().engine().query("SELECT pg_stat_force_next_flush()");
    auto held = dead_tuples(observer);
    BOOST_TEST_MESSAGE("dead row versions after draining " << n - locked << " deliveries beside an idle transaction: "
                                                           << held.first);
    vacuum(observer);
    auto kept = dead_tuples(observer);
    BOOST_TEST_MESSAGE("after a VACUUM while the transaction is open: " << kept.first);
    // A claim and an ack each leave one version of a row behind, and none may go yet.
    BOOST_TEST(kept.second >= n - locked);

    idle.close();
    BOOST_TEST(drain(ob) == std::size_t(locked));
    check_completed_once(ob, ids);
    ob.storage().engine().query("SELECT pg_stat_force_next_flush()");
    vacuum(observer);
    auto after = dead_tuples(observer);
    BOOST_TEST_MESSAGE("after the transaction ended and a VACUUM: " << after.first);
    BOOST_TEST(after.second * 2 <= kept.second);
}


// ---------------------------------------------------------------------------------------------------
// A server restart
// ---------------------------------------------------------------------------------------------------

// A PostgreSQL server of the test's own (scripts/pg_cluster.sh, in a new temporary folder), for a
// fault that would disturb the other tests on the shared one; stopped and removed when it goes.
class own_server {
public:
    own_server() {
        BOOST_TEST_REQUIRE(run("start") == 0, "scripts/pg_cluster.sh start failed:\n" << log());
        std::ifstream in(dir_ / "uri");
        BOOST_TEST_REQUIRE(static_cast<bool>(std::getline(in, uri_)), "no uri in " << dir_.string());
    }
    own_server(const own_server&) = delete;
    own_server& operator=(const own_server&) = delete;
    ~own_server() { (void)run("stop"); }

    const std::string& uri() const noexcept { return uri_; }

    // Restarts the server on its port, cutting every session (`pg_ctl restart -m fast`); returns
    // once it accepts connections again.
    void restart() { BOOST_TEST_REQUIRE(run("restart") == 0, "scripts/pg_cluster.sh restart failed:\n" << log()); }

private:
    int run(const char* command) const {
        const std::string line = std::string("'") + HOOKBOX_TEST_PG_CLUSTER + "' " + command + " '" + dir_.string() +
                                 "' >>'" + log_file() + "' 2>&1";
        return std::system(line.c_str());
    }
    std::string log_file() const { return (parent_.path() / "pg_cluster.log").string(); }
    std::string log() const {
        std::ifstream in(log_file());
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    temp_dir parent_;
    std::filesystem::path dir_ = parent_.path() / "pg";
    std::string uri_;
};

// A loop of claims and acks runs while the server restarts. The calls cut by the restart fail with
// storage errors; an ack batch that failed is written again (as the dispatcher does) until the
// storage takes it; rows whose claim's answer was lost come back once the claim TTL has passed. In
// the end every delivery is `success`, acked once (one attempt, one attempt record), none lost; and
// the same outbox works on.
BOOST_AUTO_TEST_CASE(claims_and_acks_go_on_through_a_server_restart) {
    own_server server;
    constexpr int n = 400;
    manual_clock clock;
    const std::string app = unique_app("restart");
    auto ob = make_outbox(params_for(server.uri(), app, 2), clock);
    auto watch = make_outbox(params_for(server.uri(), unique_app("watch")), clock, false);
    auto ids = enqueue_n(ob, n);
    const std::size_t opened = ob.storage().engine().connections_opened();

    std::atomic<std::size_t> acked{0};    // acks the storage took
    std::atomic<std::size_t> failed{0};   // storage calls that failed
    std::atomic<std::size_t> refused{0};  // acks refused as claim_lost: applied before, or reaped
    std::map<std::string, int> sent;      // claims of each delivery (the worker's until it ends)
    std::vector<std::string> unexpected;  // the worker's until it ends
    std::jthread worker([&](std::stop_token stop) {
        std::vector<ack_entry> unwritten;
        while (!stop.stop_requested()) {
            error_code ec;
            diagnostics diag;
            if (!unwritten.empty()) {
                auto errors = ob.ack_many(std::span<const ack_entry>(unwritten), ec, diag);
                if (!ec) {
                    for (const auto& e : errors) {
                        if (!e)
                            ++acked;
                        else if (e == errc::claim_lost)
                            ++refused;
                        else
                            unexpected.push_back("ack: " + e.message());
                    }
                    unwritten.clear();
                }
            } else {
                auto ds = ob.claim(claim_opts(20), ec, diag);
                if (!ec && ds.empty())
                    clock.advance(ttl + 1s);  // no row left but those of lost claims: reap them
                for (const auto& d : ds)
                    ++sent[d.id.to_string()];
                unwritten = entries_for(ds);
            }
            if (ec) {
                ++failed;
                if (ec != errc::storage_failure && ec != errc::storage_busy)
                    unexpected.push_back(std::string(diag.message()));
                // Paces the calls while the server is down; nothing waits on this.
                std::this_thread::sleep_for(10ms);
            }
        }
    });

    wait_until("a quarter of the deliveries to be acked", [&] { return acked >= n / 4; });
    BOOST_TEST(failed == 0u);
    server.restart();
    wait_until("every delivery to succeed after the restart", [&] {
        error_code ec;
        diagnostics diag;
        auto st = watch.stats(ec, diag);
        return !ec && st.count(delivery_status::success) == std::size_t(n);
    });
    worker.request_stop();
    worker.join();

    BOOST_TEST_MESSAGE("through the restart: " << failed << " storage calls failed, " << acked << " acks taken, "
                                               << refused << " refused as claim_lost");
    BOOST_TEST(failed > 0u);  // the restart cut the loop's calls
    BOOST_TEST(ob.storage().engine().connections_opened() > opened);
    for (const auto& e : unexpected)
        BOOST_ERROR("unexpected error in the loop: " << e);
    BOOST_TEST(sent.size() == std::size_t(n));
    check_completed_once(ob, ids);

    auto more = enqueue_n(ob, 1, "after");
    auto ds = ob.claim(claim_opts(10));
    BOOST_TEST_REQUIRE(ds.size() == 1u);
    ob.ack(ds[0], delivered());
    check_completed_once(ob, more);
}

// ---------------------------------------------------------------------------------------------------
// A dispatcher over PostgreSQL
// ---------------------------------------------------------------------------------------------------

namespace asio = boost::asio;
using pg_dispatcher = dispatcher<pg_outbox, beast_sender>;

// A dispatcher sends every delivery to a loopback receiver; the ack batch of one of them waits for
// a row lock when its connection is cut. The batch fails, is kept and written again (on a new connection)
// once the lock is released: each delivery arrived once and was acked once, and no ack was refused.
BOOST_FIXTURE_TEST_CASE(a_dispatcher_whose_ack_is_cut_sends_and_acks_each_delivery_once, fixture) {
    constexpr int n = 20;
    const std::string app = unique_app("dispatcher");
    auto ob = make_outbox(params_for(conninfo, app, 2), clock);
    auto watch = make_outbox(params_for(conninfo, unique_app("watch")), clock, false);
    asio::io_context ioc;
    scripted_receiver receiver;
    gate hold;
    receiver.script([&hold](const received_request&) {
        hold.wait();
        return response_plan{};
    });
    std::vector<delivery_id> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(ob.enqueue(make_request("wh-" + std::to_string(i % 5), "evt-" + std::to_string(i), receiver.url()))
                          .id);

    sender_params sp;
    sp.addresses = http::address_policy::loopback_allowed();
    sp.connect_timeout = 2s;
    beast_sender sender(ioc.get_executor(), sp);
    dispatcher_params dp;
    dp.node_id = "node-A";
    dp.poll_interval = 20ms;
    dp.request_timeout = 5s;
    dp.claim_ttl = ttl;
    asio::thread_pool storage_thread(1);
    std::optional<error_code> done;
    std::optional<session> holder;
    pg_dispatcher d(ioc.get_executor(), storage_thread.get_executor(), ob, sender, dp);
    d.async_run([&](error_code ec) { done = ec; });

    // The first request waits at the gate (and the receiver with it) while its row is locked.
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    const std::string first = receiver.requests().front().header("webhook-id");
    holder.emplace(conninfo);
    holder->exec("BEGIN");
    BOOST_TEST_REQUIRE(holder->exec("SELECT seq FROM sys_webhook_delivery WHERE id = '" + first +
                                    "' AND status = 'in_flight' FOR UPDATE")
                           .size() == 1u);
    hold.open();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return backends(observer, app, "Lock") == 1; }));
    BOOST_TEST(terminate_backends(observer, app) >= 1u);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().storage_errors >= 1; }));
    holder->close();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        error_code ec;
        diagnostics diag;
        auto st = watch.stats(ec, diag);
        return !ec && st.count(delivery_status::success) == std::size_t(n);
    }));
    d.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    storage_thread.join();

    const auto st = d.stats();
    BOOST_TEST_MESSAGE("dispatcher: " << st.attempts << " attempts, " << st.storage_errors << " storage errors, "
                                      << st.writes_retried << " writes retried");
    BOOST_TEST(receiver.request_count() == std::size_t(n));
    std::set<std::string> arrived;
    for (const auto& r : receiver.requests())
        arrived.insert(r.header("webhook-id"));
    BOOST_TEST(arrived.size() == std::size_t(n));
    BOOST_TEST(st.attempts == std::uint64_t(n));
    BOOST_TEST(st.succeeded == std::uint64_t(n));
    BOOST_TEST(st.claims_lost == 0u);
    BOOST_TEST(st.writes_retried >= 1u);
    check_completed_once(ob, ids);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
