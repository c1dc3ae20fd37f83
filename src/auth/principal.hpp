// Principal: who is calling, as established by a verified access token.
#pragma once

#include <string>

namespace coffer::auth {

struct Principal {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string app_id;     // appid (the client id)
  std::string display_name;
};

}  // namespace coffer::auth
