//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// One claiming process of the multi-process test: claims from a shared SQLite outbox until a claim
// comes back empty, acks every row it claimed, and prints each claimed id on its own line.
//
// Usage: hookbox_sqlite_claimer <database file> <node id> <claim limit>
// Exits 0 on success; bounded by 100000 claims and a 120 s deadline.

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace hookbox;
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s <database file> <node id> <claim limit>\n", argv[0]);
        return 2;
    }
    try {
        engine::sqlite_params p;
        p.path = argv[1];
        p.busy_timeout = std::chrono::seconds(30);
        basic_outbox<sql_storage<engine::sqlite_engine>> ob(outbox_params{},
                                                               sql_storage<engine::sqlite_engine>(engine::sqlite_engine(p)));
        claim_options opts;
        opts.node_id = argv[2];
        opts.limit = std::stoul(argv[3]);
        opts.claim_ttl = std::chrono::minutes(10);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        for (int round = 0; round < 100000 && std::chrono::steady_clock::now() < deadline; ++round) {
            auto rows = ob.claim(opts);
            if (rows.empty())
                return 0;
            std::vector<ack_entry> acks;
            for (const auto& d : rows) {
                std::printf("%s\n", d.id.to_string().c_str());
                acks.push_back(ack_entry::for_claimed(d, attempt_result{.http_status = 200}));
            }
            std::fflush(stdout);
            for (const auto& e : ob.ack_many(std::move(acks)))
                if (e) {
                    std::fprintf(stderr, "claimer %s: ack failed: %s\n", argv[2], e.message().c_str());
                    return 1;
                }
        }
        std::fprintf(stderr, "claimer %s: ran out of rounds or time\n", argv[2]);
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "claimer %s: %s\n", argv[2], e.what());
        return 1;
    }
}
