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

#include <hookbox/detail/config.hpp>
#include <hookbox/error.hpp>

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

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

/// How `payload::parse` reads JSON text.
struct payload_options {
    /// The deepest nesting of arrays and objects accepted: `[]` and `{}` are one level, `[[1]]` two.
    /// Deeper text is refused with `errc::payload_too_deep`. Whatever a writer accepted is read back
    /// at any depth: a storage's check of a stored payload, `to_json` and the `hookbox` tool set no
    /// limit of their own.
    std::size_t max_depth = 64;
};

/// The body of a delivery: immutable bytes, plus their kind. A `json` payload is valid JSON by
/// construction, so an outbox never stores a payload it could not send.
///
/// Copies share the bytes (one reference count), so claiming a delivery never copies its body.
/// Moving a payload moves the reference and leaves the JSON `null` payload behind, which is a value
/// like any other: every member may be used on it. Signatures are computed over `body()` exactly as
/// stored.
class payload {
public:
    /// The JSON `null` payload (the ObjectStack outbox's payload when none is given). Allocates
    /// nothing.
    payload() noexcept = default;

    payload(const payload&) = default;
    payload& operator=(const payload&) = default;

    /// Takes `other`'s bytes without copying them; `other` becomes the JSON `null` payload.
    payload(payload&& other) noexcept
        : body_(std::move(other.body_)), size_(std::exchange(other.size_, null_text.size())),
          kind_(std::exchange(other.kind_, payload_kind::json)) {}

    /// Takes `other`'s bytes without copying them; `other` becomes the JSON `null` payload.
    payload& operator=(payload&& other) noexcept {
        body_ = std::move(other.body_);
        size_ = std::exchange(other.size_, null_text.size());
        kind_ = std::exchange(other.kind_, payload_kind::json);
        return *this;
    }

    /// Serialises a JSON value (compact, keys in insertion order). A double that is infinite or NaN,
    /// which JSON cannot hold, is written as `null` (as JavaScript's `JSON.stringify` does), so the
    /// payload is always valid JSON.
    [[nodiscard]] HOOKBOX_DECL static payload from_json(const boost::json::value& v);

    /// Takes JSON text as the body, after checking that it is valid JSON nested at most
    /// `opts.max_depth` levels deep (64 by default). The text is kept byte for byte (whitespace
    /// included), so a signature computed elsewhere over the same text matches.
    ///
    /// Errors, with diagnostics naming `payload`; the result is then the JSON `null` payload:
    /// - `errc::invalid_payload`: not valid JSON, with the parser's reason;
    /// - `errc::payload_too_deep`: valid so far, but nested deeper than `opts.max_depth`.
    [[nodiscard]] HOOKBOX_DECL static payload
    parse(std::string text, const payload_options& opts, error_code& ec, diagnostics& diag);

    /// `parse` with the default `payload_options` (at most 64 levels deep).
    [[nodiscard]] HOOKBOX_DECL static payload parse(std::string text, error_code& ec, diagnostics& diag);

    /// Throwing overload of `parse`; throws `error_with_diagnostics`.
    [[nodiscard]] HOOKBOX_DECL static payload parse(std::string text, const payload_options& opts);

    /// Throwing overload of `parse` with the default `payload_options`.
    [[nodiscard]] HOOKBOX_DECL static payload parse(std::string text);

    /// A raw body, sent unchanged and not checked.
    [[nodiscard]] HOOKBOX_DECL static payload raw(std::string body);

    /// Rebuilds a payload read back from storage. `body` must come from `body()` of a payload of the
    /// same kind; a storage that cannot vouch for that calls `parse` instead.
    [[nodiscard]] HOOKBOX_DECL static payload from_stored(std::string body, payload_kind kind);

    payload_kind kind() const noexcept { return kind_; }

    /// The bytes that are sent.
    std::string_view body() const noexcept { return body_ ? std::string_view(*body_) : null_text; }

    /// The size of `body()`, in bytes.
    std::size_t size() const noexcept { return size_; }

    /// Parses a `json` payload back into a value (for inspection; the sender uses `body()`), at any
    /// depth. For a `raw` payload, returns the body as a JSON string. Throws `boost::system::system_error`
    /// for a `json` payload whose bytes are not JSON (only `from_stored` can make one).
    HOOKBOX_DECL boost::json::value to_json() const;

    /// True when both have the same kind and the same bytes.
    friend bool operator==(const payload& a, const payload& b) noexcept {
        return a.kind_ == b.kind_ && (a.body_ == b.body_ || a.body() == b.body());
    }

private:
    friend struct detail::payload_access;

    // The body of the JSON `null` payload. It is kept as a null pointer rather than shared bytes, so
    // that making, moving and destroying the default payload touch no reference count.
    static constexpr std::string_view null_text = "null";

    payload(std::shared_ptr<const std::string> body, payload_kind kind) noexcept
        : body_(std::move(body)), size_(body_ ? body_->size() : null_text.size()), kind_(kind) {}

    // Null for the default and the moved-from payload (the JSON `null`); otherwise never null.
    std::shared_ptr<const std::string> body_;
    // Kept beside the pointer so that checking a payload's size does not touch its (cold) bytes.
    std::size_t size_ = null_text.size();
    payload_kind kind_ = payload_kind::json;
};

namespace detail {

// Lets a storage keep a payload's shared bytes without the size and kind beside them, and rebuild
// the payload from them. A null pointer stands for the JSON `null` payload on both ways.
struct payload_access {
    // Moves the bytes out; `p` becomes the JSON `null` payload.
    static std::shared_ptr<const std::string> take_body(payload&& p) noexcept {
        p.size_ = payload::null_text.size();
        p.kind_ = payload_kind::json;
        return std::move(p.body_);
    }

    static payload make(std::shared_ptr<const std::string> body, payload_kind kind) noexcept {
        return payload(std::move(body), kind);
    }
};

}  // namespace detail

}  // namespace hookbox

#ifdef HOOKBOX_HEADER_ONLY
#include <hookbox/impl/payload.ipp>
#endif

#endif  // HOOKBOX_PAYLOAD_HPP
