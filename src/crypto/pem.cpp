#include "crypto/pem.hpp"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include <climits>

#include "common/base64.hpp"

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

Result<std::vector<Block>> read_blocks(std::string_view text) {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kEnd = "-----END ";
  constexpr std::string_view kDashes = "-----";
  std::vector<Block> blocks;
  std::size_t pos = 0;
  while ((pos = text.find(kBegin, pos)) != std::string_view::npos) {
    const std::size_t label_start = pos + kBegin.size();
    const std::size_t label_end = text.find(kDashes, label_start);
    const std::size_t eol = text.find('\n', label_start);
    if (label_end == std::string_view::npos || (eol != std::string_view::npos && eol < label_end)) {
      return Status(Code::kBadParameter, "a PEM BEGIN line is malformed.");
    }
    Block block;
    block.label = std::string(text.substr(label_start, label_end - label_start));
    const std::size_t body_start = label_end + kDashes.size();
    const std::string end_line = std::string(kEnd) + block.label + std::string(kDashes);
    const std::size_t body_end = text.find(end_line, body_start);
    if (body_end == std::string_view::npos) {
      return Status(Code::kBadParameter, "the PEM block '" + block.label + "' has no END line.");
    }
    const std::string_view body = text.substr(body_start, body_end - body_start);
    std::string b64;
    b64.reserve(body.size());
    std::size_t line_start = 0;
    while (line_start <= body.size()) {
      std::size_t line_end = body.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = body.size();
      const std::string_view line = body.substr(line_start, line_end - line_start);
      if (line.find(':') != std::string_view::npos) {
        block.has_headers = true;
      } else {
        for (char c : line) {
          if (c != ' ' && c != '\t' && c != '\r') b64 += c;
        }
      }
      line_start = line_end + 1;
    }
    std::optional<std::string> der = base64_decode(b64);
    secure_wipe(b64.data(), b64.capacity());
    if (!der || der->empty()) {
      return Status(Code::kBadParameter, "the body of the PEM block '" + block.label + "' is not base64.");
    }
    block.der = SecureString(std::move(*der));
    blocks.push_back(std::move(block));
    pos = body_end + end_line.size();
  }
  return blocks;
}

std::string encode_block(std::string_view label, std::string_view der) {
  // Written into one buffer reserved for all of it (a private key's block
  // leaves no temporary or outgrown buffer behind): 48 bytes make a line of 64.
  const std::size_t lines = (der.size() + 47) / 48;
  std::string out;
  out.reserve(2 * (label.size() + 16) + (der.size() + 2) / 3 * 4 + lines);
  out.append("-----BEGIN ").append(label).append("-----\n");
  for (std::size_t i = 0; i < der.size(); i += 48) {
    append_base64(out, der.substr(i, 48));
    out += '\n';
  }
  out.append("-----END ").append(label).append("-----\n");
  return out;
}

}  // namespace coffer::crypto::pem
