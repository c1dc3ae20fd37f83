// Standard Webhooks signatures: the specification's published test vector,
// fresh secrets' shape, and refused secrets.
#include "crypto/webhook_signature.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"

namespace coffer::crypto {
namespace {

TEST(WebhookSignatureTest, MatchesTheSpecificationsVector) {
  // From the Standard Webhooks specification's README.
  EXPECT_EQ(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})")
                .value(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_NE(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331,
                              R"({"test": 2432232314})")
                .value(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
      << "the timestamp is signed";
}

TEST(WebhookSignatureTest, FreshSecretsAreThirtyTwoRandomBytes) {
  const SecureString a = new_webhook_secret();
  const SecureString b = new_webhook_secret();
  ASSERT_TRUE(a.view().starts_with("whsec_"));
  EXPECT_EQ(base64_decode(a.view().substr(6)).value().size(), 32u);
  EXPECT_NE(a.str(), b.str());
  EXPECT_TRUE(webhook_signature(a.view(), "id", 1, "body").ok());
}

TEST(WebhookSignatureTest, RefusesSecretsOfAnotherShape) {
  EXPECT_EQ(webhook_signature("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "id", 1, "b").status().code(), Code::kInternal);
  EXPECT_EQ(webhook_signature("whsec_!!!", "id", 1, "b").status().code(), Code::kInternal);
  EXPECT_EQ(webhook_signature("whsec_", "id", 1, "b").status().code(), Code::kInternal);
}

}  // namespace
}  // namespace coffer::crypto
