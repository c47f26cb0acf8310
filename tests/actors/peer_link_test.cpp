// The peer link when this node itself stalls (SIGSTOP, starvation): nothing
// is forwarded until the peer answers a ping sent after the stall. The link
// talks to a stand-in for the peer's gateway, a local actor that answers as
// node_gateway does and can be told to stop answering pings, so the test can
// hold the peer's answers back the way a closed connection's unread bytes do.
#include <doctest/doctest.h>

#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/peer_link.hpp"
#include "tests/actor_support.hpp"

using namespace actors;

namespace {

using clock_type = std::chrono::steady_clock;

/// One worker: an actor that sleeps on it starves the link, as a stopped
/// process would.
struct one_worker_config : testing::actor_test_config {
  one_worker_config() { set("scheduler.max-threads", 1); }
};

struct gateway_state {
  bool pings = true;                        ///< answers pings
  bool hold = true;                         ///< holds fits until "release"
  std::map<uint64_t, caf::response_promise> held; ///< fits not answered yet, by number
  std::vector<caf::response_promise> muted; ///< pings never answered
  std::size_t fits = 0;                     ///< fits received
};

model::version_record stored(uint32_t version) {
  model::version_record r;
  r.version = version;
  return r;
}

/// The peer's gateway as a link sees it. Commands: "mute" and "unmute" its
/// answers to pings, "release" the fits it holds (and answer later ones at
/// once), "fits" (how many it received).
/// (CAF 0.17 dereferences a null argument pack when a function actor is
/// spawned without arguments, which UBSan reports: both actors here take one.)
caf::behavior gateway(caf::stateful_actor<gateway_state>* self, std::string http) {
  return {
    [self](fit_atom, uint64_t n, std::string&, model::training_data&, model::detector_spec&,
           int64_t, std::string&) -> caf::result<model::version_record> {
      auto& st = self->state;
      ++st.fits;
      if (!st.hold)
        return stored(static_cast<uint32_t>(st.fits));
      return st.held.emplace(n, self->make_response_promise()).first->second;
    },
    [self](ping_atom, const request_numbers& asked) -> caf::result<request_numbers> {
      auto& st = self->state;
      if (!st.pings)
        return st.muted.emplace_back(self->make_response_promise());
      request_numbers busy; // as node_gateway: those still at work here
      for (auto n : asked)
        if (st.held.count(n) > 0)
          busy.push_back(n);
      return busy;
    },
    [](count_atom) { return uint64_t{0}; },
    [http](http_atom) { return http; },
    [self](const std::string& command) -> uint64_t {
      auto& st = self->state;
      if (command == "mute" || command == "unmute")
        st.pings = command == "unmute";
      if (command == "release") {
        st.hold = false;
        for (auto& [n, rp] : st.held)
          rp.deliver(stored(1));
        st.held.clear();
      }
      return st.fits;
    },
  };
}

struct fixture {
  std::mutex log_mtx; // before the system: the link logs until the system is gone
  std::vector<std::string> lines;
  one_worker_config cfg;
  caf::actor_system sys{cfg};
  std::shared_ptr<peer_status> status = std::make_shared<peer_status>();
  caf::actor peer = sys.spawn<caf::detached>(gateway, std::string{"127.0.0.1:1"});
  caf::actor link;

  fixture() {
    peer_settings p;
    p.node = "127.0.0.1:1";
    p.dial = false; // introduced by a hello, as over TLS: no connection is made
    p.silence_limit = std::chrono::milliseconds{2000}; // a stall is 1 s or more
    p.ping_every = std::chrono::milliseconds{20};
    p.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> guard{log_mtx};
      lines.push_back(line);
    };
    link = spawn_peer_link(sys, std::move(p), status);
    caf::anon_send(link, hello_atom::value, peer);
  }

  ~fixture() {
    caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
  }

  bool logged(const std::string& part) {
    std::lock_guard<std::mutex> guard{log_mtx};
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos)
        return true;
    return false;
  }

  std::string log() {
    std::lock_guard<std::mutex> guard{log_mtx};
    std::string out;
    for (const auto& l : lines)
      out += l + "\n";
    return out;
  }

  /// Whether `done` became true within 30 s.
  template <class F>
  static bool eventually(F done) {
    auto until = clock_type::now() + std::chrono::seconds(30);
    while (!done()) {
      if (clock_type::now() > until)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  uint64_t tell(const std::string& command) {
    caf::scoped_actor self{sys};
    uint64_t fits = 0;
    self->request(peer, std::chrono::seconds(30), command)
      .receive([&](uint64_t n) { fits = n; }, [](caf::error&) {});
    return fits;
  }

  /// A fit forwarded through the link, and its answer.
  caf::expected<model::version_record> fit() {
    caf::scoped_actor self{sys};
    caf::expected<model::version_record> out{caf::sec::unexpected_message};
    self
      ->request(link, std::chrono::seconds(60), fit_atom::value, std::string{"s"},
                model::training_data{{1, 2}, {1.0, 2.0}}, model::detector_spec{}, int64_t{0},
                std::string{})
      .receive([&](model::version_record& r) { out = std::move(r); },
               [&](caf::error& e) { out = std::move(e); });
    return out;
  }
};

} // namespace

TEST_CASE("peer link: after this node stalls, an answer to a request sent before does not make "
          "the peer reachable; only an answer to a ping sent after does") {
  fixture f;
  REQUIRE(fixture::eventually([&] { return f.status->up.load(); }));
  // A fit in flight when the node stalls: the peer holds it.
  auto first = std::async(std::launch::async, [&] { return f.fit(); });
  struct release_at_exit { // a failed REQUIRE does not leave `first` waiting
    fixture& f;
    ~release_at_exit() { f.tell("release"); }
  } guard{f};
  REQUIRE(fixture::eventually([&] { return f.tell("fits") == 1; }));
  // The connection dies with the stall: pings sent after it go unanswered.
  f.tell("mute");
  // Sleeps 1.5 s on the only worker: the link runs nothing meanwhile.
  auto hog = f.sys.spawn(
    [](caf::event_based_actor* self, int ms) -> caf::behavior {
      self->send(self, ms);
      return {[](int sleep) { std::this_thread::sleep_for(std::chrono::milliseconds(sleep)); }};
    },
    1500);
  REQUIRE_MESSAGE(fixture::eventually([&] { return f.logged("this node stalled"); }), f.log());
  // The peer's answer to the fit, read only now, as from a closed connection's buffer.
  f.tell("release");
  auto answered = first.get();
  CHECK_MESSAGE(answered.engaged(), "the fit sent before the stall keeps its answer");
  // A fit now is refused before it is sent (503, nothing done), not sent
  // into a connection that may be closed (502, in doubt).
  auto second = f.fit();
  REQUIRE_FALSE_MESSAGE(second.engaged(), ("forwarded before the peer answered a ping: " + f.log()));
  CHECK(second.error() == server_error::unavailable);
  CHECK_FALSE(f.status->up.load());
  CHECK(f.tell("fits") == 1);
  // The peer answers a ping sent after the stall: forwarded again.
  f.tell("unmute");
  REQUIRE_MESSAGE(fixture::eventually([&] { return f.status->up.load(); }), f.log());
  bool forwarded = fixture::eventually([&] { return f.fit().engaged(); });
  CHECK_MESSAGE(forwarded, f.log());
  CHECK(f.tell("fits") >= 2);
  caf::anon_send_exit(hog, caf::exit_reason::user_shutdown);
}
