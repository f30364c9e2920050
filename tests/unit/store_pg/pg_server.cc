#include "pg_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace sluice::testing {

namespace {

// A port the kernel reports free on 127.0.0.1 (released before the server binds it).
Result<int> FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return InternalError("bind to a free port failed");
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// Runs a server command, as `postgres` when this process is root.
Status Run(const std::string& command) {
  const std::string full =
      (geteuid() == 0 ? "runuser -u postgres -- " : "") + command + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) return InternalError("failed: " + command);
  return Status();
}

}  // namespace

std::string PgServer::BinDir() {
  const char* env = std::getenv("SLUICE_PG_BIN");
  return env ? env : "/usr/lib/postgresql/15/bin";
}

Result<std::unique_ptr<PgServer>> PgServer::Start() {
  const std::string bin = BinDir();
  if (!std::filesystem::exists(bin + "/initdb") || !std::filesystem::exists(bin + "/pg_ctl")) {
    return FailedPreconditionError("PostgreSQL server binaries not found in " + bin);
  }
  char tmpl[] = "/tmp/sluice-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return InternalError("mkdtemp failed");
  const std::string dir = tmpl;
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      std::filesystem::remove_all(dir);
      return FailedPreconditionError("running as root and no usable `postgres` user");
    }
  }
  SLUICE_ASSIGN_OR_RETURN(int port, FreePort());
  std::unique_ptr<PgServer> server(new PgServer(dir, port));
  SLUICE_RETURN_IF_ERROR(Run(bin + "/initdb -D " + dir + "/data -U sluice -A trust --no-sync"));
  // SLUICE_PG_SETTINGS: more server settings ("-c shared_buffers=1GB …"), for benchmarks that
  // measure what a tuned server changes.
  const char* extra = std::getenv("SLUICE_PG_SETTINGS");
  SLUICE_RETURN_IF_ERROR(Run(bin + "/pg_ctl -D " + dir + "/data -l " + dir + "/log -w -o \"-k " +
                             dir + " -c listen_addresses=127.0.0.1 -p " + std::to_string(port) +
                             " -c fsync=off -c synchronous_commit=off " +
                             (extra != nullptr ? extra : "") + "\" start"));
  return server;
}

PgServer::~PgServer() {
  if (std::filesystem::exists(dir_ + "/data/postmaster.pid")) {
    Run(BinDir() + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop").IgnoreError();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

int64_t PgServer::PostmasterPid() const {
  std::ifstream in(dir_ + "/data/postmaster.pid");
  int64_t pid = -1;
  return in >> pid ? pid : -1;
}

Result<std::string> PgServer::UriForNewSchema(const std::string& schema) {
  const std::string base = "postgresql://sluice@127.0.0.1:" + std::to_string(port_) + "/postgres";
  PGconn* c = PQconnectdb(base.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string message = PQerrorMessage(c);
    PQfinish(c);
    return UnavailableError("test server: " + message);
  }
  PGresult* r = PQexec(c, ("CREATE SCHEMA IF NOT EXISTS " + schema).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(c);
  if (!ok) return InternalError("creating schema " + schema);
  return base + "?options=-csearch_path%3D" + schema;
}

}  // namespace sluice::testing
