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

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/error.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/storage/sql_storage.hpp>
#include <hookbox/version.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox_cli {
namespace {

namespace json = boost::json;
using hookbox::delivery;
using hookbox::delivery_status;
using hookbox::diagnostics;
using hookbox::errc;
using hookbox::error_code;
using hookbox::timestamp;

using sqlite_storage = hookbox::sql_storage<hookbox::engine::sqlite_engine>;
using sqlite_outbox = hookbox::basic_outbox<sqlite_storage>;

// ----- exit status and failures -----

enum exit_status : int {
    exit_ok = 0,
    exit_failed = 1,    // a valid request the outbox refused: not_found, not_eligible
    exit_usage = 2,     // the command line is wrong
    exit_database = 3,  // the database is missing, not an outbox, too old or new, corrupt, busy, failing
};

// Every error path ends here: thrown by the parsing and command code, caught once in run().
struct failure {
    int status = exit_usage;
    std::string code;     // "usage_error", "not_found", "not_an_outbox", ...
    std::string field;    // the option or argument at fault ("--since", "id", "database"), or empty
    std::string message;  // a full sentence naming the field and the rule
    std::string command;  // for usage errors: the command whose help to point at, if known
};

[[noreturn]] void usage_error(std::string field, std::string message, std::string command = {}) {
    throw failure{exit_usage, "usage_error", std::move(field), std::move(message), std::move(command)};
}

std::string_view errc_name(errc e) noexcept {
    switch (e) {
    case errc::empty_field: return "empty_field";
    case errc::field_too_long: return "field_too_long";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::invalid_url: return "invalid_url";
    case errc::invalid_method: return "invalid_method";
    case errc::invalid_header: return "invalid_header";
    case errc::invalid_payload: return "invalid_payload";
    case errc::payload_too_large: return "payload_too_large";
    case errc::invalid_timeout: return "invalid_timeout";
    case errc::invalid_partition_count: return "invalid_partition_count";
    case errc::invalid_partition: return "invalid_partition";
    case errc::invalid_argument: return "invalid_argument";
    case errc::invalid_delivery_id: return "invalid_delivery_id";
    case errc::not_found: return "not_found";
    case errc::not_eligible: return "not_eligible";
    case errc::claim_lost: return "claim_lost";
    case errc::storage_busy: return "storage_busy";
    case errc::storage_failure: return "storage_failure";
    case errc::corrupt_row: return "corrupt_row";
    case errc::unique_violation: return "unique_violation";
    case errc::schema_error: return "schema_error";
    case errc::schema_too_new: return "schema_too_new";
    case errc::read_only: return "read_only";
    case errc::storage_full: return "storage_full";
    case errc::version_conflict: return "version_conflict";
    }
    return "error";
}

// The library names request fields; the tool's user knows them as options.
std::string option_for_field(const std::string& field) {
    if (field == "webhook_id")
        return "--webhook";
    if (field == "status")
        return "--status";
    if (field == "limit")
        return "--limit";
    if (field == "after_sequence")
        return "--after";
    if (field == "created_from")
        return "--since";
    if (field == "created_before")
        return "--until";
    if (field == "updated_before")
        return "--before";
    if (field == "path")
        return "database";
    return field;
}

// A library error as the tool reports it: bad input is a usage error, a refused request exits 1,
// anything about the database exits 3.
failure to_failure(const error_code& ec, const diagnostics& diag) {
    failure f;
    f.status = exit_database;
    f.code = "system_error";
    if (ec.category() == hookbox::error_category()) {
        auto e = static_cast<errc>(ec.value());
        f.code = std::string(errc_name(e));
        if (e == errc::not_found || e == errc::not_eligible || e == errc::claim_lost)
            f.status = exit_failed;
        else if (e >= errc::empty_field && e <= errc::invalid_delivery_id)
            f.status = exit_usage;
    }
    f.field = option_for_field(diag.field());
    f.message = diag.message().empty() ? ec.message() : diag.message();
    return f;
}

[[noreturn]] void library_error(const error_code& ec, const diagnostics& diag) {
    throw to_failure(ec, diag);
}

// ----- text helpers -----

// Text from the database goes to a terminal: control characters are escaped so that a stored
// value cannot move the cursor or change colours.
std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += ch;
        }
    }
    return out;
}

