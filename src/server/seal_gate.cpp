#include "server/seal_gate.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "api/json_body.hpp"
#include "api/responses.hpp"

namespace coffer::server {
namespace json = boost::json;
namespace {

constexpr std::string_view kSysPrefix = "/coffer/v1/sys/";

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

json::object status_json(const seal::SealStatus& s) {
  return json::object{{"type", seal::seal_type_name(s.type)},
                      {"initialized", s.initialized},
                      {"sealed", s.sealed},
                      {"recoverySeal", s.recovery_seal},
                      {"t", s.threshold},
                      {"n", s.shares},
                      {"progress", s.progress},
                      {"nonce", s.nonce},
                      {"keysetId", s.keyset_id},
                      {"clusterId", s.cluster_id},
                      {"hsmKeyLabel", s.hsm_key_label},
                      {"hsmTokenLabel", s.hsm_token_label},
                      {"lastError", s.last_error}};
}

// A body that hands in a share: {"key": "cfs1-…"} and, for the rekey
// routes, {"nonce": "…"}. The share leaves in a wiping buffer; the copies
// made on the way (the request body, the parsed value) are wiped here.
struct HandedShare {
  SecureString share;  // empty: none given
  std::string nonce;
  bool reset = false;  // {"reset": true} (unseal only)
};
Result<HandedShare> take_share(http::Request& request, bool with_nonce) {
  COFFER_ASSIGN_OR_RETURN(json::object body, api::parse_json_object(request.body));
  secure_wipe(request.body.data(), request.body.size());
  HandedShare out;
  auto key = api::opt_string(body, "key");
  if (auto* v = body.if_contains("key"); v && v->is_string()) secure_wipe(v->as_string().data(), v->as_string().size());
  if (key.ok() && *key) out.share = SecureString(std::move(**key));  // before any early return
  auto nonce = api::opt_string(body, "nonce");
  auto reset = api::opt_bool(body, "reset");
  if (!key.ok() || !nonce.ok() || !reset.ok()) return bad_parameter("The body's members must be strings.");
  out.nonce = nonce->value_or("");
  out.reset = reset->value_or(false);
  if (with_nonce ? (out.share.empty() || out.nonce.empty()) : (out.share.empty() && !out.reset)) {
    return bad_parameter(with_nonce ? "The body must be {\"nonce\": \"...\", \"key\": \"cfs1-...\"}."
                                    : "The body must be {\"key\": \"cfs1-...\"} or {\"reset\": true}.");
  }
  return out;
}

}  // namespace

api::RekeyProgress rekey_progress(const seal::SealState::RekeyStatus& r) {
  return api::RekeyProgress{
      r.started,    r.nonce,         r.progress, r.threshold,
      r.new_shares, r.new_threshold, r.verify,   r.migrate_to ? seal::seal_type_name(*r.migrate_to) : ""};
}

http::Response SealGate::handle(http::Request& request) {
  const std::string path = path_of(request.target);
  if (path.rfind(kSysPrefix, 0) == 0) return sys(request, path.substr(kSysPrefix.size()));
  // Counted before the application is looked up, both sequentially
  // consistent: withdraw() clears app_ before it reads the count, so either
  // this request sees no application or withdraw() sees it running.
  in_app_.fetch_add(1);
  if (const http::Handler* app = app_.load()) return to_app(*app, request);
  release();
  return closed(request);
}

http::Response SealGate::to_app(const http::Handler& app, http::Request& request) {
  struct Running {  // released on every way out unless the answer comes later
    SealGate* gate;
    ~Running() {
      if (gate) gate->release();
    }
  } running{this};
  http::Response r = app(request);
  if (r.later) {
    running.gate = nullptr;
    r.later = [this, inner = std::move(r.later)](http::Respond respond) {
      inner([this, respond = std::move(respond)](http::Response answer) {
        respond(std::move(answer));
        release();
      });
    };
  }
  return r;  // an offloaded request comes back through handle() and is counted again
}

void SealGate::release() {
  if (in_app_.fetch_sub(1) == 1) in_app_.notify_all();
}

void SealGate::withdraw() {
  app_.store(nullptr);
  sealed_by_operator_.store(true);
  seal_.seal();
  for (long n = in_app_.load(); n != 0; n = in_app_.load()) in_app_.wait(n);
}

void SealGate::request_seal() {
  {
    std::lock_guard lock(mu_);
    seal_requested_ = true;
  }
  cv_.notify_all();
}

SealGate::Wake SealGate::wait_stop_or_seal() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || seal_requested_; });
  if (stopping_) return Wake::kStop;
  seal_requested_ = false;
  return Wake::kSeal;
}

