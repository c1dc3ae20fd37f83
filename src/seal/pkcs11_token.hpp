// Pkcs11Token: one PKCS#11 token, reached through its module (SEAL-SPEC.md
// §1.2, §2.1–§2.2, §2.6): the module is dlopen'ed and called through
// C_GetFunctionList (Cryptoki 2.40), initialized with CKF_OS_LOCKING_OK
// (SoftHSM disables its locks without it), the token found by label, and
// the user logged in once on an anchor session kept open for the token's
// lifetime (closing the last session would log out). What the seal needs:
// an AES key found by label — checked to be a sensitive, non-extractable
// AES key that may encrypt and decrypt — and AES-256-GCM with it (a 12-byte
// IV drawn by Coffer, 128-bit tag, associated data): the root keys are
// encrypted inside the token, and the key never leaves it. Errors name the
// CKR_ code; the PIN is never logged. Thread-safe (one mutex; the seal uses
// the token a few times per start).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/secure_memory.hpp"
#include "common/status.hpp"

namespace coffer::seal {

struct Pkcs11Options {
  std::string lib;          // path of the module, e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;  // the token, by label
  SecureString pin;         // the user PIN
  std::string key_label;    // the seal key, by label
};

class Pkcs11Token {
 public:
  // kUnavailable when the module, the token or the key cannot be reached
  // (the server retries); kBadParameter for a key that is unfit for a seal
  // (extractable, not sensitive, not AES) or a wrong PIN (never retried
  // in a loop: tokens lock PINs out).
  static Result<std::unique_ptr<Pkcs11Token>> open(const Pkcs11Options& options);
  // Creates the seal key in the token: AES-256, a token object, private,
  // sensitive, never extractable, encrypt/decrypt only. kConflict when a key
  // of that label exists.
  static Status generate_key(const Pkcs11Options& options);
  ~Pkcs11Token();
  Pkcs11Token(const Pkcs11Token&) = delete;
  Pkcs11Token& operator=(const Pkcs11Token&) = delete;

  // iv(12) ‖ ciphertext ‖ tag(16).
  Result<std::string> encrypt(std::string_view plaintext, std::string_view associated_data);
  // kBadParameter (reason "UnsealKeyWrong") when the blob does not open
  // (another key, another associated data, a changed byte).
  Result<SecureString> decrypt(std::string_view blob, std::string_view associated_data);

  // "token 'X', key 'Y'" for logs.
  std::string describe() const;
  // The label of the key this handle uses, and of its token.
  const std::string& key_label() const;
  const std::string& token_label() const;

 private:
  struct Impl;
  explicit Pkcs11Token(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens the configured token when called (the server's HSM settings); a
// seal that needs the HSM only now and then opens it for that moment.
using TokenOpener = std::function<Result<std::unique_ptr<Pkcs11Token>>()>;
// Opens the key labelled `key_label` in the token labelled `token_label`: a
// seal written by an earlier key of the same token (SEAL-SPEC.md §1.7) or of
// another token or module (§1.9, pkcs11 A → pkcs11 B).
using KeyOpener =
    std::function<Result<std::unique_ptr<Pkcs11Token>>(const std::string& token_label, const std::string& key_label)>;

}  // namespace coffer::seal
