//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_FORMAT_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_FORMAT_HPP

// What the tool prints: text made safe for a terminal, aligned text tables, and the JSON documents
// of --json (deliveries and attempts as JSON, errors as JSON), all on stdout except text errors.

#include "failure.hpp"

#include <hookbox/delivery.hpp>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox_cli {

// ----- text -----

// Text read from the database goes to a terminal: control characters are escaped (`\n`, `\x1b`)
// so that a stored value cannot move the cursor or change colours.
std::string printable(std::string_view s);

// At most `limit` bytes, cut at a UTF-8 boundary, with "..." when something was cut.
std::string clip(std::string s, std::size_t limit);

std::string pad(std::string s, std::size_t width);
std::string pad_left(std::string s, std::size_t width);

// "-" for what is absent, as every text table prints it.
std::string or_dash(const std::optional<int>& v);
std::string or_dash(const std::optional<hookbox::timestamp>& t);

// A header's value as the tool shows it: "<redacted>" for headers that carry credentials
// (Authorization, Cookie, names with token, secret, password or api-key).
std::string header_value(const hookbox::header& h);

// A URL as the tool shows it: a password in its user information replaced by `***`
// (`https://user:***@host/`), and user information without one (`https://token@host/`) replaced
// whole. Enqueue refuses such URLs; older rows and other writers may hold them.
std::string display_url(std::string_view url);

// ----- text tables -----

enum class align { left, right };

struct column {
    std::string_view title;
    std::size_t width = 0;  // cells are padded to it, never cut: a longer cell pushes the row right
    align alignment = align::left;
};

// Rows of cells under column titles, joined by a separator. A left-aligned last column is not
// padded, so that no line ends in blanks.
class text_table {
public:
    explicit text_table(std::vector<column> columns, std::string separator = "  ");

    void print_header(std::ostream& out) const;
    void print_row(std::ostream& out, std::initializer_list<std::string> cells) const;

private:
    std::vector<column> columns_;
    std::string separator_;
};

// ----- JSON -----

// Prints one JSON document on its own line of stdout.
void emit(const boost::json::value& v);

boost::json::value opt_time(const std::optional<hookbox::timestamp>& t);
boost::json::value opt_text(const std::optional<std::string>& s);
boost::json::value opt_int(const std::optional<int>& v);

// The fields `list` prints.
boost::json::object summary_json(const hookbox::delivery& d);
// Every field `show` prints: the summary, then the rest (never the secret; credential headers
// redacted; a JSON payload as JSON).
boost::json::object full_json(const hookbox::delivery& d);
boost::json::object attempt_json(const hookbox::attempt_record& a);

// ----- results and errors -----

// "replayed 1 delivery", "purged 3 deliveries", or {"replayed":1}.
void print_count(bool as_json, std::string_view key, std::size_t n);

// A failure on stderr (with a pointer to the help for a usage error), or as the only JSON document
// on stdout.
void report(bool as_json, const failure& f);

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_FORMAT_HPP
