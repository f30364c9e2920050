// BYTE_ARRAY columns: RLE_DICTIONARY pages while the chunk's dictionary stays under
// dictionary_max_bytes, PLAIN pages after it outgrows it (both may appear in one chunk, the
// dictionary page first, as the spec allows).
#include <algorithm>
#include <string_view>

#include "format/parquet/byte_array_dictionary.h"
#include "format/parquet/rle_encoder.h"
#include "format/parquet/typed_column_writers.h"

namespace sluice::format::parquet {
namespace {

void AppendPlainByteArray(std::string_view s, std::string* out) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int b = 0; b < 4; ++b) out->push_back(static_cast<char>((n >> (8 * b)) & 0xFF));
  out->append(s);
}

class ByteArrayColumnWriter : public ColumnWriter {
 public:
  ByteArrayColumnWriter(const Column& column, const ColumnWriterOptions& options)
      : ColumnWriter(column, PhysicalType::kByteArray, options),
        dictionary_max_bytes_(options.dictionary_max_bytes),
        use_dictionary_(options.dictionary_max_bytes > 0) {}

 protected:
  void AddValue(const Value& v) override { AddElement(v.s); }

  void AddElement(const std::string& s) override {
    if (!use_dictionary_) {
      AppendPlainByteArray(s, &plain_);
      UpdateMinMax(s);
      return;
    }
    ByteArrayDictionary::Entry e = dictionary_.Add(s);
    indices_.push_back(e.index);
    if (e.added) UpdateMinMax(s);
  }

  size_t PageValueBytes() const override { return plain_.size() + indices_.size() * 4; }

  bool WantsPageBreak() const override {
    return use_dictionary_ && dictionary_.plain().size() > dictionary_max_bytes_;
  }

  Encoding EncodePage(std::string* out) override {
    if (!use_dictionary_) {
      out->append(plain_);
      plain_.clear();
      return Encoding::kPlain;
    }
    int width = std::max(1, BitWidth(dictionary_.size() == 0 ? 0 : dictionary_.size() - 1));
    out->push_back(static_cast<char>(width));
    AppendRleHybrid(indices_, width, out);
    indices_.clear();
    chunk_has_dictionary_ = true;
    // The dictionary outgrew its limit: the rest of this chunk is PLAIN.
    if (dictionary_.plain().size() > dictionary_max_bytes_) use_dictionary_ = false;
    return Encoding::kRleDictionary;
  }

  std::optional<DictionaryPage> TakeDictionary() override {
    std::optional<DictionaryPage> page;
    if (chunk_has_dictionary_) {
      page.emplace();
      page->count = static_cast<int32_t>(dictionary_.size());
      page->plain_values = dictionary_.TakePlain();
    } else {
      dictionary_.TakePlain();
    }
    chunk_has_dictionary_ = false;
    use_dictionary_ = dictionary_max_bytes_ > 0;
    return page;
  }

  void TakeMinMax(Statistics* stats) override {
    if (has_min_max_ && min_.size() <= kMaxStatisticsBytes) stats->min_value = min_;
    if (has_min_max_ && max_.size() <= kMaxStatisticsBytes) stats->max_value = max_;
    has_min_max_ = false;
  }

 private:
  // Byte-wise unsigned order: std::string compares chars as unsigned char.
  void UpdateMinMax(const std::string& s) {
    if (!has_min_max_) {
      min_ = max_ = s;
      has_min_max_ = true;
      return;
    }
    if (s < min_) min_ = s;
    if (s > max_) max_ = s;
  }

  size_t dictionary_max_bytes_;
  bool use_dictionary_;
  bool chunk_has_dictionary_ = false;
  ByteArrayDictionary dictionary_;
  std::vector<uint32_t> indices_;
  std::string plain_;
  bool has_min_max_ = false;
  std::string min_;
  std::string max_;
};

}  // namespace

std::unique_ptr<ColumnWriter> NewByteArrayColumnWriter(const Column& column,
                                                       const ColumnWriterOptions& options) {
  return std::make_unique<ByteArrayColumnWriter>(column, options);
}

}  // namespace sluice::format::parquet
