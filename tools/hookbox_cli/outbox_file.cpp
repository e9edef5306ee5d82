//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "outbox_file.hpp"

#include "format.hpp"

#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/sqlite_outbox.hpp>
#include <hookbox/state/state_schema.hpp>
#include <hookbox/state/state_store.hpp>
#ifdef HOOKBOX_CLI_POSTGRES
#include <hookbox/postgres_outbox.hpp>
#endif

#include <filesystem>
#include <system_error>
#include <utility>
#include <type_traits>
#include <variant>

#include <unistd.h>

namespace hookbox_cli {

namespace {

using hookbox::diagnostics;
using hookbox::errc;
using hookbox::error_code;

// The outbox the tool works on: the only place that names its storage and engine.
#ifdef HOOKBOX_CLI_POSTGRES
using outbox_variant = std::variant<std::monostate, hookbox::sqlite_outbox, hookbox::postgres_outbox>;
#else
using outbox_variant = std::variant<std::monostate, hookbox::sqlite_outbox>;
#endif

// (std::monostate first: the outboxes have no default constructor.)

// A PostgreSQL connection URI (what libpq takes), rather than a SQLite file.
bool is_postgres_uri(const std::string& path) {
    return path.rfind("postgresql://", 0) == 0 || path.rfind("postgres://", 0) == 0;
}

// Whether this process may create files beside `path` (SQLite's -shm and -wal files).
bool folder_writable(const std::string& path) {
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (folder.empty())
        folder = ".";
    return ::access(folder.c_str(), W_OK) == 0;
}

// The URI without its password, for messages.
std::string shown(const std::string& path) {
    if (!is_postgres_uri(path))
        return printable(path);
    const auto scheme = path.find("://") + 3;
    const auto at = path.find('@', scheme);
    const auto colon = path.find(':', scheme);
    if (at == std::string::npos || colon == std::string::npos || colon > at)
        return printable(path);
    return printable(path.substr(0, colon + 1) + "***" + path.substr(at));
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
    if (field == "event_id")
        return "--event";
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

// An error about the file as a whole: the field is the command's <database> argument.
[[noreturn]] void database_error(const error_code& ec, diagnostics diag) {
    diag.assign("database", diag.message());
    library_error(ec, diag);
}

[[noreturn]] void refuse(std::string code, std::string message) {
    throw failure{exit_database, std::move(code), "database", std::move(message), {}};
}

// The delivery table has no schema version: say whether the table is missing, or there but not
// hookbox's. A count of its rows tells them apart and, unlike a schema query, is public API.
template <class Engine>
[[noreturn]] void not_an_outbox(Engine& engine,
                                const std::string& path,
                                const std::string& table,
                                const std::string& plan_name) {
    error_code ec;
    diagnostics diag;
    (void)engine.count(table, hookbox::engine::filter{}, ec, diag);
    if (!ec)
        refuse("not_an_outbox", "database: '" + shown(path) + "' is not an outbox database: table '" +
                                    table + "' has no hookbox schema version ('" + plan_name +
                                    "' in hookbox_schema)");
    if (ec != errc::schema_error)
        database_error(ec, diag);
    refuse("not_an_outbox", "database: '" + shown(path) +
                                "' is not an outbox database: it has no table '" + table + "'" +
                                (table == "sys_webhook_delivery" ? " (use --table for another name)" : ""));
}

// The outbox on an opened engine, after checking that its delivery table is at exactly the version
// this build writes; migrates nothing.
template <class Outbox, class Engine>
Outbox checked_outbox(Engine engine, const std::string& path, const std::string& table) {
    error_code ec;
    diagnostics diag;
    // hookbox stores a version for every delivery table it created; the tool reads exactly the
    // version this build writes, and migrates nothing.
    const auto plan = hookbox::delivery_schema(table);
    const int version = engine.schema_version(plan.name, ec, diag);
    if (ec)
        database_error(ec, diag);
    if (version == 0)
        not_an_outbox(engine, path, table, plan.name);
    if (version > plan.latest())
        refuse("schema_too_new", "database: table '" + table + "' is at schema version " +
                                     std::to_string(version) +
                                     ", newer than the versions this hookbox knows (up to " +
                                     std::to_string(plan.latest()) + "); use a newer hookbox");
    if (version < plan.latest())
        refuse("schema_too_old",
               "database: table '" + table + "' is at schema version " + std::to_string(version) +
                   " and this hookbox needs version " + std::to_string(plan.latest()) +
                   "; the tool never migrates: open it once with the upgraded application, which does");

    auto storage =
        Outbox::storage_type::open(std::move(engine), {.table = table, .migrate = false}, ec, diag);
    if (!storage)
        library_error(ec, diag);
    return Outbox(hookbox::outbox_params{}, std::move(*storage));
}

// The engine for the state store beside the outbox: SQLite's own connection, or a new PostgreSQL one.
std::optional<hookbox::engine::sqlite_engine>
state_engine(hookbox::sqlite_outbox& ob, const std::string&, error_code&, diagnostics&) {
    return hookbox::engine::sqlite_engine::attach(ob.storage().engine().native_handle());
}

#ifdef HOOKBOX_CLI_POSTGRES
std::optional<hookbox::engine::postgres_engine>
state_engine(hookbox::postgres_outbox&, const std::string& path, error_code& ec, diagnostics& diag) {
    hookbox::engine::postgres_params p;
    p.conninfo = path;
    p.pool_size = 1;
    return hookbox::engine::postgres_engine::open(p, ec, diag);
}
#endif

// Calls `f` with the `state_store_health` over the state table `table`, when the database has one
// (`kept`); creates and migrates nothing.
template <class Engine, class F>
void with_health(std::optional<Engine> engine, const std::string& table, bool& kept, error_code& ec,
                 diagnostics& diag, F f) {
    kept = false;
    if (!engine)
        return;
    const int version = engine->schema_version(hookbox::state_schema(table).name, ec, diag);
    if (ec || version == 0)
        return;
    kept = true;
    using store_type = hookbox::basic_state_store<Engine>;
    auto store = store_type::open(std::move(*engine), {.table = table, .migrate = false}, {}, ec, diag);
    if (!store)
        return;
    hookbox::state_store_health<store_type> health(*store);
    f(health);
}

[[noreturn]] void no_state_table(const std::string& state_table) {
    throw failure{exit_database, "no_state_table", "--state-table",
                  "--state-table: the database has no state table '" + state_table +
                      "': endpoint health is kept there only when a dispatcher uses a state store "
                      "(state_store_health) in this database",
                  {}};
}

// A table name quoted for SQL (the names are identifiers, checked before).
std::string quoted(const std::string& name) {
    return "\"" + name + "\"";
}

}  // namespace

struct outbox_file::impl {
    outbox_variant outbox;
    std::string path{};
    std::string table{};

