// The OTLP decoders: protobuf (wire format and message layout) and JSON, each against requests
// built here, their bounds, and malformed input at every byte.
#include <gtest/gtest.h>

#include <cmath>

#include "api/otlp/otlp_json.h"
#include "api/otlp/otlp_proto.h"
#include "api/otlp/proto_reader.h"
#include "api/otlp/value_json.h"
#include "proto_writer.h"

namespace sluice::api::otlp {
namespace {

using testing::HexBytes;
using testing::IntValue;
using testing::KeyValue;
using testing::ProtoWriter;
using testing::StringValue;

const char kTrace[] = "5b8efff798038103d269b633813fc60c";
const char kSpan[] = "eee19b7ec3c1b174";
const char kParent[] = "eee19b7ec3c1b173";

// One span with nested attribute values, an event and an ERROR status, in a resource with one
// attribute; unknown fields (99) sprinkled in.
std::string SampleProtobuf() {
  ProtoWriter nested;  // kvlist {a: [1, "x"]}
  nested.Message(
      6,
      ProtoWriter().Message(
          1, KeyValue("a",
                      ProtoWriter().Message(
                          5, ProtoWriter().Message(1, IntValue(1)).Message(1, StringValue("x"))))));
  ProtoWriter span;
  span.Bytes(1, HexBytes(kTrace))
      .Bytes(2, HexBytes(kSpan))
      .Bytes(4, HexBytes(kParent))
      .Bytes(5, "chat")
      .Varint(99, 7)
      .Fixed64(7, 1'767'225'600'000'000'000ull)
      .Fixed64(8, 1'767'225'601'500'000'000ull)
      .Message(9, KeyValue("gen_ai.request.model", StringValue("gpt-4o")))
      .Message(11, ProtoWriter()
                       .Fixed64(1, 1'767'225'601'000'000'000ull)
                       .Bytes(2, "exception")
                       .Message(3, KeyValue("exception.message", StringValue("boom"))))
      .Message(9, KeyValue("n", nested))
      .Message(9, KeyValue("d", ProtoWriter().Double(4, 0.5)))
      .Message(15, ProtoWriter().Bytes(2, "failed").Varint(3, 2));
  return testing::Request(
      ProtoWriter().Message(1, KeyValue("service.name", StringValue("svc"))),
      ProtoWriter().Message(1, ProtoWriter().Bytes(1, "scope")).Message(2, span));
}

std::string Attrs(const DecodedRequest& r, ValueRange range) {
  std::string out;
  for (uint32_t i = range.begin; i < range.end; i += r.values[i].subtree) {
    out += std::string(r.values[i].key) + "=" + ValueJson(r, i) + ";";
  }
  return out;
}

void ExpectSample(const DecodedRequest& r) {
  ASSERT_EQ(r.spans.size(), 1u);
  const Span& s = r.spans[0];
  EXPECT_EQ(s.trace_id.size, 16);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(s.span_id.bytes.data()), 8), HexBytes(kSpan));
  EXPECT_EQ(s.parent_span_id.size, 8);
  EXPECT_EQ(s.name, "chat");
  EXPECT_EQ(s.start_unix_nano, 1'767'225'600'000'000'000ull);
  EXPECT_EQ(s.end_unix_nano, 1'767'225'601'500'000'000ull);
  EXPECT_EQ(s.status_code, 2);
  EXPECT_EQ(s.status_message, "failed");
  EXPECT_EQ(Attrs(r, s.attributes), R"(gen_ai.request.model="gpt-4o";n={"a":[1,"x"]};d=0.5;)");
  ASSERT_EQ(s.events_end - s.events_begin, 1u);
  EXPECT_EQ(r.events[s.events_begin].name, "exception");
  EXPECT_EQ(Attrs(r, r.events[s.events_begin].attributes), R"(exception.message="boom";)");
  EXPECT_EQ(Attrs(r, r.resources[s.resource]), R"(service.name="svc";)");
}

