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
/// namespace, key), with a version for compare-and-set. Also the key validators, usable on their
/// own, and `state_schema`, the table's versioned plan.
///
/// The concept page is `doc/state.md`.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/detail/json_check.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <boost/json/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

// ----- scope kinds -----

/// The granularity a state entry belongs to. `instance` is one value for the whole installation
/// and takes no scope id; every other kind names one object (a company, a project, ...) by its id.
enum class scope_kind : unsigned char { instance, company, project, project_workspace, agent, issue, goal, run };

/// How many scope kinds there are.
inline constexpr std::size_t scope_kind_count = 8;

/// The kind's stored name: `instance`, `company`, `project`, `project_workspace`, `agent`, `issue`,
/// `goal` or `run`; `"invalid"` for a value outside the enumeration.
constexpr std::string_view to_string(scope_kind k) noexcept {
    switch (k) {
    case scope_kind::instance: return "instance";
    case scope_kind::company: return "company";
    case scope_kind::project: return "project";
    case scope_kind::project_workspace: return "project_workspace";
    case scope_kind::agent: return "agent";
    case scope_kind::issue: return "issue";
    case scope_kind::goal: return "goal";
    case scope_kind::run: return "run";
    }
    return "invalid";
}

/// The kind whose stored name is `s` (exact, case-sensitive), or `std::nullopt`.
constexpr std::optional<scope_kind> parse_scope_kind(std::string_view s) noexcept {
    for (std::size_t i = 0; i < scope_kind_count; ++i) {
        auto k = static_cast<scope_kind>(i);
        if (to_string(k) == s)
            return k;
    }
    return std::nullopt;
}

// ----- keys, entries, options -----

/// The address of one entry within a plugin's state.
struct state_key {
    /// The scope's granularity.
    scope_kind kind = scope_kind::instance;
    /// The scoped object's id; empty for (and only for) `scope_kind::instance`.
    std::string scope_id;
    /// A sub-namespace that keeps groups of keys apart within one scope.
    std::string name_space = "default";
    /// The entry's key within the namespace.
    std::string key;

    friend bool operator==(const state_key&, const state_key&) = default;
};

/// One stored entry.
struct state_entry {
    /// The owning plugin.
    std::string plugin_id;
    /// Where it is stored.
    state_key key;
    /// The value; JSON `null` is a value like any other (an absent entry is no entry at all).
    boost::json::value value;
    /// 1 when the entry was created, incremented by every write; the token of `compare_and_set`.
    std::uint64_t version = 0;
    /// When the entry was last written, by the store's clock.
    timestamp updated_at{};

    friend bool operator==(const state_entry&, const state_entry&) = default;
};

/// What `list` selects. Every field that is set narrows the selection.
struct state_list_options {
    /// Only entries of this scope kind.
    std::optional<scope_kind> kind;
    /// Only entries with this scope id (non-empty; instance entries have none, select them by `kind`).
    std::optional<std::string> scope_id;
    /// Only entries in this namespace (non-empty).
    std::optional<std::string> name_space;
    /// Only keys that start with these bytes, taken literally: `%`, `_` and `\` are ordinary
    /// characters. Empty selects every key.
    std::string key_prefix;
    /// At most this many entries, 1 to `state_limits::list_limit`.
    std::size_t limit = 100;
    /// Only entries after this key in list order: pass the key of the last entry of the previous
    /// page to get the next one.
    std::optional<state_key> after;
};

/// One page of `list`.
struct state_page {
    /// The entries, ordered by (scope kind name, scope id, namespace, key), byte by byte.
    std::vector<state_entry> entries;
    /// True when more entries match than `limit` allowed.
    bool has_more = false;
};

/// How a `basic_state_store` is set up.
struct state_store_params {
    /// The table. Several stores may share one database under different tables. At most 46
    /// characters, so that the index names (`<table>_unique_entry_idx`) fit the engines' limit.
    std::string table = "plugin_state";
    /// Migrate the table to the latest version on construction. Turn off only when another program
    /// owns the schema.
    bool migrate = true;
};

