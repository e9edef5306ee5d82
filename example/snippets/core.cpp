//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The code the documentation quotes about the outbox, SQLite, operations, plugin state, fan-out and
// the policy concepts. Each `//[name` ... `//]` region is a block of README.md or doc/**/*.md (the
// doc_snippets test keeps them equal). Every function here runs from main.cpp, in a temporary
// folder that is the current directory, so the relative file names of the docs work as written.
//
// Some regions show the `#include` lines a reader needs. They are repeated inside the functions on
// purpose: this file includes every header at the top first, so their include guards make the
// repeated lines empty.

#include "snippets.hpp"

#include <hookbox.hpp>
#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/dispatch/wakeup.hpp>
#include <hookbox/fanout/auto_enqueuer.hpp>
#include <hookbox/observe/metrics.hpp>
#include <hookbox/retention/retention_sweeper.hpp>
#include <hookbox/sqlite_outbox.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/mpl/list.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using hookbox::sqlite_outbox;

namespace {

using snippets::check;

// ----- README.md -----------------------------------------------------------------------------------

void readme_five_lines() {
    //[readme_five_lines
    #include <hookbox.hpp>

    hookbox::outbox outbox;                                   // in memory; 8 partitions
    auto id = outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-42", .event_type = "order.created",
                              .url = "https://receiver.example/hooks",
                              .payload = hookbox::payload::parse(R"({"order":42})")}).id;
    for (auto& d : outbox.claim({.node_id = "node-a", .limit = 32}))
        outbox.ack(d, {.outcome = hookbox::attempt_outcome::success, .http_status = 200});
    //]
    check(outbox.get(id)->status == hookbox::delivery_status::success, "five lines: the delivery succeeded");
}

void readme_sqlite() {
    //[readme_sqlite
    #include <hookbox/sqlite_outbox.hpp>   // link hookbox::sqlite

    hookbox::sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = "deliveries.sqlite"})));
    //]
    auto r = outbox.enqueue({.webhook_id = "wh-1", .event_id = "readme", .event_type = "order.created",
                             .url = "https://receiver.example/hooks"});
    check(outbox.get(r.id).has_value(), "README SQLite outbox: the row is stored");
}

// ----- doc/outbox.md -------------------------------------------------------------------------------

void outbox_construct() {
    //[outbox_construct
    hookbox::outbox outbox({.partition_count = 8});
    //]
    check(outbox.params().partition_count == 8, "outbox: 8 partitions");
}

int pages = 0;

void page_someone(const hookbox::delivery_id&, const std::string& error) {
    if (!error.empty())
        ++pages;
}

void outbox_observer() {
    //[outbox_observer
    struct dead_letter_alarm {
        void on_dead(const hookbox::delivery_id& id, const hookbox::attempt_result& r) { page_someone(id, r.error); }
    };
    hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock, hookbox::fnv1a_partition_hasher,
                          dead_letter_alarm> outbox;
    //]
    outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-1", .event_type = "order.created",
                    .url = "https://receiver.example/hooks"});
    for (auto& d : outbox.claim({.node_id = "node-a"}))
        outbox.ack(d, {.outcome = hookbox::attempt_outcome::dead, .http_status = 410, .error = "HTTP 410"});
    check(pages == 1, "outbox observer: on_dead was called once");
}

// ----- doc/concepts/data_engine.md -----------------------------------------------------------------

