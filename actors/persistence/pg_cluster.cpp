#include "actors/persistence/pg_cluster.hpp"

namespace persistence {

namespace {

std::vector<std::pair<std::string, std::string>> statements() {
  return {
    {"join", "SELECT j_incarnation, j_floor FROM ms_join($1::text, $2::text)"},
    {"renew", "SELECT r_node, r_http, r_incarnation, r_age_ms, r_expires_ms "
              "FROM ms_renew($1::text, $2::int8, $3::int8, $4::bool)"},
    {"claim", "SELECT c_id, c_epoch, coalesce(c_holder, ''), c_new FROM ms_claim($1::text[], "
              "$2::text, $3::int8)"},
    {"release", "SELECT ms_release($1::text[], $2::int8[])"},
    {"count", "SELECT count(*) FROM series WHERE latest_version > 0"},
    {"leave", "SELECT ms_leave($1::text, $2::int8)"},
  };
}

} // namespace

expected<std::unique_ptr<cluster_table>, store_failure> cluster_table::open(const pg_settings& cfg) {
  std::unique_ptr<cluster_table> self{new cluster_table(cfg)};
  auto c = pg::connection::open(cfg.conninfo, cfg.connect_timeout, statements());
  if (!c)
    return store_failure{c.detail()};
  self->c_ = std::move(c.value());
  return self;
}

std::pair<pg::result, std::optional<std::string>> cluster_table::call(const std::string& name,
                                                                      const pg::params& args) {
  if (!c_ || !c_->usable()) {
    c_.reset();
    auto c = pg::connection::open(cfg_.conninfo, cfg_.connect_timeout, statements());
    if (!c)
      return {pg::result{}, c.detail()};
    c_ = std::move(c.value());
  }
  auto [r, f] = c_->exec(name, args, cfg_.timeout);
  if (f)
    return {pg::result{}, f->detail};
  return {r, std::nullopt};
}

expected<std::pair<int64_t, int64_t>, store_failure> cluster_table::join(const std::string& node,
                                                                          const std::string& http) {
  pg::params p;
  p.text(node).text(http);
  auto [r, why] = call("join", p);
  if (why)
    return store_failure{"cannot join the cluster: " + *why};
  return std::make_pair(r.i64(0, 0), r.i64(0, 1));
}

expected<std::optional<std::vector<member_row>>, store_failure>
cluster_table::renew(const std::string& node, int64_t incarnation, int64_t lease_ms,
                     bool may_evict) {
  pg::params p;
  p.text(node).i64(incarnation).i64(lease_ms).boolean(may_evict);
  auto [r, why] = call("renew", p);
  if (why)
    return store_failure{"cannot renew the lease: " + *why};
  if (r.rows() == 0)
    return std::optional<std::vector<member_row>>{};
  std::vector<member_row> members;
  for (int row = 0; row < r.rows(); ++row)
    members.push_back({r.text(row, 0), r.text(row, 1), r.i64(row, 2), r.i64(row, 3), r.i64(row, 4)});
  return std::optional<std::vector<member_row>>{std::move(members)};
}

expected<bool, store_failure> cluster_table::leave(const std::string& node, int64_t incarnation) {
  pg::params p;
  p.text(node).i64(incarnation);
  auto [r, why] = call("leave", p);
  if (why)
    return store_failure{"cannot leave the cluster: " + *why};
  return r.i64(0, 0) == 1;
}

expected<std::vector<claim_row>, store_failure>
cluster_table::claim(const std::vector<std::string>& ids, const std::string& node,
                     int64_t incarnation) {
  pg::params p;
  p.text_array(ids).text(node).i64(incarnation);
  auto [r, why] = call("claim", p);
  if (why)
    return store_failure{"cannot claim series: " + *why};
  std::vector<claim_row> out;
  for (int row = 0; row < r.rows(); ++row)
    out.push_back({r.text(row, 0), r.i64(row, 1), r.text(row, 2), r.boolean(row, 3)});
  return out;
}

expected<bool, store_failure> cluster_table::release(const std::vector<std::string>& ids,
                                                     const std::vector<int64_t>& epochs) {
  pg::params p;
  p.text_array(ids).i64_array(epochs);
  auto [r, why] = call("release", p);
  if (why)
    return store_failure{"cannot release series: " + *why};
  return true;
}

expected<uint64_t, store_failure> cluster_table::series_count() {
  auto [r, why] = call("count", {});
  if (why)
    return store_failure{"cannot count series: " + *why};
  return static_cast<uint64_t>(r.i64(0, 0));
}

} // namespace persistence
