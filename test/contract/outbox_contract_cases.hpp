//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_CASES_HPP
#define HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_CASES_HPP

// The outbox contract cases: the ObjectStack outbox's tests (`sql-outbox.test.ts`, numbered as
// there, and its redeliver tests) plus hookbox's own guarantees (fencing, paging, stats,
// validation, and the operations: replay, purge, release, attempt history, failures), written once
// over the storage factories in `outbox_contract_factories`. They reach the storage only through the public
// basic_outbox API, and assume nothing about ids, tokens or sequence numbers beyond the contract:
// sequence grows with enqueue order, claim tokens are non-zero and differ between claims.

#include "contract/outbox_contract.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Checks an (error_code, diagnostics) pair: the code, and the field the diagnostics name.
#define HOOKBOX_CHECK_ERROR(ec, diag, code, field_name)                  \
    do {                                                                 \
        BOOST_TEST((ec) == ::hookbox::make_error_code(code));            \
        BOOST_TEST((diag).field() == std::string(field_name));           \
    } while (false)

namespace hookbox::test {

namespace contract_detail {

using std::chrono::milliseconds;

// Printable views of optional fields, so that BOOST_TEST shows both sides on failure.
inline std::string show(const std::optional<std::string>& v) { return v ? "'" + *v + "'" : "<unset>"; }
inline std::string show(const std::optional<int>& v) { return v ? std::to_string(*v) : "<unset>"; }
inline std::string show(const std::optional<timestamp>& v) {
    return v ? std::to_string(v->time_since_epoch().count()) + " ms" : "<unset>";
}
inline std::string show(const std::optional<milliseconds>& v) {
    return v ? std::to_string(v->count()) + " ms" : "<unset>";
}
inline std::string show(timestamp t) { return show(std::optional<timestamp>(t)); }
inline std::string show(milliseconds d) { return show(std::optional<milliseconds>(d)); }

inline const std::string unset = "<unset>";

inline attempt_result success_result(int status = 200, std::string body = "ok", milliseconds duration = milliseconds(42)) {
    attempt_result r;
    r.outcome = attempt_outcome::success;
    r.http_status = status;
    r.response_body = std::move(body);
    r.duration = duration;
    return r;
}

inline attempt_result retry_result(std::optional<timestamp> at, int status = 503, std::string error = "upstream") {
    attempt_result r;
    r.outcome = attempt_outcome::retry;
    r.http_status = status;
    r.error = std::move(error);
    r.duration = milliseconds(7);
    r.next_retry_at = at;
    return r;
}

inline attempt_result dead_result(int status = 410, std::string error = "gone") {
    attempt_result r;
    r.outcome = attempt_outcome::dead;
    r.http_status = status;
    r.error = std::move(error);
    r.duration = milliseconds(9);
    return r;
}

inline claim_options claim_opts(std::string node, std::size_t limit = 100, milliseconds ttl = milliseconds(60000),
                                std::optional<partition_ref> partition = std::nullopt) {
    claim_options o;
    o.node_id = std::move(node);
    o.limit = limit;
    o.claim_ttl = ttl;
    o.partition = partition;
    return o;
}

// The first `n` webhook ids of the form `<prefix>N` that fall in pairwise different partitions (of 8).
inline std::vector<std::string> webhooks_in_distinct_partitions(std::size_t n, const std::string& prefix = "wh-") {
    std::vector<std::string> out;
    std::set<int> seen;
    for (int i = 0; out.size() < n && i < 10000; ++i) {
        std::string id = prefix + std::to_string(i);
        if (seen.insert(hash_partition(id, 8)).second)
            out.push_back(id);
    }
    return out;
}

template <class Outbox>
delivery get_row(const Outbox& o, const delivery_id& id) {
    std::optional<delivery> d = o.get(id);
    BOOST_REQUIRE_MESSAGE(d.has_value(), "row " << id << " is missing");
    return *d;
}

inline std::vector<std::string> event_ids_of(const std::vector<delivery>& rows) {
    std::vector<std::string> out;
    for (const auto& d : rows)
        out.push_back(d.event_id);
    return out;
}

}  // namespace contract_detail

BOOST_AUTO_TEST_SUITE(outbox_contract)

using namespace contract_detail;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// enqueue
// ---------------------------------------------------------------------------------------------

// ObjectStack sql-outbox test #1
BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_inserts_pending_row_with_precomputed_partition_key, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    BOOST_TEST(hash_partition("wh-1", 8) == 4);

    enqueue_request req = make_request("wh-1", "evt-1");
    req.secret = "s3cret";
    enqueue_result r = this->outbox.enqueue(req);
    BOOST_TEST(r.created);
    BOOST_TEST(!r.id.is_nil());

    delivery d = get_row(this->outbox, r.id);
    BOOST_TEST(d.id == r.id);
    BOOST_TEST(d.webhook_id == "wh-1");
    BOOST_TEST(d.event_id == "evt-1");
    BOOST_TEST(d.event_type == "data.record.created");
    BOOST_TEST(d.url == "https://receiver.example/hook");
    BOOST_TEST(d.partition_key == 4);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 0);
    BOOST_TEST(d.method == "POST");
    BOOST_TEST(d.payload.body() == req.payload.body());
    BOOST_TEST((d.payload.kind() == payload_kind::json));
    BOOST_TEST(show(d.created_at) == show(this->now()));
    BOOST_TEST(show(d.updated_at) == show(this->now()));
    BOOST_TEST(d.has_secret);
    BOOST_TEST(d.secret.empty());
    BOOST_TEST(show(d.next_retry_at) == unset);
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.claimed_at) == unset);
    BOOST_TEST(d.claim_token == 0u);
    BOOST_TEST(show(d.last_attempted_at) == unset);
    BOOST_TEST(show(d.response_code) == unset);
    BOOST_TEST(show(d.response_body) == unset);
    BOOST_TEST(show(d.error) == unset);

    // Without a secret: has_secret is false. A later enqueue gets a later time and sequence.
    this->clock.advance(milliseconds(1234));
    enqueue_result r2 = this->outbox.enqueue(make_request("wh-2", "evt-1"));
    BOOST_TEST(r2.created);
    BOOST_TEST(r2.id != r.id);
    delivery d2 = get_row(this->outbox, r2.id);
    BOOST_TEST(!d2.has_secret);
    BOOST_TEST(d2.partition_key == hash_partition("wh-2", 8));
    BOOST_TEST(show(d2.created_at) == show(this->now()));
    BOOST_TEST(d2.sequence > d.sequence);
    BOOST_TEST(this->outbox.list().items.size() == 2u);
}

// ObjectStack sql-outbox test #2
BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_dedups_by_event_id_and_webhook_id, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    enqueue_request first = make_request("wh-1", "evt-1");
    enqueue_result r1 = this->outbox.enqueue(first);
    BOOST_TEST(r1.created);

    this->clock.advance(milliseconds(500));
    enqueue_request second = make_request("wh-1", "evt-1", "https://other.example/changed");
    second.payload = payload::parse(R"({"replaced":true})");
    enqueue_result r2 = this->outbox.enqueue(second);
    BOOST_TEST(!r2.created);
    BOOST_TEST(r2.id == r1.id);

    // Nothing of the duplicate was stored.
    delivery d = get_row(this->outbox, r1.id);
    BOOST_TEST(d.payload.body() == first.payload.body());
    BOOST_TEST(d.url == "https://receiver.example/hook");
    BOOST_TEST(show(d.updated_at) == show(d.created_at));
    BOOST_TEST(this->outbox.list().items.size() == 1u);

    // The same event for another webhook is another delivery.
    enqueue_result r3 = this->outbox.enqueue(make_request("wh-2", "evt-1"));
    BOOST_TEST(r3.created);
    BOOST_TEST(r3.id != r1.id);
    // And another event for the same webhook too.
    enqueue_result r4 = this->outbox.enqueue(make_request("wh-1", "evt-2"));
    BOOST_TEST(r4.created);
    BOOST_TEST(r4.id != r1.id);
    BOOST_TEST(r4.id != r3.id);
    BOOST_TEST(this->outbox.list().items.size() == 3u);

    // Dedup also holds after the first row finished.
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    for (const auto& c : claimed)
        this->outbox.ack(c, success_result());
    enqueue_result r5 = this->outbox.enqueue(make_request("wh-1", "evt-1"));
    BOOST_TEST(!r5.created);
    BOOST_TEST(r5.id == r1.id);
    BOOST_TEST(get_row(this->outbox, r1.id).status == delivery_status::success);
    BOOST_TEST(this->outbox.list().items.size() == 3u);
}

// ObjectStack sql-outbox test #3
BOOST_FIXTURE_TEST_CASE_TEMPLATE(concurrent_duplicate_enqueues_create_one_row, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    constexpr int threads = 8;
    std::vector<enqueue_result> results(threads);
    std::vector<error_code> errors(threads);
    std::latch start(threads);
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            enqueue_request req = make_request("wh-race", "evt-race");
            diagnostics diag;
            start.arrive_and_wait();
            // A storage may report contention (storage_busy, and only that): the attempt changed nothing,
            // so it is retried. Any other error fails the case.
            for (int attempt = 0; attempt < 1000; ++attempt) {
                results[t] = this->outbox.enqueue(req, errors[t], diag);
                if (errors[t] != make_error_code(errc::storage_busy))
                    break;
                std::this_thread::yield();
            }
        });
    }
    for (auto& th : pool)
        th.join();

    int created = 0;
    for (int t = 0; t < threads; ++t) {
        BOOST_TEST_CONTEXT("thread " << t) {
            BOOST_TEST(!errors[t]);
            BOOST_TEST(results[t].id == results[0].id);
        }
        created += results[t].created ? 1 : 0;
    }
    BOOST_TEST(created == 1);
    BOOST_TEST(!results[0].id.is_nil());
    auto rows = this->outbox.list().items;
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].id == results[0].id);
}

// hookbox: method default, custom method, headers and timeout round-trip.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_defaults_method_and_round_trips_fields, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    enqueue_request no_method = make_request("wh-1", "evt-empty-method");
    no_method.method = "";
    delivery d1 = get_row(this->outbox, this->outbox.enqueue(no_method).id);
    BOOST_TEST(d1.method == "POST");
    BOOST_TEST(show(d1.timeout) == unset);
    BOOST_TEST(d1.headers.empty());

    enqueue_request custom = make_request("wh-1", "evt-put");
    custom.method = "PUT";
    custom.headers = {{"X-Trace", "abc-123"}, {"Authorization", "Bearer t\tok"}, {"X-Empty", ""}};
    custom.timeout = milliseconds(2500);
    custom.payload = payload::raw("plain text body");
    delivery d2 = get_row(this->outbox, this->outbox.enqueue(custom).id);
    BOOST_TEST(d2.method == "PUT");
    BOOST_TEST_REQUIRE(d2.headers.size() == 3u);
    for (std::size_t i = 0; i < d2.headers.size(); ++i) {
        BOOST_TEST_CONTEXT("header " << i) {
            BOOST_TEST(d2.headers[i].name == custom.headers[i].name);
            BOOST_TEST(d2.headers[i].value == custom.headers[i].value);
        }
    }
    BOOST_TEST(show(d2.timeout) == show(milliseconds(2500)));
    BOOST_TEST(d2.payload.body() == "plain text body");
    BOOST_TEST((d2.payload.kind() == payload_kind::raw));

    // What claim hands out carries the same fields.
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    const delivery& c2 = claimed[0].id == d2.id ? claimed[0] : claimed[1];
    BOOST_TEST(c2.method == "PUT");
    BOOST_TEST(c2.headers.size() == 3u);
    BOOST_TEST(show(c2.timeout) == show(milliseconds(2500)));
    BOOST_TEST(c2.payload.body() == "plain text body");
}

// ---------------------------------------------------------------------------------------------
// claim
// ---------------------------------------------------------------------------------------------

// ObjectStack sql-outbox test #4
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_marks_row_in_flight_and_hands_out_the_secret, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    enqueue_request req = make_request("wh-1", "evt-1");
    req.secret = "whsec_topsecret";
    delivery_id id = this->outbox.enqueue(req).id;

    this->clock.advance(milliseconds(250));
    auto claimed = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    const delivery& c = claimed[0];
    BOOST_TEST(c.id == id);
    BOOST_TEST(c.status == delivery_status::in_flight);
    BOOST_TEST(show(c.claimed_by) == "'node-A'");
    BOOST_TEST(show(c.claimed_at) == show(this->now()));
    BOOST_TEST(c.claim_token != 0u);
    BOOST_TEST(c.attempts == 0);  // claim does not count an attempt
    BOOST_TEST(c.secret == "whsec_topsecret");
    BOOST_TEST(c.has_secret);
    BOOST_TEST(c.payload.body() == req.payload.body());

    delivery stored = get_row(this->outbox, id);
    BOOST_TEST(stored.status == delivery_status::in_flight);
    BOOST_TEST(show(stored.claimed_by) == "'node-A'");
    BOOST_TEST(show(stored.claimed_at) == show(this->now()));
    BOOST_TEST(show(stored.updated_at) == show(this->now()));
    BOOST_TEST(stored.attempts == 0);
    BOOST_TEST(stored.secret.empty());
    BOOST_TEST(stored.has_secret);

    auto listed = this->outbox.list().items;
    BOOST_TEST_REQUIRE(listed.size() == 1u);
    BOOST_TEST(listed[0].secret.empty());
    BOOST_TEST(listed[0].has_secret);
    BOOST_TEST(listed[0].status == delivery_status::in_flight);

    // An in_flight row is not handed out again while its claim is fresh.
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 10)).empty());

    // Tokens differ between the rows of one claim and between claims.
    this->outbox.enqueue(make_request("wh-1", "evt-2"));
    this->outbox.enqueue(make_request("wh-1", "evt-3"));
    auto more = this->outbox.claim(claim_opts("node-B", 10));
    BOOST_TEST_REQUIRE(more.size() == 2u);
    std::set<std::uint64_t> tokens{c.claim_token, more[0].claim_token, more[1].claim_token};
    BOOST_TEST(tokens.size() == 3u);
    BOOST_TEST(tokens.count(0) == 0u);
    BOOST_TEST(more[0].secret.empty());  // enqueued without a secret
    BOOST_TEST(!more[0].has_secret);
}

// Every field of `claimed` is that of the stored row (`get`), which shows all but the secret.
template <class Outbox>
void check_claimed_as_stored(const Outbox& o, const delivery& claimed, const std::string& secret) {
    BOOST_TEST_CONTEXT(claimed.event_id) {
        delivery s = get_row(o, claimed.id);
        BOOST_TEST(claimed.webhook_id == s.webhook_id);
        BOOST_TEST(claimed.event_id == s.event_id);
        BOOST_TEST(claimed.event_type == s.event_type);
        BOOST_TEST(claimed.url == s.url);
        BOOST_TEST(claimed.method == s.method);
        BOOST_TEST((claimed.headers == s.headers));
        BOOST_TEST(claimed.secret == secret);
        BOOST_TEST(claimed.has_secret == s.has_secret);
        BOOST_TEST(show(claimed.timeout) == show(s.timeout));
        BOOST_TEST(claimed.payload.body() == s.payload.body());
        BOOST_TEST((claimed.payload.kind() == s.payload.kind()));
        BOOST_TEST(claimed.partition_key == s.partition_key);
        BOOST_TEST(claimed.status == s.status);
        BOOST_TEST(claimed.attempts == s.attempts);
        BOOST_TEST(show(claimed.claimed_by) == show(s.claimed_by));
        BOOST_TEST(show(claimed.claimed_at) == show(s.claimed_at));
        BOOST_TEST(claimed.claim_token == s.claim_token);
        BOOST_TEST(show(claimed.next_retry_at) == show(s.next_retry_at));
        BOOST_TEST(show(claimed.last_attempted_at) == show(s.last_attempted_at));
        BOOST_TEST(show(claimed.response_code) == show(s.response_code));
        BOOST_TEST(show(claimed.response_body) == show(s.response_body));
        BOOST_TEST(show(claimed.error) == show(s.error));
        BOOST_TEST(show(claimed.last_duration) == show(s.last_duration));
        BOOST_TEST(claimed.sequence == s.sequence);
        BOOST_TEST(show(claimed.created_at) == show(s.created_at));
        BOOST_TEST(show(claimed.updated_at) == show(s.updated_at));
    }
}