// At most `limit` bytes, cut at a UTF-8 boundary, with "..." when something was cut.
std::string clip(std::string s, std::size_t limit) {
    if (s.size() <= limit)
        return s;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    s.resize(cut);
    s += "...";
    return s;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    return s;
}

std::string pad_left(std::string s, std::size_t width) {
    if (s.size() < width)
        s.insert(0, width - s.size(), ' ');
    return s;
}

// ----- times -----

// 2026-05-24T00:00:00.000Z: always with milliseconds, the unit of every stored time, so that a
// printed time can be given back to --since, --until or --before as it is.
std::string format_time(timestamp t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd(day);
    hh_mm_ss<milliseconds> hms(t - day);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    return buf;
}

// 3d 4h 5m 6s; below a second, milliseconds.
std::string format_age(std::chrono::milliseconds age) {
    using namespace std::chrono;
    if (age < seconds(1))
        return std::to_string(age.count()) + " ms";
    std::string out;
    auto rest = duration_cast<seconds>(age);
    auto part = [&](long long n, const char* unit) {
        if (n == 0 && out.empty())
            return;
        if (!out.empty())
            out += ' ';
        out += std::to_string(n) + unit;
    };
    long long total = rest.count();
    part(total / 86400, "d");
    part(total / 3600 % 24, "h");
    part(total / 60 % 60, "m");
    part(total % 60, "s");
    return out;
}

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int digits_value(std::string_view s) noexcept {
    int v = 0;
    for (char c : s)
        v = v * 10 + (c - '0');
    return v;
}

constexpr std::string_view time_rule =
    "expected an ISO-8601 UTC time such as 2026-05-24T00:00:00Z (optionally with .mmm milliseconds) "
    "or an age such as 7d, 12h, 30m or 45s";

// TIME: ISO-8601 UTC (`YYYY-MM-DDTHH:MM:SSZ`, optionally `.mmm` before the Z), or an age `<n>d|h|m|s`
// meaning `now` minus that.
timestamp parse_time(const std::string& option, std::string_view s, timestamp now) {
    using namespace std::chrono;
    auto bad = [&](std::string_view why) -> timestamp {
        usage_error(option, option + ": '" + printable(clip(std::string(s), 64)) + "' " + std::string(why));
    };
    if (s.size() >= 2 && all_digits(s.substr(0, s.size() - 1))) {
        std::string_view digits = s.substr(0, s.size() - 1);
        if (digits.size() > 9)
            return bad("is too large an age: at most 9 digits");
        long long n = 0;
        for (char c : digits)
            n = n * 10 + (c - '0');
        switch (s.back()) {
        case 'd': return now - days(n);
        case 'h': return now - hours(n);
        case 'm': return now - minutes(n);
        case 's': return now - seconds(n);
        default: return bad("has an unknown unit: use d, h, m or s (or an ISO-8601 UTC time)");
        }
    }
    // 2026-05-24T00:00:00Z or 2026-05-24T00:00:00.000Z
    if ((s.size() != 20 && s.size() != 24) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s.back() != 'Z' || (s.size() == 24 && s[19] != '.'))
        return bad("is not a time: " + std::string(time_rule));
    std::string_view yy = s.substr(0, 4), mo = s.substr(5, 2), dd = s.substr(8, 2), hh = s.substr(11, 2),
                     mi = s.substr(14, 2), ss = s.substr(17, 2);
    std::string_view ms = s.size() == 24 ? s.substr(20, 3) : std::string_view("000");
    for (auto part : {yy, mo, dd, hh, mi, ss, ms})
        if (!all_digits(part))
            return bad("is not a time: " + std::string(time_rule));
    year_month_day ymd{year(digits_value(yy)), month(static_cast<unsigned>(digits_value(mo))),
                       day(static_cast<unsigned>(digits_value(dd)))};
    if (!ymd.ok())
        return bad("is not a valid date (month 01-12, and a day that month has)");
    int h = digits_value(hh), m = digits_value(mi), sec = digits_value(ss);
    if (h > 23 || m > 59 || sec > 59)
        return bad("is not a valid time of day (00:00:00 to 23:59:59)");
    return timestamp(sys_days(ymd)) + hours(h) + minutes(m) + seconds(sec) + milliseconds(digits_value(ms));
}

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
        v > static_cast<std::uint64_t>(INT64_MAX))
        usage_error(option, option + ": '" + printable(clip(std::string(s), 64)) +
                                "' must be a cursor printed by a previous 'list' (a whole number)");
    return v;
}

