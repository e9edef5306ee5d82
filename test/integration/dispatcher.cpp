//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The dispatcher end to end: a memory outbox (driven by a manual clock), beast_sender, and a
// scripted receiver on loopback. The ObjectStack outbox's dispatcher tests first (numbered as in its
// `dispatcher.test.ts`), then wake-up, signatures, drain and cancellation, per-webhook FIFO and the
// parameter checks.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/state/state_store.hpp>
#include <hookbox/storage/failing_storage.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/signing/verify.hpp>
#include <hookbox/validate.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <thread>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookbox::signing {
inline std::ostream& boost_test_print_type(std::ostream& os, verify_result r) {
    return os << to_string(r);
}
}  // namespace hookbox::signing

namespace hookbox::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Records each claim's rows (partition and node) as the outbox reports them.
struct claim_recorder {
    struct state {
        std::mutex m;
        std::vector<std::vector<int>> partitions_per_claim;
    };
    std::shared_ptr<state> s = std::make_shared<state>();
    std::shared_ptr<wakeup> wake;
    std::shared_ptr<std::vector<endpoint_event>> endpoint_events = std::make_shared<std::vector<endpoint_event>>();

    struct reported_error {
        error_code ec;
        std::string field;
        std::string message;
        std::string what;
    };
    std::shared_ptr<std::vector<reported_error>> errors = std::make_shared<std::vector<reported_error>>();

    void on_endpoint_event(const endpoint_event& e) { endpoint_events->push_back(e); }
    void on_error(const error_code& ec, const diagnostics& diag, std::string_view what) {
        errors->push_back({ec, std::string(diag.field()), std::string(diag.message()), std::string(what)});
    }

    void on_claim(std::span<const delivery> rows) {
        std::lock_guard lock(s->m);
        std::vector<int> parts;
        for (const auto& d : rows)
            parts.push_back(d.partition_key);
        s->partitions_per_claim.push_back(std::move(parts));
    }
    void on_enqueue(const enqueue_result& r) {
        if (r.created && wake)
            wake->notify();
    }
};

using test_outbox = basic_outbox<memory_storage, manual_clock, fnv1a_partition_hasher, claim_recorder>;
using test_dispatcher = dispatcher<test_outbox, beast_sender>;
// Its timers (poll interval, drain deadline, write retries) move only with `manual_steady_clock`.
using driven_dispatcher = dispatcher<test_outbox, beast_sender, asio::any_io_executor, default_retry_policy,
                                     manual_steady_clock>;

sender_params loopback_sender() {
    sender_params p;
    p.addresses = http::address_policy::loopback_allowed();
    p.connect_timeout = 2s;
    return p;
}

dispatcher_params node(std::string id) {
    dispatcher_params p;
    p.node_id = std::move(id);
    p.poll_interval = 20ms;
    p.request_timeout = 5s;
    p.claim_ttl = 60s;
    return p;
}

enqueue_request request(const scripted_receiver& r, std::string webhook, std::string event) {
    enqueue_request q;
    q.webhook_id = std::move(webhook);
    q.event_id = std::move(event);
    q.event_type = "order.created";
    q.url = r.url();
    q.payload = payload::parse(R"({"n":1})");
    return q;
}

struct fixture {
    asio::io_context ioc;
    manual_clock clock;
    scripted_receiver receiver;
    beast_sender sender{ioc.get_executor(), loopback_sender()};

    test_outbox make_outbox(int partitions) {
        outbox_params p;
        p.partition_count = partitions;
        return test_outbox(p, memory_storage(), clock);
    }

    // Runs the dispatchers until `done`, then cancels them and runs until each has completed.
    template <class Pred>
    void run(std::vector<test_dispatcher*> ds, Pred done) {
        std::vector<std::optional<error_code>> results(ds.size());
        for (std::size_t i = 0; i < ds.size(); ++i)
            ds[i]->async_run([&results, i](error_code ec) { results[i] = ec; });
        BOOST_TEST_REQUIRE(run_until(ioc, done));
        for (auto* d : ds)
            d->cancel();
        BOOST_TEST_REQUIRE(run_until(ioc, [&] {
            for (auto& r : results)
                if (!r)
                    return false;
            return true;
        }));
        for (auto& r : results)
            BOOST_TEST(*r == asio::error::operation_aborted);
    }

    static std::size_t count(const test_outbox& ob, delivery_status s) { return ob.stats().count(s); }
};

std::set<std::string> delivery_ids(const std::vector<received_request>& rs) {
    std::set<std::string> ids;
    for (const auto& r : rs)
        ids.insert(r.header("webhook-id"));
    return ids;
}

// A webhook id of the form "<prefix>-<n>" that hashes to `partition` of `count`.
std::string webhook_in(int partition, int count, std::string_view prefix) {
    for (int n = 0;; ++n) {
        std::string id = std::string(prefix) + "-" + std::to_string(n);
        if (hash_partition(id, count) == partition)
            return id;
    }
}

// The partitions of the claimed rows, in claim order.
std::vector<int> claimed_partitions(test_outbox& ob) {
    std::lock_guard lock(ob.observer().s->m);
    std::vector<int> out;
    for (const auto& claim : ob.observer().s->partitions_per_claim)
        out.insert(out.end(), claim.begin(), claim.end());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_e2e)

// ObjectStack dispatcher test 1: two nodes sharing one outbox send 50 deliveries as 50 POSTs.
BOOST_FIXTURE_TEST_CASE(two_nodes_fifty_deliveries_fifty_posts, fixture) {
    auto ob = make_outbox(4);
    for (int i = 0; i < 50; ++i)
        ob.enqueue(request(receiver, "wh-" + std::to_string(i % 10), "evt-" + std::to_string(i)));
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    test_dispatcher b(ioc.get_executor(), ob, sender, node("node-B"));
    run({&a, &b}, [&] { return count(ob, delivery_status::success) == 50; });
    auto got = receiver.requests();
    BOOST_TEST(got.size() == 50u);
    BOOST_TEST(delivery_ids(got).size() == 50u);
    BOOST_TEST(a.stats().claimed + b.stats().claimed == 50u);
    BOOST_TEST(a.stats().claims_lost + b.stats().claims_lost == 0u);
}

