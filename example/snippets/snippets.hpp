//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_EXAMPLE_SNIPPETS_SNIPPETS_HPP
#define HOOKBOX_EXAMPLE_SNIPPETS_SNIPPETS_HPP

// What the snippet translation units share: a check that stops the program with a message, and the
// functions main.cpp runs.

#include <stdexcept>
#include <string>

namespace snippets {

inline void check(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("check failed: " + what);
}

// Runs every runnable snippet of core.cpp (outbox, SQLite, operations, state, fan-out, concepts).
void run_core();

// Runs every runnable snippet of http.cpp (signing, the address policy, senders, dispatchers).
void run_http();

}  // namespace snippets

#endif  // HOOKBOX_EXAMPLE_SNIPPETS_SNIPPETS_HPP
