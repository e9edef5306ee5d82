//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_SQL_STORAGE_HPP
#define HOOKBOX_STORAGE_SQL_STORAGE_HPP

/// \file
/// `sql_storage<SqlEngine>`: the outbox in the delivery tables of `delivery_schema.hpp`, on an
/// engine that runs SQL of its own dialect, in single statements (`sql/delivery_statements.hpp`).

#include <hookbox/delivery.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/delivery_schema.hpp>
#include <hookbox/storage/detail/delivery_rows.hpp>
#include <hookbox/storage/detail/sql_paths.hpp>
#include <hookbox/storage/sql/batch.hpp>
#include <hookbox/storage/sql/delivery_statements.hpp>

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

/// How a `sql_storage` is set up.
using sql_storage_params = delivery_table_params;

/// An `outbox_storage` on an `engine::sql_engine`: the engine's dialect chooses the statements
/// (`sql::delivery_statements`), so one storage serves SQLite and PostgreSQL alike. Deliveries are
/// rows of the delivery table, so they are as durable as the database, and several processes sharing
/// the database share one outbox.
///
/// - enqueue is one `INSERT ... ON CONFLICT DO NOTHING RETURNING seq` and the payload row's INSERT,
///   in one transaction (a savepoint of the caller's own, on an engine attached to it); a conflict
///   reads the stored row's id;
/// - claim reaps once, then claims each partition in one `UPDATE ... RETURNING` (PostgreSQL: over
///   candidates locked `FOR UPDATE SKIP LOCKED`), then reads the payloads of the claimed rows by
///   `seq`, all in one transaction; each row gets its own claim token;
/// - an ack is a fenced update by `seq`, claim token and status, incrementing `attempts` in the
///   statement; a batch of acks writes its attempt records in multi-row statements (PostgreSQL: one
///   `unnest` of arrays), in the same transaction;
/// - replay and purge take at most one step's rows, lowest `seq` first, in one statement each (purge
///   then deletes their history and payloads); release is a fenced update without an attempt; the
///   failures summary is one `GROUP BY`.
///
/// Claims and acks never write the payload table. A stored row that cannot be decoded (corrupt JSON,
/// an unknown status, no payload row) is reported by `get` and `list` as `errc::corrupt_row`, naming
/// the row and the column; `claim` marks such a row `dead` with the reason in `error`, and claims the
/// rows after it.
///
/// Thread-safety: as safe as the engine; `sqlite_engine` runs one statement or transaction at a time,
/// so a `sql_storage` over it may be used from several threads at once.
///
/// \tparam Engine a model of `engine::sql_engine` (`sqlite_engine`).
template <engine::sql_engine Engine>
class sql_storage {
public:
    using engine_type = Engine;

    /// `list` applies every filter of `list_options` (see `outbox_storage`).
    static constexpr bool lists_by_event_and_time = true;

