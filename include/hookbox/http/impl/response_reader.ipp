//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP
#define HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP

#include <hookbox/http/detail/response_reader.hpp>

#include <boost/asio/buffer.hpp>

#include <algorithm>

namespace hookbox::http::detail {

response_reader::response_reader(std::string& body, std::size_t body_limit, std::size_t header_limit, bool head)
    : body_(body), body_limit_(body_limit), header_limit_(header_limit), head_(head) {
    next_response();
}

void response_reader::next_response() {
    parser_.emplace(*this);
    // Not eager while the header block is read, so that `put` reports exactly the header bytes.
    parser_->eager(false);
    parser_->body_limit(boost::none);
    if (head_)
        parser_->skip(true);
    retry_after_.reset();
}

std::size_t response_reader::put(const char* data, std::size_t size) {
    if (state_ != state::need_more) {
        if (size > 0)
            reusable_ = false;  // bytes the response did not announce
        return 0;
    }
    std::size_t used = 0;
    for (;;) {
        if (state_ != state::need_more)
            break;
        if (has_status_ && parser_->is_done()) {
            finish(parser_->keep_alive() && used == size && status_ != 101);
            break;
        }
        if (used == size)
            break;
        std::size_t n = 0;
        if (!has_status_) {
            n = put_header(data + used, size - used);
        } else {
            // Beast is offered the body's bytes only when more arrived than it could not use last
            // time (it would use none of the same ones again), and a last chunk it had 3 bytes of
            // only with 5 or more: Boost.Beast before 1.86 asserts on 4 (boostorg/beast#2861),
            // and 4 cannot end a chunked body.
            const std::size_t offered = size - used;
            if (offered <= body_unused_ || (body_unused_ == 3 && offered == 4))
                break;
            error_code ec;
            n = parser_->put(boost::asio::const_buffer(data + used, offered), ec);
            body_unused_ = ec == boost::beast::http::error::need_more ? offered - n : 0;
            if (ec && ec != boost::beast::http::error::need_more)
                finish(false);  // capped, or a malformed body: the status stands
        }
        used += n;
        if (n == 0 && state_ == state::need_more && !(has_status_ && parser_->is_done()))
            break;
    }
    return used;
}

// Reads the header block of the current response, within what is left of the limit.
std::size_t response_reader::put_header(const char* data, std::size_t size) {
    const std::size_t room = header_limit_ - header_used_;
    std::size_t n = 0;
    error_code ec = boost::beast::http::error::header_limit;
    const std::size_t offered = std::min(size, room);
    if (room > 0) {
        parser_->header_limit(static_cast<std::uint32_t>(room));
        n = parser_->put(boost::asio::const_buffer(data, offered), ec);
        header_used_ += n;
    }
    if (parser_->is_header_done()) {
        if (is_interim(status_)) {
            ++interim_;
            next_response();
            return n;
        }
        has_status_ = true;
        parser_->eager(true);
        return n;
    }
    if (ec == boost::beast::http::error::need_more && offered < room)
        return n;  // the header block may still end within the limit
    if (ec && ec != boost::beast::http::error::need_more && ec != boost::beast::http::error::header_limit) {
        fail(ec);
        return n;
    }
    // Every byte up to the limit was there, and the header block did not end. Beast reads a status
    // line that arrived in pieces only with the whole header block: it reads it here on its own.
    if (!parser_->status_line) {
        const char* line_end = std::find(data, data + offered, '\n');
        if (line_end != data + offered) {
            next_response();
            parser_->header_limit(static_cast<std::uint32_t>(room));
            error_code line_ec;
            parser_->put(boost::asio::const_buffer(data, static_cast<std::size_t>(line_end - data) + 1), line_ec);
            if (line_ec == boost::beast::http::error::bad_status) {
                fail(line_ec);
                return n;
            }
        }
    }
    if (parser_->status_line && !is_interim(status_)) {
        truncated_ = true;
        has_status_ = true;
        retry_after_.reset();
        finish(false);
    } else {
        fail(boost::beast::http::error::header_limit);
    }
    return n;
}

void response_reader::put_eof() {
    if (state_ != state::need_more)
        return;
    if (!has_status_) {
        fail(parser_->got_some() || interim_ > 0 ? boost::beast::http::error::partial_message
                                                 : boost::beast::http::error::end_of_stream);
        return;
    }
    error_code ignored;
    parser_->put_eof(ignored);  // a body delimited by the end of the stream ends here
    finish(false);
}

void response_reader::finish(bool reusable) noexcept {
    state_ = state::done;
    reusable_ = reusable;
}

void response_reader::fail(error_code ec) noexcept {
    state_ = state::failed;
    error_ = ec;
}

std::size_t response_reader::take(boost::beast::string_view s, error_code& ec) {
    std::size_t room = body_limit_ - body_.size();
    if (s.size() > room) {
        body_.append(s.data(), room);
        capped_ = true;
        ec = boost::beast::http::error::body_limit;
        return room;
    }
    body_.append(s.data(), s.size());
    return s.size();
}

// ----- Beast's parser -----

void response_reader::parser::on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) {}

void response_reader::parser::on_response_impl(int code, string_view, int, error_code& ec) {
    status_line = true;
    owner_.status_ = static_cast<unsigned>(code);
    if (code < 100 || code > 599)
        ec = boost::beast::http::error::bad_status;
}

void response_reader::parser::on_field_impl(boost::beast::http::field f,
                                            string_view,
                                            string_view value,
                                            error_code&) {
    if (f == boost::beast::http::field::retry_after)
        owner_.retry_after_.emplace(value.data(), value.size());
}

void response_reader::parser::on_header_impl(error_code&) {}

void response_reader::parser::on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) {}

std::size_t response_reader::parser::on_body_impl(string_view s, error_code& ec) {
    return owner_.take(s, ec);
}

void response_reader::parser::on_chunk_header_impl(std::uint64_t, string_view, error_code&) {}

std::size_t response_reader::parser::on_chunk_body_impl(std::uint64_t, string_view s, error_code& ec) {
    return owner_.take(s, ec);
}

void response_reader::parser::on_finish_impl(error_code&) {}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_RESPONSE_READER_IPP
