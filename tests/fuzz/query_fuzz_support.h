// Shared by the query fuzz targets: an in-memory EventSource of three spans (varied metadata,
// scores, metrics) and a sink that checks every output row is a JSON object.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/scan.h"
#include "query/query.h"

namespace sluice_fuzz {

inline void Require(bool ok) {
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

}  // namespace sluice_fuzz
