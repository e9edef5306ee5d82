//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_FAULT_INJECTION_CASES_HPP
#define HOOKBOX_TEST_CONTRACT_FAULT_INJECTION_CASES_HPP

// The fault-injection suite: failing_storage itself, then each flow of the outbox (enqueue,
// enqueue_many, claim, claim_many, ack, ack_many, release, redeliver and replay, the retention sweep)
// over a failing_storage around every storage in `fault_injection_factories`. For each kind of fault,
// a flow runs with its 1st storage call failed, then its 2nd, and so on, until a run ends without
// reaching the failing call.
//
// In each run the driver is a correct client: a failed enqueue is sent again with the same event
// id, a failed claim is made again, and a failed ack or release batch is kept and sent again until
// the storage takes it or answers claim_lost. Then, with faults off, the storage is read back: every
// enqueued event is there exactly once under the id the driver was given, `attempts` and the attempt
// history never went back, each row holds exactly the attempts the driver decided (so no delivery
// was completed twice, and no decided success was lost), and no row is both succeeded and pending.
// Last, the run settles (the clock moves past the claim TTL and every retry, and whatever is
// claimable is sent and acked) and every row must end as the driver's decisions say.
//
// Include after contract/outbox_contract_cases.hpp, having defined
//   using fault_injection_factories = boost::mpl::list<...>;
// with factories as in contract/outbox_contract.hpp.

#include "contract/outbox_contract.hpp"

#include <hookbox/retention/retention_sweeper.hpp>
#include <hookbox/storage/failing_storage.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace hookbox::test {

namespace fault_detail {

using namespace contract_detail;
using std::chrono::milliseconds;

inline const char* name_of(fault k) {
    switch (k) {
    case fault::before: return "before";
    case fault::lost_answer: return "lost_answer";
    case fault::busy: return "busy";
    }
    return "?";
}

inline const std::array<fault, 3> all_faults{fault::before, fault::lost_answer, fault::busy};

// No flow makes this many storage calls: a loop over N that gets here is broken.
constexpr std::size_t max_calls = 200;
// Sends of one request, the first included. A plan fails one call, so two always do.
constexpr int max_tries = 3;

constexpr milliseconds claim_ttl{60000};
constexpr milliseconds day{86'400'000};

// The workload: ten events for three webhooks.
constexpr int workload = 10;
inline std::string event_name(int i) { return "evt-" + std::to_string(i); }
inline enqueue_request request_for(int i) {
    return make_request("wh-" + std::to_string(i % 3), event_name(i));
}

// The outcome the driver decides for the i-th delivery of an ack flow.
inline attempt_result outcome_for(int i, timestamp now) {
    switch (i % 3) {
    case 0: return success_result();
    case 1: return retry_result(now + milliseconds(1000));
    default: return dead_result();
    }
}

// What the driver knows of one row, and what it decided for it.
struct row_book {
    // Acks decided: success, retry, dead.
    std::array<std::size_t, 3> decided{};
    // Last observed `attempts` and attempt history length.
    std::optional<int> attempts{};
    std::size_t history = 0;
    // The flow resets the row (redeliver, replay): `attempts` may go back to 0, once.
    bool may_reset = false;
    // How the row ends once settled; `gone` when a purge must have deleted it.
    delivery_status final_status = delivery_status::success;
    bool gone = false;
};

inline std::size_t outcome_index(attempt_outcome o) {
    switch (o) {
    case attempt_outcome::success: return 0;
    case attempt_outcome::retry: return 1;
    case attempt_outcome::dead: return 2;
    }
    return 0;
}

inline std::size_t outcome_index(delivery_status s) {
    return s == delivery_status::success ? 0 : s == delivery_status::pending ? 1 : 2;
}

// One run: a fresh storage behind a failing_storage, the outbox over it, and the driver's books.
template <class Factory>
struct fault_run {
    using inner_type = typename Factory::storage_type;
    using storage_type = failing_storage<inner_type>;
    using outbox_type = basic_outbox<storage_type, manual_clock>;

    Factory factory;
    manual_clock clock;
    std::shared_ptr<fault_injector> faults = std::make_shared<fault_injector>();
    outbox_type outbox;
    fail_plan plan{};
    // The flow's claims may be lost with their answers: rows may be left in flight that nobody holds.
    bool may_leave_claims = false;

    std::map<std::string, delivery_id> ids;  // by event id
    std::map<delivery_id, row_book> book;

