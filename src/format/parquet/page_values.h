// Decoding the values section of Parquet data pages (parquet-format Encodings.md): PLAIN for
// every physical type, dictionary indices (PLAIN_DICTIONARY, RLE_DICTIONARY) into a column
// chunk's dictionary page, RLE booleans, DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY
// and DELTA_BYTE_ARRAY byte arrays, and BYTE_STREAM_SPLIT. Values come out as physical values;
// what they mean (timestamps, strings, decimals) is decided by the caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "format/parquet/delta_decoder.h"
#include "format/parquet/parquet_types.h"
#include "format/parquet/rle_decoder.h"

namespace sluice::format::parquet {

// "PLAIN", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED", "DELTA_BINARY_PACKED", … or the number.
std::string EncodingName(Encoding e);

// One value as stored. Only the member of its physical type is set: b (BOOLEAN), i (INT32
// sign-extended, INT64), d (FLOAT, DOUBLE), bytes (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96's
// 12 bytes; a view valid until the page or dictionary it came from changes).
struct PhysicalValue {
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view bytes;
};

// The dictionary page of one column chunk, PLAIN-encoded, in a buffer it owns. Entries are
// looked up in place (byte arrays through an offset per entry), so it takes about the page's
// size in memory. Not thread-safe.
class Dictionary {
 public:
  // Takes the page's decompressed bytes. kDataLoss when they hold fewer than `count` entries.
  Status Load(PhysicalType type, int32_t type_length, std::string page, int32_t count);
  void Clear();
  bool loaded() const { return loaded_; }
  uint32_t size() const { return count_; }
  // REQUIRES: index < size().
  void Get(uint32_t index, PhysicalValue* v) const;

 private:
  PhysicalType type_ = PhysicalType::kByteArray;
  int32_t width_ = 0;  // bytes per entry for fixed-width types
  std::string page_;
  std::vector<uint32_t> offsets_;  // byte arrays: where each entry's length prefix starts
  uint32_t count_ = 0;
  bool loaded_ = false;
};

// Reads the values of one data page in order. Not thread-safe; the page bytes and the
// dictionary are borrowed and must outlive it.
class ValueDecoder {
 public:
  // `max_values` bounds the values the page may hold (its level entries). kUnimplemented for
  // encodings other than those above; kDataLoss when the page is dictionary-encoded without a
  // dictionary, an encoding does not fit the type, or its header is malformed.
  Status Init(PhysicalType type, int32_t type_length, Encoding encoding, std::string_view values,
              const Dictionary* dictionary, uint64_t max_values);
  // The next value. kDataLoss naming the value's index when the page has no more or an index
  // is beyond the dictionary.
  Status Next(PhysicalValue* v);

 private:
  Status InitDelta(std::string_view values, uint64_t max_values);
  Status NextPlain(PhysicalValue* v);
  Status NextDeltaBytes(PhysicalValue* v);
  Status NextSplit(PhysicalValue* v);
  Status Exhausted() const;

  PhysicalType type_ = PhysicalType::kByteArray;
  int32_t width_ = 0;
  Encoding encoding_ = Encoding::kPlain;
  std::string_view data_;  // PLAIN values, DELTA_* byte data or BYTE_STREAM_SPLIT streams
  size_t pos_ = 0;
  uint64_t index_ = 0;        // values read so far (the bit position of PLAIN booleans)
  uint64_t split_count_ = 0;  // BYTE_STREAM_SPLIT: values in the page
  const Dictionary* dictionary_ = nullptr;
  RleHybridDecoder rle_;               // dictionary indices or RLE booleans
  DeltaBinaryPackedDecoder integers_;  // values, lengths or prefix lengths
  DeltaBinaryPackedDecoder suffixes_;  // DELTA_BYTE_ARRAY suffix lengths
  std::string value_;  // the last DELTA_BYTE_ARRAY or split FIXED_LEN_BYTE_ARRAY value
};

// Bytes per PLAIN value of a fixed-width type (FIXED_LEN_BYTE_ARRAY: type_length); 0 for
// BOOLEAN (bit-packed) and BYTE_ARRAY (length-prefixed).
int32_t PlainWidth(PhysicalType type, int32_t type_length);

}  // namespace sluice::format::parquet
