#include "model/detector.hpp"

#include "model/range_memory.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace model {

namespace {

constexpr double huge = 1e300;

const param_doc k_doc{"k", "number", 3, 0.1, 100, "",
                      "sensitivity: the bounds are center -/+ k * scale"};
const param_doc mad_k_doc{"k", "number", 3.5, 0.1, 100, "",
                          "sensitivity: the bounds are median -/+ k * scale (3.5 is the usual "
                          "robust z-score cut)"};
const param_doc direction_doc{"direction", "upper|lower|both", 0, 0, 0, "both",
                              "which side is anomalous: above the upper bound, below the lower "
                              "one, or both"};
const param_doc min_deviation_doc{"min_deviation", "number", 0, 0, huge, "",
                                  "absolute floor: a value this close to the center (or closer) "
                                  "is never anomalous, so that small wiggles on quiet series do "
                                  "not alert"};
const param_doc alpha_doc{"alpha", "number", 0.01, 1e-4, 1, "",
                          "weight of each new point in the moving mean and variance (about "
                          "2 / alpha - 1 points of memory)"};
const param_doc ewma_k_doc{"k", "number", 5, 0.1, 100, "",
                           "sensitivity: the bounds are the moving mean -/+ k * moving std"};
const param_doc cooldown_doc{"cooldown", "number", 100, 0, 1e6, "",
                             "after an alarm, this many points are never reported anomalous "
                             "(one incident, one alarm)"};
const param_doc period_doc{"period_s", "number", 86400, 60, 31536000, "",
                           "the season's length in seconds (86400: a day)"};
const param_doc phases_doc{"phases", "number", 24, 2, 1440, "",
                           "equal phases the period is cut into (24: hours of the day); each "
                           "gets its own median and scale"};
const param_doc window_doc{"window", "number", 3000, 2, 1e6, "",
                           "points remembered: the range is that of the last window points"};
const param_doc blocks_doc{"blocks", "number", 16, 2, 64, "",
                           "the window is kept as this many blocks' highs and lows; the most "
                           "extreme block on each side is left out of the range, so one spike "
                           "does not widen it for a whole window"};
const param_doc margin_doc{"margin", "number", 0.05, 0, 10, "",
                           "the range is widened by this share of itself on each side"};
const param_doc smooth_doc{"smooth", "number", 10, 1, 1000, "",
                           "the mean of this many last points is watched too, against the range "
                           "of its own past (1: the value only)"};
const param_doc min_scale_doc{"min_scale", "number", 1e-9, 0, huge, "",
                              "floor of the scale (1.4826 * MAD), so that flat series can be "
                              "fitted"};

/// The shortest of %.15g and %.17g that reads back as `x`.
std::string format(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", x);
  if (std::strtod(buf, nullptr) != x)
    std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::optional<direction> direction_named(std::string_view s) {
  for (auto d : {direction::upper, direction::lower, direction::both})
    if (s == name_of(d))
      return d;
  return std::nullopt;
}

double median_of(std::vector<double> xs) {
  auto mid = xs.size() / 2;
  std::nth_element(xs.begin(), xs.begin() + mid, xs.end());
  double hi = xs[mid];
  if (xs.size() % 2 == 1)
    return hi;
  double lo = *std::max_element(xs.begin(), xs.begin() + mid);
  return lo + (hi - lo) / 2;
}

/// The median and scale 1.4826 * MAD (at least `min_scale`) of `xs` (non-empty).
std::pair<double, double> robust_of(const std::vector<double>& xs, double min_scale) {
  double median = median_of(xs);
  std::vector<double> dev;
  dev.reserve(xs.size());
  for (double v : xs)
    dev.push_back(std::fabs(v - median));
  return {median, std::max(1.4826 * median_of(std::move(dev)), min_scale)};
}

/// A spec's number parameters: each name, its field, and whether it counts
/// something (floored when set).
struct number_field {
  std::string_view name;
  double detector_spec::*field;
  bool whole;
};
constexpr number_field number_fields[] = {
  {"k", &detector_spec::k, false},           {"min_deviation", &detector_spec::min_deviation, false},
  {"min_scale", &detector_spec::min_scale, false}, {"alpha", &detector_spec::alpha, false},
  {"cooldown", &detector_spec::cooldown, true},    {"period_s", &detector_spec::period_s, true},
  {"phases", &detector_spec::phases, true},        {"window", &detector_spec::window, true},
  {"blocks", &detector_spec::blocks, true},        {"margin", &detector_spec::margin, false},
  {"smooth", &detector_spec::smooth, true},
};

const number_field* number_field_named(std::string_view name) {
  for (const auto& f : number_fields)
    if (f.name == name)
      return &f;
  return nullptr;
}

/// Sets a number parameter of `spec` by name (an unknown name changes nothing).
void set_number(detector_spec& spec, std::string_view name, double x) {
  if (auto f = number_field_named(name))
    spec.*(f->field) = f->whole ? std::floor(x) : x;
}

range::shape shape_of(const detector_spec& spec) {
  range::shape s;
  s.blocks = static_cast<std::size_t>(spec.blocks);
  s.block_size = std::max<std::size_t>(1, static_cast<std::size_t>(spec.window / spec.blocks));
  s.smooth = static_cast<std::size_t>(spec.smooth);
  return s;
}

/// The range detector's bounds on the value now: its value range widened by
/// the margin, and at least min_deviation from the middle. Nothing before the
/// first point.
std::optional<std::pair<double, double>> range_bounds(const detector_spec& spec,
                                                      const range::shape& s,
                                                      const std::vector<double>& memory) {
  auto r = range::range_of(s, memory, range::value_view);
  if (!r)
    return std::nullopt;
  // In halves, so that a range as wide as the doubles does not overflow; a
  // bound past them is infinite (nothing is beyond it).
  double half = r->high / 2 - r->low / 2, middle = r->low / 2 + r->high / 2;
  double widen = spec.margin * 2 * half;
  return std::make_pair(std::min(r->low - widen, middle - spec.min_deviation),
                        std::max(r->high + widen, middle + spec.min_deviation));
}

/// The middle of the range detector's value range (finite, unlike the
/// middle of its bounds when one is infinite).
double range_middle(const range::shape& s, const std::vector<double>& memory) {
  auto r = range::range_of(s, memory, range::value_view);
  return r ? r->low / 2 + r->high / 2 : 0;
}

/// The range detector learns a point: its memory, then the center and scale shown.
void range_learn(const detector_spec& spec, detector_fit& state, double value) {
  auto s = shape_of(spec);
  if (!range::fits(s, state.memory))
    state.memory = range::empty(s);
  range::add(s, state.memory, value);
  if (auto b = range_bounds(spec, s, state.memory)) {
    state.center = range_middle(s, state.memory);
    state.scale = b->second / 2 - b->first / 2;
  }
}

} // namespace

const std::vector<detector_doc>& detector_catalogue() {
  static const std::vector<detector_doc> docs{
    {detector_type::contract,
     "The contract's rule, the default when a fit names no detector: a value is anomalous "
     "above mean + 3 * std (population std) of the training values. No parameters.",
     {}},
    {detector_type::zscore,
     "z-score: the training values' mean and population std; a value is anomalous beyond "
     "mean -/+ max(k * std, min_deviation) on the chosen side.",
     {k_doc, direction_doc, min_deviation_doc}},
    {detector_type::mad,
     "Robust z-score: the training values' median and scale 1.4826 * MAD (the median absolute "
     "deviation, floored at min_scale); a value is anomalous beyond median -/+ max(k * scale, "
     "min_deviation) on the chosen side. Outliers in the training data barely move it, and "
     "flat series fit.",
     {mad_k_doc, direction_doc, min_deviation_doc, min_scale_doc}},
    {detector_type::ewma,
     "Online: an exponentially weighted moving mean and variance, started on the training "
     "values and updated by every point predicted on the latest version (unless learn=false); "
     "a value is anomalous beyond mean -/+ max(k * std, min_deviation) on the chosen side. "
     "It follows drifts and level shifts. Learning is checkpointed to the store.",
     {alpha_doc, ewma_k_doc, direction_doc, min_deviation_doc, cooldown_doc}},
    {detector_type::seasonal,
     "Seasonal robust z-score: the period (period_s) is cut into equal phases, and each phase "
     "gets the median and scale 1.4826 * MAD (floored at min_scale) of the training values "
     "that fell in it (a phase with fewer than 3 uses the whole period's); a value is "
     "anomalous beyond its phase's median -/+ max(k * scale, min_deviation). Train it on a "
     "few whole periods.",
     {mad_k_doc, direction_doc, min_deviation_doc, min_scale_doc, period_doc, phases_doc}},
    {detector_type::range,
     "Online: a point is anomalous when it leaves the range the series has held over its last "
     "window points, widened by margin times that range on each side (and at least "
     "min_deviation from its middle), or when the mean of its last smooth points leaves the "
     "range of that mean over the same window. The range leaves out the most extreme of its "
     "blocks on each side. Started on the training values and updated by every point predicted "
     "on the latest version (unless learn=false); after an alarm, cooldown points are quiet. "
     "The shipped detector that scores best on NAB (see the README). Learning is checkpointed "
     "to the store.",
     {window_doc, blocks_doc, margin_doc, smooth_doc, direction_doc, min_deviation_doc,
      cooldown_doc}},
  };
  return docs;
}

const char* name_of(detector_type t) {
  switch (t) {
    case detector_type::zscore: return "zscore";
    case detector_type::mad: return "mad";
    case detector_type::ewma: return "ewma";
    case detector_type::seasonal: return "seasonal";
    case detector_type::range: return "range";
    default: return "contract";
  }
}

const char* name_of(direction d) {
  switch (d) {
    case direction::lower: return "lower";
    case direction::both: return "both";
    default: return "upper";
  }
}

expected<detector_spec> make_detector(std::string_view type,
                                      const std::vector<detector_param>& params) {
  const detector_doc* doc = nullptr;
  for (const auto& d : detector_catalogue())
    if (type == name_of(d.type))
      doc = &d;
  if (!doc) {
    std::string names;
    for (const auto& d : detector_catalogue())
      names += (names.empty() ? "" : ", ") + std::string{name_of(d.type)};
    return invalid{"detector.type must be one of " + names + " (got \"" + std::string{type}
                   + "\")"};
  }
  detector_spec spec;
  spec.type = doc->type;
  for (const auto& p : doc->params) {
    if (std::string_view{p.kind} == "number")
      set_number(spec, p.name, p.default_value);
    else
      spec.dir = *direction_named(p.default_text);
  }
  for (const auto& given : params) {
    auto it = std::find_if(doc->params.begin(), doc->params.end(),
                           [&](const param_doc& p) { return given.name == p.name; });
    if (it == doc->params.end()) {
      std::string known;
      for (const auto& p : doc->params)
        known += (known.empty() ? "" : ", ") + std::string{p.name};
      return invalid{"detector " + std::string{type} + " has no parameter \"" + given.name
                     + "\"" + (known.empty() ? " (it takes none)" : " (it takes " + known + ")")};
    }
    std::string field = "detector." + given.name;
    if (std::string_view{it->kind} != "number") {
      auto d = given.text ? direction_named(*given.text) : std::nullopt;
      if (!d)
        return invalid{field + " must be \"upper\", \"lower\" or \"both\""};
      spec.dir = *d;
      continue;
    }
    if (!given.number)
      return invalid{field + " must be a number"};
    double x = *given.number;
    if (!(x >= it->min && x <= it->max))
      return invalid{field + " must be between " + format(it->min) + " and " + format(it->max)
                     + " (got " + format(x) + ")"};
    set_number(spec, given.name, x);
  }
  return spec;
}

expected<fitted> fit_detector(const detector_spec& spec, const training_data& data,
                              std::size_t min_points) {
  if (spec.type == detector_type::contract) {
    auto stats = fit(data, min_points);
    if (!stats)
      return invalid{stats.detail()};
    return fitted{stats.value(), detector_fit::of(stats.value().mean, stats.value().std)};
  }
  auto stats = fit(data, min_points, fit_rules{false, false});
  if (!stats)
    return invalid{stats.detail()};
  fitted out{stats.value(), detector_fit::of(stats.value().mean, stats.value().std)};
  if (spec.type == detector_type::mad || spec.type == detector_type::seasonal) {
    auto [median, scale] = robust_of(data.values, spec.min_scale);
    out.params = detector_fit::of(median, scale);
    if (!std::isfinite(out.params.scale))
      return invalid{"values are too large to compute a finite scale"};
  }
  if (spec.type == detector_type::seasonal) {
    auto n = static_cast<std::size_t>(spec.phases);
    std::vector<std::vector<double>> by_phase(n);
    for (std::size_t i = 0; i < data.values.size(); ++i)
      by_phase[phase_of(spec, data.timestamps[i])].push_back(data.values[i]);
    for (const auto& values : by_phase) {
      auto [c, s] = values.size() >= 3 ? robust_of(values, spec.min_scale)
                                       : std::make_pair(out.params.center, out.params.scale);
      out.params.phase_center.push_back(c);
      out.params.phase_scale.push_back(s);
    }
  }
  if (is_online(spec.type)) {
    // ewma starts on the first value (learning it again changes nothing);
    // range on an empty memory.
    auto state = initial_state(spec, data);
    for (double v : data.values)
      learn(spec, state, v);
    state.learned = 0;
    out.params = std::move(state);
    return out; // flat training is fine: the first differing point is news, then learned
  }
  if (out.params.scale == 0 && spec.min_deviation == 0)
    return invalid{std::string{"values must not all be equal for detector "} + name_of(spec.type)
                   + (spec.type == detector_type::mad ? " with min_scale 0" : "")
                   + " (set min_deviation above 0)"};
  return out;
}

std::size_t phase_of(const detector_spec& spec, int64_t timestamp) {
  auto period = static_cast<int64_t>(spec.period_s);
  auto phases = static_cast<int64_t>(spec.phases);
  auto into = ((timestamp % period) + period) % period;
  return static_cast<std::size_t>(std::min(phases - 1, into * phases / period));
}

detector_fit initial_state(const detector_spec& spec, const training_data& data) {
  if (spec.type == detector_type::ewma)
    return detector_fit::of(data.values.front(), 0);
  detector_fit state;
  if (spec.type == detector_type::range)
    state.memory = range::empty(shape_of(spec));
  return state;
}

bool is_online(detector_type t) {
  return t == detector_type::ewma || t == detector_type::range;
}

void learn(const detector_spec& spec, detector_fit& state, double value) {
  if (spec.type == detector_type::range) {
    range_learn(spec, state, value);
    ++state.learned;
    return;
  }
  // West's exponentially weighted variance: var' = (1 - a) * (var + a * d^2).
  double d = value - state.center;
  double var = state.scale * state.scale;
  double center = state.center + spec.alpha * d;
  var = (1 - spec.alpha) * (var + spec.alpha * d * d);
  if (!std::isfinite(center) || !std::isfinite(var))
    return; // a point near the double range would overflow the state: not learned
  state.center = center;
  state.scale = std::sqrt(var);
  ++state.learned;
}

judgement judge_and_learn(const detector_spec& spec, const fit_stats& stats,
                          detector_fit& params, double value, std::optional<int64_t> timestamp) {
  auto j = judge(spec, stats, params, value, timestamp);
  if (!is_online(spec.type))
    return j;
  if (params.quiet > 0) {
    --params.quiet;
  } else if (j.anomaly) {
    params.quiet = static_cast<uint32_t>(spec.cooldown);
  }
  learn(spec, params, value);
  return j;
}

namespace {

judgement judge_range(const detector_spec& spec, const detector_fit& params, double value) {
  judgement j;
  auto s = shape_of(spec);
  if (!range::fits(s, params.memory))
    return j; // nothing learned yet
  auto b = range_bounds(spec, s, params.memory);
  if (!b)
    return j;
  auto [lower, upper] = *b;
  j.expected = range_middle(s, params.memory);
  double half = upper / 2 - lower / 2;
  j.score = half > 0 && std::isfinite(half) ? (value - j.expected) / half : 0;
  if (spec.dir != direction::lower)
    j.upper = upper;
  if (spec.dir != direction::upper)
    j.lower = lower;
  bool out = (j.upper && value > upper) || (j.lower && value < lower);
  if (!out && std::fabs(value - j.expected) > spec.min_deviation) {
    // The moving mean against the range of its own past, widened the same way.
    if (auto m = range::range_of(s, params.memory, range::mean_view)) {
      double mean = range::mean_with(s, params.memory, value);
      double widen = spec.margin * (m->high - m->low);
      out = (j.upper && mean > m->high + widen) || (j.lower && mean < m->low - widen);
    }
  }
  j.anomaly = out && params.quiet == 0;
  return j;
}

} // namespace

judgement judge(const detector_spec& spec, const fit_stats& stats, const detector_fit& params,
                double value, std::optional<int64_t> timestamp) {
  judgement j;
  double center = params.center, scale = params.scale;
  if (timestamp && spec.type == detector_type::seasonal) {
    auto p = phase_of(spec, *timestamp);
    if (p < params.phase_center.size()) {
      center = params.phase_center[p];
      scale = params.phase_scale[p];
    }
  }
  j.expected = center;
  j.score = scale > 0 ? (value - center) / scale : 0;
  if (spec.type == detector_type::range)
    return judge_range(spec, params, value);
  if (spec.type == detector_type::contract) {
    j.anomaly = is_anomaly(stats, value); // bit for bit the contract's rule
    j.upper = stats.threshold();
    return j;
  }
  double half = std::max(spec.k * scale, spec.min_deviation);
  if (spec.dir != direction::lower)
    j.upper = center + half;
  if (spec.dir != direction::upper)
    j.lower = center - half;
  j.anomaly = (j.upper && value > *j.upper) || (j.lower && value < *j.lower);
  if (is_online(spec.type) && params.quiet > 0)
    j.anomaly = false;
  return j;
}

double number_param(const detector_spec& spec, std::string_view name) {
  auto f = number_field_named(name);
  return f ? spec.*(f->field) : 0;
}

std::string to_text(const detector_spec& spec) {
  // The type's own parameters, in the catalogue's order.
  std::string out = name_of(spec.type);
  for (const auto& doc : detector_catalogue()) {
    if (doc.type != spec.type)
      continue;
    for (const auto& p : doc.params)
      out += std::string{" "} + p.name + "="
             + (std::string_view{p.kind} == "number" ? format(number_param(spec, p.name))
                                                     : std::string{name_of(spec.dir)});
  }
  return out;
}

std::optional<detector_spec> from_text(std::string_view text) {
  std::istringstream in{std::string{text}};
  std::string type, word;
  in >> type;
  detector_spec spec;
  if (type == "contract")
    return spec;
  if (type == "zscore")
    spec.type = detector_type::zscore;
  else if (type == "mad")
    spec.type = detector_type::mad;
  else if (type == "ewma")
    spec.type = detector_type::ewma;
  else if (type == "seasonal")
    spec.type = detector_type::seasonal;
  else if (type == "range")
    spec.type = detector_type::range;
  else
    return std::nullopt;
  while (in >> word) {
    auto eq = word.find('=');
    if (eq == std::string::npos)
      return std::nullopt;
    auto key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "direction") {
      auto d = direction_named(value);
      if (!d)
        return std::nullopt;
      spec.dir = *d;
    } else {
      char* end = nullptr;
      double x = std::strtod(value.c_str(), &end);
      if (end != value.c_str() + value.size())
        return std::nullopt;
      set_number(spec, key, x);
    }
  }
  return spec;
}

} // namespace model
