#include "testing/fake_event_source.h"

#include <algorithm>

#include "common/json.h"

namespace sluice::testing {
namespace {

class VectorStream : public model::EventStream {
 public:
  explicit VectorStream(std::vector<model::Event> rows) : rows_(std::move(rows)) {}
  Result<bool> Next(model::Event* row) override {
    if (next_ >= rows_.size()) return false;
    *row = rows_[next_++];
    return true;
  }

 private:
  std::vector<model::Event> rows_;
  size_t next_ = 0;
};

bool Contains(const std::vector<std::string>& list, const std::string& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// The JSON match as the SQLite store applies it: the member is a string equal to one of the
// values.
bool JsonMatches(const model::JsonStringMatch& m, const model::Event& e) {
  const std::string* text = nullptr;
  for (const model::JsonField& f : model::kJsonFields) {
    if (m.field == f.name) text = &(e.*f.member);
  }
  if (text == nullptr || text->empty()) return false;
  auto root = Json::Parse(*text);
  if (!root.ok()) return false;
  const Json* at = &*root;
  for (const std::string& key : m.path) {
    at = at->is_object() ? at->Find(key) : nullptr;
    if (at == nullptr) return false;
  }
  return at->is_string() && Contains(m.values, at->string_value());
}

bool Matches(const model::ScanRequest& r, const model::Event& e) {
  if (!(e.object == r.object)) return false;
  if (r.order == model::ScanOrder::kXactAscending && r.after &&
      model::XactCursor{e.xact_id, e.row_key} <= *r.after) {
    return false;
  }
  if (r.max_xact_id && e.xact_id > *r.max_xact_id) return false;
  if (r.created_min && e.created < *r.created_min) return false;
  if (r.created_max && e.created >= *r.created_max) return false;
  if (!r.ids.empty() && !Contains(r.ids, e.id)) return false;
  if (!r.root_span_ids.empty() && !Contains(r.root_span_ids, e.root_span_id)) return false;
  for (const model::JsonStringMatch& m : r.json_matches) {
    if (!JsonMatches(m, e)) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<model::EventStream>> FakeEventSource::Scan(
    const model::ScanRequest& request) {
  requests_.push_back(request);
  std::vector<model::Event> out;
  for (const model::Event& e : rows_) {
    if (!Matches(request, e)) continue;
    out.push_back(e);
    if (!request.json_fields) continue;
    // As a store may: the fields the reader did not ask for come back empty.
    for (const model::JsonField& f : model::kJsonFields) {
      const auto& want = *request.json_fields;
      if (std::find(want.begin(), want.end(), f.name) == want.end()) (out.back().*f.member).clear();
    }
  }
  auto xact_less = [](const model::Event& a, const model::Event& b) {
    return model::XactCursor{a.xact_id, a.row_key} < model::XactCursor{b.xact_id, b.row_key};
  };
  auto created_less = [](const model::Event& a, const model::Event& b) {
    return std::pair(a.created, a.row_key) < std::pair(b.created, b.row_key);
  };
  switch (request.order) {
    case model::ScanOrder::kXactAscending: std::sort(out.begin(), out.end(), xact_less); break;
    case model::ScanOrder::kCreatedAscending:
      std::sort(out.begin(), out.end(), created_less);
      break;
    case model::ScanOrder::kCreatedDescending:
      std::sort(out.begin(), out.end(), created_less);
      std::reverse(out.begin(), out.end());
      break;
  }
  if (request.limit > 0 && static_cast<int64_t>(out.size()) > request.limit) {
    out.resize(static_cast<size_t>(request.limit));
  }
  return std::unique_ptr<model::EventStream>(std::make_unique<VectorStream>(std::move(out)));
}

namespace {

struct SpanSpec {
  const char* id;
  const char* root;
  const char* parent;  // "" for a root span
  int minutes;         // created = kT0 + minutes
  uint64_t xact;
  const char* input;
  const char* error;
  const char* metadata;
  const char* scores;
  const char* metrics;
  const char* attrs;
  std::vector<std::string> tags;
};

model::Event Make(const SpanSpec& s, int64_t row_key, model::ObjectRef object) {
  model::Event e;
  e.id = s.id;
  e.span_id = s.id;
  e.root_span_id = s.root;
  e.is_root = std::string(s.parent).empty();
  if (!e.is_root) e.span_parents = {s.parent};
  e.created = kT0 + s.minutes * kMinute;
  e.xact_id = s.xact;
  e.row_key = row_key;
  e.input = s.input;
  e.error = s.error;
  e.metadata = s.metadata;
  e.scores = s.scores;
  e.metrics = s.metrics;
  e.span_attributes = s.attrs;
  e.tags = s.tags;
  e.org_id = "o1";
  e.project_id = "p1";
  e.object = std::move(object);
  return e;
}

}  // namespace

std::vector<model::Event> TestDataset() {
  const SpanSpec kSpans[] = {
      {"a1",
       "a1",
       "",
       0,
       100,
       R"({"q":"hello"})",
       "",
       R"({"env":"prod","model":"gpt-4","n":3,"nested":{"k":"v"}})",
       R"({"accuracy":0.5})",
       R"({"start":1000,"end":1010,"prompt_tokens":10,"completion_tokens":5,"tokens":15})",
       R"({"name":"root","type":"task"})",
       {"x", "y"}},
      {"a2",
       "a1",
       "a1",
       1,
       100,
       R"("step one")",
       "",
       R"({"env":"prod","model":"gpt-4"})",
       R"({"accuracy":1,"fluency":0.75})",
       R"({"start":1001,"end":1005,"prompt_tokens":7,"completion_tokens":3,"tokens":10,)"
       R"("estimated_cost":0.25})",
       R"({"name":"llm1","type":"llm"})",
       {}},
      {"a3",
       "a1",
       "a1",
       2,
       101,
       R"("step two")",
       R"("timeout")",
       R"({"env":"prod","model":"gpt-3.5"})",
       R"({"fluency":0.25})",
       R"({"start":1002,"end":1012,"tokens":4,"estimated_cost":0.5})",
       R"({"name":"llm2","type":"llm"})",
       {}},
      {"b1",
       "b1",
       "",
       60,
       102,
       R"("what's up -- /* x */")",
       "",
       R"({"env":"staging","model":"claude","note":"it's"})",
       R"({"accuracy":0})",
       R"({"start":2000,"end":2003,"tokens":20})",
       R"({"name":"root","type":"task"})",
       {"y"}},
      {"b2",
       "b1",
       "b1",
       61,
       103,
       "",
       "",
       R"({"env":"staging"})",
       "",
       R"({"start":2001,"end":2002,"tokens":5})",
       R"({"name":"llm","type":"llm"})",
       {}},
      {"c1",
       "c1",
       "",
       120,
       104,
       R"({"q":"bye"})",
       R"({"message":"boom"})",
       R"({"env":"prod","model":"gpt-4","n":7})",
       "",
       R"({"start":3000,"end":3001})",
       R"({"name":"root","type":"task"})",
       {}},
      {"d2", "d1", "d1", 130, 105, "", "", R"({"env":"prod"})", "", "", "", {}},
  };
  std::vector<model::Event> rows;
  int64_t key = 1;
  for (const SpanSpec& s : kSpans) {
    rows.push_back(Make(s, key++, {model::ObjectType::kProjectLogs, "p1"}));
  }
  SpanSpec exp{"e1a", "e1a", "", 0, 106, R"("x")", "", R"({"env":"prod"})", "", "", "", {}};
  rows.push_back(Make(exp, key++, {model::ObjectType::kExperiment, "e1"}));
  return rows;
}

}  // namespace sluice::testing
