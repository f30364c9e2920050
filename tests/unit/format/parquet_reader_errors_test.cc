// The Parquet reader on broken and hostile files: each failure is an error naming the file,
// column, row group and byte offset and what is wrong (never a crash, never an allocation
// from a size the file claims), and valid Parquet that sluice does not read fails as not
// implemented. Files are built by hand from serialized page headers and footers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>

#include "format/parquet/parquet_reader.h"
#include "format/parquet/parquet_types.h"
#include "format/parquet/rle_encoder.h"
#include "format/parquet/value_conversion.h"
#include "format/readable_file.h"
#include "parquet_read_support.h"

namespace sluice::format {
namespace {

using parquet::Codec;
using parquet::Encoding;
using parquet::PageHeader;
using parquet::PageType;
using ::testing::HasSubstr;

void AppendU32(uint32_t v, std::string* out) {
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<char>(v >> (8 * b)));
}

// A serialized page: its header (sizes from the body unless set) and the body.
std::string Page(PageHeader h, const std::string& body) {
  if (h.compressed_page_size == 0) h.compressed_page_size = static_cast<int32_t>(body.size());
  if (h.uncompressed_page_size == 0) h.uncompressed_page_size = static_cast<int32_t>(body.size());
  std::string out;
  parquet::SerializePageHeader(h, &out);
  return out + body;
}

// A data page v1 body of an OPTIONAL column: definition levels, then the values as given.
std::string Body(const std::vector<uint32_t>& defs, const std::string& values, int width = 1) {
  std::string levels;
  parquet::AppendRleHybrid(defs, width, &levels);
  std::string out;
  AppendU32(static_cast<uint32_t>(levels.size()), &out);
  return out + levels + values;
}

std::string Int64s(std::initializer_list<int64_t> values) {
  std::string out;
  for (int64_t v : values) out.append(reinterpret_cast<const char*>(&v), 8);
  return out;
}

PageHeader DataPage(int32_t num_values, Encoding encoding = Encoding::kPlain) {
  PageHeader h;
  h.type = PageType::kDataPage;
  h.num_values = num_values;
  h.encoding = encoding;
  return h;
}

// A file of one row group with one OPTIONAL INT64 column "x" whose chunk is `chunk`.
std::string OneColumnFile(const std::string& chunk, int64_t num_values, int64_t num_rows,
                          Codec codec = Codec::kUncompressed) {
  parquet::FileMetaData meta;
  parquet::SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  parquet::SchemaElement x;
  x.name = "x";
  x.type = parquet::PhysicalType::kInt64;
  x.repetition = parquet::Repetition::kOptional;
  meta.schema = {root, x};
  meta.num_rows = num_rows;
  meta.num_leaf_columns = 1;
  parquet::ColumnChunk c;
  c.file_offset = 4;
  c.meta_data.type = parquet::PhysicalType::kInt64;
  c.meta_data.path_in_schema = {"x"};
  c.meta_data.codec = codec;
  c.meta_data.num_values = num_values;
  c.meta_data.total_compressed_size = static_cast<int64_t>(chunk.size());
  c.meta_data.data_page_offset = 4;
  parquet::RowGroup g;
  g.columns = {c};
  g.num_rows = num_rows;
  meta.row_groups = {g};
  std::string footer;
  parquet::SerializeFileMetaData(meta, &footer);
  std::string file = "PAR1" + chunk + footer;
  AppendU32(static_cast<uint32_t>(footer.size()), &file);
  return file + "PAR1";
}

// The error of reading every row of `file`, or "ok: <values>".
std::string ReadError(const std::string& file, StatusCode* code = nullptr) {
  auto read = testing::ReadParquetBytes(file);
  if (code != nullptr) *code = read.status().code();
  if (!read.ok()) return read.status().message();
  std::string values = "ok:";
  for (const Row& r : read->rows) {
    values += ' ';
    AppendValueJson(r[0], values);
  }
  return values;
}

TEST(ParquetReaderErrors, HandBuiltFileReads) {
  std::string chunk = Page(DataPage(3), Body({1, 0, 1}, Int64s({7, -9})));
  EXPECT_EQ(ReadError(OneColumnFile(chunk, 3, 3)), "ok: 7 null -9");
}

TEST(ParquetReaderErrors, NotParquet) {
  StatusCode code;
  EXPECT_EQ(ReadError("PAR1", &code), "mem.parquet: file of 4 bytes is too short for Parquet");
  EXPECT_EQ(code, StatusCode::kDataLoss);
  EXPECT_EQ(ReadError(std::string(20, 'x')), "mem.parquet: file does not start with PAR1");
  EXPECT_EQ(ReadError("PAR1" + std::string(12, 'x')), "mem.parquet: file does not end with PAR1");
  EXPECT_EQ(ReadError("PAR1xxxxxxxx\xff\xff\xff\x0fPARE", &code),
            "mem.parquet: encrypted footer (PARE)");
  EXPECT_EQ(code, StatusCode::kUnimplemented);
  EXPECT_EQ(ReadError("PAR1xxxxxxxx\xff\xff\xff\x0fPAR1"),
            "mem.parquet: footer of 268435455 bytes does not fit in the file of 20 bytes");
}

TEST(ParquetReaderErrors, PageHeaderCutByTheChunkEnd) {
  std::string page = Page(DataPage(3), Body({1, 1, 1}, Int64s({1, 2, 3})));
  StatusCode code;
  EXPECT_EQ(ReadError(OneColumnFile(page.substr(0, 5), 3, 3), &code),
            "mem.parquet: column 'x' row group 0 row 0: page at byte 4: page header truncated at "
            "byte 9, the end of the column chunk");
  EXPECT_EQ(code, StatusCode::kDataLoss);
}

TEST(ParquetReaderErrors, DeclaredSizesAreCheckedBeforeAllocating) {
  PageHeader huge = DataPage(3);
  huge.uncompressed_page_size = INT32_MAX;
  std::string body = Body({1, 1, 1}, Int64s({1, 2, 3}));
  EXPECT_THAT(ReadError(OneColumnFile(Page(huge, body), 3, 3, Codec::kZstd)),
              HasSubstr("page of 2147483647 bytes is larger than the limit"));
  PageHeader bomb = DataPage(3);
  bomb.uncompressed_page_size = 64 << 20;
  EXPECT_THAT(ReadError(OneColumnFile(Page(bomb, body), 3, 3, Codec::kGzip)),
              HasSubstr("GZIP page of 30 bytes cannot hold the 67108864 its header declares"));
  PageHeader past = DataPage(3);
  past.compressed_page_size = 5000;
  EXPECT_THAT(ReadError(OneColumnFile(Page(past, body), 3, 3)),
              HasSubstr("runs past the column chunk"));
}

TEST(ParquetReaderErrors, RowsAndValuesDisagree) {
  std::string chunk = Page(DataPage(3), Body({1, 1, 1}, Int64s({1, 2, 3})));
  EXPECT_EQ(ReadError(OneColumnFile(chunk, 3, 5)),
            "mem.parquet: column 'x' row group 0 row 3: column chunk ends before the row group's "
            "5 rows");
  EXPECT_EQ(ReadError(OneColumnFile(chunk, 3, 2)),
            "mem.parquet: column 'x' row group 0: column chunk holds more values than the row "
            "group's 2 rows");
  // A footer claiming a trillion rows and values fails once the pages run out.
  EXPECT_THAT(ReadError(OneColumnFile(chunk, 1'000'000'000'000, 1'000'000'000'000)),
              HasSubstr("row 3: column chunk ends at byte 51 with 999999999997 values missing"));
}

TEST(ParquetReaderErrors, LevelsAndValuesBeyondThePage) {
  // A definition level of 2 in a column whose maximum is 1 (an RLE run of 3 twos).
  std::string levels = "\x06\x02";
  std::string bad_level;
  AppendU32(2, &bad_level);
  bad_level += levels;
  EXPECT_THAT(ReadError(OneColumnFile(Page(DataPage(3), bad_level), 3, 3)),
              HasSubstr("level above the column's maximum"));
  std::string short_values = Page(DataPage(3), Body({1, 1, 1}, Int64s({1, 2})));
  EXPECT_THAT(ReadError(OneColumnFile(short_values, 3, 3)),
              HasSubstr("row 2: page at byte 4: page values end "
                        "after 2 values"));
}

TEST(ParquetReaderErrors, DictionaryIndexBeyondTheDictionary) {
  PageHeader dict;
  dict.type = PageType::kDictionaryPage;
  dict.num_values = 2;
  std::string indices = "\x03";  // bit width 3
  parquet::AppendRleHybrid(std::vector<uint32_t>{1, 5, 0}, 3, &indices);
  std::string chunk = Page(dict, Int64s({10, 20})) +
                      Page(DataPage(3, Encoding::kRleDictionary), Body({1, 1, 1}, indices));
  EXPECT_THAT(ReadError(OneColumnFile(chunk, 3, 3)),
              HasSubstr("row 1: page at byte 33: dictionary index 5 beyond its 2 entries"));
  std::string no_dict = Page(DataPage(3, Encoding::kRleDictionary), Body({1, 1, 1}, indices));
  EXPECT_THAT(ReadError(OneColumnFile(no_dict, 3, 3)), HasSubstr("without a dictionary page"));
}

TEST(ParquetReaderErrors, UnreadEncodingsAndCorruptPagesAreNamed) {
  StatusCode code;
  std::string group_var_int = Page(DataPage(3, static_cast<Encoding>(1)), Body({1, 1, 1}, "xx"));
  EXPECT_THAT(ReadError(OneColumnFile(group_var_int, 3, 3), &code),
              HasSubstr("values encoded as GROUP_VAR_INT are not read"));
  EXPECT_EQ(code, StatusCode::kUnimplemented);
  // A DELTA_BINARY_PACKED header announcing more values than the page holds.
  std::string delta = Page(DataPage(3, Encoding::kDeltaBinaryPacked),
                           Body({1, 1, 1}, std::string("\x80\x01\x04\x64\x02", 5)));
  EXPECT_THAT(ReadError(OneColumnFile(delta, 3, 3), &code),
              HasSubstr("DELTA_BINARY_PACKED header announces 100 values in a page of 3"));
  EXPECT_EQ(code, StatusCode::kDataLoss);
  std::string lz4 = Page(DataPage(3), Body({1, 1, 1}, Int64s({1, 2, 3})));
  EXPECT_THAT(ReadError(OneColumnFile(lz4, 3, 3, static_cast<Codec>(7)), &code),
              HasSubstr("compression codec LZ4_RAW is not read"));
  EXPECT_EQ(code, StatusCode::kUnimplemented);
  PageHeader zstd = DataPage(3);
  zstd.uncompressed_page_size = 100;
  EXPECT_THAT(ReadError(OneColumnFile(Page(zstd, "not zstd at all"), 3, 3, Codec::kZstd), &code),
              HasSubstr("ZSTD page is not a zstd frame"));
  EXPECT_EQ(code, StatusCode::kDataLoss);
}

// Every byte of a small valid file changed in turn: each read ends in rows or an error that
// names the file, never a crash.
TEST(ParquetReaderErrors, EveryByteCorrupted) {
  Schema schema{{{"s", ValueType::kString, true},
                 {"i", ValueType::kInt64, false},
                 {"l", ValueType::kStringList, true},
                 {"b", ValueType::kBool, true}}};
  ParquetWriterOptions options;
  options.row_group_max_rows = 10;
  for (Compression c : {Compression::kNone, Compression::kSnappy}) {
    options.compression = c;
    const std::string file =
        testing::WriteParquetBytes(schema, testing::RandomRows(schema, 25, 9), options);
    int errors = 0;
    for (size_t at = 0; at < file.size(); ++at) {
      for (uint8_t x : {0xFF, 0x01, 0x80}) {
        std::string bad = file;
        bad[at] = static_cast<char>(bad[at] ^ x);
        auto read = testing::ReadParquetBytes(bad);
        if (read.ok()) continue;
        ++errors;
        ASSERT_EQ(read.status().message().rfind("mem.parquet: ", 0), 0u)
            << read.status().ToString();
      }
    }
    EXPECT_GT(errors, static_cast<int>(file.size()));
  }
}

TEST(ValueConversion, TimestampsDatesAndUuids) {
  using Kind = parquet::LeafConversion::Kind;
  parquet::LeafConversion conv;
  parquet::PhysicalValue v;
  Value out;
  conv.kind = Kind::kTimestamp;
  conv.unit = parquet::TimeUnit::kNanos;
  v.i = -1;  // one nanosecond before the epoch is in the microsecond before it
  ASSERT_TRUE(parquet::ConvertValue(conv, ValueType::kTimestamp, v, &out).ok());
  EXPECT_EQ(out.i, -1);
  conv.unit = parquet::TimeUnit::kMillis;
  v.i = INT64_MAX / 10;
  EXPECT_EQ(parquet::ConvertValue(conv, ValueType::kTimestamp, v, &out).code(),
            StatusCode::kInvalidArgument);
  conv.kind = Kind::kInt96;  // 2000-01-01T00:00:01.5 = Julian day 2451545
  std::string int96(12, '\0');
  const int64_t nanos = 1'500'000'000;
  const uint32_t day = 2'451'545;
  std::memcpy(int96.data(), &nanos, 8);
  std::memcpy(int96.data() + 8, &day, 4);
  v.bytes = int96;
  ASSERT_TRUE(parquet::ConvertValue(conv, ValueType::kTimestamp, v, &out).ok());
  EXPECT_EQ(out.i, 946'684'801'500'000);
  conv.kind = Kind::kUuid;
  const std::string uuid("\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
  v.bytes = uuid;
  ASSERT_TRUE(parquet::ConvertValue(conv, ValueType::kString, v, &out).ok());
  EXPECT_EQ(out.s, "12345678-9abc-def0-0123-456789abcdef");
  conv.kind = Kind::kUInt64;
  v.i = -1;
  EXPECT_EQ(parquet::ConvertValue(conv, ValueType::kInt64, v, &out).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::format
