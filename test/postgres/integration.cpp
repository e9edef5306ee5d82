//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox on PostgreSQL beyond the contracts: enqueue inside the caller's own transaction on its
// own connection, the notification that an enqueue sends at its commit (and never before, nor for a
// rollback), a dispatcher woken by it through postgres_listener, the listener's reconnection, and
// the command-line tool on a postgresql:// URI. Each test in a fresh schema of the tests' server.

#include "common/manual_steady_clock.hpp"
#include "common/pg_cluster.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/engine/postgres/listener.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/postgres_outbox.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace hookbox::test {

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// A plain libpq connection of the test's own (what an application holds).
struct app_connection {
    PGconn* conn;
    explicit app_connection(const std::string& conninfo) : conn(PQconnectdb(conninfo.c_str())) {
        BOOST_TEST_REQUIRE(PQstatus(conn) == CONNECTION_OK, "connect: " << PQerrorMessage(conn));
        PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
    }
    app_connection(const app_connection&) = delete;
    app_connection& operator=(const app_connection&) = delete;
    ~app_connection() { PQfinish(conn); }

    std::string exec(const std::string& sql) {
        PGresult* r = PQexec(conn, sql.c_str());
        auto st = PQresultStatus(r);
        std::string first = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
        PQclear(r);
        BOOST_TEST_REQUIRE((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK), sql << ": " << PQerrorMessage(conn));
        return first;
    }

    // The notifications received so far (after a round trip, so that what the server sent first is read).
    int notifications() {
        exec("SELECT 1");
        PQconsumeInput(conn);
        int n = 0;
        while (PGnotify* note = PQnotifies(conn)) {
            PQfreemem(note);
            ++n;
        }
        return n;
    }

    // Waits up to `limit` for a notification; the count received.
    int wait_notifications(std::chrono::milliseconds limit) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        int n = 0;
        while (n == 0 && std::chrono::steady_clock::now() < deadline) {
            pollfd p{PQsocket(conn), POLLIN, 0};
            ::poll(&p, 1, 50);
            PQconsumeInput(conn);
            while (PGnotify* note = PQnotifies(conn)) {
                PQfreemem(note);
                ++n;
            }
        }
        return n;
    }
};

enqueue_request order_event(std::string event, std::string url = "https://receiver.example/hooks") {
    enqueue_request q;
    q.webhook_id = "wh-1";
    q.event_id = std::move(event);
    q.event_type = "order.created";
    q.url = std::move(url);
    q.payload = payload::parse(R"({"order":42})");
    return q;
}

postgres_outbox make_outbox(const std::string& conninfo) {
    return postgres_outbox({}, postgres_storage(engine::postgres_engine({.conninfo = conninfo})));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgres_integration)

// The business row and its delivery commit together or not at all, on the application's own
// connection; the channel hears of the delivery at the commit, not before, and never of a rollback.
BOOST_AUTO_TEST_CASE(enqueue_in_the_callers_transaction_commits_and_notifies_with_it) {
    const std::string schema = pg_next_schema_name("txenqueue");
    const std::string conninfo = pg_schema_conninfo(schema);
    auto ob = make_outbox(conninfo);
    const std::string channel = ob.storage().notify_channel();
    // Channels are per database: the schema is part of the name, so outboxes in other schemas (the
    // other tests, running beside this one) are not heard here.
    BOOST_TEST(channel == "hookbox." + schema + ".sys_webhook_delivery");

    app_connection listener(conninfo);
    listener.exec("LISTEN \"" + channel + "\"");
    app_connection app(conninfo);
    app.exec("CREATE TABLE orders (id bigint PRIMARY KEY)");
    {
        postgres_outbox in_tx({}, postgres_storage(engine::postgres_engine::attach(app.conn)));

        app.exec("BEGIN");
        app.exec("INSERT INTO orders VALUES (42)");
        auto r = in_tx.enqueue(order_event("order-42"));
        BOOST_TEST(r.created);
        BOOST_TEST(in_tx.get(r.id).has_value(), "the caller's transaction sees its own delivery");
        BOOST_TEST(ob.stats().total() == 0u, "another connection sees nothing before the commit");
        BOOST_TEST(listener.notifications() == 0, "no notification before the commit");
        app.exec("COMMIT");
        BOOST_TEST(listener.wait_notifications(10s) == 1, "one notification at the commit");
        BOOST_TEST(ob.stats().count(delivery_status::pending) == 1u);
        BOOST_TEST(ob.get(r.id).has_value());

        app.exec("BEGIN");
        app.exec("INSERT INTO orders VALUES (43)");
        auto lost = in_tx.enqueue(order_event("order-43"));
        BOOST_TEST(lost.created);
        app.exec("ROLLBACK");
        BOOST_TEST(!ob.get(lost.id).has_value(), "a rollback leaves no delivery");
        BOOST_TEST(ob.stats().total() == 1u);
        BOOST_TEST(app.exec("SELECT count(*) FROM orders") == "1");
        BOOST_TEST(listener.notifications() == 0, "no notification for a rollback");

        // A batch in the caller's transaction: one notification for the statement, at the commit.
        app.exec("BEGIN");
        std::vector<enqueue_request> batch;
        for (int i = 0; i < 3; ++i)
            batch.push_back(order_event("batch-" + std::to_string(i)));
        auto rs = in_tx.enqueue_many(std::move(batch));
        BOOST_TEST(rs.size() == 3u);
        BOOST_TEST(listener.notifications() == 0);
        app.exec("COMMIT");
        BOOST_TEST(listener.wait_notifications(10s) == 1);
        BOOST_TEST(ob.stats().count(delivery_status::pending) == 4u);
    }
}

