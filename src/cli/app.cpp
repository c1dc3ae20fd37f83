#include "cli/app.hpp"

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/certificate_commands.hpp"
#include "cli/cli_context.hpp"
#include "cli/commands.hpp"
#include "cli/key_commands.hpp"

namespace coffer::cli {

int run_app(int argc, char** argv) {
  CliContext ctx;
  CLI::App app{"Coffer: a self-hosted secrets server that speaks the Azure Key Vault protocol.", "coffer"};
  app.fallthrough();  // global options may follow the subcommand, as with az
  app.require_subcommand(1);
  app.set_version_flag("--version", "coffer " COFFER_VERSION);
  app.add_option("-o,--output", ctx.output, "Output format: json (default), table or tsv.")
      ->check(CLI::IsMember({"json", "table", "tsv"}));
  app.add_option("--query", ctx.query, "Select part of the result (a JMESPath subset: a.b, [0], [].name).")
      ->check(query_validator());
  app.add_option("--data-dir", ctx.data_dir,
                 "Data directory whose dev.json holds credentials (default: $COFFER_DATA_DIR or ./coffer-data).");
  add_server_command(app, ctx);
  add_admin_commands(app, ctx);
  add_secret_commands(app, ctx);
  add_key_commands(app, ctx);
  add_certificate_commands(app, ctx);
  add_rbac_commands(app, ctx);
  add_event_subscription_commands(app, ctx);
  add_audit_commands(app, ctx);
  add_storage_commands(app, ctx);
  add_cloud_config_command(app, ctx);
  add_operator_commands(app, ctx);
  add_csi_provider_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (!ctx.action) {
    std::cerr << app.help();
    return 2;
  }
  try {
    return ctx.action();
  } catch (const std::exception& e) {
    std::cerr << "ERROR: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace coffer::cli
