// Imported key and certificate material: PEM bundles, PKCS#12 (no password
// and a password), DER and PEM certificates, distinguished names. Input: a
// selector byte, then the bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/certificate.hpp"
#include "crypto/pem_bundle.hpp"
#include "crypto/pkcs12.hpp"
#include "crypto/x509_name.hpp"
#include "fuzz_check.hpp"

namespace {

using coffer::fuzz::expect_value_or_client_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace coffer::crypto;
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: expect_value_or_client_error(parse_pem_bundle(in), "parse_pem_bundle"); break;
    case 1: expect_value_or_client_error(parse_pkcs12(in, ""), "parse_pkcs12"); break;
    case 2: expect_value_or_client_error(parse_pkcs12(in, "password"), "parse_pkcs12(password)"); break;
    case 3: expect_value_or_client_error(Certificate::from_der(in), "Certificate::from_der"); break;
    case 4: expect_value_or_client_error(Certificate::from_pem(in), "Certificate::from_pem"); break;
    case 5: expect_value_or_client_error(x509name::parse_distinguished_name(in), "parse_distinguished_name"); break;
  }
  return 0;
}
