//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_DETAIL_FILTERS_HPP
#define HOOKBOX_ENGINE_MEMORY_DETAIL_FILTERS_HPP

// memory_engine's filters compiled against a table (columns by position), their evaluation, and
// the implication test that decides whether a partial index serves a filter.

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/memory/detail/values.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace hookbox::engine::detail::memory {

// ----- compiled filters -----

// A filter resolved against a table: columns by position, operands in the column's stored type.
struct node {
    filter::kind type = filter::kind::all;
    compare_op op = compare_op::eq;
    std::size_t col = 0;
    value operand;
    std::vector<value> values;  // in: sorted, without duplicates
    std::vector<node> children;
};

// The double equal to integer `i`, if there is one. A real column holds doubles, and beyond 2^53 not
// every integer is one: such an operand must not be rounded, since filters compare numbers by
// exact value (as SQL does). `nearest` is set either way; `above` tells whether it exceeds `i`.
inline bool integer_as_real(std::int64_t i, double& nearest, bool& above) noexcept {
    nearest = static_cast<double>(i);
    // `nearest` is a whole number within [-2^63, 2^63]; 2^63 itself is beyond every int64.
    if (nearest >= 9223372036854775808.0) {
        above = true;
        return false;
    }
    const auto back = static_cast<std::int64_t>(nearest);
    above = back > i;
    return back == i;
}

// Resolves a comparison of a real column with the integer operand of `n`: the double itself when
// one equals it; otherwise what the comparison means for doubles: `==` matches nothing (an empty
// `in`), `<>` every value (`is_not_null`), `<` and `<=` the doubles up to the one below the
// integer, `>` and `>=` those from the one above. Returns true (it cannot fail).
inline bool compare_real_with_integer(node& n) noexcept {
    double nearest = 0;
    bool above = false;
    if (integer_as_real(n.operand.as_integer(), nearest, above)) {
        n.operand = value(nearest);
        return true;
    }
    const double inf = std::numeric_limits<double>::infinity();
    const double below = above ? std::nextafter(nearest, -inf) : nearest;
    const double over = above ? nearest : std::nextafter(nearest, inf);
    switch (n.op) {
    case compare_op::eq:
        n.type = filter::kind::in;
        n.values.clear();
        n.operand = value();
        return true;
    case compare_op::ne:
        n.type = filter::kind::is_not_null;
        n.operand = value();
        return true;
    case compare_op::lt:
    case compare_op::lte:
        n.op = compare_op::lte;
        n.operand = value(below);
        return true;
    case compare_op::gt:
    case compare_op::gte:
        n.op = compare_op::gte;
        n.operand = value(over);
        return true;
    }
    return true;
}

// Removes from the `in` list of a real column the integers that no double equals: they match no cell.
inline void drop_integers_no_double_equals(std::vector<value>& values) {
    std::erase_if(values, [](const value& v) {
        double nearest = 0;
        bool above = false;
        return v.type() == value::kind::integer && !integer_as_real(v.as_integer(), nearest, above);
    });
}

inline bool matches(const node& n, const std::vector<value>& cells) noexcept {
    switch (n.type) {
    case filter::kind::all: return true;
    case filter::kind::compare: {
        const value& c = cells[n.col];
        if (c.is_null())
            return false;
        int x = compare_values(c, n.operand);
        switch (n.op) {
        case compare_op::eq: return x == 0;
        case compare_op::ne: return x != 0;
        case compare_op::lt: return x < 0;
        case compare_op::lte: return x <= 0;
        case compare_op::gt: return x > 0;
        case compare_op::gte: return x >= 0;
        }
        return false;
    }
    case filter::kind::is_null: return cells[n.col].is_null();
    case filter::kind::is_not_null: return !cells[n.col].is_null();
    case filter::kind::in: {
        const value& c = cells[n.col];
        if (c.is_null())
            return false;
        if (n.values.size() <= 8) {
            for (const auto& v : n.values)
                if (compare_values(c, v) == 0)
                    return true;
            return false;
        }
        return std::binary_search(n.values.begin(), n.values.end(), c,
                                  [](const value& a, const value& b) { return compare_values(a, b) < 0; });
    }
    case filter::kind::and_:
        for (const auto& ch : n.children)
            if (!matches(ch, cells))
                return false;
        return true;
    case filter::kind::or_:
        for (const auto& ch : n.children)
            if (matches(ch, cells))
                return true;
        return false;
    }
    return false;
}

inline bool matches(const node& n, const row& r) noexcept { return matches(n, r.cells); }

// The columns a condition names.
inline void columns_of(const node& n, std::vector<std::size_t>& out) {
    if (n.type == filter::kind::and_ || n.type == filter::kind::or_) {
        for (const auto& c : n.children)
            columns_of(c, out);
    } else if (n.type != filter::kind::all && std::find(out.begin(), out.end(), n.col) == out.end()) {
        out.push_back(n.col);
    }
}

// Structural equality of compiled conditions (operands are in the column's stored type, `in` lists
// sorted and without duplicates).
inline bool same(const node& a, const node& b) noexcept {
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case filter::kind::all: return true;
    case filter::kind::compare: return a.col == b.col && a.op == b.op && a.operand == b.operand;
    case filter::kind::is_null:
    case filter::kind::is_not_null: return a.col == b.col;
    case filter::kind::in: return a.col == b.col && a.values == b.values;
    case filter::kind::and_:
    case filter::kind::or_:
        if (a.children.size() != b.children.size())
            return false;
        for (std::size_t i = 0; i < a.children.size(); ++i)
            if (!same(a.children[i], b.children[i]))
                return false;
        return true;
    }
    return false;
}

