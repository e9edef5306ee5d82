//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_TRANSACTION_HPP
#define HOOKBOX_ENGINE_POSTGRES_TRANSACTION_HPP

/// \file
/// `postgres_transaction`: a transaction of a `postgres_engine` (`engine/postgres_engine.hpp`).

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

namespace detail::postgres_impl {
struct tx_state;
}  // namespace detail::postgres_impl

class postgres_engine;

/// A transaction of a `postgres_engine` (see `data_transaction`): `BEGIN` (or a savepoint inside
/// the caller's own transaction on an attached connection) on a connection of the engine's pool,
/// which it has to itself until `commit` or `rollback`; its statements run inside it, and the
/// destructor of an active transaction rolls it back and gives the connection back. A nested
/// transaction (`begin` on a transaction) is a savepoint.
///
/// A statement of the data_engine concept (`find`, `insert`, `update`, ...) that fails inside the
/// transaction changes nothing and leaves the transaction usable (it runs behind a savepoint of its
/// own). A failed `query` aborts the transaction, as PostgreSQL does: every later statement and
/// `commit` fails with that error until `rollback`. A failed `commit` leaves the transaction active
/// for a `rollback`; whether a commit whose answer was lost took effect is unknown.
///
/// Not thread-safe: use one transaction from one thread at a time (it may move between threads).
class postgres_transaction {
public:
    /// An inactive transaction.
    postgres_transaction() noexcept = default;

    HOOKBOX_DECL postgres_transaction(postgres_transaction&& other) noexcept;
    HOOKBOX_DECL postgres_transaction& operator=(postgres_transaction&& other) noexcept;

    /// Rolls back an active transaction and gives its connection back to the pool.
    HOOKBOX_DECL ~postgres_transaction();

    /// True from a successful `begin` until `commit` succeeds or `rollback` runs.
    bool active() const noexcept { return t_ != nullptr; }

    /// Commits (or releases the savepoint). Errors: `errc::invalid_argument` (field `transaction`)
    /// when inactive or not the innermost open level; the error that aborted the transaction; the
    /// server's errors.
    HOOKBOX_DECL void commit(error_code& ec, diagnostics& diag);
    /// Throwing overload of `commit`.
    HOOKBOX_DECL void commit();

    /// Undoes every change of this transaction (and of nested ones left open), and ends it.
    HOOKBOX_DECL void rollback(error_code& ec, diagnostics& diag);
    /// Throwing overload of `rollback`.
    HOOKBOX_DECL void rollback();

    /// A nested transaction: a savepoint.
    [[nodiscard]] HOOKBOX_DECL postgres_transaction begin(error_code& ec, diagnostics& diag);
    /// Throwing overload of `begin`.
    [[nodiscard]] HOOKBOX_DECL postgres_transaction begin();

    /// Migrates inside this transaction (see `postgres_engine::migrate`).
    HOOKBOX_DECL int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL int migrate(const schema_plan& plan);
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to);
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name, error_code& ec, diagnostics& diag);
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name);

    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo, error_code& ec,
                                                        diagnostics& diag);
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view table, const find_options& fo);
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo,
                                                              error_code& ec, diagnostics& diag);
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view table, const find_options& fo);
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL std::int64_t insert(std::string_view table, const record& r);
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows,
                                                       error_code& ec, diagnostics& diag);
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view table, std::span<const record> rows);
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes,
                                    error_code& ec, diagnostics& diag);
    HOOKBOX_DECL std::size_t update(std::string_view table, const filter& where, const std::vector<change>& changes);
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL std::size_t remove(std::string_view table, const filter& where);
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where, error_code& ec,
                                                 diagnostics& diag);
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view table, const filter& where);

    /// Runs one SQL statement inside the transaction (see `postgres_engine::query`).
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
    /// Runs one statement whose rows are of no interest; throws on failure.
    std::size_t query(std::string_view sql, std::span<const value> params = {}) {
        return query(sql, params, [](std::span<const cell_view>) {});
    }

private:
    friend class postgres_engine;
    using row_ref = hookbox::detail::function_ref<void(std::span<const cell_view>)>;

    HOOKBOX_DECL std::size_t run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                       error_code& ec, diagnostics& diag);

    postgres_transaction(std::shared_ptr<detail::postgres_impl::tx_state> t, std::size_t level) noexcept
        : t_(std::move(t)), level_(level) {}

    template <class F>
    auto run(error_code& ec, diagnostics& diag, F&& f) -> decltype(f());
    HOOKBOX_DECL void end(bool undo, error_code& ec, diagnostics& diag);
    HOOKBOX_DECL void close() noexcept;

    std::shared_ptr<detail::postgres_impl::tx_state> t_;  // null when inactive
    std::size_t level_ = 0;                                // 1 for the outermost transaction
};

}  // namespace hookbox::engine

// The transaction's members are defined with the engine's, which that header brings when header-only.
#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/engine/postgres_engine.hpp>
#endif

#endif  // HOOKBOX_ENGINE_POSTGRES_TRANSACTION_HPP
