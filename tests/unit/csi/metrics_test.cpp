// The provider's Prometheus histograms (PROVIDER-SPEC §4.6) in the text
// exposition format.
#include "csi/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>
#include <vector>

namespace coffer::csi {
namespace {

const std::string kCommon = R"(provider="azure",os_type="linux",service_name="coffer-csi-provider")";

// The value on the line that starts with `series` + " ", or "" if there is none.
std::string sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return {};
}

int count_lines_starting(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

TEST(Metrics, EmptyHasHelpAndTypeOnly) {
  Metrics m("azure");
  const std::string text = m.prometheus_text();
  EXPECT_NE(text.find("# TYPE keyvault_request histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE grpc_request histogram\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP keyvault_request "), std::string::npos);
  EXPECT_NE(text.find("# HELP grpc_request "), std::string::npos);
  EXPECT_EQ(text.find("_bucket"), std::string::npos);
}

TEST(Metrics, VaultHistogramBucketsAreCumulative) {
  Metrics m("azure");
  for (double s : {0.05, 0.1, 0.25, 2.0, 100.0}) m.observe_vault_request("secret", "db", "", s);
  const std::string text = m.prometheus_text();
  const std::string labels = R"(object_type="secret",object_name="db",error="",)" + kCommon;
  const std::pair<const char*, const char*> expected[] = {
      {"0.1", "2"}, {"0.2", "2"}, {"0.3", "3"}, {"0.4", "3"}, {"0.5", "3"}, {"1", "3"},  {"1.5", "3"}, {"2", "4"},
      {"2.5", "4"}, {"3", "4"},   {"5", "4"},   {"10", "4"},  {"15", "4"},  {"30", "4"}, {"+Inf", "5"}};
  for (const auto& [le, count] : expected) {
    EXPECT_EQ(sample(text, "keyvault_request_bucket{" + labels + ",le=\"" + le + "\"}"), count) << "le=" << le << "\n"
                                                                                                << text;
  }
  EXPECT_EQ(sample(text, "keyvault_request_count{" + labels + "}"), "5");
  EXPECT_DOUBLE_EQ(std::stod(sample(text, "keyvault_request_sum{" + labels + "}")), 102.4);
  EXPECT_EQ(count_lines_starting(text, "keyvault_request_bucket{"), 15);
}

TEST(Metrics, SeriesAreKeptApartByLabels) {
  Metrics m("azure");
  m.observe_vault_request("secret", "a", "", 0.01);
  m.observe_vault_request("secret", "a", "", 0.01);
  m.observe_vault_request("secret", "a", "ObjectNotFound", 0.01);
  m.observe_vault_request("key", "a", "", 0.01);
  const std::string text = m.prometheus_text();
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="secret",object_name="a",error="",)" + kCommon + "}"),
            "2");
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="secret",object_name="a",error="ObjectNotFound",)" +
                             kCommon + "}"),
            "1");
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="key",object_name="a",error="",)" + kCommon + "}"), "1");
  EXPECT_EQ(count_lines_starting(text, "keyvault_request_count{"), 3);
}

TEST(Metrics, GrpcHistogram) {
  Metrics m("coffer");
  m.observe_grpc_request("/v1alpha1.CSIDriverProvider/Mount", "OK", "", 0.3);
  m.observe_grpc_request("/v1alpha1.CSIDriverProvider/Mount", "OK", "", 0.7);
  const std::string text = m.prometheus_text();
  const std::string labels =
      R"(grpc_method="/v1alpha1.CSIDriverProvider/Mount",grpc_code="OK",grpc_message="",provider="coffer",os_type="linux",service_name="coffer-csi-provider")";
  EXPECT_EQ(sample(text, "grpc_request_bucket{" + labels + ",le=\"0.3\"}"), "1") << text;
  EXPECT_EQ(sample(text, "grpc_request_bucket{" + labels + ",le=\"0.5\"}"), "1");
  EXPECT_EQ(sample(text, "grpc_request_bucket{" + labels + ",le=\"1\"}"), "2");
  EXPECT_EQ(sample(text, "grpc_request_count{" + labels + "}"), "2");
  EXPECT_DOUBLE_EQ(std::stod(sample(text, "grpc_request_sum{" + labels + "}")), 1.0);
  // The vault family stays empty.
  EXPECT_EQ(count_lines_starting(text, "keyvault_request_"), 0);
}

