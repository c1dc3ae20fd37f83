#include "crypto/x509_name.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>

#include <array>
#include <cctype>
#include <vector>

#include "common/ascii.hpp"
#include "common/base64.hpp"

namespace coffer::crypto::x509name {
namespace {

using Asn1Object = std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;

enum class Kind {
  kText,       // PrintableString when it fits, else UTF8String
  kPrintable,  // PrintableString only
  kIa5,        // IA5String (ASCII)
  kCountry,    // two letters, PrintableString
};

struct AttrInfo {
  int nid;
  std::string_view label;                 // how format_distinguished_name() writes it
  std::array<std::string_view, 3> alias;  // other accepted spellings (upper case)
  Kind kind;
  std::size_t max_chars;  // RFC 5280 upper bounds where it names one
};

constexpr std::array<AttrInfo, 17> kAttrs = {{
    {NID_commonName, "CN", {"COMMONNAME"}, Kind::kText, 64},
    {NID_organizationName, "O", {"ORGANIZATIONNAME"}, Kind::kText, 64},
    {NID_organizationalUnitName, "OU", {"ORGANIZATIONALUNITNAME"}, Kind::kText, 64},
    {NID_localityName, "L", {"LOCALITYNAME"}, Kind::kText, 128},
    {NID_stateOrProvinceName, "ST", {"S", "STATEORPROVINCENAME"}, Kind::kText, 128},
    {NID_countryName, "C", {"COUNTRYNAME"}, Kind::kCountry, 2},
    {NID_pkcs9_emailAddress, "E", {"EMAIL", "EMAILADDRESS"}, Kind::kIa5, 255},
    {NID_domainComponent, "DC", {"DOMAINCOMPONENT"}, Kind::kIa5, 63},
    {NID_serialNumber, "SERIALNUMBER", {}, Kind::kPrintable, 64},
    {NID_streetAddress, "STREET", {"STREETADDRESS"}, Kind::kText, 128},
    {NID_title, "T", {"TITLE"}, Kind::kText, 64},
    {NID_givenName, "G", {"GN", "GIVENNAME"}, Kind::kText, 64},
    {NID_surname, "SN", {"SURNAME"}, Kind::kText, 64},
    {NID_initials, "I", {"INITIALS"}, Kind::kText, 64},
    {NID_postalCode, "POSTALCODE", {}, Kind::kText, 40},
    {NID_userId, "UID", {"USERID"}, Kind::kText, 256},
    {NID_dnQualifier, "DNQUALIFIER", {}, Kind::kPrintable, 64},
}};

constexpr AttrInfo kOther = {NID_undef, "", {}, Kind::kText, 1024};

Status bad_name(std::string msg) {
  ERR_clear_error();
  return Status(Code::kBadParameter, "The subject name is not valid: " + std::move(msg));
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

const AttrInfo* info_for_nid(int nid) {
  for (const auto& a : kAttrs) {
    if (a.nid == nid) return &a;
  }
  return nullptr;
}

// The attribute a type name denotes, with its OID; nullopt if unknown.
struct Attr {
  const AttrInfo* info;
  Asn1Object obj;
};

std::optional<Attr> lookup(std::string_view name) {
  for (const auto& a : kAttrs) {
    bool match = iequals_ascii(name, a.label);
    for (std::string_view alias : a.alias) match = match || (!alias.empty() && iequals_ascii(name, alias));
    if (match) return Attr{&a, Asn1Object(OBJ_nid2obj(a.nid))};
  }
  if (name.size() > 4 && iequals_ascii(name.substr(0, 4), "OID.")) name.remove_prefix(4);
  if (!is_dotted_oid(name)) return std::nullopt;
  Asn1Object obj(OBJ_txt2obj(std::string(name).c_str(), 1));
  if (!obj) return std::nullopt;
  const AttrInfo* info = info_for_nid(OBJ_obj2nid(obj.get()));
  return Attr{info != nullptr ? info : &kOther, std::move(obj)};
}

}  // namespace

std::optional<std::size_t> utf8_text_length(std::string_view s) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    if (cp < 0x20 || cp == 0x7f) return std::nullopt;
    i += len;
  }
  return chars;
}

