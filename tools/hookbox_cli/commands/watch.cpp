//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// watch: the outbox live, as top shows processes. Each frame reads the counts per status, the
// oldest pending row's age, the failing webhooks and the latest deliveries, and shows the change of
// each count since the previous frame. Between frames the tool waits for the interval or for
// SIGINT / SIGTERM, whichever comes first (both blocked and taken with sigtimedwait, so that a
// signal that arrives while a frame is read is not lost and no handler runs); a signal ends it with
// exit status 0.

#include "../commands.hpp"
#include "../format.hpp"

#include <hookbox/time_format.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <csignal>
#include <ctime>
#include <unistd.h>

namespace hookbox_cli {

namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr std::size_t latest_shown = 10;
constexpr std::size_t failing_shown = 5;
constexpr milliseconds min_interval{100};
constexpr milliseconds max_interval{3600 * 1000};

// SECONDS: digits, optionally a point and up to three more digits (milliseconds).
milliseconds parse_interval(std::string_view s) {
    auto bad = [&]() -> milliseconds {
        usage_error("--interval", "--interval: '" + printable(clip(std::string(s), 64)) +
                                      "' must be a number of seconds from 0.1 to 3600, such as 2 or 0.5");
    };
    const auto point = s.find('.');
    const std::string_view whole = s.substr(0, point);
    const std::string_view frac = point == std::string_view::npos ? std::string_view() : s.substr(point + 1);
    auto digits = [](std::string_view d) {
        return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.empty() || whole.size() > 7 || !digits(whole) || frac.size() > 3 || !digits(frac) ||
        (point != std::string_view::npos && frac.empty()))
        return bad();
    std::int64_t secs = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), secs);
    std::int64_t ms = secs * 1000;
    std::int64_t scale = 100;
    for (char c : frac) {
        ms += (c - '0') * scale;
        scale /= 10;
    }
    const milliseconds v{ms};
    if (v < min_interval || v > max_interval)
        return bad();
    return v;
}

// The highest sequence among the rows `base` selects (0 when it selects none), found with
// one-row pages: each probe is one indexed read, about twice log2(sequence) of them.
std::uint64_t last_sequence(outbox_file& ob, hookbox::list_options base) {
    base.limit = 1;
    auto first_after = [&](std::uint64_t after) -> std::optional<std::uint64_t> {
        base.after_sequence = after;
        hookbox::error_code ec;
        hookbox::diagnostics diag;
        auto page = ob.list(base, ec, diag);
        if (ec)
            library_error(ec, diag);
        if (page.items.empty())
            return std::nullopt;
        return page.items.front().sequence;
    };
    auto found = first_after(0);
    if (!found)
        return 0;
    // `low` is a sequence that exists; find a bound with nothing after it, doubling the step.
    std::uint64_t low = *found;
    std::uint64_t high = low;
    constexpr std::uint64_t top = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    for (std::uint64_t step = 1;; step *= 2) {
        auto next = first_after(high);
        if (!next)
            break;
        low = *next;
        if (low >= top || step > top - low) {
            high = top;
            break;
        }
        high = low + step;
    }
    // Now a row exists at `low` and none after `high`; narrow down to the last one.
    while (low < high) {
        const std::uint64_t mid = low + (high - low) / 2;
        auto next = first_after(mid);
        if (next)
            low = *next;
        else
            high = mid;
    }
    return low;
}

// The latest `n` rows `base` selects, newest first: a window before the last sequence, widened
// until it holds `n` rows or reaches the first row.
std::vector<hookbox::delivery> latest(outbox_file& ob, const hookbox::list_options& base, std::size_t n) {
    const std::uint64_t last = last_sequence(ob, base);
    std::deque<hookbox::delivery> kept;
    std::uint64_t width = n;
    for (int round = 0; last > 0 && round < 40; ++round) {
        kept.clear();
        hookbox::list_options lo = base;
        lo.limit = 1000;
        lo.after_sequence = last > width ? last - width : 0;
        for (;;) {
            hookbox::error_code ec;
            hookbox::diagnostics diag;
            auto page = ob.list(lo, ec, diag);
            if (ec)
                library_error(ec, diag);
            for (auto& d : page.items) {
                kept.push_back(std::move(d));
                if (kept.size() > n)
                    kept.pop_front();
            }
            if (!page.next_cursor || page.items.empty())
                break;
            lo.after_sequence = page.next_cursor;
        }
        if (kept.size() >= n || width >= last)
            break;
        width = width > last / 4 ? last : width * 4;
    }
    return std::vector<hookbox::delivery>(kept.rbegin(), kept.rend());
}

