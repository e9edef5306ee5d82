//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Operations on an outbox: what an operator does once deliveries have succeeded, failed and died.
//
//   1. An outbox in a SQLite file, on a manual clock (time moves only when the program says so).
//   2. Nine deliveries to three webhooks, attempted by hand over three rounds: wh-orders answers
//      200, wh-gone 410 Gone, and wh-flaky 503 until it is fixed.
//   3. The failing webhooks (`failures`) and one delivery's attempt history (`attempts`).
//   4. `replay` of wh-flaky's dead deliveries, after its receiver was fixed.
//   5. `purge` of every delivery of wh-orders, whose subscription was deleted.
//   6. One pass of the retention sweeper, eight days later: finished deliveries older than their
//      time to live (success 7 days, dead 30 days) are deleted.
//
// The file is left with one delivered, one retrying and three dead deliveries, for the `hookbox`
// command-line tool to look at:
//
//   hookbox stats FILE
//   hookbox list FILE --status dead
//   hookbox show FILE ID
//
// Usage: hookbox_example_operations [FILE]
//   FILE  the outbox database, deleted first and left in place afterwards (default: a file in a
//         temporary directory, removed at the end)

#include <hookbox.hpp>
#include <hookbox/sqlite_outbox.hpp>  // link hookbox::sqlite
#include <hookbox/retention/retention_sweeper.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// Stops the example with a message when a result is not what it should be.
void expect(bool ok, const std::string& what) {
    if (!ok)
        throw std::runtime_error("unexpected: " + what);
}

//[outbox_type
// An outbox in SQLite whose times come from a manual_clock: every stored time (created, updated,
// next retry) and every "now" of retention is the clock's, which the program moves by hand.
using sqlite_outbox =
    hookbox::basic_outbox<hookbox::sqlite_storage, hookbox::manual_clock>;
//]

//[answer
// What the receivers answer in each round, standing in for HTTP (a dispatcher sends real requests
// and lets its retry policy decide). wh-orders answers 200 and wh-gone 410 Gone. wh-flaky answers
// 503 in round 1; in round 2 evt-2 gets through, evt-5 is told to come back in an hour and evt-8
// is given up on; from round 3, once fixed, it answers 200, but still 503 to evt-5.
hookbox::attempt_result answer(const hookbox::delivery& d, int round, hookbox::timestamp now) {
    using hookbox::attempt_outcome;
    const hookbox::attempt_result ok{
        .outcome = attempt_outcome::success, .http_status = 200, .response_body = "ok", .duration = 8ms};
    if (d.webhook_id == "wh-gone")
        return {
            .outcome = attempt_outcome::dead, .http_status = 410, .error = "HTTP 410 Gone", .duration = 12ms};
    if (d.webhook_id != "wh-flaky" || (d.event_id == "evt-2" && round >= 2) ||
        (d.event_id == "evt-8" && round >= 3))
        return ok;
    if (d.event_id == "evt-8" && round == 2)
        return {.outcome = attempt_outcome::dead,
                .http_status = 503,
                .error = "HTTP 503: out of retries",
                .duration = 30ms};
    return {.outcome = attempt_outcome::retry,
            .http_status = 503,
            .error = "HTTP 503",
            .duration = 30ms,
            .next_retry_at = now + (round == 1 ? 1min : 1h)};
}
//]

//[round
// One round of delivery by hand: claim what is due, "send" it, ack the answer.
void deliver_round(sqlite_outbox& outbox, int round) {
    auto now = hookbox::now_ms(outbox.clock());
    auto batch = outbox.claim({.node_id = "ops-example", .limit = 100});
    std::printf("\nround %d: %zu due\n", round, batch.size());
    for (const auto& d : batch) {
        auto result = answer(d, round, now);
        outbox.ack(d, result);
        std::printf("  %-6s %-10s attempt %d -> %d, now %s\n", d.event_id.c_str(), d.webhook_id.c_str(),
                    d.attempts + 1, *result.http_status,
                    std::string(hookbox::to_string(outbox.get(d.id)->status)).c_str());
    }
}
//]

