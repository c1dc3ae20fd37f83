// Principal: who is calling, as established by a verified access token.
// An application (service principal) has no user name; a person signed in
// through a client application has one, and app_id names that client.
#pragma once

#include <string>

namespace coffer::auth {

struct Principal {
  std::string tenant_id;  // tid
  std::string object_id;  // oid
  std::string app_id;     // appid (the client id)
  std::string display_name;
  std::string user_name;  // upn of a person; empty for an application
};

}  // namespace coffer::auth
