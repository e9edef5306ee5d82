//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_DETAIL_STATE_ROWS_HPP
#define HOOKBOX_STATE_DETAIL_STATE_ROWS_HPP

// Rows of the state table to and from entries, shared by basic_state_store and
// basic_sql_state_store: values are serialized so that they always parse back, and a row that
// cannot be read is reported with the same words by both.

#include <hookbox/detail/json_check.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>
#include <hookbox/state/state_types.hpp>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::detail::state {

// Columns in the order `find` returns them.
inline constexpr std::array<std::string_view, 9> columns{"id",        "plugin_id",  "scope_kind",
                                                         "scope_id",  "namespace",  "state_key",
                                                         "value_json", "version",   "updated_at"};

inline boost::json::parse_options json_options() noexcept {
    boost::json::parse_options o;
    o.max_depth = state_limits::value_depth;
    return o;
}

// The smallest valid UTF-8 string greater than every string that starts with `prefix` (valid UTF-8,
// as validation ensures), or nothing when there is none (the prefix is empty, or all U+10FFFF): the
// prefix with its last code point made the next one (past the surrogates; past U+10FFFF the last
// character goes and the one before is made the next). UTF-8's byte order is the code points'
// order, so the bound is exact on every engine, and PostgreSQL, which keeps text as UTF-8, can take
// it (the next byte string, 0xC3 0xC0 after "ÿ", is not UTF-8).
inline std::optional<std::string> prefix_successor(std::string_view prefix) {
    std::string s(prefix);
    while (!s.empty()) {
        // The last code point: its lead byte is the last byte that is not 10xxxxxx.
        std::size_t lead = s.size() - 1;
        while (lead > 0 && (static_cast<unsigned char>(s[lead]) & 0xC0) == 0x80)
            --lead;
        auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])); };
        const std::size_t n = s.size() - lead;
        std::uint32_t cp = n == 1   ? b(lead)
                           : n == 2 ? ((b(lead) & 0x1F) << 6) | (b(lead + 1) & 0x3F)
                           : n == 3 ? ((b(lead) & 0x0F) << 12) | ((b(lead + 1) & 0x3F) << 6) | (b(lead + 2) & 0x3F)
                                    : ((b(lead) & 0x07) << 18) | ((b(lead + 1) & 0x3F) << 12) |
                                          ((b(lead + 2) & 0x3F) << 6) | (b(lead + 3) & 0x3F);
        s.resize(lead);
        if (cp >= 0x10FFFF)
            continue;  // no next code point: carry into the one before
        ++cp;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 0xE000;
        if (cp < 0x80) {
            s += static_cast<char>(cp);
        } else if (cp < 0x800) {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s += static_cast<char>(0xE0 | (cp >> 12));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            s += static_cast<char>(0xF0 | (cp >> 18));
            s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            s += static_cast<char>(0x80 | (cp & 0x3F));
        }
        return s;
    }
    return std::nullopt;
}

// Why serialized JSON did not parse back, found by walking the value (iteratively: values may be
// deeper than the stack).
inline bool value_fail(const boost::json::value& v, const error_code& jec, error_code& ec, diagnostics& diag) {
    if (jec == boost::json::error::too_deep)
        return fail(ec, diag, errc::invalid_argument, "value",
                    "value: arrays and objects must nest at most " + std::to_string(state_limits::value_depth) +
                        " levels deep");
    std::vector<const boost::json::value*> todo{&v};
    while (!todo.empty()) {
        const boost::json::value* x = todo.back();
        todo.pop_back();
        if (x->is_double() && !std::isfinite(x->get_double()))
            return fail(ec, diag, errc::invalid_argument, "value",
                        "value: numbers must be finite (JSON has no NaN or infinity)");
        if (const auto* a = x->if_array())
            for (const auto& e : *a)
                todo.push_back(&e);
        if (const auto* o = x->if_object())
            for (const auto& kv : *o)
                todo.push_back(&kv.value());
    }
    return fail(ec, diag, errc::invalid_utf8, "value",
                "value: strings and object keys must be valid UTF-8 (" + jec.message() + ")");
}

inline std::string describe(std::string_view plugin_id, const state_key& k) {
    std::string s = "plugin '" + std::string(plugin_id) + "', " + std::string(to_string(k.kind));
    if (k.kind != scope_kind::instance)
        s += " '" + k.scope_id + "'";
    s += ", namespace '" + k.name_space + "', key '" + k.key + "'";
    return s;
}