    explicit fault_run(outbox_params p = {}) : outbox(p, storage_type(factory.make(), faults), clock) {}

    timestamp now() { return now_ms(clock); }

    void arm(fail_plan p) {
        plan = p;
        faults->set(p);
    }

    // Turns the faults off; returns how many were injected.
    std::size_t disarm() {
        const std::size_t n = faults->injected();
        faults->reset();
        return n;
    }

    // A call failed: it must be the injected fault (one per plan). Returns whether it was applied.
    bool injected(const error_code& ec, const diagnostics& diag) {
        BOOST_TEST_REQUIRE(is_retryable(ec), ec.message() << " / " << diag.message());
        BOOST_TEST_REQUIRE(faults->injected() == 1u, "a failure that was not injected: " << diag.message());
        const errc expected = plan.kind == fault::busy ? errc::storage_busy : errc::storage_failure;
        BOOST_TEST(ec == make_error_code(expected), ec.message());
        return plan.kind == fault::lost_answer;
    }

    void learn(int event, const enqueue_result& r) {
        auto [it, fresh] = ids.emplace(event_name(event), r.id);
        BOOST_TEST(it->second == r.id, "event " << event_name(event) << " has two ids");
        if (fresh)
            book[r.id];
    }

    void decide(const delivery_id& id, attempt_outcome o) {
        row_book& b = book[id];
        ++b.decided[outcome_index(o)];
        b.final_status = o == attempt_outcome::dead ? delivery_status::dead : delivery_status::success;
    }

    // ----- the driver -----

    void enqueue_each(int from, int to) {
        for (int i = from; i < to; ++i) {
            bool applied = false;
            for (int tries = 0;; ++tries) {
                BOOST_TEST_REQUIRE(tries < max_tries);
                error_code ec;
                diagnostics diag;
                enqueue_result r = outbox.enqueue(request_for(i), ec, diag);
                if (ec) {
                    applied = injected(ec, diag);
                    continue;
                }
                // After a lost answer the row is there already, and the retry stores no other.
                BOOST_TEST(r.created == !applied);
                learn(i, r);
                break;
            }
        }
    }

    // Enqueues [from, to) as one batch that names its last event twice.
    void enqueue_batch(int from, int to) {
        std::vector<enqueue_request> reqs;
        for (int i = from; i < to; ++i)
            reqs.push_back(request_for(i));
        reqs.push_back(request_for(to - 1));
        bool applied = false;
        for (int tries = 0;; ++tries) {
            BOOST_TEST_REQUIRE(tries < max_tries);
            error_code ec;
            diagnostics diag;
            auto rs = outbox.enqueue_many(reqs, ec, diag);
            if (ec) {
                applied = injected(ec, diag);
                continue;
            }
            BOOST_TEST_REQUIRE(rs.size() == reqs.size());
            for (int i = from; i < to; ++i) {
                BOOST_TEST(rs[static_cast<std::size_t>(i - from)].created == !applied);
                learn(i, rs[static_cast<std::size_t>(i - from)]);
            }
            BOOST_TEST(!rs.back().created);
            BOOST_TEST(rs.back().id == ids.at(event_name(to - 1)));
            break;
        }
    }

    void enqueue_workload() {
        for (int i = 0; i < workload; ++i)
            learn(i, outbox.enqueue(request_for(i)));
    }

    // Claims `limit` at a time until a claim finds nothing, making a failed claim again. Rows a
    // claim took before its answer was lost are not returned: they wait for the claim TTL.
    std::vector<delivery> claim_all(std::size_t limit = 3) {
        std::vector<delivery> held;
        std::set<delivery_id> seen;
        for (int rounds = 0;; ++rounds) {
            BOOST_TEST_REQUIRE(rounds < 2 * workload);
            error_code ec;
            diagnostics diag;
            auto got = outbox.claim(claim_opts("node-A", limit, claim_ttl), ec, diag);
            if (ec) {
                injected(ec, diag);
                continue;
            }
            if (got.empty())
                return held;
            for (auto& d : got) {
                BOOST_TEST(seen.insert(d.id).second, "row " << d.id << " was claimed twice");
                held.push_back(std::move(d));
            }
        }
    }

