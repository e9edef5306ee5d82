//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// W1 on SQLite (a file, WAL, synchronous=NORMAL), beside a raw-SQLite ceiling measured in the same
// process: the same statements, prepared once, in transactions of the same size, with no hookbox
// in between.
//
//   hookbox: enqueue N deliveries with enqueue_many in batches of 256 (one transaction each), then
//            claim(limit 256) + ack_many of the claimed rows (one transaction each) until a claim
//            returns nothing. Also N/10 single enqueues (one transaction each), for reference.
//   raw:     the same INSERT ... ON CONFLICT DO NOTHING RETURNING and payload INSERT in transactions
//            of 256 rows; then per round one transaction with the reap UPDATE, the claim UPDATE ...
//            RETURNING of 256 rows (every column read) and the SELECTs of their payloads by seq (64 to a
//            statement), and one transaction with the 256 fenced ack UPDATEs.
//
// Both sides open the file through sqlite_engine with the same sqlite_params (the raw side then uses
// its native handle), so they run with the same pragmas: WAL, synchronous=NORMAL, temp_store=MEMORY,
// page cache, mmap and wal_autocheckpoint.
//
// Besides throughput, each side reports the time of its claim+ack rounds (claim transaction plus ack
// transaction): the p99 and the maximum, and the slowest single transaction of any kind; a
// checkpoint that syncs inside a commit shows there.
//
// Usage: hookbox_bench_w1_sqlite [N] [folder]      (defaults: 100000, the system's temporary folder)
// Every loop is bounded by count and by a 600 s wall-clock limit.

#include "workload.hpp"

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

using namespace hookbox;
using namespace hookbox::bench;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t batch = 256;
const auto deadline = clock_type::now() + std::chrono::seconds(600);

void check_deadline() {
    if (clock_type::now() > deadline)
        throw std::runtime_error("benchmark exceeded its 600 s bound");
}

