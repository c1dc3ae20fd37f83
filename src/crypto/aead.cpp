#include "crypto/aead.hpp"

#include <openssl/err.h>

#include <algorithm>
#include <climits>

#include "crypto/algorithms.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

constexpr int kNonceSize = 12;
constexpr int kTagSize = 16;

using ossl::decryption_failed;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

bool fits_evp_int(std::string_view s) { return s.size() <= static_cast<std::size_t>(INT_MAX - 64); }

}  // namespace

Result<std::string> aead_seal(const SecureString& key, std::string_view plaintext, std::string_view associated_data) {
  if (key.size() != kAeadKeySize) return Status(Code::kInternal, "AEAD key must be 32 bytes");
  if (!fits_evp_int(plaintext) || !fits_evp_int(associated_data)) {
    return Status(Code::kInternal, "AEAD input too large");
  }
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::error("EVP_CIPHER_CTX_new");

  SecureString nonce = random_bytes(kNonceSize);
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::copy(nonce.data(), nonce.data() + kNonceSize, out.data());

  int len = 0;
  // 12 bytes is GCM's default IV length: key and nonce go in with one init.
  static_assert(kNonceSize == 12);
  if (EVP_EncryptInit_ex2(ctx.get(), ossl::aes_256_gcm(), bytes(key.view()), o, nullptr) != 1) {
    return ossl::error("AES-GCM init");
  }
  if (!associated_data.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(associated_data),
                                                    static_cast<int>(associated_data.size())) != 1) {
    return ossl::error("AES-GCM associated data");
  }
  int ct_len = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), o + kNonceSize, &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1) {
      return ossl::error("AES-GCM encrypt");
    }
    ct_len = len;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), o + kNonceSize + ct_len, &len) != 1) {
    return ossl::error("AES-GCM final");
  }
  ct_len += len;
  if (static_cast<std::size_t>(ct_len) != plaintext.size()) {
    return Status(Code::kInternal, "AES-GCM produced an unexpected length");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, o + kNonceSize + ct_len) != 1) {
    return ossl::error("AES-GCM tag");
  }
  return out;
}

Result<SecureString> aead_open(const SecureString& key, std::string_view blob, std::string_view associated_data) {
  if (key.size() != kAeadKeySize) return Status(Code::kInternal, "AEAD key must be 32 bytes");
  if (blob.size() < kNonceSize + kTagSize || !fits_evp_int(blob) || !fits_evp_int(associated_data)) {
    return decryption_failed();
  }
  std::string_view nonce = blob.substr(0, kNonceSize);
  std::string_view ct = blob.substr(kNonceSize, blob.size() - kNonceSize - kTagSize);
  std::string tag(blob.substr(blob.size() - kTagSize));

  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::error("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), ossl::aes_256_gcm(), bytes(key.view()), bytes(nonce), nullptr) != 1) {
    return ossl::error("AES-GCM init");
  }
  if (!associated_data.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(associated_data),
                                                    static_cast<int>(associated_data.size())) != 1) {
    return decryption_failed();
  }
  SecureString out;
  out.resize(ct.size());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int pt_len = 0;
  if (!ct.empty()) {
    if (EVP_DecryptUpdate(ctx.get(), o, &len, bytes(ct), static_cast<int>(ct.size())) != 1) {
      return decryption_failed();
    }
    pt_len = len;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), o + pt_len, &len) != 1) {
    return decryption_failed();  // `out` wipes the unauthenticated plaintext
  }
  pt_len += len;
  out.resize(static_cast<std::size_t>(pt_len));
  return out;
}

}  // namespace coffer::crypto