// A dispatcher whose poll timer never fires again (its clock is driven by hand) still sends what
// another connection enqueues: the listener hears the commit and wakes it.
BOOST_AUTO_TEST_CASE(a_dispatcher_is_woken_by_an_enqueue_on_another_connection) {
    using driven_dispatcher = dispatcher<postgres_outbox, beast_sender, asio::any_io_executor, default_retry_policy,
                                         manual_steady_clock>;
    const std::string conninfo = pg_fresh_schema_conninfo("wakeup");
    auto ob = make_outbox(conninfo);
    auto producer = make_outbox(conninfo);  // as another process would: its own engine and connections

    asio::io_context ioc;
    scripted_receiver receiver;
    sender_params sp;
    sp.addresses = http::address_policy::loopback_allowed();
    beast_sender sender(ioc.get_executor(), sp);
    auto wake = std::make_shared<wakeup>();
    dispatcher_params dp;
    dp.node_id = "node-A";
    dp.poll_interval = 1h;
    dp.wakeup = wake;
    driven_dispatcher d(ioc.get_executor(), ob, sender, dp);
    postgres_listener<> listener(ioc.get_executor(),
                                 {.conninfo = conninfo, .channel = ob.storage().notify_channel(), .wakeup = wake});

    std::optional<error_code> ran, listened;
    listener.async_run([&](error_code ec) { listened = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return listener.stats().connects == 1; }));
    d.async_run([&](error_code ec) { ran = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().claims >= 1; }));  // the first poll: nothing yet

    auto id = producer.enqueue(order_event("order-7", receiver.url())).id;
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->status == delivery_status::success; }));
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(listener.stats().notifications >= 1u);

    d.cancel();
    listener.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ran.has_value() && listened.has_value(); }));
    BOOST_TEST(*ran == asio::error::operation_aborted);
    BOOST_TEST(*listened == asio::error::operation_aborted);
}

// The server ends the listener's session: it reports it, connects again, and wakes once connected
// (something may have been enqueued meanwhile), then hears the next enqueue.
BOOST_AUTO_TEST_CASE(the_listener_connects_again_when_its_session_is_ended) {
    const std::string conninfo = pg_fresh_schema_conninfo("relisten");
    auto ob = make_outbox(conninfo);
    asio::io_context ioc;
    auto wake = std::make_shared<wakeup>();
    int woken = 0;
    wake->subscribe([&] { ++woken; });
    std::vector<std::string> errors;
    postgres_listener_params lp;
    lp.conninfo = conninfo + "&application_name=hookbox_relisten_test";
    lp.channel = ob.storage().notify_channel();
    lp.wakeup = wake;
    lp.reconnect_delay = 1ms;
    lp.on_error = [&](error_code, const std::string& what) { errors.push_back(what); };
    postgres_listener<> listener(ioc.get_executor(), lp);
    std::optional<error_code> done;
    listener.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return listener.stats().connects == 1; }));
    BOOST_TEST(woken == 1);

    app_connection admin(pg_test_uri());
    BOOST_TEST(admin.exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = "
                          "'hookbox_relisten_test'") == "1");
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return listener.stats().connects == 2; }));
    BOOST_TEST(listener.stats().errors == 1u);
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].find("listener") != std::string::npos);
    BOOST_TEST(woken == 2);

    ob.enqueue(order_event("after"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return listener.stats().notifications == 1; }));
    BOOST_TEST(woken == 3);
    listener.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// A listener that cannot connect reports it and keeps trying until cancelled.
