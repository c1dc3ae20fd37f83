// `coffer storage migrate --from DIR --to URL`: copies a SQLite deployment
// (DIR/coffer.db) into an empty PostgreSQL database, verified by count and
// checksum (server/store_copy.hpp). It holds DIR's data-directory lock, so
// the server on DIR must be stopped; afterwards DIR/storage.json names the
// target, and the server (with --storage URL) runs on PostgreSQL.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "server/data_dir_lock.hpp"
#include "server/storage.hpp"
#include "server/store_copy.hpp"

namespace coffer::cli {
namespace {

namespace fs = std::filesystem;

Status migrate(const std::string& from_dir, const std::string& to_url) {
  if (!server::is_postgres_url(to_url)) {
    return Status(Code::kBadParameter, "--to must be a PostgreSQL URL (postgresql://user@host:port/db)");
  }
  const fs::path db = fs::path(from_dir) / "coffer.db";
  if (!fs::exists(db)) return Status(Code::kNotFound, "No SQLite database at " + db.string() + ".");
  COFFER_ASSIGN_OR_RETURN(auto lock, server::DataDirLock::acquire(from_dir));
  COFFER_ASSIGN_OR_RETURN(auto source, store::open_sqlite_store({db.string()}));
  COFFER_ASSIGN_OR_RETURN(auto target, store::open_postgres_store({to_url}));
  std::cerr << "copying " << db.string() << " to " << server::without_password(to_url) << "\n";
  COFFER_ASSIGN_OR_RETURN(auto report, server::copy_store(*source, *target, 500, [](std::uint64_t n) {
                            std::cerr << "  " << n << " entries\r" << std::flush;
                          }));
  // From now on the data directory's records are the target's.
  COFFER_ASSIGN_OR_RETURN(auto reopened, server::open_server_store(from_dir, to_url));
  std::cout << "copied " << report.entries << " entries, checksum " << report.checksum
            << " (verified on both sides). Start the server with --storage (or COFFER_STORAGE_URL) set to the "
               "target; "
            << db.string() << " is left as it was." << std::endl;
  return Status::Ok();
}

}  // namespace

void add_storage_commands(CLI::App& app, CliContext& ctx) {
  auto* storage = app.add_subcommand("storage", "Move a deployment between storage backends.");
  storage->require_subcommand(1);
  struct Args {
    std::string from, to;
  };
  auto a = std::make_shared<Args>();
  auto* m = storage->add_subcommand(
      "migrate",
      "Copy a stopped server's SQLite records (DATA_DIR/coffer.db) into an empty PostgreSQL database, "
      "sealed records as ciphertext, verified by count and checksum.");
  m->add_option("--from", a->from, "Data directory of the stopped server (holding coffer.db).")->required();
  m->add_option("--to", a->to, "Target PostgreSQL URL; its database must be empty of Coffer records.")->required();
  on_run(m, ctx, [a] { return migrate(a->from, a->to); });
}

}  // namespace coffer::cli
