//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox contract suite and the retention suite over memory_storage.

#include <boost/mpl/list.hpp>

#include <hookbox/storage/memory_storage.hpp>

namespace hookbox::test {

struct memory_storage_factory {
    using storage_type = memory_storage;
    static constexpr const char* name = "memory_storage";
    memory_storage make() { return memory_storage(); }
};

using outbox_contract_factories = boost::mpl::list<memory_storage_factory>;

}  // namespace hookbox::test

#include "contract/outbox_contract_cases.hpp"
#include "contract/retention_cases.hpp"
