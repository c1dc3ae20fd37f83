// Internal to crypto/: the OpenSSL side of a Certificate, for the code that
// issues, chains and packs certificates. Not for use outside crypto/.
#pragma once

#include "crypto/certificate.hpp"
#include "crypto/openssl_util.hpp"

namespace coffer::crypto {

struct CertificateAccess {
  // The certificate's X509, borrowed: valid while `cert` (or a copy) lives.
  // Read-only use only (verify, compare, serialise): it is shared.
  static X509* x509(const Certificate& cert);
  // A Certificate of `cert` (re-read from its DER encoding).
  static Result<Certificate> from_x509(X509* cert);
};

}  // namespace coffer::crypto
