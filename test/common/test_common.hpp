//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_TEST_COMMON_HPP
#define HOOKBOX_TEST_COMMON_TEST_COMMON_HPP

#include <hookbox.hpp>
#include <hookbox/dispatch/retry_policy.hpp>
#include <hookbox/engine/value.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

namespace hookbox {

// Let BOOST_TEST print these on failure.
inline std::ostream& boost_test_print_type(std::ostream& os, delivery_status s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, const delivery_id& id) { return os << id; }
inline std::ostream& boost_test_print_type(std::ostream& os, errc e) {
    return os << "errc(" << static_cast<int>(e) << ")";
}
inline std::ostream& boost_test_print_type(std::ostream& os, payload_kind k) {
    return os << (k == payload_kind::json ? "json" : "raw");
}
inline std::ostream& boost_test_print_type(std::ostream& os, const payload& p) {
    return os << (p.kind() == payload_kind::json ? "json:" : "raw:") << p.body().substr(0, 80);
}
inline std::ostream& boost_test_print_type(std::ostream& os, attempt_class c) { return os << to_string(c); }
inline std::ostream& boost_test_print_type(std::ostream& os, attempt_outcome o) {
    return os << "attempt_outcome(" << static_cast<int>(o) << ")";
}

}  // namespace hookbox

namespace hookbox::engine {

// Lets BOOST_TEST print a value on failure.
inline std::ostream& boost_test_print_type(std::ostream& os, const value& v) {
    switch (v.type()) {
    case value::kind::null: return os << "null";
    case value::kind::integer: return os << v.as_integer();
    case value::kind::real: return os << v.as_real() << "(real)";
    case value::kind::text: return os << '\'' << v.as_text() << '\'';
    case value::kind::json: return os << "json:" << v.as_text();
    }
    return os;
}

}  // namespace hookbox::engine

// Standard-library types that libstdc++ 12 cannot print: through Boost.Test's customization point.
namespace boost::test_tools::tt_detail {

template <class Rep, class Period>
struct print_log_value<std::chrono::duration<Rep, Period>> {
    void operator()(std::ostream& os, const std::chrono::duration<Rep, Period>& d) {
        os << std::chrono::duration_cast<std::chrono::milliseconds>(d).count() << "ms";
    }
};

template <class Clock, class Duration>
struct print_log_value<std::chrono::time_point<Clock, Duration>> {
    void operator()(std::ostream& os, const std::chrono::time_point<Clock, Duration>& t) {
        os << "@" << std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() << "ms";
    }
};

template <class T>
struct print_log_value<std::optional<T>> {
    void operator()(std::ostream& os, const std::optional<T>& v) {
        if (v)
            print_log_value<T>()(os, *v);
        else
            os << "nullopt";
    }
};

template <>
struct print_log_value<std::nullopt_t> {
    void operator()(std::ostream& os, std::nullopt_t) { os << "nullopt"; }
};

}  // namespace boost::test_tools::tt_detail

namespace hookbox::test {

// A valid request for (webhook, event); tests change the field they are about.
inline enqueue_request make_request(std::string webhook_id, std::string event_id,
                                    std::string url = "https://receiver.example/hook") {
    enqueue_request r;
    r.webhook_id = std::move(webhook_id);
    r.event_id = std::move(event_id);
    r.event_type = "data.record.created";
    r.url = std::move(url);
    r.payload = payload::parse(R"({"object":"contact","recordId":"c-1"})");
    return r;
}

}  // namespace hookbox::test

// Checks an error code against an `errc`, printing the diagnostics (a `diag` in scope) on failure.
#ifndef CHECK_ERRC
#define CHECK_ERRC(ec, code) BOOST_TEST((ec) == ::hookbox::make_error_code(code), (ec).message() << " / " << diag.message())
#endif

#endif  // HOOKBOX_TEST_COMMON_TEST_COMMON_HPP
