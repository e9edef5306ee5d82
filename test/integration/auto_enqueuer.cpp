//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Event fan-out: the sans-io pieces (row parsing, triggers, matching, event id, payload), then
// auto_enqueuer end to end over two setups: a memory_engine sys_webhook table with the in-memory
// outbox, and a SQLite file holding both the sys_webhook table and the delivery table.
//
// Nothing sleeps and nothing waits for wall-clock time. Fire-and-forget enqueues are awaited by
// running the io_context until the enqueuer's counters say they have finished (`run_until`, no
// time limit: a broken case is stopped by ctest's timeout). The refresh timer runs on
// `manual_steady_clock`, which moves only when a case advances it. Blocking is injected with gates
// (an outbox and a source that wait until the case opens them, on a storage thread pool), so that
// "publish returned before the enqueue finished" and "the stop waited for the enqueue" are shown
// without timing.

#include "common/manual_steady_clock.hpp"
#include "common/run_until.hpp"
#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/fanout/auto_enqueuer.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mpl/list.hpp>

#include <sqlite3.h>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookbox {
inline std::ostream& boost_test_print_type(std::ostream& os, subscription_skip s) {
    return os << to_string(s);
}
inline std::ostream& boost_test_print_type(std::ostream& os, fanout_operation o) {
    return os << to_string(o);
}
inline std::ostream& boost_test_print_type(std::ostream& os, const header& h) {
    return os << h.name << ": " << h.value;
}
}  // namespace hookbox

namespace hookbox::test {

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace json = boost::json;

constexpr const char* ts = "2026-05-24T00:00:00.000Z";

// ----- helpers for the sans-io cases -----

webhook_subscription subscription(std::string id, std::string object, std::vector<std::string> triggers,
                                  std::string url = "https://receiver.example/hook") {
    webhook_subscription s;
    s.id = std::move(id);
    s.name = s.id + " name";
    s.object_name = std::move(object);
    s.triggers = std::move(triggers);
    s.url = std::move(url);
    return s;
}

data_event event(std::string action, std::string object, json::value payload,
                 std::optional<std::string> timestamp = std::string(ts)) {
    data_event e;
    e.type = "data.record." + action;
    e.object = std::move(object);
    e.payload = std::move(payload);
    e.timestamp = std::move(timestamp);
    return e;
}

data_event created(std::string object, std::string id) {
    return event("created", std::move(object), json::object{{"id", std::move(id)}, {"name", "Alice"}});
}

engine::record webhook_record(std::string id, std::string url, std::string triggers) {
    return engine::record{{"id", std::move(id)}, {"url", std::move(url)}, {"triggers", std::move(triggers)}};
}

// ----- test doubles -----

// An outbox that forwards to another, but waits while its gate is closed, throws for one webhook
// when told to, and records on which thread each enqueue ran.
template <class Inner>
class gated_outbox {
public:
    explicit gated_outbox(Inner& inner) : inner_(inner) {}

    enqueue_result enqueue(enqueue_request r, error_code& ec, diagnostics& diag) {
        {
            std::unique_lock lock(mutex_);
            ++entered_;
            threads_.push_back(std::this_thread::get_id());
            if (probe_)
                probed_.push_back(probe_());
            // No time limit: a publish that wrongly waited for its enqueue hangs the case, and
            // ctest's timeout stops it.
            changed_.wait(lock, [&] { return open_; });
            if (!throw_for_.empty() && r.webhook_id == throw_for_)
                throw std::runtime_error("boom");
        }
        auto result = inner_.enqueue(std::move(r), ec, diag);
        completed_.fetch_add(1);
        return result;
    }

    void close() {
        std::lock_guard lock(mutex_);
        open_ = false;
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    void throw_for(std::string webhook_id) {
        std::lock_guard lock(mutex_);
        throw_for_ = std::move(webhook_id);
    }
    // Asked on the enqueuing thread, once per enqueue; its answers are `probed()`.
    void probe(std::function<bool()> p) {
        std::lock_guard lock(mutex_);
        probe_ = std::move(p);
    }
    int entered() {
        std::lock_guard lock(mutex_);
        return entered_;
    }
    std::vector<std::thread::id> threads() {
        std::lock_guard lock(mutex_);
        return threads_;
    }
    std::vector<bool> probed() {
        std::lock_guard lock(mutex_);
        return probed_;
    }
    int completed() const { return completed_.load(); }

private:
    Inner& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = true;
    int entered_ = 0;
    std::string throw_for_;
    std::function<bool()> probe_;
    std::vector<std::thread::id> threads_;
    std::vector<bool> probed_;
    std::atomic<int> completed_{0};
};

// A source that forwards to another, counts loads, and can be made to wait (after reading, before
// returning) or to fail.
template <class Inner>
class gated_source {
public:
    explicit gated_source(Inner& inner) : inner_(inner) {}

    std::vector<webhook_subscription> load(error_code& ec, diagnostics& diag) {
        auto subs = inner_.load(ec, diag);
        std::unique_lock lock(mutex_);
        ++loads_;
        changed_.notify_all();
        changed_.wait(lock, [&] { return open_; });
        if (fail_) {
            ec = make_error_code(errc::storage_failure);
            diag.assign("", "source: injected failure");
            return {};
        }
        return subs;
    }

    void close() {
        std::lock_guard lock(mutex_);
        open_ = false;
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }
    void fail(bool f) {
        std::lock_guard lock(mutex_);
        fail_ = f;
    }
    int loads() {
        std::lock_guard lock(mutex_);
        return loads_;
    }

private:
    Inner& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = true;
    bool fail_ = false;
    int loads_ = 0;
};

static_assert(subscription_source<engine_subscriptions<engine::memory_engine>>);
static_assert(subscription_source<engine_subscriptions<engine::sqlite_engine>>);
static_assert(subscription_source<subscription_registry>);
static_assert(subscription_source<gated_source<subscription_registry>>);
static_assert(fanout_outbox<outbox>);
static_assert(fanout_outbox<basic_outbox<sql_storage<engine::sqlite_engine>>>);

}  // namespace

// ----- the two setups (named, not in the anonymous namespace, so that case names read well) -----

// sys_webhook in a memory_engine; deliveries in the in-memory outbox.
struct fanout_memory_setup {
    using engine_type = engine::memory_engine;
    using outbox_type = hookbox::outbox;
    static constexpr const char* name = "memory";

    engine::memory_engine engine;
    outbox_type box;

    fanout_memory_setup() { engine.migrate(webhook_schema()); }
};

// One SQLite file: sys_webhook on one connection, the delivery table on the outbox's own.
struct fanout_sqlite_setup {
    using engine_type = engine::sqlite_engine;
    using outbox_type = basic_outbox<sql_storage<engine::sqlite_engine>>;
    static constexpr const char* name = "sqlite";

    static engine::sqlite_params at(const std::string& path) {
        engine::sqlite_params p;
        p.path = path;
        return p;
    }

    std::string path = process_temp_dir().file("fanout");
    engine::sqlite_engine engine{at(path)};
    outbox_type box{outbox_params{}, sql_storage<engine::sqlite_engine>(engine::sqlite_engine(at(path)))};

    fanout_sqlite_setup() { engine.migrate(webhook_schema()); }
};

using fanout_setups = boost::mpl::list<fanout_memory_setup, fanout_sqlite_setup>;

namespace {

// Where an enqueuer's storage calls run in a case.
enum class storage_on {
    // The I/O executor (the default): everything runs on the test thread, when the case runs the
    // io_context.
    io,
    // A pool of two threads: for the gates, which block the thread that calls them.
    pool,
};

// A setup, an io_context, the gated doubles around the setup's outbox and sys_webhook source, and
// an enqueuer over them whose errors are collected and whose run's completion is kept.
template <class Setup>
struct fixture {
    using outbox_type = gated_outbox<typename Setup::outbox_type>;
    using source_type = gated_source<engine_subscriptions<typename Setup::engine_type>>;
    // Its refresh timer moves only with manual_steady_clock.
    using enqueuer_type =
        auto_enqueuer<outbox_type, source_type, asio::io_context::executor_type, manual_steady_clock>;

