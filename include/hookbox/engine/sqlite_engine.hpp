//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_ENGINE_HPP
#define HOOKBOX_ENGINE_SQLITE_ENGINE_HPP

/// \file
/// `sqlite_engine`: a `data_engine` (and `sql_engine`) on one SQLite 3 connection, through the
/// SQLite C API only. Link with `hookbox::sqlite`.

#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine {

/// How `sqlite_engine` opens its database.
struct sqlite_params {
    /// The database file, or `":memory:"` for a private in-memory database.
    std::string path = ":memory:";
    /// Opens with `SQLITE_OPEN_READONLY`: reads work, every write fails with `errc::read_only`.
    bool read_only = false;
    /// Creates the file when it does not exist (ignored when `read_only`).
    bool create = true;
    /// How long a statement waits for another connection's lock before failing with
    /// `errc::storage_busy`.
    std::chrono::milliseconds busy_timeout{5000};
    /// Puts a file database in write-ahead-log mode (readers do not block the writer, nor it them).
    /// Ignored for in-memory and read-only databases.
    bool wal = true;
    /// `PRAGMA synchronous`: `normal` with WAL is durable against process crashes and loses at most
    /// the last commits on power loss; `full` syncs every commit.
    enum class sync_mode : unsigned char { off, normal, full };
    sync_mode synchronous = sync_mode::normal;
    /// How many prepared statements the engine keeps (least recently used ones are finalized);
    /// 0 prepares every statement anew.
    std::size_t statement_cache_size = 64;
    /// The connection's page cache, in KiB (`PRAGMA cache_size = -N`): 64 to `INT_MAX`. The delivery
    /// table's indexes and the attempt history are read and written on every claim and ack; a cache
    /// that holds them keeps those pages out of the file system's read path. Memory is taken as
    /// pages are used, up to this bound.
    std::size_t cache_size_kib = 65536;
    /// `PRAGMA mmap_size`, in bytes: the part of a file database that reads map into memory instead
    /// of copying through `read` (SQLite bounds it by its own compile-time maximum). 0 turns
    /// memory mapping off; at most 2^40.
    std::uint64_t mmap_size = std::uint64_t(256) << 20;
    /// WAL mode: once a commit leaves at least this many pages in the write-ahead log, the log is
    /// copied into the database file (a checkpoint, which syncs both files). 0 turns automatic
    /// checkpoints off (the log then grows until a checkpoint is run through `native_handle()`, or
    /// the last connection closes); at most `INT_MAX`. Without `background_checkpoint` this is
    /// `PRAGMA wal_autocheckpoint`: the committing statement runs the checkpoint and waits for its
    /// two syncs.
    std::uint32_t wal_autocheckpoint = 1000;
    /// WAL mode on a writable file: checkpoints run on a second connection, in a thread the engine
    /// owns, in PASSIVE mode (they neither wait for nor block the engine's statements), so a commit
    /// never waits for a sync of the database file. A commit only wakes the thread. The log can only
    /// start over from its beginning once a checkpoint has copied all of it with no commit in
    /// between, a moment that steady writes never leave; so once it holds 8 x `wal_autocheckpoint`
    /// pages, the thread syncs the log and the database file, then holds the engine's statements
    /// back while it copies the last pages and syncs again (two syncs of almost nothing), and the
    /// next commit starts the log over. Only if the log reaches 32 x `wal_autocheckpoint` pages (the
    /// thread could not make it start over: another connection keeps reading an old part of it, or
    /// another process writes without pause) does a commit checkpoint what is left itself. Off, or
    /// when the second connection cannot be opened, checkpoints are SQLite's own
    /// (`PRAGMA wal_autocheckpoint`).
    bool background_checkpoint = true;
};

namespace detail::sqlite_impl {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// What the engine knows of one column, from PRAGMA table_info.
struct column_info {
    std::string name;
    column_type type = column_type::text;
    bool not_null = false;
    bool has_default = false;
    bool primary_key = false;
    bool auto_increment = false;
    // NOT NULL, no default and not filled by the engine: an insert must name it.
    bool required() const noexcept { return not_null && !has_default && !auto_increment; }
};

struct table_info {
    std::string name;
    std::vector<column_info> columns;
    bool auto_increment = false;
    std::size_t required = 0;

    const column_info* column(std::string_view n) const noexcept {
        for (const auto& c : columns)
            if (c.name.size() == n.size() && c.name == n)
                return &c;
        return nullptr;
    }
};

inline char ascii_upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_upper(a[i]) != ascii_upper(b[i]))
            return false;
    return true;
}

inline bool icontains(std::string_view hay, std::string_view needle) noexcept {
    if (needle.size() > hay.size())
        return false;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
        if (iequals(hay.substr(i, needle.size()), needle))
            return true;
    return false;
}

// The declared type the engine writes for each column type. `JSON_TEXT` has TEXT affinity (it
// contains "TEXT"), keeps JSON bytes exactly, and is recognised when the catalog is read back.
constexpr std::string_view declared_type(column_type t) noexcept {
    switch (t) {
    case column_type::integer: return "INTEGER";
    case column_type::real: return "REAL";
    case column_type::text: return "TEXT";
    case column_type::json: return "JSON_TEXT";
    }
    return "TEXT";
}

inline constexpr std::string_view json_decl = "JSON_TEXT";

// The column type of a declared type, by SQLite's affinity rules (section 3.1 of "Datatypes In SQLite").
inline column_type type_from_declared(std::string_view decl) noexcept {
    if (iequals(decl, json_decl))
        return column_type::json;
    if (icontains(decl, "INT"))
        return column_type::integer;
    if (icontains(decl, "CHAR") || icontains(decl, "CLOB") || icontains(decl, "TEXT"))
        return column_type::text;
    if (decl.empty() || icontains(decl, "BLOB"))
        return column_type::text;
    return column_type::real;  // REAL and NUMERIC affinity: numbers of either kind
}

inline void quote_ident(std::string& out, std::string_view id) {
    out += '"';
    for (char c : id) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

inline void quote_text(std::string& out, std::string_view s) {
    out += '\'';
    for (char c : s) {
        if (c == '\'')
            out += '\'';
        out += c;
    }
    out += '\'';
}

inline void append_number(std::string& out, std::size_t n) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, r.ptr);
}

// Appends the next positional parameter, `?N`, and remembers its value.
inline void append_param(std::string& out, std::vector<const value*>& binds, const value* v) {
    binds.push_back(v);
    out += '?';
    append_number(out, binds.size());
}

// The errc of an SQLite extended result code.
inline errc map_error(int ext, std::string_view msg) noexcept {
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return errc::unique_violation;
    switch (ext & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_SCHEMA: return errc::schema_error;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL: return errc::storage_busy;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: return errc::read_only;
    case SQLITE_FULL: return errc::storage_full;
    case SQLITE_RANGE:
    case SQLITE_MISUSE:
    case SQLITE_TOOBIG: return errc::invalid_argument;
    case SQLITE_ERROR:
        for (std::string_view s : {"no such table", "no such column", "has no column", "no such index",
                                   "already exists", "duplicate column", "Cannot add"})
            if (msg.find(s) != std::string_view::npos)
                return errc::schema_error;
        return errc::invalid_argument;  // a syntax error, a misplaced COMMIT, ...
    default: return errc::storage_failure;  // CANTOPEN, CORRUPT, NOTADB, IOERR, NOMEM, ...
    }
}

