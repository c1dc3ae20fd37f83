// TLS material for dev mode: a local CA (self-signed, basicConstraints
// CA:true, keyCertSign) and a server certificate it signs, with the SANs
// the clients need (DNS localhost, *.vault.localhost, IP 127.0.0.1 and ::1,
// plus any extra DNS names given). EC P-256 keys, SHA-256 signatures, PEM files.
#pragma once

#include "crypto/digest.hpp"  // sha256(), which callers of this header use

#include <string>
#include <vector>

#include "common/status.hpp"

namespace coffer::crypto {

struct DevTlsPaths {
  std::string ca_cert;      // ca.crt
  std::string ca_key;       // ca.key (0600)
  std::string server_cert;  // server.crt (leaf then CA)
  std::string server_key;   // server.key (0600)
};

// Creates any of the four files that are missing (all four if the CA is
// new). Existing files are kept, so a restart reuses them.
Status ensure_dev_tls(const DevTlsPaths& paths, const std::vector<std::string>& extra_dns_names);

}  // namespace coffer::crypto
