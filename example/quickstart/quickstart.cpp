//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The quickstart: durable, signed webhook delivery from end to end, in one process.
//
//   1. An outbox in a SQLite file, or in PostgreSQL.
//   2. Three HTTP receivers on 127.0.0.1, each checking the Standard Webhooks signature of every
//      request: "healthy" answers 200, "flaky" answers 503 to about 30% of requests and is too slow
//      for about 10%, "gone" answers 410 Gone.
//   3. A few thousand signed events enqueued in batches, most for healthy, some for flaky, a few
//      for gone.
//   4. One dispatcher that claims, sends, retries and acks them, with the ObjectStack outbox's retry
//      schedule compressed from 31 hours to about a minute.
//   5. Live progress, until every delivery is delivered or dead.
//   6. A summary: what was delivered, retried and given up on, and how long attempts took.
//   7. With --admin, the admin API and its status page (doc/admin.md) on 127.0.0.1, for watching
//      the run and replaying its dead letters.
//
// Usage: hookbox_quickstart [--events N] [--fast] [--admin PORT [--linger]] [DATABASE]
//   --events N    how many events to enqueue (default 3000)
//   --fast        compress the retry schedule to about 2 seconds (for tests)
//   --admin PORT  serve the admin API and the status page on 127.0.0.1:PORT (0: any free port), and
//                 print the page's address with its token
//   --linger      after the run, keep serving the admin API (the dispatcher stopped, so replayed
//                 deliveries wait as pending) until SIGINT or SIGTERM
//   DATABASE    the SQLite file, deleted first (default: hookbox-quickstart.sqlite in the temp
//               directory); or a postgresql:// (or postgres://) URI of a database whose outbox
//               table is empty or absent (scripts/demo.sh --postgres starts a throw-away server)

#include <hookbox.hpp>
#include <hookbox/dispatch/dispatcher.hpp>  // link hookbox::http
#include <hookbox/sqlite_outbox.hpp>  // link hookbox::sqlite
#ifdef HOOKBOX_QUICKSTART_POSTGRES
#include <hookbox/postgres_outbox.hpp>  // link hookbox::postgres
#endif
#include <hookbox/admin/admin_handler.hpp>  // link hookbox::http
#include <hookbox/dispatch/health_store.hpp>
#include <hookbox/observe/metrics.hpp>
#include <hookbox/http/beast_sender.hpp>
#include <hookbox/signing/verify.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <csignal>

#include <unistd.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// The subscriptions: one webhook per receiver, each with its own signing secret.

enum class behaviour { healthy, flaky, gone };

//[subscriptions
struct subscription {
    const char* name;
    const char* webhook_id;
    const char* secret; // Standard Webhooks key: "whsec_" + base64
    behaviour kind;
};

const subscription subscriptions[] = {
    {"healthy", "wh-healthy", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", behaviour::healthy},
    {"flaky", "wh-flaky", "whsec_HO9i3KHon4r9Yq6aaxCKhZPipsire0cZ", behaviour::flaky},
    {"gone", "wh-gone", "whsec_TIMO+/yA7HrUAffQcL8l8AzxKMmXMUzA", behaviour::gone},
};
//]

// Event i goes to gone when i % 30 == 0 (about 3%), to flaky when i % 10 is 1, 4 or 7 (30%), and
// to healthy otherwise. Returns the index in `subscriptions`.
std::size_t subscriber_of(int event) {
    if (event % 30 == 0)
        return 2;
    int r = event % 10;
    return r == 1 || r == 4 || r == 7 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// A receiver: a small HTTP/1.1 server on Boost.Beast, one coroutine per connection. It verifies
// each request's signature (counting the bad ones, answered 401) and answers as its kind says.

struct receiver_counts {
    std::atomic<std::uint64_t> requests{0}, ok{0}, unavailable{0}, too_slow{0}, gone{0}, bad_signatures{0};
};

class receiver {
public:
    receiver(asio::io_context& io, const subscription& sub, std::chrono::milliseconds slow)
        : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}), kind_(sub.kind),
          key_(hookbox::signing::secret::parse(sub.secret)), slow_(slow) {
        asio::co_spawn(io, accept(), asio::detached);
    }

    std::string url() const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hooks";
    }
    const receiver_counts& counts() const { return counts_; }

