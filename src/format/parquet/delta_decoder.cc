#include "format/parquet/delta_decoder.h"

#include <algorithm>

namespace sluice::format::parquet {
namespace {

// Blocks of more values than this are refused (writers use 128 or 256).
constexpr uint64_t kMaxBlockValues = 1 << 16;

bool Uleb(std::string_view d, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= d.size()) return false;
    const auto b = static_cast<uint8_t>(d[(*pos)++]);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Bits [bit, bit + width) of p, least significant first. REQUIRES: the bytes are there.
uint64_t Bits(const char* p, uint64_t bit, int width) {
  uint64_t v = 0;
  int got = 0;
  size_t at = bit / 8;
  int skip = static_cast<int>(bit % 8);
  while (got < width) {
    const uint64_t b = static_cast<uint64_t>(static_cast<uint8_t>(p[at++])) >> skip;
    v |= b << got;
    got += 8 - skip;
    skip = 0;
  }
  return width < 64 ? v & ((uint64_t{1} << width) - 1) : v;
}

Status Malformed(const std::string& what) { return DataLossError("DELTA_BINARY_PACKED " + what); }

}  // namespace

Status DeltaBinaryPackedDecoder::Init(std::string_view data, uint64_t max_values) {
  *this = DeltaBinaryPackedDecoder();
  data_ = data;
  uint64_t first = 0;
  if (!Uleb(data, &pos_, &block_values_) || !Uleb(data, &pos_, &miniblocks_) ||
      !Uleb(data, &pos_, &count_) || !Uleb(data, &pos_, &first)) {
    return Malformed("header cut short");
  }
  if (block_values_ == 0 || block_values_ % 128 != 0 || block_values_ > kMaxBlockValues ||
      miniblocks_ == 0 || block_values_ % miniblocks_ != 0 ||
      (block_values_ / miniblocks_) % 32 != 0) {
    return Malformed("blocks of " + std::to_string(block_values_) + " values in " +
                     std::to_string(miniblocks_) + " miniblocks");
  }
  if (count_ > max_values) {
    return Malformed("header announces " + std::to_string(count_) + " values in a page of " +
                     std::to_string(max_values));
  }
  per_miniblock_ = block_values_ / miniblocks_;
  last_ = static_cast<uint64_t>(UnZigZag(first));
  header_end_ = pos_;
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::StartBlock() {
  uint64_t min_delta = 0;
  if (!Uleb(data_, &pos_, &min_delta)) return Malformed("block header cut short");
  min_delta_ = UnZigZag(min_delta);
  if (data_.size() - pos_ < miniblocks_) return Malformed("bit widths cut short");
  widths_at_ = pos_;
  miniblock_at_ = pos_ + miniblocks_;
  in_block_ = 0;
  in_a_block_ = true;
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::Next(int64_t* v) {
  if (returned_ >= count_) {
    return Malformed("values end after " + std::to_string(returned_));
  }
  if (returned_++ > 0) {
    if (!in_a_block_ || in_block_ == block_values_) SLUICE_RETURN_IF_ERROR(StartBlock());
    const uint64_t mini = in_block_ / per_miniblock_;
    const uint64_t j = in_block_ % per_miniblock_;
    const int width = static_cast<uint8_t>(data_[widths_at_ + mini]);
    if (j == 0 && mini > 0) {
      const int previous = static_cast<uint8_t>(data_[widths_at_ + mini - 1]);
      miniblock_at_ += per_miniblock_ * static_cast<uint64_t>(previous) / 8;
    }
    if (width > 64) return Malformed("bit width " + std::to_string(width));
    if (j == 0 && data_.size() - std::min(miniblock_at_, data_.size()) <
                      per_miniblock_ * static_cast<uint64_t>(width) / 8) {
      return Malformed("miniblock cut short");
    }
    last_ +=
        static_cast<uint64_t>(min_delta_) + Bits(data_.data() + miniblock_at_, j * width, width);
    if (++in_block_ == block_values_) {
      pos_ = miniblock_at_ + per_miniblock_ * static_cast<uint64_t>(width) / 8;
    }
  }
  *v = static_cast<int64_t>(last_);
  return Status::Ok();
}

Status DeltaBinaryPackedDecoder::End(size_t* end) const {
  size_t pos = header_end_;
  uint64_t remaining = count_ > 0 ? count_ - 1 : 0;
  while (remaining > 0) {
    uint64_t min_delta = 0;
    if (!Uleb(data_, &pos, &min_delta)) return Malformed("block header cut short");
    if (data_.size() - pos < miniblocks_) return Malformed("bit widths cut short");
    const uint64_t values = std::min(remaining, block_values_);
    const uint64_t needed = (values + per_miniblock_ - 1) / per_miniblock_;
    uint64_t bytes = 0;
    for (uint64_t m = 0; m < needed; ++m) {
      const int width = static_cast<uint8_t>(data_[pos + m]);
      if (width > 64) return Malformed("bit width " + std::to_string(width));
      bytes += per_miniblock_ * static_cast<uint64_t>(width) / 8;
    }
    pos += miniblocks_;
    if (data_.size() - pos < bytes) return Malformed("miniblock cut short");
    pos += bytes;
    remaining -= values;
  }
  *end = pos;
  return Status::Ok();
}

}  // namespace sluice::format::parquet
