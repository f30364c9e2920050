// Rows written by the PostgreSQL store's binary COPY, judged by PostgreSQL itself (SQL on the
// table, not the store's reader): texts with control characters, backslashes, quotes and
// non-ASCII characters arrive byte for byte, a batch of several megabytes arrives whole across
// the copy's chunks, long texts are compressed with LZ4, an id already stored is merged or
// replaced in place (never a second row), two writers of one new id leave one row, and a scan
// given up half-way leaves the store usable.
#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <thread>

#include "common/crypto.h"
#include "common/uuid.h"
#include "model/event_write.h"
#include "store/postgres/pg_db.h"
#include "store_backends.h"

namespace sluice::store {
namespace {

using model::ObjectRef;
using model::ObjectType;
using postgres::Connection;
using postgres::Params;

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;

class PgCopy : public ::testing::Test {
 protected:
  void SetUp() override { Open(testing::SmallPagePgOptions()); }

  void Open(postgres::PgStoreOptions options) {
    std::string why;
    testing::PgServer* server = testing::SharedPg::Get()->Server(&why);
    if (server == nullptr) GTEST_SKIP() << "PostgreSQL tests skipped: " << why;
    auto uri = server->UriForNewSchema(testing::SharedPg::Get()->NextSchema());
    ASSERT_TRUE(uri.ok()) << uri.status().ToString();
    uri_ = *uri;
    auto s = postgres::PgStore::Open(uri_, std::move(options));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto sql = Connection::Open(uri_);
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    sql_ = std::move(sql).value();
    org_ = *store_->CreateOrg("acme");
    project_ = *store_->CreateProject({NewUuid(), org_.id, "p", "", kNow});
    logs_ = {ObjectType::kProjectLogs, project_.id};
  }

  Result<InsertResult> Insert(postgres::PgStore& store, const std::string& events_json) {
    auto w = model::ParseInsertRequest(R"({"events":[)" + events_json + "]}");
    if (!w.ok()) return w.status();
    return store.InsertEvents(logs_, org_.id, project_.id, *w, kNow);
  }
  Result<InsertResult> Insert(const std::string& events_json) {
    return Insert(*store_, events_json);
  }

  // One value of SQL run by PostgreSQL over the table (parameters as text).
  std::string Sql(const std::string& sql, const Params& params = Params()) {
    auto r = sql_->QueryOnce(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok() || r->size() != 1) return "<" + std::to_string(r.ok() ? r->size() : -1) + ">";
    return r->IsNull(0, 0) ? "<null>" : r->Text(0, 0);
  }

