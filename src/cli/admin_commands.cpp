// Coffer's own admin API (src/api/admin_routes.hpp) on the authority:
// vaults, service principals, users and the test clock. Results print as the
// server sends them, except that lists print as arrays and the vault's
// "created" (Unix seconds) prints as ISO-8601 UTC.
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/endpoints.hpp"
#include "common/json_wipe.hpp"
#include "common/time_format.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

const std::string kVaults = "/coffer/admin/vaults";
const std::string kPrincipals = "/coffer/admin/service-principals";
const std::string kUsers = "/coffer/admin/users";

json::value vault_view(json::value v) {
  if (auto* o = v.if_object()) {
    if (auto* created = o->if_contains("created"); created && created->is_int64()) {
      *created = json::value(to_iso8601(created->get_int64()));
    }
  }
  return v;
}

json::value list_view(const json::value& answer, bool vaults) {
  const json::object* o = answer.if_object();
  const json::value* items = o ? o->if_contains("value") : nullptr;
  if (!items || !items->is_array()) return answer;
  json::array out;
  for (const auto& item : items->get_array()) out.push_back(vaults ? vault_view(item) : item);
  return out;
}

// Runs one admin request and prints its answer through `view` (nothing for an empty answer).
Status admin_call(const CliContext& ctx, const std::string& method, const std::string& path, const json::value* body,
                  json::value (*view)(const json::value&)) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call(method, path, body));
  if (!answer.is_null()) print_result(ctx, view ? view(answer) : answer);
  return Status::Ok();
}

json::value show_vault(const json::value& v) { return vault_view(v); }
json::value show_vault_list(const json::value& v) { return list_view(v, true); }
json::value show_principal_list(const json::value& v) { return list_view(v, false); }

void add_vault_commands(CLI::App& app, CliContext& ctx) {
  auto* vault = app.add_subcommand("vault", "Manage vaults (Coffer admin API).");
  vault->require_subcommand(1);

  struct CreateArgs {
    std::string name;
    int retention_days = 90;
    bool purge_protection = false;
  };
  auto c = std::make_shared<CreateArgs>();
  auto* create = vault->add_subcommand("create", "Create a vault.");
  create->add_option("--name,-n", c->name, "Vault name.")->required();
  create->add_option("--retention-days", c->retention_days, "Soft-delete retention in days (7-90).")
      ->capture_default_str()
      ->check(CLI::Range(7, 90));
  create->add_flag("--enable-purge-protection", c->purge_protection,
                   "Refuse purges: deleted objects stay until their retention ends.");
  on_run(create, ctx, [&ctx, c] {
    json::value body = json::object{{"retentionDays", c->retention_days}, {"purgeProtection", c->purge_protection}};
    return admin_call(ctx, "PUT", kVaults + "/" + percent_encode(c->name), &body, show_vault);
  });

  auto name = std::make_shared<std::string>();
  auto* show = vault->add_subcommand("show", "Show a vault.");
  show->add_option("--name,-n", *name, "Vault name.")->required();
  on_run(show, ctx,
         [&ctx, name] { return admin_call(ctx, "GET", kVaults + "/" + percent_encode(*name), nullptr, show_vault); });

  auto* list = vault->add_subcommand("list", "List vaults.");
  on_run(list, ctx, [&ctx] { return admin_call(ctx, "GET", kVaults, nullptr, show_vault_list); });

  auto* del = vault->add_subcommand("delete", "Delete a vault and everything in it, at once and for good.");
  del->add_option("--name,-n", *name, "Vault name.")->required();
  on_run(del, ctx,
         [&ctx, name] { return admin_call(ctx, "DELETE", kVaults + "/" + percent_encode(*name), nullptr, nullptr); });
}

void add_principal_commands(CLI::App& app, CliContext& ctx) {
  auto* sp = app.add_subcommand("sp", "Manage service principals (Coffer admin API).");
  sp->require_subcommand(1);

  auto display_name = std::make_shared<std::string>();
  auto* create = sp->add_subcommand("create", "Create a service principal; prints its only copy of clientSecret.");
  create->add_option("--display-name", *display_name, "Display name.")->required();
  on_run(create, ctx, [&ctx, display_name] {
    json::value body = json::object{{"displayName", *display_name}};
    return admin_call(ctx, "POST", kPrincipals, &body, nullptr);
  });

  auto* list = sp->add_subcommand("list", "List service principals.");
  on_run(list, ctx, [&ctx] { return admin_call(ctx, "GET", kPrincipals, nullptr, show_principal_list); });

  auto id = std::make_shared<std::string>();
  auto* show = sp->add_subcommand("show", "Show a service principal.");
  show->add_option("--id", *id, "Client (application) id.")->required();
  on_run(show, ctx,
         [&ctx, id] { return admin_call(ctx, "GET", kPrincipals + "/" + percent_encode(*id), nullptr, nullptr); });

  auto* del = sp->add_subcommand("delete", "Delete a service principal.");
  del->add_option("--id", *id, "Client (application) id.")->required();
  on_run(del, ctx,
         [&ctx, id] { return admin_call(ctx, "DELETE", kPrincipals + "/" + percent_encode(*id), nullptr, nullptr); });

  auto* credential = sp->add_subcommand("credential", "Manage a service principal's credential.");
  credential->require_subcommand(1);
  auto* reset = credential->add_subcommand("reset", "Replace the client secret; prints the new clientSecret.");
  reset->add_option("--id", *id, "Client (application) id.")->required();
  on_run(reset, ctx, [&ctx, id] {
    return admin_call(ctx, "POST", kPrincipals + "/" + percent_encode(*id) + "/reset-credential", nullptr, nullptr);
  });
  add_sp_credential_commands(sp, credential, ctx);
}

