//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_FUZZ_INPUT_HPP
#define HOOKBOX_FUZZ_INPUT_HPP

// What the fuzz targets share: a reader that splits a fuzzer's input into the values a target needs,
// and the check that stops the run when an invariant is broken.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace hookbox::fuzz {

// Stops the run: libFuzzer reports the input as a crash. `what` names the invariant broken.
[[noreturn]] inline void broken(const char* what) {
    std::fprintf(stderr, "hookbox fuzz: invariant broken: %s\n", what);
    __builtin_trap();
}

#define HOOKBOX_FUZZ_CHECK(cond)                                                                             \
    do {                                                                                                     \
        if (!(cond))                                                                                         \
            ::hookbox::fuzz::broken(#cond " (" __FILE__ ")");                                                \
    } while (false)

// Reads an input front to back. Past the end, every read gives zeros or empty text, so a target
// never needs to check the length itself.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) noexcept
        : rest_(reinterpret_cast<const char*>(data), size) {}

    bool empty() const noexcept { return rest_.empty(); }
    std::size_t size() const noexcept { return rest_.size(); }

    std::uint8_t byte() noexcept {
        if (rest_.empty())
            return 0;
        auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }

    bool flag() noexcept { return (byte() & 1) != 0; }

    // A value in [0, n) (n > 0), from one byte.
    std::size_t pick(std::size_t n) noexcept { return byte() % n; }

    std::uint64_t u64() noexcept {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | byte();
        return v;
    }

    std::int64_t i64() noexcept { return static_cast<std::int64_t>(u64()); }

    // Text up to the next `sep` (which is consumed), or the rest of the input.
    std::string_view until(char sep) noexcept {
        std::size_t p = rest_.find(sep);
        std::string_view out = rest_.substr(0, p);
        rest_.remove_prefix(p == std::string_view::npos ? rest_.size() : p + 1);
        return out;
    }

    // Text of a length read from one byte (at most 255 bytes, or what is left).
    std::string_view short_text() noexcept { return take(byte()); }

    std::string_view take(std::size_t n) noexcept {
        std::string_view out = rest_.substr(0, n);
        rest_.remove_prefix(out.size());
        return out;
    }

    std::string_view rest() noexcept { return take(rest_.size()); }

private:
    std::string_view rest_;
};

} // namespace hookbox::fuzz

#endif // HOOKBOX_FUZZ_INPUT_HPP
