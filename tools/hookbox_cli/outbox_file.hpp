//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_OUTBOX_FILE_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_OUTBOX_FILE_HPP

// The outbox database the commands work on, opened the way the tool must: never created, never
// migrated, read-only for the commands that only read; and the mapping of the library's errors to
// the tool's failures and exit statuses.
//
// The commands see only the operations below, not the outbox type: that type, whose storage may
// change, is named once, in outbox_file.cpp, which is also the one translation unit that compiles
// the outbox and the SQLite engine.

#include "failure.hpp"

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/error.hpp>
#include <hookbox/outbox.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookbox_cli {

class outbox_file {
public:
    // Opens the outbox in the SQLite file `path`, with its delivery table `table`, read-write when
    // `write`. Throws `failure`: a usage error for an empty path; exit_database for a file that is
    // missing or a directory, that is not a SQLite database, that has no delivery table at a hookbox
    // schema version (not_an_outbox), or whose table is at another version than this build's
    // (schema_too_old, schema_too_new). Nothing is written to the file on any of these paths.
    static outbox_file open(const std::string& path, const std::string& table, bool write);

    outbox_file(outbox_file&&) noexcept;
    outbox_file& operator=(outbox_file&&) noexcept;
    ~outbox_file();

    // The outbox's operations, with the library's error reporting.
    hookbox::outbox_stats stats(hookbox::error_code& ec, hookbox::diagnostics& diag) const;
    std::vector<hookbox::webhook_failures>
    failures(std::size_t limit, hookbox::error_code& ec, hookbox::diagnostics& diag) const;
    hookbox::list_page
    list(const hookbox::list_options& opts, hookbox::error_code& ec, hookbox::diagnostics& diag) const;
    std::optional<hookbox::delivery>
    get(hookbox::delivery_id id, hookbox::error_code& ec, hookbox::diagnostics& diag) const;
    std::vector<hookbox::attempt_record>
    attempts(hookbox::delivery_id id, hookbox::error_code& ec, hookbox::diagnostics& diag) const;
    hookbox::delivery redeliver(hookbox::delivery_id id, hookbox::error_code& ec, hookbox::diagnostics& diag);
    std::size_t
    replay(const hookbox::delivery_filter& filter, hookbox::error_code& ec, hookbox::diagnostics& diag);
    std::size_t
    purge(const hookbox::delivery_filter& filter, hookbox::error_code& ec, hookbox::diagnostics& diag);

    // Replay and purge reporting each step (`on_step`), and their dry run (`count`).
    std::size_t replay(const hookbox::delivery_filter& filter, const hookbox::step_callback& on_step,
                       hookbox::error_code& ec, hookbox::diagnostics& diag);
    std::size_t purge(const hookbox::delivery_filter& filter, const hookbox::step_callback& on_step,
                      hookbox::error_code& ec, hookbox::diagnostics& diag);
    std::size_t count(const hookbox::delivery_filter& filter, bool replayable, hookbox::error_code& ec,
                      hookbox::diagnostics& diag) const;

    // Gives the space of deleted rows back: SQLite `VACUUM`, PostgreSQL `VACUUM (ANALYZE)` of the
    // outbox's tables.
    void vacuum(hookbox::error_code& ec, hookbox::diagnostics& diag);

    // Endpoint health as dispatchers keep it in the state store table `state_table` of the same
    // database (`state_store_health`): the endpoints that are not healthy, and an operator's
    // disable and enable. `kept` is false when the database has no such table (no dispatcher
    // keeps health there): the list is then empty, and disable and enable refuse.
    std::vector<std::pair<std::string, hookbox::endpoint_state>>
    endpoints(const std::string& state_table, bool& kept, hookbox::error_code& ec, hookbox::diagnostics& diag);
    hookbox::endpoint_state disable_endpoint(const std::string& state_table, const std::string& webhook_id,
                                             std::string reason, hookbox::timestamp at, hookbox::error_code& ec,
                                             hookbox::diagnostics& diag);
    bool enable_endpoint(const std::string& state_table, const std::string& webhook_id, hookbox::error_code& ec,
                         hookbox::diagnostics& diag);

private:
    struct impl;
    explicit outbox_file(std::unique_ptr<impl> p) noexcept;
    std::unique_ptr<impl> impl_;
};

// A library error as the tool reports it: bad input is a usage error (exit 2), a request the outbox
// refused exits 1 (not_found, not_eligible, claim_lost), anything about the database exits 3. The
// field is named as the tool's user knows it (`--since` for `created_from`).
failure to_failure(const hookbox::error_code& ec, const hookbox::diagnostics& diag);

[[noreturn]] void library_error(const hookbox::error_code& ec, const hookbox::diagnostics& diag);

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_OUTBOX_FILE_HPP
