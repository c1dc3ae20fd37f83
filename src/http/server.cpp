#include "http/server.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "http/connection_registry.hpp"
#include "http/deferral.hpp"
#include "http/listen_address.hpp"
#include "http/listener.hpp"
#include "http/session.hpp"
#include "http/tls_server_context.hpp"

namespace coffer::http {
namespace {

namespace asio = boost::asio;

// Raises the soft open-file limit to the hard one (the common default soft
// limit of 1024 is a few hundred idle TLS clients) and returns the soft limit
// in force.
std::size_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
    } else {
      spdlog::warn("http: cannot raise the open-file limit from {} to {}", lim.rlim_cur, lim.rlim_max);
    }
  }
  return lim.rlim_cur == RLIM_INFINITY ? SIZE_MAX : static_cast<std::size_t>(lim.rlim_cur);
}

unsigned resolve_io_threads(unsigned requested) {
  if (requested != 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Runs `ioc` on the calling thread until it is stopped; a throwing handler
// is logged and the loop continues (handlers are not supposed to throw).
void run_loop(asio::io_context& ioc) {
  DeferralScope deferral(ioc);
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http: I/O handler threw: {}", e.what());
    } catch (...) {
      spdlog::error("http: I/O handler threw a non-standard exception");
    }
  }
}

}  // namespace

// One io_context per I/O thread (concurrency hint 1): a connection lives on
// one of them for its whole life, so its handlers never race and need no
// strand. iocs[0] also runs the accept loops, stop() and the drain timer.
// Member order matters for destruction (reverse order): listeners, then the
// worker pool (its abandoned jobs still hold sessions whose sockets belong to
// the io_contexts), then the io_contexts (which destroy the remaining
// sessions), then the TLS context and the registry those sessions use.
struct HttpsServer::Impl {
  Impl(ServerOptions o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        io_threads(resolve_io_threads(options.io_threads)),
        registry([this] { stop_loops(); }) {
    iocs.reserve(io_threads);
    for (unsigned i = 0; i < io_threads; ++i) {
      iocs.push_back(std::make_unique<asio::io_context>(1));
      io_pool.push_back(iocs.back()->get_executor());
    }
    drain_timer.emplace(*iocs.front());
  }

  ~Impl() { registry.disarm(); }

  Status start();
  void run();
  void stop();
  void begin_drain();
  void stop_loops() {
    for (auto& c : iocs) c->stop();
  }

  const ServerOptions options;
  const Handler handler;
  const unsigned io_threads;
  ConnectionRegistry registry;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  std::vector<IoExecutor> io_pool;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::thread_pool> workers;
  std::optional<SessionEnv> env;
  std::vector<std::shared_ptr<Listener>> listeners;
  std::atomic<uint16_t> bound_port{0};
  std::atomic<std::size_t> connection_limit{0};
  std::atomic<bool> stop_requested{false};
  bool started = false;
};

Status HttpsServer::Impl::start() {
  if (started) return Status(Code::kInternal, "the HTTPS server was already started");
  COFFER_RETURN_IF_ERROR(configure_server_tls(tls, options.cert_chain_file, options.private_key_file));
  auto plan = plan_listen(options.listen);
  if (!plan.ok()) return plan.status();

  const std::size_t files = raise_open_file_limit();
  const std::size_t fit = files > 2 * kReservedFiles ? files - kReservedFiles : files / 2;
  connection_limit = std::max<std::size_t>(1, std::min(options.max_connections, fit));
  registry.set_limit(connection_limit);
  spdlog::info("http: at most {} connections (open-file limit {})", connection_limit.load(), files);

  workers.emplace(std::max(1u, options.worker_threads));
  env.emplace(SessionEnv{options, handler, registry, tls, workers->get_executor()});

  auto endpoints = plan->endpoints;
  const bool several = endpoints.size() > 1;
  std::vector<std::shared_ptr<Listener>> bound;
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    auto listener = Listener::bind(*iocs.front(), io_pool, endpoints[i], several, *env);
    if (!listener.ok()) {
      if (i == 0) return listener.status();
      spdlog::warn("http: {} (continuing without it)", listener.status().message());
      continue;
    }
    if (i == 0) {
      // Port 0 resolved: every further endpoint uses the same port.
      for (auto& later : endpoints) later.port((*listener)->port());
    }
    bound.push_back(std::move(*listener));
  }
  listeners = std::move(bound);
  bound_port = listeners.front()->port();
  for (auto& c : iocs) work.emplace_back(c->get_executor());
  for (auto& l : listeners) l->start();
  started = true;
  return Status::Ok();
}

void HttpsServer::Impl::run() {
  std::vector<std::thread> threads;
  threads.reserve(io_threads - 1);
  for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back([this, i] { run_loop(*iocs[i]); });
  run_loop(*iocs.front());
  for (auto& t : threads) t.join();
  if (workers) {
    // Jobs already running finish (their answers are dropped: the loop is
    // gone); queued ones are abandoned.
    workers->stop();
    workers->join();
  }
}

void HttpsServer::Impl::stop() {
  if (stop_requested.exchange(true)) return;
  asio::post(*iocs.front(), [this] { begin_drain(); });
}

void HttpsServer::Impl::begin_drain() {
  for (auto& l : listeners) l->close();
  const auto alive = registry.stop();  // may call stop_loops() at once
  for (const auto& c : alive) c->begin_stop();
  if (alive.empty()) return;
  spdlog::info("http: stopping; waiting for {} connection(s)", alive.size());
  drain_timer->expires_after(std::chrono::seconds(options.drain_timeout_seconds));
  drain_timer->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    spdlog::warn("http: drain timeout ({} s) reached; closing remaining connections", options.drain_timeout_seconds);
    stop_loops();
  });
}

HttpsServer::HttpsServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpsServer::~HttpsServer() = default;

Status HttpsServer::start() { return impl_->start(); }
uint16_t HttpsServer::port() const { return impl_->bound_port.load(); }
std::size_t HttpsServer::connection_limit() const { return impl_->connection_limit.load(); }
void HttpsServer::run() { impl_->run(); }
void HttpsServer::stop() { impl_->stop(); }

}  // namespace coffer::http
