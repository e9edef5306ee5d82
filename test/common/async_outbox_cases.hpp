//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_ASYNC_OUTBOX_CASES_HPP
#define HOOKBOX_TEST_COMMON_ASYNC_OUTBOX_CASES_HPP

// The cases of basic_async_outbox, written once over storage factories and run over memory_storage
// (unit/async_outbox.cpp) and over SQLite files (integration/async_outbox_sqlite.cpp).
//
// The includer defines, before including this header:
//   HOOKBOX_ASYNC_OUTBOX_SUITE              the Boost.Test suite's name
//   hookbox::test::async_outbox_factories   a boost::mpl::list of factories, each with
//       using storage_type = ...;  static constexpr const char* name;  storage_type make();
//
// The outbox's storage is wrapped in probe_storage, which forwards every call and lets a test see
// the thread each storage call runs on, or make the next one throw. Nothing here sleeps: a storage
// call is held back, where a test needs that, by a task that waits on a promise on the storage
// pool's only thread, and operations are run to their end by io_context::run(), which returns once
// no work is left.

#include "common/test_common.hpp"

#include <hookbox/async_outbox.hpp>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/mpl/list.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#ifndef HOOKBOX_ASYNC_OUTBOX_SUITE
#error "Define HOOKBOX_ASYNC_OUTBOX_SUITE, the name of the suite, before including async_outbox_cases.hpp"
#endif

namespace hookbox::test {

namespace async_cases {

namespace asio = boost::asio;

// What probe_storage shares with the test.
struct probe_state {
    // Storage calls made so far.
    std::atomic<int> calls{0};
    // Makes the next storage call throw std::bad_alloc before it reaches the storage.
    std::atomic<bool> throw_next{false};
    // Runs at the start of each storage call, on the thread that makes it. Set before the
    // operations start (posting them orders the write before the storage thread's reads).
    std::function<void()> on_call;
};

// A storage that forwards every call to `Inner` (and the optional ones `Inner` has), telling
// `probe_state` first.
template <class Inner>
class probe_storage {
public:
    probe_storage(Inner inner, std::shared_ptr<probe_state> state)
        : inner_(std::move(inner)), state_(std::move(state)) {}

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.insert(std::move(d), ec, diag);
    }
    template <class S = Inner>
        requires detail::storage_inserts_requests<S>
    enqueue_result insert(enqueue_request&& req, const new_delivery& nd, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.insert(std::move(req), nd, ec, diag);
    }
    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.insert_many(std::move(ds), ec, diag);
    }
    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.claim(q, ec, diag);
    }
    template <class S = Inner>
        requires detail::storage_claims_into<S>
    void claim(const claim_query& q, std::vector<delivery>& out, error_code& ec, diagnostics& diag) {
        enter();
        inner_.claim(q, out, ec, diag);
    }
    template <class S = Inner>
        requires detail::storage_claims_many<S>
    std::vector<std::vector<delivery>> claim_many(std::span<const claim_query> qs, std::size_t n, error_code& ec,
                                                  diagnostics& diag) {
        enter();
        return inner_.claim_many(qs, n, ec, diag);
    }
    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        enter();
        inner_.complete(ref, std::move(c), ec, diag);
    }
    std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs, error_code& ec,
                                          diagnostics& diag) {
        enter();
        return inner_.complete_many(refs, std::move(cs), ec, diag);
    }
    std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics& diag) {
        enter();
        return inner_.release(refs, rr, ec, diag);
    }
    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.get(id, ec, diag);
    }
    list_page list(const list_options& lo, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.list(lo, ec, diag);
    }
    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.redeliver(id, now, ec, diag);
    }
    outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.stats(now, ec, diag);
    }
    std::size_t replay(const delivery_filter& f, std::size_t n, timestamp now, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.replay(f, n, now, ec, diag);
    }
    std::size_t purge(const delivery_filter& f, std::size_t n, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.purge(f, n, ec, diag);
    }
    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.attempts(id, ec, diag);
    }
    std::vector<webhook_failures> failures(std::size_t n, error_code& ec, diagnostics& diag) {
        enter();
        return inner_.failures(n, ec, diag);
    }

private:
    void enter() {
        state_->calls.fetch_add(1);
        if (state_->on_call)
            state_->on_call();
        if (state_->throw_next.exchange(false))
            throw std::bad_alloc();
    }

    Inner inner_;
    std::shared_ptr<probe_state> state_;
};

// Counts what an operation allocates through its handler's allocator.
struct allocation_counts {
    std::atomic<std::size_t> allocations{0};
    std::atomic<std::size_t> deallocations{0};
};

template <class T>
class counting_allocator {
public:
    using value_type = T;

    explicit counting_allocator(allocation_counts* counts) noexcept : counts_(counts) {}
    template <class U>
    counting_allocator(const counting_allocator<U>& other) noexcept : counts_(other.counts()) {}

    T* allocate(std::size_t n) {
        counts_->allocations.fetch_add(1);
        return std::allocator<T>().allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        counts_->deallocations.fetch_add(1);
        std::allocator<T>().deallocate(p, n);
    }

    allocation_counts* counts() const noexcept { return counts_; }

    friend bool operator==(const counting_allocator& a, const counting_allocator& b) noexcept {
        return a.counts_ == b.counts_;
    }

private:
    allocation_counts* counts_;
};

// Holds the storage pool's only thread until open() is called, so that a test can act while an
// operation waits for its storage call.
class pool_gate {
public:
    explicit pool_gate(asio::thread_pool& pool) {
        asio::post(pool, [f = open_.get_future()]() mutable { f.wait(); });
    }
    pool_gate(const pool_gate&) = delete;
    pool_gate& operator=(const pool_gate&) = delete;
    ~pool_gate() { open(); }

    void open() {
        if (!opened_) {
            opened_ = true;
            open_.set_value();
        }
    }

private:
    std::promise<void> open_;
    bool opened_ = false;
};

template <class Factory>
struct async_fixture {
    using storage_type = probe_storage<typename Factory::storage_type>;
    using outbox_type = basic_outbox<storage_type, manual_clock>;
    using async_type = async_outbox<outbox_type>;

