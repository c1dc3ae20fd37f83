#include "api/key_routes.hpp"

#include <boost/json.hpp>

#include "api/key_codec.hpp"
#include "api/paging.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"
#include "api/secret_codec.hpp"
#include "common/base64.hpp"
#include "crypto/random.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

// The six cryptographic operations on /keys/{name}/{version}/{op}.
struct CryptoRoute {
  std::string_view path;
  std::string_view operation;
  std::string_view action;
};
constexpr CryptoRoute kCryptoRoutes[] = {
    {"encrypt", "KeyEncrypt", "keys/encrypt/action"}, {"decrypt", "KeyDecrypt", "keys/decrypt/action"},
    {"wrapkey", "KeyWrap", "keys/wrap/action"},       {"unwrapkey", "KeyUnwrap", "keys/unwrap/action"},
    {"sign", "KeySign", "keys/sign/action"},          {"verify", "KeyVerify", "keys/verify/action"},
};

http::Response run_crypto(std::string_view op, const std::string& body, const std::string& base,
                          const vault::VaultInfo& vault, const std::string& name, const std::string& version,
                          vault::KeyService& keys) {
  auto req = parse_key_operation(body, op == "verify");
  if (!req.ok()) return error_response(req.status());
  const auto& r = *req;
  // Encrypt answers with its iv, tag and aad; decrypt and unwrapkey answer a plaintext.
  const auto answer = [&](const Result<vault::KeyOperationResult>& res, bool extras, bool plaintext) {
    if (!res.ok()) return error_response(res.status());
    return key_operation_response(base, name, *res, extras, plaintext);
  };
  if (op == "encrypt") return answer(keys.encrypt(vault, name, version, r.alg, r.value, r.iv, r.aad), true, false);
  if (op == "decrypt") {
    return answer(keys.decrypt(vault, name, version, r.alg, r.value, r.iv, r.aad, r.tag), false, true);
  }
  if (op == "wrapkey") return answer(keys.wrap(vault, name, version, r.alg, r.value), false, false);
  if (op == "unwrapkey") return answer(keys.unwrap(vault, name, version, r.alg, r.value), false, true);
  if (op == "sign") return answer(keys.sign(vault, name, version, r.alg, r.value), false, false);
  return respond(keys.verify(vault, name, version, r.alg, r.digest, r.value), [](const vault::KeyOperationResult& res) {
    return json::object{{"value", res.verified}};
  });
}

}  // namespace

