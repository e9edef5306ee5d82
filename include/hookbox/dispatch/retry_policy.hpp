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
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/sender_concept.hpp>

#include <chrono>
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
    success,    ///< 2xx
    retriable,  ///< 408, 429, 5xx, or no response
    permanent,  ///< anything else: other 4xx, 1xx, and 3xx (redirects are never followed)
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

/// Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`,
/// two-digit years read as within 50 years of `now`) and asctime (`Sun Nov  6 08:49:37 1994`).
HOOKBOX_DECL std::optional<timestamp> parse_http_date(std::string_view v, timestamp now);

/// The longest delay `parse_retry_after` reports: 366 days. A value that asks for more, in seconds
/// or as a date, is read as this.
inline constexpr std::chrono::milliseconds retry_after_limit{std::int64_t(366) * 24 * 3600 * 1000};

/// The delay a `Retry-After` value asks for, from `now`: delta-seconds or an HTTP-date (a date in
/// the past is no delay), at most `retry_after_limit`. `std::nullopt` when the value is neither.
HOOKBOX_DECL std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v, timestamp now);

/// The parameters of `default_retry_policy`.
struct retry_params {
    /// The delay before retry n (1-based) is `schedule[n - 1]`, jittered; after the last, the
    /// delivery is dead. The ObjectStack outbox's: 1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 24 h
    /// (8 attempts, ~31 h).
    std::vector<std::chrono::milliseconds> schedule{
        std::chrono::milliseconds(1000),    std::chrono::milliseconds(10000),
        std::chrono::milliseconds(60000),   std::chrono::milliseconds(600000),
        std::chrono::milliseconds(3600000), std::chrono::milliseconds(21600000),
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
    HOOKBOX_DECL explicit default_retry_policy(retry_params p = {});

    /// Checks `p` without constructing: false, with `ec` (`errc::invalid_argument`) and `diag`
    /// naming the field, where the constructor would throw.
    HOOKBOX_DECL static bool check(const retry_params& p, error_code& ec, diagnostics& diag);

    const retry_params& params() const noexcept { return p_; }

    /// The delay before the next attempt, after `attempts_made` attempts (1-based, the one that just
    /// failed included), for a uniform draw `u` in [0, 1); `std::nullopt` when no retry is left.
    /// With the default schedule and jitter this is the ObjectStack outbox's `nextRetryDelayMs`, to the
    /// millisecond.
    HOOKBOX_DECL std::optional<std::chrono::milliseconds> next_delay(int attempts_made,
                                                                     double u) const noexcept;

    /// The ack for an attempt that ended with `r`, made after `attempts_before` earlier attempts
    /// (the row's `attempts` at claim), at `now` (taken after the request), with a uniform draw `u`
    /// in [0, 1) for the jitter.
    HOOKBOX_DECL attempt_result decide(int attempts_before, send_result&& r, timestamp now, double u) const;

private:
    HOOKBOX_DECL static bool fail(error_code& ec, diagnostics& diag, std::string field, std::string message);

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

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/dispatch/impl/retry_policy.ipp>
#endif

#endif  // HOOKBOX_DISPATCH_RETRY_POLICY_HPP