    /// Takes the engine and, unless `params.migrate` is false, migrates the delivery tables. Throws
    /// `error_with_diagnostics` on failure (`errc::schema_error` naming `table` for a bad name,
    /// `errc::schema_too_new`, the engine's errors).
    explicit sql_storage(Engine e, sql_storage_params params = {}) : engine_(std::move(e)), params_(std::move(params)) {
        error_code ec;
        diagnostics diag;
        if (!init(ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
    }

    /// Non-throwing construction.
    static std::optional<sql_storage> open(Engine e, sql_storage_params params, error_code& ec, diagnostics& diag) {
        sql_storage s(uninitialized{}, std::move(e), std::move(params));
        if (!s.init(ec, diag))
            return std::nullopt;
        return std::optional<sql_storage>(std::move(s));
    }

    Engine& engine() noexcept { return engine_; }
    const sql_storage_params& params() const noexcept { return params_; }

    /// The channel that a trigger notifies when rows are inserted (PostgreSQL; empty for SQLite):
    /// `hookbox.<schema>.<table>`, cut to 63 bytes (channels are per database). Give it to a
    /// `postgres_listener`, whose wakeup dispatchers share.
    const std::string& notify_channel() const noexcept { return channel_; }

    /// The statements this storage runs.
    const sql::delivery_statements& statements() const noexcept { return sql_; }

    // ----- outbox_storage -----

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        if (!sql_.insert_with_payload.empty())
            return detail::sql_paths::insert_one_statement(engine_, sql_, d, ec, diag);
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
        if (!sql_.insert_batch.empty())
            return detail::sql_paths::insert_batch(engine_, sql_, ds, ec, diag);
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
        claim_all(tx, std::span<const claim_query>(&q, 1), q.limit, std::span<std::vector<delivery>>(&out, 1), ec,
                  diag);
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
        claim_all(tx, qs, max_total, out, ec, diag);
        if (ec)
            return {};
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
        auto args = attempt_values(ref, c);
        tx.query(sql_.insert_attempt, args, ignore_rows, ec, diag);
        if (ec)
            return;
        tx.commit(ec, diag);
    }

    [[nodiscard]] std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics& diag) {
        if (!sql_.complete_batch.empty() &&
            std::all_of(refs.begin(), refs.end(), [](const claim_ref& r) { return r.sequence != 0; }))
            return detail::sql_paths::complete_batch(engine_, sql_, refs, cs, ec, diag);
        std::vector<error_code> out(refs.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        std::vector<std::size_t> applied;
        applied.reserve(refs.size());
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            if (complete_one(tx, refs[i], cs[i], out[i], one))
                applied.push_back(i);
            // Per-entry outcomes are returned; anything else fails the batch.
            if (out[i] && out[i] != errc::claim_lost && out[i] != errc::not_found) {
                ec = out[i];
                diag = std::move(one);
                return {};
            }
        }
        // The attempt records of the applied completions, in a few multi-row statements.
        std::vector<engine::value> values;
        values.reserve(8 * applied.size());
        for (std::size_t i : applied) {
            auto v = attempt_values(refs[i], cs[i]);
            values.insert(values.end(), std::make_move_iterator(v.begin()), std::make_move_iterator(v.end()));
        }
        std::vector<engine::value> args;
        std::size_t from = 0;
        for (auto [text, rows] : sql::plan_rows(sql_.insert_attempts, applied.size())) {
            sql::pack_rows(sql_.insert_attempts, std::span<const engine::value>(values).subspan(8 * from, 8 * rows),
                           args);
            tx.query(sql_.insert_attempts.texts[text], args, ignore_rows, ec, diag);
            if (ec)
                return {};
            from += rows;
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return out;
    }

    [[nodiscard]] std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) {
        std::array<engine::value, 1> key{engine::value(id.to_string())};
        std::vector<delivery> found;
        if (!read_rows(sql_.get, key, found, ec, diag) || found.empty())
            return std::nullopt;
        return redacted(std::move(found.front()));
    }

