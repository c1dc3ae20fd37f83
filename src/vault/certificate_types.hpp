// Domain values of AKV certificates: the policy (what to issue and how to
// renew it), a certificate version's properties, the pending operation of
// a create, and their soft-deleted form. Plain data; no JSON, no HTTP.
// Enum-like strings hold AKV's canonical spelling (check_policy() refuses
// anything else), because the SDKs compare them case-sensitively.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "crypto/certificate_profile.hpp"
#include "vault/types.hpp"

namespace coffer::vault {

inline constexpr std::string_view kPkcs12ContentType = "application/x-pkcs12";
inline constexpr std::string_view kPemContentType = "application/x-pem-file";
inline constexpr std::string_view kSelfIssuer = "Self";
inline constexpr std::string_view kUnknownIssuer = "Unknown";

struct CertificateKeyProps {
  bool exportable = true;
  std::string kty = "RSA";  // RSA or EC (the -HSM forms only under --emulate-hsm)
  int key_size = 2048;      // RSA 2048/3072/4096; EC 256/384/521 (from crv)
  std::string crv;          // EC: P-256, P-384, P-521 (P-256K is not a certificate curve)
  bool reuse_key = false;   // renewal keeps the key
};

// One of lifetime_percentage (1-99) and days_before_expiry (≥ 1).
struct CertificateLifetimeAction {
  std::optional<int> lifetime_percentage;
  std::optional<int> days_before_expiry;
  std::string action;  // "AutoRenew" or "EmailContacts"
};

struct CertificatePolicy {
  CertificateKeyProps key;
  std::string content_type = std::string(kPkcs12ContentType);
  crypto::CertificateProfile x509;
  std::vector<CertificateLifetimeAction> lifetime_actions;
  std::string issuer = std::string(kSelfIssuer);  // Self, Unknown, or an issuer object's name
  std::optional<std::string> certificate_type;    // issuer.cty, echoed
  std::optional<bool> certificate_transparency;   // issuer.cert_transparency, echoed
  bool enabled = true;
  int64_t created = 0;
  int64_t updated = 0;
};

// AKV's defaults for what a create request leaves out: RSA 2048 exportable,
// PKCS#12, 12 months, server+client auth EKUs, digitalSignature +
// keyEncipherment, AutoRenew at 80 % of the lifetime.
CertificatePolicy default_certificate_policy();
// kBadParameter naming the first problem.
Status check_certificate_policy(const CertificatePolicy& policy);

struct CertificateProperties {
  std::string name;
  std::string version;    // 32 hex; the backing key and secret have the same
  Attributes attributes;  // nbf/exp mirror the X.509 validity once issued
  Tags tags;
  std::string cer;           // DER of the leaf; empty while the version is pending
  std::string x5t;           // base64url SHA-1 of cer; empty while pending
  std::string content_type;  // of the backing secret
  // AKV 7.6+ preserveCertOrder as the create or import request gave it;
  // nullopt when the request did not name it (then responses leave it out).
  std::optional<bool> preserve_cert_order;
  std::string previous_version;  // the name's latest version when this one was made; empty for the first
};

struct Certificate {
  CertificateProperties properties;
  CertificatePolicy policy;
};

struct DeletedCertificate {
  Certificate certificate;  // latest version
  DeletionInfo deletion;
};

// The pending operation of a name (AKV's CertificateOperation).
struct CertificateOperation {
  std::string version;  // the version being issued
  std::string issuer;
  std::string csr;  // DER
  bool cancellation_requested = false;
  std::string status;  // "inProgress", "completed", "cancelled", "failed"
  std::string status_details;
  std::string request_id;
  std::optional<bool> preserve_cert_order;  // as the create request gave it
};

// POST /certificates/{name}/create.
struct CertificateDraft {
  CertificatePolicy policy;
  bool enabled = true;
  Tags tags;
  std::optional<bool> preserve_cert_order;
  std::string idempotency_key;  // vault/idempotency.hpp; empty = not identified
};

// POST /certificates/{name}/import: a PKCS#12 (DER) or PEM text with the
// private key and its chain; the policy is derived from the certificate
// where the request gives none.
struct CertificateImport {
  SecureString value;  // PFX bytes or PEM text (holds the private key), as decoded by the API layer
  bool pem = false;    // value is PEM text
  SecureString password;
  std::optional<CertificatePolicy> policy;
  std::optional<std::string> content_type;  // secret_props.contentType when a partial policy gave only that
  bool enabled = true;
  Tags tags;
  std::optional<bool> preserve_cert_order;
  std::string idempotency_key;  // vault/idempotency.hpp; empty = not identified
};

// A certificate issuer object (AKV's IssuerBundle). Provider "Coffer" is
// Coffer's own CA: account_id names a CA certificate in the same vault,
// whose key signs the certificates of every policy that names this issuer.
struct IssuerAdmin {
  std::string first_name, last_name, email, phone;
};
struct CertificateIssuer {
  std::string name;
  std::string provider;
  std::string account_id;
  std::optional<SecureString> password;  // stored sealed; never shown
  std::string organization_id;
  std::vector<IssuerAdmin> admins;
  bool enabled = true;
  int64_t created = 0;
  int64_t updated = 0;
};
inline constexpr std::string_view kCofferIssuerProvider = "Coffer";

struct CertificateContact {
  std::string email, name, phone;
};

// PATCH /certificates/{name}[/{version}]: unset fields stay.
struct CertificatePatch {
  std::optional<bool> enabled;
  std::optional<Tags> tags;
};

}  // namespace coffer::vault
