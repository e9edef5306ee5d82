//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The admin API over real HTTP on loopback: a Beast server on 127.0.0.1 mounts an `admin_handler`
// over an in-memory outbox holding delivered, retrying and dead deliveries, and the tests call
// every route as an operator's tool would.

#include "common/test_common.hpp"

#include <hookbox/admin/admin_handler.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view token = "admin-token-0123456789abcdef";
// What must never appear in a response: the signing secret, credential header values, the admin token.
constexpr std::string_view secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view receiver_credential = "receiver-credential-7f3a";
constexpr std::string_view api_key = "api-key-value-91c2";

// A Beast server on 127.0.0.1 that answers every request with the handler, on a thread of its own.
class admin_server {
public:
    explicit admin_server(const hookbox::admin_handler& handler)
        : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}), handler_(handler),
          port_(acceptor_.local_endpoint().port()) {
        asio::co_spawn(io_, accept(acceptor_, handler_), asio::detached);
        thread_ = std::thread([&io = io_] { io.run(); });
    }
    ~admin_server() {
        io_.stop();
        thread_.join();
    }
    unsigned short port() const { return port_; }

private:
    static asio::awaitable<void> accept(asio::ip::tcp::acceptor& acceptor, const hookbox::admin_handler& handler) {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return;
            asio::co_spawn(acceptor.get_executor(), session(std::move(socket), handler), asio::detached);
        }
    }

    static asio::awaitable<void> session(asio::ip::tcp::socket socket, const hookbox::admin_handler& handler) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (int i = 0; i < 1000; ++i) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(1024 * 1024);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return;
            auto res = handler(parser.get());
            auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (wec || !res.keep_alive())
                co_return;
        }
    }

    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    const hookbox::admin_handler& handler_;
    unsigned short port_;
    std::thread thread_;
};

struct reply {
    unsigned status = 0;
    http::fields headers;
    std::string body;
    // The whole response as text, for looking for secrets.
    std::string raw;

    json::value json() const { return json::parse(body); }
    std::string error_field() const { return std::string(json().at("error").at("field").as_string()); }
    std::string error_code() const { return std::string(json().at("error").at("code").as_string()); }
};

// One request over a new connection, bounded to 10 s.
reply call(unsigned short port, http::verb method, std::string target, std::string body = {},
           std::optional<std::string> authorization = "Bearer " + std::string(token)) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (authorization)
        req.set(http::field::authorization, *authorization);
    if (!body.empty())
        req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    hookbox::error_code result = asio::error::timed_out;
    stream.expires_after(10s);
    stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](hookbox::error_code ec) {
        if (ec) {
            result = ec;
            return;
        }
        http::async_write(stream, req, [&](hookbox::error_code wec, std::size_t) {
            if (wec) {
                result = wec;
                return;
            }
            http::async_read(stream, buffer, res, [&](hookbox::error_code rec, std::size_t) { result = rec; });
        });
    });
    io.run_for(15s);
    BOOST_REQUIRE_MESSAGE(!result, "request " << target << ": " << result.message());
    reply r;
    r.status = res.result_int();
    r.headers = res.base();
    r.body = res.body();
    std::ostringstream os;
    os << res;
    r.raw = os.str();
    return r;
}

// An endpoint health store in memory.
class memory_health_store final : public hookbox::endpoint_health_store {
public:
    std::vector<std::pair<std::string, hookbox::endpoint_state>> load(hookbox::error_code& ec,
                                                                      hookbox::diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        return {states_.begin(), states_.end()};
    }
    void save(const std::string& webhook_id, const hookbox::endpoint_state& s, hookbox::error_code& ec,
              hookbox::diagnostics&) override {
        ec.clear();
        std::lock_guard lock(mutex_);
        if (s.healthy())
            states_.erase(webhook_id);
        else
            states_[webhook_id] = s;
    }

    // Keeps an entry as it is, healthy or not, as a store that records a closed circuit does.
    void keep(const std::string& webhook_id, const hookbox::endpoint_state& s) {
        std::lock_guard lock(mutex_);
        states_[webhook_id] = s;
    }

private:
    std::mutex mutex_;
    std::map<std::string, hookbox::endpoint_state> states_;
};

