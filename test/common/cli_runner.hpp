//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_CLI_RUNNER_HPP
#define HOOKBOX_TEST_COMMON_CLI_RUNNER_HPP

// Runs the `hookbox` tool (HOOKBOX_TEST_CLI) as a subprocess: exactly the arguments given (no
// shell), stdin from /dev/null, stdout and stderr collected through pipes drained together.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace hookbox::test {

struct tool_result {
    int status = -1;  // the exit status, or 128 + the signal that ended the process
    std::string out;
    std::string err;

    bool says(std::string_view s) const { return out.find(s) != std::string::npos; }
    bool complains(std::string_view s) const { return err.find(s) != std::string::npos; }

    // stdout as exactly one JSON document.
    boost::json::value json() const {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(out, ec);
        BOOST_REQUIRE_MESSAGE(!ec, "stdout is not one JSON document: " << ec.message() << "\n" << out);
        return v;
    }
};

inline tool_result run_tool(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
    int out_pipe[2], err_pipe[2];
    BOOST_REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    BOOST_REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    std::vector<std::string> storage = prefix;  // a program the tool runs under (setpriv), if any
    storage.push_back(HOOKBOX_TEST_CLI);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, storage.front().c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        BOOST_FAIL("posix_spawn " << storage.front() << " failed: " << rc);
    }
    tool_result r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_CLI_RUNNER_HPP
