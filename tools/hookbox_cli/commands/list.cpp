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

void read_list(const invocation& inv, request& rq) {
    rq.list.limit = 50;
    if (auto* v = inv.value("--status"))
        rq.list.status = parse_status("--status", *v, false);
    if (auto* v = inv.value("--webhook"))
        rq.list.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--event"))
        rq.list.event_id = parse_event("--event", *v);
    if (auto* v = inv.value("--since"))
        rq.list.created_from = parse_time("--since", *v, rq.now);
    if (auto* v = inv.value("--until"))
        rq.list.created_before = parse_time("--until", *v, rq.now);
    if (rq.list.created_from && rq.list.created_before && !(*rq.list.created_from < *rq.list.created_before))
        usage_error("--until", "--until: must be later than --since (the rows listed are enqueued at or after "
                               "--since and before --until)");
    if (auto* v = inv.value("--limit"))
        rq.list.limit = parse_count("--limit", *v, 1, 10000);
    if (auto* v = inv.value("--after"))
        rq.list.after_sequence = parse_cursor("--after", *v);
}

int run_list(const invocation& inv, const request& rq, outbox_file& ob) {
    namespace json = boost::json;
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto page = ob.list(rq.list, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        json::array items;
        for (const auto& d : page.items)
            items.push_back(summary_json(d));
        json::object o;
        o["items"] = std::move(items);
        o["next_cursor"] = page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr);
        emit(o);
        return exit_ok;
    }
    if (page.items.empty()) {
        std::cout << "no deliveries\n";
        return exit_ok;
    }
    print_delivery_table(page.items);
    if (page.next_cursor)
        std::cout << "next page: --after " << *page.next_cursor << '\n';
    return exit_ok;
}

void print_delivery_table(const std::vector<hookbox::delivery>& items) {
    // Webhook ids and event types are cut after 40 bytes, and the columns sized for at most that.
    std::size_t ww = 7, we = 10;
    for (const auto& d : items) {
        ww = std::max(ww, std::min<std::size_t>(printable(d.webhook_id).size(), 40));
        we = std::max(we, std::min<std::size_t>(printable(d.event_type).size(), 40));
    }
    const text_table table({{"ID", 36},
                            {"STATUS", 9},
                            {"ATT", 3, align::right},
                            {"WEBHOOK", ww},
                            {"EVENT TYPE", we},
                            {"UPDATED", 24},
                            {"CODE", 4},
                            {"ERROR"}});
    table.print_header(std::cout);
    for (const auto& d : items)
        table.print_row(std::cout,
                        {d.id.to_string(), std::string(to_string(d.status)), std::to_string(d.attempts),
                         printable(clip(d.webhook_id, 40)), printable(clip(d.event_type, 40)),
                         hookbox::format_timestamp(d.updated_at), or_dash(d.response_code),
                         d.error ? printable(clip(*d.error, 100)) : std::string("-")});
}

}  // namespace hookbox_cli
