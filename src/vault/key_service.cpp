#include "vault/key_service.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <functional>

#include <spdlog/spdlog.h>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/time_format.hpp"
#include "crypto/random.hpp"
#include "vault/event_schedule.hpp"
#include "vault/events.hpp"
#include "vault/idempotency.hpp"
#include "vault/key_records.hpp"
#include "vault/lifetime_actions.hpp"
#include "vault/object_backup.hpp"
#include "vault/object_collection.hpp"
#include "vault/object_kinds.hpp"
#include "vault/policy_rotation.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"
#include "vault/version_ids.hpp"

namespace coffer::vault {
namespace {

constexpr std::array<std::string_view, 8> kKnownOps = {"encrypt", "decrypt",   "sign",   "verify",
                                                       "wrapKey", "unwrapKey", "import", "export"};

Status bad(std::string msg, std::string reason = {}) {
  return Status(Code::kBadParameter, std::move(msg), std::move(reason));
}

constexpr std::string_view kBackupKindKey = "key";

// A key's versions, purge-queue entry and head, and its rotation policy.
Status erase_key(store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) {
  COFFER_RETURN_IF_ERROR(kKeys.erase(txn, vault, head));
  return txn.erase(keys::key_policy(vault.id, head.name));
}

Status check_tags(const Tags& tags) {
  if (tags.size() > 15) return bad("A key can have at most 15 tags.");
  for (const auto& [k, v] : tags) {
    if (k.empty() || k.size() > 512 || v.size() > 256) {
      return bad("Tag names must be 1-512 characters and tag values at most 256 characters.");
    }
  }
  return Status::Ok();
}

Status check_ops(const std::vector<std::string>& ops) {
  for (const auto& op : ops) {
    if (std::find(kKnownOps.begin(), kKnownOps.end(), op) == kKnownOps.end()) {
      return bad("Invalid key operation '" + op +
                 "'; use encrypt, decrypt, sign, verify, wrapKey, unwrapKey, import or export.");
    }
  }
  return Status::Ok();
}

std::vector<std::string> default_ops(crypto::KeyKind kind) {
  switch (kind) {
    case crypto::KeyKind::kRsa: return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
    case crypto::KeyKind::kEc: return {"sign", "verify"};
    case crypto::KeyKind::kOct: return {"encrypt", "decrypt", "wrapKey", "unwrapKey"};
  }
  return {};
}

// What every new version's metadata must satisfy.
Status check_new_version(const std::string& name, const KeyProperties& p) {
  if (!KeyService::valid_name(name)) {
    return bad("The request URI contains an invalid name: " + name +
               ". Key names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  COFFER_RETURN_IF_ERROR(check_tags(p.tags));
  COFFER_RETURN_IF_ERROR(check_ops(p.key_ops));
  if (p.attributes.not_before && p.attributes.expires && *p.attributes.not_before > *p.attributes.expires) {
    return bad("The 'nbf' attribute must not be later than the 'exp' attribute.");
  }
  if (p.exportable && !p.release_policy) return bad("An exportable key must have a release policy.");
  return Status::Ok();
}

bool ends_with_hsm(const std::string& kty) { return kty.size() > 4 && kty.compare(kty.size() - 4, 4, "-HSM") == 0; }

}  // namespace

KeyService::KeyService(store::Store& store, crypto::Keyring& keyring, const Clock& clock, KeyServiceOptions options)
    : store_(store), barrier_(keyring), clock_(clock), options_(options), read_cache_(store, "keys") {}

bool KeyService::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; });
}

