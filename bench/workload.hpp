//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_BENCH_WORKLOAD_HPP
#define HOOKBOX_BENCH_WORKLOAD_HPP

// The common data of every workload (bench/README.md): delivery i has webhook "wh-(i % 64)", event
// "evt-" + i zero-padded to 10 digits, type "order.created", and a JSON payload of exactly 1024 bytes.

#include <hookbox.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace hookbox::bench {

inline constexpr int webhooks = 64;
inline constexpr std::size_t payload_bytes = 1024;
inline const char* const receiver_url = "http://127.0.0.1:18080/hook";

inline std::string event_id(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "evt-%010zu", i);
    return buf;
}

inline std::string webhook_id(std::size_t i) { return "wh-" + std::to_string(i % webhooks); }

inline std::string payload_text(std::size_t i) {
    std::string head = R"({"id":")" + event_id(i) + R"(","type":"order.created","webhook":")" + webhook_id(i) +
                       R"(","data":{"pad":")";
    std::string tail = R"("}})";
    std::string body = head + std::string(payload_bytes - head.size() - tail.size(), 'x') + tail;
    if (body.size() != payload_bytes)
        throw std::logic_error("payload size");
    return body;
}

inline enqueue_request request(std::size_t i) {
    enqueue_request r;
    r.webhook_id = webhook_id(i);
    r.event_id = event_id(i);
    r.event_type = "order.created";
    r.url = receiver_url;
    r.method = "POST";
    r.payload = payload::parse(payload_text(i));
    return r;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline double peak_rss_mib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

inline void figure(const std::string& name, double value, const char* unit) {
    std::printf("FIGURE %s=%.1f %s\n", name.c_str(), value, unit);
    std::fflush(stdout);
}

}  // namespace hookbox::bench

#endif  // HOOKBOX_BENCH_WORKLOAD_HPP
