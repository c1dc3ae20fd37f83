#include "crypto/openssl_util.hpp"

#include <openssl/err.h>

#include <array>

namespace coffer::crypto::ossl {

Status error(std::string_view what) {
  std::string msg(what);
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return Status(Code::kInternal, std::move(msg));
}

namespace {

constexpr std::array<EcCurve, 4> kEcCurves = {{
    {"P-256", "prime256v1", 32, "ES256"},
    {"P-384", "secp384r1", 48, "ES384"},
    {"P-521", "secp521r1", 66, "ES512"},
    {"P-256K", "secp256k1", 32, "ES256K"},
}};

}  // namespace

const EcCurve* find_ec_curve(std::string_view jwk_name) {
  for (const auto& c : kEcCurves) {
    if (c.jwk == jwk_name) return &c;
  }
  return nullptr;
}

const EcCurve* find_ec_curve_by_group(std::string_view openssl_group) {
  for (const auto& c : kEcCurves) {
    if (c.openssl == openssl_group) return &c;
  }
  return nullptr;
}

Status decryption_failed() {
  ERR_clear_error();
  return Status(Code::kInternal, "decryption failed");
}

Status bad_parameter(std::string message) {
  ERR_clear_error();
  return Status(Code::kBadParameter, std::move(message));
}

Result<PKey> pkey_from_params(const char* type, OSSL_PARAM_BLD* bld, int selection, std::string_view invalid) {
  Params params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) return error("OSSL_PARAM_BLD_to_param");
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return error("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) {
    ERR_clear_error();
    return Status(Code::kBadParameter, std::string(invalid));
  }
  PKey pkey(raw);
  PKeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  const bool ok =
      check && (selection == EVP_PKEY_KEYPAIR ? EVP_PKEY_check(check.get()) : EVP_PKEY_public_check(check.get())) == 1;
  if (!ok) {
    ERR_clear_error();
    return Status(Code::kBadParameter, std::string(invalid));
  }
  return pkey;
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace coffer::crypto::ossl