    asio::io_context ioc;
    asio::thread_pool pool{2};
    Setup setup;
    outbox_type box{setup.box};
    engine_subscriptions<typename Setup::engine_type> table{setup.engine};
    source_type source{table};
    std::mutex errors_mutex;
    std::vector<fanout_error> errors_;
    std::optional<enqueuer_type> enqueuer;
    // The completion of the last run `launch` started, and how many enqueues had finished then.
    std::optional<error_code> done;
    int completed_at_done = -1;
    bool launched = false;

    // Whatever the case left behind: the gates open, the run stopped and completed, before the
    // outbox and the source it uses go.
    ~fixture() {
        box.open();
        source.open();
        if (enqueuer)
            enqueuer->cancel();
        if (launched)
            run_until(ioc, [&] { return done.has_value(); });
        pool.join();
    }

    static auto_enqueuer_params objectstack_params() {
        auto_enqueuer_params p;
        p.refresh_interval = 0ms;  // as the ObjectStack outbox's tests
        return p;
    }

    enqueuer_type& make(auto_enqueuer_params p = objectstack_params(), storage_on where = storage_on::io) {
        p.on_error = [this](const fanout_error& e) {
            std::lock_guard lock(errors_mutex);
            errors_.push_back(e);
        };
        if (where == storage_on::pool)
            enqueuer.emplace(ioc.get_executor(), pool.get_executor(), box, source, std::move(p));
        else
            enqueuer.emplace(ioc.get_executor(), box, source, std::move(p));
        return *enqueuer;
    }

    // Launches the enqueuer's run; its completion goes to `done`.
    void launch() {
        done.reset();
        launched = true;
        enqueuer->async_run([this](error_code ec) {
            completed_at_done = box.completed();
            done = ec;
        });
    }

    // Made, launched, and its first load done.
    enqueuer_type& started(auto_enqueuer_params p = objectstack_params(), storage_on where = storage_on::io) {
        make(std::move(p), where);
        launch();
        BOOST_REQUIRE(wait([&] { return enqueuer->stats().refreshes == 1u; }));
        return *enqueuer;
    }

    // Cancels the run and runs the io_context until it has completed.
    void stop() {
        enqueuer->cancel();
        BOOST_REQUIRE(wait([&] { return done.has_value(); }));
        BOOST_TEST(*done == asio::error::operation_aborted);
    }

    struct webhook {
        std::string id{};
        std::string url{};
        std::string object_name = "contact";
        std::string triggers = "create,update,delete,undelete";
        int active = 1;
        std::string name{};
        std::string definition_json = "{}";
    };

    void add(const webhook& w) {
        engine::record r{{"id", w.id},
                         {"name", w.name.empty() ? w.id + " name" : w.name},
                         {"object_name", w.object_name},
                         {"triggers", w.triggers},
                         {"url", w.url},
                         {"active", w.active},
                         {"definition_json", w.definition_json}};
        setup.engine.insert("sys_webhook", r);
    }

    std::vector<fanout_error> errors() {
        std::lock_guard lock(errors_mutex);
        return errors_;
    }

    std::uint64_t finished() const {
        auto s = enqueuer->stats();
        return s.enqueued + s.duplicates + s.failed;
    }

    // Runs the io_context until `n` enqueues have finished (stored, duplicate or failed).
    bool settle(std::uint64_t n) {
        return run_until(ioc, [&] { return finished() >= n; });
    }

    template <class Predicate>
    bool wait(Predicate&& p) {
        return run_until(ioc, std::forward<Predicate>(p));
    }

