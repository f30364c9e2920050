// libFuzzer entry point for the query parser (DESIGN.md §4): arbitrary bytes go to ParseQuery;
// an accepted query is also run over a few in-memory spans, so the binder's output reaches the
// planner and evaluator. Beyond crashes and sanitizer reports it checks that every refusal is
// kInvalidArgument with a message, and that a parsed query's canonical text parses again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "query/parser.h"
#include "query/query.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

class Source : public sluice::model::EventSource {
 public:
  Source() {
    const char* kMetadata[] = {R"({"env":"prod","n":3,"o":{"k":[1,"a",null]}})",
                               R"({"env":"dev","n":-0.5})", ""};
    for (int i = 0; i < 3; ++i) {
      sluice::model::Event e;
      e.id = "s" + std::to_string(i);
      e.span_id = e.id;
      e.root_span_id = "s0";
      e.is_root = i == 0;
      e.created = 1'714'521'600'000'000LL + i * 60'000'000LL;
      e.xact_id = 100 + static_cast<uint64_t>(i);
      e.row_key = i + 1;
      e.metadata = kMetadata[i];
      e.scores = R"({"a":0.5})";
      e.metrics = R"({"start":1,"end":2,"tokens":5})";
      e.span_attributes = R"({"type":"llm"})";
      e.tags = {"x"};
      rows_.push_back(e);
    }
  }
  sluice::Result<std::unique_ptr<sluice::model::EventStream>> Scan(
      const sluice::model::ScanRequest&) override {
    return std::unique_ptr<sluice::model::EventStream>(std::make_unique<Stream>(rows_));
  }

 private:
  class Stream : public sluice::model::EventStream {
   public:
    explicit Stream(const std::vector<sluice::model::Event>& rows) : rows_(rows) {}
    sluice::Result<bool> Next(sluice::model::Event* row) override {
      if (next_ >= rows_.size()) return false;
      *row = rows_[next_++];
      return true;
    }

   private:
    const std::vector<sluice::model::Event>& rows_;
    size_t next_ = 0;
  };
  std::vector<sluice::model::Event> rows_;
};

class NullSink : public sluice::query::RowSink {
 public:
  sluice::Status OnRow(std::string_view json) override {
    Require(!json.empty() && json.front() == '{' && json.back() == '}');
    return sluice::Status::Ok();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sluice::query::ParseQuery(text);
  if (!parsed.ok()) {
    Require(parsed.status().code() == sluice::StatusCode::kInvalidArgument);
    Require(!parsed.status().message().empty());
    return 0;
  }
  if (parsed->filter) {
    // The canonical text of an accepted filter is itself a valid expression.
    std::string again = "select: id | from: project_logs('p') | filter: " +
                        sluice::query::ExprToString(*parsed->filter);
    auto reparsed = sluice::query::ParseQuerySyntax(again);
    Require(reparsed.ok() ||
            reparsed.status().message().find("nested too deeply") != std::string::npos);
  }
  Source source;
  NullSink sink;
  sluice::query::QueryContext ctx;
  ctx.default_limit = 2;
  auto ran = sluice::query::RunParsedQuery(*parsed, ctx, source, sink);
  Require(ran.ok() || ran.status().code() == sluice::StatusCode::kInvalidArgument);
  return 0;
}
