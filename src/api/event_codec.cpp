#include "api/event_codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/json_body.hpp"
#include "api/webhook_signing_codec.hpp"
#include "common/time_format.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

// "2025-12-02T00:00:00.0000000Z", as Event Grid writes eventTime.
std::string event_time(int64_t t) {
  std::string s = to_iso8601(t, UtcSuffix::kZ);
  s.insert(s.size() - 1, ".0000000");
  return s;
}

std::string collection_of(std::string_view object_type) {
  if (object_type == "Secret") return "secrets";
  if (object_type == "Key") return "keys";
  if (object_type == "Certificate") return "certificates";
  return {};
}

json::object event_data(const vault::Event& e, std::string_view vault_url) {
  const std::string collection = collection_of(e.object_type);
  json::object d;
  d["Id"] = collection.empty() ? std::string(vault_url)
                               : std::string(vault_url) + "/" + collection + "/" + e.object_name + "/" + e.version;
  d["VaultName"] = e.vault_name;
  d["ObjectType"] = e.object_type;
  d["ObjectName"] = e.object_name;
  d["Version"] = e.version;
  if (e.not_before) d["NBF"] = *e.not_before;
  if (e.expires) d["EXP"] = *e.expires;
  if (!e.reason.empty()) d["Reason"] = e.reason;
  return d;
}

}  // namespace

EventBody event_body(const vault::Event& e, std::string_view schema, std::string_view topic,
                     std::string_view vault_url) {
  if (schema == "CloudEventSchemaV1_0") {
    json::object o{{"specversion", "1.0"},
                   {"id", e.id},
                   {"source", topic},
                   {"subject", e.object_name},
                   {"type", e.type},
                   {"time", event_time(e.time)},
                   {"data", event_data(e, vault_url)}};
    return {"application/cloudevents+json; charset=utf-8", json::serialize(o)};
  }
  json::object o{{"id", e.id},
                 {"topic", topic},
                 {"subject", e.object_name},
                 {"eventType", e.type},
                 {"eventTime", event_time(e.time)},
                 {"data", event_data(e, vault_url)},
                 {"dataVersion", "1"},
                 {"metadataVersion", "1"}};
  return {"application/json", json::serialize(json::array{o})};
}

std::string validation_body(std::string_view event_id, std::string_view validation_code,
                            std::string_view validation_url, std::string_view topic) {
  json::object o{{"id", event_id},
                 {"topic", topic},
                 {"subject", ""},
                 {"eventType", "Microsoft.EventGrid.SubscriptionValidationEvent"},
                 {"eventTime", event_time(0)},
                 {"data", json::object{{"validationCode", validation_code}, {"validationUrl", validation_url}}},
                 {"dataVersion", "2"},
                 {"metadataVersion", "1"}};
  return json::serialize(json::array{o});
}

bool validation_answered(std::string_view answer, std::string_view validation_code) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(answer, ec);
  const json::object* o = ec ? nullptr : parsed.if_object();
  const json::value* response = o ? o->if_contains("validationResponse") : nullptr;
  return response && response->is_string() && response->get_string() == validation_code;
}

