//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_SQLITE_DETAIL_CHECKPOINTER_HPP
#define HOOKBOX_ENGINE_SQLITE_DETAIL_CHECKPOINTER_HPP

#include <hookbox/engine/detail/exclusive_use.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace hookbox::engine::detail::sqlite_impl {

// Checkpoints of a WAL database on a connection and thread of their own (sqlite_params::background_checkpoint).
//
// A checkpoint syncs the log, copies it into the database file and syncs that file; SQLite's own
// automatic checkpoint runs inside the commit that makes it due, which then waits for both syncs.
// Here a commit only wakes the thread, whose PASSIVE checkpoints neither wait for nor block the
// engine's statements. But the log can only start over from its beginning once a checkpoint has
// copied all of it with no commit in between, and under steady writes that moment never comes: the
// log would grow without end. So once it holds `restart_` pages, the thread first syncs the log and
// the database file (outside any lock: these are the long syncs, of everything written since the
// last ones), then takes the engine's connection while it copies the pages committed meanwhile, which
// syncs two files that have almost nothing left to write. The engine's statements wait for that
// short step only, and the next commit starts the log over. A commit checkpoints by itself only if
// the log reaches `emergency_` pages: the thread could not make it start over (another connection
// keeps reading an old part of it, or writes from another process never pause).
class checkpointer {
public:
    checkpointer() = default;
    checkpointer(const checkpointer&) = delete;
    checkpointer& operator=(const checkpointer&) = delete;
    ~checkpointer() { stop(); }

    // Opens the second connection and starts the thread; false (and nothing started) on failure.
    // `use` is the engine's exclusive use of its connection, which every statement and transaction
    // takes.
    bool start(const std::string& path, int threshold, exclusive_use& use) {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
        // A connection learns that the database is in WAL mode, and opens the log, when it first
        // reads it: until then its checkpoints do nothing.
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK ||
            sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            return false;
        }
        use_ = &use;
        threshold_ = threshold;
        restart_ = threshold > INT_MAX / 8 ? INT_MAX : threshold * 8;
        emergency_ = restart_ > INT_MAX / 4 ? INT_MAX : restart_ * 4;
        try {
            thread_ = std::thread([this] { run(); });
        } catch (...) {
            sqlite3_close_v2(db_);
            db_ = nullptr;
            return false;
        }
        return true;
    }

    void stop() noexcept {
        if (thread_.joinable()) {
            {
                std::lock_guard<std::mutex> lk(m_);
                stop_ = true;
            }
            cv_.notify_one();
            thread_.join();
        }
        if (db_)
            sqlite3_close_v2(db_);
        db_ = nullptr;
    }

    // How many checkpoints the thread has run (whether or not they copied every page).
    std::size_t runs() const noexcept { return runs_.load(std::memory_order_acquire); }

    // How many times the thread made the log start over (its short step under the engine's mutex).
    std::size_t restarts() const noexcept { return restarts_.load(std::memory_order_acquire); }

    // The WAL hook of the engine's connection, called after each commit with the log's size. The
    // thread is woken each time `threshold_` more pages are in the log than at its last checkpoint
    // (or the log started over since): each of its checkpoints then copies that many, and syncs
    // once for them, instead of once for every commit.
    static int on_commit(void* self, sqlite3* db, const char* name, int pages) noexcept {
        auto& c = *static_cast<checkpointer*>(self);
        const int last = c.last_log_.load(std::memory_order_relaxed);
        if (pages >= c.emergency_) {
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        } else if (pages >= c.threshold_ && (pages < last || pages - last >= c.threshold_)) {
            {
                std::lock_guard<std::mutex> lk(c.m_);
                c.due_ = true;
            }
            c.cv_.notify_one();
        }
        return SQLITE_OK;
    }

private:
    void run() noexcept {
        std::unique_lock<std::mutex> lk(m_);
        for (;;) {
            cv_.wait(lk, [this] { return due_ || stop_; });
            if (stop_)
                return;
            due_ = false;
            lk.unlock();
            // PASSIVE: copies what no reader still needs, never waits for a lock; what is left is
            // copied on a later wake-up. Errors (a checkpoint of another connection running) too.
            int log = 0;
            sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, nullptr);
            last_log_.store(log, std::memory_order_relaxed);
            runs_.fetch_add(1, std::memory_order_release);
            // The pass copied what the log held when it began; commits went on meanwhile. Unless
            // none came since the last step (the log is as long as it left it), make it start over.
            if (log >= restart_ && log != held_log_) {
                sync(SQLITE_FCNTL_JOURNAL_POINTER);
                sync(SQLITE_FCNTL_FILE_POINTER);
                // A transaction may have the connection for a while: then this step waits for a
                // later wake-up rather than holding the thread (and the commits behind it) up.
                if (use_->acquire(hold_wait)) {
                    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &held_log_, nullptr);
                    use_->release();
                    restarts_.fetch_add(1, std::memory_order_release);
                }
            }
            lk.lock();
        }
    }

    // Syncs the log (SQLITE_FCNTL_JOURNAL_POINTER) or the database file (SQLITE_FCNTL_FILE_POINTER)
    // through this connection's own handle of it: through SQLite's VFS, since closing a descriptor
    // of our own on the file would drop the process's POSIX locks on it.
    void sync(int which) noexcept {
        sqlite3_file* f = nullptr;
        if (sqlite3_file_control(db_, "main", which, &f) == SQLITE_OK && f && f->pMethods)
            f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
    }

    static constexpr std::chrono::milliseconds hold_wait{100};

    sqlite3* db_ = nullptr;
    exclusive_use* use_ = nullptr;
    std::thread thread_;
    std::mutex m_;
    std::condition_variable cv_;
    bool due_ = false;
    bool stop_ = false;
    int threshold_ = 1000;
    int restart_ = 8000;
    int emergency_ = 32000;
    int held_log_ = -1;  // the log's length after the last step with the engine's connection held
    std::atomic<int> last_log_{0};
    std::atomic<std::size_t> runs_{0};
    std::atomic<std::size_t> restarts_{0};
};

}  // namespace hookbox::engine::detail::sqlite_impl

#endif  // HOOKBOX_ENGINE_SQLITE_DETAIL_CHECKPOINTER_HPP