    // As claim_all, from every partition at once, at most 3 rows per call.
    std::vector<delivery> claim_all_partitions() {
        std::vector<claim_options> opts;
        const int partitions = outbox.params().partition_count;
        for (int p = 0; p < partitions; ++p)
            opts.push_back(claim_opts("node-A", 2, claim_ttl, partition_ref{p, partitions}));
        std::vector<delivery> held;
        std::set<delivery_id> seen;
        for (int rounds = 0;; ++rounds) {
            BOOST_TEST_REQUIRE(rounds < 2 * workload);
            error_code ec;
            diagnostics diag;
            auto got = outbox.claim_many(opts, 3, ec, diag);
            if (ec) {
                injected(ec, diag);
                continue;
            }
            std::size_t n = 0;
            for (auto& rows : got) {
                for (auto& d : rows) {
                    BOOST_TEST(seen.insert(d.id).second, "row " << d.id << " was claimed twice");
                    held.push_back(std::move(d));
                    ++n;
                }
            }
            BOOST_TEST(n <= 3u);
            if (n == 0)
                return held;
        }
    }

    // Acks one at a time, the outcome of each decided once; a failed ack is sent again.
    void ack_each(const std::vector<delivery>& held) {
        for (std::size_t i = 0; i < held.size(); ++i) {
            const attempt_result r = outcome_for(static_cast<int>(i), now());
            decide(held[i].id, r.outcome);
            bool applied = false;
            for (int tries = 0;; ++tries) {
                BOOST_TEST_REQUIRE(tries < max_tries);
                error_code ec;
                diagnostics diag;
                outbox.ack(held[i], r, ec, diag);
                if (!ec) {
                    BOOST_TEST(!applied, "an ack was applied twice");
                    break;
                }
                if (ec == errc::claim_lost) {
                    // The lost answer's ack stands; the retry completes nothing.
                    BOOST_TEST(applied, "claim_lost, but no ack was applied: " << diag.message());
                    break;
                }
                applied = injected(ec, diag);
            }
        }
    }

    // Sends a batch until the storage takes it; after a lost answer every entry must be claim_lost.
    template <class Send>
    void send_batch(std::size_t size, Send send) {
        bool applied = false;
        for (int tries = 0;; ++tries) {
            BOOST_TEST_REQUIRE(tries < max_tries);
            error_code ec;
            diagnostics diag;
            std::vector<error_code> errors = send(ec, diag);
            if (ec) {
                BOOST_TEST(errors.empty());
                applied = injected(ec, diag);
                continue;
            }
            BOOST_TEST_REQUIRE(errors.size() == size);
            for (const auto& e : errors) {
                if (applied)
                    BOOST_TEST(e == make_error_code(errc::claim_lost), e.message());
                else
                    BOOST_TEST(!e, e.message());
            }
            return;
        }
    }

    // Acks in batches of 4, each outcome decided once.
    void ack_batches(const std::vector<delivery>& held) {
        for (std::size_t from = 0; from < held.size(); from += 4) {
            std::vector<ack_entry> entries;
            for (std::size_t i = from; i < held.size() && i < from + 4; ++i) {
                entries.push_back(ack_entry::for_claimed(held[i], outcome_for(static_cast<int>(i), now())));
                decide(held[i].id, entries.back().result.outcome);
            }
            send_batch(entries.size(),
                       [&](error_code& ec, diagnostics& diag) { return outbox.ack_many(entries, ec, diag); });
        }
    }

    // Gives claims back in batches of 3: to pending later, dead, pending at once, dead.
    void release_batches(const std::vector<delivery>& held) {
        for (std::size_t from = 0, batch = 0; from < held.size(); from += 3, ++batch) {
            std::vector<claim_ref> refs;
            release_request rr;
            rr.status = batch % 2 == 1 ? delivery_status::dead : delivery_status::pending;
            if (batch == 0)
                rr.next_retry_at = now() + milliseconds(60000);
            if (rr.status == delivery_status::dead)
                rr.error = "endpoint disabled";
            // Released to pending, a row is sent again when settling.
            const delivery_status final_status =
                rr.status == delivery_status::dead ? delivery_status::dead : delivery_status::success;
            for (std::size_t i = from; i < held.size() && i < from + 3; ++i) {
                refs.push_back(claim_ref::for_claimed(held[i]));
                book[held[i].id].final_status = final_status;
            }
            send_batch(refs.size(),
                       [&](error_code& ec, diagnostics& diag) { return outbox.release(refs, rr, ec, diag); });
        }
    }

