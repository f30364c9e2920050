// ProtoWriter: builds protobuf wire-format bytes field by field, for tests that hand the OTLP
// decoder requests of their own making (valid, truncated or with odd fields).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::api::otlp::testing {

class ProtoWriter {
 public:
  ProtoWriter& Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    Raw(v);
    return *this;
  }
  ProtoWriter& Fixed64(uint32_t field, uint64_t v) {
    Tag(field, 1);
    char b[8];
    std::memcpy(b, &v, 8);
    out_.append(b, 8);
    return *this;
  }
  ProtoWriter& Double(uint32_t field, double d) {
    uint64_t v = 0;
    std::memcpy(&v, &d, 8);
    return Fixed64(field, v);
  }
  ProtoWriter& Bytes(uint32_t field, std::string_view b) {
    Tag(field, 2);
    Raw(b.size());
    out_.append(b);
    return *this;
  }
  ProtoWriter& Message(uint32_t field, const ProtoWriter& m) { return Bytes(field, m.str()); }
  const std::string& str() const { return out_; }

 private:
  void Tag(uint32_t field, int type) { Raw(uint64_t{field} << 3 | static_cast<uint64_t>(type)); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

// AnyValue and KeyValue of common/v1/common.proto.
inline ProtoWriter StringValue(std::string_view s) { return ProtoWriter().Bytes(1, s); }
inline ProtoWriter IntValue(int64_t v) { return ProtoWriter().Varint(3, static_cast<uint64_t>(v)); }
inline ProtoWriter KeyValue(std::string_view key, const ProtoWriter& value) {
  return ProtoWriter().Bytes(1, key).Message(2, value);
}

// Raw id bytes from hex.
inline std::string HexBytes(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// ExportTraceServiceRequest{resource_spans: [{resource, scope_spans: [{spans}]}]}.
inline std::string Request(const ProtoWriter& resource, const ProtoWriter& scope_spans) {
  return ProtoWriter().Message(1, ProtoWriter().Message(1, resource).Message(2, scope_spans)).str();
}

}  // namespace sluice::api::otlp::testing