void data_engine_schema_steps() {
    using namespace hookbox::engine;
    //[data_engine_schema_steps
    // Version 1: jobs, with a partial index that holds only the open ones, in order.
    table_def jobs{
        .name = "jobs",
        .columns = {{.name = "seq", .type = column_type::integer, .nullable = false, .auto_increment = true},
                    {.name = "state", .type = column_type::text, .nullable = false, .default_value = "open"},
                    {.name = "body", .type = column_type::text}},
        .primary_key = "seq",
        .indexes = {{.name = "jobs_open", .columns = {"seq"}, .where = col("state") == "open"}}};
    // Version 2 moves the bodies to a table of their own, in the same transaction.
    table_def bodies{.name = "job_bodies",
                     .columns = {{.name = "seq", .type = column_type::integer, .nullable = false},
                                 {.name = "body", .type = column_type::text}},
                     .primary_key = "seq"};
    schema_plan plan{.name = "app.jobs",
                     .migrations = {{1, "jobs", {create_table{jobs}}},
                                    {2, "bodies apart",
                                     {create_table{bodies}, copy_rows{"jobs", "job_bodies", {"seq", "body"}},
                                      drop_column{"jobs", "body"}}}}};
    //]
    memory_engine e;
    e.migrate(plan, 1);
    e.insert("jobs", {{"body", "a"}});
    e.insert("jobs", {{"state", "done"}, {"body", "b"}});
    check(e.migrate(plan) == 2, "schema steps: the plan reaches version 2");
    check(e.count("job_bodies", filter::all()) == 2, "schema steps: both bodies were copied");
    check(e.count("jobs", col("state") == "open") == 1, "schema steps: the partial index finds the open job");
}

void data_engine_transaction() {
    using namespace hookbox::engine;
    memory_engine e;
    table_def notes{.name = "notes",
                    .columns = {{.name = "id", .type = column_type::integer, .nullable = false, .auto_increment = true},
                                {.name = "text", .type = column_type::text}},
                    .primary_key = "id"};
    e.migrate(schema_plan{.name = "app.notes", .migrations = {{1, "notes", {create_table{notes}}}}});
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    //[data_engine_transaction
    auto tx = e.begin(ec, diag);                   // the engine's connection, to this transaction only
    if (ec)
        return;                                    // storage_busy: another transaction kept it too long
    tx.insert("notes", {{"text", "first"}}, ec, diag);
    if (!ec)
        tx.insert("notes", {{"text", "second"}}, ec, diag);
    if (!ec)
        tx.commit(ec, diag);                       // both rows, or (leaving the scope) neither
    //]
    check(!ec && e.count("notes", filter::all()) == 2, "data engine: the transaction committed both rows");
}

// ----- doc/engines.md ------------------------------------------------------------------------------

void engines_sqlite_outbox() {
    //[engines_sqlite_outbox
    #include <hookbox/sqlite_outbox.hpp>

    hookbox::engine::sqlite_params db{.path = "deliveries.sqlite"};   // WAL, synchronous=NORMAL, 5 s busy timeout
    hookbox::sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine(db)));
    //]
    check(outbox.stats().total() >= 1, "engines: the file written by the README block opens again");
}

std::size_t count_orders(sqlite3* db) {
    std::size_t n = 0;
    sqlite3_exec(
        db, "SELECT count(*) FROM orders",
        [](void* out, int, char** values, char**) {
            *static_cast<std::size_t*>(out) = std::stoul(values[0]);
            return 0;
        },
        &n, nullptr);
    return n;
}