BOOST_AUTO_TEST_CASE(a_listener_that_cannot_connect_reports_and_retries) {
    asio::io_context ioc;
    postgres_listener_params lp;
    lp.conninfo = "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2";
    lp.channel = "hookbox_sys_webhook_delivery";
    lp.reconnect_delay = 1ms;
    lp.max_reconnect_delay = 2ms;
    int reported = 0;
    lp.on_error = [&](error_code ec, const std::string&) {
        BOOST_TEST(ec == make_error_code(errc::storage_failure));
        ++reported;
    };
    postgres_listener<> listener(ioc.get_executor(), lp);
    std::optional<error_code> done;
    listener.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return listener.stats().errors >= 3; }));
    BOOST_TEST(listener.stats().connects == 0u);
    BOOST_TEST(reported >= 3);
    listener.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
}

// Bad connection settings fail at construction, naming the field.
BOOST_AUTO_TEST_CASE(bad_engine_parameters_name_their_field) {
    error_code ec;
    diagnostics diag;
    engine::postgres_params p;
    p.conninfo = pg_test_uri();
    p.pool_size = 0;
    BOOST_TEST(!engine::postgres_engine::open(p, ec, diag).has_value());
    BOOST_TEST(ec == make_error_code(errc::invalid_argument));
    BOOST_TEST(diag.field() == "pool_size");
    p.pool_size = 1;
    p.conninfo = "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2";
    BOOST_TEST(!engine::postgres_engine::open(p, ec, diag).has_value());
    BOOST_TEST(ec == make_error_code(errc::storage_failure));
    BOOST_TEST(diag.field() == "conninfo");
    p.conninfo = "not a connection string";
    BOOST_TEST(!engine::postgres_engine::open(p, ec, diag).has_value());
    BOOST_TEST(diag.field() == "conninfo");
    BOOST_CHECK_THROW(engine::postgres_engine::attach(nullptr), error_with_diagnostics);
}

#ifdef HOOKBOX_TEST_CLI
// The command-line tool takes a postgresql:// URI where it takes a SQLite file.
BOOST_AUTO_TEST_CASE(the_command_line_tool_reads_and_replays_a_postgres_outbox) {
    const std::string conninfo = pg_fresh_schema_conninfo("cli");
    auto ob = make_outbox(conninfo);
    auto id = ob.enqueue(order_event("order-1")).id;
    auto d = ob.claim({.node_id = "n", .limit = 1});
    BOOST_TEST_REQUIRE(d.size() == 1u);
    ob.ack(d[0], {.outcome = attempt_outcome::dead, .http_status = 410, .error = "HTTP 410"});

    auto run = [](const std::string& args, int& status) {
        std::string cmd = std::string(HOOKBOX_TEST_CLI) + " " + args + " 2>&1";
        std::string out;
        FILE* p = ::popen(cmd.c_str(), "r");
        BOOST_TEST_REQUIRE(p != nullptr);
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p))
            out.append(buf.data(), n);
        status = WEXITSTATUS(::pclose(p));
        return out;
    };
    int status = -1;
    std::string out = run("stats --json '" + conninfo + "'", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(out.find("\"dead\":1") != std::string::npos, out);
    out = run("show '" + conninfo + "' " + id.to_string(), status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(out.find("HTTP 410") != std::string::npos, out);
    out = run("replay --status dead --dry-run '" + conninfo + "'", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(out.find("would replay 1 delivery") != std::string::npos, out);
    BOOST_TEST(ob.get(id)->status == delivery_status::dead);
    out = run("replay --status dead '" + conninfo + "'", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(ob.get(id)->status == delivery_status::pending);
    out = run("vacuum '" + conninfo + "'", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(out == "vacuumed\n");

    // Endpoint health in the state store of the same schema: disabled and enabled from the tool.
    out = run("endpoints '" + conninfo + "' disable wh-1", status);
    BOOST_TEST(status == 3, out);  // no state table yet
    basic_state_store<engine::postgres_engine> states(engine::postgres_engine({.conninfo = conninfo}));
    state_store_health<basic_state_store<engine::postgres_engine>> health(states);
    out = run("endpoints '" + conninfo + "' disable wh-1 --reason 'receiver being fixed'", status);
    BOOST_TEST(status == 0, out);
    auto kept = health.endpoints();
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].second.disabled_reason == "receiver being fixed");
    out = run("endpoints '" + conninfo + "'", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(out.find("receiver being fixed") != std::string::npos, out);
    out = run("endpoints '" + conninfo + "' enable wh-1", status);
    BOOST_TEST(status == 0, out);
    BOOST_TEST(health.endpoints().empty());

    // A schema without an outbox, and a server that does not answer: clear refusals.
    out = run("stats '" + pg_fresh_schema_conninfo("cli_empty") + "'", status);
    BOOST_TEST(status != 0);
    BOOST_TEST(out.find("not an outbox database") != std::string::npos, out);
    out = run("stats 'postgresql://postgres:secret@127.0.0.1:1/postgres?connect_timeout=2'", status);
    BOOST_TEST(status != 0);
    BOOST_TEST(out.find("secret") == std::string::npos, "the password is never printed: " << out);
}
#endif

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
