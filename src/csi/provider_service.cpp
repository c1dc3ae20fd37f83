#include "csi/provider_service.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "csi/mount_errors.hpp"

namespace coffer::csi {
namespace {

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

const char* runtime_version() { return "v" COFFER_VERSION; }

grpc::Status ProviderService::Version(grpc::ServerContext*, const v1alpha1::VersionRequest*,
                                      v1alpha1::VersionResponse* response) {
  const auto started = std::chrono::steady_clock::now();
  response->set_version("v1alpha1");
  response->set_runtime_name(kRuntimeName);
  response->set_runtime_version(runtime_version());
  metrics_.observe_grpc_request("/v1alpha1.CSIDriverProvider/Version", "OK", "", since(started));
  return grpc::Status::OK;
}

grpc::Status ProviderService::Mount(grpc::ServerContext*, const v1alpha1::MountRequest* request,
                                    v1alpha1::MountResponse* response) {
  const auto started = std::chrono::steady_clock::now();
  std::string pod = "?/?";
  auto result = handler_.mount(request->attributes(), request->secrets(), request->permission(), &pod);
  Status failure;
  if (!result.ok()) {
    failure = result.status();
  } else {
    for (auto& f : result->files) {
      v1alpha1::File* file = response->add_files();
      file->set_path(f.path);
      file->set_mode(f.mode);
      file->set_contents(f.contents.data(), f.contents.size());
    }
    for (const auto& v : result->versions) {
      v1alpha1::ObjectVersion* ov = response->add_object_version();
      ov->set_id(v.id);
      ov->set_version(v.version);
    }
    if (response->object_version_size() == 0) {
      failure = errors::fail(errors::kInvalidObjects, "The mount produced no object.");
    } else if (response->ByteSizeLong() > max_response_bytes_) {
      failure = errors::fail(errors::kResponseTooLarge,
                             "The mount's files make a response of " + std::to_string(response->ByteSizeLong()) +
                                 " bytes, over the driver's limit of " + std::to_string(max_response_bytes_) +
                                 " (driver flag --max-call-recv-msg-size, provider flag --max-response-bytes).");
    }
  }
  const std::string code = failure.ok() ? "" : errors::code_of(failure);
  if (!failure.ok()) {
    response->Clear();
    response->mutable_error()->set_code(code);
    spdlog::warn("csi: mount for pod {} failed ({}): {}", pod, code, failure.message());
  } else {
    spdlog::info("csi: mounted {} objects, {} files for pod {}", response->object_version_size(),
                 response->files_size(), pod);
  }
  metrics_.observe_grpc_request("/v1alpha1.CSIDriverProvider/Mount", "OK", code, since(started));
  return grpc::Status::OK;
}

}  // namespace coffer::csi
