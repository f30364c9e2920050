// Behaviour of the query engine beyond the corpus: both syntaxes agree, trace summaries,
// quoting and comments, pushdown into the ScanRequest, cursors, permissions, robustness.
#include <gtest/gtest.h>

#include <random>

#include "common/json.h"
#include "query/eval.h"
#include "query/lexer.h"
#include "query/order.h"
#include "query/parser.h"
#include "query/traces.h"
#include "query_test_util.h"

namespace sluice::query::testing {
namespace {

constexpr char kFrom[] = "project_logs('p1')";

std::string Btql(const std::string& rest) { return std::string("from: ") + kFrom + " | " + rest; }

TEST(QuerySyntaxes, BtqlAndSqlReturnTheSameRows) {
  const std::pair<const char*, const char*> kPairs[] = {
      {"select: id, metadata.model as m | from: project_logs('p1') | filter: metadata.env = "
       "'prod' and metrics.tokens > 4 | sort: created desc | limit: 2",
       "SELECT id, metadata.model AS m FROM project_logs('p1') WHERE metadata.env = 'prod' AND "
       "metrics.tokens > 4 ORDER BY created DESC LIMIT 2"},
      {"select: id | from: project_logs('p1') traces | filter: llm_calls >= 1",
       "SELECT id FROM project_logs('p1', shape => 'traces') WHERE llm_calls >= 1"},
      {"dimensions: span_attributes.type as type | measures: count(1) as n, max(created) as last "
       "| from: project_logs('p1') | sort: n desc",
       "SELECT span_attributes.type AS type, count(*) AS n, max(created) AS last FROM "
       "project_logs('p1') GROUP BY span_attributes.type ORDER BY n DESC"},
      {"select: * | from: project_logs('p1') | filter: id in ('a2', 'b2')",
       "SELECT * FROM project_logs('p1') WHERE id IN ('a2', 'b2')"},
  };
  for (const auto& [btql, sql] : kPairs) {
    FakeEventSource source(TestDataset());
    Ran a = RunOn(source, btql);
    Ran b = RunOn(source, sql);
    ASSERT_TRUE(a.status.ok()) << btql << ": " << a.status.ToString();
    ASSERT_TRUE(b.status.ok()) << sql << ": " << b.status.ToString();
    EXPECT_FALSE(a.rows.empty()) << btql;
    EXPECT_EQ(a.rows, b.rows) << btql << "\n" << sql;
  }
}

TEST(QuerySyntaxes, ParsedQueryNamesTheObjectItReads) {
  auto q = ParseQuery("SELECT id FROM experiment('e9') WHERE id = 'x'");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->source.object, (model::ObjectRef{model::ObjectType::kExperiment, "e9"}));
  auto b = ParseQuery("select: id | from: dataset('d7') traces");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->source.object, (model::ObjectRef{model::ObjectType::kDataset, "d7"}));
  EXPECT_EQ(b->source.shape, Shape::kTraces);
}

TEST(QueryTraces, SelectStarHasRootFieldsAndSummary) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, "select: * | from: project_logs('p1') traces | filter: id = 'b1'");
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  ASSERT_EQ(ran.rows.size(), 1u);
  auto got = Json::Parse(ran.rows[0]);
  auto want = Json::Parse(
      R"({"id":"b1","_xact_id":"103","created":"2024-05-01T01:00:00.000000Z","org_id":"o1",
      "project_id":"p1","log_id":"g","span_id":"b1","root_span_id":"b1","span_parents":null,
      "is_root":true,"input":"what's up -- /* x */","output":null,"expected":null,"error":null,
      "scores":{"accuracy":0},"metrics":{"start":2000,"end":2003,"duration":3,"tokens":25},
      "metadata":{"env":"staging","model":"claude","note":"it's"},
      "span_attributes":{"name":"root","type":"task"},"context":null,"origin":null,
      "tags":["y"],"span_count":2,"error_count":0,"llm_calls":1})");
  ASSERT_TRUE(got.ok() && want.ok());
  EXPECT_TRUE(*got == *want) << ran.rows[0];
}

TEST(QueryTraces, ScoresPreferRootElseMeanOverSpans) {
  std::vector<model::Event> spans = TestDataset();
  spans.resize(3);  // trace a1
  spans[0].scores = R"({"fluency":0.9})";
  spans[1].scores = R"({"accuracy":1,"fluency":0.1})";
  spans[2].scores = R"({"accuracy":0.5,"latency":null})";
  std::optional<TraceRow> row = BuildTrace(spans);
  ASSERT_TRUE(row.has_value());
  auto scores = Json::Parse(row->root.scores);
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(scores->Find("fluency")->number_value(), 0.9);    // the root's own
  EXPECT_EQ(scores->Find("accuracy")->number_value(), 0.75);  // mean over carriers
  EXPECT_EQ(scores->Find("latency"), nullptr);                // only null: absent
  EXPECT_EQ(row->root.xact_id, 101u);
  EXPECT_EQ(row->stats.span_count, 3);
}