    std::vector<delivery> rows() { return setup.box.list().items; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(auto_enqueuer)

// =================================================================================================
// Sans-io: rows, triggers, index, matching, the request
// =================================================================================================

BOOST_AUTO_TEST_CASE(triggers_csv_is_split_trimmed_lowercased_and_deduplicated) {
    struct tc {
        const char* name;
        const char* csv;
        std::vector<std::string> want;
    };
    const std::vector<tc> cases{
        {"plain", "create,update", {"create", "update"}},
        {"spaces and case", " Create , UPDATE\t,delete ", {"create", "update", "delete"}},
        {"empty tokens dropped", ",,create,,", {"create"}},
        {"repeats dropped", "create,CREATE, create", {"create"}},
        {"other tokens kept", "api,undelete", {"api", "undelete"}},
        {"empty", "", {}},
        {"only separators", " , ,", {}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(parse_triggers(c.csv) == c.want, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(definition_json_falls_back_to_an_empty_object) {
    for (const char* text : {"", "   ", "not json", "{\"method\":", "null", "42", "[1,2]", "\"PUT\""}) {
        BOOST_TEST_CONTEXT(text) {
            BOOST_TEST(parse_definition(text).empty());
            auto row = webhook_record("wh-1", "https://r.example/h", "create");
            row.set("definition_json", text);
            auto s = parse_subscription(row);
            BOOST_REQUIRE(s);
            BOOST_TEST(s->method == "POST");
            BOOST_TEST(s->headers.empty());
            BOOST_TEST(s->secret.empty());
            BOOST_TEST(!s->timeout.has_value());
        }
    }
    BOOST_TEST(parse_definition(R"({"method":"PUT"})").at("method").as_string() == "PUT");
}

BOOST_AUTO_TEST_CASE(method_comes_from_the_column_then_the_definition_then_post) {
    auto row = webhook_record("wh-1", "https://r.example/h", "create");
    row.set("definition_json", R"({"method":"PATCH"})");
    row.set("method", "PUT");
    BOOST_TEST(parse_subscription(row)->method == "PUT");
    row.set("method", "");
    BOOST_TEST(parse_subscription(row)->method == "PATCH");
    row.set("method", nullptr);
    BOOST_TEST(parse_subscription(row)->method == "PATCH");
    row.set("definition_json", R"({"method":""})");
    BOOST_TEST(parse_subscription(row)->method == "POST");
    row.set("definition_json", R"({"method":7})");
    BOOST_TEST(parse_subscription(row)->method == "POST");
}

BOOST_AUTO_TEST_CASE(row_fields_and_skip_reasons) {
    struct tc {
        const char* name;
        engine::record row;
        subscription_skip why;
    };
    const std::vector<tc> cases{
        {"no id", engine::record{{"url", "https://r.example/h"}, {"triggers", "create"}},
         subscription_skip::empty_id},
        {"empty id", webhook_record("", "https://r.example/h", "create"), subscription_skip::empty_id},
        {"empty url", webhook_record("wh-1", "", "create"), subscription_skip::empty_url},
        {"null url", engine::record{{"id", "wh-1"}, {"url", nullptr}, {"triggers", "create"}},
         subscription_skip::empty_url},
        {"manual only", webhook_record("wh-1", "https://r.example/h", ""), subscription_skip::manual_only},
        {"manual only, separators", webhook_record("wh-1", "https://r.example/h", " , "),
         subscription_skip::manual_only},
        {"usable", webhook_record("wh-1", "https://r.example/h", "create"), subscription_skip::none},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            subscription_skip why = subscription_skip::inactive;
            auto s = parse_subscription(c.row, &why);
            BOOST_TEST(why == c.why);
            BOOST_TEST(s.has_value() == (c.why == subscription_skip::none));
        }
    }

    engine::record row{
        {"id", "wh-7"},
        {"name", nullptr},
        {"object_name", "contact"},
        {"triggers", "Create, update"},
        {"url", "https://r.example/h"},
        {"active", 0},
        {"definition_json", R"({"headers":{"X-Team":"crm","X-Retry":3,"X-Bad":{"a":1},"X-On":true},
                                              "secret":"whsec_abc","timeoutMs":5000})"}};
    auto s = parse_subscription(row);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->id == "wh-7");
    BOOST_TEST(s->name == "wh-7");  // no name: the id
    BOOST_TEST(s->object_name == "contact");
    BOOST_TEST(s->triggers == (std::vector<std::string>{"create", "update"}),
               boost::test_tools::per_element());
    BOOST_TEST(!s->active);
    BOOST_TEST(s->headers == (std::vector<header>{{"X-Team", "crm"}, {"X-Retry", "3"}, {"X-On", "true"}}),
               boost::test_tools::per_element());
    BOOST_TEST(s->secret == "whsec_abc");
    BOOST_TEST(s->timeout == std::optional<std::chrono::milliseconds>(5000ms));
    BOOST_TEST(why_skipped(*s) == subscription_skip::inactive);

    // Headers, secret and timeout come from the definition only, never from same-named columns.
    engine::record columns = webhook_record("wh-8", "https://r.example/h", "create");
    columns.set("secret", "column-secret");
    columns.set("timeoutMs", 10);
    columns.set("headers", R"({"X-A":"b"})");
    auto c = parse_subscription(columns);
    BOOST_TEST(c->secret.empty());
    BOOST_TEST(!c->timeout.has_value());
    BOOST_TEST(c->headers.empty());
}

BOOST_AUTO_TEST_CASE(index_files_by_object_and_leaves_out_unusable_subscriptions) {
    auto inactive = subscription("wh-off", "contact", {"create"});
    inactive.active = false;
    subscription_index index({
        subscription("wh-1", "contact", {"create"}),
        subscription("wh-any", "", {"Create "}),
        subscription("wh-star", "*", {"update"}),
        inactive,
        subscription("", "contact", {"create"}),
        subscription("wh-nourl", "contact", {"create"}, ""),
        subscription("wh-manual", "contact", {}),
    });
    BOOST_TEST(index.size() == 3u);
    BOOST_TEST(index.skipped() == 4u);
    BOOST_TEST(index.for_object("contact").size() == 1u);
    BOOST_TEST(index.for_object(subscription_index::any_object).size() == 2u);
    BOOST_TEST(index.for_object("lead").empty());
    BOOST_TEST(index.for_object("*")[0].triggers == std::vector<std::string>{"create"},
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(star_subscriptions_match_every_object_after_the_exact_ones) {
    subscription_index index({
        subscription("wh-any", "", {"create"}),
        subscription("wh-contact", "contact", {"create"}),
        subscription("wh-lead", "lead", {"create"}),
        subscription("wh-contact-update", "contact", {"update"}),
    });
    auto reqs = fan_out(created("contact", "c-1"), index);
    BOOST_REQUIRE(reqs.size() == 2u);
    BOOST_TEST(reqs[0].webhook_id == "wh-contact");
    BOOST_TEST(reqs[1].webhook_id == "wh-any");

    auto lead = fan_out(created("lead", "l-1"), index);
    BOOST_REQUIRE(lead.size() == 2u);
    BOOST_TEST(lead[0].webhook_id == "wh-lead");
    BOOST_TEST(lead[1].webhook_id == "wh-any");

    auto other = fan_out(created("invoice", "i-1"), index);
    BOOST_REQUIRE(other.size() == 1u);
    BOOST_TEST(other[0].webhook_id == "wh-any");
}

BOOST_AUTO_TEST_CASE(actions_map_to_triggers_and_others_are_ignored) {
    BOOST_TEST((parse_record_action("data.record.created") == record_action{"created", "create"}));
    BOOST_TEST((parse_record_action("data.record.updated") == record_action{"updated", "update"}));
    BOOST_TEST((parse_record_action("data.record.deleted") == record_action{"deleted", "delete"}));
    BOOST_TEST((parse_record_action("data.record.undeleted") == record_action{"undeleted", "undelete"}));
    for (const char* type :
         {"data.record.archived", "data.record.", "data.record.created.x", "data.records.created",
          "data.record.Created", "record.created", "created", ""}) {
        BOOST_TEST_CONTEXT(type) { BOOST_TEST(!parse_record_action(type).has_value()); }
    }

    subscription_index index({subscription("wh-1", "", {"create", "update", "delete", "undelete", "api"})});
    BOOST_TEST(fan_out(event("archived", "contact", json::object{{"id", "c-1"}}), index).empty());
    auto undeleted = fan_out(event("undeleted", "contact", json::object{{"id", "c-1"}}), index);
    BOOST_REQUIRE(undeleted.size() == 1u);
    BOOST_TEST(undeleted[0].event_id == std::string("contact:c-1:undeleted:") + ts);
    BOOST_TEST(undeleted[0].payload.to_json().at("action").as_string() == "undeleted");
    // An empty object never fans out.
    BOOST_TEST(fan_out(created("", "c-1"), index).empty());
}

BOOST_AUTO_TEST_CASE(undelete_trigger_matches_only_undeleted_events) {
    subscription_index index({subscription("wh-1", "contact", {"undelete"})});
    BOOST_TEST(fan_out(event("deleted", "contact", json::object{{"id", "c-1"}}), index).empty());
    BOOST_TEST(fan_out(event("undeleted", "contact", json::object{{"id", "c-1"}}), index).size() == 1u);
}

BOOST_AUTO_TEST_CASE(events_on_the_subscriptions_object_are_not_fanned_out) {
    subscription_index index(
        {subscription("wh-any", "", {"create"}), subscription("wh-sys", "sys_webhook", {"create"})});
    auto e = created("sys_webhook", "wh-9");
    BOOST_TEST(is_subscription_change(e));
    BOOST_TEST(fan_out(e, index).empty());
    // With another subscriptions object, sys_webhook is an ordinary object and that one is not.
    BOOST_TEST(!is_subscription_change(e, "hooks"));
    BOOST_TEST(fan_out(e, index, "hooks").size() == 2u);
    BOOST_TEST(fan_out(created("hooks", "h-1"), index, "hooks").empty());
    BOOST_TEST(is_subscription_change(event("archived", "sys_webhook", json::object{}), "sys_webhook"));
    BOOST_TEST(!is_subscription_change(data_event{"other.event", "sys_webhook", {}, std::nullopt}));
}

BOOST_AUTO_TEST_CASE(record_id_is_resolved_in_order) {
    struct tc {
        const char* name;
        const char* payload;
        const char* want_text;   // in the event id
        const char* want_json;   // payload.recordId
    };
    const std::vector<tc> cases{
        {"recordId first", R"({"recordId":"r-1","id":"i-1","after":{"id":"a-1"}})", "r-1", R"("r-1")"},
        {"then id", R"({"id":"i-1","after":{"id":"a-1"},"before":{"id":"b-1"}})", "i-1", R"("i-1")"},
        {"then after.id", R"({"after":{"id":"a-1"},"before":{"id":"b-1"}})", "a-1", R"("a-1")"},
        {"then before.id", R"({"before":{"id":"b-1"}})", "b-1", R"("b-1")"},
        {"null skipped", R"({"id":null,"after":{"id":null},"before":{"id":"b-1"}})", "b-1", R"("b-1")"},
        {"after not an object", R"({"after":"x","before":{"id":"b-1"}})", "b-1", R"("b-1")"},
        {"none", R"({"name":"x"})", "unknown", R"("unknown")"},
        {"null payload", "null", "unknown", R"("unknown")"},
        {"number", R"({"id":42})", "42", "42"},
    };
    subscription_index index({subscription("wh-1", "contact", {"update"})});
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto reqs = fan_out(event("updated", "contact", json::parse(c.payload)), index);
            BOOST_REQUIRE(reqs.size() == 1u);
            BOOST_TEST(reqs[0].event_id == std::string("contact:") + c.want_text + ":updated:" + ts);
            BOOST_TEST(json::serialize(reqs[0].payload.to_json().at("recordId")) == c.want_json);
        }
    }
}

BOOST_AUTO_TEST_CASE(event_id_with_and_without_timestamp) {
    subscription_index index({subscription("wh-1", "contact", {"create"})});
    auto with = fan_out(created("contact", "c-1"), index);
    BOOST_TEST(with.at(0).event_id == "contact:c-1:created:2026-05-24T00:00:00.000Z");
    auto without = fan_out(event("created", "contact", json::object{{"id", "c-1"}}, std::nullopt), index);
    BOOST_TEST(without.at(0).event_id == "contact:c-1:created:undefined");
    BOOST_TEST(fanout_event_id("lead", json::value(7), "deleted", std::string("t")) == "lead:7:deleted:t");
}

BOOST_AUTO_TEST_CASE(payload_keys_come_in_order_and_the_event_payload_overrides_in_place) {
    subscription_index index({subscription("wh-1", "contact", {"create"})});
    auto body = [&](data_event e) { return std::string(fan_out(e, index).at(0).payload.body()); };

    BOOST_TEST(
        body(event("created", "contact", json::parse(R"({"id":"c-1","name":"Alice"})"))) ==
        R"({"object":"contact","recordId":"c-1","action":"created","timestamp":"2026-05-24T00:00:00.000Z",)"
        R"("id":"c-1","name":"Alice"})");
    // Keys named like the first four replace the value but keep the position, null included.
    BOOST_TEST(
        body(event("created", "contact",
                   json::parse(
                       R"({"name":"Alice","timestamp":"T2","action":"custom","object":null,"id":"c-1"})"))) ==
        R"({"object":null,"recordId":"c-1","action":"custom","timestamp":"T2","name":"Alice","id":"c-1"})");
    // No timestamp anywhere: the key is left out.
    BOOST_TEST(body(event("created", "contact", json::parse(R"({"id":"c-1"})"), std::nullopt)) ==
               R"({"object":"contact","recordId":"c-1","action":"created","id":"c-1"})");
    // Only the payload's timestamp: fourth.
    BOOST_TEST(
        body(event("created", "contact", json::parse(R"({"id":"c-1","timestamp":"T3"})"), std::nullopt)) ==
        R"({"object":"contact","recordId":"c-1","action":"created","timestamp":"T3","id":"c-1"})");
    // A payload recordId of null overrides the resolved id in the body (not in the event id).
    auto reqs = fan_out(event("created", "contact", json::parse(R"({"recordId":null,"id":"c-1"})")), index);
    BOOST_TEST(std::string(reqs.at(0).payload.body()).starts_with(R"({"object":"contact","recordId":null,)"));
    BOOST_TEST(reqs.at(0).event_id == std::string("contact:c-1:created:") + ts);
    // No payload at all.
    BOOST_TEST(
        body(event("created", "contact", nullptr)) ==
        R"({"object":"contact","recordId":"unknown","action":"created","timestamp":"2026-05-24T00:00:00.000Z"})");
}

BOOST_AUTO_TEST_CASE(requests_carry_the_subscription_and_the_event) {
    auto s = subscription("wh-1", "contact", {"create"}, "https://r.example/orders");
    s.method = "PUT";
    s.headers = {{"X-Team", "crm"}};
    s.secret = "whsec_abc";
    s.timeout = 2500ms;
    auto s2 = subscription("wh-2", "", {"create"});
    s2.method = "";
    subscription_index index({s, s2});
    auto reqs = fan_out(created("contact", "c-1"), index);
    BOOST_REQUIRE(reqs.size() == 2u);
    const auto& r = reqs[0];
    BOOST_TEST(r.webhook_id == "wh-1");
    BOOST_TEST(r.event_type == "data.record.created");
    BOOST_TEST(r.url == "https://r.example/orders");
    BOOST_TEST(r.method == "PUT");
    BOOST_TEST(r.headers == s.headers, boost::test_tools::per_element());
    BOOST_TEST(r.secret == "whsec_abc");
    BOOST_TEST(r.timeout == std::optional<std::chrono::milliseconds>(2500ms));
    BOOST_TEST(reqs[1].method == "POST");
    // One event id and one body for every subscription.
    BOOST_TEST(reqs[1].event_id == r.event_id);
    BOOST_TEST(reqs[1].payload == r.payload);
    // Every request passes the outbox's validation.
    for (const auto& q : reqs) {
        error_code ec;
        diagnostics diag;
        BOOST_TEST(validate(q, 1024 * 1024, ec, diag), diag.message());
    }
}

// A subscription whose URL carries user information fans out to a request that enqueue refuses:
// enqueue_many of the fan-out stores nothing, and names the request's url.
BOOST_AUTO_TEST_CASE(a_subscription_url_with_user_information_is_refused_at_enqueue) {
    auto s = subscription("wh-1", "contact", {"create"});
    s.url = "https://user:s3cr3t@r.example/contacts";
    auto s2 = subscription("wh-2", "contact", {"create"});
    subscription_index index({s2, s});
    auto reqs = fan_out(created("contact", "c-1"), index);
    BOOST_REQUIRE(reqs.size() == 2u);
    BOOST_REQUIRE(reqs[1].url == s.url);
    outbox box;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(box.enqueue_many(reqs, ec, diag).empty());
    BOOST_TEST(ec == errc::invalid_url);
    BOOST_TEST(diag.field() == "requests[1].url");
    BOOST_TEST(diag.message().find("user information") != std::string::npos, diag.message());
    BOOST_TEST(diag.message().find("s3cr3t") == std::string::npos, diag.message());
    BOOST_TEST(box.list().items.empty());
}

BOOST_AUTO_TEST_CASE(an_event_payload_that_is_not_an_object_is_an_error) {
    subscription_index index({subscription("wh-1", "contact", {"create"})});
    error_code ec;
    diagnostics diag;
    auto reqs = fan_out(event("created", "contact", json::array{1, 2}), index, ec, diag);
    BOOST_TEST(reqs.empty());
    BOOST_TEST(ec == errc::invalid_payload);
    BOOST_TEST(diag.field() == "payload");
    BOOST_TEST(diag.message().find("must be a JSON object or null") != std::string::npos);
    BOOST_CHECK_THROW(fan_out(event("created", "contact", "text"), index), error_with_diagnostics);
    // An event that does not fan out is not checked.
    BOOST_TEST(fan_out(event("archived", "contact", json::array{1}), index, ec, diag).empty());
    BOOST_TEST(!ec);
}

// =================================================================================================
// The ObjectStack outbox's auto-enqueuer tests, on both setups
// =================================================================================================

BOOST_AUTO_TEST_CASE_TEMPLATE(enqueues_a_delivery_when_a_matching_data_event_fires, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    auto rows = f.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].url == "https://r.example/contacts");
    BOOST_TEST(rows[0].event_type == "data.record.created");
    BOOST_TEST(rows[0].webhook_id == "wh-1");
    BOOST_TEST(rows[0].event_id == std::string("contact:c-1:created:") + ts);
    BOOST_TEST(rows[0].payload.to_json().at("recordId").as_string() == "c-1");
    BOOST_TEST(ae.stats().enqueued == 1u);
    BOOST_TEST(f.errors().empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(skips_events_for_other_objects, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("lead", "l-1")) == 0u);
    BOOST_TEST(ae.stats().events == 1u);
    BOOST_TEST(ae.stats().matched == 0u);
    BOOST_TEST(f.rows().empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(respects_the_triggers_csv, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts", .triggers = "create"});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_TEST(ae.publish(event("updated", "contact", json::object{{"id", "c-1"}})) == 0u);
    BOOST_TEST(ae.publish(event("deleted", "contact", json::object{{"id", "c-1"}})) == 0u);
    BOOST_REQUIRE(f.settle(1));
    auto rows = f.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].event_type == "data.record.created");
    BOOST_TEST(ae.stats().events == 3u);
    BOOST_TEST(ae.stats().matched == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(fans_out_to_multiple_matching_webhooks, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://a.example/hook"});
    f.add({.id = "wh-2", .url = "https://b.example/hook", .object_name = ""});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 2u);
    BOOST_REQUIRE(f.settle(2));
    std::set<std::string> urls;
    for (const auto& d : f.rows())
        urls.insert(d.url);
    BOOST_TEST(urls == (std::set<std::string>{"https://a.example/hook", "https://b.example/hook"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(skips_inactive_webhooks, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts", .active = 0});
    auto& ae = f.started();
    BOOST_TEST(ae.subscriptions()->empty());
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);
    BOOST_TEST(f.rows().empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(skips_manual_only_webhooks, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts", .triggers = ""});
    auto& ae = f.started();
    BOOST_TEST(ae.subscriptions()->empty());
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);
    BOOST_TEST(f.rows().empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(self_heals_the_cache_when_sys_webhook_changes, Setup, fanout_setups) {
    fixture<Setup> f;
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    BOOST_TEST(ae.publish(created("sys_webhook", "wh-1")) == 0u);  // refreshes instead of fanning out
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refreshes == 2u; }));
    BOOST_TEST(ae.publish(created("contact", "c-2")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    auto rows = f.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].payload.to_json().at("recordId").as_string() == "c-2");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(uses_a_deterministic_event_id_so_replays_collapse, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.settle(2));
    BOOST_TEST(f.rows().size() == 1u);
    BOOST_TEST(ae.stats().enqueued == 1u);
    BOOST_TEST(ae.stats().duplicates == 1u);
}

// A subscription whose URL the outbox refuses: reported on field `url`, nothing stored for it, and
// the other webhooks still fire. A URL with user information is refused without quoting the password.
BOOST_AUTO_TEST_CASE_TEMPLATE(an_enqueue_failure_is_reported_and_the_other_webhooks_still_fire,
                              Setup,
                              fanout_setups) {
    struct bad_url {
        std::string url;
        std::string must_say;
        std::string must_not_say;
    };
    for (const bad_url& bad : {bad_url{"not a url", "", ""},
                               bad_url{"https://user:s3cr3t@r.example/contacts", "user information", "s3cr3t"}}) {
        BOOST_TEST_CONTEXT("url " << bad.url) {
            fixture<Setup> f;
            f.add({.id = "wh-bad", .url = bad.url, .name = "broken hook"});
            f.add({.id = "wh-good", .url = "https://r.example/contacts"});
            auto& ae = f.started();
            BOOST_TEST(ae.publish(created("contact", "c-1")) == 2u);
            BOOST_REQUIRE(f.settle(2));
            auto rows = f.rows();
            BOOST_REQUIRE(rows.size() == 1u);
            BOOST_TEST(rows[0].webhook_id == "wh-good");
            auto errors = f.errors();
            BOOST_REQUIRE(errors.size() == 1u);
            BOOST_TEST(errors[0].operation == fanout_operation::enqueue);
            BOOST_TEST(errors[0].webhook_name == "broken hook");
            BOOST_TEST(errors[0].webhook_id == "wh-bad");
            BOOST_TEST(errors[0].event_id == std::string("contact:c-1:created:") + ts);
            BOOST_TEST(errors[0].ec == errc::invalid_url);
            BOOST_TEST(errors[0].field == "url");
            if (!bad.must_say.empty())
                BOOST_TEST(errors[0].message.find(bad.must_say) != std::string::npos, errors[0].message);
            if (!bad.must_not_say.empty())
                BOOST_TEST(errors[0].message.find(bad.must_not_say) == std::string::npos, errors[0].message);
            BOOST_TEST(ae.stats().failed == 1u);
            BOOST_TEST(ae.stats().enqueued == 1u);
        }
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_outbox_that_throws_is_reported_like_a_failure, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-boom", .url = "https://a.example/hook", .name = "boom hook"});
    f.add({.id = "wh-ok", .url = "https://b.example/hook"});
    f.box.throw_for("wh-boom");
    auto& ae = f.started();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 2u);
    BOOST_REQUIRE(f.settle(2));
    auto rows = f.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].webhook_id == "wh-ok");
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].webhook_name == "boom hook");
    BOOST_TEST(errors[0].ec == errc::storage_failure);
    BOOST_TEST(errors[0].message.find("boom") != std::string::npos);
}

// =================================================================================================
// Refresh, on both setups
// =================================================================================================

// The refresh timer runs on manual_steady_clock: nothing but moving it past refresh_interval
// reloads here (no self-heal event, no refresh() call), and nothing reloads before.
BOOST_AUTO_TEST_CASE_TEMPLATE(periodic_refresh_picks_up_new_subscriptions, Setup, fanout_setups) {
    fixture<Setup> f;
    auto p = fixture<Setup>::objectstack_params();
    p.refresh_interval = 10s;
    auto& ae = f.started(p);
    BOOST_TEST(ae.subscriptions()->empty());
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    f.ioc.poll();  // the run arms its timer
    manual_steady_clock::advance(9s);
    BOOST_TEST_REQUIRE(run_due_timers(f.ioc));
    BOOST_TEST(f.source.loads() == 1);
    manual_steady_clock::advance(1s);
    BOOST_REQUIRE(f.wait([&] { return ae.subscriptions()->size() == 1u; }));
    BOOST_TEST(ae.stats().refreshes == 2u);
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(f.rows().size() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(refresh_requests_during_a_load_add_up_to_one_more_load, Setup, fanout_setups) {
    fixture<Setup> f;
    auto& ae = f.started(fixture<Setup>::objectstack_params(), storage_on::pool);
    BOOST_TEST(f.source.loads() == 1);

    f.source.close();
    ae.refresh();
    BOOST_REQUIRE(f.wait([&] { return f.source.loads() == 2; }));  // load 2 has read the table and waits
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});     // a change load 2 cannot see
    for (int i = 0; i < 5; ++i)
        ae.refresh();
    BOOST_TEST(ae.publish(created("sys_webhook", "wh-1")) == 0u);   // self-heal joins the same follow-up
    f.source.open();

    BOOST_REQUIRE(f.wait([&] { return ae.stats().refreshes == 3u; }));
    BOOST_TEST(ae.subscriptions()->size() == 1u);  // the follow-up load saw the change
    f.stop();                                      // a run's loads end before it completes
    BOOST_TEST(f.source.loads() == 3);             // the first, the running load, one follow-up
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_failed_refresh_keeps_the_cache_and_is_reported, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    f.source.fail(true);
    ae.refresh();
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refresh_failures == 1u; }));
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].operation == fanout_operation::refresh);
    BOOST_TEST(errors[0].ec == errc::storage_failure);
    BOOST_TEST(ae.subscriptions()->size() == 1u);
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(f.rows().size() == 1u);

    // The synchronous form returns the error instead.
    error_code ec;
    diagnostics diag;
    ae.refresh(ec, diag);
    BOOST_TEST(ec == errc::storage_failure);
    BOOST_TEST(diag.message() == "source: injected failure");
    BOOST_TEST(f.errors().size() == 1u);
    BOOST_TEST(ae.stats().refresh_failures == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_load_of_a_missing_table_fails_and_names_it, Setup, fanout_setups) {
    fixture<Setup> f;
    engine_subscriptions<typename Setup::engine_type> missing(f.setup.engine, "no_such_table");
    error_code ec;
    diagnostics diag;
    BOOST_TEST(missing.load(ec, diag).empty());
    BOOST_TEST(ec == errc::schema_error);
    BOOST_TEST(diag.message().find("'no_such_table'") != std::string::npos);
}