// True for statements that may change the schema (the catalog is then dropped).
inline bool is_ddl(std::string_view sql) noexcept {
    std::size_t i = 0;
    while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' || sql[i] == '('))
        ++i;
    auto word = sql.substr(i, 6);
    return iequals(word.substr(0, 6), "CREATE") || iequals(word.substr(0, 5), "ALTER") ||
           iequals(word.substr(0, 4), "DROP");
}

inline void bind_text(sqlite3_stmt* st, int i, std::string_view s) {
    sqlite3_bind_text64(st, i, s.data(), static_cast<sqlite3_uint64>(s.size()), SQLITE_STATIC, SQLITE_UTF8);
}

// Binds with SQLITE_STATIC: the value outlives the statement's step.
inline int bind_value(sqlite3_stmt* st, int i, const value& v) noexcept {
    switch (v.type()) {
    case value::kind::null: return sqlite3_bind_null(st, i);
    case value::kind::integer: return sqlite3_bind_int64(st, i, v.as_integer());
    case value::kind::real: return sqlite3_bind_double(st, i, v.as_real());
    case value::kind::text:
    case value::kind::json: {
        const std::string& s = v.as_text();
        return sqlite3_bind_text64(st, i, s.data(), static_cast<sqlite3_uint64>(s.size()), SQLITE_STATIC,
                                   SQLITE_UTF8);
    }
    }
    return SQLITE_MISUSE;
}

inline value read_value(sqlite3_stmt* st, int i, bool json) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return value(static_cast<std::int64_t>(sqlite3_column_int64(st, i)));
    case SQLITE_FLOAT: return value(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
        const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
        std::string s(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        return json ? value::json(std::move(s)) : value(std::move(s));
    }
    case SQLITE_BLOB: {
        const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
        std::string s(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
        return json ? value::json(std::move(s)) : value(std::move(s));
    }
    default: return value();
    }
}

// One prepared statement and what its result columns are called and hold.
struct stmt_entry {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
    int pins = 0;  // guards using it now; a pinned entry is never finalized nor handed out twice
    bool meta_ready = false;
    std::vector<std::string> names;
    std::vector<unsigned char> json;

    // Reads the result columns' names and whether they are JSON_TEXT columns. Called after the
    // first step, when a statement re-prepared after a schema change shows its new columns.
    void ensure_meta() {
        int n = sqlite3_column_count(stmt);
        if (meta_ready && names.size() == static_cast<std::size_t>(n))
            return;
        names.clear();
        json.clear();
        for (int i = 0; i < n; ++i) {
            const char* name = sqlite3_column_name(stmt, i);
            const char* decl = sqlite3_column_decltype(stmt, i);
            names.emplace_back(name ? name : "");
            json.push_back(decl && iequals(decl, json_decl) ? 1 : 0);
        }
        meta_ready = true;
    }
};

// Checkpoints of a WAL database on a connection and thread of their own (sqlite_params::background_checkpoint).
//
// A checkpoint syncs the log, copies it into the database file and syncs that file; SQLite's own
// automatic checkpoint runs inside the commit that makes it due, which then waits for both syncs.
// Here a commit only wakes the thread, whose PASSIVE checkpoints neither wait for nor block the
// engine's statements. But the log can only start over from its beginning once a checkpoint has
// copied all of it with no commit in between, and under steady writes that moment never comes: the
// log would grow without end. So once it holds `restart_` pages, the thread first syncs the log and
// the database file (outside any lock: these are the long syncs, of everything written since the
// last ones), then holds the engine's mutex while it copies the pages committed meanwhile, which
// syncs two files that have almost nothing left to write. The engine's statements wait for that
// short step only, and the next commit starts the log over. A commit checkpoints by itself only if
// the log reaches `emergency_` pages: the thread could not make it start over (another connection
// keeps reading an old part of it, or writes from another process never pause).
class checkpointer {
public:
    checkpointer() = default;
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;
    ~checkpointer() { stop(); }

    // Opens the second connection and starts the thread; false (and nothing started) on failure.
    // `writers` is the engine's mutex, which every statement of its connection holds.
    bool start(const std::string& path, int threshold, std::recursive_mutex& writers) {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
        // A connection learns that the database is in WAL mode, and opens the log, when it first
        // reads it: until then its checkpoints do nothing.
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK ||
            sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            return false;
        }
        writers_ = &writers;
        threshold_ = threshold;
        restart_ = threshold > INT_MAX / 8 ? INT_MAX : threshold * 8;
        emergency_ = restart_ > INT_MAX / 4 ? INT_MAX : restart_ * 4;
        try {
            thread_ = std::thread([this] { run(); });
        } catch (...) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            return false;
        }
        return true;
    }

    void stop() noexcept {
        if (thread_.joinable()) {
            {
                std::lock_guard<std::mutex> lk(m_);
                stop_ = true;
            }
            cv_.notify_one();
            thread_.join();
        }
        if (db_)
            sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    // How many checkpoints the thread has run (whether or not they copied every page).
    std::size_t runs() const noexcept { return runs_.load(std::memory_order_acquire); }

    // How many times the thread made the log start over (its short step under the engine's mutex).
    std::size_t restarts() const noexcept { return restarts_.load(std::memory_order_acquire); }

    // The WAL hook of the engine's connection, called after each commit with the log's size. The
    // thread is woken each time `threshold_` more pages are in the log than at its last checkpoint
    // (or the log started over since): each of its checkpoints then copies that many, and syncs
    // once for them, instead of once for every commit.
    static int on_commit(void* self, sqlite3* db, const char* name, int pages) noexcept {
        auto& c = *static_cast<checkpointer*>(self);
        const int last = c.last_log_.load(std::memory_order_relaxed);
        if (pages >= c.emergency_) {
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        } else if (pages >= c.threshold_ && (pages < last || pages - last >= c.threshold_)) {
            {
                std::lock_guard<std::mutex> lk(c.m_);
                c.due_ = true;
            }
            c.cv_.notify_one();
        }
        return SQLITE_OK;
    }

private:
    void run() noexcept {
        std::unique_lock<std::mutex> lk(m_);
        for (;;) {
            cv_.wait(lk, [this] { return due_ || stop_; });
            if (stop_)
                return;
            due_ = false;
            lk.unlock();
            // PASSIVE: copies what no reader still needs, never waits for a lock; what is left is
            // copied on a later wake-up. Errors (a checkpoint of another connection running) too.
            int log = 0;
            sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, nullptr);
            last_log_.store(log, std::memory_order_relaxed);
            runs_.fetch_add(1, std::memory_order_release);
            // The pass copied what the log held when it began; commits went on meanwhile. Unless
            // none came since the last step (the log is as long as it left it), make it start over.
            if (log >= restart_ && log != held_log_) {
                sync(SQLITE_FCNTL_JOURNAL_POINTER);
                sync(SQLITE_FCNTL_FILE_POINTER);
                std::lock_guard<std::recursive_mutex> hold(*writers_);
                sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &held_log_, nullptr);
                restarts_.fetch_add(1, std::memory_order_release);
            }
            lk.lock();
        }
    }

    // Syncs the log (SQLITE_FCNTL_JOURNAL_POINTER) or the database file (SQLITE_FCNTL_FILE_POINTER)
    // through this connection's own handle of it: through SQLite's VFS, since closing a descriptor
    // of our own on the file would drop the process's POSIX locks on it.
    void sync(int which) noexcept {
        sqlite3_file* f = nullptr;
        if (sqlite3_file_control(db_, "main", which, &f) == SQLITE_OK && f && f->pMethods)
            f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
    }

    sqlite3* db_ = nullptr;
    std::recursive_mutex* writers_ = nullptr;
    std::thread thread_;
    std::mutex m_;
    std::condition_variable cv_;
    bool due_ = false;
    bool stop_ = false;
    int threshold_ = 1000;
    int restart_ = 8000;
    int emergency_ = 32000;
    int held_log_ = -1;  // the log's length after the last step under the engine's mutex
    std::atomic<int> last_log_{0};
    std::atomic<std::size_t> runs_{0};
    std::atomic<std::size_t> restarts_{0};
};

class state;

// Use of one prepared statement: resets it and clears its bindings when done, so no statement is
// ever left running (holding a read snapshot or a lock) after an operation, error or exception.
class stmt_guard {
public:
    stmt_guard() = default;
    stmt_guard(const stmt_guard&) = delete;
    stmt_guard& operator=(const stmt_guard&) = delete;
    ~stmt_guard() { release(); }

    void use(state* s, stmt_entry* e) noexcept {
        s_ = s;
        e_ = e;
    }
    void use_owned(state* s, std::unique_ptr<stmt_entry> e) noexcept {
        s_ = s;
        own_ = std::move(e);
        e_ = own_.get();
    }
    inline void release() noexcept;

    sqlite3_stmt* get() const noexcept { return e_->stmt; }
    stmt_entry& entry() const noexcept { return *e_; }

private:
    state* s_ = nullptr;
    stmt_entry* e_ = nullptr;
    std::unique_ptr<stmt_entry> own_;
};

enum prepare_flags : unsigned { cached = 0, uncached = 1, single_statement = 2 };

// Everything behind a sqlite_engine: the connection, the statement cache, the catalog and the
// transaction levels. Members are used under `mu`, except `prepared`.
class state {
public:
    sqlite3* db = nullptr;
    bool owned = false;
    std::string path;
    std::size_t cache_capacity = 64;
    std::recursive_mutex mu;
    std::vector<bool> levels;  // open transaction levels, outermost first: true = savepoint, false = BEGIN
    std::list<stmt_entry> lru;  // most recently used first
    boost::unordered_flat_map<std::string_view, std::list<stmt_entry>::iterator, string_hash> index;
    std::unordered_map<std::string, table_info, string_hash, std::equal_to<>> catalog;
    std::atomic<std::size_t> prepared{0};
    std::string sql;                  // scratch: the statement being built
    std::vector<const value*> binds;  // scratch: its parameters
    // Set when SQLite rolled back an open transaction by itself (after SQLITE_FULL, an I/O error, ...):
    // what happened, for every statement until the application ends the transaction.
    std::optional<std::pair<errc, std::string>> aborted;
    // Set when sqlite_params::background_checkpoint runs checkpoints; closed before `db`.
    std::unique_ptr<checkpointer> ckpt;

    state() = default;
    state(const state&) = delete;
    state& operator=(const state&) = delete;

    ~state() {
        if (ckpt) {
            sqlite3_wal_hook(db, nullptr, nullptr);
            ckpt.reset();
        }
        for (auto& e : lru)
            sqlite3_finalize(e.stmt);
        lru.clear();
        index.clear();
        if (owned && db)
            sqlite3_close_v2(db);
    }

    // Finalizes least recently used statements beyond the capacity, never one in use.
    void trim() noexcept {
        if (lru.size() <= cache_capacity)
            return;
        auto it = lru.end();
        while (lru.size() > cache_capacity && it != lru.begin()) {
            --it;
            if (it->pins == 0) {
                index.erase(std::string_view(it->sql));
                sqlite3_finalize(it->stmt);
                it = lru.erase(it);
            }
        }
    }

    // Sets ec and diag from the connection's last error. `op` and `table` name what failed.
    void fail_db(int rc, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        int ext = sqlite3_extended_errcode(db);
        if ((ext & 0xff) != (rc & 0xff))
            ext = rc;
        std::string msg = ((ext & 0xff) == (sqlite3_errcode(db) & 0xff)) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        errc e = map_error(ext, msg);
        std::string field(table);
        if (e == errc::unique_violation) {
            field = unique_index_for(msg);
        } else if (ext == SQLITE_CONSTRAINT_NOTNULL) {
            if (auto p = msg.find("failed: "); p != std::string::npos)
                field = msg.substr(p + 8);
        } else if (e == errc::schema_error && !table.empty()) {
            if (auto it = catalog.find(table); it != catalog.end())
                catalog.erase(it);  // reload on the next statement
        }
        std::string message(op);
        if (!table.empty()) {
            message += " '";
            message += table;
            message += '\'';
        }
        message += " failed: ";
        message += msg;
        message += " (SQLite error ";
        message += std::to_string(ext);
        message += ')';
        if (!levels.empty() && sqlite3_get_autocommit(db) && !aborted)
            aborted.emplace(e, message);
        hookbox::detail::fail(ec, diag, e, std::move(field), std::move(message));
    }

    // False, with the error that ended it, when SQLite rolled back the open transaction by itself:
    // statements must not run outside the transaction the application believes is open.
    bool transaction_intact(error_code& ec, diagnostics& diag) {
        if (levels.empty() || !sqlite3_get_autocommit(db))
            return true;
        errc e = aborted ? aborted->first : errc::storage_failure;
        std::string why = aborted ? aborted->second : std::string("an error");
        hookbox::detail::fail(ec, diag, e, "transaction",
                              "SQLite rolled the transaction back after " + why +
                                  "; nothing in it was kept, and it must be rolled back");
        return false;
    }

