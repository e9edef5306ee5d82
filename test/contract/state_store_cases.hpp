//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_STATE_STORE_CASES_HPP
#define HOOKBOX_TEST_CONTRACT_STATE_STORE_CASES_HPP

// The state-store contract cases: every behaviour of basic_state_store and basic_sql_state_store,
// written once over store factories and instantiated for each engine. The plugin-state behaviour
// hookbox keeps (literal key prefixes, the set and list validators as the store applies them, the
// SDK's state management), then what the original left untested: one row per instance-scope key,
// the plugin cascade, idempotent erase, absent versus null, versions and compare-and-set, paging,
// corrupt rows, lost races, and a database reopened and shared by several stores.
//
// A factory is a type with:
//   using engine_type = ...;                          // a model of hookbox::engine::data_engine
//   template <class Clock> using store_type = ...;    // the store under test over engine_type
//   static constexpr const char* name;                // shown in failures
//   engine_type make();                               // an engine on the factory's database
// Each factory object has a database of its own; make() may open the same one at each call, or a
// new one.
// Include this header in exactly one translation unit, after defining, in namespace hookbox::test,
//   using state_store_factories = boost::mpl::list<...>;          // every store: the contract
//   using generic_state_store_factories = boost::mpl::list<...>;  // basic_state_store ones: lost races
//   using shared_state_store_factories = boost::mpl::list<...>;   // those whose make() opens the same
//                                                                 // database again: reopen and share

#include "common/hooked_engine.hpp"
#include "common/test_common.hpp"

#include <hookbox/clock.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/state/sql_state_store.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/json.hpp>
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hookbox {

inline std::ostream& boost_test_print_type(std::ostream& os, scope_kind k) { return os << to_string(k); }
inline std::ostream& boost_test_print_type(std::ostream& os, const state_key& k) {
    return os << to_string(k.kind) << "/" << k.scope_id << "/" << k.name_space << "/" << k.key;
}

}  // namespace hookbox

// Fails the test case unless (ec, diag) is a success.
#define HOOKBOX_SS_REQUIRE_OK(ec, diag)                                                                                \
    BOOST_REQUIRE_MESSAGE(!(ec),                                                                                       \
                          "unexpected error " << (ec).message() << " [" << (diag).field() << "] " << (diag).message())

// Checks an error: its code and the field the diagnostics name.
#define HOOKBOX_SS_CHECK_ERROR(ec, diag, code, fld)                                                                    \
    do {                                                                                                               \
        BOOST_TEST((ec) == ::hookbox::make_error_code(code), "expected " #code ", got '" << (ec).message() << "' ["    \
                                                                                         << (diag).field() << "] "     \
                                                                                         << (diag).message());         \
        BOOST_TEST((diag).field() == (fld), "field '" << (diag).field() << "', expected '" << (fld) << "'");           \
    } while (false)

// Checks that the diagnostics' message contains `text`.
#define HOOKBOX_SS_CHECK_MESSAGE(diag, text)                                                                           \
    BOOST_TEST((diag).message().find(text) != std::string::npos,                                                       \
               "message '" << (diag).message() << "' should contain '" << (text) << "'")

namespace hookbox::test {

namespace state_store_detail {

template <class Factory>
struct state_fixture {
    using engine_type = typename Factory::engine_type;
    using store_type = typename Factory::template store_type<manual_clock>;

    state_fixture() { BOOST_TEST_MESSAGE("store: " << Factory::name); }

    Factory factory;
    manual_clock clock;
    store_type store{factory.make(), state_store_params{}, clock};
    error_code ec;
    diagnostics diag;
};

// ----- keys and values -----

inline state_key instance_key(std::string key, std::string name_space = "default") {
    state_key k;
    k.key = std::move(key);
    k.name_space = std::move(name_space);
    return k;
}

inline state_key scoped_key(scope_kind kind, std::string scope_id, std::string key,
                            std::string name_space = "default") {
    state_key k;
    k.kind = kind;
    k.scope_id = std::move(scope_id);
    k.name_space = std::move(name_space);
    k.key = std::move(key);
    return k;
}

inline constexpr std::array<scope_kind, 8> all_kinds{
    scope_kind::instance, scope_kind::company, scope_kind::project, scope_kind::project_workspace,
    scope_kind::agent,    scope_kind::issue,   scope_kind::goal,    scope_kind::run};

// A valid key of each kind: instance without a scope id, the others with one.
inline state_key key_of_kind(scope_kind kind, std::string key = "k") {
    return kind == scope_kind::instance ? instance_key(std::move(key))
                                        : scoped_key(kind, std::string(to_string(kind)) + "-1", std::move(key));
}

// Rows in the state table, read from the engine directly.
template <class Store>
std::size_t row_count(Store& s, const engine::filter& f = engine::filter::all()) {
    return s.engine().count(s.params().table, f);
}

inline std::vector<std::string> keys_of(const state_page& page) {
    std::vector<std::string> out;
    for (const auto& e : page.entries)
        out.push_back(e.key.key);
    return out;
}

// Nested arrays `depth` levels deep: [[[...]]].
inline boost::json::value nested(std::size_t depth) {
    boost::json::value v = boost::json::array();
    for (std::size_t i = 1; i < depth; ++i) {
        boost::json::array a;
        a.push_back(std::move(v));
        v = std::move(a);
    }
    return v;
}

// An engine whose transactions run a hook just before an insert or update while the hook is set:
// another writer that gets in between a write's lookup and its statement.
template <class Engine>
using racing_engine = hooked_engine<Engine>;

// The row another writer stores for (plugin p, instance key k): version 1, value "theirs".
template <class Engine>
void insert_theirs(Engine& e) {
    e.insert("plugin_state", engine::record{{"plugin_id", "p"},
                                            {"scope_kind", "instance"},
                                            {"scope_id", ""},
                                            {"namespace", "default"},
                                            {"state_key", "k"},
                                            {"value_json", engine::value::json("\"theirs\"")},
                                            {"version", 1},
                                            {"updated_at", 5}});
}

template <class Factory>
struct racing_fixture {
    using engine_type = racing_engine<typename Factory::engine_type>;
    using store_type = basic_state_store<engine_type, manual_clock>;

