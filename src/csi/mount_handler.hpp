// MountHandler: one Mount, from the driver's request fields to the complete
// file set and the object versions (PROVIDER-SPEC §2-§4): parse the
// attributes, secrets and permission; read the SecretProviderClass
// parameters and objects; get an access token (workload identity or service
// principal); fetch every object (and its version history) from Coffer;
// render files; check every path and file size. Any object failing fails
// the whole Mount. Identical concurrent fetches for one identity are made
// once. Thread-safe: many Mounts run at once on the gRPC threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "csi/coffer_client.hpp"
#include "csi/metrics.hpp"
#include "csi/parameters.hpp"
#include "csi/render.hpp"
#include "csi/single_flight.hpp"
#include "csi/token_source.hpp"

namespace coffer::csi {

inline constexpr std::string_view kTokenExchangeAudience = "api://AzureADTokenExchange";

struct MountSettings {
  ProviderDefaults defaults;
  std::string ca_file;  // CA for Coffer's TLS when the SPC has no caBundle; empty = system store
  bool separate_cert_and_key = false;
  std::size_t max_file_bytes = 1024 * 1024;
};

struct ObjectVersionEntry {
  std::string id;  // "secret/name" or "secret/name/<i>"
  std::string version;
};

struct MountOutput {
  std::vector<MountedFile> files;
  std::vector<ObjectVersionEntry> versions;
};

class MountHandler {
 public:
  MountHandler(MountSettings settings, CofferClient& client, TokenSource& tokens, Metrics& metrics)
      : settings_(std::move(settings)), client_(client), tokens_(tokens), metrics_(metrics) {}

  // `pod`, when not null, receives "<namespace>/<name>" of the pod (for logs) as
  // soon as the attributes parse, whether or not the Mount then succeeds.
  Result<MountOutput> mount(std::string_view attributes, std::string_view secrets, std::string_view permission,
                            std::string* pod = nullptr);

 private:
  struct Fetched {
    int status = 0;
    SecureString body;
  };
  struct Session;  // one Mount's vault, token and identity

  // One GET, shared with identical concurrent ones of the same identity.
  Result<Fetched> fetch_once(Session& session, const std::string& target);
  // fetch_once, then once more with a fresh token if the vault answered 401.
  Result<Fetched> get(Session& session, const std::string& target);
  Result<SecureString> get_ok(Session& session, const ObjectSpec& spec, const std::string& target);
  Result<std::vector<std::string>> history_versions(Session& session, const ObjectSpec& spec);
  Status add_object(Session& session, const ObjectSpec& spec, int default_mode, MountOutput& out);

  MountSettings settings_;
  CofferClient& client_;
  TokenSource& tokens_;
  Metrics& metrics_;
  SingleFlight<Result<Fetched>> fetches_;
};

}  // namespace coffer::csi
