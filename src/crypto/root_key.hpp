// RootKeySource: where the 256-bit root of trust comes from. The root key
// wraps every vault's key-encryption key and never touches the store.
// Implementations: a key file (dev mode creates one, mode 0600) and an
// environment variable holding base64. PKCS#11 and Shamir unseal come later
// behind this same interface.
#pragma once

#include <memory>
#include <string>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::crypto {

class RootKeySource {
 public:
  virtual ~RootKeySource() = default;
  // Returns exactly 32 bytes, or an error naming what is wrong (missing file,
  // wrong size, bad permissions) without revealing key bytes.
  virtual Result<SecureString> load() = 0;
  // For logs: "file /path", "env COFFER_ROOT_KEY".
  virtual std::string describe() const = 0;
};

// A file of 32 raw bytes. Refuses files readable by group or others.
std::unique_ptr<RootKeySource> file_root_key(std::string path);
// An environment variable holding the 32 bytes in base64.
std::unique_ptr<RootKeySource> env_root_key(std::string variable);
// Creates `path` with 32 random bytes and mode 0600 if it does not exist.
// Returns true if it created the file.
Result<bool> create_root_key_file(const std::string& path);

}  // namespace coffer::crypto