// Records what a dispatcher would be asked.
struct recording_dispatcher {
    std::mutex mutex;
    std::vector<std::string> calls;
    void enable_endpoint(std::string w) {
        std::lock_guard lock(mutex);
        calls.push_back("enable " + w);
    }
    void disable_endpoint(std::string w, std::string reason) {
        std::lock_guard lock(mutex);
        calls.push_back("disable " + w + " " + reason);
    }
};

// An outbox with 1 delivered (signed, with credential headers), 3 dead (410) for
// wh-gone, 1 retrying for wh-flaky, and 1 pending; and a handler and server over it.
struct fixture {
    hookbox::outbox outbox;
    std::shared_ptr<memory_health_store> store = std::make_shared<memory_health_store>();
    hookbox::delivery_id delivered_id, dead_id, pending_id;
    std::vector<std::string> responses;  // every raw response, for the secret check

    fixture() {
        hookbox::enqueue_request r;
        r.webhook_id = "wh-ok";
        r.event_id = "evt-1";
        r.event_type = "order.created";
        r.url = "https://receiver.example/hooks";
        r.secret = std::string(secret);
        r.headers = {{"Authorization", "Bearer " + std::string(receiver_credential)},
                     {"X-Api-Key", std::string(api_key)},
                     {"X-Trace", "visible-value"}};
        r.payload = hookbox::payload::parse(R"({"order":1})");
        delivered_id = outbox.enqueue(r).id;
        for (int i = 0; i < 3; ++i) {
            hookbox::enqueue_request g = r;
            g.webhook_id = "wh-gone";
            g.event_id = "evt-gone-" + std::to_string(i);
            g.url = "https://gone.example/hooks";
            auto id = outbox.enqueue(g).id;
            if (i == 0)
                dead_id = id;
        }
        hookbox::enqueue_request f = r;
        f.webhook_id = "wh-flaky";
        f.event_id = "evt-flaky";
        outbox.enqueue(f);
        for (auto& d : outbox.claim({.node_id = "n1", .limit = 10})) {
            hookbox::attempt_result a;
            if (d.webhook_id == "wh-ok") {
                a.outcome = hookbox::attempt_outcome::success;
                a.http_status = 200;
            } else if (d.webhook_id == "wh-gone") {
                a.outcome = hookbox::attempt_outcome::dead;
                a.http_status = 410;
                a.error = "HTTP 410";
            } else {
                a.outcome = hookbox::attempt_outcome::retry;
                a.http_status = 503;
                a.error = "HTTP 503";
                a.next_retry_at = hookbox::now_ms(outbox.clock()) + std::chrono::hours(1);
            }
            outbox.ack(d, a);
        }
        hookbox::enqueue_request p = r;
        p.webhook_id = "wh-ok";
        p.event_id = "evt-2";
        pending_id = outbox.enqueue(p).id;
    }

    hookbox::admin_params params() const {
        hookbox::admin_params p;
        p.token = std::string(token);
        p.health_store = store;
        return p;
    }

    reply get(unsigned short port, const std::string& target) { return keep(call(port, http::verb::get, target)); }
    reply post(unsigned short port, const std::string& target, std::string body = {}) {
        return keep(call(port, http::verb::post, target, std::move(body)));
    }
    reply keep(reply r) {
        responses.push_back(r.raw);
        return r;
    }
};