    // Hands out the cached statement for `text`, preparing it on a miss.
    bool prepare(std::string_view text, stmt_guard& g, std::string_view op, std::string_view table,
                 error_code& ec, diagnostics& diag, unsigned flags = cached) {
        g.release();
        auto it = (flags & uncached) ? index.end() : index.find(text);
        if (it != index.end() && it->second->pins == 0) {
            lru.splice(lru.begin(), lru, it->second);
            ++it->second->pins;
            g.use(this, &*it->second);
            return true;
        }
        if (text.size() >= static_cast<std::size_t>(INT_MAX)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                  std::string(op) + ": the statement is too long");
            return false;
        }
        sqlite3_stmt* st = nullptr;
        const char* tail = nullptr;
        bool keep = cache_capacity > 0 && !(flags & uncached) && it == index.end();
        int rc = sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()), keep ? SQLITE_PREPARE_PERSISTENT : 0,
                                    &st, &tail);
        if (rc != SQLITE_OK) {
            fail_db(rc, op, table, ec, diag);
            sqlite3_finalize(st);
            return false;
        }
        if (!st) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                  std::string(op) + ": the text holds no SQL statement");
            return false;
        }
        if (flags & single_statement) {
            std::string_view rest = text.substr(static_cast<std::size_t>(tail - text.data()));
            if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
                sqlite3_finalize(st);
                hookbox::detail::fail(ec, diag, errc::invalid_argument, "sql",
                                      std::string(op) + ": the text holds more than one SQL statement");
                return false;
            }
        }
        prepared.fetch_add(1, std::memory_order_relaxed);
        if (!keep) {
            auto e = std::make_unique<stmt_entry>();
            e->stmt = st;
            g.use_owned(this, std::move(e));
            return true;
        }
        lru.emplace_front();
        stmt_entry& e = lru.front();
        e.sql.assign(text);
        e.stmt = st;
        e.pins = 1;
        index.emplace(std::string_view(e.sql), lru.begin());
        g.use(this, &e);
        trim();
        return true;
    }

    // Runs one statement to completion, ignoring rows.
    bool exec(std::string_view text, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag,
              unsigned flags = cached) {
        stmt_guard g;
        if (!prepare(text, g, op, table, ec, diag, flags))
            return false;
        for (;;) {
            int rc = sqlite3_step(g.get());
            if (rc == SQLITE_ROW)
                continue;
            if (rc == SQLITE_DONE)
                return true;
            fail_db(rc, op, table, ec, diag);
            return false;
        }
    }

    bool bind(sqlite3_stmt* st, int i, const value& v, std::string_view op, std::string_view table, error_code& ec,
              diagnostics& diag) {
        int rc = bind_value(st, i, v);
        if (rc == SQLITE_OK)
            return true;
        fail_db(rc, op, table, ec, diag);
        return false;
    }

    bool bind_all(sqlite3_stmt* st, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        for (std::size_t i = 0; i < binds.size(); ++i)
            if (!bind(st, static_cast<int>(i + 1), *binds[i], op, table, ec, diag))
                return false;
        return true;
    }

    // ----- the catalog -----

    const table_info* load_table(std::string_view t, error_code& ec, diagnostics& diag) {
        table_info ti;
        ti.name.assign(t);
        int pk_columns = 0;
        {
            stmt_guard g;
            if (!prepare("SELECT name, type, \"notnull\", dflt_value IS NOT NULL, pk FROM pragma_table_info(?1)", g,
                         "read the columns of", t, ec, diag))
                return nullptr;
            bind_text(g.get(), 1, t);
            for (;;) {
                int rc = sqlite3_step(g.get());
                if (rc == SQLITE_DONE)
                    break;
                if (rc != SQLITE_ROW) {
                    fail_db(rc, "read the columns of", t, ec, diag);
                    return nullptr;
                }
                column_info c;
                const char* name = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                const char* decl = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 1));
                c.name = name ? name : "";
                c.type = type_from_declared(decl ? decl : "");
                c.not_null = sqlite3_column_int(g.get(), 2) != 0;
                c.has_default = sqlite3_column_int(g.get(), 3) != 0;
                c.primary_key = sqlite3_column_int(g.get(), 4) != 0;
                pk_columns += c.primary_key ? 1 : 0;
                ti.columns.push_back(std::move(c));
            }
        }
        if (ti.columns.empty()) {
            if (auto it = catalog.find(t); it != catalog.end())
                catalog.erase(it);
            hookbox::detail::fail(ec, diag, errc::schema_error, std::string(t), "no table '" + std::string(t) + "'");
            return nullptr;
        }
        column_info* pk = nullptr;
        for (auto& c : ti.columns)
            if (c.primary_key && pk_columns == 1 && c.type == column_type::integer)
                pk = &c;
        if (pk) {
            // AUTOINCREMENT may only follow INTEGER PRIMARY KEY, so its presence in the table's SQL
            // names the primary key.
            stmt_guard g;
            if (!prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1", g, "read the columns of", t,
                         ec, diag))
                return nullptr;
            bind_text(g.get(), 1, t);
            int rc = sqlite3_step(g.get());
            if (rc == SQLITE_ROW) {
                const char* text = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                if (text && icontains(text, "AUTOINCREMENT"))
                    pk->auto_increment = ti.auto_increment = true;
            } else if (rc != SQLITE_DONE) {
                fail_db(rc, "read the columns of", t, ec, diag);
                return nullptr;
            }
        }
        for (const auto& c : ti.columns)
            ti.required += c.required() ? 1 : 0;
        auto it = catalog.find(t);
        if (it != catalog.end())
            it->second = std::move(ti);
        else
            it = catalog.emplace(std::string(t), std::move(ti)).first;
        return &it->second;
    }

    const table_info* table(std::string_view t, bool& fresh, error_code& ec, diagnostics& diag) {
        if (auto it = catalog.find(t); it != catalog.end()) {
            fresh = false;
            return &it->second;
        }
        fresh = true;
        return load_table(t, ec, diag);
    }

    // Finds the table and runs `build(info, unknown)`, which validates a statement against it and
    // writes its SQL; when that fails on an unknown column with a catalog read earlier, reads the
    // table again (another connection may have migrated it) and builds once more.
    template <class Build>
    const table_info* resolve(std::string_view t, Build&& build, error_code& ec, diagnostics& diag) {
        bool fresh = false;
        const table_info* ti = table(t, fresh, ec, diag);
        if (!ti)
            return nullptr;
        bool unknown = false;
        if (build(*ti, unknown))
            return ti;
        if (!unknown || fresh)
            return nullptr;
        ec.clear();
        ti = load_table(t, ec, diag);
        if (!ti)
            return nullptr;
        unknown = false;
        return build(*ti, unknown) ? ti : nullptr;
    }

    // ----- atomic multi-statement operations -----

    // Starts a write transaction for an operation, or a savepoint inside an open one.
    bool op_begin(bool& outer, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        outer = sqlite3_get_autocommit(db) != 0;
        return exec(outer ? "BEGIN IMMEDIATE" : "SAVEPOINT hbop", op, table, ec, diag);
    }

    void op_rollback(bool outer) noexcept {
        if (sqlite3_get_autocommit(db))
            return;  // SQLite rolled it back already (after SQLITE_FULL, an I/O error, ...)
        error_code ec;
        diagnostics diag;
        try {
            if (outer) {
                exec("ROLLBACK", "rollback", {}, ec, diag);
            } else {
                exec("ROLLBACK TO hbop", "rollback", {}, ec, diag);
                exec("RELEASE hbop", "rollback", {}, ec, diag);
            }
        } catch (...) {
        }
    }

    bool op_commit(bool outer, std::string_view op, std::string_view table, error_code& ec, diagnostics& diag) {
        if (exec(outer ? "COMMIT" : "RELEASE hbop", op, table, ec, diag))
            return true;
        op_rollback(outer);
        return false;
    }

private:
    // The name of the unique index a "UNIQUE constraint failed: t.a, t.b" message is about, or the
    // message's column list when no declared index matches (a primary key).
    std::string unique_index_for(const std::string& msg) {
        auto p = msg.find("failed: ");
        if (p == std::string::npos)
            return {};
        std::string list = msg.substr(p + 8);
        std::string table;
        std::vector<std::string> cols;
        std::size_t start = 0;
        while (start <= list.size()) {
            std::size_t end = list.find(", ", start);
            std::string item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
            auto dot = item.find('.');
            if (dot == std::string::npos)
                return list;
            table = item.substr(0, dot);
            cols.push_back(item.substr(dot + 1));
            if (end == std::string::npos)
                break;
            start = end + 2;
        }
        error_code ec;
        diagnostics diag;
        std::vector<std::string> candidates;
        {
            stmt_guard g;
            if (!prepare("SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1 AND origin = 'c'", g, "", {}, ec,
                         diag))
                return list;
            bind_text(g.get(), 1, table);
            while (sqlite3_step(g.get()) == SQLITE_ROW)
                if (auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0)))
                    candidates.emplace_back(n);
        }
        for (const auto& name : candidates) {
            stmt_guard g;
            if (!prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", g, "", {}, ec, diag))
                return list;
            bind_text(g.get(), 1, name);
            std::vector<std::string> ix;
            while (sqlite3_step(g.get()) == SQLITE_ROW) {
                auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                ix.emplace_back(n ? n : "");
            }
            if (ix == cols)
                return name;
        }
        return list;
    }
};

inline void stmt_guard::release() noexcept {
    if (!e_)
        return;
    sqlite3_reset(e_->stmt);
    sqlite3_clear_bindings(e_->stmt);
    if (own_) {
        sqlite3_finalize(own_->stmt);
        own_.reset();
    } else {
        --e_->pins;
        s_->trim();
    }
    e_ = nullptr;
}

inline bool schema_err(error_code& ec, diagnostics& diag, std::string_view t, std::string_view c, std::string message) {
    std::string field(t);
    if (!c.empty()) {
        field += '.';
        field += c;
    }
    hookbox::detail::fail(ec, diag, errc::schema_error, std::move(field), std::move(message));
    return false;
}

inline std::string qualified(std::string_view t, std::string_view c) {
    std::string s = "'";
    s += t;
    s += '.';
    s += c;
    s += '\'';
    return s;
}

inline const column_info* find_column(const table_info& ti, std::string_view t, std::string_view c, bool& unknown,
                                      error_code& ec, diagnostics& diag) {
    if (const column_info* ci = ti.column(c))
        return ci;
    unknown = true;
    schema_err(ec, diag, t, c, "table '" + std::string(t) + "' has no column '" + std::string(c) + "'");
    return nullptr;
}

// Checks that column `c` may hold `v` (a value to store when `store`, else an operand).
inline bool check_value(const column_info& c, std::string_view t, const value& v, bool store, error_code& ec,
                        diagnostics& diag) {
    if (v.is_null()) {
        if (!store)
            return schema_err(ec, diag, t, c.name, "a comparison of " + qualified(t, c.name) +
                                                       " with null matches nothing; use is_null or is_not_null");
        if (c.not_null && !c.auto_increment)
            return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " is NOT NULL; it cannot hold null");
        return true;
    }
    if (!engine::detail::type_accepts(c.type, v.type()))
        return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " is " + std::string(to_string(c.type)) +
                                                   " and cannot " + (store ? "hold" : "be compared with") + " a " +
                                                   std::string(to_string(v.type())) + " value");
    if (v.type() == value::kind::real && std::isnan(v.as_real()))  // SQLite would store NULL
        return schema_err(ec, diag, t, c.name, "column " + qualified(t, c.name) + " cannot " +
                                                   (store ? "hold" : "be compared with") + " NaN");
    return true;
}

// Writes the SQL condition of `f`, validating it against the table.
inline bool condition_sql(const table_info& ti, std::string_view t, const filter& f, std::string& sql,
                          std::vector<const value*>& binds, bool& unknown, error_code& ec, diagnostics& diag) {
    switch (f.type) {
    case filter::kind::all: sql += '1'; return true;
    case filter::kind::compare:
    case filter::kind::in: {
        const column_info* c = find_column(ti, t, f.column, unknown, ec, diag);
        if (!c)
            return false;
        if (c->type == column_type::json)
            return schema_err(ec, diag, t, c->name, "json column " + qualified(t, c->name) +
                                                        " can only be tested with is_null or is_not_null");
        if (f.type == filter::kind::compare) {
            if (!check_value(*c, t, f.operand, false, ec, diag))
                return false;
            quote_ident(sql, c->name);
            sql += ' ';
            sql += to_string(f.op);
            sql += ' ';
            append_param(sql, binds, &f.operand);
            return true;
        }
        if (f.values.empty()) {
            sql += '0';
            return true;
        }
        for (const auto& v : f.values)
            if (!check_value(*c, t, v, false, ec, diag))
                return false;
        quote_ident(sql, c->name);
        sql += " IN (";
        for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i)
                sql += ", ";
            append_param(sql, binds, &f.values[i]);
        }
        sql += ')';
        return true;
    }
    case filter::kind::is_null:
    case filter::kind::is_not_null: {
        const column_info* c = find_column(ti, t, f.column, unknown, ec, diag);
        if (!c)
            return false;
        quote_ident(sql, c->name);
        sql += f.type == filter::kind::is_null ? " IS NULL" : " IS NOT NULL";
        return true;
    }
    case filter::kind::and_:
    case filter::kind::or_: {
        bool conj = f.type == filter::kind::and_;
        if (f.children.empty()) {
            sql += conj ? '1' : '0';
            return true;
        }
        sql += '(';
        for (std::size_t i = 0; i < f.children.size(); ++i) {
            if (i)
                sql += conj ? " AND " : " OR ";
            if (!condition_sql(ti, t, f.children[i], sql, binds, unknown, ec, diag))
                return false;
        }
        sql += ')';
        return true;
    }
    }
    return schema_err(ec, diag, t, {}, "unknown filter kind");
}

