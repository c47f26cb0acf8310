#include "http/server/connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/api/codec.hpp"
#include "http/server/loop.hpp"

namespace http {

namespace {

using clock = connection::clock;

constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t keep_capacity = 64 * 1024; ///< larger buffers are freed when empty
const char* const continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Error";
  }
}

/// A response the loop writes itself, for requests it answers before or
/// instead of cpp-httplib.
std::string canned(int status, std::string_view detail, bool close) {
  auto body = encode_error(detail);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status)
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + std::to_string(body.size()) + "\r\n";
  if (status == 503)
    out += "Retry-After: 1\r\n";
  out += close ? "Connection: close\r\n\r\n" : "Connection: Keep-Alive\r\n\r\n";
  return out + body;
}

/// Feeds buffered bytes to the framer; true when that moved `c` on (a request
/// was refused, dispatched, or a 100 Continue is to be written).
bool frame(loop& l, connection* c) {
  if (c->fed == c->in.size())
    return false;
  auto r = c->framer.feed(c->in.data() + c->fed, c->in.size() - c->fed);
  if (r.state == frame_state::error) {
    refuse(l, c, r.status, r.detail, true);
    return true;
  }
  if (r.state == frame_state::complete) {
    c->fed = r.length;
    if (auto t = c->framer.trailer_start(); t != 0 && t + 2 <= r.length) {
      c->in.erase(t, r.length - 2 - t); // keep the CRLF that ends the message
      c->fed = t + 2;
    }
    l.dispatch(c);
    return true;
  }
  c->fed = c->in.size();
  if (c->framer.wants_continue() && !c->sent_continue) {
    c->sent_continue = true;
    c->out.append(continue_line);
    c->state = connection::phase::writing;
    return true;
  }
  return false;
}

/// Reads what the socket has; false when nothing more can be read now (or
/// the connection was closed).
bool read_some(loop& l, connection* c) {
  if (!c->readable)
    return false;
  auto& scratch = l.scratch();
  auto n = ::recv(c->fd, scratch.data(), scratch.size(), 0);
  if (n > 0) {
    if (c->in.empty() && c->state == connection::phase::reading) {
      c->first_byte = clock::now();
      c->deadline = c->first_byte + l.settings().read_timeout;
    }
    c->in.append(scratch.data(), static_cast<std::size_t>(n));
    return true;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    c->readable = false;
    return false;
  }
  l.close(c); // end of stream or a socket error
  return false;
}

/// Sends what `c` has to send; true when all of it is sent.
bool flush(loop& l, connection* c) {
  while (c->out_pos < c->out.size()) {
    auto n = ::send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos,
                    MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<std::size_t>(n);
      c->deadline = clock::now() + l.settings().write_timeout;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      l.want_output(c, true);
      return false;
    }
    c->close_after = true; // the peer is gone: drop what is left
    c->out_pos = c->out.size();
  }
  l.want_output(c, false);
  if (c->out.capacity() > keep_capacity)
    std::string{}.swap(c->out);
  c->out.clear();
  c->out_pos = 0;
  if (!c->close_after && c->state == connection::phase::writing)
    c->deadline = clock::now()
                  + (c->in.empty() ? l.settings().keepalive_timeout : l.settings().read_timeout);
  return true;
}

} // namespace

buffered_stream::buffered_stream(connection& c, std::string& out)
    : c_(c), out_(out), skip_continue_(c.sent_continue) {}

ssize_t buffered_stream::read(char* ptr, size_t size) {
  size = std::min(size, c_.fed - pos_);
  std::memcpy(ptr, c_.in.data() + pos_, size);
  pos_ += size;
  return static_cast<ssize_t>(size);
}

ssize_t buffered_stream::write(const char* ptr, size_t size) {
  // The loop already sent 100 Continue when the headers arrived.
  if (skip_continue_ && std::string_view{ptr, size} == continue_line) {
    skip_continue_ = false;
    return static_cast<ssize_t>(size);
  }
  out_.append(ptr, size);
  return static_cast<ssize_t>(size);
}

void buffered_stream::get_remote_ip_and_port(std::string& ip, int& port) const {
  address_of(c_.peer, ip, port);
}

void buffered_stream::get_local_ip_and_port(std::string& ip, int& port) const {
  if (c_.local_ip.empty()) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(c_.fd, reinterpret_cast<sockaddr*>(&addr), &len);
    address_of(addr, c_.local_ip, c_.local_port);
  }
  ip = c_.local_ip;
  port = c_.local_port;
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    port = ntohs(a.sin6_port);
  }
  ip = buf;
}

bool advance(loop& l, connection* c, std::size_t budget) {
  std::size_t served_before = c->served;
  for (;;) {
    if (c->fd < 0)
      return false;
    switch (c->state) {
      case connection::phase::processing:
      case connection::phase::waiting:
        return false; // a compute thread or an actor has it; what arrives stays in the socket
      case connection::phase::writing:
        if (!flush(l, c))
          return false;
        if (c->close_after) {
          ::shutdown(c->fd, SHUT_WR); // let the client read the answer, then close
          c->state = connection::phase::lingering;
          c->deadline = clock::now() + linger_time;
          continue;
        }
        c->state = connection::phase::reading;
        continue;
      case connection::phase::reading:
        if (c->served - served_before >= budget && (!c->in.empty() || c->readable))
          return true; // more requests wait for the next round: others go first
        if (frame(l, c))
          continue; // a request was answered, handed on, or refused
        if (c->state != connection::phase::reading || !read_some(l, c))
          return false;
        continue;
      case connection::phase::lingering:
        c->in.clear();
        c->fed = 0;
        if (!read_some(l, c))
          return false;
        continue;
    }
  }
}

void finished(loop& l, connection* c) {
  c->in.erase(0, c->fed);
  c->fed = 0;
  c->framer.next();
  c->sent_continue = false;
  ++c->served;
  if (c->in.empty() && c->in.capacity() > keep_capacity)
    std::string{}.swap(c->in);
  else if (!c->in.empty())
    c->first_byte = clock::now(); // a pipelined request: its clock starts now
  c->state = connection::phase::writing;
  c->deadline = clock::now() + l.settings().write_timeout;
}

void refuse(loop& l, connection* c, int status, std::string_view detail, bool close) {
  l.note(c, c->framer.target(), status);
  c->out += canned(status, detail, close);
  if (close) {
    c->close_after = true;
    c->in.clear();
    c->fed = 0;
    c->state = connection::phase::writing;
    return;
  }
  finished(l, c);
}

} // namespace http
