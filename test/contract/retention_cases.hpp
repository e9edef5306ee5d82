//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_CONTRACT_RETENTION_CASES_HPP
#define HOOKBOX_TEST_CONTRACT_RETENTION_CASES_HPP

// The retention sweeper over every storage in `outbox_contract_factories`: the ObjectStack outbox's
// retention tests (`retention.test.ts`, numbered as there), then what hookbox adds: the strict TTL
// boundary, batching, one status's error not stopping the other, and `async_run` on an io_context
// driven by the test (the TTLs are measured on the outbox's manual clock; nothing sleeps).
//
// Include after contract/outbox_contract_cases.hpp.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "contract/outbox_contract.hpp"

#include <hookbox/retention/retention_sweeper.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hookbox::test {

namespace retention_detail {

using std::chrono::milliseconds;

constexpr milliseconds days(long long n) { return milliseconds(n * 86'400'000LL); }

// Forwards to a storage, counting `purge` calls per status and failing the N-th of one status.
template <class S>
class scripted_purge_storage {
public:
    struct script {
        std::optional<delivery_status> fail_status;
        std::size_t fail_call = 0;  // 1-based; 0 never fails
        std::size_t success_calls = 0;
        std::size_t dead_calls = 0;
    };

    scripted_purge_storage(S inner, std::shared_ptr<script> sc) : inner_(std::move(inner)), sc_(std::move(sc)) {}

// Constrained, so that the outbox sees the optional members only when `S` has them.
#define HOOKBOX_TEST_FORWARD(name)                                \
    template <class... A>                                         \
        requires requires(S& s, A&&... a) { s.name(std::forward<A>(a)...); } \
    decltype(auto) name(A&&... a) {                               \
        return inner_.name(std::forward<A>(a)...);                \
    }
    HOOKBOX_TEST_FORWARD(insert)
    HOOKBOX_TEST_FORWARD(insert_many)
    HOOKBOX_TEST_FORWARD(claim)
    HOOKBOX_TEST_FORWARD(complete)
    HOOKBOX_TEST_FORWARD(complete_many)
    HOOKBOX_TEST_FORWARD(get)
    HOOKBOX_TEST_FORWARD(list)
    HOOKBOX_TEST_FORWARD(redeliver)
    HOOKBOX_TEST_FORWARD(stats)
    HOOKBOX_TEST_FORWARD(replay)
    HOOKBOX_TEST_FORWARD(release)
    HOOKBOX_TEST_FORWARD(attempts)
    HOOKBOX_TEST_FORWARD(failures)
#undef HOOKBOX_TEST_FORWARD

    std::size_t purge(const delivery_filter& f, std::size_t n, error_code& ec, diagnostics& diag) {
        std::size_t call = 0;
        if (f.status == delivery_status::success)
            call = ++sc_->success_calls;
        else if (f.status == delivery_status::dead)
            call = ++sc_->dead_calls;
        if (f.status == sc_->fail_status && call == sc_->fail_call) {
            hookbox::detail::fail(ec, diag, errc::storage_failure, "", "injected failure");
            return 0;
        }
        return inner_.purge(f, n, ec, diag);
    }

private:
    S inner_;
    std::shared_ptr<script> sc_;
};

template <class Factory, class Storage = typename Factory::storage_type>
struct retention_fixture {
    using outbox_type = basic_outbox<Storage, manual_clock>;
    using sweeper_type = retention_sweeper<outbox_type>;
    // Its interval timer moves only with `manual_steady_clock`.
    using driven_sweeper_type = retention_sweeper<outbox_type, boost::asio::any_io_executor, manual_steady_clock>;

    Factory factory;
    manual_clock clock;
    outbox_type outbox;
    boost::asio::io_context ioc;
    // The time of the sweeps; rows are made at `now - age`.
    const timestamp now = now_ms(clock);
    int next = 0;

    retention_fixture() : outbox(outbox_params{}, factory.make(), clock) {}

    template <class... A>
    explicit retention_fixture(std::in_place_t, A&&... storage_args)
        : outbox(outbox_params{}, Storage(factory.make(), std::forward<A>(storage_args)...), clock) {}

