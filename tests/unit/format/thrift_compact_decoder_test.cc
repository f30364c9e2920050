// The compact protocol decoder against what the encoder writes, and on input that ends early,
// nests too deep or claims more elements than it holds; the footer and page header parsers on
// what the writer serializes.
#include <gtest/gtest.h>

#include "format/parquet/metadata_reader.h"
#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {
namespace {

TEST(ThriftCompactDecoder, ReadsWhatTheEncoderWrites) {
  std::string bytes;
  ThriftCompactEncoder e(&bytes);
  e.BeginStruct();
  e.FieldI32(1, -7);
  e.FieldI64(2, int64_t{1} << 40);
  e.FieldBool(3, true);
  e.FieldBinary(40, "hello");  // long field header
  e.FieldListBegin(41, ThriftType::kI32, 20);
  for (int k = 0; k < 20; ++k) e.I32(k - 10);
  e.FieldStructBegin(42);
  e.FieldI16(1, 300);
  e.EndStruct();
  e.FieldI32(43, 5);
  e.EndStruct();

  ThriftCompactDecoder d(bytes);
  std::vector<int32_t> list;
  int32_t inner = 0, after = 0, first = 0;
  int64_t big = 0;
  bool flag = false;
  std::string_view text;
  d.ReadStruct(ThriftType::kStruct, [&](int16_t id, ThriftType t) {
    switch (id) {
      case 1: first = d.I32(t); return true;
      case 2: big = d.I64(t); return true;
      case 3: flag = d.Bool(t); return true;
      case 40: text = d.Binary(t); return true;
      case 41: {
        ThriftType elem;
        for (uint32_t n = d.ListBegin(t, &elem), k = 0; k < n; ++k) list.push_back(d.ElementI32());
        return true;
      }
      case 42:
        d.ReadStruct(t, [&](int16_t f, ThriftType ft) {
          if (f == 1) inner = d.I32(ft);
          return f == 1;
        });
        return true;
      case 43: after = d.I32(t); return true;
    }
    return false;
  });
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(first, -7);
  EXPECT_EQ(big, int64_t{1} << 40);
  EXPECT_TRUE(flag);
  EXPECT_EQ(text, "hello");
  ASSERT_EQ(list.size(), 20u);
  EXPECT_EQ(list[0], -10);
  EXPECT_EQ(inner, 300);
  EXPECT_EQ(after, 5);  // the field id after a nested struct continues from the outer one
  EXPECT_EQ(d.position(), bytes.size());
}

TEST(ThriftCompactDecoder, SkipsUnknownFieldsOfEveryType) {
  std::string bytes;
  ThriftCompactEncoder e(&bytes);
  e.BeginStruct();
  e.FieldBool(1, false);
  e.FieldListBegin(2, ThriftType::kStruct, 2);
  for (int k = 0; k < 2; ++k) {
    e.BeginStruct();
    e.FieldBinary(1, "x");
    e.EndStruct();
  }
  e.FieldListBegin(3, ThriftType::kBinary, 1);
  e.Binary("yz");
  e.FieldI32(9, 77);
  e.EndStruct();
  bytes.pop_back();  // the stop field: two more fields in the long header form follow
  bytes += std::string("\x07\x28\x00\x00\x00\x00\x00\x00\xf0\x3f", 10);  // 20: double 1.0
  bytes += std::string(
      "\x0b\x2a\x01\x58\x02\x01"
      "a",
      7);  // 21: map<i32, binary> {1: "a"}
  bytes.push_back('\0');
  ThriftCompactDecoder d(bytes);
  int32_t got = 0;
  d.ReadStruct(ThriftType::kStruct, [&](int16_t id, ThriftType t) {
    if (id == 9) got = d.I32(t);
    return id == 9;
  });
  EXPECT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(got, 77);
  EXPECT_EQ(d.position(), bytes.size());
}

TEST(ThriftCompactDecoder, EveryPrefixIsTruncatedNotMisread) {
  std::string bytes;
  ThriftCompactEncoder e(&bytes);
  e.BeginStruct();
  e.FieldBinary(1, "abcdef");
  e.FieldListBegin(2, ThriftType::kI64, 3);
  for (int k = 0; k < 3; ++k) e.I64(int64_t{1} << (20 * k));
  e.EndStruct();
  for (size_t n = 0; n < bytes.size(); ++n) {
    ThriftCompactDecoder d(std::string_view(bytes).substr(0, n));
    d.Skip(ThriftType::kStruct);
    EXPECT_FALSE(d.ok()) << n;
    EXPECT_TRUE(d.truncated()) << n << ": " << d.error();
  }
}

TEST(ThriftCompactDecoder, RefusesDeepNestingAndImpossibleCounts) {
  std::string deep(200, '\x1c');  // field 1 of type struct, nested 200 times
  ThriftCompactDecoder d(deep);
  d.Skip(ThriftType::kStruct);
  EXPECT_NE(d.error().find("nested deeper than 64"), std::string::npos) << d.error();

  // A list claiming 2^31 elements in a few bytes.
  std::string list = "\x19\xf5\xff\xff\xff\xff\x07";
  ThriftCompactDecoder l(list);
  l.Skip(ThriftType::kStruct);
  EXPECT_NE(l.error().find("elements in 0 bytes"), std::string::npos) << l.error();

  std::string varint = "\x15\xff\xff\xff\xff\xff\xff";  // i32 field, varint over 5 bytes
  ThriftCompactDecoder v(varint);
  v.Skip(ThriftType::kStruct);
  EXPECT_FALSE(v.ok());
}

TEST(ParseFooter, ReadsWhatTheWriterSerializes) {
  FileMetaData meta;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 2;
  SchemaElement t;
  t.name = "t";
  t.type = PhysicalType::kInt64;
  t.repetition = Repetition::kOptional;
  t.converted_type = ConvertedType::kTimestampMicros;
  t.logical_type = LogicalType::kTimestampMicrosUtc;
  SchemaElement s;
  s.name = "s";
  s.type = PhysicalType::kByteArray;
  s.repetition = Repetition::kRequired;
  s.logical_type = LogicalType::kJson;
  meta.schema = {root, t, s};
  meta.num_rows = 12;
  meta.num_leaf_columns = 2;
  RowGroup g;
  g.num_rows = 12;
  ColumnChunk c;
  c.meta_data.type = PhysicalType::kInt64;
  c.meta_data.codec = Codec::kZstd;
  c.meta_data.num_values = 12;
  c.meta_data.total_compressed_size = 99;
  c.meta_data.data_page_offset = 40;
  c.meta_data.dictionary_page_offset = 4;
  c.meta_data.statistics.min_value = "\x01";
  g.columns = {c, c};
  meta.row_groups = {g};
  meta.key_value_metadata = {{"k", "v"}};
  meta.created_by = "me";
  std::string bytes;
  SerializeFileMetaData(meta, &bytes);

  auto f = ParseFooter(bytes);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->num_rows, 12);
  ASSERT_EQ(f->schema.size(), 3u);
  EXPECT_EQ(f->schema[0].num_children, 2);
  EXPECT_EQ(f->schema[1].logical.kind, LogicalAnnotation::Kind::kTimestamp);
  EXPECT_EQ(f->schema[1].logical.unit, TimeUnit::kMicros);
  EXPECT_TRUE(f->schema[1].logical.adjusted_to_utc);
  EXPECT_EQ(f->schema[2].logical.kind, LogicalAnnotation::Kind::kJson);
  EXPECT_EQ(f->schema[2].repetition, Repetition::kRequired);
  ASSERT_EQ(f->row_groups.size(), 1u);
  ASSERT_EQ(f->row_groups[0].columns.size(), 2u);
  const FooterColumnChunk& chunk = f->row_groups[0].columns[1];
  EXPECT_EQ(chunk.codec, Codec::kZstd);
  EXPECT_EQ(chunk.total_compressed_size, 99);
  EXPECT_EQ(chunk.data_page_offset, 40);
  EXPECT_EQ(chunk.dictionary_page_offset, 4);
  EXPECT_EQ(f->key_value_metadata[0].value, "v");
  EXPECT_EQ(f->created_by, "me");

  for (size_t n = 0; n < bytes.size(); ++n) {
    auto cut = ParseFooter(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(cut.ok()) << n;
    EXPECT_EQ(cut.status().code(), StatusCode::kDataLoss);
  }
}

TEST(ParsePageHeader, DataAndDictionaryPages) {
  PageHeader h;
  h.type = PageType::kDictionaryPage;
  h.num_values = 9;
  h.uncompressed_page_size = 100;
  h.compressed_page_size = 50;
  std::string bytes;
  SerializePageHeader(h, &bytes);
  bytes += "body";
  size_t size = 0;
  auto p = ParsePageHeader(bytes, &size);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(size, bytes.size() - 4);
  EXPECT_EQ(p->type, PageType::kDictionaryPage);
  EXPECT_EQ(p->num_values, 9);
  EXPECT_EQ(p->compressed_page_size, 50);

  bool truncated = false;
  auto cut = ParsePageHeader(std::string_view(bytes).substr(0, 5), &size, &truncated);
  EXPECT_FALSE(cut.ok());
  EXPECT_TRUE(truncated);
}

}  // namespace
}  // namespace sluice::format::parquet
