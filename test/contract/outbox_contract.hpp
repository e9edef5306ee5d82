//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_HPP
#define HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_HPP

// The outbox contract suite: every behaviour a storage must keep, written once over a storage
// factory and instantiated for each storage. A storage that passes it is a real model of
// outbox_storage.
//
// A factory is a type with:
//   using storage_type = ...;                 // a model of outbox_storage
//   static constexpr const char* name;        // shown in failures
//   storage_type make();                      // a fresh, empty storage (a new file, a new database, ...)
// Include this header in exactly one translation unit, after defining
//   using outbox_contract_factories = boost::mpl::list<factory_a, factory_b, ...>;

#include "common/test_common.hpp"

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

namespace hookbox::test {

template <class Factory>
struct outbox_fixture {
    using storage_type = typename Factory::storage_type;
    using outbox_type = basic_outbox<storage_type, manual_clock>;

    Factory factory;
    manual_clock clock;
    outbox_type outbox{outbox_params{}, factory.make(), clock};

    timestamp now() { return now_ms(clock); }
};

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_HPP
