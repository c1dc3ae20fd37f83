#include "server/initial_admin.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace coffer::server {

Result<std::optional<auth::Principal>> ensure_initial_admin(const ServerConfig& config,
                                                            auth::ServicePrincipalRegistry& principals,
                                                            const std::string& tenant_id) {
  // One transaction decides: of several replicas starting on an empty shared
  // store, exactly one makes the initial administrator.
  COFFER_ASSIGN_OR_RETURN(auto first, principals.create_first("coffer-admin"));
  if (!first) return std::optional<auth::Principal>();
  auth::NewCredential& created = *first;
  const std::string path = (std::filesystem::path(config.data_dir) / "initial-admin.json").string();
  SecureString content(boost::json::serialize(boost::json::object{{"tenantId", tenant_id},
                                                                  {"clientId", created.principal.app_id},
                                                                  {"objectId", created.principal.object_id},
                                                                  {"clientSecret", created.client_secret.view()}}) +
                       "\n");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kUnavailable, "cannot create " + path + " for the initial administrator");
  const bool ok = ::write(fd, content.data(), content.size()) == ssize_t(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kUnavailable, "cannot write " + path);
  spdlog::warn(
      "created the initial administrator (client id {}); its secret is in {} — store it safely and "
      "delete the file",
      created.principal.app_id, path);
  return std::optional<auth::Principal>(created.principal);
}

}  // namespace coffer::server
