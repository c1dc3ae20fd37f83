#include "auth/public_clients.hpp"

#include "common/ascii.hpp"

namespace coffer::auth {
namespace {

constexpr PublicClient kPublicClients[] = {
    {kAzureCliClientId, "Microsoft Azure CLI", false},
    {kAzurePowerShellClientId, "Microsoft Azure PowerShell", false},
    {kConsoleClientId, "Coffer console", true},
};

// http://localhost[:port][/path] or http://127.0.0.1[:port][/path], nothing else (no userinfo, no fragment).
bool is_loopback_redirect(std::string_view uri) {
  constexpr std::string_view kScheme = "http://";
  if (uri.size() > 512 || !istarts_with_ascii(uri, kScheme)) return false;
  std::string_view rest = uri.substr(kScheme.size());
  const std::size_t end = rest.find_first_of("/?#");
  std::string_view host_port = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (tail.find('#') != std::string_view::npos) return false;
  std::string_view host = host_port;
  if (const std::size_t colon = host_port.find(':'); colon != std::string_view::npos) {
    host = host_port.substr(0, colon);
    const std::string_view port = host_port.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    unsigned number = 0;
    for (char c : port) {
      if (c < '0' || c > '9') return false;
      number = number * 10 + unsigned(c - '0');
    }
    if (number == 0 || number > 65535) return false;
  }
  if (!iequals_ascii(host, "localhost") && host != "127.0.0.1") return false;
  for (unsigned char c : tail) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' || c == '\\') return false;
  }
  return true;
}

}  // namespace

const PublicClient* find_public_client(std::string_view client_id) {
  for (const auto& c : kPublicClients) {
    if (iequals_ascii(c.client_id, client_id)) return &c;
  }
  return nullptr;
}

std::string console_redirect_uri(std::string_view authority) { return std::string(authority) + "/console/"; }

bool redirect_allowed(const PublicClient& client, std::string_view redirect_uri, std::string_view authority) {
  if (client.console) return redirect_uri == console_redirect_uri(authority);
  return is_loopback_redirect(redirect_uri);
}

}  // namespace coffer::auth
