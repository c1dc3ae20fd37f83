#include "api/certificate_codec.hpp"

#include <array>

#include "api/json_body.hpp"
#include "api/object_json.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"

namespace coffer::api {
namespace json = boost::json;
namespace {

// `value` in the canonical spelling of `allowed`, matched case-insensitively.
template <std::size_t N>
Result<std::string> canonical(std::string_view value, const std::array<std::string_view, N>& allowed,
                              std::string_view what) {
  for (std::string_view a : allowed) {
    if (iequals_ascii(a, value)) return std::string(a);
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return bad_parameter("'" + std::string(value) + "' is not a valid " + std::string(what) + " (use " + list + ").");
}

constexpr std::array<std::string_view, 9> kKeyUsages = {"digitalSignature", "nonRepudiation", "keyEncipherment",
                                                        "dataEncipherment", "keyAgreement",   "keyCertSign",
                                                        "cRLSign",          "encipherOnly",   "decipherOnly"};
constexpr std::array<std::string_view, 4> kKeyTypes = {"RSA", "RSA-HSM", "EC", "EC-HSM"};
constexpr std::array<std::string_view, 3> kCurves = {"P-256", "P-384", "P-521"};
constexpr std::array<std::string_view, 2> kContentTypes = {"application/x-pkcs12", "application/x-pem-file"};
constexpr std::array<std::string_view, 2> kActions = {"AutoRenew", "EmailContacts"};

Result<std::optional<int>> opt_small_int(const json::object& o, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(auto v, opt_int(o, key));
  if (!v) return std::optional<int>();
  if (*v < -1'000'000 || *v > 1'000'000) return bad_parameter("Property '" + std::string(key) + "' is out of range.");
  return std::optional<int>(static_cast<int>(*v));
}

Status parse_key_props(const json::object& o, vault::CertificatePolicy& p) {
  COFFER_ASSIGN_OR_RETURN(auto exportable, opt_bool(o, "exportable"));
  if (exportable) p.key.exportable = *exportable;
  COFFER_ASSIGN_OR_RETURN(auto reuse, opt_bool(o, "reuse_key"));
  if (reuse) p.key.reuse_key = *reuse;
  COFFER_ASSIGN_OR_RETURN(auto kty, opt_string(o, "kty"));
  COFFER_ASSIGN_OR_RETURN(auto crv, opt_string(o, "crv"));
  COFFER_ASSIGN_OR_RETURN(auto size, opt_small_int(o, "key_size"));
  if (kty) {
    COFFER_ASSIGN_OR_RETURN(p.key.kty, canonical(*kty, kKeyTypes, "certificate key type (kty)"));
  } else if (crv) {
    p.key.kty = "EC";
  }
  const bool ec = p.key.kty.rfind("EC", 0) == 0;
  if (ec) {
    if (crv) {
      COFFER_ASSIGN_OR_RETURN(p.key.crv, canonical(*crv, kCurves, "certificate key curve (crv)"));
    } else if (!size || *size == 256) {
      p.key.crv = "P-256";
    } else if (*size == 384) {
      p.key.crv = "P-384";
    } else if (*size == 521) {
      p.key.crv = "P-521";
    } else {
      return bad_parameter("An EC certificate key size must be 256, 384 or 521 bits.");
    }
    p.key.key_size = p.key.crv == "P-256" ? 256 : p.key.crv == "P-384" ? 384 : 521;
    if (size && *size != p.key.key_size) return bad_parameter("key_size does not match the curve " + p.key.crv + ".");
  } else {
    if (crv) return bad_parameter("An RSA certificate key takes no curve (crv).");
    if (size) p.key.key_size = *size;
  }
  return Status::Ok();
}

Status parse_x509_props(const json::object& o, vault::CertificatePolicy& p) {
  COFFER_ASSIGN_OR_RETURN(auto subject, opt_string(o, "subject"));
  if (subject) p.x509.subject = *subject;
  COFFER_ASSIGN_OR_RETURN(auto sans, opt_object(o, "sans"));
  if (sans) {
    COFFER_ASSIGN_OR_RETURN(auto dns, opt_string_array(*sans, "dns_names"));
    if (dns) p.x509.dns_names = *dns;
    COFFER_ASSIGN_OR_RETURN(auto emails, opt_string_array(*sans, "emails"));
    if (emails) p.x509.emails = *emails;
    COFFER_ASSIGN_OR_RETURN(auto upns, opt_string_array(*sans, "upns"));
    if (upns) p.x509.upns = *upns;
  }
  COFFER_ASSIGN_OR_RETURN(auto ekus, opt_string_array(o, "ekus"));
  if (ekus) p.x509.ekus = *ekus;
  COFFER_ASSIGN_OR_RETURN(auto usage, opt_string_array(o, "key_usage"));
  if (usage) {
    p.x509.key_usage.clear();
    for (const auto& u : *usage) {
      COFFER_ASSIGN_OR_RETURN(std::string c, canonical(u, kKeyUsages, "key usage"));
      p.x509.key_usage.push_back(std::move(c));
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto months, opt_small_int(o, "validity_months"));
  if (months) p.x509.validity_months = *months;
  // basic_constraints is what AKV shows; Coffer also takes it, to make CA
  // certificates for its own issuer.
  COFFER_ASSIGN_OR_RETURN(auto constraints, opt_object(o, "basic_constraints"));
  if (constraints) {
    COFFER_ASSIGN_OR_RETURN(auto ca, opt_bool(*constraints, "ca"));
    if (ca) p.x509.ca = *ca;
  }
  return Status::Ok();
}

Status parse_lifetime_actions(const json::value& v, vault::CertificatePolicy& p) {
  if (v.is_null()) return Status::Ok();
  if (!v.is_array()) return bad_parameter("Property 'lifetime_actions' must be an array.");
  p.lifetime_actions.clear();
  for (const auto& item : v.get_array()) {
    if (!item.is_object()) return bad_parameter("Each lifetime action must be an object.");
    const auto& a = item.get_object();
    vault::CertificateLifetimeAction out;
    COFFER_ASSIGN_OR_RETURN(auto trigger, opt_object(a, "trigger"));
    if (trigger) {
      COFFER_ASSIGN_OR_RETURN(out.lifetime_percentage, opt_small_int(*trigger, "lifetime_percentage"));
      COFFER_ASSIGN_OR_RETURN(out.days_before_expiry, opt_small_int(*trigger, "days_before_expiry"));
    }
    COFFER_ASSIGN_OR_RETURN(auto action, opt_object(a, "action"));
    std::optional<std::string> type;
    if (action) {
      COFFER_ASSIGN_OR_RETURN(type, opt_string(*action, "action_type"));
    }
    if (!type) return bad_parameter("A lifetime action needs action.action_type (AutoRenew or EmailContacts).");
    COFFER_ASSIGN_OR_RETURN(out.action, canonical(*type, kActions, "lifetime action type"));
    p.lifetime_actions.push_back(std::move(out));
  }
  return Status::Ok();
}

// The members of `o` over `p` (AKV's defaults for a create, the stored
// policy for an update).
Result<vault::CertificatePolicy> parse_policy(const json::object& o, vault::CertificatePolicy p) {
  COFFER_ASSIGN_OR_RETURN(auto key, opt_object(o, "key_props"));
  if (key) COFFER_RETURN_IF_ERROR(parse_key_props(*key, p));
  COFFER_ASSIGN_OR_RETURN(auto secret, opt_object(o, "secret_props"));
  if (secret) {
    COFFER_ASSIGN_OR_RETURN(auto ct, opt_string(*secret, "contentType"));
    if (ct) {
      COFFER_ASSIGN_OR_RETURN(p.content_type, canonical(*ct, kContentTypes, "secret content type"));
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto x509, opt_object(o, "x509_props"));
  if (x509) COFFER_RETURN_IF_ERROR(parse_x509_props(*x509, p));
  if (auto it = o.find("lifetime_actions"); it != o.end())
    COFFER_RETURN_IF_ERROR(parse_lifetime_actions(it->value(), p));
  COFFER_ASSIGN_OR_RETURN(auto issuer, opt_object(o, "issuer"));
  if (issuer) {
    COFFER_ASSIGN_OR_RETURN(auto name, opt_string(*issuer, "name"));
    if (name) {
      // Self and Unknown are AKV's reserved issuer names, matched as AKV does.
      p.issuer = iequals_ascii(*name, vault::kSelfIssuer)      ? std::string(vault::kSelfIssuer)
                 : iequals_ascii(*name, vault::kUnknownIssuer) ? std::string(vault::kUnknownIssuer)
                                                               : *name;
    }
    COFFER_ASSIGN_OR_RETURN(p.certificate_type, opt_string(*issuer, "cty"));
    COFFER_ASSIGN_OR_RETURN(p.certificate_transparency, opt_bool(*issuer, "cert_transparency"));
  }
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(auto enabled, opt_bool(*attrs, "enabled"));
    if (enabled) p.enabled = *enabled;
  }
  COFFER_RETURN_IF_ERROR(vault::check_certificate_policy(p));
  return p;
}

bool has_key_usage(const json::object& policy) {
  auto x = policy.find("x509_props");
  return x != policy.end() && x->value().is_object() && x->value().get_object().contains("key_usage");
}

// Standard base64 with whitespace anywhere and padding optional.
std::optional<std::string> lenient_base64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size() + 3);
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
  }
  while (clean.size() % 4 != 0) clean += '=';
  return base64_decode(clean);
}

bool holds_pem(std::string_view text) { return text.find("-----BEGIN") != std::string_view::npos; }

// One x5c entry of a merge as AKV accepts it: base64 of the DER, or base64 of
// the DER's base64 text or PEM text. The SDKs base64-encode the bytes they
// are given, and callers (the SDKs' own merge tests among them) give them
// text; recorded AKV traffic merges base64(base64(DER)) with 201.
std::optional<std::string> x5c_entry_der(std::string_view entry) {
  auto once = lenient_base64(entry);
  if (!once || once->empty()) return std::nullopt;
  if (static_cast<unsigned char>((*once)[0]) == 0x30) return once;  // DER: an ASN.1 SEQUENCE
  std::string_view text = *once;
  if (holds_pem(text)) {
    const auto begin = text.find('\n', text.find("-----BEGIN"));
    const auto end = text.find("-----END");
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) return std::nullopt;
    text = text.substr(begin + 1, end - begin - 1);
  }
  auto twice = lenient_base64(text);
  if (!twice || twice->empty() || static_cast<unsigned char>((*twice)[0]) != 0x30) return std::nullopt;
  return twice;
}

