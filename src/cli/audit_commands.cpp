// coffer audit verify|hash|tail|search: offline tools over audit logs (no
// server needed). `hash` reads the sealed HMAC secret from the store, so it
// needs the root key, found as the server finds it (--config, COFFER_*
// variables, or the dev data directory's root.key).
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "audit/chain.hpp"
#include "audit/search.hpp"
#include "audit/verify.hpp"
#include "cli/commands.hpp"
#include "common/ascii.hpp"
#include "common/clock.hpp"
#include "common/time_format.hpp"
#include "crypto/keyring.hpp"
#include "crypto/root_key.hpp"
#include "seal/seal_state.hpp"
#include "server/audit_setup.hpp"
#include "server/server_config.hpp"
#include "server/storage.hpp"
#include "store/store.hpp"

namespace coffer::cli {
namespace json = boost::json;
namespace fs = std::filesystem;
namespace {

std::string data_dir_of(const CliContext& ctx, const std::string& own) {
  if (!own.empty()) return own;
  if (!ctx.data_dir.empty()) return ctx.data_dir;
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::equivalent(a, b, ec)) return true;
  return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec) && !ec;
}

// The anchor of the sink that writes `log` (its id "file:PATH" with PATH the
// same file), or of `sink` when given, from the records of the server whose
// data directory is DIR (server/storage.hpp). Not finding one is
// an error, never a note: a copy of a log cut back to an earlier checkpoint
// would otherwise pass (skipping the check takes --no-anchor).
Result<audit::Anchor> find_anchor(const std::string& dir, const std::string& log, const std::string& sink) {
  const std::string skip =
      " (or give --no-anchor to skip the anchor check, which cannot see a log cut back to a checkpoint)";
  const std::string db = "the records of " + dir;
  auto opened = server::open_offline_store(dir);
  if (!opened.ok()) {
    return Status(Code::kNotFound,
                  opened.status().message() +
                      " No records to hold the log's anchor: give --data-dir of the server that wrote it" + skip + ".");
  }
  auto store = std::move(*opened);
  const std::string replica = server::recorded_replica_id(dir);  // "" for a server alone on its store
  std::string path = log;                                        // the file sink to match
  if (sink == "file") {
    path = (fs::path(dir) / "audit.log").string();
  } else if (sink.starts_with("file:")) {
    path = sink.substr(5);
  } else if (!sink.empty()) {
    COFFER_ASSIGN_OR_RETURN(auto anchor, server::read_audit_anchor(*store, sink, replica));
    if (!anchor) return Status(Code::kNotFound, "No audit anchor for sink " + sink + " in " + db + skip + ".");
    return *anchor;
  }
  std::vector<store::Entry> entries;
  COFFER_RETURN_IF_ERROR(store->read([&](store::ReadTxn& txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(entries, txn.scan(audit::kAnchorPrefix, "", 1000));
    return Status::Ok();
  }));
  for (const auto& e : entries) {
    std::string id = e.key.substr(audit::kAnchorPrefix.size());
    const auto bar = id.find(audit::kAnchorReplicaSeparator);
    const std::string of_replica = bar == std::string::npos ? "" : id.substr(0, bar);
    if (bar != std::string::npos) id.erase(0, bar + 1);
    if (of_replica != replica || !id.starts_with("file:") || !same_file(id.substr(5), path)) continue;
    auto anchor = audit::decode_anchor(e.value);
    if (!anchor) return Status(Code::kInternal, "Malformed audit anchor " + e.key + " in " + db + ".");
    return *anchor;
  }
  return Status(Code::kNotFound, db + " hold no anchor for " + path +
                                     ": for a copy of a log, name the sink that wrote it (--sink file:ORIGINAL-PATH)" +
                                     skip + ".");
}

