#include "crypto/pem.hpp"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include <climits>

namespace coffer::crypto::pem {
namespace {

// Password callback that refuses, so OpenSSL never prompts on a terminal.
int no_password(char*, int, int, void*) { return -1; }

Result<ossl::Bio> read_bio(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status(Code::kInternal, "PEM input too large");
  }
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::error("BIO_new_mem_buf");
  return bio;
}

}  // namespace

Result<SecureString> write_private_key(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio) return ossl::error("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return ossl::error("PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || data == nullptr) return ossl::error("BIO_get_mem_data");
  SecureString out(std::string_view(data, static_cast<std::size_t>(n)));
  OPENSSL_cleanse(data, static_cast<std::size_t>(n));
  return out;
}

Result<std::string> write_certificate(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return ossl::error("BIO_new");
  if (PEM_write_bio_X509(bio.get(), cert) != 1) return ossl::error("PEM_write_bio_X509");
  return ossl::bio_contents(bio.get());
}

Result<ossl::PKey> read_private_key(std::string_view pem) {
  COFFER_ASSIGN_OR_RETURN(ossl::Bio bio, read_bio(pem));
  ossl::PKey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) return ossl::error("cannot parse private key PEM");
  return key;
}

Result<ossl::X509Ptr> read_certificate(std::string_view pem) {
  COFFER_ASSIGN_OR_RETURN(ossl::Bio bio, read_bio(pem));
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, no_password, nullptr));
  if (!cert) return ossl::error("cannot parse certificate PEM");
  return cert;
}

}  // namespace coffer::crypto::pem
