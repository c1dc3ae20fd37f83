#include "auth/client_assertion.hpp"

#include <ctime>

#include "auth/jwt.hpp"
#include "common/base64.hpp"
#include "common/time_format.hpp"

namespace coffer::auth {
namespace {

Status invalid_request(std::string description) {
  return Status(Code::kBadParameter, std::move(description), "invalid_request");
}
Status invalid_client(std::string description) {
  return Status(Code::kUnauthorized, std::move(description), "invalid_client");
}
Status malformed_assertion(const std::string& why) {
  return invalid_request("AADSTS50027: JWT token is invalid or malformed. " + why);
}

// Claim values quoted in error descriptions are the caller's own input; cap them.
std::string quoted(const std::string& s) { return "'" + s.substr(0, 600) + "'"; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s.substr(0, 600);
  return out;
}

}  // namespace

ClientAssertionVerifier::ClientAssertionVerifier(ServicePrincipalRegistry& principals,
                                                 WorkloadCredentialRegistry& credentials, IssuerKeyCache& issuer_keys,
                                                 const Clock& clock)
    : principals_(principals), credentials_(credentials), issuer_keys_(issuer_keys), clock_(clock) {}

Result<Principal> ClientAssertionVerifier::authenticate(const std::string& client_id, std::string_view assertion,
                                                        const std::vector<std::string>& token_endpoints) {
  auto jws = parse_compact_jws(assertion);
  if (!jws.ok()) return malformed_assertion(jws.status().message());
  const std::string alg = string_member(jws->header, "alg").value_or("");
  if (alg.empty()) return malformed_assertion("The header has no 'alg'.");
  if (!crypto::is_accepted_jws_algorithm(alg)) {
    return malformed_assertion("The signing algorithm " + quoted(alg.substr(0, 32)) +
                               " is not accepted (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384).");
  }
  if (jws->header.contains("crit"))
    return malformed_assertion("The header has critical extensions, which are not supported.");
  const auto iss = string_member(jws->claims, "iss");
  const auto sub = string_member(jws->claims, "sub");
  if (!iss || iss->empty() || !sub || sub->empty())
    return malformed_assertion("The 'iss' and 'sub' claims are required.");
  if (*iss == *sub && (client_id.empty() || client_id == *iss)) {
    return certificate(*iss, *jws, alg, token_endpoints);
  }
  if (client_id.empty()) {
    return invalid_request("AADSTS900144: The request body must contain the following parameter: 'client_id'.");
  }
  return federated(client_id, *jws, alg);
}

Status ClientAssertionVerifier::check_times(const CompactJws& jws) const {
  const auto exp = time_member(jws.claims, "exp");
  if (!exp) return malformed_assertion("The 'exp' claim is required.");
  const auto nbf = time_member(jws.claims, "nbf");
  const int64_t now = clock_.now();
  if (*exp + kClockSkewSeconds <= now || (nbf && *nbf > now + kClockSkewSeconds)) {
    return invalid_client("AADSTS700024: Client assertion is not within its valid time range. Current time: " +
                          to_iso8601(now, UtcSuffix::kZ) + ", assertion valid from " +
                          (nbf ? to_iso8601(*nbf, UtcSuffix::kZ) : std::string("(unset)")) +
                          ", expiry time of assertion " + to_iso8601(*exp, UtcSuffix::kZ) + ".");
  }
  return Status::Ok();
}

Result<Principal> ClientAssertionVerifier::federated(const std::string& client_id, const CompactJws& jws,
                                                     const std::string& alg) {
  const std::string iss = string_member(jws.claims, "iss").value_or("");
  const std::string sub = string_member(jws.claims, "sub").value_or("");
  const std::vector<std::string> aud = audience_claim(jws.claims);
  const Status no_match = invalid_request(
      "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: " +
      quoted(iss) + ". Assertion Subject: " + quoted(sub) + ". Assertion Audience: " + quoted(join(aud)) + ".");
  auto creds = credentials_.list_federated(client_id);
  if (!creds.ok()) return creds.status().code() == Code::kNotFound ? no_match : creds.status();
  const FederatedCredential* match = nullptr;
  for (const auto& c : *creds) {
    if (c.issuer != iss || c.subject != sub) continue;
    for (const auto& a : aud) {
      for (const auto& want : c.audiences) {
        if (a == want) match = &c;
      }
    }
    if (match) break;
  }
  if (!match) return no_match;

  const std::string kid = string_member(jws.header, "kid").value_or("");
  auto key = issuer_keys_.find(match->issuer, kid);
  if (!key.ok()) {
    if (key.status().code() == Code::kUnavailable) {
      return Status(Code::kUnavailable,
                    "AADSTS50166: Request to External OIDC endpoint failed. " + key.status().message(),
                    "temporarily_unavailable");
    }
    return invalid_client(
        "AADSTS50013: Assertion failed signature validation. [Reason - The key was not found., "
        "Key id of the assertion: " +
        quoted(kid.substr(0, 128)) + "]");
  }
  if (!key->supports(alg) || !key->verify(alg, jws.signing_input, jws.signature)) {
    return invalid_client(
        "AADSTS50013: Assertion failed signature validation. [Reason - The provided signature "
        "value did not match the expected signature value.]");
  }
  COFFER_RETURN_IF_ERROR(check_times(jws));
  auto principal = principals_.find(client_id);
  if (!principal.ok()) return principal.status().code() == Code::kNotFound ? no_match : principal.status();
  return principal;
}

Result<Principal> ClientAssertionVerifier::certificate(const std::string& client_id, const CompactJws& jws,
                                                       const std::string& alg,
                                                       const std::vector<std::string>& token_endpoints) {
  const auto x5t_s256 = string_member(jws.header, "x5t#S256");
  const auto x5t = string_member(jws.header, "x5t");
  if (!x5t_s256 && !x5t) return malformed_assertion("The header must name the certificate with 'x5t' or 'x5t#S256'.");
  // MSAL pads the base64url thumbprint ("…="); compare the decoded bytes.
  const auto raw_thumbprint = base64url_decode(x5t_s256 ? *x5t_s256 : *x5t);
  const std::string thumbprint = raw_thumbprint ? base64url_encode(*raw_thumbprint) : std::string();
  const std::string thumb_hex = raw_thumbprint ? hex_encode(*raw_thumbprint) : std::string();
  const Status not_registered = invalid_client(
      "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on "
      "application. [Reason - The key was not found., Thumbprint of key used by client: " +
      quoted(thumb_hex.substr(0, 128)) + "]");
  auto certs = credentials_.list_certificates(client_id);
  if (!certs.ok()) return certs.status().code() == Code::kNotFound ? not_registered : certs.status();
  const CertificateCredential* cert = nullptr;
  for (const auto& c : *certs) {
    if (!thumbprint.empty() && thumbprint == (x5t_s256 ? c.x5t_s256 : c.x5t)) cert = &c;
  }
  if (!cert) return not_registered;

  std::vector<std::string> aud = audience_claim(jws.claims);
  bool aud_ok = false;
  for (const auto& a : aud) {
    for (const auto& e : token_endpoints) {
      if (without_trailing_slashes(a) == without_trailing_slashes(e)) aud_ok = true;
    }
  }
  if (!aud_ok) {
    return invalid_client(
        "AADSTS50013: Assertion audience does not match the token endpoint. The audience in the "
        "assertion was " +
        quoted(join(aud)) + " and the expected audience is " +
        quoted(token_endpoints.empty() ? std::string() : token_endpoints.front()) + ".");
  }
  const auto jti = string_member(jws.claims, "jti");
  if (!jti || jti->empty()) return malformed_assertion("The 'jti' claim is required.");

  auto info = crypto::parse_certificate(cert->der);
  if (!info.ok()) return Status(Code::kInternal, "stored certificate credential cannot be parsed");
  if (!info->key.supports(alg) || !info->key.verify(alg, jws.signing_input, jws.signature)) {
    return invalid_client(
        "AADSTS700027: Client assertion failed signature validation. [Reason - The provided "
        "signature value did not match the expected signature value.]");
  }
  const int64_t now = clock_.now();
  if (now + kClockSkewSeconds < cert->not_before || now >= cert->not_after) {
    return invalid_client(
        "AADSTS700027: Client assertion failed signature validation. [Reason - The certificate "
        "credential is outside its validity period (" +
        to_iso8601(cert->not_before, UtcSuffix::kZ) + " to " + to_iso8601(cert->not_after, UtcSuffix::kZ) + ").]");
  }
  COFFER_RETURN_IF_ERROR(check_times(jws));
  auto principal = principals_.find(client_id);
  if (!principal.ok()) return principal.status().code() == Code::kNotFound ? not_registered : principal.status();
  return principal;
}

}  // namespace coffer::auth
