//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_ENGINE_STORAGE_HPP
#define HOOKBOX_STORAGE_ENGINE_STORAGE_HPP

/// \file
/// `engine_storage<Engine>`: the outbox over any data engine, in the delivery table of
/// `delivery_schema.hpp`.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/json_check.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/delivery_schema.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// How an `engine_storage` is set up.
struct engine_storage_params {
    /// The delivery table. Several outboxes may share one database under different tables.
    std::string table = "sys_webhook_delivery";
    /// Migrate the table to the latest version on construction. Turn off only when another
    /// program owns the schema.
    bool migrate = true;
    /// Use the engine's native SQL for claim, ack and enqueue when it offers it (`sql_engine`).
    /// Off, every operation goes through the generic `data_engine` statements.
    bool native_sql = true;
};

namespace detail::es {

using engine::cell_view;
namespace col = delivery_column;

inline cell_view to_cell(const engine::value& v) noexcept {
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

inline std::int64_t ms(timestamp t) noexcept { return t.time_since_epoch().count(); }
inline timestamp from_ms(std::int64_t v) noexcept { return timestamp(std::chrono::milliseconds(v)); }

inline engine::value opt_ms(const std::optional<timestamp>& t) {
    return t ? engine::value(ms(*t)) : engine::value();
}

// Why a stored row could not be read: the column and the reason.
struct decode_error {
    std::string column;
    std::string reason;
};

inline std::string headers_to_json(const std::vector<header>& hs) {
    boost::json::array a;
    a.reserve(hs.size());
    for (const auto& h : hs)
        a.push_back(boost::json::array{boost::json::string(h.name), boost::json::string(h.value)});
    return boost::json::serialize(a);
}

// Headers are stored as an array of [name, value] pairs (order and repeats kept); an object of
// name -> value (the ObjectStack outbox's layout) is read as well.
inline bool headers_from_json(std::string_view text, std::vector<header>& out, std::string& reason) {
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

// The name of the column at position `i` of a row as engine_storage reads it: `delivery_columns`,
// then the payload's two columns.
inline std::string_view read_column(std::size_t i) noexcept {
    return i < col::count_ ? delivery_columns[i] : payload_columns[1 + (i - col::count_) % 2];
}

// The payload of a delivery that has none: what a claim or a read reports for its row.
inline std::string missing_payload(std::string_view payloads) {
    return "the row has no payload in table '" + std::string(payloads) + "'";
}

// Reads the payload of a row, `payload_json` and `payload_raw` from the payload table, into `d`.
// Both null means that the row has no payload row (`payload_json` is NOT NULL there); `payloads`
// names that table for the reason given.
inline bool decode_payload(const cell_view& json, const cell_view& raw, delivery& d, decode_error& err,
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

// Reads the columns of the delivery table (`delivery_columns`, the first cells of `c`) into `d`
// (secret included), not the payload.
inline bool decode_row(std::span<const cell_view> c, delivery& d, decode_error& err) {
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
    auto opt_time = [&](std::size_t i, std::optional<timestamp>& out) {
        if (c[i].is_null()) {
            out.reset();
            return true;
        }
        std::int64_t v = 0;
        if (!integer(i, v))
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
        d.timeout = std::chrono::milliseconds(n);
    }
    if (!integer(col::partition_key, n))
        return false;
    d.partition_key = static_cast<int>(n);
    if (!is_text(col::status))
        return fail(col::status, "expected text");
    auto st = parse_delivery_status(c[col::status].text);
    if (!st)
        return fail(col::status, "unknown status '" + std::string(c[col::status].text.substr(0, 32)) + "'");
    d.status = *st;
    if (!integer(col::attempts, n))
        return false;
    d.attempts = static_cast<int>(n);
    if (!opt_text(col::claimed_by, d.claimed_by) || !opt_time(col::claimed_at, d.claimed_at) ||
        !opt_time(col::next_retry_at, d.next_retry_at) || !opt_time(col::last_attempted_at, d.last_attempted_at))
        return false;
    if (c[col::response_code].is_null()) {
        d.response_code.reset();
    } else {
        if (!integer(col::response_code, n))
            return false;
        d.response_code = static_cast<int>(n);
    }
    if (!opt_text(col::response_body, d.response_body) || !opt_text(col::error, d.error))
        return false;
    if (!integer(col::created_at, n))
        return false;
    d.created_at = from_ms(n);
    if (!integer(col::updated_at, n))
        return false;
    d.updated_at = from_ms(n);
    if (!integer(col::claim_token, n))
        return false;
    d.claim_token = static_cast<std::uint64_t>(n);
    if (c[col::duration_ms].is_null()) {
        d.last_duration.reset();
    } else {
        if (!integer(col::duration_ms, n))
            return false;
        d.last_duration = std::chrono::milliseconds(n);
    }
    return true;
}

// Reads a whole row: `delivery_columns`, then `payload_json` and `payload_raw`.
inline bool decode(std::span<const cell_view> c, delivery& d, decode_error& err, std::string_view payloads) {
    if (c.size() != col::with_payload_) {
        err.column = std::string(read_column(0));
        err.reason =
            "expected " + std::to_string(col::with_payload_) + " columns, found " + std::to_string(c.size());
        return false;
    }
    return decode_row(c, d, err) &&
           decode_payload(c[col::payload_json], c[col::payload_raw], d, err, payloads);
}

// The columns an insert names, and their values for a new row; its payload goes to the payload table.
inline constexpr std::array<std::string_view, 15> insert_columns{
    "id",        "webhook_id", "event_id", "event_type",    "url",    "method",   "headers_json", "secret",
    "timeout_ms", "partition_key", "status", "attempts", "created_at", "updated_at", "claim_token"};

inline std::vector<engine::value> insert_values(const delivery& d) {
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
    return v;
}

// The payload row of the delivery row `seq`: `payload_json` holds JSON, or `null` beside the body
// of a raw payload in `payload_raw`.
inline std::array<engine::value, 3> payload_values(std::int64_t seq, const payload& p) {
    bool raw = p.kind() == payload_kind::raw;
    return {engine::value(seq), engine::value::json(raw ? std::string("null") : std::string(p.body())),
            raw ? engine::value(std::string(p.body())) : engine::value()};
}

// A claim nonce: random, below 2^62, so that nonce + seq is a positive 64-bit token unique to
// this row and this claim.
inline std::int64_t claim_nonce() noexcept {
    auto b = delivery_id::generate().bytes();
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i)
        x = (x << 8) | b[i];
    return static_cast<std::int64_t>(x >> 2) | 1;
}

// One row of the attempt table for an applied completion.
inline engine::record attempt_row(const delivery_id& id, std::int64_t delivery_seq, const completion& c) {
    engine::record r;
    r.reserve(7);
    r.push_back("delivery_id", engine::value(id.to_string()));
    r.push_back("delivery_seq", engine::value(delivery_seq));
    r.push_back("attempted_at", engine::value(ms(c.now)));
    r.push_back("outcome", engine::value(std::string(to_string(c.status))));
    r.push_back("response_code", c.response_code ? engine::value(*c.response_code) : engine::value());
    r.push_back("duration_ms", engine::value(std::int64_t(c.duration.count())));
    r.push_back("error", c.error ? engine::value(*c.error) : engine::value());
    return r;
}

// Reads one attempt row, in `attempt_columns` order.
inline bool decode_attempt(std::span<const cell_view> c, attempt_record& a, decode_error& err) {
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
    a.at = from_ms(c[2].integer);
    std::optional<delivery_status> st = is_text(3) ? parse_delivery_status(c[3].text) : std::nullopt;
    if (!st)
        return fail(3, "expected a status");
    a.outcome = *st;
    if (c[4].is_null())
        a.response_code.reset();
    else if (c[4].type == engine::value::kind::integer)
        a.response_code = static_cast<int>(c[4].integer);
    else
        return fail(4, "expected an integer");
    if (c[5].type != engine::value::kind::integer)
        return fail(5, "expected an integer");
    a.duration = std::chrono::milliseconds(c[5].integer);
    if (c[6].is_null())
        a.error.reset();
    else if (is_text(6))
        a.error.emplace(c[6].text);
    else
        return fail(6, "expected text");
    return true;
}

// The conditions of a delivery_filter, for the generic path.
inline engine::filter to_filter(const delivery_filter& f) {
    engine::filter w;
    if (f.status)
        w = std::move(w) && engine::col("status") == std::string(to_string(*f.status));
    if (f.webhook_id)
        w = std::move(w) && engine::col("webhook_id") == *f.webhook_id;
    if (f.created_from)
        w = std::move(w) && engine::col("created_at") >= ms(*f.created_from);
    if (f.created_before)
        w = std::move(w) && engine::col("created_at") < ms(*f.created_before);
    if (f.updated_before)
        w = std::move(w) && engine::col("updated_at") < ms(*f.updated_before);
    return w;
}

// The conditions of a delivery_filter, for the native path: appends " AND <column> <op> ?N" for each
// field that is set, numbering its parameters after those already in `args`. Unset fields add no
// condition (rather than `?N IS NULL OR ...`), so that the engine can use its indexes.
inline void append_conditions(const delivery_filter& f, std::string& sql, std::vector<engine::value>& args) {
    auto add = [&](const char* condition, engine::value v) {
        args.push_back(std::move(v));
        sql += " AND ";
        sql += condition;
        sql += " ?";
        sql += std::to_string(args.size());
    };
    // The status as a constant (one of five words), not a parameter: SQLite then sees that a
    // statement about `failed` or `dead` rows may use their partial index.
    if (f.status) {
        sql += " AND status = '";
        sql += to_string(*f.status);
        sql += '\'';
    }
    if (f.webhook_id)
        add("webhook_id =", *f.webhook_id);
    if (f.created_from)
        add("created_at >=", ms(*f.created_from));
    if (f.created_before)
        add("created_at <", ms(*f.created_before));
    if (f.updated_before)
        add("updated_at <", ms(*f.updated_before));
}

inline std::string quote(std::string_view ident) {
    std::string out = "\"";
    out += ident;
    out += '"';
    return out;
}

}  // namespace detail::es

/// An `outbox_storage` over any `data_engine`: deliveries are rows of the delivery table
/// (`delivery_schema.hpp`), so they are as durable as the engine, and several processes sharing one
/// database share one outbox.
///
/// It keeps the semantics of the ObjectStack SQL outbox, improved:
/// - enqueue looks up `(event_id, webhook_id)`, inserts the row and its payload row (in
///   `<table>_payload`, in the same transaction), and on a unique violation (a concurrent enqueue
///   of the same pair) looks up again and returns the winner's id;
/// - claim reaps, then takes the candidates lowest `seq` first and flips each with an update guarded
///   by `status = 'pending'`, so a row another claimer took in between is skipped, all in one
///   transaction; each row gets its own claim token, and comes with its payload;
/// - ack is fenced by the claim token and increments `attempts` in the statement itself, and
///   appends the attempt to `<table>_attempt` in the same transaction;
/// - replay and purge select at most one step's keys, lowest `seq` first, and reset or delete them
///   (purge with their history and payloads) in one transaction; release is a fenced update without
///   an attempt.
///
/// Claims and acks never write the payload table: they rewrite the delivery row only.
///
/// When the engine also models `sql_engine` (as `sqlite_engine` does), claim is one
/// `UPDATE ... RETURNING` statement per partition, then one read of the payloads by `seq` per 64
/// rows claimed (`claim_many` reaps once for all of its partitions); enqueue is one `INSERT ... ON
/// CONFLICT DO NOTHING RETURNING` and the payload's `INSERT`; a batch of acks one transaction of
/// prepared updates and multi-row inserts of the attempt records; replay one `UPDATE ... WHERE seq
/// IN (SELECT ... LIMIT ?)`; purge one `DELETE ... RETURNING seq` (then the history and the
/// payloads of those rows); and failures one `GROUP BY`.
///
/// A stored row that cannot be decoded (corrupt JSON, an unknown status, no payload row) is
/// reported by `get` and `list` as `errc::corrupt_row`, naming the row and the column; `claim` marks
/// such a row `dead` with the reason in `error`, and claims the rows after it.
///
/// Thread-safety: as safe as the engine; both engines hookbox ships serialize their statements, so
/// an `engine_storage` over them may be used from several threads at once.
template <engine::data_engine Engine>
class engine_storage {
public:
    using engine_type = Engine;

    /// Takes the engine and, unless `params.migrate` is false, migrates the delivery table.
    /// Throws `error_with_diagnostics` on failure (for example `errc::schema_too_new`).
    explicit engine_storage(Engine e, engine_storage_params params = {})
        : engine_(std::move(e)), params_(std::move(params)) {
        error_code ec;
        diagnostics diag;
        if (!init(ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
    }

    /// Non-throwing construction.
    static std::optional<engine_storage> open(Engine e, engine_storage_params params, error_code& ec,
                                              diagnostics& diag) {
        engine_storage s(uninitialized{}, std::move(e), std::move(params));
        if (!s.init(ec, diag))
            return std::nullopt;
        return std::optional<engine_storage>(std::move(s));
    }

    Engine& engine() noexcept { return engine_; }
    const engine_storage_params& params() const noexcept { return params_; }

    // ----- outbox_storage -----

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        ec.clear();
        // The row and its payload row commit together (inside the caller's transaction, when the
        // engine is attached to one, as a savepoint).
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        auto r = native() ? native_insert(d, ec, diag) : generic_insert(d, ec, diag);
        if (ec)
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return r;
    }

    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<enqueue_result> out;
        out.reserve(ds.size());
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        for (auto& d : ds) {
            out.push_back(native() ? native_insert(d, ec, diag) : generic_insert(d, ec, diag));
            if (ec)
                return {};
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<delivery> out;
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        if (native())
            native_claim_all(std::span<const claim_query>(&q, 1), q.limit,
                             std::span<std::vector<delivery>>(&out, 1), ec, diag);
        else
            generic_claim(q, true, out, ec, diag);
        if (ec)
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    std::vector<std::vector<delivery>> claim_many(std::span<const claim_query> qs, std::size_t max_total,
                                                  error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<std::vector<delivery>> out(qs.size());
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        if (native()) {
            native_claim_all(qs, max_total, out, ec, diag);
        } else {
            for (std::size_t i = 0; i < qs.size() && max_total > 0; ++i) {
                claim_query q = qs[i];
                q.limit = std::min(q.limit, max_total);
                generic_claim(q, reaps(qs, i), out[i], ec, diag);
                if (ec)
                    return {};
                max_total -= out[i].size();
            }
        }
        if (ec)
            return {};  // from the native claims
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        ec.clear();
        // The row's update and its attempt record commit together.
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return;
        if (!complete_one(ref, c, ec, diag))
            return;
        record_attempt(ref, c, ec, diag);
        if (ec)
            return;
        tx.commit(ec, diag);
    }

    std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics& diag) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        std::vector<std::size_t> applied;
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            // The attempt records go in the same transaction: on the native path all of them after
            // the updates, a few multi-row statements for the batch.
            if (complete_one(refs[i], cs[i], out[i], one)) {
                if (native()) {
                    applied.push_back(i);
                } else {
                    record_attempt(refs[i], cs[i], ec, diag);
                    if (ec)
                        return {};
                }
            }
            // Per-entry outcomes are returned; anything else fails the batch.
            if (out[i] && out[i] != errc::claim_lost && out[i] != errc::not_found) {
                ec = out[i];
                diag = std::move(one);
                return {};
            }
        }
        record_attempts(refs, cs, applied, ec, diag);
        if (ec)
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) {
        ec.clear();
        auto r = engine_.find_one(params_.table, all_columns(engine::col("id") == id.to_string()), ec, diag);
        if (ec || !r)
            return std::nullopt;
        auto payloads = read_payloads({(*r)["seq"]}, ec, diag);
        if (ec)
            return std::nullopt;
        delivery d;
        if (!decode_record(*r, payloads, d, ec, diag))
            return std::nullopt;
        return redacted(std::move(d));
    }

    list_page list(const list_options& lo, error_code& ec, diagnostics& diag) {
        ec.clear();
        engine::filter f = engine::col("seq") > std::int64_t(lo.after_sequence.value_or(0));
        if (lo.status)
            f = std::move(f) && engine::col("status") == std::string(to_string(*lo.status));
        if (lo.webhook_id)
            f = std::move(f) && engine::col("webhook_id") == *lo.webhook_id;
        auto fo = all_columns(std::move(f));
        fo.order = {engine::order_by{"seq"}};
        fo.limit = lo.limit;
        auto rows = engine_.find(params_.table, fo, ec, diag);
        if (ec)
            return {};
        std::vector<engine::value> seqs;
        seqs.reserve(rows.size());
        for (const auto& r : rows)
            seqs.push_back(r["seq"]);
        auto payloads = read_payloads(std::move(seqs), ec, diag);
        if (ec)
            return {};
        list_page page;
        page.items.reserve(rows.size());
        for (const auto& r : rows) {
            delivery d;
            if (!decode_record(r, payloads, d, ec, diag))
                return {};
            page.items.push_back(redacted(std::move(d)));
        }
        if (page.items.size() == lo.limit && !page.items.empty())
            page.next_cursor = page.items.back().sequence;
        return page;
    }

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        const std::string ids = id.to_string();
        std::size_t n = engine_.update(params_.table, engine::col("id") == ids && terminal(), redelivery_reset(now), ec,
                                       diag);
        if (ec)
            return {};
        if (n == 0) {
            engine::find_options fo;
            fo.where = engine::col("id") == ids;
            fo.fields = {"status"};
            auto r = engine_.find_one(params_.table, fo, ec, diag);
            if (ec)
                return {};
            if (!r) {
                detail::fail_not_found(ec, diag, id);
                return {};
            }
            auto st = parse_delivery_status((*r)["status"].is_null() ? "" : (*r)["status"].as_text());
            detail::fail_not_eligible(ec, diag, id, st.value_or(delivery_status::pending));
            return {};
        }
        auto r = engine_.find_one(params_.table, all_columns(engine::col("id") == ids), ec, diag);
        if (ec)
            return {};
        delivery d;
        if (!r) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        auto payloads = read_payloads({(*r)["seq"]}, ec, diag);
        if (ec || !decode_record(*r, payloads, d, ec, diag))
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return redacted(std::move(d));
    }

    outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        outbox_stats st;
        for (std::size_t i = 0; i < delivery_status_count; ++i) {
            auto s = static_cast<delivery_status>(i);
            st.by_status[i] = engine_.count(params_.table, engine::col("status") == std::string(to_string(s)), ec, diag);
            if (ec)
                return {};
        }
        engine::find_options fo;
        fo.where = engine::col("status") == "pending";
        fo.fields = {"created_at"};
        fo.order = {engine::order_by{"seq"}};
        auto r = engine_.find_one(params_.table, fo, ec, diag);
        if (ec)
            return {};
        if (r && !(*r)["created_at"].is_null())
            st.oldest_pending_age = now - detail::es::from_ms((*r)["created_at"].as_integer());
        return st;
    }

    std::size_t replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (native())
            return native_replay(f, limit, now, ec, diag);
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return 0;
        engine::find_options fo;
        fo.where = terminal() && detail::es::to_filter(f);
        fo.fields = {"seq"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = limit;
        auto rows = engine_.find(params_.table, fo, ec, diag);
        if (ec || rows.empty())
            return 0;
        // One statement per key: an equality on the primary key is indexed by every engine.
        const auto reset = redelivery_reset(now);
        std::size_t n = 0;
        for (const auto& r : rows) {
            n += engine_.update(params_.table, engine::col("seq") == r["seq"] && terminal(), reset, ec, diag);
            if (ec)
                return 0;
        }
        tx.commit(ec, diag);
        return ec ? 0 : n;
    }

    std::size_t purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag) {
        ec.clear();
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return 0;
        std::size_t n = native() ? native_purge(f, limit, ec, diag) : generic_purge(f, limit, ec, diag);
        if (ec || n == 0)
            return 0;
        tx.commit(ec, diag);
        return ec ? 0 : n;
    }

    std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics& diag) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        engine::transaction<Engine> tx(engine_, ec, diag);
        if (ec)
            return {};
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            std::size_t n = native() ? native_release(refs[i], rr, out[i], one)
                                     : generic_release(refs[i], rr, out[i], one);
            if (!out[i] && n != 1)
                explain_miss(refs[i], out[i], one);
            if (out[i] && out[i] != errc::claim_lost && out[i] != errc::not_found) {
                ec = out[i];
                diag = std::move(one);
                return {};
            }
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) {
        ec.clear();
        const std::string ids = id.to_string();
        std::vector<attempt_record> out;
        std::optional<decode_failure> bad;
        // Numbers are positions in the history: nothing but purge (with the row) deletes from it.
        auto read = [&](std::span<const engine::cell_view> row) {
            attempt_record a;
            detail::es::decode_error err;
            if (bad)
                return;
            if (!detail::es::decode_attempt(row, a, err)) {
                bad = decode_failure{row.empty() ? 0 : row[0].integer, std::move(err)};
                return;
            }
            a.number = static_cast<int>(out.size()) + 1;
            out.push_back(std::move(a));
        };
        bool exists = false;
        if constexpr (has_sql) {
            if (native()) {
                std::array<engine::value, 1> key{engine::value(ids)};
                std::int64_t seq = 0;
                engine_.query(sql_.seq_of_id, key, [&](std::span<const engine::cell_view> row) {
                        exists = true;
                        seq = row[0].integer;
                    }, ec, diag);
                std::array<engine::value, 1> by_seq{engine::value(seq)};
                if (!ec && exists)
                    engine_.query(sql_.attempts_of, by_seq, read, ec, diag);
            }
        }
        if (!native()) {
            engine::find_options row;
            row.where = engine::col("id") == ids;
            row.fields = {"seq"};
            auto found = engine_.find_one(params_.table, row, ec, diag);
            exists = !ec && found;
            if (exists) {
                engine::find_options fo;
                fo.where = engine::col("delivery_seq") == (*found)["seq"].as_integer();
                fo.fields.assign(attempt_columns.begin(), attempt_columns.end());
                fo.order = {engine::order_by{"seq"}};
                auto rows = engine_.find(attempt_table_, fo, ec, diag);
                std::vector<engine::cell_view> cells;
                for (const auto& r : rows) {
                    cells.resize(r.size());
                    for (std::size_t i = 0; i < r.size(); ++i)
                        cells[i] = detail::es::to_cell(r.at(i).value);
                    read(cells);
                }
            }
        }
        if (ec)
            return {};
        if (!exists) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        if (bad) {
            fail(ec, diag, errc::corrupt_row, bad->error.column,
                 "Attempt row " + std::to_string(bad->seq) + " of delivery row '" + ids + "': " + bad->error.column +
                     ": " + bad->error.reason);
            return {};
        }
        return out;
    }

    std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (native())
            return native_failures(limit, ec, diag);
        // Two reads, each an equality on the status index, rather than one OR that an engine may scan.
        detail::failure_tally tally;
        engine::find_options fo;
        fo.fields = {"webhook_id", "status", "error", "updated_at", "seq"};
        for (int pass = 0; pass < 2; ++pass) {
            fo.where = pass == 0 ? engine::col("status") == "dead"
                                 : engine::col("status") == "pending" && engine::col("attempts") > 0;
            auto rows = engine_.find(params_.table, fo, ec, diag);
            if (ec)
                return {};
            tally_failing(rows, tally);
        }
        return tally.take(limit);
    }

