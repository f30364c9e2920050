#include "common/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sluice {

namespace {

#if defined(__SSE2__)

// Bit i set when byte i of the 16 at `x` is below 0x20, '"' or '\\'.
inline unsigned EscapeMask(__m128i x) {
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
  const __m128i quote = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))));
}

// Bit j set when byte j of p[0, n) needs escaping, for n < 16: the bytes read as two
// overlapping words (or, under four bytes, one by one) into one register, the rest spaces.
inline unsigned ShortMask(const char* p, size_t n) {
  if (n >= 8) {
    uint64_t head, tail;
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
    const unsigned m =
        EscapeMask(_mm_set_epi64x(static_cast<int64_t>(tail), static_cast<int64_t>(head)));
    return (m & 0xff) | (m >> 8) << (n - 8);
  }
  constexpr int kSpaces = 0x20202020;
  if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    const unsigned m =
        EscapeMask(_mm_set_epi32(kSpaces, kSpaces, static_cast<int>(tail), static_cast<int>(head)));
    return (m & 0xf) | (m >> 4 & 0xf) << (n - 4);
  }
  uint32_t w = kSpaces;
  for (size_t j = 0; j < n; ++j) {
    w = (w & ~(0xffu << (8 * j))) | uint32_t{static_cast<uint8_t>(p[j])} << (8 * j);
  }
  return EscapeMask(_mm_cvtsi32_si128(static_cast<int>(w))) & 0xf;
}

// The index of the first byte of p[i, n) that needs escaping, n when none does. Reads only
// within p[0, n): a tail shorter than 16 bytes is read as the string's last 16 bytes, a string
// shorter than 16 by ShortMask.
inline size_t FirstToEscape(const char* p, size_t i, size_t n) {
  if (n < 16) {
    const unsigned mask = ShortMask(p, n) >> i;
    return mask != 0 ? i + static_cast<size_t>(__builtin_ctz(mask)) : n;
  }
  for (; i + 16 <= n; i += 16) {
    const unsigned mask = EscapeMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
  if (i == n) return n;
  // The bytes before i were looked at already.
  const unsigned mask =
      EscapeMask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16))) >> (16 - (n - i));
  return mask != 0 ? i + static_cast<size_t>(__builtin_ctz(mask)) : n;
}

#else

inline bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

inline size_t FirstToEscape(const char* p, size_t i, size_t n) {
  while (i < n && !NeedsEscape(static_cast<unsigned char>(p[i]))) ++i;
  return i;
}

#endif

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
  }
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  out.reserve(out.size() + n + 2);
  out.push_back('"');
  size_t run = 0;  // start of the current run of bytes that need no escaping
  for (size_t i = FirstToEscape(p, 0, n); i < n; i = FirstToEscape(p, run, n)) {
    out.append(p + run, i - run);
    AppendEscaped(out, static_cast<unsigned char>(p[i]));
    run = i + 1;
  }
  out.append(p + run, n - run);
  out.push_back('"');
}

namespace {

// Whether to_chars writes whole number `n` (0 < |n| < 10^15) in fixed form: its digits are no
// more than the scientific form's, which drops the trailing zeros and adds "e+NN" and a '.'
// after the first digit when more digits follow (a tie goes to fixed).
bool WholeNumberIsFixed(uint64_t n) {
  int digits = 0;
  int trailing_zeros = 0;
  bool nonzero_seen = false;
  for (; n > 0; n /= 10, ++digits) {
    if (n % 10 != 0) nonzero_seen = true;
    if (!nonzero_seen) ++trailing_zeros;
  }
  const int significant = digits - trailing_zeros;
  return digits <= significant + (significant > 1 ? 1 : 0) + 4;
}

}  // namespace

void AppendJsonDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  // Whole numbers below 10^15 (token counts, most metrics), when to_chars would write their
  // digits: as an integer, which skips its search for the shortest digits.
  if (v > -1e15 && v < 1e15 && v != 0) {
    const auto n = static_cast<int64_t>(v);
    if (static_cast<double>(n) == v && WholeNumberIsFixed(static_cast<uint64_t>(n < 0 ? -n : n))) {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof(buf), n);
      out.append(buf, r.ptr);
      return;
    }
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  // The shortest form of a large whole number has no '.' or exponent ("97676609433767673856"),
  // which a reader would take for an integer too big for 64 bits: write it in scientific form.
  if (std::fabs(v) >= 1e15 &&
      std::string_view(buf, r.ptr - buf).find_first_of(".e") == std::string_view::npos) {
    r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  }
  out.append(buf, r.ptr);
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_->push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_->push_back('}');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_->push_back(']');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(*out_, key);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view v) {
  BeforeValue();
  AppendJsonString(*out_, v);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_->append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Uint(uint64_t v) {
  BeforeValue();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out_->append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  BeforeValue();
  AppendJsonDouble(*out_, v);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  *out_ += v ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  *out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
  return *this;
}

}  // namespace sluice
