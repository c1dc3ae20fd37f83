// The pkcs11 seal at start (SEAL-SPEC.md §1.2): the module, token, PIN and
// key from the configuration, and HsmUnsealer, which opens the token and
// unseals the server on a thread of its own, retrying with backoff (1 s,
// doubling to 60 s) while the module, token or key cannot be reached. A seal
// written with another key of the token than the configured one (seal-key
// rotation), or by the key of a previous token or module (hsmPrevious*), is
// moved to the configured key on the way. A
// refused PIN or a key that does not open the store stops the retries: an
// operator must act (PINs lock out). Every failure is noted in the seal
// status; nothing secret is logged.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "seal/pkcs11_token.hpp"
#include "seal/seal_state.hpp"
#include "server/server_config.hpp"

namespace coffer::server {

// The PIN comes from COFFER_HSM_PIN, else from hsmPinFile (one line; the
// file must not be readable by group or others).
Result<seal::Pkcs11Options> hsm_options(const ServerConfig& config);
// The HSM a seal moves from (hsmPrevious*; the PIN from COFFER_HSM_PREVIOUS_PIN,
// else hsmPreviousPinFile); nullopt when none is configured.
Result<std::optional<seal::Pkcs11Options>> previous_hsm_options(const ServerConfig& config);

class HsmUnsealer {
 public:
  // `unsealed` runs once the seal is open. `previous`: the token a seal moves
  // from (SEAL-SPEC.md §1.9, pkcs11 A → pkcs11 B), opened once for the move.
  HsmUnsealer(seal::SealState& seal, seal::Pkcs11Options options, std::optional<seal::Pkcs11Options> previous,
              std::function<void()> unsealed);
  ~HsmUnsealer();  // stop()
  HsmUnsealer(const HsmUnsealer&) = delete;
  HsmUnsealer& operator=(const HsmUnsealer&) = delete;
  void stop();

 private:
  void run();

  seal::SealState& seal_;
  seal::Pkcs11Options options_;
  std::optional<seal::Pkcs11Options> previous_;
  std::function<void()> unsealed_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace coffer::server
