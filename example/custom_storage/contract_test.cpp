//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// hookbox's outbox contract suite and retention suite, run over map_storage: the same cases that
// memory_storage and the engine storages pass. A storage that passes them is a model of
// hookbox::outbox_storage in behaviour, not only in its signatures.

#include "map_storage.hpp"

#include <boost/mpl/list.hpp>

//[factory
namespace hookbox::test {

// What the suites need from a storage: its type, a name for the log, and a fresh, empty one for
// every test case.
struct map_storage_factory {
    using storage_type = example::map_storage;
    static constexpr const char* name = "map_storage";
    example::map_storage make() { return example::map_storage(); }
};

using outbox_contract_factories = boost::mpl::list<map_storage_factory>;

}  // namespace hookbox::test

#include "contract/outbox_contract_cases.hpp"
#include "contract/retention_cases.hpp"
//]

// map_storage's `list` applies the status and webhook filters only: the outbox applies the event and
// creation-time filters over its pages, and the list cases of the suite check that it does.
static_assert(!hookbox::detail::storage_lists_by_event_and_time<example::map_storage>);