  std::string uri_;
  std::unique_ptr<postgres::PgStore> store_;
  std::unique_ptr<Connection> sql_;
  model::Org org_;
  model::Project project_;
  ObjectRef logs_;
};

TEST_F(PgCopy, TextsArriveByteForByte) {
  // Tab, newline, carriage return, backslash, quotes, a COPY text-format escape sequence
  // spelled out, Latin, CJK, an emoji (4-byte UTF-8) and a JSON escape of a control char.
  const std::string id = "id\t\n\r\\N\"q'\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";
  const std::string id_json = R"(id\t\n\r\\N\"q'\u00e9日😀)";
  const std::string input_json =
      R"({"text":"line1\nline2\ttab \\ back\\slash \"quoted\" \\N \u0001 é 日本 😀","n":[1,2.5,-3]})";
  const std::string tag = "a\tb\\c\"d\xF0\x9F\x98\x80";
  ASSERT_TRUE(Insert(R"({"id":")" + id_json + R"(","input":)" + input_json +
                     R"(,"tags":["a\tb\\c\"d😀","plain"],"metadata":{"k\n":"v\\"},)"
                     R"("span_attributes":{"name":"caf\u00e9\r\n"}})")
                  .ok());
  ASSERT_EQ(Sql("SELECT count(*) FROM events"), "1");
  const Params by_id = Params().Add(id);
  // The id PostgreSQL holds is exactly the one sent (compared by PostgreSQL).
  EXPECT_EQ(Sql("SELECT count(*) FROM events WHERE id = $1", by_id), "1");
  EXPECT_EQ(Sql("SELECT octet_length(id) FROM events"), std::to_string(id.size()));
  // The JSON texts parse in PostgreSQL to the values of the request.
  EXPECT_EQ(Sql("SELECT input::jsonb = $2::jsonb FROM events WHERE id = $1",
                Params().Add(id).Add(input_json)),
            "t");
  EXPECT_EQ(Sql("SELECT input::jsonb ->> 'text' FROM events WHERE id = $1", by_id),
            "line1\nline2\ttab \\ back\\slash \"quoted\" \\N \x01 \xC3\xA9 "
            "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(Sql("SELECT tags::jsonb ->> 0 FROM events WHERE id = $1", by_id), tag);
  EXPECT_EQ(Sql("SELECT tags::jsonb ->> 1 FROM events WHERE id = $1", by_id), "plain");
  EXPECT_EQ(Sql("SELECT metadata::jsonb ->> E'k\\n' FROM events WHERE id = $1", by_id), "v\\");
  EXPECT_EQ(Sql("SELECT span_attributes::jsonb ->> 'name' FROM events WHERE id = $1", by_id),
            "caf\xC3\xA9\r\n");
  // Absent fields are SQL NULL, as the INSERT path stored them.
  EXPECT_EQ(Sql("SELECT expected FROM events WHERE id = $1", by_id), "<null>");
  EXPECT_EQ(Sql("SELECT span_parents FROM events WHERE id = $1", by_id), "<null>");
  // And the store reads back what PostgreSQL holds.
  auto e = store_->GetEvent(logs_, id);
  ASSERT_TRUE(e.ok() && e->has_value());
  EXPECT_EQ((*e)->input, Sql("SELECT input FROM events WHERE id = $1", by_id));
  EXPECT_EQ((*e)->tags, (std::vector<std::string>{tag, "plain"}));
}

TEST_F(PgCopy, TypedColumnsHoldTheRowsValues) {
  auto r = Insert(
      R"({"id":"root","span_id":"s1","root_span_id":"t1","created":"2024-05-01T12:00:00.123456Z"},)"
      R"({"id":"child","span_id":"s2","root_span_id":"t1","span_parents":["s1"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sql("SELECT string_agg(DISTINCT xact_id::text, ',') FROM events"),
            std::to_string(r->xact_id));
  EXPECT_EQ(Sql("SELECT is_root FROM events WHERE id = 'root'"), "t");
  EXPECT_EQ(Sql("SELECT is_root FROM events WHERE id = 'child'"), "f");
  EXPECT_EQ(Sql("SELECT span_parents::jsonb ->> 0 FROM events WHERE id = 'child'"), "s1");
  EXPECT_EQ(Sql("SELECT created FROM events WHERE id = 'root'"), "1714564800123456");
  EXPECT_EQ(Sql("SELECT created FROM events WHERE id = 'child'"), std::to_string(kNow));
  EXPECT_EQ(Sql("SELECT DISTINCT object_type::text || ' ' || object_id FROM events"),
            std::to_string(static_cast<int>(ObjectType::kProjectLogs)) + " " + project_.id);
  EXPECT_EQ(Sql("SELECT DISTINCT org_id || ' ' || project_id FROM events"),
            org_.id + " " + project_.id);
  // row_key follows the batch's order.
  EXPECT_EQ(Sql("SELECT string_agg(id, ',' ORDER BY row_key) FROM events"), "root,child");
}

TEST_F(PgCopy, ABatchOfSeveralMegabytesArrivesWholeAcrossTheCopysChunks) {
  // The copy is sent in chunks of about 1 MiB, cut between rows: rows of every size from a few
  // bytes to 300 KB, about 4 MiB in all, so that cuts fall before, after and beside large rows.
  std::string events;
  std::string expected;  // the inputs, in id order, as PostgreSQL concatenates them below
  std::vector<std::pair<std::string, std::string>> rows;  // id, input text (a JSON string)
  for (int i = 0; i < 300; ++i) {
    const size_t size = i % 37 == 0 ? 300'000 : (i * 7919) % 20'000;
    std::string text(size, static_cast<char>('a' + i % 26));
    for (size_t k = 0; k < size; k += 997) text[k] = static_cast<char>('A' + (i + k) % 26);
    char id[16];
    std::snprintf(id, sizeof(id), "row%04d", i);
    rows.emplace_back(id, "\"" + text + "\"");
    if (!events.empty()) events += ",";
    events += R"({"id":")" + std::string(id) + R"(","input":")" + text + R"("})";
  }
  for (const auto& [id, input] : rows) expected += input;
  ASSERT_GT(expected.size(), 4u << 20);
  auto r = Insert(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sql("SELECT count(*) FROM events"), "300");
  EXPECT_EQ(Sql("SELECT sum(octet_length(input)) FROM events"), std::to_string(expected.size()));
  EXPECT_EQ(Sql("SELECT md5(string_agg(input, '' ORDER BY id)) FROM events"),
            HexEncode(AsStringView(Md5(expected))));
  // One transaction: every row has the batch's _xact_id.
  EXPECT_EQ(Sql("SELECT count(DISTINCT xact_id) FROM events"), "1");
}