void print_stats(sqlite_outbox& outbox) {
    auto st = outbox.stats();
    std::printf("  pending %zu, in_flight %zu, success %zu, dead %zu, total %zu\n",
                st.count(hookbox::delivery_status::pending), st.count(hookbox::delivery_status::in_flight),
                st.count(hookbox::delivery_status::success), st.count(hookbox::delivery_status::dead),
                st.total());
}

// A stored time as the command-line tool prints it: 2026-01-01T00:02:00.000Z.
std::string iso(hookbox::timestamp t) {
    auto ms = t.time_since_epoch().count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buf;
}

void run(const std::string& path) {
    //[open
    // 1. The outbox in a SQLite file (created with its tables), on a clock that starts at
    //    2026-01-01T00:00:00Z. The program keeps a copy of the clock: copies share one time.
    hookbox::manual_clock clock;
    sqlite_outbox outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = path})), clock);
    //]

    //[enqueue
    // 2. Nine events, three for each webhook.
    const char* webhooks[] = {"wh-gone", "wh-orders", "wh-flaky"};
    std::vector<hookbox::enqueue_request> reqs;
    for (int i = 1; i <= 9; ++i) {
        hookbox::enqueue_request r;
        r.webhook_id = webhooks[i % 3];
        r.event_id = "evt-" + std::to_string(i);
        r.event_type = "order.created";
        r.url = "https://" + r.webhook_id.substr(3) + ".example/hooks";
        r.payload = hookbox::payload::parse(R"({"order":)" + std::to_string(i) + "}");
        reqs.push_back(std::move(r));
    }
    auto ids = outbox.enqueue_many(std::move(reqs));
    //]
    auto id_of = [&](int event) { return ids[static_cast<std::size_t>(event - 1)].id; };

    //[rounds
    // Two rounds, a minute apart: wh-flaky's retries come due for the second.
    clock.advance(1min);
    deliver_round(outbox, 1);
    clock.advance(1min);
    deliver_round(outbox, 2);
    print_stats(outbox);
    //]
    auto st = outbox.stats();
    expect(st.count(hookbox::delivery_status::success) == 4 &&
               st.count(hookbox::delivery_status::pending) == 1 &&
               st.count(hookbox::delivery_status::dead) == 4,
           "4 delivered, 1 retrying, 4 dead after two rounds");

    //[failures
    // 3. Which webhooks are failing: dead deliveries, and pending ones that failed at least once.
    std::printf("\nfailing webhooks:\n");
    for (const auto& f : outbox.failures())
        std::printf("  %-10s dead %zu, retrying %zu, last error \"%s\" at %s\n", f.webhook_id.c_str(), f.dead,
                    f.retrying, f.last_error.value_or("").c_str(), iso(*f.last_failed_at).c_str());
    //]
    auto failing = outbox.failures();
    expect(failing.size() == 2 && failing[0].webhook_id == "wh-gone" && failing[0].dead == 3 &&
               failing[1].webhook_id == "wh-flaky" && failing[1].dead == 1 && failing[1].retrying == 1,
           "wh-gone and wh-flaky are failing");

    //[attempts
    // What happened to evt-8, attempt by attempt.
    std::printf("\nevt-8 (%s), attempt history:\n", id_of(8).to_string().c_str());
    for (const auto& a : outbox.attempts(id_of(8)))
        std::printf("  #%d  %s  %-7s  %d  %s\n", a.number, iso(a.at).c_str(),
                    std::string(hookbox::to_string(a.outcome)).c_str(), a.response_code.value_or(0),
                    a.error.value_or("-").c_str());
    //]
    auto history = outbox.attempts(id_of(8));
    expect(history.size() == 2 && history[0].outcome == hookbox::delivery_status::pending &&
               history[1].outcome == hookbox::delivery_status::dead,
           "evt-8: a retry, then dead");

    //[replay
    // 4. Ten minutes later wh-flaky's receiver is fixed: send its dead deliveries again. Only rows
    //    that had finished when the replay started are selected (updated_before), and pending rows
    //    are never touched.
    clock.advance(10min);
    hookbox::delivery_filter dead_flaky;
    dead_flaky.webhook_id = "wh-flaky";
    dead_flaky.status = hookbox::delivery_status::dead;
    dead_flaky.updated_before = hookbox::now_ms(clock);
    std::size_t replayed = outbox.replay(dead_flaky);
    std::printf("\nreplayed %zu dead delivery of wh-flaky\n", replayed);
    //]
    expect(replayed == 1 && outbox.get(id_of(8))->status == hookbox::delivery_status::pending &&
               outbox.get(id_of(8))->attempts == 0,
           "evt-8 replayed");

    //[purge
    // 5. wh-orders' subscription was deleted: delete its deliveries, whatever their status, with
    //    their attempt history.
    hookbox::delivery_filter orders;
    orders.webhook_id = "wh-orders";
    std::size_t purged = outbox.purge(orders);
    std::printf("purged %zu deliveries of wh-orders\n", purged);
    print_stats(outbox);
    //]
    expect(purged == 3 && !outbox.get(id_of(1)), "wh-orders purged");

    //[retention
    // 6. Eight days later, one pass of the retention sweeper with the default times to live:
    //    success rows older than 7 days go (evt-2), dead rows stay for 30 days. "Now" is the
    //    outbox clock's. (async_run would sweep every hour on an executor; sweep() does it once.)
    clock.advance(std::chrono::days(8));
    boost::asio::io_context io;
    hookbox::retention_sweeper<sqlite_outbox> sweeper(io.get_executor(), outbox, hookbox::retention_params{});
    hookbox::sweep_result swept = sweeper.sweep();
    std::printf("\nretention: deleted %zu success and %zu dead rows\n", swept.success, swept.dead);
    //]
    expect(swept.ok() && swept.success == 1 && swept.dead == 0, "the sweep deletes evt-2 only");
    expect(!outbox.get(id_of(2)), "evt-2 deleted");

    //[last_round
    // A last round: the replayed evt-8 gets through; evt-5 fails again and waits another hour.
    deliver_round(outbox, 3);
    print_stats(outbox);
    //]
    st = outbox.stats();
    expect(st.count(hookbox::delivery_status::success) == 1 &&
               st.count(hookbox::delivery_status::pending) == 1 &&
               st.count(hookbox::delivery_status::dead) == 3 && st.total() == 5,
           "1 delivered, 1 retrying, 3 dead at the end");
    history = outbox.attempts(id_of(8));
    expect(history.size() == 3 && history[2].number == 3 &&
               history[2].outcome == hookbox::delivery_status::success,
           "evt-8's history goes on counting after the replay");

    std::printf("\ndead letters, for `hookbox show %s <id>`:\n", path.c_str());
    for (const auto& d : outbox.list({.status = hookbox::delivery_status::dead}).items)
        std::printf("  %s  %s  %s\n", d.id.to_string().c_str(), d.event_id.c_str(), d.webhook_id.c_str());
}

} // namespace

int main(int argc, char** argv) {
    // The database file: the one given (kept), or one in a temporary directory (removed).
    std::filesystem::path dir;
    std::string path;
    if (argc > 1) {
        path = argv[1];
    } else {
        std::string tmpl = (std::filesystem::temp_directory_path() / "hookbox-operations-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) {
            std::perror("operations: mkdtemp");
            return 1;
        }
        dir = tmpl;
        path = (dir / "outbox.sqlite").string();
    }
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path + suffix);

    int status = 0;
    try {
        run(path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "operations: %s\n", e.what());
        status = 1;
    }
    if (!dir.empty())
        std::filesystem::remove_all(dir);
    if (status == 0)
        std::printf("\noperations: ok\n");
    return status;
}
