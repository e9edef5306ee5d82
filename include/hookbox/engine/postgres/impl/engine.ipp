//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_IMPL_ENGINE_IPP
#define HOOKBOX_ENGINE_POSTGRES_IMPL_ENGINE_IPP

#include <hookbox/engine/postgres_engine.hpp>

#include <hookbox/engine/detail/exclusive_use.hpp>
#include <hookbox/engine/postgres/detail/connection.hpp>
#include <hookbox/engine/postgres/detail/migrations.hpp>
#include <hookbox/engine/postgres/detail/pool.hpp>
#include <hookbox/engine/postgres/detail/session.hpp>

#include <libpq-fe.h>

#include <memory>
#include <utility>

namespace hookbox::engine {

namespace detail::postgres_impl {

// A transaction's connection, shared by the transaction and the savepoints nested in it; given back
// to the pool when the outermost level ends.
struct tx_state {
    std::shared_ptr<shared> s;
    std::unique_ptr<connection> c;

    tx_state(std::shared_ptr<shared> sh, std::unique_ptr<connection> conn) : s(std::move(sh)), c(std::move(conn)) {}
    tx_state(const tx_state&) = delete;
    tx_state& operator=(const tx_state&) = delete;
    ~tx_state() { give_back(); }

    void give_back() noexcept {
        if (!c)
            return;
        session x{*s, *c};
        while (!c->levels.empty())
            x.op_rollback();
        s->release(std::move(c));
    }
};

template <class F>
auto on(tx_state& t, F&& f) -> decltype(f(std::declval<session&>())) {
    session x{*t.s, *t.c};
    return f(x);
}

// Runs `f(session&)` on a connection borrowed for its duration.
template <class F>
auto on_pool(shared& s, error_code& ec, diagnostics& diag, F&& f) -> decltype(f(std::declval<session&>())) {
    ec.clear();
    lease l(s, ec, diag);
    if (!l)
        return decltype(f(std::declval<session&>()))();
    session x{s, *l.c};
    return f(x);
}

inline diagnostics make_diag(std::string field, std::string message) {
    diagnostics d;
    d.assign(std::move(field), std::move(message));
    return d;
}

}  // namespace detail::postgres_impl

namespace pi = detail::postgres_impl;

// ----- postgres_engine -----

postgres_engine::postgres_engine(const postgres_params& params) {
    error_code ec;
    diagnostics diag;
    auto e = open(params, ec, diag);
    if (!e)
        throw error_with_diagnostics(ec, std::move(diag));
    *this = std::move(*e);
}

std::optional<postgres_engine> postgres_engine::open(const postgres_params& params, error_code& ec,
                                                     diagnostics& diag) {
    ec.clear();
    if (params.pool_size == 0 || params.statement_cache_size == 0) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument,
                              params.pool_size == 0 ? "pool_size" : "statement_cache_size",
                              std::string(params.pool_size == 0 ? "pool_size" : "statement_cache_size") +
                                  " must be at least 1");
        return std::nullopt;
    }
    auto s = std::make_shared<pi::shared>(params);
    auto c = pi::connection::open(params, ec, diag);
    if (!c)
        return std::nullopt;
    s->open = 1;
    s->opened_total = 1;
    s->release(std::move(c));
    return postgres_engine(std::move(s));
}

postgres_engine postgres_engine::attach(pg_conn* conn, std::size_t statement_cache_size) {
    if (!conn)
        throw error_with_diagnostics(make_error_code(errc::invalid_argument),
                                     pi::make_diag("conn", "attach needs a connection, not null"));
    postgres_params p;
    p.pool_size = 1;
    p.statement_cache_size = statement_cache_size ? statement_cache_size : 1;
    auto s = std::make_shared<pi::shared>(p);
    s->attached = true;
    s->open = 1;
    s->idle.push_back(std::make_unique<pi::connection>(conn, false, p.statement_cache_size));
    return postgres_engine(std::move(s));
}

const postgres_params& postgres_engine::params() const noexcept { return s_->params; }

std::size_t postgres_engine::connections_opened() const noexcept {
    std::lock_guard lock(s_->mutex);
    return s_->opened_total;
}

