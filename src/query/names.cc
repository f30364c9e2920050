#include "query/names.h"

#include <algorithm>

namespace sluice::query {

const std::vector<FieldInfo>& AllFields() {
  static const std::vector<FieldInfo> kFields = {
      {"id", FieldId::kId, false, false},
      {"span_id", FieldId::kSpanId, false, false},
      {"root_span_id", FieldId::kRootSpanId, false, false},
      {"span_parents", FieldId::kSpanParents, false, false},
      {"is_root", FieldId::kIsRoot, false, false},
      {"created", FieldId::kCreated, false, false},
      {"_xact_id", FieldId::kXactId, false, false},
      {"org_id", FieldId::kOrgId, false, false},
      {"project_id", FieldId::kProjectId, false, false},
      {"tags", FieldId::kTags, false, false},
      {"input", FieldId::kInput, true, false},
      {"output", FieldId::kOutput, true, false},
      {"expected", FieldId::kExpected, true, false},
      {"error", FieldId::kError, true, false},
      {"scores", FieldId::kScores, true, false},
      {"metrics", FieldId::kMetrics, true, false},
      {"metadata", FieldId::kMetadata, true, false},
      {"span_attributes", FieldId::kSpanAttributes, true, false},
      {"context", FieldId::kContext, true, false},
      {"origin", FieldId::kOrigin, true, false},
      {"span_count", FieldId::kSpanCount, false, true},
      {"error_count", FieldId::kErrorCount, false, true},
      {"llm_calls", FieldId::kLlmCalls, false, true},
  };
  return kFields;
}

const FieldInfo* FindField(std::string_view name) {
  for (const FieldInfo& f : AllFields()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

int JsonFieldIndex(FieldId id) {
  int k = static_cast<int>(id) - static_cast<int>(FieldId::kInput);
  return k >= 0 && id <= FieldId::kOrigin ? k : -1;
}

bool IsAggregateName(std::string_view name) {
  return name == "count" || name == "sum" || name == "avg" || name == "min" || name == "max";
}

bool ContainsAggregate(const Expr& e) {
  if (e.kind == ExprKind::kCall && IsAggregateName(e.name)) return true;
  for (const ExprPtr& a : e.args) {
    if (ContainsAggregate(*a)) return true;
  }
  return false;
}

namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance: insert, delete, substitute, swap two neighbours.
  std::vector<size_t> prev2(b.size() + 1);
  std::vector<size_t> prev(b.size() + 1);
  std::vector<size_t> cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    prev2 = prev;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string ClosestName(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 64) return "";
  std::string best;
  size_t best_d = 3;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d && d * 2 <= std::max(word.size(), c.size())) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

std::string SuggestionHint(std::string_view word, const std::vector<std::string>& candidates,
                           const std::string& fallback) {
  std::string best = ClosestName(word, candidates);
  if (best.empty()) return fallback;
  return "did you mean '" + best + "'?";
}

}  // namespace sluice::query

namespace sluice::query {
namespace {
void Collect(const Expr& e, std::vector<const Expr*>& out) {
  if (e.kind == ExprKind::kCall && IsAggregateName(e.name)) {
    out.push_back(&e);
    return;
  }
  for (const ExprPtr& a : e.args) Collect(*a, out);
}
}  // namespace

std::vector<const Expr*> CollectAggregates(const Query& q) {
  std::vector<const Expr*> out;
  for (const SelectItem& m : q.measures) Collect(*m.expr, out);
  return out;
}
}  // namespace sluice::query
