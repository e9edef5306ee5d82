//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP
#define HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP

// What `beast_sender` puts in a request's head besides the request's own headers, without I/O.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/http/address_policy.hpp>
#include <hookbox/http/sender_concept.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace hookbox::http::detail {

// Whether `headers[i]` gives way to a later header of the same name (compared case-insensitively):
// the request carries the last of several, in the last one's place.
HOOKBOX_DECL bool is_replaced(std::span<const header> headers, std::size_t i) noexcept;

// Whether the request states `Content-Length`: always with a body, and for an empty one unless the
// method is one that takes no body (GET, HEAD, DELETE, OPTIONS, TRACE, CONNECT), so that a bodiless
// POST or PUT still says `Content-Length: 0` as RFC 9110 asks.
HOOKBOX_DECL bool has_content_length(std::string_view method, std::size_t body_size) noexcept;

// The request line and header block, CRLF-terminated, into `out` (cleared first): `Host`, the
// request's headers (those not replaced), `User-Agent: user_agent` unless the request has one, and
// `Content-Length` when `has_content_length` says so.
HOOKBOX_DECL void write_request_head(std::string& out,
                                     const outgoing_request& r,
                                     const url_parts& u,
                                     std::string_view user_agent);

}  // namespace hookbox::http::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/request_head.ipp>
#endif

#endif  // HOOKBOX_HTTP_DETAIL_REQUEST_HEAD_HPP
