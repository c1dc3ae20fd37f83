#include "crypto/key_material.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <climits>
#include <map>
#include <mutex>

#include "crypto/key_material_internal.hpp"
#include "crypto/openssl_util.hpp"
#include "crypto/random.hpp"

namespace coffer::crypto {
namespace {

using SecretBn = std::unique_ptr<BIGNUM, ossl::Deleter<BIGNUM, BN_clear_free>>;
using ossl::EcdsaSig;
using ossl::ParamBld;
using ossl::Pkcs8;
using ossl::u8;
using EcCurve = ossl::EcCurve;

constexpr char kTagRsa = 'R';
constexpr char kTagEc = 'E';
constexpr char kTagOct = 'O';

bool fits_openssl_int(std::string_view s) { return s.size() <= static_cast<std::size_t>(INT_MAX / 2); }

const EVP_MD* signature_md(std::string_view alg) {
  if (alg == "RS256" || alg == "PS256" || alg == "ES256" || alg == "ES256K") return EVP_sha256();
  if (alg == "RS384" || alg == "PS384" || alg == "ES384") return EVP_sha384();
  if (alg == "RS512" || alg == "PS512" || alg == "ES512") return EVP_sha512();
  return nullptr;
}

bool is_rsa_sig(std::string_view a) { return a.size() == 5 && (a.substr(0, 2) == "RS" || a.substr(0, 2) == "PS"); }
bool is_rsa_enc(std::string_view a) { return a == "RSA-OAEP" || a == "RSA-OAEP-256" || a == "RSA1_5"; }

// AES algorithms: the key bits they need and their mode.
enum class AesMode { kNone, kGcm, kCbc, kCbcPad, kKw };
struct AesAlg {
  AesMode mode = AesMode::kNone;
  int bits = 0;
};

AesAlg aes_alg(std::string_view a) {
  if (a.size() < 5 || a[0] != 'A') return {};
  int bits = 0;
  if (a.substr(1, 3) == "128")
    bits = 128;
  else if (a.substr(1, 3) == "192")
    bits = 192;
  else if (a.substr(1, 3) == "256")
    bits = 256;
  else
    return {};
  const std::string_view rest = a.substr(4);
  if (rest == "GCM") return {AesMode::kGcm, bits};
  if (rest == "CBC") return {AesMode::kCbc, bits};
  if (rest == "CBCPAD") return {AesMode::kCbcPad, bits};
  if (rest == "KW") return {AesMode::kKw, bits};
  return {};
}

const EVP_CIPHER* aes_cipher(AesAlg a) {
  switch (a.mode) {
    case AesMode::kGcm:
      return a.bits == 128 ? EVP_aes_128_gcm() : a.bits == 192 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
    case AesMode::kCbc:
    case AesMode::kCbcPad:
      return a.bits == 128 ? EVP_aes_128_cbc() : a.bits == 192 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
    case AesMode::kKw:
      return a.bits == 128 ? EVP_aes_128_wrap() : a.bits == 192 ? EVP_aes_192_wrap() : EVP_aes_256_wrap();
    case AesMode::kNone: break;
  }
  return nullptr;
}

Result<SecretBn> to_bn(std::string_view bytes, const char* member) {
  if (bytes.empty())
    return ossl::bad_parameter(std::string("The JSON web key is missing the '") + member + "' member.");
  if (!fits_openssl_int(bytes))
    return ossl::bad_parameter(std::string("The JSON web key member '") + member + "' is too large.");
  SecretBn bn(BN_bin2bn(u8(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn) return ossl::error("BN_bin2bn");
  return bn;
}

// The big-endian bytes of a BIGNUM parameter of `pkey`, left-padded to `pad` (0: minimal).
Result<SecureString> bn_param(const EVP_PKEY* pkey, const char* name, int pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return ossl::error(std::string("read key parameter ") + name);
  SecretBn bn(raw);
  const int n = pad > 0 ? pad : BN_num_bytes(bn.get());
  SecureString out(std::string(static_cast<std::size_t>(n), '\0'));
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), n) != n) {
    return ossl::error("BN_bn2binpad");
  }
  return out;
}

Result<ossl::PKey> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  return ossl::pkey_from_params(type, bld, EVP_PKEY_KEYPAIR, "The JSON web key is not a valid, consistent key pair.");
}

