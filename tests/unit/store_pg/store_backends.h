// Opening a fresh Store of either backend for contract tests: SQLite in a temp file, or
// PostgreSQL in a new schema of one server shared by the test binary (started on first use,
// stopped when the binary ends). Tests of the PostgreSQL backend skip, with the reason, when
// the server binaries are absent.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "pg_server.h"
#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/fake_store.h"
#include "testing/temp_dir.h"

namespace sluice::testing {

// kFake: tests/testing's in-memory FakeStore, held to the same contract as the backends.
enum class Backend { kSqlite, kPostgres, kFake };

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kSqlite: return "Sqlite";
    case Backend::kPostgres: return "Postgres";
    case Backend::kFake: return "Fake";
  }
  return "";
}

// Owns the shared server for the whole test binary.
class SharedPg : public ::testing::Environment {
 public:
  static SharedPg* Get() {
    static SharedPg* const env =
        static_cast<SharedPg*>(::testing::AddGlobalTestEnvironment(new SharedPg));
    return env;
  }
  // The server, or null with *why set when it cannot run here.
  PgServer* Server(std::string* why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) {
      started_ = true;
      auto s = PgServer::Start();
      if (s.ok()) {
        server_ = std::move(s).value();
      } else {
        error_ = s.status();
      }
    }
    if (!server_) *why = error_.ToString();
    return server_.get();
  }
  // A schema name not used before in this run.
  std::string NextSchema() { return "t" + std::to_string(next_schema_++); }
  void TearDown() override { server_.reset(); }

 private:
  std::mutex mu_;
  bool started_ = false;
  Status error_;
  std::unique_ptr<PgServer> server_;
  std::atomic<int> next_schema_{0};
};

// The PostgreSQL options used by the tests (small scan pages so scans cross page boundaries).
inline store::postgres::PgStoreOptions SmallPagePgOptions() {
  store::postgres::PgStoreOptions o;
  o.scan_page_rows = 3;
  return o;
}

// Opens a fresh store of `backend`; sets *skip (and returns null) when PostgreSQL is absent.
// SQLite stores seal an event segment every `sqlite_segment_rows` rows (small by default, so
// the contract runs across segments).
inline std::unique_ptr<store::Store> OpenFreshStore(
    Backend backend, const TempDir& dir, std::string* skip,
    store::postgres::PgStoreOptions pg = SmallPagePgOptions(), int64_t sqlite_segment_rows = 5) {
  if (backend == Backend::kFake) return std::make_unique<FakeStore>();
  if (backend == Backend::kSqlite) {
    store::sqlite::SqliteStoreOptions o;
    o.scan_page_rows = 3;
    o.segment_rows = sqlite_segment_rows;
    auto s = store::sqlite::SqliteStore::Open(dir.File("sluice.db"), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::string why;
  PgServer* server = SharedPg::Get()->Server(&why);
  if (server == nullptr) {
    const bool absent = why.find("not found") != std::string::npos;
    EXPECT_TRUE(absent) << "PostgreSQL is installed but did not start: " << why;
    *skip = "PostgreSQL tests skipped: " + why;
    return nullptr;
  }
  auto uri = server->UriForNewSchema(SharedPg::Get()->NextSchema());
  EXPECT_TRUE(uri.ok()) << uri.status().ToString();
  if (!uri.ok()) return nullptr;
  auto s = store::postgres::PgStore::Open(*uri, std::move(pg));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

}  // namespace sluice::testing