    // Redelivers a finished row; a retry after a lost answer finds it pending already.
    void redeliver(const delivery_id& id) {
        bool applied = false;
        for (int tries = 0;; ++tries) {
            BOOST_TEST_REQUIRE(tries < max_tries);
            error_code ec;
            diagnostics diag;
            delivery d = outbox.redeliver(id, ec, diag);
            if (!ec) {
                BOOST_TEST(!applied, "a redeliver was applied twice");
                BOOST_TEST(d.id == id);
                BOOST_TEST(d.status == delivery_status::pending);
                break;
            }
            if (ec == errc::not_eligible) {
                BOOST_TEST(applied, "not_eligible, but no redeliver was applied: " << diag.message());
                break;
            }
            applied = injected(ec, diag);
        }
        book[id].final_status = delivery_status::success;
    }

    // Replays until a run of the operation ends without an error (the steps before an error stay).
    void replay(delivery_status s) {
        delivery_filter f;
        f.status = s;
        for (int tries = 0;; ++tries) {
            BOOST_TEST_REQUIRE(tries < max_tries);
            error_code ec;
            diagnostics diag;
            outbox.replay(f, ec, diag);
            if (!ec)
                break;
            injected(ec, diag);
        }
    }

    // A finished row, acked `age` before now (the clock is put back to now).
    void finished_row(int event, attempt_outcome o, milliseconds age) {
        const timestamp at = now();
        clock.set(at - age);
        enqueue_result r = outbox.enqueue(request_for(event));
        learn(event, r);
        auto c = outbox.claim(claim_opts("node-A", 1, claim_ttl));
        BOOST_TEST_REQUIRE(c.size() == 1u);
        BOOST_TEST_REQUIRE(c[0].id == r.id);
        attempt_result a = o == attempt_outcome::success ? success_result() : dead_result();
        decide(r.id, a.outcome);
        outbox.ack(c[0], a);
        clock.set(at);
    }

    // ----- reading back, faults off -----

    void observe(const char* when) {
        BOOST_TEST_CONTEXT(when) {
            BOOST_TEST_REQUIRE(faults->plan().n == 0u);
            list_options lo;
            lo.limit = 1000;
            auto page = outbox.list(lo);
            std::map<std::string, int> seen;
            for (const auto& d : page.items) {
                BOOST_TEST_CONTEXT("row " << d.id << " (" << d.event_id << ")") {
                    ++seen[d.event_id];
                    auto known = ids.find(d.event_id);
                    BOOST_TEST_REQUIRE((known != ids.end()), "a row the driver never enqueued");
                    BOOST_TEST(known->second == d.id);
                    row_book& b = book[d.id];
                    BOOST_TEST(!b.gone, "a row that was purged");
                    // `attempts` never goes back, but to 0 at the one reset a flow makes.
                    if (b.attempts && d.attempts < *b.attempts) {
                        BOOST_TEST(b.may_reset,
                                   "attempts went back from " << *b.attempts << " to " << d.attempts);
                        BOOST_TEST(d.attempts == 0);
                        b.may_reset = false;
                    }
                    b.attempts = d.attempts;

                    auto h = outbox.attempts(d.id);
                    BOOST_TEST(h.size() >= b.history, "attempt records went missing");
                    b.history = h.size();
                    std::array<std::size_t, 3> recorded{};
                    for (std::size_t i = 0; i < h.size(); ++i) {
                        BOOST_TEST(h[i].number == static_cast<int>(i + 1));
                        ++recorded[outcome_index(h[i].outcome)];
                    }
                    // Every decided ack applied once: no success lost, none recorded twice.
                    BOOST_TEST(recorded[0] == b.decided[0], "success records");
                    BOOST_TEST(recorded[1] == b.decided[1], "retry records");
                    BOOST_TEST(recorded[2] == b.decided[2], "dead records");
                    // Succeeded (since the last reset) exactly when the row says success.
                    const bool succeeded =
                        d.attempts > 0 && !h.empty() && h.back().outcome == delivery_status::success;
                    BOOST_TEST((d.status == delivery_status::success) == succeeded, "status " << d.status);
                }
            }
            for (const auto& [event, id] : ids)
                BOOST_TEST(seen[event] == (book[id].gone ? 0 : 1),
                           event << " is stored " << seen[event] << " times");
        }
    }

