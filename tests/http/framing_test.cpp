// The request framer, fed whole, byte by byte and in random splits: where each
// request ends, pipelining, every limit, and malformed framing.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "http/server/framing.hpp"

namespace {

using http::frame_state;

struct outcome {
  std::vector<std::size_t> lengths; ///< each complete request's length, in order
  int status = 0;                   ///< the error status, 0 when none
  std::size_t leftover = 0;         ///< bytes of an incomplete request at the end
};

/// Feeds `bytes` in pieces of the sizes `split` yields, as a connection does:
/// after each complete request the rest is fed again to a fresh request.
template <class Split>
outcome frame_all(const std::string& bytes, const http::framing_limits& limits, Split split) {
  http::request_framer f{limits};
  outcome out;
  std::size_t start = 0, fed = 0, arrived = 0;
  while (arrived < bytes.size() || fed < arrived) {
    if (fed == arrived)
      arrived = std::min(bytes.size(), arrived + split());
    auto r = f.feed(bytes.data() + fed, arrived - fed);
    if (r.state == frame_state::error) {
      out.status = r.status;
      return out;
    }
    if (r.state == frame_state::complete) {
      out.lengths.push_back(r.length);
      start += r.length;
      fed = start;
      f.next();
      continue;
    }
    fed = arrived;
  }
  out.leftover = bytes.size() - start;
  return out;
}

/// The same bytes framed whole, byte by byte and in 50 random splits; all
/// must agree.
outcome frame_every_way(const std::string& bytes, const http::framing_limits& limits = {}) {
  auto whole = frame_all(bytes, limits, [&] { return bytes.size(); });
  auto bytewise = frame_all(bytes, limits, [] { return std::size_t{1}; });
  CHECK(bytewise.lengths == whole.lengths);
  CHECK(bytewise.status == whole.status);
  std::mt19937 rng{42};
  for (int i = 0; i < 50; ++i) {
    std::uniform_int_distribution<std::size_t> size{1, 64};
    auto random = frame_all(bytes, limits, [&] { return size(rng); });
    CHECK(random.lengths == whole.lengths);
    CHECK(random.status == whole.status);
  }
  return whole;
}

const std::string get = "GET /healthcheck HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string post = "POST /fit/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
const std::string chunked = "POST /fit/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3;name=value\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
const std::string trailers = "POST /fit/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n";

} // namespace

TEST_CASE("framing: requests end where their framing says") {
  SUBCASE("no body") { CHECK(frame_every_way(get).lengths == std::vector<std::size_t>{get.size()}); }
  SUBCASE("Content-Length body") {
    CHECK(frame_every_way(post).lengths == std::vector<std::size_t>{post.size()});
  }
  SUBCASE("chunked body with an extension") {
    CHECK(frame_every_way(chunked).lengths == std::vector<std::size_t>{chunked.size()});
  }
  SUBCASE("chunked body with trailers") {
    CHECK(frame_every_way(trailers).lengths == std::vector<std::size_t>{trailers.size()});
    http::request_framer f{{}};
    auto r = f.feed(trailers.data(), trailers.size());
    REQUIRE(r.state == frame_state::complete);
    CHECK(trailers.substr(f.trailer_start(), 11) == "X-Checksum:");
  }
  SUBCASE("an incomplete body waits for more") {
    auto partial = frame_every_way(post.substr(0, post.size() - 1));
    CHECK(partial.lengths.empty());
    CHECK(partial.status == 0);
    CHECK(partial.leftover == post.size() - 1);
  }
}

TEST_CASE("framing: pipelined requests are separated, in order") {
  auto all = frame_every_way(post + get + chunked + trailers + get);
  CHECK(all.lengths == std::vector<std::size_t>{post.size(), get.size(), chunked.size(),
                                                trailers.size(), get.size()});
  auto with_partial = frame_every_way(get + post.substr(0, 20));
  CHECK(with_partial.lengths == std::vector<std::size_t>{get.size()});
  CHECK(with_partial.leftover == 20);
}

TEST_CASE("framing: what the framer reports about a request") {
  http::request_framer f{{}};
  auto r = f.feed(post.data(), post.size());
  REQUIRE(r.state == frame_state::complete);
  CHECK(f.method() == "POST");
  CHECK(f.target() == "/fit/a");
  CHECK(f.keep_alive());
  f.next();
  std::string close = "GET /x?a=1 HTTP/1.1\r\nConnection: close\r\n\r\n";
  REQUIRE(f.feed(close.data(), close.size()).state == frame_state::complete);
  CHECK(f.target() == "/x?a=1");
  CHECK_FALSE(f.keep_alive());
  f.next();
  std::string old = "GET / HTTP/1.0\r\n\r\n";
  REQUIRE(f.feed(old.data(), old.size()).state == frame_state::complete);
  CHECK_FALSE(f.keep_alive());
  f.next();
  std::string expect = "POST /fit/a HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n";
  CHECK(f.feed(expect.data(), expect.size()).state == frame_state::need_more);
  CHECK(f.wants_continue());
  CHECK(f.feed("hello", 5).state == frame_state::complete);
  CHECK_FALSE(f.wants_continue());
}

TEST_CASE("framing: every limit") {
  http::framing_limits limits{64, 128, 10};
  SUBCASE("request line over the limit: 414, before it ends") {
    CHECK(frame_every_way("GET /" + std::string(100, 'a'), limits).status == 414);
    CHECK(frame_every_way("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", limits).status
          == 414);
    CHECK(frame_every_way("GET /" + std::string(50, 'a') + " HTTP/1.1\r\n\r\n", limits).status
          == 0);
  }
  SUBCASE("headers over the limit: 431, before they end") {
    CHECK(frame_every_way("GET / HTTP/1.1\r\nX: " + std::string(200, 'b'), limits).status == 431);
    std::string many = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 20; ++i)
      many += "X-" + std::to_string(i) + ": v\r\n";
    CHECK(frame_every_way(many + "\r\n", limits).status == 431);
    CHECK(frame_every_way("GET / HTTP/1.1\r\nX: " + std::string(100, 'b') + "\r\n\r\n", limits)
            .status
          == 0);
  }
  SUBCASE("Content-Length over the limit: 413 with the headers, no body read") {
    CHECK(frame_every_way("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits).status == 413);
    CHECK(frame_every_way("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits)
            .lengths.size()
          == 1);
  }
  SUBCASE("chunked body over the limit: 413 as soon as the sum passes it") {
    std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    CHECK(frame_every_way(head + "6\r\nabcdef\r\n5\r\nghijk", limits).status == 413);
    CHECK(frame_every_way(head + "6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n", limits).status == 0);
  }
  SUBCASE("tiny chunks cannot inflate the raw request without bound") {
    http::framing_limits small{64, 128, 100};
    std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string body;
    for (int i = 0; i < 99; ++i)
      body += "1;" + std::string(100, 'e') + "\r\nx\r\n";
    CHECK(frame_every_way(head + body, small).status == 413);
  }
}

TEST_CASE("framing: malformed framing gets 400") {
  for (const std::string& bad :
       {std::string{"NOT-A-METHOD / HTTP/1.1\r\n\r\n"}, std::string{"GET / HTTP/9.9x\r\n\r\n"},
        std::string{"POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"},
        std::string{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
        // Both framings at once is how requests are smuggled: refused.
        std::string{"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n"},
        std::string{"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"}}) {
    CAPTURE(bad);
    CHECK(frame_every_way(bad).status == 400);
  }
}
