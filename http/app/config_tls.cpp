// The TLS options of the configuration: validation of the files of [tls]
// and of the cluster's mutual TLS, and CAF's OpenSSL module for the latter.
// Used once, by load_config, before anything starts.
#include <caf/openssl/manager.hpp>

#include "http/app/config.hpp"
#include "http/server/tls.hpp"

namespace http {

namespace {

/// The problems of one set of files: the certificate and key together (and
/// the CA with them when `ca_required`), each readable, the key matching.
void check_files(const tls_files& f, bool ca_required, std::vector<std::string>& problems) {
  const std::string* paths[] = {&f.cert_file, &f.key_file, &f.client_ca_file};
  int given = -1;
  for (int i = 2; i >= 0; --i)
    if (!paths[i]->empty())
      given = i;
  if (given < 0)
    return; // off
  std::size_t before = problems.size();
  for (int i = 0; i < 3; ++i)
    if (paths[i]->empty() && (i < 2 || ca_required))
      problems.push_back("option " + std::string{f.options[i]} + " is required with "
                         + f.options[given]);
  if (problems.size() != before)
    return;
  if (auto ctx = tls_context::open(f); !ctx)
    problems.push_back(ctx.detail());
}

} // namespace

std::vector<std::string> check_tls(const server_config& v) {
  std::vector<std::string> problems;
  check_files({v.tls_cert_file, v.tls_key_file, v.tls_client_ca_file}, false, problems);
  if (v.tls_handshake_timeout_ms < 100 || v.tls_handshake_timeout_ms > 600000)
    problems.push_back("option tls.handshake-timeout-ms must be between 100 and 600000 (got "
                       + std::to_string(v.tls_handshake_timeout_ms) + ")");
  tls_files cluster{v.cluster_cert_file, v.cluster_key_file, v.cluster_ca_file};
  cluster.options[0] = "cluster.cert-file";
  cluster.options[1] = "cluster.key-file";
  cluster.options[2] = "cluster.ca-file";
  check_files(cluster, true, problems);
  if (!v.cluster_cert_file.empty() && !clustered(v))
    problems.push_back("option cluster.cert-file is set but this node runs no cluster (cluster.nodes "
                       "is empty and store.backend is not postgres)");
  return problems;
}

void enable_cluster_tls(app_config& cfg) {
  const auto& v = cfg.values;
  if (v.cluster_cert_file.empty())
    return;
  // CAF reads these files at every node-to-node connection, and verifies the
  // peer's chain against the CA file on both sides (no name check).
  cfg.openssl_certificate = v.cluster_cert_file;
  cfg.openssl_key = v.cluster_key_file;
  cfg.openssl_cafile = v.cluster_ca_file;
  cfg.load<caf::openssl::manager>();
}

} // namespace http
