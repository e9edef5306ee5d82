//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_ENGINE_STORAGE_HPP
#define HOOKBOX_STORAGE_ENGINE_STORAGE_HPP

/// \file
/// `engine_storage<Engine>`: the outbox over any data engine, in the delivery tables of
/// `delivery_schema.hpp`, through the `data_engine` statements alone.

#include <hookbox/delivery.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/storage/detail/delivery_rows.hpp>
#include <hookbox/storage/detail/pending_by_partition.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hookbox {

/// How an `engine_storage` is set up.
using engine_storage_params = delivery_table_params;

/// An `outbox_storage` over any `data_engine`: deliveries are rows of the delivery table
/// (`delivery_schema.hpp`), so they are as durable as the engine, and several processes sharing one
/// database share one outbox. On an engine that runs SQL (`engine::sql_engine`), `sql_storage` does
/// the same in fewer statements.
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
/// A stored row that cannot be decoded (corrupt JSON, an unknown status, no payload row) is
/// reported by `get` and `list` as `errc::corrupt_row`, naming the row and the column; `claim` marks
/// such a row `dead` with the reason in `error`, and claims the rows after it.
///
/// Thread-safety: as safe as the engine; both engines hookbox ships run one statement or transaction
/// at a time, so an `engine_storage` over them may be used from several threads at once.
///
/// \tparam Engine a model of `engine::data_engine` (`memory_engine`, `sqlite_engine`, yours).
template <engine::data_engine Engine>
class engine_storage {
public:
    using engine_type = Engine;

    /// `list` applies every filter of `list_options` (see `outbox_storage`).
    static constexpr bool lists_by_event_and_time = true;

