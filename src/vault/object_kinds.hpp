// The object collections of each kind (secrets, keys, certificates), for
// the services that own them and for the certificate service, which writes
// a certificate's backing key and secret in the same transaction as the
// certificate itself. Stateless; one instance per kind for the process.
#pragma once

#include "vault/certificate_records.hpp"
#include "vault/key_records.hpp"
#include "vault/object_collection.hpp"
#include "vault/secret_records.hpp"

namespace coffer::vault {

using SecretObjects = ObjectCollection<SecretVersionRecord, decode_version, encode_version>;
using KeyObjects = ObjectCollection<KeyVersionRecord, decode_key_version, encode_key_version>;
using CertificateObjects =
    ObjectCollection<CertificateVersionRecord, decode_certificate_version, encode_certificate_version>;

const SecretObjects& secret_objects();
const KeyObjects& key_objects();
const CertificateObjects& certificate_objects();

inline const SecretObjects& kSecrets = secret_objects();
inline const KeyObjects& kKeys = key_objects();
inline const CertificateObjects& kCerts = certificate_objects();

}  // namespace coffer::vault
