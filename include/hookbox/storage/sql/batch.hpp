//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_SQL_BATCH_HPP
#define HOOKBOX_STORAGE_SQL_BATCH_HPP

/// \file
/// Statements over many keys or many rows at once, and how their parameters are packed in each SQL
/// dialect: SQLite binds one placeholder per value (a fixed list of keys, or several `VALUES` rows),
/// PostgreSQL binds one array per column (`= ANY($1::bigint[])`, `unnest(...)`). Sans-io.

#include <hookbox/detail/config.hpp>
#include <hookbox/engine/concept.hpp>
#include <hookbox/engine/value.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox::sql {

/// One statement with its parameters, ready for a session's `query`.
struct bound_statement {
    std::string text{};
    std::vector<engine::value> params{};

    friend bool operator==(const bound_statement&, const bound_statement&) = default;
};

/// A statement over a list of keys (`seq` values).
struct key_list_statement {
    std::string text{};
    /// Keys one execution takes at most.
    std::size_t chunk = 1;
    /// False: `chunk` placeholders, one key each; a shorter list repeats its last key to fill them,
    /// so that a single text stays prepared. True: one parameter, an array literal of the keys.
    bool array = false;

    friend bool operator==(const key_list_statement&, const key_list_statement&) = default;
};

/// The parameters of one execution of `s` over `keys` (1 to `s.chunk` of them), replacing `out`.
HOOKBOX_DECL void bind_keys(const key_list_statement& s, std::span<const std::int64_t> keys,
                            std::vector<engine::value>& out);

/// A statement that writes many rows of `width` values at once.
struct row_batch_statement {
    /// Row by row (`array` false): `texts[i]` writes `sizes[i]` rows, `width` parameters each, row after
    /// row; `sizes` ascending, starting at 1. Column by column (`array` true): one text, `width` array
    /// parameters, writing any number of rows up to `sizes[0]`.
    std::vector<std::string> texts{};
    std::vector<std::size_t> sizes{};
    std::size_t width = 1;
    bool array = false;

    friend bool operator==(const row_batch_statement&, const row_batch_statement&) = default;
};

/// How `rows` rows are written with `s`: one (text index, rows) pair per execution, in order; as few
/// executions as the texts allow (the largest that fits first).
HOOKBOX_DECL std::vector<std::pair<std::size_t, std::size_t>> plan_rows(const row_batch_statement& s,
                                                                        std::size_t rows);

/// The parameters of one execution of `s` that writes `values` (`n * s.width` values, row after row),
/// replacing `out`.
HOOKBOX_DECL void pack_rows(const row_batch_statement& s, std::span<const engine::value> values,
                            std::vector<engine::value>& out);

/// A PostgreSQL array literal of `values` (text, as PostgreSQL reads `'{...}'::type[]`): integers as
/// digits, reals in shortest round-trip form, text and JSON double-quoted with `"` and `\` escaped,
/// null as `NULL`.
HOOKBOX_DECL std::string array_literal(std::span<const engine::value> values);

/// The same, of every `stride`-th value from `first` (a column of row-major values).
HOOKBOX_DECL std::string array_literal(std::span<const engine::value> values, std::size_t first,
                                       std::size_t stride);

/// `"name"`: an identifier quoted as both dialects read it.
HOOKBOX_DECL std::string quote_identifier(std::string_view name);

}  // namespace hookbox::sql

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/storage/sql/impl/batch.ipp>
#endif

#endif  // HOOKBOX_STORAGE_SQL_BATCH_HPP
