// The options that name one vault object, shared by `coffer keyvault
// secret|key|certificate …` as az spells them: --vault-name and --name/-n, and where a
// version applies --version/-v or instead --id with the object's full id
// (https://<vault-host>/<collection>/<name>[/<version>]).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "cli/cli_context.hpp"
#include "cli/service_client.hpp"

namespace coffer::cli {

struct ObjectRef {
  std::string vault_name;
  std::string name;
  std::string version;  // empty = latest
  std::string id;       // full object id, instead of the three above
};

// What kind of object: its collection in URLs ("secrets", "keys",
// "certificates") and the noun for help texts ("secret", "key", "certificate").
struct ObjectKind {
  std::string_view collection;
  std::string_view noun;
};
inline constexpr ObjectKind kSecretObject{"secrets", "secret"};
inline constexpr ObjectKind kKeyObject{"keys", "key"};
inline constexpr ObjectKind kCertificateObject{"certificates", "certificate"};

// Request paths, names and versions percent-encoded: "/keys/<name>",
// "/deletedkeys/<name>", and "/keys/<name>/<version>" ("/keys/<name>/" for
// the latest, as the SDKs send it).
std::string object_path(ObjectKind kind, std::string_view name);
std::string deleted_object_path(ObjectKind kind, std::string_view name);
std::string object_version_path(ObjectKind kind, std::string_view name, std::string_view version);

enum class RefOptions { kName, kNameVersionId };
// Adds --vault-name and --name/-n, and with kNameVersionId --version/-v and --id.
void add_object_ref_options(CLI::App* cmd, ObjectRef& ref, RefOptions which, ObjectKind kind);
// kName with both options required: for commands on a whole object.
void add_required_name_options(CLI::App* cmd, ObjectRef& ref, ObjectKind kind);
// For on_run's check: throws CLI::RequiredError unless --id or both
// --vault-name and --name were given.
void require_object_ref(const ObjectRef& ref);

// A client for the referenced vault, and the object's name and version.
struct OpenedObject {
  ServiceClient client;
  std::string name;
  std::string version;
};
Result<OpenedObject> open_object(const CliContext& ctx, const ObjectRef& ref, ObjectKind kind);

}  // namespace coffer::cli
