// coffer operator init|unseal|seal-status|rekey update|rekey verify: the
// seal of a running server (SEAL-SPEC.md §1.4), over its unauthenticated
// /coffer/v1/sys routes — they work while the server is sealed, when no
// credential can be checked, and shares are their authority.
// coffer operator seal, rotate-root, generate-recovery, migrate and rekey
// init|cancel: authorized like the admin API (POST /coffer/admin/seal,
// rotate-root, recovery-keys, seal/migrate, POST|DELETE rekey, with the
// CLI's credentials; Coffer/seal/action, Coffer/rootKey/rotate/action,
// Coffer/recoveryKeys/generate/action, Coffer/seal/migrate/action,
// Coffer/rekey/action).
// coffer operator hsm-keygen: creates the pkcs11 seal's key in a token,
// directly through the module (no server).
// The server is --address (default $COFFER_ADDR or https://localhost:8443),
// trusted through --ca-file (default $COFFER_CA_FILE, else the data
// directory's tls/ca.crt when there is one, else the system store). A share
// is read from the argument, or from standard input when it is "-" or
// absent, so it need not appear in the shell's history or the process list.
#include <boost/json.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/connect.hpp"
#include "cli/credentials.hpp"
#include "cli/response_errors.hpp"
#include "common/secure_memory.hpp"
#include "http/client.hpp"
#include "seal/pkcs11_token.hpp"
#include "server/hsm_unseal.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

struct OperatorArgs {
  std::string address;
  std::string ca_file;
  int shares = 5;
  int threshold = 3;
  std::string key;
  std::string nonce;
  bool reset = false;
  bool verify = false;
  std::string hsm_lib;
  std::string token_label;
  std::string key_label = "coffer-seal";
  std::string pin_file;
  std::string migrate_to;
};

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

Result<json::value> sys_call(const CliContext& ctx, const OperatorArgs& a, const std::string& method,
                             const std::string& route, const std::string& body) {
  const std::string address = a.address.empty() ? env_or("COFFER_ADDR", "https://localhost:8443") : a.address;
  std::string ca = a.ca_file.empty() ? env_or("COFFER_CA_FILE", "") : a.ca_file;
  if (ca.empty()) {
    const auto dev_ca = std::filesystem::path(resolve_data_dir(ctx.data_dir)) / "tls" / "ca.crt";
    std::error_code ec;
    if (std::filesystem::exists(dev_ca, ec)) ca = dev_ca.string();
  }
  http::HttpsClient client(address, ca);
  COFFER_ASSIGN_OR_RETURN(http::Response r, client.request(method, "/coffer/v1/sys/" + route,
                                                           {{"Content-Type", "application/json"}}, body));
  if (r.status < 200 || r.status >= 300) return status_from_response(r);
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return Status(Code::kInternal, "The server's answer is not JSON.");
  return v;
}

Status run_status(const CliContext& ctx, const OperatorArgs& a) {
  COFFER_ASSIGN_OR_RETURN(json::value v, sys_call(ctx, a, "GET", "seal-status", ""));
  print_result(ctx, v);
  return Status::Ok();
}

Status run_seal(const CliContext& ctx) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_RETURN_IF_ERROR(client.call("POST", "/coffer/admin/seal", nullptr).status());
  std::cerr << "# The server is sealing: it finishes the requests it has, then forgets its keys." << std::endl;
  return Status::Ok();
}

Status run_rotate_root(const CliContext& ctx) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("POST", "/coffer/admin/rotate-root", nullptr));
  print_result(ctx, answer);
  return Status::Ok();
}

Status run_generate_recovery(const CliContext& ctx, const OperatorArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  json::value body = json::object{{"secretShares", a.shares}, {"secretThreshold", a.threshold}};
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("POST", "/coffer/admin/recovery-keys", &body));
  print_result(ctx, answer);
  std::cerr << "# These " << a.shares << " recovery shares are shown once. Any " << a.threshold
            << " of them unseal the server after an operator sealed it, and rekey them; they never decrypt "
               "anything without the HSM."
            << std::endl;
  return Status::Ok();
}

