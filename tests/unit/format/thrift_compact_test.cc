#include "format/parquet/thrift_compact.h"

#include <gtest/gtest.h>

namespace sluice::format::parquet {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

TEST(ThriftCompactEncoder, ZigZagVarints) {
  std::string out;
  ThriftCompactEncoder e(&out);
  e.I32(0);
  e.I32(-1);
  e.I32(1);
  e.I64(-64);
  e.I64(300);
  EXPECT_EQ(Hex(out), "0001027fd804");
}

TEST(ThriftCompactEncoder, FieldHeadersUseDeltasUpToFifteen) {
  std::string out;
  ThriftCompactEncoder e(&out);
  e.BeginStruct();
  e.FieldI32(1, 5);         // delta 1, type i32 (5) -> 0x15, zigzag 5 = 10
  e.FieldI64(3, 1);         // delta 2, type i64 (6) -> 0x26
  e.FieldBool(4, true);     // delta 1, bool true (1) -> 0x11
  e.FieldBool(5, false);    // 0x12
  e.FieldBinary(40, "ab");  // delta 35: long form 0x08, zigzag(40)=80 -> 0x50
  e.EndStruct();
  EXPECT_EQ(Hex(out), "150a26021112085002616200");
}

TEST(ThriftCompactEncoder, NestedStructsRestoreTheOuterFieldId) {
  std::string out;
  ThriftCompactEncoder e(&out);
  e.BeginStruct();
  e.FieldStructBegin(2);  // 0x2c
  e.FieldI32(7, 1);       // inner delta 7 -> 0x75 02
  e.EndStruct();          // 00
  e.FieldI32(3, 1);       // outer delta from 2 -> 0x15 02
  e.EndStruct();
  EXPECT_EQ(Hex(out),
            "2c7502001502"
            "00");
}

TEST(ThriftCompactEncoder, ListHeadersShortAndLong) {
  std::string out;
  ThriftCompactEncoder e(&out);
  e.BeginStruct();
  e.FieldListBegin(1, ThriftType::kI32, 3);      // 0x19, 0x35
  e.FieldListBegin(2, ThriftType::kBinary, 20);  // 0x19, 0xf8, 0x14
  EXPECT_EQ(Hex(out), "193519f814");
}

}  // namespace
}  // namespace sluice::format::parquet
