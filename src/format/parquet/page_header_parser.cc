// ParsePageHeader: PageHeader with its data page (v1, v2) and dictionary page headers, field
// ids as in parquet.thrift. Page statistics and CRCs are skipped.
#include <algorithm>

#include "format/parquet/metadata_reader.h"
#include "format/parquet/thrift_compact.h"

namespace sluice::format::parquet {
namespace {

using D = ThriftCompactDecoder;
using T = ThriftType;

void ReadDataPageV1(D& d, T type, PageHeaderInfo* h, int16_t* sub) {
  d.ReadStruct(type, [&](int16_t id, T t) {
    switch (id) {
      case 1: h->num_values = d.I32(t); return true;
      case 2: h->encoding = static_cast<Encoding>(d.I32(t)); return true;
      case 3: h->definition_level_encoding = static_cast<Encoding>(d.I32(t)); return true;
      case 4: h->repetition_level_encoding = static_cast<Encoding>(d.I32(t)); return true;
      default: return false;
    }
  });
  *sub = 5;
}

void ReadDataPageV2(D& d, T type, PageHeaderInfo* h, int16_t* sub) {
  d.ReadStruct(type, [&](int16_t id, T t) {
    switch (id) {
      case 1: h->num_values = d.I32(t); return true;
      case 4: h->encoding = static_cast<Encoding>(d.I32(t)); return true;
      case 5: h->definition_levels_byte_length = d.I32(t); return true;
      case 6: h->repetition_levels_byte_length = d.I32(t); return true;
      case 7: h->is_compressed = d.Bool(t); return true;
      default: return false;  // num_nulls, num_rows, statistics
    }
  });
  *sub = 8;
}

void ReadDictionaryPage(D& d, T type, PageHeaderInfo* h, int16_t* sub) {
  d.ReadStruct(type, [&](int16_t id, T t) {
    if (id == 1) h->num_values = d.I32(t);
    if (id == 2) h->encoding = static_cast<Encoding>(d.I32(t));
    return id == 1 || id == 2;
  });
  *sub = 7;
}

// Checks what the rest of the reader relies on: sizes and counts that are not negative, and
// the sub-header (field `sub`) the page type needs.
void Validate(D& d, const PageHeaderInfo& h, int16_t sub) {
  if (!d.ok()) return;
  if (h.uncompressed_page_size < 0 || h.compressed_page_size < 0 || h.num_values < 0) {
    return d.Fail("page header with a negative size or count");
  }
  const int16_t want = h.type == PageType::kDataPage         ? 5
                       : h.type == PageType::kDictionaryPage ? 7
                       : h.type == PageType::kDataPageV2     ? 8
                                                             : sub;
  if (sub != want) return d.Fail("page header without its data or dictionary header");
  if (h.type != PageType::kDataPageV2) return;
  if (h.definition_levels_byte_length < 0 || h.repetition_levels_byte_length < 0 ||
      static_cast<int64_t>(h.definition_levels_byte_length) + h.repetition_levels_byte_length >
          std::min(h.compressed_page_size, h.uncompressed_page_size)) {
    d.Fail("data page v2 with level lengths beyond the page");
  }
}

}  // namespace

Result<PageHeaderInfo> ParsePageHeader(std::string_view bytes, size_t* header_size,
                                       bool* truncated) {
  D d(bytes);
  PageHeaderInfo h;
  bool has_type = false;
  int16_t sub = 0;
  d.ReadStruct(T::kStruct, [&](int16_t id, T t) {
    switch (id) {
      case 1:
        h.type = static_cast<PageType>(d.I32(t));
        has_type = true;
        return true;
      case 2: h.uncompressed_page_size = d.I32(t); return true;
      case 3: h.compressed_page_size = d.I32(t); return true;
      case 5: ReadDataPageV1(d, t, &h, &sub); return true;
      case 7: ReadDictionaryPage(d, t, &h, &sub); return true;
      case 8: ReadDataPageV2(d, t, &h, &sub); return true;
      default: return false;
    }
  });
  if (d.ok() && !has_type) d.Fail("page header without a type");
  Validate(d, h, sub);
  if (truncated != nullptr) *truncated = d.truncated();
  if (!d.ok()) return DataLossError("page header: " + d.error());
  *header_size = d.position();
  return h;
}

}  // namespace sluice::format::parquet
