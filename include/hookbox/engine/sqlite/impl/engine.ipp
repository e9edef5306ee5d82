//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_IMPL_ENGINE_IPP
#define HOOKBOX_ENGINE_SQLITE_IMPL_ENGINE_IPP

#include <hookbox/engine/sqlite_engine.hpp>

#include <hookbox/engine/detail/exclusive_use.hpp>
#include <hookbox/engine/sqlite/detail/checkpointer.hpp>
#include <hookbox/engine/sqlite/detail/connection.hpp>
#include <hookbox/engine/sqlite/detail/migrations.hpp>
#include <hookbox/engine/sqlite/detail/open.hpp>

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <utility>

namespace hookbox::engine {

namespace detail::sqlite_impl {

// What an engine object and its transactions share: the connection, its exclusive use, and the
// checkpoint thread, which stops (and takes its hook off the connection) before the connection
// closes. They live as long as the engine object or any transaction of it.
struct shared {
    exclusive_use use;
    std::unique_ptr<connection> conn;
    std::unique_ptr<checkpointer> ckpt;
    std::chrono::milliseconds busy_timeout{5000};

    shared() = default;
    shared(const shared&) = delete;
    shared& operator=(const shared&) = delete;
    ~shared() {
        if (ckpt) {
            sqlite3_wal_hook(conn->db, nullptr, nullptr);
            ckpt.reset();
        }
    }
};

// Runs `f` with the connection to itself: waits for the statement or transaction that has it.
template <class F>
auto on_engine(shared& s, error_code& ec, diagnostics& diag, F&& f) -> decltype(f()) {
    ec.clear();
    if (!s.use.acquire_statement(s.busy_timeout)) {
        engine::detail::fail_held(ec, diag, s.busy_timeout);
        return decltype(f())();
    }
    engine::detail::statement_use g(s.use);
    return f();
}

// The engine's shared state over an opened connection, with its checkpoint thread when the
// parameters ask for one and the database is a writable WAL file.
inline std::shared_ptr<shared> open_shared(const sqlite_params& p, error_code& ec, diagnostics& diag) {
    auto c = connection::open(p, ec, diag);
    if (!c)
        return nullptr;
    auto s = std::make_shared<shared>();
    s->busy_timeout = std::max(p.busy_timeout, std::chrono::milliseconds(0));
    s->conn = std::move(c);
    sqlite3* db = s->conn->db;
    if (!is_memory_path(p.path) && !p.read_only && !p.immutable && p.wal && p.background_checkpoint &&
        p.wal_autocheckpoint > 0 && is_wal(db)) {
        auto ck = std::make_unique<checkpointer>();
        const char* file = sqlite3_db_filename(db, "main");
        if (file && *file && ck->start(file, static_cast<int>(p.wal_autocheckpoint), s->use)) {
            s->ckpt = std::move(ck);
            // Replaces the hook of PRAGMA wal_autocheckpoint: commits no longer checkpoint.
            sqlite3_wal_hook(db, &checkpointer::on_commit, s->ckpt.get());
        }
    }
    return s;
}

}  // namespace detail::sqlite_impl

namespace si = detail::sqlite_impl;

sqlite_engine::sqlite_engine(const sqlite_params& params)
    : s_(hookbox::detail::call_or_throw(
          [&](error_code& ec, diagnostics& diag) { return si::open_shared(params, ec, diag); })) {}

std::optional<sqlite_engine> sqlite_engine::open(const sqlite_params& params, error_code& ec, diagnostics& diag) {
    auto s = si::open_shared(params, ec, diag);
    if (!s)
        return std::nullopt;
    return sqlite_engine(std::move(s));
}

sqlite_engine sqlite_engine::attach(sqlite3* db, std::size_t statement_cache_size) {
    if (!db) {
        diagnostics diag;
        diag.assign("db", "sqlite_engine::attach needs a connection");
        throw error_with_diagnostics(make_error_code(errc::invalid_argument), std::move(diag));
    }
    const char* file = sqlite3_db_filename(db, "main");
    auto s = std::make_shared<si::shared>();
    s->conn = std::make_unique<si::connection>(db, false, file ? file : "", statement_cache_size);
    return sqlite_engine(std::move(s));
}

sqlite3* sqlite_engine::native_handle() const noexcept { return s_->conn->db; }

const std::string& sqlite_engine::path() const noexcept { return s_->conn->path; }

std::size_t sqlite_engine::statements_prepared() const noexcept {
    return s_->conn->cache.prepared.load(std::memory_order_relaxed);
}

std::size_t sqlite_engine::background_checkpoints() const noexcept { return s_->ckpt ? s_->ckpt->runs() : 0; }

std::size_t sqlite_engine::background_restarts() const noexcept { return s_->ckpt ? s_->ckpt->restarts() : 0; }

std::size_t sqlite_engine::statements_cached() const {
    error_code ec;
    diagnostics diag;
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->cache.size(); });
}

