//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// `hookbox`: inspects and repairs an outbox database (SQLite) through the library's public
// operations. It never creates or migrates a database: a file that is missing, that has no delivery
// table, or whose table is at another schema version than this build knows is refused untouched.
//
// Exit status: 0 success; 1 the operation failed on a valid request (not_found, not_eligible);
// 2 usage error; 3 database error. See `hookbox --help` and doc/cli.md.
//
// This file dispatches to the commands and turns every failure into one report and one exit status.

#include "commands.hpp"
#include "failure.hpp"
#include "format.hpp"
#include "options.hpp"
#include "outbox_file.hpp"

#include <hookbox/clock.hpp>
#include <hookbox/error.hpp>
#include <hookbox/version.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox_cli {
namespace {

struct command_entry {
    std::string_view name;
    void (*read)(const invocation&, request&);
    int (*run)(const invocation&, const request&, outbox_file&);
};

constexpr command_entry entries[] = {
    {"stats", read_stats, run_stats},    {"list", read_list, run_list},
    {"show", read_show, run_show},       {"redeliver", read_redeliver, run_redeliver},
    {"replay", read_replay, run_replay}, {"purge", read_purge, run_purge},
    {"endpoints", read_endpoints, run_endpoints}, {"vacuum", read_vacuum, run_vacuum},
    {"watch", read_watch, run_watch},
};

int dispatch(const invocation& inv) {
    const command_spec& c = *inv.command;
    if (c.name == "completion")
        return run_completion(inv);
    const auto e = std::find_if(std::begin(entries), std::end(entries),
                                [&](const command_entry& x) { return x.name == c.name; });
    if (e == std::end(entries))
        throw failure{exit_database,
                      "internal_error",
                      "command",
                      "internal error: no code for the command '" + std::string(c.name) + "'",
                      {}};
    check_arguments(inv);
    // Everything the command line says is checked before the database is touched.
    request rq;
    std::chrono::system_clock clock;
    rq.now = hookbox::now_ms(clock);
    e->read(inv, rq);
    outbox_file ob = outbox_file::open(inv.positionals[0], inv.table, writes(inv, rq));
    return e->run(inv, rq, ob);
}

int run(int argc, char** argv) {
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    bool as_json = std::find(args.begin(), args.end(), "--json") != args.end();
    std::string command;  // for the help hint of a usage error found after parsing
    try {
        invocation inv = parse_command_line(args);
        as_json = inv.json;
        if (inv.command)
            command = std::string(inv.command->name);
        if (inv.version) {
            if (inv.json) {
                boost::json::object o;
                o["version"] = HOOKBOX_VERSION_STRING;
                emit(o);
            } else {
                std::cout << "hookbox " HOOKBOX_VERSION_STRING "\n";
            }
            return exit_ok;
        }
        if (inv.help || inv.help_command) {
            print_help(inv.json, inv.command ? std::string(inv.command->help) : global_help());
            return exit_ok;
        }
        if (!inv.command)
            usage_error("command", "missing command: expected " + command_names());
        return dispatch(inv);
    } catch (failure& f) {
        if (f.status == exit_usage && f.command.empty())
            f.command = command;
        report(as_json, f);
        return f.status;
    } catch (const hookbox::error_with_diagnostics& e) {
        failure f = to_failure(e.code(), e.get_diagnostics());
        report(as_json, f);
        return f.status;
    } catch (const std::bad_alloc&) {
        report(as_json, failure{exit_database, "out_of_memory", "", "out of memory", {}});
        return exit_database;
    } catch (const std::exception& e) {
        report(
            as_json,
            failure{exit_database, "internal_error", "", std::string("unexpected error: ") + e.what(), {}});
        return exit_database;
    }
}

}  // namespace
}  // namespace hookbox_cli

int main(int argc, char** argv) {
    try {
        int status = hookbox_cli::run(argc, argv);
        std::cout.flush();
        if (!std::cout) {
            std::cerr << "hookbox: cannot write to standard output\n";
            return hookbox_cli::exit_database;
        }
        return status;
    } catch (...) {
        // Reporting itself failed (for example, out of memory while formatting): still no exception escapes.
        return hookbox_cli::exit_database;
    }
}
