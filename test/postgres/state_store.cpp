//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The state-store contract (contract/state_store_cases.hpp) over PostgreSQL: basic_sql_state_store
// on postgres_engine, in PostgreSQL's dialect, and the generic basic_state_store on it. Each test's
// factory has a fresh schema of its own, which every engine it makes opens again.

#include "common/pg_cluster.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/postgres_engine.hpp>
#include <hookbox/state/sql_state_store.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/mpl/list.hpp>

#include <string>
#include <type_traits>

namespace hookbox::test {

namespace {

struct postgres_state_factory {
    using engine_type = engine::postgres_engine;
    template <class Clock>
    using store_type = basic_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_state_store<postgres_engine>";
    std::string conninfo = pg_fresh_schema_conninfo("state");
    engine_type make() {
        engine::postgres_params p;
        p.conninfo = conninfo;
        return engine_type(p);
    }
};

struct postgres_sql_state_factory : postgres_state_factory {
    template <class Clock>
    using store_type = basic_sql_state_store<engine_type, Clock>;
    static constexpr const char* name = "basic_sql_state_store<postgres_engine>";
};

using state_store_factories = boost::mpl::list<postgres_sql_state_factory, postgres_state_factory>;
using generic_state_store_factories = boost::mpl::list<postgres_state_factory>;
using shared_state_store_factories = boost::mpl::list<postgres_sql_state_factory, postgres_state_factory>;

static_assert(std::is_move_constructible_v<basic_sql_state_store<engine::postgres_engine, manual_clock>>);

}  // namespace

}  // namespace hookbox::test

#include "contract/state_store_cases.hpp"
