//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Uses each part of the installed package that was found: the outbox in memory, the outbox in a
// SQLite database (hookbox::sqlite), a signature and its verification (hookbox::signing), and the
// sender and dispatcher types (hookbox::http). Prints what it checked; exits non-zero on a failure.

#include <hookbox.hpp>
#include <hookbox/version.hpp>

#ifdef HOOKBOX_TEST_PACKAGE_SQLITE
#include <hookbox/sqlite_outbox.hpp>
#endif
#ifdef HOOKBOX_TEST_PACKAGE_SIGNING
#include <hookbox/signing/signer.hpp>
#include <hookbox/signing/verify.hpp>
#endif
#ifdef HOOKBOX_TEST_PACKAGE_HTTP
#include <hookbox/dispatch/dispatcher.hpp>
#include <hookbox/http/beast_sender.hpp>

#include <boost/asio/io_context.hpp>
#endif

#include <cstdio>
#include <string>
#include <vector>

namespace {

// Enqueue, claim and ack one delivery; true when it ends `success`.
template <class Outbox>
bool round_trip(Outbox& outbox) {
    auto id = outbox
                  .enqueue({.webhook_id = "wh-1",
                            .event_id = "evt-1",
                            .event_type = "order.created",
                            .url = "https://example.com/hook",
                            .payload = hookbox::payload::parse(R"({"order":1})")})
                  .id;
    auto claimed = outbox.claim({.node_id = "test_package", .limit = 1});
    if (claimed.size() != 1 || claimed[0].id != id)
        return false;
    outbox.ack(claimed[0], {.outcome = hookbox::attempt_outcome::success, .http_status = 200});
    auto row = outbox.get(id);
    return row && row->status == hookbox::delivery_status::success;
}

int failures = 0;

void check(bool ok, const char* what) {
    std::printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failures += ok ? 0 : 1;
}

}  // namespace

int main() {
    std::printf("hookbox %s\n", HOOKBOX_VERSION_STRING);
    hookbox::outbox memory_outbox;
    check(round_trip(memory_outbox), "memory outbox");

#ifdef HOOKBOX_TEST_PACKAGE_SQLITE
    hookbox::sqlite_outbox db_outbox({}, hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = ":memory:"})));
    check(round_trip(db_outbox), "sqlite outbox");
#endif

#ifdef HOOKBOX_TEST_PACKAGE_SIGNING
    // A Standard Webhooks signature, then its verification with the same key.
    auto key = hookbox::signing::secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    const std::string body = R"({"order":1})";
    const std::int64_t now = 1614265330;
    std::vector<hookbox::header> headers{
        {"webhook-id", "msg_1"},
        {"webhook-timestamp", std::to_string(now)},
        {"webhook-signature", hookbox::signing::sign_v1(key, "msg_1", now, body)}};
    auto result = hookbox::signing::verify(headers, body, std::span(&key, 1), now);
    check(result == hookbox::signing::verify_result::ok, "signature verified");
    auto forged = hookbox::signing::verify(headers, body + " ", std::span(&key, 1), now);
    check(forged == hookbox::signing::verify_result::no_matching_signature, "forged body refused");
#endif

#ifdef HOOKBOX_TEST_PACKAGE_HTTP
    // The HTTP parts link and construct; no request is sent.
    boost::asio::io_context ioc;
    hookbox::beast_sender sender(ioc.get_executor());
    hookbox::dispatcher<hookbox::outbox, hookbox::beast_sender> dispatcher(ioc.get_executor(), memory_outbox, sender,
                                                                           {.node_id = "test_package"});
    check(dispatcher.stats().attempts == 0, "dispatcher constructed");
#endif

    return failures == 0 ? 0 : 1;
}
