//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The model: error codes, delivery ids, payloads, statuses, clocks and the concepts' models.

#include "common/test_common.hpp"

#include <boost/asio/error.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define HOOKBOX_TEST_HAS_FORK 1
#endif

BOOST_AUTO_TEST_SUITE(model)

using namespace hookbox;
using namespace std::chrono_literals;

// ----- the concepts' models -----

static_assert(outbox_storage<memory_storage>);
static_assert(outbox_clock<std::chrono::system_clock>);
static_assert(outbox_clock<manual_clock>);
static_assert(partition_hasher<fnv1a_partition_hasher>);
static_assert(!outbox_storage<int>);
static_assert(!outbox_clock<int>);

// The exemplar of the partition_hasher documentation.
struct first_byte_hasher {
    int partition(std::string_view key, int count, error_code& ec, diagnostics&) const {
        ec.clear();
        return key.empty() ? 0 : static_cast<unsigned char>(key[0]) % count;
    }
};
static_assert(partition_hasher<first_byte_hasher>);

// The exemplar of the outbox_clock documentation.
struct utc_clock {
    using duration = std::chrono::milliseconds;
    using time_point = std::chrono::sys_time<duration>;
    time_point now() const { return std::chrono::time_point_cast<duration>(std::chrono::system_clock::now()); }
};
static_assert(outbox_clock<utc_clock>);

BOOST_AUTO_TEST_CASE(outbox_uses_its_hasher_and_clock_policies) {
    manual_clock clock;
    basic_outbox<memory_storage, manual_clock, first_byte_hasher> ob({.partition_count = 4}, {}, clock);
    auto id = ob.enqueue(test::make_request("a-hook", "evt-1")).id;  // 'a' is 97; 97 % 4 == 1
    auto d = ob.get(id);
    BOOST_TEST(d->partition_key == 1);
    BOOST_TEST(d->created_at == now_ms(clock));

    basic_outbox<memory_storage, utc_clock> real_time;
    auto before = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto id2 = real_time.enqueue(test::make_request("wh-1", "evt-1")).id;
    BOOST_TEST(real_time.get(id2)->created_at >= before);
}

// ----- errors -----

BOOST_AUTO_TEST_CASE(error_codes_have_a_category_and_actionable_messages) {
    error_code ec = errc::claim_lost;
    BOOST_TEST(std::string(ec.category().name()) == "hookbox");
    BOOST_TEST(ec.message().find("claim TTL") != std::string::npos);
    for (int v = static_cast<int>(errc::empty_field); v <= static_cast<int>(errc::corrupt_row); ++v) {
        BOOST_TEST_CONTEXT("errc " << v) {
            std::string m = error_code(v, error_category()).message();
            BOOST_TEST(!m.empty());
            BOOST_TEST(m != "unknown hookbox error");
        }
    }
    BOOST_TEST(error_code(999, error_category()).message() == "unknown hookbox error");
}

BOOST_AUTO_TEST_CASE(is_retryable_separates_transient_from_final_errors) {
    BOOST_TEST(!is_retryable(error_code()));
    BOOST_TEST(is_retryable(errc::storage_busy));
    BOOST_TEST(is_retryable(errc::storage_failure));
    for (errc e : {errc::empty_field, errc::invalid_url, errc::invalid_payload, errc::not_found, errc::not_eligible,
                   errc::claim_lost, errc::corrupt_row, errc::invalid_partition_count}) {
        BOOST_TEST_CONTEXT(error_code(e).message()) { BOOST_TEST(!is_retryable(e)); }
    }
    BOOST_TEST(is_retryable(boost::asio::error::timed_out));
    BOOST_TEST(is_retryable(boost::asio::error::connection_reset));
    BOOST_TEST(is_retryable(boost::asio::error::connection_refused));
    BOOST_TEST(!is_retryable(boost::asio::error::operation_aborted));
    BOOST_TEST(!is_retryable(boost::system::errc::make_error_code(boost::system::errc::invalid_argument)));
}

BOOST_AUTO_TEST_CASE(throwing_overloads_carry_the_diagnostics) {
    outbox ob;
    auto req = test::make_request("", "evt-1");
    try {
        ob.enqueue(req);
        BOOST_FAIL("enqueue accepted an empty webhook_id");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(e.code() == errc::empty_field);
        BOOST_TEST(e.get_diagnostics().field() == "webhook_id");
        BOOST_TEST(std::string(e.what()).find("webhook_id: must not be empty") != std::string::npos);
    }
}