    Factory factory;
    manual_clock clock;
    std::shared_ptr<probe_state> probe = std::make_shared<probe_state>();
    outbox_type outbox{outbox_params{}, storage_type(factory.make(), probe), clock};
    asio::io_context ioc;
    // Declared after what its calls use, so that it is joined before they go.
    asio::thread_pool pool{1};
    async_type async_ob{ioc.get_executor(), outbox, pool.get_executor()};

    // Runs the io_context until it has no work left: operations in flight count as work.
    void run() {
        ioc.restart();
        ioc.run();
    }

    // Every row as (id, status, attempts, claim token, updated_at), to check that a call changed
    // nothing.
    std::vector<std::tuple<std::string, delivery_status, int, std::uint64_t, timestamp>> snapshot() {
        list_options lo;
        lo.limit = 10000;
        std::vector<std::tuple<std::string, delivery_status, int, std::uint64_t, timestamp>> rows;
        for (const auto& d : outbox.list(lo).items)
            rows.emplace_back(d.id.to_string(), d.status, d.attempts, d.claim_token, d.updated_at);
        return rows;
    }
};

// Launches an operation started with `deferred`, runs the io_context until nothing is left, and
// returns what the operation completed with.
template <class... R, class Deferred>
std::tuple<error_code, R...> finish(asio::io_context& ioc, Deferred op) {
    std::optional<std::tuple<error_code, R...>> out;
    int invoked = 0;
    std::move(op)([&](error_code ec, R... r) {
        ++invoked;
        out.emplace(ec, std::move(r)...);
    });
    ioc.restart();
    ioc.run();
    BOOST_TEST_REQUIRE(invoked == 1);
    return std::move(*out);
}

inline claim_options claim_opts(std::size_t limit) {
    claim_options o;
    o.node_id = "node-A";
    o.limit = limit;
    return o;
}

inline attempt_result outcome(attempt_outcome o, std::string error = {}) {
    attempt_result r;
    r.outcome = o;
    r.http_status = o == attempt_outcome::success ? 200 : 503;
    r.error = std::move(error);
    return r;
}

inline std::vector<std::string> ids_of(const std::vector<delivery>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds)
        out.push_back(d.id.to_string());
    return out;
}

// The fields that tell two reads of a row apart.
inline void check_same_row(const delivery& a, const delivery& b) {
    BOOST_TEST(a.id == b.id);
    BOOST_TEST(a.webhook_id == b.webhook_id);
    BOOST_TEST(a.event_id == b.event_id);
    BOOST_TEST(a.url == b.url);
    BOOST_TEST(a.status == b.status);
    BOOST_TEST(a.attempts == b.attempts);
    BOOST_TEST(a.claim_token == b.claim_token);
    BOOST_TEST(a.claimed_by == b.claimed_by);
    BOOST_TEST(a.error == b.error);
    BOOST_TEST(a.response_code == b.response_code);
    BOOST_TEST(a.sequence == b.sequence);
    BOOST_TEST(a.updated_at == b.updated_at);
    BOOST_TEST(a.secret == b.secret);
}

}  // namespace async_cases

BOOST_AUTO_TEST_SUITE(HOOKBOX_ASYNC_OUTBOX_SUITE)

using namespace async_cases;

