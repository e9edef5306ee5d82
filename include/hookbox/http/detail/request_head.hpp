//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP
#define HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP

// The head of a request as `beast_sender` sends it, without I/O: Beast's request header, which
// Beast's serializer writes.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/http/address_policy.hpp>
#include <hookbox/http/sender_concept.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::http::detail {

// Whether `headers[i]` gives way to a later header of the same name (compared case-insensitively):
// the request carries the last of several, in the last one's place.
HOOKBOX_DECL bool is_replaced(std::span<const header> headers, std::size_t i) noexcept;

// Whether the request states `Content-Length`: always with a body, and for an empty one unless the
// method is one that takes no body (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT), so that a bodiless
// POST or PUT still says `Content-Length: 0` as RFC 9110 asks.
HOOKBOX_DECL bool has_content_length(std::string_view method, std::size_t body_size) noexcept;

// Fills `h` (its fields cleared first): the method, the target, HTTP/1.1, `Host`, the request's
// headers in order (those not replaced), `User-Agent: user_agent` unless the request has one, and
// `Content-Length` when `has_content_length` says so.
HOOKBOX_DECL void fill_request_head(boost::beast::http::request_header<>& h,
                                    const outgoing_request& r,
                                    const url_parts& u,
                                    std::string_view user_agent);

using request_message = boost::beast::http::request<boost::beast::http::span_body<const char>>;
using request_serializer = boost::beast::http::request_serializer<boost::beast::http::span_body<const char>>;

// The buffers of a whole request from Beast's serializer, appended to `out` (cleared first): the
// head, then the body, from one `next` (a span body is one piece, and the serializer does not split
// the head from it). The head's buffers point into `sr`, which must outlive their writing and is
// not consumed (consuming the head would free them).
HOOKBOX_DECL void request_buffers(request_serializer& sr,
                                  std::vector<boost::asio::const_buffer>& out,
                                  boost::system::error_code& ec);

}  // namespace hookbox::http::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/request_head.ipp>
#endif

#endif  // HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP
