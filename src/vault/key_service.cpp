#include "vault/key_service.hpp"
#include "vault/record_scan.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <strings.h>

#include "common/record_codec.hpp"
#include "crypto/random.hpp"
#include "vault/key_records.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
namespace {

constexpr int64_t kDay = 86400;
constexpr std::string_view kBackupMagic = "coffer-key-backup-v1";
constexpr std::string_view kBackupAd = "backup/keys";
enum BackupField : uint8_t { kBMagic = 1, kBName, kBLatest, kBVersions, kBPolicy };

constexpr std::array<std::string_view, 8> kKnownOps = {"encrypt", "decrypt", "sign",   "verify",
                                                       "wrapKey", "unwrapKey", "import", "export"};

Status not_found(const std::string& name) {
  return Status(Code::kKeyNotFound,
                "A key with (name/id) " + name +
                    " was not found in this key vault. If you recently deleted this key you may be able to "
                    "recover it using the correct recovery command. For help resolving this issue, please see "
                    "https://go.microsoft.com/fwlink/?linkid=2125182");
}

Status deleted_not_found(const std::string& name) { return Status(Code::kKeyNotFound, "Deleted Key not found: " + name); }

Status deleted_conflict(const std::string& name) {
  return Status(Code::kConflict,
                "Key " + name +
                    " is currently in a deleted but recoverable state, and its name cannot be reused; in this "
                    "state, the key can only be recovered or purged.",
                "ObjectIsDeletedButRecoverable");
}

Status bad(std::string msg, std::string reason = {}) {
  return Status(Code::kBadParameter, std::move(msg), std::move(reason));
}

Result<std::optional<KeyHead>> load_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::key_head(vault.id, name)));
  if (!entry) return std::optional<KeyHead>();
  COFFER_ASSIGN_OR_RETURN(KeyHead head, decode_head(entry->value));
  return std::optional<KeyHead>(std::move(head));
}

Result<std::optional<KeyVersionRecord>> load_version(store::ReadTxn& txn, const VaultInfo& vault,
                                                     const KeyHead& head, const std::string& version) {
  COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(keys::key_version(vault.id, head.name, keys::lower(version))));
  if (!entry) return std::optional<KeyVersionRecord>();
  COFFER_ASSIGN_OR_RETURN(KeyVersionRecord rec, decode_key_version(entry->value));
  rec.properties.name = head.name;
  rec.properties.managed = head.managed;
  return std::optional<KeyVersionRecord>(std::move(rec));
}

Result<KeyHead> live_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || head->deletion) return not_found(name);
  return *head;
}

Result<KeyHead> deleted_head(store::ReadTxn& txn, const VaultInfo& vault, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
  if (!head || !head->deletion) return deleted_not_found(name);
  return *head;
}

Result<KeyVersionRecord> latest(store::ReadTxn& txn, const VaultInfo& vault, const KeyHead& head) {
  COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, head.latest_version));
  if (!rec) return Status(Code::kInternal, "key " + head.name + " has no latest version record");
  return std::move(*rec);
}

Status erase_key(store::WriteTxn& txn, const VaultInfo& vault, const KeyHead& head) {
  COFFER_RETURN_IF_ERROR(erase_prefix(txn, keys::key_versions_prefix(vault.id, head.name)));
  if (head.deletion) {
    COFFER_RETURN_IF_ERROR(
        txn.erase(keys::purge_queue_entry(head.deletion->scheduled_purge_date, "key", vault.id, head.name)));
  }
  COFFER_RETURN_IF_ERROR(txn.erase(keys::key_policy(vault.id, head.name)));
  return txn.erase(keys::key_head(vault.id, head.name));
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

bool ends_with_hsm(const std::string& kty) { return kty.size() > 4 && kty.compare(kty.size() - 4, 4, "-HSM") == 0; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

KeyService::KeyService(store::Store& store, crypto::Keyring& keyring, const Clock& clock, KeyServiceOptions options)
    : store_(store), keyring_(keyring), clock_(clock), options_(options), read_cache_(store) {}

bool KeyService::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 127) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; });
}

Result<KeyProperties> KeyService::add_version(const VaultInfo& vault, const std::string& name, KeyProperties p,
                                              const crypto::KeyMaterial& material, bool must_exist) {
  if (!valid_name(name)) {
    return bad("The request URI contains an invalid name: " + name +
               ". Key names may contain only 0-9, a-z, A-Z and -, up to 127 characters.");
  }
  COFFER_RETURN_IF_ERROR(check_tags(p.tags));
  COFFER_RETURN_IF_ERROR(check_ops(p.key_ops));
  if (p.attributes.not_before && p.attributes.expires && *p.attributes.not_before > *p.attributes.expires) {
    return bad("The 'nbf' attribute must not be later than the 'exp' attribute.");
  }
  if (p.exportable && !p.release_policy) return bad("An exportable key must have a release policy.");
  const int64_t now = clock_.now();
  p.version = crypto::new_version_id();
  p.attributes.created = now;
  p.attributes.updated = now;
  p.public_key = material.public_jwk();
  p.key_size = material.kind() == crypto::KeyKind::kEc ? 0 : material.bits();
  COFFER_ASSIGN_OR_RETURN(SecureString priv, material.seal_bytes());
  COFFER_ASSIGN_OR_RETURN(std::string sealed, keyring_.seal(vault.id, vault.wrapped_kek, priv.view(),
                                                            keys::key_ad(vault.id, name, p.version)));
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
    if (head && head->deletion) return deleted_conflict(head->name);
    if (must_exist && !head) return not_found(name);
    if (head && head->managed) {
      return Status(Code::kForbidden, "Key " + head->name + " is managed by a certificate and cannot be changed directly.");
    }
    KeyHead h = head.value_or(KeyHead{name, {}, std::nullopt, false});
    h.latest_version = p.version;
    p.name = h.name;
    COFFER_RETURN_IF_ERROR(
        txn.put(keys::key_version(vault.id, name, p.version), encode_key_version(KeyVersionRecord{p, sealed})));
    return txn.put(keys::key_head(vault.id, name), encode_head(h));
  }));
  return p;
}

Result<KeyProperties> KeyService::create(const VaultInfo& vault, const std::string& name, const KeyDraft& d) {
  std::string base = d.kty;
  if (ends_with_hsm(base)) {
    if (!options_.emulate_hsm) {
      return bad("The key type " + d.kty +
                 " needs a hardware security module, and this server has none configured. Use " +
                 base.substr(0, base.size() - 4) + ".");
    }
    base.resize(base.size() - 4);
  }
  auto material = [&]() -> Result<crypto::KeyMaterial> {
    if (base == "RSA") {
      return crypto::KeyMaterial::generate_rsa(d.key_size.value_or(2048), d.public_exponent.value_or(65537));
    }
    if (base == "EC") {
      if (d.key_size && !d.crv) {
        switch (*d.key_size) {
          case 256: return crypto::KeyMaterial::generate_ec("P-256");
          case 384: return crypto::KeyMaterial::generate_ec("P-384");
          case 521: return crypto::KeyMaterial::generate_ec("P-521");
          default: return bad("The EC key size must be 256, 384 or 521 bits; or give crv.");
        }
      }
      return crypto::KeyMaterial::generate_ec(d.crv.value_or("P-256"));
    }
    if (base == "oct") return crypto::KeyMaterial::generate_oct(d.key_size.value_or(256));
    return bad("The key type (kty) '" + d.kty + "' is not supported; use RSA, EC or oct.");
  }();
  if (!material.ok()) return material.status();
  KeyProperties p;
  p.kty = d.kty;
  p.key_ops = d.key_ops.value_or(default_ops(material->kind()));
  p.attributes.enabled = d.enabled;
  p.attributes.not_before = d.not_before;
  p.attributes.expires = d.expires;
  p.exportable = d.exportable;
  p.tags = d.tags;
  p.release_policy = d.release_policy;
  return add_version(vault, name, std::move(p), *material, false);
}

Result<KeyProperties> KeyService::import(const VaultInfo& vault, const std::string& name, const KeyImport& im) {
  crypto::Jwk jwk = im.jwk;
  const std::string requested = jwk.kty;
  if (ends_with_hsm(jwk.kty)) jwk.kty.resize(jwk.kty.size() - 4);
  if ((im.hsm || ends_with_hsm(requested)) && !options_.emulate_hsm) {
    return bad("Importing into a hardware security module needs an HSM backend, and this server has none configured.");
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
  return add_version(vault, name, std::move(p), material, false);
}

Result<KeyProperties> KeyService::get(const VaultInfo& vault, const std::string& name, const std::string& version) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return not_found(version.empty() ? name : name + "/" + version);
  }
  std::optional<KeyVersionRecord> rec;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(rec, load_version(txn, vault, head, version.empty() ? head.latest_version : version));
    return rec ? Status::Ok() : not_found(name + "/" + version);
  }));
  return std::move(rec->properties);
}

Result<KeyProperties> KeyService::update(const VaultInfo& vault, const std::string& name, const std::string& version,
                                         const KeyPatch& patch) {
  if (!valid_name(name) || (!version.empty() && !valid_version_id(version))) {
    return not_found(version.empty() ? name : name + "/" + version);
  }
  if (patch.tags) COFFER_RETURN_IF_ERROR(check_tags(*patch.tags));
  if (patch.key_ops) COFFER_RETURN_IF_ERROR(check_ops(*patch.key_ops));
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
    const std::string v = version.empty() ? head.latest_version : keys::lower(version);
    COFFER_ASSIGN_OR_RETURN(auto rec, load_version(txn, vault, head, v));
    if (!rec) return not_found(name + "/" + version);
    auto& p = rec->properties;
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
    return txn.put(keys::key_version(vault.id, name, v), encode_key_version(*rec));
  }));
  return out;
}

Result<Page<KeyProperties>> KeyService::list(const VaultInfo& vault, const PageRequest& page) {
  Page<KeyProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto heads, page_heads<KeyHead>(txn, keys::key_prefix(vault.id), page, false, decode_head));
    for (const auto& h : heads.items) {
      COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, h));
      out.items.push_back(std::move(rec.properties));
    }
    out.next = heads.next;
    return Status::Ok();
  }));
  return out;
}

Result<Page<KeyProperties>> KeyService::list_versions(const VaultInfo& vault, const std::string& name,
                                                      const PageRequest& page) {
  if (!valid_name(name)) return not_found(name);
  Page<KeyProperties> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
    const std::string prefix = keys::key_versions_prefix(vault.id, name);
    const std::string after = page.after.empty() ? std::string() : prefix + page.after;
    COFFER_ASSIGN_OR_RETURN(auto entries, txn.scan(prefix, after, page.max + 1));
    for (const auto& e : entries) {
      if (out.items.size() == page.max) {
        out.next = out.items.back().version;
        break;
      }
      COFFER_ASSIGN_OR_RETURN(KeyVersionRecord rec, decode_key_version(e.value));
      rec.properties.name = head.name;
      rec.properties.managed = head.managed;
      out.items.push_back(std::move(rec.properties));
    }
    return Status::Ok();
  }));
  return out;
}

Result<DeletedKey> KeyService::remove(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  DeletedKey out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
    if (head.managed) {
      return Status(Code::kForbidden, "Key " + head.name + " is managed by a certificate; delete the certificate instead.");
    }
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    const int64_t now = clock_.now();
    head.deletion = DeletionInfo{now, now + int64_t(vault.retention_days) * kDay};
    out = DeletedKey{rec.properties, *head.deletion};
    COFFER_RETURN_IF_ERROR(txn.put(keys::key_head(vault.id, name), encode_head(head)));
    return txn.put(keys::purge_queue_entry(head.deletion->scheduled_purge_date, "key", vault.id, name), "");
  }));
  return out;
}

Result<DeletedKey> KeyService::get_deleted(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  DeletedKey out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, deleted_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    out = DeletedKey{rec.properties, *head.deletion};
    return Status::Ok();
  }));
  return out;
}

Result<Page<DeletedKey>> KeyService::list_deleted(const VaultInfo& vault, const PageRequest& page) {
  Page<DeletedKey> out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto heads, page_heads<KeyHead>(txn, keys::key_prefix(vault.id), page, true, decode_head));
    for (const auto& h : heads.items) {
      COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, h));
      out.items.push_back(DeletedKey{std::move(rec.properties), *h.deletion});
    }
    out.next = heads.next;
    return Status::Ok();
  }));
  return out;
}