// ----- delivery ids -----

BOOST_AUTO_TEST_CASE(generated_ids_are_version_4_and_distinct) {
    std::set<delivery_id> seen;
    for (int i = 0; i < 10000; ++i) {
        delivery_id id = delivery_id::generate();
        BOOST_TEST_REQUIRE((id.bytes()[6] >> 4) == 4);        // version
        BOOST_TEST_REQUIRE((id.bytes()[8] & 0xC0) == 0x80);   // variant
        BOOST_TEST_REQUIRE(!id.is_nil());
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 10000u);
}

namespace {

// A v4 id: version nibble 4, RFC 4122 variant, not nil.
bool is_v4(const delivery_id& id) {
    return (id.bytes()[6] >> 4) == 4 && (id.bytes()[8] & 0xC0) == 0x80 && !id.is_nil();
}

}  // namespace

BOOST_AUTO_TEST_CASE(generated_ids_are_version_4_and_distinct_across_threads) {
    static_assert(noexcept(delivery_id::generate()));
    constexpr int threads = 4;
    constexpr int per_thread = 5000;
    std::vector<std::vector<delivery_id>> drawn(threads);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&out = drawn[t]] {
            for (int i = 0; i < per_thread; ++i)
                out.push_back(delivery_id::generate());
        });
    for (auto& w : workers)
        w.join();
    std::set<delivery_id> seen;
    for (const auto& ids : drawn) {
        BOOST_TEST_REQUIRE(ids.size() == std::size_t(per_thread));
        for (const auto& id : ids) {
            BOOST_TEST_REQUIRE(is_v4(id));
            seen.insert(id);
        }
    }
    BOOST_TEST(seen.size() == std::size_t(threads * per_thread));
}

#if defined(HOOKBOX_TEST_HAS_FORK)
// A forked child starts with a copy of its parent's generator (the parent draws one id before each
// fork, so that its generator is seeded); the child must not continue the parent's sequence, nor
// a sibling's. Each child writes the ids it draws to a pipe; the parent draws as many and compares.
BOOST_AUTO_TEST_CASE(forked_children_draw_other_ids_than_their_parent_and_each_other) {
    constexpr std::size_t n = 64;
    std::set<delivery_id> all;
    std::size_t drawn = 0;
    auto add = [&](const delivery_id& id) {
        BOOST_TEST(is_v4(id));
        all.insert(id);
        ++drawn;
    };
    for (int child = 0; child < 2; ++child) {
        BOOST_TEST_CONTEXT("child " << child) {
            add(delivery_id::generate());
            int fds[2];
            BOOST_TEST_REQUIRE(::pipe(fds) == 0);
            const pid_t pid = ::fork();
            BOOST_TEST_REQUIRE(pid >= 0);
            if (pid == 0) {
                // The child: no Boost.Test here, only its ids down the pipe and an exit status.
                ::close(fds[0]);
                std::array<std::uint8_t, 16 * n> out;
                for (std::size_t i = 0; i < n; ++i)
                    std::memcpy(out.data() + 16 * i, delivery_id::generate().bytes().data(), 16);
                std::size_t off = 0;
                while (off < out.size()) {
                    const ssize_t w = ::write(fds[1], out.data() + off, out.size() - off);
                    if (w <= 0)
                        ::_exit(1);
                    off += static_cast<std::size_t>(w);
                }
                ::_exit(0);
            }
            ::close(fds[1]);
            for (std::size_t i = 0; i < n; ++i)
                add(delivery_id::generate());
            std::array<std::uint8_t, 16 * n> in{};
            std::size_t got = 0;
            for (;;) {
                const ssize_t r = ::read(fds[0], in.data() + got, in.size() - got);
                if (r <= 0)
                    break;
                got += static_cast<std::size_t>(r);
            }
            ::close(fds[0]);
            int status = 0;
            BOOST_TEST_REQUIRE(::waitpid(pid, &status, 0) == pid);
            BOOST_TEST_REQUIRE(WIFEXITED(status));
            BOOST_TEST_REQUIRE(WEXITSTATUS(status) == 0);
            BOOST_TEST_REQUIRE(got == in.size());
            for (std::size_t i = 0; i < n; ++i) {
                std::array<std::uint8_t, 16> b;
                std::memcpy(b.data(), in.data() + 16 * i, 16);
                add(delivery_id(b));
            }
        }
    }
    // Every id drawn, by the parent and by both children, is distinct.
    BOOST_TEST(drawn == 2 * (1 + 2 * n));
    BOOST_TEST(all.size() == drawn);
}
#endif

