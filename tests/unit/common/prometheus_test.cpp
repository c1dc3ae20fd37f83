// The Prometheus text format pieces: escaping, cumulative buckets, the
// series bound, families found again by name, and the registry's output.
#include "common/prometheus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace coffer::prometheus {
namespace {

TEST(PrometheusTest, LabelValuesAreEscapedAndBounded) {
  EXPECT_EQ(label_set({{"a", "x"}, {"b", "say \"hi\"\\\n"}}), R"(a="x",b="say \"hi\"\\\n")");
  EXPECT_EQ(label_set({{"long", std::string(1000, 'x')}}).size(), std::string("long=\"\"").size() + 256);
  EXPECT_EQ(number(0.25), "0.25");
  EXPECT_EQ(number(1.0 / 0.0), "+Inf");
}

TEST(PrometheusTest, HistogramsRenderCumulativeBucketsEndingAtTheCount) {
  Registry registry(label_set({{"service", "test"}}));
  Histograms& h = registry.histogram("op_seconds", "Operations.", {0.1, 1});
  h.observe(label_set({{"op", "get"}}), 0.05);
  h.observe(label_set({{"op", "get"}}), 0.5);
  h.observe(label_set({{"op", "get"}}), 5);
  EXPECT_EQ(registry.text(),
            "# HELP op_seconds Operations.\n"
            "# TYPE op_seconds histogram\n"
            "op_seconds_bucket{op=\"get\",service=\"test\",le=\"0.1\"} 1\n"
            "op_seconds_bucket{op=\"get\",service=\"test\",le=\"1\"} 2\n"
            "op_seconds_bucket{op=\"get\",service=\"test\",le=\"+Inf\"} 3\n"
            "op_seconds_sum{op=\"get\",service=\"test\"} 5.55\n"
            "op_seconds_count{op=\"get\",service=\"test\"} 3\n");
}

TEST(PrometheusTest, CountersAndTheSeriesBound) {
  Registry registry;
  Counters& c = registry.counter("things_total", "Things.");
  c.add({});
  c.add({}, 2);
  EXPECT_EQ(c.value({}), 3);
  EXPECT_EQ(registry.text(), "# HELP things_total Things.\n# TYPE things_total counter\nthings_total 3\n");
  Counters bounded(2);
  bounded.add("a=\"1\"");
  bounded.add("a=\"2\"");
  bounded.add("a=\"3\"");
  EXPECT_EQ(bounded.value("a=\"3\""), 0) << "beyond the bound: dropped";
  bounded.add("a=\"1\"");
  EXPECT_EQ(bounded.value("a=\"1\""), 2) << "known series keep counting";
}

TEST(PrometheusTest, AFamilyAskedForAgainIsTheSameFamily) {
  Registry registry;
  Counters& a = registry.counter("x_total", "X.");
  Counters& b = registry.counter("x_total", "X.");
  EXPECT_EQ(&a, &b);
  Histograms& h1 = registry.histogram("y_seconds", "Y.", latency_buckets());
  EXPECT_EQ(&h1, &registry.histogram("y_seconds", "Y.", latency_buckets()));
  a.add({});
  const std::string text = registry.text();
  EXPECT_EQ(text.find("# TYPE x_total"), text.rfind("# TYPE x_total")) << "one family in the output";
}

TEST(PrometheusTest, ObservedSeriesAreReadAtEachScrapeSummedAndForgotten) {
  Registry registry;
  double a = 1, b = 2;
  {
    Observed first = registry.observed_counter("reads_total", "Reads.", label_set({{"cache", "x"}}), [&] { return a; });
    Observed second =
        registry.observed_counter("reads_total", "Reads.", label_set({{"cache", "x"}}), [&] { return b; });
    EXPECT_EQ(registry.text(), "# HELP reads_total Reads.\n# TYPE reads_total counter\nreads_total{cache=\"x\"} 3\n");
    a = 10;
    EXPECT_NE(registry.text().find("reads_total{cache=\"x\"} 12\n"), std::string::npos) << "read at each scrape";
    Observed moved = std::move(second);
  }
  EXPECT_EQ(registry.text(), "# HELP reads_total Reads.\n# TYPE reads_total counter\n") << "handles gone: unlisted";
}

TEST(PrometheusTest, ObservedGaugesAreTypedAsGaugesAndMayFall) {
  Registry registry;
  double holding = 1;
  Observed gauge = registry.observed_gauge("holding", "Holds.", {}, [&] { return holding; });
  Observed counter = registry.observed_counter("reads_total", "Reads.", {}, [] { return 5.0; });
  EXPECT_EQ(registry.text(),
            "# HELP holding Holds.\n# TYPE holding gauge\nholding 1\n"
            "# HELP reads_total Reads.\n# TYPE reads_total counter\nreads_total 5\n");
  holding = 0;
  EXPECT_NE(registry.text().find("\nholding 0\n"), std::string::npos);
}

TEST(PrometheusTest, ObservationsFromManyThreadsWhileScraping) {
  Registry registry;
  Histograms& h = registry.histogram("work_seconds", "Work.", latency_buckets());
  Counters& c = registry.counter("work_total", "Work.");
  std::atomic<uint64_t> reads{0};
  Observed observed = registry.observed_counter("reads_total", "Reads.", {}, [&] { return double(reads.load()); });
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < 1000; ++i) {
        h.observe(label_set({{"thread", std::to_string(t % 2)}}), 0.001 * i);
        c.add({});
        reads.fetch_add(1);
      }
    });
  }
  // Scrapes run while the threads observe (at least one, even if they finish first).
  go.store(true);
  do {
    EXPECT_FALSE(registry.text().empty());
  } while (c.value({}) < 4000);
  for (auto& t : threads) t.join();
  const std::string text = registry.text();
  EXPECT_NE(text.find("work_total 4000\n"), std::string::npos);
  EXPECT_NE(text.find("work_seconds_count{thread=\"0\"} 2000\n"), std::string::npos);
  EXPECT_NE(text.find("reads_total 4000\n"), std::string::npos);
}

}  // namespace
}  // namespace coffer::prometheus