TEST(OtlpProtobuf, DecodesSpansAttributesEventsAndStatusSkippingUnknownFields) {
  const std::string body = SampleProtobuf();
  auto r = DecodeProtobufRequest(body, DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSample(*r);
}

TEST(OtlpProtobuf, DecodingIntoAReusedRequestKeepsNothingOfThePreviousOne) {
  // A larger request first: three resources of two spans, each with many attributes.
  ProtoWriter spans;
  for (int i = 0; i < 2; ++i) {
    ProtoWriter span;
    span.Bytes(1, HexBytes(kTrace)).Bytes(2, HexBytes(kParent)).Bytes(5, "big");
    for (int a = 0; a < 50; ++a) {
      span.Message(9, KeyValue("k" + std::to_string(a), StringValue("v")));
    }
    span.Message(11, ProtoWriter().Bytes(2, "e"));
    spans.Message(2, span);
  }
  std::string big;
  for (int i = 0; i < 3; ++i) {
    big += testing::Request(ProtoWriter().Message(1, KeyValue("r", StringValue("big"))), spans);
  }
  DecodedRequest reused;
  ASSERT_TRUE(DecodeProtobufRequest(big, DecodeLimits{}, &reused).ok());
  ASSERT_EQ(reused.spans.size(), 6u);
  ASSERT_EQ(reused.resources.size(), 3u);

  const std::string body = SampleProtobuf();
  const Status s = DecodeProtobufRequest(body, DecodeLimits{}, &reused);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectSample(reused);
  auto fresh = DecodeProtobufRequest(body, DecodeLimits{});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(reused.values.size(), fresh->values.size());
  EXPECT_EQ(reused.spans.size(), fresh->spans.size());
  EXPECT_EQ(reused.resources.size(), 1u);
  EXPECT_EQ(reused.events.size(), 1u);

  // After a request that fails, the next one still decodes whole.
  EXPECT_FALSE(
      DecodeProtobufRequest(body.substr(0, body.size() - 3), DecodeLimits{}, &reused).ok());
  ASSERT_TRUE(DecodeProtobufRequest(body, DecodeLimits{}, &reused).ok());
  ExpectSample(reused);
}

TEST(OtlpProtobuf, EveryTruncationIsAnErrorNamingTheByte) {
  const std::string body = SampleProtobuf();
  for (size_t n = 1; n < body.size(); ++n) {
    auto r = DecodeProtobufRequest(std::string_view(body).substr(0, n), DecodeLimits{});
    // A cut between two top-level fields leaves a shorter valid request; any other is an error.
    if (r.ok()) continue;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("malformed protobuf at byte"), std::string::npos)
        << r.status().message();
  }
  auto cut = DecodeProtobufRequest(std::string_view(body).substr(0, body.size() - 1), {});
  EXPECT_FALSE(cut.ok());
}

TEST(OtlpProtobuf, RejectsWrongWireTypesGroupsLongVarintsAndBadUtf8) {
  auto err = [](const std::string& body) {
    auto r = DecodeProtobufRequest(body, DecodeLimits{});
    return r.ok() ? std::string("ok") : r.status().message();
  };
  // resource_spans as a varint.
  EXPECT_NE(err(ProtoWriter().Varint(1, 3).str()).find("resource_spans has wire type 0"),
            std::string::npos);
  // A span name as a varint, named with the span's place.
  const std::string bad_name =
      testing::Request(ProtoWriter(), ProtoWriter().Message(2, ProtoWriter().Varint(5, 1)));
  EXPECT_NE(err(bad_name).find("resource_spans[0].scope_spans[0].spans[0]: malformed protobuf"),
            std::string::npos)
      << err(bad_name);
  EXPECT_NE(err(std::string("\x0b\x0c", 2)).find("wire type 3"), std::string::npos);
  EXPECT_NE(err(std::string(11, '\xff')).find("varint"), std::string::npos);
  const std::string bad_utf8 = testing::Request(
      ProtoWriter(), ProtoWriter().Message(2, ProtoWriter().Bytes(5, std::string("\xc3\x28"))));
  EXPECT_NE(err(bad_utf8).find("not valid UTF-8"), std::string::npos) << err(bad_utf8);
  // Past a run of ASCII words, and in the bytes after the last whole word: still found.
  auto name = [](const std::string& text) {
    return testing::Request(ProtoWriter(), ProtoWriter().Message(2, ProtoWriter().Bytes(5, text)));
  };
  EXPECT_NE(err(name(std::string(24, 'a') + "\xc3\x28" + std::string(9, 'b'))).find("UTF-8"),
            std::string::npos);
  EXPECT_NE(err(name(std::string(17, 'a') + "\xff")).find("UTF-8"), std::string::npos);
  // Characters of two to four bytes anywhere in the words are accepted.
  EXPECT_EQ(err(name("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 ok")), "ok");
}

