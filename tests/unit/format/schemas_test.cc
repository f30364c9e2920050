#include "format/schemas.h"

#include <gtest/gtest.h>

#include "format/writer_factory.h"

namespace sluice::format {
namespace {

TEST(InferSchema, TypesFromValuesMixedBecomeJson) {
  std::vector<Row> rows = {
      {Value::Int64(1), Value::String("a"), Value::Null(), Value::Int64(2), Value::Bool(true)},
      {Value::Double(1.5), Value::Int64(3), Value::Null(), Value::Null(), Value::Bool(false)},
  };
  Schema s = InferSchema({"n", "mixed", "nothing", "i", "b"}, rows);
  ASSERT_EQ(s.columns.size(), 5u);
  EXPECT_EQ(s.columns[0].type, ValueType::kDouble);
  EXPECT_EQ(s.columns[1].type, ValueType::kJson);
  EXPECT_EQ(s.columns[2].type, ValueType::kString);
  EXPECT_EQ(s.columns[3].type, ValueType::kInt64);
  EXPECT_EQ(s.columns[4].type, ValueType::kBool);
  EXPECT_TRUE(s.columns[3].nullable);
}

TEST(EventToRow, MapsEmptyFieldsToNullAndObjectIds) {
  model::Event e;
  e.id = "r1";
  e.xact_id = 42;
  e.object = {model::ObjectType::kExperiment, "exp-1"};
  e.input = "{\"a\":1}";
  e.tags = {"t"};
  Row row = EventToRow(e);
  const Schema& s = SpanSchema();
  ASSERT_EQ(row.size(), s.columns.size());
  EXPECT_EQ(row[s.Find("_xact_id")].i, 42);
  EXPECT_TRUE(row[s.Find("log_id")].is_null());
  EXPECT_EQ(row[s.Find("experiment_id")].s, "exp-1");
  EXPECT_EQ(row[s.Find("input")].type, ValueType::kJson);
  EXPECT_TRUE(row[s.Find("output")].is_null());
  EXPECT_TRUE(row[s.Find("span_parents")].is_null());
  EXPECT_EQ(row[s.Find("tags")].list, std::vector<std::string>{"t"});
}

TEST(TraceSchema, HasTheTraceColumns) {
  const Schema& s = TraceSchema();
  for (const char* name : {"id", "scores", "metrics", "span_count", "estimated_cost", "start",
                           "end", "duration", "_xact_id"}) {
    EXPECT_GE(s.Find(name), 0) << name;
  }
  EXPECT_EQ(s.columns[s.Find("start")].type, ValueType::kTimestamp);
}

TEST(WriterFactory, ExtensionsAndSnappyJsonlRejected) {
  EXPECT_EQ(FileExtension(FileFormat::kParquet, Compression::kZstd), ".parquet");
  EXPECT_EQ(FileExtension(FileFormat::kJsonl, Compression::kGzip), ".jsonl.gz");
  EXPECT_EQ(FileExtension(FileFormat::kJsonl, Compression::kZstd), ".jsonl.zst");
  MemorySink sink;
  auto w = NewRowWriter({FileFormat::kJsonl, Compression::kSnappy, 0}, sink);
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::format