// =================================================================================================
// The run: first load, held and refused events, stop, on both setups
// =================================================================================================

// A first load that fails does not end the run: it is reported and tried again after 100 ms, then
// after 200 ms, ...; the events published meanwhile are held and fanned out once a load succeeds.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_failed_first_load_is_reported_and_retried_while_events_are_held,
                              Setup,
                              fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    f.source.fail(true);
    auto& ae = f.make();
    f.launch();
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refresh_failures == 1u; }));
    f.ioc.poll();  // the run arms its timer for the retry
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].operation == fanout_operation::refresh);
    BOOST_TEST(errors[0].ec == errc::storage_failure);
    BOOST_TEST(errors[0].message == "source: injected failure");

    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);  // held
    BOOST_TEST(ae.stats().events == 1u);
    BOOST_TEST(ae.stats().refused == 0u);

    manual_steady_clock::advance(99ms);  // the first retry comes 100 ms after the first failure
    BOOST_TEST_REQUIRE(run_due_timers(f.ioc));
    BOOST_TEST(f.source.loads() == 1);
    manual_steady_clock::advance(1ms);
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refresh_failures == 2u; }));
    f.ioc.poll();
    manual_steady_clock::advance(199ms);  // the second retry comes 200 ms after the second failure
    BOOST_TEST_REQUIRE(run_due_timers(f.ioc));
    BOOST_TEST(f.source.loads() == 2);

    f.source.fail(false);
    manual_steady_clock::advance(1ms);
    BOOST_REQUIRE(f.settle(1));  // loaded, and the held event fanned out
    BOOST_TEST(ae.stats().refreshes == 1u);
    BOOST_TEST(ae.stats().matched == 1u);
    auto rows = f.rows();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].event_id == std::string("contact:c-1:created:") + ts);
    BOOST_TEST(f.errors().size() == 2u);
    BOOST_TEST(!f.done.has_value());
}

