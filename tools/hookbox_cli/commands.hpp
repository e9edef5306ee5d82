//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_COMMANDS_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_COMMANDS_HPP

// The commands, one file each under commands/. A command runs in two steps, so that nothing on the
// command line can fail once the database is open:
// - read_<name> checks the command's options and arguments into a `request` (usage errors only);
// - run_<name> does the work on the open outbox and prints the result, in text or as JSON.
// Both throw `failure`; run_<name> returns the exit status.

#include "options.hpp"
#include "outbox_file.hpp"

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hookbox_cli {

// What `endpoints` will do.
struct endpoint_request {
    std::string action = "list";  // list, disable, enable
    std::string webhook_id;
    std::string reason;
    std::string state_table = "plugin_state";
};

// What `watch` shows, and how often.
struct watch_request {
    std::chrono::milliseconds interval{2000};
    std::optional<std::size_t> frames;      // --count, --once; unset: until interrupted
    std::optional<std::string> webhook_id;  // the latest deliveries of this webhook only
};

// What a command will do, read from the command line before the database is opened.
struct request {
    hookbox::timestamp now{};         // the time ages (`--since 7d`) count back from
    std::size_t top = 10;             // stats
    hookbox::list_options list;       // list; show --event
    hookbox::delivery_id id;          // show, redeliver
    hookbox::delivery_filter filter;  // replay, purge
    endpoint_request endpoint;        // endpoints
    watch_request watch;              // watch
};

// stats: rows per status, the oldest pending row's age, the webhooks failing most.
void read_stats(const invocation& inv, request& rq);
int run_stats(const invocation& inv, const request& rq, outbox_file& ob);

// list: one line per delivery, a page at a time.
void read_list(const invocation& inv, request& rq);
int run_list(const invocation& inv, const request& rq, outbox_file& ob);

// show: every field of one delivery, and its attempt history; or the deliveries of one event.
void read_show(const invocation& inv, request& rq);
int run_show(const invocation& inv, const request& rq, outbox_file& ob);

// The deliveries as `list` prints them in text: a table, one line each.
void print_delivery_table(const std::vector<hookbox::delivery>& items);

// redeliver: one finished delivery back to pending.
void read_redeliver(const invocation& inv, request& rq);
int run_redeliver(const invocation& inv, const request& rq, outbox_file& ob);

// replay: every matching finished delivery back to pending.
void read_replay(const invocation& inv, request& rq);
int run_replay(const invocation& inv, const request& rq, outbox_file& ob);

// purge: deletes every matching delivery.
void read_purge(const invocation& inv, request& rq);
int run_purge(const invocation& inv, const request& rq, outbox_file& ob);

// endpoints: endpoint health as dispatchers keep it in the state store; disable, enable.
void read_endpoints(const invocation& inv, request& rq);
int run_endpoints(const invocation& inv, const request& rq, outbox_file& ob);

// vacuum: the space of deleted rows back to the file system.
void read_vacuum(const invocation& inv, request& rq);
int run_vacuum(const invocation& inv, const request& rq, outbox_file& ob);

// Whether the command opens the database read-write: a dry run and a listing only read.
inline bool writes(const invocation& inv, const request& rq) {
    if (inv.command->name == "endpoints")
        return rq.endpoint.action != "list";
    return inv.command->writes && !inv.flag("--dry-run");
}
// watch: a live view of the outbox, one frame per interval.
void read_watch(const invocation& inv, request& rq);
int run_watch(const invocation& inv, const request& rq, outbox_file& ob);

// completion: a completion script for bash, zsh or fish, made from the command table. It takes no
// database.
int run_completion(const invocation& inv);

// True when the filter selects every row: replay and purge then ask for --all.
inline bool selects_everything(const hookbox::delivery_filter& f) noexcept {
    return !f.status && !f.webhook_id && !f.created_from && !f.created_before && !f.updated_before;
}

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_COMMANDS_HPP