// ---------------------------------------------------------------------------------------------
// What the calls do
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(each_call_does_what_the_blocking_call_does, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto& ob = this->outbox;
    auto& a = this->async_ob;
    auto& ioc = this->ioc;
    using asio::deferred;
    diagnostics diag;

    // enqueue: a new row; the same pair again gives the first row's id, from both forms.
    auto [e1, first] = finish<enqueue_result>(ioc, a.async_enqueue(make_request("wh-1", "evt-1"), diag, deferred));
    BOOST_TEST(!e1);
    BOOST_TEST(first.created);
    BOOST_TEST(diag.message().empty());
    auto again = ob.enqueue(make_request("wh-1", "evt-1"));
    BOOST_TEST(again.id == first.id);
    BOOST_TEST(!again.created);
    auto [e2, dup] = finish<enqueue_result>(ioc, a.async_enqueue(make_request("wh-1", "evt-1"), deferred));
    BOOST_TEST(!e2);
    BOOST_TEST(dup.id == first.id);
    BOOST_TEST(!dup.created);
    BOOST_TEST_REQUIRE(ob.get(first.id).has_value());
    BOOST_TEST(ob.get(first.id)->event_id == "evt-1");

    // enqueue_many: results in request order, dedup against the stored row.
    std::vector<enqueue_request> batch{make_request("wh-1", "evt-1"), make_request("wh-2", "evt-2"),
                                       make_request("wh-3", "evt-3")};
    auto [e3, many] = finish<std::vector<enqueue_result>>(ioc, a.async_enqueue_many(batch, diag, deferred));
    BOOST_TEST(!e3);
    BOOST_TEST_REQUIRE(many.size() == 3u);
    BOOST_TEST(many[0].id == first.id);
    BOOST_TEST(!many[0].created);
    BOOST_TEST(many[1].created);
    BOOST_TEST(many[2].created);
    auto many_again = ob.enqueue_many(batch);
    BOOST_TEST_REQUIRE(many_again.size() == 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(many_again[i].id == many[i].id);
        BOOST_TEST(!many_again[i].created);
    }

    // claim: the two oldest rows, in flight, as get() reads them afterwards (secret aside).
    auto [e4, claimed] = finish<std::vector<delivery>>(ioc, a.async_claim(claim_opts(2), diag, deferred));
    BOOST_TEST(!e4);
    BOOST_TEST_REQUIRE(claimed.size() == 2u);
    BOOST_TEST(claimed[0].id == first.id);
    BOOST_TEST(claimed[1].id == many[1].id);
    for (const auto& d : claimed) {
        BOOST_TEST(d.status == delivery_status::in_flight);
        BOOST_TEST(d.claimed_by == std::optional<std::string>("node-A"));
        BOOST_TEST(d.claim_token != 0u);
        auto row = ob.get(d.id);
        BOOST_TEST_REQUIRE(row.has_value());
        delivery without_secret = d;
        without_secret.secret.clear();
        check_same_row(*row, without_secret);
    }

    // claim_many: one entry per options, within max_total.
    auto [e5, per] = finish<std::vector<std::vector<delivery>>>(
        ioc, a.async_claim_many({claim_opts(5), claim_opts(5)}, 5, diag, deferred));
    BOOST_TEST(!e5);
    BOOST_TEST_REQUIRE(per.size() == 2u);
    BOOST_TEST_REQUIRE(per[0].size() == 1u);
    BOOST_TEST(per[0][0].id == many[2].id);
    BOOST_TEST(per[1].empty());

    // ack: success; a second ack with the same token fails as the blocking one does.
    auto [e6] = finish<>(ioc, a.async_ack(claimed[0].id, claimed[0].claim_token,
                                          outcome(attempt_outcome::success), diag, deferred));
    BOOST_TEST(!e6);
    BOOST_TEST(ob.get(first.id)->status == delivery_status::success);
    BOOST_TEST(ob.get(first.id)->attempts == 1);
    error_code blocking_ec;
    diagnostics blocking_diag;
    ob.ack(claimed[0].id, claimed[0].claim_token, outcome(attempt_outcome::success), blocking_ec, blocking_diag);
    BOOST_TEST(blocking_ec == make_error_code(errc::claim_lost));
    auto [e7] = finish<>(ioc, a.async_ack(claimed[0].id, claimed[0].claim_token,
                                          outcome(attempt_outcome::success), diag, deferred));
    BOOST_TEST(e7 == blocking_ec);
    BOOST_TEST(diag.field() == blocking_diag.field());
    BOOST_TEST(diag.message() == blocking_diag.message());

    // ack_many: each entry's own error.
    std::vector<ack_entry> entries{ack_entry::for_claimed(claimed[1], outcome(attempt_outcome::dead, "gone")),
                                   ack_entry::for_claimed(claimed[0], outcome(attempt_outcome::success))};
    auto [e8, acked] = finish<std::vector<error_code>>(ioc, a.async_ack_many(entries, diag, deferred));
    BOOST_TEST(!e8);
    BOOST_TEST_REQUIRE(acked.size() == 2u);
    BOOST_TEST(!acked[0]);
    BOOST_TEST(acked[1] == make_error_code(errc::claim_lost));
    BOOST_TEST(ob.get(claimed[1].id)->status == delivery_status::dead);

    // release: the claim of claim_many goes back to pending, without an attempt.
    auto [e9, released] = finish<std::vector<error_code>>(
        ioc, a.async_release({claim_ref::for_claimed(per[0][0])}, release_request{}, diag, deferred));
    BOOST_TEST(!e9);
    BOOST_TEST_REQUIRE(released.size() == 1u);
    BOOST_TEST(!released[0]);
    BOOST_TEST(ob.get(per[0][0].id)->status == delivery_status::pending);
    BOOST_TEST(ob.get(per[0][0].id)->attempts == 0);

    // The reads equal the blocking reads.
    auto [e10, got] = finish<std::optional<delivery>>(ioc, a.async_get(claimed[1].id, diag, deferred));
    BOOST_TEST(!e10);
    BOOST_TEST_REQUIRE(got.has_value());
    check_same_row(*got, *ob.get(claimed[1].id));
    auto [e11, missing] = finish<std::optional<delivery>>(ioc, a.async_get(delivery_id::generate(), deferred));
    BOOST_TEST(!e11);
    BOOST_TEST(!missing.has_value());

    list_options page;
    page.limit = 2;
    auto [e12, listed] = finish<list_page>(ioc, a.async_list(page, diag, deferred));
    BOOST_TEST(!e12);
    auto blocking_page = ob.list(page);
    BOOST_TEST(ids_of(listed.items) == ids_of(blocking_page.items), boost::test_tools::per_element());
    BOOST_TEST(listed.next_cursor == blocking_page.next_cursor);

    auto [e13, st] = finish<outbox_stats>(ioc, a.async_stats(diag, deferred));
    BOOST_TEST(!e13);
    auto blocking_stats = ob.stats();
    BOOST_TEST(st.by_status == blocking_stats.by_status, boost::test_tools::per_element());
    BOOST_TEST(st.oldest_pending_age == blocking_stats.oldest_pending_age);
    BOOST_TEST(st.count(delivery_status::success) == 1u);
    BOOST_TEST(st.count(delivery_status::dead) == 1u);
    BOOST_TEST(st.count(delivery_status::pending) == 1u);

    auto [e14, history] = finish<std::vector<attempt_record>>(ioc, a.async_attempts(first.id, diag, deferred));
    BOOST_TEST(!e14);
    auto blocking_history = ob.attempts(first.id);
    BOOST_TEST_REQUIRE(history.size() == 1u);
    BOOST_TEST_REQUIRE(blocking_history.size() == 1u);
    BOOST_TEST(history[0].number == blocking_history[0].number);
    BOOST_TEST(history[0].outcome == blocking_history[0].outcome);
    BOOST_TEST(history[0].at == blocking_history[0].at);
    BOOST_TEST(history[0].response_code == blocking_history[0].response_code);

    auto [e15, failing] = finish<std::vector<webhook_failures>>(ioc, a.async_failures(10, diag, deferred));
    BOOST_TEST(!e15);
    auto blocking_failing = ob.failures(10);
    BOOST_TEST_REQUIRE(failing.size() == 1u);
    BOOST_TEST_REQUIRE(blocking_failing.size() == 1u);
    BOOST_TEST(failing[0].webhook_id == blocking_failing[0].webhook_id);
    BOOST_TEST(failing[0].dead == blocking_failing[0].dead);
    BOOST_TEST(failing[0].last_error == blocking_failing[0].last_error);
    BOOST_TEST(failing[0].last_error == std::optional<std::string>("gone"));

    // redeliver: the dead row back to pending; again, it is not eligible, from both forms alike.
    auto [e16, redelivered] = finish<delivery>(ioc, a.async_redeliver(claimed[1].id, diag, deferred));
    BOOST_TEST(!e16);
    BOOST_TEST(redelivered.status == delivery_status::pending);
    BOOST_TEST(redelivered.attempts == 0);
    check_same_row(redelivered, *ob.get(claimed[1].id));
    blocking_ec.clear();
    blocking_diag = diagnostics();
    (void)ob.redeliver(claimed[1].id, blocking_ec, blocking_diag);
    BOOST_TEST(blocking_ec == make_error_code(errc::not_eligible));
    auto [e17, not_redelivered] = finish<delivery>(ioc, a.async_redeliver(claimed[1].id, diag, deferred));
    BOOST_TEST(e17 == blocking_ec);
    BOOST_TEST(diag.field() == blocking_diag.field());
    BOOST_TEST(diag.message() == blocking_diag.message());

    // replay: the finished row (the success) back to pending; nothing is left to replay after it.
    auto [e18, replayed] = finish<std::size_t>(ioc, a.async_replay(delivery_filter{}, diag, deferred));
    BOOST_TEST(!e18);
    BOOST_TEST(replayed == 1u);
    BOOST_TEST(ob.get(first.id)->status == delivery_status::pending);
    BOOST_TEST(ob.replay(delivery_filter{}) == 0u);
    auto [e19, replayed_again] = finish<std::size_t>(ioc, a.async_replay(delivery_filter{}, deferred));
    BOOST_TEST(!e19);
    BOOST_TEST(replayed_again == 0u);

    // purge: one webhook's row, then the rest in steps of one row.
    delivery_filter one_webhook;
    one_webhook.webhook_id = "wh-1";
    auto [e20, purged] = finish<std::size_t>(ioc, a.async_purge(one_webhook, diag, deferred));
    BOOST_TEST(!e20);
    BOOST_TEST(purged == 1u);
    BOOST_TEST(!ob.get(first.id).has_value());
    BOOST_TEST(ob.purge(one_webhook) == 0u);
    auto [e21, rest] = finish<std::size_t>(ioc, a.async_purge(delivery_filter{}, 1, diag, deferred));
    BOOST_TEST(!e21);
    BOOST_TEST(rest == 2u);
    BOOST_TEST(ob.stats().total() == 0u);
    auto [e22, none] = finish<std::size_t>(ioc, a.async_purge(delivery_filter{}, 1, deferred));
    BOOST_TEST(!e22);
    BOOST_TEST(none == 0u);
    BOOST_TEST(diag.message().empty());
}

