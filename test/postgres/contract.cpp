//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The contracts over PostgreSQL, on the throw-away server of CTest's `postgres` fixture: the
// data-engine contract over postgres_engine, then the outbox contract, retention and
// fault-injection suites over sql_storage<postgres_engine>. Every engine a test makes works in a
// fresh schema of its own (common/pg_cluster.hpp), so that the suites may run in parallel processes
// on one server. Last, the test schemas themselves.

#include "common/pg_cluster.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/postgres_engine.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/mpl/list.hpp>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hookbox::test {

inline engine::postgres_params pg_params(std::string_view tag) {
    engine::postgres_params p;
    p.conninfo = pg_fresh_schema_conninfo(tag);
    return p;
}

struct postgres_engine_factory {
    using engine_type = engine::postgres_engine;
    static constexpr const char* name = "postgres_engine";
    // A failed insert may use up a key of the table's sequence.
    static constexpr bool keys_skip = true;
    engine_type make() { return engine_type(pg_params("engine")); }
    // An engine whose statements wait for the connection a transaction holds.
    engine_type make_one_connection() {
        auto p = pg_params("engine");
        p.pool_size = 1;
        return engine_type(p);
    }
    // An engine whose statements do not wait for a connection a transaction holds: one connection,
    // and no wait for it.
    engine_type make_impatient() {
        auto p = pg_params("engine");
        p.pool_size = 1;
        p.acquire_timeout = std::chrono::milliseconds(0);
        return engine_type(p);
    }
};

using data_engine_factories = boost::mpl::list<postgres_engine_factory>;

struct postgres_storage_factory {
    using engine_type = engine::postgres_engine;
    using storage_type = sql_storage<engine_type>;
    static constexpr const char* name = "sql_storage<postgres_engine>";
    engine_type make_engine() { return engine_type(pg_params("outbox")); }
    storage_type make() { return storage_type(make_engine()); }
};

static_assert(engine::data_engine<engine::postgres_engine>);
static_assert(engine::sql_engine<engine::postgres_engine>);
static_assert(outbox_storage<sql_storage<engine::postgres_engine>>);
static_assert(detail::storage_lists_by_event_and_time<sql_storage<engine::postgres_engine>>);

using outbox_contract_factories = boost::mpl::list<postgres_storage_factory>;
using fault_injection_factories = boost::mpl::list<postgres_storage_factory>;

}  // namespace hookbox::test

#include "contract/data_engine_cases.hpp"
#include "contract/outbox_contract_cases.hpp"
#include "contract/retention_cases.hpp"
#include "contract/fault_injection_cases.hpp"
#include "contract/trace_migration.hpp"

// ---------------------------------------------------------------------------------------------------
// A stored row's columns are range-checked on PostgreSQL as on SQLite (sql_storage decodes rows alike
// on every engine; test/contract/engine_storage.cpp checks every rule): a negative attempt count set
// with SQL is a corrupt row, and a claim buries it and hands out the others.
// ---------------------------------------------------------------------------------------------------

namespace hookbox::test {

BOOST_AUTO_TEST_SUITE(outbox_contract)

BOOST_AUTO_TEST_CASE(a_negative_attempt_count_is_a_corrupt_row) {
    using namespace contract_detail;
    manual_clock clock;
    basic_outbox<postgres_storage_factory::storage_type, manual_clock> ob(outbox_params{},
                                                                           postgres_storage_factory{}.make(), clock);
    const delivery_id id1 = ob.enqueue(make_request("wh-1", "evt-1")).id;
    const delivery_id id2 = ob.enqueue(make_request("wh-1", "evt-2")).id;
    const delivery_id id3 = ob.enqueue(make_request("wh-1", "evt-3")).id;
    BOOST_TEST(ob.storage().engine().query("UPDATE sys_webhook_delivery SET attempts = -1 WHERE event_id = 'evt-2'") ==
               1u);
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!ob.get(id2, ec, diag).has_value());
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    BOOST_TEST(diag.field() == "attempts");
    BOOST_TEST(diag.message().find("column attempts: must be in 0..2147483647 (got -1)") != std::string::npos,
               diag.message());
    (void)ob.list({}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::corrupt_row));
    auto claimed = ob.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == id1);
    BOOST_TEST(claimed[1].id == id3);
    BOOST_TEST(ob.claim(claim_opts("node-A", 10)).empty());
    outbox_stats st = ob.stats();
    BOOST_TEST(st.count(delivery_status::dead) == 1u);
    BOOST_TEST(st.count(delivery_status::in_flight) == 2u);
}

