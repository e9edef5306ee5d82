//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// W2 and W2-latency (bench/WORKLOADS.md): the outbox, the dispatcher and beast_sender end to end,
// into the receiver on 127.0.0.1:18080 (nginx, started by bench/run.sh).
//
//   hookbox_bench_w2 w2  <memory|sqlite|postgres> [dir]   N=20000 signed deliveries, enqueued
//                                                first; the clock runs from dispatcher start to the last ack
//   hookbox_bench_w2 lat <memory|sqlite|postgres> [dir]   1000 deliveries/s for 20 s into a running
//                                                dispatcher; enqueue-to-ack latency p50 and p99
//
// Env: W2_N (20000), W2_IN_FLIGHT (256), W2_BATCH (64), W2_CONNS (32), LAT_RATE (1000), LAT_S (20),
// LAT_PRODUCERS (threads that enqueue on the schedule: 1, and 4 for PostgreSQL, whose commits can
// take longer than the 1 ms between two enqueues);
// for SQLite, W2_BACKGROUND_CHECKPOINT (1) and W2_WAL_PAGES (sqlite_params::wal_autocheckpoint);
// for PostgreSQL, W2_PG_URI (the peers' cluster, postgresql://postgres@127.0.0.1:15432/postgres):
// the outbox's tables go to a schema of their own, created for the run and dropped after it
// (stock server settings: synchronous_commit on).
// One I/O thread runs the dispatcher and the sender; storage calls run on a one-thread pool given to
// the dispatcher as its storage executor (W2_STORAGE_THREADS threads, for experiments). Duplicate
// sends are requests sent beyond one per delivery.

#include "workload.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/engine/sqlite_engine.hpp>

#include <boost/asio/thread_pool.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/asio/io_context.hpp>

#ifdef HOOKBOX_BENCH_POSTGRES
#include "pg_admin.hpp"

#include <hookbox/engine/postgres_engine.hpp>

#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using namespace hookbox;
using namespace hookbox::bench;
using steady = std::chrono::steady_clock;

std::size_t env(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 10) : fallback;
}

const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// Counts successes, wakes the dispatcher on enqueue, and (for W2-latency) measures
// enqueue-to-ack time per delivery. Called on the storage thread and the producer thread.
struct bench_observer {
    struct state {
        std::atomic<std::size_t> succeeded{0};
        std::atomic<std::size_t> target{0};
        std::function<void()> on_target;
        std::shared_ptr<hookbox::wakeup> wake;
        bool track_latency = false;
        std::mutex m;
        // Enqueue times of deliveries not acked yet, and ack times of deliveries whose enqueue
        // has not returned yet (the ack can come first).
        std::unordered_map<delivery_id, steady::time_point> started, acked_early;
        std::vector<double> latencies_us;
    };
    std::shared_ptr<state> s = std::make_shared<state>();

    void on_enqueue(const enqueue_result& r) {
        if (r.created && s->wake)
            s->wake->notify();
    }
    void on_attempt(const delivery_id& id, const attempt_result& r) {
        if (r.outcome != attempt_outcome::success)
            return;
        if (s->track_latency) {
            auto now = steady::now();
            std::lock_guard lock(s->m);
            if (auto it = s->started.find(id); it != s->started.end()) {
                s->latencies_us.push_back(std::chrono::duration<double, std::micro>(now - it->second).count());
                s->started.erase(it);
            } else {
                s->acked_early.emplace(id, now);
            }
        }
        if (s->succeeded.fetch_add(1) + 1 == s->target.load() && s->on_target)
            s->on_target();
    }
};

using observed_memory_outbox = basic_outbox<memory_storage, std::chrono::system_clock, fnv1a_partition_hasher, bench_observer>;
using sqlite_outbox = basic_outbox<sql_storage<engine::sqlite_engine>, std::chrono::system_clock,
                                   fnv1a_partition_hasher, bench_observer>;
#ifdef HOOKBOX_BENCH_POSTGRES
using postgres_outbox = basic_outbox<sql_storage<engine::postgres_engine>, std::chrono::system_clock,
                                     fnv1a_partition_hasher, bench_observer>;
#endif

// The sender and the dispatcher on the io_context's own executor type: no type-erased executor
// on the hot path.
using io_executor = boost::asio::io_context::executor_type;
using io_sender = basic_beast_sender<io_executor>;
template <class Outbox>
using io_dispatcher = dispatcher<Outbox, io_sender, io_executor>;

enqueue_request signed_request(std::size_t i) {
    auto r = request(i);
    r.secret = secret;
    return r;
}

sender_params sender_config() {
    sender_params p;
    p.addresses = http::address_policy::loopback_allowed();
    p.max_connections_per_origin = env("W2_CONNS", 32);
    return p;
}

dispatcher_params dispatcher_config(const std::shared_ptr<wakeup>& wake) {
    dispatcher_params p;
    p.node_id = "bench";
    p.batch_size = env("W2_BATCH", 64);
    p.max_in_flight = env("W2_IN_FLIGHT", 256);
    p.poll_interval = std::chrono::milliseconds(100);
    p.wakeup = wake;
    return p;
}

