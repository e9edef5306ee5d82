//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ENGINE_VALUE_HPP
#define HOOKBOX_ENGINE_VALUE_HPP

/// \file
/// What a data engine stores: typed `value`s, gathered by column name into `record`s.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hookbox::engine {

/// The type of a column. `json` holds JSON text; engines store it as text and keep its bytes exactly.
enum class column_type : unsigned char { integer, real, text, json };

constexpr std::string_view to_string(column_type t) noexcept {
    switch (t) {
    case column_type::integer: return "integer";
    case column_type::real: return "real";
    case column_type::text: return "text";
    case column_type::json: return "json";
    }
    return "unknown";
}

/// JSON text, as opposed to plain text: the value of a `json` column.
struct json_text {
    std::string text{};
    friend bool operator==(const json_text&, const json_text&) = default;
};

/// One cell: null, a 64-bit integer, a double, UTF-8 text or JSON text.
class value {
public:
    enum class kind : unsigned char { null, integer, real, text, json };

    value() noexcept = default;
    value(std::nullptr_t) noexcept {}
    /// Any integer but `bool` (an unsigned value above `INT64_MAX` wraps).
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    value(T v) noexcept : v_(static_cast<std::int64_t>(v)) {}
    value(double v) noexcept : v_(v) {}
    value(std::string v) noexcept : v_(std::move(v)) {}
    value(std::string_view v) : v_(std::string(v)) {}
    value(const char* v) : v_(std::string(v)) {}
    value(json_text v) noexcept : v_(std::move(v)) {}

    /// A `json` value holding `text` (not checked here; engines store it as given).
    static value json(std::string text) { return value(json_text{std::move(text)}); }

    kind type() const noexcept { return static_cast<kind>(v_.index()); }
    bool is_null() const noexcept { return v_.index() == 0; }

    /// Preconditions: `type()` is the accessor's kind (`as_text` also accepts `json`).
    std::int64_t as_integer() const noexcept { return *std::get_if<std::int64_t>(&v_); }
    double as_real() const noexcept {
        if (auto* i = std::get_if<std::int64_t>(&v_))
            return static_cast<double>(*i);
        return *std::get_if<double>(&v_);
    }
    const std::string& as_text() const noexcept {
        if (auto* s = std::get_if<std::string>(&v_))
            return *s;
        return std::get_if<json_text>(&v_)->text;
    }
    std::string& as_text() noexcept {
        if (auto* s = std::get_if<std::string>(&v_))
            return *s;
        return std::get_if<json_text>(&v_)->text;
    }

    friend bool operator==(const value&, const value&) = default;

private:
    std::variant<std::monostate, std::int64_t, double, std::string, json_text> v_;
};

constexpr std::string_view to_string(value::kind k) noexcept {
    switch (k) {
    case value::kind::null: return "null";
    case value::kind::integer: return "integer";
    case value::kind::real: return "real";
    case value::kind::text: return "text";
    case value::kind::json: return "json";
    }
    return "unknown";
}

/// One named cell of a record.
struct field {
    std::string name{};
    engine::value value{};
    friend bool operator==(const field&, const field&) = default;
};

/// A row, or part of one: values by column name, in the order they were set. `find` returns
/// records in the order of its projection.
class record {
public:
    record() = default;
    record(std::initializer_list<field> fields) : fields_(fields) {}

    /// Sets a column's value, replacing an earlier one of the same name.
    record& set(std::string_view name, engine::value v) {
        for (auto& f : fields_) {
            if (f.name == name) {
                f.value = std::move(v);
                return *this;
            }
        }
        fields_.push_back(field{std::string(name), std::move(v)});
        return *this;
    }

    /// Appends without looking for an earlier field of the same name (for engines building results).
    void push_back(std::string name, engine::value v) { fields_.push_back(field{std::move(name), std::move(v)}); }

    /// The value of a column, or nullptr when the record has no such column.
    const engine::value* find(std::string_view name) const noexcept {
        for (const auto& f : fields_)
            if (f.name == name)
                return &f.value;
        return nullptr;
    }
    engine::value* find(std::string_view name) noexcept {
        for (auto& f : fields_)
            if (f.name == name)
                return &f.value;
        return nullptr;
    }

    /// The value of a column; a null value when the record has no such column.
    const engine::value& operator[](std::string_view name) const noexcept {
        static const engine::value null_value;
        const engine::value* v = find(name);
        return v ? *v : null_value;
    }

    const field& at(std::size_t i) const noexcept { return fields_[i]; }
    std::size_t size() const noexcept { return fields_.size(); }
    bool empty() const noexcept { return fields_.empty(); }
    void reserve(std::size_t n) { fields_.reserve(n); }
    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }

    friend bool operator==(const record&, const record&) = default;

private:
    std::vector<field> fields_;
};

}  // namespace hookbox::engine

#endif  // HOOKBOX_ENGINE_VALUE_HPP
