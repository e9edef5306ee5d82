//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_STATE_TYPES_HPP
#define HOOKBOX_STATE_STATE_TYPES_HPP

/// \file
/// The vocabulary of the plugin state store: scope kinds, keys, entries, list options and pages,
/// the store's parameters and limits, and the validators of keys and options, usable on their own.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/partition.hpp>

#include <boost/json/value.hpp>

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
    std::string scope_id{};
    /// A sub-namespace that keeps groups of keys apart within one scope.
    std::string name_space = "default";
    /// The entry's key within the namespace.
    std::string key{};

    friend bool operator==(const state_key&, const state_key&) = default;
};

/// One stored entry.
struct state_entry {
    /// The owning plugin.
    std::string plugin_id{};
    /// Where it is stored.
    state_key key{};
    /// The value; JSON `null` is a value like any other (an absent entry is no entry at all).
    boost::json::value value{};
    /// 1 when the entry was created, incremented by every write; the token of `compare_and_set`.
    std::uint64_t version = 0;
    /// When the entry was last written, by the store's clock.
    timestamp updated_at{};

    friend bool operator==(const state_entry&, const state_entry&) = default;
};

/// What `list` selects. Every field that is set narrows the selection.
struct state_list_options {
    /// Only entries of this scope kind.
    std::optional<scope_kind> kind{};
    /// Only entries with this scope id (non-empty; instance entries have none, select them by `kind`).
    std::optional<std::string> scope_id{};
    /// Only entries in this namespace (non-empty).
    std::optional<std::string> name_space{};
    /// Only keys that start with these bytes, taken literally: `%`, `_` and `\` are ordinary
    /// characters. Empty selects every key.
    std::string key_prefix{};
    /// At most this many entries, 1 to `state_limits::list_limit`.
    std::size_t limit = 100;
    /// Only entries after this key in list order: pass the key of the last entry of the previous
    /// page to get the next one.
    std::optional<state_key> after{};
};

/// One page of `list`.
struct state_page {
    /// The entries, ordered by (scope kind name, scope id, namespace, key), byte by byte.
    std::vector<state_entry> entries{};
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
    std::string_view trimmed{};
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
    if (!is_valid_utf8(value))
        return fail(ec, diag, errc::invalid_utf8, field, std::string(label) + " must be valid UTF-8");
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

/// Checks a plugin id: non-empty, at most `state_limits::plugin_id` bytes, no NUL, valid UTF-8.
///
/// Errors (the diagnostics' field is `plugin_id`): `errc::empty_field`, `errc::field_too_long`,
/// `errc::invalid_argument` (a NUL byte), `errc::invalid_utf8`.
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
    if (!is_valid_utf8(plugin_id))
        return detail::state::fail(ec, diag, errc::invalid_utf8, "plugin_id", "plugin_id: must be valid UTF-8");
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
///   no NUL (`errc::invalid_argument`), are valid UTF-8 (`errc::invalid_utf8`, `<label> must be
///   valid UTF-8`: every engine then stores them alike, PostgreSQL's text included) and, trimmed,
///   are not `__proto__`, `prototype` or `constructor` (`errc::invalid_argument`,
///   `<label> contains a reserved value`).
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
/// text, and must be valid UTF-8 (`errc::invalid_utf8`, field `key_prefix`), as keys are.
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
    if (!is_valid_utf8(o.key_prefix))
        return fail(ec, diag, errc::invalid_utf8, "key_prefix", "key_prefix: must be valid UTF-8");
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

}  // namespace hookbox

#endif  // HOOKBOX_STATE_STATE_TYPES_HPP
