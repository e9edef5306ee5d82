//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_ADMIN_ADMIN_TARGET_HPP
#define HOOKBOX_ADMIN_ADMIN_TARGET_HPP

/// \file
/// `admin_target`: the outbox operations the admin API calls, behind a virtual interface, so that
/// one compiled `admin_handler` serves any `basic_outbox<Storage, Clock, Hasher, Observer>`; and
/// `make_admin_target`, which adapts an outbox (and, optionally, the dispatcher that sends its
/// deliveries) to it.

#include <hookbox/clock.hpp>
#include <hookbox/delivery.hpp>
#include <hookbox/error.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hookbox {

/// What the admin API does to an outbox, each call synchronous: on an outbox over SQL storage a call
/// blocks the calling thread for its statements. The functions are those of `basic_outbox`, with
/// the same errors.
class admin_target {
public:
    virtual ~admin_target() = default;

    virtual outbox_stats stats(error_code& ec, diagnostics& diag) = 0;
    virtual list_page list(const list_options& opts, error_code& ec, diagnostics& diag) = 0;
    virtual std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) = 0;
    virtual std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) = 0;
    virtual delivery redeliver(delivery_id id, error_code& ec, diagnostics& diag) = 0;
    virtual std::size_t replay(const delivery_filter& filter, error_code& ec, diagnostics& diag) = 0;
    virtual std::size_t purge(const delivery_filter& filter, error_code& ec, diagnostics& diag) = 0;
    virtual std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) = 0;
    /// The outbox clock's time (of an endpoint disabled through the health store).
    virtual timestamp now() = 0;

    /// True when a dispatcher takes endpoint changes (`enable_endpoint`, `disable_endpoint`).
    virtual bool has_dispatcher() const noexcept { return false; }
    /// Asks the dispatcher to enable an endpoint again; it applies (and saves) the change on its
    /// own executor, soon after the call.
    virtual void enable_endpoint(const std::string& /*webhook_id*/) {}
    /// Asks the dispatcher to disable an endpoint, as `enable_endpoint`.
    virtual void disable_endpoint(const std::string& /*webhook_id*/, const std::string& /*reason*/) {}
};

/// The `admin_target` of a `basic_outbox`, which must outlive it.
template <class Outbox>
class outbox_admin_target : public admin_target {
public:
    explicit outbox_admin_target(Outbox& outbox) noexcept : outbox_(outbox) {}

    outbox_stats stats(error_code& ec, diagnostics& diag) override { return outbox_.stats(ec, diag); }
    list_page list(const list_options& opts, error_code& ec, diagnostics& diag) override {
        return outbox_.list(opts, ec, diag);
    }
    std::optional<delivery> get(delivery_id id, error_code& ec, diagnostics& diag) override {
        return outbox_.get(id, ec, diag);
    }
    std::vector<attempt_record> attempts(delivery_id id, error_code& ec, diagnostics& diag) override {
        return outbox_.attempts(id, ec, diag);
    }
    delivery redeliver(delivery_id id, error_code& ec, diagnostics& diag) override {
        return outbox_.redeliver(id, ec, diag);
    }
    std::size_t replay(const delivery_filter& filter, error_code& ec, diagnostics& diag) override {
        return outbox_.replay(filter, ec, diag);
    }
    std::size_t purge(const delivery_filter& filter, error_code& ec, diagnostics& diag) override {
        return outbox_.purge(filter, ec, diag);
    }
    std::vector<webhook_failures> failures(std::size_t limit, error_code& ec, diagnostics& diag) override {
        return outbox_.failures(limit, ec, diag);
    }
    timestamp now() override { return now_ms(outbox_.clock()); }

private:
    Outbox& outbox_;
};

/// The `admin_target` of a `basic_outbox` and of the dispatcher that sends its deliveries (anything
/// with `enable_endpoint(std::string)` and `disable_endpoint(std::string, std::string)`, such as
/// `dispatcher<...>`); both must outlive it.
template <class Outbox, class Dispatcher>
class dispatching_admin_target final : public outbox_admin_target<Outbox> {
public:
    dispatching_admin_target(Outbox& outbox, Dispatcher& dispatcher) noexcept
        : outbox_admin_target<Outbox>(outbox), dispatcher_(dispatcher) {}

    bool has_dispatcher() const noexcept override { return true; }
    void enable_endpoint(const std::string& webhook_id) override { dispatcher_.enable_endpoint(webhook_id); }
    void disable_endpoint(const std::string& webhook_id, const std::string& reason) override {
        dispatcher_.disable_endpoint(webhook_id, reason);
    }

private:
    Dispatcher& dispatcher_;
};

/// The admin target of `outbox` (which must outlive it): endpoint changes go to the health store of
/// `admin_params`, if any.
template <class Outbox>
std::shared_ptr<admin_target> make_admin_target(Outbox& outbox) {
    return std::make_shared<outbox_admin_target<Outbox>>(outbox);
}

/// The admin target of `outbox` and of `dispatcher` (both must outlive it): endpoint changes go to
/// the dispatcher, which needs `dispatcher_params::health` for them to take effect.
template <class Outbox, class Dispatcher>
    requires requires(Dispatcher& d, std::string s) {
        d.enable_endpoint(s);
        d.disable_endpoint(s, s);
    }
std::shared_ptr<admin_target> make_admin_target(Outbox& outbox, Dispatcher& dispatcher) {
    return std::make_shared<dispatching_admin_target<Outbox, Dispatcher>>(outbox, dispatcher);
}

}  // namespace hookbox

#endif  // HOOKBOX_ADMIN_ADMIN_TARGET_HPP