inline bool where_sql(const table_info& ti, std::string_view t, const filter& f, std::string& sql,
                      std::vector<const value*>& binds, bool& unknown, error_code& ec, diagnostics& diag) {
    if (f.type == filter::kind::all)
        return true;
    sql += " WHERE ";
    return condition_sql(ti, t, f, sql, binds, unknown, ec, diag);
}

// Validates a record for insertion: known columns, accepted types, every required column given.
inline bool check_insert(const table_info& ti, std::string_view t, const record& r, bool& unknown, error_code& ec,
                         diagnostics& diag) {
    std::size_t required = 0;
    for (const auto& f : r) {
        const column_info* c = find_column(ti, t, f.name, unknown, ec, diag);
        if (!c || !check_value(*c, t, f.value, true, ec, diag))
            return false;
        required += c->required() ? 1 : 0;
    }
    if (required < ti.required) {
        for (const auto& c : ti.columns)
            if (c.required() && !r.find(c.name))
                return schema_err(ec, diag, t, c.name,
                                  "column " + qualified(t, c.name) +
                                      " is NOT NULL without a default; the record must give it a value");
    }
    return true;
}

inline void insert_sql(std::string_view t, const record& r, std::string& sql) {
    sql.assign("INSERT INTO ");
    quote_ident(sql, t);
    if (r.empty()) {
        sql += " DEFAULT VALUES";
        return;
    }
    sql += " (";
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (i)
            sql += ", ";
        quote_ident(sql, r.at(i).name);
    }
    sql += ") VALUES (";
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (i)
            sql += ", ";
        sql += '?';
        append_number(sql, i + 1);
    }
    sql += ')';
}

inline bool same_columns(const record& a, const record& b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a.at(i).name != b.at(i).name)
            return false;
    return true;
}

// ----- DDL -----

inline bool literal_sql(std::string& out, std::string_view t, const column_def& c, error_code& ec, diagnostics& diag) {
    const value& v = c.default_value;
    if (!engine::detail::type_accepts(c.type, v.type()))
        return schema_err(ec, diag, t, c.name, "the default of column " + qualified(t, c.name) + " is " +
                                                   std::string(to_string(v.type())) + ", but the column is " +
                                                   std::string(to_string(c.type)));
    switch (v.type()) {
    case value::kind::null: out += "NULL"; return true;
    case value::kind::integer: out += std::to_string(v.as_integer()); return true;
    case value::kind::real: {
        double d = v.as_real();
        if (std::isnan(d))
            return schema_err(ec, diag, t, c.name, "the default of column " + qualified(t, c.name) + " is NaN");
        if (std::isinf(d)) {
            out += d > 0 ? "9e999" : "-9e999";
            return true;
        }
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
        out += s;
        if (s.find_first_of(".eE") == std::string_view::npos)
            out += ".0";
        return true;
    }
    case value::kind::text:
    case value::kind::json:
        if (v.as_text().find('\0') != std::string::npos)
            return schema_err(ec, diag, t, c.name,
                              "the default of column " + qualified(t, c.name) + " contains a NUL byte");
        quote_text(out, v.as_text());
        return true;
    }
    return false;
}

// `"name" TYPE [PRIMARY KEY ...] [NOT NULL] [DEFAULT literal]`.
inline bool column_sql(std::string& out, std::string_view t, const column_def& c, bool primary_key, error_code& ec,
                       diagnostics& diag) {
    quote_ident(out, c.name);
    out += ' ';
    out += declared_type(c.type);
    if (c.auto_increment) {
        if (!c.default_value.is_null())
            return schema_err(ec, diag, t, c.name, "auto_increment column " + qualified(t, c.name) + " takes no default");
        out += " PRIMARY KEY AUTOINCREMENT";
        return true;
    }
    if (primary_key)
        out += " PRIMARY KEY NOT NULL";
    else if (!c.nullable)
        out += " NOT NULL";
    if (!c.default_value.is_null()) {
        out += " DEFAULT ";
        if (!literal_sql(out, t, c, ec, diag))
            return false;
    }
    return true;
}

inline bool create_table_sql(const table_def& td, std::string& out, error_code& ec, diagnostics& diag) {
    if (!check_table(td, ec, diag))
        return false;
    out.assign("CREATE TABLE ");
    quote_ident(out, td.name);
    out += " (";
    for (std::size_t i = 0; i < td.columns.size(); ++i) {
        if (i)
            out += ", ";
        if (!column_sql(out, td.name, td.columns[i], td.columns[i].name == td.primary_key, ec, diag))
            return false;
    }
    out += ')';
    return true;
}

// A constant of a partial index's predicate (checked by check_index_where: not null, not NaN, no NUL).
inline void constant_sql(std::string& out, const value& v) {
    switch (v.type()) {
    case value::kind::null: out += "NULL"; return;
    case value::kind::integer: out += std::to_string(v.as_integer()); return;
    case value::kind::real: {
        double d = v.as_real();
        if (std::isinf(d)) {
            out += d > 0 ? "9e999" : "-9e999";
            return;
        }
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
        out += text;
        if (text.find_first_of(".eE") == std::string_view::npos)
            out += ".0";
        return;
    }
    case value::kind::text:
    case value::kind::json: quote_text(out, v.as_text()); return;
    }
}

// The WHERE of a partial index, with its operands written as constants: SQLite takes no
// parameters there, and uses the index only for statements whose WHERE implies this text.
inline void predicate_sql(std::string& out, const filter& f) {
    switch (f.type) {
    case filter::kind::all: out += '1'; return;
    case filter::kind::compare:
        quote_ident(out, f.column);
        out += ' ';
        out += to_string(f.op);
        out += ' ';
        constant_sql(out, f.operand);
        return;
    case filter::kind::in:
        if (f.values.empty()) {
            out += '0';
            return;
        }
        quote_ident(out, f.column);
        out += " IN (";
        for (std::size_t i = 0; i < f.values.size(); ++i) {
            if (i)
                out += ", ";
            constant_sql(out, f.values[i]);
        }
        out += ')';
        return;
    case filter::kind::is_null:
    case filter::kind::is_not_null:
        quote_ident(out, f.column);
        out += f.type == filter::kind::is_null ? " IS NULL" : " IS NOT NULL";
        return;
    case filter::kind::and_:
    case filter::kind::or_: {
        bool conj = f.type == filter::kind::and_;
        if (f.children.empty()) {
            out += conj ? '1' : '0';
            return;
        }
        out += '(';
        for (std::size_t i = 0; i < f.children.size(); ++i) {
            if (i)
                out += conj ? " AND " : " OR ";
            predicate_sql(out, f.children[i]);
        }
        out += ')';
        return;
    }
    }
}

inline bool index_sql(std::string_view t, const index_def& ix, std::string& out, error_code& ec, diagnostics& diag) {
    if (!is_identifier(t))
        return schema_err(ec, diag, t, {}, "table name '" + std::string(t) + "' is not an identifier");
    if (!is_identifier(ix.name) || ix.columns.empty())
        return schema_err(ec, diag, t, {}, "table '" + std::string(t) + "': index '" + ix.name +
                                               "' needs a valid name and at least one column");
    for (const auto& c : ix.columns)
        if (!is_identifier(c))
            return schema_err(ec, diag, t, c, "table '" + std::string(t) + "': index '" + ix.name +
                                                  "' names an invalid column '" + c + "'");
    out.assign(ix.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
    quote_ident(out, ix.name);
    out += " ON ";
    quote_ident(out, t);
    out += " (";
    for (std::size_t i = 0; i < ix.columns.size(); ++i) {
        if (i)
            out += ", ";
        quote_ident(out, ix.columns[i]);
    }
    out += ')';
    if (ix.partial()) {
        out += " WHERE ";
        predicate_sql(out, ix.where);
    }
    return true;
}

inline bool add_column_sql(const add_column& a, std::string& out, error_code& ec, diagnostics& diag) {
    if (!is_identifier(a.table))
        return schema_err(ec, diag, a.table, {}, "table name '" + a.table + "' is not an identifier");
    if (!is_identifier(a.column.name))
        return schema_err(ec, diag, a.table, a.column.name, "table '" + a.table + "': column name '" + a.column.name +
                                                                "' must be 1-63 letters, digits or underscores");
    if (a.column.auto_increment)
        return schema_err(ec, diag, a.table, a.column.name,
                          "column " + qualified(a.table, a.column.name) + " cannot be added as auto_increment");
    if (!a.column.nullable && a.column.default_value.is_null())
        return schema_err(ec, diag, a.table, a.column.name, "added column " + qualified(a.table, a.column.name) +
                                                                " is NOT NULL, so it needs a default for existing rows");
    out.assign("ALTER TABLE ");
    quote_ident(out, a.table);
    out += " ADD COLUMN ";
    return column_sql(out, a.table, a.column, false, ec, diag);
}

// Checks a step without touching the database.
inline bool check_step(const schema_step& step, error_code& ec, diagnostics& diag) {
    std::string scratch;
    if (auto* ct = std::get_if<create_table>(&step))
        return create_table_sql(ct->table, scratch, ec, diag);
    if (auto* ac = std::get_if<add_column>(&step))
        return add_column_sql(*ac, scratch, ec, diag);
    if (auto* ci = std::get_if<create_index>(&step))
        return index_sql(ci->table, ci->index, scratch, ec, diag);
    if (auto* di = std::get_if<drop_index>(&step)) {
        if (!is_identifier(di->table) || !is_identifier(di->name))
            return schema_err(ec, diag, di->table, {}, "drop_index needs a valid table and index name");
        return true;
    }
    if (auto* dc = std::get_if<drop_column>(&step)) {
        if (!is_identifier(dc->table) || !is_identifier(dc->column))
            return schema_err(ec, diag, dc->table, dc->column,
                              "drop_column needs a valid table and column name");
        return true;
    }
    const auto& cr = std::get<copy_rows>(step);
    if (!is_identifier(cr.from) || !is_identifier(cr.to))
        return schema_err(ec, diag, cr.to, {}, "copy_rows needs valid table names");
    for (const auto& c : cr.columns)
        if (!is_identifier(c))
            return schema_err(ec, diag, cr.to, c, "copy_rows from '" + cr.from + "' to '" + cr.to +
                                                      "': column name '" + c + "' is not an identifier");
    return true;
}

}  // namespace detail::sqlite_impl

