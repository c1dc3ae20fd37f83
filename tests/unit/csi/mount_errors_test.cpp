// Mount error codes (what travels in MountResponse.error.code and the
// metrics' error label) and the token endpoint path.
#include "csi/mount_errors.hpp"

#include <gtest/gtest.h>

#include "csi/token_source.hpp"

namespace coffer::csi {
namespace {

TEST(MountErrors, FailTagsTheStatus) {
  Status st = errors::fail(errors::kInvalidObjects, "bad entry");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kBadParameter);
  EXPECT_EQ(st.message(), "bad entry");
  EXPECT_EQ(st.reason(), "InvalidObjects");
  Status unavailable = errors::fail(errors::kVaultUnavailable, "down", Code::kUnavailable);
  EXPECT_EQ(unavailable.code(), Code::kUnavailable);
  EXPECT_EQ(unavailable.reason(), "VaultUnavailable");
}

TEST(MountErrors, CodeOfPrefersTheReason) {
  for (std::string_view code :
       {errors::kInvalidRequest, errors::kInvalidParameters, errors::kInvalidObjects, errors::kUnsupportedAuthMode,
        errors::kMissingCredentials, errors::kAuthenticationFailed, errors::kForbidden, errors::kObjectNotFound,
        errors::kUnsupportedObject, errors::kInvalidPath, errors::kFileTooLarge, errors::kResponseTooLarge,
        errors::kVaultUnavailable, errors::kInternal}) {
    // Whatever the Code, the reason is the answer.
    EXPECT_EQ(errors::code_of(errors::fail(code, "m", Code::kInternal)), code);
    EXPECT_EQ(errors::code_of(errors::fail(code, "m", Code::kNotFound)), code);
  }
  // e.g. an HTTP 401 from the vault: kUnauthorized, but tagged AuthenticationFailed.
  EXPECT_EQ(errors::code_of(errors::fail(errors::kObjectNotFound, "m", Code::kUnauthorized)), "ObjectNotFound");
}

TEST(MountErrors, CodeOfDerivesFromTheCodeWithoutReason) {
  const std::pair<Code, const char*> cases[] = {
      {Code::kBadParameter, "InvalidParameters"},
      {Code::kUnauthorized, "AuthenticationFailed"},
      {Code::kForbidden, "Forbidden"},
      {Code::kNotFound, "ObjectNotFound"},
      {Code::kVaultNotFound, "ObjectNotFound"},
      {Code::kSecretNotFound, "ObjectNotFound"},
      {Code::kKeyNotFound, "ObjectNotFound"},
      {Code::kCertificateNotFound, "ObjectNotFound"},
      {Code::kPayloadTooLarge, "ResponseTooLarge"},
      {Code::kUnavailable, "VaultUnavailable"},
      {Code::kConflict, "Internal"},
      {Code::kMethodNotAllowed, "Internal"},
      {Code::kInternal, "Internal"},
  };
  for (const auto& [code, expected] : cases) {
    EXPECT_EQ(errors::code_of(Status(code, "message")), expected) << static_cast<int>(code);
  }
}

TEST(MountErrors, OkHasNoCode) { EXPECT_EQ(errors::code_of(Status::Ok()), ""); }

TEST(MountErrors, CodeNeverCarriesTheMessage) {
  EXPECT_EQ(errors::code_of(Status(Code::kUnavailable, "connect to https://vault failed: secret-ish detail")),
            "VaultUnavailable");
}

TEST(TokenPath, TenantPath) {
  const std::string guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  EXPECT_EQ(token_path("", guid), "/" + guid + "/oauth2/v2.0/token");
  EXPECT_EQ(token_path("/x", guid), "/x/" + guid + "/oauth2/v2.0/token");
  EXPECT_EQ(token_path("/a/b", "contoso.example"), "/a/b/contoso.example/oauth2/v2.0/token");
}

TEST(TokenPath, AdfsIsCaseInsensitive) {
  EXPECT_EQ(token_path("", "adfs"), "/adfs/oauth2/token");
  EXPECT_EQ(token_path("", "ADFS"), "/adfs/oauth2/token");
  EXPECT_EQ(token_path("/x", "AdFs"), "/x/adfs/oauth2/token");
  // Only the whole tenant "adfs".
  EXPECT_EQ(token_path("", "adfs2"), "/adfs2/oauth2/v2.0/token");
  EXPECT_EQ(token_path("", "my-adfs"), "/my-adfs/oauth2/v2.0/token");
}

}  // namespace
}  // namespace coffer::csi
