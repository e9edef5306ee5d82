//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_DEFAULT_TOKEN_HPP
#define HOOKBOX_DETAIL_DEFAULT_TOKEN_HPP

// The completion token that hookbox's asynchronous calls use when the caller passes none: the
// executor's own default (an executor made with `as_default_on`), else `boost::asio::deferred`, so
// that `co_await x.async_run(boost::asio::use_awaitable)` and `x.async_run()(handler)` both work.

#include <boost/asio/deferred.hpp>

#include <type_traits>

namespace hookbox::detail {

template <class Executor, class = void>
struct default_token {
    using type = boost::asio::deferred_t;
};

template <class Executor>
struct default_token<Executor, std::void_t<typename Executor::default_completion_token_type>> {
    using type = typename Executor::default_completion_token_type;
};

template <class Executor>
using default_token_t = typename default_token<Executor>::type;

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_DEFAULT_TOKEN_HPP
