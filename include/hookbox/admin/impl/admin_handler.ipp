//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_IMPL_ADMIN_HANDLER_IPP
#define HOOKBOX_ADMIN_IMPL_ADMIN_HANDLER_IPP

#include <hookbox/admin/admin_handler.hpp>
#include <hookbox/admin/impl/admin_openapi.ipp>
#include <hookbox/admin/impl/admin_page.ipp>
#include <hookbox/detail/redact.hpp>
#include <hookbox/time_format.hpp>
#include <hookbox/validate.hpp>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <charconv>
#include <exception>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hookbox {

namespace admin_detail {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;

// A request that cannot be answered with data: the status and the JSON error.
struct refusal {
    bhttp::status status = bhttp::status::bad_request;
    std::string code;
    std::string field;
    std::string message;
    std::string allow{};
};

inline refusal bad_input(std::string field, std::string message) {
    return refusal{bhttp::status::bad_request, "invalid_argument", std::move(field), std::move(message)};
}

// The refusal of an outbox error.
inline refusal from_error(const error_code& ec, const diagnostics& diag) {
    refusal r;
    r.code = ec.category() == error_category() ? std::string(to_string(static_cast<errc>(ec.value())))
                                               : std::string("storage_failure");
    r.field = diag.field();
    r.message = diag.message().empty() ? ec.message() : diag.message();
    if (ec == errc::not_found)
        r.status = bhttp::status::not_found;
    else if (ec == errc::not_eligible)
        r.status = bhttp::status::conflict;
    else if (ec.category() == error_category() && ec.value() <= static_cast<int>(errc::invalid_delivery_id))
        r.status = bhttp::status::bad_request;
    else if (is_retryable(ec))
        r.status = bhttp::status::service_unavailable;
    else
        r.status = bhttp::status::internal_server_error;
    return r;
}

// Equal, in a time that depends only on the length of `given`.
inline bool same_token(std::string_view given, std::string_view expected) noexcept {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i) {
        const char e = expected.empty() ? '\0' : expected[i % expected.size()];
        diff = static_cast<unsigned char>(diff | static_cast<unsigned char>(given[i] ^ e));
    }
    return diff == 0;
}

inline int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Percent-decodes `in` (and `+` as a space when `plus` is set); false on a malformed escape.
inline bool percent_decode(std::string_view in, bool plus, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%') {
            if (i + 2 >= in.size())
                return false;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0)
                return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (plus && in[i] == '+') {
            out += ' ';
        } else {
            out += in[i];
        }
    }
    return true;
}

// The query's parameters, decoded; a refusal names the parameter at fault.
inline bool parse_query(std::string_view q, std::map<std::string, std::string>& out, refusal& why) {
    while (!q.empty()) {
        const std::size_t amp = q.find('&');
        std::string_view part = q.substr(0, amp);
        q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
        if (part.empty())
            continue;
        const std::size_t eq = part.find('=');
        std::string name, value;
        if (!percent_decode(part.substr(0, eq), true, name) ||
            !percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1), true, value)) {
            why = bad_input(name.empty() ? "query" : name, "query: a malformed percent escape");
            return false;
        }
        if (out.count(name) != 0) {
            why = bad_input(name, name + ": given more than once");
            return false;
        }
        out.emplace(std::move(name), std::move(value));
    }
    return true;
}

inline json::value opt_time(const std::optional<timestamp>& t) {
    return t ? json::value(format_timestamp(*t)) : json::value(nullptr);
}

inline json::value opt_text(const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
}

