//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_IMPL_MEMORY_ENGINE_IPP
#define HOOKBOX_ENGINE_IMPL_MEMORY_ENGINE_IPP

#include <hookbox/engine/memory_engine.hpp>

#include <hookbox/engine/detail/exclusive_use.hpp>
#include <hookbox/engine/memory/detail/state.hpp>

#include <utility>

namespace hookbox::engine {

namespace detail::memory {

// What an engine object and its transactions share. The tables live as long as the engine object
// or any transaction of it.
struct shared {
    explicit shared(const memory_engine_params& p) : busy_timeout(p.busy_timeout) {}

    engine::detail::exclusive_use use;
    state st;
    std::chrono::milliseconds busy_timeout;
};

// The bodies of the statements, shared by the engine (each in a use of its own) and its
// transactions (inside theirs).
inline std::vector<record> find(state& st, std::string_view table, const find_options& fo, error_code& ec,
                                diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    return t ? st.find_rows(*t, fo, fo.limit, ec, diag) : std::vector<record>{};
}

inline std::optional<record> find_one(state& st, std::string_view table, const find_options& fo, error_code& ec,
                                      diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    if (!t)
        return std::nullopt;
    auto rows = st.find_rows(*t, fo, 1, ec, diag);
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

inline std::int64_t insert(state& st, std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    return t ? st.insert_row(*t, r, ec, diag) : 0;
}

inline std::vector<std::int64_t> insert_many(state& st, std::string_view table, std::span<const record> rows,
                                             error_code& ec, diagnostics& diag) {
    std::vector<std::int64_t> keys;
    auto* t = st.find_table(table, ec, diag);
    if (!t)
        return keys;
    keys.reserve(rows.size());
    for (const auto& r : rows) {
        keys.push_back(st.insert_row(*t, r, ec, diag));
        if (ec)
            break;
    }
    return keys;
}

inline std::size_t update(state& st, std::string_view table, const filter& where, const std::vector<change>& changes,
                          error_code& ec, diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    return t ? st.update_rows(*t, where, changes, ec, diag) : 0;
}

inline std::size_t remove(state& st, std::string_view table, const filter& where, error_code& ec,
                          diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    return t ? st.remove_rows(*t, where, ec, diag) : 0;
}

inline std::size_t count(state& st, std::string_view table, const filter& where, error_code& ec, diagnostics& diag) {
    auto* t = st.find_table(table, ec, diag);
    return t ? st.count_rows(*t, where, ec, diag) : 0;
}

// Runs `f` with the engine to itself: waits for the statement or transaction that has it.
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

}  // namespace detail::memory

namespace mem = detail::memory;

memory_engine::memory_engine() : memory_engine(memory_engine_params{}) {}

memory_engine::memory_engine(const memory_engine_params& params) : s_(std::make_shared<mem::shared>(params)) {}

int memory_engine::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int memory_engine::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int memory_engine::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] { return s_->st.migrate(plan, up_to, ec, diag); });
}

int memory_engine::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int memory_engine::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] { return s_->st.stored_version(name); });
}

int memory_engine::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> memory_engine::find(std::string_view table, const find_options& fo, error_code& ec,
                                        diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag,
                          [&] { return s_->st.statement(ec, [&] { return mem::find(s_->st, table, fo, ec, diag); }); });
}

std::vector<record> memory_engine::find(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(table, fo, ec, diag); });
}

std::optional<record> memory_engine::find_one(std::string_view table, const find_options& fo, error_code& ec,
                                              diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::find_one(s_->st, table, fo, ec, diag); });
    });
}

std::optional<record> memory_engine::find_one(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return find_one(table, fo, ec, diag); });
}

std::int64_t memory_engine::insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag,
                          [&] { return s_->st.statement(ec, [&] { return mem::insert(s_->st, table, r, ec, diag); }); });
}

std::int64_t memory_engine::insert(std::string_view table, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(table, r, ec, diag); });
}

std::vector<std::int64_t> memory_engine::insert_many(std::string_view table, std::span<const record> rows,
                                                     error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::insert_many(s_->st, table, rows, ec, diag); });
    });
}

std::vector<std::int64_t> memory_engine::insert_many(std::string_view table, std::span<const record> rows) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(table, rows, ec, diag); });
}

std::size_t memory_engine::update(std::string_view table, const filter& where, const std::vector<change>& changes,
                                  error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::update(s_->st, table, where, changes, ec, diag); });
    });
}

std::size_t memory_engine::update(std::string_view table, const filter& where, const std::vector<change>& changes) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(table, where, changes, ec, diag); });
}

std::size_t memory_engine::remove(std::string_view table, const filter& where, error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::remove(s_->st, table, where, ec, diag); });
    });
}

std::size_t memory_engine::remove(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return remove(table, where, ec, diag); });
}

std::size_t memory_engine::count(std::string_view table, const filter& where, error_code& ec, diagnostics& diag) {
    return mem::on_engine(*s_, ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::count(s_->st, table, where, ec, diag); });
    });
}

std::size_t memory_engine::count(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return count(table, where, ec, diag); });
}

memory_transaction memory_engine::begin(error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!s_->use.acquire(s_->busy_timeout)) {
        engine::detail::fail_held(ec, diag, s_->busy_timeout);
        return {};
    }
    try {
        s_->st.savepoints.push_back(s_->st.log.size());
    } catch (...) {
        s_->use.release();
        throw;
    }
    return memory_transaction(s_, 1);
}