/// A `data_engine` and `sql_engine` on one SQLite 3 connection.
///
/// ## Threads and processes
///
/// One engine object owns one connection (opened with `SQLITE_OPEN_NOMUTEX`) and a
/// `std::recursive_mutex` that serializes every statement on it, so one object may be shared by
/// several threads. `begin` at depth 0 takes that mutex and holds it until the outermost `commit` or
/// `rollback`: a transaction belongs to the thread that began it, and other threads' statements on
/// the same object wait until it ends. `commit` and `rollback` must be called by that thread.
///
/// Several engine objects (in threads or processes) may share one database file. File databases
/// use WAL mode, so readers never block the writer nor it them; writers take the file's write lock,
/// waiting up to `sqlite_params::busy_timeout` for it, and fail with `errc::storage_busy` after that.
/// `begin` starts `BEGIN IMMEDIATE`, so a transaction takes the write lock at once and never has to
/// upgrade a read lock later (which could deadlock two processes).
///
/// With `sqlite_params::background_checkpoint` (the default for a writable WAL file), the engine also
/// owns a second connection and a thread that runs PASSIVE checkpoints when commits wake it; it
/// touches nothing else of the engine but its mutex (held for the short step that makes the log
/// start over), and stops before the engine's connection closes.
///
/// ## Schema
///
/// `migrate` keeps each plan's version in `hookbox_schema(name TEXT PRIMARY KEY, version INTEGER NOT
/// NULL)` and applies each migration in its own `BEGIN IMMEDIATE` transaction (a savepoint inside an
/// open transaction), re-reading the version inside it, so that processes migrating one file at the
/// same time apply each migration once. Column types map to declared types `INTEGER`, `REAL`, `TEXT`
/// and `JSON_TEXT` (TEXT affinity, bytes kept exactly); an auto-increment key is
/// `INTEGER PRIMARY KEY AUTOINCREMENT` (keys are never reused), any other key `PRIMARY KEY NOT NULL`.
/// A partial index is `CREATE INDEX ... WHERE ...` with its operands written as constants; SQLite's
/// planner uses it for a statement whose WHERE implies that text; a statement that binds a
/// parameter where that text has a constant is prepared again, with the bound value, each time it
/// runs. `drop_column` is `ALTER TABLE ... DROP COLUMN` (which rewrites the table), `copy_rows` one
/// `INSERT INTO ... SELECT`.
/// The engine reads each table's columns from `PRAGMA table_info` on first use and caches them; it
/// reads them again after `migrate`, after DDL through `query`, and when a statement names a column
/// it does not know (another connection may have added it).
///
/// ## Statements
///
/// Each operation is one SQL statement with `?N` parameters, prepared once and kept in a bounded
/// least-recently-used cache keyed by its text; `insert_many` and `migrate` wrap their statements in
/// a transaction or savepoint. Every statement is reset as soon as it is done, after errors too.
///
/// ## Errors
///
/// SQLite's extended result codes map to: `SQLITE_CONSTRAINT_UNIQUE` and `_PRIMARYKEY` →
/// `errc::unique_violation` (the diagnostics' field names the unique index, or `table.column` for a
/// primary key); other constraints, `no such table/column` → `errc::schema_error`; `SQLITE_BUSY`,
/// `SQLITE_LOCKED` → `errc::storage_busy`; `SQLITE_READONLY*` → `errc::read_only`; `SQLITE_FULL` →
/// `errc::storage_full`; `SQLITE_CANTOPEN`, `SQLITE_CORRUPT`, `SQLITE_NOTADB`, `SQLITE_IOERR*` →
/// `errc::storage_failure`; other SQL errors (syntax, parameter counts) → `errc::invalid_argument`.
/// Messages name the operation, the table and SQLite's own message. The engine checks statements
/// against the catalog before SQLite sees them (unknown table or column, a value of the wrong type, a
/// null in a NOT NULL column, a null operand, a comparison on a json column → `errc::schema_error`
/// whose field is `table.column`).
///
/// After some errors inside a transaction (`SQLITE_FULL`, I/O errors) SQLite rolls the whole
/// transaction back by itself. The engine then fails every statement and `commit` with that error
/// until `rollback` ends each open level, so that nothing runs outside the transaction the caller
/// believes is open.
///
/// A moved-from engine may only be destroyed or assigned to.
class sqlite_engine {
    using state = detail::sqlite_impl::state;
    using stmt_guard = detail::sqlite_impl::stmt_guard;

public:
    /// Opens (or creates) the database with `sqlite3_open_v2`, sets the busy timeout, `journal_mode=WAL`
    /// (files only, not read-only), `synchronous`, `foreign_keys=ON`, `temp_store=MEMORY`,
    /// `cache_size`, `mmap_size` and `wal_autocheckpoint`, turns off double-quoted string
    /// literals (`SQLITE_DBCONFIG_DQS_DDL`/`_DML`: a misspelt column is an error, not a string), and
    /// reads the schema, so that a file that is not a database fails here. Throws
    /// `error_with_diagnostics` on failure (`errc::storage_failure` naming the path for a file that
    /// cannot be opened or is not a database; `errc::invalid_argument` naming the field for
    /// `cache_size_kib`, `mmap_size` or `wal_autocheckpoint` out of range).
    explicit sqlite_engine(const sqlite_params& params)
        : s_(hookbox::detail::call_or_throw(
              [&](error_code& ec, diagnostics& diag) { return open_state(params, ec, diag); })) {}

    /// Opens (or creates) the database; `std::nullopt` with `ec` set on failure.
    static std::optional<sqlite_engine> open(const sqlite_params& params, error_code& ec, diagnostics& diag) {
        auto s = open_state(params, ec, diag);
        if (!s)
            return std::nullopt;
        return sqlite_engine(std::move(s));
    }

    /// An engine over the caller's connection `db`, which it never closes: for inserting inside the
    /// caller's own transaction on that connection (`begin` then opens a savepoint in it). The
    /// connection's settings are left as they are. The engine must be destroyed before `db` is closed,
    /// and `db` must not be used by another thread while the engine runs a statement.
    static sqlite_engine attach(sqlite3* db, std::size_t statement_cache_size = 64) {
        if (!db)
            throw error_with_diagnostics(make_error_code(errc::invalid_argument),
                                         make_diag("db", "sqlite_engine::attach needs a connection"));
        auto s = std::make_unique<state>();
        s->db = db;
        s->owned = false;
        s->cache_capacity = statement_cache_size;
        const char* file = sqlite3_db_filename(db, "main");
        s->path = file ? file : "";
        return sqlite_engine(std::move(s));
    }

    sqlite_engine(const sqlite_engine&) = delete;
    sqlite_engine& operator=(const sqlite_engine&) = delete;
    sqlite_engine(sqlite_engine&&) noexcept = default;
    sqlite_engine& operator=(sqlite_engine&& other) noexcept {
        if (this != &other) {
            close();
            s_ = std::move(other.s_);
        }
        return *this;
    }

    /// Rolls back a transaction still open (the caller must be the thread that began it), finalizes
    /// every statement and closes the connection if the engine opened it.
    ~sqlite_engine() { close(); }

    /// The connection, for what the engine does not offer. Do not use it while another thread runs a
    /// statement on this engine, and do not close it.
    sqlite3* native_handle() const noexcept { return s_->db; }

    /// The database path as given in `sqlite_params`, or the attached connection's file name.
    const std::string& path() const noexcept { return s_->path; }

    /// How many statements the engine has prepared so far (cache misses, and statements it does not
    /// cache).
    std::size_t statements_prepared() const noexcept { return s_->prepared.load(std::memory_order_relaxed); }

    /// How many checkpoints the background thread has run so far (0 when
    /// `sqlite_params::background_checkpoint` is off or does not apply).
    std::size_t background_checkpoints() const noexcept { return s_->ckpt ? s_->ckpt->runs() : 0; }

    /// How many times the background thread has made the log start over (see
    /// `sqlite_params::background_checkpoint`); 0 when there is no such thread.
    std::size_t background_restarts() const noexcept { return s_->ckpt ? s_->ckpt->restarts() : 0; }

    /// How many prepared statements the cache holds now.
    std::size_t statements_cached() const {
        std::lock_guard<std::recursive_mutex> lk(s_->mu);
        return s_->lru.size();
    }

    static constexpr sql_dialect dialect() noexcept { return sql_dialect::sqlite; }

    // ----- schema -----

    /// Applies the plan's missing versions in order, each in one transaction together with its version
    /// bump; returns the version now stored.
    int migrate(const schema_plan& plan, error_code& ec, diagnostics& diag) {
        return migrate(plan, plan.latest(), ec, diag);
    }