int sqlite_engine::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int sqlite_engine::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int sqlite_engine::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return si::migrate(*s_->conn, plan, up_to, ec, diag); });
}

int sqlite_engine::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int sqlite_engine::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] {
        if (!s_->conn->transaction_intact(ec, diag))
            return 0;
        return si::read_version(*s_->conn, name, ec, diag);
    });
}

int sqlite_engine::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> sqlite_engine::find(std::string_view t, const find_options& fo, error_code& ec,
                                        diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->find(t, fo, ec, diag); });
}

std::vector<record> sqlite_engine::find(std::string_view t, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(t, fo, ec, diag); });
}

std::optional<record> sqlite_engine::find_one(std::string_view t, const find_options& fo, error_code& ec,
                                              diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->find_one(t, fo, ec, diag); });
}

std::optional<record> sqlite_engine::find_one(std::string_view t, const find_options& fo) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return find_one(t, fo, ec, diag); });
}

std::int64_t sqlite_engine::insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->insert(t, r, ec, diag); });
}

std::int64_t sqlite_engine::insert(std::string_view t, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(t, r, ec, diag); });
}

std::vector<std::int64_t> sqlite_engine::insert_many(std::string_view t, std::span<const record> rs, error_code& ec,
                                                     diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->insert_many(t, rs, ec, diag); });
}

std::vector<std::int64_t> sqlite_engine::insert_many(std::string_view t, std::span<const record> rs) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(t, rs, ec, diag); });
}

std::size_t sqlite_engine::update(std::string_view t, const filter& f, const std::vector<change>& ch, error_code& ec,
                                  diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->update(t, f, ch, ec, diag); });
}

std::size_t sqlite_engine::update(std::string_view t, const filter& f, const std::vector<change>& ch) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(t, f, ch, ec, diag); });
}

std::size_t sqlite_engine::remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->remove(t, f, ec, diag); });
}

std::size_t sqlite_engine::remove(std::string_view t, const filter& f) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return remove(t, f, ec, diag); });
}

std::size_t sqlite_engine::count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->count(t, f, ec, diag); });
}

std::size_t sqlite_engine::count(std::string_view t, const filter& f) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return count(t, f, ec, diag); });
}

std::size_t sqlite_engine::run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                     error_code& ec, diagnostics& diag) {
    return si::on_engine(*s_, ec, diag, [&] { return s_->conn->query(sql, params, on_row, ec, diag); });
}

sqlite_transaction sqlite_engine::begin(error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!s_->use.acquire(s_->busy_timeout)) {
        engine::detail::fail_held(ec, diag, s_->busy_timeout);
        return {};
    }
    bool begun = false;
    try {
        begun = s_->conn->begin_level(ec, diag);
    } catch (...) {
        s_->use.release();
        throw;
    }
    if (!begun) {
        s_->use.release();
        return {};
    }
    return sqlite_transaction(s_, s_->conn->levels.size());
}

sqlite_transaction sqlite_engine::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

// ----- sqlite_transaction -----

sqlite_transaction::sqlite_transaction(sqlite_transaction&& other) noexcept
    : s_(std::move(other.s_)), level_(std::exchange(other.level_, 0)) {}

sqlite_transaction& sqlite_transaction::operator=(sqlite_transaction&& other) noexcept {
    if (this != &other) {
        close();
        s_ = std::move(other.s_);
        level_ = std::exchange(other.level_, 0);
    }
    return *this;
}

sqlite_transaction::~sqlite_transaction() { close(); }

