#include "csi/object_specs.hpp"

#include <optional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/ascii.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

constexpr std::size_t kMaxObjectsYamlBytes = 256 * 1024;

Status invalid_objects(std::string message) { return errors::fail(errors::kInvalidObjects, std::move(message)); }

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Every object-name rule AKV applies: 1-127 letters, digits and hyphens.
bool valid_object_name(std::string_view name) {
  if (name.empty() || name.size() > 127) return false;
  for (char c : name) {
    const bool ok = ascii_alnum(c) || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_version(std::string_view v) {
  if (v.size() > 64) return false;
  for (char c : v) {
    const bool ok = ascii_alnum(c) || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The whole text as a number in `base`, or nullopt (empty, trailing junk, sign, overflow).
std::optional<long> whole_number(const std::string& text, int base) {
  if (text.empty() || text.front() == '-' || text.front() == '+') return std::nullopt;
  std::size_t used = 0;
  try {
    const long n = std::stol(text, &used, base);
    return used == text.size() ? std::optional<long>(n) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Result<ObjectSpec> parse_entry(const std::string& text, std::size_t index) {
  const std::string where = "objects entry " + std::to_string(index);
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return invalid_objects(where + " is not valid YAML: " + e.msg);
  }
  if (!node.IsMap()) return invalid_objects(where + " is not a YAML mapping.");
  std::map<std::string, std::string> fields;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) continue;
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      return invalid_objects(where + ": '" + kv.first.Scalar() + "' must be a string.");
    }
    fields[kv.first.Scalar()] = kv.second.IsNull() ? std::string() : trim(kv.second.Scalar());
  }
  auto field = [&](const char* key) {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };

  ObjectSpec spec;
  spec.name = field("objectName");
  if (spec.name.empty()) return invalid_objects(where + ": objectName is required.");
  if (!valid_object_name(spec.name)) {
    return invalid_objects(where + ": objectName '" + spec.name.substr(0, 130) +
                           "' must be 1-127 letters, digits and hyphens.");
  }
  const std::string what = where + " (" + spec.name + ")";
  const std::string type = field("objectType");
  if (type == "secret") {
    spec.type = ObjectType::kSecret;
  } else if (type == "key") {
    spec.type = ObjectType::kKey;
  } else if (type == "cert") {
    spec.type = ObjectType::kCert;
  } else {
    return invalid_objects(what + ": objectType must be secret, key or cert, not '" + type.substr(0, 32) + "'.");
  }
  spec.alias = field("objectAlias");
  if (!spec.alias.empty() && (spec.alias.front() == '/' || spec.alias.find("..") != std::string::npos)) {
    return invalid_objects(what + ": objectAlias must be a relative path without '..'.");
  }
  spec.version = field("objectVersion");
  if (!valid_version(spec.version)) return invalid_objects(what + ": objectVersion is not a version id.");

  if (const std::string history = field("objectVersionHistory"); !history.empty()) {
    const auto n = whole_number(history, 10);
    if (!n) {
      return invalid_objects(what + ": objectVersionHistory must be a whole number, not '" + history.substr(0, 32) +
                             "'.");
    }
    if (*n > kMaxVersionHistory) {
      return invalid_objects(what + ": objectVersionHistory is at most " + std::to_string(kMaxVersionHistory) + ".");
    }
    spec.version_history = static_cast<int>(*n);
  }

  if (const std::string format = field("objectFormat"); !format.empty()) {
    if (iequals_ascii(format, "pfx")) {
      spec.pfx = true;
    } else if (!iequals_ascii(format, "pem")) {
      return invalid_objects(what + ": objectFormat must be pem or pfx, not '" + format.substr(0, 32) + "'.");
    }
    if (spec.pfx && spec.type != ObjectType::kSecret) {
      return invalid_objects(what + ": objectFormat pfx is only for objectType secret.");
    }
  }
  if (const std::string encoding = field("objectEncoding"); !encoding.empty()) {
    if (iequals_ascii(encoding, "utf-8")) {
      spec.encoding = ObjectEncoding::kUtf8;
    } else if (iequals_ascii(encoding, "base64")) {
      spec.encoding = ObjectEncoding::kBase64;
    } else if (iequals_ascii(encoding, "hex")) {
      spec.encoding = ObjectEncoding::kHex;
    } else {
      return invalid_objects(what + ": objectEncoding must be utf-8, base64 or hex, not '" + encoding.substr(0, 32) +
                             "'.");
    }
    if (spec.encoding != ObjectEncoding::kUtf8 && spec.type != ObjectType::kSecret) {
      return invalid_objects(what + ": objectEncoding is only for objectType secret.");
    }
  }
  if (const std::string perm = field("filePermission"); !perm.empty()) {
    const auto mode = whole_number(perm, 8);
    if (!mode || *mode > 0777) {
      return invalid_objects(what + ": filePermission must be an octal mode such as 0644, not '" + perm.substr(0, 32) +
                             "'.");
    }
    spec.mode = static_cast<int>(*mode);
  }
  return spec;
}

}  // namespace

std::string_view type_name(ObjectType type) {
  switch (type) {
    case ObjectType::kSecret: return "secret";
    case ObjectType::kKey: return "key";
    case ObjectType::kCert: return "cert";
  }
  return "secret";
}

std::string_view collection_of(ObjectType type) {
  switch (type) {
    case ObjectType::kSecret: return "secrets";
    case ObjectType::kKey: return "keys";
    case ObjectType::kCert: return "certificates";
  }
  return "secrets";
}

Result<std::vector<ObjectSpec>> parse_objects(std::string_view yaml) {
  if (yaml.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return invalid_objects("The objects parameter is required.");
  }
  if (yaml.size() > kMaxObjectsYamlBytes) return invalid_objects("The objects parameter is larger than 256 KiB.");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return invalid_objects("The objects parameter is not valid YAML: " + e.msg);
  }
  if (!root.IsMap() || !root["array"])
    return invalid_objects("The objects parameter must be a mapping with an 'array' list.");
  const YAML::Node array = root["array"];
  if (array.IsNull()) return invalid_objects("The objects parameter lists no object.");
  if (!array.IsSequence()) return invalid_objects("The objects 'array' must be a list of YAML strings.");
  if (array.size() == 0) return invalid_objects("The objects parameter lists no object.");
  if (array.size() > kMaxObjects) return invalid_objects("The objects parameter lists more than 1000 objects.");
  std::vector<ObjectSpec> out;
  std::set<std::string> files;
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].IsScalar())
      return invalid_objects("objects entry " + std::to_string(i) + " must be a YAML string (use '- |').");
    COFFER_ASSIGN_OR_RETURN(ObjectSpec spec, parse_entry(array[i].Scalar(), i));
    if (!files.insert(spec.file_name()).second) {
      return invalid_objects("Two objects would be written to the same file '" + spec.file_name() +
                             "': give one an objectAlias.");
    }
    out.push_back(std::move(spec));
  }
  return out;
}

}  // namespace coffer::csi
