#include "crypto/ed25519_key.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/base64.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/tls_material.hpp"

namespace coffer::crypto {

struct Ed25519Key::Impl {
  ossl::PKey key;
};

namespace {

constexpr std::size_t kKidHex = 16;

Result<std::string> key_id_of(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return ossl::error("i2d_PUBKEY");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PUBKEY(key, &p) != len) return ossl::error("i2d_PUBKEY");
  std::string digest = sha256(der);
  if (digest.empty()) return Status(Code::kInternal, "SHA-256 failed");
  return hex_encode(digest).substr(0, kKidHex);
}

Result<std::string> public_pem_of(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) return ossl::error("PEM_write_bio_PUBKEY");
  return ossl::bio_contents(bio.get());
}

ossl::PKey read_public(std::string_view pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return nullptr;
  return ossl::PKey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

Result<Ed25519Key> Ed25519Key::generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!raw) return ossl::error("Ed25519 key generation");
  auto impl = std::make_shared<Impl>();
  impl->key.reset(raw);
  COFFER_ASSIGN_OR_RETURN(std::string pub, public_pem_of(raw));
  COFFER_ASSIGN_OR_RETURN(std::string kid, key_id_of(raw));
  return Ed25519Key(std::move(impl), std::move(pub), std::move(kid));
}

Result<Ed25519Key> Ed25519Key::from_private_pem(const SecureString& pem) {
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  if (!bio) return ossl::error("BIO_new_mem_buf");
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!raw) return ossl::error("reading the audit signing key");
  auto impl = std::make_shared<Impl>();
  impl->key.reset(raw);
  if (EVP_PKEY_is_a(raw, "ED25519") != 1) return Status(Code::kInternal, "audit signing key is not Ed25519");
  COFFER_ASSIGN_OR_RETURN(std::string pub, public_pem_of(raw));
  COFFER_ASSIGN_OR_RETURN(std::string kid, key_id_of(raw));
  return Ed25519Key(std::move(impl), std::move(pub), std::move(kid));
}

SecureString Ed25519Key::private_pem() const {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  return SecureString(ossl::bio_contents(bio.get()));
}

Result<std::string> Ed25519Key::sign(std::string_view data) const {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) {
    return ossl::error("EVP_DigestSignInit");
  }
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    return ossl::error("EVP_DigestSign");
  }
  sig.resize(len);
  return sig;
}

bool ed25519_verify(std::string_view public_pem, std::string_view data, std::string_view signature,
                    std::string* key_id) {
  ossl::PKey key = read_public(public_pem);
  if (!key || EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    ERR_clear_error();
    return false;
  }
  if (key_id) {
    auto kid = key_id_of(key.get());
    if (kid.ok()) *key_id = *kid;
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace coffer::crypto
