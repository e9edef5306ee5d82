//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// The dispatcher's claim rounds without a storage: the fair share of the room and the top-up pass,
// the walk from the node's offset and after the last partition that gave rows, a room of 0, one
// partition, and partitions taking turns under a backlog (against a small in-test claimer that
// hands out rows as claim_many does).

#include "common/test_common.hpp"

#include <hookbox/dispatch/detail/round.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace hookbox::test {

namespace {

using std::chrono::milliseconds;

// A node whose walk starts at partition 0 of `partitions`.
std::string node_at_zero(int partitions) {
    for (int n = 0;; ++n) {
        std::string id = "node-" + std::to_string(n);
        if (node_offset(id, partitions) == 0)
            return id;
    }
}

detail::claim_round round_of(int partitions, std::size_t batch_size, std::string node_id = {}) {
    if (node_id.empty())
        node_id = node_at_zero(partitions);
    return detail::claim_round(std::move(node_id), partitions, batch_size, milliseconds(60000));
}

struct planned {
    int partition;
    std::size_t limit;
    friend bool operator==(const planned&, const planned&) = default;
    friend std::ostream& operator<<(std::ostream& os, const planned& p) {
        return os << "(p" << p.partition << ", " << p.limit << ")";
    }
};

std::vector<planned> summary(const std::vector<claim_options>& batch) {
    std::vector<planned> out;
    for (const auto& o : batch)
        out.push_back({o.partition ? o.partition->index : -1, o.limit});
    return out;
}

// `n` rows, each a claimed row of its partition (only their number matters to the round).
std::vector<delivery> rows(std::size_t n) {
    return std::vector<delivery>(n);
}

// Claims as the storage's claim_many does: the claims in order, each taking up to its limit from
// its partition's backlog, until `room` rows in all.
std::vector<std::vector<delivery>>
claim(std::vector<std::size_t>& backlog, const std::vector<claim_options>& batch, std::size_t room) {
    std::vector<std::vector<delivery>> out;
    for (const auto& o : batch) {
        auto& left = backlog[static_cast<std::size_t>(o.partition->index)];
        std::size_t n = std::min({o.limit, left, room});
        left -= n;
        room -= n;
        out.push_back(rows(n));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(round)

BOOST_AUTO_TEST_CASE(the_first_walk_starts_at_the_nodes_offset) {
    for (std::string node : {"node-A", "node-B", "node-1", "eu-west-7", "a"}) {
        BOOST_TEST_CONTEXT(node) {
            auto r = round_of(8, 32, node);
            BOOST_TEST(r.offset() == node_offset(node, 8));
            BOOST_TEST(r.first() == r.offset());
            auto batch = r.plan(256);
            BOOST_TEST_REQUIRE(batch.size() == 8u);
            for (int step = 0; step < 8; ++step)
                BOOST_TEST(batch[static_cast<std::size_t>(step)].partition->index == (r.offset() + step) % 8);
        }
    }
    // The ObjectStack outbox's rotation: two nodes begin on different partitions.
    BOOST_TEST(round_of(8, 32, "node-A").first() == 2);
    BOOST_TEST(round_of(8, 32, "node-B").first() == 1);
}

BOOST_AUTO_TEST_CASE(each_partition_takes_a_fair_share_then_tops_up_to_batch_size) {
    struct tc {
        const char* name;
        int partitions;
        std::size_t batch_size;
        std::size_t room;
        std::vector<planned> expected;
    };
    const std::vector<tc> cases{
        {"a room of 0 claims nothing", 4, 32, 0, {}},
        {"room for a full batch from each: one pass", 4, 32, 256, {{0, 32}, {1, 32}, {2, 32}, {3, 32}}},
        {"room for exactly a batch each: one pass", 4, 32, 128, {{0, 32}, {1, 32}, {2, 32}, {3, 32}}},
        {"the share is rounded up",
         4,
         32,
         10,
         {{0, 3}, {1, 3}, {2, 3}, {3, 3}, {0, 29}, {1, 29}, {2, 29}, {3, 29}}},
        {"room for one row: one each, then the rest of a batch",
         3,
         10,
         1,
         {{0, 1}, {1, 1}, {2, 1}, {0, 9}, {1, 9}, {2, 9}}},
        {"just below a batch each: top up by one", 2, 32, 62, {{0, 31}, {1, 31}, {0, 1}, {1, 1}}},
        {"one partition, room for more than a batch", 1, 32, 256, {{0, 32}}},
        {"one partition, little room: the same partition twice", 1, 32, 5, {{0, 5}, {0, 27}}},
        {"a batch of one", 4, 1, 2, {{0, 1}, {1, 1}, {2, 1}, {3, 1}}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            auto r = round_of(c.partitions, c.batch_size);
            auto got = summary(r.plan(c.room));
            BOOST_TEST(got == c.expected, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(every_claim_carries_the_node_the_ttl_and_the_partition_count) {
    detail::claim_round r("node-A", 5, 16, milliseconds(42000));
    for (std::size_t room : {1u, 7u, 80u, 1000u}) {
        BOOST_TEST_CONTEXT("room " << room) {
            for (const auto& o : r.plan(room)) {
                BOOST_TEST(o.node_id == "node-A");
                BOOST_TEST(o.claim_ttl == milliseconds(42000));
                BOOST_TEST_REQUIRE(o.partition.has_value());
                BOOST_TEST(o.partition->count == 5);
                BOOST_TEST(o.limit >= 1u);
                BOOST_TEST(o.limit <= 16u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_next_walk_starts_after_the_last_partition_that_gave_rows) {
    // Offsets from the node's offset: entry i of the round's results is the claim of partition
    // (offset + i) % 4, in the first or the top-up pass.
    struct tc {
        const char* name;
        std::vector<std::size_t> rows_per_claim;
        int expected_first;
    };
    const std::vector<tc> cases{
        {"the first partition only", {1, 0, 0, 0}, 1},
        {"the third partition only", {0, 0, 5, 0}, 3},
        {"the last partition wraps around", {0, 0, 0, 2}, 0},
        {"the last of several", {3, 0, 1, 0}, 3},
        {"a top-up claim counts for its partition", {1, 1, 1, 1, 0, 4, 0, 0}, 2},
        {"a round cut short by a storage error", {2, 2}, 2},
        {"nothing anywhere: start where this round did", {0, 0, 0, 0}, 0},
        {"no results at all: start where this round did", {}, 0},
    };
    for (const auto& c : cases) {
        for (std::string node : {"node-A", "node-B", "node-C"}) {
            BOOST_TEST_CONTEXT(c.name << ", " << node) {
                auto r = round_of(4, 32, node);
                std::vector<std::vector<delivery>> results;
                for (auto n : c.rows_per_claim)
                    results.push_back(rows(n));
                r.advance(results);
                BOOST_TEST(r.first() == (r.offset() + c.expected_first) % 4);
                BOOST_TEST(r.plan(4).front().partition->index == r.first());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(the_walk_moves_on_from_where_the_previous_round_started) {
    auto r = round_of(5, 32, "node-A");
    const int offset = r.offset();
    r.advance(std::vector<std::vector<delivery>>{rows(0), rows(1), rows(0), rows(0), rows(0)});
    BOOST_TEST(r.first() == (offset + 2) % 5);
    // Entry 0 is now partition offset + 2; rows from entry 3 move the start 4 further.
    r.advance(std::vector<std::vector<delivery>>{rows(1), rows(0), rows(0), rows(1), rows(0)});
    BOOST_TEST(r.first() == (offset + 6) % 5);
}

BOOST_AUTO_TEST_CASE(with_one_partition_every_walk_starts_at_it) {
    auto r = round_of(1, 32, "node-A");
    BOOST_TEST(r.offset() == 0);
    for (std::size_t n : {0u, 1u, 7u}) {
        r.advance(std::vector<std::vector<delivery>>{rows(n), rows(1)});
        BOOST_TEST(r.first() == 0);
        auto batch = r.plan(3);
        BOOST_TEST_REQUIRE(!batch.empty());
        for (const auto& o : batch)
            BOOST_TEST(o.partition->index == 0);
    }
}

BOOST_AUTO_TEST_CASE(with_little_room_the_partitions_take_turns_and_a_backlog_starves_none) {
    // Partition 0 has a large backlog; the others have a few rows each. Requests finish one at a
    // time, so each round has room for one row.
    std::vector<std::size_t> backlog{1000, 3, 3, 3};
    auto r = round_of(4, 32);
    std::vector<int> served;
    for (int round = 0; round < 12; ++round) {
        auto batch = r.plan(1);
        auto results = claim(backlog, batch, 1);
        for (std::size_t i = 0; i < results.size(); ++i)
            if (!results[i].empty())
                served.push_back(batch[i].partition->index);
        r.advance(results);
    }
    BOOST_TEST(served == (std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(backlog == (std::vector<std::size_t>{997, 0, 0, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_empty_partition_passes_its_turn_to_the_next_with_rows) {
    std::vector<std::size_t> backlog{0, 5, 0, 5};
    auto r = round_of(4, 32);
    std::vector<int> served;
    for (int round = 0; round < 4; ++round) {
        auto batch = r.plan(1);
        auto results = claim(backlog, batch, 1);
        for (std::size_t i = 0; i < results.size(); ++i)
            if (!results[i].empty())
                served.push_back(batch[i].partition->index);
        r.advance(results);
    }
    BOOST_TEST(served == (std::vector<int>{1, 3, 1, 3}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_bad_node_id_or_partition_count_names_the_field) {
    struct tc {
        const char* name;
        std::string node_id;
        int partitions;
        errc code;
        const char* field;
    };
    const std::vector<tc> cases{
        {"node id not UTF-8", std::string("node-\xff"), 4, errc::invalid_utf8, "node_id"},
        {"no partitions", "node-A", 0, errc::invalid_partition_count, "partition_count"},
        {"negative partitions", "node-A", -3, errc::invalid_partition_count, "partition_count"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            try {
                detail::claim_round r(c.node_id, c.partitions, 32, milliseconds(60000));
                BOOST_TEST(false, "no error");
            } catch (const error_with_diagnostics& e) {
                BOOST_TEST(e.code() == make_error_code(c.code));
                BOOST_TEST(e.get_diagnostics().field() == c.field);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace hookbox::test