http::Response SealGate::closed(const http::Request& request) const {
  const seal::SealStatus s = seal_.status();
  if (path_of(request.target) == "/healthz") {
    return api::json_response(
        s.initialized ? 503 : 501,
        json::object{{"status", s.initialized ? (s.sealed ? "sealed" : "starting") : "uninitialized"}});
  }
  Status why =
      !s.initialized ? Status(Code::kUnavailable,
                              "Coffer is not initialized: initialize it with 'coffer operator init'.", "NotInitialized")
      : s.sealed && s.type == seal::SealType::kPkcs11 && sealed_by_operator_.load() && s.threshold > 0
          ? Status(Code::kUnavailable,
                   "Coffer was sealed by an operator: " + std::to_string(s.progress) + " of " +
                       std::to_string(s.threshold) +
                       " recovery shares provided; unseal with 'coffer operator unseal', or restart the server.",
                   "VaultSealed")
      : s.sealed && s.type != seal::SealType::kShamir && sealed_by_operator_.load()
          ? Status(Code::kUnavailable,
                   "Coffer was sealed by an operator: restart the server to unseal it (its seal is " +
                       std::string(seal::seal_type_name(s.type)) + ").",
                   "VaultSealed")
      : s.sealed && s.type == seal::SealType::kPkcs11
          ? Status(Code::kUnavailable,
                   "Coffer is sealed: it unseals itself through its HSM" +
                       (s.last_error.empty() ? std::string(".") : " (last attempt: " + s.last_error + ")."),
                   "VaultSealed")
      : s.sealed ? Status(Code::kUnavailable,
                          "Coffer is sealed: " + std::to_string(s.progress) + " of " + std::to_string(s.threshold) +
                              " unseal shares provided; unseal with 'coffer operator unseal'.",
                          "VaultSealed")
                 : Status(Code::kUnavailable, "Coffer is unsealed and starting; retry shortly.", "ServerStarting");
  http::Response r = api::error_response(why);
  r.set_header("Retry-After", "5");
  return r;
}

