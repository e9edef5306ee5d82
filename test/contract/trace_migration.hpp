//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_TRACE_MIGRATION_HPP
#define HOOKBOX_TEST_CONTRACT_TRACE_MIGRATION_HPP

// Delivery schema version 6 (trace context) over a table written at version 5, on any data engine:
// the rows and attempt records written before read back untraced, and the table then keeps the
// traceparent of new deliveries and of new attempts. Run by the engine storages' suite (memory
// engine, SQLite) and by the PostgreSQL one.

#include "common/test_common.hpp"

#include <hookbox/outbox.hpp>
#include <hookbox/partition.hpp>
#include <hookbox/storage/delivery_schema.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

namespace hookbox::test {

template <class Storage, class Engine>
void check_version_5_table_migrates_to_trace_context(Engine eng) {
    const auto plan = delivery_schema();
    BOOST_TEST_REQUIRE(plan.latest() == 6);
    BOOST_TEST_REQUIRE(eng.migrate(plan, 5) == 5);
    const delivery_id old = delivery_id::generate();
    const std::int64_t seq = eng.insert("sys_webhook_delivery",
                                        engine::record{{"id", old.to_string()},
                                                       {"webhook_id", "wh-1"},
                                                       {"event_id", "evt-old"},
                                                       {"event_type", "order.created"},
                                                       {"url", "https://receiver.example/hook"},
                                                       {"method", "POST"},
                                                       {"partition_key", hash_partition("wh-1", 8)},
                                                       {"status", "pending"},
                                                       {"attempts", 1},
                                                       {"next_retry_at", std::int64_t(1500)},
                                                       {"error", "HTTP 503"},
                                                       {"claim_token", 0},
                                                       {"created_at", std::int64_t(1000)},
                                                       {"updated_at", std::int64_t(2000)}});
    BOOST_TEST_REQUIRE(seq > 0);
    eng.insert("sys_webhook_delivery_payload",
               engine::record{{"seq", seq}, {"payload_json", engine::value::json(R"({"n":1})")}});
    eng.insert("sys_webhook_delivery_attempt",
               engine::record{{"delivery_id", old.to_string()},
                              {"delivery_seq", seq},
                              {"attempted_at", std::int64_t(1400)},
                              {"outcome", "pending"},
                              {"response_code", 503},
                              {"duration_ms", std::int64_t(5)},
                              {"error", "HTTP 503"}});

    manual_clock clock;
    clock.set(timestamp(std::chrono::milliseconds(3000)));
    basic_outbox<Storage, manual_clock> ob(outbox_params{}, Storage(std::move(eng)), clock);
    BOOST_TEST(ob.storage().engine().schema_version(plan.name) == 6);

    // What was written before reads back as it was, untraced.
    auto before = ob.get(old);
    BOOST_TEST_REQUIRE(before.has_value());
    BOOST_TEST(before->attempts == 1);
    BOOST_TEST(before->payload.body() == R"({"n":1})");
    BOOST_TEST(!before->traceparent);
    auto history = ob.attempts(old);
    BOOST_TEST_REQUIRE(history.size() == 1u);
    BOOST_TEST(history[0].response_code == std::optional<int>(503));
    BOOST_TEST(!history[0].traceparent);

    // New deliveries and attempts keep their traceparents beside the old ones.
    const std::string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const std::string sent = "00-0af7651916cd43dd8448eb211c80319c-00000000000000a1-01";
    auto req = make_request("wh-1", "evt-new");
    req.traceparent = parent;
    const delivery_id fresh = ob.enqueue(req).id;
    auto claimed = ob.claim({.node_id = "node-A"});
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    for (const auto& d : claimed) {
        attempt_result r{.outcome = attempt_outcome::success, .http_status = 200};
        r.traceparent = sent;
        ob.ack(d, r);
    }
    BOOST_TEST(ob.get(fresh)->traceparent == std::optional<std::string>(parent));
    BOOST_TEST(!ob.get(old)->traceparent);
    history = ob.attempts(old);
    BOOST_TEST_REQUIRE(history.size() == 2u);
    BOOST_TEST(!history[0].traceparent);
    BOOST_TEST(history[1].traceparent == std::optional<std::string>(sent));
    BOOST_TEST(ob.attempts(fresh).at(0).traceparent == std::optional<std::string>(sent));
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_TRACE_MIGRATION_HPP
