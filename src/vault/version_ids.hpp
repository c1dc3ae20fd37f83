// new_object_version_id(): the id of a new secret, key or certificate
// version: 32 lower-case hex digits, as AKV's, that sort in the order the
// versions were made. The first 16 digits are a 64-bit ordering key — Unix
// milliseconds shifted left 16 bits, raised past the process's previous key
// when the clock stands still or steps back — and the last 16 are random, so
// ids stay unique across processes. A version list in id order (the store's)
// is then creation order, and two versions made within one second (a
// rotation right after a set) are still told apart: clients that order
// versions by `created` (whole seconds) have a tie-breaker that is right.
// Thread-safe.
#pragma once

#include <string>

namespace coffer::vault {

std::string new_object_version_id();

}  // namespace coffer::vault
