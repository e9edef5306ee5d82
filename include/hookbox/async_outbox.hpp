//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ASYNC_OUTBOX_HPP
#define HOOKBOX_ASYNC_OUTBOX_HPP

/// \file
/// `basic_async_outbox<Outbox, Executor>`: the calls of a `basic_outbox` as Asio asynchronous
/// operations, each running the blocking call on a storage executor and completing on the caller's.

#include <hookbox/detail/async_outbox_call.hpp>
#include <hookbox/detail/default_token.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_allocator.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hookbox {

/// The calls of an outbox as asynchronous operations, for programs built on Asio: each runs the
/// outbox's blocking `(..., error_code&, diagnostics&)` call on a *storage executor* and completes
/// on the caller's executor, so that a coroutine or a handler on an I/O thread can enqueue, claim
/// and ack without blocking that thread.
///
/// \tparam Outbox a `basic_outbox` (any storage, clock, hasher and observer).
/// \tparam Executor the I/O executor: a standard executor such as `boost::asio::any_io_executor`
///         (the default), `boost::asio::io_context::executor_type` or a strand of either.
///
/// This is a light handle, cheap to copy: an executor, a storage executor and a pointer to the
/// outbox, which it does not own. Every call is an initiating function that takes any completion
/// token (a callback, `boost::asio::use_awaitable`, `boost::asio::deferred`,
/// `boost::asio::use_future`, ...), defaulting to the executor's default completion token (with
/// Boost 1.81's `any_io_executor`, which has none, `boost::asio::deferred`); and each comes in two overloads, one
/// that fills a `diagnostics&` when it completes and one without. The handler receives the error
/// code first; a token that turns it into an exception (`use_awaitable`, `use_future`) throws a
/// `boost::system::system_error`, whose words are in `diag` when it was passed.
///
/// What every call does, and the rules they share:
///
/// - **Arguments** are moved into the operation by the initiating function; nothing refers to
///   the caller's arguments afterwards, except `diag`. With `deferred`, the storage call starts
///   when the deferred operation is launched.
/// - **The call** is exactly the blocking `basic_outbox` call of the same name, with its errors, its
///   diagnostics and its effects. It runs on `storage_executor()`, which by default is the I/O
///   executor itself: pass a `boost::asio::thread_pool`'s executor (or a strand of your own)
///   when the storage blocks, as SQLite and PostgreSQL do, so that the I/O threads never wait for
///   the database. `memory_storage` can stay on the I/O executor.
/// - **The handler** runs on its associated executor, `get_executor()` when it has none, and
///   never inside the initiating function: even with the default storage executor, the call is
///   posted, and the handler is dispatched from there.
/// - **Allocation**: the operation's state is allocated with the handler's associated allocator.
/// - **Work**: the I/O executor (and the handler's executor) count as having outstanding work
///   until the handler has been invoked, so `io_context::run()` does not return while a call is
///   in flight.
/// - **Per-operation cancellation**: a cancellation emitted on the handler's slot before the call
///   starts on the storage executor prevents the call: nothing is read or changed, and the
///   operation completes with `boost::asio::error::operation_aborted`. Every cancellation type is
///   honoured (`terminal`, `partial` and `total`): an operation aborted this way has had no
///   effect at all. Once the call has started it runs to its end (one atomic step of the storage,
///   or for `replay` and `purge` a series of them) and the operation completes with the call's
///   result. As everywhere in Asio, emit the signal where it cannot race with the handler: on
///   the handler's executor.
/// - **Exceptions** that escape the blocking call (a `std::bad_alloc` from the storage, say) are
///   not thrown on the storage executor: the operation completes with `errc::storage_failure`
///   and diagnostics that quote the exception. What the call had done before it threw stays
///   done.
/// - **Lifetimes**: the outbox, `diag` and both executors' execution contexts must outlive the
///   operation, and the storage executor must keep running until the operation has completed.
///   The handle itself may be destroyed while operations are outstanding.
///
/// Thread-safety: distinct objects, safe; shared objects, every member function is `const` and
/// may be called from several threads at once, provided the outbox's storage allows concurrent
/// calls (every storage hookbox ships does).
template <class Outbox, class Executor = boost::asio::any_io_executor>
class basic_async_outbox {
public:
    using outbox_type = Outbox;
    /// The I/O executor.
    using executor_type = Executor;

