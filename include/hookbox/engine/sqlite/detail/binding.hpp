//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_BINDING_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_BINDING_HPP

// Values in and out of SQLite statements: binding parameters, and reading result cells as values
// or as views of SQLite's buffers.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/value.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace hookbox::engine::detail::sqlite_impl {

inline void bind_text(sqlite3_stmt* st, int i, std::string_view s) {
    sqlite3_bind_text64(st, i, s.data(), static_cast<sqlite3_uint64>(s.size()), SQLITE_STATIC, SQLITE_UTF8);
}

// Binds with SQLITE_STATIC: the value outlives the statement's step.
inline int bind_value(sqlite3_stmt* st, int i, const value& v) noexcept {
    switch (v.type()) {
    case value::kind::null: return sqlite3_bind_null(st, i);
    case value::kind::integer: return sqlite3_bind_int64(st, i, v.as_integer());
    case value::kind::real: return sqlite3_bind_double(st, i, v.as_real());
    case value::kind::text:
    case value::kind::json: {
        const std::string& s = v.as_text();
        return sqlite3_bind_text64(st, i, s.data(), static_cast<sqlite3_uint64>(s.size()), SQLITE_STATIC,
                                   SQLITE_UTF8);
    }
    }
    return SQLITE_MISUSE;
}

inline value read_value(sqlite3_stmt* st, int i, bool json) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return value(static_cast<std::int64_t>(sqlite3_column_int64(st, i)));
    case SQLITE_FLOAT: return value(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
        const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        std::string s(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        return json ? value::json(std::move(s)) : value(std::move(s));
    }
    case SQLITE_BLOB: {
        const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
        std::string s(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        return json ? value::json(std::move(s)) : value(std::move(s));
    }
    default: return value();
    }
}


// Reads a result cell as a view of SQLite's buffer (valid until the next step).
inline void read_cell(sqlite3_stmt* st, int i, bool json, cell_view& c) noexcept {
    c = cell_view{};
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        c.type = value::kind::integer;
        c.integer = static_cast<std::int64_t>(sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT:
        c.type = value::kind::real;
        c.real = sqlite3_column_double(st, i);
        break;
    case SQLITE_TEXT: {
        const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        c.type = json ? value::kind::json : value::kind::text;
        c.text = std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        break;
    }
    case SQLITE_BLOB: {
        const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
        c.type = value::kind::text;
        c.text = std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        break;
    }
    default: break;
    }
}

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_BINDING_HPP