namespace {

bool printable(std::string_view s) {
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The ASN.1 string type for `value` of attribute `a`, or why it is refused.
Result<int> string_type(const AttrInfo& a, std::string_view type_name, std::string_view value) {
  const std::string what = std::string("'").append(type_name).append("'");
  if (value.empty()) return bad_name("the value of " + what + " is empty.");
  const std::optional<std::size_t> chars = utf8_text_length(value);
  if (!chars) return bad_name("the value of " + what + " is not valid UTF-8 text or holds control characters.");
  if (*chars > a.max_chars) {
    return bad_name("the value of " + what + " is longer than " + std::to_string(a.max_chars) + " characters.");
  }
  switch (a.kind) {
    case Kind::kCountry:
      if (value.size() != 2 || !std::isalpha(static_cast<unsigned char>(value[0])) ||
          !std::isalpha(static_cast<unsigned char>(value[1]))) {
        return bad_name("the country (C) must be a two-letter code.");
      }
      return V_ASN1_PRINTABLESTRING;
    case Kind::kPrintable:
      if (!printable(value))
        return bad_name("the value of " + what + " may hold only letters, digits and ' ()+,-./:=?.");
      return V_ASN1_PRINTABLESTRING;
    case Kind::kIa5:
      if (!ascii(value)) return bad_name("the value of " + what + " must be ASCII.");
      return V_ASN1_IA5STRING;
    case Kind::kText: break;
  }
  return printable(value) ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<ossl::X509NamePtr> run() {
    ossl::X509NamePtr name(X509_NAME_new());
    if (!name) return ossl::error("X509_NAME_new");
    skip_spaces();
    if (i_ == s_.size()) return name;
    bool new_rdn = true;
    for (;;) {
      COFFER_RETURN_IF_ERROR(attribute(name.get(), new_rdn));
      if (i_ == s_.size()) break;
      new_rdn = s_[i_] == ',';
      ++i_;  // ',' or '+'
      skip_spaces();
      if (i_ == s_.size()) return bad_name(std::string("it ends with '") + (new_rdn ? ',' : '+') + "'.");
    }
    return name;
  }

 private:
  void skip_spaces() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  // Whether an attribute name and '=' follow position `pos` (so a '+' before it joins an RDN).
  bool attribute_follows(std::size_t pos) const {
    while (pos < s_.size() && is_space(s_[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos])) != 0 || s_[pos] == '.')) ++pos;
    const std::string_view type = s_.substr(start, pos - start);
    while (pos < s_.size() && is_space(s_[pos])) ++pos;
    return !type.empty() && pos < s_.size() && s_[pos] == '=' && lookup(type).has_value();
  }

  // One backslash escape at i_ (pointing at '\'), appended to out.
  Status escape(std::string& out) {
    ++i_;
    if (i_ + 1 < s_.size() && hex_value(s_[i_]) >= 0 && hex_value(s_[i_ + 1]) >= 0) {
      out += static_cast<char>(hex_value(s_[i_]) * 16 + hex_value(s_[i_ + 1]));
      i_ += 2;
      return Status::Ok();
    }
    if (i_ == s_.size()) return bad_name("it ends with a lone '\\'.");
    out += s_[i_++];
    return Status::Ok();
  }

