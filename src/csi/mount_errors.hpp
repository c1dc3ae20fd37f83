// Why a Mount failed, as the provider reports it: a Status whose reason is
// one of the codes below. The code travels in MountResponse.error.code (the
// driver's failure reason and metric label); the message goes only to the
// provider's log, so it never carries a secret value or token.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/status.hpp"

namespace coffer::csi::errors {

inline constexpr std::string_view kInvalidRequest =
    "InvalidRequest";  // attributes/secrets/permission not as the driver sends them
inline constexpr std::string_view kInvalidParameters = "InvalidParameters";  // a SecretProviderClass parameter is wrong
inline constexpr std::string_view kInvalidObjects =
    "InvalidObjects";  // the `objects` YAML or one of its entries is wrong
inline constexpr std::string_view kUnsupportedAuthMode =
    "UnsupportedAuthMode";  // pod identity, VM identity, token proxy
inline constexpr std::string_view kMissingCredentials =
    "MissingCredentials";  // no clientid/clientsecret, no token for the audience
inline constexpr std::string_view kAuthenticationFailed = "AuthenticationFailed";
inline constexpr std::string_view kForbidden = "Forbidden";
inline constexpr std::string_view kObjectNotFound = "ObjectNotFound";
inline constexpr std::string_view kUnsupportedObject = "UnsupportedObject";  // oct key, unknown content type, …
inline constexpr std::string_view kInvalidPath = "InvalidPath";
inline constexpr std::string_view kFileTooLarge = "FileTooLarge";
inline constexpr std::string_view kResponseTooLarge = "ResponseTooLarge";
inline constexpr std::string_view kVaultUnavailable = "VaultUnavailable";
inline constexpr std::string_view kInternal = "Internal";

// A failed Status tagged with `code`.
inline Status fail(std::string_view code, std::string message, Code status_code = Code::kBadParameter) {
  return Status(status_code, std::move(message), std::string(code));
}

// The code for a failed Status: its reason when set (only csi/ sets reasons
// on what reaches the provider), else one derived from its Code (e.g.
// kUnavailable → VaultUnavailable).
std::string code_of(const Status& status);

}  // namespace coffer::csi::errors
