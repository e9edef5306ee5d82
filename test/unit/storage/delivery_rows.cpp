//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// How a stored row is read back (storage/detail/delivery_rows.hpp), on cells made by hand: every
// integer column is held to the range the storages write, so a row changed by hand or by another
// writer is reported as corrupt, naming the column and the rule, instead of being claimed as if it
// were fine. The contract suite checks the same through get, list and claim on real tables.

#include "common/test_common.hpp"

#include <hookbox/storage/detail/delivery_rows.hpp>

#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>

namespace hookbox::test {

namespace {

namespace col = delivery_column;
using engine::cell_view;
using engine::value;

cell_view integer(std::int64_t v) {
    cell_view c;
    c.type = value::kind::integer;
    c.integer = v;
    return c;
}

cell_view text(std::string_view v) {
    cell_view c;
    c.type = value::kind::text;
    c.text = v;
    return c;
}

// 9999-12-31T23:59:59.999Z, in milliseconds since the epoch.
constexpr std::int64_t last_ms = 253402300799999;

// A pending row as an enqueue stores it, then claimed fields that a test may set.
std::array<cell_view, col::count_> valid_row() {
    std::array<cell_view, col::count_> c{};
    c[col::seq] = integer(7);
    c[col::id] = text("0b5a4c9e-0d1c-4f6e-9a7b-2c3d4e5f6a7b");
    c[col::webhook_id] = text("wh-1");
    c[col::event_id] = text("evt-1");
    c[col::event_type] = text("order.created");
    c[col::url] = text("https://receiver.example/hook");
    c[col::method] = text("POST");
    c[col::partition_key] = integer(3);
    c[col::status] = text("pending");
    c[col::attempts] = integer(0);
    c[col::created_at] = integer(1000);
    c[col::updated_at] = integer(2000);
    c[col::claim_token] = integer(0);
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(delivery_rows)

BOOST_AUTO_TEST_CASE(a_valid_row_decodes) {
    auto c = valid_row();
    delivery d;
    detail::rows::decode_error err;
    BOOST_TEST_REQUIRE(detail::rows::decode_row(c, d, err), err.column << ": " << err.reason);
    BOOST_TEST(d.sequence == 7u);
    BOOST_TEST(d.attempts == 0);
    BOOST_TEST(d.partition_key == 3);
}

// Each column out of its range, and each at the edges of it.
BOOST_AUTO_TEST_CASE(every_integer_column_is_range_checked) {
    struct range_case {
        std::size_t column;
        std::int64_t value;
        const char* rule;  // nullptr: the value is in range
        const char* status = nullptr;
    };
    const range_case cases[] = {
        {col::seq, 1, nullptr},
        {col::seq, 0, "must be at least 1 (got 0)"},
        {col::seq, -3, "must be at least 1 (got -3)"},
        {col::timeout_ms, 1, nullptr},
        {col::timeout_ms, 0, "must be greater than 0 (got 0)"},
        {col::timeout_ms, -250, "must be greater than 0 (got -250)"},
        {col::partition_key, 0, nullptr},
        {col::partition_key, INT_MAX, nullptr},
        {col::partition_key, -1, "must be in 0..2147483647 (got -1)"},
        {col::partition_key, std::int64_t(INT_MAX) + 1, "must be in 0..2147483647 (got 2147483648)"},
        {col::attempts, INT_MAX, nullptr},
        {col::attempts, -1, "must be in 0..2147483647 (got -1)"},
        {col::attempts, INT64_MIN, "must be in 0..2147483647"},
        {col::attempts, std::int64_t(1) << 32, "must be in 0..2147483647 (got 4294967296)"},
        {col::claimed_at, 0, nullptr},
        {col::claimed_at, last_ms, nullptr},
        {col::claimed_at, -1, "must be a time in 0..253402300799999 ms (1970-01-01 to 9999-12-31) (got -1)"},
        {col::claimed_at, last_ms + 1, "must be a time in 0..253402300799999 ms"},
        {col::next_retry_at, last_ms, nullptr},
        {col::next_retry_at, -86400000, "must be a time in 0..253402300799999 ms"},
        {col::next_retry_at, INT64_MAX, "must be a time in 0..253402300799999 ms"},
        {col::last_attempted_at, -1, "must be a time in 0..253402300799999 ms"},
        {col::last_attempted_at, last_ms + 1, "must be a time in 0..253402300799999 ms"},
        {col::response_code, 100, nullptr},
        {col::response_code, 599, nullptr},
        {col::response_code, 99, "must be an HTTP status in 100..599 (got 99)"},
        {col::response_code, 600, "must be an HTTP status in 100..599 (got 600)"},
        {col::response_code, 0, "must be an HTTP status in 100..599 (got 0)"},
        {col::response_code, std::int64_t(1) << 32 | 200, "must be an HTTP status in 100..599"},
        {col::created_at, 0, nullptr},
        {col::created_at, -1, "must be a time in 0..253402300799999 ms"},
        {col::created_at, last_ms + 1, "must be a time in 0..253402300799999 ms"},
        {col::updated_at, last_ms, nullptr},
        {col::updated_at, INT64_MIN, "must be a time in 0..253402300799999 ms"},
        {col::claim_token, INT64_MAX, nullptr},
        {col::claim_token, -1, "must not be negative (got -1)"},
        {col::duration_ms, 0, nullptr},
        {col::duration_ms, -1, "must not be negative (got -1)"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(delivery_columns[tc.column] << " = " << tc.value) {
            auto c = valid_row();
            c[tc.column] = integer(tc.value);
            delivery d;
            detail::rows::decode_error err;
            const bool ok = detail::rows::decode_row(c, d, err);
            BOOST_TEST(ok == (tc.rule == nullptr), err.column << ": " << err.reason);
            if (tc.rule) {
                BOOST_TEST(err.column == delivery_columns[tc.column]);
                BOOST_TEST(err.reason.find(tc.rule) != std::string::npos, err.reason);
            }
        }
    }
}

// A claimed row has its claimer and the time of its claim: the storages set both with the status,
// and clear both when the row leaves in_flight. Without them the reap would never return the row.
BOOST_AUTO_TEST_CASE(an_in_flight_row_needs_its_claim) {
    for (bool has_by : {false, true}) {
        for (bool has_at : {false, true}) {
            BOOST_TEST_CONTEXT("claimed_by " << has_by << ", claimed_at " << has_at) {
                auto c = valid_row();
                c[col::status] = text("in_flight");
                c[col::claim_token] = integer(77);
                if (has_by)
                    c[col::claimed_by] = text("node-A");
                if (has_at)
                    c[col::claimed_at] = integer(1500);
                delivery d;
                detail::rows::decode_error err;
                const bool ok = detail::rows::decode_row(c, d, err);
                BOOST_TEST(ok == (has_by && has_at), err.column << ": " << err.reason);
                if (!ok) {
                    BOOST_TEST(err.column == (has_by ? "claimed_at" : "claimed_by"));
                    BOOST_TEST(err.reason.find("an in_flight row must have claimed_by and claimed_at") !=
                                   std::string::npos,
                               err.reason);
                }
            }
        }
    }
    // Other statuses may have neither.
    for (const char* status : {"pending", "success", "failed", "dead"}) {
        auto c = valid_row();
        c[col::status] = text(status);
        delivery d;
        detail::rows::decode_error err;
        BOOST_TEST(detail::rows::decode_row(c, d, err), status << ": " << err.column << ": " << err.reason);
    }
}

BOOST_AUTO_TEST_CASE(attempt_rows_are_range_checked) {
    auto valid = [] {
        std::array<cell_view, attempt_columns.size()> c{};
        c[0] = integer(1);
        c[1] = text("0b5a4c9e-0d1c-4f6e-9a7b-2c3d4e5f6a7b");
        c[2] = integer(1000);
        c[3] = text("success");
        c[4] = integer(200);
        c[5] = integer(12);
        return c;
    };
    struct attempt_case {
        std::size_t column;
        std::int64_t value;
        const char* rule;
    };
    const attempt_case cases[] = {
        {2, 0, nullptr},
        {2, last_ms, nullptr},
        {2, -1, "must be a time in 0..253402300799999 ms"},
        {2, last_ms + 1, "must be a time in 0..253402300799999 ms"},
        {4, 100, nullptr},
        {4, 599, nullptr},
        {4, 42, "must be an HTTP status in 100..599 (got 42)"},
        {4, 600, "must be an HTTP status in 100..599 (got 600)"},
        {5, 0, nullptr},
        {5, -1, "must not be negative (got -1)"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(attempt_columns[tc.column] << " = " << tc.value) {
            auto c = valid();
            c[tc.column] = integer(tc.value);
            attempt_record a;
            detail::rows::decode_error err;
            const bool ok = detail::rows::decode_attempt(c, a, err);
            BOOST_TEST(ok == (tc.rule == nullptr), err.column << ": " << err.reason);
            if (tc.rule) {
                BOOST_TEST(err.column == attempt_columns[tc.column]);
                BOOST_TEST(err.reason.find(tc.rule) != std::string::npos, err.reason);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
