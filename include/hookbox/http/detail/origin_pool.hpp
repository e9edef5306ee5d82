//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_DETAIL_ORIGIN_POOL_HPP
#define HOOKBOX_HTTP_DETAIL_ORIGIN_POOL_HPP

// The connection bookkeeping of one origin (scheme, host, port) of `beast_sender`, without sockets
// or timers: the driver tells the pool what happened and does what the pool answers.
//
// Requests and connections are the driver's own objects, which derive from `pool_request` and
// `pool_connection`; the pool keeps pointers to them and never owns them. Invariants:
// - `open()` counts connections open or being opened, busy or idle, and never exceeds the cap;
// - a request waits only while `open()` is at the cap and no idle connection is fresh, so idle
//   connections and waiting requests never coexist;
// - waiting requests are served oldest first (the one retry after a stale connection jumps the
//   queue: it was admitted before any request that waits);
// - idle connections are kept most recently used last, so the stale ones (idle for `idle_timeout`
//   or longer) are a prefix of the list.

#include <hookbox/detail/config.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <vector>

namespace hookbox::http::detail {

using pool_clock = std::chrono::steady_clock;

// A request as the pool sees it: the base of the driver's operation.
struct pool_request {
    // The end of the time the request may spend waiting for (and opening) a connection.
    pool_clock::time_point connect_deadline{};
    bool waiting = false;
};

// A connection as the pool sees it: the base of the driver's connection.
struct pool_connection {
    pool_clock::time_point idle_since{};
    bool idle = false;
    // Counted out of the pool for good: its socket is being or has been closed.
    bool retired = false;
};

struct origin_pool_params {
    // Connections open or being opened at once; 0 counts as 1.
    std::size_t max_connections = 32;
    // An idle connection this old is closed instead of reused.
    std::chrono::milliseconds idle_timeout{30000};
};

class origin_pool {
public:
    using time_point = pool_clock::time_point;

    // What the driver does after telling the pool something, in this order: close the sockets of
    // `closed` (already counted out), fail `expired` with a connect timeout, then serve `request`:
    // on `connection` when set, else on a new connection (already counted in). The spans stay
    // valid until the next call on the pool, which serving the request may make: so serve last.
    struct step {
        pool_request* request = nullptr;
        pool_connection* connection = nullptr;
        std::span<pool_connection* const> closed;
        std::span<pool_request* const> expired;
    };

    HOOKBOX_DECL explicit origin_pool(origin_pool_params params) noexcept;

    origin_pool(const origin_pool&) = delete;
    origin_pool& operator=(const origin_pool&) = delete;

    // A request needs a connection: the most recently used fresh idle one (stale idle ones are
    // retired on the way), else a new one if the cap allows, else it waits at the end of the queue.
    HOOKBOX_DECL step acquire(pool_request& r, time_point now);

    // An exchange on `c` ended and `c` can serve another: the oldest waiting request still in time
    // gets it (those out of time expire), or `c` becomes idle.
    HOOKBOX_DECL step released(pool_connection& c, time_point now);

    // `c` was closed for good (a failure, a response that ends the connection, a cancellation): its
    // place goes to a new connection for the oldest waiting request still in time. Idempotent.
    HOOKBOX_DECL step retired(pool_connection& c, time_point now);

    // Opening a connection that `acquire`, `retired` or `retry` asked for failed: its place goes to
    // the oldest waiting request still in time, as with `retired`.
    HOOKBOX_DECL step open_failed(time_point now);

    // `r` failed on the stale keep-alive connection `stale` and is sent once more (see
    // `send_again`): `stale` is retired and its place goes to a new connection for `r`, ahead of
    // any waiting request. If `stale` was retired already and the pool is at its cap, `r` waits at
    // the head of the queue.
    HOOKBOX_DECL step retry(pool_request& r, pool_connection& stale);

    // Waiting requests whose connect deadline is `now` or earlier, from the head of the queue, expire.
    HOOKBOX_DECL step expire(time_point now);

    // Takes `r` out of the queue; false when it was not waiting.
    HOOKBOX_DECL bool cancel(pool_request& r) noexcept;

    // Takes every waiting request out of the queue, oldest first (to fail them all). Valid until
    // the next call on the pool.
    HOOKBOX_DECL std::span<pool_request* const> take_waiting();

    // The connect deadline of the request at the head of the queue: when `expire` has work.
    HOOKBOX_DECL std::optional<time_point> next_deadline() const noexcept;

    std::size_t open() const noexcept { return open_; }
    std::size_t idle() const noexcept { return idle_.size(); }
    std::size_t waiting() const noexcept { return waiting_.size(); }

private:
    // Removes `c` from the idle list and the count, marking it retired.
    void count_out(pool_connection& c) noexcept;
    // Pops waiting requests until one is in time; the others go to `expired_`.
    pool_request* next_in_time(time_point now);
    // A new connection for the oldest waiting request in time, if the cap allows.
    step refill(time_point now);
    step make_step(pool_request* r, pool_connection* c) const noexcept;

    origin_pool_params params_;
    std::size_t open_ = 0;
    std::vector<pool_connection*> idle_;  // oldest first
    std::deque<pool_request*> waiting_;   // oldest first
    // What the last step hands back, reused so that a step allocates nothing once warm.
    std::vector<pool_connection*> closed_;
    std::vector<pool_request*> expired_;
};

// Why an exchange failed, as far as the retry rule cares.
struct failed_exchange {
    // The error is one that a receiver's close of an idle keep-alive connection produces: end of
    // stream, reset, broken pipe, a TLS stream cut short.
    bool closed_by_peer = false;
    // Some byte of a response had arrived.
    bool response_started = false;
    // The connection had served an earlier request.
    bool reused = false;
    // The request's own time limit ended the exchange.
    bool timed_out = false;
    // The request was already sent once more.
    bool retried = false;
};

// Whether a failed request is sent once more, on a new connection: only when it met a reused
// keep-alive connection that the receiver had closed while it was idle (an error of that kind,
// before any byte of a response, not the request's own timeout), and only once. A receiver that did
// read the first copy deduplicates the second by its delivery id.
constexpr bool send_again(const failed_exchange& f) noexcept {
    return f.closed_by_peer && !f.response_started && f.reused && !f.timed_out && !f.retried;
}

}  // namespace hookbox::http::detail

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/http/impl/origin_pool.ipp>
#endif

#endif  // HOOKBOX_HTTP_DETAIL_ORIGIN_POOL_HPP