// Does condition `p` hold for value `v` of its column (`p` an equality or an `in` on that column,
// or an `or` of such)?
inline bool accepts_value(const node& p, std::size_t col, const value& v) noexcept {
    switch (p.type) {
    case filter::kind::compare:
        return p.col == col && p.op == compare_op::eq && compare_values(p.operand, v) == 0;
    case filter::kind::in:
        return p.col == col && std::any_of(p.values.begin(), p.values.end(),
                                           [&](const value& x) { return compare_values(x, v) == 0; });
    case filter::kind::or_:
        return std::any_of(p.children.begin(), p.children.end(),
                           [&](const node& c) { return accepts_value(c, col, v); });
    default: return false;
    }
}

// Does condition `f` imply condition `p`? Sound, not complete: `f` is `p` itself, or implies one
// branch of an `or`, or pins a column to values that `p` accepts, or compares a column that `p`
// requires to be not null.
inline bool implies(const node& f, const node& p) noexcept {
    if (same(f, p))
        return true;
    if (f.type == filter::kind::and_)
        return std::any_of(f.children.begin(), f.children.end(),
                           [&](const node& c) { return implies(c, p); });
    if (p.type == filter::kind::is_not_null)
        return (f.type == filter::kind::compare || f.type == filter::kind::in) && f.col == p.col;
    if (f.type == filter::kind::compare && f.op == compare_op::eq && accepts_value(p, f.col, f.operand))
        return true;
    if (f.type == filter::kind::in && std::all_of(f.values.begin(), f.values.end(),
                                                  [&](const value& v) { return accepts_value(p, f.col, v); }))
        return true;
    if (p.type == filter::kind::or_)
        return std::any_of(p.children.begin(), p.children.end(),
                           [&](const node& c) { return implies(f, c); });
    return false;
}

// Does a statement's filter `f` imply the `where` of a partial index (each of its conjuncts)? Then
// every row the statement matches is in the index.
inline bool implies_where(const node& f, const node& where) noexcept {
    if (where.type != filter::kind::and_)
        return implies(f, where);
    return std::all_of(where.children.begin(), where.children.end(),
                       [&](const node& w) { return implies(f, w); });
}

}  // namespace hookbox::engine::detail::memory

#endif  // HOOKBOX_ENGINE_MEMORY_DETAIL_FILTERS_HPP