// ObjectStack dispatcher test 2: a claim takes rows of one partition only, and 5 webhooks touch at most 5.
BOOST_FIXTURE_TEST_CASE(claims_stay_within_one_partition, fixture) {
    auto ob = make_outbox(8);
    for (int i = 0; i < 30; ++i)
        ob.enqueue(request(receiver, "wh-" + std::to_string(i % 5), "evt-" + std::to_string(i)));
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    run({&a}, [&] { return count(ob, delivery_status::success) == 30; });
    std::set<int> touched;
    std::vector<std::vector<int>> claims;
    {
        std::lock_guard lock(ob.observer().s->m);
        claims = ob.observer().s->partitions_per_claim;
    }
    for (const auto& claim : claims) {
        BOOST_TEST_REQUIRE(!claim.empty());
        for (int p : claim) {
            BOOST_TEST(p == claim.front());
            touched.insert(p);
        }
    }
    BOOST_TEST(touched.size() <= 5u);
    BOOST_TEST(receiver.request_count() == 30u);
}

// ObjectStack dispatcher test 3: with 200 webhooks, both nodes deliver some, 200 in all.
BOOST_FIXTURE_TEST_CASE(load_spreads_over_both_nodes, fixture) {
    auto ob = make_outbox(8);
    for (int i = 0; i < 200; ++i)
        ob.enqueue(request(receiver, "wh-" + std::to_string(i), "evt-" + std::to_string(i)));
    auto pa = node("node-A"), pb = node("node-B");
    pa.batch_size = pb.batch_size = 4;
    pa.max_in_flight = pb.max_in_flight = 8;
    test_dispatcher a(ioc.get_executor(), ob, sender, pa);
    test_dispatcher b(ioc.get_executor(), ob, sender, pb);
    run({&a, &b}, [&] { return count(ob, delivery_status::success) == 200; });
    std::map<std::string, int> per_node;
    for (const auto& d : ob.list({.limit = 1000}).items)
        ++per_node[d.claimed_by.value_or("?")];
    BOOST_TEST(a.stats().succeeded > 0u);
    BOOST_TEST(b.stats().succeeded > 0u);
    BOOST_TEST(a.stats().succeeded + b.stats().succeeded == 200u);
    BOOST_TEST(receiver.request_count() == 200u);
}

// ObjectStack dispatcher test 4: a 5xx is retried later: pending, attempts 1, next_retry_at in the future.
BOOST_FIXTURE_TEST_CASE(server_error_is_retried_later, fixture) {
    receiver.respond({.status = 503, .body = "busy"});
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    run({&a}, [&] { return a.stats().attempts == 1 && ob.get(id)->attempts == 1; });
    auto d = *ob.get(id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 1);
    BOOST_TEST_REQUIRE(d.next_retry_at.has_value());
    BOOST_TEST((*d.next_retry_at > now_ms(clock)));
    BOOST_TEST((*d.next_retry_at - now_ms(clock) >= 800ms));
    BOOST_TEST(d.response_code == 503);
    BOOST_TEST(d.response_body == "busy");
    BOOST_TEST(receiver.request_count() == 1u);  // not sent again before its time
}

// ObjectStack dispatcher test 5: a 4xx is permanent: the row is dead with the status.
BOOST_FIXTURE_TEST_CASE(client_error_is_dead, fixture) {
    receiver.respond({.status = 404, .body = "no such hook"});
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    run({&a}, [&] { return count(ob, delivery_status::dead) == 1; });
    auto d = *ob.get(id);
    BOOST_TEST(d.response_code == 404);
    BOOST_TEST(d.error == "HTTP 404");
    BOOST_TEST(a.stats().dead == 1u);
}

// ObjectStack dispatcher test 6: identical (event, webhook) enqueues are one row and one POST.
BOOST_FIXTURE_TEST_CASE(duplicate_enqueues_are_sent_once, fixture) {
    auto ob = make_outbox(8);
    auto first = ob.enqueue(request(receiver, "wh-1", "evt-1"));
    auto second = ob.enqueue(request(receiver, "wh-1", "evt-1"));
    BOOST_TEST(first.id == second.id);
    BOOST_TEST(!second.created);
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    run({&a}, [&] { return count(ob, delivery_status::success) == 1; });
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(ob.stats().total() == 1u);
}

// ObjectStack dispatcher test 7: one partition, two nodes at once: 5 rows, 5 POSTs, 5 distinct ids.
BOOST_FIXTURE_TEST_CASE(one_partition_is_not_claimed_twice, fixture) {
    auto ob = make_outbox(1);
    for (int i = 0; i < 5; ++i)
        ob.enqueue(request(receiver, "wh-1", "evt-" + std::to_string(i)));
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    test_dispatcher b(ioc.get_executor(), ob, sender, node("node-B"));
    run({&a, &b}, [&] { return count(ob, delivery_status::success) == 5; });
    BOOST_TEST(receiver.request_count() == 5u);
    BOOST_TEST(delivery_ids(receiver.requests()).size() == 5u);
}

// One request at a time: the partitions take turns. A backlog in the partition where node-A's walk
// starts (its offset, 2 of 8) does not hold up a row in the partition it reaches last (1).
BOOST_FIXTURE_TEST_CASE(partitions_take_turns_when_room_is_short, fixture) {
    auto ob = make_outbox(8);
    BOOST_TEST_REQUIRE(node_offset("node-A", 8) == 2);
    std::string hot = webhook_in(2, 8, "hot"), cold = webhook_in(1, 8, "cold");
    for (int i = 0; i < 20; ++i)
        ob.enqueue(request(receiver, hot, "evt-" + std::to_string(i)));
    ob.enqueue(request(receiver, cold, "evt-cold"));
    auto p = node("node-A");
    p.max_in_flight = 1;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    run({&a}, [&] { return count(ob, delivery_status::success) == 21; });
    auto order = claimed_partitions(ob);
    BOOST_TEST_REQUIRE(order.size() == 21u);
    BOOST_TEST(order[0] == 2);  // the first round starts at the node's offset
    BOOST_TEST(order[1] == 1);  // the next one after the partition served last
    BOOST_TEST(std::count(order.begin(), order.end(), 2) == 20);
}

