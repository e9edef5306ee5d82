//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_TRANSACTION_HPP
#define HOOKBOX_ENGINE_SQLITE_TRANSACTION_HPP

/// \file
/// `sqlite_transaction`: a transaction of a `sqlite_engine` (`engine/sqlite_engine.hpp`).

#include <hookbox/detail/config.hpp>
#include <hookbox/detail/function_ref.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace hookbox::engine {

namespace detail::sqlite_impl {
struct shared;
}  // namespace detail::sqlite_impl

class sqlite_engine;

/// A transaction of a `sqlite_engine` (see `data_transaction`): `BEGIN IMMEDIATE` (or a savepoint)
/// on the engine's connection, which it has to itself until `commit` or `rollback`; statements on it
/// run inside it, and the destructor of an active transaction rolls it back. A default-constructed or moved-from transaction is inactive: every call on it fails with
/// `errc::invalid_argument` (field `transaction`).
///
/// Thread-safety: a transaction may be used from any thread, by one thread at a time.
class sqlite_transaction {
public:
    /// An inactive transaction.
    sqlite_transaction() noexcept = default;

    HOOKBOX_DECL sqlite_transaction(sqlite_transaction&& other) noexcept;

    /// Rolls this transaction back if it is active, then takes `other`'s place.
    HOOKBOX_DECL sqlite_transaction& operator=(sqlite_transaction&& other) noexcept;

    /// Rolls the transaction back if it is still active.
    HOOKBOX_DECL ~sqlite_transaction();

    /// True from a successful `begin` until `commit` succeeds or `rollback` runs.
    bool active() const noexcept { return s_ != nullptr; }

    /// Makes the transaction's changes permanent (a nested transaction's become its parent's). A
    /// failed commit leaves the transaction active: retry it (after `errc::storage_busy`) or roll it
    /// back.
    ///
    /// Errors: `errc::invalid_argument` (field `transaction`) when it is not active or a nested
    /// transaction of it is still active; SQLite's errors, and the error with which SQLite rolled
    /// the transaction back by itself.
    HOOKBOX_DECL void commit(error_code& ec, diagnostics& diag);

    /// Throwing overload of `commit`.
    HOOKBOX_DECL void commit();

    /// Undoes every change of the transaction and ends it (also when SQLite already rolled it back
    /// by itself, after `errc::storage_full` or an I/O error inside it).
    ///
    /// Errors: as `commit`.
    HOOKBOX_DECL void rollback(error_code& ec, diagnostics& diag);

    /// Throwing overload of `rollback`.
    HOOKBOX_DECL void rollback();

    /// Starts a nested transaction (a savepoint) in this one: its rollback undoes its own changes,
    /// its commit hands them to this one. This one takes no statement until the nested one ends.
    [[nodiscard]] HOOKBOX_DECL sqlite_transaction begin(error_code& ec, diagnostics& diag);

    /// Throwing overload of `begin`.
    [[nodiscard]] HOOKBOX_DECL sqlite_transaction begin();

    /// `sqlite_engine::migrate`, inside the transaction: its schema changes are undone with it.
    HOOKBOX_DECL int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag);
    /// Throwing overload of `migrate`.
    HOOKBOX_DECL int migrate(const schema_plan& plan);
    /// `sqlite_engine::migrate` up to a version, inside the transaction.
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag);
    /// Throwing overload of `migrate` up to a version.
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to);
    /// `sqlite_engine::schema_version`, inside the transaction.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name, error_code& ec, diagnostics& diag);
    /// Throwing overload of `schema_version`.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name);

    /// `sqlite_engine::find`, inside the transaction.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo, error_code& ec,
                                          diagnostics& diag);
    /// Throwing overload of `find`.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo);
    /// `sqlite_engine::find_one`, inside the transaction.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo, error_code& ec,
                                                diagnostics& diag);
    /// Throwing overload of `find_one`.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo);
    /// `sqlite_engine::insert`, inside the transaction.
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag);
    /// Throwing overload of `insert`.
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r);
    /// `sqlite_engine::insert_many`, inside the transaction.
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows,
                                                       error_code& ec, diagnostics& diag);
    /// Throwing overload of `insert_many`.
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows);
    /// `sqlite_engine::update`, inside the transaction.
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes,
                                    error_code& ec, diagnostics& diag);
    /// Throwing overload of `update`.
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes);
    /// `sqlite_engine::remove`, inside the transaction.
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where, error_code& ec, diagnostics& diag);
    /// Throwing overload of `remove`.
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where);
    /// `sqlite_engine::count`, inside the transaction.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where, error_code& ec, diagnostics& diag);
    /// Throwing overload of `count`.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where);

    /// `sqlite_engine::query`, inside the transaction.
    template <class F>
    std::size_t query(std::string_view sql, std::span<const value> params, F&& on_row, error_code& ec,
                      diagnostics& diag) {
        return run_query(sql, params, row_ref(on_row), ec, diag);
    }
    /// Throwing overload of `query`.
    template <class F>
    std::size_t query(std::string_view sql, std::span<const value> params, F&& on_row) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return query(sql, params, on_row, ec, diag); });
    }
    /// Runs one statement that returns no rows of interest; returns how many rows it changed.
    std::size_t query(std::string_view sql, std::span<const value> params = {}) {
        return query(sql, params, [](std::span<const cell_view>) {});
    }

private:
    friend class sqlite_engine;
    using row_ref = hookbox::detail::function_ref<void(std::span<const cell_view>)>;

    HOOKBOX_DECL std::size_t run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                       error_code& ec, diagnostics& diag);

    sqlite_transaction(std::shared_ptr<detail::sqlite_impl::shared> s, std::size_t level) noexcept
        : s_(std::move(s)), level_(level) {}

    // Runs a statement of this transaction: fails unless it is active and innermost.
    template <class F>
    auto run(error_code& ec, diagnostics& diag, F&& f) -> decltype(f());
    HOOKBOX_DECL void end(bool undo, error_code& ec, diagnostics& diag);
    // Rolls back what is still open of this transaction (and of nested ones left open) and gives the
    // engine back.
    HOOKBOX_DECL void close() noexcept;

    std::shared_ptr<detail::sqlite_impl::shared> s_;  // null when inactive
    std::size_t level_ = 0;                       // 1 for the outermost transaction
};

}  // namespace hookbox::engine

// The transaction's members are defined with the engine's, which that header brings when header-only.
#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/engine/sqlite_engine.hpp>
#endif

#endif  // HOOKBOX_ENGINE_SQLITE_TRANSACTION_HPP
