#include "server/hsm_keys.hpp"

#include <spdlog/spdlog.h>

namespace coffer::server {
namespace {

constexpr std::chrono::seconds kRetryEvery{2};

}  // namespace

HsmKeys::HsmKeys(std::string token, Opener open) : token_(std::move(token)), open_(std::move(open)) {}

Result<crypto::HardwareKeys*> HsmKeys::keys() {
  std::lock_guard lock(mu_);
  if (keys_) return keys_.get();
  const auto now = std::chrono::steady_clock::now();
  const bool pin_refused = last_error_.reason() == "HsmPinRefused";
  if (!last_error_.ok() && (pin_refused || now - last_attempt_ < kRetryEvery)) {
    return Status(Code::kUnavailable, last_error_.message(), "HsmUnavailable");
  }
  last_attempt_ = now;
  auto opened = open_();
  if (!opened.ok()) {
    last_error_ = opened.status();
    spdlog::warn("HSM keys: cannot open token '{}': {}", token_, last_error_.message());
    return Status(Code::kUnavailable, last_error_.message(), "HsmUnavailable");
  }
  last_error_ = Status::Ok();
  keys_ = std::move(*opened);
  return keys_.get();
}

Result<crypto::Jwk> HsmKeys::generate(const crypto::HardwareKeyRef& ref, std::string_view label) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->generate(ref, label);
}

Result<std::string> HsmKeys::sign(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view digest) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->sign(key, alg, digest);
}

Result<SecureString> HsmKeys::decrypt(const crypto::HardwareKeyRef& key, std::string_view alg,
                                      std::string_view ciphertext, std::string_view iv, std::string_view aad,
                                      std::string_view tag) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->decrypt(key, alg, ciphertext, iv, aad, tag);
}

Result<crypto::CipherResult> HsmKeys::encrypt(const crypto::HardwareKeyRef& key, std::string_view alg,
                                              std::string_view plaintext, std::string_view iv, std::string_view aad) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->encrypt(key, alg, plaintext, iv, aad);
}

Result<std::string> HsmKeys::wrap(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view key_bytes) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->wrap(key, alg, key_bytes);
}

Result<SecureString> HsmKeys::unwrap(const crypto::HardwareKeyRef& key, std::string_view alg,
                                     std::string_view wrapped) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->unwrap(key, alg, wrapped);
}

Status HsmKeys::destroy(std::string_view id) {
  COFFER_ASSIGN_OR_RETURN(crypto::HardwareKeys * k, keys());
  return k->destroy(id);
}

}  // namespace coffer::server