Result<KeyProperties> KeyService::make_version(const VaultInfo& vault, const std::string& name, KeyProperties p,
                                               const KeySpec& spec, bool in_hardware, bool must_exist,
                                               const std::string& idempotency_key) {
  COFFER_RETURN_IF_ERROR(check_new_version(name, p));
  if (!in_hardware) {
    auto material = spec.kind == crypto::KeyKind::kRsa
                        ? crypto::KeyMaterial::generate_rsa(spec.bits, spec.public_exponent)
                    : spec.kind == crypto::KeyKind::kEc ? crypto::KeyMaterial::generate_ec(spec.crv)
                                                        : crypto::KeyMaterial::generate_oct(spec.bits);
    if (!material.ok()) return material.status();
    return add_software_version(vault, name, std::move(p), *material, must_exist, idempotency_key);
  }
  if (!options_.hardware) {
    return Status(Code::kUnavailable, "The key " + name + " is held in an HSM, and this server has none configured.",
                  "HsmUnavailable");
  }
  if (p.exportable || p.release_policy) {
    return bad(
        "A key made in the HSM cannot be exported: exportable keys and release policies are not available "
        "for RSA-HSM, EC-HSM and oct-HSM keys on this server.");
  }
  if (spec.kind == crypto::KeyKind::kRsa && spec.public_exponent != 65537) {
    return bad("The HSM makes RSA keys with the public exponent 65537 only.");
  }
  p.version = new_object_version_id();
  const crypto::HardwareKeyRef ref{*hex_decode(p.version), spec.kind, spec.bits, spec.crv};
  COFFER_ASSIGN_OR_RETURN(p.public_key,
                          options_.hardware->generate(ref, "coffer:" + vault.name + "/" + name + "/" + p.version));
  p.key_size = spec.kind == crypto::KeyKind::kEc ? 0 : spec.bits;
  p.hsm_token = options_.hardware->token();
  auto stored = add_version(vault, name, p, Sealed{}, must_exist, idempotency_key);
  // Refused, or answered with the version an earlier attempt made: the new object is nobody's.
  if (!stored.ok() || stored->version != p.version) destroy_token_objects({ref.id});
  return stored;
}

Result<KeyProperties> KeyService::add_software_version(const VaultInfo& vault, const std::string& name, KeyProperties p,
                                                       const crypto::KeyMaterial& material, bool must_exist,
                                                       const std::string& idempotency_key) {
  p.version = new_object_version_id();
  p.public_key = material.public_jwk();
  p.key_size = material.kind() == crypto::KeyKind::kEc ? 0 : material.bits();
  COFFER_ASSIGN_OR_RETURN(SecureString priv, material.seal_bytes());
  COFFER_ASSIGN_OR_RETURN(Sealed sealed, barrier_.seal(vault, ObjectPlace::key_version(name, p.version), priv.view()));
  return add_version(vault, name, std::move(p), sealed, must_exist, idempotency_key);
}

Result<KeyProperties> KeyService::add_version(const VaultInfo& vault, const std::string& name, KeyProperties p,
                                              const Sealed& sealed, bool must_exist,
                                              const std::string& idempotency_key) {
  const int64_t now = clock_.now();
  p.attributes.created = now;
  p.attributes.updated = now;
  std::optional<KeyProperties> replayed;
  // The head and the request's idempotency record, in one round trip.
  std::vector<std::string> read_first = {kKeys.head_key(vault, name)};
  if (!idempotency_key.empty()) read_first.push_back(keys::idempotency(vault.id, idempotency_key));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    replayed.reset();
    COFFER_RETURN_IF_ERROR(txn.prefetch(read_first));
    COFFER_ASSIGN_OR_RETURN(auto head, kKeys.load_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto made, recorded_version(txn, vault, idempotency_key));
    if (made && head) {  // this request already made its version: answer with that one
      COFFER_ASSIGN_OR_RETURN(auto rec, kKeys.load_version(txn, vault, *head, *made));
      if (!rec) return kKeys.not_found(name + "/" + *made);
      rec->properties.name = head->name;
      replayed = std::move(rec->properties);
      return Status::Ok();
    }
    if (head && head->deletion) return kKeys.deleted_conflict(head->name);
    if (must_exist && !head) return kKeys.not_found(name);
    if (head && head->managed) return kKeys.managed_refusal(must_exist ? "rotate" : "create");
    ObjectHead h = head.value_or(ObjectHead{name, {}, std::nullopt, false});
    h.latest_version = p.version;
    p.name = h.name;
    COFFER_RETURN_IF_ERROR(record_version(txn, vault, idempotency_key, p.version, now));
    COFFER_RETURN_IF_ERROR(append_event(txn, new_version_event("Key", vault, h.name, p.version, p.attributes, now)));
    COFFER_RETURN_IF_ERROR(schedule_expiry_events(txn, vault, "Key", h.name, p.version, p.attributes, now));
    return kKeys.put_version_and_head(txn, vault, h, KeyVersionRecord{p, sealed});
  }));
  if (replayed) return std::move(*replayed);
  return p;
}

