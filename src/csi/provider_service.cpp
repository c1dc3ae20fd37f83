#include "csi/provider_service.hpp"

#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <new>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/secure_memory.hpp"
#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

constexpr const char* kMountMethod = "/v1alpha1.CSIDriverProvider/Mount";

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void wipe(std::string* s) { secure_wipe(s->data(), s->size()); }

}  // namespace

const char* runtime_version() { return "v" COFFER_VERSION; }

grpc::ByteBuffer serialize_wiped(const v1alpha1::MountResponse& answer) {
  const std::size_t size = answer.ByteSizeLong();
  auto* bytes = static_cast<unsigned char*>(::operator new(size == 0 ? 1 : size));
  answer.SerializeWithCachedSizesToArray(bytes);
  grpc::Slice slice(bytes, size, [](void* p, std::size_t n) {
    secure_wipe(p, n);
    ::operator delete(p);
  });
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status ProviderService::Version(grpc::ServerContext*, const v1alpha1::VersionRequest*,
                                      v1alpha1::VersionResponse* response) {
  const auto started = std::chrono::steady_clock::now();
  response->set_version("v1alpha1");
  response->set_runtime_name(kRuntimeName);
  response->set_runtime_version(runtime_version());
  metrics_.observe_grpc_request("/v1alpha1.CSIDriverProvider/Version", "OK", "", since(started));
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ProviderService::Mount(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                                 grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  boost::asio::post(workers_, [this, reactor, received = grpc::ByteBuffer(*request), response]() mutable {
    reactor->Finish(mount(received, *response));
  });
  return reactor;
}

grpc::Status ProviderService::mount(grpc::ByteBuffer& request, grpc::ByteBuffer& answer) {
  const auto started = std::chrono::steady_clock::now();
  v1alpha1::MountRequest parsed;
  // The credentials the driver hands in (client secret, service-account tokens): wiped once used,
  // and as far as they were parsed when the request is refused — in the parsed request and in the
  // received bytes (gRPC's slices, which it frees unwiped; parsing drops the buffer's hold on them,
  // so these references keep them until the wipe).
  std::vector<grpc::Slice> received;
  if (!request.Dump(&received).ok()) received.clear();
  struct WipeCredentials {
    v1alpha1::MountRequest& request;
    std::vector<grpc::Slice>& received;
    ~WipeCredentials() {
      wipe(request.mutable_secrets());
      wipe(request.mutable_attributes());
      for (const grpc::Slice& slice : received) secure_wipe(const_cast<std::uint8_t*>(slice.begin()), slice.size());
    }
  } wipe_credentials{parsed, received};
  if (grpc::Status st = grpc::SerializationTraits<v1alpha1::MountRequest>::Deserialize(&request, &parsed); !st.ok()) {
    metrics_.observe_grpc_request(kMountMethod, "INTERNAL", "", since(started));
    return st;
  }
  v1alpha1::MountResponse response;
  mount_into(parsed, response);
  answer = serialize_wiped(response);
  for (auto& file : *response.mutable_files()) wipe(file.mutable_contents());
  metrics_.observe_grpc_request(kMountMethod, "OK", response.has_error() ? response.error().code() : "",
                                since(started));
  return grpc::Status::OK;
}

void ProviderService::mount_into(v1alpha1::MountRequest& request, v1alpha1::MountResponse& response) {
  std::string pod = "?/?";
  auto result = handler_.mount(request.attributes(), request.secrets(), request.permission(), &pod);
  Status failure;
  if (!result.ok()) {
    failure = result.status();
  } else {
    for (auto& f : result->files) {
      v1alpha1::File* file = response.add_files();
      file->set_path(f.path);
      file->set_mode(f.mode);
      file->set_contents(f.contents.data(), f.contents.size());
    }
    for (const auto& v : result->versions) {
      v1alpha1::ObjectVersion* ov = response.add_object_version();
      ov->set_id(v.id);
      ov->set_version(v.version);
    }
    if (response.object_version_size() == 0) {
      failure = errors::fail(errors::kInvalidObjects, "The mount produced no object.");
    } else if (response.ByteSizeLong() > max_response_bytes_) {
      failure = errors::fail(errors::kResponseTooLarge,
                             "The mount's files make a response of " + std::to_string(response.ByteSizeLong()) +
                                 " bytes, over the driver's limit of " + std::to_string(max_response_bytes_) +
                                 " (driver flag --max-call-recv-msg-size, provider flag --max-response-bytes).");
    }
  }
  if (!failure.ok()) {
    for (auto& file : *response.mutable_files()) wipe(file.mutable_contents());
    response.Clear();
    response.mutable_error()->set_code(errors::code_of(failure));
    spdlog::warn("csi: mount for pod {} failed ({}): {}", pod, response.error().code(), failure.message());
  } else {
    spdlog::info("csi: mounted {} objects, {} files for pod {}", response.object_version_size(), response.files_size(),
                 pod);
  }
}

}  // namespace coffer::csi
