//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_DETAIL_STATE_HPP
#define HOOKBOX_ENGINE_MEMORY_DETAIL_STATE_HPP

// Everything behind a memory_engine: its tables, its stored schema versions and the undo log that
// makes statements atomic and gives transactions and savepoints. It is used by one statement or one
// transaction at a time (the engine's detail::exclusive_use), so it takes no lock of its own.
// It is one struct, over 800 lines, because every statement, schema step and undo record changes the
// same tables and log together; it is private, and compiled once with memory_engine.ipp.

#include <hookbox/engine/memory/detail/filters.hpp>
#include <hookbox/engine/memory/detail/tables.hpp>
#include <hookbox/engine/memory/detail/values.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine::detail::memory {

// ----- the engine's state -----

struct state {
    std::map<std::string, std::unique_ptr<table>, std::less<>> tables;
    std::map<std::string, int, std::less<>> versions;
    std::vector<undo> log;
    std::vector<std::size_t> savepoints;  // log positions where open transactions began, outermost first

    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;

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
        const bool real_column = t.columns[out.col].type == column_type::real;
        if (f.type == filter::kind::compare) {
            out.op = f.op;
            out.operand = f.operand;
            if (real_column && out.operand.type() == value::kind::integer)
                return compare_real_with_integer(out);
            return operand(out.operand);
        }
        out.values = f.values;
        if (real_column)
            drop_integers_no_double_equals(out.values);
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

    // ----- statements (the caller has the engine to itself) -----

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

}  // namespace hookbox::engine::detail::memory

#endif  // HOOKBOX_ENGINE_MEMORY_DETAIL_STATE_HPP