TEST(QueryTraces, TraceWithoutRootIsSkipped) {
  std::vector<model::Event> spans = TestDataset();
  std::vector<model::Event> orphan = {spans[6]};  // d2, root d1 missing
  EXPECT_FALSE(BuildTrace(orphan).has_value());
}

TEST(QueryTraces, ManyTracesAreFetchedInBatches) {
  FakeEventSource source;
  int64_t key = 0;
  for (int t = 0; t < 600; ++t) {
    for (int s = 0; s < 2; ++s) {
      model::Event e;
      e.id = "t" + std::to_string(t) + "s" + std::to_string(s);
      e.span_id = e.id;
      e.root_span_id = "t" + std::to_string(t) + "s0";
      e.is_root = s == 0;
      e.created = kT0 + t;
      e.xact_id = static_cast<uint64_t>(1000 + t);
      e.row_key = ++key;
      e.metrics = s == 0 ? R"({"tokens":1})" : R"({"tokens":2})";
      e.object = {model::ObjectType::kProjectLogs, "p1"};
      source.Add(e);
    }
  }
  Ran ran = RunOn(source,
                  "measures: count(1) as traces, sum(span_count) as spans, "
                  "sum(metrics.tokens) as tokens | from: project_logs('p1') traces");
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(AsArray(ran.rows), R"([{"traces":600,"spans":1200,"tokens":1800}])");
  // One scan for the roots, then whole traces 256 at a time.
  ASSERT_EQ(source.requests().size(), 4u);
  EXPECT_EQ(source.requests()[1].root_span_ids.size(), 256u);
  EXPECT_EQ(source.requests()[3].root_span_ids.size(), 88u);
}

// Re-joins a query's tokens with a separator; the meaning must not change.
std::string Rejoin(const std::string& query, const std::string& sep) {
  auto tokens = Lex(query);
  SLUICE_CHECK(tokens.ok());
  std::string out;
  for (const Token& t : *tokens) {
    if (t.type == Tok::kEnd) break;
    std::string text = t.text;
    if (t.type == Tok::kString) {
      std::string quoted = "'";
      for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
      text = quoted + "'";
    } else if (t.type == Tok::kQuotedIdent) {
      text = "\"" + text + "\"";
    }
    out += text + sep;
  }
  return out;
}

TEST(QueryQuoting, CommentsAndSpacingNeverChangeMeaning) {
  const char* kQueries[] = {
      "select: id, metadata.model as m | from: project_logs('p1') | filter: "
      "input = 'what''s up -- /* x */' or metadata.note = 'it\\'s' | sort: id desc",
      "SELECT id FROM project_logs('p1') WHERE metadata.env = 'prod' AND created < "
      "'2024-05-01T00:30:00Z' ORDER BY id",
      "dimensions: metadata.env as env | measures: count(1) as n | from: project_logs('p1')",
  };
  const char* kSeparators[] = {" ", " /* c */ ", "\n-- note ' \" /*\n", "\t\n  "};
  for (const char* q : kQueries) {
    FakeEventSource source(TestDataset());
    Ran base = RunOn(source, q);
    ASSERT_TRUE(base.status.ok()) << q << ": " << base.status.ToString();
    ASSERT_FALSE(base.rows.empty()) << q;
    for (const char* sep : kSeparators) {
      std::string variant = Rejoin(q, sep);
      Ran v = RunOn(source, variant);
      ASSERT_TRUE(v.status.ok()) << variant << ": " << v.status.ToString();
      EXPECT_EQ(v.rows, base.rows) << variant;
    }
  }
}

TEST(QueryQuoting, EscapesDecodeToTheSameString) {
  FakeEventSource source(TestDataset());
  Ran a = RunOn(source, Btql("select: id | filter: metadata.note = 'it''s'"));
  Ran b = RunOn(source, Btql("select: id | filter: metadata.note = 'it\\'s'"));
  Ran c = RunOn(source, Btql("select: id | filter: metadata.note = 'it\\u0027s'"));
  Ran d = RunOn(source, Btql("select: id | filter: metadata.note = 'its'"));
  ASSERT_EQ(a.rows.size(), 1u);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.rows, c.rows);
  EXPECT_TRUE(d.rows.empty());
}

const model::ScanRequest& OnlyRequest(const FakeEventSource& source) {
  SLUICE_CHECK(source.requests().size() == 1);
  return source.requests()[0];
}