    // Moves past every claim TTL and retry, and acks whatever is claimable as a success, until
    // nothing is left to send.
    void settle() {
        for (int round = 0;; ++round) {
            BOOST_TEST_REQUIRE(round < 3);
            clock.advance(milliseconds(3'600'000) + claim_ttl);
            auto c = outbox.claim(claim_opts("node-S", 1000, claim_ttl));
            if (c.empty())
                break;
            std::vector<ack_entry> entries;
            for (const auto& d : c) {
                entries.push_back(ack_entry::for_claimed(d, success_result()));
                // Only rows the driver left to be sent again come back; their success is decided here.
                row_book& b = book[d.id];
                BOOST_TEST(b.final_status == delivery_status::success, "row " << d.id << " came back");
                ++b.decided[0];
            }
            for (const auto& e : outbox.ack_many(std::move(entries)))
                BOOST_TEST(!e, e.message());
        }
    }

    void check_settled() {
        for (const auto& [id, b] : book) {
            if (b.gone)
                continue;
            BOOST_TEST_CONTEXT("row " << id) {
                std::optional<delivery> d = outbox.get(id);
                BOOST_TEST_REQUIRE(d.has_value());
                BOOST_TEST(d->status == b.final_status);
            }
        }
    }
};

// Runs `flow` after `setup` on a fresh storage, for each kind of fault, failing its 1st storage
// call, then its 2nd, ... until a run reaches no fault. Returns the calls of the flow without faults.
//[fault_injection_loop
template <class Factory, class Setup, class Flow>
std::size_t for_every_fault(Setup setup, Flow flow, outbox_params params = {}) {
    std::size_t calls = 0;
    for (fault kind : all_faults) {
        std::size_t n = 1;
        for (;; ++n) {
            BOOST_TEST_REQUIRE(n <= max_calls);
            std::size_t injected = 0;
            BOOST_TEST_CONTEXT(Factory::name << ", fault::" << name_of(kind) << " at call " << n) {
                fault_run<Factory> run(params);
                setup(run);
                run.observe("after the setup");
                run.arm(fail_plan{n, kind, false});
                flow(run);
                calls = run.faults->calls();
                injected = run.disarm();
                BOOST_TEST(injected <= 1u);
                // Every event of the workload was enqueued, once the setup and the flow are done.
                BOOST_TEST(run.ids.size() == static_cast<std::size_t>(workload));
                run.observe("after the flow");
                // The driver holds no claim once its flow is done: a row in flight is one whose claim
                // was lost with its answer.
                if (!run.may_leave_claims)
                    BOOST_TEST(run.outbox.stats().count(delivery_status::in_flight) == 0u);
                run.settle();
                run.observe("once settled");
                BOOST_TEST(run.outbox.stats().count(delivery_status::in_flight) == 0u);
                run.check_settled();
            }
            if (injected == 0)
                break;
        }
        // The first call of every flow was failed, so the loop went past it.
        BOOST_TEST(n > 1u);
    }
    return calls;
}
//]

template <class Factory>
struct injector_fixture {
    using storage_type = failing_storage<typename Factory::storage_type>;
    using outbox_type = basic_outbox<storage_type, manual_clock>;

    Factory factory;
    manual_clock clock;
    std::shared_ptr<fault_injector> faults = std::make_shared<fault_injector>();
    outbox_type outbox{outbox_params{}, storage_type(factory.make(), faults), clock};

    std::size_t stored() {
        faults->reset();
        return outbox.stats().total();
    }
};

}  // namespace fault_detail

BOOST_AUTO_TEST_SUITE(fault_injection)

using namespace fault_detail;

