#include "vault/certificate_service.hpp"

#include <climits>
#include <cstdint>

#include "common/record_codec.hpp"
#include "vault/certificate_links.hpp"
#include "vault/certificate_records.hpp"
#include "vault/object_backup.hpp"
#include "vault/record_scan.hpp"
#include "vault/store_keys.hpp"

namespace coffer::vault {
using namespace certificate_links;
namespace {
enum BackupVersionField : uint8_t { kBCertificate = 1, kBKey, kBSecret };
}  // namespace

Result<std::string> CertificateService::backup(const VaultInfo& vault, const std::string& name) {
  if (!valid_name(name)) return kCerts.not_found(name);
  ObjectHead head;
  std::vector<CertificateVersionRecord> versions;
  std::vector<std::optional<KeyVersionRecord>> key_versions;
  std::vector<std::optional<SecretVersionRecord>> secret_versions;
  ObjectBackup b;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(head, kCerts.live_head(txn, vault, name));
    COFFER_ASSIGN_OR_RETURN(versions, kCerts.all_versions(txn, vault, head));
    COFFER_ASSIGN_OR_RETURN(auto key_head, managed_head(txn, kKeys, vault, name));
    COFFER_ASSIGN_OR_RETURN(auto secret_head, managed_head(txn, kSecrets, vault, name));
    for (const auto& v : versions) {
      std::optional<KeyVersionRecord> k;
      std::optional<SecretVersionRecord> sv;
      if (key_head) {
        COFFER_ASSIGN_OR_RETURN(k, kKeys.load_version(txn, vault, *key_head, v.properties.version));
      }
      if (secret_head) {
        COFFER_ASSIGN_OR_RETURN(sv, kSecrets.load_version(txn, vault, *secret_head, v.properties.version));
      }
      key_versions.push_back(std::move(k));
      secret_versions.push_back(std::move(sv));
    }
    COFFER_ASSIGN_OR_RETURN(auto policy, txn.get(keys::cert_policy(vault.id, head.name)));
    if (policy) b.extra = policy->value;
    return Status::Ok();
  }));
  b.name = head.name;
  b.latest_version = head.latest_version;
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const std::string& version = versions[i].properties.version;
    RecordWriter w;
    w.bytes(kBCertificate, encode_certificate_version(versions[i]));
    if (auto& k = key_versions[i]) {
      COFFER_ASSIGN_OR_RETURN(SecureString priv,
                              barrier_.open(vault, ObjectPlace::key_version(name, version), k->sealed_key));
      w.bytes(kBKey, encode_key_version_in_clear({std::move(k->properties), std::move(priv)}).view());
    }
    if (auto& sv = secret_versions[i]) {
      COFFER_ASSIGN_OR_RETURN(SecureString value,
                              barrier_.open(vault, ObjectPlace::secret_version(name, version), sv->sealed_value));
      w.bytes(kBSecret, encode_version_in_clear({std::move(sv->properties), std::move(value)}).view());
    }
    b.versions[version] = w.take();
  }
  return seal_backup(barrier_, "certificate", b);
}

Result<Certificate> CertificateService::restore(const VaultInfo& vault, const std::string& blob) {
  COFFER_ASSIGN_OR_RETURN(ObjectBackup b, open_backup(barrier_, "certificate", blob));
  if (!valid_name(b.name) || !b.extra) return bad_parameter("Backup blob contains invalid or corrupt version.");
  COFFER_ASSIGN_OR_RETURN(CertificatePolicy policy, decode_certificate_policy(*b.extra));
  std::vector<LinkedVersion> versions;
  for (auto& [version, encoded] : b.versions) {
    auto r = RecordReader::parse(encoded);
    if (!r || !valid_version_id(version)) return bad_parameter("Backup blob is corrupt.");
    LinkedVersion v;
    COFFER_ASSIGN_OR_RETURN(v.certificate, decode_certificate_version(r->bytes(kBCertificate)));
    if (v.certificate.properties.version != version) return bad_parameter("Backup blob is corrupt.");
    if (r->has(kBKey)) {
      const SecureString plain(r->bytes(kBKey));
      auto key = decode_key_version_in_clear(plain.view());
      if (!key.ok()) return bad_parameter("Backup blob is corrupt.");
      COFFER_ASSIGN_OR_RETURN(Sealed sealed,
                              barrier_.seal(vault, ObjectPlace::key_version(b.name, version), key->private_key.view()));
      v.key = KeyVersionRecord{std::move(key->properties), std::move(sealed)};
    }
    if (r->has(kBSecret)) {
      const SecureString plain(r->bytes(kBSecret));
      auto secret = decode_version_in_clear(plain.view());
      if (!secret.ok()) return bad_parameter("Backup blob is corrupt.");
      COFFER_ASSIGN_OR_RETURN(Sealed sealed,
                              barrier_.seal(vault, ObjectPlace::secret_version(b.name, version), secret->value.view()));
      v.secret = SecretVersionRecord{std::move(secret->properties), std::move(sealed)};
    }
    versions.push_back(std::move(v));
  }
  Certificate out;
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(kCerts.check_name_free(txn, vault, b.name));
    COFFER_ASSIGN_OR_RETURN(auto key_head, kKeys.load_head(txn, vault, b.name));
    if (key_head) return name_taken(key_head->name, "key");
    COFFER_ASSIGN_OR_RETURN(auto secret_head, kSecrets.load_head(txn, vault, b.name));
    if (secret_head) return name_taken(secret_head->name, "secret");
    bool has_latest = false;
    bool any_key = false, any_secret = false;
    for (const auto& v : versions) {
      COFFER_RETURN_IF_ERROR(kCerts.put_version(txn, vault, b.name, v.certificate));
      if (!v.key.sealed_key.empty()) {
        COFFER_RETURN_IF_ERROR(kKeys.put_version(txn, vault, b.name, v.key));
        any_key = true;
      }
      if (v.secret) {
        COFFER_RETURN_IF_ERROR(kSecrets.put_version(txn, vault, b.name, *v.secret));
        any_secret = true;
      }
      if (v.certificate.properties.version == b.latest_version) {
        out.properties = v.certificate.properties;
        has_latest = true;
      }
    }
    if (!has_latest) return bad_parameter("Backup blob is corrupt.");
    out.properties.name = b.name;
    out.policy = policy;
    COFFER_RETURN_IF_ERROR(kCerts.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, false}));
    if (any_key) {
      COFFER_RETURN_IF_ERROR(kKeys.put_head(txn, vault, ObjectHead{b.name, b.latest_version, std::nullopt, true}));
    }
    if (any_secret) {
      // The newest version that has a secret (a pending latest version has none yet).
      std::string latest_secret;
      int64_t newest = 0;
      for (const auto& v : versions) {
        const auto& p = v.certificate.properties;
        if (v.secret && (latest_secret.empty() || p.attributes.created > newest || p.version == b.latest_version)) {
          latest_secret = p.version;
          newest = p.version == b.latest_version ? INT64_MAX : p.attributes.created;
        }
      }
      COFFER_RETURN_IF_ERROR(kSecrets.put_head(txn, vault, ObjectHead{b.name, latest_secret, std::nullopt, true}));
    }
    return txn.put(keys::cert_policy(vault.id, b.name), *b.extra);
  }));
  return out;
}
}  // namespace coffer::vault
