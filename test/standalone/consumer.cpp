// A consumer's translation unit: every public header of hookbox, and the classes a program names
// most often instantiated whole, compiled header-only with exactly the flags a strict consumer
// uses (-Wall -Wextra -Wpedantic -Werror). It is built by GCC and by Clang.

#include "all_public_headers.hpp"

#include <boost/asio/any_io_executor.hpp>
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

// The auto-enqueuer's run (a member template, which the line above does not instantiate), as a
// program launches it.
[[maybe_unused]] void run_fanout(auto_enqueuer<sqlite_outbox, subscription_registry>& fanout) {
    fanout.async_run(boost::asio::detached);
}

}  // namespace hookbox

int main() {}
