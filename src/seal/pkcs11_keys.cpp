// AKV keys in a PKCS#11 token (pkcs11_keys.hpp). Kept out of unity batches
// (CMakeLists.txt): it includes pkcs11_internal.hpp.
#include "seal/pkcs11_keys.hpp"

#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "crypto/random.hpp"
#include "seal/pkcs11_internal.hpp"

namespace coffer::seal {
namespace {

using crypto::HardwareKeyRef;
using crypto::KeyKind;
using crypto::KeyUse;
using p11::bytes_of;
using p11::hsm_error;
using Lease = p11::TokenSessions::Lease;

Status alg_mismatch(std::string_view alg, std::string_view what) {
  return bad_parameter("The algorithm '" + std::string(alg) + "' is not valid for " + std::string(what) +
                       " with this key.");
}

Status key_missing(const HardwareKeyRef& key, const std::string& token) {
  return Status(Code::kUnavailable,
                "HSM: the key material of this key is not in token '" + token + "' (it was removed from the token).",
                "HsmKeyMissing");
}

// CKR codes that mean the input, not the token, is wrong.
bool bad_input(ck_rv_t rv) {
  return rv == CKR_DATA_INVALID || rv == CKR_DATA_LEN_RANGE || rv == CKR_ENCRYPTED_DATA_INVALID ||
         rv == CKR_ENCRYPTED_DATA_LEN_RANGE || rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_WRAPPED_KEY_LEN_RANGE;
}

struct SignAlgorithm {
  std::size_t digest_size;
  ck_mechanism_type_t mechanism;
  std::string_view digest_info;  // RS*: the DER prefix before the digest
  ck_mechanism_type_t hash;      // PS*
  ck_rsa_pkcs_mgf_type_t mgf;    // PS*
};

const SignAlgorithm* sign_algorithm(std::string_view alg) {
  using namespace std::string_view_literals;
  static const std::map<std::string_view, SignAlgorithm> table = {
      {"RS256",
       {32, CKM_RSA_PKCS, "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"sv, 0, 0}},
      {"RS384",
       {48, CKM_RSA_PKCS, "\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30"sv, 0, 0}},
      {"RS512",
       {64, CKM_RSA_PKCS, "\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00\x04\x40"sv, 0, 0}},
      {"PS256", {32, CKM_RSA_PKCS_PSS, {}, CKM_SHA256, CKG_MGF1_SHA256}},
      {"PS384", {48, CKM_RSA_PKCS_PSS, {}, CKM_SHA384, CKG_MGF1_SHA384}},
      {"PS512", {64, CKM_RSA_PKCS_PSS, {}, CKM_SHA512, CKG_MGF1_SHA512}},
      {"ES256", {32, CKM_ECDSA, {}, 0, 0}},
      {"ES384", {48, CKM_ECDSA, {}, 0, 0}},
      {"ES512", {64, CKM_ECDSA, {}, 0, 0}}};
  auto it = table.find(alg);
  return it == table.end() ? nullptr : &it->second;
}

const std::map<std::string_view, std::string>& curve_oids() {
  static const std::map<std::string_view, std::string> oids = {
      {"P-256", std::string("\x06\x08\x2A\x86\x48\xCE\x3D\x03\x01\x07", 10)},
      {"P-384", std::string("\x06\x05\x2B\x81\x04\x00\x22", 7)},
      {"P-521", std::string("\x06\x05\x2B\x81\x04\x00\x23", 7)}};
  return oids;
}

// CKA_EC_POINT comes DER-wrapped (OCTET STRING) from SoftHSM; the raw point from some vendors.
[[gnu::noinline]] std::string unwrap_ec_point(std::string_view der) {  // (inlined, GCC 12 warns falsely)
  const auto* b = reinterpret_cast<const unsigned char*>(der.data());
  if (der.size() > 2 && b[0] == 0x04) {
    std::size_t len = b[1];
    std::size_t header = 2;
    if (len == 0x81 && der.size() > 3) {
      len = b[2];
      header = 3;
    }
    if (header + len == der.size()) return std::string(der.substr(header));
  }
  return std::string(der);
}

// The AES mode an algorithm that fits the key names (A128GCM → "GCM").
std::string_view aes_mode(std::string_view alg) { return alg.substr(4); }

// Single-part C_Encrypt / C_Decrypt with `mech` (output sized by asking first).
Result<std::string> crypt(struct ck_function_list* f, Lease& lease, ck_object_handle_t key, struct ck_mechanism* mech,
                          bool decrypting, std::string_view input) {
  const ck_session_handle_t s = lease.get();
  ck_rv_t rv = decrypting ? f->C_DecryptInit(s, mech, key) : f->C_EncryptInit(s, mech, key);
  if (rv != CKR_OK) {
    if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) {
      return Status(Code::kBadParameter, "The algorithm is not supported by this HSM.", "HsmAlgorithmUnsupported");
    }
    return hsm_error(decrypting ? "C_DecryptInit" : "C_EncryptInit", rv);
  }
  lease.set_broken(true);  // until the operation completes: a session left mid-operation is closed
  // The output's length first (a NULL buffer keeps the operation active), then the output.
  unsigned long len = 0;
  rv = decrypting ? f->C_Decrypt(s, bytes_of(input), input.size(), nullptr, &len)
                  : f->C_Encrypt(s, bytes_of(input), input.size(), nullptr, &len);
  std::string out(len, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (rv == CKR_OK) {
    rv = decrypting ? f->C_Decrypt(s, bytes_of(input), input.size(), o, &len)
                    : f->C_Encrypt(s, bytes_of(input), input.size(), o, &len);
  }
  if (rv != CKR_OK) {
    secure_wipe(out.data(), out.size());
    if (bad_input(rv) || (decrypting && (rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR))) {
      return bad_parameter(decrypting ? "Decryption failed." : "The value cannot be encrypted with this algorithm.");
    }
    return hsm_error(decrypting ? "C_Decrypt" : "C_Encrypt", rv);
  }
  lease.set_broken(false);
  out.resize(len);
  return out;
}

}  // namespace

// The handles of the key objects found so far, by class and CKA_ID. Objects
// are made and destroyed one at a time, and not while an operation searches
// for its key: SoftHSM 2.6 (file store) fails a C_GenerateKeyPair that races
// a search (CKR_GENERAL_ERROR).
struct Pkcs11Keys::ObjectIndex {
  std::shared_mutex mu;  // shared: searches; exclusive: making and destroying objects
  std::mutex handles_mu;
  std::map<std::string, ck_object_handle_t, std::less<>> handles;

