// Authorizer: the one decision point for "may this principal perform this
// action on this scope". Every data-plane and admin request calls it with
// an AKV data action (e.g. "Microsoft.KeyVault/vaults/secrets/getSecret/action")
// and a scope ("/vaults/<vault>/secrets/<name>"). The current policy is
// "any principal of the server's tenant may do anything"; role-based access
// control replaces the policy behind this same call.
#pragma once

#include <string>
#include <string_view>

#include "auth/principal.hpp"
#include "common/status.hpp"

namespace coffer::auth {

class Authorizer {
 public:
  explicit Authorizer(std::string tenant_id) : tenant_id_(std::move(tenant_id)) {}
  // OK, or kForbidden naming the action that was refused.
  Status authorize(const Principal& principal, std::string_view action, std::string_view scope) const;

 private:
  std::string tenant_id_;
};

}  // namespace coffer::auth