TEST(QueryPushdown, CreatedRangeGoesToTheScan) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: created >= '2024-05-01T01:00:00Z' and "
                               "created < '2024-05-01T02:00:00Z' and metadata.env = 'staging'"));
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(AsArray(ran.rows), R"([{"id":"b1"},{"id":"b2"}])");
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_EQ(r.object, (model::ObjectRef{model::ObjectType::kProjectLogs, "p1"}));
  EXPECT_EQ(r.created_min, kT0 + 60 * kMinute);
  EXPECT_EQ(r.created_max, kT0 + 120 * kMinute);
  EXPECT_EQ(ran.result.spans_scanned, 2);  // the store did the range, not the evaluator
}

TEST(QueryPushdown, StrictBoundsAndNowAreFolded) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: created > now() - interval 1 hour and "
                               "created <= '2024-05-02T00:00:00Z'"));
  ASSERT_TRUE(ran.status.ok());
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_EQ(r.created_min, kNow - 60 * kMinute + 1);
  EXPECT_EQ(r.created_max, kNow + 1);
}

// A JSON member equal to strings goes to the store as a hint (json_matches), never as a limit:
// the filter is still evaluated on every row the store returns.
TEST(QueryPushdown, MetadataEqualityIsAHintWithoutALimit) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: metadata.env = 'staging' and "
                               "metadata.model in ('claude', 'x') and metadata.n > 2 | limit: 1"));
  ASSERT_TRUE(ran.status.ok());
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_FALSE(r.created_min.has_value());
  EXPECT_FALSE(r.created_max.has_value());
  EXPECT_TRUE(r.ids.empty());
  EXPECT_EQ(r.limit, 0);
  ASSERT_EQ(r.json_matches.size(), 2u);
  EXPECT_EQ(r.json_matches[0].field, "metadata");
  EXPECT_EQ(r.json_matches[0].path, (std::vector<std::string>{"env"}));
  EXPECT_EQ(r.json_matches[0].values, (std::vector<std::string>{"staging"}));
  EXPECT_EQ(r.json_matches[1].path, (std::vector<std::string>{"model"}));
  EXPECT_EQ(r.json_matches[1].values, (std::vector<std::string>{"claude", "x"}));
  EXPECT_EQ(ran.result.spans_scanned, 1);  // b1, which metadata.n > 2 then rejects
  EXPECT_EQ(AsArray(ran.rows), "[]");
}

// A spans query tells the store which JSON fields it reads; select * and traces read them all.
TEST(QueryPushdown, TheJsonFieldsAQueryReadsGoToTheScan) {
  using V = std::optional<std::vector<std::string>>;
  struct Want {
    std::string query;
    V fields;
  };
  for (const Want& w : std::vector<Want>{
           {Btql("select: id | filter: metadata.env = 'x'"), V{{"metadata"}}},
           {Btql("select: id, input | filter: created > '2024-05-01T00:00:00Z'"), V{{"input"}}},
           {Btql("select: id | sort: metrics.tokens desc"), V{{"metrics"}}},
           {Btql("dimensions: metadata.model | measures: sum(metrics.tokens) as t | "
                 "filter: scores.accuracy > 0"),
            V{{"scores", "metrics", "metadata"}}},
           {Btql("measures: count(1) as n"), V{std::vector<std::string>{}}},
           {Btql("select: * | filter: metadata.env = 'x'"), std::nullopt},
           {Btql("filter: metadata.env = 'x'"), std::nullopt},
       }) {
    FakeEventSource source(TestDataset());
    Ran ran = RunOn(source, w.query);
    ASSERT_TRUE(ran.status.ok()) << w.query << ": " << ran.status.ToString();
    EXPECT_EQ(OnlyRequest(source).json_fields, w.fields) << w.query;
  }
  FakeEventSource source(TestDataset());
  ASSERT_TRUE(RunOn(source, "select: id | from: project_logs('p1') traces").status.ok());
  for (const model::ScanRequest& r : source.requests()) EXPECT_FALSE(r.json_fields.has_value());
}

TEST(QueryPushdown, OnlyStringEqualityOnMembersIsAHint) {
  for (const char* filter :
       {"metadata.env <> 'staging'", "metadata.env = 'staging' or id = 'a1'",
        "not metadata.env = 'staging'", "metadata.env not in ('staging')", "metadata.n = 3",
        "metadata.env = metadata.model", "metadata.env ilike 'staging'", "metadata = 'x'",
        "span_attributes.name like 'llm%'"}) {
    FakeEventSource source(TestDataset());
    Ran ran = RunOn(source, Btql(std::string("select: id | filter: ") + filter));
    ASSERT_TRUE(ran.status.ok()) << filter << ": " << ran.status.ToString();
    EXPECT_TRUE(OnlyRequest(source).json_matches.empty()) << filter;
  }
}

TEST(QueryPushdown, TracesPushNoJsonMatches) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source,
                  "select: id | from: project_logs('p1') traces | "
                  "filter: metadata.env = 'staging'");
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(AsArray(ran.rows), R"([{"id":"b1"}])");
  for (const model::ScanRequest& r : source.requests()) EXPECT_TRUE(r.json_matches.empty());
}

