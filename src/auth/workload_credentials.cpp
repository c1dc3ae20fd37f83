#include "auth/workload_credentials.hpp"

#include <algorithm>
#include <cctype>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/record_codec.hpp"
#include "crypto/jws.hpp"
#include "crypto/random.hpp"

namespace coffer::auth {
namespace {

enum FicField : uint8_t { kCredName = 1, kCredIssuer, kCredSubject, kCredAudiences, kCredDescription, kCredCreated };
enum CertField : uint8_t { kCredKeyId = 1, kCredDer, kCredCertCreated };

constexpr std::size_t kMaxUrl = 600;
constexpr std::size_t kMaxAudiences = 10;
constexpr std::size_t kScanPage = 100;

std::string fic_prefix(const std::string& client_id) { return credential_prefix(client_id) + "fic/"; }
std::string cert_prefix(const std::string& client_id) { return credential_prefix(client_id) + "cert/"; }

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool valid_client_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return ascii_alnum(c) || c == '-'; });
}

Status principal_not_found(const std::string& client_id) {
  return Status(Code::kNotFound, "Service principal '" + client_id.substr(0, 64) + "' was not found.");
}

Status validate_name(const std::string& name) {
  const bool ok = name.size() >= 3 && name.size() <= 120 && ascii_alnum(name[0]) &&
                  std::all_of(name.begin(), name.end(), [](char c) { return ascii_alnum(c) || c == '-' || c == '_'; });
  if (!ok) {
    return bad_parameter(
        "The federated credential name must be 3-120 characters: letters, digits, '-' and '_', starting "
        "with a letter or digit.");
  }
  return Status::Ok();
}

Status validate(FederatedCredential& c) {
  COFFER_RETURN_IF_ERROR(validate_name(c.name));
  if (c.issuer.rfind("https://", 0) != 0 || c.issuer.size() <= 8 || c.issuer.size() > kMaxUrl ||
      has_control(c.issuer) || c.issuer.find_first_of(" ?#") != std::string::npos) {
    return bad_parameter("The issuer must be an https URL of at most 600 characters, without query or fragment.");
  }
  if (c.subject.empty() || c.subject.size() > kMaxUrl || has_control(c.subject)) {
    return bad_parameter("The subject must be 1-600 printable characters.");
  }
  if (c.audiences.empty()) c.audiences.push_back(kTokenExchangeAudience);
  if (c.audiences.size() > kMaxAudiences) return bad_parameter("At most 10 audiences may be given.");
  for (const auto& a : c.audiences) {
    if (a.empty() || a.size() > kMaxUrl || has_control(a))
      return bad_parameter("Each audience must be 1-600 printable characters.");
  }
  if (c.description.size() > kMaxUrl || has_control(c.description)) {
    return bad_parameter("The description must be at most 600 printable characters.");
  }
  return Status::Ok();
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    auto end = s.find('\n', start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::string encode(const FederatedCredential& c) {
  RecordWriter w;
  w.bytes(kCredName, c.name).bytes(kCredIssuer, c.issuer).bytes(kCredSubject, c.subject);
  w.bytes(kCredAudiences, join_lines(c.audiences)).bytes(kCredDescription, c.description).i64(kCredCreated, c.created);
  return w.take();
}

Result<FederatedCredential> decode_fic(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt federated credential record");
  FederatedCredential c;
  c.name = r->bytes(kCredName);
  c.issuer = r->bytes(kCredIssuer);
  c.subject = r->bytes(kCredSubject);
  c.audiences = split_lines(r->bytes(kCredAudiences));
  c.description = r->bytes(kCredDescription);
  c.created = r->i64(kCredCreated);
  return c;
}

std::string upper_hex(std::string_view raw) {
  std::string h = hex_encode(raw);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
  return h;
}

Result<CertificateCredential> decode_cert(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return Status(Code::kInternal, "corrupt certificate credential record");
  CertificateCredential c;
  c.key_id = r->bytes(kCredKeyId);
  c.der = r->bytes(kCredDer);
  c.created = r->i64(kCredCertCreated);
  auto info = crypto::parse_certificate(c.der);
  if (!info.ok()) return Status(Code::kInternal, "stored certificate credential cannot be parsed");
  c.thumbprint = upper_hex(info->sha1);
  c.x5t = base64url_encode(info->sha1);
  c.x5t_s256 = base64url_encode(info->sha256);
  c.subject = info->subject;
  c.not_before = info->not_before;
  c.not_after = info->not_after;
  return c;
}

// Every entry under `prefix`, in key order.
Status scan_all(store::ReadTxn& txn, const std::string& prefix, std::vector<store::Entry>& out) {
  std::string after;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(auto page, txn.scan(prefix, after, kScanPage));
    for (auto& e : page) out.push_back(std::move(e));
    if (page.size() < kScanPage) return Status::Ok();
    after = out.back().key;
  }
}

Status require_principal(store::ReadTxn& txn, const std::string& client_id) {
  if (!valid_client_id(client_id)) return principal_not_found(client_id);
  COFFER_ASSIGN_OR_RETURN(auto sp, txn.get(service_principal_record_key(client_id)));
  if (!sp) return principal_not_found(client_id);
  return Status::Ok();
}

}  // namespace

std::string service_principal_record_key(const std::string& client_id) { return "sp/" + client_id; }
std::string credential_prefix(const std::string& client_id) { return "spcred/" + client_id + "/"; }

