#include "cli/cli_context.hpp"

#include <iostream>

#include "cli/output.hpp"
#include "cli/query.hpp"

namespace coffer::cli {

void on_run(CLI::App* command, CliContext& ctx, std::function<Status()> run, std::function<void()> check) {
  command->callback([&ctx, run = std::move(run), check = std::move(check)] {
    if (check) check();
    ctx.action = [run] { return finish(run()); };
  });
}

void print_result(const CliContext& ctx, const boost::json::value& result) {
  boost::json::value shown = result;
  if (!ctx.query.empty()) {
    auto q = Query::parse(ctx.query);
    if (q.ok()) shown = q->apply(result);
  }
  const auto format = parse_output_format(ctx.output).value_or(OutputFormat::kJson);
  std::cout << render(shown, format) << std::flush;
}

int finish(const Status& status) {
  if (status.ok()) return 0;
  std::cerr << "ERROR: " << status.message() << std::endl;
  return 1;
}

CLI::Validator query_validator() {
  return CLI::Validator(
      [](std::string& text) {
        auto q = Query::parse(text);
        return q.ok() ? std::string() : q.status().message();
      },
      "JMESPATH");
}

}  // namespace coffer::cli
