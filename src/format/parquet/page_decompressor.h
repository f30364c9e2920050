// Decompression of Parquet page bodies by the file's CompressionCodec (parquet-format
// Compression.md): SNAPPY (raw snappy blocks), GZIP (RFC 1952 members; zlib streams too), ZSTD
// (RFC 8878 frames). The reading half of page_compressor.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "format/parquet/parquet_types.h"

namespace sluice::format::parquet {

// "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW" or the number.
std::string CodecName(Codec codec);

// Keeps a zstd context and an inflate stream between pages. Not thread-safe.
class PageDecompressor {
 public:
  PageDecompressor();
  ~PageDecompressor();
  PageDecompressor(const PageDecompressor&) = delete;
  PageDecompressor& operator=(const PageDecompressor&) = delete;

  // Replaces `*out` with `in` decompressed, which must be exactly `size` bytes. Allocates at
  // most size + 1 bytes, and only when the codec's format can expand `in` that far (the caller
  // bounds `size` too). kDataLoss when the data is corrupt or its size differs; kUnimplemented for
  // codecs other than SNAPPY, GZIP and ZSTD. REQUIRES: codec is not kUncompressed (its page body is
  // used as it is).
  Status Decompress(Codec codec, std::string_view in, size_t size, std::string* out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::format::parquet