    /// Takes the engine and, unless `params.migrate` is false, migrates the delivery tables. Throws
    /// `error_with_diagnostics` on failure (`errc::schema_error` naming `table` for a bad name,
    /// `errc::schema_too_new`, the engine's errors).
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
        // The row and its payload row commit together.
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        auto r = insert_one(tx, d, ec, diag);
        if (ec)
            return {};
        tx.commit(ec, diag);
        return ec ? enqueue_result{} : r;
    }

    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        std::vector<enqueue_result> out;
        out.reserve(ds.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        for (auto& d : ds) {
            out.push_back(insert_one(tx, d, ec, diag));
            if (ec)
                return {};
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    [[nodiscard]] std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics& diag) {
        std::vector<delivery> out;
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        claim_one(tx, q, true, out, ec, diag);
        if (ec)
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    [[nodiscard]] std::vector<std::vector<delivery>> claim_many(std::span<const claim_query> qs, std::size_t max_total,
                                                  error_code& ec, diagnostics& diag) {
        std::vector<std::vector<delivery>> out(qs.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        for (std::size_t i = 0; i < qs.size() && max_total > 0; ++i) {
            claim_query q = qs[i];
            q.limit = std::min(q.limit, max_total);
            // The reap covers every partition: once per transaction, unless a claim asks for another.
            bool reap = i == 0 || qs[i].reap_before != qs[i - 1].reap_before || qs[i].now != qs[i - 1].now;
            claim_one(tx, q, reap, out[i], ec, diag);
            if (ec)
                return {};
            max_total -= out[i].size();
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        // The row's update and its attempt record commit together.
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return;
        if (!complete_one(tx, ref, c, ec, diag))
            return;
        tx.commit(ec, diag);
    }

    [[nodiscard]] std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics& diag) {
        std::vector<error_code> out(refs.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            complete_one(tx, refs[i], cs[i], out[i], one);
            // Per-entry outcomes are returned; anything else fails the batch.
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

    [[nodiscard]] std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) {
        auto r = engine_.find_one(params_.table, all_columns(engine::col("id") == id.to_string()), ec, diag);
        if (ec || !r)
            return std::nullopt;
        auto payloads = read_payloads(engine_, {(*r)["seq"]}, ec, diag);
        if (ec)
            return std::nullopt;
        delivery d;
        if (!decode_record(*r, payloads, d, ec, diag))
            return std::nullopt;
        return redacted(std::move(d));
    }

    [[nodiscard]] list_page list(const list_options& lo, error_code& ec, diagnostics& diag) {
        engine::filter f = engine::col("seq") > std::int64_t(lo.after_sequence.value_or(0));
        if (lo.status)
            f = std::move(f) && engine::col("status") == std::string(to_string(*lo.status));
        if (lo.webhook_id)
            f = std::move(f) && engine::col("webhook_id") == *lo.webhook_id;
        if (lo.event_id)
            f = std::move(f) && engine::col("event_id") == *lo.event_id;
        if (lo.created_from)
            f = std::move(f) && engine::col("created_at") >= detail::rows::ms(*lo.created_from);
        if (lo.created_before)
            f = std::move(f) && engine::col("created_at") < detail::rows::ms(*lo.created_before);
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
        auto payloads = read_payloads(engine_, std::move(seqs), ec, diag);
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
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        const std::string ids = id.to_string();
        std::size_t n = tx.update(params_.table, engine::col("id") == ids && terminal(), redelivery_reset(now), ec, diag);
        if (ec)
            return {};
        if (n == 0) {
            engine::find_options fo;
            fo.where = engine::col("id") == ids;
            fo.fields = {"status"};
            auto r = tx.find_one(params_.table, fo, ec, diag);
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
        auto r = tx.find_one(params_.table, all_columns(engine::col("id") == ids), ec, diag);
        if (ec)
            return {};
        if (!r) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        delivery d;
        auto payloads = read_payloads(tx, {(*r)["seq"]}, ec, diag);
        if (ec || !decode_record(*r, payloads, d, ec, diag))
            return {};
        tx.commit(ec, diag);
        if (ec)
            return {};
        return redacted(std::move(d));
    }

    [[nodiscard]] outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) {
        outbox_stats st;
        for (std::size_t i = 0; i < delivery_status_count; ++i) {
            auto s = static_cast<delivery_status>(i);
            st.by_status[i] =
                engine_.count(params_.table, engine::col("status") == std::string(to_string(s)), ec, diag);
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
            st.oldest_pending_age = now - detail::rows::from_ms((*r)["created_at"].as_integer());
        return st;
    }

    /// Pending rows per partition: one read of the pending rows' partition and time, by `seq`.
    [[nodiscard]] std::vector<partition_depth> partition_stats(timestamp now, error_code& ec, diagnostics& diag) {
        return detail::pending_by_partition(engine_, params_.table, now, ec, diag);
    }

    std::size_t replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics& diag) {
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return 0;
        engine::find_options fo;
        fo.where = terminal() && to_filter(f);
        fo.fields = {"seq"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = limit;
        auto rows = tx.find(params_.table, fo, ec, diag);
        if (ec || rows.empty())
            return 0;
        // One statement per key: an equality on the primary key is indexed by every engine.
        const auto reset = redelivery_reset(now);
        std::size_t n = 0;
        for (const auto& r : rows) {
            n += tx.update(params_.table, engine::col("seq") == r["seq"] && terminal(), reset, ec, diag);
            if (ec)
                return 0;
        }
        tx.commit(ec, diag);
        return ec ? 0 : n;
    }

    std::size_t count(const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics& diag) {
        return engine_.count(params_.table, terminal_only ? terminal() && to_filter(f) : to_filter(f), ec, diag);
    }

    std::size_t purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag) {
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return 0;
        // Selects up to `limit` matching keys, then deletes their attempt history, their payloads and
        // the rows, one statement per key (each an equality on an index).
        engine::find_options fo;
        fo.where = to_filter(f);
        fo.fields = {"seq", "id"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = limit;
        auto rows = tx.find(params_.table, fo, ec, diag);
        if (ec || rows.empty())
            return 0;
        std::size_t n = 0;
        for (const auto& r : rows) {
            tx.remove(attempt_table_, engine::col("delivery_seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
            tx.remove(payload_table_, engine::col("seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
            n += tx.remove(params_.table, engine::col("seq") == r["seq"], ec, diag);
            if (ec)
                return 0;
        }
        tx.commit(ec, diag);
        return ec ? 0 : n;
    }

    [[nodiscard]] std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics& diag) {
        std::vector<error_code> out(refs.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            std::vector<engine::change> ch{
                engine::set("status", std::string(to_string(rr.status))), engine::set("claimed_by", nullptr),
                engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
                engine::set("next_retry_at", detail::rows::opt_ms(rr.next_retry_at)),
                engine::set("updated_at", detail::rows::ms(rr.now))};
            if (rr.error)
                ch.push_back(engine::set("error", *rr.error));
            std::size_t n = tx.update(params_.table, fenced(refs[i]), ch, out[i], one);
            if (!out[i] && n != 1)
                explain_miss(tx, refs[i], out[i], one);
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

    [[nodiscard]] std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) {
        const std::string ids = id.to_string();
        engine::find_options row;
        row.where = engine::col("id") == ids;
        row.fields = {"seq"};
        auto found = engine_.find_one(params_.table, row, ec, diag);
        if (ec)
            return {};
        if (!found) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        engine::find_options fo;
        fo.where = engine::col("delivery_seq") == (*found)["seq"].as_integer();
        fo.fields.assign(attempt_columns.begin(), attempt_columns.end());
        fo.order = {engine::order_by{"seq"}};
        auto rows = engine_.find(attempt_table_, fo, ec, diag);
        if (ec)
            return {};
        std::vector<attempt_record> out;
        std::vector<engine::cell_view> cells;
        for (const auto& r : rows) {
            cells.resize(r.size());
            for (std::size_t i = 0; i < r.size(); ++i)
                cells[i] = detail::rows::to_cell(r.at(i).value);
            attempt_record a;
            detail::rows::decode_error err;
            if (!detail::rows::decode_attempt(cells, a, err)) {
                detail::rows::fail_attempt_corrupt(ec, diag, cells.empty() ? 0 : cells[0].integer, ids, err);
                return {};
            }
            // Numbers are positions in the history: nothing but purge (with the row) deletes from it.
            a.number = static_cast<int>(out.size()) + 1;
            out.push_back(std::move(a));
        }
        return out;
    }

    [[nodiscard]] std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) {
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
                tally.add(w.as_text(), st.as_text() == "dead" ? delivery_status::dead : delivery_status::pending,
                          error, detail::rows::from_ms(at.as_integer()),
                          static_cast<std::uint64_t>(r["seq"].as_integer()));
            }
        }
        return tally.take(limit);
    }

private:
    struct uninitialized {};
    engine_storage(uninitialized, Engine e, engine_storage_params params)
        : engine_(std::move(e)), params_(std::move(params)) {}

    using transaction = typename Engine::transaction_type;

    bool init(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::rows::check_table_name(params_.table, ec, diag))
            return false;
        attempt_table_ = attempt_table(params_.table);
        payload_table_ = payload_table(params_.table);
        if (params_.migrate) {
            engine_.migrate(delivery_schema(params_.table), ec, diag);
            if (ec || !backfill_attempt_sequences(ec, diag))
                return false;
        }
        return true;
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
            auto tx = engine_.begin(ec, diag);
            if (ec)
                return false;
            for (const auto& r : rows) {
                engine::find_options owner;
                owner.where = engine::col("id") == r["delivery_id"];
                owner.fields = {"seq"};
                auto found = tx.find_one(params_.table, owner, ec, diag);
                if (!ec && found)
                    tx.update(attempt_table_, engine::col("seq") == r["seq"],
                              {engine::set("delivery_seq", (*found)["seq"])}, ec, diag);
                else if (!ec)
                    tx.remove(attempt_table_, engine::col("seq") == r["seq"], ec, diag);
                if (ec)
                    return false;
            }
            tx.commit(ec, diag);
            if (ec)
                return false;
        }
    }

    engine::find_options all_columns(engine::filter where) const {
        engine::find_options fo;
        fo.where = std::move(where);
        fo.fields.assign(delivery_columns.begin(), delivery_columns.end());
        return fo;
    }

    // The payload rows of the delivery rows `seqs`, by seq (one find; rows without one are absent).
    using payload_map = std::vector<std::pair<std::int64_t, engine::record>>;
    template <class Session>
    payload_map read_payloads(Session& s, std::vector<engine::value> seqs, error_code& ec, diagnostics& diag) {
        payload_map out;
        if (seqs.empty())
            return out;
        engine::find_options fo;
        fo.where = seqs.size() == 1 ? engine::col("seq") == std::move(seqs.front())
                                    : engine::col("seq").in(std::move(seqs));
        fo.fields.assign(payload_columns.begin(), payload_columns.end());
        for (auto& r : s.find(payload_table_, fo, ec, diag))
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
            detail::fail(ec, diag, errc::corrupt_row, "",
                         "Delivery row in table '" + params_.table + "': expected " +
                             std::to_string(delivery_column::count_) + " columns");
            return false;
        }
        for (std::size_t i = 0; i < delivery_column::count_; ++i)
            cells[i] = detail::rows::to_cell(r.at(i).value);
        const auto& seq = r.at(delivery_column::seq).value;
        if (seq.type() == engine::value::kind::integer) {
            auto it = std::lower_bound(payloads.begin(), payloads.end(), seq.as_integer(),
                                       [](const auto& p, std::int64_t s) { return p.first < s; });
            if (it != payloads.end() && it->first == seq.as_integer()) {
                cells[delivery_column::payload_json] = detail::rows::to_cell(it->second["payload_json"]);
                cells[delivery_column::payload_raw] = detail::rows::to_cell(it->second["payload_raw"]);
            }
        }
        detail::rows::decode_error err;
        if (detail::rows::decode(cells, d, err, payload_table_))
            return true;
        detail::rows::fail_corrupt(ec, diag, cells, params_.table, err);
        return false;
    }

    static delivery redacted(delivery&& d) {
        d.secret.clear();
        return std::move(d);
    }

    enqueue_result find_by_pair(transaction& tx, const delivery& d, error_code& ec, diagnostics& diag) {
        engine::find_options fo;
        fo.where = engine::col("event_id") == d.event_id && engine::col("webhook_id") == d.webhook_id;
        fo.fields = {"id"};
        auto r = tx.find_one(params_.table, fo, ec, diag);
        if (ec || !r)
            return {};
        error_code idec;
        auto id = delivery_id::parse((*r)["id"].as_text(), idec);
        if (idec) {
            detail::fail(ec, diag, errc::corrupt_row, "id",
                         "Delivery row with event_id '" + d.event_id + "' and webhook_id '" + d.webhook_id +
                             "' has an id that is not a UUID");
            return {};
        }
        return {id, false};
    }

    enqueue_result insert_one(transaction& tx, const delivery& d, error_code& ec, diagnostics& diag) {
        if (auto found = find_by_pair(tx, d, ec, diag); ec || !found.id.is_nil())
            return ec ? enqueue_result{} : found;
        engine::record r;
        auto values = detail::rows::insert_values(d);
        r.reserve(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            r.push_back(std::string(insert_columns[i]), std::move(values[i]));
        std::int64_t seq = tx.insert(params_.table, r, ec, diag);
        if (ec == errc::unique_violation) {
            // A concurrent enqueue of the same pair won between the lookup and the insert (which,
            // being one statement, changed nothing).
            error_code ec2;
            diagnostics diag2;
            auto winner = find_by_pair(tx, d, ec2, diag2);
            if (!ec2 && !winner.id.is_nil()) {
                ec.clear();
                diag.clear();
                return winner;
            }
            return {};
        }
        if (ec)
            return {};
        auto payload = detail::rows::payload_values(seq, d.payload);
        engine::record p;
        p.reserve(payload.size());
        for (std::size_t i = 0; i < payload.size(); ++i)
            p.push_back(std::string(payload_columns[i]), std::move(payload[i]));
        tx.insert(payload_table_, p, ec, diag);
        if (ec)
            return {};
        return {d.id, true};
    }

    void claim_one(transaction& tx, const claim_query& q, bool reap, std::vector<delivery>& out, error_code& ec,
                   diagnostics& diag) {
        const std::int64_t now = detail::rows::ms(q.now);
        if (reap) {
            tx.update(params_.table,
                      engine::col("status") == "in_flight" &&
                          engine::col("claimed_at") < detail::rows::ms(q.reap_before),
                      {engine::set("status", "pending"), engine::set("claimed_by", nullptr),
                       engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
                       engine::set("updated_at", now)},
                      ec, diag);
            if (ec)
                return;
        }
        engine::find_options fo;
        fo.where = engine::col("status") == "pending" &&
                   (engine::col("next_retry_at").is_null() || engine::col("next_retry_at") <= now);
        if (q.partition)
            fo.where = std::move(fo.where) && engine::col("partition_key") == *q.partition;
        fo.fields = {"seq"};
        fo.order = {engine::order_by{"seq"}};
        fo.limit = q.limit;
        auto candidates = tx.find(params_.table, fo, ec, diag);
        if (ec)
            return;
        const std::int64_t nonce = detail::rows::claim_nonce();
        std::vector<engine::value> taken;
        for (const auto& c : candidates) {
            std::int64_t seq = c["seq"].as_integer();
            std::size_t n = tx.update(params_.table, engine::col("seq") == seq && engine::col("status") == "pending",
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
        auto fo_rows = all_columns(engine::col("seq").in(taken));
        fo_rows.order = {engine::order_by{"seq"}};
        auto rows = tx.find(params_.table, fo_rows, ec, diag);
        if (ec)
            return;
        auto payloads = read_payloads(tx, std::move(taken), ec, diag);
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
            // A claimed row that cannot be decoded goes to `dead`, with the reason, so that it
            // neither blocks the rows after it nor comes back.
            tx.update(params_.table, engine::col("seq") == r["seq"].as_integer(),
                      {engine::set("status", "dead"), engine::set("claimed_by", nullptr),
                       engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
                       engine::set("error", "corrupt row: " + ddiag.message()), engine::set("updated_at", now)},
                      ec, diag);
            if (ec)
                return;
        }
    }

    // The row a claim reference names, fenced by its claim token (and its seq, when known).
    static engine::filter fenced(const claim_ref& ref) {
        engine::filter f = engine::col("id") == ref.id.to_string() &&
                           engine::col("claim_token") == static_cast<std::int64_t>(ref.claim_token) &&
                           engine::col("status") == "in_flight";
        if (ref.sequence != 0)
            f = engine::col("seq") == static_cast<std::int64_t>(ref.sequence) && std::move(f);
        return f;
    }

    // Applies a completion and appends its attempt record; true when it was applied, false with `ec`
    // set otherwise.
    bool complete_one(transaction& tx, const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        const std::int64_t now = detail::rows::ms(c.now);
        std::size_t n = tx.update(
            params_.table, fenced(ref),
            {engine::set("status", std::string(to_string(c.status))), engine::add("attempts", 1),
             engine::set("claimed_by", nullptr), engine::set("claimed_at", nullptr), engine::set("claim_token", 0),
             engine::set("next_retry_at", detail::rows::opt_ms(c.next_retry_at)),
             engine::set("response_code", c.response_code ? engine::value(*c.response_code) : engine::value()),
             engine::set("response_body", c.response_body ? engine::value(*c.response_body) : engine::value()),
             engine::set("error", c.error ? engine::value(*c.error) : engine::value()),
             engine::set("duration_ms", std::int64_t(c.duration.count())), engine::set("last_attempted_at", now),
             engine::set("updated_at", now)},
            ec, diag);
        if (ec)
            return false;
        if (n != 1) {
            explain_miss(tx, ref, ec, diag);
            return false;
        }
        std::int64_t seq = static_cast<std::int64_t>(ref.sequence);
        if (seq == 0) {
            engine::find_options fo;
            fo.where = engine::col("id") == ref.id.to_string();
            fo.fields = {"seq"};
            auto r = tx.find_one(params_.table, fo, ec, diag);
            if (ec)
                return false;
            seq = r ? (*r)["seq"].as_integer() : 0;
        }
        tx.insert(attempt_table_, detail::rows::attempt_row(ref.id, seq, c), ec, diag);
        return !ec;
    }

    // A fenced update matched nothing: tell an unknown row from a lost claim.
    void explain_miss(transaction& tx, const claim_ref& ref, error_code& ec, diagnostics& diag) {
        std::size_t exists = tx.count(params_.table, engine::col("id") == ref.id.to_string(), ec, diag);
        if (ec)
            return;
        if (exists == 0)
            return detail::fail_not_found(ec, diag, ref.id);
        detail::fail_claim_lost(ec, diag, ref.id);
    }

    static engine::filter terminal() { return engine::col("status").in({"success", "failed", "dead"}); }

    // The conditions of a delivery_filter.
    static engine::filter to_filter(const delivery_filter& f) {
        engine::filter w;
        if (f.status)
            w = std::move(w) && engine::col("status") == std::string(to_string(*f.status));
        if (f.webhook_id)
            w = std::move(w) && engine::col("webhook_id") == *f.webhook_id;
        if (f.created_from)
            w = std::move(w) && engine::col("created_at") >= detail::rows::ms(*f.created_from);
        if (f.created_before)
            w = std::move(w) && engine::col("created_at") < detail::rows::ms(*f.created_before);
        if (f.updated_before)
            w = std::move(w) && engine::col("updated_at") < detail::rows::ms(*f.updated_before);
        return w;
    }

    // The reset of `redeliver`, as column changes.
    static std::vector<engine::change> redelivery_reset(timestamp now) {
        return {engine::set("status", "pending"),      engine::set("attempts", 0),
                engine::set("claimed_by", nullptr),    engine::set("claimed_at", nullptr),
                engine::set("claim_token", 0),         engine::set("next_retry_at", nullptr),
                engine::set("last_attempted_at", nullptr), engine::set("response_code", nullptr),
                engine::set("response_body", nullptr), engine::set("error", nullptr),
                engine::set("duration_ms", nullptr),   engine::set("updated_at", detail::rows::ms(now))};
    }

    Engine engine_;
    engine_storage_params params_;
    std::string attempt_table_;
    std::string payload_table_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_ENGINE_STORAGE_HPP