  static std::string slot(const HardwareKeyRef& key, ck_object_class_t cls) {
    return std::to_string(cls) + ':' + key.id;
  }
  // The object of `cls` with the key's CKA_ID: the handle found before, or a search on `on`.
  Result<ck_object_handle_t> find(p11::TokenSessions& t, ck_session_handle_t on, const HardwareKeyRef& key,
                                  ck_object_class_t cls) {
    const std::string k = slot(key, cls);
    {
      std::lock_guard lock(handles_mu);
      if (auto it = handles.find(k); it != handles.end()) return it->second;
    }
    struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, bytes_of(key.id), key.id.size()}};
    std::shared_lock search(mu);
    COFFER_ASSIGN_OR_RETURN(auto found, p11::find_objects(t.f(), on, tmpl, 2));
    if (found.size() != 1) return key_missing(key, t.token_label());
    std::lock_guard lock(handles_mu);
    handles[k] = found[0];
    return found[0];
  }
  // Forgets the handles of `id` (destroyed, or found stale).
  void forget(std::string_view id) {
    std::lock_guard lock(handles_mu);
    for (auto it = handles.begin(); it != handles.end();) {
      const std::string_view k = it->first;
      it = k.substr(k.find(':') + 1) == id ? handles.erase(it) : std::next(it);
    }
  }
  void forget_all() {
    std::lock_guard lock(handles_mu);
    handles.clear();
  }
};