Result<KeyProperties> KeyService::create(const VaultInfo& vault, const std::string& name, const KeyDraft& d) {
  std::string base = d.kty;
  const bool hsm = ends_with_hsm(base);
  if (hsm) {
    if (!options_.hardware && !options_.emulate_hsm) {
      return bad("The key type " + d.kty +
                 " needs a hardware security module, and this server has none configured. Use " +
                 base.substr(0, base.size() - 4) + ".");
    }
    base.resize(base.size() - 4);
  }
  KeySpec spec;
  if (base == "RSA") {
    spec.bits = d.key_size.value_or(2048);
    spec.public_exponent = d.public_exponent.value_or(65537);
  } else if (base == "EC") {
    spec.kind = crypto::KeyKind::kEc;
    spec.crv = d.crv.value_or("P-256");
    if (d.key_size && !d.crv) {
      switch (*d.key_size) {
        case 256: spec.crv = "P-256"; break;
        case 384: spec.crv = "P-384"; break;
        case 521: spec.crv = "P-521"; break;
        default: return bad("The EC key size must be 256, 384 or 521 bits; or give crv.");
      }
    }
  } else if (base == "oct") {
    spec.kind = crypto::KeyKind::kOct;
    spec.bits = d.key_size.value_or(256);
  } else {
    return bad("The key type (kty) '" + d.kty + "' is not supported; use RSA, EC or oct.");
  }
  KeyProperties p;
  p.kty = d.kty;
  p.key_ops = d.key_ops.value_or(default_ops(spec.kind));
  p.attributes.enabled = d.enabled;
  p.attributes.not_before = d.not_before;
  p.attributes.expires = d.expires;
  p.exportable = d.exportable;
  p.tags = d.tags;
  p.release_policy = d.release_policy;
  return make_version(vault, name, std::move(p), spec, hsm && options_.hardware, false, d.idempotency_key);
}

Result<KeyProperties> KeyService::import(const VaultInfo& vault, const std::string& name, const KeyImport& im) {
  crypto::Jwk jwk = im.jwk;
  const std::string requested = jwk.kty;
  if (ends_with_hsm(jwk.kty)) jwk.kty.resize(jwk.kty.size() - 4);
  if (im.hsm || ends_with_hsm(requested)) {
    if (options_.hardware) {
      return bad(
          "Importing a key into the HSM is not supported by this server: create the key in the HSM "
          "(kty RSA-HSM, EC-HSM or oct-HSM) instead.");
    }
    if (!options_.emulate_hsm) {
      return bad(
          "Importing into a hardware security module needs an HSM backend, and this server has none configured.");
    }
  }
  COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial material, crypto::KeyMaterial::from_jwk(jwk));
  KeyProperties p;
  p.kty = im.hsm && !ends_with_hsm(requested) ? requested + "-HSM" : requested;
  p.key_ops = im.key_ops.value_or(default_ops(material.kind()));
  p.attributes.enabled = im.enabled;
  p.attributes.not_before = im.not_before;
  p.attributes.expires = im.expires;
  p.exportable = im.exportable;
  p.tags = im.tags;
  p.release_policy = im.release_policy;
  COFFER_RETURN_IF_ERROR(check_new_version(name, p));
  return add_software_version(vault, name, std::move(p), material, false, im.idempotency_key);
}

Result<KeyProperties> KeyService::get(const VaultInfo& vault, const std::string& name, const std::string& version) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kKeys.not_found(version.empty() ? name : name + "/" + version);
  }
  std::optional<KeyVersionRecord> rec;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(rec, kKeys.live_version(txn, vault, name, version));
    return Status::Ok();
  }));
  return std::move(rec->properties);
}

