//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
#define HOOKBOX_STORAGE_MEMORY_STORAGE_HPP

/// \file
/// `memory_storage`: an `outbox_storage` that keeps every delivery in this process's memory.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/prefetch.hpp>
#include <hookbox/error.hpp>
#include <hookbox/payload.hpp>
#include <hookbox/storage/concept.hpp>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hookbox {

namespace detail::mem {

// A row's place in the pool. Indexes refer to rows by slot, in 4 bytes instead of a pointer's 8.
using slot_t = std::uint32_t;
inline constexpr slot_t no_slot = ~slot_t(0);

// Times and durations are kept as milliseconds; these stand for "unset".
inline constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int32_t no_code = std::numeric_limits<std::int32_t>::min();

// How many attempt records a row keeps; older ones are dropped first.
inline constexpr std::size_t history_limit = 100;

inline std::int64_t to_ms(timestamp t) noexcept { return t.time_since_epoch().count(); }
inline std::int64_t to_ms(const std::optional<timestamp>& t) noexcept { return t ? to_ms(*t) : no_time; }
inline timestamp from_ms(std::int64_t v) noexcept { return timestamp(std::chrono::milliseconds(v)); }
inline std::optional<timestamp> opt_time(std::int64_t v) noexcept {
    return v == no_time ? std::nullopt : std::optional<timestamp>(from_ms(v));
}
inline std::optional<std::chrono::milliseconds> opt_duration(std::int64_t v) noexcept {
    return v == no_time ? std::nullopt : std::optional<std::chrono::milliseconds>(v);
}
inline std::optional<int> opt_code(std::int32_t v) noexcept {
    return v == no_code ? std::nullopt : std::optional<int>(v);
}

// A 64-bit hash of byte strings, fed field by field. Keys are short (ids, URLs), so it reads eight
// bytes per step; each table applies its own final mixing. The seed is random per storage, so
// that which keys collide cannot be known in advance.
class hasher64 {
public:
    explicit hasher64(std::uint64_t seed) noexcept : h_(seed) {}

    hasher64& add(std::string_view s) noexcept {
        const char* p = s.data();
        std::size_t n = s.size();
        h_ = (h_ ^ (n + 0x9e3779b97f4a7c15ULL)) * 0xbf58476d1ce4e5b9ULL;
        for (; n >= 8; p += 8, n -= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            h_ = (h_ ^ w) * 0x94d049bb133111ebULL;
            h_ ^= h_ >> 31;
        }
        if (n != 0) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, n);
            h_ = (h_ ^ w) * 0x94d049bb133111ebULL;
            h_ ^= h_ >> 31;
        }
        return *this;
    }

    hasher64& add(std::uint64_t v) noexcept {
        h_ = (h_ ^ v) * 0xbf58476d1ce4e5b9ULL;
        h_ ^= h_ >> 29;
        return *this;
    }

    std::uint64_t value() const noexcept { return h_ ^ (h_ >> 32); }

private:
    std::uint64_t h_;
};

// A string of up to 4 GiB, or none (`std::optional<std::string>` in 16 bytes instead of 40):
// up to 15 bytes inside, longer ones on the heap.
class compact_text {
public:
    compact_text() noexcept = default;

    explicit compact_text(std::string_view s) {
        if (s.size() <= inline_capacity) {
            std::memcpy(data_, s.data(), s.size());
            tag_ = static_cast<std::uint8_t>(s.size());
            return;
        }
        if (s.size() > std::numeric_limits<std::uint32_t>::max())
            throw std::length_error("hookbox: text longer than 4 GiB");
        char* p = new char[s.size()];
        std::memcpy(p, s.data(), s.size());
        auto n = static_cast<std::uint32_t>(s.size());
        std::memcpy(data_, &p, sizeof p);
        std::memcpy(data_ + sizeof p, &n, sizeof n);
        tag_ = heap_tag;
    }

    static compact_text from(const std::optional<std::string>& s) { return s ? compact_text(*s) : compact_text(); }

    compact_text(compact_text&& o) noexcept : tag_(o.tag_) {
        std::memcpy(data_, o.data_, sizeof data_);
        o.tag_ = null_tag;
    }

    compact_text& operator=(compact_text&& o) noexcept {
        if (this != &o) {
            release();
            std::memcpy(data_, o.data_, sizeof data_);
            tag_ = o.tag_;
            o.tag_ = null_tag;
        }
        return *this;
    }

    compact_text(const compact_text&) = delete;
    compact_text& operator=(const compact_text&) = delete;

    ~compact_text() { release(); }

    bool has_value() const noexcept { return tag_ != null_tag; }

    // The text; empty when there is none.
    std::string_view view() const noexcept {
        if (tag_ <= inline_capacity)
            return {data_, tag_};
        if (tag_ == heap_tag) {
            const char* p;
            std::uint32_t n;
            std::memcpy(&p, data_, sizeof p);
            std::memcpy(&n, data_ + sizeof p, sizeof n);
            return {p, n};
        }
        return {};
    }

    std::optional<std::string> to_optional() const {
        return has_value() ? std::optional<std::string>(std::string(view())) : std::nullopt;
    }

    void reset() noexcept { release(); }

private:
    static constexpr std::uint8_t inline_capacity = 15;
    static constexpr std::uint8_t heap_tag = 0xFE;
    static constexpr std::uint8_t null_tag = 0xFF;

    void release() noexcept {
        if (tag_ == heap_tag) {
            char* p;
            std::memcpy(&p, data_, sizeof p);
            delete[] p;
        }
        tag_ = null_tag;
    }

    char data_[inline_capacity];
    std::uint8_t tag_ = null_tag;
};

static_assert(sizeof(compact_text) == 16);

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

// What a new row is made of: the fields of a delivery, or of a checked enqueue request and what the
// outbox adds to it, so that a request needs no `delivery` built on its way in. The strings, the
// headers and the payload are taken from their owner when the row is stored.
struct new_row {
    delivery_id id;
    std::int32_t partition;
    std::int64_t created_at;
    std::int64_t updated_at;
    bool has_secret;
    std::optional<std::chrono::milliseconds> timeout;
    std::string& webhook_id;
    std::string& event_id;
    std::string& event_type;
    std::string& method;
    std::string& secret;
    std::vector<header>& headers;
    std::string& url;
    hookbox::payload& payload;

    static new_row of(delivery& d) noexcept {
        return {d.id,         d.partition_key,  to_ms(d.created_at), to_ms(d.updated_at), d.has_secret,
                d.timeout,    d.webhook_id,     d.event_id,          d.event_type,        d.method,
                d.secret,     d.headers,        d.url,               d.payload};
    }