Status push_bn(OSSL_PARAM_BLD* bld, const char* name, const BIGNUM* bn) {
  if (OSSL_PARAM_BLD_push_BN(bld, name, bn) != 1) return ossl::error("OSSL_PARAM_BLD_push_BN");
  return Status::Ok();
}

// A context ready for EVP_PKEY_sign() with `padding` (RSA; 0 for EC) and `md`.
Result<ossl::PKeyCtx> sign_context(EVP_PKEY* pkey, int padding, const EVP_MD* md) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) return ossl::error("sign init");
  if (padding != 0) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1) return ossl::error("sign padding");
    if (padding == RSA_PKCS1_PSS_PADDING && EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1) {
      return ossl::error("sign salt length");
    }
  }
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return ossl::error("sign digest");
  return ctx;
}

// A signing context ready for one signature, and the key's largest
// signature (a DER ECDSA signature may come out shorter).
struct SignContext {
  ossl::PKeyCtx ctx;
  std::size_t max_size = 0;
};

Result<std::string> sign_with(const SignContext& sign, std::string_view digest) {
  std::size_t len = sign.max_size;
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(sign.ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, u8(digest), digest.size()) !=
      1) {
    return ossl::error("sign");
  }
  sig.resize(len);
  return sig;
}

bool pkey_verify(EVP_PKEY* pkey, std::string_view digest, std::string_view sig, int padding, const EVP_MD* md) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1;
  if (ok && padding != 0) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) == 1 &&
         (padding != RSA_PKCS1_PSS_PADDING || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_AUTO) == 1);
  }
  ok = ok && EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
       EVP_PKEY_verify(ctx.get(), u8(sig), sig.size(), u8(digest), digest.size()) == 1;
  ERR_clear_error();
  return ok;
}

Status set_rsa_cipher_padding(EVP_PKEY_CTX* ctx, std::string_view alg) {
  if (alg == "RSA1_5") {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) return ossl::error("RSA padding");
    return Status::Ok();
  }
  const EVP_MD* md = alg == "RSA-OAEP" ? EVP_sha1() : EVP_sha256();
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 || EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1) {
    return ossl::error("RSA OAEP parameters");
  }
  return Status::Ok();
}

Result<std::string> rsa_encrypt(EVP_PKEY* pkey, std::string_view alg, std::string_view plaintext) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return ossl::error("encrypt init");
  COFFER_RETURN_IF_ERROR(set_rsa_cipher_padding(ctx.get(), alg));
  std::size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, u8(plaintext), plaintext.size()) != 1) {
    return ossl::bad_parameter("The value is too long to be encrypted with " + std::string(alg) + " under this key.");
  }
  std::string out(len, '\0');
  if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u8(plaintext),
                       plaintext.size()) != 1) {
    return ossl::bad_parameter("The value is too long to be encrypted with " + std::string(alg) + " under this key.");
  }
  out.resize(len);
  return out;
}

Result<SecureString> rsa_decrypt(EVP_PKEY* pkey, std::string_view alg, std::string_view ciphertext) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return ossl::error("decrypt init");
  COFFER_RETURN_IF_ERROR(set_rsa_cipher_padding(ctx.get(), alg));
  std::size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, u8(ciphertext), ciphertext.size()) != 1) {
    return ossl::bad_parameter("The ciphertext could not be decrypted with " + std::string(alg) + ".");
  }
  SecureString out(std::string(len, '\0'));
  if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, u8(ciphertext),
                       ciphertext.size()) != 1) {
    return ossl::bad_parameter("The ciphertext could not be decrypted with " + std::string(alg) + ".");
  }
  out.resize(len);
  return out;
}

