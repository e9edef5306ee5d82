//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// W3 and W3-held (bench/WORKLOADS.md): the outbox on PostgreSQL, sql_storage over postgres_engine,
// each run in a schema of its own (created, put in the connections' search_path, and dropped at
// the end).
//
//   single: enqueue N deliveries one at a time (one transaction each), then drain them.
//   batch:  enqueue N with enqueue_many in batches of 1000 (one transaction each), then drain:
//           claim(limit 256) + ack_many of the claimed rows until a claim returns nothing, on
//           W3_WORKERS threads at once (each its own claims and acks, on its own connection).
//   held:   enqueue N as in batch; then another connection runs `BEGIN; SELECT txid_current();`
//           and stays idle in its transaction while the rows are drained as in batch.
//
// After the batch and the held drains, the outbox is closed and, once its backends have left
// pg_stat_activity (a backend flushes its statistics before it leaves), the dead tuples of the
// delivery tables are read from pg_stat_user_tables; then again after a VACUUM of those tables
// (not timed; in the held run, while the transaction is still open). Every run ends by counting the rows by
// status: each delivery must have been claimed and acked exactly once (one success, one attempt
// record), and none claimed twice; any mismatch prints a FIGURE and fails the program.
//
// Usage: hookbox_bench_w3 [uri]
// Env:   W3_PG_URI (the peers' cluster, postgresql://postgres@127.0.0.1:15432/postgres),
//        W3_N (20000), W3_WORKERS (4), W3_PHASES (single,batch,held), W3_POOL (8: the engine's
//        connections), W3_LOG_STATEMENTS (0; 1 sets log_min_duration_statement = 0 on the outbox's
//        connections, so that the server's log shows each statement and its time).
// Every loop is bounded by count and by a 600 s wall-clock limit.

#include "pg_admin.hpp"
#include "workload.hpp"

#include <hookbox/engine/postgres_engine.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace hookbox;
using namespace hookbox::bench;
using clock_type = std::chrono::steady_clock;
using pg_outbox = basic_outbox<sql_storage<engine::postgres_engine>>;

constexpr std::size_t claim_limit = 256;
constexpr std::size_t enqueue_batch = 1000;
const auto deadline = clock_type::now() + std::chrono::seconds(600);

void check_deadline() {
    if (clock_type::now() > deadline)
        throw std::runtime_error("benchmark exceeded its 600 s bound");
}

