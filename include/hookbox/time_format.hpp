//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TIME_FORMAT_HPP
#define HOOKBOX_TIME_FORMAT_HPP

/// \file
/// Times and durations as people read and type them: a `timestamp` written as an RFC 3339 UTC time
/// with milliseconds, a duration written compactly (`3d 4h 5m 6s`), and a time given either as such
/// a UTC time or as an age before now (`7d`, `12h`, `30m`, `45s`), as the `hookbox` tool's
/// `--since`, `--until` and `--before` take it.
///
/// A time this header writes can be given back to it as it is: milliseconds are the unit of every
/// stored time, so nothing is rounded away.
///
/// \code
/// std::string s = hookbox::format_timestamp(d.created_at);       // "2026-05-24T00:00:00.000Z"
/// hookbox::timestamp t = hookbox::parse_timestamp(s);             // == d.created_at
/// hookbox::timestamp since = hookbox::parse_time("7d", now, "since");  // now - 7 days
/// \endcode

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace hookbox {

/// Writes `t` as an RFC 3339 UTC time with milliseconds: `2026-05-24T00:00:00.000Z`, always 24
/// characters for the years 0000 to 9999.
///
/// Any `timestamp` can be written: a year outside 0000 to 9999, which RFC 3339 cannot express, is
/// written as ECMAScript's `Date.prototype.toISOString` writes it, with a sign and at least six
/// digits (`+010000-01-01T00:00:00.000Z`, `-000001-12-31T23:59:59.999Z`). `parse_timestamp` and
/// `parse_time` do not read that form back.
HOOKBOX_DECL std::string format_timestamp(timestamp t);

/// Writes a duration compactly, for people: days, hours, minutes and whole seconds, leaving out the
/// leading parts that are zero (`326d 6h 28m 45s`, `1h 0m 5s`, `45s`); below one second, the
/// milliseconds (`0 ms`, `250 ms`). A negative duration is written as its magnitude after a `-`
/// (`-1h 0m 0s`, `-250 ms`).
HOOKBOX_DECL std::string format_duration(std::chrono::milliseconds d);

/// Reads a UTC time written as `format_timestamp` writes it, `2026-05-24T00:00:00.000Z`, or without
/// the milliseconds, `2026-05-24T00:00:00Z`: four-digit year, two-digit month, day, hour, minute and
/// second, exactly three digits of milliseconds when there is a `.`, an upper-case `T` and `Z`.
/// Other RFC 3339 forms (an offset such as `+02:00`, other fractions of a second, lower-case `t`
/// or `z`) are refused rather than guessed at.
///
/// `field` names the input in the diagnostics (`"since"`, `"--before"`).
///
/// Errors: `errc::invalid_argument`, with diagnostics naming `field` and saying which rule the text
/// broke: not in the form above; not a valid date (month 01 to 12, a day that month has, so
/// `2026-02-29` is refused); not a valid time of day (00:00:00 to 23:59:59; there is no leap
/// second). The text is quoted in the message with control characters escaped (`\x1b`) and cut
/// after 64 bytes.
HOOKBOX_DECL timestamp parse_timestamp(std::string_view text,
                                       std::string_view field,
                                       error_code& ec,
                                       diagnostics& diag);

/// Throwing overload of `parse_timestamp`; throws `error_with_diagnostics`.
HOOKBOX_DECL timestamp parse_timestamp(std::string_view text, std::string_view field = "time");

/// Reads a time given either as `parse_timestamp` reads it or as an age before `now`: a whole
/// number of 1 to 9 digits followed by `d` (days of 24 hours), `h`, `m` (minutes) or `s`, so that
/// `7d` is `now - 7 * 24h` and `0s` is `now`.
///
/// `field` names the input in the diagnostics (`"since"`, `"--before"`).
///
/// Errors: `errc::invalid_argument`, with diagnostics naming `field` and the rule: the errors of
/// `parse_timestamp`; an age of more than 9 digits, or one that reaches before the earliest
/// `timestamp` (from a `now` that close to it); an age with a unit other than `d`, `h`, `m` or `s`
/// (`7w`, `7D`, and a bare number such as `12`). A sign, a space or a fraction (`-7d`, ` 7d`,
/// `1.5h`) makes the text neither a time nor an age.
HOOKBOX_DECL timestamp
parse_time(std::string_view text, timestamp now, std::string_view field, error_code& ec, diagnostics& diag);

/// Throwing overload of `parse_time`; throws `error_with_diagnostics`.
HOOKBOX_DECL timestamp parse_time(std::string_view text, timestamp now, std::string_view field = "time");

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/time_format.ipp>
#endif

#endif  // HOOKBOX_TIME_FORMAT_HPP
