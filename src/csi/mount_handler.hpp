// MountHandler: one Mount, from the driver's request fields to the complete
// file set and the object versions (PROVIDER-SPEC §2-§4): parse the
// attributes, secrets and permission; read the SecretProviderClass
// parameters and objects; get an access token (workload identity or service
// principal); fetch the objects from Coffer — those read at one version from
// a cache kept valid by Coffer's change feed (an object the feed reports
// changed, or any access change, is read again) and the rest in batch reads
// of up to 100, version histories GET by GET; render files; check every path
// and file size. Any object failing fails
// the whole Mount. Identical concurrent fetches for one identity are made
// once. Thread-safe: many Mounts run at once on the gRPC threads.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "csi/coffer_client.hpp"
#include "csi/metrics.hpp"
#include "csi/object_cache.hpp"
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

  // One request (a GET, or the POST of a batch read), shared with identical
  // concurrent ones of the same identity.
  Result<Fetched> fetch_once(Session& session, const std::string& method, const std::string& target,
                             const std::string& body);
  // fetch_once, then once more with a fresh token if the vault answered 401.
  Result<Fetched> fetch(Session& session, const std::string& method, const std::string& target,
                        const std::string& body = {});
  Result<SecureString> get_ok(Session& session, const ObjectSpec& spec, const std::string& target);
  Result<std::vector<std::string>> history_versions(Session& session, const ObjectSpec& spec);
  // The answers for `specs` (objects read at one version), in order: from the
  // cache for what the change feed says is unchanged, the rest by batch reads.
  Status read_current(Session& session, const std::vector<const ObjectSpec*>& specs,
                      std::vector<SecureString>& answers);
  // One batch read of specs[which[…]] into answers (GET by GET if the server has no batch reads).
  Status read_batch(Session& session, const std::vector<const ObjectSpec*>& specs, std::span<const std::size_t> which,
                    std::vector<SecureString>& answers);
  // The files and version of one object's answer.
  Status add_answer(const ObjectSpec& spec, std::string_view body, const std::string& path,
                    const std::string& object_id, int default_mode, MountOutput& out) const;
  // Every version of a version history, GET by GET.
  Status add_history(Session& session, const ObjectSpec& spec, int default_mode, MountOutput& out);

  MountSettings settings_;
  CofferClient& client_;
  TokenSource& tokens_;
  Metrics& metrics_;
  SingleFlight<Result<Fetched>> fetches_;
  ObjectCache cache_;
};

}  // namespace coffer::csi
