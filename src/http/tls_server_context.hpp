// Server-side TLS policy: TLS 1.2 and 1.3 only; for TLS 1.2 only ECDHE key
// exchange with AES-GCM or ChaCha20-Poly1305 (TLS 1.3 suites are all AEAD);
// no compression, no renegotiation; the certificate chain and private key
// loaded from PEM files and checked to match.
#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>

#include "common/status.hpp"

namespace coffer::http {

// Applies the policy to `ctx` (a tls_server context). kBadParameter when a
// file cannot be loaded or the key does not match the certificate;
// kInternal when OpenSSL refuses a setting. The message names the file.
Status configure_server_tls(boost::asio::ssl::context& ctx, const std::string& cert_chain_file,
                            const std::string& private_key_file);

// The oldest error on OpenSSL's thread-local error queue as text, or
// "unknown error"; clears the queue.
std::string take_openssl_error();

}  // namespace coffer::http
