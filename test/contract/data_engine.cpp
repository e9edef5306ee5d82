//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The data-engine contract suite over memory_engine and sqlite_engine (a file and :memory:), and
// memory_engine's own guarantees beyond it.

#include <boost/mpl/list.hpp>

#include "common/temp_dir.hpp"

#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/sqlite_engine.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hookbox::test {

struct memory_engine_factory {
    using engine_type = engine::memory_engine;
    static constexpr const char* name = "memory_engine";
    engine::memory_engine make() { return engine::memory_engine(); }
    // An engine whose statements do not wait for a transaction that holds it.
    engine::memory_engine make_impatient() {
        return engine::memory_engine(engine::memory_engine_params{.busy_timeout = std::chrono::milliseconds(0)});
    }
};

struct sqlite_file_engine_factory {
    using engine_type = engine::sqlite_engine;
    static constexpr const char* name = "sqlite_engine (file)";
    engine::sqlite_engine make() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("engine");
        return engine::sqlite_engine(p);
    }
    engine::sqlite_engine make_impatient() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("engine");
        p.busy_timeout = std::chrono::milliseconds(0);
        return engine::sqlite_engine(p);
    }
};

struct sqlite_memory_engine_factory {
    using engine_type = engine::sqlite_engine;
    static constexpr const char* name = "sqlite_engine (:memory:)";
    engine::sqlite_engine make() { return engine::sqlite_engine(engine::sqlite_params{}); }
    engine::sqlite_engine make_impatient() {
        engine::sqlite_params p;
        p.busy_timeout = std::chrono::milliseconds(0);
        return engine::sqlite_engine(p);
    }
};

// One factory per engine; the suite runs in full for each. Adding an engine = adding its factory here.
using data_engine_factories =
    boost::mpl::list<memory_engine_factory, sqlite_file_engine_factory, sqlite_memory_engine_factory>;

}  // namespace hookbox::test

#include "contract/data_engine_cases.hpp"

// ---------------------------------------------------------------------------------------------------
// memory_engine's own guarantees, beyond the contract (in the same suite, so that CTest runs them).
// ---------------------------------------------------------------------------------------------------

