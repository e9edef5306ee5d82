//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The delivery tables' statements in each SQL dialect, as strings: every text, the parameters of the
// statements built per call, and how lists of keys and batches of rows are bound. The SQLite texts
// also run in the contract suites (sql_storage over sqlite_engine); the PostgreSQL texts are checked
// here as text, against a reading of PostgreSQL 15's grammar: `$N` placeholders, casts where the
// type cannot be inferred, `FOR UPDATE SKIP LOCKED`, arrays and `unnest`.

#include "common/test_common.hpp"

#include <hookbox/storage/sql/batch.hpp>
#include <hookbox/storage/sql/delivery_statements.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace hookbox::test {

namespace {

using engine::sql_dialect;
using engine::value;

struct expected_text {
    const char* name;
    std::string actual;
    std::string expected;
};

std::vector<expected_text> sqlite_texts(const sql::delivery_statements& s) {
    return {
        {"insert", s.insert,
         R"(INSERT INTO "sys_webhook_delivery" (id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, created_at, updated_at, claim_token, traceparent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq)"},
        {"insert_payload", s.insert_payload,
         R"(INSERT INTO "sys_webhook_delivery_payload" (seq, payload_json, payload_raw) VALUES (?1, ?2, ?3))"},
        {"find_pair", s.find_pair,
         R"(SELECT id FROM "sys_webhook_delivery" WHERE event_id = ?1 AND webhook_id = ?2)"},
        {"reap", s.reap,
         R"(UPDATE "sys_webhook_delivery" SET status = 'pending', claimed_by = NULL, claimed_at = NULL, claim_token = 0, updated_at = ?2 WHERE status = 'in_flight' AND claimed_at < ?1)"},
        {"claim_all", s.claim_all,
         R"(UPDATE "sys_webhook_delivery" SET status = 'in_flight', claimed_by = ?1, claimed_at = ?2, updated_at = ?2, claim_token = ?3 + seq WHERE seq IN (SELECT seq FROM "sys_webhook_delivery" WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= ?2) ORDER BY seq LIMIT ?4) RETURNING seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent)"},
        {"claim_partition", s.claim_partition,
         R"(UPDATE "sys_webhook_delivery" SET status = 'in_flight', claimed_by = ?1, claimed_at = ?2, updated_at = ?2, claim_token = ?3 + seq WHERE seq IN (SELECT seq FROM "sys_webhook_delivery" WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= ?2) AND partition_key = ?5 ORDER BY seq LIMIT ?4) RETURNING seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent)"},
        {"payloads", s.payloads.text,
         R"(SELECT seq, payload_json, payload_raw FROM "sys_webhook_delivery_payload" WHERE seq IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60, ?61, ?62, ?63, ?64))"},
        {"bury", s.bury,
         R"(UPDATE "sys_webhook_delivery" SET status = 'dead', claimed_by = NULL, claimed_at = NULL, claim_token = 0, error = ?2, updated_at = ?3 WHERE seq = ?1)"},
        {"complete_by_seq", s.complete_by_seq,
         R"(UPDATE "sys_webhook_delivery" SET status = ?1, attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = ?2, response_code = ?3, response_body = ?4, error = ?5, duration_ms = ?6, last_attempted_at = ?7, updated_at = ?7 WHERE seq = ?8 AND id = ?9 AND claim_token = ?10 AND status = 'in_flight')"},
        {"complete_by_id", s.complete_by_id,
         R"(UPDATE "sys_webhook_delivery" SET status = ?1, attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = ?2, response_code = ?3, response_body = ?4, error = ?5, duration_ms = ?6, last_attempted_at = ?7, updated_at = ?7 WHERE id = ?9 AND claim_token = ?10 AND status = 'in_flight' AND ?8 = 0)"},
        {"insert_attempt", s.insert_attempt,
         R"(INSERT INTO "sys_webhook_delivery_attempt" (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) VALUES (?1, CASE WHEN ?7 <> 0 THEN ?7 ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = ?1) END, ?2, ?3, ?4, ?5, ?6, ?8))"},
        {"insert_attempts[0]", s.insert_attempts.texts.at(0),
         R"(INSERT INTO "sys_webhook_delivery_attempt" (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) VALUES (?1, CASE WHEN ?7 <> 0 THEN ?7 ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = ?1) END, ?2, ?3, ?4, ?5, ?6, ?8))"},
        {"insert_attempts[1]", s.insert_attempts.texts.at(1),
         R"(INSERT INTO "sys_webhook_delivery_attempt" (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) VALUES (?1, CASE WHEN ?7 <> 0 THEN ?7 ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = ?1) END, ?2, ?3, ?4, ?5, ?6, ?8), (?9, CASE WHEN ?15 <> 0 THEN ?15 ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = ?9) END, ?10, ?11, ?12, ?13, ?14, ?16))"},
        {"release_by_seq", s.release_by_seq,
         R"(UPDATE "sys_webhook_delivery" SET status = ?1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = ?2, error = COALESCE(?3, error), updated_at = ?4 WHERE seq = ?5 AND id = ?6 AND claim_token = ?7 AND status = 'in_flight')"},
        {"release_by_id", s.release_by_id,
         R"(UPDATE "sys_webhook_delivery" SET status = ?1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = ?2, error = COALESCE(?3, error), updated_at = ?4 WHERE id = ?6 AND claim_token = ?7 AND status = 'in_flight' AND ?5 = 0)"},
        {"seq_of_id", s.seq_of_id,
         R"(SELECT seq FROM "sys_webhook_delivery" WHERE id = ?1)"},
        {"get", s.get,
         R"(SELECT seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent FROM "sys_webhook_delivery" WHERE id = ?1)"},
        {"status_of", s.status_of,
         R"(SELECT status FROM "sys_webhook_delivery" WHERE id = ?1)"},
        {"attempts_of", s.attempts_of,
         R"(SELECT seq, delivery_id, attempted_at, outcome, response_code, duration_ms, error, traceparent FROM "sys_webhook_delivery_attempt" WHERE delivery_seq = ?1 ORDER BY seq)"},
        {"count_status[dead]", s.count_status[static_cast<std::size_t>(delivery_status::dead)],
         R"(SELECT COUNT(*) FROM "sys_webhook_delivery" WHERE status = 'dead')"},
        {"oldest_pending", s.oldest_pending,
         R"(SELECT created_at FROM "sys_webhook_delivery" WHERE status = 'pending' ORDER BY seq LIMIT 1)"},
        {"failures", s.failures,
         R"(SELECT g.webhook_id, g.dead, g.retrying, g.last_failed_at, (SELECT x.error FROM "sys_webhook_delivery" AS x WHERE x.webhook_id = g.webhook_id AND (x.status = 'dead' OR (x.status = 'pending' AND x.attempts > 0)) ORDER BY x.updated_at DESC, x.seq DESC LIMIT 1) FROM (SELECT webhook_id, SUM(dead) AS dead, SUM(1 - dead) AS retrying, MAX(updated_at) AS last_failed_at FROM (SELECT webhook_id, 1 AS dead, updated_at FROM "sys_webhook_delivery" WHERE status = 'dead' UNION ALL SELECT webhook_id, 0, updated_at FROM "sys_webhook_delivery" WHERE status = 'pending' AND attempts > 0) AS f GROUP BY webhook_id ORDER BY COUNT(*) DESC, webhook_id LIMIT ?1) AS g ORDER BY g.dead + g.retrying DESC, g.webhook_id)"},
        {"redeliver", s.redeliver,
         R"(UPDATE "sys_webhook_delivery" SET status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = NULL, last_attempted_at = NULL, response_code = NULL, response_body = NULL, error = NULL, duration_ms = NULL, updated_at = ?1 WHERE id = ?2 AND status IN ('success', 'failed', 'dead') RETURNING seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent)"},
        {"purge_attempts", s.purge_attempts.text,
         R"(DELETE FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32))"},
        {"purge_payloads", s.purge_payloads.text,
         R"(DELETE FROM "sys_webhook_delivery_payload" WHERE seq IN (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32))"},
        {"backfill_attempts", s.backfill_attempts,
         R"(UPDATE "sys_webhook_delivery_attempt" SET delivery_seq = (SELECT seq FROM "sys_webhook_delivery" WHERE "sys_webhook_delivery".id = "sys_webhook_delivery_attempt".delivery_id) WHERE seq IN (SELECT seq FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL ORDER BY seq LIMIT 1000))"},
        {"any_attempt_without_seq", s.any_attempt_without_seq,
         R"(SELECT 1 FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL LIMIT 1)"},
        {"drop_orphan_attempts", s.drop_orphan_attempts,
         R"(DELETE FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL AND NOT EXISTS (SELECT 1 FROM "sys_webhook_delivery" WHERE "sys_webhook_delivery".id = "sys_webhook_delivery_attempt".delivery_id))"},
    };
}

std::vector<expected_text> postgresql_texts(const sql::delivery_statements& s) {
    return {
        {"insert", s.insert,
         R"(INSERT INTO "sys_webhook_delivery" (id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, created_at, updated_at, claim_token, traceparent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT (event_id, webhook_id) DO NOTHING RETURNING seq)"},
        {"insert_payload", s.insert_payload,
         R"(INSERT INTO "sys_webhook_delivery_payload" (seq, payload_json, payload_raw) VALUES ($1, $2, $3))"},
        {"find_pair", s.find_pair,
         R"(SELECT id FROM "sys_webhook_delivery" WHERE event_id = $1 AND webhook_id = $2)"},
        {"reap", s.reap,
         R"(UPDATE "sys_webhook_delivery" SET status = 'pending', claimed_by = NULL, claimed_at = NULL, claim_token = 0, updated_at = $2 WHERE status = 'in_flight' AND claimed_at < $1::bigint)"},
        {"claim_all", s.claim_all,
         R"(UPDATE "sys_webhook_delivery" AS d SET status = 'in_flight', claimed_by = $1, claimed_at = $2, updated_at = $2, claim_token = $3::bigint + d.seq FROM (SELECT seq FROM "sys_webhook_delivery" WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= $2::bigint) ORDER BY seq LIMIT $4::bigint FOR UPDATE SKIP LOCKED) AS c WHERE d.seq = c.seq RETURNING d.seq, d.id, d.webhook_id, d.event_id, d.event_type, d.url, d.method, d.headers_json, d.secret, d.timeout_ms, d.partition_key, d.status, d.attempts, d.claimed_by, d.claimed_at, d.next_retry_at, d.last_attempted_at, d.response_code, d.response_body, d.error, d.created_at, d.updated_at, d.claim_token, d.duration_ms, d.traceparent)"},
        {"claim_partition", s.claim_partition,
         R"(UPDATE "sys_webhook_delivery" AS d SET status = 'in_flight', claimed_by = $1, claimed_at = $2, updated_at = $2, claim_token = $3::bigint + d.seq FROM (SELECT seq FROM "sys_webhook_delivery" WHERE status = 'pending' AND (next_retry_at IS NULL OR next_retry_at <= $2::bigint) AND partition_key = $5::bigint ORDER BY seq LIMIT $4::bigint FOR UPDATE SKIP LOCKED) AS c WHERE d.seq = c.seq RETURNING d.seq, d.id, d.webhook_id, d.event_id, d.event_type, d.url, d.method, d.headers_json, d.secret, d.timeout_ms, d.partition_key, d.status, d.attempts, d.claimed_by, d.claimed_at, d.next_retry_at, d.last_attempted_at, d.response_code, d.response_body, d.error, d.created_at, d.updated_at, d.claim_token, d.duration_ms, d.traceparent)"},
        {"payloads", s.payloads.text,
         R"(SELECT seq, payload_json, payload_raw FROM "sys_webhook_delivery_payload" WHERE seq = ANY($1::bigint[]))"},
        {"bury", s.bury,
         R"(UPDATE "sys_webhook_delivery" SET status = 'dead', claimed_by = NULL, claimed_at = NULL, claim_token = 0, error = $2, updated_at = $3 WHERE seq = $1::bigint)"},
        {"complete_by_seq", s.complete_by_seq,
         R"(UPDATE "sys_webhook_delivery" SET status = $1, attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = $2, response_code = $3, response_body = $4, error = $5, duration_ms = $6, last_attempted_at = $7, updated_at = $7 WHERE seq = $8::bigint AND id = $9::text AND claim_token = $10::bigint AND status = 'in_flight')"},
        {"complete_by_id", s.complete_by_id,
         R"(UPDATE "sys_webhook_delivery" SET status = $1, attempts = attempts + 1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = $2, response_code = $3, response_body = $4, error = $5, duration_ms = $6, last_attempted_at = $7, updated_at = $7 WHERE id = $9::text AND claim_token = $10::bigint AND status = 'in_flight' AND $8::bigint = 0)"},
        {"insert_attempt", s.insert_attempt,
         R"(INSERT INTO "sys_webhook_delivery_attempt" (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) VALUES ($1, CASE WHEN $7::bigint <> 0 THEN $7::bigint ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = $1::text) END, $2, $3, $4, $5, $6, $8))"},
        {"insert_attempts[0]", s.insert_attempts.texts.at(0),
         R"(INSERT INTO "sys_webhook_delivery_attempt" (delivery_id, delivery_seq, attempted_at, outcome, response_code, duration_ms, error, traceparent) SELECT u.delivery_id, CASE WHEN u.delivery_seq <> 0 THEN u.delivery_seq ELSE (SELECT seq FROM "sys_webhook_delivery" WHERE id = u.delivery_id) END, u.attempted_at, u.outcome, u.response_code, u.duration_ms, u.error, u.traceparent FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::text[]) AS u(delivery_id, attempted_at, outcome, response_code, duration_ms, error, delivery_seq, traceparent))"},
        {"release_by_seq", s.release_by_seq,
         R"(UPDATE "sys_webhook_delivery" SET status = $1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = $2, error = COALESCE($3::text, error), updated_at = $4 WHERE seq = $5::bigint AND id = $6::text AND claim_token = $7::bigint AND status = 'in_flight')"},
        {"release_by_id", s.release_by_id,
         R"(UPDATE "sys_webhook_delivery" SET status = $1, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = $2, error = COALESCE($3::text, error), updated_at = $4 WHERE id = $6::text AND claim_token = $7::bigint AND status = 'in_flight' AND $5::bigint = 0)"},
        {"seq_of_id", s.seq_of_id,
         R"(SELECT seq FROM "sys_webhook_delivery" WHERE id = $1)"},
        {"get", s.get,
         R"(SELECT seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent FROM "sys_webhook_delivery" WHERE id = $1)"},
        {"status_of", s.status_of,
         R"(SELECT status FROM "sys_webhook_delivery" WHERE id = $1)"},
        {"attempts_of", s.attempts_of,
         R"(SELECT seq, delivery_id, attempted_at, outcome, response_code, duration_ms, error, traceparent FROM "sys_webhook_delivery_attempt" WHERE delivery_seq = $1::bigint ORDER BY seq)"},
        {"count_status[dead]", s.count_status[static_cast<std::size_t>(delivery_status::dead)],
         R"(SELECT COUNT(*) FROM "sys_webhook_delivery" WHERE status = 'dead')"},
        {"oldest_pending", s.oldest_pending,
         R"(SELECT created_at FROM "sys_webhook_delivery" WHERE status = 'pending' ORDER BY seq LIMIT 1)"},
        {"failures", s.failures,
         R"(SELECT g.webhook_id, g.dead, g.retrying, g.last_failed_at, (SELECT x.error FROM "sys_webhook_delivery" AS x WHERE x.webhook_id = g.webhook_id AND (x.status = 'dead' OR (x.status = 'pending' AND x.attempts > 0)) ORDER BY x.updated_at DESC, x.seq DESC LIMIT 1) FROM (SELECT webhook_id, CAST(SUM(dead) AS BIGINT) AS dead, CAST(SUM(1 - dead) AS BIGINT) AS retrying, MAX(updated_at) AS last_failed_at FROM (SELECT webhook_id, 1 AS dead, updated_at FROM "sys_webhook_delivery" WHERE status = 'dead' UNION ALL SELECT webhook_id, 0, updated_at FROM "sys_webhook_delivery" WHERE status = 'pending' AND attempts > 0) AS f GROUP BY webhook_id ORDER BY COUNT(*) DESC, webhook_id LIMIT $1::bigint) AS g ORDER BY g.dead + g.retrying DESC, g.webhook_id)"},
        {"redeliver", s.redeliver,
         R"(UPDATE "sys_webhook_delivery" SET status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = NULL, last_attempted_at = NULL, response_code = NULL, response_body = NULL, error = NULL, duration_ms = NULL, updated_at = $1 WHERE id = $2 AND status IN ('success', 'failed', 'dead') RETURNING seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, error, created_at, updated_at, claim_token, duration_ms, traceparent)"},
        {"purge_attempts", s.purge_attempts.text,
         R"(DELETE FROM "sys_webhook_delivery_attempt" WHERE delivery_seq = ANY($1::bigint[]))"},
        {"purge_payloads", s.purge_payloads.text,
         R"(DELETE FROM "sys_webhook_delivery_payload" WHERE seq = ANY($1::bigint[]))"},
        {"backfill_attempts", s.backfill_attempts,
         R"(UPDATE "sys_webhook_delivery_attempt" SET delivery_seq = (SELECT seq FROM "sys_webhook_delivery" WHERE "sys_webhook_delivery".id = "sys_webhook_delivery_attempt".delivery_id) WHERE seq IN (SELECT seq FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL ORDER BY seq LIMIT 1000))"},
        {"any_attempt_without_seq", s.any_attempt_without_seq,
         R"(SELECT 1 FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL LIMIT 1)"},
        {"drop_orphan_attempts", s.drop_orphan_attempts,
         R"(DELETE FROM "sys_webhook_delivery_attempt" WHERE delivery_seq IS NULL AND NOT EXISTS (SELECT 1 FROM "sys_webhook_delivery" WHERE "sys_webhook_delivery".id = "sys_webhook_delivery_attempt".delivery_id))"},
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sql_statements)

BOOST_AUTO_TEST_CASE(sqlite_statements_are_written_with_numbered_parameters) {
    auto s = sql::delivery_statements::make(sql_dialect::sqlite, "sys_webhook_delivery");
    BOOST_TEST(s.table == "sys_webhook_delivery");
    BOOST_TEST(s.attempt_table == "sys_webhook_delivery_attempt");
    BOOST_TEST(s.payload_table == "sys_webhook_delivery_payload");
    for (const auto& t : sqlite_texts(s)) {
        BOOST_TEST_CONTEXT(t.name) { BOOST_TEST(t.actual == t.expected); }
    }
    BOOST_TEST(s.count_status[0] == R"(SELECT COUNT(*) FROM "sys_webhook_delivery" WHERE status = 'pending')");
}

BOOST_AUTO_TEST_CASE(postgresql_statements_are_written_with_dollar_parameters_and_casts) {
    auto s = sql::delivery_statements::make(sql_dialect::postgresql, "sys_webhook_delivery");
    for (const auto& t : postgresql_texts(s)) {
        BOOST_TEST_CONTEXT(t.name) {
            BOOST_TEST(t.actual == t.expected);
            BOOST_TEST(t.actual.find('?') == std::string::npos, "no SQLite placeholder");
        }
    }
}

BOOST_AUTO_TEST_CASE(both_dialects_have_every_statement_and_the_same_parameter_counts) {
    // The storage binds both alike: each statement takes the same number of parameters in both.
    auto count = [](const std::string& text, char mark) {
        int highest = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] != mark)
                continue;
            int n = 0;
            std::size_t j = i + 1;
            while (j < text.size() && text[j] >= '0' && text[j] <= '9')
                n = n * 10 + (text[j++] - '0');
            highest = std::max(highest, n);
        }
        return highest;
    };
    auto lite = sql::delivery_statements::make(sql_dialect::sqlite, "t");
    auto pg = sql::delivery_statements::make(sql_dialect::postgresql, "t");
    auto a = sqlite_texts(lite);
    auto b = postgresql_texts(pg);
    for (std::size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST_CONTEXT(a[i].name) {
            BOOST_TEST(!a[i].actual.empty());
            if (std::string(a[i].name).rfind("insert_attempts", 0) == 0 || std::string(a[i].name) == "payloads" ||
                std::string(a[i].name).rfind("purge_", 0) == 0)
                continue;  // lists and batches bind differently (see below)
            const auto* other = [&]() -> const expected_text* {
                for (const auto& e : b)
                    if (std::string(e.name) == a[i].name)
                        return &e;
                return nullptr;
            }();
            BOOST_TEST_REQUIRE(other != nullptr);
            BOOST_TEST(count(a[i].actual, '?') == count(other->actual, '$'));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_table_name_is_quoted_and_names_the_derived_tables) {
    auto s = sql::delivery_statements::make(sql_dialect::postgresql, "outbox_2");
    BOOST_TEST(s.attempt_table == "outbox_2_attempt");
    BOOST_TEST(s.payload_table == "outbox_2_payload");
    BOOST_TEST(s.find_pair == R"(SELECT id FROM "outbox_2" WHERE event_id = $1 AND webhook_id = $2)");
    BOOST_TEST(s.payloads.text == R"(SELECT seq, payload_json, payload_raw FROM "outbox_2_payload" WHERE seq = ANY($1::bigint[]))");
    BOOST_TEST(sql::quote_identifier("a\"b") == "\"a\"\"b\"");
}

BOOST_AUTO_TEST_CASE(list_binds_its_options_in_order) {
    struct tc {
        const char* name;
        list_options options;
        sql_dialect dialect;
        std::string text;
        std::vector<value> params;
    };
    list_options all;
    all.after_sequence = 7;
    all.status = delivery_status::dead;
    all.webhook_id = "wh-1";
    all.limit = 50;
    const std::string cols =
        "seq, id, webhook_id, event_id, event_type, url, method, headers_json, secret, timeout_ms, partition_key, "
        "status, attempts, claimed_by, claimed_at, next_retry_at, last_attempted_at, response_code, response_body, "
        "error, created_at, updated_at, claim_token, duration_ms, traceparent";
    std::vector<tc> cases{
        {"defaults, sqlite", list_options{}, sql_dialect::sqlite,
         "SELECT " + cols + R"( FROM "t" WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
         {value(std::int64_t(0)), value(std::int64_t(list_options{}.limit))}},
        {"every option, sqlite", all, sql_dialect::sqlite,
         "SELECT " + cols + R"( FROM "t" WHERE seq > ?1 AND status = 'dead' AND webhook_id = ?2 ORDER BY seq LIMIT ?3)",
         {value(std::int64_t(7)), value("wh-1"), value(std::int64_t(50))}},
        {"every option, postgresql", all, sql_dialect::postgresql,
         "SELECT " + cols +
             R"( FROM "t" WHERE seq > $1::bigint AND status = 'dead' AND webhook_id = $2::text ORDER BY seq LIMIT $3::bigint)",
         {value(std::int64_t(7)), value("wh-1"), value(std::int64_t(50))}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto b = sql::delivery_statements::make(c.dialect, "t").list(c.options);
            BOOST_TEST(b.text == c.text);
            BOOST_TEST(b.params == c.params);
        }
    }
}

BOOST_AUTO_TEST_CASE(replay_and_purge_bind_each_filter_field_after_the_ones_before) {
    delivery_filter f;
    f.status = delivery_status::failed;
    f.webhook_id = "wh-'1";
    f.created_from = timestamp(std::chrono::milliseconds(100));
    f.created_before = timestamp(std::chrono::milliseconds(200));
    f.updated_before = timestamp(std::chrono::milliseconds(300));
    const timestamp now(std::chrono::milliseconds(999));
    const std::string reset =
        "status = 'pending', attempts = 0, claimed_by = NULL, claimed_at = NULL, claim_token = 0, next_retry_at = "
        "NULL, last_attempted_at = NULL, response_code = NULL, response_body = NULL, error = NULL, duration_ms = NULL";

    auto lite = sql::delivery_statements::make(sql_dialect::sqlite, "t");
    auto r = lite.replay(f, 10, now);
    BOOST_TEST(r.text == R"(UPDATE "t" SET )" + reset +
                             R"(, updated_at = ?1 WHERE seq IN (SELECT seq FROM "t" WHERE status IN ('success', 'failed', 'dead') AND status = 'failed' AND webhook_id = ?2 AND created_at >= ?3 AND created_at < ?4 AND updated_at < ?5 ORDER BY seq LIMIT ?6))");
    BOOST_TEST(r.params == (std::vector<value>{value(std::int64_t(999)), value("wh-'1"), value(std::int64_t(100)),
                                                value(std::int64_t(200)), value(std::int64_t(300)),
                                                value(std::int64_t(10))}));
    auto p = lite.purge(delivery_filter{}, 5);
    BOOST_TEST(p.text == R"(DELETE FROM "t" WHERE seq IN (SELECT seq FROM "t" WHERE 1 = 1 ORDER BY seq LIMIT ?1) RETURNING seq)");
    BOOST_TEST(p.params == (std::vector<value>{value(std::int64_t(5))}));

    auto pg = sql::delivery_statements::make(sql_dialect::postgresql, "t");
    delivery_filter only_webhook;
    only_webhook.webhook_id = "wh-2";
    auto pp = pg.purge(only_webhook, 5);
    BOOST_TEST(pp.text ==
               R"(DELETE FROM "t" WHERE seq IN (SELECT seq FROM "t" WHERE 1 = 1 AND webhook_id = $1::text ORDER BY seq LIMIT $2::bigint) RETURNING seq)");
    BOOST_TEST(pp.params == (std::vector<value>{value("wh-2"), value(std::int64_t(5))}));
    auto pr = pg.replay(f, 10, now);
    BOOST_TEST(pr.text.find("updated_at = $1::bigint WHERE") != std::string::npos, pr.text);
    BOOST_TEST(pr.text.find("created_at >= $3::bigint AND created_at < $4::bigint AND updated_at < $5::bigint "
                            "ORDER BY seq LIMIT $6::bigint)") != std::string::npos,
               pr.text);
}

BOOST_AUTO_TEST_CASE(keys_fill_sqlite_placeholders_and_make_one_postgresql_array) {
    auto lite = sql::delivery_statements::make(sql_dialect::sqlite, "t");
    BOOST_TEST(lite.payloads.chunk == 64u);
    BOOST_TEST(!lite.payloads.array);
    std::vector<value> params;
    std::vector<std::int64_t> keys{5, 9, 12};
    sql::bind_keys(lite.payloads, keys, params);
    BOOST_TEST_REQUIRE(params.size() == 64u);
    BOOST_TEST(params[0] == value(std::int64_t(5)));
    BOOST_TEST(params[2] == value(std::int64_t(12)));
    BOOST_TEST(params[63] == value(std::int64_t(12)), "the last key fills the rest");

    auto pg = sql::delivery_statements::make(sql_dialect::postgresql, "t");
    BOOST_TEST(pg.payloads.array);
    sql::bind_keys(pg.payloads, keys, params);
    BOOST_TEST(params == (std::vector<value>{value("{5,9,12}")}));
    sql::bind_keys(pg.purge_attempts, std::vector<std::int64_t>{-3}, params);
    BOOST_TEST(params == (std::vector<value>{value("{-3}")}));
}

BOOST_AUTO_TEST_CASE(attempt_batches_take_the_largest_texts_that_fit) {
    auto lite = sql::delivery_statements::make(sql_dialect::sqlite, "t");
    BOOST_TEST(lite.insert_attempts.sizes == (std::vector<std::size_t>{1, 2, 4, 8, 16, 32, 64}));
    BOOST_TEST(lite.insert_attempts.width == 8u);
    using plan = std::vector<std::pair<std::size_t, std::size_t>>;
    BOOST_TEST(sql::plan_rows(lite.insert_attempts, 0).empty());
    BOOST_TEST((sql::plan_rows(lite.insert_attempts, 1) == (plan{{0, 1}})));
    BOOST_TEST((sql::plan_rows(lite.insert_attempts, 7) == (plan{{2, 4}, {1, 2}, {0, 1}})));
    BOOST_TEST((sql::plan_rows(lite.insert_attempts, 130) == (plan{{6, 64}, {6, 64}, {1, 2}})));

    auto pg = sql::delivery_statements::make(sql_dialect::postgresql, "t");
    BOOST_TEST(pg.insert_attempts.texts.size() == 1u);
    BOOST_TEST((sql::plan_rows(pg.insert_attempts, 130) == (plan{{0, 130}})));
    BOOST_TEST((sql::plan_rows(pg.insert_attempts, 2500) == (plan{{0, 1024}, {0, 1024}, {0, 452}})));
}

BOOST_AUTO_TEST_CASE(rows_pack_row_by_row_or_column_by_column) {
    std::vector<value> rows{value("a"),  value(std::int64_t(1)), value(),
                            value("b\"c"), value(std::int64_t(-2)), value("x")};
    sql::row_batch_statement by_row;
    by_row.width = 3;
    by_row.sizes = {1, 2};
    by_row.texts = {"one", "two"};
    std::vector<value> params;
    sql::pack_rows(by_row, rows, params);
    BOOST_TEST(params == rows);

    sql::row_batch_statement by_column = by_row;
    by_column.array = true;
    sql::pack_rows(by_column, rows, params);
    BOOST_TEST(params == (std::vector<value>{value(R"({"a","b\"c"})"), value("{1,-2}"), value(R"({NULL,"x"})")}));
}

BOOST_AUTO_TEST_CASE(array_literals_quote_and_escape_their_text) {
    struct tc {
        const char* name;
        std::vector<value> values;
        std::string literal;
    };
    std::vector<tc> cases{
        {"empty", {}, "{}"},
        {"integers", {value(std::int64_t(0)), value(std::int64_t(-9223372036854775807LL - 1))},
         "{0,-9223372036854775808}"},
        {"reals", {value(0.5), value(-2.0)}, "{0.5,-2}"},
        {"null and the word NULL", {value(), value("NULL")}, R"({NULL,"NULL"})"},
        {"quotes, backslashes, braces, commas, blanks", {value(R"(a"b\c)"), value("{x, y} ")},
         R"({"a\"b\\c","{x, y} "})"},
        {"json text", {value::json(R"({"k":[1,2]})")}, R"({"{\"k\":[1,2]}"})"},
        {"utf-8", {value("h\xc3\xa9")}, "{\"h\xc3\xa9\"}"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) { BOOST_TEST(sql::array_literal(c.values) == c.literal); }
    }
}

BOOST_AUTO_TEST_CASE(postgresql_has_single_statement_enqueue_batches_and_a_notify_trigger) {
    const auto lite = sql::delivery_statements::make(sql_dialect::sqlite, "sys_webhook_delivery");
    for (const auto* text : {&lite.insert_with_payload, &lite.insert_batch, &lite.complete_batch,
                             &lite.notify_channel_of, &lite.notify_installed})
        BOOST_TEST(text->empty(), "SQLite has no such statement");
    BOOST_TEST(lite.notify_setup.empty());

    const auto pg = sql::delivery_statements::make(sql_dialect::postgresql, "sys_webhook_delivery");
    // One statement inserts the row and its payload: the INSERT of `insert`, and the payload from $17, $18.
    BOOST_TEST(pg.insert_with_payload.find(pg.insert) != std::string::npos);
    BOOST_TEST(pg.insert_with_payload.find("SELECT seq, $17, $18 FROM ins") != std::string::npos);
    BOOST_TEST(pg.insert_with_payload.find("$19") == std::string::npos);
    // The batch: 18 arrays, in their order (the traceparent's before the payload's), conflicts skipped.
    BOOST_TEST(pg.insert_batch.find("unnest($1::text[], $2::text[]") != std::string::npos);
    BOOST_TEST(pg.insert_batch.find("$16::text[], $17::text[], $18::text[]) WITH ORDINALITY") != std::string::npos);
    BOOST_TEST(pg.insert_batch.find("claim_token, traceparent, payload_json, payload_raw, ord") != std::string::npos);
    BOOST_TEST(pg.insert_batch.find("ORDER BY ord ON CONFLICT (event_id, webhook_id) DO NOTHING") != std::string::npos);
    BOOST_TEST(pg.insert_batch.find("$19") == std::string::npos);
    // The ack batch: fenced as complete_by_seq is, one attempt record per applied entry, first of a seq wins.
    BOOST_TEST(pg.complete_batch.find("SELECT DISTINCT ON (seq) * FROM unnest($1::bigint[]") != std::string::npos);
    BOOST_TEST(pg.complete_batch.find("d.seq = u.seq AND d.id = u.id AND d.claim_token = u.claim_token AND "
                                      "d.status = 'in_flight'") != std::string::npos);
    BOOST_TEST(pg.complete_batch.find("attempts = d.attempts + 1") != std::string::npos);
    BOOST_TEST(pg.complete_batch.find("$11::text[]) WITH ORDINALITY AS u(seq, id, claim_token, status, next_retry_at, "
                                      "response_code, response_body, error, duration_ms, now, traceparent, ord)") !=
               std::string::npos);
    BOOST_TEST(pg.complete_batch.find("u.error, u.traceparent FROM input AS u JOIN upd") != std::string::npos);
    BOOST_TEST(pg.complete_batch.find("$12") == std::string::npos);
    // Claims in several partitions: one statement, each partition its own SKIP LOCKED subquery and limit.
    BOOST_TEST(pg.claim_partitions.find("unnest($4::bigint[], $5::bigint[]) WITH ORDINALITY AS q(k, n, ord), LATERAL") !=
               std::string::npos);
    BOOST_TEST(pg.claim_partitions.find("partition_key = q.k ORDER BY seq LIMIT q.n FOR UPDATE SKIP LOCKED") !=
               std::string::npos);
    BOOST_TEST(pg.claim_partitions.find("ORDER BY q.ord, c.seq LIMIT $6") != std::string::npos);
    BOOST_TEST(lite.claim_partitions.empty());
    // Wake-ups: a statement-level trigger after insert.
    // Channels are per database: the channel names the table's schema too, cut to 63 bytes.
    BOOST_TEST(pg.notify_channel_of.find("left('hookbox.' || n.nspname || '.' || c.relname, 63)") != std::string::npos);
    BOOST_TEST_REQUIRE(pg.notify_setup.size() == 3u);
    BOOST_TEST(pg.notify_setup[1].find("pg_notify(left('hookbox.' || TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, 63), '')") !=
               std::string::npos);
    BOOST_TEST(pg.notify_setup[2] ==
               R"(CREATE OR REPLACE TRIGGER "sys_webhook_delivery_notify" AFTER INSERT ON "sys_webhook_delivery" FOR EACH STATEMENT EXECUTE FUNCTION "sys_webhook_delivery_notify"())");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
