#include "format/compression.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace sluice::format {
namespace {

constexpr size_t kChunkBytes = 256 * 1024;
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper

Status ZstdError(size_t rc, const char* what) {
  return InternalError(std::string("zstd ") + what + ": " + ZSTD_getErrorName(rc));
}

// A block compressor's zstd settings. Level 3 (also the default, 0) keeps zstd's level-3
// parameters but for two: for inputs over 256 KiB, such as 1 MiB Parquet pages, a smaller hash
// table of short matches (chainLog 12 instead of 16) and matches of 6 bytes at least
// (instead of 5). On pages of spans that compressed 1.09x as fast, to files no larger
// (docs/benchmarks.md, "zstd's settings for pages"). Any zstd decoder reads the frames.
Status SetBlockParameters(ZSTD_CCtx* cctx, int level) {
  auto set = [cctx](ZSTD_cParameter p, int value) -> Status {
    size_t rc = ZSTD_CCtx_setParameter(cctx, p, value);
    return ZSTD_isError(rc) ? ZstdError(rc, "setParameter") : Status::Ok();
  };
  if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
  SLUICE_RETURN_IF_ERROR(set(ZSTD_c_compressionLevel, level));
  if (level != 3) return Status::Ok();
  SLUICE_RETURN_IF_ERROR(set(ZSTD_c_chainLog, 12));
  return set(ZSTD_c_minMatch, 6);
}

// Compresses `input` as one gzip member with `zs`, freshly initialized or reset.
Status Deflate(z_stream& zs, std::string_view input, std::string* out) {
  out->resize(deflateBound(&zs, input.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) return InternalError("deflate did not finish");
  out->resize(zs.total_out);
  return Status::Ok();
}

Status GzipBlock(std::string_view input, int level, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, kGzipWindowBits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return InternalError("deflateInit2 failed");
  }
  Status s = Deflate(zs, input, out);
  deflateEnd(&zs);
  return s;
}

class PassThroughSink : public OutputSink {
 public:
  explicit PassThroughSink(OutputSink& inner) : inner_(inner) {}
  Status Append(std::string_view bytes) override { return inner_.Append(bytes); }
  Status AppendOwned(std::string* bytes) override { return inner_.AppendOwned(bytes); }
  Status Close() override { return inner_.Close(); }

 private:
  OutputSink& inner_;
};

class ZstdSink : public OutputSink {
 public:
  ZstdSink(int level, OutputSink& inner) : inner_(inner), cctx_(ZSTD_createCCtx()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    out_.resize(ZSTD_CStreamOutSize());
  }
  ~ZstdSink() override { ZSTD_freeCCtx(cctx_); }

  Status Append(std::string_view bytes) override { return Drive(bytes, ZSTD_e_continue); }
  Status Close() override {
    SLUICE_RETURN_IF_ERROR(Drive({}, ZSTD_e_end));
    return inner_.Close();
  }

 private:
  Status Drive(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    while (true) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(rc)) return ZstdError(rc, "compressStream2");
      if (out.pos > 0) SLUICE_RETURN_IF_ERROR(inner_.Append({out_.data(), out.pos}));
      bool done = mode == ZSTD_e_end ? rc == 0 : in.pos == in.size;
      if (done) return Status::Ok();
    }
  }

  OutputSink& inner_;
  ZSTD_CCtx* cctx_;
  std::string out_;
};

class GzipSink : public OutputSink {
 public:
  GzipSink(int level, OutputSink& inner) : inner_(inner) {
    ok_ = deflateInit2(&zs_, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED,
                       kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    out_.resize(kChunkBytes);
  }
  ~GzipSink() override { deflateEnd(&zs_); }

  Status Append(std::string_view bytes) override { return Drive(bytes, Z_NO_FLUSH); }
  Status Close() override {
    SLUICE_RETURN_IF_ERROR(Drive({}, Z_FINISH));
    return inner_.Close();
  }

 private:
  Status Drive(std::string_view bytes, int flush) {
    if (!ok_) return InternalError("deflateInit2 failed");
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    zs_.avail_in = static_cast<uInt>(bytes.size());
    while (true) {
      zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
      zs_.avail_out = static_cast<uInt>(out_.size());
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return InternalError("deflate failed");
      size_t produced = out_.size() - zs_.avail_out;
      if (produced > 0) SLUICE_RETURN_IF_ERROR(inner_.Append({out_.data(), produced}));
      bool done = flush == Z_FINISH ? rc == Z_STREAM_END : zs_.avail_in == 0 && zs_.avail_out > 0;
      if (done) return Status::Ok();
    }
  }

  OutputSink& inner_;
  z_stream zs_{};
  bool ok_ = false;
  std::string out_;
};

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kZstd: return "zstd";
    case Compression::kSnappy: return "snappy";
    case Compression::kGzip: return "gzip";
  }
  return "unknown";
}

