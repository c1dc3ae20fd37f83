// ProviderService: the v1alpha1.CSIDriverProvider gRPC service. Version
// answers "v1alpha1" with Coffer's name and version. Mount runs a
// MountHandler and answers the complete file set and one ObjectVersion per
// object; a failure is answered as MountResponse.error.code (gRPC status
// OK, no files, no versions) with the reason logged, and a response over
// `max_response_bytes` (the driver's receive limit) is turned into
// ResponseTooLarge instead of failing in gRPC. Never rejects any :authority.
// Mount is served raw (callback API, on a pool of its own): the provider
// parses the request and serializes the answer itself, so the answer's files
// live only in buffers it wipes — its message once serialized, the bytes
// once gRPC has sent them — and the request's credentials are wiped once
// used. Thread-safe.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>

#include "csi/metrics.hpp"
#include "csi/mount_handler.hpp"
#include "provider.grpc.pb.h"

namespace coffer::csi {

inline constexpr const char* kRuntimeName = "coffer-csi-provider";

// "v" + the project version, e.g. "v0.1.0".
const char* runtime_version();

// `answer` serialized into one buffer that is wiped when gRPC lets it go.
grpc::ByteBuffer serialize_wiped(const v1alpha1::MountResponse& answer);

class ProviderService final
    : public v1alpha1::CSIDriverProvider::WithRawCallbackMethod_Mount<v1alpha1::CSIDriverProvider::Service> {
 public:
  ProviderService(MountHandler& handler, Metrics& metrics, std::size_t max_response_bytes)
      : handler_(handler), metrics_(metrics), max_response_bytes_(max_response_bytes) {}
  // Waits for the mounts in progress.
  ~ProviderService() override { workers_.join(); }

  grpc::Status Version(grpc::ServerContext* context, const v1alpha1::VersionRequest* request,
                       v1alpha1::VersionResponse* response) override;
  grpc::ServerUnaryReactor* Mount(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override;

  // One mount, synchronously: the request's bytes in, the answer's out.
  grpc::Status mount(grpc::ByteBuffer& request, grpc::ByteBuffer& answer);

 private:
  void mount_into(v1alpha1::MountRequest& request, v1alpha1::MountResponse& response);

  MountHandler& handler_;
  Metrics& metrics_;
  std::size_t max_response_bytes_;
  // Mounts wait on the network: they run here, not on gRPC's callback threads
  // (as many at once as the synchronous server's pollers allowed).
  boost::asio::thread_pool workers_{8};
};

}  // namespace coffer::csi