Result<vault::CertificatePatch> parse_patch(const json::object& o) {
  vault::CertificatePatch patch;
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(patch.enabled, opt_bool(*attrs, "enabled"));
  }
  COFFER_ASSIGN_OR_RETURN(patch.tags, opt_string_map(o, "tags"));
  return patch;
}

std::string certificate_id(const std::string& base, const vault::CertificateProperties& p, bool versioned) {
  return base + "/certificates/" + p.name + (versioned ? "/" + p.version : "");
}

}  // namespace

Result<vault::CertificateDraft> parse_certificate_create(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  vault::CertificateDraft d;
  COFFER_ASSIGN_OR_RETURN(auto policy, opt_object(o, "policy"));
  if (!policy) return bad_parameter("Property 'policy' is required.");
  vault::CertificatePolicy defaults = vault::default_certificate_policy();
  if (!has_key_usage(*policy)) {
    // AKV's default usage for an EC key is digitalSignature alone.
    COFFER_ASSIGN_OR_RETURN(auto key, opt_object(*policy, "key_props"));
    std::optional<std::string> kty, crv;
    if (key) {
      COFFER_ASSIGN_OR_RETURN(kty, opt_string(*key, "kty"));
      COFFER_ASSIGN_OR_RETURN(crv, opt_string(*key, "crv"));
    }
    if ((kty && (iequals_ascii(*kty, "EC") || iequals_ascii(*kty, "EC-HSM"))) || (!kty && crv)) {
      defaults.x509.key_usage = {"digitalSignature"};
    }
  }
  COFFER_ASSIGN_OR_RETURN(d.policy, parse_policy(*policy, std::move(defaults)));
  COFFER_ASSIGN_OR_RETURN(auto attrs, opt_object(o, "attributes"));
  if (attrs) {
    COFFER_ASSIGN_OR_RETURN(auto enabled, opt_bool(*attrs, "enabled"));
    if (enabled) d.enabled = *enabled;
  }
  COFFER_ASSIGN_OR_RETURN(auto tags, opt_string_map(o, "tags"));
  if (tags) d.tags = std::move(*tags);
  COFFER_ASSIGN_OR_RETURN(d.preserve_cert_order, opt_bool(o, "preserveCertOrder"));
  return d;
}

