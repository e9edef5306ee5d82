//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_CONCEPT_HPP
#define HOOKBOX_ENGINE_CONCEPT_HPP

/// \file
/// The `data_engine` concept: a store of typed records in tables, with filters, unique indexes,
/// transactions and versioned schemas. It knows nothing of webhooks; `engine_storage` builds the
/// outbox on it. Also `sql_engine`, the optional native-SQL refinement that lets `engine_storage`
/// take fast paths, and `transaction`, a scope guard over any engine.
///
/// ## Requirements
///
/// For an engine `e`, a table name `t`, a `find_options fo`, a `filter f`, a `record r`, a span of
/// records `rs`, a `std::vector<change> ch`, a `schema_plan p`, `error_code ec` and `diagnostics diag`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `e.migrate(p, ec, diag)` | `int` | applies the plan's missing versions in order, each atomically; returns the version now stored. A stored version above `p.latest()` fails with `errc::schema_too_new`. |
/// | `e.migrate(p, v, ec, diag)` | `int` | the same, stopping at version `v` |
/// | `e.schema_version(name, ec, diag)` | `int` | the version stored for that plan, 0 if none |
/// | `e.find(t, fo, ec, diag)` | `std::vector<record>` | the matching rows, projected, sorted and limited |
/// | `e.find_one(t, fo, ec, diag)` | `std::optional<record>` | the first of `find` with a limit of 1 |
/// | `e.insert(t, r, ec, diag)` | `std::int64_t` | inserts one row; returns its auto-increment key (0 if the table has none) |
/// | `e.insert_many(t, rs, ec, diag)` | `std::vector<std::int64_t>` | inserts every row or none |
/// | `e.update(t, f, ch, ec, diag)` | `std::size_t` | applies `ch` to every matching row, atomically; returns how many matched |
/// | `e.remove(t, f, ec, diag)` | `std::size_t` | removes every matching row; returns how many |
/// | `e.count(t, f, ec, diag)` | `std::size_t` | how many rows match |
/// | `e.begin(ec, diag)` | `void` | starts a transaction; inside one, starts a nested one (a savepoint) |
/// | `e.commit(ec, diag)` | `void` | commits the innermost transaction |
/// | `e.rollback(ec, diag)` | `void` | undoes the innermost transaction |
///
/// Errors: `errc::unique_violation` when a statement would duplicate a unique index (the statement
/// changes nothing), distinct from every other error; `errc::schema_error` for an unknown table or
/// column, a value of the wrong type, a null in a NOT NULL column; `errc::storage_busy`,
/// `errc::read_only`, `errc::storage_full` and `errc::storage_failure` from the medium.
///
/// Types: an `integer` column takes integers; a `real` column takes reals and integers; `text`
/// takes text; `json` takes JSON (and text, stored as JSON text). Null goes anywhere nullable.
///
/// Every statement is atomic. A transaction belongs to the thread that began it: until it ends,
/// other threads' statements on the same engine object wait. Models: `memory_engine`,
/// `sqlite_engine`.

#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hookbox::engine {

template <class E>
concept data_engine =
    requires(E& e, std::string_view t, const find_options& fo, const filter& f, const record& r,
             std::span<const record> rs, const std::vector<change>& ch, const schema_plan& p, int v, error_code& ec,
             diagnostics& diag) {
        { e.migrate(p, ec, diag) } -> std::same_as<int>;
        { e.migrate(p, v, ec, diag) } -> std::same_as<int>;
        { e.schema_version(t, ec, diag) } -> std::same_as<int>;
        { e.find(t, fo, ec, diag) } -> std::same_as<std::vector<record>>;
        { e.find_one(t, fo, ec, diag) } -> std::same_as<std::optional<record>>;
        { e.insert(t, r, ec, diag) } -> std::same_as<std::int64_t>;
        { e.insert_many(t, rs, ec, diag) } -> std::same_as<std::vector<std::int64_t>>;
        { e.update(t, f, ch, ec, diag) } -> std::same_as<std::size_t>;
        { e.remove(t, f, ec, diag) } -> std::same_as<std::size_t>;
        { e.count(t, f, ec, diag) } -> std::same_as<std::size_t>;
        { e.begin(ec, diag) } -> std::same_as<void>;
        { e.commit(ec, diag) } -> std::same_as<void>;
        { e.rollback(ec, diag) } -> std::same_as<void>;
    };

/// A read-only view of one cell of a native query's result row; `text` views the engine's buffer
/// and is valid only during the callback.
struct cell_view {
    value::kind type = value::kind::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string_view text;

    bool is_null() const noexcept { return type == value::kind::null; }
};

enum class sql_dialect : unsigned char { sqlite, postgresql };

/// An engine that also runs SQL of its own dialect. `e.query(sql, params, on_row, ec, diag)` binds
/// `params` to `?1`, `?2`, ... (SQLite) or `$1`, `$2`, ... (PostgreSQL), calls `on_row` with each
/// result row as `std::span<const cell_view>`, and returns how many rows the statement changed.
/// `engine_storage` detects this refinement and uses single-statement claims and batched acks.
template <class E>
concept sql_engine = data_engine<E> &&
    requires(E& e, std::string_view sql, std::span<const value> params,
             const std::function<void(std::span<const cell_view>)>& on_row, error_code& ec, diagnostics& diag) {
        { e.dialect() } -> std::same_as<sql_dialect>;
        { e.query(sql, params, on_row, ec, diag) } -> std::same_as<std::size_t>;
    };

/// A scope guard: begins a transaction on construction and rolls it back on destruction unless
/// `commit` succeeded. Check `ec` after constructing it.
template <data_engine Engine>
class transaction {
public:
    transaction(Engine& e, error_code& ec, diagnostics& diag) : e_(&e) {
        e_->begin(ec, diag);
        active_ = !ec;
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    ~transaction() {
        if (active_) {
            error_code ec;
            diagnostics diag;
            e_->rollback(ec, diag);
        }
    }

    void commit(error_code& ec, diagnostics& diag) {
        e_->commit(ec, diag);
        // After a failed commit the transaction is still open; the destructor rolls it back.
        if (!ec)
            active_ = false;
    }

    void rollback(error_code& ec, diagnostics& diag) {
        active_ = false;
        e_->rollback(ec, diag);
    }

    bool active() const noexcept { return active_; }

private:
    Engine* e_;
    bool active_ = false;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_CONCEPT_HPP
