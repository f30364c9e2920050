// `GET /experiment-comparison2?experiment_id=&base_experiment_id=`: what an SDK's
// experiment.summarize() prints. Per score, the mean over the experiment's traces (one root span
// each) and, against the base experiment, the difference of the means and how many examples
// (traces with the same input) improved or regressed. Per metric (duration, token counts, summed
// over each trace's spans) the same, where lower is better.
#include <map>

#include "api/request_body.h"
#include "api/sdk_handlers.h"
#include "common/json_writer.h"

namespace sluice::api {

namespace {

// What one trace contributes to a summary.
struct TraceStats {
  bool has_root = false;  // traces whose root span is not stored yet are left out
  std::string input;      // the root span's input, canonical JSON: the example it ran
  std::map<std::string, double> scores;
  std::map<std::string, double> metrics;
};

struct Side {
  std::map<std::string, TraceStats> traces;  // by root_span_id
};

constexpr struct {
  const char* field;  // in a span's metrics
  const char* name;   // in the summary
} kTokenMetrics[] = {{"prompt_tokens", "prompt_tokens"},
                     {"completion_tokens", "completion_tokens"},
                     {"tokens", "total_tokens"}};

void AddSpan(const model::Event& e, TraceStats& t) {
  auto metrics = Json::Parse(e.metrics.empty() ? "{}" : e.metrics);
  if (metrics.ok()) {
    for (const auto& m : kTokenMetrics) {
      const Json* v = metrics->Find(m.field);
      if (v != nullptr && v->is_number()) t.metrics[m.name] += v->number_value();
    }
  }
  if (!e.is_root) return;
  t.has_root = true;
  t.input = e.input;
  if (metrics.ok()) {
    const Json* start = metrics->Find("start");
    const Json* end = metrics->Find("end");
    if (start != nullptr && end != nullptr && start->is_number() && end->is_number()) {
      t.metrics["duration"] = end->number_value() - start->number_value();
    }
  }
  auto scores = Json::Parse(e.scores.empty() ? "{}" : e.scores);
  if (!scores.ok()) return;
  for (const auto& [name, v] : scores->members()) {
    if (v.is_number()) t.scores[name] = v.number_value();
  }
}

Result<Side> ReadSide(model::EventSource& source, const std::string& experiment_id) {
  model::ScanRequest scan;
  scan.object = {model::ObjectType::kExperiment, experiment_id};
  SLUICE_ASSIGN_OR_RETURN(auto stream, source.Scan(scan));
  Side side;
  model::Event e;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(bool more, stream->Next(&e));
    if (!more) break;
    AddSpan(e, side.traces[e.root_span_id]);
  }
  std::erase_if(side.traces, [](const auto& t) { return !t.second.has_root; });
  return side;
}

// The mean of each name over the traces that have it.
std::map<std::string, double> Means(const Side& s, bool scores) {
  std::map<std::string, std::pair<double, int>> sums;
  for (const auto& [id, t] : s.traces) {
    for (const auto& [name, v] : scores ? t.scores : t.metrics) {
      sums[name].first += v;
      ++sums[name].second;
    }
  }
  std::map<std::string, double> out;
  for (const auto& [name, sum] : sums) out[name] = sum.first / sum.second;
  return out;
}

struct Changes {
  int improvements = 0;
  int regressions = 0;
};

// Per name, how many examples changed for the better against the base: traces matched by input.
std::map<std::string, Changes> CompareExamples(const Side& cur, const Side& base, bool scores) {
  std::map<std::string, const TraceStats*> by_input;
  for (const auto& [id, t] : base.traces) by_input.emplace(t.input, &t);
  std::map<std::string, Changes> out;
  for (const auto& [id, t] : cur.traces) {
    auto match = by_input.find(t.input);
    if (match == by_input.end()) continue;
    const auto& mine = scores ? t.scores : t.metrics;
    const auto& theirs = scores ? match->second->scores : match->second->metrics;
    for (const auto& [name, v] : mine) {
      auto other = theirs.find(name);
      if (other == theirs.end() || other->second == v) continue;
      // Scores: higher is better. Metrics (time, tokens): lower is better.
      const bool better = scores ? v > other->second : v < other->second;
      ++(better ? out[name].improvements : out[name].regressions);
    }
  }
  return out;
}

void WriteSummaries(JsonWriter& w, const char* key, const Side& cur, const Side* base,
                    bool scores) {
  const auto means = Means(cur, scores);
  const auto base_means = base ? Means(*base, scores) : std::map<std::string, double>();
  const auto changes =
      base ? CompareExamples(cur, *base, scores) : std::map<std::string, Changes>();
  w.Key(key).BeginObject();
  for (const auto& [name, mean] : means) {
    w.Key(name).BeginObject().Member("name", name).Member(scores ? "score" : "metric", mean);
    if (!scores) w.Member("unit", name == "duration" ? "s" : "tok");
    if (auto b = base_means.find(name); b != base_means.end()) w.Member("diff", mean - b->second);
    auto c = changes.find(name);
    const Changes none;
    const Changes& ch = c == changes.end() ? none : c->second;
    w.Member("improvements", ch.improvements).Member("regressions", ch.regressions);
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

Result<ApiResponse> SdkHandlers::CompareExperiments(const ApiRequest& r) {
  SLUICE_ASSIGN_OR_RETURN(Caller caller, auth_.Authenticate(r.authorization));
  const std::string id = r.Query("experiment_id");
  const std::string base_id = r.Query("base_experiment_id");
  if (id.empty()) return InvalidArgumentError("experiment_id: required");
  SLUICE_RETURN_IF_ERROR(auth_
                             .RequireObject(caller, {model::ObjectType::kExperiment, id},
                                            model::Permission::kRead, "summarizing it")
                             .status());
  SLUICE_ASSIGN_OR_RETURN(Side cur, ReadSide(store_, id));
  std::optional<Side> base;
  if (!base_id.empty()) {
    SLUICE_RETURN_IF_ERROR(auth_
                               .RequireObject(caller, {model::ObjectType::kExperiment, base_id},
                                              model::Permission::kRead, "comparing with it")
                               .status());
    SLUICE_ASSIGN_OR_RETURN(base, ReadSide(store_, base_id));
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  WriteSummaries(w, "scores", cur, base ? &*base : nullptr, true);
  WriteSummaries(w, "metrics", cur, base ? &*base : nullptr, false);
  w.EndObject();
  return ApiResponse::Json(std::move(out));
}

}  // namespace sluice::api
