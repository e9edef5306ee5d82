//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_ENGINE_HPP
#define HOOKBOX_ENGINE_MEMORY_ENGINE_HPP

/// \file
/// `memory_engine`: a `data_engine` that keeps its tables in this process's memory.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine {

namespace detail::memory {

// ----- rows and values -----

// One stored row. `key` orders the table: the primary key of an auto-increment table, else an
// insertion counter. Rows live in map nodes, so their addresses are stable while they exist (and
// while a removed row's node waits in the undo log).
struct row {
    std::int64_t key = 0;
    std::vector<value> cells;  // by column position
};

using row_map = std::map<std::int64_t, row>;
using value_ptrs = boost::container::small_vector<const value*, 8>;

inline std::size_t hash_combine(std::size_t seed, std::size_t h) noexcept {
    return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

inline std::size_t hash_value(const value& v) noexcept {
    switch (v.type()) {
    case value::kind::null: return 0x51ed270b27e5c3a1ULL;
    case value::kind::integer: return std::hash<std::int64_t>{}(v.as_integer());
    case value::kind::real: {
        double d = v.as_real();
        if (d == 0)
            d = 0;  // -0.0 == 0.0, so they must hash alike
        return std::hash<double>{}(d);
    }
    case value::kind::text:
    case value::kind::json: return std::hash<std::string_view>{}(v.as_text());
    }
    return 0;
}

inline bool is_numeric(value::kind k) noexcept {
    return k == value::kind::integer || k == value::kind::real;
}

// SQLite's order: null first, then numbers by value, then text byte by byte (BINARY collation).
inline int compare_values(const value& a, const value& b) noexcept {
    const auto ka = a.type();
    const auto kb = b.type();
    if (ka == value::kind::null || kb == value::kind::null)
        return (ka != value::kind::null) - (kb != value::kind::null);
    if (ka == value::kind::integer && kb == value::kind::integer) {
        auto x = a.as_integer();
        auto y = b.as_integer();
        return (x > y) - (x < y);
    }
    if (is_numeric(ka) && is_numeric(kb)) {
        double x = a.as_real();
        double y = b.as_real();
        return (x > y) - (x < y);
    }
    if (is_numeric(ka) != is_numeric(kb))
        return is_numeric(ka) ? -1 : 1;
    int c = a.as_text().compare(b.as_text());  // char_traits<char>::compare: unsigned bytes, like memcmp
    return (c > 0) - (c < 0);
}

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

// ----- indexes -----

// A unique index keeps (row, hash of its key) in a hash set; the key is read from the row itself,
// so entries are small and rehashing never touches the rows.
struct unique_entry {
    row* r;
    std::size_t hash;
};

// A lookup key that is not (yet) a row: one value per index column.
struct unique_probe {
    const value* const* values;
    std::size_t hash;
};

struct unique_hash {
    using is_transparent = void;
    std::size_t operator()(const unique_entry& e) const noexcept { return e.hash; }
    std::size_t operator()(const unique_probe& p) const noexcept { return p.hash; }
};

struct unique_equal {
    using is_transparent = void;
    std::vector<std::size_t> cols;

    bool operator()(const unique_entry& a, const unique_entry& b) const noexcept {
        if (a.hash != b.hash)
            return false;
        for (auto c : cols)
            if (!(a.r->cells[c] == b.r->cells[c]))
                return false;
        return true;
    }
    bool operator()(const unique_probe& p, const unique_entry& e) const noexcept {
        if (p.hash != e.hash)
            return false;
        for (std::size_t i = 0; i < cols.size(); ++i)
            if (!(*p.values[i] == e.r->cells[cols[i]]))
                return false;
        return true;
    }
    bool operator()(const unique_entry& e, const unique_probe& p) const noexcept { return (*this)(p, e); }
};

using unique_set = boost::unordered_flat_set<unique_entry, unique_hash, unique_equal>;

// A leading part of a non-unique index's key.
struct ordered_probe {
    const value* const* values;
    std::size_t n;
};

// A non-unique index: rows ordered by the index columns, then by row key.
struct ordered_less {
    using is_transparent = void;
    std::vector<std::size_t> cols;

    bool operator()(const row* a, const row* b) const noexcept {
        for (auto c : cols)
            if (int x = compare_values(a->cells[c], b->cells[c]))
                return x < 0;
        return a->key < b->key;
    }
    bool operator()(const row* a, const ordered_probe& p) const noexcept {
        for (std::size_t i = 0; i < p.n; ++i)
            if (int x = compare_values(a->cells[cols[i]], *p.values[i]))
                return x < 0;
        return false;
    }
    bool operator()(const ordered_probe& p, const row* a) const noexcept {
        for (std::size_t i = 0; i < p.n; ++i)
            if (int x = compare_values(*p.values[i], a->cells[cols[i]]))
                return x < 0;
        return false;
    }
};

using ordered_set = std::set<row*, ordered_less>;

struct index {
    std::string name;  // empty for the primary key
    std::vector<std::size_t> cols;
    bool unique = false;
    unique_set uniq;  // when unique; rows with a null in a key column are left out (they never conflict)
    ordered_set ord;  // when not unique; every row it admits
    node where;       // a partial index admits the rows that match it; `all` for every row
    std::vector<std::size_t> where_cols;

    index(std::string n, std::vector<std::size_t> c, bool u, node w = {})
        : name(std::move(n)), cols(std::move(c)), unique(u), uniq(0, unique_hash{}, unique_equal{cols}),
          ord(ordered_less{cols}), where(std::move(w)) {
        columns_of(where, where_cols);
    }

    bool is_primary() const noexcept { return name.empty(); }
    bool partial() const noexcept { return where.type != filter::kind::all; }
    bool admits(const std::vector<value>& cells) const noexcept {
        return !partial() || matches(where, cells);
    }
    std::size_t size() const noexcept { return unique ? uniq.size() : ord.size(); }

    bool has_null(const row& r) const noexcept {
        for (auto c : cols)
            if (r.cells[c].is_null())
                return true;
        return false;
    }

    std::size_t hash_of(const row& r) const noexcept {
        std::size_t h = 0;
        for (auto c : cols)
            h = hash_combine(h, hash_value(r.cells[c]));
        return h;
    }

    // The row holding these key values (one per column), or nullptr. A null never matches.
    row* lookup(const value* const* values) const noexcept {
        std::size_t h = 0;
        for (std::size_t i = 0; i < cols.size(); ++i) {
            if (values[i]->is_null())
                return nullptr;
            h = hash_combine(h, hash_value(*values[i]));
        }
        auto it = uniq.find(unique_probe{values, h});
        return it == uniq.end() ? nullptr : it->r;
    }

    // Adds a row it admits; for a unique index, false (and nothing added) when another row has its key.
    bool link(row& r) {
        if (!admits(r.cells))
            return true;
        if (!unique) {
            ord.insert(&r);
            return true;
        }
        if (has_null(r))
            return true;
        return uniq.insert(unique_entry{&r, hash_of(r)}).second;
    }

    // Takes a row out, by its current values (nothing happens when the row is not in it).
    void unlink(row& r) {
        if (!unique) {
            ord.erase(&r);
            return;
        }
        if (has_null(r))
            return;
        auto it = uniq.find(unique_entry{&r, hash_of(r)});
        if (it != uniq.end() && it->r == &r)
            uniq.erase(it);
    }

    // Does a change of column `col` move the row in this index, or in or out of it?
    bool covers(std::size_t col) const noexcept {
        return std::find(cols.begin(), cols.end(), col) != cols.end() ||
               std::find(where_cols.begin(), where_cols.end(), col) != where_cols.end();
    }
};

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct table {
    std::string name;
    std::vector<column_def> columns;  // the primary key's `nullable` is false
    boost::unordered_flat_map<std::string, std::size_t, string_hash, std::equal_to<>> positions;
    std::size_t pk = 0;
    bool auto_increment = false;
    std::int64_t sequence = 0;    // the largest auto-increment key used so far
    std::int64_t next_rowid = 0;  // the insertion counter, when the table has no auto-increment key
    row_map rows;
    std::vector<std::unique_ptr<index>> indexes;  // [0] is the primary key

    const std::size_t* position(std::string_view column) const noexcept {
        auto it = positions.find(column);
        return it == positions.end() ? nullptr : &it->second;
    }

    std::string qualified(std::size_t col) const { return name + "." + columns[col].name; }
};

// How a statement reaches its candidate rows.
struct access {
    enum class how : unsigned char { scan, unique, range };
    how kind = how::scan;
    const index* ix = nullptr;
    value_ptrs probe;
    // Candidates come in row-key order (a scan, one row, or a range over a whole index key).
    bool key_ordered = true;
};

// ----- the undo log -----

struct undo_insert {
    table* t;
    row* r;
    std::int64_t old_sequence;
};
struct undo_update {
    table* t;
    row* r;
    std::int64_t old_key;
    std::int64_t old_sequence;
    std::vector<std::pair<std::size_t, value>> old;  // (column, value before)
};
struct undo_remove {
    table* t;
    row_map::node_type node;
};
struct undo_create_table {
    std::string name;
};
struct undo_add_column {
    table* t;
};
struct undo_create_index {
    table* t;
    std::string name;
};
struct undo_drop_index {
    table* t;
    std::unique_ptr<index> ix;
    std::size_t position;
};
struct undo_drop_column {
    table* t;
    std::size_t position;
    column_def column;
    std::vector<value> values;  // the column's values, in row-key order
};
struct undo_version {
    std::string plan;
    std::optional<int> old;
};
using undo = std::variant<undo_insert, undo_update, undo_remove, undo_create_table, undo_add_column, undo_create_index,
                          undo_drop_index, undo_drop_column, undo_version>;

inline std::string type_error(std::string_view table, std::string_view column, column_type type, value::kind got) {
    return std::string(table) + "." + std::string(column) + ": a column of type " + std::string(to_string(type)) +
           " cannot take a " + std::string(to_string(got)) + " value";
}

// Converts `v` to the stored form of a column of type `type` (integer to real, text to json); false
// if it does not fit. A null passes; the caller decides whether the column takes it.
inline bool coerce_to(column_type type, std::string_view table, std::string_view column, value& v, error_code& ec,
                      diagnostics& diag) {
    const auto k = v.type();
    if (k == value::kind::null)
        return true;
    switch (type) {
    case column_type::integer:
        if (k == value::kind::integer)
            return true;
        break;
    case column_type::real:
        if (k == value::kind::integer) {
            v = value(static_cast<double>(v.as_integer()));
            return true;
        }
        if (k == value::kind::real) {
            if (!std::isnan(v.as_real()))
                return true;
            std::string q = std::string(table) + "." + std::string(column);
            return engine::detail::schema_fail(ec, diag, q, q + ": a real column cannot take NaN");
        }
        break;
    case column_type::text:
        if (k == value::kind::text)
            return true;
        break;
    case column_type::json:
        if (k == value::kind::json)
            return true;
        if (k == value::kind::text) {
            v = value::json(std::move(v.as_text()));
            return true;
        }
        break;
    }
    return engine::detail::schema_fail(ec, diag, std::string(table) + "." + std::string(column),
                                       type_error(table, column, type, k));
}

// Checks a column's default against its type and converts it to the stored form.
inline bool fix_default(std::string_view table, column_def& c, error_code& ec, diagnostics& diag) {
    if (c.default_value.is_null())
        return true;
    if (c.auto_increment) {
        std::string q = std::string(table) + "." + c.name;
        return engine::detail::schema_fail(ec, diag, q, q + ": an auto_increment column takes no default");
    }
    if (!coerce_to(c.type, table, c.name, c.default_value, ec, diag)) {
        diag.assign(diag.field(), "default value: " + diag.message());
        return false;
    }
    return true;
}

// ----- the engine's state -----

struct state {
    std::recursive_mutex mu;
    std::map<std::string, std::unique_ptr<table>, std::less<>> tables;
    std::map<std::string, int, std::less<>> versions;
    std::vector<undo> log;
    std::vector<std::size_t> savepoints;  // log positions where open transactions began, outermost first

    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;

    ~state() {
        // A transaction still open keeps the mutex locked once per level (by this thread, or the
        // engine is being destroyed while another thread uses it).
        for (std::size_t i = 0; i < savepoints.size(); ++i)
            mu.unlock();
    }

    // ----- lookups -----

    table* find_table(std::string_view name, error_code& ec, diagnostics& diag) {
        auto it = tables.find(name);
        if (it == tables.end()) {
            engine::detail::schema_fail(ec, diag, std::string(name), "no table named '" + std::string(name) + "'");
            return nullptr;
        }
        return it->second.get();
    }

    static bool find_column(const table& t, std::string_view column, std::size_t& pos, error_code& ec,
                            diagnostics& diag) {
        if (const std::size_t* p = t.position(column)) {
            pos = *p;
            return true;
        }
        std::string q = t.name + "." + std::string(column);
        return engine::detail::schema_fail(ec, diag, q,
                                           q + ": table '" + t.name + "' has no column '" + std::string(column) + "'");
    }

    static bool coerce(const table& t, std::size_t col, value& v, error_code& ec, diagnostics& diag) {
        return coerce_to(t.columns[col].type, t.name, t.columns[col].name, v, ec, diag);
    }

    static bool check_not_null(const table& t, std::size_t col, const value& v, error_code& ec, diagnostics& diag) {
        if (!v.is_null() || t.columns[col].nullable)
            return true;
        return engine::detail::schema_fail(ec, diag, t.qualified(col),
                                           t.qualified(col) + ": the column is NOT NULL and gets no value");
    }

    static void unique_fail(const table& t, const index& ix, error_code& ec, diagnostics& diag) {
        std::string cols;
        for (auto c : ix.cols)
            cols += (cols.empty() ? "" : ", ") + t.columns[c].name;
        if (ix.is_primary())
            hookbox::detail::fail(ec, diag, errc::unique_violation, t.qualified(ix.cols[0]),
                                  t.name + ": another row has the same primary key (" + cols + ")");
        else
            hookbox::detail::fail(ec, diag, errc::unique_violation, ix.name,
                                  t.name + ": another row has the same (" + cols + ") in unique index '" + ix.name +
                                      "'");
    }

    static bool compile(const table& t, const filter& f, node& out, error_code& ec, diagnostics& diag) {
        out.type = f.type;
        switch (f.type) {
        case filter::kind::all: return true;
        case filter::kind::and_:
        case filter::kind::or_:
            out.children.resize(f.children.size());
            for (std::size_t i = 0; i < f.children.size(); ++i)
                if (!compile(t, f.children[i], out.children[i], ec, diag))
                    return false;
            return true;
        case filter::kind::is_null:
        case filter::kind::is_not_null: return find_column(t, f.column, out.col, ec, diag);
        case filter::kind::compare:
        case filter::kind::in: break;
        }
        if (!find_column(t, f.column, out.col, ec, diag))
            return false;
        auto fail = [&](std::string_view why) {
            std::string q = t.qualified(out.col);
            return engine::detail::schema_fail(ec, diag, q, q + ": " + std::string(why));
        };
        if (t.columns[out.col].type == column_type::json)
            return fail("a json column can only be tested with is_null() or is_not_null()");
        auto operand = [&](value& v) {
            if (v.is_null())
                return fail("a comparison with null is never true; use is_null() or is_not_null()");
            return coerce(t, out.col, v, ec, diag);
        };
        if (f.type == filter::kind::compare) {
            out.op = f.op;
            out.operand = f.operand;
            return operand(out.operand);
        }
        out.values = f.values;
        for (auto& v : out.values)
            if (!operand(v))
                return false;
        auto less = [](const value& a, const value& b) { return compare_values(a, b) < 0; };
        std::sort(out.values.begin(), out.values.end(), less);
        out.values.erase(std::unique(out.values.begin(), out.values.end(),
                                     [](const value& a, const value& b) { return compare_values(a, b) == 0; }),
                         out.values.end());
        return true;
    }

    // Picks the cheapest way to the candidate rows: the primary key or a unique index when the
    // filter pins all of its columns with `==`, else the non-unique index with the longest leading
    // run of `==` columns (on a tie, one in row-key order, then the smaller), else a scan. A partial
    // index takes part only when the filter implies its `where` (so that it holds every row the
    // filter can match). Without any `==` run, such a partial index is walked whole instead of the
    // table when it is in row-key order (over the auto-increment key alone) or holds at most a
    // quarter of the rows: a scan in key order that stops at a limit may otherwise read fewer rows.
    static access plan(const table& t, const node& f) {
        boost::container::small_vector<std::pair<std::size_t, const value*>, 8> eqs;
        auto note = [&](const node& n) {
            if (n.type == filter::kind::compare && n.op == compare_op::eq)
                eqs.emplace_back(n.col, &n.operand);
            else if (n.type == filter::kind::in && n.values.size() == 1)
                eqs.emplace_back(n.col, &n.values.front());
        };
        if (f.type == filter::kind::and_)
            for (const auto& c : f.children)
                note(c);
        else
            note(f);
        access a;
        auto operand_of = [&](std::size_t col) -> const value* {
            for (const auto& [c, v] : eqs)
                if (c == col)
                    return v;
            return nullptr;
        };
        std::size_t best = 0;
        const index* walk = nullptr;
        bool walk_ordered = false;
        for (const auto& ix : t.indexes) {
            if (ix->partial() && !implies_where(f, ix->where))
                continue;
            value_ptrs probe;
            for (auto c : ix->cols) {
                const value* v = operand_of(c);
                if (!v)
                    break;
                probe.push_back(v);
            }
            if (ix->unique) {
                if (probe.size() == ix->cols.size()) {
                    a.kind = access::how::unique;
                    a.ix = ix.get();
                    a.probe = std::move(probe);
                    a.key_ordered = true;
                    return a;
                }
                continue;
            }
            // A range is in key order when the whole index key is pinned, or when the one
            // column left is the auto-increment key itself (an index over (status, seq)).
            const std::size_t rest = ix->cols.size() - probe.size();
            const bool ordered = rest == 0 || (rest == 1 && t.auto_increment && ix->cols.back() == t.pk);
            if (!probe.empty()) {
                const bool tie = probe.size() == best;
                const bool better = probe.size() > best || (tie && ordered && !a.key_ordered) ||
                                    (tie && ordered == a.key_ordered && ix->size() < a.ix->size());
                if (better) {
                    best = probe.size();
                    a.kind = access::how::range;
                    a.ix = ix.get();
                    a.key_ordered = ordered;
                    a.probe = std::move(probe);
                }
            } else if (ix->partial() && (!walk || (ordered && !walk_ordered) ||
                                         (ordered == walk_ordered && ix->size() < walk->size()))) {
                walk = ix.get();
                walk_ordered = ordered;
            }
        }
        if (a.kind == access::how::scan && walk && (walk_ordered || walk->size() * 4 <= t.rows.size())) {
            a.kind = access::how::range;
            a.ix = walk;
            a.key_ordered = walk_ordered;
        }
        return a;
    }

    // Calls fn(row&) on every row that matches `f`, in row-key order when `a.key_ordered`
    // (backwards when `reverse`), until fn returns false.
    template <class F>
    static void visit(table& t, const access& a, const node& f, bool reverse, F&& fn) {
        switch (a.kind) {
        case access::how::unique: {
            if (row* r = a.ix->lookup(a.probe.data()); r && matches(f, *r))
                fn(*r);
            return;
        }
        case access::how::range: {
            // Not equal_range: libstdc++ finds the end of a heterogeneous range by walking it.
            const ordered_probe probe{a.probe.data(), a.probe.size()};
            const auto& ord = a.ix->ord;
            const auto& less = ord.key_comp();
            if (reverse) {
                for (auto it = ord.upper_bound(probe); it != ord.begin();) {
                    --it;
                    if (less(*it, probe))
                        return;
                    if (matches(f, **it) && !fn(**it))
                        return;
                }
            } else {
                for (auto it = ord.lower_bound(probe); it != ord.end() && !less(probe, *it); ++it)
                    if (matches(f, **it) && !fn(**it))
                        return;
            }
            return;
        }
        case access::how::scan:
            if (f.type == filter::kind::in && f.values.empty())
                return;
            if (reverse) {
                for (auto it = t.rows.rbegin(); it != t.rows.rend(); ++it)
                    if (matches(f, it->second) && !fn(it->second))
                        return;
            } else {
                for (auto& [key, r] : t.rows)
                    if (matches(f, r) && !fn(r))
                        return;
            }
            return;
        }
    }

    static std::vector<row*> matching(table& t, const node& f) {
        std::vector<row*> out;
        access a = plan(t, f);
        visit(t, a, f, false, [&](row& r) {
            out.push_back(&r);
            return true;
        });
        return out;
    }

    // ----- undo -----

    void undo_to(std::size_t mark) {
        while (log.size() > mark) {
            std::visit([this](auto& u) { revert(u); }, log.back());
            log.pop_back();
        }
    }

    void revert(undo_insert& u) {
        for (auto& ix : u.t->indexes)
            ix->unlink(*u.r);
        u.t->rows.erase(u.r->key);
        u.t->sequence = u.old_sequence;
    }

    void revert(undo_update& u) {
        table& t = *u.t;
        row& r = *u.r;
        const bool rekey = r.key != u.old_key;
        for (auto& ix : t.indexes)
            if (rekey || touches(*ix, u.old))
                ix->unlink(r);
        for (auto& [col, v] : u.old)
            r.cells[col] = std::move(v);
        if (rekey)
            move_key(t, r, u.old_key);
        t.sequence = u.old_sequence;
        for (auto& ix : t.indexes)
            if (rekey || touches(*ix, u.old))
                ix->link(r);
    }

    void revert(undo_remove& u) {
        table& t = *u.t;
        auto res = t.rows.insert(std::move(u.node));
        row& r = res.position->second;
        for (auto& ix : t.indexes)
            ix->link(r);
    }

    void revert(undo_create_table& u) { tables.erase(u.name); }

    void revert(undo_add_column& u) {
        table& t = *u.t;
        t.positions.erase(t.columns.back().name);
        t.columns.pop_back();
        for (auto& [key, r] : t.rows)
            r.cells.pop_back();
    }

    void revert(undo_create_index& u) {
        auto& ixs = u.t->indexes;
        ixs.erase(std::find_if(ixs.begin(), ixs.end(), [&](const auto& ix) { return ix->name == u.name; }));
    }

    void revert(undo_drop_index& u) {
        auto& ixs = u.t->indexes;
        ixs.insert(ixs.begin() + static_cast<std::ptrdiff_t>(u.position), std::move(u.ix));
    }

    void revert(undo_drop_column& u) {
        table& t = *u.t;
        std::size_t i = 0;
        for (auto& [key, r] : t.rows)
            r.cells.insert(r.cells.begin() + static_cast<std::ptrdiff_t>(u.position),
                           std::move(u.values[i++]));
        t.columns.insert(t.columns.begin() + static_cast<std::ptrdiff_t>(u.position), std::move(u.column));
        renumber(t, [&](std::size_t c) { return c >= u.position ? c + 1 : c; });
    }

    // Gives every column its position again after one was taken out or put back (`to` maps the
    // old positions of the columns that stay to their new ones), and rebuilds the indexes, whose
    // entries compare rows by position.
    template <class Map>
    static void renumber(table& t, Map to) {
        t.positions.clear();
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            t.positions.emplace(t.columns[i].name, i);
        t.pk = to(t.pk);
        auto shift = [&](auto& self, node& n) -> void {
            if (n.type == filter::kind::and_ || n.type == filter::kind::or_) {
                for (auto& c : n.children)
                    self(self, c);
            } else if (n.type != filter::kind::all) {
                n.col = to(n.col);
            }
        };
        for (auto& ix : t.indexes) {
            std::vector<std::size_t> cols;
            for (auto c : ix->cols)
                cols.push_back(to(c));
            node where = std::move(ix->where);
            shift(shift, where);
            auto fresh =
                std::make_unique<index>(std::move(ix->name), std::move(cols), ix->unique, std::move(where));
            if (fresh->unique)
                fresh->uniq.reserve(t.rows.size());
            for (auto& [key, r] : t.rows)
                fresh->link(r);  // the same rows as before: no key can conflict
            ix = std::move(fresh);
        }
    }

    void revert(undo_version& u) {
        if (u.old)
            versions[u.plan] = *u.old;
        else
            versions.erase(u.plan);
    }

    template <class Changes>
    static bool touches(const index& ix, const Changes& changes) noexcept {
        for (const auto& ch : changes)
            if (ix.covers(ch.first))
                return true;
        return false;
    }

    static void move_key(table& t, row& r, std::int64_t key) {
        auto node = t.rows.extract(r.key);
        node.key() = key;
        r.key = key;
        t.rows.insert(std::move(node));
    }

    // Runs one statement: atomically (undone on error or exception) and, outside a transaction,
    // with nothing left in the log afterwards.
    template <class F>
    auto statement(error_code& ec, F&& f) -> decltype(f()) {
        std::lock_guard lock(mu);
        const std::size_t mark = log.size();
        try {
            auto r = f();
            if (ec) {
                undo_to(mark);
                r = decltype(r){};
            }
            if (savepoints.empty())
                log.clear();
            return r;
        } catch (...) {
            undo_to(mark);
            if (savepoints.empty())
                log.clear();
            throw;
        }
    }

    // ----- statements (the caller holds the mutex) -----

    std::int64_t insert_row(table& t, const record& rec, error_code& ec, diagnostics& diag) {
        std::vector<value> cells;
        cells.reserve(t.columns.size());
        for (const auto& c : t.columns)
            cells.push_back(c.default_value);
        for (const auto& f : rec) {
            std::size_t col;
            if (!find_column(t, f.name, col, ec, diag))
                return 0;
            cells[col] = f.value;
            if (!coerce(t, col, cells[col], ec, diag))
                return 0;
        }
        const std::int64_t old_sequence = t.sequence;
        if (t.auto_increment && cells[t.pk].is_null()) {
            if (t.sequence == std::numeric_limits<std::int64_t>::max()) {
                hookbox::detail::fail(ec, diag, errc::storage_full, t.qualified(t.pk),
                                      t.qualified(t.pk) + ": the auto-increment key is exhausted");
                return 0;
            }
            cells[t.pk] = value(t.sequence + 1);
        }
        for (std::size_t c = 0; c < cells.size(); ++c)
            if (!check_not_null(t, c, cells[c], ec, diag))
                return 0;
        value_ptrs probe;
        for (const auto& ix : t.indexes) {
            if (!ix->unique || !ix->admits(cells))
                continue;
            probe.clear();
            for (auto c : ix->cols)
                probe.push_back(&cells[c]);
            if (ix->lookup(probe.data())) {
                unique_fail(t, *ix, ec, diag);
                return 0;
            }
        }
        const std::int64_t key = t.auto_increment ? cells[t.pk].as_integer() : ++t.next_rowid;
        auto pos = t.rows.try_emplace(t.rows.end(), key);
        row& r = pos->second;
        r.key = key;
        r.cells = std::move(cells);
        log.push_back(undo_insert{&t, &r, old_sequence});
        for (auto& ix : t.indexes)
            ix->link(r);
        if (t.auto_increment && key > t.sequence)
            t.sequence = key;
        return t.auto_increment ? key : 0;
    }

    std::size_t update_rows(table& t, const filter& where, const std::vector<change>& changes, error_code& ec,
                            diagnostics& diag) {
        struct resolved {
            std::size_t col;
            value v;
            change::kind type;
        };
        std::vector<resolved> rs;
        rs.reserve(changes.size());
        for (const auto& ch : changes) {
            std::size_t col;
            if (!find_column(t, ch.column, col, ec, diag))
                return 0;
            value v = ch.value;
            if (ch.type == change::kind::assign) {
                if (!coerce(t, col, v, ec, diag) || !check_not_null(t, col, v, ec, diag))
                    return 0;
            } else if (t.columns[col].type != column_type::integer || v.type() != value::kind::integer) {
                std::string q = t.qualified(col);
                std::string why = ": add() needs an integer column and an integer amount, not a " +
                                  std::string(to_string(v.type())) + " amount on a " +
                                  std::string(to_string(t.columns[col].type)) + " column";
                engine::detail::schema_fail(ec, diag, q, q + why);
                return 0;
            }
            rs.push_back(resolved{col, std::move(v), ch.type});
        }
        node f;
        if (!compile(t, where, f, ec, diag))
            return 0;
        std::vector<row*> hits = matching(t, f);
        if (rs.empty())
            return hits.size();
        std::vector<std::pair<std::size_t, value>> next;
        std::vector<value> after;
        value_ptrs probe;
        for (row* rp : hits) {
            row& r = *rp;
            // Every change reads the row as it was; a later change of the same column wins.
            next.clear();
            for (const auto& c : rs) {
                value v;
                if (c.type == change::kind::assign) {
                    v = c.v;
                } else if (!r.cells[c.col].is_null()) {
                    std::int64_t sum;
                    if (__builtin_add_overflow(r.cells[c.col].as_integer(), c.v.as_integer(), &sum)) {
                        engine::detail::schema_fail(ec, diag, t.qualified(c.col),
                                                    t.qualified(c.col) + ": add() overflows a 64-bit integer");
                        return 0;
                    }
                    v = value(sum);
                }
                auto same = std::find_if(next.begin(), next.end(), [&](const auto& p) { return p.first == c.col; });
                if (same != next.end())
                    same->second = std::move(v);
                else
                    next.emplace_back(c.col, std::move(v));
            }
            std::int64_t new_key = r.key;
            if (t.auto_increment)
                for (const auto& [col, v] : next)
                    if (col == t.pk)
                        new_key = v.as_integer();
            const bool rekey = new_key != r.key;
            auto value_at = [&](std::size_t col) -> const value* {
                for (const auto& [c, v] : next)
                    if (c == col)
                        return &v;
                return &r.cells[col];
            };
            for (const auto& ix : t.indexes) {
                if (!ix->unique || !touches(*ix, next))
                    continue;
                if (ix->partial()) {
                    // The row as the update leaves it: a partial index only checks rows it admits.
                    after = r.cells;
                    for (const auto& [col, v] : next)
                        after[col] = v;
                    if (!ix->admits(after))
                        continue;
                }
                probe.clear();
                for (auto c : ix->cols)
                    probe.push_back(value_at(c));
                if (row* other = ix->lookup(probe.data()); other && other != &r) {
                    unique_fail(t, *ix, ec, diag);
                    return 0;
                }
            }
            for (auto& ix : t.indexes)
                if (rekey || touches(*ix, next))
                    ix->unlink(r);
            for (auto& [col, v] : next)
                std::swap(r.cells[col], v);  // `next` now holds the old values
            undo_update u{&t, &r, r.key, t.sequence, std::move(next)};
            next = {};
            if (rekey) {
                move_key(t, r, new_key);
                if (new_key > t.sequence)
                    t.sequence = new_key;
            }
            for (auto& ix : t.indexes)
                if (rekey || touches(*ix, u.old))
                    ix->link(r);
            log.push_back(std::move(u));
        }
        return hits.size();
    }

    std::size_t remove_rows(table& t, const filter& where, error_code& ec, diagnostics& diag) {
        node f;
        if (!compile(t, where, f, ec, diag))
            return 0;
        std::vector<row*> hits = matching(t, f);
        for (row* r : hits) {
            for (auto& ix : t.indexes)
                ix->unlink(*r);
            log.push_back(undo_remove{&t, t.rows.extract(r->key)});
        }
        return hits.size();
    }

    std::size_t count_rows(table& t, const filter& where, error_code& ec, diagnostics& diag) {
        if (where.type == filter::kind::all)
            return t.rows.size();
        node f;
        if (!compile(t, where, f, ec, diag))
            return 0;
        std::size_t n = 0;
        visit(t, plan(t, f), f, false, [&](row&) {
            ++n;
            return true;
        });
        return n;
    }

    // `find` with `limit` in place of `fo.limit`.
    std::vector<record> find_rows(table& t, const find_options& fo, std::size_t limit, error_code& ec,
                                  diagnostics& diag) {
        std::vector<std::size_t> proj;
        if (fo.fields.empty()) {
            proj.resize(t.columns.size());
            for (std::size_t i = 0; i < proj.size(); ++i)
                proj[i] = i;
        } else {
            proj.resize(fo.fields.size());
            for (std::size_t i = 0; i < proj.size(); ++i)
                if (!find_column(t, fo.fields[i], proj[i], ec, diag))
                    return {};
        }
        std::vector<std::pair<std::size_t, bool>> order(fo.order.size());  // (column, descending)
        for (std::size_t i = 0; i < order.size(); ++i) {
            if (!find_column(t, fo.order[i].column, order[i].first, ec, diag))
                return {};
            order[i].second = fo.order[i].descending;
        }
        node f;
        if (!compile(t, fo.where, f, ec, diag))
            return {};
        access a = plan(t, f);
        std::vector<row*> hits;
        // Rows already come in key order: stop at the limit instead of sorting everything.
        const bool stream =
            a.key_ordered && (order.empty() || (order.size() == 1 && t.auto_increment && order[0].first == t.pk));
        if (stream) {
            visit(t, a, f, !order.empty() && order[0].second, [&](row& r) {
                hits.push_back(&r);
                return limit == 0 || hits.size() < limit;
            });
        } else {
            visit(t, a, f, false, [&](row& r) {
                hits.push_back(&r);
                return true;
            });
            auto less = [&](const row* x, const row* y) {
                for (const auto& [col, desc] : order)
                    if (int c = compare_values(x->cells[col], y->cells[col]))
                        return desc ? c > 0 : c < 0;
                return x->key < y->key;
            };
            if (limit != 0 && limit < hits.size()) {
                std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(limit), hits.end(), less);
                hits.resize(limit);
            } else {
                std::sort(hits.begin(), hits.end(), less);
            }
        }
        std::vector<record> out;
        out.reserve(hits.size());
        for (const row* r : hits) {
            record rec;
            rec.reserve(proj.size());
            for (auto c : proj)
                rec.push_back(t.columns[c].name, r->cells[c]);
            out.push_back(std::move(rec));
        }
        return out;
    }

    // ----- schema -----

    bool index_name_taken(std::string_view name) const {
        for (const auto& [n, t] : tables)
            for (const auto& ix : t->indexes)
                if (ix->name == name)
                    return true;
        return false;
    }

    // Checks the `where` of an index definition over `t` and compiles it.
    static bool compile_where(const table& t, const index_def& def, node& out, error_code& ec,
                              diagnostics& diag) {
        auto type_of = [&](std::string_view c) -> std::optional<column_type> {
            if (const std::size_t* p = t.position(c))
                return t.columns[*p].type;
            return std::nullopt;
        };
        return engine::detail::check_index_where(t.name, def, type_of, ec, diag) &&
               compile(t, def.where, out, ec, diag);
    }

    // Builds an index over a table's rows; unique_violation if the rows already break it.
    bool add_index(table& t, const index_def& def, error_code& ec, diagnostics& diag) {
        if (!engine::detail::is_identifier(def.name) || def.columns.empty())
            return engine::detail::schema_fail(ec, diag, t.name + "." + def.name,
                                               t.name + ": index '" + def.name +
                                                   "' needs a valid name and at least one column");
        if (index_name_taken(def.name))
            return engine::detail::schema_fail(ec, diag, t.name + "." + def.name,
                                               t.name + ": an index named '" + def.name + "' exists already");
        std::vector<std::size_t> cols;
        for (const auto& c : def.columns) {
            std::size_t pos;
            if (!find_column(t, c, pos, ec, diag)) {
                diag.assign(diag.field(), "index '" + def.name + "': " + diag.message());
                return false;
            }
            cols.push_back(pos);
        }
        node where;
        if (!compile_where(t, def, where, ec, diag))
            return false;
        auto ix = std::make_unique<index>(def.name, std::move(cols), def.unique, std::move(where));
        if (ix->unique)
            ix->uniq.reserve(t.rows.size());
        for (auto& [key, r] : t.rows) {
            if (!ix->link(r)) {
                unique_fail(t, *ix, ec, diag);
                return false;
            }
        }
        t.indexes.push_back(std::move(ix));
        log.push_back(undo_create_index{&t, def.name});
        return true;
    }

    bool apply(const create_table& s, error_code& ec, diagnostics& diag) {
        const table_def& d = s.table;
        if (!engine::detail::check_table(d, ec, diag))
            return false;
        if (tables.count(d.name))
            return engine::detail::schema_fail(ec, diag, d.name, "table '" + d.name + "' exists already");
        auto t = std::make_unique<table>();
        t->name = d.name;
        t->columns = d.columns;
        for (std::size_t i = 0; i < t->columns.size(); ++i) {
            t->positions.emplace(t->columns[i].name, i);
            if (!fix_default(t->name, t->columns[i], ec, diag))
                return false;
        }
        t->pk = *t->position(d.primary_key);
        t->columns[t->pk].nullable = false;
        t->auto_increment = t->columns[t->pk].auto_increment;
        t->indexes.push_back(std::make_unique<index>(std::string(), std::vector<std::size_t>{t->pk}, true));
        for (std::size_t i = 0; i < d.indexes.size(); ++i) {
            const auto& ix = d.indexes[i];
            for (std::size_t j = 0; j < i; ++j)
                if (d.indexes[j].name == ix.name)
                    return engine::detail::schema_fail(ec, diag, d.name + "." + ix.name,
                                                       d.name + ": index '" + ix.name + "' is declared twice");
            if (index_name_taken(ix.name))
                return engine::detail::schema_fail(ec, diag, d.name + "." + ix.name,
                                                   d.name + ": an index named '" + ix.name + "' exists already");
            std::vector<std::size_t> cols;
            for (const auto& c : ix.columns)
                cols.push_back(*t->position(c));
            node where;
            if (!compile_where(*t, ix, where, ec, diag))
                return false;
            t->indexes.push_back(
                std::make_unique<index>(ix.name, std::move(cols), ix.unique, std::move(where)));
        }
        tables.emplace(d.name, std::move(t));
        log.push_back(undo_create_table{d.name});
        return true;
    }

    bool apply(const add_column& s, error_code& ec, diagnostics& diag) {
        table* t = find_table(s.table, ec, diag);
        if (!t)
            return false;
        const column_def& c = s.column;
        const std::string q = t->name + "." + c.name;
        if (!engine::detail::is_identifier(c.name))
            return engine::detail::schema_fail(ec, diag, q,
                                               q + ": the column name must be 1-63 letters, digits or "
                                                   "underscores, not starting with a digit");
        if (t->position(c.name))
            return engine::detail::schema_fail(ec, diag, q, q + ": the column exists already");
        if (c.auto_increment)
            return engine::detail::schema_fail(ec, diag, q, q + ": an auto_increment column cannot be added");
        if (!c.nullable && c.default_value.is_null())
            return engine::detail::schema_fail(ec, diag, q, q + ": an added NOT NULL column needs a default");
        column_def added = c;
        if (!fix_default(t->name, added, ec, diag))
            return false;
        t->columns.push_back(std::move(added));
        t->positions.emplace(c.name, t->columns.size() - 1);
        log.push_back(undo_add_column{t});
        for (auto& [key, r] : t->rows)
            r.cells.push_back(t->columns.back().default_value);
        return true;
    }

    bool apply(const create_index& s, error_code& ec, diagnostics& diag) {
        table* t = find_table(s.table, ec, diag);
        return t && add_index(*t, s.index, ec, diag);
    }

    bool apply(const drop_index& s, error_code& ec, diagnostics& diag) {
        table* t = find_table(s.table, ec, diag);
        if (!t)
            return false;
        auto& ixs = t->indexes;
        for (std::size_t i = 1; i < ixs.size(); ++i) {
            if (ixs[i]->name == s.name) {
                undo_drop_index u{t, std::move(ixs[i]), i};
                ixs.erase(ixs.begin() + static_cast<std::ptrdiff_t>(i));
                log.push_back(std::move(u));
                return true;
            }
        }
        return engine::detail::schema_fail(ec, diag, t->name + "." + s.name,
                                           t->name + ": no index named '" + s.name + "'");
    }

    bool apply(const drop_column& s, error_code& ec, diagnostics& diag) {
        table* t = find_table(s.table, ec, diag);
        std::size_t col = 0;
        if (!t || !find_column(*t, s.column, col, ec, diag))
            return false;
        const std::string q = t->qualified(col);
        if (col == t->pk)
            return engine::detail::schema_fail(ec, diag, q,
                                               "drop_column: column '" + q + "' is the primary key");
        if (t->columns.size() == 1)
            return engine::detail::schema_fail(
                ec, diag, q, "drop_column: column '" + q + "' is the only column of its table");
        for (std::size_t i = 1; i < t->indexes.size(); ++i)
            if (t->indexes[i]->covers(col))
                return engine::detail::schema_fail(ec, diag, q,
                                                   "drop_column: column '" + q + "' is named by index '" +
                                                       t->indexes[i]->name + "'; drop the index first");
        undo_drop_column u{t, col, t->columns[col], {}};
        u.values.reserve(t->rows.size());
        for (auto& [key, r] : t->rows) {
            u.values.push_back(std::move(r.cells[col]));
            r.cells.erase(r.cells.begin() + static_cast<std::ptrdiff_t>(col));
        }
        t->columns.erase(t->columns.begin() + static_cast<std::ptrdiff_t>(col));
        renumber(*t, [&](std::size_t c) { return c > col ? c - 1 : c; });
        log.push_back(std::move(u));
        return true;
    }

    bool apply(const copy_rows& s, error_code& ec, diagnostics& diag) {
        table* from = find_table(s.from, ec, diag);
        table* to = from ? find_table(s.to, ec, diag) : nullptr;
        if (!to)
            return false;
        const std::string what = "copy_rows from '" + s.from + "' to '" + s.to + "': ";
        if (from == to)
            return engine::detail::schema_fail(ec, diag, s.to, what + "the tables must differ");
        if (s.columns.empty())
            return engine::detail::schema_fail(ec, diag, s.to, what + "no columns to copy");
        std::vector<std::size_t> src;
        std::vector<bool> copied(to->columns.size(), false);
        for (const auto& c : s.columns) {
            std::size_t f = 0, d = 0;
            if (!find_column(*from, c, f, ec, diag) || !find_column(*to, c, d, ec, diag)) {
                diag.assign(diag.field(), what + diag.message());
                return false;
            }
            if (copied[d])
                return engine::detail::schema_fail(ec, diag, to->qualified(d),
                                                   what + "column '" + c + "' is named twice");
            const value::kind copied_kind = engine::detail::kind_of(from->columns[f].type);
            if (!engine::detail::type_accepts(to->columns[d].type, copied_kind))
                return engine::detail::schema_fail(
                    ec, diag, to->qualified(d),
                    what + "column '" + from->qualified(f) + "' is " +
                        std::string(to_string(from->columns[f].type)) + ", which column '" +
                        to->qualified(d) + "' (" + std::string(to_string(to->columns[d].type)) +
                        ") cannot hold");
            src.push_back(f);
            copied[d] = true;
        }
        for (std::size_t d = 0; d < to->columns.size(); ++d) {
            const column_def& c = to->columns[d];
            if (!copied[d] && !c.nullable && c.default_value.is_null() && !c.auto_increment)
                return engine::detail::schema_fail(ec, diag, to->qualified(d),
                                                   what + "column '" + to->qualified(d) +
                                                       "' is NOT NULL without a default and is not copied");
        }
        for (const auto& [key, r] : from->rows) {
            record rec;
            rec.reserve(src.size());
            for (std::size_t i = 0; i < src.size(); ++i)
                rec.push_back(s.columns[i], r.cells[src[i]]);
            insert_row(*to, rec, ec, diag);
            if (ec)
                return false;
        }
        return true;
    }

    int stored_version(std::string_view plan) const {
        auto it = versions.find(plan);
        return it == versions.end() ? 0 : it->second;
    }

    int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
        std::lock_guard lock(mu);
        int stored = stored_version(plan.name);
        if (!engine::detail::check_plan(plan, ec, diag))
            return stored;
        if (stored > plan.latest()) {
            engine::detail::fail_too_new(ec, diag, plan, stored);
            return stored;
        }
        for (const auto& m : plan.migrations) {
            if (m.version <= stored)
                continue;
            if (m.version > up_to)
                break;
            bool ok = statement(ec, [&] {
                for (const auto& step : m.steps)
                    if (!std::visit([&](const auto& s) { return apply(s, ec, diag); }, step))
                        return false;
                auto it = versions.find(plan.name);
                log.push_back(undo_version{plan.name, it == versions.end() ? std::nullopt : std::optional(it->second)});
                versions[plan.name] = m.version;
                return true;
            });
            if (!ok) {
                diag.assign(diag.field(), "schema '" + plan.name + "' version " + std::to_string(m.version) + " (" +
                                              m.description + "): " + diag.message());
                return stored;
            }
            stored = m.version;
        }
        return stored;
    }
};

}  // namespace detail::memory

