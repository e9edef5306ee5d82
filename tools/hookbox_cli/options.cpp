//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "options.hpp"

#include "failure.hpp"
#include "format.hpp"

#include <hookbox/error.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/time_format.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iostream>
#include <limits>
#include <system_error>

namespace hookbox_cli {

namespace {

// A delivery table name, as the storage takes it.
bool is_table_name(std::string_view s) noexcept {
    if (s.empty() || s.size() > hookbox::max_delivery_table_name || (s[0] >= '0' && s[0] <= '9'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// ----- the command table -----

namespace {

command_spec watch_command() {
    return {"watch",
            "a live view, as top: rows per status and their rate, failing webhooks, latest deliveries",
            false,
            false,
            {{"--interval", true}, {"--webhook", true}, {"--count", true}, {"--once", false}},
            "Usage: hookbox [--json] [--table NAME] watch <database> [--interval SECONDS] [--webhook ID]\n"
            "                 [--count N | --once]\n"
            "\n"
            "Shows the outbox live, refreshed every interval until interrupted (Ctrl-C, SIGTERM; both\n"
            "exit 0): the rows in each status with their change since the previous refresh and that\n"
            "change per second, how long the oldest pending row has waited, the webhooks failing most,\n"
            "and the latest deliveries (of one webhook with --webhook). On a terminal the screen is\n"
            "redrawn in place; otherwise the frames follow one another. With --json, each frame is one\n"
            "JSON document on a line of its own.\n"
            "\n"
            "Options:\n"
            "  --interval SECONDS   time between refreshes, 0.1 to 3600 (default 2)\n"
            "  --webhook ID         the latest deliveries of this webhook only\n"
            "  --count N            stop after N frames, 1 to 1000000\n"
            "  --once               print one frame and exit (as --count 1)\n"};
}

command_spec completion_command() {
    return {"completion",
            "prints a shell completion script: bash, zsh or fish",
            false,
            false,
            {},
            "Usage: hookbox completion bash|zsh|fish\n"
            "\n"
            "Prints a script that completes hookbox's commands, options and option values in that\n"
            "shell. It takes no database. To use it:\n"
            "\n"
            "  bash   source <(hookbox completion bash)   (installed as\n"
            "         share/bash-completion/completions/hookbox)\n"
            "  zsh    hookbox completion zsh > \"${fpath[1]}/_hookbox\"\n"
            "  fish   hookbox completion fish > ~/.config/fish/completions/hookbox.fish\n"};
}

}  // namespace

const std::vector<command_spec>& command_table() {
    static const std::vector<command_spec> all{
        {"stats",
         "counts rows per status, the oldest pending row's age, the webhooks failing most",
         false,
         false,
         {{"--top", true}},
         "Usage: hookbox [--json] [--table NAME] stats <database> [--top N]\n"
         "\n"
         "Counts the rows in each status, shows how long the oldest pending row has waited, and\n"
         "lists the webhooks with the most failing rows (dead, or pending after a failed attempt)\n"
         "with their last error.\n"
         "\n"
         "Options:\n"
         "  --top N   how many failing webhooks to show, 0 to 1000 (default 10)\n"},
        {"list",
         "lists deliveries one per line, filtered by status, webhook, event and time, in pages",
         false,
         false,
         {{"--status", true},
          {"--webhook", true},
          {"--event", true},
          {"--since", true},
          {"--until", true},
          {"--limit", true},
          {"--after", true}},
         "Usage: hookbox [--json] [--table NAME] list <database> [--status S] [--webhook ID]\n"
         "                 [--event ID] [--since TIME] [--until TIME] [--limit N] [--after CURSOR]\n"
         "\n"
         "Prints one line per delivery, in enqueue order: id, status, attempts, webhook, event type,\n"
         "last update (UTC), last response code and last error. When more rows follow, the last\n"
         "line gives the cursor to pass to --after for the next page.\n"
         "\n"
         "Options:\n"
         "  --status S       only rows in status S: pending, in_flight, success, failed, dead\n"
         "  --webhook ID     only rows of this webhook\n"
         "  --event ID       only rows of this event (its event_id, exactly)\n"
         "  --since TIME     only rows enqueued at or after TIME\n"
         "  --until TIME     only rows enqueued before TIME\n"
         "  --limit N        at most N rows, 1 to 10000 (default 50)\n"
         "  --after CURSOR   the page after this cursor\n"
         "\n"
         "TIME: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m, 45s\n"
         "meaning now minus that.\n"},
        {"show",
         "shows every field of one delivery (by id, or by event), and its attempt history",
         true,
         false,
         {{"--event", true}, {"--webhook", true}},
         "Usage: hookbox [--json] [--table NAME] show <database> <id>\n"
         "       hookbox [--json] [--table NAME] show <database> --event ID [--webhook ID]\n"
         "\n"
         "Prints every field of the delivery <id> (a UUID) and the history of its attempts. The\n"
         "signing secret is never printed: 'signed' tells whether the delivery has one. Values of\n"
         "headers that carry credentials (Authorization, Cookie, names with token, secret,\n"
         "password or api-key) are shown as <redacted>.\n"
         "\n"
         "With --event, finds the deliveries of that event (the event_id given at enqueue), one per\n"
         "webhook it was sent to: when there is one, it is shown as above; when there are several,\n"
         "they are listed one per line, as 'list' prints them.\n"
         "\n"
         "Options:\n"
         "  --event ID     the deliveries of this event, in place of <id>\n"
         "  --webhook ID   with --event: only the delivery to this webhook\n"
         "\n"
         "Exits 1 when no delivery has this id, or this event.\n"},
        {"redeliver",
         "sends one finished (success, failed, dead) delivery again",
         true,
         true,
         {},
         "Usage: hookbox [--json] [--table NAME] redeliver <database> <id>\n"
         "\n"
         "Puts the delivery <id> back to pending with its attempt count reset, to be claimed at once;\n"
         "its url, payload, headers and secret are kept. Only success, failed and dead deliveries\n"
         "can be redelivered.\n"
         "\n"
         "Exits 1 when no delivery has this id, or when it is pending or in flight.\n"},
        {"replay",
         "sends finished deliveries again, selected by webhook, status and time",
         false,
         true,
         {{"--webhook", true}, {"--status", true}, {"--since", true}, {"--until", true}, {"--all", false},
          {"--dry-run", false}, {"--progress", false}},
         "Usage: hookbox [--json] [--table NAME] replay <database> [--webhook ID]\n"
         "                 [--status success|failed|dead] [--since TIME] [--until TIME] [--all]\n"
         "                 [--dry-run] [--progress]\n"
         "\n"
         "Puts every finished delivery (success, failed or dead) that matches the filters back to\n"
         "pending, as redeliver does for one, and prints how many. Pending and in-flight rows are\n"
         "never touched.\n"
         "\n"
         "Options:\n"
         "  --webhook ID    only rows of this webhook\n"
         "  --status S      only rows in status S: success, failed or dead\n"
         "  --since TIME    only rows enqueued at or after TIME\n"
         "  --until TIME    only rows enqueued before TIME\n"
         "  --all           required when no filter is given: replays every finished row\n"
         "  --dry-run       count the rows it would replay, and change nothing\n"
         "  --progress      print the rows done so far on stderr after each step of 1000 rows (by\n"
         "                  default only on a terminal, once the command has run for a second)\n"
         "\n"
         "TIME: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m, 45s\n"
         "meaning now minus that.\n"},
        {"purge",
         "deletes deliveries, selected by webhook, status and time (needs --yes)",
         false,
         true,
         {{"--webhook", true}, {"--status", true}, {"--before", true}, {"--yes", false}, {"--all", false},
          {"--dry-run", false}, {"--progress", false}, {"--vacuum", false}},
         "Usage: hookbox [--json] [--table NAME] purge <database> [--webhook ID] [--status S]\n"
         "                 [--before TIME] --yes [--all] [--dry-run] [--progress] [--vacuum]\n"
         "\n"
         "Deletes every delivery that matches the filters, whatever its status, with its attempt\n"
         "history, and prints how many. Deleted rows cannot be recovered.\n"
         "\n"
         "Options:\n"
         "  --webhook ID    only rows of this webhook\n"
         "  --status S      only rows in status S: pending, in_flight, success, failed, dead\n"
         "  --before TIME   only rows last updated before TIME\n"
         "  --yes           required: confirms the deletion\n"
         "  --all           required when no filter is given: deletes every row\n"
         "  --dry-run       count the rows it would delete, and change nothing (needs no --yes)\n"
         "  --progress      print the rows done so far on stderr after each step of 1000 rows (by\n"
         "                  default only on a terminal, once the command has run for a second)\n"
         "  --vacuum        then give the freed space back to the file system (see 'vacuum')\n"
         "\n"
         "TIME: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m, 45s\n"
         "meaning now minus that.\n"},
        {"endpoints",
         "lists endpoints disabled, failing or with an open circuit; disables and enables them",
         false,
         false,
         {{"--reason", true}, {"--state-table", true}},
         "Usage: hookbox [--json] [--table NAME] endpoints <database> [list] [--state-table NAME]\n"
         "       hookbox [--json] endpoints <database> disable <webhook> [--reason TEXT] [--state-table NAME]\n"
         "       hookbox [--json] endpoints <database> enable <webhook> [--state-table NAME]\n"
         "\n"
         "Endpoint health as dispatchers keep it in the state store of the same database\n"
         "(state_store_health). 'list' prints each endpoint that is disabled, has its circuit open or\n"
         "is failing, with the time it has been so, the reason, its consecutive failures, and its dead\n"
         "and retrying rows; then the webhooks that have dead or retrying rows while their endpoint\n"
         "is healthy. 'disable' stops the deliveries to an endpoint: a running dispatcher follows\n"
         "within its reload interval (5 s by default) and turns its rows dead without a request.\n"
         "'enable' lets them go again, closing its circuit; replay its dead rows then.\n"
         "\n"
         "Options:\n"
         "  --reason TEXT        why it is disabled, shown by 'list' (at most 1024 bytes)\n"
         "  --state-table NAME   the state store's table (default plugin_state)\n"
         "\n"
         "A database without the state table has no endpoint health kept: 'list' prints only the\n"
         "webhooks with dead or retrying rows, and disable and enable exit 3.\n",
         3},
        {"vacuum",
         "gives the space of deleted rows back to the file system",
         false,
         true,
         {},
         "Usage: hookbox [--json] [--table NAME] vacuum <database>\n"
         "\n"
         "SQLite: rewrites the file without the free pages that deleted rows left (VACUUM); it needs\n"
         "free disk space for a copy of the file, and waits for no other writer. PostgreSQL: runs\n"
         "VACUUM (ANALYZE) on the outbox's tables, which makes their space reusable and refreshes the\n"
         "planner's statistics. 'purge --vacuum' does the same after a purge.\n"},
        watch_command(),
        completion_command(),
    };
    return all;
}

const std::vector<option_spec>& global_options() {
    static const std::vector<option_spec> all{
        {"--json", false}, {"--table", true}, {"-h", false}, {"--help", false}, {"--version", false}};
    return all;
}

std::string command_names() {
    std::string out;
    const auto& all = command_table();
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i > 0)
            out += i + 1 == all.size() ? " or " : ", ";
        out += all[i].name;
    }
    return out;
}

const command_spec* find_command(std::string_view name) {
    for (const auto& c : command_table())
        if (c.name == name)
            return &c;
    return nullptr;
}

std::string global_help() {
    std::string out =
        "hookbox " HOOKBOX_VERSION_STRING ": inspect and repair a hookbox outbox database (SQLite)\n"
        "\n"
        "Usage: hookbox [--json] [--table NAME] <command> <database> [options]\n"
        "       hookbox help <command>\n"
        "       hookbox completion bash|zsh|fish\n"
        "\n"
        "Commands:\n";
    for (const auto& c : command_table())
        out += "  " + pad(std::string(c.name), 12) + std::string(c.summary) + "\n";
    out += "\n"
           "Options:\n"
           "  --json         print one JSON document on stdout, errors included\n"
           "  --table NAME   the delivery table (default sys_webhook_delivery)\n"
           "  -h, --help     this help; 'hookbox help <command>' or '<command> --help' for one command\n"
           "  --version      print the version\n"
           "\n"
           "TIME values: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m,\n"
           "45s meaning now minus that. Printed times are UTC.\n"
           "\n"
           "The database is never created or migrated: a missing file, a file without the delivery table\n"
           "or a table at another schema version is refused and left as it is. stats, list, show,\n"
           "endpoints list and the dry runs open it read-only.\n"
           "\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  the operation failed on a valid request (no such delivery, delivery not eligible)\n"
           "  2  usage error (unknown command or option, bad value, missing argument, purge without --yes)\n"
           "  3  database error (missing file, not an outbox database, schema too old or too new,\n"
           "     corrupt row, busy, I/O)\n";
    return out;
}

const std::string* invocation::value(std::string_view name) const {
    for (const auto& [n, v] : values)
        if (n == name)
            return &v;
    return nullptr;
}

bool invocation::flag(std::string_view name) const {
    return std::find(flags.begin(), flags.end(), name) != flags.end();
}

// ----- parsing -----

invocation parse_command_line(std::span<const std::string> args) {
    invocation inv;
    // --json is honoured wherever it is, so that even an error about an earlier argument is JSON.
    for (const auto& a : args) {
        if (a == "--")
            break;
        if (a == "--json")
            inv.json = true;
    }
    std::string command_name;  // for the help hint of usage errors
    bool options_done = false;
    bool table_given = false;
    auto seen = [&](std::string_view name) {
        return name == "--table" ? table_given : inv.value(name) != nullptr || inv.flag(name);
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!options_done && a == "--") {
            options_done = true;
            continue;
        }
        bool is_option = !options_done && a.size() > 1 && a[0] == '-';
        if (!is_option) {
            if (!inv.command && !inv.help_command) {
                if (a == "help") {
                    inv.help_command = true;
                    continue;
                }
                inv.command = find_command(a);
                if (!inv.command)
                    usage_error("command", "unknown command '" + printable(clip(a, 64)) +
                                               "': expected " + command_names());
                command_name = a;
                continue;
            }
            inv.positionals.push_back(a);
            continue;
        }
        std::string name = a, inline_value;
        bool has_inline = false;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            inline_value = a.substr(eq + 1);
            has_inline = true;
        }
        auto no_value = [&] {
            if (has_inline)
                usage_error(name, name + ": takes no value", command_name);
        };
        if (name == "--json") {
            no_value();
            continue;
        }
        if (name == "-h" || name == "--help") {
            no_value();
            inv.help = true;
            continue;
        }
        if (name == "--version") {
            no_value();
            inv.version = true;
            continue;
        }
        const option_spec* spec = nullptr;
        static const option_spec table_option{"--table", true};
        if (name == "--table") {
            spec = &table_option;
        } else if (inv.command) {
            for (const auto& o : inv.command->options)
                if (o.name == name)
                    spec = &o;
        }
        if (!spec) {
            if (inv.command)
                usage_error(name,
                            "unknown option '" + printable(clip(name, 64)) + "' for '" + command_name +
                                "'; see 'hookbox help " + command_name + "'",
                            command_name);
            usage_error(name, "unknown option '" + printable(clip(name, 64)) +
                                  "' (a command's options go after the command)");
        }
        if (seen(spec->name))
            usage_error(name, name + ": given twice", command_name);
        if (!spec->takes_value) {
            no_value();
            inv.flags.push_back(name);
            continue;
        }
        std::string v;
        if (has_inline) {
            v = inline_value;
        } else {
            if (i + 1 >= args.size())
                usage_error(name, name + ": needs a value", command_name);
            v = args[++i];
        }
        if (name == "--table") {
            if (!is_table_name(v))
                usage_error("--table", "--table: '" + printable(clip(v, 64)) + "' must be 1 to " +
                                           std::to_string(hookbox::max_delivery_table_name) +
                                           " letters, digits or underscores, not starting with a digit");
            inv.table = v;
            table_given = true;
            continue;
        }
        inv.values.emplace_back(name, std::move(v));
    }
    if (inv.help_command && !inv.positionals.empty()) {
        if (inv.positionals.size() > 1)
            usage_error("command", "'hookbox help' takes one command name");
        inv.command = find_command(inv.positionals.front());
        if (!inv.command)
            usage_error("command", "unknown command '" + printable(clip(inv.positionals.front(), 64)) +
                                       "': expected " + command_names());
        inv.positionals.clear();
    }
    return inv;
}

void check_arguments(const invocation& inv) {
    const command_spec& c = *inv.command;
    // A command that takes --event (show) takes it in place of <id>.
    const bool id_by_event = c.needs_id && inv.value("--event") != nullptr;
    const std::size_t wanted = c.needs_id && !id_by_event ? 2 : 1;
    const std::size_t most = std::max(wanted, c.max_arguments);
    if (inv.positionals.empty())
        usage_error("database", std::string(c.name) + ": missing argument <database>", std::string(c.name));
    if (inv.positionals.size() < wanted)
        usage_error("id", std::string(c.name) + ": missing argument <id>", std::string(c.name));
    if (inv.positionals.size() > wanted && id_by_event)
        usage_error("--event", std::string(c.name) + ": give <id> or --event, not both", std::string(c.name));
    if (inv.positionals.size() > most)
        usage_error("argument",
                    std::string(c.name) + ": unexpected argument '" +
                        printable(clip(inv.positionals[most], 64)) + "'",
                    std::string(c.name));
}

void print_help(bool as_json, const std::string& text) {
    if (as_json) {
        boost::json::object o;
        o["help"] = text;
        emit(o);
    } else {
        std::cout << text;
    }
}

// ----- option values -----

std::size_t parse_count(const std::string& option, std::string_view s, std::size_t min, std::size_t max) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!all_digits(s) || ec != std::errc() || end != s.data() + s.size() || v < min || v > max)
        usage_error(option, option + ": '" + printable(clip(std::string(s), 64)) +
                                "' must be a whole number from " + std::to_string(min) + " to " +
                                std::to_string(max));
    return static_cast<std::size_t>(v);
}

