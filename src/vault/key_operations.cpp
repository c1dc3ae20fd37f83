// KeyService's cryptographic operations: each loads the version through
// load_for_operation() (which checks key_ops, enabled, nbf/exp and unseals
// or reuses the key material) and runs one operation on it: private and
// secret work of a key held in the HSM in the token, public-key work with
// the stored public half.
#include "vault/key_service.hpp"

namespace coffer::vault {
namespace {

// An oct-HSM key: nothing of it is outside the token.
bool only_in_token(const std::optional<crypto::HardwareKeyRef>& hardware) {
  return hardware && hardware->kind == crypto::KeyKind::kOct;
}

Status no_public_half(const std::string& alg, std::string_view what) {
  return bad_parameter("The algorithm '" + alg + "' is not valid for " + std::string(what) + " with this key.");
}

}  // namespace

Result<KeyOperationResult> KeyService::encrypt(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const std::string& alg,
                                               std::string_view plaintext, std::string_view iv, std::string_view aad) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "encrypt"));
  COFFER_ASSIGN_OR_RETURN(crypto::CipherResult c, only_in_token(k.hardware)
                                                      ? options_.hardware->encrypt(*k.hardware, alg, plaintext, iv, aad)
                                                      : k.material->encrypt(alg, plaintext, iv, aad));
  KeyOperationResult out;
  out.version = k.properties().version;
  out.value = SecureString(std::move(c.value));
  out.iv = std::move(c.iv);
  out.tag = std::move(c.tag);
  out.aad = std::string(aad);
  return out;
}

Result<KeyOperationResult> KeyService::decrypt(const VaultInfo& vault, const std::string& name,
                                               const std::string& version, const std::string& alg,
                                               std::string_view ciphertext, std::string_view iv, std::string_view aad,
                                               std::string_view tag) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "decrypt"));
  KeyOperationResult out;
  out.version = k.properties().version;
  COFFER_ASSIGN_OR_RETURN(out.value, k.hardware ? options_.hardware->decrypt(*k.hardware, alg, ciphertext, iv, aad, tag)
                                                : k.material->decrypt(alg, ciphertext, iv, aad, tag));
  return out;
}

Result<KeyOperationResult> KeyService::sign(const VaultInfo& vault, const std::string& name, const std::string& version,
                                            const std::string& alg, std::string_view digest) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "sign"));
  COFFER_ASSIGN_OR_RETURN(
      std::string sig, k.hardware ? options_.hardware->sign(*k.hardware, alg, digest) : k.material->sign(alg, digest));
  KeyOperationResult out;
  out.version = k.properties().version;
  out.value = SecureString(std::move(sig));
  return out;
}

Result<KeyOperationResult> KeyService::verify(const VaultInfo& vault, const std::string& name,
                                              const std::string& version, const std::string& alg,
                                              std::string_view digest, std::string_view signature) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "verify"));
  if (!k.material) return no_public_half(alg, "verification");
  KeyOperationResult out;
  out.version = k.properties().version;
  COFFER_ASSIGN_OR_RETURN(out.verified, k.material->verify(alg, digest, signature));
  return out;
}

Result<KeyOperationResult> KeyService::wrap(const VaultInfo& vault, const std::string& name, const std::string& version,
                                            const std::string& alg, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "wrapKey"));
  COFFER_ASSIGN_OR_RETURN(std::string wrapped, only_in_token(k.hardware)
                                                   ? options_.hardware->wrap(*k.hardware, alg, key)
                                                   : k.material->wrap(alg, key));
  KeyOperationResult out;
  out.version = k.properties().version;
  out.value = SecureString(std::move(wrapped));
  return out;
}

Result<KeyOperationResult> KeyService::unwrap(const VaultInfo& vault, const std::string& name,
                                              const std::string& version, const std::string& alg,
                                              std::string_view wrapped) {
  COFFER_ASSIGN_OR_RETURN(Loaded k, load_for_operation(vault, name, version, "unwrapKey"));
  KeyOperationResult out;
  out.version = k.properties().version;
  COFFER_ASSIGN_OR_RETURN(
      out.value, k.hardware ? options_.hardware->unwrap(*k.hardware, alg, wrapped) : k.material->unwrap(alg, wrapped));
  return out;
}

}  // namespace coffer::vault
