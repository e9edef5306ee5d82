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
#include <hookbox/engine/detail/sql_text/catalog.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sqlite_impl {

using namespace sql_text;

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
