// What the CSI driver hands the provider: the mount attributes (JSON, with a
// SecretProviderClass's parameters), the objects YAML inside them, the
// secrets and permission JSON, and the vault's answers the provider parses.
// Input: a selector byte, then the text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "csi/mount_errors.hpp"
#include "csi/mount_request.hpp"
#include "csi/object_specs.hpp"
#include "csi/parameters.hpp"
#include "csi/vault_objects.hpp"

namespace {

// The provider answers every failure with a Mount error code.
template <typename R>
void check(const R& result) {
  if (!result.ok() && coffer::csi::errors::code_of(result.status()).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace coffer::csi;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: check(parse_objects(text)); break;
    case 1: check(parse_secrets(text)); break;
    case 2: check(parse_permission(text)); break;
    case 3: {
      auto attributes = parse_attributes(text);
      check(attributes);
      if (attributes.ok()) check(parse_parameters(*attributes, ProviderDefaults{"vault.example:8443", ""}));
      break;
    }
    case 4: check(parse_vault_object(ObjectType::kSecret, text)); break;
    case 5: check(parse_vault_object(ObjectType::kCert, text)); break;
    case 6: check(parse_version_page(ObjectType::kKey, text)); break;
  }
  return 0;
}
