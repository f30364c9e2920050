#include "bench/gen/span_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "bench/gen/span_content.h"
#include "common/json_writer.h"
#include "common/status.h"
#include "common/time_util.h"

namespace sluice::bench {

namespace {

// A categorical value with fixed relative weights.
template <size_t N>
struct Categorical {
  std::array<std::string_view, N> values;
  WeightedChoice choice;
  std::string_view Pick(Rng& rng) const { return values[choice.Pick(rng)]; }
};

template <size_t N>
Categorical<N> Weighted(std::array<std::string_view, N> values, std::vector<double> weights) {
  return Categorical<N>{values, WeightedChoice(std::move(weights))};
}

template <size_t N>
Categorical<N> Skewed(std::array<std::string_view, N> values, double exponent) {
  return Categorical<N>{values, WeightedChoice::Zipf(N, exponent)};
}

// Models and their price in dollars per 1,000 prompt and completion tokens.
struct ModelInfo {
  std::string_view name;
  double prompt_per_1k;
  double completion_per_1k;
};
constexpr std::array<ModelInfo, 7> kModels = {{
    {"gpt-4o-mini", 0.00015, 0.0006},
    {"gpt-4o", 0.0025, 0.01},
    {"claude-3-5-sonnet", 0.003, 0.015},
    {"claude-3-5-haiku", 0.0008, 0.004},
    {"llama-3.1-70b", 0.00088, 0.00088},
    {"gemini-1.5-pro", 0.00125, 0.005},
    {"mistral-large", 0.002, 0.006},
}};

constexpr std::array<std::string_view, 5> kScoreNames = {"Factuality", "Relevance", "Helpfulness",
                                                         "Accuracy", "Toxicity"};
constexpr std::array<std::string_view, 7> kTags = {
    "production", "beta", "regression", "customer-reported", "golden", "needs-review", "flagged"};

double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::string StringMember(std::string_view key, std::string_view value) {
  std::string out;
  AppendJsonString(out, key);
  out.push_back(':');
  AppendJsonString(out, value);
  return out;
}

std::string RawMember(std::string_view key, std::string_view json) {
  std::string out;
  AppendJsonString(out, key);
  out.push_back(':');
  out.append(json);
  return out;
}

std::string Hex(Rng& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out.push_back(kHex[rng.Below(16)]);
  return out;
}

std::string UserId(Rng& rng) {
  static const WeightedChoice kUsers = WeightedChoice::Zipf(5000, 1.05);
  std::string id = std::to_string(kUsers.Pick(rng) + 1);
  return "user_" + std::string(5 - std::min<size_t>(5, id.size()), '0') + id;
}

// A score in [0, 1]: mostly high, with exact 0s and 1s as real scorers give.
double DrawScore(Rng& rng) {
  const double r = rng.Uniform();
  if (r < 0.08) return 1;
  if (r < 0.12) return 0;
  return Round(std::sqrt(rng.Uniform()), 1e4);
}

}  // namespace

// Values shared by the spans of one trace.
struct SpanGenerator::TraceInfo {
  std::string root_span_id;
  size_t model = 0;
  // Serialized `"key":value` metadata members in the order spans include them; the per-span
  // request id is inserted at kRequestIdPosition.
  std::vector<std::string> metadata;
};
constexpr size_t kRequestIdPosition = 9;
constexpr int kAlwaysMetadata = 5;
constexpr int kMaxExtraMetadata = 10;

// Where one span sits in its trace.
struct SpanGenerator::SpanPlan {
  std::string span_id;
  std::string parent_id;  // empty for the root
  SpanKind kind = SpanKind::kTask;
  TimestampMicros start = 0;
  TimestampMicros end = 0;
  bool failed = false;
};

SpanGenerator::SpanGenerator(SpanGeneratorOptions options)
    : options_(std::move(options)), rng_(options_.seed) {
  SLUICE_CHECK(options_.range_seconds >= 2);
}

model::Event SpanGenerator::Next() {
  if (pending_.empty()) GenerateTrace();
  model::Event e = std::move(pending_.front());
  pending_.pop_front();
  ++spans_generated_;
  return e;
}

void SpanGenerator::GenerateTrace() {
  static const WeightedChoice kTraceSize = WeightedChoice::Zipf(kMaxSpansPerTrace, 1.3);
  static const WeightedChoice kChildKind({45, 20, 18, 10, 7});  // llm tool function score task
  static constexpr SpanKind kChildKinds[] = {SpanKind::kLlm, SpanKind::kTool, SpanKind::kFunction,
                                             SpanKind::kScore, SpanKind::kTask};
  const int n = static_cast<int>(kTraceSize.Pick(rng_)) + 1;
  const int64_t max_duration =
      std::min<int64_t>(60'000'000, options_.range_seconds * 1'000'000 / 2);
  std::vector<SpanPlan> plans(n);
  SpanPlan& root = plans[0];
  root.span_id = RandomUuid(rng_);
  root.kind = n == 1 && rng_.Chance(0.6) ? SpanKind::kLlm : SpanKind::kTask;
  root.start = TraceStart(n, max_duration);
  const double duration = rng_.LogNormal(std::log(4e6), 0.8);
  root.end = root.start + std::clamp<int64_t>(static_cast<int64_t>(duration), 1, max_duration);
  std::vector<int> containers = {0};  // spans that may have children
  for (int i = 1; i < n; ++i) {
    const SpanPlan& parent = plans[containers[rng_.Below(containers.size())]];
    SpanPlan& p = plans[i];
    p.span_id = RandomUuid(rng_);
    p.parent_id = parent.span_id;
    p.kind = kChildKinds[kChildKind.Pick(rng_)];
    const int64_t span = parent.end - parent.start;
    p.start = parent.start + static_cast<int64_t>(rng_.Uniform() * 0.6 * span);
    p.end = p.start +
            std::max<int64_t>(1, static_cast<int64_t>(rng_.Uniform() * (parent.end - p.start)));
    p.end = std::min(p.end, parent.end);
    if (p.kind == SpanKind::kTask || p.kind == SpanKind::kFunction) containers.push_back(i);
  }
  TraceInfo trace = MakeTraceInfo();
  trace.root_span_id = root.span_id;
  for (SpanPlan& p : plans) {
    p.failed = rng_.Chance(options_.error_fraction);
    pending_.push_back(MakeSpan(trace, p));
  }
  ++traces_generated_;
}

TimestampMicros SpanGenerator::TraceStart(int spans, int64_t max_duration_micros) {
  const int64_t range = options_.range_seconds * 1'000'000;
  const int64_t latest = range - max_duration_micros;
  int64_t offset;
  if (options_.span_count > 0) {
    // Lay traces out in order, each in the stretch of time its share of spans covers.
    const double per_span = static_cast<double>(range) / static_cast<double>(options_.span_count);
    offset = static_cast<int64_t>(per_span * static_cast<double>(spans_planned_) +
                                  rng_.Uniform() * per_span * spans);
  } else {
    offset = static_cast<int64_t>(rng_.Uniform() * static_cast<double>(latest));
  }
  spans_planned_ += spans;
  return options_.start_time + std::clamp<int64_t>(offset, 0, latest);
}

SpanGenerator::TraceInfo SpanGenerator::MakeTraceInfo() {
  static const auto kEnvironments =
      Weighted<3>({"production", "staging", "development"}, {75, 18, 7});
  static const auto kRegions = Weighted<5>(
      {"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1", "sa-east-1"}, {50, 20, 15, 10, 5});
  static const auto kVersions =
      Skewed<6>({"2.4.1", "2.4.0", "2.3.7", "2.3.2", "2.2.0", "1.9.8"}, 1.2);
  static const auto kTiers = Weighted<3>({"free", "pro", "enterprise"}, {60, 30, 10});
  static const auto kFeatures = Skewed<7>(
      {"chat", "search", "summarize", "extract", "classify", "translate", "code_review"}, 1.0);
  static const auto kPrompts = Skewed<5>({"v12", "v11", "v10", "v9", "v8"}, 1.5);
  static const auto kLanguages =
      Weighted<6>({"en", "de", "fr", "es", "ja", "pt"}, {70, 8, 7, 7, 5, 3});
  static const auto kApps =
      Skewed<4>({"support-bot", "search-assistant", "docs-qa", "sales-copilot"}, 1.0);
  static const auto kTemperatures = Weighted<4>({"0", "0.2", "0.7", "1"}, {30, 30, 30, 10});
  static const auto kMaxTokens = Skewed<5>({"1024", "512", "2048", "4096", "256"}, 1.0);
  static const WeightedChoice kModelChoice = WeightedChoice::Zipf(kModels.size(), 1.2);

  TraceInfo t;
  t.model = kModelChoice.Pick(rng_);
  t.metadata = {
      StringMember("environment", kEnvironments.Pick(rng_)),
      StringMember("user_id", UserId(rng_)),
      StringMember("model", kModels[t.model].name),
      StringMember("region", kRegions.Pick(rng_)),
      StringMember("version", kVersions.Pick(rng_)),
      StringMember("session_id", "sess_" + Hex(rng_, 12)),
      StringMember("customer_tier", kTiers.Pick(rng_)),
      StringMember("feature", kFeatures.Pick(rng_)),
      RawMember("temperature", kTemperatures.Pick(rng_)),
      RawMember("max_tokens", kMaxTokens.Pick(rng_)),
      StringMember("prompt_version", kPrompts.Pick(rng_)),
      StringMember("language", kLanguages.Pick(rng_)),
      RawMember("stream", rng_.Chance(0.3) ? "true" : "false"),
      StringMember("app", kApps.Pick(rng_)),
  };
  return t;
}

model::Event SpanGenerator::MakeSpan(const TraceInfo& trace, const SpanPlan& plan) {
  model::Event e;
  e.id = RandomUuid(rng_);
  e.span_id = plan.span_id;
  e.root_span_id = trace.root_span_id;
  e.is_root = plan.parent_id.empty();
  if (!e.is_root) e.span_parents.push_back(plan.parent_id);
  e.created = plan.start;
  const double half = static_cast<double>(options_.mean_text_bytes_per_span) / 2;
  const size_t input_bytes = DrawTextBytes(half);
  const size_t output_bytes = DrawTextBytes(half);
  e.input = MakeInput(plan.kind, input_bytes, rng_);
  if (plan.failed) {
    e.error = PickError(rng_);
  } else {
    e.output = MakeOutput(plan.kind, output_bytes, rng_);
  }
  if (e.is_root && rng_.Chance(0.25)) e.expected = MakePlainText(DrawTextBytes(250), rng_);
  const std::string_view name = PickSpanName(plan.kind, rng_);
  e.scores = MakeScores(plan, name);
  e.metrics = MakeMetrics(trace, plan, input_bytes, output_bytes);
  e.metadata = MakeMetadata(trace);
  if (e.is_root) e.tags = MakeTags();
  JsonWriter attrs(&e.span_attributes);
  attrs.BeginObject().Member("name", name).Member("type", SpanKindName(plan.kind)).EndObject();
  e.org_id = options_.org_id;
  e.project_id = options_.project_id;
  e.object = {model::ObjectType::kProjectLogs, options_.project_id};
  return e;
}

std::string SpanGenerator::MakeMetrics(const TraceInfo& trace, const SpanPlan& plan,
                                       size_t input_bytes, size_t output_bytes) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Member("start", static_cast<double>(plan.start) / 1e6);
  w.Member("end", static_cast<double>(plan.end) / 1e6);
  if (plan.kind == SpanKind::kLlm) {
    // About four bytes of text per token.
    const auto tokens = [&](size_t bytes) {
      return static_cast<int64_t>(static_cast<double>(bytes) / 4 * (0.85 + 0.3 * rng_.Uniform()));
    };
    const int64_t prompt = tokens(input_bytes);
    const int64_t completion = plan.failed ? 0 : tokens(output_bytes);
    const ModelInfo& m = kModels[trace.model];
    const double cost = (static_cast<double>(prompt) * m.prompt_per_1k +
                         static_cast<double>(completion) * m.completion_per_1k) /
                        1000;
    w.Member("prompt_tokens", prompt);
    w.Member("completion_tokens", completion);
    w.Member("tokens", prompt + completion);
    w.Member("estimated_cost", Round(cost, 1e8));
  }
  w.EndObject();
  return out;
}

