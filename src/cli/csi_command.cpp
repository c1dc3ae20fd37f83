// `coffer csi-provider`: the Secrets Store CSI Driver provider (src/csi/).
// Flags follow Azure's provider where they overlap (PROVIDER-SPEC §4.6).
#include <memory>

#include "cli/commands.hpp"
#include "csi/provider_main.hpp"

namespace coffer::cli {
namespace {

struct ProviderArgs {
  csi::ProviderConfig config;
  std::string healthz_timeout = "5s";
};

// A Go-style duration of whole units: "5s", "500ms", "1m"; a bare number is seconds.
Result<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t used = 0;
  long value = -1;
  try {
    value = std::stol(text, &used, 10);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  if (used == 0 || value <= 0) return Status(Code::kBadParameter, "--healthz-timeout must be a duration such as 5s.");
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(value * 1000);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "m") return std::chrono::milliseconds(value * 60000);
  return Status(Code::kBadParameter, "--healthz-timeout must be a duration such as 5s, 500ms or 1m.");
}

}  // namespace

void add_csi_provider_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "csi-provider", "Run the Secrets Store CSI Driver provider: pods mount Coffer secrets, keys and certificates.");
  auto a = std::make_shared<ProviderArgs>();
  auto& c = a->config;
  cmd->add_option("--endpoint", c.endpoint,
                  "Unix socket to serve, unix:///DIR/<provider-name>.sock "
                  "(default: unix:///var/run/secrets-store-csi-providers/<provider-name>.sock).");
  cmd->add_option("--provider-name", c.provider_name,
                  "The SecretProviderClass spec.provider this serves (default: coffer; 'azure' serves unchanged "
                  "Azure classes).");
  cmd->add_option("--vault-dns-suffix", c.mount.defaults.vault_dns_suffix,
                  "keyvaultName resolves to https://<keyvaultName>.<suffix>, e.g. vault.coffer.example:8443.");
  cmd->add_option("--authority-host", c.mount.defaults.authority_host,
                  "Coffer's token authority, e.g. https://coffer.coffer.svc:8443 (tokens come from "
                  "<authority>/<tenantID>/oauth2/v2.0/token).");
  cmd->add_option("--ca-file", c.mount.ca_file,
                  "CA certificates (PEM) that vouch for Coffer's TLS certificate (default: the system store; a "
                  "class's caBundle parameter overrides it).");
  cmd->add_option("--write-cert-and-key-in-separate-files", c.mount.separate_cert_and_key,
                  "Also write <file>.crt and <file>.key for certificate secrets (default: false).");
  cmd->add_option("--max-file-bytes", c.mount.max_file_bytes,
                  "Largest file a mount may hold (default: 1048576, the Kubernetes Secret limit).");
  cmd->add_option("--max-response-bytes", c.max_response_bytes,
                  "Largest Mount response (default: 4194304, the driver's --max-call-recv-msg-size).");
  cmd->add_option("--http-address", c.http_address, "Address for /healthz and /metrics (default: 0.0.0.0).");
  cmd->add_option("--healthz-port", c.healthz_port, "Port of the health endpoint (default: 8989; 0 = off).");
  cmd->add_option("--healthz-path", c.healthz_path, "Path of the health endpoint (default: /healthz).");
  cmd->add_option("--healthz-timeout", a->healthz_timeout, "Time the health check may take (default: 5s).");
  cmd->add_option("--prometheus-port", c.prometheus_port, "Port serving /metrics (default: 8898; 0 = off).");
  cmd->callback([&ctx, a] {
    ctx.action = [a] {
      auto timeout = parse_duration(a->healthz_timeout);
      if (!timeout.ok()) return finish(timeout.status());
      a->config.healthz_timeout = *timeout;
      if (a->config.healthz_path.empty() || a->config.healthz_path.front() != '/') {
        return finish(Status(Code::kBadParameter, "--healthz-path must start with '/'."));
      }
      if (auto path = csi::socket_path(a->config); !path.ok()) return finish(path.status());
      return csi::run_provider(a->config);
    };
  });
}

}  // namespace coffer::cli
