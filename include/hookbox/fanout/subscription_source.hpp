//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_SUBSCRIPTION_SOURCE_HPP
#define HOOKBOX_FANOUT_SUBSCRIPTION_SOURCE_HPP

/// \file
/// Where `auto_enqueuer` loads its subscriptions from: the `subscription_source` concept, and two
/// models: `engine_subscriptions<Engine>`, the `sys_webhook` table of a data engine (declared by
/// `webhook_schema`), and `subscription_registry`, a list in memory.
///
/// ## Requirements
///
/// For a source `s` (an lvalue), `error_code ec` and `diagnostics diag`:
///
/// | expression | returns | semantics |
/// |---|---|---|
/// | `s.load(ec, diag)` | `std::vector<webhook_subscription>` | the subscriptions now configured. On failure sets `ec` (and `diag`) and returns nothing. May block (it runs on the storage executor). |
///
/// The vector may hold subscriptions that fan-out skips (inactive, no triggers, ...):
/// `subscription_index` leaves them out. An `auto_enqueuer` calls `load` from one thread at a time,
/// which may be a different thread each time.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/subscription.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

template <class S>
concept subscription_source = requires(S& s, error_code& ec, diagnostics& diag) {
    { s.load(ec, diag) } -> std::same_as<std::vector<webhook_subscription>>;
};

/// The schema plan of the webhook subscription table named `table` (the ObjectStack outbox's
/// `sys_webhook`), named `hookbox.<table>`. Version 1:
///
/// | column | type | |
/// |---|---|---|
/// | `id` | text | primary key |
/// | `name` | text | unique (index `<table>_name`) |
/// | `label` | text | |
/// | `object_name` | text | empty or null: every object |
/// | `triggers` | text | comma-separated: `create,update,delete,undelete` (and `api`, never fanned out) |
/// | `url` | text | |
/// | `method` | text | default `POST` |
/// | `description` | text | |
/// | `active` | integer | 1 or 0, not null, default 1 |
/// | `definition_json` | text | not null, default `{}`: JSON with `method`, `headers`, `secret`, `timeoutMs` |
/// | `created_at`, `updated_at` | integer | milliseconds since the epoch |
///
/// Create it with `engine.migrate(webhook_schema(), ec, diag)`.
inline engine::schema_plan webhook_schema(std::string_view table = "sys_webhook") {
    using engine::column_def;
    using engine::column_type;
    const std::string t(table);
    auto column = [](const char* n, column_type type, bool nullable, engine::value def = {}) {
        column_def c;
        c.name = n;
        c.type = type;
        c.nullable = nullable;
        c.default_value = std::move(def);
        return c;
    };
    auto text = [&](const char* n) { return column(n, column_type::text, true); };

    engine::table_def v1;
    v1.name = t;
    v1.primary_key = "id";
    v1.columns = {
        column("id", column_type::text, false),
        text("name"),
        text("label"),
        text("object_name"),
        text("triggers"),
        text("url"),
        column("method", column_type::text, true, engine::value("POST")),
        text("description"),
        column("active", column_type::integer, false, engine::value(1)),
        column("definition_json", column_type::text, false, engine::value("{}")),
        column("created_at", column_type::integer, true),
        column("updated_at", column_type::integer, true),
    };
    v1.indexes = {engine::index_def{t + "_name", {"name"}, true, engine::filter::all()}};

    engine::schema_plan plan;
    plan.name = "hookbox." + t;
    plan.migrations.push_back(
        engine::migration{1, "the ObjectStack webhook subscription table", {engine::create_table{v1}}});
    return plan;
}

/// The subscriptions in a table of a data engine (see `webhook_schema`): `load` reads the rows
/// with `active = 1`, ordered by `id`, and turns each into a subscription with
/// `parse_subscription`, leaving out the rows it skips.
///
/// Holds a reference to the engine: the engine must outlive it. Thread-safety: as the engine's
/// (every engine hookbox ships may be shared by threads).
template <engine::data_engine Engine>
class engine_subscriptions {
public:
    using engine_type = Engine;

    /// Reads the table `table` of `engine`.
    explicit engine_subscriptions(Engine& engine, std::string table = "sys_webhook")
        : engine_(&engine), table_(std::move(table)) {}

    /// The active subscriptions.
    ///
    /// Errors: the engine's, for example `errc::schema_error` when the table does not exist; the
    /// diagnostics name the table.
    std::vector<webhook_subscription> load(error_code& ec, diagnostics& diag) {
        ec.clear();
        engine::find_options q;
        q.where = engine::col("active") == 1;
        q.order.push_back(engine::order_by{"id", false});
        std::vector<engine::record> rows = engine_->find(table_, q, ec, diag);
        if (ec) {
            diag.assign(diag.field(), "loading subscriptions from '" + table_ + "': " + diag.message());
            return {};
        }
        std::vector<webhook_subscription> out;
        out.reserve(rows.size());
        for (const auto& row : rows)
            if (auto s = parse_subscription(row))
                out.push_back(std::move(*s));
        return out;
    }