TEST(QueryPushdown, IdsRootsAndXactIds) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: id in ('b2', 'a1', 'c1') and "
                               "root_span_id = 'b1' and _xact_id > 100 and _xact_id <= 103"));
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(AsArray(ran.rows), R"([{"id":"b2"}])");
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_EQ(r.ids, (std::vector<std::string>{"a1", "b2", "c1"}));
  EXPECT_EQ(r.root_span_ids, (std::vector<std::string>{"b1"}));
  ASSERT_TRUE(r.after.has_value());
  EXPECT_EQ(r.after->xact_id, 100u);
  EXPECT_EQ(r.max_xact_id, 103u);
}

TEST(QueryPushdown, DisjunctionsAreEvaluatedNotPushed) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: id = 'a1' or created > now()"));
  ASSERT_TRUE(ran.status.ok());
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_TRUE(r.ids.empty());
  EXPECT_FALSE(r.created_min.has_value());
  EXPECT_EQ(AsArray(ran.rows), R"([{"id":"a1"}])");
}

TEST(QueryPushdown, LimitAndOrderGoToTheScanWhenNothingIsLeftToFilter) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | sort: created desc | limit: 2"));
  ASSERT_TRUE(ran.status.ok());
  const model::ScanRequest& r = OnlyRequest(source);
  EXPECT_EQ(r.order, model::ScanOrder::kCreatedDescending);
  EXPECT_EQ(r.limit, 2);
  EXPECT_EQ(ran.result.spans_scanned, 2);
}

TEST(QueryPushdown, ContradictionSkipsTheScan) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id | filter: created > '2024-06-01' and created < "
                               "'2024-05-01'"));
  ASSERT_TRUE(ran.status.ok());
  EXPECT_TRUE(source.requests().empty());
  EXPECT_TRUE(ran.rows.empty());
}

TEST(QueryPushdown, TracesFetchWholeTracesByRootSpanId) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source,
                  "select: id, span_count | from: project_logs('p1') traces | filter: "
                  "created >= '2024-05-01T01:00:00Z'");
  ASSERT_TRUE(ran.status.ok()) << ran.status.ToString();
  EXPECT_EQ(AsArray(ran.rows), R"([{"id":"b1","span_count":2},{"id":"c1","span_count":1}])");
  ASSERT_EQ(source.requests().size(), 2u);
  EXPECT_EQ(source.requests()[0].created_min, kT0 + 60 * kMinute);
  EXPECT_EQ(source.requests()[1].root_span_ids, (std::vector<std::string>{"b1", "c1"}));
  EXPECT_FALSE(source.requests()[1].created_min.has_value());  // children of any age count
}

std::vector<std::string> Paginate(FakeEventSource& source, const std::string& query, int* pages,
                                  const std::function<void(int)>& between = {},
                                  size_t max_answer_bytes = 0,
                                  std::vector<std::vector<std::string>>* each_page = nullptr) {
  std::vector<std::string> all;
  std::string cursor;
  *pages = 0;
  while (*pages < 20) {
    Ran ran = RunOn(source, query, cursor, 100, max_answer_bytes);
    if (each_page != nullptr) each_page->push_back(ran.rows);
    SLUICE_CHECK(ran.status.ok());
    ++*pages;
    all.insert(all.end(), ran.rows.begin(), ran.rows.end());
    if (ran.result.cursor.empty()) break;
    cursor = ran.result.cursor;
    if (between) between(*pages);
  }
  return all;
}

TEST(QueryCursor, PagesCoverEveryRowOnceInXactOrder) {
  FakeEventSource source(TestDataset());
  int pages = 0;
  std::vector<std::string> rows = Paginate(source, Btql("select: id | limit: 2"), &pages);
  EXPECT_EQ(AsArray(rows), R"([{"id":"a1"},{"id":"a2"},{"id":"a3"},{"id":"b1"},{"id":"b2"},)"
                           R"({"id":"c1"},{"id":"d2"}])");
  EXPECT_EQ(pages, 4);
  // The cursor is pushed down as an XactCursor.
  ASSERT_TRUE(source.requests().back().after.has_value());
  EXPECT_EQ(source.requests().back().after->xact_id, 104u);
  EXPECT_EQ(source.requests().back().after->row_key, 6);
}

TEST(QueryCursor, StableWhileInsertsContinue) {
  FakeEventSource source(TestDataset());
  int pages = 0;
  std::vector<std::string> rows =
      Paginate(source, Btql("select: id | limit: 3"), &pages, [&](int page) {
        model::Event e = source.rows()[0];
        e.id = "new" + std::to_string(page);
        e.xact_id = 200 + page;
        e.row_key = 100 + page;
        source.Add(e);
      });
  EXPECT_EQ(AsArray(rows), R"([{"id":"a1"},{"id":"a2"},{"id":"a3"},{"id":"b1"},{"id":"b2"},)"
                           R"({"id":"c1"},{"id":"d2"},{"id":"new1"},{"id":"new2"},)"
                           R"({"id":"new3"}])");
}