    // A row in status `s` last updated `age` before `now`. A claim takes the oldest pending row, so
    // make pending rows last.
    delivery_id row(delivery_status s, milliseconds age) {
        const timestamp at = now - age;
        clock.set(at);
        delivery_id id = outbox.enqueue(make_request("wh-1", "evt-" + std::to_string(next++))).id;
        if (s != delivery_status::pending) {
            claim_options o;
            o.node_id = "node-A";
            o.limit = 1;
            o.claim_ttl = days(3650);  // no claim made here is ever reaped
            auto c = outbox.claim(o);
            BOOST_REQUIRE(c.size() == 1u);
            BOOST_REQUIRE(c[0].id == id);
            attempt_result r;
            switch (s) {
            case delivery_status::success:
                r.http_status = 200;
                outbox.ack(c[0], r);
                break;
            case delivery_status::dead:
                r.outcome = attempt_outcome::dead;
                r.http_status = 410;
                outbox.ack(c[0], r);
                break;
            case delivery_status::failed: {
                // No outbox operation writes `failed`; the storage's release does what it is told.
                release_request rr;
                rr.status = delivery_status::failed;
                rr.error = "refused by the address policy";
                rr.now = at;
                std::vector<claim_ref> refs{claim_ref::for_claimed(c[0])};
                error_code ec;
                diagnostics diag;
                auto errors = outbox.storage().release(refs, rr, ec, diag);
                BOOST_REQUIRE(!ec);
                BOOST_REQUIRE(!errors.at(0));
                break;
            }
            default: break;
            }
        }
        clock.set(now);
        auto d = outbox.get(id);
        BOOST_REQUIRE(d.has_value());
        BOOST_REQUIRE(d->status == s);
        BOOST_REQUIRE(d->updated_at == at);
        return id;
    }

    bool exists(const delivery_id& id) { return outbox.get(id).has_value(); }

    static retention_params ttl(milliseconds success, milliseconds dead) {
        retention_params p;
        p.success_ttl = success;
        p.dead_ttl = dead;
        return p;
    }
};

}  // namespace retention_detail

BOOST_AUTO_TEST_SUITE(retention)

using namespace retention_detail;

// ObjectStack retention test #1
BOOST_FIXTURE_TEST_CASE_TEMPLATE(deletes_success_rows_older_than_the_success_ttl, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id d8 = this->row(delivery_status::success, days(8));
    delivery_id d6 = this->row(delivery_status::success, days(6));
    delivery_id d30 = this->row(delivery_status::success, days(30));
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox,
                                                        this->ttl(days(7), days(30)));
    sweep_result r = sw.sweep(this->now);
    BOOST_TEST(r.success == 2u);
    BOOST_TEST(r.dead == 0u);
    BOOST_TEST(r.ok());
    BOOST_TEST(!this->exists(d8));
    BOOST_TEST(this->exists(d6));
    BOOST_TEST(!this->exists(d30));
    // Nothing is left to delete.
    BOOST_TEST(sw.sweep(this->now).total() == 0u);
}

// ObjectStack retention test #2
BOOST_FIXTURE_TEST_CASE_TEMPLATE(keeps_pending_in_flight_and_failed_rows_regardless_of_age, Factory,
                                 outbox_contract_factories, retention_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id flying = this->row(delivery_status::in_flight, days(100));
    delivery_id failed = this->row(delivery_status::failed, days(100));
    delivery_id pending = this->row(delivery_status::pending, days(100));
    typename retention_fixture<Factory>::sweeper_type defaults(this->ioc.get_executor(), this->outbox);
    BOOST_TEST(defaults.sweep(this->now).total() == 0u);
    // Not even the shortest TTL touches them.
    typename retention_fixture<Factory>::sweeper_type eager(this->ioc.get_executor(), this->outbox,
                                                           this->ttl(milliseconds(1), milliseconds(1)));
    BOOST_TEST(eager.sweep(this->now).total() == 0u);
    BOOST_TEST(this->outbox.get(flying)->status == delivery_status::in_flight);
    BOOST_TEST(this->outbox.get(failed)->status == delivery_status::failed);
    BOOST_TEST(this->outbox.get(pending)->status == delivery_status::pending);
    BOOST_TEST(this->outbox.stats().total() == 3u);
}

// ObjectStack retention test #3
BOOST_FIXTURE_TEST_CASE_TEMPLATE(deletes_dead_rows_older_than_the_dead_ttl, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    delivery_id d31 = this->row(delivery_status::dead, days(31));
    delivery_id d29 = this->row(delivery_status::dead, days(29));
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox,
                                                        this->ttl(days(7), days(30)));
    sweep_result r = sw.sweep(this->now);
    BOOST_TEST(r.dead == 1u);
    BOOST_TEST(r.success == 0u);
    BOOST_TEST(!this->exists(d31));
    BOOST_TEST(this->exists(d29));
}

