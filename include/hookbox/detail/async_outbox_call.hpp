//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_DETAIL_ASYNC_OUTBOX_CALL_HPP
#define HOOKBOX_DETAIL_ASYNC_OUTBOX_CALL_HPP

// One call of `basic_async_outbox` as an operation: its state (allocated with the handler's
// allocator), its trip to the storage executor and back to the handler's, its cancellation, and the
// initiation every call shares.

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

namespace detail {

// The completion signature of a call whose blocking form returns `R`.
template <class R>
struct outbox_call_signature {
    using type = void(error_code, R);
};

template <>
struct outbox_call_signature<void> {
    using type = void(error_code);
};

template <class R>
using outbox_call_signature_t = typename outbox_call_signature<R>::type;

// Owns one operation's state, allocated with the handler's associated allocator. The state travels
// from the initiating function to the storage executor and on to the handler's executor inside the
// function objects posted there; when one of those is destroyed without having run (its execution
// context was shut down), this owner frees the state, and the handler with it.
template <class Op, class Alloc>
class outbox_call_ptr {
public:
    template <class... Args>
    static outbox_call_ptr make(const Alloc& alloc, Args&&... args) {
        rebound a(alloc);
        Op* p = traits::allocate(a, 1);
        try {
            traits::construct(a, p, std::forward<Args>(args)...);
        } catch (...) {
            traits::deallocate(a, p, 1);
            throw;
        }
        return outbox_call_ptr(p, alloc);
    }

    outbox_call_ptr(outbox_call_ptr&& other) noexcept
        : p_(std::exchange(other.p_, nullptr)), alloc_(other.alloc_) {}
    outbox_call_ptr& operator=(outbox_call_ptr&&) = delete;
    ~outbox_call_ptr() { reset(); }

    Op& operator*() const noexcept { return *p_; }
    Op* operator->() const noexcept { return p_; }
    const Alloc& get_allocator() const noexcept { return alloc_; }

    void reset() noexcept {
        if (p_ == nullptr)
            return;
        rebound a(alloc_);
        traits::destroy(a, p_);
        traits::deallocate(a, p_, 1);
        p_ = nullptr;
    }

private:
    using rebound = typename std::allocator_traits<Alloc>::template rebind_alloc<Op>;
    using traits = std::allocator_traits<rebound>;

    outbox_call_ptr(Op* p, const Alloc& alloc) noexcept : p_(p), alloc_(alloc) {}

    Op* p_;
    Alloc alloc_;
};

// What is posted to the storage executor. It has no associated executor, so it runs there and not
// on the handler's executor; its associated allocator is the handler's.
template <class Op, class Alloc>
struct outbox_call_storage_step {
    using allocator_type = Alloc;
    outbox_call_ptr<Op, Alloc> op;

    allocator_type get_allocator() const noexcept { return op.get_allocator(); }
    void operator()() { Op::run(std::move(op)); }
};

// What is dispatched from the storage executor to the handler's executor.
template <class Op, class Alloc>
struct outbox_call_completion_step {
    using allocator_type = Alloc;
    outbox_call_ptr<Op, Alloc> op;

    allocator_type get_allocator() const noexcept { return op.get_allocator(); }
    void operator()() { Op::complete(std::move(op)); }
};

// Installed in the handler's cancellation slot. The slot is emitted on the caller's side while the
// storage executor may be reading the request on another thread, hence the atomic.
struct outbox_call_cancellation {
    explicit outbox_call_cancellation(std::atomic<bool>* r) noexcept : requested(r) {}

    std::atomic<bool>* requested;

    void operator()(boost::asio::cancellation_type_t type) const noexcept {
        if (type != boost::asio::cancellation_type::none)
            requested->store(true, std::memory_order_release);
    }
};

// One blocking call in flight: the handler, the call with its arguments, and what it produced.
template <class Handler, class IoExecutor, class Call>
class outbox_call_op {
public:
    using allocator_type = boost::asio::associated_allocator_t<Handler>;

    template <class H, class C>
    outbox_call_op(H&& handler, const IoExecutor& io_ex, C&& call, diagnostics* diag_out)
        : handler_(std::forward<H>(handler)), io_work_(io_ex),
          handler_work_(boost::asio::get_associated_executor(handler_, io_ex)), call_(std::forward<C>(call)),
          diag_out_(diag_out), slot_(boost::asio::get_associated_cancellation_slot(handler_)) {}

    outbox_call_op(const outbox_call_op&) = delete;
    outbox_call_op& operator=(const outbox_call_op&) = delete;

    // Only when the operation never completed (its state is freed by a context shutting down):
    // the slot must not keep a handler that points into freed state.
    ~outbox_call_op() {
        if (cancellation_installed_)
            slot_.clear();
    }

