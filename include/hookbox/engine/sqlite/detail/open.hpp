//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_OPEN_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_OPEN_HPP

// Opening a database as sqlite_params says: the checks of the parameters, the open flags, the
// pragmas, and a first read of the schema so that a file that is not a database fails at once.

#include <hookbox/engine/sqlite/detail/connection.hpp>
#include <hookbox/engine/sqlite/params.hpp>
#include <hookbox/error.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace hookbox::engine::detail::sqlite_impl {

inline bool is_memory_path(const std::string& path) noexcept {
    return path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0;
}

// `path` as an SQLite URI file name: everything but unreserved bytes and '/' is percent-encoded.
inline std::string file_uri(const std::string& path, const char* query) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string u = "file:";
    for (unsigned char ch : path) {
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                     ch == '/' || ch == '-' || ch == '_' || ch == '.' || ch == '~';
        if (plain) {
            u += static_cast<char>(ch);
        } else {
            u += '%';
            u += hex[ch >> 4];
            u += hex[ch & 15];
        }
    }
    u += '?';
    u += query;
    return u;
}

// An immutable open reads the database file alone: refused for a memory database and when a
// write-ahead log holds commits the file does not have yet.
inline bool check_immutable(const sqlite_params& p, error_code& ec, diagnostics& diag) {
    if (is_memory_path(p.path)) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "immutable",
                              "immutable: needs a database file, not an in-memory database");
        return false;
    }
    std::error_code fec;
    const auto wal_size = std::filesystem::file_size(p.path + "-wal", fec);
    if (!fec && wal_size > 0) {
        hookbox::detail::fail(ec, diag, errc::invalid_argument, "immutable",
                              "immutable: '" + p.path + "-wal' holds " + std::to_string(wal_size) +
                                  " bytes of commits that an immutable open would not read; open it "
                                  "read-only where its -shm file can be read or created");
        return false;
    }
    return true;
}

// Checks the parameters that have a range before anything is opened.
inline bool check_params(const sqlite_params& p, error_code& ec, diagnostics& diag) {
    if (p.immutable && !check_immutable(p, ec, diag))
        return false;
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

inline bool is_wal(sqlite3* db) noexcept {
    sqlite3_stmt* st = nullptr;
    bool wal = false;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char* mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        wal = mode && iequals(mode, "wal");
    }
    sqlite3_finalize(st);
    return wal;
}

inline std::unique_ptr<connection> connection::open(const sqlite_params& p, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (!check_params(p, ec, diag))
        return nullptr;
    const bool read_only = p.read_only || p.immutable;
    int flags = SQLITE_OPEN_NOMUTEX |
                (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (p.create ? SQLITE_OPEN_CREATE : 0)));
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    std::string name = p.path;
    if (p.immutable) {
        flags |= SQLITE_OPEN_URI;
        name = file_uri(p.path, "immutable=1");
    }
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &db, flags, nullptr);
    auto s = std::make_unique<connection>(db, true, p.path, p.statement_cache_size);
    if (rc != SQLITE_OK || !db) {
        int ext = db ? sqlite3_extended_errcode(db) : rc;
        std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        errc e = map_error(ext, msg);
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
    bool memory = is_memory_path(p.path);
    auto fail_open = [&](const char* what) {
        std::string field = ec.category() == error_category() && static_cast<errc>(ec.value()) == errc::storage_failure
                                ? "path"
                                : diag.field();
        diag.assign(std::move(field), "cannot open SQLite database '" + p.path + "' (" + what + "): " + diag.message());
    };
    if (!memory && !read_only && p.wal) {
        if (!s->exec("PRAGMA journal_mode=WAL", "open", {}, ec, diag, uncached)) {
            fail_open("PRAGMA journal_mode=WAL");
            return nullptr;
        }
    }
    const char* sync = p.synchronous == sqlite_params::sync_mode::off      ? "PRAGMA synchronous=OFF"
                       : p.synchronous == sqlite_params::sync_mode::normal ? "PRAGMA synchronous=NORMAL"
                                                                            : "PRAGMA synchronous=FULL";
    if (!s->exec(sync, "open", {}, ec, diag, uncached) ||
        !s->exec("PRAGMA foreign_keys=ON", "open", {}, ec, diag, uncached)) {
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
        if (!s->exec(pragma, "open", {}, ec, diag, uncached)) {
            fail_open(pragma.c_str());
            return nullptr;
        }
    }
    // Reads the schema now, so that a file that is not a database fails here rather than later.
    if (!memory &&
        !s->exec("SELECT count(*) FROM sqlite_master", "open", {}, ec, diag, uncached)) {
        fail_open("reading the schema");
        return nullptr;
    }
    return s;
}

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_OPEN_HPP
