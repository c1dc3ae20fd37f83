// CertificateIssuerService over a real store: issuers are created, replaced,
// patched and deleted with their password sealed (never returned), and every
// bad input (reserved or malformed name, no provider, a Coffer issuer
// without its CA, a contact without an email) is a kBadParameter; missing
// issuers and contacts are their AKV not-found errors.
#include "vault/certificate_issuers.hpp"

#include <gtest/gtest.h>

#include "vault_test_env.hpp"

namespace coffer::vault {
namespace {

class CertificateIssuersTest : public testing::VaultTest {
 protected:
  void SetUp() override {
    VaultTest::SetUp();
    issuers_ = std::make_unique<CertificateIssuerService>(*store_, *keyring_, clock_);
  }
  void TearDown() override {
    issuers_.reset();
    VaultTest::TearDown();
  }
  static CertificateIssuer issuer(std::string provider, std::string account = "acct") {
    CertificateIssuer i;
    i.provider = std::move(provider);
    i.account_id = std::move(account);
    return i;
  }
  std::unique_ptr<CertificateIssuerService> issuers_;
};

TEST_F(CertificateIssuersTest, CrudKeepsThePasswordSealedAndOutOfAnswers) {
  CertificateIssuer i = issuer("Test");
  i.password = SecureString("hunter2");
  i.admins = {{"Ada", "L", "ada@example.com", "1"}};
  auto made = issuers_->set(vault_, "Ext", i).value();
  EXPECT_EQ(made.name, "Ext");
  EXPECT_FALSE(issuers_->get(vault_, "ext")->password.has_value());
  CertificateIssuerPatch patch;
  patch.enabled = false;
  patch.account_id = "acct-2";
  auto patched = issuers_->update(vault_, "ext", patch).value();
  EXPECT_FALSE(patched.enabled);
  EXPECT_EQ(patched.account_id, "acct-2");
  EXPECT_EQ(patched.admins.size(), 1u);
  EXPECT_EQ(issuers_->list(vault_)->size(), 1u);
  EXPECT_TRUE(issuers_->remove(vault_, "ext").ok());
  EXPECT_EQ(issuers_->get(vault_, "ext").status().reason(), "CertificateIssuerNotFound");
  EXPECT_EQ(issuers_->update(vault_, "ext", patch).status().reason(), "CertificateIssuerNotFound");
  EXPECT_EQ(issuers_->remove(vault_, "ext").status().reason(), "CertificateIssuerNotFound");
  // No clear password anywhere in the store.
  bool leaked = false;
  ASSERT_TRUE(store_
                  ->read([&](store::ReadTxn& txn) -> Status {
                    COFFER_ASSIGN_OR_RETURN(auto all, txn.scan("", "", 100000));
                    for (const auto& e : all) leaked |= e.value.find("hunter2") != std::string::npos;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_FALSE(leaked);
}

TEST_F(CertificateIssuersTest, BadIssuersAndContactsAreRefused) {
  for (const char* name : {"Self", "unknown", "bad name", ""}) {
    EXPECT_EQ(issuers_->set(vault_, name, issuer("Test")).status().code(), Code::kBadParameter) << name;
  }
  EXPECT_EQ(issuers_->set(vault_, "x", issuer("")).status().code(), Code::kBadParameter);
  EXPECT_EQ(issuers_->set(vault_, "ca", issuer("Coffer", "")).status().code(), Code::kBadParameter)
      << "a Coffer issuer names its CA certificate";
  ASSERT_TRUE(issuers_->set(vault_, "ca", issuer("Coffer", "root")).ok());
  CertificateIssuerPatch clear_account;
  clear_account.account_id = "";
  EXPECT_EQ(issuers_->update(vault_, "ca", clear_account).status().code(), Code::kBadParameter);

  EXPECT_EQ(issuers_->get_contacts(vault_).status().reason(), "ContactsNotFound");
  EXPECT_EQ(issuers_->delete_contacts(vault_).status().reason(), "ContactsNotFound");
  EXPECT_EQ(issuers_->set_contacts(vault_, {{"not-an-email", "", ""}}).status().code(), Code::kBadParameter);
  ASSERT_TRUE(issuers_->set_contacts(vault_, {{"ops@example.com", "Ops", "2"}}).ok());
  EXPECT_EQ(issuers_->get_contacts(vault_)->at(0).name, "Ops");
  EXPECT_EQ(issuers_->delete_contacts(vault_)->size(), 1u);
  EXPECT_EQ(issuers_->get_contacts(vault_).status().reason(), "ContactsNotFound");
}

}  // namespace
}  // namespace coffer::vault
