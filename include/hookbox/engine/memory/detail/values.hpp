//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_MEMORY_DETAIL_VALUES_HPP
#define HOOKBOX_ENGINE_MEMORY_DETAIL_VALUES_HPP

// memory_engine's rows, and the hashing and ordering of their values (SQLite's order).

#include <hookbox/engine/value.hpp>

#include <boost/container/small_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <vector>

namespace hookbox::engine::detail::memory {

// ----- rows and values -----

// One stored row. `key` orders the table: the primary key of an auto-increment table, else an
// insertion counter. Rows live in map nodes, so their addresses are stable while they exist (and
// while a removed row's node waits in the undo log).
struct row {
    std::int64_t key = 0;
    std::vector<value> cells;  // by column position
};

using row_map = std::map<std::int64_t, row>;
using value_ptrs = boost::container::small_vector<const value*, 8>;

inline std::size_t hash_combine(std::size_t seed, std::size_t h) noexcept {
    return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

inline std::size_t hash_value(const value& v) noexcept {
    switch (v.type()) {
    case value::kind::null: return 0x51ed270b27e5c3a1ULL;
    case value::kind::integer: return std::hash<std::int64_t>{}(v.as_integer());
    case value::kind::real: {
        double d = v.as_real();
        if (d == 0)
            d = 0;  // -0.0 == 0.0, so they must hash alike
        return std::hash<double>{}(d);
    }
    case value::kind::text:
    case value::kind::json: return std::hash<std::string_view>{}(v.as_text());
    }
    return 0;
}

inline bool is_numeric(value::kind k) noexcept {
    return k == value::kind::integer || k == value::kind::real;
}

// SQLite's order: null first, then numbers by value, then text byte by byte (BINARY collation).
inline int compare_values(const value& a, const value& b) noexcept {
    const auto ka = a.type();
    const auto kb = b.type();
    if (ka == value::kind::null || kb == value::kind::null)
        return (ka != value::kind::null) - (kb != value::kind::null);
    if (ka == value::kind::integer && kb == value::kind::integer) {
        auto x = a.as_integer();
        auto y = b.as_integer();
        return (x > y) - (x < y);
    }
    if (is_numeric(ka) && is_numeric(kb)) {
        double x = a.as_real();
        double y = b.as_real();
        return (x > y) - (x < y);
    }
    if (is_numeric(ka) != is_numeric(kb))
        return is_numeric(ka) ? -1 : 1;
    int c = a.as_text().compare(b.as_text());  // char_traits<char>::compare: unsigned bytes, like memcmp
    return (c > 0) - (c < 0);
}

}  // namespace hookbox::engine::detail::memory

#endif  // HOOKBOX_ENGINE_MEMORY_DETAIL_VALUES_HPP