Status run_migrate(const CliContext& ctx, const OperatorArgs& a, bool counts_given) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  json::object body{{"seal", a.migrate_to}};
  if (counts_given) {
    body["secretShares"] = a.shares;
    body["secretThreshold"] = a.threshold;
  }
  json::value v = std::move(body);
  COFFER_ASSIGN_OR_RETURN(json::value answer, client.call("POST", "/coffer/admin/seal/migrate", &v));
  print_result(ctx, answer);
  const bool complete = answer.is_object() && answer.as_object().contains("complete") &&
                        answer.as_object().at("complete").is_bool() && answer.as_object().at("complete").as_bool();
  if (complete) {
    std::cerr << "# The seal is now '" << a.migrate_to << "': name it in the configuration before the next start. "
              << "The shares above are shown once." << std::endl;
  } else {
    std::cerr << "# K holders of the current shares complete the migration with 'coffer operator rekey update "
                 "--nonce <nonce>'."
              << std::endl;
  }
  return Status::Ok();
}

Status run_init(const CliContext& ctx, const OperatorArgs& a) {
  const std::string body = json::serialize(json::object{{"secretShares", a.shares}, {"secretThreshold", a.threshold}});
  COFFER_ASSIGN_OR_RETURN(json::value v, sys_call(ctx, a, "POST", "init", body));
  print_result(ctx, v);
  std::cerr << "# These " << a.shares << " shares are shown once. Hand them to " << a.shares
            << " different people; any " << a.threshold << " of them unseal the server." << std::endl;
  return Status::Ok();
}

// A share from the argument, or from standard input when it is "-" or absent.
Result<SecureString> read_share(const std::string& given) {
  SecureString key(given);
  if (given.empty() || given == "-") {
    std::string line;
    std::getline(std::cin, line);
    key = SecureString(std::move(line));
  }
  while (!key.empty() && (key.view().back() == '\n' || key.view().back() == '\r' || key.view().back() == ' ')) {
    key.resize(key.size() - 1);
  }
  if (key.empty()) return bad_parameter("No share given: pass it as an argument or on standard input.");
  return key;
}

// POSTs `body` (which holds a share under "key") to `route`, wiping the copies made here.
Result<json::value> post_share(const CliContext& ctx, const OperatorArgs& a, const std::string& route,
                               json::object body) {
  SecureString text(json::serialize(body));
  if (auto* k = body.if_contains("key"); k && k->is_string()) {
    auto& s = k->as_string();
    secure_wipe(s.data(), s.size());
  }
  return sys_call(ctx, a, "POST", route, std::string(text.view()));
}

Status run_unseal(const CliContext& ctx, const OperatorArgs& a) {
  json::object body;
  if (a.reset) {
    body["reset"] = true;
  } else {
    COFFER_ASSIGN_OR_RETURN(SecureString key, read_share(a.key));
    body["key"] = key.view();
  }
  COFFER_ASSIGN_OR_RETURN(json::value v, post_share(ctx, a, "unseal", std::move(body)));
  print_result(ctx, v);
  return Status::Ok();
}

Status run_rekey_init(const CliContext& ctx, const OperatorArgs& a) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  json::value body = json::object{{"secretShares", a.shares}, {"secretThreshold", a.threshold}, {"verify", a.verify}};
  COFFER_ASSIGN_OR_RETURN(json::value v, client.call("POST", "/coffer/admin/rekey", &body));
  print_result(ctx, v);
  return Status::Ok();
}

Status run_rekey_update(const CliContext& ctx, const OperatorArgs& a) {
  COFFER_ASSIGN_OR_RETURN(SecureString key, read_share(a.key));
  COFFER_ASSIGN_OR_RETURN(json::value v,
                          post_share(ctx, a, "rekey/update", json::object{{"nonce", a.nonce}, {"key", key.view()}}));
  print_result(ctx, v);
  if (v.is_object() && v.as_object().contains("keys")) {
    std::cerr << "# The new shares are shown once; the old ones no longer unseal this server." << std::endl;
  }
  return Status::Ok();
}

