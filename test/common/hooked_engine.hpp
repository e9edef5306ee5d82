//
// Copyright (c) 2026 The hookbox authors
//
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef HOOKBOX_TEST_COMMON_HOOKED_ENGINE_HPP
#define HOOKBOX_TEST_COMMON_HOOKED_ENGINE_HPP

// A data engine that forwards every statement to another, with hooks a test sets to get in between
// a storage's statements: another writer that wins a race between a lookup and a write (run inside
// the transaction under test, as if it had committed just before), or a lookup that misses a row.

#include <hookbox/engine/concept.hpp>
#include <hookbox/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbox::test {

template <class Engine>
class hooked_engine {
public:
    using inner_transaction = typename Engine::transaction_type;

    struct hooks {
        // Run (on the transaction) just before the next insert or update of a transaction, while set.
        std::function<void(inner_transaction&)> before_insert;
        std::function<void(inner_transaction&)> before_update;
        // How many of the next find_one calls answer "no row" without asking the engine.
        int misses = 0;
    };

    // Statements forwarded to a session (the engine or a transaction), with the hooks.
    template <class Inner, class Self>
    class forwarding {
    public:
        std::vector<engine::record> find(std::string_view t, const engine::find_options& fo, error_code& ec,
                                         diagnostics& d) {
            return inner().find(t, fo, ec, d);
        }
        std::optional<engine::record> find_one(std::string_view t, const engine::find_options& fo, error_code& ec,
                                               diagnostics& d) {
            if (hooks_().misses > 0) {
                --hooks_().misses;
                ec.clear();
                return std::nullopt;
            }
            return inner().find_one(t, fo, ec, d);
        }
        std::int64_t insert(std::string_view t, const engine::record& r, error_code& ec, diagnostics& d) {
            if constexpr (std::is_same_v<Inner, inner_transaction>) {
                // A copy, so that a hook may clear itself.
                if (auto hook = hooks_().before_insert)
                    hook(inner());
            }
            return inner().insert(t, r, ec, d);
        }
        std::vector<std::int64_t> insert_many(std::string_view t, std::span<const engine::record> rs, error_code& ec,
                                              diagnostics& d) {
            return inner().insert_many(t, rs, ec, d);
        }
        std::size_t update(std::string_view t, const engine::filter& f, const std::vector<engine::change>& ch,
                           error_code& ec, diagnostics& d) {
            if constexpr (std::is_same_v<Inner, inner_transaction>) {
                if (auto hook = hooks_().before_update)
                    hook(inner());
            }
            return inner().update(t, f, ch, ec, d);
        }
        std::size_t remove(std::string_view t, const engine::filter& f, error_code& ec, diagnostics& d) {
            return inner().remove(t, f, ec, d);
        }
        std::size_t count(std::string_view t, const engine::filter& f, error_code& ec, diagnostics& d) {
            return inner().count(t, f, ec, d);
        }
        std::size_t count(std::string_view t, const engine::filter& f) { return inner().count(t, f); }

    private:
        Inner& inner() { return static_cast<Self&>(*this).inner_; }
        hooks& hooks_() { return *static_cast<Self&>(*this).hooks_; }
    };

    class transaction : public forwarding<inner_transaction, transaction> {
    public:
        transaction() = default;
        transaction(inner_transaction tx, std::shared_ptr<hooks> h) : inner_(std::move(tx)), hooks_(std::move(h)) {}

        bool active() const { return inner_.active(); }
        void commit(error_code& ec, diagnostics& d) { inner_.commit(ec, d); }
        void rollback(error_code& ec, diagnostics& d) { inner_.rollback(ec, d); }
        transaction begin(error_code& ec, diagnostics& d) { return transaction(inner_.begin(ec, d), hooks_); }

    private:
        friend class forwarding<inner_transaction, transaction>;
        inner_transaction inner_;
        std::shared_ptr<hooks> hooks_ = std::make_shared<hooks>();
    };

    using transaction_type = transaction;

    explicit hooked_engine(Engine e) : inner_(std::move(e)) {}

    std::shared_ptr<hooks> hooks_ = std::make_shared<hooks>();

    Engine& inner_engine() noexcept { return inner_; }

    int migrate(const engine::schema_plan& p, error_code& ec, diagnostics& d) { return inner_.migrate(p, ec, d); }
    int migrate(const engine::schema_plan& p, int v, error_code& ec, diagnostics& d) {
        return inner_.migrate(p, v, ec, d);
    }
    int schema_version(std::string_view n, error_code& ec, diagnostics& d) { return inner_.schema_version(n, ec, d); }
    transaction begin(error_code& ec, diagnostics& d) { return transaction(inner_.begin(ec, d), hooks_); }

    // Statements on the engine itself (outside a transaction) take the find_one misses, not the
    // write hooks: the races tested happen inside a storage's transactions.
    std::vector<engine::record> find(std::string_view t, const engine::find_options& fo, error_code& ec,
                                     diagnostics& d) {
        return self().find(t, fo, ec, d);
    }
    std::optional<engine::record> find_one(std::string_view t, const engine::find_options& fo, error_code& ec,
                                           diagnostics& d) {
        return self().find_one(t, fo, ec, d);
    }
    std::int64_t insert(std::string_view t, const engine::record& r, error_code& ec, diagnostics& d) {
        return self().insert(t, r, ec, d);
    }
    std::vector<std::int64_t> insert_many(std::string_view t, std::span<const engine::record> rs, error_code& ec,
                                          diagnostics& d) {
        return self().insert_many(t, rs, ec, d);
    }
    std::size_t update(std::string_view t, const engine::filter& f, const std::vector<engine::change>& ch,
                       error_code& ec, diagnostics& d) {
        return self().update(t, f, ch, ec, d);
    }
    std::size_t remove(std::string_view t, const engine::filter& f, error_code& ec, diagnostics& d) {
        return self().remove(t, f, ec, d);
    }
    std::size_t count(std::string_view t, const engine::filter& f, error_code& ec, diagnostics& d) {
        return self().count(t, f, ec, d);
    }
    std::size_t count(std::string_view t, const engine::filter& f) { return inner_.count(t, f); }

private:
    // The engine's own statements, through the same forwarding as a transaction's.
    struct engine_session : forwarding<Engine, engine_session> {
        engine_session(Engine& e, std::shared_ptr<hooks>& h) : inner_(e), hooks_(h) {}
        Engine& inner_;
        std::shared_ptr<hooks>& hooks_;
    };
    engine_session self() { return engine_session(inner_, hooks_); }

    Engine inner_;
};

}  // namespace hookbox::test

#endif  // HOOKBOX_TEST_COMMON_HOOKED_ENGINE_HPP