// Room for 4 requests: every partition with rows gets its share of the first claim before the
// backlogged one takes the rest.
BOOST_FIXTURE_TEST_CASE(each_partition_gets_a_share_of_the_room, fixture) {
    auto ob = make_outbox(8);
    std::string hot = webhook_in(2, 8, "hot");
    for (int i = 0; i < 20; ++i)
        ob.enqueue(request(receiver, hot, "evt-" + std::to_string(i)));
    ob.enqueue(request(receiver, webhook_in(3, 8, "cold"), "evt-cold-3"));
    ob.enqueue(request(receiver, webhook_in(1, 8, "cold"), "evt-cold-1"));
    auto p = node("node-A");
    p.max_in_flight = 4;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    run({&a}, [&] { return count(ob, delivery_status::success) == 22; });
    auto order = claimed_partitions(ob);
    BOOST_TEST_REQUIRE(order.size() == 22u);
    // The first round: one row each from 2, 3 and 1 (walk order), then 2 tops up the fourth place.
    std::vector<int> first(order.begin(), order.begin() + 4);
    BOOST_TEST(first == (std::vector<int>{2, 3, 1, 2}), boost::test_tools::per_element());
    BOOST_TEST(a.stats().claimed == 22u);
}

// A retry comes due when the (manual) clock reaches it, and is then delivered.
BOOST_FIXTURE_TEST_CASE(retry_is_sent_when_due, fixture) {
    std::atomic<int> n{0};
    receiver.script([&](const received_request&) {
        return ++n == 1 ? response_plan{.status = 500} : response_plan{.status = 200};
    });
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->attempts == 1; }));
    BOOST_TEST(receiver.request_count() == 1u);
    clock.advance(1300ms);  // past the first delay's jitter range [800, 1200)
    a.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->status == delivery_status::success; }));
    BOOST_TEST(ob.get(id)->attempts == 2);
    BOOST_TEST(receiver.request_count() == 2u);
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// An enqueue in this process wakes an idle dispatcher at once: its poll timer never fires (its
// clock does not move), so only the wakeup can bring the delivery.
BOOST_FIXTURE_TEST_CASE(enqueue_wakes_an_idle_dispatcher, fixture) {
    auto ob = make_outbox(8);
    auto wake = std::make_shared<wakeup>();
    ob.observer().wake = wake;
    auto p = node("node-A");
    p.wakeup = wake;
    driven_dispatcher a(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    // Let it walk every partition, find nothing and go idle.
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return a.stats().claims >= 8; }));
    ioc.poll();
    BOOST_TEST(a.stats().claims == 8u);
    ob.enqueue(request(receiver, "wh-1", "evt-1"));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(ob, delivery_status::success) == 1; }));
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// Standard Webhooks by default; the ObjectStack scheme for the webhooks that ask for it. Both
// verify on the receiver's side; the secret itself never reaches the receiver.
BOOST_FIXTURE_TEST_CASE(signatures_per_webhook, fixture) {
    auto ob = make_outbox(8);
    auto std_req = request(receiver, "wh-std", "evt-1");
    std_req.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    std_req.headers = {{"X-Tenant", "t1"}, {"webhook-signature", "forged"}};
    ob.enqueue(std_req);
    auto os_req = request(receiver, "wh-os", "evt-1");
    os_req.secret = "s3cr3t";
    os_req.payload = payload::parse(R"({"a":1})");
    ob.enqueue(os_req);
    auto p = node("node-A");
    p.scheme_for = [](std::string_view webhook) {
        return webhook == "wh-os" ? signing::scheme::objectstack : signing::scheme::standard_webhooks;
    };
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    run({&a}, [&] { return count(ob, delivery_status::success) == 2; });
    for (const auto& r : receiver.requests()) {
        std::vector<header> hs;
        for (const auto& [k, v] : r.headers)
            hs.push_back({k, v});
        BOOST_TEST(r.header("User-Agent") == "hookbox/" HOOKBOX_VERSION_STRING);
        BOOST_TEST(r.header("Content-Type") == "application/json");
        if (!r.header("X-Objectstack-Signature").empty()) {
            BOOST_TEST(r.header("X-Objectstack-Signature") ==
                       "sha256=d42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e");
            BOOST_TEST(r.header("X-Objectstack-Event") == "order.created");
            BOOST_TEST(r.header("X-Objectstack-Attempt") == "1");
            BOOST_TEST(signing::verify_objectstack(hs, r.body, signing::secret::raw("s3cr3t")) ==
                       signing::verify_result::ok);
        } else {
            BOOST_TEST(r.header("X-Tenant") == "t1");
            std::vector<signing::secret> keys{signing::secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")};
            auto now_s = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
            BOOST_TEST(signing::verify(hs, r.body, keys, now_s) == signing::verify_result::ok);
            BOOST_TEST(r.header("webhook-signature") != "forged");
        }
        for (const auto& [k, v] : r.headers)
            BOOST_TEST(v.find("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == std::string::npos);
    }
}

// A secret that does not parse can never be sent: the delivery is dead, and the error does not
// quote the secret.
BOOST_FIXTURE_TEST_CASE(unusable_secret_is_dead_without_a_request, fixture) {
    auto ob = make_outbox(8);
    auto q = request(receiver, "wh-1", "evt-1");
    q.secret = "whsec_not*base64!";
    auto id = ob.enqueue(q).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    run({&a}, [&] { return count(ob, delivery_status::dead) == 1; });
    auto d = *ob.get(id);
    BOOST_TEST_REQUIRE(d.error.has_value());
    BOOST_TEST(d.error->find("secret") != std::string::npos);
    BOOST_TEST(d.error->find("not*base64") == std::string::npos);
    BOOST_TEST(receiver.request_count() == 0u);
}

// cancel() lets a request in flight finish (within drain_timeout) and acks it.
BOOST_FIXTURE_TEST_CASE(drain_lets_requests_finish, fixture) {
    receiver.respond({.status = 200, .header_delay = 300ms});
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(ob.get(id)->status == delivery_status::success);
}

// Past drain_timeout, requests in flight are cancelled and acked as failed attempts (retried).
// The drain deadline is on the dispatcher's timer clock: the run goes on draining until the test
// moves that clock past it, and then ends at once, long before the request's own timeout.
BOOST_FIXTURE_TEST_CASE(drain_deadline_cancels_requests, fixture) {
    receiver.respond({.status = 200, .header_delay = 30s});
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    auto p = node("node-A");
    p.drain_timeout = 10s;
    driven_dispatcher a(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    a.cancel();
    ioc.poll();
    manual_steady_clock::advance(9s);
    BOOST_TEST_REQUIRE(run_due_timers(ioc));
    BOOST_TEST(!done.has_value());  // still draining: the deadline has not come
    manual_steady_clock::advance(1s);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
    auto d = *ob.get(id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 1);
    BOOST_TEST(!d.response_code.has_value());
}

// Per-operation cancellation of async_run drains like cancel().
BOOST_FIXTURE_TEST_CASE(per_operation_cancellation, fixture) {
    auto ob = make_outbox(8);
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    asio::cancellation_signal sig;
    std::optional<error_code> done;
    a.async_run(asio::bind_cancellation_slot(sig.slot(), [&](error_code ec) { done = ec; }));
    ioc.poll();
    sig.emit(asio::cancellation_type::terminal);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
}

// A cancel() before async_run is kept: that run stops at once, claiming nothing; the run after it
// runs normally.
BOOST_FIXTURE_TEST_CASE(cancel_before_run_stops_that_run, fixture) {
    auto ob = make_outbox(8);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    a.cancel();
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    ioc.poll();  // no claim, timer or request to wait for: the run ends within the ready handlers
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(a.stats().claimed == 0u);
    BOOST_TEST(ob.get(id)->status == delivery_status::pending);
    BOOST_TEST(receiver.request_count() == 0u);

    run({&a}, [&] { return count(ob, delivery_status::success) == 1; });
    BOOST_TEST(receiver.request_count() == 1u);
}

// A second async_run while one is going on fails with already_started, on the handler's
// executor and not inside the call.
BOOST_FIXTURE_TEST_CASE(second_run_is_refused, fixture) {
    auto ob = make_outbox(8);
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> first, second;
    a.async_run([&](error_code ec) { first = ec; });
    ioc.poll();
    bool returned = false;
    a.async_run([&](error_code ec) {
        BOOST_TEST(returned);  // not completed inline
        second = ec;
    });
    returned = true;
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return second.has_value(); }));
    BOOST_TEST(*second == asio::error::already_started);
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first.has_value(); }));
}

