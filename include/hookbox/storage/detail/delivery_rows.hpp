//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_DELIVERY_ROWS_HPP
#define HOOKBOX_STORAGE_DETAIL_DELIVERY_ROWS_HPP

// Rows of the delivery tables (delivery_schema.hpp) to and from deliveries: what engine_storage and
// sql_storage share, so that both read and write every column alike and report a row that cannot
// be read (corrupt_row) with the same words.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/value.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/delivery_schema.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::detail::rows {

using engine::cell_view;

HOOKBOX_DECL cell_view to_cell(const engine::value& v) noexcept;

inline std::int64_t ms(timestamp t) noexcept { return t.time_since_epoch().count(); }
inline timestamp from_ms(std::int64_t v) noexcept { return timestamp(std::chrono::milliseconds(v)); }

inline engine::value opt_ms(const std::optional<timestamp>& t) { return t ? engine::value(ms(*t)) : engine::value(); }

// Why a stored row could not be read: the column and the reason.
struct decode_error {
    std::string column;
    std::string reason;
};

HOOKBOX_DECL std::string headers_to_json(const std::vector<header>& hs);

// Headers are stored as an array of [name, value] pairs (order and repeats kept); an object of
// name -> value (the ObjectStack outbox's layout) is read as well.
HOOKBOX_DECL bool headers_from_json(std::string_view text, std::vector<header>& out, std::string& reason);

// The name of the column at position `i` of a row as engine_storage reads it: `delivery_columns`,
// then the payload's two columns.
HOOKBOX_DECL std::string_view read_column(std::size_t i) noexcept;

// The payload of a delivery that has none: what a claim or a read reports for its row.
HOOKBOX_DECL std::string missing_payload(std::string_view payloads);

// Reads the payload of a row, `payload_json` and `payload_raw` from the payload table, into `d`.
// Both null means that the row has no payload row (`payload_json` is NOT NULL there); `payloads`
// names that table for the reason given.
HOOKBOX_DECL bool decode_payload(const cell_view& json, const cell_view& raw, delivery& d, decode_error& err,
                           std::string_view payloads);

// Reads the columns of the delivery table (`delivery_columns`, the first cells of `c`) into `d`
// (secret included), not the payload.
HOOKBOX_DECL bool decode_row(std::span<const cell_view> c, delivery& d, decode_error& err);

// Reads a whole row: `delivery_columns`, then `payload_json` and `payload_raw`.
HOOKBOX_DECL bool decode(std::span<const cell_view> c, delivery& d, decode_error& err, std::string_view payloads);


HOOKBOX_DECL std::vector<engine::value> insert_values(const delivery& d);

// The payload row of the delivery row `seq`: `payload_json` holds JSON, or `null` beside the body
// of a raw payload in `payload_raw`.
HOOKBOX_DECL std::array<engine::value, 3> payload_values(std::int64_t seq, const payload& p);

// A claim nonce: random, below 2^62, so that nonce + seq is a positive 64-bit token unique to
// this row and this claim.
HOOKBOX_DECL std::int64_t claim_nonce() noexcept;

// One row of the attempt table for an applied completion.
HOOKBOX_DECL engine::record attempt_row(const delivery_id& id, std::int64_t delivery_seq, const completion& c);

// Reads one attempt row, in `attempt_columns` order.
HOOKBOX_DECL bool decode_attempt(std::span<const cell_view> c, attempt_record& a, decode_error& err);

// Checks a delivery table's name: the schema derives index and table names from it, and each must
// fit in 63 characters.
HOOKBOX_DECL bool check_table_name(const std::string& table, error_code& ec, diagnostics& diag);

// The error of an attempt record that cannot be read.
HOOKBOX_DECL void fail_attempt_corrupt(error_code& ec, diagnostics& diag, std::int64_t attempt_seq,
                                       std::string_view delivery_id, const decode_error& err);

// What get and list report, and a claim buries with, for a row that cannot be read.
HOOKBOX_DECL std::string corrupt_text(const delivery& d, std::string_view table, const decode_error& err);

// The error of a row that cannot be read, named by its id when that column could be read, else by
// its position (`seq`).
HOOKBOX_DECL void fail_corrupt(error_code& ec, diagnostics& diag, std::span<const cell_view> cells,
                               std::string_view table, const decode_error& err);

}  // namespace hookbox::detail::rows

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/delivery_rows.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_DELIVERY_ROWS_HPP