namespace {

// Runs `op`; when the token lost its sessions, logs in again, or when a kept
// handle went stale, searches again; then runs it once more.
template <class Op>
auto retrying(p11::TokenSessions& t, Pkcs11Keys::ObjectIndex& objects, std::string_view id, Op op) -> decltype(op()) {
  auto r = op();
  if (r.ok()) return r;
  if (r.status().reason() == "HsmSessionLost") {
    objects.forget_all();
    if (Status s = t.relogin(); !s.ok()) return s;
  } else if (r.status().reason() == "HsmHandleStale") {
    objects.forget(id);
  } else {
    return r;
  }
  return op();
}

}  // namespace

Pkcs11Keys::Pkcs11Keys(std::unique_ptr<p11::TokenSessions> sessions)
    : sessions_(std::move(sessions)), objects_(std::make_unique<ObjectIndex>()) {}
Pkcs11Keys::~Pkcs11Keys() = default;

Result<std::unique_ptr<Pkcs11Keys>> Pkcs11Keys::open(const Pkcs11Options& o) {
  COFFER_ASSIGN_OR_RETURN(auto sessions, p11::TokenSessions::open(o.lib, o.token_label, o.pin));
  return std::unique_ptr<Pkcs11Keys>(new Pkcs11Keys(std::move(sessions)));
}

const std::string& Pkcs11Keys::token() const { return sessions_->token_label(); }

namespace {

// A key pair of `mechanism` made in the token; its public half's handle.
Result<ck_object_handle_t> generate_pair(struct ck_function_list* f, ck_session_handle_t s,
                                         ck_mechanism_type_t mechanism, std::vector<struct ck_attribute> pub,
                                         std::vector<struct ck_attribute> priv) {
  struct ck_mechanism mech {
    mechanism, nullptr, 0
  };
  ck_object_handle_t public_key = 0, private_key = 0;
  if (ck_rv_t rv =
          f->C_GenerateKeyPair(s, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &public_key, &private_key);
      rv != CKR_OK) {
    return hsm_error("C_GenerateKeyPair", rv);
  }
  return public_key;
}

}  // namespace

