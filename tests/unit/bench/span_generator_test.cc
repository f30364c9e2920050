#include "bench/gen/span_generator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/gen/span_content.h"
#include "common/json.h"
#include "model/event_write.h"

namespace sluice::bench {
namespace {

constexpr TimestampMicros kStart = 1'767'225'600'000'000LL;  // 2026-01-01T00:00:00Z

SpanGeneratorOptions Options(uint64_t seed) {
  SpanGeneratorOptions o;
  o.seed = seed;
  o.start_time = kStart;
  o.range_seconds = 2 * 86'400;
  o.org_id = "org-1";
  o.project_id = "project-1";
  return o;
}

std::vector<model::Event> Generate(const SpanGeneratorOptions& options, size_t n) {
  SpanGenerator gen(options);
  std::vector<model::Event> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(gen.Next());
  return out;
}

std::string AsJsonLines(const std::vector<model::Event>& events) {
  std::string out;
  for (const model::Event& e : events) {
    AppendInsertEventJson(e, out);
    out.push_back('\n');
  }
  return out;
}

// The stored form of what the insert API would write for `e`, compared field by field.
void ExpectSameRow(const model::Event& stored, const model::Event& e) {
  EXPECT_EQ(stored.id, e.id);
  EXPECT_EQ(stored.span_id, e.span_id);
  EXPECT_EQ(stored.root_span_id, e.root_span_id);
  EXPECT_EQ(stored.span_parents, e.span_parents);
  EXPECT_EQ(stored.is_root, e.is_root);
  EXPECT_EQ(stored.created, e.created);
  EXPECT_EQ(stored.tags, e.tags);
  for (const model::JsonField& f : model::kJsonFields) {
    EXPECT_EQ(stored.*f.member, e.*f.member) << f.name << " of " << e.id;
  }
}

TEST(SpanGenerator, SameSeedGivesTheSameBytes) {
  const auto a = AsJsonLines(Generate(Options(42), 2000));
  const auto b = AsJsonLines(Generate(Options(42), 2000));
  const auto c = AsJsonLines(Generate(Options(43), 2000));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SpanGenerator, EveryEventPassesInsertValidationAndStoresAsGenerated) {
  const auto events = Generate(Options(7), 3000);
  for (size_t begin = 0; begin < events.size(); begin += 1000) {
    std::span<const model::Event> batch(events.data() + begin, 1000);
    auto writes = model::ParseInsertRequest(InsertRequestBody(batch));
    ASSERT_TRUE(writes.ok()) << writes.status().ToString();
    ASSERT_EQ(writes->size(), batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      auto stored = model::ApplyEventWrite((*writes)[i], nullptr, /*now=*/0);
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      ExpectSameRow(*stored, batch[i]);
    }
  }
  EXPECT_EQ(events[0].org_id, "org-1");
  EXPECT_EQ(events[0].object.id, "project-1");
}

TEST(SpanGenerator, TextSizesAreSkewedWithinBoundsAroundTheMean) {
  const auto events = Generate(Options(3), 20000);
  double total = 0;
  size_t values = 0, small = 0, large = 0;
  for (const model::Event& e : events) {
    for (const std::string* v : {&e.input, &e.output, &e.expected}) {
      if (v->empty()) continue;
      EXPECT_GE(v->size(), kMinTextBytes);
      EXPECT_LE(v->size(), kMaxTextBytes);
      ++values;
      small += v->size() < 300;
      large += v->size() > 2048;
    }
    total += static_cast<double>(e.input.size() + e.output.size());
  }
  const double mean = total / static_cast<double>(events.size());
  EXPECT_GT(mean, 1024 * 0.7);
  EXPECT_LT(mean, 1024 * 1.3);
  // Log-normal: many small values and a long tail.
  EXPECT_GT(static_cast<double>(small) / values, 0.25);
  EXPECT_GT(static_cast<double>(large) / values, 0.01);
}

TEST(SpanGenerator, MeanTextSizeFollowsTheOption) {
  SpanGeneratorOptions o = Options(3);
  o.mean_text_bytes_per_span = 4096;
  double total = 0;
  const auto events = Generate(o, 5000);
  for (const model::Event& e : events) total += static_cast<double>(e.input.size());
  EXPECT_NEAR(total / static_cast<double>(events.size()), 2048, 2048 * 0.3);
}

TEST(SpanGenerator, TracesAreContiguousTreesUnderOneRoot) {
  const auto events = Generate(Options(5), 20000);
  std::map<size_t, int> trace_sizes;
  std::set<std::string> spans_of_trace;
  std::string root;
  size_t size = 0;
  for (const model::Event& e : events) {
    if (e.is_root) {
      if (size > 0) ++trace_sizes[size];
      EXPECT_EQ(e.root_span_id, e.span_id);
      EXPECT_TRUE(e.span_parents.empty());
      root = e.span_id;
      spans_of_trace = {e.span_id};
      size = 1;
      continue;
    }
    EXPECT_EQ(e.root_span_id, root) << "child " << e.id << " outside its root's trace";
    ASSERT_EQ(e.span_parents.size(), 1u);
    EXPECT_TRUE(spans_of_trace.count(e.span_parents[0])) << "parent not earlier in the trace";
    spans_of_trace.insert(e.span_id);
    ++size;
  }
  EXPECT_EQ(trace_sizes.begin()->first, 1u);
  EXPECT_LE(trace_sizes.rbegin()->first, static_cast<size_t>(kMaxSpansPerTrace));
  EXPECT_GE(trace_sizes.rbegin()->first, 15u);
  // Skewed toward few spans: single-span traces are the most common size.
  for (const auto& [n, count] : trace_sizes) EXPECT_LE(count, trace_sizes[1]) << n;
}

TEST(SpanGenerator, CreatedFallsInTheRangeAndChildrenStartWithinTheirTrace) {
  SpanGeneratorOptions o = Options(8);
  o.span_count = 10000;
  const auto events = Generate(o, 10000);
  std::map<std::string, TimestampMicros> created_of;
  for (const model::Event& e : events) {
    EXPECT_GE(e.created, kStart);
    EXPECT_LT(e.created, kStart + o.range_seconds * 1'000'000);
    created_of[e.span_id] = e.created;
    if (!e.is_root) {
      EXPECT_GE(e.created, created_of.at(e.span_parents[0]));
    }
    auto metrics = Json::Parse(e.metrics);
    ASSERT_TRUE(metrics.ok());
    EXPECT_EQ(
        static_cast<TimestampMicros>(std::llround(metrics->Find("start")->number_value() * 1e6)),
        e.created);
    EXPECT_GE(metrics->Find("end")->number_value(), metrics->Find("start")->number_value());
  }
  // With span_count given, traces are laid out in time order across the whole range.
  EXPECT_LT(events[0].created, kStart + 86'400'000'000LL / 100);
  EXPECT_GT(events.back().created, kStart + 2 * 86'400'000'000LL * 95 / 100);
  EXPECT_LT(events[2000].created, events[8000].created);
}

TEST(SpanGenerator, FieldsLookLikeAnLlmApplicationsLogs) {
  const auto events = Generate(Options(13), 10000);
  std::map<std::string, int> types;
  size_t errors = 0, llm_with_tokens = 0, roots = 0, roots_with_scores = 0;
  for (const model::Event& e : events) {
    auto attrs = Json::Parse(e.span_attributes);
    ASSERT_TRUE(attrs.ok());
    const std::string type = attrs->Find("type")->string_value();
    ++types[type];
    EXPECT_FALSE(attrs->Find("name")->string_value().empty());
    auto metadata = Json::Parse(e.metadata);
    ASSERT_TRUE(metadata.ok());
    EXPECT_GE(metadata->members().size(), 5u);
    EXPECT_LE(metadata->members().size(), 15u);
    EXPECT_TRUE(metadata->Find("environment") && metadata->Find("model"));
    if (!e.error.empty()) {
      ++errors;
      EXPECT_TRUE(e.output.empty());
    }
    llm_with_tokens += type == "llm" && e.metrics.find("\"tokens\":") != std::string::npos;
    roots += e.is_root;
    roots_with_scores += e.is_root && !e.scores.empty();
  }
  EXPECT_EQ(types.size(), 5u);
  EXPECT_EQ(llm_with_tokens, static_cast<size_t>(types["llm"]));
  EXPECT_NEAR(static_cast<double>(errors) / events.size(), 0.02, 0.01);
  EXPECT_NEAR(static_cast<double>(roots_with_scores) / roots, 0.6, 0.05);
}

}  // namespace
}  // namespace sluice::bench
