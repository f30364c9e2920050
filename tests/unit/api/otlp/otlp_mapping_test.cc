// Mapping of OTLP spans to rows: ids, times, status, `braintrust.*` and each convention family.
// Spans are given in OTLP's JSON encoding (the decoder is tested on its own).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/otlp/otlp_json.h"
#include "api/otlp/span_mapping.h"
#include "common/json.h"

namespace sluice::api::otlp {
namespace {

const char kIds[] = R"("traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174")";

// A request of one span: `span_members` are JSON members after the ids.
std::string Request(const std::string& span_members, const std::string& resource = "[]") {
  return R"({"resourceSpans":[{"resource":{"attributes":)" + resource +
         R"(},"scopeSpans":[{"spans":[{)" + kIds + (span_members.empty() ? "" : ",") +
         span_members + "}]}]}]}";
}

// The span member "attributes": string values, or "@<AnyValue JSON>".
std::string Attributes(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out = "\"attributes\":[";
  for (const auto& [k, v] : kv) {
    if (out.back() != '[') out += ",";
    out += R"({"key":")" + k + R"(","value":)" +
           (v.starts_with("@") ? v.substr(1)
                               : R"({"stringValue":)" + Json::String(v).ToString() + "}") +
           "}";
  }
  return out + "]";
}

class MappingTest : public ::testing::Test {
 protected:
  // The row for the request's first span; fails the test when it is rejected.
  Json Row(const std::string& body, MappingOptions options = {}) {
    auto r = DecodeJsonRequest(body, DecodeLimits{});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return Json();
    auto w = MapSpan(*r, r->spans[0], options);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    if (!w.ok()) return Json();
    Json row = Json::Object();
    row.Set("id", Json::String(w->id));
    for (const auto& [k, text] : w->fields) row.Set(k, *Json::Parse(text));
    return row;
  }
  std::string Rejected(const std::string& body) {
    auto r = DecodeJsonRequest(body, DecodeLimits{});
    if (!r.ok()) return "decode: " + r.status().message();
    auto w = MapSpan(*r, r->spans[0], MappingOptions{});
    return w.ok() ? "stored" : w.status().message();
  }
  static std::string Text(const Json& row, const char* field) {
    const Json* f = row.Find(field);
    return f == nullptr ? "absent" : f->ToString();
  }
};

TEST_F(MappingTest, IdsTimesNameAndTypeAsTheSdkStoresThem) {
  Json row = Row(Request(R"("parentSpanId":"EEE19B7EC3C1B173","name":"step",)"
                         R"("startTimeUnixNano":"1767225600250000000",)"
                         R"("endTimeUnixNano":"1767225601000000000")"));
  EXPECT_EQ(Text(row, "id"), R"("eee19b7ec3c1b174")");
  EXPECT_EQ(Text(row, "span_id"), R"("eee19b7ec3c1b174")");
  EXPECT_EQ(Text(row, "root_span_id"), R"("5b8efff798038103d269b633813fc60c")");
  EXPECT_EQ(Text(row, "span_parents"), R"(["eee19b7ec3c1b173"])");
  EXPECT_EQ(Text(row, "created"), R"("2026-01-01T00:00:00.250000Z")");
  EXPECT_EQ(Text(row, "metrics"), R"({"start":1767225600.25,"end":1767225601})");
  EXPECT_EQ(Text(row, "span_attributes"), R"({"name":"step","type":"task"})");
  // A parent id of zeros is no parent.
  Json root = Row(Request(R"("parentSpanId":"0000000000000000")"));
  EXPECT_EQ(Text(root, "span_parents"), "absent");
}

TEST_F(MappingTest, BadIdsRejectTheSpanSayingWhy) {
  EXPECT_EQ(Rejected(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"01"}]}]}]})"),
            "trace id must be 16 bytes (32 hex digits), not all zero");
  EXPECT_EQ(Rejected(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":)"
                     R"("5b8efff798038103d269b633813fc60c","spanId":"zz19b7ec3c1b174a"}]}]}]})"),
            "span id must be 8 bytes (16 hex digits), not all zero");
  EXPECT_EQ(Rejected(Request(R"("parentSpanId":"0102")")),
            "parent span id must be 8 bytes (16 hex digits), not all zero");
}