Result<crypto::Jwk> Pkcs11Keys::generate(const HardwareKeyRef& ref, std::string_view label) {
  std::unique_lock lock(objects_->mu);
  COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
  auto* f = sessions_->f();
  const ck_session_handle_t s = lease.get();
  unsigned char yes = 1, no = 0;
  crypto::Jwk out;
  if (ref.kind == KeyKind::kOct) {
    if (ref.bits != 128 && ref.bits != 192 && ref.bits != 256) {
      return bad_parameter("The oct-HSM key size must be 128, 192 or 256 bits.");
    }
    ck_object_class_t cls = CKO_SECRET_KEY;
    ck_key_type_t type = CKK_AES;
    unsigned long len = static_cast<unsigned long>(ref.bits / 8);
    auto tmpl = p11::key_template({{CKA_CLASS, &cls, sizeof cls},
                                   {CKA_KEY_TYPE, &type, sizeof type},
                                   {CKA_VALUE_LEN, &len, sizeof len},
                                   {CKA_ENCRYPT, &yes, 1},
                                   {CKA_DECRYPT, &yes, 1},
                                   {CKA_WRAP, &yes, 1},
                                   {CKA_UNWRAP, &yes, 1}},
                                  true, ref.id, label);
    struct ck_mechanism mech {
      CKM_AES_KEY_GEN, nullptr, 0
    };
    ck_object_handle_t handle = 0;
    if (ck_rv_t rv = f->C_GenerateKey(s, &mech, tmpl.data(), tmpl.size(), &handle); rv != CKR_OK) {
      return hsm_error("C_GenerateKey", rv);
    }
    out.kty = "oct";
    return out;
  }
  if (ref.kind == KeyKind::kRsa) {
    if (ref.bits != 2048 && ref.bits != 3072 && ref.bits != 4096) {
      return bad_parameter("The RSA-HSM key size must be 2048, 3072 or 4096 bits.");
    }
    unsigned long modulus_bits = static_cast<unsigned long>(ref.bits);
    unsigned char exponent[] = {0x01, 0x00, 0x01};
    COFFER_ASSIGN_OR_RETURN(
        ck_object_handle_t public_key,
        generate_pair(f, s, CKM_RSA_PKCS_KEY_PAIR_GEN,
                      p11::key_template({{CKA_MODULUS_BITS, &modulus_bits, sizeof modulus_bits},
                                         {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent},
                                         {CKA_VERIFY, &yes, 1},
                                         {CKA_ENCRYPT, &yes, 1},
                                         {CKA_WRAP, &yes, 1}},
                                        false, ref.id, label),
                      p11::key_template({{CKA_SIGN, &yes, 1}, {CKA_DECRYPT, &yes, 1}, {CKA_UNWRAP, &yes, 1}}, true,
                                        ref.id, label)));
    out.kty = "RSA";
    COFFER_ASSIGN_OR_RETURN(out.n, p11::attribute(f, s, public_key, CKA_MODULUS));
    COFFER_ASSIGN_OR_RETURN(out.e, p11::attribute(f, s, public_key, CKA_PUBLIC_EXPONENT));
    return out;
  }
  auto oid = curve_oids().find(ref.crv);
  if (oid == curve_oids().end()) return bad_parameter("The HSM makes EC keys on P-256, P-384 and P-521.");
  COFFER_ASSIGN_OR_RETURN(
      ck_object_handle_t public_key,
      generate_pair(
          f, s, CKM_EC_KEY_PAIR_GEN,
          p11::key_template({{CKA_EC_PARAMS, bytes_of(oid->second), oid->second.size()}, {CKA_VERIFY, &yes, 1}}, false,
                            ref.id, label),
          p11::key_template({{CKA_SIGN, &yes, 1}, {CKA_DERIVE, &no, 1}}, true, ref.id, label)));
  COFFER_ASSIGN_OR_RETURN(std::string der, p11::attribute(f, s, public_key, CKA_EC_POINT));
  const std::string point = unwrap_ec_point(der);
  const std::size_t coord = (point.size() - 1) / 2;
  if (point.size() < 3 || point[0] != '\x04' || point.size() != 2 * coord + 1) {
    return Status(Code::kUnavailable, "HSM: the token returned an EC point Coffer cannot read.", "HsmUnavailable");
  }
  out.kty = "EC";
  out.crv = ref.crv;
  out.x = point.substr(1, coord);
  out.y = point.substr(1 + coord);
  return out;
}

Result<std::string> Pkcs11Keys::sign(const HardwareKeyRef& key, std::string_view alg, std::string_view digest) {
  const SignAlgorithm* a = sign_algorithm(alg);
  if (!a || !crypto::algorithm_fits(key.kind, key.bits, key.crv, KeyUse::kSignature, alg)) {
    return alg_mismatch(alg, "signing");
  }
  if (digest.size() != a->digest_size) {
    return bad_parameter("The digest must be " + std::to_string(a->digest_size) + " bytes for " + std::string(alg) +
                         ".");
  }
  const std::string input = std::string(a->digest_info) + std::string(digest);
  return retrying(*sessions_, *objects_, key.id, [&]() -> Result<std::string> {
    struct ck_rsa_pkcs_pss_params pss {
      a->hash, a->mgf, a->digest_size
    };
    const bool is_pss = a->mechanism == CKM_RSA_PKCS_PSS;
    struct ck_mechanism mech {
      a->mechanism, is_pss ? &pss : nullptr, is_pss ? sizeof pss : 0
    };
    COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
    auto* f = sessions_->f();
    const ck_session_handle_t s = lease.get();
    COFFER_ASSIGN_OR_RETURN(ck_object_handle_t handle, objects_->find(*sessions_, s, key, CKO_PRIVATE_KEY));
    if (ck_rv_t rv = f->C_SignInit(s, &mech, handle); rv != CKR_OK) return hsm_error("C_SignInit", rv);
    lease.set_broken(true);       // until the operation completes: a session left mid-operation is closed
    std::string sig(1024, '\0');  // RSA-8192 at most: no round trip to ask the length
    unsigned long len = sig.size();
    if (ck_rv_t rv = f->C_Sign(s, bytes_of(input), input.size(), reinterpret_cast<unsigned char*>(sig.data()), &len);
        rv != CKR_OK) {
      return hsm_error("C_Sign", rv);
    }
    lease.set_broken(false);
    sig.resize(len);
    return sig;
  });
}