private:
    asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return;
            asio::co_spawn(acceptor_.get_executor(), session(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> session(asio::ip::tcp::socket socket) {
        beast::tcp_stream stream(std::move(socket));
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            auto [read_ec, read_n] =
                co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
            if (read_ec)
                co_return; // the sender closed the connection
            ++counts_.requests;

            auto status = http::status::ok;
            if (!signature_ok(req)) {
                ++counts_.bad_signatures;
                status = http::status::unauthorized;
            } else if (kind_ == behaviour::gone) {
                ++counts_.gone;
                status = http::status::gone;
            } else if (kind_ == behaviour::flaky) {
                int d = draw(req);
                if (d < 30) {
                    ++counts_.unavailable;
                    status = http::status::service_unavailable;
                } else if (d < 40) {
                    // Answer only after the sender's request timeout: the attempt times out.
                    ++counts_.too_slow;
                    asio::steady_timer timer(co_await asio::this_coro::executor, slow_);
                    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                } else {
                    ++counts_.ok;
                }
            } else {
                ++counts_.ok;
            }

            http::response<http::string_body> res{status, req.version()};
            res.set(http::field::content_type, "text/plain");
            res.body() = std::string(http::obsolete_reason(status));
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            auto [write_ec, write_n] =
                co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (write_ec || !res.keep_alive())
                co_return;
        }
    }

    //[verify
    // Standard Webhooks: `webhook-signature` must be the HMAC of `{webhook-id}.{webhook-timestamp}.{body}`
    // under our key, and the timestamp within five minutes of now.
    bool signature_ok(const http::request<http::string_body>& req) const {
        std::vector<hookbox::header> headers;
        for (const auto& field : req)
            headers.push_back({std::string(field.name_string()), std::string(field.value())});
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
            std::chrono::system_clock::now().time_since_epoch());
        return hookbox::signing::verify(headers, req.body(), std::span(&key_, 1), now.count()) ==
               hookbox::signing::verify_result::ok;
    }
    //]

    // The flaky receiver's dice, in [0, 100): drawn from the body and from how many times this
    // message (`webhook-id`) arrived, so that every run gets the same answers.
    int draw(const http::request<http::string_body>& req) {
        std::uint64_t n = ++arrivals_[std::string(req["webhook-id"])];
        std::uint64_t x = std::hash<std::string_view>{}(req.body()) + n * 0x9e3779b97f4a7c15ull;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull; // splitmix64's finaliser
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        return static_cast<int>((x ^ (x >> 31)) % 100);
    }

    asio::ip::tcp::acceptor acceptor_;
    behaviour kind_;
    hookbox::signing::secret key_;
    std::chrono::milliseconds slow_;
    std::unordered_map<std::string, std::uint64_t> arrivals_; // receiver thread only
    receiver_counts counts_;
};

// ---------------------------------------------------------------------------------------------
// The outbox's observer: wakes the dispatcher on enqueue (notify_on_enqueue) and records every
// attempt. Hooks run on the thread that called the outbox (the dispatcher's storage thread).

class attempt_log {
public:
    struct totals {
        std::uint64_t attempts = 0, delivered = 0, retried = 0, awaiting_retry = 0;
        std::uint64_t dead = 0, dead_gone = 0, dead_exhausted = 0; // 410; retriable but out of retries
    };

    void record(const hookbox::delivery_id& id, const hookbox::attempt_result& r) {
        std::lock_guard lock(mutex_);
        durations_.push_back(r.duration);
        ++t_.attempts;
        switch (r.outcome) {
        case hookbox::attempt_outcome::success:
            ++t_.delivered;
            break;
        case hookbox::attempt_outcome::retry:
            ++t_.retried;
            break;
        case hookbox::attempt_outcome::dead:
            ++t_.dead;
            t_.dead_gone += r.http_status == 410;
            t_.dead_exhausted += hookbox::classify(r.http_status) == hookbox::attempt_class::retriable;
            break;
        }
        if (r.outcome == hookbox::attempt_outcome::retry)
            awaiting_retry_.insert(id);
        else
            awaiting_retry_.erase(id);
    }

    totals get() const {
        std::lock_guard lock(mutex_);
        totals t = t_;
        t.awaiting_retry = awaiting_retry_.size();
        return t;
    }