private:
    struct uninitialized {};
    engine_storage(uninitialized, Engine e, engine_storage_params params)
        : engine_(std::move(e)), params_(std::move(params)) {}

    // Rows a claim could not read, by seq, with the reason (for `bury`).
    using corrupt_rows = std::vector<std::pair<std::int64_t, std::string>>;

    static constexpr bool has_sql = engine::sql_engine<Engine>;

    bool native() const noexcept { return has_sql && params_.native_sql; }

    bool init(error_code& ec, diagnostics& diag) {
        ec.clear();
        // The plan derives index and table names from the table's; each must fit in 63 characters.
        constexpr std::size_t max_table = 63 - delivery_schema_suffix;
        if (!engine::detail::is_identifier(params_.table) || params_.table.size() > max_table) {
            fail(ec, diag, errc::schema_error, "table",
                 "table: '" + params_.table + "' must be 1-" + std::to_string(max_table) +
                     " letters, digits or underscores, not starting with a digit");
            return false;
        }
        attempt_table_ = attempt_table(params_.table);
        payload_table_ = payload_table(params_.table);
        if (params_.migrate) {
            engine_.migrate(delivery_schema(params_.table), ec, diag);
            if (ec || !backfill_attempt_sequences(ec, diag))
                return false;
        }
        if constexpr (has_sql)
            build_sql();
        return true;
    }

    engine::find_options all_columns(engine::filter where) const {
        engine::find_options fo;
        fo.where = std::move(where);
        fo.fields.assign(delivery_columns.begin(), delivery_columns.end());
        return fo;
    }

    // Decodes the delivery table's columns of a row, not its payload.
    bool decode_row_cells(std::span<const engine::cell_view> cells, delivery& d, error_code& ec,
                          diagnostics& diag) {
        detail::es::decode_error err;
        if (detail::es::decode_row(cells, d, err))
            return true;
        return corrupt_row(cells, err, ec, diag);
    }

    bool decode_cells(std::span<const engine::cell_view> cells, delivery& d, error_code& ec, diagnostics& diag) {
        detail::es::decode_error err;
        if (detail::es::decode(cells, d, err, payload_table_))
            return true;
        return corrupt_row(cells, err, ec, diag);
    }

    bool corrupt_row(std::span<const engine::cell_view> cells, const detail::es::decode_error& err,
                     error_code& ec, diagnostics& diag) {
        std::string which = cells.size() > delivery_column::id && !cells[delivery_column::id].is_null()
                                ? "'" + std::string(cells[delivery_column::id].text.substr(0, 64)) + "'"
                                : "at seq " + std::to_string(cells.empty() ? 0 : cells[0].integer);
        fail(ec, diag, errc::corrupt_row, err.column,
             "Delivery row " + which + " in table '" + params_.table + "': column " + err.column + ": " + err.reason);
        return false;
    }

    // The payload rows of the delivery rows `seqs`, by seq (one find; rows without one are absent).
    using payload_map = std::vector<std::pair<std::int64_t, engine::record>>;
    payload_map read_payloads(std::vector<engine::value> seqs, error_code& ec, diagnostics& diag) {
        payload_map out;
        if (seqs.empty())
            return out;
        engine::find_options fo;
        fo.where = seqs.size() == 1 ? engine::col("seq") == std::move(seqs.front())
                                    : engine::col("seq").in(std::move(seqs));
        fo.fields.assign(payload_columns.begin(), payload_columns.end());
        for (auto& r : engine_.find(payload_table_, fo, ec, diag))
            if (r["seq"].type() == engine::value::kind::integer)
                out.emplace_back(r["seq"].as_integer(), std::move(r));
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return out;
    }

    // Decodes a row of the delivery table (every column of `delivery_columns`) with its payload
    // row from `payloads` (both payload cells null when it has none).
    bool decode_record(const engine::record& r, const payload_map& payloads, delivery& d, error_code& ec,
                       diagnostics& diag) {
        std::array<engine::cell_view, delivery_column::with_payload_> cells;
        if (r.size() != delivery_column::count_) {
            fail(ec, diag, errc::corrupt_row, "", "Delivery row in table '" + params_.table + "': expected " +
                                                      std::to_string(delivery_column::count_) + " columns");
            return false;
        }
        for (std::size_t i = 0; i < delivery_column::count_; ++i)
            cells[i] = detail::es::to_cell(r.at(i).value);
        const auto& seq = r.at(delivery_column::seq).value;
        if (seq.type() == engine::value::kind::integer) {
            auto it = std::lower_bound(payloads.begin(), payloads.end(), seq.as_integer(),
                                       [](const auto& p, std::int64_t s) { return p.first < s; });
            if (it != payloads.end() && it->first == seq.as_integer()) {
                cells[delivery_column::payload_json] = detail::es::to_cell(it->second["payload_json"]);
                cells[delivery_column::payload_raw] = detail::es::to_cell(it->second["payload_raw"]);
            }
        }
        return decode_cells(cells, d, ec, diag);
    }

    static void fail(error_code& ec, diagnostics& diag, errc e, std::string field, std::string message) {
        hookbox::detail::fail(ec, diag, e, std::move(field), std::move(message));
    }

    static delivery redacted(delivery&& d) {
        d.secret.clear();
        return std::move(d);
    }

    // ----- the generic path: data_engine statements only -----

    enqueue_result find_by_pair(const delivery& d, error_code& ec, diagnostics& diag) {
        engine::find_options fo;
        fo.where = engine::col("event_id") == d.event_id && engine::col("webhook_id") == d.webhook_id;
        fo.fields = {"id"};
        auto r = engine_.find_one(params_.table, fo, ec, diag);
        if (ec || !r)
            return {};
        error_code idec;
        auto id = delivery_id::parse((*r)["id"].as_text(), idec);
        if (idec) {
            fail(ec, diag, errc::corrupt_row, "id", "Delivery row with event_id '" + d.event_id + "' and webhook_id '" +
                                                        d.webhook_id + "' has an id that is not a UUID");
            return {};
        }
        return {id, false};
    }

    enqueue_result generic_insert(const delivery& d, error_code& ec, diagnostics& diag) {
        if (auto found = find_by_pair(d, ec, diag); ec || !found.id.is_nil())
            return ec ? enqueue_result{} : found;
        engine::record r;
        auto values = detail::es::insert_values(d);
        r.reserve(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            r.push_back(std::string(detail::es::insert_columns[i]), std::move(values[i]));
        std::int64_t seq = engine_.insert(params_.table, r, ec, diag);
        if (ec == errc::unique_violation) {
            // A concurrent enqueue of the same pair won between the lookup and the insert.
            error_code ec2;
            diagnostics diag2;
            auto winner = find_by_pair(d, ec2, diag2);
            if (!ec2 && !winner.id.is_nil()) {
                ec.clear();
                diag.clear();
                return winner;
            }
            return {};
        }
        if (ec)
            return {};
        insert_payload(seq, d.payload, ec, diag);
        if (ec)
            return {};
        return {d.id, true};
    }

    // Writes the payload row of the delivery row `seq` (inside the caller's transaction).
    void insert_payload(std::int64_t seq, const payload& p, error_code& ec, diagnostics& diag) {
        auto values = detail::es::payload_values(seq, p);
        engine::record r;
        r.reserve(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            r.push_back(std::string(payload_columns[i]), std::move(values[i]));
        engine_.insert(payload_table_, r, ec, diag);
    }

    void generic_claim(const claim_query& q, bool reaps, std::vector<delivery>& out, error_code& ec,
                       diagnostics& diag) {
        const std::int64_t now = detail::es::ms(q.now);
        if (reaps)
            reap(q, ec, diag);
        if (ec)
            return;
        engine::find_options fo;
        fo.where = engine::col("status") == "pending" &&
                   (engine::col("next_retry_at").is_null() || engine::col("next_retry_at") <= now);
        if (q.partition)
            fo.where = std::move(fo.where) && engine::col("partition_key") == *q.partition;
        fo.fields = {"seq"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = q.limit;
        auto candidates = engine_.find(params_.table, fo, ec, diag);
        if (ec)
            return;
        const std::int64_t nonce = detail::es::claim_nonce();
        std::vector<engine::value> taken;
        for (const auto& c : candidates) {
            std::int64_t seq = c["seq"].as_integer();
            std::size_t n = engine_.update(
                params_.table, engine::col("seq") == seq && engine::col("status") == "pending",
                {engine::set("status", "in_flight"), engine::set("claimed_by", std::string(q.node_id)),
                 engine::set("claimed_at", now), engine::set("updated_at", now),
                 engine::set("claim_token", nonce + seq)},
                ec, diag);
            if (ec)
                return;
            if (n == 1)
                taken.emplace_back(seq);
        }
        if (taken.empty())
            return;
        auto rows = engine_.find(params_.table, [&] {
            auto all = all_columns(engine::col("seq").in(taken));
            all.order = {engine::order_by{"seq"}};
            return all;
        }(), ec, diag);
        if (ec)
            return;
        auto payloads = read_payloads(std::move(taken), ec, diag);
        if (ec)
            return;
        out.reserve(rows.size());
        for (const auto& r : rows) {
            delivery d;
            error_code dec;
            diagnostics ddiag;
            if (decode_record(r, payloads, d, dec, ddiag)) {
                out.push_back(std::move(d));
                continue;
            }
            bury(r["seq"].as_integer(), now, ddiag.message(), ec, diag);
            if (ec)
                return;
        }
    }

    void reap(const claim_query& q, error_code& ec, diagnostics& diag) {
        engine_.update(params_.table,
                       engine::col("status") == "in_flight" && engine::col("claimed_at") < detail::es::ms(q.reap_before),
                       {engine::set("status", "pending"), engine::set("claimed_by", nullptr),
                        engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
                        engine::set("updated_at", detail::es::ms(q.now))},
                       ec, diag);
    }

    // A claimed row that cannot be decoded goes to `dead`, with the reason, so that it neither
    // blocks the rows after it nor comes back.
    void bury(std::int64_t seq, std::int64_t now, const std::string& reason, error_code& ec, diagnostics& diag) {
        engine_.update(params_.table, engine::col("seq") == seq,
                       {engine::set("status", "dead"), engine::set("claimed_by", nullptr),
                        engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
                        engine::set("error", "corrupt row: " + reason), engine::set("updated_at", now)},
                       ec, diag);
    }

    // True when the completion was applied; false with `ec` set otherwise.
    bool complete_one(const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        std::size_t n = native() ? native_complete(ref, c, ec, diag) : generic_complete(ref, c, ec, diag);
        if (ec)
            return false;
        if (n == 1)
            return true;
        explain_miss(ref, ec, diag);
        return false;
    }

    // A fenced update matched nothing: tell an unknown row from a lost claim.
    void explain_miss(const claim_ref& ref, error_code& ec, diagnostics& diag) {
        std::size_t exists = engine_.count(params_.table, engine::col("id") == ref.id.to_string(), ec, diag);
        if (ec)
            return;
        if (exists == 0)
            return detail::fail_not_found(ec, diag, ref.id);
        detail::fail_claim_lost(ec, diag, ref.id);
    }

    // Appends the attempt record of an applied completion (inside the caller's transaction).
    void record_attempt(const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        if (native()) {
            if constexpr (has_sql) {
                std::array<engine::value, 7> args{
                    engine::value(ref.id.to_string()),
                    engine::value(detail::es::ms(c.now)),
                    engine::value(std::string(to_string(c.status))),
                    c.response_code ? engine::value(*c.response_code) : engine::value(),
                    engine::value(std::int64_t(c.duration.count())),
                    c.error ? engine::value(*c.error) : engine::value(),
                    engine::value(static_cast<std::int64_t>(ref.sequence))};
                engine_.query(sql_.insert_attempt, args, [](std::span<const engine::cell_view>) {}, ec, diag);
            }
            return;
        }
        std::int64_t seq = delivery_seq_of(ref, ec, diag);
        if (ec)
            return;
        engine_.insert(attempt_table_, detail::es::attempt_row(ref.id, seq, c), ec, diag);
    }

    // Appends the attempt records of the applied completions `which` (native path, inside the
    // caller's transaction), in their order. One multi-row INSERT per chunk: each statement on a
    // table with an auto-increment key also reads and writes SQLite's sqlite_sequence row, so a
    // statement per record did that once per ack. Chunks of 64, 32, ... 1 rows keep the texts few
    // and cached.
    void record_attempts(std::span<const claim_ref> refs, std::span<const completion> cs,
                         std::span<const std::size_t> which, error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            std::vector<engine::value> args;
            for (std::size_t from = 0; from < which.size();) {
                std::size_t k = attempt_chunks.size() - 1;
                while (attempt_chunks[k] > which.size() - from)
                    --k;
                const std::size_t n = attempt_chunks[k];
                args.clear();
                args.reserve(7 * n);
                for (std::size_t j = from; j < from + n; ++j) {
                    const claim_ref& ref = refs[which[j]];
                    const completion& c = cs[which[j]];
                    args.emplace_back(ref.id.to_string());
                    args.emplace_back(detail::es::ms(c.now));
                    args.emplace_back(std::string(to_string(c.status)));
                    args.push_back(c.response_code ? engine::value(*c.response_code) : engine::value());
                    args.emplace_back(std::int64_t(c.duration.count()));
                    args.push_back(c.error ? engine::value(*c.error) : engine::value());
                    args.emplace_back(static_cast<std::int64_t>(ref.sequence));
                }
                engine_.query(sql_.insert_attempts[k], args, [](std::span<const engine::cell_view>) {}, ec,
                              diag);
                if (ec)
                    return;
                from += n;
            }
        } else {
            (void)refs;
            (void)cs;
            (void)which;
            (void)ec;
            (void)diag;
        }
    }

    // Attempt records written under schema version 3 have no `delivery_seq`: fill it in from their
    // delivery rows, in bounded transactions (a record whose row is gone has no owner and goes).
    bool backfill_attempt_sequences(error_code& ec, diagnostics& diag) {
        for (;;) {
            engine::find_options fo;
            fo.where = engine::col("delivery_seq").is_null();
            fo.fields = {"seq", "delivery_id"};
            fo.limit = 1000;
            auto rows = engine_.find(attempt_table_, fo, ec, diag);
            if (ec)
                return false;
            if (rows.empty())
                return true;
            engine::transaction<Engine> tx(engine_, ec, diag);
            if (ec)
                return false;
            for (const auto& r : rows) {
                engine::find_options owner;
                owner.where = engine::col("id") == r["delivery_id"];
                owner.fields = {"seq"};
                auto found = engine_.find_one(params_.table, owner, ec, diag);
                if (!ec && found)
                    engine_.update(attempt_table_, engine::col("seq") == r["seq"],
                                   {engine::set("delivery_seq", (*found)["seq"])}, ec, diag);
                else if (!ec)
                    engine_.remove(attempt_table_, engine::col("seq") == r["seq"], ec, diag);
                if (ec)
                    return false;
            }
            tx.commit(ec, diag);
            if (ec)
                return false;
        }
    }

    // The `seq` of the delivery row `ref` names (looked up when the reference does not carry it).
    std::int64_t delivery_seq_of(const claim_ref& ref, error_code& ec, diagnostics& diag) {
        if (ref.sequence != 0)
            return static_cast<std::int64_t>(ref.sequence);
        engine::find_options fo;
        fo.where = engine::col("id") == ref.id.to_string();
        fo.fields = {"seq"};
        auto r = engine_.find_one(params_.table, fo, ec, diag);
        if (ec || !r)
            return 0;
        return (*r)["seq"].as_integer();
    }

    static void tally_failing(const std::vector<engine::record>& rows, detail::failure_tally& tally) {
        for (const auto& r : rows) {
            const auto& w = r["webhook_id"];
            const auto& st = r["status"];
            const auto& e = r["error"];
            const auto& at = r["updated_at"];
            if (w.is_null() || st.is_null() || at.type() != engine::value::kind::integer)
                continue;
            std::optional<std::string> error;
            if (e.type() == engine::value::kind::text || e.type() == engine::value::kind::json)
                error = e.as_text();
            tally.add(w.as_text(), st.as_text() == "dead" ? delivery_status::dead : delivery_status::pending, error,
                      detail::es::from_ms(at.as_integer()), static_cast<std::uint64_t>(r["seq"].as_integer()));
        }
    }

    static engine::filter terminal() { return engine::col("status").in({"success", "failed", "dead"}); }

    // The reset of `redeliver`, as column changes.
    static std::vector<engine::change> redelivery_reset(timestamp now) {
        return {engine::set("status", "pending"),      engine::set("attempts", 0),
                engine::set("claimed_by", nullptr),    engine::set("claimed_at", nullptr),
                engine::set("claim_token", 0),         engine::set("next_retry_at", nullptr),
                engine::set("last_attempted_at", nullptr), engine::set("response_code", nullptr),
                engine::set("response_body", nullptr), engine::set("error", nullptr),
                engine::set("duration_ms", nullptr),   engine::set("updated_at", detail::es::ms(now))};
    }

    struct decode_failure {
        std::int64_t seq = 0;
        detail::es::decode_error error;
    };

    // Selects up to `limit` matching keys, then deletes their attempt history, their payloads and
    // the rows (inside the caller's transaction).
    std::size_t generic_purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag) {
        engine::find_options fo;
        fo.where = detail::es::to_filter(f);
        fo.fields = {"seq", "id"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = limit;
        auto rows = engine_.find(params_.table, fo, ec, diag);
        if (ec || rows.empty())
            return 0;
        // One statement per key, each an equality on an index (see replay).
        std::size_t n = 0;
        for (const auto& r : rows) {
            engine_.remove(attempt_table_, engine::col("delivery_seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
            engine_.remove(payload_table_, engine::col("seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
            n += engine_.remove(params_.table, engine::col("seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
        }
        return n;
    }

    std::size_t generic_release(const claim_ref& ref, const release_request& rr, error_code& ec, diagnostics& diag) {
        engine::filter f = engine::col("id") == ref.id.to_string() &&
                           engine::col("claim_token") == static_cast<std::int64_t>(ref.claim_token) &&
                           engine::col("status") == "in_flight";
        if (ref.sequence != 0)
            f = engine::col("seq") == static_cast<std::int64_t>(ref.sequence) && std::move(f);
        std::vector<engine::change> ch{
            engine::set("status", std::string(to_string(rr.status))), engine::set("claimed_by", nullptr),
            engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
            engine::set("next_retry_at", detail::es::opt_ms(rr.next_retry_at)),
            engine::set("updated_at", detail::es::ms(rr.now))};
        if (rr.error)
            ch.push_back(engine::set("error", *rr.error));
        return engine_.update(params_.table, f, ch, ec, diag);
    }

    std::size_t generic_complete(const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        engine::filter f = engine::col("id") == ref.id.to_string() &&
                           engine::col("claim_token") == static_cast<std::int64_t>(ref.claim_token) &&
                           engine::col("status") == "in_flight";
        if (ref.sequence != 0)
            f = engine::col("seq") == static_cast<std::int64_t>(ref.sequence) && std::move(f);
        const std::int64_t now = detail::es::ms(c.now);
        return engine_.update(
            params_.table, f,
            {engine::set("status", std::string(to_string(c.status))), engine::add("attempts", 1),
             engine::set("claimed_by", nullptr), engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
             engine::set("next_retry_at", detail::es::opt_ms(c.next_retry_at)),
             engine::set("response_code", c.response_code ? engine::value(*c.response_code) : engine::value()),
             engine::set("response_body", c.response_body ? engine::value(*c.response_body) : engine::value()),
             engine::set("error", c.error ? engine::value(*c.error) : engine::value()),
             engine::set("duration_ms", std::int64_t(c.duration.count())), engine::set("last_attempted_at", now),
             engine::set("updated_at", now)},
            ec, diag);
    }

    // ----- the native path: one SQL statement per step -----

    static constexpr std::array<std::size_t, 7> attempt_chunks{1, 2, 4, 8, 16, 32, 64};
    static constexpr std::size_t payload_chunk = 64;

    struct sql_text {
        std::string insert, insert_payload, find_pair, reap, claim_all, claim_partition, complete_by_seq;
        std::string complete_by_id, insert_attempt, release_by_seq, release_by_id, seq_of_id, attempts_of;
        std::string failures, payloads;
        std::array<std::string, attempt_chunks.size()> insert_attempts;  // of attempt_chunks[i] rows
    };

    void build_sql() {
        const std::string t = detail::es::quote(params_.table);
        std::string cols;
        for (auto c : delivery_columns) {
            if (!cols.empty())
                cols += ", ";
            cols += c;
        }
        std::string names, marks;
        for (std::size_t i = 0; i < detail::es::insert_columns.size(); ++i) {
            names += (i ? ", " : "") + std::string(detail::es::insert_columns[i]);
            marks += (i ? ", ?" : "?") + std::to_string(i + 1);
        }
        sql_.insert = "INSERT INTO " + t + " (" + names + ") VALUES (" + marks +
                      ") ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq";
        const std::string pt = detail::es::quote(payload_table_);
        sql_.insert_payload = "INSERT INTO " + pt + " (seq, payload_json, payload_raw) VALUES (?1, ?2, ?3)";
        sql_.find_pair = "SELECT id FROM " + t + " WHERE event_id = ?1 AND webhook_id = ?2";
        sql_.reap = "UPDATE " + t +
                    " SET status = 'pending', claimed_by = NULL, claimed_at = NULL, claim_token = 0, updated_at = ?2"
                    " WHERE status = 'in_flight' AND claimed_at < ?1";
        // The payloads of the claimed rows are read after the claims, by seq (not in the RETURNING,
        // which would copy each payload into its buffer before handing it over).
        sql_.payloads = "SELECT seq, payload_json, payload_raw FROM " + pt + " WHERE seq IN (";
        for (std::size_t i = 0; i < payload_chunk; ++i)
            sql_.payloads += (i ? ", ?" : "?") + std::to_string(i + 1);
        sql_.payloads += ")";
        const std::string& returned = cols;
        auto claim = [&](bool partition) {
            return "UPDATE " + t +
                   " SET status = 'in_flight', claimed_by = ?1, claimed_at = ?2, updated_at = ?2,"
                   " claim_token = ?3 + seq WHERE seq IN (SELECT seq FROM " +
                   t +
                   " WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= ?2)" +
                   (partition ? " AND partition_key = ?5" : "") + " ORDER BY seq LIMIT ?4) RETURNING " +
                   returned;
        };
        sql_.claim_all = claim(false);
        sql_.claim_partition = claim(true);
        std::string set = "UPDATE " + t +
                          " SET status = ?1, attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL,"
                          " claim_token = 0, next_retry_at = ?2, response_code = ?3, response_body = ?4, error = ?5,"
                          " duration_ms = ?6, last_attempted_at = ?7, updated_at = ?7";
        sql_.complete_by_seq = set + " WHERE seq = ?8 AND id = ?9 AND claim_token = ?10 AND status = 'in_flight'";
        sql_.complete_by_id = set + " WHERE id = ?9 AND claim_token = ?10 AND status = 'in_flight' AND ?8 = 0";

        const std::string at = detail::es::quote(attempt_table_);
        // ?7 is the delivery's seq when the ack knows it, 0 when it does not (then looked up).
        auto attempt_values = [&](std::size_t first) {
            auto p = [&](std::size_t i) { return "?" + std::to_string(first + i); };
            return "(" + p(0) + ", CASE WHEN " + p(6) + " <> 0 THEN " + p(6) + " ELSE (SELECT seq FROM " + t +
                   " WHERE id = " + p(0) + ") END, " + p(1) + ", " + p(2) + ", " + p(3) + ", " + p(4) + ", " +
                   p(5) + ")";
        };
        const std::string insert_attempt_into =
            "INSERT INTO " + at +
            " (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error) VALUES ";
        sql_.insert_attempt = insert_attempt_into + attempt_values(1);
        for (std::size_t k = 0; k < attempt_chunks.size(); ++k) {
            std::string& q = sql_.insert_attempts[k];
            q = insert_attempt_into;
            for (std::size_t row = 0; row < attempt_chunks[k]; ++row)
                q += (row ? ", " : "") + attempt_values(1 + 7 * row);
        }
        std::string release = "UPDATE " + t +
                              " SET status = ?1, claimed_by = NULL, claimed_at = NULL, claim_token = 0,"
                              " next_retry_at = ?2, error = COALESCE(?3, error), updated_at = ?4";
        sql_.release_by_seq = release + " WHERE seq = ?5 AND id = ?6 AND claim_token = ?7 AND status = 'in_flight'";
        sql_.release_by_id = release + " WHERE id = ?6 AND claim_token = ?7 AND status = 'in_flight' AND ?5 = 0";
        sql_.seq_of_id = "SELECT seq FROM " + t + " WHERE id = ?1";
        std::string acols;
        for (auto c : attempt_columns)
            acols += (acols.empty() ? "" : ", ") + std::string(c);
        sql_.attempts_of = "SELECT " + acols + " FROM " + at + " WHERE delivery_seq = ?1 ORDER BY seq";
        // Count per webhook, keep the `limit` most failing, then fetch each one's latest error. The
        // dead rows and the retrying ones are read apart, each through its own partial index (one
        // OR over both would read the whole table).
        sql_.failures =
            "SELECT g.webhook_id, g.dead, g.retrying, g.last_failed_at, (SELECT x.error FROM " + t +
            " AS x WHERE x.webhook_id = g.webhook_id AND (x.status = 'dead' OR (x.status = 'pending' AND x.attempts > 0))"
            " ORDER BY x.updated_at DESC, x.seq DESC LIMIT 1)"
            " FROM (SELECT webhook_id, SUM(dead) AS dead, SUM(1 - dead) AS retrying,"
            " MAX(updated_at) AS last_failed_at"
            " FROM (SELECT webhook_id, 1 AS dead, updated_at FROM " + t + " WHERE status = 'dead'"
            " UNION ALL SELECT webhook_id, 0, updated_at FROM " + t +
            " WHERE status = 'pending' AND attempts > 0)"
            " GROUP BY webhook_id ORDER BY COUNT(*) DESC, webhook_id LIMIT ?1) AS g"
            " ORDER BY g.dead + g.retrying DESC, g.webhook_id";
    }

    std::size_t native_replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec,
                              diagnostics& diag) {
        if constexpr (has_sql) {
            const std::string t = detail::es::quote(params_.table);
            std::vector<engine::value> args{engine::value(detail::es::ms(now))};
            std::string sql = "UPDATE " + t +
                              " SET status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL,"
                              " claim_token = 0, next_retry_at = NULL, last_attempted_at = NULL, response_code = NULL,"
                              " response_body = NULL, error = NULL, duration_ms = NULL, updated_at = ?1"
                              " WHERE seq IN (SELECT seq FROM " + t + " WHERE status IN ('success', 'failed', 'dead')";
            detail::es::append_conditions(f, sql, args);
            args.emplace_back(static_cast<std::int64_t>(limit));
            sql += " ORDER BY seq LIMIT ?" + std::to_string(args.size()) + ")";
            return engine_.query(sql, args, [](std::span<const engine::cell_view>) {}, ec, diag);
        } else {
            (void)f;
            (void)limit;
            (void)now;
            (void)ec;
            (void)diag;
            return 0;
        }
    }

    // One bounded DELETE of the rows, returning their seqs, then their history and their payloads,
    // chunk by chunk (inside the caller's transaction).
    std::size_t native_purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            const std::string t = detail::es::quote(params_.table);
            std::vector<engine::value> args;
            std::string sql = "DELETE FROM " + t + " WHERE seq IN (SELECT seq FROM " + t + " WHERE 1 = 1";
            detail::es::append_conditions(f, sql, args);
            args.emplace_back(static_cast<std::int64_t>(limit));
            sql += " ORDER BY seq LIMIT ?" + std::to_string(args.size()) + ") RETURNING seq";
            std::vector<engine::value> ids;
            engine_.query(sql, args, [&](std::span<const engine::cell_view> row) {
                    ids.emplace_back(row[0].integer);
                }, ec, diag);
            if (ec || ids.empty())
                return 0;
            // A fixed chunk (the last id repeated to fill it) keeps one statement text in the cache.
            constexpr std::size_t chunk = 32;
            std::string in;
            for (std::size_t i = 0; i < chunk; ++i)
                in += (i ? ", ?" : "?") + std::to_string(i + 1);
            const std::string deletes[] = {
                "DELETE FROM " + detail::es::quote(attempt_table_) + " WHERE delivery_seq IN (" + in + ")",
                "DELETE FROM " + detail::es::quote(payload_table_) + " WHERE seq IN (" + in + ")"};
            std::vector<engine::value> part(chunk);
            for (std::size_t from = 0; from < ids.size(); from += chunk) {
                for (std::size_t i = 0; i < chunk; ++i)
                    part[i] = ids[std::min(from + i, ids.size() - 1)];
                for (const auto& del : deletes) {
                    engine_.query(del, part, [](std::span<const engine::cell_view>) {}, ec, diag);
                    if (ec)
                        return 0;
                }
            }
            return ids.size();
        } else {
            (void)f;
            (void)limit;
            (void)ec;
            (void)diag;
            return 0;
        }
    }

    std::size_t native_release(const claim_ref& ref, const release_request& rr, error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            std::array<engine::value, 7> args{engine::value(std::string(to_string(rr.status))),
                                              detail::es::opt_ms(rr.next_retry_at),
                                              rr.error ? engine::value(*rr.error) : engine::value(),
                                              engine::value(detail::es::ms(rr.now)),
                                              engine::value(static_cast<std::int64_t>(ref.sequence)),
                                              engine::value(ref.id.to_string()),
                                              engine::value(static_cast<std::int64_t>(ref.claim_token))};
            return engine_.query(ref.sequence != 0 ? sql_.release_by_seq : sql_.release_by_id, args,
                                 [](std::span<const engine::cell_view>) {}, ec, diag);
        } else {
            (void)ref;
            (void)rr;
            (void)ec;
            (void)diag;
            return 0;
        }
    }

    std::vector<webhook_failures> native_failures(std::size_t limit, error_code& ec, diagnostics& diag) {
        std::vector<webhook_failures> out;
        if constexpr (has_sql) {
            std::array<engine::value, 1> args{engine::value(static_cast<std::int64_t>(limit))};
            engine_.query(sql_.failures, args, [&](std::span<const engine::cell_view> row) {
                    webhook_failures w;
                    w.webhook_id.assign(row[0].text);
                    w.dead = static_cast<std::size_t>(row[1].integer);
                    w.retrying = static_cast<std::size_t>(row[2].integer);
                    if (row[3].type == engine::value::kind::integer)
                        w.last_failed_at = detail::es::from_ms(row[3].integer);
                    if (row[4].type == engine::value::kind::text || row[4].type == engine::value::kind::json)
                        w.last_error.emplace(row[4].text);
                    out.push_back(std::move(w));
                }, ec, diag);
            if (ec)
                return {};
        } else {
            (void)limit;
            (void)ec;
            (void)diag;
        }
        return out;
    }

    enqueue_result native_insert(const delivery& d, error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            auto values = detail::es::insert_values(d);
            std::optional<std::int64_t> seq;
            auto returned = [&](std::span<const engine::cell_view> row) { seq = row[0].integer; };
            engine_.query(sql_.insert, values, returned, ec, diag);
            if (ec)
                return {};
            if (seq) {
                auto payload = detail::es::payload_values(*seq, d.payload);
                engine_.query(sql_.insert_payload, payload, [](std::span<const engine::cell_view>) {}, ec,
                              diag);
                if (ec)
                    return {};
                return {d.id, true};
            }
            std::array<engine::value, 2> key{engine::value(d.event_id), engine::value(d.webhook_id)};
            std::optional<delivery_id> existing;
            error_code idec;
            engine_.query(sql_.find_pair, key, [&](std::span<const engine::cell_view> row) {
                    existing = delivery_id::parse(row[0].text, idec);
                }, ec, diag);
            if (ec)
                return {};
            if (!existing || idec) {
                fail(ec, diag, errc::storage_failure, "event_id",
                     "enqueue: the insert of event_id '" + d.event_id + "', webhook_id '" + d.webhook_id +
                         "' conflicted, but no row with that pair was found");
                return {};
            }
            return {*existing, false};
        } else {
            (void)d;
            (void)ec;
            (void)diag;
            return {};
        }
    }

    // One partition's claim, without the payloads: rows that cannot be read go to `corrupt`.
    void native_claim(const claim_query& q, bool reaps, std::vector<delivery>& out, corrupt_rows& corrupt,
                      error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            const std::int64_t now = detail::es::ms(q.now);
            if (reaps) {
                std::array<engine::value, 2> reap_args{engine::value(detail::es::ms(q.reap_before)),
                                                       engine::value(now)};
                engine_.query(sql_.reap, reap_args, [](std::span<const engine::cell_view>) {}, ec, diag);
                if (ec)
                    return;
            }
            std::vector<engine::value> args{engine::value(std::string(q.node_id)), engine::value(now),
                                            engine::value(detail::es::claim_nonce()),
                                            engine::value(static_cast<std::int64_t>(q.limit))};
            if (q.partition)
                args.emplace_back(*q.partition);
            out.reserve(q.limit < 1024 ? q.limit : 1024);
            engine_.query(q.partition ? sql_.claim_partition : sql_.claim_all, args,
                          [&](std::span<const engine::cell_view> row) {
                              delivery d;
                              error_code dec;
                              diagnostics ddiag;
                              if (decode_row_cells(row, d, dec, ddiag))
                                  out.push_back(std::move(d));
                              else
                                  corrupt.emplace_back(row[0].integer, ddiag.message());
                          },
                          ec, diag);
            if (ec)
                return;
            // RETURNING does not promise an order.
            std::sort(out.begin(), out.end(), [](const delivery& a, const delivery& b) { return a.sequence < b.sequence; });
        } else {
            (void)q;
            (void)reaps;
            (void)out;
            (void)corrupt;
            (void)ec;
            (void)diag;
        }
    }

    // The reap covers every partition: once per transaction, unless a claim asks for another one.
    static bool reaps(std::span<const claim_query> qs, std::size_t i) noexcept {
        return i == 0 || qs[i].reap_before != qs[i - 1].reap_before || qs[i].now != qs[i - 1].now;
    }

    // The claims of `qs` (each after the ones before it, up to `max_total` rows in all), then the
    // payloads of every row claimed, then the burial of the rows that could not be read.
    void native_claim_all(std::span<const claim_query> qs, std::size_t max_total,
                          std::span<std::vector<delivery>> out, error_code& ec, diagnostics& diag) {
        corrupt_rows corrupt;
        for (std::size_t i = 0; i < qs.size() && max_total > 0; ++i) {
            claim_query q = qs[i];
            q.limit = std::min(q.limit, max_total);
            native_claim(q, reaps(qs, i), out[i], corrupt, ec, diag);
            if (ec)
                return;
            max_total -= out[i].size();
        }
        native_payloads(out, corrupt, ec, diag);
        if (ec)
            return;
        const std::int64_t now = qs.empty() ? 0 : detail::es::ms(qs.front().now);
        for (const auto& [seq, reason] : corrupt) {
            bury(seq, now, reason, ec, diag);
            if (ec)
                return;
        }
    }

    // Reads the payloads of the claimed rows in `outs`, by seq, 64 to a statement (the last seq
    // repeated to fill it, so that one text stays cached). A row whose payload row is missing or
    // cannot be read leaves its vector for `corrupt`, with the reason.
    void native_payloads(std::span<std::vector<delivery>> outs, corrupt_rows& corrupt, error_code& ec,
                         diagnostics& diag) {
        if constexpr (has_sql) {
            struct wanted {
                std::int64_t seq;
                delivery* d;
                bool read = false;
                std::string bad;
            };
            std::vector<wanted> rows;
            for (auto& v : outs)
                for (auto& d : v)
                    rows.push_back(wanted{static_cast<std::int64_t>(d.sequence), &d});
            if (rows.empty())
                return;
            auto by_seq = [](const wanted& a, const wanted& b) { return a.seq < b.seq; };
            std::sort(rows.begin(), rows.end(), by_seq);
            std::vector<engine::value> args(payload_chunk);
            for (std::size_t from = 0; from < rows.size(); from += payload_chunk) {
                for (std::size_t i = 0; i < payload_chunk; ++i)
                    args[i] = engine::value(rows[std::min(from + i, rows.size() - 1)].seq);
                engine_.query(sql_.payloads, args, [&](std::span<const engine::cell_view> row) {
                        auto it = std::lower_bound(rows.begin(), rows.end(), wanted{row[0].integer, nullptr},
                                                   by_seq);
                        if (it == rows.end() || it->seq != row[0].integer || it->read)
                            return;
                        it->read = true;
                        detail::es::decode_error err;
                        if (!detail::es::decode_payload(row[1], row[2], *it->d, err, payload_table_))
                            it->bad = corrupt_text(*it->d, err);
                    }, ec, diag);
                if (ec)
                    return;
            }
            std::vector<std::int64_t> buried;
            for (auto& w : rows) {
                if (!w.read) {
                    detail::es::decode_error err{std::string(payload_columns[1]),
                                                 detail::es::missing_payload(payload_table_)};
                    w.bad = corrupt_text(*w.d, err);
                }
                if (!w.bad.empty()) {
                    corrupt.emplace_back(w.seq, std::move(w.bad));
                    buried.push_back(w.seq);
                }
            }
            if (buried.empty())
                return;
            std::sort(buried.begin(), buried.end());
            for (auto& v : outs)
                std::erase_if(v, [&](const delivery& d) {
                    auto seq = static_cast<std::int64_t>(d.sequence);
                    return std::binary_search(buried.begin(), buried.end(), seq);
                });
        } else {
            (void)outs;
            (void)corrupt;
            (void)ec;
            (void)diag;
        }
    }

    // What get and list report, and a claim buries with, for a row that cannot be read.
    std::string corrupt_text(const delivery& d, const detail::es::decode_error& err) const {
        return "Delivery row '" + d.id.to_string() + "' in table '" + params_.table + "': column " +
               err.column + ": " + err.reason;
    }

    std::size_t native_complete(const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        if constexpr (has_sql) {
            const std::int64_t now = detail::es::ms(c.now);
            std::array<engine::value, 10> args{
                engine::value(std::string(to_string(c.status))),
                detail::es::opt_ms(c.next_retry_at),
                c.response_code ? engine::value(*c.response_code) : engine::value(),
                c.response_body ? engine::value(*c.response_body) : engine::value(),
                c.error ? engine::value(*c.error) : engine::value(),
                engine::value(std::int64_t(c.duration.count())),
                engine::value(now),
                engine::value(static_cast<std::int64_t>(ref.sequence)),
                engine::value(ref.id.to_string()),
                engine::value(static_cast<std::int64_t>(ref.claim_token))};
            return engine_.query(ref.sequence != 0 ? sql_.complete_by_seq : sql_.complete_by_id, args,
                                 [](std::span<const engine::cell_view>) {}, ec, diag);
        } else {
            (void)ref;
            (void)c;
            (void)ec;
            (void)diag;
            return 0;
        }
    }

    Engine engine_;
    engine_storage_params params_;
    std::string attempt_table_;
    std::string payload_table_;
    sql_text sql_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_ENGINE_STORAGE_HPP