// ---------------------------------------------------------------------------------------------
// failing_storage
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(each_fault_fails_its_call_as_documented, Factory, fault_injection_factories,
                                 injector_fixture<Factory>) {
    using inner = typename Factory::storage_type;
    static_assert(outbox_storage<failing_storage<inner>>);
    // The optional members are there exactly when the inner storage has them.
    static_assert(detail::storage_inserts_requests<failing_storage<inner>> ==
                  detail::storage_inserts_requests<inner>);
    static_assert(detail::storage_claims_into<failing_storage<inner>> == detail::storage_claims_into<inner>);
    static_assert(detail::storage_claims_many<failing_storage<inner>> == detail::storage_claims_many<inner>);
    static_assert(detail::storage_lists_by_event_and_time<failing_storage<inner>> ==
                  detail::storage_lists_by_event_and_time<inner>);

    struct expectation {
        fault kind;
        errc code;
        const char* words;
        std::size_t stored;
    };
    const expectation cases[] = {
        {fault::before, errc::storage_failure, "): failed before anything was applied", 0},
        {fault::lost_answer, errc::storage_failure, "): applied, then its answer was lost", 1},
        {fault::busy, errc::storage_busy, "): storage busy, nothing was applied", 0},
    };
    int event = 0;
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("fault::" << name_of(c.kind)) {
            const std::size_t before = this->stored();
            this->faults->set(fail_plan{2, c.kind, false});
            error_code ec;
            diagnostics diag;
            BOOST_TEST(this->outbox.stats(ec, diag).total() == before);  // call 1
            BOOST_TEST(!ec);
            enqueue_result r =
                this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(event++)), ec, diag);
            BOOST_TEST(ec == make_error_code(c.code), ec.message());
            BOOST_TEST(is_retryable(ec));
            BOOST_TEST(diag.field() == "");
            BOOST_TEST(diag.message() == std::string("Injected fault at storage call 2 (insert") + c.words);
            BOOST_TEST(!r.created);
            BOOST_TEST(r.id == delivery_id{});
            BOOST_TEST(this->faults->calls() == 2u);
            BOOST_TEST(this->faults->injected() == 1u);
            BOOST_TEST(this->stored() == before + c.stored);
        }
    }

    // A batch fails whole: `ec` set and no per-entry errors, also when the inner storage applied it.
    this->faults->reset();
    auto claimed = this->outbox.claim(claim_opts("node-A"));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    std::vector<ack_entry> entries{ack_entry::for_claimed(claimed[0], success_result())};
    this->faults->set(fail_plan{1, fault::lost_answer, false});
    error_code ec;
    diagnostics diag;
    auto errors = this->outbox.ack_many(entries, ec, diag);
    BOOST_TEST(ec == make_error_code(errc::storage_failure));
    BOOST_TEST(errors.empty());
    BOOST_TEST(diag.message() ==
               "Injected fault at storage call 1 (complete_many): applied, then its answer was lost");
    this->faults->reset();
    BOOST_TEST(this->outbox.get(claimed[0].id)->status == delivery_status::success);
    errors = this->outbox.ack_many(entries, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0] == make_error_code(errc::claim_lost));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_plan_fails_its_call_only_and_counts_every_call, Factory,
                                 fault_injection_factories, injector_fixture<Factory>) {
    // Nothing fails without a plan; calls are counted all the same.
    for (int i = 0; i < 3; ++i)
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)));
    BOOST_TEST(this->faults->calls() == 3u);
    BOOST_TEST(this->faults->injected() == 0u);

    this->faults->set(fail_plan{3, fault::before, false});
    BOOST_TEST(this->faults->calls() == 0u);
    BOOST_TEST(this->faults->plan().n == 3u);
    BOOST_TEST((this->faults->plan().kind == fault::before));
    std::vector<bool> failed;
    for (int i = 0; i < 5; ++i) {
        error_code ec;
        diagnostics diag;
        (void)this->outbox.list(list_options{}, ec, diag);
        failed.push_back(static_cast<bool>(ec));
    }
    BOOST_TEST((failed == std::vector<bool>{false, false, true, false, false}));
    BOOST_TEST(this->faults->calls() == 5u);
    BOOST_TEST(this->faults->injected() == 1u);
    BOOST_TEST(!this->faults->down());

    // recover() ends a plan before its call comes.
    this->faults->set(fail_plan{2, fault::busy, false});
    this->faults->recover();
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(this->outbox.stats().total() == 3u);
    BOOST_TEST(this->faults->injected() == 0u);
    BOOST_TEST(this->faults->calls() == 3u);

    this->faults->reset();
    BOOST_TEST(this->faults->calls() == 0u);
    BOOST_TEST(this->faults->plan().n == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_storage_down_for_a_while_fails_every_call_until_it_recovers, Factory,
                                 fault_injection_factories, injector_fixture<Factory>) {
    this->faults->set(fail_plan{2, fault::busy, true});
    auto call = [&] {
        error_code ec;
        diagnostics diag;
        (void)this->outbox.stats(ec, diag);
        return ec;
    };
    BOOST_TEST(!call());
    BOOST_TEST(!this->faults->down());
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(call() == make_error_code(errc::storage_busy));
        BOOST_TEST(this->faults->down());
    }
    this->faults->recover();
    BOOST_TEST(!this->faults->down());
    BOOST_TEST(!call());
    BOOST_TEST(!call());
    BOOST_TEST(this->faults->calls() == 6u);
    BOOST_TEST(this->faults->injected() == 3u);

    // Down with lost answers: every call is applied, and every answer lost.
    this->faults->set(fail_plan{1, fault::lost_answer, true});
    for (int i = 0; i < 3; ++i) {
        error_code ec;
        diagnostics diag;
        this->outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(i)), ec, diag);
        BOOST_TEST(ec == make_error_code(errc::storage_failure));
    }
    this->faults->recover();
    BOOST_TEST(this->outbox.stats().total() == 3u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_injector_is_shared_with_its_handles_and_follows_moves, Factory,
                                 fault_injection_factories, injector_fixture<Factory>) {
    // The outbox holds its own (moved) storage; the handle kept outside controls it.
    BOOST_TEST(&this->outbox.storage().injector() == this->faults.get());
    BOOST_TEST((this->outbox.storage().shared_injector() == this->faults));
    typename injector_fixture<Factory>::outbox_type moved(std::move(this->outbox));
    this->faults->set(fail_plan{1, fault::before, false});
    error_code ec;
    diagnostics diag;
    (void)moved.stats(ec, diag);
    BOOST_TEST(ec == make_error_code(errc::storage_failure));
    BOOST_TEST(this->faults->injected() == 1u);

    // A storage made without an injector has one of its own.
    failing_storage<typename Factory::storage_type> own(this->factory.make());
    BOOST_TEST((own.shared_injector() != nullptr));
    BOOST_TEST((own.shared_injector() != this->faults));
    // Calls on the inner storage itself are neither counted nor failed.
    own.injector().set(fail_plan{1, fault::before, false});
    (void)own.inner().stats(now_ms(this->clock), ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(own.injector().calls() == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_null_injector_is_refused, Factory, fault_injection_factories,
                                 injector_fixture<Factory>) {
    BOOST_CHECK_EXCEPTION(failing_storage<typename Factory::storage_type>(this->factory.make(), nullptr),
                          error_with_diagnostics, [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::invalid_argument) &&
                                     e.get_diagnostics().field() == "injector" &&
                                     e.get_diagnostics().message() == "injector: must not be null";
                          });
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(concurrent_calls_are_numbered_once_each, Factory, fault_injection_factories,
                                 injector_fixture<Factory>) {
    this->faults->set(fail_plan{50, fault::before, false});
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                error_code ec;
                diagnostics diag;
                (void)this->outbox.stats(ec, diag);
                if (ec)
                    failed.fetch_add(1);
            }
        });
    }
    for (auto& t : threads)
        t.join();
    BOOST_TEST(failed.load() == 1);
    BOOST_TEST(this->faults->calls() == 100u);
    BOOST_TEST(this->faults->injected() == 1u);
}