// ObjectStack retention test #4
BOOST_FIXTURE_TEST_CASE_TEMPLATE(success_ttl_zero_disables_the_success_sweep, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    delivery_id ok = this->row(delivery_status::success, days(100));
    delivery_id dead = this->row(delivery_status::dead, days(100));
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox,
                                                        this->ttl(milliseconds(0), days(30)));
    sweep_result r = sw.sweep(this->now);
    BOOST_TEST(r.success == 0u);
    BOOST_TEST(this->exists(ok));
    // The other sweep still runs.
    BOOST_TEST(r.dead == 1u);
    BOOST_TEST(!this->exists(dead));
}

// ObjectStack retention test #5
BOOST_FIXTURE_TEST_CASE_TEMPLATE(dead_ttl_zero_disables_the_dead_sweep, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    delivery_id ok = this->row(delivery_status::success, days(100));
    delivery_id dead = this->row(delivery_status::dead, days(100));
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox,
                                                        this->ttl(days(7), milliseconds(0)));
    sweep_result r = sw.sweep(this->now);
    BOOST_TEST(r.dead == 0u);
    BOOST_TEST(this->exists(dead));
    BOOST_TEST(r.success == 1u);
    BOOST_TEST(!this->exists(ok));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_row_exactly_one_ttl_old_is_kept, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    delivery_id ok_at = this->row(delivery_status::success, days(7));
    delivery_id ok_past = this->row(delivery_status::success, days(7) + milliseconds(1));
    delivery_id dead_at = this->row(delivery_status::dead, days(30));
    delivery_id dead_past = this->row(delivery_status::dead, days(30) + milliseconds(1));
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox);
    sweep_result r = sw.sweep(this->now);
    BOOST_TEST(r.success == 1u);
    BOOST_TEST(r.dead == 1u);
    BOOST_TEST(this->exists(ok_at));
    BOOST_TEST(!this->exists(ok_past));
    BOOST_TEST(this->exists(dead_at));
    BOOST_TEST(!this->exists(dead_past));
    // One millisecond later, they are past it too.
    BOOST_TEST(sw.sweep(this->now + milliseconds(1)).total() == 2u);
    BOOST_TEST(this->outbox.stats().total() == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(sweeps_in_batches_until_every_old_row_is_gone, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using storage = scripted_purge_storage<typename Factory::storage_type>;
    auto sc = std::make_shared<typename storage::script>();
    retention_fixture<Factory, storage> f(std::in_place, sc);
    std::vector<delivery_id> young;
    for (int i = 0; i < 10; ++i)
        f.row(delivery_status::success, days(8) + milliseconds(i));
    young.push_back(f.row(delivery_status::success, days(1)));
    for (int i = 0; i < 3; ++i)
        f.row(delivery_status::dead, days(31));
    young.push_back(f.row(delivery_status::dead, days(1)));
    retention_params p;
    p.batch_size = 3;
    typename retention_fixture<Factory, storage>::sweeper_type sw(f.ioc.get_executor(), f.outbox, p);
    sweep_result r = sw.sweep(f.now);
    BOOST_TEST(r.success == 10u);
    BOOST_TEST(r.dead == 3u);
    // 3 + 3 + 3 + 1 success rows; 3 dead rows, then a step that finds none.
    BOOST_TEST(sc->success_calls == 4u);
    BOOST_TEST(sc->dead_calls == 2u);
    BOOST_TEST(f.outbox.stats().total() == 2u);
    for (const auto& id : young)
        BOOST_TEST(f.exists(id));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(an_error_in_one_status_does_not_stop_the_other, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    using storage = scripted_purge_storage<typename Factory::storage_type>;
    auto sc = std::make_shared<typename storage::script>();
    sc->fail_status = delivery_status::success;
    sc->fail_call = 2;
    retention_fixture<Factory, storage> f(std::in_place, sc);
    for (int i = 0; i < 5; ++i)
        f.row(delivery_status::success, days(8));
    f.row(delivery_status::dead, days(31));
    retention_params p;
    p.batch_size = 2;
    typename retention_fixture<Factory, storage>::sweeper_type sw(f.ioc.get_executor(), f.outbox, p);
    sweep_result r = sw.sweep(f.now);
    // The first step (2 rows) stays deleted; the second failed; the dead sweep ran anyway.
    BOOST_TEST(r.success_error == make_error_code(errc::storage_failure));
    BOOST_TEST(r.success == 2u);
    BOOST_TEST(!r.dead_error);
    BOOST_TEST(r.dead == 1u);
    BOOST_TEST(!r.ok());
    BOOST_TEST(f.outbox.stats().count(delivery_status::success) == 3u);
    BOOST_TEST(f.outbox.stats().count(delivery_status::dead) == 0u);
    // The next sweep picks up the rest.
    r = sw.sweep(f.now);
    BOOST_TEST(r.ok());
    BOOST_TEST(r.success == 3u);
    BOOST_TEST(f.outbox.stats().total() == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(async_run_sweeps_every_interval_on_the_outbox_clock_until_cancel, Factory,
                                 outbox_contract_factories, retention_fixture<Factory>) {
    BOOST_TEST_MESSAGE("storage: " << Factory::name);
    delivery_id old = this->row(delivery_status::success, days(8));
    delivery_id young = this->row(delivery_status::success, days(6));
    retention_params p;
    p.interval = milliseconds(60'000);
    typename retention_fixture<Factory>::driven_sweeper_type sw(this->ioc.get_executor(), this->outbox, p);
    std::vector<sweep_result> seen;
    sw.on_sweep([&](const sweep_result& r) { seen.push_back(r); });
    std::optional<error_code> done;
    sw.async_run([&](error_code ec) { done = ec; });
    this->ioc.poll();
    manual_steady_clock::advance(milliseconds(59'999));
    BOOST_TEST_REQUIRE(run_due_timers(this->ioc));
    BOOST_TEST(sw.stats().sweeps == 0u);  // the interval has not passed on the timer's clock

    manual_steady_clock::advance(milliseconds(1));
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return sw.stats().sweeps == 1u; }));
    BOOST_TEST(!this->exists(old));
    BOOST_TEST(this->exists(young));
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen.front().success == 1u);

    // The TTL is measured on the outbox's clock: two days on, the young row is old too.
    this->clock.advance(days(2));
    manual_steady_clock::advance(milliseconds(60'000));
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return sw.stats().sweeps == 2u; }));
    BOOST_TEST(sw.stats().deleted_success == 2u);
    BOOST_TEST(!this->exists(young));
    BOOST_TEST(sw.stats().errors == 0u);
    BOOST_TEST(!done.has_value());

    sw.cancel();
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
}

// Destroying a running sweeper stops its run as cancel() does, safely: the run completes after the
// sweeper is gone, and nothing is left on the context.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(destroying_the_sweeper_stops_its_run, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    retention_params p;
    p.interval = milliseconds(3'600'000);
    auto sw = std::make_unique<typename retention_fixture<Factory>::sweeper_type>(this->ioc.get_executor(),
                                                                                  this->outbox, p);
    std::optional<error_code> done;
    sw->async_run([&](error_code ec) { done = ec; });
    this->ioc.poll();
    BOOST_TEST(!done.has_value());
    sw.reset();
    this->ioc.run();  // returns once the run has ended: nothing else is left
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
}

// No thread the user did not ask for: by default the sweeps run on the I/O executor.
BOOST_FIXTURE_TEST_CASE_TEMPLATE(sweeps_on_the_io_executor_by_default, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    std::size_t before = thread_count();
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), this->outbox);
    BOOST_TEST(thread_count() == before);
    BOOST_TEST((sw.storage_executor() == boost::asio::any_io_executor(this->ioc.get_executor())));
    // The default completion token is deferred: the run starts when it is given a handler.
    std::optional<error_code> done;
    auto run = sw.async_run();
    sw.cancel();
    std::move(run)([&](error_code ec) { done = ec; });
    this->ioc.run();
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(async_run_waits_one_interval_before_the_first_sweep, Factory,
                                 outbox_contract_factories, retention_fixture<Factory>) {
    delivery_id old = this->row(delivery_status::success, days(8));
    // Sweeps go to an executor that only the test runs, so whether one was started is exact.
    boost::asio::io_context storage;
    retention_params p;
    p.interval = milliseconds(3'600'000);
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), storage.get_executor(),
                                                        this->outbox, p);
    std::optional<error_code> done;
    sw.async_run([&](error_code ec) { done = ec; });
    this->ioc.poll();
    BOOST_TEST(storage.poll() == 0u);
    BOOST_TEST(sw.stats().sweeps == 0u);
    BOOST_TEST(this->exists(old));
    BOOST_TEST(!done.has_value());

    // A second run while one is going on is refused.
    std::optional<error_code> second;
    sw.async_run([&](error_code ec) { second = ec; });
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return second.has_value(); }));
    BOOST_TEST(*second == make_error_code(boost::asio::error::already_started));

    sw.cancel();
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
    BOOST_TEST(storage.poll() == 0u);
    BOOST_TEST(this->exists(old));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(a_cancel_before_async_run_stops_that_run, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    delivery_id old = this->row(delivery_status::success, days(8));
    boost::asio::io_context storage;
    retention_params p;
    p.interval = milliseconds(3'600'000);
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), storage.get_executor(),
                                                        this->outbox, p);
    sw.cancel();
    std::optional<error_code> done;
    sw.async_run([&](error_code ec) { done = ec; });
    this->ioc.poll();  // no timer to wait for: the run ends within the ready handlers
    BOOST_TEST_REQUIRE(done.has_value());
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
    BOOST_TEST(storage.poll() == 0u);
    BOOST_TEST(this->exists(old));

    // The cancel is spent: the next run waits for its interval until it is cancelled.
    std::optional<error_code> again;
    sw.async_run([&](error_code ec) { again = ec; });
    this->ioc.poll();
    BOOST_TEST(!again.has_value());
    sw.cancel();
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return again.has_value(); }));
    BOOST_TEST(*again == make_error_code(boost::asio::error::operation_aborted));
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(async_run_stops_on_per_operation_cancellation, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    boost::asio::io_context storage;
    retention_params p;
    p.interval = milliseconds(3'600'000);
    typename retention_fixture<Factory>::sweeper_type sw(this->ioc.get_executor(), storage.get_executor(),
                                                        this->outbox, p);
    boost::asio::cancellation_signal signal;
    std::optional<error_code> done;
    sw.async_run(boost::asio::bind_cancellation_slot(signal.slot(), [&](error_code ec) { done = ec; }));
    this->ioc.poll();
    BOOST_TEST(!done.has_value());
    signal.emit(boost::asio::cancellation_type::terminal);
    BOOST_TEST_REQUIRE(run_until(this->ioc, [&] { return done.has_value(); }));
    BOOST_TEST(*done == make_error_code(boost::asio::error::operation_aborted));
    BOOST_TEST(storage.poll() == 0u);
}

