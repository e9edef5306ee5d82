// A consumer's translation unit: every public header of hookbox, and the classes a program names
// most often instantiated whole, compiled header-only with exactly the flags a strict consumer
// uses (-Wall -Wextra -Wpedantic -Werror). It is built by GCC and by Clang.

#include "all_public_headers.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>

#include <chrono>

namespace hookbox {

// The outboxes and their storages.
template class basic_outbox<memory_storage>;
template class basic_outbox<sqlite_storage>;
template class basic_outbox<engine_storage<engine::memory_engine>>;
template class sql_storage<engine::sqlite_engine>;
template class engine_storage<engine::sqlite_engine>;

// The fault-injecting storage, over a storage with every optional member and over one with fewer,
// and an outbox over it.
template class failing_storage<memory_storage>;
template class failing_storage<sqlite_storage>;
template class basic_outbox<failing_storage<memory_storage>>;

// The state stores, over each engine.
template class basic_state_store<engine::memory_engine>;
template class basic_state_store<engine::sqlite_engine>;
template class basic_sql_state_store<engine::sqlite_engine>;

// The I/O classes over their usual executor.
template class basic_beast_sender<boost::asio::any_io_executor>;
template class dispatcher<memory_outbox, beast_sender>;
template class dispatcher<sqlite_outbox, beast_sender>;
template class retention_sweeper<sqlite_outbox>;
template class auto_enqueuer<sqlite_outbox, subscription_registry>;
template class auto_enqueuer<sqlite_outbox, engine_subscriptions<engine::sqlite_engine>>;

// The outbox's calls as Asio operations: the handles, and every call with and without diagnostics,
// with a callback and with deferred (the calls are member templates, which a class instantiation
// leaves out). A deferred operation is [[nodiscard]], hence the casts.
template class basic_async_outbox<memory_outbox>;
template class basic_async_outbox<sqlite_outbox>;

template <class AsyncOutbox, class Token>
void start_every_call(const AsyncOutbox& a, diagnostics& diag, const Token& token) {
    const delivery_id id = delivery_id::generate();
    (void)a.async_enqueue(enqueue_request{}, diag, token);
    (void)a.async_enqueue(enqueue_request{}, token);
    (void)a.async_enqueue_many({}, diag, token);
    (void)a.async_enqueue_many({}, token);
    (void)a.async_claim(claim_options{}, diag, token);
    (void)a.async_claim(claim_options{}, token);
    (void)a.async_claim_many({}, 1, diag, token);
    (void)a.async_claim_many({}, 1, token);
    (void)a.async_ack(id, 1, attempt_result{}, diag, token);
    (void)a.async_ack(id, 1, attempt_result{}, token);
    (void)a.async_ack_many({}, diag, token);
    (void)a.async_ack_many({}, token);
    (void)a.async_release({}, release_request{}, diag, token);
    (void)a.async_release({}, release_request{}, token);
    (void)a.async_get(id, diag, token);
    (void)a.async_get(id, token);
    (void)a.async_list(list_options{}, diag, token);
    (void)a.async_list(list_options{}, token);
    (void)a.async_stats(diag, token);
    (void)a.async_stats(token);
    (void)a.async_attempts(id, diag, token);
    (void)a.async_attempts(id, token);
    (void)a.async_failures(10, diag, token);
    (void)a.async_failures(10, token);
    (void)a.async_redeliver(id, diag, token);
    (void)a.async_redeliver(id, token);
    (void)a.async_replay(delivery_filter{}, diag, token);
    (void)a.async_replay(delivery_filter{}, token);
    (void)a.async_purge(delivery_filter{}, diag, token);
    (void)a.async_purge(delivery_filter{}, token);
    (void)a.async_purge(delivery_filter{}, 10, diag, token);
    (void)a.async_purge(delivery_filter{}, 10, token);
}

// A handler for every completion signature of the calls.
struct any_completion {
    template <class... Args>
    void operator()(error_code, Args&&...) const {}
};

template void start_every_call(const async_outbox<memory_outbox>&, diagnostics&, const any_completion&);
template void start_every_call(const async_outbox<sqlite_outbox>&, diagnostics&, const any_completion&);
template void start_every_call(const async_outbox<sqlite_outbox>&, diagnostics&, const boost::asio::deferred_t&);

// The auto-enqueuer's run (a member template, which the line above does not instantiate), as a
// program launches it.
[[maybe_unused]] void run_fanout(auto_enqueuer<sqlite_outbox, subscription_registry>& fanout) {
    fanout.async_run(boost::asio::detached);
}

}  // namespace hookbox

int main() {}