// One bad request for each call that validates: the blocking call's error and diagnostics, and
// nothing changed.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(bad_requests_fail_as_the_blocking_calls_do_and_change_nothing, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using outbox_type = typename async_fixture<Factory>::outbox_type;
    using async_type = typename async_fixture<Factory>::async_type;
    using done_fn = std::function<void(error_code)>;
    auto& ob = this->outbox;

    // A pending row and a claimed one to aim at.
    const auto pending_id = ob.enqueue(make_request("wh-1", "evt-1")).id;
    ob.enqueue(make_request("wh-2", "evt-2"));
    auto claimed = ob.claim(claim_opts(1));
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    const delivery held = claimed[0];
    BOOST_TEST_REQUIRE(held.id == pending_id);
    const auto unknown = delivery_id::generate();

    enqueue_request no_webhook = make_request("", "evt-9");
    enqueue_request bad_url = make_request("wh-9", "evt-9", "ftp://receiver.example/hook");
    enqueue_request password_url = make_request("wh-9", "evt-9", "https://user:password@receiver.example/hook");
    std::vector<enqueue_request> password_second{make_request("wh-8", "evt-8"), password_url};
    std::vector<enqueue_request> bad_second{make_request("wh-8", "evt-8"), make_request("wh-9", "evt-9")};
    bad_second[1].method = "GE T";
    claim_options zero_limit = claim_opts(0);
    claim_options no_node = claim_opts(1);
    no_node.node_id.clear();
    claim_options wrong_partition = claim_opts(1);
    wrong_partition.partition = partition_ref{0, 3};
    attempt_result bad_status = outcome(attempt_outcome::success);
    bad_status.http_status = 42;
    release_request to_success;
    to_success.status = delivery_status::success;
    list_options zero_page;
    zero_page.limit = 0;
    delivery_filter replay_pending;
    replay_pending.status = delivery_status::pending;
    delivery_filter backwards;
    backwards.created_from = timestamp(std::chrono::milliseconds(2000));
    backwards.created_before = timestamp(std::chrono::milliseconds(1000));

    struct bad_case {
        const char* name;
        errc expected;
        std::function<void(outbox_type&, error_code&, diagnostics&)> blocking;
        std::function<void(const async_type&, diagnostics&, done_fn)> async;
    };
    const bad_case cases[] = {
        {"enqueue, empty webhook_id", errc::empty_field,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.enqueue(no_webhook, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_enqueue(no_webhook, d, [done](error_code ec, enqueue_result) { done(ec); });
         }},
        {"enqueue, ftp url", errc::invalid_url,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.enqueue(bad_url, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_enqueue(bad_url, d, [done](error_code ec, enqueue_result) { done(ec); });
         }},
        {"enqueue, url with user information", errc::invalid_url,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.enqueue(password_url, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_enqueue(password_url, d, [done](error_code ec, enqueue_result) { done(ec); });
         }},
        {"enqueue_many, url with user information in the second", errc::invalid_url,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.enqueue_many(password_second, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_enqueue_many(password_second, d,
                                  [done](error_code ec, std::vector<enqueue_result>) { done(ec); });
         }},
        {"enqueue_many, bad method in the second", errc::invalid_method,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.enqueue_many(bad_second, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_enqueue_many(bad_second, d, [done](error_code ec, std::vector<enqueue_result>) { done(ec); });
         }},
        {"claim, limit 0", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.claim(zero_limit, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_claim(zero_limit, d, [done](error_code ec, std::vector<delivery>) { done(ec); });
         }},
        {"claim, empty node_id", errc::empty_field,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.claim(no_node, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_claim(no_node, d, [done](error_code ec, std::vector<delivery>) { done(ec); });
         }},
        {"claim_many, a partition of another count", errc::invalid_partition,
         [&](outbox_type& o, error_code& ec, diagnostics& d) {
             std::vector<claim_options> opts{claim_opts(1), wrong_partition};
             (void)o.claim_many(opts, 10, ec, d);
         },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_claim_many({claim_opts(1), wrong_partition}, 10, d,
                                [done](error_code ec, std::vector<std::vector<delivery>>) { done(ec); });
         }},
        {"ack, http_status 42", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { o.ack(held.id, held.claim_token, bad_status, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_ack(held.id, held.claim_token, bad_status, d, [done](error_code ec) { done(ec); });
         }},
        {"ack, unknown id", errc::not_found,
         [&](outbox_type& o, error_code& ec, diagnostics& d) {
             o.ack(unknown, 7, outcome(attempt_outcome::success), ec, d);
         },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_ack(unknown, 7, outcome(attempt_outcome::success), d, [done](error_code ec) { done(ec); });
         }},
        {"ack, stale claim token", errc::claim_lost,
         [&](outbox_type& o, error_code& ec, diagnostics& d) {
             o.ack(held.id, held.claim_token + 1, outcome(attempt_outcome::success), ec, d);
         },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_ack(held.id, held.claim_token + 1, outcome(attempt_outcome::success), d,
                         [done](error_code ec) { done(ec); });
         }},
        {"ack_many, a bad result", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) {
             (void)o.ack_many({ack_entry::for_claimed(held, bad_status)}, ec, d);
         },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_ack_many({ack_entry::for_claimed(held, bad_status)}, d,
                              [done](error_code ec, std::vector<error_code>) { done(ec); });
         }},
        {"release, to success", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) {
             std::vector<claim_ref> refs{claim_ref::for_claimed(held)};
             (void)o.release(refs, to_success, ec, d);
         },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_release({claim_ref::for_claimed(held)}, to_success, d,
                             [done](error_code ec, std::vector<error_code>) { done(ec); });
         }},
        {"list, limit 0", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.list(zero_page, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_list(zero_page, d, [done](error_code ec, list_page) { done(ec); });
         }},
        {"redeliver, unknown id", errc::not_found,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.redeliver(unknown, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_redeliver(unknown, d, [done](error_code ec, delivery) { done(ec); });
         }},
        {"redeliver, a claimed row", errc::not_eligible,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.redeliver(held.id, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_redeliver(held.id, d, [done](error_code ec, delivery) { done(ec); });
         }},
        {"replay, status pending", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.replay(replay_pending, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_replay(replay_pending, d, [done](error_code ec, std::size_t) { done(ec); });
         }},
        {"purge, created_before before created_from", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.purge(backwards, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_purge(backwards, d, [done](error_code ec, std::size_t) { done(ec); });
         }},
        {"purge, batch_size 0", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.purge(delivery_filter{}, 0, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_purge(delivery_filter{}, 0, d, [done](error_code ec, std::size_t) { done(ec); });
         }},
        {"attempts, unknown id", errc::not_found,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.attempts(unknown, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_attempts(unknown, d, [done](error_code ec, std::vector<attempt_record>) { done(ec); });
         }},
        {"failures, limit 0", errc::invalid_argument,
         [&](outbox_type& o, error_code& ec, diagnostics& d) { (void)o.failures(0, ec, d); },
         [&](const async_type& a, diagnostics& d, done_fn done) {
             a.async_failures(0, d, [done](error_code ec, std::vector<webhook_failures>) { done(ec); });
         }},
    };

    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            const auto before = this->snapshot();
            error_code blocking_ec;
            diagnostics blocking_diag;
            tc.blocking(ob, blocking_ec, blocking_diag);
            BOOST_TEST(blocking_ec == make_error_code(tc.expected));
            BOOST_TEST(this->snapshot() == before);

            diagnostics diag;
            diag.assign("stale", "stale");
            std::optional<error_code> result;
            tc.async(this->async_ob, diag, [&](error_code ec) { result = ec; });
            BOOST_TEST(diag.field() == "stale");  // written when the operation completes, not before
            this->run();
            BOOST_TEST_REQUIRE(result.has_value());
            BOOST_TEST(*result == blocking_ec);
            BOOST_TEST(diag.field() == blocking_diag.field());
            BOOST_TEST(diag.message() == blocking_diag.message());
            BOOST_TEST(!diag.message().empty());
            BOOST_TEST(this->snapshot() == before);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Completion tokens
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(completes_with_use_awaitable, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto& a = this->async_ob;
    std::optional<enqueue_result> enqueued;
    std::vector<delivery> claimed;
    bool acked = false;
    std::optional<error_code> thrown;
    diagnostics diag;

    // Arguments are named and moved in: g++ 12 mishandles non-trivial temporaries inside a co_await
    // expression.
    auto work = [&]() -> asio::awaitable<void> {
        enqueue_request req = make_request("wh-1", "evt-1");
        enqueued = co_await a.async_enqueue(std::move(req), asio::use_awaitable);
        claim_options opts = claim_opts(10);
        claimed = co_await a.async_claim(std::move(opts), asio::use_awaitable);
        attempt_result ok = outcome(attempt_outcome::success);
        co_await a.async_ack(claimed.at(0).id, claimed.at(0).claim_token, std::move(ok), asio::use_awaitable);
        acked = true;
        // An error is thrown as a system_error; the diagnostics are in `diag`.
        enqueue_request bad = make_request("", "evt-2");
        try {
            co_await a.async_enqueue(std::move(bad), diag, asio::use_awaitable);
        } catch (const boost::system::system_error& e) {
            thrown = e.code();
        }
    };
    std::exception_ptr escaped;
    asio::co_spawn(this->ioc, work(), [&](std::exception_ptr e) { escaped = e; });
    this->run();

    BOOST_TEST(!escaped);
    BOOST_TEST_REQUIRE(enqueued.has_value());
    BOOST_TEST(enqueued->created);
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    BOOST_TEST(claimed[0].id == enqueued->id);
    BOOST_TEST(acked);
    BOOST_TEST(this->outbox.get(enqueued->id)->status == delivery_status::success);
    BOOST_TEST_REQUIRE(thrown.has_value());
    BOOST_TEST(*thrown == make_error_code(errc::empty_field));
    BOOST_TEST(diag.field() == "webhook_id");
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(completes_with_deferred_once_launched, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto op = this->async_ob.async_enqueue(make_request("wh-1", "evt-1"), asio::deferred);
    this->run();
    // Nothing ran: a deferred operation starts when it is launched.
    BOOST_TEST(this->probe->calls.load() == 0);
    BOOST_TEST(this->outbox.stats().total() == 0u);

    std::optional<enqueue_result> r;
    std::move(op)([&](error_code ec, enqueue_result res) {
        BOOST_TEST(!ec);
        r = res;
    });
    this->run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->created);
    BOOST_TEST(this->outbox.get(r->id).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(completes_with_use_future_while_another_thread_runs_the_context, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto& a = this->async_ob;
    auto guard = asio::make_work_guard(this->ioc);
    std::thread runner([this] { this->ioc.run(); });

    std::future<enqueue_result> enqueued = a.async_enqueue(make_request("wh-1", "evt-1"), asio::use_future);
    const enqueue_result r = enqueued.get();
    BOOST_TEST(r.created);
    std::future<std::vector<delivery>> claiming = a.async_claim(claim_opts(1), asio::use_future);
    const std::vector<delivery> claimed = claiming.get();
    BOOST_TEST_REQUIRE(claimed.size() == 1u);
    std::future<void> acking =
        a.async_ack(claimed[0].id, claimed[0].claim_token, outcome(attempt_outcome::success), asio::use_future);
    acking.get();
    // An error is the future's exception. It is read once the other threads are done: the exception
    // object's reference count lives in the uninstrumented C++ runtime, where ThreadSanitizer would
    // see a release on another thread (the storage thread completes a use_future handler, and lets
    // go of its promise, there) and a read here as a race.
    std::future<enqueue_result> failing = a.async_enqueue(make_request("", "evt-2"), asio::use_future);
    guard.reset();
    runner.join();
    this->pool.join();
    std::optional<error_code> thrown;
    try {
        failing.get();
    } catch (const boost::system::system_error& e) {
        thrown = e.code();
    }

    BOOST_TEST(this->outbox.get(r.id)->status == delivery_status::success);
    BOOST_TEST_REQUIRE(thrown.has_value());
    BOOST_TEST(*thrown == make_error_code(errc::empty_field));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(completes_with_a_plain_callback, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    int invoked = 0;
    enqueue_result result;
    this->async_ob.async_enqueue(make_request("wh-1", "evt-1"), [&](error_code ec, enqueue_result r) {
        ++invoked;
        BOOST_TEST(!ec);
        result = r;
    });
    this->run();
    BOOST_TEST(invoked == 1);
    BOOST_TEST(result.created);
    BOOST_TEST(this->outbox.get(result.id).has_value());
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_executors_default_completion_token_is_used, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using awaitable_executor = asio::use_awaitable_t<>::executor_with_default<asio::any_io_executor>;
    using outbox_type = typename async_fixture<Factory>::outbox_type;
    basic_async_outbox<outbox_type, awaitable_executor> a(this->ioc.get_executor(), this->outbox,
                                                         this->pool.get_executor());
    std::optional<enqueue_result> r;
    std::optional<outbox_stats> st;
    auto work = [&]() -> asio::awaitable<void> {
        enqueue_request req = make_request("wh-1", "evt-1");
        r = co_await a.async_enqueue(std::move(req));  // no token: the executor's default, use_awaitable
        st = co_await a.async_stats();
    };
    std::exception_ptr escaped;
    asio::co_spawn(this->ioc, work(), [&](std::exception_ptr e) { escaped = e; });
    this->run();
    BOOST_TEST(!escaped);
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->created);
    BOOST_TEST_REQUIRE(st.has_value());
    BOOST_TEST(st->count(delivery_status::pending) == 1u);
}

// ---------------------------------------------------------------------------------------------
// Executors
// ---------------------------------------------------------------------------------------------

// Every call once, each storage call seen by the probe on the pool's thread, each handler on the
// io_context's (or on the strand it was bound to).
BOOST_FIXTURE_TEST_CASE_TEMPLATE(calls_run_on_the_storage_executor_and_handlers_on_theirs, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    auto& a = this->async_ob;
    auto& ob = this->outbox;
    const auto pool_ex = this->pool.get_executor();
    const auto io_ex = this->ioc.get_executor();
    std::atomic<int> on_pool{0};
    std::atomic<int> elsewhere{0};
    this->probe->on_call = [&] { (pool_ex.running_in_this_thread() ? on_pool : elsewhere).fetch_add(1); };

    // Rows for the calls to find, made by the blocking calls on this thread; counted from here.
    const auto id = ob.enqueue(make_request("wh-1", "evt-1")).id;
    ob.enqueue(make_request("wh-2", "evt-2"));
    auto held = ob.claim(claim_opts(2));
    BOOST_TEST_REQUIRE(held.size() == 2u);
    on_pool = 0;
    elsewhere = 0;

    int handlers = 0;
    int handlers_on_io = 0;
    auto check = [&](auto&&...) {
        ++handlers;
        if (io_ex.running_in_this_thread() && !pool_ex.running_in_this_thread())
            ++handlers_on_io;
    };
    a.async_enqueue(make_request("wh-3", "evt-3"), check);
    a.async_enqueue_many({make_request("wh-4", "evt-4")}, check);
    a.async_claim(claim_opts(1), check);
    a.async_claim_many({claim_opts(1)}, 1, check);
    a.async_ack(held[0].id, held[0].claim_token, outcome(attempt_outcome::dead), check);
    a.async_ack_many({ack_entry::for_claimed(held[0], outcome(attempt_outcome::success))}, check);
    a.async_release({claim_ref::for_claimed(held[1])}, release_request{}, check);
    a.async_get(id, check);
    a.async_list(list_options{}, check);
    a.async_stats(check);
    a.async_attempts(id, check);
    a.async_failures(5, check);
    a.async_redeliver(id, check);
    a.async_replay(delivery_filter{}, check);
    a.async_purge(delivery_filter{}, check);
    a.async_purge(delivery_filter{}, 10, check);
    constexpr int started = 16;
    BOOST_TEST(handlers == 0);  // none inside its initiating function
    this->run();
    BOOST_TEST(handlers == started);
    BOOST_TEST(handlers_on_io == started);
    BOOST_TEST(on_pool.load() >= started);
    BOOST_TEST(elsewhere.load() == 0);

    // A handler bound to a strand runs there.
    auto strand = asio::make_strand(this->ioc);
    bool on_strand = false;
    a.async_stats(asio::bind_executor(strand, [&](error_code ec, outbox_stats) {
        BOOST_TEST(!ec);
        on_strand = strand.running_in_this_thread();
    }));
    this->run();
    BOOST_TEST(on_strand);
    BOOST_TEST(elsewhere.load() == 0);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_default_storage_executor_is_the_io_executor, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using async_type = typename async_fixture<Factory>::async_type;
    async_type a(this->ioc.get_executor(), this->outbox);
    BOOST_TEST((a.storage_executor() == asio::any_io_executor(this->ioc.get_executor())));
    BOOST_TEST((a.get_executor() == asio::any_io_executor(this->ioc.get_executor())));
    BOOST_TEST(&a.outbox() == &this->outbox);

    const auto io_ex = this->ioc.get_executor();
    std::atomic<int> on_io{0};
    std::atomic<int> elsewhere{0};
    this->probe->on_call = [&] { (io_ex.running_in_this_thread() ? on_io : elsewhere).fetch_add(1); };

    // Started from outside the io_context and from one of its handlers: neither completes inside
    // the call that started it, and both storage calls run on the io_context's thread.
    int invoked = 0;
    a.async_enqueue(make_request("wh-1", "evt-1"), [&](error_code ec, enqueue_result r) {
        BOOST_TEST(!ec);
        BOOST_TEST(r.created);
        BOOST_TEST(io_ex.running_in_this_thread());
        ++invoked;
    });
    BOOST_TEST(invoked == 0);
    bool inline_completion = true;
    asio::post(this->ioc, [&] {
        const int before = invoked;
        a.async_stats([&](error_code ec, outbox_stats) {
            BOOST_TEST(!ec);
            ++invoked;
        });
        inline_completion = invoked != before;
    });
    this->run();
    BOOST_TEST(invoked == 2);
    BOOST_TEST(!inline_completion);
    BOOST_TEST(on_io.load() == 2);
    BOOST_TEST(elsewhere.load() == 0);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(handler_never_runs_inside_its_initiating_function, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    // From a handler on the io_context, where an inline completion would be possible; the storage
    // call is held back until the initiating function has returned, so a completion from inside it
    // could only be an inline one.
    int invoked = 0;
    int invoked_when_returned = -1;
    pool_gate gate(this->pool);
    asio::post(this->ioc, [&] {
        this->async_ob.async_stats([&](error_code, outbox_stats) { ++invoked; });
        invoked_when_returned = invoked;
        gate.open();
    });
    this->run();
    BOOST_TEST(invoked_when_returned == 0);
    BOOST_TEST(invoked == 1);
}

// While a storage call is in flight the io_context has work: poll() does not stop it, although no
// handler is ready.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_io_executor_has_work_while_a_call_is_in_flight, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    pool_gate gate(this->pool);
    int invoked = 0;
    this->async_ob.async_enqueue(make_request("wh-1", "evt-1"), [&](error_code ec, enqueue_result) {
        BOOST_TEST(!ec);
        ++invoked;
    });
    BOOST_TEST(this->ioc.poll() == 0u);
    BOOST_TEST(!this->ioc.stopped());
    gate.open();
    this->ioc.run();
    BOOST_TEST(invoked == 1);
    BOOST_TEST(this->outbox.stats().total() == 1u);
}

// ---------------------------------------------------------------------------------------------
// Allocation, cancellation, exceptions
// ---------------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_handlers_allocator_is_used_and_everything_is_freed, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    struct alloc_case {
        const char* name;
        enqueue_request req;
        bool expect_error;
    };
    const alloc_case cases[] = {
        {"stored", make_request("wh-1", "evt-1"), false},
        {"rejected", make_request("", "evt-2"), true},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            allocation_counts counts;
            std::size_t live_in_handler = 1;
            int invoked = 0;
            this->async_ob.async_enqueue(
                tc.req, asio::bind_allocator(counting_allocator<void>(&counts), [&](error_code ec, enqueue_result) {
                    ++invoked;
                    BOOST_TEST(static_cast<bool>(ec) == tc.expect_error);
                    // The operation's state is freed before the handler runs.
                    live_in_handler = counts.allocations.load() - counts.deallocations.load();
                }));
            this->run();
            BOOST_TEST(invoked == 1);
            BOOST_TEST(counts.allocations.load() > 0u);
            BOOST_TEST(counts.allocations.load() == counts.deallocations.load());
            BOOST_TEST(live_in_handler == 0u);
        }
    }
}

