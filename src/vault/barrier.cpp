#include "vault/barrier.hpp"

#include "common/ascii.hpp"

namespace coffer::vault {
namespace {

std::string backup_associated_data(std::string_view kind) { return "backup/" + std::string(kind) + "s"; }

}  // namespace

ObjectPlace::ObjectPlace(std::string_view collection, std::string_view name, std::string_view version) {
  path_.reserve(collection.size() + name.size() + version.size() + 3);
  path_.append("/").append(collection).append("/");
  const std::size_t name_at = path_.size();
  path_.append(name);
  for (std::size_t i = name_at; i < path_.size(); ++i) path_[i] = ascii_lower(path_[i]);
  if (!version.empty()) path_.append("/").append(version);
}

ObjectPlace ObjectPlace::secret_version(std::string_view name, std::string_view version) {
  return ObjectPlace("secrets", name, version);
}

ObjectPlace ObjectPlace::key_version(std::string_view name, std::string_view version) {
  return ObjectPlace("keys", name, version);
}

ObjectPlace ObjectPlace::issuer_password(std::string_view issuer_name) {
  return ObjectPlace("certificateissuers", issuer_name, {});
}

ObjectPlace ObjectPlace::event_subscription_secret(std::string_view subscription_name) {
  return ObjectPlace("eventsubscriptions", subscription_name, "signing");
}

ObjectPlace ObjectPlace::rotator_secret(std::string_view secret_name) {
  return ObjectPlace("secretrotators", secret_name, "signing");
}

std::string ObjectPlace::associated_data(std::string_view vault_id) const {
  std::string ad;
  ad.reserve(vault_id.size() + path_.size());
  ad.append(vault_id).append(path_);
  return ad;
}

Result<std::string> Barrier::new_vault_kek(std::string_view vault_id) const {
  return keyring_->new_wrapped_kek(vault_id);
}

bool Barrier::vault_kek_current(std::string_view wrapped_kek) const {
  return keyring_->under_active_generation(wrapped_kek);
}

Result<std::string> Barrier::rewrap_vault_kek(std::string_view vault_id, std::string_view wrapped_kek) const {
  return keyring_->rewrap_kek(vault_id, wrapped_kek);
}

Result<Sealed> Barrier::seal(const VaultInfo& vault, const ObjectPlace& place, std::string_view plaintext) const {
  COFFER_ASSIGN_OR_RETURN(std::string sealed,
                          keyring_->seal(vault.id, vault.wrapped_kek, plaintext, place.associated_data(vault.id)));
  return Sealed(std::move(sealed));
}

Result<SecureString> Barrier::open(const VaultInfo& vault, const ObjectPlace& place, const Sealed& sealed) const {
  return keyring_->open(vault.id, vault.wrapped_kek, sealed.bytes(), place.associated_data(vault.id));
}

Result<std::string> Barrier::seal_backup(std::string_view kind, std::string_view plaintext) const {
  return keyring_->seal_system(plaintext, backup_associated_data(kind));
}

Result<SecureString> Barrier::open_backup(std::string_view kind, std::string_view blob) const {
  return keyring_->open_system(blob, backup_associated_data(kind));
}

}  // namespace coffer::vault
