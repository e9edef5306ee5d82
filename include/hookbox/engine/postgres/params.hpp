//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_PARAMS_HPP
#define HOOKBOX_ENGINE_POSTGRES_PARAMS_HPP

/// \file
/// `postgres_params`: how a `postgres_engine` connects, and how many connections it keeps.

#include <chrono>
#include <cstddef>
#include <string>

namespace hookbox::engine {

/// How a `postgres_engine` connects to its server.
struct postgres_params {
    /// A libpq connection string, in either of libpq's forms: keywords
    /// (`host=127.0.0.1 port=5432 dbname=app user=app`) or a URI
    /// (`postgresql://app@127.0.0.1:5432/app?sslmode=require`). Everything libpq reads there applies:
    /// TLS (`sslmode`, `sslrootcert`, ...), timeouts (`connect_timeout`), `options` (for example
    /// `-c search_path=outbox` to keep hookbox's tables in their own schema), and the `PG*`
    /// environment variables for what it leaves out.
    std::string conninfo{};

    /// At most this many connections are open at once (from 1). Each transaction has one to itself
    /// until it ends; the engine's own statements borrow one for their duration.
    std::size_t pool_size = 8;

    /// How long `begin` and the engine's statements wait for a free connection when all
    /// `pool_size` are in use, before failing with `errc::storage_busy` (0: do not wait).
    std::chrono::milliseconds acquire_timeout{5000};

    /// The server's `statement_timeout` for the engine's connections: a statement running longer
    /// is cancelled by the server and fails with `errc::storage_busy`. 0 keeps the server's setting.
    std::chrono::milliseconds statement_timeout{0};

    /// Prepared statements kept per connection, by their text (from 1). A statement not in the
    /// cache is prepared on first use; when the cache is full, the least recently used is
    /// deallocated.
    std::size_t statement_cache_size = 64;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_POSTGRES_PARAMS_HPP
