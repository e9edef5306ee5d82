//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HPP
#define HOOKBOX_HPP

/// \file
/// The core of hookbox: the outbox (`basic_outbox`, and `outbox`, in memory), its requests,
/// deliveries and errors, without Asio. Everything else has a header of its own, to include where it
/// is used: `hookbox/async_outbox.hpp` (the outbox's calls as Asio operations),
/// `hookbox/sqlite_outbox.hpp` (SQLite),
/// `hookbox/storage/engine_storage.hpp` and `sql_storage.hpp` (the outbox over a data engine),
/// `hookbox/engine/*` (data engines), `hookbox/dispatch/dispatcher.hpp` and
/// `hookbox/http/beast_sender.hpp` (delivery over HTTP), `hookbox/state/state_store.hpp`,
/// `hookbox/fanout/*`, `hookbox/retention/*`, `hookbox/signing/*`. The manual's index lists them.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/error.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/memory_storage.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#endif  // HOOKBOX_HPP
