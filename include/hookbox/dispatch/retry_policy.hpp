//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_RETRY_POLICY_HPP
#define HOOKBOX_DISPATCH_RETRY_POLICY_HPP

/// \file
/// What to do after an attempt, without I/O: the classification of an HTTP outcome, the retry
/// schedule with its jitter, and `Retry-After`. The dispatcher asks a `retry_policy` for the
/// `attempt_result` to ack; `default_retry_policy` is the ObjectStack outbox's, and users may bring
/// their own.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>

#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox {

/// The class of an attempt's outcome.
enum class attempt_class : unsigned char {
    success,   ///< 2xx
    retriable, ///< 408, 429, 5xx, or no response
    permanent, ///< anything else: other 4xx, 1xx, and 3xx (redirects are never followed)
};

constexpr std::string_view to_string(attempt_class c) noexcept {
    switch (c) {
    case attempt_class::success: return "success";
    case attempt_class::retriable: return "retriable";
    case attempt_class::permanent: return "permanent";
    }
    return "unknown";
}

/// Classifies an HTTP status (unset: no response). The ObjectStack outbox's table, except that a
/// redirect, which hookbox never follows, is a permanent failure.
constexpr attempt_class classify(std::optional<int> status) noexcept {
    if (!status)
        return attempt_class::retriable;
    int s = *status;
    if (s >= 200 && s <= 299)
        return attempt_class::success;
    if (s == 408 || s == 429 || s >= 500)
        return attempt_class::retriable;
    return attempt_class::permanent;
}

namespace detail::retry {

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
    year_month_day ymd{std::chrono::year(year), std::chrono::month(unsigned(month)), std::chrono::day(unsigned(day))};
    if (!ymd.ok())
        return std::nullopt;
    return time_point_cast<milliseconds>(sys_days(ymd) + seconds(tod));
}

}  // namespace detail::retry

/// Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`,
/// two-digit years read as within 50 years of `now`) and asctime (`Sun Nov  6 08:49:37 1994`).
inline std::optional<timestamp> parse_http_date(std::string_view v, timestamp now) {
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
        if (date.size() != 3 || date[0].size() != 2 || !digits(date[0]) || date[2].size() != 2 || !digits(date[2]))
            return std::nullopt;
        int now_year = int(std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(now)).year());
        int year = (now_year / 100) * 100 + number(date[2]);
        if (year > now_year + 50)
            year -= 100;
        return make_time(year, month_index(date[1]), number(date[0]), time_of_day(parts[2]));
    }
    if (parts.size() == 5 && parts[0].size() == 3) {
        // asctime: day-name Mon D HH:MM:SS YYYY (the day may be space-padded)
        if (parts[2].empty() || parts[2].size() > 2 || !digits(parts[2]) || parts[4].size() != 4 || !digits(parts[4]))
            return std::nullopt;
        return make_time(number(parts[4]), month_index(parts[1]), number(parts[2]), time_of_day(parts[3]));
    }
    return std::nullopt;
}

/// The delay a `Retry-After` value asks for, from `now`: delta-seconds or an HTTP-date (a date in
/// the past is no delay). `std::nullopt` when the value is neither.
inline std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, timestamp now) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
    if (detail::retry::digits(v)) {
        // Delta-seconds; anything beyond a year is as good as a year (and cannot overflow).
        if (v.size() > 8)
            return std::chrono::milliseconds(std::chrono::hours(24 * 366));
        return std::chrono::milliseconds(std::int64_t(detail::retry::number(v)) * 1000);
    }
    auto at = parse_http_date(v, now);
    if (!at)
        return std::nullopt;
    return *at > now ? *at - now : std::chrono::milliseconds(0);
}

/// The parameters of `default_retry_policy`.
struct retry_params {
    /// The delay before retry n (1-based) is `schedule[n - 1]`, jittered; after the last, the
    /// delivery is dead. The ObjectStack outbox's: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 24 h
    /// (8 attempts, ~31 h).
    std::vector<std::chrono::milliseconds> schedule{
        std::chrono::milliseconds(1000),    std::chrono::milliseconds(10000),    std::chrono::milliseconds(60000),
        std::chrono::milliseconds(600000),  std::chrono::milliseconds(3600000),  std::chrono::milliseconds(21600000),
        std::chrono::milliseconds(86400000)};
    /// Each delay is multiplied by a factor drawn uniformly from `[1 - jitter, 1 + jitter)`; in [0, 1).
    double jitter = 0.2;
    /// Multiplies every delay: 1 in production; the demo uses 0.0005 to run the whole schedule
    /// (31.2 hours) in about a minute. Greater than 0.
    double scale = 1.0;
    /// Wait at least what a retriable response's `Retry-After` asks for...
    bool honour_retry_after = true;
    /// ...but never longer than this.
    std::chrono::milliseconds retry_after_max{std::chrono::hours(24)};
};

/// The ObjectStack outbox's retry policy, with `Retry-After` honoured and redirects permanent.
class default_retry_policy {
public:
    /// Throws `error_with_diagnostics` (`errc::invalid_argument`, naming the field) for an empty
    /// schedule, a negative delay, a jitter outside [0, 1) or a scale that is not > 0.
    explicit default_retry_policy(retry_params p = {}) : p_(std::move(p)) {
        error_code ec;
        diagnostics diag;
        if (!check(p_, ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
    }

    static bool check(const retry_params& p, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (p.schedule.empty())
            return fail(ec, diag, "schedule", "schedule: needs at least one delay (an empty schedule never retries)");
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

    const retry_params& params() const noexcept { return p_; }

    /// The delay before the next attempt, after `attempts_made` attempts (1-based, the one that just
    /// failed included), for a uniform draw `u` in [0, 1); `std::nullopt` when no retry is left.
    /// With the default schedule and jitter this is the ObjectStack outbox's `nextRetryDelayMs`, to the
    /// millisecond.
    std::optional<std::chrono::milliseconds> next_delay(int attempts_made, double u) const noexcept {
        if (attempts_made < 1 || static_cast<std::size_t>(attempts_made) > p_.schedule.size())
            return std::nullopt;
        double base = static_cast<double>(p_.schedule[static_cast<std::size_t>(attempts_made - 1)].count());
        double d = base * ((1.0 - p_.jitter) + u * (2.0 * p_.jitter));
        if (p_.scale != 1.0)
            d *= p_.scale;
        return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(d)));
    }

    /// The ack for an attempt that ended with `r`, made after `attempts_before` earlier attempts
    /// (the row's `attempts` at claim), at `now` (taken after the request), with a uniform draw `u`
    /// in [0, 1) for the jitter.
    attempt_result decide(int attempts_before, send_result&& r, timestamp now, double u) const {
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
                    : r.http_status ? "HTTP " + std::to_string(*r.http_status)
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

private:
    static bool fail(error_code& ec, diagnostics& diag, std::string field, std::string message) {
        detail::fail(ec, diag, errc::invalid_argument, std::move(field), std::move(message));
        return false;
    }

    retry_params p_;
};

/// What the dispatcher needs of a retry policy: `p.decide(attempts_before, send_result&&, now, u)`
/// returning the `attempt_result` to ack, where `u` is a uniform draw in [0, 1). It is called from
/// the dispatcher's strand, so it must not block. Models: `default_retry_policy`.
template <class P>
concept retry_policy = requires(const P& p, int n, send_result&& r, timestamp now, double u) {
    { p.decide(n, std::move(r), now, u) } -> std::same_as<attempt_result>;
};

static_assert(retry_policy<default_retry_policy>);

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_RETRY_POLICY_HPP
