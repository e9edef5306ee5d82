//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Fuzzes the Retry-After reading of the retry policy (include/hookbox/dispatch/retry_policy.hpp).
// Input: one byte choosing `now`, then the header value.
//
// Invariants: the delay is never negative and at most `retry_after_limit`; the same value read twice
// gives the same delay; blanks around the value change nothing; delta-seconds are read exactly; an
// HTTP-date that parses, written back as an IMF-fixdate, parses to the same instant.

#include <hookbox/dispatch/retry_policy.hpp>

#include "input.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace {

using namespace std::chrono;
using hookbox::timestamp;

// Instants a dispatcher's clock can show: 1970 to 2100, at the start of a year, or a round instant
// in between (so that the two-digit years of RFC 850 meet both ends of a century).
timestamp pick_now(std::uint8_t b) {
    static constexpr std::int64_t instants[] = {0,
                                                784111777000,   // 1994-11-06T08:49:37Z
                                                946684799000,   // 1999-12-31T23:59:59Z
                                                946684800000,   // 2000-01-01
                                                1779580800000,  // 2026-05-24
                                                2524607999000,  // 2049-12-31T23:59:59Z
                                                2524608000000,  // 2050-01-01
                                                4102444800000}; // 2100-01-01
    std::int64_t base = instants[b % std::size(instants)];
    // The other bits move the instant by up to ~3 days, in milliseconds.
    return timestamp(milliseconds(base + std::int64_t(b / std::size(instants)) * 12345677));
}

std::string imf_fixdate(timestamp t) {
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto day = floor<days>(t);
    year_month_day ymd(day);
    auto tod = duration_cast<seconds>(t - day).count();
    char buf[64];
    std::snprintf(buf, sizeof buf, "Mon, %02u %s %04d %02d:%02d:%02d GMT", unsigned(ymd.day()),
                  months[unsigned(ymd.month()) - 1], int(ymd.year()), int(tod / 3600), int(tod / 60 % 60),
                  int(tod % 60));
    return buf;
}

bool all_digits(std::string_view s) {
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hookbox::fuzz::input in(data, size);
    const timestamp now = pick_now(in.byte());
    const std::string value(in.rest());

    auto got = hookbox::parse_retry_after(value, now);
    HOOKBOX_FUZZ_CHECK(got == hookbox::parse_retry_after(value, now));
    HOOKBOX_FUZZ_CHECK(got == hookbox::parse_retry_after(" \t" + value + "\t ", now));
    if (got) {
        HOOKBOX_FUZZ_CHECK(got->count() >= 0);
        HOOKBOX_FUZZ_CHECK(*got <= hookbox::retry_after_limit);
    }

    // Delta-seconds: exact up to the limit.
    std::string_view trimmed = value;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
        trimmed.remove_prefix(1);
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t'))
        trimmed.remove_suffix(1);
    if (all_digits(trimmed)) {
        HOOKBOX_FUZZ_CHECK(got.has_value());
        std::size_t first = trimmed.find_first_not_of('0');
        std::string_view significant =
            first == std::string_view::npos ? std::string_view() : trimmed.substr(first);
        if (significant.size() <= 7) {
            std::int64_t n = 0;
            for (char c : significant)
                n = n * 10 + (c - '0');
            HOOKBOX_FUZZ_CHECK(*got == milliseconds(n * 1000));
        }
    }

    // A date: written back in the preferred form, it is the same instant, and the delay agrees.
    if (auto at = hookbox::parse_http_date(trimmed, now)) {
        HOOKBOX_FUZZ_CHECK(at->time_since_epoch().count() % 1000 == 0);
        HOOKBOX_FUZZ_CHECK(got.has_value() || all_digits(trimmed));
        if (int year = int(year_month_day(floor<days>(*at)).year()); year >= 0 && year <= 9999) {
            std::string again = imf_fixdate(*at);
            HOOKBOX_FUZZ_CHECK(hookbox::parse_http_date(again, now) == at);
        }
        if (got && !all_digits(trimmed)) {
            auto expect = *at > now ? *at - now : milliseconds(0);
            HOOKBOX_FUZZ_CHECK(*got ==
                               (expect < hookbox::retry_after_limit ? expect : hookbox::retry_after_limit));
        }
    }
    return 0;
}
