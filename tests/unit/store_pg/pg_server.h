// PgServer: a throwaway PostgreSQL 15 server for tests, in its own temp directory, listening on
// a free loopback port; stopped and removed on destruction. When run as root the server runs
// as the `postgres` user (PostgreSQL refuses to run as root).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace sluice::testing {

class PgServer {
 public:
  // Where the server binaries are looked for (SLUICE_PG_BIN overrides).
  static std::string BinDir();
  // kFailedPrecondition when the binaries are absent (tests skip then); other errors when the
  // server fails to start.
  static Result<std::unique_ptr<PgServer>> Start();
  ~PgServer();

  // A libpq URI to database `postgres` as superuser `sluice`, with search_path set to `schema`
  // (created if needed), so each test gets its own tables in one server.
  Result<std::string> UriForNewSchema(const std::string& schema);
  int port() const { return port_; }
  // The server's main process (from postmaster.pid), or -1 when it is not running.
  int64_t PostmasterPid() const;

 private:
  PgServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  std::string dir_;
  int port_;
};

}  // namespace sluice::testing
