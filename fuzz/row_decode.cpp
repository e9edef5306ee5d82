//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Fuzzes the reading of stored rows shared by the SQL storages
// (include/hookbox/storage/detail/delivery_rows.hpp): `decode`, `decode_row`, `decode_payload` and
// `decode_attempt`, on cells whose kinds, integers and texts come from the input.
//
// Input: a control byte. Its low bit chooses between editing a well-formed delivery row (the rest is
// a list of edits: a column, a kind, then the integer or text) and reading cells as they come
// (a kind, then the integer or text, per cell); an attempt row is read from the same cells.
//
// Invariants: a row is either a delivery or a `decode_error` that names one of the row's columns
// with a reason, and the error built from it (`fail_corrupt`) is `corrupt_row` naming that column;
// a delivery written back as a row reads as the same delivery; `decode` succeeds only if
// `decode_row` does on the delivery columns; an attempt row likewise.

#include <hookbox/storage/detail/delivery_rows.hpp>

#include "input.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace rows = hookbox::detail::rows;
namespace col = hookbox::delivery_column;
using hookbox::engine::cell_view;
using kind = hookbox::engine::value::kind;

// The texts cells view; a deque keeps them in place as more are added.
using text_store = std::deque<std::string>;

cell_view integer(std::int64_t v) {
    cell_view c;
    c.type = kind::integer;
    c.integer = v;
    return c;
}

cell_view text(text_store& store, std::string s, kind k = kind::text) {
    store.push_back(std::move(s));
    cell_view c;
    c.type = k;
    c.text = store.back();
    return c;
}

cell_view null() {
    return {};
}

// A row as an engine returns it for this delivery (what the storages write, read back).
std::vector<cell_view> encode(const hookbox::delivery& d, text_store& store) {
    std::vector<cell_view> c(col::with_payload_);
    auto opt_ms = [](const std::optional<hookbox::timestamp>& t) {
        return t ? integer(rows::ms(*t)) : null();
    };
    auto opt_text = [&](const std::optional<std::string>& s) { return s ? text(store, *s) : null(); };
    c[col::seq] = integer(static_cast<std::int64_t>(d.sequence));
    c[col::id] = text(store, d.id.to_string());
    c[col::webhook_id] = text(store, d.webhook_id);
    c[col::event_id] = text(store, d.event_id);
    c[col::event_type] = text(store, d.event_type);
    c[col::url] = text(store, d.url);
    c[col::method] = text(store, d.method);
    c[col::headers_json] =
        d.headers.empty() ? null() : text(store, rows::headers_to_json(d.headers), kind::json);
    c[col::secret] = d.secret.empty() ? null() : text(store, d.secret);
    c[col::timeout_ms] = d.timeout ? integer(d.timeout->count()) : null();
    c[col::partition_key] = integer(d.partition_key);
    c[col::status] = text(store, std::string(hookbox::to_string(d.status)));
    c[col::attempts] = integer(d.attempts);
    c[col::claimed_by] = opt_text(d.claimed_by);
    c[col::claimed_at] = opt_ms(d.claimed_at);
    c[col::next_retry_at] = opt_ms(d.next_retry_at);
    c[col::last_attempted_at] = opt_ms(d.last_attempted_at);
    c[col::response_code] = d.response_code ? integer(*d.response_code) : null();
    c[col::response_body] = opt_text(d.response_body);
    c[col::error] = opt_text(d.error);
    c[col::created_at] = integer(rows::ms(d.created_at));
    c[col::updated_at] = integer(rows::ms(d.updated_at));
    c[col::claim_token] = integer(static_cast<std::int64_t>(d.claim_token));
    c[col::duration_ms] = d.last_duration ? integer(d.last_duration->count()) : null();
    bool raw = d.payload.kind() == hookbox::payload_kind::raw;
    c[col::payload_json] = text(store, raw ? std::string("null") : std::string(d.payload.body()), kind::json);
    c[col::payload_raw] = raw ? text(store, std::string(d.payload.body())) : null();
    return c;
}