// ---------------------------------------------------------------------------------------------
// The outbox's flows through every failure point
// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE_TEMPLATE(enqueue_survives_every_fault, Factory, fault_injection_factories) {
    const std::size_t calls =
        for_every_fault<Factory>([](auto&) {}, [](auto& run) { run.enqueue_each(0, workload); });
    BOOST_TEST(calls == static_cast<std::size_t>(workload));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(enqueue_many_survives_every_fault, Factory, fault_injection_factories) {
    const std::size_t calls = for_every_fault<Factory>([](auto&) {}, [](auto& run) {
        run.enqueue_batch(0, 4);
        run.enqueue_batch(4, 8);
        run.enqueue_batch(8, workload);
    });
    BOOST_TEST(calls == 3u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(claim_survives_every_fault, Factory, fault_injection_factories) {
    for_every_fault<Factory>([](auto& run) { run.enqueue_workload(); },
                             [](auto& run) {
                                 run.may_leave_claims = true;
                                 auto held = run.claim_all();
                                 // Acked without faults: the flow is the claims.
                                 run.faults->recover();
                                 run.ack_batches(held);
                             });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(claim_many_survives_every_fault, Factory, fault_injection_factories) {
    for_every_fault<Factory>([](auto& run) { run.enqueue_workload(); },
                             [](auto& run) {
                                 run.may_leave_claims = true;
                                 auto held = run.claim_all_partitions();
                                 run.faults->recover();
                                 run.ack_batches(held);
                             });
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ack_survives_every_fault, Factory, fault_injection_factories) {
    std::vector<delivery> held;
    const std::size_t calls = for_every_fault<Factory>(
        [&](auto& run) {
            run.enqueue_workload();
            held = run.outbox.claim(claim_opts("node-A", 100, claim_ttl));
            BOOST_TEST_REQUIRE(held.size() == static_cast<std::size_t>(workload));
        },
        [&](auto& run) { run.ack_each(held); });
    BOOST_TEST(calls == static_cast<std::size_t>(workload));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(ack_many_survives_every_fault, Factory, fault_injection_factories) {
    std::vector<delivery> held;
    const std::size_t calls = for_every_fault<Factory>(
        [&](auto& run) {
            run.enqueue_workload();
            held = run.outbox.claim(claim_opts("node-A", 100, claim_ttl));
            BOOST_TEST_REQUIRE(held.size() == static_cast<std::size_t>(workload));
        },
        [&](auto& run) { run.ack_batches(held); });
    BOOST_TEST(calls == 3u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(release_survives_every_fault, Factory, fault_injection_factories) {
    std::vector<delivery> held;
    const std::size_t calls = for_every_fault<Factory>(
        [&](auto& run) {
            run.enqueue_workload();
            held = run.outbox.claim(claim_opts("node-A", 100, claim_ttl));
            BOOST_TEST_REQUIRE(held.size() == static_cast<std::size_t>(workload));
        },
        [&](auto& run) { run.release_batches(held); });
    BOOST_TEST(calls == 4u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(redeliver_and_replay_survive_every_fault, Factory, fault_injection_factories) {
    outbox_params params;
    params.replay_batch = 2;  // several steps per replay
    std::optional<delivery_id> first_dead;
    for_every_fault<Factory>(
        [&](auto& run) {
            run.enqueue_workload();
            auto held = run.outbox.claim(claim_opts("node-A", 100, claim_ttl));
            BOOST_TEST_REQUIRE(held.size() == static_cast<std::size_t>(workload));
            std::vector<ack_entry> entries;
            for (std::size_t i = 0; i < held.size(); ++i) {
                entries.push_back(ack_entry::for_claimed(held[i], i % 2 ? dead_result() : success_result()));
                run.decide(held[i].id, entries.back().result.outcome);
                run.book[held[i].id].may_reset = true;
            }
            for (const auto& e : run.outbox.ack_many(std::move(entries)))
                BOOST_TEST_REQUIRE(!e);
            first_dead = held[1].id;
        },
        [&](auto& run) {
            run.redeliver(*first_dead);
            run.replay(delivery_status::dead);
            run.replay(delivery_status::success);
            // Read without faults: every row is back to pending, its history kept.
            run.faults->recover();
            auto st = run.outbox.stats();
            BOOST_TEST(st.count(delivery_status::pending) == static_cast<std::size_t>(workload));
            for (auto& [id, b] : run.book)
                b.final_status = delivery_status::success;
        },
        params);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(retention_sweep_survives_every_fault, Factory, fault_injection_factories) {
    const std::size_t calls = for_every_fault<Factory>(
        [](auto& run) {
            // To be swept: 4 success rows older than 7 days (events 0-3), 3 dead rows older than 30
            // (5-7). To be kept: a younger success row, a younger dead row, a pending row.
            int e = 0;
            for (int i = 0; i < 4; ++i)
                run.finished_row(e++, attempt_outcome::success, 8 * day);
            run.finished_row(e++, attempt_outcome::success, 1 * day);
            for (int i = 0; i < 3; ++i)
                run.finished_row(e++, attempt_outcome::dead, 31 * day);
            run.finished_row(e++, attempt_outcome::dead, 29 * day);
            run.learn(e, run.outbox.enqueue(request_for(e)));
        },
        [](auto& run) {
            for (int e : {0, 1, 2, 3, 5, 6, 7})
                run.book[run.ids.at(event_name(e))].gone = true;
            boost::asio::io_context io;
            boost::asio::io_context storage;  // never run: only sweep() is called, on this thread
            retention_params p;
            p.batch_size = 2;
            retention_sweeper<typename std::decay_t<decltype(run)>::outbox_type> sweeper(
                io.get_executor(), storage.get_executor(), run.outbox, p);
            for (int tries = 0;; ++tries) {
                BOOST_TEST_REQUIRE(tries < max_tries);
                sweep_result r = sweeper.sweep(run.now());
                if (r.ok())
                    break;
                diagnostics diag;
                run.injected(r.success_error ? r.success_error : r.dead_error, diag);
            }
        });
    // success: 2 + 2 + 0 rows, dead: 2 + 1.
    BOOST_TEST(calls == 5u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_FAULT_INJECTION_CASES_HPP
