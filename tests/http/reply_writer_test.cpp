// The loop's own writing of actors' replies (http/server/reply_writer.hpp):
// the exact bytes, the cases it leaves to cpp-httplib, and, on the real
// server, answers equal byte for byte to those cpp-httplib writes for the
// same request (a request with Accept-Encoding goes through cpp-httplib).
#include <doctest/doctest.h>

#include "http/server/reply_writer.hpp"
#include "tests/support.hpp"

namespace {

using namespace testing::raw;

const std::string keep_alive = http::keep_alive_value(std::chrono::seconds(75), 0);

std::string request(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& headers) {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\n" + headers
         + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// The server's answer to `text`, sent alone on a new connection.
std::string answer_to(int port, const std::string& text) {
  int fd = connect_to(port);
  send_text(fd, text);
  auto out = read_response(fd);
  ::close(fd);
  return out;
}

} // namespace

TEST_CASE("reply writer: the bytes cpp-httplib writes for a rendered reply") {
  CHECK(keep_alive == "timeout=75, max=1000000000");
  CHECK(http::keep_alive_value(std::chrono::seconds(5), 20) == "timeout=5, max=20");

  httplib::Response ok; // no status set: 200, as cpp-httplib answers
  ok.set_content(R"({"anomaly":false})", "application/json");
  std::string out = "before|";
  REQUIRE(http::write_reply(out, ok, false, keep_alive));
  CHECK(out
        == "before|HTTP/1.1 200 OK\r\nContent-Length: 17\r\nContent-Type: application/json\r\n"
           "Keep-Alive: timeout=75, max=1000000000\r\n\r\n{\"anomaly\":false}");
  CHECK(ok.status == 200); // what the metrics and the access log record

  httplib::Response busy; // headers in cpp-httplib's case-insensitive order
  busy.status = 503;
  busy.set_header("Retry-After", "1");
  busy.set_header("X-Series-Owner", "http://node-b:8000");
  busy.set_content("{}", "application/json");
  out.clear();
  REQUIRE(http::write_reply(out, busy, true, keep_alive));
  CHECK(out
        == "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n"
           "Content-Type: application/json\r\nRetry-After: 1\r\n"
           "X-Series-Owner: http://node-b:8000\r\n\r\n{}");

  httplib::Response empty; // a success without a body, and a body without a type
  empty.status = 204;
  out.clear();
  REQUIRE(http::write_reply(out, empty, false, "timeout=5, max=20"));
  CHECK(out == "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nKeep-Alive: timeout=5, max=20\r\n\r\n");
  httplib::Response text;
  text.body = "plain";
  out.clear();
  REQUIRE(http::write_reply(out, text, true, keep_alive));
  CHECK(out == "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\nContent-Type: "
               "text/plain\r\n\r\nplain");
}

TEST_CASE("reply writer: leaves to cpp-httplib an error without a body and a status it does "
          "not name, writing nothing") {
  httplib::Response bare_error; // cpp-httplib's error handler gives it a body
  bare_error.status = 404;
  httplib::Response teapot;
  teapot.status = 418;
  teapot.set_content("{}", "application/json");
  for (auto* res : {&bare_error, &teapot}) {
    std::string out;
    auto headers = res->headers.size();
    CHECK_FALSE(http::write_reply(out, *res, false, keep_alive));
    CHECK(out.empty());
    CHECK(res->headers.size() == headers); // cpp-httplib writes it as it was rendered
  }
}

TEST_CASE("reply writer: on the server, actors' answers written by the loop equal cpp-httplib's, "
          "byte for byte, kept open or closing") {
  testing::live_server s;
  int port = s.svc->port();
  auto fit = testing::fit_body();
  const std::string predict = R"({"timestamp":"1705001000","value":10.5})";
  REQUIRE(testing::answer(s.client().Post("/fit/same", fit, "application/json")).status == 200);
  struct probe {
    std::string method, target, body;
    int status;
  };
  const std::vector<probe> probes{
    {"POST", "/predict/same", predict, 200},
    {"POST", "/predict/same?version=1", predict, 200},
    {"POST", "/predict/same?version=9", predict, 404},
    {"POST", "/predict/never-trained", predict, 404},
    {"GET", "/series/same", "", 200},
    {"DELETE", "/series/never-trained", "", 404},
  };
  for (const auto& p : probes)
    for (std::string close : {"", "Connection: close\r\n"}) {
      CAPTURE(p.method);
      CAPTURE(p.target);
      CAPTURE(close);
      auto by_loop = answer_to(port, request(p.method, p.target, p.body, close));
      // Accept-Encoding: identity asks for no compression, and sends the
      // request through cpp-httplib's own pass.
      auto by_library = answer_to(
        port, request(p.method, p.target, p.body, close + "Accept-Encoding: identity\r\n"));
      CHECK(by_loop.rfind("HTTP/1.1 " + std::to_string(p.status) + " ", 0) == 0);
      CHECK(by_loop == by_library);
      CHECK((by_loop.find("Connection: close\r\n") != std::string::npos) == !close.empty());
    }
  // The metrics count the answers the loop wrote as cpp-httplib's logger does.
  auto m = testing::answer(s.client().Get("/metrics")).body;
  CHECK(testing::metric(m, R"(model_server_requests_total{endpoint="predict",status="200"})")
        == 8);
  // A fit: the second version's answer by the loop, the third's by cpp-httplib.
  auto second = answer_to(port, request("POST", "/fit/same", fit, ""));
  auto third = answer_to(port, request("POST", "/fit/same", fit, "Accept-Encoding: identity\r\n"));
  CHECK(second.find(R"("version":"2")") != std::string::npos);
  auto without_version = [](std::string text) {
    auto at = text.find(R"("version":")");
    REQUIRE(at != std::string::npos);
    return text.erase(at + 11, 1);
  };
  CHECK(without_version(second) == without_version(third));
}
