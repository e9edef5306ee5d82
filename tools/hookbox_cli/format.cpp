//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "format.hpp"

#include <hookbox/detail/redact.hpp>
#include <hookbox/error.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/time_format.hpp>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <iostream>
#include <utility>

namespace hookbox_cli {

namespace json = boost::json;

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += ch;
        }
    }
    return out;
}

std::string clip(std::string s, std::size_t limit) {
    if (s.size() <= limit)
        return s;
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    s.resize(cut);
    s += "...";
    return s;
}

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width)
        s.append(width - s.size(), ' ');
    return s;
}

std::string pad_left(std::string s, std::size_t width) {
    if (s.size() < width)
        s.insert(0, width - s.size(), ' ');
    return s;
}

std::string or_dash(const std::optional<int>& v) {
    return v ? std::to_string(*v) : std::string("-");
}

std::string or_dash(const std::optional<hookbox::timestamp>& t) {
    return t ? hookbox::format_timestamp(*t) : std::string("-");
}

std::string header_value(const hookbox::header& h) {
    return hookbox::detail::shown_header_value(h.name, h.value);
}

std::string display_url(std::string_view url) {
    return hookbox::detail::display_url(url);
}

// ----- text tables -----

text_table::text_table(std::vector<column> columns, std::string separator)
    : columns_(std::move(columns)), separator_(std::move(separator)) {}

void text_table::print_header(std::ostream& out) const {
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        const column& c = columns_[i];
        if (i > 0)
            line += separator_;
        std::string title(c.title);
        if (c.alignment == align::right)
            line += pad_left(std::move(title), c.width);
        else if (i + 1 < columns_.size())
            line += pad(std::move(title), c.width);
        else
            line += title;
    }
    out << line << '\n';
}

void text_table::print_row(std::ostream& out, std::initializer_list<std::string> cells) const {
    std::string line;
    std::size_t i = 0;
    for (const std::string& cell : cells) {
        const column& c = columns_.at(i);
        if (i > 0)
            line += separator_;
        if (c.alignment == align::right)
            line += pad_left(cell, c.width);
        else if (i + 1 < columns_.size())
            line += pad(cell, c.width);
        else
            line += cell;
        ++i;
    }
    out << line << '\n';
}

// ----- JSON -----

void emit(const json::value& v) {
    std::cout << json::serialize(v) << '\n';
}

json::value opt_time(const std::optional<hookbox::timestamp>& t) {
    return t ? json::value(hookbox::format_timestamp(*t)) : json::value(nullptr);
}

json::value opt_text(const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
}

json::value opt_int(const std::optional<int>& v) {
    return v ? json::value(*v) : json::value(nullptr);
}

json::object summary_json(const hookbox::delivery& d) {
    json::object o;
    o["id"] = d.id.to_string();
    o["status"] = std::string(to_string(d.status));
    o["attempts"] = d.attempts;
    o["webhook_id"] = d.webhook_id;
    o["event_id"] = d.event_id;
    o["event_type"] = d.event_type;
    o["created_at"] = hookbox::format_timestamp(d.created_at);
    o["updated_at"] = hookbox::format_timestamp(d.updated_at);
    o["response_code"] = opt_int(d.response_code);
    o["error"] = opt_text(d.error);
    o["sequence"] = d.sequence;
    return o;
}

json::object full_json(const hookbox::delivery& d) {
    json::object o = summary_json(d);
    o["url"] = display_url(d.url);
    o["method"] = d.method;
    json::array hs;
    for (const auto& h : d.headers)
        hs.push_back(json::array{json::string(h.name), json::string(header_value(h))});
    o["headers"] = std::move(hs);
    o["signed"] = d.has_secret;
    o["timeout_ms"] = d.timeout ? json::value(d.timeout->count()) : json::value(nullptr);
    o["traceparent"] = opt_text(d.traceparent);
    o["partition_key"] = d.partition_key;
    o["claimed_by"] = opt_text(d.claimed_by);
    o["claimed_at"] = opt_time(d.claimed_at);
    o["claim_token"] = d.claim_token;
    o["next_retry_at"] = opt_time(d.next_retry_at);
    o["last_attempted_at"] = opt_time(d.last_attempted_at);
    o["response_body"] = opt_text(d.response_body);
    o["last_duration_ms"] = d.last_duration ? json::value(d.last_duration->count()) : json::value(nullptr);
    const bool is_json = d.payload.kind() == hookbox::payload_kind::json;
    o["payload_kind"] = is_json ? "json" : "raw";
    json::value body;
    if (is_json) {
        // A stored JSON payload that no longer parses is still shown, as the text it is.
        // At any depth: the tool shows what the outbox stored, however deep its writer allowed.
        hookbox::error_code jec;
        json::parse_options po;
        po.max_depth = std::size_t(-1);
        body = json::parse(d.payload.body(), jec, {}, po);
        if (jec)
            body = json::string(d.payload.body());
    } else {
        body = json::string(d.payload.body());
    }
    o["payload"] = std::move(body);
    return o;
}

json::object attempt_json(const hookbox::attempt_record& a) {
    json::object o;
    o["number"] = a.number;
    o["at"] = hookbox::format_timestamp(a.at);
    o["outcome"] = std::string(to_string(a.outcome));
    o["response_code"] = opt_int(a.response_code);
    o["duration_ms"] = a.duration.count();
    o["error"] = opt_text(a.error);
    o["traceparent"] = opt_text(a.traceparent);
    return o;
}

// ----- results and errors -----

void print_count(bool as_json, std::string_view key, std::size_t n) {
    if (as_json) {
        json::object o;
        o[key] = n;
        emit(o);
    } else {
        std::cout << key << ' ' << n << (n == 1 ? " delivery\n" : " deliveries\n");
    }
}

void report(bool as_json, const failure& f) {
    if (as_json) {
        json::object e;
        e["code"] = f.code;
        e["field"] = f.field;
        e["message"] = f.message;
        json::object o;
        o["error"] = std::move(e);
        emit(o);
        return;
    }
    std::cerr << "hookbox: " << f.message << '\n';
    if (f.status == exit_usage)
        std::cerr << "Try 'hookbox " << (f.command.empty() ? std::string("--help") : "help " + f.command)
                  << "'.\n";
}

}  // namespace hookbox_cli
