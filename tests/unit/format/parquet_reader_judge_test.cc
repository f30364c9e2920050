// The Parquet reader on files third-party writers produced (parquet_third_party.mjs): DuckDB
// with every codec, dictionary and PLAIN strings, nulls, lists, timestamps of every unit,
// dates, decimals, UUIDs, blobs, several row groups and data pages v2; parquet-wasm (the Rust
// parquet crate) with data pages v2, RLE booleans and dictionary fallback. Every value the
// reader returns must equal what DuckDB reads from the same file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "format/parquet/parquet_reader.h"
#include "format/readable_file.h"
#include "judge.h"
#include "testing/temp_dir.h"

namespace sluice::format {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Hex(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// The value type the reader should give a column DuckDB reads as `duck`.
ValueType ExpectedType(const std::string& duck) {
  if (duck == "VARCHAR[]") return ValueType::kStringList;
  if (duck.ends_with("[]") || duck == "JSON") return ValueType::kJson;
  if (duck == "VARCHAR" || duck == "UUID" || duck == "BLOB") return ValueType::kString;
  if (duck == "BOOLEAN") return ValueType::kBool;
  if (duck == "DOUBLE" || duck == "FLOAT" || duck.starts_with("DECIMAL")) return ValueType::kDouble;
  if (duck.starts_with("TIMESTAMP") || duck == "DATE") return ValueType::kTimestamp;
  return ValueType::kInt64;
}

std::string Canonical(const std::string& json) {
  auto c = CanonicalizeJson(json);
  return c.ok() ? *c : "not JSON: " + json;
}

// Empty when `got` is what DuckDB read (`want`, encoded as parquet_third_party.mjs says).
std::string Compare(const Value& got, const Json& want, const std::string& duck) {
  if (want.is_null() || got.is_null()) {
    return want.is_null() == got.is_null() ? "" : "null on one side only";
  }
  switch (got.type) {
    case ValueType::kBool: return got.b == want.bool_value() ? "" : "bool differs";
    case ValueType::kInt64:
    case ValueType::kTimestamp:
      return std::to_string(got.i) == want.string_value() ? "" : std::to_string(got.i);
    case ValueType::kDouble:
      return got.d == std::strtod(want.string_value().c_str(), nullptr) ? ""
                                                                        : std::to_string(got.d);
    case ValueType::kString: {
      const std::string text = duck == "BLOB" ? Hex(got.s) : got.s;
      return text == want.string_value() ? "" : text;
    }
    case ValueType::kJson: return Canonical(got.s) == Canonical(want.string_value()) ? "" : got.s;
    case ValueType::kStringList: {
      std::vector<std::string> list;
      for (const Json& e : want.array()) list.push_back(e.string_value());
      return got.list == list ? "" : "list differs";
    }
    case ValueType::kNull: break;
  }
  return "unexpected type";
}

class ThirdPartyFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = testing::MissingJudges(); !missing.empty()) FAIL() << missing;
    testing::JudgeResult r =
        testing::RunNodeScript("tests/unit/format/parquet_third_party.mjs", {dir_.path().string()});
    ASSERT_TRUE(r.ok) << r.output;
    auto manifest = Json::Parse(Slurp(dir_.File("manifest.json")));
    ASSERT_TRUE(manifest.ok());
    manifest_ = *manifest;
  }

  void CheckFile(const Json& entry);

  sluice::testing::TempDir dir_;
  Json manifest_;
};

void ThirdPartyFiles::CheckFile(const Json& entry) {
  const std::string name = entry.Find("name")->string_value();
  SCOPED_TRACE(name);
  auto local = OpenLocalFile(dir_.File(name + ".parquet"));
  ASSERT_TRUE(local.ok());
  auto file = ParquetFileReader::Open(std::move(*local), name);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  std::vector<std::string> unsupported;
  for (const auto& u : (*file)->unsupported_columns()) unsupported.push_back(u.name);
  std::vector<std::string> want_unsupported;
  for (const Json& u : entry.Find("unsupported")->array())
    want_unsupported.push_back(u.string_value());
  EXPECT_EQ(unsupported, want_unsupported);
  auto expected = Json::Parse(Slurp(dir_.File(name + ".json")));
  ASSERT_TRUE(expected.ok());
  const auto& columns = expected->Find("columns")->array();
  const Schema& schema = (*file)->schema();
  ASSERT_EQ(schema.columns.size(), columns.size());
  for (size_t k = 0; k < columns.size(); ++k) {
    const std::string& col = columns[k].Find("name")->string_value();
    const std::string& duck = columns[k].Find("type")->string_value();
    ASSERT_EQ(schema.columns[k].name, col);
    EXPECT_EQ(schema.columns[k].type, ExpectedType(duck)) << col << " " << duck;
  }
  auto rows = (*file)->ReadRows();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const auto& want_rows = expected->Find("rows")->array();
  Row row;
  for (size_t r = 0; r < want_rows.size(); ++r) {
    Result<bool> next = (*rows)->Next(&row);
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    ASSERT_TRUE(*next) << "ended after " << r << " rows";
    for (size_t k = 0; k < columns.size(); ++k) {
      const std::string& duck = columns[k].Find("type")->string_value();
      const std::string diff = Compare(row[k], want_rows[r].array()[k], duck);
      ASSERT_EQ(diff, "") << "row " << r << " column " << schema.columns[k].name << ": DuckDB read "
                          << want_rows[r].array()[k].ToString();
    }
  }
  Result<bool> end = (*rows)->Next(&row);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_FALSE(*end);
}

TEST_F(ThirdPartyFiles, EveryValueAsDuckDBReadsIt) {
  ASSERT_GE(manifest_.array().size(), 12u);
  for (const Json& entry : manifest_.array()) CheckFile(entry);
}

}  // namespace
}  // namespace sluice::format