bool same(const hookbox::delivery& a, const hookbox::delivery& b) {
    return a.id == b.id && a.webhook_id == b.webhook_id && a.event_id == b.event_id &&
           a.event_type == b.event_type && a.url == b.url && a.method == b.method && a.headers == b.headers &&
           a.secret == b.secret && a.has_secret == b.has_secret && a.timeout == b.timeout &&
           a.payload == b.payload && a.partition_key == b.partition_key && a.status == b.status &&
           a.attempts == b.attempts && a.claimed_by == b.claimed_by && a.claimed_at == b.claimed_at &&
           a.claim_token == b.claim_token && a.next_retry_at == b.next_retry_at &&
           a.last_attempted_at == b.last_attempted_at && a.response_code == b.response_code &&
           a.response_body == b.response_body && a.error == b.error && a.last_duration == b.last_duration &&
           a.sequence == b.sequence && a.created_at == b.created_at && a.updated_at == b.updated_at;
}

// A well-formed row of an in-flight delivery that was tried once.
std::vector<cell_view> base_row(text_store& store) {
    std::vector<cell_view> c(col::with_payload_);
    c[col::seq] = integer(42);
    c[col::id] = text(store, "0b6f9a52-3c1d-4e8f-9a2b-7c4d5e6f8a91");
    c[col::webhook_id] = text(store, "wh-1");
    c[col::event_id] = text(store, "evt-42");
    c[col::event_type] = text(store, "order.created");
    c[col::url] = text(store, "https://receiver.example/hooks");
    c[col::method] = text(store, "POST");
    c[col::headers_json] = text(store, R"([["X-Tenant","acme"],["X-Trace","1"]])", kind::json);
    c[col::secret] = text(store, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    c[col::timeout_ms] = integer(15000);
    c[col::partition_key] = integer(3);
    c[col::status] = text(store, "in_flight");
    c[col::attempts] = integer(1);
    c[col::claimed_by] = text(store, "node-a");
    c[col::claimed_at] = integer(1779580800000);
    c[col::next_retry_at] = null();
    c[col::last_attempted_at] = integer(1779580700000);
    c[col::response_code] = integer(503);
    c[col::response_body] = text(store, "busy");
    c[col::error] = null();
    c[col::created_at] = integer(1779580600000);
    c[col::updated_at] = integer(1779580800000);
    c[col::claim_token] = integer(4611686018427388000);
    c[col::duration_ms] = integer(120);
    c[col::payload_json] = text(store, R"({"order":42})", kind::json);
    c[col::payload_raw] = null();
    return c;
}

cell_view read_cell(hookbox::fuzz::input& in, text_store& store) {
    static constexpr std::int64_t integers[] = {
        0, 1, -1, 2147483647, 2147483648, -2147483649, 9223372036854775807, -9223372036854775807 - 1};
    std::uint8_t k = in.byte();
    switch (k % 6) {
    case 0:
        return null();
    case 1:
        return integer(k & 0x80 ? in.i64() : integers[(k >> 3) % std::size(integers)]);
    case 2: {
        cell_view c;
        c.type = kind::real;
        c.real = static_cast<double>(in.i64());
        return c;
    }
    case 3:
        return text(store, std::string(in.short_text()));
    case 4:
        return text(store, std::string(in.short_text()), kind::json);
    default: {
        // A status or an id: texts a row must hold somewhere.
        static constexpr std::string_view known[] = {
            "pending", "in_flight",    "success", "dead", "0b6f9a52-3c1d-4e8f-9a2b-7c4d5e6f8a91",
            "null",    R"({"a":"b"})", "[]"};
        return text(store, std::string(known[(k >> 3) % std::size(known)]),
                    (k & 4) ? kind::json : kind::text);
    }
    }
}

bool names_column(std::string_view column) {
    return std::find(hookbox::delivery_columns.begin(), hookbox::delivery_columns.end(), column) !=
               hookbox::delivery_columns.end() ||
           column == "payload_json" || column == "payload_raw";
}

void check_attempt(std::span<const cell_view> c) {
    hookbox::attempt_record a;
    rows::decode_error err;
    if (!rows::decode_attempt(c, a, err)) {
        HOOKBOX_FUZZ_CHECK(std::find(hookbox::attempt_columns.begin(), hookbox::attempt_columns.end(),
                                     err.column) != hookbox::attempt_columns.end());
        HOOKBOX_FUZZ_CHECK(!err.reason.empty());
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        rows::fail_attempt_corrupt(ec, diag, 7, "row", err);
        HOOKBOX_FUZZ_CHECK(ec == hookbox::make_error_code(hookbox::errc::corrupt_row) &&
                           diag.field() == err.column);
        return;
    }
    HOOKBOX_FUZZ_CHECK(err.column.empty());
    HOOKBOX_FUZZ_CHECK(c.size() == hookbox::attempt_columns.size());
    HOOKBOX_FUZZ_CHECK(a.at.time_since_epoch().count() == c[2].integer);
    HOOKBOX_FUZZ_CHECK(a.duration.count() == c[5].integer);
    HOOKBOX_FUZZ_CHECK(a.error.has_value() == !c[6].is_null());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hookbox::fuzz::input in(data, size);
    const std::uint8_t control = in.byte();
    text_store store;
    std::vector<cell_view> cells;
    if (control & 1) {
        cells = base_row(store);
        while (!in.empty()) {
            std::size_t at = in.pick(col::with_payload_ + 2);
            cell_view c = read_cell(in, store);
            if (at < cells.size())
                cells[at] = c;
            else if (at == col::with_payload_)
                cells.push_back(c); // one column too many
            else if (!cells.empty())
                cells.pop_back(); // one too few
        }
    } else {
        while (!in.empty() && cells.size() < 2 * col::with_payload_)
            cells.push_back(read_cell(in, store));
    }

    hookbox::delivery d;
    rows::decode_error err;
    const bool ok = rows::decode(cells, d, err, "sys_webhook_delivery_payload");
    if (!ok) {
        HOOKBOX_FUZZ_CHECK(names_column(err.column) && !err.reason.empty());
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        rows::fail_corrupt(ec, diag, cells, "sys_webhook_delivery", err);
        HOOKBOX_FUZZ_CHECK(ec == hookbox::make_error_code(hookbox::errc::corrupt_row) &&
                           diag.field() == err.column);
        HOOKBOX_FUZZ_CHECK(!rows::corrupt_text(d, "sys_webhook_delivery", err).empty());
    } else {
        HOOKBOX_FUZZ_CHECK(err.column.empty());
        HOOKBOX_FUZZ_CHECK(cells.size() == col::with_payload_);
        hookbox::delivery row_only;
        HOOKBOX_FUZZ_CHECK(
            rows::decode_row(std::span<const cell_view>(cells).first(col::count_), row_only, err));
        HOOKBOX_FUZZ_CHECK(d.has_secret == !d.secret.empty());
        // Written back and read again: the same delivery.
        text_store again_store;
        auto again_cells = encode(d, again_store);
        hookbox::delivery again;
        HOOKBOX_FUZZ_CHECK(rows::decode(again_cells, again, err, "sys_webhook_delivery_payload"));
        HOOKBOX_FUZZ_CHECK(same(d, again));
        // What the storages insert for it has the columns they bind.
        HOOKBOX_FUZZ_CHECK(rows::insert_values(d).size() == hookbox::insert_columns.size());
    }

    if (cells.size() >= hookbox::attempt_columns.size())
        check_attempt(std::span<const cell_view>(cells).first(hookbox::attempt_columns.size()));
    check_attempt(cells);
    return 0;
}