std::string SpanGenerator::MakeMetadata(const TraceInfo& trace) {
  const int keys = kAlwaysMetadata + static_cast<int>(rng_.Between(0, kMaxExtraMetadata));
  std::string out = "{";
  for (int i = 0; i < keys; ++i) {
    if (i > 0) out.push_back(',');
    const size_t at = static_cast<size_t>(i);
    if (at == kRequestIdPosition) {
      out += StringMember("request_id", "req_" + Hex(rng_, 16));
    } else {
      out += trace.metadata[at < kRequestIdPosition ? at : at - 1];
    }
  }
  out.push_back('}');
  return out;
}

std::string SpanGenerator::MakeScores(const SpanPlan& plan, std::string_view name) {
  static const WeightedChoice kFirstScore = WeightedChoice::Zipf(kScoreNames.size(), 1.0);
  std::string out;
  JsonWriter w(&out);
  if (plan.kind == SpanKind::kScore) {
    w.BeginObject().Member(name, DrawScore(rng_)).EndObject();
    return out;
  }
  if (!plan.parent_id.empty() || !rng_.Chance(0.6)) return out;
  const size_t first = kFirstScore.Pick(rng_);
  const int count = static_cast<int>(rng_.Between(1, 3));
  w.BeginObject();
  for (int i = 0; i < count; ++i) {
    w.Member(kScoreNames[(first + i) % kScoreNames.size()], DrawScore(rng_));
  }
  w.EndObject();
  return out;
}

