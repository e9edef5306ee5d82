//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox contract suite over the storages on data engines: engine_storage on memory_engine and on
// sqlite_engine (the generic statements), and sql_storage on sqlite_engine with a file and with
// :memory: (SQLite's dialect).
// Then the retention suite over the same storages, the fault-injection suite over a SQLite file, and
// what only an engine-backed storage has: corrupt rows, the unique-index fallback of enqueue, and
// migration from an older table.

#include "common/hooked_engine.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/storage/engine_storage.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/mpl/list.hpp>

namespace hookbox::test {

struct memory_engine_storage_factory {
    using engine_type = engine::memory_engine;
    using storage_type = engine_storage<engine_type>;
    static constexpr const char* name = "engine_storage<memory_engine>";
    engine_type make_engine() { return engine_type(); }
    storage_type make() { return storage_type(make_engine()); }
};

struct sqlite_file_storage_factory {
    using engine_type = engine::sqlite_engine;
    using storage_type = sql_storage<engine_type>;
    static constexpr const char* name = "sql_storage<sqlite_engine> (file)";
    engine_type make_engine() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("outbox");
        return engine_type(p);
    }
    storage_type make() { return storage_type(make_engine()); }
};

struct sqlite_memory_storage_factory {
    using engine_type = engine::sqlite_engine;
    using storage_type = sql_storage<engine_type>;
    static constexpr const char* name = "sql_storage<sqlite_engine> (:memory:)";
    engine_type make_engine() { return engine_type(engine::sqlite_params{}); }
    storage_type make() { return storage_type(make_engine()); }
};

struct sqlite_generic_storage_factory {
    using engine_type = engine::sqlite_engine;
    using storage_type = engine_storage<engine_type>;
    static constexpr const char* name = "engine_storage<sqlite_engine> (file, generic statements)";
    engine_type make_engine() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("generic");
        return engine_type(p);
    }
    storage_type make() { return storage_type(make_engine()); }
};

static_assert(outbox_storage<engine_storage<engine::memory_engine>>);
static_assert(outbox_storage<engine_storage<engine::sqlite_engine>>);
static_assert(outbox_storage<sql_storage<engine::sqlite_engine>>);
// Their list applies the event and creation-time filters in its query.
static_assert(detail::storage_lists_by_event_and_time<engine_storage<engine::memory_engine>>);
static_assert(detail::storage_lists_by_event_and_time<sql_storage<engine::sqlite_engine>>);
static_assert(engine::sql_engine<engine::sqlite_engine>);
static_assert(!engine::sql_engine<engine::memory_engine>);

using outbox_contract_factories =
    boost::mpl::list<memory_engine_storage_factory, sqlite_file_storage_factory, sqlite_memory_storage_factory, sqlite_generic_storage_factory>;

// sql_storage on a file, for the fault-injection suite, which makes a fresh file for each of its two
// hundred runs: faults are injected between the outbox and the storage, so the file's durability is
// not what is tested, and syncs and a checkpoint thread per file would only make the runs slower.
struct sqlite_unsynced_file_storage_factory {
    using engine_type = engine::sqlite_engine;
    using storage_type = sql_storage<engine_type>;
    static constexpr const char* name = "sql_storage<sqlite_engine> (file, synchronous = off)";
    engine_type make_engine() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("faults");
        p.synchronous = engine::sqlite_params::sync_mode::off;
        p.background_checkpoint = false;
        return engine_type(p);
    }
    storage_type make() { return storage_type(make_engine()); }
};

using fault_injection_factories = boost::mpl::list<sqlite_unsynced_file_storage_factory>;

}  // namespace hookbox::test

// The suite is named outbox_contract in the storage-level test binary; here it runs as part of
// engine_storage_contract.
#define outbox_contract engine_storage_contract
#include "contract/outbox_contract_cases.hpp"
#undef outbox_contract
#include "contract/retention_cases.hpp"
#include "contract/fault_injection_cases.hpp"
#include "contract/trace_migration.hpp"

