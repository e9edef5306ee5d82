//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/partition.hpp>
#include <hookbox/validate.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookbox_cli {

namespace {

// A state table name, as the state store takes it.
bool is_state_table_name(const std::string& s) noexcept {
    if (s.empty() || s.size() > 46 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// One line of the listing.
struct endpoint_line {
    std::string webhook_id;
    std::string state;  // disabled, circuit open, failing, healthy
    std::optional<hookbox::timestamp> since;
    std::string reason;
    int failures = 0;
    std::size_t dead = 0;
    std::size_t retrying = 0;
};

std::string state_of(const hookbox::endpoint_state& s) {
    if (s.disabled)
        return "disabled";
    if (s.open_until)
        return "circuit open";
    return "failing";
}

int list(const invocation& inv, const request& rq, outbox_file& ob) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    bool kept = false;
    auto kept_states = ob.endpoints(rq.endpoint.state_table, kept, ec, diag);
    if (ec)
        library_error(ec, diag);
    auto failing = ob.failures(hookbox::limits::list_limit, ec, diag);
    if (ec)
        library_error(ec, diag);
    std::map<std::string, const hookbox::webhook_failures*> rows_of;
    for (const auto& f : failing)
        rows_of.emplace(f.webhook_id, &f);

    std::vector<endpoint_line> lines;
    std::set<std::string> listed;
    for (const auto& [id, st] : kept_states) {
        endpoint_line l;
        l.webhook_id = id;
        l.state = state_of(st);
        l.since = st.disabled ? st.disabled_at : st.failing_since;
        l.reason = st.disabled_reason;
        l.failures = st.consecutive_failures;
        if (auto it = rows_of.find(id); it != rows_of.end()) {
            l.dead = it->second->dead;
            l.retrying = it->second->retrying;
        }
        listed.insert(id);
        lines.push_back(std::move(l));
    }
    // Webhooks with dead or retrying rows whose endpoint is healthy, most failing first.
    for (const auto& f : failing) {
        if (listed.contains(f.webhook_id))
            continue;
        endpoint_line l;
        l.webhook_id = f.webhook_id;
        l.state = "healthy";
        l.dead = f.dead;
        l.retrying = f.retrying;
        lines.push_back(std::move(l));
    }

    if (inv.json) {
        boost::json::array a;
        for (const auto& l : lines) {
            boost::json::object o;
            o["webhook_id"] = l.webhook_id;
            o["state"] = l.state;
            o["since"] = opt_time(l.since);
            o["reason"] = l.reason.empty() ? boost::json::value(nullptr) : boost::json::value(l.reason);
            o["consecutive_failures"] = l.failures;
            o["dead"] = l.dead;
            o["retrying"] = l.retrying;
            a.push_back(std::move(o));
        }
        boost::json::object o;
        o["health_kept"] = kept;
        o["endpoints"] = std::move(a);
        emit(o);
        return exit_ok;
    }
    if (!kept)
        std::cout << "no endpoint health is kept in this database (no state table '"
                  << rq.endpoint.state_table << "')\n";
    if (lines.empty()) {
        std::cout << "endpoints: none disabled, failing or with dead or retrying rows\n";
        return exit_ok;
    }
    std::size_t w = 7;
    for (const auto& l : lines)
        w = std::max(w, printable(l.webhook_id).size());
    const text_table table({{"WEBHOOK", w},
                            {"STATE", 12},
                            {"SINCE", 24},
                            {"FAILURES", 8, align::right},
                            {"DEAD", 4, align::right},
                            {"RETRYING", 8, align::right},
                            {"REASON"}});
    table.print_header(std::cout);
    for (const auto& l : lines)
        table.print_row(std::cout,
                        {printable(l.webhook_id), l.state, or_dash(l.since), std::to_string(l.failures),
                         std::to_string(l.dead), std::to_string(l.retrying),
                         l.reason.empty() ? std::string("-") : printable(clip(l.reason, 120))});
    return exit_ok;
}

}  // namespace

void read_endpoints(const invocation& inv, request& rq) {
    endpoint_request& e = rq.endpoint;
    if (inv.positionals.size() > 1)
        e.action = inv.positionals[1];
    if (e.action != "list" && e.action != "disable" && e.action != "enable")
        usage_error("action",
                    "endpoints: '" + printable(clip(e.action, 64)) + "' must be list, disable or enable",
                    "endpoints");
    if (e.action == "list" && inv.positionals.size() > 2)
        usage_error("argument",
                    "endpoints list: unexpected argument '" + printable(clip(inv.positionals[2], 64)) + "'",
                    "endpoints");
    if (e.action != "list") {
        if (inv.positionals.size() < 3)
            usage_error("webhook", "endpoints " + e.action + ": missing argument <webhook>", "endpoints");
        e.webhook_id = parse_webhook("webhook", inv.positionals[2]);
    }
    if (auto* v = inv.value("--reason")) {
        if (e.action != "disable")
            usage_error("--reason", "--reason: only 'endpoints disable' takes a reason", "endpoints");
        if (v->size() > 1024)
            usage_error("--reason", "--reason: is " + std::to_string(v->size()) +
                                        " bytes long; a reason has at most 1024");
        if (!hookbox::is_valid_utf8(*v))
            usage_error("--reason", "--reason: must be UTF-8 text");
        e.reason = *v;
    }
    if (auto* v = inv.value("--state-table")) {
        if (!is_state_table_name(*v))
            usage_error("--state-table", "--state-table: '" + printable(clip(*v, 64)) +
                                             "' must be 1 to 46 letters, digits or underscores, not starting "
                                             "with a digit");
        e.state_table = *v;
    }
}

int run_endpoints(const invocation& inv, const request& rq, outbox_file& ob) {
    const endpoint_request& e = rq.endpoint;
    if (e.action == "list")
        return list(inv, rq, ob);
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    if (e.action == "disable") {
        auto st = ob.disable_endpoint(e.state_table, e.webhook_id, e.reason, rq.now, ec, diag);
        if (ec)
            library_error(ec, diag);
        if (inv.json) {
            boost::json::object o;
            o["disabled"] = e.webhook_id;
            o["reason"] = e.reason.empty() ? boost::json::value(nullptr) : boost::json::value(e.reason);
            o["disabled_at"] = opt_time(st.disabled_at);
            emit(o);
        } else {
            std::cout << "disabled " << printable(e.webhook_id)
                      << ": running dispatchers stop sending to it within their reload interval\n";
        }
        return exit_ok;
    }
    const bool was = ob.enable_endpoint(e.state_table, e.webhook_id, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        boost::json::object o;
        o["enabled"] = e.webhook_id;
        o["was_kept"] = was;
        emit(o);
    } else if (was) {
        std::cout << "enabled " << printable(e.webhook_id)
                  << ": running dispatchers send to it again within their reload interval\n";
    } else {
        std::cout << printable(e.webhook_id) << " was neither disabled nor failing: nothing to enable\n";
    }
    return exit_ok;
}

}  // namespace hookbox_cli