    /// The same, stopping at version `up_to` (from 0 to `plan.latest()`).
    int migrate(const schema_plan& plan, int up_to, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::check_plan(plan, ec, diag))
            return 0;
        if (up_to < 0 || up_to > plan.latest()) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "version",
                                  "migrate to version " + std::to_string(up_to) + " of schema '" + plan.name +
                                      "', which has versions 0 to " + std::to_string(plan.latest()));
            return 0;
        }
        for (const auto& m : plan.migrations)
            for (const auto& step : m.steps)
                if (!detail::sqlite_impl::check_step(step, ec, diag))
                    return 0;
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        int stored = read_version(plan.name, ec, diag);
        if (ec)
            return 0;
        if (stored > plan.latest()) {
            detail::fail_too_new(ec, diag, plan, stored);
            return stored;
        }
        while (stored < up_to) {
            bool outer = false;
            if (!s.op_begin(outer, "migrate", plan.name, ec, diag))
                return stored;
            int now = 0;
            bool ok = s.exec("CREATE TABLE IF NOT EXISTS hookbox_schema (name TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                             "migrate", plan.name, ec, diag, detail::sqlite_impl::uncached);
            if (ok) {
                now = read_version(plan.name, ec, diag);
                ok = !ec;
            }
            if (ok && now > plan.latest()) {
                detail::fail_too_new(ec, diag, plan, now);
                ok = false;
            }
            if (ok && now < up_to)
                ok = apply(plan.migrations[static_cast<std::size_t>(now)], ec, diag) &&
                     write_version(plan.name, ++now, ec, diag);
            if (!ok) {
                s.op_rollback(outer);
                s.catalog.clear();
                return ec == make_error_code(errc::schema_too_new) ? now : stored;
            }
            bool committed = s.op_commit(outer, "migrate", plan.name, ec, diag);
            s.catalog.clear();
            if (!committed)
                return stored;
            stored = now;
        }
        return stored;
    }

    /// The version stored for the plan called `name`, 0 if none.
    int schema_version(std::string_view name, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard<std::recursive_mutex> lk(s_->mu);
        return read_version(name, ec, diag);
    }

    // ----- data -----

    /// The matching rows, projected (every column in schema order when `fo.fields` is empty), sorted
    /// and limited.
    std::vector<record> find(std::string_view t, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<record> out;
        std::lock_guard<std::recursive_mutex> lk(s_->mu);
        if (s_->transaction_intact(ec, diag))
            select(t, fo, fo.limit, out, ec, diag);
        return out;
    }

    /// The first row `find` would return.
    std::optional<record> find_one(std::string_view t, const find_options& fo, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<record> out;
        std::lock_guard<std::recursive_mutex> lk(s_->mu);
        if (!s_->transaction_intact(ec, diag) || !select(t, fo, 1, out, ec, diag) || out.empty())
            return std::nullopt;
        return std::move(out.front());
    }

    /// Inserts one row; returns its auto-increment key, or 0 when the table has none.
    std::int64_t insert(std::string_view t, const record& r, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        const auto* ti = s.resolve(
            t,
            [&](const detail::sqlite_impl::table_info& info, bool& unknown) {
                return detail::sqlite_impl::check_insert(info, t, r, unknown, ec, diag);
            },
            ec, diag);
        if (!ti)
            return 0;
        bool auto_key = ti->auto_increment;
        detail::sqlite_impl::insert_sql(t, r, s.sql);
        stmt_guard g;
        if (!s.prepare(s.sql, g, "insert into", t, ec, diag) || !bind_record(g.get(), r, t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_DONE) {
            s.fail_db(rc, "insert into", t, ec, diag);
            return 0;
        }
        return auto_key ? static_cast<std::int64_t>(sqlite3_last_insert_rowid(s.db)) : 0;
    }

    /// Inserts every row or none, in one transaction (a savepoint inside an open one); returns their
    /// auto-increment keys (0s when the table has none).
    std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs, error_code& ec,
                                          diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        std::vector<std::int64_t> ids;
        if (!s.transaction_intact(ec, diag))
            return ids;
        if (rs.empty()) {
            bool fresh = false;
            s.table(t, fresh, ec, diag);
            return ids;
        }
        ids.reserve(rs.size());
        bool outer = false;
        if (!s.op_begin(outer, "insert into", t, ec, diag))
            return {};
        stmt_guard g;
        const record* shape = nullptr;
        bool ok = true;
        for (const record& r : rs) {
            const auto* ti = s.resolve(
                t,
                [&](const detail::sqlite_impl::table_info& info, bool& unknown) {
                    return detail::sqlite_impl::check_insert(info, t, r, unknown, ec, diag);
                },
                ec, diag);
            if (!ti) {
                ok = false;
                break;
            }
            if (!shape || !detail::sqlite_impl::same_columns(*shape, r)) {
                detail::sqlite_impl::insert_sql(t, r, s.sql);
                if (!s.prepare(s.sql, g, "insert into", t, ec, diag)) {
                    ok = false;
                    break;
                }
                shape = &r;
            } else {
                sqlite3_reset(g.get());
            }
            if (!bind_record(g.get(), r, t, ec, diag)) {
                ok = false;
                break;
            }
            int rc = sqlite3_step(g.get());
            if (rc != SQLITE_DONE) {
                s.fail_db(rc, "insert into", t, ec, diag);
                ok = false;
                break;
            }
            ids.push_back(ti->auto_increment ? static_cast<std::int64_t>(sqlite3_last_insert_rowid(s.db)) : 0);
        }
        g.release();
        if (!ok) {
            s.op_rollback(outer);
            return {};
        }
        if (!s.op_commit(outer, "insert into", t, ec, diag))
            return {};
        return ids;
    }

    /// Applies `ch` to every matching row in one statement; returns how many matched.
    std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch, error_code& ec,
                       diagnostics& diag) {
        if (ch.empty())
            return count(t, f, ec, diag);
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        auto build = [&](const detail::sqlite_impl::table_info& ti, bool& unknown) {
            namespace si = detail::sqlite_impl;
            s.sql.assign("UPDATE ");
            si::quote_ident(s.sql, t);
            s.sql += " SET ";
            s.binds.clear();
            for (std::size_t i = 0; i < ch.size(); ++i) {
                const change& c = ch[i];
                const si::column_info* col = si::find_column(ti, t, c.column, unknown, ec, diag);
                if (!col)
                    return false;
                if (i)
                    s.sql += ", ";
                si::quote_ident(s.sql, col->name);
                s.sql += " = ";
                if (c.type == change::kind::add) {
                    if (col->type != column_type::integer || c.value.type() != value::kind::integer)
                        return si::schema_err(ec, diag, t, col->name,
                                              "add() needs an integer column and an integer; column " +
                                                  si::qualified(t, col->name) + " is " + std::string(to_string(col->type)));
                    si::quote_ident(s.sql, col->name);
                    s.sql += " + ";
                } else if (!si::check_value(*col, t, c.value, true, ec, diag)) {
                    return false;
                }
                si::append_param(s.sql, s.binds, &c.value);
            }
            return si::where_sql(ti, t, f, s.sql, s.binds, unknown, ec, diag);
        };
        if (!s.resolve(t, build, ec, diag))
            return 0;
        return run_changes(t, "update of", ec, diag);
    }

    /// Removes every matching row; returns how many.
    std::size_t remove(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        auto build = [&](const detail::sqlite_impl::table_info& ti, bool& unknown) {
            s.sql.assign("DELETE FROM ");
            detail::sqlite_impl::quote_ident(s.sql, t);
            s.binds.clear();
            return detail::sqlite_impl::where_sql(ti, t, f, s.sql, s.binds, unknown, ec, diag);
        };
        if (!s.resolve(t, build, ec, diag))
            return 0;
        return run_changes(t, "remove from", ec, diag);
    }

    /// How many rows match.
    std::size_t count(std::string_view t, const filter& f, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        auto build = [&](const detail::sqlite_impl::table_info& ti, bool& unknown) {
            s.sql.assign("SELECT count(*) FROM ");
            detail::sqlite_impl::quote_ident(s.sql, t);
            s.binds.clear();
            return detail::sqlite_impl::where_sql(ti, t, f, s.sql, s.binds, unknown, ec, diag);
        };
        if (!s.resolve(t, build, ec, diag))
            return 0;
        stmt_guard g;
        if (!s.prepare(s.sql, g, "count of", t, ec, diag) || !s.bind_all(g.get(), "count of", t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_ROW) {
            s.fail_db(rc, "count of", t, ec, diag);
            return 0;
        }
        return static_cast<std::size_t>(sqlite3_column_int64(g.get(), 0));
    }

    // ----- transactions -----

    /// Starts a transaction: `BEGIN IMMEDIATE` when the connection has none open, else a savepoint
    /// (nested, or inside the caller's transaction on an attached connection). Holds the engine's mutex
    /// until the matching `commit` or `rollback`.
    void begin(error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        s.mu.lock();
        try {
            if (!s.transaction_intact(ec, diag)) {
                s.mu.unlock();
                return;
            }
            bool savepoint = !s.levels.empty() || !sqlite3_get_autocommit(s.db);
            std::string sql = savepoint ? "SAVEPOINT " + level_name(s.levels.size() + 1) : std::string("BEGIN IMMEDIATE");
            if (!s.exec(sql, "begin", {}, ec, diag)) {
                s.mu.unlock();
                return;
            }
            s.levels.push_back(savepoint);
        } catch (...) {
            s.mu.unlock();
            throw;
        }
    }

    /// Commits the innermost transaction. A failed commit leaves the transaction open: retry it (after
    /// `errc::storage_busy`) or roll it back. When SQLite rolled the transaction back by itself (after
    /// `errc::storage_full` or an I/O error inside it), every statement and `commit` fail with that
    /// error until `rollback` ends the transaction.
    void commit(error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (s.levels.empty()) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "transaction", "commit without an open transaction");
            return;
        }
        if (!s.transaction_intact(ec, diag))
            return;  // still open for `rollback`, which then only ends it
        bool savepoint = s.levels.back();
        std::string sql = savepoint ? "RELEASE " + level_name(s.levels.size()) : std::string("COMMIT");
        if (!s.exec(sql, "commit", {}, ec, diag))
            return;
        end_level();
    }

    /// Rolls back the innermost transaction.
    void rollback(error_code& ec, diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (s.levels.empty()) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "transaction", "rollback without an open transaction");
            return;
        }
        if (!sqlite3_get_autocommit(s.db)) {
            if (s.levels.back()) {
                std::string name = level_name(s.levels.size());
                if (s.exec("ROLLBACK TO " + name, "rollback", {}, ec, diag))
                    s.exec("RELEASE " + name, "rollback", {}, ec, diag);
            } else {
                s.exec("ROLLBACK", "rollback", {}, ec, diag);
            }
        }
        end_level();
    }

    // ----- native SQL -----

    /// Runs one SQL statement: binds `params` to `?1`, `?2`, ... (text and JSON as text), calls
    /// `on_row(std::span<const cell_view>)` for each result row (text views SQLite's buffer and is
    /// valid during the call; `JSON_TEXT` columns come as `json`), and returns how many rows it
    /// changed (0 for statements that change none, such as SELECT). `UPDATE ... RETURNING` works.
    template <class F>
    std::size_t query(std::string_view sql, std::span<const value> params, F&& on_row, error_code& ec,
                      diagnostics& diag) {
        ec.clear();
        auto& s = *s_;
        std::lock_guard<std::recursive_mutex> lk(s.mu);
        if (!s.transaction_intact(ec, diag))
            return 0;
        stmt_guard g;
        if (!s.prepare(sql, g, "query", {}, ec, diag, detail::sqlite_impl::single_statement))
            return 0;
        sqlite3_stmt* st = g.get();
        int n = sqlite3_bind_parameter_count(st);
        if (params.size() != static_cast<std::size_t>(n)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "params",
                                  "query has " + std::to_string(n) + " parameters but " + std::to_string(params.size()) +
                                      " values were given");
            return 0;
        }
        for (std::size_t i = 0; i < params.size(); ++i)
            if (!s.bind(st, static_cast<int>(i + 1), params[i], "query", {}, ec, diag))
                return 0;
        sqlite3_int64 before = sqlite3_total_changes64(s.db);
        std::vector<cell_view> cells;
        bool meta = false;
        for (;;) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                if (!meta) {
                    g.entry().ensure_meta();
                    cells.resize(g.entry().json.size());
                    meta = true;
                }
                for (std::size_t i = 0; i < cells.size(); ++i)
                    read_cell(st, static_cast<int>(i), g.entry().json[i] != 0, cells[i]);
                on_row(std::span<const cell_view>(cells.data(), cells.size()));
                continue;
            }
            if (rc == SQLITE_DONE)
                break;
            s.fail_db(rc, "query", {}, ec, diag);
            return 0;
        }
        g.release();
        if (detail::sqlite_impl::is_ddl(sql))
            s.catalog.clear();
        return sqlite3_total_changes64(s.db) != before ? static_cast<std::size_t>(sqlite3_changes64(s.db)) : 0;
    }

    // ----- throwing overloads -----

    int migrate(const schema_plan& plan) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return migrate(plan, ec, diag); });
    }
    int migrate(const schema_plan& plan, int up_to) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return migrate(plan, up_to, ec, diag); });
    }
    int schema_version(std::string_view name) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return schema_version(name, ec, diag); });
    }
    std::vector<record> find(std::string_view t, const find_options& fo) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find(t, fo, ec, diag); });
    }
    std::optional<record> find_one(std::string_view t, const find_options& fo) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return find_one(t, fo, ec, diag); });
    }
    std::int64_t insert(std::string_view t, const record& r) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return insert(t, r, ec, diag); });
    }
    std::vector<std::int64_t> insert_many(std::string_view t, std::span<const record> rs) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return insert_many(t, rs, ec, diag); });
    }
    std::size_t update(std::string_view t, const filter& f, const std::vector<change>& ch) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return update(t, f, ch, ec, diag); });
    }
    std::size_t remove(std::string_view t, const filter& f) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return remove(t, f, ec, diag); });
    }
    std::size_t count(std::string_view t, const filter& f) {
        return hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { return count(t, f, ec, diag); });
    }
    void begin() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { begin(ec, diag); });
    }
    void commit() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { commit(ec, diag); });
    }
    void rollback() {
        hookbox::detail::call_or_throw([&](error_code& ec, diagnostics& diag) { rollback(ec, diag); });
    }
    template <class F>
    std::size_t query(std::string_view sql, std::span<const value> params, F&& on_row) {
        return hookbox::detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return query(sql, params, on_row, ec, diag); });
    }
    /// Runs one statement that returns no rows of interest; returns how many rows it changed.
    std::size_t query(std::string_view sql, std::span<const value> params = {}) {
        return query(sql, params, [](std::span<const cell_view>) {});
    }

