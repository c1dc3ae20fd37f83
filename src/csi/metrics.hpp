// The provider's Prometheus metrics, as Azure's provider names them
// (PROVIDER-SPEC §4.6): histograms (seconds; buckets 0.1 … 30)
//   keyvault_request{object_type, object_name, error}
//   grpc_request{grpc_method, grpc_code, grpc_message}
// each also labelled provider, os_type and service_name. `error` and
// `grpc_message` carry the Mount error code, never a message text. Series
// beyond a bound fold their object_name into "other". Thread-safe.
#pragma once

#include <array>
#include <map>
#include <string>
#include <string_view>
#include "common/thread_annotations.hpp"

namespace coffer::csi {

class Metrics {
 public:
  explicit Metrics(std::string provider_name) : provider_(std::move(provider_name)) {}

  void observe_vault_request(std::string_view object_type, std::string_view object_name, std::string_view error,
                             double seconds);
  void observe_grpc_request(std::string_view method, std::string_view code, std::string_view message, double seconds);

  // The text exposition format (version 0.0.4).
  std::string prometheus_text() const;

 private:
  static constexpr std::array<double, 14> kBuckets = {0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10, 15, 30};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  void observe_locked(std::map<std::string, Histogram>& family, std::string labels, double seconds)
      COFFER_REQUIRES(mu_);

  std::string provider_;
  mutable Mutex mu_;
  std::map<std::string, Histogram> vault_ COFFER_GUARDED_BY(mu_);
  std::map<std::string, Histogram> grpc_ COFFER_GUARDED_BY(mu_);
};

}  // namespace coffer::csi
