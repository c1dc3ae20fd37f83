// defer(): run work on the current I/O thread after the handlers that are
// ready now, i.e. at the end of this pass of its event loop. A handler uses
// it to group the work of several requests (one audit append for every
// request answered in the pass) without blocking the thread or handing the
// work to another one. Only I/O threads can defer: elsewhere (the worker
// pool, tests) defer() returns false and the caller does the work at once.
#pragma once

#include <functional>

namespace boost::asio {
class io_context;
}

namespace coffer::http {

// True on an I/O thread, where defer() works.
bool can_defer();
// On an I/O thread: a function any thread may call to run work on this
// thread's loop later (the loop must outlive the calls). Empty elsewhere.
std::function<void(std::function<void()>)> this_loop();
// False (and `fn` is not run) when the calling thread is not an I/O thread.
// `fn` must not throw.
bool defer(std::function<void()> fn);

// Used by the server's I/O threads: marks the calling thread as running
// `ioc` for as long as the returned scope lives.
class DeferralScope {
 public:
  explicit DeferralScope(boost::asio::io_context& ioc);
  ~DeferralScope();
  DeferralScope(const DeferralScope&) = delete;
  DeferralScope& operator=(const DeferralScope&) = delete;

 private:
  boost::asio::io_context* previous_;
};

}  // namespace coffer::http
