//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_FAILURE_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_FAILURE_HPP

// How the tool fails: its exit statuses, and the one exception that every error path throws and
// main.cpp catches, so that each failure is reported once, in text or JSON, with one exit status.

#include <string>
#include <utility>

namespace hookbox_cli {

enum exit_status : int {
    exit_ok = 0,
    exit_failed = 1,    // a valid request the outbox refused: not_found, not_eligible
    exit_usage = 2,     // the command line is wrong
    exit_database = 3,  // the database is missing, not an outbox, too old or new, corrupt, busy, failing
};

struct failure {
    int status = exit_usage;
    std::string code;     // "usage_error", "not_found", "not_an_outbox", ...
    std::string field;    // the option or argument at fault ("--since", "id", "database"), or empty
    std::string message;  // a full sentence naming the field and the rule
    std::string command;  // for usage errors: the command whose help to point at, if known
};

// `command` may stay empty: main.cpp fills in the command being run.
[[noreturn]] inline void usage_error(std::string field, std::string message, std::string command = {}) {
    throw failure{exit_usage, "usage_error", std::move(field), std::move(message), std::move(command)};
}

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_FAILURE_HPP