TEST(OtlpProtobuf, LimitsSpansAttributesDepthAndDecodedSize) {
  ProtoWriter spans;
  for (int i = 0; i < 3; ++i) spans.Message(2, ProtoWriter().Bytes(5, "s"));
  DecodeLimits few;
  few.max_spans = 2;
  auto r = DecodeProtobufRequest(testing::Request(ProtoWriter(), spans), few);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 2 spans"), std::string::npos);

  ProtoWriter many;
  for (int i = 0; i < 11; ++i) many.Message(9, KeyValue("k" + std::to_string(i), IntValue(i)));
  DecodeLimits ten;
  ten.max_attributes = 10;
  r = DecodeProtobufRequest(testing::Request(ProtoWriter(), ProtoWriter().Message(2, many)), ten);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than 10 attributes on a span"), std::string::npos);

  ProtoWriter deep = StringValue("leaf");
  for (int i = 0; i < 40; ++i) deep = ProtoWriter().Message(5, ProtoWriter().Message(1, deep));
  const std::string deep_body = testing::Request(
      ProtoWriter(), ProtoWriter().Message(2, ProtoWriter().Message(9, KeyValue("d", deep))));
  r = DecodeProtobufRequest(deep_body, DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 32"), std::string::npos);
  // Maps nested as deep, with a plain string at the bottom, are as deep; and a map's member one
  // level past the limit (a plain value, which the short path would read) is refused too.
  ProtoWriter deep_map = StringValue("leaf");
  for (int i = 0; i < 40; ++i) {
    deep_map = ProtoWriter().Message(6, ProtoWriter().Message(1, KeyValue("m", deep_map)));
  }
  r = DecodeProtobufRequest(
      testing::Request(ProtoWriter(),
                       ProtoWriter().Message(2, ProtoWriter().Message(9, KeyValue("d", deep_map)))),
      DecodeLimits{});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 32"), std::string::npos);
  DecodeLimits flat;
  flat.max_value_depth = 0;
  const std::string one_map = testing::Request(
      ProtoWriter(),
      ProtoWriter().Message(
          2, ProtoWriter().Message(
                 9, KeyValue("d", ProtoWriter().Message(
                                      6, ProtoWriter().Message(1, KeyValue("m", IntValue(1))))))));
  r = DecodeProtobufRequest(one_map, flat);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested deeper than 0"), std::string::npos);
  EXPECT_TRUE(DecodeProtobufRequest(one_map, DecodeLimits{}).ok());

  DecodeLimits tiny;
  tiny.max_decoded_bytes = 500;
  r = DecodeProtobufRequest(testing::Request(ProtoWriter(), ProtoWriter().Message(2, many)), tiny);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
}

TEST(OtlpProtobuf, AValueSetTwiceKeepsTheLast) {
  const ProtoWriter twice =
      ProtoWriter().Message(5, ProtoWriter().Message(1, IntValue(1))).Bytes(1, "text");
  const std::string body = testing::Request(
      ProtoWriter(),
      ProtoWriter().Message(
          2,
          ProtoWriter().Message(9, KeyValue("a", twice)).Message(9, KeyValue("b", IntValue(2)))));
  auto r = DecodeProtobufRequest(body, DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Attrs(*r, r->spans[0].attributes), R"(a="text";b=2;)");
}

const char kSampleJson[] = R"({"resourceSpans":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
  "scopeSpans":[{"scope":{"name":"scope"},"spans":[{
    "traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",
    "parent_span_id":"eee19b7ec3c1b173","name":"chat","kind":3,"unknown":[1,2],
    "startTimeUnixNano":"1767225600000000000","end_time_unix_nano":1767225601500000000,
    "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
      {"key":"n","value":{"kvlistValue":{"values":[{"key":"a","value":{"arrayValue":{
        "values":[{"intValue":"1"},{"stringValue":"x"}]}}}]}}},
      {"key":"d","value":{"doubleValue":0.5}}],
    "events":[{"timeUnixNano":"1767225601000000000","name":"exception",
      "attributes":[{"key":"exception.message","value":{"stringValue":"boom"}}]}],
    "status":{"code":2,"message":"failed"}}]}]}]})";

