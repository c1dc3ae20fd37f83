// Pkcs11Keys against SoftHSM2 (SEAL-SPEC.md §3 S10, S11 in part): RSA-HSM,
// EC-HSM and oct-HSM keys made in a token of their own, each operation
// checked against OpenSSL (signatures verified and ciphertexts made with the
// public half; AES agreeing with EVP through unwrap/wrap round trips), the
// objects' flags read from the token itself, refusals, destruction, a token
// that lost its sessions, and many threads at once. Skipped when SoftHSM2 is
// not installed. Kept out of unity batches: it includes pkcs11.h.
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>
#undef CRYPTOKI_GNU

#include "seal/pkcs11_keys.hpp"
#include "softhsm_token.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <atomic>
#include <thread>

#include "crypto/key_material.hpp"
#include "crypto/public_key_pem.hpp"

namespace coffer::seal {
namespace {

using crypto::HardwareKeyRef;
using crypto::KeyKind;

// A second, raw view of the token (the module is shared with Coffer's handle):
// what a person with pkcs11-tool would see.
class RawToken {
 public:
  RawToken() {
    void* handle = dlopen(testing::kSoftHsmModule, RTLD_NOW | RTLD_LOCAL);
    auto get = reinterpret_cast<ck_rv_t (*)(struct ck_function_list**)>(dlsym(handle, "C_GetFunctionList"));
    get(&f_);
    unsigned long count = 8;
    f_->C_GetSlotList(1, slots_, &count);
    f_->C_OpenSession(slots_[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session_);
    unsigned char pin[] = "1234";
    f_->C_Login(session_, CKU_USER, pin, 4);  // CKR_USER_ALREADY_LOGGED_IN when Coffer is
  }
  ~RawToken() { f_->C_CloseSession(session_); }
  // Every object with CKA_ID `id` and class `cls`.
  std::vector<ck_object_handle_t> find(const std::string& id, ck_object_class_t cls) {
    struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, const_cast<char*>(id.data()), id.size()}};
    f_->C_FindObjectsInit(session_, tmpl, 2);
    ck_object_handle_t found[4];
    unsigned long n = 0;
    f_->C_FindObjects(session_, found, 4, &n);
    f_->C_FindObjectsFinal(session_);
    return {found, found + n};
  }
  bool flag(ck_object_handle_t o, ck_attribute_type_t type) {
    unsigned char v = 0;
    struct ck_attribute a {
      type, &v, 1
    };
    return f_->C_GetAttributeValue(session_, o, &a, 1) == CKR_OK && v == 1;
  }
  ck_rv_t read(ck_object_handle_t o, ck_attribute_type_t type) {
    unsigned char buf[1024];
    struct ck_attribute a {
      type, buf, sizeof buf
    };
    return f_->C_GetAttributeValue(session_, o, &a, 1);
  }
  // Tries to export `o` under the AES key `wrapping`.
  ck_rv_t wrap(ck_object_handle_t wrapping, ck_object_handle_t o) {
    struct ck_mechanism mech {
      CKM_AES_KEY_WRAP_PAD, nullptr, 0
    };
    unsigned char out[4096];
    unsigned long len = sizeof out;
    return f_->C_WrapKey(session_, &mech, wrapping, o, out, &len);
  }
  void destroy(ck_object_handle_t o) { f_->C_DestroyObject(session_, o); }
  // What a token removed and put back does to every session of this application.
  void close_all_sessions() { f_->C_CloseAllSessions(slots_[0]); }

 private:
  struct ck_function_list* f_ = nullptr;
  ck_slot_id_t slots_[8] = {};
  ck_session_handle_t session_ = 0;
};

// Whether OpenSSL verifies `signature` over `digest` with the public key `pem`
// (RSA: PKCS#1 v1.5 or PSS; EC: `signature` is r‖s, converted to DER first).
bool openssl_verifies(const std::string& pem, const std::string& digest, std::string signature, bool rsa,
                      const EVP_MD* md = EVP_sha256(), bool pss = false) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key) return false;
  if (!rsa) {
    const std::size_t half = signature.size() / 2;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data()), int(half), nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(signature.data() + half), int(half), nullptr));
    unsigned char* der = nullptr;
    const int len = i2d_ECDSA_SIG(sig, &der);
    signature.assign(reinterpret_cast<char*>(der), std::size_t(len));
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
  }
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  bool ok = EVP_PKEY_verify_init(ctx) == 1 &&
            (!rsa || EVP_PKEY_CTX_set_rsa_padding(ctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1) &&
            EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
            (!pss || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) == 1) &&
            EVP_PKEY_verify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

