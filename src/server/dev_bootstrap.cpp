#include "server/dev_bootstrap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "crypto/root_key.hpp"
#include "crypto/tls_material.hpp"

namespace coffer::server {
namespace json = boost::json;
namespace fs = std::filesystem;
namespace {

std::string dev_json_path(const ServerConfig& c) { return (fs::path(c.data_dir) / "dev.json").string(); }

Status write_private_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kUnavailable, "cannot write " + tmp);
  bool ok = ::write(fd, content.data(), content.size()) == ssize_t(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Status(Code::kUnavailable, "cannot write " + path);
  return Status::Ok();
}

}  // namespace

Status prepare_dev_files(ServerConfig& config) {
  const fs::path dir = fs::absolute(config.data_dir);
  config.data_dir = dir.string();
  if (config.seal == "keyfile") {
    const std::string root_key = (dir / "root.key").string();
    COFFER_ASSIGN_OR_RETURN(bool created, crypto::create_root_key_file(root_key));
    std::cerr << "\n"
                 "  ************************************************************************\n"
                 "  *  DEV MODE: NOT FOR PRODUCTION.                                       *\n"
                 "  *  The root key sits unprotected in a file next to the data it guards: *\n"
                 "  *  "
              << root_key << (created ? "  (created now)" : "")
              << "\n"
                 "  *  Anyone who can read the data directory can read every secret.       *\n"
                 "  ************************************************************************\n\n";
    config.root_key_file = root_key;
    config.root_key_env.clear();
  }
  fs::create_directories(dir / "tls");
  fs::permissions(dir / "tls", fs::perms::owner_all, fs::perm_options::replace);
  crypto::DevTlsPaths tls{(dir / "tls/ca.crt").string(), (dir / "tls/ca.key").string(),
                          (dir / "tls/server.crt").string(), (dir / "tls/server.key").string()};
  COFFER_RETURN_IF_ERROR(crypto::ensure_dev_tls(tls, {"*." + config.dns_suffix}));
  config.tls_cert_file = tls.server_cert;
  config.tls_key_file = tls.server_key;
  if (config.default_vault.empty()) config.default_vault = kDevVault;
  return Status::Ok();
}

Result<DevCredentials> ensure_dev_objects(const ServerConfig& config, vault::VaultRegistry& vaults,
                                          auth::ServicePrincipalRegistry& principals, auth::RbacRegistry& rbac) {
  if (auto v = vaults.find(kDevVault); !v.ok()) {
    if (v.status().code() != Code::kVaultNotFound) return v.status();
    // Another replica starting on the same database may create it first.
    if (Status st = vaults.create(kDevVault, vault::VaultSettings{}).status();
        !st.ok() && st.code() != Code::kConflict) {
      return st;
    }
  }
  std::ifstream in(dev_json_path(config));
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(ss.str(), ec);
    if (!ec && v.is_object()) {
      const auto& o = v.get_object();
      const auto* id = o.if_contains("clientId");
      const auto* secret = o.if_contains("clientSecret");
      if (id && secret && id->is_string() && secret->is_string()) {
        DevCredentials creds{std::string(id->get_string()), std::string(secret->get_string())};
        if (auto p = principals.authenticate(creds.client_id, creds.client_secret); p.ok()) {
          COFFER_RETURN_IF_ERROR(auth::grant_administrator(rbac, p->object_id));
          return creds;
        }
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto created, principals.create("coffer-dev-admin"));
  COFFER_RETURN_IF_ERROR(auth::grant_administrator(rbac, created.principal.object_id));
  return DevCredentials{created.principal.app_id, created.client_secret.str()};
}

Status write_dev_json(const ServerConfig& config, const std::string& tenant_id, const DevCredentials& creds,
                      uint16_t port) {
  const std::string authority = "https://localhost:" + std::to_string(port);
  const std::string ca_file = (fs::path(config.data_dir) / "tls/ca.crt").string();
  const std::string vault_url =
      "https://" + std::string(kDevVault) + "." + config.dns_suffix + ":" + std::to_string(port);
  json::object doc{{"tenantId", tenant_id},      {"clientId", creds.client_id}, {"clientSecret", creds.client_secret},
                   {"authorityHost", authority}, {"caFile", ca_file},           {"vaultUrl", vault_url}};
  COFFER_RETURN_IF_ERROR(write_private_file(dev_json_path(config), json::serialize(doc) + "\n"));
  std::cout << "Coffer dev server on " << authority << " — credentials in " << dev_json_path(config) << "\n"
            << "# The Azure SDK's EnvironmentCredential talks to Coffer as an ADFS-style authority:\n"
            << "export AZURE_AUTHORITY_HOST=" << authority << "\n"
            << "export AZURE_TENANT_ID=adfs\n"
            << "export AZURE_CLIENT_ID=" << creds.client_id << "\n"
            << "export AZURE_CLIENT_SECRET=" << creds.client_secret << "\n"
            << "export REQUESTS_CA_BUNDLE=" << ca_file << "\n"
            << "export COFFER_VAULT_URL=" << vault_url << "\n"
            << "# tenant id for AAD-style authorities: " << tenant_id << std::endl;
  return Status::Ok();
}

}  // namespace coffer::server
