// A SoftHSM2 token for a test: its own token directory and SOFTHSM2_CONF
// in a temporary directory, one token "coffer-test" (user PIN 1234)
// initialized, removed again on destruction. available() is false when
// SoftHSM2 is not installed (scripts/install-deps.sh installs it).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/random.hpp"
#include "seal/pkcs11_token.hpp"

namespace coffer::seal::testing {

inline constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

class SoftHsmToken {
 public:
  static bool available() {
    return std::filesystem::exists(kSoftHsmModule) && std::system("command -v softhsm2-util >/dev/null 2>&1") == 0;
  }
  // Returns false when the token could not be initialized.
  bool init() {
    namespace fs = std::filesystem;
    dir_ = fs::temp_directory_path() / ("coffer-hsm-test-" + crypto::new_version_id());
    fs::create_directories(dir_ / "tokens");
    const std::string conf = (dir_ / "softhsm2.conf").string();
    std::ofstream(conf) << "directories.tokendir = " << (dir_ / "tokens").string()
                        << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    return std::system(
               "softhsm2-util --init-token --free --label coffer-test --so-pin 87654321 --pin 1234 "
               ">/dev/null 2>&1") == 0;
  }
  // Another token in the same directory, same PINs (seen by a module loaded after this).
  bool add_token(const std::string& label) {
    return std::system(
               ("softhsm2-util --init-token --free --label " + label + " --so-pin 87654321 --pin 1234 >/dev/null 2>&1")
                   .c_str()) == 0;
  }
  ~SoftHsmToken() {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  const std::filesystem::path& dir() const { return dir_; }
  // The token, with a seal key labelled `key_label` (not made here).
  static Pkcs11Options options(std::string key_label = "coffer-seal") {
    return Pkcs11Options{kSoftHsmModule, "coffer-test", SecureString("1234"), std::move(key_label)};
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace coffer::seal::testing
