// CertificateProfile validation, distinguished-name text ⇄ X509_NAME, and
// the calendar-month arithmetic of certificate validity.
#include "crypto/certificate_profile.hpp"

#include <gtest/gtest.h>

#include "cert_test_util.hpp"
#include "crypto/certificate_issue.hpp"
#include "crypto/x509_name.hpp"

namespace coffer::crypto {
namespace {

using testing::utc;

CertificateProfile valid() {
  CertificateProfile p;
  p.subject = "CN=ok";
  return p;
}

// The message of validate_profile() for a profile that must be refused.
std::string refused(const CertificateProfile& p) {
  Status s = validate_profile(p);
  EXPECT_EQ(s.code(), Code::kBadParameter) << "accepted: " << p.subject;
  return s.message();
}

using testing::contains;

// parse → format, or the error message prefixed by "error: ".
std::string roundtrip(const std::string& dn) {
  auto name = x509name::parse_distinguished_name(dn);
  if (!name.ok()) return "error: " + name.status().message();
  return x509name::format_distinguished_name(name->get());
}

TEST(CertificateProfile, AkvDefaultsAreValid) {
  CertificateProfile p = valid();
  p.key_usage = {"digitalSignature", "keyEncipherment"};
  p.ekus = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"};
  EXPECT_TRUE(validate_profile(p).ok());
  // az's default policy: six usages, no basic constraints.
  p.key_usage = {"cRLSign", "dataEncipherment", "digitalSignature", "keyEncipherment", "keyAgreement", "keyCertSign"};
  EXPECT_TRUE(validate_profile(p).ok());
  CertificateProfile all = valid();
  all.key_usage.assign(kKeyUsageNames.begin(), kKeyUsageNames.end());
  EXPECT_TRUE(validate_profile(all).ok());
}

TEST(CertificateProfile, NeedsSubjectOrSan) {
  CertificateProfile p;
  EXPECT_TRUE(contains(refused(p), "subject"));
  p.dns_names = {"only-a-san.example"};
  EXPECT_TRUE(validate_profile(p).ok());
  p.dns_names.clear();
  p.emails = {"e@x"};
  EXPECT_TRUE(validate_profile(p).ok());
  p.emails.clear();
  p.upns = {"u@x"};
  EXPECT_TRUE(validate_profile(p).ok());
}

TEST(CertificateProfile, RefusesMalformedSubjects) {
  for (const char* bad :
       {"foo",        "CN",   "CN=",      "CN=a,",  "CN=a,,O=b",    ",CN=a",    "XX=a",        "=a",
        "C=USA",      "C=1A", "CN=\"abc", "CN=a\\", "E=\xc3\xbc@x", "CN=a\x01", "CN=\xff\xfe", "SERIALNUMBER=a_b",
        "CN=\"a\" b", "1.=a", "0.40=a",   "OID.x=a"}) {
    CertificateProfile p = valid();
    p.subject = bad;
    EXPECT_TRUE(contains(refused(p), "subject name is not valid")) << bad;
  }
  CertificateProfile p = valid();
  p.subject = "CN=" + std::string(65, 'a');
  EXPECT_TRUE(contains(refused(p), "64"));
  p.subject = "CN=" + std::string(64, 'a');
  EXPECT_TRUE(validate_profile(p).ok());
}

TEST(CertificateProfile, RefusesUnknownKeyUsage) {
  for (const char* bad : {"digitalsignature", "DigitalSignature", "serverAuth", ""}) {
    CertificateProfile p = valid();
    p.key_usage = {"digitalSignature", bad};
    EXPECT_TRUE(contains(refused(p), "key usage")) << bad;
  }
}

TEST(CertificateProfile, RefusesMalformedOids) {
  for (const char* bad : {"", "1", "abc", "1.3.6.1.5.5.7.3.1.", ".1.3", "1..3", "3.1", "1.40", "01.2", "1.3.06",
                          "1.3.6.1.5.5.7.3.x", "serverAuth"}) {
    CertificateProfile p = valid();
    p.ekus = {bad};
    EXPECT_TRUE(contains(refused(p), "extended key usage")) << bad;
  }
  for (const char* ok : {"1.3.6.1.5.5.7.3.1", "2.999.1", "0.39", "1.3.6.1.4.1.311.10.3.4"}) {
    CertificateProfile p = valid();
    p.ekus = {ok};
    EXPECT_TRUE(validate_profile(p).ok()) << ok;
  }
}

TEST(CertificateProfile, ValidityMonthsRange) {
  for (int bad : {0, -1, 1201, 100000}) {
    CertificateProfile p = valid();
    p.validity_months = bad;
    EXPECT_TRUE(contains(refused(p), "validity")) << bad;
  }
  for (int ok : {1, 12, 1200}) {
    CertificateProfile p = valid();
    p.validity_months = ok;
    EXPECT_TRUE(validate_profile(p).ok()) << ok;
  }
}

TEST(CertificateProfile, DnsNames) {
  for (const char* bad : {"", "a..b", "-a.example", "a-.example", "a_b.example", "exa mple.com", "*.*.a.example",
                          "a.*.example", "*", "*.", "a.example.", "bücher.example", "a,b.example"}) {
    CertificateProfile p = valid();
    p.dns_names = {bad};
    EXPECT_TRUE(contains(refused(p), "DNS name")) << bad;
  }
  CertificateProfile p = valid();
  p.dns_names = {std::string(64, 'a') + ".example"};
  EXPECT_TRUE(contains(refused(p), "DNS name"));
  p.dns_names = {"*.example.com", "localhost", "xn--bcher-kva.example", std::string(63, 'a') + ".example", "a1-b2.c3"};
  EXPECT_TRUE(validate_profile(p).ok());
}

TEST(CertificateProfile, EmailsAndUpns) {
  for (const char* bad :
       {"no-at", "@x.example", "a@", "a b@x.example", "a@b..example", ".a@x", "a.@x", "a@@x", "a@*.x", "\xc3\xa4@x"}) {
    CertificateProfile p = valid();
    p.emails = {bad};
    EXPECT_TRUE(contains(refused(p), "email")) << bad;
  }
  CertificateProfile p = valid();
  p.emails = {"e@x", "first.last+tag@example.com"};
  EXPECT_TRUE(validate_profile(p).ok());

  for (const char* bad : {"", "u\x01@x", "\xff"}) {
    CertificateProfile q = valid();
    q.upns = {bad};
    EXPECT_TRUE(contains(refused(q), "user principal name")) << bad;
  }
  CertificateProfile q = valid();
  q.upns = {"u@x", "jürgen@contoso.example"};
  EXPECT_TRUE(validate_profile(q).ok());
}

TEST(CertificateProfile, PathLength) {
  CertificateProfile p = valid();
  p.path_length = 1;
  EXPECT_TRUE(contains(refused(p), "CA"));
  p.ca = true;
  EXPECT_TRUE(validate_profile(p).ok());
  p.path_length = -1;
  EXPECT_TRUE(contains(refused(p), "path length"));
}

TEST(DistinguishedName, ParseAndFormat) {
  EXPECT_EQ(roundtrip("CN=a, O=b"), "CN=a, O=b");
  EXPECT_EQ(roundtrip("cn=MyCert"), "CN=MyCert");  // AKV echoes the policy as sent but the DN is normalised
  EXPECT_EQ(roundtrip("  cn = a ,o=b  ,  ou=c d  "), "CN=a, O=b, OU=c d");
  EXPECT_EQ(roundtrip("CN=x,O=y,OU=z,L=Zürich,ST=ZH,C=CH,E=a@b.example,DC=example,SERIALNUMBER=42"),
            "CN=x, O=y, OU=z, L=Zürich, ST=ZH, C=CH, E=a@b.example, DC=example, SERIALNUMBER=42");
  EXPECT_EQ(roundtrip("S=Bavaria, emailAddress=a@b, EMAIL=c@d, commonName=n, Title=t, GN=g, SurName=s"),
            "ST=Bavaria, E=a@b, E=c@d, CN=n, T=t, G=g, SN=s");
  EXPECT_EQ(roundtrip("CN=Smith\\, John, O=X"), "CN=Smith\\, John, O=X");
  EXPECT_EQ(roundtrip("CN=\"Smith, John\", O=X"), "CN=Smith\\, John, O=X");
  EXPECT_EQ(roundtrip("CN=\\53mith"), "CN=Smith");           // \HH escape
  EXPECT_EQ(roundtrip("CN=a+O=b, C=US"), "CN=a+O=b, C=US");  // multi-valued RDN
  EXPECT_EQ(roundtrip("CN=a + O=b, C=US"), "CN=a+O=b, C=US");
  EXPECT_EQ(roundtrip("CN=C++ developers"), "CN=C\\+\\+ developers");  // '+' not before NAME= is text
  EXPECT_EQ(roundtrip("CN=a=b"), "CN=a=b");
  EXPECT_EQ(roundtrip("OID.2.5.4.97=VATDE-1, 1.2.3.4=x"), "OID.2.5.4.97=VATDE-1, OID.1.2.3.4=x");
  EXPECT_EQ(roundtrip("CN=\\ lead and trail \\ "), "CN=\\ lead and trail \\ ");
  EXPECT_EQ(roundtrip("CN=a+"), "CN=a\\+");  // a '+' not followed by NAME= is text
  EXPECT_EQ(roundtrip("CN=#hash;semi<lt>gt\\\\back\\\"q"), "CN=\\#hash\\;semi\\<lt\\>gt\\\\back\\\"q");
  EXPECT_EQ(roundtrip(""), "");
  // What format writes, parse reads back to the same text.
  for (const char* dn : {"CN=C\\+\\+ developers", "CN=\\ x\\ ", "CN=\\#x", "CN=a+O=b, C=US", "OID.1.2.3.4=x"}) {
    EXPECT_EQ(roundtrip(dn), dn);
  }
}

TEST(DistinguishedName, StringTypes) {
  auto name = x509name::parse_distinguished_name("CN=MyCert, O=Zürich AG, E=a@b.example, C=CH, DC=com");
  ASSERT_TRUE(name.ok()) << name.status().message();
  auto type_of = [&](int i) { return ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name->get(), i))); };
  EXPECT_EQ(type_of(0), V_ASN1_PRINTABLESTRING);  // as AKV encodes CN=MyCert
  EXPECT_EQ(type_of(1), V_ASN1_UTF8STRING);
  EXPECT_EQ(type_of(2), V_ASN1_IA5STRING);
  EXPECT_EQ(type_of(3), V_ASN1_PRINTABLESTRING);
  EXPECT_EQ(type_of(4), V_ASN1_IA5STRING);
}

