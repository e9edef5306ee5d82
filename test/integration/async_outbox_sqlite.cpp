//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// basic_async_outbox over SQLite, a new file per test in a temporary folder, with its storage calls
// on a thread pool: the cases of common/async_outbox_cases.hpp.

#include "common/temp_dir.hpp"

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/mpl/list.hpp>

#include <chrono>

namespace hookbox::test {

struct async_sqlite_file_factory {
    using storage_type = sql_storage<engine::sqlite_engine>;
    static constexpr const char* name = "sql_storage<sqlite_engine> (file)";
    storage_type make() {
        engine::sqlite_params p;
        p.path = process_temp_dir().file("async-outbox");
        p.busy_timeout = std::chrono::seconds(5);
        return storage_type(engine::sqlite_engine(p));
    }
};

using async_outbox_factories = boost::mpl::list<async_sqlite_file_factory>;

}  // namespace hookbox::test

#define HOOKBOX_ASYNC_OUTBOX_SUITE async_outbox_sqlite
#include "common/async_outbox_cases.hpp"
