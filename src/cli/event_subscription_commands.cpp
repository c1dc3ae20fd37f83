// A vault's event subscriptions (src/api/event_subscription_routes.hpp), as
// `az eventgrid event-subscription …` spells them:
//   coffer event-subscription create|list|show|delete|dead-letters|replay-dead-letters|purge-dead-letters
//     --vault-name V [-n NAME]
// `create` sends the subscription resource; the server runs the endpoint's
// validation handshake before it answers (and shows a new signing secret once).
#include <boost/json.hpp>
#include <memory>
#include <vector>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/endpoints.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

std::string subscriptions_path(const std::string& vault) {
  return "/coffer/admin/vaults/" + percent_encode(vault) + "/eventSubscriptions";
}

}  // namespace

void add_event_subscription_commands(CLI::App& app, CliContext& ctx) {
  struct Args {
    std::string vault;
    std::string name;
    std::string endpoint;
    std::vector<std::string> types;
    std::string begins_with;
    std::string ends_with;
    bool case_sensitive = false;
    std::string schema = "EventGridSchema";
    int max_attempts = 30;
    int ttl_minutes = 1440;
    std::string signing;  // "standard-webhooks"
    bool rotate_secret = false;
  };
  auto a = std::make_shared<Args>();
  auto* events = app.add_subcommand("event-subscription", "Manage a vault's event subscriptions (webhooks).");
  events->require_subcommand(1);
  const auto name_options = [&a](CLI::App* cmd) {
    cmd->add_option("--vault-name", a->vault, "Vault name.")->required();
    cmd->add_option("--name,-n", a->name, "Subscription name (3-64: letters, digits, '-').")->required();
  };

  auto* create = events->add_subcommand("create",
                                        "Create or replace a subscription (the endpoint must answer the "
                                        "validation handshake).");
  name_options(create);
  create->add_option("--endpoint", a->endpoint, "Webhook URL (https).")->required();
  create->add_option("--included-event-types", a->types,
                     "Event types, e.g. Microsoft.KeyVault.SecretNewVersionCreated (default: all).");
  create->add_option("--subject-begins-with", a->begins_with, "Only objects whose name begins so.");
  create->add_option("--subject-ends-with", a->ends_with, "Only objects whose name ends so.");
  create->add_flag("--subject-case-sensitive", a->case_sensitive, "Match the subject filters case-sensitively.");
  create->add_option("--event-delivery-schema", a->schema, "EventGridSchema (default) or CloudEventSchemaV1_0.")
      ->check(CLI::IsMember({"EventGridSchema", "CloudEventSchemaV1_0"}));
  create->add_option("--max-delivery-attempts", a->max_attempts, "1-30 (default 30).")->check(CLI::Range(1, 30));
  create->add_option("--event-ttl", a->ttl_minutes, "Minutes an event is retried, 1-1440 (default 1440).")
      ->check(CLI::Range(1, 1440));
  create
      ->add_option("--signing", a->signing,
                   "standard-webhooks: sign every delivery (the secret is printed once, when it is made).")
      ->check(CLI::IsMember({"standard-webhooks"}));
  create->add_flag("--rotate-signing-secret", a->rotate_secret, "Replace the signing secret with a new one.");
  on_run(create, ctx, [&ctx, a] {
    json::array types;
    for (const auto& t : a->types) types.emplace_back(t);
    json::object destination{{"endpointUrl", a->endpoint}};
    if (!a->signing.empty()) {
      destination["signing"] = json::object{{"scheme", a->signing}, {"rotateSecret", a->rotate_secret}};
    }
    json::value body = json::object{
        {"properties",
         json::object{{"destination", json::object{{"endpointType", "WebHook"}, {"properties", destination}}},
                      {"filter", json::object{{"includedEventTypes", types},
                                              {"subjectBeginsWith", a->begins_with},
                                              {"subjectEndsWith", a->ends_with},
                                              {"isSubjectCaseSensitive", a->case_sensitive}}},
                      {"eventDeliverySchema", a->schema},
                      {"retryPolicy", json::object{{"maxDeliveryAttempts", a->max_attempts},
                                                   {"eventTimeToLiveInMinutes", a->ttl_minutes}}}}}};
    return call_admin_and_print(ctx, "PUT", subscriptions_path(a->vault) + "/" + percent_encode(a->name), &body);
  });

  auto* list = events->add_subcommand("list", "List a vault's subscriptions.");
  list->add_option("--vault-name", a->vault, "Vault name.")->required();
  on_run(list, ctx, [&ctx, a] { return call_admin_and_print(ctx, "GET", subscriptions_path(a->vault), nullptr); });

  auto* show = events->add_subcommand("show", "Show a subscription.");
  name_options(show);
  on_run(show, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "GET", subscriptions_path(a->vault) + "/" + percent_encode(a->name), nullptr);
  });

  auto* del = events->add_subcommand("delete", "Delete a subscription and its undelivered events.");
  name_options(del);
  on_run(del, ctx, [&ctx, a] {
    return call_admin_and_print(ctx, "DELETE", subscriptions_path(a->vault) + "/" + percent_encode(a->name), nullptr);
  });

  const auto dead_letters = [a] {
    return subscriptions_path(a->vault) + "/" + percent_encode(a->name) + "/deadLetters";
  };
  auto* dead = events->add_subcommand("dead-letters", "List the events a subscription gave up on.");
  name_options(dead);
  on_run(dead, ctx, [&ctx, dead_letters] { return call_admin_and_print(ctx, "GET", dead_letters(), nullptr); });

  auto* replay = events->add_subcommand("replay-dead-letters",
                                        "Send a subscription's dead letters again (back to the end of its queue).");
  name_options(replay);
  on_run(replay, ctx,
         [&ctx, dead_letters] { return call_admin_and_print(ctx, "POST", dead_letters() + "/replay", nullptr); });

  auto* purge = events->add_subcommand("purge-dead-letters", "Remove a subscription's dead letters for good.");
  name_options(purge);
  on_run(purge, ctx, [&ctx, dead_letters] { return call_admin_and_print(ctx, "DELETE", dead_letters(), nullptr); });
}

}  // namespace coffer::cli
