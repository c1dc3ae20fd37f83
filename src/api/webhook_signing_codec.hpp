// JSON of a webhook's signing (vault/webhook_signing.hpp), the same in an
// event subscription's destination and a secret rotator:
//   request: "signing": {"scheme": "standard-webhooks", "rotateSecret": false}
//   answer:  "signing": {"scheme": "standard-webhooks"[, "secret": "whsec_…"]}
// The secret is in an answer only when that request made it (shown once).
#pragma once

#include <boost/json/object.hpp>

#include "common/status.hpp"
#include "vault/webhook_signing.hpp"

namespace coffer::api {

// `parent`'s "signing" member; unsigned when absent. kBadParameter for wrong types.
Result<vault::WebhookSigning> parse_webhook_signing(const boost::json::object& parent);
// Adds "signing" to `parent` when signed.
void add_webhook_signing_json(boost::json::object& parent, const vault::WebhookSigning& s);

}  // namespace coffer::api
