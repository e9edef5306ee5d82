//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP
#define HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP

#include <hookbox/http/detail/response_reader.hpp>

namespace hookbox::http::detail {

response_reader::response_reader(std::string& body, std::size_t limit) : body_(body), limit_(limit) {
    eager(true);
    body_limit(boost::none);
}

void response_reader::on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) {}

void response_reader::on_response_impl(int code, string_view, int, error_code&) {
    status = static_cast<unsigned>(code);
}

void response_reader::on_field_impl(boost::beast::http::field f,
                                    string_view,
                                    string_view value,
                                    error_code&) {
    if (f == boost::beast::http::field::retry_after)
        retry_after.emplace(value.data(), value.size());
}

void response_reader::on_header_impl(error_code&) {}

void response_reader::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) {}

std::size_t response_reader::on_body_impl(string_view s, error_code& ec) {
    return take(s, ec);
}

void response_reader::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t response_reader::on_chunk_body_impl(std::uint64_t, string_view s, error_code& ec) {
    return take(s, ec);
}

void response_reader::on_finish_impl(error_code&) {}

std::size_t response_reader::take(string_view s, error_code& ec) {
    std::size_t room = limit_ - body_.size();
    if (s.size() > room) {
        body_.append(s.data(), room);
        capped = true;
        ec = boost::beast::http::error::body_limit;
        return room;
    }
    body_.append(s.data(), s.size());
    return s.size();
}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP
