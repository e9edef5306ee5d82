//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_DELIVERY_ROWS_IPP
#define HOOKBOX_STORAGE_IMPL_DELIVERY_ROWS_IPP

#include <hookbox/storage/detail/delivery_rows.hpp>

#include <hookbox/detail/json_check.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <limits>
#include <string>

namespace hookbox::detail::rows {

namespace col = delivery_column;

// 9999-12-31T23:59:59.999Z: the last time RFC 3339 (and the `hookbox` tool) can write.
inline constexpr std::int64_t last_time_ms = 253402300799999;
inline constexpr std::int64_t int_max = std::numeric_limits<int>::max();

inline std::string got(std::int64_t v) { return " (got " + std::to_string(v) + ")"; }

// The rule a stored integer breaks, or empty when it keeps the range the storages write.
inline std::string time_rule(std::int64_t v) {
    if (v >= 0 && v <= last_time_ms)
        return {};
    return "must be a time in 0.." + std::to_string(last_time_ms) + " ms (1970-01-01 to 9999-12-31)" + got(v);
}

inline std::string int_rule(std::int64_t v) {
    if (v >= 0 && v <= int_max)
        return {};
    return "must be in 0.." + std::to_string(int_max) + got(v);
}

inline std::string status_code_rule(std::int64_t v) {
    if (v >= 100 && v <= 599)
        return {};
    return "must be an HTTP status in 100..599" + got(v);
}

inline std::string not_negative_rule(std::int64_t v) {
    if (v >= 0)
        return {};
    return "must not be negative" + got(v);
}

cell_view to_cell(const engine::value& v) noexcept {
    cell_view c;
    c.type = v.type();
    switch (v.type()) {
    case engine::value::kind::null: break;
    case engine::value::kind::integer: c.integer = v.as_integer(); break;
    case engine::value::kind::real: c.real = v.as_real(); break;
    case engine::value::kind::text:
    case engine::value::kind::json: c.text = v.as_text(); break;
    }
    return c;
}

std::string headers_to_json(const std::vector<header>& hs) {
    boost::json::array a;
    a.reserve(hs.size());
    for (const auto& h : hs)
        a.push_back(boost::json::array{boost::json::string(h.name), boost::json::string(h.value)});
    return boost::json::serialize(a);
}

bool headers_from_json(std::string_view text, std::vector<header>& out, std::string& reason) {
    error_code jec;
    boost::json::value v = boost::json::parse(text, jec);
    if (jec) {
        reason = "not valid JSON (" + jec.message() + ")";
        return false;
    }
    if (auto* o = v.if_object()) {
        for (const auto& kv : *o) {
            if (!kv.value().is_string()) {
                reason = "header '" + std::string(kv.key()) + "' is not a string";
                return false;
            }
            out.push_back(header{std::string(kv.key()), std::string(kv.value().get_string())});
        }
        return true;
    }
    if (auto* a = v.if_array()) {
        for (const auto& e : *a) {
            const auto* pair = e.if_array();
            if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) {
                reason = "expected [name, value] pairs of strings";
                return false;
            }
            out.push_back(header{std::string((*pair)[0].get_string()), std::string((*pair)[1].get_string())});
        }
        return true;
    }
    reason = "expected an array of [name, value] pairs or an object";
    return false;
}

std::string_view read_column(std::size_t i) noexcept {
    return i < col::count_ ? delivery_columns[i] : payload_columns[1 + (i - col::count_) % 2];
}

std::string missing_payload(std::string_view payloads) {
    return "the row has no payload in table '" + std::string(payloads) + "'";
}

bool decode_payload(const cell_view& json, const cell_view& raw, delivery& d, decode_error& err,
                           std::string_view payloads) {
    auto fail = [&](std::size_t i, std::string reason) {
        err.column = std::string(read_column(i));
        err.reason = std::move(reason);
        return false;
    };
    auto is_text = [](const cell_view& c) {
        return c.type == engine::value::kind::text || c.type == engine::value::kind::json;
    };
    if (raw.is_null() && json.is_null())
        return fail(col::payload_json, missing_payload(payloads));
    if (!raw.is_null()) {
        if (!is_text(raw))
            return fail(col::payload_raw, "expected text");
        d.payload = payload::raw(std::string(raw.text));
        return true;
    }
    if (!is_text(json))
        return fail(col::payload_json, "expected JSON text");
    error_code jec;
    if (!json_is_valid(json.text, jec))
        return fail(col::payload_json, "not valid JSON (" + jec.message() + ")");
    d.payload = payload::from_stored(std::string(json.text), payload_kind::json);
    return true;
}

bool decode_row(std::span<const cell_view> c, delivery& d, decode_error& err) {
    auto fail = [&](std::size_t i, std::string reason) {
        err.column = std::string(read_column(i));
        err.reason = std::move(reason);
        return false;
    };
    auto is_text = [&](std::size_t i) {
        return c[i].type == engine::value::kind::text || c[i].type == engine::value::kind::json;
    };
    auto text = [&](std::size_t i, std::string& out) {
        if (!is_text(i))
            return fail(i, "expected text, found " + std::string(engine::to_string(c[i].type)));
        out.assign(c[i].text);
        return true;
    };
    auto opt_text = [&](std::size_t i, std::optional<std::string>& out) {
        if (c[i].is_null()) {
            out.reset();
            return true;
        }
        out.emplace();
        return text(i, *out);
    };
    auto integer = [&](std::size_t i, std::int64_t& out) {
        if (c[i].type != engine::value::kind::integer)
            return fail(i, "expected an integer, found " + std::string(engine::to_string(c[i].type)));
        out = c[i].integer;
        return true;
    };
    // An integer within the range `rule` checks (it returns the rule broken, or nothing).
    auto checked = [&](std::size_t i, std::int64_t& out, std::string (*rule)(std::int64_t)) {
        if (!integer(i, out))
            return false;
        std::string broken = rule(out);
        return broken.empty() || fail(i, std::move(broken));
    };
    auto opt_time = [&](std::size_t i, std::optional<timestamp>& out) {
        if (c[i].is_null()) {
            out.reset();
            return true;
        }
        std::int64_t v = 0;
        if (!checked(i, v, time_rule))
            return false;
        out = from_ms(v);
        return true;
    };
    if (c.size() < col::count_)
        return fail(0, "expected " + std::to_string(col::count_) + " columns, found " +
                           std::to_string(c.size()));

    std::int64_t n = 0;
    if (!integer(col::seq, n))
        return false;
    if (n < 1)
        return fail(col::seq, "must be at least 1" + got(n));
    d.sequence = static_cast<std::uint64_t>(n);
    if (!is_text(col::id))
        return fail(col::id, "expected text");
    error_code idec;
    d.id = delivery_id::parse(c[col::id].text, idec);
    if (idec)
        return fail(col::id, "'" + std::string(c[col::id].text.substr(0, 64)) + "' is not a UUID");
    if (!text(col::webhook_id, d.webhook_id) || !text(col::event_id, d.event_id) ||
        !text(col::event_type, d.event_type) || !text(col::url, d.url))
        return false;
    if (c[col::method].is_null())
        d.method = "POST";
    else if (!text(col::method, d.method))
        return false;
    d.headers.clear();
    if (!c[col::headers_json].is_null()) {
        std::string reason;
        if (!is_text(col::headers_json))
            return fail(col::headers_json, "expected JSON text");
        if (!headers_from_json(c[col::headers_json].text, d.headers, reason))
            return fail(col::headers_json, reason);
    }
    if (c[col::secret].is_null())
        d.secret.clear();
    else if (!text(col::secret, d.secret))
        return false;
    d.has_secret = !d.secret.empty();
    if (c[col::timeout_ms].is_null()) {
        d.timeout.reset();
    } else {
        if (!integer(col::timeout_ms, n))
            return false;
        // As `validate` allows it for a request: above zero, any number of milliseconds.
        if (n <= 0)
            return fail(col::timeout_ms, "must be greater than 0" + got(n));
        d.timeout = std::chrono::milliseconds(n);
    }
    // The partition count is the outbox's, not the storage's: only the range of an int is checked.
    if (!checked(col::partition_key, n, int_rule))
        return false;
    d.partition_key = static_cast<int>(n);
    if (!is_text(col::status))
        return fail(col::status, "expected text");
    auto st = parse_delivery_status(c[col::status].text);
    if (!st)
        return fail(col::status, "unknown status '" + std::string(c[col::status].text.substr(0, 32)) + "'");
    d.status = *st;
    if (!checked(col::attempts, n, int_rule))
        return false;
    d.attempts = static_cast<int>(n);
    if (!opt_text(col::claimed_by, d.claimed_by) || !opt_time(col::claimed_at, d.claimed_at) ||
        !opt_time(col::next_retry_at, d.next_retry_at) || !opt_time(col::last_attempted_at, d.last_attempted_at))
        return false;
    // A claim sets both with the status, and every way out of in_flight clears both: without them a
    // row would never be reaped.
    if (d.status == delivery_status::in_flight && (!d.claimed_by || !d.claimed_at))
        return fail(d.claimed_by ? col::claimed_at : col::claimed_by,
                    "an in_flight row must have claimed_by and claimed_at");
    if (c[col::response_code].is_null()) {
        d.response_code.reset();
    } else {
        if (!checked(col::response_code, n, status_code_rule))
            return false;
        d.response_code = static_cast<int>(n);
    }
    if (!opt_text(col::response_body, d.response_body) || !opt_text(col::error, d.error))
        return false;
    if (!checked(col::created_at, n, time_rule))
        return false;
    d.created_at = from_ms(n);
    if (!checked(col::updated_at, n, time_rule))
        return false;
    d.updated_at = from_ms(n);
    if (!checked(col::claim_token, n, not_negative_rule))
        return false;
    d.claim_token = static_cast<std::uint64_t>(n);
    if (c[col::duration_ms].is_null()) {
        d.last_duration.reset();
    } else {
        if (!checked(col::duration_ms, n, not_negative_rule))
            return false;
        d.last_duration = std::chrono::milliseconds(n);
    }
    return opt_text(col::traceparent, d.traceparent);
}

bool decode(std::span<const cell_view> c, delivery& d, decode_error& err, std::string_view payloads) {
    if (c.size() != col::with_payload_) {
        err.column = std::string(read_column(0));
        err.reason =
            "expected " + std::to_string(col::with_payload_) + " columns, found " + std::to_string(c.size());
        return false;
    }
    return decode_row(c, d, err) &&
           decode_payload(c[col::payload_json], c[col::payload_raw], d, err, payloads);
}

std::vector<engine::value> insert_values(const delivery& d) {
    std::vector<engine::value> v;
    v.reserve(insert_columns.size());
    v.emplace_back(d.id.to_string());
    v.emplace_back(d.webhook_id);
    v.emplace_back(d.event_id);
    v.emplace_back(d.event_type);
    v.emplace_back(d.url);
    v.emplace_back(d.method);
    v.push_back(d.headers.empty() ? engine::value() : engine::value::json(headers_to_json(d.headers)));
    v.push_back(d.secret.empty() ? engine::value() : engine::value(d.secret));
    v.push_back(d.timeout ? engine::value(std::int64_t(d.timeout->count())) : engine::value());
    v.emplace_back(std::int64_t(d.partition_key));
    v.emplace_back("pending");
    v.emplace_back(std::int64_t(0));
    v.emplace_back(ms(d.created_at));
    v.emplace_back(ms(d.updated_at));
    v.emplace_back(std::int64_t(0));
    v.push_back(d.traceparent ? engine::value(*d.traceparent) : engine::value());
    return v;
}

std::array<engine::value, 3> payload_values(std::int64_t seq, const payload& p) {
    bool raw = p.kind() == payload_kind::raw;
    return {engine::value(seq), engine::value::json(raw ? std::string("null") : std::string(p.body())),
            raw ? engine::value(std::string(p.body())) : engine::value()};
}

std::int64_t claim_nonce() noexcept {
    auto b = delivery_id::generate().bytes();
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i)
        x = (x << 8) | b[i];
    return static_cast<std::int64_t>(x >> 2) | 1;
}

engine::record attempt_row(const delivery_id& id, std::int64_t delivery_seq, const completion& c) {
    engine::record r;
    r.reserve(8);
    r.push_back("delivery_id", engine::value(id.to_string()));
    r.push_back("delivery_seq", engine::value(delivery_seq));
    r.push_back("attempted_at", engine::value(ms(c.now)));
    r.push_back("outcome", engine::value(std::string(to_string(c.status))));
    r.push_back("response_code", c.response_code ? engine::value(*c.response_code) : engine::value());
    r.push_back("duration_ms", engine::value(std::int64_t(c.duration.count())));
    r.push_back("error", c.error ? engine::value(*c.error) : engine::value());
    r.push_back("traceparent", c.traceparent ? engine::value(*c.traceparent) : engine::value());
    return r;
}