Result<KeyProperties> KeyService::update(const VaultInfo& vault, const std::string& name, const std::string& version,
                                         const KeyPatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kKeys.not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags) COFFER_RETURN_IF_ERROR(check_tags(*patch.tags));
  if (patch.key_ops) COFFER_RETURN_IF_ERROR(check_ops(*patch.key_ops));
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyVersionRecord rec, kKeys.live_version(txn, vault, name, version));
    if (rec.properties.managed) return kKeys.managed_refusal("update");
    auto& p = rec.properties;
    if (patch.key_ops) p.key_ops = *patch.key_ops;
    if (patch.tags) p.tags = *patch.tags;
    if (patch.enabled) p.attributes.enabled = *patch.enabled;
    if (patch.not_before) p.attributes.not_before = *patch.not_before;
    if (patch.expires) p.attributes.expires = *patch.expires;
    if (patch.release_policy) {
      if (p.release_policy && p.release_policy->immutable) return bad("The key's release policy is immutable.");
      p.release_policy = patch.release_policy;
    }
    if (patch.exportable) {
      if (p.exportable && !*patch.exportable) return bad("An exportable key cannot be made non-exportable.");
      p.exportable = *patch.exportable;
    }
    if (p.exportable && !p.release_policy) return bad("An exportable key must have a release policy.");
    if (p.attributes.not_before && p.attributes.expires && *p.attributes.not_before > *p.attributes.expires) {
      return bad("The 'nbf' attribute must not be later than the 'exp' attribute.");
    }
    p.attributes.updated = clock_.now();
    out = p;
    if (patch.expires) {  // an exp moved: its events follow it (the old entries find it changed)
      COFFER_RETURN_IF_ERROR(schedule_expiry_events(txn, vault, "Key", p.name, p.version, p.attributes, clock_.now()));
    }
    return kKeys.put_version(txn, vault, name, rec);
  }));
  return out;
}

Result<Page<KeyProperties>> KeyService::list(const VaultInfo& vault, const PageRequest& page) {
  Page<KeyProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kKeys.page_latest(txn, vault, page, false));
    for (auto& [head, rec] : latest.items) out.items.push_back(std::move(rec.properties));
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<Page<KeyProperties>> KeyService::list_versions(const VaultInfo& vault, const std::string& name,
                                                      const PageRequest& page) {
  if (!valid_name(name)) return kKeys.not_found(name);
  Page<KeyProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto versions, kKeys.page_versions(txn, vault, name, page));
    for (auto& rec : versions.items) out.items.push_back(std::move(rec.properties));
    out.next = versions.next;
    return Status::Ok();
  }));
  return out;
}

Result<DeletedKey> KeyService::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kKeys.not_found(name);
  DeletedKey out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.live_head(txn, vault, name));
    if (head.managed) return kKeys.managed_refusal("delete");
    COFFER_ASSIGN_OR_RETURN(auto rec, kKeys.latest(txn, vault, head));
    COFFER_RETURN_IF_ERROR(kKeys.soft_delete(txn, vault, head, clock_.now()));
    out = DeletedKey{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<DeletedKey> KeyService::get_deleted(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kKeys.deleted_not_found(name);
  DeletedKey out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.deleted_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kKeys.latest(txn, vault, head));
    out = DeletedKey{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<Page<DeletedKey>> KeyService::list_deleted(const VaultInfo& vault, const PageRequest& page) {
  Page<DeletedKey> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto latest, kKeys.page_latest(txn, vault, page, true));
    for (auto& [head, rec] : latest.items) {
      if (head.managed) continue;  // a certificate's: listed with the deleted certificates
      out.items.push_back(DeletedKey{std::move(rec.properties), *head.deletion});
    }
    out.next = latest.next;
    return Status::Ok();
  }));
  return out;
}

