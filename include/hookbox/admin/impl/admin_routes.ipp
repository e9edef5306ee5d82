//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_IMPL_ADMIN_ROUTES_IPP
#define HOOKBOX_ADMIN_IMPL_ADMIN_ROUTES_IPP

// The routes of `admin_handler`: authentication, dispatch by method and path, and each route's
// answer.

#include <hookbox/admin/admin_handler.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace hookbox {

namespace admin_detail {

inline response make_response(const request& req, bhttp::status s, std::string_view content_type, std::string body) {
    response res{s, req.version()};
    res.set(bhttp::field::content_type, content_type);
    res.set(bhttp::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

inline response json_response(const request& req, bhttp::status s, const json::value& v) {
    return make_response(req, s, "application/json", json::serialize(v));
}

inline response error_response(const request& req, const refusal& r) {
    json::object e;
    e["code"] = r.code;
    e["field"] = r.field;
    e["message"] = r.message;
    json::object o;
    o["error"] = std::move(e);
    response res = json_response(req, r.status, o);
    if (r.status == bhttp::status::method_not_allowed)
        res.set(bhttp::field::allow, r.allow);
    if (r.status == bhttp::status::unauthorized)
        res.set(bhttp::field::www_authenticate, "Bearer realm=\"hookbox\"");
    return res;
}

inline refusal not_found_path() {
    return refusal{bhttp::status::not_found, "not_found", "path", "path: no such route"};
}

inline refusal wrong_method(std::string_view allow) {
    return refusal{bhttp::status::method_not_allowed, "method_not_allowed", "method",
                   "method: this route takes " + std::string(allow), std::string(allow)};
}

// The page that asks for the token: what `GET <prefix>/` answers without one.
inline constexpr std::string_view login_page = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>hookbox: token required</title>
<style>body{font:15px system-ui,sans-serif;margin:3em auto;max-width:28em;color:#222}
input{font:inherit;padding:.3em;width:100%;box-sizing:border-box;margin:.5em 0}
button{font:inherit;padding:.3em 1em}</style></head>
<body><h1>hookbox</h1><p>The status page needs the admin token.</p>
<form method="get"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Open</button></form></body></html>
)html";

// The state of the outbox and the controls a route needs.
struct context {
    admin_target& target;
    const admin_params& params;
    const request& req;
    std::map<std::string, std::string> query;
};

inline response stats_route(context& c) {
    error_code ec;
    diagnostics diag;
    outbox_stats st = c.target.stats(ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    json::object counts;
    for (std::size_t i = 0; i < delivery_status_count; ++i)
        counts[to_string(static_cast<delivery_status>(i))] = st.by_status[i];
    json::object o;
    o["counts"] = std::move(counts);
    o["total"] = st.total();
    o["oldest_pending_age_ms"] =
        st.oldest_pending_age ? json::value(st.oldest_pending_age->count()) : json::value(nullptr);
    return json_response(c.req, bhttp::status::ok, o);
}

inline response list_route(context& c) {
    list_options opts;
    for (const auto& [name, value] : c.query) {
        if (name == "status") {
            opts.status = parse_delivery_status(value);
            if (!opts.status)
                return error_response(
                    c.req, bad_input("status", "status: not a delivery status (pending, in_flight, success, failed, dead)"));
        } else if (name == "webhook") {
            error_code ec;
            diagnostics diag;
            if (!hookbox::detail::check_text("webhook", value, limits::webhook_id, true, ec, diag))
                return error_response(c.req, from_error(ec, diag));
            opts.webhook_id = value;
        } else if (name == "after") {
            std::uint64_t v = 0;
            if (!parse_count(value, v))
                return error_response(c.req, bad_input("after", "after: must be a whole number (a next_cursor)"));
            opts.after_sequence = v;
        } else if (name == "limit") {
            std::uint64_t v = 0;
            if (!parse_count(value, v) || v < 1 || v > 1000)
                return error_response(c.req, bad_input("limit", "limit: must be a whole number in 1..1000"));
            opts.limit = static_cast<std::size_t>(v);
        } else {
            return error_response(c.req,
                                  bad_input(name, name + ": not a parameter of this route (status, webhook, after, limit)"));
        }
    }
    error_code ec;
    diagnostics diag;
    list_page page = c.target.list(opts, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    json::array items;
    for (const auto& d : page.items)
        items.push_back(delivery_json(d, false));
    json::object o;
    o["items"] = std::move(items);
    o["next_cursor"] = page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr);
    return json_response(c.req, bhttp::status::ok, o);
}

inline bool delivery_from_path(std::string_view segment, delivery_id& id, refusal& why) {
    error_code ec;
    id = delivery_id::parse(segment, ec);
    if (ec) {
        why = bad_input("id", "id: not a delivery id (a UUID such as 0b7f3c1e-2d4a-4f6b-9c8d-1e2f3a4b5c6d)");
        return false;
    }
    return true;
}

inline response show_route(context& c, std::string_view segment) {
    delivery_id id;
    refusal why;
    if (!delivery_from_path(segment, id, why))
        return error_response(c.req, why);
    error_code ec;
    diagnostics diag;
    std::optional<delivery> d = c.target.get(id, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    if (!d)
        return error_response(c.req, refusal{bhttp::status::not_found, "not_found", "id",
                                             "id: no delivery '" + id.to_string() + "'"});
    std::vector<attempt_record> history = c.target.attempts(id, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    json::object o = delivery_json(*d, true);
    json::array as;
    for (const auto& a : history)
        as.push_back(attempt_json(a));
    o["attempt_history"] = std::move(as);
    return json_response(c.req, bhttp::status::ok, o);
}

inline response redeliver_route(context& c, std::string_view segment) {
    delivery_id id;
    refusal why;
    if (!delivery_from_path(segment, id, why))
        return error_response(c.req, why);
    error_code ec;
    diagnostics diag;
    delivery d = c.target.redeliver(id, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    return json_response(c.req, bhttp::status::ok, delivery_json(d, false));
}

inline response bulk_route(context& c, bool purge) {
    json::object body;
    refusal why;
    delivery_filter f;
    bool confirm = false;
    if (!body_object(c.req, body, why) || !filter_from_json(body, purge, f, confirm, why))
        return error_response(c.req, why);
    if (purge && !confirm)
        return error_response(c.req, bad_input("confirm", "confirm: purge deletes deliveries for good; send "
                                                          "\"confirm\": true with the filter"));
    error_code ec;
    diagnostics diag;
    std::size_t n = purge ? c.target.purge(f, ec, diag) : c.target.replay(f, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    json::object o;
    o[purge ? "purged" : "replayed"] = n;
    return json_response(c.req, bhttp::status::ok, o);
}

inline json::object endpoint_json(const std::string& webhook_id, const endpoint_state* s, const webhook_failures* f) {
    static const endpoint_state healthy{};
    const endpoint_state& st = s ? *s : healthy;
    json::object o;
    o["webhook_id"] = webhook_id;
    o["state"] = endpoint_state_name(st);
    o["disabled"] = st.disabled;
    o["disabled_reason"] = st.disabled ? json::value(st.disabled_reason) : json::value(nullptr);
    o["disabled_at"] = opt_time(st.disabled_at);
    o["consecutive_failures"] = st.consecutive_failures;
    o["failing_since"] = opt_time(st.failing_since);
    o["open_until"] = opt_time(st.open_until);
    o["dead"] = f ? f->dead : 0;
    o["retrying"] = f ? f->retrying : 0;
    o["last_error"] = f ? opt_text(f->last_error) : json::value(nullptr);
    o["last_failed_at"] = f ? opt_time(f->last_failed_at) : json::value(nullptr);
    return o;
}

inline std::string_view control_name(const context& c) noexcept {
    if (c.target.has_dispatcher())
        return "dispatcher";
    return c.params.health_store ? "health_store" : "none";
}

inline response endpoints_route(context& c) {
    error_code ec;
    diagnostics diag;
    std::vector<webhook_failures> failing = c.target.failures(100, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    std::vector<std::pair<std::string, endpoint_state>> kept;
    if (c.params.health_store) {
        kept = c.params.health_store->load(ec, diag);
        if (ec)
            return error_response(c.req, from_error(ec, diag));
    }
    std::map<std::string, std::pair<const endpoint_state*, const webhook_failures*>> all;
    // A store may keep an entry for an endpoint that is healthy again (a circuit that closed is
    // recorded rather than erased); such an endpoint is listed only when it still has failures.
    for (const auto& [id, st] : kept)
        if (!st.healthy())
            all[id].first = &st;
    for (const auto& f : failing)
        all[f.webhook_id].second = &f;
    json::array list;
    for (const auto& [id, p] : all)
        list.push_back(endpoint_json(id, p.first, p.second));
    json::object o;
    o["endpoints"] = std::move(list);
    o["control"] = control_name(c);
    return json_response(c.req, bhttp::status::ok, o);
}

inline response endpoint_change_route(context& c, std::string_view segment, bool disable) {
    std::string webhook_id;
    refusal why;
    json::object body;
    if (!webhook_from_path(segment, webhook_id, why) || !body_object(c.req, body, why))
        return error_response(c.req, why);
    std::string reason = "disabled by an operator";
    for (const auto& kv : body) {
        if (!disable || kv.key() != "reason")
            return error_response(c.req, bad_input(std::string(kv.key()),
                                                   std::string(kv.key()) + ": not a field of this request" +
                                                       (disable ? " (reason)" : " (it takes no body)")));
        if (!string_member(kv.value(), "reason", reason, why))
            return error_response(c.req, why);
        error_code ec;
        diagnostics diag;
        if (!hookbox::detail::check_text("reason", reason, 256, true, ec, diag))
            return error_response(c.req, from_error(ec, diag));
    }
    json::object o;
    o["webhook_id"] = webhook_id;
    if (c.target.has_dispatcher()) {
        if (disable)
            c.target.disable_endpoint(webhook_id, reason);
        else
            c.target.enable_endpoint(webhook_id);
        o["requested"] = disable ? "disable" : "enable";
        o["control"] = "dispatcher";
        return json_response(c.req, bhttp::status::accepted, o);
    }
    if (!c.params.health_store)
        return error_response(c.req, refusal{bhttp::status::conflict, "not_configured", "health_store",
                                             "health_store: endpoints can be changed only with a dispatcher or a "
                                             "health store (admin_params::health_store)"});
    error_code ec;
    diagnostics diag;
    auto kept = c.params.health_store->load(ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    endpoint_state st;
    for (auto& [id, s] : kept)
        if (id == webhook_id)
            st = std::move(s);
    if (disable) {
        st.disabled = true;
        st.disabled_reason = reason;
        st.disabled_at = c.target.now();
    } else {
        st = endpoint_state{};
    }
    c.params.health_store->save(webhook_id, st, ec, diag);
    if (ec)
        return error_response(c.req, from_error(ec, diag));
    o["endpoint"] = endpoint_json(webhook_id, &st, nullptr);
    o["control"] = "health_store";
    return json_response(c.req, bhttp::status::ok, o);
}

inline response openapi_route(context& c) {
    json::value doc = json::parse(openapi_text);
    json::object server;
    server["url"] = c.params.prefix.empty() ? std::string("/") : c.params.prefix;
    doc.as_object()["servers"] = json::array{std::move(server)};
    return json_response(c.req, bhttp::status::ok, doc);
}

inline response page_response(const request& req, bhttp::status s, std::string_view html) {
    response res = make_response(req, s, "text/html; charset=utf-8", std::string(html));
    res.set("Referrer-Policy", "no-referrer");
    res.set("Content-Security-Policy",
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src data:; form-action 'self'; frame-ancestors 'none'");
    if (s == bhttp::status::unauthorized)
        res.set(bhttp::field::www_authenticate, "Bearer realm=\"hookbox\"");
    return res;
}

// Whether the request presents the token: in `Authorization`, or for the page in `?token=`.
inline bool authorized(const request& req, const admin_params& p, bool page, const std::map<std::string, std::string>& q) {
    auto it = req.find(bhttp::field::authorization);
    if (it != req.end()) {
        std::string_view v = it->value();
        if (v.size() > 7 && hookbox::detail::iequals(v.substr(0, 7), "bearer "))
            return same_token(v.substr(7), p.token);
        return false;
    }
    if (page) {
        auto t = q.find("token");
        return t != q.end() && same_token(t->second, p.token);
    }
    return false;
}

inline response serve(admin_target& target, const admin_params& params, const request& req) {
    std::string_view full = req.target();
    const std::size_t qmark = full.find('?');
    std::string_view path = full.substr(0, qmark);
    std::string_view query = qmark == std::string_view::npos ? std::string_view() : full.substr(qmark + 1);

    const bool ours = path.starts_with(params.prefix) &&
                      (path.size() == params.prefix.size() || path[params.prefix.size()] == '/');
    std::string_view rest = ours ? path.substr(params.prefix.size()) : std::string_view();
    const bool page = ours && (rest.empty() || rest == "/");

    context c{target, params, req, {}};
    refusal query_error;
    const bool query_ok = parse_query(query, c.query, query_error);
    if (!authorized(req, params, page && query_ok, c.query)) {
        if (page && req.method() == bhttp::verb::get)
            return page_response(req, bhttp::status::unauthorized, login_page);
        return error_response(req, refusal{bhttp::status::unauthorized, "unauthorized", "authorization",
                                           "authorization: send 'Authorization: Bearer <token>'"});
    }
    if (!ours)
        return error_response(req, not_found_path());
    if (!query_ok)
        return error_response(req, query_error);
    if (req.body().size() > params.max_body_bytes)
        return error_response(req, refusal{bhttp::status::payload_too_large, "payload_too_large", "body",
                                           "body: larger than " + std::to_string(params.max_body_bytes) + " bytes"});

    std::vector<std::string_view> seg;
    if (!page) {
        std::string_view r = rest.substr(1);
        for (;;) {
            const std::size_t slash = r.find('/');
            seg.push_back(r.substr(0, slash));
            if (slash == std::string_view::npos)
                break;
            r = r.substr(slash + 1);
        }
    }
    for (auto s : seg)
        if (s.empty())
            return error_response(req, not_found_path());

    const bool get = req.method() == bhttp::verb::get;
    const bool post = req.method() == bhttp::verb::post;
    if (seg.empty())
        return get ? page_response(req, bhttp::status::ok, page_text) : error_response(req, wrong_method("GET"));
    if (seg.size() == 1) {
        if (seg[0] == "stats")
            return get ? stats_route(c) : error_response(req, wrong_method("GET"));
        if (seg[0] == "deliveries")
            return get ? list_route(c) : error_response(req, wrong_method("GET"));
        if (seg[0] == "replay" || seg[0] == "purge")
            return post ? bulk_route(c, seg[0] == "purge") : error_response(req, wrong_method("POST"));
        if (seg[0] == "endpoints")
            return get ? endpoints_route(c) : error_response(req, wrong_method("GET"));
        if (seg[0] == "openapi.json")
            return get ? openapi_route(c) : error_response(req, wrong_method("GET"));
        if (seg[0] == "metrics" && params.metrics) {
            if (!get)
                return error_response(req, wrong_method("GET"));
            std::string text;
            params.metrics(text);
            return make_response(req, bhttp::status::ok, "text/plain; version=0.0.4; charset=utf-8", std::move(text));
        }
    } else if (seg.size() == 2 && seg[0] == "deliveries") {
        return get ? show_route(c, seg[1]) : error_response(req, wrong_method("GET"));
    } else if (seg.size() == 3 && seg[0] == "deliveries" && seg[2] == "redeliver") {
        return post ? redeliver_route(c, seg[1]) : error_response(req, wrong_method("POST"));
    } else if (seg.size() == 3 && seg[0] == "endpoints" && (seg[2] == "disable" || seg[2] == "enable")) {
        return post ? endpoint_change_route(c, seg[1], seg[2] == "disable") : error_response(req, wrong_method("POST"));
    }
    return error_response(req, not_found_path());
}

}  // namespace admin_detail

boost::beast::http::response<boost::beast::http::string_body>
admin_handler::handle(const boost::beast::http::request<boost::beast::http::string_body>& req) const {
    try {
        return admin_detail::serve(*target_, params_, req);
    } catch (...) {
        return admin_detail::error_response(
            req, admin_detail::refusal{boost::beast::http::status::internal_server_error, "internal_error", "",
                                       "the request failed unexpectedly"});
    }
}

}  // namespace hookbox

#endif  // HOOKBOX_ADMIN_IMPL_ADMIN_ROUTES_IPP
