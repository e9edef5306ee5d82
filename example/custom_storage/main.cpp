//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// A basic_outbox over map_storage, a storage written from the outbox_storage concept: enqueue with
// a duplicate, claim, acks that succeed, retry and give up, a fenced-off second ack, the attempt
// history, a redelivery and the stats. The program checks every result and exits with 1 on a
// mismatch.

#include "map_storage.hpp"

#include <hookbox/clock.hpp>
#include <hookbox/outbox.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
    if (!ok) {
        std::printf("custom_storage: FAILED: %s\n", what);
        ++failures;
    }
}

hookbox::enqueue_request order_event(const char* webhook_id, const char* url) {
    hookbox::enqueue_request req;
    req.webhook_id = webhook_id;
    req.event_id = "order-1001.created";
    req.event_type = "order.created";
    req.url = url;
    req.secret = "whsec_3f9b2c7d41e8a6b5";
    req.payload = hookbox::payload::parse(R"({"order":1001,"total":"42.00"})");
    return req;
}

}  // namespace

int main() {
    using namespace std::chrono_literals;
    using hookbox::attempt_outcome;
    using hookbox::delivery_status;

    //[use
    // Your storage goes where memory_storage would: the outbox is the same, whatever keeps the rows.
    hookbox::manual_clock clock;  // a clock that moves when told, so that retry times are exact
    hookbox::basic_outbox<example::map_storage, hookbox::manual_clock> outbox(
        hookbox::outbox_params{}, example::map_storage(), clock);
    //]

    // 1. Enqueue one order event for three subscribers, and the first one again.
    auto orders = outbox.enqueue(order_event("wh-orders", "https://orders.example/hooks"));
    auto billing = outbox.enqueue(order_event("wh-billing", "https://billing.example/hooks"));
    auto legacy = outbox.enqueue(order_event("wh-legacy", "https://legacy.example/hooks"));
    auto again = outbox.enqueue(order_event("wh-orders", "https://orders.example/hooks"));
    check(orders.created && billing.created && legacy.created, "three new deliveries");
    check(!again.created && again.id == orders.id, "the duplicate returns the first delivery's id");
    std::printf("enqueued 3 deliveries; the duplicate returned %s\n", again.id.to_string().c_str());

    // 2. Claim them: in enqueue order, in flight, with their secrets and distinct claim tokens.
    auto batch = outbox.claim({.node_id = "node-1", .limit = 10});
    check(batch.size() == 3, "one claim takes all three");
    if (batch.size() != 3)
        return 1;
    check(batch[0].id == orders.id && batch[1].id == billing.id && batch[2].id == legacy.id, "enqueue order");
    check(batch[0].status == delivery_status::in_flight && !batch[0].secret.empty(), "in flight, with the secret");
    check(batch[0].claim_token != batch[1].claim_token, "a token per claimed row");
    check(outbox.claim({.node_id = "node-2"}).empty(), "claimed rows are not handed out twice");

    // 3. Ack: orders delivered, billing to be retried in 30 s, legacy gone for good.
    outbox.ack(batch[0], {.outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok"});
    outbox.ack(batch[1], {.outcome = attempt_outcome::retry, .http_status = 503, .error = "HTTP 503",
                          .next_retry_at = hookbox::now_ms(clock) + 30s});
    outbox.ack(batch[2], {.outcome = attempt_outcome::dead, .http_status = 410, .error = "HTTP 410"});

    // A second ack of the same claim is fenced off, and changes nothing.
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    outbox.ack(batch[0], {.outcome = attempt_outcome::dead, .http_status = 500}, ec, diag);
    check(ec == hookbox::errc::claim_lost, "a second ack is claim_lost");
    std::printf("second ack: %s (field %s)\n", diag.message().c_str(), diag.field().c_str());
    check(outbox.get(orders.id)->status == delivery_status::success, "the fenced ack changed nothing");

    // 4. The retry waits for its time, then goes through.
    check(outbox.claim({.node_id = "node-1"}).empty(), "billing waits for its retry time");
    clock.advance(30s);
    auto retry = outbox.claim({.node_id = "node-1"});
    check(retry.size() == 1 && retry[0].id == billing.id && retry[0].attempts == 1, "billing is due after 30 s");
    if (retry.size() != 1)
        return 1;
    outbox.ack(retry[0], {.outcome = attempt_outcome::success, .http_status = 204});

    // 5. The attempt history of billing: a 503, then a 204.
    auto history = outbox.attempts(billing.id);
    check(history.size() == 2, "two attempts at billing");
    for (const auto& a : history)
        std::printf("billing attempt %d: %s, HTTP %d\n", a.number, std::string(hookbox::to_string(a.outcome)).c_str(),
                    a.response_code.value_or(0));
    check(history.size() == 2 && history[0].number == 1 && history[0].outcome == delivery_status::pending &&
              history[0].response_code == 503 && history[1].number == 2 &&
              history[1].outcome == delivery_status::success && history[1].response_code == 204,
          "the history records both attempts in order");

    // 6. The receiver of wh-legacy is back: redeliver the dead delivery; it runs again from the start.
    hookbox::delivery reset = outbox.redeliver(legacy.id);
    check(reset.status == delivery_status::pending && reset.attempts == 0 && !reset.error, "redeliver resets the row");
    // A delivered row may be sent again too; a pending one may not.
    outbox.redeliver(orders.id, ec, diag);
    check(!ec, "a success row may be redelivered");
    outbox.redeliver(orders.id, ec, diag);
    check(ec == hookbox::errc::not_eligible, "a pending row may not be redelivered");
    std::printf("redeliver again: %s\n", diag.message().c_str());
    for (const auto& d : outbox.claim({.node_id = "node-1"}))
        outbox.ack(d, {.outcome = attempt_outcome::success, .http_status = 200});
    check(outbox.attempts(legacy.id).size() == 2, "the history survives a redelivery");

    // 7. Stats: everything delivered.
    auto st = outbox.stats();
    std::printf("stats: %zu success, %zu pending, %zu dead\n", st.count(delivery_status::success),
                st.count(delivery_status::pending), st.count(delivery_status::dead));
    check(st.count(delivery_status::success) == 3 && st.total() == 3 && !st.oldest_pending_age, "three delivered");

    if (failures != 0)
        return 1;
    std::printf("custom_storage: ok\n");
    return 0;
}