Result<KeyProperties> KeyService::recover(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return deleted_not_found(name);
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, deleted_head(txn, vault, name));
    COFFER_RETURN_IF_ERROR(
        txn.erase(keys::purge_queue_entry(head.deletion->scheduled_purge_date, "key", vault.id, name)));
    head.deletion.reset();
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    out = rec.properties;
    return txn.put(keys::key_head(vault.id, name), encode_head(head));
  }));
  return out;
}

Status KeyService::purge(const VaultInfo& vault, const std::string& name) {
  if (vault.purge_protection) {
    return Status(Code::kForbidden,
                  "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key "
                  "Vault service will automatically purge it after the retention period has passed.",
                  "ForbiddenByPolicy");
  }
  if (!valid_name(name)) return deleted_not_found(name);
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, deleted_head(txn, vault, name));
    return erase_key(txn, vault, head);
  });
}

Result<std::string> KeyService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  KeyHead head;
  std::vector<KeyVersionRecord> versions;
  std::optional<std::string> policy;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) policy = pol->value;
    return for_each_entry(txn, keys::key_versions_prefix(vault.id, name), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(KeyVersionRecord rec, decode_key_version(e.value));
      versions.push_back(std::move(rec));
      return Status::Ok();
    });
  }));
  if (head.managed) {
    return Status(Code::kForbidden, "Key " + head.name + " is managed by a certificate; back up the certificate.");
  }
  std::map<std::string, std::string> plain_versions;
  for (auto& rec : versions) {
    COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring_.open(vault.id, vault.wrapped_kek, rec.sealed_key,
                                                             keys::key_ad(vault.id, name, rec.properties.version)));
    rec.sealed_key = priv.str();  // plaintext inside the backup, sealed as a whole below
    plain_versions[rec.properties.version] = encode_key_version(rec);
    secure_wipe(rec.sealed_key.data(), rec.sealed_key.size());
  }
  RecordWriter w;
  w.bytes(kBMagic, kBackupMagic).bytes(kBName, head.name).bytes(kBLatest, head.latest_version);
  w.map(kBVersions, plain_versions);
  if (policy) w.bytes(kBPolicy, *policy);
  for (auto& [k, v] : plain_versions) secure_wipe(v.data(), v.size());
  SecureString plain(w.take());
  return keyring_.seal_system(plain.view(), kBackupAd);
}

Result<KeyProperties> KeyService::restore(const VaultInfo& vault, const std::string& blob) {
  auto opened = keyring_.open_system(blob, kBackupAd);
  if (!opened.ok()) return bad("Backup blob contains invalid or corrupt version.");
  auto r = RecordReader::parse(opened->view());
  if (!r || r->bytes(kBMagic) != kBackupMagic) return bad("Backup blob contains invalid or corrupt version.");
  KeyHead head{r->bytes(kBName), r->bytes(kBLatest), std::nullopt, false};
  if (!valid_name(head.name)) return bad("Backup blob names an invalid key.");
  std::vector<KeyVersionRecord> versions;
  for (auto& [version, encoded] : r->map(kBVersions)) {
    COFFER_ASSIGN_OR_RETURN(KeyVersionRecord rec, decode_key_version(encoded));
    secure_wipe(encoded.data(), encoded.size());
    SecureString priv(std::move(rec.sealed_key));
    if (!valid_version_id(rec.properties.version)) return bad("Backup blob is corrupt.");
    COFFER_ASSIGN_OR_RETURN(rec.sealed_key, keyring_.seal(vault.id, vault.wrapped_kek, priv.view(),
                                                          keys::key_ad(vault.id, head.name, rec.properties.version)));
    versions.push_back(std::move(rec));
  }
  const bool has_policy = r->has(kBPolicy);
  const std::string policy = r->bytes(kBPolicy);
  KeyProperties out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(auto existing, load_head(txn, vault, head.name));
    if (existing && existing->deletion) return deleted_conflict(existing->name);
    if (existing) {
      return Status(Code::kConflict, "Key " + existing->name + " already exists in this vault.", "ObjectAlreadyExists");
    }
    bool has_latest = false;
    for (const auto& rec : versions) {
      COFFER_RETURN_IF_ERROR(
          txn.put(keys::key_version(vault.id, head.name, rec.properties.version), encode_key_version(rec)));
      if (rec.properties.version == head.latest_version) {
        out = rec.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return bad("Backup blob is corrupt.");
    out.name = head.name;
    if (has_policy) COFFER_RETURN_IF_ERROR(txn.put(keys::key_policy(vault.id, head.name), policy));
    return txn.put(keys::key_head(vault.id, head.name), encode_head(head));
  }));
  return out;
}

