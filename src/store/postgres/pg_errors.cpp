#include "store/postgres/pg_errors.hpp"

#include <string>

namespace coffer::store::postgres {

Recovery classify(const PgError& e) {
  const std::string_view s = e.sqlstate;
  if (s == "40001" || s == "40P01" || s == "55P03") return Recovery::kRetryTransaction;
  if (s.substr(0, 2) == "08" || s == "57P01" || s == "57P02" || s == "57P03" || s == "57P05" || s == "25P03" ||
      s == "25006") {
    return Recovery::kReconnect;
  }
  if (s == "53300" || s == "53100" || s == "57014") return Recovery::kBackOff;
  if (s.empty() || e.connection_lost) return Recovery::kReconnect;
  return Recovery::kFatal;
}

Status to_status(const PgError& e, std::string_view what) {
  std::string message = "postgres: " + std::string(what) + ": " + e.message;
  if (!e.sqlstate.empty()) message += " (SQLSTATE " + e.sqlstate + ")";
  return Status(classify(e) == Recovery::kFatal ? Code::kInternal : Code::kUnavailable, std::move(message));
}

}  // namespace coffer::store::postgres
