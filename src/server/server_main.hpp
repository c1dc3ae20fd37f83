// run_server: the composition root of `coffer server`. Loads the root key,
// opens the store, wires the layers (vault, auth, audit, api) behind the
// HTTPS server, runs until SIGINT/SIGTERM and shuts down gracefully:
// in-flight requests finish, then the store drains its last commits.
// Returns the process exit code.
#pragma once

#include "server/server_config.hpp"

namespace coffer::server {

int run_server(ServerConfig config);

}  // namespace coffer::server
