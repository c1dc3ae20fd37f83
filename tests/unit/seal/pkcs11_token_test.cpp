// Pkcs11Token against SoftHSM2 (SEAL-SPEC.md §3: the fixture, S1 in part):
// a token in a temporary directory of its own, the seal key generated
// through Coffer, AES-GCM inside the token with associated data, and clear
// refusals for a wrong PIN, an absent token, key or module. Skipped when
// SoftHSM2 is not installed (scripts/install-deps.sh installs it).
// Cryptoki's GNU names, as in src/seal/pkcs11_token.cpp (this file is kept
// out of unity batches too): the test makes a key the way Coffer never does.
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>
#undef CRYPTOKI_GNU

#include "seal/pkcs11_token.hpp"
#include "softhsm_token.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "crypto/random.hpp"

namespace coffer::seal {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModule = testing::kSoftHsmModule;

// An AES key as a careless operator might make it: extractable and not sensitive.
void make_extractable_key(const std::string& label) {
  void* handle = dlopen(kModule, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr);
  auto get = reinterpret_cast<ck_rv_t (*)(struct ck_function_list**)>(dlsym(handle, "C_GetFunctionList"));
  struct ck_function_list* f = nullptr;
  ASSERT_EQ(get(&f), CKR_OK);
  struct ck_c_initialize_args args {};
  args.flags = CKF_OS_LOCKING_OK;
  const ck_rv_t init = f->C_Initialize(&args);
  ASSERT_TRUE(init == CKR_OK || init == CKR_CRYPTOKI_ALREADY_INITIALIZED);
  ck_slot_id_t slots[8];
  unsigned long count = 8;
  ASSERT_EQ(f->C_GetSlotList(1, slots, &count), CKR_OK);
  ASSERT_GT(count, 0u);
  ck_session_handle_t session = 0;
  ASSERT_EQ(f->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session), CKR_OK);
  unsigned char pin[] = "1234";
  ASSERT_EQ(f->C_Login(session, CKU_USER, pin, 4), CKR_OK);
  ck_object_class_t cls = CKO_SECRET_KEY;
  ck_key_type_t type = CKK_AES;
  unsigned long len = 32;
  unsigned char yes = 1, no = 0;
  struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                                {CKA_KEY_TYPE, &type, sizeof type},
                                {CKA_VALUE_LEN, &len, sizeof len},
                                {CKA_TOKEN, &yes, 1},
                                {CKA_SENSITIVE, &no, 1},
                                {CKA_EXTRACTABLE, &yes, 1},
                                {CKA_ENCRYPT, &yes, 1},
                                {CKA_DECRYPT, &yes, 1},
                                {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
  struct ck_mechanism mech {
    CKM_AES_KEY_GEN, nullptr, 0
  };
  ck_object_handle_t key = 0;
  ASSERT_EQ(f->C_GenerateKey(session, &mech, tmpl, sizeof tmpl / sizeof tmpl[0], &key), CKR_OK);
  f->C_CloseSession(session);  // the module stays initialized; Coffer's handle finalizes it with its last token
}

class Pkcs11TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::SoftHsmToken::available()) GTEST_SKIP() << "SoftHSM2 is not installed";
    ASSERT_TRUE(hsm_.init());
    dir_ = hsm_.dir();
    options_ = testing::SoftHsmToken::options();
  }

  testing::SoftHsmToken hsm_;
  fs::path dir_;
  Pkcs11Options options_;
};

TEST_F(Pkcs11TokenTest, TheSealKeyEncryptsInsideTheToken) {
  ASSERT_TRUE(Pkcs11Token::generate_key(options_).ok());
  EXPECT_EQ(Pkcs11Token::generate_key(options_).reason(), "HsmKeyExists");
  auto token = Pkcs11Token::open(options_);
  ASSERT_TRUE(token.ok()) << token.status().message();
  const std::string plain = "the root keys";
  auto sealed = (*token)->encrypt(plain, "coffer/seal/v1/c/seal/root");
  ASSERT_TRUE(sealed.ok()) << sealed.status().message();
  EXPECT_EQ(sealed->size(), 12 + plain.size() + 16);
  EXPECT_EQ(sealed->find(plain), std::string::npos);
  auto opened = (*token)->decrypt(*sealed, "coffer/seal/v1/c/seal/root");
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->view(), plain);
  EXPECT_EQ((*token)->decrypt(*sealed, "coffer/seal/v1/other/seal/root").status().reason(), "UnsealKeyWrong")
      << (*token)->decrypt(*sealed, "coffer/seal/v1/other/seal/root").status().message();
  std::string changed = *sealed;
  changed[20] ^= 1;
  EXPECT_EQ((*token)->decrypt(changed, "coffer/seal/v1/c/seal/root").status().reason(), "UnsealKeyWrong");
  EXPECT_EQ((*token)->decrypt("short", "x").status().reason(), "UnsealKeyWrong");
  EXPECT_NE((*token)->encrypt(plain, "a").value(), (*token)->encrypt(plain, "a").value()) << "a fresh IV each time";
  // A second handle on the same module (the server and a key service) shares it.
  auto second = Pkcs11Token::open(options_);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->decrypt(*sealed, "coffer/seal/v1/c/seal/root")->view(), plain);
  second->reset();  // closing one handle leaves the other logged in
  auto after = (*token)->decrypt(*sealed, "coffer/seal/v1/c/seal/root");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_EQ(after->view(), plain);
}

TEST_F(Pkcs11TokenTest, RefusalsNameWhatIsWrong) {
  ASSERT_TRUE(Pkcs11Token::generate_key(options_).ok());
  Pkcs11Options wrong_pin = options_;
  wrong_pin.pin = SecureString("9999");
  auto pin = Pkcs11Token::open(wrong_pin);
  EXPECT_EQ(pin.status().reason(), "HsmPinRefused");
  EXPECT_NE(pin.status().message().find("CKR_PIN_INCORRECT"), std::string::npos);
  EXPECT_EQ(pin.status().message().find("9999"), std::string::npos) << "the PIN is never in a message";
  Pkcs11Options no_token = options_;
  no_token.token_label = "absent";
  EXPECT_EQ(Pkcs11Token::open(no_token).status().code(), Code::kUnavailable);
  Pkcs11Options no_key = options_;
  no_key.key_label = "absent";
  EXPECT_EQ(Pkcs11Token::open(no_key).status().code(), Code::kUnavailable);
  Pkcs11Options no_module = options_;
  no_module.lib = (dir_ / "nothing.so").string();
  EXPECT_EQ(Pkcs11Token::open(no_module).status().code(), Code::kUnavailable);
  Pkcs11Options not_a_module = options_;
  not_a_module.lib = "libc.so.6";
  EXPECT_EQ(Pkcs11Token::open(not_a_module).status().code(), Code::kUnavailable);
}

TEST_F(Pkcs11TokenTest, AnExtractableOrNonSensitiveKeyIsRefusedForTheSeal) {
  make_extractable_key("careless");
  Pkcs11Options careless = options_;
  careless.key_label = "careless";
  auto refused = Pkcs11Token::open(careless);
  EXPECT_EQ(refused.status().code(), Code::kBadParameter);
  EXPECT_NE(refused.status().message().find("must be sensitive and not extractable"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace coffer::seal
