#include "vault/object_kinds.hpp"

#include "vault/store_keys.hpp"

namespace coffer::vault {

const SecretObjects& secret_objects() {
  static const SecretObjects objects(
      CollectionSpec{"secret", "Secret", Code::kSecretNotFound, &keys::secret_prefix, &keys::secret_versions_prefix});
  return objects;
}

const KeyObjects& key_objects() {
  static const KeyObjects objects(
      CollectionSpec{"key", "Key", Code::kKeyNotFound, &keys::key_prefix, &keys::key_versions_prefix});
  return objects;
}

const CertificateObjects& certificate_objects() {
  static const CertificateObjects objects(CollectionSpec{"certificate", "Certificate", Code::kCertificateNotFound,
                                                         &keys::cert_prefix, &keys::cert_versions_prefix});
  return objects;
}

}  // namespace coffer::vault