Result<KeyProperties> KeyService::rotate(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  KeyProperties last;
  RotationPolicy policy;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, head));
    last = std::move(rec.properties);
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) {
      COFFER_ASSIGN_OR_RETURN(policy, decode_rotation_policy(pol->value));
    }
    return Status::Ok();
  }));
  std::string base = last.kty;
  if (ends_with_hsm(base)) base.resize(base.size() - 4);
  auto material = base == "RSA"  ? crypto::KeyMaterial::generate_rsa(last.key_size)
                  : base == "EC" ? crypto::KeyMaterial::generate_ec(last.public_key.crv)
                                 : crypto::KeyMaterial::generate_oct(last.key_size);
  if (!material.ok()) return material.status();
  KeyProperties p;
  p.kty = last.kty;
  p.key_ops = last.key_ops;
  p.tags = last.tags;
  p.exportable = last.exportable;
  p.release_policy = last.release_policy;
  if (policy.expiry_seconds > 0) p.attributes.expires = clock_.now() + policy.expiry_seconds;
  return add_version(vault, name, std::move(p), *material, true);
}

Result<RotationPolicy> KeyService::get_rotation_policy(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return not_found(name);
  RotationPolicy out;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto pol, txn.get(keys::key_policy(vault.id, name)));
    if (pol) {
      COFFER_ASSIGN_OR_RETURN(out, decode_rotation_policy(pol->value));
    } else {
      // AKV's default: notify 30 days before expiry, nothing stored yet.
      out.lifetime_actions.push_back(LifetimeAction{"Notify", std::nullopt, "P30D", 0, 30 * kDay});
    }
    return Status::Ok();
  }));
  return out;
}

Result<RotationPolicy> KeyService::set_rotation_policy(const VaultInfo& vault, const std::string& name,
                                                       const RotationPolicy& policy) {
  if (!valid_name(name)) return not_found(name);
  if (policy.expiry_time && policy.expiry_seconds < kMinPolicyExpirySeconds) {
    return bad("The rotation policy's expiryTime must be at least 28 days.");
  }
  int rotate_actions = 0;
  for (const auto& a : policy.lifetime_actions) {
    if (!iequals(a.action, "Rotate") && !iequals(a.action, "Notify")) {
      return bad("A lifetime action's type must be Rotate or Notify.");
    }
    if (a.time_after_create.has_value() == a.time_before_expiry.has_value()) {
      return bad("A lifetime action's trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.");
    }
    if (a.time_before_expiry && !policy.expiry_time && iequals(a.action, "Rotate")) {
      return bad("A timeBeforeExpiry trigger needs the policy's expiryTime.");
    }
    if (a.after_create_seconds < 0 || a.before_expiry_seconds < 0) return bad("Trigger durations must be positive.");
    if (iequals(a.action, "Rotate")) ++rotate_actions;
  }
  if (rotate_actions > 1) return bad("A rotation policy can have at most one Rotate action.");
  RotationPolicy out = policy;
  out.stored = true;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(live_head(txn, vault, name).status());
    COFFER_ASSIGN_OR_RETURN(auto old, txn.get(keys::key_policy(vault.id, name)));
    const int64_t now = clock_.now();
    out.created = now;
    if (old) {
      COFFER_ASSIGN_OR_RETURN(RotationPolicy prev, decode_rotation_policy(old->value));
      out.created = prev.created;
    }
    out.updated = now;
    return txn.put(keys::key_policy(vault.id, name), encode_rotation_policy(out));
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
    return not_found(version.empty() ? name : name + "/" + version);
  }
  auto rec = read_cache_.get(vault.id + '/' + keys::lower(name) + '/' + keys::lower(version),
                             [&]() -> Result<KeyVersionRecord> {
                               std::optional<KeyVersionRecord> found;
                               COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
                                 COFFER_ASSIGN_OR_RETURN(KeyHead head, live_head(txn, vault, name));
                                 COFFER_ASSIGN_OR_RETURN(
                                     found, load_version(txn, vault, head,
                                                         version.empty() ? head.latest_version : version));
                                 return found ? Status::Ok() : not_found(name + "/" + version);
                               }));
                               return std::move(*found);
                             });
  if (!rec.ok()) return rec.status();
  const auto& p = rec->properties;
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
  const std::string cache_id = vault.id + "/" + keys::lower(name) + "/" + p.version;
  auto material = material_cache_.find(cache_id);
  if (!material) {
    COFFER_ASSIGN_OR_RETURN(SecureString priv, keyring_.open(vault.id, vault.wrapped_kek, rec->sealed_key,
                                                             keys::key_ad(vault.id, name, p.version)));
    COFFER_ASSIGN_OR_RETURN(crypto::KeyMaterial parsed, crypto::KeyMaterial::from_sealed_bytes(priv.view()));
    material = std::make_shared<const crypto::KeyMaterial>(std::move(parsed));
    material_cache_.insert(cache_id, material);
  }
  return Loaded{std::move(rec->properties), std::move(material)};
}

