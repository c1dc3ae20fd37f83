// The one table of operations → actions: every data-plane and admin
// operation (by its audit operationName) maps to exactly one action that the
// Authorizer checks. Routes in api/ must use these strings (a unit test
// checks that they do); new operations extend this table.
#pragma once

#include <span>
#include <string_view>

namespace coffer::auth {

enum class ScopeKind {
  kRoot,     // "/"
  kVault,    // "/vaults/{v}"
  kObject,   // "/vaults/{v}/secrets/{n}"
  kRequest,  // the scope named in the request (role management)
};

struct OperationAction {
  std::string_view operation;  // audit operationName, e.g. "SecretGet"
  std::string_view action;
  ScopeKind scope;
  // The access-policy permission it takes in a vault that does not use RBAC
  // ("secrets/get"; AKV's "requires the secrets/get permission"); empty:
  // no access policy grants it.
  std::string_view access_policy_permission = {};
};

std::span<const OperationAction> operation_actions();
// The action of `operation`; empty when the operation is unknown.
std::string_view action_of(std::string_view operation);
// Its access-policy permission; empty when none grants it.
std::string_view access_policy_permission_of(std::string_view operation);

}  // namespace coffer::auth
