// The anchor (the latest checkpoint, kept outside the log) against logs cut
// back to an earlier checkpoint, rewritten, or intact.
#include <gtest/gtest.h>

#include <mutex>

#include "audit/anchor.hpp"
#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "audit_test_util.hpp"

namespace coffer::audit {
namespace {
using namespace testing;

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');

TEST(AnchorTest, EncodeDecodeRoundTrip) {
  auto a = decode_anchor(encode_anchor({42, kHashA}));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sequence, 42u);
  EXPECT_EQ(a->hash, kHashA);
  EXPECT_FALSE(decode_anchor(""));
  EXPECT_FALSE(decode_anchor("42"));
  EXPECT_FALSE(decode_anchor("x " + kHashA));
  EXPECT_FALSE(decode_anchor("0 " + kHashA));
  EXPECT_FALSE(decode_anchor("42 abc"));
  EXPECT_EQ(anchor_key("file:/x/audit.log"), "audit/anchor/file:/x/audit.log");
}

TEST(AnchorTest, Comparison) {
  const std::map<uint64_t, std::string> cps{{5, kHashA}, {10, kHashB}};
  EXPECT_EQ(check_anchor({10, kHashB}, cps, 1), "");  // the anchor is the last checkpoint
  EXPECT_EQ(check_anchor({5, kHashA}, cps, 1), "");   // an older anchor (not yet updated)
  const std::string cut = check_anchor({15, kHashA}, cps, 1);
  EXPECT_NE(cut.find("log ends at checkpoint sequence 10, but sequence 15 was checkpointed"), std::string::npos) << cut;
  EXPECT_NE(check_anchor({10, kHashA}, cps, 1).find("does not match the anchor"), std::string::npos);
  EXPECT_NE(check_anchor({7, kHashA}, cps, 1).find("has none there"), std::string::npos);
  EXPECT_EQ(check_anchor({3, kHashA}, cps, 4), "");  // before the chain part given: not checkable
  EXPECT_NE(check_anchor({1, kHashA}, {}, 1).find("log ends at checkpoint sequence 0"), std::string::npos);
}

// AuditLog records each sink's latest checkpoint; verify catches a log cut back
// to an earlier checkpoint with it, and accepts the intact log.
TEST(AnchorTest, RecordedByAuditLogAndCheckedByVerify) {
  TempDir dir;
  const std::string path = dir.file("audit.log");
  std::mutex mu;
  std::map<std::string, Anchor> recorded;
  int calls = 0;
  {
    AuditLogOptions options;
    options.checkpoint_records = 4;
    options.anchor = [&](const std::string& id, const Anchor& a) {
      std::lock_guard lock(mu);
      recorded[id] = a;
      if (++calls == 1) return Status(Code::kUnavailable, "store down");  // logged, retried next time
      return Status::Ok();
    };
    std::vector<AuditSinkSetup> sinks;
    sinks.push_back({file_output(path), SecureString("key")});
    AuditLog log(options, std::move(sinks), test_signer());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log.write(sample_record(i)).ok());
    log.close();
  }
  ASSERT_EQ(recorded.size(), 1u);
  const Anchor anchor = recorded.begin()->second;
  EXPECT_EQ(recorded.begin()->first, "file:" + path);
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(anchor.sequence, 13u);
  EXPECT_EQ(anchor.hash, line_hash(lines.back()));

  VerifyOptions options{test_signer()->public_pem(), false};
  auto ok = verify_logs({path}, options, anchor);
  EXPECT_TRUE(ok.ok) << ok.error;

  // Cut back to the checkpoint after 8 records (line 10, sequence 10): still a valid log on its own.
  write_lines(path, std::vector<std::string>(lines.begin(), lines.begin() + 10));
  EXPECT_TRUE(verify_logs({path}, options).ok);
  auto cut = verify_logs({path}, options, anchor);
  EXPECT_FALSE(cut.ok);
  EXPECT_NE(cut.error.find("log ends at checkpoint sequence 10, but sequence 13 was checkpointed"), std::string::npos)
      << cut.error;
}

}  // namespace
}  // namespace coffer::audit