// An operation whose io_context is destroyed before the call ran: no handler, nothing stored,
// everything freed, and its cancellation slot left empty.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(an_operation_never_run_is_freed_with_its_context, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    allocation_counts counts;
    asio::cancellation_signal signal;
    int invoked = 0;
    {
        asio::io_context doomed;
        typename async_fixture<Factory>::async_type a(doomed.get_executor(), this->outbox);
        a.async_enqueue(make_request("wh-1", "evt-1"),
                        asio::bind_cancellation_slot(
                            signal.slot(), asio::bind_allocator(counting_allocator<void>(&counts),
                                                                [&](error_code, enqueue_result) { ++invoked; })));
        BOOST_TEST(counts.allocations.load() > 0u);
    }
    BOOST_TEST(invoked == 0);
    BOOST_TEST(counts.allocations.load() == counts.deallocations.load());
    BOOST_TEST(this->probe->calls.load() == 0);
    BOOST_TEST(!signal.slot().has_handler());
    signal.emit(asio::cancellation_type::terminal);  // reaches nothing
    BOOST_TEST(this->outbox.stats().total() == 0u);
}

// A cancellation emitted before the storage call started: the call does not run. Each type, with
// the default storage executor (the io_context, not yet running).
BOOST_FIXTURE_TEST_CASE_TEMPLATE(cancellation_before_the_call_starts_aborts_it, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using async_type = typename async_fixture<Factory>::async_type;
    async_type a(this->ioc.get_executor(), this->outbox);
    struct cancel_case {
        const char* name;
        asio::cancellation_type_t type;
    };
    const cancel_case cases[] = {
        {"terminal", asio::cancellation_type::terminal},
        {"partial", asio::cancellation_type::partial},
        {"total", asio::cancellation_type::total},
    };
    int n = 0;
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            asio::cancellation_signal signal;
            diagnostics diag;
            std::optional<error_code> result;
            const int calls_before = this->probe->calls.load();
            a.async_enqueue(make_request("wh-1", "evt-" + std::to_string(++n)), diag,
                            asio::bind_cancellation_slot(signal.slot(),
                                                         [&](error_code ec, enqueue_result) { result = ec; }));
            signal.emit(tc.type);
            this->run();
            BOOST_TEST_REQUIRE(result.has_value());
            BOOST_TEST(*result == asio::error::operation_aborted);
            BOOST_TEST(diag.field().empty());
            BOOST_TEST(!diag.message().empty());
            BOOST_TEST(this->probe->calls.load() == calls_before);  // no storage call
            BOOST_TEST(this->outbox.stats().total() == 0u);
            BOOST_TEST(!signal.slot().has_handler());  // cleared when it completed
        }
    }
}

