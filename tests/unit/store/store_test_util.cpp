#include "store_test_util.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <random>

namespace coffer::store::testing {

std::string fresh_postgres_database() {
  // Creates spdlog's registry on this thread before any store thread logs
  // (ThreadSanitizer cannot see the uninstrumented library's own guard).
  (void)spdlog::default_logger_raw();
  const char* dir = std::getenv("COFFER_TEST_PG");
  if (!dir || !*dir) {
    ADD_FAILURE() << "no $COFFER_TEST_PG: run the store tests through ctest, which starts a PostgreSQL cluster "
                     "(tests/support/pg_cluster.py start DIR)";
    return {};
  }
  std::ifstream in(std::string(dir) + "/url");
  std::string admin_url;
  std::getline(in, admin_url);
  if (admin_url.empty()) {
    ADD_FAILURE() << "no PostgreSQL test cluster at " << dir;
    return {};
  }
  std::mt19937_64 rng(std::random_device{}());
  const std::string name = "store_test_" + std::to_string(rng() % 1000000000000ULL);
  PGconn* conn = PQconnectdb(admin_url.c_str());
  PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) ADD_FAILURE() << "CREATE DATABASE: " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  if (!ok) return {};
  return admin_url.substr(0, admin_url.rfind('/') + 1) + name;
}

}  // namespace coffer::store::testing