// Per-webhook FIFO: one request at a time for a slow webhook, in enqueue order, while another
// webhook's deliveries go through without waiting for it.
BOOST_FIXTURE_TEST_CASE(per_webhook_fifo, fixture) {
    receiver.script([](const received_request& r) {
        response_plan p;
        if (r.body.find("slow") != std::string::npos)
            p.header_delay = 150ms;
        return p;
    });
    auto ob = make_outbox(1);
    for (int i = 0; i < 3; ++i) {
        auto q = request(receiver, "wh-slow", "evt-s" + std::to_string(i));
        q.payload = payload::parse(R"({"slow":)" + std::to_string(i) + "}");
        ob.enqueue(q);
    }
    for (int i = 0; i < 3; ++i) {
        auto q = request(receiver, "wh-fast", "evt-f" + std::to_string(i));
        q.payload = payload::parse(R"({"fast":)" + std::to_string(i) + "}");
        ob.enqueue(q);
    }
    auto p = node("node-A");
    p.per_webhook_fifo = true;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    run({&a}, [&] { return count(ob, delivery_status::success) == 6; });
    auto got = receiver.requests();
    BOOST_TEST_REQUIRE(got.size() == 6u);
    std::vector<std::string> slow_order;
    std::size_t fast_seen_before_second_slow = 0;
    for (const auto& r : got) {
        if (r.body.find("slow") != std::string::npos)
            slow_order.push_back(r.body);
        else if (slow_order.size() < 2)
            ++fast_seen_before_second_slow;
    }
    BOOST_TEST(slow_order == (std::vector<std::string>{R"({"slow":0})", R"({"slow":1})", R"({"slow":2})"}),
               boost::test_tools::per_element());
    BOOST_TEST(fast_seen_before_second_slow == 3u);
    BOOST_TEST(a.stats().abandoned == 0u);
}

// A stop gives the rows waiting for their webhook's turn back to pending, without an attempt and
// claimable once the request before them can have ended, instead of leaving them in flight until
// the claim TTL.
BOOST_FIXTURE_TEST_CASE(stop_gives_back_fifo_waiting_rows, fixture) {
    receiver.respond({.status = 200, .header_delay = 300ms});
    auto ob = make_outbox(1);
    std::vector<delivery_id> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(ob.enqueue(request(receiver, "wh-slow", "evt-" + std::to_string(i))).id);
    auto p = node("node-A");
    p.per_webhook_fifo = true;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(ob.get(ids[0])->status == delivery_status::success);
    const auto budget = p.request_timeout + loopback_sender().connect_timeout + p.ack_margin;
    const timestamp now = now_ms(clock);
    for (int i = 1; i < 3; ++i) {
        auto d = *ob.get(ids[i]);
        BOOST_TEST(d.status == delivery_status::pending);
        BOOST_TEST(d.attempts == 0);
        BOOST_TEST(!d.claimed_by.has_value());
        BOOST_TEST(ob.attempts(d.id).empty());
        BOOST_TEST_REQUIRE(d.next_retry_at.has_value());
        BOOST_TEST((*d.next_retry_at - now == budget));
    }
    BOOST_TEST(a.stats().abandoned == 2u);
    // Another node gets them once that budget has passed, well before the 60 s claim TTL.
    BOOST_TEST(ob.claim({.node_id = "node-B", .limit = 8}).empty());
    clock.advance(budget);
    BOOST_TEST(ob.claim({.node_id = "node-B", .limit = 8}).size() == 2u);
}

// ----- endpoint health -----

namespace {

dispatcher_params with_health(std::string id, int threshold = 3) {
    auto p = node(std::move(id));
    endpoint_health_params h;
    h.failure_threshold = threshold;
    h.open_duration = 10min;
    h.max_open_duration = 1h;
    h.probe_interval = 1s;
    h.disable_after = 0ms;
    p.health = h;
    return p;
}

std::size_t requests_to(const scripted_receiver& r, std::string_view target) {
    std::size_t n = 0;
    for (const auto& q : r.requests())
        n += q.target == target ? 1 : 0;
    return n;
}

}  // namespace

