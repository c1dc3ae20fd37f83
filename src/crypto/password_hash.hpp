// Salted slow hashes for client secrets: Argon2id (libargon2), encoded in the
// PHC string format ("$argon2id$v=19$m=...,t=...,p=...$salt$hash").
// verify_password runs in time independent of where a mismatch is.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace coffer::crypto {

Result<std::string> hash_password(std::string_view password);
// false for a wrong password or a malformed encoded hash.
bool verify_password(std::string_view password, const std::string& encoded);
// Spends the time of one verify_password, for a sign-in whose account does
// not exist: response times then do not tell which names exist.
void spend_password_check(std::string_view password);

}  // namespace coffer::crypto
