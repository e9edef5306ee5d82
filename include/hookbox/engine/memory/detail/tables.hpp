//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_DETAIL_TABLES_HPP
#define HOOKBOX_ENGINE_MEMORY_DETAIL_TABLES_HPP

// memory_engine's tables and indexes, the records of its undo log, and the coercion of values to
// column types.

#include <hookbox/engine/memory/detail/filters.hpp>
#include <hookbox/engine/memory/detail/values.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/error.hpp>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::memory {

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

}  // namespace hookbox::engine::detail::memory

#endif  // HOOKBOX_ENGINE_MEMORY_DETAIL_TABLES_HPP