// The circuit breaker: a dead endpoint stops receiving requests after `failure_threshold`
// failures (plus what was already in flight), while a healthy endpoint on the same dispatcher gets
// every one of its deliveries. After the open time one probe goes; when it succeeds the circuit
// closes and the rest follow.
BOOST_FIXTURE_TEST_CASE(circuit_breaker_spares_a_healthy_endpoint, fixture) {
    std::atomic<bool> dead_is_back{false};
    receiver.script([&](const received_request& r) {
        response_plan p;
        if (r.target == "/dead" && !dead_is_back)
            p.status = 503;
        return p;
    });
    auto ob = make_outbox(8);
    constexpr int n = 60;
    for (int i = 0; i < n; ++i) {
        auto dead = request(receiver, "wh-dead", "evt-" + std::to_string(i));
        dead.url = receiver.url("/dead");
        ob.enqueue(dead);
        ob.enqueue(request(receiver, "wh-ok", "evt-" + std::to_string(i)));
    }
    auto p = with_health("node-A");
    p.max_in_flight = 4;
    p.batch_size = 4;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return count(ob, delivery_status::success) == n && count(ob, delivery_status::in_flight) == 0;
    }));
    timestamp opened_at = now_ms(clock);
    BOOST_TEST(requests_to(receiver, "/hook") == std::size_t(n));
    std::size_t dead_requests = requests_to(receiver, "/dead");
    BOOST_TEST(dead_requests >= 3u);
    BOOST_TEST(dead_requests <= 3u + p.max_in_flight);
    BOOST_TEST(a.stats().circuits_opened == 1u);
    BOOST_TEST(a.stats().deferred >= std::uint64_t(n) - dead_requests);
    BOOST_REQUIRE(!ob.observer().endpoint_events->empty());
    auto opened = ob.observer().endpoint_events->front();
    BOOST_TEST((opened.type == endpoint_event::kind::circuit_opened));
    BOOST_TEST(opened.webhook_id == "wh-dead");
    // The rows that were never sent wait for the circuit, with no attempt counted.
    std::size_t waiting = 0;
    for (const auto& d : ob.list({.status = delivery_status::pending, .limit = 1000}).items) {
        BOOST_TEST(d.webhook_id == "wh-dead");
        if (d.attempts == 0) {
            ++waiting;
            BOOST_TEST_REQUIRE(d.next_retry_at.has_value());
            BOOST_TEST((*d.next_retry_at == opened_at + 10min));
        }
    }
    BOOST_TEST(waiting == n - dead_requests);

    // Half-open: one probe; it succeeds, the circuit closes, and everything is delivered.
    dead_is_back = true;
    clock.advance(10min);
    a.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return a.stats().circuits_opened == 1 && requests_to(receiver, "/dead") > dead_requests; }));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return ob.observer().endpoint_events->size() == 2 && count(ob, delivery_status::in_flight) == 0;
    }));
    BOOST_TEST((ob.observer().endpoint_events->back().type == endpoint_event::kind::circuit_closed));
    clock.advance(2s);  // past the probe interval of the rows deferred while the probe was out
    a.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(ob, delivery_status::success) == 2 * n; }));
    BOOST_TEST(requests_to(receiver, "/hook") == std::size_t(n));
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// 410 Gone disables the endpoint: its other deliveries are made dead without a request, and the
// observer is told once.
BOOST_FIXTURE_TEST_CASE(gone_disables_the_endpoint, fixture) {
    receiver.script([](const received_request& r) {
        response_plan p;
        if (r.target == "/gone")
            p.status = 410;
        return p;
    });
    auto ob = make_outbox(1);
    for (int i = 0; i < 10; ++i) {
        auto q = request(receiver, "wh-gone", "evt-" + std::to_string(i));
        q.url = receiver.url("/gone");
        ob.enqueue(q);
    }
    auto p = with_health("node-A");
    p.max_in_flight = 1;
    p.batch_size = 1;
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    run({&a}, [&] { return count(ob, delivery_status::dead) == 10; });
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(a.stats().refused == 9u);
    BOOST_TEST(a.stats().endpoints_disabled == 1u);
    BOOST_TEST_REQUIRE(ob.observer().endpoint_events->size() == 1u);
    BOOST_TEST((ob.observer().endpoint_events->front().type == endpoint_event::kind::disabled));
    BOOST_TEST(ob.observer().endpoint_events->front().reason == "410 Gone");
    std::size_t refused = 0;
    for (const auto& d : ob.list({.status = delivery_status::dead, .limit = 100}).items) {
        if (d.attempts == 0) {
            ++refused;
            BOOST_TEST(d.error == "endpoint disabled: 410 Gone");
        } else {
            BOOST_TEST(d.response_code == 410);
        }
    }
    BOOST_TEST(refused == 9u);
}

