// ReaderPool: a fixed set of read-only connections. acquire() hands one out
// exclusively, waiting while all are busy; the Lease gives it back when
// destroyed. Thread-safe. Every Lease must be gone before the pool is.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite/connection.hpp"

namespace coffer::store::sqlite {

class ReaderPool {
 public:
  class Lease {
   public:
    Lease(ReaderPool& pool, Connection& conn) : pool_(&pool), conn_(&conn) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(other.conn_) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(*conn_);
    }
    Connection& operator*() const { return *conn_; }

   private:
    ReaderPool* pool_;
    Connection* conn_;
  };

  // Opens `count` (at least 1) read-only connections to an existing database.
  static Result<std::unique_ptr<ReaderPool>> open(const std::string& path, std::size_t count, int busy_timeout_ms);

  Lease acquire();

 private:
  ReaderPool() = default;
  void give_back(Connection& conn);

  std::vector<std::unique_ptr<Connection>> all_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Connection*> idle_;
};

}  // namespace coffer::store::sqlite
