#include "actors/series_count.hpp"

namespace actors {

namespace {

struct series_count_state {
  static inline const char* name = "series_count";
};

/// One question in progress: the sum so far and the answers still to come.
struct tally {
  caf::response_promise rp;
  uint64_t sum = 0;
  std::size_t missing = 0;

  void add(uint64_t n) {
    sum += n;
    if (--missing == 0)
      rp.deliver(sum);
  }
};

caf::behavior series_count(caf::stateful_actor<series_count_state>* self,
                           std::vector<caf::actor> links, std::shared_ptr<store_counters> own) {
  return {
    [self, links, own](count_atom a) -> caf::result<uint64_t> {
      if (links.empty())
        return own->series.load();
      auto t = std::make_shared<tally>();
      t->rp = self->make_response_promise();
      t->sum = own->series.load();
      t->missing = links.size();
      for (const auto& link : links)
        // A peer link always answers (its last known figure past its own
        // timeout); the finite wait only guards against a link that died.
        self->request(link, std::chrono::seconds(5), a)
          .then([t](uint64_t n) { t->add(n); }, [t](caf::error&) { t->add(0); });
      return caf::delegated<uint64_t>{};
    },
  };
}

} // namespace

caf::actor spawn_series_count(caf::actor_system& sys, std::vector<caf::actor> links,
                              std::shared_ptr<store_counters> own) {
  return sys.spawn(series_count, std::move(links), std::move(own));
}

} // namespace actors
