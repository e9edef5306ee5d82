//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/payload.hpp>
#include <hookbox/time_format.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace hookbox_cli {

namespace {

// The span id of an attempt's traceparent (its parent-id part), or "-" when it sent none.
std::string span_of(const std::optional<std::string>& traceparent) {
    if (!traceparent || traceparent->size() < 52)
        return "-";
    return printable(traceparent->substr(36, 16));
}

}  // namespace

void read_show(const invocation& inv, request& rq) {
    if (auto* v = inv.value("--event")) {
        rq.list.event_id = parse_event("--event", *v);
        if (auto* w = inv.value("--webhook"))
            rq.list.webhook_id = parse_webhook("--webhook", *w);
        return;
    }
    if (inv.value("--webhook"))
        usage_error("--webhook", "--webhook: only with --event (an <id> names one delivery already)");
    rq.id = parse_id(inv.positionals[1]);
}

namespace {

int show_one(const invocation& inv, hookbox::delivery_id id, outbox_file& ob);

// show --event: the event's deliveries, one per webhook, read a page at a time.
int show_event(const invocation& inv, const request& rq, outbox_file& ob) {
    namespace json = boost::json;
    hookbox::list_options lo = rq.list;
    lo.limit = 1000;
    std::vector<hookbox::delivery> found;
    for (;;) {
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        auto page = ob.list(lo, ec, diag);
        if (ec)
            library_error(ec, diag);
        for (auto& d : page.items)
            found.push_back(std::move(d));
        if (!page.next_cursor || page.items.empty())
            break;
        lo.after_sequence = page.next_cursor;
    }
    if (found.empty()) {
        std::string what = "no delivery of event '" + printable(*rq.list.event_id) + "'";
        if (rq.list.webhook_id)
            what += " to webhook '" + printable(*rq.list.webhook_id) + "'";
        throw failure{exit_failed, "not_found", "--event", what, {}};
    }
    if (found.size() == 1)
        return show_one(inv, found.front().id, ob);
    if (inv.json) {
        json::array items;
        for (const auto& d : found)
            items.push_back(summary_json(d));
        json::object o;
        o["event_id"] = *rq.list.event_id;
        o["items"] = std::move(items);
        emit(o);
        return exit_ok;
    }
    std::cout << "event '" << printable(*rq.list.event_id) << "': " << found.size()
              << " deliveries, one per webhook ('hookbox show <database> <id>' for one)\n";
    print_delivery_table(found);
    return exit_ok;
}

int show_one(const invocation& inv, hookbox::delivery_id id, outbox_file& ob) {
    namespace json = boost::json;
    using hookbox::format_timestamp;
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    auto d = ob.get(id, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (!d)
        throw failure{exit_failed, "not_found", "id", "Delivery row '" + id.to_string() + "' not found", {}};
    auto history = ob.attempts(id, ec, diag);
    if (ec)
        library_error(ec, diag);
    if (inv.json) {
        json::array hs;
        for (const auto& a : history)
            hs.push_back(attempt_json(a));
        json::object o;
        o["delivery"] = full_json(*d);
        o["history"] = std::move(hs);
        emit(o);
        return exit_ok;
    }
    // In text, the payload and the response body are cut after 2 KiB; --json has them whole.
    constexpr std::size_t body_limit = 2048;
    const text_table fields({{"", 18}, {""}}, "");
    auto line = [&](std::string key, std::string value) { fields.print_row(std::cout, {key, value}); };
    line("id", d->id.to_string());
    line("status", std::string(to_string(d->status)));
    line("attempts", std::to_string(d->attempts));
    line("webhook_id", printable(d->webhook_id));
    line("event_id", printable(d->event_id));
    line("event_type", printable(d->event_type));
    line("url", printable(display_url(d->url)));
    line("method", printable(d->method));
    if (d->headers.empty())
        line("headers", "-");
    for (std::size_t i = 0; i < d->headers.size(); ++i)
        line(i == 0 ? "headers" : "",
             printable(d->headers[i].name) + ": " + printable(header_value(d->headers[i])));
    line("signed", d->has_secret ? "yes" : "no");
    line("timeout", d->timeout ? std::to_string(d->timeout->count()) + " ms" : std::string("sender default"));
    line("traceparent", d->traceparent ? printable(*d->traceparent) : std::string("-"));
    line("partition_key", std::to_string(d->partition_key));
    line("sequence", std::to_string(d->sequence));
    line("created_at", format_timestamp(d->created_at));
    line("updated_at", format_timestamp(d->updated_at));
    line("claimed_by", d->claimed_by ? printable(*d->claimed_by) : std::string("-"));
    line("claimed_at", or_dash(d->claimed_at));
    line("claim_token", std::to_string(d->claim_token));
    line("next_retry_at", or_dash(d->next_retry_at));
    line("last_attempted_at", or_dash(d->last_attempted_at));
    line("last_duration",
         d->last_duration ? std::to_string(d->last_duration->count()) + " ms" : std::string("-"));
    line("response_code", or_dash(d->response_code));
    line("response_body",
         d->response_body ? printable(clip(*d->response_body, body_limit)) : std::string("-"));
    line("error", d->error ? printable(*d->error) : std::string("-"));
    const bool is_json = d->payload.kind() == hookbox::payload_kind::json;
    line("payload", std::string(is_json ? "(json, " : "(raw, ") + std::to_string(d->payload.body().size()) +
                        " bytes) " + printable(clip(std::string(d->payload.body()), body_limit)));
    std::cout << "\nhistory";
    if (history.empty()) {
        std::cout << ": no attempts recorded\n";
        return exit_ok;
    }
    std::cout << ":\n";
    const text_table table({{"#", 4, align::right},
                            {"AT", 24},
                            {"OUTCOME", 7},
                            {"CODE", 4},
                            {"DURATION", 8, align::right},
                            {"SPAN", 16},
                            {"ERROR"}});
    table.print_header(std::cout);
    for (const auto& a : history)
        table.print_row(std::cout,
                        {std::to_string(a.number), format_timestamp(a.at), std::string(to_string(a.outcome)),
                         or_dash(a.response_code), std::to_string(a.duration.count()) + " ms",
                         span_of(a.traceparent), a.error ? printable(clip(*a.error, 120)) : std::string("-")});
    return exit_ok;
}

}  // namespace

int run_show(const invocation& inv, const request& rq, outbox_file& ob) {
    if (rq.list.event_id)
        return show_event(inv, rq, ob);
    return show_one(inv, rq.id, ob);
}

}  // namespace hookbox_cli