Result<SecureString> Pkcs11Keys::decrypt(const HardwareKeyRef& key, std::string_view alg, std::string_view ciphertext,
                                         std::string_view iv, std::string_view aad, std::string_view tag) {
  if (!crypto::algorithm_fits(key.kind, key.bits, key.crv, KeyUse::kEncryption, alg)) {
    return alg_mismatch(alg, "decryption");
  }
  if (key.kind == KeyKind::kRsa) {
    struct ck_rsa_pkcs_oaep_params oaep {
      CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0
    };
    struct ck_mechanism mech {
      CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep
    };
    if (alg == "RSA1_5") {
      mech = {CKM_RSA_PKCS, nullptr, 0};
    } else if (alg == "RSA-OAEP-256") {
      oaep.hash_alg = CKM_SHA256;
      oaep.mgf = CKG_MGF1_SHA256;
    }
    return retrying(*sessions_, *objects_, key.id, [&]() -> Result<SecureString> {
      COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
      COFFER_ASSIGN_OR_RETURN(ck_object_handle_t handle, objects_->find(*sessions_, lease.get(), key, CKO_PRIVATE_KEY));
      auto out = crypt(sessions_->f(), lease, handle, &mech, true, ciphertext);
      if (!out.ok()) {
        // One answer for every ciphertext that does not decrypt: no padding oracle.
        if (out.status().reason() == "HsmAlgorithmUnsupported") {
          return bad_parameter(std::string(alg) + " is not supported by this HSM.");
        }
        if (out.status().code() == Code::kBadParameter) return bad_parameter("Decryption failed.");
        return out.status();
      }
      return SecureString(std::move(*out));
    });
  }
  const std::string_view mode = aes_mode(alg);
  std::string input(ciphertext);
  struct ck_gcm_params gcm {};
  struct ck_mechanism mech {
    CKM_AES_GCM, &gcm, sizeof gcm
  };
  if (mode == "GCM") {
    if (iv.size() != 12) return bad_parameter("Decryption with AES-GCM needs the 12-byte iv.");
    if (tag.size() != p11::kGcmTagSize) {
      return bad_parameter("Decryption with AES-GCM needs the 16-byte authentication tag.");
    }
    input += tag;
    gcm.iv_ptr = bytes_of(iv);
    gcm.iv_len = iv.size();
    gcm.iv_bits = iv.size() * 8;
    gcm.aad_ptr = bytes_of(aad);
    gcm.aad_len = aad.size();
    gcm.tag_bits = p11::kGcmTagSize * 8;
  } else {
    if (iv.size() != 16) return bad_parameter("Decryption with AES-CBC needs the 16-byte iv.");
    if (ciphertext.empty() || ciphertext.size() % 16 != 0) {
      return bad_parameter("The ciphertext for " + std::string(alg) + " must be a non-empty multiple of 16 bytes.");
    }
    mech = {mode == "CBC" ? CKM_AES_CBC : CKM_AES_CBC_PAD, const_cast<char*>(iv.data()), iv.size()};
  }
  return retrying(*sessions_, *objects_, key.id, [&]() -> Result<SecureString> {
    COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
    COFFER_ASSIGN_OR_RETURN(ck_object_handle_t handle, objects_->find(*sessions_, lease.get(), key, CKO_SECRET_KEY));
    auto out = crypt(sessions_->f(), lease, handle, &mech, true, input);
    if (!out.ok()) {
      if (out.status().code() == Code::kBadParameter && mode == "GCM" &&
          out.status().reason() != "HsmAlgorithmUnsupported") {
        return bad_parameter("The ciphertext could not be decrypted: the iv, aad, tag or key does not match.");
      }
      return out.status();
    }
    return SecureString(std::move(*out));
  });
}

