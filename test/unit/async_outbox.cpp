//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// basic_async_outbox over memory_storage: every call against its blocking form, the completion
// tokens, the executors, the handler's allocator, cancellation and exceptions
// (common/async_outbox_cases.hpp).

#include <hookbox/storage/memory_storage.hpp>

#include <boost/mpl/list.hpp>

namespace hookbox::test {

struct async_memory_factory {
    using storage_type = memory_storage;
    static constexpr const char* name = "memory_storage";
    memory_storage make() { return memory_storage(); }
};

using async_outbox_factories = boost::mpl::list<async_memory_factory>;

}  // namespace hookbox::test

#define HOOKBOX_ASYNC_OUTBOX_SUITE async_outbox
#include "common/async_outbox_cases.hpp"
