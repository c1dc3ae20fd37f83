// The JSON-lines audit sink: one parsable line per record with AKV's field
// names; an unwritable destination is an error, never a silent drop.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/audit_sink.hpp"

namespace coffer::audit {
namespace {

namespace fs = std::filesystem;

AuditRecord sample(int i) {
  AuditRecord r;
  r.time_ms = 1'700'000'000'123;
  r.operation_name = "SecretGet";
  r.result_type = "Success";
  r.http_status = 200;
  r.request_id = "req-" + std::to_string(i);
  r.caller_app_id = "app";
  r.request_uri = "https://dev.vault.localhost:8443/secrets/x?api-version=7.4";
  r.vault = "dev";
  return r;
}

TEST(JsonLinesSink, WritesOneParsableLinePerRecordConcurrently) {
  auto path = fs::temp_directory_path() / ("coffer-audit-" + std::to_string(::getpid()) + ".log");
  fs::remove(path);
  {
    auto sink = JsonLinesFileSink::open(path.string()).value();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) ASSERT_TRUE(sink->write(sample(t * 100 + i)).ok());
      });
    }
    for (auto& th : threads) th.join();
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    auto v = boost::json::parse(line).as_object();
    EXPECT_EQ(v["operationName"].as_string(), "SecretGet");
    EXPECT_EQ(v["time"].as_string(), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(v["httpStatusCode"].as_int64(), 200);
    ++lines;
  }
  EXPECT_EQ(lines, 200);
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_all, fs::perms::none);
  fs::remove(path);
}

TEST(JsonLinesSink, UnwritableDestinationIsAnError) {
  auto r = JsonLinesFileSink::open("/nonexistent-dir/audit.log");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  auto full = JsonLinesFileSink::open("/dev/full").value();
  EXPECT_EQ(full->write(sample(1)).code(), Code::kUnavailable);
}

}  // namespace
}  // namespace coffer::audit