template <class Outbox>
int run_w2(Outbox& ob, const std::string& storage) {
    const std::size_t n = env("W2_N", 20000);
    std::vector<enqueue_request> reqs;
    reqs.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        reqs.push_back(signed_request(i));
    for (std::size_t i = 0; i < n; i += 1000) {
        std::vector<enqueue_request> batch(std::make_move_iterator(reqs.begin() + i),
                                           std::make_move_iterator(reqs.begin() + std::min(n, i + 1000)));
        ob.enqueue_many(std::move(batch));
    }

    boost::asio::io_context ioc(1);
    io_sender sender(ioc.get_executor(), sender_config());
    auto wake = std::make_shared<wakeup>();
    boost::asio::thread_pool storage_pool(env("W2_STORAGE_THREADS", 1));
    io_dispatcher<Outbox> d(ioc.get_executor(), storage_pool.get_executor(), ob, sender, dispatcher_config(wake));
    auto& st = *ob.observer().s;
    st.target = n;
    st.on_target = [&] { d.cancel(); };
    bool finished = false;
    auto t0 = steady::now();
    double elapsed = 0;
    d.async_run([&](error_code) { finished = true; });
    // Bounded: the run ends at the last ack, or after 300 s.
    boost::asio::steady_timer limit(ioc, std::chrono::seconds(300));
    limit.async_wait([&](error_code ec) {
        if (!ec)
            d.cancel();
    });
    while (!finished && ioc.run_one()) {
        if (st.succeeded.load() >= n && elapsed == 0)
            elapsed = seconds_since(t0);
    }
    if (elapsed == 0)
        elapsed = seconds_since(t0);
    limit.cancel();
    ioc.run();
    auto ss = d.stats();
    std::size_t delivered = st.succeeded.load();
    std::printf("w2 %s: %zu of %zu delivered in %.3f s (claims %llu, attempts %llu, requests %llu, "
                "connections %llu)\n",
                storage.c_str(), delivered, n, elapsed, (unsigned long long)ss.claims,
                (unsigned long long)ss.attempts, (unsigned long long)sender.stats().requests,
                (unsigned long long)sender.stats().connections_opened);
    if (delivered != n)
        return 1;
    figure("w2_hookbox_" + storage + "_deliveries_per_s", double(n) / elapsed, "deliveries/s");
    figure("w2_hookbox_" + storage + "_peak_rss", peak_rss_mib(), "MiB");
    figure("w2_hookbox_" + storage + "_duplicates", double(sender.stats().requests - n), "sends");
    return 0;
}

template <class Outbox>
int run_latency(Outbox& ob, const std::string& storage) {
    const std::size_t rate = env("LAT_RATE", 1000), secs = env("LAT_S", 20);
    const std::size_t n = rate * secs;
    std::vector<enqueue_request> reqs;
    reqs.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        reqs.push_back(signed_request(i));

    boost::asio::io_context ioc(1);
    io_sender sender(ioc.get_executor(), sender_config());
    auto wake = std::make_shared<wakeup>();
    auto& st = *ob.observer().s;
    st.wake = wake;
    st.track_latency = true;
    st.target = n;
    boost::asio::thread_pool storage_pool(env("W2_STORAGE_THREADS", 1));
    io_dispatcher<Outbox> d(ioc.get_executor(), storage_pool.get_executor(), ob, sender, dispatcher_config(wake));
    st.on_target = [&] { d.cancel(); };
    bool finished = false;
    d.async_run([&](error_code) { finished = true; });
    boost::asio::steady_timer limit(ioc, std::chrono::seconds(secs + 60));
    limit.async_wait([&](error_code ec) {
        if (!ec)
            d.cancel();
    });

    // The producers: enqueue i at start + i/rate s, on that schedule (not one after the other),
    // spread over `producers` threads so that one enqueue waiting for its commit does not hold up
    // the next one (a server's commit can take longer than 1/rate s).
    const std::size_t producers = std::max<std::size_t>(1, env("LAT_PRODUCERS", storage == "postgres" ? 4 : 1));
    const auto start = steady::now() + std::chrono::milliseconds(10);
    const auto step = std::chrono::nanoseconds(1000000000 / rate);
    std::atomic<std::int64_t> last_done_ns{0};
    std::vector<double> lag_us(n, 0.0);
    auto produce = [&](std::size_t first) {
        for (std::size_t i = first; i < n; i += producers) {
            std::this_thread::sleep_until(start + i * step);
            auto t = steady::now();
            lag_us[i] = std::chrono::duration<double, std::micro>(t - (start + i * step)).count();
            // The id is assigned inside enqueue, and the delivery may be acked before enqueue
            // returns: then its ack time is waiting in acked_early. The lock is not held during
            // the enqueue, which on a server takes a commit's time.
            auto r = std::move(reqs[i]);
            error_code ec;
            diagnostics diag;
            auto res = ob.enqueue(std::move(r), ec, diag);
            auto done = std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - start).count();
            for (auto seen = last_done_ns.load(); seen < done && !last_done_ns.compare_exchange_weak(seen, done);) {
            }
            if (ec)
                continue;
            std::lock_guard lock(st.m);
            if (auto it = st.acked_early.find(res.id); it != st.acked_early.end()) {
                st.latencies_us.push_back(std::chrono::duration<double, std::micro>(it->second - t).count());
                st.acked_early.erase(it);
            } else {
                st.started.emplace(res.id, t);
            }
        }
    };
    std::vector<std::thread> producer;
    for (std::size_t k = 0; k < producers; ++k)
        producer.emplace_back(produce, k);
    while (!finished && ioc.run_one()) {
    }
    for (auto& t : producer)
        t.join();
    // The rate the producers achieved: a producer that falls behind its schedule offers less.
    const double offered = double(n) / (double(last_done_ns.load()) / 1e9);
    std::sort(lag_us.begin(), lag_us.end());
    std::printf("lat %s: %zu producer thread(s) offered %.0f enqueues/s (schedule %zu/s); start lag p99 %.0f us, "
                "max %.0f us\n",
                storage.c_str(), producers, offered, rate, lag_us[std::min(n - 1, n * 99 / 100)], lag_us.back());
    limit.cancel();
    ioc.run();

    auto& l = st.latencies_us;
    std::sort(l.begin(), l.end());
    if (l.size() != n) {
        std::printf("lat %s: only %zu of %zu delivered\n", storage.c_str(), l.size(), n);
        return 1;
    }
    auto pct = [&](double p) { return l[std::min(l.size() - 1, std::size_t(p * double(l.size())))]; };
    std::printf("lat %s: %zu deliveries at %zu/s; p50 %.0f us, p99 %.0f us, max %.0f us\n", storage.c_str(), n,
                rate, pct(0.50), pct(0.99), l.back());
    figure("lat_hookbox_" + storage + "_p50_us", pct(0.50), "us");
    figure("lat_hookbox_" + storage + "_p99_us", pct(0.99), "us");
    figure("lat_hookbox_" + storage + "_offered_per_s", offered, "enqueues/s");
    return 0;
}

