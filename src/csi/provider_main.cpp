#include "csi/provider_main.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <regex>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "csi/provider_service.hpp"
#include "http/plain_server.hpp"

namespace coffer::csi {
namespace {

constexpr std::string_view kDefaultDir = "/var/run/secrets-store-csi-providers/";
constexpr std::size_t kMaxUnixPath = 107;  // sun_path is 108 bytes with the NUL
// The driver's request is a few KiB of attributes; leave room for large objects YAML.
constexpr int kMaxReceiveBytes = 4 * 1024 * 1024;

// Removes a socket left by a previous run; any other file at the path is an error.
Status remove_stale_socket(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return Status::Ok();
  if (!S_ISSOCK(st.st_mode)) return bad_parameter("'" + path + "' exists and is not a socket; refusing to replace it.");
  if (unlink(path.c_str()) != 0) return bad_parameter("cannot remove the stale socket '" + path + "'.");
  return Status::Ok();
}

sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Health: a Version call on our own socket, as the driver would make it —
// on a fresh connection each time, so a socket file that went away (or a
// server that stopped accepting) shows.
class SelfCheck {
 public:
  SelfCheck(std::string socket, std::chrono::milliseconds timeout) : socket_(std::move(socket)), timeout_(timeout) {}
  bool healthy() const {
    grpc::ChannelArguments args;
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, "localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // never share a connection with an earlier check
    auto stub = v1alpha1::CSIDriverProvider::NewStub(
        grpc::CreateCustomChannel("unix:" + socket_, grpc::InsecureChannelCredentials(), args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout_);
    v1alpha1::VersionRequest req;
    req.set_version("v1alpha1");
    v1alpha1::VersionResponse resp;
    return stub->Version(&ctx, req, &resp).ok() && resp.version() == "v1alpha1";
  }

 private:
  std::string socket_;
  std::chrono::milliseconds timeout_;
};

http::Response text_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.set_header("Content-Type", "text/plain; charset=utf-8");
  return r;
}

std::string listen_spec(const std::string& address, int port) {
  return (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

}  // namespace

Result<std::string> socket_path(const ProviderConfig& config) {
  static const std::regex kName("^[a-zA-Z0-9_-]{0,30}$");
  if (config.provider_name.empty() || !std::regex_match(config.provider_name, kName)) {
    return bad_parameter(
        "--provider-name must be 1-30 letters, digits, '_' or '-' (it is the SecretProviderClass's "
        "spec.provider).");
  }
  std::string path =
      config.endpoint.empty() ? std::string(kDefaultDir) + config.provider_name + ".sock" : config.endpoint;
  if (path.rfind("unix://", 0) == 0)
    path = path.substr(7);
  else if (path.rfind("unix:", 0) == 0)
    path = path.substr(5);
  if (path.empty() || path.front() != '/')
    return bad_parameter("--endpoint must be unix:///absolute/path/<provider-name>.sock.");
  if (path.size() > kMaxUnixPath)
    return bad_parameter("--endpoint's path is longer than 107 bytes, too long for a unix socket.");
  const std::string file = path.substr(path.rfind('/') + 1);
  if (file != config.provider_name + ".sock") {
    return bad_parameter("--endpoint must end in '" + config.provider_name +
                         ".sock': the driver looks for <provider>.sock, "
                         "<provider> being --provider-name.");
  }
  return path;
}

int run_provider(const ProviderConfig& config) {
  auto path = socket_path(config);
  if (!path.ok()) {
    spdlog::error("csi-provider: {}", path.status().message());
    return 2;
  }
  if (Status st = remove_stale_socket(*path); !st.ok()) {
    spdlog::error("csi-provider: {}", st.message());
    return 1;
  }
  const sigset_t signals = block_shutdown_signals();

  Metrics metrics(config.provider_name);
  CofferClient client;
  TokenSource tokens(client);
  MountHandler handler(config.mount, client, tokens, metrics);
  ProviderService service(handler, metrics, config.max_response_bytes);

  // grpc.health.v1.Health/Check on the socket too, as Azure's provider serves it.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + *path, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(kMaxReceiveBytes);
  // For the synchronous methods (Version, the health check; Mount is a callback method run on
  // the service's own pool): a completion queue per core and more idle pollers than gRPC's
  // defaults (1 queue, 1–2 pollers).
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, cores);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 8);
  // Above the driver's limit, so an oversized answer is reported by ResponseTooLarge, not by gRPC.
  builder.SetMaxSendMessageSize(static_cast<int>(std::max<std::size_t>(config.max_response_bytes, kMaxReceiveBytes)) +
                                65536);
  const mode_t old_umask = umask(077);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  umask(old_umask);
  if (!server) {
    spdlog::error("csi-provider: cannot listen on unix:{}", *path);
    return 1;
  }
  spdlog::info("csi-provider: provider '{}' serving on unix:{} ({} {})", config.provider_name, *path, kRuntimeName,
               runtime_version());

  SelfCheck self_check(*path, config.healthz_timeout);
  // One plain-HTTP endpoint: GET `path` answers `answer()`, anything else 404.
  auto serve = [&](int port, const std::string& endpoint_path,
                   std::function<http::Response()> answer) -> Result<std::unique_ptr<http::PlainHttpServer>> {
    if (port <= 0) return std::unique_ptr<http::PlainHttpServer>();
    auto started = http::PlainHttpServer::start(listen_spec(config.http_address, port), [=](http::Request& req) {
      if (req.method == "GET" && req.target.substr(0, req.target.find('?')) == endpoint_path) return answer();
      return text_response(404, "not found\n");
    });
    if (!started.ok()) return Status(started.status().code(), endpoint_path + ": " + started.status().message());
    spdlog::info("csi-provider: {} on port {}", endpoint_path, (*started)->port());
    return started;
  };
  auto healthz = serve(config.healthz_port, config.healthz_path, [&] {
    return self_check.healthy() ? text_response(200, "ok") : text_response(503, "unhealthy");
  });
  auto prometheus = serve(config.prometheus_port, "/metrics", [&] {
    http::Response r = text_response(200, metrics.prometheus_text());
    r.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  });
  for (const auto* started : {&healthz, &prometheus}) {
    if (!started->ok()) {
      spdlog::error("csi-provider: {}", started->status().message());
      server->Shutdown();
      unlink(path->c_str());
      return 1;
    }
  }

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("csi-provider: signal {}, stopping", sig);
  if (healthz.ok()) healthz->reset();
  if (prometheus.ok()) prometheus->reset();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  server->Wait();
  unlink(path->c_str());
  return 0;
}

}  // namespace coffer::csi
