//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_POSTGRES_OUTBOX_HPP
#define HOOKBOX_POSTGRES_OUTBOX_HPP

/// \file
/// `postgres_outbox`: the outbox in a PostgreSQL database (link with `hookbox::postgres`).
///
/// \code
/// hookbox::postgres_outbox outbox({}, hookbox::postgres_storage(hookbox::engine::postgres_engine(
///     {.conninfo = "postgresql://app@127.0.0.1/app"})));
/// \endcode
///
/// Enqueue inside your own transaction by attaching an engine to your connection:
/// `postgres_storage(engine::postgres_engine::attach(conn))`; your `COMMIT` or `ROLLBACK` then
/// decides for the deliveries too, and dispatchers listening (`postgres_listener`) hear of them at
/// the commit.

#include <hookbox/engine/postgres_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

namespace hookbox {

/// The outbox's storage on PostgreSQL.
using postgres_storage = sql_storage<engine::postgres_engine>;

/// An outbox on PostgreSQL.
using postgres_outbox = basic_outbox<postgres_storage>;

}  // namespace hookbox

#endif  // HOOKBOX_POSTGRES_OUTBOX_HPP
