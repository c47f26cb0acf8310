// /plot explains itself: a legend entry for every kind of mark, and a time
// axis at round UTC times chosen by the span (seconds to years).
#include <doctest/doctest.h>

#include <regex>

#include "http/pages/time_axis.hpp"
#include "tests/support.hpp"

namespace {

const char* const json = "application/json";

/// The /plot page of a series fitted on `n` points `step` seconds apart from
/// 2024-01-11 19:06:40 UTC.
std::string plot_of(httplib::Client& c, const std::string& id, int n, long step,
                    const std::string& detector = "") {
  std::string ts = "[", vs = "[";
  for (int i = 0; i < n; ++i) {
    ts += (i ? "," : "") + std::to_string(1705000000L + i * step);
    vs += (i ? "," : "") + std::to_string(10 + (i % 4) + (i == n / 2 ? 50 : 0));
  }
  auto body = R"({"timestamps":)" + ts + R"(],"values":)" + vs + "]" + detector + "}";
  REQUIRE(testing::answer(c.Post("/fit/" + id, body, json)).status == 200);
  return testing::answer(c.Get("/plot?series_id=" + id)).body;
}

std::vector<std::string> time_ticks(const std::string& page) {
  static const std::regex tick{"class='time-tick'[^>]*>([^<]*)</text>"};
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), tick); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

} // namespace

TEST_CASE("plot: time ticks at round UTC times, in the unit the span calls for") {
  testing::live_server server;
  auto c = server.client();
  SUBCASE("five minutes: every minute") {
    auto page = plot_of(c, "minutes", 30, 10);
    CHECK(time_ticks(page) == std::vector<std::string>{"19:07", "19:08", "19:09", "19:10", "19:11"});
    CHECK(page.find(">2024-01-11</text>") != std::string::npos); // the date, once
  }
  SUBCASE("nine days: every second day") {
    auto page = plot_of(c, "days", 10, 86400);
    CHECK(time_ticks(page) == std::vector<std::string>{"Jan 12", "Jan 14", "Jan 16", "Jan 18", "Jan 20"});
    CHECK(page.find(">2024</text>") != std::string::npos);
  }
  SUBCASE("two and a half years: every six months, each year named once") {
    auto page = plot_of(c, "years", 30, 30 * 86400);
    CHECK(time_ticks(page) == std::vector<std::string>{"Jul", "Jan", "Jul", "Jan"});
    for (const char* year : {">2024</text>", ">2025</text>", ">2026</text>"})
      CHECK(page.find(year) != std::string::npos);
  }
  SUBCASE("the span's ends in the caption") {
    auto page = plot_of(c, "caption", 3, 60);
    CHECK(page.find("time (UTC): 2024-01-11 19:06:40 to 2024-01-11 19:08:40") != std::string::npos);
  }
}

TEST_CASE("plot: the legend names every kind of mark the chart draws") {
  testing::live_server server;
  auto c = server.client();
  auto legend = [](const std::string& page) {
    auto from = page.find("<ul class='legend'>");
    REQUIRE(from != std::string::npos);
    return page.substr(from, page.find("</ul>", from) - from);
  };
  auto contract = legend(plot_of(c, "contract", 20, 60));
  CHECK(contract.find("training points") != std::string::npos);
  CHECK(contract.find("outside the bounds") != std::string::npos); // the spike
  CHECK(contract.find("mean of the training values") != std::string::npos);
  CHECK(contract.find("threshold: mean + 3 std") != std::string::npos);
  auto upper = legend(plot_of(c, "upper", 20, 60, R"(,"detector":{"type":"zscore","direction":"upper"})"));
  CHECK(upper.find("normal band") != std::string::npos);
  CHECK(upper.find("upper bound (the lower side is not checked)") != std::string::npos);
  auto online = legend(plot_of(c, "online", 20, 60, R"(,"detector":{"type":"ewma"})"));
  CHECK(online.find("bounds as learned") != std::string::npos);
  CHECK(online.find("center as learned") != std::string::npos);
  CHECK(online.find("the band now") != std::string::npos);
  auto quiet = legend(plot_of(c, "quiet", 3, 60)); // 10, 11, 12: nothing outside
  CHECK(quiet.find("outside the bounds") == std::string::npos);
}

TEST_CASE("time axis: seconds to decades, and nothing outside 1970..9999") {
  auto labels = [](double t0, double t1) {
    std::vector<std::string> out;
    for (const auto& t : http::time_ticks(t0, t1))
      out.push_back(t.label + (t.context.empty() ? "" : "/" + t.context));
    return out;
  };
  CHECK(labels(0, 20) == std::vector<std::string>{"00:00:00/1970-01-01", "00:00:05", "00:00:10",
                                                  "00:00:15", "00:00:20"});
  CHECK(labels(0, 100 * 365.25 * 86400)
        == std::vector<std::string>{"1980", "2000", "2020", "2040", "2060"});
  CHECK(labels(86399, 86401) == std::vector<std::string>{"23:59:59/1970-01-01", "00:00:00/1970-01-02",
                                                         "00:00:01"});
  CHECK(http::time_ticks(-5, 10).empty());
  CHECK(http::time_ticks(0, 1e12).empty());
  CHECK(http::time_ticks(10, 5).empty());
}
