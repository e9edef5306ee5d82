//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_TIME_FORMAT_IPP
#define HOOKBOX_IMPL_TIME_FORMAT_IPP

#include <hookbox/time_format.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace hookbox {

namespace detail::time_format {

constexpr std::int64_t ms_per_day = 86'400'000;

constexpr std::string_view timestamp_rule =
    "expected an ISO-8601 UTC time such as 2026-05-24T00:00:00Z (optionally with .mmm milliseconds)";
constexpr std::string_view age_rule = " or an age such as 7d, 12h, 30m or 45s";

struct civil_date {
    std::int64_t year;
    unsigned month;  // 1..12
    unsigned day;    // 1..31
};

// Days since 1970-01-01 to a proleptic Gregorian date, on 64 bits throughout: std::chrono::year
// holds only -32767..32767, and a timestamp reaches some 292 million years either way, so going
// through year_month_day would print a wrong date for a far (often corrupt) stored time.
// (H. Hinnant's civil_from_days, shifted to eras of 400 years that start on March 1st.)
constexpr civil_date civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
    const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11], from March
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

inline void put_digits(std::string& out, std::uint64_t v, int width) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = n; i < width; ++i)
        out += '0';
    while (n > 0)
        out += buf[--n];
}

constexpr bool all_digits(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

constexpr unsigned digits_value(std::string_view s) noexcept {
    unsigned v = 0;
    for (char c : s)
        v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
}

// The text as a message quotes it: at most 64 bytes (cut at a UTF-8 boundary, "..." marking the
// cut) with control characters escaped, so that neither a long argument nor an escape sequence
// in it reaches a log or a terminal as it is.
inline std::string quoted(std::string_view s) {
    constexpr std::size_t limit = 64;
    bool cut = false;
    if (s.size() > limit) {
        std::size_t end = limit;
        while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80)
            --end;
        s = s.substr(0, end);
        cut = true;
    }
    std::string out;
    out.reserve(s.size() + 5);
    out += '\'';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += ch;
        }
    }
    if (cut)
        out += "...";
    out += '\'';
    return out;
}

// Failures build their message out of the parsing path: "<field>: '<text>' <why>".
inline timestamp fail_time(
    error_code& ec, diagnostics& diag, std::string_view field, std::string_view text, std::string_view why) {
    std::string message;
    if (!field.empty()) {
        message += field;
        message += ": ";
    }
    message += quoted(text);
    message += ' ';
    message += why;
    hookbox::detail::fail(ec, diag, errc::invalid_argument, std::string(field), std::move(message));
    return timestamp{};
}

inline timestamp
parse_absolute(std::string_view s, std::string_view field, bool ages_too, error_code& ec, diagnostics& diag) {
    using namespace std::chrono;
    // 2026-05-24T00:00:00Z or 2026-05-24T00:00:00.000Z
    if ((s.size() != 20 && s.size() != 24) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s.back() != 'Z' || (s.size() == 24 && s[19] != '.'))
        return fail_time(ec, diag, field, s,
                         "is not a time: " + std::string(timestamp_rule) +
                             (ages_too ? std::string(age_rule) : ""));
    const std::string_view yy = s.substr(0, 4), mo = s.substr(5, 2), dd = s.substr(8, 2),
                           hh = s.substr(11, 2), mi = s.substr(14, 2), ss = s.substr(17, 2);
    const std::string_view ms = s.size() == 24 ? s.substr(20, 3) : std::string_view("000");
    for (auto part : {yy, mo, dd, hh, mi, ss, ms})
        if (!all_digits(part))
            return fail_time(ec, diag, field, s,
                             "is not a time: " + std::string(timestamp_rule) +
                                 (ages_too ? std::string(age_rule) : ""));
    const year_month_day ymd{year(static_cast<int>(digits_value(yy))), month(digits_value(mo)),
                             day(digits_value(dd))};
    if (!ymd.ok())
        return fail_time(ec, diag, field, s, "is not a valid date (month 01-12, and a day that month has)");
    const unsigned h = digits_value(hh), m = digits_value(mi), sec = digits_value(ss);
    if (h > 23 || m > 59 || sec > 59)
        return fail_time(ec, diag, field, s, "is not a valid time of day (00:00:00 to 23:59:59)");
    ec.clear();
    return timestamp(sys_days(ymd)) + hours(h) + minutes(m) + seconds(sec) + milliseconds(digits_value(ms));
}

}  // namespace detail::time_format

