// The AuditEvent JSON of a record: AKV's field names, and any byte a client
// can put into a field (quotes, backslashes, control characters, UTF-8)
// still gives one parsable JSON object that reads back the same.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "audit/audit_sink.hpp"

namespace coffer::audit {
namespace {

AuditRecord sample() {
  AuditRecord r;
  r.time_ms = 1'700'000'000'123;
  r.operation_name = "SecretGet";
  r.result_type = "Success";
  r.result_signature = "OK";
  r.http_status = 200;
  r.request_id = "req-1";
  r.correlation_id = "corr";
  r.caller_tenant_id = "tenant";
  r.caller_object_id = "oid";
  r.caller_app_id = "app";
  r.caller_ip = "127.0.0.1";
  r.client_info = "azsdk-python/4.0";
  r.request_uri = "https://dev.vault.localhost:8443/secrets/x?api-version=7.4";
  r.duration_ms = 3;
  r.vault = "dev";
  r.object_id = "https://dev.vault.localhost:8443/secrets/x";
  return r;
}

TEST(RecordJson, HasAkvAuditEventFields) {
  auto v = boost::json::parse(to_json(sample())).as_object();
  EXPECT_EQ(v["time"].as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(v["category"].as_string(), "AuditEvent");
  EXPECT_EQ(v["operationName"].as_string(), "SecretGet");
  EXPECT_EQ(v["resultType"].as_string(), "Success");
  EXPECT_EQ(v["resultSignature"].as_string(), "OK");
  EXPECT_EQ(v["httpStatusCode"].as_int64(), 200);
  EXPECT_EQ(v["correlationId"].as_string(), "corr");
  EXPECT_EQ(v["requestId"].as_string(), "req-1");
  EXPECT_EQ(v["callerIpAddress"].as_string(), "127.0.0.1");
  auto claim = v["identity"].as_object()["claim"].as_object();
  EXPECT_EQ(claim["http://schemas.microsoft.com/identity/claims/tenantid"].as_string(), "tenant");
  EXPECT_EQ(claim["http://schemas.microsoft.com/identity/claims/objectidentifier"].as_string(), "oid");
  EXPECT_EQ(claim["appid"].as_string(), "app");
  auto props = v["properties"].as_object();
  EXPECT_EQ(props["clientInfo"].as_string(), "azsdk-python/4.0");
  EXPECT_EQ(props["requestUri"].as_string(), sample().request_uri);
  EXPECT_EQ(props["id"].as_string(), "https://dev.vault.localhost:8443/secrets/x");
  EXPECT_EQ(v["durationMs"].as_int64(), 3);
  EXPECT_EQ(v["resourceId"].as_string(), "dev");
}

TEST(RecordJson, EveryByteAClientSendsStaysOneParsableObject) {
  AuditRecord r = sample();
  std::string nasty = "quote\" back\\slash\n\r\t\b\f nul";
  nasty += '\0';
  nasty += "\x01\x1f del\x7f utf8 \xc3\xa9 \xe2\x82\xac";
  r.client_info = nasty;
  r.request_uri = "https://h/secrets/x?q=" + nasty;
  r.correlation_id = "}{\",";
  auto v = boost::json::parse(to_json(r)).as_object();
  EXPECT_EQ(std::string(v["properties"].as_object()["clientInfo"].as_string()), nasty);
  EXPECT_EQ(std::string(v["properties"].as_object()["requestUri"].as_string()), r.request_uri);
  EXPECT_EQ(std::string(v["correlationId"].as_string()), "}{\",");
  EXPECT_EQ(to_json(r).find('\n'), std::string::npos) << "one record, one line";
}

// A request can carry bytes that are not UTF-8 (percent-decoded names,
// header values): the line must still be valid JSON text that any parser —
// and `coffer audit verify` — reads, with each bad byte as U+FFFD.
TEST(RecordJson, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  AuditRecord r = sample();
  r.request_uri = "https://h/secrets/x\xFF\xFEy?api-version=7.4";
  r.object_id = "https://h/secrets/x\xFF\xFEy";
  r.client_info = "agent\xC0\xAF";
  const std::string line = to_json(r);
  auto v = boost::json::parse(line).as_object();  // Boost.JSON rejects invalid UTF-8
  EXPECT_EQ(std::string(v["properties"].as_object()["requestUri"].as_string()),
            "https://h/secrets/x\xEF\xBF\xBD\xEF\xBF\xBDy?api-version=7.4");
  EXPECT_EQ(std::string(v["properties"].as_object()["clientInfo"].as_string()), "agent\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(RecordJson, EmptyRecordIsStillValid) {
  auto v = boost::json::parse(to_json(AuditRecord{})).as_object();
  EXPECT_EQ(v["operationName"].as_string(), "");
  EXPECT_EQ(v["httpStatusCode"].as_int64(), 0);
  EXPECT_EQ(v["time"].as_string(), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace coffer::audit
