//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_SQL_PATHS_HPP
#define HOOKBOX_STORAGE_DETAIL_SQL_PATHS_HPP

// Steps of sql_storage that PostgreSQL runs in single statements over arrays (one enqueue, a batch
// of enqueues, a batch of acks, a claim in several partitions), and what they share with the
// statement-per-row steps: the stored pair of a duplicate enqueue, and why a fenced update missed.

#include <hookbox/delivery.hpp>
#include <hookbox/delivery_id.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/detail/delivery_rows.hpp>
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

namespace hookbox::detail::sql_paths {

inline void ignore_rows(std::span<const engine::cell_view>) noexcept {}

// A fenced update matched nothing: tell an unknown row from a lost claim.
template <class Session>
void explain_miss(Session& tx, const sql::delivery_statements& sql, const claim_ref& ref, error_code& ec,
                  diagnostics& diag) {
    bool exists = false;
    std::array<engine::value, 1> key{engine::value(ref.id.to_string())};
    tx.query(sql.seq_of_id, key, [&](std::span<const engine::cell_view>) { exists = true; }, ec, diag);
    if (ec)
        return;
    if (!exists)
        return hookbox::detail::fail_not_found(ec, diag, ref.id);
    hookbox::detail::fail_claim_lost(ec, diag, ref.id);
}

// The result of an enqueue whose pair is stored: the stored row's id.
template <class Session>
enqueue_result stored_pair(Session& session, const sql::delivery_statements& sql, const delivery& d, error_code& ec,
                           diagnostics& diag) {
    std::array<engine::value, 2> key{engine::value(d.event_id), engine::value(d.webhook_id)};
    std::optional<delivery_id> existing;
    error_code idec;
    session.query(sql.find_pair, key, [&](std::span<const engine::cell_view> row) {
            existing = delivery_id::parse(row[0].text, idec);
        }, ec, diag);
    if (ec)
        return {};
    if (!existing || idec) {
        hookbox::detail::fail(ec, diag, errc::storage_failure, "event_id",
                              "enqueue: the insert of event_id '" + d.event_id + "', webhook_id '" + d.webhook_id +
                                  "' conflicted, but no row with that pair was found");
        return {};
    }
    return {*existing, false};
}

// PostgreSQL: a batch of completions in one statement (atomic on its own); the entries it did
// not apply are then explained one by one (claim lost, or the row gone).
template <class Engine>
std::vector<error_code> complete_batch(Engine& engine, const sql::delivery_statements& sql, std::span<const claim_ref> refs,
                                       const std::vector<completion>& cs, error_code& ec, diagnostics& diag) {
    ec.clear();
    std::vector<error_code> out(refs.size());
    if (refs.empty())
        return out;
    std::vector<engine::value> values;
    values.reserve(11 * refs.size());
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const claim_ref& ref = refs[i];
        const completion& c = cs[i];
        values.emplace_back(static_cast<std::int64_t>(ref.sequence));
        values.emplace_back(ref.id.to_string());
        values.emplace_back(static_cast<std::int64_t>(ref.claim_token));
        values.emplace_back(std::string(to_string(c.status)));
        values.push_back(detail::rows::opt_ms(c.next_retry_at));
        values.push_back(c.response_code ? engine::value(*c.response_code) : engine::value());
        values.push_back(c.response_body ? engine::value(*c.response_body) : engine::value());
        values.push_back(c.error ? engine::value(*c.error) : engine::value());
        values.emplace_back(std::int64_t(c.duration.count()));
        values.emplace_back(detail::rows::ms(c.now));
        values.push_back(c.traceparent ? engine::value(*c.traceparent) : engine::value());
    }
    std::vector<engine::value> arrays;
    arrays.reserve(11);
    for (std::size_t col = 0; col < 11; ++col)
        arrays.emplace_back(sql::array_literal(values, col, 11));
    std::vector<char> applied(refs.size(), 0);
    engine.query(sql.complete_batch, arrays,
                  [&](std::span<const engine::cell_view> row) {
                      auto ord = static_cast<std::size_t>(row[0].integer);
                      if (ord >= 1 && ord <= refs.size())
                          applied[ord - 1] = 1;
                  },
                  ec, diag);
    if (ec)
        return {};
    for (std::size_t i = 0; i < refs.size(); ++i) {
        if (applied[i])
            continue;
        diagnostics one;
        explain_miss(engine, sql, refs[i], out[i], one);
        if (out[i] && out[i] != errc::claim_lost && out[i] != errc::not_found) {
            ec = out[i];
            diag = std::move(one);
            return {};
        }
    }
    return out;
}

// PostgreSQL: the row and its payload in one statement, atomic on its own (inside the caller's
// transaction on an attached connection).
template <class Engine>
enqueue_result insert_one_statement(Engine& engine, const sql::delivery_statements& sql, const delivery& d,
                                    error_code& ec, diagnostics& diag) {
    auto values = detail::rows::insert_values(d);
    auto payload = detail::rows::payload_values(0, d.payload);
    values.push_back(std::move(payload[1]));
    values.push_back(std::move(payload[2]));
    std::optional<std::int64_t> seq;
    engine.query(sql.insert_with_payload, values,
                  [&](std::span<const engine::cell_view> row) { seq = row[0].integer; }, ec, diag);
    if (ec)
        return {};
    if (seq)
        return {d.id, true};
    return stored_pair(engine, sql, d, ec, diag);
}

