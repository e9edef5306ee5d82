//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_ENGINE_HPP
#define HOOKBOX_ENGINE_SQLITE_ENGINE_HPP

/// \file
/// `sqlite_engine`: a `data_engine` and `sql_engine` on one SQLite 3 connection, through the SQLite
/// C API only. Link with `hookbox::sqlite`. Its transactions are `sqlite_transaction`
/// (`engine/sqlite/transaction.hpp`, included here).

#include <hookbox/detail/config.hpp>
#include <hookbox/detail/function_ref.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/sqlite/params.hpp>
#include <hookbox/engine/sqlite/transaction.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace hookbox::engine {

/// A `data_engine` and `sql_engine` on one SQLite 3 connection.
///
/// ## Threads and processes
///
/// One engine object owns one connection (opened with `SQLITE_OPEN_NOMUTEX`) and runs one statement
/// or one transaction on it at a time, so one object may be shared by several threads. A transaction
/// (`begin`, a `sqlite_transaction`) has the connection to itself until it ends; meanwhile the
/// engine's own statements and other `begin`s, from any thread, wait for it up to
/// `sqlite_params::busy_timeout`, then fail with `errc::storage_busy`. No lock is held between two
/// calls: a transaction may be moved to, and ended on, another thread (one thread at a time).
///
/// Several engine objects (in threads or processes) may share one database file. File databases
/// use WAL mode, so readers never block the writer nor it them; writers take the file's write lock,
/// waiting up to `sqlite_params::busy_timeout` for it, and fail with `errc::storage_busy` after that.
/// `begin` starts `BEGIN IMMEDIATE`, so a transaction takes the write lock at once and never has to
/// upgrade a read lock later (which could deadlock two processes).
///
/// With `sqlite_params::background_checkpoint` (opt-in, for a writable WAL file), the engine also
/// owns a second connection and a thread that runs PASSIVE checkpoints when commits wake it; it
/// touches nothing else of the engine but takes its connection for the short step that makes the
/// log start over, and stops before the engine's connection closes.
///
/// ## Schema
///
/// `migrate` keeps each plan's version in `hookbox_schema(name TEXT PRIMARY KEY, version INTEGER NOT
/// NULL)` and applies each migration in its own `BEGIN IMMEDIATE` transaction (a savepoint inside an
/// open transaction), re-reading the version inside it, so that processes migrating one file at the
/// same time apply each migration once. Column types map to declared types `INTEGER`, `REAL`, `TEXT`
/// and `JSON_TEXT` (TEXT affinity, bytes kept exactly); an auto-increment key is
/// `INTEGER PRIMARY KEY AUTOINCREMENT` (keys are never reused), any other key `PRIMARY KEY NOT NULL`.
/// A partial index is `CREATE INDEX ... WHERE ...` with its operands written as constants; SQLite's
/// planner uses it for a statement whose WHERE implies that text; a statement that binds a
/// parameter where that text has a constant is prepared again, with the bound value, each time it
/// runs. `drop_column` is `ALTER TABLE ... DROP COLUMN` (which rewrites the table), `copy_rows` one
/// `INSERT INTO ... SELECT`.
/// The engine reads each table's columns from `PRAGMA table_info` on first use and caches them; it
/// reads them again after `migrate`, after DDL through `query`, and when a statement names a column
/// it does not know (another connection may have added it).
///
/// ## Statements
///
/// Each operation is one SQL statement with `?N` parameters, prepared once and kept in a bounded
/// least-recently-used cache keyed by its text; `insert_many` and `migrate` wrap their statements in
/// a transaction or savepoint. Every statement is reset as soon as it is done, after errors too.
/// `begin` is `BEGIN IMMEDIATE` when the connection has no transaction open, else a savepoint (in
/// the caller's own transaction on an attached connection); a transaction's `begin` is a savepoint.
///
/// ## Errors
///
/// SQLite's extended result codes map to: `SQLITE_CONSTRAINT_UNIQUE` and `_PRIMARYKEY` →
/// `errc::unique_violation` (the diagnostics' field names the unique index, or `table.column` for a
/// primary key); other constraints, `no such table/column` → `errc::schema_error`; `SQLITE_BUSY`,
/// `SQLITE_LOCKED` → `errc::storage_busy`; `SQLITE_READONLY*` → `errc::read_only`; `SQLITE_FULL` →
/// `errc::storage_full`; `SQLITE_CANTOPEN`, `SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_IOERR*` →
/// `errc::storage_failure`; other SQL errors (syntax, parameter counts) → `errc::invalid_argument`.
/// Messages name the operation, the table and SQLite's own message. The engine checks statements
/// against the catalog before SQLite sees them (unknown table or column, a value of the wrong type, a
/// null in a NOT NULL column, a null operand, a comparison on a json column → `errc::schema_error`
/// whose field is `table.column`).
///
/// After some errors inside a transaction (`SQLITE_FULL`, I/O errors) SQLite rolls the whole
/// transaction back by itself. The engine then fails every statement and `commit` with that error
/// until `rollback` ends each open level, so that nothing runs outside the transaction the caller
/// believes is open.
///
/// A moved-from engine may only be destroyed or assigned to. A transaction keeps the connection
/// open: it may outlive the engine object it came from.
class sqlite_engine {
public:
    using transaction_type = sqlite_transaction;

