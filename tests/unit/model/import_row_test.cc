#include "model/import_row.h"

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

constexpr char kP[] = "11111111-1111-4111-8111-111111111111";

TEST(ParseImportRow, TakesAnExportedSpanBackAsTheInsertItCameFrom) {
  const std::string line =
      std::string(R"({"id":"r1","_xact_id":42,"created":"2026-01-01T00:04:59.921503Z",)") +
      R"("org_id":"o","project_id":")" + kP +
      R"(","log_id":"g","experiment_id":null,"dataset_id":null,"span_id":"s1",)"
      R"("root_span_id":"s0","span_parents":["s0"],"is_root":false,"input":{"q":1},)"
      R"("output":null,"expected":null,"error":null,"scores":{"a":0.5},"metrics":{"start":1},)"
      R"("metadata":null,"span_attributes":{"name":"n"},"context":null,"origin":null,"tags":null})";
  auto row = ParseImportRow(line, "f.jsonl:1");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->object, (ObjectRef{ObjectType::kProjectLogs, kP}));
  EXPECT_EQ(row->write.id, "r1");
  std::vector<std::string> names;
  for (const auto& [k, v] : row->write.fields) names.push_back(k);
  EXPECT_EQ(names, (std::vector<std::string>{"created", "span_id", "root_span_id", "span_parents",
                                             "input", "scores", "metrics", "span_attributes"}));
  EXPECT_EQ(*row->write.Find("input"), R"({"q":1})");
}

TEST(ParseImportRow, DropsATracesFilesDerivedColumnsAndTakesRowsWithoutAnObject) {
  auto row = ParseImportRow(
      R"({"id":"t","span_id":"t","root_span_id":"t","span_count":3,"error_count":0,)"
      R"("llm_calls":1,"prompt_tokens":5,"completion_tokens":2,"tokens":7,)"
      R"("estimated_cost":null,"start":"2026-01-01T00:00:00Z","end":"2026-01-01T00:00:01Z",)"
      R"("duration":1.0,"_xact_id":9,"scores":{"s":1}})",
      "t.jsonl:3");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_FALSE(row->object.has_value());
  EXPECT_EQ(row->write.fields.size(), 3u);  // span_id, root_span_id, scores: no counts
}

TEST(ParseImportLines, NamesTheFileAndLineOfABadRow) {
  auto rows = ParseImportLines("{\"id\":\"a\"}\n\n{\"id\":\"b\",\"inptu\":1}\n", "x.jsonl");
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().message(), "x.jsonl:3.inptu: is not a field of an event");
  auto bad_json = ParseImportLines("{\"id\":\"a\"}\n{oops\n", "y.jsonl");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.status().message().rfind("y.jsonl:2: invalid JSON", 0), 0u);
  auto ok = ParseImportLines("{\"id\":\"a\"}\r\n{\"id\":\"b\"}", "z.jsonl");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 2u);
}

}  // namespace
}  // namespace sluice::model