// The error of a compare-and-set that found another version (0: the entry is absent).
inline bool fail_conflict(error_code& ec, diagnostics& diag, std::string_view plugin_id, const state_key& key,
                          std::uint64_t expected, std::uint64_t current) {
    return fail(ec, diag, errc::version_conflict, "expected_version",
                "expected_version: " + describe(plugin_id, key) + " was expected at version " +
                    std::to_string(expected) + " but is at version " + std::to_string(current) +
                    (current == 0 ? " (absent)" : ""));
}

// Checks a state table's name: the schema derives its index names from it.
inline bool check_table_name(const std::string& table, error_code& ec, diagnostics& diag) {
    if (engine::detail::is_identifier(table) && table.size() <= state_limits::table_name)
        return true;
    return fail(ec, diag, errc::schema_error, "table",
                "table: '" + table + "' must be 1-" + std::to_string(state_limits::table_name) +
                    " letters, digits or underscores, not starting with a digit");
}

// The error of a stored row that cannot be read, naming the row (its id) and the column.
inline bool fail_corrupt(error_code& ec, diagnostics& diag, std::string_view table, std::optional<std::int64_t> id,
                         const char* column, const std::string& reason) {
    return fail(ec, diag, errc::corrupt_row, column,
                "Plugin state row " + (id ? std::to_string(*id) : std::string("?")) + " in table '" +
                    std::string(table) + "': column " + column + ": " + reason);
}

// Reads a row, its cells in `columns` order, into `e`; a cell that cannot be read fails with
// corrupt_row naming the row and the column.
inline bool decode(std::span<const engine::cell_view> c, state_entry& e, std::string_view table, error_code& ec,
                   diagnostics& diag) {
    using kind = engine::value::kind;
    std::optional<std::int64_t> id;
    if (c.size() == columns.size() && c[0].type == kind::integer)
        id = c[0].integer;
    auto corrupt = [&](const char* column, const std::string& reason) {
        return fail_corrupt(ec, diag, table, id, column, reason);
    };
    if (c.size() != columns.size())
        return corrupt("id", "expected " + std::to_string(columns.size()) + " columns, found " +
                                 std::to_string(c.size()));
    auto text = [&](std::size_t i, std::string& out) {
        if (c[i].type != kind::text && c[i].type != kind::json)
            return corrupt(columns[i].data(), "expected text, found " + std::string(engine::to_string(c[i].type)));
        out.assign(c[i].text);
        return true;
    };
    auto integer = [&](std::size_t i, std::int64_t& out) {
        if (c[i].type != kind::integer)
            return corrupt(columns[i].data(),
                           "expected an integer, found " + std::string(engine::to_string(c[i].type)));
        out = c[i].integer;
        return true;
    };
    std::string kind_name, json;
    std::int64_t version = 0, updated = 0;
    if (!text(1, e.plugin_id) || !text(2, kind_name) || !text(3, e.key.scope_id) || !text(4, e.key.name_space) ||
        !text(5, e.key.key) || !text(6, json) || !integer(7, version) || !integer(8, updated))
        return false;
    auto k = parse_scope_kind(kind_name);
    if (!k)
        return corrupt("scope_kind", "unknown scope kind '" + kind_name.substr(0, 32) + "'");
    e.key.kind = *k;
    if (version < 1)
        return corrupt("version", "version " + std::to_string(version) + " is below 1");
    e.version = static_cast<std::uint64_t>(version);
    e.updated_at = timestamp(std::chrono::milliseconds(updated));
    error_code jec;
    e.value = boost::json::parse(json, jec, {}, json_options());
    if (jec)
        return corrupt("value_json", "not valid JSON (" + jec.message() + ")");
    return true;
}

// Serializes a value, making sure it parses back: what `get` could not read is never stored.
inline bool encode(const boost::json::value& v, std::string& out, error_code& ec, diagnostics& diag) {
    out = boost::json::serialize(v);
    error_code jec;
    boost::json::basic_parser<hookbox::detail::json_null_handler> p{json_options()};
    std::size_t n = p.write_some(false, out.data(), out.size(), jec);
    if (!jec && n != out.size())
        jec = boost::json::make_error_code(boost::json::error::extra_data);
    if (jec)
        return value_fail(v, jec, ec, diag);
    return true;
}

}  // namespace hookbox::detail::state

#endif  // HOOKBOX_STATE_DETAIL_STATE_ROWS_HPP
