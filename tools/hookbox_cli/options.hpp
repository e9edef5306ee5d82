//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_OPTIONS_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_OPTIONS_HPP

// The command line: the table of commands with their options and help, the parser that turns the
// arguments into an `invocation`, and the readers of option values. Every reader checks its value
// and throws a usage error naming the option and the rule, before any database is opened.

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox_cli {

struct option_spec {
    std::string_view name;
    bool takes_value;
};

struct command_spec {
    std::string_view name;
    std::string_view summary;
    bool needs_id;  // a second positional argument: <id>
    bool writes;    // opened read-write
    std::vector<option_spec> options;
    std::string_view help;
    std::size_t max_arguments = 0;  // positional arguments it may take, when more than needs_id says
};

// stats, list, show, redeliver, replay, purge, watch, completion, in the order the help lists them.
const std::vector<command_spec>& command_table();

const command_spec* find_command(std::string_view name);

// The options every command takes (--json, --table, -h, --help, --version), as the parser reads them.
const std::vector<option_spec>& global_options();

// "stats, list, ... or completion": the commands, for the errors that name them.
std::string command_names();

// The text of `hookbox --help`.
std::string global_help();

// What the command line asks for.
struct invocation {
    bool json = false;
    bool help = false;
    bool version = false;
    std::string table = "sys_webhook_delivery";
    const command_spec* command = nullptr;
    bool help_command = false;  // `hookbox help [<command>]`
    std::vector<std::string> positionals;
    std::vector<std::pair<std::string, std::string>> values;  // options with a value
    std::vector<std::string> flags;                           // options without one

    const std::string* value(std::string_view name) const;
    bool flag(std::string_view name) const;
};

// Throws a usage error for an unknown command or option, an option given twice, a missing value,
// a value given to a flag, or a --table that is no identifier.
invocation parse_command_line(std::span<const std::string> args);

// The command's positional arguments: <database>, and <id> for the commands that need one (unless
// --event stands for it).
void check_arguments(const invocation& inv);

// Prints `text` as it is, or as {"help": text}.
void print_help(bool as_json, const std::string& text);

// ----- option values -----

std::size_t parse_count(const std::string& option, std::string_view s, std::size_t min, std::size_t max);
std::uint64_t parse_cursor(const std::string& option, std::string_view s);
hookbox::delivery_id parse_id(std::string_view s);
hookbox::delivery_status parse_status(const std::string& option, std::string_view s, bool terminal_only);
std::string parse_webhook(const std::string& option, std::string_view s);
// An event id as enqueue takes it: 1 to 128 bytes of UTF-8.
std::string parse_event(const std::string& option, std::string_view s);
// TIME: a UTC time, or an age before `now` (hookbox::parse_time).
hookbox::timestamp parse_time(const std::string& option, std::string_view s, hookbox::timestamp now);

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_OPTIONS_HPP