BOOST_AUTO_TEST_CASE(ids_round_trip_through_text) {
    delivery_id id = delivery_id::generate();
    std::string text = id.to_string();
    BOOST_TEST(text.size() == 36u);
    BOOST_TEST(text[8] == '-');
    BOOST_TEST(text[23] == '-');
    BOOST_TEST(delivery_id::parse(text) == id);

    std::string upper = text;
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    BOOST_TEST(delivery_id::parse(upper) == id);
    BOOST_TEST(delivery_id::parse("00000000-0000-0000-0000-000000000000").is_nil());
}

BOOST_AUTO_TEST_CASE(malformed_ids_are_rejected) {
    const char* bad[] = {"", "not-a-uuid", "1d8b923f8bd44581b30dff850dc01546",
                         "1d8b923f-8bd4-4581-b30d-ff850dc0154",  "1d8b923f-8bd4-4581-b30d-ff850dc01546a",
                         "1d8b923f_8bd4-4581-b30d-ff850dc01546", "1d8b923g-8bd4-4581-b30d-ff850dc01546"};
    for (const char* text : bad) {
        BOOST_TEST_CONTEXT("'" << text << "'") {
            error_code ec;
            BOOST_TEST(delivery_id::parse(text, ec).is_nil());
            BOOST_TEST(ec == errc::invalid_delivery_id);
            BOOST_CHECK_THROW((void)delivery_id::parse(text), error_with_diagnostics);
        }
    }
}

// ----- payloads -----

BOOST_AUTO_TEST_CASE(default_payload_is_json_null) {
    payload p;
    BOOST_TEST(p.kind() == payload_kind::json);
    BOOST_TEST(p.body() == "null");
    BOOST_TEST(p.to_json().is_null());
}

