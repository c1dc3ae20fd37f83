// `coffer keyvault secret` set/show/list/list-versions/set-attributes/download,
// mirroring `az keyvault secret` (AKV api-version 7.4).
#include <boost/json.hpp>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/file_io.hpp"
#include "cli/secret_encoding.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

const std::vector<std::string> kEncodings = {"utf-8", "base64", "hex"};

// ---- set ----

struct SetArgs {
  ObjectRef ref;
  std::string value;
  std::string file;
  std::string encoding = "utf-8";
  std::string content_type;
  std::vector<std::string> tags;
  bool disabled = false;
  std::string not_before;
  std::string expires;
  CLI::Option* value_opt = nullptr;
  CLI::Option* file_opt = nullptr;
  CLI::Option* content_type_opt = nullptr;
  CLI::Option* tags_opt = nullptr;
};

Status run_set(const CliContext& ctx, const SetArgs& a) {
  std::string value = a.value;
  if (!is_valid_utf8(value)) {
    return Status(Code::kBadParameter, "--value is not valid UTF-8; use --file with --encoding.");
  }
  json::object tags = tags_json(a.tags);
  if (a.file_opt->count()) {
    COFFER_ASSIGN_OR_RETURN(std::string bytes, read_file(a.file));
    COFFER_ASSIGN_OR_RETURN(value, encode_file_content(bytes, a.encoding));
    if (!tags.contains(kFileEncodingTag)) tags[kFileEncodingTag] = a.encoding;
  }
  json::object attributes{{"enabled", !a.disabled}};
  if (!a.not_before.empty()) attributes["nbf"] = iso8601_seconds(a.not_before);
  if (!a.expires.empty()) attributes["exp"] = iso8601_seconds(a.expires);
  json::object body{{"value", value}, {"attributes", attributes}};
  if (a.content_type_opt->count()) body["contentType"] = a.content_type;
  if (!tags.empty()) body["tags"] = tags;
  json::value request = std::move(body);
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("PUT", secret_path(a.ref.name) + api_query(), &request));
  print_secret(ctx, answer, SecretShape::kBundle);
  return Status::Ok();
}

void add_set(CLI::App* secret, CliContext& ctx) {
  auto a = std::make_shared<SetArgs>();
  auto* cmd = secret->add_subcommand("set", "Create a secret, or add a new version of it.");
  add_object_ref_options(cmd, a->ref, RefOptions::kName, kSecretObject);
  a->value_opt = cmd->add_option("--value", a->value, "The secret value.");
  a->file_opt = cmd->add_option("--file,-f", a->file, "Read the value from this file.")->excludes(a->value_opt);
  cmd->add_option("--encoding,-e", a->encoding, "How to turn the file's bytes into the value (with --file).")
      ->check(CLI::IsMember(kEncodings))
      ->capture_default_str()
      ->needs(a->file_opt);
  a->content_type_opt = cmd->add_option("--content-type", a->content_type, "Content type of the value.");
  a->tags_opt = add_tags_option(cmd, a->tags);
  cmd->add_flag("--disabled", a->disabled, "Create the secret disabled.");
  cmd->add_option("--not-before", a->not_before, "Not valid before this time (ISO-8601, UTC by default).")
      ->check(iso8601_validator());
  cmd->add_option("--expires", a->expires, "Expires at this time (ISO-8601, UTC by default).")
      ->check(iso8601_validator());
  on_run(
      cmd, ctx, [&ctx, a] { return run_set(ctx, *a); },
      [a] {
        require_object_ref(a->ref);
        if (!a->value_opt->count() && !a->file_opt->count()) throw CLI::RequiredError("--value or --file");
      });
}

// ---- show / download ----

Status run_show(const CliContext& ctx, const ObjectRef& ref) {
  COFFER_ASSIGN_OR_RETURN(OpenedObject s, open_object(ctx, ref, kSecretObject));
  COFFER_ASSIGN_OR_RETURN(json::value answer,
                          s.client.call("GET", secret_version_path(s.name, s.version) + api_query()));
  print_secret(ctx, answer, SecretShape::kBundle);
  return Status::Ok();
}

struct SecretDownloadArgs {
  ObjectRef ref;
  std::string file;
  std::string encoding;
};

Status run_secret_download(const CliContext& ctx, const SecretDownloadArgs& a) {
  COFFER_RETURN_IF_ERROR(require_absent(a.file));
  COFFER_ASSIGN_OR_RETURN(OpenedObject s, open_object(ctx, a.ref, kSecretObject));
  COFFER_ASSIGN_OR_RETURN(json::value answer,
                          s.client.call("GET", secret_version_path(s.name, s.version) + api_query()));
  const json::object* o = answer.if_object();
  const json::value* value = o ? o->if_contains("value") : nullptr;
  if (!value || !value->is_string()) return Status(Code::kInternal, "The server's answer has no secret value.");
  std::string encoding = a.encoding;
  if (encoding.empty()) {
    const json::value* tags = o->if_contains("tags");
    const json::value* tag = tags && tags->is_object() ? tags->get_object().if_contains(kFileEncodingTag) : nullptr;
    encoding = tag && tag->is_string() ? std::string(tag->get_string()) : "utf-8";
  }
  COFFER_ASSIGN_OR_RETURN(std::string bytes, decode_secret_value(value->get_string(), encoding));
  return write_private_file(a.file, bytes, Overwrite::kRefuse);
}

void add_secret_show_and_download(CLI::App* secret, CliContext& ctx) {
  auto ref = std::make_shared<ObjectRef>();
  auto* show = secret->add_subcommand("show", "Show a secret, value included.");
  add_object_ref_options(show, *ref, RefOptions::kNameVersionId, kSecretObject);
  on_run(
      show, ctx, [&ctx, ref] { return run_show(ctx, *ref); }, [ref] { require_object_ref(*ref); });

  auto d = std::make_shared<SecretDownloadArgs>();
  auto* download = secret->add_subcommand("download", "Write a secret's value to a new file.");
  add_object_ref_options(download, d->ref, RefOptions::kNameVersionId, kSecretObject);
  download->add_option("--file,-f", d->file, "File to create; it must not exist.")->required();
  download
      ->add_option("--encoding,-e", d->encoding,
                   "How to decode the value into bytes; default: the secret's file-encoding tag, else utf-8.")
      ->check(CLI::IsMember(kEncodings));
  on_run(
      download, ctx, [&ctx, d] { return run_secret_download(ctx, *d); }, [d] { require_object_ref(d->ref); });
}

// ---- list / list-versions ----

struct ListArgs {
  std::string vault_name;
  std::string name;
  std::size_t max_results = 0;  // 0 = all
  bool include_managed = false;
};

Status run_list(const CliContext& ctx, const ListArgs& a, bool versions) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.vault_name));
  const std::string path = versions ? secret_path(a.name) + "/versions" : "/secrets";
  COFFER_ASSIGN_OR_RETURN(json::array items, fetch_list(client, path, a.max_results));
  if (!versions && !a.include_managed) {
    json::array kept;  // az hides secrets that back certificates unless --include-managed
    for (auto& item : items) {
      const json::value* managed = item.is_object() ? item.get_object().if_contains("managed") : nullptr;
      if (!(managed && managed->is_bool() && managed->get_bool())) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  print_secret_list(ctx, items, SecretShape::kItem);
  return Status::Ok();
}

void add_secret_lists(CLI::App* secret, CliContext& ctx) {
  auto a = std::make_shared<ListArgs>();
  auto* list = secret->add_subcommand("list", "List the secrets of a vault (latest versions, no values).");
  list->add_option("--vault-name", a->vault_name, "Name of the vault.")->required();
  list->add_option("--maxresults", a->max_results, "Return at most this many secrets.")->check(CLI::Range(1, 1000000));
  list->add_flag("--include-managed", a->include_managed, "Include secrets that back certificates.");
  on_run(list, ctx, [&ctx, a] { return run_list(ctx, *a, false); });

  auto* versions = secret->add_subcommand("list-versions", "List the versions of a secret (no values).");
  versions->add_option("--vault-name", a->vault_name, "Name of the vault.")->required();
  versions->add_option("--name,-n", a->name, "Name of the secret.")->required();
  versions->add_option("--maxresults", a->max_results, "Return at most this many versions.")
      ->check(CLI::Range(1, 1000000));
  on_run(versions, ctx, [&ctx, a] { return run_list(ctx, *a, true); });
}

// ---- set-attributes ----

struct UpdateArgs {
  ObjectRef ref;
  std::string enabled;
  std::string content_type;
  std::vector<std::string> tags;
  std::string not_before;
  std::string expires;
  CLI::Option* content_type_opt = nullptr;
  CLI::Option* tags_opt = nullptr;
};

Status run_update(const CliContext& ctx, const UpdateArgs& a) {
  json::object attributes;
  if (!a.enabled.empty()) attributes["enabled"] = a.enabled == "true";
  if (!a.not_before.empty()) attributes["nbf"] = iso8601_seconds(a.not_before);
  if (!a.expires.empty()) attributes["exp"] = iso8601_seconds(a.expires);
  json::object body;
  if (!attributes.empty()) body["attributes"] = attributes;
  if (a.content_type_opt->count()) body["contentType"] = a.content_type;
  if (a.tags_opt->count()) body["tags"] = tags_json(a.tags);
  json::value request = std::move(body);
  COFFER_ASSIGN_OR_RETURN(OpenedObject s, open_object(ctx, a.ref, kSecretObject));
  COFFER_ASSIGN_OR_RETURN(json::value answer,
                          s.client.call("PATCH", secret_version_path(s.name, s.version) + api_query(), &request));
  print_secret(ctx, answer, SecretShape::kBundle);
  return Status::Ok();
}

void add_secret_set_attributes(CLI::App* secret, CliContext& ctx) {
  auto a = std::make_shared<UpdateArgs>();
  auto* cmd = secret->add_subcommand("set-attributes", "Change a secret version's attributes, content type or tags.");
  add_object_ref_options(cmd, a->ref, RefOptions::kNameVersionId, kSecretObject);
  cmd->add_option("--enabled", a->enabled, "Enable or disable the version.")
      ->check(CLI::IsMember({"true", "false"}, CLI::ignore_case));
  a->content_type_opt = cmd->add_option("--content-type", a->content_type, "Content type of the value.");
  a->tags_opt = add_tags_option(cmd, a->tags, "Space-separated tags: key[=value] ... (replaces all; '' clears)");
  cmd->add_option("--not-before", a->not_before, "Not valid before this time (ISO-8601).")->check(iso8601_validator());
  cmd->add_option("--expires", a->expires, "Expires at this time (ISO-8601).")->check(iso8601_validator());
  on_run(
      cmd, ctx, [&ctx, a] { return run_update(ctx, *a); }, [a] { require_object_ref(a->ref); });
}

}  // namespace

void add_secret_commands(CLI::App& app, CliContext& ctx) {
  auto* keyvault = app.add_subcommand("keyvault", "Data plane commands, as in `az keyvault`.");
  keyvault->require_subcommand(1);
  auto* secret = keyvault->add_subcommand("secret", "Manage secrets, as `az keyvault secret` does.");
  secret->require_subcommand(1);
  add_set(secret, ctx);
  add_secret_show_and_download(secret, ctx);
  add_secret_lists(secret, ctx);
  add_secret_set_attributes(secret, ctx);
  add_secret_lifecycle_commands(secret, ctx);
  add_secret_rotation_commands(secret, ctx);
}

}  // namespace coffer::cli
