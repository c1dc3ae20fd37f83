#include "cli/connect.hpp"

#include "cli/credentials.hpp"

namespace coffer::cli {

Result<ServiceClient> connect_vault(const CliContext& ctx, const std::string& vault_name) {
  COFFER_ASSIGN_OR_RETURN(Credentials creds, load_credentials(ctx.data_dir));
  COFFER_ASSIGN_OR_RETURN(std::string suffix, require_vault_suffix(creds));
  std::string origin = vault_origin(suffix, vault_name);
  std::string resource = "https://" + suffix;
  return ServiceClient(TokenSource(std::move(creds)), std::move(origin), std::move(resource));
}

Result<ServiceClient> connect_vault_id(const CliContext& ctx, const ObjectId& id) {
  COFFER_ASSIGN_OR_RETURN(Credentials creds, load_credentials(ctx.data_dir));
  std::string resource = vault_resource(id.host, creds.vault_suffix);
  return ServiceClient(TokenSource(std::move(creds)), id.origin, std::move(resource));
}

Result<ServiceClient> connect_admin(const CliContext& ctx) {
  COFFER_ASSIGN_OR_RETURN(Credentials creds, load_credentials(ctx.data_dir));
  COFFER_ASSIGN_OR_RETURN(UrlParts authority, split_https_url(creds.authority));
  std::string resource = creds.authority;
  return ServiceClient(TokenSource(std::move(creds)), authority.origin, std::move(resource));
}

Status call_admin_and_print(const CliContext& ctx, const std::string& method, const std::string& path,
                            const boost::json::value* body) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_ASSIGN_OR_RETURN(boost::json::value answer, client.call(method, path, body));
  if (answer.is_null()) return Status::Ok();
  if (const boost::json::object* o = answer.if_object();
      o && o->size() == 1 && o->contains("value") && o->at("value").is_array()) {
    print_result(ctx, o->at("value"));
  } else {
    print_result(ctx, answer);
  }
  return Status::Ok();
}

}  // namespace coffer::cli
