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

// The index of the first byte of p[i, n) that a canonical string cannot hold as it is (below
// 0x20, '"', '\\') or that starts a multi-byte UTF-8 sequence (0x80 and above); n when none.
inline size_t FirstNotPlain(const char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const unsigned mask = EscapeMask(x) | static_cast<unsigned>(_mm_movemask_epi8(x));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return i;
  }
  return n;
}

// The length of the valid UTF-8 sequence of two to four bytes at p[i, n) (RFC 3629: no overlong
// forms, no surrogates, nothing past U+10FFFF), 0 when there is none.
size_t Utf8SequenceAt(const char* p, size_t i, size_t n) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(p[i + k]); };
  const auto cont = [&](size_t k) { return i + k < n && (b(k) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// IsCanonicalAsWritten's reader: one pass over the text, nothing built.
class CanonicalCheck {
 public:
  explicit CanonicalCheck(std::string_view text) : p_(text.data()), n_(text.size()) {}

  bool Document() { return Value(1) && i_ == n_; }

 private:
  static constexpr int kMaxDepth = 64;
  static constexpr size_t kMaxMembers = 32;

  bool Value(int depth) {
    if (i_ >= n_ || depth > kMaxDepth) return false;
    switch (p_[i_]) {
      case '{': return Object(depth);
      case '[': return Array(depth);
      case '"': return String(nullptr);
      case 't': return Word("true");
      case 'f': return Word("false");
      case 'n': return Word("null");
      default: return Number();
    }
  }

  bool Word(std::string_view w) {
    if (std::string_view(p_ + i_, std::min(w.size(), n_ - i_)) != w) return false;
    i_ += w.size();
    return true;
  }

  // An integer as the writer writes int64 values: no '+', no leading zero, no "-0", and at
  // most 18 digits (always within int64). A fraction or an exponent is left to the parser.
  bool Number() {
    size_t j = i_;
    const bool negative = j < n_ && p_[j] == '-';
    if (negative) ++j;
    const size_t digits_from = j;
    while (j < n_ && p_[j] >= '0' && p_[j] <= '9') ++j;
    const size_t digits = j - digits_from;
    if (digits == 0 || digits > 18) return false;
    if (p_[digits_from] == '0' && (digits > 1 || negative)) return false;
    if (j < n_ && (p_[j] == '.' || p_[j] == 'e' || p_[j] == 'E')) return false;
    i_ = j;
    return true;
  }

  // At '"': a string whose escapes are the writer's (\" \\ \n \r \t \b \f; no \u, no \/).
  // Its contents, escapes as they are, go to `contents` when given.
  bool String(std::string_view* contents) {
    const size_t from = ++i_;
    for (;;) {
      const size_t j = FirstNotPlain(p_, i_, n_);
      if (j >= n_) return false;
      const unsigned char c = static_cast<unsigned char>(p_[j]);
      if (c == '"') {
        if (contents != nullptr) *contents = std::string_view(p_ + from, j - from);
        i_ = j + 1;
        return true;
      }
      if (c == '\\') {
        if (j + 1 >= n_) return false;
        switch (p_[j + 1]) {
          case '"':
          case '\\':
          case 'n':
          case 'r':
          case 't':
          case 'b':
          case 'f': i_ = j + 2; continue;
          default: return false;
        }
      }
      if (c < 0x20) return false;
      const size_t length = Utf8SequenceAt(p_, j, n_);
      if (length == 0) return false;
      i_ = j + length;
    }
  }

  bool Array(int depth) {
    ++i_;
    if (i_ < n_ && p_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      if (!Value(depth + 1) || i_ >= n_) return false;
      const char c = p_[i_++];
      if (c == ']') return true;
      if (c != ',') return false;
    }
  }

  bool Object(int depth) {
    ++i_;
    if (i_ < n_ && p_[i_] == '}') {
      ++i_;
      return true;
    }
    std::string_view keys[kMaxMembers];
    size_t count = 0;
    for (;;) {
      if (i_ >= n_ || p_[i_] != '"' || count == kMaxMembers) return false;
      std::string_view key;
      if (!String(&key)) return false;
      // Escapes are the writer's only, so keys equal as text are equal as strings.
      for (size_t k = 0; k < count; ++k) {
        if (keys[k] == key) return false;
      }
      keys[count++] = key;
      if (i_ >= n_ || p_[i_++] != ':') return false;
      if (!Value(depth + 1) || i_ >= n_) return false;
      const char c = p_[i_++];
      if (c == '}') return true;
      if (c != ',') return false;
    }
  }

  const char* p_;
  size_t n_;
  size_t i_ = 0;
};

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

bool IsCanonicalAsWritten(std::string_view text) { return CanonicalCheck(text).Document(); }

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
