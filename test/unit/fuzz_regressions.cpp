//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Inputs the fuzz targets (fuzz/, doc/fuzzing.md) found to break an invariant, each kept as a test
// of the rule it broke. The inputs themselves are also in fuzz/corpus/<target>/regress_*.

#include "common/test_common.hpp"

#include <hookbox/detail/json_check.hpp>
#include <hookbox/dispatch/retry_policy.hpp>
#include <hookbox/engine/memory_engine.hpp>
#include <hookbox/payload.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;

// 2026-05-24T00:00:00Z
const timestamp t0 = timestamp(milliseconds(1779580800000));

// A table with a real column, holding 2^53 (a double) and 1.5.
engine::memory_engine engine_with_reals() {
    using namespace engine;
    table_def t;
    t.name = "m";
    column_def id;
    id.name = "id";
    id.type = column_type::integer;
    id.nullable = false;
    id.auto_increment = true;
    column_def r;
    r.name = "r";
    r.type = column_type::real;
    t.columns = {id, r};
    t.primary_key = "id";
    migration m;
    m.version = 1;
    m.description = "reals";
    m.steps = {create_table{t}};
    schema_plan p;
    p.name = "test.reals";
    p.migrations = {m};
    memory_engine e;
    e.migrate(p);
    e.insert("m", record{{"r", value(9007199254740992.0)}});
    e.insert("m", record{{"r", value(1.5)}});
    return e;
}

std::size_t count(engine::memory_engine& e, const engine::filter& f) {
    return e.count("m", f);
}

} // namespace

BOOST_AUTO_TEST_SUITE(fuzz_regressions)

// retry_after: "000000000000000000000165788" was read as a year because of its length.
BOOST_AUTO_TEST_CASE(retry_after_leading_zeros_count_for_nothing) {
    BOOST_TEST(parse_retry_after("000000000000000000000165788", t0) ==
               std::optional<milliseconds>(milliseconds(165788000)));
    BOOST_TEST(parse_retry_after("0000000000", t0) == std::optional<milliseconds>(milliseconds(0)));
    BOOST_TEST(parse_retry_after(" 000120\t", t0) == std::optional<milliseconds>(milliseconds(120000)));
}

// retry_after: eight digits asked for up to 1157 days while nine gave 366: every form is now held
// to retry_after_limit.
BOOST_AUTO_TEST_CASE(retry_after_is_bounded_in_both_forms) {
    BOOST_TEST(retry_after_limit == milliseconds(std::int64_t(366) * 24 * 3600 * 1000));
    BOOST_TEST(parse_retry_after("99999999", t0) == std::optional<milliseconds>(retry_after_limit));
    BOOST_TEST(parse_retry_after("31622400", t0) == std::optional<milliseconds>(retry_after_limit));
    BOOST_TEST(parse_retry_after("31622399", t0) ==
               std::optional<milliseconds>(retry_after_limit - milliseconds(1000)));
    BOOST_TEST(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", t0) ==
               std::optional<milliseconds>(retry_after_limit));
    BOOST_TEST(parse_retry_after("Sun, 24 May 2026 00:02:00 GMT", t0) ==
               std::optional<milliseconds>(milliseconds(120000)));
}

// validators: payload::parse keeps "1e400" as written, but its value holds an infinity, which
// Boost.JSON writes as `Infinity`: from_json made a json payload that is not JSON (and that the SQL
// storages would then report as a corrupt row).
BOOST_AUTO_TEST_CASE(from_json_writes_non_finite_numbers_as_null) {
    payload p = payload::from_json(boost::json::parse("[1e400,-1e400,1.5,{\"a\":[1e999]}]"));
    BOOST_TEST(p.body() == "[null,null,1.5E0,{\"a\":[null]}]");
    error_code jec;
    BOOST_TEST(detail::json_is_valid(p.body(), jec));

    boost::json::value nan = std::numeric_limits<double>::quiet_NaN();
    BOOST_TEST(payload::from_json(nan).body() == "null");
    BOOST_TEST(payload::from_json(boost::json::parse("{\"n\":12345678901234567890}")).body() ==
               "{\"n\":12345678901234567890}");
}

// filter: memory_engine rounded an integer operand to the column's double, so `r == 2^53 + 1`
// matched the stored 2^53; SQLite (and SQL) compare numbers by exact value.
BOOST_AUTO_TEST_CASE(memory_engine_compares_integers_with_reals_exactly) {
    using engine::col;
    auto e = engine_with_reals();
    const std::int64_t above = (std::int64_t(1) << 53) + 1;
    BOOST_TEST(count(e, col("r") == above) == 0u);
    BOOST_TEST(count(e, col("r") != above) == 2u);
    BOOST_TEST(count(e, col("r") < above) == 2u);
    BOOST_TEST(count(e, col("r") <= above) == 2u);
    BOOST_TEST(count(e, col("r") > above) == 0u);
    BOOST_TEST(count(e, col("r") >= above) == 0u);
    BOOST_TEST(count(e, col("r").in({engine::value(above)})) == 0u);
    BOOST_TEST(count(e, col("r").in({engine::value(above), engine::value(std::int64_t(1) << 53)})) == 1u);
    // An integer a double equals compares as that double.
    BOOST_TEST(count(e, col("r") == (std::int64_t(1) << 53)) == 1u);
    BOOST_TEST(count(e, col("r") > std::int64_t(1)) == 2u);
    // The extremes: INT64_MAX is below 2^63, the double nearest to it.
    BOOST_TEST(count(e, col("r") < std::numeric_limits<std::int64_t>::max()) == 2u);
    BOOST_TEST(count(e, col("r") > std::numeric_limits<std::int64_t>::min()) == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace hookbox::test
