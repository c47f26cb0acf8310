#include "actors/bridge.hpp"

#include <memory>

#include <caf/actor_companion.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace actors {

namespace {

caf::actor_companion* companion_of(const caf::strong_actor_ptr& ptr) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(ptr));
}

// Creating and destroying an actor takes CAF's logger lock (a spinlock without
// back-off, taken even when logging is off). Every HTTP worker makes its
// bridge at its first request and drops it when the pool stops, all at the
// same moment; under ThreadSanitizer 128 threads spinning on 2 cores stalled
// shutdown past the drain timeout. They queue on this mutex instead, asleep
// while they wait. Each thread takes it twice in its life, never per request.
std::mutex lifecycle_mtx;

caf::strong_actor_ptr spawn_companion(caf::actor_system& sys) {
  std::lock_guard<std::mutex> guard{lifecycle_mtx};
  return caf::actor_cast<caf::strong_actor_ptr>(sys.spawn<caf::actor_companion>());
}

} // namespace

bridge::bridge(caf::actor_system& sys) : companion_(spawn_companion(sys)) {
  companion_of(companion_)->on_enqueue(
    [this](caf::mailbox_element_ptr ptr) { on_reply(std::move(ptr)); });
}

bridge::~bridge() {
  // actor_companion::disconnect is declared but not exported by Debian's CAF
  // 0.17.6: do what it does (drop the handler under the companion's lock, then
  // terminate the actor), as CAF's own actor_widget does.
  std::lock_guard<std::mutex> guard{lifecycle_mtx};
  auto* companion = companion_of(companion_);
  companion->on_enqueue(nullptr);
  caf::scoped_execution_unit unit{&companion->home_system()};
  companion->cleanup(caf::exit_reason::normal, &unit);
  companion_.reset(); // normally the last reference: destroyed under the mutex
}

void bridge::on_reply(caf::mailbox_element_ptr ptr) {
  if (!ptr || !ptr->mid.is_response())
    return;
  auto id = ptr->mid.request_id().integer_value();
  std::lock_guard<std::mutex> guard{mtx_};
  if (id != awaited_)
    return; // a reply that arrived after its request timed out
  reply_ = ptr->move_content_to_message();
  awaited_ = 0;
  cv_.notify_one();
}

std::optional<caf::message> bridge::ask(const caf::strong_actor_ptr& dest, caf::message msg,
                                        std::chrono::milliseconds timeout) {
  uint64_t id = ++last_id_;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    awaited_ = id;
    reply_.reset();
  }
  dest->enqueue(companion_, caf::make_message_id(id), std::move(msg), nullptr);
  std::unique_lock<std::mutex> lock{mtx_};
  if (!cv_.wait_for(lock, timeout, [this] { return reply_.has_value(); })) {
    awaited_ = 0;
    return std::nullopt;
  }
  return std::move(reply_);
}

namespace {
thread_local bridge* thread_bridge = nullptr;
} // namespace

bridge* bridge::current() {
  return thread_bridge;
}

bridge::installed::installed(caf::actor_system& sys) : bridge_(std::make_unique<bridge>(sys)) {
  thread_bridge = bridge_.get();
}

bridge::installed::~installed() {
  thread_bridge = nullptr;
}

} // namespace actors
