//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Keeps the code in the documentation equal to compiled code.
//
// Every ```cpp block in README.md and doc/**/*.md is a snippet: the line before its opening fence is
//
//     <!-- snippet: example/compose/main.cpp#run_dispatcher -->
//
// and its text is the region `run_dispatcher` of that file: the lines between `//[run_dispatcher`
// and the matching `//]`, with inner regions' marker lines left out, their common indentation
// removed and trailing blanks stripped. The sources are built and run by the test suite, so the docs
// show code that compiles and works.
//
// Usage: hookbox_doc_snippets <source-dir> [--update] [page.md ...]
//   Checks README.md and every page under doc/ (or only the pages named, relative to <source-dir>).
//   --update rewrites each snippet block from its source instead of reporting differences.
// Exits 0 when every block matches (or was rewritten), 1 when one does not, 2 on a usage error.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::string rtrim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.pop_back();
    return s;
}

bool valid_name(std::string_view n) {
    return !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// The regions of one source file, by name; an error message instead when the markers are unbalanced.
struct regions {
    std::map<std::string, std::vector<std::string>> text;
    std::string error;
};

regions parse_regions(const std::string& file_text) {
    regions r;
    std::vector<std::string> open;  // innermost last
    int line_no = 0;
    for (const auto& line : split_lines(file_text)) {
        ++line_no;
        auto t = trim(line);
        if (t.size() > 3 && t.substr(0, 3) == "//[") {
            std::string name(t.substr(3));
            if (!valid_name(name)) {
                r.error = "line " + std::to_string(line_no) + ": region name '" + name + "' must match [a-z0-9_]+";
                return r;
            }
            if (r.text.count(name)) {
                r.error = "line " + std::to_string(line_no) + ": region '" + name + "' is defined twice";
                return r;
            }
            r.text[name];
            open.push_back(name);
            continue;
        }
        if (t == "//]") {
            if (open.empty()) {
                r.error = "line " + std::to_string(line_no) + ": '//]' closes no region";
                return r;
            }
            open.pop_back();
            continue;
        }
        for (const auto& name : open)
            r.text[name].push_back(rtrim(line));
    }
    if (!open.empty())
        r.error = "region '" + open.back() + "' is never closed";
    // Remove the common indentation of the non-blank lines.
    for (auto& [name, lines] : r.text) {
        std::size_t indent = std::string::npos;
        for (const auto& l : lines)
            if (!l.empty())
                indent = std::min(indent, l.find_first_not_of(" \t"));
        if (indent == std::string::npos)
            indent = 0;
        for (auto& l : lines)
            l = l.size() >= indent ? l.substr(indent) : std::string();
    }
    return r;
}

struct checker {
    fs::path root;
    bool update = false;
    int failures = 0;
    std::map<std::string, regions> cache;

    void report(const std::string& page, int line, const std::string& what) {
        std::cerr << page << ":" << line << ": " << what << "\n";
        ++failures;
    }

    const regions* source(const std::string& rel) {
        auto it = cache.find(rel);
        if (it == cache.end()) {
            auto text = read_file(root / rel);
            regions r;
            if (!text)
                r.error = "cannot read the file";
            else
                r = parse_regions(*text);
            it = cache.emplace(rel, std::move(r)).first;
        }
        return &it->second;
    }

    void check_page(const std::string& rel) {
        auto text = read_file(root / rel);
        if (!text) {
            report(rel, 0, "cannot read the page");
            return;
        }
        auto lines = split_lines(*text);
        std::vector<std::string> out;
        bool changed = false;
        const std::string marker_open = "<!-- snippet:";
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const auto& line = lines[i];
            auto t = trim(line);
            bool fence = t.substr(0, 3) == "```";
            if (!fence) {
                out.push_back(line);
                continue;
            }
            // A fenced block: find its end, so that fences inside are not mistaken for openings.
            std::size_t end = i + 1;
            while (end < lines.size() && trim(lines[end]) != "```")
                ++end;
            if (end >= lines.size()) {
                report(rel, static_cast<int>(i + 1), "the fenced block is never closed");
                for (; i < lines.size(); ++i)
                    out.push_back(lines[i]);
                break;
            }
            std::string lang(trim(t.substr(3)));
            std::optional<std::string> marker;
            if (i > 0) {
                auto prev = trim(lines[i - 1]);
                if (prev.substr(0, marker_open.size()) == marker_open && prev.size() > 3 &&
                    prev.substr(prev.size() - 3) == "-->")
                    marker = std::string(trim(prev.substr(marker_open.size(), prev.size() - marker_open.size() - 3)));
            }
            std::vector<std::string> body(lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                          lines.begin() + static_cast<std::ptrdiff_t>(end));
            std::vector<std::string> wanted = body;
            int line_no = static_cast<int>(i + 1);
            if (!marker) {
                if (lang == "cpp" || lang == "c++")
                    report(rel, line_no, "a ```cpp block must be a snippet: put <!-- snippet: path#name --> before it");
            } else {
                auto hash = marker->find('#');
                if (hash == std::string::npos) {
                    report(rel, line_no, "snippet marker '" + *marker + "' must be path#name");
                } else {
                    std::string path = marker->substr(0, hash), name = marker->substr(hash + 1);
                    const regions* r = source(path);
                    if (!r->error.empty()) {
                        report(rel, line_no, path + ": " + r->error);
                    } else if (auto it = r->text.find(name); it == r->text.end()) {
                        report(rel, line_no, path + " has no region '" + name + "'");
                    } else if (it->second != body) {
                        if (update) {
                            wanted = it->second;
                            changed = true;
                        } else {
                            std::size_t k = 0;
                            while (k < body.size() && k < it->second.size() && body[k] == it->second[k])
                                ++k;
                            report(rel, line_no,
                                   "block differs from " + path + "#" + name + " at its line " + std::to_string(k + 1) +
                                       ":\n  doc:    " + (k < body.size() ? body[k] : std::string("<end>")) +
                                       "\n  source: " + (k < it->second.size() ? it->second[k] : std::string("<end>")));
                        }
                    }
                }
            }
            out.push_back(line);
            out.insert(out.end(), wanted.begin(), wanted.end());
            out.push_back(lines[end]);
            i = end;
        }
        if (update && changed) {
            std::ofstream o(root / rel, std::ios::binary | std::ios::trunc);
            for (const auto& l : out)
                o << l << "\n";
            std::cout << "updated " << rel << "\n";
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: hookbox_doc_snippets <source-dir> [--update] [page.md ...]\n";
        return 2;
    }
    checker c;
    c.root = argv[1];
    std::vector<std::string> pages;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--update")
            c.update = true;
        else
            pages.push_back(a);
    }
    if (!fs::is_directory(c.root / "doc")) {
        std::cerr << "hookbox_doc_snippets: " << c.root << " has no doc/ folder\n";
        return 2;
    }
    if (pages.empty()) {
        if (fs::exists(c.root / "README.md"))
            pages.push_back("README.md");
        std::vector<std::string> docs;
        for (const auto& e : fs::recursive_directory_iterator(c.root / "doc"))
            if (e.is_regular_file() && e.path().extension() == ".md")
                docs.push_back(fs::relative(e.path(), c.root).generic_string());
        std::sort(docs.begin(), docs.end());
        pages.insert(pages.end(), docs.begin(), docs.end());
    }
    for (const auto& p : pages)
        c.check_page(p);
    if (c.failures) {
        std::cerr << c.failures << " snippet problem(s); run with --update to rewrite the blocks from their sources\n";
        return 1;
    }
    std::cout << "doc snippets: " << pages.size() << " pages checked, all blocks match\n";
    return 0;
}
