#include "server/hsm_unseal.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>

namespace coffer::server {

Result<seal::Pkcs11Options> hsm_options(const ServerConfig& config) {
  seal::Pkcs11Options o{config.hsm_lib, config.hsm_token_label, SecureString(), config.hsm_key_label};
  if (const char* pin = std::getenv("COFFER_HSM_PIN"); pin && *pin) {
    o.pin = SecureString(pin);
    return o;
  }
  if (config.hsm_pin_file.empty()) {
    return bad_parameter("The pkcs11 seal needs a PIN: COFFER_HSM_PIN or hsmPinFile.");
  }
  struct stat st {};
  if (::stat(config.hsm_pin_file.c_str(), &st) != 0) {
    return bad_parameter("Cannot read the HSM PIN file " + config.hsm_pin_file + ".");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return bad_parameter("The HSM PIN file " + config.hsm_pin_file + " must not be readable by group or others.");
  }
  std::ifstream in(config.hsm_pin_file);
  std::string line;
  std::getline(in, line);
  o.pin = SecureString(std::move(line));
  while (!o.pin.empty() && (o.pin.view().back() == '\r' || o.pin.view().back() == ' ')) o.pin.resize(o.pin.size() - 1);
  if (o.pin.empty()) return bad_parameter("The HSM PIN file " + config.hsm_pin_file + " is empty.");
  return o;
}

HsmUnsealer::HsmUnsealer(seal::SealState& seal, seal::Pkcs11Options options, std::function<void()> unsealed)
    : seal_(seal), options_(std::move(options)), unsealed_(std::move(unsealed)) {
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
    const std::string written_with = seal_.status().hsm_key_label;
    Status st = [&]() -> Status {
      COFFER_ASSIGN_OR_RETURN(auto token, seal::Pkcs11Token::open(options_));
      // A seal written with an earlier key moves to the configured one (SEAL-SPEC.md §1.7).
      return seal_.unseal_with_token(*token, [this](const std::string& key_label) {
        seal::Pkcs11Options earlier = options_;
        earlier.key_label = key_label;
        return seal::Pkcs11Token::open(earlier);
      });  // the tokens close here: the keys are in memory now
    }();
    if (st.ok()) {
      if (!written_with.empty() && written_with != options_.key_label) {
        spdlog::warn("the seal moved from HSM key '{}' to '{}': destroy '{}' once every server runs with '{}'",
                     written_with, options_.key_label, written_with, options_.key_label);
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
