//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The quickstart: an in-memory outbox takes order events for three subscribers, hands them out in
// batches, and records what each attempt did. One subscriber answers 200, one is briefly down (503,
// then 200), one is gone (410). The receiver here is a function; the dispatcher sends real HTTP.

#include <hookbox.hpp>

#include <cstdio>
#include <map>
#include <string>

namespace {

struct subscriber {
    const char* webhook_id;
    const char* url;
};

const subscriber subscribers[] = {
    {"wh-orders", "https://orders.example/hooks"},
    {"wh-billing", "https://billing.example/hooks"},
    {"wh-legacy", "https://legacy.example/hooks"},
};

//[answer
// Stands in for the receivers: billing fails its first attempt at each delivery, legacy is gone.
hookbox::attempt_result answer(const hookbox::delivery& d) {
    using hookbox::attempt_outcome;
    if (d.webhook_id == "wh-legacy")
        return {.outcome = attempt_outcome::dead, .http_status = 410, .error = "HTTP 410"};
    if (d.webhook_id == "wh-billing" && d.attempts == 0)
        return {.outcome = attempt_outcome::retry, .http_status = 503, .error = "HTTP 503"};
    return {.outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok"};
}
//]

}  // namespace

int main() {
    //[outbox
    hookbox::outbox outbox;  // hookbox::basic_outbox<hookbox::memory_storage>, 8 partitions
    //]

    //[enqueue
    // 1. Enqueue: one delivery per (event, subscriber). Enqueueing the same pair again is harmless.
    int created = 0;
    for (int order = 1; order <= 4; ++order) {
        for (const auto& s : subscribers) {
            hookbox::enqueue_request req;
            req.webhook_id = s.webhook_id;
            req.event_id = "order-" + std::to_string(order) + ".created";
            req.event_type = "order.created";
            req.url = s.url;
            req.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            req.payload = hookbox::payload::parse(R"({"order":)" + std::to_string(order) + R"(,"total":"19.90"})");
            created += outbox.enqueue(std::move(req)).created;
        }
    }
    hookbox::enqueue_request again;
    again.webhook_id = "wh-orders";
    again.event_id = "order-1.created";
    again.event_type = "order.created";
    again.url = "https://orders.example/hooks";
    auto dup = outbox.enqueue(again);
    std::printf("enqueued %d deliveries; enqueueing order-1 for wh-orders again returned %s (created=%s)\n\n",
                created, dup.id.to_string().c_str(), dup.created ? "true" : "false");
    //]

    //[claim_ack
    // 2. Claim in batches, "send", ack. A retry is due at once here; a dispatcher waits its backoff.
    std::printf("%-8s %-11s %-36s %-8s %s\n", "round", "webhook", "delivery", "answer", "becomes");
    int round = 0;
    for (;;) {
        auto batch = outbox.claim({.node_id = "quickstart", .limit = 5});
        if (batch.empty())
            break;
        ++round;
        for (const auto& d : batch) {
            auto result = answer(d);
            outbox.ack(d, result);
            auto after = outbox.get(d.id);
            std::printf("%-8d %-11s %-36s %-8d %s\n", round, d.webhook_id.c_str(), d.id.to_string().c_str(),
                        *result.http_status, std::string(hookbox::to_string(after->status)).c_str());
        }
    }
    //]

    // 3. Operations: what is where, and a second chance for the dead ones.
    auto show_stats = [&](const char* when) {
        auto st = outbox.stats();
        std::printf("\n%s:\n", when);
        for (auto s : {hookbox::delivery_status::pending, hookbox::delivery_status::in_flight,
                       hookbox::delivery_status::success, hookbox::delivery_status::dead}) {
            std::printf("  %-10s %zu\n", std::string(hookbox::to_string(s)).c_str(), st.count(s));
        }
    };
    show_stats("after delivery");

    //[dead_letters
    auto dead = outbox.list({.status = hookbox::delivery_status::dead});
    std::printf("\ndead letters (%zu), each with its last error:\n", dead.items.size());
    for (const auto& d : dead.items)
        std::printf("  %s  %s  attempts=%d  error=%s  signed=%s\n", d.id.to_string().c_str(), d.webhook_id.c_str(),
                    d.attempts, d.error.value_or("").c_str(), d.has_secret ? "yes" : "no");

    for (const auto& d : dead.items)
        outbox.redeliver(d.id);
    show_stats("after redelivering the dead letters");
    //]

    auto st = outbox.stats();
    bool ok = created == 12 && !dup.created && st.count(hookbox::delivery_status::success) == 8 &&
              st.count(hookbox::delivery_status::pending) == 4;
    std::printf("\nquickstart: %s\n", ok ? "ok" : "UNEXPECTED RESULT");
    return ok ? 0 : 1;
}
