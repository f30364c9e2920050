// The Parquet reader on files sluice's own writer produced: every value back as written, for
// every codec, page and row group layout, dictionary fallback, projections, and reads bounded
// to pages. Third-party files are in parquet_reader_judge_test.cc, hostile ones in
// parquet_reader_errors_test.cc.
#include "format/parquet/parquet_reader.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "format/jsonl/jsonl_writer.h"
#include "format/output_sink.h"
#include "format/readable_file.h"
#include "format/schemas.h"
#include "parquet_read_support.h"

namespace sluice::format {
namespace {

using testing::RandomRows;
using testing::ReadParquetBytes;
using testing::SameValue;
using testing::Show;
using testing::WriteParquetBytes;

Schema AllTypes() {
  return Schema{{
      {"s", ValueType::kString, true},
      {"j", ValueType::kJson, true},
      {"i", ValueType::kInt64, true},
      {"d", ValueType::kDouble, true},
      {"b", ValueType::kBool, true},
      {"t", ValueType::kTimestamp, true},
      {"l", ValueType::kStringList, true},
      {"req_s", ValueType::kString, false},
      {"req_i", ValueType::kInt64, false},
      {"req_b", ValueType::kBool, false},
      {"req_l", ValueType::kStringList, false},
  }};
}

void ExpectRows(const std::vector<Row>& want, const std::vector<Row>& got) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) {
    ASSERT_EQ(got[r].size(), want[r].size()) << "row " << r;
    for (size_t k = 0; k < want[r].size(); ++k) {
      // The writer stores empty lists of nullable columns as they are; the reader returns them.
      ASSERT_TRUE(SameValue(want[r][k], got[r][k]))
          << "row " << r << " column " << k << ": wrote " << Show(want[r][k]) << ", read "
          << Show(got[r][k]);
    }
  }
}

void ExpectRoundTrip(const Schema& schema, const std::vector<Row>& rows,
                     const ParquetWriterOptions& options) {
  std::string bytes = WriteParquetBytes(schema, rows, options);
  auto read = ReadParquetBytes(bytes);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->schema.columns.size(), schema.columns.size());
  for (size_t k = 0; k < schema.columns.size(); ++k) {
    EXPECT_EQ(read->schema.columns[k].name, schema.columns[k].name);
    EXPECT_EQ(read->schema.columns[k].type, schema.columns[k].type) << schema.columns[k].name;
    EXPECT_EQ(read->schema.columns[k].nullable, schema.columns[k].nullable);
  }
  ExpectRows(rows, read->rows);
}

class EveryCodec : public ::testing::TestWithParam<Compression> {};

TEST_P(EveryCodec, AllTypesAcrossPagesAndRowGroups) {
  ParquetWriterOptions options;
  options.compression = GetParam();
  options.page_bytes = 2048;  // many pages per chunk
  options.row_group_max_rows = 700;
  options.dictionary_max_bytes = 300;  // dictionaries fall back to PLAIN mid-chunk
  ExpectRoundTrip(AllTypes(), RandomRows(AllTypes(), 3000, 7), options);
}

TEST_P(EveryCodec, DefaultLayout) {
  ParquetWriterOptions options;
  options.compression = GetParam();
  ExpectRoundTrip(AllTypes(), RandomRows(AllTypes(), 2000, 8), options);
}

INSTANTIATE_TEST_SUITE_P(Codecs, EveryCodec,
                         ::testing::Values(Compression::kNone, Compression::kZstd,
                                           Compression::kSnappy, Compression::kGzip),
                         [](const auto& info) { return std::string(CompressionName(info.param)); });

TEST(ParquetReader, SpansAndTracesSchemas) {
  ParquetWriterOptions options;
  options.row_group_max_rows = 400;
  ExpectRoundTrip(SpanSchema(), RandomRows(SpanSchema(), 1000, 1), options);
  ExpectRoundTrip(TraceSchema(), RandomRows(TraceSchema(), 1000, 2), options);
}

TEST(ParquetReader, ZeroRowsAndAllNulls) {
  ExpectRoundTrip(AllTypes(), {}, {});
  Schema schema{{{"s", ValueType::kString, true}, {"l", ValueType::kStringList, true}}};
  ExpectRoundTrip(schema, std::vector<Row>(500, Row{Value::Null(), Value::Null()}), {});
}

TEST(ParquetReader, EmptyListsAndEmptyStringsStayDistinctFromNull) {
  Schema schema{{{"s", ValueType::kString, true}, {"l", ValueType::kStringList, true}}};
  std::vector<Row> rows = {
      {Value::String(""), Value::StringList({})},
      {Value::Null(), Value::Null()},
      {Value::String("a"), Value::StringList({"", "b", ""})},
  };
  ExpectRoundTrip(schema, rows, {});
}

TEST(ParquetReader, ProjectionInRequestedOrder) {
  const auto rows = RandomRows(AllTypes(), 500, 3);
  std::string bytes = WriteParquetBytes(AllTypes(), rows, {});
  RowReadOptions options;
  options.columns = {"req_l", "d", "s"};
  auto read = ReadParquetBytes(bytes, options);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->schema.columns.size(), 3u);
  EXPECT_EQ(read->schema.columns[0].name, "req_l");
  std::vector<Row> want;
  for (const Row& r : rows) want.push_back({r[10], r[3], r[0]});
  ExpectRows(want, read->rows);
}