    static new_row of(enqueue_request& r, const new_delivery& nd) noexcept {
        return {nd.id,        nd.partition_key, to_ms(nd.now), to_ms(nd.now), !r.secret.empty(),
                r.timeout,    r.webhook_id,     r.event_id,    r.event_type,  r.method,
                r.secret,     r.headers,        r.url,         r.payload};
    }
};

// A new row's target fields, to look a target up without building one.
struct target_key {
    const new_row& d;
    std::uint64_t hash;

    target_key(const new_row& row, std::uint64_t seed) noexcept : d(row), hash(compute(row, seed)) {}

    // Every field is hashed: deliveries may differ in one header only (a trace id), and targets
    // that shared a hash would make every lookup walk all of them.
    static std::uint64_t compute(const new_row& d, std::uint64_t seed) noexcept {
        hasher64 h(seed);
        h.add(d.webhook_id).add(d.event_type).add(d.method).add(d.secret);
        for (const auto& x : d.headers)
            h.add(x.name).add(x.value);
        h.add((d.timeout ? static_cast<std::uint64_t>(d.timeout->count()) << 2 : 0) | (d.timeout ? 2u : 0u) |
              (d.has_secret ? 1u : 0u));
        return h.value();
    }
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
               t->method == d.method && t->secret == d.secret && t->headers == d.headers && t->timeout == d.timeout &&
               t->has_secret == d.has_secret;
    }
};

// The targets of a storage's rows, each stored once and counted.
class target_table {
public:
    target_table() = default;
    target_table(const target_table&) = delete;
    target_table& operator=(const target_table&) = delete;

    ~target_table() {
        for (target* t : set_)
            delete t;
    }