namespace hookbox::test {

static_assert(engine::data_engine<engine::memory_engine>);
static_assert(!engine::sql_engine<engine::memory_engine>);
static_assert(!std::is_copy_constructible_v<engine::memory_engine>);
static_assert(!std::is_copy_assignable_v<engine::memory_engine>);
static_assert(std::is_nothrow_move_constructible_v<engine::memory_engine>);
static_assert(std::is_nothrow_move_assignable_v<engine::memory_engine>);

BOOST_AUTO_TEST_SUITE(data_engine_contract)

using namespace hookbox::engine;
using namespace hookbox::test::data_engine_detail;

BOOST_AUTO_TEST_CASE(memory_engine_throwing_overloads) {
    memory_engine e;
    BOOST_TEST(e.migrate(people_plan(), 1) == 1);
    BOOST_TEST(e.migrate(people_plan()) == 2);
    BOOST_TEST(e.schema_version("test.people") == 2);
    BOOST_TEST(e.insert("people", record{{"name", "a"}}) == 1);
    std::vector<record> two = {record{{"name", "b"}}, record{{"name", "c"}}};
    BOOST_TEST(e.insert_many("people", two) == (std::vector<std::int64_t>{2, 3}));
    BOOST_TEST(e.update("people", col("name") == "b", {set("age", 5)}) == 1u);
    BOOST_TEST(e.count("people", col("age") == 5) == 1u);
    find_options fo;
    fo.order = {{"seq", true}};
    BOOST_TEST(e.find("people", fo).size() == 3u);
    auto one = e.find_one("people", fo);
    BOOST_REQUIRE(one.has_value());
    BOOST_TEST((*one)["name"].as_text() == "c");
    {
        auto tx = e.begin();
        BOOST_TEST(tx.remove("people", col("name") == "a") == 1u);
        tx.rollback();
        tx = e.begin();
        tx.commit();
    }
    BOOST_TEST(e.count("people", filter::all()) == 3u);

    try {
        e.insert("nope", record{{"name", "x"}});
        BOOST_ERROR("insert into an unknown table did not throw");
    } catch (const error_with_diagnostics& ex) {
        BOOST_TEST(ex.code() == make_error_code(errc::schema_error));
        BOOST_TEST(names(ex.get_diagnostics(), "nope"));
    }
    try {
        e.insert("people", record{{"name", "x"}, {"seq", 1}});
        BOOST_ERROR("a duplicate key did not throw");
    } catch (const error_with_diagnostics& ex) {
        BOOST_TEST(ex.code() == make_error_code(errc::unique_violation));
    }
    try {
        memory_transaction ended;
        ended.commit();
        BOOST_ERROR("commit without a transaction did not throw");
    } catch (const error_with_diagnostics& ex) {
        BOOST_TEST(ex.code() == make_error_code(errc::invalid_argument));
    }
    schema_plan older = people_plan();
    older.migrations.pop_back();
    BOOST_CHECK_THROW(e.migrate(older), error_with_diagnostics);
    BOOST_CHECK_THROW((void)e.count("people", col("age") == "x"), error_with_diagnostics);
}

BOOST_AUTO_TEST_CASE(memory_engine_moves_with_its_data) {
    memory_engine a;
    must_migrate(a, people_plan());
    put(a, "people", record{{"name", "a"}});
    memory_engine b(std::move(a));
    BOOST_TEST(count_where(b, "people", filter::all()) == 1u);
    memory_engine c;
    c = std::move(b);
    BOOST_TEST(count_where(c, "people", filter::all()) == 1u);
    BOOST_TEST(put(c, "people", record{{"name", "b"}}) == 2);
}

BOOST_AUTO_TEST_CASE(memory_engine_rolls_back_schema_changes) {
    memory_engine e;
    error_code ec;
    diagnostics diag;

    // A whole plan inside a transaction, rolled back: as if never migrated.
    auto tx = e.begin(ec, diag);
    must_migrate(tx, docs_plan());
    put(tx, "docs", record{{"title", "a"}, {"slug", "s"}});
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 0);
    (void)e.count("docs", filter::all(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "docs");

    // Columns added to existing rows, and an index created and dropped, rolled back.
    must_migrate(e, docs_plan(1));
    put(e, "docs", record{{"title", "a"}, {"size", 1}});
    put(e, "docs", record{{"title", "b"}});
    const std::string v1 = dump(e, "docs", "id");
    tx = e.begin(ec, diag);
    must_migrate(tx, docs_plan(3));
    put(tx, "docs", record{{"title", "c"}, {"slug", "s"}, {"status", "live"}});
    tx.update("docs", col("id") == 1, {set("rank", 0.5)}, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);
    BOOST_TEST(dump(e, "docs", "id") == v1);
    find_options fo;
    fo.fields = {"status"};
    (void)e.find("docs", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "status");

    // A dropped index comes back, and enforces again.
    BOOST_TEST(e.migrate(docs_plan(), 2, ec, diag) == 2);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(e, "docs", record{{"title", "c"}, {"slug", "s"}});
    tx = e.begin(ec, diag);
    must_migrate(tx, docs_plan(3));
    put(tx, "docs", record{{"title", "d"}, {"slug", "s"}});
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    e.insert("docs", record{{"title", "e"}, {"slug", "s"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(count_where(e, "docs", col("slug") == "s") == 1u);
    must_migrate(e, docs_plan(3));
    put(e, "docs", record{{"title", "e"}, {"slug", "s"}});
}

BOOST_AUTO_TEST_CASE(memory_engine_rollback_restores_the_auto_increment_counter) {
    // As SQLite does: keys of rolled-back inserts come again. Committed keys are never reused.
    memory_engine e;
    must_migrate(e, people_plan());
    error_code ec;
    diagnostics diag;
    put(e, "people", record{{"name", "a"}});
    auto tx = e.begin(ec, diag);
    BOOST_TEST(put(tx, "people", record{{"name", "b"}}) == 2);
    tx.rollback(ec, diag);
    std::vector<record> batch = {record{{"name", "c"}}, record{{"age", 1}}};
    e.insert_many("people", batch, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);
    BOOST_TEST(put(e, "people", record{{"name", "d"}}) == 2);
}

// The primary-key, unique-index and index-range paths must return exactly what a scan returns.
BOOST_AUTO_TEST_CASE(memory_engine_index_paths_agree_with_scans) {
    table_def t;
    t.name = "items";
    t.columns = {auto_key("seq"),
                 column("a", column_type::text, false),
                 column("b", column_type::integer),
                 column("c", column_type::text),
                 column("d", column_type::integer),
                 column("e", column_type::real)};
    t.primary_key = "seq";
    t.indexes = {make_index("items_ab", {"a", "b"}, true), make_index("items_cd", {"c", "d"}),
                 make_index("items_e", {"e"}), make_index("items_b_seq", {"b", "seq"})};
    schema_plan p;
    p.name = "test.items";
    p.migrations = {make_migration(1, "items", {create_table{t}})};
    memory_engine e;
    must_migrate(e, p);
    error_code ec;
    diagnostics diag;

    std::uint64_t state = 42;
    auto next = [&](std::uint64_t n) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::int64_t>((state >> 33) % n);
    };
    auto maybe_null = [&](value v) { return next(7) == 0 ? value() : v; };
    for (int i = 0; i < 600; ++i) {
        e.insert("items",
                 record{{"a", "a" + std::to_string(next(20))},
                        {"b", maybe_null(next(40))},
                        {"c", maybe_null("c" + std::to_string(next(5)))},
                        {"d", maybe_null(next(6))},
                        {"e", maybe_null(double(next(8)) / 2)}},
                 ec, diag);
        BOOST_REQUIRE(!ec || ec == make_error_code(errc::unique_violation));
    }
    // Churn: updates of indexed columns and keys, removes, a rolled-back transaction.
    e.update("items", col("d") == 3, {add("d", 10), set("c", "moved")}, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    e.remove("items", col("e") == 1.5, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    e.update("items", col("seq") == 5, {set("seq", 5000)}, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    auto tx = e.begin(ec, diag);
    tx.update("items", col("c") == "c1", {set("c", "c2"), set("e", 9.5)}, ec, diag);
    tx.remove("items", col("c") == "c2" && col("d") == 2, ec, diag);
    tx.update("items", filter::all(), {add("b", 1000)}, ec, diag);
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    // `x == v` may take an index; `x >= v && x <= v` always scans.
    auto eq = [](const char* c, value v) { return col(c) == v; };
    auto scan_eq = [](const char* c, value v) { return col(c) >= v && col(c) <= v; };
    auto check = [&](const std::string& what, filter indexed, filter scanned, std::vector<order_by> order,
                     std::size_t limit) {
        find_options fi{std::move(indexed), {}, order, limit};
        find_options fs{std::move(scanned), {}, order, limit};
        auto ri = render(rows_of(e, "items", fi));
        auto rs = render(rows_of(e, "items", fs));
        BOOST_TEST(ri == rs, what);
        BOOST_TEST(count_where(e, "items", fi.where) == count_where(e, "items", fs.where), what);
    };
    std::vector<std::vector<order_by>> orders = {{}, {{"seq", true}}, {{"seq", false}}, {{"d", true}, {"seq", false}}};
    for (const auto& order : orders) {
        for (std::size_t limit : {0, 1, 3}) {
            for (int k : {1, 5, 77, 5000, 9999}) {
                check("seq == " + std::to_string(k), eq("seq", k), scan_eq("seq", k), order, limit);
                check("seq in", col("seq").in({k}), scan_eq("seq", k), order, limit);
            }
            for (int i = 0; i < 30; ++i) {
                std::string a = "a" + std::to_string(next(20));
                std::int64_t b = next(40);
                check("a, b", eq("a", a) && eq("b", b), scan_eq("a", a) && scan_eq("b", b), order, limit);
                check("b, a", eq("b", b) && eq("a", a), scan_eq("b", b) && scan_eq("a", a), order, limit);
                check("a", eq("a", a), scan_eq("a", a), order, limit);
                check("b", eq("b", b), scan_eq("b", b), order, limit);
                check("b, seq", eq("b", b) && col("seq") > 100, scan_eq("b", b) && col("seq") > 100, order, limit);
            }
            for (const char* c : {"c0", "c1", "c2", "c4", "moved", "none"}) {
                check(std::string("c = ") + c, eq("c", c), scan_eq("c", c), order, limit);
                for (int d : {0, 2, 5, 13})
                    check(std::string("c, d = ") + c, eq("c", c) && eq("d", d), scan_eq("c", c) && scan_eq("d", d),
                          order, limit);
                check(std::string("c, e = ") + c, eq("c", c) && col("e") > 1.0, scan_eq("c", c) && col("e") > 1.0,
                      order, limit);
            }
            for (double v : {0.0, 1.5, 2.0, 3.5, 9.5})
                check("e = " + std::to_string(v), eq("e", v), scan_eq("e", v), order, limit);
            check("d = 13 or", eq("d", 13) || eq("c", "c0"), scan_eq("d", 13) || scan_eq("c", "c0"), order, limit);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