// Events published before the first load has finished are held, up to max_held_events; more are
// refused with no_buffer_space.
BOOST_AUTO_TEST_CASE_TEMPLATE(events_before_the_first_load_are_held_up_to_max_held_events,
                              Setup,
                              fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    f.source.close();
    auto p = fixture<Setup>::objectstack_params();
    p.max_held_events = 2;
    auto& ae = f.make(p, storage_on::pool);
    f.launch();
    BOOST_REQUIRE(f.wait([&] { return f.source.loads() == 1; }));  // the first load waits at the gate
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);
    BOOST_TEST(ae.publish(created("contact", "c-2")) == 0u);
    BOOST_TEST(ae.publish(created("contact", "c-3")) == 0u);
    BOOST_TEST(ae.stats().events == 2u);
    BOOST_TEST(ae.stats().refused == 1u);
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].operation == fanout_operation::event);
    BOOST_TEST(errors[0].ec == asio::error::no_buffer_space);
    BOOST_TEST(errors[0].event_id == std::string("contact:c-3:created:") + ts);
    BOOST_TEST(errors[0].message.find("max_held_events (2)") != std::string::npos);

    f.source.open();
    BOOST_REQUIRE(f.settle(2));
    std::set<std::string> ids;
    for (const auto& d : f.rows())
        ids.insert(d.event_id);
    BOOST_TEST(ids == (std::set<std::string>{std::string("contact:c-1:created:") + ts,
                                              std::string("contact:c-2:created:") + ts}),
               boost::test_tools::per_element());
}