TEST_F(PgCopy, LongTextsAreStoredCompressedWithLz4) {
  // A server built without LZ4 keeps pglz (the migration says so): nothing to check there.
  if (!sql_->Exec("SET default_toast_compression = lz4").ok()) {
    GTEST_SKIP() << "this PostgreSQL server has no LZ4";
  }
  std::string text;
  for (int i = 0; text.size() < 100'000; ++i)
    text += "the same words again " + std::to_string(i % 10);
  auto r = Insert(R"({"id":"long","input":")" + text + R"(","output":"short"})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sql("SELECT pg_column_compression(input) FROM events WHERE id = 'long'"), "lz4");
  // Below PostgreSQL's threshold a text is stored as it is.
  EXPECT_EQ(Sql("SELECT pg_column_compression(output) FROM events WHERE id = 'long'"), "<null>");
  EXPECT_EQ(Sql("SELECT input FROM events WHERE id = 'long'"), "\"" + text + "\"");
}

TEST_F(PgCopy, AnExistingIdIsMergedOrReplacedInPlace) {
  auto first = Insert(R"({"id":"a","input":"q","metadata":{"k":1,"keep":true}},)"
                      R"({"id":"b","output":"old"})");
  ASSERT_TRUE(first.ok());
  const std::string created_a = Sql("SELECT created FROM events WHERE id = 'a'");
  // In one batch: a merge into a, a new row c, a replacement of b, and a second merge into a.
  auto second = Insert(R"({"id":"a","_is_merge":true,"metadata":{"k":2}},)"
                       R"({"id":"c","input":"new"},)"
                       R"({"id":"b","output":"replaced"},)"
                       R"({"id":"a","_is_merge":true,"output":"done"})");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  // One row per id, all written by the second batch's transaction.
  EXPECT_EQ(Sql("SELECT string_agg(id || ':' || n, ',' ORDER BY id) FROM "
                "(SELECT id, count(*) n FROM events GROUP BY id) t"),
            "a:1,b:1,c:1");
  EXPECT_EQ(Sql("SELECT count(*) FROM events WHERE xact_id = " + std::to_string(second->xact_id)),
            "3");
  EXPECT_EQ(Sql("SELECT metadata::jsonb = '{\"k\":2,\"keep\":true}'::jsonb FROM events "
                "WHERE id = 'a'"),
            "t");
  EXPECT_EQ(Sql("SELECT input::jsonb #>> '{}' FROM events WHERE id = 'a'"), "q");
  EXPECT_EQ(Sql("SELECT output::jsonb #>> '{}' FROM events WHERE id = 'a'"), "done");
  EXPECT_EQ(Sql("SELECT created FROM events WHERE id = 'a'"), created_a);
  EXPECT_EQ(Sql("SELECT output::jsonb #>> '{}' FROM events WHERE id = 'b'"), "replaced");
  // The new versions sit at the end in write order (a's last write comes last).
  EXPECT_EQ(Sql("SELECT string_agg(id, ',' ORDER BY row_key) FROM events"), "c,b,a");
  // Without merges a batch is first copied as new; a stored id in its middle sends it down the
  // full path, and nothing of the first attempt remains.
  ASSERT_TRUE(Insert(R"({"id":"e","input":"e1"},{"id":"b","output":"third"},{"id":"f"})").ok());
  EXPECT_EQ(Sql("SELECT string_agg(id || ':' || n, ',' ORDER BY id) FROM "
                "(SELECT id, count(*) n FROM events GROUP BY id) t"),
            "a:1,b:1,c:1,e:1,f:1");
  EXPECT_EQ(Sql("SELECT output::jsonb #>> '{}' FROM events WHERE id = 'b'"), "third");
  // A delete in a batch removes the row; nothing of it is copied.
  ASSERT_TRUE(Insert(R"({"id":"c","_object_delete":true},{"id":"d"})").ok());
  EXPECT_EQ(Sql("SELECT string_agg(id, ',' ORDER BY id) FROM events"), "a,b,d,e,f");
}

TEST_F(PgCopy, AWriteThatNeedsItsStoredRowFindsIt) {
  ASSERT_TRUE(Insert(R"({"id":"p","span_id":"s","root_span_id":"t"})").ok());
  // span_parents without root_span_id is valid only for a stored row, which supplies it.
  auto r =
      Insert(R"({"id":"n","span_id":"n1","root_span_id":"t"},{"id":"p","span_parents":["s0"]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sql("SELECT root_span_id || ' ' || is_root::text FROM events WHERE id = 'p'"),
            "t false");
  EXPECT_EQ(Sql("SELECT count(*) FROM events"), "2");
  EXPECT_EQ(Insert(R"({"id":"q","span_parents":["s0"]})").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Sql("SELECT count(*) FROM events"), "2");
}

TEST_F(PgCopy, TwoWritersOfOneNewIdLeaveOneRow) {
  // The first writer holds its transaction open after its _xact_id; the second, on another
  // store and its own connections, writes the same new id meanwhile.
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> hold{true};
  postgres::PgStoreOptions o = testing::SmallPagePgOptions();
  o.after_xact_id_taken = [&](uint64_t) {
    if (!hold.exchange(false)) return;
    entered.set_value();
    released.wait();
  };
  auto held = postgres::PgStore::Open(uri_, o);
  ASSERT_TRUE(held.ok());
  std::future<Result<InsertResult>> slow =
      std::async(std::launch::async, [&] { return Insert(**held, R"({"id":"x","input":1})"); });
  entered.get_future().wait();
  std::future<Result<InsertResult>> fast =
      std::async(std::launch::async, [&] { return Insert(R"({"id":"x","input":2})"); });
  release.set_value();
  // Whichever copies second finds the id taken, rolls its copy back to its savepoint and
  // replaces the row the first committed (docs/storage.md): both succeed, one row stays.
  for (std::future<Result<InsertResult>>* f : {&slow, &fast}) {
    const Result<InsertResult> r = f->get();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
  EXPECT_EQ(Sql("SELECT count(*) FROM events WHERE id = 'x'"), "1");
  ASSERT_TRUE(Insert(R"({"id":"x","input":3})").ok());
  EXPECT_EQ(Sql("SELECT count(*) FROM events WHERE id = 'x'"), "1");
  EXPECT_EQ(Sql("SELECT input FROM events WHERE id = 'x'"), "3");
}

// Abandoned scans with a page in flight leave no connection the next reads would trip on
// (whether it is drained and reused or closed by the pool).
TEST_F(PgCopy, AScanGivenUpHalfWayLeavesTheStoreUsable) {
  std::string events;
  for (int i = 0; i < 20; ++i) {
    events += std::string(i ? "," : "") + R"({"id":"r)" + std::to_string(i) + "\"}";
  }
  ASSERT_TRUE(Insert(events).ok());
  model::ScanRequest r;
  r.object = logs_;
  r.after = model::XactCursor{};
  for (int round = 0; round < 3; ++round) {
    auto stream = store_->Scan(r);
    ASSERT_TRUE(stream.ok());
    model::Event e;
    ASSERT_TRUE(*(*stream)->Next(&e));  // a page read, the next one in flight
    EXPECT_EQ(e.id, "r0");
  }
  ASSERT_TRUE(Insert(R"({"id":"after"})").ok());
  auto stream = store_->Scan(r);
  ASSERT_TRUE(stream.ok());
  model::Event e;
  int rows = 0;
  while (*(*stream)->Next(&e)) ++rows;
  EXPECT_EQ(rows, 21);
}

}  // namespace
}  // namespace sluice::store
