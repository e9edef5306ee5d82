//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The outbox contract suite, the retention suite and the fault-injection suite over memory_storage,
// and what memory_storage keeps beyond them.

#include <boost/mpl/list.hpp>

#include <hookbox/storage/memory_storage.hpp>

namespace hookbox::test {

struct memory_storage_factory {
    using storage_type = memory_storage;
    static constexpr const char* name = "memory_storage";
    memory_storage make() { return memory_storage(); }
};

using outbox_contract_factories = boost::mpl::list<memory_storage_factory>;
using fault_injection_factories = boost::mpl::list<memory_storage_factory>;

}  // namespace hookbox::test

#include "contract/outbox_contract_cases.hpp"
#include "contract/retention_cases.hpp"
#include "contract/fault_injection_cases.hpp"

#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

// What memory_storage keeps beyond the contract: the bound on its attempt history, its compact texts
// at their size limits, node names, and rows far past its first block and past purged index chunks.
namespace hookbox::test {

BOOST_AUTO_TEST_SUITE(memory_storage_suite)

using std::chrono::milliseconds;
using manual_outbox = basic_outbox<memory_storage, manual_clock>;

namespace {

attempt_result retry(std::string error) {
    attempt_result r;
    r.outcome = attempt_outcome::retry;
    r.http_status = 503;
    r.error = std::move(error);
    return r;
}

attempt_result success(std::string body = "ok") {
    attempt_result r;
    r.outcome = attempt_outcome::success;
    r.http_status = 200;
    r.response_body = std::move(body);
    return r;
}

claim_options node(std::string id, std::size_t limit = 1000) {
    claim_options o;
    o.node_id = std::move(id);
    o.limit = limit;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(keeps_the_latest_100_attempts) {
    manual_clock clock;
    manual_outbox ob({}, memory_storage(), clock);
    delivery_id id = ob.enqueue(make_request("wh-1", "evt-1")).id;
    for (int i = 1; i <= 105; ++i) {
        auto c = ob.claim(node("node-A"));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        ob.ack(c[0], retry("attempt " + std::to_string(i)));
    }
    auto h = ob.attempts(id);
    BOOST_TEST_REQUIRE(h.size() == 100u);
    BOOST_TEST(h.front().number == 6);
    BOOST_TEST(*h.front().error == "attempt 6");
    BOOST_TEST(h.back().number == 105);
    BOOST_TEST(*h.back().error == "attempt 105");
    for (std::size_t i = 1; i < h.size(); ++i)
        BOOST_TEST(h[i].number == h[i - 1].number + 1);

    // Dead, redelivered, delivered: the numbers go on, the oldest record makes room.
    auto c = ob.claim(node("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    attempt_result dead;
    dead.outcome = attempt_outcome::dead;
    dead.http_status = 410;
    dead.error = "gone";
    ob.ack(c[0], dead);
    ob.redeliver(id);
    BOOST_TEST(ob.attempts(id).size() == 100u);
    c = ob.claim(node("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    ob.ack(c[0], success());
    h = ob.attempts(id);
    BOOST_TEST_REQUIRE(h.size() == 100u);
    BOOST_TEST(h.front().number == 8);
    BOOST_TEST(h[98].number == 106);
    BOOST_TEST(h[98].outcome == delivery_status::dead);
    BOOST_TEST(*h[98].error == "gone");
    BOOST_TEST(h.back().number == 107);
    BOOST_TEST(h.back().outcome == delivery_status::success);
    BOOST_TEST(!h.back().error.has_value());
}

BOOST_AUTO_TEST_CASE(texts_round_trip_at_and_past_the_inline_size) {
    // 15 bytes are kept inside the row, longer texts outside it; the empty text is not the absent one.
    manual_clock clock;
    manual_outbox ob({}, memory_storage(), clock);
    const std::vector<std::string> texts{"", "x", std::string(15, 'a'), std::string(16, 'b'), std::string(128, 'c'),
                                         "\xc3\xa9t\xc3\xa9-\xe2\x82\xac"};
    std::vector<std::string> events;
    for (std::size_t i = 0; i < texts.size(); ++i)
        events.push_back(texts[i].empty() ? "e" : texts[i]);
    // Event ids: every text but the empty one (ids must not be empty).
    std::map<std::string, delivery_id> ids;
    for (std::size_t i = 0; i < events.size(); ++i)
        ids[events[i]] = ob.enqueue(make_request("wh-" + std::to_string(i), events[i])).id;
    auto c = ob.claim(node("node-A"));
    BOOST_TEST_REQUIRE(c.size() == events.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
        BOOST_TEST_CONTEXT("text of " << texts[i].size() << " bytes") {
            BOOST_TEST(c[i].event_id == events[i]);
            attempt_result r = retry(texts[i]);
            r.response_body = texts[i] + "|body";
            ob.ack(c[i], r);
            delivery d = *ob.get(c[i].id);
            BOOST_TEST(d.event_id == events[i]);
            // An empty error is stored as absent by the outbox.
            BOOST_TEST(d.error.has_value() == !texts[i].empty());
            if (d.error)
                BOOST_TEST(*d.error == texts[i]);
            BOOST_TEST_REQUIRE(d.response_body.has_value());
            BOOST_TEST(*d.response_body == texts[i] + "|body");
            auto h = ob.attempts(c[i].id);
            BOOST_TEST_REQUIRE(h.size() == 1u);
            BOOST_TEST(h[0].error == d.error);
        }
    }
    // Moving the storage keeps the texts where they are.
    manual_outbox moved(std::move(ob));
    for (const auto& [event, id] : ids)
        BOOST_TEST(moved.get(id)->event_id == event);
}

BOOST_AUTO_TEST_CASE(claims_by_many_nodes_keep_their_names) {
    // Node names are stored once for all the rows a node holds; a name nobody holds may be dropped
    // and stored again later.
    manual_clock clock;
    manual_outbox ob({}, memory_storage(), clock);
    const int nodes = 300;
    for (int i = 0; i < 2 * nodes; ++i)
        ob.enqueue(make_request("wh-" + std::to_string(i % 5), "evt-" + std::to_string(i)));
    std::vector<delivery> held;
    for (int i = 0; i < nodes; ++i) {
        auto c = ob.claim(node("node-" + std::to_string(i), 1));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        BOOST_TEST(*c[0].claimed_by == "node-" + std::to_string(i));
        if (i % 2 == 0)
            ob.ack(c[0], success());
        else
            held.push_back(c[0]);
    }
    for (const auto& d : held)
        BOOST_TEST(*ob.get(d.id)->claimed_by == *d.claimed_by);
    for (int i = 0; i < nodes; ++i) {
        auto c = ob.claim(node("node-" + std::to_string(i % 7), 1));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        BOOST_TEST(*ob.get(c[0].id)->claimed_by == "node-" + std::to_string(i % 7));
    }
    for (const auto& d : held) {
        BOOST_TEST(*ob.get(d.id)->claimed_by == *d.claimed_by);
        ob.ack(d, success());
        BOOST_TEST(!ob.get(d.id)->claimed_by.has_value());
    }
}

BOOST_AUTO_TEST_CASE(rows_far_past_the_first_block_and_purged_index_chunks) {
    // 40000 rows fill the first small block and several large ones, and more than two chunks of
    // the sequence index; purging the oldest 35000 frees those chunks, and every operation still
    // finds the rows that are left.
    manual_clock clock;
    manual_outbox ob({}, memory_storage(), clock);
    const std::size_t n = 40000;
    std::vector<enqueue_request> reqs;
    for (std::size_t i = 0; i < n; ++i)
        reqs.push_back(make_request("wh-" + std::to_string(i % 64), "evt-" + std::to_string(i)));
    auto results = ob.enqueue_many(std::move(reqs));
    std::size_t acked = 0;
    for (;;) {
        auto c = ob.claim(node("node-A"));
        if (c.empty())
            break;
        for (const auto& d : c) {
            // Half by sequence, half by id only.
            if (d.sequence % 2 == 0)
                ob.ack(d, success());
            else
                ob.ack(d.id, d.claim_token, success());
            ++acked;
        }
    }
    BOOST_TEST(acked == n);
    clock.advance(milliseconds(1000));
    // The newest 5000 rows are updated later, and stay.
    for (std::size_t i = n - 5000; i < n; ++i)
        ob.redeliver(results[i].id);
    delivery_filter old;
    old.updated_before = now_ms(clock);
    std::size_t purged = 0;
    while (std::size_t k = ob.purge(old, 4000))
        purged += k;
    BOOST_TEST(purged == n - 5000);
    BOOST_TEST(ob.stats().total() == 5000u);
    BOOST_TEST(!ob.get(results[0].id).has_value());
    BOOST_TEST(!ob.get(results[n - 5001].id).has_value());
    BOOST_TEST(ob.get(results[n - 5000].id)->event_id == "evt-" + std::to_string(n - 5000));

    list_options lo;
    lo.limit = 10000;
    auto page = ob.list(lo);
    BOOST_TEST_REQUIRE(page.items.size() == 5000u);
    BOOST_TEST(page.items.front().sequence == n - 5000 + 1);
    BOOST_TEST(page.items.back().sequence == n);

    // Purged pairs may be enqueued again; new rows take the freed places and go on numbering.
    enqueue_result again = ob.enqueue(make_request("wh-0", "evt-0"));
    BOOST_TEST(again.created);
    BOOST_TEST(ob.get(again.id)->sequence == n + 1);
    std::size_t claimed = 0;
    for (;;) {
        auto c = ob.claim(node("node-B"));
        if (c.empty())
            break;
        claimed += c.size();
        for (const auto& d : c)
            ob.ack(d, success());
    }
    BOOST_TEST(claimed == 5001u);
    BOOST_TEST(ob.stats().count(delivery_status::success) == 5001u);
}

// The outbox stores a request through the storage's optional `insert(req, nd)`; a caller of the
// storage itself uses the required `insert(delivery)`. Both make the same row, share the dedup
// pair, and reject a negative partition.
BOOST_AUTO_TEST_CASE(insert_of_a_delivery_and_of_a_request_make_the_same_row) {
    static_assert(detail::storage_inserts_requests<memory_storage>);
    static_assert(detail::storage_claims_into<memory_storage>);
    static_assert(detail::storage_lists_by_event_and_time<memory_storage>);
    const timestamp at = timestamp(milliseconds(1700000000000));
    auto request_of = [](std::string event_id) {
        enqueue_request r = make_request("wh-1", std::move(event_id));
        r.secret = "whsec_x";
        r.method = "PUT";
        r.headers = {{"X-Trace", "t-1"}};
        r.timeout = milliseconds(3000);
        return r;
    };
    auto delivery_of = [&](std::string event_id) {
        enqueue_request r = request_of(std::move(event_id));
        delivery d;
        d.id = delivery_id::generate();
        d.webhook_id = r.webhook_id;
        d.event_id = r.event_id;
        d.event_type = r.event_type;
        d.url = r.url;
        d.method = r.method;
        d.headers = r.headers;
        d.secret = r.secret;
        d.has_secret = true;
        d.timeout = r.timeout;
        d.payload = r.payload;
        d.partition_key = 3;
        d.created_at = d.updated_at = at;
        return d;
    };

    memory_storage s;
    error_code ec;
    diagnostics diag;
    enqueue_result by_delivery = s.insert(delivery_of("evt-1"), ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    enqueue_result by_request = s.insert(request_of("evt-2"), new_delivery{delivery_id::generate(), 3, at}, ec, diag);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(by_delivery.created);
    BOOST_TEST(by_request.created);

    std::optional<delivery> a = s.get(by_delivery.id, ec, diag);
    std::optional<delivery> b = s.get(by_request.id, ec, diag);
    BOOST_TEST_REQUIRE((a && b));
    for (const delivery* d : {&*a, &*b}) {
        BOOST_TEST(d->webhook_id == "wh-1");
        BOOST_TEST(d->method == "PUT");
        BOOST_TEST((d->headers == std::vector<header>{{"X-Trace", "t-1"}}));
        BOOST_TEST(d->has_secret);
        BOOST_TEST(d->secret.empty());  // get clears it
        BOOST_TEST(d->timeout == std::optional<milliseconds>(3000));
        BOOST_TEST(d->payload.body() == a->payload.body());
        BOOST_TEST(d->partition_key == 3);
        BOOST_TEST(d->status == delivery_status::pending);
        BOOST_TEST(d->attempts == 0);
        BOOST_TEST(d->created_at == at);
        BOOST_TEST(d->updated_at == at);
    }
    BOOST_TEST(b->sequence == a->sequence + 1);

    // The dedup pair is shared between the two ways in.
    enqueue_result dup = s.insert(request_of("evt-1"), new_delivery{delivery_id::generate(), 3, at}, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(!dup.created);
    BOOST_TEST(dup.id == by_delivery.id);
    dup = s.insert(delivery_of("evt-2"), ec, diag);
    BOOST_TEST(!dup.created);
    BOOST_TEST(dup.id == by_request.id);

    // A negative partition is refused by both, and nothing is stored.
    s.insert(request_of("evt-3"), new_delivery{delivery_id::generate(), -1, at}, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_partition));
    BOOST_TEST(diag.field() == "partition_key");
    delivery bad = delivery_of("evt-3");
    bad.partition_key = -1;
    s.insert(std::move(bad), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::invalid_partition));
    BOOST_TEST(s.stats(at, ec, diag).total() == 2u);

    // The secret reaches a claim through either way in.
    std::vector<delivery> out;
    claim_query q;
    q.node_id = "node-A";
    q.limit = 10;
    q.now = at;
    q.reap_before = at - milliseconds(60000);
    s.claim(q, out, ec, diag);
    BOOST_TEST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[0].secret == "whsec_x");
    BOOST_TEST(out[1].secret == "whsec_x");
}

// The JSON `null` payload is kept without bytes of its own; it comes back from claim, get and list
// equal to what was enqueued, beside payloads whose text is `null`. A request the storage took its
// payload from is left with the JSON `null` payload, not with an empty one.
BOOST_AUTO_TEST_CASE(null_and_empty_payloads_round_trip) {
    manual_clock clock;
    manual_outbox ob({}, memory_storage(), clock);
    struct case_t {
        const char* name;
        payload p;
    };
    const case_t cases[] = {
        {"the default payload", payload()},
        {"parsed null", payload::parse("null")},
        {"raw null", payload::raw("null")},
        {"raw empty", payload::raw("")},
        {"parsed object", payload::parse(R"({"a":1})")},
    };
    std::vector<delivery_id> ids;
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        enqueue_request r = make_request("wh-1", "evt-" + std::to_string(i));
        r.payload = cases[i].p;
        ids.push_back(ob.enqueue(std::move(r)).id);
        BOOST_TEST(r.payload.body() == "null");
        BOOST_TEST(r.payload.kind() == payload_kind::json);
    }
    auto c = ob.claim(node("node-A"));
    BOOST_TEST_REQUIRE(c.size() == std::size(cases));
    list_options lo;
    auto page = ob.list(lo);
    BOOST_TEST_REQUIRE(page.items.size() == std::size(cases));
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        BOOST_TEST_CONTEXT(cases[i].name) {
            const payload& want = cases[i].p;
            std::optional<delivery> stored = ob.get(ids[i]);
            BOOST_TEST_REQUIRE(stored.has_value());
            for (const payload* got : {&c[i].payload, &stored->payload, &page.items[i].payload}) {
                BOOST_TEST(*got == want);
                BOOST_TEST(got->body() == want.body());
                BOOST_TEST(got->size() == want.size());
                BOOST_TEST(got->kind() == want.kind());
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

