// Certificate chains, and a private key with its chain (what a PEM bundle
// or a PKCS#12 file holds).
// - order_chain() puts certificates in issuing order: leaf first, then each
//   certificate's issuer (name match and a verifying signature). Identical
//   certificates are kept once. The chain may stop before its root.
//   kBadParameter when the set is empty, holds more than 50 certificates,
//   or does not form one chain (several leaves, a missing certificate in
//   the middle, a loop). No validity-period or key-usage checks.
// - check_key_and_chain() is the invariant of a KeyAndChain.
#pragma once

#include <optional>
#include <vector>

#include "common/status.hpp"
#include "crypto/certificate.hpp"
#include "crypto/key_material.hpp"

namespace coffer::crypto {

struct KeyAndChain {
  std::optional<KeyMaterial> key;  // absent when the input held certificates only
  std::vector<Certificate> chain;  // leaf first
};

Result<std::vector<Certificate>> order_chain(std::vector<Certificate> certs);

// OK when `chain` is non-empty and `key` (if not null) is an RSA/EC private
// key matching chain[0]; kBadParameter otherwise.
Status check_key_and_chain(const KeyMaterial* key, const std::vector<Certificate>& chain);

}  // namespace coffer::crypto