TEST(QueryCursor, PagesOfAnySortMatchTheWholeResult) {
  const char* kQueries[] = {
      "select: id | from: project_logs('p1') | sort: metadata.model, id desc",
      "select: id | from: project_logs('p1') | sort: created desc",
      "select: id | from: project_logs('p1') | filter: metadata.env = 'prod' | sort: created",
      "select: id | from: project_logs('p1') traces | sort: metrics.tokens desc",
  };
  for (const char* q : kQueries) {
    FakeEventSource source(TestDataset());
    Ran whole = RunOn(source, q);
    ASSERT_TRUE(whole.status.ok()) << q;
    int pages = 0;
    std::vector<std::string> rows = Paginate(source, std::string(q) + " | limit: 2", &pages);
    EXPECT_EQ(rows, whole.rows) << q;
    EXPECT_EQ(pages, static_cast<int>(whole.rows.size()) / 2 + 1) << q;
  }
}

// The bytes of `rows` as a page's JSON text holds them.
size_t Bytes(const std::vector<std::string>& rows) {
  size_t n = 0;
  for (const std::string& r : rows) n += r.size();
  return n;
}

// What `rows` count against the answer bound: their JSON and kRowOverheadBytes each, and with
// `id_key` (a query sorted by id, held in a heap) the text of the id they are sorted by.
size_t Counted(const std::vector<std::string>& rows, bool id_key = false) {
  size_t n = Bytes(rows) + kRowOverheadBytes * rows.size();
  for (const std::string& r : rows) {
    if (id_key) n += Json::Parse(r)->Find("id")->string_value().size();
  }
  return n;
}

TEST(QueryAnswerBytes, TopNKeepsTheFirstRowsUntilItsLimitOrItsBound) {
  // Rows fed in random orders must leave the first rows of the order: up to the limit, and up
  // to the first row whose bytes (JSON, row bytes and key texts) reach the bound.
  Order order;
  order.keys.push_back(OrderKey{nullptr, 0, false});
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    const size_t n = 1 + rng() % 30, limit = 1 + rng() % 12, bound = 1 + rng() % 400;
    const size_t row_bytes = rng() % 2 ? 16 : 0;
    std::vector<SortedRow> rows(n);
    for (size_t i = 0; i < n; ++i) {
      rows[i].row_key = static_cast<int64_t>(i);
      rows[i].keys = {rng() % 3 ? Value::Int(static_cast<int64_t>(rng() % 10))
                                : Value::String(std::string(rng() % 9, 'k'))};
      rows[i].json = std::string(rng() % 60, 'j');
    }
    // The answer: rows in order, until the limit or the first to reach the bound.
    std::vector<const SortedRow*> sorted;
    for (const SortedRow& r : rows) sorted.push_back(&r);
    std::sort(sorted.begin(), sorted.end(), [&](const SortedRow* a, const SortedRow* b) {
      return CompareRows(order, a->keys, a->row_key, b->keys, b->row_key) < 0;
    });
    std::vector<int64_t> want;
    size_t total = 0;
    for (const SortedRow* r : sorted) {
      if (want.size() == limit || (!want.empty() && total >= bound)) break;
      want.push_back(r->row_key);
      total += r->json.size() + row_bytes + r->keys[0].s.size();
    }
    TopN top(order, limit, bound, row_bytes);
    std::shuffle(rows.begin(), rows.end(), rng);
    for (SortedRow& r : rows) {
      if (top.WouldKeep(r.keys, r.row_key)) top.Add(std::move(r));
    }
    const bool left_out = top.left_out();
    std::vector<int64_t> got;
    for (const SortedRow& r : top.Take()) got.push_back(r.row_key);
    ASSERT_EQ(got, want) << "round " << round;
    if (got.size() < n) {
      EXPECT_TRUE(left_out || got.size() == limit) << "round " << round;
    }
  }
}

TEST(QueryAnswerBytes, PagesOfALimitAndABoundTogetherHoldEveryRowOnce) {
  for (const char* q : {"select: id, input | from: project_logs('p1') | sort: metrics.tokens",
                        "select: id, input | from: project_logs('p1')"}) {
    FakeEventSource source(TestDataset());
    int pages = 0;
    const std::vector<std::string> all = Paginate(source, q, &pages);
    ASSERT_GE(all.size(), 5u) << q;
    std::vector<std::vector<std::string>> each;
    // About one and a half rows: the bound ends pages the limit of 3 would not.
    const size_t bound = Counted(all) * 3 / (2 * all.size());
    const std::string limited = std::string(q) + " | limit: 3";
    EXPECT_EQ(Paginate(source, limited, &pages, {}, bound, &each), all) << q;
    bool cut_below_limit = false;
    for (size_t p = 0; p < each.size(); ++p) {
      EXPECT_LE(each[p].size(), 3u) << q;
      if (p + 1 < each.size() && each[p].size() < 3) cut_below_limit = true;
    }
    EXPECT_TRUE(cut_below_limit) << q;
  }
}