BOOST_AUTO_TEST_CASE(json_text_is_kept_byte_for_byte) {
    std::string text = "{ \"b\": 1,\n  \"a\": [true, null] }";
    payload p = payload::parse(text);
    BOOST_TEST(p.kind() == payload_kind::json);
    BOOST_TEST(p.body() == text);
    BOOST_TEST(p.to_json().as_object().at("b").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(json_values_serialise_compactly_in_insertion_order) {
    payload p = payload::from_json(boost::json::parse(R"({"z": 1, "a": {"k": "v"}})"));
    BOOST_TEST(p.body() == R"({"z":1,"a":{"k":"v"}})");
}

BOOST_AUTO_TEST_CASE(invalid_json_text_is_rejected_naming_the_payload) {
    for (const char* text : {"{bad", "", "{\"a\":1,}", "[1 2]", "nul"}) {
        BOOST_TEST_CONTEXT("'" << text << "'") {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(payload::parse(text, ec, diag) == payload());
            BOOST_TEST(ec == errc::invalid_payload);
            BOOST_TEST(diag.field() == "payload");
        }
    }
    BOOST_CHECK_THROW((void)payload::parse("{bad"), error_with_diagnostics);
}

namespace {

// JSON nested `depth` levels deep, arrays and objects in turn: [{"a":[{"a":...1...}]}].
std::string nested_json(std::size_t depth) {
    std::string open, close;
    for (std::size_t i = 0; i < depth; ++i) {
        if (i % 2 == 0) {
            open += '[';
            close.insert(close.begin(), ']');
        } else {
            open += "{\"a\":";
            close.insert(close.begin(), '}');
        }
    }
    return open + "1" + close;
}

}  // namespace

// The depth limit is payload_options::max_depth, 64 by default: valid JSON deeper than that is
// refused with its own code, naming the limit, not called invalid.
BOOST_AUTO_TEST_CASE(json_nesting_is_limited_by_max_depth) {
    for (std::size_t depth : {1u, 32u, 33u, 64u}) {
        BOOST_TEST_CONTEXT("depth " << depth) {
            error_code ec;
            diagnostics diag;
            payload p = payload::parse(nested_json(depth), ec, diag);
            BOOST_TEST(!ec, diag.message());
            BOOST_TEST(p.body() == nested_json(depth));
            BOOST_TEST(p.to_json() == boost::json::parse(nested_json(depth), {}, [] {
                           boost::json::parse_options po;
                           po.max_depth = 100;
                           return po;
                       }()));
        }
    }
    error_code ec;
    diagnostics diag;
    BOOST_TEST(payload::parse(nested_json(65), ec, diag) == payload());
    BOOST_TEST(ec == errc::payload_too_deep);
    BOOST_TEST(diag.field() == "payload");
    BOOST_TEST(diag.message() == "payload: JSON nested deeper than 64 levels (payload_options::max_depth)");
    BOOST_CHECK_EXCEPTION((void)payload::parse(nested_json(65)), error_with_diagnostics,
                          [](const error_with_diagnostics& e) {
                              return e.code() == make_error_code(errc::payload_too_deep) &&
                                     e.get_diagnostics().field() == "payload";
                          });
    BOOST_TEST(error_code(errc::payload_too_deep).message().find("payload_options::max_depth") != std::string::npos);
    BOOST_TEST(to_string(errc::payload_too_deep) == "payload_too_deep");

    // Another limit, both ways.
    payload_options deep;
    deep.max_depth = 1000;
    BOOST_TEST(payload::parse(nested_json(1000), deep, ec, diag).body() == nested_json(1000));
    BOOST_TEST(!ec, diag.message());
    BOOST_TEST(payload::parse(nested_json(1001), deep, ec, diag) == payload());
    BOOST_TEST(ec == errc::payload_too_deep);
    BOOST_TEST(diag.message() == "payload: JSON nested deeper than 1000 levels (payload_options::max_depth)");
    payload_options shallow;
    shallow.max_depth = 2;
    BOOST_TEST(payload::parse("[{\"a\":1}]", shallow).size() == 9u);
    BOOST_TEST(payload::parse("[[[1]]]", shallow, ec, diag) == payload());
    BOOST_TEST(ec == errc::payload_too_deep);
    // The parse stops at the limit: text that breaks deeper down is refused as too deep; text that
    // breaks within the limit is invalid.
    BOOST_TEST(payload::parse(std::string(10, '[') + "}", shallow, ec, diag) == payload());
    BOOST_TEST(ec == errc::payload_too_deep);
    BOOST_TEST(payload::parse("[1,}", shallow, ec, diag) == payload());
    BOOST_TEST(ec == errc::invalid_payload);
    // to_json reads back a payload at whatever depth it was accepted.
    BOOST_TEST(payload::parse(nested_json(1000), deep).to_json().is_array());
}

BOOST_AUTO_TEST_CASE(raw_bodies_are_not_checked) {
    payload p = payload::raw("plain text, not JSON");
    BOOST_TEST(p.kind() == payload_kind::raw);
    BOOST_TEST(p.body() == "plain text, not JSON");
    BOOST_TEST(p.to_json().as_string() == "plain text, not JSON");
    BOOST_TEST(!(p == payload::parse("\"plain text, not JSON\"")));
}

BOOST_AUTO_TEST_CASE(copies_share_the_body) {
    payload p = payload::raw(std::string(4096, 'x'));
    payload q = p;
    BOOST_TEST(q.body().data() == p.body().data());
    BOOST_TEST(q == p);
}

// A moved-from payload is the JSON `null` payload, whichever payload it was and whether it was
// moved by construction or by assignment; the payload moved to has the same bytes, not a copy.
BOOST_AUTO_TEST_CASE(a_moved_from_payload_is_the_json_null_payload) {
    static_assert(std::is_nothrow_move_constructible_v<payload>);
    static_assert(std::is_nothrow_move_assignable_v<payload>);
    static_assert(std::is_nothrow_default_constructible_v<payload>);
    struct case_t {
        const char* name;
        std::function<payload()> make;
    };
    const case_t cases[] = {
        {"parsed JSON", [] { return payload::parse(R"({"order": 42})"); }},
        {"a JSON value", [] { return payload::from_json(boost::json::parse(R"([1,2,3])")); }},
        {"raw", [] { return payload::raw(std::string(4096, 'r')); }},
        {"stored raw", [] { return payload::from_stored("body", payload_kind::raw); }},
        {"the JSON null", [] { return payload(); }},
    };
    for (const auto& tc : cases) {
        for (bool by_assignment : {false, true}) {
            BOOST_TEST_CONTEXT(tc.name << (by_assignment ? ", moved by assignment" : ", moved by construction")) {
                payload source = tc.make();
                const payload expected = tc.make();
                const char* bytes = source.body().data();
                std::optional<payload> moved_to;
                if (by_assignment) {
                    moved_to.emplace(payload::raw("overwritten"));
                    *moved_to = std::move(source);
                } else {
                    moved_to.emplace(std::move(source));
                }
                const payload& target = *moved_to;
                BOOST_TEST(target == expected);
                BOOST_TEST(target.size() == expected.size());
                BOOST_TEST(target.kind() == expected.kind());
                BOOST_TEST(static_cast<const void*>(target.body().data()) == static_cast<const void*>(bytes));

                // Every observer of the moved-from payload.
                BOOST_TEST(source.body() == "null");
                BOOST_TEST(source.size() == 4u);
                BOOST_TEST(source.kind() == payload_kind::json);
                BOOST_TEST(source.to_json().is_null());
                BOOST_TEST(source == payload());
                BOOST_TEST(source == payload::parse("null"));
                BOOST_TEST((source == target) == (expected == payload()));
                payload copy = source;
                BOOST_TEST(copy == source);
                BOOST_TEST(copy.body() == "null");
                payload assigned = payload::raw("x");
                assigned = source;
                BOOST_TEST(assigned.body() == "null");
                BOOST_TEST(assigned.kind() == payload_kind::json);

                // It may be given a new value, and moved from again.
                source = payload::raw("again");
                BOOST_TEST(source.body() == "again");
                payload last(std::move(source));
                BOOST_TEST(last.body() == "again");
                BOOST_TEST(source.body() == "null");
            }
        }
    }
}

// ----- statuses and clocks -----

BOOST_AUTO_TEST_CASE(statuses_round_trip_through_their_column_names) {
    const char* names[] = {"pending", "in_flight", "success", "failed", "dead"};
    for (std::size_t i = 0; i < delivery_status_count; ++i) {
        auto s = static_cast<delivery_status>(i);
        BOOST_TEST(to_string(s) == names[i]);
        BOOST_TEST(parse_delivery_status(names[i]) == s);
    }
    BOOST_TEST(!parse_delivery_status("PENDING").has_value());
    BOOST_TEST(!parse_delivery_status("").has_value());
    BOOST_TEST(is_terminal(delivery_status::success));
    BOOST_TEST(is_terminal(delivery_status::failed));
    BOOST_TEST(is_terminal(delivery_status::dead));
    BOOST_TEST(!is_terminal(delivery_status::pending));
    BOOST_TEST(!is_terminal(delivery_status::in_flight));
}

BOOST_AUTO_TEST_CASE(manual_clock_copies_share_one_time) {
    manual_clock a;
    manual_clock b = a;
    auto start = a.now();
    BOOST_TEST(start.time_since_epoch().count() == 1767225600000);
    b.advance(1500ms);
    BOOST_TEST((a.now() - start) == 1500ms);
    a.set(manual_clock::time_point(0ms));
    BOOST_TEST(b.now().time_since_epoch().count() == 0);
}

// The README's "Five lines", verbatim: it must compile and do what it says.
BOOST_AUTO_TEST_CASE(readme_five_lines) {
    hookbox::outbox outbox;                                   // in memory; 8 partitions
    auto id = outbox.enqueue({.webhook_id = "wh-1", .event_id = "evt-42", .event_type = "order.created",
                              .url = "https://receiver.example/hooks",
                              .payload = hookbox::payload::parse(R"({"order":42})")}).id;
    for (auto& d : outbox.claim({.node_id = "node-a", .limit = 32}))
        outbox.ack(d, {.outcome = hookbox::attempt_outcome::success, .http_status = 200});

    BOOST_TEST(outbox.get(id)->status == delivery_status::success);
    BOOST_TEST(outbox.get(id)->payload.body() == R"({"order":42})");
}

BOOST_AUTO_TEST_SUITE_END()  // model
