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
#include "query_fuzz_support.h"

using sluice_fuzz::NullSink;
using sluice_fuzz::Require;
using sluice_fuzz::Source;

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
