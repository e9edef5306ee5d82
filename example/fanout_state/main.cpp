//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Event fan-out and plugin state.
//
// Part 1, fan-out: the data layer says "contact c-1 was created"; every webhook subscribed to
// contact creations gets a delivery.
//   1. Three subscriptions in a `sys_webhook` table, each with its own filter (object, actions).
//   2. An auto_enqueuer, run on the application's io_context: `publish` matches events against the
//      subscriptions and enqueues one delivery per match, without making the publisher wait for
//      storage; `cancel` stops it once the enqueues it accepted are done.
//   3. `fan_out` inside the application's own transaction, for deliveries that must commit with
//      the change that caused them.
//   4. What was created: one delivery per (event, matching subscription), duplicates collapsed.
//
// Part 2, plugin state: a plugin keeps its own values in a `basic_state_store`, scoped to a
// company: set and get, listing by key prefix a page at a time, compare-and-set, erase.
//
// Both parts use private in-memory SQLite databases: nothing is written to disk.

#include <hookbox/engine/sqlite_engine.hpp> // link hookbox::sqlite
#include <hookbox/fanout/auto_enqueuer.hpp>
#include <hookbox/sqlite_outbox.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// Stops the example with a message when a result is not what it should be.
void expect(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("unexpected: " + what);
}

using sqlite = hookbox::engine::sqlite_engine;
using hookbox::sqlite_outbox;

// The application's transaction on its own connection: BEGIN IMMEDIATE, and ROLLBACK when it ends
// without a commit (an exception on the way, say).
class app_transaction {
public:
    explicit app_transaction(sqlite3* db) : db_(db) { exec("BEGIN IMMEDIATE"); }
    app_transaction(const app_transaction&) = delete;
    app_transaction& operator=(const app_transaction&) = delete;
    ~app_transaction() {
        if (!committed_)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
        exec("COMMIT");
        committed_ = true;
    }

private:
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    bool committed_ = false;
};

