// HsmKeys: the configured token's HSM-backed AKV keys for KeyService
// (crypto::HardwareKeys), opened at first use and opened again after a
// failure, so a server whose HSM is away at start still serves every other
// key and answers 503 with Retry-After for the HSM ones until it is back.
// Opening is tried at most once every 2 s; a refused PIN is never tried
// again (tokens lock PINs out) until the server restarts. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "crypto/hardware_keys.hpp"

namespace coffer::server {

class HsmKeys final : public crypto::HardwareKeys {
 public:
  using Opener = std::function<Result<std::unique_ptr<crypto::HardwareKeys>>()>;
  // `token`: the configured token's label, recorded with each key.
  HsmKeys(std::string token, Opener open);

  Result<crypto::Jwk> generate(const crypto::HardwareKeyRef& ref, std::string_view label) override;
  Result<std::string> sign(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view digest) override;
  Result<SecureString> decrypt(const crypto::HardwareKeyRef& key, std::string_view alg, std::string_view ciphertext,
                               std::string_view iv, std::string_view aad, std::string_view tag) override;
  Result<crypto::CipherResult> encrypt(const crypto::HardwareKeyRef& key, std::string_view alg,
                                       std::string_view plaintext, std::string_view iv, std::string_view aad) override;
  Result<std::string> wrap(const crypto::HardwareKeyRef& key, std::string_view alg,
                           std::string_view key_bytes) override;
  Result<SecureString> unwrap(const crypto::HardwareKeyRef& key, std::string_view alg,
                              std::string_view wrapped) override;
  Status destroy(std::string_view id) override;
  const std::string& token() const override { return token_; }

 private:
  // The open token, or why it is not.
  Result<crypto::HardwareKeys*> keys();

  const std::string token_;
  const Opener open_;
  std::mutex mu_;
  std::unique_ptr<crypto::HardwareKeys> keys_;
  Status last_error_;
  std::chrono::steady_clock::time_point last_attempt_{};
};

}  // namespace coffer::server
