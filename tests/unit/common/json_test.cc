#include "common/json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "common/json_writer.h"

namespace sluice {
namespace {

// Parses text with simdjson directly (not with our Json) and returns the string value.
std::string ParseBackString(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  std::string_view v;
  EXPECT_EQ(parser.parse(padded).get_string().get(v), simdjson::SUCCESS) << text;
  return std::string(v);
}

TEST(JsonWriter, EscapesEveryControlCharacterQuoteAndBackslash) {
  std::string s;
  for (int c = 0; c < 0x20; ++c) s.push_back(static_cast<char>(c));
  s += "\"\\/ é 日本 😀";
  std::string out;
  AppendJsonString(out, s);
  EXPECT_EQ(ParseBackString(out), s);
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

TEST(JsonWriter, RandomStringsRoundTripThroughSimdjson) {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s;
    const int n = rng() % 40;
    for (int j = 0; j < n; ++j) {
      // ASCII including controls and quotes; multi-byte UTF-8 from a fixed set.
      const int pick = rng() % 10;
      if (pick < 8) {
        s.push_back(static_cast<char>(rng() % 0x80));
      } else {
        s += pick == 8 ? "ß" : "𝄞";
      }
    }
    std::string out;
    AppendJsonString(out, s);
    ASSERT_EQ(ParseBackString(out), s);
  }
}

TEST(JsonWriter, OneSpecialByteAtEveryPositionOfCleanText) {
  // Clean runs are skipped 16 bytes at a time, and a shorter tail read as the string's last 16
  // bytes: a byte to escape (or a byte just above the range, or UTF-8) at any offset, in strings
  // of any length across several blocks, must still come out right.
  const std::string specials[] = {
      "\"", "\\", std::string(1, '\0'), "\x1f", "\n", " ", "!", "#", "[", "]", "\x7f", "é", "😀"};
  for (size_t len = 0; len < 70; ++len) {
    for (size_t pos = 0; pos <= len; ++pos) {
      for (const std::string& special : specials) {
        const std::string s = std::string(pos, 'a') + special + std::string(len - pos, 'z');
        std::string out;
        AppendJsonString(out, s);
        ASSERT_EQ(ParseBackString(out), s) << len << " " << pos;
        const bool escaped =
            static_cast<unsigned char>(special[0]) < 0x20 || special == "\"" || special == "\\";
        EXPECT_EQ(
            out.size(),
            s.size() + 2 +
                (escaped ? (special[0] == '\n' || special[0] == '"' || special[0] == '\\' ? 1 : 5)
                         : 0));
      }
    }
  }
}

TEST(JsonWriter, TwoBytesToEscapeAtEveryPairOfPositions) {
  // After one escape the search resumes mid-block, and in a tail it re-reads bytes it has seen:
  // every pair of positions, in strings shorter and longer than a block.
  for (size_t len : {2u, 7u, 15u, 16u, 17u, 31u, 33u, 48u}) {
    for (size_t a = 0; a < len; ++a) {
      for (size_t b = a + 1; b < len; ++b) {
        std::string s(len, 'x');
        s[a] = '"';
        s[b] = '\x01';
        std::string out = "prefix";
        AppendJsonString(out, s);
        ASSERT_EQ(out.substr(0, 6), "prefix");
        ASSERT_EQ(ParseBackString(out.substr(6)), s) << len << " " << a << " " << b;
        ASSERT_EQ(out.size(), 6 + len + 2 + 1 + 5) << len << " " << a << " " << b;
      }
    }
  }
}

TEST(JsonWriter, BuildsNestedDocumentsWithCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Member("a", int64_t{1})
      .Key("b")
      .BeginArray()
      .Int(1)
      .Null()
      .Bool(true)
      .String("x")
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .Member("d", 0.5)
      .EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":[1,null,true,"x"],"c":{},"d":0.5})");
}

TEST(Json, ParsesAndWritesCanonicalCompactText) {
  auto j = Json::Parse(R"( { "b" : [1, 2.5, "x\u00e9"], "a": {"z": null, "y": true} } )");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->ToString(), R"({"b":[1,2.5,"xé"],"a":{"z":null,"y":true}})");
}