std::uint64_t parse_cursor(const std::string& option, std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!all_digits(s) || ec != std::errc() || end != s.data() + s.size() ||
        v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        usage_error(option, option + ": '" + printable(clip(std::string(s), 64)) +
                                "' must be a cursor printed by a previous 'list' (a whole number)");
    return v;
}

hookbox::delivery_id parse_id(std::string_view s) {
    hookbox::error_code ec;
    auto id = hookbox::delivery_id::parse(s, ec);
    if (ec)
        usage_error("id",
                    "id: '" + printable(clip(std::string(s), 64)) +
                        "' is not a delivery id: expected a canonical UUID (8-4-4-4-12 hexadecimal digits)");
    return id;
}

hookbox::delivery_status parse_status(const std::string& option, std::string_view s, bool terminal_only) {
    auto st = hookbox::parse_delivery_status(s);
    if (!st || (terminal_only && !hookbox::is_terminal(*st)))
        usage_error(option, option + ": '" + printable(clip(std::string(s), 64)) + "' must be one of: " +
                                (terminal_only ? "success, failed, dead"
                                               : "pending, in_flight, success, failed, dead"));
    return *st;
}

std::string parse_webhook(const std::string& option, std::string_view s) {
    if (s.empty())
        usage_error(option, option + ": must not be empty");
    if (s.size() > 64)
        usage_error(option,
                    option + ": is " + std::to_string(s.size()) + " bytes long; a webhook id has at most 64");
    return std::string(s);
}

std::string parse_event(const std::string& option, std::string_view s) {
    hookbox::list_options probe;
    probe.event_id = std::string(s);
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    if (!hookbox::validate(probe, ec, diag)) {
        // The library's message names its field (event_id): the tool's user knows the option.
        std::string rule = diag.message();
        if (rule.rfind("event_id: ", 0) == 0)
            rule = rule.substr(10);
        usage_error(option, option + ": " + rule);
    }
    return std::string(s);
}

hookbox::timestamp parse_time(const std::string& option, std::string_view s, hookbox::timestamp now) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    const hookbox::timestamp t = hookbox::parse_time(s, now, option, ec, diag);
    if (ec)
        usage_error(diag.field(), diag.message());
    return t;
}

}  // namespace hookbox_cli
