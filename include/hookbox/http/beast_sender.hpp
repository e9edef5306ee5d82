//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_HTTP_BEAST_SENDER_HPP
#define HOOKBOX_HTTP_BEAST_SENDER_HPP

/// \file
/// `basic_beast_sender` (and `beast_sender`): the `http_sender` hookbox ships, on Boost.Asio,
/// Boost.Beast's HTTP parser and OpenSSL (`hookbox::http` target).
///
/// - HTTP/1.1 with keep-alive: one pool of connections per origin (scheme, host, port), at most
///   `sender_params::max_connections_per_origin` of them. Requests beyond that wait in the
///   origin's queue, in order, within the connect timeout; a connection that finishes a request
///   takes the next waiting one at once, and one that closes makes room for a new connection for it.
/// - HTTPS with certificate and host-name verification and SNI (OpenSSL).
/// - Time limits: `connect_timeout` covers waiting for a pooled connection, resolving, connecting
///   and the TLS handshake; the request's own `timeout` then covers writing the request and reading
///   the response headers and body. A response whose body does not arrive in time keeps its status
///   (the receiver has answered) and its connection is closed.
/// - The response body is kept up to `response_body_limit` bytes (16 KiB); a longer body is not
///   read further, and its connection is closed rather than drained.
/// - Interim responses (1xx, but 101) are skipped, as RFC 9110 section 15.2 asks: the attempt
///   gets the status, `Retry-After` and body of the final response after them. 101 Switching
///   Protocols is final: it is the attempt's status, and its connection is closed.
/// - The response's header blocks, interim ones included, may take `response_header_limit` bytes
///   (64 KiB) together; the connection's input buffer grows toward it only as a header block
///   needs. A final response whose header block goes beyond the limit after its status line keeps
///   that status, with `error` "response headers exceeded N bytes and were not read" (a 2xx is a
///   success), its headers and body are not read and its connection is closed. Without a complete
///   status line within the limit there is no response: the attempt fails with
///   `boost::beast::http::error::header_limit`.
/// - Redirects are never followed: a 3xx is reported as it is.
/// - The address policy (`address_policy.hpp`) is applied to every resolved address, and the
///   connection is made to an address that passed it.
/// - A request that fails on a reused keep-alive connection before any byte of a response arrived
///   (the receiver closed the idle connection) is sent once more on a new connection.
///
/// The request is written as it is built: the request line, `Host`, `User-Agent` (unless the
/// request has one), the request's headers (a later one replaces an earlier one of the same name),
/// `Content-Length`, then the body, in one gathered write. The response is parsed as it arrives
/// without storing its header fields (`detail/response_reader.hpp`); only the status,
/// `Retry-After`, the capped body and the keep-alive decision are kept.
///
/// Thread-safety: all state lives on the sender's strand; `async_send` and `cancel` may be called
/// from any thread.
///
/// Lifetime: the sender's state is shared by the sender and its outstanding operations, so the
/// sender may be destroyed while requests are in progress or waiting. Destroying it cancels them:
/// each completes with `boost::asio::error::operation_aborted` on its handler's executor (never
/// inside the destructor), every connection is closed, and once those handlers have run nothing of
/// the sender is left on the execution context.
///
/// With `HOOKBOX_SEPARATE_COMPILATION`, `basic_beast_sender<boost::asio::any_io_executor>` (that is,
/// `beast_sender`) is instantiated once, in `<hookbox/http/src.hpp>`; other executors and clocks
/// are instantiated where they are used.
///
/// \tparam Executor the executor of the I/O context. `boost::asio::io_context::executor_type`
/// avoids the type-erased executor's costs on every operation; `beast_sender` uses
/// `boost::asio::any_io_executor`. Its default completion token, if it has one (for example
/// `boost::asio::deferred_t::executor_with_default<...>`), is `async_send`'s default token.
/// \tparam Clock the clock of the sender's time limits, a *Clock* as for
/// `boost::asio::basic_waitable_timer` (`std::chrono::steady_clock` by default). Tests use a clock
/// that moves only when told.
/// \tparam WaitTraits how the sender's timers wait for a `Clock` time, as for
/// `boost::asio::basic_waitable_timer`.

#include <hookbox/delivery.hpp>
#include <hookbox/detail/config.hpp>
#include <hookbox/detail/default_token.hpp>
#include <hookbox/error.hpp>
#include <hookbox/http/address_policy.hpp>
#include <hookbox/http/sender_concept.hpp>
#include <hookbox/version.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/wait_traits.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace hookbox {