TEST(CalendarMonths, AkvRecordedExample) {
  // Real AKV: created 2021-02-16 18:58:04Z, 12 months → exp 1645037884 (2022-02-16 18:58:04Z).
  EXPECT_EQ(add_calendar_months(1613501884, 12), 1645037884);
}

TEST(CalendarMonths, ClampsTheDayOfMonth) {
  EXPECT_EQ(add_calendar_months(utc(2023, 1, 31, 10, 20, 30), 1), utc(2023, 2, 28, 10, 20, 30));
  EXPECT_EQ(add_calendar_months(utc(2024, 1, 31, 10, 20, 30), 1), utc(2024, 2, 29, 10, 20, 30));  // leap year
  EXPECT_EQ(add_calendar_months(utc(2024, 2, 29), 12), utc(2025, 2, 28));
  EXPECT_EQ(add_calendar_months(utc(2024, 2, 29), 48), utc(2028, 2, 29));
  EXPECT_EQ(add_calendar_months(utc(2100, 1, 31), 1), utc(2100, 2, 28));  // 2100 is not a leap year
  EXPECT_EQ(add_calendar_months(utc(2000, 1, 31), 1), utc(2000, 2, 29));  // 2000 is
  EXPECT_EQ(add_calendar_months(utc(2023, 3, 31, 23, 59, 59), 1), utc(2023, 4, 30, 23, 59, 59));
  EXPECT_EQ(add_calendar_months(utc(2023, 12, 31), 2), utc(2024, 2, 29));
  EXPECT_EQ(add_calendar_months(utc(2023, 11, 15), 3), utc(2024, 2, 15));
  EXPECT_EQ(add_calendar_months(utc(2023, 5, 10), 0), utc(2023, 5, 10));
  EXPECT_EQ(add_calendar_months(utc(2024, 6, 1), 1200), utc(2124, 6, 1));
}

TEST(CalendarMonths, OutOfX509Range) {
  EXPECT_FALSE(add_calendar_months(utc(9999, 6, 1), 12).has_value());
  EXPECT_FALSE(add_calendar_months(utc(1940, 1, 1), 1).has_value());
}

}  // namespace
}  // namespace coffer::crypto
