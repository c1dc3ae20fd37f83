#include "vault/secret_conversion.hpp"

#include "common/base64.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "vault/certificate_types.hpp"

namespace coffer::vault {

Status convert_secret(Secret& secret, std::string_view out_content_type) {
  if (out_content_type != kPkcs12ContentType && out_content_type != kPemContentType) {
    return Status(Code::kBadParameter, "The outContentType '" + std::string(out_content_type.substr(0, 64)) +
                                           "' is not supported; use application/x-pkcs12 or application/x-pem-file.");
  }
  auto& p = secret.properties;
  if (!p.managed || p.content_type.value_or("") == out_content_type) return Status::Ok();
  if (p.content_type.value_or("") != kPkcs12ContentType) {
    return Status(Code::kBadParameter, "Only conversion from PFX (application/x-pkcs12) to PEM is supported.");
  }
  auto pfx = base64_decode(secret.value.view());
  if (!pfx) return Status(Code::kInternal, "the certificate secret " + p.name + " is not base64 PKCS#12");
  SecureString pfx_bytes{std::string_view(*pfx)};
  secure_wipe(pfx->data(), pfx->size());
  COFFER_ASSIGN_OR_RETURN(crypto::KeyAndChain bundle, crypto::parse_pkcs12(pfx_bytes.view(), ""));
  COFFER_ASSIGN_OR_RETURN(SecureString pem, crypto::make_pem_bundle(bundle.key ? &*bundle.key : nullptr, bundle.chain));
  secret.value = std::move(pem);
  p.content_type = std::string(kPemContentType);
  return Status::Ok();
}

}  // namespace coffer::vault