// claim(opts, out) replaces what `out` held: nothing of an earlier delivery in it (a secret, a
// header, an error, a response) shows through in the rows claimed into it.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_into_a_used_vector_replaces_every_field, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    enqueue_request rich = make_request("wh-1", "evt-a");
    rich.secret = "whsec_a";
    rich.method = "PUT";
    rich.headers = {{"X-Trace", "t-1"}};
    rich.timeout = milliseconds(5000);
    delivery_id a = this->outbox.enqueue(rich).id;
    this->outbox.enqueue(make_request("wh-2", "evt-b"));
    this->outbox.enqueue(make_request("wh-3", "evt-c"));

    // The first row has been tried once: its error, response and attempt time are set.
    std::vector<delivery> out;
    this->outbox.claim(claim_opts("node-A", 1), out);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0].id == a);
    this->clock.advance(milliseconds(10));
    this->outbox.ack(out[0], retry_result(std::nullopt, 503, "upstream"));

    // A vector of three used deliveries, every optional field set.
    delivery junk = get_row(this->outbox, a);
    junk.secret = "whsec_junk";
    junk.has_secret = true;
    junk.headers = {{"X-Junk", "1"}, {"X-Junk-2", "2"}};
    junk.claimed_by = "junk-node";
    junk.response_body = "junk body";
    junk.response_code = 418;
    junk.error = "junk error";
    junk.last_duration = milliseconds(1);
    junk.timeout = milliseconds(1);
    out.assign(3, junk);

    this->clock.advance(milliseconds(10));
    this->outbox.claim(claim_opts("node-B", 2), out);
    BOOST_TEST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[0].id == a);  // the retried row is the oldest
    BOOST_TEST(out[1].event_id == "evt-b");
    check_claimed_as_stored(this->outbox, out[0], "whsec_a");
    check_claimed_as_stored(this->outbox, out[1], "");
    BOOST_TEST(show(out[0].error) == "'upstream'");
    BOOST_TEST(show(out[1].error) == unset);
    BOOST_TEST(show(out[1].response_code) == unset);
    BOOST_TEST(out[1].headers.empty());
    BOOST_TEST(out[1].method == "POST");
    BOOST_TEST(show(out[1].claimed_by) == "'node-B'");
    for (const auto& d : out)
        this->outbox.ack(d, success_result());

    // A row claimed into a vector of fresh deliveries (the other way round).
    out.assign(1, delivery());
    this->outbox.claim(claim_opts("node-C", 10), out);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    check_claimed_as_stored(this->outbox, out[0], "");
    BOOST_TEST(out[0].event_id == "evt-c");

    // Nothing left to claim: `out` ends up empty.
    this->outbox.claim(claim_opts("node-C", 10), out);
    BOOST_TEST(out.empty());

    // Invalid options: the error, and `out` is empty.
    out.assign(1, junk);
    error_code ec;
    diagnostics diag;
    this->outbox.claim(claim_opts("node-C", 0), out, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "limit");
    BOOST_TEST(out.empty());
    out.assign(1, junk);
    BOOST_CHECK_THROW(this->outbox.claim(claim_opts("", 10), out), error_with_diagnostics);
}

// Several partitions claimed in one step: each takes its own rows, oldest first, up to its limit
// and to what the ones before it left of the total.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_many_claims_each_partition_within_a_total, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(3);
    BOOST_TEST_REQUIRE(hooks.size() == 3u);
    for (int e = 0; e < 4; ++e)
        for (const auto& w : hooks)
            this->outbox.enqueue(make_request(w, "evt-" + std::to_string(e)));
    std::vector<claim_options> opts;
    for (const auto& w : hooks)
        opts.push_back(claim_opts("node-A", 3, milliseconds(60000), partition_ref{hash_partition(w, 8), 8}));

    auto got = this->outbox.claim_many(opts, 7);  // 3 + 3 + what is left: 1
    BOOST_TEST_REQUIRE(got.size() == 3u);
    BOOST_TEST(got[0].size() == 3u);
    BOOST_TEST(got[1].size() == 3u);
    BOOST_TEST(got[2].size() == 1u);
    std::set<std::uint64_t> tokens;
    for (std::size_t i = 0; i < got.size(); ++i) {
        for (std::size_t j = 0; j < got[i].size(); ++j) {
            const delivery& d = got[i][j];
            BOOST_TEST(d.webhook_id == hooks[i]);
            BOOST_TEST(d.event_id == "evt-" + std::to_string(j));  // oldest first
            BOOST_TEST(d.status == delivery_status::in_flight);
            BOOST_TEST(d.claimed_by == std::optional<std::string>("node-A"));
            BOOST_TEST(get_row(this->outbox, d.id).status == delivery_status::in_flight);
            tokens.insert(d.claim_token);
        }
    }
    BOOST_TEST(tokens.size() == 7u);
    BOOST_TEST(this->outbox.stats().count(delivery_status::in_flight) == 7u);

    // A total of 0 claims nothing; invalid options fail naming the field, and nothing is claimed.
    auto none = this->outbox.claim_many(opts, 0);
    BOOST_TEST_REQUIRE(none.size() == 3u);
    for (const auto& rows : none)
        BOOST_TEST(rows.empty());
    opts[1].limit = 0;
    error_code ec;
    diagnostics diag;
    auto refused = this->outbox.claim_many(opts, 100, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "limit");
    BOOST_TEST(refused.empty());
    BOOST_TEST(this->outbox.stats().count(delivery_status::in_flight) == 7u);
}

// ObjectStack sql-outbox test #5
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_filters_by_partition, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(3);
    BOOST_TEST_REQUIRE(hooks.size() == 3u);
    std::map<int, std::set<delivery_id>> by_partition;
    for (const auto& w : hooks) {
        for (int e = 0; e < 3; ++e) {
            delivery_id id = this->outbox.enqueue(make_request(w, "evt-" + std::to_string(e))).id;
            by_partition[hash_partition(w, 8)].insert(id);
            BOOST_TEST(get_row(this->outbox, id).partition_key == hash_partition(w, 8));
        }
    }

    int p = hash_partition(hooks[0], 8);
    auto claimed = this->outbox.claim(claim_opts("node-A", 100, milliseconds(60000), partition_ref{p, 8}));
    BOOST_TEST(claimed.size() == 3u);
    std::set<delivery_id> got;
    for (const auto& d : claimed) {
        BOOST_TEST(d.partition_key == p);
        BOOST_TEST(d.webhook_id == hooks[0]);
        got.insert(d.id);
    }
    BOOST_TEST((got == by_partition[p]));

    // The other partitions' rows are untouched.
    for (std::size_t i = 1; i < hooks.size(); ++i) {
        int q = hash_partition(hooks[i], 8);
        for (const auto& id : by_partition[q])
            BOOST_TEST(get_row(this->outbox, id).status == delivery_status::pending);
    }

    // A partition with no rows gives nothing.
    int empty = 0;
    while (by_partition.count(empty))
        ++empty;
    BOOST_TEST(this->outbox.claim(claim_opts("node-A", 100, milliseconds(60000), partition_ref{empty, 8})).empty());

    // Claiming the second partition gives exactly its rows.
    int q = hash_partition(hooks[1], 8);
    auto second = this->outbox.claim(claim_opts("node-B", 100, milliseconds(60000), partition_ref{q, 8}));
    std::set<delivery_id> got2;
    for (const auto& d : second)
        got2.insert(d.id);
    BOOST_TEST((got2 == by_partition[q]));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_rejects_invalid_partition, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    struct bad_partition {
        const char* name;
        partition_ref ref;
        const char* field;
    };
    const bad_partition cases[] = {
        {"index equal to count", {8, 8}, "partition.index"},
        {"index negative", {-1, 8}, "partition.index"},
        {"count smaller than the outbox's", {0, 4}, "partition.count"},
        {"count larger than the outbox's", {0, 16}, "partition.count"},
        {"count zero", {0, 0}, "partition.count"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            auto rows = this->outbox.claim(claim_opts("node-A", 10, milliseconds(60000), tc.ref), ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_partition, tc.field);
            BOOST_TEST(rows.empty());
        }
    }
    // Nothing was claimed by the rejected calls.
    BOOST_TEST(this->outbox.list({.status = delivery_status::pending}).items.size() == 1u);

    BOOST_CHECK_EXCEPTION((void)this->outbox.claim(claim_opts("node-A", 10, milliseconds(60000), partition_ref{9, 8})),
                          error_with_diagnostics, [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::invalid_partition) &&
                                     e.get_diagnostics().field() == "partition.index";
                          });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_rejects_invalid_options, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    struct bad_options {
        const char* name;
        claim_options opts;
        errc code;
        const char* field;
    };
    const bad_options cases[] = {
        {"empty node_id", claim_opts("", 10), errc::empty_field, "node_id"},
        {"node_id of 129 bytes", claim_opts(std::string(129, 'n'), 10), errc::field_too_long, "node_id"},
        {"node_id not UTF-8", claim_opts("node-\xff", 10), errc::invalid_utf8, "node_id"},
        {"limit 0", claim_opts("node-A", 0), errc::invalid_argument, "limit"},
        {"limit 10001", claim_opts("node-A", 10001), errc::invalid_argument, "limit"},
        {"claim_ttl 0", claim_opts("node-A", 10, milliseconds(0)), errc::invalid_argument, "claim_ttl"},
        {"claim_ttl negative", claim_opts("node-A", 10, milliseconds(-5)), errc::invalid_argument, "claim_ttl"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            auto rows = this->outbox.claim(tc.opts, ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, tc.code, tc.field);
            BOOST_TEST(rows.empty());
            BOOST_TEST(this->outbox.list({.status = delivery_status::pending}).items.size() == 1u);
        }
    }
    // The limits themselves are accepted.
    BOOST_TEST(this->outbox.claim(claim_opts(std::string(128, 'n'), 10000)).size() == 1u);

    BOOST_CHECK_EXCEPTION((void)this->outbox.claim(claim_opts("", 10)), error_with_diagnostics,
                          [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::empty_field) &&
                                     e.get_diagnostics().field() == "node_id";
                          });
}

// ObjectStack sql-outbox test #6
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_skips_rows_whose_next_retry_at_is_in_the_future, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    timestamp retry_at = this->now() + milliseconds(60000);
    this->outbox.ack(claimed[0], retry_result(retry_at));

    BOOST_TEST(get_row(this->outbox, id).status == delivery_status::pending);
    BOOST_TEST(this->outbox.claim(claim_opts("node-A")).empty());
    BOOST_TEST(this->outbox.claim(claim_opts("node-A", 100, milliseconds(60000),
                                             partition_ref{hash_partition("wh-1", 8), 8}))
                   .empty());

    this->clock.advance(milliseconds(59999));
    BOOST_TEST(this->outbox.claim(claim_opts("node-A")).empty());

    // next_retry_at == now is claimable.
    this->clock.advance(milliseconds(1));
    BOOST_TEST(show(this->now()) == show(retry_at));
    auto again = this->outbox.claim(claim_opts("node-B"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
    BOOST_TEST(show(again[0].claimed_by) == "'node-B'");
    BOOST_TEST(again[0].attempts == 1);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(retry_without_next_retry_at_is_claimable_at_once, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], retry_result(std::nullopt));
    BOOST_TEST(show(get_row(this->outbox, id).next_retry_at) == unset);
    auto again = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
}

// ObjectStack sql-outbox test #7
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_reaps_stale_in_flight_rows_past_claim_ttl, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto dead = this->outbox.claim(claim_opts("dead-node"));
    BOOST_TEST_REQUIRE(dead.size() == 1u);

    this->clock.advance(milliseconds(300000));
    auto claimed = this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000)));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == id);
    BOOST_TEST(show(claimed[0].claimed_by) == "'node-B'");
    BOOST_TEST(show(claimed[0].claimed_at) == show(this->now()));
    BOOST_TEST(claimed[0].claim_token != 0u);
    BOOST_TEST(claimed[0].claim_token != dead[0].claim_token);
    BOOST_TEST(claimed[0].attempts == 0);  // reaping does not count an attempt

    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::in_flight);
    BOOST_TEST(show(d.claimed_by) == "'node-B'");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_ttl_boundary_is_strict, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    BOOST_TEST_REQUIRE(this->outbox.claim(claim_opts("node-A")).size() == 1u);
    timestamp claimed_at = this->now();

    // Exactly claim_ttl old: not reaped.
    this->clock.advance(milliseconds(60000));
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000))).empty());
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::in_flight);
    BOOST_TEST(show(d.claimed_by) == "'node-A'");
    BOOST_TEST(show(d.claimed_at) == show(claimed_at));

    // One millisecond older: reaped and re-claimed.
    this->clock.advance(milliseconds(1));
    auto claimed = this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000)));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == id);
    BOOST_TEST(show(claimed[0].claimed_by) == "'node-B'");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(reap_is_global_across_partitions, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(2);
    BOOST_TEST_REQUIRE(hooks.size() == 2u);
    int p = hash_partition(hooks[0], 8);
    int q = hash_partition(hooks[1], 8);
    delivery_id id = this->outbox.enqueue(make_request(hooks[0], "evt-1")).id;
    BOOST_TEST_REQUIRE(
        this->outbox.claim(claim_opts("node-A", 10, milliseconds(60000), partition_ref{p, 8})).size() == 1u);

    this->clock.advance(milliseconds(60001));
    // A claim of another partition reaps the stale row, but does not take it.
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000), partition_ref{q, 8})).empty());
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.claimed_at) == unset);
    BOOST_TEST(d.claim_token == 0u);
    BOOST_TEST(d.attempts == 0);
    BOOST_TEST(show(d.updated_at) == show(this->now()));
}

// ObjectStack sql-outbox test #11
BOOST_FIXTURE_TEST_CASE_TEMPLATE(concurrent_claims_never_double_claim_a_row, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    constexpr int rows = 200;
    constexpr int workers = 10;
    const std::string hook = "wh-hot";
    const int p = hash_partition(hook, 8);
    for (int i = 0; i < rows; ++i)
        this->outbox.enqueue(make_request(hook, "evt-" + std::to_string(i)));

    std::vector<std::vector<delivery>> got(workers);
    std::vector<error_code> errors(workers);
    std::latch start(workers);
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w) {
        pool.emplace_back([&, w] {
            claim_options opts = claim_opts("worker-" + std::to_string(w), 1000, milliseconds(60000), partition_ref{p, 8});
            start.arrive_and_wait();
            // Claim until nothing is left: a storage may hand a racing claimer fewer rows than exist.
            int busy = 0;
            for (;;) {
                diagnostics diag;
                auto batch = this->outbox.claim(opts, errors[w], diag);
                if (errors[w] == make_error_code(errc::storage_busy) && ++busy < 1000) {  // changed nothing: retry
                    std::this_thread::yield();
                    continue;
                }
                if (errors[w] || batch.empty())
                    break;
                got[w].insert(got[w].end(), batch.begin(), batch.end());
            }
        });
    }
    for (auto& th : pool)
        th.join();

    std::size_t total = 0;
    std::set<delivery_id> ids;
    std::set<std::uint64_t> tokens;
    for (int w = 0; w < workers; ++w) {
        const std::string node = "worker-" + std::to_string(w);
        BOOST_TEST_CONTEXT(node) {
            BOOST_TEST(!errors[w]);
            total += got[w].size();
            for (const auto& d : got[w]) {
                ids.insert(d.id);
                tokens.insert(d.claim_token);
                BOOST_TEST(show(d.claimed_by) == "'" + node + "'");
                delivery stored = get_row(this->outbox, d.id);
                BOOST_TEST(stored.status == delivery_status::in_flight);
                BOOST_TEST(show(stored.claimed_by) == "'" + node + "'");
            }
        }
    }
    BOOST_TEST(total == static_cast<std::size_t>(rows));
    BOOST_TEST(ids.size() == static_cast<std::size_t>(rows));
    BOOST_TEST(tokens.size() == static_cast<std::size_t>(rows));
    BOOST_TEST(tokens.count(0) == 0u);
    BOOST_TEST(this->outbox.claim(claim_opts("late", 1000)).empty());
    BOOST_TEST(this->outbox.stats().count(delivery_status::in_flight) == static_cast<std::size_t>(rows));
}

// hookbox: claim takes the lowest sequence first, across partitions.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(claim_takes_oldest_first_across_partitions, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(4);
    BOOST_TEST_REQUIRE(hooks.size() == 4u);
    // e0..e9 spread over the webhooks in an order that is not grouped by partition.
    const int pick[10] = {2, 0, 3, 1, 1, 2, 0, 3, 3, 0};
    std::vector<std::string> expected;
    for (int i = 0; i < 10; ++i) {
        std::string e = "e" + std::to_string(i);
        this->outbox.enqueue(make_request(hooks[pick[i]], e));
        expected.push_back(e);
        this->clock.advance(milliseconds(1));
    }

    std::vector<std::string> order;
    std::vector<std::size_t> sizes;
    for (;;) {
        auto batch = this->outbox.claim(claim_opts("node-A", 3));
        if (batch.empty())
            break;
        sizes.push_back(batch.size());
        std::optional<std::uint64_t> last;
        for (const auto& d : batch) {
            BOOST_TEST((!last || d.sequence > *last));
            last = d.sequence;
            order.push_back(d.event_id);
        }
        BOOST_TEST_REQUIRE(sizes.size() <= 4u);
    }
    BOOST_TEST(order == expected, boost::test_tools::per_element());
    const std::vector<std::size_t> expected_sizes{3, 3, 3, 1};
    BOOST_TEST(sizes == expected_sizes, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(retried_row_keeps_its_sequence_position, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(2);
    BOOST_TEST_REQUIRE(hooks.size() == 2u);
    // Same partition and another partition as the retried row.
    delivery_id a0 = this->outbox.enqueue(make_request(hooks[0], "a0")).id;
    auto first = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(first.size() == 1u);
    this->outbox.ack(first[0], retry_result(this->now() + milliseconds(1000)));

    this->outbox.enqueue(make_request(hooks[1], "a1"));
    this->outbox.enqueue(make_request(hooks[0], "a2"));
    this->clock.advance(milliseconds(1000));

    auto batch = this->outbox.claim(claim_opts("node-A", 2));
    const std::vector<std::string> expected{"a0", "a1"};
    BOOST_TEST(event_ids_of(batch) == expected, boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(!batch.empty());
    BOOST_TEST(batch[0].id == a0);

    // The same within the retried row's partition.
    auto rest = this->outbox.claim(claim_opts("node-A", 10));
    const std::vector<std::string> expected_rest{"a2"};
    BOOST_TEST(event_ids_of(rest) == expected_rest, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(retried_row_keeps_its_sequence_position_within_a_partition, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    const std::string hook = "wh-1";
    const int p = hash_partition(hook, 8);
    this->outbox.enqueue(make_request(hook, "b0"));
    auto first = this->outbox.claim(claim_opts("node-A", 1, milliseconds(60000), partition_ref{p, 8}));
    BOOST_TEST_REQUIRE(first.size() == 1u);
    this->outbox.ack(first[0], retry_result(this->now() + milliseconds(10)));
    this->outbox.enqueue(make_request(hook, "b1"));
    this->outbox.enqueue(make_request(hook, "b2"));
    this->clock.advance(milliseconds(10));

    auto batch = this->outbox.claim(claim_opts("node-A", 2, milliseconds(60000), partition_ref{p, 8}));
    const std::vector<std::string> expected{"b0", "b1"};
    BOOST_TEST(event_ids_of(batch) == expected, boost::test_tools::per_element());
}

// ---------------------------------------------------------------------------------------------
// ack
// ---------------------------------------------------------------------------------------------

// ObjectStack sql-outbox test #8
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_success_marks_success_and_increments_attempts, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->clock.advance(milliseconds(321));

    error_code ec;
    diagnostics diag;
    this->outbox.ack(claimed[0], success_result(200, "ok", milliseconds(321)), ec, diag);
    BOOST_TEST(!ec);

    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.attempts == 1);
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.claimed_at) == unset);
    BOOST_TEST(d.claim_token == 0u);
    BOOST_TEST(show(d.response_code) == "200");
    BOOST_TEST(show(d.response_body) == "'ok'");
    BOOST_TEST(show(d.error) == unset);
    BOOST_TEST(show(d.next_retry_at) == unset);
    BOOST_TEST(show(d.last_attempted_at) == show(this->now()));
    BOOST_TEST(show(d.updated_at) == show(this->now()));
    BOOST_TEST(show(d.last_duration) == show(milliseconds(321)));

    // A success row is never claimed again.
    this->clock.advance(milliseconds(10000000));
    BOOST_TEST(this->outbox.claim(claim_opts("node-A")).empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_success_drops_the_error_text, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], retry_result(std::nullopt, 503, "upstream"));
    claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    attempt_result ok = success_result(204, "");
    ok.error = "ignored on success";
    this->outbox.ack(claimed[0], ok);
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(show(d.error) == unset);
    BOOST_TEST(show(d.response_code) == "204");
    BOOST_TEST(show(d.response_body) == unset);
}

