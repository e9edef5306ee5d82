//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_SQL_STATE_STORE_HPP
#define HOOKBOX_STATE_SQL_STATE_STORE_HPP

/// \file
/// `basic_sql_state_store<SqlEngine, Clock>`: the scoped key-value store of `state_store.hpp`, on an
/// engine that runs SQL of its own dialect, one statement per operation
/// (`state_statements.hpp`).

#include <hookbox/clock.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>
#include <hookbox/state/detail/state_rows.hpp>
#include <hookbox/state/state_schema.hpp>
#include <hookbox/state/state_statements.hpp>
#include <hookbox/state/state_types.hpp>

#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// The plugin state store of `basic_state_store`, with the same operations, guarantees and errors,
/// on an `engine::sql_engine`: each operation is one statement of the engine's dialect. `set` is one
/// upsert (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING version`), so that concurrent writers of
/// one key never race between a lookup and a write; `compare_and_set` is an insert that skips an
/// existing entry (expected version 0) or an update guarded by the version, followed, only when it
/// changed nothing, by a read of the version it found.
///
/// Thread-safety: as safe as the engine; `sqlite_engine` runs one statement at a time, so one store
/// over it may be used from several threads at once, and stores in several processes may share one
/// SQLite file. The clock is called from every calling thread.
///
/// \tparam Engine a model of `engine::sql_engine` (`sqlite_engine`).
/// \tparam Clock where `updated_at` comes from; a model of `outbox_clock`.
template <engine::sql_engine Engine, outbox_clock Clock = std::chrono::system_clock>
class basic_sql_state_store {
public:
    using engine_type = Engine;
    using clock_type = Clock;

    /// Takes the engine and, unless `params.migrate` is false, migrates the state table.
    /// Throws `error_with_diagnostics` on failure: `errc::schema_error` for a bad table name (field
    /// `table`), the engine's errors (for example `errc::schema_too_new`).
    explicit basic_sql_state_store(Engine e, state_store_params params = {}, Clock clock = {})
        : engine_(std::move(e)), params_(std::move(params)), clock_(std::move(clock)) {
        error_code ec;
        diagnostics diag;
        if (!init(ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
    }

    /// Non-throwing construction.
    static std::optional<basic_sql_state_store> open(Engine e, state_store_params params, Clock clock,
                                                     error_code& ec, diagnostics& diag) {
        basic_sql_state_store s(uninitialized{}, std::move(e), std::move(params), std::move(clock));
        if (!s.init(ec, diag))
            return std::nullopt;
        return std::optional<basic_sql_state_store>(std::move(s));
    }

    Engine& engine() noexcept { return engine_; }
    const Engine& engine() const noexcept { return engine_; }
    Clock& clock() noexcept { return clock_; }
    const Clock& clock() const noexcept { return clock_; }
    const state_store_params& params() const noexcept { return params_; }

    /// The statements this store runs.
    const sql::state_statements& statements() const noexcept { return sql_; }

    /// `basic_state_store::get`.
    std::optional<state_entry> get(std::string_view plugin_id, const state_key& key, error_code& ec,
                                   diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return std::nullopt;
        auto args = key_values(plugin_id, key);
        std::optional<state_entry> out;
        bool bad = false;
        error_code dec;
        diagnostics ddiag;
        engine_.query(sql_.get, args, [&](std::span<const engine::cell_view> row) {
                state_entry e;
                if (!detail::state::decode(row, e, params_.table, dec, ddiag))
                    bad = true;
                else
                    out = std::move(e);
            }, ec, diag);
        if (!ec && bad) {
            ec = dec;
            diag = std::move(ddiag);
        }
        return ec ? std::nullopt : std::move(out);
    }

    /// Throwing overload of `get`.
    std::optional<state_entry> get(std::string_view plugin_id, const state_key& key) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return get(plugin_id, key, ec, diag); });
    }

    /// `basic_state_store::set`.
    state_entry set(std::string_view plugin_id, const state_key& key, boost::json::value value, error_code& ec,
                    diagnostics& diag) {
        return write(plugin_id, key, std::move(value), std::nullopt, ec, diag);
    }

    /// Throwing overload of `set`.
    state_entry set(std::string_view plugin_id, const state_key& key, boost::json::value value) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return set(plugin_id, key, std::move(value), ec, diag); });
    }

    /// `basic_state_store::compare_and_set`.
    state_entry compare_and_set(std::string_view plugin_id, const state_key& key, boost::json::value value,
                                std::uint64_t expected_version, error_code& ec, diagnostics& diag) {
        return write(plugin_id, key, std::move(value), expected_version, ec, diag);
    }

    /// Throwing overload of `compare_and_set`.
    state_entry compare_and_set(std::string_view plugin_id, const state_key& key, boost::json::value value,
                                std::uint64_t expected_version) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) {
            return compare_and_set(plugin_id, key, std::move(value), expected_version, ec, diag);
        });
    }

    /// `basic_state_store::erase`.
    bool erase(std::string_view plugin_id, const state_key& key, error_code& ec, diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return false;
        auto args = key_values(plugin_id, key);
        std::size_t n = engine_.query(sql_.erase, args, ignore_rows, ec, diag);
        return !ec && n > 0;
    }

    /// Throwing overload of `erase`.
    bool erase(std::string_view plugin_id, const state_key& key) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return erase(plugin_id, key, ec, diag); });
    }

    /// `basic_state_store::list`.
    state_page list(std::string_view plugin_id, const state_list_options& opts, error_code& ec,
                    diagnostics& diag) {
        ec.clear();
        if (!validate_plugin_id(plugin_id, ec, diag) || !validate(opts, ec, diag))
            return {};
        auto q = sql_.list(plugin_id, opts);
        state_page page;
        bool bad = false;
        error_code dec;
        diagnostics ddiag;
        engine_.query(q.text, q.params, [&](std::span<const engine::cell_view> row) {
                if (bad)
                    return;
                if (page.entries.size() == opts.limit) {
                    page.has_more = true;
                    return;
                }
                state_entry e;
                if (!detail::state::decode(row, e, params_.table, dec, ddiag)) {
                    bad = true;
                    return;
                }
                page.entries.push_back(std::move(e));
            }, ec, diag);
        if (!ec && bad) {
            ec = dec;
            diag = std::move(ddiag);
        }
        if (ec)
            return {};
        return page;
    }

    /// Throwing overload of `list`.
    state_page list(std::string_view plugin_id, const state_list_options& opts = {}) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return list(plugin_id, opts, ec, diag); });
    }

    /// `basic_state_store::erase_all`.
    std::size_t erase_all(std::string_view plugin_id, error_code& ec, diagnostics& diag) {
        if (!validate_plugin_id(plugin_id, ec, diag))
            return 0;
        std::array<engine::value, 1> args{engine::value(std::string(plugin_id))};
        std::size_t n = engine_.query(sql_.erase_all, args, ignore_rows, ec, diag);
        return ec ? 0 : n;
    }

    /// Throwing overload of `erase_all`.
    std::size_t erase_all(std::string_view plugin_id) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return erase_all(plugin_id, ec, diag); });
    }

