// Lock annotations Clang checks at compile time (-Wthread-safety; the
// sanitizer build compiles with clang, so CI checks them): a member marked
// COFFER_GUARDED_BY(mu_) may only be touched while mu_ is held, a function
// marked COFFER_REQUIRES(mu_) only called with it held. GCC ignores them.
// std::mutex carries no annotations in libstdc++, so guarded members use the
// thin wrappers below (same cost: one std::mutex / std::shared_mutex).
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define COFFER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COFFER_THREAD_ANNOTATION(x)
#endif

#define COFFER_CAPABILITY(name) COFFER_THREAD_ANNOTATION(capability(name))
#define COFFER_SCOPED_CAPABILITY COFFER_THREAD_ANNOTATION(scoped_lockable)
#define COFFER_GUARDED_BY(mu) COFFER_THREAD_ANNOTATION(guarded_by(mu))
#define COFFER_REQUIRES(...) COFFER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define COFFER_ACQUIRE(...) COFFER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define COFFER_ACQUIRE_SHARED(...) COFFER_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define COFFER_RELEASE(...) COFFER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define COFFER_RELEASE_SHARED(...) COFFER_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))

namespace coffer {

class COFFER_CAPABILITY("mutex") Mutex {
 public:
  void lock() COFFER_ACQUIRE() { m_.lock(); }
  void unlock() COFFER_RELEASE() { m_.unlock(); }

 private:
  std::mutex m_;
};

class COFFER_CAPABILITY("shared_mutex") SharedMutex {
 public:
  void lock() COFFER_ACQUIRE() { m_.lock(); }
  void unlock() COFFER_RELEASE() { m_.unlock(); }
  void lock_shared() COFFER_ACQUIRE_SHARED() { m_.lock_shared(); }
  void unlock_shared() COFFER_RELEASE_SHARED() { m_.unlock_shared(); }

 private:
  std::shared_mutex m_;
};

// Holds a Mutex, or a SharedMutex exclusively, for its scope.
template <typename M>
class COFFER_SCOPED_CAPABILITY ExclusiveLock {
 public:
  explicit ExclusiveLock(M& m) COFFER_ACQUIRE(m) : m_(&m) { m.lock(); }
  ~ExclusiveLock() COFFER_RELEASE() { m_->unlock(); }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

 private:
  M* m_;
};
using MutexLock = ExclusiveLock<Mutex>;
using WriterLock = ExclusiveLock<SharedMutex>;

// Holds a SharedMutex shared (readers) for its scope.
class COFFER_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& m) COFFER_ACQUIRE_SHARED(m) : m_(&m) { m.lock_shared(); }
  ~ReaderLock() COFFER_RELEASE() { m_->unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex* m_;
};

}  // namespace coffer
