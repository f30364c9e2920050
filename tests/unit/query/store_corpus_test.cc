// Runs every case of cases.txt over the corpus's data set stored in the SQLite store (small
// pages and segments, so scans cross both), with the store's own pushdown (created ranges, ids,
// JSON matches in SQL), and again through a source that drops the JSON matches before they reach
// the store: both must give the corpus's expected rows.
#include <gtest/gtest.h>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/time_util.h"
#include "model/event_write.h"
#include "query_test_util.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/query_corpus.h"
#include "testing/temp_dir.h"

namespace sluice::query::testing {
namespace {

using Case = sluice::testing::QueryCase;

// The insert API's event for a row of the data set.
std::string InsertEventJson(const model::Event& e) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject().Member("id", e.id).Member("span_id", e.span_id);
  w.Member("root_span_id", e.root_span_id);
  if (!e.span_parents.empty()) {
    w.Key("span_parents").BeginArray();
    for (const std::string& p : e.span_parents) w.String(p);
    w.EndArray();
  }
  w.Member("created", FormatRfc3339(e.created));
  for (const model::JsonField& f : model::kJsonFields) {
    if (!(e.*f.member).empty()) w.Key(f.name).Raw(e.*f.member);
  }
  if (!e.tags.empty()) {
    w.Key("tags").BeginArray();
    for (const std::string& t : e.tags) w.String(t);
    w.EndArray();
  }
  w.EndObject();
  return out;
}

// The data set in a SQLite store, each transaction given the _xact_id the data set has (the
// counter starts below the first; rows of one _xact_id go in together, in data set order).
class StoredDataset {
 public:
  Status Load() {
    const std::string path = dir_.File("corpus.db");
    { SLUICE_ASSIGN_OR_RETURN(auto s, store::sqlite::SqliteStore::Open(path)); }
    std::vector<model::Event> rows = sluice::testing::TestDataset();
    {
      SLUICE_ASSIGN_OR_RETURN(auto c, store::sqlite::Connection::Open(path));
      SLUICE_RETURN_IF_ERROR(
          c->Exec("UPDATE xact_counter SET value = " + std::to_string(rows.front().xact_id - 1)));
    }
    store::sqlite::SqliteStoreOptions o;
    o.scan_page_rows = 2;
    o.segment_rows = 3;
    SLUICE_ASSIGN_OR_RETURN(store_, store::sqlite::SqliteStore::Open(path, o));
    for (size_t i = 0; i < rows.size();) {
      size_t j = i;
      std::string body = "{\"events\":[";
      for (; j < rows.size() && rows[j].xact_id == rows[i].xact_id; ++j) {
        if (j > i) body += ',';
        body += InsertEventJson(rows[j]);
      }
      body += "]}";
      SLUICE_ASSIGN_OR_RETURN(auto writes, model::ParseInsertRequest(body));
      SLUICE_ASSIGN_OR_RETURN(auto r, store_->InsertEvents(rows[i].object, rows[i].org_id,
                                                           rows[i].project_id, writes, 0));
      if (r.xact_id != rows[i].xact_id) {
        return InternalError("row " + rows[i].id + " got _xact_id " + std::to_string(r.xact_id));
      }
      i = j;
    }
    return Status();
  }
  store::sqlite::SqliteStore& store() { return *store_; }

 private:
  sluice::testing::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

StoredDataset& Stored() {
  static StoredDataset* const kStored = [] {
    auto* s = new StoredDataset();
    Status st = s->Load();
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }();
  return *kStored;
}

class StoreCorpusTest : public ::testing::TestWithParam<Case> {};

TEST_P(StoreCorpusTest, MatchesExpectationWithAndWithoutJsonMatches) {
  const Case& c = GetParam();
  SCOPED_TRACE("cases.txt:" + std::to_string(c.line) + "\n" + c.query);
  {
    SCOPED_TRACE("pushed down to the store");
    ExpectCaseOutcome(c.expect_error, c.expected, RunOn(Stored().store(), c.query));
  }
  {
    SCOPED_TRACE("JSON matches evaluated by the engine only");
    NoJsonMatchesSource source(Stored().store());
    ExpectCaseOutcome(c.expect_error, c.expected, RunOn(source, c.query));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, StoreCorpusTest,
                         ::testing::ValuesIn(sluice::testing::LoadQueryCases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.name;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name + "_L" + std::to_string(info.param.line);
                         });

}  // namespace
}  // namespace sluice::query::testing