/// Parameters of a `beast_sender`.
struct sender_params {
    /// Waiting for a pooled connection, resolving, connecting and the TLS handshake, together.
    std::chrono::milliseconds connect_timeout{10000};
    /// Connections to one origin at once (busy and idle); further requests wait for one.
    std::size_t max_connections_per_origin = 32;
    /// An idle keep-alive connection older than this is closed instead of reused.
    std::chrono::milliseconds idle_timeout{30000};
    /// Response bodies are kept up to this many bytes.
    std::size_t response_body_limit = 16 * 1024;
    /// The response's header blocks (interim responses' included) may take this many bytes
    /// together; 1 KiB to 16 MiB. A longer header block is not read (see the file comment).
    std::size_t response_header_limit = 64 * 1024;
    /// Which addresses may be connected to; by default only globally routable ones.
    http::address_policy addresses{};
    /// Sent unless the request has its own `User-Agent`.
    std::string user_agent = "hookbox/" HOOKBOX_VERSION_STRING;
};

/// Counters of a `beast_sender` since construction.
struct sender_stats {
    std::uint64_t requests = 0;
    std::uint64_t connections_opened = 0;
    /// Requests sent on a connection that had served an earlier request.
    std::uint64_t connections_reused = 0;
    /// Requests whose response status and headers arrived (the body may have been cut short).
    std::uint64_t responses = 0;
};

namespace http::detail {
template <class Executor, class Clock, class WaitTraits> class beast_sender_impl;
}  // namespace http::detail

/// An HTTP/1.1 client for webhooks: pooled keep-alive connections, TLS, time limits, a capped
/// response body and an address guard. A model of `http_sender`. See the file comment for the
/// details of each.
template <class Executor = boost::asio::any_io_executor,
          class Clock = std::chrono::steady_clock,
          class WaitTraits = boost::asio::wait_traits<Clock>>
class basic_beast_sender {
    using impl_type = http::detail::beast_sender_impl<Executor, Clock, WaitTraits>;

public:
    /// The strand on which the sender does its work, and runs handlers that have no executor.
    using executor_type = boost::asio::strand<Executor>;
    /// The clock of the time limits.
    using clock_type = Clock;

    /// A sender whose HTTPS connections trust the system's certificate store. Throws
    /// `error_with_diagnostics` (see `check`).
    explicit basic_beast_sender(const Executor& ex, sender_params params = {})
        : impl_(std::make_shared<impl_type>(ex, nullptr, checked(std::move(params)))) {}

    /// A sender whose HTTPS connections use `tls` (trust store, client certificate, protocol
    /// versions). Peer verification and host-name checks are switched on for every connection
    /// regardless. `tls` must outlive the sender and the requests it started. Throws
    /// `error_with_diagnostics` (see `check`).
    basic_beast_sender(const Executor& ex, boost::asio::ssl::context& tls, sender_params params = {})
        : impl_(std::make_shared<impl_type>(ex, &tls, checked(std::move(params)))) {}

    basic_beast_sender(const basic_beast_sender&) = delete;
    basic_beast_sender& operator=(const basic_beast_sender&) = delete;

    /// Cancels every request in progress or waiting, as `cancel()` does, and closes every
    /// connection. The requests complete later, with `boost::asio::error::operation_aborted`, on
    /// their handlers' executors; requests started from a deferred operation after this complete
    /// the same way.
    ~basic_beast_sender() { impl_->close(); }

    executor_type get_executor() const noexcept { return impl_->get_executor(); }
    const sender_params& params() const noexcept { return impl_->params(); }
    std::chrono::milliseconds connect_timeout() const noexcept { return impl_->params().connect_timeout; }
    sender_stats stats() const noexcept { return impl_->stats(); }

    /// Checks parameters without constructing: what the constructor would throw.
    ///
    /// Errors: `errc::invalid_argument` naming the field: `response_header_limit` (not 1 KiB to
    /// 16 MiB).
    static bool check(const sender_params& p, error_code& ec, diagnostics& diag) {
        ec.clear();
        constexpr std::size_t min_header_limit = 1024, max_header_limit = 16 * 1024 * 1024;
        if (p.response_header_limit < min_header_limit || p.response_header_limit > max_header_limit) {
            detail::fail(ec, diag, errc::invalid_argument, "response_header_limit",
                         "response_header_limit: must be " + std::to_string(min_header_limit) + " to " +
                             std::to_string(max_header_limit) + " bytes (got " +
                             std::to_string(p.response_header_limit) + ")");
            return false;
        }
        return true;
    }

