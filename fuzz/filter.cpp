//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Fuzzes filter evaluation in the data engines (include/hookbox/engine/filter.hpp): memory_engine's
// compiled filters, its choice of index (include/hookbox/engine/memory/detail/), and, when
// hookbox::sqlite is built, the same filter as SQL in an in-memory SQLite database.
//
// Input: a control byte (which partial index the indexed table has), rows (a count, then per row an
// integer, a real and a text cell from small domains, so that filters meet equal values), then a
// filter built recursively from the rest.
//
// Invariants: the same rows, stored in a table with indexes (plain, composite and partial) and in
// one without, match the same filter alike, or the filter is refused alike with a field named;
// `count` agrees with `find`; ordered by key with a limit, `find` gives a prefix of the full answer;
// `update` and `remove` with it change exactly those rows, and the indexes follow; SQLite gives the
// same answer (or refuses the same filter).

#include <hookbox/engine/memory_engine.hpp>
#ifdef HOOKBOX_FUZZ_WITH_SQLITE
#include <hookbox/engine/sqlite_engine.hpp>
#endif

#include "input.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace {

namespace en = hookbox::engine;
using en::value;

en::column_def column(std::string name, en::column_type type) {
    en::column_def c;
    c.name = std::move(name);
    c.type = type;
    return c;
}

en::index_def index(std::string name, std::vector<std::string> columns, en::filter where = {}) {
    en::index_def ix;
    ix.name = std::move(name);
    ix.columns = std::move(columns);
    ix.where = std::move(where);
    return ix;
}

// Partial indexes whose `where` a fuzzed filter may or may not imply.
en::filter partial_where(std::uint8_t choice) {
    using en::col;
    switch (choice % 5) {
    case 0:
        return col("s") == "a";
    case 1:
        return col("s").in({value("a"), value("b")});
    case 2:
        return col("i").is_not_null();
    case 3:
        return col("s") == "a" || col("i") == std::int64_t(1);
    default:
        return col("s") == "b" && col("i").is_not_null();
    }
}

// Table `t` with indexes, table `u` without: the same columns.
en::schema_plan plan(std::uint8_t choice) {
    auto table = [](std::string name) {
        en::table_def t;
        t.name = std::move(name);
        en::column_def id = column("id", en::column_type::integer);
        id.nullable = false;
        id.auto_increment = true;
        t.columns = {id, column("i", en::column_type::integer), column("r", en::column_type::real),
                     column("s", en::column_type::text), column("j", en::column_type::json)};
        t.primary_key = "id";
        return t;
    };
    en::table_def t = table("t");
    t.indexes = {index("t_i", {"i"}), index("t_s_i", {"s", "i"}),
                 index("t_part", {"i"}, partial_where(choice)),
                 index("t_part_s", {"s"}, partial_where(choice / 5))};
    en::migration m;
    m.version = 1;
    m.description = "fuzz";
    m.steps = {en::create_table{t}, en::create_table{table("u")}};
    en::schema_plan p;
    p.name = "fuzz.filter";
    p.migrations = {m};
    return p;
}

constexpr std::int64_t big = std::int64_t(1) << 53;

value integer_of(hookbox::fuzz::input& in) {
    static constexpr std::int64_t domain[] = {0,
                                              1,
                                              2,
                                              -1,
                                              3,
                                              big,
                                              big + 1,
                                              std::numeric_limits<std::int64_t>::max(),
                                              std::numeric_limits<std::int64_t>::min()};
    return value(domain[in.pick(std::size(domain))]);
}

value real_of(hookbox::fuzz::input& in) {
    static constexpr double domain[] = {0.0,
                                        1.0,
                                        1.5,
                                        -1.0,
                                        -0.0,
                                        2.0,
                                        9007199254740992.0,
                                        -9007199254740994.0,
                                        1e300,
                                        -1e300,
                                        9223372036854775808.0,
                                        0.5};
    return value(domain[in.pick(std::size(domain))]);
}

value text_of(hookbox::fuzz::input& in) {
    static const std::string domain[] = {"a",     "b",        "",  "ab", "B",
                                         "a\xff", "\xc3\xa9", "A", "1",  std::string("a\0", 2)};
    return value(domain[in.pick(std::size(domain))]);
}

// A cell of a row: null one time in four.
en::record row_of(hookbox::fuzz::input& in) {
    std::uint8_t nulls = in.byte();
    en::record r;
    r.push_back("i", nulls & 1 ? value() : integer_of(in));
    r.push_back("r", nulls & 2 ? value() : real_of(in));
    r.push_back("s", nulls & 4 ? value() : text_of(in));
    r.push_back("j", nulls & 8 ? value() : value::json(nulls & 16 ? "{}" : "[1]"));
    return r;
}

