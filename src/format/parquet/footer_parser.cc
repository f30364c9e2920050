// ParseFooter: FileMetaData and the structs under it, field ids as in parquet.thrift.
#include <utility>

#include "format/parquet/metadata_reader.h"
#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {
namespace {

using D = ThriftCompactDecoder;
using T = ThriftType;
using Kind = LogicalAnnotation::Kind;

// TimeUnit is a union of empty structs: the member's id is the unit.
TimeUnit ReadTimeUnit(D& d, T type) {
  TimeUnit unit = TimeUnit::kMicros;
  d.ReadStruct(type, [&](int16_t id, T) {
    if (id == 1) unit = TimeUnit::kMillis;
    if (id == 2) unit = TimeUnit::kMicros;
    if (id == 3) unit = TimeUnit::kNanos;
    return false;  // the members are empty structs: skip them
  });
  return unit;
}

void ReadTimeMember(D& d, T type, LogicalAnnotation* a) {
  d.ReadStruct(type, [&](int16_t id, T t) {
    if (id == 1) a->adjusted_to_utc = d.Bool(t);
    if (id == 2) a->unit = ReadTimeUnit(d, t);
    return id == 1 || id == 2;
  });
}

Kind EmptyMemberKind(int16_t id) {
  switch (id) {
    case 1: return Kind::kString;
    case 2: return Kind::kMap;
    case 3: return Kind::kList;
    case 4: return Kind::kEnum;
    case 6: return Kind::kDate;
    case 11: return Kind::kUnknown;
    case 12: return Kind::kJson;
    case 13: return Kind::kBson;
    case 14: return Kind::kUuid;
    case 15: return Kind::kFloat16;
    default: return Kind::kOther;
  }
}

LogicalAnnotation ReadLogical(D& d, T type) {
  LogicalAnnotation a;
  d.ReadStruct(type, [&](int16_t id, T t) {
    switch (id) {
      case 5:
        a.kind = Kind::kDecimal;
        d.ReadStruct(t, [&](int16_t f, T ft) {
          if (f == 1) a.scale = d.I32(ft);
          if (f == 2) a.precision = d.I32(ft);
          return f == 1 || f == 2;
        });
        return true;
      case 7:
      case 8:
        a.kind = id == 7 ? Kind::kTime : Kind::kTimestamp;
        ReadTimeMember(d, t, &a);
        return true;
      case 10:
        a.kind = Kind::kInteger;
        d.ReadStruct(t, [&](int16_t f, T ft) {
          if (f == 1) a.bit_width = d.Byte(ft);
          if (f == 2) a.is_signed = d.Bool(ft);
          return f == 1 || f == 2;
        });
        return true;
      default: a.kind = EmptyMemberKind(id); return false;
    }
  });
  return a;
}

template <typename E>
std::optional<E> ReadEnum(D& d, T t, int32_t max) {
  int32_t v = d.I32(t);
  if (v < 0 || v > max) {
    d.Fail("enum value " + std::to_string(v) + " out of range");
    return std::nullopt;
  }
  return static_cast<E>(v);
}

FooterSchemaElement ReadSchemaElement(D& d, T type) {
  FooterSchemaElement e;
  bool has_name = false;
  d.ReadStruct(type, [&](int16_t id, T t) {
    switch (id) {
      case 1: e.type = ReadEnum<PhysicalType>(d, t, 7); return true;
      case 2: e.type_length = d.I32(t); return true;
      case 3: e.repetition = ReadEnum<Repetition>(d, t, 2); return true;
      case 4:
        e.name = std::string(d.Binary(t));
        has_name = true;
        return true;
      case 5: e.num_children = d.I32(t); return true;
      case 6: e.converted_type = static_cast<ConvertedType>(d.I32(t)); return true;
      case 7: e.scale = d.I32(t); return true;
      case 10: e.logical = ReadLogical(d, t); return true;
      default: return false;
    }
  });
  if (!has_name) d.Fail("schema element without a name");
  return e;
}

class FooterParser {
 public:
  explicit FooterParser(std::string_view bytes) : d_(bytes) {}

  Result<Footer> Parse();

 private:
  void ReadColumnMetaData(T type, FooterColumnChunk* c);
  FooterColumnChunk ReadColumnChunk(T type);
  FooterRowGroup ReadRowGroup(T type);
  void ReadFileField(int16_t id, T t, Footer* f, bool* handled);
  void Unsupported(std::string what) {
    if (unsupported_.ok()) unsupported_ = UnimplementedError(std::move(what));
  }

