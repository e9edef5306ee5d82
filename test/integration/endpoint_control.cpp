//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Endpoint health shared with operators through a state store on a SQLite file: the operator's
// disable and enable (`state_store_health`), the dispatcher's saves that never write over them, the
// bookkeeping of the reload, and a running dispatcher that follows the store within one reload
// interval while a loopback receiver counts what it is sent.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "common/scripted_receiver.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/dispatch/detail/health_sync.hpp>
#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/state/state_store.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::test {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using state_store = basic_state_store<engine::sqlite_engine, manual_clock>;
using health_store = state_store_health<state_store>;

state_store open_states(const std::string& path, manual_clock clock) {
    engine::sqlite_params p;
    p.path = path;
    return state_store(engine::sqlite_engine(p), {}, clock);
}

endpoint_state stored(state_store& s, const std::string& webhook) {
    state_key k;
    k.name_space = "endpoint_health";
    k.key = webhook;
    auto e = s.get("hookbox", k);
    BOOST_TEST_REQUIRE(e.has_value());
    error_code ec;
    diagnostics diag;
    auto st = endpoint_state_from_json(e->value, ec, diag);
    BOOST_TEST(!ec);
    return st;
}

bool kept(state_store& s, const std::string& webhook) {
    state_key k;
    k.name_space = "endpoint_health";
    k.key = webhook;
    return s.get("hookbox", k).has_value();
}

endpoint_state failing(int failures, bool disabled) {
    endpoint_state st;
    st.consecutive_failures = failures;
    st.failing_since = timestamp(std::chrono::milliseconds(1767225600000));
    if (disabled) {
        st.disabled = true;
        st.disabled_reason = "410 Gone";
        st.disabled_at = timestamp(std::chrono::milliseconds(1767225601000));
    }
    return st;
}

struct event_recorder {
    std::shared_ptr<std::vector<endpoint_event>> events = std::make_shared<std::vector<endpoint_event>>();
    void on_endpoint_event(const endpoint_event& e) { events->push_back(e); }

    bool saw(endpoint_event::kind k, const std::string& webhook) const {
        for (const auto& e : *events)
            if (e.type == k && e.webhook_id == webhook)
                return true;
        return false;
    }
};

using test_outbox = basic_outbox<memory_storage, manual_clock, fnv1a_partition_hasher, event_recorder>;
using driven_dispatcher =
    dispatcher<test_outbox, beast_sender, asio::any_io_executor, default_retry_policy, manual_steady_clock>;

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint_control)