WorkloadCredentialRegistry::WorkloadCredentialRegistry(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<FederatedCredential> WorkloadCredentialRegistry::add_federated(const std::string& client_id,
                                                                      FederatedCredential c) {
  COFFER_RETURN_IF_ERROR(validate(c));
  c.created = clock_.now();
  const std::string record = encode(c);
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    std::vector<store::Entry> existing;
    COFFER_RETURN_IF_ERROR(scan_all(txn, fic_prefix(client_id), existing));
    for (const auto& e : existing) {
      COFFER_ASSIGN_OR_RETURN(FederatedCredential other, decode_fic(e.value));
      if (other.name == c.name) {
        return Status(Code::kConflict, "A federated credential named '" + c.name + "' already exists.");
      }
      if (other.issuer == c.issuer && other.subject == c.subject) {
        return Status(Code::kConflict,
                      "The federated credential '" + other.name + "' already has this issuer and subject.");
      }
    }
    if (existing.size() >= kMaxFederatedCredentials) {
      return bad_parameter("A service principal can have at most 20 federated identity credentials.");
    }
    return txn.put_if(fic_prefix(client_id) + c.name, record, 0);
  }));
  return c;
}

Result<std::vector<FederatedCredential>> WorkloadCredentialRegistry::list_federated(const std::string& client_id) {
  std::vector<store::Entry> entries;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    return scan_all(txn, fic_prefix(client_id), entries);
  }));
  std::vector<FederatedCredential> out;
  for (const auto& e : entries) {
    COFFER_ASSIGN_OR_RETURN(FederatedCredential c, decode_fic(e.value));
    out.push_back(std::move(c));
  }
  return out;
}

Result<FederatedCredential> WorkloadCredentialRegistry::find_federated(const std::string& client_id,
                                                                       const std::string& name) {
  std::optional<store::Entry> entry;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    if (!validate_name(name).ok()) return Status::Ok();
    COFFER_ASSIGN_OR_RETURN(entry, txn.get(fic_prefix(client_id) + name));
    return Status::Ok();
  }));
  if (!entry) return Status(Code::kNotFound, "Federated credential '" + name.substr(0, 120) + "' was not found.");
  return decode_fic(entry->value);
}

Status WorkloadCredentialRegistry::remove_federated(const std::string& client_id, const std::string& name) {
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    const Status missing(Code::kNotFound, "Federated credential '" + name.substr(0, 120) + "' was not found.");
    if (!validate_name(name).ok()) return missing;
    COFFER_ASSIGN_OR_RETURN(auto entry, txn.get(fic_prefix(client_id) + name));
    if (!entry) return missing;
    return txn.erase(fic_prefix(client_id) + name);
  });
}

Result<CertificateCredential> WorkloadCredentialRegistry::add_certificate(const std::string& client_id,
                                                                          std::string_view pem_or_der) {
  COFFER_ASSIGN_OR_RETURN(crypto::CertificateInfo info, crypto::parse_certificate(pem_or_der));
  const int64_t now = clock_.now();
  if (info.not_after <= now) return bad_parameter("The certificate has expired.");
  CertificateCredential c;
  c.key_id = crypto::new_guid();
  c.der = info.der;
  c.created = now;
  c.thumbprint = upper_hex(info.sha1);
  c.x5t = base64url_encode(info.sha1);
  c.x5t_s256 = base64url_encode(info.sha256);
  c.subject = info.subject;
  c.not_before = info.not_before;
  c.not_after = info.not_after;
  RecordWriter w;
  w.bytes(kCredKeyId, c.key_id).bytes(kCredDer, c.der).i64(kCredCertCreated, c.created);
  const std::string record = w.take();
  COFFER_RETURN_IF_ERROR(store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    std::vector<store::Entry> existing;
    COFFER_RETURN_IF_ERROR(scan_all(txn, cert_prefix(client_id), existing));
    for (const auto& e : existing) {
      auto r = RecordReader::parse(e.value);
      if (r && r->bytes(kCredDer) == c.der) {
        return Status(Code::kConflict, "This certificate is already registered (keyId " + r->bytes(kCredKeyId) + ").");
      }
    }
    if (existing.size() >= kMaxCertificateCredentials) {
      return bad_parameter("A service principal can have at most 20 certificate credentials.");
    }
    return txn.put_if(cert_prefix(client_id) + c.key_id, record, 0);
  }));
  return c;
}

Result<std::vector<CertificateCredential>> WorkloadCredentialRegistry::list_certificates(const std::string& client_id) {
  std::vector<store::Entry> entries;
  COFFER_RETURN_IF_ERROR(store_.read([&](store::ReadTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    return scan_all(txn, cert_prefix(client_id), entries);
  }));
  std::vector<CertificateCredential> out;
  for (const auto& e : entries) {
    COFFER_ASSIGN_OR_RETURN(CertificateCredential c, decode_cert(e.value));
    out.push_back(std::move(c));
  }
  return out;
}

Status WorkloadCredentialRegistry::remove_certificate(const std::string& client_id, const std::string& id) {
  std::string wanted = id;
  std::transform(wanted.begin(), wanted.end(), wanted.begin(), [](unsigned char ch) { return char(std::toupper(ch)); });
  return store_.write([&](store::WriteTxn& txn) -> Status {
    COFFER_RETURN_IF_ERROR(require_principal(txn, client_id));
    std::vector<store::Entry> existing;
    COFFER_RETURN_IF_ERROR(scan_all(txn, cert_prefix(client_id), existing));
    for (const auto& e : existing) {
      COFFER_ASSIGN_OR_RETURN(CertificateCredential c, decode_cert(e.value));
      std::string key_id = c.key_id;
      std::transform(key_id.begin(), key_id.end(), key_id.begin(),
                     [](unsigned char ch) { return char(std::toupper(ch)); });
      if (key_id == wanted || c.thumbprint == wanted) return txn.erase(e.key);
    }
    return Status(Code::kNotFound, "Certificate credential '" + id.substr(0, 64) + "' was not found.");
  });
}

}  // namespace coffer::auth