// One pass of an AES cipher (CBC, CBC-PAD, KW) over `in`.
Result<SecureString> aes_crypt(AesAlg a, bool encrypt, const SecureString& key, std::string_view iv,
                               std::string_view in) {
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return ossl::error("EVP_CIPHER_CTX_new");
  if (a.mode == AesMode::kKw) EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), aes_cipher(a), nullptr, u8(key.view()), iv.empty() ? nullptr : u8(iv),
                        encrypt ? 1 : 0) != 1) {
    return ossl::error("AES init");
  }
  if (a.mode == AesMode::kCbc) EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  SecureString out(std::string(in.size() + 32, '\0'));
  int len = 0;
  int fin = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), o, &len, u8(in), static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), o + len, &fin) != 1) {
    return ossl::bad_parameter(
        encrypt ? "The value could not be encrypted: its length does not suit the algorithm."
                : "The ciphertext could not be decrypted: it is corrupt, or was made with another key.");
  }
  out.resize(static_cast<std::size_t>(len + fin));
  return out;
}

}  // namespace

struct KeyMaterial::Impl {
  ossl::PKey pkey;   // RSA, EC
  SecureString oct;  // oct

  // Signing contexts set up once per algorithm; each signature works on a
  // copy. Setting one up (EVP_PKEY_sign_init, the padding, the digest by
  // name) fetches implementations under OpenSSL's locks: a third of an
  // ES256 signature's cost when done for every request. The key's largest
  // signature is asked of OpenSSL once, with the first template.
  std::mutex sign_mu;
  std::map<std::string, ossl::PKeyCtx, std::less<>> sign_templates;
  std::size_t max_signature = 0;  // under sign_mu

  Result<SignContext> sign_ctx(std::string_view alg, int padding, const EVP_MD* md) {
    std::lock_guard lock(sign_mu);
    auto it = sign_templates.find(alg);
    if (it == sign_templates.end()) {
      if (max_signature == 0) {
        const int most = EVP_PKEY_get_size(pkey.get());
        if (most <= 0) return ossl::error("sign size");
        max_signature = static_cast<std::size_t>(most);
      }
      COFFER_ASSIGN_OR_RETURN(ossl::PKeyCtx made, sign_context(pkey.get(), padding, md));
      it = sign_templates.emplace(std::string(alg), std::move(made)).first;
    }
    SignContext copy{ossl::PKeyCtx(EVP_PKEY_CTX_dup(it->second.get())), max_signature};
    if (!copy.ctx) return ossl::error("EVP_PKEY_CTX_dup");
    return copy;
  }
};

KeyMaterial::KeyMaterial(KeyKind kind, std::unique_ptr<Impl> impl, int bits, std::string crv)
    : kind_(kind), impl_(std::move(impl)), bits_(bits), crv_(std::move(crv)) {}
KeyMaterial::KeyMaterial(KeyMaterial&&) noexcept = default;
KeyMaterial& KeyMaterial::operator=(KeyMaterial&&) noexcept = default;
KeyMaterial::~KeyMaterial() = default;

std::size_t signature_digest_size(std::string_view alg) {
  const EVP_MD* md = signature_md(alg);
  return md ? static_cast<std::size_t>(EVP_MD_get_size(md)) : 0;
}

Result<KeyMaterial> KeyMaterial::generate_rsa(int bits, uint64_t public_exponent) {
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return ossl::bad_parameter("The RSA key size must be 2048, 3072 or 4096 bits.");
  }
  if (public_exponent < 3 || public_exponent % 2 == 0 || public_exponent > 0xFFFFFFFFull) {
    return ossl::bad_parameter("The RSA public exponent must be an odd number from 3 to 2^32-1.");
  }
  SecretBn e(BN_new());
  if (!e || BN_set_word(e.get(), static_cast<BN_ULONG>(public_exponent)) != 1) return ossl::error("BN_set_word");
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ossl::error("RSA key generation");
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(raw);
  return KeyMaterial(KeyKind::kRsa, std::move(impl), bits, {});
}