Status run_rekey_verify(const CliContext& ctx, const OperatorArgs& a) {
  COFFER_ASSIGN_OR_RETURN(SecureString key, read_share(a.key));
  COFFER_ASSIGN_OR_RETURN(json::value v,
                          post_share(ctx, a, "rekey/verify", json::object{{"nonce", a.nonce}, {"key", key.view()}}));
  print_result(ctx, v);
  return Status::Ok();
}

Status run_rekey_cancel(const CliContext& ctx) {
  COFFER_ASSIGN_OR_RETURN(ServiceClient client, connect_admin(ctx));
  COFFER_ASSIGN_OR_RETURN(json::value v, client.call("DELETE", "/coffer/admin/rekey", nullptr));
  print_result(ctx, v);
  return Status::Ok();
}

Status run_hsm_keygen(const OperatorArgs& a) {
  server::ServerConfig config;
  config.hsm_lib = a.hsm_lib;
  config.hsm_token_label = a.token_label;
  config.hsm_key_label = a.key_label;
  config.hsm_pin_file = a.pin_file;
  COFFER_ASSIGN_OR_RETURN(seal::Pkcs11Options options, server::hsm_options(config));
  COFFER_RETURN_IF_ERROR(seal::Pkcs11Token::generate_key(options));
  std::cout << "created AES-256 key '" << a.key_label << "' in token '" << a.token_label
            << "' (sensitive, never extractable)" << std::endl;
  return Status::Ok();
}

void add_target_options(CLI::App* cmd, OperatorArgs& a) {
  cmd->add_option("--address", a.address,
                  "The server, https://HOST:PORT (default: $COFFER_ADDR or https://localhost:8443).");
  cmd->add_option("--ca-file", a.ca_file,
                  "CA certificate to trust (default: $COFFER_CA_FILE, else <data-dir>/tls/ca.crt, else the system "
                  "store).");
}

}  // namespace

