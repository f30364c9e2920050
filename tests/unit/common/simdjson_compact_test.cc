#include "common/simdjson_compact.h"

#include <gtest/gtest.h>

#include <string>

#include "common/kept_json_parser.h"

namespace sluice {
namespace {

// The compact text of `json`, with whether an object repeated a key (when asked), or the error.
std::string Compact(std::string_view json, bool* duplicate = nullptr) {
  KeptJsonParser parser;
  simdjson::dom::element root;
  if (auto err = parser.Parse(json).get(root))
    return std::string("parse error: ") + error_message(err);
  std::string out;
  Status s = AppendCompactJson(root, out, 1, duplicate);
  return s.ok() ? out : "error: " + std::string(s.message());
}

TEST(AppendCompactJson, WritesValuesCompactlyMembersInTheirOrder) {
  EXPECT_EQ(Compact(R"( { "b" : [1, -2, 3.5e0, 1e300, true, null], "a" : "x\"\u00e9\n" } )"),
            "{\"b\":[1,-2,3.5,1e+300,true,null],\"a\":\"x\\\"\xc3\xa9\\n\"}");
  EXPECT_EQ(Compact("18446744073709551615"), "18446744073709551615");
  EXPECT_EQ(Compact(R"({"k":1,"k":2})"), R"({"k":1,"k":2})");  // kept as they come
}

// Repeated keys are told apart from unique ones, in small objects (a scan) and in large ones
// (a hash set past 16 keys), at any depth.
TEST(AppendCompactJson, TellsWhetherAnObjectRepeatsAKey) {
  std::string large = "{";
  for (int i = 0; i < 20; ++i)
    large += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  const std::string unique = large + "}";
  const std::string repeated = large + ",\"k3\":0}";
  for (const std::string& json :
       {std::string(R"({"a":1,"b":{"c":2}})"), unique, "[" + unique + "," + unique + "]"}) {
    bool duplicate = false;
    Compact(json, &duplicate);
    EXPECT_FALSE(duplicate) << json;
  }
  for (const std::string& json :
       {std::string(R"({"a":1,"a":2})"), std::string(R"([{"x":{"c":1,"c":1}}])"), repeated}) {
    bool duplicate = false;
    Compact(json, &duplicate);
    EXPECT_TRUE(duplicate) << json;
  }
}

TEST(AppendCompactJson, RefusesNestingPast256) {
  const std::string deepest = std::string(256, '[') + std::string(256, ']');
  EXPECT_EQ(Compact(deepest), deepest);
  EXPECT_EQ(Compact("[" + deepest + "]"), "error: invalid JSON: nested deeper than 256");
}

}  // namespace
}  // namespace sluice
