//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/time_format.hpp>

#include <boost/json/object.hpp>

#include <iostream>
#include <string>

namespace hookbox_cli {

void read_redeliver(const invocation& inv, request& rq) {
    rq.id = parse_id(inv.positionals[1]);
}

int run_redeliver(const invocation& inv, const request& rq, outbox_file& ob) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto d = ob.redeliver(rq.id, ec, diag);
    if (ec) {
        // The row the <id> argument names is missing or not finished: the argument is at fault.
        if (ec == hookbox::errc::not_found || ec == hookbox::errc::not_eligible)
            diag.assign("id", diag.message());
        library_error(ec, diag);
    }
    if (inv.json) {
        boost::json::object o;
        o["id"] = d.id.to_string();
        o["status"] = std::string(to_string(d.status));
        o["attempts"] = d.attempts;
        o["updated_at"] = hookbox::format_timestamp(d.updated_at);
        emit(o);
        return exit_ok;
    }
    std::cout << "redelivered " << d.id << ": status " << to_string(d.status) << '\n';
    return exit_ok;
}

}  // namespace hookbox_cli