value operand_of(hookbox::fuzz::input& in) {
    switch (in.pick(8)) {
    case 0:
    case 1:
        return integer_of(in);
    case 2:
    case 3:
        return real_of(in);
    case 4:
    case 5:
        return text_of(in);
    case 6:
        return value(); // refused: a comparison with null
    default:
        return in.flag() ? value(std::nan("")) : value::json("1");
    }
}

std::string column_of(hookbox::fuzz::input& in) {
    static const char* names[] = {"i", "r", "s", "id", "i", "s", "j", "nope"};
    return names[in.pick(std::size(names))];
}

en::filter filter_of(hookbox::fuzz::input& in, int depth) {
    std::uint8_t k = in.byte();
    switch (depth > 3 ? k % 4 : k % 7) {
    case 0: {
        static constexpr en::compare_op ops[] = {en::compare_op::eq, en::compare_op::ne,
                                                 en::compare_op::lt, en::compare_op::lte,
                                                 en::compare_op::gt, en::compare_op::gte};
        std::string c = column_of(in);
        return en::col(c).compare(ops[in.pick(std::size(ops))], operand_of(in));
    }
    case 1:
        return en::col(column_of(in)).is_null();
    case 2:
        return en::col(column_of(in)).is_not_null();
    case 3: {
        std::string c = column_of(in);
        std::vector<value> vs;
        for (std::size_t n = in.pick(12); n > 0; --n)
            vs.push_back(operand_of(in));
        return en::col(c).in(std::move(vs));
    }
    case 4:
    case 5: {
        // Built with the operators (which flatten) or as a node (which keeps nesting).
        std::size_t n = 1 + in.pick(4);
        bool both = (k & 0x80) != 0;
        en::filter f = filter_of(in, depth + 1);
        if (k & 0x40) {
            en::filter node;
            node.type = both ? en::filter::kind::and_ : en::filter::kind::or_;
            node.children.push_back(std::move(f));
            for (std::size_t i = 1; i < n; ++i)
                node.children.push_back(filter_of(in, depth + 1));
            return node;
        }
        for (std::size_t i = 1; i < n; ++i)
            f = both ? std::move(f) && filter_of(in, depth + 1) : std::move(f) || filter_of(in, depth + 1);
        return f;
    }
    default:
        return en::filter::all();
    }
}

// The filter and rows as text, printed when the engines disagree.
std::string describe(const value& v) {
    switch (v.type()) {
    case value::kind::null:
        return "null";
    case value::kind::integer:
        return std::to_string(v.as_integer());
    case value::kind::real: {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v.as_real());
        return buf;
    }
    case value::kind::text:
        return '"' + v.as_text() + '"';
    case value::kind::json:
        return "json " + v.as_text();
    }
    return "?";
}

std::string describe(const en::filter& f) {
    std::string out;
    switch (f.type) {
    case en::filter::kind::all:
        return "all";
    case en::filter::kind::compare:
        return f.column + " " + std::string(en::to_string(f.op)) + " " + describe(f.operand);
    case en::filter::kind::is_null:
        return f.column + " is null";
    case en::filter::kind::is_not_null:
        return f.column + " is not null";
    case en::filter::kind::in:
        out = f.column + " in (";
        for (const auto& v : f.values)
            out += describe(v) + ", ";
        return out + ")";
    case en::filter::kind::and_:
    case en::filter::kind::or_:
        out = "(";
        for (const auto& c : f.children)
            out += describe(c) + (f.type == en::filter::kind::and_ ? " and " : " or ");
        return out + ")";
    }
    return "?";
}

void print(const char* what, const std::optional<std::vector<std::int64_t>>& keys) {
    std::fprintf(stderr, "%s:", what);
    if (!keys)
        std::fprintf(stderr, " refused");
    else
        for (auto k : *keys)
            std::fprintf(stderr, " %lld", static_cast<long long>(k));
    std::fprintf(stderr, "\n");
}

