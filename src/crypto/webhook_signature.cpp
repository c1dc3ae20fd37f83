#include "crypto/webhook_signature.hpp"

#include "common/base64.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

constexpr std::string_view kPrefix = "whsec_";

}  // namespace

SecureString new_webhook_secret() {
  const SecureString key = random_bytes(32);
  return SecureString(std::string(kPrefix) + base64_encode(key.view()));
}

Result<std::string> webhook_signature(std::string_view secret, std::string_view id, int64_t timestamp,
                                      std::string_view body) {
  if (!secret.starts_with(kPrefix)) return Status(Code::kInternal, "a webhook signing secret lacks its whsec_ prefix");
  auto key = base64_decode(secret.substr(kPrefix.size()));
  if (!key || key->empty()) return Status(Code::kInternal, "a webhook signing secret is not base64");
  const SecureString wiped(std::move(*key));
  std::string signed_content;
  signed_content.reserve(id.size() + body.size() + 24);
  signed_content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + base64_encode(hmac_sha256(wiped.view(), signed_content));
}

}  // namespace coffer::crypto
