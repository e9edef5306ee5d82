//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// W1, the outbox core in memory: enqueue N deliveries, then claim(limit 256, node "bench", claim TTL
// 60 s, no partition) and ack success for every claimed row until a claim returns nothing.
//
// W1-scale: the claim+ack rate with a backlog of 10k, 100k and 1M pending deliveries. For each
// backlog B, rounds of "enqueue B (not timed), drain B (timed)" run until at least 200k rows were
// drained, so finished rows pile up from round to round, as they do in a service.
//
// Usage: hookbox_bench_w1 w1 [N]          (default N = 100000)
//        hookbox_bench_w1 scale [B ...]   (default 10000 100000 1000000)
// Every loop is bounded by count and by a 600 s wall-clock limit.

#include "workload.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace hookbox;
using namespace hookbox::bench;
using clock_type = std::chrono::steady_clock;

const auto deadline = clock_type::now() + std::chrono::seconds(600);

void check_deadline() {
    if (clock_type::now() > deadline)
        throw std::runtime_error("benchmark exceeded its 600 s bound");
}

// Claims and acks until a claim returns nothing; returns the number of rows acked. Each claim
// fills the same vector, as a worker's loop would (`claim(opts, rows)`).
std::size_t drain(outbox& ob) {
    const claim_options opts{.node_id = "bench", .limit = 256, .claim_ttl = std::chrono::seconds(60)};
    std::size_t acked = 0;
    std::vector<delivery> rows;
    for (;;) {
        check_deadline();
        ob.claim(opts, rows);
        if (rows.empty())
            return acked;
        for (const auto& d : rows) {
            ob.ack(d, {.outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok\n"});
            ++acked;
        }
    }
}

int run_w1(std::size_t n) {
    std::vector<enqueue_request> inputs;
    inputs.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        inputs.push_back(request(i));

    outbox ob;
    auto t0 = clock_type::now();
    for (auto& r : inputs)
        ob.enqueue(std::move(r));
    double enqueue_s = seconds_since(t0);
    check_deadline();

    t0 = clock_type::now();
    std::size_t acked = drain(ob);
    double claim_ack_s = seconds_since(t0);
    if (acked != n)
        throw std::runtime_error("acked " + std::to_string(acked) + " of " + std::to_string(n));

    std::printf("W1 hookbox memory: N=%zu enqueue %.3fs, claim+ack %.3fs\n", n, enqueue_s, claim_ack_s);
    figure("w1_hookbox_memory_enqueue_per_s", static_cast<double>(n) / enqueue_s, "ops/s");
    figure("w1_hookbox_memory_claim_ack_per_s", static_cast<double>(n) / claim_ack_s, "ops/s");
    figure("w1_hookbox_memory_peak_rss", peak_rss_mib(), "MiB");
    return 0;
}

int run_scale(const std::vector<std::size_t>& backlogs) {
    constexpr std::size_t min_measured = 200000;
    for (std::size_t backlog : backlogs) {
        outbox ob;
        std::size_t next = 0;
        std::size_t measured = 0;
        double seconds = 0;
        while (measured < min_measured) {
            for (std::size_t i = 0; i < backlog; ++i)
                ob.enqueue(request(next++));
            auto t0 = clock_type::now();
            std::size_t acked = drain(ob);
            seconds += seconds_since(t0);
            if (acked != backlog)
                throw std::runtime_error("acked " + std::to_string(acked) + " of " + std::to_string(backlog));
            measured += acked;
        }
        std::printf("W1-scale hookbox memory: backlog %zu, %zu rows drained in %.3fs, %zu rows stored\n", backlog,
                    measured, seconds, next);
        figure("w1scale_hookbox_memory_claim_ack_per_s_" + std::to_string(backlog),
               static_cast<double>(measured) / seconds, "ops/s");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        std::string mode = argc > 1 ? argv[1] : "w1";
        if (mode == "w1")
            return run_w1(argc > 2 ? std::stoul(argv[2]) : 100000);
        if (mode == "scale") {
            std::vector<std::size_t> backlogs;
            for (int i = 2; i < argc; ++i)
                backlogs.push_back(std::stoul(argv[i]));
            if (backlogs.empty())
                backlogs = {10000, 100000, 1000000};
            return run_scale(backlogs);
        }
        std::fprintf(stderr, "usage: %s w1 [N] | scale [backlog ...]\n", argv[0]);
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "benchmark failed: %s\n", e.what());
        return 1;
    }
}