  D d_;
  Status unsupported_;
};

void FooterParser::ReadColumnMetaData(T type, FooterColumnChunk* c) {
  unsigned seen = 0;  // bit per required field id
  d_.ReadStruct(type, [&](int16_t id, T t) {
    if (id > 0 && id < 16) seen |= 1u << id;
    switch (id) {
      case 1: c->type = ReadEnum<PhysicalType>(d_, t, 7).value_or(PhysicalType::kByteArray); break;
      case 4: c->codec = static_cast<Codec>(d_.I32(t)); break;
      case 5: c->num_values = d_.I64(t); break;
      case 7: c->total_compressed_size = d_.I64(t); break;
      case 9: c->data_page_offset = d_.I64(t); break;
      case 11: c->dictionary_page_offset = d_.I64(t); break;
      default: return false;
    }
    return true;
  });
  constexpr unsigned kRequired = (1u << 1) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 9);
  if ((seen & kRequired) != kRequired) d_.Fail("column metadata without a required field");
}

FooterColumnChunk FooterParser::ReadColumnChunk(T type) {
  FooterColumnChunk c;
  bool has_meta = false;
  bool encrypted = false;
  d_.ReadStruct(type, [&](int16_t id, T t) {
    if (id == 1 && !d_.Binary(t).empty()) Unsupported("column chunk stored in another file");
    if (id == 3) {
      ReadColumnMetaData(t, &c);
      has_meta = true;
    }
    if (id == 8 || id == 9) encrypted = true;
    return id == 1 || id == 3;
  });
  if (encrypted) Unsupported("encrypted column chunk");
  if (!has_meta && unsupported_.ok()) d_.Fail("column chunk without metadata");
  return c;
}

FooterRowGroup FooterParser::ReadRowGroup(T type) {
  FooterRowGroup g;
  bool has_columns = false;
  bool has_rows = false;
  d_.ReadStruct(type, [&](int16_t id, T t) {
    if (id == 1) {
      T elem;
      const uint32_t n = d_.ListBegin(t, &elem);
      for (uint32_t k = 0; k < n && d_.ok(); ++k) g.columns.push_back(ReadColumnChunk(elem));
      has_columns = true;
    } else if (id == 3) {
      g.num_rows = d_.I64(t);
      has_rows = true;
    }
    return id == 1 || id == 3;
  });
  if (!has_columns || !has_rows) d_.Fail("row group without columns or num_rows");
  if (g.num_rows < 0) d_.Fail("row group of " + std::to_string(g.num_rows) + " rows");
  return g;
}

void FooterParser::ReadFileField(int16_t id, T t, Footer* f, bool* handled) {
  T elem;
  *handled = true;
  switch (id) {
    case 1: f->version = d_.I32(t); return;
    case 2: {
      const uint32_t n = d_.ListBegin(t, &elem);
      if (n > kMaxSchemaElements) return d_.Fail("schema of " + std::to_string(n) + " elements");
      for (uint32_t k = 0; k < n && d_.ok(); ++k) f->schema.push_back(ReadSchemaElement(d_, elem));
      return;
    }
    case 3: f->num_rows = d_.I64(t); return;
    case 4: {
      const uint32_t n = d_.ListBegin(t, &elem);
      for (uint32_t k = 0; k < n && d_.ok(); ++k) f->row_groups.push_back(ReadRowGroup(elem));
      return;
    }
    case 5: {
      const uint32_t n = d_.ListBegin(t, &elem);
      if (n > kMaxKeyValuePairs) return d_.Fail(std::to_string(n) + " key-value pairs");
      for (uint32_t k = 0; k < n && d_.ok(); ++k) {
        KeyValue kv;
        d_.ReadStruct(elem, [&](int16_t fid, T ft) {
          if (fid == 1) kv.key = std::string(d_.Binary(ft));
          if (fid == 2) kv.value = std::string(d_.Binary(ft));
          return fid == 1 || fid == 2;
        });
        f->key_value_metadata.push_back(std::move(kv));
      }
      return;
    }
    case 6: f->created_by = std::string(d_.Binary(t)); return;
    case 8: Unsupported("encrypted file"); break;
    default: break;
  }
  *handled = false;
}

Result<Footer> FooterParser::Parse() {
  Footer f;
  unsigned seen = 0;
  d_.ReadStruct(T::kStruct, [&](int16_t id, T t) {
    if (id > 0 && id < 16) seen |= 1u << id;
    bool handled;
    ReadFileField(id, t, &f, &handled);
    return handled;
  });
  if (!unsupported_.ok()) return unsupported_;
  constexpr unsigned kRequired = (1u << 2) | (1u << 3) | (1u << 4);
  if (d_.ok() && (seen & kRequired) != kRequired) {
    d_.Fail("file metadata without schema, num_rows or row_groups");
  }
  if (!d_.ok()) return DataLossError("footer: " + d_.error());
  return f;
}

}  // namespace

Result<Footer> ParseFooter(std::string_view bytes) { return FooterParser(bytes).Parse(); }

}  // namespace sluice::format::parquet