    // Called by the initiating function before the operation is posted, so that a cancellation
    // emitted at any time after the initiating function returned is seen.
    void install_cancellation() {
        if (!slot_.is_connected())
            return;
        slot_.template emplace<outbox_call_cancellation>(&cancel_requested_);
        cancellation_installed_ = true;
    }

    // On the storage executor: the blocking call, unless the operation was cancelled first; then
    // on to the handler's executor (inline when this is already it: this is not the initiating
    // function).
    static void run(outbox_call_ptr<outbox_call_op, allocator_type> self) {
        outbox_call_op& o = *self;
        if (o.cancel_requested_.load(std::memory_order_acquire)) {
            o.ec_ = boost::asio::error::operation_aborted;
            o.note("cancelled before the storage call started; nothing was read or changed", nullptr);
        } else {
            o.invoke();
        }
        auto ex = o.handler_work_.get_executor();
        using completion_step = outbox_call_completion_step<outbox_call_op, allocator_type>;
        boost::asio::dispatch(ex, completion_step{std::move(self)});
    }

    // On the handler's executor, where a cancellation signal is emitted: the slot is cleared here,
    // so that clearing it cannot race with an emission.
    static void complete(outbox_call_ptr<outbox_call_op, allocator_type> self) {
        outbox_call_op& o = *self;
        if (o.cancellation_installed_) {
            o.slot_.clear();
            o.cancellation_installed_ = false;
        }
        if (o.diag_out_ != nullptr)
            *o.diag_out_ = std::move(o.diag_);
        Handler handler(std::move(o.handler_));
        const error_code ec = o.ec_;
        result_holder result(std::move(o.result_));
        // The state (and the work it counted) goes before the handler runs, so that the handler may
        // start another operation that reuses the memory.
        self.reset();
        if constexpr (std::is_void_v<result_type>)
            std::move(handler)(ec);
        else
            std::move(handler)(ec, std::move(result));
    }

private:
    using result_type = std::invoke_result_t<Call&, error_code&, diagnostics&>;
    struct no_result {};
    using result_holder = std::conditional_t<std::is_void_v<result_type>, no_result, result_type>;
    using handler_executor = boost::asio::associated_executor_t<Handler, IoExecutor>;

    // An exception must not leave the storage executor's thread: it becomes the operation's error.
    void invoke() noexcept {
        try {
            if constexpr (std::is_void_v<result_type>)
                call_(ec_, diag_);
            else
                result_ = call_(ec_, diag_);
        } catch (const std::exception& e) {
            fail_with_exception(e.what());
        } catch (...) {
            fail_with_exception(nullptr);
        }
    }

    void fail_with_exception(const char* what) noexcept {
        ec_ = make_error_code(errc::storage_failure);
        result_ = result_holder();
        note("the storage call threw an exception", what);
    }

    // Words for `diag_`; left empty if even they cannot be allocated.
    void note(const char* message, const char* detail) noexcept {
        try {
            std::string text(message);
            if (detail != nullptr)
                text.append(": ").append(detail);
            diag_.assign(std::string(), std::move(text));
        } catch (...) {
            diag_.clear();
        }
    }

    Handler handler_;
    boost::asio::executor_work_guard<IoExecutor> io_work_;
    boost::asio::executor_work_guard<handler_executor> handler_work_;
    Call call_;
    diagnostics* diag_out_;
    boost::asio::associated_cancellation_slot_t<Handler> slot_;
    bool cancellation_installed_ = false;
    std::atomic<bool> cancel_requested_{false};
    error_code ec_{};
    diagnostics diag_{};
    result_holder result_{};
};

// The initiation of every call of `basic_async_outbox`: allocates the operation, connects its
// cancellation and posts the call to the storage executor.
template <class Executor>
class outbox_call_initiation {
public:
    using executor_type = Executor;

    outbox_call_initiation(const Executor& ex, const boost::asio::any_io_executor& storage)
        : ex_(ex), storage_(storage) {}

    executor_type get_executor() const noexcept { return ex_; }

    template <class Handler, class Call>
    void operator()(Handler&& handler, Call&& call, diagnostics* diag) const {
        using op_type = outbox_call_op<std::decay_t<Handler>, Executor, std::decay_t<Call>>;
        using alloc_type = typename op_type::allocator_type;
        const alloc_type alloc = boost::asio::get_associated_allocator(handler);
        auto op = outbox_call_ptr<op_type, alloc_type>::make(alloc, std::forward<Handler>(handler), ex_,
                                                             std::forward<Call>(call), diag);
        op->install_cancellation();
        boost::asio::post(storage_, outbox_call_storage_step<op_type, alloc_type>{std::move(op)});
    }

private:
    Executor ex_;
    boost::asio::any_io_executor storage_;
};

}  // namespace detail

}  // namespace hookbox

#endif  // HOOKBOX_DETAIL_ASYNC_OUTBOX_CALL_HPP
