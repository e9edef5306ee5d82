//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_SRC_HPP
#define HOOKBOX_SRC_HPP

/// \file
/// The separately compiled core of hookbox: include this file in exactly one translation unit of
/// the program, with `HOOKBOX_SEPARATE_COMPILATION` defined in every translation unit (see
/// `detail/config.hpp`). It defines what the core headers declare: the errors, ids, payloads,
/// partitions, time formatting, the memory storage and engine, the delivery and state tables' rows
/// and SQL statements, and the dispatcher's decisions, retry policy and endpoint health. The
/// optional components have their own: `<hookbox/engine/sqlite/src.hpp>` (SQLite),
/// `<hookbox/signing/src.hpp>` (OpenSSL's libcrypto), `<hookbox/http/src.hpp>` (Beast and libssl).

#include <hookbox/detail/config.hpp>

#ifndef HOOKBOX_SEPARATE_COMPILATION
#error Define HOOKBOX_SEPARATE_COMPILATION in every translation unit that uses the compiled hookbox, and in the one that includes this file.
#endif

#include <hookbox/dispatch/impl/endpoint_health.ipp>
#include <hookbox/dispatch/impl/fifo.ipp>
#include <hookbox/dispatch/impl/retry_policy.ipp>
#include <hookbox/dispatch/impl/round.ipp>
#include <hookbox/dispatch/impl/wakeup.ipp>
#include <hookbox/engine/impl/memory_engine.ipp>
#include <hookbox/impl/delivery_id.ipp>
#include <hookbox/impl/error.ipp>
#include <hookbox/impl/partition.ipp>
#include <hookbox/impl/payload.ipp>
#include <hookbox/impl/time_format.ipp>
#include <hookbox/impl/validate.ipp>
#include <hookbox/observe/impl/metrics.ipp>
#include <hookbox/state/impl/state_statements.ipp>
#include <hookbox/storage/impl/compact_text.ipp>
#include <hookbox/storage/impl/delivery_rows.ipp>
#include <hookbox/storage/impl/delivery_schema.ipp>
#include <hookbox/storage/impl/huge_pages.ipp>
#include <hookbox/storage/impl/interning.ipp>
#include <hookbox/storage/impl/memory_state.ipp>
#include <hookbox/storage/impl/memory_storage.ipp>
#include <hookbox/storage/impl/row_pool.ipp>
#include <hookbox/storage/impl/sequence_index.ipp>
#include <hookbox/storage/sql/impl/batch.ipp>
#include <hookbox/storage/sql/impl/delivery_statements.ipp>

#endif  // HOOKBOX_SRC_HPP
