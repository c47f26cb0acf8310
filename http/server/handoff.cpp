#include "http/server/handoff.hpp"

#include <caf/actor_companion.hpp>
#include <caf/scoped_execution_unit.hpp>

namespace http {

namespace {

caf::actor_companion* companion_of(const caf::strong_actor_ptr& ptr) {
  return static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(ptr));
}

} // namespace

handoff::handoff(caf::actor_system& sys, std::function<void()> wake)
    : companion_(caf::actor_cast<caf::strong_actor_ptr>(sys.spawn<caf::actor_companion>())),
      wake_(std::move(wake)), local_(sys.node()) {
  companion_of(companion_)->on_enqueue(
    [this](caf::mailbox_element_ptr ptr) { on_enqueue(std::move(ptr)); });
}

handoff::~handoff() {
  // actor_companion::disconnect is declared but not exported by Debian's CAF
  // 0.17.6: do what it does (drop the hook under the companion's lock, then
  // terminate the actor), as CAF's own actor_widget does. Replies after this
  // are dropped.
  auto* companion = companion_of(companion_);
  companion->on_enqueue(nullptr);
  caf::scoped_execution_unit unit{&companion->home_system()};
  companion->cleanup(caf::exit_reason::normal, &unit);
}

uint64_t handoff::ask(const caf::strong_actor_ptr& dest, caf::message msg) {
  auto id = ++last_id_;
  dest->enqueue(companion_, caf::make_message_id(id), std::move(msg), unit_);
  return id;
}

void handoff::on_enqueue(caf::mailbox_element_ptr ptr) {
  if (!ptr || !ptr->mid.is_response())
    return;
  reply r{ptr->mid.request_id().integer_value(), ptr->move_content_to_message(),
          std::move(ptr->sender)};
  bool was_empty;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    was_empty = replies_.empty();
    replies_.push_back(std::move(r));
  }
  if (was_empty)
    wake_();
}

bool handoff::has_replies() {
  std::lock_guard<std::mutex> guard{mtx_};
  return !replies_.empty();
}

void handoff::take(std::vector<reply>& out) {
  std::lock_guard<std::mutex> guard{mtx_};
  out.swap(replies_);
}

caf::strong_actor_ptr handoff::series_actor(const std::string& series_id) {
  auto it = known_.find(series_id);
  if (it == known_.end())
    return nullptr;
  auto actor = caf::actor_cast<caf::strong_actor_ptr>(it->second);
  if (!actor)
    known_.erase(it); // it stopped
  return actor;
}

void handoff::forget_stopped() {
  for (auto it = known_.begin(); it != known_.end();)
    it = caf::actor_cast<caf::strong_actor_ptr>(it->second) ? std::next(it) : known_.erase(it);
}

void handoff::remember(const std::string& series_id, const caf::strong_actor_ptr& actor) {
  if (!actor || actor->node() != local_)
    return;
  if (known_.size() >= max_known && !known_.count(series_id)) {
    // Bounded: drop about half (an unordered_map's first entries are arbitrary).
    for (auto it = known_.begin(); it != known_.end() && known_.size() > max_known / 2;)
      it = known_.erase(it);
  }
  known_[series_id] = caf::actor_cast<caf::actor_addr>(actor);
}

} // namespace http