// A stop while no load has succeeded gives the held events one more load; when that fails too,
// each is reported and counted as dropped, never lost in silence.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_stop_before_any_load_succeeded_reports_the_held_events, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    f.source.fail(true);
    auto& ae = f.make();
    f.launch();
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refresh_failures == 1u; }));
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);  // held
    f.stop();
    BOOST_TEST(f.source.loads() == 2);  // the first load, and one more at the stop
    auto s = ae.stats();
    BOOST_TEST(s.events == 1u);
    BOOST_TEST(s.dropped == 1u);
    BOOST_TEST(s.refused == 0u);
    BOOST_TEST(s.refresh_failures == 2u);
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 3u);
    BOOST_TEST(errors[2].operation == fanout_operation::event);
    BOOST_TEST(errors[2].ec == asio::error::operation_aborted);
    BOOST_TEST(errors[2].event_id == std::string("contact:c-1:created:") + ts);
    BOOST_TEST(errors[2].message.find("stopped before the subscriptions could be loaded") != std::string::npos);
    BOOST_TEST(f.rows().empty());
}

// publish accepts events from the launch of async_run until a stop; before and after, it refuses
// them and says so. A later run fans out at once from the subscriptions the earlier one loaded.
BOOST_AUTO_TEST_CASE_TEMPLATE(publish_refuses_events_while_no_run_is_going_on, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.make();
    BOOST_TEST(ae.publish(created("contact", "c-0")) == 0u);  // before async_run
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].operation == fanout_operation::event);
    BOOST_TEST(errors[0].ec == asio::error::operation_aborted);
    BOOST_TEST(errors[0].event_id == std::string("contact:c-0:created:") + ts);
    BOOST_TEST(errors[0].message.find("async_run") != std::string::npos);
    BOOST_TEST(ae.stats().refused == 1u);
    BOOST_TEST(ae.stats().events == 0u);

    f.launch();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);  // the run has not begun: held
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(ae.publish(created("contact", "c-2")) == 1u);
    BOOST_REQUIRE(f.settle(2));

    ae.cancel();
    BOOST_TEST(ae.publish(created("contact", "c-3")) == 0u);  // refused from the moment cancel() returned
    BOOST_TEST(ae.publish(created("sys_webhook", "wh-1")) == 0u);
    BOOST_REQUIRE(f.wait([&] { return f.done.has_value(); }));
    BOOST_TEST(ae.publish(created("contact", "c-4")) == 0u);  // after the run
    auto s = ae.stats();
    BOOST_TEST(s.events == 2u);
    BOOST_TEST(s.refused == 4u);
    BOOST_TEST(s.matched == 2u);
    BOOST_TEST(s.refreshes == 1u);
    BOOST_TEST(f.errors().size() == 4u);
    BOOST_TEST(f.rows().size() == 2u);

    f.launch();
    BOOST_TEST(ae.publish(created("contact", "c-5")) == 1u);  // the subscriptions are loaded already
    BOOST_REQUIRE(f.settle(3));
    BOOST_TEST(f.rows().size() == 3u);
}

// A cancel() before async_run is kept: that run completes at once, without a load, and refuses
// events; the run after it runs normally.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_cancel_before_async_run_stops_that_run, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.make();
    ae.cancel();
    f.launch();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);
    f.ioc.poll();  // no load, timer or enqueue to wait for: the run ends within the ready handlers
    BOOST_REQUIRE(f.done.has_value());
    BOOST_TEST(*f.done == asio::error::operation_aborted);
    BOOST_TEST(f.source.loads() == 0);
    BOOST_TEST(ae.stats().refused == 1u);

    f.launch();
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refreshes == 1u; }));
    BOOST_TEST(ae.publish(created("contact", "c-2")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(!f.done.has_value());
}

// A second async_run while one is going on fails with already_started, never inside the call; the
// first goes on.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_second_run_is_refused, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    std::optional<error_code> second;
    bool returned = false;
    ae.async_run([&](error_code ec) {
        BOOST_TEST(returned);
        second = ec;
    });
    returned = true;
    BOOST_REQUIRE(f.wait([&] { return second.has_value(); }));
    BOOST_TEST(*second == asio::error::already_started);
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(f.source.loads() == 1);
    BOOST_TEST(!f.done.has_value());
}