void add_operator_commands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<OperatorArgs>();
  CLI::App* op = app.add_subcommand("operator", "Initialize, unseal and seal a server.");
  op->require_subcommand(1);

  CLI::App* status = op->add_subcommand("seal-status", "Show whether the server is initialized and sealed.");
  add_target_options(status, *args);
  on_run(status, ctx, [&ctx, args] { return run_status(ctx, *args); });

  CLI::App* seal = op->add_subcommand(
      "seal", "Seal the server (needs Coffer/seal/action): a shamir seal opens again with shares, others on restart.");
  on_run(seal, ctx, [&ctx] { return run_seal(ctx); });

  CLI::App* rotate = op->add_subcommand(
      "rotate-root",
      "Make a new root key generation and rewrap every vault key under it (needs Coffer/rootKey/rotate/action).");
  on_run(rotate, ctx, [&ctx] { return run_rotate_root(ctx); });

  CLI::App* recovery = op->add_subcommand(
      "generate-recovery",
      "HSM (pkcs11) seal: make its recovery shares, once; prints them (needs Coffer/recoveryKeys/generate/action).");
  recovery->add_option("--key-shares", args->shares, "How many shares to make (default 5).")->check(CLI::Range(1, 255));
  recovery->add_option("--key-threshold", args->threshold, "How many shares make a quorum (default 3).")
      ->check(CLI::Range(1, 255));
  on_run(recovery, ctx, [&ctx, args] { return run_generate_recovery(ctx, *args); });

  CLI::App* migrate = op->add_subcommand(
      "migrate",
      "Move the seal to another model (needs Coffer/seal/migrate/action): from keyfile at once, printing the new "
      "shares; from shares, a quorum of them completes it through 'rekey update'.");
  migrate->add_option("--to", args->migrate_to, "keyfile, shamir or pkcs11.")
      ->required()
      ->check(CLI::IsMember({"keyfile", "shamir", "pkcs11"}));
  auto* migrate_shares = migrate
                             ->add_option("--key-shares", args->shares,
                                          "From keyfile: how many shares (unseal, or recovery for pkcs11) to make.")
                             ->check(CLI::Range(1, 255));
  auto* migrate_threshold =
      migrate->add_option("--key-threshold", args->threshold, "From keyfile: how many of them make a quorum.")
          ->check(CLI::Range(1, 255));
  on_run(migrate, ctx, [&ctx, args, migrate_shares, migrate_threshold] {
    return run_migrate(ctx, *args, migrate_shares->count() > 0 || migrate_threshold->count() > 0);
  });

  CLI::App* init =
      op->add_subcommand("init", "Initialize a server whose seal is 'shamir': prints the unseal shares once.");
  add_target_options(init, *args);
  init->add_option("--key-shares", args->shares, "How many shares to make (default 5).")->check(CLI::Range(1, 255));
  init->add_option("--key-threshold", args->threshold, "How many shares unseal (default 3).")
      ->check(CLI::Range(1, 255));
  on_run(init, ctx, [&ctx, args] { return run_init(ctx, *args); });

  CLI::App* unseal = op->add_subcommand(
      "unseal", "Hand in one unseal share, or a recovery share of an HSM seal (or reset the progress).");
  add_target_options(unseal, *args);
  unseal->add_option("key", args->key, "The share, or '-' (the default) to read it from standard input.");
  unseal->add_flag("--reset", args->reset, "Drop the shares handed in so far.");
  on_run(unseal, ctx, [&ctx, args] { return run_unseal(ctx, *args); });

  CLI::App* rekey = op->add_subcommand(
      "rekey", "Replace the unseal shares, or an HSM seal's recovery shares (the quorum of current ones decides).");
  rekey->require_subcommand(1);
  CLI::App* rekey_init = rekey->add_subcommand(
      "init", "Start a rekey to N new shares, threshold K (needs Coffer/rekey/action): prints its nonce.");
  rekey_init->add_option("--key-shares", args->shares, "How many new shares (default 5).")->check(CLI::Range(1, 255));
  rekey_init->add_option("--key-threshold", args->threshold, "How many new shares unseal (default 3).")
      ->check(CLI::Range(1, 255));
  rekey_init->add_flag("--verify", args->verify,
                       "Put the new shares in force only once K of them come back through 'rekey verify'.");
  on_run(rekey_init, ctx, [&ctx, args] { return run_rekey_init(ctx, *args); });
  CLI::App* rekey_update =
      rekey->add_subcommand("update", "Hand in one current share; at the threshold the new shares are printed, once.");
  add_target_options(rekey_update, *args);
  rekey_update->add_option("--nonce", args->nonce, "The nonce 'rekey init' printed.")->required();
  rekey_update->add_option("key", args->key, "The share, or '-' (the default) to read it from standard input.");
  on_run(rekey_update, ctx, [&ctx, args] { return run_rekey_update(ctx, *args); });
  CLI::App* rekey_verify = rekey->add_subcommand(
      "verify", "Hand back one new share (a rekey started with --verify); at K the new shares are in force.");
  add_target_options(rekey_verify, *args);
  rekey_verify->add_option("--nonce", args->nonce, "The verification nonce 'rekey update' printed.")->required();
  rekey_verify->add_option("key", args->key, "The new share, or '-' (the default) to read it from standard input.");
  on_run(rekey_verify, ctx, [&ctx, args] { return run_rekey_verify(ctx, *args); });
  CLI::App* rekey_cancel = rekey->add_subcommand("cancel", "Drop the rekey in progress (needs Coffer/rekey/action).");
  on_run(rekey_cancel, ctx, [&ctx] { return run_rekey_cancel(ctx); });

  CLI::App* keygen = op->add_subcommand("hsm-keygen", "Create the pkcs11 seal's AES-256 key in a PKCS#11 token.");
  keygen->add_option("--lib", args->hsm_lib, "The PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).")->required();
  keygen->add_option("--token-label", args->token_label, "The token, by label.")->required();
  keygen->add_option("--key-label", args->key_label, "The key's label (default coffer-seal).");
  keygen->add_option("--pin-file", args->pin_file, "A file holding the user PIN (default: $COFFER_HSM_PIN).");
  on_run(keygen, ctx, [args] { return run_hsm_keygen(*args); });
}

}  // namespace coffer::cli
