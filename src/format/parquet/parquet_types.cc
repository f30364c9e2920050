#include "format/parquet/parquet_types.h"

#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {
namespace {

using Enc = ThriftCompactEncoder;

// LogicalType union (SchemaElement field 10). Members are empty structs except TIMESTAMP.
void WriteLogicalType(Enc& e, LogicalType t) {
  e.FieldStructBegin(10);
  switch (t) {
    case LogicalType::kString:
      e.FieldStructBegin(1);
      e.EndStruct();
      break;
    case LogicalType::kList:
      e.FieldStructBegin(3);
      e.EndStruct();
      break;
    case LogicalType::kJson:
      e.FieldStructBegin(12);
      e.EndStruct();
      break;
    case LogicalType::kTimestampMicrosUtc:
      e.FieldStructBegin(8);
      e.FieldBool(1, true);   // isAdjustedToUTC
      e.FieldStructBegin(2);  // unit: TimeUnit union
      e.FieldStructBegin(2);  // MICROS
      e.EndStruct();
      e.EndStruct();
      e.EndStruct();
      break;
    case LogicalType::kNone: break;
  }
  e.EndStruct();
}

void WriteSchemaElement(Enc& e, const SchemaElement& s) {
  e.BeginStruct();
  if (s.type) e.FieldI32(1, static_cast<int32_t>(*s.type));
  if (s.repetition) e.FieldI32(3, static_cast<int32_t>(*s.repetition));
  e.FieldBinary(4, s.name);
  if (s.num_children) e.FieldI32(5, *s.num_children);
  if (s.converted_type) e.FieldI32(6, static_cast<int32_t>(*s.converted_type));
  if (s.logical_type != LogicalType::kNone) WriteLogicalType(e, s.logical_type);
  e.EndStruct();
}

void WriteStatistics(Enc& e, int16_t field_id, const Statistics& s) {
  e.FieldStructBegin(field_id);
  e.FieldI64(3, s.null_count);
  if (s.max_value) e.FieldBinary(5, *s.max_value);
  if (s.min_value) e.FieldBinary(6, *s.min_value);
  e.EndStruct();
}

void WriteColumnMetaData(Enc& e, const ColumnMetaData& m) {
  e.FieldStructBegin(3);
  e.FieldI32(1, static_cast<int32_t>(m.type));
  e.FieldListBegin(2, ThriftType::kI32, static_cast<uint32_t>(m.encodings.size()));
  for (Encoding enc : m.encodings) e.I32(static_cast<int32_t>(enc));
  e.FieldListBegin(3, ThriftType::kBinary, static_cast<uint32_t>(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) e.Binary(p);
  e.FieldI32(4, static_cast<int32_t>(m.codec));
  e.FieldI64(5, m.num_values);
  e.FieldI64(6, m.total_uncompressed_size);
  e.FieldI64(7, m.total_compressed_size);
  e.FieldI64(9, m.data_page_offset);
  if (m.dictionary_page_offset) e.FieldI64(11, *m.dictionary_page_offset);
  WriteStatistics(e, 12, m.statistics);
  e.EndStruct();
}

void WriteRowGroup(Enc& e, const RowGroup& g) {
  e.BeginStruct();
  e.FieldListBegin(1, ThriftType::kStruct, static_cast<uint32_t>(g.columns.size()));
  for (const ColumnChunk& c : g.columns) {
    e.BeginStruct();
    e.FieldI64(2, c.file_offset);
    WriteColumnMetaData(e, c.meta_data);
    e.EndStruct();
  }
  e.FieldI64(2, g.total_byte_size);
  e.FieldI64(3, g.num_rows);
  e.FieldI64(5, g.file_offset);
  e.FieldI64(6, g.total_compressed_size);
  e.FieldI16(7, g.ordinal);
  e.EndStruct();
}

}  // namespace

void SerializeFileMetaData(const FileMetaData& meta, std::string* out) {
  Enc e(out);
  e.BeginStruct();
  e.FieldI32(1, meta.version);
  e.FieldListBegin(2, ThriftType::kStruct, static_cast<uint32_t>(meta.schema.size()));
  for (const SchemaElement& s : meta.schema) WriteSchemaElement(e, s);
  e.FieldI64(3, meta.num_rows);
  e.FieldListBegin(4, ThriftType::kStruct, static_cast<uint32_t>(meta.row_groups.size()));
  for (const RowGroup& g : meta.row_groups) WriteRowGroup(e, g);
  if (!meta.key_value_metadata.empty()) {
    e.FieldListBegin(5, ThriftType::kStruct, static_cast<uint32_t>(meta.key_value_metadata.size()));
    for (const KeyValue& kv : meta.key_value_metadata) {
      e.BeginStruct();
      e.FieldBinary(1, kv.key);
      e.FieldBinary(2, kv.value);
      e.EndStruct();
    }
  }
  e.FieldBinary(6, meta.created_by);
  // column_orders: TYPE_ORDER (an empty struct in the ColumnOrder union) for every leaf, so
  // readers trust min_value/max_value.
  e.FieldListBegin(7, ThriftType::kStruct, static_cast<uint32_t>(meta.num_leaf_columns));
  for (int32_t k = 0; k < meta.num_leaf_columns; ++k) {
    e.BeginStruct();
    e.FieldStructBegin(1);
    e.EndStruct();
    e.EndStruct();
  }
  e.EndStruct();
}

void SerializePageHeader(const PageHeader& h, std::string* out) {
  Enc e(out);
  e.BeginStruct();
  e.FieldI32(1, static_cast<int32_t>(h.type));
  e.FieldI32(2, h.uncompressed_page_size);
  e.FieldI32(3, h.compressed_page_size);
  if (h.type == PageType::kDataPage) {
    e.FieldStructBegin(5);
    e.FieldI32(1, h.num_values);
    e.FieldI32(2, static_cast<int32_t>(h.encoding));
    e.FieldI32(3, static_cast<int32_t>(Encoding::kRle));  // definition levels
    e.FieldI32(4, static_cast<int32_t>(Encoding::kRle));  // repetition levels
    e.EndStruct();
  } else {
    e.FieldStructBegin(7);
    e.FieldI32(1, h.num_values);
    e.FieldI32(2, static_cast<int32_t>(h.encoding));
    e.EndStruct();
  }
  e.EndStruct();
}

}  // namespace sluice::format::parquet