private:
    explicit sqlite_engine(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}

    static diagnostics make_diag(std::string field, std::string message) {
        diagnostics d;
        d.assign(std::move(field), std::move(message));
        return d;
    }

    static std::string level_name(std::size_t depth) { return "hb" + std::to_string(depth); }

    // Checks the parameters that have a range before anything is opened.
    static bool check_params(const sqlite_params& p, error_code& ec, diagnostics& diag) {
        if (p.cache_size_kib < 64 || p.cache_size_kib > static_cast<std::size_t>(INT_MAX)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "cache_size_kib",
                                  "cache_size_kib: must be 64 to " + std::to_string(INT_MAX) + " KiB, not " +
                                      std::to_string(p.cache_size_kib));
            return false;
        }
        if (p.mmap_size > (std::uint64_t(1) << 40)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "mmap_size",
                                  "mmap_size: must be at most 2^40 bytes, not " + std::to_string(p.mmap_size));
            return false;
        }
        if (p.wal_autocheckpoint > static_cast<std::uint32_t>(INT_MAX)) {
            hookbox::detail::fail(ec, diag, errc::invalid_argument, "wal_autocheckpoint",
                                  "wal_autocheckpoint: must be 0 to " + std::to_string(INT_MAX) + " pages, not " +
                                      std::to_string(p.wal_autocheckpoint));
            return false;
        }
        return true;
    }

    static std::unique_ptr<state> open_state(const sqlite_params& p, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!check_params(p, ec, diag))
            return nullptr;
        int flags = SQLITE_OPEN_NOMUTEX |
                    (p.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (p.create ? SQLITE_OPEN_CREATE : 0)));
#ifdef SQLITE_OPEN_EXRESCODE
        flags |= SQLITE_OPEN_EXRESCODE;
