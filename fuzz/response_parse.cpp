//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The sender's response reading (`http/detail/response_reader.hpp`) on arbitrary bytes, arriving
// in arbitrary pieces, as a connection would offer them.
//
// Input: one byte of settings, then pieces, each a length byte and that many bytes of the response
// (fewer at the end of the input).
// - settings bit 0: the response to a HEAD request; bits 1-2: the header limit (1, 2, 4 or 64
//   KiB); bits 3-4: the body limit (0, 1, 16 bytes or 16 KiB); bit 5: the stream ends after the
//   last piece.
//
// Checked: the kept body never exceeds the body limit; a reported status is in 100..599 and never
// an interim one (1xx but 101); the reader ends (done or failed) at most once and then stays as it
// ended; it never uses more bytes than offered; a truncated or capped response or a 101 is not
// reusable; and read whole, the same bytes end with the same status when both readings end done
// without truncation.

#include <hookbox/http/detail/response_reader.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using hookbox::http::detail::response_reader;

constexpr std::size_t header_limits[] = {1024, 2048, 4096, 64 * 1024};
constexpr std::size_t body_limits[] = {0, 1, 16, 16 * 1024};

void check(bool ok) {
    if (!ok)
        __builtin_trap();
}

struct reading {
    response_reader::state state = response_reader::state::need_more;
    unsigned status = 0;
    bool truncated = false;
};

// Checks what holds whatever the reader has seen so far.
void check_now(const response_reader& r, const std::string& body, std::size_t body_limit) {
    check(body.size() <= body_limit);
    check(r.header_room() <= r.header_limit());
    if (r.has_status()) {
        check(r.status() >= 100 && r.status() <= 599);
        check(r.status() >= 200 || r.status() == 101);
    }
    switch (r.current()) {
    case response_reader::state::need_more:
        break;
    case response_reader::state::done:
        check(r.has_status());
        if (r.reusable())
            check(!r.truncated() && !r.capped() && r.status() != 101);
        if (r.truncated())
            check(body.empty());
        break;
    case response_reader::state::failed:
        check(!r.has_status());
        check(static_cast<bool>(r.error()));
        break;
    }
}

// Offers `pieces` (length-prefixed) to a reader; `whole`: all the bytes in one piece instead.
reading read(std::string_view pieces, bool head, std::size_t header_limit, std::size_t body_limit, bool eof,
             bool whole) {
    std::string body;
    response_reader r(body, body_limit, header_limit, head);
    std::string held;
    int ends = 0;
    response_reader::state last = r.current();
    auto after = [&] {
        check_now(r, body, body_limit);
        if (last != response_reader::state::need_more)
            check(r.current() == last);  // it stays as it ended
        else if (r.current() != response_reader::state::need_more)
            ++ends;
        last = r.current();
    };
    auto offer = [&](std::string_view bytes) {
        held.append(bytes);
        std::size_t used = r.put(held.data(), held.size());
        check(used <= held.size());
        held.erase(0, used);
        after();
    };
    if (whole) {
        std::string all;
        for (std::size_t at = 0; at < pieces.size();) {
            std::size_t n = static_cast<unsigned char>(pieces[at++]);
            all.append(pieces.substr(at, n));
            at += n;
        }
        offer(all);
    } else {
        for (std::size_t at = 0; at < pieces.size();) {
            std::size_t n = static_cast<unsigned char>(pieces[at++]);
            offer(pieces.substr(at, n));
            at += n;
        }
    }
    if (eof) {
        r.put_eof();
        after();
        r.put_eof();
        after();
    }
    check(ends <= 1);
    return {r.current(), r.has_status() ? r.status() : 0, r.truncated()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const unsigned settings = data[0];
    const bool head = (settings & 1u) != 0;
    const std::size_t header_limit = header_limits[(settings >> 1) & 3u];
    const std::size_t body_limit = body_limits[(settings >> 3) & 3u];
    const bool eof = (settings & 32u) != 0;
    std::string_view pieces(reinterpret_cast<const char*>(data + 1), size - 1);

    reading in_pieces = read(pieces, head, header_limit, body_limit, eof, false);
    reading at_once = read(pieces, head, header_limit, body_limit, eof, true);
    if (in_pieces.state == response_reader::state::done && at_once.state == response_reader::state::done &&
        !in_pieces.truncated && !at_once.truncated)
        check(in_pieces.status == at_once.status);
    return 0;
}