private:
    struct uninitialized {};
    basic_sql_state_store(uninitialized, Engine e, state_store_params params, Clock clock)
        : engine_(std::move(e)), params_(std::move(params)), clock_(std::move(clock)) {}

    static void ignore_rows(std::span<const engine::cell_view>) noexcept {}

    bool init(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::state::check_table_name(params_.table, ec, diag))
            return false;
        sql_ = sql::state_statements::make(engine_.dialect(), params_.table);
        if (params_.migrate) {
            engine_.migrate(state_schema(params_.table), ec, diag);
            if (ec)
                return false;
        }
        return true;
    }

    static bool check(std::string_view plugin_id, const state_key& key, error_code& ec, diagnostics& diag) {
        return validate_plugin_id(plugin_id, ec, diag) && validate(key, ec, diag);
    }

    // The key's five parameters, and room for the three a write adds after them.
    static std::vector<engine::value> key_values(std::string_view plugin_id, const state_key& k) {
        std::vector<engine::value> v;
        v.reserve(8);
        v.emplace_back(std::string(plugin_id));
        v.emplace_back(std::string(to_string(k.kind)));
        v.emplace_back(k.scope_id);
        v.emplace_back(k.name_space);
        v.emplace_back(k.key);
        return v;
    }

    // The version a statement returned, when it returned one.
    std::optional<std::uint64_t> run_write(const std::string& text, std::span<const engine::value> args,
                                           error_code& ec, diagnostics& diag) {
        std::optional<std::uint64_t> version;
        engine_.query(text, args, [&](std::span<const engine::cell_view> row) {
                if (!row.empty() && row[0].type == engine::value::kind::integer && row[0].integer > 0)
                    version = static_cast<std::uint64_t>(row[0].integer);
            }, ec, diag);
        return ec ? std::nullopt : version;
    }

    state_entry write(std::string_view plugin_id, const state_key& key, boost::json::value value,
                      std::optional<std::uint64_t> expected, error_code& ec, diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return {};
        std::string text;
        if (!detail::state::encode(value, text, ec, diag))
            return {};
        const timestamp now = now_ms(clock_);
        auto args = key_values(plugin_id, key);
        args.push_back(engine::value::json(std::move(text)));
        args.emplace_back(now.time_since_epoch().count());
        std::optional<std::uint64_t> version;
        if (!expected) {
            version = run_write(sql_.upsert, args, ec, diag);
        } else if (*expected == 0) {
            version = run_write(sql_.insert_new, args, ec, diag);
        } else {
            args.emplace_back(static_cast<std::int64_t>(*expected));
            version = run_write(sql_.update_at_version, args, ec, diag);
        }
        if (ec)
            return {};
        if (!version) {
            // Nothing changed: read the version that stood in the way, for the conflict's words.
            std::uint64_t current = 0;
            std::span<const engine::value> key_args(args.data(), 5);
            engine_.query(sql_.version_of, key_args, [&](std::span<const engine::cell_view> row) {
                    if (!row.empty() && row[0].type == engine::value::kind::integer && row[0].integer > 0)
                        current = static_cast<std::uint64_t>(row[0].integer);
                }, ec, diag);
            if (ec)
                return {};
            if (!expected) {
                // An upsert always returns a version; a row that cannot say which is corrupt.
                detail::state::fail_corrupt(ec, diag, params_.table, std::nullopt, "version",
                                            "expected an integer of at least 1");
                return {};
            }
            detail::state::fail_conflict(ec, diag, plugin_id, key, *expected, current);
            return {};
        }
        state_entry e;
        e.plugin_id = std::string(plugin_id);
        e.key = key;
        e.value = std::move(value);
        e.version = *version;
        e.updated_at = now;
        return e;
    }

    Engine engine_;
    state_store_params params_;
    Clock clock_;
    sql::state_statements sql_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STATE_SQL_STATE_STORE_HPP