void check_error(const reply& r, unsigned status, const std::string& field) {
    BOOST_TEST(r.status == status);
    BOOST_TEST(r.headers[http::field::content_type] == "application/json");
    BOOST_TEST(r.error_field() == field, "body: " << r.body);
    auto msg = std::string(r.json().at("error").at("message").as_string());
    BOOST_TEST(!msg.empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(admin_api)

BOOST_AUTO_TEST_CASE(construction_refuses_a_missing_or_weak_token_and_a_bad_prefix) {
    hookbox::outbox outbox;
    auto target = hookbox::make_admin_target(outbox);
    auto field_of = [&](hookbox::admin_params p, std::shared_ptr<hookbox::admin_target> t) -> std::string {
        try {
            hookbox::admin_handler h(std::move(t), std::move(p));
        } catch (const hookbox::error_with_diagnostics& e) {
            return e.get_diagnostics().field();
        }
        return "none";
    };
    hookbox::admin_params p;
    BOOST_TEST(field_of(p, target) == "token");
    p.token = "short";
    BOOST_TEST(field_of(p, target) == "token");
    p.token = std::string(token);
    BOOST_TEST(field_of(p, target) == "none");
    p.prefix = "admin";
    BOOST_TEST(field_of(p, target) == "prefix");
    p.prefix = "/admin/";
    BOOST_TEST(field_of(p, target) == "prefix");
    p.prefix = "";
    BOOST_TEST(field_of(p, target) == "none");
    p.max_body_bytes = 0;
    BOOST_TEST(field_of(p, target) == "max_body_bytes");
    p.max_body_bytes = 1024;
    BOOST_TEST(field_of(p, nullptr) == "target");
}

BOOST_AUTO_TEST_CASE(every_route_refuses_a_request_without_the_token) {
    fixture f;
    auto p = f.params();
    p.metrics = [](std::string& out) { out += "hookbox_up 1\n"; };
    hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), p);
    admin_server server(handler);
    const std::string id = f.dead_id.to_string();
    for (const auto& route : hookbox::admin_handler::routes()) {
        std::string path(route.path);
        if (auto at = path.find("{id}"); at != std::string::npos)
            path.replace(at, 4, id);
        if (auto at = path.find("{webhook_id}"); at != std::string::npos)
            path.replace(at, 12, "wh-gone");
        const auto verb = route.method == "GET" ? http::verb::get : http::verb::post;
        for (std::optional<std::string> auth :
             {std::optional<std::string>(), std::optional<std::string>("Bearer wrong-token-0123456789abcd"),
              std::optional<std::string>("Bearer " + std::string(token) + "x"),
              std::optional<std::string>("Basic " + std::string(token))}) {
            reply r = call(server.port(), verb, "/hookbox" + path, route.method == "POST" ? "{}" : "", auth);
            BOOST_TEST(r.status == 401u, route.method << " " << path);
            BOOST_TEST(r.headers[http::field::www_authenticate].starts_with("Bearer"));
        }
    }
    // The token as a query opens the page, and only the page.
    BOOST_TEST(call(server.port(), http::verb::get, "/hookbox/?token=" + std::string(token), "", {}).status == 200u);
    BOOST_TEST(call(server.port(), http::verb::get, "/hookbox/stats?token=" + std::string(token), "", {}).status == 401u);
    reply wrong = call(server.port(), http::verb::get, "/hookbox/?token=nope", "", {});
    BOOST_TEST(wrong.status == 401u);
    BOOST_TEST(wrong.body.find("type=\"password\"") != std::string::npos);  // the page asking for the token
    // Outside the prefix: 401 without the token, 404 with it.
    BOOST_TEST(call(server.port(), http::verb::get, "/other", "", {}).status == 401u);
    BOOST_TEST(call(server.port(), http::verb::get, "/other").status == 404u);
    BOOST_TEST(call(server.port(), http::verb::get, "/hookboxes").status == 404u);
    // All state unchanged by the refused requests.
    BOOST_TEST(f.outbox.stats().count(hookbox::delivery_status::dead) == 3u);
}

