//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_IMPL_RETRY_POLICY_IPP
#define HOOKBOX_DISPATCH_IMPL_RETRY_POLICY_IPP

#include <hookbox/dispatch/retry_policy.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

namespace detail::retry {

// The pieces of the HTTP-date grammar: only the parsers below use them, so they live here.

inline bool digits(std::string_view s) noexcept {
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

inline int number(std::string_view s) noexcept {
    int v = 0;
    for (char c : s)
        v = v * 10 + (c - '0');
    return v;
}

inline int month_index(std::string_view m) noexcept {
    static constexpr std::string_view names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (m == names[i])
            return i + 1;
    return 0;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        std::size_t p = s.find(sep);
        std::string_view part = s.substr(0, p);
        if (!part.empty())
            out.push_back(part);
        if (p == std::string_view::npos)
            break;
        s.remove_prefix(p + 1);
    }
    return out;
}

// "08:49:37" -> seconds of the day, or -1.
inline int time_of_day(std::string_view t) noexcept {
    if (t.size() != 8 || t[2] != ':' || t[5] != ':')
        return -1;
    auto h = t.substr(0, 2), m = t.substr(3, 2), s = t.substr(6, 2);
    if (!digits(h) || !digits(m) || !digits(s))
        return -1;
    int hh = number(h), mm = number(m), ss = number(s);
    if (hh > 23 || mm > 59 || ss > 60)
        return -1;
    return hh * 3600 + mm * 60 + ss;
}

inline std::optional<timestamp> make_time(int year, int month, int day, int tod) noexcept {
    using namespace std::chrono;
    if (month < 1 || tod < 0 || day < 1)
        return std::nullopt;
    year_month_day ymd{std::chrono::year(year), std::chrono::month(unsigned(month)),
                       std::chrono::day(unsigned(day))};
    if (!ymd.ok())
        return std::nullopt;
    return time_point_cast<milliseconds>(sys_days(ymd) + seconds(tod));
}

}  // namespace detail::retry

std::optional<timestamp> parse_http_date(std::string_view v, timestamp now) {
    using namespace detail::retry;
    auto parts = split(v, ' ');
    if (parts.size() == 6 && parts[0].size() == 4 && parts[0][3] == ',' && parts[5] == "GMT") {
        // IMF-fixdate: day-name, DD Mon YYYY HH:MM:SS GMT
        if (parts[1].size() != 2 || !digits(parts[1]) || parts[3].size() != 4 || !digits(parts[3]))
            return std::nullopt;
        return make_time(number(parts[3]), month_index(parts[2]), number(parts[1]), time_of_day(parts[4]));
    }
    if (parts.size() == 4 && parts[0].size() > 4 && parts[0].back() == ',' && parts[3] == "GMT") {
        // RFC 850: day-name, DD-Mon-YY HH:MM:SS GMT
        auto date = split(parts[1], '-');
        if (date.size() != 3 || date[0].size() != 2 || !digits(date[0]) || date[2].size() != 2 ||
            !digits(date[2]))
            return std::nullopt;
        int now_year = int(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now)).year());
        int year = (now_year / 100) * 100 + number(date[2]);
        if (year > now_year + 50)
            year -= 100;
        return make_time(year, month_index(date[1]), number(date[0]), time_of_day(parts[2]));
    }
    if (parts.size() == 5 && parts[0].size() == 3) {
        // asctime: day-name Mon D HH:MM:SS YYYY (the day may be space-padded)
        if (parts[2].empty() || parts[2].size() > 2 || !digits(parts[2]) || parts[4].size() != 4 ||
            !digits(parts[4]))
            return std::nullopt;
        return make_time(number(parts[4]), month_index(parts[1]), number(parts[2]), time_of_day(parts[3]));
    }
    return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, timestamp now) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    if (detail::retry::digits(v)) {
        // Delta-seconds; leading zeros count for nothing, and anything beyond the limit is as good
        // as the limit (and cannot overflow).
        while (v.size() > 1 && v.front() == '0')
            v.remove_prefix(1);
        if (v.size() > 8)
            return retry_after_limit;
        std::chrono::milliseconds asked(std::int64_t(detail::retry::number(v)) * 1000);
        return asked < retry_after_limit ? asked : retry_after_limit;
    }
    auto at = parse_http_date(v, now);
    if (!at)
        return std::nullopt;
    if (*at <= now)
        return std::chrono::milliseconds(0);
    // A date is at most year 9999, and a clock's `now` after year 0: the difference fits easily.
    auto asked = *at - now;
    return asked < retry_after_limit ? asked : retry_after_limit;
}