    /// The same handle with another I/O executor type.
    template <class OtherExecutor>
    struct rebind_executor {
        using other = basic_async_outbox<Outbox, OtherExecutor>;
    };

    /// A handle whose calls run on `ex`: the storage executor is `ex` itself, which suits an
    /// outbox whose storage never blocks (`memory_storage`). With SQLite or PostgreSQL, use the
    /// other constructor and a thread pool.
    basic_async_outbox(executor_type ex, Outbox& outbox)
        : ex_(ex), storage_(std::move(ex)), outbox_(&outbox) {}

    /// A handle whose calls run on `storage` (for example a `boost::asio::thread_pool`'s executor,
    /// possibly the one a dispatcher uses) and complete on `ex`.
    basic_async_outbox(executor_type ex, Outbox& outbox, boost::asio::any_io_executor storage)
        : ex_(std::move(ex)), storage_(std::move(storage)), outbox_(&outbox) {}

    /// The I/O executor: where handlers without an associated executor run.
    executor_type get_executor() const noexcept { return ex_; }

    /// Where the blocking calls run.
    const boost::asio::any_io_executor& storage_executor() const noexcept { return storage_; }

    /// The outbox the calls go to.
    Outbox& outbox() const noexcept { return *outbox_; }

    // ----- enqueue -----

