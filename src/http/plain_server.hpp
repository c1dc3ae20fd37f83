// PlainHttpServer: a minimal plain-HTTP/1.1 server for operational
// endpoints that kubelet and Prometheus reach without TLS (the CSI
// provider's /healthz and /metrics). One thread; each connection carries
// one request (read with a 10 s deadline, 8 KiB header limit, no body),
// then closes. Handlers run on that thread and must not throw. Not for
// anything that carries secrets.
#pragma once

#include <memory>
#include <string>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::http {

class PlainHttpServer {
 public:
  // Binds `listen` ("host:port", see listen_address.hpp; port 0 = any) at
  // once; kBadParameter / kUnavailable when it cannot.
  static Result<std::unique_ptr<PlainHttpServer>> start(const std::string& listen, Handler handler);
  ~PlainHttpServer();  // stops and joins

  int port() const;

 private:
  struct Impl;
  explicit PlainHttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::http
