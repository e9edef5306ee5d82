//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"

#include <boost/json/object.hpp>

#include <iostream>

namespace hookbox_cli {

void read_vacuum(const invocation&, request&) {}

int run_vacuum(const invocation& inv, const request&, outbox_file& ob) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    ob.vacuum(ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        boost::json::object o;
        o["vacuumed"] = true;
        emit(o);
    } else {
        std::cout << "vacuumed\n";
    }
    return exit_ok;
}

}  // namespace hookbox_cli