    // The attempt duration below which a fraction q of attempts fall (nearest rank).
    std::chrono::milliseconds percentile(double q) const {
        std::lock_guard lock(mutex_);
        if (durations_.empty())
            return 0ms;
        std::vector<std::chrono::milliseconds> d = durations_;
        std::size_t rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(d.size())));
        std::size_t i = std::clamp<std::size_t>(rank, 1, d.size()) - 1;
        std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(i), d.end());
        return d[i];
    }

private:
    mutable std::mutex mutex_;
    totals t_;
    std::vector<std::chrono::milliseconds> durations_;
    std::unordered_set<hookbox::delivery_id> awaiting_retry_;
};

//[outbox_types
struct demo_observer : hookbox::notify_on_enqueue {
    std::shared_ptr<attempt_log> log;
    hookbox::metrics_observer metrics{};  // the counters the admin API serves at /metrics

    void on_enqueue(const hookbox::enqueue_result& r) const {
        notify_on_enqueue::on_enqueue(r);
        metrics.on_enqueue(r);
    }
    void on_attempt(const hookbox::delivery_id& id, const hookbox::attempt_result& r) const {
        log->record(id, r);
        metrics.on_attempt(id, r);
    }
    void on_dead(const hookbox::delivery_id& id, const hookbox::attempt_result& r) const {
        metrics.on_dead(id, r);
    }
    void on_endpoint_event(const hookbox::endpoint_event& e) const { metrics.on_endpoint_event(e); }

    // What went wrong in the background, where nothing else would say it: a storage call that
    // failed (it is retried), or a request the sender refused before sending (the address policy
    // forbids the receiver's address: the delivery is dead at its first attempt).
    void on_error(const hookbox::error_code& ec, const hookbox::diagnostics& diag, std::string_view what) const {
        std::fprintf(stderr, "hookbox %.*s: %s (%s)\n", int(what.size()), what.data(), diag.message().c_str(),
                     ec.message().c_str());
        metrics.on_error(ec, diag, what);
    }
};

// The outbox over a storage: hookbox::sqlite_storage or hookbox::postgres_storage.
template <class Storage>
using demo_outbox = hookbox::
    basic_outbox<Storage, std::chrono::system_clock, hookbox::fnv1a_partition_hasher, demo_observer>;
// The sender and the dispatcher on the io_context's own executor type (no type-erased executor).
using io_executor = boost::asio::io_context::executor_type;
using demo_sender = hookbox::basic_beast_sender<io_executor>;
template <class Storage>
using demo_dispatcher = hookbox::dispatcher<demo_outbox<Storage>, demo_sender, io_executor>;
//]

//[open_storage
// The SQLite file, deleted first; opening it creates the file and its tables (WAL mode).
hookbox::sqlite_storage open_sqlite(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm"})
        std::filesystem::remove(path + suffix);
    return hookbox::sqlite_storage(hookbox::engine::sqlite_engine({.path = path}));
}
//]

#ifdef HOOKBOX_QUICKSTART_POSTGRES
//[open_postgres
// A PostgreSQL database, by its URI; opening the storage creates its tables there.
hookbox::postgres_storage open_postgres(const std::string& uri) {
    return hookbox::postgres_storage(hookbox::engine::postgres_engine({.conninfo = uri}));
}
//]
#endif

bool is_postgres_uri(std::string_view database) {
    return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

// ---------------------------------------------------------------------------------------------
// The admin API (--admin): hookbox::admin_handler mounted in a small Beast server on 127.0.0.1,
// served by its own io_context on its own thread, since the handler's calls on the outbox block for
// their SQL statements. Endpoint health (kept in memory here) is what its endpoint routes show and
// change.

//[admin_server
class admin_server {
public:
    admin_server(const hookbox::admin_handler& handler, unsigned short port)
        : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), port}), handler_(handler),
          page_url_("http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
                    handler.params().prefix + "/?token=" + handler.params().token) {
        asio::co_spawn(io_, accept(acceptor_, handler_), asio::detached);
        thread_ = std::thread([&io = io_] { io.run(); });
    }
    ~admin_server() {
        io_.stop();
        thread_.join();
    }
    admin_server(const admin_server&) = delete;
    admin_server& operator=(const admin_server&) = delete;

    // The status page, with the token to open it once.
    const std::string& page_url() const { return page_url_; }

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
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(handler.params().max_body_bytes);
            stream.expires_after(60s);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
            if (ec)
                co_return;
            auto res = handler(parser.get());
            auto [write_ec, write_n] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (write_ec || !res.keep_alive())
                co_return;
        }
    }

    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    const hookbox::admin_handler& handler_;
    std::string page_url_;
    std::thread thread_;
};
//]

