// The seal key in a PKCS#11 token (pkcs11_token.hpp). Kept out of unity
// batches (CMakeLists.txt): it includes pkcs11_internal.hpp.
#include "seal/pkcs11_token.hpp"

#include <mutex>

#include "crypto/random.hpp"
#include "seal/pkcs11_internal.hpp"

namespace coffer::seal {
namespace {

using p11::hsm_error;
constexpr std::size_t kIvSize = 12;

// The secret keys labelled `label` (at most 2 looked for).
Result<std::vector<ck_object_handle_t>> find_keys(p11::TokenSessions& t, const std::string& label) {
  ck_object_class_t cls = CKO_SECRET_KEY;
  struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, p11::bytes_of(label), label.size()}};
  return p11::find_objects(t.f(), t.anchor(), tmpl, 2);
}

}  // namespace

struct Pkcs11Token::Impl {
  std::unique_ptr<p11::TokenSessions> sessions;  // the seal uses the anchor only
  ck_object_handle_t key = 0;
  std::string key_label;
  std::mutex mu;

  Status check_key() {
    unsigned char encrypt = 0, decrypt = 0, sensitive = 0, extractable = 1;
    ck_key_type_t type = 0;
    struct ck_attribute attrs[] = {{CKA_KEY_TYPE, &type, sizeof type},
                                   {CKA_ENCRYPT, &encrypt, sizeof encrypt},
                                   {CKA_DECRYPT, &decrypt, sizeof decrypt},
                                   {CKA_SENSITIVE, &sensitive, sizeof sensitive},
                                   {CKA_EXTRACTABLE, &extractable, sizeof extractable}};
    if (ck_rv_t rv = sessions->f()->C_GetAttributeValue(sessions->anchor(), key, attrs, 5); rv != CKR_OK) {
      return hsm_error("C_GetAttributeValue", rv);
    }
    if (type != CKK_AES || !encrypt || !decrypt) {
      return bad_parameter("HSM: the seal key '" + key_label + "' must be an AES key allowed to encrypt and decrypt.");
    }
    if (!sensitive || extractable) {
      return bad_parameter("HSM: the seal key '" + key_label +
                           "' must be sensitive and not extractable (CKA_SENSITIVE true, CKA_EXTRACTABLE false).");
    }
    return Status::Ok();
  }
};

Pkcs11Token::Pkcs11Token(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pkcs11Token::~Pkcs11Token() = default;

Result<std::unique_ptr<Pkcs11Token>> Pkcs11Token::open(const Pkcs11Options& o) {
  auto impl = std::make_unique<Impl>();
  COFFER_ASSIGN_OR_RETURN(impl->sessions, p11::TokenSessions::open(o.lib, o.token_label, o.pin));
  impl->key_label = o.key_label;
  COFFER_ASSIGN_OR_RETURN(auto keys, find_keys(*impl->sessions, o.key_label));
  if (keys.size() != 1) {
    return Status(keys.empty() ? Code::kUnavailable : Code::kBadParameter,
                  "HSM: " + std::string(keys.empty() ? "no" : "more than one") + " secret key labelled '" +
                      o.key_label + "' in token '" + o.token_label + "'.",
                  keys.empty() ? "HsmUnavailable" : "HsmKeyAmbiguous");
  }
  impl->key = keys[0];
  COFFER_RETURN_IF_ERROR(impl->check_key());
  return std::unique_ptr<Pkcs11Token>(new Pkcs11Token(std::move(impl)));
}

Status Pkcs11Token::generate_key(const Pkcs11Options& o) {
  COFFER_ASSIGN_OR_RETURN(auto sessions, p11::TokenSessions::open(o.lib, o.token_label, o.pin));
  COFFER_ASSIGN_OR_RETURN(auto existing, find_keys(*sessions, o.key_label));
  if (!existing.empty()) {
    return Status(Code::kConflict, "HSM: a key labelled '" + o.key_label + "' exists already.", "HsmKeyExists");
  }
  ck_object_class_t cls = CKO_SECRET_KEY;
  ck_key_type_t type = CKK_AES;
  unsigned long len = 32;
  unsigned char yes = 1, no = 0;
  const std::string id = crypto::new_version_id().substr(0, 16);
  auto tmpl = p11::key_template({{CKA_CLASS, &cls, sizeof cls},
                                 {CKA_KEY_TYPE, &type, sizeof type},
                                 {CKA_VALUE_LEN, &len, sizeof len},
                                 {CKA_ENCRYPT, &yes, 1},
                                 {CKA_DECRYPT, &yes, 1},
                                 {CKA_WRAP, &no, 1},
                                 {CKA_UNWRAP, &no, 1}},
                                true, id, o.key_label);
  struct ck_mechanism mech {
    CKM_AES_KEY_GEN, nullptr, 0
  };
  ck_object_handle_t handle = 0;
  if (ck_rv_t rv = sessions->f()->C_GenerateKey(sessions->anchor(), &mech, tmpl.data(), tmpl.size(), &handle);
      rv != CKR_OK) {
    return hsm_error("C_GenerateKey", rv);
  }
  return Status::Ok();
}

Result<std::string> Pkcs11Token::encrypt(std::string_view plaintext, std::string_view associated_data) {
  const SecureString iv = crypto::random_bytes(kIvSize);
  std::lock_guard lock(impl_->mu);
  COFFER_ASSIGN_OR_RETURN(std::string sealed, p11::aes_gcm(impl_->sessions->f(), impl_->sessions->anchor(), impl_->key,
                                                           false, iv.view(), plaintext, associated_data));
  return std::string(iv.view()) + sealed;
}

Result<SecureString> Pkcs11Token::decrypt(std::string_view blob, std::string_view associated_data) {
  if (blob.size() < kIvSize + p11::kGcmTagSize) {
    return Status(Code::kBadParameter, "The sealed root keys are truncated.", "UnsealKeyWrong");
  }
  std::lock_guard lock(impl_->mu);
  auto plain = p11::aes_gcm(impl_->sessions->f(), impl_->sessions->anchor(), impl_->key, true, blob.substr(0, kIvSize),
                            blob.substr(kIvSize), associated_data);
  if (!plain.ok()) {
    if (plain.status().reason() != "GcmTagMismatch") return plain.status();
    return Status(Code::kBadParameter, "The HSM key does not open this server's root keys.", "UnsealKeyWrong");
  }
  return SecureString(std::move(*plain));
}

const std::string& Pkcs11Token::key_label() const { return impl_->key_label; }

const std::string& Pkcs11Token::token_label() const { return impl_->sessions->token_label(); }

std::string Pkcs11Token::describe() const {
  return "token '" + impl_->sessions->token_label() + "', key '" + impl_->key_label + "'";
}

}  // namespace coffer::seal
