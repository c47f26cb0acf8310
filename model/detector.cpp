#include "model/detector.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace model {

namespace {

/// The shortest text that reads back as `x`, whatever the locale.
std::string format(double x) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

/// A whole text as a number, whatever the locale.
std::optional<double> parse_number(std::string_view s) {
  double x = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), x);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size())
    return std::nullopt;
  return x;
}

bool is_choice(const param_doc& p) {
  return std::string_view{p.kind} != "number";
}

std::optional<direction> direction_named(std::string_view s) {
  for (auto d : {direction::upper, direction::lower, direction::both})
    if (s == name_of(d))
      return d;
  return std::nullopt;
}

/// Whether `x` is a value `p` accepts (its range; a choice's index).
bool in_range(const param_doc& p, double x) {
  return x >= p.min && x <= p.max && (!p.whole || x == std::floor(x));
}

std::optional<uint8_t> index_named(std::string_view name) {
  const auto& all = detector_catalogue();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (name == all[i]->info().name)
      return static_cast<uint8_t>(i);
  return std::nullopt;
}

detector_spec defaults_of(uint8_t type) {
  detector_spec spec;
  spec.type = type;
  spec.server_default = false;
  for (const auto& p : detector_catalogue()[type]->info().params)
    spec.values.push_back(p.default_value);
  return spec;
}

/// The spec's cooldown in points (0 for a detector without one).
double cooldown_of(const detector_spec& spec) {
  return number_param(spec, "cooldown");
}

/// Whether an online detector's cooldown still silences a point at `t`: it
/// runs `cooldown` points, or `cooldown` typical intervals, whichever ends first.
bool quiet_at(const detector_spec& spec, const detector_state& state, int64_t t,
              const cadence* pace) {
  if (state.quiet == 0)
    return false;
  double interval = pace ? pace->interval_s() : 0;
  return !(interval > 0 && static_cast<double>(t - state.alarm_ts) > cooldown_of(spec) * interval);
}

std::string not_known(std::string_view type) {
  std::string names;
  for (const auto* d : detector_catalogue())
    names += (names.empty() ? "" : ", ") + std::string{d->info().name};
  return "detector.type must be one of " + names + " (got \"" + std::string{type} + "\")";
}

} // namespace

const detector& detector_of(const detector_spec& spec) {
  const auto& all = detector_catalogue();
  return *all[spec.type < all.size() ? spec.type : 0];
}

std::optional<detector_spec> default_spec(std::string_view type) {
  auto i = index_named(type);
  if (!i)
    return std::nullopt;
  return defaults_of(*i);
}

bool is_online(const detector_spec& spec) {
  return detector_of(spec).info().online;
}

bool is_contract(const detector_spec& spec) {
  return &detector_of(spec) == detector_catalogue().front();
}

const char* name_of(const detector_spec& spec) {
  return detector_of(spec).info().name;
}

const char* name_of(direction d) {
  switch (d) {
    case direction::lower: return "lower";
    case direction::both: return "both";
    default: return "upper";
  }
}

double number_param(const detector_spec& spec, std::string_view name) {
  const auto& params = detector_of(spec).info().params;
  for (std::size_t i = 0; i < params.size() && i < spec.values.size(); ++i)
    if (name == params[i].name)
      return spec.values[i];
  return 0;
}

expected<detector_spec> make_detector(std::string_view type,
                                      const std::vector<detector_param>& params) {
  auto index = index_named(type);
  if (!index)
    return invalid{not_known(type)};
  auto spec = defaults_of(*index);
  const auto& docs = detector_catalogue()[*index]->info().params;
  for (const auto& given : params) {
    auto it = std::find_if(docs.begin(), docs.end(),
                           [&](const param_doc& p) { return given.name == p.name; });
    if (it == docs.end()) {
      std::string known;
      for (const auto& p : docs)
        known += (known.empty() ? "" : ", ") + std::string{p.name};
      return invalid{"detector " + std::string{type} + " has no parameter \"" + given.name
                     + "\"" + (known.empty() ? " (it takes none)" : " (it takes " + known + ")")};
    }
    auto at = static_cast<std::size_t>(it - docs.begin());
    std::string field = "detector." + given.name;
    if (is_choice(*it)) {
      auto d = given.text ? direction_named(*given.text) : std::nullopt;
      if (!d)
        return invalid{field + " must be \"upper\", \"lower\" or \"both\""};
      spec.values[at] = static_cast<double>(*d);
      continue;
    }
    if (!given.number)
      return invalid{field + " must be a number"};
    double x = *given.number;
    if (!(x >= it->min && x <= it->max))
      return invalid{field + " must be between " + format(it->min) + " and " + format(it->max)
                     + " (got " + format(x) + ")"};
    spec.values[at] = it->whole ? std::floor(x) : x;
  }
  return spec;
}

