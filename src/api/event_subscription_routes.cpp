#include "api/event_subscription_routes.hpp"

#include <boost/json/array.hpp>

#include "api/event_codec.hpp"
#include "api/responses.hpp"
#include "api/route_support.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

Operation events_operation(std::string name, std::string action, std::string scope,
                           std::function<http::Response()> run) {
  return Operation{std::move(name), "Coffer/eventSubscriptions/" + std::move(action), std::move(scope), "",
                   std::move(run)};
}

std::string subscription_id(const vault::VaultInfo& v, const std::string& name) {
  return "/vaults/" + v.name + "/eventSubscriptions/" + name;
}

}  // namespace

std::optional<Operation> route_event_subscriptions(const http::Request& req, const std::vector<std::string>& s,
                                                   vault::VaultRegistry& vaults, const EventServices& events) {
  if (s.size() < 3 || s.size() > 6 || s[0] != "vaults" || s[2] != "eventSubscriptions" || s[1].empty()) {
    return std::nullopt;
  }
  const std::string& m = req.method;
  const std::string vault_name = s[1];
  const std::string scope = "/vaults/" + vault_name;
  if (s.size() == 3) {
    if (m != "GET") return std::nullopt;
    return events_operation("EventSubscriptionList", "read", scope, [&, vault_name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto list = events.subscriptions.list(*v);
      if (!list.ok()) return error_response(list.status());
      json::array items;
      for (const auto& sub : *list) items.push_back(event_subscription_json(sub, subscription_id(*v, sub.name)));
      return json_response(200, json::object{{"value", items}});
    });
  }
  const std::string name = s[3];
  if (name.empty()) return std::nullopt;
  if (s.size() == 6 && s[4] == "deadLetters" && s[5] == "replay" && m == "POST") {
    return events_operation("EventSubscriptionDeadLetterReplay", "write", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto sub = events.subscriptions.get(*v, name);
      if (!sub.ok()) return error_response(sub.status());
      return respond(events.queue.replay_dead_letters(v->id, sub->name), [](std::size_t n) {
        return json::object{{"replayed", n}};
      });
    });
  }
  if (s.size() == 5 && s[4] == "deadLetters" && m == "DELETE") {
    return events_operation("EventSubscriptionDeadLetterPurge", "delete", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto sub = events.subscriptions.get(*v, name);
      if (!sub.ok()) return error_response(sub.status());
      return respond(events.queue.purge_dead_letters(v->id, sub->name), [](std::size_t n) {
        return json::object{{"purged", n}};
      });
    });
  }
  if (s.size() == 5) {
    if (s[4] != "deadLetters" || m != "GET") return std::nullopt;
    return events_operation("EventSubscriptionDeadLetterList", "read", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto sub = events.subscriptions.get(*v, name);
      if (!sub.ok()) return error_response(sub.status());
      auto dead = events.queue.dead_letters(v->id, sub->name);
      if (!dead.ok()) return error_response(dead.status());
      json::array items;
      for (const auto& d : *dead) items.push_back(dead_letter_json(d));
      return json_response(200, json::object{{"value", items}});
    });
  }
  if (m == "PUT") {
    return events_operation("EventSubscriptionCreateOrUpdate", "write", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto parsed = parse_event_subscription(req.body, name);
      if (!parsed.ok()) return error_response(parsed.status());
      auto stored = events.subscriptions.put(*v, std::move(*parsed), events.handshake);
      if (!stored.ok()) return error_response(stored.status());
      return revealing_response(event_subscription_json(*stored, subscription_id(*v, stored->name)),
                                stored->signing.revealed.has_value());
    });
  }
  if (m == "GET") {
    return events_operation("EventSubscriptionGet", "read", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      auto sub = events.subscriptions.get(*v, name);
      if (!sub.ok()) return error_response(sub.status());
      return json_response(200, event_subscription_json(*sub, subscription_id(*v, sub->name)));
    });
  }
  if (m == "DELETE") {
    return events_operation("EventSubscriptionDelete", "delete", scope, [&, vault_name, name] {
      auto v = vaults.find(vault_name);
      if (!v.ok()) return error_response(v.status());
      Status st = events.subscriptions.remove(*v, name);
      return st.ok() ? empty_response(204) : error_response(st);
    });
  }
  return std::nullopt;
}

std::string event_validation_url(const std::string& authority, const std::string& vault,
                                 const std::string& subscription, const std::string& token) {
  return authority + "/coffer/eventvalidation?vault=" + vault + "&subscription=" + subscription + "&token=" + token;
}

bool is_event_validation_path(const ParsedTarget& target) {
  const auto& seg = target.segments;
  return seg.size() == 2 && seg[0] == "coffer" && seg[1] == "eventvalidation";
}

Operation route_event_validation(const ParsedTarget& target, vault::VaultRegistry& vaults,
                                 const EventServices& events) {
  const std::string vault_name(target.param("vault").value_or(""));
  const std::string name(target.param("subscription").value_or(""));
  const std::string token(target.param("token").value_or(""));
  return Operation{"EventSubscriptionValidate", "", "/vaults/" + vault_name, "", [&, vault_name, name, token] {
                     auto v = vaults.find(vault_name);
                     if (!v.ok()) {  // as for any bad link: nothing said about which part was wrong
                       return error_response(bad_parameter("This validation link is not valid, or it has expired."));
                     }
                     auto validated = events.subscriptions.validate(*v, name, token);
                     if (!validated.ok()) return error_response(validated.status());
                     return json_response(200, json::object{{"provisioningState", validated->provisioning_state}});
                   }};
}

}  // namespace coffer::api