void fan_out_events() {
    // The application's own connection, to a private in-memory database (a file in a real service);
    // closed once the outbox attached to it is gone.
    sqlite3* app = nullptr;
    if (sqlite3_open(":memory:", &app) != SQLITE_OK)
        throw std::runtime_error("cannot open the application's database");
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> close_app(app, &sqlite3_close);

    //[database
    // The outbox attached to the application's connection `app`: the subscriptions table, the
    // application's `contact` table and the deliveries share one database, and the outbox's writes
    // join the application's transactions on that connection. The example reaches the tables
    // through the outbox's engine.
    sqlite_outbox outbox({}, hookbox::sqlite_storage(sqlite::attach(app)));
    sqlite& db = outbox.storage().engine();
    db.migrate(hookbox::webhook_schema()); // creates sys_webhook
    db.query("CREATE TABLE contact (id TEXT PRIMARY KEY, name TEXT NOT NULL)");
    //]

    // clang-format off
    //[subscriptions
    // Three webhooks with different filters: the object whose events each wants ("*" for every
    // object), and which actions. definition_json carries the secret, headers and timeout.
    db.insert("sys_webhook", hookbox::engine::record{
        {"id", "wh-crm"}, {"name", "crm sync"}, {"object_name", "contact"}, {"triggers", "create,update"},
        {"url", "https://crm.example/hooks"},
        {"definition_json", R"({"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})"}});
    db.insert("sys_webhook", hookbox::engine::record{
        {"id", "wh-audit"}, {"name", "audit log"}, {"object_name", "*"}, {"triggers", "create,update,delete"},
        {"url", "https://audit.example/hooks"}});
    db.insert("sys_webhook", hookbox::engine::record{
        {"id", "wh-billing"}, {"name", "billing"}, {"object_name", "invoice"}, {"triggers", "create"},
        {"url", "https://billing.example/hooks"}, {"definition_json", R"({"headers":{"X-Team":"billing"}})"}});
    //]
    // clang-format on

    //[enqueuer
    // The enqueuer is a background object on the application's io_context: it starts no thread.
    // Its storage work (enqueues, loads of the subscriptions) runs on a storage executor, never on
    // the publisher's thread: by default the io_context itself, as here, where this thread runs it
    // when it wants the work done, so that the example is deterministic. A service with a real
    // database passes a boost::asio::thread_pool's executor after io.get_executor().
    boost::asio::io_context io;
    hookbox::engine_subscriptions<sqlite> source(db);
    hookbox::auto_enqueuer_params params;
    params.refresh_interval = std::chrono::seconds(0); // no periodic reload in this example
    params.on_error = [](const hookbox::fanout_error& e) {
        std::fprintf(stderr, "fan-out error: %s: %s\n", e.webhook_name.c_str(), e.message.c_str());
    };
    hookbox::auto_enqueuer<sqlite_outbox, hookbox::engine_subscriptions<sqlite>> fanout(
        io.get_executor(), outbox, source, params);

    // A first load on this thread: a sys_webhook table that cannot be read is found now, and the
    // events published next are fanned out at once (without it, they wait for the run's own load).
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    fanout.refresh(ec, diag);
    if (ec)
        throw hookbox::error_with_diagnostics(ec, diag);

    // The run keeps the subscriptions fresh (self-heal, refresh()) until cancel(); publish accepts
    // events from here on.
    bool stopped = false;
    fanout.async_run([&stopped](hookbox::error_code result) {
        stopped = result == boost::asio::error::operation_aborted; // after cancel()
    });
    //]
    expect(fanout.subscriptions()->size() == 3, "three subscriptions loaded");

    //[publish
    // Data events, as a data layer publishes them. `publish` matches on this thread and posts one
    // enqueue per matching subscription; it returns how many, without waiting for them.
    hookbox::data_event alice{.type = "data.record.created",
                              .object = "contact",
                              .payload = boost::json::object{{"id", "c-1"}, {"name", "Alice"}},
                              .timestamp = "2026-05-24T00:00:00.000Z"};
    std::size_t posted = 0;
    posted += fanout.publish(alice); // wh-crm and wh-audit
    posted += fanout.publish({.type = "data.record.created",
                              .object = "invoice",
                              .payload = boost::json::object{{"id", "inv-7"}, {"amount", 1990}},
                              .timestamp = "2026-05-24T00:00:01.000Z"}); // wh-billing and wh-audit
    posted += fanout.publish({.type = "data.record.updated",
                              .object = "invoice",
                              .payload = boost::json::object{{"id", "inv-7"}, {"amount", 2490}},
                              .timestamp = "2026-05-24T00:00:02.000Z"}); // wh-audit (billing: create only)
    posted += fanout.publish({.type = "data.record.deleted",
                              .object = "contact",
                              .payload = boost::json::object{{"id", "c-1"}},
                              .timestamp = "2026-05-24T00:00:03.000Z"}); // wh-audit (crm: no delete)
    posted += fanout.publish(alice); // the same event again: same event id, so the outbox dedups it

    // Stop: the run lets the enqueues it accepted finish, then completes. run() returns when the
    // io_context has no work left: the enqueues are done and the run is over.
    fanout.cancel();
    io.run();
    auto st = fanout.stats();
    std::printf("published 5 events: %zu enqueues posted; %llu stored, %llu duplicates, %llu failed\n",
                posted, static_cast<unsigned long long>(st.enqueued),
                static_cast<unsigned long long>(st.duplicates), static_cast<unsigned long long>(st.failed));
    //]
    expect(stopped, "the run completed after cancel()");
    expect(posted == 8, "8 matches (2 + 2 + 1 + 1 + 2)");
    expect(st.matched == 8 && st.enqueued == 6 && st.duplicates == 2 && st.failed == 0,
           "6 stored and 2 duplicates");

    //[fan_out_in_transaction
    // Contact c-2 is created, and its deliveries must commit with it: `fan_out` computes the same
    // requests `publish` would post, and `enqueue_many` stores them inside our transaction on `app`. If
    // anything throws before commit, the transaction's destructor rolls back the contact and its
    // deliveries together.
    hookbox::data_event bob{.type = "data.record.created",
                            .object = "contact",
                            .payload = boost::json::object{{"id", "c-2"}, {"name", "Bob"}},
                            .timestamp = "2026-05-24T00:00:04.000Z"};
    {
        app_transaction tx(app);
        db.insert("contact", hookbox::engine::record{{"id", "c-2"}, {"name", "Bob"}});
        auto requests = hookbox::fan_out(bob, *fanout.subscriptions());
        outbox.enqueue_many(std::move(requests), ec, diag);
        if (ec)
            throw hookbox::error_with_diagnostics(ec, diag);
        tx.commit();
    }
    //]

    //[show_deliveries
    // Every delivery, in enqueue order: the webhook it goes to and the event id that dedups it.
    auto page = outbox.list({});
    std::printf("\n%-10s  %-45s  %s\n", "webhook", "event id", "event type");
    for (const auto& d : page.items)
        std::printf("%-10s  %-45s  %s\n", d.webhook_id.c_str(), d.event_id.c_str(), d.event_type.c_str());
    std::printf("\nthe body of the first one: %s\n", std::string(page.items.front().payload.body()).c_str());
    //]

    std::vector<std::string> got;
    for (const auto& d : page.items)
        got.push_back(d.webhook_id + " " + d.event_id);
    std::vector<std::string> want = {
        "wh-crm contact:c-1:created:2026-05-24T00:00:00.000Z",
        "wh-audit contact:c-1:created:2026-05-24T00:00:00.000Z",
        "wh-billing invoice:inv-7:created:2026-05-24T00:00:01.000Z",
        "wh-audit invoice:inv-7:created:2026-05-24T00:00:01.000Z",
        "wh-audit invoice:inv-7:updated:2026-05-24T00:00:02.000Z",
        "wh-audit contact:c-1:deleted:2026-05-24T00:00:03.000Z",
        "wh-crm contact:c-2:created:2026-05-24T00:00:04.000Z",
        "wh-audit contact:c-2:created:2026-05-24T00:00:04.000Z",
    };
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    expect(got == want, "one delivery per (event, matching subscription)");
    expect(db.count("contact", hookbox::engine::filter::all()) == 1, "contact c-2 committed");
    expect(
        page.items.front().payload.body() ==
            R"({"object":"contact","recordId":"c-1","action":"created","timestamp":"2026-05-24T00:00:00.000Z","id":"c-1","name":"Alice"})",
        "the fan-out body");
    for (const auto& d : page.items) {
        expect(d.has_secret == (d.webhook_id == "wh-crm"), "only wh-crm's deliveries are signed");
        expect((d.webhook_id == "wh-billing") == !d.headers.empty(), "only wh-billing's carry X-Team");
    }
}

using state_store = hookbox::basic_state_store<sqlite>;

void plugin_state() {
    //[state_open
    // The store owns its engine and creates its table (plugin_state) on construction.
    state_store store(sqlite({.path = ":memory:"}));
    const std::string plugin = "crm-sync";
    //]

    //[state_set_get
    // One value per (plugin, scope kind, scope id, namespace, key). Values are any JSON.
    hookbox::state_key cursor{
        .kind = hookbox::scope_kind::company, .scope_id = "company-1", .key = "sync.cursor"};
    auto written = store.set(plugin, cursor, boost::json::object{{"page", 1}});
    auto read = store.get(plugin, cursor);
    std::printf("\n%s = %s (version %llu)\n", cursor.key.c_str(), boost::json::serialize(read->value).c_str(),
                static_cast<unsigned long long>(read->version));
    //]
    expect(written.version == 1 && read && read->value == boost::json::value{{"page", 1}}, "set then get");
    expect(!store.get(plugin,
                      {.kind = hookbox::scope_kind::company, .scope_id = "company-2", .key = "sync.cursor"}),
           "another company's scope is empty");

    //[state_list
    // A few more keys in the same scope, then every key that starts with "sync.", two per page.
    // The prefix is literal ("." and "%" are plain characters), and pages are ordered by key.
    for (const char* key : {"sync.last-run", "sync.errors", "quota"})
        store.set(plugin, {.kind = hookbox::scope_kind::company, .scope_id = "company-1", .key = key}, 0);

    hookbox::state_list_options opts{
        .kind = hookbox::scope_kind::company, .scope_id = "company-1", .key_prefix = "sync.", .limit = 2};
    std::vector<std::string> listed;
    for (int pages = 1;; ++pages) {
        auto page = store.list(plugin, opts);
        for (const auto& e : page.entries) {
            std::printf("  page %d: %s\n", pages, e.key.key.c_str());
            listed.push_back(e.key.key);
        }
        if (!page.has_more || pages == 10) // bounded: a page count no listing here can reach
            break;
        opts.after = page.entries.back().key; // the next page starts after the last key
    }
    //]
    expect(listed == std::vector<std::string>{"sync.cursor", "sync.errors", "sync.last-run"},
           "the sync. keys");

    //[state_cas
    // Read, compute, write back only if nobody wrote in between.
    auto current = store.get(plugin, cursor);
    auto next = store.compare_and_set(plugin, cursor, boost::json::object{{"page", 2}}, current->version);
    std::printf("compare_and_set at version %llu: now version %llu\n",
                static_cast<unsigned long long>(current->version),
                static_cast<unsigned long long>(next.version));

    // A writer still holding the old version loses: nothing is written.
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    store.compare_and_set(plugin, cursor, boost::json::object{{"page", 99}}, current->version, ec, diag);
    std::printf("a stale compare_and_set: %s (%s)\n", ec.message().c_str(), diag.message().c_str());
    //]
    expect(next.version == 2, "version 2 after compare_and_set");
    expect(ec == hookbox::errc::version_conflict, "the stale writer gets version_conflict");
    expect(store.get(plugin, cursor)->value == boost::json::value{{"page", 2}},
           "the stale write changed nothing");

    //[state_erase
    // Erase one entry (true: it existed), then everything the plugin stored, as on uninstall.
    bool erased = store.erase(plugin, cursor);
    std::size_t rest = store.erase_all(plugin);
    std::printf("erased %s, then %zu more entries\n", erased ? "sync.cursor" : "nothing", rest);
    //]
    expect(erased && rest == 3, "erase one, then the other three");
    expect(!store.get(plugin, cursor) && store.list(plugin).entries.empty(), "nothing left");
}

} // namespace

int main() {
    try {
        fan_out_events();
        plugin_state();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fanout_state: %s\n", e.what());
        return 1;
    }
    std::printf("\nfanout_state: ok\n");
    return 0;
}