Result<KeyProperties> KeyService::recover(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kKeys.deleted_not_found(name);
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.deleted_head(txn, vault, name));
    if (head.managed) return kKeys.managed_refusal("recover");
    COFFER_RETURN_IF_ERROR(kKeys.recover(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(auto rec, kKeys.latest(txn, vault, head));
    out = rec.properties;
    return schedule_expiry_events(txn, vault, "Key", head.name, out.version, out.attributes, clock_.now());
  }));
  return out;
}

Status KeyService::purge(const VaultInfo& vault, const std::string& name) {
  if (vault.purge_protection) return ObjectHeads::purge_protected();
  if (!valid_name(name)) return kKeys.deleted_not_found(name);
  std::vector<std::string> in_token;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.deleted_head(txn, vault, name));
    if (head.managed) return kKeys.managed_refusal("purge");
    COFFER_ASSIGN_OR_RETURN(in_token, token_objects(txn, vault, head));
    return erase_key(txn, vault, head);
  }));
  destroy_token_objects(in_token);
  return Status::Ok();
}

Result<std::vector<std::string>> KeyService::token_objects(store::ReadTxn& txn, const VaultInfo& vault,
                                                           const ObjectHead& head) {
  std::vector<std::string> ids;
  COFFER_ASSIGN_OR_RETURN(auto versions, kKeys.all_versions(txn, vault, head));
  for (const auto& rec : versions) {
    if (!rec.properties.hsm_token.empty()) ids.push_back(*hex_decode(rec.properties.version));
  }
  return ids;
}

void KeyService::destroy_token_objects(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    Status st = options_.hardware ? options_.hardware->destroy(id)
                                  : Status(Code::kUnavailable, "no HSM is configured", "HsmUnavailable");
    if (!st.ok()) {
      spdlog::warn("HSM: the token object {} of a purged key is left in the token: {}", hex_encode(id), st.message());
    }
  }
}

Result<std::string> KeyService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kKeys.not_found(name);
  ObjectHead head;
  std::vector<KeyVersionRecord> versions;
  ObjectBackup b;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, kKeys.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) b.extra = pol->value;
    COFFER_ASSIGN_OR_RETURN(versions, kKeys.all_versions(txn, vault, head));
    return Status::Ok();
  }));
  if (head.managed) return kKeys.managed_refusal("backup");
  for (const auto& rec : versions) {
    if (!rec.properties.hsm_token.empty()) {
      return bad("The key " + head.name + " is held in the HSM token '" + rec.properties.hsm_token +
                 "', which does not export keys under wrap: it cannot be backed up.");
    }
  }
  b.name = head.name;
  b.latest_version = head.latest_version;
  for (auto& rec : versions) {
    const std::string& version = rec.properties.version;
    COFFER_ASSIGN_OR_RETURN(SecureString priv,
                            barrier_.open(vault, ObjectPlace::key_version(name, version), rec.sealed_key));
    b.versions[version] = encode_key_version_in_clear({rec.properties, std::move(priv)}).str();
  }
  return seal_backup(barrier_, kBackupKindKey, b);
}

Result<KeyProperties> KeyService::restore(const VaultInfo& vault, const std::string& blob) {
  COFFER_ASSIGN_OR_RETURN(ObjectBackup b, open_backup(barrier_, kBackupKindKey, blob));
  if (!valid_name(b.name)) return bad("Backup blob names an invalid key.");
  std::vector<KeyVersionRecord> versions;
  for (auto& [version, encoded] : b.versions) {
    COFFER_ASSIGN_OR_RETURN(KeyVersionInClear in_clear, decode_key_version_in_clear(encoded));
    if (!valid_version_id(in_clear.properties.version)) return bad("Backup blob is corrupt.");
    const ObjectPlace place = ObjectPlace::key_version(b.name, in_clear.properties.version);
    COFFER_ASSIGN_OR_RETURN(Sealed sealed, barrier_.seal(vault, place, in_clear.private_key.view()));
    versions.push_back(KeyVersionRecord{std::move(in_clear.properties), std::move(sealed)});
  }
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kKeys.check_name_free(txn, vault, b.name));
    bool has_latest = false;
    for (const auto& rec : versions) {
      COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, b.name, rec));
      if (rec.properties.version == b.latest_version) {
        out = rec.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return bad("Backup blob is corrupt.");
    out.name = b.name;
    if (b.extra) COFFER_RETURN_IF_ERROR(txn.put(keys::key_policy(vault.id, b.name), *b.extra));
    return kKeys.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, false});
  }));
  return out;
}

