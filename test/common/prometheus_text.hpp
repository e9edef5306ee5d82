//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_PROMETHEUS_TEXT_HPP
#define HOOKBOX_TEST_COMMON_PROMETHEUS_TEXT_HPP

// Reading the Prometheus text exposition format (0.0.4) in tests, written from the format's
// description rather than from the code under test:
//
// check_exposition: every line is `# HELP name text`, `# TYPE name type` or a sample
//   `name{label="value",...} value`; names and label names are valid; label values use only the
//   escapes \\ \" \n; each family has HELP then TYPE, once, before its samples; a sample belongs to
//   the family declared last (a histogram's `_bucket`, `_sum`, `_count`); counters end in `_total`;
//   a histogram's buckets are cumulative and end with le="+Inf", whose count equals `_count`.
//   Returns the problems found, one per line (empty when none).
//
// sample_value: the value of the sample whose `name{labels}` is exactly `series`, or nullopt.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

namespace hookbox::test {

namespace prom_detail {

inline bool name_char(char c, bool first, bool colon) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
    return alpha || (!first && c >= '0' && c <= '9');
}

inline bool valid_name(std::string_view n, bool colon = true) {
    if (n.empty())
        return false;
    for (std::size_t i = 0; i < n.size(); ++i)
        if (!name_char(n[i], i == 0, colon))
            return false;
    return true;
}

inline bool valid_number(std::string_view v) {
    if (v == "+Inf" || v == "-Inf" || v == "NaN")
        return true;
    if (v.empty())
        return false;
    std::size_t i = v[0] == '-' ? 1 : 0;
    bool digits = false, dot = false;
    for (; i < v.size(); ++i) {
        if (v[i] >= '0' && v[i] <= '9')
            digits = true;
        else if (v[i] == '.' && !dot)
            dot = true;
        else
            return false;
    }
    return digits;
}

struct parsed_sample {
    std::string name;
    std::map<std::string, std::string> labels;  // unescaped values
    std::string value;
};

// Parses `name{k="v",...} value`; returns an error text, or "" when it parsed.
inline std::string parse_sample(std::string_view line, parsed_sample& s) {
    std::size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ')
        ++i;
    s.name = std::string(line.substr(0, i));
    if (!valid_name(s.name))
        return "invalid metric name '" + s.name + "'";
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (true) {
            std::size_t k = i;
            while (i < line.size() && line[i] != '=')
                ++i;
            std::string key(line.substr(k, i - k));
            if (!valid_name(key, false) || key.starts_with("__"))
                return "invalid label name '" + key + "'";
            if (i + 1 >= line.size() || line[i + 1] != '"')
                return "label value not quoted";
            i += 2;
            std::string value;
            while (i < line.size() && line[i] != '"') {
                if (line[i] == '\\') {
                    if (i + 1 >= line.size())
                        return "dangling backslash";
                    char e = line[i + 1];
                    if (e == '\\' || e == '"')
                        value += e;
                    else if (e == 'n')
                        value += '\n';
                    else
                        return std::string("invalid escape \\") + e;
                    i += 2;
                } else {
                    value += line[i++];
                }
            }
            if (i >= line.size())
                return "unterminated label value";
            ++i;
            if (!s.labels.emplace(key, value).second)
                return "label '" + key + "' twice";
            if (i < line.size() && line[i] == ',') {
                ++i;
                continue;
            }
            if (i < line.size() && line[i] == '}') {
                ++i;
                break;
            }
            return "expected , or } after a label";
        }
    }
    if (i >= line.size() || line[i] != ' ')
        return "expected one space before the value";
    s.value = std::string(line.substr(i + 1));
    if (!valid_number(s.value))
        return "invalid value '" + s.value + "'";
    return "";
}

}  // namespace prom_detail

inline std::string check_exposition(const std::string& text) {
    using namespace prom_detail;
    std::ostringstream problems;
    if (!text.empty() && text.back() != '\n')
        problems << "the text does not end with a line feed\n";
    std::istringstream in(text);
    std::string line;
    std::set<std::string> helped, typed;
    std::string family, type;
    // The current histogram's series (its labels other than le) and its last cumulative count.
    std::map<std::string, double> last_bucket;
    std::map<std::string, std::string> inf_bucket;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        auto where = [&] { return "line " + std::to_string(number) + " '" + line + "': "; };
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            std::string_view rest = std::string_view(line).substr(7);
            std::size_t sp = rest.find(' ');
            std::string name(rest.substr(0, sp));
            std::string arg = sp == std::string_view::npos ? "" : std::string(rest.substr(sp + 1));
            if (!valid_name(name))
                problems << where() << "invalid family name\n";
            if (line[2] == 'H') {
                if (!helped.insert(name).second)
                    problems << where() << "HELP twice\n";
                if (arg.empty())
                    problems << where() << "empty HELP\n";
                family = name;
                type.clear();
                last_bucket.clear();
                inf_bucket.clear();
            } else {
                if (!typed.insert(name).second)
                    problems << where() << "TYPE twice\n";
                if (name != family)
                    problems << where() << "TYPE without its HELP just before\n";
                if (arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" && arg != "untyped")
                    problems << where() << "unknown type\n";
                if (arg == "counter" && !name.ends_with("_total"))
                    problems << where() << "a counter's name must end in _total\n";
                type = arg;
            }
            continue;
        }
        if (line.starts_with("#")) {
            problems << where() << "a comment that is neither HELP nor TYPE\n";
            continue;
        }
        parsed_sample s;
        if (auto err = parse_sample(line, s); !err.empty()) {
            problems << where() << err << "\n";
            continue;
        }
        if (type.empty()) {
            problems << where() << "sample before its family's TYPE\n";
            continue;
        }
        if (type == "histogram") {
            std::map<std::string, std::string> rest = s.labels;
            rest.erase("le");
            std::ostringstream key;
            for (auto& [k, v] : rest)
                key << k << '=' << v << ',';
            if (s.name == family + "_bucket") {
                if (!s.labels.count("le")) {
                    problems << where() << "bucket without le\n";
                    continue;
                }
                double v = std::stod(s.value);
                auto it = last_bucket.find(key.str());
                if (it != last_bucket.end() && v < it->second)
                    problems << where() << "buckets are not cumulative\n";
                if (inf_bucket.count(key.str()))
                    problems << where() << "bucket after le=\"+Inf\"\n";
                last_bucket[key.str()] = v;
                if (s.labels["le"] == "+Inf")
                    inf_bucket[key.str()] = s.value;
            } else if (s.name == family + "_count") {
                if (!inf_bucket.count(key.str()))
                    problems << where() << "_count before le=\"+Inf\"\n";
                else if (inf_bucket[key.str()] != s.value)
                    problems << where() << "_count differs from the +Inf bucket\n";
            } else if (s.name != family + "_sum") {
                problems << where() << "sample outside its histogram family\n";
            }
        } else if (s.name != family) {
            problems << where() << "sample outside its family '" << family << "'\n";
        }
    }
    return problems.str();
}

inline std::optional<std::string> sample_value(const std::string& text, std::string_view series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ')
            return line.substr(series.size() + 1);
    return std::nullopt;
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_PROMETHEUS_TEXT_HPP