// A delivery as the API shows it: no secret, credentials in headers and URLs redacted. `full` adds
// the payload and the last response body.
inline json::object delivery_json(const delivery& d, bool full) {
    json::object o;
    o["id"] = d.id.to_string();
    o["webhook_id"] = d.webhook_id;
    o["event_id"] = d.event_id;
    o["event_type"] = d.event_type;
    o["status"] = std::string(to_string(d.status));
    o["attempts"] = d.attempts;
    o["url"] = hookbox::detail::display_url(d.url);
    o["method"] = d.method;
    json::array hs;
    for (const auto& h : d.headers) {
        json::object ho;
        ho["name"] = h.name;
        ho["value"] = hookbox::detail::shown_header_value(h.name, h.value);
        hs.push_back(std::move(ho));
    }
    o["headers"] = std::move(hs);
    o["has_secret"] = d.has_secret;
    o["timeout_ms"] = d.timeout ? json::value(d.timeout->count()) : json::value(nullptr);
    o["partition_key"] = d.partition_key;
    o["claimed_by"] = opt_text(d.claimed_by);
    o["next_retry_at"] = opt_time(d.next_retry_at);
    o["last_attempted_at"] = opt_time(d.last_attempted_at);
    o["response_code"] = d.response_code ? json::value(*d.response_code) : json::value(nullptr);
    o["error"] = opt_text(d.error);
    o["last_duration_ms"] = d.last_duration ? json::value(d.last_duration->count()) : json::value(nullptr);
    o["sequence"] = d.sequence;
    o["created_at"] = format_timestamp(d.created_at);
    o["updated_at"] = format_timestamp(d.updated_at);
    if (full) {
        o["response_body"] = opt_text(d.response_body);
        const bool is_json = d.payload.kind() == payload_kind::json;
        o["payload_kind"] = is_json ? "json" : "raw";
        json::value body;
        if (is_json) {
            error_code jec;
            body = json::parse(d.payload.body(), jec);
            if (jec)
                body = json::string(d.payload.body());
        } else {
            body = json::string(d.payload.body());
        }
        o["payload"] = std::move(body);
    }
    return o;
}

inline json::object attempt_json(const attempt_record& a) {
    json::object o;
    o["number"] = a.number;
    o["at"] = format_timestamp(a.at);
    o["outcome"] = std::string(to_string(a.outcome));
    o["response_code"] = a.response_code ? json::value(*a.response_code) : json::value(nullptr);
    o["duration_ms"] = a.duration.count();
    o["error"] = opt_text(a.error);
    return o;
}

inline std::string_view endpoint_state_name(const endpoint_state& s) noexcept {
    if (s.disabled)
        return "disabled";
    if (s.open_until)
        return "open";
    if (s.consecutive_failures > 0)
        return "failing";
    return "healthy";
}

// An unsigned decimal of at most 19 digits; false otherwise.
inline bool parse_count(std::string_view s, std::uint64_t& v) noexcept {
    if (s.empty() || s.size() > 19)
        return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size();
}

// A webhook id from a path segment: percent-decoded, 1 to 64 bytes of UTF-8.
inline bool webhook_from_path(std::string_view segment, std::string& id, refusal& why) {
    if (!percent_decode(segment, false, id)) {
        why = bad_input("webhook_id", "webhook_id: a malformed percent escape");
        return false;
    }
    error_code ec;
    diagnostics diag;
    if (!hookbox::detail::check_text("webhook_id", id, limits::webhook_id, true, ec, diag)) {
        why = from_error(ec, diag);
        return false;
    }
    return true;
}

// The JSON object of a request body; an empty body is `{}`.
inline bool body_object(const request& req, json::object& out, refusal& why) {
    std::string_view body = req.body();
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        out = {};
        return true;
    }
    error_code ec;
    json::parse_options po;
    po.max_depth = 16;
    json::value v = json::parse(body, ec, {}, po);
    if (ec) {
        why = bad_input("body", "body: not valid JSON (" + ec.message() + ")");
        return false;
    }
    if (!v.is_object()) {
        why = bad_input("body", "body: must be a JSON object");
        return false;
    }
    out = std::move(v.as_object());
    return true;
}

// A string member, or a refusal naming it.
inline bool string_member(const json::value& v, std::string_view name, std::string& out, refusal& why) {
    if (!v.is_string()) {
        why = bad_input(std::string(name), std::string(name) + ": must be a string");
        return false;
    }
    out = std::string(v.as_string());
    return true;
}

