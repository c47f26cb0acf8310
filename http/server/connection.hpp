// One client connection of an event loop and its state machine:
//
//   reading --(a whole request framed)--> dispatched by the loop
//      ^         processing: cpp-httplib runs it off the loop (compute pool)
//      |         waiting:    its answer is an actor's (http/server/handoff.hpp)
//      |                        |
//      +---- writing <----------+ (the answer is in `out`)
//               |
//               +--(close after)--> lingering: written, half-closed, then closed
//
// A connection belongs to one loop and is touched only by that loop's thread,
// except while `processing`, when exactly one compute thread owns it.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <httplib.h>

#include "http/server/exchange.hpp"
#include "http/server/framing.hpp"

namespace http {

class loop;

struct connection {
  using clock = std::chrono::steady_clock;
  enum class phase : uint8_t { reading, processing, waiting, writing, lingering };

  explicit connection(const framing_limits& limits) : framer(limits) {}

  int fd = -1;
  std::size_t index = 0; ///< position in its loop's list
  request_framer framer;
  std::string in;        ///< buffered bytes; the current request starts at 0
  std::size_t fed = 0;   ///< bytes of `in` the framer has seen
  std::string out;       ///< response bytes not yet sent
  std::size_t out_pos = 0;
  phase state = phase::reading;
  bool readable = false;
  bool want_out = false;     ///< EPOLLOUT is registered
  bool close_after = false;  ///< close (lingering) once `out` is sent
  bool sent_continue = false;
  bool ready_listed = false; ///< queued to go on after the loop's budget ran out
  std::size_t served = 0;
  clock::time_point deadline;
  clock::time_point first_byte; ///< of the current request
  sockaddr_storage peer{};
  std::string local_ip;  ///< this end's address, looked up once (cpp-httplib asks every pass)
  int local_port = 0;

  /// While waiting: the request the actor's reply answers.
  struct waiting_for {
    uint64_t id = 0;       ///< the hand-off's request id
    deferral request;
    bool direct = false;   ///< sent to the series actor itself, not its shard
    std::size_t size = 0;  ///< bytes held against max-in-flight-bytes
    clock::time_point started;
  };
  std::unique_ptr<waiting_for> wait;
};

/// The bytes of one framed request for cpp-httplib to read, and the buffer it
/// writes its response into.
class buffered_stream : public httplib::Stream {
public:
  buffered_stream(connection& c, std::string& out);
  bool is_readable() const override { return pos_ < c_.fed; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return c_.fd; }

private:
  connection& c_;
  std::string& out_;
  std::size_t pos_ = 0;
  bool skip_continue_;
};

/// The address and port of `addr`.
void address_of(const sockaddr_storage& addr, std::string& ip, int& port);

/// Moves `c` on as far as it can go without waiting, serving at most `budget`
/// requests; true when it stopped only because the budget ran out.
bool advance(loop& l, connection* c, std::size_t budget);

/// A request of `c` is answered (its response is in `out`): drops its bytes,
/// readies the next one, and moves to writing.
void finished(loop& l, connection* c);

/// Answers the current request of `c` with a JSON error the loop writes
/// itself (before cpp-httplib saw it); `close` closes after writing.
void refuse(loop& l, connection* c, int status, std::string_view detail, bool close);

} // namespace http
