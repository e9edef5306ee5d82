//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"
#include "../progress.hpp"

#include <iostream>

#include <hookbox/time_format.hpp>

namespace hookbox_cli {

void read_replay(const invocation& inv, request& rq) {
    hookbox::delivery_filter& f = rq.filter;
    if (auto* v = inv.value("--webhook"))
        f.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--status"))
        f.status = parse_status("--status", *v, true);
    if (auto* v = inv.value("--since"))
        f.created_from = parse_time("--since", *v, rq.now);
    if (auto* v = inv.value("--until"))
        f.created_before = parse_time("--until", *v, rq.now);
    if (f.created_from && f.created_before && *f.created_before <= *f.created_from)
        usage_error("--until",
                    "--until: must be later than --since (" + hookbox::format_timestamp(*f.created_before) +
                        " is not after " + hookbox::format_timestamp(*f.created_from) + ")",
                    "replay");
    if (selects_everything(f) && !inv.flag("--all") && !inv.flag("--dry-run"))
        usage_error(
            "--all",
            "replay with no filter would send every finished delivery again: give --webhook, --status, "
            "--since or --until, or add --all",
            "replay");
}

int run_replay(const invocation& inv, const request& rq, outbox_file& ob) {
    // Only rows finished before the command started: a replayed row that a dispatcher sends and
    // finishes again while the replay is still stepping through the table is not replayed twice.
    hookbox::delivery_filter f = rq.filter;
    f.updated_before = rq.now;
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    if (inv.flag("--dry-run")) {
        const std::size_t n = ob.count(f, true, ec, diag);
        if (ec)
            library_error(ec, diag);
        if (inv.json)
            print_count(true, "would_replay", n);
        else
            std::cout << "would replay " << n << (n == 1 ? " delivery" : " deliveries")
                      << " (dry run: nothing changed)\n";
        return exit_ok;
    }
    progress shown("replay", inv.flag("--progress"));
    const std::size_t n = ob.replay(f, shown.callback(), ec, diag);
    if (ec)
        library_error(ec, diag);
    print_count(inv.json, "replayed", n);
    return exit_ok;
}

}  // namespace hookbox_cli
