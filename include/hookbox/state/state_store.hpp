//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_STATE_STORE_HPP
#define HOOKBOX_STATE_STATE_STORE_HPP

/// \file
/// `basic_state_store<Engine, Clock>`: a scoped key-value store for plugins over any data engine.
/// Each entry is one JSON value, addressed by a plugin id and a `state_key` (scope kind, scope id,
/// namespace, key), with a version for compare-and-set. Its vocabulary and validators are in
/// `state_types.hpp`, its table in `state_schema.hpp`; on an engine that runs SQL,
/// `sql_state_store.hpp` does the same in single statements.
///
/// The concept page is `doc/state.md`.

#include <hookbox/clock.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>
#include <hookbox/state/detail/state_rows.hpp>
#include <hookbox/state/state_schema.hpp>
#include <hookbox/state/state_types.hpp>

#include <boost/json/value.hpp>

#include <algorithm>
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

// ----- the store -----

/// A scoped key-value store for plugins over any `data_engine`: one JSON value per (plugin id,
/// scope kind, scope id, namespace, key), in the table of `state_schema`.
///
/// - `get` tells an absent entry (`std::nullopt`) from a stored JSON `null`.
/// - `set` is an upsert: one row per key, also for instance-scope keys, which have no scope id. The
///   store keeps the empty string in `scope_id` for them, so the engine's unique index treats them
///   as equal (PostgreSQL's NULLS NOT DISTINCT, on every engine). It runs in one transaction; an
///   insert that a concurrent writer beat to the unique index turns into an update.
/// - Every write stores the clock's time in `updated_at` and increments `version` (1 for a new
///   entry); `compare_and_set` writes only when the version is the one expected.
/// - `list` filters by scope kind, scope id, namespace and a literal key prefix, in a stable order,
///   a page at a time.
/// - `erase` is idempotent; `erase_all` removes a plugin's whole state.
///
/// Every operation checks its input first (`validate_plugin_id`, `validate`) and changes nothing
/// when it fails. Each has an `(…, error_code&, diagnostics&)` overload and one that throws
/// `error_with_diagnostics`. Errors common to all: the input errors of the validators;
/// `errc::corrupt_row` when a stored row cannot be decoded (the diagnostics name the row and the
/// column); the engine's errors (`errc::storage_busy`, `errc::storage_failure`, `errc::read_only`,
/// `errc::storage_full`, `errc::schema_error` when the table is missing).
///
/// Access control (which plugin may read or write) belongs to the caller: the store trusts the
/// plugin id it is given, and one plugin's entries are never visible under another's id.
///
/// Thread-safety: as safe as the engine. Both engines hookbox ships serialize their statements and
/// give a transaction to the thread that began it, so one store over them may be used from several
/// threads at once, and stores in several processes may share one SQLite file. The clock is called
/// from every calling thread.
template <engine::data_engine Engine, outbox_clock Clock = std::chrono::system_clock>
class basic_state_store {
public:
    using engine_type = Engine;
    using clock_type = Clock;

