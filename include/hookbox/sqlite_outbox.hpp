//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SQLITE_OUTBOX_HPP
#define HOOKBOX_SQLITE_OUTBOX_HPP

/// \file
/// `sqlite_outbox`: the outbox in a SQLite database, the common durable case. Link with
/// `hookbox::sqlite`:
///
///     hookbox::sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = "deliveries.sqlite"})));

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <chrono>

namespace hookbox {

/// The outbox's storage in a SQLite database: the delivery tables, written in single SQL statements.
using sqlite_storage = sql_storage<engine::sqlite_engine>;

/// An outbox in a SQLite database (a file shared by threads and processes, or `:memory:`).
using sqlite_outbox = basic_outbox<sqlite_storage>;

}  // namespace hookbox

#endif  // HOOKBOX_SQLITE_OUTBOX_HPP
