// The three JSON texts a MountRequest carries (PROVIDER-SPEC §2.3), parsed:
// - attributes: a JSON object of strings (SPC parameters + volume context);
// - secrets: the nodePublishSecretRef data, a JSON object of strings, `null`
//   or `{}`; values are secrets (clientsecret), so they are SecureStrings;
// - permission: a JSON number, the default file mode (420 = 0644).
// The pod's service-account tokens are JSON inside one attribute (or, with
// driver 1.6's serviceAccountTokenInSecrets, inside `secrets`).
// Failures: kBadParameter with reason InvalidRequest. Pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::csi {

using Attributes = std::map<std::string, std::string>;
using SecretValues = std::map<std::string, SecureString>;

inline constexpr std::string_view kTokensAttribute = "csi.storage.k8s.io/serviceAccount.tokens";

// Requests larger than this are refused before parsing (the driver's
// attributes are a few KiB; the gRPC receive limit is larger).
inline constexpr std::size_t kMaxRequestFieldBytes = 1024 * 1024;

Result<Attributes> parse_attributes(std::string_view json);
Result<SecretValues> parse_secrets(std::string_view json);
// 0..511; an empty text means the driver's default 0644.
Result<int> parse_permission(std::string_view json);

// The value of `key` in `secrets`, matched case-insensitively (Azure reads
// clientid/clientsecret so); nullptr when absent.
const SecureString* find_secret(const SecretValues& secrets, std::string_view key);

// The pod's token for `audience` from the tokens attribute (then from the
// secrets), nullopt when neither carries one; InvalidRequest when the JSON
// is malformed.
Result<std::optional<SecureString>> service_account_token(const Attributes& attributes, const SecretValues& secrets,
                                                          std::string_view audience);

}  // namespace coffer::csi