namespace hookbox::test {

namespace {

using namespace contract_detail;
using std::chrono::milliseconds;

static_assert(engine::data_engine<hooked_engine<engine::memory_engine>>);

template <class Factory>
struct engine_fixture {
    using storage_type = typename Factory::storage_type;
    using outbox_type = basic_outbox<storage_type, manual_clock>;
    Factory factory;
    manual_clock clock;
};

// Reads columns straight from the engine, bypassing the outbox's decoding.
template <class Engine>
engine::record raw_row(Engine& e, const delivery_id& id, std::vector<std::string> fields) {
    engine::find_options fo;
    fo.where = engine::col("id") == id.to_string();
    fo.fields = std::move(fields);
    auto r = e.find_one("sys_webhook_delivery", fo);
    BOOST_REQUIRE_MESSAGE(r.has_value(), "row " << id << " is missing");
    return *r;
}

using engine_factories = boost::mpl::list<memory_engine_storage_factory, sqlite_file_storage_factory, sqlite_generic_storage_factory>;

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_storage_contract)

BOOST_FIXTURE_TEST_CASE_TEMPLATE(corrupt_payload_is_an_error_for_its_row_and_claim_buries_it, Factory,
                                 engine_factories, engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, this->factory.make(), this->clock);
    delivery_id id1 = ob.enqueue(make_request("wh-1", "evt-1")).id;
    delivery_id id2 = ob.enqueue(make_request("wh-1", "evt-2")).id;
    delivery_id id3 = ob.enqueue(make_request("wh-1", "evt-3")).id;
    auto& eng = ob.storage().engine();
    // The payload lives in the payload table (schema version 5), by the row's seq.
    const auto seq2 = raw_row(eng, id2, {"seq"})["seq"].as_integer();
    BOOST_TEST(eng.update("sys_webhook_delivery_payload", engine::col("seq") == seq2,
                          {engine::set("payload_json", engine::value::json("{\"broken\":"))}) == 1u);

    error_code ec;
    diagnostics diag;
    auto got = ob.get(id2, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    BOOST_TEST(diag.field() == "payload_json");
    BOOST_TEST(diag.message().find(id2.to_string()) != std::string::npos, diag.message());
    BOOST_TEST(!got.has_value());
    (void)ob.list({}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));

    // The claim takes the rows around it and marks the corrupt one dead, with the reason.
    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == id1);
    BOOST_TEST(claimed[1].id == id3);
    auto r = raw_row(eng, id2, {"status", "error"});
    BOOST_TEST(r["status"].as_text() == "dead");
    BOOST_TEST_REQUIRE(!r["error"].is_null());
    BOOST_TEST(r["error"].as_text().find("payload_json") != std::string::npos, r["error"].as_text());
    BOOST_TEST(ob.claim(claim_opts("node-A", 10)).empty());
    // Nothing else was touched.
    ob.ack(claimed[0], success_result());
    BOOST_TEST(get_row(ob, id1).status == delivery_status::success);
}

