//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox in PostgreSQL: an order and its webhook commit together in the application's own
// transaction, and a dispatcher listening on the outbox's channel sends the webhook as soon as the
// transaction commits.
//
//   1. The application holds its own libpq connection, with its own `orders` table.
//   2. A dispatcher (with a pool of the engine's connections) and a postgres_listener run on an
//      io_context; a small receiver on 127.0.0.1 answers the webhooks.
//   3. Order 42: the order row and its delivery, committed together; the commit's notification
//      wakes the dispatcher at once (its poll interval is only the fallback).
//   4. Order 43: the same, rolled back: neither row remains, and no dispatcher hears of it.
//
// Usage: hookbox_example_postgres URI
//   URI  a PostgreSQL connection URI (postgresql://user@host:port/db); the example works in a schema
//        of its own, hookbox_example, which it drops and creates first

#include <hookbox.hpp>
#include <hookbox/dispatch/dispatcher.hpp>       // link hookbox::http
#include <hookbox/engine/postgres/listener.hpp>  // link hookbox::postgres
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/postgres_outbox.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

void expect(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("unexpected: " + what);
}

void exec(PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    expect(ok, sql + ": " + PQerrorMessage(c));
}

// Answers every request 204 and counts them.
asio::awaitable<void> receive(asio::ip::tcp::acceptor& acceptor, int& received) {
    for (;;) {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(
            acceptor.get_executor(),
            [s = std::move(socket), &received]() mutable -> asio::awaitable<void> {
                boost::beast::flat_buffer buffer;
                for (;;) {
                    http::request<http::string_body> req;
                    auto [ec, n] = co_await http::async_read(s, buffer, req, asio::as_tuple(asio::use_awaitable));
                    if (ec)
                        co_return;
                    ++received;
                    http::response<http::empty_body> res(http::status::no_content, req.version());
                    res.keep_alive(req.keep_alive());
                    auto [wec, m] = co_await http::async_write(s, res, asio::as_tuple(asio::use_awaitable));
                    if (wec)
                        co_return;
                }
            },
            asio::detached);
    }
}

// Runs `io` until `done()` or ten seconds.
template <class Pred>
bool run_until(asio::io_context& io, Pred done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline)
        io.run_for(std::chrono::milliseconds(5));
    return done();
}

int run(const std::string& uri) {
    {
        PGconn* admin = PQconnectdb(uri.c_str());
        expect(PQstatus(admin) == CONNECTION_OK, std::string("connect: ") + PQerrorMessage(admin));
        PQsetNoticeProcessor(admin, [](void*, const char*) {}, nullptr);
        exec(admin, "DROP SCHEMA IF EXISTS hookbox_example CASCADE");
        exec(admin, "CREATE SCHEMA hookbox_example");
        PQfinish(admin);
    }
    const std::string conninfo =
        uri + (uri.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3Dhookbox_example";

    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    int received = 0;
    asio::co_spawn(io, receive(acceptor, received), asio::detached);
    const std::string receiver_url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/hooks";

    //[postgres_outbox
    // `conninfo`: "postgresql://app@127.0.0.1:5432/app?options=-c%20search_path%3Dhookbox_example"
    hookbox::postgres_outbox outbox({}, hookbox::postgres_storage(hookbox::engine::postgres_engine({.conninfo = conninfo})));
    //]
    hookbox::sender_params sp;
    sp.addresses = hookbox::http::address_policy::loopback_allowed();  // the receiver is on 127.0.0.1
    hookbox::beast_sender sender(io.get_executor(), sp);
    asio::thread_pool storage_pool(1);  // the outbox's blocking calls run there, not on `io`

    //[postgres_listener
    auto wake = std::make_shared<hookbox::wakeup>();
    hookbox::dispatcher_params params{.node_id = "node-a", .wakeup = wake};
    hookbox::dispatcher node(io.get_executor(), storage_pool.get_executor(), outbox, sender, params);
    hookbox::postgres_listener<> listener(
        io.get_executor(), {.conninfo = conninfo, .channel = outbox.storage().notify_channel(), .wakeup = wake});
    listener.async_run(asio::detached);
    node.async_run(asio::detached);
    //]
    expect(run_until(io, [&] { return listener.stats().connects == 1; }), "the listener connects");

    PGconn* app = PQconnectdb(conninfo.c_str());
    expect(PQstatus(app) == CONNECTION_OK, std::string("connect: ") + PQerrorMessage(app));
    PQsetNoticeProcessor(app, [](void*, const char*) {}, nullptr);
    exec(app, "CREATE TABLE orders (id bigint PRIMARY KEY, total bigint)");
    {
        //[postgres_in_your_transaction
        // `app` is your own connection (a PGconn*), with your own transaction open on it.
        hookbox::postgres_outbox in_tx({}, hookbox::postgres_storage(hookbox::engine::postgres_engine::attach(app)));

        exec(app, "BEGIN");
        exec(app, "INSERT INTO orders (id, total) VALUES (42, 100)");
        in_tx.enqueue({.webhook_id = "wh-1", .event_id = "order-42", .event_type = "order.created",
                       .url = receiver_url});
        exec(app, "COMMIT");   // or ROLLBACK: neither row remains, and no dispatcher hears of it
        //]
        auto committed = std::chrono::steady_clock::now();
        expect(run_until(io, [&] { return received == 1; }), "order 42's webhook arrives");
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - committed);
        std::printf("order 42 committed: its webhook arrived %lld ms later\n", static_cast<long long>(ms.count()));

        exec(app, "BEGIN");
        exec(app, "INSERT INTO orders (id, total) VALUES (43, 100)");
        in_tx.enqueue({.webhook_id = "wh-1", .event_id = "order-43", .event_type = "order.created",
                       .url = receiver_url});
        exec(app, "ROLLBACK");
        std::printf("order 43 rolled back: %zu delivery stored\n", outbox.stats().total());
        expect(outbox.stats().total() == 1, "the rolled-back delivery is gone");
    }
    PQfinish(app);
    expect(run_until(io, [&] { return outbox.stats().count(hookbox::delivery_status::success) == 1; }),
           "order 42's delivery is acked");
    node.cancel();
    listener.cancel();
    acceptor.close();
    io.run_for(std::chrono::seconds(1));
    storage_pool.join();
    std::printf("postgres: ok\n");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s URI\n", argv[0]);
        return 2;
    }
    try {
        return run(argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hookbox_example_postgres: %s\n", e.what());
        return 1;
    }
}