/// A `data_engine` in this process's memory: nothing survives the process. It suits tests, and
/// programs that want the data-engine API without a database.
///
/// Each table keeps its rows in primary-key order when the key is auto-increment, else in insertion
/// order (the order `find` returns without `order_by`). The primary key and every unique index are
/// hash sets over their columns, so inserts check them in `O(1)`, and a filter that pins all of
/// their columns with `==` finds its row in `O(1)`. Other indexes are ordered sets: a filter
/// that pins a leading run of an index's columns with `==` walks only the rows of that range.
/// A partial index (`index_def::where`) holds only the rows its `where` admits, and takes part
/// only for a filter that implies that `where`: each of its conjuncts is one of the filter's, or
/// is implied by one (an `or` with an implied branch, an equality or `in` on values it accepts, an
/// `is_not_null` of a compared column). Such an index is also walked whole, without any `==` run,
/// when it is ordered by the auto-increment key alone or holds at most a quarter of the table's
/// rows. Anything else scans the table. `find` with a limit and no order (or an order by an
/// auto-increment key) stops at the limit.
///
/// Statements are atomic: an undo log takes back a failed statement's changes, and the same log
/// gives transactions and savepoints. One recursive mutex guards the engine; `begin` (outermost)
/// keeps it until the transaction ends, so a transaction belongs to its thread and other threads'
/// statements wait. A rollback also restores the auto-increment counter, as SQLite does.
///
/// Choices beyond the `data_engine` requirements (the contract suite does not depend on them):
/// index names are unique across all tables (as in SQLite); a real column takes no NaN; `add`
/// that overflows 64 bits fails with `errc::schema_error`; an update that changes an
/// auto-increment key to a larger value advances the counter; an update with no changes only counts.
///
/// Movable, not copyable. A moved-from engine may only be destroyed or assigned to. Destroy an
/// engine with no transaction open (or on the thread that holds it).
class memory_engine {
public:
    memory_engine() : s_(std::make_unique<detail::memory::state>()) {}