// `plain` encrypted by OpenSSL under the public key `pem` (PKCS#1 v1.5, or OAEP with `md`).
std::string openssl_encrypt(const std::string& pem, const std::string& plain, const EVP_MD* oaep_md) {
  BIO* bio = BIO_new_mem_buf(pem.data(), int(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
  std::string out(1024, '\0');
  std::size_t len = out.size();
  const bool ok = EVP_PKEY_encrypt_init(ctx) == 1 &&
                  EVP_PKEY_CTX_set_rsa_padding(ctx, oaep_md ? RSA_PKCS1_OAEP_PADDING : RSA_PKCS1_PADDING) == 1 &&
                  (!oaep_md || (EVP_PKEY_CTX_set_rsa_oaep_md(ctx, oaep_md) == 1 &&
                                EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, oaep_md) == 1)) &&
                  EVP_PKEY_encrypt(ctx, reinterpret_cast<unsigned char*>(out.data()), &len,
                                   reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) == 1;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  out.resize(ok ? len : 0);
  return out;
}

class Pkcs11KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::SoftHsmToken::available()) GTEST_SKIP() << "SoftHSM2 is not installed";
    ASSERT_TRUE(hsm_.init());
    auto keys = Pkcs11Keys::open(testing::SoftHsmToken::options());
    ASSERT_TRUE(keys.ok()) << keys.status().message();
    keys_ = std::move(*keys);
  }

  testing::SoftHsmToken hsm_;
  std::unique_ptr<Pkcs11Keys> keys_;
};

TEST_F(Pkcs11KeysTest, RsaKeysAreMadeSignAndDecryptInsideTheTokenForEverySize) {
  for (int bits : {2048, 3072, 4096}) {
    const HardwareKeyRef key{"rsa-" + std::to_string(bits) + "-0123456", KeyKind::kRsa, bits, ""};
    auto jwk = keys_->generate(key, "coffer:v/k/1");
    ASSERT_TRUE(jwk.ok()) << jwk.status().message();
    EXPECT_EQ(jwk->kty, "RSA");
    EXPECT_EQ(jwk->n.size(), std::size_t(bits / 8));
    EXPECT_EQ(jwk->e, std::string("\x01\x00\x01", 3));
    const std::string pem = crypto::public_key_pem(*jwk).value();
    const struct {
      const char* alg;
      const EVP_MD* md;
      bool pss;
    } algs[] = {{"RS256", EVP_sha256(), false}, {"RS384", EVP_sha384(), false}, {"RS512", EVP_sha512(), false},
                {"PS256", EVP_sha256(), true},  {"PS384", EVP_sha384(), true},  {"PS512", EVP_sha512(), true}};
    for (const auto& a : algs) {
      const std::string digest(std::size_t(EVP_MD_get_size(a.md)), 'd');
      auto sig = keys_->sign(key, a.alg, digest);
      ASSERT_TRUE(sig.ok()) << a.alg << ": " << sig.status().message();
      EXPECT_EQ(sig->size(), std::size_t(bits / 8)) << a.alg;
      EXPECT_TRUE(openssl_verifies(pem, digest, *sig, true, a.md, a.pss)) << a.alg;
      EXPECT_FALSE(openssl_verifies(pem, std::string(digest.size(), 'e'), *sig, true, a.md, a.pss)) << a.alg;
    }
    // What OpenSSL encrypted under the public half decrypts (and unwraps) inside the token.
    const std::string secret = "a content key, 32 bytes long....";
    for (const auto& [alg, md] : {std::pair<const char*, const EVP_MD*>{"RSA1_5", nullptr}, {"RSA-OAEP", EVP_sha1()}}) {
      std::string ct = openssl_encrypt(pem, secret, md);
      ASSERT_EQ(ct.size(), std::size_t(bits / 8)) << alg;
      auto plain = keys_->decrypt(key, alg, ct, {}, {}, {});
      ASSERT_TRUE(plain.ok()) << alg << ": " << plain.status().message();
      EXPECT_EQ(plain->view(), secret) << alg;
      EXPECT_EQ(keys_->unwrap(key, alg, ct)->view(), secret) << alg;
      ct[100] ^= 1;
      auto bad = keys_->decrypt(key, alg, ct, {}, {}, {});
      EXPECT_EQ(bad.status().code(), Code::kBadParameter) << alg;
      EXPECT_EQ(bad.status().message(), "Decryption failed.") << alg << ": one answer, no padding oracle";
    }
    auto oaep256 = keys_->decrypt(key, "RSA-OAEP-256", openssl_encrypt(pem, secret, EVP_sha256()), {}, {}, {});
    if (oaep256.ok()) {
      EXPECT_EQ(oaep256->view(), secret);
    } else {  // SoftHSM 2.6 offers OAEP with SHA-1 only (SEAL-SPEC.md §2.5)
      EXPECT_EQ(oaep256.status().message(), "RSA-OAEP-256 is not supported by this HSM.");
    }
  }
}

