//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_REQUEST_HEAD_IPP
#define HOOKBOX_HTTP_IMPL_REQUEST_HEAD_IPP

#include <hookbox/http/detail/request_head.hpp>
#include <hookbox/validate.hpp>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>

#include <charconv>

namespace hookbox::http::detail {

bool is_replaced(std::span<const header> headers, std::size_t i) noexcept {
    for (std::size_t j = i + 1; j < headers.size(); ++j)
        if (hookbox::detail::iequals(headers[j].name, headers[i].name))
            return true;
    return false;
}

bool has_content_length(std::string_view method, std::size_t body_size) noexcept {
    if (body_size > 0)
        return true;
    for (std::string_view bodiless : {"GET", "HEAD", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
        if (method == bodiless)
            return false;
    return true;
}

void fill_request_head(boost::beast::http::request_header<>& h,
                       const outgoing_request& r,
                       const url_parts& u,
                       std::string_view user_agent) {
    namespace bh = boost::beast::http;
    h.clear();
    h.method_string(r.method);
    h.target(u.target);
    h.version(11);
    h.insert(bh::field::host, u.host_header);
    bool agent = false;
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
        const header& f = r.headers[i];
        if (is_replaced(r.headers, i))
            continue;
        agent = agent || hookbox::detail::iequals(f.name, "User-Agent");
        h.insert(f.name, f.value);
    }
    if (!agent)
        h.insert(bh::field::user_agent, user_agent);
    std::size_t n = r.body.body().size();
    if (has_content_length(r.method, n)) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        h.insert(bh::field::content_length,
                 boost::beast::string_view(digits, static_cast<std::size_t>(end - digits)));
    }
}

void request_buffers(request_serializer& sr,
                     std::vector<boost::asio::const_buffer>& out,
                     boost::system::error_code& ec) {
    out.clear();
    sr.split(false);
    sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
        for (boost::asio::const_buffer b : boost::beast::buffers_range_ref(buffers))
            out.push_back(b);
    });
}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_REQUEST_HEAD_IPP