    // The target of `d`, with one more reference. A new target takes its strings from `d`.
    target* acquire(const new_row& d, std::uint64_t seed) {
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

    // Drops one reference; the last one deletes the target.
    void release(target* t) noexcept {
        if (--t->refs == 0) {
            set_.erase(t);
            delete t;
        }
    }

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
    node_name* find_or_add(std::string_view text) {
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

private:
    void sweep() noexcept {
        boost::unordered::erase_if(map_, [](const auto& kv) { return kv.second->refs == 0; });
        sweep_at_ = std::max<std::size_t>(64, map_.size() * 2);
    }

    // The key views the name's own text.
    boost::unordered_flat_map<std::string_view, std::unique_ptr<node_name>, text_hash, text_equal> map_;
    std::size_t sweep_at_ = 64;
};

// Row flags.
enum : std::uint8_t {
    has_secret_flag = 1,
    // A pending row that came back (retried, reaped, released, redelivered): it waits in its
    // partition's ready or delayed set and in `returned`, not in the fresh queue.
    returned_flag = 2,
    // With returned_flag: in the delayed set, until next_retry_at.
    delayed_flag = 4,
    // The last-attempt fields (last_attempted_at, response_code, last_duration, error,
    // last_outcome) are the latest attempt record, numbered `recorded`.
    current_record_flag = 8,
};

// One delivery. The strings it shares with other deliveries are in its target; the history of
// attempts before the latest one is in `older`, allocated only for rows attempted more than once.
struct row {
    // The fresh queue of its partition while pending and never claimed; the in-flight list while
    // in flight. A row is in at most one of them.
    slot_t prev = no_slot;
    slot_t next = no_slot;
    std::int32_t partition = 0;
    delivery_status status = delivery_status::pending;
    delivery_status last_outcome = delivery_status::pending;
    payload_kind kind = payload_kind::json;
    std::uint8_t flags = 0;
    std::uint64_t sequence = 0;
    std::uint64_t claim_token = 0;
    delivery_id id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t claimed_at = no_time;
    std::int64_t next_retry_at = no_time;
    std::int64_t last_attempted_at = no_time;
    std::int64_t last_duration = no_time;
    target* tgt = nullptr;
    node_name* claimed_by = nullptr;
    std::shared_ptr<const std::string> body;
    std::string url;
    std::int32_t attempts = 0;
    std::int32_t response_code = no_code;
    // The number of the latest attempt record; 0 before the first.
    std::int32_t recorded = 0;
    compact_text event_id;
    compact_text response_body;
    compact_text error;
    std::unique_ptr<std::vector<attempt_record>> older;

    bool has(std::uint8_t f) const noexcept { return (flags & f) != 0; }
};

// Large, long-lived arrays (row blocks, index tables) are allocated aligned to 2 MiB and, on Linux,
// offered to the kernel for transparent huge pages: touching fresh memory then costs one page fault
// per 2 MiB instead of one per 4 KiB, and page faults are what filling a new storage mostly costs.
inline constexpr std::size_t huge_page = std::size_t(2) << 20;

inline void* allocate_huge(std::size_t bytes) {
    void* mem = ::operator new(bytes, std::align_val_t(huge_page));
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(mem, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
    return mem;
}

inline void free_huge(void* mem, std::size_t bytes) noexcept {
    ::operator delete(mem, bytes, std::align_val_t(huge_page));
}

// The allocator of the hash indexes: a table of 256 KiB or more takes whole huge pages (at most
// twice its size in memory, and only once the storage holds some 30000 rows); smaller ones come
// from the ordinary heap.
template <class T>
struct index_allocator {
    using value_type = T;
    static constexpr std::size_t large = std::size_t(256) << 10;

    index_allocator() noexcept = default;
    template <class U>
    index_allocator(const index_allocator<U>&) noexcept {}

    static std::size_t huge_bytes(std::size_t n) noexcept {
        std::size_t bytes = n * sizeof(T);
        return bytes < large ? 0 : (bytes + huge_page - 1) / huge_page * huge_page;
    }

    T* allocate(std::size_t n) {
        if (n > std::size_t(-1) / sizeof(T))
            throw std::bad_array_new_length();
        if (std::size_t b = huge_bytes(n))
            return static_cast<T*>(allocate_huge(b));
        return std::allocator<T>().allocate(n);
    }

    void deallocate(T* p, std::size_t n) noexcept {
        if (std::size_t b = huge_bytes(n))
            free_huge(p, b);
        else
            std::allocator<T>().deallocate(p, n);
    }

    template <class U>
    bool operator==(const index_allocator<U>&) const noexcept {
        return true;
    }
};

// Rows live at fixed slots in blocks that the storage allocates; a deleted row's slot is reused by
// the next insert. The first block is small (256 rows), so that a small storage stays small; every
// later block takes a 2 MiB huge page.
class row_pool {
public:
    static constexpr std::size_t first_rows = 256;
    static constexpr std::size_t rows_per_block = huge_page / sizeof(row);

    row_pool() = default;
    row_pool(const row_pool&) = delete;
    row_pool& operator=(const row_pool&) = delete;

    // Frees the blocks; the rows in them must have been destroyed already.
    ~row_pool() {
        if (first_)
            ::operator delete(first_, first_rows * sizeof(row), std::align_val_t(alignof(row)));
        for (void* b : blocks_)
            free_huge(b, huge_page);
    }

    row& operator[](slot_t s) noexcept { return *static_cast<row*>(address(s)); }
    const row& operator[](slot_t s) const noexcept { return *static_cast<const row*>(address(s)); }

    // A new, default-constructed row.
    slot_t make() {
        slot_t s;
        if (free_ != no_slot) {
            s = free_;
            free_ = *static_cast<slot_t*>(address(s));
        } else {
            if (used_ == capacity())
                grow();
            s = static_cast<slot_t>(used_++);
        }
        ::new (address(s)) row;  // every member has its initialiser; none throws
        return s;
    }

    // Destroys a row made by `make` and keeps its slot for the next one.
    void destroy(slot_t s) noexcept {
        (*this)[s].~row();
        ::new (address(s)) slot_t(free_);
        free_ = s;
    }

private:
    std::size_t capacity() const noexcept { return first_ ? first_rows + blocks_.size() * rows_per_block : 0; }

    void* address(slot_t s) const noexcept {
        if (s < first_rows)
            return static_cast<unsigned char*>(first_) + std::size_t(s) * sizeof(row);
        std::size_t i = s - first_rows;
        return static_cast<unsigned char*>(blocks_[i / rows_per_block]) + (i % rows_per_block) * sizeof(row);
    }

    void grow() {
        if (!first_) {
            first_ = ::operator new(first_rows * sizeof(row), std::align_val_t(alignof(row)));
            return;
        }
        if (capacity() + rows_per_block >= no_slot)
            throw std::length_error("hookbox: memory_storage holds too many rows");
        blocks_.reserve(blocks_.size() + 1);
        blocks_.push_back(allocate_huge(huge_page));
    }

    void* first_ = nullptr;
    std::vector<void*> blocks_;
    std::size_t used_ = 0;  // slots handed out at least once
    slot_t free_ = no_slot; // the latest destroyed slot; each free slot holds the next one
};

// Sequence -> slot, for every sequence handed out: rows are numbered 1, 2, 3, ... in insert order.
// Chunks wholly below the first live row are freed, so a storage whose oldest rows are purged
// does not keep their entries.
class sequence_index {
public:
    static constexpr std::size_t chunk = 16384;

    std::uint64_t size() const noexcept { return size_; }

    // The slot of `seq`, or no_slot for a removed row or a sequence out of range.
    slot_t at(std::uint64_t seq) const noexcept {
        if (seq == 0 || seq > size_)
            return no_slot;
        const auto& c = chunks_[(seq - 1) / chunk];
        return c ? c[(seq - 1) % chunk] : no_slot;
    }

    // Numbers a new row.
    std::uint64_t push(slot_t s) {
        if (size_ / chunk == chunks_.size())
            chunks_.push_back(std::make_unique_for_overwrite<slot_t[]>(chunk));
        chunks_[size_ / chunk][size_ % chunk] = s;
        return ++size_;
    }

    // Takes back the latest `push`.
    void pop() noexcept { --size_; }

    void erase(std::uint64_t seq) noexcept { chunks_[(seq - 1) / chunk][(seq - 1) % chunk] = no_slot; }

    // The lowest sequence that may be live (size() + 1 when none is). Advances past removed rows
    // and frees the chunks it leaves behind.
    std::uint64_t first_live() noexcept {
        while (head_ < size_) {
            auto& c = chunks_[head_ / chunk];
            if (c[head_ % chunk] != no_slot)
                break;
            if (++head_ % chunk == 0)
                c.reset();  // the chunk just passed: every row in it is gone
        }
        return head_ + 1;
    }

private:
    std::vector<std::unique_ptr<slot_t[]>> chunks_;
    std::uint64_t size_ = 0;
    std::uint64_t head_ = 0;  // no row below sequence head_ + 1 is live
};

// The hash indexes hold 8-byte entries: 32 bits of the key's hash beside the row's slot, so that
// growing a table never reads a row, and a lookup reads a row only when those 32 bits match.
inline std::uint64_t make_entry(std::uint32_t h, slot_t s) noexcept { return (std::uint64_t(h) << 32) | s; }
inline slot_t entry_slot(std::uint64_t e) noexcept { return static_cast<slot_t>(e); }
inline std::uint32_t entry_hash(std::uint64_t e) noexcept { return static_cast<std::uint32_t>(e >> 32); }

inline std::uint32_t id_hash32(const delivery_id& id) noexcept {
    return static_cast<std::uint32_t>(std::hash<delivery_id>{}(id) >> 32);
}

struct id_key {
    const delivery_id& id;
    std::uint32_t hash;
    explicit id_key(const delivery_id& i) noexcept : id(i), hash(id_hash32(i)) {}
};

struct dedup_key {
    std::string_view event_id;
    std::string_view webhook_id;
    std::uint32_t hash;

    dedup_key(std::string_view event, std::string_view webhook, std::uint64_t seed) noexcept
        : event_id(event), webhook_id(webhook),
          hash(static_cast<std::uint32_t>(hasher64(seed).add(event).add(webhook).value())) {}
};

struct entry_hash_fn {
    using is_transparent = void;
    std::size_t operator()(std::uint64_t e) const noexcept { return entry_hash(e); }
    std::size_t operator()(const id_key& k) const noexcept { return k.hash; }
    std::size_t operator()(const dedup_key& k) const noexcept { return k.hash; }
};

struct entry_equal_fn {
    using is_transparent = void;
    const row_pool* pool = nullptr;

    bool operator()(std::uint64_t a, std::uint64_t b) const noexcept { return a == b; }
    bool operator()(const id_key& k, std::uint64_t e) const noexcept {
        return entry_hash(e) == k.hash && (*pool)[entry_slot(e)].id == k.id;
    }
    bool operator()(std::uint64_t e, const id_key& k) const noexcept { return (*this)(k, e); }
    bool operator()(const dedup_key& k, std::uint64_t e) const noexcept {
        if (entry_hash(e) != k.hash)
            return false;
        const row& r = (*pool)[entry_slot(e)];
        return r.event_id.view() == k.event_id && r.tgt->webhook_id == k.webhook_id;
    }
    bool operator()(std::uint64_t e, const dedup_key& k) const noexcept { return (*this)(k, e); }
};

using entry_set =
    boost::unordered_flat_set<std::uint64_t, entry_hash_fn, entry_equal_fn, index_allocator<std::uint64_t>>;

struct partition_queues {
    // Never-claimed rows in sequence order, linked through row::prev/next.
    slot_t fresh_head = no_slot;
    slot_t fresh_tail = no_slot;
    // Rows that came back and are claimable now, by sequence.
    std::map<std::uint64_t, slot_t> ready;
    // Rows that came back and wait for next_retry_at, by (next_retry_at, sequence).
    std::set<std::tuple<std::int64_t, std::uint64_t, slot_t>> delayed;
};

}  // namespace detail::mem

/// An `outbox_storage` in this process's memory: nothing survives the process, so it suits tests,
/// caches of work that can be rebuilt, and single-process services that accept that.
///
/// Every operation takes one mutex, so a `memory_storage` may be used from several threads at once.
///
/// Costs do not depend on how many rows exist. Each partition keeps its never-claimed rows in a
/// FIFO (they arrive in sequence order), and rows that come back (retried, reaped, released,
/// redelivered) in a set ordered by sequence, or by `next_retry_at` while they wait; in-flight rows
/// are kept in claim order for reaping; finished rows are in none of these. Enqueue, claiming one
/// row and acking one row cost `O(1)` on the common path and `O(log n)` for rows that came back; a
/// claim over every partition adds `O(p)` for `p` partitions. `list` seeks its cursor in `O(1)` and
/// then walks rows in sequence order, so a filtered `list` costs the rows it passes over.
///
/// The operations walk rows in sequence order and cost the rows they pass over: `replay`, `purge`
/// (a batch stops at its limit) and `failures` (every row). Rows removed from the front of the
/// sequence are skipped in `O(1)`, so a retention sweep that deletes the oldest rows does not rescan
/// them.
///
/// Finished rows stay until `purge` removes them (the retention sweeper calls it), and their dedup
/// entries go with them. Each row keeps its latest 100 attempt records.
///
/// Memory: a row takes about 230 bytes besides its payload and its URL (both taken from the request,
/// not copied) and its other texts longer than 15 bytes. What deliveries share (webhook id, event
/// type, method, headers, secret, timeout) is stored once for all of them. Beyond its first 256
/// rows, rows live in 2 MiB blocks, and large index tables in whole 2 MiB pages, offered to the
/// kernel as huge pages on Linux. A purged row's place is reused by the next enqueue; the blocks are
/// freed when the storage is destroyed, not when rows are purged.
///
/// A moved-from `memory_storage` may only be destroyed or assigned to.
class memory_storage {
public:
    memory_storage() : s_(std::make_unique<state>()) {}

    memory_storage(memory_storage&&) noexcept = default;
    memory_storage& operator=(memory_storage&&) noexcept = default;

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        return insert_row(detail::mem::new_row::of(d), ec, diag);
    }

    // The optional `insert` from a checked request: the same row, with no `delivery` built first.
    enqueue_result insert(enqueue_request&& req, const new_delivery& nd, error_code& ec, diagnostics& diag) {
        return insert_row(detail::mem::new_row::of(req, nd), ec, diag);
    }

    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        ec.clear();
        for (const auto& d : ds)
            if (!check_partition(d.partition_key, ec, diag))
                return {};
        std::vector<enqueue_result> out;
        out.reserve(ds.size());
        std::lock_guard lock(s_->mu);
        // Check every id first, so that nothing is stored unless everything can be.
        boost::unordered_flat_set<delivery_id, std::hash<delivery_id>> fresh_ids;
        for (const auto& d : ds) {
            if (s_->ids.contains(detail::mem::id_key(d.id)) || !fresh_ids.insert(d.id).second) {
                fail_id_taken(d.id, ec, diag);
                return {};
            }
        }
        for (auto& d : ds) {
            detail::mem::dedup_key key(d.event_id, d.webhook_id, s_->seed);
            if (auto it = s_->dedup.find(key); it != s_->dedup.end())
                out.push_back({s_->row_of(*it).id, false});
            else
                out.push_back(s_->store(detail::mem::new_row::of(d), key.hash, detail::mem::id_hash32(d.id)));
        }
        return out;
    }

