//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Times written for people and read back: RFC 3339 UTC with milliseconds, compact durations, and
// time arguments given as a UTC time or as an age before now.

#include "common/test_common.hpp"

#include <hookbox/time_format.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

BOOST_AUTO_TEST_SUITE(time_format)

using namespace hookbox;
using namespace std::chrono_literals;

namespace {

timestamp at_ms(std::int64_t ms) {
    return timestamp(std::chrono::milliseconds(ms));
}

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// 2026-05-24T00:00:00.000Z: the `now` of the relative cases.
const timestamp now = at_ms(1779580800000);

constexpr std::string_view timestamp_rule =
    "is not a time: expected an ISO-8601 UTC time such as 2026-05-24T00:00:00Z (optionally with .mmm "
    "milliseconds)";
constexpr std::string_view age_rule = " or an age such as 7d, 12h, 30m or 45s";

struct time_case {
    const char* name;
    std::int64_t ms;  // since the Unix epoch
    const char* text;
};

// Written by format_timestamp, read back by parse_timestamp. The milliseconds were computed with
// Python's datetime, independently of the code under test.
constexpr time_case in_range[] = {
    {"the epoch", 0, "1970-01-01T00:00:00.000Z"},
    {"one ms before the epoch", -1, "1969-12-31T23:59:59.999Z"},
    {"manual_clock's start", 1767225600000, "2026-01-01T00:00:00.000Z"},
    {"milliseconds", 1779580800250, "2026-05-24T00:00:00.250Z"},
    {"a leap day", 1709210096789, "2024-02-29T12:34:56.789Z"},
    {"a leap day of a 400th year", 951868799000, "2000-02-29T23:59:59.000Z"},
    {"after 1900's February, no leap day", -2203891200000, "1900-03-01T00:00:00.000Z"},
    {"the first instant of year 0000", -62167219200000, "0000-01-01T00:00:00.000Z"},
    {"the last instant of year 9999", 253402300799999, "9999-12-31T23:59:59.999Z"},
};

}  // namespace

BOOST_AUTO_TEST_CASE(format_timestamp_writes_utc_with_milliseconds) {
    for (const auto& tc : in_range) {
        BOOST_TEST_CONTEXT(tc.name) {
            BOOST_TEST(format_timestamp(at_ms(tc.ms)) == tc.text);
        }
    }
}

BOOST_AUTO_TEST_CASE(format_timestamp_writes_years_beyond_0000_to_9999_with_a_sign_and_six_digits) {
    // The extremes are java.time.Instant.ofEpochMilli(Long.MIN_VALUE / MAX_VALUE).toString().
    const time_case cases[] = {
        {"the year after 9999", 253402300800000, "+010000-01-01T00:00:00.000Z"},
        {"the year before 0000", -62167219200001, "-000001-12-31T23:59:59.999Z"},
        {"the latest timestamp", int64_max, "+292278994-08-17T07:12:55.807Z"},
        {"the earliest timestamp", int64_min, "-292275055-05-16T16:47:04.192Z"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            BOOST_TEST(format_timestamp(at_ms(tc.ms)) == tc.text);
        }
    }
}

