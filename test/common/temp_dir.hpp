//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_TEMP_DIR_HPP
#define HOOKBOX_TEST_COMMON_TEMP_DIR_HPP

// A fresh folder under the system's temporary directory, removed with everything in it when the
// object goes.

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>

#include <unistd.h>

namespace hookbox::test {

class temp_dir {
public:
    temp_dir() {
        std::random_device rd;
        for (int attempt = 0; attempt < 100; ++attempt) {
            auto candidate = std::filesystem::temp_directory_path() /
                             ("hookbox-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
            if (std::filesystem::create_directory(candidate)) {
                path_ = candidate;
                return;
            }
        }
        throw std::runtime_error("temp_dir: could not create a temporary folder");
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    const std::filesystem::path& path() const noexcept { return path_; }

    // A new file name inside the folder: stem-1.db, stem-2.db, ...
    std::string file(const std::string& stem = "db") {
        return (path_ / (stem + "-" + std::to_string(++counter_) + ".sqlite")).string();
    }

private:
    std::filesystem::path path_;
    std::atomic<int> counter_{0};
};

// One folder for the whole test process, for factories that need a new file per test.
inline temp_dir& process_temp_dir() {
    static temp_dir dir;
    return dir;
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_TEMP_DIR_HPP