    /// Takes the engine and, unless `params.migrate` is false, migrates the state table.
    /// Throws `error_with_diagnostics` on failure: `errc::schema_error` for a bad table name (field
    /// `table`), the engine's errors (for example `errc::schema_too_new`).
    explicit basic_state_store(Engine e, state_store_params params = {}, Clock clock = {})
        : engine_(std::move(e)), params_(std::move(params)), clock_(std::move(clock)) {
        error_code ec;
        diagnostics diag;
        if (!init(ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
    }

    /// Non-throwing construction.
    static std::optional<basic_state_store> open(Engine e, state_store_params params, Clock clock, error_code& ec,
                                                 diagnostics& diag) {
        basic_state_store s(uninitialized{}, std::move(e), std::move(params), std::move(clock));
        if (!s.init(ec, diag))
            return std::nullopt;
        return std::optional<basic_state_store>(std::move(s));
    }

    Engine& engine() noexcept { return engine_; }
    const Engine& engine() const noexcept { return engine_; }
    Clock& clock() noexcept { return clock_; }
    const Clock& clock() const noexcept { return clock_; }
    const state_store_params& params() const noexcept { return params_; }

    /// The entry at `key`, or `std::nullopt` when there is none. A stored JSON `null` is an entry
    /// whose value is null.
    std::optional<state_entry> get(std::string_view plugin_id, const state_key& key, error_code& ec,
                                   diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return std::nullopt;
        auto r = engine_.find_one(params_.table, all_columns(key_filter(plugin_id, key)), ec, diag);
        if (ec || !r)
            return std::nullopt;
        state_entry e;
        if (!decode(*r, e, ec, diag))
            return std::nullopt;
        return e;
    }

    /// Throwing overload of `get`.
    std::optional<state_entry> get(std::string_view plugin_id, const state_key& key) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return get(plugin_id, key, ec, diag); });
    }

    /// Stores `value` at `key`, creating the entry (version 1) or replacing its value (version + 1),
    /// with `updated_at` the clock's time. Returns the entry as stored.
    ///
    /// Errors: the validators'; `errc::invalid_argument` (field `value`) for a value nested deeper
    /// than `state_limits::value_depth` or holding a NaN or infinity, `errc::invalid_utf8` (field
    /// `value`) for a string or object key that is not UTF-8 (JSON could not read either back).
    state_entry set(std::string_view plugin_id, const state_key& key, boost::json::value value, error_code& ec,
                    diagnostics& diag) {
        return write(plugin_id, key, std::move(value), std::nullopt, ec, diag);
    }

    /// Throwing overload of `set`.
    state_entry set(std::string_view plugin_id, const state_key& key, boost::json::value value) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return set(plugin_id, key, std::move(value), ec, diag); });
    }

    /// As `set`, but only when the entry's version is `expected_version`; 0 means the entry must be
    /// absent (create only).
    ///
    /// Errors: those of `set`; `errc::version_conflict` when the version differs: the diagnostics
    /// name `expected_version` and give the version found (0 when absent); nothing was changed.
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

    /// Removes the entry at `key`. Returns whether there was one; an absent entry is not an error.
    bool erase(std::string_view plugin_id, const state_key& key, error_code& ec, diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return false;
        std::size_t n = engine_.remove(params_.table, key_filter(plugin_id, key), ec, diag);
        return !ec && n > 0;
    }

    /// Throwing overload of `erase`.
    bool erase(std::string_view plugin_id, const state_key& key) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return erase(plugin_id, key, ec, diag); });
    }

    /// The plugin's entries that match `opts`, at most `opts.limit`, ordered by (scope kind name,
    /// scope id, namespace, key), byte by byte, so that pages follow each other stably: pass the
    /// last entry's key as `after` for the next page. `has_more` is true when more entries match.
    ///
    /// `key_prefix` is matched as a range of keys (at least the prefix, below its successor) and
    /// checked with a byte comparison, never with a pattern: `%`, `_` and `\` are ordinary bytes.
    ///
    /// Errors: those of `validate(state_list_options)`.
    state_page list(std::string_view plugin_id, const state_list_options& opts, error_code& ec,
                    diagnostics& diag) {
        ec.clear();
        if (!validate_plugin_id(plugin_id, ec, diag) || !validate(opts, ec, diag))
            return {};
        using engine::col;
        engine::filter f = col("plugin_id") == plugin_id;
        if (opts.kind)
            f = std::move(f) && col("scope_kind") == to_string(*opts.kind);
        if (opts.scope_id)
            f = std::move(f) && col("scope_id") == *opts.scope_id;
        if (opts.name_space)
            f = std::move(f) && col("namespace") == *opts.name_space;
        if (!opts.key_prefix.empty()) {
            f = std::move(f) && col("state_key") >= opts.key_prefix;
            if (auto next = detail::state::prefix_successor(opts.key_prefix))
                f = std::move(f) && col("state_key") < std::move(*next);
        }
        if (opts.after)
            f = std::move(f) && after_filter(*opts.after);
        auto fo = all_columns(std::move(f));
        fo.order = {engine::order_by{"scope_kind"}, engine::order_by{"scope_id"}, engine::order_by{"namespace"},
                    engine::order_by{"state_key"}};
        fo.limit = opts.limit + 1;
        auto rows = engine_.find(params_.table, fo, ec, diag);
        if (ec)
            return {};
        state_page page;
        page.entries.reserve(rows.size() < opts.limit ? rows.size() : opts.limit);
        for (const auto& r : rows) {
            if (page.entries.size() == opts.limit) {
                page.has_more = true;
                break;
            }
            state_entry e;
            if (!decode(r, e, ec, diag))
                return {};
            // The range is exact on engines that compare text byte by byte; this keeps the promise
            // on any other.
            if (!e.key.key.starts_with(opts.key_prefix))
                continue;
            page.entries.push_back(std::move(e));
        }
        return page;
    }

    /// Throwing overload of `list`.
    state_page list(std::string_view plugin_id, const state_list_options& opts = {}) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return list(plugin_id, opts, ec, diag); });
    }

    /// Removes every entry of the plugin (its uninstall); returns how many there were. Other plugins'
    /// entries are untouched.
    std::size_t erase_all(std::string_view plugin_id, error_code& ec, diagnostics& diag) {
        if (!validate_plugin_id(plugin_id, ec, diag))
            return 0;
        std::size_t n = engine_.remove(params_.table, engine::col("plugin_id") == plugin_id, ec, diag);
        return ec ? 0 : n;
    }

    /// Throwing overload of `erase_all`.
    std::size_t erase_all(std::string_view plugin_id) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return erase_all(plugin_id, ec, diag); });
    }