// ObjectStack sql-outbox test #9
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_retry_schedules_retry_as_pending, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->clock.advance(milliseconds(40));
    timestamp retry_at = this->now() + milliseconds(5000);
    this->outbox.ack(claimed[0], retry_result(retry_at, 503, "upstream"));

    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 1);
    BOOST_TEST(show(d.next_retry_at) == show(retry_at));
    BOOST_TEST(show(d.error) == "'upstream'");
    BOOST_TEST(show(d.response_code) == "503");
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.claimed_at) == unset);
    BOOST_TEST(d.claim_token == 0u);
    BOOST_TEST(show(d.last_attempted_at) == show(this->now()));
    BOOST_TEST(show(d.last_duration) == show(milliseconds(7)));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_retry_of_a_transport_error_stores_no_response_code, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    attempt_result r = retry_result(this->now() + milliseconds(1000));
    r.http_status.reset();
    r.error = "connect ECONNREFUSED";
    this->outbox.ack(claimed[0], r);
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(show(d.response_code) == unset);
    BOOST_TEST(show(d.error) == "'connect ECONNREFUSED'");
}

// ObjectStack sql-outbox test #10
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_dead_marks_terminal, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], dead_result(410, "gone"));

    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::dead);
    BOOST_TEST(show(d.next_retry_at) == unset);
    BOOST_TEST(show(d.error) == "'gone'");
    BOOST_TEST(show(d.response_code) == "410");
    BOOST_TEST(d.attempts == 1);
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(d.claim_token == 0u);

    this->clock.advance(milliseconds(10000000));
    BOOST_TEST(this->outbox.claim(claim_opts("node-A")).empty());
}

// hookbox: attempts count acks across cycles.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(attempts_accumulate_across_retry_cycles, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    for (int cycle = 1; cycle <= 2; ++cycle) {
        BOOST_TEST_CONTEXT("retry cycle " << cycle) {
            auto claimed = this->outbox.claim(claim_opts("node-A"));
            BOOST_TEST_REQUIRE(claimed.size() == 1u);
            BOOST_TEST(claimed[0].attempts == cycle - 1);
            this->outbox.ack(claimed[0], retry_result(this->now() + milliseconds(1000)));
            BOOST_TEST(get_row(this->outbox, id).attempts == cycle);
            this->clock.advance(milliseconds(1000));
        }
    }
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], success_result());
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.attempts == 3);
    BOOST_TEST(show(d.error) == unset);
    BOOST_TEST(show(d.next_retry_at) == unset);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_rejects_invalid_result_and_leaves_row_unchanged, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);

    struct bad_result {
        const char* name;
        attempt_result result;
        const char* field;
    };
    attempt_result status_low = success_result(99);
    attempt_result status_high = dead_result(600);
    attempt_result negative = success_result();
    negative.duration = milliseconds(-1);
    attempt_result success_with_retry = success_result();
    success_with_retry.next_retry_at = this->now();
    attempt_result dead_with_retry = dead_result();
    dead_with_retry.next_retry_at = this->now();
    const bad_result cases[] = {
        {"http_status 99", status_low, "http_status"},
        {"http_status 600", status_high, "http_status"},
        {"negative duration", negative, "duration"},
        {"success with next_retry_at", success_with_retry, "next_retry_at"},
        {"dead with next_retry_at", dead_with_retry, "next_retry_at"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            this->outbox.ack(claimed[0], tc.result, ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, tc.field);
            delivery d = get_row(this->outbox, id);
            BOOST_TEST(d.status == delivery_status::in_flight);
            BOOST_TEST(d.attempts == 0);
            BOOST_TEST(show(d.claimed_by) == "'node-A'");
        }
    }
    // The claim is still good.
    error_code ec;
    diagnostics diag;
    this->outbox.ack(claimed[0], success_result(599), ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(get_row(this->outbox, id).status == delivery_status::success);
}

// hookbox: the response body is stored truncated at a UTF-8 boundary; empty is absent.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_truncates_the_response_body, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id long_id = this->outbox.enqueue(make_request("wh-1", "evt-long")).id;
    delivery_id utf8_id = this->outbox.enqueue(make_request("wh-1", "evt-utf8")).id;
    delivery_id empty_id = this->outbox.enqueue(make_request("wh-1", "evt-empty")).id;
    delivery_id exact_id = this->outbox.enqueue(make_request("wh-1", "evt-exact")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 4u);
    std::map<delivery_id, delivery> by_id;
    for (const auto& d : claimed)
        by_id[d.id] = d;

    this->outbox.ack(by_id[long_id], success_result(200, std::string(20000, 'x')));
    // "a" then 2-byte sequences: byte 16384 is the middle of one, so the cut moves back by one.
    std::string utf8 = "a";
    for (int i = 0; i < 10000; ++i)
        utf8 += "\xc3\xa9";
    attempt_result utf8_result = dead_result(500, "boom");
    utf8_result.response_body = utf8;
    this->outbox.ack(by_id[utf8_id], utf8_result);
    this->outbox.ack(by_id[empty_id], retry_result(std::nullopt, 500, ""));
    this->outbox.ack(by_id[exact_id], success_result(200, std::string(16384, 'y')));

    delivery l = get_row(this->outbox, long_id);
    BOOST_TEST_REQUIRE(l.response_body.has_value());
    BOOST_TEST(l.response_body->size() == 16384u);
    BOOST_TEST((*l.response_body == std::string(16384, 'x')));

    delivery e = get_row(this->outbox, empty_id);
    BOOST_TEST(show(e.response_body) == unset);
    BOOST_TEST(show(e.error) == unset);  // empty error text is absent too

    delivery x = get_row(this->outbox, exact_id);
    BOOST_TEST_REQUIRE(x.response_body.has_value());
    BOOST_TEST(x.response_body->size() == 16384u);

    delivery ud = get_row(this->outbox, utf8_id);
    BOOST_TEST_REQUIRE(ud.response_body.has_value());
    BOOST_TEST(ud.response_body->size() == 16383u);
    BOOST_TEST(is_valid_utf8(*ud.response_body));
    BOOST_TEST((*ud.response_body == utf8.substr(0, 16383)));
}

// hookbox fencing (a): the ack of a reaped and re-claimed claim is discarded.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_after_reap_and_reclaim_is_claim_lost, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto old_claim = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(old_claim.size() == 1u);

    this->clock.advance(milliseconds(60001));
    auto new_claim = this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000)));
    BOOST_TEST_REQUIRE(new_claim.size() == 1u);
    BOOST_TEST(new_claim[0].id == id);
    BOOST_TEST(new_claim[0].claim_token != old_claim[0].claim_token);
    timestamp reclaimed_at = this->now();

    this->clock.advance(milliseconds(5));
    for (const attempt_result& stale : {success_result(), retry_result(this->now()), dead_result()}) {
        error_code ec;
        diagnostics diag;
        this->outbox.ack(old_claim[0], stale, ec, diag);
        HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
        delivery d = get_row(this->outbox, id);
        BOOST_TEST(d.status == delivery_status::in_flight);
        BOOST_TEST(show(d.claimed_by) == "'node-B'");
        BOOST_TEST(show(d.claimed_at) == show(reclaimed_at));
        BOOST_TEST(d.attempts == 0);
        BOOST_TEST(show(d.response_code) == unset);
        BOOST_TEST(show(d.last_attempted_at) == unset);
    }

    // The throwing overload carries the same code.
    BOOST_CHECK_EXCEPTION(this->outbox.ack(old_claim[0], success_result()), error_with_diagnostics,
                          [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::claim_lost) &&
                                     e.get_diagnostics().field() == "claim_token";
                          });

    // The new claimer's ack succeeds.
    error_code ec;
    diagnostics diag;
    this->outbox.ack(new_claim[0], success_result(), ec, diag);
    BOOST_TEST(!ec);
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::success);
    BOOST_TEST(d.attempts == 1);
}