TEST_F(Pkcs11KeysTest, EcKeysSignOnEveryCurveTheTokenOffers) {
  for (const auto& [crv, alg, md, coord] :
       {std::tuple<const char*, const char*, const EVP_MD*, std::size_t>{"P-256", "ES256", EVP_sha256(), 32},
        {"P-384", "ES384", EVP_sha384(), 48},
        {"P-521", "ES512", EVP_sha512(), 66}}) {
    const HardwareKeyRef key{std::string("ec-") + crv + "-0123456789", KeyKind::kEc, 0, crv};
    auto jwk = keys_->generate(key, "coffer:v/e/1");
    ASSERT_TRUE(jwk.ok()) << crv << ": " << jwk.status().message();
    EXPECT_EQ(jwk->kty, "EC");
    EXPECT_EQ(jwk->crv, crv);
    EXPECT_EQ(jwk->x.size(), coord);
    EXPECT_EQ(jwk->y.size(), coord);
    const std::string pem = crypto::public_key_pem(*jwk).value();
    const std::string digest(std::size_t(EVP_MD_get_size(md)), 'd');
    auto sig = keys_->sign(key, alg, digest);
    ASSERT_TRUE(sig.ok()) << crv << ": " << sig.status().message();
    EXPECT_EQ(sig->size(), 2 * coord) << "r‖s";
    EXPECT_TRUE(openssl_verifies(pem, digest, *sig, false, md)) << crv;
    EXPECT_FALSE(openssl_verifies(pem, std::string(digest.size(), 'e'), *sig, false, md)) << crv;
  }
  EXPECT_EQ(keys_->generate({"x", KeyKind::kEc, 0, "P-192"}, "y").status().code(), Code::kBadParameter);
}

TEST_F(Pkcs11KeysTest, AesKeysEncryptAndWrapInsideTheToken) {
  for (int bits : {128, 192, 256}) {
    const HardwareKeyRef key{"aes-" + std::to_string(bits) + "-000000000000", KeyKind::kOct, bits, ""};
    auto jwk = keys_->generate(key, "coffer:v/o/1");
    ASSERT_TRUE(jwk.ok()) << jwk.status().message();
    EXPECT_EQ(jwk->kty, "oct");
    EXPECT_TRUE(jwk->k.empty());
    const std::string a = "A" + std::to_string(bits);
    const std::string plain = "the payload, not block-aligned";
    // GCM: the tag separate, checked with the iv and aad.
    auto gcm = keys_->encrypt(key, a + "GCM", plain, {}, "aad");
    ASSERT_TRUE(gcm.ok()) << gcm.status().message();
    EXPECT_EQ(gcm->iv.size(), 12u);
    EXPECT_EQ(gcm->tag.size(), 16u);
    EXPECT_EQ(gcm->value.size(), plain.size());
    EXPECT_EQ(keys_->decrypt(key, a + "GCM", gcm->value, gcm->iv, "aad", gcm->tag)->view(), plain);
    auto wrong_aad = keys_->decrypt(key, a + "GCM", gcm->value, gcm->iv, "other", gcm->tag);
    EXPECT_EQ(wrong_aad.status().code(), Code::kBadParameter);
    // CBC with padding, and plain CBC on whole blocks only.
    auto cbcpad = keys_->encrypt(key, a + "CBCPAD", plain, {}, {});
    ASSERT_TRUE(cbcpad.ok()) << cbcpad.status().message();
    EXPECT_EQ(cbcpad->value.size(), 32u);
    EXPECT_EQ(keys_->decrypt(key, a + "CBCPAD", cbcpad->value, cbcpad->iv, {}, {})->view(), plain);
    EXPECT_EQ(keys_->encrypt(key, a + "CBC", plain, {}, {}).status().code(), Code::kBadParameter);
    const std::string blocks(32, 'b');
    auto cbc = keys_->encrypt(key, a + "CBC", blocks, std::string(16, '\x01'), {});
    ASSERT_TRUE(cbc.ok()) << cbc.status().message();
    EXPECT_EQ(cbc->iv, std::string(16, '\x01'));
    EXPECT_EQ(keys_->decrypt(key, a + "CBC", cbc->value, cbc->iv, {}, {})->view(), blocks);
    // Key wrap (RFC 3394): 8 bytes longer, and back.
    const std::string content_key(32, 'k');
    auto wrapped = keys_->wrap(key, a + "KW", content_key);
    ASSERT_TRUE(wrapped.ok()) << wrapped.status().message();
    EXPECT_EQ(wrapped->size(), 40u);
    auto unwrapped = keys_->unwrap(key, a + "KW", *wrapped);
    ASSERT_TRUE(unwrapped.ok()) << unwrapped.status().message();
    EXPECT_EQ(unwrapped->view(), content_key);
    std::string changed = *wrapped;
    changed[5] ^= 1;
    EXPECT_EQ(keys_->unwrap(key, a + "KW", changed).status().code(), Code::kBadParameter);
    EXPECT_EQ(keys_->wrap(key, a + "KW", "short").status().code(), Code::kBadParameter);
    // Another size's algorithm, or an RSA one, does not fit.
    EXPECT_EQ(keys_->encrypt(key, bits == 256 ? "A128GCM" : "A256GCM", plain, {}, {}).status().code(),
              Code::kBadParameter);
    EXPECT_EQ(keys_->sign(key, "RS256", std::string(32, 'd')).status().code(), Code::kBadParameter);
  }
}

