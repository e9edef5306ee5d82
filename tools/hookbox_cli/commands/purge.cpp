//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"
#include "../progress.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace hookbox_cli {

void read_purge(const invocation& inv, request& rq) {
    hookbox::delivery_filter& f = rq.filter;
    if (auto* v = inv.value("--webhook"))
        f.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--status"))
        f.status = parse_status("--status", *v, false);
    if (auto* v = inv.value("--before"))
        f.updated_before = parse_time("--before", *v, rq.now);
    if (inv.flag("--dry-run")) {
        if (inv.flag("--vacuum"))
            usage_error("--vacuum", "--vacuum: a dry run deletes nothing, so there is nothing to vacuum", "purge");
        return;  // deletes nothing: needs neither --yes nor --all
    }
    if (!inv.flag("--yes"))
        usage_error("--yes", "purge deletes deliveries for good: add --yes to confirm", "purge");
    if (selects_everything(f) && !inv.flag("--all"))
        usage_error("--all",
                    "purge with no filter would delete every delivery: give --webhook, --status or --before, "
                    "or add --all",
                    "purge");
}

int run_purge(const invocation& inv, const request& rq, outbox_file& ob) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    if (inv.flag("--dry-run")) {
        const std::size_t n = ob.count(rq.filter, false, ec, diag);
        if (ec)
            library_error(ec, diag);
        if (inv.json)
            print_count(true, "would_purge", n);
        else
            std::cout << "would purge " << n << (n == 1 ? " delivery" : " deliveries")
                      << " (dry run: nothing changed)\n";
        return exit_ok;
    }
    std::size_t n = 0;
    {
        progress shown("purge", inv.flag("--progress"));
        n = ob.purge(rq.filter, shown.callback(), ec, diag);
    }
    if (ec)
        library_error(ec, diag);
    if (!inv.flag("--vacuum")) {
        print_count(inv.json, "purged", n);
        return exit_ok;
    }
    ob.vacuum(ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        boost::json::object o;
        o["purged"] = n;
        o["vacuumed"] = true;
        emit(o);
    } else {
        print_count(false, "purged", n);
        std::cout << "vacuumed\n";
    }
    return exit_ok;
}

}  // namespace hookbox_cli
