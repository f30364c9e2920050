#include "format/parquet/page_decompressor.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <limits>

namespace sluice::format::parquet {

std::string CodecName(Codec codec) {
  static constexpr const char* kNames[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                           "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
  const auto k = static_cast<int32_t>(codec);
  return k >= 0 && k < 8 ? kNames[k] : "codec " + std::to_string(k);
}

struct PageDecompressor::State {
  ZSTD_DCtx* zstd = nullptr;
  z_stream zs{};
  bool zs_ready = false;

  ~State() {
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
    if (zs_ready) inflateEnd(&zs);
  }
};

namespace {

Status SizeMismatch(const std::string& codec, size_t got, size_t want) {
  return DataLossError(codec + " page decompresses to " + (got > want ? "more than " : "") +
                       std::to_string(got) + " bytes, header says " + std::to_string(want));
}

// The most a codec's format can expand `in` to: a snappy copy element of 3 bytes makes at most
// 64; a deflate stream at most 1032 times its size; a zstd block (at least 3 header bytes and
// one more) at most 128 KiB. A page that declares more cannot be right, and is refused before
// its output is allocated.
size_t MaxExpansion(Codec codec, size_t in) {
  switch (codec) {
    case Codec::kSnappy: return in * 22 + 64;
    case Codec::kGzip: return in * 1032 + 1024;
    default: return (in / 3 + 1) * (size_t{128} << 10);
  }
}

Status Zstd(ZSTD_DCtx* dctx, std::string_view in, size_t size, std::string* out) {
  // A first frame that states more than the page's size fails before anything is allocated.
  const unsigned long long stated = ZSTD_getFrameContentSize(in.data(), in.size());
  if (stated == ZSTD_CONTENTSIZE_ERROR) return DataLossError("ZSTD page is not a zstd frame");
  if (stated != ZSTD_CONTENTSIZE_UNKNOWN && stated > size) {
    return SizeMismatch("ZSTD", stated, size);
  }
  out->resize(size);
  const size_t rc = ZSTD_decompressDCtx(dctx, out->data(), size, in.data(), in.size());
  if (ZSTD_getErrorCode(rc) == ZSTD_error_dstSize_tooSmall)
    return SizeMismatch("ZSTD", size + 1, size);
  if (ZSTD_isError(rc)) {
    return DataLossError(std::string("ZSTD page does not decompress: ") + ZSTD_getErrorName(rc));
  }
  if (rc != size) return SizeMismatch("ZSTD", rc, size);
  return Status::Ok();
}

Status Snappy(std::string_view in, size_t size, std::string* out) {
  size_t stated = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &stated)) {
    return DataLossError("SNAPPY page has no valid length");
  }
  if (stated != size) return SizeMismatch("SNAPPY", stated, size);
  out->resize(size);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data())) {
    return DataLossError("SNAPPY page does not decompress");
  }
  return Status::Ok();
}

// Inflates one or more gzip members (or zlib streams) into exactly `size` bytes.
Status Gzip(z_stream& zs, std::string_view in, size_t size, std::string* out) {
  if (in.size() > std::numeric_limits<uInt>::max() || size >= std::numeric_limits<uInt>::max()) {
    return DataLossError("GZIP page too large");
  }
  if (inflateReset(&zs) != Z_OK) return InternalError("inflateReset failed");
  out->resize(size + 1);  // one spare byte tells "more than size" from "exactly size"
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  while (zs.avail_out > 0) {
    const int rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      if (inflateReset(&zs) != Z_OK) return InternalError("inflateReset failed");
      continue;  // the next member
    }
    if (rc != Z_OK) {
      return DataLossError(std::string("GZIP page does not decompress: ") +
                           (zs.msg != nullptr ? zs.msg : "truncated"));
    }
  }
  const size_t produced = out->size() - zs.avail_out;
  if (produced != size) return SizeMismatch("GZIP", produced, size);
  out->resize(size);
  return Status::Ok();
}

}  // namespace

PageDecompressor::PageDecompressor() : state_(std::make_unique<State>()) {}
PageDecompressor::~PageDecompressor() = default;

Status PageDecompressor::Decompress(Codec codec, std::string_view in, size_t size,
                                    std::string* out) {
  if (codec != Codec::kZstd && codec != Codec::kSnappy && codec != Codec::kGzip) {
    return UnimplementedError("compression codec " + CodecName(codec) + " is not read");
  }
  if (size > MaxExpansion(codec, in.size())) {
    return DataLossError(CodecName(codec) + " page of " + std::to_string(in.size()) +
                         " bytes cannot hold the " + std::to_string(size) + " its header declares");
  }
  switch (codec) {
    case Codec::kZstd:
      if (state_->zstd == nullptr) state_->zstd = ZSTD_createDCtx();
      if (state_->zstd == nullptr) return InternalError("ZSTD_createDCtx failed");
      return Zstd(state_->zstd, in, size, out);
    case Codec::kSnappy: return Snappy(in, size, out);
    case Codec::kGzip:
      if (!state_->zs_ready) {
        if (inflateInit2(&state_->zs, 15 + 32) != Z_OK) return InternalError("inflateInit2 failed");
        state_->zs_ready = true;
      }
      return Gzip(state_->zs, in, size, out);
    default: return UnimplementedError("compression codec " + CodecName(codec) + " is not read");
  }
}

}  // namespace sluice::format::parquet