TEST(OtlpJson, DecodesTheSameAsProtobufWithEitherFieldNames) {
  auto r = DecodeJsonRequest(kSampleJson, DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectSample(*r);
  auto named = DecodeJsonRequest(
      R"({"resource_spans":[{"scope_spans":[{"spans":[{"status":{"code":"STATUS_CODE_ERROR"},
          "attributes":[{"key":"x","value":{"doubleValue":"NaN"}}]}]}]}]})",
      DecodeLimits{});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->spans[0].status_code, 2);
  EXPECT_TRUE(std::isnan(named->values[0].double_value));
}

TEST(OtlpJson, WrongTypesAreErrorsNamingThePath) {
  auto err = [](const char* body) {
    auto r = DecodeJsonRequest(body, DecodeLimits{});
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(err(R"({"resourceSpans":{}})"), "resourceSpans: must be an array");
  EXPECT_EQ(err(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":{}}]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: must be a non-negative "
            "integer (a decimal string or a number)");
  EXPECT_EQ(err(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":7}]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[0].traceId: must be a string");
  EXPECT_EQ(err(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k",
                 "value":{"intValue":"12x"}}]}]}]}]})"),
            "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: must be an "
            "integer (a decimal string or a number)");
  EXPECT_EQ(err(R"([1])"), "the request body: must be an object");
  EXPECT_NE(err("{").find("invalid JSON"), std::string::npos);
}

// The reader reads short fields inline and the others the general way: every field kind, with
// lengths and values on each side of the one-byte and two-byte varint bounds, and field numbers
// on each side of the one-byte tag, reads back as written.
TEST(OtlpProtobuf, FieldsOfEverySizeReadBackAsWritten) {
  ProtoWriter w;
  const std::vector<size_t> lengths = {0, 1, 2, 126, 127, 128, 129, 16383, 16384, 16385, 70000};
  const std::vector<uint64_t> varints = {0, 1, 127, 128, 16383, 16384, UINT64_MAX};
  const std::vector<uint32_t> numbers = {1, 15, 16, 2047, 2048, 536870911};
  std::vector<std::string> texts;
  for (size_t n : lengths) texts.push_back(std::string(n, static_cast<char>('a' + n % 26)));
  for (uint32_t number : numbers) {
    for (const std::string& t : texts) w.Bytes(number, t);
    for (uint64_t v : varints) w.Varint(number, v);
    w.Fixed64(number, 0x0102030405060708ull);
  }
  const std::string body = w.str();
  ProtoReader r(body);
  ProtoField f;
  for (uint32_t number : numbers) {
    for (const std::string& t : texts) {
      ASSERT_TRUE(r.Next(&f).ok());
      EXPECT_EQ(f.number, number);
      EXPECT_EQ(f.type, WireType::kLen);
      EXPECT_EQ(f.bytes, t);
      EXPECT_EQ(body.substr(f.payload_offset, t.size()), t);
    }
    for (uint64_t v : varints) {
      ASSERT_TRUE(r.Next(&f).ok());
      EXPECT_EQ(f.number, number);
      EXPECT_EQ(f.type, WireType::kVarint);
      EXPECT_EQ(f.bits, v);
    }
    ASSERT_TRUE(r.Next(&f).ok());
    EXPECT_EQ(f.type, WireType::kFixed64);
    EXPECT_EQ(f.bits, 0x0102030405060708ull);
  }
  EXPECT_TRUE(r.done());
  // A length of two bytes that runs one byte past the end, as the last field.
  std::string cut = ProtoWriter().Bytes(3, std::string(200, 'x')).str();
  cut.pop_back();
  ProtoReader short_reader(cut);
  const Status s = short_reader.Next(&f);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a field of 200 bytes where 199 remain"), std::string::npos)
      << s.message();
}

