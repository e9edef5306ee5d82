//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_HEALTH_STORE_HPP
#define HOOKBOX_DISPATCH_HEALTH_STORE_HPP

/// \file
/// `state_store_health`: keeps endpoint health in a `basic_state_store`, so that a dispatcher
/// (or the next one to serve the same partitions) starts from what was known, and so that an
/// operator can disable or enable an endpoint there for every dispatcher that uses the store.

#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/error.hpp>
#include <hookbox/state/state_store.hpp>
#include <hookbox/validate.hpp>

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hookbox {

/// An `endpoint_health_store` over a `basic_state_store`: one entry per endpoint that is not
/// healthy, in plugin `plugin_id` (default `hookbox`), instance scope, namespace `name_space`
/// (default `endpoint_health`), keyed by webhook id, holding the JSON form of `endpoint_state`
/// (`to_json`). An endpoint that becomes healthy again has its entry erased.
///
/// Operators change the entries with `disable` and `enable` (what `hookbox endpoints` does); a
/// running dispatcher reads the store again every `endpoint_health_params::reload_interval` and
/// follows them. A dispatcher never writes over such a decision: its `update` of a change that is
/// only the circuit's (failures counted, circuit opened or closed) reads the entry and keeps its
/// `disabled`, `disabled_reason` and `disabled_at`, written with `compare_and_set` so that a
/// decision made in between is not lost. Only the dispatcher's own decisions (410 Gone, continuous
/// failure, `dispatcher::enable_endpoint` and `disable_endpoint`) replace the stored one, as `save`
/// does. An update of the circuit alone that leaves the endpoint healthy keeps a healthy entry
/// rather than erasing it (an erase cannot be conditional); `load` returns it like the others, and
/// `endpoints` leaves it out.
///
/// `Store` is a `basic_state_store<Engine, Clock>`; it must outlive this object, and may be used
/// by other code at the same time (the shipped engines serialize statements).
template <class Store>
class state_store_health final : public endpoint_health_store {
public:
    explicit state_store_health(Store& store, std::string plugin_id = "hookbox",
                                std::string name_space = "endpoint_health")
        : store_(store), plugin_id_(std::move(plugin_id)), name_space_(std::move(name_space)) {}

    /// Every endpoint kept. An entry that cannot be read is skipped, and reported through `ec`
    /// (`errc::corrupt_row`, naming its key) after the others were read.
    std::vector<std::pair<std::string, endpoint_state>> load(error_code& ec, diagnostics& diag) override {
        ec.clear();
        std::vector<std::pair<std::string, endpoint_state>> out;
        error_code first_bad;
        diagnostics first_bad_diag;
        state_list_options o;
        o.kind = scope_kind::instance;
        o.name_space = name_space_;
        o.limit = 1000;
        for (;;) {
            auto page = store_.list(plugin_id_, o, ec, diag);
            if (ec)
                return out;
            for (auto& e : page.entries) {
                error_code eec;
                diagnostics ediag;
                auto st = endpoint_state_from_json(e.value, eec, ediag);
                if (eec) {
                    if (!first_bad) {
                        first_bad = eec;
                        first_bad_diag.assign(e.key.key, "endpoint health entry '" + e.key.key +
                                                             "': " + ediag.message());
                    }
                    continue;
                }
                out.emplace_back(e.key.key, std::move(st));
            }
            if (!page.has_more || page.entries.empty())
                break;
            o.after = page.entries.back().key;
        }
        if (first_bad) {
            ec = first_bad;
            diag = std::move(first_bad_diag);
        }
        return out;
    }

    /// Writes the endpoint's state, or erases its entry when it is healthy.
    void save(const std::string& webhook_id, const endpoint_state& s, error_code& ec, diagnostics& diag) override {
        const state_key k = key_of(webhook_id);
        if (s.healthy())
            store_.erase(plugin_id_, k, ec, diag);
        else
            store_.set(plugin_id_, k, to_json(s), ec, diag);
    }

    /// Saves a dispatcher's change, keeping the stored `disabled` decision unless `decides` (see
    /// above). Retries a few times when another writer changed the entry in between, then fails
    /// with `errc::version_conflict` (the dispatcher saves again later).
    void update(const std::string& webhook_id, const endpoint_state& s, bool decides, error_code& ec,
                diagnostics& diag) override {
        if (decides)
            return save(webhook_id, s, ec, diag);
        const state_key k = key_of(webhook_id);
        for (int tries = 0; tries < 8; ++tries) {
            auto cur = store_.get(plugin_id_, k, ec, diag);
            if (ec)
                return;
            endpoint_state stored;
            if (cur) {
                error_code jec;
                diagnostics jdiag;
                stored = endpoint_state_from_json(cur->value, jec, jdiag);  // unreadable: not disabled
            }
            endpoint_state next = s;
            next.disabled = stored.disabled;
            next.disabled_reason = stored.disabled_reason;
            next.disabled_at = stored.disabled_at;
            if (!cur && next.healthy())
                return;
            store_.compare_and_set(plugin_id_, k, to_json(next), cur ? cur->version : 0, ec, diag);
            if (ec != errc::version_conflict)
                return;
        }
    }

    /// The endpoints kept that are not healthy, by webhook id: what an operator lists. Errors as
    /// `load`.
    std::vector<std::pair<std::string, endpoint_state>> endpoints(error_code& ec, diagnostics& diag) {
        auto all = load(ec, diag);
        std::erase_if(all, [](const auto& e) { return e.second.healthy(); });
        return all;
    }

    /// Throwing overload of `endpoints`.
    std::vector<std::pair<std::string, endpoint_state>> endpoints() {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return endpoints(ec, diag); });
    }

    /// An operator's disable: the endpoint's entry becomes disabled with `reason` at `at`, keeping
    /// its circuit's counters. Returns the state written. A dispatcher using this store stops
    /// sending to it within its `reload_interval` (its rows are then released as `dead`).
    ///
    /// Errors: `errc::empty_field`, `errc::field_too_long` (over 64 bytes) or `errc::invalid_utf8`
    /// naming `webhook_id`; `errc::field_too_long` (over 1024 bytes) or `errc::invalid_utf8`
    /// naming `reason`; the store's errors.
    endpoint_state disable(const std::string& webhook_id, std::string reason, timestamp at, error_code& ec,
                           diagnostics& diag) {
        ec.clear();
        if (!detail::check_text("webhook_id", webhook_id, limits::webhook_id, true, ec, diag) ||
            (!reason.empty() && !detail::check_text("reason", reason, 1024, false, ec, diag)))
            return {};
        const state_key k = key_of(webhook_id);
        for (int tries = 0; tries < 8; ++tries) {
            auto cur = store_.get(plugin_id_, k, ec, diag);
            if (ec)
                return {};
            endpoint_state st;
            if (cur) {
                st = endpoint_state_from_json(cur->value, ec, diag);
                if (ec)
                    return {};
            }
            st.disabled = true;
            st.disabled_reason = reason;
            st.disabled_at = at;
            store_.compare_and_set(plugin_id_, k, to_json(st), cur ? cur->version : 0, ec, diag);
            if (ec != errc::version_conflict)
                return ec ? endpoint_state{} : st;
        }
        return {};
    }

    /// Throwing overload of `disable`.
    endpoint_state disable(const std::string& webhook_id, std::string reason, timestamp at) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return disable(webhook_id, std::move(reason), at, ec, diag); });
    }

    /// An operator's enable: the endpoint's entry is erased, so it is healthy again (enabled,
    /// circuit closed, failures forgotten), as `dispatcher::enable_endpoint` makes it. Returns
    /// whether it was kept as not healthy. A dispatcher using this store follows within its
    /// `reload_interval`.
    ///
    /// Errors: as `disable` for `webhook_id`; the store's errors.
    bool enable(const std::string& webhook_id, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::check_text("webhook_id", webhook_id, limits::webhook_id, true, ec, diag))
            return false;
        const state_key k = key_of(webhook_id);
        auto cur = store_.get(plugin_id_, k, ec, diag);
        if (ec)
            return false;
        bool was = false;
        if (cur) {
            error_code jec;
            diagnostics jdiag;
            was = !endpoint_state_from_json(cur->value, jec, jdiag).healthy() || jec;
        }
        store_.erase(plugin_id_, k, ec, diag);
        return !ec && was;
    }

    /// Throwing overload of `enable`.
    bool enable(const std::string& webhook_id) {
        return detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return enable(webhook_id, ec, diag); });
    }

private:
    state_key key_of(const std::string& webhook_id) const {
        state_key k;
        k.kind = scope_kind::instance;
        k.name_space = name_space_;
        k.key = webhook_id;
        return k;
    }

    Store& store_;
    std::string plugin_id_;
    std::string name_space_;
};

/// An `endpoint_health_store` in memory: the endpoints of one process that are not healthy, shared by
/// its dispatchers and an admin handler, and lost when the process ends. Thread-safe. A healthy state
/// is saved as "nothing to keep" (its entry is erased).
class memory_health_store final : public endpoint_health_store {
public:
    std::vector<std::pair<std::string, endpoint_state>> load(error_code& ec, diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        return {states_.begin(), states_.end()};
    }

    void save(const std::string& webhook_id, const endpoint_state& s, error_code& ec, diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        if (s.healthy())
            states_.erase(webhook_id);
        else
            states_[webhook_id] = s;
    }

private:
    std::mutex mutex_;
    std::map<std::string, endpoint_state> states_;
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_HEALTH_STORE_HPP