// The filter of replay and purge, from a JSON body; `confirm` receives the `confirm` member.
inline bool filter_from_json(const json::object& o, bool allow_confirm, delivery_filter& f, bool& confirm,
                             refusal& why) {
    confirm = false;
    for (const auto& kv : o) {
        const std::string key(kv.key());
        std::string text;
        if (key == "confirm" && allow_confirm) {
            if (!kv.value().is_bool()) {
                why = bad_input("confirm", "confirm: must be true or false");
                return false;
            }
            confirm = kv.value().as_bool();
            continue;
        }
        if (key != "status" && key != "webhook_id" && key != "created_from" && key != "created_before" &&
            key != "updated_before") {
            why = bad_input(key, key + ": not a filter field (status, webhook_id, created_from, created_before, "
                                 "updated_before" + std::string(allow_confirm ? ", confirm" : "") + ")");
            return false;
        }
        if (!string_member(kv.value(), key, text, why))
            return false;
        if (key == "status") {
            f.status = parse_delivery_status(text);
            if (!f.status) {
                why = bad_input("status", "status: not a delivery status (pending, in_flight, success, failed, dead)");
                return false;
            }
        } else if (key == "webhook_id") {
            f.webhook_id = std::move(text);
        } else {
            error_code ec;
            diagnostics diag;
            timestamp t = parse_timestamp(text, key, ec, diag);
            if (ec) {
                why = from_error(ec, diag);
                return false;
            }
            (key == "created_from" ? f.created_from : key == "created_before" ? f.created_before : f.updated_before) = t;
        }
    }
    return true;
}

}  // namespace admin_detail

bool admin_params::check(error_code& ec, diagnostics& diag) const {
    ec.clear();
    if (token.empty()) {
        detail::fail(ec, diag, errc::empty_field, "token", "token: required (the bearer token of every request)");
        return false;
    }
    if (token.size() < 16 || token.size() > 256 || !detail::is_visible_ascii(token)) {
        detail::fail(ec, diag, errc::invalid_argument, "token", "token: must be 16 to 256 bytes of visible ASCII");
        return false;
    }
    if (!prefix.empty() && (prefix.front() != '/' || prefix.back() == '/' || prefix.size() > 256 ||
                            !detail::is_visible_ascii(prefix) || prefix.find_first_of("?#") != std::string::npos)) {
        detail::fail(ec, diag, errc::invalid_argument, "prefix",
                     "prefix: must be empty, or start with '/', not end with '/', and be at most 256 bytes of "
                     "visible ASCII without '?' or '#'");
        return false;
    }
    if (max_body_bytes < 1 || max_body_bytes > 16 * 1024 * 1024) {
        detail::fail(ec, diag, errc::invalid_argument, "max_body_bytes", "max_body_bytes: must be in 1..16777216");
        return false;
    }
    return true;
}

admin_handler::admin_handler(std::shared_ptr<admin_target> target, admin_params params)
    : target_(std::move(target)), params_(std::move(params)) {
    error_code ec;
    diagnostics diag;
    if (!params_.check(ec, diag))
        throw error_with_diagnostics(ec, std::move(diag));
    if (!target_) {
        detail::fail(ec, diag, errc::invalid_argument, "target", "target: must not be null");
        throw error_with_diagnostics(ec, std::move(diag));
    }
}

std::span<const admin_route> admin_handler::routes() noexcept {
    static constexpr std::array<admin_route, 12> all{{
        {"GET", "/"},
        {"GET", "/stats"},
        {"GET", "/deliveries"},
        {"GET", "/deliveries/{id}"},
        {"POST", "/deliveries/{id}/redeliver"},
        {"POST", "/replay"},
        {"POST", "/purge"},
        {"GET", "/endpoints"},
        {"POST", "/endpoints/{webhook_id}/disable"},
        {"POST", "/endpoints/{webhook_id}/enable"},
        {"GET", "/openapi.json"},
        {"GET", "/metrics"},
    }};
    return all;
}

std::string_view admin_handler::openapi_document() noexcept { return admin_detail::openapi_text; }

std::string_view admin_handler::status_page() noexcept { return admin_detail::page_text; }

}  // namespace hookbox

#include <hookbox/admin/impl/admin_routes.ipp>

#endif  // HOOKBOX_ADMIN_IMPL_ADMIN_HANDLER_IPP
