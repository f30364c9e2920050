// The JSON syntax tree of a query (as the SDKs send it) returns the same rows as the text form,
// and its errors name the place in the tree.
#include "query/json_ast.h"

#include <gtest/gtest.h>

#include "common/json.h"
#include "query_test_util.h"

namespace sluice::query::testing {
namespace {

Json Tree(const std::string& text) {
  auto j = Json::Parse(text);
  EXPECT_TRUE(j.ok()) << text;
  return j.ok() ? *j : Json();
}

Ran RunTree(FakeEventSource& source, const std::string& tree, std::string cursor = "") {
  sluice::testing::FakeClock clock(kNow);
  QueryContext ctx;
  ctx.clock = &clock;
  ctx.cursor = std::move(cursor);
  CollectingSink sink;
  Ran ran;
  auto q = QueryFromJson(Tree(tree));
  if (!q.ok()) {
    ran.status = q.status();
    return ran;
  }
  auto r = RunParsedQuery(*q, ctx, source, sink);
  ran.status = r.status();
  if (r.ok()) ran.result = *r;
  ran.rows = std::move(sink.rows);
  return ran;
}

std::string Ident(const std::string& path) {
  std::string out = R"({"op":"ident","name":[)";
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1) {
    out += "\"" + path.substr(start, dot - start) + "\",";
  }
  return out + "\"" + path.substr(start) + "\"]}";
}

std::string Lit(const std::string& json) { return R"({"op":"literal","value":)" + json + "}"; }

std::string Op(const std::string& op, const std::string& left, const std::string& right) {
  return R"({"op":")" + op + R"(","left":)" + left + R"(,"right":)" + right + "}";
}

constexpr char kFrom[] = R"("from":{"op":"function","name":{"op":"ident","name":["project_logs"]},)"
                         R"("args":[{"op":"literal","value":"p1"}]})";

TEST(QueryFromJson, ReturnsTheRowsOfTheTextForm) {
  const std::pair<std::string, std::string> kPairs[] = {
      {std::string("{") + kFrom + R"(,"select":[{"op":"star"}],"filter":)" +
           Op("eq", Ident("metadata.env"), Lit(R"("prod")")) + "}",
       "select: * | from: project_logs('p1') | filter: metadata.env = 'prod'"},
      {std::string("{") + kFrom + R"(,"select":[{"alias":"m","expr":)" + Ident("metadata.model") +
           R"(},)" + Ident("id") + R"(],"filter":{"op":"and","children":[)" +
           Op("gt", Ident("metrics.tokens"), Lit("4")) + "," + R"({"op":"isnotnull","expr":)" +
           Ident("scores.accuracy") + "}," + R"({"op":"not","expr":)" +
           Op("like", Ident("id"), Lit(R"("zz%")")) + R"(}]},)" + R"("sort":[{"expr":)" +
           Ident("created") + R"(,"dir":"desc"}],"limit":2})",
       "select: metadata.model as m, id | from: project_logs('p1') | filter: metrics.tokens > 4 "
       "and scores.accuracy is not null and not id like 'zz%' | sort: created desc | limit: 2"},
      {std::string("{") + kFrom + R"(,"dimensions":[{"alias":"type","expr":)" +
           Ident("span_attributes.type") +
           R"(}],"measures":[{"alias":"n","expr":{"op":"function","name":{"op":"ident",)"
           R"("name":["count"]},"args":[{"op":"star"}]}}],"sort":[{"expr":)" +
           Ident("n") + R"(,"dir":"desc"}]})",
       "dimensions: span_attributes.type as type | measures: count(*) as n | from: "
       "project_logs('p1') | sort: n desc"},
      {std::string("{") + kFrom + R"(,"select":[{"op":"star"}],"filter":{"op":"in","left":)" +
           Ident("id") + R"(,"right":[)" + Lit(R"("a2")") + "," + Lit(R"("b2")") + "]}}",
       "select: * | from: project_logs('p1') | filter: id in ('a2', 'b2')"},
      {std::string("{") + kFrom + R"(,"filter":)" +
           Op("gt", Ident("created"),
              Op("sub", R"({"op":"function","name":{"op":"ident","name":["now"]},"args":[]})",
                 R"({"op":"interval","value":2,"unit":"days"})")) +
           "}",
       "from: project_logs('p1') | filter: created > now() - interval 2 day"},
  };
  for (const auto& [tree, text] : kPairs) {
    FakeEventSource source(TestDataset());
    Ran a = RunTree(source, tree);
    Ran b = RunOn(source, text);
    ASSERT_TRUE(a.status.ok()) << tree << ": " << a.status.ToString();
    ASSERT_TRUE(b.status.ok()) << text << ": " << b.status.ToString();
    EXPECT_FALSE(a.rows.empty()) << text;
    EXPECT_EQ(a.rows, b.rows) << tree << "\n" << text;
  }
}

TEST(QueryFromJson, PagesWithTheCursorLikeTheSdk) {
  FakeEventSource source(TestDataset());
  const std::string tree = std::string("{") + kFrom + R"(,"select":[{"op":"star"}],"limit":2})";
  std::vector<std::string> all;
  std::string cursor;
  for (int page = 0; page < 20; ++page) {
    Ran r = RunTree(source, tree, cursor);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    all.insert(all.end(), r.rows.begin(), r.rows.end());
    if (r.result.cursor.empty()) break;
    cursor = r.result.cursor;
  }
  Ran whole = RunOn(source, "select: * | from: project_logs('p1') | limit: 1000");
  EXPECT_EQ(all, whole.rows);
}

TEST(QueryFromJson, ErrorsNameThePlaceInTheTree) {
  FakeEventSource source(TestDataset());
  auto error = [&](const std::string& tree) { return RunTree(source, tree).status.message(); };
  EXPECT_EQ(error(std::string("{") + kFrom + R"(,"filter":{"op":"equals"}})"),
            "query.filter: unknown op 'equals'");
  EXPECT_EQ(
      error(std::string("{") + kFrom + R"(,"filter":{"op":"eq","left":)" + Ident("id") + "}}"),
      "query.filter: needs \"right\"");
  EXPECT_NE(error(std::string("{") + kFrom + R"(,"filter":)" +
                  Op("eq", Ident("metdata.env"), Lit("1")) + "}")
                .find("unknown field 'metdata' at query.filter.left"),
            std::string::npos);
  EXPECT_EQ(error(R"({"select":[{"op":"star"}]})"), "query.from: required");
  EXPECT_EQ(error(R"({"from":{"op":"function","name":{"op":"ident","name":["logs"]},)"
                  R"("args":[{"op":"literal","value":"p1"}]}})"),
            "query.from.name: unknown source 'logs': use project_logs, experiment or dataset");
  EXPECT_EQ(error(std::string("{") + kFrom + R"(,"limit":0})"),
            "query.limit: must be a whole number of at least 1");
  EXPECT_EQ(error(std::string("{") + kFrom + R"(,"pivot":[]})"), "query.pivot: is not supported");
  std::string deep = Lit("1");
  for (int i = 0; i < 200; ++i) deep = R"({"op":"not","expr":)" + deep + "}";
  EXPECT_NE(error(std::string("{") + kFrom + R"(,"filter":)" + deep + "}").find("deeper than 128"),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::query::testing