// With `on`, the dispatcher tracks endpoint health and keeps it in memory, where the admin API
// reads it; only an operator disables an endpoint (no circuit breaker, no disabling on 410), so
// the run and its summary are those without it.
void track_endpoints(hookbox::dispatcher_params& dp, bool on) {
    if (!on)
        return;
    hookbox::endpoint_health_params hp;
    hp.failure_threshold = 0;
    hp.disable_after = 0ms;
    hp.disable_on_gone = false;
    dp.health = hp;
    dp.health_store = std::make_shared<hookbox::memory_health_store>();  // read by the admin API too
}

// 32 random hex digits.
std::string random_token() {
    std::random_device rd;
    static constexpr char hex[] = "0123456789abcdef";
    std::string t;
    for (int i = 0; i < 8; ++i) {
        auto v = rd();
        for (int j = 0; j < 4; ++j)
            t += hex[(v >> (j * 8)) & 0xF];
    }
    return t;
}

// ---------------------------------------------------------------------------------------------
// Output helpers.

std::string human(double ms) {
    char buf[32];
    if (ms < 1)
        std::snprintf(buf, sizeof buf, "%.2f ms", ms);
    else if (ms < 10)
        std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    else if (ms < 1000)
        std::snprintf(buf, sizeof buf, "%.0f ms", ms);
    else if (ms < 60000)
        std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
    else if (ms < 3600000)
        std::snprintf(buf, sizeof buf, "%.1f min", ms / 60000);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", ms / 3600000);
    return buf;
}

std::string human(std::chrono::milliseconds d) {
    return human(static_cast<double>(d.count()));
}

double seconds_since(steady::time_point t) {
    return std::chrono::duration<double>(steady::now() - t).count();
}

// Progress: one line redrawn in place on a terminal, one line every two seconds otherwise.
class progress {
public:
    progress(std::size_t total, steady::time_point start)
        : tty_(isatty(STDOUT_FILENO) != 0), total_(total), start_(start), next_line_(start) {}

    void update(const hookbox::outbox_stats& st, const attempt_log::totals& t, bool final = false) {
        auto now = steady::now();
        history_.emplace_back(now, t.attempts);
        while (history_.size() > 2 && now - history_[1].first >= 1s)
            history_.pop_front();
        double window = std::chrono::duration<double>(now - history_.front().first).count();
        double rate = window > 0 ? static_cast<double>(t.attempts - history_.front().second) / window : 0;

        std::size_t delivered = st.count(hookbox::delivery_status::success);
        std::size_t dead = st.count(hookbox::delivery_status::dead);
        std::size_t done = delivered + dead;
        double elapsed = seconds_since(start_);
        if (tty_) {
            constexpr int width = 30;
            int filled = total_ ? static_cast<int>(width * done / total_) : width;
            std::string bar(static_cast<std::size_t>(filled), '#');
            bar.resize(width, '.');
            std::printf(
                "\r  [%s] %zu/%zu  delivered %zu  retrying %llu  dead %zu  %5.0f attempts/s  %5.1f s\x1b[K",
                bar.c_str(), done, total_, delivered, static_cast<unsigned long long>(t.awaiting_retry), dead,
                rate, elapsed);
            if (final)
                std::printf("\n");
            std::fflush(stdout);
        } else if (final || now >= next_line_) {
            std::printf("  %5.1f s  %zu/%zu done: delivered %zu, retrying %llu, dead %zu, %.0f attempts/s\n",
                        elapsed, done, total_, delivered, static_cast<unsigned long long>(t.awaiting_retry),
                        dead, rate);
            std::fflush(stdout);
            while (next_line_ <= now)
                next_line_ += 2s;
        }
    }

private:
    bool tty_;
    std::size_t total_;
    steady::time_point start_;
    steady::time_point next_line_;
    std::deque<std::pair<steady::time_point, std::uint64_t>> history_;
};

struct options {
    int events = 3000;
    bool fast = false;
    int admin_port = -1;  // no admin API
    bool linger = false;
    std::string database = (std::filesystem::temp_directory_path() / "hookbox-quickstart.sqlite").string();
};