Result<KeyMaterial> KeyMaterial::generate_ec(std::string_view crv) {
  const EcCurve* c = ossl::find_ec_curve(crv);
  if (!c)
    return ossl::bad_parameter("The curve '" + std::string(crv) +
                               "' is not supported; use P-256, P-384, P-521 or P-256K.");
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_group_name(ctx.get(), c->openssl) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ossl::error("EC key generation");
  }
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(raw);
  return KeyMaterial(KeyKind::kEc, std::move(impl), EVP_PKEY_get_bits(raw), std::string(c->jwk));
}

Result<KeyMaterial> KeyMaterial::generate_oct(int bits) {
  if (bits != 128 && bits != 192 && bits != 256)
    return ossl::bad_parameter("The oct key size must be 128, 192 or 256 bits.");
  auto impl = std::make_unique<Impl>();
  impl->oct = random_bytes(static_cast<std::size_t>(bits / 8));
  return KeyMaterial(KeyKind::kOct, std::move(impl), bits, {});
}

Result<KeyMaterial> KeyMaterial::from_jwk(const Jwk& jwk) {
  auto impl = std::make_unique<Impl>();
  if (jwk.kty == "oct") {
    const std::size_t n = jwk.k.size();
    if (n != 16 && n != 24 && n != 32) return ossl::bad_parameter("The oct key 'k' must be 128, 192 or 256 bits.");
    impl->oct = jwk.k;
    return KeyMaterial(KeyKind::kOct, std::move(impl), static_cast<int>(n * 8), {});
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) return ossl::error("OSSL_PARAM_BLD_new");
  if (jwk.kty == "RSA") {
    COFFER_ASSIGN_OR_RETURN(SecretBn n, to_bn(jwk.n, "n"));
    COFFER_ASSIGN_OR_RETURN(SecretBn e, to_bn(jwk.e, "e"));
    COFFER_ASSIGN_OR_RETURN(SecretBn d, to_bn(jwk.d.view(), "d"));
    COFFER_ASSIGN_OR_RETURN(SecretBn p, to_bn(jwk.p.view(), "p"));
    COFFER_ASSIGN_OR_RETURN(SecretBn q, to_bn(jwk.q.view(), "q"));
    COFFER_ASSIGN_OR_RETURN(SecretBn dp, to_bn(jwk.dp.view(), "dp"));
    COFFER_ASSIGN_OR_RETURN(SecretBn dq, to_bn(jwk.dq.view(), "dq"));
    COFFER_ASSIGN_OR_RETURN(SecretBn qi, to_bn(jwk.qi.view(), "qi"));
    const int bits = BN_num_bits(n.get());
    if (bits < 1024 || bits > 16384) return ossl::bad_parameter("The RSA modulus must be 1024 to 16384 bits.");
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()));
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi.get()));
    COFFER_ASSIGN_OR_RETURN(impl->pkey, from_params("RSA", bld.get()));
    const int rsa_bits = EVP_PKEY_get_bits(impl->pkey.get());  // before impl moves (argument order is unspecified)
    return KeyMaterial(KeyKind::kRsa, std::move(impl), rsa_bits, {});
  }
  if (jwk.kty == "EC") {
    const EcCurve* c = ossl::find_ec_curve(jwk.crv);
    if (!c)
      return ossl::bad_parameter("The curve '" + jwk.crv + "' is not supported; use P-256, P-384, P-521 or P-256K.");
    const auto fb = static_cast<std::size_t>(c->field_bytes);
    if (jwk.x.empty() || jwk.y.empty() || jwk.x.size() > fb || jwk.y.size() > fb) {
      return ossl::bad_parameter("The EC key members 'x' and 'y' must be present and at most " + std::to_string(fb) +
                                 " bytes.");
    }
    std::string point =
        "\x04" + std::string(fb - jwk.x.size(), '\0') + jwk.x + std::string(fb - jwk.y.size(), '\0') + jwk.y;
    COFFER_ASSIGN_OR_RETURN(SecretBn d, to_bn(jwk.d.view(), "d"));
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, c->openssl, 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
      return ossl::error("EC parameters");
    }
    COFFER_RETURN_IF_ERROR(push_bn(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()));
    COFFER_ASSIGN_OR_RETURN(impl->pkey, from_params("EC", bld.get()));
    const int ec_bits = EVP_PKEY_get_bits(impl->pkey.get());  // before impl moves (argument order is unspecified)
    return KeyMaterial(KeyKind::kEc, std::move(impl), ec_bits, std::string(c->jwk));
  }
  return ossl::bad_parameter("The key type (kty) '" + jwk.kty + "' is not supported; use RSA, EC or oct.");
}