TEST(Json, KeepsLargeIntegersExact) {
  auto j = Json::Parse(R"([9223372036854775807, 18446744073709551615, -5, 1e300])");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->ToString(), "[9223372036854775807,18446744073709551615,-5,1e+300]");
}

TEST(Json, LargeWholeDoublesStayDoublesWhenWrittenAndParsedBack) {
  auto j = Json::Parse(R"({"end":97676609433767669433.1,"small":3.0,"neg":-1e300})");
  ASSERT_TRUE(j.ok());
  const std::string text = j->ToString();
  auto again = Json::Parse(text);
  ASSERT_TRUE(again.ok()) << text;
  EXPECT_EQ(again->Find("end")->number_value(), 97676609433767669433.1);
  EXPECT_EQ(*again, *j);
}

TEST(Json, RejectsMalformedAndInvalidUtf8) {
  EXPECT_FALSE(Json::Parse("{\"a\":").ok());
  EXPECT_FALSE(Json::Parse("{\"a\": \"\xff\xfe\"}").ok());
  EXPECT_FALSE(Json::Parse("").ok());
  EXPECT_EQ(Json::Parse("[1,]").status().code(), StatusCode::kInvalidArgument);
}

TEST(Json, RejectsNestingDeeperThanTheLimit) {
  std::string deep(300, '[');
  deep += std::string(300, ']');
  EXPECT_FALSE(Json::Parse(deep).ok());
  // The same edge as AppendCompactJson's: 256 levels parse, 257 do not.
  const std::string deepest = std::string(256, '[') + std::string(256, ']');
  EXPECT_TRUE(Json::Parse(deepest).ok());
  auto past = Json::Parse("[" + deepest + "]");
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().message(), "invalid JSON: nested deeper than 256");
}

TEST(Json, DeepMergeMergesObjectsAndReplacesOtherValues) {
  Json a = *Json::Parse(R"({"m":{"x":1,"y":{"p":1}},"t":[1,2],"s":"old"})");
  Json b = *Json::Parse(R"({"m":{"y":{"q":2},"z":3},"t":[3],"s":null})");
  a.MergeFrom(b);
  EXPECT_EQ(a.ToString(), R"({"m":{"x":1,"y":{"p":1,"q":2},"z":3},"t":[3],"s":null})");
}

TEST(Json, EqualityIgnoresKeyOrder) {
  EXPECT_EQ(*Json::Parse(R"({"a":1,"b":2})"), *Json::Parse(R"({"b":2,"a":1.0})"));
  EXPECT_FALSE(*Json::Parse(R"({"a":1})") == *Json::Parse(R"({"a":"1"})"));
}

