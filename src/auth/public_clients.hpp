// The public client applications people sign in through (no client secret:
// they run on the person's machine or in the browser), and where each may
// have the authorization endpoint send its code. As Entra ID does for
// Microsoft's own first-party apps, these are known by id without
// registration:
//   - the Azure CLI and Azure PowerShell (also the Azure SDK's default for
//     InteractiveBrowserCredential and DeviceCodeCredential): loopback
//     redirect URIs only, http://localhost or http://127.0.0.1 on any port
//     and path (RFC 8252 §7.3);
//   - Coffer's web console: exactly `<authority>/console/`.
#pragma once

#include <string>
#include <string_view>

namespace coffer::auth {

inline constexpr std::string_view kAzureCliClientId = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
inline constexpr std::string_view kAzurePowerShellClientId = "1950a258-227b-4e31-a9cf-717495945fc2";
inline constexpr std::string_view kConsoleClientId = "c0ffe000-c0de-4c0f-8fee-000000c0501e";

struct PublicClient {
  std::string_view client_id;
  std::string_view display_name;
  bool console;  // redirects to the console only; otherwise loopback only
};

// nullptr when `client_id` is none of them (compared without case).
const PublicClient* find_public_client(std::string_view client_id);

// Whether `redirect_uri` is one this client may be sent to; `authority` is
// the server's https origin (https://host:port).
bool redirect_allowed(const PublicClient& client, std::string_view redirect_uri, std::string_view authority);

// The console's redirect URI for a server at `authority`.
std::string console_redirect_uri(std::string_view authority);

}  // namespace coffer::auth