int postgres_engine::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int postgres_engine::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int postgres_engine::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return pi::migrate(x, plan, up_to, ec, diag); });
}

int postgres_engine::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int postgres_engine::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return pi::read_version(x.c, name, ec, diag); });
}

int postgres_engine::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> postgres_engine::find(std::string_view t, const find_options& fo, error_code& ec,
                                          diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.find(t, fo, fo.limit, ec, diag); });
}

std::vector<record> postgres_engine::find(std::string_view t, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(t, fo, ec, diag); });
}

std::optional<record> postgres_engine::find_one(std::string_view t, const find_options& fo, error_code& ec,
                                                diagnostics& diag) {
    auto r = pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.find(t, fo, 1, ec, diag); });
    if (r.empty())
        return std::nullopt;
    return std::move(r.front());
}

std::optional<record> postgres_engine::find_one(std::string_view t, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find_one(t, fo, ec, diag); });
}

std::int64_t postgres_engine::insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.insert(t, r, ec, diag); });
}

std::int64_t postgres_engine::insert(std::string_view t, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(t, r, ec, diag); });
}

std::vector<std::int64_t> postgres_engine::insert_many(std::string_view t, std::span<const record> rs,
                                                       error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.insert_many(t, rs, ec, diag); });
}

std::vector<std::int64_t> postgres_engine::insert_many(std::string_view t, std::span<const record> rs) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(t, rs, ec, diag); });
}

std::size_t postgres_engine::update(std::string_view t, const filter& f, const std::vector<change>& ch,
                                    error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.update(t, f, ch, ec, diag); });
}

std::size_t postgres_engine::update(std::string_view t, const filter& f, const std::vector<change>& ch) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(t, f, ch, ec, diag); });
}

std::size_t postgres_engine::remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.remove(t, f, ec, diag); });
}

std::size_t postgres_engine::remove(std::string_view t, const filter& f) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return remove(t, f, ec, diag); });
}

std::size_t postgres_engine::count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.count(t, f, ec, diag); });
}

std::size_t postgres_engine::count(std::string_view t, const filter& f) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return count(t, f, ec, diag); });
}

std::size_t postgres_engine::run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                       error_code& ec, diagnostics& diag) {
    return pi::on_pool(*s_, ec, diag, [&](pi::session& x) { return x.query(sql, params, on_row, ec, diag); });
}

postgres_transaction postgres_engine::begin(error_code& ec, diagnostics& diag) {
    ec.clear();
    auto c = s_->acquire(ec, diag);
    if (!c)
        return {};
    auto t = std::make_shared<pi::tx_state>(s_, std::move(c));
    pi::session x{*s_, *t->c};
    if (!x.begin_level(ec, diag))
        return {};  // the connection goes back to the pool (or is closed when broken)
    return postgres_transaction(std::move(t), 1);
}

postgres_transaction postgres_engine::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

// ----- postgres_transaction -----

postgres_transaction::postgres_transaction(postgres_transaction&& other) noexcept
    : t_(std::move(other.t_)), level_(std::exchange(other.level_, 0)) {}

postgres_transaction& postgres_transaction::operator=(postgres_transaction&& other) noexcept {
    if (this != &other) {
        close();
        t_ = std::move(other.t_);
        level_ = std::exchange(other.level_, 0);
    }
    return *this;
}

postgres_transaction::~postgres_transaction() { close(); }

void postgres_transaction::close() noexcept {
    if (!t_)
        return;
    // A nested transaction still open (ended out of order) goes with this one.
    if (t_->c) {
        pi::session x{*t_->s, *t_->c};
        while (t_->c->levels.size() >= level_)
            x.op_rollback();
        if (level_ == 1)
            t_->give_back();
    }
    t_.reset();
    level_ = 0;
}

template <class F>
auto postgres_transaction::run(error_code& ec, diagnostics& diag, F&& f) -> decltype(f()) {
    ec.clear();
    const char* why = !t_ || !t_->c ? "the transaction is not active (it ended, or never began)"
                      : t_->c->levels.size() != level_
                          ? "a nested transaction of this one is still active; end it first"
                          : nullptr;
    if (why) {
        engine::detail::fail_transaction(ec, diag, why);
        return decltype(f())();
    }
    return f();
}

