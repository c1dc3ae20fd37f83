#include "crypto/pkcs12.hpp"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>

#include "crypto/certificate_internal.hpp"
#include "crypto/key_material_internal.hpp"

namespace coffer::crypto {
namespace {

constexpr std::size_t kMaxPfxSize = 16 << 20;
constexpr int kMaxBagDepth = 4;  // nesting of safeContents bags

using ossl::Owned;
using Pkcs12Ptr = Owned<PKCS12, PKCS12_free>;
using ossl::Pkcs8;
void free_p7_stack(STACK_OF(PKCS7) * s) { sk_PKCS7_pop_free(s, PKCS7_free); }
void free_bag_stack(STACK_OF(PKCS12_SAFEBAG) * s) { sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free); }
using P7Stack = Owned<STACK_OF(PKCS7), free_p7_stack>;
using BagStack = Owned<STACK_OF(PKCS12_SAFEBAG), free_bag_stack>;
void free_x509_stack_only(STACK_OF(X509) * s) { sk_X509_free(s); }  // not the certificates: borrowed
using BorrowedX509s = Owned<STACK_OF(X509), free_x509_stack_only>;

Status unreadable_pfx(std::string_view why) {
  return ossl::bad_parameter("The PKCS#12 (PFX) content can not be read: " + std::string(why));
}

// A library context with the default and legacy providers, made once, for
// bags encrypted with legacy ciphers; nullptr if the legacy provider is absent.
OSSL_LIB_CTX* legacy_context() {
  static OSSL_LIB_CTX* const ctx = [] {
    OSSL_LIB_CTX* c = OSSL_LIB_CTX_new();
    if (c != nullptr && (OSSL_PROVIDER_load(c, "default") == nullptr || OSSL_PROVIDER_load(c, "legacy") == nullptr)) {
      OSSL_LIB_CTX_free(c);
      c = nullptr;
    }
    ERR_clear_error();
    return c;
  }();
  return ctx;
}

// The password as OpenSSL takes it: nullptr (no password) or a NUL-terminated string.
struct Password {
  const char* text;
  int length;
};

struct Contents {
  std::vector<ossl::PKey> keys;
  std::vector<Certificate> certs;
};

enum class Walk { kOk, kDecryptFailed, kMalformed };

Walk read_bags(const STACK_OF(PKCS12_SAFEBAG) * bags, Password pw, OSSL_LIB_CTX* ctx, int depth, Contents& out) {
  if (depth > kMaxBagDepth) return Walk::kMalformed;
  for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); ++i) {
    const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, i);
    switch (PKCS12_SAFEBAG_get_nid(bag)) {
      case NID_keyBag: {
        const PKCS8_PRIV_KEY_INFO* p8 = PKCS12_SAFEBAG_get0_p8inf(bag);
        ossl::PKey key(p8 != nullptr ? EVP_PKCS82PKEY(p8) : nullptr);
        if (!key) return Walk::kMalformed;
        out.keys.push_back(std::move(key));
        break;
      }
      case NID_pkcs8ShroudedKeyBag: {
        Pkcs8 p8(PKCS12_decrypt_skey_ex(bag, pw.text, pw.length, ctx, nullptr));
        if (!p8) return Walk::kDecryptFailed;
        ossl::PKey key(EVP_PKCS82PKEY(p8.get()));
        if (!key) return Walk::kMalformed;
        out.keys.push_back(std::move(key));
        break;
      }
      case NID_certBag: {
        if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate) break;  // SDSI certificates: ignored
        ossl::X509Ptr x509(PKCS12_SAFEBAG_get1_cert(bag));
        if (!x509) return Walk::kMalformed;
        auto cert = CertificateAccess::from_x509(x509.get());
        if (!cert.ok()) return Walk::kMalformed;
        out.certs.push_back(std::move(*cert));
        break;
      }
      case NID_safeContentsBag: {
        const Walk w = read_bags(PKCS12_SAFEBAG_get0_safes(bag), pw, ctx, depth + 1, out);
        if (w != Walk::kOk) return w;
        break;
      }
      default: break;  // CRL and secret bags: not ours
    }
  }
  return Walk::kOk;
}

// Every key and certificate of `p12`, decrypting with `pw` in library context `ctx`.
Walk read_contents(const PKCS12* p12, Password pw, OSSL_LIB_CTX* ctx, Contents& out) {
  P7Stack safes(PKCS12_unpack_authsafes(p12));
  if (!safes) return Walk::kMalformed;
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* p7 = sk_PKCS7_value(safes.get(), i);
    BagStack bags;
    const int type = OBJ_obj2nid(p7->type);
    if (type == NID_pkcs7_data) {
      bags.reset(PKCS12_unpack_p7data(p7));
      if (!bags) return Walk::kMalformed;
    } else if (type == NID_pkcs7_encrypted) {
      const PKCS7_ENC_CONTENT* enc = p7->d.encrypted != nullptr ? p7->d.encrypted->enc_data : nullptr;
      if (enc == nullptr || enc->enc_data == nullptr) return Walk::kMalformed;
      bags.reset(static_cast<STACK_OF(PKCS12_SAFEBAG)*>(PKCS12_item_decrypt_d2i_ex(
          enc->algorithm, ASN1_ITEM_rptr(PKCS12_SAFEBAGS), pw.text, pw.length, enc->enc_data, 1, ctx, nullptr)));
      if (!bags) return Walk::kDecryptFailed;
    } else {
      return Walk::kMalformed;  // public-key privacy mode (enveloped data): not supported
    }
    const Walk w = read_bags(bags.get(), pw, ctx, 0, out);
    if (w != Walk::kOk) return w;
  }
  return Walk::kOk;
}

}  // namespace