Result<SecureString> KeyMaterial::seal_bytes() const {
  if (kind_ == KeyKind::kOct) return SecureString(std::string(1, kTagOct) + impl_->oct.str());
  Pkcs8 info(EVP_PKEY2PKCS8(impl_->pkey.get()));
  if (!info) return ossl::error("EVP_PKEY2PKCS8");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der);
  if (len <= 0) return ossl::error("i2d_PKCS8_PRIV_KEY_INFO");
  SecureString out(std::string(1, kind_ == KeyKind::kRsa ? kTagRsa : kTagEc) +
                   std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(len));
  return out;
}

Result<KeyMaterial> KeyMaterial::from_sealed_bytes(std::string_view bytes) {
  if (bytes.empty()) return Status(Code::kInternal, "empty key record");
  const char tag = bytes[0];
  bytes.remove_prefix(1);
  auto impl = std::make_unique<Impl>();
  if (tag == kTagOct) {
    impl->oct = SecureString(bytes);
    return KeyMaterial(KeyKind::kOct, std::move(impl), static_cast<int>(bytes.size() * 8), {});
  }
  if (tag != kTagRsa && tag != kTagEc) return Status(Code::kInternal, "unknown key record kind");
  const unsigned char* p = u8(bytes);
  Pkcs8 info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(bytes.size())));
  if (!info) return ossl::error("d2i_PKCS8_PRIV_KEY_INFO");
  ossl::PKey pkey(EVP_PKCS82PKEY(info.get()));
  if (!pkey) return ossl::error("EVP_PKCS82PKEY");
  return from_pkey(pkey.release());
}

Result<KeyMaterial> KeyMaterial::from_private_pem(std::string_view pem) {
  if (!fits_openssl_int(pem)) return ossl::bad_parameter("The PEM file is too large.");
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return ossl::error("BIO_new_mem_buf");
  ossl::PKey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return ossl::bad_parameter("The file holds no unencrypted PEM private key.");
  return from_pkey(pkey.release());
}

Result<KeyMaterial> KeyMaterial::from_public_jwk(const Jwk& jwk) {
  if (jwk.kty != "RSA" && jwk.kty != "EC") return ossl::bad_parameter("Only RSA and EC keys have a public half.");
  COFFER_ASSIGN_OR_RETURN(ossl::PKey pkey, public_pkey_from_jwk(jwk));
  return from_pkey(pkey.release());
}

Result<KeyMaterial> KeyMaterial::from_pkey(evp_pkey_st* owned) {
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(owned);
  EVP_PKEY* k = impl->pkey.get();
  const int bits = EVP_PKEY_get_bits(k);
  if (EVP_PKEY_is_a(k, "RSA")) return KeyMaterial(KeyKind::kRsa, std::move(impl), bits, {});
  if (!EVP_PKEY_is_a(k, "EC")) return ossl::bad_parameter("Only RSA and EC private keys are supported.");
  char group[64] = {};
  std::size_t glen = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &glen) != 1) {
    return ossl::error("EC group");
  }
  if (const EcCurve* c = ossl::find_ec_curve_by_group(std::string_view(group, glen))) {
    return KeyMaterial(KeyKind::kEc, std::move(impl), bits, std::string(c->jwk));
  }
  return ossl::bad_parameter("The EC curve " + std::string(group, glen) +
                             " is not supported; use P-256, P-384, P-521 or P-256K.");
}

