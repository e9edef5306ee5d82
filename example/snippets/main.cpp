//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

// Runs the code that README.md and doc/**/*.md quote, in a fresh temporary folder made the current
// directory (the docs name files such as "deliveries.sqlite" relative to it), and removes the folder.
// Prints "snippets: ok" when every snippet ran and every check after it held.

#include "snippets.hpp"

#include <exception>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <system_error>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

// A new folder under the system's temporary directory.
fs::path make_temp_dir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = fs::temp_directory_path() /
                         ("hookbox-snippets-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
        if (fs::create_directory(candidate))
            return candidate;
    }
    throw std::runtime_error("could not create a temporary folder");
}

}  // namespace

int main() {
    fs::path dir;
    fs::path previous;
    int status = 0;
    try {
        dir = make_temp_dir();
        previous = fs::current_path();
        fs::current_path(dir);
        snippets::run_core();
        snippets::run_http();
    } catch (const std::exception& e) {
        std::cerr << "snippets: " << e.what() << "\n";
        status = 1;
    }
    std::error_code ec;
    if (!previous.empty())
        fs::current_path(previous, ec);
    if (!dir.empty())
        fs::remove_all(dir, ec);
    if (status == 0)
        std::cout << "snippets: ok\n";
    return status;
}