memory_transaction memory_engine::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

// ----- memory_transaction -----

memory_transaction::memory_transaction(memory_transaction&& other) noexcept
    : s_(std::move(other.s_)), level_(std::exchange(other.level_, 0)) {}

memory_transaction& memory_transaction::operator=(memory_transaction&& other) noexcept {
    if (this != &other) {
        close();
        s_ = std::move(other.s_);
        level_ = std::exchange(other.level_, 0);
    }
    return *this;
}

memory_transaction::~memory_transaction() { close(); }

void memory_transaction::close() noexcept {
    if (!s_)
        return;
    // A nested transaction still open (ended out of order) goes with this one, so that the engine
    // is never left held.
    auto& st = s_->st;
    if (st.savepoints.size() >= level_) {
        st.undo_to(st.savepoints[level_ - 1]);
        st.savepoints.resize(level_ - 1);
    }
    if (st.savepoints.empty())
        st.log.clear();
    if (level_ == 1)
        s_->use.release();
    s_.reset();
    level_ = 0;
}

template <class F>
auto memory_transaction::run(error_code& ec, diagnostics& diag, F&& f) -> decltype(f()) {
    ec.clear();
    const char* why = !s_ ? "the transaction is not active (it ended, or never began)"
                      : s_->st.savepoints.size() != level_
                          ? "a nested transaction of this one is still active; end it first"
                          : nullptr;
    if (why) {
        engine::detail::fail_transaction(ec, diag, why);
        return decltype(f())();
    }
    return f();
}

void memory_transaction::end(bool undo, error_code& ec, diagnostics& diag) {
    run(ec, diag, [&] {
        auto& st = s_->st;
        if (undo)
            st.undo_to(st.savepoints.back());
        st.savepoints.pop_back();
        if (st.savepoints.empty())
            st.log.clear();
        if (level_ == 1)
            s_->use.release();
        s_.reset();
        level_ = 0;
    });
}

void memory_transaction::commit(error_code& ec, diagnostics& diag) { end(false, ec, diag); }

void memory_transaction::commit() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { commit(ec, diag); });
}

void memory_transaction::rollback(error_code& ec, diagnostics& diag) { end(true, ec, diag); }

void memory_transaction::rollback() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { rollback(ec, diag); });
}

memory_transaction memory_transaction::begin(error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        s_->st.savepoints.push_back(s_->st.log.size());
        return memory_transaction(s_, level_ + 1);
    });
}

memory_transaction memory_transaction::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

int memory_transaction::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int memory_transaction::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int memory_transaction::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->st.migrate(plan, up_to, ec, diag); });
}

int memory_transaction::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int memory_transaction::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->st.stored_version(name); });
}

int memory_transaction::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> memory_transaction::find(std::string_view table, const find_options& fo, error_code& ec,
                                             diagnostics& diag) {
    return run(ec, diag, [&] { return s_->st.statement(ec, [&] { return mem::find(s_->st, table, fo, ec, diag); }); });
}

std::vector<record> memory_transaction::find(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(table, fo, ec, diag); });
}

std::optional<record> memory_transaction::find_one(std::string_view table, const find_options& fo, error_code& ec,
                                                   diagnostics& diag) {
    return run(ec, diag,
               [&] { return s_->st.statement(ec, [&] { return mem::find_one(s_->st, table, fo, ec, diag); }); });
}

std::optional<record> memory_transaction::find_one(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return find_one(table, fo, ec, diag); });
}

std::int64_t memory_transaction::insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return s_->st.statement(ec, [&] { return mem::insert(s_->st, table, r, ec, diag); }); });
}

std::int64_t memory_transaction::insert(std::string_view table, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(table, r, ec, diag); });
}

std::vector<std::int64_t> memory_transaction::insert_many(std::string_view table, std::span<const record> rows,
                                                          error_code& ec, diagnostics& diag) {
    return run(ec, diag,
               [&] { return s_->st.statement(ec, [&] { return mem::insert_many(s_->st, table, rows, ec, diag); }); });
}

std::vector<std::int64_t> memory_transaction::insert_many(std::string_view table, std::span<const record> rows) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(table, rows, ec, diag); });
}

std::size_t memory_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        return s_->st.statement(ec, [&] { return mem::update(s_->st, table, where, changes, ec, diag); });
    });
}

std::size_t memory_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(table, where, changes, ec, diag); });
}

std::size_t memory_transaction::remove(std::string_view table, const filter& where, error_code& ec,
                                       diagnostics& diag) {
    return run(ec, diag,
               [&] { return s_->st.statement(ec, [&] { return mem::remove(s_->st, table, where, ec, diag); }); });
}

std::size_t memory_transaction::remove(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return remove(table, where, ec, diag); });
}

std::size_t memory_transaction::count(std::string_view table, const filter& where, error_code& ec,
                                      diagnostics& diag) {
    return run(ec, diag,
               [&] { return s_->st.statement(ec, [&] { return mem::count(s_->st, table, where, ec, diag); }); });
}

std::size_t memory_transaction::count(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return count(table, where, ec, diag); });
}

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_IMPL_MEMORY_ENGINE_IPP
