#include "server/hsm_unseal.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace coffer::server {

namespace {

// The PIN from the variable `env`, else from `file` (one line; owner-only).
Result<SecureString> read_pin(const char* env, const std::string& file, const char* file_setting) {
  if (const char* pin = std::getenv(env); pin && *pin) return SecureString(pin);
  if (file.empty()) return bad_parameter(std::string("The HSM needs a PIN: ") + env + " or " + file_setting + ".");
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return bad_parameter("Cannot read the HSM PIN file " + file + ".");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return bad_parameter("The HSM PIN file " + file + " must not be readable by group or others.");
  }
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  SecureString pin(std::move(line));
  while (!pin.empty() && (pin.view().back() == '\r' || pin.view().back() == ' ')) pin.resize(pin.size() - 1);
  if (pin.empty()) return bad_parameter("The HSM PIN file " + file + " is empty.");
  return pin;
}

}  // namespace

Result<seal::Pkcs11Options> hsm_options(const ServerConfig& config) {
  seal::Pkcs11Options o{config.hsm_lib, config.hsm_token_label, SecureString(), config.hsm_key_label};
  COFFER_ASSIGN_OR_RETURN(o.pin, read_pin("COFFER_HSM_PIN", config.hsm_pin_file, "hsmPinFile"));
  return o;
}

Result<std::optional<seal::Pkcs11Options>> previous_hsm_options(const ServerConfig& config) {
  if (config.hsm_previous_lib.empty()) return std::optional<seal::Pkcs11Options>();
  seal::Pkcs11Options o{config.hsm_previous_lib, config.hsm_previous_token_label, SecureString(), {}};
  COFFER_ASSIGN_OR_RETURN(o.pin,
                          read_pin("COFFER_HSM_PREVIOUS_PIN", config.hsm_previous_pin_file, "hsmPreviousPinFile"));
  return std::optional<seal::Pkcs11Options>(std::move(o));
}

HsmUnsealer::HsmUnsealer(seal::SealState& seal, seal::Pkcs11Options options,
                         std::optional<seal::Pkcs11Options> previous, std::function<void()> unsealed)
    : seal_(seal), options_(std::move(options)), previous_(std::move(previous)), unsealed_(std::move(unsealed)) {
  thread_ = std::thread([this] { run(); });
}

HsmUnsealer::~HsmUnsealer() { stop(); }

void HsmUnsealer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HsmUnsealer::run() {
  std::chrono::seconds backoff(1);
  while (true) {
    const seal::SealStatus before = seal_.status();
    Status st = [&]() -> Status {
      COFFER_ASSIGN_OR_RETURN(auto token, seal::Pkcs11Token::open(options_));
      // A seal written with an earlier key (SEAL-SPEC.md §1.7), or in the previous
      // token (§1.9), moves to the configured one.
      return seal_.unseal_with_token(
          *token,
          [this](const std::string& token_label,
                 const std::string& key_label) -> Result<std::unique_ptr<seal::Pkcs11Token>> {
            seal::Pkcs11Options earlier = options_;
            if (token_label != options_.token_label) {
              if (!previous_ || previous_->token_label != token_label) {
                return Status(Code::kBadParameter,
                              "it is in token '" + token_label +
                                  "': configure that token as the previous HSM (hsmPreviousLib, hsmPreviousTokenLabel "
                                  "and its PIN) for one start",
                              "SealTokenChanged");
              }
              earlier = *previous_;
            }
            earlier.key_label = key_label;
            return seal::Pkcs11Token::open(earlier);
          });  // the tokens close here: the keys are in memory now
    }();
    if (st.ok()) {
      const bool key_moved = !before.hsm_key_label.empty() && before.hsm_key_label != options_.key_label;
      const bool token_moved = !before.hsm_token_label.empty() && before.hsm_token_label != options_.token_label;
      if (key_moved || token_moved) {
        spdlog::warn(
            "the seal moved from HSM key '{}' in token '{}' to key '{}' in token '{}': destroy the earlier key once "
            "every server runs with the new one",
            before.hsm_key_label, before.hsm_token_label.empty() ? options_.token_label : before.hsm_token_label,
            options_.key_label, options_.token_label);
      }
      spdlog::info("unsealed through the HSM (token '{}', key '{}')", options_.token_label, options_.key_label);
      unsealed_();
      return;
    }
    seal_.note_error(st.message());
    if (st.code() != Code::kUnavailable) {
      spdlog::error("the HSM seal cannot unseal this server, not retrying: {}", st.message());
      return;
    }
    spdlog::warn("the HSM seal is not reachable ({}); retrying in {} s", st.message(), backoff.count());
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, backoff, [&] { return stopping_; })) return;
    backoff = std::min(backoff * 2, std::chrono::seconds(60));
  }
}

}  // namespace coffer::server