// A webhook's rate limit: one request per second of the (manual) clock, the backlog spread over
// the following seconds.
BOOST_FIXTURE_TEST_CASE(rate_limit_spreads_requests, fixture) {
    auto ob = make_outbox(1);
    for (int i = 0; i < 5; ++i)
        ob.enqueue(request(receiver, "wh-slow", "evt-" + std::to_string(i)));
    auto p = with_health("node-A");
    p.health->rate_for = [](std::string_view id) -> std::optional<rate_limit> {
        if (id == "wh-slow")
            return rate_limit{1.0, 1.0};
        return std::nullopt;
    };
    test_dispatcher a(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return count(ob, delivery_status::success) == 1 && count(ob, delivery_status::in_flight) == 0 &&
               a.stats().deferred == 4;
    }));
    for (std::size_t k = 1; k < 5; ++k) {
        BOOST_TEST(receiver.request_count() == k);
        clock.advance(1s);
        a.notify();
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(ob, delivery_status::success) == k + 1; }));
    }
    BOOST_TEST(receiver.request_count() == 5u);
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// Endpoint health outlives the dispatcher: saved to a state store on each change, loaded by the
// next run, which keeps the circuit open without sending; enabling the endpoint erases the entry.
BOOST_FIXTURE_TEST_CASE(endpoint_health_is_kept_in_the_state_store, fixture) {
    receiver.respond({.status = 503});
    basic_state_store<engine::memory_engine, manual_clock> states(engine::memory_engine(), {}, clock);
    auto store = std::make_shared<state_store_health<decltype(states)>>(states);
    auto ob = make_outbox(1);
    for (int i = 0; i < 6; ++i)
        ob.enqueue(request(receiver, "wh-dead", "evt-" + std::to_string(i)));
    auto p = with_health("node-A", 2);
    p.max_in_flight = 1;
    p.batch_size = 1;
    p.health_store = store;
    {
        test_dispatcher a(ioc.get_executor(), ob, sender, p);
        run({&a}, [&] { return a.stats().circuits_opened == 1 && a.stats().deferred >= 4; });
    }
    BOOST_TEST(receiver.request_count() == 2u);
    state_key k;
    k.name_space = "endpoint_health";
    k.key = "wh-dead";
    auto saved = states.get("hookbox", k);
    BOOST_TEST_REQUIRE(saved.has_value());
    error_code ec;
    diagnostics diag;
    auto st = endpoint_state_from_json(saved->value, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(st.consecutive_failures == 2);
    BOOST_TEST_REQUIRE(st.open_until.has_value());
    BOOST_TEST((*st.open_until == now_ms(clock) + 10min));

    // A new run, past the failed attempts' retry times but inside the open time: nothing is sent.
    clock.advance(5min);
    receiver.respond({.status = 200});
    test_dispatcher b(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    b.async_run([&](error_code e) { done = e; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] {
        return b.stats().deferred >= 2 && count(ob, delivery_status::in_flight) == 0;
    }));
    BOOST_TEST(receiver.request_count() == 2u);
    BOOST_TEST(b.stats().attempts == 0u);

    // Enabled by hand: the entry is erased and, once due, the deliveries go.
    b.enable_endpoint("wh-dead");
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return !states.get("hookbox", k).has_value(); }));
    clock.advance(10min);
    b.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(ob, delivery_status::success) == 6; }));
    BOOST_TEST((ob.observer().endpoint_events->back().type == endpoint_event::kind::enabled));
    b.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

// Bad health parameters are refused with the field named under `health.`.
BOOST_FIXTURE_TEST_CASE(health_parameters_are_checked, fixture) {
    auto p = with_health("node-A");
    p.health->failure_threshold = -1;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(!test_dispatcher::check(p, 2s, ec, diag));
    CHECK_ERRC(ec, errc::invalid_argument);
    BOOST_TEST(diag.field() == "health.failure_threshold");
}

// A claim TTL that a request could outlive is refused, naming the field.
BOOST_FIXTURE_TEST_CASE(claim_ttl_must_outlive_requests, fixture) {
    auto ob = make_outbox(8);
    auto p = node("node-A");
    p.request_timeout = 15s;
    p.claim_ttl = 20s;  // < 15 s + 2 s connect + 5 s ack margin
    try {
        test_dispatcher a(ioc.get_executor(), ob, sender, p);
        BOOST_FAIL("expected an error");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(e.code() == errc::invalid_argument);
        BOOST_TEST(e.get_diagnostics().field() == "claim_ttl");
    }
    for (auto [field, bad] : std::vector<std::pair<std::string, dispatcher_params>>{
             {"node_id", [] { auto q = node(""); return q; }()},
             {"batch_size", [] { auto q = node("n"); q.batch_size = 0; return q; }()},
             {"max_in_flight", [] { auto q = node("n"); q.max_in_flight = 0; return q; }()},
             {"poll_interval", [] { auto q = node("n"); q.poll_interval = 0ms; return q; }()}}) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(!test_dispatcher::check(bad, 2s, ec, diag));
        BOOST_TEST(diag.field() == field);
    }
}

// W3C Trace Context over real HTTP: each attempt of a traced delivery carries one traceparent
// header with the enqueued trace id and flags and a span id of its own (a custom header of that name
// does not make a second one), and its attempt record holds exactly the header it sent; an untraced
// delivery sends none and records none.
BOOST_FIXTURE_TEST_CASE(traceparent_reaches_the_receiver_and_the_attempt_records, fixture) {
    const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    std::atomic<int> n{0};
    receiver.script([&](const received_request& r) {
        // The traced delivery fails twice, then succeeds; the untraced one succeeds at once.
        return r.header("traceparent").empty() || ++n >= 3 ? response_plan{.status = 200}
                                                            : response_plan{.status = 500};
    });
    auto ob = make_outbox(8);
    auto traced = request(receiver, "wh-1", "evt-traced");
    traced.traceparent = parent;
    traced.headers = {{"traceparent", "00-11111111111111111111111111111111-2222222222222222-00"}};
    const auto id = ob.enqueue(traced).id;
    const auto plain = ob.enqueue(request(receiver, "wh-2", "evt-plain")).id;
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    for (int attempt = 1; attempt <= 3; ++attempt) {
        BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->attempts == attempt; }));
        clock.advance(60s);  // past any retry delay of the default policy's first attempts
        a.notify();
    }
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(plain)->status == delivery_status::success; }));
    BOOST_TEST(ob.get(id)->status == delivery_status::success);
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));

    std::vector<std::string> sent;
    for (const auto& r : receiver.requests()) {
        std::size_t headers = 0;
        for (const auto& [name, value] : r.headers)
            headers += detail::iequals(name, "traceparent") ? 1 : 0;
        if (r.header("webhook-id") == plain.to_string()) {
            BOOST_TEST(headers == 0u);
            continue;
        }
        BOOST_TEST_REQUIRE(headers == 1u);
        sent.push_back(r.header("traceparent"));
    }
    BOOST_TEST_REQUIRE(sent.size() == 3u);
    std::set<std::string> spans;
    for (const auto& tp : sent) {
        BOOST_TEST_CONTEXT(tp) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(validate_traceparent(tp, ec, diag), diag.message());
            BOOST_TEST(tp.substr(0, 35) == parent.substr(0, 35));  // version 00 and the trace id
            BOOST_TEST(tp.substr(52) == parent.substr(52));       // the flags
            BOOST_TEST(tp.substr(36, 16) != parent.substr(36, 16));
            spans.insert(tp.substr(36, 16));
        }
    }
    BOOST_TEST(spans.size() == 3u);  // a new span per attempt

    auto history = ob.attempts(id);
    BOOST_TEST_REQUIRE(history.size() == 3u);
    for (std::size_t i = 0; i < history.size(); ++i)
        BOOST_TEST(history[i].traceparent == std::optional<std::string>(sent[i]));
    BOOST_TEST(ob.get(id)->traceparent == std::optional<std::string>(parent));
    auto plain_history = ob.attempts(plain);
    BOOST_TEST_REQUIRE(plain_history.size() == 1u);
    BOOST_TEST(!plain_history[0].traceparent);
}