    /// Opens (or creates) the database with `sqlite3_open_v2`, sets the busy timeout, `journal_mode=WAL`
    /// (files only, not read-only), `synchronous`, `foreign_keys=ON`, `temp_store=MEMORY`,
    /// `cache_size`, `mmap_size` and `wal_autocheckpoint`, turns off double-quoted string
    /// literals (`SQLITE_DBCONFIG_DQS_DDL`/`_DML`: a misspelt column is an error, not a string), and
    /// reads the schema, so that a file that is not a database fails here. Throws
    /// `error_with_diagnostics` on failure (`errc::storage_failure` naming the path for a file that
    /// cannot be opened or is not a database; `errc::invalid_argument` naming the field for
    /// `cache_size_kib`, `mmap_size` or `wal_autocheckpoint` out of range).
    HOOKBOX_DECL explicit sqlite_engine(const sqlite_params& params);

    /// Opens (or creates) the database; `std::nullopt` with `ec` set on failure.
    HOOKBOX_DECL static std::optional<sqlite_engine> open(const sqlite_params& params, error_code& ec,
                                                          diagnostics& diag);

    /// An engine over the caller's connection `db`, which it never closes: for writing inside the
    /// caller's own transaction on that connection (`begin` then opens a savepoint in it). The
    /// connection's settings are left as they are. The engine and its transactions must be gone
    /// before `db` is closed, and `db` must not be used by another thread while the engine runs a
    /// statement. Throws `error_with_diagnostics` (`errc::invalid_argument`, field `db`) for a null
    /// `db`.
    HOOKBOX_DECL static sqlite_engine attach(sqlite3* db, std::size_t statement_cache_size = 64);

    sqlite_engine(const sqlite_engine&) = delete;
    sqlite_engine& operator=(const sqlite_engine&) = delete;
    sqlite_engine(sqlite_engine&&) noexcept = default;
    sqlite_engine& operator=(sqlite_engine&&) noexcept = default;

    /// Finalizes every statement and closes the connection if the engine opened it, once no
    /// transaction of it is left.
    ~sqlite_engine() = default;

    /// The connection, for what the engine does not offer. Do not use it while a statement or a
    /// transaction of this engine runs, and do not close it.
    HOOKBOX_DECL sqlite3* native_handle() const noexcept;

    /// The database path as given in `sqlite_params`, or the attached connection's file name.
    HOOKBOX_DECL const std::string& path() const noexcept;

    /// How many statements the engine has prepared so far (cache misses, and statements it does not
    /// cache).
    HOOKBOX_DECL std::size_t statements_prepared() const noexcept;

    /// How many checkpoints the background thread has run so far (0 when
    /// `sqlite_params::background_checkpoint` is off or does not apply).
    HOOKBOX_DECL std::size_t background_checkpoints() const noexcept;

    /// How many times the background thread has made the log start over (see
    /// `sqlite_params::background_checkpoint`); 0 when there is no such thread.
    HOOKBOX_DECL std::size_t background_restarts() const noexcept;

    /// How many prepared statements the cache holds now (waits for a transaction that has the
    /// connection, as a statement does; 0 when that wait runs out).
    HOOKBOX_DECL std::size_t statements_cached() const;

    static constexpr sql_dialect dialect() noexcept { return sql_dialect::sqlite; }

    // ----- schema -----

