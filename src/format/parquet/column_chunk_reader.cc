#include "format/parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "format/parquet/rle_encoder.h"

namespace sluice::format::parquet {
namespace {

// Bytes read from the file at a time (more when a page is larger).
constexpr size_t kReadAheadBytes = 1 << 20;
// A page header is first looked for in this many bytes; more are read when it is longer.
constexpr size_t kHeaderGuessBytes = 4096;

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

Status ColumnChunkReader::Fail(const Status& s) const {
  return s.WithContext("page at byte " + std::to_string(page_offset_));
}

// A view of the chunk's bytes [offset, offset + length), from the current window or a new one
// that starts at `offset` and reads `read_ahead` bytes if that is more.
Result<std::string_view> ColumnChunkReader::Bytes(int64_t offset, size_t length,
                                                  size_t read_ahead) {
  const int64_t window_end = window_offset_ + static_cast<int64_t>(window_view_.size());
  if (offset >= window_offset_ && offset + static_cast<int64_t>(length) <= window_end) {
    return window_view_.substr(static_cast<size_t>(offset - window_offset_), length);
  }
  const size_t n = std::max(length, std::min(read_ahead, static_cast<size_t>(end_ - offset)));
  window_view_ = {};
  SLUICE_ASSIGN_OR_RETURN(window_view_, file_.ReadAt(offset, n, &window_));
  window_offset_ = offset;
  return window_view_.substr(0, length);
}

Status ColumnChunkReader::Start(const FooterColumnChunk& chunk, int64_t data_end) {
  dictionary_.Clear();
  data_seen_ = false;
  codec_ = chunk.codec;
  page_left_ = 0;
  values_left_ = 0;
  levels_ready_ = false;
  window_view_ = {};
  int64_t start = chunk.data_page_offset;
  if (chunk.dictionary_page_offset && *chunk.dictionary_page_offset > 0) {
    start = std::min(start, *chunk.dictionary_page_offset);
  }
  page_offset_ = start;
  if (start < 4 || chunk.total_compressed_size < 0 || start > data_end ||
      chunk.total_compressed_size > data_end - start || chunk.num_values < 0) {
    return DataLossError("column chunk at byte " + std::to_string(start) + " of " +
                         std::to_string(chunk.total_compressed_size) + " bytes and " +
                         std::to_string(chunk.num_values) + " values lies outside the data (" +
                         std::to_string(data_end) + " bytes)");
  }
  pos_ = start;
  end_ = start + chunk.total_compressed_size;
  values_left_ = chunk.num_values;
  return Status::Ok();
}

Status ColumnChunkReader::ReadHeader(PageHeaderInfo* h) {
  const auto avail = static_cast<size_t>(end_ - pos_);
  const size_t limit = std::min(avail, kMaxPageHeaderBytes);
  size_t want = std::min(avail, kHeaderGuessBytes);
  while (true) {
    // A header that is not in the window is read on its own: the window that follows starts
    // at the page body, whose size the header gives.
    SLUICE_ASSIGN_OR_RETURN(std::string_view view, Bytes(pos_, want, want));
    size_t header_size = 0;
    bool truncated = false;
    Result<PageHeaderInfo> parsed = ParsePageHeader(view, &header_size, &truncated);
    if (parsed.ok()) {
      *h = *parsed;
      pos_ += static_cast<int64_t>(header_size);
      return Status::Ok();
    }
    if (!truncated || want >= limit) {
      if (truncated) {
        return DataLossError("page header truncated at byte " + std::to_string(end_) +
                             ", the end of the column chunk");
      }
      return parsed.status();
    }
    want = std::min(limit, want * 8);
  }
}

Status ColumnChunkReader::NextPage() {
  page_offset_ = pos_;
  PageHeaderInfo h;
  SLUICE_RETURN_IF_ERROR(ReadHeader(&h));
  if (h.compressed_page_size > end_ - pos_) {
    return DataLossError("page of " + std::to_string(h.compressed_page_size) +
                         " bytes runs past the column chunk's end at byte " + std::to_string(end_));
  }
  if (h.uncompressed_page_size > kMaxPageBytes || h.compressed_page_size > kMaxPageBytes) {
    return DataLossError("page of " + std::to_string(h.uncompressed_page_size) +
                         " bytes is larger than the limit of " + std::to_string(kMaxPageBytes));
  }
  SLUICE_ASSIGN_OR_RETURN(
      std::string_view body,
      Bytes(pos_, static_cast<size_t>(h.compressed_page_size), kReadAheadBytes));
  pos_ += h.compressed_page_size;
  switch (h.type) {
    case PageType::kDictionaryPage: return LoadDictionary(h, body);
    case PageType::kDataPage:
    case PageType::kDataPageV2: return LoadDataPage(h, body);
    default: return Status::Ok();  // index pages and unknown page types are skipped
  }
}

Status ColumnChunkReader::Decompressed(std::string_view body, size_t size, std::string_view* out) {
  if (codec_ == Codec::kUncompressed) {
    *out = body;
    return Status::Ok();
  }
  SLUICE_RETURN_IF_ERROR(decompressor_.Decompress(codec_, body, size, &page_));
  *out = page_;
  return Status::Ok();
}

Status ColumnChunkReader::LoadDictionary(const PageHeaderInfo& h, std::string_view body) {
  if (data_seen_ || dictionary_.loaded()) {
    return DataLossError("dictionary page after the column chunk's first page");
  }
  if (h.encoding != Encoding::kPlain && h.encoding != Encoding::kPlainDictionary) {
    return UnimplementedError("dictionary page encoded as " + EncodingName(h.encoding));
  }
  std::string entries;
  if (codec_ == Codec::kUncompressed) {
    entries.assign(body);  // the read window is reused for the next pages
  } else {
    SLUICE_RETURN_IF_ERROR(
        decompressor_.Decompress(codec_, body, h.uncompressed_page_size, &entries));
  }
  return dictionary_.Load(plan_.physical, plan_.type_length, std::move(entries), h.num_values);
}

Status ColumnChunkReader::LevelsV1(Encoding encoding, int max_level, std::string_view* rest,
                                   RleHybridDecoder* d) {
  if (encoding == Encoding::kBitPacked) {
    return UnimplementedError("levels encoded as BIT_PACKED (deprecated) are not read");
  }
  if (encoding != Encoding::kRle) {
    return DataLossError("levels encoded as " + EncodingName(encoding));
  }
  if (rest->size() < 4 || LoadU32(rest->data()) > rest->size() - 4) {
    return DataLossError("levels with a length beyond the page");
  }
  const uint32_t n = LoadU32(rest->data());
  *d = RleHybridDecoder(rest->substr(4, n), BitWidth(static_cast<uint64_t>(max_level)));
  rest->remove_prefix(4 + static_cast<size_t>(n));
  return Status::Ok();
}

Status ColumnChunkReader::LoadDataPage(const PageHeaderInfo& h, std::string_view body) {
  data_seen_ = true;
  std::string_view values;
  if (h.type == PageType::kDataPage) {
    SLUICE_RETURN_IF_ERROR(Decompressed(body, h.uncompressed_page_size, &values));
    if (plan_.max_rep > 0) {
      SLUICE_RETURN_IF_ERROR(
          LevelsV1(h.repetition_level_encoding, plan_.max_rep, &values, &rep_levels_));
    }
    if (plan_.max_def > 0) {
      SLUICE_RETURN_IF_ERROR(
          LevelsV1(h.definition_level_encoding, plan_.max_def, &values, &def_levels_));
    }
  } else {
    // v2: levels first, never compressed, without length prefixes; then the values.
    const auto rl = static_cast<size_t>(h.repetition_levels_byte_length);
    const auto dl = static_cast<size_t>(h.definition_levels_byte_length);
    rep_levels_ = RleHybridDecoder(body.substr(0, rl), BitWidth(plan_.max_rep));
    def_levels_ = RleHybridDecoder(body.substr(rl, dl), BitWidth(plan_.max_def));
    values = body.substr(rl + dl);
    if (h.is_compressed && codec_ != Codec::kUncompressed) {
      SLUICE_RETURN_IF_ERROR(Decompressed(values, h.uncompressed_page_size - rl - dl, &values));
    }
  }
  SLUICE_RETURN_IF_ERROR(values_.Init(plan_.physical, plan_.type_length, h.encoding, values,
                                      &dictionary_, static_cast<uint64_t>(h.num_values)));
  page_left_ = h.num_values;
  return Status::Ok();
}

Status ColumnChunkReader::NextLevels() {
  while (page_left_ == 0) {
    if (pos_ >= end_) {
      return DataLossError("column chunk ends at byte " + std::to_string(end_) + " with " +
                           std::to_string(values_left_) + " values missing");
    }
    Status s = NextPage();
    if (!s.ok()) return Fail(s);
  }
  --page_left_;
  rep_ = 0;
  def_ = 0;
  if (plan_.max_rep > 0 && !rep_levels_.Next(&rep_)) {
    return Fail(DataLossError("repetition levels end before the page's values"));
  }
  if (plan_.max_def > 0 && !def_levels_.Next(&def_)) {
    return Fail(DataLossError("definition levels end before the page's values"));
  }
  if (rep_ > static_cast<uint32_t>(plan_.max_rep) || def_ > static_cast<uint32_t>(plan_.max_def)) {
    return Fail(DataLossError("level above the column's maximum"));
  }
  levels_ready_ = true;
  return Status::Ok();
}

Status ColumnChunkReader::PeekRep(uint32_t* rep) {
  if (!levels_ready_) SLUICE_RETURN_IF_ERROR(NextLevels());
  *rep = rep_;
  return Status::Ok();
}

Status ColumnChunkReader::Take(uint32_t* def, PhysicalValue* value) {
  if (!levels_ready_) SLUICE_RETURN_IF_ERROR(NextLevels());
  levels_ready_ = false;
  --values_left_;
  *def = def_;
  if (def_ == static_cast<uint32_t>(plan_.max_def)) {
    Status s = values_.Next(value);
    if (!s.ok()) return Fail(s);
  }
  return Status::Ok();
}

}  // namespace sluice::format::parquet
