#include "store/postgres/pg_coherence.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <random>

#include "store/postgres/pg_transaction.hpp"

namespace coffer::store::postgres {
namespace {

constexpr const char* kChannel = "coffer_coherence";
// Acknowledgments go out in notifications of at most this many bytes (the
// limit is 8000).
constexpr std::size_t kMostAckBytes = 7000;
// A batch nobody waits for is forgotten after this long (its writer awaits
// it milliseconds after COMMIT; forgetting it early only makes that writer
// wait for acknowledgments instead of a re-registration notice).
constexpr auto kForgetAfter = std::chrono::seconds(5);

// Full jitter between reconnections: uniform in [0, min(5 s, 100 ms × 2^n)].
std::chrono::milliseconds reconnect_pause(int failures) {
  thread_local std::mt19937_64 gen(std::random_device{}());
  const int64_t cap = std::min<int64_t>(5000, int64_t{100} << std::min(failures, 6));
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(0, cap)(gen));
}

std::string notify_sql(const std::string& payload) {
  return std::string("SELECT pg_notify('") + kChannel + "', '" + payload + "')";  // ids are UUIDs: safe inline
}

// A batch id as new_write_id() makes it: safe to inline in SQL.
bool is_uuid(std::string_view s) {
  return s.size() == 36 && s.find_first_not_of("0123456789abcdef-") == std::string_view::npos;
}

// "<word> <rest>": the word, and the rest after one space.
std::pair<std::string_view, std::string_view> split_word(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  return {text.substr(0, space), text.substr(space + 1)};
}

}  // namespace

PgCoherence::PgCoherence(std::string url, std::string settings, std::chrono::milliseconds lease)
    : url_(std::move(url)),
      // A listener that stops renewing (a frozen process) is ended by the
      // server, so its place in the notification queue does not hold the
      // queue (8 GB) from being trimmed.
      settings_(std::move(settings) + "; SET idle_session_timeout = '" + std::to_string(4 * lease.count()) + "ms'"),
      lease_(lease),
      id_(new_write_id()) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

PgCoherence::~PgCoherence() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (wake_fd_ >= 0) (void)::eventfd_write(wake_fd_, 1);
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::optional<std::uint64_t> PgCoherence::token() const {
  const std::uint64_t before = state_.load();
  const std::int64_t until = valid_until_.load();
  if (state_.load() != before || until == 0 || Clock::now().time_since_epoch().count() >= until) {
    return std::nullopt;
  }
  return before;
}

void PgCoherence::note_own_change() { state_.fetch_add(1); }

std::string PgCoherence::announce_sql(const std::string& batch_id) const {
  return notify_sql("c " + id_ + " " + batch_id);
}

std::string PgCoherence::awaited_sql(const std::string& batch_id) const {
  // A replica whose `since` snapshot already saw the commit holds nothing
  // older in memory; a missing commit row counts as not seen.
  return "SELECT r.id::text, (extract(epoch FROM r.lease_until - clock_timestamp()) * 1000)::int8 "
         "FROM coffer_replicas r WHERE r.id <> '" +
         id_ +
         "' AND r.lease_until > clock_timestamp() AND NOT coalesce(pg_visible_in_snapshot("
         "(SELECT c.xid FROM coffer_commits c WHERE c.txn = '" +
         batch_id + "'), r.since), false)";
}

std::optional<std::vector<AwaitedReplica>> PgCoherence::parse_awaited(const PgResult& result) {
  std::vector<AwaitedReplica> out;
  for (int row = 0; row < result.rows(); ++row) {
    if (result.is_null(row, 0) || result.is_null(row, 1)) return std::nullopt;
    out.push_back({std::string(result.bytes(row, 0)), std::chrono::milliseconds(result.int8(row, 1))});
  }
  return out;
}

void PgCoherence::await(const std::string& batch_id, const std::vector<AwaitedReplica>& awaited,
                        Clock::time_point received) {
  if (awaited.empty()) return;
  std::unique_lock lock(mu_);
  auto [it, fresh] = batches_.try_emplace(batch_id);
  Batch& batch = it->second;
  if (fresh) batch.seen = Clock::now();
  ++batch.waiters;
  for (;;) {
    // A replica's lease is over one millisecond after the database said (the
    // answer arrived after the database measured it).
    std::optional<Clock::time_point> next;
    const auto now = Clock::now();
    for (const auto& r : awaited) {
      const auto deadline = received + r.lease_left + std::chrono::milliseconds(1);
      if (batch.done.count(r.id) || now >= deadline) continue;
      next = next ? std::min(*next, deadline) : deadline;
    }
    if (!next) break;
    cv_.wait_until(lock, *next);
  }
  if (--batch.waiters == 0) batches_.erase(it);
}

void PgCoherence::freeze(bool frozen) {
  {
    std::lock_guard lock(mu_);
    frozen_ = frozen;
  }
  cv_.notify_all();
  if (wake_fd_ >= 0) (void)::eventfd_write(wake_fd_, 1);
}

void PgCoherence::run() {
  int failures = 0;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !frozen_; });
      if (stopping_) break;
    }
    if (!conn_) {
      if (!register_here()) {
        sleep_interruptibly(reconnect_pause(failures++));
        continue;
      }
      failures = 0;
    }
    if (!drain()) {
      lose("the listener session broke");
      continue;
    }
    const auto now = Clock::now();
    if (now >= renew_at_) {
      // What arrived with the renewal's answer sits in libpq, not on the
      // socket: drained at the top before waiting.
      (void)renew();
      continue;
    }
    pollfd fds[2] = {{conn_->socket(), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(renew_at_ - now).count();
    if (::poll(fds, 2, static_cast<int>(std::clamp<int64_t>(wait + 1, 0, 60000))) < 0) continue;
    if (fds[1].revents & POLLIN) {
      eventfd_t ignored;
      (void)::eventfd_read(wake_fd_, &ignored);
    }
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) && PQconsumeInput(conn_->raw()) != 1) {
      lose("the listener session broke");
    }
  }
  unregister();
}

