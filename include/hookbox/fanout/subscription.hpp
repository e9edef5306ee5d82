//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FANOUT_SUBSCRIPTION_HPP
#define HOOKBOX_FANOUT_SUBSCRIPTION_HPP

/// \file
/// The inputs of event fan-out: a `data_event` (something happened to a record), a
/// `webhook_subscription` (who wants to hear of it), how a row of the `sys_webhook` table becomes a
/// subscription, and `subscription_index`, the subscriptions by object. Sans-io: plain values and
/// functions.

#include <hookbox/delivery.hpp>
#include <hookbox/engine/value.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// Something that happened to a record, as a data layer publishes it.
struct data_event {
    /// `data.record.created`, `data.record.updated`, `data.record.deleted` or
    /// `data.record.undeleted` fan out; any other type is ignored.
    std::string type{};
    /// The record's object (its table or kind), for example `contact`.
    std::string object{};
    /// The record, or what changed. A JSON object, or null (read as `{}`). Its `recordId`, `id`,
    /// `after.id` or `before.id` names the record.
    boost::json::value payload{};
    /// When it happened, as text (for example `2026-05-24T00:00:00.000Z`). Part of the event id, so
    /// the same event published twice yields the same id.
    std::optional<std::string> timestamp{};
};

/// A webhook that wants deliveries for data events.
struct webhook_subscription {
    /// The webhook's id: the delivery's `webhook_id` (dedup and partition key). Required.
    std::string id{};
    /// Its name, used in error reports; empty means the id.
    std::string name{};
    /// The object whose events it wants; empty (or `*`) means every object.
    std::string object_name{};
    /// Which actions: `create`, `update`, `delete`, `undelete` (other tokens, such as `api`, are
    /// kept but never match). Empty means manual-only: never fanned out.
    std::vector<std::string> triggers{};
    /// Where deliveries go. Required.
    std::string url{};
    std::string method = "POST";
    std::vector<header> headers{};
    /// Signing secret; empty means unsigned.
    std::string secret{};
    /// Per-request timeout; unset means the sender's default.
    std::optional<std::chrono::milliseconds> timeout{};
    /// An inactive subscription is never fanned out.
    bool active = true;

    /// `name`, or `id` when the name is empty.
    const std::string& display_name() const noexcept { return name.empty() ? id : name; }

    friend bool operator==(const webhook_subscription&, const webhook_subscription&) = default;
};

/// Why a subscription is left out of fan-out.
enum class subscription_skip : unsigned char {
    /// It is not left out.
    none,
    /// `id` is empty.
    empty_id,
    /// `url` is empty.
    empty_url,
    /// `triggers` is empty: the webhook is sent by hand only.
    manual_only,
    /// `active` is false.
    inactive,
};

constexpr std::string_view to_string(subscription_skip s) noexcept {
    switch (s) {
    case subscription_skip::none: return "none";
    case subscription_skip::empty_id: return "empty_id";
    case subscription_skip::empty_url: return "empty_url";
    case subscription_skip::manual_only: return "manual_only";
    case subscription_skip::inactive: return "inactive";
    }
    return "unknown";
}

/// Why `s` is left out of fan-out, or `subscription_skip::none`. Checked in the order of the enum.
inline subscription_skip why_skipped(const webhook_subscription& s) noexcept {
    if (s.id.empty())
        return subscription_skip::empty_id;
    if (s.url.empty())
        return subscription_skip::empty_url;
    if (s.triggers.empty())
        return subscription_skip::manual_only;
    if (!s.active)
        return subscription_skip::inactive;
    return subscription_skip::none;
}

namespace detail::fanout {

constexpr bool is_space(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

constexpr char to_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

inline bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return to_lower(x) == to_lower(y); });
}

// A double as the shortest text that reads back as the same value ("1.5", "42", "1e+21").
inline std::string number_text(double d) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
}

// A cell as text: text and JSON as stored, numbers in decimal, null as empty.
inline std::string cell_text(const engine::value& v) {
    switch (v.type()) {
    case engine::value::kind::null: return {};
    case engine::value::kind::integer: return std::to_string(v.as_integer());
    case engine::value::kind::real: return number_text(v.as_real());
    case engine::value::kind::text:
    case engine::value::kind::json: return v.as_text();
    }
    return {};
}

// A JSON scalar as text, the way it reads inside an id: strings unquoted, numbers in decimal,
// booleans as true/false; arrays and objects as compact JSON.
inline std::string json_text(const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::string: return std::string(v.get_string());
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return number_text(v.get_double());
    case boost::json::kind::bool_: return v.get_bool() ? "true" : "false";
    case boost::json::kind::null: return "null";
    default: return boost::json::serialize(v);
    }
}

