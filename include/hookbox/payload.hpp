//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_PAYLOAD_HPP
#define HOOKBOX_PAYLOAD_HPP

/// \file
/// `payload`: the exact bytes a delivery sends, and whether they are JSON or a raw body.

#include <hookbox/error.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace hookbox {

namespace detail {
struct payload_access;
}  // namespace detail

/// How the payload's bytes are to be read.
enum class payload_kind : unsigned char {
    /// JSON text, sent with `Content-Type: application/json`.
    json,
    /// A raw body, sent as it is (the ObjectStack outbox's string payload).
    raw,
};

/// The body of a delivery: immutable bytes, plus their kind. A `json` payload is valid JSON by
/// construction, so an outbox never stores a payload it could not send.
///
/// Copies share the bytes (one reference count), so claiming a delivery never copies its body.
/// Signatures are computed over `body()` exactly as stored.
class payload {
public:
    /// The JSON `null` payload (the ObjectStack outbox's payload when none is given).
    payload() noexcept : body_(null_body()), size_(4), kind_(payload_kind::json) {}

    /// Serialises a JSON value (compact, keys in insertion order).
    static payload from_json(const boost::json::value& v) {
        return payload(std::make_shared<const std::string>(boost::json::serialize(v)), payload_kind::json);
    }

    /// Takes JSON text as the body, after checking that it is valid JSON. The text is kept byte for
    /// byte (whitespace included), so a signature computed elsewhere over the same text matches.
    ///
    /// Errors: `errc::invalid_payload`, with diagnostics naming `payload` and the parser's reason.
    static payload parse(std::string text, error_code& ec, diagnostics& diag) {
        ec.clear();
        boost::json::monotonic_resource mr;
        error_code jec;
        boost::json::parse(text, jec, &mr);
        if (jec) {
            detail::fail(ec, diag, errc::invalid_payload, "payload",
                         "payload: not valid JSON (" + jec.message() +
                             "); use payload::raw for a non-JSON body");
            return payload();
        }
        return payload(std::make_shared<const std::string>(std::move(text)), payload_kind::json);
    }

    /// Throwing overload of `parse`; throws `error_with_diagnostics`.
    static payload parse(std::string text) {
        return detail::call_or_throw(
            [&](error_code& ec, diagnostics& diag) { return parse(std::move(text), ec, diag); });
    }

    /// A raw body, sent unchanged and not checked.
    static payload raw(std::string body) {
        return payload(std::make_shared<const std::string>(std::move(body)), payload_kind::raw);
    }

    /// Rebuilds a payload read back from storage. `body` must come from `body()` of a payload of the
    /// same kind; a storage that cannot vouch for that calls `parse` instead.
    static payload from_stored(std::string body, payload_kind kind) {
        return payload(std::make_shared<const std::string>(std::move(body)), kind);
    }

    payload_kind kind() const noexcept { return kind_; }

    /// The bytes that are sent.
    std::string_view body() const noexcept { return *body_; }

    std::size_t size() const noexcept { return size_; }

    /// Parses a `json` payload back into a value (for inspection; the sender uses `body()`).
    /// For a `raw` payload, returns the body as a JSON string.
    boost::json::value to_json() const {
        if (kind_ == payload_kind::raw)
            return boost::json::string(*body_);
        return boost::json::parse(*body_);
    }

    friend bool operator==(const payload& a, const payload& b) noexcept {
        return a.kind_ == b.kind_ && (a.body_ == b.body_ || *a.body_ == *b.body_);
    }

private:
    friend struct detail::payload_access;

    payload(std::shared_ptr<const std::string> body, payload_kind kind) noexcept
        : body_(std::move(body)), size_(body_->size()), kind_(kind) {}

    static const std::shared_ptr<const std::string>& null_body() {
        static const std::shared_ptr<const std::string> n = std::make_shared<const std::string>("null");
        return n;
    }

    std::shared_ptr<const std::string> body_;
    // Kept beside the pointer so that checking a payload's size does not touch its (cold) bytes.
    std::size_t size_;
    payload_kind kind_;
};

namespace detail {

// Lets a storage keep a payload's shared bytes without the size and kind beside them, and rebuild
// the payload from them.
struct payload_access {
    // Moves the bytes out; `p` may then only be destroyed.
    static std::shared_ptr<const std::string> take_body(payload&& p) noexcept { return std::move(p.body_); }

    static payload make(std::shared_ptr<const std::string> body, payload_kind kind) noexcept {
        return payload(std::move(body), kind);
    }

    static const std::string* body_object(const payload& p) noexcept { return p.body_.get(); }
};

}  // namespace detail

} // namespace hookbox

#endif // HOOKBOX_PAYLOAD_HPP
