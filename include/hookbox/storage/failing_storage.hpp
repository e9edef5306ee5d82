//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_STORAGE_FAILING_STORAGE_HPP
#define HOOKBOX_STORAGE_FAILING_STORAGE_HPP

/// \file
/// `failing_storage<Storage>`: a storage that forwards every call to another one and fails the
/// calls a `fail_plan` picks, to test code that uses an outbox against storage failures.
///
/// The usual test drives an operation through every failure point: for `n` = 1, 2, ... it sets
/// `fail_plan{n, kind}` on a fresh storage, runs the operation as the code under test would
/// (retrying what failed), turns the faults off, reads the storage back and checks what must hold,
/// and stops at the first `n` that the operation never reached (`fault_injector::injected()` is 0).

#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>
#include <hookbox/storage/concept.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace hookbox {

/// How a `failing_storage` fails a call its plan picks.
enum class fault {
    /// The call fails before anything is applied, as when the connection broke before the
    /// statement ran: `errc::storage_failure`, and the inner storage is not called.
    before,
    /// The inner storage applies the call (it commits), and then the call reports
    /// `errc::storage_failure` with an empty result, as when the connection broke while the answer of
    /// a commit was on its way. A caller that retries meets the effect of its first call: a dedup
    /// hit on enqueue, `errc::claim_lost` on an ack or a release, `errc::not_eligible` on a
    /// redeliver, rows claimed that nobody holds until the claim TTL reaps them.
    lost_answer,
    /// The call fails before anything is applied with `errc::storage_busy`, as when another writer
    /// held the lock for longer than the storage waits.
    busy,
};

/// Which calls a `fault_injector` fails, and how.
struct fail_plan {
    /// The call to fail, counted from 1 across every storage call made since the plan was set.
    /// 0 fails no call.
    std::size_t n = 0;
    /// How that call fails.
    fault kind = fault::before;
    /// When true, every call from the `n`th on fails the same way until `fault_injector::recover()`:
    /// a storage that is down for a while. When false, only the `n`th call fails.
    bool until_recovered = false;
};

/// A fault that a `fault_injector` decided for one call.
struct injected_fault {
    /// How the call fails.
    fault kind = fault::before;
    /// The call's number since the plan was set (1 for the first).
    std::size_t call = 0;
};

/// The plan of a `failing_storage` and its counts: calls seen and faults injected since the plan
/// was set. Shared by a storage and its copies, and by the test that holds it, so that a storage
/// moved into an outbox is still controlled from outside.
///
/// Thread-safety: every member may be called from several threads at once. Calls that race are
/// numbered in the order they reach the injector, so the `n`th call of a plan is whichever comes
/// `n`th.
class fault_injector {
public:
    /// An injector that fails no call.
    fault_injector() = default;

    /// An injector with `plan` set.
    explicit fault_injector(fail_plan plan) noexcept : plan_(plan) {}

    fault_injector(const fault_injector&) = delete;
    fault_injector& operator=(const fault_injector&) = delete;

    /// Replaces the plan, and restarts both counts from 0: the next call is call 1.
    void set(fail_plan plan) noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        plan_ = plan;
        calls_ = 0;
        injected_ = 0;
        recovered_ = false;
    }

    /// `set(fail_plan{})`: no call fails, and the counts restart from 0.
    void reset() noexcept { set(fail_plan{}); }

    /// Ends the plan's faults, keeping the counts: the storage is back. A plan with
    /// `until_recovered` fails from its `n`th call until this; any other plan fails nothing more.
    void recover() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        recovered_ = true;
    }

    /// The plan set last.
    fail_plan plan() const noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return plan_;
    }

    /// Storage calls seen since the plan was set, failed ones included.
    std::size_t calls() const noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return calls_;
    }

    /// Calls failed since the plan was set.
    std::size_t injected() const noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return injected_;
    }

    /// True while a plan with `until_recovered` is failing every call (from its `n`th call until
    /// `recover()`).
    bool down() const noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        return plan_.until_recovered && plan_.n != 0 && calls_ >= plan_.n && !recovered_;
    }

    /// Counts one call and says how it fails, or `std::nullopt` when it does not. `failing_storage`
    /// calls it once per storage call; a wrapper of another interface (an engine, a sender) may
    /// call it the same way.
    std::optional<injected_fault> on_call() noexcept {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::size_t call = ++calls_;
        if (plan_.n == 0 || recovered_ || call < plan_.n || (call > plan_.n && !plan_.until_recovered))
            return std::nullopt;
        ++injected_;
        return injected_fault{plan_.kind, call};
    }