Result<KeyProperties> KeyService::rotate(const VaultInfo& vault, const std::string& name,
                                         const std::string& idempotency_key) {
  if (!valid_name(name)) return kKeys.not_found(name);
  KeyProperties last;
  RotationPolicy policy;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, kKeys.latest(txn, vault, head));
    last = std::move(rec.properties);
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) {
      COFFER_ASSIGN_OR_RETURN(policy, decode_rotation_policy(pol->value));
    }
    return Status::Ok();
  }));
  KeySpec spec;
  spec.kind = last.public_key.kty == "EC"    ? crypto::KeyKind::kEc
              : last.public_key.kty == "oct" ? crypto::KeyKind::kOct
                                             : crypto::KeyKind::kRsa;
  spec.bits = last.key_size;
  spec.crv = last.public_key.crv;
  KeyProperties p;
  p.kty = last.kty;
  p.key_ops = last.key_ops;
  p.tags = last.tags;
  p.exportable = last.exportable;
  p.release_policy = last.release_policy;
  if (policy.expiry_seconds > 0) p.attributes.expires = clock_.now() + policy.expiry_seconds;
  return make_version(vault, name, std::move(p), spec, !last.hsm_token.empty(), true, idempotency_key);
}

Result<RotationPolicy> KeyService::get_rotation_policy(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kKeys.not_found(name);
  RotationPolicy out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kKeys.live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) {
      COFFER_ASSIGN_OR_RETURN(out, decode_rotation_policy(pol->value));
    } else {
      // AKV's default: notify 30 days before expiry, nothing stored yet.
      out.lifetime_actions.push_back(
          LifetimeAction{"Notify", std::nullopt, "P30D", 0, 30 * kSecondsPerDay, std::nullopt, 0, 0});
    }
    return Status::Ok();
  }));
  return out;
}

Result<RotationPolicy> KeyService::set_rotation_policy(const VaultInfo& vault, const std::string& name,
                                                       const RotationPolicy& policy) {
  if (!valid_name(name)) return kKeys.not_found(name);
  if (policy.expiry_time && policy.expiry_seconds < kMinPolicyExpirySeconds) {
    return bad("The rotation policy's expiryTime must be at least 28 days.");
  }
  COFFER_RETURN_IF_ERROR(check_lifetime_actions(policy));
  RotationPolicy out = policy;
  out.stored = true;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kKeys.live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto old, txn.get(keys::key_policy(vault.id, name)));
    const int64_t now = clock_.now();
    out.created = now;
    if (old) {
      COFFER_ASSIGN_OR_RETURN(RotationPolicy prev, decode_rotation_policy(old->value));
      out.created = prev.created;
    }
    out.updated = now;
    COFFER_RETURN_IF_ERROR(txn.put(keys::key_policy(vault.id, name), encode_rotation_policy(out)));
    // The Notify offset may have moved: the latest version's expiry events follow it.
    COFFER_ASSIGN_OR_RETURN(ObjectHead head, kKeys.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto latest, kKeys.latest(txn, vault, head));
    return schedule_expiry_events(txn, vault, "Key", head.name, latest.properties.version, latest.properties.attributes,
                                  now);
  }));
  return out;
}

Status KeyService::release(const VaultInfo& vault, const std::string& name, const std::string& version) {
  COFFER_ASSIGN_OR_RETURN(KeyProperties p, get(vault, name, version));
  if (!p.exportable || !p.release_policy) return bad("The key is not exportable or has no release policy.");
  return bad("Secure key release is not supported by this server: it cannot verify attestation tokens yet.",
             "NotSupported");
}