std::vector<std::string> SpanGenerator::MakeTags() {
  static const WeightedChoice kCount({40, 35, 18, 7});
  static const WeightedChoice kFirst = WeightedChoice::Zipf(kTags.size(), 1.2);
  std::vector<std::string> tags;
  const size_t count = kCount.Pick(rng_);
  const size_t first = kFirst.Pick(rng_);
  for (size_t i = 0; i < count; ++i) tags.emplace_back(kTags[(first + i) % kTags.size()]);
  return tags;
}

size_t SpanGenerator::DrawTextBytes(double mean) {
  constexpr double kSigma = 0.9;
  const double mu = std::log(mean) - kSigma * kSigma / 2;
  const double v = rng_.LogNormal(mu, kSigma);
  return static_cast<size_t>(
      std::clamp(v, static_cast<double>(kMinTextBytes), static_cast<double>(kMaxTextBytes)));
}

void AppendInsertEventJson(const model::Event& e, std::string& out) {
  JsonWriter w(&out);
  w.BeginObject();
  w.Member("id", e.id).Member("span_id", e.span_id).Member("root_span_id", e.root_span_id);
  if (!e.span_parents.empty()) {
    w.Key("span_parents").BeginArray();
    for (const std::string& p : e.span_parents) w.String(p);
    w.EndArray();
  }
  w.Member("created", FormatRfc3339(e.created));
  const auto raw = [&](const char* key, const std::string& json) {
    if (!json.empty()) w.Key(key).Raw(json);
  };
  raw("input", e.input);
  raw("output", e.output);
  raw("expected", e.expected);
  raw("error", e.error);
  raw("scores", e.scores);
  raw("metrics", e.metrics);
  raw("metadata", e.metadata);
  if (!e.tags.empty()) {
    w.Key("tags").BeginArray();
    for (const std::string& t : e.tags) w.String(t);
    w.EndArray();
  }
  raw("span_attributes", e.span_attributes);
  raw("context", e.context);
  raw("origin", e.origin);
  w.EndObject();
}

std::string InsertRequestBody(std::span<const model::Event> events) {
  std::string out = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendInsertEventJson(events[i], out);
  }
  out += "]}";
  return out;
}

}  // namespace sluice::bench
