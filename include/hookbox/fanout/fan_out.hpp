//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_FAN_OUT_HPP
#define HOOKBOX_FANOUT_FAN_OUT_HPP

/// \file
/// `fan_out`: the deliveries that one data event causes, one `enqueue_request` per matching
/// subscription, computed without I/O. Call it inside your own transaction and pass the result to
/// `basic_outbox::enqueue_many` on the same connection, and the record's change and its deliveries
/// commit together; `auto_enqueuer` calls it for events published to it.
///
/// The pieces are public too, for tests and for code that builds its own requests:
/// `fanout_action`, `resolve_record_id`, `fanout_event_id`, `fanout_payload`,
/// `make_fanout_request`.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/fanout/subscription.hpp>
#include <hookbox/payload.hpp>

#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// The object whose events change subscriptions, by default: the `sys_webhook` table.
inline constexpr std::string_view default_subscriptions_object = "sys_webhook";

/// The prefix of every event type that fans out.
inline constexpr std::string_view data_record_prefix = "data.record.";

/// A record action, as event types name it (`created`) and as triggers name it (`create`).
struct record_action {
    /// The last part of the event type: `created`, `updated`, `deleted`, `undeleted`. It is the
    /// payload's `action` and part of the event id.
    std::string_view past{};
    /// What a subscription lists in its triggers: `create`, `update`, `delete`, `undelete`.
    std::string_view trigger{};

    friend bool operator==(const record_action&, const record_action&) = default;
};

/// The action of an event type: `data.record.created` → {created, create}, `.updated` → update,
/// `.deleted` → delete, `.undeleted` → undelete; `std::nullopt` for any other type.
inline std::optional<record_action> parse_record_action(std::string_view type) noexcept {
    if (!type.starts_with(data_record_prefix))
        return std::nullopt;
    std::string_view suffix = type.substr(data_record_prefix.size());
    static constexpr std::array<record_action, 4> actions{{{"created", "create"},
                                                           {"updated", "update"},
                                                           {"deleted", "delete"},
                                                           {"undeleted", "undelete"}}};
    for (const auto& a : actions)
        if (suffix == a.past)
            return a;
    return std::nullopt;
}

/// True when `e` changes the subscriptions themselves: a `data.record.*` event (any action) on
/// `subscriptions_object`. Such an event refreshes the subscription cache and never fans out.
inline bool
is_subscription_change(const data_event& e,
                       std::string_view subscriptions_object = default_subscriptions_object) noexcept {
    return !e.object.empty() && e.object == subscriptions_object &&
           std::string_view(e.type).starts_with(data_record_prefix);
}

/// The action `e` fans out with, or `std::nullopt` when it does not fan out: its type is not one of
/// the four `data.record.<action>` types, its object is empty, or its object is
/// `subscriptions_object`.
inline std::optional<record_action>
fanout_action(const data_event& e,
              std::string_view subscriptions_object = default_subscriptions_object) noexcept {
    if (e.object.empty() || e.object == subscriptions_object)
        return std::nullopt;
    return parse_record_action(e.type);
}

/// The record an event is about: the first of `payload.recordId`, `payload.id`, `payload.after.id`,
/// `payload.before.id` that is present and not null, else the string `unknown`.
inline boost::json::value resolve_record_id(const boost::json::object& payload) {
    auto present = [](const boost::json::value* v) { return v && !v->is_null(); };
    if (auto* v = payload.if_contains("recordId"); present(v))
        return *v;
    if (auto* v = payload.if_contains("id"); present(v))
        return *v;
    for (std::string_view side : {"after", "before"}) {
        if (auto* o = payload.if_contains(side); o && o->is_object())
            if (auto* v = o->get_object().if_contains("id"); present(v))
                return *v;
    }
    return boost::json::string("unknown");
}

/// The event id: `<object>:<record id>:<past-tense action>:<timestamp>`, with `undefined` for a
/// missing timestamp, for example `contact:c-1:created:2026-05-24T00:00:00.000Z`. The record id
/// reads as text (strings unquoted, numbers in decimal). The same event yields the same id on every
/// node, so a replay collapses through the outbox's `(event_id, webhook_id)` dedup.
inline std::string fanout_event_id(std::string_view object,
                                   const boost::json::value& record_id,
                                   std::string_view past_action,
                                   const std::optional<std::string>& timestamp) {
    std::string id(object);
    id += ':';
    id += detail::fanout::json_text(record_id);
    id += ':';
    id += past_action;
    id += ':';
    id += timestamp ? std::string_view(*timestamp) : std::string_view("undefined");
    return id;
}