// A row whose payload row is gone is a corrupt row like any other: reads name it, a claim buries it.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_row_without_its_payload_is_corrupt_and_claim_buries_it, Factory,
                                 engine_factories, engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, this->factory.make(), this->clock);
    delivery_id id1 = ob.enqueue(make_request("wh-1", "evt-1")).id;
    delivery_id id2 = ob.enqueue(make_request("wh-1", "evt-2")).id;
    delivery_id id3 = ob.enqueue(make_request("wh-1", "evt-3")).id;
    auto& eng = ob.storage().engine();
    BOOST_TEST(eng.count("sys_webhook_delivery_payload", engine::filter::all()) == 3u);
    const auto seq2 = raw_row(eng, id2, {"seq"})["seq"].as_integer();
    BOOST_TEST(eng.remove("sys_webhook_delivery_payload", engine::col("seq") == seq2) == 1u);

    error_code ec;
    diagnostics diag;
    BOOST_TEST(!ob.get(id2, ec, diag).has_value());
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    BOOST_TEST(diag.field() == "payload_json");
    BOOST_TEST(diag.message().find(id2.to_string()) != std::string::npos, diag.message());
    BOOST_TEST(diag.message().find("sys_webhook_delivery_payload") != std::string::npos, diag.message());
    (void)ob.list({}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    BOOST_TEST(get_row(ob, id1).payload.body() == make_request("wh-1", "evt-1").payload.body());

    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == id1);
    BOOST_TEST(claimed[1].id == id3);
    BOOST_TEST(claimed[1].payload.body() == make_request("wh-1", "evt-3").payload.body());
    auto r = raw_row(eng, id2, {"status", "error"});
    BOOST_TEST(r["status"].as_text() == "dead");
    BOOST_TEST_REQUIRE(!r["error"].is_null());
    BOOST_TEST(r["error"].as_text().find("sys_webhook_delivery_payload") != std::string::npos,
               r["error"].as_text());
    // The buried row can still be purged; the others keep their payloads.
    BOOST_TEST(ob.purge(by_status(delivery_status::dead)) == 1u);
    BOOST_TEST(eng.count("sys_webhook_delivery_payload", engine::filter::all()) == 2u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(corrupt_headers_are_an_error_for_their_row, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, this->factory.make(), this->clock);
    delivery_id id = ob.enqueue(make_request("wh-1", "evt-1")).id;
    auto& eng = ob.storage().engine();
    eng.update("sys_webhook_delivery", engine::col("id") == id.to_string(),
               {engine::set("headers_json", engine::value::json("[[\"X-A\"]]"))});
    error_code ec;
    diagnostics diag;
    (void)ob.get(id, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    BOOST_TEST(diag.field() == "headers_json");
}

// A column changed by hand to a value no storage writes (a negative attempt count, a response code
// that is not an HTTP status, a time before 1970) makes the row corrupt like JSON that does not
// parse: get and list fail naming the column and the rule, and a claim buries the row (dead, with the
// reason) instead of handing it out, and goes on with the others. On SQLite the row is changed with SQL.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_column_out_of_its_range_makes_the_row_corrupt, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    struct corrupt_case {
        const char* column;
        engine::value bad;
        const char* rule;
    };
    const corrupt_case cases[] = {
        {"attempts", engine::value(std::int64_t(-1)), "must be in 0..2147483647 (got -1)"},
        {"attempts", engine::value(std::int64_t(1) << 31), "must be in 0..2147483647 (got 2147483648)"},
        {"timeout_ms", engine::value(std::int64_t(0)), "must be greater than 0 (got 0)"},
        {"response_code", engine::value(std::int64_t(42)), "must be an HTTP status in 100..599 (got 42)"},
        {"duration_ms", engine::value(std::int64_t(-5)), "must not be negative (got -5)"},
        {"created_at", engine::value(std::int64_t(-1)), "must be a time in 0..253402300799999 ms"},
        {"next_retry_at", engine::value(std::int64_t(-1000)), "must be a time in 0..253402300799999 ms"},
        {"last_attempted_at", engine::value(std::int64_t(253402300800000)),
         "must be a time in 0..253402300799999 ms"},
        {"partition_key", engine::value(std::int64_t(-1)), "must be in 0..2147483647 (got -1)"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.column << " = " << tc.bad.as_integer()) {
            typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, this->factory.make(), this->clock);
            delivery_id id1 = ob.enqueue(make_request("wh-1", "evt-1")).id;
            delivery_id id2 = ob.enqueue(make_request("wh-1", "evt-2")).id;
            delivery_id id3 = ob.enqueue(make_request("wh-1", "evt-3")).id;
            auto& eng = ob.storage().engine();
            if constexpr (engine::sql_engine<typename Factory::engine_type>) {
                const std::array<engine::value, 2> params{tc.bad, engine::value(id2.to_string())};
                BOOST_TEST(eng.query("UPDATE sys_webhook_delivery SET " + std::string(tc.column) +
                                         " = ?1 WHERE id = ?2",
                                     params) == 1u);
            } else {
                BOOST_TEST(eng.update("sys_webhook_delivery", engine::col("id") == id2.to_string(),
                                      {engine::set(tc.column, tc.bad)}) == 1u);
            }

            error_code ec;
            diagnostics diag;
            BOOST_TEST(!ob.get(id2, ec, diag).has_value());
            BOOST_TEST(ec == make_error_code(errc::corrupt_row));
            BOOST_TEST(diag.field() == tc.column);
            BOOST_TEST(diag.message().find(id2.to_string()) != std::string::npos, diag.message());
            BOOST_TEST(diag.message().find(std::string("column ") + tc.column + ": " + tc.rule) != std::string::npos,
                       diag.message());
            (void)ob.list({}, ec, diag);
            BOOST_TEST(ec == make_error_code(errc::corrupt_row));
            BOOST_TEST(diag.field() == tc.column);
            BOOST_TEST(get_row(ob, id1).status == delivery_status::pending);

            // The others are claimed; the corrupt row is neither handed out nor lost.
            auto claimed = ob.claim(claim_opts("node-A", 10));
            BOOST_TEST_REQUIRE(claimed.size() == 2u);
            BOOST_TEST(claimed[0].id == id1);
            BOOST_TEST(claimed[1].id == id3);
            BOOST_TEST(ob.claim(claim_opts("node-A", 10)).empty());
            auto r = raw_row(eng, id2, {"status", "error", "attempts"});
            BOOST_TEST(r["status"].as_text() == "dead");
            BOOST_TEST_REQUIRE(!r["error"].is_null());
            BOOST_TEST(r["error"].as_text().find(std::string("column ") + tc.column + ": " + tc.rule) !=
                           std::string::npos,
                       r["error"].as_text());
            if (std::string_view(tc.column) == "attempts")
                BOOST_TEST(r["attempts"].as_integer() == tc.bad.as_integer());
            ob.ack(claimed[0], success_result());
            BOOST_TEST(get_row(ob, id1).status == delivery_status::success);
        }
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_falls_back_to_the_unique_index_when_it_loses_a_race, Factory,
                                 engine_factories, engine_fixture<Factory>) {
    using engine_type = hooked_engine<typename Factory::engine_type>;
    engine_type eng(this->factory.make_engine());
    auto hooks = eng.hooks_;
    basic_outbox<engine_storage<engine_type>, manual_clock> ob(outbox_params{}, engine_storage<engine_type>(std::move(eng)),
                                                               this->clock);
    auto first = ob.enqueue(make_request("wh-1", "evt-1"));
    BOOST_TEST(first.created);
    // The lookup of the second enqueue misses the row, as if the first had not committed yet; the
    // insert then hits the unique index, and the second lookup finds the winner.
    hooks->misses = 1;
    auto second = ob.enqueue(make_request("wh-1", "evt-1"));
    BOOST_TEST(hooks->misses == 0);
    BOOST_TEST(!second.created);
    BOOST_TEST(second.id == first.id);
    BOOST_TEST(ob.list().items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_at_version_1_is_migrated_and_its_rows_delivered, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    auto eng = this->factory.make_engine();
    BOOST_TEST(eng.migrate(delivery_schema(), 1) == 1);
    // A row as version 1 stored it: no claim_token, duration_ms or payload_raw columns.
    delivery_id id = delivery_id::generate();
    eng.insert("sys_webhook_delivery",
               engine::record{{"id", id.to_string()},
                              {"webhook_id", "wh-1"},
                              {"event_id", "evt-1"},
                              {"event_type", "order.created"},
                              {"url", "https://receiver.example/hook"},
                              {"method", "POST"},
                              {"payload_json", engine::value::json(R"({"n": 1})")},
                              {"partition_key", hash_partition("wh-1", 8)},
                              {"created_at", std::int64_t(1000)},
                              {"updated_at", std::int64_t(1000)}});
    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, typename Factory::storage_type(std::move(eng)),
                                                     this->clock);
    BOOST_TEST(ob.storage().engine().schema_version("hookbox.sys_webhook_delivery") == delivery_schema().latest());
    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == id);
    BOOST_TEST(claimed[0].payload.body() == R"({"n": 1})");
    BOOST_TEST(claimed[0].claim_token != 0u);
    ob.ack(claimed[0], success_result());
    auto d = get_row(ob, id);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.last_duration == std::optional<milliseconds>(milliseconds(42)));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_at_version_2_gains_the_attempt_history_and_keeps_its_rows, Factory,
                                 engine_factories, engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto eng = this->factory.make_engine();
    BOOST_TEST(eng.migrate(delivery_schema(), 2) == 2);
    engine::find_options probe;
    probe.fields = {"seq"};
    error_code ec;
    diagnostics diag;
    (void)eng.find("sys_webhook_delivery_attempt", probe, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::schema_error));  // no history table yet
    // Rows as version 2 stored them: one delivered twice over, one waiting.
    auto stored = [](const delivery_id& id, const char* event, const char* status, int attempts) {
        return engine::record{{"id", id.to_string()},
                              {"webhook_id", "wh-1"},
                              {"event_id", event},
                              {"event_type", "order.created"},
                              {"url", "https://receiver.example/hook"},
                              {"method", "POST"},
                              {"payload_json", engine::value::json(R"({"n": 1})")},
                              {"partition_key", hash_partition("wh-1", 8)},
                              {"status", status},
                              {"attempts", attempts},
                              {"claim_token", 0},
                              {"created_at", std::int64_t(1000)},
                              {"updated_at", std::int64_t(2000)}};
    };
    delivery_id done = delivery_id::generate();
    delivery_id waiting = delivery_id::generate();
    eng.insert("sys_webhook_delivery", stored(done, "evt-1", "success", 2));
    eng.insert("sys_webhook_delivery", stored(waiting, "evt-2", "pending", 0));

    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, typename Factory::storage_type(std::move(eng)),
                                                     this->clock);
    BOOST_TEST(ob.storage().engine().schema_version("hookbox.sys_webhook_delivery") == delivery_schema().latest());
    // The rows are kept as they were; their history starts now.
    delivery d = get_row(ob, done);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.attempts == 2);
    BOOST_TEST(ob.attempts(done).empty());
    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == waiting);
    ob.ack(claimed[0], success_result());
    auto h = ob.attempts(waiting);
    BOOST_TEST_REQUIRE(h.size() == 1u);
    BOOST_TEST(h[0].number == 1);
    BOOST_TEST(h[0].outcome == delivery_status::success);
    BOOST_TEST(ob.storage().engine().count("sys_webhook_delivery_attempt", engine::filter::all()) == 1u);
    // And an old row can be purged.
    BOOST_TEST(ob.purge(by_status(delivery_status::success)) == 2u);
    BOOST_TEST(ob.storage().engine().count("sys_webhook_delivery_attempt", engine::filter::all()) == 0u);
}

