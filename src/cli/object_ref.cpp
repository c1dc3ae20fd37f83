#include "cli/object_ref.hpp"

#include "cli/connect.hpp"
#include "cli/endpoints.hpp"

namespace coffer::cli {

std::string object_path(ObjectKind kind, std::string_view name) {
  return "/" + std::string(kind.collection) + "/" + percent_encode(name);
}

std::string deleted_object_path(ObjectKind kind, std::string_view name) {
  return "/deleted" + std::string(kind.collection) + "/" + percent_encode(name);
}

std::string object_version_path(ObjectKind kind, std::string_view name, std::string_view version) {
  return object_path(kind, name) + "/" + percent_encode(version);
}

void add_object_ref_options(CLI::App* cmd, ObjectRef& ref, RefOptions which, ObjectKind kind) {
  auto* vault = cmd->add_option("--vault-name", ref.vault_name, "Name of the vault.");
  auto* name = cmd->add_option("--name,-n", ref.name, "Name of the " + std::string(kind.noun) + ".");
  if (which == RefOptions::kName) return;
  auto* version = cmd->add_option("--version,-v", ref.version,
                                  "Version of the " + std::string(kind.noun) + "; default: the latest.");
  cmd->add_option("--id", ref.id,
                  "Id of the " + std::string(kind.noun) + ": https://<vault-host>/" + std::string(kind.collection) +
                      "/<name>[/<version>].")
      ->check(CLI::Validator(
          [kind](std::string& text) {
            auto id = parse_object_id(text, kind.collection);
            return id.ok() ? std::string() : id.status().message();
          },
          "URL"))
      ->excludes(vault)
      ->excludes(name)
      ->excludes(version);
}

void add_required_name_options(CLI::App* cmd, ObjectRef& ref, ObjectKind kind) {
  add_object_ref_options(cmd, ref, RefOptions::kName, kind);
  cmd->get_option("--vault-name")->required();
  cmd->get_option("--name")->required();
}

void require_object_ref(const ObjectRef& ref) {
  if (!ref.id.empty()) return;
  if (ref.vault_name.empty() || ref.name.empty()) {
    throw CLI::RequiredError(ref.vault_name.empty() ? "--vault-name" : "--name");
  }
}

Result<OpenedObject> open_object(const CliContext& ctx, const ObjectRef& ref, ObjectKind kind) {
  if (!ref.id.empty()) {
    COFFER_ASSIGN_OR_RETURN(ObjectId id, parse_object_id(ref.id, kind.collection));
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault_id(ctx, id));
    return OpenedObject{std::move(client), id.name, id.version};
  }
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, ref.vault_name));
  return OpenedObject{std::move(client), ref.name, ref.version};
}

}  // namespace coffer::cli