TEST(QueryAnswerBytes, PagesEndAtTheByteBoundAndTogetherHoldEveryRowOnce) {
  const char* kQueries[] = {
      "select: id, input | from: project_logs('p1')",  // rows stream in _xact_id order
      // Kept in a heap (sort keys without text, which a page would count too).
      "select: id, input | from: project_logs('p1') | sort: metrics.tokens desc",
      "select: id, input | from: project_logs('p1') | sort: created desc",  // streams too
      "select: id, input | from: project_logs('p1') traces | sort: metrics.tokens desc",
  };
  for (const char* q : kQueries) {
    FakeEventSource source(TestDataset());
    Ran whole = RunOn(source, q);
    ASSERT_TRUE(whole.status.ok()) << q;
    ASSERT_GE(whole.rows.size(), 3u) << q;
    const size_t bound = Counted(whole.rows) / 3;  // about a third of the rows per page
    int pages = 0;
    std::vector<std::vector<std::string>> each;
    std::vector<std::string> rows = Paginate(source, q, &pages, {}, bound, &each);
    EXPECT_EQ(rows, whole.rows) << q;
    EXPECT_GE(pages, 2) << q;
    for (size_t p = 0; p + 1 < each.size(); ++p) {
      ASSERT_FALSE(each[p].empty()) << q << " page " << p;
      // The page reaches the bound, and only with its last row.
      std::vector<std::string> but_last(each[p].begin(), each[p].end() - 1);
      EXPECT_GE(Counted(each[p]), bound) << q << " page " << p;
      EXPECT_LT(Counted(but_last), bound) << q << " page " << p;
    }
  }
}

TEST(QueryAnswerBytes, LargeRowsReadFirstButSortedLastDoNotShrinkTheEarlierPages) {
  // Two large rows come first from the store and sort last by id; twelve small ones follow.
  // Each page must still fill up to the bound: a sorted page is the first rows of the order
  // that reach it, whatever order the store read them in.
  FakeEventSource source;
  const model::Event model_row = TestDataset()[0];
  int64_t n = 0;
  auto add = [&](const std::string& id, const std::string& input) {
    model::Event e = model_row;
    e.id = id;
    e.span_id = id;
    e.root_span_id = id;
    e.input = input;
    e.xact_id = static_cast<uint64_t>(1000 + n);
    e.row_key = 1000 + n++;
    source.Add(e);
  };
  add("z1", "\"" + std::string(2000, 'x') + "\"");  // each larger than the bound
  add("z2", "\"" + std::string(1500, 'y') + "\"");
  for (int i = 10; i < 22; ++i) add("a" + std::to_string(i), "\"s\"");
  for (const char* q : {"select: id, input | from: project_logs('p1') | sort: id",
                        "select: id, input | from: project_logs('p1') | sort: id desc",
                        "select: id, input | from: project_logs('p1')"}) {
    Ran whole = RunOn(source, q);
    ASSERT_TRUE(whole.status.ok()) << q;
    ASSERT_EQ(whole.rows.size(), 14u) << q;
    // Three small rows reach the bound (a page sorted by id counts the ids it holds as keys).
    const bool id_key = std::string_view(q).find("sort: id") != std::string_view::npos;
    const Ran small =
        RunOn(source, "select: id, input | from: project_logs('p1') | filter: id = 'a10'");
    const size_t bound = 3 * Counted(small.rows, id_key);
    int pages = 0;
    std::vector<std::vector<std::string>> each;
    std::vector<std::string> rows = Paginate(source, q, &pages, {}, bound, &each);
    EXPECT_EQ(rows, whole.rows) << q;
    for (size_t p = 0; p + 1 < each.size(); ++p) {
      ASSERT_FALSE(each[p].empty()) << q << " page " << p;
      std::vector<std::string> but_last(each[p].begin(), each[p].end() - 1);
      EXPECT_GE(Counted(each[p], id_key), bound) << q << " page " << p;
      EXPECT_LT(Counted(but_last, id_key), bound) << q << " page " << p;
    }
    EXPECT_LE(pages, 8) << q;  // four pages of small rows, one per large row, and an empty one
  }
}

TEST(QueryAnswerBytes, ARowLargerThanTheBoundComesAlone) {
  for (const char* q : {"select: id | from: project_logs('p1')",
                        "select: id | from: project_logs('p1') | sort: id desc"}) {
    FakeEventSource source(TestDataset());
    Ran whole = RunOn(source, q);
    ASSERT_TRUE(whole.status.ok()) << q;
    int pages = 0;
    std::vector<std::vector<std::string>> each;
    std::vector<std::string> rows = Paginate(source, q, &pages, {}, 1, &each);
    EXPECT_EQ(rows, whole.rows) << q;
    for (const auto& page : each) EXPECT_LE(page.size(), 1u) << q;
  }
}

