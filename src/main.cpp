// The one `coffer` binary: server, CLI and (later) the CSI provider.
#include "cli/app.hpp"

int main(int argc, char** argv) { return coffer::cli::run_app(argc, argv); }
