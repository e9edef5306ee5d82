//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_DETAIL_SQL_TEXT_CATALOG_HPP
#define HOOKBOX_ENGINE_DETAIL_SQL_TEXT_CATALOG_HPP

// What a SQL engine knows of a table's columns, read from its database's catalog, and the column
// types it declares in each dialect.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/value.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sql_text {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// What the engine knows of one column.
struct column_info {
    std::string name;
    column_type type = column_type::text;
    bool not_null = false;
    bool has_default = false;
    bool primary_key = false;
    bool auto_increment = false;
    // NOT NULL, no default and not filled by the engine: an insert must name it.
    bool required() const noexcept { return not_null && !has_default && !auto_increment; }
};

struct table_info {
    std::string name;
    std::vector<column_info> columns;
    bool auto_increment = false;
    std::size_t required = 0;

    const column_info* column(std::string_view n) const noexcept {
        for (const auto& c : columns)
            if (c.name.size() == n.size() && c.name == n)
                return &c;
        return nullptr;
    }
};

// The name by which PostgreSQL's catalog tells a json column: a domain over text, so that the
// bytes are kept exactly (as SQLite's `JSON_TEXT` does) and a stored value is never re-formatted.
inline constexpr std::string_view postgres_json_domain = "hookbox_json";

// The declared type the engine writes for each column type. SQLite: `JSON_TEXT` has TEXT affinity
// (it contains "TEXT"), keeps JSON bytes exactly, and is recognised when the catalog is read back.
// PostgreSQL: 64-bit integers, doubles, text, and the json domain.
constexpr std::string_view declared_type(column_type t, sql_dialect d = sql_dialect::sqlite) noexcept {
    const bool pg = d == sql_dialect::postgresql;
    switch (t) {
    case column_type::integer: return pg ? "BIGINT" : "INTEGER";
    case column_type::real: return pg ? "DOUBLE PRECISION" : "REAL";
    case column_type::text: return "TEXT";
    case column_type::json: return pg ? postgres_json_domain : "JSON_TEXT";
    }
    return "TEXT";
}

}  // namespace hookbox::engine::detail::sql_text

#endif  // HOOKBOX_ENGINE_DETAIL_SQL_TEXT_CATALOG_HPP