// The decoder reads the usual KeyValue encoding on a short path and any other the general way:
// every attribute below, read alone and again with an unknown field added (which sends it the
// general way), decodes to the same value, or fails on both.
TEST(OtlpProtobuf, AttributesReadTheSameOnTheShortAndTheGeneralPath) {
  std::vector<ProtoWriter> values;
  for (size_t n : {0, 1, 127, 128, 300, 16383, 16384}) {
    values.push_back(ProtoWriter().Bytes(1, std::string(n, 'v')));
  }
  values.push_back(ProtoWriter().Bytes(1, "caf\xc3\xa9"));
  values.push_back(ProtoWriter().Bytes(1, "bad \xff"));
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, ~0ull}) {
    values.push_back(ProtoWriter().Varint(3, v));
    values.push_back(ProtoWriter().Varint(2, v));
  }
  values.push_back(ProtoWriter().Double(4, 0.7));
  values.push_back(ProtoWriter().Fixed64(4, 1));
  values.push_back(ProtoWriter().Bytes(7, "\x01\x02"));
  values.push_back(ProtoWriter());                                                    // no value
  values.push_back(ProtoWriter().Bytes(1, "first").Varint(3, 5));                     // set twice
  values.push_back(ProtoWriter().Message(5, ProtoWriter().Message(1, IntValue(1))));  // array
  values.push_back(ProtoWriter().Varint(4, 1));                                       // wrong type
  values.push_back(ProtoWriter().Bytes(3, "x"));                                      // wrong type
  std::vector<std::string> keys = {"k", std::string(200, 'k'), "k\xc3\xa9", "bad\xff", ""};
  auto decode = [](const ProtoWriter& kv) {
    const std::string body = testing::Request(
        ProtoWriter(),
        ProtoWriter().Message(
            2, ProtoWriter().Bytes(1, HexBytes(kTrace)).Bytes(2, HexBytes(kSpan)).Message(9, kv)));
    DecodedRequest r;
    const Status s = DecodeProtobufRequest(body, DecodeLimits{}, &r);
    if (!s.ok()) return s.ToString();  // the unknown field comes last: the same byte offsets
    return Attrs(r, r.spans[0].attributes);
  };
  int cases = 0;
  for (const std::string& key : keys) {
    for (const ProtoWriter& value : values) {
      const ProtoWriter plain = ProtoWriter().Bytes(1, key).Message(2, value);
      const ProtoWriter odd = ProtoWriter().Bytes(1, key).Message(2, value).Varint(99, 1);
      EXPECT_EQ(decode(plain), decode(odd)) << cases;
      ++cases;
    }
  }
  // A usual attribute (the encoding the short path takes) decodes. Which path read it is not
  // visible here; the instruction counts in docs/benchmarks.md show the short path taken.
  EXPECT_EQ(decode(ProtoWriter().Bytes(1, "k").Message(2, ProtoWriter().Varint(3, 128))), "k=128;");
}

// A text is valid UTF-8 or an error wherever its one non-ASCII sequence sits, at every size on
// each side of the eight-byte words and the 64-byte bound of the quick ASCII check.
TEST(OtlpProtobuf, Utf8IsCheckedAtEveryPositionAndSize) {
  for (size_t n = 1; n <= 70; ++n) {
    for (size_t at = 0; at < n; ++at) {
      std::string good(n, 'a');
      std::string bad(n, 'a');
      bad[at] = '\xff';
      good.replace(at, 1, "\xc3\xa9");  // é: valid, and one byte longer
      for (const bool valid : {true, false}) {
        const std::string& text = valid ? good : bad;
        ProtoField f;
        f.type = WireType::kLen;
        f.bytes = text;
        auto payload = StringPayload(f, "name");
        EXPECT_EQ(payload.ok(), valid) << n << " " << at;
        if (payload.ok()) {
          EXPECT_EQ(*payload, text);
        }
      }
    }
  }
}

