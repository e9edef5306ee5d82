//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HPP
#define HOOKBOX_HPP

/// \file
/// Every public hookbox header but `hookbox/engine/sqlite_engine.hpp`, which needs SQLite 3 (link
/// `hookbox::sqlite` and include it as well).

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/dispatch/retry_policy.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/schema.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>
#include <hookbox/observe/observer.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/state/state_store.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/storage/engine_storage.hpp>
#include <hookbox/storage/memory_storage.hpp>
#include <hookbox/validate.hpp>
#include <hookbox/version.hpp>

#endif  // HOOKBOX_HPP