std::string fresh_file(const std::filesystem::path& dir, const std::string& stem) {
    auto p = dir / ("hookbox-bench-" + std::to_string(::getpid()) + "-" + stem + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(p.string() + suffix);
    return p.string();
}

void remove_file(const std::string& p) {
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(p + suffix);
}

engine::sqlite_params bench_params(const std::string& path) {
    engine::sqlite_params p;
    p.background_checkpoint = true;  // opt-in: checkpoints off the committing thread
    p.path = path;
    p.wal = true;
    p.synchronous = engine::sqlite_params::sync_mode::normal;
    return p;
}

engine::sqlite_engine open_engine(const std::string& path) { return engine::sqlite_engine(bench_params(path)); }

double ms_since(clock_type::time_point t0) { return seconds_since(t0) * 1000.0; }

// The p99 and maximum of a set of durations in milliseconds, and the slowest single transaction.
struct latencies {
    std::vector<double> rounds;
    double worst_tx = 0;

    void tx(double ms) { worst_tx = std::max(worst_tx, ms); }
    void report(const char* side) {
        if (rounds.empty())
            return;
        std::sort(rounds.begin(), rounds.end());
        double p99 = rounds[std::min(rounds.size() - 1, rounds.size() * 99 / 100)];
        std::printf("W1 %s sqlite: %zu claim+ack rounds, p99 %.2f ms, max %.2f ms, slowest transaction %.2f ms\n",
                    side, rounds.size(), p99, rounds.back(), worst_tx);
        figure(std::string("w1_") + side + "_sqlite_round_p99", p99, "ms");
        figure(std::string("w1_") + side + "_sqlite_round_max", rounds.back(), "ms");
        figure(std::string("w1_") + side + "_sqlite_tx_max", worst_tx, "ms");
    }
};

using sqlite_outbox = basic_outbox<sql_storage<engine::sqlite_engine>>;

void run_hookbox(std::size_t n, const std::filesystem::path& dir) {
    std::vector<std::vector<enqueue_request>> batches;
    for (std::size_t i = 0; i < n; i += batch) {
        std::vector<enqueue_request> b;
        for (std::size_t j = i; j < std::min(n, i + batch); ++j)
            b.push_back(request(j));
        batches.push_back(std::move(b));
    }
    const std::string path = fresh_file(dir, "hookbox");
    {
        sqlite_outbox ob(outbox_params{}, sql_storage<engine::sqlite_engine>(open_engine(path)));
        latencies lat;
        auto t0 = clock_type::now();
        for (auto& b : batches) {
            check_deadline();
            auto tb = clock_type::now();
            ob.enqueue_many(std::move(b));
            lat.tx(ms_since(tb));
        }
        double enqueue_s = seconds_since(t0);

        const claim_options opts{.node_id = "bench", .limit = batch, .claim_ttl = std::chrono::seconds(60)};
        std::size_t acked = 0;
        t0 = clock_type::now();
        for (;;) {
            check_deadline();
            auto tr = clock_type::now();
            auto rows = ob.claim(opts);
            lat.tx(ms_since(tr));
            if (rows.empty())
                break;
            std::vector<ack_entry> acks;
            acks.reserve(rows.size());
            for (const auto& d : rows)
                acks.push_back(ack_entry::for_claimed(
                    d, attempt_result{.outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok\n"}));
            auto ta = clock_type::now();
            auto errors = ob.ack_many(std::move(acks));
            lat.tx(ms_since(ta));
            lat.rounds.push_back(ms_since(tr));
            for (const auto& e : errors)
                if (e)
                    throw std::runtime_error("ack failed: " + e.message());
            acked += rows.size();
        }
        double claim_ack_s = seconds_since(t0);
        if (acked != n)
            throw std::runtime_error("acked " + std::to_string(acked) + " of " + std::to_string(n));

        // Single enqueues, one transaction each, into the same (now finished) table.
        std::size_t singles = std::max<std::size_t>(n / 10, 1);
        std::vector<enqueue_request> one;
        for (std::size_t i = 0; i < singles; ++i)
            one.push_back(request(n + i));
        t0 = clock_type::now();
        for (auto& r : one) {
            check_deadline();
            ob.enqueue(std::move(r));
        }
        double single_s = seconds_since(t0);

        std::printf("W1 hookbox sqlite: N=%zu enqueue %.3fs (batches of %zu), claim+ack %.3fs, %zu single enqueues %.3fs\n",
                    n, enqueue_s, batch, claim_ack_s, singles, single_s);
        figure("w1_hookbox_sqlite_enqueue_per_s", double(n) / enqueue_s, "ops/s");
        figure("w1_hookbox_sqlite_claim_ack_per_s", double(n) / claim_ack_s, "ops/s");
        figure("w1_hookbox_sqlite_enqueue_single_per_s", double(singles) / single_s, "ops/s");
        figure("w1_hookbox_sqlite_peak_rss", peak_rss_mib(), "MiB");
        lat.report("hookbox");
    }
    remove_file(path);
}

// ----- the ceiling: the same statements on the bare C API -----

struct stmt {
    sqlite3_stmt* s = nullptr;
    stmt(sqlite3* db, const std::string& sql) {
        if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db));
    }
    ~stmt() { sqlite3_finalize(s); }
};

void exec(sqlite3* db, const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db));
}

void step_all(sqlite3* db, sqlite3_stmt* s) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE)
        throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db));
    sqlite3_reset(s);
}

