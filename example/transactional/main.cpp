//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The transactional outbox: an order and the webhooks it causes are written in one SQLite
// transaction, so they exist together or not at all.
//
//   1. The application opens its own SQLite connection, with its own `orders` table.
//   2. A hookbox outbox is attached to that connection: its enqueues join the application's
//      transaction instead of opening one of their own.
//   3. Order 1001: the order row and one delivery per subscriber, committed together.
//   4. Order 1002: the same, but something fails before COMMIT; ROLLBACK removes the order row and
//      its deliveries alike.
//   5. Enqueueing a delivery that exists already stores nothing: the outbox deduplicates on
//      (event_id, webhook_id).
//
// Usage: hookbox_example_transactional [DATABASE]
//   DATABASE  the application's SQLite file, deleted first and left in place afterwards
//             (default: a private in-memory database, so that nothing is written to disk)

#include <hookbox.hpp>
#include <hookbox/sqlite_outbox.hpp>  // link hookbox::sqlite

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Stops the example with a message when a result is not what it should be.
void expect(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("unexpected: " + what);
}

// The application's own SQLite connection: hookbox does not open it, and never closes it.
class connection {
public:
    explicit connection(const std::string& path) {
        int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            throw std::runtime_error("cannot open " + path + ": " + msg);
        }
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { sqlite3_close(db_); }

    sqlite3* get() const noexcept { return db_; }

    void exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            std::string msg = error ? error : "unknown error";
            sqlite3_free(error);
            throw std::runtime_error(std::string(sql) + ": " + msg);
        }
    }

    // The first column of the first row of a query that returns one number.
    long long scalar(const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
        long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        return n;
    }

    // INSERT INTO orders, with bound parameters.
    void insert_order(int id, int total_cents) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, "INSERT INTO orders (id, total_cents) VALUES (?1, ?2)", -1, &st,
                               nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("insert order: ") + sqlite3_errmsg(db_));
        sqlite3_bind_int(st, 1, id);
        sqlite3_bind_int(st, 2, total_cents);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            throw std::runtime_error(std::string("insert order: ") + sqlite3_errmsg(db_));
    }

private:
    sqlite3* db_ = nullptr;
};

// Who wants to hear of new orders: one delivery per subscriber and order.
struct subscriber {
    const char* webhook_id;
    const char* url;
    const char* secret; // signs the deliveries (Standard Webhooks); empty: unsigned
};