// PostgreSQL: a batch in array statements of up to `batch_rows` rows each, in one transaction
// when there are several.
inline constexpr std::size_t batch_rows = 1000;

template <class Engine>
std::vector<enqueue_result> insert_batch(Engine& engine, const sql::delivery_statements& sql,
                                         const std::vector<delivery>& ds, error_code& ec, diagnostics& diag) {
    ec.clear();
    std::vector<enqueue_result> out(ds.size());
    if (ds.empty())
        return out;
    auto run = [&](auto& session) {
        std::vector<engine::value> values;
        std::vector<engine::value> arrays;
        std::vector<char> created;
        for (std::size_t first = 0; first < ds.size(); first += batch_rows) {
            const std::size_t n = std::min(batch_rows, ds.size() - first);
            values.clear();
            values.reserve(n * 18);
            for (std::size_t i = first; i < first + n; ++i) {
                auto row = detail::rows::insert_values(ds[i]);
                auto payload = detail::rows::payload_values(0, ds[i].payload);
                for (auto& v : row)
                    values.push_back(std::move(v));
                values.push_back(std::move(payload[1]));
                values.push_back(std::move(payload[2]));
            }
            arrays.clear();
            for (std::size_t c = 0; c < 18; ++c)
                arrays.emplace_back(sql::array_literal(values, c, 18));
            created.assign(n, 0);
            session.query(sql.insert_batch, arrays,
                          [&](std::span<const engine::cell_view> row) {
                              auto ord = static_cast<std::size_t>(row[0].integer);
                              if (ord >= 1 && ord <= n)
                                  created[ord - 1] = 1;
                          },
                          ec, diag);
            if (ec)
                return false;
            for (std::size_t i = 0; i < n; ++i) {
                const delivery& d = ds[first + i];
                out[first + i] = created[i] ? enqueue_result{d.id, true} : stored_pair(session, sql, d, ec, diag);
                if (ec)
                    return false;
            }
        }
        return true;
    };
    if (ds.size() <= batch_rows) {
        if (!run(engine))
            return {};
        return out;
    }
    auto tx = engine.begin(ec, diag);
    if (ec || !run(tx))
        return {};
    tx.commit(ec, diag);
    if (ec)
        return {};
    return out;
}

// PostgreSQL: claims of several distinct partitions, for one node at one time, go in one
// statement (`claim_partitions`) instead of one per partition.
inline bool one_statement_claim(const sql::delivery_statements& sql, std::span<const claim_query> qs) {
    if (sql.claim_partitions.empty() || qs.size() < 2)
        return false;
    std::vector<int> seen;
    for (const auto& q : qs) {
        if (!q.partition || q.node_id != qs[0].node_id || q.now != qs[0].now || q.reap_before != qs[0].reap_before ||
            std::find(seen.begin(), seen.end(), *q.partition) != seen.end())
            return false;
        seen.push_back(*q.partition);
    }
    return true;
}

template <class Transaction>
void claim_partitions(Transaction& tx, const sql::delivery_statements& sql, const std::string& table,
                      std::span<const claim_query> qs, std::size_t max_total, std::span<std::vector<delivery>> out,
                      std::vector<std::pair<std::int64_t, std::string>>& corrupt, error_code& ec, diagnostics& diag) {
    const claim_query& first = qs[0];
    const std::int64_t now = detail::rows::ms(first.now);
    std::array<engine::value, 2> reap_args{engine::value(detail::rows::ms(first.reap_before)), engine::value(now)};
    tx.query(sql.reap, reap_args, ignore_rows, ec, diag);
    if (ec)
        return;
    std::vector<engine::value> partitions, limits;
    for (const auto& q : qs) {
        partitions.emplace_back(static_cast<std::int64_t>(*q.partition));
        limits.emplace_back(static_cast<std::int64_t>(q.limit));
    }
    std::array<engine::value, 6> args{engine::value(std::string(first.node_id)), engine::value(now),
                                      engine::value(detail::rows::claim_nonce()),
                                      engine::value(sql::array_literal(partitions)),
                                      engine::value(sql::array_literal(limits)),
                                      engine::value(static_cast<std::int64_t>(max_total))};
    tx.query(sql.claim_partitions, args,
             [&](std::span<const engine::cell_view> row) {
                 delivery d;
                 detail::rows::decode_error err;
                 if (!detail::rows::decode_row(row, d, err)) {
                     error_code dec;
                     diagnostics ddiag;
                     detail::rows::fail_corrupt(dec, ddiag, row, table, err);
                     corrupt.emplace_back(row[0].integer, ddiag.message());
                     return;
                 }
                 for (std::size_t i = 0; i < qs.size(); ++i)
                     if (*qs[i].partition == d.partition_key) {
                         out[i].push_back(std::move(d));
                         return;
                     }
             },
             ec, diag);
    if (ec)
        return;
    // RETURNING does not promise an order.
    for (auto& v : out)
        std::sort(v.begin(), v.end(), [](const delivery& a, const delivery& b) { return a.sequence < b.sequence; });
}


}  // namespace hookbox::detail::sql_paths

#endif  // HOOKBOX_STORAGE_DETAIL_SQL_PATHS_HPP
