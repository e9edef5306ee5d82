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

void write_request_head(std::string& out,
                        const outgoing_request& r,
                        const url_parts& u,
                        std::string_view user_agent) {
    out.clear();
    out.append(r.method).append(" ").append(u.target).append(" HTTP/1.1\r\nHost: ").append(u.host_header);
    out.append("\r\n");
    bool agent = false;
    for (std::size_t i = 0; i < r.headers.size(); ++i) {
        const header& h = r.headers[i];
        if (is_replaced(r.headers, i))
            continue;
        agent = agent || hookbox::detail::iequals(h.name, "User-Agent");
        out.append(h.name).append(": ").append(h.value).append("\r\n");
    }
    if (!agent)
        out.append("User-Agent: ").append(user_agent).append("\r\n");
    std::size_t n = r.body.body().size();
    if (has_content_length(r.method, n)) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
        out.append("Content-Length: ").append(digits, end).append("\r\n");
    }
    out.append("\r\n");
}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_REQUEST_HEAD_IPP
