//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_ERRORS_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_ERRORS_HPP

// The errc of an SQLite result code.

#include <hookbox/error.hpp>

#include <sqlite3.h>

#include <string_view>

namespace hookbox::engine::detail::sqlite_impl {

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

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_ERRORS_HPP
