#include "crypto/tls_material.hpp"

#include <openssl/err.h>

#include <algorithm>

#include "crypto/cert_builder.hpp"
#include "crypto/file_io.hpp"
#include "crypto/pem.hpp"

namespace coffer::crypto {
namespace {

constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

bool acceptable_san_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '*' || c == '_';
  });
}

// The SAN entries of the server certificate, without duplicates.
Result<std::vector<std::string>> subject_alt_names(const std::vector<std::string>& extra) {
  std::vector<std::string> sans = {"DNS:localhost", "DNS:*.vault.localhost", "IP:127.0.0.1", "IP:::1"};
  for (const std::string& name : extra) {
    if (!acceptable_san_name(name)) {
      return Status(Code::kBadParameter, "invalid DNS name for the dev TLS certificate: " + name);
    }
    std::string san = "DNS:" + name;
    if (std::find(sans.begin(), sans.end(), san) == sans.end()) sans.push_back(std::move(san));
  }
  return sans;
}

Result<ossl::PKey> load_key(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(SecureString pem, fileio::read_file(path));
  Result<ossl::PKey> key = pem::read_private_key(pem.view());
  if (!key.ok()) return Status(Code::kInternal, path + ": " + key.status().message());
  return key;
}

Result<ossl::X509Ptr> load_cert(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(SecureString pem, fileio::read_file(path));
  Result<ossl::X509Ptr> cert = pem::read_certificate(pem.view());
  if (!cert.ok()) return Status(Code::kInternal, path + ": " + cert.status().message());
  return cert;
}

// A fresh P-256 key, written to `path` (0600).
Result<ossl::PKey> create_key(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(ossl::PKey key, certs::generate_p256_key());
  COFFER_ASSIGN_OR_RETURN(SecureString pem, pem::write_private_key(key.get()));
  COFFER_RETURN_IF_ERROR(fileio::write_file_atomic(path, pem.view(), kKeyMode));
  return key;
}

// The key at `path`, or a new one if it is missing or `fresh` is set;
// `created` tells which.
Result<ossl::PKey> load_or_create_key(const std::string& path, bool fresh, bool& created) {
  created = fresh || !fileio::exists(path);
  return created ? create_key(path) : load_key(path);
}

}  // namespace

Status ensure_dev_tls(const DevTlsPaths& paths, const std::vector<std::string>& extra_dns_names) {
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> sans, subject_alt_names(extra_dns_names));
  if (fileio::exists(paths.ca_key) && fileio::exists(paths.ca_cert) && fileio::exists(paths.server_key) &&
      fileio::exists(paths.server_cert)) {
    return Status::Ok();
  }

  // The CA: a new key means a new certificate, and a new CA means a new server pair.
  bool ca_new = false;
  COFFER_ASSIGN_OR_RETURN(ossl::PKey ca_key, load_or_create_key(paths.ca_key, false, ca_new));
  ossl::X509Ptr ca_cert;
  if (!ca_new && fileio::exists(paths.ca_cert)) {
    COFFER_ASSIGN_OR_RETURN(ca_cert, load_cert(paths.ca_cert));
    if (X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
      ERR_clear_error();
      return Status(Code::kInternal,
                    paths.ca_cert + " does not match " + paths.ca_key + "; remove the dev TLS files to recreate them");
    }
  } else {
    COFFER_ASSIGN_OR_RETURN(ca_cert, certs::make_ca_certificate(ca_key.get()));
    COFFER_ASSIGN_OR_RETURN(std::string pem, pem::write_certificate(ca_cert.get()));
    COFFER_RETURN_IF_ERROR(fileio::write_file_atomic(paths.ca_cert, pem, kCertMode));
    ca_new = true;
  }

  bool server_key_new = false;
  COFFER_ASSIGN_OR_RETURN(ossl::PKey server_key, load_or_create_key(paths.server_key, ca_new, server_key_new));
  if (!ca_new && !server_key_new && fileio::exists(paths.server_cert)) return Status::Ok();

  COFFER_ASSIGN_OR_RETURN(ossl::X509Ptr leaf,
                          certs::make_server_certificate(server_key.get(), ca_cert.get(), ca_key.get(), sans));
  COFFER_ASSIGN_OR_RETURN(std::string leaf_pem, pem::write_certificate(leaf.get()));
  COFFER_ASSIGN_OR_RETURN(std::string ca_pem, pem::write_certificate(ca_cert.get()));
  return fileio::write_file_atomic(paths.server_cert, leaf_pem + ca_pem, kCertMode);
}

}  // namespace coffer::crypto
