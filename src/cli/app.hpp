// The `coffer` command line: parses argv with CLI11 and runs the chosen
// subcommand. Exit codes: 0 success; 1 the operation failed ("ERROR: …" on
// stderr: a server error, an unreachable server, bad credentials); 2 the
// command line is wrong (CLI11's message on stderr). `coffer server`
// returns the server's own exit code.
#pragma once

namespace coffer::cli {

int run_app(int argc, char** argv);

}  // namespace coffer::cli