// Version 6 adds the traceparent columns on PostgreSQL as on SQLite: a version 5 table's rows and
// records read back untraced, and new ones keep theirs.
BOOST_AUTO_TEST_CASE(a_table_at_version_5_gains_trace_context) {
    check_version_5_table_migrates_to_trace_context<postgres_storage_factory::storage_type>(
        postgres_storage_factory{}.make_engine());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

// ---------------------------------------------------------------------------------------------------
// The test schemas: each conninfo reaches a schema of its own, and nothing but it.
// ---------------------------------------------------------------------------------------------------

namespace hookbox::test {

BOOST_AUTO_TEST_SUITE(postgres_test_schema)

BOOST_AUTO_TEST_CASE(schema_names_are_identifiers_that_never_repeat) {
    const std::string a = pg_next_schema_name("Data Engine/x-1");
    const std::string b = pg_next_schema_name("Data Engine/x-1");
    BOOST_TEST(a.rfind("t_data_engine_x_1_", 0) == 0u, a);
    BOOST_TEST(a != b);
    BOOST_TEST(pg_next_schema_name(std::string(100, 'x')).size() <= 63u);
    BOOST_CHECK_THROW(pg_schema_conninfo("a; DROP SCHEMA public"), std::invalid_argument);
    BOOST_CHECK_THROW(pg_schema_conninfo(""), std::invalid_argument);
    BOOST_CHECK_THROW(pg_schema_conninfo("Upper"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(each_conninfo_sees_only_its_own_schema) {
    const std::string a = pg_fresh_schema_conninfo("isolation");
    const std::string b = pg_fresh_schema_conninfo("isolation");
    BOOST_TEST(a != b);
    pg_test_connection ca(a);
    pg_test_connection cb(b);
    // The option reaches the server: the schema is the connection's search path.
    const auto schema_a = ca.exec("SELECT current_schema()");
    BOOST_TEST_REQUIRE(schema_a.size() == 1u);
    BOOST_TEST(a.find("search_path%3D" + schema_a[0]) != std::string::npos, a);
    BOOST_TEST(ca.exec("SHOW search_path") == std::vector<std::string>{schema_a[0]});
    ca.exec("CREATE TABLE things (x integer); INSERT INTO things VALUES (1)");
    BOOST_TEST(ca.exec("SELECT count(*) FROM things") == std::vector<std::string>{"1"});
    // The other connection's schema has no such table, and one of that name is another table.
    BOOST_TEST(cb.exec("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") ==
               std::vector<std::string>{"0"});
    cb.exec("CREATE TABLE things (x integer)");
    BOOST_TEST(cb.exec("SELECT count(*) FROM things") == std::vector<std::string>{"0"});
    // An engine on the conninfo finds the table the connection made, through the same option.
    engine::postgres_params p;
    p.conninfo = a;
    engine::postgres_engine e(p);
    BOOST_TEST(e.count("things", engine::filter::all()) == 1u);
}

BOOST_AUTO_TEST_CASE(a_schema_left_by_an_earlier_run_is_emptied) {
    const std::string name = pg_next_schema_name("left");
    pg_test_connection(pg_test_uri()).exec("CREATE SCHEMA " + name + "; CREATE TABLE " + name + ".old (x integer)");
    pg_test_connection c(pg_schema_conninfo(name));
    BOOST_TEST(c.exec("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") ==
               std::vector<std::string>{"0"});
}

BOOST_AUTO_TEST_CASE(a_missing_server_folder_is_named_in_the_error) {
    const char* saved = std::getenv(pg_dir_variable);
    BOOST_TEST_REQUIRE(saved != nullptr);
    const std::string dir = saved;
    auto message_of = [] {
        try {
            (void)pg_test_uri();
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    ::unsetenv(pg_dir_variable);
    const std::string unset = message_of();
    ::setenv(pg_dir_variable, "/nonexistent/hookbox-pg", 1);
    const std::string missing = message_of();
    ::setenv(pg_dir_variable, dir.c_str(), 1);
    BOOST_TEST(unset.find("HOOKBOX_TEST_PG_DIR is not set") != std::string::npos, unset);
    BOOST_TEST(unset.find("scripts/pg_cluster.sh start") != std::string::npos, unset);
    BOOST_TEST(missing.find("/nonexistent/hookbox-pg/uri") != std::string::npos, missing);
    BOOST_TEST(pg_test_uri().rfind("postgresql://postgres@127.0.0.1:", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