hookbox::delivery_id parse_id(std::string_view s) {
    error_code ec;
    auto id = hookbox::delivery_id::parse(s, ec);
    if (ec)
        usage_error("id",
                    "id: '" + printable(clip(std::string(s), 64)) +
                        "' is not a delivery id: expected a canonical UUID (8-4-4-4-12 hexadecimal digits)");
    return id;
}

delivery_status parse_status(const std::string& option, std::string_view s, bool terminal_only) {
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

// ----- the command line -----

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
};

const std::vector<command_spec>& commands() {
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
         "lists deliveries one per line, filtered by status and webhook, in pages",
         false,
         false,
         {{"--status", true}, {"--webhook", true}, {"--limit", true}, {"--after", true}},
         "Usage: hookbox [--json] [--table NAME] list <database> [--status S] [--webhook ID]\n"
         "                                            [--limit N] [--after CURSOR]\n"
         "\n"
         "Prints one line per delivery, in enqueue order: id, status, attempts, webhook, event type,\n"
         "last update (UTC), last response code and last error. When more rows follow, the last\n"
         "line gives the cursor to pass to --after for the next page.\n"
         "\n"
         "Options:\n"
         "  --status S       only rows in status S: pending, in_flight, success, failed, dead\n"
         "  --webhook ID     only rows of this webhook\n"
         "  --limit N        at most N rows, 1 to 10000 (default 50)\n"
         "  --after CURSOR   the page after this cursor\n"},
        {"show",
         "shows every field of one delivery, and its attempt history",
         true,
         false,
         {},
         "Usage: hookbox [--json] [--table NAME] show <database> <id>\n"
         "\n"
         "Prints every field of the delivery <id> (a UUID) and the history of its attempts. The\n"
         "signing secret is never printed: 'signed' tells whether the delivery has one. Values of\n"
         "headers that carry credentials (Authorization, Cookie, names with token, secret,\n"
         "password or api-key) are shown as <redacted>.\n"
         "\n"
         "Exits 1 when no delivery has this id.\n"},
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
         {{"--webhook", true}, {"--status", true}, {"--since", true}, {"--until", true}, {"--all", false}},
         "Usage: hookbox [--json] [--table NAME] replay <database> [--webhook ID]\n"
         "                 [--status success|failed|dead] [--since TIME] [--until TIME] [--all]\n"
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
         "\n"
         "TIME: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m, 45s\n"
         "meaning now minus that.\n"},
        {"purge",
         "deletes deliveries, selected by webhook, status and time (needs --yes)",
         false,
         true,
         {{"--webhook", true}, {"--status", true}, {"--before", true}, {"--yes", false}, {"--all", false}},
         "Usage: hookbox [--json] [--table NAME] purge <database> [--webhook ID] [--status S]\n"
         "                 [--before TIME] --yes [--all]\n"
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
         "\n"
         "TIME: 2026-05-24T00:00:00Z (optionally with .mmm), or an age such as 7d, 12h, 30m, 45s\n"
         "meaning now minus that.\n"},
    };
    return all;
}

const command_spec* find_command(std::string_view name) {
    for (const auto& c : commands())
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
        "\n"
        "Commands:\n";
    for (const auto& c : commands())
        out += "  " + pad(std::string(c.name), 11) + std::string(c.summary) + "\n";
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
           "or a table at another schema version is refused and left as it is. stats, list and show open\n"
           "it read-only.\n"
           "\n"
           "Exit status:\n"
           "  0  success\n"
           "  1  the operation failed on a valid request (no such delivery, delivery not eligible)\n"
           "  2  usage error (unknown command or option, bad value, missing argument, purge without --yes)\n"
           "  3  database error (missing file, not an outbox database, schema too old or too new,\n"
           "     corrupt row, busy, I/O)\n";
    return out;
}

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

    const std::string* value(std::string_view name) const {
        for (const auto& [n, v] : values)
            if (n == name)
                return &v;
        return nullptr;
    }
    bool flag(std::string_view name) const {
        return std::find(flags.begin(), flags.end(), name) != flags.end();
    }
};