// MemberList writes each key once, with the last value given for it, where that last one was
// added: lists short and long (past the sizes where it changes how it finds repeats), keys that
// share their length and first and last bytes.
TEST(OtlpValues, MemberListKeepsTheLastMemberOfEachKeyAtEverySize) {
  const std::vector<std::string> keys = {"a",   "b",  "ab",      "ba",      "axb", "ayb",
                                         "a.b", "zz", "key.one", "key.two", "k",   "\"q\""};
  DecodedRequest r;
  uint64_t seed = 7;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  for (size_t n : {1, 2, 3, 10, 32, 33, 63, 64, 65, 100, 300}) {
    MemberList list;
    std::vector<std::pair<std::string, std::string>> given;
    given.reserve(n);  // the list borrows their texts
    for (size_t i = 0; i < n; ++i) {
      given.emplace_back(keys[next() % keys.size()], std::to_string(i));
      list.AddText(given.back().first, given.back().second);
    }
    std::string want = "{";
    for (size_t i = 0; i < n; ++i) {
      bool later = false;
      for (size_t j = i + 1; j < n; ++j) later = later || given[j].first == given[i].first;
      if (later) continue;
      if (want.size() > 1) want += ",";
      want += "\"" + std::string(given[i].first == "\"q\"" ? "\\\"q\\\"" : given[i].first) +
              "\":" + given[i].second;
    }
    want += "}";
    EXPECT_EQ(list.Write(r), want) << n << " members";
  }
}

TEST(OtlpValues, JsonOfValuesAndCanonicalText) {
  auto canonical = CanonicalJson(R"( {"b": [1, 2.50, "x"], "a": {"c": null}, "b": true} )");
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical, R"({"b":true,"a":{"c":null}})");
  EXPECT_FALSE(CanonicalJson("{nope").ok());
  std::string b64;
  AppendBase64String("\x01\x02\x03\x04", b64);
  EXPECT_EQ(b64, "\"AQIDBA==\"");
}

TEST(OtlpValues, CarriedJsonGivesTheCanonicalTextAndItsTopLevel) {
  // Attributes as the JSON encoding sends them: strings carrying JSON, one that does not, a
  // repeated key (the last value kept, where the key first appeared) and an OTLP map.
  const std::string body =
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[)"
      R"({"key":"obj","value":{"stringValue":"{ \"a\": 1.50, \"b\": [\"x\"] }"}},)"
      R"({"key":"not","value":{"stringValue":"{nope"}},)"
      R"({"key":"dup","value":{"stringValue":"{\"k\":1,\"j\":\"v\",\"k\":2}"}},)"
      R"({"key":"map","value":{"kvlistValue":{"values":[)"
      R"({"key":"s","value":{"doubleValue":0.5}}]}}})"
      R"(]}]}]}]})";
  auto r = DecodeJsonRequest(body, DecodeLimits{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::string text;
  std::vector<JsonChild> children;
  auto read = [&](uint32_t attribute) {
    uint32_t index = r->spans[0].attributes.begin;
    for (uint32_t i = 0; i < attribute; ++i) index += r->values[index].subtree;
    auto kind = ReadCarriedJson(*r, index, &text, &children);
    EXPECT_TRUE(kind.ok());
    EXPECT_EQ(text, JsonCarriedBy(*r, index));  // the same text as without the children
    std::string out = kind.ok() ? std::string(JsonKindName(*kind)) : "error";
    for (const JsonChild& c : children) out += " " + c.key + "=" + c.text;
    return out;
  };
  EXPECT_EQ(read(0), R"(object a=1.5 b=["x"])");
  EXPECT_EQ(text, R"({"a":1.5,"b":["x"]})");
  EXPECT_EQ(read(1), "string");
  EXPECT_EQ(text, R"("{nope")");
  EXPECT_EQ(read(2), R"(object k=2 j="v")");
  EXPECT_EQ(text, R"({"k":2,"j":"v"})");
  EXPECT_EQ(read(3), "object s=0.5");
  EXPECT_EQ(text, R"({"s":0.5})");
  EXPECT_EQ(children[0].kind, JsonKind::kNumber);
  EXPECT_EQ(children[0].number, 0.5);
}

}  // namespace
}  // namespace sluice::api::otlp
