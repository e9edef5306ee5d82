//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The state table's statements in each SQL dialect, as strings. The SQLite texts also run in the
// state-store contract suite (basic_sql_state_store over sqlite_engine); the PostgreSQL texts are
// checked here as text: `$N` placeholders, the upsert and the guarded update, and byte order
// (`COLLATE "C"`) in the list's range, its keyset condition and its ordering.

#include "common/test_common.hpp"

#include <hookbox/state/detail/state_rows.hpp>
#include <hookbox/state/state_statements.hpp>

#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using engine::sql_dialect;

struct expected_text {
    const char* name;
    std::string actual;
    std::string expected;
};

state_list_options every_option() {
    state_list_options o;
    o.kind = scope_kind::company;
    o.scope_id = "c-1";
    o.name_space = "ns";
    o.key_prefix = "ab";
    o.after = state_key{scope_kind::company, "c-1", "ns", "abc"};
    o.limit = 10;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(state_statements)

BOOST_AUTO_TEST_CASE(sqlite_statements) {
    auto s = sql::state_statements::make(sql_dialect::sqlite, "plugin_state");
    std::vector<expected_text> texts{
        {"get", s.get,
         R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = ?1 AND scope_kind = ?2 AND scope_id = ?3 AND "namespace" = ?4 AND state_key = ?5)"},
        {"upsert", s.upsert,
         R"(INSERT INTO "plugin_state" AS s (plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) ON CONFLICT (plugin_id, scope_kind, scope_id, "namespace", state_key) DO UPDATE SET value_json = excluded.value_json, version = s.version + 1, updated_at = excluded.updated_at RETURNING version)"},
        {"insert_new", s.insert_new,
         R"(INSERT INTO "plugin_state" AS s (plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7) ON CONFLICT (plugin_id, scope_kind, scope_id, "namespace", state_key) DO NOTHING RETURNING version)"},
        {"update_at_version", s.update_at_version,
         R"(UPDATE "plugin_state" SET value_json = ?6, version = version + 1, updated_at = ?7 WHERE plugin_id = ?1 AND scope_kind = ?2 AND scope_id = ?3 AND "namespace" = ?4 AND state_key = ?5 AND version = ?8 RETURNING version)"},
        {"version_of", s.version_of,
         R"(SELECT version FROM "plugin_state" WHERE plugin_id = ?1 AND scope_kind = ?2 AND scope_id = ?3 AND "namespace" = ?4 AND state_key = ?5)"},
        {"erase", s.erase,
         R"(DELETE FROM "plugin_state" WHERE plugin_id = ?1 AND scope_kind = ?2 AND scope_id = ?3 AND "namespace" = ?4 AND state_key = ?5)"},
        {"erase_all", s.erase_all,
         R"(DELETE FROM "plugin_state" WHERE plugin_id = ?1)"},
    };
    for (const auto& t : texts) {
        BOOST_TEST_CONTEXT(t.name) { BOOST_TEST(t.actual == t.expected); }
    }
    BOOST_TEST(s.list("p", {}).text == R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = ?1 ORDER BY scope_kind, scope_id, "namespace", state_key LIMIT ?2)");
    auto all = s.list("p", every_option());
    BOOST_TEST(all.text == R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = ?1 AND scope_kind = ?2 AND scope_id = ?3 AND "namespace" = ?4 AND state_key >= ?5 AND state_key < ?6 AND (scope_kind, scope_id, "namespace", state_key) > (?7, ?8, ?9, ?10) ORDER BY scope_kind, scope_id, "namespace", state_key LIMIT ?11)");
    // The prefix "ab" is the range ["ab", "ac"); the page asks one entry more than its limit.
    BOOST_TEST(all.params == (std::vector<engine::value>{engine::value("p"), engine::value("company"),
                                                         engine::value("c-1"), engine::value("ns"),
                                                         engine::value("ab"), engine::value("ac"),
                                                         engine::value("company"), engine::value("c-1"),
                                                         engine::value("ns"), engine::value("abc"),
                                                         engine::value(std::int64_t(11))}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(postgresql_statements) {
    auto s = sql::state_statements::make(sql_dialect::postgresql, "plugin_state");
    std::vector<expected_text> texts{
        {"get", s.get,
         R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = $1 AND scope_kind = $2 AND scope_id = $3 AND "namespace" = $4 AND state_key = $5)"},
        {"upsert", s.upsert,
         R"(INSERT INTO "plugin_state" AS s (plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (plugin_id, scope_kind, scope_id, "namespace", state_key) DO UPDATE SET value_json = excluded.value_json, version = s.version + 1, updated_at = excluded.updated_at RETURNING version)"},
        {"insert_new", s.insert_new,
         R"(INSERT INTO "plugin_state" AS s (plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7) ON CONFLICT (plugin_id, scope_kind, scope_id, "namespace", state_key) DO NOTHING RETURNING version)"},
        {"update_at_version", s.update_at_version,
         R"(UPDATE "plugin_state" SET value_json = $6, version = version + 1, updated_at = $7 WHERE plugin_id = $1 AND scope_kind = $2 AND scope_id = $3 AND "namespace" = $4 AND state_key = $5 AND version = $8 RETURNING version)"},
        {"version_of", s.version_of,
         R"(SELECT version FROM "plugin_state" WHERE plugin_id = $1 AND scope_kind = $2 AND scope_id = $3 AND "namespace" = $4 AND state_key = $5)"},
        {"erase", s.erase,
         R"(DELETE FROM "plugin_state" WHERE plugin_id = $1 AND scope_kind = $2 AND scope_id = $3 AND "namespace" = $4 AND state_key = $5)"},
        {"erase_all", s.erase_all,
         R"(DELETE FROM "plugin_state" WHERE plugin_id = $1)"},
    };
    for (const auto& t : texts) {
        BOOST_TEST_CONTEXT(t.name) {
            BOOST_TEST(t.actual == t.expected);
            BOOST_TEST(t.actual.find('?') == std::string::npos, "no SQLite placeholder");
        }
    }
    BOOST_TEST(s.list("p", {}).text == R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = $1 ORDER BY scope_kind COLLATE "C", scope_id COLLATE "C", "namespace" COLLATE "C", state_key COLLATE "C" LIMIT $2)");
    BOOST_TEST(s.list("p", every_option()).text == R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "plugin_state" WHERE plugin_id = $1 AND scope_kind = $2 AND scope_id = $3 AND "namespace" = $4 AND state_key COLLATE "C" >= $5 AND state_key COLLATE "C" < $6 AND (scope_kind COLLATE "C", scope_id COLLATE "C", "namespace" COLLATE "C", state_key COLLATE "C") > ($7, $8, $9, $10) ORDER BY scope_kind COLLATE "C", scope_id COLLATE "C", "namespace" COLLATE "C", state_key COLLATE "C" LIMIT $11)");
}

BOOST_AUTO_TEST_CASE(a_prefix_without_successor_has_no_upper_bound) {
    // A prefix of the last code point (U+10FFFF) only: every key that starts with it is above it,
    // and no character comes after it to bound them.
    state_list_options o;
    o.key_prefix = "\xF4\x8F\xBF\xBF\xF4\x8F\xBF\xBF";
    auto b = sql::state_statements::make(sql_dialect::sqlite, "t").list("p", o);
    BOOST_TEST(b.text == R"(SELECT id, plugin_id, scope_kind, scope_id, "namespace", state_key, value_json, version, updated_at FROM "t" WHERE plugin_id = ?1 AND state_key >= ?2 ORDER BY scope_kind, scope_id, "namespace", state_key LIMIT ?3)");
    BOOST_TEST(b.params.size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_prefix_is_bounded_by_the_next_character) {
    // The upper bound of a prefix is the prefix with its last character made the next one: valid
    // UTF-8 (PostgreSQL takes nothing else), past the surrogates, carrying past U+10FFFF.
    struct {
        const char* prefix;
        const char* bound;
    } cases[] = {
        {"job:", "job;"},
        {"\x7F", "\xC2\x80"},                       // U+007F, then U+0080: one byte more
        {"\xC3\xBF", "\xC4\x80"},                   // U+00FF: not 0xC3 0xC0
        {"\xD0\xBF", "\xD1\x80"},                   // U+043F
        {"\xED\x9F\xBF", "\xEE\x80\x80"},          // U+D7FF, then U+E000 past the surrogates
        {"\xEF\xBF\xBF", "\xF0\x90\x80\x80"},     // U+FFFF, then U+10000
        {"a\xF4\x8F\xBF\xBF", "b"},                // U+10FFFF has no next: carry
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.prefix) {
            auto next = hookbox::detail::state::prefix_successor(c.prefix);
            BOOST_TEST_REQUIRE(next.has_value());
            BOOST_TEST(*next == c.bound);
            BOOST_TEST(is_valid_utf8(*next));
            const bool below = std::string_view(c.prefix).compare(*next) < 0;  // bytes, unsigned
            BOOST_TEST(below);
        }
    }
    BOOST_TEST(!hookbox::detail::state::prefix_successor("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
