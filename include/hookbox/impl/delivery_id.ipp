//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_DELIVERY_ID_IPP
#define HOOKBOX_IMPL_DELIVERY_ID_IPP

#include <hookbox/delivery_id.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <thread>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <unistd.h>
#define HOOKBOX_ID_FORK_AWARE 1
#endif

#if defined(__linux__) && defined(__has_include)
#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define HOOKBOX_ID_HAS_GETRANDOM 1
#endif
#endif

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
#include <cstdlib>
#define HOOKBOX_ID_HAS_ARC4RANDOM 1
#endif

namespace hookbox {

namespace detail {

// xoshiro256**: fast, 256 bits of state, good statistical quality. One per thread.
//
// Its thread-local instance is zero-initialised, so that reaching it needs no constructor guard on
// the hot path, and it is seeded on first use. A forked child's thread is a copy of its parent's,
// generator included: without a reseed the two would draw the same ids. The child handler of
// pthread_atfork advances a process-wide epoch, and `generate` compares it with the epoch the
// thread's state was seeded in, a relaxed load and a compare per id. Every member function is
// defined in the class, so the ipp's helpers are inline in the header-only mode as well.
struct id_generator {
    std::uint64_t s[4];
    // The fork epoch the state was seeded in; 0 when it was never seeded, or when the process
    // could not register its fork handler (then every call checks the process id instead).
    std::uint32_t epoch;
    long pid;

    // Starts at 1 in every process; the fork handler moves it on in the child, never to 0.
    static std::atomic<std::uint32_t>& fork_epoch() noexcept {
        static std::atomic<std::uint32_t> epoch{1}; // constant-initialised: no guard
        return epoch;
    }

    std::uint64_t next() noexcept {
        std::uint64_t result = rotl(s[1] * 5, 7) * 9;
        std::uint64_t t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
    }

    // The cold path of `generate`: the thread's first id, or the first one since a fork.
    void refresh() noexcept {
#if defined(HOOKBOX_ID_FORK_AWARE)
        // Registered once per process, before its first seed; a child inherits the registration.
        static const bool tracked = ::pthread_atfork(nullptr, nullptr, &on_fork_child) == 0;
        if (!tracked) {
            // Registration fails only for want of memory. The process id then tells a child from its
            // parent, at one system call per id; `epoch` stays 0 so that every call comes here.
            const long now = static_cast<long>(::getpid());
            if (pid != now) {
                seed();
                pid = now;
            }
            return;
        }
#endif
        const std::uint32_t e = fork_epoch().load(std::memory_order_relaxed);
        seed();
        epoch = e;
    }

    static void on_fork_child() noexcept {
        // The child has one thread, this one: nothing races with the store.
        std::uint32_t e = fork_epoch().load(std::memory_order_relaxed) + 1;
        fork_epoch().store(e == 0 ? 1 : e, std::memory_order_relaxed);
    }

    void seed() noexcept {
        std::uint64_t words[4] = {};
        system_random(words, sizeof words);
        // Mixed in whether or not the system's source answered, so that two seeds differ even if it
        // did not: the process, the thread, this thread's state's address, two clocks and a count of
        // the seeds made in this process.
        static std::atomic<std::uint64_t> seeds{0};
        std::uint64_t mix = seeds.fetch_add(1, std::memory_order_relaxed);
#if defined(HOOKBOX_ID_FORK_AWARE)
        mix ^= static_cast<std::uint64_t>(::getpid()) << 32;
#endif
        mix ^= std::hash<std::thread::id>{}(std::this_thread::get_id()) * 0x9e3779b97f4a7c15ULL;
        mix ^= static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(this));
        mix ^= static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) *
               0xbf58476d1ce4e5b9ULL;
        mix ^= static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
        for (int i = 0; i < 4; ++i)
            s[i] = splitmix(mix) ^ words[i];
        if ((s[0] | s[1] | s[2] | s[3]) == 0)
            s[0] = 1; // the one state xoshiro never leaves
    }

    // Fills `out` from the operating system's random source; leaves it as it was where there is
    // none or it fails. Never blocks: early in boot, before the kernel's pool is ready, the other
    // inputs of `seed` are enough for ids that are unique rather than secret.
    static void system_random(void* out, std::size_t n) noexcept {
#if defined(HOOKBOX_ID_HAS_GETRANDOM)
        auto* p = static_cast<unsigned char*>(out);
        while (n != 0) {
            const ssize_t got = ::getrandom(p, n, GRND_NONBLOCK);
            if (got <= 0) {
                if (got < 0 && errno == EINTR)
                    continue;
                return;
            }
            p += got;
            n -= static_cast<std::size_t>(got);
        }
#elif defined(HOOKBOX_ID_HAS_ARC4RANDOM)
        ::arc4random_buf(out, n);
#else
        (void)out;
        (void)n;
#endif
    }

    static std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    static std::uint64_t splitmix(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
};

}  // namespace detail

delivery_id delivery_id::generate() noexcept {
    thread_local detail::id_generator gen; // zero-initialised; seeded by refresh
    if (gen.epoch != detail::id_generator::fork_epoch().load(std::memory_order_relaxed)) [[unlikely]]
        gen.refresh();
    std::uint64_t hi = gen.next();
    std::uint64_t lo = gen.next();
    std::array<std::uint8_t, 16> b;
    for (int i = 0; i < 8; ++i) {
        b[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
        b[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40); // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80); // RFC 4122 variant
    return delivery_id(b);
}

delivery_id delivery_id::parse(std::string_view text, error_code& ec) noexcept {
    ec.clear();
    std::array<std::uint8_t, 16> b{};
    if (text.size() != 36) {
        ec = make_error_code(errc::invalid_delivery_id);
        return {};
    }
    int byte = 0;
    for (std::size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') {
                ec = make_error_code(errc::invalid_delivery_id);
                return {};
            }
            ++i;
            continue;
        }
        int h = detail::hex_value(text[i]);
        int l = detail::hex_value(text[i + 1]);
        if (h < 0 || l < 0) {
            ec = make_error_code(errc::invalid_delivery_id);
            return {};
        }
        b[byte++] = static_cast<std::uint8_t>(h << 4 | l);
        i += 2;
    }
    return delivery_id(b);
}

delivery_id delivery_id::parse(std::string_view text) {
    error_code ec;
    delivery_id id = parse(text, ec);
    if (ec) {
        diagnostics diag;
        diag.assign("id", "id: '" + std::string(text.substr(0, 64)) + "' is not a canonical UUID");
        throw error_with_diagnostics(ec, std::move(diag));
    }
    return id;
}

std::string delivery_id::to_string() const {
    std::string out(36, '-');
    write(out.data());
    return out;
}

void delivery_id::write(char* out) const noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[bytes_[i] >> 4];
        out[o++] = hex[bytes_[i] & 0xF];
    }
}

std::ostream& operator<<(std::ostream& os, const delivery_id& id) {
    return os << id.to_string();
}

}  // namespace hookbox

#undef HOOKBOX_ID_FORK_AWARE
#undef HOOKBOX_ID_HAS_GETRANDOM
#undef HOOKBOX_ID_HAS_ARC4RANDOM

#endif  // HOOKBOX_IMPL_DELIVERY_ID_IPP
