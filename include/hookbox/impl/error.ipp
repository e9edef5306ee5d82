//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_ERROR_IPP
#define HOOKBOX_IMPL_ERROR_IPP

#include <hookbox/error.hpp>

namespace hookbox {

namespace detail {

class error_category_impl final : public boost::system::error_category {
public:
    // A fixed id so that codes compare equal across shared-library boundaries.
    constexpr error_category_impl() noexcept : boost::system::error_category(0x6b5e3a2f1c4d7e90ULL) {}

    const char* name() const noexcept override { return "hookbox"; }

    std::string message(int ev) const override { return message(ev, nullptr, 0); }

    const char* message(int ev, char*, std::size_t) const noexcept override {
        switch (static_cast<errc>(ev)) {
        case errc::empty_field: return "a required field is empty; supply a non-empty value";
        case errc::field_too_long:
            return "a field is longer than its column allows; shorten it to the documented limit";
        case errc::invalid_utf8: return "a text field is not valid UTF-8; encode it as UTF-8";
        case errc::invalid_url:
            return "the URL must be an absolute http:// or https:// URL with a host and no whitespace";
        case errc::invalid_method:
            return "the HTTP method must be a token of letters, digits or !#$%&'*+-.^_`|~ (for example POST)";
        case errc::invalid_header:
            return "a header name must be a token and a header value must not contain CR, LF or NUL";
        case errc::invalid_payload: return "the payload is not valid JSON; send it as a raw body instead";
        case errc::payload_too_large:
            return "the payload exceeds outbox_params::max_payload_bytes; send a reference instead";
        case errc::invalid_timeout: return "the request timeout must be greater than zero";
        case errc::invalid_partition_count: return "partition count must be > 0";
        case errc::invalid_partition:
            return "the claim's partition index must be in [0, count) and its count must equal the "
                   "outbox's partition_count";
        case errc::invalid_argument: return "an option is outside its allowed range";
        case errc::invalid_delivery_id:
            return "a delivery id must be a canonical UUID (8-4-4-4-12 hexadecimal digits)";
        case errc::not_found: return "no delivery has this id";
        case errc::not_eligible:
            return "the delivery's status does not allow this operation; redeliver needs success, failed or dead";
        case errc::claim_lost:
            return "the claim was reaped or taken over by another claimer, so the ack was discarded; make the "
                   "claim TTL longer than the request timeout";
        case errc::storage_busy: return "the storage is busy (locked by another writer); retry shortly";
        case errc::storage_failure:
            return "the storage failed (an I/O error); nothing was changed";
        case errc::corrupt_row: return "a stored row (a delivery, a state entry) could not be decoded; the diagnostics name it";
        case errc::unique_violation: return "a row with the same values in a unique index exists already";
        case errc::schema_error:
            return "the statement names an unknown table or column, or gives a column a value of the wrong type";
        case errc::schema_too_new:
            return "the database was migrated by a newer program than this one; upgrade hookbox";
        case errc::read_only: return "the database is read-only; nothing was changed";
        case errc::storage_full: return "the disk or the database size limit is full; nothing was changed";
        case errc::version_conflict:
            return "the entry's version is not the one expected: another writer changed it first; read it again and retry";
        case errc::address_not_permitted:
            return "the host resolves only to addresses the sender's address policy forbids (not globally routable); "
                   "allow the network in sender_params::addresses if it is meant to receive webhooks";
        case errc::payload_too_deep:
            return "the payload is JSON nested deeper than payload_options::max_depth allows; flatten it or "
                   "raise the limit";
        }
        return "unknown hookbox error";
    }
};

}  // namespace detail

const boost::system::error_category& error_category() noexcept {
    static constexpr detail::error_category_impl instance;
    return instance;
}

std::string_view to_string(errc e) noexcept {
    switch (e) {
    case errc::empty_field: return "empty_field";
    case errc::field_too_long: return "field_too_long";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::invalid_url: return "invalid_url";
    case errc::invalid_method: return "invalid_method";
    case errc::invalid_header: return "invalid_header";
    case errc::invalid_payload: return "invalid_payload";
    case errc::payload_too_large: return "payload_too_large";
    case errc::invalid_timeout: return "invalid_timeout";
    case errc::invalid_partition_count: return "invalid_partition_count";
    case errc::invalid_partition: return "invalid_partition";
    case errc::invalid_argument: return "invalid_argument";
    case errc::invalid_delivery_id: return "invalid_delivery_id";
    case errc::not_found: return "not_found";
    case errc::not_eligible: return "not_eligible";
    case errc::claim_lost: return "claim_lost";
    case errc::storage_busy: return "storage_busy";
    case errc::storage_failure: return "storage_failure";
    case errc::corrupt_row: return "corrupt_row";
    case errc::unique_violation: return "unique_violation";
    case errc::schema_error: return "schema_error";
    case errc::schema_too_new: return "schema_too_new";
    case errc::read_only: return "read_only";
    case errc::storage_full: return "storage_full";
    case errc::version_conflict: return "version_conflict";
    case errc::address_not_permitted: return "address_not_permitted";
    case errc::payload_too_deep: return "payload_too_deep";
    }
    return "unknown";
}

bool is_retryable(const error_code& ec) noexcept {
    if (!ec)
        return false;
    if (ec.category() == error_category()) {
        auto e = static_cast<errc>(ec.value());
        return e == errc::storage_busy || e == errc::storage_failure || e == errc::storage_full;
    }
    // Operating-system and Asio errors map onto the generic conditions.
    using std_errc = boost::system::errc::errc_t;
    for (auto cond : {std_errc::timed_out, std_errc::connection_reset, std_errc::connection_refused,
                      std_errc::connection_aborted, std_errc::network_unreachable, std_errc::host_unreachable,
                      std_errc::network_down, std_errc::broken_pipe, std_errc::resource_unavailable_try_again,
                      std_errc::interrupted, std_errc::device_or_resource_busy}) {
        if (ec == boost::system::errc::make_error_condition(cond))
            return true;
    }
    return false;
}

void detail::throw_on_error(const error_code& ec, const diagnostics& diag) {
    if (ec)
        throw error_with_diagnostics(ec, diag);
}

void detail::fail(error_code& ec, diagnostics& diag, errc e, std::string field, std::string message) {
    ec = make_error_code(e);
    diag.assign(std::move(field), std::move(message));
}

}  // namespace hookbox

#endif  // HOOKBOX_IMPL_ERROR_IPP
