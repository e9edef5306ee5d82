//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_FILTER_HPP
#define HOOKBOX_ENGINE_FILTER_HPP

/// \file
/// The filter AST of the data engines, and the small language that builds it:
///
/// \code
/// using namespace hookbox::engine;
/// filter f = col("status") == "pending" && (col("next_retry_at").is_null() || col("next_retry_at") <= now_ms);
/// \endcode
///
/// Filters have SQL semantics: a comparison with a null column is false (so `ne` does not match
/// nulls either), and only `is_null` matches them. Text compares byte by byte, numbers by value.

#include <hookbox/engine/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hookbox::engine {

enum class compare_op : unsigned char { eq, ne, lt, lte, gt, gte };

constexpr std::string_view to_string(compare_op op) noexcept {
    switch (op) {
    case compare_op::eq: return "=";
    case compare_op::ne: return "<>";
    case compare_op::lt: return "<";
    case compare_op::lte: return "<=";
    case compare_op::gt: return ">";
    case compare_op::gte: return ">=";
    }
    return "?";
}

/// A condition on a row. A default-constructed filter matches every row.
struct filter {
    enum class kind : unsigned char { all, compare, is_null, is_not_null, in, and_, or_ };

    kind type = kind::all;
    compare_op op = compare_op::eq;  // compare
    std::string column{};            // compare, is_null, is_not_null, in
    value operand{};                 // compare
    std::vector<value> values{};     // in
    std::vector<filter> children{};  // and_, or_

    /// Matches every row.
    static filter all() { return {}; }
};

/// Both must hold. `all()` is the identity, so filters can be built up from it.
inline filter operator&&(filter a, filter b) {
    if (a.type == filter::kind::all)
        return b;
    if (b.type == filter::kind::all)
        return a;
    filter f;
    f.type = filter::kind::and_;
    if (a.type == filter::kind::and_)
        f.children = std::move(a.children);
    else
        f.children.push_back(std::move(a));
    if (b.type == filter::kind::and_) {
        for (auto& c : b.children)
            f.children.push_back(std::move(c));
    } else {
        f.children.push_back(std::move(b));
    }
    return f;
}

/// Either holds. `all()` on either side matches every row.
inline filter operator||(filter a, filter b) {
    if (a.type == filter::kind::all || b.type == filter::kind::all)
        return filter::all();
    filter f;
    f.type = filter::kind::or_;
    if (a.type == filter::kind::or_)
        f.children = std::move(a.children);
    else
        f.children.push_back(std::move(a));
    if (b.type == filter::kind::or_) {
        for (auto& c : b.children)
            f.children.push_back(std::move(c));
    } else {
        f.children.push_back(std::move(b));
    }
    return f;
}

/// A column, the left-hand side of a condition.
class column_ref {
public:
    explicit column_ref(std::string name) : name_(std::move(name)) {}

    filter compare(compare_op op, value v) const {
        filter f;
        f.type = filter::kind::compare;
        f.op = op;
        f.column = name_;
        f.operand = std::move(v);
        return f;
    }
    filter operator==(value v) const { return compare(compare_op::eq, std::move(v)); }
    filter operator!=(value v) const { return compare(compare_op::ne, std::move(v)); }
    filter operator<(value v) const { return compare(compare_op::lt, std::move(v)); }
    filter operator<=(value v) const { return compare(compare_op::lte, std::move(v)); }
    filter operator>(value v) const { return compare(compare_op::gt, std::move(v)); }
    filter operator>=(value v) const { return compare(compare_op::gte, std::move(v)); }

    filter is_null() const {
        filter f;
        f.type = filter::kind::is_null;
        f.column = name_;
        return f;
    }
    filter is_not_null() const {
        filter f;
        f.type = filter::kind::is_not_null;
        f.column = name_;
        return f;
    }
    /// Matches when the column equals one of `values`; an empty list matches nothing.
    filter in(std::vector<value> values) const {
        filter f;
        f.type = filter::kind::in;
        f.column = name_;
        f.values = std::move(values);
        return f;
    }

    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
};

/// Names a column in a filter: `col("status") == "pending"`.
inline column_ref col(std::string name) { return column_ref(std::move(name)); }

/// One key of a sort.
struct order_by {
    std::string column{};
    bool descending = false;
};

/// What `find` selects and how.
struct find_options {
    engine::filter where{};
    /// The columns to return, in this order; empty returns every column in schema order.
    std::vector<std::string> fields{};
    /// Sort keys, most significant first; nulls sort first ascending and last descending. Without
    /// keys the order is unspecified.
    std::vector<engine::order_by> order{};
    /// At most this many rows; 0 means no limit.
    std::size_t limit = 0;
};

/// One assignment of an update: `set(column, v)` or `add(column, n)` (an atomic increment of an
/// integer column, evaluated on the stored value).
struct change {
    enum class kind : unsigned char { assign, add };
    std::string column{};
    engine::value value{};
    kind type = kind::assign;
};

inline change set(std::string column, value v) { return change{std::move(column), std::move(v), change::kind::assign}; }
inline change add(std::string column, std::int64_t n) { return change{std::move(column), value(n), change::kind::add}; }

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_FILTER_HPP
