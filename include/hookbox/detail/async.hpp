//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_ASYNC_HPP
#define HOOKBOX_DETAIL_ASYNC_HPP

// What the background objects (dispatcher, retention sweeper, auto-enqueuer) share: their
// `async_run` as a conforming asynchronous operation over an implementation that the operation
// co-owns, and running a blocking call on a storage executor.
//
// A background object is a front (what the user holds) and an implementation (`Impl`) held by
// `std::shared_ptr`. Every piece of queued work holds the implementation, never the front, so the
// front may be destroyed at any time; its destructor asks the implementation to stop. `Impl`
// provides:
//   - `executor_type` and `get_executor()`: the strand its state lives on;
//   - `static awaitable<error_code> run(std::shared_ptr<Impl>)`: the run, on that strand.

#include <hookbox/detail/default_token.hpp>
#include <hookbox/error.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

namespace hookbox::detail {

// Ends a run: holds the user's handler and outstanding work on its associated executor while the run
// goes on, and completes it with `dispatch` on that executor, so that the handler's associated
// allocator is the one used if the completion must be queued. Only the handler's cancellation slot
// is passed on to the run coroutine (see the specialization below): a bound slot's terminal
// cancellation stops the run as `cancel()` does.
template <class Handler, class Strand>
struct run_completion {
    Handler handler;
    Strand strand;
    // Outstanding work on the handler's executor while the run goes on.
    boost::asio::any_io_executor work;

    void operator()(std::exception_ptr e, error_code ec) {
        if (e)
            ec = make_error_code(errc::storage_failure);
        auto ex = boost::asio::get_associated_executor(handler, strand);
        // The work is given up after the completion is queued, so that the executor's context never
        // looks out of work in between.
        auto keep = std::move(work);
        boost::asio::dispatch(ex, boost::asio::append(std::move(handler), ec));
    }
};

// The initiation of every background object's `async_run`: starts `Impl::run` on the
// implementation's strand, the operation co-owning the implementation.
template <class Impl>
struct run_initiation {
    std::shared_ptr<Impl> impl;

    using executor_type = typename Impl::executor_type;
    executor_type get_executor() const noexcept { return impl->get_executor(); }

    template <class Handler>
    void operator()(Handler&& handler) const {
        using handler_type = std::decay_t<Handler>;
        executor_type strand = impl->get_executor();
        boost::asio::any_io_executor work = boost::asio::prefer(
            boost::asio::any_io_executor(boost::asio::get_associated_executor(handler, strand)),
            boost::asio::execution::outstanding_work.tracked);
        boost::asio::co_spawn(strand, Impl::run(impl),
                              run_completion<handler_type, executor_type>{std::forward<Handler>(handler), strand,
                                                                          std::move(work)});
    }
};

// Starts `impl`'s run as an operation completing with `void(error_code)`.
template <class Impl, class CompletionToken>
auto async_run(std::shared_ptr<Impl> impl, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(error_code)>(run_initiation<Impl>{std::move(impl)},
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

namespace boost::asio {

// A run's completion passes on the user handler's cancellation slot (and nothing else: it completes
// on the run's strand and then dispatches to the handler's own executor).
template <class Handler, class Strand, class CancellationSlot>
struct associated_cancellation_slot<hookbox::detail::run_completion<Handler, Strand>, CancellationSlot> {
    using type = associated_cancellation_slot_t<Handler, CancellationSlot>;

    static type get(const hookbox::detail::run_completion<Handler, Strand>& h) noexcept {
        return associated_cancellation_slot<Handler, CancellationSlot>::get(h.handler);
    }
    static type get(const hookbox::detail::run_completion<Handler, Strand>& h, const CancellationSlot& s) noexcept {
        return associated_cancellation_slot<Handler, CancellationSlot>::get(h.handler, s);
    }
};

}  // namespace boost::asio

#endif  // HOOKBOX_DETAIL_ASYNC_HPP