/// The body of a fanned-out delivery: `object`, `recordId`, `action` (past tense) and `timestamp`
/// first, in that order, then the event payload's other keys in their order. A payload key named
/// like one of the first four replaces its value (null included) and keeps its place; `timestamp`
/// is left out when neither the event nor the payload has one.
inline boost::json::object fanout_payload(const data_event& e, const boost::json::object& payload,
                                          const boost::json::value& record_id, std::string_view past_action) {
    static constexpr std::array<std::string_view, 4> heads{"object", "recordId", "action", "timestamp"};
    boost::json::object out;
    out.reserve(payload.size() + heads.size());
    auto head = [&](std::string_view key, boost::json::value computed) {
        if (auto* v = payload.if_contains(key))
            out.emplace(key, *v);
        else if (!computed.is_null())
            out.emplace(key, std::move(computed));
    };
    head("object", boost::json::string(e.object));
    if (auto* v = payload.if_contains("recordId"))
        out.emplace("recordId", *v);
    else
        out.emplace("recordId", record_id);
    head("action", boost::json::string(past_action));
    head("timestamp",
         e.timestamp ? boost::json::value(boost::json::string(*e.timestamp)) : boost::json::value());
    for (const auto& kv : payload)
        if (std::find(heads.begin(), heads.end(), kv.key()) == heads.end())
            out.emplace(kv.key(), kv.value());
    return out;
}

/// The request for one subscription: `webhook_id` = the subscription's id, `event_id`,
/// `event_type` = the event's type, url, method, headers, secret and timeout from the subscription,
/// and the payload given (shared, not copied).
inline enqueue_request make_fanout_request(const data_event& e,
                                           const webhook_subscription& s,
                                           std::string event_id,
                                           const hookbox::payload& body) {
    enqueue_request r;
    r.webhook_id = s.id;
    r.event_id = std::move(event_id);
    r.event_type = e.type;
    r.url = s.url;
    r.method = s.method.empty() ? std::string("POST") : s.method;
    r.headers = s.headers;
    r.secret = s.secret;
    r.timeout = s.timeout;
    r.payload = body;
    return r;
}

namespace detail::fanout {

// One delivery of a fan-out, with the subscription it is for (for error reports).
struct item {
    const webhook_subscription* subscription = nullptr;
    enqueue_request request{};
};

inline std::vector<item> fan_out_items(const data_event& e,
                                       const subscription_index& index,
                                       std::string_view subscriptions_object,
                                       error_code& ec,
                                       diagnostics& diag) {
    ec.clear();
    auto action = fanout_action(e, subscriptions_object);
    if (!action)
        return {};
    const boost::json::object empty;
    const boost::json::object* payload = &empty;
    if (e.payload.is_object()) {
        payload = &e.payload.get_object();
    } else if (!e.payload.is_null()) {
        hookbox::detail::fail(ec, diag, errc::invalid_payload, "payload",
                              "payload: a data event's payload must be a JSON object or null (event '" +
                                  e.type + "' on '" + e.object + "' has " +
                                  std::string(boost::json::to_string(e.payload.kind())) + ")");
        return {};
    }
    auto subs = index.match(e.object, action->trigger);
    if (subs.empty())
        return {};
    boost::json::value record_id = resolve_record_id(*payload);
    std::string event_id = fanout_event_id(e.object, record_id, action->past, e.timestamp);
    // Serialised once; every request shares the bytes.
    const hookbox::payload body =
        hookbox::payload::from_json(fanout_payload(e, *payload, record_id, action->past));
    std::vector<item> out;
    out.reserve(subs.size());
    for (const auto* s : subs)
        out.push_back(item{s, make_fanout_request(e, *s, event_id, body)});
    return out;
}

}  // namespace detail::fanout

/// The deliveries `e` causes: one request per subscription of `index` that it matches, in
/// `subscription_index::match` order (subscriptions of the event's object, then those of every
/// object); empty when the event does not fan out (see `fanout_action`) or matches nothing.
///
/// Every request has the same event id (`fanout_event_id`) and the same payload
/// (`fanout_payload`). The requests are not validated here: `enqueue` does that, per request (an
/// invalid URL in one subscription fails that request only).
///
/// Errors: `errc::invalid_payload` (field `payload`) when the event would fan out but its payload is
/// neither a JSON object nor null.
inline std::vector<enqueue_request>
fan_out(const data_event& e,
        const subscription_index& index,
        error_code& ec,
        diagnostics& diag,
        std::string_view subscriptions_object = default_subscriptions_object) {
    auto items = detail::fanout::fan_out_items(e, index, subscriptions_object, ec, diag);
    std::vector<enqueue_request> out;
    out.reserve(items.size());
    for (auto& i : items)
        out.push_back(std::move(i.request));
    return out;
}

/// Throwing overload of `fan_out`; throws `error_with_diagnostics`.
inline std::vector<enqueue_request>
fan_out(const data_event& e,
        const subscription_index& index,
        std::string_view subscriptions_object = default_subscriptions_object) {
    return hookbox::detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return fan_out(e, index, ec, diag, subscriptions_object); });
}

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_FAN_OUT_HPP
