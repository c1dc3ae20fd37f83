#include "api/change_feed_routes.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <thread>

#include "api/route_support.hpp"
#include "http/deferral.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

constexpr int kMaxWaitSeconds = 60;
constexpr std::chrono::milliseconds kPollEvery{250};

struct FeedKind {
  std::string_view type;       // the feed's object type
  std::string_view operation;  // audit name
  std::string_view action;     // as listing that type
};
constexpr FeedKind kFeedKinds[] = {{"secret", "SecretChangesRead", "secrets/readMetadata/action"},
                                   {"key", "KeyChangesRead", "keys/read"},
                                   {"certificate", "CertificateChangesRead", "certificates/read"}};

Result<int> int_param(const ParsedTarget& target, std::string_view name, int lo, int hi, int dflt) {
  auto text = target.param(std::string(name));
  if (!text || text->empty()) return dflt;
  int v = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size() || v < lo || v > hi) {
    return bad_parameter("Query parameter '" + std::string(name) + "' must be an integer from " + std::to_string(lo) +
                         " to " + std::to_string(hi) + ".");
  }
  return v;
}

json::object page_json(const vault::ChangePage& page, std::string_view type) {
  json::array changes;
  for (const auto& c : page.changes) {
    if (c.type == "access") {
      changes.push_back(json::object{{"objectType", "access"}});
    } else if (c.type == type) {
      changes.push_back(json::object{{"objectType", c.type}, {"name", c.name}});
    }
  }
  return json::object{
      {"cursor", page.cursor}, {"reset", page.reset}, {"more", page.more}, {"changes", std::move(changes)}};
}

// Whether the page says anything to a reader of `type`.
bool worth_answering(const vault::ChangePage& page, std::string_view type) {
  if (page.reset || page.more) return true;
  for (const auto& c : page.changes) {
    if (c.type == "access" || c.type == type) return true;
  }
  return false;
}

}  // namespace

std::optional<Operation> route_change_feed_operation(const VaultRequest& req, vault::ChangeFeed& feed,
                                                     ConcurrencyGate& waiters) {
  const auto& seg = req.target.segments;
  if (seg.size() != 2 || seg[0] != "coffer" || seg[1] != "changes" || req.http.method != "GET") return std::nullopt;
  const std::string type(req.target.param("objectType").value_or("secret"));
  const FeedKind* kind = nullptr;
  for (const auto& k : kFeedKinds) {
    if (k.type == type) kind = &k;
  }
  const std::string scope = "/vaults/" + req.vault.name;
  if (!kind) {  // answered as the secrets feed would be, after its authorization
    return data_operation("SecretChangesRead", "secrets/readMetadata/action", scope, req.base + "/coffer/changes", [] {
      return error_response(bad_parameter("Query parameter 'objectType' must be secret, key or certificate."));
    });
  }
  const vault::VaultInfo& vault = req.vault;
  const ParsedTarget& target = req.target;
  return data_operation(std::string(kind->operation), kind->action, scope, req.base + "/coffer/changes",
                        [&feed, &waiters, &vault, &target, type = std::string(kind->type)]() -> http::Response {
                          auto max = int_param(target, "maxResults", 1, static_cast<int>(vault::kMaxChangesPerRead),
                                               static_cast<int>(vault::kMaxChangesPerRead));
                          if (!max.ok()) return error_response(max.status());
                          auto wait = int_param(target, "maxWaitSeconds", 0, kMaxWaitSeconds, 0);
                          if (!wait.ok()) return error_response(wait.status());
                          const std::string cursor(target.param("cursor").value_or(""));
                          auto page = feed.read(vault, cursor, static_cast<std::size_t>(*max));
                          if (!page.ok()) return error_response(page.status());
                          if (*wait == 0 || worth_answering(*page, type))
                            return json_response(200, page_json(*page, type));
                          if (http::can_defer())
                            return http::Response::offloaded();  // waits on a worker, not on the event loop
                          auto pass = waiters.enter(std::chrono::milliseconds(0));
                          if (!pass)
                            return json_response(200,
                                                 page_json(*page, type));  // every waiting slot is taken: answer now
                          const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(*wait);
                          while (std::chrono::steady_clock::now() + kPollEvery < deadline) {
                            std::this_thread::sleep_for(kPollEvery);
                            page = feed.read(vault, cursor, static_cast<std::size_t>(*max));
                            if (!page.ok()) return error_response(page.status());
                            if (worth_answering(*page, type)) break;
                          }
                          return json_response(200, page_json(*page, type));
                        });
}

}  // namespace coffer::api
