//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Enqueues, claims and acks one delivery through the installed package.

#include <hookbox.hpp>

#include <iostream>

int main() {
    hookbox::outbox outbox;
    hookbox::enqueue_request req;
    req.webhook_id = "wh-1";
    req.event_id = "evt-1";
    req.event_type = "order.created";
    req.url = "https://example.com/hook";
    req.payload = hookbox::payload::parse(R"({"order":1})");
    auto id = outbox.enqueue(req).id;

    auto claimed = outbox.claim({.node_id = "consumer", .limit = 1});
    if (claimed.size() != 1 || claimed[0].id != id)
        return 1;
    outbox.ack(claimed[0], {.outcome = hookbox::attempt_outcome::success, .http_status = 200});
    if (outbox.get(id)->status != hookbox::delivery_status::success)
        return 1;
    std::cout << "consumer: delivery " << id << " acked with hookbox " << HOOKBOX_VERSION_STRING << "\n";
    return 0;
}
