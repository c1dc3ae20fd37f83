#include "auth/authorizer.hpp"

namespace coffer::auth {

Status Authorizer::authorize(const Principal& principal, std::string_view action, std::string_view scope) const {
  if (principal.tenant_id == tenant_id_) return Status::Ok();
  return Status(Code::kForbidden,
                "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny "
                "assignments or role definitions were changed recently, please observe propagation time.\r\n"
                "Caller: appid=" + principal.app_id + ";oid=" + principal.object_id + "\r\nAction: '" +
                    std::string(action) + "'\r\nResource: '" + std::string(scope) + "'",
                "ForbiddenByRbac");
}

}  // namespace coffer::auth