private:
    struct uninitialized {};
    basic_state_store(uninitialized, Engine e, state_store_params params, Clock clock)
        : engine_(std::move(e)), params_(std::move(params)), clock_(std::move(clock)) {}

    // How often a write looks again after a concurrent writer changed the row between its lookup and
    // its statement. Engines that serialize transactions (both shipped ones) never need a second look.
    static constexpr int max_attempts = 4;

    bool init(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::state::check_table_name(params_.table, ec, diag))
            return false;
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

    static engine::filter key_filter(std::string_view plugin_id, const state_key& k) {
        using engine::col;
        return col("plugin_id") == plugin_id && col("scope_kind") == to_string(k.kind) &&
               col("scope_id") == k.scope_id && col("namespace") == k.name_space && col("state_key") == k.key;
    }

    // Rows after `a` in list order: a lexicographic comparison over the four ordering columns.
    static engine::filter after_filter(const state_key& a) {
        using engine::col;
        auto kind = [&] { return col("scope_kind") == to_string(a.kind); };
        auto sid = [&] { return col("scope_id") == a.scope_id; };
        auto ns = [&] { return col("namespace") == a.name_space; };
        return col("scope_kind") > to_string(a.kind) || (kind() && col("scope_id") > a.scope_id) ||
               (kind() && sid() && col("namespace") > a.name_space) ||
               (kind() && sid() && ns() && col("state_key") > a.key);
    }

    static engine::find_options all_columns(engine::filter where) {
        engine::find_options fo;
        fo.where = std::move(where);
        fo.fields.assign(detail::state::columns.begin(), detail::state::columns.end());
        return fo;
    }

    static std::int64_t ms(timestamp t) noexcept { return t.time_since_epoch().count(); }

    // Reads a row found by `find` (every column, in `detail::state::columns` order).
    bool decode(const engine::record& r, state_entry& e, error_code& ec, diagnostics& diag) const {
        std::array<engine::cell_view, detail::state::columns.size()> cells{};
        const std::size_t n = std::min(r.size(), cells.size());
        for (std::size_t i = 0; i < n; ++i) {
            const auto& v = r.at(i).value;
            auto& cell = cells[i];
            cell.type = v.type();
            if (v.type() == engine::value::kind::integer)
                cell.integer = v.as_integer();
            else if (v.type() == engine::value::kind::real)
                cell.real = v.as_real();
            else if (v.type() == engine::value::kind::text || v.type() == engine::value::kind::json)
                cell.text = v.as_text();
        }
        return detail::state::decode(std::span<const engine::cell_view>(cells.data(), n), e, params_.table, ec,
                                     diag);
    }

    // set (no expected version) and compare_and_set: one transaction of a lookup and an insert or a
    // version-guarded update. The guard makes the new version exact even on engines whose
    // transactions do not serialize writers; a lost race looks again instead of failing.
    state_entry write(std::string_view plugin_id, const state_key& key, boost::json::value value,
                      std::optional<std::uint64_t> expected, error_code& ec, diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return {};
        std::string text;
        if (!detail::state::encode(value, text, ec, diag))
            return {};
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        const timestamp now = now_ms(clock_);
        const engine::filter where = key_filter(plugin_id, key);
        engine::find_options lookup;
        lookup.where = where;
        lookup.fields = {"id", "version"};
        std::uint64_t version = 0;
        for (int attempt = 0;; ++attempt) {
            if (attempt == max_attempts) {
                detail::state::fail(ec, diag, errc::storage_busy, "key",
                                    "set: " + detail::state::describe(plugin_id, key) + " changed under " +
                                        std::to_string(max_attempts) + " concurrent writes in a row; retry");
                return {};
            }
            auto row = tx.find_one(params_.table, lookup, ec, diag);
            if (ec)
                return {};
            std::uint64_t current = 0;
            std::int64_t id = 0;
            if (row) {
                const auto& idv = (*row)["id"];
                const auto& vv = (*row)["version"];
                std::optional<std::int64_t> row_id;
                if (idv.type() == engine::value::kind::integer)
                    row_id = idv.as_integer();
                if (vv.type() != engine::value::kind::integer || vv.as_integer() < 1) {
                    detail::state::fail_corrupt(ec, diag, params_.table, row_id, "version",
                                                "expected an integer of at least 1");
                    return {};
                }
                if (!row_id) {
                    detail::state::fail_corrupt(ec, diag, params_.table, row_id, "id", "expected an integer");
                    return {};
                }
                id = idv.as_integer();
                current = static_cast<std::uint64_t>(vv.as_integer());
            }
            if (expected && *expected != current) {
                detail::state::fail_conflict(ec, diag, plugin_id, key, *expected, current);
                return {};
            }
            if (!row) {
                engine::record r;
                r.reserve(8);
                r.push_back("plugin_id", engine::value(plugin_id));
                r.push_back("scope_kind", engine::value(to_string(key.kind)));
                r.push_back("scope_id", engine::value(key.scope_id));
                r.push_back("namespace", engine::value(key.name_space));
                r.push_back("state_key", engine::value(key.key));
                r.push_back("value_json", engine::value::json(text));
                r.push_back("version", engine::value(std::int64_t(1)));
                r.push_back("updated_at", engine::value(ms(now)));
                tx.insert(params_.table, r, ec, diag);
                if (ec == errc::unique_violation) {
                    // A concurrent writer created the entry after the lookup: look again, and update it.
                    ec.clear();
                    diag.clear();
                    continue;
                }
                if (ec)
                    return {};
                version = 1;
                break;
            }
            const auto seen = static_cast<std::int64_t>(current);
            std::size_t n = tx.update(params_.table, engine::col("id") == id && engine::col("version") == seen,
                                      {engine::set("value_json", engine::value::json(text)),
                                       engine::set("version", seen + 1), engine::set("updated_at", ms(now))},
                                      ec, diag);
            if (ec)
                return {};
            if (n == 1) {
                version = current + 1;
                break;
            }
            // A concurrent writer changed or removed the entry after the lookup: look again.
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        state_entry e;
        e.plugin_id = std::string(plugin_id);
        e.key = key;
        e.value = std::move(value);
        e.version = version;
        e.updated_at = now;
        return e;
    }

    Engine engine_;
    state_store_params params_;
    Clock clock_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STATE_STATE_STORE_HPP
