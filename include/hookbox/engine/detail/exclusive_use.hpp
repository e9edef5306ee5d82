//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_DETAIL_EXCLUSIVE_USE_HPP
#define HOOKBOX_ENGINE_DETAIL_EXCLUSIVE_USE_HPP

// The use of an engine's connection (or in-memory store) by one statement or one transaction at a
// time. It is not a mutex: a transaction that takes it in one thread may give it back from another
// (a coroutine resumed elsewhere), and nothing is locked between two calls. The std::mutex inside is
// held only while the state changes.
//
// A statement holds it for the length of one call, on one thread; a statement that this call runs
// (from a row callback of `query`, say) on the same thread shares that use instead of waiting for
// it. A transaction's use belongs to no thread, so nothing shares it: statements of the transaction
// go through the transaction, which has the connection already.

#include <hookbox/error.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace hookbox::engine::detail {

class exclusive_use {
public:
    // Takes the connection, waiting up to `limit` for the statement or transaction that has it.
    // False when it is still taken after that.
    bool acquire(std::chrono::milliseconds limit) {
        std::unique_lock lk(m_);
        if (held_ && (limit.count() <= 0 || !cv_.wait_for(lk, limit, [this] { return !held_; })))
            return false;
        held_ = true;
        return true;
    }

    // Takes the connection for one statement on this thread, waiting as `acquire` does; a statement
    // run from inside another one on this thread shares its use.
    bool acquire_statement(std::chrono::milliseconds limit) {
        const auto self = std::this_thread::get_id();
        std::unique_lock lk(m_);
        if (held_ && statement_thread_ == self) {
            ++depth_;
            return true;
        }
        if (held_ && (limit.count() <= 0 || !cv_.wait_for(lk, limit, [this] { return !held_; })))
            return false;
        held_ = true;
        statement_thread_ = self;
        depth_ = 1;
        return true;
    }

    void release_statement() noexcept {
        {
            std::lock_guard lk(m_);
            if (--depth_ > 0)
                return;
            statement_thread_ = std::thread::id();
            held_ = false;
        }
        cv_.notify_one();
    }

    void release() noexcept {
        {
            std::lock_guard lk(m_);
            held_ = false;
        }
        cv_.notify_one();
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    bool held_ = false;
    std::thread::id statement_thread_;  // the thread of the statement that holds it; none for a transaction
    int depth_ = 0;                     // statements sharing that use
};

// Gives the connection back at the end of a statement, after errors and exceptions too.
class statement_use {
public:
    explicit statement_use(exclusive_use& u) noexcept : u_(&u) {}
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    ~statement_use() { u_->release_statement(); }

private:
    exclusive_use* u_;
};

// The error of a statement or `begin` that found the engine held for longer than it may wait.
inline void fail_held(error_code& ec, diagnostics& diag, std::chrono::milliseconds waited) {
    hookbox::detail::fail(ec, diag, errc::storage_busy, "transaction",
                          "the engine is held by an open transaction (waited " + std::to_string(waited.count()) +
                              " ms); run the statement on that transaction, or end it first");
}

// The error of a statement, commit or rollback on a transaction that cannot take it.
inline void fail_transaction(error_code& ec, diagnostics& diag, const char* why) {
    hookbox::detail::fail(ec, diag, errc::invalid_argument, "transaction", why);
}

}  // namespace hookbox::engine::detail

#endif  // HOOKBOX_ENGINE_DETAIL_EXCLUSIVE_USE_HPP