// hookbox fencing (b): a claim is acked once.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(second_ack_of_the_same_claim_is_claim_lost, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    delivery_id id2 = this->outbox.enqueue(make_request("wh-1", "evt-2")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    const delivery& c1 = claimed[0].id == id ? claimed[0] : claimed[1];
    const delivery& c2 = claimed[0].id == id ? claimed[1] : claimed[0];

    this->outbox.ack(c1, success_result(200, "first"));
    delivery before = get_row(this->outbox, id);
    this->clock.advance(milliseconds(10));
    error_code ec;
    diagnostics diag;
    this->outbox.ack(c1, dead_result(500, "second"), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    delivery after = get_row(this->outbox, id);
    BOOST_TEST(after.status == delivery_status::success);
    BOOST_TEST(after.attempts == 1);
    BOOST_TEST(show(after.response_body) == "'first'");
    BOOST_TEST(show(after.error) == unset);
    BOOST_TEST(show(after.updated_at) == show(before.updated_at));

    // After a retry ack the row is pending: a second ack of that claim is lost too.
    this->outbox.ack(c2, retry_result(std::nullopt));
    this->outbox.ack(c2, success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    delivery d2 = get_row(this->outbox, id2);
    BOOST_TEST(d2.status == delivery_status::pending);
    BOOST_TEST(d2.attempts == 1);

    // A token of another row does not fence this one.
    auto reclaimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(reclaimed.size() == 1u);
    this->outbox.ack(id2, c1.claim_token, success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    BOOST_TEST(get_row(this->outbox, id2).status == delivery_status::in_flight);
    this->outbox.ack(id2, 0, success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    BOOST_TEST(get_row(this->outbox, id2).status == delivery_status::in_flight);
}

// hookbox fencing (c): reaped but not yet re-claimed.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_after_reap_before_reclaim_is_claim_lost, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    const std::string hook = "wh-1";
    const int p = hash_partition(hook, 8);
    const int q = (p + 1) % 8;
    delivery_id id = this->outbox.enqueue(make_request(hook, "evt-1")).id;
    auto old_claim = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(old_claim.size() == 1u);

    this->clock.advance(milliseconds(60001));
    // Reap only: the claim is of an empty partition.
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 10, milliseconds(60000), partition_ref{q, 8})).empty());
    BOOST_TEST(get_row(this->outbox, id).status == delivery_status::pending);

    error_code ec;
    diagnostics diag;
    this->outbox.ack(old_claim[0], success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 0);
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.response_code) == unset);

    // Still claimable by anyone.
    auto again = this->outbox.claim(claim_opts("node-C"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
}

// hookbox fencing (d)
BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_of_unknown_id_is_not_found, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);

    delivery_id unknown = delivery_id::generate();
    error_code ec;
    diagnostics diag;
    this->outbox.ack(unknown, claimed[0].claim_token, success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    BOOST_TEST(get_row(this->outbox, claimed[0].id).status == delivery_status::in_flight);
    BOOST_TEST(this->outbox.list().items.size() == 1u);

    // Through the delivery overload: the claimed row's sequence and token, another id. The id decides.
    delivery forged = claimed[0];
    forged.id = unknown;
    this->outbox.ack(forged, success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    delivery d = get_row(this->outbox, claimed[0].id);
    BOOST_TEST(d.status == delivery_status::in_flight);
    BOOST_TEST(d.attempts == 0);

    BOOST_CHECK_EXCEPTION(this->outbox.ack(unknown, 1, success_result()), error_with_diagnostics,
                          [](const error_with_diagnostics& e) { return e.code() == make_error_code(errc::not_found); });
}

// ---------------------------------------------------------------------------------------------
// get, list
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(get_of_unknown_id_is_empty, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    error_code ec;
    diagnostics diag;
    std::optional<delivery> d = this->outbox.get(delivery_id::generate(), ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(!d.has_value());
}

// ObjectStack sql-outbox test #12
BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_filters_by_status, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id1 = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    delivery_id id2 = this->outbox.enqueue(make_request("wh-1", "evt-2")).id;
    delivery_id id3 = this->outbox.enqueue(make_request("wh-1", "evt-3")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A", 2));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST_REQUIRE(claimed[0].id == id1);
    this->outbox.ack(claimed[0], success_result());

    auto success = this->outbox.list({.status = delivery_status::success}).items;
    BOOST_TEST_REQUIRE(success.size() == 1u);
    BOOST_TEST(success[0].id == id1);

    auto in_flight = this->outbox.list({.status = delivery_status::in_flight}).items;
    BOOST_TEST_REQUIRE(in_flight.size() == 1u);
    BOOST_TEST(in_flight[0].id == id2);
    BOOST_TEST(in_flight[0].secret.empty());

    auto pending = this->outbox.list({.status = delivery_status::pending}).items;
    BOOST_TEST_REQUIRE(pending.size() == 1u);
    BOOST_TEST(pending[0].id == id3);

    BOOST_TEST(this->outbox.list({.status = delivery_status::dead}).items.empty());
    BOOST_TEST(this->outbox.list({.status = delivery_status::failed}).items.empty());
    BOOST_TEST(this->outbox.list().items.size() == 3u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_filters_by_webhook_id, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    std::vector<delivery_id> x_ids;
    for (int i = 0; i < 3; ++i) {
        x_ids.push_back(this->outbox.enqueue(make_request("wh-x", "evt-" + std::to_string(i))).id);
        this->outbox.enqueue(make_request("wh-y", "evt-" + std::to_string(i)));
    }
    this->outbox.enqueue(make_request("wh-xx", "evt-0"));  // not a prefix match

    list_options lo;
    lo.webhook_id = "wh-x";
    auto rows = this->outbox.list(lo).items;
    BOOST_TEST_REQUIRE(rows.size() == 3u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        BOOST_TEST(rows[i].webhook_id == "wh-x");
        BOOST_TEST(rows[i].id == x_ids[i]);
    }
    lo.webhook_id = "wh-none";
    BOOST_TEST(this->outbox.list(lo).items.empty());

    // Both filters at once.
    auto claimed = this->outbox.claim(claim_opts("node-A", 1));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST_REQUIRE(claimed[0].id == x_ids[0]);
    list_options both;
    both.webhook_id = "wh-x";
    both.status = delivery_status::pending;
    auto pending_x = this->outbox.list(both).items;
    BOOST_TEST_REQUIRE(pending_x.size() == 2u);
    BOOST_TEST(pending_x[0].id == x_ids[1]);
    BOOST_TEST(pending_x[1].id == x_ids[2]);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_pages_in_sequence_order, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(3);
    BOOST_TEST_REQUIRE(hooks.size() == 3u);
    std::vector<delivery_id> ids;
    for (int i = 0; i < 5; ++i)
        ids.push_back(this->outbox.enqueue(make_request(hooks[i % 3], "evt-" + std::to_string(i))).id);

    list_options lo;
    lo.limit = 2;
    std::vector<delivery_id> seen;
    std::vector<std::size_t> sizes;
    std::optional<std::uint64_t> last;
    for (int page_no = 0; page_no < 10; ++page_no) {
        list_page page = this->outbox.list(lo);
        sizes.push_back(page.items.size());
        for (const auto& d : page.items) {
            BOOST_TEST((!last || d.sequence > *last));  // sequence order, also across pages
            last = d.sequence;
            seen.push_back(d.id);
        }
        if (!page.next_cursor)
            break;
        BOOST_TEST_REQUIRE(!page.items.empty());
        lo.after_sequence = page.next_cursor;
    }
    const std::vector<std::size_t> expected_sizes{2, 2, 1};
    BOOST_TEST(sizes == expected_sizes, boost::test_tools::per_element());
    BOOST_TEST(seen == ids, boost::test_tools::per_element());

    // Paging with a status filter skips the rows that do not match.
    auto claimed = this->outbox.claim(claim_opts("node-A", 2));  // ids[0], ids[1]
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    list_options pending;
    pending.status = delivery_status::pending;
    pending.limit = 2;
    list_page p1 = this->outbox.list(pending);
    BOOST_TEST_REQUIRE(p1.items.size() == 2u);
    BOOST_TEST(p1.items[0].id == ids[2]);
    BOOST_TEST(p1.items[1].id == ids[3]);
    BOOST_TEST_REQUIRE(p1.next_cursor.has_value());
    pending.after_sequence = p1.next_cursor;
    list_page p2 = this->outbox.list(pending);
    BOOST_TEST_REQUIRE(p2.items.size() == 1u);
    BOOST_TEST(p2.items[0].id == ids[4]);
    BOOST_TEST(!p2.next_cursor.has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_limit_out_of_range, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    for (std::size_t limit : {std::size_t(0), std::size_t(10001)}) {
        BOOST_TEST_CONTEXT("limit " << limit) {
            error_code ec;
            diagnostics diag;
            list_options lo;
            lo.limit = limit;
            list_page page = this->outbox.list(lo, ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "limit");
            BOOST_TEST(page.items.empty());
        }
    }
    list_options lo;
    lo.limit = 0;
    BOOST_CHECK_EXCEPTION((void)this->outbox.list(lo), error_with_diagnostics, [](const error_with_diagnostics& e) {
        return e.code() == make_error_code(errc::invalid_argument) && e.get_diagnostics().field() == "limit";
    });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_filters_by_event_id, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    // One event sent to three webhooks, among other events (one whose id has evt-1 as a prefix).
    std::vector<delivery_id> evt1;
    for (const char* wh : {"wh-a", "wh-b", "wh-c"}) {
        evt1.push_back(this->outbox.enqueue(make_request(wh, "evt-1")).id);
        this->outbox.enqueue(make_request(wh, "evt-2"));
    }
    this->outbox.enqueue(make_request("wh-a", "evt-10"));
    this->outbox.enqueue(make_request("wh-a", "EVT-1"));

    list_options lo;
    lo.event_id = "evt-1";
    auto rows = this->outbox.list(lo).items;
    BOOST_TEST_REQUIRE(rows.size() == 3u);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        BOOST_TEST(rows[i].id == evt1[i]);
        BOOST_TEST(rows[i].event_id == "evt-1");
        BOOST_TEST(rows[i].secret.empty());
    }

    // With the webhook: the one delivery of the pair.
    lo.webhook_id = "wh-b";
    rows = this->outbox.list(lo).items;
    BOOST_TEST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].id == evt1[1]);
    lo.webhook_id.reset();

    // Pages of two over the three matches: the cursor skips the rows between them.
    lo.limit = 2;
    list_page p1 = this->outbox.list(lo);
    BOOST_TEST_REQUIRE(p1.items.size() == 2u);
    BOOST_TEST(p1.items[0].id == evt1[0]);
    BOOST_TEST(p1.items[1].id == evt1[1]);
    BOOST_TEST_REQUIRE(p1.next_cursor.has_value());
    lo.after_sequence = p1.next_cursor;
    list_page p2 = this->outbox.list(lo);
    BOOST_TEST_REQUIRE(p2.items.size() == 1u);
    BOOST_TEST(p2.items[0].id == evt1[2]);
    BOOST_TEST(!p2.next_cursor.has_value());

    // With the status: the claimed one is no longer pending.
    auto claimed = this->outbox.claim(claim_opts("node-A", 1));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST_REQUIRE(claimed[0].id == evt1[0]);
    list_options pending;
    pending.event_id = "evt-1";
    pending.status = delivery_status::pending;
    rows = this->outbox.list(pending).items;
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].id == evt1[1]);
    BOOST_TEST(rows[1].id == evt1[2]);

    list_options none;
    none.event_id = "evt-none";
    BOOST_TEST(this->outbox.list(none).items.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_filters_by_creation_time, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    // Two rows a second apart, four times over: t0, t0 + 1 s, t0 + 2 s, t0 + 3 s.
    const timestamp t0 = this->now();
    std::vector<std::vector<delivery_id>> at(4);
    for (int s = 0; s < 4; ++s) {
        if (s > 0)
            this->clock.advance(milliseconds(1000));
        for (const char* wh : {"wh-a", "wh-b"})
            at[s].push_back(this->outbox.enqueue(make_request(wh, "evt-" + std::to_string(s))).id);
    }
    auto ids_of = [](const std::vector<delivery>& ds) {
        std::vector<delivery_id> out;
        for (const auto& d : ds)
            out.push_back(d.id);
        return out;
    };

    // created_from is inclusive, to the millisecond.
    list_options lo;
    lo.created_from = t0 + milliseconds(2000);
    std::vector<delivery_id> expected{at[2][0], at[2][1], at[3][0], at[3][1]};
    BOOST_TEST(ids_of(this->outbox.list(lo).items) == expected, boost::test_tools::per_element());
    lo.created_from = t0 + milliseconds(2001);
    expected = {at[3][0], at[3][1]};
    BOOST_TEST(ids_of(this->outbox.list(lo).items) == expected, boost::test_tools::per_element());

    // created_before is exclusive.
    list_options before;
    before.created_before = t0 + milliseconds(1000);
    expected = {at[0][0], at[0][1]};
    BOOST_TEST(ids_of(this->outbox.list(before).items) == expected, boost::test_tools::per_element());
    before.created_before = t0 + milliseconds(1001);
    expected = {at[0][0], at[0][1], at[1][0], at[1][1]};
    BOOST_TEST(ids_of(this->outbox.list(before).items) == expected, boost::test_tools::per_element());

    // Both bounds, with the webhook, in pages of one.
    list_options range;
    range.created_from = t0 + milliseconds(1000);
    range.created_before = t0 + milliseconds(3000);
    range.webhook_id = "wh-b";
    range.limit = 1;
    std::vector<delivery_id> seen;
    std::size_t pages = 0;
    for (; pages < 10; ++pages) {
        list_page page = this->outbox.list(range);
        for (const auto& d : page.items)
            seen.push_back(d.id);
        if (!page.next_cursor)
            break;
        range.after_sequence = page.next_cursor;
    }
    expected = {at[1][1], at[2][1]};
    BOOST_TEST(seen == expected, boost::test_tools::per_element());
    BOOST_TEST(pages == 2u);  // two full pages, then an empty one without a cursor

    // The range and the event together; a range in which nothing was created.
    list_options both;
    both.event_id = "evt-3";
    both.created_from = t0 + milliseconds(3000);
    expected = {at[3][0], at[3][1]};
    BOOST_TEST(ids_of(this->outbox.list(both).items) == expected, boost::test_tools::per_element());
    both.created_from = t0;
    both.created_before = t0 + milliseconds(3000);
    BOOST_TEST(this->outbox.list(both).items.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(list_rejects_a_bad_event_id_or_range, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    struct bad {
        const char* name;
        list_options lo;
        errc code;
        const char* field;
    };
    const timestamp t = this->now();
    std::vector<bad> cases;
    cases.push_back({"empty event_id", {.event_id = std::string()}, errc::empty_field, "event_id"});
    cases.push_back(
        {"event_id of 129 bytes", {.event_id = std::string(129, 'e')}, errc::field_too_long, "event_id"});
    cases.push_back({"event_id not UTF-8", {.event_id = std::string("evt-\xff")}, errc::invalid_utf8, "event_id"});
    cases.push_back({"an empty range",
                     {.created_from = t, .created_before = t},
                     errc::invalid_argument,
                     "created_before"});
    cases.push_back({"a range backwards",
                     {.created_from = t, .created_before = t - milliseconds(1)},
                     errc::invalid_argument,
                     "created_before"});
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            error_code ec;
            diagnostics diag;
            list_page page = this->outbox.list(c.lo, ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, c.code, c.field);
            BOOST_TEST(page.items.empty());
            BOOST_CHECK_EXCEPTION((void)this->outbox.list(c.lo), error_with_diagnostics,
                                  [&](const error_with_diagnostics& e) {
                                      return e.code() == make_error_code(c.code) &&
                                             e.get_diagnostics().field() == c.field;
                                  });
        }
    }
    // The longest event id and a one-millisecond range are accepted.
    list_options longest;
    longest.event_id = std::string(128, 'e');
    BOOST_TEST(this->outbox.list(longest).items.empty());
    list_options one_ms;
    one_ms.created_from = t;
    one_ms.created_before = t + milliseconds(1);
    BOOST_TEST(this->outbox.list(one_ms).items.size() == 1u);
}