void engines_in_your_transaction(sqlite3* app) {
    //[engines_in_your_transaction
    // `app` is your own connection (a sqlite3*), on the file that holds your tables.
    sqlite_outbox in_tx({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine::attach(app)));

    sqlite3_exec(app, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_exec(app, "INSERT INTO orders (id, total) VALUES (42, 100)", nullptr, nullptr, nullptr);
    in_tx.enqueue({.webhook_id = "wh-1", .event_id = "order-42", .event_type = "order.created",
                   .url = "https://receiver.example/hooks"});
    sqlite3_exec(app, "COMMIT", nullptr, nullptr, nullptr);   // or ROLLBACK: neither row remains
    //]
    check(count_orders(app) == 1, "in your transaction: the order is committed");
    check(in_tx.list({.webhook_id = "wh-1"}).items.size() == 1, "in your transaction: the delivery is committed");
}

void engines_in_your_transaction() {
    sqlite3* app = nullptr;
    check(sqlite3_open("shop.sqlite", &app) == SQLITE_OK, "in your transaction: open the application's file");
    sqlite3_exec(app, "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER)", nullptr, nullptr, nullptr);
    engines_in_your_transaction(app);   // the attached engine is gone before the connection closes
    sqlite3_close(app);
}

// ----- doc/operations.md ---------------------------------------------------------------------------

using manual_outbox = hookbox::basic_outbox<hookbox::memory_storage, hookbox::manual_clock>;

void fail_all(manual_outbox& outbox, hookbox::attempt_outcome outcome) {
    for (auto& d : outbox.claim({.node_id = "node-a", .limit = 100}))
        outbox.ack(d, {.outcome = outcome, .http_status = 503, .error = "HTTP 503"});
}

void operations_replay() {
    hookbox::manual_clock clock;
    manual_outbox outbox({}, {}, clock);
    hookbox::timestamp outage_start = hookbox::now_ms(clock);
    for (const char* event : {"evt-1", "evt-2"})
        outbox.enqueue({.webhook_id = "wh-42", .event_id = event, .event_type = "order.created",
                        .url = "https://receiver.example/hooks"});
    fail_all(outbox, hookbox::attempt_outcome::dead);
    clock.advance(std::chrono::minutes(5));

    //[operations_replay
    hookbox::delivery_filter f;
    f.webhook_id = "wh-42";
    f.status = hookbox::delivery_status::dead;
    f.created_from = outage_start;
    f.updated_before = hookbox::now_ms(clock);     // only rows that had finished when we started
    std::size_t n = outbox.replay(f);
    //]
    check(n == 2, "replay: both dead rows go back to pending");
    check(outbox.stats().count(hookbox::delivery_status::pending) == 2, "replay: two pending rows");
}

void operations_release() {
    hookbox::manual_clock clock;
    manual_outbox outbox({}, {}, clock);
    outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-1", .event_type = "order.created",
                    .url = "https://receiver.example/hooks"});
    auto not_now = outbox.claim({.node_id = "node-a"});
    hookbox::timestamp breaker_reopens_at = hookbox::now_ms(clock) + std::chrono::seconds(30);

    //[operations_release
    std::vector<hookbox::claim_ref> refs;
    for (const auto& d : not_now)
        refs.push_back(hookbox::claim_ref::for_claimed(d));
    hookbox::release_request r;
    r.status = hookbox::delivery_status::pending;
    r.next_retry_at = breaker_reopens_at;          // unset: claimable at once
    r.error = "circuit open";                      // unset: the row keeps its error
    auto errors = outbox.release(refs, r);         // one error_code per ref
    //]
    check(errors.size() == 1 && !errors[0], "release: the claim is given back");
    check(outbox.claim({.node_id = "node-a"}).empty(), "release: not claimable before next_retry_at");
    clock.advance(std::chrono::seconds(30));
    check(outbox.claim({.node_id = "node-a"}).size() == 1, "release: claimable again at next_retry_at");
}

void operations_retention() {
    boost::asio::io_context ioc;
    sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = "retention.sqlite"})));

    //[operations_retention
    #include <hookbox/retention/retention_sweeper.hpp>

    hookbox::retention_sweeper<sqlite_outbox> sweeper(ioc.get_executor(), outbox, {.success_ttl = std::chrono::days(3)});
    sweeper.async_run([](hookbox::error_code) { /* operation_aborted after cancel() */ });
    // ...
    sweeper.cancel();
    //]
    ioc.run_for(std::chrono::seconds(10));
    check(ioc.stopped(), "retention: async_run completed after cancel()");
}

// ----- doc/state.md --------------------------------------------------------------------------------