#endif
        sqlite3* db = nullptr;
        int rc = sqlite3_open_v2(p.path.c_str(), &db, flags, nullptr);
        auto s = std::make_unique<state>();
        s->db = db;
        s->owned = true;
        s->path = p.path;
        s->cache_capacity = p.statement_cache_size;
        if (rc != SQLITE_OK || !db) {
            int ext = db ? sqlite3_extended_errcode(db) : rc;
            std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
            errc e = detail::sqlite_impl::map_error(ext, msg);
            hookbox::detail::fail(ec, diag, e, "path",
                                  "cannot open SQLite database '" + p.path + "': " + msg + " (SQLite error " +
                                      std::to_string(ext) + ")");
            return nullptr;
        }
        sqlite3_extended_result_codes(db, 1);
        // Double-quoted strings are identifiers only: a misspelt column is an error, not a string literal.
        sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
        sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
        auto ms = p.busy_timeout.count();
        sqlite3_busy_timeout(db, static_cast<int>(std::clamp<decltype(ms)>(ms, 0, INT_MAX)));
        bool memory = p.path.empty() || p.path == ":memory:" || p.path.rfind("file::memory:", 0) == 0;
        auto fail_open = [&](const char* what) {
            std::string field = ec.category() == error_category() && static_cast<errc>(ec.value()) == errc::storage_failure
                                    ? "path"
                                    : diag.field();
            diag.assign(std::move(field), "cannot open SQLite database '" + p.path + "' (" + what + "): " + diag.message());
        };
        if (!memory && !p.read_only && p.wal) {
            if (!s->exec("PRAGMA journal_mode=WAL", "open", {}, ec, diag, detail::sqlite_impl::uncached)) {
                fail_open("PRAGMA journal_mode=WAL");
                return nullptr;
            }
        }
        const char* sync = p.synchronous == sqlite_params::sync_mode::off      ? "PRAGMA synchronous=OFF"
                           : p.synchronous == sqlite_params::sync_mode::normal ? "PRAGMA synchronous=NORMAL"
                                                                                : "PRAGMA synchronous=FULL";
        if (!s->exec(sync, "open", {}, ec, diag, detail::sqlite_impl::uncached) ||
            !s->exec("PRAGMA foreign_keys=ON", "open", {}, ec, diag, detail::sqlite_impl::uncached)) {
            fail_open("PRAGMA");
            return nullptr;
        }
        // Statement journals (kept while a statement inside a transaction runs, to undo it alone) and
        // the result sets of RETURNING would otherwise spill to temporary files.
        std::string tuning = "PRAGMA temp_store=MEMORY";
        for (const std::string& pragma :
             {tuning, "PRAGMA cache_size=-" + std::to_string(p.cache_size_kib),
              "PRAGMA mmap_size=" + std::to_string(p.mmap_size),
              "PRAGMA wal_autocheckpoint=" + std::to_string(p.wal_autocheckpoint)}) {
            if (!s->exec(pragma, "open", {}, ec, diag, detail::sqlite_impl::uncached)) {
                fail_open(pragma.c_str());
                return nullptr;
            }
        }
        // Reads the schema now, so that a file that is not a database fails here rather than later.
        if (!memory &&
            !s->exec("SELECT count(*) FROM sqlite_master", "open", {}, ec, diag, detail::sqlite_impl::uncached)) {
            fail_open("reading the schema");
            return nullptr;
        }
        if (!memory && !p.read_only && p.wal && p.background_checkpoint && p.wal_autocheckpoint > 0 && is_wal(db)) {
            auto c = std::make_unique<detail::sqlite_impl::checkpointer>();
            const char* file = sqlite3_db_filename(db, "main");
            if (file && *file && c->start(file, static_cast<int>(p.wal_autocheckpoint), s->mu)) {
                s->ckpt = std::move(c);
                // Replaces the hook of PRAGMA wal_autocheckpoint: commits no longer checkpoint.
                sqlite3_wal_hook(db, &detail::sqlite_impl::checkpointer::on_commit, s->ckpt.get());
            }
        }
        return s;
    }

    static bool is_wal(sqlite3* db) noexcept {
        sqlite3_stmt* st = nullptr;
        bool wal = false;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            const char* mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            wal = mode && detail::sqlite_impl::iequals(mode, "wal");
        }
        sqlite3_finalize(st);
        return wal;
    }

    // Ends the innermost transaction level and releases the mutex `begin` took for it.
    void end_level() noexcept {
        s_->levels.pop_back();
        if (s_->levels.empty())
            s_->aborted.reset();
        s_->mu.unlock();
    }

    void close() noexcept {
        if (!s_)
            return;
        auto& s = *s_;
        if (!s.levels.empty()) {
            // Only the thread that holds the transaction may destroy the engine; roll back what it
            // opened (an owned connection rolls back when closed).
            if (!s.owned && !sqlite3_get_autocommit(s.db)) {
                error_code ec;
                diagnostics diag;
                try {
                    for (std::size_t d = s.levels.size(); d > 0; --d) {
                        if (s.levels[d - 1]) {
                            s.exec("ROLLBACK TO " + level_name(d), "rollback", {}, ec, diag);
                            s.exec("RELEASE " + level_name(d), "rollback", {}, ec, diag);
                        } else {
                            s.exec("ROLLBACK", "rollback", {}, ec, diag);
                        }
                    }
                } catch (...) {
                }
            }
            for (std::size_t d = s.levels.size(); d > 0; --d)
                s.mu.unlock();
            s.levels.clear();
        }
        s_.reset();
    }

    static void read_cell(sqlite3_stmt* st, int i, bool json, cell_view& c) noexcept {
        c = cell_view{};
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            c.type = value::kind::integer;
            c.integer = static_cast<std::int64_t>(sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            c.type = value::kind::real;
            c.real = sqlite3_column_double(st, i);
            break;
        case SQLITE_TEXT: {
            const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
            c.type = json ? value::kind::json : value::kind::text;
            c.text = std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            break;
        }
        case SQLITE_BLOB: {
            const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
            c.type = value::kind::text;
            c.text = std::string_view(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            break;
        }
        default: break;
        }
    }

    bool bind_record(sqlite3_stmt* st, const record& r, std::string_view t, error_code& ec, diagnostics& diag) {
        for (std::size_t i = 0; i < r.size(); ++i)
            if (!s_->bind(st, static_cast<int>(i + 1), r.at(i).value, "insert into", t, ec, diag))
                return false;
        return true;
    }

    // Builds, runs and reads a SELECT with the given limit (0: none).
    bool select(std::string_view t, const find_options& fo, std::size_t limit, std::vector<record>& out, error_code& ec,
                diagnostics& diag) {
        namespace si = detail::sqlite_impl;
        auto& s = *s_;
        value lim(static_cast<std::int64_t>(std::min<std::size_t>(limit, static_cast<std::size_t>(INT64_MAX))));
        auto build = [&](const si::table_info& ti, bool& unknown) {
            s.sql.assign("SELECT ");
            s.binds.clear();
            if (fo.fields.empty()) {
                s.sql += '*';
            } else {
                for (std::size_t i = 0; i < fo.fields.size(); ++i) {
                    const si::column_info* c = si::find_column(ti, t, fo.fields[i], unknown, ec, diag);
                    if (!c)
                        return false;
                    if (i)
                        s.sql += ", ";
                    si::quote_ident(s.sql, c->name);
                }
            }
            s.sql += " FROM ";
            si::quote_ident(s.sql, t);
            if (!si::where_sql(ti, t, fo.where, s.sql, s.binds, unknown, ec, diag))
                return false;
            for (std::size_t i = 0; i < fo.order.size(); ++i) {
                const si::column_info* c = si::find_column(ti, t, fo.order[i].column, unknown, ec, diag);
                if (!c)
                    return false;
                s.sql += i ? ", " : " ORDER BY ";
                si::quote_ident(s.sql, c->name);
                if (fo.order[i].descending)
                    s.sql += " DESC";
            }
            if (limit) {
                s.sql += " LIMIT ";
                si::append_param(s.sql, s.binds, &lim);
            }
            return true;
        };
        if (!s.resolve(t, build, ec, diag))
            return false;
        stmt_guard g;
        if (!s.prepare(s.sql, g, "find in", t, ec, diag) || !s.bind_all(g.get(), "find in", t, ec, diag))
            return false;
        sqlite3_stmt* st = g.get();
        bool meta = false;
        for (;;) {
            int rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                si::stmt_entry& e = g.entry();
                if (!meta) {
                    e.ensure_meta();
                    meta = true;
                }
                record r;
                r.reserve(e.names.size());
                for (std::size_t i = 0; i < e.names.size(); ++i)
                    r.push_back(e.names[i], si::read_value(st, static_cast<int>(i), e.json[i] != 0));
                out.push_back(std::move(r));
                continue;
            }
            if (rc == SQLITE_DONE)
                return true;
            s.fail_db(rc, "find in", t, ec, diag);
            out.clear();
            return false;
        }
    }

    // Runs the UPDATE or DELETE in the scratch buffer; returns sqlite3_changes.
    std::size_t run_changes(std::string_view t, std::string_view op, error_code& ec, diagnostics& diag) {
        auto& s = *s_;
        stmt_guard g;
        if (!s.prepare(s.sql, g, op, t, ec, diag) || !s.bind_all(g.get(), op, t, ec, diag))
            return 0;
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_DONE) {
            s.fail_db(rc, op, t, ec, diag);
            return 0;
        }
        return static_cast<std::size_t>(sqlite3_changes64(s.db));
    }

    bool table_exists(std::string_view name, error_code& ec, diagnostics& diag) {
        auto& s = *s_;
        stmt_guard g;
        if (!s.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", g, "read the schema of", name,
                       ec, diag))
            return false;
        detail::sqlite_impl::bind_text(g.get(), 1, name);
        int rc = sqlite3_step(g.get());
        if (rc == SQLITE_ROW)
            return true;
        if (rc != SQLITE_DONE)
            s.fail_db(rc, "read the schema of", name, ec, diag);
        return false;
    }

    int read_version(std::string_view name, error_code& ec, diagnostics& diag) {
        auto& s = *s_;
        if (!table_exists("hookbox_schema", ec, diag))
            return 0;
        stmt_guard g;
        if (!s.prepare("SELECT version FROM hookbox_schema WHERE name = ?1", g, "read the version of", name, ec, diag))
            return 0;
        detail::sqlite_impl::bind_text(g.get(), 1, name);
        int rc = sqlite3_step(g.get());
        if (rc == SQLITE_ROW)
            return sqlite3_column_int(g.get(), 0);
        if (rc != SQLITE_DONE)
            s.fail_db(rc, "read the version of", name, ec, diag);
        return 0;
    }

    bool write_version(std::string_view name, int version, error_code& ec, diagnostics& diag) {
        auto& s = *s_;
        stmt_guard g;
        if (!s.prepare("INSERT INTO hookbox_schema (name, version) VALUES (?1, ?2) "
                       "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
                       g, "migrate", name, ec, diag))
            return false;
        detail::sqlite_impl::bind_text(g.get(), 1, name);
        sqlite3_bind_int(g.get(), 2, version);
        int rc = sqlite3_step(g.get());
        if (rc != SQLITE_DONE) {
            s.fail_db(rc, "migrate", name, ec, diag);
            return false;
        }
        return true;
    }

    // Applies one migration's steps (inside the caller's transaction).
    bool apply(const migration& m, error_code& ec, diagnostics& diag) {
        namespace si = detail::sqlite_impl;
        auto& s = *s_;
        std::string sql;
        for (const auto& step : m.steps) {
            std::string table;
            if (auto* ct = std::get_if<create_table>(&step)) {
                table = ct->table.name;
                if (!si::create_table_sql(ct->table, sql, ec, diag) || !s.exec(sql, op(m), table, ec, diag, si::uncached))
                    return false;
                for (const auto& ix : ct->table.indexes)
                    if (!si::index_sql(table, ix, sql, ec, diag) || !s.exec(sql, op(m), table, ec, diag, si::uncached))
                        return false;
                continue;
            } else if (auto* ac = std::get_if<add_column>(&step)) {
                table = ac->table;
                if (!si::add_column_sql(*ac, sql, ec, diag))
                    return false;
            } else if (auto* ci = std::get_if<create_index>(&step)) {
                // SQLite would take a double-quoted name that is not a column for a string literal
                // and index that constant, so the columns are checked here.
                table = ci->table;
                const si::table_info* ti = s.load_table(table, ec, diag);
                if (!ti)
                    return false;
                for (const auto& c : ci->index.columns)
                    if (!ti->column(c))
                        return si::schema_err(ec, diag, table, c, "index '" + ci->index.name + "' names column " +
                                                                      si::qualified(table, c) + ", which does not exist");
                auto type_of = [&](std::string_view c) -> std::optional<column_type> {
                    if (const si::column_info* col = ti->column(c))
                        return col->type;
                    return std::nullopt;
                };
                if (!detail::check_index_where(table, ci->index, type_of, ec, diag) ||
                    !si::index_sql(ci->table, ci->index, sql, ec, diag))
                    return false;
            } else if (auto* dc = std::get_if<drop_column>(&step)) {
                table = dc->table;
                if (!check_drop_column(*dc, ec, diag))
                    return false;
                sql.assign("ALTER TABLE ");
                si::quote_ident(sql, dc->table);
                sql += " DROP COLUMN ";
                si::quote_ident(sql, dc->column);
            } else if (auto* cr = std::get_if<copy_rows>(&step)) {
                table = cr->to;
                if (!check_copy_rows(*cr, ec, diag))
                    return false;
                std::string cols;
                for (std::size_t i = 0; i < cr->columns.size(); ++i) {
                    if (i)
                        cols += ", ";
                    si::quote_ident(cols, cr->columns[i]);
                }
                sql.assign("INSERT INTO ");
                si::quote_ident(sql, cr->to);
                sql += " (" + cols + ") SELECT " + cols + " FROM ";
                si::quote_ident(sql, cr->from);
            } else {
                const auto& di = std::get<drop_index>(step);
                table = di.table;
                stmt_guard g;
                if (!s.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1 AND tbl_name = ?2", g,
                               "migrate", table, ec, diag))
                    return false;
                si::bind_text(g.get(), 1, di.name);
                si::bind_text(g.get(), 2, di.table);
                int rc = sqlite3_step(g.get());
                if (rc == SQLITE_DONE)
                    return si::schema_err(ec, diag, di.table, {}, "drop_index: table '" + di.table + "' has no index '" +
                                                                      di.name + "'");
                if (rc != SQLITE_ROW) {
                    s.fail_db(rc, "migrate", table, ec, diag);
                    return false;
                }
                sql.assign("DROP INDEX ");
                si::quote_ident(sql, di.name);
            }
            if (!s.exec(sql, op(m), table, ec, diag, si::uncached))
                return false;
        }
        return true;
    }

    // The checks of a drop_column step that SQLite would make with other words, or not at all.
    bool check_drop_column(const drop_column& dc, error_code& ec, diagnostics& diag) {
        namespace si = detail::sqlite_impl;
        auto& s = *s_;
        const si::table_info* ti = s.load_table(dc.table, ec, diag);
        if (!ti)
            return false;
        const std::string q = dc.table + "." + dc.column;
        const si::column_info* c = ti->column(dc.column);
        if (!c)
            return si::schema_err(ec, diag, dc.table, dc.column,
                                  "drop_column: table '" + dc.table + "' has no column '" + dc.column + "'");
        if (c->primary_key)
            return si::schema_err(ec, diag, dc.table, dc.column,
                                  "drop_column: column '" + q + "' is the primary key");
        if (ti->columns.size() == 1)
            return si::schema_err(ec, diag, dc.table, dc.column,
                                  "drop_column: column '" + q + "' is the only column of its table");
        // Indexes that name the column, in their columns or (as the engine writes them, quoted)
        // in their WHERE.
        std::vector<std::pair<std::string, std::string>> indexes;  // name, sql
        {
            si::stmt_guard g;
            if (!s.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?1", g,
                           "migrate", dc.table, ec, diag))
                return false;
            si::bind_text(g.get(), 1, dc.table);
            int rc;
            while ((rc = sqlite3_step(g.get())) == SQLITE_ROW) {
                auto* n = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 0));
                auto* text = reinterpret_cast<const char*>(sqlite3_column_text(g.get(), 1));
                indexes.emplace_back(n ? n : "", text ? text : "");
            }
            if (rc != SQLITE_DONE) {
                s.fail_db(rc, "migrate", dc.table, ec, diag);
                return false;
            }
        }
        std::string quoted;
        si::quote_ident(quoted, dc.column);
        for (const auto& [name, text] : indexes) {
            bool named = false;
            {
                si::stmt_guard g;
                const char* sql = "SELECT 1 FROM pragma_index_info(?1) WHERE name = ?2";
                if (!s.prepare(sql, g, "migrate", dc.table, ec, diag))
                    return false;
                si::bind_text(g.get(), 1, name);
                si::bind_text(g.get(), 2, dc.column);
                named = sqlite3_step(g.get()) == SQLITE_ROW;
            }
            auto where = text.find(" WHERE ");
            if (named || (where != std::string::npos && text.find(quoted, where) != std::string::npos))
                return si::schema_err(ec, diag, dc.table, dc.column,
                                      "drop_column: column '" + q + "' is named by index '" + name +
                                          "'; drop the index first");
        }
        return true;
    }

    // The checks of a copy_rows step, with the words memory_engine uses.
    bool check_copy_rows(const copy_rows& cr, error_code& ec, diagnostics& diag) {
        namespace si = detail::sqlite_impl;
        auto& s = *s_;
        const si::table_info* from = s.load_table(cr.from, ec, diag);
        const si::table_info* to = from ? s.load_table(cr.to, ec, diag) : nullptr;
        if (!to)
            return false;
        const std::string what = "copy_rows from '" + cr.from + "' to '" + cr.to + "': ";
        if (cr.from == cr.to)
            return si::schema_err(ec, diag, cr.to, {}, what + "the tables must differ");
        if (cr.columns.empty())
            return si::schema_err(ec, diag, cr.to, {}, what + "no columns to copy");
        std::vector<const si::column_info*> copied;
        for (const auto& c : cr.columns) {
            const si::column_info* f = from->column(c);
            if (!f)
                return si::schema_err(ec, diag, cr.from, c,
                                      what + "table '" + cr.from + "' has no column '" + c + "'");
            const si::column_info* d = to->column(c);
            if (!d)
                return si::schema_err(ec, diag, cr.to, c,
                                      what + "table '" + cr.to + "' has no column '" + c + "'");
            if (std::find(copied.begin(), copied.end(), d) != copied.end())
                return si::schema_err(ec, diag, cr.to, c, what + "column '" + c + "' is named twice");
            if (!detail::type_accepts(d->type, detail::kind_of(f->type)))
                return si::schema_err(ec, diag, cr.to, c,
                                      what + "column '" + cr.from + "." + c + "' is " +
                                          std::string(to_string(f->type)) + ", which column '" + cr.to + "." +
                                          c + "' (" + std::string(to_string(d->type)) + ") cannot hold");
            copied.push_back(d);
        }
        for (const auto& d : to->columns)
            if (d.required() && std::find(copied.begin(), copied.end(), &d) == copied.end())
                return si::schema_err(ec, diag, cr.to, d.name,
                                      what + "column '" + cr.to + "." + d.name +
                                          "' is NOT NULL without a default and is not copied");
        return true;
    }

    static std::string op(const migration& m) {
        return "migration " + std::to_string(m.version) + " ('" + m.description + "') on";
    }

    std::unique_ptr<state> s_;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_SQLITE_ENGINE_HPP
