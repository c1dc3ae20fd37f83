#include "csi/mount_errors.hpp"

namespace coffer::csi::errors {

std::string code_of(const Status& status) {
  if (!status.reason().empty()) return status.reason();
  switch (status.code()) {
    case Code::kOk: return {};
    case Code::kBadParameter: return std::string(kInvalidParameters);
    case Code::kUnauthorized: return std::string(kAuthenticationFailed);
    case Code::kForbidden: return std::string(kForbidden);
    case Code::kNotFound:
    case Code::kVaultNotFound:
    case Code::kSecretNotFound:
    case Code::kKeyNotFound:
    case Code::kCertificateNotFound: return std::string(kObjectNotFound);
    case Code::kPayloadTooLarge: return std::string(kResponseTooLarge);
    case Code::kUnavailable:
    case Code::kThrottled: return std::string(kVaultUnavailable);
    case Code::kConflict:
    case Code::kMethodNotAllowed:
    case Code::kInternal: break;
  }
  return std::string(kInternal);
}

}  // namespace coffer::csi::errors
