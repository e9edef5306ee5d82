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
/// outbox on it. Also `data_session` (the statements an engine and its transactions share),
/// `data_transaction`, and `sql_engine`, the refinement of engines that run SQL of their own
/// dialect, on which `sql_storage` runs the outbox in single statements.
///
/// ## Requirements
///
/// A *session* runs statements. For a session `s`, a table name `t`, a `find_options fo`, a
/// `filter f`, a `record r`, a span of records `rs`, a `std::vector<change> ch`, `error_code ec` and
/// `diagnostics diag`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `s.find(t, fo, ec, diag)` | `std::vector<record>` | the matching rows, projected, sorted and limited |
/// | `s.find_one(t, fo, ec, diag)` | `std::optional<record>` | the first of `find` with a limit of 1 |
/// | `s.insert(t, r, ec, diag)` | `std::int64_t` | inserts one row; returns its auto-increment key (0 if the table has none) |
/// | `s.insert_many(t, rs, ec, diag)` | `std::vector<std::int64_t>` | inserts every row or none |
/// | `s.update(t, f, ch, ec, diag)` | `std::size_t` | applies `ch` to every matching row, atomically; returns how many matched |
/// | `s.remove(t, f, ec, diag)` | `std::size_t` | removes every matching row; returns how many |
/// | `s.count(t, f, ec, diag)` | `std::size_t` | how many rows match |
///
/// An *engine* `e` is a session whose statements each commit on their own, and, for a
/// `schema_plan p` and a version `v`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `e.migrate(p, ec, diag)` | `int` | applies the plan's missing versions in order, each atomically; returns the version now stored. A stored version above `p.latest()` fails with `errc::schema_too_new`. |
/// | `e.migrate(p, v, ec, diag)` | `int` | the same, stopping at version `v` |
/// | `e.schema_version(name, ec, diag)` | `int` | the version stored for that plan, 0 if none |
/// | `E::transaction_type` | | a `data_transaction` |
/// | `e.begin(ec, diag)` | `E::transaction_type` | starts a transaction (see below); on failure an inactive one, with `ec` set |
///
/// A *transaction* `x` is a session whose statements see and make changes that become visible to
/// others when it commits, and disappear if it rolls back:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `x.active()` | `bool` | true from a successful `begin` until `commit` succeeds or `rollback` runs |
/// | `x.commit(ec, diag)` | `void` | commits; a failed commit leaves the transaction active (retry it, or roll back) |
/// | `x.rollback(ec, diag)` | `void` | undoes every change of the transaction, and ends it |
/// | `x.begin(ec, diag)` | `T` | a nested transaction (a savepoint): its rollback undoes its own changes only, its commit hands them to `x` |
///
/// Errors: `errc::unique_violation` when a statement would duplicate a unique index (the statement
/// changes nothing), distinct from every other error; `errc::schema_error` for an unknown table or
/// column, a value of the wrong type, a null in a NOT NULL column; `errc::storage_busy`,
/// `errc::read_only`, `errc::storage_full` and `errc::storage_failure` from the medium;
/// `errc::invalid_argument` (field `transaction`) for a statement, `commit` or `rollback` on a
/// transaction that has ended, or on one that is not the innermost open one.
///
/// Types: an `integer` column takes integers; a `real` column takes reals and integers; `text`
/// takes text; `json` takes JSON (and text, stored as JSON text). Null goes anywhere nullable.
///
/// ## Transactions own their connection
///
/// Every statement is atomic. A transaction holds the engine's connection for its whole life: the
/// engine's own statements and other `begin`s wait until it ends (each engine bounds that wait and
/// then fails with `errc::storage_busy`). A transaction belongs to no thread: it may be moved, and
/// used from any thread (one at a time), for example by a coroutine that resumes elsewhere; no lock
/// is held between two calls. Destroying an active transaction rolls it back. A nested transaction
/// must end before its parent. Models: `memory_engine`, `sqlite_engine`, and `postgres_engine` with
/// `pool_size` 1.
///
/// An engine with a pool of connections (`postgres_engine`) runs each transaction on a connection of
/// its own, beside the engine's statements and other transactions; what one transaction sees of
/// another is then the database's isolation (PostgreSQL: READ COMMITTED, with the rows a transaction
/// reads through `find` locked until it ends, so that a read followed by a write stays exact).

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
#include <utility>
#include <vector>