    // `f(health)` on the state store beside the outbox.
    template <class F>
    void health(const std::string& state_table, bool& kept, error_code& ec, diagnostics& diag, F f) {
        visit([&](auto& ob) { with_health(state_engine(ob, path, ec, diag), state_table, kept, ec, diag, f); });
    }

    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(
            [&](auto& ob) -> decltype(auto) {
                if constexpr (std::is_same_v<std::decay_t<decltype(ob)>, std::monostate>)
                    return f(std::get<hookbox::sqlite_outbox>(outbox));  // never: open() sets one
                else
                    return f(ob);
            },
            outbox);
    }
};

outbox_file outbox_file::open(const std::string& path, const std::string& table, bool write) {
    if (path.empty())
        usage_error("database", "database: the path is empty");
    if (is_postgres_uri(path)) {
#ifdef HOOKBOX_CLI_POSTGRES
        error_code ec;
        diagnostics diag;
        // One connection is enough; a command that only reads runs in read-only transactions.
        hookbox::engine::postgres_params p;
        p.conninfo = path;
        p.pool_size = 1;
        auto engine = hookbox::engine::postgres_engine::open(p, ec, diag);
        if (!engine)
            database_error(ec, diag);
        if (!write)
            (void)engine->query("SET default_transaction_read_only = on", {}, [](auto) {}, ec, diag);
        if (ec)
            database_error(ec, diag);
        return outbox_file(std::make_unique<impl>(
            impl{checked_outbox<hookbox::postgres_outbox>(std::move(*engine), path, table), path, table}));
#else
        (void)write;
        refuse("no_postgres", "database: '" + shown(path) +
                                  "' is a PostgreSQL URI, and this hookbox was built without PostgreSQL support");
#endif
    }
    std::error_code fec;
    const auto st = std::filesystem::status(path, fec);
    if (!std::filesystem::exists(st))
        refuse("no_such_file",
               "database: '" + printable(path) + "' does not exist (hookbox never creates a database)");
    if (std::filesystem::is_directory(st))
        refuse("not_a_file", "database: '" + printable(path) + "' is a directory, not a SQLite file");

    // Never created (the file may vanish after the check above), read-only unless the command
    // writes, and in the journal mode it has: switching to WAL would rewrite the file's header.
    error_code ec;
    diagnostics diag;
    auto engine = hookbox::engine::sqlite_engine::open(
        {.path = path, .read_only = !write, .create = false, .wal = false}, ec, diag);
    // A WAL database cannot be read where its -shm file can neither be read nor created (a
    // snapshot or a read-only mount): a command that only reads then opens the file as immutable,
    // which the engine refuses when a -wal file holds commits that reading the file alone would miss.
    if (!engine && !write && !folder_writable(path)) {
        error_code iec;
        diagnostics idiag;
        engine = hookbox::engine::sqlite_engine::open(
            {.path = path, .read_only = true, .immutable = true, .create = false, .wal = false}, iec, idiag);
        if (!engine && iec == errc::invalid_argument)  // the -wal file has commits
            refuse("wal_unreadable",
                   "database: '" + printable(path) +
                       "' is in a folder this user cannot write, and its -wal file holds commits that "
                       "SQLite reads only with the -shm file beside it, which it cannot create there; "
                       "copy the -shm file too, or run as a user who may write the folder");
    }
    if (!engine)
        database_error(ec, diag);

    return outbox_file(std::make_unique<impl>(
        impl{checked_outbox<hookbox::sqlite_outbox>(std::move(*engine), path, table), path, table}));
}

outbox_file::outbox_file(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}

std::size_t outbox_file::replay(const hookbox::delivery_filter& filter, const hookbox::step_callback& on_step,
                                error_code& ec, diagnostics& diag) {
    return impl_->visit([&](auto& ob) { return ob.replay(filter, on_step, ec, diag); });
}

std::size_t outbox_file::purge(const hookbox::delivery_filter& filter, const hookbox::step_callback& on_step,
                               error_code& ec, diagnostics& diag) {
    return impl_->visit(
        [&](auto& ob) { return ob.purge(filter, ob.params().replay_batch, on_step, ec, diag); });
}

std::size_t
outbox_file::count(const hookbox::delivery_filter& filter, bool replayable, error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.count(filter, replayable, ec, diag); });
}