engine::sqlite_engine open_engine(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path + suffix);
    engine::sqlite_params p;
    p.path = path;
    p.wal = true;
    p.synchronous = engine::sqlite_params::sync_mode::normal;
    p.background_checkpoint = env("W2_BACKGROUND_CHECKPOINT", 1) != 0;
    p.wal_autocheckpoint = static_cast<std::uint32_t>(env("W2_WAL_PAGES", p.wal_autocheckpoint));
    return engine::sqlite_engine(p);
}

#ifdef HOOKBOX_BENCH_POSTGRES
// W2 on PostgreSQL, in a fresh schema of the server at W2_PG_URI.
int run_postgres(const std::string& what) {
    const char* uri_env = std::getenv("W2_PG_URI");
    const std::string uri = uri_env && *uri_env ? uri_env : "postgresql://postgres@127.0.0.1:15432/postgres";
    pg_admin admin(uri);
    std::printf("synchronous_commit: %s\n", admin.scalar("SHOW synchronous_commit").c_str());
    scoped_schema schema(admin, "hookbox_w2_" + std::to_string(::getpid()));
    engine::postgres_params p;
    p.conninfo = with_schema(uri, schema.name(), schema.name());
    postgres_outbox ob(outbox_params{}, sql_storage<engine::postgres_engine>(engine::postgres_engine(p)));
    return what == "w2" ? run_w2(ob, "postgres") : run_latency(ob, "postgres");
}
#endif

}  // namespace

int main(int argc, char** argv) {
    std::string what = argc > 1 ? argv[1] : "w2";
    std::string storage = argc > 2 ? argv[2] : "memory";
    std::string dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path().string();
#ifdef HOOKBOX_BENCH_POSTGRES
    const bool postgres_built = true;
#else
    const bool postgres_built = false;
#endif
    if ((what != "w2" && what != "lat") ||
        (storage != "memory" && storage != "sqlite" && (storage != "postgres" || !postgres_built))) {
        std::fprintf(stderr, "usage: %s w2|lat memory|sqlite%s [dir]\n", argv[0], postgres_built ? "|postgres" : "");
        return 2;
    }
    try {
#ifdef HOOKBOX_BENCH_POSTGRES
        if (storage == "postgres")
            return run_postgres(what);
#endif
        if (storage == "memory") {
            observed_memory_outbox ob;
            return what == "w2" ? run_w2(ob, storage) : run_latency(ob, storage);
        }
        std::string path = dir + "/hookbox-w2.db";
        sqlite_outbox ob(outbox_params{}, sql_storage<engine::sqlite_engine>(open_engine(path)));
        int rc = what == "w2" ? run_w2(ob, storage) : run_latency(ob, storage);
        for (const char* suffix : {"", "-wal", "-shm"})
            std::filesystem::remove(path + suffix);
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "w2: %s\n", e.what());
        return 1;
    }
}
