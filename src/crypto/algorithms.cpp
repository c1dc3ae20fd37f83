#include "crypto/algorithms.hpp"

#include <cstdio>
#include <cstdlib>

namespace coffer::crypto::ossl {
namespace {

template <typename T>
T* must(T* fetched, const char* name) {
  if (fetched == nullptr) {
    std::fprintf(stderr, "coffer: fatal: OpenSSL has no %s implementation\n", name);
    std::abort();
  }
  return fetched;
}

}  // namespace

const EVP_MD* sha256_md() {
  static EVP_MD* md = must(EVP_MD_fetch(nullptr, "SHA2-256", nullptr), "SHA-256");
  return md;
}

EVP_CIPHER* aes_256_gcm() {
  static EVP_CIPHER* cipher = must(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr), "AES-256-GCM");
  return cipher;
}

EVP_MAC* hmac_mac() {
  static EVP_MAC* mac = must(EVP_MAC_fetch(nullptr, "HMAC", nullptr), "HMAC");
  return mac;
}

}  // namespace coffer::crypto::ossl
