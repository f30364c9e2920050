#include "format/jsonl/jsonl_writer.h"

#include <gtest/gtest.h>

#include "format/parquet/parquet_writer.h"
#include "format/schemas.h"

namespace sluice::format {
namespace {

Schema TwoColumns() {
  return Schema{{{"id", ValueType::kString, false}, {"v", ValueType::kJson, true}}};
}

TEST(JsonlWriter, OneObjectPerLineInSchemaOrder) {
  MemorySink sink;
  JsonlWriter w({}, sink);
  ASSERT_TRUE(w.Begin(TwoColumns()).ok());
  std::vector<Row> rows = {{Value::String("a\"b"), Value::Json("{\"x\":[1,2]}")},
                           {Value::String("c"), Value::Null()},
                           {Value::String("d"), Value::Int64(7)}};  // int in a JSON column
  ASSERT_TRUE(w.WriteRows(rows).ok());
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_TRUE(sink.closed());
  EXPECT_EQ(sink.data(),
            "{\"id\":\"a\\\"b\",\"v\":{\"x\":[1,2]}}\n{\"id\":\"c\",\"v\":null}\n"
            "{\"id\":\"d\",\"v\":7}\n");
  EXPECT_EQ(w.stats().rows, 3);
  EXPECT_EQ(w.stats().bytes, static_cast<int64_t>(sink.data().size()));
}

// Spans written straight from events are byte for byte the rows EventToRow makes of them.
TEST(JsonlWriter, SpansFromEventsEqualTheRowPath) {
  std::vector<model::Event> events(4);
  events[0].id = "a\"\\\n\x01é😀";
  events[0].xact_id = 18'446'744'073'709'551ull / 1000;
  events[0].created = 1'767'225'600'123'456LL;
  events[0].org_id = "o";
  events[0].project_id = "p";
  events[0].object = {model::ObjectType::kProjectLogs, "p"};
  events[0].span_id = "s";
  events[0].root_span_id = "r";
  events[0].span_parents = {"r", "q\"x"};
  events[0].is_root = false;
  events[0].input = R"({"messages":[{"role":"user","content":"hi"}]})";
  events[0].metrics = R"({"start":1.5,"tokens":3})";
  events[0].tags = {"t1", "ü"};
  events[1].id = "b";
  events[1].object = {model::ObjectType::kExperiment, "e1"};
  events[1].output = "\"plain\"";
  events[2].id = "c";
  events[2].object = {model::ObjectType::kDataset, "d1"};
  events[2].expected = "42";
  events[3].id = "d";
  events[3].created = -1;
  auto write = [&](bool direct) {
    MemorySink sink;
    JsonlWriter w({}, sink);
    EXPECT_TRUE(w.Begin(SpanSchema()).ok());
    if (direct) {
      EXPECT_TRUE(w.WriteEvents(events).ok());
    } else {
      std::vector<Row> rows;
      for (const auto& e : events) rows.push_back(EventToRow(e));
      EXPECT_TRUE(w.WriteRows(rows).ok());
    }
    EXPECT_TRUE(w.Finish().ok());
    EXPECT_EQ(w.stats().rows, 4);
    EXPECT_EQ(*w.stats().max_xact_id, static_cast<int64_t>(events[0].xact_id));
    EXPECT_EQ(*w.stats().min_xact_id, 0);
    return sink.data();
  };
  EXPECT_EQ(write(true), write(false));

  // A span without id is refused as the row path refuses it.
  MemorySink sink;
  JsonlWriter w({}, sink);
  ASSERT_TRUE(w.Begin(SpanSchema()).ok());
  std::vector<model::Event> no_id(1);
  EXPECT_EQ(w.WriteEvents(no_id).code(), StatusCode::kInvalidArgument);
}

TEST(JsonlWriter, RejectsNullInRequiredColumnAndWrongArity) {
  MemorySink sink;
  JsonlWriter w({}, sink);
  ASSERT_TRUE(w.Begin(TwoColumns()).ok());
  std::vector<Row> bad = {{Value::Null(), Value::Null()}};
  EXPECT_EQ(w.WriteRows(bad).code(), StatusCode::kInvalidArgument);
  std::vector<Row> short_row = {{Value::String("x")}};
  EXPECT_EQ(w.WriteRows(short_row).code(), StatusCode::kInvalidArgument);
}

TEST(ParquetWriter, FramingAndWrongTypeRejected) {
  MemorySink sink;
  ParquetWriter w({}, sink);
  ASSERT_TRUE(w.Begin(TwoColumns()).ok());
  std::vector<Row> rows = {{Value::String("a"), Value::Json("1")}};
  ASSERT_TRUE(w.WriteRows(rows).ok());
  std::vector<Row> bad = {{Value::Int64(1), Value::Null()}};
  EXPECT_EQ(w.WriteRows(bad).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(w.Finish().ok());
  const std::string& f = sink.data();
  ASSERT_GT(f.size(), 12u);
  EXPECT_EQ(f.substr(0, 4), "PAR1");
  EXPECT_EQ(f.substr(f.size() - 4), "PAR1");
  EXPECT_NE(f.find("sluice version 0.1.0"), std::string::npos);
}

}  // namespace
}  // namespace sluice::format
