#include "http/pages/plot_page.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "http/pages/html.hpp"
#include "http/pages/time_axis.hpp"
#include "model/downsample.hpp"

namespace http {

namespace {

/// Most points a page draws, whatever the version's size.
constexpr std::size_t max_plot_points = 2000;

constexpr double width = 900, height = 440, left = 70, right = 20, top = 30, bottom = 70;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string utc(int64_t ts) {
  std::time_t t = static_cast<std::time_t>(ts);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

/// Maps data coordinates onto the SVG drawing area.
struct frame {
  double t0, t1, v0, v1;
  double x(double t) const { return left + (t - t0) / (t1 - t0) * (width - left - right); }
  double y(double v) const { return top + (v1 - v) / (v1 - v0) * (height - top - bottom); }
};

/// The version's bounds: where its detector starts calling values anomalous.
model::judgement bounds_of(const model::version_record& r) {
  return model::judge(r.detector, r.stats, r.state, {0, r.stats.mean});
}

frame frame_of(const actors::version_points& vp) {
  const auto& ts = vp.data.timestamps;
  const auto& vs = vp.data.values;
  double t0 = ts.empty() ? 0 : static_cast<double>(ts.front());
  double t1 = ts.empty() ? 1 : static_cast<double>(ts.back());
  double lo = vs.empty() ? 0 : *std::min_element(vs.begin(), vs.end());
  double hi = vs.empty() ? 1 : *std::max_element(vs.begin(), vs.end());
  auto b = bounds_of(vp.record);
  hi = std::max(hi, b.upper.value_or(b.expected));
  lo = std::min(lo, b.lower.value_or(b.expected));
  double pad = (hi - lo) * 0.08 + 1e-9;
  if (t1 <= t0)
    t1 = t0 + 1;
  return {t0, t1, lo - pad, hi + pad};
}

std::string hline(const frame& f, double v, const char* color, const std::string& label) {
  auto y = num(f.y(v));
  return "<line x1='" + num(left) + "' x2='" + num(width - right) + "' y1='" + y + "' y2='" + y
         + "' stroke='" + color + "' stroke-dasharray='6 4'/><text x='" + num(width - right - 4)
         + "' y='" + num(f.y(v) - 5) + "' text-anchor='end' fill='" + color + "'>" + label
         + " " + num(v) + "</text>";
}

/// Ticks at round values (1, 2 or 5 times a power of ten) along the y axis,
/// about five of them, each with a label and a faint grid line.
std::string y_ticks(const frame& f) {
  double span = f.v1 - f.v0;
  if (!(span > 0) || !std::isfinite(span))
    return {};
  double raw = span / 5, power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power * (raw / power < 1.5 ? 1 : raw / power < 3.5 ? 2 : raw / power < 7.5 ? 5 : 10);
  std::string out;
  // Counted, not accumulated: far from zero a step can be below the values'
  // precision (a flat series at 1e20), and v += step would never end.
  double first = std::ceil(f.v0 / step) * step;
  for (int k = 0; k <= 12 && step > 0; ++k) {
    double v = first + k * step;
    if (!(v <= f.v1))
      break;
    double shown_v = std::fabs(v) < step * 1e-9 ? 0 : v; // no "-0" or 1e-17
    auto y = num(f.y(shown_v));
    out += "<line x1='" + num(left - 4) + "' x2='" + num(width - right) + "' y1='" + y + "' y2='"
           + y + "' stroke='#ddd'/><line x1='" + num(left - 4) + "' x2='" + num(left) + "' y1='"
           + y + "' y2='" + y + "' stroke='#444'/><text x='" + num(left - 6) + "' y='"
           + num(f.y(shown_v) + 4) + "' text-anchor='end'>" + num(shown_v) + "</text>";
  }
  return out;
}

/// One mark of the chart as the legend names it: a line (dashed when `dash`
/// is set), the points, or a band.
struct legend_item {
  enum kind_t { line, points, band } kind;
  std::string color;
  std::string dash;
  std::string label;
};

std::string swatch(const legend_item& item) {
  std::string inner;
  switch (item.kind) {
    case legend_item::line:
      inner = "<line x1='0' x2='36' y1='7' y2='7' stroke='" + item.color + "' stroke-width='2'"
              + (item.dash.empty() ? "" : " stroke-dasharray='" + item.dash + "'") + "/>";
      break;
    case legend_item::points:
      inner = "<line x1='0' x2='36' y1='7' y2='7' stroke='#1f77b4'/><circle cx='18' cy='7' "
              "r='3.5' fill='" + item.color + "'/>";
      break;
    case legend_item::band:
      inner = "<rect x='0' y='0' width='36' height='14' fill='" + item.color
              + "' fill-opacity='0.2' stroke='" + item.color + "' stroke-opacity='0.4'/>";
  }
  return "<svg width='36' height='14' aria-hidden='true'>" + inner + "</svg>";
}

/// The legend under the chart: one entry per kind of mark drawn.
std::string legend(const std::vector<legend_item>& items) {
  std::string out = "<ul class='legend'>";
  for (const auto& item : items)
    out += "<li>" + swatch(item) + " " + item.label + "</li>";
  return out + "</ul>";
}

/// The time axis: a tick, a faint grid line and a label at each round UTC
/// time (time_axis.hpp), the date or year under the first label and wherever
/// it changes, and the span's ends in the caption.
std::string x_ticks(const frame& f) {
  std::string out = "<text x='" + num((left + width - right) / 2) + "' y='"
                    + num(height - bottom + 50) + "' text-anchor='middle' fill='#444'>time (UTC): "
                    + utc(static_cast<int64_t>(f.t0)) + " to " + utc(static_cast<int64_t>(f.t1))
                    + "</text>";
  for (const auto& tick : time_ticks(f.t0, f.t1)) {
    auto x = num(f.x(static_cast<double>(tick.t)));
    out += "<line x1='" + x + "' x2='" + x + "' y1='" + num(top) + "' y2='" + num(height - bottom)
           + "' stroke='#eee'/><line x1='" + x + "' x2='" + x + "' y1='" + num(height - bottom)
           + "' y2='" + num(height - bottom + 4) + "' stroke='#444'/><text class='time-tick' x='"
           + x + "' y='" + num(height - bottom + 16) + "' text-anchor='middle'>" + tick.label
           + "</text>";
    if (!tick.context.empty())
      out += "<text x='" + x + "' y='" + num(height - bottom + 30) + "' text-anchor='middle' "
             "fill='#666'>" + tick.context + "</text>";
  }
  return out;
}

std::string svg(const actors::version_points& vp,
                const std::vector<model::time_point_value>& shown,
                std::vector<legend_item>& keys) {
  auto f = frame_of(vp);
  const auto& r = vp.record;
  auto b = bounds_of(r);
  // An online detector's points are judged by its bounds as learned then
  // (judged before each point); the others' by the version's bounds.
  std::vector<model::judgement> learned_at(shown.size());
  if (model::is_online(r.detector)) {
    std::size_t next = 0;
    model::replay_learning(r.detector, r.stats, vp.data,
                           [&](std::size_t i, const model::judgement& at) {
      for (; next < shown.size() && shown[next].t <= vp.data.timestamps[i]; ++next) {
        learned_at[next] = at;
      }
    });
  }
  std::string path, dots;
  bool any_outside = false;
  for (std::size_t i = 0; i < shown.size(); ++i) {
    auto x = num(f.x(static_cast<double>(shown[i].t)));
    auto y = num(f.y(shown[i].v));
    path += (i ? " L" : "M") + x + " " + y;
    auto at = model::is_online(r.detector)
                ? learned_at[i]
                : model::judge(r.detector, r.stats, r.state, {shown[i].t, shown[i].v});
    bool outside = (at.upper && shown[i].v > *at.upper) || (at.lower && shown[i].v < *at.lower);
    any_outside = any_outside || outside;
    dots += "<circle cx='" + x + "' cy='" + y + "' r='3.5' fill='"
            + (outside ? "#d62728" : "#1f77b4") + "'><title>" + utc(shown[i].t)
            + " UTC: " + num(shown[i].v) + (outside ? " (outside the bounds)" : "")
            + "</title></circle>";
  }
  keys.push_back({legend_item::points, "#1f77b4", "", "training points"});
  if (any_outside)
    keys.push_back({legend_item::points, "#d62728", "",
                    "training points outside the bounds of their moment"});
  std::string guides;
  if (model::detector_of(r.detector).phases(r.detector) > 0) {
    // Each phase's bounds, stepped along the drawn points' times.
    std::string up, down;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      auto at = model::judge(r.detector, r.stats, r.state, {shown[i].t, shown[i].v});
      auto x = num(f.x(static_cast<double>(shown[i].t)));
      if (at.upper)
        up += (up.empty() ? "M" : " L") + x + " " + num(f.y(*at.upper));
      if (at.lower)
        down += (down.empty() ? "M" : " L") + x + " " + num(f.y(*at.lower));
    }
    for (const auto& line : {up, down})
      if (!line.empty())
        guides += "<path d='" + line + "' fill='none' stroke='#d62728' stroke-dasharray='6 4'/>";
    keys.push_back({legend_item::line, "#d62728", "6 4",
                    "bounds per phase of the period: each point is judged by its phase's"});
  } else if (model::is_online(r.detector)) {
    // The bounds as they were learned over the training points (judged before
    // each), at the drawn points; then the band it has now.
    std::string up, down, mid;
    for (std::size_t i = 0; i < shown.size(); ++i) {
      const auto& at = learned_at[i];
      if (!at.upper && !at.lower)
        continue; // nothing learned yet
      auto x = num(f.x(static_cast<double>(shown[i].t)));
      auto step = [&](std::string& line, double v) {
        line += (line.empty() ? "M" : " L") + x + " " + num(f.y(v));
      };
      step(mid, at.expected);
      if (at.upper)
        step(up, *at.upper);
      if (at.lower)
        step(down, *at.lower);
    }
    for (const auto& line : {up, down})
      if (!line.empty())
        guides += "<path d='" + line + "' fill='none' stroke='#d62728' stroke-dasharray='6 4'/>";
    if (!mid.empty())
      guides += "<path d='" + mid + "' fill='none' stroke='#2ca02c' stroke-dasharray='2 3'/>";
    double top_v = b.upper.value_or(f.v1), bottom_v = b.lower.value_or(f.v0);
    guides += "<rect x='" + num(left) + "' y='" + num(f.y(top_v)) + "' width='"
              + num(width - left - right) + "' height='" + num(f.y(bottom_v) - f.y(top_v))
              + "' fill='#2ca02c' fill-opacity='0.08'/>";
    keys.push_back({legend_item::line, "#d62728", "6 4",
                    "bounds as learned over the training points (each point judged by what "
                    "was learned before it)"});
    keys.push_back({legend_item::line, "#2ca02c", "2 3", "center as learned (the expected value)"});
    keys.push_back({legend_item::band, "#2ca02c", "",
                    "the band now: inside the bounds after every training point was learned"});
  } else if (model::is_contract(r.detector)) {
    guides = hline(f, r.stats.mean, "#2ca02c", "mean")
             + hline(f, r.stats.threshold(), "#d62728", "threshold (mean + 3 std)");
    keys.push_back({legend_item::line, "#2ca02c", "6 4", "mean of the training values"});
    keys.push_back({legend_item::line, "#d62728", "6 4",
                    "threshold: mean + 3 std; a value above it is anomalous"});
  } else {
    // The band between the bounds (to the edge of the frame on an open side).
    double top_v = b.upper.value_or(f.v1), bottom_v = b.lower.value_or(f.v0);
    guides = "<rect x='" + num(left) + "' y='" + num(f.y(top_v)) + "' width='"
             + num(width - left - right) + "' height='" + num(f.y(bottom_v) - f.y(top_v))
             + "' fill='#2ca02c' fill-opacity='0.12'/>"
             + hline(f, b.expected, "#2ca02c", "center");
    if (b.upper)
      guides += hline(f, *b.upper, "#d62728", "upper bound");
    if (b.lower)
      guides += hline(f, *b.lower, "#d62728", "lower bound");
    keys.push_back({legend_item::band, "#2ca02c", "", "normal band: between the bounds"});
    keys.push_back({legend_item::line, "#2ca02c", "6 4", "center (the expected value)"});
    keys.push_back({legend_item::line, "#d62728", "6 4",
                    std::string{b.upper && b.lower ? "upper and lower bounds"
                                : b.upper ? "upper bound (the lower side is not checked)"
                                          : "lower bound (the upper side is not checked)"}
                      + ": beyond them a value is anomalous"});
  }
  std::string axes = "<line x1='" + num(left) + "' y1='" + num(height - bottom) + "' x2='"
                     + num(width - right) + "' y2='" + num(height - bottom) + "' stroke='#444'/>"
                     + "<line x1='" + num(left) + "' y1='" + num(top) + "' x2='" + num(left)
                     + "' y2='" + num(height - bottom) + "' stroke='#444'/>";
  std::string labels = x_ticks(f) + y_ticks(f);
  return "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 " + num(width) + " "
         + num(height) + "' font-family='sans-serif' font-size='12'>" + axes + labels
         + guides + "<path d='" + path + "' fill='none' stroke='#1f77b4'/>" + dots + "</svg>";
}

/// The summary's bounds: the contract's threshold, or the detector's bounds
/// now (an online detector's after what it has learned).
std::string bounds_rows(const model::version_record& r) {
  if (model::is_contract(r.detector))
    return "<dt>anomaly threshold</dt><dd>" + num(r.stats.threshold()) + "</dd>";
  auto b = bounds_of(r);
  std::string when = model::is_online(r.detector) ? " (now)" : "";
  std::string out;
  if (b.lower)
    out += "<dt>lower bound" + when + "</dt><dd>" + num(*b.lower) + "</dd>";
  if (b.upper)
    out += "<dt>upper bound" + when + "</dt><dd>" + num(*b.upper) + "</dd>";
  return out;
}

} // namespace

std::string render_plot_page(std::string_view series_id, const actors::version_points& vp) {
  auto title = "Series " + html_escape(series_id) + " &mdash; version "
               + std::to_string(vp.record.version);
  const auto& s = vp.record.stats;
  auto shown = model::min_max_buckets(vp.data.timestamps, vp.data.values, max_plot_points);
  auto count = vp.data.values.size();
  std::string summary =
    shown.size() == count
      ? "all " + std::to_string(count) + " training points"
      : std::to_string(shown.size()) + " points summarising " + std::to_string(count)
          + " training points (the minimum and maximum of each of "
          + std::to_string(max_plot_points / 2) + " equal time buckets)";
  std::vector<legend_item> keys;
  auto chart = svg(vp, shown, keys);
  return "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>" + title
         + "</title><style>body{font-family:sans-serif;margin:2em;max-width:960px}"
           "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
           ".legend{list-style:none;padding:0;margin:.2em 0 .8em;display:flex;flex-wrap:wrap;"
           "gap:.3em 1.6em;font-size:14px}.legend svg{vertical-align:middle}</style>"
           "</head><body><h1>"
         + title + "</h1>" + chart + legend(keys) + "<p>Drawn: " + summary
         + ".</p><dl><dt>points used</dt><dd>"
         + std::to_string(s.points_used) + "</dd><dt>mean</dt><dd>" + num(s.mean)
         + "</dd><dt>std</dt><dd>" + num(s.std) + "</dd>" + bounds_rows(vp.record)
         + "<dt>detector</dt><dd>"
         + html_escape(model::to_text(vp.record.detector)) + "</dd></dl></body></html>";
}

} // namespace http
