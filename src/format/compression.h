// Compression codecs of the file formats: block compression of Parquet pages (ZSTD, SNAPPY,
// GZIP per the Parquet spec's CompressionCodec) and streaming gzip (RFC 1952) or zstd frames
// (RFC 8878) for JSON Lines files.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "format/output_sink.h"

namespace sluice::format {

enum class Compression { kNone, kZstd, kSnappy, kGzip };

// "none", "zstd", "snappy", "gzip".
std::string_view CompressionName(Compression c);
// Inverse of CompressionName ("uncompressed" also means kNone); kInvalidArgument otherwise.
Result<Compression> ParseCompression(std::string_view name);

// Replaces `out` with `input` compressed as one block (gzip: one member). `level` 0 means the
// codec's default (zstd: level 3; zstd's level 3 here has a smaller hash table and longer
// minimum matches, which suit Parquet pages: docs/formats.md); snappy has no levels. kInternal
// if the codec library fails.
Status CompressBlock(Compression codec, std::string_view input, int level, std::string* out);

// Compresses one block after another with one codec, as CompressBlock does, but keeps the
// codec's working state (a zstd context, a deflate stream) between blocks instead of setting
// it up for each one. Not thread-safe.
class BlockCompressor {
 public:
  BlockCompressor(Compression codec, int level);
  ~BlockCompressor();
  BlockCompressor(const BlockCompressor&) = delete;
  BlockCompressor& operator=(const BlockCompressor&) = delete;

  // As CompressBlock(codec, input, level, out).
  Status Compress(std::string_view input, std::string* out);

 private:
  struct State;
  Compression codec_;
  int level_;
  std::unique_ptr<State> state_;  // created on first use
};

// A sink that compresses everything appended and passes the compressed stream to `inner`,
// in bounded chunks; Close() ends the stream and closes `inner`. `inner` must outlive it.
// kInvalidArgument for kSnappy (no streaming file format); kNone returns a pass-through.
Result<std::unique_ptr<OutputSink>> NewCompressingSink(Compression codec, int level,
                                                       OutputSink& inner);

}  // namespace sluice::format