Jwk KeyMaterial::public_jwk() const {
  Jwk j;
  switch (kind_) {
    case KeyKind::kOct: j.kty = "oct"; break;
    case KeyKind::kRsa: {
      j.kty = "RSA";
      auto n = bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_N);
      auto e = bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_RSA_E);
      if (n.ok()) j.n = n->str();
      if (e.ok()) j.e = e->str();
      break;
    }
    case KeyKind::kEc: {
      j.kty = "EC";
      j.crv = crv_;
      const int fb = ossl::find_ec_curve(crv_)->field_bytes;
      auto x = bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, fb);
      auto y = bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, fb);
      if (x.ok()) j.x = x->str();
      if (y.ok()) j.y = y->str();
      break;
    }
  }
  return j;
}

Result<Jwk> KeyMaterial::private_jwk() const {
  Jwk j = public_jwk();
  if (kind_ == KeyKind::kOct) {
    j.k = impl_->oct;
  } else if (kind_ == KeyKind::kEc) {
    COFFER_ASSIGN_OR_RETURN(
        j.d, bn_param(impl_->pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, ossl::find_ec_curve(crv_)->field_bytes));
  } else {
    EVP_PKEY* k = impl_->pkey.get();
    COFFER_ASSIGN_OR_RETURN(j.d, bn_param(k, OSSL_PKEY_PARAM_RSA_D));
    COFFER_ASSIGN_OR_RETURN(j.p, bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1));
    COFFER_ASSIGN_OR_RETURN(j.q, bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2));
    COFFER_ASSIGN_OR_RETURN(j.dp, bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT1));
    COFFER_ASSIGN_OR_RETURN(j.dq, bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT2));
    COFFER_ASSIGN_OR_RETURN(j.qi, bn_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  }
  return j;
}

Result<std::string> KeyMaterial::public_pem() const {
  if (kind_ == KeyKind::kOct) return ossl::bad_parameter("A symmetric key has no public part.");
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl_->pkey.get()) != 1) return ossl::error("PEM_write_bio_PUBKEY");
  return ossl::bio_contents(bio.get());
}

bool algorithm_fits(KeyKind kind, int bits, std::string_view crv, KeyUse use, std::string_view alg) {
  switch (kind) {
    case KeyKind::kRsa: return use == KeyUse::kSignature ? is_rsa_sig(alg) : is_rsa_enc(alg);
    case KeyKind::kEc: {
      const EcCurve* c = ossl::find_ec_curve(crv);
      return use == KeyUse::kSignature && c && c->alg == alg;
    }
    case KeyKind::kOct: {
      if (use == KeyUse::kSignature) return false;
      const AesAlg a = aes_alg(alg);
      return a.bits == bits &&
             (use == KeyUse::kWrap ? a.mode == AesMode::kKw : a.mode != AesMode::kNone && a.mode != AesMode::kKw);
    }
  }
  return false;
}

bool KeyMaterial::fits_signature(std::string_view alg) const {
  return algorithm_fits(kind_, bits_, crv_, KeyUse::kSignature, alg);
}

bool KeyMaterial::fits_encryption(std::string_view alg) const {
  return algorithm_fits(kind_, bits_, crv_, KeyUse::kEncryption, alg);
}

bool KeyMaterial::fits_wrap(std::string_view alg) const {
  return algorithm_fits(kind_, bits_, crv_, KeyUse::kWrap, alg);
}

namespace {
Status alg_mismatch(std::string_view alg, std::string_view what) {
  return ossl::bad_parameter("The algorithm '" + std::string(alg) + "' is not valid for " + std::string(what) +
                             " with this key.");
}
}  // namespace