BOOST_AUTO_TEST_CASE(routes_answer_with_the_outbox_state) {
    fixture f;
    hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), f.params());
    admin_server server(handler);
    const auto port = server.port();

    reply stats = f.get(port, "/hookbox/stats");
    BOOST_TEST(stats.status == 200u);
    auto st = stats.json();
    BOOST_TEST(st.at("counts").at("success").as_int64() == 1);
    BOOST_TEST(st.at("counts").at("dead").as_int64() == 3);
    BOOST_TEST(st.at("counts").at("pending").as_int64() == 2);
    BOOST_TEST(st.at("total").as_int64() == 6);
    BOOST_TEST(st.at("oldest_pending_age_ms").is_int64());

    reply dead = f.get(port, "/hookbox/deliveries?status=dead&limit=2");
    BOOST_TEST(dead.status == 200u);
    BOOST_TEST(dead.json().at("items").as_array().size() == 2u);
    auto cursor = dead.json().at("next_cursor").as_int64();
    reply rest = f.get(port, "/hookbox/deliveries?status=dead&after=" + std::to_string(cursor));
    BOOST_TEST(rest.json().at("items").as_array().size() == 1u);
    reply by_webhook = f.get(port, "/hookbox/deliveries?webhook=wh-flaky");
    BOOST_TEST(by_webhook.json().at("items").as_array().size() == 1u);
    BOOST_TEST(by_webhook.json().at("items").at(0).at("attempts").as_int64() == 1);

    reply show = f.get(port, "/hookbox/deliveries/" + f.delivered_id.to_string());
    BOOST_TEST(show.status == 200u);
    auto d = show.json();
    BOOST_TEST(d.at("status").as_string() == "success");
    BOOST_TEST(d.at("has_secret").as_bool());
    BOOST_TEST(d.at("payload").at("order").as_int64() == 1);
    BOOST_TEST(d.at("attempt_history").as_array().size() == 1u);
    BOOST_TEST(d.at("attempt_history").at(0).at("response_code").as_int64() == 200);
    BOOST_TEST(d.at("url").as_string() == "https://receiver.example/hooks");
    BOOST_TEST(d.at("headers").at(0).at("value").as_string() == "<redacted>");
    BOOST_TEST(d.at("headers").at(1).at("value").as_string() == "<redacted>");
    BOOST_TEST(d.at("headers").at(2).at("value").as_string() == "visible-value");

    check_error(f.get(port, "/hookbox/deliveries/" + hookbox::delivery_id::generate().to_string()), 404, "id");
    reply again = f.post(port, "/hookbox/deliveries/" + f.dead_id.to_string() + "/redeliver");
    BOOST_TEST(again.status == 200u);
    BOOST_TEST(again.json().at("status").as_string() == "pending");
    reply not_eligible = f.post(port, "/hookbox/deliveries/" + f.pending_id.to_string() + "/redeliver");
    BOOST_TEST(not_eligible.status == 409u);
    BOOST_TEST(not_eligible.error_code() == "not_eligible");

    reply replay = f.post(port, "/hookbox/replay", R"({"status":"dead","webhook_id":"wh-gone"})");
    BOOST_TEST(replay.status == 200u);
    BOOST_TEST(replay.json().at("replayed").as_int64() == 2);
    BOOST_TEST(f.outbox.stats().count(hookbox::delivery_status::dead) == 0u);

    reply unconfirmed = f.post(port, "/hookbox/purge", R"({"webhook_id":"wh-gone"})");
    check_error(unconfirmed, 400, "confirm");
    check_error(f.post(port, "/hookbox/purge", R"({"webhook_id":"wh-gone","confirm":false})"), 400, "confirm");
    BOOST_TEST(f.outbox.stats().total() == 6u);  // nothing deleted
    reply purge = f.post(port, "/hookbox/purge", R"({"webhook_id":"wh-gone","confirm":true})");
    BOOST_TEST(purge.status == 200u);
    BOOST_TEST(purge.json().at("purged").as_int64() == 3);
    BOOST_TEST(f.outbox.stats().total() == 3u);

    reply spec = f.get(port, "/hookbox/openapi.json");
    BOOST_TEST(spec.status == 200u);
    BOOST_TEST(spec.json().at("servers").at(0).at("url").as_string() == "/hookbox");

    reply page = f.get(port, "/hookbox/");
    BOOST_TEST(page.status == 200u);
    BOOST_TEST(page.headers[http::field::content_type] == "text/html; charset=utf-8");
    BOOST_TEST(page.body.find("id=\"count-dead\"") != std::string::npos);
    BOOST_TEST(f.get(port, "/hookbox").status == 200u);
    // Without admin_params::metrics, there is no metrics route.
    check_error(f.get(port, "/hookbox/metrics"), 404, "path");
}

