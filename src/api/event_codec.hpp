// JSON of events and event subscriptions (EVENTS-SPEC.md §1–§3).
// - event_body(): what a webhook receives — the Event Grid schema (an
//   array of one event: id, topic, subject, eventType, eventTime with 7
//   fractional digits, data, dataVersion "1", metadataVersion "1") or
//   CloudEvents 1.0 structured mode (one object: specversion, id, source,
//   subject, type, time, data). data is AKV's KeyVault*EventData in its
//   wire casing: Id (the versioned object URL), VaultName, ObjectType,
//   ObjectName, Version, NBF and EXP (numbers, left out when unset).
// - validation_body(): Event Grid's SubscriptionValidationEvent.
// - The subscription resource as Coffer's admin API takes and shows it:
//   {destination: {endpointType: "WebHook", endpointUrl}, filter:
//   {includedEventTypes, subjectBeginsWith, subjectEndsWith,
//   isSubjectCaseSensitive}, eventDeliverySchema, retryPolicy:
//   {maxDeliveryAttempts, eventTimeToLiveInMinutes}, provisioningState};
//   shown, the endpoint is endpointBaseUrl: without its query, which may
//   hold a secret (?code=…), as Event Grid shows it.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "vault/event_queue.hpp"
#include "vault/event_subscriptions.hpp"

namespace coffer::api {

struct EventBody {
  std::string content_type;
  std::string json;
};

// `topic`: the vault's ARM id; `vault_url`: https://<vault>.<suffix>[:port].
EventBody event_body(const vault::Event& event, std::string_view schema, std::string_view topic,
                     std::string_view vault_url);
// The handshake's event: {validationCode, validationUrl} in an Event Grid array.
std::string validation_body(std::string_view event_id, std::string_view validation_code,
                            std::string_view validation_url, std::string_view topic);
// Whether a receiver's answer to it is {"validationResponse": `validation_code`}.
bool validation_answered(std::string_view answer, std::string_view validation_code);

Result<vault::EventSubscription> parse_event_subscription(std::string_view body, const std::string& name);
boost::json::object event_subscription_json(const vault::EventSubscription& s, std::string_view id);
boost::json::object dead_letter_json(const vault::DeadLetter& d);

}  // namespace coffer::api
