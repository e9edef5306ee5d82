//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_SQL_IMPL_BATCH_IPP
#define HOOKBOX_STORAGE_SQL_IMPL_BATCH_IPP

#include <hookbox/storage/sql/batch.hpp>

#include <charconv>

namespace hookbox::sql {

namespace detail {

inline void append_element(std::string& out, const engine::value& v) {
    switch (v.type()) {
    case engine::value::kind::null: out += "NULL"; return;
    case engine::value::kind::integer: out += std::to_string(v.as_integer()); return;
    case engine::value::kind::real: {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v.as_real());
        out.append(buf, r.ptr);
        return;
    }
    case engine::value::kind::text:
    case engine::value::kind::json:
        // Quoted always: an unquoted element would be read as NULL when it says NULL, and would lose
        // its surrounding blanks, commas and braces.
        out += '"';
        for (char c : v.as_text()) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
        return;
    }
}

}  // namespace detail

void bind_keys(const key_list_statement& s, std::span<const std::int64_t> keys, std::vector<engine::value>& out) {
    out.clear();
    if (s.array) {
        std::string lit = "{";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (i)
                lit += ',';
            lit += std::to_string(keys[i]);
        }
        lit += '}';
        out.emplace_back(std::move(lit));
        return;
    }
    out.reserve(s.chunk);
    for (std::size_t i = 0; i < s.chunk; ++i)
        out.emplace_back(keys.empty() ? std::int64_t(0) : keys[std::min(i, keys.size() - 1)]);
}

std::vector<std::pair<std::size_t, std::size_t>> plan_rows(const row_batch_statement& s, std::size_t rows) {
    std::vector<std::pair<std::size_t, std::size_t>> plan;
    if (s.sizes.empty())
        return plan;
    while (rows > 0) {
        std::size_t k = s.sizes.size() - 1;
        while (k > 0 && s.sizes[k] > rows)
            --k;
        std::size_t n = std::min(s.sizes[k], rows);
        plan.emplace_back(k, n);
        rows -= n;
    }
    return plan;
}

void pack_rows(const row_batch_statement& s, std::span<const engine::value> values, std::vector<engine::value>& out) {
    out.clear();
    if (!s.array) {
        out.assign(values.begin(), values.end());
        return;
    }
    out.reserve(s.width);
    for (std::size_t c = 0; c < s.width; ++c)
        out.emplace_back(array_literal(values, c, s.width));
}

std::string array_literal(std::span<const engine::value> values) { return array_literal(values, 0, 1); }

std::string array_literal(std::span<const engine::value> values, std::size_t first, std::size_t stride) {
    std::string out = "{";
    bool any = false;
    for (std::size_t i = first; i < values.size(); i += stride) {
        if (any)
            out += ',';
        detail::append_element(out, values[i]);
        any = true;
    }
    out += '}';
    return out;
}

std::string quote_identifier(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace hookbox::sql

#endif  // HOOKBOX_STORAGE_SQL_IMPL_BATCH_IPP