BOOST_AUTO_TEST_CASE(endpoints_are_listed_and_changed_through_the_health_store_or_the_dispatcher) {
    fixture f;
    {
        hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), f.params());
        admin_server server(handler);
        const auto port = server.port();
        reply list = f.get(port, "/hookbox/endpoints");
        BOOST_TEST(list.status == 200u);
        BOOST_TEST(list.json().at("control").as_string() == "health_store");
        auto eps = list.json().at("endpoints").as_array();
        BOOST_REQUIRE(eps.size() == 2u);  // wh-flaky (retrying), wh-gone (dead)
        BOOST_TEST(eps[1].at("webhook_id").as_string() == "wh-gone");
        BOOST_TEST(eps[1].at("dead").as_int64() == 3);
        BOOST_TEST(eps[0].at("retrying").as_int64() == 1);

        reply off = f.post(port, "/hookbox/endpoints/wh-gone/disable", R"({"reason":"410 Gone"})");
        BOOST_TEST(off.status == 200u);
        BOOST_TEST(off.json().at("endpoint").at("state").as_string() == "disabled");
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        auto kept = f.store->load(ec, diag);
        BOOST_REQUIRE(kept.size() == 1u);
        BOOST_TEST(kept[0].second.disabled);
        BOOST_TEST(kept[0].second.disabled_reason == "410 Gone");
        // A webhook with no delivery may be disabled too (percent-encoded in the path).
        BOOST_TEST(f.post(port, "/hookbox/endpoints/wh%20new/disable").status == 200u);
        reply after = f.get(port, "/hookbox/endpoints");
        BOOST_TEST(after.json().at("endpoints").as_array().size() == 3u);
        const json::value after_json = after.json();
        for (const auto& e : after_json.at("endpoints").as_array())
            BOOST_TEST((e.at("state").as_string() == "disabled") == (e.at("webhook_id").as_string() != "wh-flaky"));

        // An entry the store keeps for an endpoint that is healthy again is not listed.
        f.store->keep("wh-recovered", hookbox::endpoint_state{});
        BOOST_TEST(f.get(port, "/hookbox/endpoints").json().at("endpoints").as_array().size() == 3u);

        BOOST_TEST(f.post(port, "/hookbox/endpoints/wh-gone/enable").status == 200u);
        BOOST_TEST(f.store->load(ec, diag).size() == 2u);  // wh new, and the healthy wh-recovered
    }
    {
        recording_dispatcher d;
        hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox, d), f.params());
        admin_server server(handler);
        reply off = f.post(server.port(), "/hookbox/endpoints/wh-gone/disable", R"({"reason":"maintenance"})");
        BOOST_TEST(off.status == 202u);
        BOOST_TEST(off.json().at("requested").as_string() == "disable");
        BOOST_TEST(f.post(server.port(), "/hookbox/endpoints/wh-gone/enable").status == 202u);
        BOOST_TEST(f.get(server.port(), "/hookbox/endpoints").json().at("control").as_string() == "dispatcher");
        std::lock_guard lock(d.mutex);
        BOOST_TEST(d.calls == (std::vector<std::string>{"disable wh-gone maintenance", "enable wh-gone"}),
                   boost::test_tools::per_element());
    }
    {
        auto p = f.params();
        p.health_store.reset();
        hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), p);
        admin_server server(handler);
        reply r = f.post(server.port(), "/hookbox/endpoints/wh-gone/disable");
        check_error(r, 409, "health_store");
        BOOST_TEST(r.error_code() == "not_configured");
    }
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_naming_the_field) {
    fixture f;
    auto p = f.params();
    p.max_body_bytes = 256;
    hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), p);
    admin_server server(handler);
    const auto port = server.port();
    check_error(f.get(port, "/hookbox/deliveries?status=bogus"), 400, "status");
    check_error(f.get(port, "/hookbox/deliveries?limit=0"), 400, "limit");
    check_error(f.get(port, "/hookbox/deliveries?limit=1001"), 400, "limit");
    check_error(f.get(port, "/hookbox/deliveries?after=-1"), 400, "after");
    check_error(f.get(port, "/hookbox/deliveries?webhook=" + std::string(65, 'w')), 400, "webhook");
    check_error(f.get(port, "/hookbox/deliveries?colour=red"), 400, "colour");
    check_error(f.get(port, "/hookbox/deliveries?limit=1&limit=2"), 400, "limit");
    check_error(f.get(port, "/hookbox/deliveries?status=%zz"), 400, "status");
    check_error(f.get(port, "/hookbox/deliveries/not-a-uuid"), 400, "id");
    check_error(f.post(port, "/hookbox/deliveries/not-a-uuid/redeliver"), 400, "id");
    check_error(f.post(port, "/hookbox/replay", "{not json"), 400, "body");
    check_error(f.post(port, "/hookbox/replay", "[1]"), 400, "body");
    check_error(f.post(port, "/hookbox/replay", R"({"colour":"red"})"), 400, "colour");
    check_error(f.post(port, "/hookbox/replay", R"({"status":"pending"})"), 400, "status");
    check_error(f.post(port, "/hookbox/replay", R"({"status":7})"), 400, "status");
    check_error(f.post(port, "/hookbox/replay", R"({"created_from":"yesterday"})"), 400, "created_from");
    check_error(f.post(port, "/hookbox/replay", R"({"webhook_id":""})"), 400, "webhook_id");
    check_error(f.post(port, "/hookbox/replay", R"({"confirm":true})"), 400, "confirm");
    check_error(f.post(port, "/hookbox/purge", R"({"confirm":"yes"})"), 400, "confirm");
    check_error(f.post(port, "/hookbox/endpoints/wh-gone/disable", R"({"reason":5})"), 400, "reason");
    check_error(f.post(port, "/hookbox/endpoints/wh-gone/disable", R"({"reason":""})"), 400, "reason");
    check_error(f.post(port, "/hookbox/endpoints/wh-gone/enable", R"({"reason":"x"})"), 400, "reason");
    check_error(f.post(port, "/hookbox/endpoints/" + std::string(65, 'w') + "/disable"), 400, "webhook_id");
    check_error(f.post(port, "/hookbox/endpoints/wh%zz/disable"), 400, "webhook_id");
    check_error(f.post(port, "/hookbox/endpoints/wh%ff/disable"), 400, "webhook_id");  // not UTF-8
    check_error(f.post(port, "/hookbox/replay", "{\"webhook_id\":\"" + std::string(300, 'w') + "\"}"), 413, "body");

    reply m = f.post(port, "/hookbox/stats");
    check_error(m, 405, "method");
    BOOST_TEST(m.headers[http::field::allow] == "GET");
    reply m2 = f.get(port, "/hookbox/replay");
    check_error(m2, 405, "method");
    BOOST_TEST(m2.headers[http::field::allow] == "POST");
    check_error(f.keep(call(port, http::verb::delete_, "/hookbox/deliveries/" + f.dead_id.to_string())), 405, "method");
    check_error(f.get(port, "/hookbox/nothing"), 404, "path");
    check_error(f.get(port, "/hookbox/stats/"), 404, "path");
    check_error(f.get(port, "/hookbox//stats"), 404, "path");
    check_error(f.get(port, "/hookbox/deliveries/a/b/c"), 404, "path");
    // Nothing changed.
    BOOST_TEST(f.outbox.stats().count(hookbox::delivery_status::dead) == 3u);
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    BOOST_TEST(f.store->load(ec, diag).empty());

    // Odd requests are answered, never with a 5xx, and the server keeps serving.
    for (std::string target : std::vector<std::string>{"/", "*", "/hookbox/%", "/hookbox/%2", "/hookbox/deliveries/%00", "/hookbox/?token",
                               "/hookbox/deliveries?=&&=x&", "/hookbox/endpoints//disable",
                               "/hookbox/endpoints/%2F/disable", "/hookbox/" + std::string(4000, 'a')}) {
        for (auto verb : {http::verb::get, http::verb::post, http::verb::put, http::verb::head}) {
            reply r = f.keep(call(port, verb, target, verb == http::verb::post ? "\x01\xff{" : ""));
            BOOST_TEST(r.status < 500u, target << ": " << r.status);
        }
    }
    BOOST_TEST(f.get(port, "/hookbox/stats").status == 200u);
}

