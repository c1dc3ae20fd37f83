// The admin API for a vault's event subscriptions (EVENTS-SPEC.md §3), under
// /coffer/admin/vaults/{vault}/eventSubscriptions:
//   GET                          list → {"value":[…]}
//   PUT    {name}                create or replace (the endpoint's validation
//                                handshake runs first; 400 when it fails) → 200
//   GET    {name}                show
//   DELETE {name}                → 204 (its undelivered events go with it)
//   GET    {name}/deadLetters    events it gave up on → {"value":[…]}
// Bodies: api/event_codec.hpp. Authorized as Coffer/eventSubscriptions/read|write|delete on the vault.
// And the manual validation link a handshake sends (Event Grid's
// validationUrl), public because the receiver has no Coffer identity — the
// one-time token in it is the credential:
//   GET /coffer/eventvalidation?vault=V&subscription=S&token=T → 200 {"provisioningState": "Succeeded"}
//   (400 BadParameter for a wrong, used or expired link).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/operation.hpp"
#include "api/target.hpp"
#include "vault/event_queue.hpp"
#include "vault/event_subscriptions.hpp"
#include "vault/vault_registry.hpp"

namespace coffer::api {

struct EventServices {
  vault::EventSubscriptions& subscriptions;
  vault::EventQueue& queue;
  vault::EventSubscriptions::Handshake handshake;
};

// `segments` start after "coffer", "admin"; nullopt unless they are
// "vaults", vault, "eventSubscriptions"[, name[, "deadLetters"[, "replay"]]]:
// GET list, PUT/GET/DELETE one, GET its dead letters, DELETE them (purge:
// {"purged": n}), POST …/deadLetters/replay (back to the end of the queue,
// attempts afresh: {"replayed": n}).
std::optional<Operation> route_event_subscriptions(const http::Request& req, const std::vector<std::string>& segments,
                                                   vault::VaultRegistry& vaults, const EventServices& events);

// `authority` (https://host[:port]) + the link above.
std::string event_validation_url(const std::string& authority, const std::string& vault,
                                 const std::string& subscription, const std::string& token);
// Whether `target` is the validation link's path.
bool is_event_validation_path(const ParsedTarget& target);
// Runs the validation the link names.
Operation route_event_validation(const ParsedTarget& target, vault::VaultRegistry& vaults, const EventServices& events);

}  // namespace coffer::api