struct frame {
    hookbox::outbox_stats stats;
    std::vector<hookbox::webhook_failures> failing;
    std::vector<hookbox::delivery> recent;
    hookbox::timestamp at{};
    std::chrono::steady_clock::time_point taken{};
};

frame read_frame(outbox_file& ob, const watch_request& w) {
    frame f;
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    f.taken = std::chrono::steady_clock::now();
    f.at = hookbox::timestamp(
        std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()));
    f.stats = ob.stats(ec, diag);
    if (ec)
        library_error(ec, diag);
    f.failing = ob.failures(failing_shown, ec, diag);
    if (ec)
        library_error(ec, diag);
    hookbox::list_options base;
    base.webhook_id = w.webhook_id;
    f.recent = latest(ob, base, latest_shown);
    return f;
}

std::string signed_count(std::int64_t v) {
    return v > 0 ? "+" + std::to_string(v) : std::to_string(v);
}

std::string rate_text(double r) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", r);
    return buf;
}

std::int64_t difference(std::size_t now, std::size_t before) {
    return static_cast<std::int64_t>(now) - static_cast<std::int64_t>(before);
}

// The change of every count since `prev`, per second of the time between the two reads.
struct changes {
    std::array<std::int64_t, hookbox::delivery_status_count + 1> delta{};  // the last: the total
    std::array<double, hookbox::delivery_status_count + 1> rate{};
};

changes compare(const frame& f, const frame& prev) {
    changes c;
    const double seconds = std::max(std::chrono::duration<double>(f.taken - prev.taken).count(), 0.001);
    for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i)
        c.delta[i] = difference(f.stats.by_status[i], prev.stats.by_status[i]);
    c.delta.back() = difference(f.stats.total(), prev.stats.total());
    for (std::size_t i = 0; i < c.delta.size(); ++i)
        c.rate[i] = static_cast<double>(c.delta[i]) / seconds;
    return c;
}

void print_json(const frame& f, const std::optional<changes>& c, std::size_t number, const watch_request& w) {
    json::object by, change, rate;
    for (std::size_t i = 0; i < hookbox::delivery_status_count; ++i) {
        const auto name = to_string(static_cast<hookbox::delivery_status>(i));
        by[name] = f.stats.by_status[i];
        if (c) {
            change[name] = c->delta[i];
            rate[name] = c->rate[i];
        }
    }
    if (c) {
        change["total"] = c->delta.back();
        rate["total"] = c->rate.back();
    }
    json::array fs;
    for (const auto& x : f.failing) {
        json::object o;
        o["webhook_id"] = x.webhook_id;
        o["dead"] = x.dead;
        o["retrying"] = x.retrying;
        o["last_error"] = opt_text(x.last_error);
        o["last_failed_at"] = opt_time(x.last_failed_at);
        fs.push_back(std::move(o));
    }
    json::array recent;
    for (const auto& d : f.recent)
        recent.push_back(summary_json(d));
    json::object o;
    o["frame"] = number;
    o["at"] = hookbox::format_timestamp(f.at);
    o["interval_ms"] = w.interval.count();
    o["webhook"] = w.webhook_id ? json::value(*w.webhook_id) : json::value(nullptr);
    o["by_status"] = std::move(by);
    o["total"] = f.stats.total();
    o["change"] = c ? json::value(std::move(change)) : json::value(nullptr);
    o["rate_per_second"] = c ? json::value(std::move(rate)) : json::value(nullptr);
    o["oldest_pending_age_ms"] =
        f.stats.oldest_pending_age ? json::value(f.stats.oldest_pending_age->count()) : json::value(nullptr);
    o["failures"] = std::move(fs);
    o["latest"] = std::move(recent);
    emit(o);
}

