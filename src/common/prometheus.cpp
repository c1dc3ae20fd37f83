#include "common/prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace coffer::prometheus {
namespace {

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v.substr(0, 256)) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// "{labels,common}" or "" when both are empty; `extra` (le="…") goes last.
std::string braces(std::string_view labels, std::string_view common, std::string_view extra = {}) {
  std::string out;
  for (std::string_view part : {labels, common, extra}) {
    if (part.empty()) continue;
    out += out.empty() ? "{" : ",";
    out += part;
  }
  if (!out.empty()) out += '}';
  return out;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ").append(name).append(" ");
  out.append(type).append("\n");
}

}  // namespace

std::string label_set(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out.append(name).append("=\"");
    append_escaped(out, value);
    out += '"';
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void Counters::add(const std::string& labels, double n) {
  MutexLock lock(mu_);
  auto it = series_.find(labels);
  if (it == series_.end()) {
    if (series_.size() >= max_series_) return;
    it = series_.emplace(labels, 0.0).first;
  }
  it->second += n;
}

double Counters::value(const std::string& labels) const {
  MutexLock lock(mu_);
  auto it = series_.find(labels);
  return it == series_.end() ? 0 : it->second;
}

void Counters::render(std::string& out, std::string_view name, std::string_view help, std::string_view common) const {
  header(out, name, help, "counter");
  MutexLock lock(mu_);
  for (const auto& [labels, v] : series_) {
    out.append(name).append(braces(labels, common)).append(" ").append(number(v)).append("\n");
  }
}

void Histograms::observe(const std::string& labels, double v) {
  MutexLock lock(mu_);
  auto it = series_.find(labels);
  if (it == series_.end()) {
    if (series_.size() >= max_series_) return;
    it = series_.emplace(labels, Series{std::vector<uint64_t>(buckets_.size()), 0, 0}).first;
  }
  Series& s = it->second;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (v <= buckets_[i]) {
      ++s.counts[i];
      break;
    }
  }
  ++s.count;
  s.sum += v;
}

std::size_t Histograms::series() const {
  MutexLock lock(mu_);
  return series_.size();
}

bool Histograms::contains(const std::string& labels) const {
  MutexLock lock(mu_);
  return series_.count(labels) > 0;
}

void Histograms::render(std::string& out, std::string_view name, std::string_view help, std::string_view common) const {
  header(out, name, help, "histogram");
  const std::string bucket = std::string(name) + "_bucket";
  MutexLock lock(mu_);
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      cumulative += s.counts[i];
      out.append(bucket).append(braces(labels, common, "le=\"" + number(buckets_[i]) + "\""));
      out.append(" ").append(std::to_string(cumulative)).append("\n");
    }
    out.append(bucket).append(braces(labels, common, "le=\"+Inf\"")).append(" ").append(std::to_string(s.count));
    out.append("\n").append(name).append("_sum").append(braces(labels, common)).append(" ").append(number(s.sum));
    out.append("\n").append(name).append("_count").append(braces(labels, common)).append(" ");
    out.append(std::to_string(s.count)).append("\n");
  }
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
}

Counters& Registry::counter(std::string name, std::string help) {
  MutexLock lock(mu_);
  for (const auto& f : families_) {
    if (f.name == name && f.counters) return *f.counters;
  }
  Counters& c = counters_.emplace_back();
  families_.push_back(Family{std::move(name), std::move(help), &c, nullptr, nullptr});
  return c;
}

Histograms& Registry::histogram(std::string name, std::string help, std::vector<double> buckets) {
  MutexLock lock(mu_);
  for (const auto& f : families_) {
    if (f.name == name && f.histograms) return *f.histograms;
  }
  Histograms& h = histograms_.emplace_back(std::move(buckets));
  families_.push_back(Family{std::move(name), std::move(help), nullptr, &h, nullptr});
  return h;
}

Observed Registry::observed_counter(std::string name, std::string help, std::string labels,
                                    std::function<double()> read) {
  return observe(std::move(name), std::move(help), std::move(labels), std::move(read), "counter");
}

Observed Registry::observed_gauge(std::string name, std::string help, std::string labels,
                                  std::function<double()> read) {
  return observe(std::move(name), std::move(help), std::move(labels), std::move(read), "gauge");
}

Observed Registry::observe(std::string name, std::string help, std::string labels, std::function<double()> read,
                           const char* type) {
  MutexLock lock(mu_);
  bool known = false;
  for (const auto& f : families_) known = known || (f.name == name && f.observed_type);
  if (!known) families_.push_back(Family{name, std::move(help), nullptr, nullptr, type});
  const uint64_t id = next_observed_++;
  observed_.emplace(id, ObservedSeries{std::move(name), std::move(labels), std::move(read)});
  return Observed(this, id);
}

void Registry::forget(uint64_t id) {
  MutexLock lock(mu_);
  observed_.erase(id);
}

std::string Registry::text() const {
  std::string out;
  MutexLock lock(mu_);  // the families' own locks are taken inside; nothing takes them in the other order
  for (const auto& f : families_) {
    if (f.counters) f.counters->render(out, f.name, f.help, common_);
    if (f.histograms) f.histograms->render(out, f.name, f.help, common_);
    if (f.counters || f.histograms) continue;
    header(out, f.name, f.help, f.observed_type);
    std::map<std::string, double> summed;  // several sources with one label set (two caches of a kind) add up
    for (const auto& [id, series] : observed_) {
      if (series.family == f.name) summed[series.labels] += series.read();
    }
    for (const auto& [labels, v] : summed) {
      out.append(f.name).append(braces(labels, common_)).append(" ").append(number(v)).append("\n");
    }
  }
  return out;
}

Observed::Observed(Observed&& other) noexcept : registry_(other.registry_), id_(other.id_) {
  other.registry_ = nullptr;
}

Observed& Observed::operator=(Observed&& other) noexcept {
  if (this != &other) {
    if (registry_) registry_->forget(id_);
    registry_ = other.registry_;
    id_ = other.id_;
    other.registry_ = nullptr;
  }
  return *this;
}

Observed::~Observed() {
  if (registry_) registry_->forget(id_);
}

}  // namespace coffer::prometheus
