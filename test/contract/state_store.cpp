//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The state-store contract (contract/state_store_cases.hpp) over basic_state_store on memory_engine,
// sqlite_engine on a file and sqlite_engine on :memory:, and basic_sql_state_store over sqlite_engine
// (file and :memory:); then the key, set and list validators, which need no store.
//
// Not ported: the SDK harness's capability checks (`plugin.state.read` / `plugin.state.write`).
// They guard the host's RPC boundary; the store has no notion of capabilities and trusts the plugin
// id it is given (see doc/state.md), so there is nothing here for them to test.

#include "common/hooked_engine.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/clock.hpp>
#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/state/sql_state_store.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/json.hpp>
#include <boost/mpl/list.hpp>

#include <string>
#include <type_traits>

namespace hookbox::test {

namespace {

// ----- factories: one per engine; every templated case runs for each -----

struct memory_state_factory {
    using engine_type = engine::memory_engine;
    template <class Clock>
    using store_type = basic_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_state_store<memory_engine>";
    engine_type make() { return engine_type(); }
};

struct sqlite_file_state_factory {
    using engine_type = engine::sqlite_engine;
    template <class Clock>
    using store_type = basic_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_state_store<sqlite_engine> (file)";
    std::string path = process_temp_dir().file("state");
    engine_type make() {
        engine::sqlite_params p;
        p.path = path;
        return engine_type(p);
    }
};

struct sqlite_memory_state_factory {
    using engine_type = engine::sqlite_engine;
    template <class Clock>
    using store_type = basic_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_state_store<sqlite_engine> (:memory:)";
    engine_type make() { return engine_type(engine::sqlite_params{}); }
};

// The same contract over the SQL store, in SQLite's dialect.
struct sqlite_file_sql_state_factory : sqlite_file_state_factory {
    template <class Clock>
    using store_type = basic_sql_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_sql_state_store<sqlite_engine> (file)";
};

struct sqlite_memory_sql_state_factory : sqlite_memory_state_factory {
    template <class Clock>
    using store_type = basic_sql_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_sql_state_store<sqlite_engine> (:memory:)";
};

using state_store_factories =
    boost::mpl::list<memory_state_factory, sqlite_file_state_factory, sqlite_memory_state_factory,
                     sqlite_file_sql_state_factory, sqlite_memory_sql_state_factory>;

// The generic store, for the cases that race a write's lookup (the SQL store has none: each write
// is one statement).
using generic_state_store_factories =
    boost::mpl::list<memory_state_factory, sqlite_file_state_factory, sqlite_memory_state_factory>;

// The stores on a SQLite file, for the cases that open it twice.
using shared_state_store_factories = boost::mpl::list<sqlite_file_state_factory, sqlite_file_sql_state_factory>;

static_assert(!std::is_copy_constructible_v<basic_state_store<engine::memory_engine>>);
static_assert(std::is_move_constructible_v<basic_state_store<engine::sqlite_engine, manual_clock>>);
static_assert(!std::is_copy_constructible_v<basic_sql_state_store<engine::sqlite_engine>>);
static_assert(std::is_move_constructible_v<basic_sql_state_store<engine::sqlite_engine, manual_clock>>);
static_assert(engine::data_engine<hooked_engine<engine::memory_engine>>);

}  // namespace

}  // namespace hookbox::test

#include "contract/state_store_cases.hpp"

