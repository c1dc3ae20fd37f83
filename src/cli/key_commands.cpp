// `coffer keyvault key …`, mirroring `az keyvault key` (AKV api-version 7.4):
// create, import, show, list, list-versions, set-attributes, delete, recover,
// purge, backup, restore, rotate, rotation-policy show|update, and the
// cryptographic operations encrypt, decrypt, sign and verify (a version by
// --version, or by --id with the full key id as az takes it). Answers are
// printed as the server sends them (KeyBundle, KeyItem list, operation result).
#include "cli/key_commands.hpp"

#include <boost/json.hpp>
#include <memory>

#include "cli/connect.hpp"
#include "cli/file_io.hpp"
#include "cli/object_ref.hpp"
#include "cli/secret_encoding.hpp"
#include "cli/secret_support.hpp"
#include "cli/vault_calls.hpp"
#include "common/base64.hpp"
#include "crypto/key_material.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace {

// Commands on a whole key: --vault-name and --name, both required.
void add_ref(CLI::App* cmd, ObjectRef& ref) { add_required_name_options(cmd, ref, kKeyObject); }

// Commands on one version: also --version, or --id instead of all three;
// on_run's check is require_object_ref.
void add_version_ref(CLI::App* cmd, ObjectRef& ref) {
  add_object_ref_options(cmd, ref, RefOptions::kNameVersionId, kKeyObject);
}

std::string key_path(const std::string& name) { return object_path(kKeyObject, name); }
// "/keys/<name>/<version>", or "/keys/<name>/" for the latest.
std::string key_version_path(const OpenedObject& k) { return object_version_path(kKeyObject, k.name, k.version); }

// `path_after` is appended to the version's path ("" or "/sign", …).
Status call_version_and_print(const CliContext& ctx, const ObjectRef& ref, const std::string& method,
                              const std::string& path_after, const json::value* body = nullptr) {
  COFFER_ASSIGN_OR_RETURN(OpenedObject k, open_object(ctx, ref, kKeyObject));
  return print_call(ctx, k.client, method, key_version_path(k) + path_after, body);
}

json::array ops_json(const std::vector<std::string>& ops) {
  json::array out;
  for (const auto& op : ops) out.emplace_back(op);
  return out;
}

// Attributes and tags shared by create, import and set-attributes.
struct Metadata {
  std::vector<std::string> ops;
  std::vector<std::string> tags;
  std::string enabled;  // "", "true", "false"
  std::string not_before;
  std::string expires;
  CLI::Option* tags_opt = nullptr;
};