void outbox_file::vacuum(error_code& ec, diagnostics& diag) {
    const std::string& t = impl_->table;
    impl_->visit([&](auto& ob) {
        auto& engine = ob.storage().engine();
        if constexpr (std::is_same_v<std::decay_t<decltype(ob)>, hookbox::sqlite_outbox>)
            (void)engine.query("VACUUM", {}, [](auto) {}, ec, diag);
        else
            (void)engine.query("VACUUM (ANALYZE) " + quoted(t) + ", " + quoted(hookbox::attempt_table(t)) + ", " +
                                   quoted(hookbox::payload_table(t)),
                               {}, [](auto) {}, ec, diag);
    });
}

std::vector<std::pair<std::string, hookbox::endpoint_state>>
outbox_file::endpoints(const std::string& state_table, bool& kept, error_code& ec, diagnostics& diag) {
    std::vector<std::pair<std::string, hookbox::endpoint_state>> out;
    impl_->health(state_table, kept, ec, diag, [&](auto& h) { out = h.endpoints(ec, diag); });
    return out;
}

hookbox::endpoint_state outbox_file::disable_endpoint(const std::string& state_table, const std::string& webhook_id,
                                                      std::string reason, hookbox::timestamp at, error_code& ec,
                                                      diagnostics& diag) {
    hookbox::endpoint_state st;
    bool kept = false;
    impl_->health(state_table, kept, ec, diag,
                  [&](auto& h) { st = h.disable(webhook_id, std::move(reason), at, ec, diag); });
    if (!ec && !kept)
        no_state_table(state_table);
    return st;
}