default_retry_policy::default_retry_policy(retry_params p) : p_(std::move(p)) {
    error_code ec;
    diagnostics diag;
    if (!check(p_, ec, diag))
        throw error_with_diagnostics(ec, std::move(diag));
}

bool default_retry_policy::check(const retry_params& p, error_code& ec, diagnostics& diag) {
    ec.clear();
    if (p.schedule.empty())
        return fail(ec, diag, "schedule",
                    "schedule: needs at least one delay (an empty schedule never retries)");
    for (std::size_t i = 0; i < p.schedule.size(); ++i)
        if (p.schedule[i].count() < 0)
            return fail(ec, diag, "schedule[" + std::to_string(i) + "]",
                        "schedule[" + std::to_string(i) + "]: a delay must not be negative");
    if (!(p.jitter >= 0.0 && p.jitter < 1.0))
        return fail(ec, diag, "jitter", "jitter: must be in [0, 1)");
    if (!(p.scale > 0.0) || !std::isfinite(p.scale))
        return fail(ec, diag, "scale", "scale: must be greater than 0");
    if (p.retry_after_max.count() < 0)
        return fail(ec, diag, "retry_after_max", "retry_after_max: must not be negative");
    return true;
}

std::optional<std::chrono::milliseconds> default_retry_policy::next_delay(int attempts_made,
                                                                          double u) const noexcept {
    if (attempts_made < 1 || static_cast<std::size_t>(attempts_made) > p_.schedule.size())
        return std::nullopt;
    double base = static_cast<double>(p_.schedule[static_cast<std::size_t>(attempts_made - 1)].count());
    double d = base * ((1.0 - p_.jitter) + u * (2.0 * p_.jitter));
    if (p_.scale != 1.0)
        d *= p_.scale;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(d)));
}

attempt_result
default_retry_policy::decide(int attempts_before, send_result&& r, timestamp now, double u) const {
    attempt_result out;
    out.http_status = r.http_status;
    out.response_body = std::move(r.response_body);
    out.duration = r.duration;
    attempt_class c = classify(r.http_status);
    if (c == attempt_class::success) {
        out.outcome = attempt_outcome::success;
        return out;
    }
    out.error = !r.error.empty() ? std::move(r.error)
                : r.http_status  ? "HTTP " + std::to_string(*r.http_status)
                                 : std::string("no response");
    if (c == attempt_class::permanent || r.refused) {
        out.outcome = attempt_outcome::dead;
        return out;
    }
    auto delay = next_delay(attempts_before + 1, u);
    if (!delay) {
        out.outcome = attempt_outcome::dead;
        return out;
    }
    if (p_.honour_retry_after && r.retry_after) {
        if (auto asked = parse_retry_after(*r.retry_after, now)) {
            auto wait = *asked < p_.retry_after_max ? *asked : p_.retry_after_max;
            if (wait > *delay)
                delay = wait;
        }
    }
    out.outcome = attempt_outcome::retry;
    out.next_retry_at = now + *delay;
    return out;
}

bool default_retry_policy::fail(error_code& ec, diagnostics& diag, std::string field, std::string message) {
    detail::fail(ec, diag, errc::invalid_argument, std::move(field), std::move(message));
    return false;
}

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_IMPL_RETRY_POLICY_IPP
