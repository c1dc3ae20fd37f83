#include "api/webhook_signing_codec.hpp"

#include "api/json_body.hpp"

namespace coffer::api {
namespace json = boost::json;

Result<vault::WebhookSigning> parse_webhook_signing(const json::object& parent) {
  vault::WebhookSigning s;
  COFFER_ASSIGN_OR_RETURN(auto signing, opt_object(parent, "signing"));
  if (!signing) return s;
  COFFER_ASSIGN_OR_RETURN(auto scheme, opt_string(*signing, "scheme"));
  if (!scheme) return bad_parameter("Property 'signing.scheme' is required (standard-webhooks).");
  s.scheme = *scheme;
  COFFER_ASSIGN_OR_RETURN(auto rotate, opt_bool(*signing, "rotateSecret"));
  s.rotate_secret = rotate.value_or(false);
  return s;
}

void add_webhook_signing_json(json::object& parent, const vault::WebhookSigning& s) {
  if (s.scheme.empty()) return;
  json::object o{{"scheme", s.scheme}};
  if (s.revealed) o["secret"] = s.revealed->str();
  parent["signing"] = std::move(o);
}

}  // namespace coffer::api