// The same with a storage pool whose thread is busy: the cancellation, emitted here, is seen on
// the pool's thread.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(cancellation_reaches_a_call_waiting_for_the_storage_pool, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    asio::cancellation_signal signal;
    std::optional<error_code> result;
    {
        pool_gate gate(this->pool);
        this->async_ob.async_enqueue_many(
            {make_request("wh-1", "evt-1"), make_request("wh-2", "evt-2")},
            asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, std::vector<enqueue_result> rows) {
                result = ec;
                BOOST_TEST(rows.empty());
            }));
        signal.emit(asio::cancellation_type::terminal);
    }  // the gate opens
    this->run();
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(*result == asio::error::operation_aborted);
    BOOST_TEST(this->probe->calls.load() == 0);
    BOOST_TEST(this->outbox.stats().total() == 0u);
}

// A cancellation emitted once the storage call has started changes nothing: the call runs to its
// end and the operation completes with its result.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(cancellation_after_the_call_started_is_too_late, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    asio::cancellation_signal signal;
    // Emitted from inside the storage call, on the pool's thread, while the io_context waits for
    // the completion: nothing else touches the slot then.
    this->probe->on_call = [&] { signal.emit(asio::cancellation_type::terminal); };
    std::optional<error_code> result;
    enqueue_result stored;
    this->async_ob.async_enqueue(make_request("wh-1", "evt-1"),
                                 asio::bind_cancellation_slot(signal.slot(), [&](error_code ec, enqueue_result r) {
                                     result = ec;
                                     stored = r;
                                 }));
    this->run();
    BOOST_TEST(this->probe->calls.load() == 1);
    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(!*result);
    BOOST_TEST(stored.created);
    BOOST_TEST(this->outbox.get(stored.id).has_value());
}

