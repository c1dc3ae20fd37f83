#include "store/postgres/pg_leadership.hpp"

#include <spdlog/spdlog.h>

#include "store/callback_scope.hpp"
#include "store/postgres/pg_errors.hpp"
#include "store/postgres/pg_schema.hpp"
#include "store/postgres/pg_transaction.hpp"

namespace coffer::store {

std::unique_ptr<Leadership> postgres_leadership(const PostgresOptions& options, Store& shared, std::string holder) {
  // `shared` is the store open_postgres_store() made (std::bad_cast otherwise).
  return std::make_unique<postgres::PgLeadership>(options.url, dynamic_cast<postgres::PgStore&>(shared),
                                                  std::move(holder));
}

}  // namespace coffer::store

namespace coffer::store::postgres {
namespace {

// pg_advisory_lock key of the job leader ("Coffer" + 2).
constexpr const char* kTryLead = "SELECT pg_try_advisory_lock(4859210017530658818)::text";

}  // namespace

// The fenced view: writes on the leader's session, fenced by the epoch.
class PgLeadership::Fenced final : public Store {
 public:
  explicit Fenced(PgLeadership& owner) : owner_(owner) {}

  Status read(const std::function<Status(ReadTxn&)>& fn) override { return owner_.shared_.read(fn); }
  std::uint64_t generation() const override { return owner_.shared_.generation(); }

  Status write(const std::function<Status(WriteTxn&)>& fn) override {
    if (CallbackScope::inside(this)) return nested_call("write");
    const std::string txn_id = new_write_id();
    CommitStatements around = owner_.shared_.around_commit(txn_id);
    Status st = commit(fn, txn_id, around);
    if (!st.ok()) return st;
    // Committed: the other replicas hear of it before the job goes on.
    return owner_.shared_.settle(txn_id, owner_.shared_.after_commit(around));
  }

 private:
  Status commit(const WriteFn& fn, const std::string& txn_id, CommitStatements& around) {
    std::lock_guard lock(owner_.mu_);
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (!owner_.session_ || owner_.epoch_.load() == 0) {
        return Status(Code::kUnavailable, "store: this server does not lead the background jobs");
      }
      const std::string fence =
          "SELECT 1 FROM coffer_lease WHERE name = 'jobs' AND epoch = " + std::to_string(owner_.epoch_.load()) +
          " FOR SHARE";
      Attempt a = fenced_write_attempt(this, *owner_.session_, fn, txn_id, fence, around);
      if (!a.error) {
        if (a.status.code() == Code::kUnavailable) owner_.step_down_locked("fenced out by a newer epoch");
        return a.status;
      }
      if (classify(*a.error) != Recovery::kRetryTransaction) {
        owner_.step_down_locked(a.error->message);
        return to_status(*a.error, "fenced write");
      }
    }
    return Status(Code::kUnavailable, "store: a job transaction kept conflicting; it runs again next time");
  }

  PgLeadership& owner_;
};

PgLeadership::PgLeadership(std::string url, PgStore& shared, std::string holder, std::chrono::milliseconds heartbeat)
    : url_(std::move(url)),
      shared_(shared),
      holder_(std::move(holder)),
      heartbeat_(heartbeat),
      fenced_(std::make_unique<Fenced>(*this)) {
  beat_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      (void)lead_locked();
      cv_.wait_for(lock, heartbeat_, [this] { return stopping_; });
    }
  });
}

PgLeadership::~PgLeadership() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    session_.reset();  // ends the session: the lock is released at once
    epoch_ = 0;
  }
  cv_.notify_all();
  if (beat_.joinable()) beat_.join();
}

bool PgLeadership::lead() {
  std::lock_guard lock(mu_);
  return lead_locked();
}

Store& PgLeadership::fenced() { return *fenced_; }

void PgLeadership::step_down_locked(const std::string& why) {
  if (epoch_.load() != 0) spdlog::warn("jobs: {} steps down as leader (epoch {}): {}", holder_, epoch_.load(), why);
  session_.reset();
  epoch_ = 0;
}

bool PgLeadership::lead_locked() {
  if (stopping_) return false;
  if (session_ && epoch_.load() != 0) {
    if (auto e = session_->run("SELECT 1")) {
      step_down_locked(e->message);
      return false;
    }
    return true;
  }
  if (!session_) {
    const std::string timeout = std::to_string(5 * heartbeat_.count());
    auto made = PgConnection::connect(url_, session_settings() + "; SET idle_session_timeout = '" + timeout +
                                                "ms'; SET idle_in_transaction_session_timeout = '" + timeout +
                                                "ms'; SET application_name = 'coffer-jobs/" + holder_ + "'");
    if (std::holds_alternative<PgError>(made)) return false;
    session_ = std::move(std::get<std::unique_ptr<PgConnection>>(made));
  }
  auto won = session_->exec(kTryLead);
  if (auto* e = std::get_if<PgError>(&won)) {
    step_down_locked(e->message);
    return false;
  }
  if (std::get<PgResult>(won).bytes(0, 0) != "true") return false;
  auto recovery = session_->exec("SELECT pg_is_in_recovery()::text");
  if (std::holds_alternative<PgError>(recovery) || std::get<PgResult>(recovery).bytes(0, 0) != "false") {
    step_down_locked("the server is a standby");
    return false;
  }
  PgParams params;
  params.text(holder_);
  auto bumped = session_->exec(
      "INSERT INTO coffer_lease (name, holder, epoch, acquired_at) VALUES ('jobs', $1, 1, now()) "
      "ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, epoch = coffer_lease.epoch + 1, "
      "acquired_at = now() RETURNING epoch",
      params);
  if (auto* e = std::get_if<PgError>(&bumped)) {
    step_down_locked(e->message);
    return false;
  }
  epoch_ = static_cast<std::uint64_t>(std::get<PgResult>(bumped).int8(0, 0));
  spdlog::info("jobs: {} leads the background jobs (epoch {})", holder_, epoch_.load());
  return true;
}

}  // namespace coffer::store::postgres