Result<std::string> KeyMaterial::sign(std::string_view alg, std::string_view digest) const {
  if (!fits_signature(alg)) return alg_mismatch(alg, "signing");
  const EVP_MD* md = signature_md(alg);
  if (digest.size() != static_cast<std::size_t>(EVP_MD_get_size(md))) {
    return ossl::bad_parameter("The digest must be " + std::to_string(EVP_MD_get_size(md)) + " bytes for " +
                               std::string(alg) + ".");
  }
  if (kind_ == KeyKind::kRsa) {
    COFFER_ASSIGN_OR_RETURN(SignContext ctx,
                            impl_->sign_ctx(alg, alg[0] == 'P' ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING, md));
    return sign_with(ctx, digest);
  }
  COFFER_ASSIGN_OR_RETURN(SignContext ctx, impl_->sign_ctx(alg, 0, md));
  COFFER_ASSIGN_OR_RETURN(std::string der, sign_with(ctx, digest));
  const unsigned char* p = u8(der);
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::error("d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  const int fb = ossl::find_ec_curve(crv_)->field_bytes;
  std::string out(static_cast<std::size_t>(2 * fb), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, fb) != fb || BN_bn2binpad(s, o + fb, fb) != fb) return ossl::error("ECDSA r||s");
  return out;
}

Result<bool> KeyMaterial::verify(std::string_view alg, std::string_view digest, std::string_view signature) const {
  if (!fits_signature(alg)) return alg_mismatch(alg, "verification");
  const EVP_MD* md = signature_md(alg);
  if (digest.size() != static_cast<std::size_t>(EVP_MD_get_size(md))) {
    return ossl::bad_parameter("The digest must be " + std::to_string(EVP_MD_get_size(md)) + " bytes for " +
                               std::string(alg) + ".");
  }
  if (kind_ == KeyKind::kRsa) {
    return pkey_verify(impl_->pkey.get(), digest, signature, alg[0] == 'P' ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING,
                       md);
  }
  const auto fb = static_cast<std::size_t>(ossl::find_ec_curve(crv_)->field_bytes);
  if (signature.size() != 2 * fb) return false;
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(u8(signature), static_cast<int>(fb), nullptr);
  BIGNUM* s = BN_bin2bn(u8(signature.substr(fb)), static_cast<int>(fb), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return ossl::error("ECDSA_SIG_set0");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return ossl::error("i2d_ECDSA_SIG");
  std::string der_sig(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return pkey_verify(impl_->pkey.get(), digest, der_sig, 0, md);
}

Result<CipherResult> KeyMaterial::encrypt(std::string_view alg, std::string_view plaintext, std::string_view iv,
                                          std::string_view aad) const {
  if (!fits_encryption(alg)) return alg_mismatch(alg, "encryption");
  if (!fits_openssl_int(plaintext) || !fits_openssl_int(aad)) return ossl::bad_parameter("The value is too large.");
  CipherResult out;
  if (kind_ == KeyKind::kRsa) {
    COFFER_ASSIGN_OR_RETURN(out.value, rsa_encrypt(impl_->pkey.get(), alg, plaintext));
    return out;
  }
  const AesAlg a = aes_alg(alg);
  if (a.mode == AesMode::kGcm) {
    if (!iv.empty() && iv.size() != 12) return ossl::bad_parameter("The iv for AES-GCM must be 12 bytes.");
    out.iv = iv.empty() ? random_bytes(12).str() : std::string(iv);
    ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
    out.value.assign(plaintext.size(), '\0');
    out.tag.assign(16, '\0');
    int len = 0;
    int fin = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.value.data());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), aes_cipher(a), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, u8(impl_->oct.view()), u8(out.iv)) != 1 ||
        (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(aad), static_cast<int>(aad.size())) != 1) ||
        EVP_EncryptUpdate(ctx.get(), o, &len, u8(plaintext), static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.tag.data()) != 1) {
      return ossl::error("AES-GCM encrypt");
    }
    return out;
  }
  if (!iv.empty() && iv.size() != 16) return ossl::bad_parameter("The iv for AES-CBC must be 16 bytes.");
  if (a.mode == AesMode::kCbc && (plaintext.empty() || plaintext.size() % 16 != 0)) {
    return ossl::bad_parameter("The value for " + std::string(alg) + " must be a non-empty multiple of 16 bytes; use " +
                               std::string(alg) + "PAD for other lengths.");
  }
  out.iv = iv.empty() ? random_bytes(16).str() : std::string(iv);
  COFFER_ASSIGN_OR_RETURN(SecureString ct, aes_crypt(a, true, impl_->oct, out.iv, plaintext));
  out.value = ct.str();
  return out;
}

