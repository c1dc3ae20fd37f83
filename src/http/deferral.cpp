#include "http/deferral.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace coffer::http {
namespace {
thread_local boost::asio::io_context* t_io = nullptr;
}

bool can_defer() { return t_io != nullptr; }

std::function<void(std::function<void()>)> this_loop() {
  if (t_io == nullptr) return nullptr;
  boost::asio::io_context* io = t_io;
  return [io](std::function<void()> fn) { boost::asio::post(*io, std::move(fn)); };
}

bool defer(std::function<void()> fn) {
  if (t_io == nullptr) return false;
  boost::asio::post(*t_io, std::move(fn));
  return true;
}

DeferralScope::DeferralScope(boost::asio::io_context& ioc) : previous_(t_io) { t_io = &ioc; }
DeferralScope::~DeferralScope() { t_io = previous_; }

}  // namespace coffer::http
