// Every AKV request-body parser of the API. Input: one selector byte (which
// parser), then the body.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/batch_get.hpp"
#include "api/certificate_codec.hpp"
#include "api/certificate_issuer_codec.hpp"
#include "api/event_codec.hpp"
#include "api/key_codec.hpp"
#include "api/secret_codec.hpp"
#include "api/secret_rotation_codec.hpp"
#include "api/target.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace coffer::api;

using coffer::fuzz::expect_value_or_client_error;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 24) {
    case 0: expect_value_or_client_error(parse_secret_set(body), "parse_secret_set"); break;
    case 1: expect_value_or_client_error(parse_secret_update(body), "parse_secret_update"); break;
    case 2: expect_value_or_client_error(parse_value_body(body), "parse_value_body"); break;
    case 3: expect_value_or_client_error(parse_key_create(body), "parse_key_create"); break;
    case 4: expect_value_or_client_error(parse_key_import(body), "parse_key_import"); break;
    case 5: expect_value_or_client_error(parse_key_update(body), "parse_key_update"); break;
    case 6: expect_value_or_client_error(parse_key_operation(body, false), "parse_key_operation"); break;
    case 7: expect_value_or_client_error(parse_key_operation(body, true), "parse_key_operation(verify)"); break;
    case 8: expect_value_or_client_error(parse_rotation_policy(body), "parse_rotation_policy"); break;
    case 9: expect_value_or_client_error(parse_iso_duration(body), "parse_iso_duration"); break;
    case 10: expect_value_or_client_error(parse_rng(body), "parse_rng"); break;
    case 11: expect_value_or_client_error(parse_certificate_create(body), "parse_certificate_create"); break;
    case 12: expect_value_or_client_error(parse_certificate_import(body), "parse_certificate_import"); break;
    case 13: expect_value_or_client_error(parse_certificate_merge(body), "parse_certificate_merge"); break;
    case 14: expect_value_or_client_error(parse_certificate_update(body), "parse_certificate_update"); break;
    case 15:
      expect_value_or_client_error(parse_certificate_policy_update(body, coffer::vault::default_certificate_policy()),
                                   "parse_certificate_policy_update");
      break;
    case 16: expect_value_or_client_error(parse_issuer_set(body), "parse_issuer_set"); break;
    case 17: expect_value_or_client_error(parse_issuer_update(body), "parse_issuer_update"); break;
    case 18: expect_value_or_client_error(parse_contacts(body), "parse_contacts"); break;
    case 19: expect_value_or_client_error(parse_form(body), "parse_form"); break;
    case 20: expect_value_or_client_error(parse_secret_rotation_policy(body), "parse_secret_rotation_policy"); break;
    case 21: expect_value_or_client_error(parse_batch_get(body, "7.4"), "parse_batch_get"); break;
    case 22: expect_value_or_client_error(parse_rotator_answer(body), "parse_rotator_answer"); break;
    case 23: expect_value_or_client_error(parse_event_subscription(body, "fuzzed"), "parse_event_subscription"); break;
  }
  return 0;
}