// The stop waits for the enqueues already posted: the run completes only after the gated one.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_stop_waits_for_the_enqueues_already_posted, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started(fixture<Setup>::objectstack_params(), storage_on::pool);
    f.box.close();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(f.wait([&] { return f.box.entered() == 1; }));  // the enqueue is running, and blocked
    ae.cancel();
    f.ioc.poll();
    BOOST_TEST(!f.done.has_value());
    f.box.open();
    BOOST_REQUIRE(f.wait([&] { return f.done.has_value(); }));
    BOOST_TEST(*f.done == asio::error::operation_aborted);
    BOOST_TEST(f.completed_at_done == 1);
    BOOST_TEST(f.rows().size() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(stop_cancels_the_periodic_refresh, Setup, fanout_setups) {
    fixture<Setup> f;
    auto p = fixture<Setup>::objectstack_params();
    p.refresh_interval = 1s;
    auto& ae = f.started(p);
    f.ioc.poll();
    manual_steady_clock::advance(1s);
    BOOST_REQUIRE(f.wait([&] { return ae.stats().refreshes == 2u; }));
    f.stop();
    int loads = f.source.loads();
    // Past the interval, with the run over: run() returns, as nothing is left to run. A timer still
    // armed would fire and re-arm for ever, and ctest's timeout would stop the case.
    manual_steady_clock::advance(10s);
    f.ioc.restart();
    f.ioc.run();
    BOOST_TEST(f.source.loads() == loads);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(publish_does_not_wait_for_the_enqueue, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started(fixture<Setup>::objectstack_params(), storage_on::pool);
    f.box.close();
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    // publish returned while the gate holds every enqueue: none can have finished.
    BOOST_TEST(f.box.completed() == 0);
    BOOST_REQUIRE(f.wait([&] { return f.box.entered() == 1; }));  // the enqueue is running, and blocked
    BOOST_TEST(f.rows().empty());
    f.box.open();
    BOOST_REQUIRE(f.settle(1));
    BOOST_TEST(f.box.completed() == 1);
    BOOST_TEST(f.rows().size() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(publish_from_many_threads, Setup, fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://a.example/hook"});
    f.add({.id = "wh-2", .url = "https://b.example/hook", .object_name = ""});
    auto& ae = f.started(fixture<Setup>::objectstack_params(), storage_on::pool);
    constexpr int threads = 4;
    constexpr int per_thread = 25;
    std::vector<std::thread> publishers;
    for (int t = 0; t < threads; ++t)
        publishers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                std::string id = "c-" + std::to_string(t) + "-" + std::to_string(i);
                ae.publish(created("contact", id));
                if (i % 10 == 0)
                    ae.publish(created("sys_webhook", "wh-1"));  // refreshes racing with publishes
            }
        });
    for (auto& p : publishers)
        p.join();
    constexpr std::uint64_t deliveries = 2 * threads * per_thread;
    BOOST_REQUIRE(f.settle(deliveries));
    BOOST_TEST(ae.stats().matched == deliveries);
    BOOST_TEST(ae.stats().enqueued == deliveries);
    BOOST_TEST(f.setup.box.stats().total() == deliveries);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_event_with_a_payload_that_is_not_an_object_is_rejected,
                              Setup,
                              fanout_setups) {
    fixture<Setup> f;
    f.add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = f.started();
    BOOST_TEST(ae.publish(event("created", "contact", json::array{1})) == 0u);
    BOOST_REQUIRE(f.wait([&] { return ae.stats().rejected == 1u; }));
    auto errors = f.errors();
    BOOST_REQUIRE(errors.size() == 1u);
    BOOST_TEST(errors[0].operation == fanout_operation::event);
    BOOST_TEST(errors[0].ec == errc::invalid_payload);
    BOOST_TEST(errors[0].field == "payload");
}

// =================================================================================================
// The Asio model: lifetime, completion tokens, cancellation, threads (SQLite)
// =================================================================================================

using fanout_sqlite_fixture = fixture<fanout_sqlite_setup>;

// Destroying the enqueuer while its run goes on, with enqueues queued, is safe (under ASan, a
// queued call that used the destroyed object would be a use after free): the run stops, finishes
// every enqueue `publish` accepted, and completes; then nothing is left to run.
BOOST_FIXTURE_TEST_CASE(destroyed_while_running_loses_no_accepted_event, fanout_sqlite_fixture) {
    add({.id = "wh-1", .url = "https://a.example/hook"});
    add({.id = "wh-2", .url = "https://b.example/hook", .object_name = ""});
    auto& ae = started();
    for (const char* id : {"c-1", "c-2", "c-3"})
        BOOST_TEST(ae.publish(created("contact", id)) == 2u);  // queued on the io_context, not run yet
    enqueuer.reset();
    ioc.run();
    BOOST_REQUIRE(done.has_value());
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(completed_at_done == 6);  // the run completed after the enqueues it had accepted
    BOOST_TEST(rows().size() == 6u);
    BOOST_TEST(errors().empty());
}

// The same, with the events held: published right after the launch, before the run has begun. The
// stop gives them the load they were waiting for.
BOOST_FIXTURE_TEST_CASE(destroyed_with_events_held_loses_none, fanout_sqlite_fixture) {
    add({.id = "wh-1", .url = "https://a.example/hook"});
    make();
    launch();
    BOOST_TEST(enqueuer->publish(created("contact", "c-1")) == 0u);
    BOOST_TEST(enqueuer->publish(created("contact", "c-2")) == 0u);
    enqueuer.reset();
    ioc.run();
    BOOST_REQUIRE(done.has_value());
    BOOST_TEST(*done == asio::error::operation_aborted);
    BOOST_TEST(completed_at_done == 2);
    BOOST_TEST(source.loads() == 1);
    BOOST_TEST(rows().size() == 2u);
    BOOST_TEST(errors().empty());
}

// `async_run` takes any completion token: deferred by default (nothing starts until it is
// launched; here awaited in a coroutine), and `use_awaitable`.
BOOST_FIXTURE_TEST_CASE(async_run_with_the_default_token_and_use_awaitable, fanout_sqlite_fixture) {
    add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = make();
    auto deferred_run = ae.async_run();
    BOOST_TEST(ae.publish(created("contact", "c-0")) == 0u);  // not launched yet: refused
    BOOST_TEST(ae.stats().refused == 1u);
    ioc.poll();
    BOOST_TEST(source.loads() == 0);

    std::optional<error_code> first, second;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto [ec] = co_await std::move(deferred_run)(asio::as_tuple(asio::use_awaitable));
            first = ec;
        },
        asio::detached);
    BOOST_REQUIRE(wait([&] { return ae.stats().refreshes == 1u; }));
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(settle(1));

    auto p = objectstack_params();
    enqueuer_type other(ioc.get_executor(), box, source, p);
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            try {
                co_await other.async_run(asio::use_awaitable);
            } catch (const boost::system::system_error& e) {
                second = e.code();
            }
        },
        asio::detached);
    BOOST_REQUIRE(wait([&] { return other.stats().refreshes == 1u; }));
    BOOST_TEST(other.publish(created("contact", "c-2")) == 1u);
    BOOST_REQUIRE(wait([&] { return other.stats().enqueued == 1u; }));

    ae.cancel();
    other.cancel();
    BOOST_REQUIRE(wait([&] { return first.has_value() && second.has_value(); }));
    BOOST_TEST(*first == asio::error::operation_aborted);
    BOOST_TEST(*second == asio::error::operation_aborted);
    BOOST_TEST(rows().size() == 2u);
}

// Terminal cancellation of the token's slot stops the run as cancel() does: the enqueue already
// posted is finished, and publish refuses events afterwards.
BOOST_FIXTURE_TEST_CASE(a_bound_cancellation_slot_stops_the_run, fanout_sqlite_fixture) {
    add({.id = "wh-1", .url = "https://r.example/contacts"});
    auto& ae = make();
    asio::cancellation_signal sig;
    std::optional<error_code> ended;
    int completed = -1;
    ae.async_run(asio::bind_cancellation_slot(sig.slot(), [&](error_code ec) {
        completed = box.completed();
        ended = ec;
    }));
    BOOST_REQUIRE(wait([&] { return ae.stats().refreshes == 1u; }));
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);  // queued, not run yet
    sig.emit(asio::cancellation_type::terminal);
    BOOST_REQUIRE(wait([&] { return ended.has_value(); }));
    BOOST_TEST(*ended == asio::error::operation_aborted);
    BOOST_TEST(completed == 1);
    BOOST_TEST(ae.publish(created("contact", "c-2")) == 0u);
    BOOST_TEST(ae.stats().refused == 1u);
}

// No thread the user did not ask for: constructing and running the enqueuer starts none, and by
// default its enqueues run on the I/O executor (here the test thread); given a thread pool, they
// run there.
BOOST_FIXTURE_TEST_CASE(starts_no_thread_and_runs_storage_calls_where_told, fanout_sqlite_fixture) {
    add({.id = "wh-1", .url = "https://r.example/contacts"});
    box.probe([&] { return pool.get_executor().running_in_this_thread(); });
    const std::size_t before = thread_count();
    auto& ae = make();
    BOOST_TEST(thread_count() == before);
    BOOST_TEST((ae.storage_executor() == asio::any_io_executor(ioc.get_executor())));
    launch();
    BOOST_REQUIRE(wait([&] { return ae.stats().refreshes == 1u; }));
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
    BOOST_REQUIRE(settle(1));
    BOOST_TEST(thread_count() == before);
    stop();

    auto& pooled = make(objectstack_params(), storage_on::pool);
    BOOST_TEST((pooled.storage_executor() == asio::any_io_executor(pool.get_executor())));
    launch();
    BOOST_REQUIRE(wait([&] { return pooled.stats().refreshes == 1u; }));
    BOOST_TEST(pooled.publish(created("contact", "c-2")) == 1u);
    BOOST_REQUIRE(settle(1));
    BOOST_TEST(thread_count() == before);

    auto threads = box.threads();
    BOOST_REQUIRE(threads.size() == 2u);
    BOOST_TEST((threads[0] == std::this_thread::get_id()));
    BOOST_TEST((threads[1] != std::this_thread::get_id()));
    BOOST_TEST(box.probed() == (std::vector<bool>{false, true}), boost::test_tools::per_element());
}
// =================================================================================================
// fan_out inside the caller's transaction (SQLite)
// =================================================================================================