    [[nodiscard]] list_page list(const list_options& lo, error_code& ec, diagnostics& diag) {
        auto q = sql_.list(lo);
        list_page page;
        if (!read_rows(q.text, q.params, page.items, ec, diag))
            return {};
        for (auto& d : page.items)
            d.secret.clear();
        if (page.items.size() == lo.limit && !page.items.empty())
            page.next_cursor = page.items.back().sequence;
        return page;
    }

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        const std::string ids = id.to_string();
        std::array<engine::value, 2> args{engine::value(detail::rows::ms(now)), engine::value(ids)};
        std::vector<delivery> reset;
        if (!read_rows_in(tx, sql_.redeliver, args, reset, ec, diag))
            return {};
        if (reset.empty()) {
            std::optional<std::string> status;
            std::array<engine::value, 1> key{engine::value(ids)};
            tx.query(sql_.status_of, key, [&](std::span<const engine::cell_view> row) { status.emplace(row[0].text); },
                     ec, diag);
            if (ec)
                return {};
            if (!status) {
                hookbox::detail::fail_not_found(ec, diag, id);
                return {};
            }
            hookbox::detail::fail_not_eligible(ec, diag, id,
                                               parse_delivery_status(*status).value_or(delivery_status::pending));
            return {};
        }
        tx.commit(ec, diag);
        if (ec)
            return {};
        return redacted(std::move(reset.front()));
    }

    [[nodiscard]] outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        outbox_stats st;
        for (std::size_t i = 0; i < delivery_status_count; ++i) {
            engine_.query(sql_.count_status[i], {}, [&](std::span<const engine::cell_view> row) {
                    st.by_status[i] = static_cast<std::size_t>(row[0].integer);
                }, ec, diag);
            if (ec)
                return {};
        }
        engine_.query(sql_.oldest_pending, {}, [&](std::span<const engine::cell_view> row) {
                if (row[0].type == engine::value::kind::integer)
                    st.oldest_pending_age = now - detail::rows::from_ms(row[0].integer);
            }, ec, diag);
        if (ec)
            return {};
        return st;
    }

    /// Pending rows per partition, in one `GROUP BY` statement.
    [[nodiscard]] std::vector<partition_depth> partition_stats(timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        hookbox::detail::partition_tally tally;
        engine_.query(sql_.pending_by_partition, {}, [&](std::span<const engine::cell_view> row) {
                tally.add_counted(static_cast<int>(row[0].integer), static_cast<std::size_t>(row[1].integer),
                                  detail::rows::from_ms(row[2].integer), now);
            }, ec, diag);
        if (ec)
            return {};
        return tally.take();
    }

    std::size_t replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics& diag) {
        auto q = sql_.replay(f, limit, now);
        std::size_t n = engine_.query(q.text, q.params, ignore_rows, ec, diag);
        return ec ? 0 : n;
    }

    std::size_t count(const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics& diag) {
        auto q = sql_.count(f, terminal_only);
        std::int64_t n = 0;
        engine_.query(q.text, q.params, [&](std::span<const engine::cell_view> row) { n = row[0].integer; }, ec,
                      diag);
        return ec ? 0 : static_cast<std::size_t>(n);
    }

    std::size_t purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics& diag) {
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return 0;
        // One bounded DELETE of the rows, returning their seqs, then their history and their
        // payloads, a list of seqs at a time.
        auto q = sql_.purge(f, limit);
        std::vector<std::int64_t> seqs;
        tx.query(q.text, q.params, [&](std::span<const engine::cell_view> row) { seqs.push_back(row[0].integer); }, ec,
                 diag);
        if (ec || seqs.empty())
            return 0;
        std::vector<engine::value> args;
        for (const auto* del : {&sql_.purge_attempts, &sql_.purge_payloads}) {
            for (std::size_t from = 0; from < seqs.size(); from += del->chunk) {
                sql::bind_keys(*del, std::span<const std::int64_t>(seqs).subspan(from, std::min(del->chunk, seqs.size() - from)),
                               args);
                tx.query(del->text, args, ignore_rows, ec, diag);
                if (ec)
                    return 0;
            }
        }
        tx.commit(ec, diag);
        return ec ? 0 : seqs.size();
    }

    [[nodiscard]] std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics& diag) {
        std::vector<error_code> out(refs.size());
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return {};
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics one;
            const claim_ref& ref = refs[i];
            std::array<engine::value, 7> args{engine::value(std::string(to_string(rr.status))),
                                              detail::rows::opt_ms(rr.next_retry_at),
                                              rr.error ? engine::value(*rr.error) : engine::value(),
                                              engine::value(detail::rows::ms(rr.now)),
                                              engine::value(static_cast<std::int64_t>(ref.sequence)),
                                              engine::value(ref.id.to_string()),
                                              engine::value(static_cast<std::int64_t>(ref.claim_token))};
            std::size_t n = tx.query(ref.sequence != 0 ? sql_.release_by_seq : sql_.release_by_id, args, ignore_rows,
                                     out[i], one);
            if (!out[i] && n != 1)
                detail::sql_paths::explain_miss(tx, sql_, ref, out[i], one);
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
        std::optional<std::int64_t> seq;
        std::array<engine::value, 1> key{engine::value(ids)};
        engine_.query(sql_.seq_of_id, key, [&](std::span<const engine::cell_view> row) { seq = row[0].integer; }, ec,
                      diag);
        if (ec)
            return {};
        if (!seq) {
            hookbox::detail::fail_not_found(ec, diag, id);
            return {};
        }
        std::vector<attempt_record> out;
        std::optional<std::pair<std::int64_t, detail::rows::decode_error>> bad;
        std::array<engine::value, 1> by_seq{engine::value(*seq)};
        engine_.query(sql_.attempts_of, by_seq, [&](std::span<const engine::cell_view> row) {
                attempt_record a;
                detail::rows::decode_error err;
                if (bad)
                    return;
                if (!detail::rows::decode_attempt(row, a, err)) {
                    bad.emplace(row.empty() ? 0 : row[0].integer, std::move(err));
                    return;
                }
                // Numbers are positions in the history: nothing but purge (with the row) deletes from it.
                a.number = static_cast<int>(out.size()) + 1;
                out.push_back(std::move(a));
            }, ec, diag);
        if (ec)
            return {};
        if (bad) {
            detail::rows::fail_attempt_corrupt(ec, diag, bad->first, ids, bad->second);
            return {};
        }
        return out;
    }

    [[nodiscard]] std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) {
        std::vector<webhook_failures> out;
        std::array<engine::value, 1> args{engine::value(static_cast<std::int64_t>(limit))};
        engine_.query(sql_.failures, args, [&](std::span<const engine::cell_view> row) {
                webhook_failures w;
                w.webhook_id.assign(row[0].text);
                w.dead = static_cast<std::size_t>(row[1].integer);
                w.retrying = static_cast<std::size_t>(row[2].integer);
                if (row[3].type == engine::value::kind::integer)
                    w.last_failed_at = detail::rows::from_ms(row[3].integer);
                if (row[4].type == engine::value::kind::text || row[4].type == engine::value::kind::json)
                    w.last_error.emplace(row[4].text);
                out.push_back(std::move(w));
            }, ec, diag);
        if (ec)
            return {};
        return out;
    }