// `active`: 0 (or the text 0 or false) is inactive; null or absent is active, the column's default.
inline bool cell_active(const engine::value* v) {
    if (!v)
        return true;
    switch (v->type()) {
    case engine::value::kind::null: return true;
    case engine::value::kind::integer: return v->as_integer() != 0;
    case engine::value::kind::real: return v->as_real() != 0;
    case engine::value::kind::text:
    case engine::value::kind::json: {
        std::string_view t = trim(v->as_text());
        return !(t == "0" || iequals(t, "false"));
    }
    }
    return true;
}

// A timeout in milliseconds from a JSON number; other kinds give none. Out-of-range numbers are
// clamped, so that validation at enqueue reports them instead of an overflow.
inline std::optional<std::chrono::milliseconds> json_millis(const boost::json::value& v) {
    using rep = std::chrono::milliseconds::rep;
    constexpr rep max = std::numeric_limits<rep>::max();
    switch (v.kind()) {
    case boost::json::kind::int64: return std::chrono::milliseconds(v.get_int64());
    case boost::json::kind::uint64:
        return std::chrono::milliseconds(
            v.get_uint64() > static_cast<std::uint64_t>(max) ? max : static_cast<rep>(v.get_uint64()));
    case boost::json::kind::double_: {
        double d = v.get_double();
        if (std::isnan(d))
            return std::nullopt;
        if (d >= 9.2e18)
            return std::chrono::milliseconds(max);
        if (d <= -9.2e18)
            return std::chrono::milliseconds(-max);
        return std::chrono::milliseconds(static_cast<rep>(std::llround(d)));
    }
    default: return std::nullopt;
    }
}

}  // namespace detail::fanout

/// The triggers of a `triggers` column: the text split on `,`, each token trimmed of whitespace and
/// lowercased, empty tokens dropped, repeats dropped (first occurrence kept).
/// `" Create, UPDATE ,,delete,create"` gives `{"create", "update", "delete"}`.
inline std::vector<std::string> parse_triggers(std::string_view csv) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= csv.size()) {
        std::size_t comma = csv.find(',', start);
        std::size_t end = comma == std::string_view::npos ? csv.size() : comma;
        std::string_view token = detail::fanout::trim(csv.substr(start, end - start));
        if (!token.empty()) {
            std::string t(token);
            for (auto& c : t)
                c = detail::fanout::to_lower(c);
            if (std::find(out.begin(), out.end(), t) == out.end())
                out.push_back(std::move(t));
        }
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return out;
}

/// The `definition_json` column as an object: `{}` when the text is empty, is not valid JSON, or is
/// JSON but not an object (`null`, a number, an array).
inline boost::json::object parse_definition(std::string_view text) {
    if (detail::fanout::trim(text).empty())
        return {};
    error_code jec;
    boost::json::value v = boost::json::parse(text, jec);
    if (jec || !v.is_object())
        return {};
    return std::move(v.get_object());
}

