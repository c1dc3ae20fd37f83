// run_provider(): the `coffer csi-provider` process. Checks the endpoint
// (unix://<dir>/<provider-name>.sock, name matching ^[a-zA-Z0-9_-]{0,30}$,
// path under 108 bytes), removes a stale socket (never another kind of
// file), binds under umask 077 so only root reaches the socket, serves the
// CSIDriverProvider gRPC service (and grpc.health.v1.Health) with explicit
// message limits, and serves
// /healthz (a Version call on its own socket within the timeout: 200 "ok",
// else 503) and /metrics over plain HTTP. Blocks until SIGTERM or SIGINT,
// then stops gracefully and removes the socket. Returns the exit code.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/status.hpp"
#include "csi/mount_handler.hpp"

namespace coffer::csi {

struct ProviderConfig {
  std::string endpoint;  // empty = unix:///var/run/secrets-store-csi-providers/<name>.sock
  std::string provider_name = "coffer";
  MountSettings mount;
  std::string http_address = "0.0.0.0";  // where /healthz and /metrics listen
  int healthz_port = 8989;               // 0 = off
  std::string healthz_path = "/healthz";
  std::chrono::milliseconds healthz_timeout{5000};
  int prometheus_port = 8898;  // 0 = off
  std::size_t max_response_bytes = 4 * 1024 * 1024;
};

// The socket path of `config` (checked), or kBadParameter saying why not.
Result<std::string> socket_path(const ProviderConfig& config);

int run_provider(const ProviderConfig& config);

}  // namespace coffer::csi
