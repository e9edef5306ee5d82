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

// Reads one HTTP/1.1 response from the bytes of a connection, without the connection: the caller
// offers the bytes it holds (`put`) and the end of the stream (`put_eof`), and keeps the bytes not
// used for the next `put`. It keeps only what a `send_result` needs: the final status,
// `Retry-After` and the body up to `body_limit` bytes; no header field is stored, so a response
// costs no allocation beyond the body kept.
//
// - Interim responses (1xx but 101, RFC 9110 section 15.2) are read and skipped; the response after
//   them is the one reported. 101 Switching Protocols is final (and its connection is not reusable).
// - Every header block, interim ones included, counts toward `header_limit` bytes together. A
//   final response whose header block goes beyond the limit after its status line ends `done`
//   with its status and `truncated` set (its headers are not read, its connection not reused);
//   without a final status line within the limit it ends `failed` with
//   `boost::beast::http::error::header_limit`.
// - A body longer than `body_limit` is kept up to the limit and not read further (`capped`).
// - Once the final status is known, anything that goes wrong (a malformed body, the end of the
//   stream) ends the response `done` with that status, not reusable. Before it, `failed` with
//   Beast's parser error, or `bad_status` for a status outside 100..599.
//
// The header block is parsed only once it is whole, so a caller holding fewer than
// `header_room()` unused bytes (and none more) must find room for more before reading again.
class response_reader {
public:
    enum class state { need_more, done, failed };

    // `body` receives the kept body; `head`: the response to a HEAD request (no body is read).
    HOOKBOX_DECL response_reader(std::string& body, std::size_t body_limit, std::size_t header_limit, bool head);

    response_reader(const response_reader&) = delete;
    response_reader& operator=(const response_reader&) = delete;

    // Parses from the start of `data`; returns how many bytes were used. The bytes not used must
    // be offered again, followed by those that arrive next. Bytes offered once the response is
    // `done` are not used and make its connection not reusable.
    HOOKBOX_DECL std::size_t put(const char* data, std::size_t size);
    // The stream ended: a body delimited by the end of the connection is complete, anything else
    // unfinished ends as described above.
    HOOKBOX_DECL void put_eof();

    state current() const noexcept { return state_; }

    // Whether the final response's header block has been read, or cut off after its status line
    // (`truncated`); then `status()` is its status, in 100..599 and not an interim one.
    bool has_status() const noexcept { return has_status_; }
    // The final status; when `failed` with `bad_status`, the status that was refused.
    unsigned status() const noexcept { return status_; }
    // The final response's `Retry-After`; not read when `truncated`.
    std::optional<std::string>& retry_after() noexcept { return retry_after_; }
    // The body went beyond `body_limit` and was not read further.
    bool capped() const noexcept { return capped_; }
    // The final response's header block went beyond the limit and was not read.
    bool truncated() const noexcept { return truncated_; }
    // When `done`: the connection may carry another request (keep-alive, the response read
    // completely and nothing after it, not 101).
    bool reusable() const noexcept { return reusable_; }
    // When `failed`: why.
    boost::system::error_code error() const noexcept { return error_; }
    // Interim responses skipped so far.
    std::size_t interim() const noexcept { return interim_; }
    std::size_t header_limit() const noexcept { return header_limit_; }
    // How many unused bytes the header block being read may need held at once; 0 once the final
    // header block is read.
    std::size_t header_room() const noexcept { return has_status_ ? 0 : header_limit_ - header_used_; }

private:
    using error_code = boost::system::error_code;

    // Beast's parser, one per response (interim ones included).
    class parser final : public boost::beast::http::basic_parser<false> {
    public:
        explicit parser(response_reader& owner) noexcept : owner_(owner) {}

        bool status_line = false;  // its status line has been read

    private:
        using string_view = boost::beast::string_view;

        HOOKBOX_DECL void
        on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override;
        HOOKBOX_DECL void on_response_impl(int code, string_view, int, error_code& ec) override;
        HOOKBOX_DECL void
        on_field_impl(boost::beast::http::field f, string_view, string_view value, error_code&) override;
        HOOKBOX_DECL void on_header_impl(error_code&) override;
        HOOKBOX_DECL void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override;
        HOOKBOX_DECL std::size_t on_body_impl(string_view s, error_code& ec) override;
        HOOKBOX_DECL void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override;
        HOOKBOX_DECL std::size_t on_chunk_body_impl(std::uint64_t, string_view s, error_code& ec) override;
        HOOKBOX_DECL void on_finish_impl(error_code&) override;

        response_reader& owner_;
    };

    // A status that announces another response after it (RFC 9110 section 15.2).
    static constexpr bool is_interim(unsigned status) noexcept {
        return status >= 100 && status < 200 && status != 101;
    }

    HOOKBOX_DECL void next_response();
    HOOKBOX_DECL std::size_t put_header(const char* data, std::size_t size);
    HOOKBOX_DECL std::size_t take(boost::beast::string_view s, error_code& ec);
    HOOKBOX_DECL void finish(bool reusable) noexcept;
    HOOKBOX_DECL void fail(error_code ec) noexcept;

    std::optional<parser> parser_;
    std::string& body_;
    std::size_t body_limit_;
    std::size_t header_limit_;
    std::size_t header_used_ = 0;  // bytes of header blocks read, interim ones included
    std::size_t interim_ = 0;
    std::size_t body_unused_ = 0;  // bytes the last offer of body bytes left unused
    std::optional<std::string> retry_after_;
    error_code error_;
    unsigned status_ = 0;
    state state_ = state::need_more;
    bool head_;
    bool has_status_ = false;
    bool capped_ = false;
    bool truncated_ = false;
    bool reusable_ = false;
};

}  // namespace hookbox::http::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/response_reader.ipp>
#endif

#endif  // HOOKBOX_HTTP_DETAIL_RESPONSE_READER_HPP
