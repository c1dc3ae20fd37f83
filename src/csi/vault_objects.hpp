// What the provider reads from AKV-shaped JSON bodies (Coffer's data plane):
// one object version (a secret bundle, a key bundle or a certificate
// bundle) and a page of an object's versions. The version of an object is
// the last path segment of its `id` (`key.kid` for keys). Secret values are
// moved into SecureStrings. Also Coffer's change feed page and batch read
// answer. Failures: kInternal with reason VaultUnavailable for bodies that
// are not what the server sends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/key_material.hpp"
#include "csi/object_specs.hpp"

namespace coffer::csi {

struct VaultObject {
  std::string version;
  // secret
  SecureString value;
  std::string content_type;
  bool certificate_backed = false;  // the secret carries a `kid`
  // key: public members only
  crypto::Jwk public_key;
  // cert: the DER certificate
  std::string certificate_der;
};

// `body` holds secret values; the caller wipes it.
Result<VaultObject> parse_vault_object(ObjectType type, std::string_view body);

struct VersionItem {
  std::string version;
  bool enabled = true;
  int64_t created = 0;  // unix seconds; 0 when absent
};
struct VersionPage {
  std::vector<VersionItem> items;
  std::string next_link;  // empty on the last page
};
Result<VersionPage> parse_version_page(ObjectType type, std::string_view body);

// A page of Coffer's change feed (GET /coffer/changes): `names` of the
// objects of the asked type that changed (lower case), whether access
// changed, and whether the cursor had to be reset.
struct FeedPage {
  std::string cursor;
  bool reset = false;
  bool more = false;
  bool access_changed = false;
  std::vector<std::string> names;
};
Result<FeedPage> parse_feed_page(std::string_view body);

// The answer of POST /coffer/batchget: one (status, body) per object asked
// for, in order; bodies hold secret values.
struct BatchResult {
  int status = 0;
  SecureString body;  // the object's JSON (or its AKV error)
};
Result<std::vector<BatchResult>> parse_batch_results(std::string_view body, std::size_t expected);

}  // namespace coffer::csi