void state_example() {
    //[state_example
    #include <hookbox/engine/sqlite_engine.hpp>
    #include <hookbox/state/state_store.hpp>
    #include <iostream>

    using state_store = hookbox::basic_state_store<hookbox::engine::sqlite_engine>;

    state_store store(hookbox::engine::sqlite_engine({.path = "state.sqlite"}));

    // One value for the whole installation, and one per company.
    hookbox::state_key last_sync{.key = "last-sync"};
    hookbox::state_key quota{.kind = hookbox::scope_kind::company, .scope_id = "company-1", .key = "quota"};

    store.set("my-plugin", last_sync, "2026-01-01T00:00:00Z");
    auto e = store.set("my-plugin", quota, {{"limit", 100}, {"used", 0}});   // e.version == 1

    // Read, change, write back only if nobody wrote in between.
    if (auto cur = store.get("my-plugin", quota)) {
        auto v = cur->value;
        v.as_object()["used"] = 1;
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        store.compare_and_set("my-plugin", quota, v, cur->version, ec, diag);
        if (ec == hookbox::errc::version_conflict) {
            // another writer won: read again and retry
        }
    }

    // Every company entry whose key starts with "quo", 50 at a time.
    hookbox::state_list_options opts{.kind = hookbox::scope_kind::company, .key_prefix = "quo", .limit = 50};
    for (;;) {
        auto page = store.list("my-plugin", opts);
        for (const auto& entry : page.entries)
            std::cout << entry.key.scope_id << " " << entry.key.key << " = " << entry.value << "\n";
        if (!page.has_more)
            break;
        opts.after = page.entries.back().key;
    }

    store.erase("my-plugin", last_sync);   // true: it existed
    store.erase_all("my-plugin");          // the plugin is uninstalled
    //]
    check(e.version == 1, "state: a new entry starts at version 1");
    check(store.list("my-plugin").entries.empty(), "state: erase_all removed every entry");
}

// doc/state.md shows `state_key` as declared in <hookbox/state/state_store.hpp>; this copy is
// checked against the real one below, member by member.
namespace mirror {
using hookbox::scope_kind;
//[state_key
struct state_key {
    scope_kind kind = scope_kind::instance;
    std::string scope_id;               // empty for instance scope, required for every other kind
    std::string name_space = "default";
    std::string key;
};
//]
}  // namespace mirror

static_assert(std::is_same_v<decltype(mirror::state_key::kind), decltype(hookbox::state_key::kind)>);
static_assert(std::is_same_v<decltype(mirror::state_key::scope_id), decltype(hookbox::state_key::scope_id)>);
static_assert(std::is_same_v<decltype(mirror::state_key::name_space), decltype(hookbox::state_key::name_space)>);
static_assert(std::is_same_v<decltype(mirror::state_key::key), decltype(hookbox::state_key::key)>);
static_assert(sizeof(mirror::state_key) == sizeof(hookbox::state_key));

void state_key_defaults() {
    mirror::state_key m;
    hookbox::state_key k;
    check(m.kind == k.kind && m.scope_id == k.scope_id && m.name_space == k.name_space && m.key == k.key,
          "state: the documented state_key has the real defaults");
}

// ----- doc/fanout.md -------------------------------------------------------------------------------

