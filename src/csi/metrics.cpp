#include "csi/metrics.hpp"

#include <cstdio>

namespace coffer::csi {
namespace {

constexpr std::size_t kMaxSeries = 5000;

// A label value escaped per the exposition format.
std::string escaped(std::string_view v) {
  std::string out;
  out.reserve(v.size());
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
  return out;
}

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + escaped(value) + "\"";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Metrics::observe_locked(std::map<std::string, Histogram>& family, std::string labels, double seconds) {
  auto it = family.find(labels);
  if (it == family.end()) {
    if (family.size() >= kMaxSeries) return;
    it = family.emplace(std::move(labels), Histogram{}).first;
  }
  Histogram& h = it->second;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::observe_vault_request(std::string_view object_type, std::string_view object_name, std::string_view error,
                                    double seconds) {
  const std::string type = label("object_type", object_type) + ",";
  const std::string rest = "," + label("error", error);
  std::string labels = type + label("object_name", object_name) + rest;
  MutexLock lock(mu_);
  // Only new series fold into "other": one counted before the bound keeps counting.
  if (vault_.size() >= kMaxSeries / 2 && vault_.find(labels) == vault_.end()) {
    labels = type + label("object_name", "other") + rest;
  }
  observe_locked(vault_, std::move(labels), seconds);
}

void Metrics::observe_grpc_request(std::string_view method, std::string_view code, std::string_view message,
                                   double seconds) {
  std::string labels =
      label("grpc_method", method) + "," + label("grpc_code", code) + "," + label("grpc_message", message);
  MutexLock lock(mu_);
  observe_locked(grpc_, std::move(labels), seconds);
}

std::string Metrics::prometheus_text() const {
  const std::string common = label("provider", provider_) + "," + label("os_type", "linux") + "," +
                             label("service_name", "coffer-csi-provider");
  std::string out;
  auto family = [&](const char* name, const char* help, const std::map<std::string, Histogram>& series) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
    for (const auto& [labels, h] : series) {
      const std::string all = labels + "," + common;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        out += std::string(name) + "_bucket{" + all + ",le=\"" + number(kBuckets[i]) + "\"} " +
               std::to_string(h.counts[i]) + "\n";
      }
      out += std::string(name) + "_bucket{" + all + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += std::string(name) + "_sum{" + all + "} " + number(h.sum) + "\n";
      out += std::string(name) + "_count{" + all + "} " + std::to_string(h.count) + "\n";
    }
  };
  MutexLock lock(mu_);
  family("keyvault_request", "Duration of requests to the vault, in seconds.", vault_);
  family("grpc_request", "Duration of gRPC requests from the driver, in seconds.", grpc_);
  return out;
}

}  // namespace coffer::csi