std::size_t env(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string env_text(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

struct config {
    std::string uri;
    std::size_t n = 20000;
    std::size_t workers = 4;
    std::size_t pool = 8;
    bool log_statements = false;
};

// A mismatch between what was enqueued and what the tables hold; the program fails at the end.
int failures = 0;

void mismatch(const std::string& name, long long value, const std::string& what) {
    std::printf("MISMATCH %s: %s\n", name.c_str(), what.c_str());
    figure(name, double(value), "rows");
    ++failures;
}

// The outbox of one run, in its schema; its connections carry the application name `app`.
pg_outbox open_outbox(const config& cfg, const std::string& schema, const std::string& app) {
    engine::postgres_params p;
    std::vector<std::string> settings;
    if (cfg.log_statements)
        settings.emplace_back("log_min_duration_statement=0");
    p.conninfo = with_schema(cfg.uri, schema, app, settings);
    p.pool_size = cfg.pool;
    return pg_outbox(outbox_params{}, sql_storage<engine::postgres_engine>(engine::postgres_engine(p)));
}

std::vector<enqueue_request> requests(std::size_t n) {
    std::vector<enqueue_request> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back(request(i));
    return out;
}

double enqueue_single(pg_outbox& ob, std::vector<enqueue_request> reqs) {
    auto t0 = clock_type::now();
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        if ((i & 255) == 0)
            check_deadline();
        if (!ob.enqueue(std::move(reqs[i])).created)
            throw std::runtime_error("enqueue found a stored pair");
    }
    return seconds_since(t0);
}

double enqueue_batches(pg_outbox& ob, std::vector<enqueue_request> reqs) {
    std::vector<std::vector<enqueue_request>> batches;
    for (std::size_t i = 0; i < reqs.size(); i += enqueue_batch)
        batches.emplace_back(std::make_move_iterator(reqs.begin() + std::ptrdiff_t(i)),
                             std::make_move_iterator(reqs.begin() + std::ptrdiff_t(std::min(reqs.size(), i + enqueue_batch))));
    auto t0 = clock_type::now();
    for (auto& b : batches) {
        check_deadline();
        for (const auto& r : ob.enqueue_many(std::move(b)))
            if (!r.created)
                throw std::runtime_error("enqueue_many found a stored pair");
    }
    return seconds_since(t0);
}

struct drain_result {
    double seconds = 0;
    std::size_t acked = 0, claims = 0, twice = 0, ack_errors = 0;
};

// claim(256) + ack_many until a claim returns nothing, on `workers` threads.
drain_result drain(pg_outbox& ob, std::size_t workers) {
    const claim_options opts{.node_id = "bench", .limit = claim_limit, .claim_ttl = std::chrono::seconds(60)};
    std::mutex m;
    std::vector<std::uint64_t> seqs;
    std::atomic<std::size_t> acked{0}, claims{0}, ack_errors{0};
    std::string failure;
    auto work = [&] {
        try {
            std::vector<std::uint64_t> mine;
            std::vector<delivery> rows;
            for (;;) {
                check_deadline();
                ob.claim(opts, rows);
                claims.fetch_add(1);
                if (rows.empty())
                    break;
                std::vector<ack_entry> acks;
                acks.reserve(rows.size());
                for (const auto& d : rows) {
                    mine.push_back(d.sequence);
                    acks.push_back(ack_entry::for_claimed(
                        d, attempt_result{.outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok\n"}));
                }
                for (const auto& e : ob.ack_many(std::move(acks)))
                    if (e)
                        ack_errors.fetch_add(1);
                acked.fetch_add(rows.size());
            }
            std::lock_guard lock(m);
            seqs.insert(seqs.end(), mine.begin(), mine.end());
        } catch (const std::exception& e) {
            std::lock_guard lock(m);
            failure = e.what();
        }
    };
    auto t0 = clock_type::now();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i)
        threads.emplace_back(work);
    for (auto& t : threads)
        t.join();
    drain_result r;
    r.seconds = seconds_since(t0);
    if (!failure.empty())
        throw std::runtime_error("drain: " + failure);
    std::sort(seqs.begin(), seqs.end());
    r.twice = seqs.size() - std::size_t(std::unique(seqs.begin(), seqs.end()) - seqs.begin());
    r.acked = acked.load();
    r.claims = claims.load();
    r.ack_errors = ack_errors.load();
    return r;
}

// Every delivery enqueued is `success`, attempted once, with one attempt record; the drain claimed
// each once and every ack applied.
void verify(pg_admin& admin, const std::string& schema, std::size_t n, const drain_result& d, const std::string& tag) {
    const std::string t = schema + "." + sql_storage_params{}.table;
    const std::string at = schema + "." + attempt_table(sql_storage_params{}.table);
    std::size_t success = 0, other = 0;
    for (const auto& row : admin.rows("SELECT status, count(*), sum(attempts) FROM " + t + " GROUP BY status")) {
        const auto count = std::stoull(row[1]);
        if (row[0] == "success") {
            success = count;
            if (std::stoull(row[2]) != count)
                mismatch("w3_" + tag + "_success_attempts_mismatch", std::stoll(row[2]),
                         tag + ": success rows with other than one attempt");
        } else {
            other += count;
            std::printf("%s: %llu rows %s\n", tag.c_str(), static_cast<unsigned long long>(count), row[0].c_str());
        }
    }
    const auto records = std::stoull(admin.scalar("SELECT count(*) FROM " + at));
    const auto owners = std::stoull(admin.scalar("SELECT count(DISTINCT delivery_seq) FROM " + at));
    std::printf("%s check: %zu success, %zu in other states, %llu attempt records for %llu rows; drain acked %zu "
                "in %zu claims, %zu claimed twice, %zu ack errors\n",
                tag.c_str(), success, other, static_cast<unsigned long long>(records),
                static_cast<unsigned long long>(owners), d.acked, d.claims, d.twice, d.ack_errors);
    if (success != n)
        mismatch("w3_" + tag + "_success_mismatch", (long long)success, tag + ": success rows != N");
    if (other != 0)
        mismatch("w3_" + tag + "_unfinished_rows", (long long)other, tag + ": rows not success");
    if (records != n || owners != n)
        mismatch("w3_" + tag + "_attempt_records_mismatch", (long long)records, tag + ": attempt records != N");
    if (d.acked != n)
        mismatch("w3_" + tag + "_acked_mismatch", (long long)d.acked, tag + ": acked != N");
    if (d.twice != 0)
        mismatch("w3_" + tag + "_claimed_twice", (long long)d.twice, tag + ": rows claimed twice");
    if (d.ack_errors != 0)
        mismatch("w3_" + tag + "_ack_errors", (long long)d.ack_errors, tag + ": acks refused");
}

struct dead_counts {
    long long after_drain = 0, after_vacuum = 0;
};

// The dead tuples of the delivery tables (n_dead_tup of pg_stat_user_tables), once the backends of
// `app` are gone (each flushes its counts before it leaves); then again after a VACUUM of them,
// which removes what no open transaction can still see. Also printed per table.
dead_counts dead_tuples(pg_admin& admin, const std::string& schema, const std::string& app, const std::string& tag) {
    admin.wait_backends_gone(app, std::chrono::seconds(30));
    const std::string table = sql_storage_params{}.table;
    const std::string tables[] = {table, attempt_table(table), payload_table(table)};
    auto read = [&](const char* when) {
        long long total = 0;
        for (const auto& row : admin.rows("SELECT relname, n_dead_tup, n_live_tup, n_tup_upd, n_tup_hot_upd, "
                                          "coalesce(last_autovacuum::text, 'never') FROM pg_stat_user_tables "
                                          "WHERE schemaname = '" + schema + "' AND relname IN ('" + tables[0] + "', '" +
                                          tables[1] + "', '" + tables[2] + "') ORDER BY relname")) {
            std::printf("%s %s %s: n_dead_tup %s, n_live_tup %s, updates %s (HOT %s), last autovacuum %s\n",
                        tag.c_str(), when, row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(),
                        row[4].c_str(), row[5].c_str());
            total += std::stoll(row[1]);
        }
        return total;
    };
    dead_counts d;
    d.after_drain = read("after the drain");
    admin.exec("VACUUM " + schema + "." + tables[0] + ", " + schema + "." + tables[1] + ", " + schema + "." + tables[2]);
    d.after_vacuum = read("after VACUUM");
    return d;
}

std::string schema_name(const char* phase) { return "hookbox_w3_" + std::to_string(::getpid()) + "_" + phase; }

void run_single(const config& cfg, pg_admin& admin) {
    scoped_schema schema(admin, schema_name("single"));
    const std::string app = schema.name();
    auto reqs = requests(cfg.n);
    drain_result d;
    double enq_s = 0;
    {
        pg_outbox ob = open_outbox(cfg, schema.name(), app);
        enq_s = enqueue_single(ob, std::move(reqs));
        d = drain(ob, cfg.workers);
    }
    std::printf("W3 hookbox N=%zu: enqueue one at a time %.3fs; drain after it %.3fs (%zu workers)\n", cfg.n, enq_s,
                d.seconds, cfg.workers);
    verify(admin, schema.name(), cfg.n, d, "single");
    figure("w3_hookbox_enqueue_single_per_s", double(cfg.n) / enq_s, "jobs/s");
    figure("w3_hookbox_claim256_ack_after_single_per_s", double(cfg.n) / d.seconds, "jobs/s");
}

void run_batch(const config& cfg, pg_admin& admin) {
    scoped_schema schema(admin, schema_name("batch"));
    const std::string app = schema.name();
    auto reqs = requests(cfg.n);
    drain_result d;
    double enq_s = 0;
    {
        pg_outbox ob = open_outbox(cfg, schema.name(), app);
        enq_s = enqueue_batches(ob, std::move(reqs));
        d = drain(ob, cfg.workers);
    }
    const dead_counts dead = dead_tuples(admin, schema.name(), app, "normal");
    std::printf("W3 hookbox N=%zu: enqueue_many in batches of %zu %.3fs; claim(%zu)+ack_many %.3fs (%zu workers)\n",
                cfg.n, enqueue_batch, enq_s, claim_limit, d.seconds, cfg.workers);
    verify(admin, schema.name(), cfg.n, d, "batch");
    figure("w3_hookbox_enqueue_b1000_per_s", double(cfg.n) / enq_s, "jobs/s");
    figure("w3_hookbox_claim256_ack_per_s", double(cfg.n) / d.seconds, "jobs/s");
    figure("w3_hookbox_dead_tuples", double(dead.after_drain), "tuples");
    figure("w3_hookbox_dead_tuples_after_vacuum", double(dead.after_vacuum), "tuples");
}

void run_held(const config& cfg, pg_admin& admin) {
    scoped_schema schema(admin, schema_name("held"));
    const std::string app = schema.name();
    auto reqs = requests(cfg.n);
    drain_result d;
    dead_counts dead;
    std::string holder_xid;
    {
        pg_admin holder(with_schema(cfg.uri, schema.name(), app + "_holder"));
        {
            pg_outbox ob = open_outbox(cfg, schema.name(), app);
            enqueue_batches(ob, std::move(reqs));
            // From here until the dead tuples are read, no row version this drain leaves behind
            // can be removed: the holder's transaction is older.
            holder.exec("BEGIN");
            holder_xid = holder.scalar("SELECT txid_current()");
            d = drain(ob, cfg.workers);
        }
        dead = dead_tuples(admin, schema.name(), app, "held");
        const auto state = admin.scalar("SELECT state FROM pg_stat_activity WHERE application_name = '" + app +
                                        "_holder'");
        std::printf("held: the holder (xid %s) is '%s' at the end of the drain\n", holder_xid.c_str(), state.c_str());
        if (state != "idle in transaction")
            throw std::runtime_error("the holder's transaction did not stay open");
        holder.exec("ROLLBACK");
    }
    std::printf("W3-held hookbox N=%zu: claim(%zu)+ack_many %.3fs (%zu workers) beside a transaction held open\n",
                cfg.n, claim_limit, d.seconds, cfg.workers);
    verify(admin, schema.name(), cfg.n, d, "held");
    figure("w3held_hookbox_claim256_ack_per_s", double(cfg.n) / d.seconds, "jobs/s");
    figure("w3held_hookbox_dead_tuples", double(dead.after_drain), "tuples");
    figure("w3held_hookbox_dead_tuples_after_vacuum", double(dead.after_vacuum), "tuples");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        config cfg;
        cfg.uri = pg_uri("W3_PG_URI", argc, argv, 1);
        cfg.n = env("W3_N", 20000);
        cfg.workers = std::max<std::size_t>(1, env("W3_WORKERS", 4));
        cfg.pool = std::max<std::size_t>(cfg.workers, env("W3_POOL", 8));
        cfg.log_statements = env("W3_LOG_STATEMENTS", 0) != 0;
        const std::string phases = "," + env_text("W3_PHASES", "single,batch,held") + ",";

        pg_admin admin(cfg.uri);
        const std::string sync = admin.scalar("SHOW synchronous_commit");
        std::printf("synchronous_commit: %s\n", sync.c_str());
        std::printf("server: %s; fsync %s\n", admin.scalar("SHOW server_version").c_str(),
                    admin.scalar("SHOW fsync").c_str());
        if (sync != "on") {
            std::fprintf(stderr, "w3: synchronous_commit must be 'on' (the stock setting)\n");
            return 1;
        }
        if (phases.find(",single,") != std::string::npos)
            run_single(cfg, admin);
        if (phases.find(",batch,") != std::string::npos)
            run_batch(cfg, admin);
        if (phases.find(",held,") != std::string::npos)
            run_held(cfg, admin);
        return failures == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "w3: %s\n", e.what());
        return 1;
    }
}