void fanout_example() {
    //[fanout_example
    #include <hookbox/fanout/auto_enqueuer.hpp>
    #include <hookbox/sqlite_outbox.hpp>

    using sqlite = hookbox::engine::sqlite_engine;
    using subscriptions = hookbox::engine_subscriptions<sqlite>;

    boost::asio::io_context ioc;
    hookbox::engine::sqlite_params db{.path = "app.sqlite"};
    sqlite hooks(db);                                            // the sys_webhook table lives here
    hooks.migrate(hookbox::webhook_schema());
    hookbox::sqlite_outbox outbox({}, hookbox::sqlite_storage(sqlite(db)));   // the deliveries, same file

    hooks.insert("sys_webhook", hookbox::engine::record{
        {"id", "wh-1"}, {"name", "crm sync"}, {"object_name", "contact"}, {"triggers", "create,update"},
        {"url", "https://crm.example/hooks"},
        {"definition_json", R"({"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","headers":{"X-Team":"crm"}})"}});

    subscriptions source(hooks);
    hookbox::auto_enqueuer<hookbox::sqlite_outbox, subscriptions> fanout(
        ioc.get_executor(), outbox, source,                      // pass a thread_pool's executor too, for a busy database
        {.on_error = [](const hookbox::fanout_error& e) { std::cerr << e.webhook_name << ": " << e.message << '\n'; }});
    fanout.async_run(boost::asio::detached);                     // loads the subscriptions, then every minute

    fanout.publish({.type = "data.record.created",
                    .object = "contact",
                    .payload = boost::json::object{{"id", "c-1"}, {"name", "Alice"}},
                    .timestamp = "2026-05-24T00:00:00.000Z"});
    // -> one delivery for wh-1, event id "contact:c-1:created:2026-05-24T00:00:00.000Z"

    fanout.cancel();   // at shutdown: the run finishes the enqueues publish accepted, then completes
    ioc.run();
    //]

    // The same event, fanned out again inside a transaction: the same event id, so still one row.
    hookbox::data_event event{.type = "data.record.created",
                              .object = "contact",
                              .payload = boost::json::object{{"id", "c-1"}, {"name", "Alice"}},
                              .timestamp = "2026-05-24T00:00:00.000Z"};
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    sqlite3* app = nullptr;
    sqlite3_open("app.sqlite", &app);
    {
        //[fanout_in_transaction
        // Inside your transaction, on your own connection `app` (a sqlite3*) to the outbox's file: an
        // outbox attached to it enqueues as part of that transaction (see "Enqueue in your own
        // transaction" in engines.md).
        auto index = fanout.subscriptions();                 // or a subscription_index of your own
        hookbox::sqlite_outbox in_tx({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine::attach(app)));
        sqlite3_exec(app, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        /* ... your own change ... */
        in_tx.enqueue_many(hookbox::fan_out(event, *index), ec, diag);
        sqlite3_exec(app, ec ? "ROLLBACK" : "COMMIT", nullptr, nullptr, nullptr);   // no deliveries without it
        //]
    }
    sqlite3_close(app);
    check(!ec, "fan-out in a transaction: committed");
    check(fanout.stats().enqueued == 1, "fan-out: publish's enqueue finished before the run completed");
}

void fanout_check() {
    sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = "app.sqlite"})));
    auto page = outbox.list({.webhook_id = "wh-1"});
    check(page.items.size() == 1, "fan-out: one delivery for wh-1, from publish and fan_out together");
    check(page.items[0].event_id == "contact:c-1:created:2026-05-24T00:00:00.000Z", "fan-out: the event id");
    check(page.items[0].has_secret, "fan-out: the subscription's secret is kept");
}

//[subscription_source_exemplar
//[fixed_subscriptions
struct fixed_subscriptions {
    std::vector<hookbox::webhook_subscription> subs;
    std::vector<hookbox::webhook_subscription> load(hookbox::error_code& ec, hookbox::diagnostics&) {
        ec.clear();
        return subs;
    }
};
//]
static_assert(hookbox::subscription_source<fixed_subscriptions>);
//]

//[fanout_outbox_exemplar
// Collects the requests instead of storing them: what a fan-out would enqueue, for a test.
struct recording_outbox {
    std::mutex mutex;
    std::vector<hookbox::enqueue_request> requests;

    hookbox::enqueue_result enqueue(hookbox::enqueue_request r, hookbox::error_code& ec, hookbox::diagnostics&) {
        ec.clear();
        std::lock_guard lock(mutex);
        requests.push_back(std::move(r));
        return {.id = hookbox::delivery_id::generate(), .created = true};
    }
};
static_assert(hookbox::fanout_outbox<recording_outbox>);
//]