BOOST_AUTO_TEST_CASE(format_duration_writes_days_hours_minutes_seconds_or_milliseconds) {
    struct duration_case {
        const char* name;
        std::chrono::milliseconds d;
        const char* text;
    };
    const duration_case cases[] = {
        {"zero", 0ms, "0 ms"},
        {"below a second", 999ms, "999 ms"},
        {"one second", 1000ms, "1s"},
        {"milliseconds above a second are dropped", 45'999ms, "45s"},
        {"a zero after the first part is kept", 60s, "1m 0s"},
        {"hours with zero minutes", 1h + 5s, "1h 0m 5s"},
        {"days", 28189725578ms, "326d 6h 28m 45s"},
        {"negative below a second", -250ms, "-250 ms"},
        {"negative", -1h, "-1h 0m 0s"},
        {"the longest", std::chrono::milliseconds(int64_max), "106751991167d 7h 12m 55s"},
        {"the most negative", std::chrono::milliseconds(int64_min), "-106751991167d 7h 12m 55s"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            BOOST_TEST(format_duration(tc.d) == tc.text);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_timestamp_reads_with_and_without_milliseconds) {
    for (const auto& tc : in_range) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(parse_timestamp(tc.text, "time", ec, diag) == at_ms(tc.ms));
            BOOST_TEST(!ec);
        }
    }
    error_code ec;
    diagnostics diag;
    BOOST_TEST(parse_timestamp("2026-05-24T00:00:00Z", "time", ec, diag) == at_ms(1779580800000));
    BOOST_TEST(!ec);
    BOOST_TEST(parse_timestamp("0000-01-01T00:00:00Z", "time", ec, diag) == at_ms(-62167219200000));
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(every_written_time_reads_back_as_it_was) {
    // From year 0000 to 9999 in steps that are no whole number of seconds, minutes or days, so
    // that every field takes many values.
    const std::int64_t first = -62167219200000, last = 253402300799999;
    const std::int64_t step = (last - first) / 20011 + 7;
    int checked = 0;
    for (std::int64_t ms = first; ms <= last; ms += step, ++checked) {
        const std::string text = format_timestamp(at_ms(ms));
        error_code ec;
        diagnostics diag;
        const timestamp back = parse_timestamp(text, "time", ec, diag);
        if (ec || back != at_ms(ms) || format_timestamp(back) != text)
            BOOST_FAIL(ms << " was written as " << text << " and read back as "
                          << back.time_since_epoch().count() << ": " << diag.message());
    }
    BOOST_TEST(checked > 20000);
    BOOST_TEST(parse_timestamp(format_timestamp(at_ms(last))) == at_ms(last));
}

BOOST_AUTO_TEST_CASE(parse_timestamp_refuses_other_forms_naming_the_field_and_the_rule) {
    const char* const cases[] = {
        "",
        "yesterday",
        "2026-05-24T00:00:00",          // no Z
        "2026-05-24 00:00:00Z",         // no T
        "2026-05-24t00:00:00z",         // lower case
        "2026-05-24T00:00:00.5Z",       // one digit of fraction
        "2026-05-24T00:00:00.50Z",      // two
        "2026-05-24T00:00:00.5000Z",    // four
        "2026-05-24T00:00:00,500Z",     // a comma
        "2026-05-24T00:00:00.-50Z",     // a sign in the fraction
        "2026-05-24T00:00:00+00:00",    // an offset
        "+026-05-24T00:00:00Z",         // a sign in the year
        "2026-5-24T00:00:00Z",          // one-digit month
        "20260524T000000Z",             // ISO 8601 basic format
        "2026-05-24T0a:00:00Z",         // a letter
        "+010000-01-01T00:00:00.000Z",  // what format_timestamp writes beyond year 9999
        "7d",                           // an age is not a timestamp
    };
    for (std::string_view text : cases) {
        BOOST_TEST_CONTEXT("'" << text << "'") {
            error_code ec;
            diagnostics diag;
            parse_timestamp(text, "since", ec, diag);
            BOOST_TEST(ec == errc::invalid_argument);
            BOOST_TEST(diag.field() == "since");
            BOOST_TEST(diag.message() == "since: '" + std::string(text) + "' " + std::string(timestamp_rule));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_timestamp_refuses_out_of_range_fields) {
    constexpr std::string_view date_rule = "is not a valid date (month 01-12, and a day that month has)";
    constexpr std::string_view time_rule = "is not a valid time of day (00:00:00 to 23:59:59)";
    struct range_case {
        const char* text;
        std::string_view rule;
    };
    const range_case cases[] = {
        {"2026-00-10T00:00:00Z", date_rule},     {"2026-13-01T00:00:00Z", date_rule},
        {"2026-01-00T00:00:00Z", date_rule},     {"2026-01-32T00:00:00Z", date_rule},
        {"2026-04-31T00:00:00Z", date_rule},     {"2026-02-29T00:00:00Z", date_rule},
        {"1900-02-29T00:00:00Z", date_rule},     {"2026-05-24T24:00:00Z", time_rule},
        {"2026-05-24T23:60:00Z", time_rule},     {"2026-05-24T23:59:60Z", time_rule},
        {"2026-05-24T99:99:99.999Z", time_rule},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.text) {
            error_code ec;
            diagnostics diag;
            parse_timestamp(tc.text, "--until", ec, diag);
            BOOST_TEST(ec == errc::invalid_argument);
            BOOST_TEST(diag.field() == "--until");
            BOOST_TEST(diag.message() == "--until: '" + std::string(tc.text) + "' " + std::string(tc.rule));
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_time_reads_an_age_as_now_minus_it) {
    struct age_case {
        const char* text;
        std::chrono::milliseconds age;
    };
    const age_case cases[] = {
        {"0s", 0ms},
        {"45s", 45s},
        {"30m", 30min},
        {"12h", 12h},
        {"7d", 24h * 7},
        {"000000007d", 24h * 7},  // ten characters, nine digits
        {"999999999s", 999999999s},
        {"999999999d", 24h * 999999999LL},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.text) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(parse_time(tc.text, now, "since", ec, diag) == now - tc.age);
            BOOST_TEST(!ec);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_time_reads_a_utc_time_whatever_now_is) {
    for (const auto& tc : in_range) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(parse_time(tc.text, now, "since", ec, diag) == at_ms(tc.ms));
            BOOST_TEST(!ec);
            BOOST_TEST(parse_time(tc.text, at_ms(int64_min), "since", ec, diag) == at_ms(tc.ms));
            BOOST_TEST(!ec);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_time_refuses_bad_ages_and_bad_times_naming_the_field_and_the_rule) {
    const std::string not_a_time = std::string(timestamp_rule) + std::string(age_rule);
    const std::string unknown_unit = "has an unknown unit: use d, h, m or s (or an ISO-8601 UTC time)";
    const std::string too_many_digits = "is too large an age: at most 9 digits";
    struct bad_case {
        const char* text;
        std::string rule;
    };
    const bad_case cases[] = {
        {"7w", unknown_unit},
        {"7D", unknown_unit},
        {"12", unknown_unit},  // a bare number: its last digit is taken as the unit
        {"1234567890d", too_many_digits},
        {"0000000001d", too_many_digits},
        {"1234567890w", too_many_digits},  // the digits are checked first
        {"-7d", not_a_time},
        {"+7d", not_a_time},
        {"d", not_a_time},
        {"5", not_a_time},
        {"", not_a_time},
        {" 5d", not_a_time},
        {"5d ", not_a_time},
        {"5.5d", not_a_time},
        {"0x5d", not_a_time},
        {"last-week", not_a_time},
        {"2026-05-24T00:00:00.5Z", not_a_time},
        {"2026-02-30T00:00:00Z", "is not a valid date (month 01-12, and a day that month has)"},
        {"2026-05-24T24:00:00Z", "is not a valid time of day (00:00:00 to 23:59:59)"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT("'" << tc.text << "'") {
            error_code ec;
            diagnostics diag;
            parse_time(tc.text, now, "--since", ec, diag);
            BOOST_TEST(ec == errc::invalid_argument);
            BOOST_TEST(diag.field() == "--since");
            BOOST_TEST(diag.message() == "--since: '" + std::string(tc.text) + "' " + tc.rule);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_time_refuses_an_age_that_reaches_before_the_earliest_timestamp) {
    const timestamp earliest = at_ms(int64_min);
    error_code ec;
    diagnostics diag;
    // Exactly to the earliest timestamp: allowed.
    BOOST_TEST(parse_time("1s", earliest + 1s, "before", ec, diag) == earliest);
    BOOST_TEST(!ec);
    BOOST_TEST(parse_time("0s", earliest, "before", ec, diag) == earliest);
    BOOST_TEST(!ec);
    // One millisecond further: refused, not wrapped around to a time in the far future.
    parse_time("1s", earliest + 999ms, "before", ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field() == "before");
    BOOST_TEST(diag.message() ==
               "before: '1s' is too large an age: it reaches before the earliest time a timestamp holds");
    parse_time("999999999d", earliest + 24h * 999999998LL, "before", ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(messages_quote_the_text_escaped_and_cut) {
    struct quote_case {
        const char* name;
        std::string text;
        std::string shown;
    };
    const std::string long_text(70, '9');
    // A two-byte character across byte 64: the cut goes before it, not through it.
    const std::string across = std::string(63, 'x') + "\xc3\xa9" + "yyyy";
    const quote_case cases[] = {
        {"control characters", "\x1b[31m\n\t\r\x7f", "\\x1b[31m\\n\\t\\r\\x7f"},
        {"longer than 64 bytes", long_text + "x", std::string(64, '9') + "..."},
        {"a character across the cut", across, std::string(63, 'x') + "..."},
        {"UTF-8 is kept", "jour\xc3\xa9", "jour\xc3\xa9"},
    };
    for (const auto& tc : cases) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            parse_time(tc.text, now, "--since", ec, diag);
            BOOST_TEST(ec == errc::invalid_argument);
            BOOST_TEST(diag.message().rfind("--since: '" + tc.shown + "' ", 0) == 0, diag.message());
        }
    }
}

BOOST_AUTO_TEST_CASE(an_empty_field_name_leaves_the_prefix_out) {
    error_code ec;
    diagnostics diag;
    parse_timestamp("soon", "", ec, diag);
    BOOST_TEST(ec == errc::invalid_argument);
    BOOST_TEST(diag.field().empty());
    BOOST_TEST(diag.message() == "'soon' " + std::string(timestamp_rule));
}

BOOST_AUTO_TEST_CASE(success_clears_an_earlier_error) {
    error_code ec;
    diagnostics diag;
    parse_time("soon", now, "since", ec, diag);
    BOOST_TEST_REQUIRE(ec == errc::invalid_argument);
    BOOST_TEST(parse_time("1h", now, "since", ec, diag) == now - 1h);
    BOOST_TEST(!ec);
    parse_timestamp("soon", "since", ec, diag);
    BOOST_TEST_REQUIRE(ec == errc::invalid_argument);
    BOOST_TEST(parse_timestamp("2026-05-24T00:00:00Z", "since", ec, diag) == now);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(throwing_overloads_throw_with_the_diagnostics) {
    BOOST_TEST(parse_timestamp("2026-05-24T00:00:00.000Z") == now);
    BOOST_TEST(parse_time("1d", now) == now - 24h);
    try {
        parse_time("soon", now, "--since");
        BOOST_FAIL("no exception");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(e.code() == errc::invalid_argument);
        BOOST_TEST(e.get_diagnostics().field() == "--since");
        BOOST_TEST(e.get_diagnostics().message() ==
                   "--since: 'soon' " + std::string(timestamp_rule) + std::string(age_rule));
    }
    try {
        parse_timestamp("2026-13-01T00:00:00Z");
        BOOST_FAIL("no exception");
    } catch (const error_with_diagnostics& e) {
        BOOST_TEST(e.code() == errc::invalid_argument);
        BOOST_TEST(e.get_diagnostics().field() == "time");
    }
}

BOOST_AUTO_TEST_SUITE_END()  // time_format