std::optional<Operation> route_key_operation(const VaultRequest& req, vault::KeyService& keys) {
  const auto& seg = req.target.segments;
  const std::string& method = req.http.method;
  if (seg.empty()) return std::nullopt;
  const std::string vault_scope = "/vaults/" + req.vault.name;
  const auto object_scope = [&](const std::string& name) { return vault_scope + "/keys/" + name; };
  const auto object_url = [&](const std::string& name) { return req.base + "/keys/" + name; };
  auto& vault = req.vault;
  const std::string base = req.base;
  const ParsedTarget& target = req.target;
  const std::string& body = req.http.body;  // captured by reference: the request outlives the operation

  if (seg[0] == "rng" && seg.size() == 1 && method == "POST") {
    Operation rng = data_operation("GetRandomBytes", "rng/action", vault_scope, req.base + "/rng", [&] {
      auto count = parse_rng(body);
      if (!count.ok()) return error_response(count.status());
      SecureString bytes = crypto::random_bytes(static_cast<std::size_t>(*count));
      return random_bytes_response(bytes.view());
    });
    rng.computes_only = true;
    return rng;
  }

  if (seg[0] == "keys") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation("KeyList", "keys/read", vault_scope, req.base + "/keys", [&, base] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        return respond(keys.list(vault, *page), [&](const vault::Page<vault::KeyProperties>& p) {
          json::array items;
          for (const auto& k : p.items) items.push_back(key_item(base, vault, k, false));
          return json::object{{"value", items}, {"nextLink", next_link(base, "/keys", target, *page, p.next)}};
        });
      });
    }
    if (seg.size() == 2 && seg[1] == "restore" && method == "POST") {
      return data_operation("KeyRestore", "keys/restore/action", vault_scope, req.base + "/keys", [&, base] {
        auto value = parse_value_body(body);
        if (!value.ok()) return error_response(value.status());
        auto blob = base64url_decode(*value);
        if (!blob) return error_response(Status(Code::kBadParameter, "The backup blob is not valid base64url."));
        return respond(keys.restore(vault, *blob),
                       [&](const vault::KeyProperties& p) { return key_bundle(base, vault, p); });
      });
    }
    if (seg.size() < 2 || seg[1].empty()) return std::nullopt;
    const std::string name = seg[1];
    const auto bundle = [&, base](const vault::KeyProperties& p) { return key_bundle(base, vault, p); };

    if (seg.size() == 2 && method == "PUT") {
      return data_operation("KeyImport", "keys/import/action", object_scope(name), object_url(name), [&, name, bundle] {
        auto im = parse_key_import(body);
        if (!im.ok()) return error_response(im.status());
        im->idempotency_key = req.idempotency_key;
        return respond(keys.import(vault, name, *im), bundle);
      });
    }
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("KeyDelete", "keys/delete", object_scope(name), object_url(name), [&, base, name] {
        return respond(keys.remove(vault, name),
                       [&](const vault::DeletedKey& d) { return deleted_key_bundle(base, vault, d, false); });
      });
    }
    if (seg.size() == 3 && method == "POST" && seg[2] == "create") {
      return data_operation("KeyCreate", "keys/create/action", object_scope(name), object_url(name), [&, name, bundle] {
        auto draft = parse_key_create(body);
        if (!draft.ok()) return error_response(draft.status());
        draft->idempotency_key = req.idempotency_key;
        return respond(keys.create(vault, name, *draft), bundle);
      });
    }
    if (seg.size() == 3 && method == "POST" && seg[2] == "rotate") {
      return data_operation("KeyRotate", "keys/rotate/action", object_scope(name), object_url(name), [&, name, bundle] {
        return respond(keys.rotate(vault, name, req.idempotency_key), bundle);
      });
    }
    if (seg.size() == 3 && method == "POST" && seg[2] == "backup") {
      return data_operation("KeyBackup", "keys/backup/action", object_scope(name), object_url(name), [&, name] {
        return respond(keys.backup(vault, name), [](const std::string& blob) {
          return json::object{{"value", base64url_encode(blob)}};
        });
      });
    }
    if (seg.size() == 3 && method == "GET" && seg[2] == "versions") {
      return data_operation("KeyListVersions", "keys/read", object_scope(name), object_url(name), [&, base, name] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        return respond(keys.list_versions(vault, name, *page), [&](const vault::Page<vault::KeyProperties>& p) {
          json::array items;
          for (const auto& k : p.items) items.push_back(key_item(base, vault, k, true));
          return json::object{{"value", items},
                              {"nextLink", next_link(base, "/keys/" + name + "/versions", target, *page, p.next)}};
        });
      });
    }
    if (seg.size() == 3 && seg[2] == "rotationpolicy") {
      const std::string url = object_url(name) + "/rotationpolicy";
      if (method == "GET") {
        return data_operation(
            "KeyRotationPolicyGet", "keyrotationpolicies/read", object_scope(name), url, [&, base, name] {
              return respond(keys.get_rotation_policy(vault, name), [&](const vault::RotationPolicy& p) {
                return rotation_policy_json(base + "/keys/" + name, p);
              });
            });
      }
      if (method == "PUT") {
        return data_operation(
            "KeyRotationPolicyUpdate", "keyrotationpolicies/write", object_scope(name), url, [&, base, name] {
              auto policy = parse_rotation_policy(body);
              if (!policy.ok()) return error_response(policy.status());
              return respond(keys.set_rotation_policy(vault, name, *policy), [&](const vault::RotationPolicy& p) {
                return rotation_policy_json(base + "/keys/" + name, p);
              });
            });
      }
      return std::nullopt;
    }
    // POST /keys/{n}/{version}/{op}; az sends "/keys/{n}//{op}" for the latest version, which
    // arrives here as /keys/{n}/{op} (repeated slashes collapse).
    const bool latest_op =
        seg.size() == 3 && method == "POST" && seg[2] != "create" && seg[2] != "rotate" && seg[2] != "backup";
    if ((seg.size() == 4 || latest_op) && method == "POST") {
      const std::string version = seg.size() == 4 ? seg[2] : std::string();
      const std::string& op_word = seg.back();
      const std::string url = object_url(name) + "/" + version;
      if (op_word == "release") {
        return data_operation("KeyRelease", "keys/release/action", object_scope(name), url, [&, name, version] {
          Status st = keys.release(vault, name, version);
          return error_response(st.ok() ? Status(Code::kInternal, "release returned no result") : st);
        });
      }
      for (const auto& r : kCryptoRoutes) {
        if (op_word != r.path) continue;
        const std::string_view op = r.path;
        Operation crypto = data_operation(
            std::string(r.operation), r.action, object_scope(name), url,
            [&, op, base, name, version] { return run_crypto(op, body, base, vault, name, version, keys); });
        crypto.computes_only = true;
        return crypto;
      }
      return std::nullopt;
    }
    // GET /keys/{n}/{version}/attestation (7.6+); "/keys/{n}/attestation" and
    // Python's "/keys/{n}//attestation" name the latest version. A key
    // without an attestation (every key Coffer holds: none is generated in an
    // HSM that attests it) answers its plain bundle, attributes.attestation
    // left out — what the operation's KeyBundle is without one.
    if ((seg.size() == 3 || seg.size() == 4) && method == "GET" && seg.back() == "attestation") {
      const std::string version = seg.size() == 4 ? seg[2] : std::string();
      const std::string url = object_url(name) + (version.empty() ? "" : "/" + version) + "/attestation";
      return data_operation("KeyGetAttestation", "keys/read", object_scope(name), url,
                            [&, name, version, bundle] { return respond(keys.get(vault, name, version), bundle); });
    }
    if (seg.size() <= 3) {
      const std::string version = seg.size() == 3 ? seg[2] : std::string();
      const std::string url = object_url(name) + (version.empty() ? "" : "/" + version);
      if (method == "GET") {
        return data_operation("KeyGet", "keys/read", object_scope(name), url,
                              [&, name, version, bundle] { return respond(keys.get(vault, name, version), bundle); });
      }
      if (method == "PATCH") {
        return data_operation("KeyUpdate", "keys/update/action", object_scope(name), url, [&, name, version, bundle] {
          auto patch = parse_key_update(body);
          if (!patch.ok()) return error_response(patch.status());
          return respond(keys.update(vault, name, version, *patch), bundle);
        });
      }
      return std::nullopt;
    }
    return std::nullopt;
  }

  if (seg[0] == "deletedkeys") {
    if (seg.size() == 1 && method == "GET") {
      return data_operation("KeyListDeleted", "keys/read", vault_scope, req.base + "/deletedkeys", [&, base] {
        auto page = parse_page(target);
        if (!page.ok()) return error_response(page.status());
        return respond(keys.list_deleted(vault, *page), [&](const vault::Page<vault::DeletedKey>& p) {
          json::array items;
          for (const auto& d : p.items) items.push_back(deleted_key_bundle(base, vault, d, true));
          return json::object{{"value", items}, {"nextLink", next_link(base, "/deletedkeys", target, *page, p.next)}};
        });
      });
    }
    if (seg.size() < 2 || seg[1].empty()) return std::nullopt;
    const std::string name = seg[1];
    const std::string url = req.base + "/deletedkeys/" + name;
    if (seg.size() == 2 && method == "GET") {
      return data_operation("KeyGetDeleted", "keys/read", object_scope(name), url, [&, base, name] {
        return respond(keys.get_deleted(vault, name),
                       [&](const vault::DeletedKey& d) { return deleted_key_bundle(base, vault, d, false); });
      });
    }
    if (seg.size() == 2 && method == "DELETE") {
      return data_operation("KeyPurge", "keys/purge/action", object_scope(name), url, [&, name] {
        Status st = keys.purge(vault, name);
        return st.ok() ? empty_response(204) : error_response(st);
      });
    }
    if (seg.size() == 3 && seg[2] == "recover" && method == "POST") {
      return data_operation("KeyRecover", "keys/recover/action", object_scope(name), url, [&, base, name] {
        return respond(keys.recover(vault, name),
                       [&](const vault::KeyProperties& p) { return key_bundle(base, vault, p); });
      });
    }
  }
  return std::nullopt;
}

}  // namespace coffer::api