BOOST_FIXTURE_TEST_CASE_TEMPLATE(invalid_params_are_refused_naming_the_field, Factory, outbox_contract_factories,
                                 retention_fixture<Factory>) {
    using sweeper_type = typename retention_fixture<Factory>::sweeper_type;
    struct bad_case {
        const char* field;
        retention_params p;
    };
    std::vector<bad_case> cases(5);
    cases[0] = {"success_ttl", {}};
    cases[0].p.success_ttl = milliseconds(-1);
    cases[1] = {"dead_ttl", {}};
    cases[1].p.dead_ttl = milliseconds(-1);
    cases[2] = {"interval", {}};
    cases[2].p.interval = milliseconds(0);
    cases[3] = {"batch_size", {}};
    cases[3].p.batch_size = 0;
    cases[4] = {"batch_size", {}};
    cases[4].p.batch_size = limits::batch_size + 1;
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.field) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(!sweeper_type::check(tc.p, ec, diag));
            BOOST_TEST(ec == make_error_code(errc::invalid_argument));
            BOOST_TEST(diag.field() == tc.field);
            BOOST_CHECK_EXCEPTION(sweeper_type(this->ioc.get_executor(), this->outbox, tc.p), error_with_diagnostics,
                                  [&](const error_with_diagnostics& e) {
                                      return e.code() == make_error_code(errc::invalid_argument) &&
                                             e.get_diagnostics().field() == tc.field;
                                  });
        }
    }
    // The limits themselves are accepted.
    retention_params edge;
    edge.success_ttl = milliseconds(0);
    edge.dead_ttl = milliseconds(0);
    edge.interval = milliseconds(1);
    edge.batch_size = limits::batch_size;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(sweeper_type::check(edge, ec, diag));
    edge.batch_size = 1;
    BOOST_TEST(sweeper_type::check(edge, ec, diag));
}

BOOST_AUTO_TEST_SUITE_END()  // retention

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_CONTRACT_RETENTION_CASES_HPP
