//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TOOLS_HOOKBOX_CLI_PROGRESS_HPP
#define HOOKBOX_TOOLS_HOOKBOX_CLI_PROGRESS_HPP

// The progress of a command that runs in steps (replay, purge): after each step, the rows done so
// far on stderr, when `--progress` asks for it, or when stderr is a terminal and the command has
// run for more than a second. On a terminal the line is rewritten in place; otherwise (forced into
// a file or a pipe) each step prints a line of its own.

#include <hookbox/outbox.hpp>

#include <chrono>
#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>

#include <unistd.h>

namespace hookbox_cli {

class progress {
public:
    using clock = std::chrono::steady_clock;

    progress(std::string_view verb, bool forced)
        : verb_(verb), forced_(forced), terminal_(::isatty(STDERR_FILENO) == 1), start_(clock::now()) {}

    progress(const progress&) = delete;
    progress& operator=(const progress&) = delete;

    ~progress() {
        if (printed_ && terminal_)
            std::cerr << '\n';
    }

    // The callback the outbox calls after each step; valid while this object lives.
    hookbox::step_callback callback() {
        return [p = this](std::size_t done) { p->step(done); };
    }

    // Whether a step done now is shown: forced, or on a terminal after the first second.
    bool shows(clock::time_point now) const noexcept {
        return forced_ || (terminal_ && now - start_ >= std::chrono::seconds(1));
    }

    void step(std::size_t done) {
        if (!shows(clock::now()))
            return;
        printed_ = true;
        std::cerr << (terminal_ ? "\r" : "") << "hookbox: " << verb_ << ": " << done
                  << (done == 1 ? " row" : " rows") << " so far" << (terminal_ ? "" : "\n") << std::flush;
    }

private:
    std::string verb_;
    bool forced_;
    bool terminal_;
    clock::time_point start_;
    bool printed_ = false;
};

}  // namespace hookbox_cli

#endif  // HOOKBOX_TOOLS_HOOKBOX_CLI_PROGRESS_HPP