BOOST_AUTO_TEST_SUITE_END()

// ----- the dispatcher as an Asio object: lifetime, completion tokens, executors, threads, errors -----

namespace {

// Counts what is allocated through it (and what is given back), to show that an operation uses its
// handler's associated allocator.
struct allocation_count {
    std::atomic<std::size_t> allocations{0};
    std::atomic<std::ptrdiff_t> live{0};
};

template <class T>
struct counting_allocator {
    using value_type = T;
    allocation_count* count;

    explicit counting_allocator(allocation_count* c) noexcept : count(c) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : count(other.count) {}

    T* allocate(std::size_t n) {
        count->allocations.fetch_add(1);
        count->live.fetch_add(1);
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        count->live.fetch_sub(1);
        std::allocator<T>().deallocate(p, n);
    }
    template <class U>
    bool operator==(const counting_allocator<U>& other) const noexcept {
        return count == other.count;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_asio)

// Destroying a dispatcher with calls still queued on its strand is safe: they run on the state the
// dispatcher left behind, which lives until the last of them. (Under ASan, a queued call that
// referred to the destroyed dispatcher would be a use after free.)
BOOST_FIXTURE_TEST_CASE(destroyed_with_calls_queued, fixture) {
    auto ob = make_outbox(8);
    {
        test_dispatcher d(ioc.get_executor(), ob, sender, node("node-A"));
        d.notify();
        d.enable_endpoint("wh-1");
        d.disable_endpoint("wh-1", "by hand");
        d.cancel();
    }
    ioc.run();  // returns: the queued calls ran, and nothing else is left
    BOOST_TEST(ioc.stopped());
}

// Destroying a running dispatcher stops its run as cancel() does: the run drains (its requests end
// and are acked) and completes with operation_aborted, after the dispatcher is gone.
BOOST_FIXTURE_TEST_CASE(destroyed_while_running_stops_the_run, fixture) {
    receiver.respond({.status = 200, .header_delay = 50ms});
    auto ob = make_outbox(4);
    for (int i = 0; i < 20; ++i)
        ob.enqueue(request(receiver, "wh-" + std::to_string(i % 5), "evt-" + std::to_string(i)));
    auto d = std::make_unique<test_dispatcher>(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    d->async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() >= 1; }));
    d.reset();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(count(ob, delivery_status::in_flight) == 0u);  // every request it started was acked
    BOOST_TEST(count(ob, delivery_status::success) == receiver.request_count());
}

// `async_run` takes any completion token: deferred by default (here awaited in a coroutine), and
// `use_awaitable`.
BOOST_FIXTURE_TEST_CASE(async_run_with_the_default_token_and_use_awaitable, fixture) {
    auto ob = make_outbox(4);
    ob.enqueue(request(receiver, "wh-1", "evt-1"));
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    test_dispatcher b(ioc.get_executor(), ob, sender, node("node-B"));
    std::optional<error_code> first, second;
    auto deferred_run = a.async_run();  // nothing starts until it is awaited or given a handler
    ioc.poll();
    BOOST_TEST(a.stats().claims == 0u);
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto [ec] = co_await std::move(deferred_run)(asio::as_tuple(asio::use_awaitable));
            first = ec;
        },
        asio::detached);
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            try {
                co_await b.async_run(asio::use_awaitable);
            } catch (const boost::system::system_error& e) {
                second = e.code();
            }
        },
        asio::detached);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(ob, delivery_status::success) == 1; }));
    BOOST_TEST(a.stats().claims > 0u);
    a.cancel();
    b.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return first.has_value() && second.has_value(); }));
    BOOST_TEST(*first == asio::error::operation_aborted);
    BOOST_TEST(*second == asio::error::operation_aborted);
}

// `use_future`: the context runs on another thread; the future reports the run's end.
BOOST_FIXTURE_TEST_CASE(async_run_with_use_future, fixture) {
    auto ob = make_outbox(4);
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    std::future<void> f = a.async_run(asio::use_future);
    std::thread runner([&] { ioc.run(); });
    a.cancel();
    f.wait();
    // The run was the context's only work. The exception is read once the other thread is done: its
    // reference count lives in the uninstrumented C++ runtime, which ThreadSanitizer cannot follow.
    runner.join();
    try {
        f.get();
        BOOST_FAIL("expected operation_aborted");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == asio::error::operation_aborted);
    }
}

// The handler runs on its associated executor (another io_context here) and, when the completion
// has to be queued there, with its associated allocator.
BOOST_FIXTURE_TEST_CASE(async_run_honours_the_handlers_executor_and_allocator, fixture) {
    auto ob = make_outbox(4);
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    allocation_count counted;
    asio::io_context other;
    std::optional<error_code> done;
    bool on_other = false;
    a.async_run(asio::bind_allocator(counting_allocator<void>(&counted),
                                     asio::bind_executor(other.get_executor(), [&](error_code ec) {
                                         on_other = other.get_executor().running_in_this_thread();
                                         done = ec;
                                     })));
    ioc.poll();
    a.cancel();
    ioc.run();  // the run ends; its completion is queued on `other`, through the handler's allocator
    BOOST_TEST(!done.has_value());
    other.run();
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(on_other);
    BOOST_TEST(counted.allocations.load() > 0u);
    BOOST_TEST(counted.live.load() == 0);
}

