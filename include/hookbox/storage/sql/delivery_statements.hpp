//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_SQL_DELIVERY_STATEMENTS_HPP
#define HOOKBOX_STORAGE_SQL_DELIVERY_STATEMENTS_HPP

/// \file
/// `delivery_statements`: every SQL statement `sql_storage` runs on the delivery tables
/// (`delivery_schema.hpp`), in one dialect: the text of each, and the order of its parameters.
/// Sans-io: built from a dialect and a table name, and tested as strings.
///
/// Both dialects take the same parameters in the same order, documented at each statement, so that
/// `sql_storage` binds them alike. Times are milliseconds since the epoch, statuses their stored
/// words. Where a statement reads rows, its columns are `delivery_columns` (the delivery table),
/// `payload_columns` or `attempt_columns`, in that order. SQLite numbers its parameters `?1`, `?2`,
/// ...; PostgreSQL `$1`, `$2`, ..., each cast to its type where it is used.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/storage/sql/batch.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hookbox::sql {

/// The statements of one delivery table and its attempt and payload tables, in one dialect.
struct delivery_statements {
    /// The dialect the texts are written in.
    engine::sql_dialect dialect = engine::sql_dialect::sqlite;
    /// The delivery table, and the names derived from it.
    std::string table, attempt_table, payload_table;

    // ----- enqueue -----

    /// Inserts a new row, unless its `(event_id, webhook_id)` is stored. Parameters: the 16
    /// `insert_columns` (`id`, `webhook_id`, `event_id`, `event_type`, `url`, `method`,
    /// `headers_json`, `secret`, `timeout_ms`, `partition_key`, `status`, `attempts`, `created_at`,
    /// `updated_at`, `claim_token`, `traceparent`). Returns `seq` of the new row; no row when the pair is stored.
    std::string insert{};
    /// Inserts a payload row. Parameters: `seq`, `payload_json`, `payload_raw`.
    std::string insert_payload{};
    /// PostgreSQL: `insert` and `insert_payload` in one statement (so one round trip, atomic on its
    /// own). Parameters: those of `insert`, then `payload_json`, `payload_raw`. Returns `seq` of the
    /// new row; no row when the pair is stored. Empty for SQLite.
    std::string insert_with_payload{};
    /// PostgreSQL: inserts many rows and their payloads in one statement, from 18 array parameters
    /// (those of `insert_with_payload`, one array each, as `sql::array_literal` writes them), in the
    /// arrays' order. Returns `(ordinal, seq)` of each new row (ordinals from 1); a row whose pair
    /// is stored (already, or earlier in the arrays) returns nothing. Empty for SQLite.
    std::string insert_batch{};
    /// The `id` of the row with a pair. Parameters: `event_id`, `webhook_id`.
    std::string find_pair{};

    // ----- claims -----

    /// Puts every `in_flight` row claimed before a time back to `pending`. Parameters: `reap_before`,
    /// `now`.
    std::string reap{};
    /// Claims the lowest-`seq` claimable rows of every partition (`claim_all`) or of one
    /// (`claim_partition`), giving each the claim token `nonce + seq`, and returns them. Parameters:
    /// `node_id`, `now`, `nonce`, `limit`, and for `claim_partition` the `partition`. PostgreSQL
    /// skips rows another transaction has locked (`FOR UPDATE SKIP LOCKED`).
    std::string claim_all, claim_partition;
    /// PostgreSQL: claims in several partitions in one statement, each up to its own limit, lowest
    /// `seq` first, and at most `max_total` in all, the partitions taken in the order given (as
    /// `claim_partition` run for each in turn would). Parameters: `node_id`, `now`, `nonce`, the
    /// partitions (`bigint[]`), their limits (`bigint[]`), `max_total`. Empty for SQLite.
    std::string claim_partitions{};
    /// The payload rows of a list of `seq`s.
    key_list_statement payloads{};
    /// Buries a row that cannot be read: `dead`, with the reason. Parameters: `seq`, `error`, `now`.
    std::string bury{};

    // ----- acks and releases -----

