//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_DETAIL_SQL_TEXT_TEXT_HPP
#define HOOKBOX_ENGINE_DETAIL_SQL_TEXT_TEXT_HPP

// Text helpers of the SQLite engine: case-insensitive ASCII comparison, quoting of identifiers and
// literals, positional parameters, and recognising DDL.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/value.hpp>

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sql_text {

inline char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_upper(a[i]) != ascii_upper(b[i]))
            return false;
    return true;
}

inline bool icontains(std::string_view hay, std::string_view needle) noexcept {
    if (needle.size() > hay.size())
        return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (iequals(hay.substr(i, needle.size()), needle))
            return true;
    return false;
}

inline void quote_ident(std::string& out, std::string_view id) {
    out += '"';
    for (char c : id) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

inline void quote_text(std::string& out, std::string_view s) {
    out += '\'';
    for (char c : s) {
        if (c == '\'')
            out += '\'';
        out += c;
    }
    out += '\'';
}

inline void append_number(std::string& out, std::size_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

// Appends the next positional parameter (`?N` in SQLite, `$N` in PostgreSQL), and remembers its value.
inline void append_param(std::string& out, std::vector<const value*>& binds, const value* v,
                         sql_dialect d = sql_dialect::sqlite) {
    binds.push_back(v);
    out += d == sql_dialect::postgresql ? '$' : '?';
    append_number(out, binds.size());
}

// The constants true and false as a condition: SQLite takes numbers, PostgreSQL wants booleans.
inline const char* truth(bool b, sql_dialect d) noexcept {
    if (d == sql_dialect::postgresql)
        return b ? "TRUE" : "FALSE";
    return b ? "1" : "0";
}

// True for statements that may change the schema (the catalog is then dropped).
inline bool is_ddl(std::string_view sql) noexcept {
    std::size_t i = 0;
    while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' || sql[i] == '('))
        ++i;
    auto word = sql.substr(i, 6);
    return iequals(word.substr(0, 6), "CREATE") || iequals(word.substr(0, 5), "ALTER") ||
           iequals(word.substr(0, 4), "DROP");
}

}  // namespace hookbox::engine::detail::sql_text

#endif  // HOOKBOX_ENGINE_DETAIL_SQL_TEXT_TEXT_HPP
