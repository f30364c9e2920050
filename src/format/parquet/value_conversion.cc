#include "format/parquet/value_conversion.h"

#include <cstring>

namespace sluice::format::parquet {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;
constexpr int64_t kUnixEpochJulianDay = 2'440'588;

Status OutOfRange(const char* what) {
  return InvalidArgumentError(std::string(what) + " beyond the range of int64 microseconds");
}

// floor(a / b) for b > 0.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0 ? 1 : 0); }

Status TimestampMicros(TimeUnit unit, int64_t v, int64_t* micros) {
  switch (unit) {
    case TimeUnit::kMillis:
      if (__builtin_mul_overflow(v, 1000, micros)) return OutOfRange("timestamp");
      return Status::Ok();
    case TimeUnit::kMicros: *micros = v; return Status::Ok();
    case TimeUnit::kNanos: *micros = FloorDiv(v, 1000); return Status::Ok();
  }
  return Status::Ok();
}

// INT96: nanoseconds within the day (8 bytes), then the Julian day number (4 bytes).
Status Int96Micros(std::string_view bytes, int64_t* micros) {
  int64_t nanos;
  uint32_t julian_day;
  std::memcpy(&nanos, bytes.data(), 8);
  std::memcpy(&julian_day, bytes.data() + 8, 4);
  int64_t day_micros;
  const int64_t days = static_cast<int64_t>(julian_day) - kUnixEpochJulianDay;
  if (__builtin_mul_overflow(days, kMicrosPerDay, &day_micros) ||
      __builtin_add_overflow(day_micros, FloorDiv(nanos, 1000), micros)) {
    return OutOfRange("INT96 timestamp");
  }
  return Status::Ok();
}

double Pow10(int32_t scale) {
  double p = 1;
  for (int32_t k = 0; k < scale; ++k) p *= 10;
  return p;
}

}  // namespace

void AppendUuid(std::string_view bytes, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t k = 0; k < 16; ++k) {
    if (k == 4 || k == 6 || k == 8 || k == 10) out->push_back('-');
    const auto b = static_cast<uint8_t>(bytes[k]);
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
}

Status ConvertValue(const LeafConversion& conversion, ValueType type, const PhysicalValue& v,
                    Value* out) {
  using Kind = LeafConversion::Kind;
  out->type = type;
  switch (conversion.kind) {
    case Kind::kBool: out->b = v.b; return Status::Ok();
    case Kind::kInt: out->i = v.i; return Status::Ok();
    case Kind::kUInt32: out->i = static_cast<uint32_t>(v.i); return Status::Ok();
    case Kind::kUInt64:
      if (v.i < 0) return InvalidArgumentError("unsigned 64-bit value above 2^63 - 1");
      out->i = v.i;
      return Status::Ok();
    case Kind::kFloat: out->d = v.d; return Status::Ok();
    case Kind::kDecimal:
      out->d = static_cast<double>(v.i) / Pow10(conversion.scale);
      return Status::Ok();
    case Kind::kTimestamp: return TimestampMicros(conversion.unit, v.i, &out->i);
    case Kind::kDate:
      if (__builtin_mul_overflow(v.i, kMicrosPerDay, &out->i)) return OutOfRange("date");
      return Status::Ok();
    case Kind::kInt96: return Int96Micros(v.bytes, &out->i);
    case Kind::kBytes: out->s.assign(v.bytes); return Status::Ok();
    case Kind::kUuid:
      out->s.clear();
      AppendUuid(v.bytes, &out->s);
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace sluice::format::parquet