Status run_verify(const CliContext& ctx, const std::vector<std::string>& files, const std::string& key_file, bool live,
                  const std::string& own_dir, const std::string& sink, bool no_anchor) {
  audit::VerifyOptions options;
  options.allow_unsigned_tail = live;
  std::optional<audit::Anchor> anchor;
  if (!no_anchor && !files.empty()) {
    // Default data directory: --data-dir, the global one, or the log's own directory (the server's default).
    std::string dir = data_dir_of(ctx, own_dir);
    if (dir.empty()) dir = fs::path(files.back()).parent_path().string();
    if (dir.empty()) dir = ".";
    COFFER_ASSIGN_OR_RETURN(anchor, find_anchor(dir, files.back(), sink));
  }
  std::string path = key_file;
  if (path.empty() && !files.empty()) {
    fs::path candidate = fs::path(files.back()).parent_path() / server::kAuditPublicKeyFile;
    if (fs::exists(candidate)) path = candidate.string();
  }
  if (path.empty()) {
    return Status(Code::kBadParameter, "No public key: give --public-key (the server writes " +
                                           std::string(server::kAuditPublicKeyFile) + " next to its log).");
  }
  std::ifstream in(path);
  if (!in) return Status(Code::kBadParameter, "Cannot read public key " + path + ".");
  std::stringstream ss;
  ss << in.rdbuf();
  options.public_key_pem = ss.str();
  audit::VerifyReport r = audit::verify_logs(files, options, anchor);
  for (const auto& note : r.notes) std::cerr << "note: " << note << "\n";
  if (!r.ok) return Status(Code::kBadParameter, "audit log NOT intact: " + r.error);
  std::cout << "audit log intact: " << r.records << " records, sequences " << r.first_sequence << ".."
            << r.last_sequence << ", " << r.checkpoints << " signed checkpoints (last at sequence " << r.last_checkpoint
            << ")" << std::endl;
  return Status::Ok();
}

Status run_hash(const CliContext& ctx, const std::string& value, const std::string& config_file,
                const std::string& own_dir, std::string sink) {
  server::ServerConfig config;
  COFFER_RETURN_IF_ERROR(server::apply_config_file(config_file, config));
  COFFER_RETURN_IF_ERROR(server::apply_environment(config));
  if (std::string d = data_dir_of(ctx, own_dir); !d.empty()) config.data_dir = d;
  if (config.root_key_file.empty() && config.root_key_env.empty()) {
    config.root_key_file = (fs::path(config.data_dir) / "root.key").string();  // dev mode's key
  }
  auto source = config.root_key_file.empty() ? crypto::env_root_key(config.root_key_env)
                                             : crypto::file_root_key(config.root_key_file);
  COFFER_ASSIGN_OR_RETURN(auto root, source->load());
  COFFER_ASSIGN_OR_RETURN(auto store, server::open_offline_store(config.data_dir, config.storage));
  // The key file opens the seal; its root keys (every generation) open the HMAC key.
  SystemClock clock;
  seal::SealState seal(*store, clock);
  COFFER_RETURN_IF_ERROR(seal.load());
  COFFER_RETURN_IF_ERROR(seal.unseal_with_key(root));
  COFFER_ASSIGN_OR_RETURN(auto root_keys, seal.root_keys());
  crypto::Keyring keyring(std::move(root_keys), seal.active_generation());
  COFFER_ASSIGN_OR_RETURN(SecureString secret, server::load_audit_hmac_secret(*store, keyring));
  if (sink.empty()) {
    sink = config.audit_sinks.substr(0, config.audit_sinks.find(','));
    while (!sink.empty() && sink.front() == ' ') sink.erase(0, 1);
    while (!sink.empty() && sink.back() == ' ') sink.pop_back();
  }
  SecureString key = audit::sink_hmac_key(secret.view(), sink);
  std::cout << audit::hash_value(key.view(), value) << std::endl;
  return Status::Ok();
}

struct Filter {
  std::string vault, principal, operation, result, since, until;
  bool checkpoints = false;
};

// The options as an audit::AuditFilter; the times as given or as spans back from now.
Result<audit::AuditFilter> check_filter(const Filter& f) {
  using namespace std::chrono;
  const int64_t now_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  audit::AuditFilter out{f.vault, f.principal, f.operation, f.result, INT64_MIN, INT64_MAX, f.checkpoints};
  if (!f.since.empty()) {
    auto t = audit::parse_audit_time(f.since, now_ms);
    if (!t) return Status(Code::kBadParameter, "--since: use ISO-8601 or a span such as 15m, 2h, 7d.");
    out.since_ms = *t;
  }
  if (!f.until.empty()) {
    auto t = audit::parse_audit_time(f.until, now_ms);
    if (!t) return Status(Code::kBadParameter, "--until: use ISO-8601 or a span such as 15m, 2h, 7d.");
    out.until_ms = *t;
  }
  return out;
}

