//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_PARAMS_HPP
#define HOOKBOX_ENGINE_SQLITE_PARAMS_HPP

/// \file
/// `sqlite_params`: how `sqlite_engine` opens its database.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace hookbox::engine {

/// How `sqlite_engine` opens its database.
struct sqlite_params {
    /// The database file, or `":memory:"` for a private in-memory database.
    std::string path = ":memory:";
    /// Opens with `SQLITE_OPEN_READONLY`: reads work, every write fails with `errc::read_only`.
    bool read_only = false;
    /// Opens a file that nobody changes while it is open (a copied snapshot, a read-only mount, a
    /// folder this process may not write): SQLite's `immutable=1`, read-only, with no locks and no
    /// `-shm` file, so it works where a read-only open of a WAL database cannot create one. Commits
    /// still in a `-wal` file would not be read: the open fails with `errc::invalid_argument`
    /// (field `immutable`) when `<path>-wal` is not empty, and a file database is required.
    bool immutable = false;
    /// Creates the file when it does not exist (ignored when `read_only`).
    bool create = true;
    /// How long a statement waits for another connection's lock, and a statement or `begin` of this
    /// engine waits while one of its transactions has the connection, before failing with
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
    /// Opt-in (it starts a thread, which hookbox never does unasked): in WAL mode on a writable
    /// file, checkpoints run on a second connection, in a thread the engine owns, in PASSIVE mode (they neither wait for nor block the engine's statements), so a commit
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
    bool background_checkpoint = false;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_SQLITE_PARAMS_HPP