    /// Applies the plan's missing versions in order, each in one transaction together with its version
    /// bump; returns the version now stored.
    HOOKBOX_DECL int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag);
    /// Throwing overload of `migrate`.
    HOOKBOX_DECL int migrate(const schema_plan& plan);

    /// The same, stopping at version `up_to` (from 0 to `plan.latest()`).
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag);
    /// Throwing overload of `migrate` up to a version.
    HOOKBOX_DECL int migrate(const schema_plan& plan, int up_to);

    /// The version stored for the plan called `name`, 0 if none.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name, error_code& ec, diagnostics& diag);
    /// Throwing overload of `schema_version`.
    [[nodiscard]] HOOKBOX_DECL int schema_version(std::string_view name);

    // ----- data -----

    /// The matching rows, projected (every column in schema order when `fo.fields` is empty), sorted
    /// and limited.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view t, const find_options& fo, error_code& ec,
                                          diagnostics& diag);
    /// Throwing overload of `find`.
    [[nodiscard]] HOOKBOX_DECL std::vector<record> find(std::string_view t, const find_options& fo);

    /// The first row `find` would return.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view t, const find_options& fo, error_code& ec,
                                                diagnostics& diag);
    /// Throwing overload of `find_one`.
    [[nodiscard]] HOOKBOX_DECL std::optional<record> find_one(std::string_view t, const find_options& fo);

    /// Inserts one row; returns its auto-increment key, or 0 when the table has none.
    HOOKBOX_DECL std::int64_t insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag);
    /// Throwing overload of `insert`.
    HOOKBOX_DECL std::int64_t insert(std::string_view t, const record& r);

    /// Inserts every row or none, in one transaction (a savepoint inside an open one); returns their
    /// auto-increment keys (0s when the table has none).
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs,
                                                       error_code& ec, diagnostics& diag);
    /// Throwing overload of `insert_many`.
    HOOKBOX_DECL std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs);

    /// Applies `ch` to every matching row in one statement; returns how many matched.
    HOOKBOX_DECL std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch,
                                    error_code& ec, diagnostics& diag);
    /// Throwing overload of `update`.
    HOOKBOX_DECL std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch);

    /// Removes every matching row; returns how many.
    HOOKBOX_DECL std::size_t remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag);
    /// Throwing overload of `remove`.
    HOOKBOX_DECL std::size_t remove(std::string_view t, const filter& f);

    /// How many rows match.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag);
    /// Throwing overload of `count`.
    [[nodiscard]] HOOKBOX_DECL std::size_t count(std::string_view t, const filter& f);

    // ----- native SQL -----

    /// Runs one SQL statement: binds `params` to `?1`, `?2`, ... (text and JSON as text), calls
    /// `on_row(std::span<const cell_view>)` for each result row (text views SQLite's buffer and is
    /// valid during the call; `JSON_TEXT` columns come as `json`), and returns how many rows it
    /// changed (0 for statements that change none, such as SELECT). `UPDATE ... RETURNING` works.
    /// Errors: `errc::invalid_argument` (field `sql`) for text that is not exactly one statement,
    /// (field `params`) for a parameter count that does not match; SQLite's errors as above.
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
    /// Throws `error_with_diagnostics` on failure.
    std::size_t query(std::string_view sql, std::span<const value> params = {}) {
        return query(sql, params, [](std::span<const cell_view>) {});
    }

    // ----- transactions -----

    /// Starts a transaction, which has the connection to itself until it ends: waits for the
    /// statement or transaction that has it, up to `sqlite_params::busy_timeout`, then runs `BEGIN
    /// IMMEDIATE` (a savepoint inside the caller's own transaction on an attached connection). On
    /// failure the returned transaction is inactive.
    ///
    /// Errors: `errc::storage_busy` (field `transaction`) when the wait runs out; SQLite's errors.
    [[nodiscard]] HOOKBOX_DECL sqlite_transaction begin(error_code& ec, diagnostics& diag);
    /// Throwing overload of `begin`.
    [[nodiscard]] HOOKBOX_DECL sqlite_transaction begin();

private:
    using row_ref = hookbox::detail::function_ref<void(std::span<const cell_view>)>;

    explicit sqlite_engine(std::shared_ptr<detail::sqlite_impl::shared> s) noexcept : s_(std::move(s)) {}

    HOOKBOX_DECL std::size_t run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                       error_code& ec, diagnostics& diag);

    std::shared_ptr<detail::sqlite_impl::shared> s_;
};

static_assert(sql_engine<sqlite_engine>);

}  // namespace hookbox::engine

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/engine/sqlite/impl/engine.ipp>
#endif

#endif  // HOOKBOX_ENGINE_SQLITE_ENGINE_HPP
