// Fixed-width columns, PLAIN encoded: INT64 (integers and timestamps), DOUBLE (IEEE 754
// little-endian, NaN left out of statistics, zero bounds widened to -0.0/+0.0 as the spec
// asks) and BOOLEAN (bit-packed, LSB first).
#include <cmath>
#include <cstring>

#include "format/parquet/rle_encoder.h"
#include "format/parquet/typed_column_writers.h"

namespace sluice::format::parquet {
namespace {

template <typename T>
std::string PlainBytes(T v) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  return out;
}

template <typename T>
class NumberColumnWriter : public ColumnWriter {
 public:
  NumberColumnWriter(const Column& column, PhysicalType type, const ColumnWriterOptions& options)
      : ColumnWriter(column, type, options) {}

 protected:
  void AddValue(const Value& v) override {
    T x;
    if constexpr (std::is_same_v<T, double>) {
      x = v.d;
    } else {
      x = v.i;
    }
    size_t at = values_.size();
    values_.resize(at + sizeof(T));
    std::memcpy(values_.data() + at, &x, sizeof(T));
    if constexpr (std::is_same_v<T, double>) {
      if (std::isnan(x)) return;
    }
    if (!has_min_max_ || x < min_) min_ = x;
    if (!has_min_max_ || x > max_) max_ = x;
    has_min_max_ = true;
  }
  void AddElement(const std::string&) override {}
  size_t PageValueBytes() const override { return values_.size(); }
  Encoding EncodePage(std::string* out) override {
    out->append(values_);
    values_.clear();
    return Encoding::kPlain;
  }
  void TakeMinMax(Statistics* stats) override {
    if (has_min_max_) {
      T lo = min_;
      T hi = max_;
      if constexpr (std::is_same_v<T, double>) {
        if (lo == 0) lo = -0.0;
        if (hi == 0) hi = +0.0;
      }
      stats->min_value = PlainBytes(lo);
      stats->max_value = PlainBytes(hi);
    }
    has_min_max_ = false;
  }

 private:
  std::string values_;
  bool has_min_max_ = false;
  T min_{};
  T max_{};
};

class BooleanColumnWriter : public ColumnWriter {
 public:
  BooleanColumnWriter(const Column& column, const ColumnWriterOptions& options)
      : ColumnWriter(column, PhysicalType::kBoolean, options) {}

 protected:
  void AddValue(const Value& v) override {
    bits_.push_back(v.b ? 1 : 0);
    seen_[v.b ? 1 : 0] = true;
  }
  void AddElement(const std::string&) override {}
  size_t PageValueBytes() const override { return bits_.size() / 8; }
  Encoding EncodePage(std::string* out) override {
    AppendBitPacked(bits_, 1, out);  // PLAIN booleans: ceil(n/8) bytes, LSB first
    bits_.clear();
    return Encoding::kPlain;
  }
  void TakeMinMax(Statistics* stats) override {
    if (seen_[0] || seen_[1]) {
      stats->min_value = std::string(1, seen_[0] ? '\0' : '\1');
      stats->max_value = std::string(1, seen_[1] ? '\1' : '\0');
    }
    seen_[0] = seen_[1] = false;
  }

 private:
  std::vector<uint32_t> bits_;
  bool seen_[2] = {false, false};
};

}  // namespace

std::unique_ptr<ColumnWriter> NewInt64ColumnWriter(const Column& column,
                                                   const ColumnWriterOptions& options) {
  return std::make_unique<NumberColumnWriter<int64_t>>(column, PhysicalType::kInt64, options);
}

std::unique_ptr<ColumnWriter> NewDoubleColumnWriter(const Column& column,
                                                    const ColumnWriterOptions& options) {
  return std::make_unique<NumberColumnWriter<double>>(column, PhysicalType::kDouble, options);
}

std::unique_ptr<ColumnWriter> NewBooleanColumnWriter(const Column& column,
                                                     const ColumnWriterOptions& options) {
  return std::make_unique<BooleanColumnWriter>(column, options);
}

std::unique_ptr<ColumnWriter> NewColumnWriter(const Column& column,
                                              const ColumnWriterOptions& options) {
  switch (column.type) {
    case ValueType::kBool: return NewBooleanColumnWriter(column, options);
    case ValueType::kInt64:
    case ValueType::kTimestamp: return NewInt64ColumnWriter(column, options);
    case ValueType::kDouble: return NewDoubleColumnWriter(column, options);
    default: return NewByteArrayColumnWriter(column, options);
  }
}

}  // namespace sluice::format::parquet