options parse_options(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--events" && i + 1 < argc) {
            o.events = std::atoi(argv[++i]);
        } else if (a == "--fast") {
            o.fast = true;
        } else if (a == "--admin" && i + 1 < argc) {
            o.admin_port = std::atoi(argv[++i]);
            if (o.admin_port < 0 || o.admin_port > 65535) {
                std::fprintf(stderr, "--admin: must be a port, 0 to 65535 (0: any free port)\n");
                std::exit(2);
            }
        } else if (a == "--linger") {
            o.linger = true;
        } else if (!a.starts_with("-")) {
            o.database = a;
        } else {
            std::fprintf(stderr, "usage: %s [--events N] [--fast] [--admin PORT [--linger]] [DATABASE]\n",
                         argv[0]);
            std::exit(2);
        }
    }
    if (o.linger && o.admin_port < 0) {
        std::fprintf(stderr, "--linger: needs --admin\n");
        std::exit(2);
    }
    if (o.events < 1) {
        std::fprintf(stderr, "--events: must be at least 1\n");
        std::exit(2);
    }
    return o;
}

// The demo over an opened storage; `where` names it in the output.
template <class Storage>
int run(const options& opt, Storage opened, const char* where) {
    const auto start = steady::now();

    //[retry
    // The retry schedule: retry_params::scale multiplies every delay of the ObjectStack outbox's
    // schedule (1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 24 h: 31 hours). It is 1 in production; here 1/2000 turns the
    // schedule into 56 seconds, and --fast (1/50000) into about 2 seconds.
    hookbox::retry_params retry;
    retry.scale = opt.fast ? 0.00002 : 0.0005;
    //]

    const auto request_timeout = 1s; // per attempt, once connected
    const auto connect_timeout = 2s; // waiting for a pooled connection, connecting
    const auto claim_ttl = 10s;      // must exceed 1 s + 2 s + ack_margin (5 s by default)
    const auto cap = 3min;           // the demo gives up after this

    //[outbox
    // 1. The outbox, on the storage main() opened: a SQLite file or a PostgreSQL database.
    auto wake = std::make_shared<hookbox::wakeup>();
    auto log = std::make_shared<attempt_log>();
    hookbox::metrics_registry metrics;
    demo_outbox<Storage> outbox({}, std::move(opened), {}, {},
                                demo_observer{{wake}, log, hookbox::metrics_observer(metrics)});
    //]
    // The summary counts every row of the outbox: it must start empty.
    if (auto rows = outbox.stats().total(); rows != 0) {
        std::fprintf(stderr, "quickstart: %s holds %zu deliveries already; give it an empty database\n",
                     opt.database.c_str(), rows);
        return 2;
    }

    // 2. Three receivers on loopback, served by their own io_context on their own thread. The
    //    flaky one's slow answers come half a second after the sender has given up.
    asio::io_context receiver_io;
    std::vector<std::unique_ptr<receiver>> receivers;
    for (const auto& sub : subscriptions)
        receivers.push_back(std::make_unique<receiver>(receiver_io, sub, request_timeout + 500ms));
    std::thread receiver_thread([&] { receiver_io.run(); });

    std::printf("hookbox quickstart\n");
    std::printf("  outbox      %s (%s)\n", opt.database.c_str(), where);
    const char* answers[] = {"200", "30% 503, 10% too slow, else 200", "410 Gone"};
    for (std::size_t i = 0; i < receivers.size(); ++i)
        std::printf("%s%-8s %s  (%s)\n", i == 0 ? "  receivers   " : "              ", subscriptions[i].name,
                    receivers[i]->url().c_str(), answers[i]);
    double schedule_ms = 0;
    for (auto d : retry.schedule)
        schedule_ms += static_cast<double>(d.count());
    std::printf(
        "  retries     the ObjectStack outbox's schedule x 1/%.0f (retry_params::scale): its %s take %s\n              ",
        1 / retry.scale, human(schedule_ms).c_str(), human(schedule_ms * retry.scale).c_str());
    for (auto d : retry.schedule)
        std::printf("%s, ", human(static_cast<double>(d.count()) * retry.scale).c_str());
    std::printf("then dead\n");
    std::printf("  dispatcher node demo-1, request timeout %s, claim TTL %s\n\n",
                human(request_timeout).c_str(), human(claim_ttl).c_str());

    //[dispatcher
    // 3. The dispatcher: an HTTP sender allowed to reach loopback, and one node claiming from the
    //    outbox, woken by each enqueue. It runs on its own io_context thread.
    asio::io_context io;
    hookbox::sender_params sp;
    sp.addresses = hookbox::http::address_policy::loopback_allowed();
    sp.connect_timeout = connect_timeout;
    sp.max_connections_per_origin = 64;
    demo_sender sender(io.get_executor(), sp);

    hookbox::dispatcher_params dp;
    dp.node_id = "demo-1";
    dp.batch_size = 64;
    dp.max_in_flight = 256;
    dp.poll_interval = 50ms; // how soon a retry that came due is picked up
    dp.request_timeout = request_timeout;
    dp.claim_ttl = claim_ttl;
    dp.wakeup = wake;
    track_endpoints(dp, opt.admin_port >= 0); // with --admin: endpoints the admin API shows and changes
    asio::thread_pool storage(1); // storage calls block: they run here, never on the I/O thread
    demo_dispatcher<Storage> dispatcher(io.get_executor(), storage.get_executor(), outbox, sender, dp,
                                        hookbox::default_retry_policy(retry));

    std::promise<hookbox::error_code> run_done;
    auto run_result = run_done.get_future();
    dispatcher.async_run([&](hookbox::error_code ec) { run_done.set_value(ec); });
    std::thread io_thread([&] { io.run(); });
    //]

    //[admin
    // The admin API (--admin), on the outbox, the dispatcher and the health store.
    std::optional<hookbox::admin_handler> admin;
    std::optional<admin_server> admin_http;
    if (opt.admin_port >= 0) {
        hookbox::admin_params ap;
        ap.token = random_token();
        ap.health_store = dp.health_store;
        // GET /hookbox/metrics: the counters, and each partition's queue read when it is scraped.
        ap.metrics = [&metrics, &outbox](std::string& out) { metrics.scrape(outbox, out); };
        admin.emplace(hookbox::make_admin_target(outbox, dispatcher), std::move(ap));
        admin_http.emplace(*admin, static_cast<unsigned short>(opt.admin_port));
        std::printf("  admin       %s\n", admin_http->page_url().c_str());
    }
    //]

    //[enqueue
    // 4. Enqueue signed events, 100 per transaction. Deliveries start while this goes on.
    const auto enqueue_start = steady::now();
    std::size_t created = 0;
    std::size_t per_kind[3] = {0, 0, 0};
    constexpr int batch = 100;
    for (int first = 1; first <= opt.events; first += batch) {
        std::vector<hookbox::enqueue_request> reqs;
        for (int i = first; i < first + batch && i <= opt.events; ++i) {
            std::size_t who = subscriber_of(i);
            const subscription& sub = subscriptions[who];
            hookbox::enqueue_request r;
            r.webhook_id = sub.webhook_id;
            r.event_id = "evt-" + std::to_string(i);
            r.event_type = "order.created";
            r.url = receivers[who]->url();
            r.secret = sub.secret;
            r.payload = hookbox::payload::parse(R"({"type":"order.created","order":)" + std::to_string(i) +
                                                R"(,"total":"19.90"})");
            reqs.push_back(std::move(r));
            ++per_kind[who];
        }
        for (const auto& res : outbox.enqueue_many(std::move(reqs)))
            created += res.created;
    }
    //]
    std::printf("enqueued %zu deliveries in %s: %zu for healthy, %zu for flaky, %zu for gone\n", created,
                human(1000 * seconds_since(enqueue_start)).c_str(), per_kind[0], per_kind[1], per_kind[2]);

    // 5. Watch until every delivery is delivered or dead, or until the cap.
    progress bar(created, start);
    bool finished = false;
    for (auto tick = steady::now();; tick += 100ms) {
        auto st = outbox.stats();
        finished =
            st.count(hookbox::delivery_status::success) + st.count(hookbox::delivery_status::dead) == created;
        bool out_of_time = steady::now() - start >= cap;
        bar.update(st, log->get(), finished || out_of_time);
        if (finished || out_of_time)
            break;
        std::this_thread::sleep_until(tick + 100ms); // the redraw rate
    }
    if (!finished)
        std::printf("stopped: not every delivery was delivered or dead after %s\n", human(cap).c_str());

    //[stop
    // 6. Stop: the dispatcher drains (no more claims, requests in flight finish, acks written) and
    //    its run completes; then the receivers stop.
    dispatcher.cancel();
    hookbox::error_code run_ec = run_result.get();
    io_thread.join();
    receiver_io.stop();
    receiver_thread.join();
    //]
    const double wall = seconds_since(start);

    // 7. The summary.
    auto st = outbox.stats();
    auto t = log->get();
    std::size_t delivered = st.count(hookbox::delivery_status::success);
    std::size_t dead = st.count(hookbox::delivery_status::dead);
    std::uint64_t bad_signatures = 0, requests = 0;
    for (const auto& r : receivers) {
        bad_signatures += r->counts().bad_signatures;
        requests += r->counts().requests;
    }
    auto p50 = log->percentile(0.50);
    auto p99 = log->percentile(0.99);

    std::printf("\nsummary\n");
    std::printf("  deliveries enqueued            %6zu\n", created);
    std::printf("  delivered                      %6zu\n", delivered);
    std::printf("  retried                        %6llu  attempts that ended in a retry (503, timeout)\n",
                static_cast<unsigned long long>(t.retried));
    std::printf("  dead                           %6zu  %llu answered 410 Gone, %llu ran out of retries",
                dead, static_cast<unsigned long long>(t.dead_gone),
                static_cast<unsigned long long>(t.dead_exhausted));
    if (auto other = t.dead - t.dead_gone - t.dead_exhausted)
        std::printf(", %llu refused otherwise", static_cast<unsigned long long>(other));
    std::printf("\n");
    std::printf("  bad signatures at receivers    %6llu\n", static_cast<unsigned long long>(bad_signatures));
    std::printf("  attempts                       %6llu  receivers saw %llu requests\n",
                static_cast<unsigned long long>(t.attempts), static_cast<unsigned long long>(requests));
    std::printf("  attempt latency p50 / p99      %6s / %s\n", human(p50).c_str(), human(p99).c_str());
    std::printf("  wall time                      %6.1f s\n\n", wall);

    std::printf("  receiver  requests     200     503  too slow     410  bad signature\n");
    for (std::size_t i = 0; i < receivers.size(); ++i) {
        const auto& c = receivers[i]->counts();
        std::printf("  %-8s  %8llu  %6llu  %6llu  %8llu  %6llu  %13llu\n", subscriptions[i].name,
                    static_cast<unsigned long long>(c.requests.load()),
                    static_cast<unsigned long long>(c.ok.load()),
                    static_cast<unsigned long long>(c.unavailable.load()),
                    static_cast<unsigned long long>(c.too_slow.load()),
                    static_cast<unsigned long long>(c.gone.load()),
                    static_cast<unsigned long long>(c.bad_signatures.load()));
    }

    // It adds up when every delivery ended, each once; every delivery for gone died of its 410;
    // and every signature checked out.
    bool ok = finished && created == static_cast<std::size_t>(opt.events) && delivered + dead == created &&
              t.delivered == delivered && t.dead == dead && t.dead_gone == per_kind[2] &&
              bad_signatures == 0 && run_ec == asio::error::operation_aborted;
    std::printf("\nquickstart: %s\n", ok ? "ok" : "UNEXPECTED RESULT");

    if (opt.linger) {
        // Serve the admin API until SIGINT or SIGTERM. The dispatcher's run has ended, so replayed
        // deliveries wait as pending; its I/O thread runs again, to apply endpoint changes.
        auto io_work = asio::make_work_guard(io);
        io.restart();
        std::thread linger_thread([&io] { io.run(); });
        asio::io_context signal_io;
        asio::signal_set signals(signal_io, SIGINT, SIGTERM);
        signals.async_wait([](const hookbox::error_code&, int) {});
        std::printf("admin: serving %s until SIGINT or SIGTERM\n", admin_http->page_url().c_str());
        std::fflush(stdout);
        signal_io.run();
        admin_http.reset();
        io_work.reset();
        linger_thread.join();
    }
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    const options opt = parse_options(argc, argv);
    try {
        if (is_postgres_uri(opt.database)) {
#ifdef HOOKBOX_QUICKSTART_POSTGRES
            return run(opt, open_postgres(opt.database), "PostgreSQL");
#else
            std::fprintf(stderr, "quickstart: %s: this build has no PostgreSQL support (hookbox::postgres)\n",
                         opt.database.c_str());
            return 2;
#endif
        }
        return run(opt, open_sqlite(opt.database), "SQLite");
    } catch (const hookbox::error_with_diagnostics& e) {
        std::fprintf(stderr, "quickstart: %s: %s\n", opt.database.c_str(), e.what());
        return 1;
    }
}