// Version 4 indexes the history by the delivery's seq: records written under version 3 (with
// their delivery_id only) get it when the table is migrated, stay readable and go with a purge; a
// record whose delivery row is gone goes too.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_at_version_3_keeps_its_attempt_history, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto eng = this->factory.make_engine();
    BOOST_TEST(eng.migrate(delivery_schema(), 3) == 3);
    delivery_id done = delivery_id::generate();
    eng.insert("sys_webhook_delivery", engine::record{{"id", done.to_string()},
                                                      {"webhook_id", "wh-1"},
                                                      {"event_id", "evt-1"},
                                                      {"event_type", "order.created"},
                                                      {"url", "https://receiver.example/hook"},
                                                      {"method", "POST"},
                                                      {"payload_json", engine::value::json(R"({"n": 1})")},
                                                      {"partition_key", hash_partition("wh-1", 8)},
                                                      {"status", "success"},
                                                      {"attempts", 2},
                                                      {"claim_token", 0},
                                                      {"created_at", std::int64_t(1000)},
                                                      {"updated_at", std::int64_t(3000)}});
    // Two attempts of `done` and one of a row that no longer exists, as version 3 wrote them.
    auto attempt = [](const delivery_id& id, std::int64_t at, const char* outcome) {
        return engine::record{{"delivery_id", id.to_string()},
                              {"attempted_at", at},
                              {"outcome", outcome},
                              {"response_code", outcome == std::string("success") ? 200 : 503},
                              {"duration_ms", std::int64_t(7)}};
    };
    eng.insert("sys_webhook_delivery_attempt", attempt(done, 2000, "pending"));
    eng.insert("sys_webhook_delivery_attempt", attempt(delivery_id::generate(), 2500, "dead"));
    eng.insert("sys_webhook_delivery_attempt", attempt(done, 3000, "success"));

    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, typename Factory::storage_type(std::move(eng)),
                                                     this->clock);
    BOOST_TEST(ob.storage().engine().schema_version("hookbox.sys_webhook_delivery") == delivery_schema().latest());
    BOOST_TEST(ob.storage().engine().count("sys_webhook_delivery_attempt", engine::filter::all()) == 2u);
    auto h = ob.attempts(done);
    BOOST_TEST_REQUIRE(h.size() == 2u);
    BOOST_TEST(h[0].number == 1);
    BOOST_TEST(h[0].outcome == delivery_status::pending);
    BOOST_TEST(h[0].response_code == std::optional<int>(503));
    BOOST_TEST(h[1].number == 2);
    BOOST_TEST(h[1].outcome == delivery_status::success);
    // A new attempt continues the history.
    ob.redeliver(done);
    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    ob.ack(claimed[0], success_result());
    BOOST_TEST(ob.attempts(done).size() == 3u);
    BOOST_TEST(ob.purge(by_status(delivery_status::success)) == 1u);
    BOOST_TEST(ob.storage().engine().count("sys_webhook_delivery_attempt", engine::filter::all()) == 0u);
}