    std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics& diag) {
        std::vector<delivery> out;
        claim(q, out, ec, diag);
        return out;
    }

    // The optional form of `claim` that fills a caller's vector, reusing the deliveries in it.
    void claim(const claim_query& q, std::vector<delivery>& out, error_code& ec, diagnostics&) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        s_->claim(q, out);
    }

    std::vector<std::vector<delivery>> claim_many(std::span<const claim_query> qs, std::size_t max_total,
                                                  error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<std::vector<delivery>> out;
        out.reserve(qs.size());
        std::lock_guard lock(s_->mu);
        for (claim_query q : qs) {
            q.limit = std::min(q.limit, max_total);
            auto& rows = out.emplace_back();
            if (q.limit != 0)
                s_->claim(q, rows);
            max_total -= out.back().size();
        }
        return out;
    }

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        s_->complete(ref, std::move(c), ec, diag);
    }

    std::vector<error_code> complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs,
                                          error_code& ec, diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics ignored;
            s_->complete(refs[i], std::move(cs[i]), out[i], ignored);
        }
        return out;
    }

    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics&) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        detail::mem::slot_t s = s_->find(id);
        if (s == detail::mem::no_slot)
            return std::nullopt;
        return s_->to_delivery(s_->pool[s], false);
    }

    list_page list(const list_options& lo, error_code& ec, diagnostics&) const {
        ec.clear();
        list_page page;
        std::lock_guard lock(s_->mu);
        const std::uint64_t end = s_->all.size();
        for (std::uint64_t seq = std::max(lo.after_sequence.value_or(0) + 1, s_->all.first_live()); seq <= end;
             ++seq) {
            detail::mem::slot_t s = s_->all.at(seq);
            if (s == detail::mem::no_slot)
                continue;
            const auto& r = s_->pool[s];
            if (lo.status && r.status != *lo.status)
                continue;
            if (lo.webhook_id && r.tgt->webhook_id != *lo.webhook_id)
                continue;
            page.items.push_back(s_->to_delivery(r, false));
            if (page.items.size() == lo.limit) {
                page.next_cursor = r.sequence;
                break;
            }
        }
        return page;
    }

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        ec.clear();
        std::lock_guard lock(s_->mu);
        detail::mem::slot_t s = s_->find(id);
        if (s == detail::mem::no_slot) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        auto& r = s_->pool[s];
        if (!is_terminal(r.status)) {
            detail::fail_not_eligible(ec, diag, id, r.status);
            return {};
        }
        s_->reset(s, now);
        return s_->to_delivery(r, false);
    }

    std::size_t replay(const delivery_filter& f, std::size_t limit, timestamp now, error_code& ec, diagnostics&) {
        ec.clear();
        std::size_t n = 0;
        std::lock_guard lock(s_->mu);
        const std::uint64_t end = s_->all.size();
        for (std::uint64_t seq = s_->all.first_live(); seq <= end && n < limit; ++seq) {
            detail::mem::slot_t s = s_->all.at(seq);
            if (s == detail::mem::no_slot || !is_terminal(s_->pool[s].status) || !s_->matches(f, s_->pool[s]))
                continue;
            s_->reset(s, now);
            ++n;
        }
        return n;
    }

    std::size_t purge(const delivery_filter& f, std::size_t limit, error_code& ec, diagnostics&) {
        ec.clear();
        std::size_t n = 0;
        std::lock_guard lock(s_->mu);
        const std::uint64_t end = s_->all.size();
        for (std::uint64_t seq = s_->all.first_live(); seq <= end && n < limit; ++seq) {
            detail::mem::slot_t s = s_->all.at(seq);
            if (s == detail::mem::no_slot || !s_->matches(f, s_->pool[s]))
                continue;
            s_->remove(s);
            ++n;
        }
        return n;
    }

    std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr, error_code& ec,
                                    diagnostics&) {
        ec.clear();
        std::vector<error_code> out(refs.size());
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < refs.size(); ++i) {
            diagnostics ignored;
            s_->release(refs[i], rr, out[i], ignored);
        }
        return out;
    }

    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) const {
        ec.clear();
        std::lock_guard lock(s_->mu);
        detail::mem::slot_t s = s_->find(id);
        if (s == detail::mem::no_slot) {
            detail::fail_not_found(ec, diag, id);
            return {};
        }
        const auto& r = s_->pool[s];
        std::vector<attempt_record> out;
        if (r.older)
            out = *r.older;
        if (r.has(detail::mem::current_record_flag))
            out.push_back(state::current_record(r));
        return out;
    }

    std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics&) const {
        ec.clear();
        detail::failure_tally tally;
        std::lock_guard lock(s_->mu);
        const std::uint64_t end = s_->all.size();
        for (std::uint64_t seq = s_->all.first_live(); seq <= end; ++seq) {
            detail::mem::slot_t s = s_->all.at(seq);
            if (s == detail::mem::no_slot)
                continue;
            const auto& r = s_->pool[s];
            if (detail::is_failing(r.status, r.attempts))
                tally.add(r.tgt->webhook_id, r.status, r.error.to_optional(), detail::mem::from_ms(r.updated_at),
                          r.sequence);
        }
        return tally.take(limit);
    }

    outbox_stats stats(timestamp now, error_code& ec, diagnostics&) const {
        ec.clear();
        outbox_stats st;
        std::lock_guard lock(s_->mu);
        for (std::size_t i = 0; i < delivery_status_count; ++i)
            st.by_status[i] = static_cast<std::size_t>(s_->counts[i]);
        // The oldest pending row heads a fresh queue or the returned-rows index.
        std::uint64_t oldest = s_->returned.empty() ? ~std::uint64_t(0) : s_->returned.begin()->first;
        detail::mem::slot_t slot = s_->returned.empty() ? detail::mem::no_slot : s_->returned.begin()->second;
        for (const auto& p : s_->partitions) {
            if (p->fresh_head != detail::mem::no_slot && s_->pool[p->fresh_head].sequence < oldest) {
                oldest = s_->pool[p->fresh_head].sequence;
                slot = p->fresh_head;
            }
        }
        if (slot != detail::mem::no_slot)
            st.oldest_pending_age = now - detail::mem::from_ms(s_->pool[slot].created_at);
        return st;
    }

