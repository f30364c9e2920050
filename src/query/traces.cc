#include "query/traces.h"

#include <algorithm>
#include <cmath>

#include "common/json.h"
#include "common/json_writer.h"

namespace sluice::query {
namespace {

// Sums of one numeric metric; present only when some span carried it.
struct Sum {
  const char* name;
  double total = 0;
  bool all_int = true;
  bool present = false;
};

struct ScoreAcc {
  std::string name;
  double sum = 0;
  int64_t count = 0;
  std::optional<double> root;
};

struct Summary {
  std::vector<ScoreAcc> scores;
  Sum sums[4] = {Sum{"prompt_tokens"}, Sum{"completion_tokens"}, Sum{"tokens"},
                 Sum{"estimated_cost"}};
  std::optional<double> start;
  std::optional<double> end;
  bool start_end_int = true;
};

Json ParseOrNull(const std::string& text) {
  if (text.empty()) return Json();
  auto j = Json::Parse(text);
  return j.ok() ? std::move(*j) : Json();
}

void AddScores(const model::Event& span, bool is_root, Summary& s) {
  Json scores = ParseOrNull(span.scores);
  if (!scores.is_object()) return;
  for (const auto& [name, v] : scores.members()) {
    if (!v.is_number()) continue;
    auto it = s.scores.begin();
    while (it != s.scores.end() && it->name != name) ++it;
    if (it == s.scores.end()) {
      ScoreAcc acc;
      acc.name = name;
      s.scores.push_back(std::move(acc));
      it = s.scores.end() - 1;
    }
    it->sum += v.number_value();
    ++it->count;
    if (is_root) it->root = v.number_value();
  }
}

void AddMetrics(const model::Event& span, Summary& s) {
  Json metrics = ParseOrNull(span.metrics);
  if (!metrics.is_object()) return;
  for (Sum& sum : s.sums) {
    const Json* v = metrics.Find(sum.name);
    if (v == nullptr || !v->is_number()) continue;
    sum.total += v->number_value();
    sum.all_int = sum.all_int && v->type() != Json::Type::kDouble;
    sum.present = true;
  }
  const Json* start = metrics.Find("start");
  if (start != nullptr && start->is_number()) {
    s.start = s.start ? std::min(*s.start, start->number_value()) : start->number_value();
    s.start_end_int = s.start_end_int && start->type() != Json::Type::kDouble;
  }
  const Json* end = metrics.Find("end");
  if (end != nullptr && end->is_number()) {
    s.end = s.end ? std::max(*s.end, end->number_value()) : end->number_value();
    s.start_end_int = s.start_end_int && end->type() != Json::Type::kDouble;
  }
}

Json Number(double v, bool as_int) {
  if (as_int && std::fabs(v) < 9e15) return Json::Int(static_cast<int64_t>(v));
  return Json::Double(v);
}

std::string ScoresJson(const Summary& s) {
  if (s.scores.empty()) return "";
  Json out = Json::Object();
  for (const ScoreAcc& a : s.scores) {
    out.Set(a.name, Json::Double(a.root ? *a.root : a.sum / static_cast<double>(a.count)));
  }
  return out.ToString();
}

std::string MetricsJson(const Summary& s) {
  Json out = Json::Object();
  if (s.start) out.Set("start", Number(*s.start, s.start_end_int));
  if (s.end) out.Set("end", Number(*s.end, s.start_end_int));
  if (s.start && s.end) out.Set("duration", Number(*s.end - *s.start, s.start_end_int));
  for (const Sum& sum : s.sums) {
    if (sum.present) out.Set(sum.name, Number(sum.total, sum.all_int));
  }
  return out.members().empty() ? "" : out.ToString();
}

bool IsLlmSpan(const model::Event& span) {
  if (span.span_attributes.empty()) return false;
  Json attrs = ParseOrNull(span.span_attributes);
  const Json* type = attrs.Find("type");
  return type != nullptr && type->is_string() && type->string_value() == "llm";
}

bool HasError(const model::Event& span) { return !span.error.empty() && span.error != "null"; }

}  // namespace

std::optional<TraceRow> BuildTrace(const std::vector<model::Event>& spans) {
  const model::Event* root = nullptr;
  for (const model::Event& span : spans) {
    bool is_root = span.is_root || span.span_id == span.root_span_id;
    if (is_root && (root == nullptr || span.row_key < root->row_key)) root = &span;
  }
  if (root == nullptr) return std::nullopt;
  TraceRow row;
  row.root = *root;
  Summary summary;
  for (const model::Event& span : spans) {
    AddScores(span, &span == root, summary);
    AddMetrics(span, summary);
    row.root.xact_id = std::max(row.root.xact_id, span.xact_id);
    ++row.stats.span_count;
    row.stats.error_count += HasError(span) ? 1 : 0;
    row.stats.llm_calls += IsLlmSpan(span) ? 1 : 0;
  }
  row.root.scores = ScoresJson(summary);
  row.root.metrics = MetricsJson(summary);
  return row;
}

void AppendTraceJson(const model::Event& root, const TraceStats& stats, std::string& out) {
  model::AppendEventJson(root, out);
  out.pop_back();  // the closing brace
  out += ",\"span_count\":" + std::to_string(stats.span_count);
  out += ",\"error_count\":" + std::to_string(stats.error_count);
  out += ",\"llm_calls\":" + std::to_string(stats.llm_calls);
  out += '}';
}

}  // namespace sluice::query