BOOST_AUTO_TEST_CASE(fan_out_joins_the_callers_transaction) {
    fanout_sqlite_setup s;
    subscription_index index(
        {subscription("wh-1", "contact", {"create"}), subscription("wh-2", "", {"create"})});
    // The caller's own connection to the outbox's database, and an outbox attached to it.
    sqlite3* app = nullptr;
    BOOST_REQUIRE(sqlite3_open_v2(s.path.c_str(), &app, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    auto exec = [&](const char* sql) { return sqlite3_exec(app, sql, nullptr, nullptr, nullptr); };
    {
        basic_outbox<sql_storage<engine::sqlite_engine>> in_tx(
            outbox_params{}, sql_storage<engine::sqlite_engine>(engine::sqlite_engine::attach(app)));
        BOOST_REQUIRE(exec("BEGIN IMMEDIATE") == SQLITE_OK);
        in_tx.enqueue_many(fan_out(created("contact", "c-1"), index));
        BOOST_REQUIRE(exec("ROLLBACK") == SQLITE_OK);
        BOOST_TEST(s.box.stats().total() == 0u);

        BOOST_REQUIRE(exec("BEGIN IMMEDIATE") == SQLITE_OK);
        auto results = in_tx.enqueue_many(fan_out(created("contact", "c-1"), index));
        BOOST_TEST(results.size() == 2u);
        BOOST_TEST(s.box.stats().total() == 0u, "nothing is visible before the caller's commit");
        BOOST_REQUIRE(exec("COMMIT") == SQLITE_OK);
    }
    BOOST_TEST(s.box.stats().total() == 2u);
    BOOST_TEST(sqlite3_close(app) == SQLITE_OK);
}

// =================================================================================================
// subscription_registry
// =================================================================================================

BOOST_AUTO_TEST_CASE(registry_adds_replaces_removes_and_names_the_field_on_errors) {
    subscription_registry reg;
    reg.add(subscription("wh-1", "contact", {"create"}));
    reg.add(subscription("wh-2", "", {"update"}));
    BOOST_TEST(reg.size() == 2u);

    error_code ec;
    diagnostics diag;
    reg.add(subscription("wh-1", "lead", {"create"}), ec, diag);
    BOOST_TEST(ec == errc::unique_violation);
    BOOST_TEST(diag.field() == "id");
    BOOST_TEST(reg.find("wh-1")->object_name == "contact");
    reg.add(subscription("", "lead", {"create"}), ec, diag);
    BOOST_TEST(ec == errc::empty_field);
    BOOST_TEST(diag.field() == "id");

    reg.replace(subscription("wh-1", "lead", {"create"}));
    BOOST_TEST(reg.find("wh-1")->object_name == "lead");
    reg.replace(subscription("wh-9", "lead", {"create"}), ec, diag);
    BOOST_TEST(ec == errc::not_found);
    BOOST_CHECK_THROW(reg.replace(subscription("wh-9", "lead", {"create"})), error_with_diagnostics);

    BOOST_TEST(reg.remove("wh-2"));
    BOOST_TEST(!reg.remove("wh-2"));
    BOOST_TEST(reg.load().size() == 1u);

    reg.assign({subscription("a", "", {"create"}), subscription("b", "", {"create"}),
                subscription("a", "", {"create"})},
               ec, diag);
    BOOST_TEST(ec == errc::unique_violation);
    BOOST_TEST(diag.field() == "subscriptions[2].id");
    BOOST_TEST(reg.size() == 1u);  // unchanged
    reg.assign({subscription("a", "", {"create"}), subscription("b", "", {"create"})});
    auto all = reg.load(ec, diag);
    BOOST_TEST(!ec);
    BOOST_REQUIRE(all.size() == 2u);
    BOOST_TEST(all[0].id == "a");
    BOOST_TEST(all[1].id == "b");
}

// The outbox observer's on_error hears what the auto-enqueuer reports, as it hears the dispatcher
// and the sweeper: here an event published while no run is going on.
BOOST_AUTO_TEST_CASE(failures_reach_the_outbox_observer) {
    struct error_observer {
        std::shared_ptr<std::vector<std::pair<std::string, error_code>>> seen =
            std::make_shared<std::vector<std::pair<std::string, error_code>>>();
        void on_error(const error_code& ec, const diagnostics& diag, std::string_view what) {
            seen->emplace_back(std::string(what) + ": " + diag.message(), ec);
        }
    };
    using observed_outbox =
        basic_outbox<memory_storage, std::chrono::system_clock, fnv1a_partition_hasher, error_observer>;
    asio::io_context ioc;
    subscription_registry reg;
    reg.add(subscription("wh-1", "contact", {"create"}));
    observed_outbox box;
    hookbox::auto_enqueuer<observed_outbox, subscription_registry> ae(ioc.get_executor(), box, reg,
                                                                      {.refresh_interval = 0ms});
    BOOST_TEST(ae.publish(created("contact", "c-1")) == 0u);  // no run: refused
    const auto& seen = *box.observer().seen;
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].first.rfind("fanout.event: ", 0) == 0u, seen[0].first);
    BOOST_TEST(seen[0].second == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(an_enqueuer_over_the_registry) {
    asio::io_context ioc;
    subscription_registry reg;
    reg.add(subscription("wh-1", "contact", {"create"}));
    outbox box;
    asio::thread_pool storage(2);  // the caller's pool, as a dispatcher may share it
    {
        // The default timer clock (std::chrono::steady_clock); the periodic refresh is off.
        hookbox::auto_enqueuer<outbox, subscription_registry> ae(ioc.get_executor(), storage.get_executor(), box,
                                                                 reg, {.refresh_interval = 0ms});
        std::optional<error_code> done;
        ae.async_run([&](error_code ec) { done = ec; });
        BOOST_REQUIRE(run_until(ioc, [&] { return ae.stats().refreshes == 1u; }));
        BOOST_TEST(ae.publish(created("contact", "c-1")) == 1u);
        BOOST_REQUIRE(run_until(ioc, [&] { return ae.stats().enqueued == 1u; }));

        reg.remove("wh-1");
        reg.add(subscription("wh-2", "lead", {"create"}));
        BOOST_TEST(ae.publish(created("lead", "l-1")) == 0u);  // not refreshed yet
        error_code ec;
        diagnostics diag;
        ae.refresh(ec, diag);
        BOOST_TEST(!ec);
        BOOST_TEST(ae.publish(created("contact", "c-2")) == 0u);
        BOOST_TEST(ae.publish(created("lead", "l-2")) == 1u);
        BOOST_REQUIRE(run_until(ioc, [&] { return ae.stats().enqueued == 2u; }));
        ae.cancel();
        BOOST_REQUIRE(run_until(ioc, [&] { return done.has_value(); }));
        BOOST_TEST(*done == asio::error::operation_aborted);
    }
    storage.join();
    auto rows = box.list().items;
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0].webhook_id == "wh-1");
    BOOST_TEST(rows[1].webhook_id == "wh-2");
}

BOOST_AUTO_TEST_CASE(an_empty_subscriptions_object_is_refused) {
    boost::asio::io_context ioc;
    subscription_registry reg;
    outbox box;
    auto_enqueuer_params p;
    p.subscriptions_object = "";
    try {
        hookbox::auto_enqueuer<outbox, subscription_registry> ae(ioc.get_executor(), box, reg, p);
        BOOST_FAIL("expected error_with_diagnostics");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(e.code() == errc::invalid_argument);
        BOOST_TEST(e.get_diagnostics().field() == "subscriptions_object");
    }
}

BOOST_AUTO_TEST_CASE(the_webhook_table_plan_creates_the_objectstack_columns) {
    engine::memory_engine db;
    BOOST_TEST(db.migrate(webhook_schema()) == 1);
    db.insert("sys_webhook", engine::record{{"id", "wh-1"}, {"name", "n"}, {"url", "https://r.example/h"}});
    auto row = db.find_one("sys_webhook", engine::find_options{});
    BOOST_REQUIRE(row);
    BOOST_TEST((*row)["method"].as_text() == "POST");
    BOOST_TEST((*row)["active"].as_integer() == 1);
    BOOST_TEST((*row)["definition_json"].as_text() == "{}");
    for (const char* c : {"id", "name", "label", "object_name", "triggers", "url", "method", "description",
                          "active", "definition_json", "created_at", "updated_at"})
        BOOST_TEST_CONTEXT(c) { BOOST_TEST(row->find(c) != nullptr); }
    BOOST_CHECK_THROW(db.insert("sys_webhook", engine::record{{"id", "wh-2"}, {"name", "n"}}),
                      error_with_diagnostics);
    BOOST_TEST(webhook_schema("hooks").name == "hookbox.hooks");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