void postgres_transaction::end(bool undo, error_code& ec, diagnostics& diag) {
    run(ec, diag, [&] {
        pi::session x{*t_->s, *t_->c};
        if (undo)
            x.rollback_level(ec, diag);
        else if (!x.commit_level(ec, diag))
            return;  // still active: roll it back
        if (level_ == 1)
            t_->give_back();
        t_.reset();
        level_ = 0;
    });
}

void postgres_transaction::commit(error_code& ec, diagnostics& diag) { end(false, ec, diag); }

void postgres_transaction::commit() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { commit(ec, diag); });
}

void postgres_transaction::rollback(error_code& ec, diagnostics& diag) { end(true, ec, diag); }

void postgres_transaction::rollback() {
    hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { rollback(ec, diag); });
}

postgres_transaction postgres_transaction::begin(error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        pi::session x{*t_->s, *t_->c};
        if (!x.begin_level(ec, diag))
            return postgres_transaction();
        return postgres_transaction(t_, level_ + 1);
    });
}

postgres_transaction postgres_transaction::begin() {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return begin(ec, diag); });
}

int postgres_transaction::migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
    return migrate(plan, plan.latest(), ec, diag);
}

int postgres_transaction::migrate(const schema_plan& plan) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
}

int postgres_transaction::migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        pi::session x{*t_->s, *t_->c};
        return pi::migrate(x, plan, up_to, ec, diag);
    });
}

int postgres_transaction::migrate(const schema_plan& plan, int up_to) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
}

int postgres_transaction::schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        if (!t_->c->transaction_intact(ec, diag))
            return 0;
        return pi::read_version(*t_->c, name, ec, diag);
    });
}

int postgres_transaction::schema_version(std::string_view name) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
}

std::vector<record> postgres_transaction::find(std::string_view table, const find_options& fo, error_code& ec,
                                             diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.find(table, fo, fo.limit, ec, diag); }); });
}

std::vector<record> postgres_transaction::find(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(table, fo, ec, diag); });
}

std::optional<record> postgres_transaction::find_one(std::string_view table, const find_options& fo, error_code& ec,
                                                   diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { auto r = x.find(table, fo, 1, ec, diag); return r.empty() ? std::optional<record>() : std::optional<record>(std::move(r.front())); }); });
}

std::optional<record> postgres_transaction::find_one(std::string_view table, const find_options& fo) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return find_one(table, fo, ec, diag); });
}

std::int64_t postgres_transaction::insert(std::string_view table, const record& r, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.insert(table, r, ec, diag); }); });
}

std::int64_t postgres_transaction::insert(std::string_view table, const record& r) {
    return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(table, r, ec, diag); });
}

std::vector<std::int64_t> postgres_transaction::insert_many(std::string_view table, std::span<const record> rows,
                                                          error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.insert_many(table, rows, ec, diag); }); });
}

std::vector<std::int64_t> postgres_transaction::insert_many(std::string_view table, std::span<const record> rows) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return insert_many(table, rows, ec, diag); });
}

std::size_t postgres_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes, error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] {
        return pi::on(*t_, [&](pi::session& x) { return x.update(table, where, changes, ec, diag); });
    });
}

std::size_t postgres_transaction::update(std::string_view table, const filter& where,
                                       const std::vector<change>& changes) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return update(table, where, changes, ec, diag); });
}

std::size_t postgres_transaction::remove(std::string_view table, const filter& where, error_code& ec,
                                       diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.remove(table, where, ec, diag); }); });
}

std::size_t postgres_transaction::remove(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return remove(table, where, ec, diag); });
}

std::size_t postgres_transaction::count(std::string_view table, const filter& where, error_code& ec,
                                      diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.count(table, where, ec, diag); }); });
}

std::size_t postgres_transaction::count(std::string_view table, const filter& where) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return count(table, where, ec, diag); });
}

std::size_t postgres_transaction::run_query(std::string_view sql, std::span<const value> params, row_ref on_row,
                                          error_code& ec, diagnostics& diag) {
    return run(ec, diag, [&] { return pi::on(*t_, [&](pi::session& x) { return x.query(sql, params, on_row, ec, diag); }); });
}

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_POSTGRES_IMPL_ENGINE_IPP