    memory_engine(memory_engine&&) noexcept = default;
    memory_engine& operator=(memory_engine&&) noexcept = default;

    /// Applies the plan's versions above the stored one, each with its version bump in one atomic
    /// step, and returns the version now stored. On an error, the migrations before the failing one
    /// stay applied and the failing one leaves nothing behind.
    ///
    /// Errors: `errc::schema_error` (a malformed plan or step), `errc::schema_too_new`,
    /// `errc::unique_violation` (a unique index over rows that already repeat its key).
    int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
        return migrate(plan, plan.latest(), ec, diag);
    }

    /// Throwing overload of `migrate`.
    int migrate(const schema_plan& plan) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
    }

    /// As `migrate`, stopping at version `up_to` (a version below the stored one changes nothing).
    int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->migrate(plan, up_to, ec, diag);
    }

    /// Throwing overload of `migrate` up to a version.
    int migrate(const schema_plan& plan, int up_to) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
    }

    /// The version stored for the plan named `name`, 0 if none.
    int schema_version(std::string_view name, error_code& ec, diagnostics&) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        return s_->stored_version(name);
    }

    /// Throwing overload of `schema_version`.
    int schema_version(std::string_view name) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
    }

    /// The rows of `table` that match `fo.where`, with the columns `fo.fields` (every column in
    /// schema order when empty), sorted by `fo.order` (nulls first ascending, last descending; text
    /// byte by byte), at most `fo.limit` of them.
    ///
    /// Errors: `errc::schema_error` for an unknown table or column, or a filter operand that does
    /// not fit its column.
    std::vector<record> find(std::string_view table, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::vector<record> {
            auto* t = s_->find_table(table, ec, diag);
            return t ? s_->find_rows(*t, fo, fo.limit, ec, diag) : std::vector<record>{};
        });
    }

    /// Throwing overload of `find`.
    std::vector<record> find(std::string_view table, const find_options& fo) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return find(table, fo, ec, diag); });
    }

    /// The first row `find` would return, with a limit of 1.
    std::optional<record> find_one(std::string_view table, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::optional<record> {
            auto* t = s_->find_table(table, ec, diag);
            if (!t)
                return std::nullopt;
            auto rows = s_->find_rows(*t, fo, 1, ec, diag);
            if (rows.empty())
                return std::nullopt;
            return std::move(rows.front());
        });
    }

    /// Throwing overload of `find_one`.
    std::optional<record> find_one(std::string_view table, const find_options& fo) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return find_one(table, fo, ec, diag); });
    }

    /// Inserts one row: columns it does not name take their default (or null). Returns the row's
    /// auto-increment key (assigned when the row gives none or null), 0 if the table has none.
    ///
    /// Errors: `errc::schema_error` (unknown table or column, a value of the wrong type, a null in
    /// a NOT NULL column), `errc::unique_violation`.
    std::int64_t insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::int64_t {
            auto* t = s_->find_table(table, ec, diag);
            return t ? s_->insert_row(*t, r, ec, diag) : 0;
        });
    }

    /// Throwing overload of `insert`.
    std::int64_t insert(std::string_view table, const record& r) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return insert(table, r, ec, diag); });
    }

    /// Inserts every row or, on the first error, none. Returns their keys as `insert` does.
    std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows, error_code& ec,
                                          diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::vector<std::int64_t> {
            std::vector<std::int64_t> keys;
            auto* t = s_->find_table(table, ec, diag);
            if (!t)
                return keys;
            keys.reserve(rows.size());
            for (const auto& r : rows) {
                keys.push_back(s_->insert_row(*t, r, ec, diag));
                if (ec)
                    break;
            }
            return keys;
        });
    }

    /// Throwing overload of `insert_many`.
    std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return insert_many(table, rows, ec, diag); });
    }

    /// Applies `changes` to every row matching `where`, all or none; returns how many matched.
    /// Each change reads the row as it was before the update (`add` of a null stays null).
    ///
    /// Errors: `errc::schema_error`, `errc::unique_violation`.
    std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes, error_code& ec,
                       diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::size_t {
            auto* t = s_->find_table(table, ec, diag);
            return t ? s_->update_rows(*t, where, changes, ec, diag) : 0;
        });
    }

    /// Throwing overload of `update`.
    std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return update(table, where, changes, ec, diag); });
    }

    /// Removes every row matching `where`; returns how many.
    std::size_t remove(std::string_view table, const filter& where, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::size_t {
            auto* t = s_->find_table(table, ec, diag);
            return t ? s_->remove_rows(*t, where, ec, diag) : 0;
        });
    }

    /// Throwing overload of `remove`.
    std::size_t remove(std::string_view table, const filter& where) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return remove(table, where, ec, diag); });
    }

    /// How many rows match `where`.
    std::size_t count(std::string_view table, const filter& where, error_code& ec, diagnostics& diag) {
        ec.clear();
        return s_->statement(ec, [&]() -> std::size_t {
            auto* t = s_->find_table(table, ec, diag);
            return t ? s_->count_rows(*t, where, ec, diag) : 0;
        });
    }

    /// Throwing overload of `count`.
    std::size_t count(std::string_view table, const filter& where) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return count(table, where, ec, diag); });
    }

    /// Starts a transaction, or inside one a nested one (a savepoint). The outermost `begin` waits
    /// for other threads' transactions and statements, and keeps them out until it ends.
    void begin(error_code& ec, diagnostics&) {
        ec.clear();
        s_->mu.lock();  // held until the matching commit or rollback
        try {
            s_->savepoints.push_back(s_->log.size());
        } catch (...) {
            s_->mu.unlock();
            throw;
        }
    }

    /// Throwing overload of `begin`.
    void begin() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { begin(ec, diag); });
    }

    /// Commits the innermost transaction: a nested one's changes become the outer one's.
    ///
    /// Errors: `errc::invalid_argument` when no transaction is open.
    void commit(error_code& ec, diagnostics& diag) { end(false, ec, diag); }

    /// Throwing overload of `commit`.
    void commit() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { commit(ec, diag); });
    }

    /// Undoes the innermost transaction's changes, schema changes included.
    ///
    /// Errors: `errc::invalid_argument` when no transaction is open.
    void rollback(error_code& ec, diagnostics& diag) { end(true, ec, diag); }

    /// Throwing overload of `rollback`.
    void rollback() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { rollback(ec, diag); });
    }

private:
    void end(bool undo, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::unique_lock lock(s_->mu);
        if (s_->savepoints.empty()) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "transaction", "no transaction is open");
            return;
        }
        if (undo)
            s_->undo_to(s_->savepoints.back());
        s_->savepoints.pop_back();
        if (s_->savepoints.empty())
            s_->log.clear();
        lock.unlock();
        s_->mu.unlock();  // the lock its begin took
    }

    std::unique_ptr<detail::memory::state> s_;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_MEMORY_ENGINE_HPP
