//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_CATALOG_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_CATALOG_HPP

// What the SQLite engine knows of a table, read from PRAGMA table_info, and the column types of
// SQLite's declared types.

#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/sqlite/detail/text.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sqlite_impl {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// What the engine knows of one column, from PRAGMA table_info.
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

// The declared type the engine writes for each column type. `JSON_TEXT` has TEXT affinity (it
// contains "TEXT"), keeps JSON bytes exactly, and is recognised when the catalog is read back.
constexpr std::string_view declared_type(column_type t) noexcept {
    switch (t) {
    case column_type::integer: return "INTEGER";
    case column_type::real: return "REAL";
    case column_type::text: return "TEXT";
    case column_type::json: return "JSON_TEXT";
    }
    return "TEXT";
}

inline constexpr std::string_view json_decl = "JSON_TEXT";

// The column type of a declared type, by SQLite's affinity rules (section 3.1 of "Datatypes In SQLite").
inline column_type type_from_declared(std::string_view decl) noexcept {
    if (iequals(decl, json_decl))
        return column_type::json;
    if (icontains(decl, "INT"))
        return column_type::integer;
    if (icontains(decl, "CHAR") || icontains(decl, "CLOB") || icontains(decl, "TEXT"))
        return column_type::text;
    if (decl.empty() || icontains(decl, "BLOB"))
        return column_type::text;
    return column_type::real;  // REAL and NUMERIC affinity: numbers of either kind
}

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_CATALOG_HPP