TEST(QueryAnswerBytes, SmallRowsCountTheirOverheadBesideTheirJson) {
  // Rows of a dozen bytes never reach a bound of two rows' overhead by their JSON; each page
  // holds two of them all the same, sorted (rows held while the query reads) or streamed.
  const size_t bound = 2 * kRowOverheadBytes + 1;
  for (const char* q : {"select: id | from: project_logs('p1') | sort: id",
                        "select: id | from: project_logs('p1')"}) {
    FakeEventSource source(TestDataset());
    Ran whole = RunOn(source, q);
    ASSERT_TRUE(whole.status.ok()) << q;
    ASSERT_GE(whole.rows.size(), 5u) << q;
    ASSERT_LT(Bytes(whole.rows), bound) << q;
    int pages = 0;
    std::vector<std::vector<std::string>> each;
    EXPECT_EQ(Paginate(source, q, &pages, {}, bound, &each), whole.rows) << q;
    for (const auto& page : each) EXPECT_LE(page.size(), 2u) << q;
    // Pages of two; a streamed page that ends on the bound has a cursor, so one more may follow.
    EXPECT_GE(pages, static_cast<int>((whole.rows.size() + 1) / 2)) << q;
    EXPECT_LE(pages, static_cast<int>(whole.rows.size() / 2 + 1)) << q;
  }
}

TEST(QueryAnswerBytes, AggregatesAreNotCut) {
  FakeEventSource source(TestDataset());
  const char* q = "dimensions: id | measures: count(1) as n | from: project_logs('p1')";
  Ran whole = RunOn(source, q);
  ASSERT_TRUE(whole.status.ok()) << whole.status.ToString();
  ASSERT_GE(whole.rows.size(), 3u);
  Ran bounded = RunOn(source, q, "", 100, 1);
  ASSERT_TRUE(bounded.status.ok());
  EXPECT_EQ(bounded.rows, whole.rows);
  EXPECT_TRUE(bounded.result.cursor.empty());
}

TEST(QueryCursor, DefaultLimitComesFromTheContext) {
  FakeEventSource source(TestDataset());
  Ran ran = RunOn(source, Btql("select: id"), "", 3);
  EXPECT_EQ(ran.rows.size(), 3u);
  EXPECT_FALSE(ran.result.cursor.empty());
}