http::Response SealGate::sys(http::Request& request, const std::string& route) {
  const std::string& m = request.method;
  if (route == "seal-status" && m == "GET") return api::json_response(200, status_json(seal_.status()));
  if (route == "init" && m == "POST") {
    if (configured_ != seal::SealType::kShamir) {
      return api::error_response(
          Status(Code::kBadParameter, std::string("This server's seal is '") + seal::seal_type_name(configured_) +
                                          "': it initializes itself. Configure \"seal\": \"shamir\" to "
                                          "initialize with shares."));
    }
    auto body = api::parse_json_object(request.body);
    if (!body.ok()) return api::error_response(body.status());
    auto counts = api::parse_share_counts(*body);
    if (!counts.ok()) return api::error_response(counts.status());
    auto keys = seal_.init_shamir(counts->shares, counts->threshold);
    if (!keys.ok()) return api::error_response(keys.status());
    spdlog::warn("seal initialized with {} Shamir shares, threshold {}: the shares were returned once", counts->shares,
                 counts->threshold);
    http::Response r = api::sensitive_json_response(
        200,
        json::object{{"keys", api::shares_json(*keys)}, {"keysetId", seal_.status().keyset_id}, {"sealed", false}});
    notify_unsealed();
    return r;
  }
  if (route == "unseal" && m == "POST") {
    auto handed = take_share(request, false);
    if (!handed.ok()) return api::error_response(handed.status());
    if (handed->reset) {
      seal_.reset();
      spdlog::info("unseal progress reset by {}", request.remote_address);
    } else {
      const bool was_sealed = seal_.status().sealed;
      Status st = seal_.submit_share(handed->share.view(), open_token_);
      if (!st.ok()) {
        spdlog::warn("unseal share from {} refused: {}", request.remote_address, st.message());
        return api::error_response(st);
      }
      const seal::SealStatus after = seal_.status();
      if (was_sealed && !after.sealed) {
        spdlog::info("unsealed by a share from {}", request.remote_address);
        notify_unsealed();
      } else {
        spdlog::info("unseal share from {} accepted: {} of {}", request.remote_address, after.progress,
                     after.threshold);
      }
    }
    return api::json_response(200, status_json(seal_.status()));
  }
  if (route == "rekey/init" && m == "GET") {
    return api::json_response(200, api::rekey_progress_json(rekey_progress(seal_.rekey_status())));
  }
  if (route == "rekey/init" || route == "rekey/cancel") {
    // Starting or dropping a rekey takes an admin (SEAL-SPEC.md §1.7, authenticated rekey).
    return api::error_response(Status(Code::kForbidden,
                                      "Starting or cancelling a rekey takes an admin: POST or DELETE "
                                      "/coffer/admin/rekey ('coffer operator rekey init|cancel', "
                                      "Coffer/rekey/action); the shares then come through rekey/update.",
                                      "Forbidden"));
  }
  if (route == "rekey/update" && m == "POST") {
    auto handed = take_share(request, true);
    if (!handed.ok()) return api::error_response(handed.status());
    auto result = seal_.rekey_submit(handed->nonce, handed->share.view(), open_token_);
    if (!result.ok()) {
      spdlog::warn("rekey share from {} refused: {}", request.remote_address, result.status().message());
      return api::error_response(result.status());
    }
    const seal::SealState::RekeyStatus now = seal_.rekey_status();
    if (result->empty() && now.started) return api::json_response(200, api::rekey_progress_json(rekey_progress(now)));
    if (result->empty()) {  // a migration's quorum: the seal moved
      const char* model = seal::seal_type_name(seal_.status().type);
      spdlog::warn(
          "the seal migrated to '{}' by a quorum of shares from {}: name \"seal\": \"{}\" in the "
          "configuration before the next start",
          model, request.remote_address, model);
      return api::json_response(200, json::object{{"complete", true}, {"seal", model}});
    }
    const seal::SealState::RekeyStatus after = seal_.rekey_status();
    json::object answer{{"complete", !after.verifying}, {"keys", api::shares_json(*result)}};
    if (after.verifying) {
      spdlog::warn("rekey quorum reached by {}: new shares returned once, in force once verified",
                   request.remote_address);
      answer["verificationRequired"] = true;
      answer["verificationNonce"] = after.nonce;
    } else {
      spdlog::warn("rekey completed by {}: new shares returned once; the old shares no longer unseal",
                   request.remote_address);
      answer["keysetId"] = seal_.status().keyset_id;
    }
    return api::sensitive_json_response(200, std::move(answer));
  }
  if (route == "rekey/verify" && m == "POST") {
    auto handed = take_share(request, true);
    if (!handed.ok()) return api::error_response(handed.status());
    auto done = seal_.rekey_verify(handed->nonce, handed->share.view());
    if (!done.ok()) return api::error_response(done.status());
    if (!*done) return api::json_response(200, api::rekey_progress_json(rekey_progress(seal_.rekey_status())));
    spdlog::warn("rekey verified by {}: the new shares are in force, the old ones no longer unseal",
                 request.remote_address);
    return api::json_response(200, json::object{{"complete", true}, {"keysetId", seal_.status().keyset_id}});
  }
  return api::error_response(Status(Code::kNotFound, "No such sys endpoint."));
}

bool SealGate::wait_unsealed() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || !seal_.status().sealed; });
  if (!stopping_) sealed_by_operator_.store(false);
  return !stopping_;
}

void SealGate::notify_unsealed() {
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void SealGate::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
}

}  // namespace coffer::server