// Version 5 moves the payloads to a table of their own and drops them from the delivery table:
// every row stays, in every state, with its payload (JSON or raw), its fields and its history.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_at_version_4_moves_its_payloads_and_keeps_every_row, Factory,
                                 engine_factories, engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto eng = this->factory.make_engine();
    BOOST_TEST(eng.migrate(delivery_schema(), 4) == 4);
    auto stored = [](const delivery_id& id, const char* event, const char* status, int attempts) {
        return engine::record{{"id", id.to_string()},
                              {"webhook_id", "wh-1"},
                              {"event_id", event},
                              {"event_type", "order.created"},
                              {"url", "https://receiver.example/hook"},
                              {"method", "POST"},
                              {"headers_json", engine::value::json(R"([["X-Tenant","t-1"]])")},
                              {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                              {"payload_json",
                               engine::value::json(std::string(R"({"event":")") + event + "\"}")},
                              {"partition_key", hash_partition("wh-1", 8)},
                              {"status", status},
                              {"attempts", attempts},
                              {"claim_token", 0},
                              {"created_at", std::int64_t(1000)},
                              {"updated_at", std::int64_t(2000)}};
    };
    const delivery_id waiting = delivery_id::generate(), sending = delivery_id::generate(),
                      done = delivery_id::generate(), buried = delivery_id::generate();
    eng.insert("sys_webhook_delivery", stored(waiting, "evt-1", "pending", 1)
                                           .set("next_retry_at", std::int64_t(1500))
                                           .set("error", "HTTP 503"));
    eng.insert("sys_webhook_delivery", stored(sending, "evt-2", "in_flight", 0)
                                           .set("claimed_by", "node-old")
                                           .set("claimed_at", std::int64_t(1900))
                                           .set("claim_token", std::int64_t(77)));
    eng.insert("sys_webhook_delivery", stored(done, "evt-3", "success", 1)
                                           .set("response_code", 200)
                                           .set("response_body", "ok")
                                           .set("duration_ms", 12)
                                           .set("last_attempted_at", std::int64_t(1800)));
    // A raw (non-JSON) payload: payload_json holds null beside it.
    eng.insert("sys_webhook_delivery", stored(buried, "evt-4", "dead", 8)
                                           .set("payload_json", engine::value::json("null"))
                                           .set("payload_raw", "plain <text>")
                                           .set("error", "HTTP 410"));
    std::map<std::string, std::int64_t> seq;
    for (const auto& id : {waiting, sending, done, buried})
        seq[id.to_string()] = raw_row(eng, id, {"seq"})["seq"].as_integer();
    auto attempt = [&](const delivery_id& id, std::int64_t at, const char* outcome, int code) {
        return engine::record{{"delivery_id", id.to_string()}, {"delivery_seq", seq[id.to_string()]},
                              {"attempted_at", at},           {"outcome", outcome},
                              {"response_code", code},        {"duration_ms", std::int64_t(5)}};
    };
    eng.insert("sys_webhook_delivery_attempt", attempt(waiting, 1400, "pending", 503));
    eng.insert("sys_webhook_delivery_attempt", attempt(done, 1800, "success", 200));
    eng.insert("sys_webhook_delivery_attempt", attempt(buried, 1700, "dead", 410));

    this->clock.set(timestamp(std::chrono::milliseconds(3000)));
    typename engine_fixture<Factory>::outbox_type ob(outbox_params{}, typename Factory::storage_type(std::move(eng)),
                                                     this->clock);
    auto& e = ob.storage().engine();
    BOOST_TEST(e.schema_version("hookbox.sys_webhook_delivery") == delivery_schema().latest());
    BOOST_TEST(e.count("sys_webhook_delivery", engine::filter::all()) == 4u);
    BOOST_TEST(e.count("sys_webhook_delivery_payload", engine::filter::all()) == 4u);
    BOOST_TEST(e.count("sys_webhook_delivery_attempt", engine::filter::all()) == 3u);
    // The delivery table no longer holds payloads.
    engine::find_options payload_column;
    payload_column.fields = {"payload_json"};
    error_code ec;
    diagnostics diag;
    (void)e.find("sys_webhook_delivery", payload_column, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::schema_error));

    // Every row reads back as it was stored, its payload included.
    delivery w = get_row(ob, waiting);
    BOOST_TEST(w.status == delivery_status::pending);
    BOOST_TEST(w.attempts == 1);
    BOOST_TEST(show(w.error) == "'HTTP 503'");
    BOOST_TEST(w.payload.body() == R"({"event":"evt-1"})");
    BOOST_TEST(w.headers.size() == 1u);
    BOOST_TEST(w.created_at == timestamp(std::chrono::milliseconds(1000)));
    delivery f = get_row(ob, sending);
    BOOST_TEST(f.status == delivery_status::in_flight);
    BOOST_TEST(show(f.claimed_by) == "'node-old'");
    BOOST_TEST(f.claim_token == 77u);
    delivery d = get_row(ob, done);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.response_code == std::optional<int>(200));
    BOOST_TEST(d.last_duration == std::optional<milliseconds>(milliseconds(12)));
    BOOST_TEST(d.payload.body() == R"({"event":"evt-3"})");
    delivery b = get_row(ob, buried);
    BOOST_TEST(b.status == delivery_status::dead);
    BOOST_TEST(b.attempts == 8);
    BOOST_TEST((b.payload.kind() == payload_kind::raw));
    BOOST_TEST(b.payload.body() == "plain <text>");
    BOOST_TEST(ob.attempts(waiting).size() == 1u);
    BOOST_TEST(ob.attempts(done).size() == 1u);
    BOOST_TEST(ob.attempts(buried).size() == 1u);
    BOOST_TEST(ob.list(list_options{.status = delivery_status::dead}).items.size() == 1u);
    BOOST_TEST(ob.stats().count(delivery_status::in_flight) == 1u);

    // They go on: the due retry is claimed with its payload, the old claim is reaped and claimed
    // again, the dead row is replayed, and the finished one purged with its payload.
    auto claimed = ob.claim(claim_opts("node-A", 10, std::chrono::milliseconds(1000)));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == waiting);
    BOOST_TEST(claimed[0].payload.body() == R"({"event":"evt-1"})");
    BOOST_TEST(claimed[1].id == sending);
    BOOST_TEST(claimed[1].payload.body() == R"({"event":"evt-2"})");
    for (const auto& c : claimed)
        ob.ack(c, success_result());
    BOOST_TEST(ob.attempts(waiting).size() == 2u);
    BOOST_TEST(ob.replay(by_status(delivery_status::dead)) == 1u);
    auto again = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == buried);
    BOOST_TEST(again[0].payload.body() == "plain <text>");
    BOOST_TEST(ob.purge(by_status(delivery_status::success)) == 3u);
    BOOST_TEST(e.count("sys_webhook_delivery_payload", engine::filter::all()) == 1u);
    BOOST_TEST(get_row(ob, buried).payload.body() == "plain <text>");
}

