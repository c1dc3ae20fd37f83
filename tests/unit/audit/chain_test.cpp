// The chained line format: sequences, previous hashes, signed checkpoints
// and the HMAC of sensitive fields.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/audit_sink.hpp"
#include "audit/chain.hpp"
#include "audit_test_util.hpp"
#include "common/base64.hpp"

namespace coffer::audit {
namespace {
namespace json = boost::json;
using testing::sample_record;
using testing::test_signer;

TEST(AuditChain, SequenceAndPreviousHashLinkEveryLine) {
  RecordFormatter fmt(SecureString("k"), test_signer());
  ChainHead head;
  std::string l1 = fmt.record(sample_record(1), head);
  std::string l2 = fmt.record(sample_record(2), head);
  auto o1 = json::parse(l1).as_object();
  auto o2 = json::parse(l2).as_object();
  EXPECT_EQ(o1["sequence"].as_int64(), 1);
  EXPECT_EQ(o1["previousHash"].as_string(), kGenesisHash);
  EXPECT_EQ(o2["sequence"].as_int64(), 2);
  EXPECT_EQ(o2["previousHash"].as_string(), line_hash(l1));
  EXPECT_EQ(head.sequence, 2u);
  EXPECT_EQ(head.hash, line_hash(l2));
  EXPECT_EQ(l1.rfind("{\"sequence\":1,\"previousHash\":\"", 0), 0u);
  EXPECT_EQ(o1["operationName"].as_string(), "SecretGet");
  auto h = head_after(l2);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->sequence, 2u);
  EXPECT_EQ(h->hash, head.hash);
  EXPECT_FALSE(head_after("not json").ok());
}

TEST(AuditChain, CheckpointSignatureVerifiesAndCoversTheChain) {
  RecordFormatter fmt(SecureString("k"), test_signer());
  ChainHead head;
  fmt.record(sample_record(1), head);
  const std::string before = head.hash;
  std::string cp = fmt.checkpoint(1'700'000'000'999, head).value();
  auto o = json::parse(cp).as_object();
  EXPECT_EQ(o["category"].as_string(), "AuditCheckpoint");
  EXPECT_EQ(o["sequence"].as_int64(), 2);
  EXPECT_EQ(o["keyId"].as_string(), test_signer()->key_id());
  auto sig = base64url_decode(o["signature"].as_string()).value();
  const std::string pem = test_signer()->public_pem();
  EXPECT_TRUE(
      crypto::ed25519_verify(pem, checkpoint_message(2, before, 1'700'000'000'999, test_signer()->key_id()), sig));
  EXPECT_FALSE(crypto::ed25519_verify(
      pem, checkpoint_message(2, kGenesisHash, 1'700'000'000'999, test_signer()->key_id()), sig));
  EXPECT_FALSE(
      crypto::ed25519_verify(pem, checkpoint_message(2, before, 1'700'000'000'998, test_signer()->key_id()), sig));
  auto other = crypto::Ed25519Key::generate().value();
  EXPECT_FALSE(crypto::ed25519_verify(other.public_pem(),
                                      checkpoint_message(2, before, 1'700'000'000'999, test_signer()->key_id()), sig));
  RecordFormatter unsigned_fmt(SecureString("k"), nullptr);
  EXPECT_FALSE(unsigned_fmt.checkpoint(1, head).ok());
}

TEST(AuditChain, SensitiveFieldsAreHmacedWithTheSinkKey) {
  const SecureString key = sink_hmac_key("server-secret", "file");
  RecordFormatter fmt(key, test_signer());
  AuditRecord r = sample_record(1);
  r.request_uri = "https://dev.vault.localhost/secrets/name?api-version=7.4&maxresults=5&password=hunter2";
  ChainHead head;
  std::string line = fmt.record(r, head);
  EXPECT_EQ(line.find("azsdk-python"), std::string::npos);
  EXPECT_EQ(line.find("corr-1"), std::string::npos);
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  auto o = json::parse(line).as_object();
  EXPECT_EQ(o["correlationId"].as_string(), hash_value(key.view(), "corr-1"));
  EXPECT_EQ(o["properties"].as_object()["clientInfo"].as_string(), hash_value(key.view(), "azsdk-python/4.0"));
  EXPECT_EQ(o["properties"].as_object()["requestUri"].as_string(),
            "https://dev.vault.localhost/secrets/name?api-version=7.4&maxresults=5&password=" +
                hash_value(key.view(), "hunter2"));
  // Object names and the caller stay searchable in clear.
  EXPECT_NE(line.find("/secrets/name"), std::string::npos);
  EXPECT_EQ(o["resourceId"].as_string(), "dev");
  // Per-sink keys: the same value hashes differently in another sink.
  EXPECT_NE(hash_value(sink_hmac_key("server-secret", "stdout").view(), "corr-1"), hash_value(key.view(), "corr-1"));
  EXPECT_EQ(hash_value(key.view(), "x").rfind("hmac-sha256:", 0), 0u);
  EXPECT_EQ(hash_value(key.view(), "x").size(), 12u + 64u);
}

TEST(AuditChain, AUriWithoutQueryAndEmptyFieldsAreWrittenAsTheyAre) {
  const SecureString key = sink_hmac_key("server-secret", "file");
  RecordFormatter fmt(key, test_signer());
  AuditRecord r = sample_record(1);
  r.request_uri = "https://dev.vault.localhost/secrets/name";
  r.client_info.clear();
  r.correlation_id.clear();
  auto o = json::parse(fmt.body(r)).as_object();
  EXPECT_EQ(o["properties"].as_object()["requestUri"].as_string(), "https://dev.vault.localhost/secrets/name");
  EXPECT_EQ(o["properties"].as_object()["clientInfo"].as_string(), "");
  EXPECT_EQ(o["correlationId"].as_string(), "");
  // The same record as to_json() writes it, but for what redaction replaces (nothing here).
  EXPECT_EQ(fmt.body(r), to_json(r));
}

TEST(AuditChain, HmacMatchesRfc4231Vector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hex_encode(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace coffer::audit
