// libFuzzer entry point for the JSON form of queries (query/json_ast.h), as the SDKs send it to
// /btql: arbitrary bytes that parse as JSON go to QueryFromJson; an accepted query also runs
// over a few in-memory spans. Beyond crashes and sanitizer reports it checks that every refusal
// is kInvalidArgument with a message and that no refusal still carries the internal "at 0:n"
// positions instead of a place in the tree.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/json.h"
#include "query/json_ast.h"
#include "query_fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sluice_fuzz::Require;
  auto tree = sluice::Json::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!tree.ok()) return 0;
  auto q = sluice::query::QueryFromJson(*tree);
  if (!q.ok()) {
    Require(q.status().code() == sluice::StatusCode::kInvalidArgument);
    Require(!q.status().message().empty());
    Require(q.status().message().find(" at 0:") == std::string_view::npos);
    return 0;
  }
  sluice_fuzz::Source source;
  sluice_fuzz::NullSink sink;
  sluice::query::QueryContext ctx;
  ctx.default_limit = 2;
  auto ran = sluice::query::RunParsedQuery(*q, ctx, source, sink);
  Require(ran.ok() || ran.status().code() == sluice::StatusCode::kInvalidArgument);
  return 0;
}