void add_filter_options(CLI::App* cmd, Filter& f) {
  cmd->add_option("--vault", f.vault, "Only records of this vault.");
  cmd->add_option("--principal", f.principal, "Only records of this caller (object id, app id or user name).");
  cmd->add_option("--operation", f.operation, "Only this operationName, e.g. SecretGet.");
  cmd->add_option("--result", f.result, "Success, Failure, or an HTTP status code.");
  cmd->add_option("--since", f.since, "Not before: ISO-8601, or a span back from now (15m, 2h, 7d).");
  cmd->add_option("--until", f.until, "Not after: ISO-8601, or a span back from now.");
  cmd->add_flag("--checkpoints", f.checkpoints, "Also show checkpoint lines.");
}

}  // namespace

void add_audit_commands(CLI::App& app, CliContext& ctx) {
  auto* audit = app.add_subcommand("audit", "Verify, search and hash values for audit logs (offline).");
  audit->require_subcommand(1);

  struct VerifyArgs {
    std::vector<std::string> files;
    std::string public_key;
    bool live = false;
    std::string data_dir, sink;
    bool no_anchor = false;
  };
  auto v = std::make_shared<VerifyArgs>();
  auto* verify = audit->add_subcommand(
      "verify", "Prove audit log files intact (give rotated files oldest first). Exit 0 if intact, 1 if not.");
  verify->add_option("files", v->files, "Audit log files, oldest first.")->required();
  verify->add_option("--public-key", v->public_key,
                     "PEM public key of the audit signing key (default: audit-signing-key.pub next to the log).");
  verify->add_flag("--live", v->live, "Accept records after the last checkpoint (a log still being written).");
  verify->add_option(
      "--data-dir", v->data_dir,
      "Data directory of the server whose records hold the log's anchor, its latest checkpoint (default: the "
      "log's directory). Without an anchor, verify fails unless --no-anchor is given.");
  verify->add_option("--sink", v->sink,
                     "Sink id of the anchor, e.g. file:/var/log/coffer/audit.log or stdout "
                     "(default: the file sink writing the last file given).");
  verify->add_flag("--no-anchor", v->no_anchor, "Do not compare with the anchor (cannot see a cut at a checkpoint).");
  on_run(verify, ctx,
         [&ctx, v] { return run_verify(ctx, v->files, v->public_key, v->live, v->data_dir, v->sink, v->no_anchor); });

  struct HashArgs {
    std::string value, config, data_dir, sink;
  };
  auto h = std::make_shared<HashArgs>();
  auto* hash = audit->add_subcommand(
      "hash", "Print the HMAC under which VALUE appears in the audit log (needs the data directory and root key).");
  hash->add_option("value", h->value, "The value to hash, e.g. a User-Agent or client request id.")->required();
  hash->add_option("--config", h->config, "Server config file (for dataDir, rootKeyFile, auditSinks).");
  hash->add_option("--data-dir", h->data_dir, "Data directory (default: as the server).");
  hash->add_option("--sink", h->sink, "Sink as written in auditSinks (default: the first, normally 'file').");
  on_run(hash, ctx, [&ctx, h] { return run_hash(ctx, h->value, h->config, h->data_dir, h->sink); });

  struct ReadArgs {
    std::vector<std::string> files;
    Filter filter;
    std::size_t lines = 20;
  };
  auto t = std::make_shared<ReadArgs>();
  auto* tail = audit->add_subcommand("tail", "Print the last matching records (JSON lines).");
  tail->add_option("files", t->files, "Audit log files, oldest first.")->required();
  tail->add_option("-n,--lines", t->lines, "How many records (default 20).");
  add_filter_options(tail, t->filter);
  on_run(tail, ctx, [t] {
    COFFER_ASSIGN_OR_RETURN(const audit::AuditFilter filter, check_filter(t->filter));
    std::deque<std::string> last;
    COFFER_RETURN_IF_ERROR(audit::search_audit_files(t->files, filter, [&](const std::string& line) {
      last.push_back(line);
      if (last.size() > t->lines) last.pop_front();
    }));
    for (const auto& line : last) std::cout << line << "\n";
    std::cout << std::flush;
    return Status::Ok();
  });

  auto s = std::make_shared<ReadArgs>();
  auto* search = audit->add_subcommand("search", "Print every matching record (JSON lines).");
  search->add_option("files", s->files, "Audit log files, oldest first.")->required();
  add_filter_options(search, s->filter);
  on_run(search, ctx, [s] {
    COFFER_ASSIGN_OR_RETURN(const audit::AuditFilter filter, check_filter(s->filter));
    COFFER_RETURN_IF_ERROR(
        audit::search_audit_files(s->files, filter, [](const std::string& line) { std::cout << line << "\n"; }));
    std::cout << std::flush;
    return Status::Ok();
  });
}

}  // namespace coffer::cli
