// How one fetched object version becomes file contents (PROVIDER-SPEC §4.3):
// - secret: its value; a certificate's secret (it carries a kid) as stored
//   when PEM, as stored (base64 text) when objectFormat is pfx, else the
//   PKCS#12 opened with no password and written as a PKCS#8 PRIVATE KEY
//   block followed by the chain, leaf first; objectEncoding (base64/hex)
//   is then decoded from every secret output. With `separate_cert_and_key`
//   a certificate's PEM output also yields `<path>.crt` and `<path>.key`.
// - key: the public key as a PEM PUBLIC KEY (RSA, EC P-256/384/521).
// - cert: the certificate as one PEM CERTIFICATE block, leaf only.
// Failures carry reason UnsupportedObject (what the object is cannot be
// mounted as asked). Contents that held a secret are SecureStrings.
#pragma once

#include <string>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "csi/object_specs.hpp"
#include "csi/vault_objects.hpp"

namespace coffer::csi {

struct RenderOptions {
  int default_mode = 0644;
  bool separate_cert_and_key = false;
};

struct MountedFile {
  std::string path;
  int mode = 0644;
  SecureString contents;
};

Result<std::vector<MountedFile>> render_object(const ObjectSpec& spec, const VaultObject& object,
                                               const std::string& path, const RenderOptions& options);

}  // namespace coffer::csi
