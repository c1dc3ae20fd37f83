// The module, a token's sessions and CKR_* errors (pkcs11_internal.hpp).
#include "seal/pkcs11_internal.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

namespace coffer::seal::p11 {
namespace {

constexpr std::chrono::seconds kSessionWait{10};

std::mutex modules_mu;
std::map<std::string, std::weak_ptr<Module>> modules;

std::string trimmed_label(const unsigned char (&label)[32]) {
  std::string s(reinterpret_cast<const char*>(label), 32);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

bool session_lost(ck_rv_t rv) {
  return rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED || rv == CKR_USER_NOT_LOGGED_IN ||
         rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT;
}

}  // namespace

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
      {CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE"},
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
      {CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID"},
      {CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE"},
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
  const std::string message = std::string("HSM: ") + what + " failed: " + ckr_name(rv);
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED || rv == CKR_PIN_EXPIRED) {
    return Status(Code::kBadParameter, message, "HsmPinRefused");
  }
  if (rv == CKR_KEY_HANDLE_INVALID || rv == CKR_OBJECT_HANDLE_INVALID) {
    return Status(Code::kUnavailable, message, "HsmHandleStale");
  }
  return Status(Code::kUnavailable, message, session_lost(rv) ? "HsmSessionLost" : "HsmUnavailable");
}

Module::~Module() {
  if (f) f->C_Finalize(nullptr);
  if (handle) dlclose(handle);
}

Result<std::shared_ptr<Module>> load_module(const std::string& lib) {
  std::lock_guard lock(modules_mu);
  if (auto existing = modules[lib].lock()) return existing;
  auto m = std::make_shared<Module>();
  m->handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle) {
    return Status(Code::kUnavailable, "HSM: cannot load the PKCS#11 module " + lib + ": " + dlerror(),
                  "HsmUnavailable");
  }
  using GetFunctionList = ck_rv_t (*)(struct ck_function_list**);
  auto get = reinterpret_cast<GetFunctionList>(dlsym(m->handle, "C_GetFunctionList"));
  if (!get) {
    return Status(Code::kUnavailable, "HSM: " + lib + " is not a PKCS#11 module (no C_GetFunctionList).",
                  "HsmUnavailable");
  }
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

Result<std::unique_ptr<TokenSessions>> TokenSessions::open(const std::string& lib, const std::string& token_label,
                                                           const SecureString& pin) {
  std::unique_ptr<TokenSessions> t(new TokenSessions());
  COFFER_ASSIGN_OR_RETURN(t->module_, load_module(lib));
  t->token_label_ = token_label;
  t->pin_ = SecureString(std::string(pin.view()));
  COFFER_RETURN_IF_ERROR(t->open_anchor());
  return t;
}

// No C_Logout: the login belongs to the application, not the session, so it
// would log out every other user of the same token (their key handles turn
// invalid). Closing the last session ends the login.
TokenSessions::~TokenSessions() {
  if (!module_) return;
  for (ck_session_handle_t s : idle_) f()->C_CloseSession(s);
  if (anchor_) f()->C_CloseSession(anchor_);
}

Status TokenSessions::open_anchor() {
  auto* fl = f();
  unsigned long count = 0;
  if (ck_rv_t rv = fl->C_GetSlotList(1, nullptr, &count); rv != CKR_OK) return hsm_error("C_GetSlotList", rv);
  std::vector<ck_slot_id_t> slots(count);
  if (ck_rv_t rv = fl->C_GetSlotList(1, slots.data(), &count); rv != CKR_OK) return hsm_error("C_GetSlotList", rv);
  for (unsigned long i = 0; i < count; ++i) {
    struct ck_token_info info {};
    if (fl->C_GetTokenInfo(slots[i], &info) != CKR_OK || trimmed_label(info.label) != token_label_) continue;
    slot_ = slots[i];
    // ulMaxSessionCount caps the pool unless it is unbounded (0) or unknown (~0); one is the anchor.
    if (info.max_session_count != 0 && info.max_session_count != ~0UL) {
      max_sessions_ = std::min(max_sessions_, std::max(1UL, info.max_session_count - 1));
    }
    if (ck_rv_t rv = fl->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &anchor_);
        rv != CKR_OK) {
      anchor_ = 0;
      return hsm_error("C_OpenSession", rv);
    }
    ck_rv_t rv = fl->C_Login(anchor_, CKU_USER, bytes_of(pin_.view()), pin_.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return hsm_error("C_Login", rv);
    return Status::Ok();
  }
  return Status(Code::kUnavailable, "HSM: no token labelled '" + token_label_ + "' is present.", "HsmUnavailable");
}

Result<TokenSessions::Lease> TokenSessions::borrow() {
  std::unique_lock lock(mu_);
  // A waiter gives up: the request answers 503 rather than hang.
  if (!cv_.wait_for(lock, kSessionWait, [&] { return !idle_.empty() || opened_ < max_sessions_; })) {
    return Status(Code::kUnavailable, "HSM: every session is busy; retry shortly.", "HsmBusy");
  }
  const unsigned generation = generation_;
  if (!idle_.empty()) {
    const ck_session_handle_t s = idle_.back();
    idle_.pop_back();
    return Lease(this, s, generation);
  }
  ++opened_;
  lock.unlock();
  ck_session_handle_t s = 0;
  if (ck_rv_t rv = f()->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s); rv != CKR_OK) {
    lock.lock();
    if (generation == generation_) --opened_;
    cv_.notify_one();
    return hsm_error("C_OpenSession", rv);
  }
  return Lease(this, s, generation);
}

void TokenSessions::give_back(ck_session_handle_t s, unsigned generation, bool broken) {
  std::unique_lock lock(mu_);
  const bool current = generation == generation_;
  if (broken || !current) {
    if (current) --opened_;
    lock.unlock();
    f()->C_CloseSession(s);  // an old generation's handle may be invalid already: nothing to check
  } else {
    idle_.push_back(s);
    lock.unlock();
  }
  cv_.notify_one();
}

Status TokenSessions::relogin() {
  std::lock_guard lock(mu_);
  for (ck_session_handle_t s : idle_) f()->C_CloseSession(s);
  idle_.clear();
  opened_ = 0;
  ++generation_;
  if (anchor_) f()->C_CloseSession(anchor_);
  anchor_ = 0;
  Status s = open_anchor();
  cv_.notify_all();
  return s;
}

Result<std::vector<ck_object_handle_t>> find_objects(struct ck_function_list* f, ck_session_handle_t session,
                                                     struct ck_attribute* tmpl, unsigned long count,
                                                     unsigned long max) {
  if (ck_rv_t rv = f->C_FindObjectsInit(session, tmpl, count); rv != CKR_OK) {
    return hsm_error("C_FindObjectsInit", rv);
  }
  std::vector<ck_object_handle_t> found(max);
  unsigned long n = 0;
  const ck_rv_t rv = f->C_FindObjects(session, found.data(), max, &n);
  f->C_FindObjectsFinal(session);
  if (rv != CKR_OK) return hsm_error("C_FindObjects", rv);
  found.resize(n);
  return found;
}

Result<std::string> attribute(struct ck_function_list* f, ck_session_handle_t session, ck_object_handle_t object,
                              ck_attribute_type_t type) {
  struct ck_attribute a {
    type, nullptr, 0
  };
  if (ck_rv_t rv = f->C_GetAttributeValue(session, object, &a, 1); rv != CKR_OK) {
    return hsm_error("C_GetAttributeValue", rv);
  }
  std::string out(a.value_len, '\0');
  a.value = out.data();
  if (ck_rv_t rv = f->C_GetAttributeValue(session, object, &a, 1); rv != CKR_OK) {
    return hsm_error("C_GetAttributeValue", rv);
  }
  out.resize(a.value_len);
  return out;
}

}  // namespace coffer::seal::p11
namespace coffer::seal::p11 {

std::vector<struct ck_attribute> key_template(std::vector<struct ck_attribute> own, bool secret_half,
                                              std::string_view id, std::string_view label) {
  static unsigned char yes = 1, no = 0;
  own.push_back({CKA_TOKEN, &yes, 1});
  own.push_back({CKA_ID, bytes_of(id), id.size()});
  own.push_back({CKA_LABEL, bytes_of(label), label.size()});
  if (secret_half) {
    own.push_back({CKA_PRIVATE, &yes, 1});
    own.push_back({CKA_SENSITIVE, &yes, 1});
    own.push_back({CKA_EXTRACTABLE, &no, 1});
  }
  return own;
}

Result<std::string> aes_gcm(struct ck_function_list* f, ck_session_handle_t session, ck_object_handle_t key,
                            bool decrypting, std::string_view iv, std::string_view input, std::string_view aad) {
  struct ck_gcm_params params {};
  params.iv_ptr = bytes_of(iv);
  params.iv_len = iv.size();
  params.iv_bits = iv.size() * 8;  // SoftHSM insists on it
  params.aad_ptr = bytes_of(aad);
  params.aad_len = aad.size();
  params.tag_bits = kGcmTagSize * 8;
  struct ck_mechanism mech {
    CKM_AES_GCM, &params, sizeof params
  };
  std::string out(input.size() + kGcmTagSize, '\0');
  unsigned long out_len = out.size();
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  ck_rv_t rv = decrypting ? f->C_DecryptInit(session, &mech, key) : f->C_EncryptInit(session, &mech, key);
  if (rv != CKR_OK) return hsm_error(decrypting ? "C_DecryptInit" : "C_EncryptInit", rv);
  rv = decrypting ? f->C_Decrypt(session, bytes_of(input), input.size(), o, &out_len)
                  : f->C_Encrypt(session, bytes_of(input), input.size(), o, &out_len);
  if (rv != CKR_OK) {
    secure_wipe(out.data(), out.size());
    if (decrypting && (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
                       rv == CKR_DATA_INVALID || rv == CKR_FUNCTION_FAILED || rv == CKR_GENERAL_ERROR)) {
      return Status(Code::kBadParameter, "AES-GCM: the blob does not open (" + ckr_name(rv) + ").", "GcmTagMismatch");
    }
    return hsm_error(decrypting ? "C_Decrypt" : "C_Encrypt", rv);
  }
  out.resize(out_len);
  return out;
}

}  // namespace coffer::seal::p11