    /// Stores a delivery: `outbox().enqueue(std::move(req), ec, diag)`, with its dedup on
    /// `(event_id, webhook_id)` (a duplicate completes with `created = false`).
    ///
    /// \par Object lifetimes
    /// `req` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, enqueue_result)`; the result is value-initialised on error.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is stored, `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::enqueue` (validation names the field in `diag`; the storage's
    /// errors); `operation_aborted`; `errc::storage_failure` for an exception. `diag` is replaced
    /// when the operation completes (cleared on success).
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, enqueue_result)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_enqueue(enqueue_request req, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<enqueue_result>(token, &diag, enqueue_call(std::move(req)));
    }

    /// `async_enqueue` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, enqueue_result)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_enqueue(enqueue_request req, CompletionToken&& token = {}) const {
        return start<enqueue_result>(token, nullptr, enqueue_call(std::move(req)));
    }

    /// Stores several deliveries as one atomic step: `outbox().enqueue_many(std::move(reqs), ec,
    /// diag)`. Results are in request order.
    ///
    /// \par Object lifetimes
    /// `reqs` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<enqueue_result>)`; the vector is empty on error.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is stored, `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::enqueue_many` (a bad request is named `requests[i].<field>`, and
    /// nothing is stored); `operation_aborted`; `errc::storage_failure` for an exception. `diag` is
    /// replaced when the operation completes.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<enqueue_result>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_enqueue_many(std::vector<enqueue_request> reqs, diagnostics& diag,
                            CompletionToken&& token = {}) const {
        return start<std::vector<enqueue_result>>(token, &diag, enqueue_many_call(std::move(reqs)));
    }

    /// `async_enqueue_many` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<enqueue_result>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_enqueue_many(std::vector<enqueue_request> reqs, CompletionToken&& token = {}) const {
        return start<std::vector<enqueue_result>>(token, nullptr, enqueue_many_call(std::move(reqs)));
    }

    // ----- claim, ack, release -----

    /// Claims deliveries: `outbox().claim(opts, ec, diag)`. The claimed deliveries carry their
    /// secrets and the claim tokens that `async_ack` must present.
    ///
    /// \par Object lifetimes
    /// `opts` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<delivery>)`; the vector is empty on error.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is claimed (nor reaped), `operation_aborted`.
    /// After: none; the claimed rows are handed to the handler.
    ///
    /// \par Errors
    /// Those of `basic_outbox::claim` (`node_id`, `limit`, `claim_ttl`, `partition`; the storage's
    /// errors); `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<delivery>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_claim(claim_options opts, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::vector<delivery>>(token, &diag, claim_call(std::move(opts)));
    }

    /// `async_claim` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<delivery>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_claim(claim_options opts, CompletionToken&& token = {}) const {
        return start<std::vector<delivery>>(token, nullptr, claim_call(std::move(opts)));
    }

    /// Several claims as one step: `outbox().claim_many(opts, max_total, ec, diag)`, one entry
    /// per options, at most `max_total` rows in all.
    ///
    /// \par Object lifetimes
    /// `opts` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<std::vector<delivery>>)`; empty on error.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is claimed, `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::claim_many`; `operation_aborted`; `errc::storage_failure` for an
    /// exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<std::vector<delivery>>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_claim_many(std::vector<claim_options> opts, std::size_t max_total, diagnostics& diag,
                          CompletionToken&& token = {}) const {
        return start<std::vector<std::vector<delivery>>>(token, &diag,
                                                         claim_many_call(std::move(opts), max_total));
    }

    /// `async_claim_many` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<std::vector<delivery>>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_claim_many(std::vector<claim_options> opts, std::size_t max_total,
                          CompletionToken&& token = {}) const {
        return start<std::vector<std::vector<delivery>>>(token, nullptr,
                                                         claim_many_call(std::move(opts), max_total));
    }

    /// Records the outcome of one attempt at a claimed delivery, fenced by its claim token:
    /// `outbox().ack(id, claim_token, std::move(result), ec, diag)`. `async_ack_many` with
    /// `ack_entry::for_claimed(d, result)` is faster for a delivery that `async_claim` returned
    /// (it names the row's sequence too), and takes several at once.
    ///
    /// \par Object lifetimes
    /// `result` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: the row is left as it is (still claimed),
    /// `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::ack` (`errc::claim_lost`, `errc::not_found`, an invalid result);
    /// `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_ack(delivery_id id, std::uint64_t claim_token, attempt_result result, diagnostics& diag,
                   CompletionToken&& token = {}) const {
        return start<void>(token, &diag, ack_call(id, claim_token, std::move(result)));
    }

    /// `async_ack` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_ack(delivery_id id, std::uint64_t claim_token, attempt_result result,
                   CompletionToken&& token = {}) const {
        return start<void>(token, nullptr, ack_call(id, claim_token, std::move(result)));
    }

    /// Acks several claims in one step: `outbox().ack_many(std::move(entries), ec, diag)`. Each
    /// entry's own `errc::claim_lost` or `errc::not_found` is in the result, and does not stop the
    /// others.
    ///
    /// \par Object lifetimes
    /// `entries` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<error_code>)`: the batch's error, and one error per entry
    /// (empty when the batch failed).
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is applied, `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::ack_many` (an invalid result is named `entries[i].<field>` and
    /// nothing is applied; the storage's errors); `operation_aborted`; `errc::storage_failure`
    /// for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<error_code>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_ack_many(std::vector<ack_entry> entries, diagnostics& diag,
                        CompletionToken&& token = {}) const {
        return start<std::vector<error_code>>(token, &diag, ack_many_call(std::move(entries)));
    }

    /// `async_ack_many` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<error_code>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_ack_many(std::vector<ack_entry> entries, CompletionToken&& token = {}) const {
        return start<std::vector<error_code>>(token, nullptr, ack_many_call(std::move(entries)));
    }

    /// Gives claimed deliveries back without attempting them: `outbox().release(refs, std::move(r),
    /// ec, diag)`, in one step.
    ///
    /// \par Object lifetimes
    /// `refs` and `r` are moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<error_code>)`: the batch's error, and one error per entry
    /// (`errc::not_found`, `errc::claim_lost`, or none; empty when the batch failed).
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: the rows stay claimed, `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::release` (`status`, `next_retry_at`; the storage's errors);
    /// `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<error_code>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_release(std::vector<claim_ref> refs, release_request r, diagnostics& diag,
                       CompletionToken&& token = {}) const {
        return start<std::vector<error_code>>(token, &diag, release_call(std::move(refs), std::move(r)));
    }

    /// `async_release` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<error_code>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_release(std::vector<claim_ref> refs, release_request r, CompletionToken&& token = {}) const {
        return start<std::vector<error_code>>(token, nullptr, release_call(std::move(refs), std::move(r)));
    }

    // ----- reading -----

    /// The delivery with this id, its secret cleared, or `std::nullopt`: `outbox().get(id, ec,
    /// diag)`.
    ///
    /// \par Object lifetimes
    /// The outbox and `diag` must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(error_code, std::optional<delivery>)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// The storage's errors; `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::optional<delivery>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_get(delivery_id id, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::optional<delivery>>(token, &diag, get_call(id));
    }

    /// `async_get` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::optional<delivery>)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_get(delivery_id id, CompletionToken&& token = {}) const {
        return start<std::optional<delivery>>(token, nullptr, get_call(id));
    }

    /// One page of deliveries in enqueue order: `outbox().list(opts, ec, diag)`.
    ///
    /// \par Object lifetimes
    /// `opts` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, list_page)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::list` (`limit`; the storage's errors); `operation_aborted`;
    /// `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, list_page)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_list(list_options opts, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<list_page>(token, &diag, list_call(std::move(opts)));
    }

    /// `async_list` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, list_page)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_list(list_options opts, CompletionToken&& token = {}) const {
        return start<list_page>(token, nullptr, list_call(std::move(opts)));
    }

    /// Rows per status, and the age of the oldest pending row: `outbox().stats(ec, diag)`.
    ///
    /// \par Object lifetimes
    /// The outbox and `diag` must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(error_code, outbox_stats)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// The storage's errors; `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, outbox_stats)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_stats(diagnostics& diag, CompletionToken&& token = {}) const {
        return start<outbox_stats>(token, &diag, stats_call());
    }

    /// `async_stats` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, outbox_stats)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_stats(CompletionToken&& token = {}) const {
        return start<outbox_stats>(token, nullptr, stats_call());
    }

    /// The attempts recorded for a delivery, oldest first: `outbox().attempts(id, ec, diag)`.
    ///
    /// \par Object lifetimes
    /// The outbox and `diag` must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<attempt_record>)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::attempts` (`errc::not_found`; the storage's errors);
    /// `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<attempt_record>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_attempts(delivery_id id, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::vector<attempt_record>>(token, &diag, attempts_call(id));
    }

    /// `async_attempts` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<attempt_record>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_attempts(delivery_id id, CompletionToken&& token = {}) const {
        return start<std::vector<attempt_record>>(token, nullptr, attempts_call(id));
    }

    /// The webhooks that are failing, most failing first, at most `limit` (1 to 10000):
    /// `outbox().failures(limit, ec, diag)`.
    ///
    /// \par Object lifetimes
    /// The outbox and `diag` must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(error_code, std::vector<webhook_failures>)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: `operation_aborted`. After: none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::failures` (`limit`; the storage's errors); `operation_aborted`;
    /// `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::vector<webhook_failures>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_failures(std::size_t limit, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::vector<webhook_failures>>(token, &diag, failures_call(limit));
    }

    /// `async_failures` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::vector<webhook_failures>)>
                  CompletionToken = detail::default_token_t<executor_type>>
    auto async_failures(std::size_t limit, CompletionToken&& token = {}) const {
        return start<std::vector<webhook_failures>>(token, nullptr, failures_call(limit));
    }

    // ----- operations -----

    /// Sends a finished delivery again: `outbox().redeliver(id, ec, diag)`. Completes with the
    /// row after its reset to `pending`. Call the dispatcher's `notify()` afterwards to have it
    /// sent at once.
    ///
    /// \par Object lifetimes
    /// The outbox and `diag` must outlive the operation.
    ///
    /// \par Handler signature
    /// `void(error_code, delivery)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: the row is left as it is, `operation_aborted`. After:
    /// none.
    ///
    /// \par Errors
    /// Those of `basic_outbox::redeliver` (`errc::not_found`, `errc::not_eligible`; the storage's
    /// errors); `operation_aborted`; `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, delivery)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_redeliver(delivery_id id, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<delivery>(token, &diag, redeliver_call(id));
    }

    /// `async_redeliver` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, delivery)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_redeliver(delivery_id id, CompletionToken&& token = {}) const {
        return start<delivery>(token, nullptr, redeliver_call(id));
    }

    /// Sends finished deliveries again, in bulk: `outbox().replay(filter, ec, diag)`, in steps of
    /// `outbox_params::replay_batch` rows. Completes with how many rows were reset.
    ///
    /// \par Object lifetimes
    /// `filter` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::size_t)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is reset, `operation_aborted`. After: none (every
    /// step runs).
    ///
    /// \par Errors
    /// Those of `basic_outbox::replay` (`status`, `created_before`, `webhook_id`; the storage's
    /// errors, after which the count of the steps already applied is passed); `operation_aborted`;
    /// `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_replay(delivery_filter filter, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::size_t>(token, &diag, replay_call(std::move(filter)));
    }

    /// `async_replay` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_replay(delivery_filter filter, CompletionToken&& token = {}) const {
        return start<std::size_t>(token, nullptr, replay_call(std::move(filter)));
    }

    /// Deletes every row that matches `filter`, in any status: `outbox().purge(filter, ec, diag)`,
    /// in steps of `outbox_params::replay_batch` rows. Completes with how many rows were deleted.
    ///
    /// \par Object lifetimes
    /// `filter` is moved into the operation. The outbox and `diag` must outlive it.
    ///
    /// \par Handler signature
    /// `void(error_code, std::size_t)`.
    ///
    /// \par Executor
    /// The call runs on `storage_executor()`; the handler on its associated executor
    /// (`get_executor()` when it has none), never inside this function.
    ///
    /// \par Per-operation cancellation
    /// Any type, before the call starts: nothing is deleted, `operation_aborted`. After: none
    /// (every step runs).
    ///
    /// \par Errors
    /// Those of `basic_outbox::purge` (as `replay`, any `status` allowed; the storage's errors,
    /// after which the count of the steps already applied is passed); `operation_aborted`;
    /// `errc::storage_failure` for an exception.
    ///
    /// \par Thread-safety
    /// May be called from any thread, concurrently with other calls.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_purge(delivery_filter filter, diagnostics& diag, CompletionToken&& token = {}) const {
        return start<std::size_t>(token, &diag, purge_call(std::move(filter), std::nullopt));
    }

    /// `async_purge` without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_purge(delivery_filter filter, CompletionToken&& token = {}) const {
        return start<std::size_t>(token, nullptr, purge_call(std::move(filter), std::nullopt));
    }

    /// `async_purge` in steps of `batch_size` rows (1 to 100000; else `errc::invalid_argument`
    /// naming `batch_size`): `outbox().purge(filter, batch_size, ec, diag)`.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_purge(delivery_filter filter, std::size_t batch_size, diagnostics& diag,
                     CompletionToken&& token = {}) const {
        return start<std::size_t>(token, &diag, purge_call(std::move(filter), batch_size));
    }

    /// `async_purge` in steps of `batch_size` rows, without diagnostics.
    template <boost::asio::completion_token_for<void(error_code, std::size_t)> CompletionToken =
                  detail::default_token_t<executor_type>>
    auto async_purge(delivery_filter filter, std::size_t batch_size, CompletionToken&& token = {}) const {
        return start<std::size_t>(token, nullptr, purge_call(std::move(filter), batch_size));
    }