// ---------------------------------------------------------------------------------------------
// redeliver (the ObjectStack outbox's redeliver tests)
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(redeliver_resets_a_success_row_to_pending, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    enqueue_request req = make_request("wh-1", "evt-1");
    req.secret = "whsec_x";
    req.headers = {{"X-Trace", "t-1"}};
    delivery_id id = this->outbox.enqueue(req).id;
    timestamp created = this->now();
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], success_result(200, "ok", milliseconds(12)));
    BOOST_TEST_REQUIRE(get_row(this->outbox, id).status == delivery_status::success);

    this->clock.advance(milliseconds(1000));
    error_code ec;
    diagnostics diag;
    delivery r = this->outbox.redeliver(id, ec, diag);
    BOOST_TEST(!ec);
    for (const delivery& d : {r, get_row(this->outbox, id)}) {
        BOOST_TEST(d.id == id);
        BOOST_TEST(d.status == delivery_status::pending);
        BOOST_TEST(d.attempts == 0);
        BOOST_TEST(show(d.claimed_by) == unset);
        BOOST_TEST(show(d.claimed_at) == unset);
        BOOST_TEST(d.claim_token == 0u);
        BOOST_TEST(show(d.next_retry_at) == unset);
        BOOST_TEST(show(d.error) == unset);
        BOOST_TEST(show(d.response_code) == unset);
        BOOST_TEST(show(d.response_body) == unset);
        BOOST_TEST(show(d.last_attempted_at) == unset);
        BOOST_TEST(show(d.last_duration) == unset);
        BOOST_TEST(d.url == req.url);
        BOOST_TEST(d.payload.body() == req.payload.body());
        BOOST_TEST(d.headers.size() == 1u);
        BOOST_TEST(d.has_secret);
        BOOST_TEST(d.secret.empty());
        BOOST_TEST(show(d.updated_at) == show(this->now()));
        BOOST_TEST(show(d.created_at) == show(created));
    }
    BOOST_TEST(this->outbox.stats().count(delivery_status::success) == 0u);
    BOOST_TEST(this->outbox.stats().count(delivery_status::pending) == 1u);

    // Claimable at once, with its secret.
    auto again = this->outbox.claim(claim_opts("node-B"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
    BOOST_TEST(again[0].secret == "whsec_x");
    BOOST_TEST(again[0].attempts == 0);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(redeliver_resets_a_dead_row_and_clears_its_backoff, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], retry_result(this->now() + milliseconds(5000)));
    this->clock.advance(milliseconds(5000));
    claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    this->outbox.ack(claimed[0], dead_result(500, "gave up"));
    delivery dead = get_row(this->outbox, id);
    BOOST_TEST_REQUIRE(dead.status == delivery_status::dead);
    BOOST_TEST(dead.attempts == 2);

    delivery r = this->outbox.redeliver(id);
    BOOST_TEST(r.status == delivery_status::pending);
    BOOST_TEST(r.attempts == 0);
    BOOST_TEST(show(r.next_retry_at) == unset);
    BOOST_TEST(show(r.error) == unset);
    BOOST_TEST(show(r.response_code) == unset);
    BOOST_TEST(show(r.last_attempted_at) == unset);

    // No backoff: claimable without the clock moving.
    auto again = this->outbox.claim(claim_opts("node-B"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
    BOOST_TEST(show(again[0].claimed_by) == "'node-B'");

    // And a redelivered row runs the whole cycle again.
    this->outbox.ack(again[0], success_result());
    delivery done = get_row(this->outbox, id);
    BOOST_TEST(done.status == delivery_status::success);
    BOOST_TEST(done.attempts == 1);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(redeliver_of_unknown_id_is_not_found, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    delivery_id unknown = delivery_id::generate();
    error_code ec;
    diagnostics diag;
    this->outbox.redeliver(unknown, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    BOOST_TEST(diag.message() == "Delivery row '" + unknown.to_string() + "' not found");

    BOOST_CHECK_EXCEPTION(this->outbox.redeliver(unknown), error_with_diagnostics,
                          [&](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::not_found) &&
                                     e.get_diagnostics().message() ==
                                         "Delivery row '" + unknown.to_string() + "' not found";
                          });
    BOOST_TEST(this->outbox.list().items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(redeliver_rejects_pending_and_in_flight_rows, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id pending_id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    error_code ec;
    diagnostics diag;
    this->outbox.redeliver(pending_id, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_eligible, "id");
    BOOST_TEST(diag.message().find("is 'pending', expected one of: success, failed, dead") != std::string::npos,
               "message: " << diag.message());
    BOOST_TEST(diag.message().find(pending_id.to_string()) != std::string::npos);
    BOOST_TEST(get_row(this->outbox, pending_id).status == delivery_status::pending);

    // A retried row is pending too, and keeps its backoff.
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    timestamp retry_at = this->now() + milliseconds(5000);
    this->outbox.ack(claimed[0], retry_result(retry_at));
    this->outbox.redeliver(pending_id, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_eligible, "id");
    delivery retried = get_row(this->outbox, pending_id);
    BOOST_TEST(retried.attempts == 1);
    BOOST_TEST(show(retried.next_retry_at) == show(retry_at));

    delivery_id flying_id = this->outbox.enqueue(make_request("wh-1", "evt-2")).id;
    claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST_REQUIRE(claimed[0].id == flying_id);
    this->outbox.redeliver(flying_id, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_eligible, "id");
    BOOST_TEST(diag.message().find("is 'in_flight', expected one of: success, failed, dead") != std::string::npos,
               "message: " << diag.message());
    delivery flying = get_row(this->outbox, flying_id);
    BOOST_TEST(flying.status == delivery_status::in_flight);
    BOOST_TEST(show(flying.claimed_by) == "'node-A'");
    // The claim survives the rejected redeliver.
    this->outbox.ack(claimed[0], success_result(), ec, diag);
    BOOST_TEST(!ec);

    BOOST_CHECK_EXCEPTION(this->outbox.redeliver(pending_id), error_with_diagnostics,
                          [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::not_eligible);
                          });
}

// ---------------------------------------------------------------------------------------------
// stats
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(stats_counts_rows_per_status_and_the_oldest_pending_age, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    outbox_stats s0 = this->outbox.stats();
    BOOST_TEST(s0.total() == 0u);
    BOOST_TEST(show(s0.oldest_pending_age) == unset);

    const timestamp t0 = this->now();
    delivery_id e1 = this->outbox.enqueue(make_request("wh-1", "e1")).id;
    this->clock.advance(milliseconds(1000));
    delivery_id e2 = this->outbox.enqueue(make_request("wh-2", "e2")).id;
    this->clock.advance(milliseconds(1000));
    delivery_id e3 = this->outbox.enqueue(make_request("wh-3", "e3")).id;
    delivery_id e4 = this->outbox.enqueue(make_request("wh-1", "e4")).id;
    delivery_id e5 = this->outbox.enqueue(make_request("wh-2", "e5")).id;

    outbox_stats s1 = this->outbox.stats();
    BOOST_TEST(s1.count(delivery_status::pending) == 5u);
    BOOST_TEST(s1.total() == 5u);
    BOOST_TEST(show(s1.oldest_pending_age) == show(milliseconds(2000)));

    auto take_one = [&](const delivery_id& expected) {
        auto c = this->outbox.claim(claim_opts("node-A", 1));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        BOOST_TEST_REQUIRE(c[0].id == expected);
        return c[0];
    };
    this->outbox.ack(take_one(e1), success_result());
    // e1 is gone from pending: the oldest is e2, enqueued at t0 + 1000.
    BOOST_TEST(show(this->outbox.stats().oldest_pending_age) == show(milliseconds(1000)));
    this->outbox.ack(take_one(e2), dead_result());
    this->outbox.ack(take_one(e3), retry_result(this->now() + milliseconds(10000)));
    take_one(e4);

    this->clock.advance(milliseconds(3000));
    outbox_stats s2 = this->outbox.stats();
    BOOST_TEST(s2.count(delivery_status::pending) == 2u);  // e3 (waiting to retry), e5
    BOOST_TEST(s2.count(delivery_status::in_flight) == 1u);
    BOOST_TEST(s2.count(delivery_status::success) == 1u);
    BOOST_TEST(s2.count(delivery_status::dead) == 1u);
    BOOST_TEST(s2.count(delivery_status::failed) == 0u);
    BOOST_TEST(s2.total() == 5u);
    // The oldest pending row is e3 (enqueued at t0 + 2000), also while it waits for its retry.
    BOOST_TEST(show(s2.oldest_pending_age) == show(this->now() - (t0 + milliseconds(2000))));
    BOOST_TEST(show(s2.oldest_pending_age) == show(milliseconds(3000)));

    take_one(e5);
    outbox_stats s3 = this->outbox.stats();
    BOOST_TEST(s3.count(delivery_status::pending) == 1u);
    BOOST_TEST(s3.count(delivery_status::in_flight) == 2u);
    BOOST_TEST(show(s3.oldest_pending_age) == show(milliseconds(3000)));

    // e3's retry time comes; e4's and e5's claims (13 s and 10 s old) are still fresh.
    this->clock.advance(milliseconds(10000));
    take_one(e3);
    outbox_stats s4 = this->outbox.stats();
    BOOST_TEST(s4.count(delivery_status::pending) == 0u);
    BOOST_TEST(s4.count(delivery_status::in_flight) == 3u);
    BOOST_TEST(show(s4.oldest_pending_age) == unset);

    // Redelivery and reaping move the counts too.
    this->outbox.redeliver(e1);
    outbox_stats s5 = this->outbox.stats();
    BOOST_TEST(s5.count(delivery_status::success) == 0u);
    BOOST_TEST(s5.count(delivery_status::pending) == 1u);
    BOOST_TEST(show(s5.oldest_pending_age) == show(this->now() - t0));  // e1 keeps its created_at

    this->clock.advance(milliseconds(60001));
    // Reaps e3, e4 and e5 (claimed more than 60 s ago), then takes the oldest pending row, e1.
    take_one(e1);
    outbox_stats s6 = this->outbox.stats();
    BOOST_TEST(s6.count(delivery_status::pending) == 3u);
    BOOST_TEST(s6.count(delivery_status::in_flight) == 1u);
    BOOST_TEST(s6.count(delivery_status::dead) == 1u);
    BOOST_TEST(s6.total() == 5u);
    // The oldest pending row is now e3 again.
    BOOST_TEST(show(s6.oldest_pending_age) == show(this->now() - (t0 + milliseconds(2000))));
}

// Each partition's pending rows and the age of its oldest (lowest sequence, also while it waits
// for a retry), after enqueue, claim, ack and redeliver; one entry per partition, in order.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(partition_stats_counts_pending_rows_per_partition, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    auto hooks = webhooks_in_distinct_partitions(3);
    const int pa = hash_partition(hooks[0], 8), pb = hash_partition(hooks[1], 8);
    // "p:pending/age" for every partition, and the check that they add up to stats().
    auto depths = [&] {
        std::string out;
        std::size_t pending = 0;
        int expected_partition = 0;
        for (const auto& d : this->outbox.partition_stats()) {
            BOOST_TEST(d.partition == expected_partition++);
            pending += d.pending;
            out += std::to_string(d.partition) + ":" + std::to_string(d.pending) + "/" +
                   show(d.oldest_pending_age) + " ";
        }
        BOOST_TEST(expected_partition == 8);
        BOOST_TEST(pending == this->outbox.stats().count(delivery_status::pending));
        return out;
    };
    // The expected text: `a` for partition pa, `b` for pb, every other partition empty.
    auto expect = [&](const std::string& a, const std::string& b) {
        std::string out;
        for (int p = 0; p < 8; ++p)
            out += std::to_string(p) + ":" + (p == pa ? a : p == pb ? b : "0/" + unset) + " ";
        return out;
    };

    BOOST_TEST(depths() == expect("0/" + unset, "0/" + unset));
    delivery_id a1 = this->outbox.enqueue(make_request(hooks[0], "a1")).id;
    delivery_id a2 = this->outbox.enqueue(make_request(hooks[0], "a2")).id;
    this->clock.advance(milliseconds(1000));
    delivery_id b1 = this->outbox.enqueue(make_request(hooks[1], "b1")).id;
    this->outbox.enqueue(make_request(hooks[0], "a3"));
    this->clock.advance(milliseconds(1000));
    BOOST_TEST(depths() == expect("3/2000 ms", "1/1000 ms"));

    auto take = [&](int p, const delivery_id& expected) {
        auto c = this->outbox.claim(claim_opts("node-A", 1, milliseconds(60000), partition_ref{p, 8}));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        BOOST_TEST_REQUIRE(c[0].id == expected);
        return c[0];
    };
    delivery c1 = take(pa, a1);
    BOOST_TEST(depths() == expect("2/2000 ms", "1/1000 ms"));
    delivery c2 = take(pa, a2);
    BOOST_TEST(depths() == expect("1/1000 ms", "1/1000 ms"));  // a3 is left

    // a1 comes back to wait for its retry: pending again, and the oldest of its partition.
    this->outbox.ack(c1, retry_result(this->now() + milliseconds(10000)));
    this->outbox.ack(c2, success_result());
    BOOST_TEST(depths() == expect("2/2000 ms", "1/1000 ms"));

    this->outbox.ack(take(pb, b1), dead_result());
    this->clock.advance(milliseconds(500));
    BOOST_TEST(depths() == expect("2/2500 ms", "0/" + unset));

    // A redelivered row is pending again, with its own created_at.
    this->outbox.redeliver(b1);
    BOOST_TEST(depths() == expect("2/2500 ms", "1/1500 ms"));
}

// ---------------------------------------------------------------------------------------------
// validation
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_rejects_invalid_requests, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    using outbox_type = typename outbox_fixture<Factory>::outbox_type;
    outbox_params small_params;
    small_params.max_payload_bytes = 16;
    outbox_type small(small_params, this->factory.make(), this->clock);

    struct invalid_case {
        const char* name;
        std::function<void(enqueue_request&)> mutate;
        errc code;
        std::string field;
        bool small_outbox = false;
    };
    const std::vector<invalid_case> cases = {
        {"empty webhook_id", [](auto& r) { r.webhook_id = ""; }, errc::empty_field, "webhook_id"},
        {"empty event_id", [](auto& r) { r.event_id = ""; }, errc::empty_field, "event_id"},
        {"empty event_type", [](auto& r) { r.event_type = ""; }, errc::empty_field, "event_type"},
        {"empty url", [](auto& r) { r.url = ""; }, errc::empty_field, "url"},
        {"webhook_id of 65 bytes", [](auto& r) { r.webhook_id = std::string(65, 'w'); }, errc::field_too_long,
         "webhook_id"},
        {"event_id of 129 bytes", [](auto& r) { r.event_id = std::string(129, 'e'); }, errc::field_too_long,
         "event_id"},
        {"event_type of 129 bytes", [](auto& r) { r.event_type = std::string(129, 't'); }, errc::field_too_long,
         "event_type"},
        {"url of 2049 bytes", [](auto& r) { r.url = "https://receiver.example/" + std::string(2049 - 25, 'p'); },
         errc::field_too_long, "url"},
        {"url not absolute", [](auto& r) { r.url = "receiver.example/hook"; }, errc::invalid_url, "url"},
        {"url relative path", [](auto& r) { r.url = "/hook"; }, errc::invalid_url, "url"},
        {"url ftp scheme", [](auto& r) { r.url = "ftp://receiver.example/hook"; }, errc::invalid_url, "url"},
        {"url with a space", [](auto& r) { r.url = "https://receiver.example/a b"; }, errc::invalid_url, "url"},
        {"url with CR LF", [](auto& r) { r.url = "https://receiver.example/a\r\nX-Evil: 1"; }, errc::invalid_url,
         "url"},
        {"url with no host", [](auto& r) { r.url = "https:///hook"; }, errc::invalid_url, "url"},
        {"url with only userinfo", [](auto& r) { r.url = "https://user@/hook"; }, errc::invalid_url, "url"},
        {"url with user:password@", [](auto& r) { r.url = "https://user:password@receiver.example/hook"; },
         errc::invalid_url, "url"},
        {"url with a user name", [](auto& r) { r.url = "http://token@127.0.0.1:8080/hook"; }, errc::invalid_url,
         "url"},
        {"url port 0", [](auto& r) { r.url = "https://receiver.example:0/hook"; }, errc::invalid_url, "url"},
        {"url port 70000", [](auto& r) { r.url = "https://receiver.example:70000/hook"; }, errc::invalid_url, "url"},
        {"url port not a number", [](auto& r) { r.url = "https://receiver.example:8o/hook"; }, errc::invalid_url,
         "url"},
        {"url empty port", [](auto& r) { r.url = "https://receiver.example:/hook"; }, errc::invalid_url, "url"},
        {"url non-ASCII", [](auto& r) { r.url = "https://receiver.example/caf\xc3\xa9"; }, errc::invalid_url, "url"},
        {"url not UTF-8", [](auto& r) { r.url = "https://receiver.example/\xff"; }, errc::invalid_url, "url"},
        {"method with a space", [](auto& r) { r.method = "PO ST"; }, errc::invalid_method, "method"},
        {"method of 11 bytes", [](auto& r) { r.method = "PROPPATCHXX"; }, errc::field_too_long, "method"},
        {"header name with a space", [](auto& r) { r.headers = {{"X Bad", "v"}}; }, errc::invalid_header,
         "headers[0].name"},
        {"header name empty", [](auto& r) { r.headers = {{"", "v"}}; }, errc::invalid_header, "headers[0].name"},
        {"header value with CR LF", [](auto& r) { r.headers = {{"X-Ok", "a\r\nX-Evil: 1"}}; },
         errc::invalid_header, "headers[0].value"},
        {"second header value with NUL", [](auto& r) { r.headers = {{"X-Ok", "v"}, {"X-Two", std::string("a\0b", 3)}}; },
         errc::invalid_header, "headers[1].value"},
        {"header Content-Length", [](auto& r) { r.headers = {{"Content-Length", "10"}}; }, errc::invalid_header,
         "headers[0].name"},
        {"header host in lower case", [](auto& r) { r.headers = {{"host", "evil.example"}}; },
         errc::invalid_header, "headers[0].name"},
        {"65 headers",
         [](auto& r) {
             for (int i = 0; i < 65; ++i)
                 r.headers.push_back({"X-H" + std::to_string(i), "v"});
         },
         errc::field_too_long, "headers"},
        {"secret of 257 bytes", [](auto& r) { r.secret = std::string(257, 's'); }, errc::field_too_long, "secret"},
        {"timeout 0 ms", [](auto& r) { r.timeout = milliseconds(0); }, errc::invalid_timeout, "timeout"},
        {"timeout negative", [](auto& r) { r.timeout = milliseconds(-1); }, errc::invalid_timeout, "timeout"},
        {"webhook_id not UTF-8", [](auto& r) { r.webhook_id = "\xff"; }, errc::invalid_utf8, "webhook_id"},
        {"event_id not UTF-8", [](auto& r) { r.event_id = "evt-\xc3\x28"; }, errc::invalid_utf8, "event_id"},
        {"event_type surrogate", [](auto& r) { r.event_type = "\xed\xa0\x80"; }, errc::invalid_utf8, "event_type"},
        {"payload larger than max_payload_bytes", [](auto&) {}, errc::payload_too_large, "payload", true},
        {"payload of 17 bytes", [](auto& r) { r.payload = payload::raw(std::string(17, 'p')); },
         errc::payload_too_large, "payload", true},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            outbox_type& target = tc.small_outbox ? small : this->outbox;
            enqueue_request req = make_request("wh-1", "evt-1");
            tc.mutate(req);
            error_code ec;
            diagnostics diag;
            enqueue_result r = target.enqueue(req, ec, diag);
            HOOKBOX_CHECK_ERROR(ec, diag, tc.code, tc.field);
            BOOST_TEST(!diag.message().empty());
            BOOST_TEST(!r.created);
            // Nothing was stored.
            BOOST_TEST(this->outbox.list().items.empty());
            BOOST_TEST(small.list().items.empty());
        }
    }

    // The throwing overload throws the same code and diagnostics.
    enqueue_request bad = make_request("wh-1", "evt-1", "ftp://receiver.example/hook");
    BOOST_CHECK_EXCEPTION(this->outbox.enqueue(bad), error_with_diagnostics, [](const error_with_diagnostics& e) {
        return e.code() == make_error_code(errc::invalid_url) && e.get_diagnostics().field() == "url";
    });
    enqueue_request no_webhook = make_request("", "evt-1");
    BOOST_CHECK_EXCEPTION(this->outbox.enqueue(no_webhook), error_with_diagnostics,
                          [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::empty_field) &&
                                     e.get_diagnostics().field() == "webhook_id";
                          });
    BOOST_TEST(this->outbox.list().items.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_accepts_fields_at_their_limits, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    using outbox_type = typename outbox_fixture<Factory>::outbox_type;
    struct valid_case {
        const char* name;
        std::function<void(enqueue_request&)> mutate;
    };
    const std::vector<valid_case> cases = {
        {"webhook_id of 64 bytes", [](auto& r) { r.webhook_id = std::string(64, 'w'); }},
        {"event_id of 128 bytes", [](auto& r) { r.event_id = std::string(128, 'e'); }},
        {"event_type of 128 bytes", [](auto& r) { r.event_type = std::string(128, 't'); }},
        {"url of 2048 bytes", [](auto& r) { r.url = "https://receiver.example/" + std::string(2048 - 25, 'p'); }},
        {"http url with port 65535", [](auto& r) { r.url = "http://receiver.example:65535/hook?x=1#f"; }},
        {"IPv6 url", [](auto& r) { r.url = "https://[::1]:8443/hook"; }},
        {"method of 10 bytes", [](auto& r) { r.method = "PROPPATCHX"; }},
        {"64 headers",
         [](auto& r) {
             for (int i = 0; i < 64; ++i)
                 r.headers.push_back({"X-H" + std::to_string(i), "v\t" + std::to_string(i)});
         }},
        {"secret of 256 bytes", [](auto& r) { r.secret = std::string(256, 's'); }},
        {"timeout 1 ms", [](auto& r) { r.timeout = milliseconds(1); }},
        {"non-ASCII webhook_id", [](auto& r) { r.webhook_id = "wh-\xc3\xa9\xf0\x9f\x98\x80"; }},
    };
    std::size_t stored = 0;
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            enqueue_request req = make_request("wh-1", "evt-" + std::to_string(stored));
            tc.mutate(req);
            error_code ec;
            diagnostics diag;
            enqueue_result r = this->outbox.enqueue(req, ec, diag);
            BOOST_TEST(!ec, ec.message() << ": " << diag.message());
            BOOST_TEST(r.created);
            ++stored;
            BOOST_TEST(this->outbox.list().items.size() == stored);
            if (r.created) {
                delivery d = get_row(this->outbox, r.id);
                BOOST_TEST(d.webhook_id == req.webhook_id);
                BOOST_TEST(d.event_id == req.event_id);
                BOOST_TEST(d.url == req.url);
                BOOST_TEST(d.partition_key == hash_partition(req.webhook_id, 8));
            }
        }
    }

    // A payload of exactly max_payload_bytes is accepted.
    outbox_params params;
    params.max_payload_bytes = 16;
    outbox_type small(params, this->factory.make(), this->clock);
    enqueue_request req = make_request("wh-1", "evt-1");
    req.payload = payload::parse(R"({"k":"12345678"})");
    BOOST_TEST_REQUIRE(req.payload.size() == 16u);
    BOOST_TEST(small.enqueue(req).created);
    BOOST_TEST(small.list().items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(payload_parse_rejects_invalid_json, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    error_code ec;
    diagnostics diag;
    payload p = payload::parse("{bad", ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_payload, "payload");
    BOOST_TEST(p.body() == "null");
    BOOST_CHECK_EXCEPTION((void)payload::parse("{bad"), error_with_diagnostics, [](const error_with_diagnostics& e) {
        return e.code() == make_error_code(errc::invalid_payload) && e.get_diagnostics().field() == "payload";
    });
    // A parsed payload is stored byte for byte, whitespace included.
    enqueue_request req = make_request("wh-1", "evt-1");
    req.payload = payload::parse("{ \"a\" : [1, 2] }");
    delivery d = get_row(this->outbox, this->outbox.enqueue(req).id);
    BOOST_TEST(d.payload.body() == "{ \"a\" : [1, 2] }");
}

// A payload as deep as payload::parse accepts by default (64 levels), and one deeper still under a
// raised limit, are stored, claimed and read back byte for byte.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(deeply_nested_payloads_round_trip, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto nested = [](std::size_t depth) {
        std::string open, close;
        for (std::size_t i = 0; i < depth; ++i) {
            open += i % 2 == 0 ? "[" : "{\"k\": ";
            close.insert(0, i % 2 == 0 ? "]" : "}");
        }
        return open + "true" + close;
    };
    payload_options deep;
    deep.max_depth = 300;
    const std::vector<payload> payloads{payload::parse(nested(33)), payload::parse(nested(64)),
                                        payload::parse(nested(300), deep)};
    std::vector<delivery_id> ids;
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        enqueue_request req = make_request("wh-1", "evt-" + std::to_string(i));
        req.payload = payloads[i];
        ids.push_back(this->outbox.enqueue(std::move(req)).id);
    }
    for (std::size_t i = 0; i < payloads.size(); ++i)
        BOOST_TEST(get_row(this->outbox, ids[i]).payload == payloads[i], i);
    BOOST_TEST(this->outbox.list().items.size() == 3u);
    auto claimed = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 3u);
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        BOOST_TEST(claimed[i].id == ids[i]);
        BOOST_TEST(claimed[i].payload.body() == payloads[i].body(), i);
        BOOST_TEST(claimed[i].payload.kind() == payload_kind::json);
        BOOST_TEST(claimed[i].payload.to_json().is_array());
    }
    this->outbox.ack(claimed[2], success_result());
    delivery done = get_row(this->outbox, ids[2]);
    BOOST_TEST(done.status == delivery_status::success);
    BOOST_TEST(done.payload == payloads[2]);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(outbox_rejects_non_positive_partition_count, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    using outbox_type = typename outbox_fixture<Factory>::outbox_type;
    for (int count : {0, -1}) {
        BOOST_TEST_CONTEXT("partition_count " << count) {
            outbox_params params;
            params.partition_count = count;
            BOOST_CHECK_EXCEPTION(outbox_type(params, this->factory.make(), this->clock), error_with_diagnostics,
                                  [](const error_with_diagnostics& e) {
                                      return e.code() == make_error_code(errc::invalid_partition_count) &&
                                             e.get_diagnostics().field() == "partition_count";
                                  });
        }
    }
    // Another count is honoured: partition keys and claim partitions follow it.
    outbox_params params;
    params.partition_count = 3;
    outbox_type three(params, this->factory.make(), this->clock);
    delivery_id id = three.enqueue(make_request("wh-1", "evt-1")).id;
    int p = hash_partition("wh-1", 3);
    BOOST_TEST(get_row(three, id).partition_key == p);
    error_code ec;
    diagnostics diag;
    (void)three.claim(claim_opts("node-A", 10, milliseconds(60000), partition_ref{p, 8}), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_partition, "partition.count");
    BOOST_TEST(three.claim(claim_opts("node-A", 10, milliseconds(60000), partition_ref{p, 3})).size() == 1u);
}

