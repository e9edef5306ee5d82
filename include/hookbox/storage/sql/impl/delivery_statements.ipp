//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_SQL_IMPL_DELIVERY_STATEMENTS_IPP
#define HOOKBOX_STORAGE_SQL_IMPL_DELIVERY_STATEMENTS_IPP

#include <hookbox/storage/sql/delivery_statements.hpp>

#include <hookbox/storage/delivery_schema.hpp>

#include <string>

namespace hookbox::sql {

namespace detail {

// Writes the parts in which the dialects differ: placeholders, and the casts PostgreSQL needs where
// a parameter's type cannot be told from its place (arithmetic, comparisons with constants,
// COALESCE, CASE).
struct dialect_writer {
    engine::sql_dialect dialect;

    bool pg() const noexcept { return dialect == engine::sql_dialect::postgresql; }

    // The n-th parameter where its column gives its type.
    std::string p(std::size_t n) const { return (pg() ? "$" : "?") + std::to_string(n); }

    // The n-th parameter, cast to `type` in PostgreSQL.
    std::string p(std::size_t n, const char* type) const { return pg() ? p(n) + "::" + type : p(n); }

    // The parameters `first`, `first + 1`, ... `first + count - 1`, comma-separated.
    std::string list(std::size_t first, std::size_t count) const {
        std::string out;
        for (std::size_t i = 0; i < count; ++i)
            out += (i ? ", " : "") + p(first + i);
        return out;
    }
};

inline std::string joined(std::span<const std::string_view> names, std::string_view prefix = {}) {
    std::string out;
    for (auto n : names) {
        if (!out.empty())
            out += ", ";
        out += prefix;
        out += n;
    }
    return out;
}

// The conditions of a delivery_filter: " AND <column> <op> <parameter>" for each field that is set,
// numbering its parameters after those already in `params`. Unset fields add no condition (rather
// than `? IS NULL OR ...`), so that the planner can use the indexes. The status is written as a
// constant (one of five words): SQLite then sees that a statement about `failed` or `dead` rows may
// use their partial index.
inline void append_conditions(const dialect_writer& w, const delivery_filter& f, std::string& sql,
                              std::vector<engine::value>& params) {
    auto add = [&](const char* condition, engine::value v, const char* type) {
        params.push_back(std::move(v));
        sql += " AND ";
        sql += condition;
        sql += ' ';
        sql += w.p(params.size(), type);
    };
    if (f.status) {
        sql += " AND status = '";
        sql += to_string(*f.status);
        sql += '\'';
    }
    if (f.webhook_id)
        add("webhook_id =", engine::value(*f.webhook_id), "text");
    if (f.created_from)
        add("created_at >=", engine::value(f.created_from->time_since_epoch().count()), "bigint");
    if (f.created_before)
        add("created_at <", engine::value(f.created_before->time_since_epoch().count()), "bigint");
    if (f.updated_before)
        add("updated_at <", engine::value(f.updated_before->time_since_epoch().count()), "bigint");
}

}  // namespace detail

bound_statement delivery_statements::list(const list_options& o) const {
    detail::dialect_writer w{dialect};
    bound_statement b;
    b.params.emplace_back(static_cast<std::int64_t>(o.after_sequence.value_or(0)));
    b.text = "SELECT " + detail::joined(delivery_columns) + " FROM " + quote_identifier(table) + " WHERE seq > " +
             w.p(1, "bigint");
    if (o.status) {
        b.text += " AND status = '";
        b.text += to_string(*o.status);
        b.text += '\'';
    }
    if (o.webhook_id) {
        b.params.emplace_back(*o.webhook_id);
        b.text += " AND webhook_id = " + w.p(b.params.size(), "text");
    }
    // The unique (event_id, webhook_id) index serves this condition by its leading column.
    if (o.event_id) {
        b.params.emplace_back(*o.event_id);
        b.text += " AND event_id = " + w.p(b.params.size(), "text");
    }
    if (o.created_from) {
        b.params.emplace_back(o.created_from->time_since_epoch().count());
        b.text += " AND created_at >= " + w.p(b.params.size(), "bigint");
    }
    if (o.created_before) {
        b.params.emplace_back(o.created_before->time_since_epoch().count());
        b.text += " AND created_at < " + w.p(b.params.size(), "bigint");
    }
    b.params.emplace_back(static_cast<std::int64_t>(o.limit));
    b.text += " ORDER BY seq LIMIT " + w.p(b.params.size(), "bigint");
    return b;
}

bound_statement delivery_statements::replay(const delivery_filter& f, std::size_t limit, timestamp now) const {
    detail::dialect_writer w{dialect};
    const std::string t = quote_identifier(table);
    bound_statement b;
    b.params.emplace_back(now.time_since_epoch().count());
    b.text = "UPDATE " + t +
             " SET status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL, claim_token = 0,"
             " next_retry_at = NULL, last_attempted_at = NULL, response_code = NULL, response_body = NULL,"
             " error = NULL, duration_ms = NULL, updated_at = " +
             w.p(1, "bigint") + " WHERE seq IN (SELECT seq FROM " + t +
             " WHERE status IN ('success', 'failed', 'dead')";
    detail::append_conditions(w, f, b.text, b.params);
    b.params.emplace_back(static_cast<std::int64_t>(limit));
    b.text += " ORDER BY seq LIMIT " + w.p(b.params.size(), "bigint") + ")";
    return b;
}

bound_statement delivery_statements::count(const delivery_filter& f, bool terminal_only) const {
    detail::dialect_writer w{dialect};
    bound_statement b;
    b.text = "SELECT count(*) FROM " + quote_identifier(table) +
             (terminal_only ? " WHERE status IN ('success', 'failed', 'dead')" : " WHERE 1 = 1");
    detail::append_conditions(w, f, b.text, b.params);
    return b;
}

bound_statement delivery_statements::purge(const delivery_filter& f, std::size_t limit) const {
    detail::dialect_writer w{dialect};
    const std::string t = quote_identifier(table);
    bound_statement b;
    b.text = "DELETE FROM " + t + " WHERE seq IN (SELECT seq FROM " + t + " WHERE 1 = 1";
    detail::append_conditions(w, f, b.text, b.params);
    b.params.emplace_back(static_cast<std::int64_t>(limit));
    b.text += " ORDER BY seq LIMIT " + w.p(b.params.size(), "bigint") + ") RETURNING seq";
    return b;
}

delivery_statements delivery_statements::make(engine::sql_dialect dialect, std::string_view table) {
    const detail::dialect_writer w{dialect};
    const bool pg = w.pg();
    delivery_statements s;
    s.dialect = dialect;
    s.table = std::string(table);
    s.attempt_table = hookbox::attempt_table(table);
    s.payload_table = hookbox::payload_table(table);
    const std::string t = quote_identifier(s.table);
    const std::string at = quote_identifier(s.attempt_table);
    const std::string pt = quote_identifier(s.payload_table);
    const std::string cols = detail::joined(delivery_columns);

    // ----- enqueue -----
    std::string names;
    for (auto c : insert_columns)
        names += (names.empty() ? "" : ", ") + std::string(c);
    s.insert = "INSERT INTO " + t + " (" + names + ") VALUES (" + w.list(1, insert_columns.size()) +
               ") ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq";
    s.insert_payload = "INSERT INTO " + pt + " (seq, payload_json, payload_raw) VALUES (" + w.list(1, 3) + ")";
    if (pg) {
        s.insert_with_payload = "WITH ins AS (" + s.insert + "), pay AS (INSERT INTO " + pt +
                                " (seq, payload_json, payload_raw) SELECT seq, " + w.p(17) + ", " + w.p(18) +
                                " FROM ins) SELECT seq FROM ins";
        // Text arrays for every column; the INSERT casts them to the columns' types.
        static constexpr std::array<const char*, 18> array_types{
            "text[]",   "text[]",   "text[]",   "text[]",   "text[]", "text[]", "text[]", "text[]", "bigint[]",
            "bigint[]", "text[]",   "bigint[]", "bigint[]", "bigint[]", "bigint[]", "text[]", "text[]", "text[]"};
        std::string arrays;
        for (std::size_t i = 0; i < array_types.size(); ++i)
            arrays += (i ? ", " : "") + w.p(i + 1, array_types[i]);
        s.insert_batch = "WITH input AS (SELECT * FROM unnest(" + arrays + ") WITH ORDINALITY AS u(" + names +
                         ", payload_json, payload_raw, ord)), ins AS (INSERT INTO " + t + " (" + names + ") SELECT " +
                         names + " FROM input ORDER BY ord ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq, id), "
                         "pay AS (INSERT INTO " + pt +
                         " (seq, payload_json, payload_raw) SELECT ins.seq, input.payload_json, input.payload_raw FROM ins "
                         "JOIN input USING (id)) SELECT input.ord, ins.seq FROM ins JOIN input USING (id)";
    }
    s.find_pair = "SELECT id FROM " + t + " WHERE event_id = " + w.p(1) + " AND webhook_id = " + w.p(2);

    // ----- wake-ups -----
    if (pg) {
        const std::string channel = "left('hookbox.' || n.nspname || '.' || c.relname, 63)";
        s.notify_channel_of = "SELECT " + channel +
                              " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.oid = "
                              "to_regclass(" + w.p(1) + ")";
        const std::string fn = quote_identifier((s.table + "_notify").substr(0, 63));
        std::string table_literal = "'";
        for (char ch : t)
            table_literal += ch == '\'' ? std::string("''") : std::string(1, ch);
        table_literal += "'";
        s.notify_installed = "SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(" + table_literal +
                             ") AND tgname = " + "'" + (s.table + "_notify").substr(0, 63) + "'";
        s.notify_setup = {
            // Processes opening one database at once install it once.
            "SELECT pg_advisory_xact_lock(29400035286919545)",
            "CREATE OR REPLACE FUNCTION " + fn +
                "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify(left('hookbox.' || TG_TABLE_SCHEMA "
                "|| '.' || TG_TABLE_NAME, 63), ''); RETURN NULL; END $$",
            "CREATE OR REPLACE TRIGGER " + fn + " AFTER INSERT ON " + t + " FOR EACH STATEMENT EXECUTE FUNCTION " + fn +
                "()",
        };
    }

    // ----- claims -----
    s.reap = "UPDATE " + t + " SET status = 'pending', claimed_by = NULL, claimed_at = NULL, claim_token = 0, updated_at = " +
             w.p(2) + " WHERE status = 'in_flight' AND claimed_at < " + w.p(1, "bigint");
    auto claim = [&](bool partition) {
        const std::string candidates = "SELECT seq FROM " + t + " WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= " +
                                       w.p(2, "bigint") + ")" +
                                       (partition ? " AND partition_key = " + w.p(5, "bigint") : std::string()) +
                                       " ORDER BY seq LIMIT " + w.p(4, "bigint");
        if (pg)
            // The candidates are locked as they are read, skipping rows another claim holds: two
            // dispatchers never wait for each other, and never take the same row.
            return "UPDATE " + t + " AS d SET status = 'in_flight', claimed_by = " + w.p(1) + ", claimed_at = " + w.p(2) +
                   ", updated_at = " + w.p(2) + ", claim_token = " + w.p(3, "bigint") + " + d.seq FROM (" + candidates +
                   " FOR UPDATE SKIP LOCKED) AS c WHERE d.seq = c.seq RETURNING " +
                   detail::joined(delivery_columns, "d.");
        return "UPDATE " + t + " SET status = 'in_flight', claimed_by = " + w.p(1) + ", claimed_at = " + w.p(2) +
               ", updated_at = " + w.p(2) + ", claim_token = " + w.p(3) + " + seq WHERE seq IN (" + candidates +
               ") RETURNING " + cols;
    };
    s.claim_all = claim(false);
    s.claim_partition = claim(true);
    if (pg)
        s.claim_partitions =
            "UPDATE " + t + " AS d SET status = 'in_flight', claimed_by = " + w.p(1) + ", claimed_at = " + w.p(2) +
            ", updated_at = " + w.p(2) + ", claim_token = " + w.p(3, "bigint") +
            " + d.seq FROM (SELECT c.seq FROM unnest(" + w.p(4, "bigint[]") + ", " + w.p(5, "bigint[]") +
            ") WITH ORDINALITY AS q(k, n, ord), LATERAL (SELECT seq FROM " + t +
            " WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= " + w.p(2, "bigint") +
            ") AND partition_key = q.k ORDER BY seq LIMIT q.n FOR UPDATE SKIP LOCKED) AS c ORDER BY q.ord, c.seq LIMIT " +
            w.p(6, "bigint") + ") AS c WHERE d.seq = c.seq RETURNING " + detail::joined(delivery_columns, "d.");
    auto key_list = [&](std::string head, std::size_t chunk) {
        // SQLite: a fixed list of placeholders; PostgreSQL: one array of any length.
        key_list_statement k;
        k.array = pg;
        k.chunk = pg ? 1024 : chunk;
        k.text = std::move(head) + (pg ? " = ANY(" + w.p(1, "bigint[]") + ")" : " IN (" + w.list(1, chunk) + ")");
        return k;
    };
    // The payloads are read after the claims, by seq, rather than joined into the RETURNING, which
    // would copy each payload into the statement's buffer before handing it over.
    s.payloads = key_list("SELECT seq, payload_json, payload_raw FROM " + pt + " WHERE seq", 64);
    s.bury = "UPDATE " + t + " SET status = 'dead', claimed_by = NULL, claimed_at = NULL, claim_token = 0, error = " +
             w.p(2) + ", updated_at = " + w.p(3) + " WHERE seq = " + w.p(1, "bigint");

    // ----- acks and releases -----
    const std::string complete = "UPDATE " + t + " SET status = " + w.p(1) +
                                 ", attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, claim_token = 0,"
                                 " next_retry_at = " +
                                 w.p(2) + ", response_code = " + w.p(3) + ", response_body = " + w.p(4) +
                                 ", error = " + w.p(5) + ", duration_ms = " + w.p(6) + ", last_attempted_at = " +
                                 w.p(7) + ", updated_at = " + w.p(7);
    s.complete_by_seq = complete + " WHERE seq = " + w.p(8, "bigint") + " AND id = " + w.p(9, "text") +
                        " AND claim_token = " + w.p(10, "bigint") + " AND status = 'in_flight'";
    s.complete_by_id = complete + " WHERE id = " + w.p(9, "text") + " AND claim_token = " + w.p(10, "bigint") +
                       " AND status = 'in_flight' AND " + w.p(8, "bigint") + " = 0";
    if (pg)
        s.complete_batch =
            "WITH input AS (SELECT DISTINCT ON (seq) * FROM unnest(" + w.p(1, "bigint[]") + ", " + w.p(2, "text[]") +
            ", " + w.p(3, "bigint[]") + ", " + w.p(4, "text[]") + ", " + w.p(5, "bigint[]") + ", " + w.p(6, "bigint[]") +
            ", " + w.p(7, "text[]") + ", " + w.p(8, "text[]") + ", " + w.p(9, "bigint[]") + ", " + w.p(10, "bigint[]") + ", " + w.p(11, "text[]") +
            ") WITH ORDINALITY AS u(seq, id, claim_token, status, next_retry_at, response_code, response_body, error, "
            "duration_ms, now, traceparent, ord) ORDER BY seq, ord), upd AS (UPDATE " + t +
            " AS d SET status = u.status, attempts = d.attempts + 1, claimed_by = NULL, claimed_at = NULL, "
            "claim_token = 0, next_retry_at = u.next_retry_at, response_code = u.response_code, response_body = "
            "u.response_body, error = u.error, duration_ms = u.duration_ms, last_attempted_at = u.now, updated_at = "
            "u.now FROM input AS u WHERE d.seq = u.seq AND d.id = u.id AND d.claim_token = u.claim_token AND "
            "d.status = 'in_flight' RETURNING d.seq), att AS (INSERT INTO " + at +
            " (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) SELECT "
            "u.id, u.seq, u.now, u.status, u.response_code, u.duration_ms, u.error, u.traceparent FROM input AS u JOIN "
            "upd USING (seq) ORDER BY "
            "u.ord) SELECT u.ord FROM input AS u JOIN upd USING (seq)";
    const std::string attempt_into =
        "INSERT INTO " + at +
        " (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent)";
    // An attempt's delivery_seq: the one the ack knows, or (0) the row's, looked up by id.
    auto attempt_values = [&](std::size_t first) {
        const std::string seq = w.p(first + 6, "bigint");
        return "(" + w.p(first) + ", CASE WHEN " + seq + " <> 0 THEN " + seq + " ELSE (SELECT seq FROM " + t +
               " WHERE id = " + w.p(first, "text") + ") END, " + w.list(first + 1, 5) + ", " + w.p(first + 7) + ")";
    };
    s.insert_attempt = attempt_into + " VALUES " + attempt_values(1);
    s.insert_attempts.width = 8;
    s.insert_attempts.array = pg;
    if (pg) {
        s.insert_attempts.sizes = {1024};
        s.insert_attempts.texts = {
            attempt_into +
            " SELECT u.delivery_id, CASE WHEN u.delivery_seq <> 0 THEN u.delivery_seq ELSE (SELECT seq FROM " + t +
            " WHERE id = u.delivery_id) END, u.attempted_at, u.outcome, u.response_code, u.duration_ms, u.error,"
            " u.traceparent"
            " FROM unnest(" +
            w.p(1, "text[]") + ", " + w.p(2, "bigint[]") + ", " + w.p(3, "text[]") + ", " + w.p(4, "bigint[]") + ", " +
            w.p(5, "bigint[]") + ", " + w.p(6, "text[]") + ", " + w.p(7, "bigint[]") + ", " + w.p(8, "text[]") +
            ") AS u(delivery_id, attempted_at, outcome, response_code, duration_ms, error, delivery_seq, traceparent)"};
    } else {
        // One multi-row INSERT per chunk: each statement on a table with an auto-increment key also
        // reads and writes SQLite's sqlite_sequence row, so a statement per record would do that once
        // per ack. Chunks of 1, 2, 4, ... 64 rows keep the texts few and prepared.
        for (std::size_t n = 1; n <= 64; n *= 2) {
            std::string q = attempt_into + " VALUES ";
            for (std::size_t row = 0; row < n; ++row)
                q += (row ? ", " : "") + attempt_values(1 + 8 * row);
            s.insert_attempts.texts.push_back(std::move(q));
            s.insert_attempts.sizes.push_back(n);
        }
    }
    const std::string release = "UPDATE " + t + " SET status = " + w.p(1) +
                                ", claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = " + w.p(2) +
                                ", error = COALESCE(" + w.p(3, "text") + ", error), updated_at = " + w.p(4);
    s.release_by_seq = release + " WHERE seq = " + w.p(5, "bigint") + " AND id = " + w.p(6, "text") +
                       " AND claim_token = " + w.p(7, "bigint") + " AND status = 'in_flight'";
    s.release_by_id = release + " WHERE id = " + w.p(6, "text") + " AND claim_token = " + w.p(7, "bigint") +
                      " AND status = 'in_flight' AND " + w.p(5, "bigint") + " = 0";

    // ----- reads -----
    s.seq_of_id = "SELECT seq FROM " + t + " WHERE id = " + w.p(1);
    s.get = "SELECT " + cols + " FROM " + t + " WHERE id = " + w.p(1);
    s.status_of = "SELECT status FROM " + t + " WHERE id = " + w.p(1);
    s.attempts_of = "SELECT " + detail::joined(attempt_columns) + " FROM " + at + " WHERE delivery_seq = " +
                    w.p(1, "bigint") + " ORDER BY seq";
    for (std::size_t i = 0; i < delivery_status_count; ++i)
        s.count_status[i] = "SELECT COUNT(*) FROM " + t + " WHERE status = '" +
                            std::string(to_string(static_cast<delivery_status>(i))) + "'";
    s.oldest_pending = "SELECT created_at FROM " + t + " WHERE status = 'pending' ORDER BY seq LIMIT 1";
    s.pending_by_partition = "SELECT g.partition_key, g.n, d.created_at FROM (SELECT partition_key, COUNT(*) AS n, "
                             "MIN(seq) AS first_seq FROM " + t + " WHERE status = 'pending' GROUP BY partition_key) "
                             "AS g JOIN " + t + " AS d ON d.seq = g.first_seq ORDER BY g.partition_key";
    // Count per webhook, keep the `limit` most failing, then fetch each one's latest error. The dead
    // rows and the retrying ones are read apart, each through its own index (one OR over both would
    // read the whole table).
    const std::string sum_dead = pg ? "CAST(SUM(dead) AS BIGINT)" : "SUM(dead)";
    const std::string sum_retrying = pg ? "CAST(SUM(1 - dead) AS BIGINT)" : "SUM(1 - dead)";
    s.failures = "SELECT g.webhook_id, g.dead, g.retrying, g.last_failed_at, (SELECT x.error FROM " + t +
                 " AS x WHERE x.webhook_id = g.webhook_id AND (x.status = 'dead' OR (x.status = 'pending' AND "
                 "x.attempts > 0)) ORDER BY x.updated_at DESC, x.seq DESC LIMIT 1) FROM (SELECT webhook_id, " +
                 sum_dead + " AS dead, " + sum_retrying +
                 " AS retrying, MAX(updated_at) AS last_failed_at FROM (SELECT webhook_id, 1 AS dead, updated_at FROM " +
                 t + " WHERE status = 'dead' UNION ALL SELECT webhook_id, 0, updated_at FROM " + t +
                 " WHERE status = 'pending' AND attempts > 0) AS f GROUP BY webhook_id ORDER BY COUNT(*) DESC, "
                 "webhook_id LIMIT " +
                 w.p(1, "bigint") + ") AS g ORDER BY g.dead + g.retrying DESC, g.webhook_id";

    // ----- operations -----
    s.redeliver = "UPDATE " + t +
                  " SET status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL, claim_token = 0,"
                  " next_retry_at = NULL, last_attempted_at = NULL, response_code = NULL, response_body = NULL,"
                  " error = NULL, duration_ms = NULL, updated_at = " +
                  w.p(1) + " WHERE id = " + w.p(2) + " AND status IN ('success', 'failed', 'dead') RETURNING " + cols;
    s.purge_attempts = key_list("DELETE FROM " + at + " WHERE delivery_seq", 32);
    s.purge_payloads = key_list("DELETE FROM " + pt + " WHERE seq", 32);
    s.any_attempt_without_seq = "SELECT 1 FROM " + at + " WHERE delivery_seq IS NULL LIMIT 1";
    s.backfill_attempts = "UPDATE " + at + " SET delivery_seq = (SELECT seq FROM " + t + " WHERE " + t + ".id = " + at +
                          ".delivery_id) WHERE seq IN (SELECT seq FROM " + at +
                          " WHERE delivery_seq IS NULL ORDER BY seq LIMIT 1000)";
    s.drop_orphan_attempts = "DELETE FROM " + at + " WHERE delivery_seq IS NULL AND NOT EXISTS (SELECT 1 FROM " + t +
                             " WHERE " + t + ".id = " + at + ".delivery_id)";
    return s;
}

}  // namespace hookbox::sql

#endif  // HOOKBOX_STORAGE_SQL_IMPL_DELIVERY_STATEMENTS_IPP
