// Sealed: ciphertext made by the Barrier (barrier.hpp), the only form in which
// a record's secret part (a secret's value, a private key, an issuer's
// password) may reach the store. Plaintext is a SecureString or a string_view,
// and no record field accepts either: only Barrier::seal makes a Sealed from
// plaintext, and a record decoder re-wraps the bytes it read back with
// from_stored(). Copyable; holds no secret.
#pragma once

#include <string>
#include <string_view>

namespace coffer::vault {

class Barrier;

class Sealed {
 public:
  Sealed() = default;  // nothing sealed (an issuer without a password)
  // The bytes a record decoder read back from the store.
  static Sealed from_stored(std::string bytes) { return Sealed(std::move(bytes)); }

  std::string_view bytes() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }

 private:
  friend class Barrier;
  explicit Sealed(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string bytes_;
};

}  // namespace coffer::vault
