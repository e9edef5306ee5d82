//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_JSON_CHECK_HPP
#define HOOKBOX_DETAIL_JSON_CHECK_HPP

// Checks that text is one valid JSON document without building a DOM: a storage that reads a
// payload back vouches for it this way at a fraction of the cost of parsing it.

#include <hookbox/error.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hookbox::detail {

struct json_null_handler {
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    using sv = boost::json::string_view;

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code&) { return true; }
    bool on_array_end(std::size_t, error_code&) { return true; }
    bool on_object_begin(error_code&) { return true; }
    bool on_object_end(std::size_t, error_code&) { return true; }
    bool on_string_part(sv, std::size_t, error_code&) { return true; }
    bool on_string(sv, std::size_t, error_code&) { return true; }
    bool on_key_part(sv, std::size_t, error_code&) { return true; }
    bool on_key(sv, std::size_t, error_code&) { return true; }
    bool on_number_part(sv, error_code&) { return true; }
    bool on_int64(std::int64_t, sv, error_code&) { return true; }
    bool on_uint64(std::uint64_t, sv, error_code&) { return true; }
    bool on_double(double, sv, error_code&) { return true; }
    bool on_bool(bool, error_code&) { return true; }
    bool on_null(error_code&) { return true; }
    bool on_comment_part(sv, error_code&) { return true; }
    bool on_comment(sv, error_code&) { return true; }
};

// Sets `jec` to the parser's error when `text` is not exactly one JSON document. Any depth is
// accepted: whatever depth a writer allowed (`payload_options::max_depth`) is read back. The parser
// keeps its nesting on the heap, not in recursion, so depth costs no stack.
inline bool json_is_valid(std::string_view text, error_code& jec) {
    jec.clear();
    boost::json::parse_options po;
    po.max_depth = std::size_t(-1);
    boost::json::basic_parser<json_null_handler> p{po};
    std::size_t n = p.write_some(false, text.data(), text.size(), jec);
    if (!jec && n != text.size())
        jec = boost::json::make_error_code(boost::json::error::extra_data);
    return !jec;
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_DETAIL_JSON_CHECK_HPP