private:
    // Starts one call: `call(ec, diag)` on the storage executor, completing with
    // `void(error_code, R)` (or `void(error_code)` when `R` is void).
    template <class R, class CompletionToken, class Call>
    auto start(CompletionToken& token, diagnostics* diag, Call call) const {
        return boost::asio::async_initiate<CompletionToken, detail::outbox_call_signature_t<R>>(
            detail::outbox_call_initiation<Executor>(ex_, storage_), token, std::move(call), diag);
    }

    // The blocking calls, each holding the outbox and its arguments by value.
    auto enqueue_call(enqueue_request req) const {
        return [o = outbox_, req = std::move(req)](error_code& ec, diagnostics& d) mutable {
            return o->enqueue(std::move(req), ec, d);
        };
    }
    auto enqueue_many_call(std::vector<enqueue_request> reqs) const {
        return [o = outbox_, reqs = std::move(reqs)](error_code& ec, diagnostics& d) mutable {
            return o->enqueue_many(std::move(reqs), ec, d);
        };
    }
    auto claim_call(claim_options opts) const {
        return [o = outbox_, opts = std::move(opts)](error_code& ec, diagnostics& d) {
            return o->claim(opts, ec, d);
        };
    }
    auto claim_many_call(std::vector<claim_options> opts, std::size_t max_total) const {
        return [o = outbox_, opts = std::move(opts), max_total](error_code& ec, diagnostics& d) {
            return o->claim_many(std::span<const claim_options>(opts), max_total, ec, d);
        };
    }
    auto ack_call(delivery_id id, std::uint64_t claim_token, attempt_result result) const {
        return [o = outbox_, id, claim_token, result = std::move(result)](error_code& ec,
                                                                          diagnostics& d) mutable {
            o->ack(id, claim_token, std::move(result), ec, d);
        };
    }
    auto ack_many_call(std::vector<ack_entry> entries) const {
        return [o = outbox_, entries = std::move(entries)](error_code& ec, diagnostics& d) mutable {
            return o->ack_many(std::move(entries), ec, d);
        };
    }
    auto release_call(std::vector<claim_ref> refs, release_request r) const {
        return [o = outbox_, refs = std::move(refs), r = std::move(r)](error_code& ec,
                                                                       diagnostics& d) mutable {
            return o->release(std::span<const claim_ref>(refs), std::move(r), ec, d);
        };
    }
    auto get_call(delivery_id id) const {
        return [o = outbox_, id](error_code& ec, diagnostics& d) { return o->get(id, ec, d); };
    }
    auto list_call(list_options opts) const {
        return [o = outbox_, opts = std::move(opts)](error_code& ec, diagnostics& d) {
            return o->list(opts, ec, d);
        };
    }
    auto stats_call() const {
        return [o = outbox_](error_code& ec, diagnostics& d) { return o->stats(ec, d); };
    }
    auto attempts_call(delivery_id id) const {
        return [o = outbox_, id](error_code& ec, diagnostics& d) { return o->attempts(id, ec, d); };
    }
    auto failures_call(std::size_t limit) const {
        return [o = outbox_, limit](error_code& ec, diagnostics& d) { return o->failures(limit, ec, d); };
    }
    auto redeliver_call(delivery_id id) const {
        return [o = outbox_, id](error_code& ec, diagnostics& d) { return o->redeliver(id, ec, d); };
    }
    auto replay_call(delivery_filter filter) const {
        return [o = outbox_, filter = std::move(filter)](error_code& ec, diagnostics& d) {
            return o->replay(filter, ec, d);
        };
    }
    auto purge_call(delivery_filter filter, std::optional<std::size_t> batch_size) const {
        return [o = outbox_, filter = std::move(filter), batch_size](error_code& ec, diagnostics& d) {
            return batch_size ? o->purge(filter, *batch_size, ec, d) : o->purge(filter, ec, d);
        };
    }

    Executor ex_;
    boost::asio::any_io_executor storage_;
    Outbox* outbox_;
};

/// `basic_async_outbox` over `boost::asio::any_io_executor`: `async_outbox<sqlite_outbox>`.
template <class Outbox>
using async_outbox = basic_async_outbox<Outbox>;

}  // namespace hookbox

#endif  // HOOKBOX_ASYNC_OUTBOX_HPP
