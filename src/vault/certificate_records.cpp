#include "vault/certificate_records.hpp"

#include "common/record_codec.hpp"
#include "vault/version_fields.hpp"

namespace coffer::vault {
namespace {

enum CertificateVersionField : uint8_t {
  kVTags = kFirstKindField,
  kVCer,
  kVX5t,
  kVContentType,
  kVPreserveOrder,
  kVPrevious
};
enum CertificatePolicyField : uint8_t {
  kPExportable = 1,
  kPKty,
  kPKeySize,
  kPCrv,
  kPReuseKey,
  kPContentType,
  kPSubject,
  kPDns,
  kPEmails,
  kPUpns,
  kPEkus,
  kPKeyUsage,
  kPValidity,
  kPCa,
  kPPathLength,
  kPActions,
  kPIssuer,
  kPCertType,
  kPTransparency,
  kPEnabled,
  kPCreated,
  kPUpdated
};
enum CertificateActionField : uint8_t { kAAction = 1, kAPercentage, kADays };
enum IssuerField : uint8_t {
  kIName = 1,
  kIProvider,
  kIAccount,
  kIPassword,
  kIOrg,
  kIAdmins,
  kIEnabled,
  kICreated,
  kIUpdated
};
enum PersonField : uint8_t { kPFirst = 1, kPLast, kPEmail, kPPhone, kPName };
enum OperationField : uint8_t {
  kOVersion = 1,
  kOIssuer,
  kOCsr,
  kOCancel,
  kOStatus,
  kODetails,
  kORequestId,
  kOPreserveOrder
};

Status corrupt_certificate_record(const char* what) {
  return Status(Code::kInternal, std::string("corrupt certificate ") + what);
}

}  // namespace

std::string encode_certificate_version(const CertificateVersionRecord& v) {
  const auto& p = v.properties;
  RecordWriter w;
  write_version_fields(w, p.version, p.attributes);
  w.map(kVTags, p.tags).bytes(kVCer, p.cer).bytes(kVX5t, p.x5t).bytes(kVContentType, p.content_type);
  if (p.preserve_cert_order) w.boolean(kVPreserveOrder, *p.preserve_cert_order);
  if (!p.previous_version.empty()) w.bytes(kVPrevious, p.previous_version);
  return w.take();
}

Result<CertificateVersionRecord> decode_certificate_version(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return corrupt_certificate_record("version record");
  CertificateVersionRecord v;
  auto& p = v.properties;
  read_version_fields(*r, p.version, p.attributes);
  p.tags = r->map(kVTags);
  p.cer = r->bytes(kVCer);
  p.x5t = r->bytes(kVX5t);
  p.content_type = r->bytes(kVContentType);
  if (r->has(kVPreserveOrder)) p.preserve_cert_order = r->boolean(kVPreserveOrder);
  p.previous_version = r->bytes(kVPrevious);
  return v;
}

std::string encode_certificate_policy(const CertificatePolicy& p) {
  RecordWriter w;
  w.boolean(kPExportable, p.key.exportable).bytes(kPKty, p.key.kty).i64(kPKeySize, p.key.key_size);
  w.bytes(kPCrv, p.key.crv).boolean(kPReuseKey, p.key.reuse_key).bytes(kPContentType, p.content_type);
  const auto& x = p.x509;
  w.bytes(kPSubject, x.subject).list(kPDns, x.dns_names).list(kPEmails, x.emails);
  w.list(kPUpns, x.upns).list(kPEkus, x.ekus).list(kPKeyUsage, x.key_usage);
  w.i64(kPValidity, x.validity_months).boolean(kPCa, x.ca);
  if (x.path_length) w.i64(kPPathLength, *x.path_length);
  std::vector<std::string> actions;
  for (const auto& a : p.lifetime_actions) {
    RecordWriter aw;
    aw.bytes(kAAction, a.action);
    if (a.lifetime_percentage) aw.i64(kAPercentage, *a.lifetime_percentage);
    if (a.days_before_expiry) aw.i64(kADays, *a.days_before_expiry);
    actions.push_back(aw.take());
  }
  w.list(kPActions, actions).bytes(kPIssuer, p.issuer);
  if (p.certificate_type) w.bytes(kPCertType, *p.certificate_type);
  if (p.certificate_transparency) w.boolean(kPTransparency, *p.certificate_transparency);
  w.boolean(kPEnabled, p.enabled).i64(kPCreated, p.created).i64(kPUpdated, p.updated);
  return w.take();
}

Result<CertificatePolicy> decode_certificate_policy(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return corrupt_certificate_record("policy record");
  CertificatePolicy p;
  p.key.exportable = r->boolean(kPExportable, true);
  p.key.kty = r->bytes(kPKty);
  p.key.key_size = static_cast<int>(r->i64(kPKeySize));
  p.key.crv = r->bytes(kPCrv);
  p.key.reuse_key = r->boolean(kPReuseKey);
  p.content_type = r->bytes(kPContentType);
  auto& x = p.x509;
  x.subject = r->bytes(kPSubject);
  x.dns_names = r->list(kPDns);
  x.emails = r->list(kPEmails);
  x.upns = r->list(kPUpns);
  x.ekus = r->list(kPEkus);
  x.key_usage = r->list(kPKeyUsage);
  x.validity_months = static_cast<int>(r->i64(kPValidity, 12));
  x.ca = r->boolean(kPCa);
  if (r->has(kPPathLength)) x.path_length = static_cast<int>(r->i64(kPPathLength));
  for (const auto& encoded : r->list(kPActions)) {
    auto ar = RecordReader::parse(encoded);
    if (!ar) return corrupt_certificate_record("policy lifetime action");
    CertificateLifetimeAction a;
    a.action = ar->bytes(kAAction);
    if (ar->has(kAPercentage)) a.lifetime_percentage = static_cast<int>(ar->i64(kAPercentage));
    if (ar->has(kADays)) a.days_before_expiry = static_cast<int>(ar->i64(kADays));
    p.lifetime_actions.push_back(std::move(a));
  }
  p.issuer = r->bytes(kPIssuer);
  if (r->has(kPCertType)) p.certificate_type = r->bytes(kPCertType);
  if (r->has(kPTransparency)) p.certificate_transparency = r->boolean(kPTransparency);
  p.enabled = r->boolean(kPEnabled, true);
  p.created = r->i64(kPCreated);
  p.updated = r->i64(kPUpdated);
  return p;
}

std::string encode_certificate_operation(const CertificateOperation& op) {
  RecordWriter w;
  w.bytes(kOVersion, op.version).bytes(kOIssuer, op.issuer).bytes(kOCsr, op.csr);
  w.boolean(kOCancel, op.cancellation_requested).bytes(kOStatus, op.status).bytes(kODetails, op.status_details);
  w.bytes(kORequestId, op.request_id);
  if (op.preserve_cert_order) w.boolean(kOPreserveOrder, *op.preserve_cert_order);
  return w.take();
}

Result<CertificateOperation> decode_certificate_operation(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return corrupt_certificate_record("operation record");
  CertificateOperation op;
  op.version = r->bytes(kOVersion);
  op.issuer = r->bytes(kOIssuer);
  op.csr = r->bytes(kOCsr);
  op.cancellation_requested = r->boolean(kOCancel);
  op.status = r->bytes(kOStatus);
  op.status_details = r->bytes(kODetails);
  op.request_id = r->bytes(kORequestId);
  if (r->has(kOPreserveOrder)) op.preserve_cert_order = r->boolean(kOPreserveOrder);
  return op;
}

std::string encode_certificate_issuer(const CertificateIssuer& issuer, const Sealed& sealed_password) {
  RecordWriter w;
  w.bytes(kIName, issuer.name).bytes(kIProvider, issuer.provider).bytes(kIAccount, issuer.account_id);
  if (!sealed_password.empty()) w.bytes(kIPassword, sealed_password.bytes());
  w.bytes(kIOrg, issuer.organization_id);
  std::vector<std::string> admins;
  for (const auto& a : issuer.admins) {
    RecordWriter aw;
    aw.bytes(kPFirst, a.first_name).bytes(kPLast, a.last_name).bytes(kPEmail, a.email).bytes(kPPhone, a.phone);
    admins.push_back(aw.take());
  }
  w.list(kIAdmins, admins).boolean(kIEnabled, issuer.enabled).i64(kICreated, issuer.created);
  w.i64(kIUpdated, issuer.updated);
  return w.take();
}

Result<CertificateIssuer> decode_certificate_issuer(std::string_view data, Sealed* sealed_password) {
  auto r = RecordReader::parse(data);
  if (!r) return corrupt_certificate_record("issuer record");
  CertificateIssuer out;
  out.name = r->bytes(kIName);
  out.provider = r->bytes(kIProvider);
  out.account_id = r->bytes(kIAccount);
  if (sealed_password) *sealed_password = Sealed::from_stored(r->bytes(kIPassword));
  out.organization_id = r->bytes(kIOrg);
  for (const auto& encoded : r->list(kIAdmins)) {
    auto ar = RecordReader::parse(encoded);
    if (!ar) return corrupt_certificate_record("issuer admin");
    out.admins.push_back({ar->bytes(kPFirst), ar->bytes(kPLast), ar->bytes(kPEmail), ar->bytes(kPPhone)});
  }
  out.enabled = r->boolean(kIEnabled, true);
  out.created = r->i64(kICreated);
  out.updated = r->i64(kIUpdated);
  return out;
}

std::string encode_certificate_contacts(const std::vector<CertificateContact>& contacts) {
  std::vector<std::string> items;
  for (const auto& c : contacts) {
    RecordWriter cw;
    cw.bytes(kPEmail, c.email).bytes(kPName, c.name).bytes(kPPhone, c.phone);
    items.push_back(cw.take());
  }
  RecordWriter w;
  w.list(1, items);
  return w.take();
}

Result<std::vector<CertificateContact>> decode_certificate_contacts(std::string_view data) {
  auto r = RecordReader::parse(data);
  if (!r) return corrupt_certificate_record("contacts record");
  std::vector<CertificateContact> out;
  for (const auto& encoded : r->list(1)) {
    auto cr = RecordReader::parse(encoded);
    if (!cr) return corrupt_certificate_record("contact");
    out.push_back({cr->bytes(kPEmail), cr->bytes(kPName), cr->bytes(kPPhone)});
  }
  return out;
}

}  // namespace coffer::vault