bool is_identifier(std::string_view s) noexcept {
    if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

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
                                               "': expected stats, list, show, redeliver, replay or purge");
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
            if (!is_identifier(v))
                usage_error(
                    "--table",
                    "--table: '" + printable(clip(v, 64)) +
                        "' must be 1 to 63 letters, digits or underscores, not starting with a digit");
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
                                       "': expected stats, list, show, redeliver, replay or purge");
        inv.positionals.clear();
    }
    return inv;
}

// ----- output -----

void emit(const json::value& v) {
    std::cout << json::serialize(v) << '\n';
}

json::value opt_time(const std::optional<timestamp>& t) {
    return t ? json::value(format_time(*t)) : json::value(nullptr);
}

json::value opt_text(const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
}

json::value opt_int(const std::optional<int>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

bool is_credential_header(std::string_view name) {
    std::string n(name);
    for (auto& c : n)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    if (n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie")
        return true;
    for (std::string_view part : {"token", "secret", "password", "api-key", "apikey", "api_key"})
        if (n.find(part) != std::string::npos)
            return true;
    return false;
}

std::string header_value(const hookbox::header& h) {
    return is_credential_header(h.name) ? "<redacted>" : h.value;
}

json::object summary_json(const delivery& d) {
    json::object o;
    o["id"] = d.id.to_string();
    o["status"] = std::string(to_string(d.status));
    o["attempts"] = d.attempts;
    o["webhook_id"] = d.webhook_id;
    o["event_id"] = d.event_id;
    o["event_type"] = d.event_type;
    o["created_at"] = format_time(d.created_at);
    o["updated_at"] = format_time(d.updated_at);
    o["response_code"] = opt_int(d.response_code);
    o["error"] = opt_text(d.error);
    o["sequence"] = d.sequence;
    return o;
}

json::object full_json(const delivery& d) {
    json::object o = summary_json(d);
    o["url"] = d.url;
    o["method"] = d.method;
    json::array hs;
    for (const auto& h : d.headers)
        hs.push_back(json::array{json::string(h.name), json::string(header_value(h))});
    o["headers"] = std::move(hs);
    o["signed"] = d.has_secret;
    o["timeout_ms"] = d.timeout ? json::value(d.timeout->count()) : json::value(nullptr);
    o["partition_key"] = d.partition_key;
    o["claimed_by"] = opt_text(d.claimed_by);
    o["claimed_at"] = opt_time(d.claimed_at);
    o["claim_token"] = d.claim_token;
    o["next_retry_at"] = opt_time(d.next_retry_at);
    o["last_attempted_at"] = opt_time(d.last_attempted_at);
    o["response_body"] = opt_text(d.response_body);
    o["last_duration_ms"] = d.last_duration ? json::value(d.last_duration->count()) : json::value(nullptr);
    bool is_json = d.payload.kind() == hookbox::payload_kind::json;
    o["payload_kind"] = is_json ? "json" : "raw";
    json::value body;
    if (is_json) {
        error_code jec;
        body = json::parse(d.payload.body(), jec);
        if (jec)
            body = json::string(d.payload.body());
    } else {
        body = json::string(d.payload.body());
    }
    o["payload"] = std::move(body);
    return o;
}

json::object attempt_json(const hookbox::attempt_record& a) {
    json::object o;
    o["number"] = a.number;
    o["at"] = format_time(a.at);
    o["outcome"] = std::string(to_string(a.outcome));
    o["response_code"] = opt_int(a.response_code);
    o["duration_ms"] = a.duration.count();
    o["error"] = opt_text(a.error);
    return o;
}

// ----- the database -----

// Opens the outbox without creating or migrating anything: the file must exist, hold the delivery
// table, and be at exactly the schema version this build writes.
void open_outbox(std::optional<sqlite_outbox>& out,
                 const std::string& path,
                 const std::string& table,
                 bool write) {
    if (path.empty())
        usage_error("database", "database: the path is empty");
    std::error_code fec;
    auto st = std::filesystem::status(path, fec);
    if (!std::filesystem::exists(st))
        throw failure{exit_database,
                      "no_such_file",
                      "database",
                      "database: '" + printable(path) + "' does not exist (hookbox never creates a database)",
                      {}};
    if (std::filesystem::is_directory(st))
        throw failure{exit_database,
                      "not_a_file",
                      "database",
                      "database: '" + printable(path) + "' is a directory, not a SQLite file",
                      {}};

    hookbox::engine::sqlite_params p;
    p.path = path;
    p.read_only = !write;
    p.create = false;
    // Keep the journal mode the database has: switching to WAL would rewrite the file header.
    p.wal = false;
    error_code ec;
    diagnostics diag;
    auto engine = hookbox::engine::sqlite_engine::open(p, ec, diag);
    if (!engine) {
        diag.assign("database", diag.message());
        library_error(ec, diag);
    }

    const hookbox::engine::value name(table);
    std::string type;
    engine->query(
        "SELECT type FROM sqlite_master WHERE name = ?1", std::span<const hookbox::engine::value>(&name, 1),
        [&](std::span<const hookbox::engine::cell_view> row) { type.assign(row[0].text); }, ec, diag);
    if (ec) {
        diag.assign("database", diag.message());
        library_error(ec, diag);
    }
    if (type != "table")
        throw failure{exit_database,
                      "not_an_outbox",
                      "database",
                      "database: '" + printable(path) + "' is not an outbox database: it has no table '" +
                          table + "'" +
                          (table == "sys_webhook_delivery" ? " (use --table for another name)" : ""),
                      {}};
    const auto plan = hookbox::delivery_schema(table);
    int version = engine->schema_version(plan.name, ec, diag);
    if (ec) {
        diag.assign("database", diag.message());
        library_error(ec, diag);
    }
    if (version == 0)
        throw failure{exit_database,
                      "not_an_outbox",
                      "database",
                      "database: '" + printable(path) + "' is not an outbox database: table '" + table +
                          "' has no hookbox schema version ('" + plan.name + "' in hookbox_schema)",
                      {}};
    if (version > plan.latest())
        throw failure{exit_database,
                      "schema_too_new",
                      "database",
                      "database: table '" + table + "' is at schema version " + std::to_string(version) +
                          ", newer than the versions this hookbox knows (up to " +
                          std::to_string(plan.latest()) + "); use a newer hookbox",
                      {}};
    if (version < plan.latest())
        throw failure{exit_database,
                      "schema_too_old",
                      "database",
                      "database: table '" + table + "' is at schema version " + std::to_string(version) +
                          " and this hookbox needs version " + std::to_string(plan.latest()) +
                          "; the tool never migrates: open it once with the upgraded application, which does",
                      {}};

    hookbox::sql_storage_params sp;
    sp.table = table;
    sp.migrate = false;
    auto storage = sqlite_storage::open(std::move(*engine), std::move(sp), ec, diag);
    if (!storage)
        library_error(ec, diag);
    out.emplace(hookbox::outbox_params{}, std::move(*storage));
}

// ----- commands -----

// What a command will do, read from the command line and checked before the database is opened.
struct request {
    timestamp now{};
    std::size_t top = 10;             // stats
    hookbox::list_options list;       // list
    hookbox::delivery_id id;          // show, redeliver
    hookbox::delivery_filter filter;  // replay, purge
};

int cmd_stats(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    const std::size_t top = rq.top;
    error_code ec;
    diagnostics diag;
    auto st = ob.stats(ec, diag);
    if (ec)
        library_error(ec, diag);
    std::vector<hookbox::webhook_failures> failing;
    if (top > 0) {
        failing = ob.failures(top, ec, diag);
        if (ec)
            library_error(ec, diag);
    }
    if (inv.json) {
        json::object by;
        for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
            by[to_string(static_cast<delivery_status>(i))] = st.by_status[i];
        json::array fs;
        for (const auto& f : failing) {
            json::object o;
            o["webhook_id"] = f.webhook_id;
            o["dead"] = f.dead;
            o["retrying"] = f.retrying;
            o["last_error"] = opt_text(f.last_error);
            o["last_failed_at"] = opt_time(f.last_failed_at);
            fs.push_back(std::move(o));
        }
        json::object o;
        o["by_status"] = std::move(by);
        o["total"] = st.total();
        o["oldest_pending_age_ms"] =
            st.oldest_pending_age ? json::value(st.oldest_pending_age->count()) : json::value(nullptr);
        o["failures"] = std::move(fs);
        emit(o);
        return exit_ok;
    }
    std::cout << "status     rows\n";
    for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
        std::cout << pad(std::string(to_string(static_cast<delivery_status>(i))), 10)
                  << pad_left(std::to_string(st.by_status[i]), 5) << '\n';
    std::cout << pad("total", 10) << pad_left(std::to_string(st.total()), 5) << "\n\n";
    std::cout << "oldest pending: "
              << (st.oldest_pending_age ? format_age(*st.oldest_pending_age) : std::string("none")) << '\n';
    if (top == 0)
        return exit_ok;
    if (failing.empty()) {
        std::cout << "failing webhooks: none\n";
        return exit_ok;
    }
    std::cout << "\nfailing webhooks (dead, or pending after a failed attempt):\n";
    std::size_t w = 7;
    for (const auto& f : failing)
        w = std::max(w, printable(f.webhook_id).size());
    std::cout << pad("WEBHOOK", w) << "  DEAD  RETRYING  LAST FAILURE              LAST ERROR\n";
    for (const auto& f : failing) {
        std::cout << pad(printable(f.webhook_id), w) << "  " << pad_left(std::to_string(f.dead), 4) << "  "
                  << pad_left(std::to_string(f.retrying), 8) << "  "
                  << pad(f.last_failed_at ? format_time(*f.last_failed_at) : std::string("-"), 24) << "  "
                  << (f.last_error ? printable(clip(*f.last_error, 120)) : std::string("-")) << '\n';
    }
    return exit_ok;
}

int cmd_list(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    error_code ec;
    diagnostics diag;
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
    std::size_t ww = 7, we = 10;
    for (const auto& d : page.items) {
        ww = std::max(ww, std::min<std::size_t>(printable(d.webhook_id).size(), 40));
        we = std::max(we, std::min<std::size_t>(printable(d.event_type).size(), 40));
    }
    std::cout << pad("ID", 36) << "  " << pad("STATUS", 9) << "  ATT  " << pad("WEBHOOK", ww) << "  "
              << pad("EVENT TYPE", we) << "  " << pad("UPDATED", 24) << "  CODE  ERROR\n";
    for (const auto& d : page.items) {
        std::cout << d.id << "  " << pad(std::string(to_string(d.status)), 9) << "  "
                  << pad_left(std::to_string(d.attempts), 3) << "  "
                  << pad(printable(clip(d.webhook_id, 40)), ww) << "  "
                  << pad(printable(clip(d.event_type, 40)), we) << "  " << format_time(d.updated_at) << "  "
                  << pad(d.response_code ? std::to_string(*d.response_code) : std::string("-"), 4) << "  "
                  << (d.error ? printable(clip(*d.error, 100)) : std::string("-")) << '\n';
    }
    if (page.next_cursor)
        std::cout << "next page: --after " << *page.next_cursor << '\n';
    return exit_ok;
}

void not_found(const hookbox::delivery_id& id) {
    throw failure{exit_failed, "not_found", "id", "Delivery row '" + id.to_string() + "' not found", {}};
}

int cmd_show(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    const auto& id = rq.id;
    error_code ec;
    diagnostics diag;
    auto d = ob.get(id, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (!d)
        not_found(id);
    auto history = ob.attempts(id, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        json::array hs;
        for (const auto& a : history)
            hs.push_back(attempt_json(a));
        json::object o;
        o["delivery"] = full_json(*d);
        o["history"] = std::move(hs);
        emit(o);
        return exit_ok;
    }
    auto line = [](std::string_view key, const std::string& value) {
        std::cout << pad(std::string(key), 18) << value << '\n';
    };
    auto opt_t = [](const std::optional<timestamp>& t) { return t ? format_time(*t) : std::string("-"); };
    constexpr std::size_t body_limit = 2048;
    line("id", d->id.to_string());
    line("status", std::string(to_string(d->status)));
    line("attempts", std::to_string(d->attempts));
    line("webhook_id", printable(d->webhook_id));
    line("event_id", printable(d->event_id));
    line("event_type", printable(d->event_type));
    line("url", printable(d->url));
    line("method", printable(d->method));
    if (d->headers.empty())
        line("headers", "-");
    for (std::size_t i = 0; i < d->headers.size(); ++i)
        line(i == 0 ? "headers" : "",
             printable(d->headers[i].name) + ": " + printable(header_value(d->headers[i])));
    line("signed", d->has_secret ? "yes" : "no");
    line("timeout", d->timeout ? std::to_string(d->timeout->count()) + " ms" : std::string("sender default"));
    line("partition_key", std::to_string(d->partition_key));
    line("sequence", std::to_string(d->sequence));
    line("created_at", format_time(d->created_at));
    line("updated_at", format_time(d->updated_at));
    line("claimed_by", d->claimed_by ? printable(*d->claimed_by) : std::string("-"));
    line("claimed_at", opt_t(d->claimed_at));
    line("claim_token", std::to_string(d->claim_token));
    line("next_retry_at", opt_t(d->next_retry_at));
    line("last_attempted_at", opt_t(d->last_attempted_at));
    line("last_duration",
         d->last_duration ? std::to_string(d->last_duration->count()) + " ms" : std::string("-"));
    line("response_code", d->response_code ? std::to_string(*d->response_code) : std::string("-"));
    line("response_body",
         d->response_body ? printable(clip(*d->response_body, body_limit)) : std::string("-"));
    line("error", d->error ? printable(*d->error) : std::string("-"));
    bool is_json = d->payload.kind() == hookbox::payload_kind::json;
    line("payload", std::string(is_json ? "(json, " : "(raw, ") + std::to_string(d->payload.body().size()) +
                        " bytes) " + printable(clip(std::string(d->payload.body()), body_limit)));
    std::cout << "\nhistory";
    if (history.empty()) {
        std::cout << ": no attempts recorded\n";
        return exit_ok;
    }
    std::cout << ":\n   #  " << pad("AT", 24) << "  OUTCOME  CODE  DURATION  ERROR\n";
    for (const auto& a : history) {
        std::cout << pad_left(std::to_string(a.number), 4) << "  " << format_time(a.at) << "  "
                  << pad(std::string(to_string(a.outcome)), 7) << "  "
                  << pad(a.response_code ? std::to_string(*a.response_code) : std::string("-"), 4) << "  "
                  << pad_left(std::to_string(a.duration.count()) + " ms", 8) << "  "
                  << (a.error ? printable(clip(*a.error, 120)) : std::string("-")) << '\n';
    }
    return exit_ok;
}

int cmd_redeliver(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    error_code ec;
    diagnostics diag;
    auto d = ob.redeliver(rq.id, ec, diag);
    if (ec) {
        if (ec == errc::not_found || ec == errc::not_eligible)
            diag.assign("id", diag.message());
        library_error(ec, diag);
    }
    if (inv.json) {
        json::object o;
        o["id"] = d.id.to_string();
        o["status"] = std::string(to_string(d.status));
        o["attempts"] = d.attempts;
        o["updated_at"] = format_time(d.updated_at);
        emit(o);
        return exit_ok;
    }
    std::cout << "redelivered " << d.id << ": status " << to_string(d.status) << '\n';
    return exit_ok;
}

bool is_empty(const hookbox::delivery_filter& f) noexcept {
    return !f.status && !f.webhook_id && !f.created_from && !f.created_before && !f.updated_before;
}

int print_count(const invocation& inv, std::string_view key, std::size_t n) {
    if (inv.json) {
        json::object o;
        o[key] = n;
        emit(o);
    } else {
        std::cout << key << ' ' << n << (n == 1 ? " delivery\n" : " deliveries\n");
    }
    return exit_ok;
}

// Reads replay's options; validated before the database is opened.
hookbox::delivery_filter replay_filter(const invocation& inv, timestamp now) {
    hookbox::delivery_filter f;
    if (auto* v = inv.value("--webhook"))
        f.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--status"))
        f.status = parse_status("--status", *v, true);
    if (auto* v = inv.value("--since"))
        f.created_from = parse_time("--since", *v, now);
    if (auto* v = inv.value("--until"))
        f.created_before = parse_time("--until", *v, now);
    if (f.created_from && f.created_before && *f.created_before <= *f.created_from)
        usage_error("--until",
                    "--until: must be later than --since (" + format_time(*f.created_before) +
                        " is not after " + format_time(*f.created_from) + ")",
                    "replay");
    if (is_empty(f) && !inv.flag("--all"))
        usage_error(
            "--all",
            "replay with no filter would send every finished delivery again: give --webhook, --status, "
            "--since or --until, or add --all",
            "replay");
    return f;
}

hookbox::delivery_filter purge_filter(const invocation& inv, timestamp now) {
    hookbox::delivery_filter f;
    if (auto* v = inv.value("--webhook"))
        f.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--status"))
        f.status = parse_status("--status", *v, false);
    if (auto* v = inv.value("--before"))
        f.updated_before = parse_time("--before", *v, now);
    if (!inv.flag("--yes"))
        usage_error("--yes", "purge deletes deliveries for good: add --yes to confirm", "purge");
    if (is_empty(f) && !inv.flag("--all"))
        usage_error("--all",
                    "purge with no filter would delete every delivery: give --webhook, --status or --before, "
                    "or add --all",
                    "purge");
    return f;
}

int cmd_replay(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    // Only rows finished before the command started: a replayed row that a dispatcher sends and
    // finishes again while the replay is still stepping through the table is not replayed twice.
    hookbox::delivery_filter f = rq.filter;
    f.updated_before = rq.now;
    error_code ec;
    diagnostics diag;
    std::size_t n = ob.replay(f, ec, diag);
    if (ec)
        library_error(ec, diag);
    return print_count(inv, "replayed", n);
}

int cmd_purge(const invocation& inv, const request& rq, sqlite_outbox& ob) {
    error_code ec;
    diagnostics diag;
    std::size_t n = ob.purge(rq.filter, ec, diag);
    if (ec)
        library_error(ec, diag);
    return print_count(inv, "purged", n);
}

int dispatch(const invocation& inv) {
    const command_spec& c = *inv.command;
    std::size_t wanted = c.needs_id ? 2 : 1;
    if (inv.positionals.empty())
        usage_error("database", std::string(c.name) + ": missing argument <database>", std::string(c.name));
    if (inv.positionals.size() < wanted)
        usage_error("id", std::string(c.name) + ": missing argument <id>", std::string(c.name));
    if (inv.positionals.size() > wanted)
        usage_error("argument",
                    std::string(c.name) + ": unexpected argument '" +
                        printable(clip(inv.positionals[wanted], 64)) + "'",
                    std::string(c.name));

    // Everything the command line says is checked before the database is touched.
    request rq;
    rq.now = timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()));
    if (c.name == "stats") {
        if (auto* v = inv.value("--top"))
            rq.top = parse_count("--top", *v, 0, 1000);
    } else if (c.name == "list") {
        rq.list.limit = 50;
        if (auto* v = inv.value("--status"))
            rq.list.status = parse_status("--status", *v, false);
        if (auto* v = inv.value("--webhook"))
            rq.list.webhook_id = parse_webhook("--webhook", *v);
        if (auto* v = inv.value("--limit"))
            rq.list.limit = parse_count("--limit", *v, 1, 10000);
        if (auto* v = inv.value("--after"))
            rq.list.after_sequence = parse_cursor("--after", *v);
    } else if (c.name == "replay") {
        rq.filter = replay_filter(inv, rq.now);
    } else if (c.name == "purge") {
        rq.filter = purge_filter(inv, rq.now);
    }
    if (c.needs_id)
        rq.id = parse_id(inv.positionals[1]);

    std::optional<sqlite_outbox> ob;
    open_outbox(ob, inv.positionals[0], inv.table, c.writes);
    if (c.name == "stats")
        return cmd_stats(inv, rq, *ob);
    if (c.name == "list")
        return cmd_list(inv, rq, *ob);
    if (c.name == "show")
        return cmd_show(inv, rq, *ob);
    if (c.name == "redeliver")
        return cmd_redeliver(inv, rq, *ob);
    if (c.name == "replay")
        return cmd_replay(inv, rq, *ob);
    return cmd_purge(inv, rq, *ob);
}

void print_help(bool as_json, const std::string& text) {
    if (as_json) {
        json::object o;
        o["help"] = text;
        emit(o);
    } else {
        std::cout << text;
    }
}

void report(bool as_json, const failure& f) {
    if (as_json) {
        json::object e;
        e["code"] = f.code;
        e["field"] = f.field;
        e["message"] = f.message;
        json::object o;
        o["error"] = std::move(e);
        emit(o);
        return;
    }
    std::cerr << "hookbox: " << f.message << '\n';
    if (f.status == exit_usage)
        std::cerr << "Try 'hookbox " << (f.command.empty() ? std::string("--help") : "help " + f.command)
                  << "'.\n";
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
                json::object o;
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
            usage_error("command", "missing command: expected stats, list, show, redeliver, replay or purge");
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