private:
    mutable std::mutex mutex_;
    fail_plan plan_{};
    std::size_t calls_ = 0;
    std::size_t injected_ = 0;
    bool recovered_ = false;
};

/// A model of `outbox_storage` that forwards every call to an inner storage and fails the calls
/// that its `fault_injector`'s plan picks (see `fault` for what each kind models). Every call
/// counts, reads included.
///
/// It has each optional member of `outbox_storage` (the `insert` from a request, the `claim` into a
/// vector, `claim_many`) exactly when `Storage` has it, so that `basic_outbox` takes the same paths
/// over it as over `Storage`.
///
/// A failed call sets `ec` to `errc::storage_failure` or `errc::storage_busy` (both retryable:
/// `is_retryable`), with diagnostics whose message names the call and its number (for example
/// `Injected fault at storage call 7 (complete_many): applied, then its answer was lost`), and
/// returns an empty result. The per-entry errors of `complete_many` and `release` are never
/// injected: a failed batch fails as a whole, with `ec` set and no entries.
///
/// \code
/// auto faults = std::make_shared<fault_injector>();
/// using storage = failing_storage<memory_storage>;
/// basic_outbox<storage> ob(outbox_params{}, storage(memory_storage(), faults));
/// faults->set(fail_plan{.n = 3, .kind = fault::lost_answer});  // the 3rd call from now commits, then fails
/// \endcode
///
/// Copies share the injector (and so its plan and counts); a moved-from storage may only be
/// destroyed or assigned to.
///
/// Thread-safety: as safe as `Storage`; the injector is thread-safe.
///
/// \tparam Storage a model of `outbox_storage`.
template <class Storage>
    requires outbox_storage<Storage>
class failing_storage {
public:
    using inner_type = Storage;

    /// As `Storage`'s: `list` passes every filter on.
    static constexpr bool lists_by_event_and_time = detail::storage_lists_by_event_and_time<Storage>;

    /// Wraps `inner`, consulting `injector` before each call. Throws `error_with_diagnostics` with
    /// `errc::invalid_argument` naming `injector` when it is null.
    explicit failing_storage(Storage inner,
                             std::shared_ptr<fault_injector> injector = std::make_shared<fault_injector>())
        : inner_(std::move(inner)), injector_(std::move(injector)) {
        if (!injector_) {
            error_code ec;
            diagnostics diag;
            detail::fail(ec, diag, errc::invalid_argument, "injector", "injector: must not be null");
            throw error_with_diagnostics(ec, std::move(diag));
        }
    }

    /// The injector this storage and its copies consult.
    fault_injector& injector() const noexcept { return *injector_; }

    /// The injector, shared: a handle that stays valid after this storage moved into an outbox.
    const std::shared_ptr<fault_injector>& shared_injector() const noexcept { return injector_; }

    /// The inner storage; calls made on it directly are neither counted nor failed.
    Storage& inner() noexcept { return inner_; }
    const Storage& inner() const noexcept { return inner_; }

    // ----- outbox_storage: each member is the inner storage's, unless the plan fails the call -----

    enqueue_result insert(delivery&& d, error_code& ec, diagnostics& diag) {
        return guarded("insert", ec, diag, [&] { return inner_.insert(std::move(d), ec, diag); });
    }

    /// Present when `Storage` has it.
    template <class S = Storage>
        requires detail::storage_inserts_requests<S>
    enqueue_result insert(enqueue_request&& req, const new_delivery& nd, error_code& ec, diagnostics& diag) {
        return guarded("insert", ec, diag, [&] { return inner_.insert(std::move(req), nd, ec, diag); });
    }

    std::vector<enqueue_result> insert_many(std::vector<delivery>&& ds, error_code& ec, diagnostics& diag) {
        return guarded("insert_many", ec, diag, [&] { return inner_.insert_many(std::move(ds), ec, diag); });
    }

    [[nodiscard]] std::vector<delivery> claim(const claim_query& q, error_code& ec, diagnostics& diag) {
        return guarded("claim", ec, diag, [&] { return inner_.claim(q, ec, diag); });
    }

    /// Present when `Storage` has it. On failure `out` is empty.
    template <class S = Storage>
        requires detail::storage_claims_into<S>
    void claim(const claim_query& q, std::vector<delivery>& out, error_code& ec, diagnostics& diag) {
        guarded("claim", ec, diag, [&] { inner_.claim(q, out, ec, diag); });
        if (ec)
            out.clear();
    }

