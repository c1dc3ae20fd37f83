#include "store/sqlite/reader_pool.hpp"

#include <algorithm>

namespace coffer::store::sqlite {

Result<std::unique_ptr<ReaderPool>> ReaderPool::open(const std::string& path, std::size_t count, int busy_timeout_ms) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool());
  count = std::max<std::size_t>(count, 1);
  for (std::size_t i = 0; i < count; ++i) {
    COFFER_ASSIGN_OR_RETURN(auto conn, Connection::open(path, Connection::Mode::kReadOnly, busy_timeout_ms));
    pool->idle_.push_back(conn.get());
    pool->all_.push_back(std::move(conn));
  }
  return pool;
}

ReaderPool::Lease ReaderPool::acquire() {
  std::unique_lock lock(mu_);
  freed_.wait(lock, [this] { return !idle_.empty(); });
  Connection* conn = idle_.back();
  idle_.pop_back();
  return Lease(*this, *conn);
}

void ReaderPool::give_back(Connection& conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(&conn);
  }
  freed_.notify_one();
}

}  // namespace coffer::store::sqlite
