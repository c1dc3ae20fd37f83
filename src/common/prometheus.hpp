// Prometheus metrics in the text exposition format (version 0.0.4), for the
// server's /metrics and the CSI provider's: a Registry of named families,
// each a counter or a histogram whose series are keyed by their label set
// (label_set() renders and escapes one), or a counter or gauge whose series
// are read at each scrape (Observed). Asking for a family by a name
// already registered returns that family (a server unsealed again keeps its
// series); families live as long as the registry, so callers keep references. A family holds
// at most `max_series` series; observations of further label sets are
// dropped (bounded memory whatever the label values). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/thread_annotations.hpp"

namespace coffer::prometheus {

// `name="value",…` with values escaped (\, " and newlines) and cut at 256 bytes.
std::string label_set(std::initializer_list<std::pair<std::string_view, std::string_view>> labels);
// A sample value as the format writes it ("0.25", "1e-05", "+Inf").
std::string number(double v);

inline constexpr std::size_t kMaxSeries = 5000;

class Counters {
 public:
  explicit Counters(std::size_t max_series = kMaxSeries) : max_series_(max_series) {}
  void add(const std::string& labels, double n = 1);
  double value(const std::string& labels) const;
  // "# HELP/# TYPE" and one line per series; `common` labels are added to each.
  void render(std::string& out, std::string_view name, std::string_view help, std::string_view common = {}) const;

 private:
  const std::size_t max_series_;
  mutable Mutex mu_;
  std::map<std::string, double> series_ COFFER_GUARDED_BY(mu_);
};

class Histograms {
 public:
  explicit Histograms(std::vector<double> buckets, std::size_t max_series = kMaxSeries)
      : buckets_(std::move(buckets)), max_series_(max_series) {}
  void observe(const std::string& labels, double v);
  std::size_t series() const;
  bool contains(const std::string& labels) const;
  void render(std::string& out, std::string_view name, std::string_view help, std::string_view common = {}) const;

 private:
  struct Series {
    std::vector<uint64_t> counts;  // per bucket, cumulative when rendered
    uint64_t count = 0;
    double sum = 0;
  };
  const std::vector<double> buckets_;
  const std::size_t max_series_;
  mutable Mutex mu_;
  std::map<std::string, Series> series_ COFFER_GUARDED_BY(mu_);
};

// Latency buckets in seconds for requests served from memory up to slow commits.
std::vector<double> latency_buckets();

class Registry;

// A series read at each scrape from where it is kept (atomics of a cache),
// listed while this handle lives; series of one family with the same labels
// are shown as their sum. Movable; the registry must outlive it.
class Observed {
 public:
  Observed() = default;
  Observed(Observed&& other) noexcept;
  Observed& operator=(Observed&& other) noexcept;
  ~Observed();

 private:
  friend class Registry;
  Observed(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  // `common` labels are added to every series of every family.
  explicit Registry(std::string common = {}) : common_(std::move(common)) {}
  Counters& counter(std::string name, std::string help);
  Histograms& histogram(std::string name, std::string help, std::vector<double> buckets);
  // A counter (gauge) series of family `name` whose value `read` gives at each scrape.
  [[nodiscard]] Observed observed_counter(std::string name, std::string help, std::string labels,
                                          std::function<double()> read);
  [[nodiscard]] Observed observed_gauge(std::string name, std::string help, std::string labels,
                                        std::function<double()> read);
  // Every family, in registration order.
  std::string text() const;

 private:
  friend class Observed;
  struct Family {
    std::string name, help;
    Counters* counters = nullptr;
    Histograms* histograms = nullptr;     // neither: observed series of that name
    const char* observed_type = nullptr;  // theirs: "counter" or "gauge"
  };
  struct ObservedSeries {
    std::string family, labels;
    std::function<double()> read;
  };
  Observed observe(std::string name, std::string help, std::string labels, std::function<double()> read,
                   const char* type);
  void forget(uint64_t id);
  const std::string common_;
  mutable Mutex mu_;
  std::deque<Counters> counters_ COFFER_GUARDED_BY(mu_);  // deque: references stay valid
  std::deque<Histograms> histograms_ COFFER_GUARDED_BY(mu_);
  std::vector<Family> families_ COFFER_GUARDED_BY(mu_);
  std::map<uint64_t, ObservedSeries> observed_ COFFER_GUARDED_BY(mu_);
  uint64_t next_observed_ COFFER_GUARDED_BY(mu_) = 1;
};

}  // namespace coffer::prometheus
