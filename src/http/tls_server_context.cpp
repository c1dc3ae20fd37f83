#include "http/tls_server_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace coffer::http {
namespace {

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

std::string take_openssl_error() {
  const unsigned long err = ERR_get_error();
  ERR_clear_error();
  if (err == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(err, buf, sizeof buf);
  return buf;
}

Status configure_server_tls(boost::asio::ssl::context& ctx, const std::string& cert_chain_file,
                            const std::string& private_key_file) {
  SSL_CTX* native = ctx.native_handle();
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return Status(Code::kInternal, "cannot set the minimum TLS version: " + take_openssl_error());
  }
  // Not SSL_OP_CLEANSE_PLAINTEXT: it costs ~3 % of a GET (OpenSSL wipes the bearer token of every
  // request byte by byte) while Beast's buffers keep their own copy anyway (docs/benchmarks.md).
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Status(Code::kInternal, "cannot set the TLS 1.2 cipher list: " + take_openssl_error());
  }
  if (cert_chain_file.empty() || private_key_file.empty()) {
    return Status(Code::kBadParameter, "a TLS certificate chain file and a private key file are required");
  }
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(cert_chain_file, ec);
  if (ec) {
    return Status(Code::kBadParameter,
                  "cannot load the TLS certificate chain from '" + cert_chain_file + "': " + ec.message());
  }
  ctx.use_private_key_file(private_key_file, boost::asio::ssl::context::pem, ec);
  if (ec) {
    return Status(Code::kBadParameter,
                  "cannot load the TLS private key from '" + private_key_file + "': " + ec.message());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Status(Code::kBadParameter, "the TLS private key in '" + private_key_file +
                                           "' does not match the certificate in '" + cert_chain_file +
                                           "': " + take_openssl_error());
  }
  ERR_clear_error();
  return Status::Ok();
}

}  // namespace coffer::http