const subscriber subscribers[] = {
    {"wh-warehouse", "https://warehouse.example/hooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
    {"wh-billing", "https://billing.example/hooks", "whsec_HO9i3KHon4r9Yq6aaxCKhZPipsire0cZ"},
    {"wh-crm", "https://crm.example/hooks", ""},
};

//[deliveries_for
// The deliveries one order causes. The event id names the event, not the delivery: together with
// the webhook id it is the outbox's dedup key.
std::vector<hookbox::enqueue_request> deliveries_for(int order_id, int total_cents) {
    std::vector<hookbox::enqueue_request> reqs;
    for (const auto& s : subscribers) {
        hookbox::enqueue_request r;
        r.webhook_id = s.webhook_id;
        r.event_id = "order-" + std::to_string(order_id) + ".created";
        r.event_type = "order.created";
        r.url = s.url;
        r.secret = s.secret;
        r.payload = hookbox::payload::parse(R"({"order":)" + std::to_string(order_id) + R"(,"total_cents":)" +
                                            std::to_string(total_cents) + "}");
        reqs.push_back(std::move(r));
    }
    return reqs;
}
//]

//[outbox_type
// An outbox whose rows live in SQLite, through the engine attached to the application's connection.
using hookbox::sqlite_outbox;
//]

//[place_order
// Stores an order and its deliveries in one transaction of the application's connection. Any
// failure before COMMIT rolls back both. `enqueued` receives the ids the outbox gave out, so that
// the caller can look for them afterwards.
void place_order(connection& app,
                 sqlite_outbox& outbox,
                 int order_id,
                 int total_cents,
                 std::vector<hookbox::delivery_id>& enqueued) {
    app.exec("BEGIN IMMEDIATE");
    try {
        app.insert_order(order_id, total_cents);

        // Inside an open transaction, the attached engine runs the enqueue as a savepoint of it:
        // nothing is visible to other connections before COMMIT, and ROLLBACK takes it back.
        for (const auto& r : outbox.enqueue_many(deliveries_for(order_id, total_cents)))
            enqueued.push_back(r.id);

        // Whatever else the order needs; here, a payment check that refuses large orders.
        if (total_cents > 100000)
            throw std::runtime_error("payment declined for order " + std::to_string(order_id));

        app.exec("COMMIT");
    } catch (...) {
        app.exec("ROLLBACK"); // the order row and its deliveries go together
        throw;
    }
}
//]

void run(const std::string& path) {
    //[open_connection
    // 1. The application's database, opened by the application, with its own table.
    connection app(path);
    app.exec("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, total_cents INTEGER NOT NULL)");
    //]

    //[attach
    // 2. An outbox on the same connection. `attach` does not take the connection over: the engine
    //    never closes it (destroy the outbox first), leaves its settings alone, and must be used
    //    from the thread that uses the connection. The constructor creates hookbox's delivery
    //    table next to `orders` (or migrates it).
    sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine::attach(app.get())));
    //]

    //[commit
    // 3. Order 1001 commits: the order row and its three deliveries.
    std::vector<hookbox::delivery_id> committed;
    place_order(app, outbox, 1001, 4990, committed);
    std::printf("order 1001 committed with %zu deliveries\n", committed.size());
    //]
    expect(committed.size() == 3, "three deliveries for order 1001");

    //[rollback
    // 4. Order 1002 fails after its deliveries were enqueued, and is rolled back.
    std::vector<hookbox::delivery_id> rolled_back;
    try {
        place_order(app, outbox, 1002, 250000, rolled_back);
    } catch (const std::runtime_error& e) {
        std::printf("order 1002 rolled back (%s) after enqueueing %zu deliveries\n", e.what(),
                    rolled_back.size());
    }
    //]
    expect(rolled_back.size() == 3, "three deliveries enqueued for order 1002 before the failure");

    //[after_rollback
    // Neither the order nor its deliveries exist; order 1001 and its deliveries do.
    long long orders = app.scalar("SELECT count(*) FROM orders");
    auto stats = outbox.stats();
    std::printf("\norders: %lld; deliveries: %zu pending, %zu in total\n", orders,
                stats.count(hookbox::delivery_status::pending), stats.total());
    for (const auto& id : rolled_back)
        std::printf("  %s (order 1002): %s\n", id.to_string().c_str(),
                    outbox.get(id) ? "stored" : "not stored");

    auto page = outbox.list({.status = hookbox::delivery_status::pending});
    std::printf("\n%-36s  %-12s  %-18s  %s\n", "delivery", "webhook", "event", "signed");
    for (const auto& d : page.items)
        std::printf("%-36s  %-12s  %-18s  %s\n", d.id.to_string().c_str(), d.webhook_id.c_str(),
                    d.event_id.c_str(), d.has_secret ? "yes" : "no");
    //]
    expect(orders == 1, "one order row");
    expect(app.scalar("SELECT count(*) FROM orders WHERE id = 1002") == 0, "no row for order 1002");
    expect(stats.total() == 3 && stats.count(hookbox::delivery_status::pending) == 3,
           "three pending deliveries");
    for (const auto& id : rolled_back)
        expect(!outbox.get(id), "no delivery of order 1002");
    expect(page.items.size() == 3, "list shows three deliveries");
    for (std::size_t i = 0; i < page.items.size(); ++i) {
        expect(page.items[i].id == committed[i], "list in enqueue order");
        expect(page.items[i].event_id == "order-1001.created", "only order 1001's deliveries");
    }

    //[dedup
    // 5. The same (event_id, webhook_id) again, as a retried request handler might enqueue it: the
    //    outbox returns the stored row's id with created = false, and stores nothing. Outside a
    //    transaction of the application, the enqueue runs in one of its own.
    auto again = outbox.enqueue(deliveries_for(1001, 4990)[0]);
    std::printf("\norder-1001.created for wh-warehouse again: created=%s, id %s (the first one: %s)\n",
                again.created ? "true" : "false", again.id.to_string().c_str(),
                committed[0].to_string().c_str());
    //]
    expect(!again.created && again.id == committed[0], "the duplicate returns the stored row");
    expect(outbox.stats().total() == 3, "still three deliveries");

    // The attached engine left the connection open and usable.
    expect(app.scalar("SELECT total_cents FROM orders WHERE id = 1001") == 4990, "order 1001 intact");
}

} // namespace

int main(int argc, char** argv) {
    std::string path = ":memory:";
    if (argc > 1) {
        path = argv[1];
        std::filesystem::remove(path);
    }
    try {
        run(path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "transactional: %s\n", e.what());
        return 1;
    }
    std::printf("\ntransactional: ok\n");
    return 0;
}