Result<std::size_t> KeyService::purge_due(int64_t now) {
  COFFER_ASSIGN_OR_RETURN(auto due, due_purges(store_, now, "key"));
  std::size_t purged = 0;
  for (const auto& d : due) {
    VaultInfo owner;
    owner.id = d.vault_id;
    const std::string& name = d.name;
    const std::string& entry = d.entry;
    bool erased = false;
    COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
      erased = false;
      COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, owner, name));
      if (!head || !head->deletion || head->deletion->scheduled_purge_date > now) return txn.erase(entry);
      erased = true;
      return erase_key(txn, owner, *head);
    }));
    if (erased) ++purged;
  }
  return purged;
}

Result<std::size_t> KeyService::rotate_due(const std::vector<VaultInfo>& vaults, int64_t now) {
  std::size_t rotated = 0;
  for (const auto& vault : vaults) {
    std::vector<std::string> names;
    COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
      return for_each_entry(txn, keys::key_policy_prefix(vault.id), [&](const store::Entry& e) -> Status {
        COFFER_ASSIGN_OR_RETURN(RotationPolicy policy, decode_rotation_policy(e.value));
        const LifetimeAction* rot = nullptr;
        for (const auto& a : policy.lifetime_actions) {
          if (iequals(a.action, "Rotate")) rot = &a;
        }
        if (!rot) return Status::Ok();
        const std::string name = e.key.substr(keys::key_policy_prefix(vault.id).size());
        COFFER_ASSIGN_OR_RETURN(auto head, load_head(txn, vault, name));
        if (!head || head->deletion) return Status::Ok();
        COFFER_ASSIGN_OR_RETURN(auto rec, latest(txn, vault, *head));
        const auto& attrs = rec.properties.attributes;
        const bool due_after_create =
            rot->time_after_create && now >= attrs.created + rot->after_create_seconds;
        const bool due_before_expiry =
            rot->time_before_expiry && attrs.expires && now >= *attrs.expires - rot->before_expiry_seconds;
        if (due_after_create || due_before_expiry) names.push_back(head->name);
        return Status::Ok();
      });
    }));
    for (const auto& name : names) {
      auto r = rotate(vault, name);
      if (r.ok()) {
        ++rotated;
      } else if (r.status().code() != Code::kKeyNotFound && r.status().code() != Code::kConflict) {
        return r.status();
      }
    }
  }
  return rotated;
}

Status KeyService::erase_all(const VaultInfo& vault) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    std::vector<KeyHead> heads;
    COFFER_RETURN_IF_ERROR(for_each_entry(txn, keys::key_prefix(vault.id), [&](const store::Entry& e) -> Status {
      COFFER_ASSIGN_OR_RETURN(KeyHead h, decode_head(e.value));
      heads.push_back(std::move(h));
      return Status::Ok();
    }));
    if (vault.purge_protection && !heads.empty()) {
      return Status(Code::kForbidden,
                    "Vault " + vault.name + " has purge protection and still holds keys; it cannot be deleted.");
    }
    for (const auto& h : heads) COFFER_RETURN_IF_ERROR(erase_key(txn, vault, h));
    return Status::Ok();
  });
}

}  // namespace coffer::vault
