// Helpers shared by the files of SealState (seal_state.cpp, seal_rekey.cpp,
// seal_rotation.cpp); not part of the seal's interface.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/secure_memory.hpp"
#include "common/status.hpp"
#include "crypto/random.hpp"
#include "crypto/shamir.hpp"
#include "seal/pkcs11_token.hpp"
#include "seal/seal_records.hpp"

namespace coffer::seal::detail {

inline constexpr std::size_t kKeySize = 32;

inline std::uint32_t random_u32() {
  const SecureString b = crypto::random_bytes(4);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(b.data()[i]);
  return v;
}

// The share set a seal takes: {threshold, key set}; {0, 0} for none.
inline std::pair<int, std::uint32_t> share_set(const SealConfig& c) {
  if (c.type == SealType::kShamir) return {c.threshold, c.keyset_id};
  if (c.type == SealType::kPkcs11) return {c.recovery_threshold, c.recovery_keyset_id};
  return {0, 0};
}

inline Status check_counts(int shares, int threshold) {
  if (!(shares == 1 && threshold == 1) && (threshold < 2 || shares > 255 || threshold > shares)) {
    return bad_parameter("Shares must satisfy 2 <= threshold <= shares <= 255 (or 1 of 1).");
  }
  return Status::Ok();
}

inline std::vector<SecureString> encode_shares(std::uint32_t keyset_id,
                                               const std::vector<crypto::shamir::Share>& parts) {
  std::vector<SecureString> out;
  for (const auto& p : parts) out.push_back(crypto::shamir::encode(keyset_id, p));
  return out;
}

inline Status invalid_shares(SealType type) {
  return Status(Code::kBadParameter,
                type == SealType::kPkcs11
                    ? "Invalid shares: the combined key is not this server's recovery key; progress is back to 0."
                    : "Invalid shares: the combined key does not open the root keys; progress is back to 0.",
                "InvalidShares");
}

// The HSM at a quorum's threshold; kUnavailable "HsmUnavailable" (progress back to 0) when it cannot be opened.
inline Result<std::unique_ptr<Pkcs11Token>> open_hsm(const TokenOpener& open_token) {
  if (open_token) {
    auto opened = open_token();
    if (opened.ok()) return opened;
    return Status(Code::kUnavailable,
                  "The HSM cannot be reached (" + opened.status().message() + "); progress is back to 0.",
                  "HsmUnavailable");
  }
  return Status(Code::kUnavailable, "No HSM is configured; progress is back to 0.", "HsmUnavailable");
}

// Records in `config` that `token`'s key writes the seal.
inline void record_hsm_key(SealConfig& config, const Pkcs11Token& token) {
  config.hsm_key_label = token.key_label();
  config.hsm_token_label = token.token_label();
}

// Whether `config` says `token`'s key wrote the seal (what was not recorded yet matches).
inline bool written_with(const SealConfig& config, const Pkcs11Token& token) {
  return (config.hsm_key_label.empty() || config.hsm_key_label == token.key_label()) &&
         (config.hsm_token_label.empty() || config.hsm_token_label == token.token_label());
}

// "key 'K' in token 'T'" for messages (the token left out while unrecorded).
inline std::string hsm_key_name(const std::string& token_label, const std::string& key_label) {
  return "key '" + key_label + "'" + (token_label.empty() ? "" : " in token '" + token_label + "'");
}

}  // namespace coffer::seal::detail