namespace hookbox::engine {

/// The statements that an engine and its transactions share (see the requirements above).
template <class S>
concept data_session = requires(S& s, std::string_view t, const find_options& fo, const filter& f, const record& r,
                                std::span<const record> rs, const std::vector<change>& ch, error_code& ec,
                                diagnostics& diag) {
    { s.find(t, fo, ec, diag) } -> std::same_as<std::vector<record>>;
    { s.find_one(t, fo, ec, diag) } -> std::same_as<std::optional<record>>;
    { s.insert(t, r, ec, diag) } -> std::same_as<std::int64_t>;
    { s.insert_many(t, rs, ec, diag) } -> std::same_as<std::vector<std::int64_t>>;
    { s.update(t, f, ch, ec, diag) } -> std::same_as<std::size_t>;
    { s.remove(t, f, ec, diag) } -> std::same_as<std::size_t>;
    { s.count(t, f, ec, diag) } -> std::same_as<std::size_t>;
};

/// A transaction of a data engine (see the requirements above).
template <class T>
concept data_transaction = data_session<T> && std::move_constructible<T> &&
                           requires(T& x, const T& cx, error_code& ec, diagnostics& diag) {
                               { cx.active() } -> std::same_as<bool>;
                               { x.commit(ec, diag) } -> std::same_as<void>;
                               { x.rollback(ec, diag) } -> std::same_as<void>;
                               { x.begin(ec, diag) } -> std::same_as<T>;
                           };

/// A data engine (see the requirements above).
template <class E>
concept data_engine = data_session<E> &&
                      requires(E& e, std::string_view name, const schema_plan& p, int v, error_code& ec,
                               diagnostics& diag) {
                          typename E::transaction_type;
                          { e.migrate(p, ec, diag) } -> std::same_as<int>;
                          { e.migrate(p, v, ec, diag) } -> std::same_as<int>;
                          { e.schema_version(name, ec, diag) } -> std::same_as<int>;
                          { e.begin(ec, diag) } -> std::same_as<typename E::transaction_type>;
                      } && data_transaction<typename E::transaction_type>;

/// A read-only view of one cell of a native query's result row; `text` views the engine's buffer
/// and is valid only during the callback.
struct cell_view {
    value::kind type = value::kind::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string_view text{};

    bool is_null() const noexcept { return type == value::kind::null; }
};

/// The SQL an engine speaks: which statement texts `sql_storage` hands it.
enum class sql_dialect : unsigned char {
    /// SQLite 3.35 or later: `?N` parameters, `RETURNING`, `ON CONFLICT`.
    sqlite,
    /// PostgreSQL 15 or later: `$N` parameters, `FOR UPDATE SKIP LOCKED`, arrays.
    postgresql,
};

/// The callback of `query`: one result row at a time.
using row_handler = std::function<void(std::span<const cell_view>)>;

/// A session that also runs SQL of its engine's dialect: `s.query(sql, params, on_row, ec, diag)`
/// binds `params` to the statement's parameters in order (`?1`, `?2`, ... in SQLite, `$1`, `$2`, ...
/// in PostgreSQL), calls `on_row` with each result row as `std::span<const cell_view>`, and returns
/// how many rows the statement changed.
template <class S>
concept sql_session = data_session<S> && requires(S& s, std::string_view sql, std::span<const value> params,
                                                  const row_handler& on_row, error_code& ec, diagnostics& diag) {
    { s.query(sql, params, on_row, ec, diag) } -> std::same_as<std::size_t>;
};

/// An engine that runs SQL of its own dialect, on itself and on its transactions: the engines that
/// `sql_storage` runs on.
template <class E>
concept sql_engine = data_engine<E> && sql_session<E> && sql_session<typename E::transaction_type> &&
                     requires(const E& e) {
                         { e.dialect() } -> std::same_as<sql_dialect>;
                     };

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_CONCEPT_HPP