// The keys of the rows that match, in key order, or nothing when the filter is refused.
template <class Engine>
std::optional<std::vector<std::int64_t>>
keys(Engine& e, const char* table, const en::filter& f, std::size_t limit, hookbox::diagnostics& diag) {
    en::find_options fo;
    fo.where = f;
    fo.fields = {"id"};
    fo.order = {{"id", false}};
    fo.limit = limit;
    hookbox::error_code ec;
    auto found = e.find(table, fo, ec, diag);
    if (ec) {
        HOOKBOX_FUZZ_CHECK(ec == hookbox::make_error_code(hookbox::errc::schema_error));
        HOOKBOX_FUZZ_CHECK(!diag.field().empty());
        return std::nullopt;
    }
    std::vector<std::int64_t> out;
    for (const auto& r : found) {
        const value* v = r.find("id");
        HOOKBOX_FUZZ_CHECK(v && v->type() == value::kind::integer);
        out.push_back(v->as_integer());
    }
    if (limit == 0) {
        hookbox::diagnostics cdiag;
        std::size_t n = e.count(table, f, ec, cdiag);
        HOOKBOX_FUZZ_CHECK(!ec && n == out.size());
    }
    return out;
}

// Marks the rows that match `f` (s = "hit", a text no row starts with), checks that exactly they are
// found by their mark (through the indexes over s, updated), then removes them.
template <class Engine>
void mark_and_remove(Engine& e,
                     const char* table,
                     const en::filter& f,
                     const std::vector<std::int64_t>& matching,
                     std::size_t rows) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    std::size_t marked = e.update(table, f, {en::set("s", value("hit"))}, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec && marked == matching.size());
    auto found = keys(e, table, en::col("s") == "hit", 0, diag);
    HOOKBOX_FUZZ_CHECK(found && *found == matching);
    std::size_t removed = e.remove(table, en::col("s") == "hit", ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec && removed == matching.size());
    HOOKBOX_FUZZ_CHECK(e.count(table, en::filter::all(), ec, diag) == rows - removed && !ec);
}

template <class Engine> void load(Engine& e, const en::schema_plan& p, const std::vector<en::record>& rows) {
    hookbox::error_code ec;
    hookbox::diagnostics diag;
    e.migrate(p, ec, diag);
    HOOKBOX_FUZZ_CHECK(!ec);
    for (const char* table : {"t", "u"}) {
        e.insert_many(table, rows, ec, diag);
        HOOKBOX_FUZZ_CHECK(!ec);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    hookbox::fuzz::input in(data, size);
    const std::uint8_t choice = in.byte();
    std::vector<en::record> rows;
    for (std::size_t n = in.pick(17); n > 0; --n)
        rows.push_back(row_of(in));
    const std::size_t limit = in.pick(4);
    const en::filter f = filter_of(in, 0);

    auto explain = [&](const char* what, const auto& a, const auto& b) {
        std::fprintf(stderr, "filter: %s\n", describe(f).c_str());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            std::fprintf(stderr, "row %zu:", i + 1);
            for (const auto& field : rows[i])
                std::fprintf(stderr, " %s=%s", field.name.c_str(), describe(field.value).c_str());
            std::fprintf(stderr, "\n");
        }
        print(what, a);
        print("memory_engine with indexes", b);
    };

    const en::schema_plan p = plan(choice);
    en::memory_engine memory;
    load(memory, p, rows);

    hookbox::diagnostics dt, du;
    auto indexed = keys(memory, "t", f, 0, dt);
    auto scanned = keys(memory, "u", f, 0, du);
    if (indexed != scanned)
        explain("memory_engine without indexes", scanned, indexed);
    HOOKBOX_FUZZ_CHECK(indexed.has_value() == scanned.has_value());
    if (indexed)
        HOOKBOX_FUZZ_CHECK(*indexed == *scanned);
    if (indexed && limit > 0) {
        auto first = keys(memory, "t", f, limit, dt);
        HOOKBOX_FUZZ_CHECK(first && first->size() == std::min(limit, indexed->size()) &&
                           std::equal(first->begin(), first->end(), indexed->begin()));
    }
    if (indexed) {
        mark_and_remove(memory, "t", f, *indexed, rows.size());
        mark_and_remove(memory, "u", f, *indexed, rows.size());
    }

#ifdef HOOKBOX_FUZZ_WITH_SQLITE
    en::sqlite_engine sqlite{en::sqlite_params{}};
    load(sqlite, p, rows);
    hookbox::diagnostics ds;
    auto from_sqlite = keys(sqlite, "t", f, 0, ds);
    if (from_sqlite != indexed)
        explain("sqlite_engine", from_sqlite, indexed);
    HOOKBOX_FUZZ_CHECK(from_sqlite.has_value() == indexed.has_value());
    if (indexed) {
        HOOKBOX_FUZZ_CHECK(*from_sqlite == *indexed);
        mark_and_remove(sqlite, "t", f, *indexed, rows.size());
    } else
        HOOKBOX_FUZZ_CHECK(ds.field() == dt.field());
#endif
    return 0;
}
