// `coffer keyvault certificate` create (and its wait for the operation),
// get-default-policy, import, show, download, list, list-versions and
// set-attributes, mirroring `az keyvault certificate`; then the registration
// of the whole `certificate` group.
#include "cli/certificate_commands.hpp"

#include <strings.h>

#include <boost/json.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/certificate_files.hpp"
#include "cli/certificate_policy_json.hpp"
#include "cli/connect.hpp"
#include "cli/file_io.hpp"
#include "cli/object_ref.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"
#include "common/secure_memory.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

// How long create waits for an operation that stays inProgress (an issuer
// other than Self and Unknown, which Coffer leaves to a merge).
constexpr auto kCreateWait = std::chrono::seconds(60);

std::string pending_path(const std::string& name) { return object_path(kCertificateObject, name) + "/pending"; }

// {"enabled": !disabled}, and --tags when given, onto a request body.
void put_attributes_and_tags(json::object& body, bool disabled, const CLI::Option* tags_opt,
                             const std::vector<std::string>& tags) {
  body["attributes"] = json::object{{"enabled", !disabled}};
  if (tags_opt->count()) body["tags"] = tags_json(tags);
}

std::string_view operation_status(const json::value& op) {
  const json::value* s = op.is_object() ? op.get_object().if_contains("status") : nullptr;
  return s && s->is_string() ? std::string_view(s->get_string()) : std::string_view();
}

// ---- create / get-default-policy ----

struct CertificateCreateArgs {
  ObjectRef ref;
  std::string policy;
  bool disabled = false;
  std::vector<std::string> tags;
  int validity = 0;
  CLI::Option* tags_opt = nullptr;
};

// Polls the pending operation until its status is no longer inProgress (as
// az does, with shorter sleeps), or kCreateWait passed.
Result<json::value> wait_for_operation(ServiceClient& client, const std::string& name, json::value op) {
  const auto deadline = std::chrono::steady_clock::now() + kCreateWait;
  auto pause = std::chrono::milliseconds(100);
  while (operation_status(op) == "inProgress") {
    if (std::chrono::steady_clock::now() + pause > deadline) {
      std::cerr << "WARNING: the operation is still in progress; see `coffer keyvault certificate pending show`.\n";
      break;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    COFFER_ASSIGN_OR_RETURN(op, client.call("GET", pending_path(name) + api_query()));
  }
  return op;
}

Status run_create(const CliContext& ctx, const CertificateCreateArgs& a) {
  COFFER_ASSIGN_OR_RETURN(json::object given, json_object_argument(a.policy, "--policy"));
  json::object policy = wire_certificate_policy(given);
  if (a.validity > 0) {
    json::value& x509 = policy["x509_props"];
    if (!x509.is_object()) x509 = json::object();
    x509.get_object()["validity_months"] = a.validity;
  }
  const bool unknown_issuer = strcasecmp(policy_issuer_name(policy).c_str(), "Unknown") == 0;
  json::object body{{"policy", std::move(policy)}};
  put_attributes_and_tags(body, a.disabled, a.tags_opt, a.tags);
  json::value request = std::move(body);
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, a.ref.vault_name));
  COFFER_ASSIGN_OR_RETURN(
      json::value op,
      client.call("POST", object_path(kCertificateObject, a.ref.name) + "/create" + api_query(), &request));
  if (unknown_issuer) {
    // Nothing to wait for: the operation waits for `pending merge`.
    COFFER_ASSIGN_OR_RETURN(op, client.call("GET", pending_path(a.ref.name) + api_query()));
  } else {
    COFFER_ASSIGN_OR_RETURN(op, wait_for_operation(client, a.ref.name, std::move(op)));
  }
  print_result(ctx, op);
  return Status::Ok();
}

void add_certificate_create(CLI::App* certificate, CliContext& ctx) {
  auto a = std::make_shared<CertificateCreateArgs>();
  auto* cmd = certificate->add_subcommand(
      "create",
      "Create a certificate (or a new version) and wait (up to a minute) for its operation; prints the operation.");
  add_required_name_options(cmd, a->ref, kCertificateObject);
  cmd->add_option("--policy,-p", a->policy, "The policy: JSON text, or @file (see get-default-policy).")->required();
  cmd->add_flag("--disabled", a->disabled, "Create the certificate disabled.");
  a->tags_opt = add_tags_option(cmd, a->tags);
  cmd->add_option("--validity", a->validity, "Months the certificate is valid for (overrides the policy's).")
      ->check(CLI::PositiveNumber);
  on_run(cmd, ctx, [&ctx, a] { return run_create(ctx, *a); });

  auto* policy = certificate->add_subcommand("get-default-policy", "Print the default policy of az (no request).");
  on_run(policy, ctx, [&ctx] {
    print_result(ctx, default_certificate_policy());
    return Status::Ok();
  });
}

// ---- import ----

struct CertificateImportArgs {
  ObjectRef ref;
  std::string file;
  std::string password;
  std::string policy;
  bool disabled = false;
  std::vector<std::string> tags;
  CLI::Option* password_opt = nullptr;
  CLI::Option* policy_opt = nullptr;
  CLI::Option* tags_opt = nullptr;
};

Status run_import(const CliContext& ctx, const CertificateImportArgs& a) {
  json::object policy;
  if (a.policy_opt->count()) {
    COFFER_ASSIGN_OR_RETURN(json::object given, json_object_argument(a.policy, "--policy"));
    policy = wire_certificate_policy(given);
  }
  COFFER_ASSIGN_OR_RETURN(std::string bytes, read_file(a.file));
  auto value = certificate_import_value(bytes);
  secure_wipe(bytes.data(), bytes.size());
  if (!value.ok()) return value.status();
  // As az: the secret's content type is the file's, whatever the policy says.
  json::value& secret_props = policy["secret_props"];
  if (!secret_props.is_object()) secret_props = json::object();
  secret_props.get_object()["contentType"] = value->content_type;
  json::object body{{"value", value->value}, {"policy", std::move(policy)}};
  secure_wipe(value->value.data(), value->value.size());
  if (a.password_opt->count()) body["pwd"] = a.password;
  put_attributes_and_tags(body, a.disabled, a.tags_opt, a.tags);
  json::value request = std::move(body);
  return call_and_print(ctx, a.ref.vault_name, "POST", object_path(kCertificateObject, a.ref.name) + "/import",
                        &request);
}

void add_certificate_import(CLI::App* certificate, CliContext& ctx) {
  auto a = std::make_shared<CertificateImportArgs>();
  auto* cmd = certificate->add_subcommand(
      "import", "Import a certificate with its private key (a PFX/PKCS#12 file, or PEM) as a new version.");
  add_required_name_options(cmd, a->ref, kCertificateObject);
  cmd->add_option("--file,-f", a->file, "PFX or PEM file: the certificate, its private key and any chain.")->required();
  a->password_opt = cmd->add_option("--password", a->password, "Password of the PFX file.");
  a->policy_opt = cmd->add_option("--policy,-p", a->policy, "The policy: JSON text, or @file.");
  cmd->add_flag("--disabled", a->disabled, "Import the certificate disabled.");
  a->tags_opt = add_tags_option(cmd, a->tags);
  on_run(cmd, ctx, [&ctx, a] { return run_import(ctx, *a); });
}

// ---- show / download ----

// GET of the referenced version (the latest without --version).
Result<json::value> get_certificate(const CliContext& ctx, const ObjectRef& ref) {
  COFFER_ASSIGN_OR_RETURN(OpenedObject c, open_object(ctx, ref, kCertificateObject));
  return c.client.call("GET", object_version_path(kCertificateObject, c.name, c.version) + api_query());
}

struct CertificateDownloadArgs {
  ObjectRef ref;
  std::string file;
  std::string encoding = "PEM";
};

Status run_certificate_download(const CliContext& ctx, const CertificateDownloadArgs& a) {
  COFFER_RETURN_IF_ERROR(require_absent(a.file));
  COFFER_ASSIGN_OR_RETURN(json::value bundle, get_certificate(ctx, a.ref));
  const json::value* cer = bundle.is_object() ? bundle.get_object().if_contains("cer") : nullptr;
  if (!cer || !cer->is_string()) {
    return Status(Code::kNotFound, "The certificate has no issued version yet: its operation is pending.");
  }
  COFFER_ASSIGN_OR_RETURN(std::string bytes, certificate_download_bytes(cer->get_string(), a.encoding));
  return write_private_file(a.file, bytes, Overwrite::kRefuse);
}

void add_certificate_show_and_download(CLI::App* certificate, CliContext& ctx) {
  auto ref = std::make_shared<ObjectRef>();
  auto* show = certificate->add_subcommand("show", "Show a certificate version with its policy.");
  add_object_ref_options(show, *ref, RefOptions::kNameVersionId, kCertificateObject);
  on_run(
      show, ctx,
      [&ctx, ref]() -> Status {
        COFFER_ASSIGN_OR_RETURN(json::value bundle, get_certificate(ctx, *ref));
        print_result(ctx, bundle);
        return Status::Ok();
      },
      [ref] { require_object_ref(*ref); });

  auto d = std::make_shared<CertificateDownloadArgs>();
  auto* download = certificate->add_subcommand("download", "Write a certificate's public part to a new file.");
  add_object_ref_options(download, d->ref, RefOptions::kNameVersionId, kCertificateObject);
  download->add_option("--file,-f", d->file, "File to create; it must not exist.")->required();
  download->add_option("--encoding,-e", d->encoding, "PEM (default) or DER.")
      ->check(CLI::IsMember({"PEM", "DER"}))
      ->capture_default_str();
  on_run(
      download, ctx, [&ctx, d] { return run_certificate_download(ctx, *d); }, [d] { require_object_ref(d->ref); });
}

// ---- list / list-versions / set-attributes ----

void add_certificate_lists(CLI::App* certificate, CliContext& ctx) {
  struct ListArgs {
    ObjectRef ref;
    std::size_t max_results = 0;
    bool include_pending = false;
  };
  for (bool versions : {false, true}) {
    auto a = std::make_shared<ListArgs>();
    auto* cmd = versions ? certificate->add_subcommand("list-versions", "List the versions of a certificate.")
                         : certificate->add_subcommand("list", "List the certificates of a vault (latest versions).");
    if (versions) {
      add_required_name_options(cmd, a->ref, kCertificateObject);
    } else {
      cmd->add_option("--vault-name", a->ref.vault_name, "Name of the vault.")->required();
      cmd->add_flag("--include-pending", a->include_pending, "Include certificates not issued yet.");
    }
    cmd->add_option("--maxresults", a->max_results, "Return at most this many.")->check(CLI::PositiveNumber);
    on_run(cmd, ctx, [&ctx, a, versions] {
      const std::string path =
          versions ? object_path(kCertificateObject, a->ref.name) + "/versions" : std::string("/certificates");
      return list_and_print(ctx, a->ref.vault_name, path, a->max_results,
                            a->include_pending ? "&includePending=true" : "");
    });
  }
}

void add_certificate_set_attributes(CLI::App* certificate, CliContext& ctx) {
  struct SetArgs {
    ObjectRef ref;
    std::string enabled;
    std::vector<std::string> tags;
    CLI::Option* tags_opt = nullptr;
  };
  auto s = std::make_shared<SetArgs>();
  auto* cmd =
      certificate->add_subcommand("set-attributes", "Enable or disable a certificate version, or set its tags.");
  add_object_ref_options(cmd, s->ref, RefOptions::kNameVersionId, kCertificateObject);
  cmd->add_option("--enabled", s->enabled, "Enable or disable the version (its key and secret follow).")
      ->check(CLI::IsMember({"true", "false"}, CLI::ignore_case));
  s->tags_opt = add_tags_option(cmd, s->tags, "Space-separated tags: key[=value] ... (replaces all; '' clears)");
  on_run(
      cmd, ctx,
      [&ctx, s]() -> Status {
        json::object body;
        if (!s->enabled.empty()) body["attributes"] = json::object{{"enabled", s->enabled == "true"}};
        if (s->tags_opt->count()) body["tags"] = tags_json(s->tags);
        json::value request = std::move(body);
        COFFER_ASSIGN_OR_RETURN(OpenedObject c, open_object(ctx, s->ref, kCertificateObject));
        return print_call(ctx, c.client, "PATCH", object_version_path(kCertificateObject, c.name, c.version), &request);
      },
      [s] { require_object_ref(s->ref); });
}

}  // namespace

void add_certificate_commands(CLI::App& app, CliContext& ctx) {
  CLI::App* keyvault = app.get_subcommand("keyvault");
  auto* certificate = keyvault->add_subcommand(
      "certificate", "Manage certificates, their operations, issuers and contacts, as `az keyvault certificate` does.");
  certificate->require_subcommand(1);
  add_certificate_create(certificate, ctx);
  add_certificate_import(certificate, ctx);
  add_certificate_show_and_download(certificate, ctx);
  add_certificate_lists(certificate, ctx);
  add_certificate_set_attributes(certificate, ctx);
  add_certificate_lifecycle_commands(certificate, ctx);
  add_certificate_pending_commands(certificate, ctx);
  add_certificate_issuer_commands(certificate, ctx);
  add_certificate_contact_commands(certificate, ctx);
}

}  // namespace coffer::cli