std::string format_timestamp(timestamp t) {
    namespace tf = detail::time_format;
    const std::int64_t since_epoch = t.time_since_epoch().count();
    std::int64_t days = since_epoch / tf::ms_per_day;
    std::int64_t in_day = since_epoch % tf::ms_per_day;
    if (in_day < 0) {  // times before 1970 count back from the end of their day
        in_day += tf::ms_per_day;
        --days;
    }
    const tf::civil_date date = tf::civil_from_days(days);
    std::string out;
    out.reserve(28);
    if (date.year >= 0 && date.year <= 9999) {
        tf::put_digits(out, static_cast<std::uint64_t>(date.year), 4);
    } else {
        out += date.year < 0 ? '-' : '+';
        tf::put_digits(out,
                       date.year < 0 ? 0 - static_cast<std::uint64_t>(date.year)
                                     : static_cast<std::uint64_t>(date.year),
                       6);
    }
    const auto ms = static_cast<std::uint64_t>(in_day);
    out += '-';
    tf::put_digits(out, date.month, 2);
    out += '-';
    tf::put_digits(out, date.day, 2);
    out += 'T';
    tf::put_digits(out, ms / 3'600'000, 2);
    out += ':';
    tf::put_digits(out, ms / 60'000 % 60, 2);
    out += ':';
    tf::put_digits(out, ms / 1000 % 60, 2);
    out += '.';
    tf::put_digits(out, ms % 1000, 3);
    out += 'Z';
    return out;
}

std::string format_duration(std::chrono::milliseconds d) {
    const std::int64_t count = d.count();
    // The magnitude on 64 unsigned bits: -milliseconds::min() does not fit the signed type.
    const std::uint64_t magnitude =
        count < 0 ? 0 - static_cast<std::uint64_t>(count) : static_cast<std::uint64_t>(count);
    std::string out = count < 0 ? "-" : "";
    if (magnitude < 1000)
        return out + std::to_string(magnitude) + " ms";
    const std::uint64_t total = magnitude / 1000;
    const std::size_t sign = out.size();
    auto part = [&](std::uint64_t n, char unit) {
        if (n == 0 && out.size() == sign)
            return;
        if (out.size() != sign)
            out += ' ';
        out += std::to_string(n);
        out += unit;
    };
    part(total / 86400, 'd');
    part(total / 3600 % 24, 'h');
    part(total / 60 % 60, 'm');
    part(total % 60, 's');
    return out;
}

timestamp parse_timestamp(std::string_view text, std::string_view field, error_code& ec, diagnostics& diag) {
    return detail::time_format::parse_absolute(text, field, false, ec, diag);
}

timestamp parse_timestamp(std::string_view text, std::string_view field) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return parse_timestamp(text, field, ec, diag); });
}

timestamp
parse_time(std::string_view text, timestamp now, std::string_view field, error_code& ec, diagnostics& diag) {
    namespace tf = detail::time_format;
    const std::string_view number = text.substr(0, text.empty() ? 0 : text.size() - 1);
    if (text.size() < 2 || !tf::all_digits(number))
        return tf::parse_absolute(text, field, true, ec, diag);
    // An age: the digits are checked before the unit, so that "1234567890w" is too large rather
    // than of an unknown unit.
    if (number.size() > 9)
        return tf::fail_time(ec, diag, field, text, "is too large an age: at most 9 digits");
    std::int64_t unit_ms = 0;
    switch (text.back()) {
    case 'd':
        unit_ms = tf::ms_per_day;
        break;
    case 'h':
        unit_ms = 3'600'000;
        break;
    case 'm':
        unit_ms = 60'000;
        break;
    case 's':
        unit_ms = 1000;
        break;
    default:
        return tf::fail_time(ec, diag, field, text,
                             "has an unknown unit: use d, h, m or s (or an ISO-8601 UTC time)");
    }
    // At most 999999999 days, some 8.6e16 ms: the product fits; only `now - age` can overflow.
    const std::int64_t age = static_cast<std::int64_t>(tf::digits_value(number)) * unit_ms;
    if (now.time_since_epoch().count() < std::numeric_limits<std::int64_t>::min() + age)
        return tf::fail_time(ec, diag, field, text,
                             "is too large an age: it reaches before the earliest time a timestamp holds");
    ec.clear();
    return now - std::chrono::milliseconds(age);
}

timestamp parse_time(std::string_view text, timestamp now, std::string_view field) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return parse_time(text, now, field, ec, diag); });
}

}  // namespace hookbox

#endif  // HOOKBOX_IMPL_TIME_FORMAT_IPP
