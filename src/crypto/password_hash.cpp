#include "crypto/password_hash.hpp"

#include <argon2.h>
#include <sys/mman.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "common/base64.hpp"
#include "common/secure_memory.hpp"

#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

// OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kLanes = 1;
constexpr uint32_t kSaltSize = 16;
constexpr uint32_t kHashSize = 32;

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  SecureString salt = random_bytes(kSaltSize);
  std::string encoded(argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltSize, kHashSize, Argon2_id), '\0');
  int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(), salt.data(),
                                 salt.size(), kHashSize, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Status(Code::kInternal, std::string("argon2id failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

namespace {

// Argon2's 19 MiB block array straight from the kernel and back: through
// malloc, every worker thread that ever verified a secret would keep its
// own 19 MiB (glibc raises its mmap threshold after the first such free and
// serves the next from the thread's arena, which it never returns).
int map_blocks(uint8_t** memory, size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return ARGON2_MEMORY_ALLOCATION_ERROR;
  *memory = static_cast<uint8_t*>(p);
  return ARGON2_OK;
}

void unmap_blocks(uint8_t* memory, size_t bytes) {
  secure_wipe(memory, bytes);
  munmap(memory, bytes);
}

bool parse_u32(std::string_view& s, std::string_view label, uint32_t& out) {
  if (s.substr(0, label.size()) != label) return false;
  s.remove_prefix(label.size());
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || end == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

std::optional<std::string> unpadded_base64(std::string_view s) {
  std::string padded(s);
  while (padded.size() % 4 != 0) padded += '=';
  return base64_decode(padded);
}

}  // namespace

// "$argon2id$v=19$m=M,t=T,p=P$<salt>$<hash>" (base64 without padding), as
// hash_password() writes it; anything else is a mismatch.
bool verify_password(std::string_view password, const std::string& encoded) {
  std::string_view s = encoded;
  uint32_t version = 0, m = 0, t = 0, p = 0;
  if (!parse_u32(s, "$argon2id$v=", version) || !parse_u32(s, "$m=", m) || !parse_u32(s, ",t=", t) ||
      !parse_u32(s, ",p=", p) || s.substr(0, 1) != "$") {
    return false;
  }
  s.remove_prefix(1);
  const auto dollar = s.find('$');
  if (dollar == std::string_view::npos) return false;
  auto salt = unpadded_base64(s.substr(0, dollar));
  auto hash = unpadded_base64(s.substr(dollar + 1));
  if (!salt || !hash || hash->empty() || hash->size() > 64 || m > (1u << 20) || t == 0 || t > 64 || p == 0 || p > 16) {
    return false;
  }
  std::string out(hash->size(), '\0');
  argon2_context ctx{};
  ctx.out = reinterpret_cast<uint8_t*>(out.data());
  ctx.outlen = static_cast<uint32_t>(out.size());
  ctx.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  ctx.pwdlen = static_cast<uint32_t>(password.size());
  ctx.salt = reinterpret_cast<uint8_t*>(salt->data());
  ctx.saltlen = static_cast<uint32_t>(salt->size());
  ctx.t_cost = t;
  ctx.m_cost = m;
  ctx.lanes = p;
  ctx.threads = p;
  ctx.version = version;
  ctx.allocate_cbk = map_blocks;
  ctx.free_cbk = unmap_blocks;
  ctx.flags = ARGON2_DEFAULT_FLAGS;  // never clears the password: it is not ours
  const bool ok = argon2_verify_ctx(&ctx, hash->data(), Argon2_id) == ARGON2_OK;
  secure_wipe(out.data(), out.size());
  return ok;
}

void spend_password_check(std::string_view password) {
  static const std::string dummy = hash_password("coffer-timing-equaliser").value();
  (void)verify_password(password, dummy);
}

}  // namespace coffer::crypto
