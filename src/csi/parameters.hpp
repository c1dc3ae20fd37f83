// The SecretProviderClass parameters of a Mount (PROVIDER-SPEC §4.1), read
// exactly as Azure's provider reads them, resolved into where to fetch from
// and how to authenticate:
// - vault URL: Coffer's `vaultUrl` when set, else https://<keyvaultName>.<DNS
//   suffix>, the suffix from `cloudEnvFileName`'s keyVaultDNSSuffix, else
//   from the provider's --vault-dns-suffix;
// - token authority: cloudEnvFileName's activeDirectoryEndpoint, else the
//   provider's --authority-host;
// - identity: `clientID` set → workload identity, else a service principal
//   from the mount's secrets; pod identity, VM identity and the token proxy
//   are refused (UnsupportedAuthMode).
// The cloud environment file is read on every call (no process state).
// Failures: kBadParameter with reason InvalidParameters / UnsupportedAuthMode.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"
#include "csi/mount_request.hpp"

namespace coffer::csi {

// Go's strconv.ParseBool, with "" meaning false as Azure reads it.
Result<bool> parse_go_bool(std::string_view text, std::string_view parameter);

// Provider-wide settings (command-line flags).
struct ProviderDefaults {
  std::string vault_dns_suffix;  // "vault.coffer.example:8443"; may be empty
  std::string authority_host;    // "https://coffer.coffer.svc:8443"; may be empty
};

struct MountParameters {
  std::string vault_url;  // "https://name.suffix[:port]", no trailing slash
  std::string authority;  // no trailing slash
  std::string tenant_id;
  std::string client_id;  // non-empty → workload identity
  std::string ca_bundle;  // PEM text from `caBundle`; empty = the provider's CA file
  std::string objects;    // the `objects` YAML text
};

Result<MountParameters> parse_parameters(const Attributes& attributes, const ProviderDefaults& defaults);

}  // namespace coffer::csi