Result<KeyService::Loaded> KeyService::load_for_operation(const VaultInfo& vault, const std::string& name,
                                                          const std::string& version, std::string_view op) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return kKeys.not_found(version.empty() ? name : name + "/" + version);
  }
  auto rec = kKeys.cached_live_version(read_cache_, store_, vault, name, version);
  if (!rec.ok()) return rec.status();
  const KeyProperties& p = (*rec)->properties;
  if (std::find(p.key_ops.begin(), p.key_ops.end(), op) == p.key_ops.end()) {
    return bad("Operation " + std::string(op) + " is not permitted on this key.", "OperationNotAllowed");
  }
  if (!p.attributes.enabled) {
    return bad("Operation " + std::string(op) + " is not allowed on a disabled key.", "KeyDisabled");
  }
  const int64_t now = clock_.now();
  if (p.attributes.not_before && now < *p.attributes.not_before) {
    return bad("Operation " + std::string(op) + " is not allowed before the key's nbf time.", "KeyNotYetValid");
  }
  if (p.attributes.expires && now >= *p.attributes.expires) {
    return bad("Operation " + std::string(op) + " is not allowed on an expired key.", "KeyExpired");
  }
  const std::string cache_id = object_cache_key(vault.id, name, p.version);
  auto material = material_cache_.find(cache_id);
  if (!p.hsm_token.empty()) {
    if (!options_.hardware) {
      return Status(
          Code::kUnavailable,
          "The key " + name + " is held in the HSM token '" + p.hsm_token + "', and this server has no HSM configured.",
          "HsmUnavailable");
    }
    const crypto::KeyKind kind = p.public_key.kty == "EC"    ? crypto::KeyKind::kEc
                                 : p.public_key.kty == "oct" ? crypto::KeyKind::kOct
                                                             : crypto::KeyKind::kRsa;
    if (!material && kind != crypto::KeyKind::kOct) {
      COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial pub, crypto::KeyMaterial::from_public_jwk(p.public_key));
      material = std::make_shared<const crypto::KeyMaterial>(std::move(pub));
      material_cache_.insert(cache_id, material);
    }
    crypto::HardwareKeyRef ref{*hex_decode(p.version), kind, p.key_size, p.public_key.crv};
    return Loaded{std::move(*rec), std::move(material), std::move(ref)};
  }
  if (!material) {
    COFFER_ASSIGN_OR_RETURN(SecureString priv,
                            barrier_.open(vault, ObjectPlace::key_version(name, p.version), (*rec)->sealed_key));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial parsed, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    material = std::make_shared<const crypto::KeyMaterial>(std::move(parsed));
    material_cache_.insert(cache_id, material);
  }
  return Loaded{std::move(*rec), std::move(material), std::nullopt};
}

Result<std::size_t> KeyService::purge_due(int64_t now) {
  std::vector<std::string> in_token;  // of the key the last transaction erased
  return kKeys.purge_due(
      store_, now,
      [&](store::WriteTxn& txn, const VaultInfo& vault, const ObjectHead& head) -> Status {
        COFFER_ASSIGN_OR_RETURN(in_token, token_objects(txn, vault, head));
        return erase_key(txn, vault, head);
      },
      [&] { destroy_token_objects(in_token); });
}

Result<std::size_t> KeyService::rotate_due(const std::vector<VaultInfo>& vaults, int64_t now) {
  return rotate_due_by_policy(
      store_, vaults, kKeys, now, &keys::key_policy_prefix, decode_rotation_policy,
      [this](const VaultInfo& vault, const std::string& name) { return rotate(vault, name).status(); },
      Code::kKeyNotFound);
}

Status KeyService::erase_all(const VaultInfo& vault) {
  std::vector<std::string> in_token;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    in_token.clear();
    return kKeys.erase_all(txn, vault, [&](store::WriteTxn& t, const VaultInfo& v, const ObjectHead& head) -> Status {
      COFFER_ASSIGN_OR_RETURN(auto ids, token_objects(t, v, head));
      in_token.insert(in_token.end(), ids.begin(), ids.end());
      return erase_key(t, v, head);
    });
  }));
  destroy_token_objects(in_token);
  return Status::Ok();
}

}  // namespace coffer::vault