// The first line of standard input, without its line end: a password never goes on a command line.
SecureString read_password_line() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return SecureString(std::move(line));
}

// POSTs {userName?, displayName?, password?} and prints the answer; the password is read from stdin when asked.
Status user_call(const CliContext& ctx, const std::string& method, const std::string& path, json::object body,
                 bool password_from_stdin) {
  SecureString password;
  if (password_from_stdin) {
    password = read_password_line();
    if (password.empty()) return bad_parameter("--password-stdin: standard input held no password.");
    body["password"] = password.view();
  }
  json::value value(std::move(body));
  Status st = admin_call(ctx, method, path, &value, nullptr);
  wipe_strings(value);
  return st;
}

void add_user_commands(CLI::App& app, CliContext& ctx) {
  auto* user = app.add_subcommand("user", "Manage people who sign in to Coffer (Coffer admin API).");
  user->require_subcommand(1);
  struct UserArgs {
    std::string name, display_name;
    bool password_stdin = false;
  };
  auto a = std::make_shared<UserArgs>();
  auto path = [a] { return kUsers + "/" + percent_encode(a->name); };

  auto* create = user->add_subcommand(
      "create", "Create a user; without --password-stdin a password is generated and printed once.");
  create->add_option("--name", a->name, "User name (letters, digits, . _ @ -), e.g. alice@example.com.")->required();
  create->add_option("--display-name", a->display_name, "Display name (default: the user name).");
  create->add_flag("--password-stdin", a->password_stdin, "Read the password (12-256 characters) from stdin.");
  on_run(create, ctx, [&ctx, a] {
    json::object body{{"userName", a->name}};
    if (!a->display_name.empty()) body["displayName"] = a->display_name;
    return user_call(ctx, "POST", kUsers, std::move(body), a->password_stdin);
  });

  auto* list = user->add_subcommand("list", "List users.");
  on_run(list, ctx, [&ctx] { return admin_call(ctx, "GET", kUsers, nullptr, show_principal_list); });

  const struct {
    const char* name;
    const char* help;
    const char* method;
    const char* suffix;
  } simple[] = {
      {"show", "Show a user (lockout state, TOTP enrolment).", "GET", ""},
      {"delete", "Delete a user; their sessions and refresh tokens stop working.", "DELETE", ""},
      {"unlock", "End a lockout after failed sign-ins.", "POST", "/unlock"},
      {"revoke-sign-ins", "Void every session and refresh token of the user.", "POST", "/revoke-sign-ins"},
  };
  for (const auto& c : simple) {
    auto* cmd = user->add_subcommand(c.name, c.help);
    cmd->add_option("--name", a->name, "User name or object id.")->required();
    on_run(cmd, ctx, [&ctx, a, path, method = std::string(c.method), suffix = std::string(c.suffix)] {
      return admin_call(ctx, method, path() + suffix, nullptr, nullptr);
    });
  }

  auto* reset = user->add_subcommand(
      "reset-password", "Set a new password (generated and printed without --password-stdin); ends sessions.");
  reset->add_option("--name", a->name, "User name or object id.")->required();
  reset->add_flag("--password-stdin", a->password_stdin, "Read the new password from stdin.");
  on_run(reset, ctx,
         [&ctx, a, path] { return user_call(ctx, "POST", path() + "/reset-password", {}, a->password_stdin); });

  auto* totp = user->add_subcommand("totp", "Manage a user's authenticator app (TOTP).");
  totp->require_subcommand(1);
  auto* enable = totp->add_subcommand("enable", "Enrol a new TOTP secret; prints it and its otpauth:// URI once.");
  enable->add_option("--name", a->name, "User name or object id.")->required();
  on_run(enable, ctx, [&ctx, path] { return admin_call(ctx, "POST", path() + "/totp", nullptr, nullptr); });
  auto* disable = totp->add_subcommand("disable", "Remove the user's TOTP secret.");
  disable->add_option("--name", a->name, "User name or object id.")->required();
  on_run(disable, ctx, [&ctx, path] { return admin_call(ctx, "DELETE", path() + "/totp", nullptr, nullptr); });
}

void add_test_clock_commands(CLI::App& app, CliContext& ctx) {
  auto* clock = app.add_subcommand("test-clock", "Drive the clock of a server started with --dev --test-clock.");
  clock->require_subcommand(1);
  auto seconds = std::make_shared<int64_t>(0);
  auto* advance = clock->add_subcommand("advance", "Move the clock forward and run maintenance (purges).");
  advance->add_option("--seconds", *seconds, "Seconds to advance.")->required()->check(CLI::NonNegativeNumber);
  on_run(advance, ctx, [&ctx, seconds] {
    json::value body = json::object{{"seconds", *seconds}};
    return admin_call(ctx, "POST", "/coffer/admin/clock/advance", &body, nullptr);
  });
}

}  // namespace

void add_admin_commands(CLI::App& app, CliContext& ctx) {
  add_vault_commands(app, ctx);
  add_principal_commands(app, ctx);
  add_user_commands(app, ctx);
  add_test_clock_commands(app, ctx);
}

}  // namespace coffer::cli
