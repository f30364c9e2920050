// QueryFileRows (a custom query's rows typed for its file), the engine's typed rows
// (query::FileValue) and RowSpool. The typed rows must make the same file as the query's JSON
// rows did when they were parsed back: every case of the query corpus, and rows with numbers,
// objects and times that could tell them apart, runs through both and the two must agree on
// the schema and every value.
#include "jobs/query_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "common/json.h"
#include "common/time_util.h"
#include "format/schemas.h"
#include "query/parser.h"
#include "testing/fake_clock.h"
#include "testing/fake_event_source.h"
#include "testing/query_corpus.h"
#include "testing/temp_dir.h"

namespace sluice::jobs {
namespace {

using format::Value;
using format::ValueType;

// Keeps what a file would get: its schema and rows.
class CapturingWriter final : public format::RowWriter {
 public:
  Status Begin(const format::Schema& s) override {
    schema = s;
    return Status();
  }
  Status WriteRows(std::span<const format::Row> r) override {
    rows.insert(rows.end(), r.begin(), r.end());
    stats_.rows += static_cast<int64_t>(r.size());
    return Status();
  }
  Status Finish() override { return Status(); }
  const format::WriteStats& stats() const override { return stats_; }

  format::Schema schema;
  std::vector<format::Row> rows;

 private:
  format::WriteStats stats_;
};

// The reference: a query's JSON rows parsed back and typed the way exports typed them before
// the engine handed over typed rows.
class JsonRowsReference final : public query::RowSink {
 public:
  Status OnRow(std::string_view json) override {
    SLUICE_ASSIGN_OR_RETURN(Json parsed, Json::Parse(json));
    auto& out = rows_.emplace_back();
    for (const Json::Member& m : parsed.members()) {
      auto it = std::find(names_.begin(), names_.end(), m.first);
      const int column = static_cast<int>(it - names_.begin());
      if (it == names_.end()) names_.push_back(m.first);
      out.emplace_back(column, ToValue(m.second));
    }
    return Status();
  }

  void WriteTo(CapturingWriter& w) {
    std::vector<format::Row> rows;
    for (auto& sparse : rows_) {
      format::Row& row = rows.emplace_back(names_.size());
      for (auto& [column, value] : sparse) row[column] = value;
    }
    TypeKnownColumns(rows);
    format::Schema schema = format::InferSchema(names_, rows);
    if (schema.columns.empty()) schema = format::InferSchema({"_xact_id"}, {});
    (void)w.Begin(schema);
    (void)w.WriteRows(rows);
  }

 private:
  static Value ToValue(const Json& v) {
    switch (v.type()) {
      case Json::Type::kNull: return Value::Null();
      case Json::Type::kBool: return Value::Bool(v.bool_value());
      case Json::Type::kInt: return Value::Int64(v.int_value());
      case Json::Type::kUint:
        if (v.uint_value() <= static_cast<uint64_t>(INT64_MAX)) {
          return Value::Int64(static_cast<int64_t>(v.uint_value()));
        }
        return Value::Double(static_cast<double>(v.uint_value()));
      case Json::Type::kDouble: return Value::Double(v.number_value());
      case Json::Type::kString: return Value::String(v.string_value());
      default: return Value::Json(v.ToString());
    }
  }

  void TypeKnownColumns(std::vector<format::Row>& rows) const {
    for (size_t c = 0; c < names_.size(); ++c) {
      const bool xact = names_[c] == "_xact_id";
      if (!xact && names_[c] != "created") continue;
      std::vector<Value> typed;
      for (const format::Row& row : rows) {
        const Value& v = row[c];
        if (v.is_null()) {
          typed.push_back(Value::Null());
          continue;
        }
        if (v.type != ValueType::kString) break;
        if (xact) {
          char* end = nullptr;
          const long long n = std::strtoll(v.s.c_str(), &end, 10);
          if (v.s.empty() || *end != '\0') break;
          typed.push_back(Value::Int64(n));
        } else {
          auto t = ParseRfc3339(v.s);
          if (!t.ok()) break;
          typed.push_back(Value::Timestamp(*t));
        }
      }
      if (typed.size() != rows.size()) continue;
      for (size_t r = 0; r < rows.size(); ++r) rows[r][c] = std::move(typed[r]);
    }
  }

