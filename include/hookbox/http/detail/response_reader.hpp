//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_DETAIL_RESPONSE_READER_HPP
#define HOOKBOX_HTTP_DETAIL_RESPONSE_READER_HPP

#include <hookbox/detail/config.hpp>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace hookbox::http::detail {

// Parses a response as it arrives, keeping only what a `send_result` needs: the status,
// `Retry-After` and the body up to `limit` bytes (a longer body stops the parse with
// `body_limit` and sets `capped`). No header field is stored, so a response costs no allocation
// beyond the body kept.
class response_reader final : public boost::beast::http::basic_parser<false> {
public:
    HOOKBOX_DECL response_reader(std::string& body, std::size_t limit);

    unsigned status = 0;
    std::optional<std::string> retry_after;
    bool capped = false;

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::system::error_code;

    HOOKBOX_DECL void
    on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override;
    HOOKBOX_DECL void on_response_impl(int code, string_view, int, error_code&) override;
    HOOKBOX_DECL void
    on_field_impl(boost::beast::http::field f, string_view, string_view value, error_code&) override;
    HOOKBOX_DECL void on_header_impl(error_code&) override;
    HOOKBOX_DECL void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override;
    HOOKBOX_DECL std::size_t on_body_impl(string_view s, error_code& ec) override;
    HOOKBOX_DECL void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override;
    HOOKBOX_DECL std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code& ec) override;
    HOOKBOX_DECL void on_finish_impl(error_code&) override;

    HOOKBOX_DECL std::size_t take(string_view s, error_code& ec);

    std::string& body_;
    std::size_t limit_;
};

}  // namespace hookbox::http::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/response_reader.ipp>
#endif

#endif  // HOOKBOX_HTTP_DETAIL_RESPONSE_READER_HPP