Result<Compression> ParseCompression(std::string_view name) {
  if (name == "none" || name == "uncompressed") return Compression::kNone;
  if (name == "zstd") return Compression::kZstd;
  if (name == "snappy") return Compression::kSnappy;
  if (name == "gzip") return Compression::kGzip;
  return InvalidArgumentError("unknown compression \"" + std::string(name) +
                              "\" (expected none, zstd, snappy or gzip)");
}

Status CompressBlock(Compression codec, std::string_view input, int level, std::string* out) {
  switch (codec) {
    case Compression::kNone: out->assign(input); return Status::Ok();
    case Compression::kSnappy:
      out->clear();
      snappy::Compress(input.data(), input.size(), out);
      return Status::Ok();
    case Compression::kGzip: return GzipBlock(input, level, out);
    case Compression::kZstd: return BlockCompressor(codec, level).Compress(input, out);
  }
  return InternalError("unknown codec");
}

struct BlockCompressor::State {
  ZSTD_CCtx* zstd = nullptr;
  z_stream gzip{};
  bool gzip_ready = false;

  ~State() {
    ZSTD_freeCCtx(zstd);
    if (gzip_ready) deflateEnd(&gzip);
  }
};

BlockCompressor::BlockCompressor(Compression codec, int level) : codec_(codec), level_(level) {}

BlockCompressor::~BlockCompressor() = default;

Status BlockCompressor::Compress(std::string_view input, std::string* out) {
  if (codec_ != Compression::kZstd && codec_ != Compression::kGzip) {
    return CompressBlock(codec_, input, level_, out);
  }
  if (state_ == nullptr) state_ = std::make_unique<State>();
  if (codec_ == Compression::kZstd) {
    if (state_->zstd == nullptr) {
      // Kept only once every setting took, so that a failure here is met again next time
      // rather than leaving a context with some of them.
      ZSTD_CCtx* cctx = ZSTD_createCCtx();
      if (cctx == nullptr) return InternalError("zstd: cannot create a context");
      const Status set = SetBlockParameters(cctx, level_);
      if (!set.ok()) {
        ZSTD_freeCCtx(cctx);
        return set;
      }
      state_->zstd = cctx;
    }
    out->resize(ZSTD_compressBound(input.size()));
    size_t rc = ZSTD_compress2(state_->zstd, out->data(), out->size(), input.data(), input.size());
    if (ZSTD_isError(rc)) return ZstdError(rc, "compress");
    out->resize(rc);
    return Status::Ok();
  }
  z_stream& zs = state_->gzip;
  if (!state_->gzip_ready) {
    if (deflateInit2(&zs, level_ == 0 ? Z_DEFAULT_COMPRESSION : level_, Z_DEFLATED, kGzipWindowBits,
                     8, Z_DEFAULT_STRATEGY) != Z_OK) {
      return InternalError("deflateInit2 failed");
    }
    state_->gzip_ready = true;
  } else if (deflateReset(&zs) != Z_OK) {
    return InternalError("deflateReset failed");
  }
  return Deflate(zs, input, out);
}

Result<std::unique_ptr<OutputSink>> NewCompressingSink(Compression codec, int level,
                                                       OutputSink& inner) {
  switch (codec) {
    case Compression::kNone:
      return std::unique_ptr<OutputSink>(std::make_unique<PassThroughSink>(inner));
    case Compression::kZstd:
      return std::unique_ptr<OutputSink>(
          std::make_unique<ZstdSink>(level == 0 ? ZSTD_CLEVEL_DEFAULT : level, inner));
    case Compression::kGzip:
      return std::unique_ptr<OutputSink>(std::make_unique<GzipSink>(level, inner));
    case Compression::kSnappy: break;
  }
  return InvalidArgumentError("snappy is not available for JSON Lines files; use gzip or zstd");
}

}  // namespace sluice::format
