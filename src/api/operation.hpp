// Operation: what a matched route will do, described before it is done so
// the pipeline can authorize it (action × scope) and audit it by name.
#pragma once

#include <functional>
#include <string>

#include "api/target.hpp"
#include "http/message.hpp"
#include "vault/types.hpp"

namespace coffer::api {

struct Operation {
  std::string name;       // AKV audit operationName, e.g. "SecretGet"
  std::string action;     // data action checked by the Authorizer
  std::string scope;      // "/vaults/<v>", "/vaults/<v>/secrets/<n>", "/" …
  std::string object_id;  // URL of the object acted on, for the audit record
  std::function<http::Response()> run;
  // A POST that only reads and computes (key sign/verify/encrypt/decrypt/
  // wrap/unwrap, random bytes): it runs inline like a GET (runs_inline()).
  bool computes_only = false;
  // A GET that changes stored state (the sign-in pages issue codes and end
  // sessions): it runs on a worker like a write.
  bool writes = false;
};

// Whether `op` runs on the connection's I/O thread: GET, HEAD and the
// computes_only POSTs, which never wait on a durable commit or a password
// hash. Every other operation may change stored state: it runs on a worker,
// is recorded in the audit log before it runs and, with an
// x-ms-client-request-id, is keyed for idempotency.
inline bool runs_inline(const Operation& op, const http::Request& request) {
  if (op.writes) return false;
  return op.computes_only || request.method == "GET" || request.method == "HEAD";
}

// A data-plane request addressed to one vault.
struct VaultRequest {
  const http::Request& http;
  const ParsedTarget& target;
  const vault::VaultInfo& vault;
  std::string base;  // "https://<host as sent>" — the prefix of every id
  // The request's identity for idempotent writes: hex SHA-256 of the
  // caller's object id, its x-ms-client-request-id (which the Azure SDKs keep
  // across retries of one operation) and the method and path; set after
  // routing, for operations that do not run inline; empty when the request
  // carries no client request id. (Operations read it when they run.)
  std::string idempotency_key;
};

}  // namespace coffer::api