void fanout_exemplars() {
    boost::asio::io_context ioc;
    fixed_subscriptions source{{{.id = "wh-1", .object_name = "contact", .triggers = {"create"},
                                 .url = "https://crm.example/hooks"}}};
    recording_outbox outbox;
    {
        hookbox::auto_enqueuer<recording_outbox, fixed_subscriptions> fanout(ioc.get_executor(), outbox, source);
        fanout.async_run(boost::asio::detached);
        fanout.publish({.type = "data.record.created", .object = "contact",
                        .payload = boost::json::object{{"id", "c-1"}}, .timestamp = "2026-05-24T00:00:00.000Z"});
    }   // the destructor stops the run, which still loads the subscriptions for the event it holds
    ioc.run();   // returns once the run has enqueued it and completed
    check(outbox.requests.size() == 1, "fanout_outbox exemplar: one request recorded");
    check(outbox.requests[0].webhook_id == "wh-1", "fanout_outbox exemplar: for wh-1");
}

// ----- doc/concepts/*.md ---------------------------------------------------------------------------

//[clock_exemplar
struct utc_clock {
    using duration = std::chrono::milliseconds;
    using time_point = std::chrono::sys_time<duration>;
    time_point now() const { return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()); }
};
static_assert(hookbox::outbox_clock<utc_clock>);
//]

//[partition_hasher_exemplar
struct first_byte_hasher {
    int partition(std::string_view key, int count, hookbox::error_code& ec, hookbox::diagnostics&) const {
        ec.clear();
        return key.empty() ? 0 : static_cast<unsigned char>(key[0]) % count;
    }
};
static_assert(hookbox::partition_hasher<first_byte_hasher>);
//]

void concept_exemplars_run() {
    hookbox::basic_outbox<hookbox::memory_storage, utc_clock, first_byte_hasher> outbox;
    auto r = outbox.enqueue({.webhook_id = "a-webhook", .event_id = "evt-1", .event_type = "order.created",
                             .url = "https://receiver.example/hooks"});
    auto d = outbox.get(r.id);
    check(d && d->partition_key == 'a' % 8, "first_byte_hasher: partition of the first byte");
    check(d->created_at <= utc_clock().now(), "utc_clock: a Unix-epoch clock");
}

}  // namespace

// The contract suites are written for a factory type in namespace hookbox::test. These are the
// factories the concept pages show, compiled here over the engines hookbox ships (`my_storage`,
// `my_engine` stand for yours); the suites themselves build in test/contract/.
using my_storage = hookbox::memory_storage;
using my_engine = hookbox::engine::memory_engine;
static_assert(hookbox::outbox_storage<my_storage>);
static_assert(hookbox::engine::data_engine<my_engine>);

//[outbox_storage_factory
namespace hookbox::test {
struct my_storage_factory {
    using storage_type = my_storage;
    static constexpr const char* name = "my_storage";
    my_storage make() { return my_storage(/* a fresh, empty store */); }
};
using outbox_contract_factories = boost::mpl::list<my_storage_factory>;
}  // namespace hookbox::test
//]

//[data_engine_factory
namespace hookbox::test {
struct my_engine_factory {
    using engine_type = my_engine;
    static constexpr const char* name = "my_engine";
    my_engine make() { return my_engine(/* a fresh, empty store */); }
    my_engine make_impatient() { return my_engine(/* one that does not wait for a held connection */); }
};
using data_engine_factories = boost::mpl::list<my_engine_factory>;
}  // namespace hookbox::test
//]

//[observer_exemplar
// Counts what the outbox does, for a metrics endpoint. The hooks may run on several threads at once.
struct delivery_counters {
    std::atomic<std::uint64_t> enqueued{0}, deduplicated{0}, claimed{0}, attempts{0}, dead{0};
};

struct metrics_observer {
    std::shared_ptr<delivery_counters> counters = std::make_shared<delivery_counters>();

    void on_enqueue(const hookbox::enqueue_result& r) { ++(r.created ? counters->enqueued : counters->deduplicated); }
    void on_claim(std::span<const hookbox::delivery> rows) { counters->claimed += rows.size(); }
    void on_attempt(const hookbox::delivery_id&, const hookbox::attempt_result&) { ++counters->attempts; }
    void on_dead(const hookbox::delivery_id&, const hookbox::attempt_result&) { ++counters->dead; }
};

