//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/time_format.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

namespace hookbox_cli {

void read_stats(const invocation& inv, request& rq) {
    if (auto* v = inv.value("--top"))
        rq.top = parse_count("--top", *v, 0, 1000);
}

int run_stats(const invocation& inv, const request& rq, outbox_file& ob) {
    namespace json = boost::json;
    using hookbox::delivery_status;
    const std::size_t top = rq.top;
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto st = ob.stats(ec, diag);
    if (ec)
        library_error(ec, diag);
    std::vector<hookbox::webhook_failures> failing;
    if (top > 0) {
        failing = ob.failures(top, ec, diag);
        if (ec)
            library_error(ec, diag);
    }
    if (inv.json) {
        json::object by;
        for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
            by[to_string(static_cast<delivery_status>(i))] = st.by_status[i];
        json::array fs;
        for (const auto& f : failing) {
            json::object o;
            o["webhook_id"] = f.webhook_id;
            o["dead"] = f.dead;
            o["retrying"] = f.retrying;
            o["last_error"] = opt_text(f.last_error);
            o["last_failed_at"] = opt_time(f.last_failed_at);
            fs.push_back(std::move(o));
        }
        json::object o;
        o["by_status"] = std::move(by);
        o["total"] = st.total();
        o["oldest_pending_age_ms"] =
            st.oldest_pending_age ? json::value(st.oldest_pending_age->count()) : json::value(nullptr);
        o["failures"] = std::move(fs);
        emit(o);
        return exit_ok;
    }
    const text_table counts({{"status", 10}, {"rows", 5, align::right}}, "");
    counts.print_header(std::cout);
    for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
        counts.print_row(std::cout, {std::string(to_string(static_cast<delivery_status>(i))),
                                     std::to_string(st.by_status[i])});
    counts.print_row(std::cout, {"total", std::to_string(st.total())});
    std::cout << "\noldest pending: "
              << (st.oldest_pending_age ? hookbox::format_duration(*st.oldest_pending_age)
                                        : std::string("none"))
              << '\n';
    if (top == 0)
        return exit_ok;
    if (failing.empty()) {
        std::cout << "failing webhooks: none\n";
        return exit_ok;
    }
    std::cout << "\nfailing webhooks (dead, or pending after a failed attempt):\n";
    std::size_t w = 7;
    for (const auto& f : failing)
        w = std::max(w, printable(f.webhook_id).size());
    const text_table table({{"WEBHOOK", w},
                            {"DEAD", 4, align::right},
                            {"RETRYING", 8, align::right},
                            {"LAST FAILURE", 24},
                            {"LAST ERROR"}});
    table.print_header(std::cout);
    for (const auto& f : failing)
        table.print_row(std::cout, {printable(f.webhook_id), std::to_string(f.dead),
                                    std::to_string(f.retrying), or_dash(f.last_failed_at),
                                    f.last_error ? printable(clip(*f.last_error, 120)) : std::string("-")});
    return exit_ok;
}

}  // namespace hookbox_cli