Result<crypto::CipherResult> Pkcs11Keys::encrypt(const HardwareKeyRef& key, std::string_view alg,
                                                 std::string_view plaintext, std::string_view iv,
                                                 std::string_view aad) {
  if (key.kind != KeyKind::kOct || !crypto::algorithm_fits(key.kind, key.bits, key.crv, KeyUse::kEncryption, alg)) {
    return alg_mismatch(alg, "encryption in the HSM");
  }
  const std::string_view mode = aes_mode(alg);
  crypto::CipherResult out;
  struct ck_gcm_params gcm {};
  struct ck_mechanism mech {
    CKM_AES_GCM, &gcm, sizeof gcm
  };
  if (mode == "GCM") {
    if (!iv.empty() && iv.size() != 12) return bad_parameter("The iv for AES-GCM must be 12 bytes.");
    out.iv = iv.empty() ? crypto::random_bytes(12).str() : std::string(iv);
    gcm.iv_ptr = bytes_of(out.iv);
    gcm.iv_len = out.iv.size();
    gcm.iv_bits = out.iv.size() * 8;
    gcm.aad_ptr = bytes_of(aad);
    gcm.aad_len = aad.size();
    gcm.tag_bits = p11::kGcmTagSize * 8;
  } else {
    if (!iv.empty() && iv.size() != 16) return bad_parameter("The iv for AES-CBC must be 16 bytes.");
    if (mode == "CBC" && (plaintext.empty() || plaintext.size() % 16 != 0)) {
      return bad_parameter("The value for " + std::string(alg) + " must be a non-empty multiple of 16 bytes; use " +
                           std::string(alg) + "PAD for other lengths.");
    }
    out.iv = iv.empty() ? crypto::random_bytes(16).str() : std::string(iv);
    mech = {mode == "CBC" ? CKM_AES_CBC : CKM_AES_CBC_PAD, out.iv.data(), out.iv.size()};
  }
  COFFER_ASSIGN_OR_RETURN(std::string sealed, retrying(*sessions_, *objects_, key.id, [&]() -> Result<std::string> {
                            COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
                            COFFER_ASSIGN_OR_RETURN(ck_object_handle_t handle,
                                                    objects_->find(*sessions_, lease.get(), key, CKO_SECRET_KEY));
                            return crypt(sessions_->f(), lease, handle, &mech, false, plaintext);
                          }));
  if (mode == "GCM") {
    if (sealed.size() < p11::kGcmTagSize) return Status(Code::kUnavailable, "HSM: AES-GCM gave no tag.");
    out.tag = sealed.substr(sealed.size() - p11::kGcmTagSize);
    sealed.resize(sealed.size() - p11::kGcmTagSize);
  }
  out.value = std::move(sealed);
  return out;
}

Result<std::string> Pkcs11Keys::wrap(const HardwareKeyRef& key, std::string_view alg, std::string_view key_bytes) {
  if (key.kind != KeyKind::kOct || !crypto::algorithm_fits(key.kind, key.bits, key.crv, KeyUse::kWrap, alg)) {
    return alg_mismatch(alg, "key wrapping in the HSM");
  }
  if (key_bytes.size() < 16 || key_bytes.size() % 8 != 0 || key_bytes.size() > 1024) {
    return bad_parameter("The key to wrap with " + std::string(alg) + " must be 16 to 1024 bytes and a multiple of 8.");
  }
  return retrying(*sessions_, *objects_, key.id, [&]() -> Result<std::string> {
    COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
    auto* f = sessions_->f();
    const ck_session_handle_t s = lease.get();
    COFFER_ASSIGN_OR_RETURN(ck_object_handle_t wrapping, objects_->find(*sessions_, s, key, CKO_SECRET_KEY));
    // The key to wrap as a session object, destroyed at once (SoftHSM wraps only objects).
    ck_object_class_t cls = CKO_SECRET_KEY;
    ck_key_type_t type = CKK_GENERIC_SECRET;
    unsigned char yes = 1, no = 0;
    struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                                  {CKA_KEY_TYPE, &type, sizeof type},
                                  {CKA_TOKEN, &no, 1},
                                  {CKA_PRIVATE, &yes, 1},
                                  {CKA_SENSITIVE, &no, 1},
                                  {CKA_EXTRACTABLE, &yes, 1},
                                  {CKA_VALUE, bytes_of(key_bytes), key_bytes.size()}};
    ck_object_handle_t inner = 0;
    if (ck_rv_t rv = f->C_CreateObject(s, tmpl, sizeof tmpl / sizeof tmpl[0], &inner); rv != CKR_OK) {
      return hsm_error("C_CreateObject", rv);
    }
    struct ck_mechanism mech {
      CKM_AES_KEY_WRAP, nullptr, 0
    };
    std::string out(key_bytes.size() + 8, '\0');
    unsigned long len = out.size();
    const ck_rv_t rv = f->C_WrapKey(s, &mech, wrapping, inner, reinterpret_cast<unsigned char*>(out.data()), &len);
    f->C_DestroyObject(s, inner);
    if (rv != CKR_OK) return hsm_error("C_WrapKey", rv);
    out.resize(len);
    return out;
  });
}

