//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP
#define HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP

// Runs an io_context on the test thread until a condition holds, bounded by a wall-clock limit so
// that a broken test fails instead of hanging. Nothing sleeps: the loop runs handlers as they
// become ready, for at most 5 ms at a time, and checks the condition in between.

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace hookbox::test {

template <class Predicate>
bool run_until(boost::asio::io_context& ioc, Predicate&& done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP
