// `coffer keyvault secret rotation-policy show|set`, `coffer keyvault secret
// rotate [--force]` and `coffer keyvault secret rotation show` (Coffer's
// secret rotation, EVENTS-SPEC.md §4): the policy is the JSON document of
// /secrets/{name}/rotationpolicy. rotate makes a new version with the
// policy's generator and prints it without its value (`secret show` reads
// it); with a rotator it starts (or resumes; --force: restarts) the rotation
// and prints where it stands, as `rotation show` does (stages, step).
#include <boost/json.hpp>
#include <memory>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"

namespace coffer::cli {
namespace json = boost::json;

void add_secret_rotation_commands(CLI::App* secret, CliContext& ctx) {
  auto* policy = secret->add_subcommand("rotation-policy", "Show or set a secret's rotation policy.");
  policy->require_subcommand(1);
  auto s = std::make_shared<ObjectRef>();
  auto* show = policy->add_subcommand("show", "Show the rotation policy (the default one when none is set).");
  show->add_option("--vault-name", s->vault_name, "Name of the vault.")->required();
  show->add_option("--name,-n", s->name, "Name of the secret.")->required();
  on_run(show, ctx,
         [&ctx, s] { return call_and_print(ctx, s->vault_name, "GET", secret_path(s->name) + "/rotationpolicy"); });

  struct SetArgs {
    ObjectRef ref;
    std::string value;
  };
  auto p = std::make_shared<SetArgs>();
  auto* set = policy->add_subcommand("set", "Replace the rotation policy with a JSON document.");
  set->add_option("--vault-name", p->ref.vault_name, "Name of the vault.")->required();
  set->add_option("--name,-n", p->ref.name, "Name of the secret.")->required();
  set->add_option("--value", p->value, "The policy: a JSON file path, or JSON text.")->required();
  on_run(set, ctx, [&ctx, p]() -> Status {
    COFFER_ASSIGN_OR_RETURN(json::object document, json_object_argument(p->value, "--value"));
    json::value request = std::move(document);
    return call_and_print(ctx, p->ref.vault_name, "PUT", secret_path(p->ref.name) + "/rotationpolicy", &request);
  });

  struct RotateArgs {
    ObjectRef ref;
    bool force = false;
  };
  auto r = std::make_shared<RotateArgs>();
  auto* rotate = secret->add_subcommand(
      "rotate", "Rotate a secret now: a new version made by its policy's generator, or a rotation by its rotator.");
  rotate->add_option("--vault-name", r->ref.vault_name, "Name of the vault.")->required();
  rotate->add_option("--name,-n", r->ref.name, "Name of the secret.")->required();
  rotate->add_flag(
      "--force", r->force,
      "With a rotator: abandon the rotation in progress (its pending version is disabled) and start over.");
  on_run(rotate, ctx, [&ctx, r]() -> Status {
    COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_vault(ctx, r->ref.vault_name));
    const std::string query = api_query() + (r->force ? "&force=true" : "");
    COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("POST", secret_path(r->ref.name) + "/rotate" + query));
    if (answer.is_object() && answer.as_object().contains("stages")) {  // a rotator's rotation: where it stands
      print_result(ctx, answer);
      return Status::Ok();
    }
    if (answer.is_object()) answer.as_object().erase("value");  // printed as an item: `secret show` reads the value
    print_secret(ctx, answer, SecretShape::kItem);
    return Status::Ok();
  });

  auto* rotation = secret->add_subcommand("rotation", "A secret's rotation by its rotator.");
  rotation->require_subcommand(1);
  auto st = std::make_shared<ObjectRef>();
  auto* status = rotation->add_subcommand(
      "show", "Show the versions in each stage (CURRENT, PENDING, PREVIOUS) and the rotation in progress.");
  status->add_option("--vault-name", st->vault_name, "Name of the vault.")->required();
  status->add_option("--name,-n", st->name, "Name of the secret.")->required();
  on_run(status, ctx,
         [&ctx, st] { return call_and_print(ctx, st->vault_name, "GET", secret_path(st->name) + "/rotation"); });
}

}  // namespace coffer::cli
