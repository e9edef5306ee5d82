//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_DATA_ENGINE_CASES_HPP
#define HOOKBOX_TEST_CONTRACT_DATA_ENGINE_CASES_HPP

// The data-engine contract: every behaviour of the `data_engine` concept (hookbox/engine/concept.hpp),
// written once over engine factories and instantiated for each engine. An engine that passes it is
// a real model of data_engine.
//
// A factory is a type with:
//   using engine_type = ...;                 // a model of hookbox::engine::data_engine
//   static constexpr const char* name;       // shown in failures
//   engine_type make();                      // a fresh, empty engine (a new file, a new database, ...)
//   static constexpr bool keys_skip = true;  // optional: a failed insert may use up an auto-increment
//                                            // key (PostgreSQL's sequences); keys stay new and rising
//   engine_type make_one_connection();       // optional, for an engine with a pool of connections,
//                                            // whose statements run beside open transactions: a fresh
//                                            // engine with a single connection, which waits for it
// Include this header in exactly one translation unit, after defining, in namespace hookbox::test,
//   using data_engine_factories = boost::mpl::list<factory_a, factory_b, ...>;
//
// The cases reach the engine only through the concept (and hookbox::engine::transaction). They
// assume no order without order_by, no key values beyond "1, 2, 3 in a fresh auto-increment table,
// never reused", and of errors only the codes and that the diagnostics name the table, column or
// index at fault (in the field or the message). What a failed call returns is left open: after an
// error the cases look at the engine's state (schema_version, the rows) instead.

#include "common/test_common.hpp"

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hookbox::test {
// True for engines whose failed inserts may use up an auto-increment key.
template <class Factory>
inline constexpr bool keys_skip_after_failed_insert = requires { requires Factory::keys_skip; };
}  // namespace hookbox::test

// Fails the test case unless (ec, diag) is a success.
#define HOOKBOX_DE_REQUIRE_OK(ec, diag)                                                                                \
    BOOST_REQUIRE_MESSAGE(!(ec),                                                                                       \
                          "unexpected error " << (ec).message() << " [" << (diag).field() << "] " << (diag).message())

// Checks an (error_code, diagnostics) pair: the code, and that the diagnostics name `what`.
#define HOOKBOX_DE_CHECK_ERROR(ec, diag, code, what)                                                                   \
    do {                                                                                                               \
        BOOST_TEST((ec) == ::hookbox::make_error_code(code), "expected " #code ", got '" << (ec).message() << "' ["    \
                                                                                         << (diag).field() << "] "     \
                                                                                         << (diag).message());         \
        BOOST_TEST(::hookbox::test::data_engine_detail::names((diag), (what)),                                         \
                   "the diagnostics [" << (diag).field() << "] '" << (diag).message() << "' should name '" << (what)   \
                                       << "'");                                                                        \
    } while (false)

