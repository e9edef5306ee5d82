//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_DETAIL_PENDING_BY_PARTITION_HPP
#define HOOKBOX_STORAGE_DETAIL_PENDING_BY_PARTITION_HPP

#include <hookbox/delivery.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/filter.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>
#include <hookbox/storage/detail/delivery_rows.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace hookbox::detail {

// `engine_storage::partition_stats`: one read of the pending rows' partition and creation time, in
// `seq` order, tallied per partition.
template <class Engine>
std::vector<partition_depth> pending_by_partition(Engine& engine, const std::string& table, timestamp now,
                                                  error_code& ec, diagnostics& diag) {
    engine::find_options fo;
    fo.where = engine::col("status") == "pending";
    fo.fields = {"partition_key", "created_at"};
    fo.order = {engine::order_by{"seq"}};
    auto found = engine.find(table, fo, ec, diag);
    if (ec)
        return {};
    partition_tally tally;
    for (const auto& r : found)
        tally.add(static_cast<int>(r["partition_key"].as_integer()), rows::from_ms(r["created_at"].as_integer()),
                  now);
    return tally.take();
}

}  // namespace hookbox::detail

#endif  // HOOKBOX_STORAGE_DETAIL_PENDING_BY_PARTITION_HPP
