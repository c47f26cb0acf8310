// The loop's own writing of actors' replies (http/server/reply_writer.hpp):
// the exact bytes, the same as cpp-httplib's own writing of the same response,
// the cases it leaves to cpp-httplib, and, on the real server, answers equal
// byte for byte to those cpp-httplib writes for the same request (a request
// with Accept-Encoding goes through cpp-httplib), closing the connection
// when cpp-httplib would.
#include <doctest/doctest.h>

#include <cstring>

#include "http/api/listener.hpp"
#include "http/server/front_end.hpp"
#include "http/server/reply_writer.hpp"
#include "tests/support.hpp"

namespace {

using namespace testing::raw;

const std::string keep_alive = http::keep_alive_header(http::listener_settings{});

std::string request(const std::string& method, const std::string& target, const std::string& body,
                    const std::string& headers, const std::string& version = "HTTP/1.1") {
  return method + " " + target + " " + version + "\r\nHost: x\r\n" + headers
         + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// The server's answer to `text`, sent alone on a new connection, and
/// whether the server closed the connection after it.
std::pair<std::string, bool> answer_to(int port, const std::string& text, bool expect_close) {
  int fd = connect_to(port);
  send_text(fd, text);
  auto out = read_response(fd);
  // Waits long only for a close that is expected, and then only if it is late.
  bool closed = closed_within(fd, expect_close ? 10000 : 200);
  ::close(fd);
  return {out, closed};
}

/// A request in memory for cpp-httplib to read, and what it writes.
class memory_stream : public httplib::Stream {
public:
  explicit memory_stream(std::string in) : in_(std::move(in)) {}
  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, size);
    pos_ += size;
    return static_cast<ssize_t>(size);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return -1; }
  std::string out;

private:
  std::string in_;
  std::size_t pos_ = 0;
};

} // namespace

TEST_CASE("reply writer: the bytes cpp-httplib writes for a rendered reply") {
  CHECK(keep_alive == "timeout=75, max=1000000000");
  http::listener_settings limited;
  limited.keepalive_timeout_s = 5;
  limited.keepalive_max_requests = 20;
  CHECK(http::keep_alive_header(limited) == "timeout=5, max=20");

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

TEST_CASE("reply writer: writes what cpp-httplib itself writes for the same rendered response") {
  // cpp-httplib configured as the server configures it, its pre-routing
  // handler answering with a prepared response, as pass 2 did.
  http::listener_settings settings;
  settings.keepalive_timeout_s = 9;
  settings.keepalive_max_requests = 40;
  http::http_metrics metrics;
  http::routed_server library;
  http::configure(library, settings, [](std::string_view) {}, metrics);
  httplib::Response prepared;
  library.set_pre_routing_handler([&prepared](const httplib::Request&, httplib::Response& res) {
    res = prepared;
    return httplib::Server::HandlerResponse::Handled;
  });
  auto json = [](int status, std::string body) {
    httplib::Response r;
    r.status = status;
    r.set_content(std::move(body), "application/json");
    return r;
  };
  std::vector<httplib::Response> responses{json(-1, R"({"anomaly":true})"), json(201, "{}"),
                                           json(404, R"({"detail":"no such series"})"),
                                           json(422, R"({"detail":"bad"})")};
  responses.emplace_back();
  responses.back().status = 204;
  auto busy = json(503, R"({"detail":"busy"})");
  busy.set_header("Retry-After", "1");
  busy.set_header("X-Series-Owner", "http://node-b:8000");
  responses.push_back(busy);
  responses.emplace_back();
  responses.back().body = "text without a type";
  for (const auto& r : responses)
    for (bool close : {false, true})
      for (std::string header : {"", "Connection: close\r\n", "Connection: keep-alive\r\n"}) {
        CAPTURE(r.status);
        CAPTURE(close);
        CAPTURE(header);
        prepared = r;
        memory_stream strm{request("POST", "/predict/x", "{}", header)};
        bool closed = false;
        library.serve_one(strm, close, closed);
        auto mine = r;
        std::string out;
        REQUIRE(http::write_reply(out, mine, close || header == "Connection: close\r\n",
                                  http::keep_alive_header(settings)));
        CHECK(out == strm.out);
      }
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
  // cpp-httplib's own rules for the Connection header (exact matches).
  struct variant {
    std::string version, headers;
    bool closes;
  };
  const std::vector<variant> variants{
    {"HTTP/1.1", "", false},
    {"HTTP/1.1", "Connection: close\r\n", true},
    {"HTTP/1.1", "Connection: keep-alive\r\n", false},
    {"HTTP/1.0", "", true},
    {"HTTP/1.0", "Connection: Keep-Alive\r\n", false},
    {"HTTP/1.0", "Connection: keep-alive\r\n", true},
  };
  for (const auto& p : probes)
    for (const auto& v : variants) {
      CAPTURE(p.method);
      CAPTURE(p.target);
      CAPTURE(v.version);
      CAPTURE(v.headers);
      auto [by_loop, loop_closed] =
        answer_to(port, request(p.method, p.target, p.body, v.headers, v.version), v.closes);
      // Accept-Encoding: identity asks for no compression, and sends the
      // request through cpp-httplib's own pass.
      auto [by_library, library_closed] = answer_to(
        port,
        request(p.method, p.target, p.body, v.headers + "Accept-Encoding: identity\r\n", v.version),
        v.closes);
      CHECK(by_loop.rfind("HTTP/1.1 " + std::to_string(p.status) + " ", 0) == 0);
      CHECK(by_loop == by_library);
      CHECK(loop_closed == v.closes);
      CHECK(library_closed == v.closes);
    }
  // The metrics count the answers the loop wrote as cpp-httplib's logger does.
  auto m = testing::answer(s.client().Get("/metrics")).body;
  CHECK(testing::metric(m, R"(model_server_requests_total{endpoint="predict",status="200"})")
        == 2 * 2 * 6);
  // A fit: the second version's answer by the loop, the third's by cpp-httplib.
  auto second = answer_to(port, request("POST", "/fit/same", fit, ""), false).first;
  auto third =
    answer_to(port, request("POST", "/fit/same", fit, "Accept-Encoding: identity\r\n"), false)
      .first;
  CHECK(second.find(R"("version":"2")") != std::string::npos);
  auto without_version = [](std::string text) {
    auto at = text.find(R"("version":")");
    REQUIRE(at != std::string::npos);
    return text.erase(at + 11, 1);
  };
  CHECK(without_version(second) == without_version(third));
}