    /// Sends `req` and completes with `void(error_code, send_result)`.
    ///
    /// \par Preconditions
    /// None: a request the sender cannot send (a URL, method or header it refuses, a timeout that is
    /// not positive, an address the address policy forbids) completes with an error and `refused`
    /// set.
    ///
    /// \par Object lifetimes
    /// `req` is moved into the operation. The sender may be destroyed before the operation
    /// completes, which cancels it.
    ///
    /// \par Handler signature
    /// `void(error_code ec, send_result r)`. `ec` is empty when a response arrived, whatever its
    /// status (`r.http_status`, `r.response_body`, `r.retry_after`; `r.error` is then empty but
    /// for a header block beyond `response_header_limit`); otherwise it says why none arrived, and
    /// `r.error` says it in words. `r.duration` is always set.
    ///
    /// \par Executor
    /// The handler runs on its associated executor (the sender's strand when it has none), never
    /// inside this call. The operation's own work runs on the sender's strand. Its state is
    /// allocated with the handler's associated allocator.
    ///
    /// \par Per-operation cancellation
    /// Terminal cancellation ends the request, waiting, connecting or in progress; it completes with
    /// `boost::asio::error::operation_aborted` (and `r.error` `"cancelled"`), and a connection it
    /// was using is closed. Partial and total cancellation are ignored: a request on the wire cannot
    /// be taken back without ending its connection.
    ///
    /// \par Errors
    /// Nothing is thrown for a network failure.
    /// - `boost::asio::error::timed_out`: `connect_timeout` (waiting for a connection, resolving,
    ///   connecting, the TLS handshake) or the request's `timeout` ran out before a response.
    /// - `boost::asio::error::operation_aborted`: per-operation cancellation, `cancel()` or the
    ///   sender's destruction.
    /// - `errc::invalid_url`, `errc::invalid_method`, `errc::invalid_header`,
    ///   `errc::invalid_timeout`: the request was refused before sending (`r.refused`).
    /// - `errc::address_not_permitted`: every address of the host is one the address policy forbids
    ///   (`r.refused`).
    /// - Otherwise the transport's own code: resolving, connecting, TLS, reading or writing, or
    ///   Beast's HTTP parser for a response that is not HTTP (`header_limit` when no status line
    ///   came within `response_header_limit`).
    ///
    /// \par Thread-safety
    /// May be called from any thread.
    template <boost::asio::completion_token_for<void(error_code, send_result)> CompletionToken =
                  detail::default_token_t<Executor>>
    auto async_send(outgoing_request req, CompletionToken&& token = CompletionToken()) {
        return boost::asio::async_initiate<CompletionToken, void(error_code, send_result)>(
            initiate_send{impl_}, token, std::move(req));
    }

    /// Ends every request in progress and every waiting one (they complete with
    /// `boost::asio::error::operation_aborted`) and closes every connection. Later requests are
    /// served normally. Thread-safe.
    void cancel() { impl_->cancel(); }

private:
    static sender_params checked(sender_params p) {
        error_code ec;
        diagnostics diag;
        if (!check(p, ec, diag))
            throw error_with_diagnostics(ec, std::move(diag));
        return p;
    }

    // Starts a request; it shares the sender's state, so that a deferred operation outlives the
    // sender safely.
    struct initiate_send {
        std::shared_ptr<impl_type> impl;

        using executor_type = basic_beast_sender::executor_type;
        executor_type get_executor() const noexcept { return impl->get_executor(); }

        template <class Handler> void operator()(Handler&& handler, outgoing_request req) const {
            impl->start(std::forward<Handler>(handler), std::move(req));
        }
    };

    std::shared_ptr<impl_type> impl_;
};

}  // namespace hookbox

#include <hookbox/http/impl/beast_sender.hpp>

namespace hookbox {

#ifdef HOOKBOX_SEPARATE_COMPILATION
// Instantiated once, in <hookbox/http/src.hpp>.
extern template class http::detail::beast_sender_impl<boost::asio::any_io_executor,
                                                      std::chrono::steady_clock,
                                                      boost::asio::wait_traits<std::chrono::steady_clock>>;
extern template class basic_beast_sender<boost::asio::any_io_executor>;
#endif

/// The sender on a type-erased executor.
using beast_sender = basic_beast_sender<boost::asio::any_io_executor>;

static_assert(http_sender<beast_sender>);

}  // namespace hookbox

#endif  // HOOKBOX_HTTP_BEAST_SENDER_HPP