void run_raw(std::size_t n, const std::filesystem::path& dir) {
    const std::string path = fresh_file(dir, "raw");
    // The table is created by hookbox's migrations (not timed), so that both sides run on the same
    // columns and indexes.
    { sql_storage<engine::sqlite_engine> setup(open_engine(path)); }

    struct row {
        std::string id, webhook, event, payload;
        std::int64_t partition;
    };
    std::vector<row> rows;
    rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        rows.push_back(row{delivery_id::generate().to_string(), webhook_id(i), event_id(i), payload_text(i),
                           hash_partition(webhook_id(i), 8)});

    // The engine only opens the connection and sets its pragmas; every statement below is the C API's.
    {
        engine::sqlite_engine conn = open_engine(path);
        sqlite3* db = conn.native_handle();
        stmt ins(db, "INSERT INTO \"sys_webhook_delivery\" (id, webhook_id, event_id, event_type, url, method, "
                     "headers_json, secret, timeout_ms, partition_key, status, attempts, created_at, "
                     "updated_at, claim_token) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                     "?13, ?14, ?15) "
                     "ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq");
        stmt ins_payload(db, "INSERT INTO \"sys_webhook_delivery_payload\" (seq, payload_json, payload_raw) "
                             "VALUES (?1, ?2, ?3)");
        std::string cols =
            "seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, "
            "partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, "
            "response_code, response_body, error, created_at, updated_at, claim_token, duration_ms";
        std::string in_64;
        for (int i = 1; i <= 64; ++i)
            in_64 += (i > 1 ? ", ?" : "?") + std::to_string(i);
        stmt payloads(db, "SELECT seq, payload_json, payload_raw FROM \"sys_webhook_delivery_payload\" "
                          "WHERE seq IN (" + in_64 + ")");
        stmt reap(db, "UPDATE \"sys_webhook_delivery\" SET status = 'pending', claimed_by = NULL, claimed_at = NULL, "
                      "claim_token = 0, updated_at = ?2 WHERE status = 'in_flight' AND claimed_at < ?1");
        stmt claim(db, "UPDATE \"sys_webhook_delivery\" SET status = 'in_flight', claimed_by = ?1, claimed_at = ?2, "
                       "updated_at = ?2, claim_token = ?3 + seq WHERE seq IN (SELECT seq FROM "
                       "\"sys_webhook_delivery\" WHERE status = 'pending' AND (next_retry_at IS NULL OR "
                       "next_retry_at <= ?2) ORDER BY seq LIMIT ?4) RETURNING " +
                           cols);
        stmt ack(db, "UPDATE \"sys_webhook_delivery\" SET status = ?1, attempts = attempts + 1, claimed_by = NULL, "
                     "claimed_at = NULL, claim_token = 0, next_retry_at = ?2, response_code = ?3, response_body = ?4, "
                     "error = ?5, duration_ms = ?6, last_attempted_at = ?7, updated_at = ?7 WHERE seq = ?8 AND "
                     "id = ?9 AND claim_token = ?10 AND status = 'in_flight'");

        const std::int64_t now = 1700000000000;
        latencies lat;
        auto t0 = clock_type::now();
        for (std::size_t i = 0; i < n; i += batch) {
            check_deadline();
            auto tb = clock_type::now();
            exec(db, "BEGIN IMMEDIATE");
            for (std::size_t j = i; j < std::min(n, i + batch); ++j) {
                const row& r = rows[j];
                sqlite3_stmt* s = ins.s;
                sqlite3_bind_text(s, 1, r.id.data(), int(r.id.size()), SQLITE_STATIC);
                sqlite3_bind_text(s, 2, r.webhook.data(), int(r.webhook.size()), SQLITE_STATIC);
                sqlite3_bind_text(s, 3, r.event.data(), int(r.event.size()), SQLITE_STATIC);
                sqlite3_bind_text(s, 4, "order.created", -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 5, receiver_url, -1, SQLITE_STATIC);
                sqlite3_bind_text(s, 6, "POST", -1, SQLITE_STATIC);
                sqlite3_bind_null(s, 7);
                sqlite3_bind_null(s, 8);
                sqlite3_bind_null(s, 9);
                sqlite3_bind_int64(s, 10, r.partition);
                sqlite3_bind_text(s, 11, "pending", -1, SQLITE_STATIC);
                sqlite3_bind_int64(s, 12, 0);
                sqlite3_bind_int64(s, 13, now);
                sqlite3_bind_int64(s, 14, now);
                sqlite3_bind_int64(s, 15, 0);
                if (sqlite3_step(s) != SQLITE_ROW)
                    throw std::runtime_error(std::string("insert: ") + sqlite3_errmsg(db));
                const std::int64_t seq = sqlite3_column_int64(s, 0);
                step_all(db, s);
                sqlite3_stmt* p = ins_payload.s;
                sqlite3_bind_int64(p, 1, seq);
                sqlite3_bind_text(p, 2, r.payload.data(), int(r.payload.size()), SQLITE_STATIC);
                sqlite3_bind_null(p, 3);
                step_all(db, p);
            }
            exec(db, "COMMIT");
            lat.tx(ms_since(tb));
        }
        double insert_s = seconds_since(t0);

        struct claimed {
            std::int64_t seq, token;
            std::string id;
        };
        std::vector<claimed> got;
        std::size_t acked = 0;
        std::int64_t nonce = 12345;
        t0 = clock_type::now();
        for (;;) {
            check_deadline();
            got.clear();
            auto tr = clock_type::now();
            exec(db, "BEGIN IMMEDIATE");
            sqlite3_bind_int64(reap.s, 1, now - 60000);
            sqlite3_bind_int64(reap.s, 2, now);
            step_all(db, reap.s);
            sqlite3_bind_text(claim.s, 1, "bench", -1, SQLITE_STATIC);
            sqlite3_bind_int64(claim.s, 2, now);
            sqlite3_bind_int64(claim.s, 3, ++nonce);
            sqlite3_bind_int64(claim.s, 4, std::int64_t(batch));
            int rc;
            std::size_t bytes = 0;
            while ((rc = sqlite3_step(claim.s)) == SQLITE_ROW) {
                // Read every column, as a claim that hands rows to a sender must.
                for (int c = 0; c < sqlite3_column_count(claim.s); ++c)
                    if (sqlite3_column_type(claim.s, c) == SQLITE_TEXT)
                        bytes += std::string(reinterpret_cast<const char*>(sqlite3_column_text(claim.s, c)),
                                             std::size_t(sqlite3_column_bytes(claim.s, c)))
                                     .size();
                got.push_back(claimed{sqlite3_column_int64(claim.s, 0), sqlite3_column_int64(claim.s, 22),
                                      reinterpret_cast<const char*>(sqlite3_column_text(claim.s, 1))});
            }
            if (rc != SQLITE_DONE)
                throw std::runtime_error(std::string("claim: ") + sqlite3_errmsg(db));
            sqlite3_reset(claim.s);
            // The payloads of the claimed rows, 64 seqs to a statement (the last repeated to fill it).
            for (std::size_t from = 0; from < got.size(); from += 64) {
                for (int i = 0; i < 64; ++i)
                    sqlite3_bind_int64(payloads.s, i + 1, got[std::min(from + i, got.size() - 1)].seq);
                while ((rc = sqlite3_step(payloads.s)) == SQLITE_ROW)
                    bytes += std::string(reinterpret_cast<const char*>(sqlite3_column_text(payloads.s, 1)),
                                         std::size_t(sqlite3_column_bytes(payloads.s, 1)))
                                 .size();
                if (rc != SQLITE_DONE)
                    throw std::runtime_error(std::string("payloads: ") + sqlite3_errmsg(db));
                sqlite3_reset(payloads.s);
            }
            exec(db, "COMMIT");
            lat.tx(ms_since(tr));
            if (got.empty() || bytes == 0)
                break;
            auto ta = clock_type::now();
            exec(db, "BEGIN IMMEDIATE");
            for (const auto& c : got) {
                sqlite3_bind_text(ack.s, 1, "success", -1, SQLITE_STATIC);
                sqlite3_bind_null(ack.s, 2);
                sqlite3_bind_int64(ack.s, 3, 200);
                sqlite3_bind_text(ack.s, 4, "ok\n", -1, SQLITE_STATIC);
                sqlite3_bind_null(ack.s, 5);
                sqlite3_bind_int64(ack.s, 6, 1);
                sqlite3_bind_int64(ack.s, 7, now);
                sqlite3_bind_int64(ack.s, 8, c.seq);
                sqlite3_bind_text(ack.s, 9, c.id.data(), int(c.id.size()), SQLITE_STATIC);
                sqlite3_bind_int64(ack.s, 10, c.token);
                step_all(db, ack.s);
                if (sqlite3_changes(db) != 1)
                    throw std::runtime_error("raw ack matched no row");
            }
            exec(db, "COMMIT");
            lat.tx(ms_since(ta));
            lat.rounds.push_back(ms_since(tr));
            acked += got.size();
        }
        double claim_ack_s = seconds_since(t0);
        if (acked != n)
            throw std::runtime_error("raw acked " + std::to_string(acked) + " of " + std::to_string(n));
        std::printf("W1 raw sqlite: N=%zu insert %.3fs, claim+ack %.3fs\n", n, insert_s, claim_ack_s);
        figure("w1_rawsqlite_insert_per_s", double(n) / insert_s, "ops/s");
        figure("w1_rawsqlite_claim_ack_per_s", double(n) / claim_ack_s, "ops/s");
        lat.report("raw");
    }
    remove_file(path);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
        std::filesystem::path dir = argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path();
        run_raw(n, dir);
        run_hookbox(n, dir);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "benchmark failed: %s\n", e.what());
        return 1;
    }
}
