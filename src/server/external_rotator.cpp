#include "server/external_rotator.hpp"

#include <spdlog/spdlog.h>

#include "api/secret_rotation_codec.hpp"
#include "common/secure_memory.hpp"
#include "server/webhook_post.hpp"

namespace coffer::server {

ExternalRotator::ExternalRotator(store::Leadership& leadership, vault::VaultRegistry& vaults,
                                 vault::SecretRotation& rotation, const Clock& clock, ExternalRotatorOptions options)
    : leadership_(leadership), vaults_(vaults), rotation_(rotation), clock_(clock), options_(std::move(options)) {
  if (options_.metrics) {
    steps_ = &options_.metrics->counter("coffer_secret_rotation_steps_total",
                                        "Steps posted to external secret rotators, by step and result.");
  }
}

ExternalRotator::~ExternalRotator() { stop(); }

void ExternalRotator::start() {
  thread_ = std::thread([this] { run(); });
}

void ExternalRotator::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  workers_.join_all();
}

bool ExternalRotator::stopping() {
  std::lock_guard lock(mu_);
  return stopping_;
}

void ExternalRotator::run() {
  using namespace std::chrono_literals;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, 500ms, [&] { return stopping_; })) return;
    }
    workers_.reap();
    if (!leadership_.lead()) continue;
    auto vaults = vaults_.list();
    if (!vaults.ok()) {
      spdlog::warn("secret rotation: listing the vaults failed: {}", vaults.status().message());
      continue;
    }
    auto calls = rotation_.claim_due_steps(*vaults, clock_.now());
    if (!calls.ok()) {
      spdlog::warn("secret rotation: reading the due steps failed: {}", calls.status().message());
      continue;
    }
    for (auto& call : *calls) {
      if (stopping()) break;
      // A claimed step whose secret's worker still runs waits for the claim to lapse.
      workers_.spawn(call.vault.id + "/" + call.name, [this, call] { post_step(call); });
    }
  }
}

void ExternalRotator::post_step(const vault::RotatorCall& call) {
  const std::string step(vault::rotation_step_name(call.step));
  const std::string secret_url = options_.vault_url(call.vault.name) + "/secrets/" + call.name;
  const auto client = webhook_client(call.rotator.endpoint_url, options_.ca_file, options_.allow_private_endpoints);
  const std::string body = api::rotator_step_body(call, secret_url);
  std::vector<std::pair<std::string, std::string>> headers = {{"coffer-rotation-step", step}};
  if (call.signing_secret) {  // webhook-id: the same for every try of this step
    auto signed_headers =
        webhook_signature_headers(call.signing_secret->view(), call.token + "." + step, clock_.now(), body);
    if (!signed_headers.ok()) {  // never unsigned when the rotator expects a signature: the claim lapses
      spdlog::warn("secret rotation: cannot sign {} of {}: {}", step, call.name, signed_headers.status().message());
      return;
    }
    headers.insert(headers.end(), signed_headers->begin(), signed_headers->end());
  }
  WebhookPost p = post_webhook(*client, call.rotator.endpoint_url, "application/json", body, std::move(headers));
  Status recorded;
  if (p.succeeded()) {
    auto answer = api::parse_rotator_answer(p.body);
    secure_wipe(p.body.data(), p.body.size());  // it may hold the new value (createSecret)
    recorded = answer.ok()
                   ? rotation_.step_succeeded(call, *answer)
                   : rotation_.step_failed(call, step + "'s answer is malformed: " + answer.status().message(), 0);
    if (recorded.ok()) spdlog::info("secret rotation: {} of {} done", step, call.name);
  } else {
    const std::string why = p.status ? "the rotator answered " + std::to_string(p.status) + " " + p.outcome
                                     : p.outcome + " (" + p.body.substr(0, 200) + ")";
    secure_wipe(p.body.data(), p.body.size());  // an error answer could echo what it was sent
    spdlog::info("secret rotation: {} of {} failed: {}", step, call.name, why);
    recorded = rotation_.step_failed(call, why, p.retry_after);
  }
  if (steps_ && recorded.ok()) {
    steps_->add(prometheus::label_set({{"step", step}, {"result", p.succeeded() ? "done" : "failed"}}));
  }
  if (!recorded.ok()) {  // moved on meanwhile (aborted, restarted), or the store failed: the claim lapses
    spdlog::warn("secret rotation: recording {} of {} failed: {}", step, call.name, recorded.message());
  }
}

}  // namespace coffer::server
