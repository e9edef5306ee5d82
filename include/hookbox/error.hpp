//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ERROR_HPP
#define HOOKBOX_ERROR_HPP

/// \file
/// Error codes, the `hookbox` error category, diagnostics that name the offending field, and the
/// `is_retryable` classifier.

#include <hookbox/detail/config.hpp>

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace hookbox {

using error_code = boost::system::error_code;

/// Errors reported by hookbox. The numeric values are stable and may be stored or logged.
enum class errc : int {
    // ----- bad input: the caller must change the request; retrying it unchanged fails again -----

    /// A required text field is empty. The diagnostics name the field.
    empty_field = 1,
    /// A text field is longer than its column allows. The diagnostics name the field and the limit.
    field_too_long,
    /// A text field is not valid UTF-8.
    invalid_utf8,
    /// The URL is not an absolute `http://` or `https://` URL with a host.
    invalid_url,
    /// The HTTP method is not an RFC 9110 token.
    invalid_method,
    /// A header name is not a token, or a header value contains CR, LF or another control character.
    invalid_header,
    /// The payload text is not valid JSON.
    invalid_payload,
    /// The payload is larger than `outbox_params::max_payload_bytes`.
    payload_too_large,
    /// The per-request timeout is zero or negative.
    invalid_timeout,
    /// A partition count is zero or negative.
    invalid_partition_count,
    /// A claim names a partition outside `[0, partition_count)`, or a count other than the outbox's.
    invalid_partition,
    /// A numeric option is outside its allowed range (a claim limit of 0, a claim TTL of 0, ...).
    invalid_argument,
    /// A delivery id is not a canonical UUID string.
    invalid_delivery_id,

    // ----- state: the request was well formed but the delivery is not in a state that allows it -----

    /// No delivery has this id.
    not_found,
    /// The delivery's status does not allow the operation (for example redelivering a pending row).
    not_eligible,
    /// The claim was reaped or taken over by another claimer; the ack was discarded and nothing changed.
    claim_lost,

    // ----- storage: the operation may succeed if retried later -----

    /// The storage is busy (locked by another writer); retry after a short delay.
    storage_busy,
    /// The storage failed (an I/O error, a lost connection); nothing was changed.
    storage_failure,
    /// A stored row could not be decoded (for example corrupt JSON); the diagnostics name the row.
    corrupt_row,

    // ----- data engines -----

    /// An insert or update would give two rows the same values in a unique index. The diagnostics
    /// name the index.
    unique_violation,
    /// A statement names a table or column that does not exist, gives a column a value of the wrong
    /// type, or a schema definition is malformed. The diagnostics name the table and column.
    schema_error,
    /// The database was migrated by a newer version of its schema than this program knows.
    schema_too_new,
    /// The database is read-only (file permissions, read-only mount or open flags); nothing was changed.
    read_only,
    /// The disk or the database's size limit is full; nothing was changed.
    storage_full,

    // ----- state store -----

    /// A compare-and-set found another version than the one expected: another writer changed the
    /// entry first. Read it again and retry.
    version_conflict,

    // ----- HTTP sender -----

    /// Every address the request's host resolves to is one the sender's address policy forbids;
    /// nothing was sent.
    address_not_permitted,

    // ----- bad input, continued -----

    /// The payload text is JSON nested deeper than `payload_options::max_depth` (64 by default).
    payload_too_deep,
};

/// The category of every `errc` value.
HOOKBOX_DECL const boost::system::error_category& error_category() noexcept;

/// Makes an `error_code` from an `errc` value (found by argument-dependent lookup).
inline error_code make_error_code(errc e) noexcept { return error_code(static_cast<int>(e), error_category()); }

/// The value's name as it is spelt in `errc` (`"empty_field"`, `"claim_lost"`, ...), for logs and
/// for programs that print errors for other programs (the `hookbox` tool's `--json`); `"unknown"`
/// for a value outside the enumeration.
HOOKBOX_DECL std::string_view to_string(errc e) noexcept;

/// True when retrying the same operation later may succeed: storage contention and I/O, and the
/// transport errors of the operating system (timeouts, resets, refused connections). Validation
/// errors, `not_found`, `not_eligible`, `claim_lost` and `corrupt_row` are final.
HOOKBOX_DECL bool is_retryable(const error_code& ec) noexcept;

/// What went wrong, in words: the field at fault (when a field is at fault) and a message that names
/// the rule. Filled by the `error_code&` overloads; carried by `error_with_diagnostics`.
class diagnostics {
public:
    diagnostics() = default;

    /// The request field at fault, as named in the documentation (`webhook_id`, `headers[2].value`),
    /// or empty when the error is not about one field.
    const std::string& field() const noexcept { return field_; }

    /// A full sentence: the field, the rule it broke and the value's size where that helps.
    /// Never contains a secret.
    const std::string& message() const noexcept { return message_; }

    void clear() noexcept {
        field_.clear();
        message_.clear();
    }

    void assign(std::string field, std::string message) {
        field_ = std::move(field);
        message_ = std::move(message);
    }

private:
    std::string field_;
    std::string message_;
};

/// The exception thrown by the throwing overloads: a `system_error` whose `what()` includes the
/// diagnostics message, and which keeps the diagnostics for inspection.
class error_with_diagnostics : public boost::system::system_error {
public:
    error_with_diagnostics(error_code ec, diagnostics diag)
        : boost::system::system_error(ec, diag.message()), diag_(std::move(diag)) {}

    const diagnostics& get_diagnostics() const noexcept { return diag_; }

private:
    diagnostics diag_;
};

namespace detail {

// Throws error_with_diagnostics when `ec` is set.
HOOKBOX_DECL void throw_on_error(const error_code& ec, const diagnostics& diag);

// Runs f(ec, diag) and throws error_with_diagnostics if it failed: the body of every throwing overload.
template <class F>
auto call_or_throw(F&& f) {
    error_code ec;
    diagnostics diag;
    if constexpr (std::is_void_v<decltype(f(ec, diag))>) {
        f(ec, diag);
        throw_on_error(ec, diag);
    } else {
        auto r = f(ec, diag);
        throw_on_error(ec, diag);
        return r;
    }
}

// Sets both the code and the words in one place, so that no error leaves the diagnostics stale.
HOOKBOX_DECL void fail(error_code& ec, diagnostics& diag, errc e, std::string field, std::string message);

}  // namespace detail

}  // namespace hookbox

template <>
struct boost::system::is_error_code_enum<hookbox::errc> : std::true_type {};

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/error.ipp>
#endif

#endif  // HOOKBOX_ERROR_HPP