/// Reads one row of the `sys_webhook` table (see `webhook_schema`) into a subscription.
///
/// | field | from |
/// |---|---|
/// | `id`, `url` | their columns; an empty or absent one skips the row (`empty_id`, `empty_url`) |
/// | `triggers` | `parse_triggers(triggers)`; none skips the row (`manual_only`) |
/// | `name` | `name`, or `id` when that is empty |
/// | `object_name` | `object_name`; empty means every object |
/// | `method` | `method`, else the definition's `method` (a string), else `POST` |
/// | `headers` | the definition's `headers` object: string values as they are, numbers and booleans as text, other values left out |
/// | `secret` | the definition's `secret` (a string) |
/// | `timeout` | the definition's `timeoutMs` (a number of milliseconds) |
/// | `active` | `active`: 0, `"0"` or `"false"` is inactive; null or absent is active |
///
/// The definition is `parse_definition(definition_json)`. Numbers in text columns read as their
/// decimal text. A skipped row returns `std::nullopt` and sets `*skipped` to the reason when given;
/// an inactive row is returned (with `active = false`): `subscription_index` leaves it out.
inline std::optional<webhook_subscription> parse_subscription(const engine::record& row,
                                                              subscription_skip* skipped = nullptr) {
    using detail::fanout::cell_text;
    auto skip = [&](subscription_skip why) -> std::optional<webhook_subscription> {
        if (skipped)
            *skipped = why;
        return std::nullopt;
    };
    webhook_subscription s;
    s.id = cell_text(row["id"]);
    if (s.id.empty())
        return skip(subscription_skip::empty_id);
    s.url = cell_text(row["url"]);
    if (s.url.empty())
        return skip(subscription_skip::empty_url);
    s.triggers = parse_triggers(cell_text(row["triggers"]));
    if (s.triggers.empty())
        return skip(subscription_skip::manual_only);

    s.name = cell_text(row["name"]);
    if (s.name.empty())
        s.name = s.id;
    s.object_name = cell_text(row["object_name"]);
    s.active = detail::fanout::cell_active(row.find("active"));

    const boost::json::object def = parse_definition(cell_text(row["definition_json"]));
    s.method = cell_text(row["method"]);
    if (s.method.empty()) {
        const boost::json::value* m = def.if_contains("method");
        s.method = m && m->is_string() && !m->get_string().empty() ? std::string(m->get_string()) : "POST";
    }
    if (const boost::json::value* hs = def.if_contains("headers"); hs && hs->is_object()) {
        for (const auto& kv : hs->get_object()) {
            const auto& v = kv.value();
            if (v.is_string() || v.is_number() || v.is_bool())
                s.headers.push_back(header{std::string(kv.key()), detail::fanout::json_text(v)});
        }
    }
    if (const boost::json::value* secret = def.if_contains("secret"); secret && secret->is_string())
        s.secret = std::string(secret->get_string());
    if (const boost::json::value* t = def.if_contains("timeoutMs"))
        s.timeout = detail::fanout::json_millis(*t);
    if (skipped)
        *skipped = subscription_skip::none;
    return s;
}

/// The subscriptions to fan out to, by object: an immutable snapshot, built once per refresh and
/// then read by any number of threads.
///
/// Construction leaves out every subscription that `why_skipped` refuses, normalises triggers as
/// `parse_triggers` does (trimmed, lowercased, no repeats), and files each subscription under its
/// `object_name`, or under `*` when that is empty or `*`. Within an object, subscriptions keep the
/// order they were given in.
class subscription_index {
public:
    /// The key under which subscriptions for every object are filed.
    static constexpr std::string_view any_object = "*";

    subscription_index() = default;

    explicit subscription_index(std::vector<webhook_subscription> subscriptions) {
        for (auto& s : subscriptions) {
            std::vector<std::string> normal;
            for (const auto& t : s.triggers)
                for (auto& n : parse_triggers(t))
                    if (std::find(normal.begin(), normal.end(), n) == normal.end())
                        normal.push_back(std::move(n));
            s.triggers = std::move(normal);
            if (why_skipped(s) != subscription_skip::none) {
                ++skipped_;
                continue;
            }
            std::string key = s.object_name.empty() ? std::string(any_object) : s.object_name;
            by_object_[std::move(key)].push_back(std::move(s));
            ++size_;
        }
    }

    /// The subscriptions filed under exactly `object` (`any_object` gives those for every object).
    std::span<const webhook_subscription> for_object(std::string_view object) const noexcept {
        auto it = by_object_.find(object);
        if (it == by_object_.end())
            return {};
        return it->second;
    }

    /// The subscriptions an event on `object` with `trigger` (`create`, `update`, ...) goes to:
    /// those filed under `object`, then those under `*`, each only if its triggers contain `trigger`.
    std::vector<const webhook_subscription*> match(std::string_view object, std::string_view trigger) const {
        std::vector<const webhook_subscription*> out;
        auto add = [&](std::span<const webhook_subscription> list) {
            for (const auto& s : list)
                if (std::find(s.triggers.begin(), s.triggers.end(), trigger) != s.triggers.end())
                    out.push_back(&s);
        };
        if (object != any_object)
            add(for_object(object));
        add(for_object(any_object));
        return out;
    }

    /// Every filed subscription, object by object (in key order).
    std::vector<const webhook_subscription*> all() const {
        std::vector<const webhook_subscription*> out;
        out.reserve(size_);
        for (const auto& [key, list] : by_object_)
            for (const auto& s : list)
                out.push_back(&s);
        return out;
    }

    /// How many subscriptions were filed.
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    /// How many were left out at construction.
    std::size_t skipped() const noexcept { return skipped_; }

private:
    std::map<std::string, std::vector<webhook_subscription>, std::less<>> by_object_;
    std::size_t size_ = 0;
    std::size_t skipped_ = 0;
};

}  // namespace hookbox

#endif  // HOOKBOX_FANOUT_SUBSCRIPTION_HPP
