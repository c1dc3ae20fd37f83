// The certificate policy's defaults (AKV's) and validation: every bad key,
// content type, lifetime action and x509 profile is a kBadParameter naming
// the problem.
#include <gtest/gtest.h>

#include "vault/certificate_types.hpp"

namespace coffer::vault {
namespace {

CertificatePolicy with_subject() {
  CertificatePolicy p = default_certificate_policy();
  p.x509.subject = "CN=web.example";
  return p;
}

TEST(CertificatePolicy, DefaultsAreAkvs) {
  const CertificatePolicy p = default_certificate_policy();
  EXPECT_EQ(p.key.kty, "RSA");
  EXPECT_EQ(p.key.key_size, 2048);
  EXPECT_TRUE(p.key.exportable);
  EXPECT_FALSE(p.key.reuse_key);
  EXPECT_EQ(p.content_type, "application/x-pkcs12");
  EXPECT_EQ(p.x509.validity_months, 12);
  EXPECT_EQ(p.x509.ekus, (std::vector<std::string>{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}));
  EXPECT_EQ(p.x509.key_usage, (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
  ASSERT_EQ(p.lifetime_actions.size(), 1u);
  EXPECT_EQ(p.lifetime_actions[0].action, "AutoRenew");
  EXPECT_EQ(p.lifetime_actions[0].lifetime_percentage, 80);
  EXPECT_EQ(p.issuer, "Self");
  EXPECT_TRUE(check_certificate_policy(with_subject()).ok());
}

TEST(CertificatePolicy, RefusesWhatCannotBeIssued) {
  auto refused = [](auto change, const char* needle) {
    CertificatePolicy p = with_subject();
    change(p);
    Status st = check_certificate_policy(p);
    EXPECT_EQ(st.code(), Code::kBadParameter) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  refused([](CertificatePolicy& p) { p.key.key_size = 1024; }, "2048, 3072 or 4096");
  refused([](CertificatePolicy& p) { p.key.kty = "oct"; }, "not supported");
  refused([](CertificatePolicy& p) { p.key.kty = "EC"; }, "P-256, P-384 or P-521");
  refused(
      [](CertificatePolicy& p) {
        p.key.kty = "EC";
        p.key.crv = "P-256K";
      },
      "P-256, P-384 or P-521");
  refused([](CertificatePolicy& p) { p.content_type = "application/json"; }, "content type");
  refused([](CertificatePolicy& p) { p.lifetime_actions[0].action = "autoRenew"; }, "AutoRenew or EmailContacts");
  refused([](CertificatePolicy& p) { p.lifetime_actions[0].days_before_expiry = 30; }, "exactly one");
  refused([](CertificatePolicy& p) { p.lifetime_actions[0].lifetime_percentage = 100; }, "between 1 and 99");
  refused([](CertificatePolicy& p) { p.lifetime_actions.push_back(p.lifetime_actions[0]); }, "at most one AutoRenew");
  refused([](CertificatePolicy& p) { p.issuer.clear(); }, "issuer");
  Status st = [] {
    CertificatePolicy p = with_subject();
    p.x509.subject.clear();
    return check_certificate_policy(p);
  }();
  EXPECT_EQ(st.code(), Code::kBadParameter);  // no subject and no SAN
  CertificatePolicy ec = with_subject();
  ec.key.kty = "EC";
  ec.key.crv = "P-384";
  ec.key.key_size = 384;
  EXPECT_TRUE(check_certificate_policy(ec).ok());
}

}  // namespace
}  // namespace coffer::vault
