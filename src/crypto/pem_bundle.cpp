#include "crypto/pem_bundle.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "crypto/key_material_internal.hpp"
#include "crypto/pem.hpp"

namespace coffer::crypto {
namespace {

constexpr std::string_view kUnreadable =
    "The specified PEM X.509 certificate content can not be read. Please check if certificate is in valid PEM "
    "format. Accepted formats: PEM content or Base64 encoded PEM content.";

using ossl::Pkcs8;

Status unreadable_pem(std::string_view why) {
  return ossl::bad_parameter(std::string(kUnreadable) + " Reason: " + std::string(why));
}

bool is_key_label(std::string_view label) {
  return label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" || label == "EC PRIVATE KEY" ||
         label == "ENCRYPTED PRIVATE KEY";
}

// The private key of a key block (DER already base64-decoded).
Result<KeyMaterial> decode_key(const pem::Block& block) {
  if (block.label == "ENCRYPTED PRIVATE KEY" || block.has_headers) {
    return unreadable_pem("the private key is encrypted; only unencrypted private keys are accepted.");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(block.der.data());
  const long len = static_cast<long>(block.der.size());
  ossl::PKey pkey;
  if (block.label == "PRIVATE KEY") {
    Pkcs8 info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, len));
    if (info) pkey.reset(EVP_PKCS82PKEY(info.get()));
  } else {
    pkey.reset(d2i_PrivateKey(block.label == "RSA PRIVATE KEY" ? EVP_PKEY_RSA : EVP_PKEY_EC, nullptr, &p, len));
  }
  ERR_clear_error();
  if (!pkey) return unreadable_pem("the " + block.label + " block is not a valid private key.");
  auto key = KeyMaterialAccess::from_pkey(std::move(pkey));
  if (!key.ok()) return unreadable_pem(key.status().message());
  return key;
}

}  // namespace

Result<KeyAndChain> parse_pem_bundle(std::string_view text) {
  auto blocks = pem::read_blocks(text);
  if (!blocks.ok()) return unreadable_pem(blocks.status().message());
  KeyAndChain out;
  std::vector<Certificate> certs;
  for (const pem::Block& block : *blocks) {
    if (block.label == "CERTIFICATE") {
      auto cert = Certificate::from_der(block.der.view());
      if (!cert.ok()) {
        return unreadable_pem("certificate " + std::to_string(certs.size() + 1) + ": " + cert.status().message());
      }
      certs.push_back(std::move(*cert));
    } else if (is_key_label(block.label)) {
      if (out.key) return unreadable_pem("it holds more than one private key.");
      COFFER_ASSIGN_OR_RETURN(out.key, decode_key(block));
    }
  }
  if (certs.empty()) return unreadable_pem("it holds no CERTIFICATE block.");
  COFFER_ASSIGN_OR_RETURN(out.chain, order_chain(std::move(certs)));
  COFFER_RETURN_IF_ERROR(check_key_and_chain(out.key ? &*out.key : nullptr, out.chain));
  return out;
}

Result<SecureString> make_pem_bundle(const KeyMaterial* key, const std::vector<Certificate>& chain) {
  COFFER_RETURN_IF_ERROR(check_key_and_chain(key, chain));
  SecureString key_pem;
  if (key != nullptr) {
    COFFER_ASSIGN_OR_RETURN(key_pem, pem::write_private_key(KeyMaterialAccess::pkey(*key)));
  }
  std::size_t total = key_pem.size();
  for (const Certificate& c : chain) total += c.pem().size();
  std::string out;
  out.reserve(total);  // one buffer: no reallocation leaves a copy of the key behind
  out.append(key_pem.view());
  for (const Certificate& c : chain) out.append(c.pem());
  return SecureString(std::move(out));
}

}  // namespace coffer::crypto
