//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_ENGINE_HPP
#define HOOKBOX_ENGINE_MEMORY_ENGINE_HPP

/// \file
/// `memory_engine`: a `data_engine` that keeps its tables in this process's memory, and
/// `memory_transaction`, its transactions.

#include <hookbox/detail/config.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/memory/transaction.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hookbox::engine {

/// How a `memory_engine` behaves.
struct memory_engine_params {
    /// How long a statement or a `begin` waits while a transaction has the engine, before failing
    /// with `errc::storage_busy`. 0 does not wait.
    std::chrono::milliseconds busy_timeout{5000};
};


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
/// gives transactions and savepoints. The engine runs one statement or one transaction at a time: a
/// transaction (`begin`) has it to itself until it ends, and the engine's own statements, from any
/// thread, wait for that up to `memory_engine_params::busy_timeout`. A rollback also restores the
/// auto-increment counter, as SQLite does.
///
/// Choices beyond the `data_engine` requirements (the contract suite does not depend on them):
/// index names are unique across all tables (as in SQLite); a real column takes no NaN; `add`
/// that overflows 64 bits fails with `errc::schema_error`; an update that changes an
/// auto-increment key to a larger value advances the counter; an update with no changes only counts.
///
/// Thread-safety: an engine object may be used by several threads at once. Movable, not copyable;
/// a moved-from engine may only be destroyed or assigned to. A transaction keeps the tables alive:
/// it may outlive the engine object it came from.
class memory_engine {
public:
    using transaction_type = memory_transaction;

    /// An empty engine.
    HOOKBOX_DECL memory_engine();

    /// An empty engine with `params`.
    HOOKBOX_DECL explicit memory_engine(const memory_engine_params& params);

    memory_engine(memory_engine&&) noexcept = default;
    memory_engine& operator=(memory_engine&&) noexcept = default;

    /// Applies the plan's versions above the stored one, each with its version bump in one atomic
    /// step, and returns the version now stored. On an error, the migrations before the failing one
    /// stay applied and the failing one leaves nothing behind.
    ///
    /// Errors: `errc::schema_error` (a malformed plan or step), `errc::schema_too_new`,
    /// `errc::unique_violation` (a unique index over rows that already repeat its key).
    HOOKBOX_DECL int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag);

    /// Throwing overload of `migrate`.
    HOOKBOX_DECL int migrate(const schema_plan& plan);

    /// As `migrate`, stopping at version `up_to` (a version below the stored one changes nothing).
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag);

    /// Throwing overload of `migrate` up to a version.
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to);

    /// The version stored for the plan named `name`, 0 if none.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name, error_code& ec, diagnostics& diag);

    /// Throwing overload of `schema_version`.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name);

    /// The rows of `table` that match `fo.where`, with the columns `fo.fields` (every column in
    /// schema order when empty), sorted by `fo.order` (nulls first ascending, last descending; text
    /// byte by byte), at most `fo.limit` of them.
    ///
    /// Errors: `errc::schema_error` for an unknown table or column, or a filter operand that does
    /// not fit its column.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo, error_code& ec,
                                          diagnostics& diag);

    /// Throwing overload of `find`.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo);

    /// The first row `find` would return, with a limit of 1.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo, error_code& ec,
                                                diagnostics& diag);

    /// Throwing overload of `find_one`.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo);

    /// Inserts one row: columns it does not name take their default (or null). Returns the row's
    /// auto-increment key (assigned when the row gives none or null), 0 if the table has none.
    ///
    /// Errors: `errc::schema_error` (unknown table or column, a value of the wrong type, a null in
    /// a NOT NULL column), `errc::unique_violation`.
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag);

    /// Throwing overload of `insert`.
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r);

    /// Inserts every row or, on the first error, none. Returns their keys as `insert` does.
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows,
                                                       error_code& ec, diagnostics& diag);

    /// Throwing overload of `insert_many`.
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows);

    /// Applies `changes` to every row matching `where`, all or none; returns how many matched.
    /// Each change reads the row as it was before the update (`add` of a null stays null).
    ///
    /// Errors: `errc::schema_error`, `errc::unique_violation`.
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes,
                                    error_code& ec, diagnostics& diag);

    /// Throwing overload of `update`.
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes);

    /// Removes every row matching `where`; returns how many.
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where, error_code& ec, diagnostics& diag);

    /// Throwing overload of `remove`.
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where);

    /// How many rows match `where`.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where, error_code& ec, diagnostics& diag);

    /// Throwing overload of `count`.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where);

    /// Starts a transaction, which has the engine to itself until it ends: waits for the statement or
    /// transaction that has it, up to `busy_timeout`. On failure the returned transaction is inactive.
    ///
    /// Errors: `errc::storage_busy` (field `transaction`) when the wait runs out.
    [[nodiscard]] HOOKBOX_DECL memory_transaction begin(error_code& ec, diagnostics& diag);

    /// Throwing overload of `begin`.
    [[nodiscard]] HOOKBOX_DECL memory_transaction begin();

private:
    std::shared_ptr<detail::memory::shared> s_;
};

static_assert(data_engine<memory_engine>);

}  // namespace hookbox::engine

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/engine/impl/memory_engine.ipp>
#endif

#endif  // HOOKBOX_ENGINE_MEMORY_ENGINE_HPP
