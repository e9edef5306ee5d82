//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_INTERNING_HPP
#define HOOKBOX_STORAGE_DETAIL_INTERNING_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/storage/detail/hasher64.hpp>
#include <hookbox/storage/detail/memory_row.hpp>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbox::detail::mem {

// What many deliveries have in common: the webhook, the event type and how the request is sent.
// Rows share one `target` each instead of keeping copies; a target lives while rows refer to it.
// The URL is not in it: each row keeps the string it was enqueued with (taken, not copied), so that
// enqueue neither copies nor frees it.
struct target {
    std::string webhook_id;
    std::string event_type;
    std::string method;
    std::string secret;
    std::vector<header> headers;
    std::optional<std::chrono::milliseconds> timeout;
    bool has_secret = false;
    std::uint64_t hash = 0;
    std::size_t refs = 0;
};

// A new row's target fields, to look a target up without building one.
struct target_key {
    const new_row& d;
    std::uint64_t hash;

    target_key(const new_row& row, std::uint64_t seed) noexcept : d(row), hash(compute(row, seed)) {}

    // Every field is hashed: deliveries may differ in one header only (a trace id), and targets
    // that shared a hash would make every lookup walk all of them.
    HOOKBOX_DECL static std::uint64_t compute(const new_row& d, std::uint64_t seed) noexcept;
};

struct target_hash {
    using is_transparent = void;
    std::size_t operator()(const target* t) const noexcept { return static_cast<std::size_t>(t->hash); }
    std::size_t operator()(const target_key& k) const noexcept { return static_cast<std::size_t>(k.hash); }
};

struct target_equal {
    using is_transparent = void;
    bool operator()(const target* a, const target* b) const noexcept { return a == b; }
    bool operator()(const target_key& k, const target* t) const noexcept { return (*this)(t, k); }
    bool operator()(const target* t, const target_key& k) const noexcept {
        const new_row& d = k.d;
        return t->hash == k.hash && t->webhook_id == d.webhook_id && t->event_type == d.event_type &&
               t->method == d.method && t->secret == d.secret && t->headers == d.headers &&
               t->timeout == d.timeout && t->has_secret == d.has_secret;
    }
};

// The targets of a storage's rows, each stored once and counted.
class target_table {
public:
    target_table() = default;
    target_table(const target_table&) = delete;
    target_table& operator=(const target_table&) = delete;

    HOOKBOX_DECL ~target_table();

    // The target of `d`, with one more reference. A new target takes its strings from `d`.
    HOOKBOX_DECL target* acquire(const new_row& d, std::uint64_t seed);

    // Drops one reference; the last one deletes the target.
    HOOKBOX_DECL void release(target* t) noexcept;

private:
    boost::unordered_flat_set<target*, target_hash, target_equal> set_;
};

struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

struct text_equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// A claiming node's id, stored once for all the rows it holds.
struct node_name {
    std::string text;
    std::size_t refs = 0;
};

// Node ids by text. A name nobody holds is kept for the next claim, and swept away when such names
// pile up (node ids that are not reused).
class name_table {
public:
    // The name `text`, found or added; the caller adds the references it takes.
    HOOKBOX_DECL node_name* find_or_add(std::string_view text);

private:
    HOOKBOX_DECL void sweep() noexcept;

    // The key views the name's own text.
    boost::unordered_flat_map<std::string_view, std::unique_ptr<node_name>, text_hash, text_equal> map_;
    std::size_t sweep_at_ = 64;
};

}  // namespace hookbox::detail::mem

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/impl/interning.ipp>
#endif

#endif  // HOOKBOX_STORAGE_DETAIL_INTERNING_HPP