private:
    struct uninitialized {};
    sql_storage(uninitialized, Engine e, sql_storage_params params) : engine_(std::move(e)), params_(std::move(params)) {}

    // Rows a claim could not read, by seq, with the reason (for `bury`).
    using corrupt_rows = std::vector<std::pair<std::int64_t, std::string>>;
    using transaction = typename Engine::transaction_type;

    static void ignore_rows(std::span<const engine::cell_view>) noexcept {}

    bool init(error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!detail::rows::check_table_name(params_.table, ec, diag))
            return false;
        sql_ = sql::delivery_statements::make(engine_.dialect(), params_.table);
        if (params_.migrate) {
            engine_.migrate(delivery_schema(params_.table), ec, diag);
            if (ec || !backfill_attempt_sequences(ec, diag) || !install_notify_trigger(ec, diag))
                return false;
        }
        if (!sql_.notify_channel_of.empty()) {
            std::array<engine::value, 1> name{engine::value(sql::quote_identifier(params_.table))};
            engine_.query(sql_.notify_channel_of, name,
                          [&](std::span<const engine::cell_view> row) { channel_ = std::string(row[0].text); }, ec, diag);
            if (ec)
                return false;
        }
        return true;
    }

    // PostgreSQL: the trigger that notifies `notify_channel()` on insert, unless it is in place.
    bool install_notify_trigger(error_code& ec, diagnostics& diag) {
        if (sql_.notify_setup.empty())
            return true;
        bool installed = false;
        engine_.query(sql_.notify_installed, {}, [&](std::span<const engine::cell_view>) { installed = true; }, ec,
                      diag);
        if (ec || installed)
            return !ec;
        auto tx = engine_.begin(ec, diag);
        if (ec)
            return false;
        for (const auto& text : sql_.notify_setup) {
            tx.query(text, {}, ignore_rows, ec, diag);
            if (ec)
                return false;
        }
        tx.commit(ec, diag);
        return !ec;
    }

    // Attempt records written under schema version 3 have no `delivery_seq`: those whose row is gone
    // have no owner and go; the others get their row's, a bounded statement at a time. A database
    // without such records is only read (it may be read-only).
    bool backfill_attempt_sequences(error_code& ec, diagnostics& diag) {
        bool any = false;
        engine_.query(sql_.any_attempt_without_seq, {}, [&](std::span<const engine::cell_view>) { any = true; }, ec,
                      diag);
        if (ec || !any)
            return !ec;
        engine_.query(sql_.drop_orphan_attempts, {}, ignore_rows, ec, diag);
        while (!ec && engine_.query(sql_.backfill_attempts, {}, ignore_rows, ec, diag) > 0) {
        }
        return !ec;
    }

    static delivery redacted(delivery&& d) {
        d.secret.clear();
        return std::move(d);
    }

    enqueue_result insert_one(transaction& tx, const delivery& d, error_code& ec, diagnostics& diag) {
        auto values = detail::rows::insert_values(d);
        std::optional<std::int64_t> seq;
        tx.query(sql_.insert, values, [&](std::span<const engine::cell_view> row) { seq = row[0].integer; }, ec,
                 diag);
        if (ec)
            return {};
        if (seq) {
            auto payload = detail::rows::payload_values(*seq, d.payload);
            tx.query(sql_.insert_payload, payload, ignore_rows, ec, diag);
            if (ec)
                return {};
            return {d.id, true};
        }
        // The pair is stored: the first row's id.
        return detail::sql_paths::stored_pair(tx, sql_, d, ec, diag);
    }

    // The reap covers every partition: once per transaction, unless a claim asks for another one.
    static bool reaps(std::span<const claim_query> qs, std::size_t i) noexcept {
        return i == 0 || qs[i].reap_before != qs[i - 1].reap_before || qs[i].now != qs[i - 1].now;
    }

    // The claims of `qs` (each after the ones before it, up to `max_total` rows in all), then the
    // payloads of every row claimed, then the burial of the rows that could not be read.
    void claim_all(transaction& tx, std::span<const claim_query> qs, std::size_t max_total,
                   std::span<std::vector<delivery>> out, error_code& ec, diagnostics& diag) {
        corrupt_rows corrupt;
        if (detail::sql_paths::one_statement_claim(sql_, qs)) {
            detail::sql_paths::claim_partitions(tx, sql_, params_.table, qs, max_total, out, corrupt, ec, diag);
            if (ec)
                return;
        } else {
            for (std::size_t i = 0; i < qs.size() && max_total > 0; ++i) {
                claim_query q = qs[i];
                q.limit = std::min(q.limit, max_total);
                claim_one(tx, q, reaps(qs, i), out[i], corrupt, ec, diag);
                if (ec)
                    return;
                max_total -= out[i].size();
            }
        }
        read_payloads(tx, out, corrupt, ec, diag);
        if (ec)
            return;
        const std::int64_t now = qs.empty() ? 0 : detail::rows::ms(qs.front().now);
        for (const auto& [seq, reason] : corrupt) {
            bury(tx, seq, now, reason, ec, diag);
            if (ec)
                return;
        }
    }

    // One partition's claim, without the payloads: rows that cannot be read go to `corrupt`.
    void claim_one(transaction& tx, const claim_query& q, bool reap, std::vector<delivery>& out,
                   corrupt_rows& corrupt, error_code& ec, diagnostics& diag) {
        const std::int64_t now = detail::rows::ms(q.now);
        if (reap) {
            std::array<engine::value, 2> reap_args{engine::value(detail::rows::ms(q.reap_before)), engine::value(now)};
            tx.query(sql_.reap, reap_args, ignore_rows, ec, diag);
            if (ec)
                return;
        }
        std::array<engine::value, 5> args{engine::value(std::string(q.node_id)), engine::value(now),
                                          engine::value(detail::rows::claim_nonce()),
                                          engine::value(static_cast<std::int64_t>(q.limit)),
                                          engine::value(q.partition.value_or(0))};
        out.reserve(q.limit < 1024 ? q.limit : 1024);
        tx.query(q.partition ? sql_.claim_partition : sql_.claim_all,
                 std::span<const engine::value>(args.data(), q.partition ? 5 : 4),
                 [&](std::span<const engine::cell_view> row) {
                     delivery d;
                     detail::rows::decode_error err;
                     if (detail::rows::decode_row(row, d, err)) {
                         out.push_back(std::move(d));
                     } else {
                         error_code dec;
                         diagnostics ddiag;
                         detail::rows::fail_corrupt(dec, ddiag, row, params_.table, err);
                         corrupt.emplace_back(row[0].integer, ddiag.message());
                     }
                 },
                 ec, diag);
        if (ec)
            return;
        // RETURNING does not promise an order.
        std::sort(out.begin(), out.end(), [](const delivery& a, const delivery& b) { return a.sequence < b.sequence; });
    }

    // Reads the payloads of the rows in `outs` by seq, a list at a time. A row whose payload row is
    // missing or cannot be read leaves its vector for `corrupt`, with the reason.
    template <class Session>
    void read_payloads(Session& s, std::span<std::vector<delivery>> outs, corrupt_rows& corrupt, error_code& ec,
                       diagnostics& diag) {
        struct wanted {
            std::int64_t seq = 0;
            delivery* d = nullptr;
            bool read = false;
            std::string bad{};
        };
        std::vector<wanted> want;
        for (auto& v : outs)
            for (auto& d : v)
                want.push_back(wanted{static_cast<std::int64_t>(d.sequence), &d, false, {}});
        if (want.empty())
            return;
        auto by_seq = [](const wanted& a, const wanted& b) { return a.seq < b.seq; };
        std::sort(want.begin(), want.end(), by_seq);
        std::vector<std::int64_t> seqs;
        seqs.reserve(want.size());
        for (const auto& w : want)
            seqs.push_back(w.seq);
        std::vector<engine::value> args;
        const auto& stmt = sql_.payloads;
        for (std::size_t from = 0; from < seqs.size(); from += stmt.chunk) {
            sql::bind_keys(stmt, std::span<const std::int64_t>(seqs).subspan(from, std::min(stmt.chunk, seqs.size() - from)),
                           args);
            s.query(stmt.text, args, [&](std::span<const engine::cell_view> row) {
                    auto it = std::lower_bound(want.begin(), want.end(), wanted{row[0].integer, nullptr, false, {}}, by_seq);
                    if (it == want.end() || it->seq != row[0].integer || it->read)
                        return;
                    it->read = true;
                    detail::rows::decode_error err;
                    if (!detail::rows::decode_payload(row[1], row[2], *it->d, err, sql_.payload_table))
                        it->bad = detail::rows::corrupt_text(*it->d, params_.table, err);
                }, ec, diag);
            if (ec)
                return;
        }
        std::vector<std::int64_t> buried;
        for (auto& w : want) {
            if (!w.read) {
                detail::rows::decode_error err{std::string(payload_columns[1]), detail::rows::missing_payload(sql_.payload_table)};
                w.bad = detail::rows::corrupt_text(*w.d, params_.table, err);
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
                return std::binary_search(buried.begin(), buried.end(), static_cast<std::int64_t>(d.sequence));
            });
    }

    // Reads whole rows (the delivery table's columns, then their payloads) for get, list and
    // redeliver; the first row that cannot be read fails with corrupt_row.
    template <class Session>
    bool read_rows_in(Session& s, const std::string& text, std::span<const engine::value> args,
                      std::vector<delivery>& out, error_code& ec, diagnostics& diag) {
        std::optional<std::pair<error_code, diagnostics>> bad;
        s.query(text, args, [&](std::span<const engine::cell_view> row) {
                if (bad)
                    return;
                delivery d;
                detail::rows::decode_error err;
                if (detail::rows::decode_row(row, d, err)) {
                    out.push_back(std::move(d));
                    return;
                }
                bad.emplace();
                detail::rows::fail_corrupt(bad->first, bad->second, row, params_.table, err);
            }, ec, diag);
        if (ec)
            return false;
        if (bad) {
            ec = bad->first;
            diag = std::move(bad->second);
            return false;
        }
        corrupt_rows corrupt;
        read_payloads(s, std::span<std::vector<delivery>>(&out, 1), corrupt, ec, diag);
        if (ec)
            return false;
        if (!corrupt.empty()) {
            hookbox::detail::fail(ec, diag, errc::corrupt_row, std::string(payload_columns[1]),
                                  corrupt.front().second);
            return false;
        }
        return true;
    }

    bool read_rows(const std::string& text, std::span<const engine::value> args, std::vector<delivery>& out,
                   error_code& ec, diagnostics& diag) {
        return read_rows_in(engine_, text, args, out, ec, diag);
    }

    // A claimed row that cannot be decoded goes to `dead`, with the reason, so that it neither
    // blocks the rows after it nor comes back.
    void bury(transaction& tx, std::int64_t seq, std::int64_t now, const std::string& reason, error_code& ec,
              diagnostics& diag) {
        std::array<engine::value, 3> args{engine::value(seq), engine::value("corrupt row: " + reason),
                                          engine::value(now)};
        tx.query(sql_.bury, args, ignore_rows, ec, diag);
    }

    // True when the completion was applied; false with `ec` set otherwise.
    bool complete_one(transaction& tx, const claim_ref& ref, const completion& c, error_code& ec, diagnostics& diag) {
        const std::int64_t now = detail::rows::ms(c.now);
        std::array<engine::value, 10> args{engine::value(std::string(to_string(c.status))),
                                           detail::rows::opt_ms(c.next_retry_at),
                                           c.response_code ? engine::value(*c.response_code) : engine::value(),
                                           c.response_body ? engine::value(*c.response_body) : engine::value(),
                                           c.error ? engine::value(*c.error) : engine::value(),
                                           engine::value(std::int64_t(c.duration.count())),
                                           engine::value(now),
                                           engine::value(static_cast<std::int64_t>(ref.sequence)),
                                           engine::value(ref.id.to_string()),
                                           engine::value(static_cast<std::int64_t>(ref.claim_token))};
        std::size_t n =
            tx.query(ref.sequence != 0 ? sql_.complete_by_seq : sql_.complete_by_id, args, ignore_rows, ec, diag);
        if (ec)
            return false;
        if (n == 1)
            return true;
        detail::sql_paths::explain_miss(tx, sql_, ref, ec, diag);
        return false;
    }


    // The parameters of an attempt record (`sql::delivery_statements::insert_attempt`).
    static std::array<engine::value, 8> attempt_values(const claim_ref& ref, const completion& c) {
        return {engine::value(ref.id.to_string()),
                engine::value(detail::rows::ms(c.now)),
                engine::value(std::string(to_string(c.status))),
                c.response_code ? engine::value(*c.response_code) : engine::value(),
                engine::value(std::int64_t(c.duration.count())),
                c.error ? engine::value(*c.error) : engine::value(),
                engine::value(static_cast<std::int64_t>(ref.sequence)),
                c.traceparent ? engine::value(*c.traceparent) : engine::value()};
    }

    Engine engine_;
    sql_storage_params params_;
    sql::delivery_statements sql_;
    std::string channel_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_SQL_STORAGE_HPP