Result<KeyAndChain> parse_pkcs12(std::string_view der, std::string_view password) {
  if (der.empty() || der.size() > kMaxPfxSize) return unreadable_pfx("it is empty or larger than 16 MiB.");
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) return unreadable_pfx("it is not a PKCS#12 file.");
  const SecureString pass(password);  // NUL-terminated copy, wiped
  if (pass.size() > 1024) return unreadable_pfx("the password is longer than 1024 characters.");
  const Password given{pass.data(), static_cast<int>(pass.size())};

  // The candidate passwords: the one given, or for "" both no password and "".
  std::vector<Password> candidates;
  if (password.empty()) {
    candidates = {Password{nullptr, 0}, Password{"", 0}};
  } else {
    candidates = {given};
  }
  const bool has_mac = PKCS12_mac_present(p12.get()) == 1;
  if (has_mac) {
    std::vector<Password> verified;
    for (const Password& pw : candidates) {
      ERR_clear_error();
      if (PKCS12_verify_mac(p12.get(), pw.text, pw.length) == 1) {
        verified.push_back(pw);
        break;
      }
      if (ERR_peek_error() != 0) return unreadable_pfx("its integrity check (MAC) uses an unsupported algorithm.");
    }
    if (verified.empty()) {
      return ossl::bad_parameter(password.empty()
                                     ? "The PKCS#12 (PFX) content is protected by a password; none was given."
                                     : "The password for the PKCS#12 (PFX) content is not correct.");
    }
    candidates = verified;
  }

  // The default library context first; the legacy one only when that cannot decrypt.
  Contents contents;
  Walk walk = Walk::kDecryptFailed;
  for (int attempt = 0; attempt < 2 && walk == Walk::kDecryptFailed; ++attempt) {
    OSSL_LIB_CTX* ctx = attempt == 0 ? nullptr : legacy_context();
    if (attempt == 1 && ctx == nullptr) break;
    for (const Password& pw : candidates) {
      contents = Contents{};
      walk = read_contents(p12.get(), pw, ctx, contents);
      if (walk != Walk::kDecryptFailed) break;
    }
  }
  ERR_clear_error();
  if (walk == Walk::kMalformed) return unreadable_pfx("its content is malformed or of an unsupported kind.");
  if (walk == Walk::kDecryptFailed) {
    return unreadable_pfx(has_mac ? "it is encrypted with an unsupported algorithm."
                                  : "the password is not correct, or it is encrypted with an unsupported algorithm.");
  }
  if (contents.keys.size() > 1) return unreadable_pfx("it holds more than one private key.");
  if (contents.certs.empty()) return unreadable_pfx("it holds no X.509 certificate.");

  KeyAndChain out;
  COFFER_ASSIGN_OR_RETURN(out.chain, order_chain(std::move(contents.certs)));
  if (!contents.keys.empty()) {
    auto key = KeyMaterialAccess::from_pkey(std::move(contents.keys.front()));
    if (!key.ok()) return unreadable_pfx(key.status().message());
    out.key = std::move(*key);
  }
  COFFER_RETURN_IF_ERROR(check_key_and_chain(out.key ? &*out.key : nullptr, out.chain));
  return out;
}

Result<SecureString> make_pkcs12(const KeyMaterial* key, const std::vector<Certificate>& chain) {
  COFFER_RETURN_IF_ERROR(check_key_and_chain(key, chain));
  BorrowedX509s extra(sk_X509_new_null());
  if (!extra) return ossl::error("sk_X509_new_null");
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (sk_X509_push(extra.get(), CertificateAccess::x509(chain[i])) <= 0) return ossl::error("sk_X509_push");
  }
  EVP_PKEY* pkey = key != nullptr ? KeyMaterialAccess::pkey(*key) : nullptr;
  // nid 0: PBES2/AES-256-CBC for key and certificates; iter 0: 2048; mac_iter -1: MAC added below.
  Pkcs12Ptr p12(PKCS12_create_ex("", nullptr, pkey, CertificateAccess::x509(chain.front()), extra.get(), 0, 0, 0, -1, 0,
                                 nullptr, nullptr));
  if (!p12) return ossl::error("PKCS12_create");
  if (PKCS12_set_mac(p12.get(), "", 0, nullptr, 0, PKCS12_DEFAULT_ITER, EVP_sha256()) != 1) {
    return ossl::error("PKCS12_set_mac");
  }
  unsigned char* der = nullptr;
  const int len = i2d_PKCS12(p12.get(), &der);
  if (len <= 0) return ossl::error("i2d_PKCS12");
  SecureString out(std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(len));
  return out;
}

}  // namespace coffer::crypto
