// pkcs11_speed: a PKCS#11 module's own RSA-2048 signing throughput, the
// reference of bench/keys.sh's HSM row (not a test). It loads the module,
// logs in to the token, makes one RSA-2048 key pair (token objects, as
// Coffer's RSA-HSM keys are; destroyed at exit), then signs a SHA-256 DigestInfo with CKM_RSA_PKCS in
// `threads` threads, each on a session of its own, for `seconds` seconds, and
// prints "<signatures/s>". Usage: pkcs11_speed MODULE TOKEN_LABEL PIN THREADS SECONDS
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>
#undef CRYPTOKI_GNU

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void die(const char* what, ck_rv_t rv) {
  std::fprintf(stderr, "pkcs11_speed: %s failed: 0x%lx\n", what, rv);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: pkcs11_speed MODULE TOKEN_LABEL PIN THREADS SECONDS\n");
    return 2;
  }
  const std::string label = argv[2];
  const std::string pin = argv[3];
  const int threads = std::atoi(argv[4]);
  const int seconds = std::atoi(argv[5]);
  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    std::fprintf(stderr, "pkcs11_speed: %s\n", dlerror());
    return 1;
  }
  auto get = reinterpret_cast<ck_rv_t (*)(struct ck_function_list**)>(dlsym(lib, "C_GetFunctionList"));
  struct ck_function_list* f = nullptr;
  if (!get || get(&f) != CKR_OK) die("C_GetFunctionList", 0);
  struct ck_c_initialize_args args {};
  args.flags = CKF_OS_LOCKING_OK;
  if (ck_rv_t rv = f->C_Initialize(&args); rv != CKR_OK) die("C_Initialize", rv);
  ck_slot_id_t slots[16];
  unsigned long count = 16;
  if (ck_rv_t rv = f->C_GetSlotList(1, slots, &count); rv != CKR_OK) die("C_GetSlotList", rv);
  ck_slot_id_t slot = 0;
  bool found = false;
  for (unsigned long i = 0; i < count && !found; ++i) {
    struct ck_token_info info {};
    f->C_GetTokenInfo(slots[i], &info);
    std::string l(reinterpret_cast<const char*>(info.label), 32);
    l.erase(l.find_last_not_of(' ') + 1);
    if (l == label) {
      slot = slots[i];
      found = true;
    }
  }
  if (!found) die("finding the token", 0);
  ck_session_handle_t anchor = 0;
  if (ck_rv_t rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &anchor); rv != CKR_OK)
    die("C_OpenSession", rv);
  if (ck_rv_t rv = f->C_Login(anchor, CKU_USER, reinterpret_cast<unsigned char*>(const_cast<char*>(pin.data())),
                              pin.size());
      rv != CKR_OK)
    die("C_Login", rv);
  unsigned char yes = 1, no = 0;
  unsigned long bits = 2048;
  unsigned char exponent[] = {1, 0, 1};
  // Token objects, as an RSA-HSM key is (SoftHSM keeps them in its object store).
  struct ck_attribute pub[] = {{CKA_TOKEN, &yes, 1}, {CKA_MODULUS_BITS, &bits, sizeof bits},
                               {CKA_PUBLIC_EXPONENT, exponent, 3}, {CKA_VERIFY, &yes, 1}};
  struct ck_attribute priv[] = {{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                                {CKA_EXTRACTABLE, &no, 1}, {CKA_SIGN, &yes, 1}};
  struct ck_mechanism gen {
    CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0
  };
  ck_object_handle_t pub_key = 0, priv_key = 0;
  if (ck_rv_t rv = f->C_GenerateKeyPair(anchor, &gen, pub, 4, priv, 5, &pub_key, &priv_key); rv != CKR_OK)
    die("C_GenerateKeyPair", rv);
  // SHA-256 DigestInfo ‖ digest, what Coffer signs for RS256.
  unsigned char input[51] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                             0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  std::memset(input + 19, 0x5a, 32);
  std::atomic<bool> stop{false};
  std::atomic<long> signatures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      ck_session_handle_t s = 0;
      if (ck_rv_t rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
          rv != CKR_OK)
        die("C_OpenSession", rv);
      long done = 0;
      unsigned char sig[256];
      while (!stop.load(std::memory_order_relaxed)) {
        struct ck_mechanism mech {
          CKM_RSA_PKCS, nullptr, 0
        };
        unsigned long len = sizeof sig;
        if (ck_rv_t rv = f->C_SignInit(s, &mech, priv_key); rv != CKR_OK) die("C_SignInit", rv);
        if (ck_rv_t rv = f->C_Sign(s, input, sizeof input, sig, &len); rv != CKR_OK) die("C_Sign", rv);
        ++done;
      }
      signatures += done;
      f->C_CloseSession(s);
    });
  }
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f\n", signatures.load() / elapsed);
  f->C_DestroyObject(anchor, priv_key);
  f->C_DestroyObject(anchor, pub_key);
  f->C_CloseSession(anchor);
  f->C_Finalize(nullptr);
  return 0;
}
