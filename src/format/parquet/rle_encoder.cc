#include "format/parquet/rle_encoder.h"

#include <algorithm>

namespace sluice::format::parquet {
namespace {

// Readers commonly keep a bit-packed run header in one byte: at most 63 groups per run.
constexpr size_t kMaxGroupsPerRun = 63;
constexpr size_t kMinRleRun = 8;

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendRleRun(uint32_t value, size_t count, int bit_width, std::string* out) {
  AppendVarint(static_cast<uint64_t>(count) << 1, out);
  int bytes = (bit_width + 7) / 8;
  for (int b = 0; b < bytes; ++b) out->push_back(static_cast<char>((value >> (8 * b)) & 0xFF));
}

// Emits values as bit-packed runs of at most kMaxGroupsPerRun groups.
void AppendBitPackedRuns(std::span<const uint32_t> values, int bit_width, std::string* out) {
  size_t k = 0;
  while (k < values.size()) {
    size_t n = std::min(values.size() - k, kMaxGroupsPerRun * 8);
    size_t groups = (n + 7) / 8;
    AppendVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
    AppendBitPacked(values.subspan(k, n), bit_width, out);
    k += n;
  }
}

}  // namespace

int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

void AppendBitPacked(std::span<const uint32_t> values, int bit_width, std::string* out) {
  size_t end = out->size() + (values.size() + 7) / 8 * bit_width;
  uint64_t acc = 0;  // pending bits, LSB first; never more than 39
  int bits = 0;
  for (uint32_t v : values) {
    acc |= static_cast<uint64_t>(v) << bits;
    bits += bit_width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(acc & 0xFF));
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) out->push_back(static_cast<char>(acc & 0xFF));
  out->resize(end, '\0');
}

void AppendRleHybrid(std::span<const uint32_t> values, int bit_width, std::string* out) {
  size_t pending = 0;  // start of values not yet emitted; they go bit-packed
  size_t i = 0;
  while (i < values.size()) {
    size_t j = i + 1;
    while (j < values.size() && values[j] == values[i]) ++j;
    size_t run = j - i;
    // A bit-packed run in the middle must hold whole groups of 8, so the pending values
    // borrow from the start of this run to fill their last group.
    size_t pad = (8 - (i - pending) % 8) % 8;
    if (run >= pad + kMinRleRun) {
      if (i + pad > pending) {
        AppendBitPackedRuns(values.subspan(pending, i + pad - pending), bit_width, out);
      }
      AppendRleRun(values[i], run - pad, bit_width, out);
      pending = j;
    }
    i = j;
  }
  if (pending < values.size()) {
    AppendBitPackedRuns(values.subspan(pending), bit_width, out);
  }
}

}  // namespace sluice::format::parquet