namespace hookbox::test {

BOOST_AUTO_TEST_SUITE(state_store_contract)

using namespace hookbox::test::state_store_detail;

// ===================================================================================================
// The scope-key validator
// ===================================================================================================

BOOST_AUTO_TEST_CASE(scope_key_accepts_a_minimal_instance_key) {
    error_code ec;
    diagnostics diag;
    state_key k;
    k.key = "counter";
    BOOST_TEST(k.kind == scope_kind::instance);
    BOOST_TEST(k.name_space == "default");
    BOOST_TEST(validate(k, ec, diag));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(scope_key_accepts_a_project_key_with_scope_id_and_namespace) {
    error_code ec;
    diagnostics diag;
    BOOST_TEST(validate(scoped_key(scope_kind::project, "proj-123", "settings", "config"), ec, diag));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(scope_key_accepts_all_valid_scope_kinds) {
    BOOST_TEST(scope_kind_count == all_kinds.size());
    for (auto kind : all_kinds) {
        BOOST_TEST_CONTEXT(to_string(kind)) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(validate(key_of_kind(kind), ec, diag));
            BOOST_TEST(!ec);
            BOOST_TEST(parse_scope_kind(to_string(kind)) == kind);
        }
    }
    BOOST_TEST(to_string(scope_kind::project_workspace) == "project_workspace");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_an_unknown_scope_kind) {
    BOOST_TEST(!parse_scope_kind("workspace").has_value());
    BOOST_TEST(!parse_scope_kind("Instance").has_value());
    error_code ec;
    diagnostics diag;
    state_key k = instance_key("k");
    k.kind = static_cast<scope_kind>(99);
    BOOST_TEST(!validate(k, ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "kind");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state scopeKind is invalid");
    BOOST_TEST(to_string(k.kind) == "invalid");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_an_empty_key) {
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!validate(instance_key(""), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "key");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state stateKey must be a non-empty string");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_a_missing_key) {
    // A key without one: the default-constructed key.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!validate(state_key{}, ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "key");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_an_empty_scope_id) {
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!validate(scoped_key(scope_kind::project, "", "k"), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "scope_id");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state scopeId is required for non-instance scopes");
    // Blank is empty too.
    BOOST_TEST(!validate(scoped_key(scope_kind::project, " \t ", "k"), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "scope_id");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state scopeId must be a non-empty string");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_an_empty_namespace) {
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!validate(instance_key("k", ""), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "namespace");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state namespace must be a non-empty string");
}

BOOST_AUTO_TEST_CASE(scope_key_rejects_a_missing_scope_kind) {
    // A state_key always has a kind (instance by default); what can be missing is the name a caller
    // parses it from.
    BOOST_TEST(!parse_scope_kind("").has_value());
}

BOOST_AUTO_TEST_CASE(scope_key_applies_the_instance_and_scope_id_rules) {
    error_code ec;
    diagnostics diag;
    state_key k = instance_key("k");
    k.scope_id = "company-1";
    BOOST_TEST(!validate(k, ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "scope_id");
    HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state instance scope cannot include scopeId");
    for (auto kind : all_kinds) {
        if (kind == scope_kind::instance)
            continue;
        BOOST_TEST_CONTEXT(to_string(kind)) {
            BOOST_TEST(!validate(scoped_key(kind, "", "k"), ec, diag));
            HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "scope_id");
            HOOKBOX_SS_CHECK_MESSAGE(diag, "Plugin state scopeId is required for non-instance scopes");
        }
    }
}

// Every identifier rule, for each of scope_id, namespace and key.
BOOST_AUTO_TEST_CASE(scope_key_rejects_bad_identifiers) {
    const std::string nbsp_ideographic = "\xC2\xA0\xE3\x80\x80";  // U+00A0, U+3000: blank to trim()
    struct bad {
        const char* name;
        std::string value;
        errc code;
        const char* message;
    };
    const bad cases[] = {
        {"blank", "   ", errc::empty_field, "must be a non-empty string"},
        {"blank with Unicode spaces", "\t" + nbsp_ideographic + "\n", errc::empty_field, "must be a non-empty string"},
        {"501 characters", std::string(501, 'x'), errc::field_too_long, "must be at most 500 characters"},
        {"501 two-byte characters", [] {
             std::string s;
             for (int i = 0; i < 501; ++i)
                 s += "\xC3\xA9";
             return s;
         }(),
         errc::field_too_long, "must be at most 500 characters"},
        {"NUL", std::string("a\0b", 3), errc::invalid_argument, "must not contain NUL"},
        {"__proto__", "__proto__", errc::invalid_argument, "contains a reserved value"},
        {"prototype", "prototype", errc::invalid_argument, "contains a reserved value"},
        {"constructor", "constructor", errc::invalid_argument, "contains a reserved value"},
        {"reserved with spaces", "  constructor ", errc::invalid_argument, "contains a reserved value"},
    };
    struct target {
        const char* field;
        const char* label;
        std::function<state_key(std::string)> make;
    };
    const target targets[] = {
        {"scope_id", "Plugin state scopeId", [](std::string v) { return scoped_key(scope_kind::issue, v, "k"); }},
        {"namespace", "Plugin state namespace", [](std::string v) { return instance_key("k", v); }},
        {"key", "Plugin state stateKey", [](std::string v) { return instance_key(v); }},
    };
    for (const auto& t : targets) {
        for (const auto& c : cases) {
            BOOST_TEST_CONTEXT(t.field << ": " << c.name) {
                error_code ec;
                diagnostics diag;
                BOOST_TEST(!validate(t.make(c.value), ec, diag));
                HOOKBOX_SS_CHECK_ERROR(ec, diag, c.code, t.field);
                HOOKBOX_SS_CHECK_MESSAGE(diag, std::string(t.label) + " " + c.message);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(scope_key_accepts_identifiers_at_the_limits) {
    std::string wide;
    for (int i = 0; i < 500; ++i)
        wide += "\xE2\x82\xAC";  // 500 characters, 1500 bytes
    const std::string values[] = {std::string(500, 'x'), wide, " padded ", "a b", "__proto__x", "Prototype", "%_\\"};
    for (const auto& v : values) {
        BOOST_TEST_CONTEXT(v.substr(0, 16)) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(validate(scoped_key(scope_kind::goal, v, v, v), ec, diag), diag.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(plugin_id_rules) {
    error_code ec;
    diagnostics diag;
    BOOST_TEST(validate_plugin_id(std::string(128, 'p'), ec, diag));
    BOOST_TEST(!validate_plugin_id("", ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::empty_field, "plugin_id");
    BOOST_TEST(!validate_plugin_id(std::string(129, 'p'), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::field_too_long, "plugin_id");
    BOOST_TEST(!validate_plugin_id(std::string("p\0q", 3), ec, diag));
    HOOKBOX_SS_CHECK_ERROR(ec, diag, errc::invalid_argument, "plugin_id");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