TEST_F(MappingTest, ErrorStatusWithTheExceptionEvent) {
  Json row =
      Row(Request(R"("status":{"code":2,"message":"request failed"},"events":[{"name":"exception",)"
                  R"("attributes":[{"key":"exception.type","value":{"stringValue":"TypeError"}},)"
                  R"({"key":"exception.message","value":{"stringValue":"x is undefined"}},)"
                  R"({"key":"exception.stacktrace","value":{"stringValue":"at f a.js:1"}}]}])"));
  EXPECT_EQ(row.Find("error")->string_value(),
            "request failed\n\nTypeError: x is undefined\nat f a.js:1");
  EXPECT_EQ(Text(Row(Request(R"("status":{"code":1,"message":"fine"})")), "error"), "absent");
}

TEST_F(MappingTest, BraintrustAttributesAsJsonStringsOrMaps) {
  Json row = Row(Request(Attributes({
      {"braintrust.input_json", R"({"q":"2+2"})"},
      {"braintrust.output_json", "4"},
      {"braintrust.expected",
       R"(@{"kvlistValue":{"values":[{"key":"a","value":{"intValue":4}}]}})"},
      {"braintrust.metadata", R"({"user":"u1"})"},
      {"braintrust.metrics", R"({"cost":0.5})"},
      {"braintrust.scores", R"({"correct":1})"},
      {"braintrust.tags", R"(@{"arrayValue":{"values":[{"stringValue":"t1"}]}})"},
      {"braintrust.span_attributes", R"({"type":"eval"})"},
  })));
  EXPECT_EQ(Text(row, "input"), R"({"q":"2+2"})");
  EXPECT_EQ(Text(row, "output"), "4");
  EXPECT_EQ(Text(row, "expected"), R"({"a":4})");
  EXPECT_EQ(Text(row, "metadata"), R"({"user":"u1"})");
  EXPECT_EQ(Text(row, "metrics"), R"({"cost":0.5})");
  EXPECT_EQ(Text(row, "scores"), R"({"correct":1})");
  EXPECT_EQ(Text(row, "tags"), R"(["t1"])");
  EXPECT_EQ(Text(row, "span_attributes"), R"({"name":"","type":"eval"})");
  EXPECT_EQ(Rejected(Request(Attributes({{"braintrust.scores", R"({"a":2})"}}))),
            "braintrust.scores.a: must be a number between 0 and 1, or null");
  EXPECT_EQ(Rejected(Request(Attributes({{"braintrust.span_attributes", R"({"type":"x"})"}}))),
            "braintrust.span_attributes.type: must be one of llm, score, function, eval, task, "
            "tool, automation, facet, preprocessor, classifier, review");
  EXPECT_EQ(Rejected(Request(Attributes({{"braintrust.metadata", "[1]"}}))),
            "braintrust.metadata: must be a JSON object (a JSON string or an OTLP map), not array");
}

