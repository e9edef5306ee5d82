//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Enqueues, claims and acks one delivery in an SQLite outbox through the installed package.

#include <hookbox.hpp>
#include <hookbox/engine/sqlite_engine.hpp>

#include <iostream>

int main() {
    using sqlite_outbox = hookbox::basic_outbox<hookbox::engine_storage<hookbox::engine::sqlite_engine>>;
    sqlite_outbox outbox({}, hookbox::engine_storage(hookbox::engine::sqlite_engine(hookbox::engine::sqlite_params{})));
    auto id = outbox
                  .enqueue({.webhook_id = "wh-1",
                            .event_id = "evt-1",
                            .event_type = "order.created",
                            .url = "https://example.com/hook",
                            .payload = hookbox::payload::parse(R"({"order":1})")})
                  .id;
    auto claimed = outbox.claim({.node_id = "consumer", .limit = 1});
    if (claimed.size() != 1 || claimed[0].id != id)
        return 1;
    outbox.ack(claimed[0], {.outcome = hookbox::attempt_outcome::success, .http_status = 200});
    if (outbox.get(id)->status != hookbox::delivery_status::success)
        return 1;
    std::cout << "consumer: delivery " << id << " acked in SQLite\n";
    return 0;
}