/// The store's limits.
namespace state_limits {
/// `plugin_id`, in bytes.
inline constexpr std::size_t plugin_id = 128;
/// `scope_id`, `name_space` and `key`, in characters (Unicode code points; a byte that is not part
/// of a valid UTF-8 sequence counts as one).
inline constexpr std::size_t identifier = 500;
/// The deepest nesting of arrays and objects a value may have.
inline constexpr std::size_t value_depth = 512;
/// The largest `state_list_options::limit`.
inline constexpr std::size_t list_limit = 10000;
/// The longest table name.
inline constexpr std::size_t table_name = 46;
}  // namespace state_limits

// ----- validation -----

namespace detail::state {

inline constexpr char32_t invalid_char = 0xFFFFFFFF;

// The code point of the UTF-8 sequence at s[i] and its length; a byte that does not start a valid
// sequence is one character of its own (`invalid_char`), so that any bytes can be measured.
inline std::size_t next_char(std::string_view s, std::size_t i, char32_t& cp) noexcept {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(i);
    cp = invalid_char;
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    std::size_t n = 0;
    char32_t v = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 1;
    }
    if (i + n > s.size())
        return 1;
    for (std::size_t k = 1; k < n; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (byte(i + k) & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    cp = v;
    return n;
}

// White space as ECMAScript's String.prototype.trim defines it (WhiteSpace and LineTerminator), so
// that "blank" means what it meant to the plugins this store's rules come from.
constexpr bool is_space(char32_t c) noexcept {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

struct measured {
    std::size_t chars = 0;
    std::string_view trimmed;
    bool has_nul = false;
};

inline measured measure(std::string_view s) noexcept {
    measured m;
    std::size_t first = s.size(), last_end = 0;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        std::size_t n = next_char(s, i, cp);
        if (cp == 0)
            m.has_nul = true;
        if (!is_space(cp)) {
            if (first == s.size())
                first = i;
            last_end = i + n;
        }
        ++m.chars;
        i += n;
    }
    if (first < last_end)
        m.trimmed = s.substr(first, last_end - first);
    return m;
}

inline bool fail(error_code& ec, diagnostics& diag, errc e, std::string field, std::string message) {
    hookbox::detail::fail(ec, diag, e, std::move(field), std::move(message));
    return false;
}

// scope_id, namespace and key: non-blank, at most 500 characters, no NUL, not a reserved word.
inline bool check_identifier(std::string_view value, const char* field, const char* label, error_code& ec,
                             diagnostics& diag) {
    auto m = measure(value);
    if (m.trimmed.empty())
        return fail(ec, diag, errc::empty_field, field, std::string(label) + " must be a non-empty string");
    if (m.chars > state_limits::identifier)
        return fail(ec, diag, errc::field_too_long, field,
                    std::string(label) + " must be at most " + std::to_string(state_limits::identifier) +
                        " characters (got " + std::to_string(m.chars) + ")");
    if (m.has_nul)
        return fail(ec, diag, errc::invalid_argument, field,
                    std::string(label) + " must not contain NUL characters");
    if (m.trimmed == "__proto__" || m.trimmed == "prototype" || m.trimmed == "constructor")
        return fail(ec, diag, errc::invalid_argument, field, std::string(label) + " contains a reserved value");
    return true;
}

inline bool check_kind(scope_kind k, error_code& ec, diagnostics& diag) {
    if (static_cast<std::size_t>(k) < scope_kind_count)
        return true;
    return fail(ec, diag, errc::invalid_argument, "kind", "Plugin state scopeKind is invalid");
}

}  // namespace detail::state

/// Checks a plugin id: non-empty, at most `state_limits::plugin_id` bytes, no NUL.
///
/// Errors (the diagnostics' field is `plugin_id`): `errc::empty_field`, `errc::field_too_long`,
/// `errc::invalid_argument` (a NUL byte).
inline bool validate_plugin_id(std::string_view plugin_id, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (plugin_id.empty())
        return detail::state::fail(ec, diag, errc::empty_field, "plugin_id", "plugin_id: must not be empty");
    if (plugin_id.size() > state_limits::plugin_id)
        return detail::state::fail(ec, diag, errc::field_too_long, "plugin_id",
                                   "plugin_id: must be at most " + std::to_string(state_limits::plugin_id) +
                                       " bytes (got " + std::to_string(plugin_id.size()) + ")");
    if (plugin_id.find('\0') != std::string_view::npos)
        return detail::state::fail(ec, diag, errc::invalid_argument, "plugin_id",
                                   "plugin_id: must not contain NUL characters");
    return true;
}

/// Checks a state key, in this order:
/// - `kind` is one of the enumerators, else `errc::invalid_argument` (field `kind`,
///   `Plugin state scopeKind is invalid`);
/// - an `instance` key has no scope id, else `errc::invalid_argument` (field `scope_id`,
///   `Plugin state instance scope cannot include scopeId`);
/// - any other kind has one, else `errc::empty_field` (field `scope_id`,
///   `Plugin state scopeId is required for non-instance scopes`);
/// - `scope_id` (when required), `name_space` and `key` (fields `scope_id`, `namespace`, `key`;
///   labels `Plugin state scopeId`, `Plugin state namespace`, `Plugin state stateKey`) are not blank
///   after trimming white space (`errc::empty_field`, `<label> must be a non-empty string`), have at
///   most 500 characters (`errc::field_too_long`, `<label> must be at most 500 characters`), contain
///   no NUL (`errc::invalid_argument`) and, trimmed, are not `__proto__`, `prototype` or
///   `constructor` (`errc::invalid_argument`, `<label> contains a reserved value`).
///
/// Values are stored as given: white space around them is allowed and kept.
inline bool validate(const state_key& k, error_code& ec, diagnostics& diag) {
    using detail::state::fail;
    ec.clear();
    if (!detail::state::check_kind(k.kind, ec, diag))
        return false;
    if (k.kind == scope_kind::instance) {
        if (!k.scope_id.empty())
            return fail(ec, diag, errc::invalid_argument, "scope_id",
                        "Plugin state instance scope cannot include scopeId");
    } else {
        if (k.scope_id.empty())
            return fail(ec, diag, errc::empty_field, "scope_id",
                        "Plugin state scopeId is required for non-instance scopes");
        if (!detail::state::check_identifier(k.scope_id, "scope_id", "Plugin state scopeId", ec, diag))
            return false;
    }
    return detail::state::check_identifier(k.name_space, "namespace", "Plugin state namespace", ec, diag) &&
           detail::state::check_identifier(k.key, "key", "Plugin state stateKey", ec, diag);
}

/// Checks list options: `kind` as for a key; `scope_id` and `name_space`, when given, as for a key
/// (an empty one is `errc::empty_field`), and a `scope_id` with `kind == instance` is
/// `errc::invalid_argument`; `limit` in 1..`state_limits::list_limit`, else `errc::invalid_argument`
/// naming `limit`; `after`, when given, as a key (fields prefixed `after.`). `key_prefix` may be any
/// bytes.
inline bool validate(const state_list_options& o, error_code& ec, diagnostics& diag) {
    using detail::state::fail;
    ec.clear();
    if (o.kind && !detail::state::check_kind(*o.kind, ec, diag))
        return false;
    if (o.scope_id) {
        if (o.kind == scope_kind::instance)
            return fail(ec, diag, errc::invalid_argument, "scope_id",
                        "Plugin state instance scope cannot include scopeId");
        if (!detail::state::check_identifier(*o.scope_id, "scope_id", "Plugin state scopeId", ec, diag))
            return false;
    }
    if (o.name_space &&
        !detail::state::check_identifier(*o.name_space, "namespace", "Plugin state namespace", ec, diag))
        return false;
    if (o.limit == 0 || o.limit > state_limits::list_limit)
        return fail(ec, diag, errc::invalid_argument, "limit",
                    "limit: must be in 1.." + std::to_string(state_limits::list_limit) + " (got " +
                        std::to_string(o.limit) + ")");
    if (o.after && !validate(*o.after, ec, diag)) {
        diag.assign("after." + diag.field(), "after: " + diag.message());
        return false;
    }
    return true;
}

// ----- the table -----

/// The schema plan of the state table named `table`, named `hookbox.<table>`.
///
/// Version 1: `id` (integer, auto-increment primary key), `plugin_id`, `scope_kind` (the kind's
/// name), `scope_id` (empty for instance scope, never null), `namespace` (default `'default'`),
/// `state_key` (text, not null), `value_json` (json, not null), `version` (integer, not null,
/// default 1), `updated_at` (integer, milliseconds since the epoch, not null); unique index
/// `<table>_unique_entry_idx` on (plugin_id, scope_kind, scope_id, namespace, state_key) and index
/// `<table>_plugin_scope_idx` on (plugin_id, scope_kind).
inline engine::schema_plan state_schema(std::string_view table = "plugin_state") {
    using engine::column_def;
    using engine::column_type;
    using engine::index_def;
    const std::string t(table);
    auto column = [](const char* n, column_type type, engine::value def = {}) {
        column_def c;
        c.name = n;
        c.type = type;
        c.nullable = false;
        c.default_value = std::move(def);
        return c;
    };
    column_def id = column("id", column_type::integer);
    id.auto_increment = true;

    engine::table_def v1;
    v1.name = t;
    v1.primary_key = "id";
    v1.columns = {
        id,
        column("plugin_id", column_type::text),
        column("scope_kind", column_type::text),
        // Never null: the empty string stands for "no scope id", so that the unique index treats
        // instance-scope keys as equal on every engine (NULLS NOT DISTINCT without engine support).
        column("scope_id", column_type::text, engine::value("")),
        column("namespace", column_type::text, engine::value("default")),
        column("state_key", column_type::text),
        column("value_json", column_type::json),
        column("version", column_type::integer, engine::value(1)),
        column("updated_at", column_type::integer),
    };
    v1.indexes = {
        index_def{t + "_unique_entry_idx",
                  {"plugin_id", "scope_kind", "scope_id", "namespace", "state_key"},
                  true},
        index_def{t + "_plugin_scope_idx", {"plugin_id", "scope_kind"}, false},
    };

    engine::schema_plan plan;
    plan.name = "hookbox." + t;
    plan.migrations.push_back(
        engine::migration{1, "scoped plugin state with versions", {engine::create_table{v1}}});
    return plan;
}

namespace detail::state {

// Columns in the order `find` returns them.
inline constexpr std::array<std::string_view, 9> columns{"id",        "plugin_id",  "scope_kind",
                                                         "scope_id",  "namespace",  "state_key",
                                                         "value_json", "version",   "updated_at"};

inline boost::json::parse_options json_options() noexcept {
    boost::json::parse_options o;
    o.max_depth = state_limits::value_depth;
    return o;
}

// The smallest byte string greater than every string that starts with `prefix`, or nothing when
// there is none (the prefix is empty or all 0xFF bytes).
inline std::optional<std::string> prefix_successor(std::string_view prefix) {
    std::string s(prefix);
    while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xFF)
        s.pop_back();
    if (s.empty())
        return std::nullopt;
    s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
    return s;
}

// Why serialized JSON did not parse back, found by walking the value (iteratively: values may be
// deeper than the stack).
inline bool value_fail(const boost::json::value& v, const error_code& jec, error_code& ec, diagnostics& diag) {
    if (jec == boost::json::error::too_deep)
        return fail(ec, diag, errc::invalid_argument, "value",
                    "value: arrays and objects must nest at most " + std::to_string(state_limits::value_depth) +
                        " levels deep");
    std::vector<const boost::json::value*> todo{&v};
    while (!todo.empty()) {
        const boost::json::value* x = todo.back();
        todo.pop_back();
        if (x->is_double() && !std::isfinite(x->get_double()))
            return fail(ec, diag, errc::invalid_argument, "value",
                        "value: numbers must be finite (JSON has no NaN or infinity)");
        if (const auto* a = x->if_array())
            for (const auto& e : *a)
                todo.push_back(&e);
        if (const auto* o = x->if_object())
            for (const auto& kv : *o)
                todo.push_back(&kv.value());
    }
    return fail(ec, diag, errc::invalid_utf8, "value",
                "value: strings and object keys must be valid UTF-8 (" + jec.message() + ")");
}

inline std::string describe(std::string_view plugin_id, const state_key& k) {
    std::string s = "plugin '" + std::string(plugin_id) + "', " + std::string(to_string(k.kind));
    if (k.kind != scope_kind::instance)
        s += " '" + k.scope_id + "'";
    s += ", namespace '" + k.name_space + "', key '" + k.key + "'";
    return s;
}

}  // namespace detail::state

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
        if (!engine::detail::is_identifier(params_.table) || params_.table.size() > state_limits::table_name)
            return detail::state::fail(ec, diag, errc::schema_error, "table",
                                       "table: '" + params_.table + "' must be 1-" +
                                           std::to_string(state_limits::table_name) +
                                           " letters, digits or underscores, not starting with a digit");
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

    bool corrupt(const engine::record& r, const char* column, const std::string& reason, error_code& ec,
                 diagnostics& diag) const {
        const auto& id = r["id"];
        std::string which = id.type() == engine::value::kind::integer ? std::to_string(id.as_integer()) : "?";
        return detail::state::fail(ec, diag, errc::corrupt_row, column,
                                   "Plugin state row " + which + " in table '" + params_.table + "': column " +
                                       column + ": " + reason);
    }

    bool decode(const engine::record& r, state_entry& e, error_code& ec, diagnostics& diag) const {
        auto text = [&](const char* c, std::string& out) {
            const auto& v = r[c];
            if (v.type() != engine::value::kind::text && v.type() != engine::value::kind::json)
                return corrupt(r, c, "expected text, found " + std::string(engine::to_string(v.type())), ec,
                               diag);
            out = v.as_text();
            return true;
        };
        auto integer = [&](const char* c, std::int64_t& out) {
            const auto& v = r[c];
            if (v.type() != engine::value::kind::integer)
                return corrupt(r, c, "expected an integer, found " + std::string(engine::to_string(v.type())), ec,
                               diag);
            out = v.as_integer();
            return true;
        };
        std::string kind, json;
        std::int64_t version = 0, updated = 0;
        if (!text("plugin_id", e.plugin_id) || !text("scope_kind", kind) || !text("scope_id", e.key.scope_id) ||
            !text("namespace", e.key.name_space) || !text("state_key", e.key.key) || !text("value_json", json) ||
            !integer("version", version) || !integer("updated_at", updated))
            return false;
        auto k = parse_scope_kind(kind);
        if (!k)
            return corrupt(r, "scope_kind", "unknown scope kind '" + kind.substr(0, 32) + "'", ec, diag);
        e.key.kind = *k;
        if (version < 1)
            return corrupt(r, "version", "version " + std::to_string(version) + " is below 1", ec, diag);
        e.version = static_cast<std::uint64_t>(version);
        e.updated_at = timestamp(std::chrono::milliseconds(updated));
        error_code jec;
        e.value = boost::json::parse(json, jec, {}, detail::state::json_options());
        if (jec)
            return corrupt(r, "value_json", "not valid JSON (" + jec.message() + ")", ec, diag);
        return true;
    }

    // Serializes a value, making sure it parses back: what `get` could not read is never stored.
    static bool encode(const boost::json::value& v, std::string& out, error_code& ec, diagnostics& diag) {
        out = boost::json::serialize(v);
        error_code jec;
        boost::json::basic_parser<hookbox::detail::json_null_handler> p{detail::state::json_options()};
        std::size_t n = p.write_some(false, out.data(), out.size(), jec);
        if (!jec && n != out.size())
            jec = boost::json::make_error_code(boost::json::error::extra_data);
        if (jec)
            return detail::state::value_fail(v, jec, ec, diag);
        return true;
    }

    // set (no expected version) and compare_and_set: one transaction of a lookup and an insert or a
    // version-guarded update. The guard makes the new version exact even on engines whose
    // transactions do not serialize writers; a lost race looks again instead of failing.
    state_entry write(std::string_view plugin_id, const state_key& key, boost::json::value value,
                      std::optional<std::uint64_t> expected, error_code& ec, diagnostics& diag) {
        if (!check(plugin_id, key, ec, diag))
            return {};
        std::string text;
        if (!encode(value, text, ec, diag))
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
                if (vv.type() != engine::value::kind::integer || vv.as_integer() < 1) {
                    corrupt(*row, "version", "expected an integer of at least 1", ec, diag);
                    return {};
                }
                if (idv.type() != engine::value::kind::integer) {
                    corrupt(*row, "id", "expected an integer", ec, diag);
                    return {};
                }
                id = idv.as_integer();
                current = static_cast<std::uint64_t>(vv.as_integer());
            }
            if (expected && *expected != current) {
                detail::state::fail(ec, diag, errc::version_conflict, "expected_version",
                                    "expected_version: " + detail::state::describe(plugin_id, key) +
                                        " was expected at version " + std::to_string(*expected) +
                                        " but is at version " + std::to_string(current) +
                                        (current == 0 ? " (absent)" : ""));
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