TEST_F(MappingTest, GenAiConventions) {
  Json row = Row(Request(Attributes({
      {"gen_ai.operation.name", "chat"},
      {"gen_ai.request.model", "gpt-4o"},
      {"gen_ai.request.temperature", R"(@{"doubleValue":0.2})"},
      {"gen_ai.usage.input_tokens", R"(@{"intValue":"12"})"},
      {"gen_ai.usage.output_tokens", R"(@{"intValue":5})"},
      {"gen_ai.input.messages", R"([{"role":"user","parts":[{"type":"text","content":"hi"}]}])"},
      {"gen_ai.output.messages", R"([{"role":"assistant","parts":[]}])"},
  })));
  EXPECT_EQ(Text(row, "span_attributes"), R"({"name":"","type":"llm"})");
  EXPECT_EQ(Text(row, "metadata"),
            R"({"gen_ai.operation.name":"chat","model":"gpt-4o","temperature":0.2})");
  EXPECT_EQ(Text(row, "metrics"), R"({"prompt_tokens":12,"completion_tokens":5,"tokens":17})");
  EXPECT_EQ(Text(row, "input"), R"([{"role":"user","parts":[{"type":"text","content":"hi"}]}])");
  EXPECT_EQ(Text(row, "output"), R"([{"role":"assistant","parts":[]}])");
}

TEST_F(MappingTest, IndexedPromptsOlderTokenNamesAndMessageEvents) {
  Json row = Row(Request(Attributes({
      {"gen_ai.system", "openai"},
      {"gen_ai.prompt.1.role", "user"},
      {"gen_ai.prompt.1.content", "hi"},
      {"gen_ai.prompt.0.role", "system"},
      {"gen_ai.prompt.0.content", "be brief"},
      {"gen_ai.completion.0.role", "assistant"},
      {"gen_ai.completion.0.tool_calls.0.name", "f"},
      {"gen_ai.usage.prompt_tokens", R"(@{"intValue":3})"},
      {"gen_ai.usage.completion_tokens", R"(@{"intValue":4})"},
      {"llm.usage.total_tokens", R"(@{"intValue":9})"},
  })));
  EXPECT_EQ(Text(row, "input"),
            R"([{"content":"be brief","role":"system"},{"content":"hi","role":"user"}])");
  EXPECT_EQ(Text(row, "output"), R"([{"role":"assistant","tool_calls":[{"name":"f"}]}])");
  EXPECT_EQ(Text(row, "metrics"), R"({"prompt_tokens":3,"completion_tokens":4,"tokens":9})");
  EXPECT_EQ(Text(row, "metadata"), R"({"gen_ai.system":"openai"})");

  Json events = Row(
      Request(R"("events":[{"name":"gen_ai.system.message","attributes":[{"key":"content","value":)"
              R"({"stringValue":"be brief"}}]},{"name":"gen_ai.user.message","attributes":[{"key":)"
              R"("gen_ai.event.content","value":{"stringValue":"{\"content\":\"hi\"}"}}]},)"
              R"({"name":"gen_ai.choice","attributes":[{"key":"index","value":{"intValue":0}},)"
              R"({"key":"message.content","value":{"stringValue":"hello"}}]}])"));
  EXPECT_EQ(Text(events, "input"),
            R"([{"content":"be brief","role":"system"},{"content":"hi","role":"user"}])");
  EXPECT_EQ(Text(events, "output"), R"([{"content":"hello","role":"assistant"}])");
}