  std::vector<std::string> names_;
  std::vector<std::vector<std::pair<int, Value>>> rows_;
};

bool SameValue(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case ValueType::kNull: return true;
    case ValueType::kBool: return a.b == b.b;
    case ValueType::kInt64:
    case ValueType::kTimestamp: return a.i == b.i;
    case ValueType::kDouble:
      return (a.d == b.d && std::signbit(a.d) == std::signbit(b.d)) ||
             (std::isnan(a.d) && std::isnan(b.d));
    case ValueType::kString:
    case ValueType::kJson: return a.s == b.s;
    case ValueType::kStringList: return a.list == b.list;
  }
  return false;
}

std::string Show(const Value& v) {
  std::string out(format::ValueTypeName(v.type));
  out += " ";
  format::AppendValueJson(v, out);
  return out;
}

// Runs `text` over `source` both ways and compares the files they make.
void ExpectSameFile(model::EventSource& source, const std::string& text) {
  SCOPED_TRACE(text);
  auto q = query::ParseQuery(text);
  if (!q.ok()) return;  // the corpus's error cases fail before any row
  testing::FakeClock clock(1'714'521'600'000'000LL + 86'400'000'000LL);
  query::QueryContext ctx;
  ctx.clock = &clock;
  ctx.default_limit = INT64_MAX;
  JsonRowsReference reference;
  auto ran_json = query::RunParsedQuery(*q, ctx, source, reference);
  testing::TempDir dir;
  QueryFileRows typed(dir.path().string());
  ASSERT_TRUE(typed.Clear().ok());
  auto ran_typed = query::RunParsedQuery(*q, ctx, source, typed);
  ASSERT_EQ(ran_json.ok(), ran_typed.ok()) << ran_json.status().ToString();
  if (!ran_json.ok()) return;
  CapturingWriter want, got;
  reference.WriteTo(want);
  ASSERT_TRUE(typed.WriteTo(got).ok());
  ASSERT_EQ(got.schema.columns.size(), want.schema.columns.size());
  for (size_t c = 0; c < want.schema.columns.size(); ++c) {
    EXPECT_EQ(got.schema.columns[c].name, want.schema.columns[c].name);
    EXPECT_EQ(got.schema.columns[c].type, want.schema.columns[c].type)
        << want.schema.columns[c].name;
  }
  ASSERT_EQ(got.rows.size(), want.rows.size());
  for (size_t r = 0; r < want.rows.size(); ++r) {
    for (size_t c = 0; c < want.rows[r].size(); ++c) {
      EXPECT_TRUE(SameValue(got.rows[r][c], want.rows[r][c]))
          << "row " << r << " column " << want.schema.columns[c].name << ": got "
          << Show(got.rows[r][c]) << ", want " << Show(want.rows[r][c]);
    }
  }
}

TEST(QueryFileRows, EveryCorpusQueryMakesTheFileItsJsonRowsMade) {
  const auto cases = testing::LoadQueryCases();
  ASSERT_GT(cases.size(), 50u);
  testing::FakeEventSource source(testing::TestDataset());
  for (const testing::QueryCase& c : cases) ExpectSameFile(source, c.query);
}

// Values whose JSON text reads back as another type, objects whose text the engine does not
// write canonically, timestamps and intervals.
TEST(QueryFileRows, NumbersObjectsAndTimesMakeTheFileTheirJsonMade) {
  std::vector<model::Event> events;
  const char* metadata[] = {
      R"({"x":1e20,"y":-0.0,"z":[1.5,{"a":2.0,"b":"\u00e9\u0001"}],"w":5.0,"n":3})",
      R"({"x":0.1,"y":12345678901234567890,"z":[],"w":"text","n":2.5})",
      R"({"x":-7,"y":1e-7,"z":[["a"],[true,null]],"w":{"k":{"j":[0.5]}}})",
  };
  for (int i = 0; i < 3; ++i) {
    model::Event e;
    e.id = "r" + std::to_string(i);
    e.span_id = e.root_span_id = e.id;
    e.is_root = true;
    e.object = {model::ObjectType::kProjectLogs, "p1"};
    e.project_id = "p1";
    e.org_id = "o1";
    e.xact_id = 100 + i;
    e.row_key = i + 1;
    e.created = 1'714'521'600'000'000LL + i * 1'500'000LL;
    e.metadata = *CanonicalizeJson(metadata[i]);
    e.scores = i == 1 ? "" : R"({"a":0.5,"b":1})";
    e.tags = {"t" + std::to_string(i)};
    events.push_back(e);
  }
  testing::FakeEventSource source(events);
  for (const char* q : {
           "select: * | from: project_logs('p1')",
           "select: * | from: project_logs('p1') traces",
           "select: metadata.x, metadata.y, metadata.z, metadata.w, metadata.n | from: "
           "project_logs('p1')",
           "select: metadata, scores, tags, _xact_id, created | from: project_logs('p1')",
           "select: metadata.n * 2.0 as doubled, metadata.x / 10 as tenth, scores.b + 0.0 as b "
           "| from: project_logs('p1')",
           "select: now() - created as age, created as c, id | from: project_logs('p1')",
           "select: metadata.z as z | from: project_logs('p1') | sort: metadata.n desc",
           "dimensions: metadata.w as w | measures: avg(scores.a) as a, sum(metadata.n) as n, "
           "max(created) as last | from: project_logs('p1')",
       }) {
    ExpectSameFile(source, q);
  }
}

// Rows as a query hands them over.
std::vector<query::RowCell> Row(std::vector<query::RowCell> values) { return values; }

TEST(QueryFileRows, XactIdAndCreatedGetTheirFileTypesOtherColumnsTheirValuesTypes) {
  testing::TempDir dir;
  QueryFileRows c(dir.path().string());
  ASSERT_TRUE(c.OnRow(Row({{"id", Value::String("a")},
                           {"_xact_id", Value::String("1042")},
                           {"created", Value::String("2026-01-01T00:00:00Z")},
                           {"n", Value::Int64(1)}}))
                  .ok());
  ASSERT_TRUE(c.OnRow(Row({{"id", Value::String("b")},
                           {"_xact_id", Value::String("1043")},
                           {"n", Value::Double(2.5)},
                           {"extra", Value::Json(R"({"k":[1]})")}}))
                  .ok());
  CapturingWriter w;
  ASSERT_TRUE(c.WriteTo(w).ok());
  const auto& schema = w.schema;
  const auto& rows = w.rows;
  ASSERT_EQ(schema.columns.size(), 5u);
  EXPECT_EQ(schema.columns[1].name, "_xact_id");
  EXPECT_EQ(schema.columns[1].type, ValueType::kInt64);
  EXPECT_EQ(rows[1][1].i, 1043);
  EXPECT_EQ(schema.columns[2].type, ValueType::kTimestamp);
  EXPECT_EQ(rows[0][2].i, 1'767'225'600'000'000LL);
  EXPECT_TRUE(rows[1][2].is_null());
  EXPECT_EQ(schema.columns[3].type, ValueType::kDouble);  // int mixed with double
  EXPECT_EQ(schema.columns[4].type, ValueType::kJson);
  EXPECT_EQ(rows[1][4].s, R"({"k":[1]})");
}

TEST(QueryFileRows, AnXactIdThatIsNotANumberKeepsTheText) {
  testing::TempDir dir;
  QueryFileRows c(dir.path().string());
  ASSERT_TRUE(c.OnRow(Row({{"_xact_id", Value::String("12")}})).ok());
  ASSERT_TRUE(c.OnRow(Row({{"_xact_id", Value::String("twelve")}})).ok());
  CapturingWriter w;
  ASSERT_TRUE(c.WriteTo(w).ok());
  EXPECT_EQ(w.schema.columns[0].type, ValueType::kString);
  EXPECT_EQ(w.rows[1][0].s, "twelve");
}

TEST(QueryFileRows, ARepeatedKeyKeepsItsLastValueAtItsFirstPlace) {
  testing::TempDir dir;
  QueryFileRows c(dir.path().string());
  ASSERT_TRUE(
      c.OnRow(Row({{"a", Value::Int64(1)}, {"b", Value::Bool(true)}, {"a", Value::String("x")}}))
          .ok());
  CapturingWriter w;
  ASSERT_TRUE(c.WriteTo(w).ok());
  ASSERT_EQ(w.schema.columns.size(), 2u);
  EXPECT_EQ(w.schema.columns[0].type, ValueType::kString);
  EXPECT_EQ(w.rows[0][0].s, "x");
  ASSERT_TRUE(c.Clear().ok());
  CapturingWriter empty;
  ASSERT_TRUE(c.WriteTo(empty).ok());
  ASSERT_EQ(empty.schema.columns.size(), 1u);  // a file with no rows: just _xact_id
  EXPECT_EQ(empty.schema.columns[0].name, "_xact_id");
  EXPECT_TRUE(empty.rows.empty());
}

TEST(RowSpool, GivesRowsBackInOrderWithEveryTypeAndStartsOverWhenCleared) {
  testing::TempDir dir;
  auto spool = RowSpool::Create(dir.path().string());
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  // The spool file has no name: nothing is left in the directory.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  const std::string big(3 << 20, 'q');  // past the spool's buffer
  std::vector<SpooledCell> row = {
      {0, Value::Null()},
      {1, Value::Bool(true)},
      {2, Value::Int64(-5)},
      {3, Value::Double(-0.25)},
      {4, Value::String(std::string("\xc3\xa9\0x", 4))},
      {5, Value::Timestamp(1)},
      {6, Value::Json("[1]")},
      {7, Value::StringList({"a", ""})},
      {300, Value::String(big)},
  };
  for (int i = 0; i < 3; ++i) {
    row[2].second.i = i;
    ASSERT_TRUE((*spool)->Append(row).ok());
  }
  EXPECT_EQ((*spool)->rows(), 3);
  ASSERT_TRUE((*spool)->Rewind().ok());
  std::vector<SpooledCell> back;
  for (int i = 0; i < 3; ++i) {
    auto more = (*spool)->Next(&back);
    ASSERT_TRUE(more.ok() && *more) << i;
    ASSERT_EQ(back.size(), row.size());
    row[2].second.i = i;
    for (size_t k = 0; k < row.size(); ++k) {
      EXPECT_EQ(back[k].first, row[k].first);
      EXPECT_TRUE(SameValue(back[k].second, row[k].second)) << k;
    }
  }
  auto end = (*spool)->Next(&back);
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(*end);
  ASSERT_TRUE((*spool)->Clear().ok());
  EXPECT_EQ((*spool)->rows(), 0);
  ASSERT_TRUE((*spool)->Append({{{0, Value::Int64(9)}}}).ok());
  ASSERT_TRUE((*spool)->Rewind().ok());
  ASSERT_TRUE(*(*spool)->Next(&back));
  EXPECT_EQ(back[0].second.i, 9);
}

TEST(RowSpool, AnUnusableDirectoryIsAnError) {
  auto spool = RowSpool::Create("/nonexistent/sluice-spool-dir");
  EXPECT_EQ(spool.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sluice::jobs