// ---------------------------------------------------------------------------------------------
// batches: enqueue_many and ack_many
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_many_stores_in_order_and_dedups, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id first = this->outbox.enqueue(make_request("wh-1", "evt-0")).id;
    std::vector<enqueue_request> batch{make_request("wh-1", "evt-1"), make_request("wh-2", "evt-2"),
                                       make_request("wh-1", "evt-0"),  // stored before
                                       make_request("wh-1", "evt-1")}; // repeated within the batch
    auto results = this->outbox.enqueue_many(batch);
    BOOST_TEST_REQUIRE(results.size() == 4u);
    BOOST_TEST(results[0].created);
    BOOST_TEST(results[1].created);
    BOOST_TEST(!results[2].created);
    BOOST_TEST(results[2].id == first);
    BOOST_TEST(!results[3].created);
    BOOST_TEST(results[3].id == results[0].id);
    auto all = this->outbox.list();
    BOOST_TEST_REQUIRE(all.items.size() == 3u);
    BOOST_TEST(event_ids_of(all.items) == (std::vector<std::string>{"evt-0", "evt-1", "evt-2"}));
    BOOST_TEST(all.items[1].sequence < all.items[2].sequence);
    BOOST_TEST(this->outbox.enqueue_many({}).empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(enqueue_many_with_one_bad_request_stores_nothing, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    std::vector<enqueue_request> batch{make_request("wh-1", "evt-1"), make_request("wh-1", "evt-2"),
                                       make_request("wh-1", "evt-3", "ftp://nope")};
    error_code ec;
    diagnostics diag;
    auto results = this->outbox.enqueue_many(batch, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_url, "requests[2].url");
    BOOST_TEST(results.empty());
    BOOST_TEST(this->outbox.list().items.empty());
    BOOST_CHECK_THROW(this->outbox.enqueue_many(batch), error_with_diagnostics);

    // User information in a URL is refused in a batch as alone, and the password is not quoted.
    batch[2].url = "https://user:password@receiver.example/hook";
    results = this->outbox.enqueue_many(batch, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_url, "requests[2].url");
    BOOST_TEST(diag.message().find("user information") != std::string::npos, diag.message());
    BOOST_TEST(diag.message().find("user:password@receiver") == std::string::npos, diag.message());
    BOOST_TEST(results.empty());
    BOOST_TEST(this->outbox.list().items.empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_many_applies_each_entry_and_reports_each_error, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    for (int i = 0; i < 4; ++i)
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    auto claimed = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 4u);
    std::vector<ack_entry> entries{
        ack_entry::for_claimed(claimed[0], success_result()),
        ack_entry::for_claimed(claimed[1], retry_result(this->now() + milliseconds(5000))),
        ack_entry::for_claimed(claimed[2], dead_result()),
        ack_entry{claimed[3].id, claimed[3].sequence, claimed[3].claim_token + 1, success_result()},  // wrong token
        ack_entry{delivery_id::generate(), 0, 1, success_result()},                                    // unknown
    };
    auto errors = this->outbox.ack_many(entries);
    BOOST_TEST_REQUIRE(errors.size() == 5u);
    BOOST_TEST(!errors[0]);
    BOOST_TEST(!errors[1]);
    BOOST_TEST(!errors[2]);
    BOOST_TEST(errors[3] == make_error_code(errc::claim_lost));
    BOOST_TEST(errors[4] == make_error_code(errc::not_found));
    BOOST_TEST(get_row(this->outbox, claimed[0].id).status == delivery_status::success);
    auto retried = get_row(this->outbox, claimed[1].id);
    BOOST_TEST(retried.status == delivery_status::pending);
    BOOST_TEST(retried.attempts == 1);
    BOOST_TEST(retried.next_retry_at == std::optional<timestamp>(this->now() + milliseconds(5000)));
    BOOST_TEST(get_row(this->outbox, claimed[2].id).status == delivery_status::dead);
    auto lost = get_row(this->outbox, claimed[3].id);
    BOOST_TEST(lost.status == delivery_status::in_flight);
    BOOST_TEST(lost.attempts == 0);
    // An ack_many entry without a sequence finds its row by id.
    errors = this->outbox.ack_many({ack_entry{claimed[3].id, 0, claimed[3].claim_token, success_result()}});
    BOOST_TEST(!errors.at(0));
    BOOST_TEST(get_row(this->outbox, claimed[3].id).status == delivery_status::success);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(ack_many_with_one_bad_result_applies_nothing, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    this->outbox.enqueue(make_request("wh-1", "evt-2"));
    auto claimed = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    attempt_result bad = success_result();
    bad.http_status = 42;
    error_code ec;
    diagnostics diag;
    auto errors = this->outbox.ack_many(
        {ack_entry::for_claimed(claimed[0], success_result()), ack_entry::for_claimed(claimed[1], bad)}, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "entries[1].http_status");
    BOOST_TEST(errors.empty());
    BOOST_TEST(get_row(this->outbox, claimed[0].id).status == delivery_status::in_flight);
    BOOST_TEST(get_row(this->outbox, claimed[1].id).status == delivery_status::in_flight);
}

// ---------------------------------------------------------------------------------------------
// operations: replay, purge, release, attempt history, failures
// ---------------------------------------------------------------------------------------------

// Claims every claimable row (oldest first) and returns them by event id.
template <class Outbox>
std::map<std::string, delivery> claim_by_event(Outbox& o, std::size_t expected) {
    auto rows = o.claim(claim_opts("node-A", 1000));
    BOOST_TEST_REQUIRE(rows.size() == expected);
    std::map<std::string, delivery> out;
    for (auto& d : rows)
        out.emplace(d.event_id, std::move(d));
    return out;
}

template <class Outbox>
std::set<std::string> events_in(const Outbox& o, std::optional<delivery_status> status = std::nullopt) {
    list_options lo;
    lo.status = status;
    lo.limit = 10000;
    std::set<std::string> out;
    for (const auto& d : o.list(lo).items)
        out.insert(d.event_id);
    return out;
}

inline delivery_filter by_webhook(std::string w) {
    delivery_filter f;
    f.webhook_id = std::move(w);
    return f;
}

inline delivery_filter by_status(delivery_status s) {
    delivery_filter f;
    f.status = s;
    return f;
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_by_webhook_resets_only_its_finished_rows, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id ok1 = this->outbox.enqueue(make_request("wh-1", "ok")).id;
    delivery_id dead1 = this->outbox.enqueue(make_request("wh-1", "dead")).id;
    delivery_id retry1 = this->outbox.enqueue(make_request("wh-1", "retry")).id;
    delivery_id ok2 = this->outbox.enqueue(make_request("wh-2", "ok")).id;
    delivery_id fresh1 = this->outbox.enqueue(make_request("wh-1", "fresh")).id;
    auto c = this->outbox.claim(claim_opts("node-A", 4));
    BOOST_TEST_REQUIRE(c.size() == 4u);
    this->outbox.ack(c[0], success_result());
    this->outbox.ack(c[1], dead_result());
    const timestamp retry_at = this->now() + milliseconds(3600000);
    this->outbox.ack(c[2], retry_result(retry_at));
    this->outbox.ack(c[3], success_result());

    this->clock.advance(milliseconds(1000));
    error_code ec;
    diagnostics diag;
    BOOST_TEST(this->outbox.replay(by_webhook("wh-1"), ec, diag) == 2u);
    BOOST_TEST(!ec);
    for (const auto& id : {ok1, dead1}) {
        delivery d = get_row(this->outbox, id);
        BOOST_TEST(d.status == delivery_status::pending);
        BOOST_TEST(d.attempts == 0);
        BOOST_TEST(show(d.response_code) == unset);
        BOOST_TEST(show(d.error) == unset);
        BOOST_TEST(show(d.last_attempted_at) == unset);
        BOOST_TEST(show(d.updated_at) == show(this->now()));
        // The history stays.
        BOOST_TEST(this->outbox.attempts(id).size() == 1u);
    }
    // Not finished, or another webhook's: untouched.
    delivery r = get_row(this->outbox, retry1);
    BOOST_TEST(r.status == delivery_status::pending);
    BOOST_TEST(r.attempts == 1);
    BOOST_TEST(show(r.next_retry_at) == show(retry_at));
    BOOST_TEST(show(r.error) == "'upstream'");
    BOOST_TEST(get_row(this->outbox, ok2).status == delivery_status::success);
    BOOST_TEST(get_row(this->outbox, fresh1).status == delivery_status::pending);

    // Claimable at once, in sequence order, with the never-claimed row between them.
    auto again = this->outbox.claim(claim_opts("node-B", 10));
    BOOST_TEST_REQUIRE(again.size() == 3u);
    BOOST_TEST(again[0].id == ok1);
    BOOST_TEST(again[1].id == dead1);
    BOOST_TEST(again[2].id == fresh1);
    // Replaying again finds nothing finished for wh-1.
    BOOST_TEST(this->outbox.replay(by_webhook("wh-1")) == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_by_status_takes_only_that_status, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    for (int i = 0; i < 4; ++i)
        this->outbox.enqueue(make_request("wh-" + std::to_string(i), "evt-" + std::to_string(i)));
    auto c = claim_by_event(this->outbox, 4);
    this->outbox.ack(c["evt-0"], success_result());
    this->outbox.ack(c["evt-1"], dead_result());
    this->outbox.ack(c["evt-2"], dead_result());
    // evt-3 stays in flight.

    BOOST_TEST(this->outbox.replay(by_status(delivery_status::dead)) == 2u);
    BOOST_TEST(get_row(this->outbox, c["evt-0"].id).status == delivery_status::success);
    BOOST_TEST(get_row(this->outbox, c["evt-1"].id).status == delivery_status::pending);
    BOOST_TEST(get_row(this->outbox, c["evt-2"].id).status == delivery_status::pending);
    BOOST_TEST(get_row(this->outbox, c["evt-3"].id).status == delivery_status::in_flight);
    BOOST_TEST(this->outbox.replay(by_status(delivery_status::failed)) == 0u);
    BOOST_TEST(this->outbox.replay(by_status(delivery_status::success)) == 1u);
    BOOST_TEST(get_row(this->outbox, c["evt-0"].id).status == delivery_status::pending);
    // The in-flight claim was not disturbed: its ack goes through.
    error_code ec;
    diagnostics diag;
    this->outbox.ack(c["evt-3"], success_result(), ec, diag);
    BOOST_TEST(!ec);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_by_created_range_includes_from_and_excludes_before, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    const timestamp t0 = this->now();
    for (int i = 0; i < 4; ++i) {
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
        this->clock.advance(milliseconds(1000));
    }
    auto c = claim_by_event(this->outbox, 4);
    for (auto& [event, d] : c)
        this->outbox.ack(d, success_result());

    delivery_filter f;
    f.created_from = t0 + milliseconds(1000);
    f.created_before = t0 + milliseconds(3000);
    BOOST_TEST(this->outbox.replay(f) == 2u);
    BOOST_TEST(get_row(this->outbox, c["evt-0"].id).status == delivery_status::success);  // before the range
    BOOST_TEST(get_row(this->outbox, c["evt-1"].id).status == delivery_status::pending);  // at created_from
    BOOST_TEST(get_row(this->outbox, c["evt-2"].id).status == delivery_status::pending);
    BOOST_TEST(get_row(this->outbox, c["evt-3"].id).status == delivery_status::success);  // at created_before

    // Only one bound.
    delivery_filter from;
    from.created_from = t0 + milliseconds(3000);
    BOOST_TEST(this->outbox.replay(from) == 1u);
    delivery_filter before;
    before.created_before = t0 + milliseconds(1);
    BOOST_TEST(this->outbox.replay(before) == 1u);
    BOOST_TEST(events_in(this->outbox, delivery_status::success).empty());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_of_every_finished_row_runs_in_steps_and_keeps_the_history, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    outbox_params p;
    p.replay_batch = 3;
    typename outbox_fixture<Factory>::outbox_type ob(p, this->factory.make(), this->clock);
    for (int i = 0; i < 9; ++i)
        ob.enqueue(make_request("wh-" + std::to_string(i % 3), "evt-" + std::to_string(i)));
    auto c = claim_by_event(ob, 9);
    for (int i = 0; i < 7; ++i)
        ob.ack(c["evt-" + std::to_string(i)], i % 2 ? dead_result() : success_result());
    ob.ack(c["evt-7"], retry_result(this->now() + milliseconds(60000)));
    // evt-8 stays in flight.

    this->clock.advance(milliseconds(10));
    BOOST_TEST(ob.replay(delivery_filter{}) == 7u);  // steps of 3, 3 and 1
    auto st = ob.stats();
    BOOST_TEST(st.count(delivery_status::pending) == 8u);
    BOOST_TEST(st.count(delivery_status::in_flight) == 1u);
    BOOST_TEST(st.count(delivery_status::success) == 0u);
    BOOST_TEST(st.count(delivery_status::dead) == 0u);
    BOOST_TEST(get_row(ob, c["evt-7"].id).attempts == 1);

    // The replayed rows are claimable at once; their next attempt is number 2.
    auto again = ob.claim(claim_opts("node-B", 100));
    BOOST_TEST_REQUIRE(again.size() == 7u);
    std::vector<ack_entry> acks;
    for (const auto& d : again)
        acks.push_back(ack_entry::for_claimed(d, success_result()));
    for (const auto& e : ob.ack_many(acks))
        BOOST_TEST(!e);
    for (const auto& d : again) {
        auto h = ob.attempts(d.id);
        BOOST_TEST_REQUIRE(h.size() == 2u);
        BOOST_TEST(h[0].number == 1);
        BOOST_TEST(h[1].number == 2);
        BOOST_TEST(h[1].outcome == delivery_status::success);
        BOOST_TEST(get_row(ob, d.id).attempts == 1);
    }
    // Again, now that they finished once more.
    BOOST_TEST(ob.replay(delivery_filter{}) == 7u);
}

// A dry run: `count` tells how many rows replay (finished rows only) and purge (any status) would
// take, changes nothing, agrees with the walk over `list` that serves storages without `count`,
// and with what replay and purge then do.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(count_tells_what_replay_and_purge_would_take, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    const timestamp t0 = this->now();
    for (int i = 0; i < 6; ++i) {
        this->outbox.enqueue(make_request("wh-" + std::to_string(i % 2), "evt-" + std::to_string(i)));
        this->clock.advance(milliseconds(1000));
    }
    auto c = claim_by_event(this->outbox, 6);
    this->outbox.ack(c["evt-0"], success_result());
    this->outbox.ack(c["evt-1"], dead_result());
    this->outbox.ack(c["evt-2"], dead_result());
    this->outbox.ack(c["evt-3"], retry_result(this->now() + milliseconds(60000)));
    this->outbox.ack(c["evt-4"], dead_result());
    // evt-5 stays in flight.
    this->outbox.enqueue(make_request("wh-0", "evt-6"));  // pending, never claimed

    delivery_filter range;
    range.created_from = t0 + milliseconds(1000);
    range.created_before = t0 + milliseconds(4000);
    delivery_filter old;
    old.updated_before = this->now();
    struct expected {
        delivery_filter f;
        std::size_t replay, purge;
    };
    const std::vector<expected> cases{
        {delivery_filter{}, 4, 7},
        {by_webhook("wh-0"), 3, 4},
        {by_status(delivery_status::dead), 3, 3},
        {range, 2, 3},
        {old, 0, 0},
    };
    const auto before = this->outbox.stats();
    for (const auto& e : cases) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(this->outbox.count(e.f, true, ec, diag) == e.replay);
        BOOST_TEST(!ec);
        BOOST_TEST(this->outbox.count(e.f, false) == e.purge);
        BOOST_TEST(hookbox::detail::count_by_listing(this->outbox.storage(), e.f, true, ec, diag) == e.replay);
        BOOST_TEST(hookbox::detail::count_by_listing(this->outbox.storage(), e.f, false, ec, diag) == e.purge);
    }
    const auto after = this->outbox.stats();
    for (auto s : {delivery_status::pending, delivery_status::in_flight, delivery_status::success,
                   delivery_status::dead})
        BOOST_TEST(after.count(s) == before.count(s));

    // The replay rule applies: a dry run of a replay of pending rows is refused, naming the field.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(this->outbox.count(by_status(delivery_status::pending), true, ec, diag) == 0u);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "status");
    BOOST_TEST(this->outbox.count(by_status(delivery_status::pending), false) == 2u);

    // What the dry runs said is what happens.
    BOOST_TEST(this->outbox.replay(by_webhook("wh-0")) == 3u);
    BOOST_TEST(this->outbox.purge(by_status(delivery_status::dead)) == 1u);
    BOOST_TEST(this->outbox.count(delivery_filter{}, false) == 6u);
}

// Replay and purge report each step's running total, so that a long run can show its progress.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_and_purge_report_each_step, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    outbox_params p;
    p.replay_batch = 3;
    typename outbox_fixture<Factory>::outbox_type ob(p, this->factory.make(), this->clock);
    for (int i = 0; i < 7; ++i)
        ob.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    for (auto& [event, d] : claim_by_event(ob, 7))
        ob.ack(d, dead_result());
    std::vector<std::size_t> steps;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(ob.replay(delivery_filter{}, [&](std::size_t done) { steps.push_back(done); }, ec, diag) == 7u);
    BOOST_TEST(!ec);
    BOOST_TEST((steps == std::vector<std::size_t>{3, 6, 7}));
    steps.clear();
    BOOST_TEST(ob.purge(delivery_filter{}, 2, [&](std::size_t done) { steps.push_back(done); }, ec, diag) == 7u);
    BOOST_TEST((steps == std::vector<std::size_t>{2, 4, 6, 7}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(replay_and_purge_reject_invalid_filters, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    this->outbox.ack(c[0], success_result());
    error_code ec;
    diagnostics diag;

    for (auto s : {delivery_status::pending, delivery_status::in_flight}) {
        BOOST_TEST_CONTEXT("status " << to_string(s)) {
            BOOST_TEST(this->outbox.replay(by_status(s), ec, diag) == 0u);
            HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "status");
            BOOST_TEST(diag.message().find("success, failed or dead") != std::string::npos, diag.message());
        }
    }
    delivery_filter range;
    range.created_from = this->now();
    range.created_before = this->now();
    this->outbox.replay(range, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "created_before");
    this->outbox.purge(range, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "created_before");
    this->outbox.replay(by_webhook(""), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::empty_field, "webhook_id");
    this->outbox.purge(by_webhook(std::string(65, 'w')), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::field_too_long, "webhook_id");
    this->outbox.purge(delivery_filter{}, 0, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "batch_size");
    this->outbox.purge(delivery_filter{}, limits::batch_size + 1, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "batch_size");
    BOOST_CHECK_THROW(this->outbox.replay(by_status(delivery_status::pending)), error_with_diagnostics);
    BOOST_CHECK_THROW(this->outbox.purge(range), error_with_diagnostics);

    // Nothing changed; purge takes any status.
    BOOST_TEST(get_row(this->outbox, id).status == delivery_status::success);
    BOOST_TEST(this->outbox.purge(by_status(delivery_status::pending), ec, diag) == 0u);
    BOOST_TEST(!ec);

    // The outbox refuses a replay_batch out of range.
    outbox_params p;
    p.replay_batch = 0;
    BOOST_CHECK_EXCEPTION(typename outbox_fixture<Factory>::outbox_type(p, this->factory.make(), this->clock),
                          error_with_diagnostics, [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::invalid_argument) &&
                                     e.get_diagnostics().field() == "replay_batch";
                          });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(purge_by_status_deletes_in_bounded_steps_and_frees_the_dedup_pair, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    std::vector<delivery_id> ids;
    for (int i = 0; i < 13; ++i)
        ids.push_back(this->outbox.enqueue(make_request("wh-" + std::to_string(i % 4), "evt-" + std::to_string(i))).id);
    auto c = claim_by_event(this->outbox, 13);
    for (int i = 0; i < 12; ++i)
        this->outbox.ack(c["evt-" + std::to_string(i)], i < 10 ? success_result() : dead_result());
    // evt-12 stays in flight.

    // One storage step deletes at most its limit, lowest sequence first.
    error_code ec;
    diagnostics diag;
    BOOST_TEST(this->outbox.storage().purge(by_status(delivery_status::success), 3, ec, diag) == 3u);
    BOOST_TEST(!ec);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(!this->outbox.get(ids[i]).has_value());
    BOOST_TEST(this->outbox.get(ids[3]).has_value());

    // The outbox runs steps of 3 until one finds fewer: 3 + 3 + 1.
    BOOST_TEST(this->outbox.purge(by_status(delivery_status::success), 3, ec, diag) == 7u);
    BOOST_TEST(!ec);
    BOOST_TEST((events_in(this->outbox) == std::set<std::string>{"evt-10", "evt-11", "evt-12"}));
    auto st = this->outbox.stats();
    BOOST_TEST(st.count(delivery_status::success) == 0u);
    BOOST_TEST(st.count(delivery_status::dead) == 2u);
    BOOST_TEST(st.count(delivery_status::in_flight) == 1u);
    BOOST_TEST(st.total() == 3u);

    // The history went with the rows, and their pairs can be enqueued again as new deliveries.
    (void)this->outbox.attempts(ids[0], ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    enqueue_result again = this->outbox.enqueue(make_request("wh-0", "evt-0"));
    BOOST_TEST(again.created);
    BOOST_TEST(again.id != ids[0]);
    BOOST_TEST(get_row(this->outbox, again.id).status == delivery_status::pending);
    BOOST_TEST(this->outbox.attempts(again.id).empty());
    // A pair that was not purged still dedups.
    enqueue_result kept = this->outbox.enqueue(make_request("wh-2", "evt-10"));
    BOOST_TEST(!kept.created);
    BOOST_TEST(kept.id == ids[10]);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(purge_by_updated_before_is_strict, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    const timestamp t0 = this->now();
    for (int i = 0; i < 3; ++i)
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    auto c = claim_by_event(this->outbox, 3);
    for (int i = 0; i < 3; ++i) {
        this->outbox.ack(c["evt-" + std::to_string(i)], success_result());  // updated_at t0, t0+1s, t0+2s
        this->clock.advance(milliseconds(1000));
    }
    delivery_filter f;
    f.updated_before = t0 + milliseconds(1000);
    BOOST_TEST(this->outbox.purge(f) == 1u);
    BOOST_TEST((events_in(this->outbox) == std::set<std::string>{"evt-1", "evt-2"}));
    f.updated_before = t0 + milliseconds(1001);
    f.status = delivery_status::dead;
    BOOST_TEST(this->outbox.purge(f) == 0u);
    f.status = delivery_status::success;
    BOOST_TEST(this->outbox.purge(f) == 1u);
    BOOST_TEST((events_in(this->outbox) == std::set<std::string>{"evt-2"}));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(purge_removes_pending_and_in_flight_rows_wherever_they_wait, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    // wh-9's rows wait in every place a pending row can: never claimed, due at once after a retry,
    // delayed, promoted to due by a claim that took another row, and in flight.
    delivery_id keep = this->outbox.enqueue(make_request("wh-1", "keep")).id;
    auto first = this->outbox.claim(claim_opts("node-A", 1));
    BOOST_TEST_REQUIRE(first.size() == 1u);
    for (const char* e : {"retried", "ready", "delayed", "promoted-a", "promoted-b", "flying"})
        this->outbox.enqueue(make_request("wh-9", e));
    auto c = claim_by_event(this->outbox, 6);
    this->outbox.ack(c["ready"], retry_result(std::nullopt));
    this->outbox.ack(c["delayed"], retry_result(this->now() + milliseconds(3600000)));
    this->outbox.ack(c["promoted-a"], retry_result(this->now() + milliseconds(1000)));
    this->outbox.ack(c["promoted-b"], retry_result(this->now() + milliseconds(1000)));
    this->outbox.ack(c["retried"], retry_result(std::nullopt));
    BOOST_TEST(this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(first[0])}).at(0) == error_code{});
    this->outbox.enqueue(make_request("wh-9", "never-claimed"));
    this->clock.advance(milliseconds(1000));
    // Takes `keep` (lowest sequence); the promoted rows move to the due queue but stay.
    auto one = this->outbox.claim(claim_opts("node-A", 1));
    BOOST_TEST_REQUIRE(one.size() == 1u);
    BOOST_TEST(one[0].id == keep);
    BOOST_TEST(this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(one[0])}).at(0) == error_code{});

    BOOST_TEST(this->outbox.purge(by_webhook("wh-9")) == 7u);
    auto st = this->outbox.stats();
    BOOST_TEST(st.count(delivery_status::pending) == 1u);
    BOOST_TEST(st.count(delivery_status::in_flight) == 0u);
    BOOST_TEST(st.total() == 1u);
    BOOST_TEST(show(st.oldest_pending_age) == show(milliseconds(1000)));
    // Nothing purged comes back to a claim, now or later; the in-flight claim's ack finds no row.
    this->clock.advance(milliseconds(7200000));
    auto rest = this->outbox.claim(claim_opts("node-B", 100));
    BOOST_TEST_REQUIRE(rest.size() == 1u);
    BOOST_TEST(rest[0].id == keep);
    error_code ec;
    diagnostics diag;
    this->outbox.ack(c["flying"], success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    // Every pair is free again.
    for (const char* e : {"retried", "ready", "delayed", "promoted-a", "promoted-b", "flying", "never-claimed"})
        BOOST_TEST(this->outbox.enqueue(make_request("wh-9", e)).created);
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 100)).size() == 7u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(release_to_pending_gives_the_claim_back_without_an_attempt, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    auto c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    this->outbox.ack(c[0], retry_result(std::nullopt, 503, "upstream"));
    c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);

    this->clock.advance(milliseconds(10));
    release_request r;
    r.next_retry_at = this->now() + milliseconds(5000);
    r.error = "circuit open";
    r.now = timestamp{};  // ignored: the outbox's clock decides
    error_code ec;
    diagnostics diag;
    auto errors = this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(c[0])}, r, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(!errors[0]);
    delivery d = get_row(this->outbox, id);
    BOOST_TEST(d.status == delivery_status::pending);
    BOOST_TEST(d.attempts == 1);  // unchanged: not an attempt
    BOOST_TEST(show(d.response_code) == "503");
    BOOST_TEST(show(d.error) == "'circuit open'");
    BOOST_TEST(show(d.next_retry_at) == show(this->now() + milliseconds(5000)));
    BOOST_TEST(show(d.claimed_by) == unset);
    BOOST_TEST(show(d.claimed_at) == unset);
    BOOST_TEST(d.claim_token == 0u);
    BOOST_TEST(show(d.updated_at) == show(this->now()));
    auto history = this->outbox.attempts(id);
    BOOST_TEST_REQUIRE(history.size() == 1u);  // no record for the release
    // The recorded attempt keeps its own error; the release's error is the row's only.
    BOOST_TEST(show(history[0].error) == "'upstream'");
    BOOST_TEST(show(history[0].response_code) == "503");
    BOOST_TEST(this->outbox.stats().count(delivery_status::in_flight) == 0u);

    // The old claim is gone.
    this->outbox.ack(c[0], success_result(), ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::claim_lost, "claim_token");
    // Not claimable before next_retry_at, claimable at it.
    this->clock.advance(milliseconds(4999));
    BOOST_TEST(this->outbox.claim(claim_opts("node-B")).empty());
    this->clock.advance(milliseconds(1));
    auto again = this->outbox.claim(claim_opts("node-B"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(again[0].id == id);
    BOOST_TEST(again[0].attempts == 1);

    // Without an error, the row's error stays; without next_retry_at, the row is due at once.
    BOOST_TEST(this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(again[0])}).at(0) == error_code{});
    d = get_row(this->outbox, id);
    BOOST_TEST(show(d.error) == "'circuit open'");
    BOOST_TEST(show(d.next_retry_at) == unset);
    BOOST_TEST(this->outbox.claim(claim_opts("node-B")).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(release_to_dead_and_per_entry_errors, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    for (int i = 0; i < 3; ++i)
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    auto c = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(c.size() == 3u);
    release_request r;
    r.status = delivery_status::dead;
    r.error = "endpoint disabled";
    std::vector<claim_ref> refs{
        claim_ref::for_claimed(c[0]),
        claim_ref{c[1].id, c[1].sequence, c[1].claim_token + 1},  // stale token
        claim_ref{delivery_id::generate(), 0, 1},                  // unknown
        claim_ref{c[2].id, 0, c[2].claim_token},                   // by id only
    };
    auto errors = this->outbox.release(refs, r);
    BOOST_TEST_REQUIRE(errors.size() == 4u);
    BOOST_TEST(!errors[0]);
    BOOST_TEST(errors[1] == make_error_code(errc::claim_lost));
    BOOST_TEST(errors[2] == make_error_code(errc::not_found));
    BOOST_TEST(!errors[3]);
    for (const auto& d : {c[0], c[2]}) {
        delivery row = get_row(this->outbox, d.id);
        BOOST_TEST(row.status == delivery_status::dead);
        BOOST_TEST(row.attempts == 0);
        BOOST_TEST(show(row.error) == "'endpoint disabled'");
        BOOST_TEST(this->outbox.attempts(d.id).empty());
    }
    // The entry with the stale token changed nothing: its claim is intact.
    BOOST_TEST(get_row(this->outbox, c[1].id).status == delivery_status::in_flight);
    error_code ec;
    diagnostics diag;
    this->outbox.ack(c[1], success_result(), ec, diag);
    BOOST_TEST(!ec);
    auto st = this->outbox.stats();
    BOOST_TEST(st.count(delivery_status::dead) == 2u);
    BOOST_TEST(st.count(delivery_status::success) == 1u);
    // A released dead row is finished: redeliver takes it.
    BOOST_TEST(this->outbox.redeliver(c[0].id).status == delivery_status::pending);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(release_rejects_invalid_requests, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    auto c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    std::vector<claim_ref> refs{claim_ref::for_claimed(c[0])};
    error_code ec;
    diagnostics diag;
    for (auto s : {delivery_status::success, delivery_status::in_flight, delivery_status::failed}) {
        BOOST_TEST_CONTEXT("status " << to_string(s)) {
            release_request r;
            r.status = s;
            BOOST_TEST(this->outbox.release(refs, r, ec, diag).empty());
            HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "status");
        }
    }
    release_request r;
    r.status = delivery_status::dead;
    r.next_retry_at = this->now();
    (void)this->outbox.release(refs, r, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "next_retry_at");
    BOOST_CHECK_THROW((void)this->outbox.release(refs, r), error_with_diagnostics);
    // Nothing was applied: the claim still acks.
    this->outbox.ack(c[0], success_result(), ec, diag);
    BOOST_TEST(!ec);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(attempt_history_records_every_ack_across_retries_and_redelivery, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id id = this->outbox.enqueue(make_request("wh-1", "evt-1")).id;
    BOOST_TEST(this->outbox.attempts(id).empty());
    const timestamp t0 = this->now();
    auto c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    this->outbox.ack(c[0], retry_result(std::nullopt, 503, "upstream"));
    this->clock.advance(milliseconds(1000));
    c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    attempt_result transport = retry_result(std::nullopt, 503, "connection reset");
    transport.http_status.reset();
    this->outbox.ack(c[0], transport);
    this->clock.advance(milliseconds(1000));
    c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    this->outbox.ack(c[0], dead_result(410, "gone"));
    // A release in between records nothing; redeliver keeps the history.
    this->clock.advance(milliseconds(1000));
    this->outbox.redeliver(id);
    c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    BOOST_TEST(this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(c[0])}).at(0) == error_code{});
    c = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(c.size() == 1u);
    this->outbox.ack(c[0], success_result(201, "created", milliseconds(42)));

    auto h = this->outbox.attempts(id);
    BOOST_TEST_REQUIRE(h.size() == 4u);
    const std::vector<delivery_status> outcomes{delivery_status::pending, delivery_status::pending,
                                                delivery_status::dead, delivery_status::success};
    const std::vector<std::string> codes{"503", unset, "410", "201"};
    const std::vector<std::string> errors{"'upstream'", "'connection reset'", "'gone'", unset};
    const std::vector<timestamp> times{t0, t0 + milliseconds(1000), t0 + milliseconds(2000), t0 + milliseconds(3000)};
    const std::vector<milliseconds> durations{milliseconds(7), milliseconds(7), milliseconds(9), milliseconds(42)};
    for (std::size_t i = 0; i < h.size(); ++i) {
        BOOST_TEST_CONTEXT("attempt " << i + 1) {
            BOOST_TEST(h[i].number == static_cast<int>(i + 1));
            BOOST_TEST(h[i].outcome == outcomes[i]);
            BOOST_TEST(show(h[i].response_code) == codes[i]);
            BOOST_TEST(show(h[i].error) == errors[i]);
            BOOST_TEST(show(h[i].at) == show(times[i]));
            BOOST_TEST(show(h[i].duration) == show(durations[i]));
        }
    }
    // The row's own counter restarted at the redelivery.
    BOOST_TEST(get_row(this->outbox, id).attempts == 1);
    // A fenced-off ack records nothing.
    error_code ec;
    diagnostics diag;
    this->outbox.ack(c[0], success_result(), ec, diag);
    BOOST_TEST(ec == make_error_code(errc::claim_lost));
    BOOST_TEST(this->outbox.attempts(id).size() == 4u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(attempt_history_is_written_by_ack_many, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    for (int i = 0; i < 4; ++i)
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    auto c = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(c.size() == 4u);
    auto errors = this->outbox.ack_many({
        ack_entry::for_claimed(c[0], success_result()),
        ack_entry::for_claimed(c[1], retry_result(std::nullopt)),
        ack_entry{c[2].id, 0, c[2].claim_token, dead_result()},
        ack_entry{c[3].id, c[3].sequence, c[3].claim_token + 1, success_result()},  // lost
    });
    BOOST_TEST_REQUIRE(errors.size() == 4u);
    BOOST_TEST(errors[3] == make_error_code(errc::claim_lost));
    const std::vector<delivery_status> outcomes{delivery_status::success, delivery_status::pending,
                                                delivery_status::dead};
    for (std::size_t i = 0; i < 3; ++i) {
        auto h = this->outbox.attempts(c[i].id);
        BOOST_TEST_REQUIRE(h.size() == 1u);
        BOOST_TEST(h[0].number == 1);
        BOOST_TEST(h[0].outcome == outcomes[i]);
        BOOST_TEST(show(h[0].at) == show(this->now()));
    }
    BOOST_TEST(this->outbox.attempts(c[3].id).empty());
    // The retried row's second attempt, batched again, is number 2.
    auto again = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(this->outbox.ack_many({ack_entry::for_claimed(again[0], success_result())}).at(0) == error_code{});
    auto h = this->outbox.attempts(c[1].id);
    BOOST_TEST_REQUIRE(h.size() == 2u);
    BOOST_TEST(h[1].number == 2);
    BOOST_TEST(h[1].outcome == delivery_status::success);
}

// A batch larger than any one statement a storage may use for it: every applied entry gets its own
// record (its outcome, its code), a lost entry none.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_large_ack_many_records_each_attempt_with_its_row, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    constexpr int rows = 75;
    for (int i = 0; i < rows; ++i)
        this->outbox.enqueue(make_request("wh-" + std::to_string(i % 5), "evt-" + std::to_string(i)));
    auto c = this->outbox.claim(claim_opts("node-A", rows));
    BOOST_TEST_REQUIRE(c.size() == std::size_t(rows));
    std::vector<ack_entry> entries;
    for (int i = 0; i < rows; ++i) {
        if (i == 40)  // a lost claim
            entries.push_back(ack_entry{c[i].id, c[i].sequence, c[i].claim_token + 1, success_result()});
        else if (i % 3 == 0)
            entries.push_back(ack_entry::for_claimed(c[i], success_result(200 + i)));
        else
            entries.push_back(ack_entry::for_claimed(c[i], retry_result(std::nullopt, 500 + i)));
    }
    auto errors = this->outbox.ack_many(entries);
    BOOST_TEST_REQUIRE(errors.size() == std::size_t(rows));
    for (int i = 0; i < rows; ++i) {
        BOOST_TEST_CONTEXT("row " << i) {
            auto h = this->outbox.attempts(c[i].id);
            if (i == 40) {
                BOOST_TEST(errors[i] == make_error_code(errc::claim_lost));
                BOOST_TEST(h.empty());
                continue;
            }
            BOOST_TEST(!errors[i]);
            BOOST_TEST_REQUIRE(h.size() == 1u);
            BOOST_TEST(h[0].outcome == (i % 3 == 0 ? delivery_status::success : delivery_status::pending));
            BOOST_TEST(h[0].response_code == std::optional<int>(i % 3 == 0 ? 200 + i : 500 + i));
        }
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(attempts_of_unknown_id_is_not_found, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    this->outbox.enqueue(make_request("wh-1", "evt-1"));
    delivery_id unknown = delivery_id::generate();
    error_code ec;
    diagnostics diag;
    BOOST_TEST(this->outbox.attempts(unknown, ec, diag).empty());
    HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    BOOST_TEST(diag.message() == "Delivery row '" + unknown.to_string() + "' not found");
    BOOST_CHECK_THROW((void)this->outbox.attempts(unknown), error_with_diagnostics);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(failures_lists_failing_webhooks_most_failing_first, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    BOOST_TEST(this->outbox.failures().empty());
    // wh-a: 2 dead, 1 retrying; wh-c: 3 retrying; wh-b: 1 dead; wh-d: nothing failing (a success,
    // a never-attempted row, a released one and a reaped one).
    std::vector<std::pair<std::string, std::string>> rows{
        {"wh-a", "a1"}, {"wh-a", "a2"}, {"wh-a", "a3"}, {"wh-b", "b1"}, {"wh-c", "c1"}, {"wh-c", "c2"},
        {"wh-c", "c3"}, {"wh-d", "d1"}, {"wh-d", "d2"}, {"wh-d", "d3"}};
    for (const auto& [w, e] : rows)
        this->outbox.enqueue(make_request(w, e));
    auto c = claim_by_event(this->outbox, 10);
    const timestamp t0 = this->now();
    auto step = [&](const std::string& e, attempt_result r) {
        this->outbox.ack(c[e], std::move(r));
        this->clock.advance(milliseconds(100));
    };
    step("a1", dead_result(410, "a1 gone"));
    step("c1", retry_result(this->now() + milliseconds(3600000), 503, "c1 busy"));
    step("a2", retry_result(this->now() + milliseconds(3600000), 500, "a2 broken"));
    step("b1", dead_result(404, "b1 missing"));
    step("c2", retry_result(this->now() + milliseconds(3600000), 502, "c2 bad gateway"));
    step("a3", dead_result(400, ""));  // the latest failure of wh-a has no error text
    step("c3", retry_result(this->now() + milliseconds(3600000), 503, "c3 busy"));
    step("d1", success_result());
    BOOST_TEST(this->outbox.release(std::vector<claim_ref>{claim_ref::for_claimed(c["d2"])}).at(0) == error_code{});
    // d3's claim is reaped by a later claim; reaping is not a failure.
    this->clock.advance(milliseconds(60001));
    BOOST_TEST(this->outbox.claim(claim_opts("node-B", 1)).size() == 1u);

    auto f = this->outbox.failures();
    BOOST_TEST_REQUIRE(f.size() == 3u);
    BOOST_TEST(f[0].webhook_id == "wh-a");
    BOOST_TEST(f[0].dead == 2u);
    BOOST_TEST(f[0].retrying == 1u);
    BOOST_TEST(show(f[0].last_error) == unset);
    BOOST_TEST(show(f[0].last_failed_at) == show(t0 + milliseconds(500)));
    BOOST_TEST(f[1].webhook_id == "wh-c");
    BOOST_TEST(f[1].dead == 0u);
    BOOST_TEST(f[1].retrying == 3u);
    BOOST_TEST(show(f[1].last_error) == "'c3 busy'");
    BOOST_TEST(show(f[1].last_failed_at) == show(t0 + milliseconds(600)));
    BOOST_TEST(f[2].webhook_id == "wh-b");
    BOOST_TEST(f[2].dead == 1u);
    BOOST_TEST(f[2].retrying == 0u);
    BOOST_TEST(show(f[2].last_error) == "'b1 missing'");

    auto two = this->outbox.failures(2);
    BOOST_TEST_REQUIRE(two.size() == 2u);
    BOOST_TEST(two[0].webhook_id == "wh-a");
    BOOST_TEST(two[1].webhook_id == "wh-c");

    // Replaying wh-a's dead rows leaves its retrying one.
    this->outbox.replay(by_webhook("wh-a"));
    f = this->outbox.failures();
    BOOST_TEST_REQUIRE(f.size() == 3u);
    BOOST_TEST(f[0].webhook_id == "wh-c");
    BOOST_TEST(f[1].webhook_id == "wh-a");
    BOOST_TEST(f[1].dead == 0u);
    BOOST_TEST(f[1].retrying == 1u);
    BOOST_TEST(show(f[1].last_error) == "'a2 broken'");

    error_code ec;
    diagnostics diag;
    (void)this->outbox.failures(0, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "limit");
    (void)this->outbox.failures(limits::list_limit + 1, ec, diag);
    HOOKBOX_CHECK_ERROR(ec, diag, errc::invalid_argument, "limit");
}

// Rows stored after a purge may reuse what the purged rows held: nothing of the old rows shows
// through, and the old claims stay dead.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(deliveries_of_one_webhook_keep_their_own_request, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    // One webhook, and deliveries that differ from each other in one field each.
    std::vector<enqueue_request> reqs;
    for (int i = 0; i < 7; ++i)
        reqs.push_back(make_request("wh-1", "evt-" + std::to_string(i)));
    reqs[1].url = "https://other.example/a-much-longer-path/than-the-first-one";
    reqs[2].method = "PUT";
    reqs[3].headers = {header{"X-Tenant", "t-1"}, header{"X-Trace", "abc"}};
    reqs[4].secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    reqs[5].timeout = milliseconds(2500);
    reqs[6].event_type = "data.record.deleted";
    for (auto r : reqs)
        this->outbox.enqueue(std::move(r));
    // A delivery of another webhook with every field as the first one's.
    this->outbox.enqueue(make_request("wh-2", "evt-0"));

    auto rows = this->outbox.claim(claim_opts("node-A", 100));
    BOOST_TEST_REQUIRE(rows.size() == 8u);
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        BOOST_TEST_CONTEXT("delivery " << i) {
            const delivery& d = rows[i];
            BOOST_TEST(d.webhook_id == "wh-1");
            BOOST_TEST(d.event_id == reqs[i].event_id);
            BOOST_TEST(d.url == reqs[i].url);
            BOOST_TEST(d.method == (reqs[i].method.empty() ? std::string("POST") : reqs[i].method));
            BOOST_TEST((d.headers == reqs[i].headers));
            BOOST_TEST(d.secret == reqs[i].secret);
            BOOST_TEST(d.has_secret == !reqs[i].secret.empty());
            BOOST_TEST(show(d.timeout) == show(reqs[i].timeout));
            BOOST_TEST(d.event_type == reqs[i].event_type);
        }
    }
    BOOST_TEST(rows[7].webhook_id == "wh-2");
    BOOST_TEST(rows[7].url == reqs[0].url);
    // Rows read back later show the same, without the secret.
    for (std::size_t i = 0; i < reqs.size(); ++i) {
        delivery d = get_row(this->outbox, rows[i].id);
        BOOST_TEST_CONTEXT("delivery " << i) {
            BOOST_TEST(d.url == reqs[i].url);
            BOOST_TEST(d.method == rows[i].method);
            BOOST_TEST((d.headers == reqs[i].headers));
            BOOST_TEST(d.secret.empty());
            BOOST_TEST(d.has_secret == !reqs[i].secret.empty());
            BOOST_TEST(d.event_type == reqs[i].event_type);
        }
    }
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(rows_stored_after_a_purge_start_clean, Factory, outbox_contract_factories,
                                 outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    const std::size_t n = 40;
    for (std::size_t i = 0; i < n; ++i) {
        enqueue_request req = make_request("wh-" + std::to_string(i % 3), "evt-" + std::to_string(i));
        req.url = "https://old.example/hook-with-a-long-path-" + std::to_string(i);
        this->outbox.enqueue(std::move(req));
    }
    auto old_claims = this->outbox.claim(claim_opts("node-A", 10));
    BOOST_TEST_REQUIRE(old_claims.size() == 10u);
    this->outbox.ack(old_claims[0], retry_result(std::nullopt));
    BOOST_TEST(this->outbox.purge(delivery_filter{}) == n);

    std::map<std::string, delivery_id> ids;
    for (std::size_t i = 0; i < n; ++i) {
        enqueue_request req = make_request("wh-" + std::to_string(i % 3), "evt-" + std::to_string(i));
        req.url = "https://new.example/" + std::to_string(i);
        enqueue_result r = this->outbox.enqueue(std::move(req));
        BOOST_TEST(r.created);
        ids.emplace("evt-" + std::to_string(i), r.id);
    }
    for (const auto& old : old_claims) {
        error_code ec;
        diagnostics diag;
        this->outbox.ack(old, success_result(), ec, diag);
        HOOKBOX_CHECK_ERROR(ec, diag, errc::not_found, "id");
    }
    auto rows = claim_by_event(this->outbox, n);
    for (const auto& [event, d] : rows) {
        BOOST_TEST_CONTEXT(event) {
            BOOST_TEST(d.id == ids.at(event));
            BOOST_TEST(d.url == "https://new.example/" + event.substr(4));
            BOOST_TEST(d.attempts == 0);
            BOOST_TEST(show(d.error) == unset);
            BOOST_TEST(show(d.response_code) == unset);
            BOOST_TEST(this->outbox.attempts(d.id).empty());
            this->outbox.ack(d, success_result());
            BOOST_TEST(this->outbox.attempts(d.id).size() == 1u);
        }
    }
    BOOST_TEST(this->outbox.stats().count(delivery_status::success) == n);
    BOOST_TEST(this->outbox.stats().total() == n);
}

// ---------------------------------------------------------------------------------------------
// trace context
// ---------------------------------------------------------------------------------------------

// The traceparent given to enqueue is kept with the row (get, list, claim, redeliver), by the single
// and the batch paths; each ack stores the traceparent its attempt sent in that attempt's record,
// by the single and the batch paths, and a record without one reads back without one.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(traceparent_round_trips_through_rows_and_attempt_records, Factory,
                                 outbox_contract_factories, outbox_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const std::string batch_parent = "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-later";
    auto sent = [](char span) { return "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string(16, span) + "-01"; };

    enqueue_request traced = make_request("wh-1", "evt-traced");
    traced.traceparent = parent;
    const delivery_id id = this->outbox.enqueue(traced).id;
    const delivery_id plain = this->outbox.enqueue(make_request("wh-1", "evt-plain")).id;
    enqueue_request in_batch = make_request("wh-2", "evt-batch");
    in_batch.traceparent = batch_parent;
    auto batch = this->outbox.enqueue_many({in_batch, make_request("wh-2", "evt-batch-plain")});
    BOOST_TEST_REQUIRE(batch.size() == 2u);

    BOOST_TEST(show(get_row(this->outbox, id).traceparent) == show(parent));
    BOOST_TEST(show(get_row(this->outbox, plain).traceparent) == unset);
    BOOST_TEST(show(get_row(this->outbox, batch[0].id).traceparent) == show(batch_parent));
    BOOST_TEST(show(get_row(this->outbox, batch[1].id).traceparent) == unset);
    auto page = this->outbox.list(list_options{});
    BOOST_TEST_REQUIRE(page.items.size() == 4u);
    BOOST_TEST(show(page.items[0].traceparent) == show(parent));
    BOOST_TEST(show(page.items[1].traceparent) == unset);
    BOOST_TEST(show(page.items[2].traceparent) == show(batch_parent));

    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 4u);
    BOOST_TEST(show(claimed[0].traceparent) == show(parent));
    BOOST_TEST(show(claimed[1].traceparent) == unset);
    BOOST_TEST(show(claimed[2].traceparent) == show(batch_parent));

    // One ack at a time: a retry that sent span 1, then (after the retry) a success that sent span 2.
    attempt_result first = retry_result(std::nullopt);
    first.traceparent = sent('1');
    this->outbox.ack(claimed[0], first);
    // A batch: the other three, one of them with a traceparent and two without.
    attempt_result batch_sent = success_result();
    batch_sent.traceparent = sent('3');
    auto errors = this->outbox.ack_many({ack_entry::for_claimed(claimed[1], success_result()),
                                         ack_entry::for_claimed(claimed[2], batch_sent),
                                         ack_entry::for_claimed(claimed[3], success_result())});
    BOOST_TEST_REQUIRE(errors.size() == 3u);
    for (const auto& e : errors)
        BOOST_TEST(!e);
    auto again = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(again.size() == 1u);
    BOOST_TEST(show(again[0].traceparent) == show(parent));
    attempt_result second = success_result();
    second.traceparent = sent('2');
    this->outbox.ack(again[0], second);

    auto history = this->outbox.attempts(id);
    BOOST_TEST_REQUIRE(history.size() == 2u);
    BOOST_TEST(show(history[0].traceparent) == show(sent('1')));
    BOOST_TEST(show(history[1].traceparent) == show(sent('2')));
    auto plain_history = this->outbox.attempts(plain);
    BOOST_TEST_REQUIRE(plain_history.size() == 1u);
    BOOST_TEST(show(plain_history[0].traceparent) == unset);
    auto batch_history = this->outbox.attempts(batch[0].id);
    BOOST_TEST_REQUIRE(batch_history.size() == 1u);
    BOOST_TEST(show(batch_history[0].traceparent) == show(sent('3')));
    BOOST_TEST(show(this->outbox.attempts(batch[1].id).at(0).traceparent) == unset);

    // A redelivery keeps the row's traceparent and the history's; the next attempt adds its own.
    delivery reset = this->outbox.redeliver(id);
    BOOST_TEST(show(reset.traceparent) == show(parent));
    auto third = this->outbox.claim(claim_opts("node-B"));
    BOOST_TEST_REQUIRE(third.size() == 1u);
    BOOST_TEST(show(third[0].traceparent) == show(parent));
    this->outbox.ack(third[0], dead_result());
    history = this->outbox.attempts(id);
    BOOST_TEST_REQUIRE(history.size() == 3u);
    BOOST_TEST(show(history[0].traceparent) == show(sent('1')));
    BOOST_TEST(show(history[1].traceparent) == show(sent('2')));
    BOOST_TEST(show(history[2].traceparent) == unset);
    BOOST_TEST(show(get_row(this->outbox, id).traceparent) == show(parent));
}

BOOST_AUTO_TEST_SUITE_END()  // outbox_contract

}  // namespace hookbox::test

#undef HOOKBOX_CHECK_ERROR

#endif  // HOOKBOX_TEST_CONTRACT_OUTBOX_CONTRACT_CASES_HPP
