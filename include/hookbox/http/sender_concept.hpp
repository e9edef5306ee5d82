//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_SENDER_CONCEPT_HPP
#define HOOKBOX_HTTP_SENDER_CONCEPT_HPP

/// \file
/// What the dispatcher needs of an HTTP client: the `http_sender` concept, the request it hands
/// over (`outgoing_request`) and the result it gets back (`send_result`).
///
/// | expression | type | semantics |
/// |---|---|---|
/// | `S::executor_type` | an Asio executor | where the sender's own work runs |
/// | `s.get_executor()` | `S::executor_type` | |
/// | `s.async_send(outgoing_request, token)` | per `token` | sends one request; completes with `void(error_code, send_result)` on the handler's associated executor, never inside `async_send`: the `error_code` is empty when a response arrived (whatever its status), else it says why none did (`boost::asio::error::timed_out`, `boost::asio::error::operation_aborted` after a cancellation, a transport error, a hookbox `errc` for a request refused before sending) |
/// | `s.cancel()` (optional) | `void` | thread-safe: ends every request in progress with `boost::asio::error::operation_aborted` (used by the dispatcher's drain deadline) |
/// | `s.connect_timeout()` (optional) | `std::chrono::milliseconds` | the longest a request may wait for a connection before its own timeout starts |
///
/// A sender never throws for a network failure: every outcome is an `error_code` and a
/// `send_result`, whose fields are filled whatever the code (the dispatcher reads only the
/// `send_result`). Models: `beast_sender` (`http/beast_sender.hpp`); tests use their own.

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/payload.hpp>

#include <chrono>
#include <concepts>
#include <optional>
#include <string>
#include <vector>

namespace hookbox {

/// How one HTTP attempt ended, as a sender reports it.
struct send_result {
    /// The response status; unset when no response arrived (connection refused or reset, timeout,
    /// TLS failure).
    std::optional<int> http_status{};
    /// The response body, already capped by the sender.
    std::string response_body{};
    /// Why no response arrived (`timeout after 15000ms`, `connection refused`). Empty for a
    /// response, unless it was only partly read: a header block over the sender's limit, whose
    /// status stands, says so here.
    std::string error{};
    /// From before the request to after the body was read.
    std::chrono::milliseconds duration{0};
    /// The response's `Retry-After` header, when it had one.
    std::optional<std::string> retry_after{};
    /// Set when the request was refused before anything was sent and trying again cannot help: an
    /// address the sender's address policy forbids, a URL or header the sender cannot send. The
    /// retry policy makes such an attempt `dead`.
    bool refused = false;
};

/// One request, as the dispatcher hands it to a sender: everything already decided (headers signed,
/// body chosen). The sender adds `Host`, `Content-Length` and, unless `headers` has one,
/// `User-Agent`.
struct outgoing_request {
    /// Absolute `http://` or `https://` URL.
    std::string url{};
    /// The method token; `POST` unless the delivery says otherwise.
    std::string method = "POST";
    /// Sent in this order; a later header replaces an earlier one of the same name (names compare
    /// case-insensitively).
    std::vector<header> headers{};
    /// The body bytes (shared with the delivery, not copied).
    hookbox::payload body{};
    /// From the moment a connection is ready to the end of the response body.
    std::chrono::milliseconds timeout{15000};
};

namespace detail {

// The completion handler an `http_sender` must accept.
struct send_handler_archetype {
    void operator()(error_code, send_result) {}
};

}  // namespace detail

/// An HTTP client the dispatcher can use. See the table at the top of this header.
template <class S>
concept http_sender = requires(S& s, outgoing_request r) {
    typename S::executor_type;
    { s.get_executor() } -> std::convertible_to<typename S::executor_type>;
    s.async_send(std::move(r), detail::send_handler_archetype{});
};

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_SENDER_CONCEPT_HPP
