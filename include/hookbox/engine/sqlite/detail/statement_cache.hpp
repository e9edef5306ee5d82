//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_STATEMENT_CACHE_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_STATEMENT_CACHE_HPP

#include <hookbox/engine/sqlite/detail/catalog.hpp>
#include <hookbox/engine/detail/sql_text/text.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::sqlite_impl {

// One prepared statement and what its result columns are called and hold.
struct stmt_entry {
    std::string sql;
    sqlite3_stmt* stmt = nullptr;
    int pins = 0;  // guards using it now; a pinned entry is never finalized nor handed out twice
    bool meta_ready = false;
    std::vector<std::string> names;
    std::vector<unsigned char> json;

    // Reads the result columns' names and whether they are JSON_TEXT columns. Called after the
    // first step, when a statement re-prepared after a schema change shows its new columns.
    void ensure_meta() {
        int n = sqlite3_column_count(stmt);
        if (meta_ready && names.size() == static_cast<std::size_t>(n))
            return;
        names.clear();
        json.clear();
        for (int i = 0; i < n; ++i) {
            const char* name = sqlite3_column_name(stmt, i);
            const char* decl = sqlite3_column_decltype(stmt, i);
            names.emplace_back(name ? name : "");
            json.push_back(decl && iequals(decl, json_decl) ? 1 : 0);
        }
        meta_ready = true;
    }
};

// The prepared statements of a connection, kept by their text in a bounded least-recently-used
// list, so that a statement run again is not prepared again. An entry in use (pinned by a
// stmt_guard) is never finalized nor handed out twice: a statement that runs while another of the
// same text is still being read (a nested find) gets a statement of its own.
class statement_cache {
public:
    explicit statement_cache(std::size_t capacity) noexcept : capacity_(capacity) {}
    statement_cache(const statement_cache&) = delete;
    statement_cache& operator=(const statement_cache&) = delete;
    ~statement_cache() { clear(); }

    // The entry for `text`, pinned, if it is cached and not in use.
    stmt_entry* take(std::string_view text) noexcept {
        auto it = index_.find(text);
        if (it == index_.end() || it->second->pins != 0)
            return nullptr;
        lru_.splice(lru_.begin(), lru_, it->second);
        ++it->second->pins;
        return &*it->second;
    }

    // True when a statement of this text may be kept (the cache has room for one, and holds none
    // of this text yet).
    bool keeps(std::string_view text) const noexcept { return capacity_ > 0 && index_.find(text) == index_.end(); }

    // Keeps a freshly prepared statement, pinned.
    stmt_entry& add(std::string_view text, sqlite3_stmt* st) {
        lru_.emplace_front();
        stmt_entry& e = lru_.front();
        e.sql.assign(text);
        e.stmt = st;
        e.pins = 1;
        try {
            index_.emplace(std::string_view(e.sql), lru_.begin());
        } catch (...) {
            lru_.pop_front();
            throw;
        }
        trim();
        return e;
    }

    // Unpins an entry taken or added.
    void unpin(stmt_entry& e) noexcept {
        --e.pins;
        trim();
    }

    std::size_t size() const noexcept { return lru_.size(); }

    void clear() noexcept {
        for (auto& e : lru_)
            sqlite3_finalize(e.stmt);
        lru_.clear();
        index_.clear();
    }

    // How many statements were prepared (cache misses, and statements not cached).
    std::atomic<std::size_t> prepared{0};

private:
    // Finalizes least recently used statements beyond the capacity, never one in use.
    void trim() noexcept {
        if (lru_.size() <= capacity_)
            return;
        auto it = lru_.end();
        while (lru_.size() > capacity_ && it != lru_.begin()) {
            --it;
            if (it->pins == 0) {
                index_.erase(std::string_view(it->sql));
                sqlite3_finalize(it->stmt);
                it = lru_.erase(it);
            }
        }
    }

    struct string_view_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };

    std::size_t capacity_;
    std::list<stmt_entry> lru_;  // most recently used first
    boost::unordered_flat_map<std::string_view, std::list<stmt_entry>::iterator, string_view_hash> index_;
};

// Use of one prepared statement: resets it and clears its bindings when done, so no statement is
// ever left running (holding a read snapshot or a lock) after an operation, error or exception.
class stmt_guard {
public:
    stmt_guard() = default;
    stmt_guard(const stmt_guard&) = delete;
    stmt_guard& operator=(const stmt_guard&) = delete;
    ~stmt_guard() { release(); }

    // A cached entry, unpinned on release.
    void use(statement_cache& c, stmt_entry& e) noexcept {
        release();
        cache_ = &c;
        e_ = &e;
    }

    // A statement of its own, finalized on release.
    void use_owned(std::unique_ptr<stmt_entry> e) noexcept {
        release();
        own_ = std::move(e);
        e_ = own_.get();
    }

    void release() noexcept {
        if (!e_)
            return;
        sqlite3_reset(e_->stmt);
        sqlite3_clear_bindings(e_->stmt);
        if (own_) {
            sqlite3_finalize(own_->stmt);
            own_.reset();
        } else {
            cache_->unpin(*e_);
        }
        e_ = nullptr;
        cache_ = nullptr;
    }

    sqlite3_stmt* get() const noexcept { return e_->stmt; }
    stmt_entry& entry() const noexcept { return *e_; }

private:
    statement_cache* cache_ = nullptr;
    stmt_entry* e_ = nullptr;
    std::unique_ptr<stmt_entry> own_;
};

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_STATEMENT_CACHE_HPP