    /// Throwing overload of `load`.
    std::vector<webhook_subscription> load() {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return load(ec, diag); });
    }

    Engine& engine() const noexcept { return *engine_; }
    const std::string& table() const noexcept { return table_; }

private:
    Engine* engine_;
    std::string table_;
};

/// Subscriptions kept in memory, for programs that configure webhooks in code or from their own
/// configuration. Subscriptions keep the order they were added in; ids are unique.
///
/// A change is seen by an `auto_enqueuer` at its next refresh: call its `refresh()` after changing
/// the registry to apply it at once.
///
/// Thread-safety: every member may be called from several threads at once.
class subscription_registry {
public:
    subscription_registry() = default;

    /// Adds `s`.
    ///
    /// Errors: `errc::empty_field` (field `id`) for an empty id; `errc::unique_violation` (field
    /// `id`) when a subscription with this id is registered already (nothing changes).
    void add(webhook_subscription s, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!check_id(s.id, "id", ec, diag))
            return;
        std::lock_guard lock(mutex_);
        if (find_locked(s.id) != subs_.end()) {
            detail::fail(ec, diag, errc::unique_violation, "id",
                         "id: a subscription with id '" + s.id + "' is registered already; use replace");
            return;
        }
        subs_.push_back(std::move(s));
    }

    /// Throwing overload of `add`.
    void add(webhook_subscription s) {
        detail::call_or_throw([&](error_code& ec, diagnostics& diag) { add(std::move(s), ec, diag); });
    }

    /// Replaces the subscription with `s.id`, keeping its place.
    ///
    /// Errors: `errc::empty_field` (field `id`); `errc::not_found` (field `id`) when no subscription
    /// has this id.
    void replace(webhook_subscription s, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!check_id(s.id, "id", ec, diag))
            return;
        std::lock_guard lock(mutex_);
        auto it = find_locked(s.id);
        if (it == subs_.end()) {
            detail::fail(ec, diag, errc::not_found, "id",
                         "id: no subscription with id '" + s.id + "' is registered; use add");
            return;
        }
        *it = std::move(s);
    }

    /// Throwing overload of `replace`.
    void replace(webhook_subscription s) {
        detail::call_or_throw([&](error_code& ec, diagnostics& diag) { replace(std::move(s), ec, diag); });
    }

    /// Removes the subscription with this id; false when there was none.
    bool remove(std::string_view id) {
        std::lock_guard lock(mutex_);
        auto it = find_locked(id);
        if (it == subs_.end())
            return false;
        subs_.erase(it);
        return true;
    }

    /// Replaces every subscription by `all`, or, on an error, changes nothing.
    ///
    /// Errors: `errc::empty_field` and `errc::unique_violation` as `add`, naming `subscriptions[i].id`.
    void assign(std::vector<webhook_subscription> all, error_code& ec, diagnostics& diag) {
        ec.clear();
        for (std::size_t i = 0; i < all.size(); ++i) {
            const std::string field = "subscriptions[" + std::to_string(i) + "].id";
            if (!check_id(all[i].id, field, ec, diag))
                return;
            for (std::size_t j = 0; j < i; ++j) {
                if (all[j].id == all[i].id) {
                    detail::fail(ec, diag, errc::unique_violation, field,
                                 field + ": id '" + all[i].id + "' repeats subscriptions[" +
                                     std::to_string(j) + "]");
                    return;
                }
            }
        }
        std::lock_guard lock(mutex_);
        subs_ = std::move(all);
    }

    /// Throwing overload of `assign`.
    void assign(std::vector<webhook_subscription> all) {
        detail::call_or_throw([&](error_code& ec, diagnostics& diag) { assign(std::move(all), ec, diag); });
    }

    /// The subscription with this id.
    std::optional<webhook_subscription> find(std::string_view id) const {
        std::lock_guard lock(mutex_);
        auto it = std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) { return s.id == id; });
        if (it == subs_.end())
            return std::nullopt;
        return *it;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return subs_.size();
    }

    /// A copy of every subscription, in order. Never fails.
    std::vector<webhook_subscription> load(error_code& ec, diagnostics&) const {
        ec.clear();
        std::lock_guard lock(mutex_);
        return subs_;
    }

    /// A copy of every subscription, in order.
    std::vector<webhook_subscription> load() const {
        std::lock_guard lock(mutex_);
        return subs_;
    }

private:
    static bool check_id(const std::string& id, const std::string& field, error_code& ec, diagnostics& diag) {
        if (!id.empty())
            return true;
        detail::fail(ec, diag, errc::empty_field, field, field + ": a subscription needs a non-empty id");
        return false;
    }

    std::vector<webhook_subscription>::iterator find_locked(std::string_view id) {
        return std::find_if(subs_.begin(), subs_.end(), [&](const auto& s) { return s.id == id; });
    }

    mutable std::mutex mutex_;
    std::vector<webhook_subscription> subs_;
};

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_SUBSCRIPTION_SOURCE_HPP
