// The fixture of the SQLite store's tests (sqlite_store_test.cc, sqlite_keys_test.cc): a store
// with small scan pages and segments, an org, a project and its logs.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "common/uuid.h"
#include "model/event_write.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/scanned_rows.h"
#include "testing/temp_dir.h"

namespace sluice::store::sqlite {

using model::Event;
using model::EventWrite;
using model::ObjectRef;
using model::ObjectType;

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions o;
    o.scan_page_rows = 3;  // small pages so scans cross page boundaries
    o.segment_rows = 4;    // and small segments so they read across segments
    auto s = SqliteStore::Open(dir_.File("sluice.db"), o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    org_ = *store_->CreateOrg("acme");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
    logs_ = {ObjectType::kProjectLogs, project_.id};
  }

  std::vector<EventWrite> Parse(const std::string& body) {
    auto w = model::ParseInsertRequest(body);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? *w : std::vector<EventWrite>{};
  }

  Result<InsertResult> Insert(const std::string& body, TimestampMicros now = kNow) {
    return store_->InsertEvents(logs_, org_.id, project_.id, Parse(body), now);
  }

  std::vector<Event> ScanAll(model::ScanRequest r) {
    r.object = logs_;
    return testing::ScannedRows(*store_, r);
  }

  static std::vector<std::string> Ids(const std::vector<Event>& v) {
    std::vector<std::string> out;
    for (const auto& e : v) out.push_back(e.id);
    return out;
  }

  // Reopens the store to count in two parts the hour from 10:00 (cut at 10:30) after `rows` (an
  // insert body) went in, with `write` run as the second part begins its snapshot, after the first
  // has begun its own.
  Result<int64_t> CountWithAWriteBetweenTheParts(const std::string& rows,
                                                 const std::function<void(SqliteStore&)>& write) {
    std::atomic<bool> armed{false};
    std::atomic<int> arrivals{0};
    SqliteStoreOptions o;
    o.count_threads = 2;
    o.before_read_snapshot = [&](int tries) {
      if (tries == 0 && armed && ++arrivals == 2) write(*store_);
    };
    store_.reset();
    store_ = std::move(SqliteStore::Open(dir_.File("sluice.db"), o).value());
    EXPECT_TRUE(Insert(rows).ok());
    model::ScanRequest r;
    r.object = logs_;
    r.created_min = *ParseRfc3339("2024-05-01T10:00:00Z");
    r.created_max = *r.created_min + 3'600'000'000LL;
    armed = true;
    Result<int64_t> n = store_->CountRows(r);
    armed = false;
    EXPECT_GE(arrivals.load(), 3);  // the parts, the write's own reads, the count in one piece
    EXPECT_EQ(n.ok() ? *n : -1, static_cast<int64_t>(ScanAll(r).size()));
    return n;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  model::Org org_;
  model::Project project_;
  ObjectRef logs_;
};

}  // namespace sluice::store::sqlite
