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
/// (or the next one to serve the same partitions) starts from what was known.

#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/error.hpp>
#include <hookbox/state/state_store.hpp>

#include <string>
#include <utility>
#include <vector>

namespace hookbox {

/// An `endpoint_health_store` over a `basic_state_store`: one entry per endpoint that is not
/// healthy, in plugin `plugin_id` (default `hookbox`), instance scope, namespace `name_space`
/// (default `endpoint_health`), keyed by webhook id, holding the JSON form of `endpoint_state`
/// (`to_json`). An endpoint that becomes healthy again has its entry erased.
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
        state_key k;
        k.kind = scope_kind::instance;
        k.name_space = name_space_;
        k.key = webhook_id;
        if (s.healthy())
            store_.erase(plugin_id_, k, ec, diag);
        else
            store_.set(plugin_id_, k, to_json(s), ec, diag);
    }

private:
    Store& store_;
    std::string plugin_id_;
    std::string name_space_;
};

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_HEALTH_STORE_HPP
