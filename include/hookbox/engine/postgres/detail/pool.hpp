//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_POSTGRES_DETAIL_POOL_HPP
#define HOOKBOX_ENGINE_POSTGRES_DETAIL_POOL_HPP

// What the PostgreSQL engine's copies and transactions share: the connection pool and the catalog
// of the tables it has read.

#include <hookbox/engine/postgres/detail/connection.hpp>
#include <hookbox/engine/postgres/params.hpp>
#include <hookbox/error.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbox::engine::detail::postgres_impl {

struct shared {
    postgres_params params;
    bool attached = false;

    std::mutex mutex;
    std::condition_variable freed;
    std::vector<std::unique_ptr<connection>> idle;
    std::size_t open = 0;  // connections in use or idle
    std::size_t opened_total = 0;

    std::mutex catalog_mutex;
    std::unordered_map<std::string, std::shared_ptr<const table_info>, string_hash, std::equal_to<>> catalog;

    explicit shared(postgres_params p) : params(std::move(p)) {}

    // A connection to use alone: an idle one, a new one while fewer than pool_size are open, or the
    // first one freed within acquire_timeout. Null with ec set on failure.
    std::unique_ptr<connection> acquire(error_code& ec, diagnostics& diag) {
        std::unique_lock lock(mutex);
        auto deadline = std::chrono::steady_clock::now() + params.acquire_timeout;
        for (;;) {
            while (!idle.empty()) {
                auto c = std::move(idle.back());
                idle.pop_back();
                if (attached || !c->broken())
                    return c;
                --open;  // closed by the server while idle: replace it
            }
            if (open < params.pool_size && !attached) {
                ++open;
                lock.unlock();
                auto c = connection::open(params, ec, diag);
                lock.lock();
                if (!c) {
                    --open;
                    freed.notify_one();
                    return nullptr;
                }
                ++opened_total;
                return c;
            }
            if (freed.wait_until(lock, deadline) == std::cv_status::timeout && idle.empty() &&
                (attached || open >= params.pool_size)) {
                hookbox::detail::fail(ec, diag, errc::storage_busy, "transaction",
                                      "PostgreSQL: all " + std::to_string(attached ? 1 : params.pool_size) +
                                          " connections stayed in use for " +
                                          std::to_string(params.acquire_timeout.count()) + " ms");
                return nullptr;
            }
        }
    }

    // Gives a connection back: kept when healthy and outside any transaction, else closed.
    void release(std::unique_ptr<connection> c) noexcept {
        if (!c)
            return;
        std::unique_lock lock(mutex);
        bool keep = c->levels.empty() && (attached || (!c->broken() && !c->in_transaction()));
        if (keep) {
            c->aborted.reset();
            idle.push_back(std::move(c));
        } else {
            --open;
            lock.unlock();
            c.reset();
            lock.lock();
        }
        freed.notify_one();
    }

    std::shared_ptr<const table_info> cached_table(std::string_view t) {
        std::lock_guard lock(catalog_mutex);
        auto it = catalog.find(t);
        return it == catalog.end() ? nullptr : it->second;
    }

    void cache_table(std::shared_ptr<const table_info> ti) {
        std::lock_guard lock(catalog_mutex);
        std::string name = ti->name;
        catalog[std::move(name)] = std::move(ti);
    }

    void forget_catalog() {
        std::lock_guard lock(catalog_mutex);
        catalog.clear();
    }
};

// A connection borrowed from the pool for one statement of the engine's own.
struct lease {
    shared* s;
    std::unique_ptr<connection> c;
    lease(shared& sh, error_code& ec, diagnostics& diag) : s(&sh), c(sh.acquire(ec, diag)) {}
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { s->release(std::move(c)); }
    explicit operator bool() const noexcept { return c != nullptr; }
};

}  // namespace hookbox::engine::detail::postgres_impl

#endif  // HOOKBOX_ENGINE_POSTGRES_DETAIL_POOL_HPP