TEST_F(Pkcs11KeysTest, TokenObjectsAreSensitiveNeverExtractableAndMadeInTheToken) {
  const HardwareKeyRef rsa{"flags-rsa-000001", KeyKind::kRsa, 2048, ""};
  const HardwareKeyRef aes{"flags-aes-000001", KeyKind::kOct, 256, ""};
  ASSERT_TRUE(keys_->generate(rsa, "coffer:v/r/1").ok());
  ASSERT_TRUE(keys_->generate(aes, "coffer:v/a/1").ok());
  RawToken raw;
  auto priv = raw.find(rsa.id, CKO_PRIVATE_KEY);
  auto secret = raw.find(aes.id, CKO_SECRET_KEY);
  ASSERT_EQ(priv.size(), 1u);
  ASSERT_EQ(secret.size(), 1u);
  ASSERT_EQ(raw.find(rsa.id, CKO_PUBLIC_KEY).size(), 1u);
  for (ck_object_handle_t o : {priv[0], secret[0]}) {
    EXPECT_TRUE(raw.flag(o, CKA_TOKEN));
    EXPECT_TRUE(raw.flag(o, CKA_PRIVATE));
    EXPECT_TRUE(raw.flag(o, CKA_SENSITIVE));
    EXPECT_FALSE(raw.flag(o, CKA_EXTRACTABLE));
    EXPECT_TRUE(raw.flag(o, CKA_ALWAYS_SENSITIVE));
    EXPECT_TRUE(raw.flag(o, CKA_NEVER_EXTRACTABLE));
    EXPECT_TRUE(raw.flag(o, CKA_LOCAL));
  }
  EXPECT_EQ(raw.read(priv[0], CKA_PRIVATE_EXPONENT), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(raw.read(priv[0], CKA_PRIME_1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(raw.read(secret[0], CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(raw.wrap(secret[0], priv[0]), CKR_KEY_UNEXTRACTABLE);
  ASSERT_TRUE(keys_->destroy(rsa.id).ok());
  EXPECT_TRUE(raw.find(rsa.id, CKO_PRIVATE_KEY).empty());
  EXPECT_TRUE(raw.find(rsa.id, CKO_PUBLIC_KEY).empty());
  EXPECT_EQ(raw.find(aes.id, CKO_SECRET_KEY).size(), 1u) << "only that key went";
  EXPECT_EQ(keys_->sign(rsa, "RS256", std::string(32, 'd')).status().reason(), "HsmKeyMissing");
  EXPECT_TRUE(keys_->destroy(rsa.id).ok()) << "destroying what is gone is no error";
}

TEST_F(Pkcs11KeysTest, RefusalsAreBadParameterNeverInternal) {
  const HardwareKeyRef rsa{"refusal-rsa-0001", KeyKind::kRsa, 2048, ""};
  ASSERT_TRUE(keys_->generate(rsa, "coffer:v/r/1").ok());
  EXPECT_EQ(keys_->sign(rsa, "RS256", std::string(31, 'd')).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->sign(rsa, "HS256", std::string(32, 'd')).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->sign(rsa, "ES256", std::string(32, 'd')).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->decrypt(rsa, "A256GCM", "x", {}, {}, {}).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->decrypt(rsa, "RSA-OAEP", "short", {}, {}, {}).status().message(), "Decryption failed.");
  EXPECT_EQ(keys_->encrypt(rsa, "RSA-OAEP", "x", {}, {}).status().code(), Code::kBadParameter)
      << "RSA encryption is done with the public half, outside the token";
  EXPECT_EQ(keys_->wrap(rsa, "RSA-OAEP", std::string(32, 'k')).status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->generate({"x", KeyKind::kRsa, 1024, ""}, "y").status().code(), Code::kBadParameter);
  EXPECT_EQ(keys_->generate({"x", KeyKind::kOct, 100, ""}, "y").status().code(), Code::kBadParameter);
  const HardwareKeyRef absent{"never-made-00001", KeyKind::kRsa, 2048, ""};
  auto missing = keys_->sign(absent, "RS256", std::string(32, 'd'));
  EXPECT_EQ(missing.status().code(), Code::kUnavailable);
  EXPECT_EQ(missing.status().reason(), "HsmKeyMissing");
}

TEST_F(Pkcs11KeysTest, ATokenThatLostItsSessionsIsLoggedInAgain) {
  const HardwareKeyRef ec{"relogin-ec-00001", KeyKind::kEc, 0, "P-256"};
  ASSERT_TRUE(keys_->generate(ec, "coffer:v/e/1").ok());
  ASSERT_TRUE(keys_->sign(ec, "ES256", std::string(32, 'd')).ok());
  {
    RawToken raw;
    raw.close_all_sessions();  // every session of the process, Coffer's anchor and pool too: logged out
  }
  auto sig = keys_->sign(ec, "ES256", std::string(32, 'd'));
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  EXPECT_TRUE(keys_->sign(ec, "ES256", std::string(32, 'e')).ok());
}

TEST_F(Pkcs11KeysTest, AKeyRemovedBehindCoffersBackIsMissingNotAStaleHandle) {
  const HardwareKeyRef rsa{"removed-rsa-0001", KeyKind::kRsa, 2048, ""};
  ASSERT_TRUE(keys_->generate(rsa, "coffer:v/r/1").ok());
  ASSERT_TRUE(keys_->sign(rsa, "RS256", std::string(32, 'd')).ok());  // its handle is now kept
  RawToken raw;
  auto priv = raw.find(rsa.id, CKO_PRIVATE_KEY);
  ASSERT_EQ(priv.size(), 1u);
  raw.destroy(priv[0]);  // an operator with pkcs11-tool
  auto sig = keys_->sign(rsa, "RS256", std::string(32, 'd'));
  EXPECT_EQ(sig.status().code(), Code::kUnavailable);
  EXPECT_EQ(sig.status().reason(), "HsmKeyMissing") << sig.status().message();
}

TEST_F(Pkcs11KeysTest, ManyThreadsSignWhileOthersMakeKeys) {
  // SEAL-SPEC.md §3 S11: 32 threads × 500 signatures while 8 threads make (and destroy) keys; no CKR error.
  const HardwareKeyRef ec{"threads-ec-00001", KeyKind::kEc, 0, "P-256"};
  ASSERT_TRUE(keys_->generate(ec, "coffer:v/p/1").ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 32; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto sig = keys_->sign(ec, "ES256", std::string(32, char('a' + i % 26)));
        if (!sig.ok() && failures++ < 5) ADD_FAILURE() << sig.status().message();
      }
    });
  }
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const HardwareKeyRef made{"made-" + std::to_string(t) + "-" + std::to_string(i) + "-00000", KeyKind::kEc, 0,
                                  "P-256"};
        auto jwk = keys_->generate(made, "coffer:v/m/1");
        Status gone = jwk.ok() ? keys_->destroy(made.id) : jwk.status();
        if (!gone.ok() && failures++ < 5) ADD_FAILURE() << gone.message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace coffer::seal