// Checks only the code (for errors whose wording the contract leaves open).
#define HOOKBOX_DE_CHECK_CODE(ec, diag, code)                                                                          \
    BOOST_TEST((ec) == ::hookbox::make_error_code(code),                                                               \
               "expected " #code ", got '" << (ec).message() << "' [" << (diag).field() << "] " << (diag).message())

namespace hookbox::test {

namespace data_engine_detail {

using namespace hookbox::engine;

// ----- printing -----

inline std::string render(const value& v) {
    switch (v.type()) {
    case value::kind::null: return "null";
    case value::kind::integer: return std::to_string(v.as_integer());
    case value::kind::real: {
        char buf[64];
        auto res = std::to_chars(buf, buf + sizeof buf, v.as_real());
        return "real:" + std::string(buf, res.ptr);
    }
    case value::kind::text: return "'" + v.as_text() + "'";
    case value::kind::json: return "json:" + v.as_text();
    }
    return "?";
}

// `{name=value, ...}` in the record's field order.
inline std::string render(const record& r) {
    std::string out = "{";
    for (const auto& f : r) {
        if (out.size() > 1)
            out += ", ";
        out += f.name + "=" + render(f.value);
    }
    return out + "}";
}

inline std::string render(const std::vector<record>& rows) {
    std::string out;
    for (const auto& r : rows)
        out += render(r) + "\n";
    return out;
}

inline bool names(const diagnostics& d, std::string_view what) {
    return d.field().find(what) != std::string::npos || d.message().find(what) != std::string::npos;
}

// ----- schemas -----

inline column_def column(std::string name, column_type type, bool nullable = true, value def = {}) {
    column_def c;
    c.name = std::move(name);
    c.type = type;
    c.nullable = nullable;
    c.default_value = std::move(def);
    return c;
}

inline column_def auto_key(std::string name) {
    column_def c = column(std::move(name), column_type::integer, false);
    c.auto_increment = true;
    return c;
}

inline index_def make_index(std::string name, std::vector<std::string> columns, bool unique = false) {
    index_def ix;
    ix.name = std::move(name);
    ix.columns = std::move(columns);
    ix.unique = unique;
    return ix;
}

inline index_def make_partial_index(std::string name, std::vector<std::string> columns, filter where,
                                    bool unique = false) {
    index_def ix = make_index(std::move(name), std::move(columns), unique);
    ix.where = std::move(where);
    return ix;
}

inline migration make_migration(int version, std::string description, std::vector<schema_step> steps) {
    migration m;
    m.version = version;
    m.description = std::move(description);
    m.steps = std::move(steps);
    return m;
}

// people: every column type, NOT NULL with and without default, a unique index over two text
// columns and a plain one. tags: a text primary key, no auto-increment.
inline table_def people_table() {
    table_def t;
    t.name = "people";
    t.columns = {auto_key("seq"),
                 column("name", column_type::text, false),
                 column("org", column_type::text, false, "acme"),
                 column("email", column_type::text),
                 column("age", column_type::integer),
                 column("score", column_type::real),
                 column("data", column_type::json),
                 column("note", column_type::text)};
    t.primary_key = "seq";
    t.indexes = {make_index("people_org_email", {"org", "email"}, true), make_index("people_age", {"age"})};
    return t;
}

inline table_def tags_table() {
    table_def t;
    t.name = "tags";
    t.columns = {column("tag", column_type::text, false), column("weight", column_type::integer, false, 0),
                 column("label", column_type::text)};
    t.primary_key = "tag";
    t.indexes = {make_index("tags_weight", {"weight"})};
    return t;
}

inline schema_plan people_plan() {
    schema_plan p;
    p.name = "test.people";
    p.migrations = {make_migration(1, "people", {create_table{people_table()}}),
                    make_migration(2, "tags", {create_table{tags_table()}})};
    return p;
}

// docs, in three versions: v2 adds columns to existing rows and a unique index over one of them,
// v3 drops that index and adds another.
inline table_def docs_table() {
    table_def docs;
    docs.name = "docs";
    docs.columns = {auto_key("id"), column("title", column_type::text, false), column("size", column_type::integer)};
    docs.primary_key = "id";
    docs.indexes = {make_index("docs_title", {"title"})};
    return docs;
}

inline schema_plan docs_plan(int versions = 3) {
    schema_plan p;
    p.name = "test.docs";
    p.migrations.push_back(make_migration(1, "docs", {create_table{docs_table()}}));
    if (versions >= 2)
        p.migrations.push_back(make_migration(2, "status, rank and slug",
                                              {add_column{"docs", column("status", column_type::text, false, "draft")},
                                               add_column{"docs", column("rank", column_type::real)},
                                               add_column{"docs", column("slug", column_type::text)},
                                               create_index{"docs", make_index("docs_slug", {"slug"}, true)}}));
    if (versions >= 3)
        p.migrations.push_back(make_migration(
            3, "slugs may repeat",
            {drop_index{"docs", "docs_slug"}, create_index{"docs", make_index("docs_status", {"status"})}}));
    return p;
}

// ----- helpers that require success -----

template <class E>
void must_migrate(E& e, const schema_plan& p) {
    error_code ec;
    diagnostics diag;
    int v = e.migrate(p, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_REQUIRE_EQUAL(v, p.latest());
}

template <class E>
std::int64_t put(E& e, std::string_view table, const record& r) {
    error_code ec;
    diagnostics diag;
    std::int64_t key = e.insert(table, r, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    return key;
}

template <class E>
std::vector<record> rows_of(E& e, std::string_view table, find_options fo) {
    error_code ec;
    diagnostics diag;
    auto rows = e.find(table, fo, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    return rows;
}

// The sorted names of the people matching `f` (find does not promise an order without order_by).
template <class E>
std::vector<std::string> names_where(E& e, const filter& f) {
    find_options fo;
    fo.where = f;
    fo.fields = {"name"};
    std::vector<std::string> out;
    for (const auto& r : rows_of(e, "people", fo))
        out.push_back(r["name"].as_text());
    std::sort(out.begin(), out.end());
    return out;
}

// The names of the people in the order `order` sorts them.
template <class E>
std::vector<std::string> names_ordered(E& e, std::vector<order_by> order, std::size_t limit = 0,
                                       const filter& f = filter::all()) {
    find_options fo;
    fo.where = f;
    fo.fields = {"name"};
    fo.order = std::move(order);
    fo.limit = limit;
    std::vector<std::string> out;
    for (const auto& r : rows_of(e, "people", fo))
        out.push_back(r["name"].as_text());
    return out;
}

template <class E>
std::size_t count_where(E& e, std::string_view table, const filter& f) {
    error_code ec;
    diagnostics diag;
    std::size_t n = e.count(table, f, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    return n;
}

// Every row of a table, ordered by `key`, rendered: for comparing whole states.
template <class E>
std::string dump(E& e, std::string_view table, std::string key) {
    find_options fo;
    fo.order = {order_by{std::move(key), false}};
    return render(rows_of(e, table, fo));
}

using strings = std::vector<std::string>;

// Five people, inserted in this order:
//   name  org    email  age   score  data      note
//   ann   acme   a@x    30    1.5    {"k":1}   Zed
//   bob   acme   b@x    20    2.0    null      apple
//   cat   beta   null   null  2.5    null      Apple
//   dan   beta   d@x    40    null   null      null
//   eve   gamma  e@x    30    -1.0   null      é (bytes c3 a9)
template <class E>
std::map<std::string, std::int64_t> insert_five(E& e) {
    std::map<std::string, std::int64_t> seq;
    seq["ann"] = put(e, "people",
                     record{{"name", "ann"},
                            {"org", "acme"},
                            {"email", "a@x"},
                            {"age", 30},
                            {"score", 1.5},
                            {"data", value::json(R"({"k":1})")},
                            {"note", "Zed"}});
    seq["bob"] =
        put(e, "people",
            record{{"name", "bob"}, {"org", "acme"}, {"email", "b@x"}, {"age", 20}, {"score", 2.0}, {"note", "apple"}});
    seq["cat"] = put(e, "people", record{{"name", "cat"}, {"org", "beta"}, {"score", 2.5}, {"note", "Apple"}});
    seq["dan"] = put(e, "people", record{{"name", "dan"}, {"org", "beta"}, {"email", "d@x"}, {"age", 40}});
    seq["eve"] = put(
        e, "people",
        record{
            {"name", "eve"}, {"org", "gamma"}, {"email", "e@x"}, {"age", 30}, {"score", -1.0}, {"note", "\xc3\xa9"}});
    return seq;
}

// A fresh engine with the people plan migrated.
template <class Factory>
typename Factory::engine_type people_engine() {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, people_plan());
    return e;
}

}  // namespace data_engine_detail

BOOST_AUTO_TEST_SUITE(data_engine_contract)

using namespace hookbox::engine;
using namespace hookbox::test::data_engine_detail;

// ===================================================================================================
// Migrations
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(migrate_fresh_reaches_latest_and_again_is_a_no_op, Factory, data_engine_factories) {
    BOOST_TEST_MESSAGE("engine: " << Factory::name);
    Factory factory;
    auto e = factory.make();
    error_code ec;
    diagnostics diag;
    BOOST_TEST(e.schema_version("test.people", ec, diag) == 0);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    BOOST_TEST(e.migrate(people_plan(), ec, diag) == 2);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.people", ec, diag) == 2);
    BOOST_TEST(e.schema_version("test.other", ec, diag) == 0, "an unknown plan is at version 0");
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    BOOST_TEST(put(e, "people", record{{"name", "ann"}}) == 1);
    put(e, "tags", record{{"tag", "t"}});

    // Again: nothing to do, nothing recreated, the rows stay.
    BOOST_TEST(e.migrate(people_plan(), ec, diag) == 2);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(count_where(e, "people", filter::all()) == 1u);
    BOOST_TEST(count_where(e, "tags", filter::all()) == 1u);
    BOOST_TEST(e.schema_version("test.people", ec, diag) == 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(migrate_up_to_then_the_rest_upgrades_existing_rows, Factory, data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    error_code ec;
    diagnostics diag;

    BOOST_TEST(e.migrate(docs_plan(), 1, ec, diag) == 1);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);
    put(e, "docs", record{{"title", "a"}, {"size", 10}});
    put(e, "docs", record{{"title", "b"}});

    // Version 2's columns do not exist yet.
    find_options fo;
    fo.fields = {"status"};
    (void)e.find("docs", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "status");

    BOOST_TEST(e.migrate(docs_plan(), 2, ec, diag) == 2);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 2);
    BOOST_TEST(dump(e, "docs", "id") == "{id=1, title='a', size=10, status='draft', rank=null, slug=null}\n"
                                        "{id=2, title='b', size=null, status='draft', rank=null, slug=null}\n",
               "existing rows take the added columns' defaults, or null");

    // The unique index of version 2 works on new values, and the existing nulls never conflicted.
    put(e, "docs", record{{"title", "c"}, {"slug", "s"}});
    e.insert("docs", record{{"title", "d"}, {"slug", "s"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(e.update("docs", col("id") == 1, {set("slug", "t")}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    // The rest: version 3 drops that index.
    BOOST_TEST(e.migrate(docs_plan(), ec, diag) == 3);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(e, "docs", record{{"title", "e"}, {"slug", "s"}});
    BOOST_TEST(count_where(e, "docs", col("slug") == "s") == 2u, "docs_slug was dropped, slugs may repeat");
    BOOST_TEST(count_where(e, "docs", col("status") == "draft") == 4u);

    // Up to a version below the stored one changes nothing.
    BOOST_TEST(e.migrate(docs_plan(), 1, ec, diag) == 3);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 3);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(migrate_refuses_a_database_newer_than_the_plan, Factory, data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, docs_plan(3));
    put(e, "docs", record{{"title", "a"}});
    error_code ec;
    diagnostics diag;

    e.migrate(docs_plan(2), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_too_new, "test.docs");
    ec.clear();
    e.migrate(docs_plan(2), 1, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_too_new);

    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 3);
    BOOST_TEST(count_where(e, "docs", filter::all()) == 1u, "nothing was touched");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(malformed_plans_fail_with_schema_error, Factory, data_engine_factories) {
    error_code ec;
    diagnostics diag;

    // Plans whose versions do not run 1, 2, ... n, or without a valid name: nothing is applied.
    {
        Factory factory;
        auto e = factory.make();
        schema_plan gap = docs_plan(3);
        gap.migrations.erase(gap.migrations.begin() + 1);
        e.migrate(gap, ec, diag);
        HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);
        BOOST_TEST(e.schema_version("test.docs", ec, diag) == 0);
        (void)e.count("docs", filter::all(), ec, diag);
        HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "docs");

        schema_plan unnamed = docs_plan(1);
        unnamed.name = "";
        e.migrate(unnamed, ec, diag);
        HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);
        schema_plan bad_name = docs_plan(1);
        bad_name.name = "9docs";
        e.migrate(bad_name, ec, diag);
        HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);
    }

    // One bad step as version 2 over a good version 1: schema_error, the engine stays at version 1.
    struct bad_step {
        const char* what;
        schema_step step;
        const char* named;  // what the diagnostics must name, or "" when the wording is open
    };
    table_def no_columns;
    no_columns.name = "empty";
    no_columns.primary_key = "id";
    table_def bad_pk;
    bad_pk.name = "bad_pk";
    bad_pk.columns = {column("a", column_type::text)};
    bad_pk.primary_key = "b";
    table_def auto_not_pk;
    auto_not_pk.name = "auto_not_pk";
    auto_not_pk.columns = {column("a", column_type::text, false), auto_key("n")};
    auto_not_pk.primary_key = "a";
    table_def twice;
    twice.name = "twice";
    twice.columns = {column("a", column_type::text, false), column("a", column_type::integer)};
    twice.primary_key = "a";
    table_def index_unknown;
    index_unknown.name = "index_unknown";
    index_unknown.columns = {column("a", column_type::text, false)};
    index_unknown.primary_key = "a";
    index_unknown.indexes = {make_index("index_unknown_b", {"b"})};
    table_def bad_table_name = index_unknown;
    bad_table_name.name = "1table";
    bad_table_name.indexes.clear();

    std::vector<bad_step> cases = {
        {"create_table of an existing table", create_table{docs_table()}, "docs"},
        {"create_table without columns", create_table{no_columns}, ""},
        {"create_table with an unknown primary key", create_table{bad_pk}, ""},
        {"create_table with auto_increment off the primary key", create_table{auto_not_pk}, ""},
        {"create_table with a column declared twice", create_table{twice}, ""},
        {"create_table with an index over an unknown column", create_table{index_unknown}, ""},
        {"create_table with an invalid name", create_table{bad_table_name}, ""},
        {"add_column to a missing table", add_column{"nope", column("x", column_type::text)}, "nope"},
        {"add_column NOT NULL without default", add_column{"docs", column("flag", column_type::integer, false)},
         "flag"},
        {"add_column of an existing column", add_column{"docs", column("title", column_type::text)}, "title"},
        {"add_column with a default of the wrong type",
         add_column{"docs", column("pages", column_type::integer, false, "many")}, "pages"},
        {"create_index over an unknown column", create_index{"docs", make_index("docs_nope", {"nope_col"})},
         "nope_col"},
        {"create_index on a missing table", create_index{"nope", make_index("nope_title", {"title"})}, "nope"},
        {"create_index with a taken name", create_index{"docs", make_index("docs_title", {"size"})}, "docs_title"},
        {"drop_index of an unknown index", drop_index{"docs", "no_such_index"}, "no_such_index"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            Factory factory;
            auto e = factory.make();
            must_migrate(e, docs_plan(1));
            put(e, "docs", record{{"title", "a"}});
            schema_plan p = docs_plan(1);
            p.migrations.push_back(make_migration(2, c.what, {c.step}));
            ec.clear();
            e.migrate(p, ec, diag);
            if (std::string_view(c.named).empty())
                HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);
            else
                HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, c.named);
            BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);
            BOOST_TEST(dump(e, "docs", "id") == "{id=1, title='a', size=null}\n");
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failing_migration_leaves_the_previous_version_intact, Factory, data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, docs_plan(1));
    put(e, "docs", record{{"title", "a"}});
    error_code ec;
    diagnostics diag;

    table_def extra;
    extra.name = "extra";
    extra.columns = {column("k", column_type::text, false)};
    extra.primary_key = "k";
    schema_plan p = docs_plan(1);
    p.migrations.push_back(
        make_migration(2, "two good steps and a bad one",
                       {create_table{extra}, add_column{"docs", column("flag", column_type::integer, false, 1)},
                        create_index{"docs", make_index("docs_flag", {"flag"})},
                        add_column{"missing", column("x", column_type::text)}}));

    e.migrate(p, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "missing");
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);

    // Nothing of version 2 stayed: no table, no column, no index name taken.
    e.insert("extra", record{{"k", "x"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "extra");
    find_options fo;
    fo.fields = {"flag"};
    (void)e.find("docs", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "flag");
    BOOST_TEST(dump(e, "docs", "id") == "{id=1, title='a', size=null}\n");

    // Fixed, the same version applies cleanly.
    p.migrations[1].steps.pop_back();
    BOOST_TEST(e.migrate(p, ec, diag) == 2);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(dump(e, "docs", "id") == "{id=1, title='a', size=null, flag=1}\n");
    put(e, "extra", record{{"k", "x"}});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_unique_index_over_repeated_values_fails_and_is_not_created, Factory,
                              data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, docs_plan(1));
    put(e, "docs", record{{"title", "a"}});
    put(e, "docs", record{{"title", "a"}});
    error_code ec;
    diagnostics diag;

    schema_plan p = docs_plan(1);
    p.migrations.push_back(
        make_migration(2, "unique titles", {create_index{"docs", make_index("docs_title_uq", {"title"}, true)}}));
    e.migrate(p, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);
    put(e, "docs", record{{"title", "a"}});
    BOOST_TEST(count_where(e, "docs", col("title") == "a") == 3u, "the index does not exist");
}

// ===================================================================================================
// Partial indexes
// ===================================================================================================

// jobs and jobs_ref hold the same rows; jobs has partial indexes (on the rows of one state, or of
// two), jobs_ref none. Every statement must match the same rows in both.
inline table_def jobs_table(std::string name, bool partial) {
    table_def t;
    t.name = name;
    t.columns = {auto_key("seq"), column("state", column_type::text, false, "open"),
                 column("lane", column_type::integer), column("due", column_type::integer),
                 column("owner", column_type::text)};
    t.primary_key = "seq";
    if (partial)
        t.indexes = {
            make_partial_index(name + "_open", {"seq"}, col("state") == "open"),
            make_partial_index(name + "_open_lane", {"lane", "seq"}, col("state") == "open"),
            make_partial_index(name + "_busy", {"due"}, col("state") == "busy"),
            make_partial_index(name + "_gone", {"state", "seq"},
                               col("state") == "failed" || col("state") == "dead"),
            make_partial_index(name + "_owned", {"owner"}, col("owner").is_not_null() && col("lane") >= 2)};
    return t;
}

inline schema_plan jobs_plan() {
    schema_plan p;
    p.name = "test.jobs";
    p.migrations = {make_migration(
        1, "jobs", {create_table{jobs_table("jobs", true)}, create_table{jobs_table("jobs_ref", false)}})};
    return p;
}

// The same rows, in both tables: states cycle through open, busy, success, failed, dead.
template <class E>
void insert_jobs(E& e, int n) {
    const char* states[] = {"open", "busy", "success", "failed", "dead", "open", "open"};
    for (int i = 0; i < n; ++i) {
        record r{{"state", states[i % 7]}, {"lane", i % 4}};
        if (i % 3 != 0)
            r.set("due", i);
        if (i % 5 == 1)
            r.set("owner", "o" + std::to_string(i % 2));
        put(e, "jobs", r);
        put(e, "jobs_ref", r);
    }
}

// Every filter, order and limit below, on both tables: the same rows, counts and changes.
template <class E>
void check_jobs_agree(E& e, const char* when) {
    const std::vector<std::pair<const char*, filter>> filters = {
        {"all", filter::all()},
        {"open", col("state") == "open"},
        {"open in lane 2", col("state") == "open" && col("lane") == 2},
        {"open, due, lane 1",
         col("state") == "open" && (col("due").is_null() || col("due") <= 20) && col("lane") == 1},
        {"busy, due before 30", col("state") == "busy" && col("due") < 30},
        {"dead", col("state") == "dead"},
        {"failed or dead", col("state").in({"failed", "dead"})},
        {"open or busy", col("state").in({"open", "busy"})},
        {"not open", col("state") != "open"},
        {"lane 1", col("lane") == 1},
        {"open or lane 3", col("state") == "open" || col("lane") == 3},
        {"owned in lane 3", col("owner") == "o1" && col("lane") == 3},
        {"owned in a high lane", col("owner").is_not_null() && col("lane") >= 2},
        {"after 10, open", col("seq") > 10 && col("state") == "open"},
    };
    for (const auto& [name, f] : filters) {
        BOOST_TEST_CONTEXT(when << ", " << name) {
            BOOST_TEST(count_where(e, "jobs", f) == count_where(e, "jobs_ref", f));
            for (bool desc : {false, true}) {
                for (std::size_t limit : {std::size_t(0), std::size_t(1), std::size_t(3)}) {
                    find_options fo;
                    fo.where = f;
                    fo.order = {order_by{"seq", desc}};
                    fo.limit = limit;
                    BOOST_TEST(render(rows_of(e, "jobs", fo)) == render(rows_of(e, "jobs_ref", fo)),
                               "order " << (desc ? "desc" : "asc") << ", limit " << limit);
                }
            }
            find_options by_due;
            by_due.where = f;
            by_due.order = {order_by{"due"}, order_by{"seq"}};
            BOOST_TEST(render(rows_of(e, "jobs", by_due)) == render(rows_of(e, "jobs_ref", by_due)));
        }
    }
}

// Applies the same update or removal to both tables and checks that it matched as many rows.
template <class E>
void change_jobs(E& e, const filter& f, const std::vector<change>& ch) {
    error_code ec;
    diagnostics diag;
    std::size_t a = ch.empty() ? e.remove("jobs", f, ec, diag) : e.update("jobs", f, ch, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    std::size_t b = ch.empty() ? e.remove("jobs_ref", f, ec, diag) : e.update("jobs_ref", f, ch, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(a == b);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(partial_indexes_never_change_what_a_statement_matches, Factory,
                              data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, jobs_plan());
    insert_jobs(e, 40);
    check_jobs_agree(e, "after the inserts");

    // Rows move into and out of the indexes' predicates, and out of the tables.
    change_jobs(e, col("state") == "open" && col("lane") == 1, {set("state", "busy"), set("due", 7)});
    change_jobs(e, col("state") == "busy" && col("due") < 15, {set("state", "open"), set("due", nullptr)});
    change_jobs(e, col("state") == "failed", {set("state", "dead")});
    change_jobs(e, col("state") == "success" && col("lane") == 2,
                {set("state", "failed"), set("owner", "o9")});
    change_jobs(e, col("lane") == 3 && col("owner").is_null(), {set("owner", "o1")});
    change_jobs(e, col("state") == "open" && col("lane") == 0, {});
    check_jobs_agree(e, "after the changes");

    // A transaction that moves rows, then rolls back: the indexes follow the rows back.
    error_code ec;
    diagnostics diag;
    const std::string before = dump(e, "jobs", "seq");
    {
        auto tx = e.begin(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        BOOST_TEST(tx.update("jobs", col("state") == "open", {set("state", "busy"), set("due", 1)}, ec, diag) >
                   0u);
        BOOST_TEST(tx.update("jobs", col("state") == "dead", {set("state", "open")}, ec, diag) > 0u);
        BOOST_TEST(tx.remove("jobs", col("state") == "busy" && col("lane") == 2, ec, diag) > 0u);
        put(tx, "jobs", record{{"state", "dead"}, {"lane", 1}});
        tx.rollback(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    BOOST_TEST(dump(e, "jobs", "seq") == before);
    check_jobs_agree(e, "after the rollback");

    // An index created over existing rows holds the same ones.
    schema_plan p = jobs_plan();
    p.migrations.push_back(make_migration(
        2, "a later partial index",
        {create_index{"jobs", make_partial_index("jobs_late", {"lane", "due"},
                                                 col("state").in({"busy", "success"}))}}));
    must_migrate(e, p);
    change_jobs(e, col("state") == "open" && col("lane") == 2, {set("state", "success")});
    check_jobs_agree(e, "after a later index");
    BOOST_TEST(count_where(e, "jobs", col("state").in({"busy", "success"}) && col("lane") == 2) ==
               count_where(e, "jobs_ref", col("state").in({"busy", "success"}) && col("lane") == 2));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_unique_partial_index_refuses_repeats_among_its_rows_only, Factory,
                              data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    table_def slots;
    slots.name = "slots";
    slots.columns = {auto_key("seq"), column("name", column_type::text, false),
                     column("live", column_type::integer, false, 1)};
    slots.primary_key = "seq";
    slots.indexes = {make_partial_index("slots_live_name", {"name"}, col("live") == 1, true)};
    schema_plan p;
    p.name = "test.slots";
    p.migrations = {make_migration(1, "slots", {create_table{slots}})};
    must_migrate(e, p);
    error_code ec;
    diagnostics diag;

    std::int64_t a1 = put(e, "slots", record{{"name", "a"}});
    put(e, "slots", record{{"name", "a"}, {"live", 0}});
    std::int64_t a3 = put(e, "slots", record{{"name", "a"}, {"live", 0}});
    put(e, "slots", record{{"name", "b"}});
    e.insert("slots", record{{"name", "a"}, {"live", 1}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::unique_violation, "slots_live_name");
    e.update("slots", col("seq") == a3, {set("live", 1)}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::unique_violation, "slots_live_name");
    e.update("slots", col("name") == "b", {set("name", "a")}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(count_where(e, "slots", col("name") == "a") == 3u);
    BOOST_TEST(count_where(e, "slots", col("name") == "a" && col("live") == 1) == 1u);

    // The live row leaves the index; another may take its place.
    BOOST_TEST(e.update("slots", col("seq") == a1, {set("live", 0)}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.update("slots", col("seq") == a3, {set("live", 1)}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    find_options fo;
    fo.where = col("name") == "a" && col("live") == 1;
    fo.fields = {"seq"};
    auto live = rows_of(e, "slots", fo);
    BOOST_TEST_REQUIRE(live.size() == 1u);
    BOOST_TEST(live[0]["seq"].as_integer() == a3);

    // Created over existing rows: repeats outside the predicate are fine, inside they are not.
    schema_plan p2 = p;
    p2.migrations.push_back(make_migration(
        2, "one dead row per name",
        {create_index{"slots", make_partial_index("slots_dead_name", {"name"}, col("live") == 0, true)}}));
    e.migrate(p2, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);  // two dead 'a' rows
    BOOST_TEST(e.schema_version("test.slots", ec, diag) == 1);
    p2.migrations.back().steps = {create_index{
        "slots", make_partial_index("slots_b", {"name"}, col("name") == "b" && col("live") == 1, true)}};
    must_migrate(e, p2);
    put(e, "slots", record{{"name", "b"}, {"live", 0}});
    e.insert("slots", record{{"name", "b"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(partial_index_predicates_are_checked, Factory, data_engine_factories) {
    error_code ec;
    diagnostics diag;
    struct bad_where {
        const char* what;
        filter where;
        const char* named;
    };
    std::vector<bad_where> cases = {
        {"an unknown column", col("nope") == 1, "nope"},
        {"a comparison with null", col("title") == nullptr, "title"},
        {"a text column with an integer", col("title") == 3, "title"},
        {"an integer column with text", col("size").in({value(1), value("x")}), "size"},
        {"a NaN", col("size") == std::numeric_limits<double>::quiet_NaN(), "size"},
        {"a NUL byte", col("title") == std::string("a\0b", 3), "title"},
        {"a json column", col("meta") == "x", "meta"},
        {"an unknown column in an or", col("title") == "a" || col("nope").is_null(), "nope"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            // As a step on an existing table...
            Factory factory;
            auto e = factory.make();
            schema_plan p = docs_plan(1);
            p.migrations.push_back(
                make_migration(2, "meta", {add_column{"docs", column("meta", column_type::json)}}));
            must_migrate(e, p);
            put(e, "docs", record{{"title", "a"}});
            p.migrations.push_back(make_migration(
                3, c.what, {create_index{"docs", make_partial_index("docs_bad", {"title"}, c.where)}}));
            ec.clear();
            e.migrate(p, ec, diag);
            HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, c.named);
            BOOST_TEST(names(diag, "docs_bad"));
            BOOST_TEST(e.schema_version("test.docs", ec, diag) == 2);
            // ... and in a new table's definition.
            table_def t = docs_table();
            t.name = "docs2";
            t.columns.push_back(column("meta", column_type::json));
            t.indexes = {make_partial_index("docs2_bad", {"title"}, c.where)};
            schema_plan q;
            q.name = "test.docs2";
            q.migrations = {make_migration(1, c.what, {create_table{t}})};
            e.migrate(q, ec, diag);
            HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, c.named);
            BOOST_TEST(e.schema_version("test.docs2", ec, diag) == 0);
        }
    }
}

// ===================================================================================================
// drop_column and copy_rows
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(drop_column_removes_a_column_and_its_values, Factory, data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, docs_plan(2));
    put(e, "docs", record{{"title", "a"}, {"size", 1}, {"slug", "s-a"}, {"rank", 0.5}});
    put(e, "docs", record{{"title", "b"}, {"size", 2}, {"slug", "s-b"}});
    error_code ec;
    diagnostics diag;

    // A column before others, with the index over it dropped first; then a column in the middle.
    schema_plan p = docs_plan(2);
    p.migrations.push_back(make_migration(
        3, "no titles, no ranks",
        {drop_index{"docs", "docs_title"}, drop_column{"docs", "title"}, drop_column{"docs", "rank"}}));
    must_migrate(e, p);
    BOOST_TEST(dump(e, "docs", "id") ==
               "{id=1, size=1, status='draft', slug='s-a'}\n{id=2, size=2, status='draft', slug='s-b'}\n");
    find_options fo;
    fo.fields = {"title"};
    (void)e.find("docs", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "title");
    e.insert("docs", record{{"title", "c"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "title");
    // The indexes over the columns that stay still find and guard their rows.
    BOOST_TEST(count_where(e, "docs", col("slug") == "s-b") == 1u);
    e.insert("docs", record{{"slug", "s-a"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::unique_violation, "docs_slug");
    if constexpr (keys_skip_after_failed_insert<Factory>)
        BOOST_TEST(put(e, "docs", record{{"size", 3}, {"slug", "s-c"}}) > 2);
    else
        BOOST_TEST(put(e, "docs", record{{"size", 3}, {"slug", "s-c"}}) == 3);
    BOOST_TEST(count_where(e, "docs", col("size") == 3 && col("slug") == "s-c") == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failing_migration_puts_a_dropped_column_back, Factory,
                              data_engine_factories) {
    Factory factory;
    auto e = factory.make();
    must_migrate(e, docs_plan(2));
    put(e, "docs", record{{"title", "a"}, {"size", 1}, {"slug", "s-a"}});
    put(e, "docs", record{{"title", "b"}, {"size", 2}, {"slug", "s-b"}});
    const std::string before = dump(e, "docs", "id");
    error_code ec;
    diagnostics diag;

    schema_plan p = docs_plan(2);
    p.migrations.push_back(make_migration(3, "drop, then fail",
                                          {drop_index{"docs", "docs_title"}, drop_column{"docs", "title"},
                                           create_index{"docs", make_index("docs_size", {"size"})},
                                           add_column{"missing", column("x", column_type::text)}}));
    e.migrate(p, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "missing");
    BOOST_TEST(e.schema_version("test.docs", ec, diag) == 2);
    BOOST_TEST(dump(e, "docs", "id") == before);
    // Every index is back and right: by title, the unique slug, and no docs_size.
    BOOST_TEST(count_where(e, "docs", col("title") == "b") == 1u);
    BOOST_TEST(count_where(e, "docs", col("size") == 1) == 1u);
    e.insert("docs", record{{"title", "c"}, {"slug", "s-b"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::unique_violation, "docs_slug");
    p.migrations.back().steps.pop_back();
    must_migrate(e, p);
    BOOST_TEST(dump(e, "docs", "id") == "{id=1, size=1, status='draft', rank=null, slug='s-a'}\n"
                                        "{id=2, size=2, status='draft', rank=null, slug='s-b'}\n");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(drop_column_refuses_keys_indexed_and_unknown_columns, Factory,
                              data_engine_factories) {
    struct bad_drop {
        const char* what;
        std::vector<schema_step> steps;
        const char* named;
    };
    std::vector<bad_drop> cases = {
        {"the primary key", {drop_column{"docs", "id"}}, "id"},
        {"an indexed column", {drop_column{"docs", "title"}}, "docs_title"},
        {"a column in a partial index's where",
         {create_index{"docs", make_partial_index("docs_small", {"title"}, col("size") < 10)},
          drop_column{"docs", "size"}},
         "docs_small"},
        {"an unknown column", {drop_column{"docs", "nope"}}, "nope"},
        {"a column of a missing table", {drop_column{"nope", "title"}}, "nope"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            Factory factory;
            auto e = factory.make();
            must_migrate(e, docs_plan(1));
            put(e, "docs", record{{"title", "a"}, {"size", 1}});
            schema_plan p = docs_plan(1);
            p.migrations.push_back(make_migration(2, c.what, c.steps));
            error_code ec;
            diagnostics diag;
            e.migrate(p, ec, diag);
            HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, c.named);
            BOOST_TEST(e.schema_version("test.docs", ec, diag) == 1);
            BOOST_TEST(dump(e, "docs", "id") == "{id=1, title='a', size=1}\n");
        }
    }
}

// copies takes people's rows: name as its key, age as a real, data, and a default label.
inline table_def copies_table() {
    table_def t;
    t.name = "copies";
    t.columns = {column("name", column_type::text, false), column("age", column_type::real),
                 column("data", column_type::json), column("label", column_type::text, false, "copied")};
    t.primary_key = "name";
    t.indexes = {make_index("copies_age", {"age"})};
    return t;
}

BOOST_AUTO_TEST_CASE_TEMPLATE(copy_rows_copies_every_row_and_fails_whole, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);
    error_code ec;
    diagnostics diag;

    schema_plan p = people_plan();
    p.migrations.push_back(make_migration(3, "copies",
                                          {create_table{copies_table()},
                                           copy_rows{"people", "copies", {"name", "age", "data"}}}));
    must_migrate(e, p);
    BOOST_TEST(dump(e, "copies", "name") ==
               "{name='ann', age=real:30, data=json:{\"k\":1}, label='copied'}\n"
               "{name='bob', age=real:20, data=null, label='copied'}\n"
               "{name='cat', age=null, data=null, label='copied'}\n"
               "{name='dan', age=real:40, data=null, label='copied'}\n"
               "{name='eve', age=real:30, data=null, label='copied'}\n");
    BOOST_TEST(count_where(e, "copies", col("age") == 30) == 2u);
    BOOST_TEST(count_where(e, "people", filter::all()) == 5u);

    // A second copy repeats every key: the migration fails and copies nothing.
    p.migrations.push_back(make_migration(4, "again", {copy_rows{"people", "copies", {"name"}}}));
    e.migrate(p, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(e.schema_version("test.people", ec, diag) == 3);
    BOOST_TEST(count_where(e, "copies", filter::all()) == 5u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(copy_rows_steps_are_checked, Factory, data_engine_factories) {
    table_def strict = copies_table();
    strict.name = "strict";
    strict.indexes.clear();
    strict.columns.push_back(column("must", column_type::text, false));
    table_def typed = copies_table();
    typed.name = "typed";
    typed.indexes.clear();
    typed.columns[1] = column("age", column_type::text);
    struct bad_copy {
        const char* what;
        copy_rows step;
        const char* named;
    };
    std::vector<bad_copy> cases = {
        {"a column the source lacks", copy_rows{"people", "copies", {"name", "label"}}, "label"},
        {"a column the target lacks", copy_rows{"people", "copies", {"name", "org"}}, "org"},
        {"an integer into a text column", copy_rows{"people", "typed", {"name", "age"}}, "age"},
        {"a required column left out", copy_rows{"people", "strict", {"name"}}, "must"},
        {"no columns", copy_rows{"people", "copies", {}}, "copies"},
        {"one table", copy_rows{"people", "people", {"name"}}, "people"},
        {"a missing table", copy_rows{"nope", "copies", {"name"}}, "nope"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.what) {
            auto e = people_engine<Factory>();
            insert_five(e);
            schema_plan p = people_plan();
            p.migrations.push_back(make_migration(3, c.what,
                                                  {create_table{copies_table()}, create_table{strict},
                                                   create_table{typed}, c.step}));
            error_code ec;
            diagnostics diag;
            e.migrate(p, ec, diag);
            HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, c.named);
            BOOST_TEST(e.schema_version("test.people", ec, diag) == 2);
            (void)e.count("copies", filter::all(), ec, diag);
            HOOKBOX_DE_CHECK_CODE(ec, diag, errc::schema_error);  // the table was not kept either
        }
    }
}

// ===================================================================================================
// Inserting and reading back
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(insert_and_find_round_trip_every_type, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    const std::string json = R"({"b":1,  "a":[1.50,"x"]}  )";
    const std::string text = "it's \"quoted\"\nand \xc3\xa9 \xf0\x9f\x98\x80";
    const std::int64_t big = std::numeric_limits<std::int64_t>::max();
    const std::int64_t small = std::numeric_limits<std::int64_t>::min();

    put(e, "people",
        record{{"name", "full"},
               {"org", "beta"},
               {"email", "f@x"},
               {"age", big},
               {"score", 0.1},
               {"data", value::json(json)},
               {"note", text}});
    put(e, "people", record{{"name", "defaults"}});
    // A real column takes an integer, a json column takes text: both stored in the column's type.
    put(e, "people", record{{"name", "converted"}, {"age", small}, {"score", 3}, {"data", "[1, 2]"}});
    // Explicit nulls in nullable columns.
    put(e, "people",
        record{{"name", "nulls"},
               {"email", nullptr},
               {"age", nullptr},
               {"score", nullptr},
               {"data", nullptr},
               {"note", nullptr}});

    auto rows = rows_of(e, "people", find_options{filter::all(), {}, {order_by{"seq", false}}, 0});
    BOOST_REQUIRE_EQUAL(rows.size(), 4u);
    BOOST_TEST(render(rows[0]) == "{seq=1, name='full', org='beta', email='f@x', age=9223372036854775807, "
                                  "score=real:0.1, data=json:" +
                                      json + ", note='" + text + "'}");
    BOOST_TEST(render(rows[1]) == "{seq=2, name='defaults', org='acme', email=null, age=null, score=null, "
                                  "data=null, note=null}",
               "missing columns take their default, else null");
    BOOST_TEST(render(rows[2]) == "{seq=3, name='converted', org='acme', email=null, age=-9223372036854775808, "
                                  "score=real:3, data=json:[1, 2], note=null}");
    BOOST_TEST(render(rows[3]) == "{seq=4, name='nulls', org='acme', email=null, age=null, score=null, "
                                  "data=null, note=null}");

    // The kinds, not only the renderings.
    BOOST_TEST((rows[0]["seq"].type() == value::kind::integer));
    BOOST_TEST((rows[0]["score"].type() == value::kind::real));
    BOOST_TEST((rows[0]["data"].type() == value::kind::json));
    BOOST_TEST(rows[0]["data"].as_text() == json, "json bytes are kept exactly");
    BOOST_TEST((rows[0]["note"].type() == value::kind::text));
    BOOST_TEST((rows[2]["score"].type() == value::kind::real));
    BOOST_TEST(rows[2]["score"].as_real() == 3.0);
    BOOST_TEST((rows[2]["data"].type() == value::kind::json));
    BOOST_TEST(rows[3]["email"].is_null());
    BOOST_TEST(rows[3].find("email") != nullptr, "a null column is still a field of the record");

    // And through a filter on each stored value.
    BOOST_TEST(names_where(e, col("age") == big) == strings{"full"});
    BOOST_TEST(names_where(e, col("age") == small) == strings{"converted"});
    BOOST_TEST(names_where(e, col("score") == 0.1) == strings{"full"});
    BOOST_TEST(names_where(e, col("note") == text) == strings{"full"});
}

BOOST_AUTO_TEST_CASE_TEMPLATE(auto_increment_counts_from_one_and_never_reuses, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;

    BOOST_TEST(put(e, "people", record{{"name", "a"}}) == 1);
    BOOST_TEST(put(e, "people", record{{"name", "b"}}) == 2);
    BOOST_TEST(put(e, "people", record{{"name", "c"}}) == 3);

    BOOST_TEST(e.remove("people", col("seq") == 3, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(put(e, "people", record{{"name", "d"}}) == 4, "3 belonged to a removed row");
    BOOST_TEST(e.remove("people", filter::all(), ec, diag) == 3u);
    BOOST_TEST(put(e, "people", record{{"name", "e"}}) == 5, "an emptied table keeps counting");

    // An explicit key is taken as given and moves the counter past it; a null key is assigned.
    BOOST_TEST(put(e, "people", record{{"seq", 10}, {"name", "f"}}) == 10);
    BOOST_TEST(put(e, "people", record{{"name", "g"}}) == 11);
    BOOST_TEST(put(e, "people", record{{"seq", 7}, {"name", "h"}}) == 7);
    BOOST_TEST(put(e, "people", record{{"seq", nullptr}, {"name", "i"}}) == 12);
    BOOST_TEST(names_where(e, col("seq") == 7) == strings{"h"});

    // A table without an auto-increment key returns 0.
    BOOST_TEST(put(e, "tags", record{{"tag", "x"}}) == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(insert_many_inserts_all_or_none, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;

    std::vector<record> three = {record{{"name", "a"}, {"email", "a@x"}}, record{{"name", "b"}, {"email", "b@x"}},
                                 record{{"name", "c"}, {"email", "c@x"}}};
    auto keys = e.insert_many("people", three, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(keys == (std::vector<std::int64_t>{1, 2, 3}));
    const std::string before = dump(e, "people", "seq");

    // The middle row repeats (acme, b@x).
    std::vector<record> clash = {record{{"name", "d"}, {"email", "d@x"}}, record{{"name", "e"}, {"email", "b@x"}},
                                 record{{"name", "f"}, {"email", "f@x"}}};
    e.insert_many("people", clash, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before, "no row of the failed batch stayed");

    // Two rows of the batch repeat each other.
    std::vector<record> self_clash = {record{{"name", "g"}, {"email", "g@x"}}, record{{"name", "h"}, {"email", "h@x"}},
                                      record{{"name", "i"}, {"email", "g@x"}}};
    e.insert_many("people", self_clash, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);

    // A schema error in the middle.
    std::vector<record> bad = {record{{"name", "j"}}, record{{"age", 1}}, record{{"name", "k"}}};
    e.insert_many("people", bad, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");
    BOOST_TEST(dump(e, "people", "seq") == before);

    // Nothing to insert.
    keys = e.insert_many("people", std::vector<record>{}, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(keys.empty());

    // Later inserts still work and get fresh keys.
    std::int64_t k = put(e, "people", record{{"name", "z"}});
    BOOST_TEST(k > 3);
    BOOST_TEST(count_where(e, "people", filter::all()) == 4u);
}

// ===================================================================================================
// Filters
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(comparisons_on_integer_real_and_text, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);

    // integer (cat's age is null: no comparison matches it, not even <>)
    BOOST_TEST(names_where(e, col("age") == 30) == (strings{"ann", "eve"}));
    BOOST_TEST(names_where(e, col("age") != 30) == (strings{"bob", "dan"}));
    BOOST_TEST(names_where(e, col("age") < 30) == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("age") <= 30) == (strings{"ann", "bob", "eve"}));
    BOOST_TEST(names_where(e, col("age") > 30) == (strings{"dan"}));
    BOOST_TEST(names_where(e, col("age") >= 30) == (strings{"ann", "dan", "eve"}));
    BOOST_TEST(names_where(e, col("age") == 31) == (strings{}));

    // real (dan's score is null)
    BOOST_TEST(names_where(e, col("score") == 2.5) == (strings{"cat"}));
    BOOST_TEST(names_where(e, col("score") != 2.0) == (strings{"ann", "cat", "eve"}));
    BOOST_TEST(names_where(e, col("score") < 2.0) == (strings{"ann", "eve"}));
    BOOST_TEST(names_where(e, col("score") <= 2.0) == (strings{"ann", "bob", "eve"}));
    BOOST_TEST(names_where(e, col("score") > 1.5) == (strings{"bob", "cat"}));
    BOOST_TEST(names_where(e, col("score") >= 1.5) == (strings{"ann", "bob", "cat"}));

    // a real column against integer operands compares numerically
    BOOST_TEST(names_where(e, col("score") == 2) == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("score") > 2) == (strings{"cat"}));
    BOOST_TEST(names_where(e, col("score") >= -1) == (strings{"ann", "bob", "cat", "eve"}));
    BOOST_TEST(names_where(e, col("score") < 0) == (strings{"eve"}));

    // text compares byte by byte: "Apple" < "Zed" < "apple" < "é" (0xc3 0xa9); dan's note is null
    BOOST_TEST(names_where(e, col("name") == "bob") == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("note") == "APPLE") == (strings{}), "comparison is case-sensitive");
    BOOST_TEST(names_where(e, col("note") != "apple") == (strings{"ann", "cat", "eve"}));
    BOOST_TEST(names_where(e, col("note") < "apple") == (strings{"ann", "cat"}));
    BOOST_TEST(names_where(e, col("note") <= "Apple") == (strings{"cat"}));
    BOOST_TEST(names_where(e, col("note") > "apple") == (strings{"eve"}));
    BOOST_TEST(names_where(e, col("note") >= "Zed") == (strings{"ann", "bob", "eve"}));
    BOOST_TEST(names_where(e, col("note") > "z") == (strings{"eve"}), "bytes compare unsigned");
    BOOST_TEST(names_where(e, col("name") > "c") == (strings{"cat", "dan", "eve"}));

    // The primary key and the indexed columns give the same answers as any other column.
    BOOST_TEST(names_where(e, col("seq") == 2) == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("seq") > 3) == (strings{"dan", "eve"}));
    BOOST_TEST(names_where(e, col("org") == "acme" && col("email") == "b@x") == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("org") == "acme" && col("email") == "d@x") == (strings{}));
    BOOST_TEST(names_where(e, col("email") == "d@x" && col("org") == "beta") == (strings{"dan"}));
    BOOST_TEST(names_where(e, col("org") == "beta") == (strings{"cat", "dan"}));
    BOOST_TEST(names_where(e, col("age") == 30 && col("name") == "eve") == (strings{"eve"}));
    BOOST_TEST(names_where(e, col("age") == 30 && col("score") > 0) == (strings{"ann"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(null_tests_in_and_or_and_all, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);

    BOOST_TEST(names_where(e, col("age").is_null()) == (strings{"cat"}));
    BOOST_TEST(names_where(e, col("age").is_not_null()) == (strings{"ann", "bob", "dan", "eve"}));
    BOOST_TEST(names_where(e, col("note").is_null()) == (strings{"dan"}));
    BOOST_TEST(names_where(e, col("data").is_not_null()) == (strings{"ann"}), "json columns take null tests");
    BOOST_TEST(names_where(e, col("data").is_null()) == (strings{"bob", "cat", "dan", "eve"}));
    BOOST_TEST(names_where(e, col("email").is_null()) == (strings{"cat"}));

    BOOST_TEST(names_where(e, col("age").in({20, 40})) == (strings{"bob", "dan"}));
    BOOST_TEST(names_where(e, col("age").in({30, 30, 99})) == (strings{"ann", "eve"}));
    BOOST_TEST(names_where(e, col("age").in({})) == (strings{}), "an empty list matches nothing");
    BOOST_TEST(names_where(e, col("name").in({"ann", "zoe"})) == (strings{"ann"}));
    BOOST_TEST(names_where(e, col("score").in({2, 2.5})) == (strings{"bob", "cat"}));
    BOOST_TEST(names_where(e, col("seq").in({1, 3, 5, 7})) == (strings{"ann", "cat", "eve"}));
    BOOST_TEST(names_where(e, col("seq").in({4})) == (strings{"dan"}));
    std::vector<value> many;
    for (int i = 0; i < 40; i += 2)
        many.push_back(i);
    BOOST_TEST(names_where(e, col("age").in(many)) == (strings{"ann", "bob", "eve"}), "a long list");

    BOOST_TEST(names_where(e, col("org") == "acme" && col("age") >= 25) == (strings{"ann"}));
    BOOST_TEST(names_where(e, col("org") == "gamma" || col("age") < 25) == (strings{"bob", "eve"}));
    BOOST_TEST(names_where(e, (col("org") == "beta" && (col("age").is_null() || col("age") > 35)) ||
                                  col("name") == "eve") == (strings{"cat", "dan", "eve"}));
    BOOST_TEST(names_where(e, (col("age") == 30 || col("age") == 20) && (col("score") > 1.6 || col("note") == "Zed")) ==
               (strings{"ann", "bob"}));
    BOOST_TEST(names_where(e, col("age") != 30 && col("age") != 20) == (strings{"dan"}));
    BOOST_TEST(names_where(e, col("age").in({}) || col("name") == "cat") == (strings{"cat"}));
    BOOST_TEST(names_where(e, col("age").in({}) && col("name") == "cat") == (strings{}));

    BOOST_TEST(names_where(e, filter::all()) == (strings{"ann", "bob", "cat", "dan", "eve"}));
    BOOST_TEST(names_where(e, filter::all() && col("name") == "bob") == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("name") == "bob" || filter::all()) == (strings{"ann", "bob", "cat", "dan", "eve"}));

    // count agrees with find.
    BOOST_TEST(count_where(e, "people", col("age") >= 30) == 3u);
    BOOST_TEST(count_where(e, "people", col("age").is_null() || col("score").is_null()) == 2u);
    BOOST_TEST(count_where(e, "people", col("age").in({})) == 0u);
    BOOST_TEST(count_where(e, "people", filter::all()) == 5u);
}

// ===================================================================================================
// Projection, order, limit
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(projection_order_limit_and_find_one, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);
    error_code ec;
    diagnostics diag;

    // Fields in the order asked, and only those.
    find_options fo;
    fo.where = col("name") == "ann";
    fo.fields = {"note", "age", "name", "data"};
    auto rows = rows_of(e, "people", fo);
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    BOOST_TEST(render(rows[0]) == R"({note='Zed', age=30, name='ann', data=json:{"k":1}})");

    // Single keys: nulls first ascending, last descending.
    BOOST_TEST(names_ordered(e, {{"score", false}}) == (strings{"dan", "eve", "ann", "bob", "cat"}));
    BOOST_TEST(names_ordered(e, {{"score", true}}) == (strings{"cat", "bob", "ann", "eve", "dan"}));
    BOOST_TEST(names_ordered(e, {{"note", false}}) == (strings{"dan", "cat", "ann", "bob", "eve"}));
    BOOST_TEST(names_ordered(e, {{"note", true}}) == (strings{"eve", "bob", "ann", "cat", "dan"}));
    BOOST_TEST(names_ordered(e, {{"seq", true}}) == (strings{"eve", "dan", "cat", "bob", "ann"}));
    BOOST_TEST(names_ordered(e, {{"seq", false}}) == (strings{"ann", "bob", "cat", "dan", "eve"}));

    // Several keys, most significant first.
    BOOST_TEST(names_ordered(e, {{"age", false}, {"name", false}}) == (strings{"cat", "bob", "ann", "eve", "dan"}));
    BOOST_TEST(names_ordered(e, {{"age", true}, {"name", true}}) == (strings{"dan", "eve", "ann", "bob", "cat"}));
    BOOST_TEST(names_ordered(e, {{"org", false}, {"age", true}}) == (strings{"ann", "bob", "dan", "cat", "eve"}));
    BOOST_TEST(names_ordered(e, {{"org", true}, {"score", false}}) == (strings{"eve", "dan", "cat", "ann", "bob"}));

    // Limits, with and without a filter and an order.
    BOOST_TEST(names_ordered(e, {{"age", true}, {"name", false}}, 2) == (strings{"dan", "ann"}));
    BOOST_TEST(names_ordered(e, {{"seq", false}}, 3) == (strings{"ann", "bob", "cat"}));
    BOOST_TEST(names_ordered(e, {{"seq", true}}, 1, col("age") == 30) == (strings{"eve"}));
    BOOST_TEST(names_ordered(e, {{"name", false}}, 0, col("age") >= 30) == (strings{"ann", "dan", "eve"}));
    BOOST_TEST(names_ordered(e, {{"name", false}}, 99) == (strings{"ann", "bob", "cat", "dan", "eve"}));
    find_options limited;
    limited.where = col("org") == "acme" || col("org") == "beta";
    limited.limit = 3;
    BOOST_TEST(rows_of(e, "people", limited).size() == 3u);
    limited.limit = 0;
    BOOST_TEST(rows_of(e, "people", limited).size() == 4u, "a limit of 0 means none");

    // find_one: the first of find.
    find_options one;
    one.order = {{"score", true}};
    one.fields = {"name"};
    auto first = e.find_one("people", one, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(render(*first) == "{name='cat'}");
    one.where = col("name") == "dan";
    one.fields = {};
    first = e.find_one("people", one, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(render(*first) ==
               "{seq=4, name='dan', org='beta', email='d@x', age=40, score=null, data=null, note=null}");
    one.where = col("name") == "zoe";
    first = e.find_one("people", one, ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(!first.has_value());
}

// ===================================================================================================
// Unique indexes
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(unique_violations_on_insert_change_nothing, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;
    put(e, "people", record{{"name", "a"}, {"email", "a@x"}});
    put(e, "people", record{{"name", "b"}, {"org", "beta"}, {"email", "a@x"}});
    const std::string before = dump(e, "people", "seq");

    e.insert("people", record{{"name", "c"}, {"email", "a@x"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    e.insert("people", record{{"name", "c"}, {"org", "beta"}, {"email", "a@x"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    e.insert("people", record{{"seq", 1}, {"name", "c"}, {"email", "c@x"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);
    BOOST_TEST(!(ec == make_error_code(errc::schema_error)), "unique_violation is its own error");

    // A null in a unique column never conflicts.
    put(e, "people", record{{"name", "n1"}});
    put(e, "people", record{{"name", "n2"}});
    put(e, "people", record{{"name", "n3"}, {"email", nullptr}});
    BOOST_TEST(count_where(e, "people", col("email").is_null()) == 3u);

    // A text primary key.
    put(e, "tags", record{{"tag", "t"}, {"weight", 1}});
    e.insert("tags", record{{"tag", "t"}, {"weight", 2}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "tags", "tag") == "{tag='t', weight=1, label=null}\n");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(unique_violations_on_update_change_nothing, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;
    put(e, "people", record{{"name", "r1"}, {"org", "acme"}, {"email", "e1"}, {"age", 1}});
    put(e, "people", record{{"name", "r2"}, {"org", "acme"}, {"email", "e2"}, {"age", 2}});
    put(e, "people", record{{"name", "r3"}, {"org", "beta"}, {"email", "e1"}, {"age", 3}});
    put(e, "people", record{{"name", "r4"}, {"org", "acme"}, {"email", "e4"}, {"age", 4}});
    const std::string before = dump(e, "people", "seq");

    // One row: (beta, e1) onto (acme, e1).
    e.update("people", col("name") == "r3", {set("org", "acme")}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);

    // Several rows, of which only r1 conflicts (with r3): none may change, whatever the row order.
    e.update("people", col("org") == "acme", {set("org", "beta"), add("age", 10)}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);

    // Two rows onto one key.
    e.update("people", col("name").in({"r2", "r4"}), {set("email", "same")}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);

    // The primary key.
    e.update("people", col("name") == "r2", {set("seq", 1)}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
    BOOST_TEST(dump(e, "people", "seq") == before);

    // A row keeping its own key is no conflict; nulls never conflict.
    BOOST_TEST(e.update("people", col("name") == "r1", {set("email", "e1"), set("org", "acme")}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.update("people", col("org") == "acme", {set("email", nullptr)}, ec, diag) == 3u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(count_where(e, "people", col("email").is_null()) == 3u);
    // With the nulls, r3 can move into acme and take e1 back.
    BOOST_TEST(e.update("people", col("name") == "r3", {set("org", "acme")}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, col("org") == "acme" && col("email") == "e1") == strings{"r3"});
}

// ===================================================================================================
// Update, remove, count
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(update_remove_and_count, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    auto seq = insert_five(e);
    error_code ec;
    diagnostics diag;

    // The count of matched rows, also when the values do not change.
    BOOST_TEST(e.update("people", col("org") == "acme", {set("note", "n")}, ec, diag) == 2u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.update("people", col("org") == "acme", {set("note", "n")}, ec, diag) == 2u);
    BOOST_TEST(names_where(e, col("note") == "n") == (strings{"ann", "bob"}));
    BOOST_TEST(e.update("people", col("name") == "zoe", {set("note", "x")}, ec, diag) == 0u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    // add: on the stored value; a null stays null.
    BOOST_TEST(e.update("people", col("name") == "ann", {add("age", 5)}, ec, diag) == 1u);
    BOOST_TEST(e.update("people", col("name").in({"ann", "bob", "cat"}), {add("age", -2)}, ec, diag) == 3u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, col("age") == 33) == (strings{"ann"}));
    BOOST_TEST(names_where(e, col("age") == 18) == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("age").is_null()) == (strings{"cat"}));

    // Several changes at once, each on the row as it was; set to null; real takes an integer.
    BOOST_TEST(e.update("people", col("seq") == seq["dan"],
                        {set("note", "moved"), set("org", "gamma"), add("age", 1), set("email", nullptr),
                         set("score", 7), set("data", value::json("[]"))},
                        ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    find_options fo;
    fo.where = col("name") == "dan";
    auto rows = rows_of(e, "people", fo);
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    BOOST_TEST(render(rows[0]) == "{seq=4, name='dan', org='gamma', email=null, age=41, score=real:7, "
                                  "data=json:[], note='moved'}");

    // Every row.
    BOOST_TEST(e.update("people", filter::all(), {set("note", nullptr)}, ec, diag) == 5u);
    BOOST_TEST(count_where(e, "people", col("note").is_null()) == 5u);

    // remove and count.
    BOOST_TEST(count_where(e, "people", col("org") == "gamma") == 2u);
    BOOST_TEST(e.remove("people", col("org") == "gamma", ec, diag) == 2u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(e.remove("people", col("org") == "gamma", ec, diag) == 0u);
    BOOST_TEST(count_where(e, "people", filter::all()) == 3u);
    BOOST_TEST(count_where(e, "people", col("org") == "acme") == 2u);
    BOOST_TEST(names_where(e, filter::all()) == (strings{"ann", "bob", "cat"}));
    BOOST_TEST(e.remove("people", col("age").in({}), ec, diag) == 0u);
    BOOST_TEST(e.remove("people", filter::all(), ec, diag) == 3u);
    BOOST_TEST(count_where(e, "people", filter::all()) == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(lookups_stay_right_through_changes, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    auto seq = insert_five(e);
    error_code ec;
    diagnostics diag;

    // Change the unique key (org, email), the indexed age and the primary key of a text-keyed table.
    BOOST_TEST(e.update("people", col("name") == "bob", {set("email", "bob@x"), set("age", 50)}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, col("org") == "acme" && col("email") == "b@x") == (strings{}));
    BOOST_TEST(names_where(e, col("org") == "acme" && col("email") == "bob@x") == (strings{"bob"}));
    BOOST_TEST(names_where(e, col("age") == 20) == (strings{}));
    BOOST_TEST(names_where(e, col("age") == 50) == (strings{"bob"}));
    put(e, "people", record{{"name", "new"}, {"email", "b@x"}});  // the old key is free again

    BOOST_TEST(e.remove("people", col("seq") == seq["ann"], ec, diag) == 1u);
    BOOST_TEST(names_where(e, col("seq") == seq["ann"]) == (strings{}));
    BOOST_TEST(names_where(e, col("age") == 30) == (strings{"eve"}));
    put(e, "people", record{{"name", "ann2"}, {"email", "a@x"}});

    put(e, "tags", record{{"tag", "a"}, {"weight", 1}});
    put(e, "tags", record{{"tag", "b"}, {"weight", 1}});
    BOOST_TEST(e.update("tags", col("tag") == "a", {set("tag", "c")}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(count_where(e, "tags", col("tag") == "a") == 0u);
    BOOST_TEST(count_where(e, "tags", col("tag") == "c") == 1u);
    put(e, "tags", record{{"tag", "a"}});
    BOOST_TEST(count_where(e, "tags", col("weight") == 1) == 2u);
    BOOST_TEST(e.update("tags", col("weight") == 1, {add("weight", 1)}, ec, diag) == 2u);
    BOOST_TEST(count_where(e, "tags", col("weight") == 1) == 0u);
    BOOST_TEST(count_where(e, "tags", col("weight") == 2) == 2u);
    BOOST_TEST(dump(e, "tags", "tag") ==
               "{tag='a', weight=0, label=null}\n{tag='b', weight=2, label=null}\n{tag='c', weight=2, label=null}\n");
}

// ===================================================================================================
// Schema errors
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(unknown_tables_and_columns_are_schema_errors, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);
    const std::string before = dump(e, "people", "seq");
    error_code ec;
    diagnostics diag;
    find_options fo;

    // Unknown table, in every statement.
    e.insert("nope", record{{"name", "x"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    std::vector<record> one = {record{{"name", "x"}}};
    e.insert_many("nope", one, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    (void)e.find("nope", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    (void)e.find_one("nope", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    e.update("nope", filter::all(), {set("name", "x")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    e.remove("nope", filter::all(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");
    (void)e.count("nope", filter::all(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nope");

    // Unknown column: insert, filter (also deep inside), projection, order, update.
    e.insert("people", record{{"name", "x"}, {"agee", 1}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "agee");
    fo.where = col("agee") == 1;
    (void)e.find("people", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "agee");
    (void)e.count("people", col("name") == "ann" || (col("age") > 1 && col("colour").is_null()), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "colour");
    e.remove("people", col("shape").in({"x"}), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "shape");
    e.update("people", col("size") == 1, {set("name", "x")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "size");
    fo = {};
    fo.fields = {"name", "nick"};
    (void)e.find("people", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "nick");
    fo = {};
    fo.order = {{"name", false}, {"rank", true}};
    (void)e.find("people", fo, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "rank");
    e.update("people", filter::all(), {set("title", "x")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "title");
    e.update("people", filter::all(), {add("level", 1)}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "level");

    // A table of the other plan's columns is not this table's.
    e.insert("tags", record{{"tag", "x"}, {"name", "y"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");

    BOOST_TEST(dump(e, "people", "seq") == before, "no failed statement changed anything");
    BOOST_TEST(count_where(e, "tags", filter::all()) == 0u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(wrong_types_and_nulls_are_schema_errors, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);
    const std::string before = dump(e, "people", "seq");
    error_code ec;
    diagnostics diag;

    // Inserts: a value of the wrong type, naming the column.
    struct bad_insert {
        const char* column;
        value v;
    };
    std::vector<bad_insert> inserts = {{"age", "thirty"}, {"age", 1.5},  {"name", 5},
                                       {"score", "high"}, {"note", 2},   {"note", value::json("{}")},
                                       {"data", 5},       {"data", 2.5}, {"seq", "one"}};
    for (const auto& b : inserts) {
        BOOST_TEST_CONTEXT(b.column << " = " << render(b.v)) {
            record r{{"name", "x"}, {"email", "x@x"}};
            r.set(b.column, b.v);
            e.insert("people", r, ec, diag);
            HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, b.column);
        }
    }

    // Null in NOT NULL columns: explicit, missing without default, and on update.
    e.insert("people", record{{"name", nullptr}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");
    e.insert("people", record{{"email", "x@x"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");
    e.insert("people", record{{"name", "x"}, {"org", nullptr}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "org");
    e.insert("tags", record{{"weight", 1}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "tag");
    e.update("people", filter::all(), {set("name", nullptr)}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");
    e.update("people", col("name") == "ann", {set("org", value())}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "org");

    // Updates of the wrong type.
    e.update("people", filter::all(), {set("age", "old")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    e.update("people", col("name") == "ann", {set("note", "ok"), set("score", "x")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "score");
    e.update("people", filter::all(), {add("name", 1)}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");

    // Filters: a null operand, a null in a list, an operand of the wrong type, a json comparison.
    (void)e.count("people", col("age") == nullptr, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    (void)e.count("people", col("age") != value(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    (void)e.count("people", col("note") < nullptr, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "note");
    (void)e.count("people", col("age").in({1, nullptr}), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    (void)e.count("people", col("age") == "thirty", ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    (void)e.count("people", col("name") == 5, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "name");
    (void)e.count("people", col("data") == "{}", ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "data");
    (void)e.count("people", col("data").in({"{}"}), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "data");
    e.update("people", col("name") == "ann" && col("age") > "x", {set("note", "y")}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "age");
    e.remove("people", col("score") >= nullptr, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::schema_error, "score");

    BOOST_TEST(dump(e, "people", "seq") == before, "no failed statement changed anything");
}

// ===================================================================================================
// Transactions
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(commit_keeps_and_rollback_undoes, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    insert_five(e);
    error_code ec;
    diagnostics diag;

    auto tx = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(tx.active());
    put(tx, "people", record{{"name", "fay"}});
    BOOST_TEST(tx.update("people", col("name") == "ann", {set("note", "kept")}, ec, diag) == 1u);
    BOOST_TEST(tx.remove("people", col("name") == "bob", ec, diag) == 1u);
    tx.commit(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(!tx.active());
    BOOST_TEST(names_where(e, filter::all()) == (strings{"ann", "cat", "dan", "eve", "fay"}));
    BOOST_TEST(names_where(e, col("note") == "kept") == (strings{"ann"}));
    const std::string before = dump(e, "people", "seq");
    const std::string tags_before = dump(e, "tags", "tag");

    tx = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(tx, "people", record{{"name", "gus"}, {"email", "a@x"}, {"org", "beta"}});
    put(tx, "tags", record{{"tag", "t"}});
    tx.update("people", col("org") == "beta", {set("note", "gone"), add("age", 1), set("email", "z")}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);  // three rows onto (beta, z): a failed statement
    BOOST_TEST(tx.update("people", col("org") == "beta", {set("note", "gone"), add("age", 1)}, ec, diag) == 3u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(tx.update("people", col("name") == "eve", {set("seq", 100), set("email", "eve@x")}, ec, diag) == 1u);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(tx.remove("people", col("name").in({"ann", "dan"}), ec, diag) == 2u);
    put(tx, "people", record{{"name", "hal"}, {"email", "d@x"}, {"org", "beta"}});  // takes dan's unique key
    BOOST_TEST(names_where(tx, filter::all()) == (strings{"cat", "eve", "fay", "gus", "hal"}));
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);

    BOOST_TEST(dump(e, "people", "seq") == before, "the rollback restored every row exactly");
    BOOST_TEST(dump(e, "tags", "tag") == tags_before);
    // And the restored rows are found by their keys again.
    BOOST_TEST(names_where(e, col("org") == "beta" && col("email") == "d@x") == (strings{"dan"}));
    BOOST_TEST(names_where(e, col("age") == 30) == (strings{"ann", "eve"}));
    BOOST_TEST(names_where(e, col("seq") == 100) == (strings{}));
    e.insert("people", record{{"name", "x"}, {"org", "beta"}, {"email", "d@x"}}, ec, diag);
    HOOKBOX_DE_CHECK_CODE(ec, diag, errc::unique_violation);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(nested_transactions_are_savepoints, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;
    put(e, "people", record{{"name", "c"}, {"note", "c0"}});

    auto outer = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(outer, "people", record{{"name", "a"}, {"note", "a0"}});
    {
        auto inner = outer.begin(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        put(inner, "people", record{{"name", "b"}});
        inner.update("people", col("name") == "a", {set("note", "a1")}, ec, diag);
        inner.remove("people", col("name") == "c", ec, diag);
        inner.rollback(ec, diag);  // the inner one only
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    BOOST_TEST(names_where(outer, filter::all()) == (strings{"a", "c"}));
    BOOST_TEST(names_where(outer, col("note") == "a0") == (strings{"a"}), "the outer transaction's row is as it was");

    // Three levels: the middle commit hands its work to the outer level.
    {
        auto middle = outer.begin(ec, diag);
        put(middle, "people", record{{"name", "d"}});
        auto inner = middle.begin(ec, diag);
        put(inner, "people", record{{"name", "e"}});
        inner.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        middle.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    BOOST_TEST(names_where(outer, filter::all()) == (strings{"a", "c", "d", "e"}));
    outer.commit(ec, diag);  // the outermost
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, filter::all()) == (strings{"a", "c", "d", "e"}));

    // A committed savepoint is still undone by its outer rollback.
    outer = e.begin(ec, diag);
    {
        auto inner = outer.begin(ec, diag);
        put(inner, "people", record{{"name", "f"}});
        inner.update("people", col("name") == "a", {set("note", "a2")}, ec, diag);
        inner.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    outer.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, filter::all()) == (strings{"a", "c", "d", "e"}));
    BOOST_TEST(names_where(e, col("note") == "a0") == (strings{"a"}));

    // The transaction has ended: it takes no more commits.
    outer.commit(ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_transaction_rolls_back_unless_committed, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    using transaction_type = typename Factory::engine_type::transaction_type;
    error_code ec;
    diagnostics diag;

    {
        auto tx = e.begin(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        BOOST_TEST(tx.active());
        put(tx, "people", record{{"name", "dropped"}});
    }
    BOOST_TEST(count_where(e, "people", filter::all()) == 0u, "the destructor rolled back on scope exit");

    {
        auto tx = e.begin(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        put(tx, "people", record{{"name", "kept"}});
        tx.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        BOOST_TEST(!tx.active());
    }
    BOOST_TEST(names_where(e, filter::all()) == (strings{"kept"}));

    {
        auto tx = e.begin(ec, diag);
        put(tx, "people", record{{"name", "undone"}});
        tx.rollback(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
        BOOST_TEST(!tx.active());
    }
    BOOST_TEST(names_where(e, filter::all()) == (strings{"kept"}));

    // Nested ones.
    {
        auto outer = e.begin(ec, diag);
        put(outer, "people", record{{"name", "outer"}});
        {
            auto inner = outer.begin(ec, diag);
            put(inner, "people", record{{"name", "inner"}});
        }
        outer.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    BOOST_TEST(names_where(e, filter::all()) == (strings{"kept", "outer"}));

    // A moved transaction: the new owner commits; the moved-from one is inactive.
    {
        auto tx = e.begin(ec, diag);
        put(tx, "people", record{{"name", "moved"}});
        transaction_type owner(std::move(tx));
        BOOST_TEST(!tx.active());  // NOLINT(bugprone-use-after-move): a moved-from transaction is inactive
        BOOST_TEST(owner.active());
        owner.commit(ec, diag);
        HOOKBOX_DE_REQUIRE_OK(ec, diag);
    }
    BOOST_TEST(names_where(e, filter::all()) == (strings{"kept", "moved", "outer"}));

    // commit, rollback and statements on a transaction that is not active.
    transaction_type none;
    BOOST_TEST(!none.active());
    none.commit(ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
    none.rollback(ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
    (void)none.count("people", filter::all(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
    // The engine still works afterwards.
    put(e, "people", record{{"name", "after"}});
    BOOST_TEST(count_where(e, "people", filter::all()) == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_parent_takes_no_statement_while_a_nested_transaction_is_open, Factory,
                              data_engine_factories) {
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;
    auto outer = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    auto inner = outer.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(inner, "people", record{{"name", "inner"}});

    outer.insert("people", record{{"name", "outer"}}, ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
    outer.commit(ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::invalid_argument, "transaction");
    BOOST_TEST(outer.active(), "a refused commit leaves the transaction as it was");

    inner.commit(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(outer, "people", record{{"name", "outer"}});
    outer.commit(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(names_where(e, filter::all()) == (strings{"inner", "outer"}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_transaction_outlives_its_engine_object, Factory, data_engine_factories) {
    Factory f;
    std::optional<typename Factory::engine_type> e(f.make());
    must_migrate(*e, people_plan());
    error_code ec;
    diagnostics diag;
    auto tx = e->begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    e.reset();
    put(tx, "people", record{{"name", "late"}});
    BOOST_TEST(names_where(tx, filter::all()) == (strings{"late"}));
    tx.commit(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
}

// ===================================================================================================
// Transactions and threads
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(a_transaction_belongs_to_no_thread, Factory, data_engine_factories) {
    // Begun on this thread, used and committed on another (as a coroutine resumed elsewhere would):
    // no lock is held between the calls.
    auto e = people_engine<Factory>();
    error_code ec;
    diagnostics diag;
    auto tx = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    put(tx, "people", record{{"name", "here"}});
    error_code tec;
    diagnostics tdiag;
    std::thread other([&] {
        tx.insert("people", record{{"name", "there"}}, tec, tdiag);
        if (!tec)
            tx.commit(tec, tdiag);
    });
    other.join();
    HOOKBOX_DE_REQUIRE_OK(tec, tdiag);
    BOOST_TEST(names_where(e, filter::all()) == (strings{"here", "there"}));
    // And a transaction begun on another thread ends on this one.
    std::optional<typename Factory::engine_type::transaction_type> moved;
    std::thread starter([&] { moved.emplace(e.begin(tec, tdiag)); });
    starter.join();
    HOOKBOX_DE_REQUIRE_OK(tec, tdiag);
    put(*moved, "people", record{{"name", "elsewhere"}});
    moved->rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(count_where(e, "people", filter::all()) == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(statements_wait_for_an_open_transaction, Factory, data_engine_factories) {
    auto e = [] {
        Factory f;
        if constexpr (requires { f.make_one_connection(); }) {
            // A pool's other connections run statements beside the transaction: with one
            // connection, the statement waits for it.
            auto one = f.make_one_connection();
            must_migrate(one, people_plan());
            return one;
        } else {
            return people_engine<Factory>();
        }
    }();
    error_code ec;
    diagnostics diag;
    auto tx = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    // Another thread's statement cannot run before the transaction ends, so it sees the commit.
    std::size_t seen = 0;
    error_code tec;
    diagnostics tdiag;
    std::thread reader([&] { seen = e.count("people", filter::all(), tec, tdiag); });
    put(tx, "people", record{{"name", "a"}});
    put(tx, "people", record{{"name", "b"}});
    tx.commit(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    reader.join();
    HOOKBOX_DE_REQUIRE_OK(tec, tdiag);
    BOOST_TEST(seen == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_statement_on_a_held_engine_fails_busy_after_its_wait, Factory, data_engine_factories) {
    Factory f;
    auto e = f.make_impatient();  // an engine that does not wait for a transaction
    must_migrate(e, people_plan());
    error_code ec;
    diagnostics diag;
    auto tx = e.begin(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    (void)e.count("people", filter::all(), ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::storage_busy, "transaction");
    auto second = e.begin(ec, diag);
    HOOKBOX_DE_CHECK_ERROR(ec, diag, errc::storage_busy, "transaction");
    BOOST_TEST(!second.active());
    tx.rollback(ec, diag);
    HOOKBOX_DE_REQUIRE_OK(ec, diag);
    BOOST_TEST(count_where(e, "people", filter::all()) == 0u);
}

// ===================================================================================================
// Threads
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(threads_insert_and_increment_in_transactions, Factory, data_engine_factories) {
    auto e = people_engine<Factory>();
    put(e, "tags", record{{"tag", "counter"}, {"weight", 0}});
    constexpr int threads = 4;
    constexpr int rounds = 100;

    // Boost.Test assertions are not thread-safe: the workers count failures and keep the first.
    std::atomic<int> failures{0};
    std::mutex first_mu;
    std::string first;
    auto failed = [&](const std::string& what, const error_code& ec, const diagnostics& diag) {
        if (failures++ == 0) {
            std::lock_guard lock(first_mu);
            first = what + ": " + ec.message() + " [" + diag.field() + "] " + diag.message();
        }
    };

    std::latch start(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            start.arrive_and_wait();
            const std::string org = "thread" + std::to_string(t);
            for (int i = 0; i < rounds; ++i) {
                error_code ec;
                diagnostics diag;
                e.insert("people", record{{"name", org + "-" + std::to_string(i)}, {"org", org}, {"age", i}}, ec, diag);
                if (ec)
                    failed("insert", ec, diag);

                // Read, then write what was read plus one: only a transaction makes this exact.
                auto tx = e.begin(ec, diag);
                if (ec) {
                    failed("begin", ec, diag);
                    continue;
                }
                find_options fo;
                fo.where = col("tag") == "counter";
                fo.fields = {"weight"};
                auto row = tx.find_one("tags", fo, ec, diag);
                if (ec || !row) {
                    failed("find_one", ec, diag);
                    continue;
                }
                std::int64_t w = (*row)["weight"].as_integer();
                std::size_t n = tx.update("tags", col("tag") == "counter", {set("weight", w + 1)}, ec, diag);
                if (ec || n != 1) {
                    failed("update", ec, diag);
                    continue;
                }
                tx.commit(ec, diag);
                if (ec)
                    failed("commit", ec, diag);
            }
        });
    }
    for (auto& w : workers)
        w.join();

    BOOST_TEST(failures.load() == 0, "first failure: " << first);
    find_options fo;
    fo.where = col("tag") == "counter";
    auto rows = rows_of(e, "tags", fo);
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    BOOST_TEST(rows[0]["weight"].as_integer() == threads * rounds, "no increment was lost");
    BOOST_TEST(count_where(e, "people", filter::all()) == std::size_t(threads * rounds));
    for (int t = 0; t < threads; ++t)
        BOOST_TEST(count_where(e, "people", col("org") == "thread" + std::to_string(t)) == std::size_t(rounds));
    // Every auto-increment key is distinct.
    find_options keys;
    keys.fields = {"seq"};
    keys.order = {{"seq", false}};
    auto all = rows_of(e, "people", keys);
    for (std::size_t i = 1; i < all.size(); ++i)
        BOOST_TEST(all[i - 1]["seq"].as_integer() < all[i]["seq"].as_integer());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_DATA_ENGINE_CASES_HPP