Result<SecureString> KeyMaterial::decrypt(std::string_view alg, std::string_view ciphertext, std::string_view iv,
                                          std::string_view aad, std::string_view tag) const {
  if (!fits_encryption(alg)) return alg_mismatch(alg, "decryption");
  if (!fits_openssl_int(ciphertext) || !fits_openssl_int(aad)) return ossl::bad_parameter("The value is too large.");
  if (kind_ == KeyKind::kRsa) return rsa_decrypt(impl_->pkey.get(), alg, ciphertext);
  const AesAlg a = aes_alg(alg);
  if (a.mode == AesMode::kGcm) {
    if (iv.size() != 12) return ossl::bad_parameter("Decryption with AES-GCM needs the 12-byte iv.");
    if (tag.size() != 16) return ossl::bad_parameter("Decryption with AES-GCM needs the 16-byte authentication tag.");
    ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
    SecureString out(std::string(ciphertext.size() + 16, '\0'));
    int len = 0;
    int fin = 0;
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    std::string tag_copy(tag);
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), aes_cipher(a), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, u8(impl_->oct.view()), u8(iv)) != 1) {
      return ossl::error("AES-GCM init");
    }
    if ((!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(aad), static_cast<int>(aad.size())) != 1) ||
        EVP_DecryptUpdate(ctx.get(), o, &len, u8(ciphertext), static_cast<int>(ciphertext.size())) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag_copy.data()) != 1 ||
        EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) != 1) {
      return ossl::bad_parameter("The ciphertext could not be decrypted: the iv, aad, tag or key does not match.");
    }
    out.resize(static_cast<std::size_t>(len + fin));
    return out;
  }
  if (iv.size() != 16) return ossl::bad_parameter("Decryption with AES-CBC needs the 16-byte iv.");
  if (ciphertext.empty() || ciphertext.size() % 16 != 0) {
    return ossl::bad_parameter("The ciphertext for " + std::string(alg) + " must be a non-empty multiple of 16 bytes.");
  }
  return aes_crypt(a, false, impl_->oct, iv, ciphertext);
}

Result<std::string> KeyMaterial::wrap(std::string_view alg, std::string_view key) const {
  if (!fits_wrap(alg)) return alg_mismatch(alg, "key wrapping");
  if (kind_ == KeyKind::kRsa) return rsa_encrypt(impl_->pkey.get(), alg, key);
  if (key.size() < 16 || key.size() % 8 != 0 || !fits_openssl_int(key)) {
    return ossl::bad_parameter("The key to wrap with " + std::string(alg) +
                               " must be at least 16 bytes and a multiple of 8.");
  }
  COFFER_ASSIGN_OR_RETURN(SecureString out, aes_crypt(aes_alg(alg), true, impl_->oct, {}, key));
  return out.str();
}

Result<SecureString> KeyMaterial::unwrap(std::string_view alg, std::string_view wrapped) const {
  if (!fits_wrap(alg)) return alg_mismatch(alg, "key unwrapping");
  if (kind_ == KeyKind::kRsa) return rsa_decrypt(impl_->pkey.get(), alg, wrapped);
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0 || !fits_openssl_int(wrapped)) {
    return ossl::bad_parameter("The wrapped key for " + std::string(alg) +
                               " must be at least 24 bytes and a multiple of 8.");
  }
  return aes_crypt(aes_alg(alg), false, impl_->oct, {}, wrapped);
}

EVP_PKEY* KeyMaterialAccess::pkey(const KeyMaterial& key) {
  return key.kind_ == KeyKind::kOct ? nullptr : key.impl_->pkey.get();
}

Result<KeyMaterial> KeyMaterialAccess::from_pkey(ossl::PKey private_key) {
  if (!private_key) return Status(Code::kInternal, "no key");
  return KeyMaterial::from_pkey(private_key.release());
}

}  // namespace coffer::crypto
