//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The `hookbox` command-line tool's views, run as a subprocess on SQLite outbox files: `list` by
// event and creation time, `show --event`, `watch` (its frames read as they come, the outbox changed
// between two of them, its end on SIGINT and SIGTERM), and `completion` (each script against the
// command table, checked by the shells themselves, and bash's completion function run).

#include "common/temp_dir.hpp"
#include "common/test_common.hpp"

#include <hookbox/engine/sqlite_engine.hpp>
#include <hookbox/outbox.hpp>
#include <hookbox/storage/sql_storage.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace hookbox::test {

namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

using sqlite_storage = sql_storage<engine::sqlite_engine>;
using file_outbox = basic_outbox<sqlite_storage, manual_clock>;

// ----- running a program -----

struct run_result {
    int status = -1;  // the exit status, or 128 + the signal that ended the process
    std::string out;
    std::string err;
};

// A program run with exactly these arguments (no shell), stdin from /dev/null, its signals at their
// defaults and unblocked. Its stdout can be read a line at a time while it runs; `finish` drains
// both pipes at once and waits for it. Every wait is bounded; a process still running when the
// object is destroyed is killed.
class child {
public:
    explicit child(std::vector<std::string> argv) {
        int out_pipe[2], err_pipe[2];
        BOOST_REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
        BOOST_REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none, defaults;
        sigemptyset(&none);
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGINT);
        sigaddset(&defaults, SIGTERM);
        sigaddset(&defaults, SIGPIPE);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &defaults);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        std::vector<char*> args;
        for (auto& a : argv)
            args.push_back(a.data());
        args.push_back(nullptr);
        const int rc = posix_spawn(&pid_, argv.front().c_str(), &fa, &attr, args.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        out_ = out_pipe[0];
        err_ = err_pipe[0];
        if (rc != 0) {
            pid_ = -1;
            BOOST_FAIL("posix_spawn " << argv.front() << " failed: " << rc);
        }
    }

    child(const child&) = delete;
    child& operator=(const child&) = delete;

    ~child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        close_fd(out_);
        close_fd(err_);
    }

    // The next line of stdout, its '\n' included; nothing when stdout ends or `limit` passes first.
    std::optional<std::string> read_line(std::chrono::milliseconds limit = 30s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        for (;;) {
            if (auto nl = result_.out.find('\n', taken_); nl != std::string::npos) {
                std::string line = result_.out.substr(taken_, nl + 1 - taken_);
                taken_ = nl + 1;
                return line;
            }
            if (out_ < 0 || !pump(until))
                return std::nullopt;
        }
    }

    void signal(int sig) { BOOST_REQUIRE(::kill(pid_, sig) == 0); }

    // Reads both pipes to their end (at most `limit`), then waits for the process.
    run_result finish(std::chrono::milliseconds limit = 60s) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (out_ >= 0 || err_ >= 0)
            if (!pump(until)) {
                BOOST_FAIL("the process did not end within " << limit.count() << " ms");
            }
        int status = 0;
        BOOST_REQUIRE(::waitpid(pid_, &status, 0) == pid_);
        pid_ = -1;
        result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result_.out.erase(0, taken_);
        taken_ = 0;
        return result_;
    }

private:
    static void close_fd(int& fd) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }

    // Reads what either pipe has, waiting until `until` at most: false when the time is up.
    bool pump(std::chrono::steady_clock::time_point until) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
        const int n = ::poll(fds, 2, static_cast<int>(left.count()));
        if (n < 0)
            return errno == EINTR;
        if (n == 0)
            return false;
        int* owned[2] = {&out_, &err_};
        std::string* sinks[2] = {&result_.out, &result_.err};
        char buf[4096];
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0)
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            else if (got == 0 || errno != EINTR)
                close_fd(*owned[i]);
        }
        return true;
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    run_result result_;
    std::size_t taken_ = 0;  // bytes of stdout already returned by read_line
};

