// baseline_server: the bare cpp-httplib limit for scripts/bench. Same listener
// settings as model_server (threads, TCP_NODELAY, keep-alive, backlog), one
// POST route answering a fixed JSON body: no parsing, no actors, no store.
#include <iostream>

#include "http/config.hpp"
#include "http/listener.hpp"

int main(int argc, char** argv) {
  http::app_config cfg;
  auto problems = http::load_config(cfg, argc, argv);
  for (const auto& p : problems)
    std::cerr << "baseline_server: " << p << '\n';
  if (!problems.empty())
    return 2;
  httplib::Server srv;
  auto settings = http::listener_of(cfg.values);
  static http::http_metrics metrics; // same accounting as model_server, for a fair baseline
  http::configure(srv, settings, [](std::string_view line) { std::cerr << line << '\n'; },
                  metrics);
  auto fixed = [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"anomaly":false,"model_version":"1"})", "application/json");
  };
  srv.Post(R"(/predict/([\s\S]*))", fixed);
  srv.Post(R"(/fit/([\s\S]*))", fixed);
  int port = http::bind_listener(srv, settings);
  if (port < 0) {
    std::cerr << "baseline_server: cannot listen on port " << cfg.values.port << '\n';
    return 1;
  }
  std::cerr << "baseline_server: listening on " << port << '\n';
  srv.listen_after_bind();
}
