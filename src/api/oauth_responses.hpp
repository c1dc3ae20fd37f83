// The answers of the OAuth 2.0 endpoints, in Azure AD's shape, shared by the
// client-credentials grant (identity_routes.cpp) and the grants of people
// (user_token_grants.cpp): errors as {"error", "error_description",
// "error_codes"} (the AADSTS number, which some clients branch on), 429 with
// Retry-After, and the resource a token is asked for.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "common/status.hpp"
#include "http/message.hpp"

namespace coffer::api {

http::Response oauth_error(int status, const std::string& error, const std::string& description);
// 429 "temporarily_unavailable" (AADSTS90055) with Retry-After, for kThrottled.
http::Response oauth_throttled(const Status& st);

// The resource a token request names: the scope ending in "/.default"
// (MSAL adds openid, profile and offline_access beside it), or the v1
// `resource`. `fallback` answers a scope with no resource (a person's
// sign-in that asks only for openid). Errors are ready-made responses.
struct RequestedResource {
  std::string resource;  // without "/.default"
  std::string scope;     // as the answer names it
};
std::variant<RequestedResource, http::Response> requested_resource(const std::map<std::string, std::string>& form,
                                                                   bool v1, std::string_view fallback = {});

}  // namespace coffer::api