TEST_F(MappingTest, OpenInference) {
  Json row = Row(Request(Attributes({
      {"openinference.span.kind", "LLM"},
      {"llm.model_name", "claude"},
      {"llm.invocation_parameters", R"({"max_tokens":100})"},
      {"llm.input_messages.0.message.role", "user"},
      {"llm.input_messages.0.message.content", "hi"},
      {"llm.output_messages.0.message.role", "assistant"},
      {"llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "f"},
      {"llm.token_count.prompt", R"(@{"intValue":7})"},
      {"llm.token_count.completion", R"(@{"intValue":2})"},
      {"llm.token_count.total", R"(@{"intValue":9})"},
      {"input.value", "hi"},
  })));
  EXPECT_EQ(Text(row, "span_attributes"), R"({"name":"","type":"llm"})");
  EXPECT_EQ(Text(row, "input"), R"([{"content":"hi","role":"user"}])");
  EXPECT_EQ(Text(row, "output"),
            R"([{"role":"assistant","tool_calls":[{"function":{"name":"f"}}]}])");
  EXPECT_EQ(Text(row, "metrics"), R"({"prompt_tokens":7,"completion_tokens":2,"tokens":9})");
  // input.value was not used (the messages were): it stays in metadata.
  EXPECT_EQ(Text(row, "metadata"),
            R"({"openinference.span.kind":"LLM","input.value":"hi","model":"claude",)"
            R"("max_tokens":100})");
  Json chain = Row(Request(Attributes({{"openinference.span.kind", "CHAIN"},
                                       {"input.value", R"({"q":1})"},
                                       {"input.mime_type", "application/json"},
                                       {"output.value", "done"}})));
  EXPECT_EQ(Text(chain, "input"), R"({"q":1})");
  EXPECT_EQ(Text(chain, "output"), R"("done")");
  EXPECT_EQ(Text(chain, "span_attributes"), R"({"name":"","type":"task"})");
}

TEST_F(MappingTest, VercelAiSdk) {
  Json outer = Row(Request(R"("name":"ai.generateText",)" +
                           Attributes({
                               {"ai.model.id", "gpt-4o-mini"},
                               {"ai.prompt", R"({"system":"be brief","prompt":"hi"})"},
                               {"ai.response.text", "hello"},
                               {"ai.usage.promptTokens", R"(@{"intValue":10})"},
                               {"ai.usage.completionTokens", R"(@{"intValue":2})"},
                               {"ai.telemetry.metadata.user", "u1"},
                           })));
  EXPECT_EQ(Text(outer, "input"),
            R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])");
  EXPECT_EQ(Text(outer, "output"), R"("hello")");
  EXPECT_EQ(Text(outer, "metrics"), R"({"prompt_tokens":10,"completion_tokens":2,"tokens":12})");
  EXPECT_EQ(Text(outer, "metadata"), R"({"model":"gpt-4o-mini","user":"u1"})");
  EXPECT_EQ(Text(outer, "span_attributes"), R"({"name":"ai.generateText","type":"task"})");
  Json inner =
      Row(Request(R"("name":"ai.generateText.doGenerate",)" +
                  Attributes({{"ai.prompt.messages", R"([{"role":"user","content":"hi"}])"},
                              {"ai.response.object", R"({"a":1})"}})));
  EXPECT_EQ(Text(inner, "input"), R"([{"role":"user","content":"hi"}])");
  EXPECT_EQ(Text(inner, "output"), R"({"a":1})");
  EXPECT_EQ(Text(inner, "span_attributes"),
            R"({"name":"ai.generateText.doGenerate","type":"llm"})");
  Json tool = Row(
      Request(R"("name":"ai.toolCall",)" + Attributes({{"ai.toolCall.args", R"({"city":"Paris"})"},
                                                       {"ai.toolCall.result", R"("sunny")"}})));
  EXPECT_EQ(Text(tool, "span_attributes"), R"({"name":"ai.toolCall","type":"tool"})");
  EXPECT_EQ(Text(tool, "input"), R"({"city":"Paris"})");
  EXPECT_EQ(Text(tool, "output"), R"("sunny")");
}

TEST_F(MappingTest, OtherAttributesGoToMetadataUnlessDropped) {
  const std::string body = Request(Attributes({{"http.route", "/x"}, {"service.name", "span"}}),
                                   R"([{"key":"service.name","value":{"stringValue":"res"}},)"
                                   R"({"key":"host","value":{"stringValue":"h1"}}])");
  // The span's attribute wins over the resource's of the same key.
  EXPECT_EQ(Text(Row(body), "metadata"),
            R"({"host":"h1","http.route":"/x","service.name":"span"})");
  EXPECT_EQ(Text(Row(body, {ExtraAttributes::kSpan}), "metadata"),
            R"({"http.route":"/x","service.name":"span"})");
  EXPECT_EQ(Text(Row(body, {ExtraAttributes::kNone}), "metadata"), "absent");
}

}  // namespace
}  // namespace sluice::api::otlp