// The in-memory store keeps the endpoints that are not healthy, and forgets one saved as healthy.
BOOST_AUTO_TEST_CASE(memory_health_store_keeps_what_is_not_healthy) {
    memory_health_store store;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(store.load(ec, diag).empty());
    endpoint_state off;
    off.disabled = true;
    off.disabled_reason = "410 Gone";
    store.save("wh-gone", off, ec, diag);
    BOOST_TEST(!ec);
    endpoint_state failing;
    failing.consecutive_failures = 2;
    store.save("wh-flaky", failing, ec, diag);
    auto kept = store.load(ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(kept.size() == 2u);
    BOOST_TEST(kept[0].first == "wh-flaky");
    BOOST_TEST((kept[0].second == failing));
    BOOST_TEST(kept[1].first == "wh-gone");
    BOOST_TEST((kept[1].second == off));
    store.save("wh-flaky", endpoint_state{}, ec, diag);  // healthy again: nothing to keep
    kept = store.load(ec, diag);
    BOOST_TEST_REQUIRE(kept.size() == 1u);
    BOOST_TEST(kept[0].first == "wh-gone");
}

// An operator's disable keeps the circuit's counters; enable erases the entry; the listing leaves
// healthy entries out; bad input is refused naming the field.
BOOST_AUTO_TEST_CASE(operator_disables_and_enables_through_the_store) {
    manual_clock clock;
    auto states = open_states(process_temp_dir().file("health"), clock);
    health_store store(states);
    error_code ec;
    diagnostics diag;
    store.save("wh-1", failing(3, false), ec, diag);
    BOOST_TEST(!ec);

    auto st = store.disable("wh-1", "receiver under maintenance", now_ms(clock));
    BOOST_TEST(st.disabled);
    BOOST_TEST(stored(states, "wh-1").consecutive_failures == 3);
    BOOST_TEST(stored(states, "wh-1").disabled_reason == "receiver under maintenance");
    store.disable("wh-2", "", now_ms(clock));  // never seen before: a new entry
    auto listed = store.endpoints(ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(listed.size() == 2u);
    BOOST_TEST(listed[0].first == "wh-1");
    BOOST_TEST(listed[1].first == "wh-2");

    BOOST_TEST(store.enable("wh-1", ec, diag));
    BOOST_TEST(!kept(states, "wh-1"));
    BOOST_TEST(!store.enable("wh-1", ec, diag));  // nothing kept: not an error
    BOOST_TEST(!ec);

    store.disable("", "x", now_ms(clock), ec, diag);
    BOOST_TEST(ec == errc::empty_field);
    BOOST_TEST(diag.field() == "webhook_id");
    store.disable(std::string(65, 'w'), "x", now_ms(clock), ec, diag);
    BOOST_TEST(ec == errc::field_too_long);
    BOOST_TEST(diag.field() == "webhook_id");
    store.disable("wh-3", std::string(1025, 'r'), now_ms(clock), ec, diag);
    BOOST_TEST(ec == errc::field_too_long);
    BOOST_TEST(diag.field() == "reason");
    store.enable("", ec, diag);
    BOOST_TEST(ec == errc::empty_field);
    BOOST_TEST(!kept(states, "wh-3"));
}

// The dispatcher's save of a change that is only the circuit's keeps the operator's decision,
// whichever way it went; its own decisions replace the stored one.
BOOST_AUTO_TEST_CASE(a_dispatchers_save_never_writes_over_an_operators_decision) {
    manual_clock clock;
    const std::string path = process_temp_dir().file("health");
    auto states = open_states(path, clock);
    health_store dispatcher_side(states);
    auto operator_states = open_states(path, clock);
    health_store operator_side(operator_states);

    // The dispatcher disabled wh-1 (410) and saved it; the operator enables it; a request that was
    // in flight then fails, and the dispatcher saves its counters with its older `disabled`.
    error_code ec;
    diagnostics diag;
    dispatcher_side.update("wh-1", failing(1, true), true, ec, diag);
    BOOST_TEST(stored(states, "wh-1").disabled);
    BOOST_TEST(operator_side.enable("wh-1", ec, diag));
    dispatcher_side.update("wh-1", failing(2, true), false, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(!stored(states, "wh-1").disabled);
    BOOST_TEST(stored(states, "wh-1").consecutive_failures == 2);

    // The operator disables wh-2; the dispatcher, which does not know yet, saves a failure count.
    operator_side.disable("wh-2", "receiver under maintenance", now_ms(clock), ec, diag);
    dispatcher_side.update("wh-2", failing(4, false), false, ec, diag);
    BOOST_TEST(!ec);
    BOOST_TEST(stored(states, "wh-2").disabled);
    BOOST_TEST(stored(states, "wh-2").disabled_reason == "receiver under maintenance");
    BOOST_TEST(stored(states, "wh-2").consecutive_failures == 4);

    // A healthy update of an endpoint the store does not keep writes nothing; the dispatcher's
    // own enable erases the entry.
    dispatcher_side.update("wh-3", endpoint_state{}, false, ec, diag);
    BOOST_TEST(!kept(states, "wh-3"));
    dispatcher_side.update("wh-2", endpoint_state{}, true, ec, diag);
    BOOST_TEST(!kept(states, "wh-2"));
}

// The reload's bookkeeping: what differs between the store and memory, and a reload that a save
// overtook is dropped and tried again at once.
BOOST_AUTO_TEST_CASE(reload_bookkeeping) {
    endpoint_health memory;
    const timestamp t0(std::chrono::milliseconds(1767225600000));
    (void)memory.disable("wh-mem", t0, "410 Gone");
    std::vector<std::pair<std::string, endpoint_state>> in_store{{"wh-op", failing(0, true)},
                                                                 {"wh-fail", failing(2, false)}};
    auto changes = detail::operator_changes(in_store, memory);
    BOOST_TEST_REQUIRE(changes.size() == 2u);
    BOOST_TEST(changes[0].webhook_id == "wh-op");
    BOOST_TEST(changes[0].disable);
    BOOST_TEST(changes[0].reason == "410 Gone");
    BOOST_TEST(changes[1].webhook_id == "wh-mem");
    BOOST_TEST(!changes[1].disable);
    in_store.push_back({"wh-mem", failing(1, true)});
    (void)memory.disable("wh-op", t0, "x");
    BOOST_TEST(detail::operator_changes(in_store, memory).empty());

    using tp = manual_steady_clock::time_point;
    detail::health_reload<tp> r;
    r.start(tp(0s), 5s);
    BOOST_TEST(!r.due(tp(4s), false));
    BOOST_TEST(!r.due(tp(5s), true));  // a save is under way
    BOOST_TEST(r.due(tp(5s), false));
    auto epoch = r.begin(tp(5s));
    r.saving();
    BOOST_TEST(!r.may_apply(epoch, tp(6s)));
    BOOST_TEST(r.due(tp(6s), false));  // again at once
    epoch = r.begin(tp(6s));
    BOOST_TEST(r.may_apply(epoch, tp(6s)));
    BOOST_TEST(!r.due(tp(10s), false));
    BOOST_TEST(r.due(tp(11s), false));
    detail::health_reload<tp> never;
    never.start(tp(0s), 0s);
    BOOST_TEST(!never.due(tp(1000h), false));

    endpoint_health_params p;
    p.reload_interval = -1ms;
    error_code ec;
    diagnostics diag;
    p.check(ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "reload_interval");
}

// A running dispatcher follows the store: an endpoint an operator disables there gets nothing from
// the next reload on (its rows go dead without a request); enabled again, it receives, and a replay
// of its dead letters delivers them.
BOOST_AUTO_TEST_CASE(a_running_dispatcher_follows_the_operator) {
    asio::io_context ioc;
    manual_clock clock;
    scripted_receiver receiver;
    sender_params sp;
    sp.addresses = http::address_policy::loopback_allowed();
    sp.connect_timeout = 2s;
    beast_sender sender(ioc.get_executor(), sp);

    const std::string path = process_temp_dir().file("health");
    auto dispatcher_states = open_states(path, clock);
    auto operator_states = open_states(path, clock);  // as another process would
    health_store operator_side(operator_states);

    outbox_params op;
    op.partition_count = 1;
    test_outbox ob(op, memory_storage(), clock);
    auto enqueue = [&](const std::string& event) {
        enqueue_request q;
        q.webhook_id = "wh-op";
        q.event_id = event;
        q.event_type = "order.created";
        q.url = receiver.url();
        q.payload = payload::parse(R"({"n":1})");
        ob.enqueue(q);
    };
    auto count = [&](delivery_status s) { return ob.stats().count(s); };

    dispatcher_params p;
    p.node_id = "node-A";
    p.poll_interval = 20ms;
    p.request_timeout = 5s;
    p.claim_ttl = 60s;
    endpoint_health_params h;
    h.reload_interval = 1s;
    p.health = h;
    p.health_store = std::make_shared<health_store>(dispatcher_states);
    driven_dispatcher d(ioc.get_executor(), ob, sender, p);
    std::optional<error_code> done;
    d.async_run([&](error_code e) { done = e; });

    enqueue("evt-1");
    d.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(delivery_status::success) == 1; }));

    // Disabled in the store: nothing changes before the reload interval has passed...
    operator_side.disable("wh-op", "receiver under maintenance", now_ms(clock));
    manual_steady_clock::advance(500ms);
    BOOST_TEST_REQUIRE(run_due_timers(ioc));
    BOOST_TEST(!ob.observer().saw(endpoint_event::kind::disabled, "wh-op"));
    // ...and once it has, the dispatcher disables the endpoint and tells the observer.
    manual_steady_clock::advance(500ms);
    BOOST_TEST_REQUIRE(run_due_timers(ioc));
    BOOST_TEST_REQUIRE(
        run_until(ioc, [&] { return ob.observer().saw(endpoint_event::kind::disabled, "wh-op"); }));
    BOOST_TEST(ob.observer().events->back().reason == "receiver under maintenance");
    enqueue("evt-2");
    enqueue("evt-3");
    d.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(delivery_status::dead) == 2; }));
    BOOST_TEST(receiver.request_count() == 1u);
    BOOST_TEST(stored(dispatcher_states, "wh-op").disabled);  // the dispatcher's save kept it

    // Enabled in the store: the next reload enables it; a replay of its dead letters delivers them.
    BOOST_TEST(operator_side.enable("wh-op"));
    manual_steady_clock::advance(1s);
    BOOST_TEST_REQUIRE(run_due_timers(ioc));
    BOOST_TEST_REQUIRE(
        run_until(ioc, [&] { return ob.observer().saw(endpoint_event::kind::enabled, "wh-op"); }));
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return !kept(dispatcher_states, "wh-op"); }));
    delivery_filter f;
    f.webhook_id = "wh-op";
    f.status = delivery_status::dead;
    BOOST_TEST(ob.replay(f) == 2u);
    d.notify();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return count(delivery_status::success) == 3; }));
    BOOST_TEST(receiver.request_count() == 3u);

    d.cancel();
    BOOST_TEST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