    /// Applies a completion to an `in_flight` row with that claim token, and adds one to `attempts`;
    /// by `seq` and `id` (`complete_by_seq`), or by `id` alone (`complete_by_id`, with a `seq` of 0).
    /// Parameters: `status`, `next_retry_at`, `response_code`, `response_body`, `error`,
    /// `duration_ms`, `now`, `seq`, `id`, `claim_token`. Returns no rows; changes 1 or 0.
    std::string complete_by_seq, complete_by_id;
    /// PostgreSQL: applies many completions by `seq` and writes their attempt records, in one
    /// statement, from 11 array parameters: `seq`, `id`, `claim_token`, `status`, `next_retry_at`,
    /// `response_code`, `response_body`, `error`, `duration_ms`, `now`, `traceparent` (of the
    /// attempt record). Of entries naming one `seq`
    /// twice, the first is applied. Returns the ordinal (from 1) of each entry applied; the others
    /// missed (their claim is lost, or the row is gone). Empty for SQLite.
    std::string complete_batch{};
    /// Appends one attempt record. Parameters: `delivery_id`, `attempted_at`, `outcome`,
    /// `response_code`, `duration_ms`, `error`, `delivery_seq` (0: looked up by `delivery_id`),
    /// `traceparent`.
    std::string insert_attempt{};
    /// Appends attempt records, 8 values each, as `insert_attempt` takes them.
    row_batch_statement insert_attempts{};
    /// Gives an `in_flight` row with that claim token back, as a release does; by `seq` and `id`, or
    /// by `id` alone (with a `seq` of 0). Parameters: `status`, `next_retry_at`, `error` (null keeps
    /// the row's), `now`, `seq`, `id`, `claim_token`.
    std::string release_by_seq, release_by_id;

    // ----- reads -----

    /// The `seq` of a row. Parameters: `id`.
    std::string seq_of_id{};
    /// A row by its id. Parameters: `id`.
    std::string get{};
    /// The `status` of a row. Parameters: `id`.
    std::string status_of{};
    /// The attempt records of a row, oldest first. Parameters: `delivery_seq`.
    std::string attempts_of{};
    /// How many rows have each status, in `delivery_status` order; no parameters.
    std::array<std::string, delivery_status_count> count_status{};
    /// `created_at` of the pending row with the lowest `seq`; no parameters.
    std::string oldest_pending{};
    /// Per partition with pending rows, by ascending partition: `partition_key`, how many pending
    /// rows, and `created_at` of its pending row with the lowest `seq`; no parameters. One `GROUP BY`
    /// over the `(status, partition_key, seq)` index.
    std::string pending_by_partition{};
    /// Per webhook with failing rows: `webhook_id`, dead, retrying, last failure time, last error;
    /// the most failing first, then by `webhook_id`. Parameters: `limit`.
    std::string failures{};

    // ----- operations -----

    /// Resets a terminal row for redelivery and returns it. Parameters: `now`, `id`.
    std::string redeliver{};
    /// Deletes the attempt records and the payload rows of a list of `seq`s.
    key_list_statement purge_attempts, purge_payloads;
    /// Whether some attempt record was written without `delivery_seq` (schema version 3); then the
    /// records whose row is gone are deleted, and the others get their row's `delivery_seq`, up to
    /// 1000 a statement. No parameters.
    std::string any_attempt_without_seq, drop_orphan_attempts, backfill_attempts;

    // ----- wake-ups (PostgreSQL) -----

    /// The channel of the delivery table, read once the table exists (PostgreSQL's channels are per
    /// database, so the name holds the table's schema): `hookbox.<schema>.<table>`, cut to 63 bytes.
    /// Parameters: the quoted table name (`to_regclass`). Empty for SQLite.
    std::string notify_channel_of{};
    /// Whether the trigger is in place (returns a row when it is). Parameters: none.
    std::string notify_installed{};
    /// Creates the trigger function and the statement-level `AFTER INSERT` trigger that calls
    /// `pg_notify` on the table's channel (as `notify_channel_of` names it), so that the
    /// notification is sent when the enqueuing transaction commits, and never for a rollback. Run in
    /// order, in one transaction.
    std::vector<std::string> notify_setup{};

    /// A page of `list`: rows with `seq > after_sequence`, matching the options, in `seq` order.
    HOOKBOX_DECL bound_statement list(const list_options& o) const;

    /// Resets up to `limit` terminal rows that match `f` for redelivery, lowest `seq` first.
    HOOKBOX_DECL bound_statement replay(const delivery_filter& f, std::size_t limit, timestamp now) const;

    /// The number of rows that match `f` (and are terminal when `terminal_only`): one row, one column.
    HOOKBOX_DECL bound_statement count(const delivery_filter& f, bool terminal_only) const;

    /// Deletes up to `limit` rows that match `f`, lowest `seq` first; returns their `seq`s.
    HOOKBOX_DECL bound_statement purge(const delivery_filter& f, std::size_t limit) const;

    /// The statements of the delivery table `table` (an identifier, checked by the caller) in
    /// `dialect`.
    HOOKBOX_DECL static delivery_statements make(engine::sql_dialect dialect, std::string_view table);
};

}  // namespace hookbox::sql

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/sql/impl/delivery_statements.ipp>
#endif

#endif  // HOOKBOX_STORAGE_SQL_DELIVERY_STATEMENTS_HPP