  Status attribute(X509_NAME* name, bool new_rdn) {
    const std::size_t start = i_;
    while (i_ < s_.size() && s_[i_] != '=' && s_[i_] != ',' && s_[i_] != '+') ++i_;
    const std::string type(trim(s_.substr(start, i_ - start)));
    if (i_ == s_.size() || s_[i_] != '=') {
      if (type.empty()) return bad_name("it has an empty part; write attributes as 'CN=name, O=organisation'.");
      return bad_name("'" + type + "' is not of the form NAME=value (as in 'CN=name, O=organisation').");
    }
    if (type.empty()) return bad_name("a value at position " + std::to_string(start + 1) + " has no attribute name.");
    std::optional<Attr> attr = lookup(type);
    if (!attr) {
      return bad_name("the attribute '" + type +
                      "' is not known; use CN, O, OU, L, ST, C, E, DC, SERIALNUMBER, STREET, T, G, SN, "
                      "POSTALCODE, UID or a dotted OID.");
    }
    ++i_;  // '='
    skip_spaces();
    std::string value;
    if (i_ < s_.size() && s_[i_] == '"') {
      ++i_;
      while (i_ < s_.size() && s_[i_] != '"') {
        if (s_[i_] == '\\') {
          COFFER_RETURN_IF_ERROR(escape(value));
        } else {
          value += s_[i_++];
        }
      }
      if (i_ == s_.size()) return bad_name("a quoted value of '" + type + "' has no closing quote.");
      ++i_;
      skip_spaces();
      if (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '+') {
        return bad_name("text follows the quoted value of '" + type + "'.");
      }
    } else {
      std::size_t keep = 0;  // length without trailing unescaped spaces
      while (i_ < s_.size() && s_[i_] != ',' && !(s_[i_] == '+' && attribute_follows(i_ + 1))) {
        if (s_[i_] == '\\') {
          COFFER_RETURN_IF_ERROR(escape(value));
          keep = value.size();
        } else {
          value += s_[i_++];
          if (!is_space(value.back())) keep = value.size();
        }
      }
      value.resize(keep);
    }
    COFFER_ASSIGN_OR_RETURN(const int type_code, string_type(*attr->info, type, value));
    if (X509_NAME_add_entry_by_OBJ(name, attr->obj.get(), type_code,
                                   reinterpret_cast<const unsigned char*>(value.data()), static_cast<int>(value.size()),
                                   -1, new_rdn ? 0 : -1) != 1) {
      return ossl::error("X509_NAME_add_entry_by_OBJ");
    }
    return Status::Ok();
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

std::string escaped(std::string_view v) {
  std::string out;
  for (std::size_t k = 0; k < v.size(); ++k) {
    const char c = v[k];
    const auto u = static_cast<unsigned char>(c);
    if (std::string_view(",+\"\\<>;").find(c) != std::string_view::npos || ((k == 0) && (c == '#' || c == ' ')) ||
        (k + 1 == v.size() && c == ' ')) {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += '\\';
      out += hex_encode(std::string_view(&c, 1));
    } else {
      out += c;
    }
  }
  return out;
}

std::string label_of(const ASN1_OBJECT* obj) {
  if (const AttrInfo* info = info_for_nid(OBJ_obj2nid(obj))) return std::string(info->label);
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return std::string("OID.").append(buf, n > 0 ? static_cast<std::size_t>(std::min<int>(n, sizeof buf - 1)) : 0);
}

}  // namespace

bool is_dotted_oid(std::string_view s) {
  // arc ('.' arc)+, arcs decimal without leading zeros, first 0..2, second < 40 under 0 and 1.
  std::vector<std::string_view> arcs;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      arcs.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (arcs.size() < 2 || s.size() > 200) return false;
  for (std::string_view a : arcs) {
    if (a.empty() || a.size() > 19 || (a.size() > 1 && a[0] == '0')) return false;
    for (char c : a) {
      if (c < '0' || c > '9') return false;
    }
  }
  if (arcs[0].size() != 1 || arcs[0][0] > '2') return false;
  if (arcs[0][0] < '2' && (arcs[1].size() > 2 || std::stoi(std::string(arcs[1])) >= 40)) return false;
  return true;
}

Result<ossl::X509NamePtr> parse_distinguished_name(std::string_view text) {
  if (text.size() > 4096) return bad_name("it is longer than 4096 characters.");
  return Parser(text).run();
}

std::string format_distinguished_name(const X509_NAME* name) {
  std::string out;
  int prev_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(e);
    if (i > 0) out += set == prev_set ? "+" : ", ";
    prev_set = set;
    out += label_of(X509_NAME_ENTRY_get_object(e));
    out += '=';
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(e);
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n >= 0) {
      out += escaped(std::string_view(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n)));
      OPENSSL_free(utf8);
    } else {
      ERR_clear_error();
      out += '#';
      out += hex_encode(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                                         static_cast<std::size_t>(ASN1_STRING_length(data))));
    }
  }
  return out;
}

}  // namespace coffer::crypto::x509name
