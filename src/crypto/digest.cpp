#include "crypto/digest.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "common/base64.hpp"
#include "crypto/algorithms.hpp"

namespace coffer::crypto {

std::optional<Sha256Digest> sha256_digest(std::string_view data) {
  // EVP_Digest() allocates a context and its provider state on every call;
  // re-initialising a thread's own context for the same digest does not.
  struct ThreadContext {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadContext() { EVP_MD_CTX_free(ctx); }
  };
  thread_local ThreadContext thread;
  Sha256Digest out;
  unsigned int len = 0;
  if (!thread.ctx || EVP_DigestInit_ex2(thread.ctx, ossl::sha256_md(), nullptr) != 1 ||
      EVP_DigestUpdate(thread.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(thread.ctx, out.data(), &len) != 1 || len != out.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  return out;
}

std::string sha256(std::string_view data) {
  const auto digest = sha256_digest(data);
  if (!digest) return {};
  return std::string(reinterpret_cast<const char*>(digest->data()), digest->size());
}

std::string sha256_hex(std::string_view data) {
  const auto digest = sha256_digest(data);
  if (!digest) return {};
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest->data()), digest->size()));
}

std::string hmac_sha256(std::string_view key, std::string_view data) { return HmacSha256(key).mac(data); }

namespace {

// An HMAC context over `digest` keyed with `key`; null if OpenSSL fails.
EVP_MAC_CTX* keyed_hmac(const char* digest, std::string_view key) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(ossl::hmac_mac());
  std::string name(digest);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name.data(), 0), OSSL_PARAM_END};
  // An empty key is valid HMAC input; OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty[1] = {0};
  const auto* k = key.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (ctx && EVP_MAC_init(ctx, k, key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    ctx = nullptr;
  }
  ERR_clear_error();
  return ctx;
}

// The MAC of `data` under `ctx` (consumed: freed here), `size` bytes; empty if OpenSSL fails.
std::string finish_mac(EVP_MAC_CTX* ctx, std::string_view data, std::size_t size) {
  std::string out(size, '\0');
  std::size_t len = 0;
  const bool ok = ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
                  EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) == 1 &&
                  len == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) {
    ERR_clear_error();
    return {};
  }
  return out;
}

}  // namespace

std::string hmac_sha1(std::string_view key, std::string_view data) {
  return finish_mac(keyed_hmac("SHA1", key), data, 20);
}

struct HmacSha256::Keyed {
  EVP_MAC_CTX* ctx = nullptr;  // initialised with the key; copied per mac()
  ~Keyed() { EVP_MAC_CTX_free(ctx); }
};

HmacSha256::HmacSha256(std::string_view key) : keyed_(std::make_unique<Keyed>()) {
  keyed_->ctx = keyed_hmac("SHA256", key);
}

HmacSha256::~HmacSha256() = default;
HmacSha256::HmacSha256(HmacSha256&&) noexcept = default;
HmacSha256& HmacSha256::operator=(HmacSha256&&) noexcept = default;

std::string HmacSha256::mac(std::string_view data) const {
  if (!keyed_ || !keyed_->ctx) return {};
  return finish_mac(EVP_MAC_CTX_dup(keyed_->ctx), data, 32);
}

}  // namespace coffer::crypto
