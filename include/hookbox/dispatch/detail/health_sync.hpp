//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_DETAIL_HEALTH_SYNC_HPP
#define HOOKBOX_DISPATCH_DETAIL_HEALTH_SYNC_HPP

// A dispatcher's endpoint health kept in step with its `endpoint_health_store`: the calls made on
// the storage executor (load, save) and the bookkeeping of the periodic reload, which follows the
// disables and enables that operators and other processes write to the store.
//
// The reload must never undo a decision of the dispatcher's own that is not stored yet: it is not
// started while a save is queued or running, and its result is dropped when a save started while
// it was reading (`epoch`). The saves, for their part, keep a stored decision unless they carry
// one (`health_save::decides`, see `endpoint_health_store::update`).

#include <hookbox/delivery.hpp>
#include <hookbox/dispatch/endpoint_health.hpp>
#include <hookbox/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hookbox::detail {

// A state to save, and whether it carries the dispatcher's own disable or enable decision.
struct health_save {
    endpoint_state state{};
    bool decides = false;
};

// The outcome of one batch of saves: the states that failed (to save again), and the first error.
struct health_saved {
    std::map<std::string, health_save> failed;
    error_code ec;
    diagnostics diag;
};

// Saves each state of `batch`, one call at a time. Runs on the storage executor.
inline health_saved save_health(endpoint_health_store& store, std::map<std::string, health_save> batch) {
    health_saved out;
    for (auto& [id, s] : batch) {
        error_code ec;
        diagnostics diag;
        store.update(id, s.state, s.decides, ec, diag);
        if (ec) {
            if (!out.ec) {
                out.ec = ec;
                out.diag = std::move(diag);
            }
            out.failed.emplace(id, std::move(s));
        }
    }
    return out;
}

// Puts back the saves that failed, to be saved again; a newer state queued meanwhile wins, but
// keeps a failed one's decision (the newer state holds it, and must not give way to the store's).
inline void requeue(std::map<std::string, health_save>& queue, std::map<std::string, health_save> failed) {
    for (auto& [id, s] : failed) {
        if (auto it = queue.find(id); it != queue.end())
            it->second.decides = it->second.decides || s.decides;
        else
            queue.emplace(id, std::move(s));
    }
}

// Whether an update carries the dispatcher's own decision: a disable or an enable.
inline bool decides(const health_update& u) noexcept {
    return u.event && (u.event->type == endpoint_event::kind::disabled ||
                       u.event->type == endpoint_event::kind::enabled);
}

// Everything the store keeps. Runs on the storage executor.
struct health_loaded {
    std::vector<std::pair<std::string, endpoint_state>> states;
    error_code ec;
    diagnostics diag;
};

inline health_loaded load_health(endpoint_health_store& store) {
    health_loaded out;
    out.states = store.load(out.ec, out.diag);
    return out;
}

// A change the dispatcher makes to follow the store.
struct operator_change {
    std::string webhook_id;
    bool disable = false;  // else enable
    std::string reason;
};

// What differs between the store and the dispatcher's memory: disabled in the store but not in
// memory (disable, with the stored reason); disabled in memory but not in the store, or no longer
// kept there (enable). Pure: the caller applies the changes.
inline std::vector<operator_change>
operator_changes(const std::vector<std::pair<std::string, endpoint_state>>& stored,
                 const endpoint_health& memory) {
    std::vector<operator_change> out;
    std::set<std::string, std::less<>> disabled_in_store;
    for (const auto& [id, st] : stored) {
        if (!st.disabled)
            continue;
        disabled_in_store.insert(id);
        if (!memory.state(id).disabled)
            out.push_back(
                {id, true, st.disabled_reason.empty() ? "disabled in the store" : st.disabled_reason});
    }
    for (const auto& [id, st] : memory.unhealthy())
        if (st.disabled && !disabled_in_store.contains(id))
            out.push_back({id, false, {}});
    return out;
}

// When the next reload is due, and whether one may start or apply: pure bookkeeping on the
// dispatcher's strand, with the time of its timer clock.
template <class TimePoint> class health_reload {
public:
    // `interval` 0: never.
    void start(TimePoint now, std::chrono::milliseconds interval) {
        interval_ = interval;
        due_ = interval.count() > 0 ? std::optional<TimePoint>(now + interval) : std::nullopt;
    }

    // Whether a reload should start now; not while saves are queued or running (they would be
    // read back as they were before).
    bool due(TimePoint now, bool saving) const noexcept { return due_ && now >= *due_ && !saving; }

    // A read of the store starts: remembers the save epoch, and sets the next due time.
    std::uint64_t begin(TimePoint now) {
        if (interval_.count() > 0)
            due_ = now + interval_;
        return epoch_;
    }

    // A batch of saves starts.
    void saving() noexcept { ++epoch_; }

    // Whether a reload begun at `epoch` may be applied: no save started while it read. Otherwise
    // the next pass tries again at once.
    bool may_apply(std::uint64_t epoch, TimePoint now) {
        if (epoch == epoch_)
            return true;
        due_ = now;
        return false;
    }

private:
    std::chrono::milliseconds interval_{0};
    std::optional<TimePoint> due_;
    std::uint64_t epoch_ = 0;
};

}  // namespace hookbox::detail

#endif  // HOOKBOX_DISPATCH_DETAIL_HEALTH_SYNC_HPP
