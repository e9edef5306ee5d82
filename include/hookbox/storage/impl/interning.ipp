//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_IMPL_INTERNING_IPP
#define HOOKBOX_STORAGE_IMPL_INTERNING_IPP

#include <hookbox/storage/detail/interning.hpp>

#include <algorithm>
#include <utility>

namespace hookbox::detail::mem {

std::uint64_t target_key::compute(const new_row& d, std::uint64_t seed) noexcept {
    hasher64 h(seed);
    h.add(d.webhook_id).add(d.event_type).add(d.method).add(d.secret);
    for (const auto& x : d.headers)
        h.add(x.name).add(x.value);
    h.add((d.timeout ? static_cast<std::uint64_t>(d.timeout->count()) << 2 : 0) | (d.timeout ? 2u : 0u) |
          (d.has_secret ? 1u : 0u));
    return h.value();
}

target_table::~target_table() {
    for (target* t : set_)
        delete t;
}

target* target_table::acquire(const new_row& d, std::uint64_t seed) {
    target_key key(d, seed);
    if (auto it = set_.find(key); it != set_.end()) {
        ++(*it)->refs;
        return *it;
    }
    auto t = std::make_unique<target>();
    t->webhook_id = std::move(d.webhook_id);
    t->event_type = std::move(d.event_type);
    t->method = std::move(d.method);
    t->secret = std::move(d.secret);
    t->headers = std::move(d.headers);
    t->timeout = d.timeout;
    t->has_secret = d.has_secret;
    t->hash = key.hash;
    t->refs = 1;
    set_.insert(t.get());
    return t.release();
}

void target_table::release(target* t) noexcept {
    if (--t->refs == 0) {
        set_.erase(t);
        delete t;
    }
}

node_name* name_table::find_or_add(std::string_view text) {
    if (auto it = map_.find(text); it != map_.end())
        return it->second.get();
    if (map_.size() >= sweep_at_)
        sweep();
    auto n = std::make_unique<node_name>();
    n->text = std::string(text);
    node_name* p = n.get();
    map_.emplace(p->text, std::move(n));
    return p;
}

void name_table::sweep() noexcept {
    boost::unordered::erase_if(map_, [](const auto& kv) { return kv.second->refs == 0; });
    sweep_at_ = std::max<std::size_t>(64, map_.size() * 2);
}

}  // namespace hookbox::detail::mem

#endif  // HOOKBOX_STORAGE_IMPL_INTERNING_IPP