// No thread the user did not ask for: by default the storage calls run on the I/O executor; given a
// thread pool, they run there.
BOOST_FIXTURE_TEST_CASE(starts_no_thread_and_runs_storage_calls_where_told, fixture) {
    auto ob = make_outbox(4);
    std::size_t before = thread_count();
    test_dispatcher a(ioc.get_executor(), ob, sender, node("node-A"));
    BOOST_TEST(thread_count() == before);
    BOOST_TEST((a.storage_executor() == asio::any_io_executor(ioc.get_executor())));

    asio::thread_pool pool(1);
    test_dispatcher b(ioc.get_executor(), pool.get_executor(), ob, sender, node("node-B"));
    BOOST_TEST((b.storage_executor() == asio::any_io_executor(pool.get_executor())));
    ob.enqueue(request(receiver, "wh-1", "evt-1"));
    run({&b}, [&] { return count(ob, delivery_status::success) == 1; });
    pool.join();
}

// A request the sender refuses before sending it (here: the default address policy forbids
// loopback) makes the delivery dead, and the observer's on_error is told why, naming the delivery.
BOOST_FIXTURE_TEST_CASE(a_refused_request_is_reported, fixture) {
    beast_sender strict(ioc.get_executor());  // default address policy: no loopback, no private ranges
    auto ob = make_outbox(4);
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    test_dispatcher a(ioc.get_executor(), ob, strict, node("node-A"));
    std::optional<error_code> done;
    a.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->status == delivery_status::dead; }));
    a.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(receiver.request_count() == 0u);
    BOOST_TEST(a.stats().send_refused == 1u);
    const auto& errors = *ob.observer().errors;
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].what == "send");
    BOOST_TEST(errors[0].ec.failed());
    BOOST_TEST(errors[0].message.find(id.to_string()) != std::string::npos);
    BOOST_TEST(errors[0].message.find("wh-1") != std::string::npos);
    BOOST_TEST(errors[0].message.find("refused") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// ----- storage failures under a running dispatcher -----

namespace {

using failing_outbox = basic_outbox<failing_storage<memory_storage>, manual_clock, fnv1a_partition_hasher,
                                    claim_recorder>;
using failing_dispatcher = dispatcher<failing_outbox, beast_sender>;

struct failing_fixture : fixture {
    std::shared_ptr<fault_injector> faults = std::make_shared<fault_injector>();
    failing_outbox ob{outbox_params{}, failing_storage<memory_storage>(memory_storage(), faults), clock};

    // The attempt records of every row, by outcome.
    std::map<delivery_status, std::size_t> recorded() {
        std::map<delivery_status, std::size_t> n;
        for (const auto& d : ob.list({.limit = 1000}).items)
            for (const auto& a : ob.attempts(d.id))
                ++n[a.outcome];
        return n;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dispatcher_storage_failures)

// The storage is down (every call fails with storage_busy) while the request is out: its ack is
// kept and written again until the storage takes it. The delivery then succeeds once, with one
// attempt, and was sent once; the failures were told to on_error. (The receiver answers only once
// the storage is down, so the ack is written to a failing storage whatever the timing.)
BOOST_FIXTURE_TEST_CASE(acks_are_kept_while_the_storage_is_down, failing_fixture) {
    gate hold;
    receiver.script([&hold](const received_request&) {
        hold.wait();
        return response_plan{};
    });
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    failing_dispatcher d(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    d.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    faults->set({.n = 1, .kind = fault::busy, .until_recovered = true});
    hold.open();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().writes_retried >= 2; }));
    BOOST_TEST(d.stats().attempts == 1u);
    faults->recover();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return ob.get(id)->status == delivery_status::success; }));
    d.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(recorded()[delivery_status::success] == 1u);
    BOOST_TEST(ob.get(id)->attempts == 1);
    const auto& errors = *ob.observer().errors;
    BOOST_TEST(std::any_of(errors.begin(), errors.end(), [](const auto& e) {
        return e.what == "ack" && e.ec == errc::storage_busy;
    }));
}

// A commit whose answer was lost: the ack was applied, the dispatcher was told it failed and writes
// it again; the storage then answers claim_lost, and nothing is completed twice.
BOOST_FIXTURE_TEST_CASE(an_ack_applied_but_reported_failed_is_not_applied_twice, failing_fixture) {
    gate hold;
    receiver.script([&hold](const received_request&) {
        hold.wait();
        return response_plan{};
    });
    auto id = ob.enqueue(request(receiver, "wh-1", "evt-1")).id;
    failing_dispatcher d(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    d.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    faults->set({.n = 1, .kind = fault::lost_answer, .until_recovered = true});
    hold.open();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().attempts == 1 && d.stats().writes_retried >= 1; }));
    faults->recover();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().claims_lost == 1u; }));
    d.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(ob.get(id)->status == delivery_status::success);
    BOOST_TEST(recorded()[delivery_status::success] == 1u);  // one record: applied once
    BOOST_TEST(receiver.request_count() == 1u);
}

// A stop while the storage is down: the run drains, writes what it can until the drain deadline
// (on the dispatcher's timer clock), then gives up the rest, reports it, and completes. The row
// stays claimed and is sent again once the claim TTL has passed: at least once still holds.
BOOST_FIXTURE_TEST_CASE(a_stop_gives_up_unwritable_acks_at_the_drain_deadline, failing_fixture) {
    using driven_failing = dispatcher<failing_outbox, beast_sender, asio::any_io_executor, default_retry_policy,
                                      manual_steady_clock>;
    gate hold;
    receiver.script([&hold](const received_request&) {
        hold.wait();
        return response_plan{};
    });
    ob.enqueue(request(receiver, "wh-1", "evt-1"));
    driven_failing d(ioc.get_executor(), ob, sender, node("node-A"));
    std::optional<error_code> done;
    d.async_run([&](error_code ec) { done = ec; });
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return receiver.request_count() == 1; }));
    faults->set({.n = 1, .kind = fault::before, .until_recovered = true});
    hold.open();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return d.stats().attempts == 1 && d.stats().storage_errors >= 1; }));
    d.cancel();
    BOOST_TEST_REQUIRE(run_due_timers(ioc));
    BOOST_TEST(!done.has_value());  // still writing: the deadline has not come
    manual_steady_clock::advance(d.params().drain_timeout);
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(d.stats().writes_abandoned == 1u);
    const auto& errors = *ob.observer().errors;
    BOOST_TEST(std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e.what == "ack.abandoned"; }));
    faults->recover();
    BOOST_TEST(ob.stats().count(delivery_status::in_flight) == 1u);
    BOOST_TEST(ob.stats().count(delivery_status::success) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