void print_text(const frame& f, const std::optional<changes>& c, std::size_t number, const watch_request& w,
                const std::string& database, bool terminal) {
    std::ostream& out = std::cout;
    if (terminal)
        out << "\x1b[H\x1b[2J";  // cursor home, clear the screen
    else if (number > 1)
        out << '\n';
    out << "hookbox watch " << printable(clip(database, 80)) << "  " << hookbox::format_timestamp(f.at)
        << "  every " << hookbox::format_duration(w.interval) << "  frame " << number;
    if (w.frames)
        out << " of " << *w.frames;
    out << "\n\n";
    const text_table counts(
        {{"STATUS", 9}, {"ROWS", 8, align::right}, {"CHANGE", 7, align::right}, {"PER SEC", 8, align::right}});
    counts.print_header(out);
    for (std::size_t i = 0; i <= hookbox::delivery_status_count; ++i) {
        const bool total = i == hookbox::delivery_status_count;
        counts.print_row(
            out, {total ? std::string("total")
                        : std::string(to_string(static_cast<hookbox::delivery_status>(i))),
                  std::to_string(total ? f.stats.total() : f.stats.by_status[i]),
                  c ? signed_count(c->delta[i]) : std::string("-"), c ? rate_text(c->rate[i]) : std::string("-")});
    }
    out << "\noldest pending: "
        << (f.stats.oldest_pending_age ? hookbox::format_duration(*f.stats.oldest_pending_age)
                                       : std::string("none"))
        << '\n';
    if (f.failing.empty()) {
        out << "failing webhooks: none\n";
    } else {
        out << "\nfailing webhooks (dead, or pending after a failed attempt):\n";
        std::size_t width = 7;
        for (const auto& x : f.failing)
            width = std::max(width, std::min<std::size_t>(printable(x.webhook_id).size(), 40));
        const text_table table({{"WEBHOOK", width},
                                {"DEAD", 4, align::right},
                                {"RETRYING", 8, align::right},
                                {"LAST FAILURE", 24},
                                {"LAST ERROR"}});
        table.print_header(out);
        for (const auto& x : f.failing)
            table.print_row(out, {printable(clip(x.webhook_id, 40)), std::to_string(x.dead),
                                  std::to_string(x.retrying), or_dash(x.last_failed_at),
                                  x.last_error ? printable(clip(*x.last_error, 80)) : std::string("-")});
    }
    out << "\nlatest deliveries";
    if (w.webhook_id)
        out << " of webhook '" << printable(*w.webhook_id) << "'";
    if (f.recent.empty()) {
        out << ": none\n";
    } else {
        out << ", newest first:\n";
        print_delivery_table(f.recent);
    }
}

// Waits for `d` or for SIGINT / SIGTERM (blocked by the caller): true when a signal came.
bool interrupted_within(const sigset_t& signals, milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    for (;;) {
        const auto left = until - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero())
            return false;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        timespec ts{};
        ts.tv_sec = static_cast<std::time_t>(ns / 1000000000);
        ts.tv_nsec = static_cast<long>(ns % 1000000000);
        if (sigtimedwait(&signals, nullptr, &ts) > 0)
            return true;
        if (errno != EINTR && errno != EAGAIN)
            return false;
    }
}

}  // namespace

void read_watch(const invocation& inv, request& rq) {
    auto& w = rq.watch;
    if (auto* v = inv.value("--interval"))
        w.interval = parse_interval(*v);
    if (auto* v = inv.value("--webhook"))
        w.webhook_id = parse_webhook("--webhook", *v);
    if (auto* v = inv.value("--count")) {
        if (inv.flag("--once"))
            usage_error("--count", "--count: not with --once (which is --count 1)");
        w.frames = parse_count("--count", *v, 1, 1000000);
    }
    if (inv.flag("--once"))
        w.frames = 1;
}

int run_watch(const invocation& inv, const request& rq, outbox_file& ob) {
    const watch_request& w = rq.watch;
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    // Blocked, the signals wait to be taken between frames; the tool is single-threaded.
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    const bool terminal = !inv.json && ::isatty(STDOUT_FILENO) == 1;
    std::optional<frame> prev;
    for (std::size_t number = 1; !w.frames || number <= *w.frames; ++number) {
        frame f = read_frame(ob, w);
        std::optional<changes> c;
        if (prev)
            c = compare(f, *prev);
        if (inv.json)
            print_json(f, c, number, w);
        else
            print_text(f, c, number, w, inv.positionals[0], terminal);
        std::cout.flush();
        if (!std::cout)
            break;  // main reports that stdout cannot be written
        prev = std::move(f);
        if (w.frames && number == *w.frames)
            break;
        if (interrupted_within(signals, w.interval))
            break;
    }
    return exit_ok;
}

}  // namespace hookbox_cli