BOOST_AUTO_TEST_CASE(no_response_shows_a_secret) {
    fixture f;
    auto p = f.params();
    p.metrics = [](std::string& out) { out += "# TYPE hookbox_up gauge\nhookbox_up 1\n"; };
    hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), p);
    admin_server server(handler);
    const auto port = server.port();
    f.post(port, "/hookbox/endpoints/wh-gone/disable", R"({"reason":"gone"})");
    f.get(port, "/hookbox/?token=" + std::string(token));
    f.get(port, "/hookbox/");
    f.get(port, "/hookbox/stats");
    f.get(port, "/hookbox/endpoints");
    f.get(port, "/hookbox/openapi.json");
    reply metrics = f.get(port, "/hookbox/metrics");
    BOOST_TEST(metrics.status == 200u);
    BOOST_TEST(metrics.headers[http::field::content_type].starts_with("text/plain; version=0.0.4"));
    BOOST_TEST(metrics.body.find("hookbox_up 1") != std::string::npos);
    for (auto status : {"", "?status=success", "?status=dead", "?status=pending", "?webhook=wh-ok"})
        f.get(port, std::string("/hookbox/deliveries") + status);
    for (const auto& id : {f.delivered_id, f.dead_id, f.pending_id})
        f.get(port, "/hookbox/deliveries/" + id.to_string());
    f.post(port, "/hookbox/deliveries/" + f.delivered_id.to_string() + "/redeliver");
    f.post(port, "/hookbox/replay", R"({"status":"dead"})");
    f.get(port, "/hookbox/deliveries/" + f.delivered_id.to_string());
    f.post(port, "/hookbox/purge", R"({"status":"pending","confirm":true})");
    BOOST_TEST(f.responses.size() >= 15u);
    for (const auto& raw : f.responses) {
        for (std::string_view secret_text : {secret, receiver_credential, api_key, token}) {
            BOOST_TEST(raw.find(secret_text) == std::string::npos, "'" << secret_text << "' in: " << raw.substr(0, 300));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_openapi_document_lists_exactly_the_routes_served) {
    fixture f;
    auto p = f.params();
    p.prefix = "/ops/admin";
    p.metrics = [](std::string& out) { out += "hookbox_up 1\n"; };
    hookbox::admin_handler handler(hookbox::make_admin_target(f.outbox), p);
    admin_server server(handler);
    reply spec = f.get(server.port(), "/ops/admin/openapi.json");
    BOOST_REQUIRE(spec.status == 200u);
    json::value doc = spec.json();
    BOOST_TEST(doc.at("openapi").as_string().starts_with("3.0"));
    BOOST_TEST(doc.at("servers").at(0).at("url").as_string() == "/ops/admin");

    std::set<std::string> documented, served;
    for (const auto& [path, item] : doc.at("paths").as_object())
        for (const auto& [method, op] : item.as_object()) {
            std::string m(method);
            for (auto& c : m)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            documented.insert(m + " " + std::string(path));
            BOOST_TEST(op.as_object().contains("responses"), path);
        }
    for (const auto& r : hookbox::admin_handler::routes())
        served.insert(std::string(r.method) + " " + std::string(r.path));
    BOOST_TEST(documented == served, boost::test_tools::per_element());

    // Every documented route is served: a concrete request reaches it (neither 404 for the path nor 405).
    const auto& schemas = doc.at("components").at("schemas").as_object();
    for (const auto& route : documented) {
        const std::string method = route.substr(0, route.find(' '));
        const std::string path = route.substr(route.find(' ') + 1);
        std::string target = path;
        if (auto at = target.find("{id}"); at != std::string::npos)
            target.replace(at, 4, f.dead_id.to_string());
        if (auto at = target.find("{webhook_id}"); at != std::string::npos)
            target.replace(at, 12, "wh-gone");
        std::string body = path == "/purge" ? R"({"confirm":true,"status":"success"})" : (method == "POST" ? "{}" : "");
        reply r = f.keep(call(server.port(), method == "GET" ? http::verb::get : http::verb::post, "/ops/admin" + target, body));
        BOOST_TEST((r.status == 200u || r.status == 202u), method << " " << path << ": " << r.status << " " << r.body);
    }
    // Every schema a route refers to is defined.
    std::string text = spec.body;
    for (std::size_t at = text.find("#/components/schemas/"); at != std::string::npos;
         at = text.find("#/components/schemas/", at + 1)) {
        const std::size_t begin = at + std::string_view("#/components/schemas/").size();
        std::string name = text.substr(begin, text.find('"', begin) - begin);
        BOOST_TEST(schemas.contains(name), name);
    }
}

BOOST_AUTO_TEST_SUITE_END()
