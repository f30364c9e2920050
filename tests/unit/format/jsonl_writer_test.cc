#include "format/jsonl/jsonl_writer.h"

#include <gtest/gtest.h>

#include "format/parquet/parquet_writer.h"

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
