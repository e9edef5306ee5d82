//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STATE_IMPL_STATE_STATEMENTS_IPP
#define HOOKBOX_STATE_IMPL_STATE_STATEMENTS_IPP

#include <hookbox/state/state_statements.hpp>

#include <hookbox/state/detail/state_rows.hpp>

#include <string>

namespace hookbox::sql {

namespace detail {

// Writes the parts in which the dialects differ: placeholders, and PostgreSQL's byte order for
// comparisons and sorting of text.
struct state_writer {
    engine::sql_dialect dialect;

    bool pg() const noexcept { return dialect == engine::sql_dialect::postgresql; }
    std::string p(std::size_t n) const { return (pg() ? "$" : "?") + std::to_string(n); }
    // A text column as it is compared for order.
    std::string ordered(const char* column) const { return pg() ? std::string(column) + " COLLATE \"C\"" : column; }
};

inline const std::string& state_columns() {
    static const std::string cols =
        "id, plugin_id, scope_kind, scope_id, \"namespace\", state_key, value_json, version, updated_at";
    return cols;
}

// `plugin_id = p1 AND ... AND state_key = p5`.
inline std::string key_condition(const state_writer& w) {
    return "plugin_id = " + w.p(1) + " AND scope_kind = " + w.p(2) + " AND scope_id = " + w.p(3) +
           " AND \"namespace\" = " + w.p(4) + " AND state_key = " + w.p(5);
}

}  // namespace detail

bound_statement state_statements::list(std::string_view plugin_id, const state_list_options& o) const {
    const detail::state_writer w{dialect};
    bound_statement b;
    auto param = [&](engine::value v) {
        b.params.push_back(std::move(v));
        return w.p(b.params.size());
    };
    b.text = "SELECT " + detail::state_columns() + " FROM " + quote_identifier(table) +
             " WHERE plugin_id = " + param(engine::value(std::string(plugin_id)));
    if (o.kind)
        b.text += " AND scope_kind = " + param(engine::value(std::string(to_string(*o.kind))));
    if (o.scope_id)
        b.text += " AND scope_id = " + param(engine::value(*o.scope_id));
    if (o.name_space)
        b.text += " AND \"namespace\" = " + param(engine::value(*o.name_space));
    if (!o.key_prefix.empty()) {
        // A range of keys rather than LIKE, whose wildcards a prefix may contain.
        b.text += " AND " + w.ordered("state_key") + " >= " + param(engine::value(o.key_prefix));
        if (auto next = hookbox::detail::state::prefix_successor(o.key_prefix))
            b.text += " AND " + w.ordered("state_key") + " < " + param(engine::value(std::move(*next)));
    }
    if (o.after) {
        const std::string lhs = "(" + w.ordered("scope_kind") + ", " + w.ordered("scope_id") + ", " +
                                w.ordered("\"namespace\"") + ", " + w.ordered("state_key") + ")";
        std::string rhs = "(" + param(engine::value(std::string(to_string(o.after->kind))));
        rhs += ", " + param(engine::value(o.after->scope_id));
        rhs += ", " + param(engine::value(o.after->name_space));
        rhs += ", " + param(engine::value(o.after->key)) + ")";
        b.text += " AND " + lhs + " > " + rhs;
    }
    b.text += " ORDER BY " + w.ordered("scope_kind") + ", " + w.ordered("scope_id") + ", " +
              w.ordered("\"namespace\"") + ", " + w.ordered("state_key") + " LIMIT " +
              param(engine::value(static_cast<std::int64_t>(o.limit + 1)));
    return b;
}

state_statements state_statements::make(engine::sql_dialect dialect, std::string_view table) {
    const detail::state_writer w{dialect};
    state_statements s;
    s.dialect = dialect;
    s.table = std::string(table);
    const std::string t = quote_identifier(table);
    const std::string key = detail::key_condition(w);
    const std::string insert = "INSERT INTO " + t +
                               " AS s (plugin_id, scope_kind, scope_id, \"namespace\", state_key, value_json, version, "
                               "updated_at) VALUES (" +
                               w.p(1) + ", " + w.p(2) + ", " + w.p(3) + ", " + w.p(4) + ", " + w.p(5) + ", " + w.p(6) +
                               ", 1, " + w.p(7) + ") ON CONFLICT (plugin_id, scope_kind, scope_id, \"namespace\", state_key)";
    s.get = "SELECT " + detail::state_columns() + " FROM " + t + " WHERE " + key;
    s.upsert = insert +
               " DO UPDATE SET value_json = excluded.value_json, version = s.version + 1, updated_at = "
               "excluded.updated_at RETURNING version";
    s.insert_new = insert + " DO NOTHING RETURNING version";
    s.update_at_version = "UPDATE " + t + " SET value_json = " + w.p(6) + ", version = version + 1, updated_at = " +
                          w.p(7) + " WHERE " + key + " AND version = " + w.p(8) + " RETURNING version";
    s.version_of = "SELECT version FROM " + t + " WHERE " + key;
    s.erase = "DELETE FROM " + t + " WHERE " + key;
    s.erase_all = "DELETE FROM " + t + " WHERE plugin_id = " + w.p(1);
    return s;
}

}  // namespace hookbox::sql

#endif  // HOOKBOX_STATE_IMPL_STATE_STATEMENTS_IPP