bool PgCoherence::register_here() {
  auto made = PgConnection::connect(url_, settings_);
  if (std::holds_alternative<PgError>(made)) return false;
  conn_ = std::move(std::get<std::unique_ptr<PgConnection>>(made));
  // LISTEN commits first: every transaction that commits after the
  // snapshot below is announced to this session.
  const std::string listen = std::string("LISTEN ") + kChannel;
  const std::string enter =
      "BEGIN; DELETE FROM coffer_replicas WHERE lease_until < clock_timestamp() - interval '1 minute'; "
      "INSERT INTO coffer_replicas (id, since, lease_until) VALUES ('" +
      id_ + "', pg_current_snapshot(), " + lease_end_sql() +
      ") ON CONFLICT (id) DO UPDATE SET since = EXCLUDED.since, lease_until = EXCLUDED.lease_until; " +
      notify_sql("r " + id_) + "; COMMIT";
  const auto sent = Clock::now();
  if (conn_->run(listen.c_str()) || conn_->run(enter.c_str())) {
    conn_.reset();
    return false;
  }
  state_.fetch_add(1);
  hold_lease_from(sent);
  listener_pid_.store(PQbackendPID(conn_->raw()));
  return true;
}

std::string PgCoherence::lease_end_sql() const {
  return "clock_timestamp() + interval '" + std::to_string(lease_.count()) + " milliseconds'";
}

void PgCoherence::hold_lease_from(Clock::time_point sent) {
  valid_until_.store((sent + lease_ * 9 / 10).time_since_epoch().count());
  renew_at_ = sent + lease_ / 4;
}

bool PgCoherence::renew() {
  const auto sent = Clock::now();
  if (sent.time_since_epoch().count() >= valid_until_.load()) {
    lose("its lease lapsed");  // never revived: a lapsed lease registers again
    return false;
  }
  const std::string sql = "UPDATE coffer_replicas SET lease_until = " + lease_end_sql() + " WHERE id = '" + id_ +
                          "' AND lease_until > clock_timestamp()";
  auto r = conn_->exec(sql.c_str());
  if (std::holds_alternative<PgError>(r) || std::get<PgResult>(r).affected() != 1) {
    lose("its lease could not be renewed");
    return false;
  }
  hold_lease_from(sent);
  prune(sent);
  return true;
}

bool PgCoherence::drain() {
  for (;;) {
    std::vector<std::string> acks;
    bool changed = false, resolved = false;
    {
      std::lock_guard lock(mu_);
      while (PGnotify* n = PQnotifies(conn_->raw())) {
        const auto [kind, rest] = split_word(n->extra ? std::string_view(n->extra) : std::string_view());
        const auto [store, what] = split_word(rest);
        if (kind == "c" && store == id_) {
          auto [it, fresh] = batches_.try_emplace(std::string(what));
          if (fresh) it->second.seen = Clock::now();
          it->second.announced = true;
        } else if (kind == "c") {
          changed = true;
          if (is_uuid(what)) acks.emplace_back(what);
        } else if (kind == "a" && store != id_) {
          for (std::string_view list = what; !list.empty();) {
            const auto comma = list.find(',');
            if (auto it = batches_.find(list.substr(0, comma)); it != batches_.end()) {
              it->second.done.insert(std::string(store));
              resolved = true;
            }
            list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
          }
        } else if (kind == "r" && store != id_) {
          for (auto& [id, batch] : batches_) {
            if (batch.announced) batch.done.insert(std::string(store));
          }
          resolved = true;
        }
        PQfreemem(n);
      }
    }
    if (resolved) cv_.notify_all();
    if (changed) state_.fetch_add(1);  // before any acknowledgment leaves
    if (acks.empty()) return conn_->ok();
    for (std::size_t i = 0; i < acks.size();) {
      std::string payload = "a " + id_ + " ";
      for (bool first = true; i < acks.size() && payload.size() + acks[i].size() < kMostAckBytes; ++i, first = false) {
        if (!first) payload += ',';
        payload += acks[i];
      }
      if (conn_->run(notify_sql(payload).c_str())) return false;
    }
  }
}

void PgCoherence::lose(const char* why) {
  valid_until_.store(0);
  state_.fetch_add(1);
  if (conn_) spdlog::warn("storage: replica {} stops answering from memory until it registers again: {}", id_, why);
  conn_.reset();
}

void PgCoherence::unregister() {
  valid_until_.store(0);
  state_.fetch_add(1);
  if (!conn_) return;
  const std::string leave =
      "BEGIN; DELETE FROM coffer_replicas WHERE id = '" + id_ + "'; " + notify_sql("r " + id_) + "; COMMIT";
  (void)conn_->run(leave.c_str());
  conn_.reset();
}

void PgCoherence::prune(Clock::time_point now) {
  std::lock_guard lock(mu_);
  std::erase_if(batches_,
                [&](const auto& entry) { return entry.second.waiters == 0 && now - entry.second.seen > kForgetAfter; });
}

void PgCoherence::sleep_interruptibly(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
}

}  // namespace coffer::store::postgres