TEST(Metrics, ProviderLabelOnEverySample) {
  Metrics m("my-provider");
  m.observe_vault_request("cert", "c", "", 1);
  m.observe_grpc_request("m", "Unknown", "InvalidObjects", 1);
  std::istringstream in(m.prometheus_text());
  std::string line;
  int samples = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    EXPECT_NE(line.find(R"(provider="my-provider",os_type="linux",service_name="coffer-csi-provider")"),
              std::string::npos)
        << line;
  }
  EXPECT_EQ(samples, 2 * 17);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Metrics m("pro\"vi\\der");
  m.observe_vault_request("secret", "a\"b\\c\nd", "", 0.1);
  const std::string text = m.prometheus_text();
  EXPECT_NE(text.find(R"(object_name="a\"b\\c\nd")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(provider="pro\"vi\\der")"), std::string::npos) << text;
  // No raw newline inside a sample line: every non-comment line is a whole sample.
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_EQ(line.rfind("keyvault_request_", 0), 0u) << line;
    EXPECT_NE(line.find("} "), std::string::npos) << line;
  }
}

TEST(Metrics, LongLabelValuesAreBounded) {
  Metrics m("azure");
  m.observe_vault_request("secret", std::string(1000, 'n'), "", 0.1);
  const std::string text = m.prometheus_text();
  EXPECT_NE(text.find("object_name=\"" + std::string(256, 'n') + "\""), std::string::npos);
  EXPECT_EQ(text.find(std::string(257, 'n')), std::string::npos);
}

TEST(Metrics, ManyObjectNamesFoldIntoOther) {
  Metrics m("azure");
  for (int i = 0; i < 2500; ++i) m.observe_vault_request("secret", "s" + std::to_string(i), "", 0.1);
  m.observe_vault_request("secret", "late-1", "", 0.1);
  m.observe_vault_request("secret", "late-2", "", 0.1);
  const std::string text = m.prometheus_text();
  EXPECT_EQ(text.find("late-"), std::string::npos);
  EXPECT_EQ(
      sample(text, R"(keyvault_request_count{object_type="secret",object_name="other",error="",)" + kCommon + "}"),
      "2");
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="secret",object_name="s0",error="",)" + kCommon + "}"),
            "1");
}

TEST(Metrics, ExistingSeriesKeepCountingAfterTheBound) {
  Metrics m("azure");
  for (int i = 0; i < 2500; ++i) m.observe_vault_request("secret", "s" + std::to_string(i), "", 0.1);
  // s0 was counted before the bound: it is not folded into "other".
  m.observe_vault_request("secret", "s0", "", 0.1);
  const std::string text = m.prometheus_text();
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="secret",object_name="s0",error="",)" + kCommon + "}"),
            "2");
  EXPECT_EQ(
      sample(text, R"(keyvault_request_count{object_type="secret",object_name="other",error="",)" + kCommon + "}"), "");
}

TEST(Metrics, ConcurrentObservationsAreAllCounted) {
  Metrics m("azure");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        m.observe_vault_request("secret", "x", "", 0.5);
        m.observe_grpc_request("Mount", "OK", "", 0.5);
        if (i % 100 == 0) (void)m.prometheus_text();
      }
    });
  }
  for (auto& t : threads) t.join();
  const std::string text = m.prometheus_text();
  EXPECT_EQ(sample(text, R"(keyvault_request_count{object_type="secret",object_name="x",error="",)" + kCommon + "}"),
            "4000");
  EXPECT_EQ(sample(text, R"(grpc_request_count{grpc_method="Mount",grpc_code="OK",grpc_message="",)" + kCommon + "}"),
            "4000");
}

}  // namespace
}  // namespace coffer::csi
