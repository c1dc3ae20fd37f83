// What to do about a failed PostgreSQL statement, by SQLSTATE (the classes
// of ../shared/ha/POSTGRES-HA.md §2.5, codes from PostgreSQL's errcodes.txt):
//   kRetryTransaction  40001 serialization_failure, 40P01 deadlock_detected,
//                      55P03 lock_not_available: roll back, back off, run the
//                      whole transaction again;
//   kReconnect         class 08 (connection exceptions), 57P01/57P02/57P03
//                      (shutdown, crash, cannot connect now), 57P05 and 25P03
//                      (idle timeouts), 25006 read_only_sql_transaction (a
//                      demoted primary or a standby), and a broken connection
//                      without SQLSTATE: drop the connection, connect again
//                      (multi-host URIs find the new primary), then retry;
//   kBackOff           53300 too_many_connections, 53100 disk_full, 57014
//                      query_canceled: unavailable for now (503 +
//                      Retry-After), no retry inside the request;
//   kFatal             anything else (constraint, syntax, data errors): a bug
//                      or a refusal; mapped to an error, never retried.
#pragma once

#include <string_view>

#include "store/postgres/pg_connection.hpp"

namespace coffer::store::postgres {

enum class Recovery { kRetryTransaction, kReconnect, kBackOff, kFatal };

Recovery classify(const PgError& error);

// "postgres: <what>: <message> (SQLSTATE xxxxx)" as kUnavailable (for the
// retryable and back-off classes) or kInternal (fatal).
Status to_status(const PgError& error, std::string_view what);

}  // namespace coffer::store::postgres
