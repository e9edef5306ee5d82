//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_WAKEUP_HPP
#define HOOKBOX_DISPATCH_WAKEUP_HPP

/// \file
/// `wakeup`, which wakes idle dispatchers from any thread, and `notify_on_enqueue`, the outbox
/// observer that pulls it when a new delivery is stored. Share one `wakeup` between an outbox's
/// observer and `dispatcher_params::wakeup` of the dispatchers that serve the outbox, so that an
/// enqueue in this process is claimed at once instead of at the next poll.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace hookbox {

/// Wakes dispatchers from any thread. Share one between an outbox's observer (`notify_on_enqueue`)
/// and the dispatchers that serve the outbox, so that an enqueue in this process is claimed at once.
class wakeup {
public:
    /// Wakes every subscribed dispatcher. Thread-safe; cheap when they are already awake.
    HOOKBOX_DECL void notify();

    /// Registers `f` (called from `notify`'s thread); returns an id for `unsubscribe`. Thread-safe.
    HOOKBOX_DECL std::uint64_t subscribe(std::function<void()> f);

    /// Removes the listener `id`; once it returns, `notify` no longer calls it. Thread-safe.
    HOOKBOX_DECL void unsubscribe(std::uint64_t id);

private:
    std::mutex mutex_;
    std::vector<std::pair<std::uint64_t, std::function<void()>>> listeners_;
    std::uint64_t next_ = 0;
};

/// An outbox observer that wakes dispatchers when a new delivery is stored.
struct notify_on_enqueue {
    std::shared_ptr<hookbox::wakeup> wakeup{};

    void on_enqueue(const enqueue_result& r) const {
        if (r.created && wakeup)
            wakeup->notify();
    }
};

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/dispatch/impl/wakeup.ipp>
#endif

#endif  // HOOKBOX_DISPATCH_WAKEUP_HPP