Result<vault::EventSubscription> parse_event_subscription(std::string_view body, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::EventSubscription s;
  s.name = name;
  // The ARM shape nests everything under "properties"; the flat form is accepted too.
  json::object p = o;
  COFFER_ASSIGN_OR_RETURN(auto properties, opt_object(o, "properties"));
  if (properties) p = *properties;
  COFFER_ASSIGN_OR_RETURN(auto destination, opt_object(p, "destination"));
  if (!destination) return bad_parameter("Property 'destination' is required: {endpointType: WebHook, endpointUrl}.");
  COFFER_ASSIGN_OR_RETURN(auto type, opt_string(*destination, "endpointType"));
  if (type && *type != "WebHook") return bad_parameter("Only endpointType WebHook is offered.");
  json::object dp = *destination;
  COFFER_ASSIGN_OR_RETURN(auto dprops, opt_object(*destination, "properties"));
  if (dprops) dp = *dprops;
  COFFER_ASSIGN_OR_RETURN(auto url, opt_string(dp, "endpointUrl"));
  if (!url) return bad_parameter("Property 'destination.endpointUrl' is required.");
  s.endpoint_url = *url;
  COFFER_ASSIGN_OR_RETURN(s.signing, parse_webhook_signing(dp));
  COFFER_ASSIGN_OR_RETURN(auto filter, opt_object(p, "filter"));
  if (filter) {
    COFFER_ASSIGN_OR_RETURN(auto types, opt_string_array(*filter, "includedEventTypes"));
    if (types) s.included_event_types = *types;
    COFFER_ASSIGN_OR_RETURN(auto begins, opt_string(*filter, "subjectBeginsWith"));
    if (begins) s.subject_begins_with = *begins;
    COFFER_ASSIGN_OR_RETURN(auto ends, opt_string(*filter, "subjectEndsWith"));
    if (ends) s.subject_ends_with = *ends;
    COFFER_ASSIGN_OR_RETURN(auto cs, opt_bool(*filter, "isSubjectCaseSensitive"));
    s.subject_case_sensitive = cs.value_or(false);
  }
  COFFER_ASSIGN_OR_RETURN(auto schema, opt_string(p, "eventDeliverySchema"));
  if (schema) s.delivery_schema = *schema;
  COFFER_ASSIGN_OR_RETURN(auto retry, opt_object(p, "retryPolicy"));
  if (retry) {
    COFFER_ASSIGN_OR_RETURN(auto attempts, opt_int(*retry, "maxDeliveryAttempts"));
    if (attempts) s.max_delivery_attempts = static_cast<int>(std::clamp<int64_t>(*attempts, -1, 1000));
    COFFER_ASSIGN_OR_RETURN(auto ttl, opt_int(*retry, "eventTimeToLiveInMinutes"));
    if (ttl) s.event_ttl_minutes = static_cast<int>(std::clamp<int64_t>(*ttl, -1, 100000));
  }
  return s;
}

json::object event_subscription_json(const vault::EventSubscription& s, std::string_view id) {
  json::array types;
  for (const auto& t : s.included_event_types) types.emplace_back(t);
  // As Event Grid: the URL without its query, which may hold a secret.
  json::object destination{{"endpointBaseUrl", s.endpoint_url.substr(0, s.endpoint_url.find('?'))}};
  add_webhook_signing_json(destination, s.signing);
  return json::object{
      {"id", id},
      {"name", s.name},
      {"type", "Microsoft.EventGrid/eventSubscriptions"},
      {"properties",
       json::object{{"destination", json::object{{"endpointType", "WebHook"}, {"properties", destination}}},
                    {"filter", json::object{{"includedEventTypes", types},
                                            {"subjectBeginsWith", s.subject_begins_with},
                                            {"subjectEndsWith", s.subject_ends_with},
                                            {"isSubjectCaseSensitive", s.subject_case_sensitive}}},
                    {"eventDeliverySchema", s.delivery_schema},
                    {"retryPolicy", json::object{{"maxDeliveryAttempts", s.max_delivery_attempts},
                                                 {"eventTimeToLiveInMinutes", s.event_ttl_minutes}}},
                    {"provisioningState", s.provisioning_state},
                    {"createdOn", to_iso8601(s.created, UtcSuffix::kZ)},
                    {"updatedOn", to_iso8601(s.updated, UtcSuffix::kZ)}}}};
}

json::object dead_letter_json(const vault::DeadLetter& d) {
  return json::object{{"id", d.event.id},
                      {"eventType", d.event.type},
                      {"subject", d.event.object_name},
                      {"version", d.event.version},
                      {"deadLetterReason", d.reason},
                      {"deliveryAttempts", d.attempts},
                      {"lastDeliveryOutcome", d.last_outcome},
                      {"publishTime", to_iso8601(d.queued_at, UtcSuffix::kZ)},
                      {"lastDeliveryAttemptTime", to_iso8601(d.last_attempt, UtcSuffix::kZ)}};
}

}  // namespace coffer::api
