// baseline_server: the bare cpp-httplib limit for scripts/bench, configured as
// a server should be and carrying none of model_server's settings: TCP_NODELAY,
// unlimited keep-alive (no per-connection request cap, 1 h idle timeout), a
// thread per connection (--threads, default 1100), backlog 1024. One route per
// method answers a fixed JSON body: no parsing, no actors, no store. With
// --tls-cert and --tls-key it is cpp-httplib's SSLServer (OpenSSL, a thread
// per connection doing its own blocking handshake) for scripts/bench-tls.
//   baseline_server --port=N [--threads=N] [--tls-cert=PEM --tls-key=PEM]
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <memory>
#include <string>

#include <httplib.h>

int main(int argc, char** argv) {
  int port = 0;
  std::size_t threads = 1100;
  std::string cert, key;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--port=", 7) == 0)
      port = std::atoi(argv[i] + 7);
    else if (std::strncmp(argv[i], "--threads=", 10) == 0)
      threads = static_cast<std::size_t>(std::atol(argv[i] + 10));
    else if (std::strncmp(argv[i], "--tls-cert=", 11) == 0)
      cert = argv[i] + 11;
    else if (std::strncmp(argv[i], "--tls-key=", 10) == 0)
      key = argv[i] + 10;
  }
  std::unique_ptr<httplib::Server> server;
  if (cert.empty())
    server = std::make_unique<httplib::Server>();
  else
    server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
  if (!server->is_valid()) {
    std::cerr << "baseline_server: cannot load " << cert << " and " << key << '\n';
    return 1;
  }
  auto& srv = *server;
  srv.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv.set_tcp_nodelay(true);
  srv.set_keep_alive_max_count(std::numeric_limits<std::size_t>::max());
  srv.set_keep_alive_timeout(3600);
  auto fd = std::make_shared<int>(-1);
  srv.set_socket_options([fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *fd = sock;
  });
  auto fixed = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"anomaly":false,"model_version":"1"})", "application/json");
  };
  srv.Post(R"(/predict/([^/]*))", fixed);
  srv.Post(R"(/fit/([^/]*))", fixed);
  srv.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"live"})", "application/json");
  });
  port = port == 0 ? srv.bind_to_any_port("127.0.0.1")
                   : (srv.bind_to_port("127.0.0.1", port) ? port : -1);
  if (port < 0 || *fd < 0) {
    std::cerr << "baseline_server: cannot listen on port " << port << '\n';
    return 1;
  }
  ::listen(*fd, 1024); // httplib hard-codes a backlog of 5
  std::cerr << "baseline_server: listening on " << port << " with " << threads << " threads\n";
  srv.listen_after_bind();
}