// AppendJsonDouble writes whole numbers its own way: each must come out as to_chars writes the
// double (fixed or scientific, whichever is shorter, a tie to fixed), and others as before.
TEST(JsonWriter, DoublesAreWrittenAsToCharsWritesThem) {
  auto to_chars = [](double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof(buf), v);
    std::string s(buf, r.ptr);
    if (std::fabs(v) >= 1e15 && s.find_first_of(".e") == std::string::npos) {
      r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
      s.assign(buf, r.ptr);
    }
    return s;
  };
  std::vector<double> values = {
      0.0,   -0.0,  0.5, -1.25, 1e15, -1e15, 1e15 - 1, 999999999999999.0, 1767225600.123456,
      1e300, 5e-324};
  for (int64_t n = -2000; n <= 200000; ++n) values.push_back(static_cast<double>(n));
  for (int64_t p = 1; p <= 1'000'000'000'000'000; p *= 10) {  // to 10^18: past the fast path
    for (int64_t m : {1, 2, 9, 10, 11, 12, 99, 100, 101, 120, 123, 1200, 12345}) {
      const double v = static_cast<double>(m) * static_cast<double>(p);
      values.push_back(v);
      values.push_back(-v);
    }
  }
  uint64_t seed = 11;
  for (int i = 0; i < 100000; ++i) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    values.push_back(static_cast<double>((seed >> 14) % 1'000'000'000'000'000));
  }
  for (double v : values) {
    std::string out;
    AppendJsonDouble(out, v);
    ASSERT_EQ(out, to_chars(v)) << v;
  }
}

}  // namespace
// A text IsCanonicalAsWritten accepts is its own canonical form (CanonicalizeJson gives it back
// byte for byte), so it may be stored as it came. Canonical texts of the shapes instrumentations
// send are accepted; everything the writer would write otherwise is not.
TEST(IsCanonicalAsWritten, AcceptsOnlyTextsThatAreTheirOwnCanonicalForm) {
  const std::vector<std::string> canonical = {
      R"([{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi!"}])",
      R"({"a":{"b":[1,-2,0,123456789012345678,true,false,null,{},[]]},"c":""})",
      R"("a quote \" a backslash \\ a newline \n \r \t \b \f")",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"",
      "0",
      "-7",
      "true",
      "null",
      "[]",
      "{}",
      R"({"\"":1,"\\":2})",
  };
  for (const std::string& t : canonical) {
    EXPECT_TRUE(IsCanonicalAsWritten(t)) << t;
    auto c = CanonicalizeJson(t);
    ASSERT_TRUE(c.ok()) << t;
    EXPECT_EQ(*c, t);
  }
  std::string many = "{";
  for (int i = 0; i < 33; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  many += "}";
  std::string deep = std::string(65, '[') + std::string(65, ']');
  const std::vector<std::string> not_as_written = {
      "",
      " 1",
      "1 ",
      R"({"a": 1})",
      R"([1, 2])",
      "{\n}",
      R"("\/")",
      R"("\u00e9")",
      R"("\u0001")",
      "01",
      "-0",
      "1.5",
      "1e3",
      "1E3",
      "1234567890123456789",
      "+1",
      R"({"a":1,"a":2})",
      R"({"a":{"x":1},"b":{"x":1,"x":2}})",
      "\"\xc3\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xe0\x80\xaf\"",
      "\"\x01\"",
      "\"a",
      "[1,",
      "{\"a\"",
      "{\"a\":}",
      "[1,]",
      "[1]x",
      "tru",
      "nul",
      "NaN",
      many,
      deep,
      "{1:2}",
      "'a'",
  };
  for (const std::string& t : not_as_written) EXPECT_FALSE(IsCanonicalAsWritten(t)) << t;

  // Random canonical texts and random edits of them: whatever is accepted is its own canonical
  // form, and the unedited texts are accepted.
  std::mt19937 rng(7);
  std::function<Json(int)> value = [&](int depth) -> Json {
    switch (rng() % (depth > 3 ? 4 : 6)) {
      case 0: return Json::Int(static_cast<int64_t>(rng() % 2000) - 1000);
      case 1: {
        static const char* kParts[] = {"a", "\"",  "\\", "\n", "\t", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                       " ", "x/y", "\b", "\f"};
        std::string s;
        for (unsigned i = rng() % 6; i > 0; --i) s += kParts[rng() % std::size(kParts)];
        return Json::String(s);
      }
      case 2: return Json::Bool(rng() % 2 == 0);
      case 3: return Json();
      case 4: {
        Json a = Json::Array();
        for (unsigned i = rng() % 4; i > 0; --i) a.Push(value(depth + 1));
        return a;
      }
      default: {
        Json o = Json::Object();
        for (unsigned i = rng() % 4; i > 0; --i)
          o.Set("k" + std::to_string(rng() % 5), value(depth + 1));
        return o;
      }
    }
  };
  const std::string kEdits = " \t,:[]{}\"\\0123456789.eE-+/untf\x01\xc3\x80";
  int accepted_edits = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string text = value(0).ToString();
    ASSERT_TRUE(IsCanonicalAsWritten(text)) << text;
    std::string edited = text;
    for (unsigned e = 1 + rng() % 2; e > 0; --e) {
      const size_t at = rng() % (edited.size() + 1);
      switch (rng() % 3) {
        case 0: edited.insert(at, 1, kEdits[rng() % kEdits.size()]); break;
        case 1:
          if (at < edited.size()) edited.erase(at, 1);
          break;
        default:
          if (at < edited.size()) edited[at] = kEdits[rng() % kEdits.size()];
      }
    }
    if (!IsCanonicalAsWritten(edited)) continue;
    ++accepted_edits;
    auto c = CanonicalizeJson(edited);
    ASSERT_TRUE(c.ok()) << edited;
    EXPECT_EQ(*c, edited);
  }
  EXPECT_GT(accepted_edits, 100);  // the edits also reach texts that are still canonical
}

}  // namespace sluice