    /// Present when `Storage` has it.
    template <class S = Storage>
        requires detail::storage_claims_many<S>
    [[nodiscard]] std::vector<std::vector<delivery>>
    claim_many(std::span<const claim_query> qs, std::size_t max_total, error_code& ec, diagnostics& diag) {
        return guarded("claim_many", ec, diag, [&] { return inner_.claim_many(qs, max_total, ec, diag); });
    }

    void complete(const claim_ref& ref, completion&& c, error_code& ec, diagnostics& diag) {
        guarded("complete", ec, diag, [&] { inner_.complete(ref, std::move(c), ec, diag); });
    }

    [[nodiscard]] std::vector<error_code>
    complete_many(std::span<const claim_ref> refs, std::vector<completion>&& cs, error_code& ec,
                  diagnostics& diag) {
        return guarded("complete_many", ec, diag,
                       [&] { return inner_.complete_many(refs, std::move(cs), ec, diag); });
    }

    [[nodiscard]] std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) {
        return guarded("get", ec, diag, [&] { return inner_.get(id, ec, diag); });
    }

    [[nodiscard]] list_page list(const list_options& lo, error_code& ec, diagnostics& diag) {
        return guarded("list", ec, diag, [&] { return inner_.list(lo, ec, diag); });
    }

    delivery redeliver(delivery_id id, timestamp now, error_code& ec, diagnostics& diag) {
        return guarded("redeliver", ec, diag, [&] { return inner_.redeliver(id, now, ec, diag); });
    }

    [[nodiscard]] outbox_stats stats(timestamp now, error_code& ec, diagnostics& diag) {
        return guarded("stats", ec, diag, [&] { return inner_.stats(now, ec, diag); });
    }

    std::size_t
    replay(const delivery_filter& f, std::size_t n, timestamp now, error_code& ec, diagnostics& diag) {
        return guarded("replay", ec, diag, [&] { return inner_.replay(f, n, now, ec, diag); });
    }

    std::size_t count(const delivery_filter& f, bool terminal_only, error_code& ec, diagnostics& diag)
        requires detail::storage_counts<Storage>
    {
        return guarded("count", ec, diag, [&] { return inner_.count(f, terminal_only, ec, diag); });
    }

    std::size_t purge(const delivery_filter& f, std::size_t n, error_code& ec, diagnostics& diag) {
        return guarded("purge", ec, diag, [&] { return inner_.purge(f, n, ec, diag); });
    }

    [[nodiscard]] std::vector<error_code> release(std::span<const claim_ref> refs, const release_request& rr,
                                                  error_code& ec, diagnostics& diag) {
        return guarded("release", ec, diag, [&] { return inner_.release(refs, rr, ec, diag); });
    }

    [[nodiscard]] std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) {
        return guarded("attempts", ec, diag, [&] { return inner_.attempts(id, ec, diag); });
    }

    [[nodiscard]] std::vector<webhook_failures> failures(std::size_t n, error_code& ec, diagnostics& diag) {
        return guarded("failures", ec, diag, [&] { return inner_.failures(n, ec, diag); });
    }

private:
    // Runs `apply` (the inner call) unless the plan fails this call. A lost answer runs it and then
    // drops whatever it returned, an error included: the caller only learns that the call failed.
    template <class Apply>
    auto guarded(std::string_view call, error_code& ec, diagnostics& diag, Apply&& apply)
        -> decltype(apply()) {
        using result = decltype(apply());
        const std::optional<injected_fault> f = injector_->on_call();
        if (!f)
            return apply();
        if (f->kind == fault::lost_answer) {
            if constexpr (std::is_void_v<result>)
                apply();
            else
                static_cast<void>(apply());
        }
        // A kind outside the enumeration fails as `before` does.
        errc code = errc::storage_failure;
        const char* what = "failed before anything was applied";
        if (f->kind == fault::lost_answer) {
            what = "applied, then its answer was lost";
        } else if (f->kind == fault::busy) {
            code = errc::storage_busy;
            what = "storage busy, nothing was applied";
        }
        detail::fail(ec, diag, code, "",
                     "Injected fault at storage call " + std::to_string(f->call) + " (" + std::string(call) +
                         "): " + what);
        if constexpr (!std::is_void_v<result>)
            return result{};
    }

    Storage inner_;
    std::shared_ptr<fault_injector> injector_;
};

}  // namespace hookbox

#endif  // HOOKBOX_STORAGE_FAILING_STORAGE_HPP
