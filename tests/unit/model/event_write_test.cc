#include "model/event_write.h"

#include <gtest/gtest.h>

namespace sluice::model {
namespace {

constexpr TimestampMicros kNow = 1'714'564'800'000'000LL;

EventWrite Write(const std::string& json) {
  auto w = ParseInsertRequest(R"({"events":[)" + json + "]}");
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() && w->size() == 1 ? (*w)[0] : EventWrite{};
}

std::string ErrorOf(const std::string& body) {
  auto r = ParseInsertRequest(body);
  EXPECT_FALSE(r.ok());
  return r.status().message();
}

TEST(ParseInsertRequest, NamesTheEventAndFieldOfEachProblem) {
  EXPECT_EQ(ErrorOf(R"({"events":[{},{"scores":{"acc":2}}]})"),
            "events[1].scores.acc: must be a number between 0 and 1, or null");
  EXPECT_EQ(ErrorOf(R"({"events":[{"metadata":"x"}]})"),
            "events[0].metadata: must be an object, not string");
  EXPECT_EQ(ErrorOf(R"({"events":[{"tags":["a",1]}]})"), "events[0].tags[1]: must be a string");
  EXPECT_EQ(ErrorOf(R"({"events":[{"metrics":{"tokens":"many"}}]})"),
            "events[0].metrics.tokens: must be a number or null");
  EXPECT_EQ(ErrorOf(R"({"events":[{"inptu":1}]})"), "events[0].inptu: is not a field of an event");
  EXPECT_EQ(ErrorOf(R"({"events":{}})"), "events: must be an array");
  EXPECT_EQ(ErrorOf(R"({"rows":[]})"), "rows: is not a field of an insert request");
  EXPECT_EQ(ErrorOf(R"({})"), "events: required");
  EXPECT_NE(ErrorOf(R"({"events":[{"created":"soon"}]})").find("events[0].created"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(R"({"events":[{"_object_delete":true}]})"),
            "events[0].id: is required with \"_object_delete\": true");
  EXPECT_EQ(ErrorOf(R"({"events":[{"span_attributes":{"type":"banana"}}]})").substr(0, 31),
            "events[0].span_attributes.type:");
}

TEST(ApplyEventWrite, NewRootSpanGetsIdsAndCreated) {
  auto e = ApplyEventWrite(Write(R"({"id":"r1","input":{"q":"hi"},"tags":["a"]})"), nullptr, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->id, "r1");
  EXPECT_EQ(e->input, R"({"q":"hi"})");
  EXPECT_EQ(e->root_span_id, e->span_id);
  EXPECT_TRUE(e->is_root);
  EXPECT_EQ(e->created, kNow);
  EXPECT_EQ(e->tags, std::vector<std::string>{"a"});
}

// Ids, lists and timestamps are read the same whether their text has escapes (parsed) or not
// (read as they are): the stored values are the strings the request meant.
TEST(ApplyEventWrite, IdsListsAndCreatedReadTheSameWithAndWithoutEscapes) {
  auto plain = ApplyEventWrite(
      Write(R"({"id":"x","span_id":"s1","root_span_id":"r1","span_parents":["p1","p2"],)"
            R"("tags":[],"created":"2024-05-01T12:00:00Z"})"),
      nullptr, kNow);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->span_id, "s1");
  EXPECT_EQ(plain->root_span_id, "r1");
  EXPECT_EQ(plain->span_parents, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_TRUE(plain->tags.empty());
  EXPECT_EQ(plain->created, 1'714'564'800'000'000LL);
  auto escaped = ApplyEventWrite(
      Write(R"({"id":"x","span_id":"s\u0031","root_span_id":"r\"1","span_parents":["p1","p\\2"],)"
            R"("tags":["a\/b"],"created":"2024-05-01T12:00:00\u005a"})"),
      nullptr, kNow);
  ASSERT_TRUE(escaped.ok()) << escaped.status().ToString();
  EXPECT_EQ(escaped->span_id, "s1");
  EXPECT_EQ(escaped->root_span_id, "r\"1");
  EXPECT_EQ(escaped->span_parents, (std::vector<std::string>{"p1", "p\\2"}));
  EXPECT_EQ(escaped->tags, std::vector<std::string>{"a/b"});
  EXPECT_EQ(escaped->created, 1'714'564'800'000'000LL);
}

// Lists read without a tree keep strings holding the list's own punctuation.
TEST(ApplyEventWrite, ListsOfStringsHoldingCommasAndBracketsReadWhole) {
  auto e = ApplyEventWrite(
      Write(R"({"id":"x","root_span_id":"r","span_parents":["p,1","p]2"],"tags":["[a]",""]})"),
      nullptr, kNow);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->span_parents, (std::vector<std::string>{"p,1", "p]2"}));
  EXPECT_EQ(e->tags, (std::vector<std::string>{"[a]", ""}));
}

// Texts the fast paths leave to the JSON parser (escapes, spaces) read the same as plain ones.
// Built by hand: the insert parser would have rewritten them compact, without these escapes.
TEST(ApplyEventWrite, TextsWithEscapesOrSpacesAreParsed) {
  EventWrite w;
  w.id = "x";
  w.fields = {{"span_id", R"("s\u0031")"},
              {"root_span_id", R"("r\/1")"},
              {"span_parents", R"([ "p1", "p\u0032" ])"},
              {"tags", R"(["a" ,"b"])"},
              {"created", R"("2024-05-01T12:00:00\u005a")"}};
  auto e = ApplyEventWrite(w, nullptr, kNow);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->span_id, "s1");
  EXPECT_EQ(e->root_span_id, "r/1");
  EXPECT_EQ(e->span_parents, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(e->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(e->created, 1'714'564'800'000'000LL);
}

// The written text of JSON field `name`.
std::string_view WrittenTextOf(const EventWrite& w, std::string_view name) {
  for (size_t k = 0; k < std::size(kJsonFields); ++k) {
    if (kJsonFields[k].name == name) return WrittenTexts(w)[k];
  }
  ADD_FAILURE() << "no JSON field " << name;
  return {};
}

// A row built leaving its texts in the write is the row ApplyEventWrite builds, with each JSON
// field's text read from the write instead.
TEST(ApplyEventWrite, LeavingTextsGivesTheSameRowWithTheTextsInTheWrite) {
  const EventWrite w = Write(
      R"({"id":"r1","input":{"q":"hi"},"output":null,"metadata":{"m":[1,2]},"scores":{"a":0.5},)"
      R"("span_id":"s","span_parents":["p"],"root_span_id":"t","tags":["x"],)"
      R"("created":"2024-05-01T12:00:00Z"})");
  auto copied = ApplyEventWrite(w, nullptr, kNow);
  auto left = ApplyEventWriteLeavingTexts(w, kNow);
  ASSERT_TRUE(copied.ok() && left.ok());
  for (const JsonField& f : kJsonFields) {
    EXPECT_EQ(left.value().*f.member, "") << f.name;
  }
  EXPECT_EQ(WrittenTextOf(w, "input"), R"({"q":"hi"})");
  EXPECT_EQ(WrittenTextOf(w, "metadata"), R"({"m":[1,2]})");
  EXPECT_EQ(WrittenTextOf(w, "scores"), R"({"a":0.5})");
  EXPECT_EQ(WrittenTextOf(w, "expected"), "");  // absent
  EXPECT_EQ(WrittenTextOf(w, "output"), "");    // null is stored as absent
  // ApplyEventWrite copies the same texts.
  EXPECT_EQ(copied->input, R"({"q":"hi"})");
  EXPECT_EQ(copied->metadata, R"({"m":[1,2]})");
  EXPECT_EQ(copied->output, "");
  EXPECT_EQ(left->id, copied->id);
  EXPECT_EQ(left->span_id, "s");
  EXPECT_EQ(left->span_id, copied->span_id);
  EXPECT_EQ(left->root_span_id, "t");
  EXPECT_EQ(left->span_parents, copied->span_parents);
  EXPECT_EQ(left->tags, copied->tags);
  EXPECT_EQ(left->created, copied->created);
  EXPECT_FALSE(left->is_root);
}

// Each field's written text is the write's first text of that name (as Find gives it), "" for
// null or absent, also for a write that names a field twice and for fields it does not know.
TEST(ApplyEventWrite, WrittenTextsGivesEachFieldsWrittenText) {
  EventWrite w = Write(
      R"({"id":"r1","input":{"q":"hi"},"output":null,"metadata":{"m":[1,2]},"scores":{"a":0.5},)"
      R"("span_attributes":{"name":"n"},"origin":{"o":1},"context":{"c":2},"error":"boom"})");
  w.fields.emplace_back("input", R"({"q":"second"})");
  w.fields.emplace_back("unknown", "1");
  const WrittenTextsArray all = WrittenTexts(w);
  for (size_t k = 0; k < std::size(kJsonFields); ++k) {
    const std::string* t = w.Find(kJsonFields[k].name);
    EXPECT_EQ(all[k], t == nullptr || *t == "null" ? std::string_view() : std::string_view(*t))
        << kJsonFields[k].name;
  }
  EXPECT_EQ(all[0], R"({"q":"hi"})");
  EXPECT_EQ(all[1], "");  // null
  EXPECT_EQ(all[2], "");  // absent
  EXPECT_EQ(all[3], R"("boom")");
  EXPECT_EQ(WrittenTexts(Write(R"({"id":"r2"})")), WrittenTextsArray{});
}

TEST(ApplyEventWrite, ChildSpanNeedsItsRoot) {
  EXPECT_FALSE(ApplyEventWrite(Write(R"({"span_parents":["p"]})"), nullptr, kNow).ok());
  auto e = ApplyEventWrite(Write(R"({"span_parents":["p"],"root_span_id":"p"})"), nullptr, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->is_root);
}

TEST(ApplyEventWrite, MergeDeepMergesAndKeepsCreated) {
  Event old = *ApplyEventWrite(Write(R"({"id":"r","metadata":{"a":1,"n":{"x":1}},"output":"o1"})"),
                               nullptr, kNow);
  auto e = ApplyEventWrite(Write(R"({"id":"r","_is_merge":true,"metadata":{"b":2,"n":{"y":2}}})"),
                           &old, kNow + 5);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->metadata, R"({"a":1,"n":{"x":1,"y":2},"b":2})");
  EXPECT_EQ(e->output, R"("o1")");
  EXPECT_EQ(e->created, kNow);
  EXPECT_EQ(e->span_id, old.span_id);
}

TEST(ApplyEventWrite, MergePathsReplaceInsteadOfMerging) {
  Event old =
      *ApplyEventWrite(Write(R"({"id":"r","metadata":{"a":1,"n":{"x":1}}})"), nullptr, kNow);
  auto e = ApplyEventWrite(Write(R"({"id":"r","_is_merge":true,"_merge_paths":[["metadata","n"]],)"
                                 R"("metadata":{"n":{"y":2}}})"),
                           &old, kNow);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->metadata, R"({"a":1,"n":{"y":2}})");
}

TEST(ApplyEventWrite, ReplaceWithoutMergeDropsOldFields) {
  Event old =
      *ApplyEventWrite(Write(R"({"id":"r","metadata":{"a":1},"output":"o"})"), nullptr, kNow);
  auto e = ApplyEventWrite(Write(R"({"id":"r","input":"i"})"), &old, kNow + 9);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->metadata, "");
  EXPECT_EQ(e->output, "");
  EXPECT_EQ(e->input, R"("i")");
  EXPECT_EQ(e->created, kNow);
}

}  // namespace
}  // namespace sluice::model
