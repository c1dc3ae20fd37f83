// Cryptoki's GNU names (lower-case members, no compatibility macros): the
// header's default compatibility mode defines macros such as `value` and
// `count`, which would rewrite unrelated code. This file is kept out of
// unity batches (CMakeLists.txt) so the header reaches no other file.
#define CRYPTOKI_GNU 1
#include <p11-kit/pkcs11.h>
#undef CRYPTOKI_GNU

#include "seal/pkcs11_token.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>
#include <vector>

#include "crypto/random.hpp"

namespace coffer::seal {
namespace {

constexpr std::size_t kIvSize = 12;
constexpr std::size_t kTagSize = 16;

std::string ckr_name(ck_rv_t rv) {
  static const std::map<ck_rv_t, const char*> names = {
      {CKR_OK, "CKR_OK"},
      {CKR_HOST_MEMORY, "CKR_HOST_MEMORY"},
      {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
      {CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR"},
      {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
      {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
      {CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
      {CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"},
      {CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"},
      {CKR_DATA_INVALID, "CKR_DATA_INVALID"},
      {CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"},
      {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
      {CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY"},
      {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
      {CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID"},
      {CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE"},
      {CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"},
      {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
      {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
      {CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"},
      {CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"},
      {CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"},
      {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
      {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
      {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
      {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
      {CKR_SESSION_COUNT, "CKR_SESSION_COUNT"},
      {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
      {CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE"},
      {CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT"},
      {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
      {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
      {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
      {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
      {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
      {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
      {CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"},
      {CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"},
  };
  auto it = names.find(rv);
  if (it != names.end()) return it->second;
  char hex[32];
  std::snprintf(hex, sizeof hex, "CKR_0x%lx", rv);
  return hex;
}

Status hsm_error(const char* what, ck_rv_t rv) {
  // A wrong or locked PIN is the operator's to fix: never retried in a loop.
  const bool pin = rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED;
  return Status(pin ? Code::kBadParameter : Code::kUnavailable,
                std::string("HSM: ") + what + " failed: " + ckr_name(rv), pin ? "HsmPinRefused" : "HsmUnavailable");
}

// One loaded, initialized module, shared by every token of this process
// that names the same library; finalized and unloaded with its last user.
struct Module {
  void* handle = nullptr;
  struct ck_function_list* f = nullptr;
  ~Module() {
    if (f) f->C_Finalize(nullptr);
    if (handle) dlclose(handle);
  }
};

std::mutex modules_mu;
std::map<std::string, std::weak_ptr<Module>> modules;

Result<std::shared_ptr<Module>> load_module(const std::string& lib) {
  std::lock_guard lock(modules_mu);
  if (auto existing = modules[lib].lock()) return existing;
  auto m = std::make_shared<Module>();
  m->handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle)
    return Status(Code::kUnavailable, "HSM: cannot load the PKCS#11 module " + lib + ": " + dlerror(),
                  "HsmUnavailable");
  using GetFunctionList = ck_rv_t (*)(struct ck_function_list**);
  auto get = reinterpret_cast<GetFunctionList>(dlsym(m->handle, "C_GetFunctionList"));
  if (!get)
    return Status(Code::kUnavailable, "HSM: " + lib + " is not a PKCS#11 module (no C_GetFunctionList).",
                  "HsmUnavailable");
  if (ck_rv_t rv = get(&m->f); rv != CKR_OK || !m->f) {
    m->f = nullptr;
    return hsm_error("C_GetFunctionList", rv);
  }
  struct ck_c_initialize_args args {};
  args.flags = CKF_OS_LOCKING_OK;  // without it SoftHSM runs without locks
  if (ck_rv_t rv = m->f->C_Initialize(&args); rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    m->f = nullptr;
    return hsm_error("C_Initialize", rv);
  }
  modules[lib] = m;
  return m;
}

std::string trimmed_label(const unsigned char (&label)[32]) {
  std::string s(reinterpret_cast<const char*>(label), 32);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

struct Pkcs11Token::Impl {
  std::shared_ptr<Module> module;
  ck_session_handle_t session = 0;  // the anchor: logged in for the token's lifetime
  ck_object_handle_t key = 0;
  std::string token_label;
  std::string key_label;
  std::mutex mu;

  // No C_Logout: the login belongs to the application, not the session, so
  // it would log out every other Pkcs11Token open on the same token (their
  // key handles turn invalid). Closing the last session ends the login.
  ~Impl() {
    if (module && session) module->f->C_CloseSession(session);
  }

  // Opens the token named `label` and logs in.
  Status open_session(const Pkcs11Options& o) {
    auto* f = module->f;
    unsigned long count = 0;
    if (ck_rv_t rv = f->C_GetSlotList(1, nullptr, &count); rv != CKR_OK) return hsm_error("C_GetSlotList", rv);
    std::vector<ck_slot_id_t> slots(count);
    if (ck_rv_t rv = f->C_GetSlotList(1, slots.data(), &count); rv != CKR_OK) return hsm_error("C_GetSlotList", rv);
    for (unsigned long i = 0; i < count; ++i) {
      struct ck_token_info info {};
      if (f->C_GetTokenInfo(slots[i], &info) != CKR_OK || trimmed_label(info.label) != o.token_label) continue;
      if (ck_rv_t rv = f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session);
          rv != CKR_OK) {
        return hsm_error("C_OpenSession", rv);
      }
      ck_rv_t rv = f->C_Login(session, CKU_USER, reinterpret_cast<unsigned char*>(const_cast<char*>(o.pin.data())),
                              o.pin.size());
      if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return hsm_error("C_Login", rv);
      return Status::Ok();
    }
    return Status(Code::kUnavailable, "HSM: no token labelled '" + o.token_label + "' is present.", "HsmUnavailable");
  }

  // The secret keys labelled `label` (at most 2 looked for).
  Result<std::vector<ck_object_handle_t>> find_keys(const std::string& label) {
    auto* f = module->f;
    ck_object_class_t cls = CKO_SECRET_KEY;
    struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                                  {CKA_LABEL, const_cast<char*>(label.data()), label.size()}};
    if (ck_rv_t rv = f->C_FindObjectsInit(session, tmpl, 2); rv != CKR_OK) return hsm_error("C_FindObjectsInit", rv);
    ck_object_handle_t found[2];
    unsigned long n = 0;
    ck_rv_t rv = f->C_FindObjects(session, found, 2, &n);
    f->C_FindObjectsFinal(session);
    if (rv != CKR_OK) return hsm_error("C_FindObjects", rv);
    return std::vector<ck_object_handle_t>(found, found + n);
  }

  Status check_key() {
    unsigned char encrypt = 0, decrypt = 0, sensitive = 0, extractable = 1;
    ck_key_type_t type = 0;
    struct ck_attribute attrs[] = {{CKA_KEY_TYPE, &type, sizeof type},
                                   {CKA_ENCRYPT, &encrypt, sizeof encrypt},
                                   {CKA_DECRYPT, &decrypt, sizeof decrypt},
                                   {CKA_SENSITIVE, &sensitive, sizeof sensitive},
                                   {CKA_EXTRACTABLE, &extractable, sizeof extractable}};
    if (ck_rv_t rv = module->f->C_GetAttributeValue(session, key, attrs, 5); rv != CKR_OK) {
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

  // AES-GCM through the token; `decrypting` picks the direction.
  Result<std::string> gcm(bool decrypting, std::string_view iv, std::string_view input, std::string_view aad) {
    auto* f = module->f;
    struct ck_gcm_params params {};
    params.iv_ptr = reinterpret_cast<unsigned char*>(const_cast<char*>(iv.data()));
    params.iv_len = iv.size();
    params.iv_bits = iv.size() * 8;  // SoftHSM insists on it
    params.aad_ptr = reinterpret_cast<unsigned char*>(const_cast<char*>(aad.data()));
    params.aad_len = aad.size();
    params.tag_bits = kTagSize * 8;
    struct ck_mechanism mech {
      CKM_AES_GCM, &params, sizeof params
    };
    auto* in = reinterpret_cast<unsigned char*>(const_cast<char*>(input.data()));
    std::string out(input.size() + kTagSize, '\0');
    unsigned long out_len = out.size();
    ck_rv_t rv = decrypting ? f->C_DecryptInit(session, &mech, key) : f->C_EncryptInit(session, &mech, key);
    if (rv != CKR_OK) return hsm_error(decrypting ? "C_DecryptInit" : "C_EncryptInit", rv);
    rv = decrypting ? f->C_Decrypt(session, in, input.size(), reinterpret_cast<unsigned char*>(out.data()), &out_len)
                    : f->C_Encrypt(session, in, input.size(), reinterpret_cast<unsigned char*>(out.data()), &out_len);
    if (rv != CKR_OK) {
      secure_wipe(out.data(), out.size());
      // A failed tag check: CKR_ENCRYPTED_DATA_INVALID by the book; SoftHSM 2.6 answers CKR_GENERAL_ERROR.
      if (decrypting && (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
                         rv == CKR_DATA_INVALID || rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR)) {
        return Status(Code::kBadParameter, "The HSM key does not open this server's root keys (" + ckr_name(rv) + ").",
                      "UnsealKeyWrong");
      }
      return hsm_error(decrypting ? "C_Decrypt" : "C_Encrypt", rv);
    }
    out.resize(out_len);
    return out;
  }
};

Pkcs11Token::Pkcs11Token(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pkcs11Token::~Pkcs11Token() = default;

Result<std::unique_ptr<Pkcs11Token>> Pkcs11Token::open(const Pkcs11Options& o) {
  auto impl = std::make_unique<Impl>();
  COFFER_ASSIGN_OR_RETURN(impl->module, load_module(o.lib));
  impl->token_label = o.token_label;
  impl->key_label = o.key_label;
  COFFER_RETURN_IF_ERROR(impl->open_session(o));
  COFFER_ASSIGN_OR_RETURN(auto keys, impl->find_keys(o.key_label));
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
  Impl impl;
  COFFER_ASSIGN_OR_RETURN(impl.module, load_module(o.lib));
  COFFER_RETURN_IF_ERROR(impl.open_session(o));
  COFFER_ASSIGN_OR_RETURN(auto existing, impl.find_keys(o.key_label));
  if (!existing.empty()) {
    return Status(Code::kConflict, "HSM: a key labelled '" + o.key_label + "' exists already.", "HsmKeyExists");
  }
  ck_object_class_t cls = CKO_SECRET_KEY;
  ck_key_type_t type = CKK_AES;
  unsigned long len = 32;
  unsigned char yes = 1, no = 0;
  const std::string id = crypto::new_version_id().substr(0, 16);
  struct ck_attribute tmpl[] = {{CKA_CLASS, &cls, sizeof cls},
                                {CKA_KEY_TYPE, &type, sizeof type},
                                {CKA_VALUE_LEN, &len, sizeof len},
                                {CKA_TOKEN, &yes, 1},
                                {CKA_PRIVATE, &yes, 1},
                                {CKA_SENSITIVE, &yes, 1},
                                {CKA_EXTRACTABLE, &no, 1},
                                {CKA_ENCRYPT, &yes, 1},
                                {CKA_DECRYPT, &yes, 1},
                                {CKA_WRAP, &no, 1},
                                {CKA_UNWRAP, &no, 1},
                                {CKA_LABEL, const_cast<char*>(o.key_label.data()), o.key_label.size()},
                                {CKA_ID, const_cast<char*>(id.data()), id.size()}};
  struct ck_mechanism mech {
    CKM_AES_KEY_GEN, nullptr, 0
  };
  ck_object_handle_t handle = 0;
  if (ck_rv_t rv = impl.module->f->C_GenerateKey(impl.session, &mech, tmpl, sizeof tmpl / sizeof tmpl[0], &handle);
      rv != CKR_OK) {
    return hsm_error("C_GenerateKey", rv);
  }
  return Status::Ok();
}

Result<std::string> Pkcs11Token::encrypt(std::string_view plaintext, std::string_view associated_data) {
  const SecureString iv = crypto::random_bytes(kIvSize);
  std::lock_guard lock(impl_->mu);
  COFFER_ASSIGN_OR_RETURN(std::string sealed, impl_->gcm(false, iv.view(), plaintext, associated_data));
  return std::string(iv.view()) + sealed;
}

Result<SecureString> Pkcs11Token::decrypt(std::string_view blob, std::string_view associated_data) {
  if (blob.size() < kIvSize + kTagSize) {
    return Status(Code::kBadParameter, "The sealed root keys are truncated.", "UnsealKeyWrong");
  }
  std::lock_guard lock(impl_->mu);
  COFFER_ASSIGN_OR_RETURN(std::string plain,
                          impl_->gcm(true, blob.substr(0, kIvSize), blob.substr(kIvSize), associated_data));
  return SecureString(std::move(plain));
}

const std::string& Pkcs11Token::key_label() const { return impl_->key_label; }

std::string Pkcs11Token::describe() const {
  return "token '" + impl_->token_label + "', key '" + impl_->key_label + "'";
}

}  // namespace coffer::seal