Result<SecureString> Pkcs11Keys::unwrap(const HardwareKeyRef& key, std::string_view alg, std::string_view wrapped) {
  if (!crypto::algorithm_fits(key.kind, key.bits, key.crv, KeyUse::kWrap, alg)) {
    return alg_mismatch(alg, "key unwrapping");
  }
  if (key.kind == KeyKind::kRsa) return decrypt(key, alg, wrapped, {}, {}, {});
  if (wrapped.size() < 24 || wrapped.size() % 8 != 0 || wrapped.size() > 1032) {
    return bad_parameter("The wrapped key for " + std::string(alg) + " must be 24 to 1032 bytes and a multiple of 8.");
  }
  return retrying(*sessions_, *objects_, key.id, [&]() -> Result<SecureString> {
    COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
    auto* f = sessions_->f();
    const ck_session_handle_t s = lease.get();
    COFFER_ASSIGN_OR_RETURN(ck_object_handle_t unwrapping, objects_->find(*sessions_, s, key, CKO_SECRET_KEY));
    ck_object_class_t cls = CKO_SECRET_KEY;
    ck_key_type_t type = CKK_GENERIC_SECRET;
    unsigned char yes = 1, no = 0;
    struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &type, sizeof type},
                                  {CKA_TOKEN, &no, 1},           {CKA_PRIVATE, &yes, 1},
                                  {CKA_SENSITIVE, &no, 1},       {CKA_EXTRACTABLE, &yes, 1}};
    struct ck_mechanism mech {
      CKM_AES_KEY_WRAP, nullptr, 0
    };
    ck_object_handle_t inner = 0;
    if (ck_rv_t rv = f->C_UnwrapKey(s, &mech, unwrapping, bytes_of(wrapped), wrapped.size(), tmpl,
                                    sizeof tmpl / sizeof tmpl[0], &inner);
        rv != CKR_OK) {
      if (bad_input(rv) || rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR) {
        return bad_parameter("The wrapped key could not be unwrapped with this key.");
      }
      return hsm_error("C_UnwrapKey", rv);
    }
    auto value = p11::attribute(f, s, inner, CKA_VALUE);
    f->C_DestroyObject(s, inner);
    if (!value.ok()) return value.status();
    return SecureString(std::move(*value));
  });
}

Status Pkcs11Keys::destroy(std::string_view id) {
  std::unique_lock lock(objects_->mu);
  objects_->forget(id);
  return retrying(*sessions_, *objects_, id,
                  [&]() -> Result<bool> {
                    COFFER_ASSIGN_OR_RETURN(Lease lease, sessions_->borrow());
                    auto* f = sessions_->f();
                    struct ck_attribute tmpl[] = {{CKA_ID, bytes_of(id), id.size()}};
                    while (true) {
                      COFFER_ASSIGN_OR_RETURN(auto found, p11::find_objects(f, lease.get(), tmpl, 1, 4));
                      if (found.empty()) return true;
                      for (ck_object_handle_t h : found) {
                        if (ck_rv_t rv = f->C_DestroyObject(lease.get(), h); rv != CKR_OK) {
                          return hsm_error("C_DestroyObject", rv);
                        }
                      }
                    }
                  })
      .status();
}

}  // namespace coffer::seal