expected<fitted> fit_detector(const detector_spec& spec, const training_data& data,
                              std::size_t min_points) {
  const auto& d = detector_of(spec);
  if (spec.type >= detector_catalogue().size() || spec.values.size() != d.info().params.size())
    return invalid{"detector does not match its type's parameters"}; // e.g. from another build
  auto stats = fit(data, min_points, d.info().rules);
  if (!stats)
    return invalid{stats.detail()};
  auto state = d.fit(spec, data, stats.value());
  if (!state)
    return invalid{state.detail()};
  return fitted{stats.value(), std::move(state.value())};
}

judgement judge(const detector_spec& spec, const fit_stats& stats, const detector_state& state,
                point p, const cadence* pace) {
  const auto& d = detector_of(spec);
  auto j = d.judge(spec, stats, state, p);
  if (d.info().online && quiet_at(spec, state, p.timestamp, pace))
    j.anomaly = false;
  // One convention for every detector: >= 1 exactly when anomalous.
  constexpr double below_one = 1.0 - 1.0 / (1ull << 53); // the largest double below 1
  j.anomaly_score = j.anomaly ? std::max(j.anomaly_score, 1.0) : std::min(j.anomaly_score, below_one);
  if (!j.anomaly)
    j.side = side::none;
  return j;
}

judgement judge_and_learn(const detector_spec& spec, const fit_stats& stats,
                          detector_state& state, point p, const cadence* pace) {
  const auto& d = detector_of(spec);
  if (!d.info().online)
    return judge(spec, stats, state, p, pace);
  if (!quiet_at(spec, state, p.timestamp, pace))
    state.quiet = 0; // ran out, by points or by time
  auto j = judge(spec, stats, state, p, pace);
  if (state.quiet > 0) {
    --state.quiet;
  } else if (j.anomaly) {
    state.quiet = static_cast<uint32_t>(cooldown_of(spec));
    state.alarm_ts = p.timestamp;
  }
  d.learn(spec, state, p);
  return j;
}

std::string to_text(const detector_spec& spec) {
  const auto& info = detector_of(spec).info();
  std::string out = info.name;
  for (std::size_t i = 0; i < info.params.size() && i < spec.values.size(); ++i) {
    const auto& p = info.params[i];
    out += std::string{" "} + p.name + "="
           + (is_choice(p) ? std::string{name_of(detectors::direction_of(spec.values[i]))}
                           : format(spec.values[i]));
  }
  return out;
}

std::optional<detector_spec> from_text(std::string_view text) {
  auto word_end = text.find(' ');
  auto index = index_named(text.substr(0, word_end));
  if (!index)
    return std::nullopt;
  auto spec = defaults_of(*index);
  const auto& docs = detector_catalogue()[*index]->info().params;
  for (std::size_t i = 0; i < docs.size(); ++i)
    if (!std::isnan(docs[i].if_absent))
      spec.values[i] = docs[i].if_absent;
  while (word_end != std::string_view::npos) {
    text.remove_prefix(word_end + 1);
    word_end = text.find(' ');
    auto word = text.substr(0, word_end);
    auto eq = word.find('=');
    if (eq == std::string_view::npos)
      return std::nullopt;
    auto key = word.substr(0, eq), value = word.substr(eq + 1);
    auto it = std::find_if(docs.begin(), docs.end(), [&](const param_doc& p) { return key == p.name; });
    if (it == docs.end())
      return std::nullopt;
    auto at = static_cast<std::size_t>(it - docs.begin());
    auto x = is_choice(*it) ? (direction_named(value) ? std::optional<double>{static_cast<double>(
                                                          *direction_named(value))}
                                                      : std::nullopt)
                            : parse_number(value);
    if (!x || !in_range(*it, *x))
      return std::nullopt;
    spec.values[at] = *x;
  }
  return spec;
}

} // namespace model
