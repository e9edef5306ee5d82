//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_SRC_HPP
#define HOOKBOX_HTTP_SRC_HPP

/// \file
/// The separately compiled HTTP component: `beast_sender` on Beast and OpenSSL's libssl, with its
/// address policy and connection pool, and the admin API's `admin_handler`. Include it once in the
/// program, in the translation unit of `<hookbox/src.hpp>` or another one, with
/// `HOOKBOX_SEPARATE_COMPILATION` defined everywhere (see `<hookbox/src.hpp>`). It also instantiates
/// `basic_beast_sender<boost::asio::any_io_executor>` (`beast_sender`) and its implementation, which
/// `<hookbox/http/beast_sender.hpp>` then declares `extern`.

#include <hookbox/detail/config.hpp>

#ifndef HOOKBOX_SEPARATE_COMPILATION
#error Define HOOKBOX_SEPARATE_COMPILATION in every translation unit that uses the compiled hookbox, and in the one that includes this file.
#endif

#include <hookbox/http/impl/address_policy.ipp>
#include <hookbox/http/impl/origin_pool.ipp>
#include <hookbox/http/impl/request_head.ipp>
#include <hookbox/http/impl/response_reader.ipp>

#include <hookbox/admin/impl/admin_handler.ipp>

#include <hookbox/http/beast_sender.hpp>

namespace hookbox {

template class http::detail::beast_sender_impl<boost::asio::any_io_executor,
                                               std::chrono::steady_clock,
                                               boost::asio::wait_traits<std::chrono::steady_clock>>;
template class basic_beast_sender<boost::asio::any_io_executor>;

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_SRC_HPP