bool decode_attempt(std::span<const cell_view> c, attempt_record& a, decode_error& err) {
    auto fail = [&](std::size_t i, std::string reason) {
        err.column = std::string(attempt_columns[i]);
        err.reason = std::move(reason);
        return false;
    };
    auto is_text = [&](std::size_t i) {
        return c[i].type == engine::value::kind::text || c[i].type == engine::value::kind::json;
    };
    if (c.size() != attempt_columns.size())
        return fail(0, "expected " + std::to_string(attempt_columns.size()) + " columns, found " +
                           std::to_string(c.size()));
    if (c[2].type != engine::value::kind::integer)
        return fail(2, "expected an integer");
    if (std::string broken = time_rule(c[2].integer); !broken.empty())
        return fail(2, std::move(broken));
    a.at = from_ms(c[2].integer);
    std::optional<delivery_status> st = is_text(3) ? parse_delivery_status(c[3].text) : std::nullopt;
    if (!st)
        return fail(3, "expected a status");
    a.outcome = *st;
    if (c[4].is_null())
        a.response_code.reset();
    else if (c[4].type != engine::value::kind::integer)
        return fail(4, "expected an integer");
    else if (std::string broken = status_code_rule(c[4].integer); !broken.empty())
        return fail(4, std::move(broken));
    else
        a.response_code = static_cast<int>(c[4].integer);
    if (c[5].type != engine::value::kind::integer)
        return fail(5, "expected an integer");
    if (std::string broken = not_negative_rule(c[5].integer); !broken.empty())
        return fail(5, std::move(broken));
    a.duration = std::chrono::milliseconds(c[5].integer);
    if (c[6].is_null())
        a.error.reset();
    else if (is_text(6))
        a.error.emplace(c[6].text);
    else
        return fail(6, "expected text");
    if (c[7].is_null())
        a.traceparent.reset();
    else if (is_text(7))
        a.traceparent.emplace(c[7].text);
    else
        return fail(7, "expected text");
    return true;
}

bool check_table_name(const std::string& table, error_code& ec, diagnostics& diag) {
    constexpr std::size_t max_table = max_delivery_table_name;
    if (engine::detail::is_identifier(table) && table.size() <= max_table)
        return true;
    hookbox::detail::fail(ec, diag, errc::schema_error, "table",
                          "table: '" + table + "' must be 1-" + std::to_string(max_table) +
                              " letters, digits or underscores, not starting with a digit");
    return false;
}

void fail_attempt_corrupt(error_code& ec, diagnostics& diag, std::int64_t attempt_seq, std::string_view delivery_id,
                          const decode_error& err) {
    hookbox::detail::fail(ec, diag, errc::corrupt_row, err.column,
                          "Attempt row " + std::to_string(attempt_seq) + " of delivery row '" +
                              std::string(delivery_id) + "': " + err.column + ": " + err.reason);
}

std::string corrupt_text(const delivery& d, std::string_view table, const decode_error& err) {
    return "Delivery row '" + d.id.to_string() + "' in table '" + std::string(table) + "': column " + err.column +
           ": " + err.reason;
}

void fail_corrupt(error_code& ec, diagnostics& diag, std::span<const cell_view> cells, std::string_view table,
                  const decode_error& err) {
    std::string which = cells.size() > delivery_column::id && !cells[delivery_column::id].is_null()
                            ? "'" + std::string(cells[delivery_column::id].text.substr(0, 64)) + "'"
                            : "at seq " + std::to_string(cells.empty() ? 0 : cells[0].integer);
    hookbox::detail::fail(ec, diag, errc::corrupt_row, err.column,
                          "Delivery row " + which + " in table '" + std::string(table) + "': column " + err.column +
                              ": " + err.reason);
}

}  // namespace hookbox::detail::rows

#endif  // HOOKBOX_STORAGE_IMPL_DELIVERY_ROWS_IPP
