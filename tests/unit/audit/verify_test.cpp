// `coffer audit verify`'s engine against a real log written by AuditLog, and
// against each kind of tampering: edit, delete, insert, reorder, truncation
// after the last checkpoint, a forged checkpoint, a wrong key.
#include <gtest/gtest.h>

#include "audit/audit_log.hpp"
#include "audit/verify.hpp"
#include "audit_test_util.hpp"

namespace coffer::audit {
namespace {
using namespace testing;

// Writes `n` records through an AuditLog with a checkpoint every 4 records,
// then closes it (final checkpoint).
void write_log(const std::string& path, int n, int first = 0) {
  AuditLogOptions options;
  options.checkpoint_records = 4;
  std::vector<AuditSinkSetup> sinks;
  sinks.push_back({file_output(path), SecureString("key")});
  AuditLog log(options, std::move(sinks), test_signer());
  for (int i = 0; i < n; ++i) ASSERT_TRUE(log.write(sample_record(first + i)).ok());
  log.close();
}

VerifyReport verify(const std::vector<std::string>& files, bool live = false) {
  return verify_logs(files, {test_signer()->public_pem(), live});
}

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("audit.log");
    write_log(path_, 10);
    lines_ = read_lines(path_);
    // 10 records + checkpoints after 4 and 8 + the final one.
    ASSERT_EQ(lines_.size(), 13u);
  }
  VerifyReport tampered(const std::vector<std::string>& lines) {
    write_lines(path_, lines);
    return verify({path_});
  }
  TempDir dir_;
  std::string path_;
  std::vector<std::string> lines_;
};

TEST_F(VerifyTest, IntactLogPasses) {
  auto r = verify({path_});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 10u);
  EXPECT_EQ(r.checkpoints, 3u);
  EXPECT_EQ(r.first_sequence, 1u);
  EXPECT_EQ(r.last_sequence, 13u);
  EXPECT_EQ(r.last_checkpoint, 13u);
}

TEST_F(VerifyTest, EditedRecordIsNamed) {
  auto lines = lines_;
  auto pos = lines[5].find("req-4");
  ASSERT_NE(pos, std::string::npos);
  lines[5].replace(pos, 5, "req-5");
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:6 (sequence 6): altered"), std::string::npos) << r.error;
}

TEST_F(VerifyTest, EditedLastRecordBeforeCheckpointIsNamed) {
  auto lines = lines_;
  auto pos = lines[10].find("\"httpStatusCode\":200");
  ASSERT_NE(pos, std::string::npos);
  lines[10].replace(pos, 20, "\"httpStatusCode\":403");
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:11 (sequence 11): altered"), std::string::npos) << r.error;
}

TEST_F(VerifyTest, DeletedRecordIsNamed) {
  auto lines = lines_;
  lines.erase(lines.begin() + 2);
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:3 (sequence 4): sequence jumps from 2 to 4"), std::string::npos) << r.error;
}

TEST_F(VerifyTest, InsertedRecordIsNamed) {
  auto lines = lines_;
  lines.insert(lines.begin() + 3, lines[1]);  // a replayed copy
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:4 (sequence 2): out of order"), std::string::npos) << r.error;
  lines = lines_;
  lines.insert(lines.begin() + 3, R"({"operationName":"SecretGet"})");
  r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:4: not an audit chain record"), std::string::npos) << r.error;
}

TEST_F(VerifyTest, ReorderedRecordsAreNamed) {
  auto lines = lines_;
  std::swap(lines[6], lines[7]);
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:7 (sequence 8): sequence jumps"), std::string::npos) << r.error;
}

TEST_F(VerifyTest, TruncationAfterTheLastCheckpointIsDetected) {
  auto lines = lines_;
  lines.pop_back();  // the final checkpoint and the record before it (sequences 13, 12)
  lines.pop_back();
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("without a checkpoint"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("last checkpoint (sequence 10)"), std::string::npos) << r.error;
  // A live log may end unsigned: accepted with a note.
  auto live = verify({path_}, true);
  EXPECT_TRUE(live.ok) << live.error;
  EXPECT_FALSE(live.notes.empty());
  // A torn line is a cut file.
  std::ofstream(path_, std::ios::app) << "{\"sequence\":12";
  EXPECT_NE(verify({path_}).error.find("torn"), std::string::npos);
}

TEST_F(VerifyTest, ForgedCheckpointAndWrongKeyFail) {
  auto lines = lines_;
  auto pos = lines[4].find("\"timeMs\":");
  ASSERT_NE(pos, std::string::npos);
  lines[4].replace(pos + 9, 1, lines[4][pos + 9] == '1' ? "2" : "1");
  auto r = tampered(lines);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("audit.log:5 (sequence 5): checkpoint signature does not verify"), std::string::npos)
      << r.error;
  write_lines(path_, lines_);
  auto other = crypto::Ed25519Key::generate().value();
  auto wrong = verify_logs({path_}, {other.public_pem(), false});
  EXPECT_FALSE(wrong.ok);
  EXPECT_NE(wrong.error.find("not by the given key"), std::string::npos) << wrong.error;
}

TEST(VerifyFiles, ChainContinuesAcrossRestartsAndRotatedFiles) {
  TempDir dir;
  const std::string path = dir.file("audit.log");
  write_log(path, 3);
  write_log(path, 3, 100);  // a restart resumes the chain from the file's tail
  auto r = verify_logs({path}, {test_signer()->public_pem(), false});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 6u);

  // Rotation: the old file is renamed, SIGHUP reopens a fresh file that continues the chain.
  const std::string rotated = dir.file("audit.log.1");
  {
    AuditLogOptions options;
    std::vector<AuditSinkSetup> sinks;
    sinks.push_back({file_output(path), SecureString("key")});
    AuditLog log(options, std::move(sinks), test_signer());
    ASSERT_TRUE(log.write(sample_record(7)).ok());
    std::filesystem::rename(path, rotated);
    log.reopen();
    ASSERT_TRUE(log.write(sample_record(8)).ok());
    log.close();
  }
  auto both = verify_logs({rotated, path}, {test_signer()->public_pem(), false});
  EXPECT_TRUE(both.ok) << both.error;
  auto newer = verify_logs({path}, {test_signer()->public_pem(), false});
  EXPECT_TRUE(newer.ok) << newer.error;
  EXPECT_FALSE(newer.notes.empty());  // starts mid-chain
  auto wrong_order = verify_logs({path, rotated}, {test_signer()->public_pem(), false});
  EXPECT_FALSE(wrong_order.ok);
}

TEST(VerifyFiles, FreshChainAfterRestartWithRotatedLogNeedsACleanEnd) {
  TempDir dir;
  const std::string old_file = dir.file("audit.log.1"), new_file = dir.file("audit.log");
  write_log(old_file, 3);
  write_log(new_file, 2);  // a restart with the old file rotated away: sequence 1 again
  auto r = verify_logs({old_file, new_file}, {test_signer()->public_pem(), false});
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 5u);
  // The old file's tail removed (no final checkpoint): the fresh chain is not accepted.
  auto lines = read_lines(old_file);
  lines.pop_back();
  write_lines(old_file, lines);
  auto cut = verify_logs({old_file, new_file}, {test_signer()->public_pem(), false});
  EXPECT_FALSE(cut.ok);
  EXPECT_NE(cut.error.find("audit.log:1 (sequence 1): out of order"), std::string::npos) << cut.error;
}

}  // namespace
}  // namespace coffer::audit
