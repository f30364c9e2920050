#include "common/json_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace sluice {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;

// Whether any byte of w is below 0x20, '"' or '\\' (exact for the word, not the position).
inline bool WordNeedsEscape(uint64_t w) {
  const uint64_t below_space = (w - kOnes * 0x20) & ~w;
  const uint64_t q = w ^ (kOnes * '"');
  const uint64_t b = w ^ (kOnes * '\\');
  const uint64_t quote = (q - kOnes) & ~q;
  const uint64_t backslash = (b - kOnes) & ~b;
  return ((below_space | quote | backslash) & kHighs) != 0;
}

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
  out.push_back('"');
  const char* p = s.data();
  const size_t n = s.size();
  size_t run = 0;  // start of the current run of bytes that need no escaping
  size_t i = 0;
  while (i < n) {
    // Skip clean 8-byte words, then look at the bytes of the first word that is not.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (!WordNeedsEscape(w)) {
        i += 8;
        continue;
      }
    }
    const size_t end = std::min(n, i + 8);
    for (; i < end; ++i) {
      const unsigned char c = static_cast<unsigned char>(p[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out.append(p + run, i - run);
      run = i + 1;
      AppendEscaped(out, c);
    }
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