Result<vault::CertificateImport> parse_certificate_import(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  WipeOnExit wipe(o);  // the PFX/PEM with its private key, the password
  vault::CertificateImport im;
  COFFER_ASSIGN_OR_RETURN(auto value, opt_string(o, "value"));
  if (!value || value->empty()) return bad_parameter("Property 'value' (the PFX or PEM to import) is required.");
  if (holds_pem(*value)) {
    im.pem = true;
    im.value = SecureString(std::string_view(*value));
  } else {
    auto decoded = lenient_base64(*value);
    if (!decoded) {
      secure_wipe(value->data(), value->size());
      return bad_parameter(
          "The specified PEM X.509 certificate content can not be read. Please check if certificate is in "
          "valid PEM format. Accepted formats: PEM content or Base64 encoded PEM content.");
    }
    im.pem = holds_pem(*decoded);
    im.value = SecureString(std::string_view(*decoded));
    secure_wipe(decoded->data(), decoded->size());
  }
  secure_wipe(value->data(), value->size());
  COFFER_ASSIGN_OR_RETURN(auto pwd, opt_string(o, "pwd"));
  if (pwd) {
    im.password = SecureString(std::string_view(*pwd));
    secure_wipe(pwd->data(), pwd->size());
  }
  COFFER_ASSIGN_OR_RETURN(auto policy, opt_object(o, "policy"));
  if (policy) {
    COFFER_ASSIGN_OR_RETURN(auto x509, opt_object(*policy, "x509_props"));
    std::optional<std::string> subject;
    if (x509) {
      COFFER_ASSIGN_OR_RETURN(subject, opt_string(*x509, "subject"));
    }
    if (subject) {
      COFFER_ASSIGN_OR_RETURN(im.policy, parse_policy(*policy, vault::default_certificate_policy()));
    } else {
      COFFER_ASSIGN_OR_RETURN(auto secret, opt_object(*policy, "secret_props"));
      std::optional<std::string> ct;
      if (secret) {
        COFFER_ASSIGN_OR_RETURN(ct, opt_string(*secret, "contentType"));
      }
      if (ct) {
        COFFER_ASSIGN_OR_RETURN(im.content_type, canonical(*ct, kContentTypes, "secret content type"));
      }
    }
  }
  COFFER_ASSIGN_OR_RETURN(vault::CertificatePatch patch, parse_patch(o));
  im.enabled = patch.enabled.value_or(true);
  if (patch.tags) im.tags = std::move(*patch.tags);
  COFFER_ASSIGN_OR_RETURN(im.preserve_cert_order, opt_bool(o, "preserveCertOrder"));
  return im;
}

