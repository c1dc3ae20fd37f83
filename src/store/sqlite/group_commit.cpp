#include "store/sqlite/group_commit.hpp"

#include "store/sqlite/write_batch.hpp"

namespace coffer::store::sqlite {

GroupCommitWriter::GroupCommitWriter(std::unique_ptr<Connection> conn, std::size_t max_batch,
                                     prometheus::Registry* metrics)
    : conn_(std::move(conn)),
      batches_(
          max_batch, [this](std::span<const WriteFn* const> fns) { return commit(fns); }, 0, metrics, "sqlite") {}

std::vector<Status> GroupCommitWriter::commit(std::span<const WriteFn* const> fns) {
  try {
    BatchOutcome outcome = run_write_batch(*conn_, fns);
    if (outcome.committed) commits_.fetch_add(1);
    return std::move(outcome.results);
  } catch (...) {  // only allocation failure can get here
    if (conn_->in_transaction()) (void)conn_->run("ROLLBACK");
    return {};  // the batch writer answers every callback kInternal
  }
}

}  // namespace coffer::store::sqlite
