//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_IMPL_PAYLOAD_IPP
#define HOOKBOX_IMPL_PAYLOAD_IPP

#include <hookbox/payload.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace hookbox {

namespace detail {

// Whether `v` holds a double that JSON cannot write: an infinity or a NaN. Iterative, so that a
// deeply nested value does not exhaust the stack.
inline bool has_non_finite(const boost::json::value& v) {
    std::vector<const boost::json::value*> todo{&v};
    while (!todo.empty()) {
        const boost::json::value* x = todo.back();
        todo.pop_back();
        if (x->is_double() && !std::isfinite(x->get_double()))
            return true;
        if (const auto* a = x->if_array())
            for (const auto& e : *a)
                todo.push_back(&e);
        else if (const auto* o = x->if_object())
            for (const auto& kv : *o)
                todo.push_back(&kv.value());
    }
    return false;
}

// Replaces each infinity and NaN in `v` by null, as JavaScript's JSON.stringify writes them.
inline void null_non_finite(boost::json::value& v) {
    std::vector<boost::json::value*> todo{&v};
    while (!todo.empty()) {
        boost::json::value* x = todo.back();
        todo.pop_back();
        if (x->is_double() && !std::isfinite(x->get_double()))
            *x = nullptr;
        else if (auto* a = x->if_array())
            for (auto& e : *a)
                todo.push_back(&e);
        else if (auto* o = x->if_object())
            for (auto& kv : *o)
                todo.push_back(&kv.value());
    }
}

}  // namespace detail

payload payload::from_json(const boost::json::value& v) {
    // Boost.JSON writes an infinity or NaN as `Infinity` or `NaN`, which is not JSON.
    if (detail::has_non_finite(v)) [[unlikely]] {
        boost::json::value copy = v;
        detail::null_non_finite(copy);
        return payload(std::make_shared<const std::string>(boost::json::serialize(copy)), payload_kind::json);
    }
    return payload(std::make_shared<const std::string>(boost::json::serialize(v)), payload_kind::json);
}

payload payload::parse(std::string text, const payload_options& opts, error_code& ec, diagnostics& diag) {
    ec.clear();
    // The parsed value is only looked at, never kept: a monotonic resource frees it in one step.
    boost::json::monotonic_resource mr;
    boost::json::parse_options po;
    po.max_depth = opts.max_depth;
    error_code jec;
    boost::json::parse(text, jec, &mr, po);
    if (jec == boost::json::error::too_deep) {
        detail::fail(ec, diag, errc::payload_too_deep, "payload",
                     "payload: JSON nested deeper than " + std::to_string(opts.max_depth) +
                         " levels (payload_options::max_depth)");
        return payload();
    }
    if (jec) {
        detail::fail(ec, diag, errc::invalid_payload, "payload",
                     "payload: not valid JSON (" + jec.message() + "); use payload::raw for a non-JSON body");
        return payload();
    }
    return payload(std::make_shared<const std::string>(std::move(text)), payload_kind::json);
}

payload payload::parse(std::string text, error_code& ec, diagnostics& diag) {
    return parse(std::move(text), payload_options{}, ec, diag);
}

payload payload::parse(std::string text, const payload_options& opts) {
    return detail::call_or_throw(
        [&](error_code& ec, diagnostics& diag) { return parse(std::move(text), opts, ec, diag); });
}

payload payload::parse(std::string text) {
    return parse(std::move(text), payload_options{});
}

payload payload::raw(std::string body) {
    return payload(std::make_shared<const std::string>(std::move(body)), payload_kind::raw);
}

payload payload::from_stored(std::string body, payload_kind kind) {
    return payload(std::make_shared<const std::string>(std::move(body)), kind);
}

boost::json::value payload::to_json() const {
    if (kind_ == payload_kind::raw)
        return boost::json::string(body());
    // No depth limit: a stored payload is read back however deep its writer let it be.
    boost::json::parse_options po;
    po.max_depth = std::size_t(-1);
    return boost::json::parse(body(), {}, po);
}

}  // namespace hookbox

#endif  // HOOKBOX_IMPL_PAYLOAD_IPP