bool outbox_file::enable_endpoint(const std::string& state_table, const std::string& webhook_id, error_code& ec,
                                  diagnostics& diag) {
    bool was = false;
    bool kept = false;
    impl_->health(state_table, kept, ec, diag, [&](auto& h) { was = h.enable(webhook_id, ec, diag); });
    if (!ec && !kept)
        no_state_table(state_table);
    return was;
}
outbox_file::outbox_file(outbox_file&&) noexcept = default;
outbox_file& outbox_file::operator=(outbox_file&&) noexcept = default;
outbox_file::~outbox_file() = default;

hookbox::outbox_stats outbox_file::stats(error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.stats(ec, diag); });
}

std::vector<hookbox::webhook_failures>
outbox_file::failures(std::size_t limit, error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.failures(limit, ec, diag); });
}

hookbox::list_page
outbox_file::list(const hookbox::list_options& opts, error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.list(opts, ec, diag); });
}

std::optional<hookbox::delivery>
outbox_file::get(hookbox::delivery_id id, error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.get(id, ec, diag); });
}

std::vector<hookbox::attempt_record>
outbox_file::attempts(hookbox::delivery_id id, error_code& ec, diagnostics& diag) const {
    return impl_->visit([&](auto& ob) { return ob.attempts(id, ec, diag); });
}

hookbox::delivery outbox_file::redeliver(hookbox::delivery_id id, error_code& ec, diagnostics& diag) {
    return impl_->visit([&](auto& ob) { return ob.redeliver(id, ec, diag); });
}

std::size_t outbox_file::replay(const hookbox::delivery_filter& filter, error_code& ec, diagnostics& diag) {
    return impl_->visit([&](auto& ob) { return ob.replay(filter, ec, diag); });
}

std::size_t outbox_file::purge(const hookbox::delivery_filter& filter, error_code& ec, diagnostics& diag) {
    return impl_->visit([&](auto& ob) { return ob.purge(filter, ec, diag); });
}

failure to_failure(const error_code& ec, const diagnostics& diag) {
    failure f;
    f.status = exit_database;
    f.code = "system_error";
    if (ec.category() == hookbox::error_category()) {
        const auto e = static_cast<errc>(ec.value());
        f.code = std::string(hookbox::to_string(e));
        if (e == errc::not_found || e == errc::not_eligible || e == errc::claim_lost)
            f.status = exit_failed;
        else if (e >= errc::empty_field && e <= errc::invalid_delivery_id)
            f.status = exit_usage;
    }
    f.field = option_for_field(diag.field());
    f.message = diag.message().empty() ? ec.message() : diag.message();
    return f;
}

void library_error(const error_code& ec, const diagnostics& diag) {
    throw to_failure(ec, diag);
}

}  // namespace hookbox_cli