TEST(ParquetReader, UnknownColumnIsInvalidArgument) {
  std::string bytes = WriteParquetBytes(AllTypes(), RandomRows(AllTypes(), 10, 3), {});
  RowReadOptions options;
  options.columns = {"nope"};
  auto read = ReadParquetBytes(bytes, options);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(read.status().message(), "mem.parquet: no column 'nope'");
}

TEST(ParquetReader, RowGroupRange) {
  ParquetWriterOptions w;
  w.row_group_max_rows = 100;
  const auto rows = RandomRows(AllTypes(), 450, 4);
  std::string bytes = WriteParquetBytes(AllTypes(), rows, w);
  auto file = ParquetFileReader::Open(NewBorrowedMemoryFile(bytes), "f");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->num_row_groups(), 5);
  EXPECT_EQ((*file)->num_rows(), 450);
  EXPECT_EQ((*file)->row_group_rows(4), 50);
  EXPECT_EQ((*file)->created_by(), kParquetCreatedBy);
  RowReadOptions options;
  options.first_row_group = 2;
  options.row_group_count = 2;
  auto read = ReadParquetBytes(bytes, options);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectRows(std::vector<Row>(rows.begin() + 200, rows.begin() + 400), read->rows);
  options.first_row_group = 4;
  options.row_group_count = 2;
  EXPECT_EQ(ReadParquetBytes(bytes, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(ParquetReader, KeyValueMetadata) {
  ParquetWriterOptions w;
  w.key_value_metadata = {{"a", "1"}, {"b", ""}};
  std::string bytes = WriteParquetBytes(AllTypes(), {}, w);
  auto file = ParquetFileReader::Open(NewBorrowedMemoryFile(bytes), "f");
  ASSERT_TRUE(file.ok());
  ASSERT_EQ((*file)->key_value_metadata().size(), 2u);
  EXPECT_EQ((*file)->key_value_metadata()[1].key, "b");
}

TEST(ParquetReader, RowsAsJsonAreTheJsonLinesExportOfTheSameRows) {
  for (const Schema* schema : {&SpanSchema(), &TraceSchema()}) {
    const auto rows = RandomRows(*schema, 300, 5);
    MemorySink jsonl;
    JsonlWriter writer(JsonlWriterOptions(), jsonl);
    ASSERT_TRUE(writer.Begin(*schema).ok());
    ASSERT_TRUE(writer.WriteRows(rows).ok());
    ASSERT_TRUE(writer.Finish().ok());
    auto objects = ReadParquetRowsAsJson(WriteParquetBytes(*schema, rows, {}), "f.parquet");
    ASSERT_TRUE(objects.ok()) << objects.status().ToString();
    std::string lines;
    for (const std::string& o : *objects) lines += o + "\n";
    EXPECT_EQ(lines, jsonl.data());
  }
  auto bad = ReadParquetRowsAsJson("not parquet", "f.parquet");
  EXPECT_EQ(bad.status().message(), "f.parquet: file of 11 bytes is too short for Parquet");
}

// Counts what the reader asks of its file.
class CountingFile : public ReadableFile {
 public:
  explicit CountingFile(const std::string& bytes) : inner_(NewBorrowedMemoryFile(bytes)) {}
  int64_t Size() const override { return inner_->Size(); }
  Result<std::string_view> ReadAt(int64_t offset, size_t length, std::string* scratch) override {
    largest = std::max(largest, length);
    total += length;
    return inner_->ReadAt(offset, length, scratch);
  }
  size_t largest = 0;
  size_t total = 0;

 private:
  std::unique_ptr<ReadableFile> inner_;
};

TEST(ParquetReader, ReadsPageByPageNotTheWholeFile) {
  Schema schema{{{"s", ValueType::kString, false}, {"i", ValueType::kInt64, false}}};
  std::vector<Row> rows;
  for (int r = 0; r < 60'000; ++r) {
    rows.push_back(
        {Value::String(std::string(60, static_cast<char>('a' + r % 26)) + std::to_string(r)),
         Value::Int64(r)});
  }
  ParquetWriterOptions w;
  w.compression = Compression::kNone;
  w.dictionary_max_bytes = 0;
  std::string bytes = WriteParquetBytes(schema, rows, w);
  ASSERT_GT(bytes.size(), 4u << 20);
  auto counting = std::make_unique<CountingFile>(bytes);
  CountingFile* file = counting.get();
  auto reader = ParquetFileReader::Open(std::move(counting), "f");
  ASSERT_TRUE(reader.ok());
  auto it = (*reader)->ReadRows();
  ASSERT_TRUE(it.ok());
  Row row;
  int64_t n = 0;
  while (*(*it)->Next(&row)) ++n;
  EXPECT_EQ(n, 60'000);
  EXPECT_LE(file->largest, (size_t{1} << 20) + 4096) << "one read window, not the row group";
  EXPECT_LT(file->total, bytes.size() * 11 / 10) << "each byte read about once";
}

}  // namespace
}  // namespace sluice::format