void sqlite_transaction::close() noexcept {
    if (!s_)
        return;
    // A nested transaction still open (ended out of order) goes with this one, so that the engine
    // is never left held.
    auto& c = *s_->conn;
    error_code ec;
    diagnostics diag;
    try {
        while (c.levels.size() >= level_)
            c.rollback_level(ec, diag);
    } catch (...) {
    }
    if (level_ == 1)
        s_->use.release();
    s_.reset();
    level_ = 0;
}

template <class F>
auto sqlite_transaction::run(error_code& ec, diagnostics& diag, F&& f) -> decltype(f()) {
    ec.clear();
    const char* why = !s_ ? "the transaction is not active (it ended, or never began)"
                      : s_->conn->levels.size() != level_
                          ? "a nested transaction of this one is still active; end it first"
                          : nullptr;
    if (why) {
        engine::detail::fail_transaction(ec, diag, why);
        return decltype(f())();
    }
    return f();
}

void sqlite_transaction::end(bool undo, error_code& ec, diagnostics& diag) {
    run(ec, diag, [&] {
        if (undo)
            s_->conn->rollback_level(ec, diag);
        else if (!s_->conn->commit_level(ec, diag))
            return;  // still active: the commit may be retried, or the transaction rolled back
        if (level_ == 1)
            s_->use.release();
        s_.reset();
        level_ = 0;
    });
}

void sqlite_transaction::commit(error_code& ec, diagnostics& diag) { end(false, ec, diag); }

void sqlite_transaction::commit() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { commit(ec, diag); });
}

void sqlite_transaction::rollback(error_code& ec, diagnostics& diag) { end(true, ec, diag); }

void sqlite_transaction::rollback() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { rollback(ec, diag); });
}

sqlite_transaction sqlite_transaction::begin(error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        if (!s_->conn->begin_level(ec, diag))
            return sqlite_transaction();
        return sqlite_transaction(s_, level_ + 1);
    });
}

sqlite_transaction sqlite_transaction::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

int sqlite_transaction::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int sqlite_transaction::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int sqlite_transaction::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return si::migrate(*s_->conn, plan, up_to, ec, diag); });
}

int sqlite_transaction::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int sqlite_transaction::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        if (!s_->conn->transaction_intact(ec, diag))
            return 0;
        return si::read_version(*s_->conn, name, ec, diag);
    });
}

int sqlite_transaction::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> sqlite_transaction::find(std::string_view table, const find_options& fo, error_code& ec,
                                             diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->find(table, fo, ec, diag); });
}

std::vector<record> sqlite_transaction::find(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(table, fo, ec, diag); });
}

std::optional<record> sqlite_transaction::find_one(std::string_view table, const find_options& fo, error_code& ec,
                                                   diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->find_one(table, fo, ec, diag); });
}

std::optional<record> sqlite_transaction::find_one(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return find_one(table, fo, ec, diag); });
}

std::int64_t sqlite_transaction::insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->insert(table, r, ec, diag); });
}

std::int64_t sqlite_transaction::insert(std::string_view table, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(table, r, ec, diag); });
}

std::vector<std::int64_t> sqlite_transaction::insert_many(std::string_view table, std::span<const record> rows,
                                                          error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->insert_many(table, rows, ec, diag); });
}

std::vector<std::int64_t> sqlite_transaction::insert_many(std::string_view table, std::span<const record> rows) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(table, rows, ec, diag); });
}

std::size_t sqlite_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        return s_->conn->update(table, where, changes, ec, diag);
    });
}

std::size_t sqlite_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(table, where, changes, ec, diag); });
}

std::size_t sqlite_transaction::remove(std::string_view table, const filter& where, error_code& ec,
                                       diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->remove(table, where, ec, diag); });
}

std::size_t sqlite_transaction::remove(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return remove(table, where, ec, diag); });
}

std::size_t sqlite_transaction::count(std::string_view table, const filter& where, error_code& ec,
                                      diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->count(table, where, ec, diag); });
}

std::size_t sqlite_transaction::count(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return count(table, where, ec, diag); });
}

std::size_t sqlite_transaction::run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                          error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->conn->query(sql, params, on_row, ec, diag); });
}

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_SQLITE_IMPL_ENGINE_IPP