// A hook whose signature does not match is silently not called: check the ones you rely on.
static_assert(requires(metrics_observer& o, const hookbox::delivery_id& id, const hookbox::attempt_result& r) {
    o.on_attempt(id, r);
    o.on_dead(id, r);
});

using observed_outbox = hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock,
                                              hookbox::fnv1a_partition_hasher, metrics_observer>;
//]

namespace {

void observer_exemplar_run() {
    //[observer_exemplar_use
    metrics_observer metrics;
    auto counters = metrics.counters;              // keep a handle: the outbox holds its own copy
    observed_outbox outbox({}, {}, {}, {}, metrics);
    //]
    for (int i = 0; i < 2; ++i)
        outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-1", .event_type = "order.created",
                        .url = "https://receiver.example/hooks"});
    for (auto& d : outbox.claim({.node_id = "node-a"}))
        outbox.ack(d, {.outcome = hookbox::attempt_outcome::dead, .http_status = 400, .error = "HTTP 400"});
    check(counters->enqueued == 1 && counters->deduplicated == 1, "observer: one stored, one deduplicated");
    check(counters->claimed == 1 && counters->attempts == 1 && counters->dead == 1, "observer: claim, attempt, dead");
}

void observability_metrics() {
    //[observability_metrics
    #include <hookbox/observe/metrics.hpp>

    // One registry for the process. The outbox's observer feeds it; the dispatcher and the retention
    // sweeper tell the outbox's observer, so they feed it too.
    hookbox::metrics_registry metrics;
    using metered_outbox = hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock,
                                                 hookbox::fnv1a_partition_hasher, hookbox::metrics_observer>;
    metered_outbox outbox({}, {}, {}, {}, hookbox::metrics_observer(metrics));

    // What GET /metrics answers: the queue per partition sampled now, then every family.
    std::string body;
    metrics.scrape(outbox, body);
    //]
    check(body.find("hookbox_queue_depth{partition=\"7\"} 0\n") != std::string::npos, "metrics: 8 partitions");
    outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-1", .event_type = "order.created",
                    .url = "https://receiver.example/hooks"});
    body.clear();
    metrics.scrape(outbox, body);
    check(body.find("hookbox_enqueued_total{result=\"created\"} 1\n") != std::string::npos, "metrics: enqueue");
}

//[observability_combined
// The metrics beside another observer: derive from both, and forward each hook they both define.
struct service_observer : hookbox::metrics_observer, hookbox::notify_on_enqueue {
    void on_enqueue(const hookbox::enqueue_result& r) const noexcept {
        metrics_observer::on_enqueue(r);
        notify_on_enqueue::on_enqueue(r);
    }
};
//]

void observability_combined() {
    hookbox::metrics_registry metrics;
    auto wake = std::make_shared<hookbox::wakeup>();
    int woken = 0;
    wake->subscribe([&woken] { ++woken; });
    hookbox::basic_outbox<hookbox::memory_storage, std::chrono::system_clock, hookbox::fnv1a_partition_hasher,
                          service_observer>
        outbox({}, {}, {}, {}, service_observer{hookbox::metrics_observer(metrics), {wake}});
    outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-1", .event_type = "order.created",
                    .url = "https://receiver.example/hooks"});
    check(woken == 1, "combined observer: woken");
    check(metrics.to_prometheus().find("hookbox_enqueued_total{result=\"created\"} 1\n") != std::string::npos,
          "combined observer: counted");
}

}  // namespace

namespace snippets {

void run_core() {
    readme_five_lines();
    readme_sqlite();
    outbox_construct();
    outbox_observer();
    data_engine_schema_steps();
    data_engine_transaction();
    engines_sqlite_outbox();
    engines_in_your_transaction();
    operations_replay();
    operations_release();
    operations_retention();
    state_example();
    state_key_defaults();
    fanout_example();
    fanout_check();
    fanout_exemplars();
    concept_exemplars_run();
    observer_exemplar_run();
    observability_metrics();
    observability_combined();
}

}  // namespace snippets
