// ProviderService: the v1alpha1.CSIDriverProvider gRPC service. Version
// answers "v1alpha1" with Coffer's name and version. Mount runs a
// MountHandler and answers the complete file set and one ObjectVersion per
// object; a failure is answered as MountResponse.error.code (gRPC status
// OK, no files, no versions) with the reason logged, and a response over
// `max_response_bytes` (the driver's receive limit) is turned into
// ResponseTooLarge instead of failing in gRPC. Never rejects any :authority.
// Thread-safe.
#pragma once

#include <cstddef>

#include "csi/metrics.hpp"
#include "csi/mount_handler.hpp"
#include "provider.grpc.pb.h"

namespace coffer::csi {

inline constexpr const char* kRuntimeName = "coffer-csi-provider";

// "v" + the project version, e.g. "v0.1.0".
const char* runtime_version();

class ProviderService final : public v1alpha1::CSIDriverProvider::Service {
 public:
  ProviderService(MountHandler& handler, Metrics& metrics, std::size_t max_response_bytes)
      : handler_(handler), metrics_(metrics), max_response_bytes_(max_response_bytes) {}

  grpc::Status Version(grpc::ServerContext* context, const v1alpha1::VersionRequest* request,
                       v1alpha1::VersionResponse* response) override;
  grpc::Status Mount(grpc::ServerContext* context, const v1alpha1::MountRequest* request,
                     v1alpha1::MountResponse* response) override;

 private:
  MountHandler& handler_;
  Metrics& metrics_;
  std::size_t max_response_bytes_;
};

}  // namespace coffer::csi