std::vector<std::string> tool(std::vector<std::string> args) {
    args.insert(args.begin(), HOOKBOX_TEST_CLI);
    return args;
}

run_result run_cli(std::vector<std::string> args) { return child(tool(std::move(args))).finish(); }

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

json::value parse_line(const std::string& line) {
    error_code ec;
    json::value v = json::parse(line, ec);
    BOOST_REQUIRE_MESSAGE(!ec, "not one JSON document: " << ec.message() << "\n" << line);
    return v;
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

std::vector<std::string> ids_in(const json::value& items) {
    std::vector<std::string> out;
    for (const auto& d : items.as_array())
        out.emplace_back(d.at("id").as_string());
    return out;
}

// ----- the outbox file -----

file_outbox open_outbox(const std::string& path) {
    engine::sqlite_params p;
    p.path = path;
    return file_outbox(outbox_params{}, sqlite_storage(engine::sqlite_engine(p)), manual_clock());
}

// An outbox file made through the library, its manual clock starting at 2026-01-01T00:00:00Z:
//
// | row | webhook | event | created | status |
// |---|---|---|---|---|
// | d0 | wh-b | evt-0 | 00:00 | dead (HTTP 410) |
// | e1a, e1b, e1c | wh-a, wh-b, wh-c | evt-1 | 00:01 | pending |
// | e2 | wh-a | evt-2 | 00:02 | pending |
// | e10 | wh-a | evt-10 | 00:03 | pending |
struct event_file {
    temp_dir dir;
    std::string path;
    delivery_id d0, e1a, e1b, e1c, e2, e10;

    event_file() : path(dir.file("outbox")) {
        file_outbox ob = open_outbox(path);
        manual_clock clock = ob.clock();
        d0 = ob.enqueue(make_request("wh-b", "evt-0")).id;
        claim_options o;
        o.node_id = "node-1";
        auto got = ob.claim(o);
        BOOST_REQUIRE(got.size() == 1u);
        attempt_result r;
        r.outcome = attempt_outcome::dead;
        r.http_status = 410;
        r.error = "HTTP 410";
        r.duration = 80ms;
        ob.ack(got.front(), r);
        clock.advance(1min);
        e1a = ob.enqueue(make_request("wh-a", "evt-1")).id;
        e1b = ob.enqueue(make_request("wh-b", "evt-1")).id;
        e1c = ob.enqueue(make_request("wh-c", "evt-1")).id;
        clock.advance(1min);
        e2 = ob.enqueue(make_request("wh-a", "evt-2")).id;
        clock.advance(1min);
        e10 = ob.enqueue(make_request("wh-a", "evt-10")).id;
    }

    // Adds `n` pending rows of wh-d, as another program would while the tool runs.
    void enqueue_more(int n) {
        file_outbox ob = open_outbox(path);
        for (int i = 0; i < n; ++i)
            ob.enqueue(make_request("wh-d", "more-" + std::to_string(i)));
    }
};

[[maybe_unused]] std::string text_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool have_program(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_view)

// ----- list and show by event, list by time -----

BOOST_AUTO_TEST_CASE(list_by_event_lists_its_deliveries_to_every_webhook) {
    event_file f;
    auto r = run_cli({"--json", "list", f.path, "--event", "evt-1"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const std::vector<std::string> expected{f.e1a.to_string(), f.e1b.to_string(), f.e1c.to_string()};
    BOOST_TEST(ids_in(parse_line(r.out).at("items")) == expected, boost::test_tools::per_element());

    // With the webhook; and in text, where evt-10 (evt-1 is its prefix) is not listed either.
    r = run_cli({"--json", "list", f.path, "--event", "evt-1", "--webhook", "wh-c"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(ids_in(parse_line(r.out).at("items")) == std::vector<std::string>{f.e1c.to_string()},
               boost::test_tools::per_element());
    r = run_cli({"list", f.path, "--event", "evt-1"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(lines_of(r.out).size() == 4u);  // the header and three rows
    BOOST_TEST(!contains(r.out, f.e10.to_string()));

    r = run_cli({"list", f.path, "--event", "evt-none"});
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out == "no deliveries\n");
}

BOOST_AUTO_TEST_CASE(list_by_time_takes_since_inclusive_and_until_exclusive) {
    event_file f;
    auto ids = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--json", "list", f.path});
        auto r = run_cli(args);
        BOOST_TEST_REQUIRE(r.status == 0, r.err);
        return ids_in(parse_line(r.out).at("items"));
    };
    const std::string e1a = f.e1a.to_string(), e1b = f.e1b.to_string(), e1c = f.e1c.to_string(),
                      e2 = f.e2.to_string(), e10 = f.e10.to_string();
    std::vector<std::string> expected{e1a, e1b, e1c, e2};
    BOOST_TEST(ids({"--since", "2026-01-01T00:01:00Z", "--until", "2026-01-01T00:03:00Z"}) == expected,
               boost::test_tools::per_element());
    expected = {e2};
    BOOST_TEST(ids({"--since", "2026-01-01T00:01:00.001Z", "--until", "2026-01-01T00:03:00Z"}) == expected,
               boost::test_tools::per_element());
    expected = {e2, e10};
    BOOST_TEST(ids({"--since", "2026-01-01T00:01:00.001Z", "--until", "2026-01-01T00:03:00.001Z"}) == expected,
               boost::test_tools::per_element());
    expected = {f.d0.to_string()};
    BOOST_TEST(ids({"--until", "2026-01-01T00:01:00Z"}) == expected, boost::test_tools::per_element());
    // With the event and in pages of one: the cursor of each page leads to the next.
    auto r = run_cli({"--json", "list", f.path, "--since", "2026-01-01T00:01:00Z", "--event", "evt-1", "--limit",
                      "2"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto page = parse_line(r.out);
    BOOST_TEST(ids_in(page.at("items")) == (std::vector<std::string>{e1a, e1b}), boost::test_tools::per_element());
    const std::string cursor = std::to_string(page.at("next_cursor").to_number<std::uint64_t>());
    r = run_cli({"--json", "list", f.path, "--since", "2026-01-01T00:01:00Z", "--event", "evt-1", "--limit", "2",
                 "--after", cursor});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    page = parse_line(r.out);
    BOOST_TEST(ids_in(page.at("items")) == std::vector<std::string>{e1c}, boost::test_tools::per_element());
    BOOST_TEST(page.at("next_cursor").is_null());
}

BOOST_AUTO_TEST_CASE(bad_event_or_time_range_is_a_usage_error_naming_the_option) {
    event_file f;
    struct bad {
        std::vector<std::string> args;
        std::string field;
        std::string says;
    };
    const std::vector<bad> cases{
        {{"list", f.path, "--event", ""}, "--event", "must not be empty"},
        {{"list", f.path, "--event", std::string(129, 'e')}, "--event", "at most 128 bytes"},
        {{"list", f.path, "--event", "evt-\xff"}, "--event", "UTF-8"},
        {{"list", f.path, "--since", "2026-01-01T00:02:00Z", "--until", "2026-01-01T00:02:00Z"},
         "--until",
         "later than --since"},
        {{"list", f.path, "--since", "1h", "--until", "2h"}, "--until", "later than --since"},
        {{"list", f.path, "--since", "yesterday"}, "--since", "--since"},
        {{"show", f.path, "--event", ""}, "--event", "must not be empty"},
        {{"show", f.path, f.e2.to_string(), "--event", "evt-2"}, "--event", "<id> or --event, not both"},
        {{"show", f.path, f.e2.to_string(), "--webhook", "wh-a"}, "--webhook", "only with --event"},
        {{"show", f.path}, "id", "missing argument <id>"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.args[0] << " " << c.field << " (" << c.says << ")") {
            auto args = c.args;
            args.insert(args.begin(), "--json");
            auto r = run_cli(args);
            BOOST_TEST(r.status == 2);
            auto v = parse_line(r.out);
            BOOST_TEST(v.at("error").at("field").as_string() == c.field);
            BOOST_TEST(contains(std::string(v.at("error").at("message").as_string()), c.says),
                       v.at("error").at("message"));
        }
    }
}

BOOST_AUTO_TEST_CASE(show_by_event_lists_several_and_shows_one_whole) {
    event_file f;
    // Three deliveries: one line each.
    auto r = run_cli({"show", f.path, "--event", "evt-1"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(contains(r.out, "event 'evt-1': 3 deliveries"));
    for (const auto& id : {f.e1a, f.e1b, f.e1c})
        BOOST_TEST(contains(r.out, id.to_string()));
    r = run_cli({"--json", "show", f.path, "--event", "evt-1"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    auto v = parse_line(r.out);
    BOOST_TEST(v.at("event_id").as_string() == "evt-1");
    BOOST_TEST(ids_in(v.at("items")).size() == 3u);

    // One (by the webhook, or the only one): as `show <id>` prints it, history included.
    auto by_id = run_cli({"show", f.path, f.e1b.to_string()});
    BOOST_TEST_REQUIRE(by_id.status == 0, by_id.err);
    r = run_cli({"show", f.path, "--event", "evt-1", "--webhook", "wh-b"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out == by_id.out);
    by_id = run_cli({"--json", "show", f.path, f.d0.to_string()});
    r = run_cli({"--json", "show", f.path, "--event", "evt-0"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.out == by_id.out);
    BOOST_TEST(parse_line(r.out).at("history").as_array().size() == 1u);

    // None: exit 1, naming the event.
    r = run_cli({"--json", "show", f.path, "--event", "evt-1", "--webhook", "wh-z"});
    BOOST_TEST(r.status == 1);
    v = parse_line(r.out);
    BOOST_TEST(v.at("error").at("code").as_string() == "not_found");
    BOOST_TEST(v.at("error").at("field").as_string() == "--event");
    BOOST_TEST(v.at("error").at("message").as_string() == "no delivery of event 'evt-1' to webhook 'wh-z'");
}

// ----- watch -----

BOOST_AUTO_TEST_CASE(watch_once_prints_one_text_frame) {
    event_file f;
    auto r = run_cli({"watch", f.path, "--once"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(!contains(r.out, "\x1b["));  // not a terminal: no screen control
    BOOST_TEST(contains(r.out, "frame 1 of 1"));
    const auto lines = lines_of(r.out);
    auto row = [&](std::string_view status) {
        for (const auto& l : lines)
            if (l.rfind(status, 0) == 0 && l.size() > status.size() && l[status.size()] == ' ')
                return l;
        return std::string();
    };
    // Counts, and no change yet: the first frame has nothing to compare with.
    BOOST_TEST(row("pending").find(" 5 ") != std::string::npos, row("pending"));
    BOOST_TEST(row("dead").find(" 1 ") != std::string::npos, row("dead"));
    BOOST_TEST(row("total").find(" 6 ") != std::string::npos, row("total"));
    BOOST_TEST(row("total").find('-') != std::string::npos, row("total"));
    BOOST_TEST(contains(r.out, "oldest pending: "));
    BOOST_TEST(contains(r.out, "failing webhooks (dead, or pending after a failed attempt):"));
    BOOST_TEST(row("wh-b").find("HTTP 410") != std::string::npos, row("wh-b"));
    // The latest deliveries, newest first.
    const auto at = [&](const delivery_id& id) { return r.out.find(id.to_string()); };
    BOOST_TEST_REQUIRE(at(f.e10) != std::string::npos);
    BOOST_TEST(at(f.e10) < at(f.e2));
    BOOST_TEST(at(f.e2) < at(f.e1c));
    BOOST_TEST(at(f.e1a) < at(f.d0));
}

BOOST_AUTO_TEST_CASE(watch_on_a_terminal_redraws_the_screen) {
    // script(1) runs the tool with a pseudo-terminal as its stdout.
    if (!have_program("/usr/bin/script")) {
        BOOST_TEST_MESSAGE("/usr/bin/script is not installed: watch is not run on a terminal");
        return;
    }
    event_file f;
    const std::string command =
        std::string("'") + HOOKBOX_TEST_CLI + "' watch '" + f.path + "' --count 2 --interval 0.1";
    auto r = child({"/usr/bin/script", "-q", "-e", "-c", command, "/dev/null"}).finish();
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    // Each frame starts by moving the cursor home and clearing the screen.
    std::size_t clears = 0;
    for (auto at = r.out.find("\x1b[H\x1b[2J"); at != std::string::npos; at = r.out.find("\x1b[H\x1b[2J", at + 1))
        ++clears;
    BOOST_TEST(clears == 2u);
    BOOST_TEST(r.out.rfind("\x1b[H\x1b[2J", 0) == 0);
    BOOST_TEST(contains(r.out, "frame 2 of 2"));
}

BOOST_AUTO_TEST_CASE(watch_json_prints_one_document_per_frame) {
    event_file f;
    auto r = run_cli({"--json", "watch", f.path, "--count", "2", "--interval", "0.1", "--webhook", "wh-a"});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    const auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    auto first = parse_line(lines[0]);
    auto second = parse_line(lines[1]);
    BOOST_TEST(first.at("frame").to_number<int>() == 1);
    BOOST_TEST(second.at("frame").to_number<int>() == 2);
    BOOST_TEST(first.at("interval_ms").to_number<int>() == 100);
    BOOST_TEST(first.at("webhook").as_string() == "wh-a");
    BOOST_TEST(first.at("by_status").at("pending").to_number<int>() == 5);
    BOOST_TEST(first.at("by_status").at("dead").to_number<int>() == 1);
    BOOST_TEST(first.at("total").to_number<int>() == 6);
    BOOST_TEST(first.at("oldest_pending_age_ms").is_int64());
    BOOST_TEST(first.at("change").is_null());
    BOOST_TEST(first.at("rate_per_second").is_null());
    // Nothing changed between the two frames.
    BOOST_TEST(second.at("change").at("pending").to_number<int>() == 0);
    BOOST_TEST(second.at("change").at("total").to_number<int>() == 0);
    BOOST_TEST(second.at("rate_per_second").at("total").to_number<double>() == 0.0);
    // The failing webhooks, and the latest deliveries of wh-a only, newest first.
    BOOST_TEST_REQUIRE(first.at("failures").as_array().size() == 1u);
    BOOST_TEST(first.at("failures").as_array()[0].at("webhook_id").as_string() == "wh-b");
    BOOST_TEST(first.at("failures").as_array()[0].at("dead").to_number<int>() == 1);
    const std::vector<std::string> expected{f.e10.to_string(), f.e2.to_string(), f.e1a.to_string()};
    BOOST_TEST(ids_in(first.at("latest")) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(watch_shows_what_changed_between_two_frames) {
    event_file f;
    // The frames come two seconds apart; the rows are added once the first has been read.
    child c(tool({"--json", "watch", f.path, "--count", "2", "--interval", "2"}));
    auto first = c.read_line();
    BOOST_TEST_REQUIRE(first.has_value());
    f.enqueue_more(3);
    auto second = c.read_line();
    BOOST_TEST_REQUIRE(second.has_value());
    auto r = c.finish();
    BOOST_TEST(r.status == 0, r.err);
    auto v = parse_line(*second);
    BOOST_TEST(v.at("by_status").at("pending").to_number<int>() == 8);
    BOOST_TEST(v.at("change").at("pending").to_number<int>() == 3);
    BOOST_TEST(v.at("change").at("dead").to_number<int>() == 0);
    BOOST_TEST(v.at("change").at("total").to_number<int>() == 3);
    // Three rows in about two seconds: per second, more than zero and at most three.
    const double rate = v.at("rate_per_second").at("pending").to_number<double>();
    BOOST_TEST(rate > 0.0);
    BOOST_TEST(rate <= 3.0);
    BOOST_TEST(v.at("latest").as_array()[0].at("webhook_id").as_string() == "wh-d");
}

BOOST_AUTO_TEST_CASE(watch_ends_with_status_0_on_sigint_and_sigterm) {
    event_file f;
    for (int sig : {SIGINT, SIGTERM}) {
        BOOST_TEST_CONTEXT("signal " << sig) {
            // No --count: it would refresh until interrupted.
            child c(tool({"--json", "watch", f.path, "--interval", "60"}));
            auto first = c.read_line();
            BOOST_TEST_REQUIRE(first.has_value());
            c.signal(sig);
            auto r = c.finish();
            BOOST_TEST(r.status == 0, r.err);
            BOOST_TEST(r.out.empty());  // ended while waiting: no second frame
            BOOST_TEST(r.err.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(watch_refuses_bad_options_naming_them) {
    event_file f;
    struct bad {
        std::vector<std::string> args;
        std::string field;
    };
    const std::vector<bad> cases{
        {{"--interval", "0"}, "--interval"},     {{"--interval", "0.05"}, "--interval"},
        {{"--interval", "3600.5"}, "--interval"}, {{"--interval", "2s"}, "--interval"},
        {{"--interval", "1."}, "--interval"},    {{"--interval", "0.0001"}, "--interval"},
        {{"--count", "0"}, "--count"},           {{"--count", "2", "--once"}, "--count"},
        {{"--webhook", ""}, "--webhook"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.args[0] << " " << c.args[1]) {
            std::vector<std::string> args{"--json", "watch", f.path};
            args.insert(args.end(), c.args.begin(), c.args.end());
            auto r = run_cli(args);
            BOOST_TEST(r.status == 2);
            BOOST_TEST(parse_line(r.out).at("error").at("field").as_string() == c.field);
        }
    }
    // The accepted bounds.
    for (const char* interval : {"0.1", "3600", "1.25"}) {
        BOOST_TEST_CONTEXT(interval) {
            auto r = run_cli({"--json", "watch", f.path, "--once", "--interval", interval});
            BOOST_TEST(r.status == 0, r.err);
        }
    }
}

// ----- completion -----

// Every command and option of `hookbox help <command>`'s usage line, as the scripts must name them.
BOOST_AUTO_TEST_CASE(completion_scripts_name_every_command_and_option) {
    struct command {
        std::string name;
        std::vector<std::string> options;
    };
    // The table as `hookbox --help` and `hookbox help <command>` print it.
    auto help = run_cli({"--help"});
    BOOST_TEST_REQUIRE(help.status == 0);
    std::vector<command> table;
    bool in_commands = false;
    for (const auto& line : lines_of(help.out)) {
        if (line == "Commands:") {
            in_commands = true;
            continue;
        }
        if (in_commands && line.empty())
            break;
        if (in_commands)
            table.push_back({line.substr(2, line.find(' ', 2) - 2), {}});
    }
    BOOST_TEST_REQUIRE(table.size() >= 8u);
    for (auto& c : table) {
        auto h = run_cli({"help", c.name});
        BOOST_TEST_REQUIRE(h.status == 0);
        for (const auto& line : lines_of(h.out))
            if (line.rfind("  --", 0) == 0)
                c.options.push_back(line.substr(2, line.find(' ', 2) - 2));
    }
    const std::vector<std::string> global{"--json", "--table", "--help", "--version"};
    for (const char* shell : {"bash", "zsh", "fish"}) {
        BOOST_TEST_CONTEXT(shell) {
            auto r = run_cli({"completion", shell});
            BOOST_TEST_REQUIRE(r.status == 0, r.err);
            const bool fish = std::string(shell) == "fish";
            auto named = [&](const std::string& option) {
                return fish ? contains(r.out, "-l " + option.substr(2) + "\n") ||
                                  contains(r.out, "-l " + option.substr(2) + " ")
                            : contains(r.out, option + " ") || contains(r.out, option + "\"") ||
                                  contains(r.out, option + ")") || contains(r.out, option + "|");
            };
            for (const auto& c : table) {
                BOOST_TEST(contains(r.out, " " + c.name), c.name);
                for (const auto& o : c.options)
                    BOOST_TEST(named(o), c.name << " " << o);
            }
            for (const auto& o : global)
                BOOST_TEST(named(o), o);
            BOOST_TEST(contains(r.out, "pending in_flight success failed dead"));
        }
    }
    // An unknown shell, or none.
    auto r = run_cli({"--json", "completion", "tcsh"});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(parse_line(r.out).at("error").at("field").as_string() == "shell");
    r = run_cli({"completion"});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(contains(r.err, "missing argument <shell>"));
}

BOOST_AUTO_TEST_CASE(completion_scripts_pass_their_shells_syntax_check) {
    temp_dir dir;
    for (const char* shell : {"bash", "zsh", "fish"}) {
        BOOST_TEST_CONTEXT(shell) {
            const std::string program = std::string("/usr/bin/") + shell;
            if (!have_program(program)) {
                BOOST_TEST_MESSAGE(program << " is not installed: its script's syntax is not checked");
                continue;
            }
            const std::string file = dir.file(std::string("hookbox.") + shell);
            auto r = run_cli({"completion", shell});
            BOOST_TEST_REQUIRE(r.status == 0);
            std::ofstream(file) << r.out;
            auto check = child({program, "-n", file}).finish();
            BOOST_TEST(check.status == 0, check.err);
            BOOST_TEST(check.err.empty(), check.err);
        }
    }
}

BOOST_AUTO_TEST_CASE(bash_completes_commands_options_and_values) {
    temp_dir dir;
    const std::string file = dir.file("hookbox.bash");
    auto r = run_cli({"completion", "bash"});
    BOOST_TEST_REQUIRE(r.status == 0);
    std::ofstream(file) << r.out;
    // COMPREPLY for the words typed so far, the last one being completed.
    auto complete = [&](const std::string& words) {
        const std::string script = "source '" + file + "'\nCOMP_WORDS=(" + words +
                                   ")\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n_hookbox\n"
                                   "for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done | sort\n";
        auto res = child({"/bin/bash", "--norc", "--noprofile", "-c", script}).finish();
        BOOST_TEST_REQUIRE(res.status == 0, res.err);
        return lines_of(res.out);
    };
    using lines = std::vector<std::string>;
    BOOST_TEST(complete("hookbox rep") == lines{"replay"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox replay db --st") == lines{"--status"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox re") == (lines{"redeliver", "replay"}), boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox --table t wa") == lines{"watch"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox --v") == lines{"--version"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox list db --status d") == lines{"dead"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox watch db --o") == lines{"--once"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox show db --ev") == lines{"--event"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox help pu") == lines{"purge"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox completion z") == lines{"zsh"}, boost::test_tools::per_element());
    BOOST_TEST(complete("hookbox list db --webhook w").empty());
    // The database: file names.
    const std::string db = (dir.path() / "outbox.sqlite").string();
    std::ofstream(db) << "";
    BOOST_TEST(complete("hookbox stats '" + (dir.path() / "outb").string() + "'") == lines{db},
               boost::test_tools::per_element());
}

#ifdef HOOKBOX_TEST_CLI_BASH_COMPLETION
// The file `cmake --install` installs as share/bash-completion/completions/hookbox.
BOOST_AUTO_TEST_CASE(the_installed_bash_completion_is_the_tools_output) {
    auto r = run_cli({"completion", "bash"});
    BOOST_TEST_REQUIRE(r.status == 0);
    BOOST_TEST(text_of(HOOKBOX_TEST_CLI_BASH_COMPLETION) == r.out);
}
#endif

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