Result<CertificateMergeBody> parse_certificate_merge(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  CertificateMergeBody out;
  COFFER_ASSIGN_OR_RETURN(auto x5c, opt_string_array(o, "x5c"));
  if (!x5c || x5c->empty()) return bad_parameter("Property 'x5c' (the signed certificate and its chain) is required.");
  for (const auto& entry : *x5c) {
    auto der = x5c_entry_der(entry);
    if (!der)
      return bad_parameter("Each x5c entry must be a base64 DER certificate (or base64 of its base64 or PEM text).");
    out.x5c_der.push_back(std::move(*der));
  }
  COFFER_ASSIGN_OR_RETURN(out.patch, parse_patch(o));
  return out;
}

Result<vault::CertificatePatch> parse_certificate_update(std::string_view body) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  return parse_patch(o);
}

Result<vault::CertificatePolicy> parse_certificate_policy_update(std::string_view body,
                                                                 const vault::CertificatePolicy& current) {
  COFFER_ASSIGN_OR_RETURN(json::object o, parse_json_object(body));
  return parse_policy(o, current);
}

json::object certificate_policy_json(const std::string& base, const std::string& name,
                                     const vault::CertificatePolicy& p) {
  json::object key{{"exportable", p.key.exportable},
                   {"kty", p.key.kty},
                   {"key_size", p.key.key_size},
                   {"reuse_key", p.key.reuse_key}};
  if (!p.key.crv.empty()) key["crv"] = p.key.crv;
  json::object sans;
  if (!p.x509.dns_names.empty()) sans["dns_names"] = string_array(p.x509.dns_names);
  if (!p.x509.emails.empty()) sans["emails"] = string_array(p.x509.emails);
  if (!p.x509.upns.empty()) sans["upns"] = string_array(p.x509.upns);
  json::object x509{{"subject", p.x509.subject},
                    {"sans", std::move(sans)},
                    {"ekus", string_array(p.x509.ekus)},
                    {"key_usage", string_array(p.x509.key_usage)},
                    {"validity_months", p.x509.validity_months},
                    {"basic_constraints", json::object{{"ca", p.x509.ca}}}};
  json::array actions;
  for (const auto& a : p.lifetime_actions) {
    json::object trigger;
    if (a.lifetime_percentage) trigger["lifetime_percentage"] = *a.lifetime_percentage;
    if (a.days_before_expiry) trigger["days_before_expiry"] = *a.days_before_expiry;
    actions.push_back(
        json::object{{"trigger", std::move(trigger)}, {"action", json::object{{"action_type", a.action}}}});
  }
  json::object issuer{{"name", p.issuer}};
  if (p.certificate_type) issuer["cty"] = *p.certificate_type;
  if (p.certificate_transparency) issuer["cert_transparency"] = *p.certificate_transparency;
  return json::object{
      {"id", base + "/certificates/" + name + "/policy"},
      {"key_props", std::move(key)},
      {"secret_props", json::object{{"contentType", p.content_type}}},
      {"x509_props", std::move(x509)},
      {"lifetime_actions", std::move(actions)},
      {"issuer", std::move(issuer)},
      {"attributes", json::object{{"enabled", p.enabled}, {"created", p.created}, {"updated", p.updated}}}};
}

