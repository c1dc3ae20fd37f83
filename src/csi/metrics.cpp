#include "csi/metrics.hpp"

namespace coffer::csi {
namespace {

std::vector<double> buckets() { return {0.1, 0.2, 0.3, 0.4, 0.5, 1, 1.5, 2, 2.5, 3, 5, 10, 15, 30}; }

}  // namespace

Metrics::Metrics(std::string provider_name)
    : registry_(prometheus::label_set(
          {{"provider", provider_name}, {"os_type", "linux"}, {"service_name", "coffer-csi-provider"}})),
      vault_(registry_.histogram("keyvault_request", "Duration of requests to the vault, in seconds.", buckets())),
      grpc_(registry_.histogram("grpc_request", "Duration of gRPC requests from the driver, in seconds.", buckets())) {}

void Metrics::observe_vault_request(std::string_view object_type, std::string_view object_name, std::string_view error,
                                    double seconds) {
  std::string labels =
      prometheus::label_set({{"object_type", object_type}, {"object_name", object_name}, {"error", error}});
  // Only new series fold into "other": one counted before the bound keeps counting.
  if (vault_.series() >= prometheus::kMaxSeries / 2 && !vault_.contains(labels)) {
    labels = prometheus::label_set({{"object_type", object_type}, {"object_name", "other"}, {"error", error}});
  }
  vault_.observe(labels, seconds);
}

void Metrics::observe_grpc_request(std::string_view method, std::string_view code, std::string_view message,
                                   double seconds) {
  grpc_.observe(prometheus::label_set({{"grpc_method", method}, {"grpc_code", code}, {"grpc_message", message}}),
                seconds);
}

}  // namespace coffer::csi
