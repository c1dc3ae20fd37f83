// The provider's Prometheus metrics, as Azure's provider names them
// (PROVIDER-SPEC §4.6): histograms (seconds; buckets 0.1 … 30)
//   keyvault_request{object_type, object_name, error}
//   grpc_request{grpc_method, grpc_code, grpc_message}
// each also labelled provider, os_type and service_name. `error` and
// `grpc_message` carry the Mount error code, never a message text. Series
// beyond a bound fold their object_name into "other". Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/prometheus.hpp"

namespace coffer::csi {

class Metrics {
 public:
  explicit Metrics(std::string provider_name);

  void observe_vault_request(std::string_view object_type, std::string_view object_name, std::string_view error,
                             double seconds);
  void observe_grpc_request(std::string_view method, std::string_view code, std::string_view message, double seconds);

  // The text exposition format (version 0.0.4).
  std::string prometheus_text() const { return registry_.text(); }

 private:
  prometheus::Registry registry_;
  prometheus::Histograms& vault_;
  prometheus::Histograms& grpc_;
};

}  // namespace coffer::csi
