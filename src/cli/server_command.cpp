// `coffer server`: builds the ServerConfig (defaults < --config file <
// COFFER_* environment < flags given on the command line) and runs it.
#include <memory>

#include "cli/commands.hpp"
#include "server/server_config.hpp"
#include "server/server_main.hpp"

namespace coffer::cli {
namespace {

struct ServerArgs {
  bool dev = false;
  bool test_clock = false;
  bool emulate_hsm = false;
  std::string data_dir;
  std::string listen;
  std::string config_file;
  std::string storage;
  std::string seal;
};

}  // namespace

void add_server_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("server", "Run the Coffer server (HTTPS, Azure Key Vault wire protocol).");
  auto a = std::make_shared<ServerArgs>();
  cmd->add_flag("--dev", a->dev,
                "Development mode: creates a root key, TLS material, the 'dev' vault and an admin principal under "
                "the data directory and writes dev.json. Not for production.");
  auto* data_dir = cmd->add_option("--data-dir", a->data_dir, "Data directory (default: ./coffer-data).");
  auto* listen = cmd->add_option("--listen", a->listen, "Address to listen on, HOST:PORT (default: localhost:8443).");
  cmd->add_option("--config", a->config_file, "JSON config file (keys as in README.md).");
  auto* storage =
      cmd->add_option("--storage", a->storage,
                      "Where records live: empty = DATA_DIR/coffer.db (SQLite), or a PostgreSQL URL "
                      "(postgresql://user@host:port/db?target_session_attrs=read-write) shared by replicas.");
  auto* seal = cmd->add_option("--seal", a->seal,
                               "What protects the root keys: keyfile (the default: a key file or variable), shamir "
                               "(shares handed in with 'coffer operator unseal' after every start) or pkcs11 (an HSM "
                               "key; hsm* settings).")
                   ->check(CLI::IsMember({"keyfile", "shamir", "pkcs11"}));
  cmd->add_flag("--test-clock", a->test_clock,
                "Start a manual clock that only moves through the admin API (dev only).");
  cmd->add_flag("--emulate-hsm", a->emulate_hsm,
                "Accept the -HSM key types (RSA-HSM, EC-HSM, oct-HSM) with software keys, for test set-ups; "
                "their attributes say they are software-protected.");
  cmd->callback([&ctx, a, data_dir, listen, storage, seal] {
    const bool seal_given = seal->count() > 0;
    const bool data_dir_given = data_dir->count() > 0;
    const bool listen_given = listen->count() > 0;
    const bool storage_given = storage->count() > 0;
    ctx.action = [&ctx, a, data_dir_given, listen_given, storage_given, seal_given] {
      server::ServerConfig config;
      if (Status st = server::apply_config_file(a->config_file, config); !st.ok()) return finish(st);
      if (Status st = server::apply_environment(config); !st.ok()) return finish(st);
      if (a->dev) config.dev = true;
      if (a->test_clock) config.test_clock = true;
      if (a->emulate_hsm) config.emulate_hsm = true;
      if (data_dir_given)
        config.data_dir = a->data_dir;
      else if (!ctx.data_dir.empty())
        config.data_dir = ctx.data_dir;  // the global --data-dir
      if (listen_given) config.listen = a->listen;
      if (storage_given) config.storage = a->storage;
      if (seal_given) config.seal = a->seal;
      return server::run_server(std::move(config));
    };
  });
}

}  // namespace coffer::cli
