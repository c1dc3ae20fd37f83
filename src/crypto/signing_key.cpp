#include "crypto/signing_key.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <vector>

#include "common/base64.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/pem.hpp"
#include "crypto/tls_material.hpp"

namespace coffer::crypto {

namespace {

// The key and its public parts, derived once.
struct KeyParts {
  ossl::PKey key;
  std::string modulus;
  std::string exponent;
  std::string kid;
};

constexpr int kRsaBits = 2048;
constexpr std::size_t kKidLength = 16;

Result<std::string> bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return ossl::error("EVP_PKEY_get_bn_param");
  ossl::BigNum bn(raw);
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

Result<std::string> public_key_der(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return ossl::error("i2d_PUBKEY");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != len) return ossl::error("i2d_PUBKEY");
  return der;
}

// Checks the key is usable for RS256 and derives its public parts.
Result<KeyParts> make_parts(ossl::PKey key) {
  if (EVP_PKEY_is_a(key.get(), "RSA") != 1) {
    return Status(Code::kInternal, "signing key is not an RSA key");
  }
  if (EVP_PKEY_get_bits(key.get()) < kRsaBits) {
    return Status(Code::kInternal, "signing key is shorter than 2048 bits");
  }
  KeyParts parts;
  COFFER_ASSIGN_OR_RETURN(parts.modulus, bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N));
  COFFER_ASSIGN_OR_RETURN(parts.exponent, bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E));
  COFFER_ASSIGN_OR_RETURN(std::string der, public_key_der(key.get()));
  std::string digest = sha256(der);
  if (digest.empty()) return Status(Code::kInternal, "SHA-256 failed");
  parts.kid = base64url_encode(digest).substr(0, kKidLength);
  parts.key = std::move(key);
  return parts;
}

// A digest context set up for RS256 signing or verification of `key`.
Result<ossl::MdCtx> rs256_context(EVP_PKEY* key, bool for_signing) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::error("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  int rc = for_signing ? EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key)
                       : EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key);
  if (rc != 1 || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return ossl::error("RS256 init");
  }
  return ctx;
}

}  // namespace

struct SigningKey::Impl {
  KeyParts parts;
};

SigningKey::SigningKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)), kid_(impl_->parts.kid) {}

Result<SigningKey> SigningKey::generate() {
  ossl::PKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(kRsaBits)));
  if (!key) return ossl::error("RSA key generation");
  COFFER_ASSIGN_OR_RETURN(KeyParts parts, make_parts(std::move(key)));
  return SigningKey(std::make_shared<Impl>(Impl{std::move(parts)}));
}

Result<SigningKey> SigningKey::from_private_pem(const SecureString& pem) {
  COFFER_ASSIGN_OR_RETURN(ossl::PKey key, pem::read_private_key(pem.view()));
  COFFER_ASSIGN_OR_RETURN(KeyParts parts, make_parts(std::move(key)));
  return SigningKey(std::make_shared<Impl>(Impl{std::move(parts)}));
}

SecureString SigningKey::private_pem() const {
  Result<SecureString> pem = pem::write_private_key(impl_->parts.key.get());
  return pem.ok() ? std::move(pem).value() : SecureString();
}

Result<std::string> SigningKey::sign(std::string_view data) const {
  COFFER_ASSIGN_OR_RETURN(ossl::MdCtx ctx, rs256_context(impl_->parts.key.get(), true));
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, data.size()) != 1) {
    return ossl::error("EVP_DigestSign");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()) != 1) {
    return ossl::error("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

bool SigningKey::verify(std::string_view data, std::string_view signature) const {
  Result<ossl::MdCtx> ctx = rs256_context(impl_->parts.key.get(), false);
  if (!ctx.ok()) return false;
  int rc = EVP_DigestVerify(ctx->get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ERR_clear_error();
  return rc == 1;
}

std::string SigningKey::modulus() const { return impl_->parts.modulus; }
std::string SigningKey::exponent() const { return impl_->parts.exponent; }

}  // namespace coffer::crypto
