//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_IMPL_ORIGIN_POOL_IPP
#define HOOKBOX_HTTP_IMPL_ORIGIN_POOL_IPP

#include <hookbox/http/detail/origin_pool.hpp>

#include <algorithm>

namespace hookbox::http::detail {

origin_pool::origin_pool(origin_pool_params params) noexcept : params_(params) {
    if (params_.max_connections == 0)
        params_.max_connections = 1;
}

void origin_pool::count_out(pool_connection& c) noexcept {
    c.retired = true;
    if (c.idle) {
        c.idle = false;
        std::erase(idle_, &c);
    }
    --open_;
}

origin_pool::step origin_pool::make_step(pool_request* r, pool_connection* c) const noexcept {
    return {r, c, closed_, expired_};
}

pool_request* origin_pool::next_in_time(time_point now) {
    while (!waiting_.empty()) {
        pool_request* r = waiting_.front();
        waiting_.pop_front();
        r->waiting = false;
        if (r->connect_deadline > now)
            return r;
        expired_.push_back(r);
    }
    return nullptr;
}

origin_pool::step origin_pool::refill(time_point now) {
    if (open_ < params_.max_connections) {
        if (pool_request* r = next_in_time(now)) {
            ++open_;
            return make_step(r, nullptr);
        }
    }
    return make_step(nullptr, nullptr);
}

origin_pool::step origin_pool::acquire(pool_request& r, time_point now) {
    closed_.clear();
    expired_.clear();
    std::size_t stale = 0;
    while (stale < idle_.size() && now - idle_[stale]->idle_since >= params_.idle_timeout)
        ++stale;
    for (std::size_t i = 0; i < stale; ++i) {
        idle_[i]->idle = false;
        idle_[i]->retired = true;
        closed_.push_back(idle_[i]);
        --open_;
    }
    idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(stale));
    if (!idle_.empty()) {
        pool_connection* c = idle_.back();
        idle_.pop_back();
        c->idle = false;
        return make_step(&r, c);
    }
    if (open_ < params_.max_connections) {
        ++open_;
        return make_step(&r, nullptr);
    }
    r.waiting = true;
    waiting_.push_back(&r);
    return make_step(nullptr, nullptr);
}

origin_pool::step origin_pool::released(pool_connection& c, time_point now) {
    closed_.clear();
    expired_.clear();
    if (c.retired || c.idle)
        return make_step(nullptr, nullptr);
    if (pool_request* r = next_in_time(now))
        return make_step(r, &c);
    c.idle = true;
    c.idle_since = now;
    idle_.push_back(&c);
    return make_step(nullptr, nullptr);
}

origin_pool::step origin_pool::retired(pool_connection& c, time_point now) {
    closed_.clear();
    expired_.clear();
    if (c.retired)
        return make_step(nullptr, nullptr);
    count_out(c);
    return refill(now);
}

origin_pool::step origin_pool::open_failed(time_point now) {
    closed_.clear();
    expired_.clear();
    if (open_ > 0)
        --open_;
    return refill(now);
}

origin_pool::step origin_pool::retry(pool_request& r, pool_connection& stale) {
    closed_.clear();
    expired_.clear();
    if (!stale.retired)
        count_out(stale);
    if (open_ < params_.max_connections) {
        ++open_;
        return make_step(&r, nullptr);
    }
    r.waiting = true;
    waiting_.push_front(&r);
    return make_step(nullptr, nullptr);
}

origin_pool::step origin_pool::expire(time_point now) {
    closed_.clear();
    expired_.clear();
    while (!waiting_.empty() && waiting_.front()->connect_deadline <= now) {
        waiting_.front()->waiting = false;
        expired_.push_back(waiting_.front());
        waiting_.pop_front();
    }
    return make_step(nullptr, nullptr);
}

bool origin_pool::cancel(pool_request& r) noexcept {
    if (!r.waiting)
        return false;
    auto it = std::find(waiting_.begin(), waiting_.end(), &r);
    if (it == waiting_.end())
        return false;
    waiting_.erase(it);
    r.waiting = false;
    return true;
}

std::span<pool_request* const> origin_pool::take_waiting() {
    closed_.clear();
    expired_.assign(waiting_.begin(), waiting_.end());
    for (pool_request* r : waiting_)
        r->waiting = false;
    waiting_.clear();
    return expired_;
}

std::optional<origin_pool::time_point> origin_pool::next_deadline() const noexcept {
    if (waiting_.empty())
        return std::nullopt;
    return waiting_.front()->connect_deadline;
}

}  // namespace hookbox::http::detail

#endif  // HOOKBOX_HTTP_IMPL_ORIGIN_POOL_IPP
