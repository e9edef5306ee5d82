//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The ObjectStack outbox's hashPartition and node offset, with all its known vectors.

#include "common/test_common.hpp"

#include <hookbox/partition.hpp>

#include <cstdint>

BOOST_AUTO_TEST_SUITE(partitioning)

using namespace hookbox;

struct hash_vector {
    const char* name;
    const char* key;  // UTF-8
    std::int32_t h;
    std::uint32_t hex;
    int mod8, mod4, mod16;
};

// int32 h, uint32 hex, then mod 8, 4 and 16, as computed by the ObjectStack outbox's function under
// Node 20.
constexpr hash_vector hash_vectors[] = {
    {"empty", "", -2128831035, 0x811c9dc5u, 3, 3, 11},
    {"foobar", "foobar", -1080231576, 0xbf9cf968u, 0, 0, 8},
    {"wh-1", "wh-1", -922599156, 0xc902410cu, 4, 0, 4},
    {"wh-2", "wh-2", -872266299, 0xcc0245c5u, 3, 3, 11},
    {"wh-5", "wh-5", -989709632, 0xc5023ac0u, 0, 0, 0},
    {"wh-x", "wh-x", -1845368201, 0x9201ea77u, 1, 1, 9},
    {"wh-fixed", "wh-fixed", 38770153, 0x024f95e9u, 1, 1, 9},
    {"webhook-123", "webhook-123", 576259583, 0x225905ffu, 7, 3, 15},
    {"e-acute (one UTF-16 unit)", "\xc3\xa9", 1812687940, 0x6c0b6c44u, 4, 0, 4},
    {"nihon (two UTF-16 units)", "\xe6\x97\xa5\xe6\x9c\xac", 1610399396, 0x5ffcbea4u, 4, 0, 4},
};

BOOST_AUTO_TEST_CASE(fnv1a_over_utf16_matches_every_objectstack_vector) {
    for (const auto& tc : hash_vectors) {
        BOOST_TEST_CONTEXT(tc.name) {
            error_code ec;
            diagnostics diag;
            std::uint32_t h = fnv1a32_utf16(tc.key, ec, diag);
            BOOST_TEST(!ec);
            BOOST_TEST(h == tc.hex);
            BOOST_TEST(static_cast<std::int32_t>(h) == tc.h);
        }
    }
}

BOOST_AUTO_TEST_CASE(hash_partition_matches_every_objectstack_vector) {
    for (const auto& tc : hash_vectors) {
        BOOST_TEST_CONTEXT(tc.name) {
            BOOST_TEST(hash_partition(tc.key, 8) == tc.mod8);
            BOOST_TEST(hash_partition(tc.key, 4) == tc.mod4);
            BOOST_TEST(hash_partition(tc.key, 16) == tc.mod16);
            BOOST_TEST(hash_partition(tc.key, 1) == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(abs_of_int32_is_not_uint32_mod) {
    // "wh-2": uint32 0xcc0245c5 % 8 would be 5; the ObjectStack outbox's abs(int32) % 8 is 3.
    BOOST_TEST(0xcc0245c5u % 8u == 5u);
    BOOST_TEST(hash_partition("wh-2", 8) == 3);
}

BOOST_AUTO_TEST_CASE(astral_code_points_hash_as_surrogate_pairs) {
    // U+1F600 is the UTF-16 pair D83D DE00: hashing the pair by hand must agree.
    std::uint32_t h = 0x811c9dc5u;
    for (std::uint32_t unit : {0xD83Du, 0xDE00u}) {
        h ^= unit;
        h *= 0x01000193u;
    }
    error_code ec;
    diagnostics diag;
    BOOST_TEST(fnv1a32_utf16("\xf0\x9f\x98\x80", ec, diag) == h);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(count_of_zero_or_less_is_an_error) {
    for (int count : {0, -1, -8}) {
        BOOST_TEST_CONTEXT("count " << count) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(hash_partition("wh-1", count, ec, diag) == 0);
            BOOST_TEST(ec == errc::invalid_partition_count);
            BOOST_TEST(diag.field() == "partition_count");
            BOOST_TEST(diag.message().find("partition count must be > 0") != std::string::npos);

            BOOST_TEST(node_offset("node-A", count, ec, diag) == 0);
            BOOST_TEST(ec == errc::invalid_partition_count);
        }
    }
    BOOST_CHECK_THROW((void)hash_partition("wh-1", 0), error_with_diagnostics);
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_an_error) {
    const char* bad[] = {"\xff", "wh-\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    for (const char* key : bad) {
        BOOST_TEST_CONTEXT("key " << key) {
            error_code ec;
            diagnostics diag;
            BOOST_TEST(hash_partition(key, 8, ec, diag) == 0);
            BOOST_TEST(ec == errc::invalid_utf8);
            BOOST_TEST(node_offset(key, 8, ec, diag) == 0);
            BOOST_TEST(ec == errc::invalid_utf8);
        }
    }
    BOOST_CHECK_THROW((void)hash_partition("\xff", 8), error_with_diagnostics);
}

BOOST_AUTO_TEST_CASE(node_offsets_match_objectstack) {
    BOOST_TEST(node_offset("node-A", 8) == 2);
    BOOST_TEST(node_offset("node-B", 8) == 1);
    BOOST_TEST(node_offset("worker-0", 8) == 1);
    BOOST_TEST(node_offset("", 8) == 0);
    BOOST_TEST(node_offset("node-A", 4) == 2);
    BOOST_TEST(node_offset("node-B", 4) == 1);
}

BOOST_AUTO_TEST_CASE(default_hasher_is_hash_partition) {
    static_assert(partition_hasher<fnv1a_partition_hasher>);
    fnv1a_partition_hasher h;
    error_code ec;
    diagnostics diag;
    BOOST_TEST(h.partition("webhook-123", 16, ec, diag) == 15);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_SUITE_END()  // partitioning
