//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP
#define HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP

// Runs an io_context on the test thread until a condition holds. There is no time limit: a test
// whose condition never comes is stopped by ctest's timeout, and one whose context runs out of work
// first fails at once (`run_until` returns false). Nothing sleeps: the loop runs handlers as they
// become ready and checks the condition after each (or every few milliseconds while none is ready,
// for conditions that another thread, such as the scripted receiver's, makes true).

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace hookbox::test {

template <class Predicate>
bool run_until(boost::asio::io_context& ioc, Predicate&& done) {
    ioc.restart();
    while (!done()) {
        if (ioc.run_one_for(std::chrono::milliseconds(5)) == 0 && ioc.stopped())
            return done();
    }
    return true;
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_RUN_UNTIL_HPP