    Factory factory;
    manual_clock clock;
    store_type store{engine_type(factory.make()), state_store_params{}, clock};
    error_code ec;
    diagnostics diag;
};

}  // namespace state_store_detail

BOOST_AUTO_TEST_SUITE(state_store_contract)

using namespace hookbox::test::state_store_detail;

// ===================================================================================================
// plugin-state-store: literal key prefixes
// ===================================================================================================

BOOST_FIXTURE_TEST_CASE_TEMPLATE(treats_key_prefix_wildcard_characters_literally, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    for (const char* k : {"literal:%:match", "literal:X:match", "literal:_:match", "literal:A:match",
                          "literal:\\:match", "literal::match"})
        this->store.set("p", instance_key(k), boost::json::value(k));

    struct {
        const char* prefix;
        const char* only;
    } cases[] = {{"literal:%", "literal:%:match"}, {"literal:_", "literal:_:match"}, {"literal:\\", "literal:\\:match"}};
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("prefix " << c.prefix) {
            state_list_options o;
            o.key_prefix = c.prefix;
            o.limit = 10;
            auto page = this->store.list("p", o);
            BOOST_TEST(keys_of(page) == std::vector<std::string>{c.only}, boost::test_tools::per_element());
            BOOST_TEST(!page.has_more);
        }
    }
}
// ===================================================================================================
// The set request
// ===================================================================================================

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_a_minimal_instance_request, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto e = this->store.set("p", instance_key("k"), boost::json::value("v"), this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(e.plugin_id == "p");
    BOOST_TEST(e.key == instance_key("k"));
    BOOST_TEST(e.value == boost::json::value("v"));
    BOOST_TEST(e.version == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_a_string_value, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value("hello"));
    BOOST_TEST(this->store.get("p", instance_key("k"))->value == boost::json::value("hello"));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_a_number_value, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("i"), boost::json::value(42));
    this->store.set("p", instance_key("d"), boost::json::value(3.5));
    this->store.set("p", instance_key("big"), boost::json::value(std::numeric_limits<std::uint64_t>::max()));
    BOOST_TEST(this->store.get("p", instance_key("i"))->value == boost::json::value(42));
    BOOST_TEST(this->store.get("p", instance_key("d"))->value == boost::json::value(3.5));
    BOOST_TEST(this->store.get("p", instance_key("big"))->value ==
               boost::json::value(std::numeric_limits<std::uint64_t>::max()));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_a_null_value, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value(nullptr));
    auto got = this->store.get("p", instance_key("k"));
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->value.is_null());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_an_object_value_and_keeps_the_namespace, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    boost::json::value v = boost::json::parse(R"({"theme":"dark","sizes":[1,2],"nested":{"on":true}})");
    state_key k = scoped_key(scope_kind::project, "proj-1", "prefs", "ui");
    auto e = this->store.set("p", k, v);
    BOOST_TEST(e.key.name_space == "ui");
    auto got = this->store.get("p", k);
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->value == v);
    BOOST_TEST(got->key.name_space == "ui");
    BOOST_TEST(!this->store.get("p", scoped_key(scope_kind::project, "proj-1", "prefs")).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_an_array_value, Factory, state_store_factories, state_fixture<Factory>) {
    boost::json::value v = boost::json::parse(R"([1,"two",null,{"three":3},[]])");
    this->store.set("p", instance_key("k"), v);
    BOOST_TEST(this->store.get("p", instance_key("k"))->value == v);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_accepts_a_missing_value_as_null, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    // The original schema lets `value` be left out (it is optional and of any type); here that is a
    // default-constructed value, which is JSON null.
    auto e = this->store.set("p", instance_key("k"), boost::json::value());
    BOOST_TEST(e.value.is_null());
    BOOST_TEST_REQUIRE(this->store.get("p", instance_key("k")).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_rejects_a_missing_key, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", state_key{}, boost::json::value(1), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::empty_field, "key");
    BOOST_TEST(row_count(this->store) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_rejects_an_invalid_scope_kind, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    state_key k = instance_key("k");
    k.kind = static_cast<scope_kind>(8);
    this->store.set("p", k, boost::json::value(1), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::invalid_argument, "kind");
    BOOST_TEST(row_count(this->store) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_rejects_an_empty_key, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key(""), boost::json::value(1), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::empty_field, "key");
    BOOST_TEST(row_count(this->store) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_rejects_an_empty_namespace, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    this->store.set("p", instance_key("k", ""), boost::json::value(1), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::empty_field, "namespace");
    BOOST_TEST(row_count(this->store) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_rejects_values_json_cannot_read_back, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    struct bad {
        const char* name;
        boost::json::value value;
        errc code;
    };
    boost::json::object bad_key;
    bad_key["k\xFF"] = 1;
    const bad cases[] = {
        {"NaN", boost::json::value(std::numeric_limits<double>::quiet_NaN()), errc::invalid_argument},
        {"infinity in an array", boost::json::array{1, std::numeric_limits<double>::infinity()}, errc::invalid_argument},
        {"a string that is not UTF-8", boost::json::array{"ok", boost::json::string("bad\xC3")}, errc::invalid_utf8},
        {"an object key that is not UTF-8", bad_key, errc::invalid_utf8},
        {"nested too deep", nested(state_limits::value_depth + 1), errc::invalid_argument},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            this->store.set("p", instance_key("k"), c.value, this->ec, this->diag);
            HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, c.code, "value");
        }
    }
    BOOST_TEST(row_count(this->store) == 0u);
    // The deepest value allowed is stored and read back.
    this->store.set("p", instance_key("deep"), nested(state_limits::value_depth));
    BOOST_TEST(this->store.get("p", instance_key("deep"))->value == nested(state_limits::value_depth));
}

// ===================================================================================================
// The list filter
// ===================================================================================================

// Two plugins' state across kinds and namespaces, for the list cases.
template <class Store>
void fill_for_list(Store& s) {
    s.set("p", instance_key("a"), boost::json::value(1));
    s.set("p", instance_key("b", "other"), boost::json::value(2));
    s.set("p", scoped_key(scope_kind::company, "company-1", "c"), boost::json::value(3));
    s.set("p", scoped_key(scope_kind::company, "company-2", "c"), boost::json::value(4));
    s.set("p", scoped_key(scope_kind::company, "company-1", "d", "other"), boost::json::value(5));
    s.set("p", scoped_key(scope_kind::project, "company-1", "e"), boost::json::value(6));
    s.set("q", instance_key("a"), boost::json::value(7));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_accepts_an_empty_filter, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    fill_for_list(this->store);
    auto page = this->store.list("p", state_list_options{}, this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(page.entries.size() == 6u);
    BOOST_TEST(!page.has_more);
    for (const auto& e : page.entries)
        BOOST_TEST(e.plugin_id == "p");
    // Ordered by kind name, scope id, namespace, key.
    std::vector<state_key> expected{scoped_key(scope_kind::company, "company-1", "c"),
                                    scoped_key(scope_kind::company, "company-1", "d", "other"),
                                    scoped_key(scope_kind::company, "company-2", "c"), instance_key("a"),
                                    instance_key("b", "other"), scoped_key(scope_kind::project, "company-1", "e")};
    BOOST_TEST_REQUIRE(page.entries.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
        BOOST_TEST(page.entries[i].key == expected[i]);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_accepts_a_kind_only_filter, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    fill_for_list(this->store);
    state_list_options o;
    o.kind = scope_kind::company;
    auto page = this->store.list("p", o);
    BOOST_TEST(page.entries.size() == 3u);
    for (const auto& e : page.entries)
        BOOST_TEST(e.key.kind == scope_kind::company);
    o.kind = scope_kind::instance;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{"a", "b"}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_accepts_a_kind_and_scope_id_filter, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    fill_for_list(this->store);
    state_list_options o;
    o.kind = scope_kind::company;
    o.scope_id = "company-1";
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{"c", "d"}));
    // A scope id alone matches it under every kind.
    o.kind.reset();
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{"c", "d", "e"}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_accepts_all_three_optional_filters_together, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    fill_for_list(this->store);
    state_list_options o;
    o.kind = scope_kind::company;
    o.scope_id = "company-1";
    o.name_space = "other";
    auto page = this->store.list("p", o);
    BOOST_TEST_REQUIRE(page.entries.size() == 1u);
    BOOST_TEST(page.entries[0].key == scoped_key(scope_kind::company, "company-1", "d", "other"));
    BOOST_TEST(page.entries[0].value == boost::json::value(5));
    // The namespace alone.
    state_list_options ns;
    ns.name_space = "other";
    BOOST_TEST((keys_of(this->store.list("p", ns)) == std::vector<std::string>{"d", "b"}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_an_invalid_scope_kind, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    state_list_options o;
    o.kind = static_cast<scope_kind>(42);
    auto page = this->store.list("p", o, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::invalid_argument, "kind");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "Plugin state scopeKind is invalid");
    BOOST_TEST(page.entries.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_an_empty_scope_id, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    state_list_options o;
    o.scope_id = "";
    this->store.list("p", o, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::empty_field, "scope_id");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "Plugin state scopeId must be a non-empty string");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_an_empty_namespace, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    state_list_options o;
    o.name_space = "";
    this->store.list("p", o, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::empty_field, "namespace");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_accepts_every_scope_kind_as_filter, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    for (auto kind : all_kinds)
        this->store.set("p", key_of_kind(kind), boost::json::value(std::string(to_string(kind))));
    for (auto kind : all_kinds) {
        BOOST_TEST_CONTEXT(to_string(kind)) {
            state_list_options o;
            o.kind = kind;
            auto page = this->store.list("p", o, this->ec, this->diag);
            HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
            BOOST_TEST_REQUIRE(page.entries.size() == 1u);
            BOOST_TEST(page.entries[0].key == key_of_kind(kind));
        }
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_other_bad_filters, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    struct bad {
        const char* name;
        state_list_options opts;
        errc code;
        const char* field;
    };
    auto with = [](auto f) {
        state_list_options o;
        f(o);
        return o;
    };
    const bad cases[] = {
        {"limit 0", with([](auto& o) { o.limit = 0; }), errc::invalid_argument, "limit"},
        {"limit 10001", with([](auto& o) { o.limit = 10001; }), errc::invalid_argument, "limit"},
        {"instance kind with a scope id", with([](auto& o) {
             o.kind = scope_kind::instance;
             o.scope_id = "x";
         }),
         errc::invalid_argument, "scope_id"},
        {"blank scope id", with([](auto& o) { o.scope_id = "  "; }), errc::empty_field, "scope_id"},
        {"reserved namespace", with([](auto& o) { o.name_space = "__proto__"; }), errc::invalid_argument, "namespace"},
        {"long namespace", with([](auto& o) { o.name_space = std::string(501, 'n'); }), errc::field_too_long,
         "namespace"},
        {"bad after", with([](auto& o) { o.after = instance_key(""); }), errc::empty_field, "after.key"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            this->store.list("p", c.opts, this->ec, this->diag);
            HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, c.code, c.field);
        }
    }
    state_list_options most;
    most.limit = state_limits::list_limit;
    this->store.list("p", most, this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
}

// ===================================================================================================
// The SDK's state management
// ===================================================================================================

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sdk_gets_nothing_for_non_existent_state, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto got = this->store.get("p", instance_key("missing"), this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(!got.has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sdk_sets_and_gets_state, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("count"), boost::json::value(42));
    auto got = this->store.get("p", instance_key("count"));
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->value == boost::json::value(42));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sdk_deletes_state, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("count"), boost::json::value(42));
    BOOST_TEST(this->store.erase("p", instance_key("count")));
    BOOST_TEST(!this->store.get("p", instance_key("count")).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sdk_scopes_state_by_kind_and_scope_id, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto c1 = scoped_key(scope_kind::company, "company-1", "setting");
    auto c2 = scoped_key(scope_kind::company, "company-2", "setting");
    this->store.set("p", c1, boost::json::value("a"));
    this->store.set("p", c2, boost::json::value("b"));
    BOOST_TEST(this->store.get("p", c1)->value == boost::json::value("a"));
    BOOST_TEST(this->store.get("p", c2)->value == boost::json::value("b"));
    // The same id under another kind is another scope.
    BOOST_TEST(!this->store.get("p", scoped_key(scope_kind::project, "company-1", "setting")).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sdk_raw_state_is_visible_in_the_table, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    // The harness's getState: the stored row itself, for assertions.
    this->store.set("p", instance_key("count"), boost::json::value(42));
    this->store.set("p", scoped_key(scope_kind::run, "run-9", "step", "jobs"), boost::json::parse(R"({"n":1})"));
    engine::find_options fo;
    fo.order = {engine::order_by{"id"}};
    auto rows = this->store.engine().find("plugin_state", fo);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0]["plugin_id"].as_text() == "p");
    BOOST_TEST(rows[0]["scope_kind"].as_text() == "instance");
    BOOST_TEST(rows[0]["scope_id"].as_text() == "");
    BOOST_TEST(rows[0]["namespace"].as_text() == "default");
    BOOST_TEST(rows[0]["state_key"].as_text() == "count");
    BOOST_TEST(rows[0]["value_json"].as_text() == "42");
    BOOST_TEST(rows[0]["version"].as_integer() == 1);
    BOOST_TEST(rows[1]["scope_kind"].as_text() == "run");
    BOOST_TEST(rows[1]["scope_id"].as_text() == "run-9");
    BOOST_TEST(rows[1]["namespace"].as_text() == "jobs");
    BOOST_TEST(boost::json::parse(rows[1]["value_json"].as_text()) == boost::json::parse(R"({"n":1})"));
}

// ===================================================================================================
// What the original left untested
// ===================================================================================================

BOOST_FIXTURE_TEST_CASE_TEMPLATE(instance_scope_upsert_twice_leaves_one_row, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto first = this->store.set("p", instance_key("k"), boost::json::value(1));
    auto second = this->store.set("p", instance_key("k"), boost::json::value(2));
    BOOST_TEST(row_count(this->store) == 1u);
    BOOST_TEST(first.version == 1u);
    BOOST_TEST(second.version == 2u);
    BOOST_TEST(this->store.get("p", instance_key("k"))->value == boost::json::value(2));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(no_scope_id_equals_no_scope_id, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    // Two separately built instance keys address one entry ...
    state_key a;
    a.key = "k";
    state_key b = instance_key("k", "default");
    this->store.set("p", a, boost::json::value("a"));
    this->store.set("p", b, boost::json::value("b"));
    BOOST_TEST(row_count(this->store, engine::col("scope_kind") == "instance") == 1u);
    BOOST_TEST(this->store.get("p", a)->value == boost::json::value("b"));
    // ... and the engine's unique index itself refuses a second row for it: NULLS NOT DISTINCT.
    auto& eng = this->store.engine();
    eng.insert("plugin_state", engine::record{{"plugin_id", "p"},
                                              {"scope_kind", "instance"},
                                              {"scope_id", ""},
                                              {"namespace", "default"},
                                              {"state_key", "k"},
                                              {"value_json", engine::value::json("3")},
                                              {"version", 1},
                                              {"updated_at", 0}},
               this->ec, this->diag);
    BOOST_TEST(this->ec == make_error_code(errc::unique_violation), this->ec.message());
    BOOST_TEST((this->diag.message().find("plugin_state_unique_entry_idx") != std::string::npos ||
                this->diag.field().find("plugin_state_unique_entry_idx") != std::string::npos),
               this->diag.field() << ": " << this->diag.message());
    BOOST_TEST(row_count(this->store) == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(erase_all_removes_only_that_plugins_state, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    fill_for_list(this->store);
    BOOST_TEST(this->store.erase_all("p", this->ec, this->diag) == 6u);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(this->store.list("p").entries.empty());
    BOOST_TEST(row_count(this->store) == 1u);
    BOOST_TEST(this->store.get("q", instance_key("a"))->value == boost::json::value(7));
    // Again: nothing left, not an error.
    BOOST_TEST(this->store.erase_all("p") == 0u);
    BOOST_TEST(this->store.erase_all("nobody") == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(erase_of_a_missing_entry_is_a_no_op, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    this->store.set("p", instance_key("kept"), boost::json::value(1));
    BOOST_TEST(!this->store.erase("p", instance_key("missing"), this->ec, this->diag));
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(this->store.erase("p", instance_key("kept")));
    BOOST_TEST(!this->store.erase("p", instance_key("kept"), this->ec, this->diag));
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(row_count(this->store) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(get_of_a_missing_entry_is_absent, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value(1));
    // Each part of the address differs in turn.
    BOOST_TEST(!this->store.get("q", instance_key("k")).has_value());
    BOOST_TEST(!this->store.get("p", instance_key("k", "other")).has_value());
    BOOST_TEST(!this->store.get("p", instance_key("K")).has_value());
    BOOST_TEST(!this->store.get("p", scoped_key(scope_kind::company, "c", "k")).has_value());
    BOOST_TEST(this->store.get("p", instance_key("k")).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(stored_null_is_not_absent, Factory, state_store_factories, state_fixture<Factory>) {
    this->store.set("p", instance_key("null"), boost::json::value(nullptr));
    auto null = this->store.get("p", instance_key("null"));
    BOOST_TEST_REQUIRE(null.has_value());
    BOOST_TEST(null->value.is_null());
    BOOST_TEST(null->version == 1u);
    BOOST_TEST(!this->store.get("p", instance_key("absent")).has_value());
    BOOST_TEST(this->store.list("p").entries.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(falsy_values_round_trip, Factory, state_store_factories, state_fixture<Factory>) {
    const std::pair<const char*, boost::json::value> values[] = {
        {"false", boost::json::value(false)},    {"zero", boost::json::value(0)},
        {"empty string", boost::json::value("")}, {"empty array", boost::json::array()},
        {"empty object", boost::json::object()}, {"negative zero", boost::json::value(-0.0)},
    };
    for (const auto& [name, v] : values) {
        BOOST_TEST_CONTEXT(name) {
            this->store.set("p", instance_key(name), v);
            auto got = this->store.get("p", instance_key(name));
            BOOST_TEST_REQUIRE(got.has_value());
            BOOST_TEST(got->value == v);
            BOOST_TEST(got->value.kind() == v.kind());
        }
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(compare_and_set_creates_updates_and_detects_conflicts, Factory,
                                 state_store_factories, state_fixture<Factory>) {
    auto k = scoped_key(scope_kind::agent, "agent-7", "cursor");
    // 0: create only.
    auto created = this->store.compare_and_set("p", k, boost::json::value("v1"), 0, this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(created.version == 1u);
    // 0 again: it exists now.
    this->store.compare_and_set("p", k, boost::json::value("again"), 0, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::version_conflict, "expected_version");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "at version 1");
    // The right version.
    auto updated = this->store.compare_and_set("p", k, boost::json::value("v2"), 1, this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(updated.version == 2u);
    // A stale one: nothing changes, and the actual version is reported.
    this->clock.advance(std::chrono::seconds(1));
    this->store.compare_and_set("p", k, boost::json::value("stale"), 1, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::version_conflict, "expected_version");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "expected at version 1 but is at version 2");
    auto got = this->store.get("p", k);
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->value == boost::json::value("v2"));
    BOOST_TEST(got->version == 2u);
    BOOST_TEST(got->updated_at == updated.updated_at);
    // An expected version of an absent entry.
    this->store.compare_and_set("p", instance_key("absent"), boost::json::value(1), 3, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::version_conflict, "expected_version");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "at version 0 (absent)");
    BOOST_TEST(row_count(this->store) == 1u);
    // Throwing overload.
    try {
        this->store.compare_and_set("p", k, boost::json::value("x"), 7);
        BOOST_ERROR("a conflicting compare_and_set did not throw");
    } catch (const error_with_diagnostics& ex) {
        BOOST_TEST(ex.code() == make_error_code(errc::version_conflict));
        BOOST_TEST(ex.get_diagnostics().field() == "expected_version");
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(versions_increment_on_every_write, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto k = instance_key("k");
    for (std::uint64_t v = 1; v <= 5; ++v) {
        BOOST_TEST(this->store.set("p", k, boost::json::value(v)).version == v);
        BOOST_TEST(this->store.get("p", k)->version == v);
    }
    BOOST_TEST(this->store.compare_and_set("p", k, boost::json::value(6), 5).version == 6u);
    // Versions belong to an entry: another key starts at 1, and so does a key erased and set again.
    BOOST_TEST(this->store.set("p", instance_key("other"), boost::json::value(1)).version == 1u);
    this->store.erase("p", k);
    BOOST_TEST(this->store.set("p", k, boost::json::value(1)).version == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(updated_at_comes_from_the_clock, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    using std::chrono::milliseconds;
    const timestamp t0 = now_ms(this->clock);
    auto k = instance_key("k");
    BOOST_TEST(this->store.set("p", k, boost::json::value(1)).updated_at == t0);
    this->clock.advance(milliseconds(1234));
    auto e = this->store.set("p", k, boost::json::value(2));
    BOOST_TEST(e.updated_at == t0 + milliseconds(1234));
    BOOST_TEST(this->store.get("p", k)->updated_at == t0 + milliseconds(1234));
    this->clock.advance(milliseconds(1));
    this->store.compare_and_set("p", k, boost::json::value(3), 2);
    BOOST_TEST(this->store.list("p").entries.at(0).updated_at == t0 + milliseconds(1235));
    // A failed write does not touch it.
    this->clock.advance(milliseconds(1));
    this->store.compare_and_set("p", k, boost::json::value(4), 2, this->ec, this->diag);
    BOOST_TEST(this->store.get("p", k)->updated_at == t0 + milliseconds(1235));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_pages_with_limit_has_more_and_after, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    std::vector<state_key> all;
    for (auto kind : {scope_kind::company, scope_kind::instance})
        for (const char* ns : {"a", "b"})
            for (const char* key : {"k1", "k2"}) {
                state_key k = key_of_kind(kind, key);
                k.name_space = ns;
                all.push_back(k);
                this->store.set("p", k, boost::json::value(key));
            }
    // Walk it two at a time: every entry once, in order.
    std::vector<state_key> seen;
    state_list_options o;
    o.limit = 2;
    for (int pages = 1;; ++pages) {
        BOOST_TEST_REQUIRE(pages <= 4);
        auto page = this->store.list("p", o);
        BOOST_TEST_REQUIRE(page.entries.size() == 2u);
        for (const auto& e : page.entries)
            seen.push_back(e.key);
        if (!page.has_more) {
            BOOST_TEST(pages == 4);
            break;
        }
        o.after = page.entries.back().key;
    }
    BOOST_TEST_REQUIRE(seen.size() == all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        BOOST_TEST(seen[i] == all[i]);
    // A limit equal to the count has nothing more; one less has.
    state_list_options exact;
    exact.limit = all.size();
    BOOST_TEST(!this->store.list("p", exact).has_more);
    exact.limit = all.size() - 1;
    auto short_page = this->store.list("p", exact);
    BOOST_TEST(short_page.has_more);
    BOOST_TEST(short_page.entries.size() == all.size() - 1);
    // After the last entry: nothing.
    state_list_options past;
    past.after = all.back();
    auto empty = this->store.list("p", past);
    BOOST_TEST(empty.entries.empty());
    BOOST_TEST(!empty.has_more);
    // Filters and paging together.
    state_list_options filtered;
    filtered.kind = scope_kind::company;
    filtered.name_space = "b";
    filtered.limit = 1;
    auto p1 = this->store.list("p", filtered);
    BOOST_TEST(keys_of(p1) == std::vector<std::string>{"k1"}, boost::test_tools::per_element());
    BOOST_TEST(p1.has_more);
    filtered.after = p1.entries.back().key;
    auto p2 = this->store.list("p", filtered);
    BOOST_TEST(keys_of(p2) == std::vector<std::string>{"k2"}, boost::test_tools::per_element());
    BOOST_TEST(!p2.has_more);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_filters_by_key_prefix_and_keeps_plugins_apart, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    for (const char* k : {"job:1", "job:2", "job", "jobs", "jo", "other"})
        this->store.set("p", instance_key(k), boost::json::value(1));
    this->store.set("q", instance_key("job:3"), boost::json::value(1));
    state_list_options o;
    o.key_prefix = "job";
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{"job", "job:1", "job:2", "jobs"}));
    o.key_prefix = "job:";
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{"job:1", "job:2"}));
    BOOST_TEST((keys_of(this->store.list("q", o)) == std::vector<std::string>{"job:3"}));
    o.key_prefix = "zzz";
    BOOST_TEST(this->store.list("p", o).entries.empty());
    BOOST_TEST(this->store.list("nobody").entries.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(keys_and_prefixes_must_be_utf8, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    // Keys are text: bytes that are not UTF-8 are refused on every engine (PostgreSQL's text could
    // not hold them), before anything is stored.
    error_code ec;
    diagnostics diag;
    this->store.set("p", instance_key("k\xFF"), boost::json::value(1), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_utf8));
    BOOST_TEST(diag.field() == "key");
    this->store.set("p", state_key{scope_kind::company, "c\xC3", "default", "k"}, boost::json::value(1), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_utf8));
    BOOST_TEST(diag.field() == "scope_id");
    state_list_options o;
    o.key_prefix = "k\xFF";
    (void)this->store.list("p", o, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_utf8));
    BOOST_TEST(diag.field() == "key_prefix");
    BOOST_TEST(this->store.list("p").entries.empty());

    // A prefix of the last code point only has no successor: every key from it on matches.
    const std::string last = "\xF4\x8F\xBF\xBF";
    for (const std::string& k : {std::string("k"), last, last + last, last + "a"})
        this->store.set("p", instance_key(k), boost::json::value(1));
    o.key_prefix = last;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{last, last + "a", last + last}));
    o.key_prefix = last + last;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{last + last}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_prefix_ending_in_a_characters_last_byte_0xbf, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    // UTF-8 keys whose prefix ends in byte 0xBF: U+00FF, U+FFFF and U+10FFFF, the last code point.
    // The next byte string, 0xC0 in its place, is not UTF-8; the next key is the next character.
    const std::string y = "\xC3\xBF", last_bmp = "\xEF\xBF\xBF", last = "\xF4\x8F\xBF\xBF";
    for (const std::string& k : {std::string("y"), y, y + "a", y + y, std::string("\xC4\x80"), last_bmp,
                                 last_bmp + "z", last, last + "!"})
        this->store.set("p", instance_key(k), boost::json::value(1));
    state_list_options o;
    o.key_prefix = y;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{y, y + "a", y + y}));
    o.key_prefix = last_bmp;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{last_bmp, last_bmp + "z"}));
    o.key_prefix = last;
    BOOST_TEST((keys_of(this->store.list("p", o)) == std::vector<std::string>{last, last + "!"}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(corrupt_value_json_is_a_corrupt_row, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    this->store.set("p", instance_key("good"), boost::json::value(1));
    this->store.set("p", instance_key("bad"), boost::json::value(2));
    auto& eng = this->store.engine();
    BOOST_TEST(eng.update("plugin_state", engine::col("state_key") == "bad",
                          {engine::set("value_json", engine::value::json("{\"broken\":"))}) == 1u);

    auto got = this->store.get("p", instance_key("bad"), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::corrupt_row, "value_json");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "Plugin state row 2 in table 'plugin_state'");
    BOOST_TEST(!got.has_value());
    this->store.list("p", state_list_options{}, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::corrupt_row, "value_json");
    // The other row reads; a write replaces the corrupt value.
    BOOST_TEST(this->store.get("p", instance_key("good"))->value == boost::json::value(1));
    BOOST_TEST(this->store.set("p", instance_key("bad"), boost::json::value(3)).version == 2u);
    BOOST_TEST(this->store.get("p", instance_key("bad"))->value == boost::json::value(3));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(corrupt_scope_kind_is_a_corrupt_row, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value(1));
    this->store.engine().update("plugin_state", engine::col("state_key") == "k",
                                {engine::set("scope_kind", "workspace")});
    this->store.list("p", state_list_options{}, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::corrupt_row, "scope_kind");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "workspace");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(every_operation_rejects_bad_input_and_changes_nothing, Factory,
                                 state_store_factories, state_fixture<Factory>) {
    auto& s = this->store;
    auto& ec = this->ec;
    auto& diag = this->diag;
    s.set("p", instance_key("k"), boost::json::value(1));
    const state_key bad_key = instance_key("prototype");
    const std::string long_id(129, 'p');

    s.get("", instance_key("k"), ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "plugin_id");
    s.get("p", bad_key, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "key");
    s.set(long_id, instance_key("k"), boost::json::value(2), ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::field_too_long, "plugin_id");
    s.set("p", bad_key, boost::json::value(2), ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "key");
    s.compare_and_set("", instance_key("k"), boost::json::value(2), 1, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "plugin_id");
    s.compare_and_set("p", instance_key("k", " "), boost::json::value(2), 1, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "namespace");
    s.erase(std::string("p\0", 2), instance_key("k"), ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "plugin_id");
    s.erase("p", scoped_key(scope_kind::goal, "", "k"), ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "scope_id");
    s.list("", state_list_options{}, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "plugin_id");
    s.erase_all("", ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "plugin_id");
    s.erase_all(long_id, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::field_too_long, "plugin_id");

    auto kept = s.get("p", instance_key("k"));
    BOOST_TEST_REQUIRE(kept.has_value());
    BOOST_TEST(kept->value == boost::json::value(1));
    BOOST_TEST(kept->version == 1u);
    BOOST_TEST(row_count(s) == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(throwing_overloads_throw_with_diagnostics, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    auto& s = this->store;
    auto expect_throw = [](const char* what, errc code, const char* field, auto&& f) {
        BOOST_TEST_CONTEXT(what) {
            try {
                f();
                BOOST_ERROR("did not throw");
            } catch (const error_with_diagnostics& ex) {
                BOOST_TEST(ex.code() == make_error_code(code));
                BOOST_TEST(ex.get_diagnostics().field() == field);
            }
        }
    };
    expect_throw("get", errc::empty_field, "key", [&] { s.get("p", instance_key("")); });
    expect_throw("set", errc::empty_field, "plugin_id", [&] { s.set("", instance_key("k"), boost::json::value(1)); });
    expect_throw("erase", errc::invalid_argument, "kind", [&] {
        state_key k = instance_key("k");
        k.kind = static_cast<scope_kind>(200);
        s.erase("p", k);
    });
    expect_throw("list", errc::invalid_argument, "limit", [&] {
        state_list_options o;
        o.limit = 0;
        s.list("p", o);
    });
    expect_throw("erase_all", errc::empty_field, "plugin_id", [&] { s.erase_all(""); });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_custom_table_keeps_its_own_state, Factory, state_store_factories,
                                 state_fixture<Factory>) {
    basic_state_store<typename Factory::engine_type, manual_clock> other(this->factory.make(),
                                                                         state_store_params{"tenant_state", true});
    other.set("p", instance_key("k"), boost::json::value("other"));
    BOOST_TEST(other.engine().schema_version("hookbox.tenant_state") == 1);
    BOOST_TEST(other.engine().count("tenant_state", engine::filter::all()) == 1u);
    BOOST_TEST(other.get("p", instance_key("k"))->value == boost::json::value("other"));

    error_code ec;
    diagnostics diag;
    state_store_params bad;
    bad.table = std::string(state_limits::table_name + 1, 't');
    auto none = basic_state_store<typename Factory::engine_type>::open(this->factory.make(), bad, {}, ec, diag);
    BOOST_TEST(!none.has_value());
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::schema_error, "table");
    bad.table = "1table";
    BOOST_CHECK_THROW(basic_state_store<typename Factory::engine_type>(this->factory.make(), bad),
                      error_with_diagnostics);
}

// ===================================================================================================
// Lost races: another writer between a write's lookup and its statement
// ===================================================================================================

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_turns_a_lost_insert_race_into_an_update, Factory, generic_state_store_factories,
                                 racing_fixture<Factory>) {
    auto& eng = *this->store.engine().hooks_;
    eng.before_insert = [&](auto& inner) {
        eng.before_insert = nullptr;
        insert_theirs(inner);
    };
    auto e = this->store.set("p", instance_key("k"), boost::json::value("mine"), this->ec, this->diag);
    HOOKBOX_SS_REQUIRE_OK(this->ec, this->diag);
    BOOST_TEST(e.version == 2u);
    BOOST_TEST(row_count(this->store) == 1u);
    auto got = this->store.get("p", instance_key("k"));
    BOOST_TEST(got->value == boost::json::value("mine"));
    BOOST_TEST(got->version == 2u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(compare_and_set_reports_a_lost_insert_race_as_a_conflict, Factory,
                                 generic_state_store_factories, racing_fixture<Factory>) {
    auto& eng = *this->store.engine().hooks_;
    eng.before_insert = [&](auto& inner) {
        eng.before_insert = nullptr;
        insert_theirs(inner);
    };
    this->store.compare_and_set("p", instance_key("k"), boost::json::value("mine"), 0, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::version_conflict, "expected_version");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "but is at version 1");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_looks_again_after_a_lost_update_race, Factory, generic_state_store_factories,
                                 racing_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value("first"));
    auto& eng = *this->store.engine().hooks_;
    eng.before_update = [&](auto& inner) {
        eng.before_update = nullptr;
        inner.update("plugin_state", engine::col("state_key") == "k",
                     {engine::set("version", 7), engine::set("value_json", engine::value::json("\"theirs\""))});
    };
    auto e = this->store.set("p", instance_key("k"), boost::json::value("mine"));
    BOOST_TEST(e.version == 8u);
    auto got = this->store.get("p", instance_key("k"));
    BOOST_TEST(got->value == boost::json::value("mine"));
    BOOST_TEST(got->version == 8u);

    // A compare-and-set that loses the same race is a conflict naming the winner's version.
    eng.before_update = [&](auto& inner) {
        eng.before_update = nullptr;
        inner.update("plugin_state", engine::col("state_key") == "k", {engine::set("version", 20)});
    };
    this->store.compare_and_set("p", instance_key("k"), boost::json::value("cas"), 8, this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::version_conflict, "expected_version");
    HOOKBOX_SS_CHECK_MESSAGE(this->diag, "but is at version 20");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(set_gives_up_when_it_loses_every_race, Factory, generic_state_store_factories,
                                 racing_fixture<Factory>) {
    this->store.set("p", instance_key("k"), boost::json::value("first"));
    int races = 0;
    this->store.engine().hooks_->before_update = [&](auto& inner) {
        ++races;
        inner.update("plugin_state", engine::col("state_key") == "k", {engine::add("version", 1)});
    };
    this->store.set("p", instance_key("k"), boost::json::value("mine"), this->ec, this->diag);
    HOOKBOX_SS_CHECK_ERROR(this->ec, this->diag, errc::storage_busy, "key");
    BOOST_TEST(is_retryable(this->ec));
    BOOST_TEST(races == 4);
    this->store.engine().hooks_->before_update = nullptr;
    // The transaction was rolled back, the other writers' bumps with it.
    auto got = this->store.get("p", instance_key("k"));
    BOOST_TEST(got->value == boost::json::value("first"));
    BOOST_TEST(got->version == 1u);
}

// ===================================================================================================
// A database reopened, and shared by several stores
// ===================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(state_survives_reopening_the_database, Factory, shared_state_store_factories) {
    using store = typename Factory::template store_type<manual_clock>;
    BOOST_TEST_MESSAGE("store: " << Factory::name);
    Factory factory;
    manual_clock clock;
    {
        store s(factory.make(), {}, clock);
        s.set("p", instance_key("k"), boost::json::parse(R"({"n":[1,2,3]})"));
        s.set("p", scoped_key(scope_kind::issue, "issue-4", "k"), boost::json::value(nullptr));
        s.set("p", instance_key("k"), boost::json::parse(R"({"n":[4]})"));
    }
    clock.advance(std::chrono::hours(1));
    store s(factory.make(), {}, clock);
    BOOST_TEST(s.engine().schema_version("hookbox.plugin_state") == 1);
    auto got = s.get("p", instance_key("k"));
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(got->value == boost::json::parse(R"({"n":[4]})"));
    BOOST_TEST(got->version == 2u);
    BOOST_TEST(got->updated_at == now_ms(clock) - std::chrono::hours(1));
    auto null = s.get("p", scoped_key(scope_kind::issue, "issue-4", "k"));
    BOOST_TEST_REQUIRE(null.has_value());
    BOOST_TEST(null->value.is_null());
    BOOST_TEST(s.set("p", instance_key("k"), boost::json::value(0)).version == 3u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(two_stores_on_one_database_share_one_row_per_key, Factory,
                              shared_state_store_factories) {
    using store = typename Factory::template store_type<std::chrono::system_clock>;
    BOOST_TEST_MESSAGE("store: " << Factory::name);
    Factory factory;
    store a{factory.make()};
    store b{factory.make()};
    BOOST_TEST(a.set("p", instance_key("k"), boost::json::value("a")).version == 1u);
    BOOST_TEST(b.set("p", instance_key("k"), boost::json::value("b")).version == 2u);
    BOOST_TEST(a.engine().count("plugin_state", engine::filter::all()) == 1u);
    BOOST_TEST(a.get("p", instance_key("k"))->value == boost::json::value("b"));
    // compare_and_set sees the other store's write.
    error_code ec;
    diagnostics diag;
    a.compare_and_set("p", instance_key("k"), boost::json::value("a2"), 1, ec, diag);
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::version_conflict, "expected_version");
    BOOST_TEST(a.compare_and_set("p", instance_key("k"), boost::json::value("a2"), 2).version == 3u);
    BOOST_TEST(b.erase_all("p") == 1u);
    BOOST_TEST(!a.get("p", instance_key("k")).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(concurrent_sets_from_two_connections_keep_one_row, Factory,
                              shared_state_store_factories) {
    using store = typename Factory::template store_type<std::chrono::system_clock>;
    BOOST_TEST_MESSAGE("store: " << Factory::name);
    Factory factory;
    store a{factory.make()};
    store b{factory.make()};
    constexpr int per_thread = 50;
    std::vector<error_code> failures[2];
    auto writer = [&](store& s, int who) {
        for (int i = 0; i < per_thread; ++i) {
            error_code ec;
            diagnostics diag;
            s.set("p", instance_key("k"), boost::json::value(who * 1000 + i), ec, diag);
            if (ec)
                failures[who].push_back(ec);
        }
    };
    {
        std::jthread ta(writer, std::ref(a), 0);
        std::jthread tb(writer, std::ref(b), 1);
    }
    BOOST_TEST(failures[0].empty());
    BOOST_TEST(failures[1].empty());
    BOOST_TEST(a.engine().count("plugin_state", engine::filter::all()) == 1u);
    BOOST_TEST(a.get("p", instance_key("k"))->version == std::uint64_t(2 * per_thread));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_STATE_STORE_CASES_HPP