// An exception escaping the blocking call completes the operation with storage_failure, on the
// pool and on the io_context alike, and the executor that ran it goes on working.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(an_exception_in_the_call_completes_with_storage_failure, Factory,
                                 async_outbox_factories, async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using async_type = typename async_fixture<Factory>::async_type;
    const async_type on_io(this->ioc.get_executor(), this->outbox);
    struct throw_case {
        const char* name;
        const async_type* handle;
    };
    const throw_case cases[] = {{"storage pool", &this->async_ob}, {"io_context", &on_io}};
    int n = 0;
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            this->probe->throw_next = true;
            diagnostics diag;
            std::optional<error_code> failed;
            tc.handle->async_enqueue(make_request("wh-1", "evt-" + std::to_string(++n)), diag,
                                     [&](error_code ec, enqueue_result r) {
                                         failed = ec;
                                         BOOST_TEST(!r.created);
                                     });
            this->run();
            BOOST_TEST_REQUIRE(failed.has_value());
            BOOST_TEST(*failed == make_error_code(errc::storage_failure));
            BOOST_TEST(diag.message().find("threw") != std::string::npos, diag.message());
            BOOST_TEST(this->outbox.stats().total() == 0u);

            std::optional<error_code> next;
            tc.handle->async_enqueue(make_request("wh-1", "evt-next-" + std::to_string(n)),
                                     [&](error_code ec, enqueue_result) { next = ec; });
            this->run();
            BOOST_TEST_REQUIRE(next.has_value());
            BOOST_TEST(!*next);
            BOOST_TEST(this->outbox.purge(delivery_filter{}) == 1u);
        }
    }
}