// Version 6 adds the traceparent columns: the rows and records of a version 5 table read back
// untraced, and new ones keep theirs.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_at_version_5_gains_trace_context, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    check_version_5_table_migrates_to_trace_context<typename Factory::storage_type>(this->factory.make_engine());
}

BOOST_AUTO_TEST_CASE(a_sqlite_file_at_version_2_is_migrated_when_reopened) {
    const std::string path = process_temp_dir().file("v2");
    delivery_id id = delivery_id::generate();
    {
        engine::sqlite_params p;
        p.path = path;
        engine::sqlite_engine eng(p);
        BOOST_TEST(eng.migrate(delivery_schema(), 2) == 2);
        eng.insert("sys_webhook_delivery", engine::record{{"id", id.to_string()},
                                                          {"webhook_id", "wh-1"},
                                                          {"event_id", "evt-1"},
                                                          {"event_type", "order.created"},
                                                          {"url", "https://receiver.example/hook"},
                                                          {"payload_json", engine::value::json("null")},
                                                          {"partition_key", hash_partition("wh-1", 8)},
                                                          {"status", "dead"},
                                                          {"attempts", 8},
                                                          {"error", "HTTP 500"},
                                                          {"created_at", std::int64_t(1000)},
                                                          {"updated_at", std::int64_t(2000)}});
    }
    engine::sqlite_params p;
    p.path = path;
    basic_outbox<sql_storage<engine::sqlite_engine>, manual_clock> ob(
        outbox_params{}, sql_storage<engine::sqlite_engine>(engine::sqlite_engine(p)), manual_clock());
    BOOST_TEST(ob.storage().engine().schema_version("hookbox.sys_webhook_delivery") == delivery_schema().latest());
    std::size_t tables = 0;
    std::array<engine::value, 1> name{engine::value("sys_webhook_delivery_attempt")};
    ob.storage().engine().query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1", name,
                                [&](std::span<const engine::cell_view>) { ++tables; });
    BOOST_TEST(tables == 1u);
    delivery d = get_row(ob, id);
    BOOST_TEST(d.status == delivery_status::dead);
    BOOST_TEST(d.attempts == 8);
    BOOST_TEST(show(d.error) == "'HTTP 500'");
    auto f = ob.failures();
    BOOST_TEST_REQUIRE(f.size() == 1u);
    BOOST_TEST(f[0].dead == 1u);
    BOOST_TEST(ob.replay(by_status(delivery_status::dead)) == 1u);
    BOOST_TEST(ob.attempts(id).empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_table_from_a_newer_program_is_refused, Factory, engine_factories,
                                 engine_fixture<Factory>) {
    auto eng = this->factory.make_engine();
    auto newer = delivery_schema();
    newer.migrations.push_back(engine::migration{
        newer.latest() + 1, "a later column", {engine::add_column{"sys_webhook_delivery", engine::column_def{"later", engine::column_type::text}}}});
    BOOST_TEST(eng.migrate(newer) == delivery_schema().latest() + 1);
    BOOST_CHECK_EXCEPTION(typename Factory::storage_type(std::move(eng)), error_with_diagnostics,
                          [](const error_with_diagnostics& e) { return e.code() == make_error_code(errc::schema_too_new); });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_bad_table_name_is_refused, Factory, engine_factories, engine_fixture<Factory>) {
    engine_storage_params p;
    p.table = "deliveries; DROP TABLE x";
    error_code ec;
    diagnostics diag;
    auto s = Factory::storage_type::open(this->factory.make_engine(), p, ec, diag);
    BOOST_TEST(!s.has_value());
    BOOST_TEST(ec == make_error_code(errc::schema_error));
    BOOST_TEST(diag.field() == "table");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