private:
    struct state {
        mutable std::mutex mu;
        std::uint64_t seed = seed_from(delivery_id::generate());
        detail::mem::row_pool pool;
        detail::mem::sequence_index all;
        detail::mem::entry_set ids{0, detail::mem::entry_hash_fn{}, detail::mem::entry_equal_fn{&pool}};
        detail::mem::entry_set dedup{0, detail::mem::entry_hash_fn{}, detail::mem::entry_equal_fn{&pool}};
        detail::mem::target_table targets;
        detail::mem::name_table names;
        std::vector<std::unique_ptr<detail::mem::partition_queues>> partitions;
        // In claim order: (claimed_at, claim_token) ascending, so the oldest claim is reaped first.
        detail::mem::slot_t flight_head = detail::mem::no_slot;
        detail::mem::slot_t flight_tail = detail::mem::no_slot;
        // Pending rows that came back (ready or delayed), by sequence.
        std::map<std::uint64_t, detail::mem::slot_t> returned;
        std::uint64_t next_token = 0;
        // Scratch space of claim, kept to save an allocation per call.
        std::vector<detail::mem::slot_t> taken;
        std::vector<std::pair<std::uint64_t, detail::mem::partition_queues*>> heads;
        std::array<std::int64_t, delivery_status_count> counts{};

        state() = default;
        state(const state&) = delete;
        state& operator=(const state&) = delete;

        ~state() {
            const std::uint64_t end = all.size();
            for (std::uint64_t seq = all.first_live(); seq <= end; ++seq)
                if (detail::mem::slot_t s = all.at(seq); s != detail::mem::no_slot)
                    pool.destroy(s);
        }

        static std::uint64_t seed_from(const delivery_id& random) noexcept {
            std::uint64_t v;
            std::memcpy(&v, random.bytes().data(), 8);
            return v;
        }

        const detail::mem::row& row_of(std::uint64_t entry) const noexcept {
            return pool[detail::mem::entry_slot(entry)];
        }

        detail::mem::slot_t find(const delivery_id& id) const noexcept {
            auto it = ids.find(detail::mem::id_key(id));
            return it == ids.end() ? detail::mem::no_slot : detail::mem::entry_slot(*it);
        }

        // By sequence when the caller knows it (an index, no hashing), else by id.
        detail::mem::slot_t find(const claim_ref& ref) const noexcept {
            if (ref.sequence != 0) {
                detail::mem::slot_t s = all.at(ref.sequence);
                return s != detail::mem::no_slot && pool[s].id == ref.id ? s : detail::mem::no_slot;
            }
            return find(ref.id);
        }

        void count(delivery_status s, int delta) noexcept { counts[static_cast<std::size_t>(s)] += delta; }

        detail::mem::partition_queues& partition(int p) {
            while (partitions.size() <= static_cast<std::size_t>(p))
                partitions.push_back(std::make_unique<detail::mem::partition_queues>());
            return *partitions[static_cast<std::size_t>(p)];
        }

        bool matches(const delivery_filter& f, const detail::mem::row& r) const noexcept {
            using detail::mem::to_ms;
            return (!f.status || r.status == *f.status) && (!f.webhook_id || r.tgt->webhook_id == *f.webhook_id) &&
                   (!f.created_from || r.created_at >= to_ms(*f.created_from)) &&
                   (!f.created_before || r.created_at < to_ms(*f.created_before)) &&
                   (!f.updated_before || r.updated_at < to_ms(*f.updated_before));
        }

        // ----- the row as the API shows it -----

        delivery to_delivery(const detail::mem::row& r, bool with_secret) const {
            delivery d;
            fill(d, r, with_secret);
            return d;
        }

        // Makes `d` the row as the API shows it. Every field is assigned, so `d` may be any earlier
        // delivery: its strings keep their capacity, and a reused `d` needs no allocation.
        static void fill(delivery& d, const detail::mem::row& r, bool with_secret) {
            using namespace detail::mem;
            const target& t = *r.tgt;
            d.id = r.id;
            d.webhook_id = t.webhook_id;
            d.event_id = r.event_id.view();
            d.event_type = t.event_type;
            d.url = r.url;
            d.method = t.method;
            d.headers = t.headers;
            if (with_secret)
                d.secret = t.secret;
            else
                d.secret.clear();
            d.has_secret = r.has(has_secret_flag);
            d.timeout = t.timeout;
            d.payload = detail::payload_access::make(r.body, r.kind);
            d.partition_key = r.partition;
            d.status = r.status;
            d.attempts = r.attempts;
            assign(d.claimed_by, r.claimed_by ? std::optional<std::string_view>(r.claimed_by->text) : std::nullopt);
            d.claimed_at = opt_time(r.claimed_at);
            d.claim_token = r.claim_token;
            d.next_retry_at = opt_time(r.next_retry_at);
            d.last_attempted_at = opt_time(r.last_attempted_at);
            d.response_code = opt_code(r.response_code);
            assign(d.response_body, r.response_body);
            assign(d.error, r.error);
            d.last_duration = opt_duration(r.last_duration);
            d.sequence = r.sequence;
            d.created_at = from_ms(r.created_at);
            d.updated_at = from_ms(r.updated_at);
        }

        // `o = v`, into the string `o` already holds when there is one.
        static void assign(std::optional<std::string>& o, std::optional<std::string_view> v) {
            if (!v)
                o.reset();
            else if (o)
                o->assign(*v);
            else
                o.emplace(*v);
        }

        static void assign(std::optional<std::string>& o, const detail::mem::compact_text& v) {
            assign(o, v.has_value() ? std::optional<std::string_view>(v.view()) : std::nullopt);
        }

        // The latest attempt record, made of the row's last-attempt fields.
        static attempt_record current_record(const detail::mem::row& r) {
            using namespace detail::mem;
            return attempt_record{r.recorded,     from_ms(r.last_attempted_at), r.last_outcome,
                                  opt_code(r.response_code), std::chrono::milliseconds(r.last_duration),
                                  r.error.to_optional()};
        }

        // Before the last-attempt fields change, their record moves to `older`. The history it
        // shows stays the same, so a later failure in the same step leaves nothing to undo.
        static void archive(detail::mem::row& r) {
            using namespace detail::mem;
            if (!r.has(current_record_flag))
                return;
            if (!r.older)
                r.older = std::make_unique<std::vector<attempt_record>>();
            r.older->push_back(current_record(r));
            r.flags &= static_cast<std::uint8_t>(~current_record_flag);
        }

        // ----- enqueue -----

        // Stores a new row whose id and (event_id, webhook_id) are known to be free. Strong
        // guarantee: if a step throws, nothing of the row stays behind.
        enqueue_result store(const detail::mem::new_row& d, std::uint32_t dedup_hash, std::uint32_t id_hash) {
            using namespace detail::mem;
            auto& part = partition(d.partition);
            compact_text event_id(d.event_id);
            target* t = targets.acquire(d, seed);
            slot_t s;
            try {
                s = pool.make();
            } catch (...) {
                targets.release(t);
                throw;
            }
            row& r = pool[s];
            r.partition = d.partition;
            r.kind = d.payload.kind();
            r.flags = d.has_secret ? has_secret_flag : 0;
            r.id = d.id;
            r.created_at = d.created_at;
            r.updated_at = d.updated_at;
            r.tgt = t;
            r.body = detail::payload_access::take_body(std::move(d.payload));
            r.url = std::move(d.url);
            r.event_id = std::move(event_id);
            try {
                r.sequence = all.push(s);  // dense from 1
                try {
                    dedup.insert(make_entry(dedup_hash, s));
                    try {
                        ids.insert(make_entry(id_hash, s));
                    } catch (...) {
                        dedup.erase(make_entry(dedup_hash, s));
                        throw;
                    }
                } catch (...) {
                    all.pop();
                    throw;
                }
            } catch (...) {
                pool.destroy(s);
                targets.release(t);
                throw;
            }
            link_back(part.fresh_head, part.fresh_tail, s);
            count(delivery_status::pending, +1);
            return {r.id, true};
        }

        // ----- the intrusive lists (fresh queues and the in-flight list) -----

        void link_back(detail::mem::slot_t& head, detail::mem::slot_t& tail, detail::mem::slot_t s) noexcept {
            auto& r = pool[s];
            r.prev = tail;
            r.next = detail::mem::no_slot;
            if (tail != detail::mem::no_slot)
                pool[tail].next = s;
            else
                head = s;
            tail = s;
        }

        // Links `s` in before `pos` (no_slot: at the back).
        void link_before(detail::mem::slot_t& head, detail::mem::slot_t& tail, detail::mem::slot_t pos,
                         detail::mem::slot_t s) noexcept {
            if (pos == detail::mem::no_slot)
                return link_back(head, tail, s);
            auto& r = pool[s];
            auto& p = pool[pos];
            r.next = pos;
            r.prev = p.prev;
            if (p.prev != detail::mem::no_slot)
                pool[p.prev].next = s;
            else
                head = s;
            p.prev = s;
        }

        void unlink(detail::mem::slot_t& head, detail::mem::slot_t& tail, detail::mem::slot_t s) noexcept {
            auto& r = pool[s];
            if (r.prev != detail::mem::no_slot)
                pool[r.prev].next = r.next;
            else
                head = r.next;
            if (r.next != detail::mem::no_slot)
                pool[r.next].prev = r.prev;
            else
                tail = r.prev;
            r.prev = r.next = detail::mem::no_slot;
        }

        // ----- rows that come back to pending -----

        // Puts a row that is about to become pending again in the returned index and in its
        // partition's ready set, or its delayed set when it has a retry time. Only these inserts
        // can throw, so callers make them before they change anything else.
        void enter_returned(detail::mem::slot_t s, std::int64_t next_retry_at) {
            using namespace detail::mem;
            auto& r = pool[s];
            auto& part = partition(r.partition);
            // Keys almost always grow, so an end hint makes these inserts constant time.
            auto back = returned.emplace_hint(returned.end(), r.sequence, s);
            try {
                if (next_retry_at != no_time)
                    part.delayed.emplace_hint(part.delayed.end(), next_retry_at, r.sequence, s);
                else
                    part.ready.emplace_hint(part.ready.end(), r.sequence, s);
            } catch (...) {
                returned.erase(back);
                throw;
            }
            r.flags = static_cast<std::uint8_t>((r.flags & ~delayed_flag) | returned_flag |
                                                (next_retry_at != no_time ? delayed_flag : 0));
        }

        // Takes a pending row out of whichever queue holds it.
        void leave_pending(detail::mem::slot_t s) noexcept {
            using namespace detail::mem;
            auto& r = pool[s];
            auto& part = *partitions[static_cast<std::size_t>(r.partition)];
            if (!r.has(returned_flag))
                return unlink(part.fresh_head, part.fresh_tail, s);
            returned.erase(r.sequence);
            if (r.has(delayed_flag))
                part.delayed.erase(std::make_tuple(r.next_retry_at, r.sequence, s));
            else
                part.ready.erase(r.sequence);
            r.flags = static_cast<std::uint8_t>(r.flags & ~(returned_flag | delayed_flag));
        }

        // Moves rows whose retry time has come from the delayed set to the ready set.
        void promote(detail::mem::partition_queues& part, timestamp now) {
            const std::int64_t t = detail::mem::to_ms(now);
            while (!part.delayed.empty() && std::get<0>(*part.delayed.begin()) <= t) {
                auto [at, seq, s] = *part.delayed.begin();
                part.ready.emplace_hint(part.ready.end(), seq, s);
                part.delayed.erase(part.delayed.begin());
                pool[s].flags = static_cast<std::uint8_t>(pool[s].flags & ~detail::mem::delayed_flag);
            }
        }

        // Ends a claim: out of the in-flight list, the node's name let go. The row is still counted
        // as in flight; the caller moves it.
        void drop_claim(detail::mem::slot_t s) noexcept {
            auto& r = pool[s];
            unlink(flight_head, flight_tail, s);
            if (r.claimed_by)
                --r.claimed_by->refs;
            r.claimed_by = nullptr;
            r.claimed_at = detail::mem::no_time;
            r.claim_token = 0;
        }

        void reap(timestamp reap_before, timestamp now) {
            const std::int64_t before = detail::mem::to_ms(reap_before);
            while (flight_head != detail::mem::no_slot && pool[flight_head].claimed_at < before) {
                detail::mem::slot_t s = flight_head;
                auto& r = pool[s];
                enter_returned(s, r.next_retry_at);
                drop_claim(s);
                r.status = delivery_status::pending;
                r.updated_at = detail::mem::to_ms(now);
                count(delivery_status::in_flight, -1);
                count(delivery_status::pending, +1);
            }
        }

        // ----- claim -----

        static constexpr std::uint64_t none = ~std::uint64_t(0);
        static constexpr std::uint64_t prefetch_distance = 16;

        // The lowest sequence claimable in a partition, or `none`.
        std::uint64_t head(const detail::mem::partition_queues& part) const noexcept {
            std::uint64_t a = part.fresh_head == detail::mem::no_slot ? none : pool[part.fresh_head].sequence;
            std::uint64_t b = part.ready.empty() ? none : part.ready.begin()->first;
            return a < b ? a : b;
        }

        // The body of `claim`, under the lock: the claimed deliveries replace the contents of `out`.
        void claim(const claim_query& q, std::vector<delivery>& out) {
            using namespace detail::mem;
            reap(q.reap_before, q.now);
            node_name* node = names.find_or_add(q.node_id);
            taken.clear();
            if (q.partition) {
                if (*q.partition < 0 || static_cast<std::size_t>(*q.partition) >= partitions.size()) {
                    out.clear();
                    return;
                }
                auto& part = *partitions[static_cast<std::size_t>(*q.partition)];
                promote(part, q.now);
                while (taken.size() < q.limit && head(part) != none)
                    taken.push_back(take(part, q, node));
            } else {
                // Every partition: merge the partitions' queues by sequence, lowest first.
                using entry = std::pair<std::uint64_t, partition_queues*>;
                auto& heap = heads;
                heap.clear();
                for (auto& p : partitions) {
                    promote(*p, q.now);
                    if (auto h = head(*p); h != none)
                        heap.emplace_back(h, p.get());
                }
                auto later = [](const entry& a, const entry& b) { return a.first > b.first; };
                std::make_heap(heap.begin(), heap.end(), later);
                while (taken.size() < q.limit && !heap.empty()) {
                    std::pop_heap(heap.begin(), heap.end(), later);
                    auto* part = heap.back().second;
                    taken.push_back(take(*part, q, node));
                    if (auto h = head(*part); h == none) {
                        heap.pop_back();
                    } else {
                        heap.back().first = h;
                        std::push_heap(heap.begin(), heap.end(), later);
                    }
                }
            }
            // A copy reaches outside the row, to the payload's shared count and the URL's bytes: ask
            // for all of them first, so that the cache misses overlap instead of stalling the copies
            // one after another (measured: better than asking a few rows ahead).
            for (slot_t s : taken) {
                detail::prefetch(pool[s].body.get());
                detail::prefetch(pool[s].url.data());
            }
            out.resize(taken.size());
            for (std::size_t i = 0; i < taken.size(); ++i)
                fill(out[i], pool[taken[i]], true);
        }

        // Removes the partition's lowest-sequence claimable row and claims it.
        detail::mem::slot_t take(detail::mem::partition_queues& part, const claim_query& q,
                                 detail::mem::node_name* node) {
            using namespace detail::mem;
            slot_t s;
            bool fresh_first = part.fresh_head != no_slot &&
                               (part.ready.empty() || pool[part.fresh_head].sequence < part.ready.begin()->first);
            if (fresh_first) {
                s = part.fresh_head;
                unlink(part.fresh_head, part.fresh_tail, s);
            } else {
                s = part.ready.begin()->second;
                part.ready.erase(part.ready.begin());
                returned.erase(pool[s].sequence);
                pool[s].flags = static_cast<std::uint8_t>(pool[s].flags & ~returned_flag);
            }
            row& r = pool[s];
            // Claims mostly go in sequence order, and rows are laid out in it: ask for a row a
            // little ahead, so that the walk does not wait for memory at each row.
            if (slot_t ahead = all.at(r.sequence + prefetch_distance); ahead != no_slot) {
                const char* p = reinterpret_cast<const char*>(&pool[ahead]);
                for (std::size_t i = 0; i < sizeof(row); i += 64)
                    detail::prefetch(p + i);
            }
            const std::int64_t now = to_ms(q.now);
            count(delivery_status::pending, -1);
            count(delivery_status::in_flight, +1);
            r.status = delivery_status::in_flight;
            r.claimed_by = node;
            ++node->refs;
            r.claimed_at = now;
            r.updated_at = now;
            r.claim_token = ++next_token;
            // Claims come in time order unless the clock stepped back; then walk back to keep order.
            slot_t pos = no_slot;  // link in before pos; no_slot is the back
            for (slot_t before = flight_tail; before != no_slot && pool[before].claimed_at > now;
                 before = pool[before].prev)
                pos = before;
            link_before(flight_head, flight_tail, pos, s);
            return s;
        }

        // ----- ack, release, redeliver, purge -----

        // The row that `ref`'s claim still holds; no_slot (and the error) when there is no such
        // row, or when the claim was reaped or taken over.
        detail::mem::slot_t held(const claim_ref& ref, error_code& ec, diagnostics& diag) {
            using namespace detail::mem;
            slot_t s = find(ref);
            if (s == no_slot) {
                detail::fail_not_found(ec, diag, ref.id);
                return no_slot;
            }
            const row& r = pool[s];
            if (r.status != delivery_status::in_flight || r.claim_token != ref.claim_token) {
                detail::fail_claim_lost(ec, diag, ref.id);
                return no_slot;
            }
            return s;
        }

        void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
            using namespace detail::mem;
            slot_t s = held(ref, ec, diag);
            if (s == no_slot)
                return;
            row& r = pool[s];
            // Every step that can throw comes first, so that a failure leaves the row as it was.
            archive(r);
            compact_text body = c.response_body ? compact_text(*c.response_body) : compact_text();
            compact_text error = c.error ? compact_text(*c.error) : compact_text();
            const std::int64_t retry_at = to_ms(c.next_retry_at);
            if (c.status == delivery_status::pending)
                enter_returned(s, retry_at);
            drop_claim(s);
            r.status = c.status;
            count(delivery_status::in_flight, -1);
            count(c.status, +1);
            r.attempts += 1;
            r.next_retry_at = retry_at;
            r.response_code = c.response_code ? static_cast<std::int32_t>(*c.response_code) : no_code;
            r.response_body = std::move(body);
            r.error = std::move(error);
            r.last_duration = c.duration.count();
            r.last_attempted_at = to_ms(c.now);
            r.updated_at = r.last_attempted_at;
            r.last_outcome = c.status;
            r.recorded += 1;
            r.flags |= current_record_flag;
            if (r.older && r.older->size() >= history_limit)
                r.older->erase(r.older->begin());
        }

        void release(const claim_ref& ref, const release_request& rr, error_code& ec, diagnostics& diag) {
            using namespace detail::mem;
            slot_t s = held(ref, ec, diag);
            if (s == no_slot)
                return;
            row& r = pool[s];
            compact_text error;
            if (rr.error) {
                archive(r);  // the recorded attempt keeps its own error
                error = compact_text(*rr.error);
            }
            const std::int64_t retry_at = to_ms(rr.next_retry_at);
            if (rr.status == delivery_status::pending)
                enter_returned(s, retry_at);
            drop_claim(s);
            r.status = rr.status;
            count(delivery_status::in_flight, -1);
            count(rr.status, +1);
            r.next_retry_at = retry_at;
            if (rr.error)
                r.error = std::move(error);
            r.updated_at = to_ms(rr.now);
        }

        // Redelivery: a finished row back to pending, its counters and last attempt cleared, its
        // history kept.
        void reset(detail::mem::slot_t s, timestamp now) {
            using namespace detail::mem;
            row& r = pool[s];
            archive(r);
            enter_returned(s, no_time);
            count(r.status, -1);
            count(delivery_status::pending, +1);
            r.status = delivery_status::pending;
            r.attempts = 0;
            r.next_retry_at = no_time;
            r.last_attempted_at = no_time;
            r.response_code = no_code;
            r.response_body.reset();
            r.error.reset();
            r.last_duration = no_time;
            r.updated_at = to_ms(now);
        }

        // Deletes a row: out of whichever queue its status puts it in, out of the dedup index (so
        // its pair may be enqueued again) and the id index, and back to the pool.
        void remove(detail::mem::slot_t s) noexcept {
            using namespace detail::mem;
            row& r = pool[s];
            if (r.status == delivery_status::pending)
                leave_pending(s);
            else if (r.status == delivery_status::in_flight)
                drop_claim(s);
            count(r.status, -1);
            dedup.erase(make_entry(dedup_key(r.event_id.view(), r.tgt->webhook_id, seed).hash, s));
            ids.erase(make_entry(id_hash32(r.id), s));
            all.erase(r.sequence);
            targets.release(r.tgt);
            pool.destroy(s);
        }
    };

    // Stores `d` unless its (event_id, webhook_id) is taken; its strings are taken only when stored.
    enqueue_result insert_row(const detail::mem::new_row& d, error_code& ec, diagnostics& diag) {
        ec.clear();
        if (!check_partition(d.partition, ec, diag))
            return {};
        detail::mem::dedup_key key(d.event_id, d.webhook_id, s_->seed);
        detail::mem::id_key id(d.id);
        std::lock_guard lock(s_->mu);
        if (auto it = s_->dedup.find(key); it != s_->dedup.end())
            return {s_->row_of(*it).id, false};
        if (s_->ids.contains(id)) {
            fail_id_taken(d.id, ec, diag);
            return {};
        }
        return s_->store(d, key.hash, id.hash);
    }

    static bool check_partition(std::int32_t partition, error_code& ec, diagnostics& diag) {
        if (partition < 0) {
            detail::fail(ec, diag, errc::invalid_partition, "partition_key", "partition_key: must not be negative");
            return false;
        }
        return true;
    }

    static void fail_id_taken(const delivery_id& id, error_code& ec, diagnostics& diag) {
        detail::fail(ec, diag, errc::storage_failure, "id",
                     "id: delivery id " + id.to_string() + " is already taken by another delivery");
    }

    std::unique_ptr<state> s_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_MEMORY_STORAGE_HPP