// The handle: CTAD, the alias, copies.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(the_handle_is_a_light_copyable_value, Factory, async_outbox_factories,
                                 async_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using outbox_type = typename async_fixture<Factory>::outbox_type;
    basic_async_outbox deduced(this->ioc.get_executor(), this->outbox, this->pool.get_executor());
    static_assert(std::is_same_v<decltype(deduced), basic_async_outbox<outbox_type, asio::io_context::executor_type>>);
    // Qualified: the suite's name hides the alias here.
    static_assert(std::is_same_v<hookbox::async_outbox<outbox_type>, basic_async_outbox<outbox_type, asio::any_io_executor>>);
    static_assert(std::is_same_v<typename hookbox::async_outbox<outbox_type>::template rebind_executor<
                                     asio::io_context::executor_type>::other,
                                 decltype(deduced)>);
    static_assert(std::is_nothrow_copy_constructible_v<decltype(deduced)>);
    BOOST_TEST((deduced.get_executor() == this->ioc.get_executor()));
    BOOST_TEST((deduced.storage_executor() == asio::any_io_executor(this->pool.get_executor())));

    auto copy = deduced;
    std::optional<enqueue_result> r;
    copy.async_enqueue(make_request("wh-1", "evt-1"), [&](error_code ec, enqueue_result res) {
        BOOST_TEST(!ec);
        BOOST_TEST(this->ioc.get_executor().running_in_this_thread());
        r = res;
    });
    this->run();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->created);
    BOOST_TEST(&copy.outbox() == &this->outbox);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_ASYNC_OUTBOX_CASES_HPP
