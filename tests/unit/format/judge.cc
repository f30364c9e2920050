#include "judge.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/json_writer.h"
#include "testing/temp_dir.h"

namespace sluice::format::testing {
namespace {

void AppendExpectedValue(const Value& v, std::string& out) {
  switch (v.type) {
    case ValueType::kInt64:
    case ValueType::kTimestamp: AppendJsonString(out, std::to_string(v.i)); return;
    case ValueType::kJson: AppendJsonString(out, v.s); return;
    default: AppendValueJson(v, out);
  }
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

void WriteExpected(const std::string& dir, const Schema& schema, const std::vector<Row>& rows) {
  std::string s;
  JsonWriter w(&s);
  w.BeginObject().Key("columns").BeginArray();
  for (const Column& c : schema.columns) {
    w.BeginObject();
    w.Member("name", c.name).Member("type", ValueTypeName(c.type)).Member("nullable", c.nullable);
    w.EndObject();
  }
  w.EndArray().EndObject();
  std::ofstream(dir + "/schema.json", std::ios::binary) << s;
  std::ofstream out(dir + "/rows.jsonl", std::ios::binary);
  for (const Row& row : rows) {
    std::string line = "{";
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) line += ',';
      AppendJsonString(line, schema.columns[k].name);
      line += ':';
      AppendExpectedValue(row[k], line);
    }
    line += "}\n";
    out << line;
  }
}

std::string MissingJudges() {
  if (std::filesystem::exists(sluice::testing::SourceDir() +
                              "/tests/node_modules/@duckdb/node-api")) {
    return "";
  }
  return "tests/node_modules is missing: run scripts/setup (it installs the npm readers these "
         "tests use as judges)";
}

JudgeResult RunJudge(const std::string& script, const std::vector<std::string>& args) {
  return RunNodeScript("tests/readers/" + script, args);
}

JudgeResult RunNodeScript(const std::string& script, const std::vector<std::string>& args) {
  JudgeResult result;
  const std::string source = sluice::testing::SourceDir();
  if (const std::string missing = MissingJudges(); !missing.empty()) {
    ADD_FAILURE() << missing;
    return result;
  }
  std::string cmd = "node " + ShellQuote(source + "/" + script);
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  cmd += " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) {
    ADD_FAILURE() << "cannot run " << cmd;
    return result;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) result.output.append(buf, n);
  int status = pclose(p);
  std::string last = result.output;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
  auto parsed = Json::Parse(last);
  if (parsed.ok()) result.summary = *parsed;
  const Json* ok = result.summary.Find("ok");
  result.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok != nullptr && ok->bool_value();
  return result;
}

}  // namespace sluice::format::testing
