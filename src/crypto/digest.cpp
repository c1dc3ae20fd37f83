// sha256(), declared in tls_material.hpp.
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/tls_material.hpp"

namespace coffer::crypto {

// Returns an empty string only if OpenSSL itself fails (out of memory).
std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    ERR_clear_error();
    return {};
  }
  return out;
}

}  // namespace coffer::crypto