void add_metadata(CLI::App* cmd, Metadata& m) {
  cmd->add_option("--ops", m.ops, "Permitted operations: encrypt decrypt sign verify wrapKey unwrapKey import export.")
      ->check(CLI::IsMember({"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "export"}));
  m.tags_opt = add_tags_option(cmd, m.tags);
  cmd->add_option("--enabled", m.enabled, "Enable or disable the key.")->check(CLI::IsMember({"true", "false"}));
  cmd->add_option("--not-before", m.not_before, "Not usable before this time (ISO-8601, UTC by default).")
      ->check(iso8601_validator());
  cmd->add_option("--expires", m.expires, "Not usable after this time (ISO-8601, UTC by default).")
      ->check(iso8601_validator());
}

void apply_metadata(const Metadata& m, json::object& body) {
  json::object attributes;
  if (!m.enabled.empty()) attributes["enabled"] = m.enabled == "true";
  if (!m.not_before.empty()) attributes["nbf"] = iso8601_seconds(m.not_before);
  if (!m.expires.empty()) attributes["exp"] = iso8601_seconds(m.expires);
  if (!attributes.empty()) body["attributes"] = std::move(attributes);
  if (m.tags_opt && m.tags_opt->count()) body["tags"] = tags_json(m.tags);
  if (!m.ops.empty()) body["key_ops"] = ops_json(m.ops);
}

// ---- create / import ----

struct KeyCreateArgs {
  ObjectRef ref;
  std::string kty = "RSA";
  int size = 0;
  std::string curve;
  Metadata meta;
};

void add_key_create(CLI::App* key, CliContext& ctx) {
  auto a = std::make_shared<KeyCreateArgs>();
  auto* cmd = key->add_subcommand("create", "Create a key, or a new version of it.");
  add_ref(cmd, a->ref);
  cmd->add_option("--kty", a->kty, "Key type: RSA, EC or oct.")->capture_default_str();
  cmd->add_option("--size", a->size, "RSA: 2048, 3072 or 4096; oct: 128, 192 or 256.");
  cmd->add_option("--curve", a->curve, "EC curve: P-256, P-384, P-521 or P-256K.");
  add_metadata(cmd, a->meta);
  on_run(cmd, ctx, [&ctx, a]() -> Status {
    json::object body{{"kty", a->kty}};
    if (a->size > 0) body["key_size"] = a->size;
    if (!a->curve.empty()) body["crv"] = a->curve;
    apply_metadata(a->meta, body);
    json::value request = std::move(body);
    return call_and_print(ctx, a->ref.vault_name, "POST", key_path(a->ref.name) + "/create", &request);
  });
}

// A private JWK (as JSON) from a PEM private key file; the PEM's bytes are wiped.
Result<json::object> jwk_from_pem(const std::string& file) {
  COFFER_ASSIGN_OR_RETURN(std::string pem, read_file(file));
  auto material = crypto::KeyMaterial::from_private_pem(pem);
  secure_wipe(pem.data(), pem.size());
  if (!material.ok()) return material.status();
  COFFER_ASSIGN_OR_RETURN(crypto::Jwk j, material->private_jwk());
  json::object o{{"kty", j.kty}};
  const auto put = [&](const char* k, std::string_view v) {
    if (!v.empty()) o[k] = base64url_encode(v);
  };
  if (!j.crv.empty()) o["crv"] = j.crv;
  put("n", j.n);
  put("e", j.e);
  put("x", j.x);
  put("y", j.y);
  put("d", j.d.view());
  put("p", j.p.view());
  put("q", j.q.view());
  put("dp", j.dp.view());
  put("dq", j.dq.view());
  put("qi", j.qi.view());
  return o;
}

struct KeyImportArgs {
  ObjectRef ref;
  std::string pem_file;
  std::string jwk_file;
  Metadata meta;
};

void add_key_import(CLI::App* key, CliContext& ctx) {
  auto a = std::make_shared<KeyImportArgs>();
  auto* cmd = key->add_subcommand("import", "Import a private key (PEM, or a JSON web key) as a new version.");
  add_ref(cmd, a->ref);
  auto* pem = cmd->add_option("--pem-file", a->pem_file, "PEM file with an RSA or EC private key (unencrypted).");
  auto* jwk = cmd->add_option("--jwk-file", a->jwk_file, "JSON file with a private JSON web key.")->excludes(pem);
  add_metadata(cmd, a->meta);
  on_run(
      cmd, ctx,
      [&ctx, a]() -> Status {
        json::object private_jwk;
        if (!a->pem_file.empty()) {
          COFFER_ASSIGN_OR_RETURN(private_jwk, jwk_from_pem(a->pem_file));
        } else {
          COFFER_ASSIGN_OR_RETURN(std::string text, read_file(a->jwk_file));
          boost::system::error_code ec;
          json::value v = json::parse(text, ec);
          secure_wipe(text.data(), text.size());
          if (ec || !v.is_object()) return Status(Code::kBadParameter, a->jwk_file + " is not a JSON object.");
          private_jwk = std::move(v.get_object());
        }
        json::object body{{"key", std::move(private_jwk)}};
        apply_metadata(a->meta, body);
        json::value request = std::move(body);
        return call_and_print(ctx, a->ref.vault_name, "PUT", key_path(a->ref.name), &request);
      },
      [pem, jwk] {
        if (!pem->count() && !jwk->count()) throw CLI::RequiredError("--pem-file or --jwk-file");
      });
}

// ---- show / list / set-attributes / lifecycle ----

void add_read_commands(CLI::App* key, CliContext& ctx) {
  auto show_ref = std::make_shared<ObjectRef>();
  auto* show = key->add_subcommand("show", "Show a key's public part and attributes.");
  add_version_ref(show, *show_ref);
  on_run(
      show, ctx, [&ctx, show_ref] { return call_version_and_print(ctx, *show_ref, "GET", ""); },
      [show_ref] { require_object_ref(*show_ref); });

  struct ListArgs {
    ObjectRef ref;
    std::size_t max_results = 0;
  };
  for (bool versions : {false, true}) {
    auto a = std::make_shared<ListArgs>();
    auto* cmd = versions ? key->add_subcommand("list-versions", "List the versions of a key.")
                         : key->add_subcommand("list", "List the keys of a vault (latest versions).");
    cmd->add_option("--vault-name", a->ref.vault_name, "Name of the vault.")->required();
    if (versions) cmd->add_option("--name,-n", a->ref.name, "Name of the key.")->required();
    cmd->add_option("--maxresults", a->max_results, "Return at most this many.")->check(CLI::PositiveNumber);
    on_run(cmd, ctx, [&ctx, a, versions] {
      return list_and_print(ctx, a->ref.vault_name, versions ? key_path(a->ref.name) + "/versions" : "/keys",
                            a->max_results);
    });
  }

  struct SetArgs {
    ObjectRef ref;
    Metadata meta;
  };
  auto s = std::make_shared<SetArgs>();
  auto* set = key->add_subcommand("set-attributes", "Change a key version's operations, attributes or tags.");
  add_version_ref(set, s->ref);
  add_metadata(set, s->meta);
  on_run(
      set, ctx,
      [&ctx, s] {
        json::object body;
        apply_metadata(s->meta, body);
        json::value request = std::move(body);
        return call_version_and_print(ctx, s->ref, "PATCH", "", &request);
      },
      [s] { require_object_ref(s->ref); });

  add_named_calls(key, ctx, kKeyObject,
                  {{"delete", "Delete a key (soft delete: recoverable until purged).", "DELETE", false, ""},
                   {"recover", "Recover a deleted key.", "POST", true, "/recover"},
                   {"purge", "Permanently delete a deleted key.", "DELETE", true, ""},
                   {"show-deleted", "Show a deleted key.", "GET", true, ""},
                   {"rotate", "Rotate a key: a new version with the same type and size.", "POST", false, "/rotate"}});
}

// ---- rotation policy ----

void add_rotation_policy(CLI::App* key, CliContext& ctx) {
  auto* policy = key->add_subcommand("rotation-policy", "Show or replace a key's rotation policy.");
  policy->require_subcommand(1);
  auto s = std::make_shared<ObjectRef>();
  auto* show = policy->add_subcommand("show", "Show the rotation policy.");
  add_ref(show, *s);
  on_run(show, ctx,
         [&ctx, s] { return call_and_print(ctx, s->vault_name, "GET", key_path(s->name) + "/rotationpolicy"); });
  struct UpdateArgs {
    ObjectRef ref;
    std::string value;
  };
  auto u = std::make_shared<UpdateArgs>();
  auto* update = policy->add_subcommand("update", "Replace the rotation policy with a JSON document.");
  add_ref(update, u->ref);
  update->add_option("--value", u->value, "The policy: a JSON file path, or JSON text.")->required();
  on_run(update, ctx, [&ctx, u]() -> Status {
    COFFER_ASSIGN_OR_RETURN(json::object policy_document, json_object_argument(u->value, "--value"));
    json::value request = std::move(policy_document);
    return call_and_print(ctx, u->ref.vault_name, "PUT", key_path(u->ref.name) + "/rotationpolicy", &request);
  });
}

// ---- encrypt / decrypt / sign / verify ----

struct CryptoArgs {
  ObjectRef ref;
  std::string algorithm;
  std::string value;
  std::string data_type = "base64";
  std::string iv, aad, tag;
  std::string digest;
  std::string signature;
};

Result<std::string> decode_b64(const std::string& text, const char* what) {
  if (text.empty()) return std::string();
  auto bytes = base64_decode(text);
  if (!bytes) bytes = base64url_decode(text);
  if (!bytes) return Status(Code::kBadParameter, std::string(what) + " is not base64.");
  return std::move(*bytes);
}

Status run_crypto(const CliContext& ctx, const CryptoArgs& a, const std::string& op) {
  json::object body{{"alg", a.algorithm}};
  std::string value;
  if (op == "encrypt" && a.data_type == "plaintext") {
    value = a.value;
  } else if (op == "sign" || op == "verify") {
    COFFER_ASSIGN_OR_RETURN(
        value, decode_b64(op == "sign" ? a.digest : a.signature, op == "sign" ? "--digest" : "--signature"));
  } else {
    COFFER_ASSIGN_OR_RETURN(value, decode_b64(a.value, "--value"));
  }
  body["value"] = base64url_encode(value);
  secure_wipe(value.data(), value.size());
  if (op == "verify") {
    COFFER_ASSIGN_OR_RETURN(std::string digest, decode_b64(a.digest, "--digest"));
    body["digest"] = base64url_encode(digest);
  }
  for (auto [name, text] : {std::pair{"iv", &a.iv}, {"aad", &a.aad}, {"tag", &a.tag}}) {
    COFFER_ASSIGN_OR_RETURN(std::string bytes, decode_b64(*text, name));
    if (!bytes.empty()) body[name] = base64url_encode(bytes);
  }
  json::value request = std::move(body);
  COFFER_ASSIGN_OR_RETURN(OpenedObject k, open_object(ctx, a.ref, kKeyObject));
  COFFER_ASSIGN_OR_RETURN(json::value answer,
                          k.client.call("POST", key_version_path(k) + "/" + op + api_query(), &request));
  const json::object* o = answer.if_object();
  if (!o) return Status(Code::kInternal, "The server's answer is not an object.");
  json::object out{{"algorithm", a.algorithm}};
  if (const json::value* kid = o->if_contains("kid")) out["kid"] = *kid;
  const json::value* v = o->if_contains("value");
  if (op == "verify") {
    out["isValid"] = v && v->is_bool() && v->get_bool();
  } else if (v && v->is_string()) {
    auto bytes = base64url_decode(v->get_string());
    if (!bytes) return Status(Code::kInternal, "The server's answer is not base64url.");
    out["result"] =
        op == "decrypt" && a.data_type == "plaintext" ? json::value(*bytes) : json::value(base64_encode(*bytes));
    secure_wipe(bytes->data(), bytes->size());
    for (const char* extra : {"iv", "tag", "aad"}) {
      const json::value* e = o->if_contains(extra);
      auto eb = e && e->is_string() ? base64url_decode(e->get_string()) : std::nullopt;
      if (eb) out[extra] = base64_encode(*eb);
    }
  }
  print_result(ctx, out);
  return Status::Ok();
}

void add_crypto(CLI::App* key, CliContext& ctx) {
  for (std::string op : {"encrypt", "decrypt", "sign", "verify"}) {
    auto a = std::make_shared<CryptoArgs>();
    const std::string help = op == "encrypt"   ? "Encrypt a value with a key (on the server)."
                             : op == "decrypt" ? "Decrypt a value with a key."
                             : op == "sign"    ? "Sign a digest with a key."
                                               : "Verify a signature of a digest with a key (on the server).";
    auto* cmd = key->add_subcommand(op, help);
    add_version_ref(cmd, a->ref);
    cmd->add_option("--algorithm,-a", a->algorithm, "Algorithm, e.g. RSA-OAEP-256, A256GCM, RS256, ES256.")->required();
    if (op == "encrypt" || op == "decrypt") {
      cmd->add_option("--value", a->value, "The value (base64, or text with --data-type plaintext).")->required();
      cmd->add_option("--data-type", a->data_type, "base64 (default) or plaintext.")
          ->check(CLI::IsMember({"base64", "plaintext"}));
      cmd->add_option("--iv", a->iv, "Initialization vector, base64 (AES).");
      cmd->add_option("--aad", a->aad, "Additional authenticated data, base64 (AES-GCM).");
      if (op == "decrypt") cmd->add_option("--tag", a->tag, "Authentication tag, base64 (AES-GCM).");
    } else {
      cmd->add_option("--digest", a->digest, "The digest, base64.")->required();
      if (op == "verify") cmd->add_option("--signature", a->signature, "The signature, base64.")->required();
    }
    on_run(
        cmd, ctx, [&ctx, a, op] { return run_crypto(ctx, *a, op); }, [a] { require_object_ref(a->ref); });
  }
}

}  // namespace

void add_key_commands(CLI::App& app, CliContext& ctx) {
  CLI::App* keyvault = app.get_subcommand("keyvault");
  auto* key = keyvault->add_subcommand("key", "Manage keys and use them, as `az keyvault key` does.");
  key->require_subcommand(1);
  add_key_create(key, ctx);
  add_key_import(key, ctx);
  add_read_commands(key, ctx);
  add_backup_restore_commands(key, ctx, kKeyObject, "Save an encrypted backup of every version of a key to a file.");
  add_rotation_policy(key, ctx);
  add_crypto(key, ctx);
}

}  // namespace coffer::cli
