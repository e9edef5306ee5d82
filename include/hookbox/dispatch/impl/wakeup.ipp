//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DISPATCH_IMPL_WAKEUP_IPP
#define HOOKBOX_DISPATCH_IMPL_WAKEUP_IPP

#include <hookbox/dispatch/wakeup.hpp>

namespace hookbox {

// Listeners run under the lock: that is what lets `unsubscribe` (the dispatcher's destructor)
// promise that its listener is not running and will not run again. A listener must therefore not
// call back into this `wakeup`; the dispatcher's only posts to its strand.
void wakeup::notify() {
    std::lock_guard lock(mutex_);
    for (auto& [id, f] : listeners_)
        f();
}

std::uint64_t wakeup::subscribe(std::function<void()> f) {
    std::lock_guard lock(mutex_);
    listeners_.emplace_back(++next_, std::move(f));
    return next_;
}

void wakeup::unsubscribe(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

}  // namespace hookbox

#endif  // HOOKBOX_DISPATCH_IMPL_WAKEUP_IPP