json::object certificate_bundle(const std::string& base, const vault::VaultInfo& vault, const vault::Certificate& c) {
  const auto& p = c.properties;
  json::object o{{"id", certificate_id(base, p, true)}};
  if (!p.cer.empty()) {
    o["kid"] = base + "/keys/" + p.name + "/" + p.version;
    o["sid"] = base + "/secrets/" + p.name + "/" + p.version;
    o["x5t"] = p.x5t;
    o["cer"] = base64_encode(p.cer);
  } else {
    o["pending"] = json::object{{"id", base + "/certificates/" + p.name + "/pending"}};
  }
  o["attributes"] = attributes_json(vault, p.attributes);
  o["policy"] = certificate_policy_json(base, p.name, c.policy);
  add_tags(o, p.tags);
  // AKV (7.6+) echoes preserveCertOrder when the request named it, and
  // leaves it out otherwise (recorded traffic, docs/akv-wire-facts.md).
  if (p.preserve_cert_order) o["preserveCertOrder"] = *p.preserve_cert_order;
  return o;
}

json::object certificate_item(const std::string& base, const vault::VaultInfo& vault,
                              const vault::CertificateProperties& p, bool versioned_id) {
  json::object o{{"id", certificate_id(base, p, versioned_id)}, {"attributes", attributes_json(vault, p.attributes)}};
  if (!p.x5t.empty()) o["x5t"] = p.x5t;
  add_tags(o, p.tags);
  return o;
}

json::object deleted_certificate_json(const std::string& base, const vault::VaultInfo& vault,
                                      const vault::DeletedCertificate& d, bool item) {
  const auto& p = d.certificate.properties;
  json::object o{{"recoveryId", base + "/deletedcertificates/" + p.name},
                 {"deletedDate", d.deletion.deleted_date},
                 {"scheduledPurgeDate", d.deletion.scheduled_purge_date}};
  json::object rest = item ? certificate_item(base, vault, p, false) : certificate_bundle(base, vault, d.certificate);
  for (auto& kv : rest) o[kv.key()] = std::move(kv.value());
  return o;
}

json::object certificate_operation_json(const std::string& base, const std::string& name,
                                        const vault::CertificateOperation& op, bool as_accepted) {
  const std::string status = as_accepted ? "inProgress" : op.status;
  json::object o{{"id", base + "/certificates/" + name + "/pending"},
                 {"issuer", json::object{{"name", op.issuer}}},
                 {"cancellation_requested", op.cancellation_requested},
                 {"status", status},
                 {"request_id", op.request_id}};
  if (!op.csr.empty()) o["csr"] = base64_encode(op.csr);
  if (op.preserve_cert_order) o["preserveCertOrder"] = *op.preserve_cert_order;
  if (status == "completed") {
    o["target"] = base + "/certificates/" + name;
  } else if (!op.status_details.empty()) {
    o["status_details"] = op.status_details;
  } else if (as_accepted) {
    o["status_details"] =
        "Pending certificate created. Certificate request is in progress. This may take some time based on the "
        "issuer provider. Please check again later.";
  }
  return o;
}

}  // namespace coffer::api
