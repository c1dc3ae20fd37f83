// The `objects` parameter (PROVIDER-SPEC §4.2): a YAML mapping whose `array`
// holds YAML strings, each a mapping describing one vault object. Keys are
// case-sensitive, unknown keys are ignored, values are whitespace-trimmed.
// Failures: kBadParameter with reason InvalidObjects, naming the entry.
// Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace coffer::csi {

enum class ObjectType { kSecret, kKey, kCert };
enum class ObjectEncoding { kUtf8, kBase64, kHex };

// Version-history requests above this are refused (each version is one file).
inline constexpr int kMaxVersionHistory = 100;
inline constexpr std::size_t kMaxObjects = 1000;

struct ObjectSpec {
  std::string name;
  ObjectType type = ObjectType::kSecret;
  std::string alias;        // empty = name
  std::string version;      // empty = latest
  int version_history = 0;  // > 1: that many newest versions as alias/<i>
  bool pfx = false;         // objectFormat pfx (secrets only)
  ObjectEncoding encoding = ObjectEncoding::kUtf8;
  std::optional<int> mode;  // filePermission, 0..0777

  const std::string& file_name() const { return alias.empty() ? name : alias; }
};

// "secret", "key" or "cert".
std::string_view type_name(ObjectType type);
// "secrets", "keys" or "certificates": the AKV collection.
std::string_view collection_of(ObjectType type);

Result<std::vector<ObjectSpec>> parse_objects(std::string_view yaml);

}  // namespace coffer::csi