TEST(QueryCursor, CursorOfAnotherSortIsRejected) {
  FakeEventSource source(TestDataset());
  Ran first = RunOn(source, Btql("select: id | sort: created desc | limit: 2"));
  ASSERT_FALSE(first.result.cursor.empty());
  Ran other = RunOn(source, Btql("select: id | sort: id | limit: 2"), first.result.cursor);
  EXPECT_EQ(other.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(other.status.message().find("different sort"), std::string::npos);
}

TEST(QueryContextTest, PermissionIsCheckedBeforeReading) {
  FakeEventSource source(TestDataset());
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  model::ObjectRef asked;
  ctx.check_permission = [&](const model::ObjectRef& o) {
    asked = o;
    return PermissionDeniedError("no read access to experiment e1");
  };
  CollectingSink sink;
  auto r = RunQuery("select: id | from: experiment('e1')", ctx, source, sink);
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(asked, (model::ObjectRef{model::ObjectType::kExperiment, "e1"}));
  EXPECT_TRUE(source.requests().empty());
}

TEST(QueryContextTest, SnapshotBoundReachesEveryScan) {
  FakeEventSource source(TestDataset());
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  ctx.max_xact_id = 102;
  CollectingSink sink;
  auto r = RunQuery("select: id, span_count | from: project_logs('p1') traces", ctx, source, sink);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // b1's child b2 (xact 103) is after the snapshot: b1 counts one span.
  EXPECT_EQ(AsArray(sink.rows), R"([{"id":"a1","span_count":3},{"id":"b1","span_count":1}])");
  ASSERT_EQ(source.requests().size(), 2u);
  for (const model::ScanRequest& req : source.requests()) EXPECT_EQ(req.max_xact_id, 102u);
}

class FailingSink : public RowSink {
 public:
  Status OnRow(std::string_view) override {
    return ++rows == 2 ? UnavailableError("client went away") : Status::Ok();
  }
  int rows = 0;
};

TEST(QueryContextTest, SinkErrorStopsTheQuery) {
  FakeEventSource source(TestDataset());
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  FailingSink sink;
  auto r = RunQuery(Btql("select: id"), ctx, source, sink);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(sink.rows, 2);
}

TEST(QuerySyntaxes, CanonicalTextParsesBackToTheSameExpression) {
  const char* kFilters[] = {
      "metadata.\"odd \"\"key\" = 'it''s \\ -- /* */' and created > timestamp "
      "'2024-05-01T00:00:00Z' - interval 90 minutes",
      "not (scores.a + 1.5e3 * -2 >= 0.25) or tags not includes 'x' and id not in ('a', 'b')",
      "lower(input.q) ilike '%\\_%' or coalesce(metadata.n, 0) / 2 is not null",
  };
  for (const char* f : kFilters) {
    auto a = ParseQuery(Btql(std::string("select: id | filter: ") + f));
    ASSERT_TRUE(a.ok()) << f << ": " << a.status().ToString();
    std::string text = ExprToString(*a->filter);
    auto b = ParseQuery(Btql("select: id | filter: " + text));
    ASSERT_TRUE(b.ok()) << text << ": " << b.status().ToString();
    EXPECT_EQ(ExprToString(*b->filter), text);
  }
}

TEST(QueryEval, LikePatterns) {
  EXPECT_TRUE(LikeMatch("hello", "h%o", false));
  EXPECT_TRUE(LikeMatch("hello", "%", false));
  EXPECT_TRUE(LikeMatch("", "%", false));
  EXPECT_FALSE(LikeMatch("hello", "h_o", false));
  EXPECT_TRUE(LikeMatch("h_llo", "h\\_llo", false));
  EXPECT_FALSE(LikeMatch("hello", "h\\_llo", false));
  EXPECT_TRUE(LikeMatch("HeLLo", "hel%", true));
  EXPECT_FALSE(LikeMatch("HeLLo", "hel%", false));
  EXPECT_TRUE(LikeMatch("abcabcabd", "%abd", false));
  EXPECT_TRUE(LikeMatch("50%", "50\\%", false));
}

TEST(QueryRobustness, DeepNestingIsRejectedWithPosition) {
  std::string q = "select: id | from: project_logs('p1') | filter: " + std::string(300, '(') + "1" +
                  std::string(300, ')') + " = 1";
  auto r = ParseQuery(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "expression nested too deeply at 1:249");
  std::string chain = "select: id | from: project_logs('p1') | filter: 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  auto c = ParseQuery(chain + " = 2");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("nested too deeply"), std::string::npos);
  std::string ok = "select: id | from: project_logs('p1') | filter: " + std::string(150, '(') +
                   "id = 'a1'" + std::string(150, ')');
  FakeEventSource source(TestDataset());
  EXPECT_EQ(AsArray(RunOn(source, ok).rows), R"([{"id":"a1"}])");
}

// Mutates valid queries (byte flips, token deletions, duplications, splices) and checks the
// parser and engine never crash or hang, and every syntax error carries a position.
TEST(QueryRobustness, TenThousandMutatedQueries) {
  const std::vector<std::string> kSeeds = {
      "select: id, metadata.model as m | from: project_logs('p1') traces | filter: "
      "metadata.env = 'prod' and created > now() - interval 1 day | sort: created desc | "
      "limit: 10",
      "SELECT metadata.env AS env, count(*) AS n FROM project_logs('p1', shape => 'spans') "
      "WHERE tags includes 'x' OR scores.a >= 0.5 GROUP BY metadata.env ORDER BY n DESC LIMIT 3",
      "dimensions: metadata.env | measures: sum(metrics.tokens) / count(1) as avg_tokens | "
      "from: experiment('e1') | filter: input ilike '%a\\'b%' /* c */ -- d",
      "select: * | from: dataset('d') | filter: id in ('a', 'b') and not (x.y is null)",
  };
  const std::string kAlphabet = "()'\",.:|*+-/=<>!;[]` \n\tabcdefxyz0129%_\\";
  std::mt19937 rng(20240501);
  FakeEventSource source(TestDataset());
  int accepted = 0;
  for (int i = 0; i < 10'000; ++i) {
    std::string q = kSeeds[rng() % kSeeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !q.empty(); ++e) {
      size_t at = rng() % q.size();
      switch (rng() % 4) {
        case 0: q[at] = kAlphabet[rng() % kAlphabet.size()]; break;
        case 1: q.erase(at, 1 + rng() % 8); break;
        case 2: q.insert(at, q.substr(rng() % q.size(), 1 + rng() % 12)); break;
        default: q.insert(at, 1, kAlphabet[rng() % kAlphabet.size()]); break;
      }
    }
    Ran ran = RunOn(source, q);
    source.ClearRequests();
    if (ran.status.ok()) {
      ++accepted;
      continue;
    }
    ASSERT_EQ(ran.status.code(), StatusCode::kInvalidArgument) << q;
    if (ran.status.message() != "invalid cursor") {
      EXPECT_NE(ran.status.message().find(" at "), std::string::npos) << q << "\n"
                                                                      << ran.status.message();
    }
  }
  EXPECT_GT(accepted, 100);  // the mutations also reach the evaluator
}

}  // namespace
}  // namespace sluice::query::testing
