//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_ASYNC_HPP
#define HOOKBOX_DETAIL_ASYNC_HPP

// What the Asio components (dispatcher, retention sweeper) share: starting a run coroutine as an
// asynchronous operation, and running a blocking call on a storage executor.

#include <hookbox/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <type_traits>
#include <utility>

namespace hookbox::detail {

// Starts `make_run()` (an `awaitable<error_code>`) on `strand` as an operation completing with
// `void(error_code)` on the handler's associated executor (default: the strand), with the handler's
// cancellation slot bound to the coroutine. An escaped exception completes with `storage_failure`.
template <class CompletionToken, class Strand, class MakeRun>
auto async_run_on(const Strand& strand, MakeRun make_run, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code)>(
        [strand, make_run = std::move(make_run)](auto handler) mutable {
            auto ex = boost::asio::get_associated_executor(handler, strand);
            auto slot = boost::asio::get_associated_cancellation_slot(handler);
            boost::asio::co_spawn(
                strand, make_run(),
                boost::asio::bind_cancellation_slot(
                    slot, boost::asio::bind_executor(ex, [h = std::move(handler)](std::exception_ptr e,
                                                                                error_code ec) mutable {
                        if (e)
                            ec = make_error_code(errc::storage_failure);
                        std::move(h)(ec);
                    })));
        },
        token);
}

// The body of `run_on`: a coroutine of its own, with the function held by value in its frame.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> invoke_held(F f) {
    co_return f();
}

// Runs `f` on `ex` (a storage executor) and resumes the calling coroutine on its own executor with
// the result.
template <class F>
boost::asio::awaitable<std::invoke_result_t<F&>> run_on(boost::asio::any_io_executor ex, F f) {
    // Named, not a temporary inside the co_await expression: g++ 12 mishandles non-trivial
    // temporaries there.
    auto body = invoke_held(std::move(f));
    // The caller's cancellation is not passed on: a storage call runs to its end on the other
    // executor (it is one short, atomic step), and the caller checks for cancellation after it.
    auto token = boost::asio::bind_cancellation_slot(boost::asio::cancellation_slot(), boost::asio::use_awaitable);
    co_return co_await boost::asio::co_spawn(ex, std::move(body), std::move(token));
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_ASYNC_HPP
